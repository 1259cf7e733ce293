// The Japanese business calendar and the case clocks (core/calendar.h, issue 12 part 2).
//
// The holidays of 2000–2030 are checked against a second implementation written here from the
// law's rules in a different shape (a yes/no question per day, Sakamoto's weekday formula, the
// published equinox dates as a table instead of the formula), and four years against the
// Cabinet Office's published lists written out by hand.
#include "core/calendar.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace vw;

namespace {

// --- the independent table --------------------------------------------------------------------

namespace independent {

/// 0 = Sunday (Sakamoto's method).
int dayOfWeek(int y, int m, int d) {
    static const int offsets[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3) {
        y -= 1;
    }
    return (y + y / 4 - y / 100 + y / 400 + offsets[m - 1] + d) % 7;
}

int monthLength(int y, int m) {
    static const int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : lengths[m - 1];
}

struct Day {
    int y, m, d;
};

Day previous(Day day) {
    if (day.d > 1) {
        return {day.y, day.m, day.d - 1};
    }
    if (day.m > 1) {
        return {day.y, day.m - 1, monthLength(day.y, day.m - 1)};
    }
    return {day.y - 1, 12, 31};
}

Day next(Day day) {
    if (day.d < monthLength(day.y, day.m)) {
        return {day.y, day.m, day.d + 1};
    }
    if (day.m < 12) {
        return {day.y, day.m + 1, 1};
    }
    return {day.y + 1, 1, 1};
}

// The equinox days the National Astronomical Observatory of Japan published (暦要項), 2000–2030.
const int kVernal[31] = {20, 20, 21, 21, 20, 20, 21, 21, 20, 20, 21, 21, 20, 20, 21, 21,
                         20, 20, 21, 21, 20, 20, 21, 21, 20, 20, 20, 21, 20, 20, 20};
const int kAutumnal[31] = {23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 22, 23, 23, 23,
                           22, 23, 23, 23, 22, 23, 23, 23, 22, 23, 23, 23, 22, 23, 23};

/// The 国民の祝日 on a day of 1999–2031, or "" (the equinoxes only for 2000–2030).
std::string nationalHoliday(Day day) {
    const int y = day.y, m = day.m, d = day.d;
    const bool monday = dayOfWeek(y, m, d) == 1;
    const auto nthMonday = [&](int n) { return monday && (d - 1) / 7 == n - 1; };
    const auto on = [&](int month, int dayOfMonth) { return m == month && d == dayOfMonth; };
    if (on(1, 1)) {
        return "元日";
    }
    if (m == 1 && (y < 2000 ? d == 15 : nthMonday(2))) {
        return "成人の日";
    }
    if (on(2, 11)) {
        return "建国記念の日";
    }
    if ((on(2, 23) && y >= 2020) || (on(12, 23) && y <= 2018)) {
        return "天皇誕生日";
    }
    if (y >= 2000 && y <= 2030 && on(3, kVernal[y - 2000])) {
        return "春分の日";
    }
    if (on(4, 29)) {
        return y >= 2007 ? "昭和の日" : "みどりの日";
    }
    if (on(5, 3)) {
        return "憲法記念日";
    }
    if (on(5, 4) && y >= 2007) {
        return "みどりの日";
    }
    if (on(5, 5)) {
        return "こどもの日";
    }
    // The Olympic years: the special measures law moved three holidays.
    if (y == 2020   ? on(7, 23)
        : y == 2021 ? on(7, 22)
        : y <= 2002 ? on(7, 20)
                    : m == 7 && nthMonday(3)) {
        return "海の日";
    }
    if (y == 2020 ? on(7, 24) : y == 2021 ? on(7, 23) : m == 10 && nthMonday(2)) {
        return y >= 2020 ? "スポーツの日" : "体育の日";
    }
    if (y >= 2016 && (y == 2020 ? on(8, 10) : y == 2021 ? on(8, 8) : on(8, 11))) {
        return "山の日";
    }
    if (y <= 2002 ? on(9, 15) : m == 9 && nthMonday(3)) {
        return "敬老の日";
    }
    if (y >= 2000 && y <= 2030 && on(9, kAutumnal[y - 2000])) {
        return "秋分の日";
    }
    if (on(11, 3)) {
        return "文化の日";
    }
    if (on(11, 23)) {
        return "勤労感謝の日";
    }
    if (y == 2019 && on(5, 1)) {
        return "天皇の即位の日";
    }
    if (y == 2019 && on(10, 22)) {
        return "即位礼正殿の儀の行われる日";
    }
    return "";
}

bool isNational(Day day) {
    return !nationalHoliday(day).empty();
}

/// 振替休日: before 2007 the Monday after a Sunday holiday (when no holiday itself); from 2007
/// the first day that is no holiday after a Sunday holiday.
bool isSubstitute(Day day) {
    if (isNational(day)) {
        return false;
    }
    if (day.y < 2007) {
        const Day before = previous(day);
        return isNational(before) && dayOfWeek(before.y, before.m, before.d) == 0;
    }
    for (Day back = previous(day); isNational(back); back = previous(back)) {
        if (dayOfWeek(back.y, back.m, back.d) == 0) {
            return true;
        }
    }
    return false;
}

/// 国民の休日: a day between two holidays (before 2007 not a Sunday).
bool isCitizens(Day day) {
    if (isNational(day) || isSubstitute(day) || !isNational(previous(day)) ||
        !isNational(next(day))) {
        return false;
    }
    return day.y >= 2007 || dayOfWeek(day.y, day.m, day.d) != 0;
}

std::vector<std::string> year(int y) {
    std::vector<std::string> lines;
    for (Day day{y, 1, 1}; day.y == y; day = next(day)) {
        char date[16];
        std::snprintf(date, sizeof date, "%04d-%02d-%02d", day.y, day.m, day.d);
        if (isNational(day)) {
            lines.push_back(std::string(date) + " national " + nationalHoliday(day));
        } else if (isSubstitute(day)) {
            lines.push_back(std::string(date) + " substitute 振替休日");
        } else if (isCitizens(day)) {
            lines.push_back(std::string(date) + " citizens 国民の休日");
        }
    }
    return lines;
}

} // namespace independent

std::vector<std::string> lines(const std::vector<Holiday>& holidays) {
    std::vector<std::string> out;
    for (const auto& h : holidays) {
        out.push_back(formatDate(h.date) + " " + std::string(holidayKindName(h.kind)) + " " +
                      h.name);
    }
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) {
        text += item + "\n";
    }
    return text;
}

