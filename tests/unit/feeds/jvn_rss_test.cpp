// parseJvnRss against the real JVN iPedia / MyJVN fixtures (tests about the real bytes, skipped
// on a bare clone) and against documents written for this project: demo/feeds/jvndb_new_demo.rdf,
// tests/data/jvn/myjvn_getVulnOverviewList_written_for_vulnwatch.xml and synthetic documents
// written inline. The mechanics tests run on the written documents, so they run and assert on a
// bare clone too.
#include "core/datetime.h"
#include "feeds/parse/jvn_rss.h"
#include "helpers/fixtures.h"
#include "helpers/records.h"
#include "helpers/rss_stream.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

namespace {

using vw::test::iso;
using vw::test::recordById;

using vw::Advisory;
using vw::ParseError;
using vw::parseJvnRss;
using vw::ParseResult;

std::string readJvn(const std::string& name) {
    return vw::test::readFile(vw::test::fixturesDir() / "jvn" / name);
}

/// demo/feeds/jvndb_new_demo.rdf: a JVN iPedia jvndb_new.rdf written for the project (4 items,
/// real facts, our own summaries).
std::string readDemoFeed() {
    return vw::test::readFile(vw::test::sourceDir() / "demo" / "feeds" / "jvndb_new_demo.rdf");
}

/// tests/data/jvn/myjvn_getVulnOverviewList_written_for_vulnwatch.xml: a MyJVN getVulnOverviewList
/// response written for the project in the real, pretty-printed format (2 items, a status).
std::string readWrittenOverview() {
    return vw::test::readFile(vw::test::sourceDir() / "tests" / "data" / "jvn" /
                              "myjvn_getVulnOverviewList_written_for_vulnwatch.xml");
}

std::vector<std::string> idsOf(const ParseResult& result) {
    std::vector<std::string> ids;
    for (const Advisory& a : result.records) {
        ids.push_back(a.id);
    }
    return ids;
}

/// The 1-based line of byte `offset` in `text`.
std::size_t lineAt(const std::string& text, std::size_t offset) {
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

/// A JVN iPedia RSS document around `items` (the real feed's header, sec namespace as given).
std::string feed(const std::string& items, const std::string& secNs = "http://jvn.jp/rss/mod_sec/",
                 const std::string& channelAbout = "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf",
                 const std::string& tail = "") {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
           "  xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
           "  xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:sec=\"" +
           secNs +
           "\"\n"
           "  xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" xml:lang=\"ja\">\n"
           "  <channel rdf:about=\"" +
           channelAbout +
           "\">\n"
           "    <title>test feed</title><link>https://jvndb.jvn.jp/</link>\n"
           "    <description>test</description>\n"
           "  </channel>\n" +
           items + tail + "</rdf:RDF>\n";
}

std::string item(const std::string& id, const std::string& extra = "",
                 const std::string& date = "2024-05-01T10:00+09:00") {
    return "  <item rdf:about=\"https://jvndb.jvn.jp/ja/contents/2024/" + id +
           ".html\">\n"
           "    <title>title of " +
           id +
           "</title>\n"
           "    <link>https://jvndb.jvn.jp/ja/contents/2024/" +
           id +
           ".html</link>\n"
           "    <description>description</description>\n"
           "    <sec:identifier>" +
           id + "</sec:identifier>\n" + extra + "    <dcterms:issued>" + date +
           "</dcterms:issued>\n"
           "    <dcterms:modified>" +
           date + "</dcterms:modified>\n  </item>\n";
}

/// item() with `description` (raw XML text) in place of the plain description.
std::string itemDescribed(const std::string& id, const std::string& description,
                          const std::string& extra = "") {
    std::string text = item(id, extra);
    const std::string plain = "<description>description</description>";
    text.replace(text.find(plain), plain.size(), "<description>" + description + "</description>");
    return text;
}

} // namespace

TEST_CASE("every real JVN iPedia RSS fixture parses with the right item count",
          "[feeds][jvn-rss]") {
    VW_REQUIRE_FIXTURES();
    struct Expected {
        const char* file;
        std::size_t records;
        const char* source;
    };
    const Expected expected[] = {
        {"jvndb_new_2023-11_trimmed.rdf", 2, "jvn-rss"},
        {"jvndb_2023-11_trimmed.rdf", 1, "jvn-rss"},
        {"jvndb_years_2007_trimmed.rdf", 1, "jvn-rss"},
        {"jvndb_years_2021_trimmed.rdf", 1, "jvn-rss"},
        {"jvndb_years_2022_trimmed.rdf", 3, "jvn-rss"},
        {"jvndb_years_2023_trimmed.rdf", 2, "jvn-rss"},
        {"myjvn_getVulnOverviewList_hnd_ja_2025.xml", 2, "myjvn"},
        {"spiegel_go-myjvn_getVulnOverviewList_2018_2.xml", 1, "myjvn"},
    };
    for (const auto& e : expected) {
        INFO(e.file);
        const ParseResult result = parseJvnRss(readJvn(e.file));
        CHECK(result.records.size() == e.records);
        CHECK(result.problems.empty());
        for (const auto& record : result.records) {
            CHECK(record.source == e.source);
            CHECK(record.id.rfind("JVNDB-", 0) == 0);
            CHECK(record.published.has_value());
            CHECK(record.modified.has_value());
            CHECK_FALSE(record.title.empty());
            CHECK(record.url.rfind("https://jvndb.jvn.jp/", 0) == 0);
        }
    }
}

TEST_CASE("every yearly fixture in the folder parses without problems", "[feeds][jvn-rss]") {
    VW_REQUIRE_FIXTURES();
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(vw::test::fixturesDir() / "jvn")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("jvndb_years_", 0) != 0) {
            continue;
        }
        INFO(name);
        ++files;
        const ParseResult result = parseJvnRss(vw::test::readFile(entry.path()));
        CHECK_FALSE(result.records.empty());
        CHECK(result.problems.empty());
    }
    CHECK(files >= 4);
}

