// `vulnwatch calendar --year Y [--json]` through the real command (issue 12 part 2): the
// contract's lines, the JSON array read back by Poco's parser, the config's closures and
// override file, and the errors.
#include "helpers/cli.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <filesystem>

using namespace vw;
using test::cli;
using test::tempFile;

namespace {

const char* const k2026 = "2026-01-01 national 元日\n"
                          "2026-01-02 company 年末年始\n"
                          "2026-01-03 company 年末年始\n"
                          "2026-01-12 national 成人の日\n"
                          "2026-02-11 national 建国記念の日\n"
                          "2026-02-23 national 天皇誕生日\n"
                          "2026-03-20 national 春分の日\n"
                          "2026-04-29 national 昭和の日\n"
                          "2026-05-03 national 憲法記念日\n"
                          "2026-05-04 national みどりの日\n"
                          "2026-05-05 national こどもの日\n"
                          "2026-05-06 substitute 振替休日\n"
                          "2026-07-20 national 海の日\n"
                          "2026-08-11 national 山の日\n"
                          "2026-09-21 national 敬老の日\n"
                          "2026-09-22 citizens 国民の休日\n"
                          "2026-09-23 national 秋分の日\n"
                          "2026-10-12 national スポーツの日\n"
                          "2026-11-03 national 文化の日\n"
                          "2026-11-23 national 勤労感謝の日\n"
                          "2026-12-29 company 年末年始\n"
                          "2026-12-30 company 年末年始\n"
                          "2026-12-31 company 年末年始\n";

/// A config file with only a [calendar] section.
std::string calendarConfig(const std::string& body) {
    return tempFile("vulnwatch.conf", "[calendar]\n" + body);
}

} // namespace

TEST_CASE("calendar --year 2026 prints the holidays and closures one per line",
          "[daemon][cli][calendar]") {
    // With a config that sets nothing: the rules and the default closure (12-29..01-03).
    const auto conf = tempFile("vulnwatch.conf", "[daemon]\nlog_level = info\n");
    auto r = cli({"--config", conf, "calendar", "--year", "2026"});
    REQUIRE(r.code == kExitOk);
    CHECK(r.out == k2026);
    CHECK(r.err.empty());
    // Without any config file the same (when this machine has no default one).
    if (!std::filesystem::exists("/etc/vulnwatch/vulnwatch.conf")) {
        r = cli({"calendar", "--year", "2026"});
        REQUIRE(r.code == kExitOk);
        CHECK(r.out == k2026);
    }
    r = cli({"--config", conf, "calendar", "--year=2019", "--lang", "en"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("2019-05-01 national The Emperor's Enthronement Day\n"
                                      "2019-05-02 citizens Citizens' holiday\n"));
    CHECK_THAT(r.out, Catch::Contains("2019-05-06 substitute Substitute holiday\n"));
    CHECK_THAT(r.out, Catch::Contains("2019-12-31 company Year-end and New Year closure\n"));
}

TEST_CASE("calendar --json gives an array of date kind and name", "[daemon][cli][calendar]") {
    const auto conf = tempFile("vulnwatch.conf", "[daemon]\nlog_level = info\n");
    const auto r = cli({"--config", conf, "calendar", "--year", "2026", "--json"});
    REQUIRE(r.code == kExitOk);
    Poco::JSON::Parser parser;
    const auto parsed = parser.parse(r.out).extract<Poco::JSON::Array::Ptr>();
    REQUIRE(parsed);
    REQUIRE(parsed->size() == 23);
    std::string lines;
    for (std::size_t i = 0; i < parsed->size(); ++i) {
        const auto item = parsed->getObject(static_cast<unsigned>(i));
        REQUIRE(item);
        CHECK(item->size() == 3);
        lines += item->getValue<std::string>("date") + " " + item->getValue<std::string>("kind") +
                 " " + item->getValue<std::string>("name") + "\n";
    }
    CHECK(lines == k2026);
    CHECK_THAT(r.out, Catch::StartsWith("[\n{\"date\":\"2026-01-01\",\"kind\":\"national\","
                                        "\"name\":\"元日\"},\n"));
}

TEST_CASE("calendar reads closures and the holidays file from the config",
          "[daemon][cli][calendar]") {
    const auto csv = tempFile("syukujitsu.csv", "国民の祝日・休日月日,国民の祝日・休日名称\n"
                                                "1975/1/1,元日\n"
                                                "1975/1/15,成人の日\n");
    const auto conf = calendarConfig("closures = 08-13..08-15 お盆, 1975-05-01..1975-05-02\n"
                                     "holidays_file = " +
                                     csv + "\n");
    auto r = cli({"--config", conf, "calendar", "--year", "1975"});
    REQUIRE(r.code == kExitOk);
    CHECK(r.out == "1975-01-01 national 元日\n"
                   "1975-01-15 national 成人の日\n"
                   "1975-05-01 company 会社休業日\n"
                   "1975-05-02 company 会社休業日\n"
                   "1975-08-13 company お盆\n"
                   "1975-08-14 company お盆\n"
                   "1975-08-15 company お盆\n");
    // 2026 is not in the file: the rules, and no year-end closure (closures replaced it).
    r = cli({"--config", conf, "calendar", "--year", "2026"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("2026-05-06 substitute 振替休日\n"));
    CHECK_THAT(r.out, !Catch::Contains("company 年末年始"));
    CHECK_THAT(r.out, Catch::EndsWith("2026-11-23 national 勤労感謝の日\n"));
    r = cli({"--config", calendarConfig("closures = none\n"), "calendar", "--year", "2026"});
    CHECK_THAT(r.out, !Catch::Contains("company"));
}

TEST_CASE("calendar errors name what is wrong", "[daemon][cli][calendar]") {
    const auto conf = tempFile("vulnwatch.conf", "[daemon]\nlog_level = info\n");
    auto r = cli({"--config", conf, "calendar", "--year", "1979"});
    CHECK(r.code == kExitUsage);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no holiday data for 1979: vulnwatch computes Japanese "
                                      "holidays for 1980-2099; for other years give [calendar] "
                                      "holidays_file"));
    r = cli({"--config", conf, "calendar", "--year", "2100", "--json"});
    CHECK(r.code == kExitUsage);
    CHECK(r.out.empty());
    r = cli({"--config", conf, "calendar"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("calendar needs --year Y"));
    r = cli({"--config", conf, "calendar", "--year", "26"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("--year expects a year like 2026, not '26'"));
    r = cli({"--config", conf, "calendar", "--year", "2026", "--lang", "fr"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("--lang must be ja or en, not 'fr'"));
    r = cli({"--config", conf, "calendar", "--year", "2026", "extra"});
    CHECK(r.code == kExitUsage);
    r = cli(
        {"--config", calendarConfig("closures = 12-29..13-03\n"), "calendar", "--year", "2026"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("[calendar] closures: closure '12-29..13-03'"));
    CHECK_THAT(cli({"--help"}).out, Catch::Contains("calendar --year Y [--json]"));
}
