// VULDEF parsing (parseVuldef, VuldefStreamParser) against the real JVN iPedia detail feeds and
// MyJVN getVulnDetailInfo responses in shared/fixtures (tests about the real bytes, skipped on a
// bare clone), and against documents written for this project: the seven Vulinfo of
// tests/data/vuldef/detail_written_for_vulnwatch.xml and synthetic documents written inline
// (marked as such). The mechanics tests (streaming, truncation, errors, HTML in an Overview) run
// on the written documents, so they run and assert on a bare clone too.
#include "core/datetime.h"
#include "core/json_writer.h"
#include "feeds/parse/document.h"
#include "feeds/parse/vuldef.h"
#include "helpers/fixtures.h"
#include "helpers/records.h"
#include "helpers/vuldef_stream.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

namespace {

using vw::test::iso;
using vw::test::recordById;

using vw::Advisory;
using vw::ItemProblem;
using vw::ParseError;
using vw::ParseResult;
using vw::parseVuldef;
using vw::VuldefStreamParser;
using vw::test::Collected;
using vw::test::feedInPieces;
using vw::test::feedPieces;

std::string readJvn(const std::string& name) {
    return vw::test::readFile(vw::test::fixturesDir() / "jvn" / name);
}

/// tests/data/vuldef/detail_written_for_vulnwatch.xml: a VULDEF 3.2 document written for the
/// project in the real format (sec:handling and status:Status after the Vulinfo).
std::string readWrittenDetail() {
    return vw::test::readFile(vw::test::sourceDir() / "tests" / "data" / "vuldef" /
                              "detail_written_for_vulnwatch.xml");
}

/// The VulinfoID of the written document's seven Vulinfo, in document order.
const std::vector<std::string> kWrittenIds = {
    "JVNDB-2021-005429", "JVNDB-2022-017708", "JVNDB-2023-004814", "JVNDB-2014-001920",
    "JVNDB-2024-000901", "JVNDB-2024-000902", "JVNDB-2021-006139"};

std::vector<std::string> idsOf(const ParseResult& result) {
    std::vector<std::string> ids;
    for (const Advisory& a : result.records) {
        ids.push_back(a.id);
    }
    return ids;
}

std::size_t countVulinfo(const std::string& xml) {
    static const std::regex start("<(?:[A-Za-z_][\\w.-]*:)?Vulinfo[\\s>]");
    return static_cast<std::size_t>(
        std::distance(std::sregex_iterator(xml.begin(), xml.end(), start), std::sregex_iterator()));
}

/// A stream parse fed `piece` bytes at a time, with what the parser reports at the end
/// (ParseError propagates).
struct Streamed {
    ParseResult result;
    std::size_t itemsSeen = 0;
};

Streamed streamInPieces(const std::string& xml, std::size_t piece) {
    Streamed out;
    VuldefStreamParser parser(
        [&](Advisory&& a) { out.result.records.push_back(std::move(a)); },
        [&](ItemProblem&& p) { out.result.problems.push_back(std::move(p)); });
    feedPieces(parser, xml, piece);
    out.itemsSeen = parser.itemsSeen();
    out.result.status = parser.status();
    return out;
}

const std::vector<std::string>& realVuldefFixtures() {
    static const std::vector<std::string> files = {
        "jvndb_detail_2021_trimmed.rdf",
        "jvndb_detail_2023_trimmed.rdf",
        "myjvn_getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
        "myjvn_getVulnDetailInfo_hnd_JVNDB-2018-009328.xml",
        "myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml",
        "spiegel_go-myjvn_getVulnDetailInfo_2018_2.xml",
        "myjvn_np_dataFeed_jvndb_detail_hnd_2025.xml",
    };
    return files;
}

// --- synthetic documents (written for this project, not JVN data) ---------------------------

const std::string kHead =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>   \n"
    "<!-- synthetic VULDEF document written for the vulnwatch tests -->\n"
    "<VULDEF-Document version=\"3.2\" xmlns=\"http://jvn.jp/vuldef/\"\n"
    "  xmlns:vuldef=\"http://jvn.jp/vuldef/\" xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\"\n"
    "  xmlns:sec=\"http://jvn.jp/rss/mod_sec/3.0/\" xml:lang=\"ja\">\n";

std::string okStatus(const std::string& total = "1") {
    return "<status:Status version=\"3.3\" method=\"getVulnDetailInfo\" lang=\"ja\" retCd=\"0\" "
           "retMax=\"\" errCd=\"\" errMsg=\"\" totalRes=\"" +
           total + "\" totalResRet=\"" + total + "\" firstRes=\"\" feed=\"hnd\" lt=\"1\"/>\n";
}

const std::string kTail = "</VULDEF-Document>\n";

std::string vulinfoWithOverview(const std::string& id, const std::string& overview) {
    return "  <Vulinfo><VulinfoID>" + id +
           "</VulinfoID><VulinfoData><Title>t</Title>"
           "<VulinfoDescription><Overview>" +
           overview + "</Overview></VulinfoDescription></VulinfoData></Vulinfo>\n";
}

/// One synthetic Vulinfo; `extra` goes inside VulinfoData.
std::string vulinfo(const std::string& id, const std::string& extra = "",
                    const std::string& first = "2024-05-01T10:00:00+09:00") {
    return "  <Vulinfo>\n    <VulinfoID>" + id +
           "</VulinfoID>\n    <VulinfoData>\n      <Title>synthetic entry " + id +
           "</Title>\n      <VulinfoDescription><Overview>overview of " + id +
           "</Overview></VulinfoDescription>\n" + extra + "      <DateFirstPublished>" + first +
           "</DateFirstPublished>\n      <DateLastUpdated>2024-05-02T11:00:00+09:00"
           "</DateLastUpdated>\n    </VulinfoData>\n  </Vulinfo>\n";
}

} // namespace

