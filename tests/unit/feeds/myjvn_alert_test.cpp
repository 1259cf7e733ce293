// parseMyJvnAlertList (MyJVN getAlertList, IPA 注意警戒情報) against the real official example
// (XML, with its JSON twin as an independent reading of the same content), the namespace-stripped
// 2020 capture, and alert lists written for the project (helpers/alert_list.h), which run on a
// bare clone.
#include "core/datetime.h"
#include "feeds/parse/document.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/myjvn_alert.h"
#include "helpers/alert_list.h"
#include "helpers/fixtures.h"
#include "helpers/records.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using vw::test::iso;
using vw::test::recordById;

using vw::Advisory;
using vw::ParseError;
using vw::parseMyJvnAlertList;
using vw::ParseResult;
using Ids = std::vector<std::string>;

std::string readJvn(const std::string& name) {
    return vw::test::readFile(vw::test::fixturesDir() / "jvn" / name);
}

std::string entry(const std::string& id, const std::string& inner = "") {
    return "  <entry>\n    <title>alert " + id + "</title>\n    <id>" + id + "</id>\n" +
           "    <updated>2025-04-01T10:00:00+09:00</updated>\n" + inner + "  </entry>\n";
}

} // namespace

// --- documents written for the project ---------------------------------------------------------

TEST_CASE("myjvn-alert: the Log4j alert yields one record with the ids its items name",
          "[feeds][myjvn-alert]") {
    const ParseResult result = parseMyJvnAlertList(
        vw::test::alertList(vw::test::log4jAlertEntry(), vw::test::alertListStatus(1, 1, 1)));
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.source == "myjvn-alert");
    CHECK(a.id == "JPCERT-AT-2021-0050");
    CHECK(a.aliases == Ids{"CVE-2021-44228", "CVE-2021-45046", "JVNVU#96768815"});
    CHECK(a.title == "Apache Log4j の脆弱性対策について(CVE-2021-44228)");
    CHECK(a.summary.starts_with("Apache Log4j に任意のコード"));
    CHECK(a.url == "https://www.jpcert.or.jp/at/2021/at210050.html");
    CHECK(iso(a.published) == "2021-12-11T10:12:00+09:00");
    CHECK(iso(a.modified) == "2021-12-17T17:46:00+09:00");
    CHECK(a.cpes == Ids{"cpe:/a:apache:log4j"}); // named twice (once padded): kept once
    REQUIRE(a.references.size() == 2);
    CHECK(a.references[0].source == "JVN");
    CHECK(a.references[0].id == "JVNVU#96768815");
    CHECK(a.references[0].url == "https://jvn.jp/vu/JVNVU96768815/");
    CHECK(a.references[1].source == "Apache Log4j Security Vulnerabilities");
    CHECK(a.references[1].id == "MYJVN-ALT-2021-0050-0002");
    CHECK(a.references[1].url == "https://logging.apache.org/log4j/2.x/security.html");
    CHECK(a.cvss.empty());
    CHECK(a.affected.empty());
    CHECK_FALSE(a.withdrawn);
    REQUIRE(result.status.has_value());
    CHECK(result.status->method == "getAlertList");
    CHECK(result.status->retCd == 0);
    CHECK(result.status->totalRes == 1);
    CHECK(result.status->totalResRet == 1);
    CHECK(result.status->firstRes == 1);
}

TEST_CASE("myjvn-alert: the no-match placeholder yields nothing", "[feeds][myjvn-alert]") {
    const ParseResult result = parseMyJvnAlertList(
        vw::test::alertList(vw::test::noMatchEntry(), vw::test::alertListStatus(0, 0, 0)));
    CHECK(result.records.empty());
    CHECK(result.problems.empty());
    REQUIRE(result.status.has_value());
    CHECK(result.status->totalRes == 0);
    SECTION("also when it is the summary that says so, next to a real alert") {
        const ParseResult mixed = parseMyJvnAlertList(vw::test::alertList(
            entry("MYJVN-ALT-2025-0001", "    <summary>該当する脆弱性対策情報はありません。"
                                         "</summary>\n") +
                vw::test::log4jAlertEntry(),
            vw::test::alertListStatus(1, 1, 1)));
        REQUIRE(mixed.records.size() == 1);
        CHECK(mixed.records[0].id == "JPCERT-AT-2021-0050");
    }
}

