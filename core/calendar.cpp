#include "core/calendar.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace vw {

// --- dates ----------------------------------------------------------------------------------

namespace {

bool isLeap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/// Floor division for the day counts (the dates before 1970 are negative).
std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

} // namespace

int daysInMonth(int year, int month) {
    static constexpr std::array<int, 12> lengths{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeap(year) ? 29 : lengths[static_cast<std::size_t>(month - 1)];
}

bool isValidDate(int year, int month, int day) {
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= daysInMonth(year, month);
}

std::int64_t toDays(const Date& date) {
    // Count from 0000-03-01 so that the leap day ends a year; 719468 days lie between it and
    // 1970-01-01.
    const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = floorDiv(y, 400);
    const std::int64_t yearOfEra = y - era * 400;
    const std::int64_t monthFromMarch = (date.month + 9) % 12;
    const std::int64_t dayOfYear = (153 * monthFromMarch + 2) / 5 + date.day - 1;
    const std::int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

Date fromDays(std::int64_t days) {
    const std::int64_t shifted = days + 719468;
    const std::int64_t era = floorDiv(shifted, 146097);
    const std::int64_t dayOfEra = shifted - era * 146097;
    const std::int64_t yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const std::int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const std::int64_t monthFromMarch = (5 * dayOfYear + 2) / 153;
    Date date;
    date.day = static_cast<int>(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1);
    date.month = static_cast<int>(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9);
    date.year = static_cast<int>(yearOfEra + era * 400 + (date.month <= 2 ? 1 : 0));
    return date;
}

Date addDays(const Date& date, std::int64_t days) {
    return fromDays(toDays(date) + days);
}

int weekday(const Date& date) {
    const std::int64_t fromSunday = toDays(date) + 4; // 1970-01-01 was a Thursday (4)
    return static_cast<int>(fromSunday - floorDiv(fromSunday, 7) * 7);
}

std::string formatDate(const Date& date) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year, date.month, date.day);
    return buffer;
}

std::optional<Date> parseDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    int fields[3] = {0, 0, 0};
    const std::size_t starts[3] = {0, 5, 8};
    const std::size_t widths[3] = {4, 2, 2};
    for (int i = 0; i < 3; ++i) {
        for (std::size_t k = 0; k < widths[i]; ++k) {
            const char c = text[starts[i] + k];
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            fields[i] = fields[i] * 10 + (c - '0');
        }
    }
    if (!isValidDate(fields[0], fields[1], fields[2])) {
        return std::nullopt;
    }
    return Date{fields[0], fields[1], fields[2]};
}

Date jstDate(std::int64_t unixSeconds) {
    return fromDays(floorDiv(unixSeconds + kJapanUtcOffsetSeconds, 86400));
}

int jstSecondOfDay(std::int64_t unixSeconds) {
    const std::int64_t local = unixSeconds + kJapanUtcOffsetSeconds;
    return static_cast<int>(local - floorDiv(local, 86400) * 86400);
}

std::int64_t jstTime(const Date& date, int secondOfDay) {
    return toDays(date) * 86400 + secondOfDay - kJapanUtcOffsetSeconds;
}

// --- holidays -------------------------------------------------------------------------------

std::string_view holidayKindName(HolidayKind kind) {
    switch (kind) {
    case HolidayKind::National:
        return "national";
    case HolidayKind::Substitute:
        return "substitute";
    case HolidayKind::Citizens:
        return "citizens";
    case HolidayKind::Company:
        return "company";
    }
    return "national";
}

