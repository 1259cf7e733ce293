// [calendar], [deadlines] and the holiday override file (config/calendar_config.h,
// config/holidays_csv.h; issue 12 part 2). The override file is written here in Shift_JIS, as
// the Cabinet Office publishes it, by iconv.
#include "config/calendar_config.h"
#include "config/holidays_csv.h"
#include "config_test_util.h"
#include "helpers/fixtures.h"

#include <cerrno>
#include <fstream>
#include <iconv.h>

using namespace vw;
using vw::test::errorOf;
using vw::test::TempDir;

namespace {

/// UTF-8 text in Shift_JIS (CP932), by iconv.
std::string toShiftJis(const std::string& utf8) {
    iconv_t cd = ::iconv_open("CP932", "UTF-8");
    REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
    std::string in = utf8;
    std::string out(in.size() * 2 + 16, '\0');
    char* inPtr = in.data();
    std::size_t inLeft = in.size();
    char* outPtr = out.data();
    std::size_t outLeft = out.size();
    const std::size_t result = ::iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft);
    ::iconv_close(cd);
    REQUIRE(result != static_cast<std::size_t>(-1));
    out.resize(out.size() - outLeft);
    return out;
}

const std::string kHeader = "国民の祝日・休日月日,国民の祝日・休日名称";

/// The message of the ConfigError that parsing these bytes raises.
std::string csvError(const std::string& bytes, int* line = nullptr) {
    try {
        parseHolidaysCsv(bytes, "syukujitsu.csv");
    } catch (const ConfigError& e) {
        if (line != nullptr) {
            *line = e.line();
        }
        return e.what();
    }
    FAIL("expected a ConfigError");
    return "";
}

std::string holidayLines(const std::vector<Holiday>& holidays) {
    std::string text;
    for (const auto& h : holidays) {
        text +=
            formatDate(h.date) + " " + std::string(holidayKindName(h.kind)) + " " + h.name + "\n";
    }
    return text;
}

} // namespace

TEST_CASE("the Cabinet Office CSV in Shift_JIS is read and decoded", "[config][calendar][csv]") {
    const std::string csv = toShiftJis(kHeader + "\r\n"
                                                 "2026/1/1,元日\r\n"
                                                 "2026/1/12,成人の日\r\n"
                                                 "2026/5/3,憲法記念日\r\n"
                                                 "2026/5/4,みどりの日\r\n"
                                                 "2026/5/5,こどもの日\r\n"
                                                 "2026/5/6,休日\r\n"
                                                 "2027/01/01,元日\r\n");
    // The bytes really are Shift_JIS: 元日 is 8C B3 93 FA.
    CHECK(csv.find("\x8C\xB3\x93\xFA") != std::string::npos);
    CHECK(csv.find("元日") == std::string::npos);
    const auto entries = parseHolidaysCsv(csv, "syukujitsu.csv");
    REQUIRE(entries.size() == 7);
    CHECK(entries[0] == HolidayEntry{Date{2026, 1, 1}, "元日", 2});
    CHECK(entries[5] == HolidayEntry{Date{2026, 5, 6}, "休日", 7});
    CHECK(entries[6] == HolidayEntry{Date{2027, 1, 1}, "元日", 8});

    // A UTF-8 copy (with a BOM, LF line ends) reads the same.
    const auto utf8 = parseHolidaysCsv("\xEF\xBB\xBF" + kHeader + "\n2026/1/1,元日\n", "u.csv");
    REQUIRE(utf8.size() == 1);
    CHECK(utf8[0].name == "元日");
    CHECK(parseHolidaysCsv(kHeader + "\n2026/1/1,元日\n\n", "u.csv").size() == 1);
}