TEST_CASE("JVNDB-2023-004814 from jvndb_new has every field of the contract", "[feeds][jvn-rss]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result = parseJvnRss(readJvn("jvndb_new_2023-11_trimmed.rdf"));
    const Advisory& a = recordById(result, "JVNDB-2023-004814");
    CHECK(a.source == "jvn-rss");
    CHECK(a.aliases == std::vector<std::string>{"CVE-2023-0078"});
    CHECK(a.title == "resumebuilder の WordPress 用 resume builder "
                     "におけるクロスサイトスクリプティングの脆弱性");
    CHECK(a.summary == "resumebuilder の WordPress 用 resume builder "
                       "には、クロスサイトスクリプティングの脆弱性が存在します。");
    CHECK(a.url == "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html");
    CHECK(iso(a.published) == "2023-11-02T11:57:00+09:00");
    CHECK(iso(a.modified) == "2023-11-02T11:57:00+09:00");
    REQUIRE(a.cvss.size() == 1);
    CHECK(a.cvss[0].version == "3.0");
    CHECK(a.cvss[0].score == Approx(5.4));
    CHECK(a.cvss[0].severity == "Medium");
    CHECK(a.cvss[0].vector == "CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N");
    CHECK(a.cpes == std::vector<std::string>{"cpe:/a:resumebuilder:resume_builder"});
    REQUIRE(a.affected.size() == 1);
    CHECK(a.affected[0].vendor == "resumebuilder");
    CHECK(a.affected[0].product == "resume builder");
    CHECK(a.affected[0].cpe == "cpe:/a:resumebuilder:resume_builder");
    CHECK(a.affected[0].versions.empty());
    REQUIRE(a.references.size() == 4);
    CHECK(a.references[0].source == "CVE");
    CHECK(a.references[0].id == "CVE-2023-0078");
    CHECK(a.references[0].url == "https://www.cve.org/CVERecord?id=CVE-2023-0078");
    CHECK(a.references[2].source == "関連文書");
    CHECK(a.references[2].id == "wpscan.com (e667854f-56f8-4dbe-9573-6652a8aacc2c)");
    CHECK(a.references[3].source.empty());
    CHECK(a.references[3].id == "CWE-79");
    CHECK_FALSE(a.withdrawn);
}

TEST_CASE("JVNDB-2021-005429 from the written demo feed has every field of the contract",
          "[feeds][jvn-rss]") {
    const ParseResult result = parseJvnRss(readDemoFeed());
    CHECK(idsOf(result) == std::vector<std::string>{"JVNDB-2021-005429", "JVNDB-2022-017708",
                                                    "JVNDB-2023-000001", "JVNDB-2023-004814"});
    CHECK(result.problems.empty());
    CHECK(!result.status);
    const Advisory& a = recordById(result, "JVNDB-2021-005429");
    CHECK(a.source == "jvn-rss");
    CHECK(a.title == "Apache Log4j における任意のコードが実行可能な脆弱性");
    CHECK(a.url == "https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html");
    CHECK(iso(a.published) == "2021-12-14T16:37:00+09:00");
    CHECK(iso(a.modified) == "2022-12-15T10:24:00+09:00");
    CHECK(a.aliases ==
          std::vector<std::string>{"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"});
    REQUIRE(a.cvss.size() == 2);
    CHECK(a.cvss[0].version == "2.0");
    CHECK(a.cvss[0].score == Approx(9.3));
    CHECK(a.cvss[0].severity == "High");
    CHECK(a.cvss[0].vector == "AV:N/AC:M/Au:N/C:C/I:C/A:C");
    CHECK(a.cvss[1].version == "3.0");
    CHECK(a.cvss[1].score == Approx(10.0));
    CHECK(a.cvss[1].severity == "Critical");
    CHECK(a.maxScore() == Approx(10.0));
    CHECK(a.cpes == std::vector<std::string>{"cpe:/a:apache:log4j"});
    REQUIRE(a.affected.size() == 1);
    CHECK(a.affected[0].vendor == "Apache Software Foundation");
    CHECK(a.affected[0].product == "Apache Log4j");
    CHECK(a.affected[0].cpe == "cpe:/a:apache:log4j");
    REQUIRE(a.references.size() == 4);
    CHECK(a.references[0].source == "JVN");
    CHECK(a.references[0].id == "JVNVU#96768815");
    CHECK(a.references[0].url == "https://jvn.jp/vu/JVNVU96768815/");
    CHECK(a.references[3].source == "JPCERT-AT");
    CHECK(a.references[3].id == "JPCERT-AT-2021-0050");
    CHECK_FALSE(a.withdrawn);
    // a reference with a title and no source: the CWE id, never an alias
    const Advisory& kernel = recordById(result, "JVNDB-2022-017708");
    REQUIRE(kernel.references.size() == 3);
    CHECK(kernel.references[2].source.empty());
    CHECK(kernel.references[2].id == "CWE-476");
    CHECK(kernel.aliases == std::vector<std::string>{"CVE-2023-23006"});
}

TEST_CASE("a description with CR character references loses the CR and is trimmed",
          "[feeds][jvn-rss]") {
    // The demo feed written for the project: a CR reference in the middle of a description.
    const ParseResult demo = parseJvnRss(readDemoFeed());
    CHECK(recordById(demo, "JVNDB-2021-005429").summary ==
          "Apache Log4j の JNDI Lookup 機能に、遠隔の第三者が細工した文字列をログに出力させる"
          "ことで任意のコードを実行できる脆弱性があります。\n(デモ用の要約)");

    // Written inline in the shapes of the real feeds: a CR reference at the end of the text,
    // blank lines of CR references at the end, paragraphs separated by them, and CR references
    // with spaces around a title.
    const std::string items =
        itemDescribed("JVNDB-2024-000051", "製品 A には、不特定の脆弱性が存在します。&#13;\n") +
        itemDescribed("JVNDB-2024-000052",
                      "製品 B には、不特定の脆弱性が存在します。&#13;\n&#13;\n") +
        itemDescribed("JVNDB-2024-000053",
                      "  製品 C には、複数の脆弱性が存在します。&#13;\n&#13;\n"
                      "この脆弱性情報は、テスト用に作成しました。&#13;\n報告者: 架空の報告者 氏") +
        item("JVNDB-2024-000054");
    std::string doc = feed(items);
    doc.replace(doc.find("<title>title of JVNDB-2024-000054</title>"),
                std::string("<title>title of JVNDB-2024-000054</title>").size(),
                "<title> &#13;\n製品 D のタイトル&#13;\n </title>");
    const ParseResult result = parseJvnRss(doc);
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 4);
    CHECK(result.records[0].summary == "製品 A には、不特定の脆弱性が存在します。");
    CHECK(result.records[1].summary == "製品 B には、不特定の脆弱性が存在します。");
    CHECK(result.records[2].summary ==
          "製品 C には、複数の脆弱性が存在します。\n\n"
          "この脆弱性情報は、テスト用に作成しました。\n報告者: 架空の報告者 氏");
    CHECK(result.records[3].title == "製品 D のタイトル");
    for (const Advisory& a : result.records) {
        CHECK(a.summary.find('\r') == std::string::npos);
        CHECK(a.title.find('\r') == std::string::npos);
    }
}

