// The audit trail (issue 12 part 3): every change the daemon or a user makes is an event in
// `event_log`, an append-only table (triggers refuse UPDATE and DELETE) whose events form a
// hash chain: event N stores the SHA-256 of event N-1 (`prev_hash`) and its own
// `hash` = SHA-256(prev_hash ‖ canonical JSON of the event). The canonical form, what the chain
// proves and how to check it are in docs/audit.md; Store::appendEvent writes, verifyAuditChain
// reads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;

namespace vw {

class Store;

/// One audit event as callers describe it. Only `kind` is required; empty optional fields are
/// left out of the canonical JSON (so adding a field later changes no existing event's hash).
struct AuditEvent {
    std::string kind;    // what happened: "ingest", "match", "cluster-merge", "product", …
    std::int64_t at = 0; // when (Unix seconds)
    std::string text;    // a readable sentence
    std::string caseId;  // "case": the case it belongs to (the case work, issue 9)
    std::string actor;   // "actor": who did it (a user, "daemon", …)
    /// "subjects": the ids it is about ("JVNDB-2024-000001", "product:Viewer 3.2", …), in the
    /// order given.
    std::vector<std::string> subjects;
    /// "evidence": SHA-256 (64 lower-case hex digits) of the evidence blobs it refers to.
    std::vector<std::string> evidence;
    /// "details": further name/value pairs (names: printable ASCII, each once; written sorted),
    /// e.g. {"from", "triage"}, {"to", "fixed"} for a transition.
    std::vector<std::pair<std::string, std::string>> details;
};

/// The hash every chain starts from: the `prev_hash` of event 1 (64 zeros).
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// The last event of the chain (seq 0 and kAuditGenesisHash when there is none).
struct AuditHead {
    std::int64_t seq = 0;
    std::string hash = std::string(kAuditGenesisHash);
};

/// The canonical JSON of `event` as event number `seq` (docs/audit.md "Canonical form"): one
/// line, keys sorted, no spaces, strings escaped as RFC 8785 does, invalid UTF-8 replaced by
/// U+FFFD. Throws std::invalid_argument for an event that has no canonical form (no kind, a
/// time or seq beyond ±2^53, a details name that is not printable ASCII or comes twice, an
/// evidence hash that is not 64 lower-case hex digits).
std::string canonicalAuditJson(const AuditEvent& event, std::int64_t seq);

/// SHA-256(prevHash ‖ canonicalJson) as 64 lower-case hex digits (OpenSSL).
std::string auditHash(std::string_view prevHash, std::string_view canonicalJson);

/// Registers the SQL functions the migration that chains event_log uses (on every connection):
/// vw_audit_json(seq, at, kind, text) = canonicalAuditJson, vw_audit_hash(prev, json) =
/// auditHash. Returns false (SQLite's error on the connection) when registering failed.
bool registerAuditFunctions(sqlite3* db);

/// A head recorded outside the database (the journal's `audit head SEQ HASH` line, a digest):
/// its hash and, when known, its sequence number.
struct RecordedHead {
    std::string hash;
    std::optional<std::int64_t> seq;
};

/// Reads `HASH` or `HASH@SEQ` (64 hex digits, any case; SEQ ≥ 1). Throws std::invalid_argument
/// naming what is wrong.
RecordedHead parseRecordedHead(std::string_view text);

/// What verifyAuditChain found. Problems, by the first event they concern:
/// - Edited: the event's content (or its stored hashes) does not give its hash;
/// - Deleted: events are missing: `badEvent` … `nextPresent - 1` (a gap in the sequence);
/// - Reordered: the event is intact but does not follow the one before it (its prev_hash is not
///   that event's hash): events were reordered, inserted or replaced;
/// - Truncated: the chain ends (at `head`) before the recorded head: `badEvent` is the first
///   event missing at the end;
/// - Rewritten: the event at the recorded head's sequence number has another hash (the chain
///   holds together but is not the one whose head was recorded: rewritten from there or
///   earlier).
enum class AuditProblem { None, Edited, Deleted, Reordered, Truncated, Rewritten };

struct AuditVerification {
    AuditProblem problem = AuditProblem::None;
    /// Events found good (all of them when the chain holds).
    std::int64_t events = 0;
    /// The last good event (the chain's head when it holds).
    AuditHead head;
    /// The first bad (or first missing) event; 0 when the chain holds.
    std::int64_t badEvent = 0;
    /// Deleted: the next event present after the gap.
    std::int64_t nextPresent = 0;
    /// Edited: the hash stored and the one its content gives; Reordered: the event's prev_hash
    /// and the previous event's hash; Rewritten: the event's hash and the recorded one.
    std::string stored;
    std::string expected;
    /// When a recorded head was given: whether the chain reaches it.
    bool headChecked = false;
    bool headReached = false;

    bool ok() const { return problem == AuditProblem::None; }
};

/// "edited", "deleted", "reordered", "truncated", "rewritten" ("ok" for None): the names of the
/// `audit verify --json` contract.
std::string_view auditProblemName(AuditProblem problem);

/// Walks the whole chain in sequence order (one statement: one consistent snapshot, streamed)
/// and stops at the first bad event. With `recorded`, the chain must also reach that head.
AuditVerification verifyAuditChain(Store& store,
                                   const std::optional<RecordedHead>& recorded = std::nullopt);

/// One stored event as `audit export` reads it.
struct AuditRow {
    std::int64_t seq = 0;
    std::int64_t at = 0;
    std::string kind;
    std::string text;
    std::string json; // the canonical JSON the hash covers
    std::string prevHash;
    std::string hash;
};

/// The events with `since` ≤ at < `until` (0: no bound), in sequence order, one at a time.
void forEachAuditEvent(Store& store, std::int64_t since, std::int64_t until,
                       const std::function<void(const AuditRow&)>& fn);

} // namespace vw
