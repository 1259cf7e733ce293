// What a bulk re-match reads about the clusters it visits, looked up for many clusters at once
// (docs/storage.md "Round trips (PostgreSQL)").
#pragma once

#include "core/cases.h"
#include "store/kev.h"
#include "store/store.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vw {

/// Keys looked up per statement by the store's batched reads: "?1, ?2, … ?64" in an IN list.
inline constexpr std::size_t kLookupSlots = 64;

/// "?1, ?2, …, ?n" for an IN list of `count` parameters.
std::string sqlSlots(std::size_t count);
/// Binds parameters 1..slots to ids[from], ids[from + 1], …, and NULL past the end of `ids`.
void bindIdSlots(Statement& q, const std::vector<std::int64_t>& ids, std::size_t from,
                 std::size_t slots);
void bindTextSlots(Statement& q, const std::vector<std::string>& keys, std::size_t from,
                   std::size_t slots);

/// A match's product, version and component as one key (NUL-separated).
std::string matchKey(const std::string& product, const std::string& version,
                     const std::string& component);

/// The answers about a set of clusters that matching them and opening and updating their
/// cases needs (the cluster row, its matches, its KEV entry, its JPCERT/CC alert, the cases of
/// its key) and the products'
/// missions, read for up to 64 clusters a statement instead of one statement or more per
/// cluster and case: a bulk re-match (rematchStored) loads the clusters of its next records.
/// On PostgreSQL each of those statements was a round trip the re-match waited for.
///
/// While one is installed on a store (constructed) and a transaction is open,
/// Store::clusterKey, Store::cluster, Store::saveMatch, kevForCluster, jpcertAlertFor,
/// caseFor, inheritableCase and productMission answer what it holds from memory and read the
/// rest as before (saveMatch inserts a match it knows is new without waiting for the answer).
/// It is for code that, while it lives, writes none of what it holds but matches and cases
/// through the store (saveMatch, recordCaseChange, which keep it current): no records,
/// clusters, aliases, advisories' coverage, KEV entries, products, or matches deleted. Answers are
/// only good inside the transaction they were read in (the write lock keeps other writers out):
/// every load() inside one transaction.
class ClusterLookahead {
public:
    explicit ClusterLookahead(Store& store);
    ~ClusterLookahead();
    ClusterLookahead(const ClusterLookahead&) = delete;
    ClusterLookahead& operator=(const ClusterLookahead&) = delete;

    /// Reads what is held about `clusterIds` (replacing what was held about others).
    void load(const std::vector<std::int64_t>& clusterIds);

    /// The cluster row, or nullptr when not held (or there is no such cluster).
    const ClusterSummary* cluster(std::int64_t clusterId) const;
    /// nullptr: not held; else the answer of kevForCluster.
    const std::optional<StoredKevEntry>* kev(std::int64_t clusterId) const;
    /// nullptr: not held; else the answer of jpcertAlertFor.
    const std::optional<std::string>* jpcertAlert(std::int64_t clusterId) const;
    /// The cases of a cluster key by id, or nullptr when not held.
    const std::vector<Case>* cases(const std::string& clusterKey) const;
    /// The mission of a registered product ("" when not set), or nullptr for no such product.
    const std::string* mission(const std::string& product) const;

    /// Whether the match (cluster, product, version, component) exists; nullopt when the
    /// cluster is not held.
    std::optional<bool> matchExists(std::int64_t clusterId, const std::string& product,
                                    const std::string& version, const std::string& component) const;
    /// The store wrote that match (held clusters only).
    void noteMatch(std::int64_t clusterId, const std::string& product, const std::string& version,
                   const std::string& component);

    /// A case of `clusterKey` is about to be written: its cases are read from the store, not
    /// from memory, until noteCase() of the written case (never, if the write fails).
    void forgetCases(const std::string& clusterKey);
    /// Case `c` was written, its change released into the caller's transaction: the cases of
    /// its key are answered from memory again, `c` among them.
    void noteCase(const Case& c);

private:
    Store& store_;
    ClusterLookahead* previous_;
    std::unordered_map<std::int64_t, ClusterSummary> clusters_;
    std::unordered_map<std::int64_t, std::optional<StoredKevEntry>> kev_;
    std::unordered_map<std::int64_t, std::optional<std::string>> alerts_;
    std::unordered_map<std::string, std::vector<Case>> cases_;
    /// The cases of keys between forgetCases and noteCase (not answered from memory).
    std::unordered_map<std::string, std::vector<Case>> writing_;
    /// product, version and component of each match of a held cluster, NUL-separated.
    std::unordered_map<std::int64_t, std::unordered_set<std::string>> matches_;
    std::unordered_map<std::string, std::string> missions_;
    bool missionsLoaded_ = false;
    /// The cluster keys with a case: read at the first load(), kept by forgetCases().
    std::unordered_set<std::string> caseKeys_;
    bool caseKeysLoaded_ = false;
};

} // namespace vw
