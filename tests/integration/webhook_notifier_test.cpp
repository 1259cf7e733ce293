// WebhookNotifier over the real libcurl client against the loopback HTTP(S) fixture of
// scripts/test-servers.sh (TS_HTTP_*).
#include "feeds/curl_http_client.h"
#include "helpers/fixtures.h"
#include "notifiers/render.h"
#include "notifiers/webhook_notifier.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

using Kind = vw::DeliveryResult::Kind;

using vw::test::uniqueToken;

vw::NotifierConfig hookConfig(const std::string& url) {
    vw::NotifierConfig config;
    config.name = "chat";
    config.type = "webhook";
    config.url.value = url;
    config.secret.value = "webhook-secret-鍵";
    config.caFile = vw::test::serverEnv("TS_CA_CERT");
    config.timeout = std::chrono::seconds(10);
    return config;
}

std::string httpBase() {
    return "http://127.0.0.1:" + vw::test::serverEnv("TS_HTTP_PORT");
}

std::string httpsBase() {
    return "https://127.0.0.1:" + vw::test::serverEnv("TS_HTTPS_PORT");
}

vw::OutMessage hookMessage(const std::string& token) {
    vw::Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2024-000002";
    a.aliases = {"CVE-2024-0002"};
    a.title = "医療機器ゲートウェイにおける OS コマンドインジェクションの脆弱性";
    a.summary = token;
    a.cvss = {{"3.1", 9.8, "Critical", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    vw::Match m;
    m.advisory = a.id;
    m.aliases = a.aliases;
    m.product = "Gateway";
    m.component = "busybox";
    m.confidence = 90;
    m.method = "cpe-version";
    m.reason = "version 1.2 is in range < 1.3";
    auto msg = vw::renderWebhook(a, m, "chat");
    msg.idempotencyKey = token;
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

std::size_t countHooks() {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(vw::test::serverEnv("TS_HTTP_HOOKDIR"))) {
        n += entry.path().extension() == ".json" ? 1 : 0;
    }
    return n;
}

/// A request header from the saved record, looked up without regard to case.
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

void checkDelivered(const std::string& base, bool tls) {
    vw::CurlHttpClient http;
    const std::string token = uniqueToken(tls ? "https" : "http");
    auto config = hookConfig(base + "/hook/" + token);
    vw::WebhookNotifier notifier(config, http);
    const auto msg = hookMessage(token);

    const std::size_t before = countHooks();
    const auto result = notifier.deliver(msg);
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    CHECK(result.reply == "HTTP 204");
    CHECK(countHooks() >= before + 1);

    const auto record = findHook(token);
    REQUIRE(record.has_value());
    const auto& saved = *record;
    CHECK(saved->getValue<bool>("tls") == tls);
    const std::string body = saved->getValue<std::string>("body");
    CHECK(body == msg.payload);
    CHECK(savedHeader(saved, "Content-Type") == "application/json; charset=utf-8");
    CHECK(savedHeader(saved, "X-Vulnwatch-Idempotency-Key") == token);
    // The receiver's check: recompute the HMAC over the body it got.
    CHECK(savedHeader(saved, "X-Vulnwatch-Signature") ==
          vw::webhookSignature(config.secret.value, body));

    Poco::JSON::Parser parser;
    const auto payload = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    CHECK(payload->getValue<std::string>("event") == "match");
    CHECK(payload->getObject("advisory")->getValue<std::string>("id") == "JVNDB-2024-000002");
    CHECK(payload->getObject("match")->getValue<std::string>("component") == "busybox");
}

} // namespace

TEST_CASE("webhook over HTTP is delivered with a verifiable signature",
          "[notifiers][integration][webhook]") {
    checkDelivered(httpBase(), false);
}

TEST_CASE("webhook over HTTPS is delivered with a verifiable signature",
          "[notifiers][integration][webhook]") {
    checkDelivered(httpsBase(), true);
}

TEST_CASE("webhook answered with 500 is retried", "[notifiers][integration][webhook]") {
    vw::CurlHttpClient http;
    const std::string token = uniqueToken("h500");
    vw::WebhookNotifier notifier(hookConfig(httpBase() + "/hook/status/500/" + token), http);
    const auto result = notifier.deliver(hookMessage(token));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    CHECK_THAT(result.reply, Catch::StartsWith("HTTP 500"));
    CHECK(findHook(token).has_value()); // the fixture stored it before answering
}

TEST_CASE("webhook answered with 429 is retried after Retry-After",
          "[notifiers][integration][webhook]") {
    vw::CurlHttpClient http;
    const std::string token = uniqueToken("h429");
    vw::WebhookNotifier notifier(hookConfig(httpsBase() + "/hook/status/429/" + token), http);
    const auto result = notifier.deliver(hookMessage(token));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    REQUIRE(result.retryAfterSeconds.has_value());
    CHECK(*result.retryAfterSeconds == 1);
}

TEST_CASE("webhook answered with 404 fails permanently", "[notifiers][integration][webhook]") {
    vw::CurlHttpClient http;
    const std::string token = uniqueToken("h404");
    vw::WebhookNotifier notifier(hookConfig(httpBase() + "/hook/status/404/" + token), http);
    const auto result = notifier.deliver(hookMessage(token));
    INFO(result.reply);
    CHECK(result.kind == Kind::Failed);
    CHECK_THAT(result.reply, Catch::StartsWith("HTTP 404"));
}

TEST_CASE("webhook over HTTPS without the test CA is retried",
          "[notifiers][integration][webhook]") {
    vw::CurlHttpClient http;
    const std::string token = uniqueToken("noca");
    auto config = hookConfig(httpsBase() + "/hook/" + token);
    config.caFile.clear();
    vw::WebhookNotifier notifier(config, http);
    const auto result = notifier.deliver(hookMessage(token));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    CHECK_FALSE(result.reply.empty());
    CHECK_FALSE(findHook(token).has_value());
}