TEST_CASE("every real VULDEF fixture parses with one record per Vulinfo", "[feeds][vuldef]") {
    VW_REQUIRE_FIXTURES();
    struct Expected {
        const char* file;
        std::size_t records;
        long totalRes;
    };
    const Expected expected[] = {
        {"jvndb_detail_2021_trimmed.rdf", 1, 1},
        {"jvndb_detail_2023_trimmed.rdf", 2, 3423},
        {"myjvn_getVulnDetailInfo_hnd_JVNDB-2017-009608.xml", 1, 1},
        {"myjvn_getVulnDetailInfo_hnd_JVNDB-2018-009328.xml", 1, 1},
        {"myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml", 1, 1},
        {"spiegel_go-myjvn_getVulnDetailInfo_2018_2.xml", 1, 1},
        {"myjvn_np_dataFeed_jvndb_detail_hnd_2025.xml", 7, 2346},
    };
    REQUIRE(std::size(expected) == realVuldefFixtures().size());
    const std::regex idPattern("JVNDB-\\d{4}-\\d{6}");
    for (const Expected& e : expected) {
        INFO(e.file);
        const std::string xml = readJvn(e.file);
        const ParseResult result = parseVuldef(xml);
        CHECK(result.records.size() == e.records);
        CHECK(result.records.size() == countVulinfo(xml));
        CHECK(result.problems.empty());
        REQUIRE(result.status.has_value());
        CHECK(result.status->retCd == 0);
        CHECK(result.status->method == "getVulnDetailInfo");
        // Every fixture's totalRes is checked: a one-id answer says 1 (jvndb_detail_2021 too:
        // its status is that of a one-id getVulnDetailInfo, vulnId and maxCountItem="1", not a
        // year's total). A trimmed file keeps the status of the whole response, so totalRes (and
        // totalResRet, equal in every fixture) counts the Vulinfo before trimming: at least
        // those left in the file.
        CHECK(result.status->totalRes == e.totalRes);
        CHECK(result.status->totalResRet == e.totalRes);
        CHECK(static_cast<long>(result.records.size()) <= result.status->totalRes);
        for (const Advisory& a : result.records) {
            INFO(a.id);
            CHECK(a.source == "vuldef");
            CHECK(std::regex_match(a.id, idPattern));
            CHECK(a.url ==
                  "https://jvndb.jvn.jp/ja/contents/" + a.id.substr(6, 4) + "/" + a.id + ".html");
            CHECK(!a.title.empty());
            CHECK(!a.summary.empty());
            CHECK(a.published.has_value());
            CHECK(a.modified.has_value());
            CHECK(!a.history.empty());
            CHECK(std::is_sorted(a.aliases.begin(), a.aliases.end()));
            CHECK(!a.withdrawn);
        }
        // parseDocument: by name and by detection
        CHECK(vw::detectFormat(xml) == "vuldef");
        CHECK(vw::parseDocument(xml, "auto").records.size() == e.records);
        CHECK(vw::parseDocument(xml, "vuldef").records.size() == e.records);
    }
}

TEST_CASE("the written VULDEF document parses with one record per Vulinfo and its status",
          "[feeds][vuldef]") {
    const std::string xml = readWrittenDetail();
    const ParseResult result = parseVuldef(xml);
    CHECK(idsOf(result) == kWrittenIds);
    CHECK(countVulinfo(xml) == kWrittenIds.size());
    CHECK(result.problems.empty());
    REQUIRE(result.status.has_value());
    CHECK(result.status->retCd == 0);
    CHECK(result.status->method == "getVulnDetailInfo");
    CHECK(result.status->totalRes == 7);
    CHECK(result.status->totalResRet == 7);
    CHECK(result.status->firstRes == 1);
    for (const Advisory& a : result.records) {
        INFO(a.id);
        CHECK(a.source == "vuldef");
        CHECK(a.url ==
              "https://jvndb.jvn.jp/ja/contents/" + a.id.substr(6, 4) + "/" + a.id + ".html");
        CHECK(a.published.has_value());
        CHECK(a.modified.has_value());
        CHECK(a.withdrawn == (a.id == "JVNDB-2024-000902"));
    }
    const Advisory& heartbleed = recordById(result, "JVNDB-2014-001920");
    CHECK(heartbleed.aliases == std::vector<std::string>{"CVE-2014-0160", "JVNVU#94401838"});
    REQUIRE(heartbleed.affected.size() == 1);
    CHECK(heartbleed.affected[0].versions ==
          std::vector<std::string>{"1.0.1 から 1.0.1f", "1.0.2-beta から 1.0.2-beta1"});
    REQUIRE(heartbleed.cvss.size() == 1);
    CHECK(heartbleed.cvss[0].score == 5.0);
    CHECK(iso(heartbleed.published) == "2014-04-09T17:00:00+09:00");
    CHECK(vw::detectFormat(xml) == "vuldef");
    CHECK(vw::parseDocument(xml, "auto").records.size() == 7);
    CHECK(vw::parseDocument(xml, "vuldef").records.size() == 7);
}

TEST_CASE("JVNDB-2018-009328 has several AffectedItems, VersionNumbers and CVSS entries",
          "[feeds][vuldef]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result =
        parseVuldef(readJvn("myjvn_getVulnDetailInfo_hnd_JVNDB-2018-009328.xml"));
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.id == "JVNDB-2018-009328");
    CHECK(a.title == "JP1/VERITAS 製品における複数の脆弱性");
    CHECK(a.summary == "JP1/VERITAS 製品に複数の脆弱性が存在します。");
    CHECK(a.url == "https://jvndb.jvn.jp/ja/contents/2018/JVNDB-2018-009328.html");
    CHECK(iso(a.published) == "2018-11-15T16:17:27+09:00");
    CHECK(iso(a.modified) == "2018-11-20T12:12:04+09:00");
    REQUIRE(a.cvss.size() == 2);
    CHECK(a.cvss[0].version == "2.0");
    CHECK(a.cvss[0].score == 10.0); // written "10" without decimals
    CHECK(a.cvss[0].severity == "High");
    CHECK(a.cvss[0].vector == "AV:N/AC:L/Au:N/C:C/I:C/A:C");
    CHECK(a.cvss[1].version == "3.0");
    CHECK(a.cvss[1].score == 9.8);
    CHECK(a.cvss[1].severity == "Critical");
    CHECK(a.cvss[1].vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK(a.cpes == std::vector<std::string>{"cpe:/a:veritas:netbackup",
                                             "cpe:/a:hitachi:jp1_veritas_netbackup"});
    REQUIRE(a.affected.size() == 2);
    CHECK(a.affected[0].vendor == "ベリタス");
    CHECK(a.affected[0].product == "Veritas NetBackup");
    CHECK(a.affected[0].cpe == "cpe:/a:veritas:netbackup");
    CHECK(a.affected[0].versions == std::vector<std::string>{"7.7", "8.0", "8.1"});
    CHECK(a.affected[1].vendor == "日立");
    CHECK(a.affected[1].product == "JP1/VERITAS NetBackup");
    CHECK(a.affected[1].cpe == "cpe:/a:hitachi:jp1_veritas_netbackup");
    CHECK(a.affected[1].versions == std::vector<std::string>{"7.7", "8.0", "8.1"});
    CHECK(a.aliases.empty()); // only vendor and CWE related items
    REQUIRE(a.references.size() == 5);
    CHECK(a.references[0].source == "Hitachi Software Vulnerability Information");
    CHECK(a.references[0].id == "hitachi-sec-2018-133");
    CHECK(a.references[1].id == "Article ID:100000477");
    CHECK(a.references[4].source == "JVNDB");
    CHECK(a.references[4].id == "CWE-noinfo");
    CHECK(a.references[4].url == "https://www.ipa.go.jp/security/vuln/scap/cwe.html");
    REQUIRE(a.history.size() == 2);
    CHECK(a.history[0].number == 1);
    CHECK(iso(a.history[0].date) == "2018-11-15T16:17:27+09:00");
    // a LITERAL backslash-n, two characters, kept as given
    CHECK(a.history[0].description == "[2018年11月15日]\\n  掲載");
    CHECK(a.history[1].number == 2);
    CHECK(iso(a.history[1].date) == "2018-11-20T10:37:07+09:00");
    CHECK(a.history[1].description == "[2018年11月20日]\\n  CVSS による深刻度：内容を更新");
    REQUIRE(result.status.has_value());
    CHECK(result.status->totalRes == 1);
    CHECK(result.status->totalResRet == 1);
    CHECK(result.status->firstRes == 1);
    CHECK(result.status->errCd.empty());
}

