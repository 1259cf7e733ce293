#include "store/kev.h"

#include "store/lookahead.h"
#include "store/store.h"

#include <cctype>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace vw {
namespace {

/// Rewinds a cached statement when the scope ends, so the next user finds it fresh.
class Reset {
public:
    explicit Reset(Statement& statement) : statement_(statement) {}
    ~Reset() {
        statement_.reset();
        statement_.clearBindings();
    }
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;

private:
    Statement& statement_;
};

constexpr const char* kColumns = "cve, date_added, vendor, product, name, ransomware, first_seen";

/// Reads the kColumns of a row, starting at column `first`.
StoredKevEntry readRow(Statement& q, int first = 0) {
    StoredKevEntry row;
    row.entry.cve = q.text(first);
    row.entry.dateAdded = q.text(first + 1);
    row.entry.vendor = q.text(first + 2);
    row.entry.product = q.text(first + 3);
    row.entry.name = q.text(first + 4);
    row.entry.ransomware = q.text(first + 5);
    row.firstSeen = q.integer(first + 6);
    return row;
}

std::string normalizedCve(const std::string& cve) {
    std::string out;
    for (char c : cve) {
        if (std::isspace(static_cast<unsigned char>(c)) == 0) {
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

} // namespace

KevStoreResult storeKevCatalog(Store& store, const std::vector<KevEntry>& entries,
                               std::int64_t now) {
    std::unordered_map<std::string, KevEntry> stored;
    {
        Statement q = store.db().prepare(std::string("SELECT ") + kColumns + " FROM kev");
        while (q.step()) {
            StoredKevEntry row = readRow(q);
            stored.emplace(row.entry.cve, std::move(row.entry));
        }
    }
    KevStoreResult result;
    Statement& insert = store.cachedStatement(
        "INSERT INTO kev (cve, date_added, vendor, product, name, ransomware, first_seen) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    Statement& update =
        store.cachedStatement("UPDATE kev SET date_added = ?2, vendor = ?3, product = ?4, "
                              "name = ?5, ransomware = ?6 WHERE cve = ?1");
    std::unordered_set<std::string> listed;
    for (const KevEntry& entry : entries) {
        if (!listed.insert(entry.cve).second) {
            continue; // listed twice: the parser keeps the first; so do we
        }
        const auto found = stored.find(entry.cve);
        if (found != stored.end() && found->second == entry) {
            ++result.unchanged;
            continue;
        }
        Statement& q = found == stored.end() ? insert : update;
        Reset reset(q);
        q.bind(1, entry.cve)
            .bind(2, entry.dateAdded)
            .bind(3, entry.vendor)
            .bind(4, entry.product)
            .bind(5, entry.name)
            .bind(6, entry.ransomware);
        if (found == stored.end()) {
            q.bind(7, now);
            result.added.push_back(entry.cve);
        } else {
            ++result.updated;
        }
        q.run();
    }
    for (const auto& [cve, entry] : stored) {
        result.missing += listed.count(cve) == 0 ? 1 : 0;
    }
    return result;
}

bool inKev(Store& store, const std::string& cve) {
    return kevEntry(store, cve).has_value();
}

std::optional<StoredKevEntry> kevEntry(Store& store, const std::string& cve) {
    Statement& q = store.cachedStatement(
        "SELECT cve, date_added, vendor, product, name, ransomware, first_seen FROM kev "
        "WHERE cve = ?1");
    Reset reset(q);
    q.bind(1, normalizedCve(cve));
    if (!q.step()) {
        return std::nullopt;
    }
    return readRow(q);
}

std::int64_t kevCount(Store& store) {
    Statement& q = store.cachedStatement("SELECT count(*) FROM kev");
    Reset reset(q);
    return q.step() ? q.integer(0) : 0;
}

std::optional<StoredKevEntry> kevForCluster(Store& store, std::int64_t clusterId) {
    if (const ClusterLookahead* ahead = store.clusterLookahead()) {
        if (const auto* held = ahead->kev(clusterId)) {
            return *held;
        }
    }
    Statement& q = store.cachedStatement(
        "SELECT k.cve, k.date_added, k.vendor, k.product, k.name, k.ransomware, k.first_seen "
        "FROM alias a JOIN kev k ON k.cve = a.id WHERE a.cluster_id = ?1 "
        "ORDER BY k.date_added, k.cve LIMIT 1");
    Reset reset(q);
    q.bind(1, clusterId);
    if (!q.step()) {
        return std::nullopt;
    }
    return readRow(q);
}

std::optional<std::string> jpcertAlertFor(Store& store, std::int64_t clusterId) {
    if (const ClusterLookahead* ahead = store.clusterLookahead()) {
        if (const auto* held = ahead->jpcertAlert(clusterId)) {
            return *held;
        }
    }
    // 1. A JPCERT/CC alert (JPCERT-AT-…) covering the cluster, whatever channel brought it
    //    (VULDEF references, the alert's mail, MyJVN's alert list).
    {
        Statement& q = store.cachedStatement(
            "SELECT a.ident FROM advisory_cluster ac JOIN advisory a ON a.id = ac.advisory_id "
            "WHERE ac.cluster_id = ?1 AND a.ident LIKE 'JPCERT-AT-%' "
            "ORDER BY ac.first_seen, a.ident LIMIT 1");
        Reset reset(q);
        q.bind(1, clusterId);
        if (q.step()) {
            return q.text(0);
        }
    }
    // 2. An alert of MyJVN's getAlertList (IPA's and JPCERT/CC's 注意警戒情報) whose advisory
    //    covers the cluster.
    {
        Statement& q = store.cachedStatement(
            "SELECT a.ident FROM advisory_cluster ac JOIN advisory a ON a.id = ac.advisory_id "
            "WHERE ac.cluster_id = ?1 AND EXISTS (SELECT 1 FROM record r WHERE "
            "r.advisory_id = a.id AND r.source = 'myjvn-alert') "
            "ORDER BY ac.first_seen, a.ident LIMIT 1");
        Reset reset(q);
        q.bind(1, clusterId);
        if (q.step()) {
            return q.text(0);
        }
    }
    // 3. An alert record (MyJVN alert list; a mail whose subject says 注意喚起) in the cluster,
    //    in an advisory covering it, or mentioning one of its aliases.
    //    The candidates as a UNION of the three indexed look-ups, then the alert condition:
    //    PostgreSQL plans the OR form as a scan of the alert records for every cluster (31 ms
    //    a case on 300k records; docs/performance.md, "PostgreSQL (issue 17)").
    Statement& q = store.cachedStatement(
        "SELECT x.record_id FROM ("
        "SELECT r.id FROM record r WHERE r.cluster_id = ?1 "
        "UNION SELECT r.id FROM record r WHERE r.advisory_id IN "
        "(SELECT advisory_id FROM advisory_cluster WHERE cluster_id = ?1) "
        "UNION SELECT m.record_id FROM alias al JOIN mention m ON m.ident = al.id "
        "WHERE al.cluster_id = ?1) u JOIN record x ON x.id = u.id "
        "WHERE x.source = 'myjvn-alert' OR (x.source = 'mail' AND instr(x.title, '注意喚起') > 0) "
        "ORDER BY x.first_seen, x.id LIMIT 1");
    Reset reset(q);
    q.bind(1, clusterId);
    if (q.step()) {
        return q.text(0);
    }
    return std::nullopt;
}

std::string productMission(Store& store, const std::string& name) {
    if (const ClusterLookahead* ahead = store.clusterLookahead()) {
        if (const std::string* held = ahead->mission(name)) {
            return *held;
        }
    }
    Statement& q = store.cachedStatement("SELECT mission FROM product WHERE name = ?1");
    Reset reset(q);
    q.bind(1, name);
    return q.step() ? q.text(0) : std::string();
}

std::unordered_map<std::int64_t, StoredKevEntry>
kevForClusters(Store& store, const std::vector<std::int64_t>& clusterIds) {
    // kevForCluster's choice per cluster: the earliest date_added, then the lowest CVE.
    static const std::string sql =
        "SELECT a.cluster_id, k.cve, k.date_added, k.vendor, k.product, k.name, k.ransomware, "
        "k.first_seen FROM alias a JOIN kev k ON k.cve = a.id WHERE a.cluster_id IN (" +
        sqlSlots(kLookupSlots) + ")";
    std::unordered_map<std::int64_t, StoredKevEntry> out;
    for (std::size_t from = 0; from < clusterIds.size(); from += kLookupSlots) {
        Statement& q = store.cachedStatement(sql);
        Reset reset(q);
        bindIdSlots(q, clusterIds, from, kLookupSlots);
        while (q.step()) {
            StoredKevEntry row = readRow(q, 1);
            const auto [it, added] = out.try_emplace(q.integer(0), row);
            if (!added && std::tie(row.entry.dateAdded, row.entry.cve) <
                              std::tie(it->second.entry.dateAdded, it->second.entry.cve)) {
                it->second = std::move(row);
            }
        }
    }
    return out;
}

std::unordered_map<std::int64_t, std::string>
jpcertAlertsFor(Store& store, const std::vector<std::int64_t>& clusterIds) {
    // jpcertAlertFor's three steps, each for all the clusters at once; a cluster takes the
    // answer of the first step that has one, and within a step the earliest (as its ORDER BY).
    static const std::string slots = sqlSlots(kLookupSlots);
    static const std::string alertSql =
        "SELECT ac.cluster_id, a.ident, ac.first_seen FROM advisory_cluster ac JOIN advisory a "
        "ON a.id = ac.advisory_id WHERE ac.cluster_id IN (" +
        slots + ") AND a.ident LIKE 'JPCERT-AT-%'";
    static const std::string listSql =
        "SELECT ac.cluster_id, a.ident, ac.first_seen FROM advisory_cluster ac JOIN advisory a "
        "ON a.id = ac.advisory_id WHERE ac.cluster_id IN (" +
        slots +
        ") AND EXISTS (SELECT 1 FROM record r WHERE r.advisory_id = a.id AND r.source = "
        "'myjvn-alert')";
    static const std::string recordSql =
        "SELECT u.cluster_id, x.record_id, x.first_seen, x.id FROM ("
        "SELECT r.cluster_id, r.id FROM record r WHERE r.cluster_id IN (" +
        slots +
        ") UNION SELECT ac.cluster_id, r.id FROM advisory_cluster ac JOIN record r ON "
        "r.advisory_id = ac.advisory_id WHERE ac.cluster_id IN (" +
        slots +
        ") UNION SELECT al.cluster_id, m.record_id FROM alias al JOIN mention m ON m.ident = "
        "al.id WHERE al.cluster_id IN (" +
        slots +
        ")) u JOIN record x ON x.id = u.id "
        "WHERE x.source = 'myjvn-alert' OR (x.source = 'mail' AND instr(x.title, '注意喚起') > 0)";
    std::unordered_map<std::int64_t, std::string> out;
    std::vector<std::int64_t> open = clusterIds;
    for (const std::string* sql : {&alertSql, &listSql, &recordSql}) {
        // cluster → (first_seen, ident or record row id as the tie-break, answer)
        std::unordered_map<std::int64_t, std::tuple<std::int64_t, std::string, std::int64_t>> best;
        const bool records = sql == &recordSql;
        for (std::size_t from = 0; from < open.size(); from += kLookupSlots) {
            Statement& q = store.cachedStatement(*sql);
            Reset reset(q);
            bindIdSlots(q, open, from, kLookupSlots);
            while (q.step()) {
                std::tuple<std::int64_t, std::string, std::int64_t> row{
                    q.integer(2), records ? std::string() : q.text(1), records ? q.integer(3) : 0};
                const std::int64_t cluster = q.integer(0);
                std::string answer = q.text(1);
                const auto it = best.find(cluster);
                if (it == best.end() || row < it->second) {
                    best[cluster] = std::move(row);
                    out[cluster] = std::move(answer);
                }
            }
        }
        open.erase(std::remove_if(open.begin(), open.end(),
                                  [&](std::int64_t id) { return best.count(id) != 0; }),
                   open.end());
        if (open.empty()) {
            break;
        }
    }
    return out;
}

std::unordered_map<std::string, std::string> productMissions(Store& store) {
    Statement& q = store.cachedStatement("SELECT name, mission FROM product");
    Reset reset(q);
    std::unordered_map<std::string, std::string> out;
    while (q.step()) {
        out.emplace(q.text(0), q.text(1));
    }
    return out;
}

} // namespace vw