/// Unix time of a JST wall-clock time.
std::int64_t jst(int y, int m, int d, int hour, int minute = 0) {
    return jstTime(Date{y, m, d}, hour * 3600 + minute * 60);
}

std::string shown(std::int64_t t) {
    const int second = jstSecondOfDay(t);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s %02d:%02d:%02d", formatDate(jstDate(t)).c_str(),
                  second / 3600, second / 60 % 60, second % 60);
    return buffer;
}

} // namespace

TEST_CASE("holidays 2000-2030 agree with an independent table of the law's rules",
          "[core][calendar]") {
    for (int y = 2000; y <= 2030; ++y) {
        INFO("year " << y);
        const auto expected = independent::year(y);
        CHECK(expected.size() >= 15);
        CHECK(joined(lines(holidaysByRule(y))) == joined(expected));
    }
}

TEST_CASE("the published holiday lists of 2019 2020 2021 and 2026", "[core][calendar]") {
    // As the Cabinet Office lists them (substitute and citizens' holidays it calls 休日).
    CHECK(joined(lines(holidaysByRule(2019))) == "2019-01-01 national 元日\n"
                                                 "2019-01-14 national 成人の日\n"
                                                 "2019-02-11 national 建国記念の日\n"
                                                 "2019-03-21 national 春分の日\n"
                                                 "2019-04-29 national 昭和の日\n"
                                                 "2019-04-30 citizens 国民の休日\n"
                                                 "2019-05-01 national 天皇の即位の日\n"
                                                 "2019-05-02 citizens 国民の休日\n"
                                                 "2019-05-03 national 憲法記念日\n"
                                                 "2019-05-04 national みどりの日\n"
                                                 "2019-05-05 national こどもの日\n"
                                                 "2019-05-06 substitute 振替休日\n"
                                                 "2019-07-15 national 海の日\n"
                                                 "2019-08-11 national 山の日\n"
                                                 "2019-08-12 substitute 振替休日\n"
                                                 "2019-09-16 national 敬老の日\n"
                                                 "2019-09-23 national 秋分の日\n"
                                                 "2019-10-14 national 体育の日\n"
                                                 "2019-10-22 national 即位礼正殿の儀の行われる日\n"
                                                 "2019-11-03 national 文化の日\n"
                                                 "2019-11-04 substitute 振替休日\n"
                                                 "2019-11-23 national 勤労感謝の日\n");
    CHECK(joined(lines(holidaysByRule(2020))) == "2020-01-01 national 元日\n"
                                                 "2020-01-13 national 成人の日\n"
                                                 "2020-02-11 national 建国記念の日\n"
                                                 "2020-02-23 national 天皇誕生日\n"
                                                 "2020-02-24 substitute 振替休日\n"
                                                 "2020-03-20 national 春分の日\n"
                                                 "2020-04-29 national 昭和の日\n"
                                                 "2020-05-03 national 憲法記念日\n"
                                                 "2020-05-04 national みどりの日\n"
                                                 "2020-05-05 national こどもの日\n"
                                                 "2020-05-06 substitute 振替休日\n"
                                                 "2020-07-23 national 海の日\n"
                                                 "2020-07-24 national スポーツの日\n"
                                                 "2020-08-10 national 山の日\n"
                                                 "2020-09-21 national 敬老の日\n"
                                                 "2020-09-22 national 秋分の日\n"
                                                 "2020-11-03 national 文化の日\n"
                                                 "2020-11-23 national 勤労感謝の日\n");
    CHECK(joined(lines(holidaysByRule(2021))) == "2021-01-01 national 元日\n"
                                                 "2021-01-11 national 成人の日\n"
                                                 "2021-02-11 national 建国記念の日\n"
                                                 "2021-02-23 national 天皇誕生日\n"
                                                 "2021-03-20 national 春分の日\n"
                                                 "2021-04-29 national 昭和の日\n"
                                                 "2021-05-03 national 憲法記念日\n"
                                                 "2021-05-04 national みどりの日\n"
                                                 "2021-05-05 national こどもの日\n"
                                                 "2021-07-22 national 海の日\n"
                                                 "2021-07-23 national スポーツの日\n"
                                                 "2021-08-08 national 山の日\n"
                                                 "2021-08-09 substitute 振替休日\n"
                                                 "2021-09-20 national 敬老の日\n"
                                                 "2021-09-23 national 秋分の日\n"
                                                 "2021-11-03 national 文化の日\n"
                                                 "2021-11-23 national 勤労感謝の日\n");
    CHECK(joined(lines(holidaysByRule(2026))) == "2026-01-01 national 元日\n"
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
                                                 "2026-11-23 national 勤労感謝の日\n");
}

