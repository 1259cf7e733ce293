// Case notices (notifiers/case_notice.h, issue 12): the SSVC Act alert and the breach notice for
// every notifier type, in both languages; the idempotency key; hostile text cleaned.
#include "core/datetime.h"
#include "notifiers/case_notice.h"
#include "notifiers/chat_format.h"
#include "notifiers/render.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>
#include <string>

using namespace vw;

namespace {

/// Unix seconds of a time in Japan (UTC+9).
std::int64_t jst(int y, int m, int d, int hh, int mm) {
    return daysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 +
           (hh - 9) * 3600 + mm * 60;
}

CaseNotice breach() {
    CaseNotice n;
    n.kind = "breach";
    n.caseId = 12;
    n.product = "Example Gateway";
    n.version = "3.2";
    n.title = "医療機器ゲートウェイにおける OS コマンドインジェクションの脆弱性";
    n.advisory = "JVNDB-2024-000123";
    n.clusterKey = "CVE-2024-12345";
    n.state = "evaluating";
    n.ssvc = "Attend";
    n.ssvcReason = "exploitation poc: PoC public; automatable no; technical impact total";
    n.clock = "decide";
    n.due = jst(2026, 5, 1, 18, 0);
    n.now = jst(2026, 5, 3, 21, 30); // 2 days 3 hours 30 minutes later
    n.url = "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html";
    return n;
}

CaseNotice act() {
    CaseNotice n = breach();
    n.kind = "act";
    n.ssvc = "Act";
    n.ssvcReason = "exploitation active: CISA KEV listed 2026-04-20; automatable yes";
    n.clock = "";
    n.due = 0;
    n.now = jst(2026, 4, 28, 10, 0);
    return n;
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::size_t at(const std::string& text, const std::string& what) {
    const auto position = text.find(what);
    INFO("looking for: " << what << "\nin:\n" << text);
    REQUIRE(position != std::string::npos);
    return position;
}

const std::string kHostile = "<!channel> @here [toall] <script>x</script> \x1b[31m\u202e"
                             "evil\n\rnext line [x](javascript:alert(1)) \xff";

} // namespace

TEST_CASE("due times read in JST and clocks have names in both languages",
          "[notifiers][case-notice]") {
    CHECK(caseDueText(jst(2026, 5, 1, 18, 0)) == "2026-05-01 18:00 JST");
    CHECK(caseDueText(jst(2026, 5, 28, 23, 59) + 59) == "2026-05-28 23:59 JST");
    // 15:30 UTC is already the next day in Japan.
    CHECK(caseDueText(daysFromCivil(2026, 12, 31) * 86400 + 15 * 3600 + 30 * 60) ==
          "2027-01-01 00:30 JST");
    CHECK(caseClockName("decide", false) == "判断");
    CHECK(caseClockName("inform", false) == "情報提供");
    CHECK(caseClockName("fix", false) == "修正");
    CHECK(caseClockName("decide", true) == "decide");
    CHECK(caseClockName("inform", true) == "inform");
    CHECK(caseClockName("fix", true) == "fix");
    CHECK(caseClockName("other\nclock", true) == "other clock");
}

TEST_CASE("a breach e-mail is Japanese first then English with the due time in JST",
          "[notifiers][case-notice]") {
    const OutMessage m = renderCaseNotice("email", "mail", "owner@example.jp", breach());
    CHECK(m.notifier == "mail");
    CHECK(m.recipient == "owner@example.jp");
    CHECK(m.subject == "[vulnwatch] 期限超過 (判断): Example Gateway 3.2 — JVNDB-2024-000123 "
                       "医療機器ゲートウェイにおける OS コマンドインジェクションの脆弱性");
    CHECK(m.html.empty());
    CHECK(m.payload.empty());
    const std::string& t = m.text;
    const auto ja = at(t, "案件 #12 の期限を過ぎました: 判断 (影響の有無とリスクの評価)");
    at(t, "期限: 2026-05-01 18:00 JST (判断)\n");
    at(t, "超過: 2 日 3 時間\n");
    at(t, "状態: 評価 (evaluating)\n");
    at(t, "SSVC: Attend\n");
    at(t, "判定の根拠: exploitation poc: PoC public;");
    at(t, "脆弱性: JVNDB-2024-000123\n");
    at(t, "URL: https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html\n");
    at(t, "詳細: vulnwatch cases show 12\n");
    const auto en = at(t, "The deadline of case #12 has passed: decide (affected or not");
    CHECK(ja < en);
    at(t, "Due: 2026-05-01 18:00 JST (decide)\n");
    at(t, "Overdue by: 2 days 3 hours\n");
    at(t, "State: evaluating (評価)\n");
    // Threads under the first message about this vulnerability and product.
    CHECK(m.thread ==
          idempotencyKey("mail", "CVE-2024-12345", "Example Gateway", "", "owner@example.jp"));
}

TEST_CASE("an Act e-mail in English puts English first", "[notifiers][case-notice]") {
    CaseNotice n = act();
    n.language = "en";
    n.clock = "decide";
    n.due = jst(2026, 4, 30, 18, 0);
    const OutMessage m = renderCaseNotice("email", "mail", "owner@example.jp", n);
    CHECK(m.subject == "[vulnwatch] Priority Act: Example Gateway 3.2 — JVNDB-2024-000123 "
                       "医療機器ゲートウェイにおける OS コマンドインジェクションの脆弱性");
    const auto en = at(m.text, "The SSVC priority of case #12 became Act: act now.");
    const auto ja = at(m.text, "案件 #12 の対応優先度 (SSVC) が Act になりました。");
    CHECK(en < ja);
    at(m.text, "whatever the digest settings and thresholds");
    at(m.text, "Next due: 2026-04-30 18:00 JST (decide)\n");
    at(m.text, "Reasoning: exploitation active: CISA KEV listed 2026-04-20; automatable yes\n");
    CHECK(m.text.find("Overdue by") == std::string::npos);
    CHECK(m.text.find("超過:") == std::string::npos);

    const OutMessage ja_ = renderCaseNotice("email", "mail", "owner@example.jp", act());
    CHECK(ja_.subject == "[vulnwatch] 対応優先度 Act: Example Gateway 3.2 — JVNDB-2024-000123 "
                         "医療機器ゲートウェイにおける OS コマンドインジェクションの脆弱性");
    CHECK(ja_.text.find("次の期限") == std::string::npos); // no due given: none shown
    // The language and the next due change the words, never the key: one Act alert a case.
    CHECK(ja_.idempotencyKey == m.idempotencyKey);
}

TEST_CASE("a case opened by hand is named by its number and a long title is cut",
          "[notifiers][case-notice]") {
    CaseNotice n = breach();
    n.advisory.clear();
    n.clusterKey.clear();
    n.url.clear();
    n.version.clear();
    n.clock = "inform";
    n.title.clear();
    for (int i = 0; i < 100; ++i) {
        n.title += "病院からの報告";
    }
    const OutMessage m = renderCaseNotice("email", "mail", "owner@example.jp", n);
    CHECK_THAT(m.subject,
               Catch::StartsWith("[vulnwatch] 期限超過 (情報提供): Example Gateway — 案件 #12 "));
    CHECK_THAT(m.subject, Catch::EndsWith("…"));
    CHECK(m.subject.size() < 250);
    CHECK(m.thread.empty());
    CHECK(m.text.find("URL:") == std::string::npos);
    CHECK(m.text.find("脆弱性:") == std::string::npos);
    at(m.text, "期限: 2026-05-01 18:00 JST (情報提供)");
    n.language = "en";
    CHECK_THAT(renderCaseNotice("email", "mail", "o@example.jp", n).subject,
               Catch::StartsWith("[vulnwatch] Overdue (inform): Example Gateway — case #12 "));
}

TEST_CASE("the webhook JSON carries the case the clock and the due time",
          "[notifiers][case-notice]") {
    const OutMessage m = renderCaseNotice("webhook", "hook", "", breach());
    CHECK(m.recipient.empty());
    const auto doc = parse(m.payload);
    CHECK(doc->getValue<std::string>("event") == "case-breach");
    const auto c = doc->getObject("case");
    REQUIRE(c);
    CHECK(c->getValue<long long>("id") == 12);
    CHECK(c->getValue<std::string>("product") == "Example Gateway");
    CHECK(c->getValue<std::string>("version") == "3.2");
    CHECK(c->getValue<std::string>("advisory") == "JVNDB-2024-000123");
    CHECK(c->getValue<std::string>("cluster") == "CVE-2024-12345");
    CHECK(c->getValue<std::string>("state") == "evaluating");
    CHECK(c->getValue<std::string>("ssvc") == "Attend");
    CHECK(c->getValue<std::string>("url") == breach().url);
    CHECK(doc->getValue<std::string>("clock") == "decide");
    CHECK(doc->getValue<std::string>("due") == "2026-05-01T18:00:00+09:00");
    CHECK(doc->getValue<std::string>("at") == "2026-05-03T21:30:00+09:00");
    CHECK(doc->getValue<std::string>("text") == m.text);
    CHECK_THAT(m.text, Catch::StartsWith(m.subject));
    CHECK_THAT(m.text, Catch::Contains("期限 (due) 2026-05-01 18:00 JST"));

    const auto a = parse(renderCaseNotice("webhook", "hook", "", act()).payload);
    CHECK(a->getValue<std::string>("event") == "case-act");
    CHECK(a->isNull("due"));
    CHECK(a->getObject("case")->getValue<std::string>("ssvc") == "Act");
}

TEST_CASE("chat notices follow each service's format", "[notifiers][case-notice]") {
    SECTION("slack") {
        const std::string payload = renderCaseNotice("slack", "chat", "", breach()).payload;
        const auto doc = parse(payload);
        const std::string fallback = doc->getValue<std::string>("text");
        CHECK_THAT(fallback, Catch::StartsWith("期限超過 (overdue): 判断 (decide): Example "
                                               "Gateway 3.2 — JVNDB-2024-000123"));
        const auto blocks = doc->getArray("blocks");
        REQUIRE(blocks);
        const std::string head =
            blocks->getObject(0)->getObject("text")->getValue<std::string>("text");
        CHECK_THAT(head,
                   Catch::Contains("<https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html|"
                                   "JVNDB-2024-000123>"));
        REQUIRE(blocks->getObject(1)->getArray("fields"));
        const std::string& facts = payload;
        CHECK_THAT(facts, Catch::Contains("2026-05-01 18:00 JST (判断 / decide)"));
        CHECK_THAT(facts, Catch::Contains("2 日 3 時間 (2 days 3 hours)"));
        CHECK_THAT(facts, Catch::Contains("評価 (evaluating)"));
    }
    SECTION("teams") {
        const std::string payload = renderCaseNotice("teams", "chat", "", act()).payload;
        const auto doc = parse(payload);
        CHECK(doc->getValue<std::string>("type") == "message");
        const auto card = doc->getArray("attachments")->getObject(0)->getObject("content");
        CHECK(card->getValue<std::string>("version") == "1.4");
        CHECK_THAT(payload, Catch::Contains("対応優先度 Act (SSVC priority Act): Example Gateway"));
        CHECK(card->getArray("actions")->getObject(0)->getValue<std::string>("url") == act().url);
        CHECK(payload.find("\"TextBlock\"") == std::string::npos); // markdown: none
        CHECK_THAT(payload, Catch::Contains("\"RichTextBlock\""));
    }
    SECTION("mattermost") {
        const auto doc = parse(renderCaseNotice("mattermost", "chat", "", breach()).payload);
        const std::string text = doc->getValue<std::string>("text");
        CHECK_THAT(text, Catch::StartsWith("#### 期限超過 \\(overdue\\): 判断 \\(decide\\)"));
        CHECK_THAT(text, Catch::Contains("[JVNDB-2024-000123](https://jvndb.jvn.jp/"));
        CHECK_THAT(text, Catch::Contains("- **案件 (Case)**: \\#12"));
    }
    SECTION("chatwork") {
        const std::string payload = renderCaseNotice("chatwork", "chat", "", breach()).payload;
        CHECK_THAT(payload, Catch::StartsWith("body="));
        CHECK_THAT(payload, Catch::EndsWith("%5B%2Finfo%5D"));
        CHECK_THAT(payload, Catch::Contains("URL%3A%20https%3A%2F%2Fjvndb.jvn.jp"));
    }
}

TEST_CASE("case notice keys differ by notifier kind case occasion and recipient",
          "[notifiers][case-notice]") {
    const auto key = [](const std::string& type, const std::string& notifier,
                        const std::string& recipient, const CaseNotice& n) {
        return renderCaseNotice(type, notifier, recipient, n).idempotencyKey;
    };
    const CaseNotice b = breach();
    const std::string base = key("email", "mail", "a@example.jp", b);
    CHECK(base.size() == 16);
    CHECK(base == key("email", "mail", "a@example.jp", b)); // stable
    CaseNotice later = b;
    later.now += 3600;
    later.ssvc = "Act";
    later.title = "another title";
    CHECK(key("email", "mail", "a@example.jp", later) == base); // wording is no new notice
    CaseNotice other = b;
    other.caseId = 13;
    CaseNotice inform = b;
    inform.clock = "inform";
    // Re-opened, the case's clocks start again: the next breach of the same clock is news.
    CaseNotice again = b;
    again.due += 14 * 86400;
    // And an Act alert after re-opening (a new receipt) too, but never twice for one receipt.
    CaseNotice actAgain = act();
    actAgain.receivedAt = jst(2026, 6, 1, 9, 0);
    CaseNotice actAgainLater = actAgain;
    actAgainLater.now += 3600;
    const std::set<std::string> keys{
        base,
        key("email", "mail2", "a@example.jp", b),
        key("email", "mail", "b@example.jp", b),
        key("email", "mail", "a@example.jp", act()),
        key("email", "mail", "a@example.jp", other),
        key("email", "mail", "a@example.jp", inform),
        key("email", "mail", "a@example.jp", again),
        key("email", "mail", "a@example.jp", actAgain),
        key("webhook", "hook", "", b),
        key("slack", "slack", "", b),
    };
    CHECK(keys.size() == 10);
    CHECK(key("email", "mail", "a@example.jp", actAgainLater) ==
          key("email", "mail", "a@example.jp", actAgain));
    // Chat messages have no recipient: the key ignores any given.
    CHECK(key("slack", "slack", "x@example.jp", b) == key("slack", "slack", "", b));
}

TEST_CASE("hostile case text is cleaned in every format", "[notifiers][case-notice]") {
    CaseNotice n = breach();
    n.product = kHostile;
    n.title = kHostile;
    n.advisory = kHostile;
    n.ssvcReason = kHostile;
    n.url = "javascript:alert(1)";
    const OutMessage mail = renderCaseNotice("email", "mail", "a@example.jp", n);
    for (const std::string* text : {&mail.subject, &mail.text}) {
        CHECK(text->find('\x1b') == std::string::npos);
        CHECK(text->find('\r') == std::string::npos);
        CHECK(text->find("\u202e") == std::string::npos);
        CHECK(text->find("javascript:alert(1)\n") == std::string::npos);
    }
    CHECK(mail.subject.find('\n') == std::string::npos);
    CHECK(mail.text.find("URL:") == std::string::npos);
    CHECK(mail.text.find("\xff") == std::string::npos);

    const auto hook = parse(renderCaseNotice("webhook", "hook", "", n).payload);
    CHECK(hook->getObject("case")->getValue<std::string>("url").empty());
    CHECK(hook->getObject("case")->getValue<std::string>("title").find('\n') == std::string::npos);

    const std::string slack = renderCaseNotice("slack", "chat", "", n).payload;
    CHECK(slack.find("<!channel>") == std::string::npos);
    CHECK(slack.find("<javascript") == std::string::npos);
    CHECK(slack.find("|JVNDB") == std::string::npos); // a hostile URL is no link
    const std::string chatwork = renderCaseNotice("chatwork", "chat", "", n).payload;
    CHECK(chatwork.find("%5Btoall%5D") == std::string::npos);
}

TEST_CASE("a notice of another kind is refused", "[notifiers][case-notice]") {
    CaseNotice n = breach();
    n.kind = "reminder";
    CHECK_THROWS_AS(renderCaseNotice("email", "mail", "a@example.jp", n), std::invalid_argument);
    CHECK_THROWS_WITH(renderCaseNotice("slack", "chat", "", n),
                      Catch::Contains("act or breach, not 'reminder'"));
}

TEST_CASE("a chat card of an unknown service is refused", "[notifiers][case-notice]") {
    ChatCard card;
    card.label = "x";
    CHECK_THROWS_AS(chatCardPayload("irc", card), std::invalid_argument);
    CHECK_THAT(chatCardPayload("slack", card), Catch::Contains("\"blocks\""));
}