TEST_CASE("the real feeds' descriptions with CR character references lose the CR",
          "[feeds][jvn-rss]") {
    // The real bytes: IPA's descriptions end in, and separate paragraphs with, &#13; + newline.
    VW_REQUIRE_FIXTURES();
    const ParseResult result = parseJvnRss(readJvn("jvndb_new_2023-11_trimmed.rdf"));
    const Advisory& macos = recordById(result, "JVNDB-2022-020469");
    CHECK(macos.summary == "アップルの macOS には、不特定の脆弱性が存在します。");
    CHECK(macos.cpes == std::vector<std::string>{"cpe:/o:apple:macos"});
    CHECK(macos.affected.at(0).vendor == "アップル");

    const ParseResult update = parseJvnRss(readJvn("jvndb_2023-11_trimmed.rdf"));
    const Advisory& git = recordById(update, "JVNDB-2023-000001");
    CHECK(git.summary.find('\r') == std::string::npos);
    CHECK(git.summary.find("\n\nこの脆弱性情報は") != std::string::npos);
    CHECK(git.summary.rfind("ruby-git は、", 0) == 0);
    CHECK(git.summary.substr(git.summary.size() - 3) == "氏");
    CHECK(iso(git.published) == "2023-01-05T12:02:00+09:00");
    CHECK(iso(git.modified) == "2023-11-03T12:02:00+09:00");
    CHECK(git.aliases ==
          std::vector<std::string>{"CVE-2022-46648", "CVE-2022-47318", "JVN#16765254"});
    REQUIRE(git.cvss.size() == 2);
    CHECK(git.cvss[0].version == "2.0");
    CHECK(git.cvss[0].vector == "AV:N/AC:M/Au:S/C:P/I:P/A:P");
    CHECK(git.cvss[1].score == Approx(5.5));
}

TEST_CASE("an item without CPE or without CVSS gives a record with those fields empty",
          "[feeds][jvn-rss]") {
    // Written inline: an item with CVSS but no CPE, one with a CPE but no CVSS, one with neither,
    // and a free-text reference whose id holds &amp; and two CVE ids.
    const std::string cvssOnly =
        "    <sec:references source=\"JVN\" id=\"JVN#90000061\">https://jvn.jp/jp/JVN90000061/"
        "</sec:references>\n"
        "    <sec:references source=\"CVE\" id=\"CVE-2024-99961\">https://www.cve.org/"
        "CVERecord?id=CVE-2024-99961</sec:references>\n"
        "    <sec:cvss version=\"2.0\" score=\"3.5\" type=\"Base\" severity=\"Low\" "
        "vector=\"AV:N/AC:M/Au:S/C:N/I:P/A:N\"/>\n"
        "    <sec:cvss version=\"3.0\" score=\"4.8\" type=\"Base\" severity=\"Medium\" "
        "vector=\"CVSS:3.0/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N\"/>\n";
    const std::string cpeOnly =
        "    <sec:references source=\"CVE\" id=\"CVE-2024-99962\">https://www.cve.org/"
        "CVERecord?id=CVE-2024-99962</sec:references>\n"
        "    <sec:references source=\"関連文書\" id=\"CVE-2024-99961 &amp; CVE-2024-99962: two "
        "flaws in Example Portal\">https://example.com/advisory?a=1&amp;b=2</sec:references>\n"
        "    <sec:cpe version=\"2.2\" vendor=\"Example\" product=\"Portal\">"
        "cpe:/a:example:portal</sec:cpe>\n"
        "    <sec:cpe version=\"2.2\" vendor=\"Example\" product=\"Gateway\">"
        "cpe:/h:example:gateway</sec:cpe>\n";
    const ParseResult result =
        parseJvnRss(feed(item("JVNDB-2024-000061", cvssOnly) + item("JVNDB-2024-000062", cpeOnly) +
                         item("JVNDB-2024-000063")));
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 3);

    const Advisory& scored = result.records[0];
    CHECK(scored.id == "JVNDB-2024-000061");
    CHECK(scored.cpes.empty());
    CHECK(scored.affected.empty());
    REQUIRE(scored.cvss.size() == 2);
    CHECK(scored.maxScore() == Approx(4.8));
    CHECK(scored.aliases == std::vector<std::string>{"CVE-2024-99961", "JVN#90000061"});

    const Advisory& listed = result.records[1];
    CHECK(listed.id == "JVNDB-2024-000062");
    CHECK(listed.cvss.empty());
    CHECK(listed.maxScore() == 0.0);
    CHECK(listed.cpes ==
          std::vector<std::string>{"cpe:/a:example:portal", "cpe:/h:example:gateway"});
    REQUIRE(listed.affected.size() == 2);
    CHECK(listed.affected[1].product == "Gateway");
    // the &amp; inside a free-text reference id is decoded and does not become an alias
    CHECK(listed.aliases == std::vector<std::string>{"CVE-2024-99962"});
    REQUIRE(listed.references.size() == 2);
    CHECK(listed.references[1].source == "関連文書");
    CHECK(listed.references[1].id ==
          "CVE-2024-99961 & CVE-2024-99962: two flaws in Example Portal");
    CHECK(listed.references[1].url == "https://example.com/advisory?a=1&b=2");

    const Advisory& bare = result.records[2];
    CHECK(bare.cvss.empty());
    CHECK(bare.cpes.empty());
    CHECK(bare.affected.empty());
    CHECK(bare.references.empty());
    CHECK(bare.aliases.empty());

    // the written MyJVN response: its withdrawn item has a CPE and no CVSS
    const ParseResult overview = parseJvnRss(readWrittenOverview());
    const Advisory& withdrawn = recordById(overview, "JVNDB-2024-000902");
    CHECK(withdrawn.cvss.empty());
    CHECK(withdrawn.maxScore() == 0.0);
    CHECK(withdrawn.cpes == std::vector<std::string>{"cpe:/h:healthcare-gateway:hg-200"});
    CHECK(withdrawn.references.empty());
}

TEST_CASE("real items without CPE or without CVSS give records with those fields empty",
          "[feeds][jvn-rss]") {
    // The real bytes: JVN iPedia items as IPA publishes them.
    VW_REQUIRE_FIXTURES();
    const ParseResult years = parseJvnRss(readJvn("jvndb_years_2022_trimmed.rdf"));
    const Advisory& canon = recordById(years, "JVNDB-2022-000001");
    CHECK(canon.cpes.empty());
    CHECK(canon.affected.empty());
    CHECK(canon.cvss.size() == 2);
    CHECK(canon.aliases == std::vector<std::string>{"CVE-2021-20877", "JVN#64806328"});
    // the &amp; inside a free-text reference id is decoded and does not become an alias
    const Advisory& rocket = recordById(years, "JVNDB-2023-002068");
    CHECK(rocket.aliases == std::vector<std::string>{"CVE-2022-25027"});
    CHECK(rocket.references.at(2).id ==
          "CVE-2022-25026 & CVE-2022-25027: Vulnerabilities in Rocket TRUfusion Enterprise");

    const ParseResult api = parseJvnRss(readJvn("myjvn_getVulnOverviewList_hnd_ja_2025.xml"));
    const Advisory& rockwell = recordById(api, "JVNDB-2025-002884");
    CHECK(rockwell.cvss.empty());
    CHECK(rockwell.maxScore() == 0.0);
    CHECK(rockwell.cpes.size() == 2);
}

