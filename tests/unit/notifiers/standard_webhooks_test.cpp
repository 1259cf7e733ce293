// Standard Webhooks signing (notifiers/standard_webhooks.h). The vectors: the specification's
// published example, and one computed with the npm `standardwebhooks` package (1.1.1).
#include "notifiers/standard_webhooks.h"

#include <catch2/catch.hpp>
#include <string>

using Check = vw::StandardWebhookCheck;

TEST_CASE("the signature matches the Standard Webhooks example", "[notifiers][standard-webhooks]") {
    const auto key = vw::standardWebhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    REQUIRE(key.has_value());
    CHECK(vw::standardWebhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                       R"({"test": 2432232314})") ==
          "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("a plain secret is the key itself, and receivers use whsec_ + its base64",
          "[notifiers][standard-webhooks]") {
    const std::string secret = "s3cr3t key 鍵";
    CHECK(vw::standardWebhookKey(secret) == secret);
    CHECK(vw::standardWebhookReceiverSecret(secret) == "whsec_czNjcjN0IGtleSDpjbU=");
    CHECK(vw::standardWebhookReceiverSecret("whsec_abcd") == "whsec_abcd");
    // The same signature the npm package computes with whsec_czNjcjN0IGtleSDpjbU=.
    CHECK(vw::standardWebhookSignature(secret, "0123456789abcdef", 1700000000,
                                       R"({"event":"match","text":"脆弱性"})") ==
          "v1,aPpB5QVbLzWW3orrzaNpplXOu550TUjJBc1qekRxAWw=");
}

TEST_CASE("a whsec_ secret that is not base64 has no key", "[notifiers][standard-webhooks]") {
    CHECK_FALSE(vw::standardWebhookKey("whsec_").has_value());
    CHECK_FALSE(vw::standardWebhookKey("whsec_not base64!").has_value());
    CHECK_FALSE(vw::standardWebhookKey("whsec_a").has_value());
    CHECK_FALSE(vw::standardWebhookKey("").has_value());
    CHECK(vw::standardWebhookKey("whsec_YQ") == "a");
    CHECK(vw::standardWebhookKey("whsec_YQ==") == "a");
}

TEST_CASE("verification accepts fresh posts and rejects replays and forgeries",
          "[notifiers][standard-webhooks]") {
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const auto key = *vw::standardWebhookKey(secret);
    const std::string body = R"({"event":"match"})";
    const auto headers = vw::signStandardWebhook(key, "0123456789abcdef", 1700000000, body);
    CHECK(headers.id == "0123456789abcdef");
    CHECK(headers.timestamp == "1700000000");
    CHECK(vw::verifyStandardWebhook(secret, headers, body, 1700000000) == Check::Valid);
    CHECK(vw::verifyStandardWebhook(secret, headers, body, 1700000000 + 300) == Check::Valid);
    CHECK(vw::verifyStandardWebhook(secret, headers, body, 1700000000 + 301) == Check::TooOld);
    CHECK(vw::verifyStandardWebhook(secret, headers, body, 1700000000 - 301) == Check::TooNew);
    CHECK(vw::verifyStandardWebhook(secret, headers, body + " ", 1700000000) ==
          Check::BadSignature);
    CHECK(vw::verifyStandardWebhook("whsec_YWJj", headers, body, 1700000000) ==
          Check::BadSignature);

    auto moved = headers;
    moved.timestamp = "1700000001"; // a new timestamp needs a new signature
    CHECK(vw::verifyStandardWebhook(secret, moved, body, 1700000000) == Check::BadSignature);
    auto several = headers;
    several.signature = "v1,AAAA " + headers.signature + " v2,xyz";
    CHECK(vw::verifyStandardWebhook(secret, several, body, 1700000000) == Check::Valid);
    auto bad = headers;
    bad.timestamp = "17e8";
    CHECK(vw::verifyStandardWebhook(secret, bad, body, 1700000000) == Check::BadTimestamp);
    bad = headers;
    bad.id.clear();
    CHECK(vw::verifyStandardWebhook(secret, bad, body, 1700000000) == Check::MissingHeaders);
}
