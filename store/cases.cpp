#include "store/cases.h"

#include "core/json_writer.h"
#include "store/lookahead.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <sqlite3.h>
#include <stdexcept>
#include <unordered_set>

namespace vw {

namespace {

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

constexpr std::string_view kColumns =
    "id, cluster_id, cluster_key, product, version, title, origin, state, severity, "
    "received_at, decide_due, inform_due, fix_due, decided_at, risk, ssvc, ssvc_points, fields, "
    "components, inherited_from, reopen_reason, breached, opened_at, updated_at, last_event";

/// nextDue(c).first of a vcase row, with "none" as the largest integer (sorts last). The same
/// expression as the index vcase_next_due of migration 18 (store/migrations.cpp): SQLite uses an
/// expression index only for the very same expression, so change both or neither.
constexpr std::string_view kNextDueSql =
    "min(CASE WHEN state IN ('received', 'confirming', 'evaluating') AND decide_due > 0 THEN "
    "decide_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', "
    "'false_positive', 'not_affected', 'risk_accepted') AND inform_due > 0 THEN inform_due ELSE "
    "9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', "
    "'not_affected', 'risk_accepted') AND fix_due > 0 THEN fix_due ELSE 9223372036854775807 "
    "END)";

std::string fieldsJson(const std::map<std::string, std::string>& fields) {
    JsonWriter w;
    w.beginObject();
    for (const auto& [name, value] : fields) {
        w.key(name).value(value);
    }
    w.endObject();
    return w.str();
}

std::map<std::string, std::string> parseFields(Store& store, const std::string& json) {
    std::map<std::string, std::string> out;
    if (json.empty() || json == "{}") {
        return out;
    }
    Statement& q = store.cachedStatement("SELECT key, value FROM json_each(?1)");
    Rewind rewind(q);
    q.bind(1, json);
    while (q.step()) {
        out[q.text(0)] = q.text(1);
    }
    return out;
}

/// Reads a row selected with kColumns.
Case readCase(Store& store, Statement& q) {
    Case c;
    c.id = q.integer(0);
    c.clusterId = q.isNull(1) ? 0 : q.integer(1);
    c.clusterKey = q.text(2);
    c.product = q.text(3);
    c.version = q.text(4);
    c.title = q.text(5);
    c.origin = q.text(6);
    const auto state = parseCaseState(q.text(7));
    if (!state) {
        throw StoreError("case " + std::to_string(c.id) + " has an unknown state '" + q.text(7) +
                         "'");
    }
    c.state = *state;
    c.severity = q.text(8);
    c.receivedAt = q.integer(9);
    c.decideDue = q.integer(10);
    c.informDue = q.integer(11);
    c.fixDue = q.integer(12);
    c.decidedAt = q.integer(13);
    c.risk = q.text(14);
    c.ssvc = q.text(15);
    c.ssvcPoints = q.text(16);
    const std::string fields = q.text(17);
    c.components = q.text(18);
    c.inheritedFrom = q.integer(19);
    c.reopenReason = q.text(20);
    const std::string breached = q.text(21);
    c.openedAt = q.integer(22);
    c.updatedAt = q.integer(23);
    c.lastEvent = q.integer(24);
    c.fields = parseFields(store, fields);
    if (!breached.empty()) {
        applyCaseEvent(c, "", c.updatedAt, c.lastEvent, {{"breached", breached}});
    }
    return c;
}

std::vector<Case> readCases(Store& store, Statement& q) {
    // Collected first: parseFields uses another statement while this one is open, which is
    // fine, but a Case vector keeps the reading simple.
    std::vector<Case> out;
    while (q.step()) {
        out.push_back(readCase(store, q));
    }
    return out;
}

void writeCase(Store& store, const Case& c) {
    Statement& q = store.cachedStatement(
        "INSERT INTO vcase (id, cluster_id, cluster_key, product, version, title, origin, state, "
        "severity, received_at, decide_due, inform_due, fix_due, decided_at, risk, ssvc, "
        "ssvc_points, fields, components, inherited_from, reopen_reason, breached, opened_at, "
        "updated_at, last_event) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25) ON CONFLICT (id) DO UPDATE "
        "SET cluster_id = excluded.cluster_id, cluster_key = excluded.cluster_key, product = "
        "excluded.product, version = excluded.version, title = excluded.title, origin = "
        "excluded.origin, state = excluded.state, severity = excluded.severity, received_at = "
        "excluded.received_at, decide_due = excluded.decide_due, inform_due = "
        "excluded.inform_due, fix_due = excluded.fix_due, decided_at = excluded.decided_at, risk "
        "= excluded.risk, ssvc = excluded.ssvc, ssvc_points = excluded.ssvc_points, fields = "
        "excluded.fields, components = excluded.components, inherited_from = "
        "excluded.inherited_from, reopen_reason = excluded.reopen_reason, breached = "
        "excluded.breached, opened_at = excluded.opened_at, updated_at = excluded.updated_at, "
        "last_event = excluded.last_event");
    Rewind rewind(q);
    q.bind(1, c.id);
    if (c.clusterId != 0) {
        q.bind(2, c.clusterId);
    } else {
        q.bindNull(2);
    }
    q.bind(3, c.clusterKey)
        .bind(4, c.product)
        .bind(5, c.version)
        .bind(6, c.title)
        .bind(7, c.origin)
        .bind(8, caseStateName(c.state))
        .bind(9, c.severity)
        .bind(10, c.receivedAt)
        .bind(11, c.decideDue)
        .bind(12, c.informDue)
        .bind(13, c.fixDue)
        .bind(14, c.decidedAt)
        .bind(15, c.risk)
        .bind(16, c.ssvc)
        .bind(17, c.ssvcPoints)
        .bind(18, fieldsJson(c.fields))
        .bind(19, c.components)
        .bind(20, c.inheritedFrom)
        .bind(21, c.reopenReason)
        .bind(22, joinCaseList(c.breached))
        .bind(23, c.openedAt)
        .bind(24, c.updatedAt)
        .bind(25, c.lastEvent);
    q.runLater(); // the case's event and projection fail or commit together
}

/// SAVEPOINT around one change: inside the caller's transaction or on its own. The statements
/// are prepared once per connection (a bulk re-match records a hundred thousand changes).
class CaseSavepoint {
public:
    explicit CaseSavepoint(Store& store) : store_(store) {
        own_ = !store.db().inTransaction();
        if (own_) {
            store.db().beginWrite();
        } else {
            run("SAVEPOINT vw_case", true);
        }
    }
    ~CaseSavepoint() {
        if (!done_) {
            try {
                if (own_) {
                    run("ROLLBACK");
                } else {
                    run("ROLLBACK TO vw_case");
                    run("RELEASE vw_case");
                }
            } catch (...) {
                // The original error is what matters.
            }
        }
    }
    CaseSavepoint(const CaseSavepoint&) = delete;
    CaseSavepoint& operator=(const CaseSavepoint&) = delete;
    void commit() {
        // Waited for, nested too: a failed queued write of the change is thrown here.
        run(own_ ? "COMMIT" : "RELEASE vw_case");
        done_ = true;
    }

private:
    /// `later`: on PostgreSQL sent with what follows, not waited for (Statement::runLater).
    void run(std::string_view sql, bool later = false) {
        Statement& q = store_.cachedStatement(sql);
        Rewind rewind(q);
        if (later) {
            q.runLater();
        } else {
            q.run();
        }
    }
    Store& store_;
    bool own_ = false;
    bool done_ = false;
};

} // namespace

Case recordCaseChange(Store& store, std::int64_t caseId, const CaseChange& change,
                      std::int64_t now) {
    if (!isCaseEventKind(change.kind)) {
        throw std::invalid_argument("not a case event kind: " + change.kind);
    }
    CaseSavepoint savepoint(store);
    Case c;
    if (caseId == 0) {
        // PostgreSQL in a write transaction: from the table's sequence, reserved ahead
        // (Database::nextId; its first reservation moves the sequence past max(id)), not waited
        // for. SQLite: the highest id plus one.
        c.id = store.db().nextId("vcase");
        if (c.id == 0) {
            Statement& q = store.cachedStatement("SELECT coalesce(max(id), 0) + 1 FROM vcase");
            Rewind rewind(q);
            q.step();
            c.id = q.integer(0);
        }
    } else {
        std::optional<Case> existing = caseById(store, caseId);
        if (!existing) {
            throw std::invalid_argument("there is no case " + std::to_string(caseId));
        }
        c = std::move(*existing);
    }
    AuditEvent event;
    event.kind = change.kind;
    event.at = now;
    event.text = change.text;
    event.caseId = std::to_string(c.id);
    event.actor = change.actor;
    event.subjects = change.subjects;
    event.evidence = change.evidence;
    event.details = change.details;
    if (!change.site.empty() &&
        std::none_of(event.details.begin(), event.details.end(),
                     [](const auto& detail) { return detail.first == "site"; })) {
        event.details.emplace_back("site", change.site);
    }
    // The projection first (it refuses bad details), then the event, then the row.
    Case next = c;
    applyCaseEvent(next, change.kind, now, 0, change.details);
    ClusterLookahead* ahead = store.clusterLookahead();
    if (ahead != nullptr) {
        ahead->forgetCases(c.clusterKey);
        ahead->forgetCases(next.clusterKey);
    }
    next.lastEvent = store.appendEvent(event);
    writeCase(store, next);
    savepoint.commit();
    if (ahead != nullptr) {
        ahead->noteCase(next); // a key it left (a re-pointed case) stays read from the store
    }
    return next;
}

std::optional<Case> caseById(Store& store, std::int64_t id) {
    static const std::string sql = "SELECT " + std::string(kColumns) + " FROM vcase WHERE id = ?1";
    Statement& q = store.cachedStatement(sql);
    Rewind rewind(q);
    q.bind(1, id);
    if (!q.step()) {
        return std::nullopt;
    }
    return readCase(store, q);
}

bool lockCase(Store& store, std::int64_t id) {
    Statement& q = store.cachedStatement("UPDATE vcase SET last_event = last_event WHERE id = ?1");
    Rewind rewind(q);
    q.bind(1, id);
    q.run();
    return store.db().changes() > 0;
}

std::optional<Case> caseFor(Store& store, const std::string& clusterKey, const std::string& product,
                            const std::string& version) {
    if (const ClusterLookahead* ahead = store.clusterLookahead(); ahead != nullptr) {
        if (const std::vector<Case>* held = ahead->cases(clusterKey)) {
            for (const Case& c : *held) {
                if (c.product == product && c.version == version) {
                    return c;
                }
            }
            return std::nullopt;
        }
    }
    static const std::string sql = "SELECT " + std::string(kColumns) +
                                   " FROM vcase WHERE cluster_key = ?1 AND cluster_key != '' AND "
                                   "product = ?2 AND version = ?3";
    Statement& q = store.cachedStatement(sql);
    Rewind rewind(q);
    q.bind(1, clusterKey).bind(2, product).bind(3, version);
    if (!q.step()) {
        return std::nullopt;
    }
    return readCase(store, q);
}

std::optional<Case> inheritableCase(Store& store, const std::string& clusterKey,
                                    const std::string& product, const std::string& version,
                                    const std::string& components) {
    if (clusterKey.empty()) {
        return std::nullopt;
    }
    const auto decided = [](CaseState state) {
        return state == CaseState::NotAffected || state == CaseState::FalsePositive ||
               state == CaseState::RiskAccepted;
    };
    if (const ClusterLookahead* ahead = store.clusterLookahead(); ahead != nullptr) {
        if (const std::vector<Case>* held = ahead->cases(clusterKey)) {
            const Case* best = nullptr;
            for (const Case& c : *held) {
                if (c.product == product && c.version != version && c.components == components &&
                    decided(c.state) &&
                    (best == nullptr || c.decidedAt > best->decidedAt ||
                     (c.decidedAt == best->decidedAt && c.id > best->id))) {
                    best = &c;
                }
            }
            return best == nullptr ? std::nullopt : std::optional<Case>(*best);
        }
    }
    Statement& q = store.cachedStatement(
        "SELECT id FROM vcase WHERE cluster_key = ?1 AND cluster_key != '' AND product = ?2 AND "
        "version != ?3 AND components = ?4 AND state IN ('not_affected', 'false_positive', "
        "'risk_accepted') "
        "ORDER BY decided_at DESC, id DESC LIMIT 1");
    std::int64_t id = 0;
    {
        Rewind rewind(q);
        q.bind(1, clusterKey).bind(2, product).bind(3, version).bind(4, components);
        if (q.step()) {
            id = q.integer(0);
        }
    }
    return id == 0 ? std::nullopt : caseById(store, id);
}

std::unordered_set<std::string> clusterKeysWithCases(Store& store) {
    Statement& q =
        store.cachedStatement("SELECT DISTINCT cluster_key FROM vcase WHERE cluster_key != ''");
    Rewind rewind(q);
    std::unordered_set<std::string> keys;
    while (q.step()) {
        keys.insert(q.text(0));
    }
    return keys;
}

std::vector<Case> casesOfClusterKeys(Store& store, const std::vector<std::string>& clusterKeys) {
    static const std::string sql = "SELECT " + std::string(kColumns) +
                                   " FROM vcase WHERE cluster_key IN (" + sqlSlots(kLookupSlots) +
                                   ") AND cluster_key != ''";
    std::vector<Case> out;
    for (std::size_t from = 0; from < clusterKeys.size(); from += kLookupSlots) {
        Statement& q = store.cachedStatement(sql);
        Rewind rewind(q);
        bindTextSlots(q, clusterKeys, from, kLookupSlots);
        std::vector<Case> part = readCases(store, q);
        std::move(part.begin(), part.end(), std::back_inserter(out));
    }
    return out;
}

std::vector<Case> casesOfCluster(Store& store, std::int64_t clusterId) {
    static const std::string sql =
        "SELECT " + std::string(kColumns) + " FROM vcase WHERE cluster_id = ?1 ORDER BY id";
    Statement& q = store.cachedStatement(sql);
    Rewind rewind(q);
    q.bind(1, clusterId);
    return readCases(store, q);
}

std::pair<std::int64_t, std::string> nextDue(const Case& c) {
    std::pair<std::int64_t, std::string> best{0, ""};
    const auto offer = [&](bool runs, std::int64_t due, const char* name) {
        if (runs && due > 0 && (best.first == 0 || due < best.first)) {
            best = {due, name};
        }
    };
    offer(decideClockRuns(c.state), c.decideDue, "decide");
    offer(informClockRuns(c.state), c.informDue, "inform");
    offer(fixClockRuns(c.state), c.fixDue, "fix");
    return best;
}

std::vector<std::string> overdueClocks(const Case& c, std::int64_t now) {
    std::vector<std::string> out;
    if (decideClockRuns(c.state) && c.decideDue > 0 && now > c.decideDue) {
        out.emplace_back("decide");
    }
    if (informClockRuns(c.state) && c.informDue > 0 && now > c.informDue) {
        out.emplace_back("inform");
    }
    if (fixClockRuns(c.state) && c.fixDue > 0 && now > c.fixDue) {
        out.emplace_back("fix");
    }
    return out;
}

std::string_view caseNextDueSql() {
    return kNextDueSql;
}

std::vector<Case> listCases(Store& store, const CaseFilter& filter) {
    // Ordered and cut in SQL: nextDue() as an expression (a clock that does not run, or has no
    // due time, counts as the largest integer: such cases come last), which the index
    // vcase_next_due (migration 18) holds, so the first page of a list does not read every case.
    std::string sql = "SELECT " + std::string(kColumns) + " FROM vcase WHERE 1 = 1";
    int n = 0;
    std::vector<std::string> binds;
    if (!filter.product.empty()) {
        sql += " AND product = ?" + std::to_string(++n);
        binds.push_back(filter.product);
        if (!filter.version.empty()) {
            sql += " AND version = ?" + std::to_string(++n);
            binds.push_back(filter.version);
        }
    }
    if (filter.state) {
        sql += " AND state = ?" + std::to_string(++n);
        binds.emplace_back(caseStateName(*filter.state));
    }
    if (filter.openOnly || filter.overdueAt > 0) {
        sql += " AND state NOT IN ('closed', 'false_positive', 'not_affected', 'risk_accepted')";
    }
    if (filter.overdueAt > 0) {
        // overdueClocks() is not empty exactly when the earliest running due time has passed.
        sql += " AND " + std::string(kNextDueSql) + " < " + std::to_string(filter.overdueAt);
    }
    sql += " ORDER BY " + std::string(kNextDueSql) + ", id";
    if (filter.limit > 0) {
        sql += " LIMIT " + std::to_string(filter.limit);
    }
    Statement q = store.db().prepare(sql);
    for (int i = 0; i < n; ++i) {
        q.bind(i + 1, binds[static_cast<std::size_t>(i)]);
    }
    return readCases(store, q);
}

std::vector<CaseEventRow> caseEvents(Store& store, std::int64_t caseId) {
    Statement& q = store.cachedStatement(
        "SELECT e.id, e.at, e.kind, e.text, coalesce(json_extract(e.json, '$.actor'), ''), "
        "coalesce(json_extract(e.json, '$.evidence'), '[]'), d.key, d.value FROM event_log e "
        "LEFT JOIN json_each(e.json, '$.details') d ON 1 = 1 "
        "WHERE json_extract(e.json, '$.case') = ?1 "
        "ORDER BY e.id, d.key");
    Rewind rewind(q);
    q.bind(1, std::to_string(caseId));
    std::vector<CaseEventRow> out;
    while (q.step()) {
        const std::int64_t seq = q.integer(0);
        if (out.empty() || out.back().seq != seq) {
            CaseEventRow row;
            row.seq = seq;
            row.at = q.integer(1);
            row.kind = q.text(2);
            row.text = q.text(3);
            row.actor = q.text(4);
            const std::string evidence = q.text(5);
            Statement each = store.db().prepare("SELECT value FROM json_each(?1)");
            each.bind(1, evidence);
            while (each.step()) {
                row.evidence.push_back(each.text(0));
            }
            out.push_back(std::move(row));
        }
        if (!q.isNull(6)) {
            out.back().details.emplace_back(q.text(6), q.text(7));
            if (out.back().details.back().first == "site") {
                out.back().site = out.back().details.back().second;
            }
        }
    }
    return out;
}

std::optional<CaseEventRow> lastCaseChange(Store& store, const Case& c) {
    for (CaseEventRow& e : caseEvents(store, c.id)) {
        if (e.seq == c.lastEvent) {
            return std::move(e);
        }
    }
    return std::nullopt;
}

std::string actorAtSite(const CaseEventRow& e) {
    return e.site.empty() ? e.actor : e.actor + " @ " + e.site;
}

std::vector<Case> rebuildCases(Store& store) {
    Statement q = store.db().prepare(
        "SELECT e.id, e.at, e.kind, json_extract(e.json, '$.case'), d.key, d.value FROM event_log "
        "e LEFT JOIN json_each(e.json, '$.details') d ON 1 = 1 "
        "WHERE json_extract(e.json, '$.case') IS NOT NULL ORDER BY e.id, d.key");
    std::map<std::int64_t, Case> cases;
    std::int64_t seq = 0;
    std::int64_t at = 0;
    std::string kind;
    std::int64_t caseId = 0;
    std::vector<std::pair<std::string, std::string>> details;
    const auto flush = [&] {
        if (seq == 0 || !isCaseEventKind(kind)) {
            return;
        }
        Case& c = cases[caseId];
        c.id = caseId;
        applyCaseEvent(c, kind, at, seq, details);
    };
    while (q.step()) {
        const std::int64_t row = q.integer(0);
        if (row != seq) {
            flush();
            seq = row;
            at = q.integer(1);
            kind = q.text(2);
            const std::string id = q.text(3);
            try {
                caseId = std::stoll(id);
            } catch (const std::exception&) {
                throw std::invalid_argument("event " + std::to_string(seq) + " names case '" + id +
                                            "', not a case number");
            }
            details.clear();
        }
        if (!q.isNull(4)) {
            details.emplace_back(q.text(4), q.text(5));
        }
    }
    flush();
    std::vector<Case> out;
    out.reserve(cases.size());
    for (auto& [id, c] : cases) {
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<Case> storedCases(Store& store) {
    Statement q = store.db().prepare("SELECT " + std::string(kColumns) + " FROM vcase ORDER BY id");
    return readCases(store, q);
}

std::vector<std::pair<std::string, int>> caseCounts(Store& store) {
    Statement q = store.db().prepare("SELECT state, count(*) FROM vcase GROUP BY state");
    std::map<std::string, int> counts;
    while (q.step()) {
        counts[q.text(0)] = static_cast<int>(q.integer(1));
    }
    std::vector<std::pair<std::string, int>> out;
    for (const CaseState s : allCaseStates()) {
        const auto it = counts.find(std::string(caseStateName(s)));
        out.emplace_back(caseStateName(s), it == counts.end() ? 0 : it->second);
    }
    return out;
}

} // namespace vw
