// The PostgreSQL side of the store's database layer (store/sqlite.h): a libpq connection and
// statement that behave like their SQLite counterparts, and the mechanical rewrite of the
// application's SQL into PostgreSQL's dialect. Used through Database and Statement only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
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
    /// Pipeline mode (Stmt::queue): the SQL of each command sent and not yet answered, in
    /// order (a PQsendPrepare counts as one). Empty: pipeline mode is off.
    std::vector<std::string> queued;
    /// A write transaction (Database::beginWrite) is open: ids may be reserved (nextId).
    bool writing = false;
    /// Ids taken from a table's sequence for this write transaction, and how many were used.
    struct Reserved {
        std::vector<std::int64_t> ids;
        std::size_t used = 0;
    };
    std::map<std::string, Reserved, std::less<>> reserved;
    /// Commands sent (exec, a statement's run or queue): a streamed read knows by it whether
    /// anything ran since its last fetch (Stmt::closeCursor).
    std::uint64_t commands = 0;
    /// Cursors WITH HOLD a streamed read left open while the transaction had failed: closed by
    /// the next streamed read outside a transaction (else they go with the session).
    std::vector<std::string> strayCursors;
    /// Prepared forms sent in the pipeline (PQsendPrepare): the index of the command in
    /// `queued`, and the form's name.
    std::vector<std::pair<std::size_t, std::string>> queuedPrepares;
    /// Forms whose PQsendPrepare never ran or failed (the pipeline aborted before it): their
    /// statements forget them (Stmt::preparedName) and prepare again, instead of executing a
    /// name the server does not know for the rest of the session.
    std::set<std::string, std::less<>> lostPrepares;
    ~Connection();
};

/// Commands sent by Stmt::queue() and not yet answered are answered now: one sync, every
/// result read. Throws StoreError with the first failed command's error and SQL (the commands
/// after it were not run; the transaction is aborted, as after any failed statement).
/// Every other operation on the connection calls it first.
void sync(Connection& c);
/// sync() that ignores any error (for rollbacks in destructors).
void syncQuietly(Connection& c) noexcept;

/// The id of the next new row of `table` (a table of the store whose key is an identity column
/// `id`), taken from the table's sequence in blocks while a write transaction is open, so an
/// INSERT can name its id and need not wait for `RETURNING id`; 0 outside a write transaction
/// (the caller lets the table give the id). Ids a block leaves unused are given back at the
/// commit (endWrite), so ids stay consecutive as SQLite's are.
std::int64_t nextId(Connection& c, std::string_view table);
/// A write transaction (Database::beginWrite) began: ids may be reserved (nextId).
void beginWrite(Connection& c);
/// An INSERT gave a row of `table` an id of its own: the ids reserved and not handed out yet
/// are dropped (one of them may be that id).
void forgetIds(Connection& c, std::string_view table);
/// Ends the write transaction's reservations: before a COMMIT (`commit`), the sequences of the
/// tables with unused ids are set back to the last id used, where no other session took an id
/// since; after a ROLLBACK (not `commit`) they are forgotten. exec() and a prepared COMMIT or
/// ROLLBACK call it.
void endWrite(Connection& c, bool commit);

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
    /// Runs the statement without waiting for its answer when the connection is inside a
    /// transaction (libpq pipeline mode): it is sent, and its result, or its error, is read at
    /// the next sync() — before the next statement that reads rows, any exec(), changes(), the
    /// commit. For INSERT/UPDATE/DELETE whose row count and rows nobody reads. Outside a
    /// transaction, or in a failed one, it runs as step() does.
    void queue();
    /// Reads the rows in batches of kStreamRows through a server-side cursor instead of one
    /// result holding them all (docs/storage.md, "Streamed reads"): for a query over a whole
    /// table. Kept across reset(); a statement that is not a query (SELECT, WITH, VALUES) is
    /// refused. Inside a transaction the cursor lives in it (other statements may run between
    /// the steps; ending the transaction ends the read); outside one it is WITH HOLD (the
    /// server keeps the result until the read ends; any statements may run between the steps).
    void stream();
    void reset();
    void clearBindings();
    std::string text(int column) const;
    /// text() without a copy, valid until the next step or reset; not for bytea.
    std::string_view textView(int column) const;
    std::string blob(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    bool isNull(int column) const;
    const std::string& sql() const { return sql_; }

    /// Rows a streamed read fetches at a time.
    static constexpr int kStreamRows = 2000;

private:
    void execute();
    /// Streamed: declares the cursor and fetches the first batch (one round trip, after any
    /// queued commands).
    void open();
    /// Streamed: the next batch into result_ (after any queued commands).
    void fetch();
    /// Sends `command` in pipeline mode, with the bound values if `bound`; errors name sql_.
    void sendCommand(const std::string& command, bool bound);
    /// Reads the answers up to the sync, the batch last: into result_. Throws the first error.
    void takeBatch();
    /// Streamed: closes the cursor if it is open. Never throws.
    void closeCursor() noexcept;
    /// The name of a prepared form for the types bound now, preparing one if the statement
    /// has run before (in the pipeline if `pipelined`); nullptr: run it unnamed.
    const std::string* preparedName(bool pipelined);
    /// The bound values as libpq takes them (pointers into values_).
    void arguments(std::vector<const char*>& values, std::vector<int>& lengths) const;
    /// Sends the statement in pipeline mode (PQsendPrepare first at its second run).
    void send();
    /// Enters pipeline mode if needed and counts the command (before a send).
    void startSending();
    /// Throws the error of a failed send, after syncing what was queued.
    [[noreturn]] void sendFailed();
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
    int ends_ = 0; // 1: the SQL is COMMIT, 2: ROLLBACK (endWrite before it runs)
    /// Server-side prepared forms (from the second run): name and the parameter types.
    struct Prepared {
        std::string name;
        std::vector<unsigned> types;
    };
    std::vector<Prepared> prepared_;
    bool streamed_ = false;
    std::string cursor_;                // the open cursor of a streamed read ("": none)
    bool hold_ = false;                 // cursor_ is WITH HOLD (declared outside a transaction)
    std::uint64_t commandsAtFetch_ = 0; // c_.commands after the last fetch
};

} // namespace vw::pg
