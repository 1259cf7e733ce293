// Signing per the Standard Webhooks specification (standardwebhooks.com): the headers
// `webhook-id`, `webhook-timestamp` and `webhook-signature`, so a receiver can verify a post with
// an off-the-shelf library and reject replays (its timestamp tolerance, 5 minutes by default).
// Pure: the caller passes the time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vw {

/// The prefix of a Standard Webhooks secret: `whsec_` followed by the base64 of the key bytes.
inline constexpr std::string_view kStandardWebhookSecretPrefix = "whsec_";

/// The receivers' default tolerance for `webhook-timestamp`, in seconds either way.
inline constexpr std::int64_t kStandardWebhookToleranceSeconds = 5 * 60;

/// The HMAC key a configured secret stands for: for `whsec_<base64>` the decoded bytes; for any
/// other secret its own bytes (a receiver then uses `whsec_` + base64(secret)). nullopt when a
/// `whsec_` secret is not valid base64 or decodes to nothing.
std::optional<std::string> standardWebhookKey(const std::string& secret);

/// The secret a receiver configures for `secret`: `secret` itself when it is a `whsec_` secret,
/// else `whsec_` + base64(secret).
std::string standardWebhookReceiverSecret(const std::string& secret);

/// `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")): the `webhook-signature` value.
std::string standardWebhookSignature(const std::string& key, const std::string& id,
                                     std::int64_t timestamp, const std::string& body);

struct StandardWebhookHeaders {
    std::string id;        // webhook-id
    std::string timestamp; // webhook-timestamp: Unix seconds
    std::string signature; // webhook-signature: "v1,<base64>"
};

/// The three headers for one post. `key` as standardWebhookKey() returns it.
StandardWebhookHeaders signStandardWebhook(const std::string& key, const std::string& id,
                                           std::int64_t now, const std::string& body);

enum class StandardWebhookCheck {
    Valid,
    MissingHeaders,
    BadTimestamp,
    TooOld,
    TooNew,
    BadSignature
};

/// What a receiver checks (for tests and for receivers written in C++): the timestamp within
/// `tolerance` seconds of `now`, then any `v1,` entry of the space-separated signature list
/// equal (constant-time) to the expected one. `secret` as configured (see standardWebhookKey).
StandardWebhookCheck
verifyStandardWebhook(const std::string& secret, const StandardWebhookHeaders& headers,
                      const std::string& body, std::int64_t now,
                      std::int64_t tolerance = kStandardWebhookToleranceSeconds);

} // namespace vw