TEST_CASE("equinox days match the published dates", "[core][calendar]") {
    CHECK(vernalEquinoxDay(2026) == 20);
    CHECK(autumnalEquinoxDay(2026) == 23);
    CHECK(vernalEquinoxDay(2027) == 21); // a Sunday: 2027-03-22 is a substitute holiday
    CHECK(autumnalEquinoxDay(2012) == 22);
    CHECK(autumnalEquinoxDay(2024) == 22);
    CHECK(vernalEquinoxDay(1980) == 20);
    CHECK(autumnalEquinoxDay(1980) == 23);
    CHECK(vernalEquinoxDay(1992) == 20);
    CHECK(vernalEquinoxDay(2099) == 20);
    for (int y = 2000; y <= 2030; ++y) {
        INFO("year " << y);
        CHECK(vernalEquinoxDay(y) == independent::kVernal[y - 2000]);
        CHECK(autumnalEquinoxDay(y) == independent::kAutumnal[y - 2000]);
    }
    const auto y2027 = lines(holidaysByRule(2027));
    CHECK(std::count(y2027.begin(), y2027.end(), "2027-03-22 substitute 振替休日") == 1);
    CHECK_THROWS_AS(vernalEquinoxDay(1979), CalendarRangeError);
    CHECK_THROWS_AS(autumnalEquinoxDay(2100), CalendarRangeError);
}

TEST_CASE("substitute holidays follow the 1973 and the 2007 form of the rule", "[core][calendar]") {
    const auto has = [](int year, const std::string& line) {
        const auto all = lines(holidaysByRule(year));
        return std::find(all.begin(), all.end(), line) != all.end();
    };
    // 1973 form: the day after a Sunday holiday.
    CHECK(has(1987, "1987-05-04 substitute 振替休日")); // 5/3 was a Sunday
    CHECK(has(2003, "2003-11-24 substitute 振替休日"));
    CHECK(has(2018, "2018-12-24 substitute 振替休日")); // 天皇誕生日 on a Sunday
    // 2007 form: the next day that is no holiday, past the holidays that follow.
    CHECK(has(2008, "2008-05-06 substitute 振替休日")); // みどりの日 5/4 on a Sunday
    CHECK(has(2009, "2009-05-06 substitute 振替休日")); // 憲法記念日 5/3 on a Sunday
    CHECK(has(2026, "2026-05-06 substitute 振替休日"));
    // No substitute for a Saturday holiday.
    CHECK_FALSE(has(2021, "2021-03-22 substitute 振替休日"));
}