TEST_CASE("JVNDB-2021-002774 has no CVSS and names a CVE and a JVNVU id", "[feeds][vuldef]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result =
        parseVuldef(readJvn("myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml"));
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.id == "JVNDB-2021-002774");
    CHECK(a.title == "トレンドマイクロ製 ServerProtect における認証回避の脆弱性");
    CHECK(a.cvss.empty());
    CHECK(a.maxScore() == 0.0);
    CHECK(a.cpes == std::vector<std::string>{"cpe:/a:trendmicro:serverprotect"});
    REQUIRE(a.affected.size() == 1);
    CHECK(a.affected[0].vendor == "トレンドマイクロ");
    CHECK(a.affected[0].product == "Trend Micro ServerProtect");
    CHECK(a.affected[0].versions ==
          std::vector<std::string>{
              "for EMC Celerra 5.8 (Build 1577) 未満", "for NetApp 5.8 (Build 1299) 未満",
              "for Storage 6.0 (Build 1284) 未満", "for Windows 5.8 (Build 1575) 未満"});
    CHECK(a.aliases == std::vector<std::string>{"CVE-2021-36745", "JVNVU#99520559"});
    const auto jvn = std::find_if(a.references.begin(), a.references.end(),
                                  [](const vw::Reference& r) { return r.source == "JVN"; });
    REQUIRE(jvn != a.references.end());
    CHECK(jvn->id == "JVNVU#99520559");
    CHECK(jvn->url == "https://jvn.jp/vu/JVNVU99520559/");
    // &amp; in the URL text is decoded
    CHECK(a.references[1].url.find("regs=jp&prodid=1317&_ga=") != std::string::npos);
    CHECK(iso(a.published) == "2021-10-01T14:00:11+09:00");
    CHECK(iso(a.modified) == "2021-10-01T14:00:11+09:00");
    REQUIRE(a.history.size() == 1);
    CHECK(a.history[0].description == "[2021年10月01日]   掲載");
}

TEST_CASE("the 2023 detail feed gives exact fields and the data-feed status", "[feeds][vuldef]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result = parseVuldef(readJvn("jvndb_detail_2023_trimmed.rdf"));
    REQUIRE(result.records.size() == 2);
    const Advisory& a = recordById(result, "JVNDB-2022-017704");
    CHECK(a.title == "Linux の Linux Kernel における NULL ポインタデリファレンスに関する脆弱性");
    CHECK(a.summary ==
          "Linux の Linux Kernel には、NULL ポインタデリファレンスに関する脆弱性が存在します。");
    CHECK(a.url == "https://jvndb.jvn.jp/ja/contents/2022/JVNDB-2022-017704.html");
    CHECK(a.aliases == std::vector<std::string>{"CVE-2023-23001"});
    REQUIRE(a.cvss.size() == 1);
    CHECK(a.cvss[0].score == 5.5);
    CHECK(a.cvss[0].severity == "Medium");
    REQUIRE(a.affected.size() == 1);
    CHECK(a.affected[0].versions == std::vector<std::string>{"5.16.3 未満"});
    CHECK(a.references.size() == 6);
    CHECK(a.references[5].id == "CWE-476");
    CHECK(a.history.size() == 1);
    CHECK(a.history[0].description == "[2023年10月16日]\\n  掲載");
    CHECK(iso(a.published) == "2023-10-16T17:17:41+09:00");

    const Advisory& b = recordById(result, "JVNDB-2023-004315");
    CHECK(b.aliases == std::vector<std::string>{"CVE-2013-10019"}); // not the 関連文書 free text
    CHECK(b.references.size() == 7);
    CHECK(b.references[2].source == "関連文書");
    CHECK(b.references[2].id == "code.google.com (issues/7)");

    REQUIRE(result.status.has_value());
    CHECK(result.status->totalRes == 3423);
    CHECK(result.status->totalResRet == 3423);
    CHECK(result.status->firstRes == 0); // firstRes="" in the data feed
}

TEST_CASE("escaped HTML in an Overview becomes plain text", "[feeds][vuldef]") {
    // Written for this project in the shape JVN gives a list in an Overview (the HTML escaped in
    // the XML text, full-width brackets, the text going on after the list), with Related items
    // naming the CVE ids. The company and product are made up.
    const std::string list =
        "  <Vulinfo><VulinfoID>JVNDB-2024-000911</VulinfoID><VulinfoData>"
        "<Title>ヘルスケア・ゲートウェイ製 HG-300 における複数の脆弱性</Title>"
        "<VulinfoDescription><Overview>株式会社ヘルスケア・ゲートウェイ (架空) が提供する HG-300 "
        "には、次の複数の脆弱性が存在します。&lt;ul&gt;&lt;li&gt;格納型クロスサイトスクリプティング"
        "（CWE-79）- CVE-2024-99911&lt;/li&gt;&lt;li&gt;重要な機能に対する認証の欠如（CWE-306）- "
        "CVE-2024-99912&lt;/li&gt;&lt;/ul&gt; CVE-2024-99911 この脆弱性情報は、テスト用に作成"
        "しました。</Overview></VulinfoDescription>"
        "<Related><RelatedItem type=\"advisory\"><Name>Common Vulnerabilities and Exposures "
        "(CVE)</Name><VulinfoID>CVE-2024-99912</VulinfoID><URL>https://www.cve.org/"
        "CVERecord?id=CVE-2024-99912</URL></RelatedItem><RelatedItem type=\"advisory\"><Name>"
        "Common Vulnerabilities and Exposures (CVE)</Name><VulinfoID>CVE-2024-99911</VulinfoID>"
        "<URL>https://www.cve.org/CVERecord?id=CVE-2024-99911</URL></RelatedItem>"
        "<RelatedItem type=\"advisory\"><Name>JVN</Name><VulinfoID>JVN#90000911</VulinfoID>"
        "<URL>https://jvn.jp/jp/JVN90000911/</URL></RelatedItem></Related>"
        "</VulinfoData></Vulinfo>\n";
    const ParseResult written = parseVuldef(kHead + list + okStatus() + kTail);
    CHECK(written.problems.empty());
    REQUIRE(written.records.size() == 1);
    const Advisory& a = written.records[0];
    CHECK(a.id == "JVNDB-2024-000911");
    CHECK(a.summary ==
          "株式会社ヘルスケア・ゲートウェイ (架空) が提供する HG-300 には、次の複数の脆弱性が存在"
          "します。\n"
          "- 格納型クロスサイトスクリプティング（CWE-79）- CVE-2024-99911\n"
          "- 重要な機能に対する認証の欠如（CWE-306）- CVE-2024-99912\n"
          "CVE-2024-99911 この脆弱性情報は、テスト用に作成しました。");
    CHECK(a.aliases ==
          std::vector<std::string>{"CVE-2024-99911", "CVE-2024-99912", "JVN#90000911"});

    // Synthetic: tags, entities and whitespace (written for this project). The HTML is
    // escaped in the XML text, as JVN does it.
    const std::string xml =
        kHead +
        vulinfoWithOverview(
            "JVNDB-2024-000101",
            "  First &lt;b&gt;bold&lt;/b&gt; line&lt;br&gt;second &amp;amp; &amp;quot;q&amp;quot; "
            "&amp;#x41;&amp;#66;&amp;nbsp;C&lt;p&gt;para &amp;lt; 3 &amp;bogus; x&lt;ul&gt;"
            "&lt;li&gt;one&lt;/li&gt;&lt;LI&gt;two&lt;/LI&gt;&lt;/ul&gt;  ") +
        okStatus() + kTail;
    const ParseResult synthetic = parseVuldef(xml);
    REQUIRE(synthetic.records.size() == 1);
    CHECK(synthetic.records[0].summary ==
          "First bold line\nsecond & \"q\" AB C\npara < 3 &bogus; x\n- one\n- two");

    // the written detail document's Overviews hold no markup: they come out as written
    const ParseResult detail = parseVuldef(readWrittenDetail());
    CHECK(recordById(detail, "JVNDB-2024-000902").summary ==
          "この脆弱性情報は重複のため削除されました。(テスト用に作成した架空のエントリ)");
}