TEST_CASE("myjvn-alert: an error status is an error, not an empty list", "[feeds][myjvn-alert]") {
    // The error code third-party fixtures show for a bad datePublished (docs/jvn-formats.md §2.3).
    const std::string status = vw::test::alertListStatus(
        0, 0, 0, 1, "AL0703019", "datePublishedは整数4桁で指定してください。");
    SECTION("a feed with nothing but the status") {
        CHECK_THROWS_WITH(parseMyJvnAlertList(vw::test::alertList("", status)),
                          Catch::Contains("retCd=1") && Catch::Contains("AL0703019") &&
                              Catch::Contains("datePublishedは整数4桁"));
    }
    SECTION("even with entries") {
        CHECK_THROWS_AS(
            parseMyJvnAlertList(vw::test::alertList(vw::test::log4jAlertEntry(), status)),
            ParseError);
    }
    SECTION("a bare status element") {
        CHECK_THROWS_WITH(
            parseMyJvnAlertList("<status:Status xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" "
                                "method=\"getAlertList\" retCd=\"1\" errCd=\"AL01020003\" "
                                "errMsg=\"x\"/>"),
            Catch::Contains("AL01020003"));
    }
    SECTION("a malformed retCd counts as an error") {
        CHECK_THROWS_AS(parseMyJvnAlertList(vw::test::alertList(
                            "", "<status:Status method=\"getAlertList\" retCd=\"x\"/>")),
                        ParseError);
    }
}

TEST_CASE("myjvn-alert: a bad entry is a problem, the others come through",
          "[feeds][myjvn-alert]") {
    const std::string entries =
        entry("MYJVN-ALT-2025-0001") +                               // 1: fine
        "  <entry>\n    <title>no id at all</title>\n  </entry>\n" + // 2: skipped
        entry("MYJVN ALT 2025") +                                    // 3: skipped
        entry("MYJVN-ALT-2025-0004",                                 // 4: kept, 2 drops
              "    <published>2025-13-45</published>\n"
              "    <sec:items><sec:item><sec:cpe>cpe:/a:x y:z</sec:cpe>"
              "<sec:cpe>cpe:/a:vendor:product</sec:cpe></sec:item></sec:items>\n") +
        entry("  jpcert-at-2025-0005  ") + // 5: normalized
        vw::test::log4jAlertEntry();       // 6
    const ParseResult result =
        parseMyJvnAlertList(vw::test::alertList(entries, vw::test::alertListStatus(6, 6, 1)));
    REQUIRE(result.records.size() == 4);
    CHECK(result.records[0].id == "MYJVN-ALT-2025-0001");
    CHECK(result.records[1].id == "MYJVN-ALT-2025-0004");
    CHECK(result.records[2].id == "JPCERT-AT-2025-0005");
    CHECK(result.records[3].id == "JPCERT-AT-2021-0050");
    const Advisory& four = result.records[1];
    CHECK_FALSE(four.published.has_value());
    CHECK(iso(four.modified) == "2025-04-01T10:00:00+09:00");
    CHECK(four.cpes == Ids{"cpe:/a:vendor:product"});
    CHECK(four.references.empty()); // an item with neither title, identifier nor link
    REQUIRE(result.problems.size() == 4);
    CHECK(result.problems[0].position == 2);
    CHECK(result.problems[0].itemId.empty());
    CHECK_THAT(result.problems[0].message, Catch::Contains("no <id>"));
    CHECK(result.problems[1].position == 3);
    CHECK_THAT(result.problems[1].message, Catch::Contains("spaces or control characters"));
    CHECK(result.problems[2].position == 4);
    CHECK(result.problems[2].itemId == "MYJVN-ALT-2025-0004");
    CHECK_THAT(result.problems[2].message, Catch::Contains("published '2025-13-45'"));
    CHECK(result.problems[3].itemId == "MYJVN-ALT-2025-0004");
    CHECK_THAT(result.problems[3].message, Catch::Contains("sec:cpe 'cpe:/a:x y:z'"));
}

