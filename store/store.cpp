#include "store/store.h"

#include "core/correlate.h"
#include "core/cpe.h"
#include "core/fold.h"
#include "core/json_writer.h"
#include "core/keywords.h"
#include "core/redact.h"
#include "store/lookahead.h"
#include "store/migrations.h"
#include "store/postgres_schema.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>
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

/// Runs an INSERT … RETURNING id and gives the id (the row's own: on PostgreSQL lastval() would
/// miss an id given by the statement or a trigger rather than the sequence).
std::int64_t insertedId(Statement& insert) {
    if (!insert.step()) {
        throw StoreError("INSERT … RETURNING id returned no row");
    }
    return insert.integer(0);
}

/// The SQL of a one-row INSERT into a table keyed by its rowid, for insertNewRow and
/// insertOwnId: with ` RETURNING id` on PostgreSQL only. SQLite gives the new row's id by
/// sqlite3_last_insert_rowid(); a RETURNING clause made it collect the returned row in a
/// temporary B-tree, opened, given a zeroed 16 KiB page and closed again at every insert (about
/// four a stored record: half of the instructions that stored an imported record, callgrind;
/// docs/performance.md). Both alternatives are literals, so the statement cache's key stays
/// valid.
#define VW_RETURNING_ID(sql) (db_.isPostgres() ? sql " RETURNING id" : sql)

/// Runs an INSERT (VW_RETURNING_ID) whose parameter `index` is the new row's id: on PostgreSQL
/// inside a write transaction an id reserved from `table`'s sequence (Database::nextId), sent
/// without waiting for the answer; else NULL: the table gives the id, read back by RETURNING
/// (PostgreSQL) or as the connection's last insert rowid (SQLite).
std::int64_t insertNewRow(Database& db, Statement& insert, int index, std::string_view table) {
    const std::int64_t id = db.nextId(table);
    if (id == 0) {
        insert.bindNull(index);
        if (!db.isPostgres()) {
            insert.run();
            return db.lastInsertId();
        }
        return insertedId(insert);
    }
    insert.bind(index, id).runLater();
    return id;
}

/// A cluster inserted with an id of the caller's (`insert`'s parameter 1; VW_RETURNING_ID).
std::int64_t insertOwnId(Database& db, Statement& insert, std::int64_t id) {
    db.ownIdGiven("cluster");
    insert.bind(1, id);
    if (!db.isPostgres()) {
        insert.run();
        return id;
    }
    return insertedId(insert);
}

