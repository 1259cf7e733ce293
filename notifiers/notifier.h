// Notifiers: deliver one rendered message from the outbox to one channel.
#pragma once

#include "core/message.h"

#include <optional>
#include <string>

namespace vw {

struct DeliveryResult {
    /// Cancelled: the process is shutting down and stopped the attempt; it is not counted and
    /// the message stays due (the receiver may have it: its idempotency key says so).
    enum class Kind { Delivered, Retry, Failed, Cancelled };
    Kind kind = Kind::Retry;
    std::string reply;                     // the server's answer or the error
    std::optional<long> retryAfterSeconds; // from Retry-After, when the server said so
    /// With Retry: the notifier's own settings are wrong (an SMTP server refusing the login):
    /// not the message's fault, so the attempt is not counted against it.
    bool configuration = false;
    /// With Retry: the receiver as a whole did not answer or asked to slow down (no response,
    /// a timeout, 429, 503): the notifier's other due messages wait too instead of each paying
    /// the timeout (daemon/pipeline.cpp, deliverDue).
    bool unreachable = false;
    /// With Delivered: the message exactly as it went out (e-mail: the MIME text; webhooks:
    /// the request body) and its media type, kept as evidence by the pipeline ("" if unknown).
    std::string sent{};
    std::string sentMediaType{};
};

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual const std::string& name() const = 0;
    /// Never throws for network or server failures; they come back as Retry or Failed.
    virtual DeliveryResult deliver(const OutMessage& message) = 0;
};

} // namespace vw
