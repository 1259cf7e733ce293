// CISA's KEV catalog in the store (table `kev`, schema migration casesAndKev) and the other
// look-ups SSVC's decision points need: is a CVE listed, the KEV entry of a cluster, the
// JPCERT/CC alert naming a cluster, a product's Mission & Well-being. Every function runs in
// the caller's transaction when one is open (docs/cases.md "Priority (SSVC)").
#pragma once

#include "core/kev.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace vw {

class Store;

/// One stored entry and when the store first saw it listed.
struct StoredKevEntry {
    KevEntry entry;
    std::int64_t firstSeen = 0;
    bool operator==(const StoredKevEntry&) const = default;
};

/// What storeKevCatalog changed.
struct KevStoreResult {
    std::vector<std::string> added; // CVEs new to the table (first_seen = now), catalog order
    int updated = 0;                // listed before with other fields: the fields replaced
    int unchanged = 0;
    int missing = 0; // stored, but not in this catalog: kept as they are
};

/// Stores the catalog: a CVE new to the table is inserted with first_seen = `now`; one stored
/// before gets the catalog's date_added, vendor, product, name and ransomware (its first_seen
/// stays); a stored CVE the catalog no longer lists is kept unchanged (CISA removes entries
/// rarely, by mistake or when a CVE is rejected; the listing was a signal all the same).
KevStoreResult storeKevCatalog(Store& store, const std::vector<KevEntry>& entries,
                               std::int64_t now);

/// True when `cve` (as stored: "CVE-2021-44228"; trimmed and upper-cased first) is listed.
bool inKev(Store& store, const std::string& cve);

/// The entry of `cve`, if listed.
std::optional<StoredKevEntry> kevEntry(Store& store, const std::string& cve);

/// How many CVEs the table holds.
std::int64_t kevCount(Store& store);

/// The KEV entry of any CVE alias of the cluster (table alias): the one added to the catalog
/// first (date_added, then CVE id); nullopt when none of its CVEs is listed.
std::optional<StoredKevEntry> kevForCluster(Store& store, std::int64_t clusterId);

/// The JPCERT/CC alert that names the cluster, as an id for SSVC's Exploitation reason, found
/// in this order:
///  1. a JPCERT-AT-… advisory covering the cluster (advisory_cluster): the earliest seen;
///  2. an alert of MyJVN's getAlertList (a record of source myjvn-alert, e.g. MYJVN-ALT-…)
///     whose advisory covers the cluster: its advisory id;
///  3. a record of source myjvn-alert, or a mail whose subject is an alert (注意喚起), that
///     belongs to the cluster or mentions one of its aliases (table mention): the record's id
///     (a mail's Message-ID).
/// Weekly and monthly reports and other mail only mentioning the vulnerability do not count.
/// nullopt when there is none.
std::optional<std::string> jpcertAlertFor(Store& store, std::int64_t clusterId);

/// kevForCluster of each of these clusters, 64 a statement: the clusters with an entry.
std::unordered_map<std::int64_t, StoredKevEntry>
kevForClusters(Store& store, const std::vector<std::int64_t>& clusterIds);
/// jpcertAlertFor of each of these clusters, each step 64 clusters a statement: the clusters
/// with an alert.
std::unordered_map<std::int64_t, std::string>
jpcertAlertsFor(Store& store, const std::vector<std::int64_t>& clusterIds);
/// productMission of every registered product, by name.
std::unordered_map<std::string, std::string> productMissions(Store& store);

/// SSVC's Mission & Well-being of the registered product `name` ("low", "medium", "high"), or
/// "" when it is not set or there is no such product.
std::string productMission(Store& store, const std::string& name);

} // namespace vw
