// The case rows (vcase, the projection) and their events (the audit chain). Every change of a
// case is one event appended to the chain, with the case's id and details naming the columns it
// sets (core/cases.h applyCaseEvent), and the row written from the same details in the same
// transaction; so the rows can be rebuilt from the chain (rebuildCases) and compared.
#pragma once

#include "core/cases.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace vw {

/// One change of a case as the caller describes it.
struct CaseChange {
    std::string kind; // kCaseOpen, kCaseTransition, …
    std::string text; // a readable sentence for the audit trail
    std::string actor;
    /// The site the change was made at ([daemon] site); recorded as the event's detail
    /// "site" when not empty (docs/cases.md "Sites").
    std::string site;
    std::vector<std::string> subjects;
    std::vector<std::string> evidence;
    /// Column details (applyCaseEvent) and describing ones (from, reason, …).
    std::vector<std::pair<std::string, std::string>> details;
};

/// Appends `change` for case `caseId` (0: a new case, numbered max(id) + 1) and writes its row;
/// one savepoint, so an error leaves neither. Returns the case as it is now.
Case recordCaseChange(Store& store, std::int64_t caseId, const CaseChange& change,
                      std::int64_t now);

std::optional<Case> caseById(Store& store, std::int64_t id);
/// Takes the write lock of case `id`'s row for the caller's transaction (on PostgreSQL a row
/// lock another session's change of the case waits for; SQLite's BEGIN IMMEDIATE already holds
/// the whole file), so reading the case, comparing its version (Case::lastEvent) and writing
/// the change cannot interleave with another process's change of it. False when there is no
/// such case. Plain SQL: an UPDATE that sets nothing new.
bool lockCase(Store& store, std::int64_t id);
/// The case of a cluster (by its stable key) and product version.
std::optional<Case> caseFor(Store& store, const std::string& clusterKey, const std::string& product,
                            const std::string& version);
/// The decided case (not_affected, false_positive or risk_accepted) of another version of
/// the product in the same cluster with the same components fingerprint, if any: the latest
/// decided (then the highest id). A new case inherits its decision (docs/cases.md).
std::optional<Case> inheritableCase(Store& store, const std::string& clusterKey,
                                    const std::string& product, const std::string& version,
                                    const std::string& components);
/// The cluster keys that have a case.
std::unordered_set<std::string> clusterKeysWithCases(Store& store);
/// The cases of these cluster keys, 64 keys a statement, in no particular order.
std::vector<Case> casesOfClusterKeys(Store& store, const std::vector<std::string>& clusterKeys);
/// The cases of a cluster (following merges), by id.
std::vector<Case> casesOfCluster(Store& store, std::int64_t clusterId);

struct CaseFilter {
    std::string product; // "" = any
    std::string version; // "" = any (only with product)
    std::optional<CaseState> state;
    bool openOnly = false;      // not terminal
    std::int64_t overdueAt = 0; // > 0: only cases with a running clock past due at this time
    int limit = 0;              // 0 = all
};
/// The cases the filter selects, by the earliest running due time, then id.
std::vector<Case> listCases(Store& store, const CaseFilter& filter);

/// The earliest due time of a clock that still runs (0 when none runs), and which clock.
std::pair<std::int64_t, std::string> nextDue(const Case& c);
/// nextDue(c).first of a vcase row as an SQL expression, with "none" as the largest integer
/// (such cases sort last): what listCases orders by, and the expression of the index
/// vcase_next_due (schema migration 18).
std::string_view caseNextDueSql();
/// The running clocks past due at `now` ("decide", "inform", "fix").
std::vector<std::string> overdueClocks(const Case& c, std::int64_t now);

/// One event of a case, as `cases show` and `audit export CASE` read it.
struct CaseEventRow {
    std::int64_t seq = 0;
    std::int64_t at = 0;
    std::string kind;
    std::string text;
    std::string actor;
    std::string site; // its "site" detail ("" for events from before sites were recorded)
    std::vector<std::string> evidence;
    std::vector<std::pair<std::string, std::string>> details; // sorted by name
};
std::vector<CaseEventRow> caseEvents(Store& store, std::int64_t caseId);
/// The event that made case `c` what it is now (the one numbered c.lastEvent): who changed it
/// last, where and when. nullopt when the chain does not have it.
std::optional<CaseEventRow> lastCaseChange(Store& store, const Case& c);
/// "USER @ SITE", or USER alone when the event names no site.
std::string actorAtSite(const CaseEventRow& e);

/// Every case replayed from the chain's case events (in sequence order), by id. Throws
/// std::invalid_argument for an event the projection cannot apply.
std::vector<Case> rebuildCases(Store& store);
/// Every stored case row, by id.
std::vector<Case> storedCases(Store& store);

/// How many cases there are per state name.
std::vector<std::pair<std::string, int>> caseCounts(Store& store);

} // namespace vw