TEST_CASE("bad lines in the holidays CSV are specific errors", "[config][calendar][csv]") {
    const auto sjis = [](const std::string& rows) { return toShiftJis(kHeader + "\r\n" + rows); };
    int line = 0;
    CHECK_THAT(csvError(sjis("2026/1/1,元日\r\n2026/2/30,春の日\r\n"), &line),
               Catch::Contains("syukujitsu.csv:3: '2026/2/30' is not a date (YYYY/M/D"));
    CHECK(line == 3);
    CHECK_THAT(csvError(sjis("2026-01-01,元日\r\n")),
               Catch::Contains(":2: '2026-01-01' is not a date"));
    CHECK_THAT(csvError(sjis("2026/1/1 元日\r\n")),
               Catch::Contains(":2: expected DATE,NAME (e.g. 2026/1/1,元日), not '2026/1/1 元日'"));
    CHECK_THAT(csvError(sjis("2026/1/1,元日,祝日\r\n")),
               Catch::Contains(":2: more than two fields"));
    CHECK_THAT(csvError(sjis("2026/1/1,\r\n")),
               Catch::Contains(":2: the holiday on 2026/1/1 has no name"));
    CHECK_THAT(csvError(sjis("2026/1/1,元日\r\n2026/01/01,元日\r\n")),
               Catch::Contains(":3: 2026/01/01 is listed twice (first on line 2)"));
    CHECK_THAT(csvError(sjis("1900/1/1,元日\r\n")),
               Catch::Contains(":2: '1900/1/1' is before the holiday law (1948)"));
    CHECK_THAT(csvError(sjis("")), Catch::Contains("the file lists no holiday"));
    CHECK_THAT(csvError(""), Catch::Contains("syukujitsu.csv:1: expected the header "
                                             "国民の祝日・休日月日,国民の祝日・休日名称"));
    CHECK_THAT(csvError("date,name\n2026/1/1,New Year\n"),
               Catch::Contains(":1: expected the header"));
    // A byte that is no Shift_JIS: 0x82 needs a second byte from 0x40 up.
    CHECK_THAT(csvError(toShiftJis(kHeader) + "\r\n2026/1/1,\x82,\r\n", &line),
               Catch::Contains(":2: not Shift_JIS text: byte 0x82 at column 10"));
    CHECK(line == 2);
    // UTF-8 copies are checked as UTF-8.
    CHECK_THAT(csvError(kHeader + "\n2026/1/1,\xE5\x85\n"),
               Catch::Contains(":2: not UTF-8 text: byte 0xE5 at column 10"));
}

TEST_CASE("[calendar] holidays_file overrides the rules for its years", "[config][calendar]") {
    TempDir dir;
    const auto csv = dir.write("syukujitsu.csv", toShiftJis(kHeader + "\r\n"
                                                                      "2026/1/1,元日\r\n"
                                                                      "2026/5/3,憲法記念日\r\n"
                                                                      "2026/5/4,みどりの日\r\n"
                                                                      "2026/5/5,こどもの日\r\n"
                                                                      "2026/5/6,休日\r\n"
                                                                      "2026/7/1,記念の日\r\n"
                                                                      "2150/1/1,元日\r\n"));
    const auto conf = dir.write("vulnwatch.conf", "[calendar]\n"
                                                  "holidays_file = syukujitsu.csv\n"
                                                  "closures = 08-13..08-15 お盆\n");
    const Config config = loadConfig(conf.string());
    CHECK(config.calendar.holidaysFile == csv.string());
    REQUIRE(config.calendar.holidays);
    CHECK(config.calendar.holidays->size() == 7);
    const BusinessCalendar calendar = makeCalendar(config.calendar);
    CHECK(holidayLines(calendar.daysOff(2026)) == "2026-01-01 national 元日\n"
                                                  "2026-05-03 national 憲法記念日\n"
                                                  "2026-05-04 national みどりの日\n"
                                                  "2026-05-05 national こどもの日\n"
                                                  "2026-05-06 substitute 振替休日\n"
                                                  "2026-07-01 national 記念の日\n"
                                                  "2026-08-13 company お盆\n"
                                                  "2026-08-14 company お盆\n"
                                                  "2026-08-15 company お盆\n");
    CHECK(calendar.nationalHolidays(2027) == holidaysByRule(2027));
    CHECK(holidayLines(calendar.nationalHolidays(2150)) == "2150-01-01 national 元日\n");
    CHECK_THROWS_AS(calendar.nationalHolidays(2149), CalendarRangeError);
    // config check shows the file and reads back as the same config.
    const auto shown = redacted(config);
    CHECK_THAT(shown, Catch::Contains("[calendar]\nclosures = 08-13..08-15 お盆\nday_end = 18:00\n"
                                      "; 7 holidays\nholidays_file = " +
                                      csv.string() + "\n"));
    const Config again = parseConfig(shown, "again.conf");
    CHECK(again.calendar == config.calendar);
    REQUIRE(again.calendar.holidays);
    CHECK(*again.calendar.holidays == *config.calendar.holidays);

    // A bad file is a config error naming the config line, then the file's own line.
    dir.write("bad.csv", toShiftJis(kHeader + "\r\n2026/1/1,元日\r\n2026/13/1,謎の日\r\n"));
    const auto badConf = dir.write("bad.conf", "[calendar]\nholidays_file = bad.csv\n");
    try {
        loadConfig(badConf.string());
        FAIL("expected a ConfigError");
    } catch (const ConfigError& e) {
        CHECK(e.line() == 2);
        CHECK(e.key() == "holidays_file");
        CHECK_THAT(e.what(), Catch::Contains(badConf.string() + ":2: [calendar] holidays_file: ") &&
                                 Catch::Contains("bad.csv:3: '2026/13/1' is not a date"));
    }
    const auto missing = errorOf("[calendar]\nholidays_file = /nonexistent/syukujitsu.csv\n");
    CHECK(missing.key() == "holidays_file");
    CHECK_THAT(missing.what(), Catch::Contains("/nonexistent/syukujitsu.csv:0: cannot read the "
                                               "holidays file: No such file or directory"));
}