TEST_CASE("escaped HTML in a real Overview becomes plain text", "[feeds][vuldef]") {
    // The real bytes: IPA's own escaping of a list in JVNDB-2025-000002.
    VW_REQUIRE_FIXTURES();
    const ParseResult result = parseVuldef(readJvn("myjvn_np_dataFeed_jvndb_detail_hnd_2025.xml"));
    const Advisory& a = recordById(result, "JVNDB-2025-000002");
    CHECK(a.summary.find('<') == std::string::npos);
    CHECK(a.summary.find("&lt;") == std::string::npos);
    CHECK(a.summary.rfind(
              "日本電気株式会社が提供するAtermシリーズには、次の複数の脆弱性が存在します。\n"
              "- 格納型クロスサイトスクリプティング（CWE-79）- CVE-2025-0354\n"
              "- 重要な機能に対する認証の欠如（CWE-306）- CVE-2025-0355\n",
              0) == 0);
    CHECK(a.aliases == std::vector<std::string>{"CVE-2025-0354", "CVE-2025-0355", "CVE-2025-0356",
                                                "JVN#65447879"});
}

TEST_CASE("stream feeding in 1, 7, 4096 byte pieces and whole gives identical output",
          "[feeds][vuldef]") {
    // The document written for the project: seven Vulinfo, sec:handling, status:Status.
    const std::string written = readWrittenDetail();
    CHECK(idsOf(parseVuldef(written)) == kWrittenIds);
    const Collected whole = feedInPieces(written, written.size());
    CHECK(whole.error.empty());
    CHECK(whole.problems.empty());
    REQUIRE(whole.records.size() == kWrittenIds.size());
    for (std::size_t i = 0; i < kWrittenIds.size(); ++i) {
        CHECK(whole.records[i].find("\"id\":\"" + kWrittenIds[i] + "\"") != std::string::npos);
    }
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
        INFO("piece " << piece);
        const Collected pieces = feedInPieces(written, piece);
        CHECK(pieces.records == whole.records);
        CHECK(pieces.problems == whole.problems);
        CHECK(pieces.error == whole.error);
    }
    // a synthetic document with problems, comments and CDATA behaves the same way
    const std::string xml =
        kHead + "<!-- a > comment -->" + vulinfo("JVNDB-2024-000001") +
        "<Vulinfo><VulinfoID>JVNDB-2024-000002</VulinfoID><VulinfoData><Title>t</Titel>"
        "</VulinfoData></Vulinfo>\n" +
        vulinfo("JVNDB-2024-000003", "<Impact><Cvss version=\"3.0\"><Base>high</Base></Cvss>"
                                     "</Impact><!-- <Vulinfo> --><![CDATA[</Vulinfo>]]>") +
        okStatus() + kTail;
    const Collected synthetic = feedInPieces(xml, xml.size());
    CHECK(synthetic.error.empty());
    REQUIRE(synthetic.records.size() == 2);
    CHECK(synthetic.records[0].find("\"id\":\"JVNDB-2024-000001\"") != std::string::npos);
    CHECK(synthetic.records[1].find("\"id\":\"JVNDB-2024-000003\"") != std::string::npos);
    REQUIRE(synthetic.problems.size() == 2);
    CHECK(synthetic.problems[0].rfind("JVNDB-2024-000002#2:", 0) == 0);
    CHECK(synthetic.problems[1].rfind("JVNDB-2024-000003#3:", 0) == 0);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
        INFO("piece " << piece);
        const Collected pieces = feedInPieces(xml, piece);
        CHECK(pieces.records == synthetic.records);
        CHECK(pieces.problems == synthetic.problems);
        CHECK(pieces.error == synthetic.error);
    }
}

TEST_CASE("every real VULDEF fixture streams identically in 1, 7, 4096 byte pieces and whole",
          "[feeds][vuldef]") {
    // The real bytes: trailing spaces after the declaration, pretty-printing, long Overviews.
    VW_REQUIRE_FIXTURES();
    for (const std::string& file : realVuldefFixtures()) {
        INFO(file);
        const std::string xml = readJvn(file);
        const Collected whole = feedInPieces(xml, xml.size());
        CHECK(whole.error.empty());
        CHECK(whole.records.size() == countVulinfo(xml));
        for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
            INFO("piece " << piece);
            const Collected pieces = feedInPieces(xml, piece);
            CHECK(pieces.records == whole.records);
            CHECK(pieces.problems == whole.problems);
            CHECK(pieces.error == whole.error);
        }
    }
}