TEST_CASE("the written MyJVN overview response with mod_sec 3.0 and pretty-printed values",
          "[feeds][jvn-rss][myjvn]") {
    const ParseResult result = parseJvnRss(readWrittenOverview());
    CHECK(idsOf(result) == std::vector<std::string>{"JVNDB-2024-000902", "JVNDB-2021-006139"});
    CHECK(result.problems.empty());

    const Advisory& withdrawn = result.records[0];
    CHECK(withdrawn.source == "myjvn");
    CHECK(withdrawn.withdrawn);
    CHECK(withdrawn.title ==
          "** 削除 ** ヘルスケア・ゲートウェイ製 HG-200 における情報漏えいの脆弱性");
    // trailing spaces trimmed, the ideographic space inside kept
    CHECK(withdrawn.summary ==
          "この脆弱性情報は重複のため削除されました。  　(テスト用に作成した架空のエントリ)");
    CHECK(iso(withdrawn.published) == "2024-05-20T14:00:00+09:00");
    CHECK(iso(withdrawn.modified) == "2024-05-27T10:00:00+09:00");
    // a CPE on its own indented line, attributes across lines
    REQUIRE(withdrawn.affected.size() == 1);
    CHECK(withdrawn.affected[0].vendor == "ヘルスケア・ゲートウェイ");
    CHECK(withdrawn.affected[0].product == "HG-200");
    CHECK(withdrawn.affected[0].cpe == "cpe:/h:healthcare-gateway:hg-200");

    const Advisory& log4j = result.records[1];
    CHECK(log4j.source == "myjvn");
    CHECK_FALSE(log4j.withdrawn);
    CHECK(log4j.url == "https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-006139.html");
    CHECK(log4j.aliases ==
          std::vector<std::string>{"CVE-2021-45105", "JPCERT-AT-2021-0050", "JVNVU#96768815"});
    CHECK(iso(log4j.published) == "2021-12-21T15:19:00+09:00");
    CHECK(log4j.cpes == std::vector<std::string>{"cpe:/a:apache:log4j"});
    REQUIRE(log4j.cvss.size() == 1);
    CHECK(log4j.cvss[0].version == "3.0"); // attributes in another order
    CHECK(log4j.cvss[0].score == Approx(5.9));
    CHECK(log4j.cvss[0].severity == "Medium");
    CHECK(log4j.cvss[0].vector == "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H");
    REQUIRE(log4j.references.size() == 4);
    // URLs on their own indented lines are trimmed
    CHECK(log4j.references[2].source == "JPCERT-AT");
    CHECK(log4j.references[2].id == "JPCERT-AT-2021-0050");
    CHECK(log4j.references[2].url == "https://www.jpcert.or.jp/at/2021/at210050.html");
    CHECK(log4j.references[3].source.empty());
    CHECK(log4j.references[3].id == "CWE-674");
    CHECK(log4j.references[3].url == "https://cwe.mitre.org/data/definitions/674.html");
}

TEST_CASE("the MyJVN overview response with mod_sec 3.0 and pretty-printed values",
          "[feeds][jvn-rss][myjvn]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result = parseJvnRss(readJvn("myjvn_getVulnOverviewList_hnd_ja_2025.xml"));
    REQUIRE(result.records.size() == 2);
    CHECK(result.problems.empty());

    const Advisory& sunshine = recordById(result, "JVNDB-2025-002953");
    CHECK(sunshine.source == "myjvn");
    CHECK(sunshine.aliases == std::vector<std::string>{"CVE-2025-31084"});
    CHECK(iso(sunshine.published) == "2025-04-04T14:45:58+09:00");
    CHECK(sunshine.cpes ==
          std::vector<std::string>{"cpe:/a:sunshinephotocart:sunshine_photo_cart"});
    REQUIRE(sunshine.cvss.size() == 1);
    CHECK(sunshine.cvss[0].score == Approx(9.8));
    CHECK(sunshine.cvss[0].severity == "Critical");
    REQUIRE(sunshine.references.size() == 4);
    CHECK(sunshine.references[2].url.rfind("https://patchstack.com/database/", 0) == 0);
    CHECK(sunshine.references[3].url == "https://cwe.mitre.org/data/definitions/502.html");

    const Advisory& rockwell = recordById(result, "JVNDB-2025-002884");
    CHECK(rockwell.aliases == std::vector<std::string>{"CVE-2025-23120", "JVNVU#99709964"});
    CHECK(rockwell.cpes.at(0) ==
          "cpe:/a:rockwellautomation:industrial_data_center_%28idc%29_with_veeam");
    CHECK(rockwell.affected.at(1).product == "VersaVirtual Appliance (VVA) with Veeam");

    const ParseResult spiegel =
        parseJvnRss(readJvn("spiegel_go-myjvn_getVulnOverviewList_2018_2.xml"));
    const Advisory& wp = recordById(spiegel, "JVNDB-2018-000022");
    CHECK(wp.source == "myjvn");
    CHECK(wp.aliases == std::vector<std::string>{"CVE-2018-0546", "JVN#33527174"});
    CHECK(iso(wp.modified) == "2018-03-08T12:02:28+09:00");
    CHECK(wp.cvss.size() == 2);
}

TEST_CASE("documents that are not well-formed throw ParseError", "[feeds][jvn-rss]") {
    // The written MyJVN response, broken the two ways real documents are (see the real-documents
    // test below): an attribute value without quotes, and every xmlns declaration removed.
    const std::string written = readWrittenOverview();
    SECTION("an unquoted attribute value names its byte offset and line") {
        std::string broken = written;
        const std::size_t at = broken.find("retCd=\"0\"");
        REQUIRE(at != std::string::npos);
        broken.replace(at, 9, "retCd= 0");
        REQUIRE(lineAt(broken, at) == 84); // in the status:Status at the end
        try {
            parseJvnRss(broken);
            FAIL("no ParseError");
        } catch (const ParseError& e) {
            const std::string message = e.what();
            CHECK(message.find("not well-formed XML") != std::string::npos);
            CHECK(message.find("byte offset") != std::string::npos);
            CHECK(message.find("(line 84, column") != std::string::npos);
        }
    }
    SECTION("a response whose xmlns declarations were removed") {
        const std::regex declaration("\\s+xmlns(:[A-Za-z]+)?=\"[^\"]*\"");
        const std::string stripped = std::regex_replace(written, declaration, "");
        REQUIRE(stripped.find("xmlns") == std::string::npos);
        REQUIRE(stripped.find("xsi:schemaLocation") != std::string::npos);
        CHECK_THROWS_WITH(parseJvnRss(stripped), Catch::Contains("is not declared"));
    }
}

