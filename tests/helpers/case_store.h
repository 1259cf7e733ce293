// Small helpers of the case tests (tests/unit/daemon): counting audit events, opening a
// manual case on a registered product, and checking the case rows against the audit chain.
#pragma once

#include "core/product.h"
#include "daemon/cases.h"
#include "store/cases.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace vw::test {

/// The events of the store's audit log, of one kind ("" = all).
inline int eventCount(Store& store, const std::string& kind = "") {
    auto q = store.db().prepare(kind.empty() ? "SELECT count(*) FROM event_log"
                                             : "SELECT count(*) FROM event_log WHERE kind = ?1");
    if (!kind.empty()) {
        q.bind(1, kind);
    }
    REQUIRE(q.step());
    return static_cast<int>(q.integer(0));
}

/// Registers `product` 1.0 a day before `now` and opens a manual case on it (sato, High).
inline std::int64_t openManualTestCase(Store& store, const Routing& routing,
                                       const std::string& product, std::int64_t now) {
    Product p;
    p.name = product;
    p.version = "1.0";
    store.putProduct(p, now - 86400);
    return openManualCase(store, routing, product, "1.0", "a finder's report", "sato", {}, "High",
                          now)
        .id;
}

/// The case rows rebuilt from the audit chain equal the stored ones (store/cases.h).
inline void requireProjectionHolds(Store& store) {
    const std::vector<Case> rebuilt = rebuildCases(store);
    const std::vector<Case> stored = storedCases(store);
    REQUIRE(rebuilt.size() == stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) {
        CAPTURE(stored[i].id);
        CHECK(rebuilt[i] == stored[i]);
    }
}

} // namespace vw::test
