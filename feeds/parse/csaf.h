// CSAF 2.0 advisories (OASIS Common Security Advisory Framework; CISA's ICS and ICS Medical
// Advisories, vendors' VEX documents, JVN's CSAF 2.1-based detail format): bytes in, advisory
// records out. Pure: no I/O. The `csaf` source (feeds/csaf_source.h) fetches and verifies the
// documents; `parse` and `import` read them from files. docs/correlation.md tells which ids are
// which.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

#include <string_view>

namespace vw {

/// True when `content` looks like a CSAF document: a JSON object naming "csaf_version" in its
/// first 64 KiB (what format detection asks; a KEV catalog or a ROLIE feed never does).
bool looksLikeCsaf(std::string_view content);

/// Parses one CSAF document (csaf_version 2.0, or 2.1 as JVN writes it) into records of source
/// "csaf", one per vulnerability that names a CVE:
/// - id: the CVE; aliases: the document's `tracking.id` when it is an id vulnwatch knows (a CISA
///   `ICSA-…`/`ICSMA-…` advisory id, a JVNDB id, …) and the vulnerability's own `ids`;
/// - title: the document's title, then ": " and the vulnerability's title (or its CWE's name);
/// - summary: its notes (summary, description, details), then the product statuses other than
///   affected (fixed, not affected, under investigation) and the remediations, one per line;
/// - url: the document's `self` reference (a web page before the JSON); published / modified:
///   tracking initial / current release date;
/// - cvss: `scores[].cvss_v3`/`cvss_v2` (2.0) and `metrics[].content.cvss_v2/v3/v4` (2.1);
/// - affected: the products of known_affected, first_affected and last_affected, resolved through
///   the product tree (branch categories vendor → product_name → product_version or
///   product_version_range, `full_product_names`, `relationships`) to vendor, product, version
///   text and the CPE of `product_identification_helper`; cpes: those CPEs;
/// - references: the document's and the vulnerability's references, its CWE(s), the CVE.
/// The vulnerabilities without a CVE make one record whose id is `tracking.id`, so they are kept
/// under the advisory. Withdrawn: category csaf_withdrawn.
///
/// A bad vulnerability (not an object, a `cve` that is not a CVE id, a CVE listed twice) is an
/// ItemProblem (1-based position) and the others are still read; a product id that the tree
/// does not define is an ItemProblem of its vulnerability. Throws ParseError (nothing partial)
/// when the document is not JSON (or not UTF-8), not an object, has no `document` object, no
/// `csaf_version` 2.0 or 2.1, no `tracking.id`, or a `vulnerabilities` that is not an array.
ParseResult parseCsaf(std::string_view json);

/// The `tracking.id` of a CSAF document as written (trimmed), or "" when it cannot be read.
std::string csafTrackingId(std::string_view json);

} // namespace vw
