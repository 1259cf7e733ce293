#include "core/clock.h"

#include <ctime>

namespace vw {

namespace {

class SystemClock : public Clock {
public:
    std::int64_t wallNow() const override { return static_cast<std::int64_t>(std::time(nullptr)); }
    Monotonic monotonicNow() const override { return std::chrono::steady_clock::now(); }
};

} // namespace

const Clock& systemClock() {
    static const SystemClock clock;
    return clock;
}

} // namespace vw
