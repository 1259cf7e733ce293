#include "store/postgres.h"

#include "store/sqlite.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <libpq-fe.h>
#include <stdexcept>

namespace vw::pg {

namespace {

constexpr unsigned kInt8 = 20;
constexpr unsigned kFloat8 = 701;
constexpr unsigned kBytea = 17;
constexpr unsigned kText = 25;

std::string excerpt(std::string_view sql) {
    constexpr std::size_t maxLength = 200;
    if (sql.size() <= maxLength) {
        return std::string(sql);
    }
    return std::string(sql.substr(0, maxLength)) + "…";
}

bool wordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool sameWord(std::string_view word, std::string_view upper) {
    return word.size() == upper.size() &&
           std::equal(word.begin(), word.end(), upper.begin(), [](char a, char b) {
               return std::toupper(static_cast<unsigned char>(a)) == b;
           });
}

/// The word starting at or after `at` (skipping white space): its bounds, or npos.
std::pair<std::size_t, std::size_t> nextWord(std::string_view sql, std::size_t at) {
    while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at])) != 0) {
        ++at;
    }
    std::size_t end = at;
    while (end < sql.size() && wordChar(sql[end])) {
        ++end;
    }
    if (end == at) {
        return {std::string_view::npos, std::string_view::npos};
    }
    return {at, end};
}

