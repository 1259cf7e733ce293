#include "store/audit.h"

#include "core/json_writer.h"
#include "core/redact.h"
#include "store/store.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdexcept>

namespace vw {

namespace {

/// Integers the canonical form writes exactly (RFC 8785 numbers are IEEE doubles).
constexpr std::int64_t kMaxExactInteger = (std::int64_t{1} << 53) - 1;

/// appendJsonString (core/json_writer) escapes as RFC 8785 does except for backspace and form
/// feed, which it writes as \u0008 and \u000c: those two get their short escapes here.
void appendCanonicalString(std::string& out, std::string_view text) {
    if (text.find('\0') != std::string_view::npos) {
        // U+0000 → U+FFFD, as an invalid byte is: PostgreSQL's text cannot hold it, and the
        // stored event must read back (docs/audit.md, "Strings").
        std::string cleaned;
        cleaned.reserve(text.size() + 8);
        for (const char c : text) {
            if (c == '\0') {
                cleaned += "\xEF\xBF\xBD";
            } else {
                cleaned += c;
            }
        }
        appendCanonicalString(out, cleaned);
        return;
    }
    if (text.find_first_of("\b\f") == std::string_view::npos) {
        appendJsonString(out, text);
        return;
    }
    out += '"';
    std::string piece;
    while (!text.empty()) {
        const std::size_t stop = text.find_first_of("\b\f");
        const std::string_view run = text.substr(0, stop);
        if (!run.empty()) {
            piece.clear();
            appendJsonString(piece, run);
            out.append(piece, 1, piece.size() - 2); // without its quotes
        }
        if (stop == std::string_view::npos) {
            break;
        }
        out += text[stop] == '\b' ? "\\b" : "\\f";
        text.remove_prefix(stop + 1);
    }
    out += '"';
}

void appendKey(std::string& out, bool& first, std::string_view key) {
    out += first ? "\"" : ",\"";
    first = false;
    out += key; // our own ASCII key names
    out += "\":";
}

void appendStringArray(std::string& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        appendCanonicalString(out, items[i]);
    }
    out += ']';
}

void checkExact(std::int64_t value, const char* what) {
    if (value > kMaxExactInteger || value < -kMaxExactInteger) {
        throw std::invalid_argument(std::string("audit event: ") + what + " " +
                                    std::to_string(value) +
                                    " is beyond ±2^53, which the canonical JSON cannot write");
    }
}

bool isLowerHex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

char hexDigit(unsigned value) {
    return "0123456789abcdef"[value & 0xFu];
}

/// SHA-256 through OpenSSL's EVP interface, the digest fetched once per hasher.
class Sha256 {
public:
    Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
        if (md_ == nullptr || ctx_ == nullptr) {
            release();
            throw std::runtime_error("OpenSSL has no SHA-256 (EVP_MD_fetch failed)");
        }
    }
    ~Sha256() { release(); }
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    /// SHA-256(a ‖ b) as lower-case hex into `out` (64 characters).
    void hexOf(std::string_view a, std::string_view b, std::string& out) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        if (EVP_DigestInit_ex(ctx_, md_, nullptr) != 1 ||
            EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1 ||
            EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1 ||
            EVP_DigestFinal_ex(ctx_, digest, &size) != 1 || size != 32) {
            throw std::runtime_error("OpenSSL SHA-256 failed");
        }
        out.resize(64);
        for (unsigned i = 0; i < 32; ++i) {
            out[2 * i] = hexDigit(digest[i] >> 4u);
            out[2 * i + 1] = hexDigit(digest[i]);
        }
    }

private:
    void release() {
        EVP_MD_CTX_free(ctx_); // both accept null
        EVP_MD_free(md_);
    }
    EVP_MD* md_;
    EVP_MD_CTX* ctx_;
};

Sha256& threadHasher() {
    thread_local Sha256 hasher;
    return hasher;
}

std::string_view columnText(sqlite3_stmt* stmt, int column) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
    if (data == nullptr) {
        return {};
    }
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))};
}

std::string_view valueText(sqlite3_value* value) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_value_text(value));
    if (data == nullptr) {
        return {};
    }
    return {data, static_cast<std::size_t>(sqlite3_value_bytes(value))};
}

