// Digest schedules ("daily 08:30", "weekly mon 08:30") in an owner's time zone. Zones come from
// the system's tz database (/usr/share/zoneinfo, read by Howard Hinnant's date library), so
// daylight-saving rules are the operating system's, never ours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vw {

/// When an owner's digest is due: every day, or one weekday, at a local wall-clock time.
struct DigestSchedule {
    bool weekly = false;
    int weekday = 1; // weekly only: 0 = Sunday … 6 = Saturday
    int hour = 8;
    int minute = 30;
    bool operator==(const DigestSchedule&) const = default;
};

/// The default time zone of owners (Japan has no daylight-saving time).
inline constexpr std::string_view kDefaultTimeZone = "Asia/Tokyo";

/// Parses "daily HH:MM" or "weekly DAY HH:MM" (DAY: mon, tue, wed, thu, fri, sat, sun; any
/// case; H:MM accepted). nullopt with `why` set when it is neither.
std::optional<DigestSchedule> parseDigestSchedule(std::string_view text, std::string* why);

/// The form parseDigestSchedule reads: "daily 08:30", "weekly mon 08:30".
std::string formatDigestSchedule(const DigestSchedule& schedule);

/// True when the tz database knows `zone` ("Asia/Tokyo", "Europe/Berlin", "UTC").
bool knownTimeZone(const std::string& zone);

/// The first scheduled time strictly after `after` (Unix seconds), the wall-clock time read in
/// `zone`. A time a daylight-saving jump skips is taken at the end of the jump (02:30 on a day
/// that goes 02:00 → 03:00 is 03:00); a time that happens twice counts once, the first time.
/// Throws std::runtime_error for an unknown zone.
std::int64_t nextScheduled(const DigestSchedule& schedule, const std::string& zone,
                           std::int64_t after);

/// The last scheduled time at or before `at` (same rules as nextScheduled).
std::int64_t lastScheduled(const DigestSchedule& schedule, const std::string& zone,
                           std::int64_t at);

/// `t` as local time in `zone`: "2025-04-07 08:30 JST" (the zone's abbreviation).
std::string localTimeText(std::int64_t t, const std::string& zone);

} // namespace vw
