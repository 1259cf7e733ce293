#include "notifiers/render.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <set>
#include <string>

namespace {

vw::Advisory sampleAdvisory() {
    vw::Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2023-004814";
    a.aliases = {"CVE-2023-0078", "JVN#12345678"};
    a.title = "Resume Builder におけるクロスサイトスクリプティングの脆弱性";
    a.summary = "Resume Builder には、クロスサイトスクリプティングの脆弱性が存在します。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html";
    a.published = vw::DateTime{1698893820, 540}; // 2023-11-02T11:57:00+09:00
    a.modified = vw::DateTime{1698893820, 540};
    a.cvss = {{"3.0", 5.4, "Medium", "CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"}};
    a.cpes = {"cpe:/a:resumebuilder:resume_builder"};
    return a;
}

vw::Match sampleMatch() {
    vw::Match m;
    m.advisory = "JVNDB-2023-004814";
    m.aliases = {"CVE-2023-0078", "JVN#12345678"};
    m.product = "Example Viewer";
    m.version = "3.2";
    m.component = "resume_builder";
    m.confidence = 60;
    m.method = "cpe-product";
    m.reason = "CPE cpe:/a:resumebuilder:resume_builder names the component's vendor and product";
    return m;
}

/// Length of the sequence `lead` starts, or 0 for a byte that cannot start one.
std::size_t leadLength(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if ((lead & 0xE0) == 0xC0) {
        return 2;
    }
    if ((lead & 0xF0) == 0xE0) {
        return 3;
    }
    if ((lead & 0xF8) == 0xF0) {
        return 4;
    }
    return 0;
}

/// True when every multi-byte sequence in `text` is complete and well formed.
bool validUtf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t length = leadLength(static_cast<unsigned char>(text[i]));
        if (length == 0 || i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

} // namespace

TEST_CASE("email subject is Japanese-first and names product, id and title", "[notifiers]") {
    const auto msg = vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "psirt@example.jp");
    CHECK(msg.subject == "[vulnwatch] 脆弱性: Example Viewer — JVNDB-2023-004814 Resume Builder "
                         "におけるクロスサイトスクリプティングの脆弱性");
    CHECK(msg.notifier == "mail");
    CHECK(msg.recipient == "psirt@example.jp");
    CHECK(msg.payload.empty());
    CHECK(msg.idempotencyKey.size() == 16);
}

TEST_CASE("email body carries ids, CVSS, dates, match details, reason and summary", "[notifiers]") {
    const auto msg = vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "psirt@example.jp");
    const std::string& body = msg.text;
    CHECK(validUtf8(body));
    CHECK_THAT(body, Catch::Contains("識別子 (ID): JVNDB-2023-004814"));
    CHECK_THAT(body, Catch::Contains("CVE-2023-0078, JVN#12345678"));
    CHECK_THAT(body, Catch::Contains("タイトル (Title): Resume Builder"));
    CHECK_THAT(body,
               Catch::Contains("v3.0 5.4 Medium CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"));
    CHECK_THAT(body, Catch::Contains("公開日 (Published): 2023-11-02T11:57:00+09:00"));
    CHECK_THAT(body, Catch::Contains("更新日 (Modified): 2023-11-02T11:57:00+09:00"));
    CHECK_THAT(
        body, Catch::Contains("URL: https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html"));
    CHECK_THAT(body, Catch::Contains("製品 (Product): Example Viewer"));
    CHECK_THAT(body, Catch::Contains("製品バージョン (Product version): 3.2"));
    CHECK_THAT(body, Catch::Contains("コンポーネント (Component): resume_builder"));
    CHECK_THAT(body, Catch::Contains("確度 (Confidence): 60/100"));
    CHECK_THAT(body, Catch::Contains("判定方法 (Method): cpe-product"));
    CHECK_THAT(body, Catch::Contains("理由 (Reason): CPE cpe:/a:resumebuilder:resume_builder"));
    CHECK_THAT(body, Catch::Contains("クロスサイトスクリプティングの脆弱性が存在します。"));
}

TEST_CASE("email body says none or unknown for missing data", "[notifiers]") {
    vw::Advisory a;
    a.id = "JVN#00000001";
    a.withdrawn = true;
    vw::Match m;
    m.product = "P";
    const auto msg = vw::renderEmail(a, m, "mail", "a@example.jp");
    CHECK_THAT(msg.text, Catch::Contains("別名 (Aliases): なし (none)"));
    CHECK_THAT(msg.text, Catch::Contains("CVSS: なし (none)"));
    CHECK_THAT(msg.text, Catch::Contains("公開日 (Published): 不明 (unknown)"));
    CHECK_THAT(msg.text, Catch::Contains("状態 (Status): 取り下げ (withdrawn)"));
    CHECK(msg.subject == "[vulnwatch] 脆弱性: P — JVN#00000001");
}