TEST_CASE("real documents that are not well-formed throw ParseError", "[feeds][jvn-rss]") {
    // The real bytes: IPA's hand-edited example and the captures stripped of their xmlns.
    VW_REQUIRE_FIXTURES();
    SECTION("the hand-edited MyJVN data feed example (retCd= 0)") {
        try {
            parseJvnRss(readJvn("myjvn_np_dataFeed_jvndb_new_rss_hnd_2025.xml"));
            FAIL("no ParseError");
        } catch (const ParseError& e) {
            const std::string message = e.what();
            CHECK(message.find("not well-formed XML") != std::string::npos);
            CHECK(message.find("byte offset") != std::string::npos);
            CHECK(message.find("line 116") != std::string::npos);
        }
    }
    SECTION("responses whose xmlns declarations were removed") {
        std::size_t files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(
                 vw::test::fixturesDir() / "jvn" / "not_namespace_wellformed")) {
            INFO(entry.path().filename().string());
            ++files;
            try {
                parseJvnRss(vw::test::readFile(entry.path()));
                FAIL("no ParseError");
            } catch (const ParseError& e) {
                CHECK(std::string(e.what()).find("is not declared") != std::string::npos);
            }
        }
        CHECK(files == 5);
    }
}

// Needs no fixtures, so it does not sit behind VW_REQUIRE_FIXTURES: it runs everywhere.
TEST_CASE("synthetic documents that are not well-formed throw ParseError", "[feeds][jvn-rss]") {
    CHECK_THROWS_AS(parseJvnRss(""), ParseError);
    CHECK_THROWS_AS(parseJvnRss("   \n"), ParseError);
    CHECK_THROWS_AS(parseJvnRss(feed(item("JVNDB-2024-000001")).substr(0, 400)), ParseError);
    CHECK_THROWS_WITH(parseJvnRss("<a x=\"1\" x=\"2\"/>"), Catch::Contains("appears twice"));
    CHECK_THROWS_WITH(parseJvnRss("<a/><b/>"), Catch::Contains("more than one root"));
    CHECK_THROWS_WITH(parseJvnRss("<p:a xmlns:p=\"urn:x\"><q:b/></p:a>"),
                      Catch::Contains("prefix 'q' is not declared"));
    CHECK_THROWS_WITH(parseJvnRss("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>"),
                      Catch::Contains("unsupported document encoding"));
}

TEST_CASE("real documents that are not RSS 1.0 throw ParseError", "[feeds][jvn-rss]") {
    VW_REQUIRE_FIXTURES();
    for (const char* name : {"jvndb_detail_2023_trimmed.rdf", "myjvn_getProductList_hnd.xml",
                             "myjvn_getAlertList_hnd.xml"}) {
        INFO(name);
        CHECK_THROWS_WITH(parseJvnRss(readJvn(name)), Catch::Contains("not an RSS 1.0 document"));
    }
}

TEST_CASE("written documents that are not RSS 1.0 throw ParseError", "[feeds][jvn-rss]") {
    CHECK_THROWS_WITH(parseJvnRss("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"),
                      Catch::Contains("not an RSS 1.0 document"));
    // rdf:RDF in the wrong namespace is not RSS 1.0 either
    CHECK_THROWS_AS(parseJvnRss("<rdf:RDF xmlns:rdf=\"urn:other\"><channel/></rdf:RDF>"),
                    ParseError);
}

TEST_CASE("a MyJVN error status throws ParseError with errCd and errMsg",
          "[feeds][jvn-rss][myjvn]") {
    const std::string status =
        "  <status:Status version=\"3.3\" method=\"getVulnOverviewList\" lang=\"ja\" retCd=\"1\"\n"
        "    retMax=\"\" errCd=\"VL01020003\" errMsg=\"startItemは正の整数値のみ指定可能です。\"\n"
        "    totalRes=\"\" totalResRet=\"\" firstRes=\"\" feed=\"hnd\" startItem=\"-1\"/>\n";
    const std::string doc =
        feed("", "http://jvn.jp/rss/mod_sec/3.0/", "https://jvndb.jvn.jp/apis/myjvn", status);
    CHECK_THROWS_WITH(parseJvnRss(doc),
                      Catch::Contains("VL01020003") &&
                          Catch::Contains("startItemは正の整数値のみ指定可能です。"));

    // a success status with no items is an empty result, not an error
    std::string ok = status;
    ok.replace(ok.find("retCd=\"1\""), 9, "retCd=\"0\"");
    const ParseResult empty = parseJvnRss(
        feed("", "http://jvn.jp/rss/mod_sec/3.0/", "https://jvndb.jvn.jp/apis/myjvn", ok));
    CHECK(empty.records.empty());
    CHECK(empty.problems.empty());

    // a zero-match response may hold nothing but the status
    const std::string bare = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                             "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\">" +
                             ok + "</rdf:RDF>";
    CHECK(parseJvnRss(bare).records.empty());
    std::string bareError = bare;
    bareError.replace(bareError.find("retCd=\"0\""), 9, "retCd=\"1\"");
    CHECK_THROWS_WITH(parseJvnRss(bareError), Catch::Contains("VL01020003"));
}

TEST_CASE("stray whitespace around ids and URLs is trimmed", "[feeds][jvn-rss]") {
    const std::string extra =
        "    <sec:references source=\"CVE\" id=\"CVE-0000-0002 \">\n"
        "      https://www.cve.org/CVERecord?id=CVE-0000-0002\n    </sec:references>\n"
        "    <sec:references source=\"NVD\" id=\" "
        "CVE-0000-0002\">https://nvd.nist.gov/vuln/detail/CVE-0000-0002</sec:references>\n"
        "    <sec:references source=\"JVN\" "
        "id=\"JVNVU#96768815\">https://jvn.jp/vu/JVNVU96768815/</sec:references>\n"
        "    <sec:cpe version=\"2.2\" vendor=\" Example \" product=\"Widget\">\n      "
        "cpe:/a:example:widget\n    </sec:cpe>\n";
    std::string doc = feed(item("JVNDB-2024-000123", extra));
    // stray whitespace inside the identifier element too
    const std::string plainId = "<sec:identifier>JVNDB-2024-000123</sec:identifier>";
    doc.replace(doc.find(plainId), plainId.size(),
                "<sec:identifier> JVNDB-2024-000123 \n</sec:identifier>");
    const ParseResult result = parseJvnRss(doc);
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.id == "JVNDB-2024-000123");
    CHECK(a.aliases == std::vector<std::string>{"CVE-0000-0002", "JVNVU#96768815"});
    REQUIRE(a.references.size() == 3);
    CHECK(a.references[0].id == "CVE-0000-0002");
    CHECK(a.references[0].url == "https://www.cve.org/CVERecord?id=CVE-0000-0002");
    CHECK(a.references[1].id == "CVE-0000-0002");
    CHECK(a.cpes == std::vector<std::string>{"cpe:/a:example:widget"});
    CHECK(a.affected.at(0).vendor == "Example");
}

