// Webhook-style notifiers: POST the rendered payload through the HttpClient seam. One class
// serves every type whose delivery is one HTTP POST (webhook, slack, teams, mattermost,
// chatwork); the type decides the URL, the headers and the signing.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "notifiers/notifier.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vw {

/// The Chatwork API v2 base URL (`api_url` overrides it).
inline constexpr std::string_view kChatworkApiUrl = "https://api.chatwork.com/v2";

/// Posts `OutMessage::payload` (rendered for the notifier's type, notifiers/chat_format.h) with
/// `X-Vulnwatch-Idempotency-Key`, and by type:
/// - `webhook`: to `config.url`, `Content-Type: application/json; charset=utf-8`, the Standard
///   Webhooks headers `webhook-id` (the idempotency key) and `webhook-timestamp` (Unix seconds of
///   this attempt) and, when `config.secret` is set, `webhook-signature: v1,<base64 HMAC-SHA256
///   of "{id}.{timestamp}.{body}">` (notifiers/standard_webhooks.h: a `whsec_` secret is the
///   base64 of the key) and the older `X-Vulnwatch-Signature: sha256=<hex HMAC-SHA256 of the
///   body under the secret as configured>` for receivers written before;
/// - `slack`, `teams`, `mattermost`: to `config.url`, JSON, nothing else;
/// - `chatwork`: to `{api_url}/rooms/{room}/messages` with `X-ChatWorkToken` and
///   `Content-Type: application/x-www-form-urlencoded` (the payload is `body=…`).
/// 2xx → Delivered; 408, 429, 5xx and transport errors → Retry (with Retry-After seconds);
/// every other status → Failed. The HttpClient must outlive the notifier.
class WebhookNotifier : public Notifier {
public:
    /// `clock` gives the Unix time for `webhook-timestamp` (default: the system clock).
    WebhookNotifier(NotifierConfig config, HttpClient& http,
                    std::function<std::int64_t()> clock = {});

    const std::string& name() const override { return config_.name; }
    DeliveryResult deliver(const OutMessage& message) override;

    /// The request deliver() sends for `message` now (without timeouts' effect on anything).
    /// nullopt with `why` set when the configuration cannot make one (no URL, no room, a
    /// `whsec_` secret that is not base64).
    std::optional<HttpRequest> buildRequest(const OutMessage& message, std::string& why) const;

private:
    /// `text` (a server's reply or a transport error) without the configured URL, its
    /// credentials, the token or the signing secret, and without any credential form
    /// redactSecrets() knows.
    std::string safeReply(const std::string& text) const;

    NotifierConfig config_;
    std::vector<std::string> secrets_;
    HttpClient& http_;
    std::function<std::int64_t()> clock_;
};

/// `sha256=` followed by the lower-case hex HMAC-SHA256 of `body` under `secret`.
std::string webhookSignature(const std::string& secret, const std::string& body);

} // namespace vw
