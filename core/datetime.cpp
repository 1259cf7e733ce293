#include "core/datetime.h"

#include "core/text.h"

#include <cstdio>

namespace vw {

namespace {

bool isLeapYear(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned daysInMonth(int year, unsigned month) {
    static constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29u : lengths[month - 1];
}

struct CivilDate {
    int year;
    unsigned month;
    unsigned day;
};

/// Inverse of daysFromCivil.
CivilDate civilFromDays(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
    const unsigned yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const unsigned monthIndex = (5 * dayOfYear + 2) / 153; // March = 0
    const unsigned day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
    const unsigned month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
    const auto year = static_cast<int>(static_cast<std::int64_t>(yearOfEra) + era * 400);
    return {month <= 2 ? year + 1 : year, month, day};
}

/// Reads exactly `width` decimal digits from `text` at `pos`, advancing `pos`.
bool readDigits(std::string_view text, std::size_t& pos, std::size_t width, int& out) {
    if (text.size() - pos < width) {
        return false;
    }
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += width;
    out = value;
    return true;
}

bool consume(std::string_view text, std::size_t& pos, char expected) {
    if (pos < text.size() && text[pos] == expected) {
        ++pos;
        return true;
    }
    return false;
}

/// Parses `Z`, `±hh:mm` or `±hhmm` covering the rest of `text`.
bool parseOffset(std::string_view text, std::size_t pos, int& minutes) {
    if (pos == text.size()) {
        return false;
    }
    if (text[pos] == 'Z' || text[pos] == 'z') {
        minutes = 0;
        return pos + 1 == text.size();
    }
    const char sign = text[pos];
    if (sign != '+' && sign != '-') {
        return false;
    }
    ++pos;
    int hours = 0;
    int mins = 0;
    if (!readDigits(text, pos, 2, hours)) {
        return false;
    }
    consume(text, pos, ':');
    if (!readDigits(text, pos, 2, mins) || pos != text.size()) {
        return false;
    }
    if (hours > 23 || mins > 59) {
        return false;
    }
    minutes = (hours * 60 + mins) * (sign == '-' ? -1 : 1);
    return true;
}

} // namespace

std::int64_t daysFromCivil(int year, unsigned month, unsigned day) {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yearOfEra = static_cast<unsigned>(y - era * 400);
    const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + static_cast<std::int64_t>(dayOfEra) - 719468;
}

std::optional<DateTime> parseIsoDateTime(std::string_view text, int defaultOffsetMinutes) {
    text = trim(text);
    std::size_t pos = 0;
    int year = 0;
    int month = 0;
    int day = 0;
    if (!readDigits(text, pos, 4, year) || !consume(text, pos, '-') ||
        !readDigits(text, pos, 2, month) || !consume(text, pos, '-') ||
        !readDigits(text, pos, 2, day)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month))) {
        return std::nullopt;
    }

    int hour = 0;
    int minute = 0;
    int second = 0;
    int offset = defaultOffsetMinutes;
    if (pos < text.size()) {
        if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
            return std::nullopt;
        }
        ++pos;
        if (!readDigits(text, pos, 2, hour) || !consume(text, pos, ':') ||
            !readDigits(text, pos, 2, minute)) {
            return std::nullopt;
        }
        if (consume(text, pos, ':')) {
            if (!readDigits(text, pos, 2, second)) {
                return std::nullopt;
            }
            if (consume(text, pos, '.')) {
                const std::size_t start = pos;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                    ++pos;
                }
                if (pos == start) {
                    return std::nullopt;
                }
            }
        }
        if (hour > 23 || minute > 59 || second > 59) {
            return std::nullopt;
        }
        if (pos < text.size() && !parseOffset(text, pos, offset)) {
            return std::nullopt;
        }
    }

    const std::int64_t days =
        daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
    return DateTime{local - static_cast<std::int64_t>(offset) * 60, offset};
}

std::string formatIsoDateTime(const DateTime& value) {
    const std::int64_t local = value.epoch + static_cast<std::int64_t>(value.offsetMinutes) * 60;
    std::int64_t days = local / 86400;
    std::int64_t secondsOfDay = local % 86400;
    if (secondsOfDay < 0) {
        secondsOfDay += 86400;
        --days;
    }
    const CivilDate date = civilFromDays(days);
    const int offsetAbs = value.offsetMinutes < 0 ? -value.offsetMinutes : value.offsetMinutes;
    const auto hours = static_cast<int>(secondsOfDay / 3600);
    const auto minutes = static_cast<int>(secondsOfDay / 60 % 60);
    const auto seconds = static_cast<int>(secondsOfDay % 60);
    char buffer[64];
    if (date.year >= 0 && date.year <= 9999 && offsetAbs / 60 <= 99) {
        // Written digit by digit: this runs for every date of every record (snprintf was a
        // visible part of a bulk import's time).
        char* p = buffer;
        const auto put = [&p](int number, int digits) {
            for (int d = digits - 1; d >= 0; --d) {
                p[d] = static_cast<char>('0' + number % 10);
                number /= 10;
            }
            p += digits;
        };
        put(date.year, 4);
        *p++ = '-';
        put(static_cast<int>(date.month), 2);
        *p++ = '-';
        put(static_cast<int>(date.day), 2);
        *p++ = 'T';
        put(hours, 2);
        *p++ = ':';
        put(minutes, 2);
        *p++ = ':';
        put(seconds, 2);
        *p++ = value.offsetMinutes < 0 ? '-' : '+';
        put(offsetAbs / 60, 2);
        *p++ = ':';
        put(offsetAbs % 60, 2);
        return std::string(buffer, p);
    }
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", date.year,
                  date.month, date.day, hours, minutes, seconds,
                  value.offsetMinutes < 0 ? '-' : '+', offsetAbs / 60, offsetAbs % 60);
    return buffer;
}

} // namespace vw