TEST_CASE("a truncated document fails on finish after the complete items were emitted",
          "[feeds][vuldef]") {
    // The document written for the project, cut inside its 4th Vulinfo.
    const std::string xml = readWrittenDetail();
    std::size_t cut = 0;
    for (int i = 0; i < 3; ++i) {
        cut = xml.find("</Vulinfo>", cut) + 10;
    }
    const std::string truncated = xml.substr(0, cut + 200); // into the 4th Vulinfo
    REQUIRE(truncated.find("<VulinfoID>JVNDB-2014-001920</VulinfoID>") != std::string::npos);
    REQUIRE(truncated.find("</Vulinfo>", cut) == std::string::npos);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, truncated.size()}) {
        INFO("piece " << piece);
        std::vector<std::string> ids;
        VuldefStreamParser parser([&](Advisory&& a) { ids.push_back(a.id); }, nullptr);
        for (std::size_t at = 0; at < truncated.size(); at += piece) {
            parser.feed(std::string_view(truncated).substr(at, piece));
        }
        CHECK(ids == std::vector<std::string>{"JVNDB-2021-005429", "JVNDB-2022-017708",
                                              "JVNDB-2023-004814"});
        CHECK(parser.itemsSeen() == 3);
        CHECK(!parser.status());
        CHECK_THROWS_WITH(parser.finish(), Catch::Matchers::Contains("truncated") &&
                                               Catch::Matchers::Contains("VULDEF-Document"));
        CHECK(ids.size() == 3);                       // emitted records stay emitted
        CHECK_THROWS_AS(parser.finish(), ParseError); // and the error stays
        CHECK_THROWS_AS(parser.feed("</VULDEF-Document>"), ParseError);
    }
    CHECK_THROWS_AS(parseVuldef(truncated), ParseError);
    // cut right after the last Vulinfo, before sec:handling, the status and the end of the root
    const std::string noEnd = xml.substr(0, xml.rfind("</Vulinfo>") + 10);
    const Collected collected = feedInPieces(noEnd, noEnd.size());
    CHECK(collected.records.size() == 7);
    CHECK_THAT(collected.error, Catch::Contains("truncated"));
    CHECK_THROWS_AS(parseVuldef(noEnd), ParseError);
}

TEST_CASE("an Overview's lines are trimmed with carriage returns and empty lines dropped",
          "[feeds][vuldef]") {
    // Written for this test: the same lines as plain text, with an entity only, with a tag
    // only, and with both (each takes its own path through htmlToText).
    // A CR in the document is a line break once read (XML's line-end handling); one written as
    // a character reference reaches the text and is dropped.
    const std::string plain = "  first line  \r\n\r\n   second&#13;half \n\t\n third\rfourth\r\n";
    const std::string xml =
        kHead + vulinfoWithOverview("JVNDB-2024-000011", plain) +
        vulinfoWithOverview("JVNDB-2024-000012", plain + "x &amp;amp; y") +
        vulinfoWithOverview("JVNDB-2024-000013", plain + "x&lt;br&gt;y") +
        vulinfoWithOverview("JVNDB-2024-000014", "&lt;p&gt;a &amp;amp; b\r\n&lt;/p&gt;c") +
        okStatus("4") + kTail;
    const ParseResult result = parseVuldef(xml);
    REQUIRE(result.records.size() == 4);
    CHECK(recordById(result, "JVNDB-2024-000011").summary ==
          "first line\nsecondhalf\nthird\nfourth");
    CHECK(recordById(result, "JVNDB-2024-000012").summary ==
          "first line\nsecondhalf\nthird\nfourth\nx & y");
    CHECK(recordById(result, "JVNDB-2024-000013").summary ==
          "first line\nsecondhalf\nthird\nfourth\nx\ny");
    CHECK(recordById(result, "JVNDB-2024-000014").summary == "a & b\nc");
}

TEST_CASE("a CVE reference by its source name in any case must name a CVE", "[feeds][vuldef]") {
    // Written for this test: "(cve)" late in a name with other parentheses before it, and
    // "(NVD)" in lower case; a name with parentheses but neither is a plain reference.
    const std::string related =
        "      <Related><RelatedItem type=\"advisory\"><Name>Vendor (JP) notes (cve)</Name>"
        "<VulinfoID>VENDOR-1</VulinfoID><URL>https://example.invalid/1</URL></RelatedItem>"
        "<RelatedItem type=\"advisory\"><Name>National DB (nvd)</Name><VulinfoID>VENDOR-2"
        "</VulinfoID><URL>https://example.invalid/2</URL></RelatedItem>"
        "<RelatedItem type=\"advisory\"><Name>Vendor (JP) (CV)</Name><VulinfoID>VENDOR-3"
        "</VulinfoID><URL>https://example.invalid/3</URL></RelatedItem>"
        "<RelatedItem type=\"advisory\"><Name>Mitre (CVE)</Name><VulinfoID>CVE-2024-12345"
        "</VulinfoID><URL>https://example.invalid/4</URL></RelatedItem></Related>\n";
    const ParseResult result =
        parseVuldef(kHead + vulinfo("JVNDB-2024-000021", related) + okStatus() + kTail);
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.aliases == std::vector<std::string>{"CVE-2024-12345"});
    REQUIRE(a.references.size() == 2); // VENDOR-1 and VENDOR-2 dropped
    CHECK(a.references[0].id == "VENDOR-3");
    std::size_t notCve = 0;
    for (const ItemProblem& p : result.problems) {
        notCve += p.message.find("is not a CVE id") != std::string::npos ? 1 : 0;
    }
    CHECK(notCve == 2);
}