TEST_CASE("citizens' holidays fall between two holidays", "[core][calendar]") {
    const auto kinds = [](int year, int month, int day) {
        for (const auto& h : holidaysByRule(year)) {
            if (h.date == Date{year, month, day}) {
                return std::string(holidayKindName(h.kind)) + " " + h.name;
            }
        }
        return std::string("-");
    };
    // 1985 form: the first one, 5/4 between 憲法記念日 and こどもの日; not on a Sunday.
    CHECK(kinds(1985, 5, 4) == "-");
    CHECK(kinds(1988, 5, 4) == "citizens 国民の休日");
    CHECK(kinds(1986, 5, 4) == "-");                   // a Sunday
    CHECK(kinds(2003, 5, 4) == "-");                   // a Sunday
    CHECK(kinds(2002, 5, 4) == "citizens 国民の休日"); // a Saturday counts
    CHECK(kinds(1992, 5, 4) == "substitute 振替休日"); // 5/3 a Sunday: substitute first
    CHECK(kinds(2007, 5, 4) == "national みどりの日"); // a 国民の祝日 from 2007
    // Silver Week: 敬老の日 and 秋分の日 two days apart.
    CHECK(kinds(2009, 9, 22) == "citizens 国民の休日");
    CHECK(kinds(2015, 9, 22) == "citizens 国民の休日");
    CHECK(kinds(2026, 9, 22) == "citizens 国民の休日");
    CHECK(kinds(2032, 9, 21) == "citizens 国民の休日");
    // 2019: the enthronement made 4/30 and 5/2 citizens' holidays.
    CHECK(kinds(2019, 4, 30) == "citizens 国民の休日");
    CHECK(kinds(2019, 5, 2) == "citizens 国民の休日");
}

TEST_CASE("the rules changed over the years and one-off days are in the table",
          "[core][calendar]") {
    const auto nameOn = [](int year, int month, int day) {
        for (const auto& h : holidaysByRule(year)) {
            if (h.date == Date{year, month, day}) {
                return h.name;
            }
        }
        return std::string("-");
    };
    CHECK(nameOn(1988, 4, 29) == "天皇誕生日");
    CHECK(nameOn(1989, 4, 29) == "みどりの日");
    CHECK(nameOn(1989, 12, 23) == "天皇誕生日");
    CHECK(nameOn(1989, 2, 24) == "昭和天皇の大喪の礼");
    CHECK(nameOn(1990, 11, 12) == "即位礼正殿の儀");
    CHECK(nameOn(1993, 6, 9) == "皇太子徳仁親王の結婚の儀");
    CHECK(nameOn(1995, 7, 20) == "-"); // 海の日 from 1996
    CHECK(nameOn(1996, 7, 20) == "海の日");
    CHECK(nameOn(1999, 1, 15) == "成人の日");
    CHECK(nameOn(1999, 10, 10) == "体育の日");
    CHECK(nameOn(2002, 9, 15) == "敬老の日");
    CHECK(nameOn(2003, 9, 15) == "敬老の日"); // the third Monday that year
    CHECK(nameOn(2004, 9, 20) == "敬老の日");
    CHECK(nameOn(2015, 8, 11) == "-"); // 山の日 from 2016
    CHECK(nameOn(2016, 8, 11) == "山の日");
    CHECK(nameOn(2018, 12, 23) == "天皇誕生日");
    CHECK(nameOn(2019, 12, 23) == "-");
    CHECK(nameOn(2019, 2, 23) == "-");
    CHECK(nameOn(2020, 2, 23) == "天皇誕生日");
    CHECK(nameOn(2020, 10, 12) == "-"); // moved to 7/24 for the Olympics
    CHECK(nameOn(2021, 10, 11) == "-"); // moved to 7/23
    CHECK(nameOn(2022, 10, 10) == "スポーツの日");
    const auto first = holidaysByRule(kFirstRuleYear);
    CHECK(first.front().date == Date{1980, 1, 1});
    CHECK(holidaysByRule(kLastRuleYear).back().date == Date{2099, 11, 23});
}