/// Makes a group of writes atomic. Inside a caller's transaction it is a SAVEPOINT (released
/// on commit(), rolled back to when destroyed without commit()). Without one it opens
/// BEGIN IMMEDIATE, so the write lock is taken before the first read and a concurrent writer
/// cannot invalidate the read snapshot halfway (WAL would answer SQLITE_BUSY_SNAPSHOT).
class WriteScope {
public:
    WriteScope(Database& db, std::string name) : db_(db), name_(std::move(name)) {
        outer_ = !db_.inTransaction();
        if (outer_) {
            db_.beginWrite();
        } else {
            // On PostgreSQL sent with what follows (not waited for), as Store::Transaction's.
            db_.prepare("SAVEPOINT " + name_).runLater();
        }
    }
    ~WriteScope() {
        if (done_) {
            return;
        }
        if (outer_) {
            if (db_.inTransaction()) {
                db_.execQuietly("ROLLBACK");
            }
        } else {
            db_.execQuietly("ROLLBACK TO " + name_ + "; RELEASE " + name_);
        }
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    void commit() {
        // Waited for, nested too: a queued write of the scope that failed is thrown here,
        // inside the scope, which its destructor then rolls back (never past it).
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
int idRank(std::string_view id) {
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
std::string_view primaryIdOf(const std::vector<std::string_view>& ids) {
    std::string_view best;
    int bestRank = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const int rank = idRank(ids[i]);
        if (i == 0 || rank < bestRank) {
            best = ids[i];
            bestRank = rank;
        }
    }
    return best;
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

/// vw_source_rank(source): sourceRank() of core/correlate, the channel precedence.
void sqlSourceRank(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    const std::optional<std::string_view> text = sqlText(argv[0]);
    sqlite3_result_int(context, sourceRank(text.value_or(std::string_view())));
}

/// vw_keyword_text(text): keywordText() of core/keywords, what record_text stores (migration 7).
void sqlKeywordText(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    const std::optional<std::string_view> text = sqlText(argv[0]);
    const std::string folded = keywordText(text.value_or(std::string_view()));
    sqlite3_result_text(context, folded.data(), static_cast<int>(folded.size()), SQLITE_TRANSIENT);
}

/// Registers the SQL functions the migrations and queries use.
void registerFunctions(Database& db, const std::string& path) {
    struct Function {
        const char* name;
        void (*fn)(sqlite3_context*, int, sqlite3_value**);
    };
    for (const Function& f :
         {Function{"vw_content_hash", sqlContentHash}, Function{"vw_cpe_key", sqlCpeKey},
          Function{"vw_source_rank", sqlSourceRank}, Function{"vw_keyword_text", sqlKeywordText}}) {
        if (sqlite3_create_function_v2(db.handle(), f.name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                       nullptr, f.fn, nullptr, nullptr, nullptr) != SQLITE_OK) {
            throw StoreError(std::string("cannot register ") + f.name + " on " + path + ": " +
                             sqlite3_errmsg(db.handle()));
        }
    }
    if (!registerAuditFunctions(db.handle())) { // store/audit.cpp
        throw StoreError("cannot register the audit functions on " + path + ": " +
                         sqlite3_errmsg(db.handle()));
    }
}

/// Why a store may fail to open in WAL mode, which needs to create PATH-wal and PATH-shm
/// beside the file even to read (docs/reliability.md): "" when no reason is visible.
std::string walOpenHint(const std::string& path) {
    if (path.empty() || path == ":memory:") {
        return "";
    }
    std::string folder = std::filesystem::path(path).parent_path().string();
    if (folder.empty()) {
        folder = ".";
    }
    struct statvfs fs {};
    if (::statvfs(folder.c_str(), &fs) == 0) {
        if ((fs.f_flag & ST_RDONLY) != 0) {
            return "; the file system holding " + folder + " is mounted read-only";
        }
        if (fs.f_bavail == 0) {
            return "; the file system holding " + folder + " is full";
        }
    }
    if (::access(folder.c_str(), W_OK) != 0) {
        return "; the folder " + folder +
               " is not writable (SQLite creates the -wal and -shm files there)";
    }
    return "";
}

} // namespace

// --- opening and migrations ----------------------------------------------------------------

Store::Store(Database db) : db_(std::move(db)) {}

bool Store::isPostgresUrl(std::string_view location) {
    return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Store> Store::open(const std::string& path, const std::string& password) {
    if (isPostgresUrl(path)) {
        return openPostgres(path, password, "", false);
    }
    if (const char* redirect = std::getenv("VULNWATCH_TEST_PG_URL");
        redirect != nullptr && *redirect != '\0') {
        // Test-only (docs/testing.md): the same tests against PostgreSQL. A file path becomes a
        // schema named after it, so every process opening the path finds the same store; an
        // in-memory store gets a schema of its own, dropped when it closes.
        if (path.empty() || path == ":memory:") {
            static std::atomic<std::uint64_t> counter{0};
            const std::string name = "m" + std::to_string(::getpid()) + "_" +
                                     std::to_string(counter.fetch_add(1)) + "_" +
                                     std::to_string(systemNow());
            return openPostgres(redirect, "", name, true);
        }
        const std::string absolute =
            std::filesystem::absolute(std::filesystem::path(path)).lexically_normal().string();
        // FNV-1a 64 of the absolute path: tests/e2e/vwtest.py computes the same name.
        std::uint64_t hash = 14695981039346656037ULL;
        for (const char c : absolute) {
            hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
        }
        char name[24];
        std::snprintf(name, sizeof name, "t%016llx", static_cast<unsigned long long>(hash));
        return openPostgres(redirect, "", name, false);
    }
    Database db(path);
    db.exec("PRAGMA busy_timeout = 5000");
    // Only takes effect on a new, empty database (before WAL is enabled): 16 KiB pages hold a
    // whole record JSON (about 2 KB) without overflow pages and quarter the write calls of a
    // bulk ingest compared with the 4 KiB default (measured: bench/run.sh, docs/performance.md).
    db.exec("PRAGMA page_size = 16384");
    try {
        Statement mode = db.prepare("PRAGMA journal_mode = WAL");
        const std::string result = mode.step() ? mode.text(0) : std::string();
        const char* file = sqlite3_db_filename(db.handle(), "main");
        const bool inMemory = file == nullptr || *file == '\0';
        if (!inMemory && result != "wal") {
            throw StoreError("cannot enable WAL journal mode on " + path + " (got '" + result +
                             "')" + walOpenHint(path));
        }
    } catch (const StoreError& e) {
        const std::string hint = walOpenHint(path);
        if (hint.empty() || std::string(e.what()).find(hint) != std::string::npos) {
            throw;
        }
        throw StoreError(e.what() + hint);
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

std::unique_ptr<Store> Store::openPostgres(const std::string& url, const std::string& password,
                                           const std::string& schema, bool temporary) {
    Database db = Database::openPostgres(url, password);
    // A writer waits at most 5 s for another's write transaction (the advisory lock of
    // beginWrite, row locks), as SQLite's busy_timeout does: then its statement fails.
    db.exec("SET lock_timeout = '5s'");
    if (!schema.empty()) {
        // Our own names (letters and digits): no quoting needed. Two processes creating the
        // same schema at once: the loser's error is harmless, the schema exists.
        try {
            db.exec("CREATE SCHEMA IF NOT EXISTS " + schema);
        } catch (const StoreError&) {
            if (db.inTransaction()) {
                db.execQuietly("ROLLBACK");
            }
        }
        db.exec("SET search_path TO " + schema + ", public");
        if (temporary) {
            db.dropSchemaOnClose(schema);
        }
    }
    std::unique_ptr<Store> store(new Store(std::move(db)));
    store->migratePostgres();
    return store;
}

void Store::migratePostgres() {
    const int latest = latestSchemaVersion();
    if (schemaVersion() == latest) {
        return;
    }
    // Under the store's write lock: two processes opening a new database create it once.
    WriteScope scope(db_, "migrate");
    Statement exists = db_.prepare("SELECT to_regclass('schema_version') IS NOT NULL");
    const bool made = exists.step() && exists.integer(0) == 1;
    if (!made) {
        if (postgresSchemaVersion() != latest) {
            throw StoreError(
                "database " + db_.path() + ": this build's PostgreSQL schema is version " +
                std::to_string(postgresSchemaVersion()) + " but its SQLite schema is " +
                std::to_string(latest) + " (a migration was not written for both)");
        }
        db_.execNative(postgresSchema());
        migrationsApplied_ = latest; // the baseline stands for every migration up to it
    }
    const int version = schemaVersion();
    if (version > latest) {
        const std::string v = std::to_string(version);
        const std::string known = std::to_string(latest);
        throw StoreError(
            db_.path() + " のスキーマ版 " + v + " は、この vulnwatch が扱える版 (" + known +
            ") より新しいため開けません。新しい vulnwatch を使ってください / " + db_.path() +
            " has schema version " + v + ", newer than this build of vulnwatch knows (" + known +
            "); use a newer vulnwatch");
    }
    // Later migrations are written for both backends (docs/storage.md, "Migrations after
    // version 20"): each step in this one transaction, so a failure leaves the store as it was.
    for (int next = version + 1; next <= latest; ++next) {
        const std::string_view step = postgresMigration(next);
        if (step.empty()) {
            throw StoreError("database " + db_.path() + ": schema version " +
                             std::to_string(next - 1) + " has no PostgreSQL migration to version " +
                             std::to_string(next));
        }
        try {
            db_.execNative(step);
        } catch (const StoreError& e) {
            throw StoreError("migration to schema version " + std::to_string(next) +
                             " failed: " + e.what());
        }
        ++migrationsApplied_;
    }
    scope.commit();
}

std::unique_ptr<Store> Store::inMemory() {
    return open(":memory:");
}

int Store::latestSchemaVersion() {
    return static_cast<int>(schemaMigrations().size());
}

std::vector<std::string> Store::quickCheck(int maxProblems) {
    std::vector<std::string> problems;
    if (db_.isPostgres()) {
        return problems; // the server checks its own pages (data checksums, amcheck)
    }
    try {
        Statement check =
            db_.prepare("PRAGMA quick_check(" + std::to_string(std::max(1, maxProblems)) + ")");
        while (check.step()) {
            std::string line = check.text(0);
            if (line != "ok") {
                problems.push_back(std::move(line));
            }
        }
    } catch (const StoreError& e) {
        const std::string what = e.what();
        if (what.find("malformed") == std::string::npos &&
            what.find("not a database") == std::string::npos) {
            throw;
        }
        problems.push_back(what);
    }
    return problems;
}

int Store::schemaVersion() {
    if (db_.isPostgres()) {
        Statement exists = db_.prepare("SELECT to_regclass('schema_version') IS NOT NULL");
        if (!exists.step() || exists.integer(0) != 1) {
            return 0;
        }
        Statement query = db_.prepare("SELECT max(version) FROM schema_version");
        return query.step() ? static_cast<int>(query.integer(0)) : 0;
    }
    Statement query = db_.prepare("PRAGMA user_version");
    return query.step() ? static_cast<int>(query.integer(0)) : 0;
}

namespace {

/// The schema version whose migration recomputes the clusters (Store::recorrelate).
constexpr int kRecorrelatedSchema = 5;

} // namespace

void Store::migrate() {
    const auto& migrations = schemaMigrations();
    const int latest = latestSchemaVersion();
    // Up to date, as at almost every open (every CLI command): no write lock taken, so a read
    // such as `advisories show` never waits for a running daemon's write transaction. The
    // version only grows; anything else is read again under the write lock below.
    if (schemaVersion() == latest) {
        return;
    }
    // Foreign keys are off while migrating, so a migration may rebuild a table that others
    // reference (SQLite's documented procedure); each migration checks them before it commits.
    // PRAGMA foreign_keys is a no-op inside a transaction, hence here.
    // Statement journals go to a temporary file while migrating: dropping or rewriting a big
    // table inside the migration's transaction journals every page it frees, which in memory
    // took 1 GB for a store of 300k records (migration 5); on disk, 18 MB.
    db_.exec("PRAGMA foreign_keys = OFF");
    db_.exec("PRAGMA temp_store = FILE");
    struct Restore {
        Database& db;
        ~Restore() {
            sqlite3_exec(db.handle(), "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY",
                         nullptr, nullptr, nullptr);
        }
    } restore{db_};
    // One transaction per migration; the version is re-read under the write lock so two
    // processes opening the same file never apply a migration twice.
    for (;;) {
        WriteScope scope(db_, "migrate");
        const int version = schemaVersion();
        if (version > latest) {
            const std::string v = std::to_string(version);
            const std::string known = std::to_string(latest);
            throw StoreError(
                db_.path() + " のスキーマ版 " + v + " は、この vulnwatch が扱える版 (" + known +
                ") より新しいため開けません。新しい vulnwatch を使ってください / " + db_.path() +
                " has schema version " + v + ", newer than this build of vulnwatch knows (" +
                known + "); use a newer vulnwatch");
        }
        if (version == latest) {
            scope.commit();
            return;
        }
        try {
            db_.exec(migrations[static_cast<std::size_t>(version)]);
            if (version + 1 == kRecorrelatedSchema) {
                recorrelate(systemNow());
            }
            Statement check = db_.prepare("PRAGMA foreign_key_check");
            if (check.step()) {
                throw StoreError("database " + db_.path() + ": foreign key check failed in table " +
                                 check.text(0));
            }
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

void Store::recorrelate(std::int64_t now) {
    // The cluster table has no aliases, shown title and score columns yet at this version (a
    // later migration adds and fills them): joinCluster and mergeCluster leave them alone.
    struct Restore {
        bool& flag;
        bool was;
        ~Restore() { flag = was; }
    } restoreKeepShown{keepShown_, keepShown_};
    keepShown_ = false;
    // The state before: each record's cluster, each cluster's aliases (for the split events).
    std::map<std::int64_t, std::int64_t> oldClusterOf; // record row id -> cluster id
    {
        Statement q = db_.prepare("SELECT id, cluster_id FROM record");
        while (q.step()) {
            oldClusterOf[q.integer(0)] = q.integer(1);
        }
    }
    // The old aliases, for the split events: in a temporary table (a temporary file while
    // migrating), not in memory, since only the clusters that split need them.
    db_.exec("CREATE TEMP TABLE old_alias AS SELECT cluster_id, id FROM alias; "
             "CREATE INDEX temp.old_alias_cluster ON old_alias(cluster_id)");
    const auto oldAliases = [this](std::int64_t cluster) {
        Statement q = db_.prepare("SELECT id FROM old_alias WHERE cluster_id = ?1 ORDER BY id");
        q.bind(1, cluster);
        std::vector<std::string> ids;
        while (q.step()) {
            ids.push_back(q.text(0));
        }
        return ids;
    };
    std::int64_t nextFresh = 1; // above every old cluster id: never one a later record wants
    {
        Statement q = db_.prepare("SELECT coalesce(max(id), 0) + 1 FROM cluster");
        if (q.step()) {
            nextFresh = q.integer(0);
        }
    }
    // (record.cluster_id and advisory_id are each set again below, one row at a time: one
    // UPDATE of every record would keep a statement journal of the whole table in memory.)
    db_.exec("DELETE FROM alias; DELETE FROM advisory_cluster; DELETE FROM mention; "
             "DELETE FROM advisory; "
             "DELETE FROM cluster WHERE id NOT IN (SELECT cluster_id FROM match) AND id NOT IN "
             "(SELECT cluster_id FROM decision)");
    // Clusters kept for their matches and decisions are free to be taken again below.
    std::map<std::int64_t, std::int64_t> keptFirstSeen;
    {
        Statement q = db_.prepare("SELECT id, first_seen FROM cluster");
        while (q.step()) {
            keptFirstSeen[q.integer(0)] = q.integer(1);
        }
    }
    db_.exec("DELETE FROM cluster");
    // The id a cluster created for a record of old cluster `old` gets: `old` while free.
    const auto idFor = [&](std::int64_t old) {
        Use q(cached("SELECT 1 FROM cluster WHERE id = ?1"));
        q->bind(1, old);
        return q->step() ? nextFresh++ : old;
    };

    // Every record again, oldest first, linked as upsertRecord links it; a new cluster takes
    // the id of the record's old cluster while that id is free, so clusters that were right
    // keep their id (and their matches, decisions and stable keys stay valid).
    std::map<std::int64_t, std::set<std::int64_t>> newClustersOf; // old cluster -> new ones
    std::vector<std::int64_t> order; // read first: the loop writes to the record table
    {
        Statement q = db_.prepare("SELECT id FROM record ORDER BY first_seen, id");
        while (q.step()) {
            order.push_back(q.integer(0));
        }
    }
    // Prepared once for the loop (a store of 300k records runs it 300k times).
    Statement readRecord =
        db_.prepare("SELECT id, record_id, source, title, json_extract(json, '$.aliases'), "
                    "first_seen FROM record WHERE id = ?1");
    Statement readAliases = db_.prepare("SELECT value FROM json_each(?1)");
    Statement update =
        db_.prepare("UPDATE record SET cluster_id = ?1, advisory_id = ?2 WHERE id = ?3");
    for (const std::int64_t rowId : order) {
        Use records(readRecord);
        records->bind(1, rowId);
        if (!records->step()) {
            continue;
        }
        std::vector<std::string> aliases;
        {
            Use each(readAliases);
            each->bind(1, records->text(4));
            while (each->step()) {
                aliases.push_back(each->text(0));
            }
        }
        const std::int64_t seen = records->integer(5);
        const RecordLinks links =
            linksOf(records->text(2), records->text(1), aliases, records->text(3));
        const std::int64_t old = oldClusterOf[rowId];
        std::int64_t clusterColumn = 0;
        std::int64_t advisoryColumn = 0;
        if (links.role == RecordLinks::Role::Vulnerability) {
            clusterColumn = joinCluster(links.aliases, seen, idFor(old));
            for (const auto& ident : links.covers) {
                cover(ensureAdvisory(ident, seen), clusterColumn, seen);
            }
            newClustersOf[old].insert(clusterColumn);
        } else if (links.role == RecordLinks::Role::Advisory) {
            advisoryColumn = ensureAdvisory(links.advisory, seen);
            for (const auto& id : links.covers) {
                const std::int64_t c = joinCluster({id}, seen, idFor(old));
                cover(advisoryColumn, c, seen);
                newClustersOf[old].insert(c);
            }
        }
        {
            Use u(update);
            u->bindIdOrNull(1, clusterColumn).bindIdOrNull(2, advisoryColumn).bind(3, rowId).run();
        }
        setMentions(rowId, links.mentions, seen);
    }
    // Merges made while replaying left only surviving ids; map through alias lookups.
    for (auto& [old, clusters] : newClustersOf) {
        std::set<std::int64_t> alive;
        for (const std::int64_t c : clusters) {
            Statement q = db_.prepare("SELECT 1 FROM cluster WHERE id = ?1");
            q.bind(1, c);
            if (q.step()) {
                alive.insert(c);
            }
        }
        clusters = std::move(alive);
    }

    // Matches: onto the cluster of the record that matched (Match::advisory is its id), when
    // that record moved; decisions: onto the cluster that kept the id, else the first new one.
    std::vector<std::pair<std::int64_t, std::int64_t>> matchMoves; // match id -> cluster
    {
        Statement q = db_.prepare(
            "SELECT m.id, m.cluster_id, (SELECT coalesce(r.cluster_id, (SELECT min(cluster_id) "
            "FROM advisory_cluster WHERE advisory_id = r.advisory_id)) FROM record r "
            "WHERE r.record_id = m.advisory ORDER BY r.id LIMIT 1) FROM match m");
        while (q.step()) {
            if (q.isNull(2)) {
                continue;
            }
            if (q.integer(2) != q.integer(1)) {
                matchMoves.emplace_back(q.integer(0), q.integer(2));
            }
        }
    }
    std::set<std::int64_t> referenced;
    {
        Statement q = db_.prepare("SELECT cluster_id FROM match UNION SELECT cluster_id FROM "
                                  "decision");
        while (q.step()) {
            referenced.insert(q.integer(0));
        }
    }
    for (const auto& [matchId, cluster] : matchMoves) {
        // A match already there for the same product and component makes this one redundant.
        Statement move = db_.prepare("UPDATE OR IGNORE match SET cluster_id = ?1 WHERE id = ?2");
        move.bind(1, cluster).bind(2, matchId).run();
        if (db_.changes() == 0) {
            Statement drop = db_.prepare("DELETE FROM match WHERE id = ?1");
            drop.bind(1, matchId).run();
        }
    }
    // Any match or decision still on a cluster that no longer exists: onto the first new
    // cluster of its old one, or the old cluster is kept as it was (nothing is dropped).
    // Migration 5 runs this before cases exist (the vcase table comes with migration 15).
    const bool hasCases = [&] {
        Statement q = db_.prepare(
            db_.isPostgres()
                ? "SELECT 1 WHERE to_regclass('vcase') IS NOT NULL"
                : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vcase'");
        return q.step();
    }();
    for (const std::int64_t old : referenced) {
        Statement exists = db_.prepare("SELECT 1 FROM cluster WHERE id = ?1");
        exists.bind(1, old);
        if (exists.step()) {
            continue;
        }
        const auto found = newClustersOf.find(old);
        if (found != newClustersOf.end() && !found->second.empty()) {
            const std::int64_t target = *found->second.begin();
            for (const char* sql :
                 {"UPDATE OR IGNORE match SET cluster_id = ?1 WHERE cluster_id = ?2",
                  "UPDATE OR IGNORE decision SET cluster_id = ?1 WHERE cluster_id = ?2",
                  // Cases keep their own cluster_key (unique with product and version), so a merge
                  // never collides: both cases then belong to the surviving cluster.
                  "UPDATE vcase SET cluster_id = ?1 WHERE cluster_id = ?2",
                  "DELETE FROM match WHERE cluster_id = ?2",
                  "DELETE FROM decision WHERE cluster_id = ?2"}) {
                if (!hasCases && std::string_view(sql).find("vcase") != std::string_view::npos) {
                    continue;
                }
                Statement q = db_.prepare(sql);
                q.bind(1, target).bind(2, old).run();
            }
            continue;
        }
        const auto kept = keptFirstSeen.find(old);
        Statement q = db_.prepare("INSERT INTO cluster (id, first_seen, key) VALUES (?1, ?2, ?3)");
        q.bind(1, old)
            .bind(2, kept == keptFirstSeen.end() ? now : kept->second)
            .bind(3, clusterKeyOf(oldAliases(old)))
            .run();
    }

    // The splits, for the audit trail.
    for (const auto& [old, clusters] : newClustersOf) {
        if (clusters.size() < 2) {
            continue;
        }
        // At most kListed ids and clusters by name: a store merged by a big alert had one
        // cluster of 36,000 ids split into thousands.
        constexpr std::size_t kListed = 20;
        std::string text = "cluster " + std::to_string(old) + " (";
        const std::vector<std::string> ids = oldAliases(old);
        for (std::size_t i = 0; i < ids.size() && i < kListed; ++i) {
            text += (i == 0 ? "" : " ") + ids[i];
        }
        if (ids.size() > kListed) {
            text += " and " + std::to_string(ids.size() - kListed) + " more";
        }
        text += ") split by advisory ids into " + std::to_string(clusters.size()) + " clusters:";
        std::size_t listed = 0;
        for (const std::int64_t c : clusters) {
            if (listed++ == kListed) {
                text += " and " + std::to_string(clusters.size() - kListed) + " more";
                break;
            }
            text += " " + std::to_string(c) + " (" + clusterKey(c) + ")";
        }
        logEvent("cluster-split", text, now);
    }
    db_.exec("DROP TABLE temp.old_alias");
}

Statement& Store::cached(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        it = statements_.emplace(sql, std::make_unique<Statement>(db_.prepare(sql))).first;
    }
    return *it->second;
}

// --- transactions --------------------------------------------------------------------------

Store::Transaction::Transaction(Store& store) : store_(store), nested_(store.db_.inTransaction()) {
    if (!nested_ && !store_.textTableMade_) {
        // The waiting room of the record_text rows (Store::flushText): made once per connection,
        // outside any transaction (a rollback would take it away again; making it again would
        // expire every prepared statement). Temporary: in memory, never in the file.
        store_.db_.exec("CREATE TEMP TABLE IF NOT EXISTS vw_pending_text (record_id INTEGER "
                        "PRIMARY KEY, replace_old INTEGER NOT NULL, text TEXT)");
        store_.textTableMade_ = true;
    }
    if (nested_) {
        // Kept prepared, as the RELEASE: an import of mails takes three savepoints a mail, and
        // parsing their SQL each time was a tenth of storing a mail (callgrind).
        Use q(store_.cached("SAVEPOINT vw_nested"));
        q->runLater(); // on PostgreSQL sent with what follows
    } else {
        store_.db_.beginWrite();
    }
    if (!nested_) {
        store_.deferText_ = true;
        store_.textPending_ = false;
    }
}

Store::Transaction::~Transaction() {
    if (!done_ && store_.db_.inTransaction()) {
        // The waiting record_text rows go with the rest (the temporary table is part of it).
        store_.db_.execQuietly(nested_ ? "ROLLBACK TO vw_nested; RELEASE vw_nested" : "ROLLBACK");
    }
    if (!nested_) {
        store_.deferText_ = false;
        store_.textPending_ = false;
    }
}

void Store::Transaction::commit() {
    if (!nested_) {
        store_.flushText();
    }
    if (nested_) {
        // Waited for: a queued write of this savepoint that failed is thrown here, so the
        // caller's catch rolls back to this savepoint and names this part (an imported file),
        // not the next one, whose statements would otherwise report it.
        Use q(store_.cached("RELEASE vw_nested"));
        q->run();
    } else {
        store_.db_.exec("COMMIT");
    }
    done_ = true;
    if (!nested_) {
        store_.deferText_ = false;
    }
}

// --- source state --------------------------------------------------------------------------

SourceStateRow Store::sourceState(const std::string& source) {
    Use q(cached("SELECT etag, last_modified, cursor, last_success, last_attempt, error_count, "
                 "last_error, next_attempt, last_new_item, alert, alert_since FROM source_state "
                 "WHERE source = ?1"));
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
        row.lastNewItem = q->integer(8);
        row.alert = q->text(9);
        row.alertSince = q->integer(10);
    }
    return row;
}

void Store::saveSourceState(const std::string& source, const SourceStateRow& state) {
    Use q(cached("INSERT INTO source_state (source, etag, last_modified, cursor, last_success, "
                 "last_attempt, error_count, last_error, next_attempt, last_new_item, alert, "
                 "alert_since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                 "ON CONFLICT (source) DO UPDATE SET etag = excluded.etag, "
                 "last_modified = excluded.last_modified, cursor = excluded.cursor, "
                 "last_success = excluded.last_success, last_attempt = excluded.last_attempt, "
                 "error_count = excluded.error_count, last_error = excluded.last_error, "
                 "next_attempt = excluded.next_attempt, last_new_item = excluded.last_new_item, "
                 "alert = excluded.alert, alert_since = excluded.alert_since"));
    q->bind(1, source)
        .bind(2, state.etag)
        .bind(3, state.lastModified)
        .bind(4, state.cursor)
        .bind(5, state.lastSuccess)
        .bind(6, state.lastAttempt)
        .bind(7, state.errorCount)
        .bind(8, state.lastError)
        .bind(9, state.nextAttempt)
        .bind(10, state.lastNewItem)
        .bind(11, state.alert)
        .bind(12, state.alertSince)
        .run();
}

// --- records, clusters, aliases ------------------------------------------------------------

namespace {

/// The columns every cluster summary selects, for `FROM cluster c`: id, first_seen, the aliases
/// (each followed by a line break; ids never hold one), the title and CVSS score the cluster
/// shows (each from its first record by the channel precedence of core/correlate, sourceRank
/// through vw_source_rank(), newest first within a channel, that has one), key. The aliases,
/// title and score are kept in the cluster row (the migration clusterShownTitleScore;
/// joinCluster, mergeCluster, offerShown, recomputeShown): reading them from the alias and
/// record tables, two sorts of each cluster's records and an alias lookup, took 15.8 ms for
/// an alert covering 2,000 clusters. One statement for all clusters: three small ones per
/// cluster took 24 µs each time.
#define VW_CLUSTER_SUMMARY_COLUMNS "c.id, c.first_seen, c.aliases, c.title, c.max_score, c.key "

/// Reads a row of VW_CLUSTER_SUMMARY_COLUMNS into `ref` (views into the row; `ref.ids` keeps
/// its capacity from row to row).
void readClusterRef(Statement& q, ClusterRef& ref) {
    ref.clusterId = q.integer(0);
    ref.firstSeen = q.integer(1);
    ref.ids.clear();
    const std::string_view aliases = q.textView(2); // each alias and a line break
    for (std::size_t start = 0; start < aliases.size();) {
        const std::size_t end = std::min(aliases.find('\n', start), aliases.size());
        ref.ids.push_back(aliases.substr(start, end - start));
        start = end + 1;
    }
    std::sort(ref.ids.begin(), ref.ids.end()); // bytewise, as std::string sorts
    ref.primaryId = primaryIdOf(ref.ids);
    ref.title = q.textView(3);
    ref.maxScore = q.real(4);
    ref.key = q.textView(5);
}

/// `ref` copied into `summary`.
void copyClusterRef(const ClusterRef& ref, ClusterSummary& summary) {
    summary.clusterId = ref.clusterId;
    summary.firstSeen = ref.firstSeen;
    summary.ids.assign(ref.ids.begin(), ref.ids.end());
    summary.primaryId = ref.primaryId;
    summary.title = ref.title;
    summary.maxScore = ref.maxScore;
    summary.key = ref.key;
}

/// Reads a row of VW_CLUSTER_SUMMARY_COLUMNS into `summary` (`scratch`: for readClusterRef).
void readClusterSummary(Statement& q, ClusterSummary& summary, ClusterRef& scratch) {
    readClusterRef(q, scratch);
    copyClusterRef(scratch, summary);
}

} // namespace

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
                                  Savepoint savepoint, const std::string& evidence) {
    if (advisory.id.empty()) {
        throw StoreError("record from " + channel + " has no id");
    }
    const std::string& json = serialized.json;
    const std::string& hash = serialized.hash;
    const RecordLinks links = linksOf(advisory);
    const bool vulnerability = links.role == RecordLinks::Role::Vulnerability;

    std::optional<WriteScope> scope;
    if (savepoint == Savepoint::Take || !db_.inTransaction()) {
        scope.emplace(db_, "upsert_record");
    }
    UpsertOutcome outcome;
    outcome.contentHash = hash;

    // A JVNDB entry's own id is an alias once stored (never removed): when none of its aliases
    // is known, the record cannot exist yet and the lookup is skipped (most records of a bulk
    // import are new). Any other record (a mail, whose earlier content may have linked nothing)
    // is always looked up.
    std::vector<std::int64_t> known; // the clusters of its aliases (looked up once)
    if (vulnerability) {
        known = clustersOf(links.aliases);
    }
    const bool mayExist = !links.ownIdIsAlias || !known.empty();
    std::optional<std::int64_t> existing;
    std::string storedHash;
    std::int64_t lastSeen = now; // the record's last_seen once written
    bool hadTitle = false;       // the stored content has a title, a score
    bool hadScore = false;
    if (mayExist) {
        Use q(cached("SELECT id, content_hash, coalesce(cluster_id, 0), coalesce(advisory_id, 0), "
                     "last_seen, title != '', max_score > 0 FROM record "
                     "WHERE channel = ?1 AND record_id = ?2 AND source = ?3"));
        q->bind(1, channel).bind(2, advisory.id).bind(3, advisory.source);
        if (q->step()) {
            existing = q->integer(0);
            storedHash = q->text(1);
            outcome.clusterId = q->integer(2);
            outcome.advisoryId = q->integer(3);
            lastSeen = std::max(now, q->integer(4));
            hadTitle = q->integer(5) != 0;
            hadScore = q->integer(6) != 0;
        }
    }
    const std::int64_t previousCluster = outcome.clusterId;
    const int rank = sourceRank(advisory.source);
    if (existing && storedHash == hash) {
        Use q(cached("UPDATE record SET last_seen = MAX(last_seen, ?1) WHERE id = ?2"));
        q->bind(1, now).bind(2, *existing).runLater();
        outcome.recordId = *existing;
        if (outcome.clusterId != 0) {
            // Seen again: now the most recent of its channel, it may outrank the supplier.
            offerShown(outcome.clusterId, *existing, rank, lastSeen, advisory.title,
                       advisory.maxScore());
        }
        if (scope) {
            scope->commit();
        }
        return outcome;
    }

    // New or changed content: link it (docs/correlation.md).
    outcome.clusterId = 0;
    outcome.advisoryId = 0;
    // A record none of whose vulnerability ids is known creates its cluster (most records of a
    // bulk import): the cluster row is written once, with the record's title and score.
    std::optional<FirstRecord> first;
    if (vulnerability && known.empty()) {
        first = FirstRecord{advisory.title, advisory.maxScore()};
    }
    if (vulnerability) {
        outcome.clusterId = joinCluster(links.aliases, known, now, 0, first ? &*first : nullptr);
        for (const auto& ident : links.covers) {
            cover(ensureAdvisory(ident, now), outcome.clusterId, now);
        }
    } else if (links.role == RecordLinks::Role::Advisory) {
        outcome.advisoryId = ensureAdvisory(links.advisory, now);
        for (const auto& id : links.covers) {
            cover(outcome.advisoryId, joinCluster({id}, now), now);
        }
    }

    if (!existing) {
        Use q(cached(VW_RETURNING_ID(
            "INSERT INTO record (id, channel, record_id, source, json, content_hash, title, "
            "max_score, first_seen, last_seen, cluster_id, advisory_id) "
            "VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)")));
        q->bind(1, channel)
            .bind(2, advisory.id)
            .bind(3, advisory.source)
            .bind(4, json)
            .bind(5, hash)
            .bind(6, advisory.title)
            .bind(7, advisory.maxScore())
            .bind(8, now)
            .bindIdOrNull(9, outcome.clusterId)
            .bindIdOrNull(10, outcome.advisoryId);
        outcome.recordId = insertNewRow(db_, *q, 11, "record");
        outcome.isNew = true;
    } else {
        {
            Use q(cached("SELECT json FROM record WHERE id = ?1"));
            q->bind(1, *existing);
            if (q->step()) {
                outcome.previousJson = q->text(0);
            }
        }
        {
            // Keep the superseded content: the revision that stood for "the record's current
            // JSON" (NULL) gets that JSON before the record is overwritten.
            Use q(cached("UPDATE revision SET json = (SELECT json FROM record WHERE id = ?1) "
                         "WHERE record_id = ?1 AND json IS NULL"));
            q->bind(1, *existing).run();
        }
        Use q(cached("UPDATE record SET json = ?1, content_hash = ?2, title = ?3, max_score = ?4, "
                     "last_seen = MAX(last_seen, ?5), cluster_id = ?6, advisory_id = ?7, "
                     "source = ?8 WHERE id = ?9"));
        q->bind(1, json)
            .bind(2, hash)
            .bind(3, advisory.title)
            .bind(4, advisory.maxScore())
            .bind(5, now)
            .bindIdOrNull(6, outcome.clusterId)
            .bindIdOrNull(7, outcome.advisoryId)
            .bind(8, advisory.source)
            .bind(9, *existing)
            .run();
        outcome.recordId = *existing;
    }
    outcome.changed = true;
    // The shown title and score: chosen again in the cluster the record left, and in its own
    // when it lost a value it may have supplied; else the record is offered to its cluster
    // (a cluster it created has its values already).
    if (previousCluster != 0 && previousCluster != outcome.clusterId) {
        recomputeShown(previousCluster);
    }
    if (outcome.clusterId != 0 && !first) {
        if ((hadTitle && advisory.title.empty()) || (hadScore && advisory.maxScore() <= 0)) {
            recomputeShown(outcome.clusterId);
        } else {
            offerShown(outcome.clusterId, outcome.recordId, rank, lastSeen, advisory.title,
                       advisory.maxScore());
        }
    }
    if (!outcome.isNew || !links.mentions.empty()) {
        setMentions(outcome.recordId, links.mentions, now);
    }
    if (outcome.clusterId != 0) {
        outcome.clusters.push_back(outcome.clusterId);
    } else if (outcome.advisoryId != 0) {
        outcome.clusters = coveredClusters(outcome.advisoryId);
    }

    indexCpes(outcome.recordId, serialized.cpeNames, !outcome.isNew);
    indexText(outcome.recordId, advisory, serialized.cpeNames.empty(), !outcome.isNew);
    {
        // json NULL: this revision's content is the record's current JSON (stored once). A new
        // record's revision is "new"; a changed one is classified by the caller
        // (classifyRevision), which can read both contents.
        Use q(cached(VW_RETURNING_ID("INSERT INTO revision (id, record_id, json, content_hash, "
                                     "seen_at, class, evidence) "
                                     "VALUES (?5, ?1, NULL, ?2, ?3, ?4, ?6)")));
        q->bind(1, outcome.recordId)
            .bind(2, hash)
            .bind(3, now)
            .bind(4, outcome.isNew ? std::string("new") : std::string());
        if (evidence.empty()) {
            q->bindNull(6);
        } else {
            q->bind(6, evidence);
        }
        outcome.revisionId = insertNewRow(db_, *q, 5, "revision");
    }

    if (scope) {
        scope->commit();
    }
    return outcome;
}

Store::IdLookahead::IdLookahead(Store& store, const std::vector<Advisory>& records)
    : store_(store) {
    if (!store_.db_.inTransaction()) {
        return; // answers are only good while this transaction holds the write lock
    }
    std::vector<std::string> ids;
    std::vector<std::string> advisories;
    for (const Advisory& advisory : records) {
        if (advisory.id.empty()) {
            continue; // refused by upsertRecord
        }
        RecordLinks links = linksOf(advisory);
        const bool vulnerability = links.role == RecordLinks::Role::Vulnerability;
        std::vector<std::string>& named = vulnerability ? links.aliases : links.covers;
        ids.insert(ids.end(), std::make_move_iterator(named.begin()),
                   std::make_move_iterator(named.end()));
        if (vulnerability) {
            advisories.insert(advisories.end(), std::make_move_iterator(links.covers.begin()),
                              std::make_move_iterator(links.covers.end()));
        } else if (links.role == RecordLinks::Role::Advisory) {
            advisories.push_back(std::move(links.advisory));
        }
        for (std::string& ident : links.mentions) {
            if (idClass(ident) == IdClass::Advisory) {
                advisories.push_back(std::move(ident));
            }
        }
    }
    // 64 keys a statement: the SQL built once (a static string, so the statement cache's key
    // stays valid).
    constexpr std::size_t kSlots = kLookupSlots;
    static const std::string aliasSql =
        "SELECT id, cluster_id FROM alias WHERE id IN (" + sqlSlots(kSlots) + ")";
    static const std::string advisorySql =
        "SELECT ident, id FROM advisory WHERE ident IN (" + sqlSlots(kSlots) + ")";
    const auto lookUp = [&](std::vector<std::string>& keys, const std::string& sql,
                            std::string_view oneSql,
                            std::unordered_map<std::string, std::int64_t>& found) {
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        found.clear();
        found.reserve(keys.size());
        for (const std::string& key : keys) {
            found.emplace(key, 0);
        }
        if (!store_.db_.isPostgres()) {
            // SQLite: one key a statement (no round trips to save). It runs an IN list of 64
            // parameters through a temporary index built each time: a tenth of storing a mail,
            // whose batch names a few ids (callgrind).
            for (const std::string& key : keys) {
                Use q(store_.cached(oneSql));
                q->bind(1, key);
                if (q->step()) {
                    found[key] = q->integer(0);
                }
            }
            return;
        }
        for (std::size_t from = 0; from < keys.size(); from += kSlots) {
            Use q(store_.cached(sql));
            bindTextSlots(*q, keys, from, kSlots);
            while (q->step()) {
                found[q->text(0)] = q->integer(1);
            }
        }
    };
    lookUp(ids, aliasSql, "SELECT cluster_id FROM alias WHERE id = ?1", store_.aliasesAhead_);
    lookUp(advisories, advisorySql, "SELECT id FROM advisory WHERE ident = ?1",
           store_.advisoriesAhead_);
    store_.lookingAhead_ = true;
}

Store::IdLookahead::~IdLookahead() {
    store_.lookingAhead_ = false;
    store_.aliasesAhead_.clear();
    store_.advisoriesAhead_.clear();
}

void Store::noteAliases(const std::vector<std::string>& ids, std::int64_t cluster,
                        std::int64_t from) {
    if (!lookingAhead_) {
        return;
    }
    if (from != 0) {
        for (auto& [id, c] : aliasesAhead_) {
            if (c == from) {
                c = cluster;
            }
        }
        return;
    }
    for (const std::string& id : ids) {
        if (const auto it = aliasesAhead_.find(id); it != aliasesAhead_.end() && it->second == 0) {
            it->second = cluster;
        }
    }
}

std::vector<std::int64_t> Store::clustersOf(const std::vector<std::string>& ids) {
    std::vector<std::int64_t> clusters;
    std::vector<std::string> unknown; // not looked up ahead (IdLookahead)
    const std::vector<std::string>* ask = &ids;
    if (lookingAhead_ && db_.inTransaction()) {
        for (const std::string& id : ids) {
            if (const auto it = aliasesAhead_.find(id); it == aliasesAhead_.end()) {
                unknown.push_back(id);
            } else if (it->second != 0) {
                clusters.push_back(it->second);
            }
        }
        ask = &unknown;
    }
    // Eight ids a statement (a record names two or three): on PostgreSQL one round trip where
    // one statement per id took one each. Unused slots are NULL, which matches no id.
    constexpr std::size_t kSlots = 8;
    for (std::size_t from = 0; from < ask->size(); from += kSlots) {
        Use q(cached("SELECT DISTINCT cluster_id FROM alias "
                     "WHERE id IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
        bindTextSlots(*q, *ask, from, kSlots);
        while (q->step()) {
            clusters.push_back(q->integer(0));
        }
    }
    std::sort(clusters.begin(), clusters.end());
    clusters.erase(std::unique(clusters.begin(), clusters.end()), clusters.end());
    return clusters;
}

std::int64_t Store::joinCluster(const std::vector<std::string>& ids, std::int64_t now,
                                std::int64_t preferredId) {
    return joinCluster(ids, clustersOf(ids), now, preferredId);
}

std::int64_t Store::joinCluster(const std::vector<std::string>& ids,
                                const std::vector<std::int64_t>& clusters, std::int64_t now,
                                std::int64_t preferredId, const FirstRecord* first) {
    std::int64_t cluster = 0;
    const bool created = clusters.empty();
    if (created) {
        bool free = false;
        if (preferredId != 0) {
            Use q(cached("SELECT 1 FROM cluster WHERE id = ?1"));
            q->bind(1, preferredId);
            free = !q->step();
        }
        if (keepShown_) {
            // The row lists its aliases (cluster.aliases: each id and a line break), which the
            // listing reads instead of the alias table. None of `ids` is an alias yet.
            std::string listed;
            for (auto id = ids.begin(); id != ids.end(); ++id) {
                if (std::find(ids.begin(), id, *id) == id) {
                    listed.append(*id).append(1, '\n');
                }
            }
            const bool title = first != nullptr && !first->title.empty();
            const bool score = first != nullptr && first->maxScore > 0;
            Use q(
                cached(VW_RETURNING_ID("INSERT INTO cluster (id, first_seen, key, aliases, title, "
                                       "max_score) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")));
            q->bind(2, now)
                .bind(3, clusterKeyOf(ids))
                .bind(4, listed)
                .bind(5, title ? first->title : std::string_view())
                .bind(6, score ? first->maxScore : 0.0);
            cluster =
                free ? insertOwnId(db_, *q, preferredId) : insertNewRow(db_, *q, 1, "cluster");
        } else {
            Use q(cached(
                VW_RETURNING_ID("INSERT INTO cluster (id, first_seen, key) VALUES (?1, ?2, ?3)")));
            q->bind(2, now).bind(3, clusterKeyOf(ids));
            cluster =
                free ? insertOwnId(db_, *q, preferredId) : insertNewRow(db_, *q, 1, "cluster");
        }
    } else {
        // The oldest cluster survives (its key stays the stable id of the vulnerability).
        cluster = clusters.front();
        for (std::size_t i = 1; i < clusters.size(); ++i) {
            mergeCluster(clusters[i], cluster, now);
        }
    }
    // An existing cluster lists the ids that were not aliases yet, in their order; a new one
    // listed them all already, so nothing reads the answer. PostgreSQL: eight ids a statement
    // (a record names two or three; unused slots are NULL and skipped), the new ones read by
    // RETURNING, or the statement sent without waiting when nothing reads them.
    constexpr std::size_t kSlots = 8;
    const bool listAdded = !created && keepShown_;
    std::unordered_set<std::string> added;
    if (!db_.isPostgres()) {
        // SQLite: one row a statement (no round trips to save). It runs the eight-slot
        // INSERT … SELECT … FROM (VALUES …) below through a temporary table, opened and closed
        // each time: 68,000 instructions an alias where this takes a few thousand (callgrind).
        for (const std::string& id : ids) {
            Use q(cached("INSERT INTO alias (id, cluster_id) VALUES (?1, ?2) "
                         "ON CONFLICT (id) DO NOTHING"));
            q->bind(1, id).bind(2, cluster).run();
            if (listAdded && db_.changes() > 0) {
                added.insert(id);
            }
        }
    } else {
        for (std::size_t from = 0; from < ids.size(); from += kSlots) {
            Use q(cached("INSERT INTO alias (id, cluster_id) SELECT column1, ?9 FROM "
                         "(VALUES (?1), (?2), (?3), (?4), (?5), (?6), (?7), (?8)) AS v "
                         "WHERE column1 IS NOT NULL ON CONFLICT (id) DO NOTHING RETURNING id"));
            bindTextSlots(*q, ids, from, kSlots);
            q->bind(9, cluster);
            if (!listAdded) {
                q->runLater();
                continue;
            }
            while (q->step()) {
                added.insert(q->text(0));
            }
        }
    }
    std::string listed;
    for (const std::string& id : ids) {
        if (added.erase(id) > 0) {
            listed.append(id).append(1, '\n');
        }
    }
    if (!listed.empty()) {
        Use u(cached("UPDATE cluster SET aliases = aliases || ?2 WHERE id = ?1"));
        u->bind(1, cluster).bind(2, listed).runLater();
    }
    noteAliases(ids, cluster);
    return cluster;
}

std::int64_t Store::ensureAdvisory(const std::string& ident, std::int64_t now) {
    // Looked up ahead for the batch (IdLookahead): 0 means it did not exist then.
    std::int64_t* ahead = nullptr;
    if (lookingAhead_ && db_.inTransaction()) {
        if (const auto it = advisoriesAhead_.find(ident); it != advisoriesAhead_.end()) {
            if (it->second != 0) {
                return it->second;
            }
            ahead = &it->second;
        }
    }
    if (ahead == nullptr) {
        Use q(cached("SELECT id FROM advisory WHERE ident = ?1"));
        q->bind(1, ident);
        if (q->step()) {
            return q->integer(0);
        }
    }
    Use q(cached(
        VW_RETURNING_ID("INSERT INTO advisory (id, ident, first_seen) VALUES (?3, ?1, ?2)")));
    q->bind(1, ident).bind(2, now);
    const std::int64_t id = insertNewRow(db_, *q, 3, "advisory");
    if (ahead != nullptr) {
        *ahead = id;
    }
    return id;
}

void Store::cover(std::int64_t advisoryId, std::int64_t clusterId, std::int64_t now) {
    Use q(cached("INSERT INTO advisory_cluster (advisory_id, cluster_id, first_seen) "
                 "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"));
    q->bind(1, advisoryId).bind(2, clusterId).bind(3, now).runLater();
}

void Store::setMentions(std::int64_t recordRowId, const std::vector<std::string>& idents,
                        std::int64_t now) {
    {
        Use q(cached("DELETE FROM mention WHERE record_id = ?1"));
        q->bind(1, recordRowId).runLater();
    }
    for (const auto& ident : idents) {
        if (idClass(ident) == IdClass::Advisory) {
            ensureAdvisory(ident, now); // a mentioned advisory is known by name
        }
        Use q(cached("INSERT INTO mention (record_id, ident) VALUES (?1, ?2) "
                     "ON CONFLICT DO NOTHING"));
        q->bind(1, recordRowId).bind(2, ident).runLater();
    }
}

void Store::mergeCluster(std::int64_t from, std::int64_t into, std::int64_t now) {
    // Statements taking (?1 = surviving cluster, ?2 = absorbed cluster). Rows whose unique key
    // already exists in the surviving cluster are left behind (as SQLite's UPDATE OR IGNORE
    // would, which PostgreSQL lacks) and dropped below together with the absorbed cluster.
    static constexpr std::string_view moves[] = {
        "UPDATE alias SET cluster_id = ?1 WHERE cluster_id = ?2",
        "UPDATE record SET cluster_id = ?1 WHERE cluster_id = ?2",
        "UPDATE decision SET cluster_id = ?1 WHERE cluster_id = ?2 AND NOT EXISTS (SELECT 1 FROM "
        "decision o WHERE o.cluster_id = ?1 AND o.product = decision.product)",
        "UPDATE advisory_cluster SET cluster_id = ?1 WHERE cluster_id = ?2 AND NOT EXISTS (SELECT "
        "1 FROM advisory_cluster o WHERE o.cluster_id = ?1 AND o.advisory_id = "
        "advisory_cluster.advisory_id)",
        "UPDATE cluster SET first_seen = MIN(first_seen, "
        "(SELECT first_seen FROM cluster WHERE id = ?2)) WHERE id = ?1",
    };
    for (auto sql : moves) {
        Use q(cached(sql));
        q->bind(1, into).bind(2, from).run();
    }
    noteAliases({}, into, from);
    {
        // Per backend: SQLite's migration 5 (Store::recorrelate) merges while match has no
        // version column yet, and PostgreSQL has no UPDATE OR IGNORE.
        Use q(cached(db_.isPostgres()
                         ? "UPDATE match SET cluster_id = ?1 WHERE cluster_id = ?2 AND NOT EXISTS "
                           "(SELECT 1 FROM match o WHERE o.cluster_id = ?1 AND o.product = "
                           "match.product AND o.version = match.version AND o.component = "
                           "match.component)"
                         : "UPDATE OR IGNORE match SET cluster_id = ?1 WHERE cluster_id = ?2"));
        q->bind(1, into).bind(2, from).run();
    }
    if (keepShown_) {
        // The aliases moved above (each is in one cluster only), and the shown title and score:
        // the records of both (merges are rare: 9,400 in 300k records).
        Use q(cached("UPDATE cluster SET aliases = aliases || "
                     "(SELECT aliases FROM cluster WHERE id = ?2) WHERE id = ?1"));
        q->bind(1, into).bind(2, from).run();
        recomputeShown(into);
    }
    // Statements taking (?1 = absorbed cluster).
    static constexpr std::string_view drops[] = {
        "DELETE FROM match WHERE cluster_id = ?1",
        "DELETE FROM decision WHERE cluster_id = ?1",
        "DELETE FROM advisory_cluster WHERE cluster_id = ?1",
        "DELETE FROM cluster WHERE id = ?1",
    };
    for (auto sql : drops) {
        Use q(cached(sql));
        q->bind(1, from).run();
    }
    logEvent("cluster-merge",
             "cluster " + std::to_string(from) + " merged into " + std::to_string(into), now);
}

namespace {

// offerShown: cluster ?1 shows the title ?5 (score ?6) of record ?2 (channel rank ?3, last seen
// ?4) when it is not shown already and no other record of the cluster with a title (score)
// outranks the record. Row values compare left to right: (other's rank, own last_seen, own id)
// < (own rank, other's last_seen, other's id) reads "lower rank, else seen later, else the
// higher id". The subqueries name no column of the row updated: SQLite runs each once.
#define VW_OUTRANKED(has)                                                                          \
    "NOT EXISTS (SELECT 1 FROM record w WHERE w.cluster_id = ?1 AND w.id != ?2 AND " has           \
    " AND (vw_source_rank(w.source), ?4, ?2) < (?3, w.last_seen, w.id))"
#define VW_TAKES_TITLE "(?5 != '' AND title != ?5 AND " VW_OUTRANKED("w.title != ''") ")"
#define VW_TAKES_SCORE "(?6 > 0 AND max_score != ?6 AND " VW_OUTRANKED("w.max_score > 0") ")"

// recomputeShown: the first record of cluster ?1 by the precedence that has a title (a score).
#define VW_FIRST_WITH_TITLE                                                                        \
    "FROM record WHERE cluster_id = ?1 AND title != '' "                                           \
    "ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1"
#define VW_FIRST_WITH_SCORE                                                                        \
    "FROM record WHERE cluster_id = ?1 AND max_score > 0 "                                         \
    "ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1"

} // namespace

void Store::offerShown(std::int64_t clusterId, std::int64_t recordId, int rank,
                       std::int64_t lastSeen, const std::string& title, double maxScore) {
    // Most calls write nothing: the cluster shows the record's values already (a record seen
    // again), or another record outranks it.
    Use q(cached("UPDATE cluster SET "
                 "title = CASE WHEN " VW_TAKES_TITLE " THEN ?5 ELSE title END, "
                 "max_score = CASE WHEN " VW_TAKES_SCORE " THEN ?6 ELSE max_score END "
                 "WHERE id = ?1 AND (" VW_TAKES_TITLE " OR " VW_TAKES_SCORE ")"));
    q->bind(1, clusterId)
        .bind(2, recordId)
        .bind(3, rank)
        .bind(4, lastSeen)
        .bind(5, title)
        .bind(6, maxScore)
        .runLater();
}

void Store::recomputeShown(std::int64_t clusterId) {
    // Rare: a merge, or a record that left the cluster or lost its title or score.
    Use q(cached("UPDATE cluster SET "
                 "title = coalesce((SELECT title " VW_FIRST_WITH_TITLE "), ''), "
                 "max_score = coalesce((SELECT max_score " VW_FIRST_WITH_SCORE "), 0) "
                 "WHERE id = ?1"));
    q->bind(1, clusterId).run();
}

#undef VW_OUTRANKED
#undef VW_TAKES_TITLE
#undef VW_TAKES_SCORE
#undef VW_FIRST_WITH_TITLE
#undef VW_FIRST_WITH_SCORE

std::optional<std::int64_t> Store::clusterOf(const std::string& id) {
    Use q(cached("SELECT cluster_id FROM alias WHERE id = ?1"));
    q->bind(1, id);
    if (q->step()) {
        return q->integer(0);
    }
    return std::nullopt;
}

ClusterSummary Store::cluster(std::int64_t clusterId) {
    if (const ClusterLookahead* ahead = clusterLookahead()) {
        if (const ClusterSummary* held = ahead->cluster(clusterId)) {
            return *held;
        }
    }
    Use q(cached("SELECT " VW_CLUSTER_SUMMARY_COLUMNS "FROM cluster c WHERE c.id = ?1"));
    q->bind(1, clusterId);
    if (!q->step()) {
        throw StoreError("no cluster with id " + std::to_string(clusterId) + " in database " +
                         db_.path());
    }
    ClusterSummary summary;
    ClusterRef scratch;
    readClusterSummary(*q, summary, scratch);
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
            q->bind(1, recordId).runLater();
        }
        return;
    }
    Use q(cached("INSERT INTO record_cpe (record_id, names) VALUES (?1, ?2) "
                 "ON CONFLICT (record_id) DO UPDATE SET names = excluded.names"));
    q->bind(1, recordId).bind(2, cpeNames).runLater();
}

void Store::indexText(std::int64_t recordId, const Advisory& advisory, bool namesNoCpe,
                      bool replace) {
    if (!replace && !namesNoCpe) {
        return;
    }
    std::string text;
    if (namesNoCpe) {
        // As migration 7 builds it in SQL: title, summary, "vendor product / …" of affected
        // items.
        std::string raw = advisory.title + "\n" + advisory.summary + "\n";
        for (std::size_t i = 0; i < advisory.affected.size(); ++i) {
            raw += (i > 0 ? " / " : "") + advisory.affected[i].vendor + " " +
                   advisory.affected[i].product;
        }
        text = keywordText(raw);
    }
    if (deferText_ && db_.inTransaction()) {
        // Inside an outermost Store::Transaction: written at its commit (flushText). A record
        // written twice in it keeps its last text and whether it had a row before.
        Use q(cached("INSERT INTO temp.vw_pending_text (record_id, replace_old, text) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT (record_id) DO UPDATE SET "
                     "replace_old = max(vw_pending_text.replace_old, excluded.replace_old), "
                     "text = excluded.text"));
        q->bind(1, recordId).bind(2, replace ? 1 : 0);
        if (namesNoCpe) {
            q->bind(3, text);
        } else {
            q->bindNull(3);
        }
        q->runLater();
        textPending_ = true;
        return;
    }
    if (replace) {
        Use q(cached("DELETE FROM record_text WHERE rowid = ?1"));
        q->bind(1, recordId).runLater();
    }
    if (namesNoCpe) {
        Use q(cached("INSERT INTO record_text (rowid, text) VALUES (?1, ?2)"));
        q->bind(1, recordId).bind(2, text).runLater();
    }
}

void Store::flushText() {
    if (!textPending_) {
        return;
    }
    // Three statements for all the rows of the transaction: FTS5 writes one segment.
    static constexpr std::string_view steps[] = {
        "DELETE FROM record_text WHERE rowid IN "
        "(SELECT record_id FROM temp.vw_pending_text WHERE replace_old <> 0)",
        "INSERT INTO record_text (rowid, text) SELECT p.record_id, p.text "
        "FROM temp.vw_pending_text p WHERE p.text IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM record r WHERE r.id = p.record_id) ORDER BY p.record_id",
        "DELETE FROM temp.vw_pending_text",
    };
    for (const auto sql : steps) {
        Use q(cached(sql));
        q->run();
    }
    textPending_ = false;
}

std::vector<std::int64_t> Store::recordsWithText(const std::vector<std::string>& searchForms) {
    flushText(); // rows waiting for the commit of this transaction are read too
    std::vector<std::int64_t> ids;
    // Many keywords (every component name is one): one pass over the table with the keyword
    // index beats a full-text query per keyword (10k components: 10k queries).
    constexpr std::size_t kQueriesAtMost = 64;
    if (searchForms.size() > kQueriesAtMost) {
        const KeywordIndex index(searchForms);
        Use q(cached("SELECT rowid, text FROM record_text ORDER BY rowid"));
        q->streamed(); // a large table: read in pieces (docs/storage.md)
        while (q->step()) {
            if (!index.find(q->text(1)).empty()) {
                ids.push_back(q->integer(0));
            }
        }
        return ids;
    }
    // `%word%` for LIKE/ILIKE with ESCAPE '\\'.
    const auto likePattern = [](const std::string& word) {
        std::string pattern = "%";
        for (const char c : word) {
            if (c == '%' || c == '_' || c == '\\') {
                pattern += '\\';
            }
            pattern += c;
        }
        return pattern + '%';
    };
    for (const std::string& form : searchForms) {
        // Each word of three characters or more narrows through the trigram index (FTS5 phrase
        // queries are substring searches there); a keyword whose words are all shorter ("日立",
        // "qt x") is looked for with LIKE, which reads the whole (small) table.
        std::vector<std::string> longWords;
        std::string longest;
        std::size_t start = 0;
        while (start < form.size()) {
            std::size_t end = form.find(' ', start);
            if (end == std::string::npos) {
                end = form.size();
            }
            std::string word = form.substr(start, end - start);
            std::size_t chars = 0;
            for (const char c : word) {
                chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
            }
            if (word.size() > longest.size()) {
                longest = word;
            }
            if (chars >= 3) {
                longWords.push_back(std::move(word));
            }
            start = end + 1;
        }
        if (longest.empty()) {
            continue;
        }
        if (db_.isPostgres()) {
            // record_text is a plain table with a pg_trgm index there (docs/storage.md): every
            // long word as a substring (as the FTS5 phrases), else the longest word; one ILIKE
            // per word joined by AND, which the trigram index serves (ILIKE ALL over an array
            // is not: a scan of the table).
            const std::vector<std::string>& words =
                longWords.empty() ? std::vector<std::string>{longest} : longWords;
            std::string sql = "SELECT rowid FROM record_text WHERE ";
            for (std::size_t i = 0; i < words.size(); ++i) {
                sql +=
                    (i == 0 ? "" : " AND ") + std::string("text ILIKE ?") + std::to_string(i + 1);
            }
            // Not cached(): its map keys are views of literals; this text is built here.
            Statement q = db_.prepare(sql);
            for (std::size_t i = 0; i < words.size(); ++i) {
                q.bind(static_cast<int>(i + 1), likePattern(words[i]));
            }
            while (q.step()) {
                ids.push_back(q.integer(0));
            }
            continue;
        }
        if (!longWords.empty()) {
            std::string query;
            for (const std::string& word : longWords) {
                std::string quoted;
                for (const char c : word) {
                    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
                }
                query += (query.empty() ? "\"" : " \"") + quoted + "\"";
            }
            Use q(cached("SELECT rowid FROM record_text WHERE record_text MATCH ?1"));
            q->bind(1, query);
            while (q->step()) {
                ids.push_back(q->integer(0));
            }
        } else {
            Use q(cached("SELECT rowid FROM record_text WHERE text LIKE ?1 ESCAPE '\\'"));
            q->bind(1, likePattern(longest));
            while (q->step()) {
                ids.push_back(q->integer(0));
            }
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::vector<std::int64_t>
Store::recordsNamingCpes(const std::vector<std::pair<std::string, std::string>>& vendorProducts,
                         const std::vector<std::string>& anyVendorProducts) {
    std::vector<std::int64_t> ids;
    if (vendorProducts.empty() && anyVendorProducts.empty()) {
        return ids;
    }
    std::unordered_set<std::string> wanted;
    for (const auto& [vendor, product] : vendorProducts) {
        wanted.insert(vendor + '\0' + product);
    }
    const std::unordered_set<std::string> anyVendor(anyVendorProducts.begin(),
                                                    anyVendorProducts.end());
    // One pass over a narrow table (about 50 bytes a record), in record order. The names are
    // split in place (no allocation per row) unless one holds an escape.
    Use q(cached("SELECT record_id, names FROM record_cpe ORDER BY record_id"));
    q->streamed(); // a large table: read in pieces (docs/storage.md)
    std::string key;
    std::string product;
    while (q->step()) {
        const std::string names = q->text(1);
        bool hit = false;
        if (names.find('\\') == std::string::npos) {
            std::size_t at = 0;
            while (!hit && at < names.size()) {
                const std::size_t vendorEnd = names.find('\n', at);
                if (vendorEnd == std::string::npos) {
                    break;
                }
                const std::size_t productEnd = names.find('\n', vendorEnd + 1);
                if (productEnd == std::string::npos) {
                    break;
                }
                key.assign(names, at, vendorEnd - at).append(1, '\0');
                product.assign(names, vendorEnd + 1, productEnd - vendorEnd - 1);
                key.append(product);
                hit = wanted.count(key) != 0 || anyVendor.count(product) != 0;
                at = productEnd + 1;
            }
        } else {
            const std::vector<std::string> items = decodeList(names);
            for (std::size_t i = 0; !hit && i + 1 < items.size(); i += 2) {
                key.assign(items[i]).append(1, '\0').append(items[i + 1]);
                hit = wanted.count(key) != 0 || anyVendor.count(items[i + 1]) != 0;
            }
        }
        if (hit) {
            ids.push_back(q->integer(0));
        }
    }
    return ids;
}

std::optional<StoredRecord> Store::record(std::int64_t recordId) {
    Use q(cached("SELECT coalesce(cluster_id, 0), coalesce(advisory_id, 0), json FROM record "
                 "WHERE id = ?1"));
    q->bind(1, recordId);
    if (!q->step()) {
        return std::nullopt;
    }
    return StoredRecord{recordId, q->integer(0), q->integer(1), q->text(2)};
}

std::vector<StoredRecord> Store::records(const std::vector<std::int64_t>& recordIds) {
    static const std::string sql = "SELECT id, coalesce(cluster_id, 0), coalesce(advisory_id, 0), "
                                   "json FROM record WHERE id IN (" +
                                   sqlSlots(kLookupSlots) + ")";
    std::unordered_map<std::int64_t, StoredRecord> found;
    for (std::size_t from = 0; from < recordIds.size(); from += kLookupSlots) {
        Use q(cached(sql));
        bindIdSlots(*q, recordIds, from, kLookupSlots);
        while (q->step()) {
            const std::int64_t id = q->integer(0);
            found.insert_or_assign(id, StoredRecord{id, q->integer(1), q->integer(2), q->text(3)});
        }
    }
    std::vector<StoredRecord> out;
    out.reserve(found.size());
    for (const std::int64_t id : recordIds) {
        if (const auto it = found.find(id); it != found.end()) {
            out.push_back(std::move(it->second));
            found.erase(it);
        }
    }
    return out;
}

std::vector<ClusterSummary> Store::clusters(const std::vector<std::int64_t>& clusterIds) {
    static const std::string sql = "SELECT " VW_CLUSTER_SUMMARY_COLUMNS
                                   "FROM cluster c WHERE c.id IN (" +
                                   sqlSlots(kLookupSlots) + ")";
    std::vector<ClusterSummary> out;
    ClusterRef scratch;
    for (std::size_t from = 0; from < clusterIds.size(); from += kLookupSlots) {
        Use q(cached(sql));
        bindIdSlots(*q, clusterIds, from, kLookupSlots);
        while (q->step()) {
            readClusterSummary(*q, out.emplace_back(), scratch);
        }
    }
    return out;
}

void Store::forEachMatchKey(const std::vector<std::int64_t>& clusterIds,
                            const std::function<void(std::int64_t, std::string)>& fn) {
    static const std::string sql =
        "SELECT cluster_id, product, version, component FROM match WHERE cluster_id IN (" +
        sqlSlots(kLookupSlots) + ")";
    for (std::size_t from = 0; from < clusterIds.size(); from += kLookupSlots) {
        Use q(cached(sql));
        bindIdSlots(*q, clusterIds, from, kLookupSlots);
        while (q->step()) {
            fn(q->integer(0), matchKey(q->text(1), q->text(2), q->text(3)));
        }
    }
}

std::string Store::clusterKey(std::int64_t clusterId) {
    if (const ClusterLookahead* ahead = clusterLookahead()) {
        if (const ClusterSummary* held = ahead->cluster(clusterId)) {
            return held->key;
        }
    }
    Use q(cached("SELECT key FROM cluster WHERE id = ?1"));
    q->bind(1, clusterId);
    return q->step() ? q->text(0) : std::string();
}

std::optional<std::int64_t> Store::advisoryOf(const std::string& ident) {
    Use q(cached("SELECT id FROM advisory WHERE ident = ?1"));
    q->bind(1, ident);
    if (q->step()) {
        return q->integer(0);
    }
    return std::nullopt;
}

std::vector<std::int64_t> Store::coveredClusters(std::int64_t advisoryId) {
    Use q(cached("SELECT cluster_id FROM advisory_cluster WHERE advisory_id = ?1 "
                 "ORDER BY cluster_id"));
    q->bind(1, advisoryId);
    std::vector<std::int64_t> ids;
    while (q->step()) {
        ids.push_back(q->integer(0));
    }
    return ids;
}

std::vector<std::string> Store::coveringAdvisories(std::int64_t clusterId) {
    Use q(cached("SELECT a.ident FROM advisory_cluster ac JOIN advisory a ON a.id = "
                 "ac.advisory_id WHERE ac.cluster_id = ?1 ORDER BY a.ident"));
    q->bind(1, clusterId);
    std::vector<std::string> idents;
    while (q->step()) {
        idents.push_back(q->text(0));
    }
    return idents;
}

std::vector<RecordRow> Store::recordRows(std::string_view sql, std::int64_t key) {
    // `sql` selects id, channel, record_id, source, title, json, first_seen, last_seen with ?1.
    Use q(cached(sql));
    q->bind(1, key);
    std::vector<RecordRow> rows;
    while (q->step()) {
        rows.push_back({q->integer(0), q->text(1), q->text(2), q->text(3), q->text(4), q->text(5),
                        q->integer(6), q->integer(7)});
    }
    return rows;
}

ClusterDetail Store::clusterDetail(std::int64_t clusterId) {
    ReadTransaction read(*this); // one snapshot, one lock for all the statements below
    ClusterDetail d;
    const ClusterSummary summary = cluster(clusterId);
    d.clusterId = clusterId;
    d.primaryId = summary.primaryId;
    d.key = summary.key;
    d.firstSeen = summary.firstSeen;
    d.aliases = summary.ids;
    d.records = recordRows("SELECT id, channel, record_id, source, title, json, first_seen, "
                           "last_seen FROM record WHERE cluster_id = ?1 ORDER BY first_seen, id",
                           clusterId);
    d.advisories = coveringAdvisories(clusterId);
    // Mentions of any alias, through the mention index: one lookup per alias.
    d.mentions = recordRows(
        "SELECT DISTINCT r.id, r.channel, r.record_id, r.source, r.title, r.json, r.first_seen, "
        "r.last_seen FROM alias a JOIN mention m ON m.ident = a.id JOIN record r ON r.id = "
        "m.record_id WHERE a.cluster_id = ?1 ORDER BY r.first_seen, r.id",
        clusterId);
    Use q(cached("SELECT v.id, v.record_id, v.class, v.changes, v.seen_at FROM revision v "
                 "JOIN record r ON r.id = v.record_id WHERE r.cluster_id = ?1 "
                 "ORDER BY v.seen_at, v.id"));
    q->bind(1, clusterId);
    while (q->step()) {
        d.revisions.push_back(
            {q->integer(0), q->integer(1), q->text(2), q->text(3), q->integer(4)});
    }
    return d;
}

std::vector<std::int64_t> Store::clustersOfChannel(const std::string& channel) {
    Use q(cached("SELECT cluster_id FROM record WHERE channel = ?1 AND cluster_id IS NOT NULL "
                 "UNION SELECT ac.cluster_id FROM record r JOIN advisory_cluster ac ON "
                 "ac.advisory_id = r.advisory_id WHERE r.channel = ?1 ORDER BY 1"));
    q->bind(1, channel);
    std::vector<std::int64_t> ids;
    while (q->step()) {
        ids.push_back(q->integer(0));
    }
    return ids;
}

AdvisoryDetail Store::advisoryDetail(std::int64_t advisoryId, bool withClusters) {
    ReadTransaction read(*this); // one snapshot, one lock for all the statements below
    AdvisoryDetail d;
    {
        Use q(cached("SELECT ident, first_seen FROM advisory WHERE id = ?1"));
        q->bind(1, advisoryId);
        if (!q->step()) {
            throw StoreError("no advisory with id " + std::to_string(advisoryId) + " in database " +
                             db_.path());
        }
        d.advisoryId = advisoryId;
        d.ident = q->text(0);
        d.firstSeen = q->integer(1);
    }
    d.records = recordRows("SELECT id, channel, record_id, source, title, json, first_seen, "
                           "last_seen FROM record WHERE advisory_id = ?1 ORDER BY first_seen, id",
                           advisoryId);
    if (withClusters) {
        // Sorted here (coveredClusterBefore): SQLite's sorter copied every row, 0.5 ms of
        // 2,000.
        forEachCoveredCluster(
            advisoryId, [&](const ClusterRef& c) { copyClusterRef(c, d.clusters.emplace_back()); });
        std::sort(d.clusters.begin(), d.clusters.end(),
                  [](const ClusterSummary& a, const ClusterSummary& b) {
                      return coveredClusterBefore(a.key, a.clusterId, b.key, b.clusterId);
                  });
    }
    d.mentions = recordRows(
        "SELECT r.id, r.channel, r.record_id, r.source, r.title, r.json, r.first_seen, "
        "r.last_seen FROM advisory a JOIN mention m ON m.ident = a.ident JOIN record r ON r.id = "
        "m.record_id WHERE a.id = ?1 ORDER BY r.first_seen, r.id",
        advisoryId);
    return d;
}

void Store::forEachCoveredCluster(std::int64_t advisoryId,
                                  const std::function<void(const ClusterRef&)>& fn) {
    // One statement for every covered cluster (an alert may cover 2,000): one per cluster took
    // 15 µs each on 300k stored.
    ReadTransaction read(*this);
    Use q(cached("SELECT " VW_CLUSTER_SUMMARY_COLUMNS
                 "FROM advisory_cluster ac JOIN cluster c ON c.id = ac.cluster_id "
                 "WHERE ac.advisory_id = ?1"));
    q->bind(1, advisoryId);
    ClusterRef ref;
    while (q->step()) {
        readClusterRef(*q, ref);
        fn(ref);
    }
}

void Store::classifyRevision(std::int64_t revisionId, const std::string& revisionClass,
                             const std::string& changes) {
    Use q(cached("UPDATE revision SET class = ?2, changes = ?3 WHERE id = ?1"));
    q->bind(1, revisionId).bind(2, revisionClass).bind(3, changes).run();
}

Store::ReadTransaction::ReadTransaction(Store& store)
    : store_(store), own_(!store.db_.inTransaction()) {
    // BEGIN (deferred) takes no write lock, so a running daemon is not held up.
    if (own_) {
        store_.db_.beginRead();
    }
}

Store::ReadTransaction::~ReadTransaction() {
    if (own_ && store_.db_.inTransaction()) {
        store_.db_.execQuietly("COMMIT");
    }
}

void Store::forEachCluster(std::int64_t since,
                           const std::function<void(const ClusterSummary&)>& fn) {
    // One read transaction for the whole listing: outside one, every statement takes and drops
    // SQLite's shared lock with system calls of its own (300k advisories: 22 s, mostly that).
    ReadTransaction read(*this);
    Use q(cached("SELECT " VW_CLUSTER_SUMMARY_COLUMNS "FROM cluster c WHERE c.first_seen >= ?1 "
                 "ORDER BY c.first_seen DESC, c.id DESC"));
    q->bind(1, since);
    ClusterSummary summary;
    ClusterRef scratch;
    while (q->step()) {
        readClusterSummary(*q, summary, scratch);
        fn(summary);
    }
}

std::vector<ClusterSummary> Store::listClusters(std::int64_t since) {
    std::vector<ClusterSummary> summaries;
    forEachCluster(since, [&](const ClusterSummary& c) { summaries.push_back(c); });
    return summaries;
}

// --- products ------------------------------------------------------------------------------

namespace {

/// The product row id of a product by name, if registered (removed or not).
std::optional<std::int64_t> productIdOf(Database& db, const std::string& name) {
    Statement q = db.prepare("SELECT id FROM product WHERE name = ?1");
    q.bind(1, name);
    if (q.step()) {
        return q.integer(0);
    }
    return std::nullopt;
}

} // namespace

std::int64_t Store::ensureProductVersion(std::int64_t productId, const std::string& version,
                                         std::int64_t now, bool newProduct) {
    if (newProduct) {
        // Nothing to look for; on PostgreSQL an id from the sequence, not waited for.
        if (const std::int64_t id = db_.nextId("product_version"); id != 0) {
            Use q(cached("INSERT INTO product_version (id, product_id, version, created_at) "
                         "VALUES (?4, ?1, ?2, ?3)"));
            q->bind(1, productId).bind(2, version).bind(3, now).bind(4, id).runLater();
            return id;
        }
    }
    {
        Use q(cached("SELECT id FROM product_version WHERE product_id = ?1 AND version = ?2"));
        q->bind(1, productId).bind(2, version);
        if (q->step()) {
            const std::int64_t id = q->integer(0);
            Use u(cached("UPDATE product_version SET removed_at = NULL WHERE id = ?1"));
            u->bind(1, id).run();
            return id;
        }
    }
    Use q(cached("INSERT INTO product_version (product_id, version, created_at) "
                 "VALUES (?1, ?2, ?3) RETURNING id"));
    q->bind(1, productId).bind(2, version).bind(3, now);
    return insertedId(*q);
}

void Store::writeComponents(std::int64_t versionId, const std::vector<Component>& components) {
    {
        Use q(cached("DELETE FROM component WHERE version_id = ?1"));
        q->bind(1, versionId).runLater();
    }
    // Up to 100 components a statement, in order (ids follow the list): a registry of 10,000
    // components is 100 statements, and on PostgreSQL the registry's statement-level trigger
    // raises the generation 100 times rather than 10,000 (docs/performance.md).
    constexpr std::size_t kRows = 100;
    constexpr int kColumns = 6;
    std::optional<Statement> full; // the statement of kRows rows, prepared once a call
    for (std::size_t from = 0; from < components.size(); from += kRows) {
        const std::size_t rows = std::min(kRows, components.size() - from);
        std::optional<Statement> partial;
        Statement* q = nullptr;
        if (rows == kRows && full) {
            q = &*full;
        } else {
            std::string sql = "INSERT INTO component (version_id, vendor, name, version, cpes, "
                              "purl, supplier) VALUES ";
            for (std::size_t r = 0; r < rows; ++r) {
                const int p = 2 + static_cast<int>(r) * kColumns;
                sql += (r == 0 ? "(?1" : ", (?1");
                for (int k = 0; k < kColumns; ++k) {
                    sql += ", ?" + std::to_string(p + k);
                }
                sql += ")";
            }
            std::optional<Statement>& made = rows == kRows ? full : partial;
            made.emplace(db_.prepare(sql));
            q = &*made;
        }
        q->reset();
        q->bind(1, versionId);
        for (std::size_t r = 0; r < rows; ++r) {
            const Component& c = components[from + r];
            const int p = 2 + static_cast<int>(r) * kColumns;
            q->bind(p, c.vendor)
                .bind(p + 1, c.name)
                .bind(p + 2, c.version)
                .bind(p + 3, encodeList(c.cpes))
                .bind(p + 4, c.purl)
                .bind(p + 5, c.supplier);
        }
        q->runLater();
    }
}

std::vector<Component> Store::readComponents(std::int64_t versionId) {
    Use q(cached("SELECT vendor, name, version, cpes, purl, supplier FROM component "
                 "WHERE version_id = ?1 ORDER BY id"));
    q->bind(1, versionId);
    std::vector<Component> components;
    while (q->step()) {
        components.push_back(
            {q->text(0), q->text(1), q->text(2), decodeList(q->text(3)), q->text(4), q->text(5)});
    }
    return components;
}

void Store::putProduct(const RegisteredProduct& product, std::int64_t now) {
    WriteScope scope(db_, "putProduct");
    std::optional<std::int64_t> productId = productIdOf(db_, product.name);
    bool created = false; // inserted here, with an id of the sequence (PostgreSQL)
    if (productId) {
        // Updated in place so the product keeps its position in the registry order.
        Use q(cached("UPDATE product SET owners = ?2, keywords = ?3, cpes = ?4, "
                     "mission = ?5, removed_at = NULL WHERE id = ?1"));
        q->bind(1, *productId)
            .bind(2, encodeList(product.owners))
            .bind(3, encodeList(product.keywords))
            .bind(4, encodeList(product.cpes))
            .bind(5, product.mission)
            .run();
    } else {
        // On PostgreSQL with an id from the sequence, not waited for (as records'); a new
        // product has no versions yet, so they are inserted without looking first.
        const std::int64_t id = db_.nextId("product");
        Use q(cached(id != 0 ? "INSERT INTO product (id, name, owners, keywords, cpes, mission) "
                               "VALUES (?6, ?1, ?2, ?3, ?4, ?5)"
                             : "INSERT INTO product (name, owners, keywords, cpes, mission) "
                               "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"));
        q->bind(1, product.name)
            .bind(2, encodeList(product.owners))
            .bind(3, encodeList(product.keywords))
            .bind(4, encodeList(product.cpes))
            .bind(5, product.mission);
        if (id != 0) {
            q->bind(6, id).runLater();
            productId = id;
            created = true;
        } else {
            productId = insertedId(*q);
        }
    }
    std::set<std::string> versionsAdded; // a list naming a version twice finds the first
    for (const auto& version : product.versions) {
        const std::int64_t versionId =
            ensureProductVersion(*productId, version.version, now,
                                 created && versionsAdded.insert(version.version).second);
        {
            Use q(cached("UPDATE product_version SET owners = ?2 WHERE id = ?1"));
            q->bind(1, versionId).bind(2, encodeList(version.owners)).runLater();
        }
        writeComponents(versionId, version.components);
        if (version.removed) { // as exported with --all: kept removed
            Use q(cached("UPDATE product_version SET removed_at = ?2 WHERE id = ?1"));
            q->bind(1, versionId).bind(2, now).runLater();
        }
    }
    if (product.removed) {
        Use q(cached("UPDATE product SET removed_at = ?2 WHERE id = ?1"));
        q->bind(1, *productId).bind(2, now).runLater();
    }
    scope.commit();
}

void Store::putProduct(const Product& product, std::int64_t now) {
    RegisteredProduct registered;
    registered.name = product.name;
    registered.owners = product.owners;
    registered.keywords = product.keywords;
    registered.cpes = product.cpes;
    registered.versions.push_back({product.version, {}, product.components, false});
    putProduct(registered, now);
}

std::vector<Component> Store::replaceComponents(const std::string& product,
                                                const std::string& version,
                                                const std::vector<Component>& components,
                                                std::int64_t now,
                                                std::optional<std::string>* previousVersion) {
    WriteScope scope(db_, "replaceComponents");
    std::optional<std::int64_t> productId = productIdOf(db_, product);
    if (!productId) {
        Use q(cached("INSERT INTO product (name) VALUES (?1) RETURNING id"));
        q->bind(1, product);
        productId = insertedId(*q);
    } else {
        Use q(cached("UPDATE product SET removed_at = NULL WHERE id = ?1"));
        q->bind(1, *productId).run();
    }
    // What the import is compared with: this version as stored, else the newest other one.
    std::optional<std::int64_t> before;
    std::optional<std::string> beforeVersion;
    {
        Use q(cached("SELECT id, version FROM product_version WHERE product_id = ?1 AND "
                     "(version = ?2 OR removed_at IS NULL) ORDER BY (version = ?2) DESC, id DESC "
                     "LIMIT 1"));
        q->bind(1, *productId).bind(2, version);
        if (q->step()) {
            before = q->integer(0);
            beforeVersion = q->text(1);
        }
    }
    std::vector<Component> previous;
    if (before) {
        previous = readComponents(*before);
    }
    const std::int64_t versionId = ensureProductVersion(*productId, version, now);
    writeComponents(versionId, components);
    scope.commit();
    if (previousVersion != nullptr) {
        *previousVersion = beforeVersion;
    }
    return previous;
}

bool Store::removeProduct(const std::string& name, std::int64_t now) {
    Use q(cached("UPDATE product SET removed_at = ?2 WHERE name = ?1 AND removed_at IS NULL"));
    q->bind(1, name).bind(2, now).run();
    return db_.changes() > 0;
}

bool Store::removeProductVersion(const std::string& name, const std::string& version,
                                 std::int64_t now) {
    Use q(cached("UPDATE product_version SET removed_at = ?3 WHERE version = ?2 AND "
                 "removed_at IS NULL AND product_id = (SELECT id FROM product WHERE name = ?1)"));
    q->bind(1, name).bind(2, version).bind(3, now).run();
    return db_.changes() > 0;
}

std::vector<RegisteredProduct> Store::registry(bool includeRemoved) {
    ReadTransaction read(*this);
    std::vector<RegisteredProduct> result;
    std::map<std::int64_t, std::size_t> productIndex;
    {
        Use q(cached("SELECT id, name, owners, keywords, cpes, removed_at IS NOT NULL, "
                     "mission FROM product ORDER BY id"));
        while (q->step()) {
            const bool removed = q->integer(5) != 0;
            if (removed && !includeRemoved) {
                continue;
            }
            productIndex[q->integer(0)] = result.size();
            RegisteredProduct p;
            p.name = q->text(1);
            p.owners = decodeList(q->text(2));
            p.keywords = decodeList(q->text(3));
            p.cpes = decodeList(q->text(4));
            p.removed = removed;
            p.mission = q->text(6);
            result.push_back(std::move(p));
        }
    }
    // version row id -> (product index, version index)
    std::map<std::int64_t, std::pair<std::size_t, std::size_t>> versionIndex;
    {
        Use q(cached("SELECT id, product_id, version, owners, removed_at IS NOT NULL "
                     "FROM product_version ORDER BY product_id, id"));
        while (q->step()) {
            const auto found = productIndex.find(q->integer(1));
            const bool removed = q->integer(4) != 0;
            if (found == productIndex.end() || (removed && !includeRemoved)) {
                continue;
            }
            auto& versions = result[found->second].versions;
            versionIndex[q->integer(0)] = {found->second, versions.size()};
            versions.push_back({q->text(2), decodeList(q->text(3)), {}, removed});
        }
    }
    Use q(cached("SELECT version_id, vendor, name, version, cpes, purl, supplier FROM component "
                 "ORDER BY version_id, id"));
    q->streamed(); // every component of the registry: read in pieces
    while (q->step()) {
        const auto found = versionIndex.find(q->integer(0));
        if (found == versionIndex.end()) {
            continue;
        }
        result[found->second.first].versions[found->second.second].components.push_back(
            {q->text(1), q->text(2), q->text(3), decodeList(q->text(4)), q->text(5), q->text(6)});
    }
    return result;
}

std::vector<Product> Store::products() {
    return activeVersions(registry());
}

std::int64_t Store::registryGeneration() {
    Use q(cached("SELECT generation FROM registry_state WHERE id = 1"));
    return q->step() ? q->integer(0) : 0;
}

// --- matches -------------------------------------------------------------------------------

namespace {

/// A match row from a statement selecting id, cluster_id, advisory, aliases, product, version,
/// component, confidence, method, reason, state, created_at, verdict.
MatchRow matchRow(Statement& q) {
    MatchRow row;
    row.id = q.integer(0);
    row.clusterId = q.integer(1);
    row.match.advisory = q.text(2);
    row.match.aliases = decodeList(q.text(3));
    row.match.product = q.text(4);
    row.match.version = q.text(5);
    row.match.component = q.text(6);
    row.match.confidence = static_cast<int>(q.integer(7));
    row.match.method = q.text(8);
    row.match.reason = q.text(9);
    row.state = q.text(10);
    row.createdAt = q.integer(11);
    row.match.verdict = q.text(12);
    return row;
}

/// Binds parameters 1–11 of the match INSERTs: cluster, product, component, confidence,
/// method, reason, advisory, aliases, version, now (created and updated), verdict.
Statement& bindMatch(Statement& q, std::int64_t clusterId, const Match& match, std::int64_t now) {
    return q.bind(1, clusterId)
        .bind(2, match.product)
        .bind(3, match.component)
        .bind(4, match.confidence)
        .bind(5, match.method)
        .bind(6, match.reason)
        .bind(7, match.advisory)
        .bind(8, encodeList(match.aliases))
        .bind(9, match.version)
        .bind(10, now)
        .bind(11, match.verdict);
}

} // namespace

bool Store::insertMatch(std::int64_t clusterId, const Match& match, std::int64_t now) {
    return insertMatchRow(clusterId, match, now) != 0;
}

std::int64_t Store::insertMatchRow(std::int64_t clusterId, const Match& match, std::int64_t now) {
    // RETURNING: the new row's id, no row when it existed (one round trip on PostgreSQL).
    Use q(cached("INSERT INTO match (cluster_id, product, component, confidence, method, "
                 "reason, advisory, aliases, version, state, created_at, verdict, updated_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'new', ?10, ?11, ?10) "
                 "ON CONFLICT (cluster_id, product, version, component) DO NOTHING RETURNING id"));
    bindMatch(*q, clusterId, match, now);
    std::int64_t id = 0;
    while (q->step()) {
        id = q->integer(0);
    }
    return id;
}

Store::MatchSaved Store::saveMatch(std::int64_t clusterId, const Match& match, std::int64_t now) {
    MatchSaved saved;
    ClusterLookahead* ahead = clusterLookahead();
    if (ahead != nullptr) {
        const std::optional<bool> exists =
            ahead->matchExists(clusterId, match.product, match.version, match.component);
        // Known to be new (the look-ahead read the cluster's matches in this transaction) and
        // an id reserved (PostgreSQL): inserted without waiting for the answer. No ON CONFLICT:
        // should the row exist after all, the transaction fails instead of a match reported
        // new twice.
        const std::int64_t id = exists && !*exists ? db_.nextId("match") : 0;
        if (id != 0) {
            Use q(cached("INSERT INTO match (id, cluster_id, product, component, confidence, "
                         "method, reason, advisory, aliases, version, state, created_at, "
                         "verdict, updated_at) VALUES (?12, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                         "'new', ?10, ?11, ?10)"));
            bindMatch(*q, clusterId, match, now).bind(12, id).runLater();
            ahead->noteMatch(clusterId, match.product, match.version, match.component);
            saved.inserted = true;
            saved.id = id;
            return saved;
        }
    }
    // Most matches are new (a registry change, a new advisory): insert first, look only when
    // the row exists.
    // Known to exist: no insert to try first.
    const bool known =
        ahead != nullptr && ahead->matchExists(clusterId, match.product, match.version,
                                               match.component) == std::optional<bool>(true);
    if (const std::int64_t id = known ? 0 : insertMatchRow(clusterId, match, now); id != 0) {
        if (ahead != nullptr) {
            ahead->noteMatch(clusterId, match.product, match.version, match.component);
        }
        saved.inserted = true;
        saved.id = id;
        return saved;
    }
    {
        Use q(cached("SELECT id, verdict, confidence FROM match WHERE cluster_id = ?1 AND "
                     "product = ?2 AND version = ?3 AND component = ?4"));
        q->bind(1, clusterId)
            .bind(2, match.product)
            .bind(3, match.version)
            .bind(4, match.component);
        if (!q->step()) {
            return saved; // cannot happen: the insert just met this row
        }
        saved.id = q->integer(0);
        const std::string verdict = q->text(1);
        const int confidence = static_cast<int>(q->integer(2));
        if ((match.verdict == "needs-review" && verdict != "needs-review") ||
            (match.verdict == verdict && match.confidence == confidence)) {
            return saved;
        }
        saved.changed = true;
        saved.previousVerdict = verdict;
    }
    Use q(cached("UPDATE match SET verdict = ?2, method = ?3, confidence = ?4, reason = ?5, "
                 "advisory = ?6, aliases = ?7, updated_at = ?8 WHERE id = ?1"));
    q->bind(1, saved.id)
        .bind(2, match.verdict)
        .bind(3, match.method)
        .bind(4, match.confidence)
        .bind(5, match.reason)
        .bind(6, match.advisory)
        .bind(7, encodeList(match.aliases))
        .bind(8, now)
        .run();
    return saved;
}

std::vector<MatchRow> Store::matches(const std::string& productFilter) {
    static constexpr std::string_view all =
        "SELECT id, cluster_id, advisory, aliases, product, version, component, confidence, "
        "method, reason, state, created_at, verdict FROM match ORDER BY id";
    static constexpr std::string_view one =
        "SELECT id, cluster_id, advisory, aliases, product, version, component, confidence, "
        "method, reason, state, created_at, verdict FROM match WHERE product = ?1 ORDER BY id";
    Use q(cached(productFilter.empty() ? all : one));
    if (!productFilter.empty()) {
        q->bind(1, productFilter);
    }
    std::vector<MatchRow> rows;
    while (q->step()) {
        rows.push_back(matchRow(*q));
    }
    return rows;
}

std::vector<MatchRow> Store::matchesAfter(const std::string& productFilter, std::int64_t afterId,
                                          int limit) {
    // By id from the primary key (all) or from match_product, whose entries end with the id.
    static constexpr std::string_view all =
        "SELECT id, cluster_id, advisory, aliases, product, version, component, confidence, "
        "method, reason, state, created_at, verdict FROM match WHERE id > ?1 ORDER BY id "
        "LIMIT ?2";
    static constexpr std::string_view one =
        "SELECT id, cluster_id, advisory, aliases, product, version, component, confidence, "
        "method, reason, state, created_at, verdict FROM match WHERE id > ?1 AND product = ?3 "
        "ORDER BY id LIMIT ?2";
    // Every parameter is used (PostgreSQL cannot type one that is not).
    Use q(cached(productFilter.empty() ? all : one));
    q->bind(1, afterId).bind(2, limit);
    if (!productFilter.empty()) {
        q->bind(3, productFilter);
    }
    std::vector<MatchRow> rows;
    while (q->step()) {
        rows.push_back(matchRow(*q));
    }
    return rows;
}

std::vector<MatchRow> Store::matchesOfCluster(std::int64_t clusterId) {
    Use q(cached(
        "SELECT id, cluster_id, advisory, aliases, product, version, component, "
        "confidence, method, reason, state, created_at, verdict FROM match WHERE cluster_id = ?1 "
        "ORDER BY id"));
    q->bind(1, clusterId);
    std::vector<MatchRow> rows;
    while (q->step()) {
        rows.push_back(matchRow(*q));
    }
    return rows;
}

// --- the delivery lease ---------------------------------------------------------------------

bool Store::takeDeliveryLease(const std::string& holder, std::int64_t now, std::int64_t ttl,
                              bool force) {
    Use q(cached("INSERT INTO delivery_lease (id, holder, expires_at) VALUES (1, ?1, ?2 + ?3) "
                 "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, "
                 "expires_at = excluded.expires_at WHERE delivery_lease.holder = excluded.holder "
                 "OR delivery_lease.expires_at <= ?2 OR ?4 <> 0"));
    q->bind(1, holder).bind(2, now).bind(3, ttl).bind(4, force ? 1 : 0).run();
    return db_.changes() > 0;
}

void Store::releaseDeliveryLease(const std::string& holder) {
    Use q(cached("DELETE FROM delivery_lease WHERE holder = ?1"));
    q->bind(1, holder).run();
}

std::optional<Store::DeliveryLease> Store::deliveryLease() {
    Use q(cached("SELECT holder, expires_at FROM delivery_lease WHERE id = 1"));
    if (!q->step()) {
        return std::nullopt;
    }
    return DeliveryLease{q->text(0), q->integer(1)};
}

// --- outbox and deliveries -----------------------------------------------------------------

namespace {

/// `text` with each ill-formed UTF-8 sequence replaced by U+FFFD. A receiver's reply is bytes
/// from the network (an HTTP body cut at a length, an error page in another charset):
/// PostgreSQL's text refuses ill-formed UTF-8, so the attempt could not be recorded, and in
/// SQLite it is bytes no JSON output or page can carry.
std::string wellFormedUtf8(std::string_view text) {
    if (isWellFormedUtf8(text)) {
        return std::string(text);
    }
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80                    ? 1
                                   : lead >= 0xC2 && lead <= 0xDF ? 2
                                   : lead >= 0xE0 && lead <= 0xEF ? 3
                                   : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                                  : 0;
        if (length > 0 && i + length <= text.size() && isWellFormedUtf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++i;
        }
    }
    return out;
}

} // namespace

std::int64_t Store::enqueue(const OutMessage& message, std::int64_t dueAt) {
    return enqueue(message, dueAt, systemNow());
}

std::int64_t Store::enqueue(const OutMessage& message, std::int64_t dueAt, std::int64_t now) {
    if (message.idempotencyKey.empty()) {
        throw StoreError("outbox message for " + message.notifier + " has no idempotency key");
    }
    Use q(cached(
        "INSERT INTO outbox (notifier, recipient, subject, text, payload, "
        "idempotency_key, due_at, state, attempts, last_reply, created_at, updated_at, "
        "thread, html) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, '', ?8, ?8, ?9, ?10) "
        "ON CONFLICT (idempotency_key) DO NOTHING"));
    q->bind(1, message.notifier)
        .bind(2, message.recipient)
        .bind(3, message.subject)
        .bind(4, message.text)
        .bind(5, message.payload)
        .bind(6, message.idempotencyKey)
        .bind(7, dueAt)
        .bind(8, now)
        .bind(9, message.thread)
        .bind(10, message.html)
        .run();
    return db_.changes() > 0 ? db_.lastInsertId() : 0;
}

std::vector<OutMessage> Store::dueMessages(std::int64_t now, int limit) {
    Use q(cached("SELECT id, notifier, recipient, subject, text, payload, idempotency_key, "
                 "thread, html FROM outbox WHERE state = 'pending' AND due_at <= ?1 "
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
        m.thread = q->text(7);
        m.html = q->text(8);
        messages.push_back(std::move(m));
    }
    return messages;
}

namespace {

void requireOne(const Database& db, std::int64_t id) {
    if (db.changes() != 1) {
        throw StoreError("no outbox message with id " + std::to_string(id) + " in database " +
                         db.path());
    }
}

} // namespace

void Store::recordAttempt(std::int64_t id, const char* update, const std::string& reply,
                          std::int64_t now, bool ok, std::int64_t nextDue) {
    WriteScope scope(db_, "record_attempt");
    // Notifiers redact what they return; this is the last guard before the ledger.
    const std::string safeReply = wellFormedUtf8(redactSecrets(reply));
    {
        // ?1 id, ?2 reply, ?3 now, and ?4 the next due time for retries (nextDue >= 0)
        Use q(cached(update));
        q->bind(1, id).bind(2, safeReply).bind(3, now);
        if (nextDue >= 0) {
            q->bind(4, nextDue);
        }
        q->run();
        requireOne(db_, id);
    }
    {
        Use q(cached("INSERT INTO delivery (outbox_id, at, ok, reply) VALUES (?1, ?2, ?3, ?4)"));
        q->bind(1, id).bind(2, now).bind(3, ok ? 1 : 0).bind(4, safeReply).run();
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

void Store::markPostponed(std::int64_t id, const std::string& reply, std::int64_t nextDue,
                          std::int64_t now) {
    recordAttempt(id,
                  "UPDATE outbox SET due_at = ?4, last_reply = ?2, updated_at = ?3 WHERE id = ?1",
                  reply, now, false, nextDue);
}

void Store::markDead(std::int64_t id, const std::string& reply, std::int64_t now) {
    recordAttempt(id,
                  "UPDATE outbox SET state = 'dead', attempts = attempts + 1, "
                  "last_reply = ?2, updated_at = ?3 WHERE id = ?1",
                  reply, now, false, -1);
}

int Store::postponeDue(const std::string& notifier, const std::string& reply, std::int64_t nextDue,
                       std::int64_t now) {
    Use q(cached("UPDATE outbox SET due_at = ?3, last_reply = ?2, updated_at = ?4 "
                 "WHERE notifier = ?1 AND state = 'pending' AND due_at <= ?4"));
    q->bind(1, notifier).bind(2, redactSecrets(reply)).bind(3, nextDue).bind(4, now).run();
    return db_.changes();
}

int Store::makeDueNow(const std::string& notifier, std::int64_t now) {
    Use q(cached("UPDATE outbox SET due_at = ?2, updated_at = ?2 "
                 "WHERE notifier = ?1 AND state = 'pending' AND due_at > ?2"));
    q->bind(1, notifier).bind(2, now).run();
    return db_.changes();
}

std::vector<OutboxRow> Store::outboxRows(const std::string& state, int limit) {
    Use q(cached("SELECT id, notifier, recipient, subject, state, attempts, last_reply, due_at, "
                 "created_at, updated_at FROM outbox WHERE ?1 = '' OR state = ?1 "
                 "ORDER BY id DESC LIMIT ?2"));
    q->bind(1, state).bind(2, limit);
    std::vector<OutboxRow> rows;
    while (q->step()) {
        rows.push_back({q->integer(0), q->text(1), q->text(2), q->text(3), q->text(4),
                        static_cast<int>(q->integer(5)), q->text(6), q->integer(7), q->integer(8),
                        q->integer(9)});
    }
    return rows;
}

bool Store::requeue(std::int64_t id, std::int64_t now) {
    Use q(cached("UPDATE outbox SET state = 'pending', attempts = 0, due_at = ?2, "
                 "updated_at = ?2 WHERE id = ?1 AND state != 'pending'"));
    q->bind(1, id).bind(2, now).run();
    return db_.changes() > 0;
}

int Store::attempts(std::int64_t id) {
    Use q(cached("SELECT attempts FROM outbox WHERE id = ?1"));
    q->bind(1, id);
    if (!q->step()) {
        throw StoreError("no outbox message with id " + std::to_string(id) + " in database " +
                         db_.path());
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

// --- digests -------------------------------------------------------------------------------

namespace {

constexpr std::string_view kDigestItemColumns =
    "id, owner, notifier, recipient, item_key, kind, cluster_key, advisory, title, url, score, "
    "product, version, component, method, verdict, confidence, reason, changes, created_at, "
    "coalesce(digest_id, 0)";

DigestItemRow digestItemFrom(const Statement& q) {
    DigestItemRow row;
    row.id = q.integer(0);
    row.owner = q.text(1);
    row.notifier = q.text(2);
    row.recipient = q.text(3);
    row.itemKey = q.text(4);
    row.kind = q.text(5);
    row.clusterKey = q.text(6);
    row.advisory = q.text(7);
    row.title = q.text(8);
    row.url = q.text(9);
    row.score = q.real(10);
    row.product = q.text(11);
    row.version = q.text(12);
    row.component = q.text(13);
    row.method = q.text(14);
    row.verdict = q.text(15);
    row.confidence = static_cast<int>(q.integer(16));
    row.reason = q.text(17);
    row.changes = q.text(18);
    row.createdAt = q.integer(19);
    row.digestId = q.integer(20);
    return row;
}

} // namespace

bool Store::addDigestItem(const DigestItemRow& item) {
    Use q(cached("INSERT INTO digest_item (owner, notifier, recipient, item_key, kind, "
                 "cluster_key, advisory, title, url, score, product, version, component, method, "
                 "verdict, confidence, reason, changes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                 "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
                 "ON CONFLICT (owner, notifier, item_key) DO NOTHING"));
    q->bind(1, item.owner)
        .bind(2, item.notifier)
        .bind(3, item.recipient)
        .bind(4, item.itemKey)
        .bind(5, item.kind)
        .bind(6, item.clusterKey)
        .bind(7, item.advisory)
        .bind(8, item.title)
        .bind(9, item.url)
        .bind(10, item.score)
        .bind(11, item.product)
        .bind(12, item.version)
        .bind(13, item.component)
        .bind(14, item.method)
        .bind(15, item.verdict)
        .bind(16, item.confidence)
        .bind(17, item.reason)
        .bind(18, item.changes)
        .bind(19, item.createdAt)
        .run();
    return db_.changes() > 0;
}

std::vector<PendingDigest> Store::pendingDigests() {
    Use q(cached("SELECT owner, notifier, count(*), min(created_at) FROM digest_item "
                 "WHERE digest_id IS NULL GROUP BY owner, notifier ORDER BY owner, notifier"));
    std::vector<PendingDigest> out;
    while (q->step()) {
        out.push_back({q->text(0), q->text(1), static_cast<int>(q->integer(2)), q->integer(3)});
    }
    return out;
}

std::vector<DigestItemRow> Store::pendingDigestItems(const std::string& owner,
                                                     const std::string& notifier) {
    static const std::string sql = "SELECT " + std::string(kDigestItemColumns) +
                                   " FROM digest_item WHERE owner = ?1 AND notifier = ?2 AND "
                                   "digest_id IS NULL ORDER BY id";
    Use q(cached(sql));
    q->bind(1, owner).bind(2, notifier);
    std::vector<DigestItemRow> out;
    while (q->step()) {
        out.push_back(digestItemFrom(*q));
    }
    return out;
}

std::vector<DigestItemRow> Store::digestItems(std::int64_t digestId) {
    static const std::string sql = "SELECT " + std::string(kDigestItemColumns) +
                                   " FROM digest_item WHERE digest_id = ?1 ORDER BY id";
    Use q(cached(sql));
    q->bind(1, digestId);
    std::vector<DigestItemRow> out;
    while (q->step()) {
        out.push_back(digestItemFrom(*q));
    }
    return out;
}

std::int64_t Store::lastDigestEnd(const std::string& owner, const std::string& notifier) {
    Use q(cached("SELECT coalesce(max(period_end), 0) FROM digest WHERE owner = ?1 AND "
                 "notifier = ?2"));
    q->bind(1, owner).bind(2, notifier);
    return q->step() ? q->integer(0) : 0;
}

std::int64_t Store::digestOwnerSince(const std::string& owner, const std::string& notifier,
                                     std::int64_t now) {
    {
        Use q(cached("SELECT since FROM digest_owner WHERE owner = ?1 AND notifier = ?2"));
        q->bind(1, owner).bind(2, notifier);
        if (q->step()) {
            return q->integer(0);
        }
    }
    Use insert(cached("INSERT INTO digest_owner (owner, notifier, since) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (owner, notifier) DO NOTHING"));
    insert->bind(1, owner).bind(2, notifier).bind(3, now).run();
    return now;
}

std::int64_t Store::recordDigest(const std::string& owner, const std::string& notifier,
                                 std::int64_t periodEnd, std::int64_t now, std::int64_t outboxId,
                                 const std::vector<std::int64_t>& itemIds) {
    std::int64_t digestId = 0;
    {
        Use q(cached("INSERT INTO digest (owner, notifier, period_end, created_at, items, "
                     "outbox_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (owner, notifier, period_end) DO NOTHING"));
        q->bind(1, owner)
            .bind(2, notifier)
            .bind(3, periodEnd)
            .bind(4, now)
            .bind(5, static_cast<std::int64_t>(itemIds.size()))
            .bind(6, outboxId)
            .run();
        if (db_.changes() == 0) {
            return 0;
        }
        digestId = db_.lastInsertId();
    }
    for (const std::int64_t itemId : itemIds) {
        Use q(cached("UPDATE digest_item SET digest_id = ?1 WHERE id = ?2 AND digest_id IS NULL"));
        q->bind(1, digestId).bind(2, itemId).run();
        if (db_.changes() != 1) {
            throw StoreError("digest item " + std::to_string(itemId) +
                             " is covered by another digest already");
        }
    }
    return digestId;
}

std::vector<DigestRow> Store::digests(int limit) {
    Use q(cached("SELECT d.id, d.owner, d.notifier, d.period_end, d.created_at, d.items, "
                 "d.outbox_id, coalesce(o.state, '') FROM digest d LEFT JOIN outbox o ON "
                 "o.id = d.outbox_id ORDER BY d.id DESC LIMIT ?1"));
    q->bind(1, limit);
    std::vector<DigestRow> out;
    while (q->step()) {
        DigestRow row;
        row.id = q->integer(0);
        row.owner = q->text(1);
        row.notifier = q->text(2);
        row.periodEnd = q->integer(3);
        row.createdAt = q->integer(4);
        row.items = static_cast<int>(q->integer(5));
        row.outboxId = q->integer(6);
        row.state = q->text(7);
        out.push_back(std::move(row));
    }
    return out;
}

// --- audit ---------------------------------------------------------------------------------

void Store::logEvent(const std::string& kind, const std::string& text, std::int64_t now) {
    AuditEvent event;
    event.kind = kind;
    event.at = now;
    event.text = text;
    appendEvent(event); // store/audit.cpp
}

#undef VW_RETURNING_ID

} // namespace vw