TEST_CASE("a long title is cut on a character boundary in the subject", "[notifiers]") {
    auto a = sampleAdvisory();
    a.title.clear();
    for (int i = 0; i < 100; ++i) {
        a.title += "脆"; // 3 bytes each: 300 bytes
    }
    a.title += "\r\nBcc: attacker@example.com";
    const auto msg = vw::renderEmail(a, sampleMatch(), "mail", "x@example.jp");
    CHECK(validUtf8(msg.subject));
    CHECK(msg.subject.find('\n') == std::string::npos);
    CHECK(msg.subject.find('\r') == std::string::npos);
    const std::string prefix = "[vulnwatch] 脆弱性: Example Viewer — JVNDB-2023-004814 ";
    REQUIRE(msg.subject.rfind(prefix, 0) == 0);
    const std::string title = msg.subject.substr(prefix.size());
    CHECK(title.size() <= vw::kSubjectTitleMaxBytes + std::string("…").size());
    CHECK(title.size() > vw::kSubjectTitleMaxBytes - 3);
    CHECK_THAT(title, Catch::EndsWith("…"));
}

TEST_CASE("utf8Prefix never splits a character", "[notifiers]") {
    const std::string text = "aé脆😀b"; // 1 + 2 + 3 + 4 + 1 bytes
    CHECK(vw::utf8Prefix(text, 0) == "");
    CHECK(vw::utf8Prefix(text, 1) == "a");
    CHECK(vw::utf8Prefix(text, 2) == "a");
    CHECK(vw::utf8Prefix(text, 3) == "aé");
    CHECK(vw::utf8Prefix(text, 5) == "aé");
    CHECK(vw::utf8Prefix(text, 6) == "aé脆");
    CHECK(vw::utf8Prefix(text, 9) == "aé脆");
    CHECK(vw::utf8Prefix(text, 10) == "aé脆😀");
    CHECK(vw::utf8Prefix(text, 11) == text);
    CHECK(vw::utf8Prefix(text, 100) == text);
    for (std::size_t n = 0; n <= text.size(); ++n) {
        CHECK(validUtf8(std::string(vw::utf8Prefix(text, n))));
    }
    // A truncated sequence at the end is made of stray bytes, each kept on its own.
    const std::string broken = "ab\xE8\x84";
    CHECK(vw::utf8Prefix(broken, 3) == "ab\xE8");
}

TEST_CASE("oneLine flattens control characters and collapses spaces", "[notifiers]") {
    CHECK(vw::oneLine("  a\r\n\tb   c \n") == "a b c");
    CHECK(vw::oneLine("脆弱性\n情報") == "脆弱性 情報");
    CHECK(vw::oneLine("") == "");
}

TEST_CASE("webhook payload parses back with the advisory, the match and a text line",
          "[notifiers]") {
    const auto msg = vw::renderWebhook(sampleAdvisory(), sampleMatch(), "chat");
    CHECK(msg.recipient.empty());
    CHECK(msg.text.find('\n') == std::string::npos);
    CHECK_THAT(msg.text, Catch::Contains("JVNDB-2023-004814"));
    CHECK_THAT(msg.text, Catch::Contains("CVSS 5.4 Medium"));
    CHECK_THAT(msg.text, Catch::Contains("cpe:/a:resumebuilder:resume_builder"));

    Poco::JSON::Parser parser;
    const auto root = parser.parse(msg.payload).extract<Poco::JSON::Object::Ptr>();
    REQUIRE(root);
    CHECK(root->getValue<std::string>("event") == "match");
    CHECK(root->getValue<std::string>("text") == msg.text);

    const auto advisory = root->getObject("advisory");
    REQUIRE(advisory);
    CHECK(advisory->getValue<std::string>("id") == "JVNDB-2023-004814");
    CHECK(advisory->getValue<std::string>("title") == sampleAdvisory().title);
    CHECK(advisory->getValue<std::string>("published") == "2023-11-02T11:57:00+09:00");
    const auto aliases = advisory->getArray("aliases");
    REQUIRE(aliases);
    REQUIRE(aliases->size() == 2);
    CHECK(aliases->getElement<std::string>(0) == "CVE-2023-0078");
    const auto cvss = advisory->getArray("cvss");
    REQUIRE(cvss);
    REQUIRE(cvss->size() == 1);
    CHECK(cvss->getObject(0)->getValue<double>("score") == Approx(5.4));

    const auto match = root->getObject("match");
    REQUIRE(match);
    CHECK(match->getValue<std::string>("advisory") == "JVNDB-2023-004814");
    CHECK(match->getValue<std::string>("product") == "Example Viewer");
    CHECK(match->getValue<std::string>("component") == "resume_builder");
    CHECK(match->getValue<int>("confidence") == 60);
    CHECK(match->getValue<std::string>("method") == "cpe-product");
    CHECK(match->getValue<std::string>("reason") == sampleMatch().reason);
}

