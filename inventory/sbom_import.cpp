// The SBOM import shared by the CLI, the pages and the REST API (inventory/sbom_import.h).
#include "inventory/sbom_import.h"

#include "store/audit.h"
#include "store/evidence.h"
#include "store/store.h"

#include <filesystem>

namespace vw {

SbomDocumentReport SbomBatch::add(const std::string& name, std::string bytes, SbomFormat format,
                                  const SbomLimits& limits) {
    SbomDocument doc = readSbom(bytes, format, limits);
    SbomDocumentReport report;
    // A document that lists nothing but what it describes (a Yocto per-recipe document: the
    // recipe shadow 4.14.2 and its download) is about that software: its subject is the
    // component. Subjects without a version, CPE or purl say nothing to match.
    report.subjectOnly = doc.components.empty() && !doc.subject.empty();
    if (report.subjectOnly) {
        for (auto& c : doc.subject) {
            if (!c.version.empty() || !c.cpes.empty() || !c.purl.empty()) {
                doc.components.push_back(std::move(c));
            }
        }
    }
    for (const auto& warning : doc.warnings) {
        if (report.subjectOnly &&
            warning.find("lists no components besides") != std::string::npos) {
            continue; // answered by the subject rule
        }
        report.warnings.push_back(warning);
    }
    report.format = doc.format;
    report.components = doc.components.size();
    documents_.emplace_back(sbomMediaType(doc.format, bytes), std::move(bytes));
    sbom_.format = sbom_.format.empty() || sbom_.format == doc.format
                       ? doc.format
                       : std::string("several formats");
    sbom_.skipped += doc.skipped;
    for (auto& c : doc.components) {
        std::string key =
            c.name + '\x1f' + c.version + '\x1f' + c.purl + '\x1f' + c.vendor + '\x1f' + c.supplier;
        for (const auto& cpe : c.cpes) {
            key += '\x1f' + cpe;
        }
        if (seen_.insert(std::move(key)).second) {
            sbom_.components.push_back(std::move(c));
        }
    }
    for (auto& w : doc.warnings) {
        sbom_.warnings.push_back(name + ": " + w);
    }
    return report;
}

std::string sbomMediaType(const std::string& format, const std::string& bytes) {
    const bool json = format.find("JSON") != std::string::npos;
    if (format.rfind("CycloneDX", 0) == 0) {
        return json ? "application/vnd.cyclonedx+json" : "application/vnd.cyclonedx+xml";
    }
    if (format.rfind("SPDX", 0) == 0) {
        return json ? "application/spdx+json" : "text/spdx";
    }
    return bytes.empty() ? "application/octet-stream" : "text/plain";
}

namespace {

/// The registered, not removed, version's components (nullopt when there is none).
std::optional<std::vector<Component>> registeredComponents(Store& store, const std::string& product,
                                                           const std::string& version) {
    for (auto& p : store.registry(true)) {
        if (p.name != product) {
            continue;
        }
        for (auto& v : p.versions) {
            if (v.version == version && !v.removed && !p.removed) {
                return std::move(v.components);
            }
        }
    }
    return std::nullopt;
}

} // namespace

SbomImportOutcome previewSbomImport(Store& store, const std::string& product,
                                    const std::string& version,
                                    const std::vector<Component>& components) {
    SbomImportOutcome out;
    if (auto before = registeredComponents(store, product, version)) {
        out.existing = true;
        out.comparedWith = version;
        out.diff = diffComponents(*before, components);
        out.changes = !out.diff.empty();
        return out;
    }
    // A new (or removed) version: what the store compares with, found by the write itself,
    // rolled back.
    Store::Transaction tx(store);
    const std::vector<Component> before =
        store.replaceComponents(product, version, components, 0, &out.comparedWith);
    out.diff = diffComponents(before, components);
    out.changes = true;
    return out; // tx rolls back
}

SbomImportOutcome commitSbomImport(Store& store, const std::string& product,
                                   const std::string& version, const SbomBatch& batch,
                                   const std::string& label, const std::string& actor,
                                   std::int64_t now) {
    const SbomDocument& sbom = batch.document();
    SbomImportOutcome out;
    // The version as registered: unchanged components are not rewritten.
    if (auto before = registeredComponents(store, product, version)) {
        out.existing = true;
        out.comparedWith = version;
        out.diff = diffComponents(*before, sbom.components);
    }
    out.changes = !out.existing || !out.diff.empty();
    if (!out.changes) {
        return out;
    }
    Store::Transaction tx(store);
    const std::vector<Component> before =
        store.replaceComponents(product, version, sbom.components, now, &out.comparedWith);
    out.diff = diffComponents(before, sbom.components);
    AuditEvent event;
    event.kind = "product";
    event.at = now;
    event.actor = actor;
    event.text = "imported SBOM " + std::filesystem::path(label).filename().string() + " (" +
                 sbom.format + ", " + std::to_string(sbom.components.size()) +
                 " components) into " + product + " version " + version + ": " +
                 std::to_string(out.diff.added.size()) + " added, " +
                 std::to_string(out.diff.removed.size()) + " removed, " +
                 std::to_string(out.diff.changed.size()) + " changed";
    event.subjects = {"product:" + product + " " + version};
    // Each SBOM document as imported (docs/audit.md "Evidence").
    for (const auto& [mediaType, bytes] : batch.documents()) {
        event.evidence.push_back(putEvidence(store, bytes, mediaType, now));
    }
    out.auditEvent = store.appendEvent(event);
    tx.commit();
    return out;
}

} // namespace vw
