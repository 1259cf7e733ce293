// The list queries of the pages and the REST API made fast for issue 13 ("Performance";
// docs/performance.md "Web (issue 13)"): listCases orders and cuts in SQL through the index
// vcase_next_due, and Store::matchesAfter reads one page of matches. Both must give exactly
// what reading everything and sorting in C++ gave.
#include "core/cases.h"
#include "store/cases.h"
#include "store/store.h"
#include "store_test_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace vw;

namespace {

/// A case opened with the given state and due times (0 = no such clock).
void openCase(Store& store, int n, const std::string& product, CaseState state,
              std::int64_t decideDue, std::int64_t informDue, std::int64_t fixDue) {
    CaseChange change;
    change.kind = std::string(kCaseOpen);
    change.text = "case " + std::to_string(n);
    change.actor = "test";
    change.details = {{"cluster_key", "CVE-2026-" + std::to_string(10000 + n)},
                      {"product", product},
                      {"version", n % 3 == 0 ? "2.0" : "1.0"},
                      {"title", "title " + std::to_string(n)},
                      {"origin", "match"},
                      {"state", std::string(caseStateName(state))},
                      {"severity", "High"},
                      {"received_at", "1000"},
                      {"decide_due", std::to_string(decideDue)},
                      {"inform_due", std::to_string(informDue)},
                      {"fix_due", std::to_string(fixDue)}};
    recordCaseChange(store, 0, change, 1000);
}

/// What listCases gave before issue 13: every row by id, filtered and stable-sorted in C++.
std::vector<std::int64_t> expectedIds(Store& store, const CaseFilter& f) {
    std::vector<Case> out;
    for (Case& c : storedCases(store)) {
        if ((!f.product.empty() && c.product != f.product) ||
            (!f.version.empty() && c.version != f.version) || (f.state && c.state != *f.state) ||
            ((f.openOnly || f.overdueAt > 0) && isTerminal(c.state)) ||
            (f.overdueAt > 0 && overdueClocks(c, f.overdueAt).empty())) {
            continue;
        }
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const Case& a, const Case& b) {
        const std::int64_t da = nextDue(a).first;
        const std::int64_t db = nextDue(b).first;
        if ((da == 0) != (db == 0)) {
            return db == 0;
        }
        return da < db;
    });
    if (f.limit > 0 && out.size() > static_cast<std::size_t>(f.limit)) {
        out.resize(static_cast<std::size_t>(f.limit));
    }
    std::vector<std::int64_t> ids;
    for (const Case& c : out) {
        ids.push_back(c.id);
    }
    return ids;
}

std::vector<std::int64_t> listedIds(Store& store, const CaseFilter& f) {
    std::vector<std::int64_t> ids;
    for (const Case& c : listCases(store, f)) {
        ids.push_back(c.id);
    }
    return ids;
}

std::string queryPlan(Store& store, const std::string& sql) {
    Statement q = store.db().prepare("EXPLAIN QUERY PLAN " + sql);
    std::string plan;
    while (q.step()) {
        plan += q.text(3) + "\n";
    }
    return plan;
}

/// PostgreSQL's EXPLAIN, one line per plan node.
std::string pgPlan(Store& store, const std::string& sql) {
    Statement q = store.db().prepare("EXPLAIN (COSTS OFF) " + sql);
    std::string plan;
    while (q.step()) {
        plan += q.text(0) + "\n";
    }
    return plan;
}

} // namespace

TEST_CASE("listCases orders and filters as the C++ sort by next due time did", "[store][cases]") {
    auto store = Store::inMemory();
    std::mt19937 random(13);
    const auto& states = allCaseStates();
    std::uniform_int_distribution<std::size_t> pickState(0, states.size() - 1);
    // Few distinct due times, so ties (ordered by id) are common; 0 = no clock.
    std::uniform_int_distribution<int> pickDue(0, 6);
    {
        Store::Transaction tx(*store);
        for (int n = 0; n < 400; ++n) {
            const auto due = [&] {
                const int d = pickDue(random);
                return d == 0 ? std::int64_t{0} : std::int64_t{5000 + 1000 * d};
            };
            openCase(*store, n, n % 2 == 0 ? "Viewer" : "Gateway", states[pickState(random)], due(),
                     due(), due());
        }
        tx.commit();
    }

    std::vector<CaseFilter> filters(9);
    filters[1].limit = 25;
    filters[2].openOnly = true;
    filters[3].overdueAt = 8500;
    filters[3].limit = 40;
    filters[4].product = "Gateway";
    filters[4].version = "2.0";
    filters[5].state = CaseState::Informing;
    filters[6].state = CaseState::Received;
    filters[6].limit = 10;
    filters[7].overdueAt = 5000; // nothing is due before 6000
    filters[8].product = "Viewer";
    filters[8].openOnly = true;
    filters[8].limit = 60;
    for (std::size_t i = 0; i < filters.size(); ++i) {
        CAPTURE(i);
        const auto expected = expectedIds(*store, filters[i]);
        CHECK(listedIds(*store, filters[i]) == expected);
        if (i == 7) {
            CHECK(expected.empty());
        } else {
            CHECK_FALSE(expected.empty());
        }
    }
    // Every case comes once, whatever its clocks.
    CHECK(listedIds(*store, CaseFilter{}).size() == 400);
}

