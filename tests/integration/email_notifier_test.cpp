// EmailNotifier against the loopback SMTP sink of scripts/test-servers.sh (TS_SMTP_*).
#include "helpers/fixtures.h"
#include "notifiers/email_notifier.h"
#include "notifiers/render.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

using Kind = vw::DeliveryResult::Kind;

using vw::test::uniqueToken;

vw::NotifierConfig smtpConfig(const std::string& url) {
    vw::NotifierConfig config;
    config.name = "mail";
    config.type = "email";
    config.smtp = url;
    config.from = "vulnwatch <vulnwatch@example.jp>";
    config.timeout = std::chrono::seconds(10);
    config.caFile = vw::test::serverEnv("TS_CA_CERT");
    return config;
}

std::string plainUrl() {
    return "smtp://127.0.0.1:" + vw::test::serverEnv("TS_SMTP_PORT");
}

std::string implicitTlsUrl() {
    return "smtps://127.0.0.1:" + vw::test::serverEnv("TS_SMTPS_PORT");
}

/// A message with a Japanese subject and body; `token` is its idempotency key.
vw::OutMessage japaneseMessage(const std::string& token, const std::string& recipient) {
    vw::OutMessage msg;
    msg.notifier = "mail";
    msg.recipient = recipient;
    msg.subject = "[vulnwatch] 脆弱性: 医療画像ビューア — JVNDB-2024-000001 "
                  "認証回避の脆弱性 " +
                  token;
    msg.text = "識別子 (ID): JVNDB-2024-000001\n理由 (Reason): CPE が一致しました\n"
               "概要 (Summary): 遠隔の第三者が認証を回避する可能性があります。\n"
               ".\n" // a lone dot must survive SMTP dot-stuffing
               "token: " +
               token + "\n";
    msg.idempotencyKey = token;
    return msg;
}

std::size_t countEml(const fs::path& dir) {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        n += entry.path().extension() == ".eml" ? 1 : 0;
    }
    return n;
}

/// The saved .eml whose Message-ID carries `token` (waits up to 5 s for the sink).
std::optional<fs::path> findSaved(const fs::path& dir, const std::string& token) {
    const std::string needle = "<" + token + "@vulnwatch>";
    for (int round = 0; round < 50; ++round) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() != ".eml") {
                continue;
            }
            if (vw::test::readFile(entry.path()).find(needle) != std::string::npos) {
                return entry.path();
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
}

/// The raw header block of a saved message, folded lines joined with a space.
std::string rawHeader(const std::string& eml, const std::string& name) {
    std::istringstream in(eml);
    std::string line;
    std::string value;
    bool inside = false;
    const std::string prefix = name + ":";
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty()) {
            break;
        }
        if (inside && (line[0] == ' ' || line[0] == '\t')) {
            value += " " + line.substr(1);
            continue;
        }
        inside = false;
        if (line.size() >= prefix.size() &&
            std::equal(prefix.begin(), prefix.end(), line.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            inside = true;
            value = line.substr(prefix.size());
        }
    }
    const auto begin = value.find_first_not_of(' ');
    return begin == std::string::npos ? std::string() : value.substr(begin);
}

/// RFC 2047 decoding of a header value made of encoded-words separated by folding space.
std::string decodeWords(const std::string& value) {
    std::istringstream words(value);
    std::string word;
    std::string out;
    while (words >> word) {
        out += Poco::Net::MessageHeader::decodeWord(word, "UTF-8");
    }
    return out;
}

Poco::JSON::Object::Ptr envelopeOf(const fs::path& eml) {
    fs::path meta = eml;
    meta.replace_extension(".json");
    Poco::JSON::Parser parser;
    return parser.parse(vw::test::readFile(meta)).extract<Poco::JSON::Object::Ptr>();
}

/// A loopback port nobody listens on (bound, then released).
std::string closedPort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto port = socket.address().port();
    socket.close();
    return std::to_string(port);
}

} // namespace

TEST_CASE("email over STARTTLS with AUTH arrives with an encoded Japanese subject",
          "[notifiers][integration][smtp]") {
    const fs::path outdir = vw::test::serverEnv("TS_SMTP_OUTDIR");
    auto config = smtpConfig(plainUrl());
    config.starttls = "required";
    config.user = vw::test::serverEnv("TS_SMTP_USER");
    config.password.value = vw::test::serverEnv("TS_SMTP_PASS");
    vw::EmailNotifier notifier(config);

    const std::string token = uniqueToken("starttls");
    const auto msg = japaneseMessage(token, "psirt-owner@example.jp");
    const std::size_t before = countEml(outdir);
    const auto result = notifier.deliver(msg);
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    CHECK_THAT(result.reply, Catch::StartsWith("250"));
    CHECK(countEml(outdir) >= before + 1);

    const auto saved = findSaved(outdir, token);
    REQUIRE(saved.has_value());
    const std::string eml = vw::test::readFile(*saved);

    const std::string subject = rawHeader(eml, "Subject");
    CHECK_THAT(subject, Catch::StartsWith("=?UTF-8?"));
    CHECK(decodeWords(subject) == msg.subject);
    CHECK(rawHeader(eml, "Message-ID") == "<" + token + "@vulnwatch>");
    CHECK_FALSE(rawHeader(eml, "Date").empty());
    CHECK_THAT(rawHeader(eml, "From"), Catch::Contains("vulnwatch@example.jp"));
    CHECK_THAT(rawHeader(eml, "To"), Catch::Contains("psirt-owner@example.jp"));
    CHECK_THAT(rawHeader(eml, "Content-Type"), Catch::Contains("charset=UTF-8"));

    Poco::Net::MailMessage parsed;
    std::istringstream in(eml);
    parsed.read(in);
    CHECK_THAT(parsed.getContent(),
               Catch::Contains("遠隔の第三者が認証を回避する可能性があります。"));
    CHECK_THAT(parsed.getContent(), Catch::Contains("\n.\n"));
    CHECK_THAT(parsed.getContent(), Catch::Contains(token));

    const auto envelope = envelopeOf(*saved);
    CHECK(envelope->getValue<bool>("tls"));
    CHECK(envelope->getValue<std::string>("auth_user") == config.user);
    CHECK(envelope->getValue<std::string>("mail_from") == "vulnwatch@example.jp");
    const auto rcpts = envelope->getArray("rcpt_tos");
    REQUIRE(rcpts);
    REQUIRE(rcpts->size() == 1);
    CHECK(rcpts->getElement<std::string>(0) == "psirt-owner@example.jp");
}

