// Rendering an owner's digest: a pure function from a plain value (what the digest covers) to
// one outbox e-mail, plain text written here and HTML from the `digest` Mustache template
// (notifiers/mail_templates.h).
#pragma once

#include "core/cases.h"
#include "core/correlate.h"
#include "core/message.h"
#include "notifiers/mail_templates.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vw {

/// One piece of news for the owner: a new match of a product version, or a change of one the
/// owner has heard of (kind "update", or "withdrawn" when the advisory was withdrawn).
struct DigestEntry {
    std::string kind = "new"; // new | update | withdrawn
    std::string advisory;     // the id shown (JVNDB-…, CVE-…)
    std::string clusterKey;   // the vulnerability's stable key: entries with the same key,
                              // product and version are shown as one
    std::string title;
    std::string url;
    double score = 0.0; // highest CVSS base score; 0: none given
    std::string product;
    std::string version;
    std::string component;
    std::string method; // cpe-version, keyword, …
    std::string verdict;
    int confidence = 0;
    std::string reason;               // why it matched (human-readable)
    std::vector<FieldChange> changes; // update / withdrawn: what changed
};

/// One open case of a product version the owner hears of (issue 12), for the digest's list of
/// open cases by due date.
struct DigestCase {
    std::int64_t id = 0;
    std::string product;
    std::string version;
    std::string title;
    std::string advisory; // the vulnerability's id (the case's cluster key); "" for a case
                          // opened by hand before any advisory
    CaseState state = CaseState::Received;
    std::int64_t due = 0; // the earliest running clock's due time (store/cases.h nextDue), 0: none
    std::string clock;    // which clock that is: decide | inform | fix ("" when none runs)
    bool overdue = false; // a running clock is past due at the time the digest is made
    std::string ssvc;     // Track, Track*, Attend, Act ("" before any evaluation)
};

/// At most this many open cases are listed in one digest; the rest are counted.
inline constexpr std::size_t kDigestCasesShown = 50;

/// A source's last successful poll, for the heartbeat.
struct DigestSourceStatus {
    std::string name;
    std::string lastSuccess; // local time text, "" when never
};

/// Everything one digest mail says.
struct DigestContent {
    std::string notifier;
    std::string recipient;       // the mailbox it goes to
    std::string language = "ja"; // ja | en
    std::string periodStart;     // local time text of the previous digest ("" for none)
    std::string periodEnd;       // local time text of this digest's scheduled time
    std::string idempotencyKey;  // from owner and period (digestKey)
    std::vector<DigestEntry> entries;
    /// The owner's open cases, in any order: listed overdue first, then by due time (cases
    /// with no running clock last), then by id; at most kDigestCasesShown, the rest counted.
    std::vector<DigestCase> cases;
    /// The heartbeat's proof that the pipeline ran (shown when there are no entries).
    std::vector<DigestSourceStatus> sources;
    /// The audit chain's head when the digest was made, "audit head SEQ HASH"
    /// (auditHeadLine()): a copy outside the database. "" leaves it out.
    std::string auditHead;
    /// The notifier's templates (`templates = DIR`); null: the built-in ones.
    std::shared_ptr<const MailTemplates> templates;
};

/// The CVSS band of a base score: 4 critical (9.0–10.0), 3 high (7.0–8.9), 2 medium (4.0–6.9),
/// 1 low (0.1–3.9), 0 none (no score).
int severityBand(double score);

/// One e-mail (`notifier`, `recipient`, `idempotencyKey` filled, `id` 0). Subject
/// `[vulnwatch] ダイジェスト: N 件 (END)` (English: `[vulnwatch] Digest: N items (END)`), or
/// `… 新着なし (END)` / `… nothing new (END)` for a heartbeat; with open cases
/// `、対応中の案件 M 件` / `, M open cases` before the period. The body groups the entries by
/// product (name, then version), then by severity band (highest first), then by score
/// (highest first) and advisory id; each entry says what is new or what changed, why it
/// matched and how confident the match is; then the open cases by due date (each with its
/// product version, vulnerability, state in Japanese and English, due time in JST and clock,
/// overdue mark and SSVC priority), then the audit head. A digest with no news but open cases
/// says so and lists them before the sources' last polls. `html` holds the same from the
/// `digest.<language>.html` template (every value HTML-escaped, links http(s) only). Feed text
/// is cleaned as in every message.
OutMessage renderDigest(const DigestContent& digest);

/// The idempotency key (and Message-ID) of an owner's digest for one period:
/// "digest-" and 16 hex digits from the notifier, the owner's address and the period end.
std::string digestKey(const std::string& notifier, const std::string& owner,
                      std::int64_t periodEnd);

} // namespace vw
