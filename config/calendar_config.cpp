#include "config/calendar_config.h"

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace vw {

namespace {

std::string_view trimSpaces(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool allDigits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

int number(std::string_view digits) {
    int value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return value;
}

/// One end of a closure: "MM-DD" (year 0: every year) or "YYYY-MM-DD".
std::optional<Date> parseEnd(std::string_view text) {
    if (text.size() == 10) {
        return parseDate(text);
    }
    if (text.size() != 5 || text[2] != '-' || !allDigits(text.substr(0, 2)) ||
        !allDigits(text.substr(3, 2))) {
        return std::nullopt;
    }
    const int month = number(text.substr(0, 2));
    const int day = number(text.substr(3, 2));
    if (!isValidDate(2000, month, day)) { // a leap year: 02-29 is a month-day
        return std::nullopt;
    }
    return Date{0, month, day};
}

std::string formatEnd(const Date& date, bool everyYear) {
    char buffer[16];
    if (everyYear) {
        std::snprintf(buffer, sizeof buffer, "%02d-%02d", date.month, date.day);
        return buffer;
    }
    return formatDate(date);
}

Closure parseItem(std::string_view item) {
    const auto space = item.find_first_of(" \t");
    const std::string_view range = item.substr(0, space);
    const std::string_view name =
        space == std::string_view::npos ? std::string_view() : trimSpaces(item.substr(space));
    const auto dots = range.find("..");
    const std::string_view firstText = range.substr(0, dots);
    const std::string_view lastText =
        dots == std::string_view::npos ? firstText : range.substr(dots + 2);
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument("closure '" + std::string(item) + "': " + why +
                                     " (write MM-DD..MM-DD for every year, "
                                     "YYYY-MM-DD..YYYY-MM-DD for once, then an optional name)");
    };
    const auto first = parseEnd(firstText);
    if (!first) {
        throw bad("'" + std::string(firstText) + "' is not a month-day (MM-DD) or a date");
    }
    const auto last = parseEnd(lastText);
    if (!last) {
        throw bad("'" + std::string(lastText) + "' is not a month-day (MM-DD) or a date");
    }
    const bool everyYear = first->year == 0;
    if (everyYear != (last->year == 0)) {
        throw bad("it mixes a month-day and a date");
    }
    if (!everyYear) {
        if (*last < *first) {
            throw bad("it ends before it starts");
        }
        if (toDays(*last) - toDays(*first) >= 366) {
            throw bad("it is longer than a year");
        }
    } else if ((addDays(Date{2000, last->month, last->day}, 1) ==
                Date{2000, first->month, first->day}) ||
               (first->month == 1 && first->day == 1 && last->month == 12 && last->day == 31)) {
        throw bad("it closes the whole year");
    }
    if (name.find(',') != std::string_view::npos) {
        throw bad("a name cannot contain a comma");
    }
    return Closure{everyYear, *first, *last, std::string(name)};
}

} // namespace

BusinessCalendar makeCalendar(const CalendarConfig& config) {
    CalendarSettings settings;
    if (config.holidays) {
        settings.overrides = *config.holidays;
    }
    settings.closures = config.closures;
    settings.dayEndMinutes = config.dayEndMinutes;
    return BusinessCalendar(std::move(settings));
}

std::vector<Closure> parseClosures(std::string_view text) {
    text = trimSpaces(text);
    if (text == "none") {
        return {};
    }
    std::vector<Closure> closures;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view item = trimSpaces(text.substr(0, comma));
        if (item.empty()) {
            throw std::invalid_argument("an empty closure (two commas in a row, or one at the "
                                        "end); write `none` for no closures");
        }
        closures.push_back(parseItem(item));
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return closures;
}

std::string formatClosures(const std::vector<Closure>& closures) {
    if (closures.empty()) {
        return "none";
    }
    std::string text;
    for (const auto& c : closures) {
        if (!text.empty()) {
            text += ", ";
        }
        text += formatEnd(c.first, c.everyYear);
        if (c.last != c.first) {
            text += ".." + formatEnd(c.last, c.everyYear);
        }
        if (!c.name.empty()) {
            text += " " + c.name;
        }
    }
    return text;
}

int parseDayEnd(std::string_view text) {
    const auto bad = [&] {
        return std::invalid_argument("'" + std::string(text) +
                                     "' is not a time of day from 00:01 to 24:00 (HH:MM)");
    };
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 ||
        !allDigits(text.substr(0, colon)) || text.size() - colon != 3 ||
        !allDigits(text.substr(colon + 1))) {
        throw bad();
    }
    const int hour = number(text.substr(0, colon));
    const int minute = number(text.substr(colon + 1));
    const int total = hour * 60 + minute;
    if (minute > 59 || total == 0 || total > 24 * 60) {
        throw bad();
    }
    return total;
}

std::string formatDayEnd(int minutes) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%02d:%02d", minutes / 60, minutes % 60);
    return buffer;
}

int parseDayCount(std::string_view text, int min, int max, bool allowNone) {
    if (allowNone && text == "none") {
        return 0;
    }
    if (!allDigits(text) || text.size() > 6 || number(text) < min || number(text) > max) {
        throw std::invalid_argument("'" + std::string(text) + "' is not a number of days from " +
                                    std::to_string(min) + " to " + std::to_string(max) +
                                    (allowNone ? " (or none)" : ""));
    }
    return number(text);
}

} // namespace vw
