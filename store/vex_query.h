// What a CSAF VEX export (core/vex.h, daemon/cli_vex.cpp) reads from the store besides the
// cases (store/cases.h): the case events that change a document's content, the SBOM imports of
// a product version, the records of a vulnerability as they were at a given time, and when each
// product version was registered and removed. Read-only. docs/vex.md explains how the document's
// version is derived from these.
#pragma once

#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vw {

/// One audit event that changes a VEX document's content.
struct VexEventRow {
    std::int64_t seq = 0;
    std::int64_t at = 0;
    std::string kind;
    std::string text;
    std::int64_t caseId = 0; // 0 for a product event
};

/// The case event kinds that change what a document states: case-open, case-transition,
/// case-reopen, case-components, case-signal (a material revision). case-ssvc and case-breach
/// do not.
bool isVexContentEvent(std::string_view kind);

/// The content-changing events (isVexContentEvent) of these cases, by sequence number.
std::vector<VexEventRow> vexCaseEvents(Store& store, const std::vector<std::int64_t>& caseIds);

/// The `product` events naming one of `subjects` ("product:NAME VERSION", as an SBOM import
/// names the version it changed), by sequence number.
std::vector<VexEventRow> vexProductEvents(Store& store, const std::vector<std::string>& subjects);

/// The JSON (the `parse` record) of each record of cluster `clusterId` as it was at `at`: its
/// latest revision seen at or before `at` (records first seen later are left out), by record.
std::vector<std::string> clusterRecordsAsOf(Store& store, std::int64_t clusterId, std::int64_t at);

/// The advisories (JVN#, JVNVU#, JPCERT-AT-, …) that covered the cluster at `at`, sorted.
std::vector<std::string> coveringAdvisoriesAsOf(Store& store, std::int64_t clusterId,
                                                std::int64_t at);

/// One version of a product with when it was registered and removed.
struct VexVersionRow {
    std::string version;
    std::int64_t createdAt = 0;
    std::optional<std::int64_t> removedAt;
};
/// The versions of product `name` (removed ones too), by version; empty when there is no such
/// product. `productRemovedAt` is set when the product itself was removed.
std::vector<VexVersionRow> vexProductVersions(Store& store, const std::string& name,
                                              std::optional<std::int64_t>* productRemovedAt);

} // namespace vw