/// Copies a quoted run ('…', "…") starting at `i` with doubled quotes inside; returns the
/// index after it.
std::size_t copyQuoted(std::string_view sql, std::size_t i, std::string& out) {
    const char quote = sql[i];
    out += sql[i++];
    while (i < sql.size()) {
        out += sql[i];
        if (sql[i] == quote) {
            if (i + 1 < sql.size() && sql[i + 1] == quote) {
                out += sql[i + 1];
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return i;
}

/// 1: `sql` is COMMIT, 2: ROLLBACK (the whole transaction, not to a savepoint), else 0. Either
/// ends the write transaction's id reservations (endWrite), whether it runs through exec() or
/// as a prepared statement (the store's savepoint classes keep theirs).
int transactionEnd(std::string_view sql) {
    return sql == "COMMIT" ? 1 : sql == "ROLLBACK" ? 2 : 0;
}

std::string errorOf(const pg_result* result, const pg_conn* conn) {
    if (result != nullptr) {
        const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        if (primary != nullptr) {
            std::string message = primary;
            const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
            if (detail != nullptr) {
                message += std::string(" (") + detail + ")";
            }
            return message;
        }
    }
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    return message;
}

void ignoreNotice(void* /*arg*/, const char* /*message*/) {}

} // namespace

std::string translate(std::string_view sql, int* parameters, std::vector<bool>* used) {
    std::string out;
    out.reserve(sql.size() + 32);
    int highest = 0;
    std::string_view previousWord;
    bool orIgnore = false;
    bool conflictWritten = false;
    std::size_t i = 0;
    const std::size_t n = sql.size();
    while (i < n) {
        const char ch = sql[i];
        if (ch == '\'' || ch == '"') {
            i = copyQuoted(sql, i, out);
            continue;
        }
        if (ch == '-' && i + 1 < n && sql[i + 1] == '-') {
            const std::size_t end = std::min(sql.find('\n', i), n);
            out.append(sql.substr(i, end - i));
            i = end;
            continue;
        }
        if (ch == '/' && i + 1 < n && sql[i + 1] == '*') {
            const std::size_t close = sql.find("*/", i + 2);
            const std::size_t end = close == std::string_view::npos ? n : close + 2;
            out.append(sql.substr(i, end - i));
            i = end;
            continue;
        }
        if (ch == '$') { // a dollar-quoted body ($$…$$, $tag$…$tag$) is copied as it is
            std::size_t tagEnd = i + 1;
            while (tagEnd < n && wordChar(sql[tagEnd]) &&
                   std::isdigit(static_cast<unsigned char>(sql[i + 1])) == 0) {
                ++tagEnd;
            }
            if (tagEnd < n && sql[tagEnd] == '$') {
                const std::string_view tag = sql.substr(i, tagEnd - i + 1);
                const std::size_t close = sql.find(tag, tagEnd + 1);
                const std::size_t end = close == std::string_view::npos ? n : close + tag.size();
                out.append(sql.substr(i, end - i));
                i = end;
                continue;
            }
        }
        if (ch == '?') {
            std::size_t end = i + 1;
            int number = 0;
            while (end < n && std::isdigit(static_cast<unsigned char>(sql[end])) != 0) {
                number = number * 10 + (sql[end] - '0');
                ++end;
            }
            if (end == i + 1) {
                number = highest + 1; // SQLite: a bare ? is one more than the largest so far
            }
            highest = std::max(highest, number);
            if (used != nullptr) {
                if (used->size() < static_cast<std::size_t>(number)) {
                    used->resize(static_cast<std::size_t>(number), false);
                }
                (*used)[static_cast<std::size_t>(number) - 1] = true;
            }
            out += '$';
            out += std::to_string(number);
            i = end;
            continue;
        }
        if (wordChar(ch) && (i == 0 || !wordChar(sql[i - 1]))) {
            std::size_t end = i;
            while (end < n && wordChar(sql[end])) {
                ++end;
            }
            const std::string_view word = sql.substr(i, end - i);
            // `ENABLE/DISABLE TRIGGER USER`: there USER is the keyword, not our column.
            const bool afterTrigger = sameWord(previousWord, "TRIGGER");
            previousWord = word;
            if (sameWord(word, "INSERT")) {
                const auto [orBegin, orEnd] = nextWord(sql, end);
                if (orBegin != std::string_view::npos &&
                    sameWord(sql.substr(orBegin, orEnd - orBegin), "OR")) {
                    const auto [ignoreBegin, ignoreEnd] = nextWord(sql, orEnd);
                    if (ignoreBegin != std::string_view::npos &&
                        sameWord(sql.substr(ignoreBegin, ignoreEnd - ignoreBegin), "IGNORE")) {
                        out += "INSERT";
                        orIgnore = true;
                        i = ignoreEnd;
                        continue;
                    }
                }
            } else if (sameWord(word, "BEGIN")) {
                const auto [modeBegin, modeEnd] = nextWord(sql, end);
                if (modeBegin != std::string_view::npos) {
                    const std::string_view mode = sql.substr(modeBegin, modeEnd - modeBegin);
                    if (sameWord(mode, "IMMEDIATE") || sameWord(mode, "EXCLUSIVE") ||
                        sameWord(mode, "DEFERRED")) {
                        out += "BEGIN";
                        i = modeEnd;
                        continue;
                    }
                }
            } else if (sameWord(word, "USER") && !afterTrigger) {
                out += "\"user\""; // a column of ours; a reserved word in PostgreSQL
                i = end;
                continue;
            } else if (sameWord(word, "NOT")) {
                // `t NOT INDEXED` (a SQLite planner hint): dropped
                const auto [hintBegin, hintEnd] = nextWord(sql, end);
                if (hintBegin != std::string_view::npos &&
                    sameWord(sql.substr(hintBegin, hintEnd - hintBegin), "INDEXED")) {
                    while (!out.empty() && out.back() == ' ') {
                        out.pop_back();
                    }
                    i = hintEnd;
                    continue;
                }
            } else if (sameWord(word, "TEMP") && end < n && sql[end] == '.') {
                out += "pg_temp"; // SQLite's temp schema
                i = end;
                continue;
            } else if (sameWord(word, "LIKE")) {
                out += "ILIKE";
                i = end;
                continue;
            } else if (sameWord(word, "RETURNING") && orIgnore && !conflictWritten) {
                out += "ON CONFLICT DO NOTHING ";
                conflictWritten = true;
            }
            out.append(word);
            i = end;
            continue;
        }
        out += ch;
        ++i;
    }
    if (orIgnore && !conflictWritten) {
        while (!out.empty() &&
               (std::isspace(static_cast<unsigned char>(out.back())) != 0 || out.back() == ';')) {
            out.pop_back();
        }
        out += " ON CONFLICT DO NOTHING";
    }
    if (parameters != nullptr) {
        *parameters = highest;
    }
    return out;
}

std::string redactUrl(std::string_view url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        // key=value form: hide a password=… value
        std::string text(url);
        const std::size_t key = text.find("password=");
        if (key != std::string::npos) {
            const std::size_t end = text.find(' ', key);
            text.replace(key + 9, (end == std::string::npos ? text.size() : end) - key - 9, "***");
        }
        return text;
    }
    const std::size_t authorityEnd = std::min(url.find('/', scheme + 3), url.size());
    const std::size_t at = url.rfind('@', authorityEnd);
    if (at == std::string_view::npos || at < scheme) {
        return std::string(url);
    }
    const std::size_t colon = url.find(':', scheme + 3);
    if (colon == std::string_view::npos || colon > at) {
        return std::string(url);
    }
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

Connection::~Connection() {
    if (conn == nullptr) {
        return;
    }
    syncQuietly(*this);
    if (!dropSchemaOnClose.empty() && PQstatus(conn) == CONNECTION_OK) {
        if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
            PQclear(PQexec(conn, "ROLLBACK"));
        }
        char* quoted = PQescapeIdentifier(conn, dropSchemaOnClose.data(), dropSchemaOnClose.size());
        if (quoted != nullptr) {
            PQclear(PQexec(conn,
                           ("DROP SCHEMA IF EXISTS " + std::string(quoted) + " CASCADE").c_str()));
            PQfreemem(quoted);
        }
    }
    PQfinish(conn);
}

std::unique_ptr<Connection> connect(const std::string& url, const std::string& password,
                                    const std::string& searchPath) {
    auto c = std::make_unique<Connection>();
    c->display = redactUrl(url);
    std::vector<const char*> keys{"dbname", "client_encoding", "application_name",
                                  "connect_timeout"};
    std::vector<const char*> values{url.c_str(), "UTF8", "vulnwatch", "10"};
    if (!password.empty()) {
        keys.push_back("password");
        values.push_back(password.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    c->conn = PQconnectdbParams(keys.data(), values.data(), 1);
    if (c->conn == nullptr || PQstatus(c->conn) != CONNECTION_OK) {
        throw StoreError("cannot connect to PostgreSQL database " + c->display + ": " +
                         errorOf(nullptr, c->conn));
    }
    PQsetNoticeProcessor(c->conn, ignoreNotice, nullptr);
    // Plain ASCII comparison and ISO output whatever the server's defaults are.
    exec(*c,
         "SET datestyle = ISO; SET extra_float_digits = 1; SET standard_conforming_strings = on");
    if (!searchPath.empty()) {
        exec(*c, "SET search_path TO " + searchPath);
    }
    return c;
}

void exec(Connection& c, std::string_view sql) {
    if (const int end = transactionEnd(sql); end != 0) {
        endWrite(c, end == 1);
    }
    sync(c);
    ++c.commands;
    const std::string text(sql);
    pg_result* result = PQexec(c.conn, text.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        std::string message = errorOf(result, c.conn);
        PQclear(result);
        throw StoreError("database " + c.display + ": " + message + " (in: " + excerpt(sql) + ")");
    }
    const char* tuples = PQcmdTuples(result);
    if (tuples != nullptr && *tuples != '\0') {
        c.changes = std::atoi(tuples);
    }
    PQclear(result);
}

namespace {

/// Commands kept in the pipeline before Stmt::queue() syncs by itself: each answer is a few
/// dozen bytes, so the server never blocks on a full socket while the client is still sending.
constexpr std::size_t kMaxQueued = 1000;

/// Reads every answer up to the pipeline's sync point and leaves pipeline mode. Returns the
/// last command's result if `keepLast` (the caller's to PQclear), else nullptr. Throws
/// StoreError naming the first command that failed.
pg_result* finishPipeline(Connection& c, bool keepLast) {
    if (c.queued.empty()) {
        return nullptr;
    }
    std::string error; // the first failure, with its SQL
    if (PQpipelineSync(c.conn) != 1) {
        error = errorOf(nullptr, c.conn);
    }
    pg_result* last = nullptr;
    std::vector<bool> ran(c.queued.size(), false); // each command's answer was a success
    std::size_t command = 0; // answers end with a NULL result each; then the sync point
    for (;;) {
        pg_result* result = PQgetResult(c.conn);
        if (result == nullptr) {
            // One more end than commands: an error at the sync itself (the commit of the
            // implicit transaction of a streamed read's DECLARE … WITH HOLD) has one of its own.
            if (++command > c.queued.size() + 1 ||
                (command > c.queued.size() && PQstatus(c.conn) != CONNECTION_OK)) {
                break; // no sync point: the connection is gone (the error says so)
            }
            continue;
        }
        const ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(result);
            break;
        }
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            if (command < ran.size()) {
                ran[command] = true;
            }
            const char* tuples = PQcmdTuples(result);
            if (tuples != nullptr && *tuples != '\0') {
                c.changes = std::atoi(tuples);
            }
            if (keepLast && command + 1 == c.queued.size()) {
                PQclear(last);
                last = result;
                continue;
            }
        } else if (status != PGRES_PIPELINE_ABORTED && error.empty()) {
            // The commands after it come back as PGRES_PIPELINE_ABORTED: never run.
            error = errorOf(result, c.conn) +
                    " (running: " + excerpt(c.queued[std::min(command, c.queued.size() - 1)]) + ")";
        }
        PQclear(result);
    }
    for (const auto& [index, name] : c.queuedPrepares) {
        if (index >= ran.size() || !ran[index]) {
            c.lostPrepares.insert(name);
        }
    }
    c.queuedPrepares.clear();
    c.queued.clear();
    if (PQexitPipelineMode(c.conn) != 1 && error.empty()) {
        error = errorOf(nullptr, c.conn);
    }
    if (!error.empty()) {
        PQclear(last);
        throw StoreError("database " + c.display + ": " + error);
    }
    return last;
}

} // namespace

void sync(Connection& c) {
    PQclear(finishPipeline(c, false));
}

void syncQuietly(Connection& c) noexcept {
    try {
        sync(c);
    } catch (...) { // NOLINT(bugprone-empty-catch): the caller is already unwinding
    }
}

std::int64_t nextId(Connection& c, std::string_view table) {
    if (!c.writing || (c.queued.empty() && PQtransactionStatus(c.conn) == PQTRANS_IDLE)) {
        c.writing = false; // the transaction ended some other way
        c.reserved.clear();
        return 0;
    }
    auto it = c.reserved.find(table);
    if (it == c.reserved.end()) {
        it = c.reserved.emplace(std::string(table), Connection::Reserved{}).first;
    }
    Connection::Reserved& r = it->second;
    if (r.used == r.ids.size()) {
        // A row given an id by its INSERT (a cluster keeping its id) may lie above the
        // sequence: the sequence is moved past the table's highest id first.
        const std::string name(table);
        Stmt skip(c, "SELECT setval(t.s, t.m) FROM (SELECT pg_get_serial_sequence('" + name +
                         "', 'id')::regclass AS s, (SELECT max(id) FROM " + name +
                         ") AS m) t WHERE t.m > coalesce(pg_sequence_last_value(t.s), 0)");
        skip.queue();
        // Blocks of 16, 32, … 256 ids: a command that writes a few rows takes few.
        const std::int64_t want =
            std::clamp<std::int64_t>(static_cast<std::int64_t>(r.ids.size()) * 2, 16, 256);
        Stmt take(c, "SELECT nextval(pg_get_serial_sequence('" + name +
                         "', 'id')) FROM generate_series(1, ?1)");
        take.bindInt(1, want);
        r.ids.clear();
        r.used = 0;
        while (take.step()) {
            r.ids.push_back(take.integer(0));
        }
        if (r.ids.empty()) {
            return 0;
        }
    }
    return r.ids[r.used++];
}

void beginWrite(Connection& c) {
    endWrite(c, false);
    c.writing = true;
}

void forgetIds(Connection& c, std::string_view table) {
    if (const auto it = c.reserved.find(table); it != c.reserved.end()) {
        c.reserved.erase(it);
    }
}

void endWrite(Connection& c, bool commit) {
    if (commit && c.writing) {
        for (const auto& [table, r] : c.reserved) {
            if (r.used == r.ids.size() || r.ids.empty()) {
                continue;
            }
            // Given back only when the unused ids follow the last used one without a gap and
            // no other session took an id since (the sequence still stands at the last one).
            const std::int64_t last = r.used > 0 ? r.ids[r.used - 1] : r.ids[0] - 1;
            bool consecutive = true;
            for (std::size_t i = r.used; i < r.ids.size() && consecutive; ++i) {
                consecutive = r.ids[i] == last + 1 + static_cast<std::int64_t>(i - r.used);
            }
            if (!consecutive) {
                continue;
            }
            Stmt back(c, "SELECT CASE WHEN ?1 >= 1 THEN setval(t.s, ?1) ELSE setval(t.s, 1, "
                         "false) END FROM (SELECT pg_get_serial_sequence('" +
                             table +
                             "', 'id')::regclass AS s) t "
                             "WHERE pg_sequence_last_value(t.s) = ?2");
            back.bindInt(1, last);
            back.bindInt(2, r.ids.back());
            back.queue();
        }
    }
    c.writing = false;
    c.reserved.clear();
}

bool inTransaction(const Connection& c) {
    return PQtransactionStatus(c.conn) != PQTRANS_IDLE;
}

// --- Stmt -------------------------------------------------------------------------------------

Stmt::Stmt(Connection& c, std::string_view sql) : c_(c) {
    int parameters = 0;
    std::vector<bool> used;
    sql_ = translate(sql, &parameters, &used);
    ends_ = transactionEnd(sql_);
    values_.resize(static_cast<std::size_t>(parameters));
    types_.assign(static_cast<std::size_t>(parameters), 0);
    formats_.assign(static_cast<std::size_t>(parameters), 0);
    used.resize(static_cast<std::size_t>(parameters), false);
    // A number the SQL skips (?1 and ?3 only) gets a type, text, as PostgreSQL cannot infer
    // one for a parameter it never sees; SQLite just ignores it.
    for (std::size_t i = 0; i < used.size(); ++i) {
        if (!used[i]) {
            unused_.push_back(static_cast<int>(i));
            types_[i] = kText;
        }
    }
}

Stmt::~Stmt() {
    closeCursor();
    PQclear(result_);
    if (c_.conn == nullptr || PQstatus(c_.conn) != CONNECTION_OK) {
        return;
    }
    for (const Prepared& p : prepared_) {
        const std::string deallocate = "DEALLOCATE " + p.name;
        if (!c_.queued.empty()) {
            // Inside a pipeline: sent after the queued commands (a sync here would take their
            // errors away from the statement that reads the next result).
            if (PQsendQueryParams(c_.conn, deallocate.c_str(), 0, nullptr, nullptr, nullptr,
                                  nullptr, 0) == 1) {
                c_.queued.push_back(deallocate);
            }
        } else if (PQtransactionStatus(c_.conn) != PQTRANS_INERROR) {
            PQclear(PQexec(c_.conn, deallocate.c_str()));
        }
    }
}

const std::string* Stmt::preparedName(bool pipelined) {
    // A form prepared in a pipeline that aborted first does not exist: forgotten.
    if (!c_.lostPrepares.empty()) {
        prepared_.erase(std::remove_if(prepared_.begin(), prepared_.end(),
                                       [this](const Prepared& p) {
                                           return c_.lostPrepares.erase(p.name) != 0;
                                       }),
                        prepared_.end());
    }
    // A prepared form whose types are those bound now; a NULL fits any type.
    for (const Prepared& p : prepared_) {
        bool fits = true;
        for (std::size_t i = 0; i < types_.size() && fits; ++i) {
            fits = p.types[i] == types_[i] || !values_[i];
        }
        if (fits) {
            return &p.name;
        }
    }
    // A statement run again (the store keeps its frequent ones) is prepared on the server
    // with the parameter types of this run, and executed by name afterwards: parsed and
    // planned once instead of at every run. Up to four forms a statement, as a column bound
    // NULL in one run and a number in the next needs a form of each.
    constexpr std::size_t kForms = 4;
    if (runs_ < 2 || prepared_.size() >= kForms ||
        PQtransactionStatus(c_.conn) == PQTRANS_INERROR) {
        return nullptr;
    }
    std::string name = "vw" + std::to_string(c_.nextStatement++);
    const int count = static_cast<int>(values_.size());
    if (pipelined) {
        // Its answer comes before the statement's, in the same pipeline.
        if (PQsendPrepare(c_.conn, name.c_str(), sql_.c_str(), count, types_.data()) != 1) {
            return nullptr;
        }
        c_.queuedPrepares.emplace_back(c_.queued.size(), name);
        c_.queued.push_back(sql_);
    } else {
        pg_result* made = PQprepare(c_.conn, name.c_str(), sql_.c_str(), count, types_.data());
        const bool ok = PQresultStatus(made) == PGRES_COMMAND_OK;
        PQclear(made);
        if (!ok) {
            return nullptr;
        }
    }
    prepared_.push_back({std::move(name), types_});
    return &prepared_.back().name;
}

void Stmt::slot(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size()) {
        throw StoreError("database " + c_.display + ": parameter " + std::to_string(index) +
                         " out of range (binding: " + excerpt(sql_) + ")");
    }
}

