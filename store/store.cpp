#include "store/store.h"

#include "core/cpe.h"
#include "core/json_writer.h"
#include "store/migrations.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <sqlite3.h>
#include <unordered_set>
#include <utility>
#include <xxhash.h>

namespace vw {

namespace {

/// Borrows a cached statement for one use: rewinds it and clears its bindings on scope exit,
/// so no read snapshot stays open and no value leaks into the next use.
class Use {
public:
    explicit Use(Statement& statement) : statement_(statement) {}
    ~Use() {
        statement_.reset();
        statement_.clearBindings();
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

    Statement* operator->() { return &statement_; }
    Statement& operator*() { return statement_; }

private:
    Statement& statement_;
};

/// Makes a group of writes atomic. Inside a caller's transaction it is a SAVEPOINT (released
/// on commit(), rolled back to when destroyed without commit()). Without one it opens
/// BEGIN IMMEDIATE, so the write lock is taken before the first read and a concurrent writer
/// cannot invalidate the read snapshot halfway (WAL would answer SQLITE_BUSY_SNAPSHOT).
class WriteScope {
public:
    WriteScope(Database& db, std::string name) : db_(db), name_(std::move(name)) {
        outer_ = sqlite3_get_autocommit(db_.handle()) != 0;
        db_.exec(outer_ ? std::string("BEGIN IMMEDIATE") : "SAVEPOINT " + name_);
    }
    ~WriteScope() {
        if (done_) {
            return;
        }
        sqlite3* handle = db_.handle();
        if (outer_) {
            if (sqlite3_get_autocommit(handle) == 0) {
                sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
            }
        } else {
            const std::string undo = "ROLLBACK TO " + name_ + "; RELEASE " + name_;
            sqlite3_exec(handle, undo.c_str(), nullptr, nullptr, nullptr);
        }
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    void commit() {
        db_.exec(outer_ ? std::string("COMMIT") : "RELEASE " + name_);
        done_ = true;
    }

private:
    Database& db_;
    std::string name_;
    bool outer_ = false;
    bool done_ = false;
};

/// List columns: every item followed by '\n', with '\\' and '\n' inside items escaped, so
/// any list (including empty items and items with line breaks) round-trips exactly.
std::string encodeList(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        for (char c : item) {
            if (c == '\\') {
                out += "\\\\";
            } else if (c == '\n') {
                out += "\\n";
            } else {
                out += c;
            }
        }
        out += '\n';
    }
    return out;
}

std::vector<std::string> decodeList(const std::string& text) {
    std::vector<std::string> items;
    std::string current;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            items.push_back(std::move(current));
            current.clear();
        } else if (c == '\\' && i + 1 < text.size()) {
            ++i;
            current += text[i] == 'n' ? '\n' : text[i];
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        items.push_back(std::move(current)); // tolerate a missing final terminator
    }
    return items;
}

/// Preference of an id as a cluster's primary id: lower is better.
int idRank(const std::string& id) {
    static const std::string_view prefixes[] = {"JVNDB-", "JVN#", "JVNVU#", "CVE-"};
    for (std::size_t i = 0; i < std::size(prefixes); ++i) {
        if (id.starts_with(prefixes[i])) {
            return static_cast<int>(i);
        }
    }
    return static_cast<int>(std::size(prefixes));
}

/// The preferred id of a cluster among its sorted `ids` (JVNDB > JVN# > JVNVU# > CVE > other):
/// the first id of the best rank, so the smallest of its kind.
std::string primaryIdOf(const std::vector<std::string>& ids) {
    const std::string* best = nullptr;
    for (const auto& id : ids) {
        if (best == nullptr || idRank(id) < idRank(*best)) {
            best = &id;
        }
    }
    return best == nullptr ? std::string() : *best;
}

std::int64_t systemNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

std::string contentHash(std::string_view json) {
    // XXH3 (schema version 3 on): FNV-1a, one byte at a time, was about 5% of a bulk import.
    std::uint64_t hash = XXH3_64bits(json.data(), json.size());
    static const char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = digits[hash & 0xf];
        hash >>= 4;
    }
    return out;
}

namespace {

/// The text of a SQL function's argument; nullopt for NULL.
std::optional<std::string_view> sqlText(sqlite3_value* value) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(value));
    if (text == nullptr) {
        return std::nullopt;
    }
    return std::string_view(text, static_cast<std::size_t>(sqlite3_value_bytes(value)));
}