TEST_CASE("years the rules do not cover are errors unless an override covers them",
          "[core][calendar]") {
    CHECK_THROWS_AS(holidaysByRule(1979), CalendarRangeError);
    CHECK_THROWS_AS(holidaysByRule(2100), CalendarRangeError);
    try {
        holidaysByRule(2100);
    } catch (const CalendarRangeError& e) {
        CHECK(e.year() == 2100);
        CHECK_THAT(e.what(), Catch::Contains("no holiday data for 2100") &&
                                 Catch::Contains("1980-2099") && Catch::Contains("holidays_file"));
    }
    BusinessCalendar plain;
    CHECK_THROWS_AS(plain.daysOff(1970), CalendarRangeError);
    CHECK_THROWS_AS(plain.isBusinessDay(Date{2100, 1, 4}), CalendarRangeError);

    CalendarSettings settings;
    settings.overrides = {{Date{1970, 1, 1}, "元日", 2}, {Date{1970, 1, 15}, "成人の日", 3}};
    const BusinessCalendar withFile(settings);
    CHECK(withFile.overridden(1970));
    CHECK_FALSE(withFile.overridden(1971));
    CHECK(withFile.overrideYears() == std::vector<int>{1970});
    CHECK(joined(lines(withFile.nationalHolidays(1970))) == "1970-01-01 national 元日\n"
                                                            "1970-01-15 national 成人の日\n");
    CHECK(withFile.isBusinessDay(Date{1970, 1, 14}));
    CHECK_FALSE(withFile.isBusinessDay(Date{1970, 1, 15}));
    CHECK_THROWS_AS(withFile.nationalHolidays(1971), CalendarRangeError);
}

TEST_CASE("override entries replace the rules for the years they cover", "[core][calendar]") {
    // A file that knows of a (fictitious) extra holiday in 2026 and lists the rest days the
    // Cabinet Office way, as 休日.
    CalendarSettings settings;
    settings.overrides = {
        {Date{2026, 1, 1}, "元日", 2},       {Date{2026, 5, 3}, "憲法記念日", 3},
        {Date{2026, 5, 4}, "みどりの日", 4}, {Date{2026, 5, 5}, "こどもの日", 5},
        {Date{2026, 5, 6}, "休日", 6},       {Date{2026, 6, 1}, "臨時の祝日", 7},
        {Date{2026, 9, 21}, "敬老の日", 8},  {Date{2026, 9, 22}, "休日", 9},
        {Date{2026, 9, 23}, "秋分の日", 10}, {Date{2026, 12, 1}, "休日", 11},
    };
    const BusinessCalendar calendar(settings);
    CHECK(joined(lines(calendar.nationalHolidays(2026))) == "2026-01-01 national 元日\n"
                                                            "2026-05-03 national 憲法記念日\n"
                                                            "2026-05-04 national みどりの日\n"
                                                            "2026-05-05 national こどもの日\n"
                                                            "2026-05-06 substitute 振替休日\n"
                                                            "2026-06-01 national 臨時の祝日\n"
                                                            "2026-09-21 national 敬老の日\n"
                                                            "2026-09-22 citizens 国民の休日\n"
                                                            "2026-09-23 national 秋分の日\n"
                                                            "2026-12-01 national 休日\n");
    CHECK_FALSE(calendar.isBusinessDay(Date{2026, 6, 1}));
    CHECK(calendar.isBusinessDay(Date{2026, 3, 20})); // not in the file: the file wins
    // Other years still follow the rules.
    CHECK(calendar.nationalHolidays(2027) == holidaysByRule(2027));
    const auto june = calendar.dayOff(Date{2026, 6, 1});
    REQUIRE(june);
    CHECK(june->nameEn == "臨時の祝日"); // no English name known: the Japanese one
}

TEST_CASE("company closures every year and once", "[core][calendar]") {
    const BusinessCalendar defaults;
    const auto days = lines(defaults.daysOff(2026));
    // 12-29..01-03 年末年始 by default; 1/1 stays the national holiday.
    CHECK(days.front() == "2026-01-01 national 元日");
    CHECK(days[1] == "2026-01-02 company 年末年始");
    CHECK(days[2] == "2026-01-03 company 年末年始");
    CHECK(days.back() == "2026-12-31 company 年末年始");
    CHECK(days.size() == 23);
    const auto closure = defaults.dayOff(Date{2026, 12, 29});
    REQUIRE(closure);
    CHECK(closure->kind == HolidayKind::Company);
    CHECK(closure->nameEn == "Year-end and New Year closure");

    CalendarSettings settings;
    settings.closures = {Closure{true, Date{0, 8, 13}, Date{0, 8, 15}, "お盆"},
                         Closure{false, Date{2026, 12, 28}, Date{2027, 1, 4}, ""},
                         Closure{true, Date{0, 2, 29}, Date{0, 2, 29}, "閏日"}};
    const BusinessCalendar custom(settings);
    const auto y2026 = joined(lines(custom.daysOff(2026)));
    CHECK_THAT(y2026, Catch::Contains("2026-08-13 company お盆\n2026-08-14 company お盆\n"
                                      "2026-08-15 company お盆\n"));
    CHECK_THAT(y2026, Catch::Contains("2026-12-28 company 会社休業日\n"));
    CHECK_THAT(y2026, !Catch::Contains("2026-01-02"));               // the default is replaced
    CHECK_THAT(y2026, Catch::Contains("2026-02-28 company 閏日\n")); // 02-29 in a common year
    const auto y2027 = joined(lines(custom.daysOff(2027)));
    CHECK_THAT(y2027, Catch::Contains("2027-01-04 company 会社休業日\n"));
    CHECK_THAT(y2027, !Catch::Contains("2027-12-28"));
    CHECK_THAT(joined(lines(custom.daysOff(2028))), Catch::Contains("2028-02-29 company 閏日\n"));
    CHECK_FALSE(custom.isBusinessDay(Date{2027, 1, 4}));
    CHECK(custom.isBusinessDay(Date{2027, 1, 5}));
}

