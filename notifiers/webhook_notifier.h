// Generic JSON webhooks: POST the rendered payload through the HttpClient seam.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "notifiers/notifier.h"

#include <optional>
#include <string>

namespace vw {

/// Posts `OutMessage::payload` to `config.url.value` with
/// `Content-Type: application/json; charset=utf-8`, `X-Vulnwatch-Idempotency-Key` and, when
/// `config.secret` is set, `X-Vulnwatch-Signature: sha256=<hex HMAC-SHA256 of the body>`.
/// 2xx → Delivered; 408, 429, 5xx and transport errors → Retry (with Retry-After seconds);
/// every other status → Failed. The HttpClient must outlive the notifier.
class WebhookNotifier : public Notifier {
public:
    WebhookNotifier(NotifierConfig config, HttpClient& http);

    const std::string& name() const override { return config_.name; }
    DeliveryResult deliver(const OutMessage& message) override;

private:
    NotifierConfig config_;
    HttpClient& http_;
};

/// `sha256=` followed by the lower-case hex HMAC-SHA256 of `body` under `secret`.
std::string webhookSignature(const std::string& secret, const std::string& body);

/// A Retry-After value in delta-seconds form ("120"); nullopt for anything else
/// (HTTP dates are not converted: that would need the clock).
std::optional<long> parseRetryAfter(const std::string& value);

} // namespace vw