/// The SQL function vw_content_hash(text): contentHash() for migrations that recompute hashes.
void sqlContentHash(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    const std::optional<std::string_view> text = sqlText(argv[0]);
    if (!text) {
        sqlite3_result_null(context);
        return;
    }
    const std::string hash = contentHash(*text);
    sqlite3_result_text(context, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
}

/// The (vendor, product) pairs of the CPEs a record names, each once, in order.
std::vector<std::pair<std::string, std::string>> cpeNamesOf(const Advisory& advisory) {
    std::vector<std::pair<std::string, std::string>> names;
    for (const std::string* text : advisory.namedCpes()) {
        std::optional<Cpe> cpe = parseCpe(*text);
        if (!cpe) {
            continue;
        }
        std::pair<std::string, std::string> name{std::move(cpe->vendor), std::move(cpe->product)};
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            names.push_back(std::move(name));
        }
    }
    return names;
}

/// vw_cpe_key(text): encodeList({vendor, product}) of parseCpe(text), NULL when `text` is not a
/// CPE name (for migration 4).
void sqlCpeKey(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    const std::optional<std::string_view> text = sqlText(argv[0]);
    const std::optional<Cpe> cpe = text ? parseCpe(*text) : std::nullopt;
    if (!cpe) {
        sqlite3_result_null(context);
        return;
    }
    const std::string key = encodeList({cpe->vendor, cpe->product});
    sqlite3_result_text(context, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
}

/// Registers the SQL functions the migrations use.
void registerFunctions(Database& db, const std::string& path) {
    struct Function {
        const char* name;
        void (*fn)(sqlite3_context*, int, sqlite3_value**);
    };
    for (const Function& f :
         {Function{"vw_content_hash", sqlContentHash}, Function{"vw_cpe_key", sqlCpeKey}}) {
        if (sqlite3_create_function_v2(db.handle(), f.name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                       nullptr, f.fn, nullptr, nullptr, nullptr) != SQLITE_OK) {
            throw StoreError(std::string("cannot register ") + f.name + " on " + path + ": " +
                             sqlite3_errmsg(db.handle()));
        }
    }
}

} // namespace

// --- opening and migrations ----------------------------------------------------------------

Store::Store(Database db) : db_(std::move(db)) {}

std::unique_ptr<Store> Store::open(const std::string& path) {
    Database db(path);
    db.exec("PRAGMA busy_timeout = 5000");
    // Only takes effect on a new, empty database (before WAL is enabled): 16 KiB pages hold a
    // whole record JSON (about 2 KB) without overflow pages and quarter the write calls of a
    // bulk ingest compared with the 4 KiB default (measured: bench/run.sh, docs/performance.md).
    db.exec("PRAGMA page_size = 16384");
    {
        Statement mode = db.prepare("PRAGMA journal_mode = WAL");
        const std::string result = mode.step() ? mode.text(0) : std::string();
        const char* file = sqlite3_db_filename(db.handle(), "main");
        const bool inMemory = file == nullptr || *file == '\0';
        if (!inMemory && result != "wal") {
            throw StoreError("cannot enable WAL journal mode on " + path + " (got '" + result +
                             "')");
        }
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // Savepoint and statement journals stay in memory: on disk they cost a write of every
    // page an upsert touches (measured: 4x the write calls of a bulk ingest).
    db.exec("PRAGMA temp_store = MEMORY");
    registerFunctions(db, path);
    std::unique_ptr<Store> store(new Store(std::move(db)));
    store->migrate();
    return store;
}

std::unique_ptr<Store> Store::inMemory() {
    return open(":memory:");
}

int Store::latestSchemaVersion() {
    return static_cast<int>(schemaMigrations().size());
}

int Store::schemaVersion() {
    Statement query = db_.prepare("PRAGMA user_version");
    return query.step() ? static_cast<int>(query.integer(0)) : 0;
}

void Store::migrate() {
    const auto& migrations = schemaMigrations();
    const int latest = latestSchemaVersion();
    // One transaction per migration; the version is re-read under the write lock so two
    // processes opening the same file never apply a migration twice.
    for (;;) {
        WriteScope scope(db_, "migrate");
        const int version = schemaVersion();
        if (version > latest) {
            throw StoreError(db_.path() + " has schema version " + std::to_string(version) +
                             ", newer than this build of vulnwatch knows (" +
                             std::to_string(latest) + "); use a newer vulnwatch");
        }
        if (version == latest) {
            scope.commit();
            return;
        }
        try {
            db_.exec(migrations[static_cast<std::size_t>(version)]);
            // PRAGMA takes no bound parameters; the value is our own integer.
            db_.exec("PRAGMA user_version = " + std::to_string(version + 1));
        } catch (const StoreError& e) {
            throw StoreError("migration to schema version " + std::to_string(version + 1) +
                             " failed: " + e.what());
        }
        scope.commit();
        ++migrationsApplied_;
    }
}

Statement& Store::cached(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        it = statements_.emplace(sql, std::make_unique<Statement>(db_.handle(), sql)).first;
    }
    return *it->second;
}