TEST_CASE("idempotency keys are stable and differ per notifier, recipient and product",
          "[notifiers]") {
    const auto a = sampleAdvisory();
    const auto m = sampleMatch();
    const auto first = vw::renderEmail(a, m, "mail", "a@example.jp");
    const auto again = vw::renderEmail(a, m, "mail", "a@example.jp");
    CHECK(first.idempotencyKey == again.idempotencyKey);

    std::set<std::string> keys{first.idempotencyKey};
    keys.insert(vw::renderEmail(a, m, "mail", "b@example.jp").idempotencyKey);
    keys.insert(vw::renderEmail(a, m, "mail2", "a@example.jp").idempotencyKey);
    auto other = m;
    other.product = "Other Product";
    keys.insert(vw::renderEmail(a, other, "mail", "a@example.jp").idempotencyKey);
    keys.insert(vw::renderWebhook(a, m, "chat").idempotencyKey);
    CHECK(keys.size() == 5);
    // One message per advisory, product and recipient: another component of the same product
    // is no new message.
    auto component = m;
    component.component = "other";
    CHECK(vw::renderEmail(a, component, "mail", "a@example.jp").idempotencyKey ==
          first.idempotencyKey);

    // The separator keeps field boundaries: ("ab","c") and ("a","bc") differ.
    CHECK(vw::idempotencyKey("n", "ab", "c", "", "") != vw::idempotencyKey("n", "a", "bc", "", ""));
    // 64-bit FNV-1a over the fields joined with U+001F (reference value computed separately).
    CHECK(first.idempotencyKey == "7d23647e80739c8b");
    CHECK(vw::idempotencyKey("a", "", "", "", "") != vw::idempotencyKey("", "a", "", "", ""));
}

TEST_CASE("a match that needs review says so and is keyed apart from the confirmed one",
          "[notifiers]") {
    vw::Match review = sampleMatch();
    review.verdict = "needs-review";
    const auto msg = vw::renderEmail(sampleAdvisory(), review, "mail", "psirt@example.jp", "K");
    CHECK_THAT(msg.subject, Catch::StartsWith("[vulnwatch] 要確認 (needs review): Example Viewer — "
                                              "JVNDB-2023-004814 "));
    CHECK_THAT(msg.text, Catch::Contains("判定 (Verdict): 要確認"));
    const auto confirmed =
        vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "psirt@example.jp", "K");
    CHECK_THAT(confirmed.text, Catch::Contains("判定 (Verdict): 該当 (affected)"));
    CHECK(msg.idempotencyKey != confirmed.idempotencyKey);
    CHECK(msg.idempotencyKey ==
          vw::idempotencyKey("mail", "K", "Example Viewer", "#needs-review", "psirt@example.jp"));
    // An update of it keeps the "更新" label and threads with it.
    const vw::UpdateNotice update{{{"cvss", "5.4", "6.1", true}}, "hash"};
    const auto updated =
        vw::renderUpdateEmail(sampleAdvisory(), review, update, "mail", "psirt@example.jp", "K");
    CHECK_THAT(updated.subject, Catch::StartsWith("[vulnwatch] 更新 (update): Example Viewer — "));
    CHECK(updated.thread == msg.idempotencyKey);
}

TEST_CASE("feed text is repaired and links are one-line http(s) in mail and webhooks",
          "[notifiers][untrusted]") {
    vw::Advisory a = sampleAdvisory();
    a.title = std::string("Resume Builder \xff\xfe broken \x1b[2J title");
    a.url = "javascript:alert(1)";
    a.summary = "line one\r\nline two \xc3\x28 end";
    auto msg = vw::renderEmail(a, sampleMatch(), "mail", "psirt@example.jp");
    CHECK(msg.subject.find('\x1b') == std::string::npos);
    CHECK_THAT(msg.subject, Catch::Contains("Resume Builder \xef\xbf\xbd")); // U+FFFD
    CHECK(msg.text.find("javascript:") == std::string::npos);
    CHECK_THAT(msg.text, Catch::Contains("URL: なし (none)"));
    CHECK_THAT(msg.text, Catch::Contains("line one\nline two \xef\xbf\xbd( end"));
    CHECK(msg.text.find('\r') == std::string::npos);

    // A URL with a CR/LF inside cannot start a new line of the body.
    a.url = "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html\r\nBcc: x@evil.example";
    msg = vw::renderEmail(a, sampleMatch(), "mail", "psirt@example.jp");
    CHECK(msg.text.find("Bcc:") == std::string::npos);

    // The webhook's JSON carries the same: no javascript: link, valid UTF-8.
    a.url = "javascript:alert(1)";
    const auto hook = vw::renderWebhook(a, sampleMatch(), "chat");
    CHECK(hook.payload.find("javascript:") == std::string::npos);
    CHECK(hook.payload.find("\xff") == std::string::npos);
    // Keys come from the records as stored: repairing the text does not change them.
    CHECK(hook.idempotencyKey ==
          vw::renderWebhook(sampleAdvisory(), sampleMatch(), "chat").idempotencyKey);
}