TEST_CASE("a poisoned Vulinfo is isolated and the rest is read", "[feeds][vuldef]") {
    // Synthetic document written for this project: every kind of bad field and bad item.
    const std::string poison =
        "  <Vulinfo>\n    <VulinfoID> JVNDB-2024-000002 </VulinfoID>\n    <VulinfoData>\n"
        "      <Title>poisoned</Title><Unknown attr=\"x\">ignored<Deeper/></Unknown>\n"
        "      <Affected><AffectedItem><Name>v</Name><ProductName>p</ProductName>"
        "<Cpe version=\"2.2\">cpe:/a:bad vendor:p</Cpe><VersionNumber/><VersionNumber> 1.0 "
        "</VersionNumber></AffectedItem></Affected>\n"
        "      <Impact><Cvss version=\"3.0\"><Vector>CVSS:3.0/AV:N</Vector><Base>11.5</Base>"
        "<Severity type=\"Base\">High</Severity></Cvss>"
        "<Cvss version=\"2.0\"><Base>4</Base><Vector>AV:N/AC:L/Au:N/C:N/I:P/A:N</Vector>"
        "<Severity type=\"Base\">Medium</Severity></Cvss></Impact>\n"
        "      <Related><RelatedItem type=\"advisory\"><Name>Common Vulnerabilities and Exposures "
        "(CVE)</Name><VulinfoID>not a cve</VulinfoID><URL>https://example.invalid/</URL>"
        "</RelatedItem><RelatedItem type=\"advisory\"><Name>JVN</Name><VulinfoID>JVNVU12345678"
        "</VulinfoID><URL>https://jvn.jp/vu/JVNVU12345678/</URL></RelatedItem>"
        "<RelatedItem type=\"cwe\"><Name>JVNDB</Name><VulinfoID>CWE-79</VulinfoID>"
        "<URL>https://cwe.mitre.org/</URL></RelatedItem></Related>\n"
        "      <History><HistoryItem><HistoryNo>x</HistoryNo><DateTime>yesterday</DateTime>"
        "<Description>d</Description></HistoryItem></History>\n"
        "      <DateFirstPublished>2024-13-45T99:00:00+09:00</DateFirstPublished>\n"
        "      <DatePublic>2024-04-01T00:00:00+09:00</DatePublic>\n"
        "    </VulinfoData>\n  </Vulinfo>\n";
    const std::string notWellFormed =
        "  <Vulinfo><VulinfoID>JVNDB-2024-000003</VulinfoID><VulinfoData><Title>a b"
        "</Titel></VulinfoData></Vulinfo>\n";
    const std::string badId =
        "  <Vulinfo><VulinfoID>関連文書</VulinfoID><VulinfoData><Title>x</Title></VulinfoData>"
        "</Vulinfo>\n";
    const std::string unclosed =
        "  <Vulinfo><VulinfoID>JVNDB-2024-000005</VulinfoID><VulinfoData><Title>never closed"
        "</Title></VulinfoData>\n";
    const std::string xml = kHead + vulinfo("JVNDB-2024-000001") + poison + notWellFormed + badId +
                            unclosed + vulinfo("JVNDB-2024-000006") + okStatus("6") + kTail;
    const ParseResult result = parseVuldef(xml);
    std::vector<std::string> ids;
    for (const Advisory& a : result.records) {
        ids.push_back(a.id);
    }
    CHECK(ids ==
          std::vector<std::string>{"JVNDB-2024-000001", "JVNDB-2024-000002", "JVNDB-2024-000006"});
    const Advisory& p = recordById(result, "JVNDB-2024-000002");
    CHECK(p.title == "poisoned");
    CHECK(p.cpes.empty());
    REQUIRE(p.affected.size() == 1);
    CHECK(p.affected[0].cpe.empty());
    CHECK(p.affected[0].versions == std::vector<std::string>{"1.0"});
    REQUIRE(p.cvss.size() == 1);
    CHECK(p.cvss[0].version == "2.0");
    CHECK(p.cvss[0].score == 4.0);
    CHECK(p.cvss[0].severity == "Medium");
    CHECK(p.references.size() == 2);
    CHECK(p.aliases == std::vector<std::string>{"JVNVU#12345678"}); // never CWE ids
    REQUIRE(p.history.size() == 1);
    CHECK(p.history[0].number == 0);
    CHECK(!p.history[0].date);
    CHECK(!p.published);
    CHECK(iso(p.modified) == "2024-04-01T00:00:00+09:00"); // DatePublic as the fallback

    const auto problemsOf = [&](const std::string& id) {
        std::vector<const ItemProblem*> out;
        for (const ItemProblem& problem : result.problems) {
            if (problem.itemId == id) {
                out.push_back(&problem);
            }
        }
        return out;
    };
    const auto poisoned = problemsOf("JVNDB-2024-000002");
    REQUIRE(poisoned.size() == 6); // CPE, score, CVE reference, HistoryNo, DateTime, date
    for (const ItemProblem* problem : poisoned) {
        CHECK(problem->position == 2);
    }
    const auto has = [&](const std::vector<const ItemProblem*>& list, const std::string& text) {
        return std::any_of(list.begin(), list.end(), [&](const ItemProblem* problem) {
            return problem->message.find(text) != std::string::npos;
        });
    };
    CHECK(has(poisoned, "cpe:/a:bad vendor:p"));
    CHECK(has(poisoned, "'11.5'"));
    CHECK(has(poisoned, "'not a cve'"));
    CHECK(has(poisoned, "DateFirstPublished"));
    CHECK(has(poisoned, "'yesterday'"));
    const auto broken = problemsOf("JVNDB-2024-000003");
    REQUIRE(broken.size() == 1);
    CHECK(broken[0]->position == 3);
    CHECK(broken[0]->message.find("not well-formed") != std::string::npos);
    const auto noId = problemsOf("");
    REQUIRE(noId.size() == 1);
    CHECK(noId[0]->position == 4);
    CHECK(noId[0]->message.find("関連文書") != std::string::npos);
    const auto open = problemsOf("JVNDB-2024-000005");
    REQUIRE(open.size() == 1);
    CHECK(open[0]->position == 5);
    CHECK(result.problems.size() == 9);
}

TEST_CASE("whole-document errors are ParseErrors", "[feeds][vuldef]") {
    SECTION("a MyJVN error response carries errCd and errMsg") {
        const std::string xml =
            kHead +
            "<status:Status version=\"3.3\" method=\"getVulnDetailInfo\" lang=\"ja\" retCd=\"1\" "
            "retMax=\"\" errCd=\"VD01020003\" errMsg=\"vulnIdは必須です。\" totalRes=\"\" "
            "totalResRet=\"\" firstRes=\"\" feed=\"hnd\"/>" +
            kTail;
        CHECK_THROWS_WITH(parseVuldef(xml), Catch::Matchers::Contains("retCd=1") &&
                                                Catch::Matchers::Contains("VD01020003") &&
                                                Catch::Matchers::Contains("vulnIdは必須です。"));
        VuldefStreamParser parser(nullptr, nullptr);
        parser.feed(xml);
        REQUIRE(parser.status().has_value());
        CHECK(parser.status()->retCd == 1);
        CHECK(parser.status()->errCd == "VD01020003");
        CHECK_THROWS_AS(parser.finish(), ParseError);
    }
    SECTION("another root, or the right name in the wrong namespace") {
        CHECK_THROWS_WITH(parseVuldef("<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3."
                                      "org/1999/02/22-rdf-syntax-ns#\"></rdf:RDF>"),
                          Catch::Matchers::Contains("not a VULDEF document"));
        CHECK_THROWS_WITH(parseVuldef("<VULDEF-Document xmlns=\"urn:other\"></VULDEF-Document>"),
                          Catch::Matchers::Contains("not a VULDEF document"));
        CHECK_THROWS_WITH(parseVuldef("<VULDEF-Document></VULDEF-Document>"),
                          Catch::Matchers::Contains("not a VULDEF document"));
        // the error comes from feed(), before the rest of the document
        VuldefStreamParser parser(nullptr, nullptr);
        CHECK_THROWS_AS(parser.feed("<html><body>"), ParseError);
    }
    SECTION("not XML, empty, or broken outside a Vulinfo") {
        CHECK_THROWS_WITH(parseVuldef("hello"), Catch::Matchers::Contains("not well-formed"));
        CHECK_THROWS_WITH(parseVuldef(""), Catch::Matchers::Contains("empty"));
        CHECK_THROWS_AS(parseVuldef("   \n"), ParseError);
        CHECK_THROWS_AS(parseVuldef(kHead + vulinfo("JVNDB-2024-000001") +
                                    "<sec:handling><a>"
                                    "</b></sec:handling>" +
                                    kTail),
                        ParseError);
        CHECK_THROWS_AS(parseVuldef(kHead + vulinfo("JVNDB-2024-000001") + "</VULDEF-Documentx>"),
                        ParseError);
        CHECK_THROWS_AS(parseVuldef(kHead + kTail + "<extra/>"), ParseError);
        CHECK_THROWS_AS(parseVuldef(kHead + kTail + "<!-- unterminated"), ParseError);
        CHECK_THROWS_AS(parseVuldef("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>" +
                                    kHead.substr(kHead.find("<VULDEF")) + kTail),
                        ParseError);
        CHECK_THROWS_AS(parseVuldef("<!DOCTYPE x [<!ENTITY e \"boom\">]>" +
                                    kHead.substr(kHead.find("<VULDEF")) + kTail),
                        ParseError);
    }
    SECTION("a document whose xmlns declarations were removed gives a clear error") {
        // Written for this project in the shape of the 2020 captures whose test author removed
        // every xmlns declaration: the root keeps its xsi:schemaLocation, whose prefix is now
        // unbound.
        const std::string stripped =
            "<VULDEF-Document version=\"3.2\" xsi:schemaLocation=\"http://jvn.jp/vuldef/ "
            "https://jvndb.jvn.jp/schema/vuldef_3.2.xsd\" xml:lang=\"ja\">" +
            vulinfo("JVNDB-2024-000001") + okStatus() + kTail;
        CHECK_THROWS_WITH(parseVuldef(stripped), Catch::Matchers::Contains("xsi"));
        VuldefStreamParser parser(nullptr, nullptr);
        CHECK_THROWS_AS(feedPieces(parser, stripped, 7), ParseError);
        // the written detail document without its declarations: no VULDEF root any more
        std::string written = readWrittenDetail();
        const std::regex declaration("\\s+xmlns(:[A-Za-z]+)?=\"[^\"]*\"");
        written = std::regex_replace(written, declaration, "");
        REQUIRE(written.find("xmlns") == std::string::npos);
        CHECK_THROWS_AS(parseVuldef(written), ParseError);
    }
}

