#include "store/copy.h"

#include "store/store.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <sqlite3.h>

namespace vw {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// "name" with inner quotes doubled: an identifier both dialects read as it is.
std::string quoted(const std::string& name) {
    std::string out = "\"";
    for (const char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

bool integerType(const std::string& type) {
    const std::string t = lower(type);
    return t == "bigint" || t == "integer" || t == "smallint" || t == "int8" || t == "int4" ||
           t == "int2";
}

bool isBytea(const CopyColumn& column) {
    return lower(column.type) == "bytea";
}

/// A raw statement on the SQLite connection: the value's storage class is needed (a BLOB stays
/// a BLOB), which Statement does not expose.
class SqliteQuery {
public:
    SqliteQuery(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
            SQLITE_OK) {
            const std::string message = sqlite3_errmsg(db);
            sqlite3_finalize(stmt_);
            throw StoreError("cannot read the SQLite store: " + message + " (in: " + sql + ")");
        }
    }
    ~SqliteQuery() { sqlite3_finalize(stmt_); }
    SqliteQuery(const SqliteQuery&) = delete;
    SqliteQuery& operator=(const SqliteQuery&) = delete;

    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc != SQLITE_DONE) {
            throw StoreError(std::string("cannot read the SQLite store: ") + sqlite3_errmsg(db_));
        }
        return false;
    }
    sqlite3_stmt* get() const { return stmt_; }
    std::string text(int column) const {
        const auto* bytes = sqlite3_column_text(stmt_, column);
        return bytes == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char*>(bytes),
                                 static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

/// One value read from SQLite, as it is bound on PostgreSQL.
struct Value {
    std::optional<std::string> bytes; // nullopt: NULL
};

Value readValue(sqlite3_stmt* stmt, int column) {
    switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
        return {};
    case SQLITE_INTEGER:
        return {std::to_string(sqlite3_column_int64(stmt, column))};
    case SQLITE_FLOAT:
        return {copyRealText(sqlite3_column_double(stmt, column))};
    case SQLITE_BLOB: {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, column));
        return {data == nullptr ? std::string() : std::string(data, size)};
    }
    default: {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, column));
        return {data == nullptr ? std::string() : std::string(data, size)};
    }
    }
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::int64_t countRows(Database& db, const std::string& table) {
    Statement count = db.prepare("SELECT count(*) FROM " + quoted(table));
    return count.step() ? count.integer(0) : 0;
}

} // namespace

const std::vector<std::string>& seededTables() {
    // registry_state: the product registry's generation counter, one row (1, 0) from the
    // migration that made it.
    static const std::vector<std::string> tables{"registry_state"};
    return tables;
}

const std::vector<std::string>& postgresOnlyTables() {
    static const std::vector<std::string> tables{"schema_version"};
    return tables;
}

