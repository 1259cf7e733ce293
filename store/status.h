// One snapshot of the store's health for `vulnwatch status` (daemon/cli_status.cpp) and the
// Prometheus exposition (web/metrics.h): per source its stored poll state and the records it
// brought today, the outbox, the cases, the audit head and the database's size.
//
// Every query reads an index range or a single row (docs/operations.md "Monitoring"): a store
// of 300k advisories answers in milliseconds. Counts of tables whose rows are never deleted
// (record, outbox, delivery, event_log) are their highest row id, not a scan.
#pragma once

#include "store/audit.h"
#include "store/store.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

/// A configured source as the status needs it (from the config; the store knows no intervals).
struct StatusSource {
    std::string name;
    std::string type;
    bool enabled = true;
    std::chrono::seconds interval{0};
};

struct SourceStatus {
    StatusSource source;
    SourceStateRow state;
    /// When the daemon polls it next, estimated from the last stored attempt: the interval
    /// after it, or the daemon's retry backoff after a failure (1, 2, 4 … minutes, at most the
    /// interval). 0: unknown (never polled; a daemon polls it when it starts). An unchanged
    /// poll (HTTP 304) writes nothing, so the estimate may lie in the past.
    std::int64_t nextPoll = 0;
    /// Records it stored for the first time today (JST).
    std::int64_t itemsToday = 0;
};

struct StatusSnapshot {
    std::int64_t now = 0;
    std::int64_t dayStart = 0; // 00:00 JST of today
    std::vector<SourceStatus> sources;
    /// Records first stored today per channel (configured or not, e.g. "import"), by name.
    std::vector<std::pair<std::string, std::int64_t>> itemsTodayByChannel;
    std::int64_t records = 0;          // records stored (never deleted)
    std::int64_t matches = 0;          // match rows now (a cluster merge folds duplicates)
    std::int64_t outboxTotal = 0;      // messages ever queued (never deleted)
    std::int64_t outboxPending = 0;    // the queue depth
    std::int64_t outboxDead = 0;       // dead letters now (a retry queues one again)
    std::int64_t outboxDelivered = 0;  // total - pending - dead
    std::int64_t deliveryAttempts = 0; // rows of the delivery ledger (never deleted)
    /// Cases per state name, every state of allCaseStates() (0 when none), in that order.
    std::vector<std::pair<std::string, std::int64_t>> cases;
    std::int64_t openCases = 0;
    std::int64_t overdueCases = 0; // open with a running clock past due at `now`
    AuditHead auditHead;
    std::int64_t auditHeadAt = 0; // the last event's time (0: none)
    std::int64_t dbBytes = 0;     // the database file
    std::int64_t walBytes = 0;    // its write-ahead log (-wal), 0 when absent
    int schemaVersion = 0;
};

/// 00:00 JST (UTC+9, no daylight saving) of the day `now` is in.
std::int64_t jstDayStart(std::int64_t now);

/// Reads the snapshot in one read transaction. `sources`: the configured ones, in the order to
/// show. Throws StoreError when the store cannot be read.
StatusSnapshot readStatus(Store& store, const std::vector<StatusSource>& sources, std::int64_t now);

/// The SQL of the snapshot's queries with sample bindings, for tests that check each plan
/// (EXPLAIN QUERY PLAN) uses an index or a row id.
const std::vector<std::string_view>& statusQueries();

} // namespace vw
