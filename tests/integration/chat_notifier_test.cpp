// Every webhook-style notifier type over the real libcurl client against the loopback HTTP(S)
// fixture of scripts/test-servers.sh (TS_HTTP_*): what arrives is the method, path, headers and
// body the service expects, rendered from a hostile advisory.
#include "feeds/curl_http_client.h"
#include "helpers/fixtures.h"
#include "notifiers/chat_format.h"
#include "notifiers/standard_webhooks.h"
#include "notifiers/webhook_notifier.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Kind = vw::DeliveryResult::Kind;
using vw::test::uniqueToken;

namespace {

std::string httpBase() {
    return "http://127.0.0.1:" + vw::test::serverEnv("TS_HTTP_PORT");
}

std::string httpsBase() {
    return "https://127.0.0.1:" + vw::test::serverEnv("TS_HTTPS_PORT");
}

vw::NotifierConfig chatConfig(const std::string& type, const std::string& url) {
    vw::NotifierConfig config;
    config.name = "chat-" + type;
    config.type = type;
    config.url.value = url;
    config.caFile = vw::test::serverEnv("TS_CA_CERT");
    config.timeout = std::chrono::seconds(10);
    return config;
}

/// A hostile record, with `token` in its summary so the saved request can be found.
vw::OutMessage chatMessage(const std::string& type, const std::string& token) {
    vw::Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2024-000002";
    a.aliases = {"CVE-2024-0002"};
    a.title = "<!channel> [toall] @channel 医療機器ゲートウェイの脆弱性";
    a.summary = token + " [x](javascript:alert(1))";
    a.url = "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000002.html";
    a.cvss = {{"3.1", 9.8, "Critical", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    vw::Match m;
    m.advisory = a.id;
    m.aliases = a.aliases;
    m.product = "Gateway";
    m.component = "busybox";
    m.confidence = 90;
    m.method = "cpe-version";
    m.reason = "version 1.2 is in range < 1.3";
    auto msg = vw::renderChat(type, a, m, "chat-" + type, a.id);
    msg.idempotencyKey = vw::idempotencyKey(token, a.id, m.product, m.component, "");
    return msg;
}

/// The saved hook record whose path contains `token` (waits up to 5 s).
std::optional<Poco::JSON::Object::Ptr> findHook(const std::string& token) {
    const fs::path dir = vw::test::serverEnv("TS_HTTP_HOOKDIR");
    for (int round = 0; round < 50; ++round) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() != ".json") {
                continue;
            }
            const std::string text = vw::test::readFile(entry.path());
            if (text.find(token) == std::string::npos) {
                continue;
            }
            Poco::JSON::Parser parser;
            auto record = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
            if (record->getValue<std::string>("path").find(token) != std::string::npos) {
                return record;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
}

std::string savedHeader(const Poco::JSON::Object::Ptr& record, const std::string& name) {
    const auto headers = record->getObject("headers");
    REQUIRE(headers);
    auto lower = [](std::string s) {
        for (auto& ch : s) {
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        return s;
    };
    for (const auto& [key, value] : *headers) {
        if (lower(key) == lower(name)) {
            return value.toString();
        }
    }
    return "<absent>";
}

/// Delivers `msg` with `config` and returns the record the server saved under `token`.
Poco::JSON::Object::Ptr deliver(const vw::NotifierConfig& config, const vw::OutMessage& msg,
                                const std::string& token) {
    vw::CurlHttpClient http;
    vw::WebhookNotifier notifier(config, http);
    const auto result = notifier.deliver(msg);
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    const auto record = findHook(token);
    REQUIRE(record.has_value());
    CHECK((*record)->getValue<std::string>("method") == "POST");
    CHECK((*record)->getValue<std::string>("body") == msg.payload);
    CHECK(savedHeader(*record, "X-Vulnwatch-Idempotency-Key") == msg.idempotencyKey);
    return *record;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

TEST_CASE("a signed generic webhook arrives verifiable per Standard Webhooks",
          "[notifiers][integration][chat]") {
    const std::string token = uniqueToken("stdwh");
    auto config = chatConfig("webhook", httpBase() + "/hook/" + token);
    config.secret.value = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const auto msg = chatMessage("webhook", token);
    const auto saved = deliver(config, msg, token);
    CHECK(saved->getValue<std::string>("path") == "/hook/" + token);
    CHECK(savedHeader(saved, "Content-Type") == "application/json; charset=utf-8");
    const vw::StandardWebhookHeaders headers{savedHeader(saved, "webhook-id"),
                                             savedHeader(saved, "webhook-timestamp"),
                                             savedHeader(saved, "webhook-signature")};
    CHECK(headers.id == msg.idempotencyKey);
    const std::string body = saved->getValue<std::string>("body");
    CHECK(vw::verifyStandardWebhook(config.secret.value, headers, body, unixNow()) ==
          vw::StandardWebhookCheck::Valid);
    // The same request replayed six minutes later is refused by the receiver's check.
    CHECK(vw::verifyStandardWebhook(config.secret.value, headers, body, unixNow() + 360) ==
          vw::StandardWebhookCheck::TooOld);
    CHECK(savedHeader(saved, "X-Vulnwatch-Signature") ==
          vw::webhookSignature(config.secret.value, body));
    CHECK(json(body)->getValue<std::string>("event") == "match");
}

TEST_CASE("a Slack post arrives as Block Kit JSON", "[notifiers][integration][chat]") {
    const std::string token = uniqueToken("slack");
    const auto msg = chatMessage("slack", token);
    const auto saved =
        deliver(chatConfig("slack", httpBase() + "/hook/services/" + token), msg, token);
    CHECK(saved->getValue<std::string>("path") == "/hook/services/" + token);
    CHECK(savedHeader(saved, "Content-Type") == "application/json; charset=utf-8");
    CHECK(savedHeader(saved, "webhook-signature") == "<absent>");
    const auto doc = json(saved->getValue<std::string>("body"));
    CHECK(doc->getArray("blocks")->size() >= 2);
    CHECK_THAT(doc->getValue<std::string>("text"), Contains("&lt;!channel&gt;"));
    CHECK_THAT(saved->getValue<std::string>("body"), !Contains("<!channel>"));
}

TEST_CASE("a Teams post arrives over HTTPS as an Adaptive Card", "[notifiers][integration][chat]") {
    const std::string token = uniqueToken("teams");
    const auto msg = chatMessage("teams", token);
    const auto saved =
        deliver(chatConfig("teams", httpsBase() + "/hook/workflows/" + token), msg, token);
    CHECK(saved->getValue<bool>("tls"));
    CHECK(savedHeader(saved, "Content-Type") == "application/json; charset=utf-8");
    const auto doc = json(saved->getValue<std::string>("body"));
    CHECK(doc->getValue<std::string>("type") == "message");
    const auto attachment = doc->getArray("attachments")->getObject(0);
    CHECK(attachment->getValue<std::string>("contentType") ==
          "application/vnd.microsoft.card.adaptive");
    CHECK(attachment->getObject("content")->getValue<std::string>("version") == "1.4");
}

TEST_CASE("a Mattermost post arrives as markdown text", "[notifiers][integration][chat]") {
    const std::string token = uniqueToken("mattermost");
    const auto msg = chatMessage("mattermost", token);
    const auto saved =
        deliver(chatConfig("mattermost", httpBase() + "/hook/hooks/" + token), msg, token);
    const std::string text =
        json(saved->getValue<std::string>("body"))->getValue<std::string>("text");
    CHECK_THAT(text, StartsWith("#### "));
    CHECK_THAT(text, Contains("@\u200Dchannel"));
    CHECK_THAT(text, Contains("\\[x\\]\\(javascript:alert\\(1\\)\\)"));
}

TEST_CASE("a Chatwork message arrives at the room's API path with the token",
          "[notifiers][integration][chat]") {
    const std::string token = uniqueToken("chatwork");
    auto config = chatConfig("chatwork", "");
    config.url.value.clear();
    config.apiUrl = httpBase() + "/hook/" + token + "/v2";
    config.room = "4242";
    config.token.value = "0123456789abcdef0123456789abcdef";
    const auto msg = chatMessage("chatwork", token);
    const auto saved = deliver(config, msg, token);
    CHECK(saved->getValue<std::string>("path") == "/hook/" + token + "/v2/rooms/4242/messages");
    CHECK(savedHeader(saved, "X-ChatWorkToken") == "0123456789abcdef0123456789abcdef");
    CHECK(savedHeader(saved, "Content-Type") == "application/x-www-form-urlencoded");
    const std::string form = saved->getValue<std::string>("body");
    REQUIRE_THAT(form, StartsWith("body="));
    std::string body;
    Poco::URI::decode(form.substr(5), body);
    CHECK_THAT(body, StartsWith("[info][title]"));
    CHECK_THAT(body, Contains("［toall］"));
    CHECK_THAT(body, !Contains("[toall]"));
}

TEST_CASE("a chat service answering 429 is retried after Retry-After",
          "[notifiers][integration][chat]") {
    const std::string token = uniqueToken("slack429");
    vw::CurlHttpClient http;
    vw::WebhookNotifier notifier(chatConfig("slack", httpBase() + "/hook/status/429/" + token),
                                 http);
    const auto result = notifier.deliver(chatMessage("slack", token));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    REQUIRE(result.retryAfterSeconds.has_value());
    CHECK(*result.retryAfterSeconds == 1);
}
