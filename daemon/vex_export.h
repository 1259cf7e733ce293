// Gathering a CSAF VEX document's values from the store (issue 14 part 3): the cases of a
// product version (or one case), their content-changing events, the records of their
// vulnerabilities as they were at the cases' last such event, and the registry's components.
// core/vex.h builds the document from what this returns; `vulnwatch vex export`
// (daemon/cli_vex.cpp), the benchmark and the tests call it. docs/vex.md.
#pragma once

#include "core/vex.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace vw {

/// What to export: a product (all its versions not removed, or one version), or one case.
struct VexRequest {
    std::string product;
    std::optional<std::string> version;
    std::int64_t caseId = 0; // > 0: this case instead of a product
    std::string lang = "ja";
    std::string publisherName = "vulnwatch";
    std::string publisherNamespace = "https://vulnwatch.invalid/";
    std::string generatorVersion;
};

/// A request that names no such product, version or case (exit code 2).
class VexRequestError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// The values of the document `request` asks for, read in one snapshot. Throws VexRequestError.
VexInput gatherVex(Store& store, const VexRequest& request);

} // namespace vw
