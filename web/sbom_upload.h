// What an SBOM upload did or would do, as the REST API answers it (POST /api/v1/products/
// {name}/versions/{version}/sbom; web/openapi.json SbomImport) and the product page shows it.
#pragma once

#include "inventory/sbom_import.h"

#include <string>

namespace vw::web {

struct SbomUploadReport {
    std::string product;
    std::string version;
    SbomDocument document; // the components read, the format, skipped entries and warnings
    SbomImportOutcome outcome;
    bool dryRun = false;
    bool committed = false; // the registry changed
    int newMatches = 0;     // found by the re-match after a commit
};

/// The report as the API's JSON object.
std::string sbomUploadJson(const SbomUploadReport& report);

/// "name version" of a component for lists ("" parts left out).
std::string componentLabel(const Component& c);
/// What changed in a component: "version 2.14.1 → 2.17.1, supplier (none) → Apache".
std::string componentChange(const Component& from, const Component& to);

} // namespace vw::web
