// The SQLite store: one file, WAL, migrations; everything the pipeline keeps.
// Every method runs in the caller's transaction when one is open (see Store::Transaction),
// otherwise in its own implicit one. Times are Unix seconds passed in by the caller.
#pragma once

#include "core/advisory.h"
#include "core/match.h"
#include "core/message.h"
#include "core/product.h"
#include "store/sqlite.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vw {

/// What the store keeps per source between polls (DESIGN: source_state).
struct SourceStateRow {
    std::string etag;
    std::string lastModified;
    std::string cursor;
    std::int64_t lastSuccess = 0; // 0 = never
    std::int64_t lastAttempt = 0;
    int errorCount = 0; // consecutive failures
    std::string lastError;
    std::int64_t nextAttempt = 0; // 0 = as soon as due by interval
};

/// The stable content hash of a record's JSON: XXH3-64 as 16 lower-case hex digits (before
/// schema version 3: FNV-1a; migration 3 recomputed the stored ones).
/// Detects changes only; not a security measure.
std::string contentHash(std::string_view json);

/// A record's JSON (toJson) and its contentHash, computed once. A bulk import computes them on
/// its parsing thread, so the thread that writes the database does only that.
struct SerializedRecord {
    std::string json;
    std::string hash;
    /// The (vendor, product) of each CPE the record names, each once, as encodeList(vendor,
    /// product, vendor, product, …); "" when it names none (the record_cpe row).
    std::string cpeNames;
};
SerializedRecord serializeRecord(const Advisory& advisory);

struct UpsertOutcome {
    std::int64_t recordId = 0;
    std::int64_t clusterId = 0;
    bool isNew = false;   // first time this (channel, id) was seen
    bool changed = false; // content differs from the stored revision (new revision written)
};

struct ClusterSummary {
    std::int64_t clusterId = 0;
    std::string primaryId;        // the preferred id (JVNDB- > JVN# > JVNVU# > CVE- > other)
    std::vector<std::string> ids; // every alias, sorted
    std::string title;
    double maxScore = 0.0;
    std::int64_t firstSeen = 0;
};

/// One channel's statement about a cluster: which source said it and when first.
struct ClusterRecord {
    std::string channel; // source name from config, or "import"
    std::string json;    // the record as toJson(Advisory)
    std::int64_t firstSeen = 0;
    std::int64_t lastSeen = 0;
};

/// One channel's current record as stored.
struct StoredRecord {
    std::int64_t recordId = 0;
    std::int64_t clusterId = 0;
    std::string json; // toJson(Advisory)
};

struct MatchRow {
    std::int64_t id = 0;
    std::int64_t clusterId = 0;
    Match match;
    std::string state; // "new" (later: acknowledged, not-affected, fixed)
    std::int64_t createdAt = 0;
};

struct OutboxCounts {
    int pending = 0;
    int delivered = 0;
    int dead = 0;
};

/// One connection to the database. Not thread-safe: use a Store from one thread at a time
/// (open one Store per thread that needs the database; WAL lets them read concurrently).
class Store {
public:
    /// Opens (creating if needed) the file, enables WAL and foreign keys, applies migrations.
    /// Throws StoreError with the path on failure.
    static std::unique_ptr<Store> open(const std::string& path);
    static std::unique_ptr<Store> inMemory();

    int schemaVersion();
    /// The number of migrations this build knows.
    static int latestSchemaVersion();
    /// How many migrations open() applied to this database (0 when it was up to date).
    int migrationsApplied() const { return migrationsApplied_; }

    /// BEGIN IMMEDIATE … COMMIT; rolled back when destroyed without commit().
    class Transaction {
    public:
        explicit Transaction(Store& store);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        void commit();

    private:
        Store& store_;
        bool done_ = false;
    };

    // --- source state ---------------------------------------------------------------
    SourceStateRow sourceState(const std::string& source);
    void saveSourceState(const std::string& source, const SourceStateRow& state);

