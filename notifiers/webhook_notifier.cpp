#include "notifiers/webhook_notifier.h"

#include "core/redact.h"
#include "notifiers/standard_webhooks.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

namespace vw {

namespace {

/// Poco 1.11's SHA2Engine lacks the BLOCK_SIZE / DIGEST_SIZE constants HMACEngine needs.
class Sha256Engine : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

constexpr std::size_t kMaxReplyBody = 200;
constexpr std::size_t kMaxResponseBytes = 1024 * 1024;

/// "HTTP 500: <start of the body on one line>".
std::string describe(const HttpResponse& response) {
    std::string reply = "HTTP " + std::to_string(response.status);
    std::string snippet;
    for (char ch : response.body) {
        if (snippet.size() >= kMaxReplyBody) {
            break;
        }
        snippet += (static_cast<unsigned char>(ch) < 0x20) ? ' ' : ch;
    }
    while (!snippet.empty() && snippet.back() == ' ') {
        snippet.pop_back();
    }
    if (!snippet.empty()) {
        reply += ": " + snippet;
    }
    return reply;
}

/// `url` reduced to scheme://host[:port]/… : webhook URLs carry tokens in the path and query.
std::string redactedUrl(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return "<webhook url>";
    }
    const auto authority = scheme + 3;
    const auto path = url.find_first_of("/?#", authority);
    std::string hostPort =
        url.substr(authority, path == std::string::npos ? path : path - authority);
    if (const auto at = hostPort.rfind('@'); at != std::string::npos) {
        hostPort.erase(0, at + 1); // userinfo
    }
    return url.substr(0, authority) + hostPort + (path == std::string::npos ? "" : "/…");
}

} // namespace

std::string webhookSignature(const std::string& secret, const std::string& body) {
    Poco::HMACEngine<Sha256Engine> hmac(secret);
    hmac.update(body);
    return "sha256=" + Poco::DigestEngine::digestToHex(hmac.digest());
}

WebhookNotifier::WebhookNotifier(NotifierConfig config, HttpClient& http,
                                 std::function<std::int64_t()> clock)
    : config_(std::move(config)), http_(http), clock_(std::move(clock)) {
    // Everything secret this notifier knows; no reply may repeat one (docs/operations.md).
    if (!config_.url.value.empty()) {
        secrets_.push_back(config_.url.value);
    }
    for (const std::string& url : {config_.url.value, config_.apiUrl}) {
        for (auto& credential : urlCredentials(url)) {
            secrets_.push_back(std::move(credential));
        }
    }
    for (const std::string* secret : {&config_.token.value, &config_.secret.value}) {
        if (!secret->empty()) {
            secrets_.push_back(*secret);
        }
    }
    if (!clock_) {
        clock_ = [] {
            return static_cast<std::int64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
        };
    }
}

std::optional<HttpRequest> WebhookNotifier::buildRequest(const OutMessage& message,
                                                         std::string& why) const {
    HttpRequest request;
    request.method = "POST";
    request.body = message.payload;
    if (config_.type == "chatwork") {
        if (config_.room.empty() || config_.token.empty()) {
            why = "notifier " + config_.name + " has no chatwork room or token";
            return std::nullopt;
        }
        std::string base = config_.apiUrl.empty() ? std::string(kChatworkApiUrl) : config_.apiUrl;
        while (!base.empty() && base.back() == '/') {
            base.pop_back();
        }
        request.url = base + "/rooms/" + config_.room + "/messages";
        request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        request.headers.emplace_back("X-ChatWorkToken", config_.token.value);
    } else {
        if (config_.url.value.empty()) {
            why = "notifier " + config_.name + " has no webhook url";
            return std::nullopt;
        }
        request.url = config_.url.value;
        request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    }
    request.headers.emplace_back("X-Vulnwatch-Idempotency-Key", message.idempotencyKey);
    if (config_.type == "webhook") {
        const std::int64_t now = clock_();
        request.headers.emplace_back("webhook-id", message.idempotencyKey);
        request.headers.emplace_back("webhook-timestamp", std::to_string(now));
        if (!config_.secret.empty()) {
            const auto key = standardWebhookKey(config_.secret.value);
            if (!key) {
                why = "notifier " + config_.name + ": the whsec_ secret is not valid base64";
                return std::nullopt;
            }
            request.headers.emplace_back(
                "webhook-signature",
                standardWebhookSignature(*key, message.idempotencyKey, now, message.payload));
            request.headers.emplace_back("X-Vulnwatch-Signature",
                                         webhookSignature(config_.secret.value, message.payload));
        }
    }
    const long timeoutMs = static_cast<long>(config_.timeout.count()) * 1000;
    request.timeoutMs = timeoutMs;
    request.connectTimeoutMs = std::min(request.connectTimeoutMs, timeoutMs);
    request.maxBytes = kMaxResponseBytes;
    request.maxRedirects = 0; // a redirected POST would be replayed as GET by most clients
    request.caFile = config_.caFile;
    request.proxy = config_.proxy;
    return request;
}

DeliveryResult WebhookNotifier::deliver(const OutMessage& message) {
    DeliveryResult result;
    std::string why;
    const std::optional<HttpRequest> built = buildRequest(message, why);
    if (!built) {
        result.kind = DeliveryResult::Kind::Failed;
        result.reply = why;
        return result;
    }
    const HttpRequest& request = *built;

    const HttpResponse response = http_.perform(request);
    if (response.cancelled) {
        result.kind = DeliveryResult::Kind::Cancelled;
        result.reply = "cancelled (shutting down)";
        return result;
    }
    if (!response.ok() || response.status == 0) {
        result.kind = DeliveryResult::Kind::Retry;
        result.unreachable = true;
        result.reply = response.error.empty() ? "no HTTP response" : safeReply(response.error);
        return result;
    }

    result.reply = safeReply(describe(response));
    const long status = response.status;
    if (status >= 200 && status < 300) {
        result.kind = DeliveryResult::Kind::Delivered;
        result.sent = request.body;
        result.sentMediaType =
            config_.type == "chatwork" ? "application/x-www-form-urlencoded" : "application/json";
    } else if (status == 408 || status == 429 || status >= 500) {
        result.kind = DeliveryResult::Kind::Retry;
        result.retryAfterSeconds = parseRetryAfter(response.header("retry-after"), clock_());
        // 429 and 503 are about the receiver, not this message: its other messages wait too.
        result.unreachable = status == 429 || status == 503;
    } else {
        result.kind = DeliveryResult::Kind::Failed;
    }
    return result;
}

std::string WebhookNotifier::safeReply(const std::string& text) const {
    std::string safe = text;
    const std::string& url = config_.url.value;
    if (!url.empty() && config_.type != "chatwork") {
        // The configured URL as a whole first, so the host stays readable.
        const std::string cut = redactedUrl(url);
        for (auto at = safe.find(url); at != std::string::npos;
             at = safe.find(url, at + cut.size())) {
            safe.replace(at, url.size(), cut);
        }
    }
    return redactSecrets(safe, secrets_);
}

} // namespace vw