TEST_CASE("business days skip weekends holidays and closures", "[core][calendar]") {
    const BusinessCalendar calendar;
    CHECK(calendar.isBusinessDay(Date{2026, 4, 28}));
    CHECK_FALSE(calendar.isBusinessDay(Date{2026, 4, 29})); // 昭和の日
    CHECK(calendar.isBusinessDay(Date{2026, 4, 30}));
    CHECK_FALSE(calendar.isBusinessDay(Date{2026, 5, 2})); // Saturday
    CHECK_FALSE(calendar.isBusinessDay(Date{2026, 5, 6})); // 振替休日
    CHECK(calendar.isBusinessDay(Date{2026, 5, 7}));
    CHECK_FALSE(calendar.isBusinessDay(Date{2026, 12, 29})); // 年末年始
    CHECK(calendar.isBusinessDay(Date{2026, 12, 28}));
}

TEST_CASE("Golden Week 2026: business-day deadlines from receipt", "[core][calendar][clock]") {
    const BusinessCalendar calendar;
    // Received on Tuesday 4/28 at 10:00: the clock starts that day.
    const auto tuesday = jst(2026, 4, 28, 10);
    CHECK(calendar.clockStart(tuesday) == Date{2026, 4, 28});
    CHECK(shown(calendar.addBusinessDays(tuesday, 0)) == "2026-04-28 18:00:00");
    CHECK(shown(calendar.addBusinessDays(tuesday, 2)) == "2026-05-01 18:00:00"); // 4/30, 5/1
    CHECK(shown(calendar.addBusinessDays(tuesday, 5)) == "2026-05-11 18:00:00"); // + 5/7, 8, 11
    CHECK(shown(calendar.addBusinessDays(tuesday, 10)) == "2026-05-18 18:00:00");
    // After the day end (18:00) the report counts from the next business day.
    const auto friday = jst(2026, 5, 1, 19, 30);
    CHECK(calendar.clockStart(friday) == Date{2026, 5, 7});
    CHECK(shown(calendar.addBusinessDays(friday, 2)) == "2026-05-11 18:00:00");
    CHECK(calendar.clockStart(jst(2026, 5, 1, 18, 0)) == Date{2026, 5, 7}); // 18:00 is after
    CHECK(calendar.clockStart(jst(2026, 5, 1, 17, 59)) == Date{2026, 5, 1});
    // Early in the morning counts as that day.
    CHECK(calendar.clockStart(jst(2026, 5, 1, 3, 0)) == Date{2026, 5, 1});
    // Received on a holiday (5/3, Sunday and 憲法記念日) or in the week's middle (振替休日).
    CHECK(calendar.clockStart(jst(2026, 5, 3, 11)) == Date{2026, 5, 7});
    CHECK(shown(calendar.addBusinessDays(jst(2026, 5, 3, 11), 2)) == "2026-05-11 18:00:00");
    CHECK(shown(calendar.addBusinessDays(jst(2026, 5, 6, 9), 0)) == "2026-05-07 18:00:00");
    // Calendar days ignore holidays and the time of receipt.
    CHECK(shown(calendar.addCalendarDays(tuesday, 30)) == "2026-05-28 23:59:59");
    CHECK(shown(calendar.addCalendarDays(jst(2026, 4, 28, 23, 59), 1)) == "2026-04-29 23:59:59");
    CHECK_THROWS_AS(calendar.addBusinessDays(tuesday, -1), std::invalid_argument);
    CHECK_THROWS_AS(calendar.addCalendarDays(tuesday, -1), std::invalid_argument);
}

