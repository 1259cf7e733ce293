// The PostgreSQL side of the store's database layer (store/sqlite.h): a libpq connection and
// statement that behave like their SQLite counterparts, and the mechanical rewrite of the
// application's SQL into PostgreSQL's dialect. Used through Database and Statement only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace vw::pg {

/// The mechanical differences between the two dialects, applied to every statement sent to
/// PostgreSQL (docs/storage.md, "One SQL for both"):
///   `?` and `?N` parameters → `$N`;
///   `INSERT OR IGNORE INTO …` → `INSERT INTO … ON CONFLICT DO NOTHING` (before any RETURNING);
///   `BEGIN IMMEDIATE` / `BEGIN EXCLUSIVE` → `BEGIN`;
///   `LIKE` → `ILIKE` (SQLite's LIKE ignores ASCII case);
///   `temp.` → `pg_temp.` (the connection's temporary tables);
///   the column name `user` → `"user"` (reserved in PostgreSQL);
///   the planner hint `NOT INDEXED` is dropped.
/// String literals, quoted identifiers and comments are left alone. `parameters` receives the
/// highest parameter number used.
/// `used`, when given, receives which parameter numbers (index number - 1) the SQL names.
std::string translate(std::string_view sql, int* parameters = nullptr,
                      std::vector<bool>* used = nullptr);

/// The URL as shown in messages: the password, if the URL carries one, replaced by "***".
std::string redactUrl(std::string_view url);

struct Connection {
    pg_conn* conn = nullptr;
    std::string display; // redacted URL, for messages
    int changes = 0;     // rows changed by the last INSERT/UPDATE/DELETE
    std::uint64_t nextStatement = 0;
    /// A schema dropped when the connection closes (the test redirect's in-memory stores).
    std::string dropSchemaOnClose;
    ~Connection();
};

/// Connects (libpq conninfo URL or key=value string); `password` overrides the URL's.
/// `searchPath` non-empty: SET search_path to it. Throws StoreError naming the URL (redacted).
std::unique_ptr<Connection> connect(const std::string& url, const std::string& password,
                                    const std::string& searchPath = "");

/// Runs one or more statements without parameters (translated). Throws StoreError.
void exec(Connection& c, std::string_view sql);

/// PQtransactionStatus is not idle.
bool inTransaction(const Connection& c);

/// A statement: parameters bound as text (untyped, so PostgreSQL infers them), int8, float8 or
/// bytea; executed at the first step(); rows read in text format.
class Stmt {
public:
    Stmt(Connection& c, std::string_view sql);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    void bindText(int index, std::string_view text);
    void bindInt(int index, std::int64_t number);
    void bindDouble(int index, double number);
    void bindBlob(int index, std::string_view bytes);
    void bindNull(int index);
    bool step();
    void reset();
    void clearBindings();
    std::string text(int column) const;
    std::string blob(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    bool isNull(int column) const;
    const std::string& sql() const { return sql_; }

private:
    void execute();
    void slot(int index);
    void keepUnusedText(int index);

    Connection& c_;
    std::string sql_;
    std::vector<std::optional<std::string>> values_;
    std::vector<unsigned> types_;
    std::vector<int> formats_;
    std::vector<int> unused_; // parameter indexes (0-based) the SQL never names
    pg_result* result_ = nullptr;
    int row_ = -1;
    int rows_ = 0;
    bool executed_ = false;
    int runs_ = 0;
    std::string prepared_; // server-side statement name once it ran twice
    std::vector<unsigned> preparedTypes_;
};

} // namespace vw::pg
