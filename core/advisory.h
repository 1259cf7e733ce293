// Advisory records: the normalized form every source produces and every later stage reads.
#pragma once

#include "core/datetime.h"

#include <optional>
#include <string>
#include <vector>

namespace vw {

/// One CVSS assessment as the source stated it ("3.0" also covers 3.1 data in JVN feeds).
struct Cvss {
    std::string version;  // "2.0", "3.0", "3.1", "4.0"
    double score = 0.0;   // base score, 0.0–10.0
    std::string severity; // as given: None/Low/Medium/High/Critical
    std::string vector;   // e.g. "CVSS:3.0/AV:N/…" or v2 "AV:N/AC:M/…"
};

/// A reference the source lists (CVE, NVD, JVN, JPCERT-AT, CWE, vendor page, …).
struct Reference {
    std::string source; // "CVE", "NVD", "JVN", "関連文書", "" for CWE entries
    std::string id;     // trimmed; may be free text for related documents
    std::string url;    // trimmed
};

/// One affected product as VULDEF / the source names it; version text kept verbatim.
struct AffectedItem {
    std::string vendor;
    std::string product;
    std::string cpe;
    std::vector<std::string> versions;
};

/// One entry of a VULDEF revision history.
struct HistoryItem {
    int number = 0;               // HistoryNo
    std::optional<DateTime> date; // DateTime
    std::string description;      // as given (JVN writes a literal backslash-n, kept)
};

/// One record as one channel stated it. The JSON form is the `parse` contract in DESIGN.md.
struct Advisory {
    std::string source; // jvn-rss, myjvn, vuldef, jvn, mail
    std::string id;     // the record's own identifier (JVNDB-…, JVN#…, Message-ID for mail)
    std::vector<std::string> aliases; // normalized vulnerability ids, sorted, unique, without `id`
    std::string title;
    std::string summary;
    std::string url;
    std::optional<DateTime> published;
    std::optional<DateTime> modified;
    std::vector<Cvss> cvss;
    std::vector<std::string> cpes;
    std::vector<AffectedItem> affected;
    std::vector<Reference> references;
    bool withdrawn = false;
    /// VULDEF History items, oldest first (empty for other sources).
    std::vector<HistoryItem> history;
    /// Mail records only: "valid", "invalid", "unsigned" or "unknown-key", and the list label.
    std::string signature;
    std::string list;

    /// The highest CVSS base score stated, or 0.0 when there is none.
    double maxScore() const;
    /// Every CPE name the record states: `cpes`, then each affected item's non-empty `cpe`, in
    /// that order (a name may repeat). What matching and the store's CPE index look at.
    std::vector<const std::string*> namedCpes() const;
};

/// True when a JVN description carries one of the markers for rejected or withdrawn entries
/// (`** 削除 **`, `** 未確定 **`, `** サポート外 **`).
bool hasWithdrawnMarker(const std::string& text);

} // namespace vw
