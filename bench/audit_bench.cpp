// Audit trail benchmark (issue 12 part 3; bench/run_audit.sh): `audit verify` over a chain of
// N events (target: 1,000,000 in ≤ 10 s) against a baseline measured in the same run, reading
// the same rows and touching every byte without hashing.
//
//   bench_audit generate DB N     append N events to DB (a new file) through Store::appendEvent
//   bench_audit time DB [REPEAT]  baseline read and verifyAuditChain, fastest of REPEAT (3)
//   bench_audit migrate DB N      an old store (the schema before the chain) with N plain
//                                 events, then Store::open: the migration that chains them
#include "store/audit.h"
#include "store/migrations.h"
#include "store/store.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sqlite3.h>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Texts of the sizes and kinds the daemon writes (a merge names ids; an ingest counts).
std::string eventText(std::int64_t i, std::string& kind) {
    switch (i % 4) {
    case 0:
        kind = "ingest";
        return "jvndb-detail-2026: 500 records, " + std::to_string(i % 500) + " new, " +
               std::to_string(i % 7) + " changed (1 material), " + std::to_string(i % 3) +
               " new matches";
    case 1:
        kind = "cluster-merge";
        return "cluster " + std::to_string(i) + " merged into " + std::to_string(i / 2) +
               " (CVE-2026-" + std::to_string(10000 + i % 90000) + ", JVNDB-2026-" +
               std::to_string(100000 + i % 900000) + ")";
    case 2:
        kind = "match";
        return "JVNDB-2026-" + std::to_string(100000 + i % 900000) +
               " re-evaluated from needs-review to affected for 医用画像ビューア 3.2 (log4j-core): "
               "CPE cpe:2.3:a:apache:log4j:2.14.1 は影響を受けるバージョン範囲内";
    default:
        kind = "delivery";
        return "message " + std::to_string(i) + " delivered to psirt@example.jp: 250 2.0.0 Ok";
    }
}

int generate(const std::string& path, std::int64_t n) {
    auto store = vw::Store::open(path);
    const auto start = Clock::now();
    constexpr std::int64_t kBatch = 10000;
    vw::AuditEvent event;
    for (std::int64_t done = 0; done < n;) {
        vw::Store::Transaction tx(*store);
        for (std::int64_t k = 0; k < kBatch && done < n; ++k, ++done) {
            event.text = eventText(done, event.kind);
            event.at = 1790000000 + done;
            store->appendEvent(event);
        }
        tx.commit();
    }
    std::printf("generate: %lld events in %.2f s (%.1f µs each, batches of %lld)\n",
                static_cast<long long>(n), secondsSince(start),
                1e6 * secondsSince(start) / static_cast<double>(n), static_cast<long long>(kBatch));
    return 0;
}

/// The baseline: the same statement verify runs, every column's bytes touched, no hashing.
double readRows(const std::string& path, std::int64_t& rows, std::uint64_t& bytes) {
    auto store = vw::Store::open(path);
    const auto start = Clock::now();
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(store->db().handle(),
                       "SELECT id, json, prev_hash, hash FROM event_log ORDER BY id", -1, &stmt,
                       nullptr);
    rows = 0;
    bytes = 0;
    std::uint64_t sum = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        ++rows;
        for (int c = 1; c <= 3; ++c) {
            const auto* text = sqlite3_column_text(stmt, c);
            const int size = sqlite3_column_bytes(stmt, c);
            bytes += static_cast<std::uint64_t>(size);
            for (int i = 0; i < size; i += 64) {
                sum += text[i];
            }
        }
    }
    sqlite3_finalize(stmt);
    const double seconds = secondsSince(start);
    if (sum == 1) {
        std::puts(""); // keeps the loop from being optimized away
    }
    return seconds;
}

int timeVerify(const std::string& path, int repeat) {
    double baseline = 1e9;
    double verify = 1e9;
    std::int64_t rows = 0;
    std::uint64_t bytes = 0;
    vw::AuditVerification result;
    for (int r = 0; r < repeat; ++r) {
        baseline = std::min(baseline, readRows(path, rows, bytes));
        auto store = vw::Store::open(path);
        const auto start = Clock::now();
        result = vw::verifyAuditChain(*store);
        verify = std::min(verify, secondsSince(start));
    }
    std::printf("events %lld, %.1f MB of json and hashes\n", static_cast<long long>(rows),
                static_cast<double>(bytes) / 1e6);
    std::printf("baseline (read the rows): %.3f s\n", baseline);
    std::printf("audit verify:             %.3f s  (%.2fx the baseline, %.2f µs per event) %s\n",
                verify, verify / baseline, 1e6 * verify / static_cast<double>(rows),
                result.ok() ? "chain holds" : "CHAIN BROKEN");
    return result.ok() && result.events == rows ? 0 : 1;
}

void nullFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** /*argv*/) {
    sqlite3_result_null(context);
}

int migrate(const std::string& path, std::int64_t n) {
    const auto& migrations = vw::schemaMigrations();
    std::size_t chain = 0;
    while (chain < migrations.size() &&
           migrations[chain].find("CREATE TRIGGER event_log_no_delete") == std::string_view::npos) {
        ++chain;
    }
    {
        // The migrations before the chain on an empty database: their SQL functions only need
        // to exist.
        vw::Database db(path);
        for (const char* name :
             {"vw_content_hash", "vw_cpe_key", "vw_source_rank", "vw_keyword_text"}) {
            sqlite3_create_function_v2(db.handle(), name, -1, SQLITE_UTF8, nullptr, nullFunction,
                                       nullptr, nullptr, nullptr);
        }
        for (std::size_t i = 0; i < chain; ++i) {
            db.exec(migrations[i]);
        }
        db.exec("PRAGMA user_version = " + std::to_string(chain));
        db.exec("BEGIN");
        vw::Statement insert = db.prepare("INSERT INTO event_log (at, kind, text) VALUES (?1, ?2, "
                                          "?3)");
        std::string kind;
        for (std::int64_t i = 0; i < n; ++i) {
            const std::string text = eventText(i, kind);
            insert.bind(1, 1790000000 + i).bind(2, kind).bind(3, text).run();
            insert.reset();
        }
        db.exec("COMMIT");
    }
    const auto start = Clock::now();
    auto store = vw::Store::open(path);
    const double seconds = secondsSince(start);
    const vw::AuditVerification result = vw::verifyAuditChain(*store);
    std::printf("migration: %lld old events chained in %.2f s (%s, %lld events)\n",
                static_cast<long long>(n), seconds, result.ok() ? "chain holds" : "CHAIN BROKEN",
                static_cast<long long>(result.events));
    return result.ok() && result.events == n ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "generate" && argc == 4) {
        return generate(argv[2], std::atoll(argv[3]));
    }
    if (command == "migrate" && argc == 4) {
        return migrate(argv[2], std::atoll(argv[3]));
    }
    if (command == "time" && (argc == 3 || argc == 4)) {
        return timeVerify(argv[2], argc == 4 ? std::atoi(argv[3]) : 3);
    }
    std::cerr << "usage: bench_audit generate DB N | bench_audit time DB [REPEAT] | bench_audit "
                 "migrate DB N\n";
    return 2;
}