/// vw_audit_json(seq, at, kind, text): the canonical JSON of an event written before the
/// chain existed (the migration chains them).
void sqlAuditJson(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    try {
        AuditEvent event;
        event.at = sqlite3_value_int64(argv[1]);
        event.kind = std::string(valueText(argv[2]));
        event.text = std::string(valueText(argv[3]));
        if (event.kind.empty()) {
            event.kind = "event"; // the old table required a kind; never empty in practice
        }
        const std::string json = canonicalAuditJson(event, sqlite3_value_int64(argv[0]));
        sqlite3_result_text(context, json.data(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
    } catch (const std::exception& e) {
        sqlite3_result_error(context, e.what(), -1);
    }
}

/// vw_audit_hash(prev, json): auditHash.
void sqlAuditHash(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    try {
        const std::string hash = auditHash(valueText(argv[0]), valueText(argv[1]));
        sqlite3_result_text(context, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
    } catch (const std::exception& e) {
        sqlite3_result_error(context, e.what(), -1);
    }
}

/// A prepared statement of the Store's cache, rewound and cleared when the scope ends.
class Rewind {
public:
    explicit Rewind(Statement& statement) : statement_(statement) {}
    ~Rewind() {
        statement_.reset();
        statement_.clearBindings();
    }
    Rewind(const Rewind&) = delete;
    Rewind& operator=(const Rewind&) = delete;

private:
    Statement& statement_;
};

} // namespace

std::string canonicalAuditJson(const AuditEvent& event, std::int64_t seq) {
    if (event.kind.empty()) {
        throw std::invalid_argument("audit event: the kind is empty");
    }
    checkExact(event.at, "time");
    checkExact(seq, "sequence number");
    for (const auto& hash : event.evidence) {
        if (hash.size() != 64 || !isLowerHex(hash)) {
            throw std::invalid_argument("audit event: evidence '" + hash +
                                        "' is not a SHA-256 in lower-case hex (64 digits)");
        }
    }
    std::vector<const std::pair<std::string, std::string>*> details;
    for (const auto& pair : event.details) {
        const bool printable =
            !pair.first.empty() && std::all_of(pair.first.begin(), pair.first.end(),
                                               [](char c) { return c >= 0x20 && c < 0x7f; });
        if (!printable || pair.first.find_first_of("\"\\") != std::string::npos) {
            throw std::invalid_argument("audit event: details name '" + pair.first +
                                        "' is not printable ASCII (without \" and \\)");
        }
        details.push_back(&pair);
    }
    std::sort(details.begin(), details.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    for (std::size_t i = 1; i < details.size(); ++i) {
        if (details[i]->first == details[i - 1]->first) {
            throw std::invalid_argument("audit event: details name '" + details[i]->first +
                                        "' comes twice");
        }
    }

    // Keys in code point order: actor, at, case, details, evidence, kind, seq, subjects, text.
    std::string out;
    out.reserve(96 + event.text.size() + event.kind.size());
    out += '{';
    bool first = true;
    if (!event.actor.empty()) {
        appendKey(out, first, "actor");
        appendCanonicalString(out, event.actor);
    }
    appendKey(out, first, "at");
    out += std::to_string(event.at);
    if (!event.caseId.empty()) {
        appendKey(out, first, "case");
        appendCanonicalString(out, event.caseId);
    }
    if (!details.empty()) {
        appendKey(out, first, "details");
        out += '{';
        bool firstDetail = true;
        for (const auto* pair : details) {
            appendKey(out, firstDetail, pair->first);
            appendCanonicalString(out, pair->second);
        }
        out += '}';
    }
    if (!event.evidence.empty()) {
        appendKey(out, first, "evidence");
        appendStringArray(out, event.evidence);
    }
    appendKey(out, first, "kind");
    appendCanonicalString(out, event.kind);
    appendKey(out, first, "seq");
    out += std::to_string(seq);
    if (!event.subjects.empty()) {
        appendKey(out, first, "subjects");
        appendStringArray(out, event.subjects);
    }
    appendKey(out, first, "text");
    appendCanonicalString(out, event.text);
    out += '}';
    return out;
}

std::string auditHash(std::string_view prevHash, std::string_view canonicalJson) {
    std::string out;
    threadHasher().hexOf(prevHash, canonicalJson, out);
    return out;
}

bool registerAuditFunctions(sqlite3* db) {
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    return sqlite3_create_function_v2(db, "vw_audit_json", 4, flags, nullptr, sqlAuditJson, nullptr,
                                      nullptr, nullptr) == SQLITE_OK &&
           sqlite3_create_function_v2(db, "vw_audit_hash", 2, flags, nullptr, sqlAuditHash, nullptr,
                                      nullptr, nullptr) == SQLITE_OK;
}

RecordedHead parseRecordedHead(std::string_view text) {
    RecordedHead head;
    const std::size_t at = text.find('@');
    std::string hash(text.substr(0, at));
    std::transform(hash.begin(), hash.end(), hash.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (hash.size() != 64 || !isLowerHex(hash)) {
        throw std::invalid_argument("--head expects HASH or HASH@SEQ, HASH being the 64 hex "
                                    "digits of an `audit head SEQ HASH` line; '" +
                                    std::string(text.substr(0, at)) + "' is not");
    }
    head.hash = std::move(hash);
    if (at != std::string_view::npos) {
        const std::string_view digits = text.substr(at + 1);
        std::int64_t seq = 0;
        const bool numeric =
            !digits.empty() && digits.size() <= 15 &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (numeric) {
            for (const char c : digits) {
                seq = seq * 10 + (c - '0');
            }
        }
        if (!numeric || seq < 1) {
            throw std::invalid_argument("--head HASH@SEQ: SEQ must be an event number (1 or "
                                        "more), not '" +
                                        std::string(digits) + "'");
        }
        head.seq = seq;
    }
    return head;
}

std::string_view auditProblemName(AuditProblem problem) {
    switch (problem) {
    case AuditProblem::None:
        return "ok";
    case AuditProblem::Edited:
        return "edited";
    case AuditProblem::Deleted:
        return "deleted";
    case AuditProblem::Reordered:
        return "reordered";
    case AuditProblem::Truncated:
        return "truncated";
    case AuditProblem::Rewritten:
        return "rewritten";
    }
    return "unknown";
}

AuditVerification verifyAuditChain(Store& store, const std::optional<RecordedHead>& recorded) {
    AuditVerification result;
    result.headChecked = recorded.has_value();
    Sha256& hasher = threadHasher();
    std::string computed;
    std::string previous(kAuditGenesisHash); // the hash event `expected` must name
    std::int64_t expected = 1;
    bool failed = false;
    const auto fail = [&](AuditProblem problem, std::int64_t event) {
        result.problem = problem;
        result.badEvent = event;
        failed = true;
        return false;
    };
    // One event in id order; false to stop (a problem found).
    const auto visit = [&](std::int64_t seq, std::string_view json, std::string_view prevHash,
                           std::string_view hash) {
        if (seq > expected) {
            result.nextPresent = seq;
            return fail(AuditProblem::Deleted, expected);
        }
        if (seq < expected) {
            // Only an id below 1 can come before event 1 in id order: something inserted.
            result.stored = std::string(prevHash);
            result.expected = previous;
            return fail(AuditProblem::Reordered, seq);
        }
        hasher.hexOf(prevHash, json, computed);
        if (computed != hash) {
            result.stored = std::string(hash);
            result.expected = computed;
            return fail(AuditProblem::Edited, seq);
        }
        if (prevHash != previous) {
            result.stored = std::string(prevHash);
            result.expected = previous;
            return fail(AuditProblem::Reordered, seq);
        }
        if (recorded) {
            if (recorded->seq ? *recorded->seq == seq : recorded->hash == hash) {
                if (recorded->hash != hash) {
                    result.stored = std::string(hash);
                    result.expected = recorded->hash;
                    return fail(AuditProblem::Rewritten, seq);
                }
                result.headReached = true;
            }
        }
        previous.assign(hash);
        result.events = seq;
        result.head.seq = seq;
        result.head.hash = previous;
        ++expected;
        return true;
    };
    const char* sql = "SELECT id, json, prev_hash, hash FROM event_log ORDER BY id";
    if (store.db().isPostgres()) {
        Statement q = store.db().prepare(sql);
        q.streamed(); // every event: read in pieces, not held whole
        while (q.step()) {
            if (!visit(q.integer(0), q.text(1), q.text(2), q.text(3))) {
                break;
            }
        }
    } else {
        // A raw statement: its columns are read as views into SQLite's buffers, no copy per
        // row (Statement::text copies).
        sqlite3* db = store.db().handle();
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
            throw StoreError("database " + store.db().path() +
                             ": cannot read event_log: " + sqlite3_errmsg(db));
        }
        const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
        for (;;) {
            const int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) {
                break;
            }
            if (rc != SQLITE_ROW) {
                throw StoreError("database " + store.db().path() +
                                 ": cannot read event_log: " + sqlite3_errmsg(db));
            }
            if (!visit(sqlite3_column_int64(stmt, 0), columnText(stmt, 1), columnText(stmt, 2),
                       columnText(stmt, 3))) {
                break;
            }
        }
    }
    if (failed) {
        return result;
    }
    if (recorded && !result.headReached) {
        // The chain holds but ends before the head recorded outside: its tail is gone (or, for a
        // head given without its number, the chain was rewritten).
        result.expected = recorded->hash;
        fail(AuditProblem::Truncated, result.head.seq + 1);
    }
    return result;
}

void forEachAuditEvent(Store& store, std::int64_t since, std::int64_t until,
                       const std::function<void(const AuditRow&)>& fn) {
    Statement query =
        store.db().prepare("SELECT id, at, kind, text, json, prev_hash, hash FROM event_log "
                           "WHERE at >= ?1 AND (?2 = 0 OR at < ?2) ORDER BY id");
    query.bind(1, since).bind(2, until).streamed();
    AuditRow row;
    while (query.step()) {
        row.seq = query.integer(0);
        row.at = query.integer(1);
        row.kind = query.text(2);
        row.text = query.text(3);
        row.json = query.text(4);
        row.prevHash = query.text(5);
        row.hash = query.text(6);
        fn(row);
    }
}

// --- Store: appending and the head -----------------------------------------------------------

std::int64_t Store::appendEvent(const AuditEvent& event) {
    if (!auditChained_) {
        // Only while migrate() runs the migrations before the one that chains event_log (a
        // migration that merges clusters logs them): the table is the plain one of schema 1,
        // whose rows that migration chains.
        // PostgreSQL stores start at a schema version long after the chain (docs/storage.md).
        if (db_.isPostgres()) {
            auditChained_ = true;
        } else {
            Statement column = db_.prepare(
                "SELECT count(*) FROM pragma_table_info('event_log') WHERE name = 'prev_hash'");
            auditChained_ = column.step() && column.integer(0) == 1;
        }
        if (!auditChained_) {
            Statement insert = db_.prepare("INSERT INTO event_log (at, kind, text) VALUES (?1, "
                                           "?2, ?3)");
            insert.bind(1, event.at).bind(2, event.kind).bind(3, redactSecrets(event.text)).run();
            return db_.lastInsertId();
        }
    }
    // The head is read and the event inserted under the write lock (BEGIN IMMEDIATE, or the
    // caller's write transaction), so two writers never chain onto the same head; the
    // event_log_append trigger refuses such an insert anyway. Inside the caller's transaction
    // nothing more is needed: the INSERT is one statement, atomic on its own.
    const bool own = !db_.inTransaction();
    if (own) {
        db_.beginWrite();
    }
    try {
        AuditHead head;
        if (!own && headKnown_ && headMarks_ == db_.transactionMarks()) {
            head = headSeen_; // this transaction's last event, appended here
        } else {
            Statement& q = cached("SELECT id, hash FROM event_log ORDER BY id DESC LIMIT 1");
            Rewind rewind(q);
            if (q.step()) {
                head.seq = q.integer(0);
                head.hash = q.text(1);
            }
        }
        headKnown_ = false; // until the insert is sent
        const std::int64_t seq = head.seq + 1;
        // Event texts quote server replies and URLs: secrets in them never reach the log.
        AuditEvent redacted = event;
        redacted.text = redactSecrets(event.text);
        const std::string json = canonicalAuditJson(redacted, seq);
        const std::string hash = auditHash(head.hash, json);
        {
            Statement& q =
                cached("INSERT INTO event_log (id, json, prev_hash, hash) VALUES (?1, ?2, ?3, ?4)");
            Rewind rewind(q);
            // Not waited for on PostgreSQL: an error (the append-only trigger) fails the
            // transaction at its next statement or commit, as it would here.
            q.bind(1, seq).bind(2, json).bind(3, head.hash).bind(4, hash).runLater();
        }
        if (!own) {
            headSeen_ = AuditHead{seq, hash};
            headMarks_ = db_.transactionMarks();
            headKnown_ = true;
        }
        if (own) {
            db_.exec("COMMIT");
        }
        return seq;
    } catch (...) {
        if (own && db_.inTransaction()) {
            db_.execQuietly("ROLLBACK");
        }
        throw;
    }
}

AuditHead Store::auditHead() {
    AuditHead head;
    Statement& q = cached("SELECT id, hash FROM event_log ORDER BY id DESC LIMIT 1");
    Rewind rewind(q);
    if (q.step()) {
        head.seq = q.integer(0);
        head.hash = q.text(1);
    }
    return head;
}

} // namespace vw
