// The holiday override file (`[calendar] holidays_file`): the Cabinet Office's list of national
// holidays, syukujitsu.csv (https://www8.cao.go.jp/chosei/shukujitsu/gaiyou.html), for years
// the built-in rules cannot know (a law changed, an equinox announced differently, a year
// outside 1980–2099). Read here and handed to core/calendar.h decoded; core does no I/O.
//
// Format: a header line `国民の祝日・休日月日,国民の祝日・休日名称`, then one `YYYY/M/D,NAME` line
// per holiday (`2026/1/1,元日`, `2026/5/6,休日`). The Cabinet Office publishes it in Shift_JIS
// (read as Windows-31J, its superset); a UTF-8 copy (with or without BOM) is accepted too,
// recognized by its header. LF or CRLF line ends; blank lines are skipped.
#pragma once

#include "core/calendar.h"

#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// The header line of the file, in UTF-8.
inline constexpr std::string_view kHolidaysCsvHeader = "国民の祝日・休日月日,国民の祝日・休日名称";

/// Parses the file's bytes. `where` names it in errors. Throws ConfigError (config/config.h)
/// naming `where` and the line of the first problem: a missing or different header, text that
/// is neither Shift_JIS nor UTF-8, a line that is not DATE,NAME, a date that is not a real day
/// in YYYY/M/D form or lies before the holiday law (1948), an empty or overlong name, a date
/// listed twice, no holiday at all.
std::vector<HolidayEntry> parseHolidaysCsv(std::string_view bytes, const std::string& where);

/// Reads and parses the file at `path` (at most 1 MiB). Throws ConfigError when it cannot be
/// read (line 0) or does not parse.
std::vector<HolidayEntry> loadHolidaysFile(const std::string& path);

} // namespace vw
