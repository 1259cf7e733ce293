// A small RAII layer over the database: Database, Statement, StoreError. Two backends: SQLite
// (the C API; the default, one file) and PostgreSQL (libpq; store/postgres.h), with the same
// interface, so the store's queries are written once (docs/storage.md).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace vw {

namespace pg {
struct Connection;
class Stmt;
} // namespace pg

enum class Backend { sqlite, postgresql };

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement;

/// SQLite's process-wide settings, made before its first connection (later calls do nothing):
/// its memory statistics are off, so an allocation or free inside SQLite takes no process-wide
/// mutex (nothing here reads sqlite3_memory_used() or sets a heap limit). Run before main()
/// in every program that links the store, and again by each connection this layer opens.
void prepareSqlite();

class Database {
public:
    /// Opens or creates `path` (":memory:" for tests). Throws StoreError naming the path.
    explicit Database(const std::string& path);
    /// Connects to PostgreSQL: `url` is a libpq connection URL (postgresql://USER@HOST:PORT/DB)
    /// or key=value string; `password` non-empty overrides the URL's (else the URL's, or
    /// ~/.pgpass). `searchPath` non-empty sets the session's search_path. Throws StoreError
    /// naming the URL with any password hidden.
    static Database openPostgres(const std::string& url, const std::string& password = "",
                                 const std::string& searchPath = "");
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs one or more statements without results. Throws StoreError with the SQL's error.
    /// On PostgreSQL the SQL is first rewritten by pg::translate (store/postgres.h).
    void exec(std::string_view sql);
    /// Runs SQL as it is, without the PostgreSQL rewrite (DDL with function bodies).
    void execNative(std::string_view sql);
    Statement prepare(std::string_view sql);
    /// The row id of the last INSERT (PostgreSQL: lastval(), the last identity value given).
    std::int64_t lastInsertId() const;
    /// PostgreSQL, inside beginWrite()'s transaction: the id for the next new row of `table`
    /// (one of the store's tables keyed by an identity column `id`), reserved from its sequence,
    /// so the INSERT names it and need not wait for its answer (Statement::runLater). Else 0:
    /// the INSERT lets the table give the id (SQLite: NULL for the rowid) and reads it back.
    std::int64_t nextId(std::string_view table);
    /// An INSERT gave a row of `table` an id of its own choosing: ids nextId() reserved and
    /// did not hand out yet are dropped (one of them may be that id), the next are taken past it.
    void ownIdGiven(std::string_view table);
    int changes() const;
    /// A transaction (or savepoint) is open on this connection.
    bool inTransaction() const;
    /// Opens a write transaction that excludes every other writer of the store until it ends,
    /// as SQLite's BEGIN IMMEDIATE does: on PostgreSQL, BEGIN plus a transaction-level advisory
    /// lock on the store's schema (docs/storage.md), so read-then-write code behaves the same.
    void beginWrite();
    /// Opens a read transaction with one snapshot for all its statements (PostgreSQL:
    /// REPEATABLE READ; SQLite: BEGIN, whose snapshot starts at the first read).
    void beginRead();
    /// Runs SQL and ignores any error: for rollbacks in destructors.
    void execQuietly(std::string_view sql) noexcept;
    /// How many statements that may begin or end a transaction, or roll back to a savepoint
    /// (SQL naming BEGIN, COMMIT, END or ROLLBACK), ran on this connection: a value read inside
    /// a transaction is still what the database holds while this count and inTransaction()
    /// stay the same and only the reader writes it (Store's audit head, store/audit.cpp).
    std::uint64_t transactionMarks() const { return marks_ ? *marks_ : 0; }
    Backend backend() const { return pg_ ? Backend::postgresql : Backend::sqlite; }
    bool isPostgres() const { return pg_ != nullptr; }
    /// The SQLite handle (nullptr on PostgreSQL).
    sqlite3* handle() const { return db_; }
    /// The SQLite file, or the PostgreSQL URL with any password hidden.
    const std::string& path() const { return path_; }
    /// PostgreSQL: drop `schema` (with everything in it) when this connection closes — the
    /// test redirect's in-memory stores (Store::open).
    void dropSchemaOnClose(const std::string& schema);

private:
    Database() = default;