void Stmt::keepUnusedText(int index) {
    if (std::find(unused_.begin(), unused_.end(), index - 1) == unused_.end()) {
        return;
    }
    // Never read by the statement: any text does.
    if (values_[index - 1]) {
        values_[index - 1] = std::string();
    }
    types_[index - 1] = kText;
    formats_[index - 1] = 0;
}

void Stmt::bindText(int index, std::string_view text) {
    slot(index);
    values_[index - 1] = std::string(text);
    types_[index - 1] = 0; // untyped: PostgreSQL infers it from where it is used
    formats_[index - 1] = 0;
    keepUnusedText(index);
}

void Stmt::bindInt(int index, std::int64_t number) {
    slot(index);
    values_[index - 1] = std::to_string(number);
    types_[index - 1] = kInt8;
    formats_[index - 1] = 0;
    keepUnusedText(index);
}

void Stmt::bindDouble(int index, double number) {
    slot(index);
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
    values_[index - 1] = error == std::errc() ? std::string(buffer, end) : std::to_string(number);
    types_[index - 1] = kFloat8;
    formats_[index - 1] = 0;
    keepUnusedText(index);
}

void Stmt::bindBlob(int index, std::string_view bytes) {
    slot(index);
    values_[index - 1] = std::string(bytes);
    types_[index - 1] = kBytea;
    formats_[index - 1] = 1;
    keepUnusedText(index);
}