CopyPlan planStoreCopy(const std::vector<CopyTableSchema>& sqlite,
                       const std::vector<CopyTableSchema>& postgres) {
    CopyPlan plan;
    std::map<std::string, const CopyTableSchema*> pgByName;
    const auto& pgOnly = postgresOnlyTables();
    for (const CopyTableSchema& table : postgres) {
        if (std::find(pgOnly.begin(), pgOnly.end(), lower(table.name)) == pgOnly.end()) {
            pgByName[lower(table.name)] = &table;
        }
    }
    std::set<std::string> inSqlite;
    std::map<std::string, TableCopyPlan> planned;
    std::map<std::string, std::set<std::string>> dependsOn;
    for (const CopyTableSchema& source : sqlite) {
        const std::string name = lower(source.name);
        inSqlite.insert(name);
        const auto pg = pgByName.find(name);
        if (pg == pgByName.end()) {
            plan.problems.push_back("table " + source.name +
                                    " is in the SQLite store but not in the PostgreSQL schema");
            continue;
        }
        const CopyTableSchema& dest = *pg->second;
        std::map<std::string, const CopyColumn*> sourceColumns;
        for (const CopyColumn& c : source.columns) {
            sourceColumns[lower(c.name)] = &c;
        }
        TableCopyPlan table;
        table.table = dest.name;
        std::vector<const CopyColumn*> unmatched; // PostgreSQL columns SQLite lacks
        std::set<std::string> used;
        for (const CopyColumn& c : dest.columns) {
            const auto match = sourceColumns.find(lower(c.name));
            if (match == sourceColumns.end()) {
                unmatched.push_back(&c);
                table.sourceColumns.emplace_back();
            } else {
                used.insert(match->first);
                table.sourceColumns.push_back(quoted(match->second->name));
            }
            table.columns.push_back(c);
        }
        // A full-text table's row id (the record's) goes into the one integer column the
        // PostgreSQL table has beside the text.
        if (source.fullText && unmatched.size() == 1 && integerType(unmatched[0]->type)) {
            for (std::size_t i = 0; i < table.columns.size(); ++i) {
                if (table.sourceColumns[i].empty()) {
                    table.sourceColumns[i] = "rowid";
                }
            }
            unmatched.clear();
        }
        for (const CopyColumn* c : unmatched) {
            plan.problems.push_back("column " + dest.name + "." + c->name +
                                    " is in the PostgreSQL schema but not in the SQLite store");
        }
        for (const CopyColumn& c : source.columns) {
            if (used.count(lower(c.name)) == 0) {
                plan.problems.push_back("column " + source.name + "." + c.name +
                                        " is in the SQLite store but not in the PostgreSQL schema");
            }
        }
        for (const CopyColumn& c : dest.columns) {
            if (lower(c.name) == "id" && !source.fullText) {
                table.orderBy = quoted(c.name);
            }
        }
        if (source.fullText) {
            table.orderBy = "rowid";
        }
        const auto& seeds = seededTables();
        table.seeded = std::find(seeds.begin(), seeds.end(), name) != seeds.end();
        for (const std::string& ref : dest.references) {
            if (lower(ref) != name) { // a table that references itself: rows in id order
                dependsOn[name].insert(lower(ref));
            }
        }
        planned.emplace(name, std::move(table));
    }
    for (const CopyTableSchema& dest : postgres) {
        if (inSqlite.count(lower(dest.name)) == 0 && pgByName.count(lower(dest.name)) != 0) {
            plan.problems.push_back("table " + dest.name +
                                    " is in the PostgreSQL schema but not in the SQLite store");
        }
    }
    // Foreign-key order (Kahn; ties by name, so the order is the same every time); seeded
    // tables after all others.
    for (const bool seededPass : {false, true}) {
        for (;;) {
            std::string next;
            for (const auto& [name, table] : planned) {
                if (table.seeded != seededPass) {
                    continue;
                }
                bool ready = true;
                for (const std::string& ref : dependsOn[name]) {
                    ready = ready && planned.count(ref) == 0;
                }
                if (ready) {
                    next = name;
                    break;
                }
            }
            if (next.empty()) {
                break;
            }
            plan.tables.push_back(std::move(planned.at(next)));
            planned.erase(next);
        }
    }
    if (!planned.empty()) {
        std::string names;
        for (const auto& entry : planned) {
            names += (names.empty() ? "" : ", ") + entry.second.table;
        }
        plan.problems.push_back("the foreign keys of " + names +
                                " form a cycle (or a seeded table is referenced): no order "
                                "inserts them");
    }
    return plan;
}

std::string copyInsertSql(const TableCopyPlan& table, std::size_t rows) {
    std::string sql = "INSERT INTO " + quoted(table.table) + " (";
    bool overriding = false;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        sql += (c == 0 ? "" : ", ") + quoted(table.columns[c].name);
        overriding = overriding || table.columns[c].identityAlways;
    }
    sql += overriding ? ") OVERRIDING SYSTEM VALUE VALUES " : ") VALUES ";
    int parameter = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ", (";
        for (std::size_t c = 0; c < table.columns.size(); ++c) {
            sql += (c == 0 ? "CAST(?" : ", CAST(?") + std::to_string(++parameter) + " AS " +
                   table.columns[c].type + ")";
        }
        sql += ")";
    }
    return sql;
}

