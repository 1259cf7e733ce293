// The Japanese business calendar and the case clocks (issue 12 part 2; docs/cases.md "Clocks").
//
// National holidays come from the rules of 国民の祝日に関する法律 as they changed over the years
// (fixed days, Happy Monday days, the equinoxes, substitute holidays, citizens' holidays) plus a
// table of one-off changes; an override list (the Cabinet Office's syukujitsu.csv, read and
// decoded by config/holidays_csv.h) replaces them for the years it covers. Company closures
// (年末年始, お盆) come from [calendar] closures. Deadlines are counted in business days or
// calendar days from the receipt of a vulnerability report, in Japan Standard Time.
//
// Pure: no I/O, no clock. Times are Unix seconds passed in by the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

// --- dates ----------------------------------------------------------------------------------

/// A calendar day (proleptic Gregorian). Ordered by year, month, day.
struct Date {
    int year = 1970;
    int month = 1; // 1–12
    int day = 1;   // 1–31
    auto operator<=>(const Date&) const = default;
};

/// True for a real calendar day (2026-02-29 is not one).
bool isValidDate(int year, int month, int day);
/// Days in that month of that year (28–31); `month` must be 1–12.
int daysInMonth(int year, int month);
/// Days since 1970-01-01 (negative before it).
std::int64_t toDays(const Date& date);
/// Inverse of toDays.
Date fromDays(std::int64_t days);
Date addDays(const Date& date, std::int64_t days);
/// 0 = Sunday … 6 = Saturday.
int weekday(const Date& date);
/// "2026-05-06".
std::string formatDate(const Date& date);
/// Parses exactly "YYYY-MM-DD" (a real day); nullopt otherwise.
std::optional<Date> parseDate(std::string_view text);

/// The calendar reckons in Japan Standard Time: Asia/Tokyo is UTC+09:00 all year (Japan has
/// had no daylight-saving time since 1951), so a fixed offset is exact.
inline constexpr std::int64_t kJapanUtcOffsetSeconds = 9 * 3600;
/// The JST calendar day of a Unix time.
Date jstDate(std::int64_t unixSeconds);
/// Seconds since JST midnight of a Unix time (0–86399).
int jstSecondOfDay(std::int64_t unixSeconds);
/// The Unix time of `secondOfDay` seconds after JST midnight of `date`.
std::int64_t jstTime(const Date& date, int secondOfDay);

// --- holidays -------------------------------------------------------------------------------

/// What kind of day off: a national holiday (国民の祝日, including the one-off days of special
/// laws), a substitute holiday (振替休日), a citizens' holiday (国民の休日) or a company closure.
enum class HolidayKind { National, Substitute, Citizens, Company };

/// "national", "substitute", "citizens", "company" (the KIND of `vulnwatch calendar`).
std::string_view holidayKindName(HolidayKind kind);

struct Holiday {
    Date date;
    HolidayKind kind = HolidayKind::National;
    std::string name;   // Japanese: as the law, the override file or the closure names it
    std::string nameEn; // English (the Japanese name when none is known)
    bool operator==(const Holiday&) const = default;
};

/// The English name vulnwatch knows for a Japanese holiday name ("元日" → "New Year's Day"), or
/// "" when it knows none.
std::string englishHolidayName(std::string_view japanese);

/// The years the built-in rules compute: the law's rules are encoded from 1980, and the
/// equinox formula (see vernalEquinoxDay) holds for 1980–2099.
inline constexpr int kFirstRuleYear = 1980;
inline constexpr int kLastRuleYear = 2099;

/// A year neither the rules nor the override file cover.
class CalendarRangeError : public std::runtime_error {
public:
    explicit CalendarRangeError(int year);
    int year() const { return year_; }

private:
    int year_;
};

/// The day in March of 春分の日 (vernal equinox day) of `year`, by the approximation
/// day = ⌊20.8431 + 0.242194·(year − 1980) − ⌊(year − 1980) / 4⌋⌋, valid for 1980–2099
/// (computed in exact integer arithmetic). The law fixes the equinox days by the National
/// Astronomical Observatory's announcement each February for the next year; the formula agrees
/// with every announced date of its range so far. Throws CalendarRangeError outside 1980–2099.
int vernalEquinoxDay(int year);
/// The day in September of 秋分の日: ⌊23.2488 + 0.242194·(year − 1980) − ⌊(year − 1980) / 4⌋⌋,
/// same range and caveats.
int autumnalEquinoxDay(int year);

/// The national, substitute and citizens' holidays of `year` by the law's rules and the table
/// of one-off changes, sorted by date. Throws CalendarRangeError outside 1980–2099.
std::vector<Holiday> holidaysByRule(int year);

/// One line of an override file, decoded (config/holidays_csv.h): a day and its name as the
/// Cabinet Office writes it (e.g. "元日", or "休日" for substitute and citizens' holidays).
struct HolidayEntry {
    Date date;
    std::string name;
    int line = 0; // in the file, for messages
    bool operator==(const HolidayEntry&) const = default;
};

/// A company closure: every year from one month-day to another (wrapping over the year end
/// when the first comes after the last: 12-29..01-03), or one dated range.
struct Closure {
    bool everyYear = true;
    Date first; // everyYear: only month and day count (year 0)
    Date last;
    std::string name; // "" : 会社休業日 / Company closure
    bool operator==(const Closure&) const = default;
};

