// Looking at parsed records in the parser tests: one record by id, a date as the contract
// writes it.
#pragma once

#include "core/datetime.h"
#include "feeds/source.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace vw::test {

/// The record with this id; fails the test when there is none.
inline const Advisory& recordById(const ParseResult& result, const std::string& id) {
    const auto found = std::find_if(result.records.begin(), result.records.end(),
                                    [&](const Advisory& a) { return a.id == id; });
    if (found == result.records.end()) {
        FAIL("no record " << id);
    }
    return *found;
}

/// ISO 8601 as in the parse output, "null" when absent.
inline std::string iso(const std::optional<DateTime>& value) {
    return value ? formatIsoDateTime(*value) : std::string("null");
}

} // namespace vw::test
