// WebhookNotifier's request per notifier type (Standard Webhooks signing, Slack, Teams,
// Mattermost, Chatwork), against the in-memory HTTP client.
#include "helpers/fake_http.h"
#include "notifiers/standard_webhooks.h"
#include "notifiers/webhook_notifier.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using FakeHttp = vw::test::FakeHttpClient;
constexpr std::int64_t kNow = 1700000000;

vw::NotifierConfig config(const std::string& type) {
    vw::NotifierConfig c;
    c.name = "chat";
    c.type = type;
    c.url.value = "https://hooks.example.jp/services/T0K3N";
    c.timeout = std::chrono::seconds(5);
    return c;
}

vw::OutMessage message(const std::string& payload = R"({"text":"脆弱性"})") {
    vw::OutMessage m;
    m.notifier = "chat";
    m.payload = payload;
    m.idempotencyKey = "0123456789abcdef";
    return m;
}

std::string header(const vw::HttpRequest& request, const std::string& name) {
    std::string value = "<absent>";
    int count = 0;
    for (const auto& [key, v] : request.headers) {
        if (key == name) {
            value = v;
            ++count;
        }
    }
    return count > 1 ? "<repeated>" : value;
}

vw::HttpRequest sent(const vw::NotifierConfig& c, const vw::OutMessage& m = message()) {
    FakeHttp http;
    http.next.status = 200;
    vw::WebhookNotifier notifier(c, http, [] { return kNow; });
    const auto result = notifier.deliver(m);
    INFO(result.reply);
    CHECK(result.kind == vw::DeliveryResult::Kind::Delivered);
    REQUIRE(http.requests.size() == 1);
    return http.requests.front();
}

} // namespace

TEST_CASE("webhook posts carry Standard Webhooks headers and the older signature",
          "[notifiers][chat]") {
    auto c = config("webhook");
    c.secret.value = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const auto request = sent(c);
    CHECK(header(request, "webhook-id") == "0123456789abcdef");
    CHECK(header(request, "webhook-timestamp") == "1700000000");
    const vw::StandardWebhookHeaders headers{header(request, "webhook-id"),
                                             header(request, "webhook-timestamp"),
                                             header(request, "webhook-signature")};
    CHECK(vw::verifyStandardWebhook(c.secret.value, headers, request.body, kNow) ==
          vw::StandardWebhookCheck::Valid);
    CHECK(vw::verifyStandardWebhook(c.secret.value, headers, request.body, kNow + 301) ==
          vw::StandardWebhookCheck::TooOld);
    // Receivers written for the older header keep working: HMAC of the body, secret as given.
    CHECK(header(request, "X-Vulnwatch-Signature") ==
          vw::webhookSignature(c.secret.value, request.body));
    CHECK(header(request, "X-Vulnwatch-Idempotency-Key") == "0123456789abcdef");
}

TEST_CASE("a plain webhook secret signs with its own bytes", "[notifiers][chat]") {
    auto c = config("webhook");
    c.secret.value = "plain secret";
    const auto request = sent(c);
    const vw::StandardWebhookHeaders headers{header(request, "webhook-id"),
                                             header(request, "webhook-timestamp"),
                                             header(request, "webhook-signature")};
    CHECK(vw::verifyStandardWebhook(vw::standardWebhookReceiverSecret("plain secret"), headers,
                                    request.body, kNow) == vw::StandardWebhookCheck::Valid);
}

TEST_CASE("an unsigned webhook still says its id and time", "[notifiers][chat]") {
    const auto request = sent(config("webhook"));
    CHECK(header(request, "webhook-id") == "0123456789abcdef");
    CHECK(header(request, "webhook-timestamp") == "1700000000");
    CHECK(header(request, "webhook-signature") == "<absent>");
    CHECK(header(request, "X-Vulnwatch-Signature") == "<absent>");
}

TEST_CASE("a broken whsec_ secret fails without a request", "[notifiers][chat]") {
    auto c = config("webhook");
    c.secret.value = "whsec_!!!";
    FakeHttp http;
    vw::WebhookNotifier notifier(c, http);
    const auto result = notifier.deliver(message());
    CHECK(result.kind == vw::DeliveryResult::Kind::Failed);
    CHECK(result.reply.find("!!!") == std::string::npos);
    CHECK(http.requests.empty());
}

TEST_CASE("Slack, Teams and Mattermost get the JSON payload and nothing to verify",
          "[notifiers][chat]") {
    for (const std::string type : {"slack", "teams", "mattermost"}) {
        INFO(type);
        const auto request = sent(config(type));
        CHECK(request.method == "POST");
        CHECK(request.url == "https://hooks.example.jp/services/T0K3N");
        CHECK(request.body == message().payload);
        CHECK(header(request, "Content-Type") == "application/json; charset=utf-8");
        CHECK(header(request, "webhook-signature") == "<absent>");
        CHECK(header(request, "webhook-id") == "<absent>");
        CHECK(request.maxRedirects == 0);
        CHECK(request.timeoutMs == 5000);
    }
}

TEST_CASE("Chatwork posts the form to the room with the token header", "[notifiers][chat]") {
    auto c = config("chatwork");
    c.url.value.clear();
    c.room = "123456";
    c.token.value = "0123456789abcdef0123456789abcdef";
    const auto request = sent(c, message("body=%E8%84%86"));
    CHECK(request.url == "https://api.chatwork.com/v2/rooms/123456/messages");
    CHECK(request.body == "body=%E8%84%86");
    CHECK(header(request, "X-ChatWorkToken") == "0123456789abcdef0123456789abcdef");
    CHECK(header(request, "Content-Type") == "application/x-www-form-urlencoded");

    c.apiUrl = "http://127.0.0.1:8080/hook/x/v2/";
    CHECK(sent(c).url == "http://127.0.0.1:8080/hook/x/v2/rooms/123456/messages");

    c.room.clear();
    FakeHttp http;
    vw::WebhookNotifier notifier(c, http);
    CHECK(notifier.deliver(message()).kind == vw::DeliveryResult::Kind::Failed);
    CHECK(http.requests.empty());
}
