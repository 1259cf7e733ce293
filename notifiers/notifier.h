// Notifiers: deliver one rendered message from the outbox to one channel.
#pragma once

#include "core/message.h"

#include <optional>
#include <string>

namespace vw {

struct DeliveryResult {
    enum class Kind { Delivered, Retry, Failed };
    Kind kind = Kind::Retry;
    std::string reply;                     // the server's answer or the error
    std::optional<long> retryAfterSeconds; // from Retry-After, when the server said so
};

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual const std::string& name() const = 0;
    /// Never throws for network or server failures; they come back as Retry or Failed.
    virtual DeliveryResult deliver(const OutMessage& message) = 0;
};

} // namespace vw
