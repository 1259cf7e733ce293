// What a webhook notifier returns never repeats its credentials, and it tells the delivery loop
// when the receiver as a whole is unavailable (issue 11 part 7).
#include "helpers/fake_http.h"
#include "notifiers/webhook_notifier.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using FakeHttp = vw::test::FakeHttpClient;
using Kind = vw::DeliveryResult::Kind;

vw::NotifierConfig hook(const std::string& url) {
    vw::NotifierConfig config;
    config.name = "chat";
    config.type = "webhook";
    config.url.value = url;
    config.secret.value = "signing-Key-991";
    return config;
}

vw::OutMessage message() {
    vw::OutMessage msg;
    msg.notifier = "chat";
    msg.payload = R"({"event":"match"})";
    msg.idempotencyKey = "k-1";
    return msg;
}

vw::HttpResponse answer(long status, std::string body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    vw::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

} // namespace

TEST_CASE("a reply echoing the URL credentials token or secret is redacted",
          "[notifiers][redact]") {
    FakeHttp http;
    const std::string url = "http://psirt:s3cret%21@127.0.0.1:8080/in?token=T0KEN-abc";
    vw::WebhookNotifier notifier(hook(url), http);
    http.next = answer(500, "failed: " + url + " user psirt:s3cret! key signing-Key-991 T0KEN-abc");
    const auto result = notifier.deliver(message());
    CHECK(result.kind == Kind::Retry);
    INFO(result.reply);
    for (const char* secret : {"s3cret", "T0KEN-abc", "signing-Key-991"}) {
        CHECK(result.reply.find(secret) == std::string::npos);
    }
    CHECK(result.reply.rfind("HTTP 500: failed: http://127.0.0.1:8080/…", 0) == 0);
    // The credentials themselves still go to the receiver (curl turns userinfo into Basic auth).
    REQUIRE(http.requests.size() == 1);
    CHECK(http.requests[0].url == url);
}

TEST_CASE("a transport error names the host but not the URL's secrets", "[notifiers][redact]") {
    FakeHttp http;
    http.next.error = "timed out after 2000 ms fetching http://<redacted>@127.0.0.1:8080/in?"
                      "token=<redacted> (Operation timed out)";
    vw::WebhookNotifier notifier(hook("http://psirt:s3cret@127.0.0.1:8080/in?token=T0KEN"), http);
    const auto result = notifier.deliver(message());
    CHECK(result.kind == Kind::Retry);
    CHECK(result.unreachable);
    CHECK(result.reply.find("127.0.0.1:8080") != std::string::npos);
    CHECK(result.reply.find("s3cret") == std::string::npos);
}

TEST_CASE("429 and 503 make the receiver unavailable but 500 does not", "[notifiers][delivery]") {
    FakeHttp http;
    vw::WebhookNotifier notifier(hook("https://hooks.example.jp/in"), http);
    http.next = answer(429, "slow down", {{"retry-after", "120"}});
    auto result = notifier.deliver(message());
    CHECK(result.kind == Kind::Retry);
    CHECK(result.unreachable);
    CHECK(result.retryAfterSeconds == 120L);
    http.next = answer(503, "maintenance");
    CHECK(notifier.deliver(message()).unreachable);
    http.next = answer(500, "bug");
    result = notifier.deliver(message());
    CHECK(result.kind == Kind::Retry);
    CHECK_FALSE(result.unreachable);
    http.next = answer(200, "ok");
    CHECK_FALSE(notifier.deliver(message()).unreachable);
}
