// Importing an SBOM into the product registry, shared by `vulnwatch products import-sbom`, the
// product page's upload and POST /api/v1/products/{name}/versions/{version}/sbom: read one or
// more documents into one component list (SbomBatch, pure), compare it with the version as
// registered without changing anything (previewSbomImport), and commit it (commitSbomImport:
// the components replaced, each document kept as evidence, one audit event). Re-matching is
// the caller's (the daemon's pipeline).
#pragma once

#include "core/product.h"
#include "inventory/sbom.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace vw {

class Store;

/// What one document added to a batch, for the caller's messages.
struct SbomDocumentReport {
    std::string format;         // "CycloneDX 1.5 JSON", …
    std::size_t components = 0; // the document's components (after the subject rule below)
    /// The document listed nothing but what it describes (a Yocto per-recipe document); its
    /// subjects with a version, CPE or purl were taken as its components.
    bool subjectOnly = false;
    /// The document's warnings, as readSbom() gave them (without the one the subject rule
    /// answers).
    std::vector<std::string> warnings;
};

/// Several documents (Yocto writes one per recipe) read into one version: their components in
/// order, each identical component once.
class SbomBatch {
public:
    /// Reads one document (`name` names it in warnings: a path, an upload's file name) and adds
    /// its components. Throws SbomError (nothing added).
    SbomDocumentReport add(const std::string& name, std::string bytes, SbomFormat format,
                           const SbomLimits& limits = {});

    /// The merged document: format ("several formats" when they differ), components, skipped,
    /// warnings ("NAME: warning").
    const SbomDocument& document() const { return sbom_; }
    /// Each document as read, (media type, bytes): the evidence a commit keeps.
    const std::vector<std::pair<std::string, std::string>>& documents() const { return documents_; }

private:
    SbomDocument sbom_;
    std::unordered_set<std::string> seen_;
    std::vector<std::pair<std::string, std::string>> documents_;
};

/// The media type an SBOM is kept under as evidence, from what readSbom() says it read.
std::string sbomMediaType(const std::string& format, const std::string& bytes);

/// What an import does (or would do) to one product version.
struct SbomImportOutcome {
    /// The version the components were compared with: `version` itself when registered (even
    /// removed), else the product's newest other version; nullopt for a new product.
    std::optional<std::string> comparedWith;
    /// The version is registered and neither it nor its product is removed.
    bool existing = false;
    SbomDiff diff;
    /// Whether the registry changes (a new version, or any difference): false when the same
    /// SBOM is imported twice.
    bool changes = false;
    std::int64_t auditEvent = 0; // commitSbomImport: the event's sequence number (0: none)
};

/// What committing `components` to `product` `version` would do, without changing anything.
SbomImportOutcome previewSbomImport(Store& store, const std::string& product,
                                    const std::string& version,
                                    const std::vector<Component>& components);

/// Commits a batch: when anything changes, in one transaction, the components of `product`
/// `version` are replaced (the version and product added when new), every document is kept as
/// evidence and one audit event ("product") says what changed, naming `actor` ("" for none)
/// and `label` (the file's name). Changes nothing when the registry already has exactly these
/// components.
SbomImportOutcome commitSbomImport(Store& store, const std::string& product,
                                   const std::string& version, const SbomBatch& batch,
                                   const std::string& label, const std::string& actor,
                                   std::int64_t now);

} // namespace vw
