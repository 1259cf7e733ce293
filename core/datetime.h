// Instants with the offset the source stated, parsed from and printed as ISO 8601.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vw {

struct DateTime {
    std::int64_t epoch = 0; // seconds since 1970-01-01T00:00:00Z
    int offsetMinutes = 0;  // the source's UTC offset, e.g. +540 for +09:00

    bool operator==(const DateTime&) const = default;
};

/// Parses `YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm)`; fractional seconds are dropped.
/// A value without an offset is taken as `defaultOffsetMinutes` (JVN: +09:00).
/// Returns nullopt for anything else (including out-of-range fields).
std::optional<DateTime> parseIsoDateTime(std::string_view text, int defaultOffsetMinutes = 540);

/// `2023-11-02T11:57:00+09:00` (always with seconds and offset; `Z` is printed as +00:00).
std::string formatIsoDateTime(const DateTime& value);

/// Days since the epoch for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t daysFromCivil(int year, unsigned month, unsigned day);

} // namespace vw