std::size_t copyBatchRows(std::size_t columns) {
    constexpr std::size_t maxRows = 500;
    constexpr std::size_t maxParameters = 20000;
    return std::max<std::size_t>(
        1, std::min(maxRows, maxParameters / std::max<std::size_t>(1, columns)));
}

std::string copyRealText(double value) {
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (error != std::errc()) {
        return std::to_string(value);
    }
    std::string text(buffer, end);
    if (text == "inf") {
        return "Infinity";
    }
    if (text == "-inf") {
        return "-Infinity";
    }
    return text;
}

std::vector<CopyTableSchema> readSqliteSchema(Database& db) {
    if (db.isPostgres() || db.handle() == nullptr) {
        throw StoreCopyError(StoreCopyError::Kind::NotPostgres,
                             "the source " + db.path() + " is no SQLite store");
    }
    std::vector<CopyTableSchema> tables;
    // PRAGMA table_list (SQLite 3.37) names the shadow tables of FTS5 tables as such.
    SqliteQuery list(db.handle(), "SELECT name, type FROM pragma_table_list WHERE schema = 'main' "
                                  "AND type IN ('table', 'virtual') ORDER BY name");
    while (list.step()) {
        CopyTableSchema table;
        table.name = list.text(0);
        if (table.name.rfind("sqlite_", 0) == 0) {
            continue;
        }
        table.fullText = list.text(1) == "virtual";
        // hidden: 0 an ordinary column, 1 a virtual table's hidden column, 2 and 3 generated.
        std::string literal = "'";
        for (const char c : table.name) {
            literal += c == '\'' ? std::string("''") : std::string(1, c);
        }
        SqliteQuery columns(db.handle(), "SELECT name, type FROM pragma_table_xinfo(" + literal +
                                             "') WHERE hidden = 0 ORDER BY cid");
        while (columns.step()) {
            table.columns.push_back(CopyColumn{columns.text(0), columns.text(1)});
        }
        tables.push_back(std::move(table));
    }
    return tables;
}

std::vector<CopyTableSchema> readPostgresSchema(Database& db) {
    if (!db.isPostgres()) {
        throw StoreCopyError(StoreCopyError::Kind::NotPostgres,
                             "the destination " + db.path() + " is no PostgreSQL store");
    }
    std::map<std::string, CopyTableSchema> tables;
    {
        Statement list = db.prepare("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = current_schema() "
                                    "AND table_type = 'BASE TABLE'");
        while (list.step()) {
            tables[list.text(0)].name = list.text(0);
        }
    }
    {
        // The type a value is cast to: the domain when the column has one, the base type by
        // its SQL name, or the catalog's name for arrays and types of extensions.
        Statement columns = db.prepare(
            "SELECT table_name, column_name, data_type, udt_schema, udt_name, "
            "coalesce(domain_schema, ''), coalesce(domain_name, ''), is_generated, "
            "is_identity, coalesce(identity_generation, ''), coalesce(column_default, '') "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "ORDER BY table_name, ordinal_position");
        while (columns.step()) {
            const auto table = tables.find(columns.text(0));
            if (table == tables.end() || columns.text(7) == "ALWAYS") {
                continue; // a view's, or a generated column
            }
            CopyColumn c;
            c.name = columns.text(1);
            const std::string dataType = columns.text(2);
            if (!columns.text(6).empty()) {
                c.type = quoted(columns.text(5)) + "." + quoted(columns.text(6));
            } else if (dataType == "ARRAY" || dataType == "USER-DEFINED") {
                c.type = quoted(columns.text(3)) + "." + quoted(columns.text(4));
            } else {
                c.type = dataType;
            }
            const bool identity = columns.text(8) == "YES";
            c.identityAlways = identity && columns.text(9) == "ALWAYS";
            c.sequence = identity || columns.text(10).rfind("nextval(", 0) == 0;
            table->second.columns.push_back(std::move(c));
        }
    }
    {
        Statement keys = db.prepare(
            "SELECT t.relname, r.relname FROM pg_catalog.pg_constraint k "
            "JOIN pg_catalog.pg_class t ON t.oid = k.conrelid "
            "JOIN pg_catalog.pg_class r ON r.oid = k.confrelid "
            "WHERE k.contype = 'f' AND k.connamespace = "
            "(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())");
        while (keys.step()) {
            const auto table = tables.find(keys.text(0));
            if (table != tables.end()) {
                table->second.references.push_back(keys.text(1));
            }
        }
    }
    std::vector<CopyTableSchema> out;
    for (auto& entry : tables) {
        out.push_back(std::move(entry.second));
    }
    return out;
}