namespace {

constexpr std::string_view kSubstituteName = "振替休日";
constexpr std::string_view kCitizensName = "国民の休日";
constexpr std::string_view kClosureName = "会社休業日";
/// What the Cabinet Office's file calls both substitute and citizens' holidays.
constexpr std::string_view kCsvRestDay = "休日";

const std::unordered_map<std::string_view, std::string_view>& englishNames() {
    static const std::unordered_map<std::string_view, std::string_view> names{
        {"元日", "New Year's Day"},
        {"成人の日", "Coming of Age Day"},
        {"建国記念の日", "National Foundation Day"},
        {"天皇誕生日", "The Emperor's Birthday"},
        {"春分の日", "Vernal Equinox Day"},
        {"昭和の日", "Showa Day"},
        {"憲法記念日", "Constitution Memorial Day"},
        {"みどりの日", "Greenery Day"},
        {"こどもの日", "Children's Day"},
        {"海の日", "Marine Day"},
        {"山の日", "Mountain Day"},
        {"敬老の日", "Respect for the Aged Day"},
        {"秋分の日", "Autumnal Equinox Day"},
        {"体育の日", "Health and Sports Day"},
        {"スポーツの日", "Sports Day"},
        {"文化の日", "Culture Day"},
        {"勤労感謝の日", "Labour Thanksgiving Day"},
        {kSubstituteName, "Substitute holiday"},
        {kCitizensName, "Citizens' holiday"},
        {kCsvRestDay, "Holiday"},
        {"休日（祝日扱い）", "Holiday (treated as a national holiday)"},
        {"昭和天皇の大喪の礼", "The Funeral of Emperor Showa"},
        {"大喪の礼", "The Funeral of Emperor Showa"},
        {"即位礼正殿の儀", "The Enthronement Ceremony"},
        {"結婚の儀", "The Imperial Wedding"},
        {"皇太子徳仁親王の結婚の儀", "The Wedding of Crown Prince Naruhito"},
        {"天皇の即位の日", "The Emperor's Enthronement Day"},
        {"即位礼正殿の儀の行われる日", "The Day of the Enthronement Ceremony"},
        {kClosureName, "Company closure"},
        {"年末年始", "Year-end and New Year closure"},
        {"夏季休業", "Summer closure"},
        {"お盆", "Obon closure"},
    };
    return names;
}

Holiday makeHoliday(const Date& date, HolidayKind kind, std::string_view name) {
    std::string english = englishHolidayName(name);
    return Holiday{date, kind, std::string(name), english.empty() ? std::string(name) : english};
}

/// The n-th Monday (n = 1…5) of a month: the Happy Monday days.
Date nthMonday(int year, int month, int n) {
    const Date first{year, month, 1};
    const int offset = (8 - weekday(first)) % 7; // days from the 1st to the first Monday
    return Date{year, month, 1 + offset + 7 * (n - 1)};
}

void checkRuleYear(int year) {
    if (year < kFirstRuleYear || year > kLastRuleYear) {
        throw CalendarRangeError(year);
    }
}

/// ⌊base + 0.242194·(y − 1980) − ⌊(y − 1980) / 4⌋⌋ with base and slope in millionths.
int equinoxDay(int year, std::int64_t baseMillionths) {
    checkRuleYear(year);
    const std::int64_t n = year - 1980;
    return static_cast<int>((baseMillionths + 242194 * n - 1000000 * (n / 4)) / 1000000);
}

/// A holiday the special laws moved for one year (the Olympic and Paralympic Games of Tokyo:
/// 2020, then postponed to 2021).
struct Move {
    int year;
    std::string_view name;
    int month;
    int day;
};
constexpr std::array<Move, 6> kMoves{{
    {2020, "海の日", 7, 23},
    {2020, "スポーツの日", 7, 24},
    {2020, "山の日", 8, 10},
    {2021, "海の日", 7, 22},
    {2021, "スポーツの日", 7, 23},
    {2021, "山の日", 8, 8},
}};

std::optional<Date> movedTo(int year, std::string_view name) {
    for (const auto& move : kMoves) {
        if (move.year == year && move.name == name) {
            return Date{year, move.month, move.day};
        }
    }
    return std::nullopt;
}

/// A day off of its own by a special law. Each is a holiday under the law (the 2019 ones
/// explicitly count as 国民の祝日, which made 2019-04-30 and 05-02 citizens' holidays).
struct OneOff {
    Date date;
    std::string_view name;
};
constexpr std::array<OneOff, 5> kOneOffs{{
    {{1989, 2, 24}, "昭和天皇の大喪の礼"},
    {{1990, 11, 12}, "即位礼正殿の儀"},
    {{1993, 6, 9}, "皇太子徳仁親王の結婚の儀"},
    {{2019, 5, 1}, "天皇の即位の日"},
    {{2019, 10, 22}, "即位礼正殿の儀の行われる日"},
}};

/// The 国民の祝日 of a year (without substitute and citizens' holidays), unsorted.
std::vector<Holiday> lawHolidays(int year) {
    std::vector<Holiday> out;
    const auto add = [&](int month, int day, std::string_view name) {
        out.push_back(makeHoliday(Date{year, month, day}, HolidayKind::National, name));
    };
    const auto addDate = [&](const Date& date, std::string_view name) {
        out.push_back(makeHoliday(date, HolidayKind::National, name));
    };
    add(1, 1, "元日");
    // Happy Monday (1998 amendment): 成人の日 from 2000; 海の日 and 敬老の日 from 2003 (2001
    // amendment); 体育の日 from 2000, renamed スポーツの日 from 2020.
    addDate(year < 2000 ? Date{year, 1, 15} : nthMonday(year, 1, 2), "成人の日");
    add(2, 11, "建国記念の日");
    if (year >= 2020) {
        add(2, 23, "天皇誕生日");
    }
    add(3, vernalEquinoxDay(year), "春分の日");
    add(4, 29, year <= 1988 ? "天皇誕生日" : year <= 2006 ? "みどりの日" : "昭和の日");
    add(5, 3, "憲法記念日");
    if (year >= 2007) {
        add(5, 4, "みどりの日"); // before 2007 a citizens' holiday most years
    }
    add(5, 5, "こどもの日");
    if (year >= 1996) {
        const auto moved = movedTo(year, "海の日");
        addDate(moved          ? *moved
                : year <= 2002 ? Date{year, 7, 20}
                               : nthMonday(year, 7, 3),
                "海の日");
    }
    if (year >= 2016) {
        const auto moved = movedTo(year, "山の日");
        addDate(moved ? *moved : Date{year, 8, 11}, "山の日");
    }
    addDate(year <= 2002 ? Date{year, 9, 15} : nthMonday(year, 9, 3), "敬老の日");
    add(9, autumnalEquinoxDay(year), "秋分の日");
    if (year <= 1999) {
        add(10, 10, "体育の日");
    } else if (year <= 2019) {
        addDate(nthMonday(year, 10, 2), "体育の日");
    } else {
        const auto moved = movedTo(year, "スポーツの日");
        addDate(moved ? *moved : nthMonday(year, 10, 2), "スポーツの日");
    }
    add(11, 3, "文化の日");
    add(11, 23, "勤労感謝の日");
    if (year >= 1989 && year <= 2018) {
        add(12, 23, "天皇誕生日");
    }
    for (const auto& oneOff : kOneOffs) {
        if (oneOff.date.year == year) {
            addDate(oneOff.date, oneOff.name);
        }
    }
    return out;
}

/// The first day the 1973 substitute rule applied (法律第10号, 1973-04-12) and the first day of
/// the citizens' holiday rule (1985-12-27).
constexpr Date kSubstituteRuleStart{1973, 4, 12};
constexpr Date kCitizensRuleStart{1985, 12, 27};
/// From 2007 (2005 amendment) the substitute is the next day that is no 国民の祝日 and the
/// citizens' holiday no longer excludes Sundays.
constexpr int kRevisedRulesYear = 2007;

/// Adds the substitute and citizens' holidays to a year's 国民の祝日 and sorts the list.
std::vector<Holiday> withRestDays(std::vector<Holiday> national) {
    std::set<std::int64_t> nationalDays;
    for (const auto& h : national) {
        nationalDays.insert(toDays(h.date));
    }
    std::set<std::int64_t> substitutes;
    std::vector<Holiday> added;
    for (const auto& h : national) {
        if (weekday(h.date) != 0 || h.date < kSubstituteRuleStart) {
            continue;
        }
        std::int64_t day = toDays(h.date) + 1;
        if (h.date.year >= kRevisedRulesYear) {
            while (nationalDays.count(day) != 0) {
                ++day; // the nearest following day that is no 国民の祝日
            }
        } else if (nationalDays.count(day) != 0) {
            continue; // 1973 form: the next day only
        }
        if (substitutes.insert(day).second) {
            added.push_back(makeHoliday(fromDays(day), HolidayKind::Substitute, kSubstituteName));
        }
    }
    for (const auto& h : national) {
        const std::int64_t day = toDays(h.date) + 1;
        const Date date = fromDays(day);
        if (date < kCitizensRuleStart || nationalDays.count(day) != 0 ||
            nationalDays.count(day + 1) == 0 || substitutes.count(day) != 0) {
            continue;
        }
        if (date.year < kRevisedRulesYear && weekday(date) == 0) {
            continue; // the 1985 form excludes Sundays
        }
        added.push_back(makeHoliday(date, HolidayKind::Citizens, kCitizensName));
    }
    national.insert(national.end(), added.begin(), added.end());
    std::sort(national.begin(), national.end(),
              [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
    return national;
}

/// Kinds for the entries of an override file: "休日" is a substitute holiday when a run of
/// days off leads back to a 国民の祝日 on a Sunday, a citizens' holiday when it lies between
/// two 国民の祝日, else a day off of its own (national). The name stays the file's, except that
/// a bare "休日" becomes 振替休日 or 国民の休日.
std::vector<Holiday> classifyEntries(const std::vector<const HolidayEntry*>& entries) {
    std::map<std::int64_t, const HolidayEntry*> byDay;
    for (const auto* entry : entries) {
        byDay[toDays(entry->date)] = entry;
    }
    const auto isRest = [&](const HolidayEntry& e) { return e.name == kCsvRestDay; };
    const auto isNational = [&](std::int64_t day) {
        const auto it = byDay.find(day);
        return it != byDay.end() && !isRest(*it->second);
    };
    std::vector<Holiday> out;
    for (const auto& [day, entry] : byDay) {
        if (!isRest(*entry)) {
            out.push_back(makeHoliday(entry->date, HolidayKind::National, entry->name));
            continue;
        }
        bool substitute = false;
        for (std::int64_t back = day - 1; byDay.count(back) != 0; --back) {
            if (isNational(back) && weekday(fromDays(back)) == 0) {
                substitute = true;
                break;
            }
        }
        if (substitute) {
            out.push_back(makeHoliday(entry->date, HolidayKind::Substitute, kSubstituteName));
        } else if (isNational(day - 1) && isNational(day + 1)) {
            out.push_back(makeHoliday(entry->date, HolidayKind::Citizens, kCitizensName));
        } else {
            out.push_back(makeHoliday(entry->date, HolidayKind::National, entry->name));
        }
    }
    return out;
}

} // namespace

std::string englishHolidayName(std::string_view japanese) {
    const auto& names = englishNames();
    const auto it = names.find(japanese);
    return it == names.end() ? std::string() : std::string(it->second);
}

CalendarRangeError::CalendarRangeError(int year)
    : std::runtime_error("no holiday data for " + std::to_string(year) +
                         ": vulnwatch computes Japanese holidays for " +
                         std::to_string(kFirstRuleYear) + "-" + std::to_string(kLastRuleYear) +
                         "; for other years give [calendar] holidays_file (the Cabinet Office's "
                         "syukujitsu.csv covering the year)"),
      year_(year) {}

int vernalEquinoxDay(int year) {
    return equinoxDay(year, 20843100);
}

int autumnalEquinoxDay(int year) {
    return equinoxDay(year, 23248800);
}

std::vector<Holiday> holidaysByRule(int year) {
    checkRuleYear(year);
    return withRestDays(lawHolidays(year));
}

std::vector<Closure> defaultClosures() {
    return {Closure{true, Date{0, 12, 29}, Date{0, 1, 3}, "年末年始"}};
}

// --- the calendar ---------------------------------------------------------------------------

struct BusinessCalendar::Data {
    std::map<int, std::vector<Holiday>> overrides; // by year, classified, sorted
    std::vector<Closure> closures;
    int dayEndMinutes = 18 * 60;
    /// offDays() computed so far.
    mutable std::mutex masksMutex;
    mutable std::map<int, std::shared_ptr<const std::vector<bool>>> masks;

    /// The closure days of `year` (dates within the year), with their names.
    std::vector<Holiday> closureDays(int year) const {
        std::vector<Holiday> out;
        const auto addRange = [&](Date first, Date last, const Closure& closure) {
            const Date yearStart{year, 1, 1};
            const Date yearEnd{year, 12, 31};
            first = std::max(first, yearStart);
            last = std::min(last, yearEnd);
            const std::string_view name =
                closure.name.empty() ? kClosureName : std::string_view(closure.name);
            for (std::int64_t d = toDays(first); d <= toDays(last); ++d) {
                out.push_back(makeHoliday(fromDays(d), HolidayKind::Company, name));
            }
        };
        const auto clamp = [&](int month, int day) {
            return Date{year, month, std::min(day, daysInMonth(year, month))};
        };
        for (const auto& closure : closures) {
            if (!closure.everyYear) {
                addRange(closure.first, closure.last, closure);
                continue;
            }
            const Date first = clamp(closure.first.month, closure.first.day);
            const Date last = clamp(closure.last.month, closure.last.day);
            const bool wraps = std::pair(closure.first.month, closure.first.day) >
                               std::pair(closure.last.month, closure.last.day);
            if (wraps) {
                addRange(Date{year, 1, 1}, last, closure);
                addRange(first, Date{year, 12, 31}, closure);
            } else {
                addRange(first, last, closure);
            }
        }
        return out;
    }
};

namespace {

/// The days off of one year as flags by day of the year, weekends included
/// (BusinessCalendar::offDays, shared).
class YearMask {
public:
    YearMask(const BusinessCalendar& calendar, int year)
        : year_(year), start_(toDays(Date{year, 1, 1})), off_(calendar.offDays(year)) {}
    int year() const { return year_; }
    bool off(std::int64_t day) const { return (*off_)[static_cast<std::size_t>(day - start_)]; }

private:
    int year_;
    std::int64_t start_;
    std::shared_ptr<const std::vector<bool>> off_;
};

/// Business-day questions for a run of days, computing each year's days off once.
class DayWalker {
public:
    explicit DayWalker(const BusinessCalendar& calendar) : calendar_(calendar) {}
    bool isBusinessDay(std::int64_t day) {
        const int year = fromDays(day).year;
        if (!mask_ || mask_->year() != year) {
            mask_.emplace(calendar_, year);
        }
        return !mask_->off(day);
    }
    /// The first business day after `day`.
    std::int64_t nextBusinessDay(std::int64_t day) {
        // No company closes for two whole years: stop rather than loop for ever.
        for (int i = 1; i <= 2 * 366; ++i) {
            if (isBusinessDay(day + i)) {
                return day + i;
            }
        }
        throw std::runtime_error("no business day within two years after " +
                                 formatDate(fromDays(day)) + " (check [calendar] closures)");
    }

private:
    const BusinessCalendar& calendar_;
    std::optional<YearMask> mask_;
};

} // namespace

BusinessCalendar::BusinessCalendar() : BusinessCalendar(CalendarSettings{}) {}

BusinessCalendar::BusinessCalendar(CalendarSettings settings) {
    auto data = std::make_shared<Data>();
    std::map<int, std::vector<const HolidayEntry*>> byYear;
    for (const auto& entry : settings.overrides) {
        byYear[entry.date.year].push_back(&entry);
    }
    for (const auto& [year, entries] : byYear) {
        data->overrides[year] = classifyEntries(entries);
    }
    data->closures = std::move(settings.closures);
    data->dayEndMinutes = settings.dayEndMinutes;
    data_ = std::move(data);
}

std::shared_ptr<const std::vector<bool>> BusinessCalendar::offDays(int year) const {
    {
        const std::lock_guard<std::mutex> lock(data_->masksMutex);
        if (const auto it = data_->masks.find(year); it != data_->masks.end()) {
            return it->second;
        }
    }
    // Computed outside the lock (daysOff throws CalendarRangeError for a year without data).
    const std::int64_t start = toDays(Date{year, 1, 1});
    auto off = std::make_shared<std::vector<bool>>(
        static_cast<std::size_t>(toDays(Date{year, 12, 31}) - start + 1), false);
    for (std::size_t i = 0; i < off->size(); ++i) {
        const int wd = weekday(fromDays(start + static_cast<std::int64_t>(i)));
        (*off)[i] = wd == 0 || wd == 6;
    }
    for (const auto& h : daysOff(year)) {
        (*off)[static_cast<std::size_t>(toDays(h.date) - start)] = true;
    }
    const std::lock_guard<std::mutex> lock(data_->masksMutex);
    return data_->masks.emplace(year, std::move(off)).first->second;
}

std::vector<Holiday> BusinessCalendar::nationalHolidays(int year) const {
    if (const auto it = data_->overrides.find(year); it != data_->overrides.end()) {
        return it->second;
    }
    return holidaysByRule(year);
}

std::vector<Holiday> BusinessCalendar::daysOff(int year) const {
    std::vector<Holiday> days = nationalHolidays(year);
    std::set<Date> taken;
    for (const auto& h : days) {
        taken.insert(h.date);
    }
    for (auto& closure : data_->closureDays(year)) {
        if (taken.insert(closure.date).second) {
            days.push_back(std::move(closure));
        }
    }
    std::stable_sort(days.begin(), days.end(),
                     [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
    return days;
}

std::optional<Holiday> BusinessCalendar::dayOff(const Date& date) const {
    for (auto& h : daysOff(date.year)) {
        if (h.date == date) {
            return std::move(h);
        }
    }
    return std::nullopt;
}

bool BusinessCalendar::isBusinessDay(const Date& date) const {
    DayWalker walker(*this);
    return walker.isBusinessDay(toDays(date));
}

bool BusinessCalendar::overridden(int year) const {
    return data_->overrides.count(year) != 0;
}

std::vector<int> BusinessCalendar::overrideYears() const {
    std::vector<int> years;
    for (const auto& entry : data_->overrides) {
        years.push_back(entry.first);
    }
    return years;
}

int BusinessCalendar::dayEndMinutes() const {
    return data_->dayEndMinutes;
}

const std::vector<Closure>& BusinessCalendar::closures() const {
    return data_->closures;
}

Date BusinessCalendar::clockStart(std::int64_t receivedAt) const {
    DayWalker walker(*this);
    const std::int64_t day = toDays(jstDate(receivedAt));
    if (walker.isBusinessDay(day) && jstSecondOfDay(receivedAt) < data_->dayEndMinutes * 60) {
        return fromDays(day);
    }
    return fromDays(walker.nextBusinessDay(day));
}

std::int64_t BusinessCalendar::addBusinessDays(std::int64_t receivedAt, int n) const {
    if (n < 0) {
        throw std::invalid_argument("a number of business days cannot be negative (" +
                                    std::to_string(n) + ")");
    }
    DayWalker walker(*this);
    std::int64_t day = toDays(clockStart(receivedAt));
    for (int i = 0; i < n; ++i) {
        day = walker.nextBusinessDay(day);
    }
    return jstTime(fromDays(day), data_->dayEndMinutes * 60);
}

std::int64_t BusinessCalendar::addCalendarDays(std::int64_t receivedAt, int n) const {
    if (n < 0) {
        throw std::invalid_argument("a number of calendar days cannot be negative (" +
                                    std::to_string(n) + ")");
    }
    return jstTime(addDays(jstDate(receivedAt), n), 86400 - 1);
}

// --- deadlines ------------------------------------------------------------------------------

std::string_view severityName(Severity severity) {
    switch (severity) {
    case Severity::Critical:
        return "Critical";
    case Severity::High:
        return "High";
    case Severity::Medium:
        return "Medium";
    case Severity::Low:
        return "Low";
    case Severity::None:
        return "None";
    case Severity::Unscored:
        return "Unscored";
    }
    return "Unscored";
}

std::optional<Severity> parseSeverity(std::string_view text) {
    std::string lower;
    for (const char c : text) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (const Severity s : {Severity::Critical, Severity::High, Severity::Medium, Severity::Low,
                             Severity::None, Severity::Unscored}) {
        std::string name(severityName(s));
        name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
        if (lower == name) {
            return s;
        }
    }
    return std::nullopt;
}

Severity severityFromScore(std::optional<double> score) {
    if (!score) {
        return Severity::Unscored;
    }
    if (*score >= 9.0) {
        return Severity::Critical;
    }
    if (*score >= 7.0) {
        return Severity::High;
    }
    if (*score >= 4.0) {
        return Severity::Medium;
    }
    if (*score > 0.0) {
        return Severity::Low;
    }
    return Severity::None;
}

int DeadlinePolicy::decideDays(Severity severity) const {
    switch (severity) {
    case Severity::Critical:
        return decideCritical;
    case Severity::High:
        return decideHigh;
    case Severity::Medium:
        return decideMedium;
    case Severity::Low:
    case Severity::None:
        return decideLow;
    case Severity::Unscored:
        return decideUnscored;
    }
    return decideUnscored;
}

Deadlines deadlinesFor(Severity severity, bool riskControlled, std::int64_t receivedAt,
                       const BusinessCalendar& calendar, const DeadlinePolicy& policy) {
    Deadlines d;
    d.receivedAt = receivedAt;
    d.clockStart = calendar.clockStart(receivedAt);
    d.decide = calendar.addBusinessDays(receivedAt, policy.decideDays(severity));
    const int inform = riskControlled ? policy.informControlled : policy.informUncontrolled;
    if (inform > 0) {
        d.inform = calendar.addCalendarDays(receivedAt, inform);
    }
    d.fix = calendar.addCalendarDays(receivedAt, riskControlled ? policy.fixControlled
                                                                : policy.fixUncontrolled);
    return d;
}

} // namespace vw