TEST_CASE("year end 2026/27: the closure and 成人の日 delay the clock", "[core][calendar][clock]") {
    const BusinessCalendar calendar;
    const auto monday = jst(2026, 12, 28, 10);
    CHECK(shown(calendar.addBusinessDays(monday, 2)) == "2027-01-05 18:00:00");
    CHECK(shown(calendar.addBusinessDays(monday, 5)) == "2027-01-08 18:00:00");
    // 2027-01-11 is 成人の日.
    CHECK(shown(calendar.addBusinessDays(monday, 10)) == "2027-01-18 18:00:00");
    // Received during the closure: counts from 1/4.
    CHECK(calendar.clockStart(jst(2026, 12, 30, 9)) == Date{2027, 1, 4});
    CHECK(shown(calendar.addBusinessDays(jst(2026, 12, 30, 9), 2)) == "2027-01-06 18:00:00");
    CHECK(shown(calendar.addCalendarDays(monday, 30)) == "2027-01-27 23:59:59");
    CHECK(shown(calendar.addCalendarDays(monday, 60)) == "2027-02-26 23:59:59");
    CHECK(shown(calendar.addCalendarDays(monday, 90)) == "2027-03-28 23:59:59");
    // A company without the year-end closure: 12/29–31 are business days.
    CalendarSettings open;
    open.closures = {};
    const BusinessCalendar noClosure(open);
    CHECK(shown(noClosure.addBusinessDays(monday, 2)) == "2026-12-30 18:00:00");
    // A day end of 17:30.
    CalendarSettings early;
    early.dayEndMinutes = 17 * 60 + 30;
    const BusinessCalendar earlier(early);
    CHECK(earlier.clockStart(jst(2026, 12, 28, 17, 45)) == Date{2027, 1, 4});
    CHECK(shown(earlier.addBusinessDays(jst(2026, 12, 28, 17, 45), 1)) == "2027-01-05 17:30:00");
}

TEST_CASE("deadlinesFor follows the default policy", "[core][calendar][clock]") {
    const BusinessCalendar calendar;
    const DeadlinePolicy policy;
    const auto received = jst(2026, 4, 28, 10);
    auto d = deadlinesFor(Severity::Critical, false, received, calendar, policy);
    CHECK(d.receivedAt == received);
    CHECK(d.clockStart == Date{2026, 4, 28});
    CHECK(shown(d.decide) == "2026-05-01 18:00:00");
    REQUIRE(d.inform);
    CHECK(shown(*d.inform) == "2026-05-28 23:59:59");
    CHECK(shown(d.fix) == "2026-06-27 23:59:59");
    d = deadlinesFor(Severity::High, true, received, calendar, policy);
    CHECK(shown(d.decide) == "2026-05-11 18:00:00");
    REQUIRE(d.inform);
    CHECK(shown(*d.inform) == "2026-07-27 23:59:59");
    CHECK(shown(d.fix) == "2026-07-27 23:59:59");
    CHECK(shown(deadlinesFor(Severity::Medium, false, received, calendar, policy).decide) ==
          "2026-05-18 18:00:00");
    CHECK(shown(deadlinesFor(Severity::Low, false, received, calendar, policy).decide) ==
          "2026-05-18 18:00:00");
    CHECK(shown(deadlinesFor(Severity::None, false, received, calendar, policy).decide) ==
          "2026-05-18 18:00:00");
    CHECK(shown(deadlinesFor(Severity::Unscored, false, received, calendar, policy).decide) ==
          "2026-05-11 18:00:00");
    // A policy of its own: no hospital notice for controlled risks, three days for High.
    DeadlinePolicy custom;
    custom.decideHigh = 3;
    custom.informControlled = 0;
    custom.fixControlled = 120;
    d = deadlinesFor(Severity::High, true, received, calendar, custom);
    CHECK(shown(d.decide) == "2026-05-07 18:00:00");
    CHECK_FALSE(d.inform);
    CHECK(shown(d.fix) == "2026-08-26 23:59:59");
}

