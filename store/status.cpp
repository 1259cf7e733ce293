#include "store/status.h"

#include "core/cases.h"
#include "store/cases.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

namespace vw {

namespace {

// Tables whose rows are never deleted: the highest row id is their count (a rolled-back insert
// frees its id again, so there are no gaps to miscount).
constexpr std::string_view kRecordMax = "SELECT coalesce(max(id), 0) FROM record";
constexpr std::string_view kOutboxMax = "SELECT coalesce(max(id), 0) FROM outbox";
constexpr std::string_view kDeliveryMax = "SELECT coalesce(max(id), 0) FROM delivery";
// The first record at or after a row id: one seek, for the bisection below.
constexpr std::string_view kRecordFrom =
    "SELECT id, first_seen FROM record WHERE id >= ?1 ORDER BY id LIMIT 1";
// Today's records: a row id range (from the bisection), never the whole table. NOT INDEXED:
// else SQLite reads the whole unique index (channel, record_id, source) to group by channel.
constexpr std::string_view kRecordsToday =
    "SELECT channel, count(*) FROM record NOT INDEXED WHERE id >= ?1 AND first_seen >= ?2 "
    "GROUP BY channel";
// The outbox's pending and dead messages: ranges of the index outbox_due(state, due_at).
constexpr std::string_view kOutboxState = "SELECT count(*) FROM outbox WHERE state = ?1";
// Matches: count(*) reads the narrowest index (match rows are few next to records).
constexpr std::string_view kMatches = "SELECT count(*) FROM match";
// Cases per state: the index vcase_state.
constexpr std::string_view kCaseStates = "SELECT state, count(*) FROM vcase GROUP BY state";
constexpr std::string_view kAuditHeadAt = "SELECT at FROM event_log WHERE id = ?1";

/// Open cases with a running clock due before ?1: a range of the index vcase_next_due.
const std::string& overdueSql() {
    static const std::string sql =
        "SELECT count(*) FROM vcase WHERE state NOT IN ('closed', 'false_positive', "
        "'not_affected', 'risk_accepted') AND " +
        std::string(caseNextDueSql()) + " < ?1";
    return sql;
}

std::int64_t single(Store& store, std::string_view sql) {
    Statement& q = store.cachedStatement(sql);
    std::int64_t value = 0;
    if (q.step()) {
        value = q.integer(0);
    }
    q.reset();
    return value;
}

/// The smallest record id whose first_seen is at or after `dayStart` (records are numbered in
/// the order they were stored, so first_seen grows with the id); maxId + 1 when there is none.
/// O(log² n): each step is one seek.
std::int64_t firstRecordOfDay(Store& store, std::int64_t maxId, std::int64_t dayStart) {
    Statement& q = store.cachedStatement(kRecordFrom);
    std::int64_t lo = 1;
    std::int64_t hi = maxId + 1;
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        q.bind(1, mid);
        std::int64_t id = 0;
        std::int64_t seen = 0;
        if (q.step()) {
            id = q.integer(0);
            seen = q.integer(1);
        }
        q.reset();
        if (id == 0 || seen >= dayStart) {
            hi = mid;
        } else {
            lo = id + 1;
        }
    }
    return lo;
}

std::int64_t fileSize(const std::string& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    return error ? 0 : static_cast<std::int64_t>(size);
}

/// The daemon's wait before the next poll (daemon/run.cpp): the interval, or after
/// `failures` consecutive failures 1, 2, 4 … minutes (the exponent capped at 10), at most the
/// interval.
std::int64_t pollDelay(std::int64_t interval, int failures) {
    if (failures <= 0) {
        return interval;
    }
    const int n = std::min(failures, 10);
    return std::min<std::int64_t>(interval, std::int64_t{60} << (n - 1));
}

} // namespace

std::int64_t jstDayStart(std::int64_t now) {
    constexpr std::int64_t kJst = 9 * 3600;
    const std::int64_t local = now + kJst;
    const std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    return day * 86400 - kJst;
}

