// The two clocks the daemon reads, behind one small interface so tests can step them: the wall
// clock (Unix seconds; deadlines, digest schedules, case clocks — what people mean by a time)
// and the monotonic clock (waits and poll intervals — never moved by NTP or an administrator).
// docs/reliability.md "Time" says what each is used for and what a step of the wall clock does.
#pragma once

#include <chrono>
#include <cstdint>

namespace vw {

class Clock {
public:
    using Monotonic = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    /// Unix seconds from the wall clock (may step back or forward).
    virtual std::int64_t wallNow() const = 0;
    /// The monotonic clock (never steps).
    virtual Monotonic monotonicNow() const = 0;
};

/// The process's real clocks (std::time, std::chrono::steady_clock).
const Clock& systemClock();

/// A clock that moves only when told (tests): advance() moves both clocks as time passing
/// does; stepWall() moves the wall clock alone, as an NTP step or `date -s` does.
class ManualClock : public Clock {
public:
    explicit ManualClock(std::int64_t wall) : wall_(wall) {}
    std::int64_t wallNow() const override { return wall_; }
    Monotonic monotonicNow() const override { return mono_; }
    void advance(std::chrono::seconds d) {
        wall_ += d.count();
        mono_ += d;
    }
    void stepWall(std::chrono::seconds d) { wall_ += d.count(); }

private:
    std::int64_t wall_;
    Monotonic mono_{std::chrono::hours(24)};
};

} // namespace vw