// --- transactions --------------------------------------------------------------------------

Store::Transaction::Transaction(Store& store) : store_(store) {
    store_.db_.exec("BEGIN IMMEDIATE");
}

Store::Transaction::~Transaction() {
    sqlite3* handle = store_.db_.handle();
    if (!done_ && sqlite3_get_autocommit(handle) == 0) {
        sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Store::Transaction::commit() {
    store_.db_.exec("COMMIT");
    done_ = true;
}

// --- source state --------------------------------------------------------------------------

SourceStateRow Store::sourceState(const std::string& source) {
    Use q(cached("SELECT etag, last_modified, cursor, last_success, last_attempt, error_count, "
                 "last_error, next_attempt FROM source_state WHERE source = ?1"));
    q->bind(1, source);
    SourceStateRow row;
    if (q->step()) {
        row.etag = q->text(0);
        row.lastModified = q->text(1);
        row.cursor = q->text(2);
        row.lastSuccess = q->integer(3);
        row.lastAttempt = q->integer(4);
        row.errorCount = static_cast<int>(q->integer(5));
        row.lastError = q->text(6);
        row.nextAttempt = q->integer(7);
    }
    return row;
}

void Store::saveSourceState(const std::string& source, const SourceStateRow& state) {
    Use q(cached("INSERT INTO source_state (source, etag, last_modified, cursor, last_success, "
                 "last_attempt, error_count, last_error, next_attempt) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                 "ON CONFLICT (source) DO UPDATE SET etag = excluded.etag, "
                 "last_modified = excluded.last_modified, cursor = excluded.cursor, "
                 "last_success = excluded.last_success, last_attempt = excluded.last_attempt, "
                 "error_count = excluded.error_count, last_error = excluded.last_error, "
                 "next_attempt = excluded.next_attempt"));
    q->bind(1, source)
        .bind(2, state.etag)
        .bind(3, state.lastModified)
        .bind(4, state.cursor)
        .bind(5, state.lastSuccess)
        .bind(6, state.lastAttempt)
        .bind(7, state.errorCount)
        .bind(8, state.lastError)
        .bind(9, state.nextAttempt)
        .run();
}

// --- records, clusters, aliases ------------------------------------------------------------

SerializedRecord serializeRecord(const Advisory& advisory) {
    SerializedRecord out;
    out.json = toJson(advisory);
    out.hash = contentHash(out.json);
    std::vector<std::string> items;
    for (auto& [vendor, product] : cpeNamesOf(advisory)) {
        items.push_back(std::move(vendor));
        items.push_back(std::move(product));
    }
    out.cpeNames = encodeList(items);
    return out;
}

UpsertOutcome Store::upsertRecord(const std::string& channel, const Advisory& advisory,
                                  std::int64_t now, Savepoint savepoint) {
    return upsertRecord(channel, advisory, serializeRecord(advisory), now, savepoint);
}

UpsertOutcome Store::upsertRecord(const std::string& channel, const Advisory& advisory,
                                  const SerializedRecord& serialized, std::int64_t now,
                                  Savepoint savepoint) {
    if (advisory.id.empty()) {
        throw StoreError("record from " + channel + " has no id");
    }
    const std::string& json = serialized.json;
    const std::string& hash = serialized.hash;

    std::vector<std::string> ids = advisory.aliases;
    ids.push_back(advisory.id);
    std::erase(ids, std::string());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

    std::optional<WriteScope> scope;
    if (savepoint == Savepoint::Take || sqlite3_get_autocommit(db_.handle()) != 0) {
        scope.emplace(db_, "upsert_record");
    }
    UpsertOutcome outcome;

    std::vector<std::int64_t> clusters;
    for (const auto& id : ids) {
        Use q(cached("SELECT cluster_id FROM alias WHERE id = ?1"));
        q->bind(1, id);
        if (q->step()) {
            clusters.push_back(q->integer(0));
        }
    }
    std::sort(clusters.begin(), clusters.end());
    clusters.erase(std::unique(clusters.begin(), clusters.end()), clusters.end());

    if (clusters.empty()) {
        Use q(cached("INSERT INTO cluster (first_seen) VALUES (?1)"));
        q->bind(1, now).run();
        outcome.clusterId = db_.lastInsertId();
    } else {
        outcome.clusterId = clusters.front();
        for (std::size_t i = 1; i < clusters.size(); ++i) {
            mergeCluster(clusters[i], outcome.clusterId, now);
        }
    }

    for (const auto& id : ids) {
        Use q(cached("INSERT INTO alias (id, cluster_id) VALUES (?1, ?2) "
                     "ON CONFLICT (id) DO NOTHING"));
        q->bind(1, id).bind(2, outcome.clusterId).run();
    }

    std::optional<std::int64_t> existing;
    std::string storedHash;
    // Every stored record's own id is an alias (added below, never removed), so when none of
    // the ids was known the record cannot exist yet: skip the lookup (most records of a bulk
    // import are new).
    if (!clusters.empty()) {
        Use q(cached("SELECT id, content_hash FROM record WHERE channel = ?1 AND record_id = ?2"));
        q->bind(1, channel).bind(2, advisory.id);
        if (q->step()) {
            existing = q->integer(0);
            storedHash = q->text(1);
        }
    }

    if (!existing) {
        Use q(cached("INSERT INTO record (channel, record_id, json, content_hash, title, "
                     "max_score, first_seen, last_seen, cluster_id) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)"));
        q->bind(1, channel)
            .bind(2, advisory.id)
            .bind(3, json)
            .bind(4, hash)
            .bind(5, advisory.title)
            .bind(6, advisory.maxScore())
            .bind(7, now)
            .bind(8, outcome.clusterId)
            .run();
        outcome.recordId = db_.lastInsertId();
        outcome.isNew = true;
        outcome.changed = true;
    } else if (storedHash == hash) {
        Use q(cached("UPDATE record SET last_seen = MAX(last_seen, ?1), cluster_id = ?2 "
                     "WHERE id = ?3"));
        q->bind(1, now).bind(2, outcome.clusterId).bind(3, *existing).run();
        outcome.recordId = *existing;
    } else {
        {
            // Keep the superseded content: the revision that stood for "the record's current
            // JSON" (NULL) gets that JSON before the record is overwritten.
            Use q(cached("UPDATE revision SET json = (SELECT json FROM record WHERE id = ?1) "
                         "WHERE record_id = ?1 AND json IS NULL"));
            q->bind(1, *existing).run();
        }
        Use q(cached("UPDATE record SET json = ?1, content_hash = ?2, title = ?3, max_score = ?4, "
                     "last_seen = MAX(last_seen, ?5), cluster_id = ?6 WHERE id = ?7"));
        q->bind(1, json)
            .bind(2, hash)
            .bind(3, advisory.title)
            .bind(4, advisory.maxScore())
            .bind(5, now)
            .bind(6, outcome.clusterId)
            .bind(7, *existing)
            .run();
        outcome.recordId = *existing;
        outcome.changed = true;
    }

    if (outcome.changed) {
        indexCpes(outcome.recordId, serialized.cpeNames, !outcome.isNew);
        // json NULL: this revision's content is the record's current JSON (stored once).
        Use q(cached("INSERT INTO revision (record_id, json, content_hash, seen_at) "
                     "VALUES (?1, NULL, ?2, ?3)"));
        q->bind(1, outcome.recordId).bind(2, hash).bind(3, now).run();
    }

    if (scope) {
        scope->commit();
    }
    return outcome;
}

void Store::mergeCluster(std::int64_t from, std::int64_t into, std::int64_t now) {
    // Statements taking (?1 = surviving cluster, ?2 = absorbed cluster). Rows whose unique key
    // already exists in the surviving cluster are left behind by UPDATE OR IGNORE and dropped
    // below together with the absorbed cluster.
    static constexpr std::string_view moves[] = {
        "UPDATE alias SET cluster_id = ?1 WHERE cluster_id = ?2",
        "UPDATE record SET cluster_id = ?1 WHERE cluster_id = ?2",
        "UPDATE OR IGNORE match SET cluster_id = ?1 WHERE cluster_id = ?2",
        "UPDATE OR IGNORE decision SET cluster_id = ?1 WHERE cluster_id = ?2",
        "UPDATE cluster SET first_seen = MIN(first_seen, "
        "(SELECT first_seen FROM cluster WHERE id = ?2)) WHERE id = ?1",
    };
    for (auto sql : moves) {
        Use q(cached(sql));
        q->bind(1, into).bind(2, from).run();
    }
    // Statements taking (?1 = absorbed cluster).
    static constexpr std::string_view drops[] = {
        "DELETE FROM match WHERE cluster_id = ?1",
        "DELETE FROM decision WHERE cluster_id = ?1",
        "DELETE FROM cluster WHERE id = ?1",
    };
    for (auto sql : drops) {
        Use q(cached(sql));
        q->bind(1, from).run();
    }
    logEvent("cluster-merge",
             "cluster " + std::to_string(from) + " merged into " + std::to_string(into), now);
}

std::optional<std::int64_t> Store::clusterOf(const std::string& id) {
    Use q(cached("SELECT cluster_id FROM alias WHERE id = ?1"));
    q->bind(1, id);
    if (q->step()) {
        return q->integer(0);
    }
    return std::nullopt;
}

ClusterSummary Store::cluster(std::int64_t clusterId) {
    ClusterSummary summary;
    summary.clusterId = clusterId;
    {
        Use q(cached("SELECT first_seen FROM cluster WHERE id = ?1"));
        q->bind(1, clusterId);
        if (!q->step()) {
            throw StoreError("no cluster with id " + std::to_string(clusterId));
        }
        summary.firstSeen = q->integer(0);
    }
    {
        Use q(cached("SELECT id FROM alias WHERE cluster_id = ?1 ORDER BY id"));
        q->bind(1, clusterId);
        while (q->step()) {
            summary.ids.push_back(q->text(0));
        }
    }
    summary.primaryId = primaryIdOf(summary.ids);
    {
        Use q(cached("SELECT title, max_score FROM record WHERE cluster_id = ?1 "
                     "ORDER BY last_seen DESC, id DESC LIMIT 1"));
        q->bind(1, clusterId);
        if (q->step()) {
            summary.title = q->text(0);
            summary.maxScore = q->real(1);
        }
    }
    return summary;
}

std::vector<ClusterRecord> Store::clusterRecords(std::int64_t clusterId) {
    Use q(cached("SELECT channel, json, first_seen, last_seen FROM record "
                 "WHERE cluster_id = ?1 ORDER BY first_seen, id"));
    q->bind(1, clusterId);
    std::vector<ClusterRecord> records;
    while (q->step()) {
        records.push_back({q->text(0), q->text(1), q->integer(2), q->integer(3)});
    }
    return records;
}

void Store::indexCpes(std::int64_t recordId, const std::string& cpeNames, bool replace) {
    if (cpeNames.empty()) {
        if (replace) {
            Use q(cached("DELETE FROM record_cpe WHERE record_id = ?1"));
            q->bind(1, recordId).run();
        }
        return;
    }
    Use q(cached("INSERT INTO record_cpe (record_id, names) VALUES (?1, ?2) "
                 "ON CONFLICT (record_id) DO UPDATE SET names = excluded.names"));
    q->bind(1, recordId).bind(2, cpeNames).run();
}

std::vector<std::int64_t>
Store::recordsNamingCpes(const std::vector<std::pair<std::string, std::string>>& vendorProducts) {
    std::vector<std::int64_t> ids;
    if (vendorProducts.empty()) {
        return ids;
    }
    std::unordered_set<std::string> wanted;
    for (const auto& [vendor, product] : vendorProducts) {
        wanted.insert(vendor + '\0' + product);
    }
    // One pass over a narrow table (about 50 bytes a record), in record order.
    Use q(cached("SELECT record_id, names FROM record_cpe ORDER BY record_id"));
    std::string key;
    while (q->step()) {
        const std::vector<std::string> items = decodeList(q->text(1));
        for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
            key.assign(items[i]).append(1, '\0').append(items[i + 1]);
            if (wanted.count(key) != 0) {
                ids.push_back(q->integer(0));
                break;
            }
        }
    }
    return ids;
}

std::optional<StoredRecord> Store::record(std::int64_t recordId) {
    Use q(cached("SELECT cluster_id, json FROM record WHERE id = ?1"));
    q->bind(1, recordId);
    if (!q->step()) {
        return std::nullopt;
    }
    return StoredRecord{recordId, q->integer(0), q->text(1)};
}

void Store::forEachCluster(std::int64_t since,
                           const std::function<void(const ClusterSummary&)>& fn) {
    // One read transaction for the whole listing: outside one, every statement takes and drops
    // SQLite's shared lock with system calls of its own (300k advisories: 22 s, mostly that).
    // BEGIN (deferred) takes no write lock, so a running daemon is not held up.
    const bool own = sqlite3_get_autocommit(db_.handle()) != 0;
    if (own) {
        db_.exec("BEGIN");
    }
    try {
        // One statement for all clusters (three small ones per cluster took 24 µs each time):
        // the aliases joined by newlines (ids never hold one), the newest record's title/score.
        Use q(
            cached("SELECT c.id, c.first_seen, "
                   "(SELECT group_concat(a.id, char(10)) FROM alias a WHERE a.cluster_id = c.id), "
                   "r.title, r.max_score FROM cluster c LEFT JOIN record r ON r.id = "
                   "(SELECT id FROM record WHERE cluster_id = c.id "
                   "ORDER BY last_seen DESC, id DESC LIMIT 1) "
                   "WHERE c.first_seen >= ?1 ORDER BY c.first_seen DESC, c.id DESC"));
        q->bind(1, since);
        ClusterSummary summary;
        while (q->step()) {
            summary.clusterId = q->integer(0);
            summary.firstSeen = q->integer(1);
            summary.ids.clear();
            const std::string aliases = q->text(2);
            for (std::size_t start = 0; start < aliases.size();) {
                const std::size_t end = std::min(aliases.find('\n', start), aliases.size());
                summary.ids.emplace_back(aliases, start, end - start);
                start = end + 1;
            }
            std::sort(summary.ids.begin(), summary.ids.end());
            summary.primaryId = primaryIdOf(summary.ids);
            summary.title = q->text(3);
            summary.maxScore = q->real(4);
            fn(summary);
        }
    } catch (...) {
        if (own) {
            db_.exec("ROLLBACK");
        }
        throw;
    }
    if (own) {
        db_.exec("COMMIT");
    }
}

std::vector<ClusterSummary> Store::listClusters(std::int64_t since) {
    std::vector<ClusterSummary> summaries;
    forEachCluster(since, [&](const ClusterSummary& c) { summaries.push_back(c); });
    return summaries;
}

// --- products ------------------------------------------------------------------------------

void Store::putProduct(const Product& product) {
    if (product.name.empty()) {
        throw StoreError("a product needs a name");
    }
    WriteScope scope(db_, "put_product");
    std::optional<std::int64_t> productId;
    {
        Use q(cached("SELECT id FROM product WHERE name = ?1"));
        q->bind(1, product.name);
        if (q->step()) {
            productId = q->integer(0);
        }
    }
    if (productId) {
        // Updated in place so the product keeps its position in the registry order.
        {
            Use q(cached("UPDATE product SET version = ?2, owners = ?3, keywords = ?4, "
                         "cpes = ?5 WHERE id = ?1"));
            q->bind(1, *productId)
                .bind(2, product.version)
                .bind(3, encodeList(product.owners))
                .bind(4, encodeList(product.keywords))
                .bind(5, encodeList(product.cpes))
                .run();
        }
        Use q(cached("DELETE FROM component WHERE product_id = ?1"));
        q->bind(1, *productId).run();
    } else {
        Use q(cached("INSERT INTO product (name, version, owners, keywords, cpes) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)"));
        q->bind(1, product.name)
            .bind(2, product.version)
            .bind(3, encodeList(product.owners))
            .bind(4, encodeList(product.keywords))
            .bind(5, encodeList(product.cpes))
            .run();
        productId = db_.lastInsertId();
    }
    for (const auto& c : product.components) {
        Use q(cached("INSERT INTO component (product_id, vendor, name, version, cpe, purl) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
        q->bind(1, *productId)
            .bind(2, c.vendor)
            .bind(3, c.name)
            .bind(4, c.version)
            .bind(5, c.cpe)
            .bind(6, c.purl)
            .run();
    }
    scope.commit();
}

bool Store::removeProduct(const std::string& name) {
    Use q(cached("DELETE FROM product WHERE name = ?1"));
    q->bind(1, name).run();
    return db_.changes() > 0;
}

std::vector<Product> Store::products() {
    std::vector<Product> result;
    std::map<std::int64_t, std::size_t> indexById;
    {
        Use q(cached("SELECT id, name, version, owners, keywords, cpes FROM product ORDER BY id"));
        while (q->step()) {
            indexById[q->integer(0)] = result.size();
            Product p;
            p.name = q->text(1);
            p.version = q->text(2);
            p.owners = decodeList(q->text(3));
            p.keywords = decodeList(q->text(4));
            p.cpes = decodeList(q->text(5));
            result.push_back(std::move(p));
        }
    }
    Use q(cached("SELECT product_id, vendor, name, version, cpe, purl FROM component "
                 "ORDER BY product_id, id"));
    while (q->step()) {
        auto it = indexById.find(q->integer(0));
        if (it == indexById.end()) {
            continue; // cannot happen with foreign keys on
        }
        result[it->second].components.push_back(
            {q->text(1), q->text(2), q->text(3), q->text(4), q->text(5)});
    }
    return result;
}

// --- matches -------------------------------------------------------------------------------

bool Store::insertMatch(std::int64_t clusterId, const Match& match, std::int64_t now) {
    Use q(cached("INSERT INTO match (cluster_id, product, component, confidence, method, "
                 "reason, advisory, aliases, version, state, created_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'new', ?10) "
                 "ON CONFLICT (cluster_id, product, component) DO NOTHING"));
    q->bind(1, clusterId)
        .bind(2, match.product)
        .bind(3, match.component)
        .bind(4, match.confidence)
        .bind(5, match.method)
        .bind(6, match.reason)
        .bind(7, match.advisory)
        .bind(8, encodeList(match.aliases))
        .bind(9, match.version)
        .bind(10, now)
        .run();
    return db_.changes() > 0;
}

std::vector<MatchRow> Store::matches(const std::string& productFilter) {
    static constexpr std::string_view all =
        "SELECT id, cluster_id, advisory, aliases, product, version, component, confidence, "
        "method, reason, state, created_at FROM match ORDER BY id";
    static constexpr std::string_view one =
        "SELECT id, cluster_id, advisory, aliases, product, version, component, confidence, "
        "method, reason, state, created_at FROM match WHERE product = ?1 ORDER BY id";
    Use q(cached(productFilter.empty() ? all : one));
    if (!productFilter.empty()) {
        q->bind(1, productFilter);
    }
    std::vector<MatchRow> rows;
    while (q->step()) {
        MatchRow row;
        row.id = q->integer(0);
        row.clusterId = q->integer(1);
        row.match.advisory = q->text(2);
        row.match.aliases = decodeList(q->text(3));
        row.match.product = q->text(4);
        row.match.version = q->text(5);
        row.match.component = q->text(6);
        row.match.confidence = static_cast<int>(q->integer(7));
        row.match.method = q->text(8);
        row.match.reason = q->text(9);
        row.state = q->text(10);
        row.createdAt = q->integer(11);
        rows.push_back(std::move(row));
    }
    return rows;
}

// --- outbox and deliveries -----------------------------------------------------------------

std::int64_t Store::enqueue(const OutMessage& message, std::int64_t dueAt) {
    return enqueue(message, dueAt, systemNow());
}

std::int64_t Store::enqueue(const OutMessage& message, std::int64_t dueAt, std::int64_t now) {
    if (message.idempotencyKey.empty()) {
        throw StoreError("outbox message for " + message.notifier + " has no idempotency key");
    }
    Use q(cached("INSERT INTO outbox (notifier, recipient, subject, text, payload, "
                 "idempotency_key, due_at, state, attempts, last_reply, created_at, updated_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, '', ?8, ?8) "
                 "ON CONFLICT (idempotency_key) DO NOTHING"));
    q->bind(1, message.notifier)
        .bind(2, message.recipient)
        .bind(3, message.subject)
        .bind(4, message.text)
        .bind(5, message.payload)
        .bind(6, message.idempotencyKey)
        .bind(7, dueAt)
        .bind(8, now)
        .run();
    return db_.changes() > 0 ? db_.lastInsertId() : 0;
}

std::vector<OutMessage> Store::dueMessages(std::int64_t now, int limit) {
    Use q(cached("SELECT id, notifier, recipient, subject, text, payload, idempotency_key "
                 "FROM outbox WHERE state = 'pending' AND due_at <= ?1 "
                 "ORDER BY due_at, id LIMIT ?2"));
    q->bind(1, now).bind(2, limit);
    std::vector<OutMessage> messages;
    while (q->step()) {
        OutMessage m;
        m.id = q->integer(0);
        m.notifier = q->text(1);
        m.recipient = q->text(2);
        m.subject = q->text(3);
        m.text = q->text(4);
        m.payload = q->text(5);
        m.idempotencyKey = q->text(6);
        messages.push_back(std::move(m));
    }
    return messages;
}

namespace {

void requireOne(const Database& db, std::int64_t id) {
    if (db.changes() != 1) {
        throw StoreError("no outbox message with id " + std::to_string(id));
    }
}

} // namespace

void Store::recordAttempt(std::int64_t id, const char* update, const std::string& reply,
                          std::int64_t now, bool ok, std::int64_t nextDue) {
    WriteScope scope(db_, "record_attempt");
    {
        // ?1 id, ?2 reply, ?3 now, and ?4 the next due time for retries (nextDue >= 0)
        Use q(cached(update));
        q->bind(1, id).bind(2, reply).bind(3, now);
        if (nextDue >= 0) {
            q->bind(4, nextDue);
        }
        q->run();
        requireOne(db_, id);
    }
    {
        Use q(cached("INSERT INTO delivery (outbox_id, at, ok, reply) VALUES (?1, ?2, ?3, ?4)"));
        q->bind(1, id).bind(2, now).bind(3, ok ? 1 : 0).bind(4, reply).run();
    }
    scope.commit();
}

void Store::markDelivered(std::int64_t id, const std::string& reply, std::int64_t now) {
    recordAttempt(id,
                  "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, "
                  "last_reply = ?2, updated_at = ?3 WHERE id = ?1",
                  reply, now, true, -1);
}

void Store::markRetry(std::int64_t id, const std::string& reply, std::int64_t nextDue,
                      std::int64_t now) {
    recordAttempt(id,
                  "UPDATE outbox SET attempts = attempts + 1, due_at = ?4, last_reply = ?2, "
                  "updated_at = ?3 WHERE id = ?1",
                  reply, now, false, nextDue);
}

void Store::markDead(std::int64_t id, const std::string& reply, std::int64_t now) {
    recordAttempt(id,
                  "UPDATE outbox SET state = 'dead', attempts = attempts + 1, "
                  "last_reply = ?2, updated_at = ?3 WHERE id = ?1",
                  reply, now, false, -1);
}

int Store::attempts(std::int64_t id) {
    Use q(cached("SELECT attempts FROM outbox WHERE id = ?1"));
    q->bind(1, id);
    if (!q->step()) {
        throw StoreError("no outbox message with id " + std::to_string(id));
    }
    return static_cast<int>(q->integer(0));
}

OutboxCounts Store::outboxCounts() {
    Use q(cached("SELECT state, COUNT(*) FROM outbox GROUP BY state"));
    OutboxCounts counts;
    while (q->step()) {
        const std::string state = q->text(0);
        const int n = static_cast<int>(q->integer(1));
        if (state == "pending") {
            counts.pending = n;
        } else if (state == "delivered") {
            counts.delivered = n;
        } else if (state == "dead") {
            counts.dead = n;
        }
    }
    return counts;
}

// --- audit ---------------------------------------------------------------------------------

void Store::logEvent(const std::string& kind, const std::string& text, std::int64_t now) {
    Use q(cached("INSERT INTO event_log (at, kind, text) VALUES (?1, ?2, ?3)"));
    q->bind(1, now).bind(2, kind).bind(3, text).run();
}

} // namespace vw