TEST_CASE("namespace-not-well-formed real captures give a clear error, never a crash",
          "[feeds][vuldef]") {
    // The real bytes: five 2020 API responses whose xmlns declarations a test author removed.
    VW_REQUIRE_FIXTURES();
    const auto dir = vw::test::fixturesDir() / "jvn" / "not_namespace_wellformed";
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        INFO(entry.path().filename().string());
        const std::string xml = vw::test::readFile(entry.path());
        CHECK_THROWS_AS(parseVuldef(xml), ParseError);
        try {
            parseVuldef(xml);
        } catch (const ParseError& e) {
            CHECK(std::string(e.what()).size() > 10);
        }
        ++files;
    }
    CHECK(files >= 5);
    CHECK_THROWS_WITH(parseVuldef(vw::test::readFile(
                          dir / "kazukiigeta_go-myjvn_getVulnDetailInfo_en_2020_1.xml")),
                      Catch::Matchers::Contains("xsi"));
}

TEST_CASE("prefixes, attributes with angle brackets, markup and xml:lang are handled",
          "[feeds][vuldef]") {
    // Synthetic document written for this project.
    const std::string xml =
        "\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?>\n<!-- <VULDEF-Document> -->\n"
        "<?pi with <Vulinfo> inside?>\n"
        "<v:VULDEF-Document xmlns:v=\"http://jvn.jp/vuldef/\" data-x=\"a > b\" "
        "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" xml:lang=\"en\">\n"
        "  <v:Vulinfo note=\"/v:Vulinfo> and > and '\" other='\"/>'>\n"
        "    <v:VulinfoID>JVNDB-2024-000010</v:VulinfoID>\n"
        "    <v:VulinfoData><v:Title><![CDATA[a <b> title]]></v:Title>\n"
        "      <v:VulinfoDescription><v:Overview>o</v:Overview></v:VulinfoDescription>\n"
        "      <x:Extra xmlns:x=\"urn:x\"><v:Title>not mine</v:Title></x:Extra>\n"
        "      <v:Affected><v:AffectedItem><v:Name>n</v:Name><v:Cpe>cpe:/a:n:p</v:Cpe>"
        "</v:AffectedItem><v:AffectedItem><v:Name>n2</v:Name><v:Cpe>cpe:/a:n:p</v:Cpe>"
        "</v:AffectedItem></v:Affected>\n"
        "    </v:VulinfoData>\n  </v:Vulinfo>\n"
        "  <v:Vulinfo xml:lang=\"ja\"><v:VulinfoID>JVNDB-2024-000011</v:VulinfoID>"
        "<v:VulinfoData><v:Title>t</v:Title></v:VulinfoData></v:Vulinfo>\n"
        "  <Vulinfo><VulinfoID>JVNDB-2024-000012</VulinfoID></Vulinfo>\n"         // no namespace
        "  <v:Vulinfo><u:VulinfoID>JVNDB-2024-000013</u:VulinfoID></v:Vulinfo>\n" // unbound
        "  <v:Other/>\n"
        "</v:VULDEF-Document>\n<!-- trailing comment -->\n";
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, xml.size()}) {
        INFO("piece " << piece);
        const Streamed streamed = streamInPieces(xml, piece);
        const ParseResult& result = streamed.result;
        CHECK(streamed.itemsSeen == 4);
        CHECK(!result.status);
        REQUIRE(result.records.size() == 2);
        const Advisory& a = result.records[0];
        CHECK(a.id == "JVNDB-2024-000010");
        CHECK(a.title == "a <b> title");
        CHECK(a.url == "https://jvndb.jvn.jp/en/contents/2024/JVNDB-2024-000010.html");
        CHECK(a.cpes == std::vector<std::string>{"cpe:/a:n:p"}); // unique
        CHECK(a.affected.size() == 2);
        CHECK(!a.published);
        CHECK(!a.modified);
        CHECK(result.records[1].url ==
              "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000011.html");
        REQUIRE(result.problems.size() == 2);
        CHECK(result.problems[0].position == 3);
        CHECK(result.problems[0].message.find("namespace") != std::string::npos);
        CHECK(result.problems[1].position == 4);
        CHECK(result.problems[1].message.find("'u'") != std::string::npos);
    }
}

TEST_CASE("a Vulinfo's own namespace declarations and look-alike end tags are respected",
          "[feeds][vuldef]") {
    // Synthetic document written for this project. The parser finds a Vulinfo's end at the
    // first end tag of its name and resolves prefixes from the root's declarations, except when
    // the Vulinfo could prove either wrong: these entries do.
    const std::string xml =
        kHead +
        // the default namespace redeclared inside: this Title is not VULDEF's
        "  <Vulinfo><VulinfoID>JVNDB-2024-000020</VulinfoID><VulinfoData>"
        "<Title>the title</Title><Title xmlns=\"urn:other\">not the title</Title>"
        "</VulinfoData></Vulinfo>\n"
        // a prefix of the root rebound inside the Vulinfo
        "  <Vulinfo xmlns:vuldef=\"urn:other\"><VulinfoID>JVNDB-2024-000021</VulinfoID>"
        "<VulinfoData><Title>kept</Title><vuldef:Title>rebound</vuldef:Title></VulinfoData>"
        "</Vulinfo>\n"
        // an end tag inside a comment and a CDATA section is not the end
        "  <Vulinfo><VulinfoID>JVNDB-2024-000022</VulinfoID><!-- </Vulinfo> -->"
        "<VulinfoData><Title><![CDATA[</Vulinfo> in a title]]></Title></VulinfoData>"
        "</Vulinfo>\n" +
        vulinfo("JVNDB-2024-000023") + kTail;
    for (std::size_t piece : {std::size_t{1}, std::size_t{5}, xml.size()}) {
        INFO("piece " << piece);
        const ParseResult result = streamInPieces(xml, piece).result;
        CHECK(result.problems.empty());
        REQUIRE(result.records.size() == 4);
        CHECK(result.records[0].title == "the title");
        CHECK(result.records[1].title == "kept");
        CHECK(result.records[2].id == "JVNDB-2024-000022");
        CHECK(result.records[2].title == "</Vulinfo> in a title");
        CHECK(result.records[3].title == "synthetic entry JVNDB-2024-000023");
    }
}