void Stmt::bindNull(int index) {
    slot(index);
    values_[index - 1].reset();
    types_[index - 1] = 0;
    formats_[index - 1] = 0;
    keepUnusedText(index);
}

void Stmt::clearBindings() {
    for (std::size_t i = 0; i < values_.size(); ++i) {
        values_[i].reset();
        types_[i] = 0;
        formats_[i] = 0;
    }
    for (const int i : unused_) {
        types_[static_cast<std::size_t>(i)] = kText;
    }
}

void Stmt::arguments(std::vector<const char*>& values, std::vector<int>& lengths) const {
    values.resize(values_.size());
    lengths.resize(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
        values[i] = values_[i] ? values_[i]->data() : nullptr;
        lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
    }
}

void Stmt::execute() {
    if (ends_ != 0) {
        endWrite(c_, ends_ == 1);
    }
    PQclear(result_);
    result_ = nullptr;
    if (streamed_) {
        open();
        return;
    }
    ++c_.commands;
    if (!c_.queued.empty()) {
        // Queued commands wait for an answer: this one goes after them, and one sync answers
        // all (one round trip); an earlier command's error is thrown here.
        send();
        result_ = finishPipeline(c_, true);
        if (result_ == nullptr) {
            throw StoreError("database " + c_.display + ": no result (running: " + excerpt(sql_) +
                             ")");
        }
    } else {
        const int count = static_cast<int>(values_.size());
        std::vector<const char*> values;
        std::vector<int> lengths;
        arguments(values, lengths);
        ++runs_;
        const std::string* name = preparedName(false);
        result_ = name != nullptr ? PQexecPrepared(c_.conn, name->c_str(), count, values.data(),
                                                   lengths.data(), formats_.data(), 0)
                                  : PQexecParams(c_.conn, sql_.c_str(), count, types_.data(),
                                                 values.data(), lengths.data(), formats_.data(), 0);
    }
    const ExecStatusType status = PQresultStatus(result_);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        std::string message = errorOf(result_, c_.conn);
        PQclear(result_);
        result_ = nullptr;
        throw StoreError("database " + c_.display + ": " + message + " (running: " + excerpt(sql_) +
                         ")");
    }
    rows_ = status == PGRES_TUPLES_OK ? PQntuples(result_) : 0;
    const char* tuples = PQcmdTuples(result_);
    if (tuples != nullptr && *tuples != '\0') {
        c_.changes = std::atoi(tuples);
    }
    row_ = -1;
    executed_ = true;
}

