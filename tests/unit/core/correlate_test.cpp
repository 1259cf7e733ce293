#include "core/correlate.h"
#include "core/text.h"

#include <catch2/catch.hpp>

using namespace vw;
using Role = RecordLinks::Role;
using Ids = std::vector<std::string>;

TEST_CASE("Identifier classes: JVNDB and CVE name vulnerabilities, JVN ids and alerts advisories",
          "[core][correlate]") {
    struct Case {
        const char* id;
        std::optional<IdClass> expected;
    };
    const Case cases[] = {
        {"JVNDB-2021-005429", IdClass::Vulnerability},
        {"CVE-2021-44228", IdClass::Vulnerability},
        {"JVN#90000901", IdClass::Advisory},
        {"JVNVU#96768815", IdClass::Advisory},
        {"JVNTA#12345678", IdClass::Advisory},
        {"JPCERT-AT-2021-0050", IdClass::Advisory},
        {"<20231102.abc@jpcert.or.jp>", std::nullopt}, // a Message-ID
        {"CWE-20", std::nullopt},
        {"MYJVN-ALT-2025-0011", std::nullopt},
    };
    for (const Case& c : cases) {
        INFO(c.id);
        CHECK(idClass(c.id) == c.expected);
    }
}

TEST_CASE("How each kind of record links", "[core][correlate]") {
    struct Case {
        const char* what;
        const char* source;
        const char* id;
        Ids aliases;
        const char* title;
        Role role;
        Ids linkedAliases;
        const char* advisory;
        Ids covers;
        Ids mentions;
    };
    const Case cases[] = {
        {"a VULDEF entry: own id and CVEs are the cluster, advisories cover it",
         "vuldef",
         "JVNDB-2021-005429",
         {"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"},
         "Apache Log4j",
         Role::Vulnerability,
         {"JVNDB-2021-005429", "CVE-2021-44228"},
         "",
         {"JPCERT-AT-2021-0050", "JVNVU#96768815"},
         {}},
        {"a VULDEF entry naming another JVNDB entry: a mention, not an alias",
         "vuldef",
         "JVNDB-2024-000901",
         {"CVE-2024-99901", "JVNDB-2024-000902"},
         "",
         Role::Vulnerability,
         {"JVNDB-2024-000901", "CVE-2024-99901"},
         "",
         {},
         {"JVNDB-2024-000902"}},
        {"an iPedia RSS item with two CVEs bridges them",
         "jvn-rss",
         "JVNDB-2023-000001",
         {"CVE-2022-46648", "CVE-2022-47318"},
         "",
         Role::Vulnerability,
         {"JVNDB-2023-000001", "CVE-2022-46648", "CVE-2022-47318"},
         "",
         {},
         {}},
        {"a jvn.jp JVNVU# item belongs to its advisory and covers what it names",
         "jvn",
         "JVNVU#96768815",
         {"CVE-2021-44228", "CVE-2021-45046", "JVNDB-2021-005429", "VU#930724-not-an-id"},
         "",
         Role::Advisory,
         {},
         "JVNVU#96768815",
         {"CVE-2021-44228", "CVE-2021-45046", "JVNDB-2021-005429"},
         {}},
        {"a JPCERT-AT alert naming three JVNVU ids: three mentions, nothing merged",
         "myjvn-alert",
         "JPCERT-AT-2021-0050",
         {"JVNVU#11111111", "JVNVU#22222222", "JVNVU#96768815", "CVE-2021-44228"},
         "",
         Role::Advisory,
         {},
         "JPCERT-AT-2021-0050",
         {"CVE-2021-44228"},
         {"JVNVU#11111111", "JVNVU#22222222", "JVNVU#96768815"}},
        {"an alert whose id is no known kind is still its own advisory",
         "myjvn-alert",
         " MYJVN-ALT-2025-0011 ",
         {},
         "",
         Role::Advisory,
         {},
         "MYJVN-ALT-2025-0011",
         {},
         {}},
        {"a mail naming one CVE and no advisory joins that cluster",
         "mail",
         "<a@ipa.go.jp>",
         {"CVE-2021-44228"},
         "",
         Role::Vulnerability,
         {"CVE-2021-44228"},
         "",
         {},
         {}},
        {"a mail naming one advisory belongs to it; its CVEs are covered",
         "mail",
         "<b@jpcert.or.jp>",
         {"CVE-2021-44228", "CVE-2021-45046", "JVNVU#96768815"},
         "",
         Role::Advisory,
         {},
         "JVNVU#96768815",
         {"CVE-2021-44228", "CVE-2021-45046"},
         {}},
        {"a mail naming several advisories, one in its subject, belongs to that one",
         "mail",
         "<c@jpcert.or.jp>",
         {"JPCERT-AT-2021-0050", "JVNVU#96768815"},
         "注意喚起 JPCERT-AT-2021-0050 Apache Log4j",
         Role::Advisory,
         {},
         "JPCERT-AT-2021-0050",
         {},
         {"JVNVU#96768815"}},
        {"a weekly report naming ids of many advisories only mentions them",
         "mail",
         "<d@jpcert.or.jp>",
         {"CVE-2021-44228", "JVN#90000901", "JVNVU#96768815"},
         "JPCERT/CC WEEKLY REPORT",
         Role::Mention,
         {},
         "",
         {},
         {"CVE-2021-44228", "JVN#90000901", "JVNVU#96768815"}},
        {"a mail naming two CVEs and no advisory only mentions them",
         "mail",
         "<e@ipa.go.jp>",
         {"CVE-2021-44228", "CVE-2021-45046"},
         "",
         Role::Mention,
         {},
         "",
         {},
         {"CVE-2021-44228", "CVE-2021-45046"}},
        {"a mail's Message-ID is never an identifier, even one that looks like one",
         "mail",
         "JVNVU#96768815",
         {},
         "",
         Role::Mention,
         {},
         "",
         {},
         {}},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        const RecordLinks links = linksOf(c.source, c.id, c.aliases, c.title);
        CHECK(links.role == c.role);
        CHECK(links.aliases == c.linkedAliases);
        CHECK(links.advisory == c.advisory);
        CHECK(links.covers == c.covers);
        CHECK(links.mentions == c.mentions);
    }
}

