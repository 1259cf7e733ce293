// The daemon's side of the `kev` source (CISA's Known Exploited Vulnerabilities catalog): a
// polled or imported catalog is stored in the `kev` table, never ingested as advisory records
// (1,400 CVEs would become clusters and keyword matches), and each CVE new to the table is an
// exploitation signal for the cases of its vulnerability (daemon/cases.h). docs/cases.md
// "Priority (SSVC)" and docs/configuration.md (the kev source) describe it.
#pragma once

#include "config/config.h"
#include "daemon/pipeline.h"
#include "feeds/source.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vw {

struct KevIngestStats {
    /// records: entries listed (stored or unchanged); newRecords: CVEs new to the table;
    /// changed: entries whose fields changed; problems: bad entries (logged, left out); the
    /// rest as caseExploitationSignal counted it (enqueued, casesReopened, …).
    IngestStats ingest;
    std::string catalogVersion;
    int missing = 0; // stored CVEs this catalog no longer lists (kept)
    /// The CVEs passed to caseExploitationSignal (new to the table and naming a stored
    /// vulnerability), in catalog order, and the cases it touched.
    std::vector<std::string> signalled;
    int casesTouched = 0;
};

/// Stores the KEV catalog of `result` (ParseResult::kev; std::invalid_argument when it has
/// none) in one transaction with `newState` (saved as the state of source `channel` when
/// given): storeKevCatalog (store/kev.h), the raw documents as evidence, one audit event "kev"
/// when something changed or a document was received, and caseExploitationSignal for each CVE
/// new to the table that is an alias of a stored vulnerability (once per vulnerability when
/// several of its CVEs are new). The first load is no exception: every listed CVE is new then,
/// so every case of a listed vulnerability is re-evaluated (and a case that becomes Act is
/// alerted). A CVE listed before its vulnerability was stored gives no signal; the case opened
/// later reads the listing (kevForCluster) when its priority is first evaluated. Bad entries
/// are logged (component "ingest.CHANNEL").
KevIngestStats ingestKev(Store& store, const Routing& routing, const std::string& channel,
                         const ParseResult& result, std::int64_t now,
                         const std::optional<SourceStateRow>& newState = std::nullopt);

/// The reason an exploitation signal gives for a KEV listing: "CISA KEV: CVE-2021-44228 listed
/// 2021-12-10".
std::string kevSignalReason(const KevEntry& entry);

} // namespace vw
