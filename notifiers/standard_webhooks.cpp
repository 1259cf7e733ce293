#include "notifiers/standard_webhooks.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>
#include <array>
#include <charconv>
#include <string_view>

namespace vw {

namespace {

/// Poco 1.11's SHA2Engine lacks the BLOCK_SIZE / DIGEST_SIZE constants HMACEngine needs.
class Sha256Engine : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 section 4).
std::string base64(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i]) << 16);
        if (rest == 2) {
            n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1]) << 8);
        }
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

/// Strict base64 decoding (padding optional, nothing else allowed); nullopt on any other byte.
std::optional<std::string> unbase64(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const auto at = kAlphabet.find(c);
        if (at == std::string_view::npos) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<unsigned>(at);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFFu);
        }
    }
    return out;
}

std::string hmacSha256(const std::string& key, const std::string& data) {
    Poco::HMACEngine<Sha256Engine> hmac(key);
    hmac.update(data);
    const auto& digest = hmac.digest();
    return std::string(digest.begin(), digest.end());
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = static_cast<unsigned char>(
            diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    }
    return diff == 0;
}

} // namespace

std::optional<std::string> standardWebhookKey(const std::string& secret) {
    if (!secret.starts_with(kStandardWebhookSecretPrefix)) {
        if (secret.empty()) {
            return std::nullopt;
        }
        return secret;
    }
    auto key = unbase64(std::string_view(secret).substr(kStandardWebhookSecretPrefix.size()));
    if (!key || key->empty()) {
        return std::nullopt;
    }
    return key;
}

std::string standardWebhookReceiverSecret(const std::string& secret) {
    if (secret.starts_with(kStandardWebhookSecretPrefix)) {
        return secret;
    }
    return std::string(kStandardWebhookSecretPrefix) + base64(secret);
}

std::string standardWebhookSignature(const std::string& key, const std::string& id,
                                     std::int64_t timestamp, const std::string& body) {
    const std::string content = id + "." + std::to_string(timestamp) + "." + body;
    return "v1," + base64(hmacSha256(key, content));
}

StandardWebhookHeaders signStandardWebhook(const std::string& key, const std::string& id,
                                           std::int64_t now, const std::string& body) {
    return StandardWebhookHeaders{id, std::to_string(now),
                                  standardWebhookSignature(key, id, now, body)};
}

StandardWebhookCheck verifyStandardWebhook(const std::string& secret,
                                           const StandardWebhookHeaders& headers,
                                           const std::string& body, std::int64_t now,
                                           std::int64_t tolerance) {
    if (headers.id.empty() || headers.timestamp.empty() || headers.signature.empty()) {
        return StandardWebhookCheck::MissingHeaders;
    }
    std::int64_t timestamp = 0;
    const char* end = headers.timestamp.data() + headers.timestamp.size();
    const auto parsed = std::from_chars(headers.timestamp.data(), end, timestamp);
    if (parsed.ec != std::errc() || parsed.ptr != end) {
        return StandardWebhookCheck::BadTimestamp;
    }
    if (now - timestamp > tolerance) {
        return StandardWebhookCheck::TooOld;
    }
    if (timestamp - now > tolerance) {
        return StandardWebhookCheck::TooNew;
    }
    const auto key = standardWebhookKey(secret);
    if (!key) {
        return StandardWebhookCheck::BadSignature;
    }
    const std::string expected = standardWebhookSignature(*key, headers.id, timestamp, body);
    std::string_view list = headers.signature;
    bool match = false;
    while (!list.empty()) {
        const auto space = list.find(' ');
        const std::string_view entry = list.substr(0, space);
        match = constantTimeEqual(entry, expected) || match;
        list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
    }
    return match ? StandardWebhookCheck::Valid : StandardWebhookCheck::BadSignature;
}

} // namespace vw
