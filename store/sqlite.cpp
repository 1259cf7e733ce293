#include "store/sqlite.h"

#include "store/postgres.h"

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <sqlite3.h>
#include <thread>
#include <utility>

namespace vw {

namespace {

/// SQL quoted in error messages, shortened so a migration script does not flood the log.
std::string excerpt(std::string_view sql) {
    constexpr std::size_t maxLength = 200;
    if (sql.size() <= maxLength) {
        return std::string(sql);
    }
    return std::string(sql.substr(0, maxLength)) + "…";
}

std::string errorText(sqlite3* db) {
    return db != nullptr ? sqlite3_errmsg(db) : "out of memory";
}

/// "database /var/lib/vulnwatch/vulnwatch.db: " — every error names the file it is about, as
/// SQLite knows it (absolute); "(in memory)" for an in-memory or temporary database.
std::string where(sqlite3* db) {
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    return "database " + std::string(file != nullptr && *file != '\0' ? file : "(in memory)") +
           ": ";
}

/// SQL that may begin or end a transaction or roll back to a savepoint: it names BEGIN,
/// COMMIT, END or ROLLBACK as a word (ASCII, any case). Errs on the side of yes.
bool marksTransaction(std::string_view sql) {
    std::size_t at = 0;
    while (at < sql.size()) {
        while (at < sql.size() && std::isalpha(static_cast<unsigned char>(sql[at])) == 0) {
            ++at;
        }
        const std::size_t start = at;
        while (at < sql.size() &&
               (std::isalnum(static_cast<unsigned char>(sql[at])) != 0 || sql[at] == '_')) {
            ++at;
        }
        const std::size_t length = at - start;
        if (length < 3 || length > 8) {
            continue;
        }
        char word[9] = {};
        for (std::size_t i = 0; i < length; ++i) {
            word[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(sql[start + i])));
        }
        const std::string_view w(word, length);
        if (w == "BEGIN" || w == "COMMIT" || w == "END" || w == "ROLLBACK") {
            return true;
        }
    }
    return false;
}

} // namespace

void prepareSqlite() {
    static const bool done = [] {
        // With SQLite's default (statistics on), each sqlite3Malloc and sqlite3_free locked a
        // global mutex and updated counters: 1.6 million lock/unlock pairs for a 10,000-entry
        // VULDEF file, about 6% of the storing thread's instructions (callgrind,
        // docs/performance.md). SQLITE_MISUSE once SQLite is initialized: nothing to do then.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    static_cast<void>(done);
}

namespace {
/// Before main(): a program's first connection may be opened by code that does not go through
/// Database (a test's raw sqlite3_open_v2).
const bool kSqlitePrepared = (prepareSqlite(), true);
} // namespace

// --- Database ----------------------------------------------------------------------------

Database::Database(const std::string& path) : path_(path) {
    prepareSqlite();
    sqlite3* db = nullptr;
    // NOMUTEX: a connection is used by one thread at a time (see Store), so SQLite's per-call
    // locking is not needed (it was 6% of a bulk import's storing thread).
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = errorText(db);
        sqlite3_close_v2(db); // a handle is returned even on failure (or null: no-op)
        throw StoreError("cannot open database " + path + ": " + message);
    }
    db_ = db;
    sqlite3_extended_result_codes(db_, 1);
}

Database Database::openPostgres(const std::string& url, const std::string& password,
                                const std::string& searchPath) {
    Database db;
    db.pg_ = pg::connect(url, password, searchPath);
    db.path_ = db.pg_->display;
    return db;
}

Database::~Database() {
    if (db_ != nullptr) {
        sqlite3_close_v2(db_);
    }
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), pg_(std::move(other.pg_)),
      path_(std::move(other.path_)), marks_(std::move(other.marks_)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        if (db_ != nullptr) {
            sqlite3_close_v2(db_);
        }
        db_ = std::exchange(other.db_, nullptr);
        pg_ = std::move(other.pg_);
        path_ = std::move(other.path_);
        marks_ = std::move(other.marks_);
    }
    return *this;
}

