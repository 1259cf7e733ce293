// Digest schedules: parsing, and the next/last scheduled instant in a time zone, including
// zones with daylight-saving time (the rules come from the system's tz database).
#include "config/schedule.h"
#include "core/datetime.h"

#include <catch2/catch.hpp>
#include <string>

using vw::DigestSchedule;

namespace {

/// Unix seconds of a UTC civil time.
std::int64_t utc(int y, int m, int d, int hh, int mm, int ss = 0) {
    return vw::daysFromCivil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

DigestSchedule parse(const std::string& text) {
    std::string why;
    const auto s = vw::parseDigestSchedule(text, &why);
    INFO(why);
    REQUIRE(s);
    return *s;
}

} // namespace

TEST_CASE("schedules parse and print back", "[config][schedule]") {
    CHECK(parse("daily 08:30") == DigestSchedule{false, 1, 8, 30});
    CHECK(parse("  Daily   7:05 ") == DigestSchedule{false, 1, 7, 5});
    CHECK(parse("weekly sun 23:59") == DigestSchedule{true, 0, 23, 59});
    CHECK(parse("WEEKLY Mon 00:00") == DigestSchedule{true, 1, 0, 0});
    CHECK(vw::formatDigestSchedule(parse("weekly sat 7:05")) == "weekly sat 07:05");
    CHECK(vw::formatDigestSchedule(DigestSchedule{}) == "daily 08:30");
    for (const char* bad : {"", "daily", "daily 24:00", "daily 08:60", "daily 0830", "weekly 08:30",
                            "weekly mon", "weekly xyz 08:30", "monthly 1 08:30",
                            "daily 08:30 extra", "daily 123:00", "daily -1:00"}) {
        std::string why;
        CHECK_FALSE(vw::parseDigestSchedule(bad, &why));
        CHECK_FALSE(why.empty());
    }
}

TEST_CASE("daily 08:30 in Tokyo is 23:30 UTC the day before", "[config][schedule]") {
    const DigestSchedule daily = parse("daily 08:30");
    // 2025-04-07 12:00 JST (03:00 UTC): the next one is 2025-04-08 08:30 JST.
    CHECK(vw::nextScheduled(daily, "Asia/Tokyo", utc(2025, 4, 7, 3, 0)) == utc(2025, 4, 7, 23, 30));
    // Exactly at a scheduled time: strictly after is the next day; at or before is itself.
    CHECK(vw::nextScheduled(daily, "Asia/Tokyo", utc(2025, 4, 6, 23, 30)) ==
          utc(2025, 4, 7, 23, 30));
    CHECK(vw::lastScheduled(daily, "Asia/Tokyo", utc(2025, 4, 6, 23, 30)) ==
          utc(2025, 4, 6, 23, 30));
    CHECK(vw::lastScheduled(daily, "Asia/Tokyo", utc(2025, 4, 6, 23, 29, 59)) ==
          utc(2025, 4, 5, 23, 30));
    // Early morning in Tokyo (before 08:30 local, still the previous day in UTC).
    CHECK(vw::nextScheduled(daily, "Asia/Tokyo", utc(2025, 4, 6, 20, 0)) ==
          utc(2025, 4, 6, 23, 30));
    CHECK(vw::localTimeText(utc(2025, 4, 6, 23, 30), "Asia/Tokyo") == "2025-04-07 08:30 JST");
    CHECK(vw::localTimeText(utc(2025, 4, 6, 23, 30), "UTC") == "2025-04-06 23:30 UTC");
}

TEST_CASE("weekly schedules fall on their weekday", "[config][schedule]") {
    const DigestSchedule monday = parse("weekly mon 08:30");
    // 2025-04-07 is a Monday. From Monday 12:00 JST: next Monday 2025-04-14 08:30 JST.
    const auto next = vw::nextScheduled(monday, "Asia/Tokyo", utc(2025, 4, 7, 3, 0));
    CHECK(next == utc(2025, 4, 13, 23, 30));
    CHECK(vw::lastScheduled(monday, "Asia/Tokyo", next - 1) == utc(2025, 4, 6, 23, 30));
    // From Sunday 2025-04-13 23:00 JST it is the next morning.
    CHECK(vw::nextScheduled(monday, "Asia/Tokyo", utc(2025, 4, 13, 14, 0)) == next);
    const DigestSchedule sunday = parse("weekly sun 23:30");
    CHECK(vw::nextScheduled(sunday, "Asia/Tokyo", utc(2025, 4, 7, 3, 0)) ==
          utc(2025, 4, 13, 14, 30));
}

TEST_CASE("daylight-saving zones follow the tz database", "[config][schedule][dst]") {
    const std::string ny = "America/New_York";
    const DigestSchedule morning = parse("daily 08:30");
    // EST (UTC-5) before 2025-03-09, EDT (UTC-4) after.
    CHECK(vw::nextScheduled(morning, ny, utc(2025, 3, 8, 14, 0)) == utc(2025, 3, 9, 12, 30));
    CHECK(vw::nextScheduled(morning, ny, utc(2025, 3, 7, 14, 0)) == utc(2025, 3, 8, 13, 30));
    CHECK(vw::localTimeText(utc(2025, 3, 9, 12, 30), ny) == "2025-03-09 08:30 EDT");
    // 02:30 does not exist on 2025-03-09 (02:00 -> 03:00): the digest goes at 03:00 EDT.
    const DigestSchedule skipped = parse("daily 02:30");
    CHECK(vw::nextScheduled(skipped, ny, utc(2025, 3, 8, 12, 0)) == utc(2025, 3, 9, 7, 0));
    CHECK(vw::nextScheduled(skipped, ny, utc(2025, 3, 9, 7, 0)) == utc(2025, 3, 10, 6, 30));
    // 01:30 happens twice on 2025-11-02: once, the first time (EDT, 05:30 UTC).
    const DigestSchedule twice = parse("daily 01:30");
    const auto first = vw::nextScheduled(twice, ny, utc(2025, 11, 1, 12, 0));
    CHECK(first == utc(2025, 11, 2, 5, 30));
    CHECK(vw::nextScheduled(twice, ny, first) == utc(2025, 11, 3, 6, 30));
    CHECK(vw::lastScheduled(twice, ny, utc(2025, 11, 2, 6, 45)) == first);
    // Berlin: CET -> CEST on 2025-03-30.
    CHECK(vw::nextScheduled(morning, "Europe/Berlin", utc(2025, 3, 29, 12, 0)) ==
          utc(2025, 3, 30, 6, 30));
}

TEST_CASE("time zones are looked up in the tz database", "[config][schedule]") {
    CHECK(vw::knownTimeZone("Asia/Tokyo"));
    CHECK(vw::knownTimeZone("UTC"));
    CHECK(vw::knownTimeZone("Europe/Berlin"));
    CHECK_FALSE(vw::knownTimeZone("Asia/Tokio"));
    CHECK_FALSE(vw::knownTimeZone(""));
    CHECK_THROWS_AS(vw::nextScheduled(DigestSchedule{}, "Mars/Base", 0), std::runtime_error);
}
