// CISA's Known Exploited Vulnerabilities (KEV) catalog as values: what the `kev` source reads
// (feeds/parse/kev.h), the store keeps (store/kev.h) and SSVC's Exploitation point looks at.
#pragma once

#include <string>
#include <vector>

namespace vw {

/// One entry of the catalog, as the store keeps it (table `kev`).
struct KevEntry {
    std::string cve;        // cveID, normalized: "CVE-2021-44228"
    std::string dateAdded;  // dateAdded, YYYY-MM-DD
    std::string vendor;     // vendorProject
    std::string product;    // product
    std::string name;       // vulnerabilityName
    std::string ransomware; // knownRansomwareCampaignUse: "Known", "Unknown" or "" (absent)
    bool operator==(const KevEntry&) const = default;
};

/// The catalog document: its header and its entries in document order.
struct KevCatalog {
    std::string version;  // catalogVersion, e.g. "2025.08.25"
    std::string released; // dateReleased, e.g. "2025-08-25T17:04:19.9796Z"
    long count = 0;       // count as the document states it
    std::vector<KevEntry> entries;
};

} // namespace vw
