#include "core/cpe.h"
#include "core/datetime.h"
#include "core/ids.h"
#include "helpers/fixtures.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

/// The text of every `<tag …>text</tag>` element in `xml` (no nesting, no CDATA).
std::vector<std::string> elementTexts(const std::string& xml, const std::string& tag) {
    const std::string open = "<" + tag;
    const std::string close = "</" + tag + ">";
    std::vector<std::string> texts;
    std::size_t pos = 0;
    while ((pos = xml.find(open, pos)) != std::string::npos) {
        pos += open.size();
        if (xml[pos] != '>' && xml[pos] != ' ') {
            continue; // a longer tag name with the same prefix
        }
        const std::size_t begin = xml.find('>', pos);
        const std::size_t end = xml.find(close, begin);
        REQUIRE(begin != std::string::npos);
        REQUIRE(end != std::string::npos);
        texts.push_back(xml.substr(begin + 1, end - begin - 1));
        pos = end + close.size();
    }
    return texts;
}

} // namespace

TEST_CASE("extractIds on the real JPCERT alert pages", "[core][ids][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string log4j =
        vw::test::readFile(vw::test::fixturesDir() / "jvn" / "jpcert_at210050_alert_page.html");
    CHECK(vw::extractIds(log4j) == std::vector<std::string>{"CVE-2021-44228", "JPCERT-AT-2021-0050",
                                                            "CVE-2021-45046", "CVE-2021-45105",
                                                            "JVNVU#96768815"});

    const std::string old =
        vw::test::readFile(vw::test::fixturesDir() / "jvn" / "jpcert_at110008_alert_page.html");
    const auto ids = vw::extractIds(old);
    CHECK(std::find(ids.begin(), ids.end(), "JPCERT-AT-2011-0008") != ids.end());
    // The old six-digit JVNVU form from jvn.jp/cert/JVNVU323172/; CERT/CC's own VU#323172
    // link on the same page adds nothing else.
    CHECK(std::find(ids.begin(), ids.end(), "JVNVU#323172") != ids.end());
    for (const auto& id : ids) {
        INFO(id);
        CHECK(vw::idKind(id));
    }
}

TEST_CASE("Every date and CPE in the real JVN RSS feed parses", "[core][datetime][cpe][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string rss =
        vw::test::readFile(vw::test::fixturesDir() / "jvn" / "jvndb_new_2023-11_trimmed.rdf");

    std::vector<std::string> dates = elementTexts(rss, "dc:date");
    for (const char* tag : {"dcterms:issued", "dcterms:modified"}) {
        const auto more = elementTexts(rss, tag);
        dates.insert(dates.end(), more.begin(), more.end());
    }
    REQUIRE(dates.size() >= 3);
    for (const auto& text : dates) {
        INFO(text);
        const auto value = vw::parseIsoDateTime(text);
        REQUIRE(value);
        CHECK(value->offsetMinutes == 540);
        CHECK(value->epoch > 1698796800); // after 2023-11-01T00:00:00Z
        CHECK(value->epoch < 1701388800); // before 2023-12-01T00:00:00Z
    }
    CHECK(std::count(dates.begin(), dates.end(), "2023-11-02T11:57+09:00") >= 1);

    const auto cpes = elementTexts(rss, "sec:cpe");
    REQUIRE_FALSE(cpes.empty());
    for (const auto& text : cpes) {
        INFO(text);
        CHECK(vw::parseCpe(text));
    }
}