TEST_CASE("myjvn-alert: Atom details and namespace forms", "[feeds][myjvn-alert]") {
    SECTION("the alternate link wins; html and xhtml text constructs become plain text") {
        const ParseResult r = parseMyJvnAlertList(vw::test::alertList(
            "  <entry>\n"
            "    <title type=\"html\">&lt;b&gt;Important&lt;/b&gt; update &amp;amp; fix</title>\n"
            "    <summary type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">see "
            "<a href=\"https://jvn.jp/jp/JVN12345678/\">JVN#12345678</a> now</div></summary>\n"
            "    <id>MYJVN-ALT-2025-0100</id>\n"
            "    <link rel=\"related\" href=\"https://example.jp/related\" />\n"
            "    <link rel=\"alternate\" href=\" https://www.ipa.go.jp/security/alert \" />\n"
            "  </entry>\n",
            vw::test::alertListStatus(1, 1, 1)));
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].title == "Important update & fix");
        CHECK(r.records[0].summary == "see JVN#12345678 now");
        CHECK(r.records[0].url == "https://www.ipa.go.jp/security/alert");
        CHECK(r.records[0].aliases == Ids{"JVN#12345678"});
    }
    SECTION("mod_sec declared with https (as the getAlertList documentation does) and a "
            "sec:item outside sec:items") {
        std::string doc = vw::test::alertList(
            entry("MYJVN-ALT-2025-0101",
                  "    <s:item xmlns:s=\"https://jvn.jp/rss/mod_sec/3.0/\"><s:identifier>"
                  "CVE-2025-0101</s:identifier><s:cpe>cpe:/a:v:p</s:cpe></s:item>\n"),
            vw::test::alertListStatus(1, 1, 1));
        const ParseResult r = parseMyJvnAlertList(doc);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].aliases == Ids{"CVE-2025-0101"});
        CHECK(r.records[0].cpes == Ids{"cpe:/a:v:p"});
        REQUIRE(r.records[0].references.size() == 1);
        CHECK(r.records[0].references[0].source == "MyJVN"); // the item has no title
    }
    SECTION("elements of other namespaces are not read") {
        const ParseResult r = parseMyJvnAlertList(vw::test::alertList(
            entry("MYJVN-ALT-2025-0102",
                  "    <x:items xmlns:x=\"urn:other\"><x:item><x:identifier>CVE-2025-0102"
                  "</x:identifier></x:item></x:items>\n"),
            vw::test::alertListStatus(1, 1, 1)));
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].aliases.empty());
        CHECK(r.records[0].references.empty());
    }
    SECTION("a withdrawn marker") {
        const ParseResult r = parseMyJvnAlertList(vw::test::alertList(
            entry("MYJVN-ALT-2025-0103", "    <summary>** 削除 ** 取り下げ</summary>\n"),
            vw::test::alertListStatus(1, 1, 1)));
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].withdrawn);
    }
}

TEST_CASE("myjvn-alert: documents that are no alert list throw ParseError",
          "[feeds][myjvn-alert]") {
    CHECK_THROWS_AS(parseMyJvnAlertList(""), ParseError);
    CHECK_THROWS_AS(
        parseMyJvnAlertList(vw::test::alertList(vw::test::log4jAlertEntry(), "").substr(0, 900)),
        ParseError);
    CHECK_THROWS_WITH(parseMyJvnAlertList("<feed><entry/></feed>"),
                      Catch::Contains("expected an Atom <feed>"));
    CHECK_THROWS_WITH(parseMyJvnAlertList("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/"
                                          "22-rdf-syntax-ns#\"><a/></rdf:RDF>"),
                      Catch::Contains("expected an Atom <feed>"));
    CHECK_THROWS_WITH(parseMyJvnAlertList("<feed xmlns=\"http://www.w3.org/2005/Atom\">"
                                          "<sec:items/></feed>"),
                      Catch::Contains("prefix 'sec' is not declared"));
    // nothing but a successful status: no records
    const ParseResult empty = parseMyJvnAlertList(
        "<status:Status xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" method=\"getAlertList\" "
        "retCd=\"0\" totalRes=\"0\" totalResRet=\"0\" firstRes=\"\"/>");
    CHECK(empty.records.empty());
    REQUIRE(empty.status.has_value());
    CHECK(empty.status->method == "getAlertList");
}

