// store/status.h: the snapshot behind `vulnwatch status` and /metrics. Every number is checked
// against a plain count of the rows, and every query's plan against a full scan.
#include "core/cases.h"
#include "core/datetime.h"
#include "helpers/backend.h"
#include "store/cases.h"
#include "store/status.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

using namespace vw;
using vw::test::countRows;
using vw::test::makeAdvisory;
using vw::test::TempDir;

namespace {

// 2026-11-29 00:00 JST = 2026-11-28 15:00 UTC.
constexpr std::int64_t kDay = 1795964400 - 86400;

OutMessage message(const std::string& key) {
    OutMessage m;
    m.notifier = "chat";
    m.subject = "s";
    m.text = "t";
    m.idempotencyKey = key;
    return m;
}

void openCase(Store& store, int n, CaseState state, std::int64_t decideDue) {
    CaseChange change;
    change.kind = std::string(kCaseOpen);
    change.text = "case " + std::to_string(n);
    change.actor = "test";
    change.details = {{"cluster_key", "CVE-2026-" + std::to_string(20000 + n)},
                      {"product", "P"},
                      {"version", "1.0"},
                      {"title", "t"},
                      {"origin", "match"},
                      {"state", std::string(caseStateName(state))},
                      {"severity", "High"},
                      {"received_at", "1000"},
                      {"decide_due", std::to_string(decideDue)},
                      {"inform_due", "0"},
                      {"fix_due", "0"}};
    recordCaseChange(store, 0, change, 1000);
}

std::int64_t countWhere(Store& store, const std::string& sql, std::int64_t a = 0) {
    Statement q = store.db().prepare(sql);
    if (sql.find("?1") != std::string::npos) {
        q.bind(1, a);
    }
    REQUIRE(q.step());
    return q.integer(0);
}

} // namespace

TEST_CASE("jstDayStart is 00:00 in Tokyo", "[store][status]") {
    CHECK(jstDayStart(kDay) == kDay);
    CHECK(jstDayStart(kDay + 86399) == kDay);
    CHECK(jstDayStart(kDay + 86400) == kDay + 86400);
    CHECK(jstDayStart(kDay - 1) == kDay - 86400);
    CHECK(formatIsoDateTime(DateTime{kDay, 540}) == "2026-11-29T00:00:00+09:00");
    // 2026-11-29 14:59:59 UTC is 23:59:59 in Tokyo: still the 29th there.
    CHECK(jstDayStart(kDay + 86399) == kDay);
    CHECK(formatIsoDateTime(DateTime{kDay + 86399, 0}) == "2026-11-29T14:59:59+00:00");
}

TEST_CASE("status counts today's records per channel from the day's first row id",
          "[store][status]") {
    auto store = Store::inMemory();
    // Yesterday 30 records, today 7 from "jvn" and 3 from "import" (interleaved).
    for (int i = 0; i < 30; ++i) {
        store->upsertRecord("jvn", makeAdvisory("JVNDB-2026-" + std::to_string(100 + i), {}),
                            kDay - 3600 + i);
    }
    for (int i = 0; i < 10; ++i) {
        store->upsertRecord(i % 3 == 0 ? "import" : "jvn",
                            makeAdvisory("JVNDB-2026-" + std::to_string(500 + i), {}),
                            kDay + i * 60);
    }
    // A record seen again today is not new today.
    store->upsertRecord("jvn", makeAdvisory("JVNDB-2026-100", {}, "changed title"), kDay + 900);

    const StatusSnapshot s =
        readStatus(*store, {{"jvn", "jvn-rss", true, std::chrono::seconds(900)}}, kDay + 3600);
    CHECK(s.dayStart == kDay);
    CHECK(s.records == countRows(*store, "record"));
    CHECK(s.records == 40);
    REQUIRE(s.sources.size() == 1);
    CHECK(s.sources[0].itemsToday ==
          countWhere(*store,
                     "SELECT count(*) FROM record WHERE channel = 'jvn' AND first_seen >= ?1",
                     kDay));
    CHECK(s.sources[0].itemsToday == 6);
    REQUIRE(s.itemsTodayByChannel.size() == 2);
    CHECK(s.itemsTodayByChannel[0].first == "import");
    CHECK(s.itemsTodayByChannel[0].second == 4);
    CHECK(s.itemsTodayByChannel[1].first == "jvn");

    // The day after: nothing today.
    const StatusSnapshot tomorrow = readStatus(*store, {}, kDay + 86400 + 5);
    CHECK(tomorrow.itemsTodayByChannel.empty());
    CHECK(tomorrow.records == 40);
}

TEST_CASE("status reads the source state and estimates the next poll", "[store][status]") {
    auto store = Store::inMemory();
    SourceStateRow ok;
    ok.lastSuccess = kDay + 100;
    ok.lastAttempt = kDay + 100;
    store->saveSourceState("good", ok);
    SourceStateRow failing;
    failing.lastSuccess = kDay - 5000;
    failing.lastAttempt = kDay + 200;
    failing.errorCount = 3;
    failing.lastError = "HTTP 503";
    store->saveSourceState("bad", failing);
    const std::vector<StatusSource> sources{{"good", "jvn-rss", true, std::chrono::seconds(900)},
                                            {"bad", "jvn-rss", true, std::chrono::seconds(900)},
                                            {"new", "myjvn", false, std::chrono::seconds(3600)}};
    const StatusSnapshot s = readStatus(*store, sources, kDay + 300);
    REQUIRE(s.sources.size() == 3);
    CHECK(s.sources[0].source.name == "good");
    CHECK(s.sources[0].state.lastSuccess == kDay + 100);
    CHECK(s.sources[0].nextPoll == kDay + 100 + 900);
    CHECK(s.sources[1].state.errorCount == 3);
    CHECK(s.sources[1].state.lastError == "HTTP 503");
    CHECK(s.sources[1].nextPoll == kDay + 200 + 240); // the third retry: 4 minutes
    CHECK(s.sources[2].nextPoll == 0);                // never polled
    CHECK(s.sources[2].state.lastSuccess == 0);
}