void Database::dropSchemaOnClose(const std::string& schema) {
    if (pg_) {
        pg_->dropSchemaOnClose = schema;
    }
}

bool Database::inTransaction() const {
    return pg_ ? pg::inTransaction(*pg_) : sqlite3_get_autocommit(db_) == 0;
}

void Database::noteMarks(std::string_view sql) {
    if (marks_ && marksTransaction(sql)) {
        ++*marks_;
    }
}

void Database::beginWrite() {
    if (pg_) {
        noteMarks("BEGIN");
        // One lock per schema (one store): stores side by side in a database do not wait for
        // each other. hashtext() is stable across servers of one major version.
        try {
            pg::exec(*pg_, "BEGIN; SELECT pg_advisory_xact_lock(hashtext('vulnwatch.write.' || "
                           "current_schema()))");
        } catch (...) {
            // The lock wait failed after BEGIN (lock_timeout): without this rollback the
            // connection would stay in an aborted transaction refusing every statement.
            if (pg::inTransaction(*pg_)) {
                execQuietly("ROLLBACK");
            }
            throw;
        }
        pg::beginWrite(*pg_);
        return;
    }
    exec("BEGIN IMMEDIATE");
}

void Database::beginRead() {
    exec(pg_ ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN");
}

void Database::execQuietly(std::string_view sql) noexcept {
    try {
        noteMarks(sql);
        if (pg_) {
            pg::syncQuietly(*pg_); // queued writes are moot: the caller is rolling back
            pg::exec(*pg_, pg::translate(sql));
        } else {
            const std::string text(sql);
            sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
        }
    } catch (...) { // NOLINT(bugprone-empty-catch): the caller is already unwinding
    }
}

void Database::execNative(std::string_view sql) {
    if (pg_) {
        noteMarks(sql);
        pg::exec(*pg_, sql);
        return;
    }
    exec(sql);
}

void Database::exec(std::string_view sql) {
    noteMarks(sql);
    if (pg_) {
        pg::exec(*pg_, pg::translate(sql));
        return;
    }
    // sqlite3_exec needs a NUL-terminated string.
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error != nullptr ? error : errorText(db_);
        sqlite3_free(error);
        throw StoreError(where(db_) + message + " (in: " + excerpt(sql) + ")");
    }
}

Statement Database::prepare(std::string_view sql) {
    Statement statement = pg_ ? Statement(*pg_, sql) : Statement(db_, sql);
    if (marks_ && marksTransaction(sql)) {
        statement.marks_ = marks_.get();
    }
    return statement;
}

std::int64_t Database::lastInsertId() const {
    if (pg_) {
        Statement last(*pg_, "SELECT lastval()");
        return last.step() ? last.integer(0) : 0;
    }
    return sqlite3_last_insert_rowid(db_);
}

std::int64_t Database::nextId(std::string_view table) {
    return pg_ ? pg::nextId(*pg_, table) : 0;
}

void Database::ownIdGiven(std::string_view table) {
    if (pg_) {
        pg::forgetIds(*pg_, table);
    }
}

int Database::changes() const {
    if (pg_) {
        pg::sync(*pg_); // the count of the last statement answered
        return pg_->changes;
    }
    return sqlite3_changes(db_);
}

// --- Statement ---------------------------------------------------------------------------

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw StoreError(where(db_) + "SQL text too long");
    }
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, &tail);
    if (rc != SQLITE_OK) {
        throw StoreError(where(db_) + errorText(db_) + " (preparing: " + excerpt(sql) + ")");
    }
    if (stmt_ == nullptr) {
        throw StoreError(where(db_) + "no statement in SQL: " + excerpt(sql));
    }
}

Statement::Statement(pg::Connection& connection, std::string_view sql)
    : pg_(std::make_unique<pg::Stmt>(connection, sql)) {}