TEST_CASE("myjvn-alert: format detection and parseDocument", "[feeds][myjvn-alert]") {
    const std::string doc =
        vw::test::alertList(vw::test::log4jAlertEntry(), vw::test::alertListStatus(1, 1, 1));
    CHECK(vw::detectFormat(doc) == "myjvn-alert");
    // the feed id alone (a response cut before its status) is enough
    CHECK(vw::detectFormat(doc.substr(0, 1500)) == "myjvn-alert");
    CHECK(vw::detectFormat("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>blog</title>"
                           "</feed>") == "");
    const auto formats = vw::documentFormats();
    CHECK(std::find(formats.begin(), formats.end(), "myjvn-alert") != formats.end());
    CHECK(vw::parseDocument(doc, "auto").records.at(0).id == "JPCERT-AT-2021-0050");
    CHECK(vw::parseDocument(doc, "myjvn-alert").records.size() == 1);
    CHECK_THROWS_AS(vw::parseDocument(doc, "jvn-rss"), ParseError);
    CHECK_THROWS_WITH(vw::parseDocument(doc, "atom"), Catch::Contains("myjvn-alert"));
}

// --- the real fixtures ---------------------------------------------------------------------------

TEST_CASE("myjvn-alert: the official getAlertList example", "[feeds][myjvn-alert][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string xml = readJvn("myjvn_getAlertList_hnd.xml");
    CHECK(vw::detectFormat(xml) == "myjvn-alert");
    const ParseResult result = parseMyJvnAlertList(xml);
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 2);
    const Advisory& info = recordById(result, "MYJVN-ALT-2025-0000");
    CHECK(info.source == "myjvn-alert");
    CHECK(info.title == "MyJVN APIに関するセキュリティ情報");
    CHECK(info.summary == "更新に関する連絡です。");
    CHECK(info.url == "https://www.ipa.go.jp/security/");
    CHECK(iso(info.published) == "2025-04-04T14:45:58+09:00");
    CHECK(iso(info.modified) == "2025-04-26T07:36:21+09:00");
    CHECK(info.cpes == Ids{"cpe:/a:dendai.ac.jp:myjvn_api"});
    REQUIRE(info.references.size() == 2);
    CHECK(info.references[0].source == "IPA security-alert");
    CHECK(info.references[0].id == "MYJVN-ALT-2025-0000-0001");
    CHECK(info.references[0].url == "https://www.ipa.go.jp/security/security-alert/");
    CHECK(info.references[1].id == "MYJVN-ALT-2025-0000-0002");
    CHECK(info.aliases.empty()); // it names no vulnerability
    const Advisory& wp = recordById(result, "MYJVN-ALT-2025-0011");
    CHECK(wp.title == "WordPress に関するソフトウェア更新情報 (2025年2月12日 公開)");
    CHECK(wp.summary.empty()); // the entry has no summary and no link
    CHECK(wp.url.empty());
    CHECK(wp.cpes == Ids{"cpe:/a:wordpress:wordpress"});
    REQUIRE(wp.references.size() == 1);
    CHECK(wp.references[0].source == "Download WordPress (6.7.2)");
    CHECK(wp.references[0].url == "https://wordpress.org/download/");
    REQUIRE(result.status.has_value());
    CHECK(result.status->method == "getAlertList");
    CHECK(result.status->totalRes == 2);
    CHECK(result.status->totalResRet == 2);
    CHECK(result.status->firstRes == 1);
    // not RSS: the RSS parser keeps refusing it
    CHECK_THROWS_AS(vw::parseJvnRss(xml), ParseError);
}