    void noteMarks(std::string_view sql);

    sqlite3* db_ = nullptr;
    std::unique_ptr<pg::Connection> pg_;
    std::string path_;
    /// transactionMarks(); on the heap so that a Statement's pointer to it survives a move.
    std::unique_ptr<std::uint64_t> marks_ = std::make_unique<std::uint64_t>(0);
};

/// A prepared statement. bind() indexes are 1-based; column() indexes 0-based.
class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    Statement(pg::Connection& connection, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t number);
    Statement& bind(int index, int number) {
        return bind(index, static_cast<std::int64_t>(number));
    }
    Statement& bind(int index, double number);
    /// Binds `bytes` as a BLOB (not text: NULs and invalid UTF-8 kept as they are).
    Statement& bindBlob(int index, std::string_view bytes);
    Statement& bindNull(int index);
    /// A row id, or NULL for 0 (SQLite never gives a row the id 0 by itself).
    Statement& bindIdOrNull(int index, std::int64_t rowId) {
        return rowId != 0 ? bind(index, rowId) : bindNull(index);
    }
    /// Steps once: true while a row is available.
    bool step();
    /// Steps until done (for INSERT/UPDATE/DELETE).
    void run();
    /// run() for a write whose rows and row count nobody reads. On PostgreSQL inside a
    /// transaction it is sent without waiting for the server (pipeline mode): its error, if
    /// any, is thrown by the next statement that waits for an answer — a read, an exec, the
    /// commit — and the transaction fails as a whole, as with run(). Never between a write and
    /// code that catches that write's error. SQLite: run().
    void runLater();
    /// For a query over a whole table (a full pass): PostgreSQL reads its rows in batches
    /// through a cursor instead of holding the whole result in memory (docs/storage.md,
    /// "Streamed reads"); SQLite reads row by row anyway. Call before the first step(); it
    /// stays for later runs. Only for queries (SELECT, WITH, VALUES): else StoreError.
    Statement& streamed();
    /// Rewinds so the statement can run again; bindings are kept. Never throws (a failed
    /// step has already thrown).
    void reset();
    /// Sets every parameter back to NULL.
    void clearBindings();
    std::string text(int column) const;
    /// A TEXT column's bytes without a copy ("" for NULL), valid until the next step(),
    /// reset() or the statement's end. Not for a BLOB/bytea column (std::logic_error on
    /// PostgreSQL, which decodes those: use text()).
    std::string_view textView(int column) const;
    /// A BLOB column's bytes ("" for NULL).
    std::string blob(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    bool isNull(int column) const;

private:
    friend class Database;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    std::unique_ptr<pg::Stmt> pg_;
    /// Database::transactionMarks()'s count, for a statement that may begin or end one.
    std::uint64_t* marks_ = nullptr;
};

/// For a bulk write on one SQLite file connection (`vulnwatch import`): the WAL is copied back
/// into the database by a thread and connection of its own instead of by the writer after its
/// commits (SQLite's automatic checkpoint, a quarter of the storing thread's time on the full
/// history, perf). After a commit that leaves `pages` or more in the WAL the thread runs a
/// PASSIVE checkpoint (it never waits for the writer); once the WAL reaches `restartPages` the
/// writer checkpoints what is left itself, so the next transaction starts the WAL afresh (a
/// writer that never pauses would otherwise keep growing it). The connection's automatic
/// checkpoint is off meanwhile and set back to `restorePages` at the end. Nothing is done on
/// PostgreSQL or for a database without a file.
class WalCheckpointer {
public:
    WalCheckpointer(Database& db, int pages, int restartPages, int restorePages);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    /// Checkpoints run by the thread so far, and by the writer.
    int background() const;
    int foreground() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace vw
