#include "daemon/kev.h"

#include "daemon/cases.h"
#include "daemon/log.h"
#include "store/evidence.h"
#include "store/kev.h"

#include <map>
#include <set>
#include <stdexcept>

namespace vw {
namespace {

/// At most this many CVEs are named as subjects of the audit event (the first load names
/// 1,400; their list is in the table and the catalog kept as evidence).
constexpr std::size_t kMaxEventSubjects = 50;

} // namespace

std::string kevSignalReason(const KevEntry& entry) {
    return "CISA KEV: " + entry.cve + " listed " + entry.dateAdded;
}

KevIngestStats ingestKev(Store& store, const Routing& routing, const std::string& channel,
                         const ParseResult& result, std::int64_t now,
                         const std::optional<SourceStateRow>& newState) {
    if (!result.kev) {
        throw std::invalid_argument("ingestKev: the batch from " + channel +
                                    " holds no KEV catalog");
    }
    const KevCatalog& catalog = *result.kev;
    KevIngestStats stats;
    stats.catalogVersion = catalog.version;
    for (const auto& p : result.problems) {
        ++stats.ingest.problems;
        VW_LOG_WARNING(
            "ingest." + channel,
            (p.position == 0 ? std::string("catalog") : "entry " + std::to_string(p.position))
                << (p.itemId.empty() ? "" : " (" + p.itemId + ")") << ": " << p.message);
    }
    Store::Transaction tx(store);
    const KevStoreResult stored = storeKevCatalog(store, catalog.entries, now);
    stats.ingest.records = static_cast<int>(catalog.entries.size());
    stats.ingest.newRecords = static_cast<int>(stored.added.size());
    stats.ingest.changed = stored.updated;
    stats.missing = stored.missing;

    // Each CVE new to the table is a signal for the cases of its vulnerability.
    std::map<std::string, const KevEntry*> byCve;
    for (const KevEntry& entry : catalog.entries) {
        byCve.emplace(entry.cve, &entry);
    }
    std::set<std::int64_t> clusters; // one signal per vulnerability, however many CVEs it has
    for (const std::string& cve : stored.added) {
        const std::optional<std::int64_t> cluster = store.clusterOf(cve);
        if (!cluster || !clusters.insert(*cluster).second) {
            continue; // no advisory names it (no case can have it yet), or signalled already
        }
        stats.signalled.push_back(cve);
        stats.casesTouched += caseExploitationSignal(
            store, routing, cve, kevSignalReason(*byCve.at(cve)), now, stats.ingest);
    }

    std::vector<std::string> evidence;
    for (const RawDocument& raw : result.raw) {
        evidence.push_back(putEvidence(store, raw.bytes, raw.mediaType, now));
    }
    if (newState) {
        store.saveSourceState(channel, *newState);
    }
    if (!stored.added.empty() || stored.updated > 0 || !evidence.empty()) {
        AuditEvent event;
        event.kind = "kev";
        event.at = now;
        event.actor = channel;
        event.text =
            channel + ": CISA KEV catalog " + catalog.version + ", " +
            std::to_string(catalog.entries.size()) + " listed, " +
            std::to_string(stored.added.size()) + " new, " + std::to_string(stored.updated) +
            " changed, " + std::to_string(stats.ingest.problems) + " bad entries; " +
            std::to_string(stats.signalled.size()) + " stored vulnerabilities signalled, " +
            std::to_string(stats.casesTouched) + " cases";
        if (stored.added.size() <= kMaxEventSubjects) {
            event.subjects = stored.added;
        }
        event.evidence = std::move(evidence);
        store.appendEvent(event);
    }
    tx.commit();
    return stats;
}

} // namespace vw