TEST_CASE("[calendar] and [deadlines] defaults and values", "[config][calendar]") {
    const Config defaults = parseConfig("[daemon]\n", "t.conf");
    CHECK(defaults.calendar.closures == defaultClosures());
    CHECK(defaults.calendar.dayEndMinutes == 18 * 60);
    CHECK(defaults.calendar.holidaysFile.empty());
    CHECK(defaults.deadlines == DeadlinePolicy{});
    CHECK(defaults.deadlines.decideCritical == 2);
    CHECK(defaults.deadlines.decideHigh == 5);
    CHECK(defaults.deadlines.decideMedium == 10);
    CHECK(defaults.deadlines.decideLow == 10);
    CHECK(defaults.deadlines.informUncontrolled == 30);
    CHECK(defaults.deadlines.fixUncontrolled == 60);
    CHECK(defaults.deadlines.fixControlled == 90);
    CHECK_THAT(redacted(defaults),
               Catch::Contains("[calendar]\nclosures = 12-29..01-03 年末年始\nday_end = 18:00\n"));
    CHECK_THAT(redacted(defaults), Catch::Contains("[deadlines]\ndecide_critical = 2\n"
                                                   "decide_high = 5\ndecide_medium = 10\n"
                                                   "decide_low = 10\ndecide_unscored = 5\n"
                                                   "inform_uncontrolled = 30\n"
                                                   "fix_uncontrolled = 60\n"
                                                   "inform_controlled = 90\n"
                                                   "fix_controlled = 90\n"));

    const Config config = parseConfig("[calendar]\n"
                                      "closures = 12-28..01-04 年末年始, 2026-08-12..2026-08-16 "
                                      "夏季休業, 05-01, 2026-10-01\n"
                                      "day_end = 17:30\n"
                                      "[deadlines]\n"
                                      "decide_critical = 1\n"
                                      "decide_high = 3\n"
                                      "decide_medium = 7\n"
                                      "decide_low = 15\n"
                                      "decide_unscored = 0\n"
                                      "inform_uncontrolled = 15\n"
                                      "fix_uncontrolled = 45\n"
                                      "inform_controlled = none\n"
                                      "fix_controlled = 180\n",
                                      "t.conf");
    REQUIRE(config.calendar.closures.size() == 4);
    CHECK(config.calendar.closures[0] == Closure{true, Date{0, 12, 28}, Date{0, 1, 4}, "年末年始"});
    CHECK(config.calendar.closures[1] ==
          Closure{false, Date{2026, 8, 12}, Date{2026, 8, 16}, "夏季休業"});
    CHECK(config.calendar.closures[2] == Closure{true, Date{0, 5, 1}, Date{0, 5, 1}, ""});
    CHECK(config.calendar.closures[3] == Closure{false, Date{2026, 10, 1}, Date{2026, 10, 1}, ""});
    CHECK(config.calendar.dayEndMinutes == 17 * 60 + 30);
    CHECK(config.deadlines == DeadlinePolicy{1, 3, 7, 15, 0, 15, 45, 0, 180});
    const auto text = redacted(config);
    CHECK_THAT(text, Catch::Contains("closures = 12-28..01-04 年末年始, 2026-08-12..2026-08-16 "
                                     "夏季休業, 05-01, 2026-10-01\n"));
    CHECK_THAT(text, Catch::Contains("inform_controlled = none\n"));
    const Config again = parseConfig(text, "again.conf");
    CHECK(again.calendar == config.calendar);
    CHECK(again.deadlines == config.deadlines);
    CHECK(parseConfig("[calendar]\nclosures = none\n", "t.conf").calendar.closures.empty());
    CHECK(parseConfig("[calendar]\nday_end = 24:00\n", "t.conf").calendar.dayEndMinutes == 1440);
}