StoreCopyReport copyStore(Store& source, Store& dest,
                          const std::function<void(const TableCopyResult&)>& progress) {
    const auto started = std::chrono::steady_clock::now();
    Database& from = source.db();
    Database& to = dest.db();
    const CopyPlan plan = planStoreCopy(readSqliteSchema(from), readPostgresSchema(to));
    if (!plan.problems.empty()) {
        throw StoreCopyError(StoreCopyError::Kind::Drift,
                             "the SQLite and PostgreSQL schemas disagree", plan.problems);
    }
    StoreCopyReport report;
    Store::ReadTransaction snapshot(source);
    Store::Transaction transaction(dest);
    // No writer may slip in between the check that the destination is empty and the commit;
    // readers may go on. A running instance holding a lock makes this fail after 30 s.
    to.exec("SET LOCAL lock_timeout = '30s'");
    {
        std::string lock;
        for (const TableCopyPlan& table : plan.tables) {
            lock += (lock.empty() ? "" : ", ") + quoted(table.table);
        }
        to.exec("LOCK TABLE " + lock + " IN EXCLUSIVE MODE");
    }
    std::vector<std::string> holding;
    for (const TableCopyPlan& table : plan.tables) {
        if (table.seeded) {
            continue;
        }
        if (const std::int64_t rows = countRows(to, table.table); rows > 0) {
            holding.push_back(table.table + ": " + std::to_string(rows) +
                              (rows == 1 ? " row" : " rows"));
        }
    }
    if (!holding.empty()) {
        throw StoreCopyError(StoreCopyError::Kind::NotEmpty,
                             "the destination " + to.path() + " already holds data", holding);
    }
    for (const TableCopyPlan& table : plan.tables) {
        if (table.seeded) {
            to.exec("DELETE FROM " + quoted(table.table));
        }
    }
    for (const TableCopyPlan& table : plan.tables) {
        const auto tableStarted = std::chrono::steady_clock::now();
        TableCopyResult result;
        result.table = table.table;
        const std::size_t columns = table.columns.size();
        std::string select = "SELECT ";
        for (std::size_t c = 0; c < columns; ++c) {
            select += (c == 0 ? "" : ", ") + table.sourceColumns[c];
        }
        select += " FROM " + quoted(table.table);
        if (!table.orderBy.empty()) {
            select += " ORDER BY " + table.orderBy;
        }
        SqliteQuery rows(from.handle(), select);
        const std::size_t batchRows = copyBatchRows(columns);
        std::optional<Statement> full;
        std::vector<Value> batch;
        batch.reserve(batchRows * columns);
        std::size_t batchBytes = 0;
        const auto flush = [&] {
            const std::size_t n = batch.size() / columns;
            if (n == 0) {
                return;
            }
            std::optional<Statement> partial;
            if (n == batchRows && !full) {
                full.emplace(to.prepare(copyInsertSql(table, n)));
            } else if (n != batchRows) {
                partial.emplace(to.prepare(copyInsertSql(table, n)));
            }
            Statement& insert = n == batchRows ? *full : *partial;
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const int parameter = static_cast<int>(i) + 1;
                const Value& v = batch[i];
                if (!v.bytes) {
                    insert.bindNull(parameter);
                } else if (isBytea(table.columns[i % columns])) {
                    insert.bindBlob(parameter, *v.bytes);
                } else if (v.bytes->find('\0') != std::string::npos) {
                    // A text parameter ends at its first NUL: the value would be cut short.
                    throw StoreError("a value of " + table.table + "." +
                                     table.columns[i % columns].name +
                                     " holds a NUL byte, which a PostgreSQL " +
                                     table.columns[i % columns].type + " cannot");
                } else {
                    insert.bind(parameter, std::string_view(*v.bytes));
                }
            }
            try {
                insert.run();
            } catch (const StoreError& e) {
                throw StoreError("copying table " + table.table + " (rows " +
                                 std::to_string(result.destRows + 1) + " to " +
                                 std::to_string(result.destRows + static_cast<std::int64_t>(n)) +
                                 "): " + e.what());
            }
            insert.reset();
            result.destRows += static_cast<std::int64_t>(n);
            batch.clear();
            batchBytes = 0;
        };
        constexpr std::size_t maxBatchBytes = 16 << 20; // evidence blobs: a few MB each
        while (rows.step()) {
            ++result.sourceRows;
            for (std::size_t c = 0; c < columns; ++c) {
                batch.push_back(readValue(rows.get(), static_cast<int>(c)));
                batchBytes += batch.back().bytes ? batch.back().bytes->size() : 0;
            }
            if (batch.size() == batchRows * columns || batchBytes >= maxBatchBytes) {
                flush();
            }
        }
        flush();
        for (const CopyColumn& c : table.columns) {
            if (!c.sequence || result.sourceRows == 0) {
                continue;
            }
            // The next id the sequence hands out is past every copied one.
            Statement highest =
                to.prepare("SELECT max(" + quoted(c.name) + ") FROM " + quoted(table.table));
            if (highest.step() && !highest.isNull(0)) {
                const std::int64_t top = highest.integer(0);
                Statement set = to.prepare(
                    "SELECT setval(pg_get_serial_sequence(CAST(?1 AS text), CAST(?2 AS text)), "
                    "CAST(?3 AS bigint))");
                set.bind(1, std::string_view(quoted(table.table)))
                    .bind(2, std::string_view(c.name))
                    .bind(3, top);
                set.step();
            }
        }
        result.seconds = secondsSince(tableStarted);
        report.rows += result.sourceRows;
        report.tables.push_back(result);
        if (progress) {
            progress(result);
        }
    }
    // The check, still inside the transaction: a mismatch rolls everything back.
    std::vector<std::string> mismatches;
    for (TableCopyResult& result : report.tables) {
        result.destRows = countRows(to, result.table);
        if (result.destRows != result.sourceRows) {
            mismatches.push_back(result.table + ": " + std::to_string(result.sourceRows) +
                                 " rows in the source, " + std::to_string(result.destRows) +
                                 " in the copy");
        }
    }
    report.sourceHead = source.auditHead();
    report.destHead = dest.auditHead();
    if (report.sourceHead.seq != report.destHead.seq ||
        report.sourceHead.hash != report.destHead.hash) {
        mismatches.push_back("audit head: " + report.sourceHead.hash + "@" +
                             std::to_string(report.sourceHead.seq) + " in the source, " +
                             report.destHead.hash + "@" + std::to_string(report.destHead.seq) +
                             " in the copy");
    }
    if (!mismatches.empty()) {
        throw StoreCopyError(StoreCopyError::Kind::Mismatch,
                             "the copy does not match the source; nothing was committed",
                             mismatches);
    }
    report.destAudit = verifyAuditChain(dest);
    if (!report.destAudit.ok()) {
        const auto where = [](const AuditVerification& v) {
            return std::string(auditProblemName(v.problem)) + " at event " +
                   std::to_string(v.badEvent);
        };
        // Whose fault: a chain broken in the source already is copied as broken.
        const AuditVerification sourceAudit = verifyAuditChain(source);
        throw StoreCopyError(
            StoreCopyError::Kind::AuditBroken,
            sourceAudit.ok()
                ? "the copy's audit chain does not verify: " + where(report.destAudit) +
                      ", though the source's does; nothing was committed"
                : "the source's audit chain does not verify: " + where(sourceAudit) +
                      " (`vulnwatch audit verify` on the source says more); a store whose "
                      "chain is broken is not copied — nothing was committed");
    }
    transaction.commit();
    report.seconds = secondsSince(started);
    return report;
}

} // namespace vw