    // --- records, clusters, aliases -----------------------------------------------
    /// Stores one record from `channel`, correlates it into a cluster by its id and aliases
    /// (merging clusters that now share an alias), and writes a revision when it changed.
    ///
    /// The writes are atomic on their own (a SAVEPOINT inside the caller's transaction, which a
    /// failure rolls back to). A caller that rolls back its whole transaction on any exception
    /// anyway (ingestBatch) passes `Savepoint::Skip`: inside an open transaction no savepoint
    /// is taken, which saves copying every touched page into the statement journal (the
    /// largest single cost of a bulk import, measured in docs/performance.md).
    enum class Savepoint { Take, Skip };
    UpsertOutcome upsertRecord(const std::string& channel, const Advisory& advisory,
                               std::int64_t now, Savepoint savepoint = Savepoint::Take);
    /// As above with the record's JSON and hash already computed (serializeRecord(advisory)).
    UpsertOutcome upsertRecord(const std::string& channel, const Advisory& advisory,
                               const SerializedRecord& serialized, std::int64_t now,
                               Savepoint savepoint = Savepoint::Take);
    /// The cluster that has this alias (any normalized id), if any.
    std::optional<std::int64_t> clusterOf(const std::string& id);
    ClusterSummary cluster(std::int64_t clusterId);
    std::vector<ClusterRecord> clusterRecords(std::int64_t clusterId);
    /// The records whose current content names a CPE with one of these (vendor, product)
    /// pairs (as parseCpe() reads them: lower case, unescaped), by row id, ascending. The
    /// candidates for a re-match: only they can match a registry with those CPEs.
    std::vector<std::int64_t>
    recordsNamingCpes(const std::vector<std::pair<std::string, std::string>>& vendorProducts);
    /// One stored record by row id.
    std::optional<StoredRecord> record(std::int64_t recordId);
    /// Clusters first seen at or after `since` (0: all), newest first.
    std::vector<ClusterSummary> listClusters(std::int64_t since);
    /// As listClusters, one at a time (memory stays flat however many there are), all read in
    /// one read transaction (a consistent view). `fn` must not write to the store.
    void forEachCluster(std::int64_t since, const std::function<void(const ClusterSummary&)>& fn);

    // --- products -------------------------------------------------------------------
    /// Adds or replaces the product with this name (components replaced too).
    void putProduct(const Product& product);
    bool removeProduct(const std::string& name);
    std::vector<Product> products();

    // --- matches ----------------------------------------------------------------------
    /// Records a match of a cluster; returns true when it is new (first time this
    /// cluster × product × component matched).
    bool insertMatch(std::int64_t clusterId, const Match& match, std::int64_t now);
    std::vector<MatchRow> matches(const std::string& productFilter = "");

    // --- outbox and deliveries ----------------------------------------------------------
    /// Queues a message due at `dueAt`; a message whose idempotency key is already queued
    /// is ignored (returns 0), else returns the new id.
    std::int64_t enqueue(const OutMessage& message, std::int64_t dueAt);
    /// As above, stamping the row as created at `now` (the two-argument form uses the
    /// system clock for that audit field only).
    std::int64_t enqueue(const OutMessage& message, std::int64_t dueAt, std::int64_t now);
    /// Pending messages due at `now`, oldest first.
    std::vector<OutMessage> dueMessages(std::int64_t now, int limit = 100);
    void markDelivered(std::int64_t id, const std::string& reply, std::int64_t now);
    /// Records a failed attempt and the time of the next one.
    void markRetry(std::int64_t id, const std::string& reply, std::int64_t nextDue,
                   std::int64_t now);
    /// Gives up (dead letter) after a permanent failure.
    void markDead(std::int64_t id, const std::string& reply, std::int64_t now);
    int attempts(std::int64_t id);
    OutboxCounts outboxCounts();

    // --- audit ---------------------------------------------------------------------------
    void logEvent(const std::string& kind, const std::string& text, std::int64_t now);

    Database& db() { return db_; }

private:
    explicit Store(Database db);
    /// A prepared statement for `sql` (a string literal), kept for the Store's lifetime.
    Statement& cached(std::string_view sql);
    /// One delivery attempt: runs `update` on the outbox row and appends to the ledger.
    void recordAttempt(std::int64_t id, const char* update, const std::string& reply,
                       std::int64_t now, bool ok, std::int64_t nextDue);
    void migrate();
    /// Writes a record's SerializedRecord::cpeNames into record_cpe (`replace`: the record had
    /// content before, whose row is replaced or deleted).
    void indexCpes(std::int64_t recordId, const std::string& cpeNames, bool replace);
    /// Moves everything of cluster `from` into `into` and deletes `from`.
    void mergeCluster(std::int64_t from, std::int64_t into, std::int64_t now);

    Database db_;
    int migrationsApplied_ = 0;
    // Destroyed before db_ (declared after it).
    std::unordered_map<std::string_view, std::unique_ptr<Statement>> statements_;
};

} // namespace vw
