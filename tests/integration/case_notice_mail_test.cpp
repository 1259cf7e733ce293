// Case notices (issue 12) as a mail client reads them: rendered by renderCaseNotice, sent by
// EmailNotifier to the loopback SMTP sink of scripts/test-servers.sh, read back with Python's
// email package (tests/integration/read_mail.py).
#include "core/datetime.h"
#include "helpers/fixtures.h"
#include "helpers/saved_mail.h"
#include "notifiers/case_notice.h"
#include "notifiers/email_notifier.h"
#include "notifiers/mail_charset.h"
#include "notifiers/render.h"

#include <Poco/JSON/Array.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace fs = std::filesystem;

namespace {

vw::NotifierConfig mailConfig(const std::string& name, const std::string& charset) {
    vw::NotifierConfig config;
    config.name = name;
    config.type = "email";
    config.smtp = "smtp://127.0.0.1:" + vw::test::serverEnv("TS_SMTP_PORT");
    config.starttls = "required";
    config.caFile = vw::test::serverEnv("TS_CA_CERT");
    config.user = vw::test::serverEnv("TS_SMTP_USER");
    config.password.value = vw::test::serverEnv("TS_SMTP_PASS");
    config.from = "vulnwatch <vulnwatch@example.jp>";
    config.charset = charset;
    config.timeout = std::chrono::seconds(10);
    return config;
}

vw::CaseNotice breach() {
    vw::CaseNotice n;
    n.kind = "breach";
    n.caseId = 7;
    n.product = "医療画像ビューア";
    n.version = "3.2";
    n.title = "認証回避の脆弱性";
    n.advisory = "JVNDB-2024-000001";
    n.clusterKey = "CVE-2024-0001";
    n.state = "confirming";
    n.ssvc = "Attend";
    n.clock = "decide";
    n.due = vw::daysFromCivil(2026, 5, 1) * 86400 + 9 * 3600; // 18:00 JST
    n.now = n.due + 26 * 3600;
    n.url = "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000001.html";
    return n;
}

/// Sends the notice and returns the mail as Python reads it.
Poco::JSON::Object::Ptr sendAndRead(const vw::NotifierConfig& config, const vw::CaseNotice& n,
                                    const std::string& recipient, vw::OutMessage* sent) {
    const vw::OutMessage message = vw::renderCaseNotice("email", config.name, recipient, n);
    vw::EmailNotifier notifier(config);
    const auto result = notifier.deliver(message);
    INFO(result.reply);
    REQUIRE(result.kind == vw::DeliveryResult::Kind::Delivered);
    const auto saved =
        vw::test::savedMailWithKey(vw::test::serverEnv("TS_SMTP_OUTDIR"), message.idempotencyKey);
    REQUIRE(saved.has_value());
    *sent = message;
    return vw::test::mailAsPythonReadsIt(*saved);
}

std::string text(const Poco::JSON::Object::Ptr& mail, const std::string& key) {
    return mail->isNull(key) ? std::string("<null>") : mail->getValue<std::string>(key);
}

} // namespace

TEST_CASE("a breach notice reads back in a mail client as sent",
          "[notifiers][integration][smtp][case-notice]") {
    // A notifier name of its own: the key (and so the Message-ID) is new on every run.
    const auto config = mailConfig("mail-" + vw::test::uniqueToken("case"), "utf-8");
    vw::OutMessage sent;
    const auto mail = sendAndRead(config, breach(), "Owner <owner@example.jp>", &sent);
    CHECK(text(mail, "subject") ==
          "[vulnwatch] 期限超過 (判断): 医療画像ビューア 3.2 — JVNDB-2024-000001 認証回避の脆弱性");
    CHECK(text(mail, "subject") == sent.subject);
    CHECK(text(mail, "message_id") == "<" + sent.idempotencyKey + "@vulnwatch>");
    // Threaded under the first message about the vulnerability and product.
    CHECK(text(mail, "in_reply_to") == "<" +
                                           vw::idempotencyKey(config.name, "CVE-2024-0001",
                                                              "医療画像ビューア", "",
                                                              "Owner <owner@example.jp>") +
                                           "@vulnwatch>");
    CHECK(text(mail, "content_type") == "text/plain");
    CHECK(text(mail, "html_body") == "<null>");
    CHECK(mail->getArray("defects")->size() == 0);
    const std::string body = text(mail, "plain_body");
    CHECK(body == sent.text);
    const auto ja = body.find("案件 #7 の期限を過ぎました: 判断");
    const auto en = body.find("The deadline of case #7 has passed: decide");
    CHECK(ja != std::string::npos);
    CHECK(en != std::string::npos);
    CHECK(ja < en);
    CHECK_THAT(body, Catch::Contains("期限: 2026-05-01 18:00 JST (判断)\n超過: 1 日 2 時間\n"));
    CHECK_THAT(body, Catch::Contains("State: confirming (確認)\n"));
}

TEST_CASE("an English Act notice reads back in ISO-2022-JP",
          "[notifiers][integration][smtp][case-notice]") {
    const auto config = mailConfig("mail-" + vw::test::uniqueToken("case-jis"), "iso-2022-jp");
    vw::CaseNotice n = breach();
    n.kind = "act";
    n.ssvc = "Act";
    n.ssvcReason = "exploitation active: JPCERT/CC alert JPCERT-AT-2024-0001";
    n.language = "en";
    vw::OutMessage sent;
    const auto mail = sendAndRead(config, n, "owner@example.jp", &sent);
    // The em dash has no ISO-2022-JP form: it arrives as the JIS horizontal bar.
    CHECK(text(mail, "subject") == vw::jisRepresentable(sent.subject));
    CHECK(text(mail, "subject") ==
          "[vulnwatch] Priority Act: 医療画像ビューア 3.2 ― JVNDB-2024-000001 認証回避の脆弱性");
    const auto parts = mail->getArray("parts");
    REQUIRE(parts->size() == 1);
    CHECK(parts->getObject(0)->getValue<std::string>("charset") == "iso-2022-jp");
    const std::string body = text(mail, "plain_body");
    const auto en = body.find("The SSVC priority of case #7 became Act: act now.");
    const auto ja = body.find("案件 #7 の対応優先度 (SSVC) が Act になりました。");
    CHECK(en != std::string::npos);
    CHECK(ja != std::string::npos);
    CHECK(en < ja);
    CHECK_THAT(body, Catch::Contains("Reasoning: exploitation active: JPCERT/CC alert"));
}