/// 12-29..01-03 年末年始 (the closure of Japanese government offices and most companies).
std::vector<Closure> defaultClosures();

/// How deadlines are reckoned, besides holidays.
struct CalendarSettings {
    /// Entries of the override file; the years they cover take them instead of the rules.
    std::vector<HolidayEntry> overrides;
    std::vector<Closure> closures = defaultClosures();
    /// The end of the business day, in minutes after midnight JST (18:00): a report received
    /// later counts from the next business day, and business-day deadlines fall due then.
    int dayEndMinutes = 18 * 60;
};

/// Holidays, closures and the business-day arithmetic. Cheap to copy (shared, immutable data);
/// safe to use from several threads.
class BusinessCalendar {
public:
    BusinessCalendar(); // the rules, the default closures, day end 18:00
    explicit BusinessCalendar(CalendarSettings settings);

    /// The national, substitute and citizens' holidays of `year`: from the override entries
    /// when they cover the year, else by rule. Throws CalendarRangeError when neither can.
    std::vector<Holiday> nationalHolidays(int year) const;
    /// Every day of `year` that is a holiday or a company closure, one per date (a closure day
    /// that is also a holiday is listed as the holiday), sorted by date. Weekends appear only
    /// as holidays or closures.
    std::vector<Holiday> daysOff(int year) const;
    /// The holiday or closure on `date`, if any.
    std::optional<Holiday> dayOff(const Date& date) const;
    /// Not Saturday, not Sunday, not a holiday, not a company closure.
    bool isBusinessDay(const Date& date) const;

    /// The days off of `year` (weekends, holidays, closures) as flags by day of the year,
    /// computed once per calendar (and its copies) and shared: the clocks of a bulk re-match
    /// ask for the same few years thousands of times. Thread-safe.
    std::shared_ptr<const std::vector<bool>> offDays(int year) const;

    /// True when the override entries cover `year`.
    bool overridden(int year) const;
    /// The years the override entries cover, ascending.
    std::vector<int> overrideYears() const;
    int dayEndMinutes() const;
    const std::vector<Closure>& closures() const;

    /// The business day a report received at `receivedAt` counts from: its JST day when that
    /// is a business day and the report came before the day end, else the next business day.
    Date clockStart(std::int64_t receivedAt) const;
    /// The day end (JST) of the n-th business day after clockStart(receivedAt); n = 0 is the
    /// day end of the start day itself. Throws std::invalid_argument for n < 0 and
    /// CalendarRangeError when the count runs into a year that cannot be computed.
    std::int64_t addBusinessDays(std::int64_t receivedAt, int n) const;
    /// 23:59:59 JST of the n-th calendar day after the JST day of `receivedAt` (holidays and
    /// the time of receipt do not matter). Throws std::invalid_argument for n < 0.
    std::int64_t addCalendarDays(std::int64_t receivedAt, int n) const;

private:
    struct Data;
    std::shared_ptr<const Data> data_;
};

// --- deadlines ------------------------------------------------------------------------------

/// A CVSS qualitative severity (v3/v4 bands), or none stated.
enum class Severity { Critical, High, Medium, Low, None, Unscored };

/// "Critical", "High", "Medium", "Low", "None", "Unscored".
std::string_view severityName(Severity severity);
/// Parses a severity as sources state it ("Critical", "high", …; also "Unscored").
std::optional<Severity> parseSeverity(std::string_view text);
/// The CVSS v3 band of a base score: 9.0–10.0 Critical, 7.0–8.9 High, 4.0–6.9 Medium,
/// 0.1–3.9 Low, 0.0 None; no score: Unscored.
Severity severityFromScore(std::optional<double> score);

/// The deadline policy ([deadlines] in the configuration). Decide: business days from receipt,
/// by severity. Inform hospitals and fix: calendar days from receipt, by whether the risk is
/// controlled (the FDA postmarket cybersecurity guidance: 30 and 60 days for an uncontrolled
/// risk). 0 for an inform key: no such deadline.
struct DeadlinePolicy {
    int decideCritical = 2;
    int decideHigh = 5;
    int decideMedium = 10;
    int decideLow = 10; // also None
    int decideUnscored = 5;
    int informUncontrolled = 30;
    int fixUncontrolled = 60;
    int informControlled = 90;
    int fixControlled = 90;
    bool operator==(const DeadlinePolicy&) const = default;

    /// The business days to decide for `severity`.
    int decideDays(Severity severity) const;
};

/// When a case is due: Unix times; the case is late once `now` is past one (isOverdue).
struct Deadlines {
    std::int64_t receivedAt = 0;
    Date clockStart;                    // the business day the decide clock counts from
    std::int64_t decide = 0;            // affected or not, and the risk assessed
    std::optional<std::int64_t> inform; // the hospitals told (none when the policy says 0)
    std::int64_t fix = 0;               // remediation available
    bool operator==(const Deadlines&) const = default;
};

/// The deadlines of a report of `severity` received at `receivedAt`. `riskControlled`: the
/// assessed risk is controlled; until it is assessed, pass false (the shorter clocks).
Deadlines deadlinesFor(Severity severity, bool riskControlled, std::int64_t receivedAt,
                       const BusinessCalendar& calendar, const DeadlinePolicy& policy);

/// True once `now` is past `due` (a deadline at 18:00:00 is met at 18:00:00).
inline bool isOverdue(std::int64_t due, std::int64_t now) {
    return now > due;
}

} // namespace vw