TEST_CASE("a broken Vulinfo gives the same result whole and in pieces", "[feeds][vuldef]") {
    // Found by fuzz_feeds: a quote that never closes inside a tag hides the end tags after it
    // from the tag-by-tag scan; the quick end-tag search must not see them either.
    const std::string xml = kHead +
                            "  <Vulinfo><VulinfoID>JVNDB-2024-000030</VulinfoID><VulinfoData>"
                            "<Title note='open>t</Title></VulinfoData></Vulinfo>\n" +
                            vulinfo("JVNDB-2024-000031") + kTail;
    const Collected whole = feedInPieces(xml, xml.size());
    CHECK_THAT(whole.error, Catch::Contains("truncated"));
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
        INFO("piece " << piece);
        const Collected pieces = feedInPieces(xml, piece);
        CHECK(pieces.records == whole.records);
        CHECK(pieces.problems == whole.problems);
        CHECK(pieces.error == whole.error);
    }
}

TEST_CASE("withdrawn markers in the title or overview set withdrawn", "[feeds][vuldef]") {
    std::string entry = vulinfo("JVNDB-2024-000020");
    entry.replace(entry.find("overview of"), 11, "** 削除 ** overview of");
    const ParseResult result = parseVuldef(kHead + entry + vulinfo("JVNDB-2024-000021") + kTail);
    REQUIRE(result.records.size() == 2);
    CHECK(result.records[0].withdrawn);
    CHECK(!result.records[1].withdrawn);
}

TEST_CASE("detection finds a VULDEF root after a comment or a spaced declaration",
          "[feeds][vuldef]") {
    CHECK(vw::detectFormat(kHead + kTail) == "vuldef");
    CHECK(vw::detectFormat("<!-- a comment naming rdf:RDF -->\n<VULDEF-Document "
                           "xmlns=\"http://jvn.jp/vuldef/\"/>") == "vuldef");
    CHECK(vw::detectFormat("<?xml version=\"1.0\" ?>    \n<vuldef:VULDEF-Document "
                           "xmlns:vuldef=\"http://jvn.jp/vuldef/\"/>") == "vuldef");
    CHECK(vw::detectFormat("<?xml version=\"1.0\"?>\n<!-- VULDEF-Document -->\n<rdf:RDF/>") ==
          "jvn-rss");
    CHECK(vw::parseDocument(kHead + vulinfo("JVNDB-2024-000030") + kTail, "auto").records.size() ==
          1);
}

TEST_CASE("memory stays bounded while streaming 20000 Vulinfo in 64 KiB pieces",
          "[feeds][vuldef]") {
    // Synthetic document written for this project, generated piece by piece.
    const std::string one =
        vulinfo("JVNDB-2024-000000",
                "<Affected><AffectedItem><Name>v</Name><ProductName>p</ProductName><Cpe "
                "version=\"2.2\">cpe:/a:v:p</Cpe><VersionNumber>1.0</VersionNumber>"
                "</AffectedItem></Affected><Impact><Cvss version=\"3.0\"><Severity "
                "type=\"Base\">High</Severity><Base>7.5</Base><Vector>CVSS:3.0/AV:N/AC:L/PR:N/"
                "UI:N/S:U/C:H/I:N/A:N</Vector></Cvss></Impact><Related><RelatedItem "
                "type=\"advisory\"><Name>Common Vulnerabilities and Exposures (CVE)</Name>"
                "<VulinfoID>CVE-2024-10000</VulinfoID><URL>https://www.cve.org/</URL>"
                "</RelatedItem></Related>");
    const std::size_t idAt = one.find("000000");
    constexpr std::size_t total = 20000;
    std::size_t records = 0;
    std::size_t problems = 0;
    std::size_t maxBuffered = 0;
    std::size_t bytes = 0;
    VuldefStreamParser parser([&](Advisory&&) { ++records; }, [&](ItemProblem&&) { ++problems; });
    std::string pending = kHead;
    const auto flush = [&](bool all) {
        constexpr std::size_t piece = 64 * 1024;
        std::size_t at = 0;
        while (pending.size() - at >= piece || (all && at < pending.size())) {
            const std::size_t n = std::min(piece, pending.size() - at);
            parser.feed(std::string_view(pending).substr(at, n));
            bytes += n;
            at += n;
            maxBuffered = std::max(maxBuffered, parser.bufferedBytes());
        }
        pending.erase(0, at);
    };
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 1; i <= total; ++i) {
        std::string entry = one;
        const std::string serial = std::to_string(i);
        entry.replace(idAt + 6 - serial.size(), serial.size(), serial);
        pending += entry;
        flush(false);
    }
    pending += okStatus(std::to_string(total)) + kTail;
    flush(true);
    parser.finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(records == total);
    CHECK(problems == 0);
    CHECK(parser.itemsSeen() == total);
    REQUIRE(parser.status().has_value());
    CHECK(parser.status()->totalRes == static_cast<long>(total));
    CHECK(bytes > 15 * 1024 * 1024);
    CHECK(maxBuffered < 400 * 1024);
    WARN("streamed " << bytes / (1024 * 1024) << " MiB, max buffered " << maxBuffered << " bytes, "
                     << (static_cast<double>(bytes) / 1e6) / seconds << " MB/s");
}

TEST_CASE("A NUL byte stops a VULDEF stream at the same place whatever the pieces",
          "[feeds][vuldef][stream]") {
    // The Vulinfo complete before the NUL are read, then the document is refused, in one piece
    // and in small ones alike (found by fuzz_feeds).
    std::string doc = vw::test::syntheticVuldefHead(3, 40);
    const auto third = doc.rfind("<Vulinfo");
    REQUIRE(third != std::string::npos);
    doc.insert(third + 3, std::string(1, '\0'));
    doc += "</VULDEF-Document>\n";
    const auto whole = vw::test::feedInPieces(doc, doc.size() + 1);
    CHECK(whole.records.size() == 2);
    CHECK_THAT(whole.error,
               Catch::Contains("a NUL byte at byte offset " + std::to_string(third + 3)));
    for (const std::size_t piece : {std::size_t{1}, std::size_t{93}, std::size_t{4096}}) {
        INFO("pieces of " << piece);
        const auto pieces = vw::test::feedInPieces(doc, piece);
        CHECK(pieces.records == whole.records);
        CHECK(pieces.problems == whole.problems);
        CHECK(pieces.error == whole.error);
    }
}
