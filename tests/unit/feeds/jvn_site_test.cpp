// The jvn.jp site feed (https://jvn.jp/rss/jvn.rdf) through parseJvnRss, and the MyJVN status
// element in ParseResult::status: on documents written for the project (inline and in
// tests/data/jvn/), and on the real MyJVN responses in shared/fixtures (skipped on a bare clone).
#include "core/datetime.h"
#include "feeds/parse/document.h"
#include "feeds/parse/jvn_rss.h"
#include "helpers/fixtures.h"
#include "helpers/records.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using vw::test::iso;

using vw::Advisory;
using vw::parseJvnRss;
using vw::ParseResult;

/// A small jvn.rdf WRITTEN FOR THE PROJECT (not captured JVN data), following the structure in
/// shared/docs/jvn-formats.md section 1.4: plain RSS 1.0 + dc + dcterms, no sec: elements, the
/// id in dc:identifier, dates with seconds, dc:relation, blank lines and odd indentation.
const std::string kJvnSiteFeed = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- synthetic jvn.rdf written for the vulnwatch tests -->
<rdf:RDF
  xmlns="http://purl.org/rss/1.0/"
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
  xml:lang="ja">

 <channel rdf:about="https://jvn.jp/rss/jvn.rdf">
  <title>JVNRSS Feed - Update Entry</title>
  <link>https://jvn.jp/</link>
  <description>synthetic test channel</description>
    <dc:publisher>JVN</dc:publisher>

    <dc:creator>jvn@jvn.jp</dc:creator>
    <dc:date>2024-06-03T10:00:00+09:00</dc:date>
  <items>
   <rdf:Seq>
          <rdf:li rdf:resource="https://jvn.jp/vu/JVNVU90000001/" />
          <rdf:li rdf:resource="https://jvn.jp/jp/JVN90000002/" />
        </rdf:Seq>
  </items>
 </channel>

  <item rdf:about="https://jvn.jp/vu/JVNVU90000001/">
  <title>  Example product: several vulnerabilities
  </title>
  <link>https://jvn.jp/vu/JVNVU90000001/</link>
  <description>Example Corp published fixes (CVE-2024-90001, CVE-2024-90002). See also JVN#90000002.</description>
  <dc:publisher>JVN</dc:publisher>
  <dc:creator>jvn@jvn.jp</dc:creator>
     <dc:identifier>  JVNVU#90000001 </dc:identifier>
  <dc:relation>https://jvn.jp/vu/JVNVU90000001/</dc:relation>
  <dc:date>2024-06-03T09:00:00+09:00</dc:date>
  <dcterms:issued>2024-05-20T13:00:00+09:00</dcterms:issued>
  <dcterms:modified>2024-06-03T09:00:00+09:00</dcterms:modified>
 </item>

  <item rdf:about="https://jvn.jp/jp/JVN90000002/">
  <title>Example app: cross-site scripting</title>
  <link>https://jvn.jp/jp/JVN90000002/</link>
  <description>Example app contains a cross-site scripting vulnerability.</description>
  <dc:identifier>JVN#90000002</dc:identifier>
  <dc:relation rdf:resource="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000077.html"/>
  <dc:relation>https://jvn.jp/jp/JVN90000002/</dc:relation>
  <dc:date>2024-06-01T12:00:15+09:00</dc:date>
  <dcterms:issued>2024-06-01T12:00:15+09:00</dcterms:issued>
 </item>

  <item rdf:about="https://jvn.jp/ta/JVNTA90000003/">
  <title>not a JVN#/JVNVU# id</title>
  <link>https://jvn.jp/ta/JVNTA90000003/</link>
  <description>a technical alert</description>
  <dc:identifier>JVNDB-2024-000099</dc:identifier>
  <dcterms:issued>2024-06-01T12:00:00+09:00</dcterms:issued>
 </item>

  <item rdf:about="https://jvn.jp/vu/JVNVU90000004/">
  <title>bad date</title>
  <link>https://jvn.jp/vu/JVNVU90000004/</link>
  <description>** 削除 ** withdrawn</description>
  <dc:identifier>JVNVU90000004</dc:identifier>
  <dcterms:issued>June 1st</dcterms:issued>
  <dcterms:modified>2024-06-02T08:00:00+09:00</dcterms:modified>
 </item>
 </rdf:RDF>
)";

} // namespace

