#include "store/vex_query.h"

#include <algorithm>

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

} // namespace

bool isVexContentEvent(std::string_view kind) {
    return kind == "case-open" || kind == "case-transition" || kind == "case-reopen" ||
           kind == "case-components" || kind == "case-signal";
}

std::vector<VexEventRow> vexCaseEvents(Store& store, const std::vector<std::int64_t>& caseIds) {
    // One look-up per case through the index on the event's case (event_log_case).
    Statement& q = store.cachedStatement(
        "SELECT id, at, kind, text FROM event_log WHERE json_extract(json, '$.case') = ?1 "
        "ORDER BY id");
    std::vector<VexEventRow> out;
    for (const std::int64_t id : caseIds) {
        Rewind rewind(q);
        q.bind(1, std::to_string(id));
        while (q.step()) {
            const std::string kind = q.text(2);
            if (!isVexContentEvent(kind)) {
                continue;
            }
            out.push_back({q.integer(0), q.integer(1), kind, q.text(3), id});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const VexEventRow& a, const VexEventRow& b) { return a.seq < b.seq; });
    return out;
}

std::vector<VexEventRow> vexProductEvents(Store& store, const std::vector<std::string>& subjects) {
    std::vector<VexEventRow> out;
    if (subjects.empty()) {
        return out;
    }
    Statement& q = store.cachedStatement(
        "SELECT e.id, e.at, e.kind, e.text, s.value FROM event_log e, "
        "json_each(e.json, '$.subjects') s WHERE e.kind = 'product' ORDER BY e.id");
    Rewind rewind(q);
    std::int64_t last = 0;
    while (q.step()) {
        const std::int64_t seq = q.integer(0);
        if (seq == last ||
            std::find(subjects.begin(), subjects.end(), q.text(4)) == subjects.end()) {
            continue;
        }
        last = seq;
        out.push_back({seq, q.integer(1), q.text(2), q.text(3), 0});
    }
    return out;
}

std::vector<std::string> clusterRecordsAsOf(Store& store, std::int64_t clusterId, std::int64_t at) {
    // A revision's json is NULL while it is the record's current content (migration 2).
    Statement& q = store.cachedStatement(
        "SELECT coalesce(v.json, r.json) FROM record r JOIN revision v ON v.id = "
        "(SELECT id FROM revision WHERE record_id = r.id AND seen_at <= ?2 "
        "ORDER BY seen_at DESC, id DESC LIMIT 1) WHERE r.cluster_id = ?1 ORDER BY r.id");
    Rewind rewind(q);
    q.bind(1, clusterId).bind(2, at);
    std::vector<std::string> out;
    while (q.step()) {
        out.push_back(q.text(0));
    }
    return out;
}

std::vector<std::string> coveringAdvisoriesAsOf(Store& store, std::int64_t clusterId,
                                                std::int64_t at) {
    Statement& q = store.cachedStatement(
        "SELECT a.ident FROM advisory_cluster ac JOIN advisory a ON a.id = ac.advisory_id "
        "WHERE ac.cluster_id = ?1 AND ac.first_seen <= ?2 ORDER BY a.ident");
    Rewind rewind(q);
    q.bind(1, clusterId).bind(2, at);
    std::vector<std::string> out;
    while (q.step()) {
        out.push_back(q.text(0));
    }
    return out;
}

std::vector<VexVersionRow> vexProductVersions(Store& store, const std::string& name,
                                              std::optional<std::int64_t>* productRemovedAt) {
    Statement& q = store.cachedStatement(
        "SELECT v.version, v.created_at, v.removed_at, p.removed_at FROM product p "
        "JOIN product_version v ON v.product_id = p.id WHERE p.name = ?1 ORDER BY v.version");
    Rewind rewind(q);
    q.bind(1, name);
    std::vector<VexVersionRow> out;
    while (q.step()) {
        VexVersionRow row;
        row.version = q.text(0);
        row.createdAt = q.integer(1);
        if (!q.isNull(2)) {
            row.removedAt = q.integer(2);
        }
        if (productRemovedAt != nullptr && !q.isNull(3)) {
            *productRemovedAt = q.integer(3);
        }
        out.push_back(std::move(row));
    }
    return out;
}

} // namespace vw