TEST_CASE("email over implicit TLS (smtps) is delivered", "[notifiers][integration][smtp]") {
    const fs::path outdir = vw::test::serverEnv("TS_SMTP_OUTDIR");
    auto config = smtpConfig(implicitTlsUrl());
    config.user = vw::test::serverEnv("TS_SMTP_USER");
    config.password.value = vw::test::serverEnv("TS_SMTP_PASS");
    vw::EmailNotifier notifier(config);

    const std::string token = uniqueToken("smtps");
    const auto result = notifier.deliver(japaneseMessage(token, "owner@example.jp"));
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    const auto saved = findSaved(outdir, token);
    REQUIRE(saved.has_value());
    const auto envelope = envelopeOf(*saved);
    CHECK(envelope->getValue<bool>("tls"));
    CHECK(envelope->getValue<std::string>("auth_user") == config.user);
}

TEST_CASE("email with starttls off goes out in clear text without AUTH",
          "[notifiers][integration][smtp]") {
    const fs::path outdir = vw::test::serverEnv("TS_SMTP_OUTDIR");
    auto config = smtpConfig(plainUrl());
    config.starttls = "off";
    vw::EmailNotifier notifier(config);

    const std::string token = uniqueToken("plain");
    const auto result = notifier.deliver(japaneseMessage(token, "owner@example.jp"));
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    const auto saved = findSaved(outdir, token);
    REQUIRE(saved.has_value());
    const auto envelope = envelopeOf(*saved);
    CHECK_FALSE(envelope->getValue<bool>("tls"));
    CHECK(envelope->isNull("auth_user"));
}

TEST_CASE("email to a refused port is retried", "[notifiers][integration][smtp]") {
    vw::EmailNotifier notifier(smtpConfig("smtp://127.0.0.1:" + closedPort()));
    const auto result = notifier.deliver(japaneseMessage(uniqueToken("refused"), "a@example.jp"));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    CHECK_THAT(result.reply, Catch::Contains("refused", Catch::CaseSensitive::No));
}

TEST_CASE("email rejected with 550 fails permanently", "[notifiers][integration][smtp]") {
    const fs::path outdir = vw::test::serverEnv("TS_SMTP_OUTDIR");
    vw::EmailNotifier notifier(smtpConfig(plainUrl()));
    const std::string token = uniqueToken("reject");
    const auto result = notifier.deliver(japaneseMessage(token, "reject-" + token + "@example.jp"));
    INFO(result.reply);
    CHECK(result.kind == Kind::Failed);
    CHECK_THAT(result.reply, Catch::Contains("550"));
    CHECK_FALSE(findSaved(outdir, token).has_value());
}

TEST_CASE("email answered with 451 is retried", "[notifiers][integration][smtp]") {
    vw::EmailNotifier notifier(smtpConfig(plainUrl()));
    const std::string token = uniqueToken("tempfail");
    const auto result =
        notifier.deliver(japaneseMessage(token, "tempfail-" + token + "@example.jp"));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    CHECK_THAT(result.reply, Catch::Contains("451"));
}

TEST_CASE("email with a wrong password is a configuration problem, retried, not the message's",
          "[notifiers][integration][smtp]") {
    auto config = smtpConfig(plainUrl());
    config.user = vw::test::serverEnv("TS_SMTP_USER");
    config.password.value = "not-the-password";
    vw::EmailNotifier notifier(config);
    const auto result = notifier.deliver(japaneseMessage(uniqueToken("badauth"), "a@example.jp"));
    INFO(result.reply);
    CHECK(result.kind == Kind::Retry);
    CHECK(result.configuration);
    CHECK_THAT(result.reply, Catch::Contains("535"));
}

TEST_CASE("email to a self-signed server without its CA is retried as a TLS failure",
          "[notifiers][integration][smtp]") {
    for (const std::string& url : {plainUrl(), implicitTlsUrl()}) {
        CAPTURE(url);
        auto config = smtpConfig(url);
        config.caFile.clear(); // system CA store only: the test certificate is not in it
        config.starttls = "required";
        vw::EmailNotifier notifier(config);
        const auto result = notifier.deliver(japaneseMessage(uniqueToken("noca"), "a@example.jp"));
        INFO(result.reply);
        CHECK(result.kind == Kind::Retry);
        CHECK_THAT(result.reply, Catch::Contains("TLS"));
        CHECK_THAT(result.reply, Catch::Contains("certificate", Catch::CaseSensitive::No));
    }
}
