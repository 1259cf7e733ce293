// What `vulnwatch audit export` writes (docs/audit.md "Export"), shared by the CLI
// (daemon/cli_audit.cpp) and the page's download (web/page_audit.cpp, /audit/export) so both
// give the same bytes: the events of a period or of one case, as a text report (Japanese or
// English) or as JSON lines, after the whole chain was verified; and the sentences that say
// what a verification found.
#pragma once

#include "store/audit.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace vw {

class Store;

/// What verifyAuditChain found, in one or two sentences (Japanese, or English when
/// `japanese` is false), as `audit verify` prints it.
std::string describeAuditVerification(const AuditVerification& v,
                                      const std::optional<RecordedHead>& recorded, bool japanese);

/// One export (the options of `audit export`, already checked).
struct AuditExportRequest {
    /// JSON lines (`--format jsonl`): one {seq, time, prev_hash, hash, event} per event; else
    /// the text report.
    bool jsonl = false;
    bool japanese = true;
    /// A case's export (`audit export CASE`) when not 0; else the period since ≤ at < until
    /// (until 0: no end).
    std::int64_t caseId = 0;
    std::int64_t since = 0;
    std::int64_t until = 0;
    /// `--evidence-dir`: where the blobs the events name are written ("" for none).
    std::string evidenceDir;
    /// The report's "made" time and the store path it names.
    std::int64_t now = 0;
    std::string storePath;
};

struct AuditExportOutcome {
    /// false: there is no such case (nothing was written).
    bool found = true;
    /// The chain holds and every evidence blob asked for was written (the CLI's exit 0).
    bool ok = true;
};

/// Writes the export to `out`; notes that are not part of the export (a broken chain in the
/// JSON lines form, the evidence listing of the JSON lines form) go to `notes`. Throws
/// StoreError (a broken store) and std::runtime_error (an evidence folder not writable).
AuditExportOutcome writeAuditExport(Store& store, const AuditExportRequest& request,
                                    std::ostream& out, std::ostream& notes);

} // namespace vw
