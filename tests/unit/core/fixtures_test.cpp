#include "core/cpe.h"
#include "core/datetime.h"
#include "core/ids.h"
#include "helpers/fixtures.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

/// The text of every `<tag …>text</tag>` element in `xml` (no nesting, no CDATA); empty
/// elements (`<tag/>`, `<tag …/>`) are left out.
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
        REQUIRE(begin != std::string::npos);
        if (xml[begin - 1] == '/') {
            pos = begin + 1;
            continue; // an empty element
        }
        const std::size_t end = xml.find(close, begin);
        REQUIRE(end != std::string::npos);
        texts.push_back(xml.substr(begin + 1, end - begin - 1));
        pos = end + close.size();
    }
    return texts;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    return first == std::string::npos
               ? std::string()
               : text.substr(first, text.find_last_not_of(" \t\r\n") + 1 - first);
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

TEST_CASE("Every date and CPE in the written JVN iPedia and MyJVN feeds parses",
          "[core][datetime][cpe]") {
    // Documents written for the project in the real formats: the jvndb_new.rdf of the demo
    // (dates without seconds, mod_sec) and a getVulnOverviewList response (dates with seconds,
    // CPEs on their own indented lines, an empty dcterms:issued).
    struct Expected {
        std::filesystem::path file;
        std::size_t dates;
        const char* earliest;
        const char* latest;
        std::vector<std::string> cpes;
    };
    const auto source = vw::test::sourceDir();
    const Expected expected[] = {
        {source / "demo" / "feeds" / "jvndb_new_demo.rdf",
         14,
         "2021-12-14T16:37:00+09:00",
         "2023-11-02T12:00:16+09:00",
         {"cpe:/a:apache:log4j", "cpe:/o:linux:linux_kernel", "cpe:/a:misc:ruby-git_ruby-git",
          "cpe:/a:resumebuilder:resume_builder"}},
        {source / "tests" / "data" / "jvn" / "myjvn_getVulnOverviewList_written_for_vulnwatch.xml",
         8,
         "2021-12-21T15:19:00+09:00",
         "2024-06-03T07:30:12+09:00",
         {"cpe:/h:healthcare-gateway:hg-200", "cpe:/a:apache:log4j"}},
    };
    for (const Expected& e : expected) {
        INFO(e.file.filename().string());
        const std::string rss = vw::test::readFile(e.file);
        std::vector<std::string> dates = elementTexts(rss, "dc:date");
        for (const char* tag : {"dcterms:issued", "dcterms:modified"}) {
            const auto more = elementTexts(rss, tag);
            dates.insert(dates.end(), more.begin(), more.end());
        }
        CHECK(dates.size() == e.dates);
        std::vector<vw::DateTime> values;
        for (const auto& text : dates) {
            INFO(text);
            const auto value = vw::parseIsoDateTime(text);
            REQUIRE(value);
            CHECK(value->offsetMinutes == 540);
            values.push_back(*value);
        }
        REQUIRE_FALSE(values.empty());
        const auto [earliest, latest] = std::minmax_element(
            values.begin(), values.end(),
            [](const vw::DateTime& a, const vw::DateTime& b) { return a.epoch < b.epoch; });
        CHECK(vw::formatIsoDateTime(*earliest) == e.earliest);
        CHECK(vw::formatIsoDateTime(*latest) == e.latest);

        std::vector<std::string> cpes;
        for (const auto& text : elementTexts(rss, "sec:cpe")) {
            INFO(text);
            const auto cpe = vw::parseCpe(trimmed(text));
            REQUIRE(cpe);
            const std::string name = trimmed(text);
            CHECK(cpe->part == name[5]);
            CHECK(name.rfind("cpe:/" + std::string(1, cpe->part) + ":" + cpe->vendor + ":" +
                                 cpe->product,
                             0) == 0);
            cpes.push_back(name);
        }
        CHECK(cpes == e.cpes);
    }
}
