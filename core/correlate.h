// Correlation rules (docs/correlation.md): which identifier is which kind, how a record links
// into clusters and advisories, which channel's value a cluster shows, and how a new revision
// of a record is classified. Pure functions; the store persists their results.
#pragma once

#include "core/advisory.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// Vulnerability ids (JVNDB-, CVE-) name one vulnerability: they are a cluster's aliases.
/// Advisory ids (JVN#, JVNVU#, JVNTA, JPCERT-AT-; CISA's ICSA-/ICSMA- of CSAF documents) name a
/// document that covers one or more vulnerabilities: an advisory covers clusters and never merges
/// them.
enum class IdClass { Vulnerability, Advisory };

/// The class of a normalized id (as normalizeId() returns it); nullopt for anything else.
std::optional<IdClass> idClass(std::string_view normalizedId);

/// How one record links into the store.
struct RecordLinks {
    enum class Role {
        Vulnerability, // joins the cluster of `aliases` (a JVNDB entry, a mail about one CVE)
        Advisory,      // belongs to the advisory `advisory`, which covers `covers`
        Mention,       // names ids from many documents (weekly reports): mentions only
    };
    Role role = Role::Mention;
    /// The record's own id is one of `aliases` (a JVNDB entry; never a mail): once stored, the
    /// record can be found through it.
    bool ownIdIsAlias = false;
    /// Vulnerability: the cluster's aliases this record states (its own id first when it is a
    /// vulnerability id, then the others sorted).
    std::vector<std::string> aliases;
    /// Advisory: the advisory the record belongs to (a normalized id, or the record's own id
    /// as the source wrote it when that is no known kind, e.g. MYJVN-ALT-2025-0011).
    std::string advisory;
    /// Vulnerability: the advisories that cover the record's cluster (sorted).
    /// Advisory: the vulnerability ids whose clusters the advisory covers (sorted).
    std::vector<std::string> covers;
    /// Ids the record names without linking to them: other advisories, other JVNDB entries;
    /// for a Mention record, every id (sorted).
    std::vector<std::string> mentions;
};

/// The rules of docs/correlation.md for one record, from its source, own id, aliases and title
/// (the title picks the own advisory of a mail naming several).
RecordLinks linksOf(std::string_view source, std::string_view id,
                    const std::vector<std::string>& aliases, std::string_view title);
RecordLinks linksOf(const Advisory& record);

/// The stable key of a cluster created from these vulnerability ids: the first by a fixed
/// order (JVNDB- before CVE-, then by text). Empty when `ids` is empty.
std::string clusterKeyOf(const std::vector<std::string>& ids);

// --- precedence ------------------------------------------------------------------------------

/// Precedence of a record's channel for the values a cluster shows: lower wins.
/// VULDEF detail (vuldef) 0 > iPedia RSS / MyJVN overview (jvn-rss, myjvn) 1 > jvn.jp feed and
/// MyJVN alerts (jvn, myjvn-alert) 2 > mail 3 > anything else 4.
int sourceRank(std::string_view source);

/// One record of a cluster, as the precedence sees it.
struct RankedRecord {
    const Advisory* record = nullptr;
    std::string channel;       // the configured source name (or "import")
    std::int64_t lastSeen = 0; // newest within a channel wins
};

/// Which record supplied one shown field.
struct FieldSource {
    std::string field; // title, summary, url, cvss, cpes, affected, published, modified, withdrawn
    std::size_t index = 0; // index into the records given
};

/// The value shown for each field: the first record by (sourceRank, newer lastSeen, newer
/// modified) with a non-empty value for it. `withdrawn` comes from the first record at all.
struct ShownFields {
    Advisory shown; // id/aliases/source of the first record; the fields chosen as above
    std::vector<FieldSource> provenance;
};
ShownFields chooseFields(const std::vector<RankedRecord>& records);

// --- revisions -------------------------------------------------------------------------------

/// What a new content hash of a record is.
enum class RevisionClass { New, Material, Cosmetic };
const char* revisionClassName(RevisionClass c); // "new", "material", "cosmetic"

struct FieldChange {
    std::string field;  // cvss, affected, cpes, aliases, withdrawn, title, summary, …
    std::string before; // one-line text of the old value
    std::string after;
    bool material = false;
};

struct RevisionDiff {
    RevisionClass revisionClass = RevisionClass::New;
    std::vector<FieldChange> changes; // empty for New
};

/// Classifies `after` against the stored `before` (nullptr: the record is new). Material: a
/// CVSS score or vector changed, affected products or version text changed, a CPE, CVE or JVN
/// id added, withdrawn or un-withdrawn. Cosmetic: anything else (wording, references, dates).
RevisionDiff classifyRevision(const Advisory* before, const Advisory& after);

/// The changes as a JSON array [{"field":…,"before":…,"after":…,"material":true}, …].
std::string changesJson(const std::vector<FieldChange>& changes);

} // namespace vw
