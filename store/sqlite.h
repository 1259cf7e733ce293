// A small RAII layer over the SQLite C API: Database, Statement, StoreError.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace vw {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement;

class Database {
public:
    /// Opens or creates `path` (":memory:" for tests). Throws StoreError naming the path.
    explicit Database(const std::string& path);
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs one or more statements without results. Throws StoreError with the SQL's error.
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

/// A prepared statement. bind() indexes are 1-based; column() indexes 0-based.
class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
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
    /// Rewinds so the statement can run again; bindings are kept. Never throws (a failed
    /// step has already thrown).
    void reset();
    /// Sets every parameter back to NULL.
    void clearBindings();
    std::string text(int column) const;
    /// A BLOB column's bytes ("" for NULL).
    std::string blob(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    bool isNull(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

} // namespace vw
