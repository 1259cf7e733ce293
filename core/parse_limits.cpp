#include "core/parse_limits.h"

#include <atomic>

namespace vw {

namespace {

std::atomic<std::size_t> maxField{ParseLimits{}.maxFieldBytes};
std::atomic<std::size_t> maxRecord{ParseLimits{}.maxRecordBytes};

} // namespace

ParseLimits parseLimits() {
    return ParseLimits{maxField.load(std::memory_order_relaxed),
                       maxRecord.load(std::memory_order_relaxed)};
}

void setParseLimits(const ParseLimits& limits) {
    maxField.store(limits.maxFieldBytes, std::memory_order_relaxed);
    maxRecord.store(limits.maxRecordBytes, std::memory_order_relaxed);
}

} // namespace vw