void Stmt::sendFailed() {
    std::string message = errorOf(nullptr, c_.conn);
    syncQuietly(c_);
    throw StoreError("database " + c_.display + ": " + message + " (sending: " + excerpt(sql_) +
                     ")");
}

void Stmt::startSending() {
    if (c_.queued.empty() && PQenterPipelineMode(c_.conn) != 1) {
        sendFailed();
    }
    ++c_.commands;
}

void Stmt::send() {
    startSending();
    const int count = static_cast<int>(values_.size());
    std::vector<const char*> values;
    std::vector<int> lengths;
    arguments(values, lengths);
    ++runs_;
    const std::string* name = preparedName(true);
    const int sent = name != nullptr
                         ? PQsendQueryPrepared(c_.conn, name->c_str(), count, values.data(),
                                               lengths.data(), formats_.data(), 0)
                         : PQsendQueryParams(c_.conn, sql_.c_str(), count, types_.data(),
                                             values.data(), lengths.data(), formats_.data(), 0);
    if (sent != 1) {
        sendFailed();
    }
    c_.queued.push_back(sql_);
}

void Stmt::queue() {
    if (ends_ != 0 || (c_.queued.empty() && PQtransactionStatus(c_.conn) != PQTRANS_INTRANS)) {
        // No transaction (each statement its own) or a failed one: run it now.
        while (step()) {
        }
        return;
    }
    PQclear(result_);
    result_ = nullptr;
    send();
    rows_ = 0; // no rows to step through
    row_ = -1;
    executed_ = true;
    if (c_.queued.size() >= kMaxQueued) {
        sync(c_);
    }
}

