#include "helpers/fake_http.h"
#include "notifiers/webhook_notifier.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using FakeHttp = vw::test::FakeHttpClient;

vw::NotifierConfig hookConfig(const std::string& secret) {
    vw::NotifierConfig config;
    config.name = "chat";
    config.type = "webhook";
    config.url.value = "https://hooks.example.jp/hook/abc";
    config.secret.value = secret;
    config.caFile = "/etc/ssl/extra.pem";
    config.timeout = std::chrono::seconds(7);
    return config;
}

vw::OutMessage hookMessage() {
    vw::OutMessage msg;
    msg.notifier = "chat";
    msg.payload = R"({"event":"match","text":"脆弱性"})";
    msg.idempotencyKey = "0123456789abcdef";
    return msg;
}

std::string headerValue(const vw::HttpRequest& request, const std::string& name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) {
            return value;
        }
    }
    return "<absent>";
}

vw::HttpResponse status(long code) {
    vw::HttpResponse response;
    response.status = code;
    return response;
}

} // namespace

TEST_CASE("HMAC-SHA256 signature matches the RFC 4231 test vector", "[notifiers]") {
    // RFC 4231 test case 2.
    CHECK(vw::webhookSignature("Jefe", "what do ya want for nothing?") ==
          "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook posts JSON with idempotency key and verifiable signature", "[notifiers]") {
    FakeHttp http;
    http.next = status(204);
    vw::WebhookNotifier notifier(hookConfig("s3cr3t"), http);
    CHECK(notifier.name() == "chat");

    const auto result = notifier.deliver(hookMessage());
    CHECK(result.kind == vw::DeliveryResult::Kind::Delivered);
    CHECK(result.reply == "HTTP 204");
    REQUIRE(http.requests.size() == 1);
    const auto& request = http.requests.front();
    CHECK(request.method == "POST");
    CHECK(request.url == "https://hooks.example.jp/hook/abc");
    CHECK(request.body == hookMessage().payload);
    CHECK(request.caFile == "/etc/ssl/extra.pem");
    CHECK(request.timeoutMs == 7000);
    CHECK(headerValue(request, "Content-Type") == "application/json; charset=utf-8");
    CHECK(headerValue(request, "X-Vulnwatch-Idempotency-Key") == "0123456789abcdef");
    const std::string signature = headerValue(request, "X-Vulnwatch-Signature");
    CHECK(signature == vw::webhookSignature("s3cr3t", request.body));
    CHECK(signature.size() == 7 + 64);
    CHECK(signature != vw::webhookSignature("other", request.body));
}

TEST_CASE("webhook without a secret sends no signature header", "[notifiers]") {
    FakeHttp http;
    http.next = status(200);
    vw::WebhookNotifier notifier(hookConfig(""), http);
    CHECK(notifier.deliver(hookMessage()).kind == vw::DeliveryResult::Kind::Delivered);
    REQUIRE(http.requests.size() == 1);
    CHECK(headerValue(http.requests.front(), "X-Vulnwatch-Signature") == "<absent>");
}

TEST_CASE("webhook maps server errors to retry and client errors to failure", "[notifiers]") {
    FakeHttp http;
    vw::WebhookNotifier notifier(hookConfig("k"), http);

    http.next = status(500);
    http.next.body = "internal\nerror";
    auto result = notifier.deliver(hookMessage());
    CHECK(result.kind == vw::DeliveryResult::Kind::Retry);
    CHECK(result.reply == "HTTP 500: internal error");
    CHECK_FALSE(result.retryAfterSeconds.has_value());

    http.next = status(429);
    http.next.headers = {{"retry-after", "120"}};
    result = notifier.deliver(hookMessage());
    CHECK(result.kind == vw::DeliveryResult::Kind::Retry);
    REQUIRE(result.retryAfterSeconds.has_value());
    CHECK(*result.retryAfterSeconds == 120);

    http.next = status(503);
    http.next.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}};
    result = notifier.deliver(hookMessage());
    CHECK(result.kind == vw::DeliveryResult::Kind::Retry);
    REQUIRE(result.retryAfterSeconds.has_value()); // an HTTP date in the past: now
    CHECK(*result.retryAfterSeconds == 0);

    http.next = status(408);
    CHECK(notifier.deliver(hookMessage()).kind == vw::DeliveryResult::Kind::Retry);

    http.next = status(404);
    result = notifier.deliver(hookMessage());
    CHECK(result.kind == vw::DeliveryResult::Kind::Failed);
    CHECK(result.reply == "HTTP 404");

    http.next = status(401);
    CHECK(notifier.deliver(hookMessage()).kind == vw::DeliveryResult::Kind::Failed);

    http.next = status(302);
    CHECK(notifier.deliver(hookMessage()).kind == vw::DeliveryResult::Kind::Failed);
}

TEST_CASE("webhook transport errors are retried without the URL's token", "[notifiers]") {
    FakeHttp http;
    http.next.status = 0;
    http.next.error = "connection refused: https://hooks.example.jp/hook/abc";
    vw::WebhookNotifier notifier(hookConfig("k"), http);
    const auto result = notifier.deliver(hookMessage());
    CHECK(result.kind == vw::DeliveryResult::Kind::Retry);
    // The path of a webhook URL is a credential: it never reaches logs or the delivery ledger.
    CHECK(result.reply == "connection refused: https://hooks.example.jp/…");
    CHECK(result.reply.find("abc") == std::string::npos);
}

TEST_CASE("webhook without a url fails without a request", "[notifiers]") {
    FakeHttp http;
    auto config = hookConfig("k");
    config.url.value.clear();
    vw::WebhookNotifier notifier(config, http);
    CHECK(notifier.deliver(hookMessage()).kind == vw::DeliveryResult::Kind::Failed);
    CHECK(http.requests.empty());
}