TEST_CASE("poison items are isolated and reported with id and position", "[feeds][jvn-rss]") {
    const std::string items =
        item("JVNDB-2024-000001", "", "yesterday at noon") + // 1
        item("JVNDB-2024-000002",
             "    <sec:cpe vendor=\"v\" product=\"p\">cpe:/a:v:p q</sec:cpe>\n"
             "    <sec:cpe vendor=\"v\" product=\"ok\">cpe:/a:v:ok</sec:cpe>\n") + // 2
        item("JVNDB-2024-000003",
             "    <sec:references source=\"CVE\" id=\"see vendor "
             "advisory\">x</sec:references>\n"
             "    <sec:references source=\"CVE\" id=\"CVE-2024-1111\">y</sec:references>\n"
             "    <sec:cvss version=\"3.0\" score=\"high\" severity=\"High\" "
             "vector=\"v\"/>\n") +                               // 3
        "  <item><title>no identifier at all</title></item>\n" + // 4
        item("CWE-79") +                                         // 5
        item("JVNDB-2024-000006");                               // 6
    const ParseResult result = parseJvnRss(feed(items));

    std::vector<std::string> ids;
    for (const auto& r : result.records) {
        ids.push_back(r.id);
    }
    CHECK(ids == std::vector<std::string>{"JVNDB-2024-000001", "JVNDB-2024-000002",
                                          "JVNDB-2024-000003", "JVNDB-2024-000006"});
    REQUIRE(result.problems.size() == 7);
    // item 1: both dates bad; both dropped, the record kept
    CHECK(result.problems[0].itemId == "JVNDB-2024-000001");
    CHECK(result.problems[0].position == 1);
    CHECK_THAT(result.problems[0].message, Catch::Contains("dcterms:issued 'yesterday at noon'"));
    CHECK(result.problems[1].position == 1);
    CHECK_FALSE(result.records[0].published.has_value());
    CHECK_FALSE(result.records[0].modified.has_value());
    // item 2: the CPE with a space is dropped, the good one kept
    CHECK(result.problems[2].itemId == "JVNDB-2024-000002");
    CHECK(result.problems[2].position == 2);
    CHECK_THAT(result.problems[2].message, Catch::Contains("cpe:/a:v:p q"));
    CHECK(result.records[1].cpes == std::vector<std::string>{"cpe:/a:v:ok"});
    CHECK(result.records[1].affected.size() == 1);
    // item 3: the free-text CVE reference and the bad score are dropped
    CHECK(result.problems[3].itemId == "JVNDB-2024-000003");
    CHECK(result.problems[3].position == 3);
    CHECK_THAT(result.problems[3].message, Catch::Contains("not a CVE id"));
    CHECK_THAT(result.problems[4].message, Catch::Contains("score 'high'"));
    CHECK(result.records[2].aliases == std::vector<std::string>{"CVE-2024-1111"});
    CHECK(result.records[2].references.size() == 1);
    CHECK(result.records[2].cvss.empty());
    // items 4 and 5 have no usable id: skipped
    CHECK(result.problems[5].itemId.empty());
    CHECK(result.problems[5].position == 4);
    CHECK_THAT(result.problems[5].message, Catch::Contains("no sec:identifier"));
    CHECK(result.problems[6].itemId.empty());
    CHECK(result.problems[6].position == 5);
    CHECK_THAT(result.problems[6].message, Catch::Contains("'CWE-79'"));
    // item 6 is untouched
    CHECK(iso(result.records[3].published) == "2024-05-01T10:00:00+09:00");
}

TEST_CASE("dates with and without seconds, and dc:date as the fallback for modified",
          "[feeds][jvn-rss]") {
    std::string withDcDate =
        item("JVNDB-2024-000010", "    <dc:date>2024-06-02T08:30:15+09:00</dc:date>\n");
    withDcDate.replace(
        withDcDate.find("    <dcterms:modified>"),
        std::string("    <dcterms:modified>2024-05-01T10:00+09:00</dcterms:modified>\n").size(),
        "");
    const ParseResult result =
        parseJvnRss(feed(withDcDate + item("JVNDB-2024-000011", "", "2024-05-01T10:00:59Z")));
    REQUIRE(result.records.size() == 2);
    CHECK(result.problems.empty());
    CHECK(iso(result.records[0].published) == "2024-05-01T10:00:00+09:00");
    CHECK(iso(result.records[0].modified) == "2024-06-02T08:30:15+09:00");
    CHECK(iso(result.records[1].published) == "2024-05-01T10:00:59+00:00");
}

TEST_CASE("withdrawn markers, the sec namespace check and the myjvn channel", "[feeds][jvn-rss]") {
    std::string withdrawn = item("JVNDB-2024-000020");
    withdrawn.replace(withdrawn.find("<description>description"), 24,
                      "<description>** 削除 ** 重複のため");
    SECTION("withdrawn") {
        const ParseResult result = parseJvnRss(feed(withdrawn + item("JVNDB-2024-000021")));
        REQUIRE(result.records.size() == 2);
        CHECK(result.records[0].withdrawn);
        CHECK_FALSE(result.records[1].withdrawn);
    }
    SECTION("both sec namespaces work, a foreign one is ignored") {
        const std::string cve =
            "    <sec:references source=\"CVE\" id=\"CVE-2024-2222\">u</sec:references>\n";
        CHECK(parseJvnRss(feed(item("JVNDB-2024-000022", cve), "http://jvn.jp/rss/mod_sec/3.0/"))
                  .records.at(0)
                  .aliases.size() == 1);
        const ParseResult foreign =
            parseJvnRss(feed(item("JVNDB-2024-000022", cve), "urn:not-mod-sec"));
        CHECK(foreign.records.empty());
        CHECK(foreign.problems.size() == 1);
    }
    SECTION("the MyJVN channel without a status element") {
        const ParseResult result =
            parseJvnRss(feed(item("JVNDB-2024-000023"), "http://jvn.jp/rss/mod_sec/3.0/",
                             "https://jvndb.jvn.jp/apis/myjvn"));
        CHECK(result.records.at(0).source == "myjvn");
    }
}

TEST_CASE("external entities are never resolved", "[feeds][jvn-rss]") {
    std::string doc = feed(item("JVNDB-2024-000030"));
    doc.replace(doc.find("<rdf:RDF"), 0,
                "<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n");
    doc.replace(doc.find("<description>description"), 24, "<description>&xxe;");
    // the reference stays as literal text: nothing is read from the file system
    const ParseResult result = parseJvnRss(doc);
    REQUIRE(result.records.size() == 1);
    CHECK(result.records[0].summary == "&xxe;");
}

TEST_CASE("deeply nested elements do not crash the parser", "[feeds][jvn-rss]") {
    std::string deep;
    for (int i = 0; i < 200000; ++i) {
        deep += "<x>";
    }
    for (int i = 0; i < 200000; ++i) {
        deep += "</x>";
    }
    const ParseResult result = parseJvnRss(feed(item("JVNDB-2024-000040", deep)));
    CHECK(result.records.size() == 1);
}

// JvnRssStreamParser: the same records, problems and status as parseJvnRss, fed in pieces of
// any size; a document broken part-way keeps what came before and throws.