bool Stmt::step() {
    if (!executed_) {
        execute();
    }
    if (row_ + 1 < rows_) {
        ++row_;
        return true;
    }
    if (!cursor_.empty()) {
        fetch();
        if (rows_ > 0) {
            row_ = 0;
            return true;
        }
    }
    row_ = rows_;
    return false;
}

// --- Streamed reads (docs/storage.md, "Streamed reads") ----------------------------------------

void Stmt::stream() {
    const auto [begin, end] = nextWord(sql_, 0);
    const std::string_view first = begin == std::string_view::npos
                                       ? std::string_view()
                                       : std::string_view(sql_).substr(begin, end - begin);
    if (!sameWord(first, "SELECT") && !sameWord(first, "WITH") && !sameWord(first, "VALUES")) {
        throw StoreError(
            "database " + c_.display +
            ": only a query (SELECT, WITH, VALUES) can be read in batches: " + excerpt(sql_));
    }
    streamed_ = true;
}

void Stmt::sendCommand(const std::string& command, bool bound) {
    startSending();
    std::vector<const char*> values;
    std::vector<int> lengths;
    if (bound) {
        arguments(values, lengths);
    }
    const int count = bound ? static_cast<int>(values_.size()) : 0;
    if (PQsendQueryParams(c_.conn, command.c_str(), count, bound ? types_.data() : nullptr,
                          bound ? values.data() : nullptr, bound ? lengths.data() : nullptr,
                          bound ? formats_.data() : nullptr, 0) != 1) {
        sendFailed();
    }
    c_.queued.push_back(sql_); // an error names the statement, not the cursor
}

