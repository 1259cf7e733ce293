// EmailNotifier against the loopback SMTP sink of scripts/test-servers.sh (TS_SMTP_*).
#include "helpers/fixtures.h"
#include "notifiers/email_notifier.h"
#include "notifiers/mail_charset.h"
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
#include <cstdio>
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

/// The saved message as Python's email package reads it (tests/integration/read_mail.py).
Poco::JSON::Object::Ptr readWithPython(const fs::path& eml) {
    const std::string command =
        "/usr/bin/python3 '" + (vw::test::sourceDir() / "tests/integration/read_mail.py").string() +
        "' '" + eml.string() + "' 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        output.append(buffer, count);
    }
    const int status = ::pclose(pipe);
    INFO(output);
    REQUIRE(status == 0);
    Poco::JSON::Parser parser;
    return parser.parse(output).extract<Poco::JSON::Object::Ptr>();
}

std::string field(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    return object->isNull(key) ? std::string("<null>") : object->getValue<std::string>(key);
}

vw::Advisory hostileAdvisory(const std::string& token) {
    vw::Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2024-000001";
    a.aliases = {"CVE-2024-0001"};
    a.title = "医療画像ビューア <script>alert(\"x\")</script> & 'q' の認証回避 " + token;
    a.summary = "遠隔の第三者が認証を回避する可能性があります。\n.\n.hidden で始まる行\n"
                "<img src=x onerror=alert(1)>";
    a.url = "javascript:alert(document.cookie)";
    a.cvss = {{"3.1", 9.8, "Critical", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    a.references = {{"X", "evil", "JavaScript:alert(1)"},
                    {"CVE", "CVE-2024-0001", "https://www.cve.org/CVERecord?id=CVE-2024-0001"}};
    return a;
}

vw::Match viewerMatch() {
    vw::Match m;
    m.advisory = "JVNDB-2024-000001";
    m.product = "医療画像ビューア";
    m.version = "3.2";
    m.component = "viewer-core";
    m.confidence = 90;
    m.method = "cpe-version";
    m.reason = "CPE が一致しました";
    return m;
}

vw::NotifierConfig authenticatedConfig() {
    auto config = smtpConfig(plainUrl());
    config.starttls = "required";
    config.user = vw::test::serverEnv("TS_SMTP_USER");
    config.password.value = vw::test::serverEnv("TS_SMTP_PASS");
    return config;
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
        CHECK_THAT(result.reply, Catch::Contains("is not signed by a CA in ca_file"));
    }
}

TEST_CASE("a match mail and its update arrive as multipart/alternative and thread together",
          "[notifiers][integration][smtp][mime]") {
    const fs::path outdir = vw::test::serverEnv("TS_SMTP_OUTDIR");
    vw::EmailNotifier notifier(authenticatedConfig());
    const std::string token = uniqueToken("mime");
    const vw::Advisory advisory = hostileAdvisory(token);
    // The cluster key makes the idempotency keys unique to this run.
    const std::string owner = "製品担当 <psirt-owner@example.jp>";
    const auto first = vw::renderEmail(advisory, viewerMatch(), "mail", owner, token);
    REQUIRE_FALSE(first.html.empty());
    auto result = notifier.deliver(first);
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    const auto firstSaved = findSaved(outdir, first.idempotencyKey);
    REQUIRE(firstSaved.has_value());
    CHECK(envelopeOf(*firstSaved)->getValue<bool>("tls"));
    CHECK(envelopeOf(*firstSaved)->getValue<std::string>("auth_user") ==
          vw::test::serverEnv("TS_SMTP_USER"));

    const auto mail = readWithPython(*firstSaved);
    CHECK(field(mail, "content_type") == "multipart/alternative");
    CHECK(field(mail, "subject") == first.subject);
    CHECK(field(mail, "to") == owner);
    CHECK(field(mail, "from") == "vulnwatch <vulnwatch@example.jp>");
    CHECK(field(mail, "message_id") == "<" + first.idempotencyKey + "@vulnwatch>");
    CHECK(field(mail, "in_reply_to") == "<null>");
    CHECK(field(mail, "list_id") == "<vulnwatch.localhost>");
    CHECK(field(mail, "auto_submitted") == "auto-generated");
    CHECK(field(mail, "mime_version") == "1.0");
    CHECK(mail->getValue<bool>("raw_seven_bit_headers"));
    CHECK(mail->getArray("defects")->size() == 0);
    const auto parts = mail->getArray("parts");
    REQUIRE(parts->size() == 2);
    const auto plain = parts->getObject(0);
    const auto html = parts->getObject(1);
    CHECK(field(plain, "content_type") == "text/plain");
    CHECK(field(plain, "charset") == "utf-8");
    CHECK(field(html, "content_type") == "text/html");
    CHECK(field(html, "charset") == "utf-8");
    CHECK(plain->getArray("defects")->size() == 0);
    CHECK(html->getArray("defects")->size() == 0);
    // Both parts decode to exactly what was rendered.
    CHECK(field(plain, "content") == first.text);
    CHECK(field(html, "content") == first.html);
    CHECK(field(mail, "plain_body") == first.text);
    CHECK(field(mail, "html_body") == first.html);
    // The HTML part carries the hostile title escaped, and no script or javascript: link.
    const std::string htmlBody = field(html, "content");
    CHECK_THAT(htmlBody, Catch::Contains("医療画像ビューア &lt;script&gt;alert(&quot;x&quot;)"
                                         "&lt;/script&gt; &amp; &#39;q&#39; の認証回避 " +
                                         token));
    CHECK_THAT(htmlBody, Catch::Contains("&lt;img src=x onerror=alert(1)&gt;"));
    CHECK(htmlBody.find("<script") == std::string::npos);
    CHECK(htmlBody.find("<img") == std::string::npos);
    CHECK(htmlBody.find("avaScript:") == std::string::npos);
    CHECK(htmlBody.find("javascript:") == std::string::npos);
    CHECK_THAT(htmlBody,
               Catch::Contains("href=\"https://www.cve.org/CVERecord?id=CVE-2024-0001\""));
    // The text shows the title as text, and the lines starting with a dot survived SMTP.
    CHECK_THAT(field(plain, "content"), Catch::Contains("<script>alert(\"x\")</script>"));
    CHECK_THAT(field(plain, "content"), Catch::Contains("\n.\n.hidden で始まる行\n"));

    // An update of the same match threads under the first message.
    const vw::UpdateNotice update{{{"cvss", "9.8", "10.0", true}}, "rev-" + token};
    const auto second =
        vw::renderUpdateEmail(advisory, viewerMatch(), update, "mail", owner, token);
    CHECK(second.thread == first.idempotencyKey);
    result = notifier.deliver(second);
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    const auto secondSaved = findSaved(outdir, second.idempotencyKey);
    REQUIRE(secondSaved.has_value());
    const auto updateMail = readWithPython(*secondSaved);
    CHECK(field(updateMail, "content_type") == "multipart/alternative");
    CHECK(field(updateMail, "message_id") == "<" + second.idempotencyKey + "@vulnwatch>");
    CHECK(field(updateMail, "in_reply_to") == field(mail, "message_id"));
    CHECK(field(updateMail, "references") == field(mail, "message_id"));
    CHECK(field(updateMail, "subject") == second.subject);
    CHECK_THAT(field(updateMail, "subject"), Catch::StartsWith("[vulnwatch] 更新 (update): "));
    CHECK(field(updateMail, "plain_body") == second.text);
    CHECK(field(updateMail, "html_body") == second.html);
}

TEST_CASE("an ISO-2022-JP mail decodes to the same Japanese text",
          "[notifiers][integration][smtp][mime]") {
    const fs::path outdir = vw::test::serverEnv("TS_SMTP_OUTDIR");
    auto config = authenticatedConfig();
    config.charset = "iso-2022-jp";
    config.listId = "psirt.example.co.jp";
    config.from = "脆弱性通知 <vulnwatch@example.jp>";
    vw::EmailNotifier notifier(config);
    const std::string token = uniqueToken("jis");
    vw::Advisory advisory = hostileAdvisory(token);
    // Characters ISO-2022-JP lacks: a Windows tilde, half-width katakana, a kanji outside JIS
    // X 0208 and an emoji.
    advisory.title = "バージョン 1.0～2.0 のｶﾞｲﾄﾞ 髙 😀 " + token;
    const auto message =
        vw::renderEmail(advisory, viewerMatch(), "mail", "担当者 <psirt-owner@example.jp>", token);
    const auto result = notifier.deliver(message);
    INFO(result.reply);
    REQUIRE(result.kind == Kind::Delivered);
    const auto saved = findSaved(outdir, message.idempotencyKey);
    REQUIRE(saved.has_value());
    const std::string eml = vw::test::readFile(*saved);
    CHECK_THAT(rawHeader(eml, "Subject"), Catch::StartsWith("=?ISO-2022-JP?B?"));

    const auto mail = readWithPython(*saved);
    CHECK(mail->getValue<bool>("raw_seven_bit_headers"));
    CHECK(field(mail, "list_id") == "<psirt.example.co.jp>");
    CHECK(field(mail, "from") == "脆弱性通知 <vulnwatch@example.jp>");
    CHECK(field(mail, "to") == "担当者 <psirt-owner@example.jp>");
    // The subject and text read as rendered, with the documented stand-ins for what
    // ISO-2022-JP lacks (notifiers/mail_charset.h).
    const std::string expectedSubject = vw::jisRepresentable(message.subject);
    CHECK_THAT(expectedSubject, Catch::Contains("バージョン 1.0〜2.0 のガイド 〓 〓 " + token));
    CHECK(field(mail, "subject") == expectedSubject);
    const auto parts = mail->getArray("parts");
    REQUIRE(parts->size() == 2);
    const auto plain = parts->getObject(0);
    CHECK(field(plain, "charset") == "iso-2022-jp");
    CHECK(field(plain, "transfer_encoding") == "7bit");
    CHECK(plain->getValue<bool>("seven_bit"));
    CHECK(plain->getValue<bool>("jis_escape"));
    CHECK(field(plain, "content") == vw::jisRepresentable(message.text));
    CHECK_THAT(field(plain, "content"), Catch::Contains("識別子 (ID): JVNDB-2024-000001\n"
                                                        "別名 (Aliases): CVE-2024-0001\n"));
    CHECK_THAT(field(plain, "content"), Catch::Contains("\n.\n.hidden で始まる行\n"));
    // The HTML part stays UTF-8 and has every character as it was.
    const auto html = parts->getObject(1);
    CHECK(field(html, "charset") == "utf-8");
    CHECK(field(html, "content") == message.html);
    CHECK_THAT(field(html, "content"), Catch::Contains("1.0～2.0 のｶﾞｲﾄﾞ 髙 😀"));
}