namespace {

/// Checks that streaming `xml` in pieces of several sizes gives what parseJvnRss gives: the same
/// records, problems and status, or (a broken document) an error too, after the records of the
/// items before the break.
void checkStreamedEqualsWhole(const std::string& xml) {
    const vw::test::RssCollected whole = vw::test::rssWhole(xml);
    for (const std::size_t piece :
         {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{4096}, xml.size() + 1}) {
        INFO("pieces of " << piece);
        const vw::test::RssCollected streamed = vw::test::rssInPieces(xml, piece);
        CHECK(streamed.error.empty() == whole.error.empty());
        if (whole.error.empty()) {
            CHECK(streamed.records == whole.records);
            CHECK(streamed.problems == whole.problems);
            CHECK(streamed.status == whole.status);
        }
    }
}

} // namespace

TEST_CASE("streamed RSS equals whole-document parsing on the real fixtures",
          "[feeds][jvn-rss][stream]") {
    VW_REQUIRE_FIXTURES();
    for (const char* name :
         {"jvndb_new_2023-11_trimmed.rdf", "jvndb_2023-11_trimmed.rdf",
          "jvndb_years_2007_trimmed.rdf", "jvndb_years_2021_trimmed.rdf",
          "jvndb_years_2022_trimmed.rdf", "jvndb_years_2023_trimmed.rdf",
          "myjvn_getVulnOverviewList_hnd_ja_2025.xml",
          "spiegel_go-myjvn_getVulnOverviewList_2018_2.xml",
          "myjvn_np_dataFeed_jvndb_new_rss_hnd_2025.xml", "jvndb_detail_2023_trimmed.rdf",
          "myjvn_getProductList_hnd.xml", "myjvn_getAlertList_hnd.xml"}) {
        INFO(name);
        checkStreamedEqualsWhole(readJvn(name));
    }
}

TEST_CASE("streamed RSS equals whole-document parsing on the written feeds",
          "[feeds][jvn-rss][stream]") {
    checkStreamedEqualsWhole(readDemoFeed());
    checkStreamedEqualsWhole(readWrittenOverview());
    checkStreamedEqualsWhole(vw::test::readFile(vw::test::sourceDir() / "tests" / "data" / "jvn" /
                                                "jvn_feed_written_for_vulnwatch.rdf"));
    // problems, a skipped item, the MyJVN channel, a success status, items before the channel
    const std::string bad =
        item("JVNDB-2024-000002", "    <sec:cpe>cpe with spaces</sec:cpe>\n", "not a date");
    checkStreamedEqualsWhole(feed(item("JVNDB-2024-000001") + bad + item("nonsense")));
    checkStreamedEqualsWhole(
        feed(item("JVNDB-2024-000001"), "http://jvn.jp/rss/mod_sec/3.0/",
             "https://jvndb.jvn.jp/apis/myjvn",
             "  <status:Status retCd=\"0\" method=\"getVulnOverviewList\" totalRes=\"1\"/>\n"));
    std::string late = feed(item("JVNDB-2024-000001"));
    const auto channel = late.find("  <channel");
    const auto channelEnd = late.find("</channel>\n") + 11;
    const std::string channelText = late.substr(channel, channelEnd - channel);
    late.erase(channel, channelEnd - channel);
    late.insert(late.find("</rdf:RDF>"), channelText);
    REQUIRE(late.find("<item") < late.find("<channel"));
    checkStreamedEqualsWhole(late);
    // kept whole: another encoding, another root, a status alone, no document at all
    std::string latin1 = feed(item("JVNDB-2024-000001"));
    latin1.replace(latin1.find("UTF-8"), 5, "ISO-8859-1");
    checkStreamedEqualsWhole(latin1);
    checkStreamedEqualsWhole("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>");
    checkStreamedEqualsWhole("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                             "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\"><status:Status "
                             "retCd=\"0\"/></rdf:RDF>");
    checkStreamedEqualsWhole("");
    checkStreamedEqualsWhole("\xEF\xBB\xBF" + feed(item("JVNDB-2024-000001")));
}

TEST_CASE("RSS broken part-way: the items before it are streamed, then ParseError",
          "[feeds][jvn-rss][stream]") {
    const std::string doc =
        feed(item("JVNDB-2024-000001") + item("JVNDB-2024-000002") + item("JVNDB-2024-000003"));
    SECTION("truncated inside the third item") {
        const std::string cut = doc.substr(0, doc.find("JVNDB-2024-000003</sec:identifier>"));
        CHECK_THROWS_AS(parseJvnRss(cut), ParseError);
        const vw::test::RssCollected streamed = vw::test::rssInPieces(cut, 1000);
        CHECK(streamed.records.size() == 2);
        CHECK(streamed.error.find("truncated RSS 1.0 document") != std::string::npos);
    }
    SECTION("the second item is not well-formed") {
        std::string broken = doc;
        broken.replace(broken.find("<title>title of JVNDB-2024-000002"), 7, "<title x=1>");
        CHECK_THROWS_AS(parseJvnRss(broken), ParseError);
        const vw::test::RssCollected streamed = vw::test::rssInPieces(broken, 64);
        CHECK(streamed.records.size() == 1);
        CHECK(streamed.error.find("not well-formed XML") != std::string::npos);
        CHECK(streamed.error.find("byte offset") != std::string::npos);
    }
    SECTION("an undeclared prefix in the third item") {
        std::string broken = doc;
        const std::string third = "<sec:identifier>JVNDB-2024-000003";
        broken.replace(broken.find(third), third.size(), "<zz:x/>" + third);
        CHECK_THROWS_WITH(parseJvnRss(broken), Catch::Contains("is not declared"));
        const vw::test::RssCollected streamed = vw::test::rssInPieces(broken, 4096);
        CHECK(streamed.records.size() == 2);
        CHECK(streamed.error.find("is not declared") != std::string::npos);
    }
    SECTION("a MyJVN error status at the end") {
        const std::string error =
            feed(item("JVNDB-2024-000001"), "http://jvn.jp/rss/mod_sec/3.0/",
                 "https://jvndb.jvn.jp/apis/myjvn",
                 "  <status:Status retCd=\"1\" errCd=\"VL01\" errMsg=\"bad\"/>\n");
        const vw::test::RssCollected streamed = vw::test::rssInPieces(error, 4096);
        CHECK(streamed.error.find("VL01") != std::string::npos);
        CHECK(vw::test::rssWhole(error).error == streamed.error);
    }
}

TEST_CASE("streamed RSS holds one item, not the document", "[feeds][jvn-rss][stream]") {
    std::string items;
    for (int i = 1; i <= 5000; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "JVNDB-2024-%06d", i);
        items += item(id);
    }
    const std::string doc = feed(items);
    REQUIRE(doc.size() > 2'000'000);
    std::size_t records = 0;
    std::size_t maxBuffered = 0;
    vw::JvnRssStreamParser parser([&](Advisory&&) { ++records; }, [](vw::ItemProblem&&) {});
    for (std::size_t at = 0; at < doc.size(); at += 65536) {
        parser.feed(std::string_view(doc).substr(at, 65536));
        maxBuffered = std::max(maxBuffered, parser.bufferedBytes());
    }
    parser.finish();
    CHECK(records == 5000);
    CHECK(parser.itemsSeen() == 5000);
    CHECK(maxBuffered < 300'000);
}

