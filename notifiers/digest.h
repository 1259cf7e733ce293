// Rendering an owner's digest: a pure function from a plain value (what the digest covers) to
// one outbox e-mail, plain text written here and HTML from the `digest` Mustache template
// (notifiers/mail_templates.h).
#pragma once

#include "core/correlate.h"
#include "core/message.h"
#include "notifiers/mail_templates.h"

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
/// `… 新着なし (END)` / `… nothing new (END)` for a heartbeat. The body groups the entries by
/// product (name, then version), then by severity band (highest first), then by score
/// (highest first) and advisory id; each entry says what is new or what changed, why it
/// matched and how confident the match is, then the audit head. `html` holds the same from the
/// `digest.<language>.html` template (every value HTML-escaped, links http(s) only). Feed text
/// is cleaned as in every message.
OutMessage renderDigest(const DigestContent& digest);

/// The idempotency key (and Message-ID) of an owner's digest for one period:
/// "digest-" and 16 hex digits from the notifier, the owner's address and the period end.
std::string digestKey(const std::string& notifier, const std::string& owner,
                      std::int64_t periodEnd);

} // namespace vw
