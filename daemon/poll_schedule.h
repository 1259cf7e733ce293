// The daemon's timetable (daemon/run.cpp): when each source is next polled and how long to
// sleep. Poll times live on the monotonic clock only, so a step of the wall clock neither
// makes every source due at once (a poll storm after a step forward) nor holds polls back (for
// the hour or the day of a step back). Digest times are wall-clock times (schedules such as
// "08:30 JST"); the sleep towards one is at most `cap` long and measured again after each
// wake-up, so a step of the wall clock is noticed within `cap`. docs/reliability.md "Time".
#pragma once

#include "core/clock.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vw {

class PollSchedule {
public:
    using Duration = std::chrono::steady_clock::duration;

    explicit PollSchedule(const Clock& clock) : clock_(clock) {}

    /// One source to schedule: its name and polling interval.
    struct Source {
        std::string name;
        Duration interval;
    };
    /// Sets the sources (at start and after a reload): a new one is due now; one already known
    /// keeps its time unless its interval (perhaps shortened) brings it nearer. Sources no
    /// longer listed are dropped.
    void reschedule(const std::vector<Source>& sources);
    /// The sources due now (in name order).
    std::vector<std::string> due() const;
    /// After a poll of `name`: next due after `interval`, or after a failure after 1, 2, 4 …
    /// minutes (the n-th failure in a row), never longer than `interval`. A failure the server
    /// answered with `Retry-After` (`retryAfter`, 429 or 503) waits at least that long, at most
    /// kMaxRetryAfter (a day), even when that is longer than `interval`.
    void polled(const std::string& name, bool failed, Duration interval,
                std::optional<Duration> retryAfter = std::nullopt);

    /// The longest wait a server's Retry-After can impose on a source.
    static constexpr Duration kMaxRetryAfter = std::chrono::hours(24);
    /// When to wake up: the next poll, the next digest (`nextDigest`, wall seconds; only when
    /// later than now), at most `cap` from now.
    Clock::Monotonic wakeAt(std::optional<std::int64_t> nextDigest, Duration cap) const;

    std::size_t size() const { return due_.size(); }
    /// When `name` is next due (tests, logs); nullopt for an unknown source.
    std::optional<Clock::Monotonic> dueAt(const std::string& name) const;

private:
    const Clock& clock_;
    std::map<std::string, Clock::Monotonic> due_;
    std::map<std::string, int> failures_; // consecutive, for the backoff
};

} // namespace vw