Statement::~Statement() {
    sqlite3_finalize(stmt_); // no-op for null
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), pg_(std::move(other.pg_)),
      marks_(other.marks_) {}

namespace {

[[noreturn]] void throwBindError(sqlite3* db, sqlite3_stmt* stmt, int index) {
    throw StoreError(where(db) + errorText(db) + " (binding parameter " + std::to_string(index) +
                     " of: " + excerpt(sqlite3_sql(stmt)) + ")");
}

} // namespace

Statement& Statement::bind(int index, std::string_view text) {
    if (pg_) {
        pg_->bindText(index, text);
        return *this;
    }
    // An empty view may have a null data pointer, which SQLite would bind as NULL.
    const char* data = text.data() != nullptr ? text.data() : "";
    if (sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
        SQLITE_OK) {
        throwBindError(db_, stmt_, index);
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t number) {
    if (pg_) {
        pg_->bindInt(index, number);
        return *this;
    }
    if (sqlite3_bind_int64(stmt_, index, number) != SQLITE_OK) {
        throwBindError(db_, stmt_, index);
    }
    return *this;
}

Statement& Statement::bind(int index, double number) {
    if (pg_) {
        pg_->bindDouble(index, number);
        return *this;
    }
    if (sqlite3_bind_double(stmt_, index, number) != SQLITE_OK) {
        throwBindError(db_, stmt_, index);
    }
    return *this;
}

Statement& Statement::bindNull(int index) {
    if (pg_) {
        pg_->bindNull(index);
        return *this;
    }
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) {
        throwBindError(db_, stmt_, index);
    }
    return *this;
}

bool Statement::step() {
    if (marks_ != nullptr) {
        ++*marks_;
    }
    if (pg_) {
        return pg_->step();
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    std::string message = errorText(db_);
    sqlite3_reset(stmt_); // leave the statement reusable
    throw StoreError(where(db_) + message + " (running: " + excerpt(sqlite3_sql(stmt_)) + ")");
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::runLater() {
    if (marks_ != nullptr) {
        ++*marks_;
    }
    if (pg_) {
        pg_->queue();
        return;
    }
    run();
}

Statement& Statement::streamed() {
    if (pg_) {
        pg_->stream();
        return *this;
    }
    const char* sql = sqlite3_sql(stmt_);
    std::size_t at = 0;
    while (sql[at] == ' ' || sql[at] == '\n' || sql[at] == '\t' || sql[at] == '\r') {
        ++at;
    }
    std::string first;
    while (std::isalpha(static_cast<unsigned char>(sql[at])) != 0) {
        first += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[at++])));
    }
    if (first != "SELECT" && first != "WITH" && first != "VALUES") {
        throw StoreError(
            where(db_) +
            "only a query (SELECT, WITH, VALUES) can be read in batches: " + excerpt(sql));
    }
    return *this;
}

void Statement::reset() {
    if (pg_) {
        pg_->reset();
        return;
    }
    // The result code repeats the last step's error, which step() has already reported.
    sqlite3_reset(stmt_);
}

void Statement::clearBindings() {
    if (pg_) {
        pg_->clearBindings();
        return;
    }
    sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
    if (pg_) {
        pg_->bindBlob(index, bytes);
        return *this;
    }
    // A zero-length blob, not NULL, for an empty view.
    const int rc = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                                 : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                                       SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) {
        throwBindError(db_, stmt_, index);
    }
    return *this;
}

