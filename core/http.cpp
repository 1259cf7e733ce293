#include "core/http.h"

#include "core/datetime.h"
#include "core/text.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace vw {

std::string HttpResponse::header(const std::string& lowerName) const {
    for (const auto& [name, value] : headers) {
        if (name == lowerName) {
            return value;
        }
    }
    return {};
}

namespace {

bool allDigits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
}

int number(std::string_view digits) {
    int value = 0;
    for (char c : digits) {
        value = value * 10 + (c - '0');
    }
    return value;
}

/// 1–12 for "Jan"…"Dec", 0 for anything else.
unsigned monthNumber(std::string_view name) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (name == kMonths[i]) {
            return static_cast<unsigned>(i + 1);
        }
    }
    return 0;
}

bool isDayName(std::string_view name, bool full) {
    static constexpr std::array<std::string_view, 7> kShort = {"Mon", "Tue", "Wed", "Thu",
                                                               "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 7> kFull = {
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    const auto& names = full ? kFull : kShort;
    return std::find(names.begin(), names.end(), name) != names.end();
}

/// "hh:mm:ss" as seconds of the day.
std::optional<int> timeOfDay(std::string_view text) {
    if (text.size() != 8 || text[2] != ':' || text[5] != ':' || !allDigits(text.substr(0, 2)) ||
        !allDigits(text.substr(3, 2)) || !allDigits(text.substr(6, 2))) {
        return std::nullopt;
    }
    const int hour = number(text.substr(0, 2));
    const int minute = number(text.substr(3, 2));
    const int second = number(text.substr(6, 2));
    if (hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    return hour * 3600 + minute * 60 + second;
}

/// An HTTP date in any of its three forms as Unix time; `now` settles an RFC 850 date's
/// two-digit year (RFC 9110: more than 50 years ahead means the past century).
std::optional<std::int64_t> parseHttpDate(std::string_view text, std::int64_t now) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    const auto separator = [](char c) { return c == ' ' || c == ',' || c == '-'; };
    while (i < text.size() && tokens.size() <= 6) {
        while (i < text.size() && separator(text[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && !separator(text[i])) {
            ++i;
        }
        if (i > start) {
            tokens.push_back(text.substr(start, i - start));
        }
    }
    std::string_view day;
    std::string_view month;
    std::string_view year;
    std::string_view time;
    if (tokens.size() == 6 && (tokens[5] == "GMT" || tokens[5] == "UTC") &&
        (isDayName(tokens[0], false) || isDayName(tokens[0], true))) {
        // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" or RFC 850 "Sunday, 06-Nov-94 …"
        day = tokens[1];
        month = tokens[2];
        year = tokens[3];
        time = tokens[4];
    } else if (tokens.size() == 5 && isDayName(tokens[0], false)) {
        // asctime "Sun Nov  6 08:49:37 1994"
        month = tokens[1];
        day = tokens[2];
        time = tokens[3];
        year = tokens[4];
    } else {
        return std::nullopt;
    }
    const unsigned monthNo = monthNumber(month);
    const auto seconds = timeOfDay(time);
    if (monthNo == 0 || !seconds || day.size() > 2 || !allDigits(day) ||
        (year.size() != 4 && year.size() != 2) || !allDigits(year)) {
        return std::nullopt;
    }
    const int dayNo = number(day);
    int yearNo = number(year);
    if (year.size() == 2) {
        const int thisYear = static_cast<int>(1970 + now / 31556952);
        yearNo += 2000;
        if (yearNo > thisYear + 50) {
            yearNo -= 100;
        }
    }
    if (dayNo < 1 || dayNo > 31) {
        return std::nullopt;
    }
    return daysFromCivil(yearNo, monthNo, static_cast<unsigned>(dayNo)) * 86400 + *seconds;
}

} // namespace

void addHeaderLine(std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view line) {
    if (line.substr(0, 5) == "HTTP/") {
        headers.clear();
        return;
    }
    const std::string_view content = trim(line);
    if (content.empty()) {
        return;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
        // obsolete line folding: continues the previous header's value
        auto& value = headers.back().second;
        value.append(value.empty() ? "" : " ").append(content);
        return;
    }
    const auto colon = content.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return; // not a header; ignored
    }
    std::string name(trim(content.substr(0, colon)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers.emplace_back(std::move(name), std::string(trim(content.substr(colon + 1))));
}

std::optional<long> parseRetryAfter(std::string_view value) {
    const std::string_view digits = trim(value);
    if (digits.size() > 9 || !allDigits(digits)) {
        return std::nullopt;
    }
    long seconds = 0;
    for (char c : digits) {
        seconds = seconds * 10 + (c - '0');
    }
    return seconds;
}

std::optional<long> parseRetryAfter(std::string_view value, std::int64_t now) {
    if (auto seconds = parseRetryAfter(value)) {
        return seconds;
    }
    const auto at = parseHttpDate(trim(value), now);
    if (!at) {
        return std::nullopt;
    }
    // Capped as the delta form is (nine digits, about 31 years).
    return static_cast<long>(std::clamp<std::int64_t>(*at - now, 0, 999999999));
}

} // namespace vw