TEST_CASE("an injected clock sees deadlines pass over Golden Week", "[core][calendar][clock]") {
    // The clock is just the `now` handed in: step it an hour at a time from receipt and
    // record when each deadline first counts as overdue.
    const BusinessCalendar calendar;
    const auto received = jst(2026, 4, 30, 16);
    const auto d = deadlinesFor(Severity::Critical, false, received, calendar, DeadlinePolicy{});
    std::int64_t decideBreached = 0;
    CHECK_FALSE(isOverdue(d.decide, received));
    for (std::int64_t now = received; now < received + 20 * 86400; now += 3600) {
        if (decideBreached == 0 && isOverdue(d.decide, now)) {
            decideBreached = now;
        }
    }
    // 4/30 (start), 5/1 = 1, 5/7 = 2: due 5/7 18:00, overdue from the next hour stepped.
    CHECK(shown(d.decide) == "2026-05-07 18:00:00");
    CHECK(shown(decideBreached) == "2026-05-07 19:00:00");
    CHECK_FALSE(isOverdue(d.decide, d.decide));
    CHECK(isOverdue(d.decide, d.decide + 1));
}

TEST_CASE("severities from names and scores", "[core][calendar]") {
    CHECK(severityFromScore(9.8) == Severity::Critical);
    CHECK(severityFromScore(9.0) == Severity::Critical);
    CHECK(severityFromScore(8.9) == Severity::High);
    CHECK(severityFromScore(7.0) == Severity::High);
    CHECK(severityFromScore(6.9) == Severity::Medium);
    CHECK(severityFromScore(4.0) == Severity::Medium);
    CHECK(severityFromScore(3.9) == Severity::Low);
    CHECK(severityFromScore(0.1) == Severity::Low);
    CHECK(severityFromScore(0.0) == Severity::None);
    CHECK(severityFromScore(std::nullopt) == Severity::Unscored);
    CHECK(parseSeverity("Critical") == Severity::Critical);
    CHECK(parseSeverity("high") == Severity::High);
    CHECK(parseSeverity("MEDIUM") == Severity::Medium);
    CHECK(parseSeverity("unscored") == Severity::Unscored);
    CHECK_FALSE(parseSeverity("severe"));
    CHECK(severityName(Severity::Low) == "Low");
}

TEST_CASE("dates convert and print", "[core][calendar]") {
    CHECK(toDays(Date{1970, 1, 1}) == 0);
    CHECK(toDays(Date{1969, 12, 31}) == -1);
    CHECK(toDays(Date{2000, 3, 1}) == 11017);
    for (std::int64_t day = -800000; day <= 800000; day += 997) {
        CHECK(toDays(fromDays(day)) == day);
    }
    CHECK(weekday(Date{2026, 5, 3}) == 0);
    CHECK(weekday(Date{1970, 1, 1}) == 4);
    CHECK(weekday(Date{1969, 12, 28}) == 0);
    CHECK(addDays(Date{2024, 2, 28}, 1) == Date{2024, 2, 29});
    CHECK(addDays(Date{2026, 12, 31}, 1) == Date{2027, 1, 1});
    CHECK(formatDate(Date{2026, 5, 6}) == "2026-05-06");
    CHECK(parseDate("2026-05-06") == Date{2026, 5, 6});
    CHECK_FALSE(parseDate("2026-02-29"));
    CHECK_FALSE(parseDate("2026-5-6"));
    CHECK_FALSE(parseDate("2026/05/06"));
    // JST: 15:00 UTC is midnight in Tokyo.
    CHECK(jstDate(jstTime(Date{2026, 5, 6}, 0)) == Date{2026, 5, 6});
    CHECK(jstDate(jstTime(Date{2026, 5, 6}, 0) - 1) == Date{2026, 5, 5});
    CHECK(jstTime(Date{2026, 1, 1}, 0) == 1767193200);
}

TEST_CASE("a deadline computation takes well under 5 ms", "[core][calendar][performance]") {
    CalendarSettings settings;
    // A Cabinet-Office-sized override list (about 1000 entries) must not slow it down.
    for (int y = 1955; y <= 2027; ++y) {
        for (int m = 1; m <= 12; ++m) {
            settings.overrides.push_back({Date{y, m, 1}, "元日", 0});
        }
    }
    const BusinessCalendar calendar(settings);
    const BusinessCalendar rules;
    const auto start = std::chrono::steady_clock::now();
    constexpr int kRounds = 200;
    std::int64_t sink = 0;
    for (int i = 0; i < kRounds; ++i) {
        const auto received = jst(2026, 12, 20, 10) + i * 3600;
        sink += deadlinesFor(Severity::Medium, false, received, calendar, DeadlinePolicy{}).decide;
        sink += deadlinesFor(Severity::Medium, false, received, rules, DeadlinePolicy{}).decide;
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const double perCallMs =
        std::chrono::duration<double, std::milli>(elapsed).count() / (2 * kRounds);
    INFO("per deadlinesFor: " << perCallMs << " ms");
    CHECK(sink != 0);
    CHECK(perCallMs < 5.0);
}
