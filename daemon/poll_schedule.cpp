#include "daemon/poll_schedule.h"

#include <algorithm>

namespace vw {

void PollSchedule::reschedule(const std::vector<Source>& sources) {
    const Clock::Monotonic now = clock_.monotonicNow();
    std::map<std::string, Clock::Monotonic> next;
    for (const Source& s : sources) {
        const auto it = due_.find(s.name);
        next[s.name] = it != due_.end() ? std::min(it->second, now + s.interval) : now;
    }
    due_ = std::move(next);
}

std::vector<std::string> PollSchedule::due() const {
    const Clock::Monotonic now = clock_.monotonicNow();
    std::vector<std::string> out;
    for (const auto& [name, at] : due_) {
        if (at <= now) {
            out.push_back(name);
        }
    }
    return out;
}

void PollSchedule::polled(const std::string& name, bool failed, Duration interval,
                          std::optional<Duration> retryAfter) {
    const auto it = due_.find(name);
    if (it == due_.end()) {
        return;
    }
    const Clock::Monotonic now = clock_.monotonicNow();
    if (failed) {
        const int n = std::min(++failures_[name], 10);
        Duration wait = std::min<Duration>(interval, std::chrono::seconds(60LL << (n - 1)));
        if (retryAfter) {
            // The server said when to come back: not before, and not after a day.
            wait =
                std::max(wait, std::clamp<Duration>(*retryAfter, Duration::zero(), kMaxRetryAfter));
        }
        it->second = now + wait;
    } else {
        failures_[name] = 0;
        it->second = now + interval;
    }
}

Clock::Monotonic PollSchedule::wakeAt(std::optional<std::int64_t> nextDigest, Duration cap) const {
    const Clock::Monotonic now = clock_.monotonicNow();
    Clock::Monotonic deadline = now + cap;
    for (const auto& [name, at] : due_) {
        deadline = std::min(deadline, at);
    }
    const std::int64_t wallNow = clock_.wallNow();
    if (nextDigest && *nextDigest > wallNow) {
        deadline = std::min(deadline, now + std::chrono::seconds(*nextDigest - wallNow));
    }
    return deadline;
}

std::optional<Clock::Monotonic> PollSchedule::dueAt(const std::string& name) const {
    const auto it = due_.find(name);
    if (it == due_.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace vw
