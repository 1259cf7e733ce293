// CSAF 2.0 VEX documents (issue 14 part 3): what the cases say about a product version (or one
// case), as the document a hospital's tooling reads. Pure: the caller gathers the values (the
// store's cases, their events, the records of their vulnerabilities, the registry; store/
// vex_query.h) into a VexInput; buildVex() turns it into a CsafDocument, checkCsaf() checks the
// rules of the CSAF 2.0 profiles that vulnwatch relies on, and toJson() writes it. Same input,
// same bytes. The mapping from case states to product statuses, the tracking version and the
// limits are documented in docs/vex.md.
#pragma once

#include "core/advisory.h"
#include "core/cases.h"
#include "core/product.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

// --- what the caller gathers -------------------------------------------------------------

/// One case as the document states it.
struct VexCaseInput {
    std::int64_t id = 0;
    std::string product;
    std::string version;
    CaseState state = CaseState::Received;
    std::map<std::string, std::string> fields; // the transitions' fields (justification, …)
    std::vector<std::string> components;       // "name@version" of the matched components
};

/// One vulnerability (a cluster, or a case that belongs to none) with the cases about it.
struct VexVulnerabilityInput {
    std::string key;              // the cluster key, or "case:ID" for a case without cluster
    std::vector<std::string> ids; // every vulnerability and advisory id (CVE-, JVNDB-, JVN#, …)
    std::string title;
    std::string summary;
    std::vector<Cvss> cvss;
    std::vector<std::pair<std::string, std::string>> links; // (url, what it is)
    std::vector<VexCaseInput> cases;
};

/// One product version of the document's product tree.
struct VexProductInput {
    std::string product;
    std::string version;
    std::vector<Component> components;
};

/// One entry of the revision history: a content-changing event.
struct VexRevisionInput {
    std::int64_t at = 0;  // Unix seconds
    std::int64_t seq = 0; // the audit event's sequence number (0: not an audit event)
    std::string summary;
};

struct VexInput {
    std::string trackingId;
    std::string scope; // what the document is about, for its title: "Viewer 3.2", "case 12"
    std::string publisherName;
    std::string publisherNamespace; // a URL
    std::string lang = "ja";        // "ja" or "en": the language of the texts vulnwatch writes
    std::string generatorVersion;
    std::vector<VexProductInput> products;
    std::vector<VexVulnerabilityInput> vulnerabilities;
    std::vector<VexRevisionInput> revisions; // any order; sorted by (at, seq)
};

// --- the document ----------------------------------------------------------------------

struct CsafNote {
    std::string category; // description, details, general, summary, …
    std::string title;
    std::string text;
};

struct CsafReference {
    std::string category = "external";
    std::string summary;
    std::string url;
};

struct CsafRevision {
    std::string number;
    std::string date;
    std::string summary;
};

/// A product of the tree: a product version (a leaf of vendor → product_name →
/// product_version branches), a component (a full_product_name with identification helpers)
/// or a component in a product version (a relationship's full_product_name).
struct CsafProduct {
    std::string id;
    std::string name;
    // Product versions: the branch names.
    std::string productName;
    std::string version;
    // Components: the product_identification_helper.
    std::string cpe;
    std::string purl;
};

struct CsafRelationship {
    std::string category = "default_component_of";
    std::string productReference;   // the component
    std::string relatesToReference; // the product version
    CsafProduct product;            // full_product_name: id and name
};

struct CsafScore {
    std::string version; // "3.0" or "3.1"
    std::string vectorString;
    double baseScore = 0.0;
    std::string baseSeverity;
    std::vector<std::string> productIds;
};

struct CsafProductRef {
    std::string category; // remediation category, flag label or threat category
    std::string details;  // remediations and threats
    std::vector<std::string> productIds;
};

struct CsafVulnerability {
    std::string cve;
    std::vector<std::pair<std::string, std::string>> ids; // (system_name, text)
    std::string title;
    std::vector<CsafNote> notes;
    std::vector<CsafReference> references;
    std::vector<CsafScore> scores;
    /// fixed, known_affected, known_not_affected, under_investigation → product ids (sorted).
    std::map<std::string, std::vector<std::string>> productStatus;
    std::vector<CsafProductRef> flags;        // category = the label
    std::vector<CsafProductRef> threats;      // category "impact"
    std::vector<CsafProductRef> remediations; // category = vendor_fix, mitigation, …
};

struct CsafDocument {
    std::string category; // csaf_vex, or csaf_informational_advisory when nothing is known
    std::string lang;
    std::string title;
    std::string publisherName;
    std::string publisherNamespace;
    std::vector<CsafNote> notes;
    std::vector<CsafReference> references;
    std::string trackingId;
    std::string status; // final, interim
    std::string version;
    std::string initialReleaseDate;
    std::string currentReleaseDate;
    std::vector<CsafRevision> revisions;
    std::string generatorVersion;
    std::string vendor; // the vendor branch (the publisher)
    std::vector<CsafProduct> productVersions;
    std::vector<CsafProduct> components;
    std::vector<CsafRelationship> relationships;
    std::vector<CsafVulnerability> vulnerabilities;
};

/// The CSAF product status of a case state (docs/vex.md "Case states"): "under_investigation",
/// "known_affected" or "known_not_affected".
std::string_view vexStatusOf(CaseState state);

/// The document for `input`. Deterministic: equal inputs give equal documents.
CsafDocument buildVex(const VexInput& input);

/// What is wrong with `doc` under the CSAF 2.0 rules vulnwatch relies on (each product id
/// referenced is defined and defined once; a VEX has vulnerabilities, each with a CVE or ids,
/// notes and a product status; every known_not_affected product has a justification flag and
/// an impact statement, every known_affected one a remediation; no product in two contradicting
/// statuses; one justification per product; CVSS scores agree with their vectors; the
/// revision history is numbered 1…N, sorted by date and ends at the version), one sentence per
/// problem naming where; empty when none.
std::vector<std::string> checkCsaf(const CsafDocument& doc);

/// The JSON document, indented by two spaces, keys in a fixed order, ending in a newline.
std::string toJson(const CsafDocument& doc);

/// CVSS v3.0/v3.1 base metrics of `vector` as a normalized base vector ("CVSS:3.1/AV:N/…/A:H")
/// with its base score and severity, computed as FIRST's calculators do (3.1: Roundup on
/// integers, 3.0: ceil to one decimal); nullopt when it is no readable v3 vector.
struct CvssV3Base {
    std::string version;
    std::string vector;
    double score = 0.0;
    std::string severity; // NONE, LOW, MEDIUM, HIGH, CRITICAL
};
std::optional<CvssV3Base> cvssV3Base(std::string_view vector);

/// `at` (Unix seconds) as "YYYY-MM-DDTHH:MM:SSZ".
std::string csafDate(std::int64_t at);

} // namespace vw
