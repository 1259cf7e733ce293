// [calendar] and [deadlines]: the business calendar's settings (docs/configuration.md), the
// value syntax of their keys, and the BusinessCalendar built from them (core/calendar.h).
#pragma once

#include "core/calendar.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// [calendar].
struct CalendarConfig {
    /// closures: company closure days (default 12-29..01-03 年末年始).
    std::vector<Closure> closures = defaultClosures();
    /// day_end: minutes after midnight JST (18:00).
    int dayEndMinutes = 18 * 60;
    /// holidays_file: the Cabinet Office CSV ("" for none) and its entries, read when the
    /// config is loaded (a bad file is a ConfigError). Equal when the paths are.
    std::string holidaysFile;
    std::shared_ptr<const std::vector<HolidayEntry>> holidays;

    bool operator==(const CalendarConfig& other) const {
        return closures == other.closures && dayEndMinutes == other.dayEndMinutes &&
               holidaysFile == other.holidaysFile;
    }
};

/// The calendar these settings describe.
BusinessCalendar makeCalendar(const CalendarConfig& config);

/// Parses a `closures` value: comma-separated items `MM-DD..MM-DD [NAME]` (every year; wraps
/// over the year end when the first day comes later: 12-29..01-03), `YYYY-MM-DD..YYYY-MM-DD
/// [NAME]` (once), or a single `MM-DD` / `YYYY-MM-DD` day; `none` for no closures. NAME is
/// free text without commas. Throws std::invalid_argument saying what is wrong with which item.
std::vector<Closure> parseClosures(std::string_view text);

/// The form parseClosures reads ("12-29..01-03 年末年始, 2026-08-13..2026-08-15"; "none").
std::string formatClosures(const std::vector<Closure>& closures);

/// Parses `day_end`: "HH:MM" from 00:01 to 24:00. Throws std::invalid_argument.
int parseDayEnd(std::string_view text);
/// "18:00".
std::string formatDayEnd(int minutes);

/// Parses a whole number of days from `min` to `max`; `allowNone` also accepts "none" (0).
/// Throws std::invalid_argument.
int parseDayCount(std::string_view text, int min, int max, bool allowNone);

} // namespace vw