TEST_CASE("NUL bytes make a document not well-formed whole and streamed alike",
          "[feeds][jvn-rss][stream]") {
    // Found by fuzz_feeds: NUL bytes before </rdf:RDF> made pugixml's whole-document parse
    // stop there (tags mismatch) while the stream skipped them and read every item.
    std::string doc = readDemoFeed();
    const auto end = doc.rfind("</rdf:RDF>");
    REQUIRE(end != std::string::npos);
    doc.insert(end, std::string(8, '\0'));
    const auto whole = vw::test::rssWhole(doc);
    CHECK_FALSE(whole.error.empty());
    for (const std::size_t piece : {std::size_t{10}, std::size_t{4096}}) {
        INFO("pieces of " << piece);
        CHECK_THAT(vw::test::rssInPieces(doc, piece).error,
                   Catch::Contains("not well-formed XML: a NUL byte at byte offset " +
                                   std::to_string(end)));
    }
    // In one piece the parse of the whole piece refuses it first (pugixml's own words).
    CHECK_THAT(vw::test::rssInPieces(doc, doc.size() + 1).error,
               Catch::Contains("not well-formed XML"));
    // A NUL inside an item is refused too, with the offset of the byte.
    std::string inItem = readDemoFeed();
    const auto title = inItem.find("<title>", inItem.find("<item"));
    REQUIRE(title != std::string::npos);
    inItem[title + 7] = '\0';
    CHECK_FALSE(vw::test::rssWhole(inItem).error.empty());
    CHECK_THAT(vw::test::rssInPieces(inItem, 7).error,
               Catch::Contains("a NUL byte at byte offset " + std::to_string(title + 7)));
}

TEST_CASE("an XML declaration inside an item is not well-formed whole and streamed alike",
          "[feeds][jvn-rss][stream]") {
    // Found by fuzz_feeds: a second document pasted into an item (its <?xml …?> and all). The
    // whole-document parse refused it; the stream's parse of the item dropped the declaration as
    // a processing instruction and reported the item as a problem instead.
    const std::string doc = feed(item("JVNDB-2024-000001") + item("JVNDB-2024-000002"));
    for (const std::string_view declaration :
         {std::string_view("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
          std::string_view("<?XML version=\"1.0\"?>")}) {
        INFO(declaration);
        std::string broken = doc;
        const auto title = broken.find("<title>title of JVNDB-2024-000002");
        REQUIRE(title != std::string::npos);
        broken.insert(title, declaration);
        CHECK_THAT(vw::test::rssWhole(broken).error, Catch::Contains("not well-formed XML"));
        for (const std::size_t piece : {std::size_t{34}, std::size_t{4096}}) {
            INFO("pieces of " << piece);
            const vw::test::RssCollected streamed = vw::test::rssInPieces(broken, piece);
            CHECK(streamed.records.size() == 1);
            CHECK(streamed.problems.empty());
            CHECK_THAT(streamed.error, Catch::Contains("not well-formed XML") &&
                                           Catch::Contains("declaration/processing instruction"));
        }
    }
    // Any other processing instruction in an item is dropped, whole and streamed alike.
    std::string withPi = doc;
    withPi.insert(withPi.find("<title>title of JVNDB-2024-000002"), "<?xml-stylesheet x?>");
    CHECK(vw::test::rssWhole(withPi).records.size() == 2);
    CHECK(vw::test::rssInPieces(withPi, 34).records.size() == 2);
}

TEST_CASE("a forbidden character outside the items is not well-formed whole and streamed alike",
          "[feeds][jvn-rss][stream]") {
    // Found by fuzz_feeds: a control character between the last child and </rdf:RDF>. The
    // whole-document parse refused it (the check of every byte before pugixml); the stream
    // skipped the text between children unchecked and read the document to its end.
    const std::string first = item("JVNDB-2024-000001");
    const std::string doc = feed(first + item("JVNDB-2024-000002"));
    const std::size_t afterFirst = doc.find(first) + first.size();
    const std::size_t beforeEnd = doc.rfind("</rdf:RDF>");
    struct Case {
        const char* what;
        std::size_t at;        // where the bytes go in
        std::string bytes;     // what goes in
        std::size_t badOffset; // the forbidden character, counted in `bytes`
        const char* message;   // what the error names
    };
    const std::vector<Case> cases = {
        {"a control character between two items", afterFirst, "\x1A", 0,
         "control character U+001A"},
        {"a control character before </rdf:RDF>", beforeEnd, "  \x1A  ", 2,
         "control character U+001A"},
        {"a character reference between two items", afterFirst, " &#x1;", 1,
         "character reference &#x1; (U+0001)"},
        {"a long character reference between two items", afterFirst, "&#0000000000000000008;", 0,
         "character reference &#0000000000000000008; (U+0008)"},
        {"a surrogate just before an item", afterFirst, "\xED\xA0\x80", 0, "surrogate U+D800"},
        {"a cut surrogate just before an item", afterFirst, "\xED\xA0", 0, "surrogate"},
        {"a comment between two items", afterFirst, "<!-- \x07 -->", 5, "control character U+0007"},
        {"a processing instruction after the last item", beforeEnd, "<?pi \x0B?>", 5,
         "control character U+000B"},
        {"a comment after </rdf:RDF>", doc.size(), "<!--\x01-->", 4, "control character U+0001"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        std::string broken = doc;
        broken.insert(c.at, c.bytes);
        const std::string where = " at byte offset " + std::to_string(c.at + c.badOffset);
        CHECK_THAT(vw::test::rssWhole(broken).error,
                   Catch::Contains(c.message) && Catch::Contains("is not allowed in XML"));
        // Pieces of one byte cut every reference and sequence; 4096 takes the document whole.
        for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7},
                                        std::size_t{188}, std::size_t{4096}}) {
            INFO("pieces of " << piece);
            const vw::test::RssCollected streamed = vw::test::rssInPieces(broken, piece);
            CHECK(streamed.problems.empty());
            CHECK(streamed.records.size() == (c.at == afterFirst ? 1u : 2u));
            CHECK_THAT(streamed.error,
                       Catch::Contains(c.message) &&
                           Catch::Contains("is not allowed in XML (XML 1.0 section 2.2)" + where));
        }
    }
    // Allowed characters and references there stay allowed, whatever the pieces.
    std::string fine = doc;
    fine.insert(afterFirst, " &#x9; &#10; \xE3\x80\x80 &amp; <!-- \xEF\xBD\x81 --> ");
    CHECK(vw::test::rssWhole(fine).error.empty());
    for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{4096}}) {
        INFO("pieces of " << piece);
        const vw::test::RssCollected streamed = vw::test::rssInPieces(fine, piece);
        CHECK(streamed.error.empty());
        CHECK(streamed.records.size() == 2);
    }
}