TEST_CASE("A cluster's stable key is its first id by a fixed order", "[core][correlate]") {
    CHECK(clusterKeyOf({"CVE-2021-44228", "JVNDB-2021-005429"}) == "JVNDB-2021-005429");
    CHECK(clusterKeyOf({"CVE-2021-45046", "CVE-2021-44228"}) == "CVE-2021-44228");
    CHECK(clusterKeyOf({"JVNDB-2021-006139", "JVNDB-2021-005429"}) == "JVNDB-2021-005429");
    CHECK(clusterKeyOf({}).empty());
}

namespace {

Advisory record(const char* source, const char* title, double score, const char* url = "") {
    Advisory a;
    a.source = source;
    a.id = "JVNDB-2021-005429";
    a.title = title;
    a.url = url;
    if (score > 0) {
        a.cvss.push_back({"3.0", score, "", ""});
    }
    return a;
}

std::size_t sourceOf(const ShownFields& shown, const std::string& field) {
    for (const auto& p : shown.provenance) {
        if (p.field == field) {
            return p.index;
        }
    }
    FAIL("no provenance for " << field);
    return 0;
}

} // namespace

TEST_CASE("Precedence: VULDEF > iPedia RSS > jvn.jp > mail, newest within a channel",
          "[core][correlate]") {
    CHECK(sourceRank("vuldef") < sourceRank("jvn-rss"));
    CHECK(sourceRank("jvn-rss") == sourceRank("myjvn"));
    CHECK(sourceRank("myjvn") < sourceRank("jvn"));
    CHECK(sourceRank("jvn") < sourceRank("mail"));
    CHECK(sourceRank("mail") < sourceRank("something-else"));

    const Advisory mail = record("mail", "from mail", 9.8, "https://mail.example/");
    const Advisory rss = record("jvn-rss", "from RSS", 5.0, "https://jvndb.jvn.jp/x");
    const Advisory detail = record("vuldef", "from VULDEF", 0.0); // no CVSS, no URL
    const Advisory olderRss = record("jvn-rss", "older RSS", 4.0);
    const std::vector<RankedRecord> records = {
        {&mail, "mail", 400}, {&olderRss, "rss", 100}, {&rss, "rss", 300}, {&detail, "api", 200}};
    const ShownFields shown = chooseFields(records);
    CHECK(shown.shown.title == "from VULDEF");
    CHECK(sourceOf(shown, "title") == 3);
    // VULDEF has no CVSS and no URL: the next by precedence, the newer RSS record, supplies them.
    CHECK(shown.shown.maxScore() == Approx(5.0));
    CHECK(sourceOf(shown, "cvss") == 2);
    CHECK(shown.shown.url == "https://jvndb.jvn.jp/x");
    CHECK(sourceOf(shown, "url") == 2);
    CHECK(sourceOf(shown, "withdrawn") == 3);
    CHECK(chooseFields({}).provenance.empty());
}

