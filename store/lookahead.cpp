#include "store/lookahead.h"

#include "store/cases.h"

#include <algorithm>
#include <utility>

namespace vw {

std::string sqlSlots(std::size_t count) {
    std::string text;
    for (std::size_t i = 1; i <= count; ++i) {
        text += (i > 1 ? ", ?" : "?") + std::to_string(i);
    }
    return text;
}

void bindIdSlots(Statement& q, const std::vector<std::int64_t>& ids, std::size_t from,
                 std::size_t slots) {
    for (std::size_t i = 0; i < slots; ++i) {
        const int slot = static_cast<int>(i) + 1;
        if (from + i < ids.size()) {
            q.bind(slot, ids[from + i]);
        } else {
            q.bindNull(slot);
        }
    }
}

void bindTextSlots(Statement& q, const std::vector<std::string>& keys, std::size_t from,
                   std::size_t slots) {
    for (std::size_t i = 0; i < slots; ++i) {
        const int slot = static_cast<int>(i) + 1;
        if (from + i < keys.size()) {
            q.bind(slot, keys[from + i]);
        } else {
            q.bindNull(slot);
        }
    }
}

std::string matchKey(const std::string& product, const std::string& version,
                     const std::string& component) {
    std::string key;
    key.reserve(product.size() + version.size() + component.size() + 2);
    key.append(product).append(1, '\0').append(version).append(1, '\0').append(component);
    return key;
}

ClusterLookahead::ClusterLookahead(Store& store)
    : store_(store), previous_(std::exchange(store.clusterAhead_, this)) {}

ClusterLookahead::~ClusterLookahead() {
    store_.clusterAhead_ = previous_;
}

void ClusterLookahead::load(const std::vector<std::int64_t>& clusterIds) {
    clusters_.clear();
    kev_.clear();
    alerts_.clear();
    cases_.clear();
    writing_.clear();
    matches_.clear();
    if (!store_.db().inTransaction()) {
        return; // answers are only good while this transaction holds the write lock
    }
    if (!missionsLoaded_) {
        missions_ = productMissions(store_);
        missionsLoaded_ = true;
    }
    std::vector<std::int64_t> ids = clusterIds;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
    if (ids.empty()) {
        return;
    }
    std::vector<std::string> keys;
    for (ClusterSummary& summary : store_.clusters(ids)) {
        if (!summary.key.empty()) {
            keys.push_back(summary.key);
        }
        const std::int64_t id = summary.clusterId;
        clusters_.emplace(id, std::move(summary));
    }
    for (const auto& [id, summary] : clusters_) {
        matches_[id]; // held: none unless read below
    }
    store_.forEachMatchKey(ids, [&](std::int64_t cluster, std::string key) {
        if (const auto it = matches_.find(cluster); it != matches_.end()) {
            it->second.insert(std::move(key));
        }
    });
    std::unordered_map<std::int64_t, StoredKevEntry> kev = kevForClusters(store_, ids);
    std::unordered_map<std::int64_t, std::string> alerts = jpcertAlertsFor(store_, ids);
    for (const std::int64_t id : ids) {
        if (clusters_.count(id) == 0) {
            continue; // no such cluster: asked for as before
        }
        if (const auto it = kev.find(id); it != kev.end()) {
            kev_.emplace(id, std::move(it->second));
        } else {
            kev_.emplace(id, std::nullopt);
        }
        if (const auto it = alerts.find(id); it != alerts.end()) {
            alerts_.emplace(id, std::move(it->second));
        } else {
            alerts_.emplace(id, std::nullopt);
        }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    // Only the keys that had a case when the first load() ran, or got one since through
    // recordCaseChange, are read: the others have none. (Read per key while the store holds few
    // cases, the look-up is a scan on PostgreSQL: its statistics say the table the re-match
    // fills is empty.)
    if (!caseKeysLoaded_) {
        caseKeys_ = clusterKeysWithCases(store_);
        caseKeysLoaded_ = true;
    }
    std::vector<std::string> withCases;
    for (const std::string& key : keys) {
        cases_[key]; // held: none unless read below
        if (caseKeys_.count(key) != 0) {
            withCases.push_back(key);
        }
    }
    for (Case& c : casesOfClusterKeys(store_, withCases)) {
        const std::string key = c.clusterKey;
        cases_[key].push_back(std::move(c));
    }
    for (auto& [key, list] : cases_) {
        std::sort(list.begin(), list.end(),
                  [](const Case& a, const Case& b) { return a.id < b.id; });
    }
}

const ClusterSummary* ClusterLookahead::cluster(std::int64_t clusterId) const {
    const auto it = clusters_.find(clusterId);
    return it == clusters_.end() ? nullptr : &it->second;
}

const std::optional<StoredKevEntry>* ClusterLookahead::kev(std::int64_t clusterId) const {
    const auto it = kev_.find(clusterId);
    return it == kev_.end() ? nullptr : &it->second;
}

const std::optional<std::string>* ClusterLookahead::jpcertAlert(std::int64_t clusterId) const {
    const auto it = alerts_.find(clusterId);
    return it == alerts_.end() ? nullptr : &it->second;
}

const std::vector<Case>* ClusterLookahead::cases(const std::string& clusterKey) const {
    const auto it = cases_.find(clusterKey);
    return it == cases_.end() ? nullptr : &it->second;
}

const std::string* ClusterLookahead::mission(const std::string& product) const {
    if (!missionsLoaded_) {
        return nullptr;
    }
    const auto it = missions_.find(product);
    static const std::string none;
    return it == missions_.end() ? &none : &it->second;
}

std::optional<bool> ClusterLookahead::matchExists(std::int64_t clusterId,
                                                  const std::string& product,
                                                  const std::string& version,
                                                  const std::string& component) const {
    const auto it = matches_.find(clusterId);
    if (it == matches_.end()) {
        return std::nullopt;
    }
    return it->second.count(matchKey(product, version, component)) != 0;
}

void ClusterLookahead::noteMatch(std::int64_t clusterId, const std::string& product,
                                 const std::string& version, const std::string& component) {
    if (const auto it = matches_.find(clusterId); it != matches_.end()) {
        it->second.insert(matchKey(product, version, component));
    }
}

void ClusterLookahead::forgetCases(const std::string& clusterKey) {
    if (!clusterKey.empty()) {
        caseKeys_.insert(clusterKey);
    }
    const auto it = cases_.find(clusterKey);
    if (it == cases_.end()) {
        return;
    }
    writing_[clusterKey] = std::move(it->second);
    cases_.erase(it);
}

void ClusterLookahead::noteCase(const Case& c) {
    const auto it = writing_.find(c.clusterKey);
    if (it == writing_.end()) {
        return;
    }
    std::vector<Case> list = std::move(it->second);
    writing_.erase(it);
    const auto same =
        std::find_if(list.begin(), list.end(), [&](const Case& held) { return held.id == c.id; });
    if (same != list.end()) {
        *same = c;
    } else {
        list.push_back(c);
        std::sort(list.begin(), list.end(),
                  [](const Case& a, const Case& b) { return a.id < b.id; });
    }
    cases_[c.clusterKey] = std::move(list);
}

} // namespace vw
