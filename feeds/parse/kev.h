// CISA's Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json, the
// schema known_exploited_vulnerabilities_schema.json next to the fixture): bytes in, the
// catalog's entries out (core/kev.h). Pure: no I/O.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

#include <string_view>

namespace vw {

/// The catalog's address at CISA: the `kev` source's default url.
inline constexpr std::string_view kKevCatalogUrl =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

/// True when `content` looks like the catalog (a JSON object naming "catalogVersion" or
/// "cveID" near its start): what format detection (`parse`, `import`) asks.
bool looksLikeKevCatalog(std::string_view content);

/// Parses the catalog into ParseResult::kev (no advisory records: a KEV entry is a signal
/// about a vulnerability, not an advisory). The header: catalogVersion, dateReleased, count.
/// Each member of "vulnerabilities" becomes a KevEntry: cve = cveID (trimmed, upper case),
/// dateAdded, vendor = vendorProject, product, name = vulnerabilityName, ransomware =
/// knownRansomwareCampaignUse; other members (shortDescription, requiredAction, dueDate,
/// notes, cwes) are not kept.
///
/// A bad entry does not spoil the catalog: one that is not an object, whose cveID is missing
/// or not a CVE id (CVE-YYYY-NNNN…), whose dateAdded is missing or not a date (YYYY-MM-DD), or
/// whose vendorProject, product, vulnerabilityName or knownRansomwareCampaignUse is not a
/// string, is left out with an ItemProblem (1-based position, the cveID when readable); a CVE
/// listed twice keeps its first entry (ItemProblem for the second). A `count` that differs
/// from the entries listed is an ItemProblem at position 0.
///
/// Throws ParseError (nothing partial) when the document is not JSON (or not UTF-8), not an
/// object, or not the catalog: no "vulnerabilities" array, no catalogVersion string.
ParseResult parseKevCatalog(std::string_view json);

} // namespace vw