namespace {

Advisory base() {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228", "JVNVU#96768815"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.summary = "summary";
    a.cvss = {{"3.0", 9.8, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    a.affected = {{"Apache", "Log4j", "cpe:/a:apache:log4j", {"2.0-beta9 から 2.14.1 まで"}}};
    a.references = {{"CVE", "CVE-2021-44228", "https://www.cve.org/"}};
    return a;
}

} // namespace

TEST_CASE("Revision classes: material and cosmetic changes", "[core][correlate]") {
    const Advisory before = base();
    CHECK(classifyRevision(nullptr, before).revisionClass == RevisionClass::New);
    CHECK(classifyRevision(nullptr, before).changes.empty());

    struct Case {
        const char* what;
        void (*change)(Advisory&);
        RevisionClass expected;
        const char* field;
    };
    const Case cases[] = {
        {"CVSS score raised", [](Advisory& a) { a.cvss[0].score = 10.0; }, RevisionClass::Material,
         "cvss"},
        {"CVSS vector changed", [](Advisory& a) { a.cvss[0].vector += "/E:H"; },
         RevisionClass::Material, "cvss"},
        {"affected version text changed",
         [](Advisory& a) { a.affected[0].versions = {"2.0-beta9 から 2.15.0 まで"}; },
         RevisionClass::Material, "affected"},
        {"an affected product added",
         [](Advisory& a) {
             a.affected.push_back({"NEC", "ACOS", "", {}});
         },
         RevisionClass::Material, "affected"},
        {"a CPE added", [](Advisory& a) { a.cpes.push_back("cpe:/a:nec:acos"); },
         RevisionClass::Material, "cpes"},
        {"a CVE added", [](Advisory& a) { a.aliases.push_back("CVE-2021-45046"); },
         RevisionClass::Material, "aliases"},
        {"a JVN id added", [](Advisory& a) { a.aliases.push_back("JVN#90000901"); },
         RevisionClass::Material, "aliases"},
        {"withdrawn", [](Advisory& a) { a.withdrawn = true; }, RevisionClass::Material,
         "withdrawn"},
        {"title wording", [](Advisory& a) { a.title += "（更新）"; }, RevisionClass::Cosmetic,
         "title"},
        {"summary wording", [](Advisory& a) { a.summary = "new summary"; }, RevisionClass::Cosmetic,
         "summary"},
        {"a reference added",
         [](Advisory& a) {
             a.references.push_back({"Vendor", "advisory", "https://x/"});
         },
         RevisionClass::Cosmetic, "references"},
        {"modified date",
         [](Advisory& a) {
             a.modified = DateTime{1700000000, 540};
         },
         RevisionClass::Cosmetic, "modified"},
        {"a CPE removed", [](Advisory& a) { a.cpes.clear(); }, RevisionClass::Cosmetic, "cpes"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Advisory after = before;
        c.change(after);
        const RevisionDiff diff = classifyRevision(&before, after);
        CHECK(diff.revisionClass == c.expected);
        REQUIRE(diff.changes.size() == 1);
        CHECK(diff.changes[0].field == c.field);
        CHECK(diff.changes[0].material == (c.expected == RevisionClass::Material));
    }

    // Un-withdrawn is material too, and old → new values are kept.
    Advisory withdrawn = before;
    withdrawn.withdrawn = true;
    const RevisionDiff back = classifyRevision(&withdrawn, before);
    CHECK(back.revisionClass == RevisionClass::Material);
    REQUIRE(back.changes.size() == 1);
    CHECK(back.changes[0].before == "true");
    CHECK(back.changes[0].after == "false");

    Advisory raised = before;
    raised.cvss[0].score = 10.0;
    const RevisionDiff diff = classifyRevision(&before, raised);
    REQUIRE(diff.changes.size() == 1);
    CHECK(diff.changes[0].before.find("9.8") != std::string::npos);
    CHECK(diff.changes[0].after.find("10.0") != std::string::npos);
    CHECK(changesJson(diff.changes).find("\"field\":\"cvss\"") != std::string::npos);
    CHECK(changesJson({}) == "[]");
    // Nothing changed at all (the same content): cosmetic, with no fields.
    CHECK(classifyRevision(&before, before).revisionClass == RevisionClass::Cosmetic);
    CHECK(classifyRevision(&before, before).changes.empty());
}

TEST_CASE("Feed and mail text is made safe for a terminal", "[core][text]") {
    // An OSC title change, a screen clear, a C1 CSI (U+009B), a fake second row.
    const std::string title = "A\x1b]0;pwned\x07 B\x1b[2J C\xc2\x9b"
                              "31m D\nJVNDB-FAKE 9.9 E\tF\x7f";
    const std::string safe = terminalSafe(title);
    CHECK(safe == "A\\x1b]0;pwned\\x07 B\\x1b[2J C\\u009b31m D JVNDB-FAKE 9.9 E F\\x7f");
    CHECK(safe.find('\x1b') == std::string::npos);
    CHECK(safe.find('\n') == std::string::npos);
    // Multi-line fields keep their lines; Japanese text and other non-ASCII pass unchanged.
    CHECK(terminalSafe("一行目\r\n二行目\x1b[0m", true) == "一行目 \n二行目\\x1b[0m");
    CHECK(terminalSafe("Log4j の脆弱性 ü") == "Log4j の脆弱性 ü");
}