TEST_CASE("bad [calendar] and [deadlines] values are specific errors", "[config][calendar]") {
    const auto message = [](const std::string& text) { return std::string(errorOf(text).what()); };
    CHECK(message("[calendar]\nclosures = 12-32..01-03\n") ==
          "t.conf:2: [calendar] closures: closure '12-32..01-03': '12-32' is not a month-day "
          "(MM-DD) or a date (write MM-DD..MM-DD for every year, YYYY-MM-DD..YYYY-MM-DD for "
          "once, then an optional name)");
    CHECK_THAT(message("[calendar]\nclosures = 2026-08-15..2026-08-13\n"),
               Catch::Contains("closure '2026-08-15..2026-08-13': it ends before it starts"));
    CHECK_THAT(message("[calendar]\nclosures = 12-29..2027-01-03\n"),
               Catch::Contains("it mixes a month-day and a date"));
    CHECK_THAT(message("[calendar]\nclosures = 2026-01-01..2027-06-30\n"),
               Catch::Contains("it is longer than a year"));
    CHECK_THAT(message("[calendar]\nclosures = 01-01..12-31\n"),
               Catch::Contains("it closes the whole year"));
    CHECK_THAT(message("[calendar]\nclosures = 03-01..02-29\n"),
               Catch::Contains("it closes the whole year"));
    CHECK_THAT(message("[calendar]\nclosures = 12-29..01-03,, 08-13..08-15\n"),
               Catch::Contains("an empty closure (two commas in a row, or one at the end)"));
    CHECK_THAT(message("[calendar]\nclosures = 12/29..01/03\n"),
               Catch::Contains("'12/29' is not a month-day"));
    CHECK(message("[calendar]\nday_end = 18\n") ==
          "t.conf:2: [calendar] day_end: '18' is not a time of day from 00:01 to 24:00 (HH:MM)");
    CHECK_THAT(message("[calendar]\nday_end = 24:30\n"), Catch::Contains("'24:30' is not a time"));
    CHECK_THAT(message("[calendar]\nday_end = 00:00\n"), Catch::Contains("'00:00' is not a time"));
    CHECK_THAT(message("[calendar]\nday_end = 17:60\n"), Catch::Contains("'17:60' is not a time"));
    CHECK(message("[deadlines]\ndecide_high = -1\n") ==
          "t.conf:2: [deadlines] decide_high: '-1' is not a number of days from 0 to 250");
    CHECK_THAT(message("[deadlines]\ndecide_critical = 251\n"),
               Catch::Contains("'251' is not a number of days from 0 to 250"));
    CHECK_THAT(message("[deadlines]\ndecide_low = none\n"),
               Catch::Contains("'none' is not a number of days from 0 to 250"));
    CHECK(message("[deadlines]\nfix_uncontrolled = 0\n") ==
          "t.conf:2: [deadlines] fix_uncontrolled: '0' is not a number of days from 1 to 3650");
    CHECK_THAT(message("[deadlines]\nfix_controlled = none\n"),
               Catch::Contains("'none' is not a number of days from 1 to 3650"));
    CHECK_THAT(message("[deadlines]\ninform_uncontrolled = 30d\n"),
               Catch::Contains("'30d' is not a number of days from 1 to 3650 (or none)"));
    CHECK(message("[deadlines]\ndecide_hihg = 3\n") ==
          "t.conf:2: [deadlines] decide_hihg: unknown key (did you mean 'decide_high'?)");
    CHECK(message("[calendar]\nholiday_file = x.csv\n") ==
          "t.conf:2: [calendar] holiday_file: unknown key (did you mean 'holidays_file'?)");
}

TEST_CASE("the shipped example sets the calendar defaults and its closures line parses",
          "[config][calendar][example]") {
    const auto path = test::sourceDir() / "config" / "vulnwatch.conf.example";
    const Config config = loadConfig(path.string(), false);
    CHECK(config.calendar == CalendarConfig{});
    CHECK(config.deadlines == DeadlinePolicy{});
    // The commented-out alternative closures line is valid too.
    const auto text = test::readFile(path);
    const auto at = text.find(";closures = ");
    REQUIRE(at != std::string::npos);
    const auto value = text.substr(at + 12, text.find('\n', at) - at - 12);
    const auto closures = parseClosures(value);
    REQUIRE(closures.size() == 3);
    CHECK(closures[1] == Closure{true, Date{0, 8, 13}, Date{0, 8, 15}, "お盆"});
    CHECK(closures[2] == Closure{false, Date{2026, 5, 1}, Date{2026, 5, 1}, "創立記念日"});
}