TEST_CASE("jvn.jp site feed items become jvn records", "[feeds][jvn-site]") {
    const ParseResult result = parseJvnRss(kJvnSiteFeed);
    REQUIRE(result.records.size() == 3);
    CHECK(!result.status);

    const Advisory& a = result.records[0];
    CHECK(a.source == "jvn");
    CHECK(a.id == "JVNVU#90000001");
    CHECK(a.title == "Example product: several vulnerabilities");
    CHECK(a.summary ==
          "Example Corp published fixes (CVE-2024-90001, CVE-2024-90002). See also JVN#90000002.");
    CHECK(a.url == "https://jvn.jp/vu/JVNVU90000001/");
    CHECK(iso(a.published) == "2024-05-20T13:00:00+09:00");
    CHECK(iso(a.modified) == "2024-06-03T09:00:00+09:00");
    // ids named by dc:relation and the description, without the record's own id
    CHECK(a.aliases ==
          std::vector<std::string>{"CVE-2024-90001", "CVE-2024-90002", "JVN#90000002"});
    CHECK(a.cvss.empty());
    CHECK(a.cpes.empty());
    CHECK(a.references.empty());
    CHECK(!a.withdrawn);

    const Advisory& b = result.records[1];
    CHECK(b.source == "jvn");
    CHECK(b.id == "JVN#90000002");
    CHECK(b.url == "https://jvn.jp/jp/JVN90000002/");
    CHECK(iso(b.published) == "2024-06-01T12:00:15+09:00");
    CHECK(iso(b.modified) == "2024-06-01T12:00:15+09:00"); // dc:date when no dcterms:modified
    CHECK(b.aliases == std::vector<std::string>{"JVNDB-2024-000077"});

    const Advisory& d = result.records[2];
    CHECK(d.id == "JVNVU#90000004"); // normalized from JVNVU90000004
    CHECK(!d.published);
    CHECK(iso(d.modified) == "2024-06-02T08:00:00+09:00");
    CHECK(d.withdrawn);

    REQUIRE(result.problems.size() == 2);
    CHECK(result.problems[0].position == 3);
    CHECK(result.problems[0].itemId.empty());
    CHECK(result.problems[0].message.find("JVNDB-2024-000099") != std::string::npos);
    CHECK(result.problems[1].position == 4);
    CHECK(result.problems[1].itemId == "JVNVU#90000004");
    CHECK(result.problems[1].message.find("June 1st") != std::string::npos);

    // `parse --format auto` sends it to the same parser
    CHECK(vw::detectFormat(kJvnSiteFeed) == "jvn-rss");
    CHECK(vw::parseDocument(kJvnSiteFeed, "auto").records.size() == 3);
}

TEST_CASE("an item with sec:identifier stays a JVN iPedia record even with dc:identifier",
          "[feeds][jvn-site]") {
    std::string feed = kJvnSiteFeed;
    feed.replace(feed.find("xml:lang=\"ja\">"), 14,
                 "xmlns:sec=\"http://jvn.jp/rss/mod_sec/\" xml:lang=\"ja\">");
    const auto at = feed.find("<dc:identifier>JVN#90000002</dc:identifier>");
    feed.insert(at, "<sec:identifier>JVNDB-2024-000077</sec:identifier>\n");
    const ParseResult result = parseJvnRss(feed);
    REQUIRE(result.records.size() == 3);
    CHECK(result.records[0].source == "jvn");
    CHECK(result.records[1].source == "jvn-rss");
    CHECK(result.records[1].id == "JVNDB-2024-000077");
    CHECK(result.records[2].source == "jvn");
}

