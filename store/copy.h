// Moving a SQLite store into PostgreSQL (issue 17 part 5; `vulnwatch store copy`,
// docs/operations.md "Moving to PostgreSQL"): every table of an up-to-date SQLite store copied,
// ids, blobs and the audit trail's hash chain kept as they are, into an empty PostgreSQL store in
// one transaction (all or nothing), then checked: the row count of every table and the audit
// chain's head on both sides, and the copy's chain walked.
//
// The pure part — which tables and columns, in which order, and the SQL that inserts them —
// works on the two catalogs as read (sqlite_master / PRAGMA table_xinfo and
// information_schema), so the two schemas drifting apart is found before anything is written.
#pragma once

#include "store/audit.h"
#include "store/sqlite.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vw {

class Store;

/// One column as a catalog describes it (generated columns are left out when read).
struct CopyColumn {
    std::string name;
    /// PostgreSQL: the type a value is cast to on insert ("bigint", "text", "bytea", …);
    /// SQLite: the declared type (informative).
    std::string type;
    /// PostgreSQL: GENERATED ALWAYS AS IDENTITY (an INSERT that gives the ids needs
    /// OVERRIDING SYSTEM VALUE).
    bool identityAlways = false;
    /// PostgreSQL: an identity or serial column whose sequence is set past the highest id
    /// copied.
    bool sequence = false;
};

/// One table as a catalog describes it.
struct CopyTableSchema {
    std::string name;
    std::vector<CopyColumn> columns;
    /// The tables its foreign keys name (PostgreSQL; the copy's order).
    std::vector<std::string> references;
    /// SQLite: a full-text (FTS5) table: its rowid is copied too, into the one integer column
    /// the PostgreSQL table has beside the text columns.
    bool fullText = false;
};

/// How one table is copied.
struct TableCopyPlan {
    std::string table;
    /// The SELECT list on SQLite, in the order of `columns` (quoted names; `rowid` for the
    /// full-text table's row id).
    std::vector<std::string> sourceColumns;
    /// The PostgreSQL columns, as the catalog gave them.
    std::vector<CopyColumn> columns;
    /// A table a new store fills by itself (registry_state): its rows in the destination are
    /// replaced by the source's, and it is copied after every other table (the triggers of the
    /// product tables update it).
    bool seeded = false;
    /// ORDER BY on SQLite ("" when the table has no `id`): the audit chain must be inserted in
    /// sequence order.
    std::string orderBy;
};

/// Every table in foreign-key order (a table after those it references; seeded tables last),
/// or the ways the schemas disagree.
struct CopyPlan {
    std::vector<TableCopyPlan> tables;
    /// One sentence per disagreement (a table or column one side lacks, a foreign-key cycle);
    /// empty when the copy can go ahead.
    std::vector<std::string> problems;
};

/// The tables a new store fills by itself (Store::open): a destination with rows only in these
/// still counts as empty. tests/unit/store/copy_test.cpp keeps the list true.
const std::vector<std::string>& seededTables();

/// The tables only a PostgreSQL store has, which are not copied (schema_version: SQLite keeps
/// the version in PRAGMA user_version).
const std::vector<std::string>& postgresOnlyTables();

/// Plans the copy from the two catalogs. Tables are matched by name, columns by name within
/// them (case-insensitively); the PostgreSQL column order is used.
CopyPlan planStoreCopy(const std::vector<CopyTableSchema>& sqlite,
                       const std::vector<CopyTableSchema>& postgres);

/// The multi-row INSERT for `rows` rows of `table`: each value `CAST(?N AS type)` so that text
/// parameters become integers, booleans, JSON… as the column wants (N counts row after row).
std::string copyInsertSql(const TableCopyPlan& table, std::size_t rows);

/// Rows per INSERT for a table of `columns` columns: at most 500, and at most 20,000
/// parameters (PostgreSQL takes 65,535).
std::size_t copyBatchRows(std::size_t columns);

/// A SQLite REAL as text PostgreSQL reads back to the same double (shortest round trip).
std::string copyRealText(double value);

/// The tables and columns of a SQLite store: every ordinary table of `main` but SQLite's own
/// and the full-text tables' shadow tables; generated and hidden columns left out.
std::vector<CopyTableSchema> readSqliteSchema(Database& db);

/// The tables of the PostgreSQL store's schema (current_schema()), with their foreign keys;
/// generated columns left out.
std::vector<CopyTableSchema> readPostgresSchema(Database& db);

/// Why a copy was refused or undone.
class StoreCopyError : public StoreError {
public:
    enum class Kind {
        NotPostgres, // the destination is no PostgreSQL store (or the source no SQLite one)
        NotEmpty,    // the destination holds data: `details` = "table: N rows"
        Drift,       // the schemas disagree: `details` = CopyPlan::problems
        Mismatch,    // the copy does not match the source: `details` say where
        AuditBroken, // the copy's audit chain does not verify
    };
    StoreCopyError(Kind kind, const std::string& message, std::vector<std::string> details = {})
        : StoreError(message), kind_(kind), details_(std::move(details)) {}
    Kind kind() const { return kind_; }
    const std::vector<std::string>& details() const { return details_; }

private:
    Kind kind_;
    std::vector<std::string> details_;
};

/// One table copied.
struct TableCopyResult {
    std::string table;
    std::int64_t sourceRows = 0;
    std::int64_t destRows = 0;
    double seconds = 0.0;
};

/// What a copy did.
struct StoreCopyReport {
    std::vector<TableCopyResult> tables; // in the order copied
    std::int64_t rows = 0;               // all tables
    AuditHead sourceHead;
    AuditHead destHead;
    AuditVerification destAudit; // the copy's chain walked before the commit
    double seconds = 0.0;
};

/// Copies `source` (a SQLite store at this build's schema) into `dest` (a PostgreSQL store,
/// empty but for seededTables()): one read transaction on the source, one transaction on the
/// destination (its tables locked against writers, waiting at most 30 s for them), ids kept,
/// identity sequences set past the highest id, then row counts, audit heads and the copy's
/// chain checked before the commit. Throws StoreCopyError (nothing written) when refused or
/// when the check fails, StoreError for a database error (rolled back). `progress` hears of
/// each table when it is done.
StoreCopyReport copyStore(Store& source, Store& dest,
                          const std::function<void(const TableCopyResult&)>& progress = {});

} // namespace vw