void Stmt::open() {
    closeCursor();
    const bool idle = c_.queued.empty() && PQtransactionStatus(c_.conn) == PQTRANS_IDLE;
    if (idle && !c_.strayCursors.empty()) {
        for (const std::string& name : c_.strayCursors) {
            PQclear(PQexec(c_.conn, ("CLOSE " + name).c_str())); // gone already: no matter
        }
        c_.strayCursors.clear();
    }
    // Outside a transaction the cursor must outlive the implicit one its DECLARE runs in:
    // WITH HOLD (the server runs the query to the end at the DECLARE and keeps the rows).
    // Inside one it reads as the query runs and ends with the transaction at the latest.
    hold_ = idle;
    const std::string name = "vwc" + std::to_string(c_.nextStatement++);
    sendCommand("DECLARE " + name + " NO SCROLL CURSOR " + (hold_ ? "WITH HOLD " : "") + "FOR " +
                    sql_,
                true);
    sendCommand("FETCH " + std::to_string(kStreamRows) + " FROM " + name, false);
    try {
        takeBatch();
    } catch (...) {
        // The DECLARE failed, or the transaction it ran in did (then the cursor went with it).
        executed_ = false;
        throw;
    }
    cursor_ = name;
    if (rows_ < kStreamRows) {
        closeCursor(); // every row came in the first batch
    }
}

void Stmt::fetch() {
    PQclear(result_);
    result_ = nullptr;
    rows_ = 0;
    row_ = -1;
    sendCommand("FETCH " + std::to_string(kStreamRows) + " FROM " + cursor_, false);
    try {
        takeBatch();
    } catch (...) {
        // Inside a transaction it failed with it, and the cursor goes at its rollback; a
        // cursor WITH HOLD stays until closed.
        if (hold_) {
            c_.strayCursors.push_back(cursor_);
        }
        cursor_.clear();
        throw;
    }
    if (rows_ < kStreamRows) {
        closeCursor();
    }
}