TEST_CASE("status counts the outbox the ledger the cases and the audit head", "[store][status]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const std::int64_t a = store->enqueue(message("a"), 100, 100);
    const std::int64_t b = store->enqueue(message("b"), 100, 100);
    store->enqueue(message("c"), 100, 100);
    store->enqueue(message("d"), 100, 100);
    store->markDelivered(a, "250 ok", 110);
    store->markRetry(b, "451 later", 500, 110);
    store->markDead(b, "550 no", 120);
    openCase(*store, 1, CaseState::Received, kDay + 100);   // overdue at kDay + 200
    openCase(*store, 2, CaseState::Evaluating, kDay + 900); // not yet
    openCase(*store, 3, CaseState::Closed, kDay + 50);      // terminal: never overdue

    const StatusSnapshot s = readStatus(*store, {}, kDay + 200);
    CHECK(s.outboxPending ==
          countWhere(*store, "SELECT count(*) FROM outbox WHERE state = 'pending'"));
    CHECK(s.outboxPending == 2);
    CHECK(s.outboxDead == 1);
    CHECK(s.outboxDelivered == 1);
    CHECK(s.outboxTotal == 4);
    CHECK(s.deliveryAttempts == countRows(*store, "delivery"));
    CHECK(s.deliveryAttempts == 3);
    CHECK(s.openCases == 2);
    CHECK(s.overdueCases == 1);
    CHECK(s.overdueCases ==
          static_cast<std::int64_t>(
              listCases(*store, CaseFilter{"", "", {}, false, kDay + 200, 0}).size()));
    std::int64_t total = 0;
    for (const auto& [state, n] : s.cases) {
        total += n;
    }
    CHECK(s.cases.size() == allCaseStates().size());
    CHECK(total == 3);
    CHECK(s.cases.front().first == "received");
    CHECK(s.cases.front().second == 1);
    const AuditHead head = store->auditHead();
    CHECK(s.auditHead.seq == head.seq);
    CHECK(s.auditHead.seq == countRows(*store, "event_log"));
    CHECK(s.auditHead.hash == head.hash);
    CHECK(s.auditHeadAt > 0);
    if (vw::test::onPostgres()) {
        // No file: the size of the store's schema, which holds the rows above.
        CHECK(s.dbBytes > 0);
        CHECK(s.walBytes == 0);
    } else {
        CHECK(s.dbBytes == static_cast<std::int64_t>(std::filesystem::file_size(dir.file("s.db"))));
        CHECK(s.walBytes > 0); // the connection is open: its WAL exists
    }
    CHECK(s.schemaVersion == Store::latestSchemaVersion());
}

TEST_CASE("no status query scans a large table", "[store][status]") {
    auto store = Store::inMemory();
    if (vw::test::onPostgres()) {
        // PostgreSQL's plan: with sequential scans priced out (an empty table's statistics
        // favour them), a query that still reads a table whole has no index to use.
        store->db().exec("SET enable_seqscan = off");
        for (const std::string_view sql : statusQueries()) {
            Statement q = store->db().prepare("EXPLAIN " + std::string(sql));
            for (int i = 1; i <= 2; ++i) {
                if (std::string(sql).find("?" + std::to_string(i)) != std::string::npos) {
                    q.bind(i, std::string_view("1")); // untyped: a number or a state
                }
            }
            int steps = 0;
            while (q.step()) {
                ++steps;
                const std::string line = q.text(0);
                INFO(sql << ": " << line);
                CHECK(line.find("Seq Scan") == std::string::npos);
            }
            CHECK(steps > 0);
        }
        store->db().exec("RESET enable_seqscan");
        return;
    }
    for (const std::string_view sql : statusQueries()) {
        Statement q = store->db().prepare("EXPLAIN QUERY PLAN " + std::string(sql));
        for (int i = 1; i <= 2; ++i) {
            if (std::string(sql).find("?" + std::to_string(i)) != std::string::npos) {
                q.bind(i, std::int64_t{1});
            }
        }
        int steps = 0;
        while (q.step()) {
            ++steps;
            const std::string detail = q.text(3);
            INFO(sql << ": " << detail);
            if (detail.rfind("SCAN ", 0) != 0) {
                continue; // SEARCH: an index or row id range
            }
            // A scan reads every entry: never of the tables that grow with the advisories and
            // the years (an index scan of the narrow match and case indexes is allowed), and
            // never of a table's rows.
            const std::string table = detail.substr(5, detail.find(' ', 5) - 5);
            CHECK(table != "record");
            CHECK(table != "outbox");
            CHECK(table != "delivery");
            CHECK(table != "event_log");
            CHECK(detail.find("INDEX") != std::string::npos);
        }
        CHECK(steps > 0);
    }
}