TEST_CASE("myjvn-alert: the XML example agrees with its JSON twin",
          "[feeds][myjvn-alert][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result = parseMyJvnAlertList(readJvn("myjvn_getAlertList_hnd.xml"));
    Poco::JSON::Parser parser;
    const auto root =
        parser.parse(readJvn("myjvn_getAlertList_hnd.json")).extract<Poco::JSON::Object::Ptr>();
    const auto entries = root->getObject("feed")->getArray("entry");
    REQUIRE(entries->size() == result.records.size());
    for (std::size_t i = 0; i < entries->size(); ++i) {
        const auto e = entries->getObject(static_cast<unsigned>(i));
        const Advisory& a = result.records[i];
        INFO(a.id);
        CHECK(a.id == e->getValue<std::string>("id"));
        CHECK(a.title == e->getValue<std::string>("title"));
        CHECK(a.summary == e->optValue<std::string>("summary", ""));
        CHECK(a.url == e->optValue<std::string>("link", ""));
        CHECK(iso(a.published) == e->getValue<std::string>("published"));
        // the JSON example spells the first entry's key "update"
        const std::string updated = e->has("updated") ? e->getValue<std::string>("updated")
                                                      : e->getValue<std::string>("update");
        CHECK(iso(a.modified) == updated);
        const auto items = e->getArray("sec:items");
        REQUIRE(items->size() == a.references.size());
        std::vector<std::string> cpes;
        for (std::size_t j = 0; j < items->size(); ++j) {
            const auto item = items->getObject(static_cast<unsigned>(j))->getObject("sec:item");
            CHECK(a.references[j].source == item->getValue<std::string>("sec:title"));
            CHECK(a.references[j].id == item->getValue<std::string>("sec:identifier"));
            CHECK(a.references[j].url == item->getValue<std::string>("sec:link"));
            const auto itemCpes = item->getArray("sec:cpe");
            for (std::size_t k = 0; k < itemCpes->size(); ++k) {
                const std::string cpe =
                    itemCpes->getObject(static_cast<unsigned>(k))->getValue<std::string>("value");
                if (std::find(cpes.begin(), cpes.end(), cpe) == cpes.end()) {
                    cpes.push_back(cpe);
                }
            }
        }
        CHECK(a.cpes == cpes);
    }
}

TEST_CASE("myjvn-alert: the 2020 capture whose xmlns declarations were removed",
          "[feeds][myjvn-alert][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string xml =
        readJvn("not_namespace_wellformed/kazukiigeta_go-myjvn_getAlertList_2020_1.xml");
    // Its status names the method: detected as an alert list, and refused as the other
    // parsers refuse these captures (undeclared prefixes).
    CHECK(vw::detectFormat(xml) == "myjvn-alert");
    CHECK_THROWS_WITH(parseMyJvnAlertList(xml), Catch::Contains("is not declared"));
    SECTION("with the declarations put back, its content reads") {
        std::string restored = xml;
        const std::string declarations =
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            "xmlns:sec=\"http://jvn.jp/rss/mod_sec/3.0/\" "
            "xmlns:marking=\"http://data-marking.mitre.org/Marking-1\" "
            "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" ";
        REQUIRE(restored.starts_with("<feed "));
        restored.replace(0, 6, declarations);
        const ParseResult result = parseMyJvnAlertList(restored);
        CHECK(result.problems.empty());
        REQUIRE(result.records.size() == 1);
        const Advisory& a = result.records[0];
        CHECK(a.id == "id"); // the test author's placeholder, kept as written
        CHECK(iso(a.published) == "2020-01-15T12:04:14+09:00");
        CHECK(iso(a.modified) == "2020-01-15T12:04:14+09:00");
        REQUIRE(a.references.size() == 2);
        CHECK(a.references[0].source == "Microsoft 製品の脆弱性対策について(2020年1月)");
        CHECK(a.references[0].id == "MYJVN-ALT-2020-0002-0001");
        CHECK(a.references[0].url == "https://www.ipa.go.jp/security/ciadr/vul/20200115-ms.html");
        CHECK(a.references[1].id == "MYJVN-ALT-2020-0002-0002");
        // retCd 0 with errCd/errMsg filled in by the test author: a success all the same
        REQUIRE(result.status.has_value());
        CHECK(result.status->retCd == 0);
        CHECK(result.status->totalRes == 54);
        CHECK(result.status->totalResRet == 1);
        CHECK(result.status->firstRes == 1);
    }
}