StatusSnapshot readStatus(Store& store, const std::vector<StatusSource>& sources,
                          std::int64_t now) {
    StatusSnapshot s;
    s.now = now;
    s.dayStart = jstDayStart(now);
    s.schemaVersion = store.schemaVersion();
    Store::ReadTransaction read(store); // one snapshot for every number below

    s.records = single(store, kRecordMax);
    std::map<std::string, std::int64_t> today;
    if (s.records > 0) {
        const std::int64_t from = firstRecordOfDay(store, s.records, s.dayStart);
        Statement& q = store.cachedStatement(kRecordsToday);
        q.bind(1, from).bind(2, s.dayStart);
        while (q.step()) {
            today[q.text(0)] = q.integer(1);
        }
        q.reset();
    }
    s.itemsTodayByChannel.assign(today.begin(), today.end());

    for (const StatusSource& source : sources) {
        SourceStatus row;
        row.source = source;
        row.state = store.sourceState(source.name);
        if (row.state.lastAttempt > 0) {
            row.nextPoll =
                row.state.lastAttempt + pollDelay(source.interval.count(), row.state.errorCount);
        }
        if (row.state.nextAttempt > row.nextPoll) {
            row.nextPoll = row.state.nextAttempt;
        }
        const auto it = today.find(source.name);
        row.itemsToday = it == today.end() ? 0 : it->second;
        s.sources.push_back(std::move(row));
    }

    s.matches = single(store, kMatches);
    s.outboxTotal = single(store, kOutboxMax);
    {
        Statement& q = store.cachedStatement(kOutboxState);
        for (auto [state, target] :
             {std::pair{"pending", &s.outboxPending}, std::pair{"dead", &s.outboxDead}}) {
            q.bind(1, std::string_view(state));
            *target = q.step() ? q.integer(0) : 0;
            q.reset();
        }
    }
    s.outboxDelivered = std::max<std::int64_t>(0, s.outboxTotal - s.outboxPending - s.outboxDead);
    s.deliveryAttempts = single(store, kDeliveryMax);

    std::map<std::string, std::int64_t> byState;
    {
        Statement& q = store.cachedStatement(kCaseStates);
        while (q.step()) {
            byState[q.text(0)] = q.integer(1);
        }
        q.reset();
    }
    for (const CaseState state : allCaseStates()) {
        const std::string name(caseStateName(state));
        const auto it = byState.find(name);
        const std::int64_t n = it == byState.end() ? 0 : it->second;
        s.cases.emplace_back(name, n);
        if (!isTerminal(state)) {
            s.openCases += n;
        }
    }
    // Overdue exactly as `cases list --overdue` (store/cases.cpp listCases): the index
    // vcase_next_due, read up to `now`.
    {
        Statement q = store.db().prepare(overdueSql());
        q.bind(1, now);
        s.overdueCases = q.step() ? q.integer(0) : 0;
    }

    s.auditHead = store.auditHead();
    if (s.auditHead.seq > 0) {
        Statement& q = store.cachedStatement(kAuditHeadAt);
        q.bind(1, s.auditHead.seq);
        s.auditHeadAt = q.step() ? q.integer(0) : 0;
        q.reset();
    }

    const std::string& path = store.db().path();
    if (store.db().isPostgres()) {
        // Per backend: no file; the size of the store's own schema (tables, their indexes and
        // TOAST), and no WAL of its own (the server's is shared by every database).
        Statement q = store.db().prepare(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN "
            "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND "
            "c.relkind IN ('r', 'm')");
        s.dbBytes = q.step() ? q.integer(0) : 0;
    } else if (!path.empty() && path != ":memory:") {
        s.dbBytes = fileSize(path);
        s.walBytes = fileSize(path + "-wal");
    }
    return s;
}

const std::vector<std::string_view>& statusQueries() {
    static const std::vector<std::string_view> queries{
        kRecordMax,   kOutboxMax, kDeliveryMax, kRecordFrom,  kRecordsToday,
        kOutboxState, kMatches,   kCaseStates,  kAuditHeadAt, overdueSql(),
    };
    return queries;
}

} // namespace vw