std::string Statement::blob(int column) const {
    if (pg_) {
        return pg_->blob(column);
    }
    const void* data = sqlite3_column_blob(stmt_, column);
    if (data == nullptr) {
        return {};
    }
    const int size = sqlite3_column_bytes(stmt_, column);
    return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::string Statement::text(int column) const {
    if (pg_) {
        return pg_->text(column); // decodes bytea, which textView refuses
    }
    return std::string(textView(column));
}

std::string_view Statement::textView(int column) const {
    if (pg_) {
        return pg_->textView(column);
    }
    const auto* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) {
        return {};
    }
    const int size = sqlite3_column_bytes(stmt_, column);
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::int64_t Statement::integer(int column) const {
    if (pg_) {
        return pg_->integer(column);
    }
    return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
    if (pg_) {
        return pg_->real(column);
    }
    return sqlite3_column_double(stmt_, column);
}

bool Statement::isNull(int column) const {
    if (pg_) {
        return pg_->isNull(column);
    }
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

struct WalCheckpointer::Impl {
    sqlite3* writer = nullptr;
    std::optional<Database> own; // the thread's connection
    int pages = 0;
    int restartPages = 0;
    int restorePages = 0;
    std::mutex mutex;   // wanted, stop
    std::mutex running; // held by whichever connection is checkpointing
    std::condition_variable wake;
    bool wanted = false;
    bool stop = false;
    std::atomic<int> background{0};
    std::atomic<int> foreground{0};
    std::thread thread;

    /// SQLite's WAL hook, on the writer's thread after each commit: `frames` are in the WAL.
    static int afterCommit(void* arg, sqlite3* db, const char* schema, int frames) {
        auto* self = static_cast<Impl*>(arg);
        if (frames >= self->restartPages) {
            // What the thread has not copied yet is copied now (after the thread's checkpoint,
            // if one is running: two cannot run at once), so the next write transaction finds
            // the WAL all checkpointed and starts it from its beginning.
            std::lock_guard running(self->running);
            int log = 0;
            int done = 0;
            if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
                SQLITE_OK) {
                self->foreground.fetch_add(1, std::memory_order_relaxed);
            }
        } else if (frames >= self->pages) {
            std::lock_guard lock(self->mutex);
            self->wanted = true;
            self->wake.notify_one();
        }
        return SQLITE_OK;
    }

    void run() {
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [&] { return wanted || stop; });
            if (stop) {
                return;
            }
            wanted = false;
            lock.unlock();
            {
                std::lock_guard one(running);
                int log = 0;
                int done = 0;
                // PASSIVE: as much as no reader or writer holds back, never waiting.
                if (sqlite3_wal_checkpoint_v2(own->handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                              &log, &done) == SQLITE_OK) {
                    background.fetch_add(1, std::memory_order_relaxed);
                }
            }
            lock.lock();
        }
    }
};

WalCheckpointer::WalCheckpointer(Database& db, int pages, int restartPages, int restorePages)
    : impl_(std::make_unique<Impl>()) {
    sqlite3* writer = db.handle();
    const char* file = writer != nullptr ? sqlite3_db_filename(writer, "main") : nullptr;
    if (writer == nullptr || file == nullptr || *file == '\0') {
        return; // PostgreSQL, or a database in memory: nothing to checkpoint
    }
    try {
        impl_->own.emplace(file);
        // As the store's connections (Store::open): checkpoints sync the WAL and the file.
        impl_->own->exec("PRAGMA synchronous = NORMAL");
    } catch (const StoreError&) {
        impl_->own.reset();
        return; // the writer checkpoints as before
    }
    impl_->writer = writer;
    impl_->pages = pages;
    impl_->restartPages = restartPages;
    impl_->restorePages = restorePages;
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
    sqlite3_wal_hook(writer, &Impl::afterCommit, impl_.get()); // replaces the automatic one
}

WalCheckpointer::~WalCheckpointer() {
    if (!impl_->own) {
        return;
    }
    sqlite3_wal_autocheckpoint(impl_->writer, impl_->restorePages); // its hook again
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stop = true;
        impl_->wake.notify_one();
    }
    impl_->thread.join();
}

int WalCheckpointer::background() const {
    return impl_->background.load(std::memory_order_relaxed);
}

int WalCheckpointer::foreground() const {
    return impl_->foreground.load(std::memory_order_relaxed);
}

} // namespace vw