TEST_CASE("The first page of the case list is read from the index vcase_next_due",
          "[store][cases]") {
    auto store = Store::inMemory();
    const std::string order = " ORDER BY " + std::string(caseNextDueSql()) + ", id LIMIT 51";
    if (store->db().isPostgres()) {
        // PostgreSQL's plan, with sequential scans priced out (an empty table's statistics
        // favour them): the index gives the order (at most an incremental sort of equal due
        // times by id), and the overdue bound is an index condition.
        store->db().exec("SET enable_seqscan = off");
        const std::string plan = pgPlan(*store, "SELECT id FROM vcase" + order);
        CAPTURE(plan);
        CHECK(plan.find("vcase_next_due") != std::string::npos);
        CHECK(plan.find("\n  ->  Sort") == std::string::npos);
        CHECK(plan.rfind("Sort", 0) != 0); // no sort of every case at the top either
        const std::string overdue =
            pgPlan(*store, "SELECT id FROM vcase WHERE " + std::string(caseNextDueSql()) +
                               " < 1000" + order);
        CAPTURE(overdue);
        CHECK(overdue.find("vcase_next_due") != std::string::npos);
        CHECK(overdue.find("Index Cond") != std::string::npos);
        store->db().exec("RESET enable_seqscan");
        return;
    }
    const std::string plan = queryPlan(*store, "SELECT id FROM vcase WHERE 1" + order);
    CAPTURE(plan);
    CHECK(plan.find("vcase_next_due") != std::string::npos);
    CHECK(plan.find("TEMP B-TREE") == std::string::npos); // no sort of every case
    const std::string overdue = queryPlan(
        *store, "SELECT id FROM vcase WHERE " + std::string(caseNextDueSql()) + " < 1000" + order);
    CAPTURE(overdue);
    CHECK(overdue.find("USING INDEX vcase_next_due (<expr><?)") != std::string::npos);
}

TEST_CASE("matchesAfter pages through matches() by id", "[store][matches]") {
    auto store = Store::inMemory();
    std::vector<std::int64_t> clusters;
    for (int i = 0; i < 7; ++i) {
        clusters.push_back(
            store
                ->upsertRecord("s",
                               vw::test::makeAdvisory("JVNDB-2026-00000" + std::to_string(i),
                                                      {"CVE-2026-1000" + std::to_string(i)}),
                               100)
                .clusterId);
    }
    for (int i = 0; i < 7; ++i) {
        for (const char* product : {"Viewer", "Gateway", "Pump"}) {
            Match m;
            m.advisory = "JVNDB-2026-00000" + std::to_string(i);
            m.product = product;
            m.version = "1.0";
            m.component = "log4j-core";
            m.confidence = 80;
            m.method = "cpe-product";
            REQUIRE(store->insertMatch(clusters[static_cast<std::size_t>(i)], m, 200 + i));
        }
    }
    for (const std::string product : {"", "Gateway", "Nothing"}) {
        CAPTURE(product);
        const std::vector<MatchRow> all = store->matches(product);
        std::vector<MatchRow> paged;
        std::int64_t after = 0;
        for (;;) {
            const auto page = store->matchesAfter(product, after, 4);
            REQUIRE(page.size() <= 4);
            paged.insert(paged.end(), page.begin(), page.end());
            if (page.size() < 4) {
                break;
            }
            after = page.back().id;
        }
        REQUIRE(paged.size() == all.size());
        for (std::size_t i = 0; i < all.size(); ++i) {
            CHECK(paged[i].id == all[i].id);
            CHECK(paged[i].match.product == all[i].match.product);
            CHECK(paged[i].clusterId == all[i].clusterId);
        }
        CHECK(all.size() == (product.empty() ? 21u : product == "Gateway" ? 7u : 0u));
    }
    if (store->db().isPostgres()) {
        // PostgreSQL's plan with every alternative to an ordered index scan priced out (an
        // empty table's statistics favour them): one that still sorts has no index to use.
        store->db().exec("SET enable_seqscan = off; SET enable_bitmapscan = off; "
                         "SET enable_sort = off");
        const std::string plan = pgPlan(
            *store, "SELECT id FROM match WHERE product = 'Viewer' AND id > 3 ORDER BY id LIMIT 5");
        CAPTURE(plan);
        CHECK(plan.find("match_product") != std::string::npos);
        CHECK(plan.find("Sort") == std::string::npos);
        store->db().exec("RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort");
        return;
    }
    const std::string plan =
        queryPlan(*store, "SELECT id FROM match WHERE product = 'Viewer' AND id > 3 ORDER BY id "
                          "LIMIT 5");
    CAPTURE(plan);
    CHECK(plan.find("match_product") != std::string::npos);
    CHECK(plan.find("TEMP B-TREE") == std::string::npos);
}