TEST_CASE("MyJVN overview responses fill the status", "[feeds][jvn-rss][status]") {
    // A getVulnOverviewList response written for the project in the real format: the second
    // page (startItem=3, maxCountItem=2) of 5 matches, the status pretty-printed over lines.
    const std::string api =
        vw::test::readFile(vw::test::sourceDir() / "tests" / "data" / "jvn" /
                           "myjvn_getVulnOverviewList_written_for_vulnwatch.xml");
    const ParseResult page = parseJvnRss(api);
    REQUIRE(page.status.has_value());
    CHECK(page.status->method == "getVulnOverviewList");
    CHECK(page.status->retCd == 0);
    CHECK(page.status->totalRes == 5);
    CHECK(page.status->totalResRet == 2);
    CHECK(page.status->firstRes == 3);
    CHECK(page.status->errCd.empty());
    CHECK(page.status->totalResRet == static_cast<long>(page.records.size()));
    REQUIRE(page.records.size() == 2);
    CHECK(page.records[0].source == "myjvn");
    CHECK(page.records[0].id == "JVNDB-2024-000902");
    CHECK(page.records[1].id == "JVNDB-2021-006139");
    CHECK(vw::detectFormat(api) == "jvn-rss");
    const ParseResult detected = vw::parseDocument(api, "auto");
    REQUIRE(detected.status.has_value());
    CHECK(detected.status->totalRes == 5);

    // the data feeds and the jvn.jp site feed (both written for the project) have no status
    const ParseResult demo = parseJvnRss(
        vw::test::readFile(vw::test::sourceDir() / "demo" / "feeds" / "jvndb_new_demo.rdf"));
    CHECK(demo.records.size() == 4);
    CHECK(!demo.status);
    const ParseResult site = parseJvnRss(vw::test::readFile(
        vw::test::sourceDir() / "tests" / "data" / "jvn" / "jvn_feed_written_for_vulnwatch.rdf"));
    CHECK(!site.records.empty());
    CHECK(!site.status);
}

TEST_CASE("the real MyJVN overview responses fill the status", "[feeds][jvn-rss][status]") {
    // The real bytes: a 2018 API capture and IPA's 2025 example, and a real data feed.
    VW_REQUIRE_FIXTURES();
    const ParseResult spiegel = parseJvnRss(vw::test::readFile(
        vw::test::fixturesDir() / "jvn" / "spiegel_go-myjvn_getVulnOverviewList_2018_2.xml"));
    REQUIRE(spiegel.status.has_value());
    CHECK(spiegel.status->method == "getVulnOverviewList");
    CHECK(spiegel.status->retCd == 0);
    CHECK(spiegel.status->totalRes == 1);
    CHECK(spiegel.status->totalResRet == 1);
    CHECK(spiegel.status->firstRes == 1);
    CHECK(spiegel.status->errCd.empty());
    CHECK(spiegel.records.size() == 1);

    const std::string api = vw::test::readFile(vw::test::fixturesDir() / "jvn" /
                                               "myjvn_getVulnOverviewList_hnd_ja_2025.xml");
    const ParseResult np = parseJvnRss(api);
    REQUIRE(np.status.has_value());
    CHECK(np.status->method == "getVulnOverviewList");
    CHECK(np.status->totalRes == 6);
    CHECK(np.status->totalResRet == 2);
    CHECK(np.status->firstRes == 1);
    CHECK(np.status->totalResRet == static_cast<long>(np.records.size()));

    // the real data feeds have no status
    CHECK(!parseJvnRss(vw::test::readFile(vw::test::fixturesDir() / "jvn" /
                                          "jvndb_new_2023-11_trimmed.rdf"))
               .status);
}

TEST_CASE("a MyJVN response with nothing but the status returns the status",
          "[feeds][jvn-rss][status]") {
    // Synthetic response written for this project.
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
        "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\">\n"
        "<status:Status version=\"3.3\" method=\"getVulnOverviewList\" lang=\"ja\" retCd=\"0\" "
        "retMax=\"50\" errCd=\"\" errMsg=\"\" totalRes=\"0\" totalResRet=\"0\" firstRes=\"\" "
        "feed=\"hnd\"/>\n</rdf:RDF>\n";
    const ParseResult result = parseJvnRss(xml);
    CHECK(result.records.empty());
    REQUIRE(result.status.has_value());
    CHECK(result.status->method == "getVulnOverviewList");
    CHECK(result.status->totalRes == 0);
    CHECK(result.status->firstRes == 0);
}
