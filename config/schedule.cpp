#include "config/schedule.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <date/tz.h>
#include <stdexcept>
#include <vector>

namespace vw {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') {
            ++i;
        }
        if (i > start) {
            out.push_back(text.substr(start, i - start));
        }
    }
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

/// "8:30" or "08:30" into hour and minute.
bool parseClock(std::string_view text, int& hour, int& minute) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 ||
        text.size() - colon - 1 != 2) {
        return false;
    }
    const auto number = [](std::string_view digits, int& value) {
        const auto* end = digits.data() + digits.size();
        const auto result = std::from_chars(digits.data(), end, value);
        return result.ec == std::errc() && result.ptr == end;
    };
    return number(text.substr(0, colon), hour) && number(text.substr(colon + 1), minute) &&
           hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59;
}

const date::time_zone* zoneOf(const std::string& zone) {
    return date::locate_zone(zone); // throws std::runtime_error when unknown
}

/// The scheduled instant on local day `day` (nullopt when the schedule skips that day).
std::optional<std::int64_t> onDay(const DigestSchedule& schedule, const date::time_zone* zone,
                                  date::local_days day) {
    if (schedule.weekly &&
        date::weekday(day).c_encoding() != static_cast<unsigned>(schedule.weekday)) {
        return std::nullopt;
    }
    const auto local =
        day + std::chrono::hours(schedule.hour) + std::chrono::minutes(schedule.minute);
    const auto sys = zone->to_sys(local, date::choose::earliest);
    return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

date::local_days localDay(const date::time_zone* zone, std::int64_t t) {
    const auto local = zone->to_local(date::sys_seconds(std::chrono::seconds(t)));
    return date::floor<date::days>(local);
}

} // namespace

std::optional<DigestSchedule> parseDigestSchedule(std::string_view text, std::string* why) {
    const auto fail = [&](const std::string& message) -> std::optional<DigestSchedule> {
        if (why != nullptr) {
            *why = message;
        }
        return std::nullopt;
    };
    const auto parts = words(text);
    DigestSchedule schedule;
    if (parts.empty()) {
        return fail("empty (write daily HH:MM or weekly mon HH:MM)");
    }
    const std::string kind = lower(parts[0]);
    std::string_view clock;
    if (kind == "daily") {
        if (parts.size() != 2) {
            return fail("'" + std::string(text) + "' is not daily HH:MM (e.g. daily 08:30)");
        }
        clock = parts[1];
    } else if (kind == "weekly") {
        if (parts.size() != 3) {
            return fail("'" + std::string(text) +
                        "' is not weekly DAY HH:MM (e.g. weekly mon 08:30)");
        }
        const std::string day = lower(parts[1]);
        bool found = false;
        for (std::size_t i = 0; i < kWeekdays.size(); ++i) {
            if (kWeekdays[i] == day) {
                schedule.weekday = static_cast<int>(i);
                found = true;
            }
        }
        if (!found) {
            return fail("'" + std::string(parts[1]) +
                        "' is not a weekday (mon, tue, wed, thu, fri, sat, sun)");
        }
        schedule.weekly = true;
        clock = parts[2];
    } else {
        return fail("'" + std::string(text) +
                    "' is not a schedule (daily HH:MM or weekly DAY HH:MM, e.g. daily 08:30)");
    }
    if (!parseClock(clock, schedule.hour, schedule.minute)) {
        return fail("'" + std::string(clock) + "' is not a time of day (HH:MM, 00:00 to 23:59)");
    }
    return schedule;
}

std::string formatDigestSchedule(const DigestSchedule& schedule) {
    char clock[8];
    std::snprintf(clock, sizeof clock, "%02d:%02d", schedule.hour, schedule.minute);
    if (schedule.weekly) {
        return "weekly " + std::string(kWeekdays.at(static_cast<std::size_t>(schedule.weekday))) +
               " " + clock;
    }
    return std::string("daily ") + clock;
}

bool knownTimeZone(const std::string& zone) {
    try {
        zoneOf(zone);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::int64_t nextScheduled(const DigestSchedule& schedule, const std::string& zone,
                           std::int64_t after) {
    const date::time_zone* z = zoneOf(zone);
    // From the day before (a jump may move the instant across midnight) to 8 days on.
    const date::local_days today = localDay(z, after);
    for (int d = -1; d <= 8; ++d) {
        const auto at = onDay(schedule, z, today + date::days(d));
        if (at && *at > after) {
            return *at;
        }
    }
    throw std::logic_error("no scheduled time within 8 days of " + std::to_string(after));
}

std::int64_t lastScheduled(const DigestSchedule& schedule, const std::string& zone,
                           std::int64_t at) {
    const date::time_zone* z = zoneOf(zone);
    const date::local_days today = localDay(z, at);
    for (int d = 1; d >= -8; --d) {
        const auto when = onDay(schedule, z, today + date::days(d));
        if (when && *when <= at) {
            return *when;
        }
    }
    throw std::logic_error("no scheduled time within 8 days before " + std::to_string(at));
}

std::string localTimeText(std::int64_t t, const std::string& zone) {
    const date::time_zone* z = zoneOf(zone);
    const date::sys_seconds sys{std::chrono::seconds(t)};
    const auto info = z->get_info(sys);
    const auto local = z->to_local(sys);
    const auto day = date::floor<date::days>(local);
    const date::year_month_day ymd(day);
    const date::hh_mm_ss<std::chrono::seconds> clock(
        std::chrono::duration_cast<std::chrono::seconds>(local - day));
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()));
    return std::string(buffer) + " " + info.abbrev;
}

} // namespace vw