void Stmt::takeBatch() {
    result_ = finishPipeline(c_, true);
    if (result_ == nullptr) {
        throw StoreError("database " + c_.display + ": no result (running: " + excerpt(sql_) + ")");
    }
    rows_ = PQresultStatus(result_) == PGRES_TUPLES_OK ? PQntuples(result_) : 0;
    row_ = -1;
    executed_ = true;
    commandsAtFetch_ = c_.commands;
}

void Stmt::closeCursor() noexcept {
    if (cursor_.empty()) {
        return;
    }
    const std::string name = std::move(cursor_);
    cursor_.clear();
    if (c_.conn == nullptr || PQstatus(c_.conn) != CONNECTION_OK) {
        return;
    }
    // A cursor declared inside a transaction ends with it. When other commands ran since its
    // last fetch, that transaction may have ended (and another begun), where a CLOSE of a
    // cursor no longer there would fail the new one: it is left to go with its transaction.
    if (!hold_ && c_.commands != commandsAtFetch_) {
        return;
    }
    const std::string close = "CLOSE " + name;
    const PGTransactionStatusType status = PQtransactionStatus(c_.conn);
    if (!c_.queued.empty() || status == PQTRANS_INTRANS) {
        // Inside a transaction: sent without waiting, answered with the next statement (the
        // cursor is there, so it cannot fail).
        const bool entered = c_.queued.empty();
        if (entered && PQenterPipelineMode(c_.conn) != 1) {
            return;
        }
        if (PQsendQueryParams(c_.conn, close.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) ==
            1) {
            c_.queued.push_back(close);
        } else if (entered) {
            PQexitPipelineMode(c_.conn);
        }
    } else if (status == PQTRANS_IDLE) {
        PQclear(PQexec(c_.conn, close.c_str()));
    } else if (hold_) {
        c_.strayCursors.push_back(name); // a failed transaction: closed by a later read
    }
}

void Stmt::reset() {
    closeCursor();
    executed_ = false;
    row_ = -1;
    rows_ = 0;
    PQclear(result_);
    result_ = nullptr;
}

bool Stmt::isNull(int column) const {
    return result_ == nullptr || row_ < 0 || row_ >= rows_ || column >= PQnfields(result_) ||
           PQgetisnull(result_, row_, column) != 0;
}

std::string Stmt::text(int column) const {
    if (isNull(column)) {
        return {};
    }
    if (PQftype(result_, column) == kBytea) {
        return blob(column);
    }
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::string_view Stmt::textView(int column) const {
    if (isNull(column)) {
        return {};
    }
    if (PQftype(result_, column) == kBytea) {
        throw std::logic_error("textView of a bytea column: use text(), which decodes it");
    }
    return {PQgetvalue(result_, row_, column),
            static_cast<std::size_t>(PQgetlength(result_, row_, column))};
}

std::string Stmt::blob(int column) const {
    if (isNull(column)) {
        return {};
    }
    const char* value = PQgetvalue(result_, row_, column);
    if (PQftype(result_, column) != kBytea) {
        return std::string(value, static_cast<std::size_t>(PQgetlength(result_, row_, column)));
    }
    std::size_t length = 0;
    unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &length);
    if (bytes == nullptr) {
        throw StoreError("database " + c_.display + ": cannot decode a bytea value");
    }
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
}

std::int64_t Stmt::integer(int column) const {
    if (isNull(column)) {
        return 0;
    }
    const char* value = PQgetvalue(result_, row_, column);
    if (value[0] == 't' && value[1] == '\0') {
        return 1;
    }
    if (value[0] == 'f' && value[1] == '\0') {
        return 0;
    }
    const std::size_t length = static_cast<std::size_t>(PQgetlength(result_, row_, column));
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value, value + length, number);
    if (error == std::errc() && end == value + length) {
        return number;
    }
    // "12.5", "1e3": as SQLite converts a real to an integer (truncation).
    return static_cast<std::int64_t>(std::strtod(value, nullptr));
}

double Stmt::real(int column) const {
    if (isNull(column)) {
        return 0.0;
    }
    return std::strtod(PQgetvalue(result_, row_, column), nullptr);
}

} // namespace vw::pg
