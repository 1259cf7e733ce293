// Chat payloads (notifiers/chat_format.h): escaping of hostile advisory text per service, link
// filtering, length caps. The same payloads are also checked by JavaScript libraries in
// tests/js/ (ctest js.chat_payloads).
#include "notifiers/chat_format.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

const std::string kHostile = "<!channel> <@U123> <https://evil.example|click> [toall] [To:1] "
                             "@channel @here [x](javascript:alert(1)) &amp; \x1b[31m\x07";

vw::Advisory sampleAdvisory() {
    vw::Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2024-000123";
    a.aliases = {"CVE-2024-12345"};
    a.title = "OS コマンドインジェクションの脆弱性";
    a.summary = "概要の一行目。\n二行目。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html";
    a.cvss = {{"3.1", 9.8, "Critical", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    return a;
}

vw::Match sampleMatch() {
    vw::Match m;
    m.advisory = "JVNDB-2024-000123";
    m.product = "Example Gateway";
    m.version = "3.2";
    m.component = "busybox";
    m.confidence = 100;
    m.method = "cpe-version";
    m.reason = "1.35.0 is in < 1.36.1";
    return m;
}

vw::Advisory hostileAdvisory() {
    auto a = sampleAdvisory();
    a.title = kHostile;
    a.summary = kHostile + "\n- item\n# head\n" + kHostile;
    a.url = "javascript:alert(1)";
    return a;
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::string chatworkBody(const std::string& form) {
    REQUIRE_THAT(form, StartsWith("body="));
    std::string decoded;
    Poco::URI::decode(form.substr(5), decoded);
    return decoded;
}

} // namespace

TEST_CASE("cleanChatText repairs UTF-8 and drops controls and bidi overrides",
          "[notifiers][chat]") {
    CHECK(vw::cleanChatText("a\x01"
                            "b\x1b[31m\tc\xc2\x85"
                            "d\u202e"
                            "e\xff",
                            false) == "a b [31m c de\uFFFD");
    CHECK(vw::cleanChatText("  one\r\ntwo\rthree\n\n\n\nfour  ", true) ==
          "one\ntwo\nthree\n\nfour");
    CHECK(vw::cleanChatText("one\ntwo", false) == "one two");
}

TEST_CASE("Slack escaping leaves no mention, link or entity forgery", "[notifiers][chat]") {
    CHECK(vw::slackEscape("<!channel> <@U123> <https://evil|click> a & b") ==
          "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; a &amp; b");
    CHECK(vw::slackEscape("@channel @here @everyone @channels x@here") ==
          "@\u200Dchannel @\u200Dhere @\u200Deveryone @channels x@\u200Dhere");
}

TEST_CASE("escaping caps the length without cutting an escape", "[notifiers][chat]") {
    const std::string text(100, '&');
    const std::string cut = vw::slackEscape(text, 12); // "&amp;&amp;…" is 11 characters
    CHECK(cut == "&amp;&amp;…");
    CHECK(vw::utf8Length(vw::slackEscape(std::string(100000, 'x'), 3000)) == 3000);
    CHECK(vw::mattermostEscape("[[[[", 5) == "\\[\\[…");
    CHECK(vw::chatworkEscape("脆弱性脆弱性", 4) == "脆弱性…");
    CHECK(vw::slackEscape("short", 3000) == "short");
}

TEST_CASE("Mattermost escaping breaks mentions, links, images and markup", "[notifiers][chat]") {
    CHECK(vw::mattermostEscape("@channel @all @here @alice") ==
          "@\u200Dchannel @\u200Dall @\u200Dhere @\u200Dalice");
    CHECK(vw::mattermostEscape("[x](javascript:alert(1)) ![i](https://e/i.png)") ==
          "\\[x\\]\\(javascript:alert\\(1\\)\\) \\!\\[i\\]\\(https://e/i.png\\)");
    CHECK(vw::mattermostEscape("- a\n# b\n12. c\n> d\n`e` *f* _g_ ~h~ |i| &lt;") ==
          "\\- a\n\\# b\n12\\. c\n\\> d\n\\`e\\` \\*f\\* \\_g\\_ \\~h\\~ \\|i\\| \\&lt;");
    CHECK(vw::mattermostEscape("version 1.2.3") == "version 1.2.3");
    CHECK(vw::mattermostEscape("1. a\n2. b", 100) == "1\\. a\n2\\. b");
    CHECK(vw::mattermostEscape("1. a\n2. b", 100, false) == "1. a\n2\\. b");
}

TEST_CASE("Chatwork escaping makes every tag inert", "[notifiers][chat]") {
    CHECK(vw::chatworkEscape("[toall][To:123][info][/info][code]") ==
          "［toall］［To:123］［info］［/info］［code］");
}

TEST_CASE("only one-line http and https URLs become links", "[notifiers][chat]") {
    CHECK(vw::chatLink("https://jvndb.jvn.jp/ja/contents/2024/x.html") ==
          "https://jvndb.jvn.jp/ja/contents/2024/x.html");
    CHECK(vw::chatLink("  HTTP://JVN.jp:8080/a?b=c&d#e  ") == "http://jvn.jp:8080/a?b=c&d#e");
    CHECK(vw::chatLink("https://jvn.jp/a b|c>d(e)[f]") ==
          "https://jvn.jp/a%20b%7Cc%3Ed%28e%29%5Bf%5D");
    CHECK(vw::chatLink("https://jvn.jp/脆弱性") == "https://jvn.jp/%E8%84%86%E5%BC%B1%E6%80%A7");
    for (const char* bad :
         {"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "ftp://jvn.jp/",
          "https://", "https://user:pass@jvn.jp/", "https://jvn.jp/a\r\nX-Injected: 1",
          "https://jvn.jp/\x01", "//jvn.jp/x", "https://jvn.jp:99999999/", "https://[::1]/",
          "https://evil.example|click/"}) {
        INFO(bad);
        CHECK(vw::chatLink(bad).empty());
    }
}

TEST_CASE("the Slack payload is Block Kit with escaped text and the advisory link",
          "[notifiers][chat]") {
    const auto doc = parse(vw::slackPayload(sampleAdvisory(), sampleMatch()));
    const auto blocks = doc->getArray("blocks");
    REQUIRE(blocks);
    CHECK(blocks->size() <= vw::kSlackMaxBlocks);
    const auto head = blocks->getObject(0)->getObject("text")->getValue<std::string>("text");
    CHECK_THAT(head, Contains("<https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html|"
                              "JVNDB-2024-000123>"));
    CHECK_THAT(head, StartsWith("*脆弱性 (vulnerability): Example Gateway — "));
    CHECK_THAT(doc->getValue<std::string>("text"), Contains("JVNDB-2024-000123"));
    const auto fields = blocks->getObject(1)->getArray("fields");
    REQUIRE(fields);
    CHECK(fields->getObject(6)->getValue<std::string>("text") ==
          "*理由 (Reason)*\n1.35.0 is in &lt; 1.36.1");
}

TEST_CASE("hostile text stays inert in the Slack payload", "[notifiers][chat]") {
    auto m = sampleMatch();
    m.product = kHostile;
    const std::string payload = vw::slackPayload(hostileAdvisory(), m);
    CHECK_THAT(payload, !Contains("<!channel>"));
    CHECK_THAT(payload, !Contains("<@U123>"));
    CHECK_THAT(payload, !Contains("<https://evil.example|click>"));
    CHECK_THAT(payload, !Contains("<javascript"));
    CHECK_THAT(payload, !Contains("\\u001b"));
    CHECK_THAT(payload, !Contains("\\u0007"));
    CHECK_THAT(payload, Contains("&amp;amp;"));
}

TEST_CASE("a 100 KB title and a 1 MB summary are cut to each service's limits",
          "[notifiers][chat]") {
    auto a = sampleAdvisory();
    for (int i = 0; i < 5000; ++i) {
        a.title += "脆弱性 <!channel> & [toall] ";
    }
    a.summary = std::string(1024 * 1024, '<');
    const auto m = sampleMatch();

    const auto slack = parse(vw::slackPayload(a, m));
    const auto blocks = slack->getArray("blocks");
    for (std::size_t i = 0; i < blocks->size(); ++i) {
        const auto block = blocks->getObject(static_cast<unsigned>(i));
        if (block->has("text")) {
            const auto text = block->getObject("text")->getValue<std::string>("text");
            CHECK(vw::utf8Length(text) <= vw::kSlackSectionTextMax);
        }
    }
    CHECK(vw::utf8Length(slack->getValue<std::string>("text")) <= vw::kSlackSectionTextMax);

    const auto mattermost = parse(vw::mattermostPayload(a, m))->getValue<std::string>("text");
    CHECK(vw::utf8Length(mattermost) <= vw::kMattermostTextMax);
    CHECK_THAT(mattermost, EndsWith("…"));

    const std::string chatwork = vw::chatworkMessage(a, m);
    CHECK(vw::utf8Length(chatwork) <= vw::kChatworkBodyMax);
    CHECK_THAT(chatwork, EndsWith("[/info]"));

    const std::string teams = vw::teamsPayload(a, m);
    CHECK(teams.size() <= vw::kTeamsPayloadMaxBytes);
    CHECK_NOTHROW(parse(teams));
}

TEST_CASE("the Mattermost payload links the advisory and escapes the rest", "[notifiers][chat]") {
    const auto text = parse(vw::mattermostPayload(sampleAdvisory(), sampleMatch()))
                          ->getValue<std::string>("text");
    CHECK_THAT(text, StartsWith("#### 脆弱性 \\(vulnerability\\): Example Gateway — "
                                "[JVNDB-2024-000123](https://jvndb.jvn.jp/ja/contents/2024/"
                                "JVNDB-2024-000123.html)\n"));
    auto m = sampleMatch();
    m.product = kHostile;
    const auto hostile =
        parse(vw::mattermostPayload(hostileAdvisory(), m))->getValue<std::string>("text");
    CHECK_THAT(hostile, !Contains("@channel"));
    CHECK_THAT(hostile, !Contains("](javascript"));
    CHECK_THAT(hostile, !Contains(" [x]"));
    CHECK_THAT(hostile, Contains("\\[x\\]\\(javascript:alert\\(1\\)\\)"));
}

TEST_CASE("the Chatwork body is one [info] block with inert tags", "[notifiers][chat]") {
    const std::string body = chatworkBody(vw::chatworkPayload(sampleAdvisory(), sampleMatch()));
    CHECK_THAT(body, StartsWith("[info][title]脆弱性 (vulnerability): Example Gateway — "
                                "JVNDB-2024-000123[/title]"));
    CHECK_THAT(body,
               Contains("\nURL: https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html\n"));
    CHECK_THAT(body, EndsWith("[/info]"));

    auto m = sampleMatch();
    m.reason = "[/info][toall]";
    const std::string hostile = chatworkBody(vw::chatworkPayload(hostileAdvisory(), m));
    CHECK_THAT(hostile, !Contains("[toall]"));
    CHECK_THAT(hostile, !Contains("[To:"));
    CHECK_THAT(hostile, Contains("［/info］［toall］"));
    CHECK_THAT(hostile, !Contains("URL: javascript"));
}

TEST_CASE("the Teams payload is an Adaptive Card 1.4 with text runs only", "[notifiers][chat]") {
    const auto doc = parse(vw::teamsPayload(hostileAdvisory(), sampleMatch()));
    CHECK(doc->getValue<std::string>("type") == "message");
    const auto attachment = doc->getArray("attachments")->getObject(0);
    CHECK(attachment->getValue<std::string>("contentType") ==
          "application/vnd.microsoft.card.adaptive");
    const auto card = attachment->getObject("content");
    CHECK(card->getValue<std::string>("version") == "1.4");
    const auto body = card->getArray("body");
    for (std::size_t i = 0; i < body->size(); ++i) {
        CHECK(body->getObject(static_cast<unsigned>(i))->getValue<std::string>("type") ==
              "RichTextBlock");
    }
    CHECK_FALSE(card->has("actions")); // the javascript: URL is no link

    const auto plain = parse(vw::teamsPayload(sampleAdvisory(), sampleMatch()))
                           ->getArray("attachments")
                           ->getObject(0)
                           ->getObject("content");
    const auto action = plain->getArray("actions")->getObject(0);
    CHECK(action->getValue<std::string>("type") == "Action.OpenUrl");
    CHECK(action->getValue<std::string>("url") ==
          "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html");
}

TEST_CASE("updates list the changes, material first", "[notifiers][chat]") {
    vw::UpdateNotice update;
    update.revisionHash = "abc";
    update.changes = {{"title", "old", "new", false}, {"cvss", "7.5", "9.8", true}};
    const std::string body =
        chatworkBody(vw::chatworkPayload(sampleAdvisory(), sampleMatch(), &update));
    CHECK_THAT(body, StartsWith("[info][title]更新 (update): "));
    CHECK_THAT(body, Contains("* cvss: 7.5 → 9.8\ntitle: old → new"));
    update.changes.push_back({"withdrawn", "false", "true", true});
    CHECK_THAT(vw::slackPayload(sampleAdvisory(), sampleMatch(), &update),
               Contains("取り下げ (withdrawn)"));
}

TEST_CASE("renderChat keeps the webhook message's key and swaps the payload by type",
          "[notifiers][chat]") {
    const auto a = sampleAdvisory();
    const auto m = sampleMatch();
    const auto generic = vw::renderWebhook(a, m, "chat", "JVNDB-2024-000123");
    const auto webhook = vw::renderChat("webhook", a, m, "chat", "JVNDB-2024-000123");
    CHECK(webhook.payload == generic.payload);
    for (const std::string type : {"slack", "teams", "mattermost", "chatwork"}) {
        const auto message = vw::renderChat(type, a, m, "chat", "JVNDB-2024-000123");
        CHECK(message.idempotencyKey == generic.idempotencyKey);
        CHECK(message.subject == generic.subject);
        CHECK(message.payload != generic.payload);
    }
    CHECK_THAT(vw::renderChat("slack", a, m, "chat").payload, Contains("\"blocks\""));
    CHECK_THAT(vw::renderChat("chatwork", a, m, "chat").payload, StartsWith("body="));

    vw::UpdateNotice update;
    update.revisionHash = "r2";
    update.changes = {{"cvss", "7.5", "9.8", true}};
    const auto genericUpdate = vw::renderUpdateWebhook(a, m, update, "chat", "K");
    const auto teamsUpdate = vw::renderUpdateChat("teams", a, m, update, "chat", "K");
    CHECK(teamsUpdate.idempotencyKey == genericUpdate.idempotencyKey);
    CHECK(teamsUpdate.thread == genericUpdate.thread);
    CHECK_THAT(teamsUpdate.payload, Contains("AdaptiveCard"));
}
