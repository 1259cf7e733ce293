// The case work of the daemon (issue 12): cases opened by matches, re-opened by material
// revisions, exploitation signals and expiries, SSVC priorities and clock breaches, with their
// notifications, and the transitions people make. The state machine itself is core/cases.h;
// the rows and events store/cases.h; docs/cases.md describes it all.
#pragma once

#include "config/config.h"
#include "core/advisory.h"
#include "core/cases.h"
#include "core/match.h"
#include "store/cases.h"
#include "store/store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vw {

struct IngestStats;

/// A transition or case command refused (a missing field, an illegal transition, no such case):
/// the message says why, in English and Japanese.
class CaseRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A change refused because the case changed after the version the caller saw (optimistic
/// concurrency, docs/cases.md "Sites"): the case as it is now and the event that changed it
/// last (who, at which site, when). Nothing was written. The message says so in English and
/// Japanese.
class CaseConflict : public CaseRefused {
public:
    CaseConflict(Case current, std::optional<CaseEventRow> change, std::int64_t expected);
    const Case& current() const { return current_; }
    const std::optional<CaseEventRow>& change() const { return change_; }
    std::int64_t expected() const { return expected_; }

private:
    Case current_;
    std::optional<CaseEventRow> change_;
    std::int64_t expected_ = 0;
};

/// What a change refused on a stale view says (CaseConflict, NoticeConflict): in English and
/// in Japanese, separately.
struct StaleViewText {
    std::string english;
    std::string japanese;
};
/// The text of a refusal because `what` ("case 12" / 案件 12, "notice 3" / お知らせ 3) was
/// changed by `change` (who, at which site, when; `changedAt` when the chain does not have the
/// event) after the version `expected` the caller saw; it is now at version `now` in state
/// `state` / `stateJa`; `again` is the command that shows it ("vulnwatch cases show 12").
/// Nothing was written, the text says, and the change may be repeated after a look.
StaleViewText staleViewText(const std::string& what, const std::string& whatJa,
                            const std::optional<CaseEventRow>& change, std::int64_t changedAt,
                            std::int64_t expected, std::int64_t now, const std::string& state,
                            const std::string& stateJa, const std::string& again);

/// This machine's host name ("localhost" when it has none): the default site.
std::string hostSiteName();
/// The site every case change made with `routing` records: [daemon] site, else the host name.
std::string caseSite(const Routing& routing);
/// The same from a configuration (hospital notices, daemon/notices.h).
std::string configSite(const Config& config);

/// After `advisory` (a record of cluster `clusterId`) was matched: `matches` are every match it
/// made (new, re-evaluated or unchanged). Each product version gets its case when it has none:
/// a new one in `received` with its clocks and SSVC priority, or, when another version of the
/// product decided this vulnerability (not_affected, false_positive, risk_accepted) with the
/// same components, one inheriting that decision (shown as inherited, with the link). A case
/// whose components changed (a version differs, or a component is new) records it, and a case
/// in a terminal state re-opens. `evidence`: the blobs the record was read from (linked from the
/// case-open event). `products`: the registry's active versions when the caller has them (else
/// read from the store when a notice needs them). Runs in the caller's transaction.
void casesForMatches(Store& store, const Routing& routing, std::int64_t clusterId,
                     const Advisory& advisory, const std::vector<Match>& matches,
                     const std::vector<std::string>& evidence, std::int64_t now, IngestStats& stats,
                     const std::vector<Product>* products = nullptr);

/// A material revision of `advisory` (`what`: the changed fields, one line): every case of its
/// clusters records it; a terminal one re-opens; the SSVC priority is evaluated again.
void casesOnMaterialRevision(Store& store, const Routing& routing,
                             const std::vector<std::int64_t>& clusters, const Advisory& advisory,
                             const std::string& what, std::int64_t now, IngestStats& stats,
                             const std::vector<Product>* products = nullptr);

/// A signal that the vulnerability `vulnId` (a CVE, JVNDB, … id) is exploited: a new listing
/// in CISA's KEV catalog, a JPCERT/CC alert naming it. `reason` says which ("CISA KEV: listed
/// 2025-08-25"). Every case of the cluster that has that id re-evaluates its SSVC priority; a
/// case in a terminal state re-opens with the reason; a case that becomes `Act` is alerted at
/// once (an owner's digest setting cannot hold it back), once per case. Returns the number of
/// cases it touched; runs in the caller's transaction.
int caseExploitationSignal(Store& store, const Routing& routing, const std::string& vulnId,
                           const std::string& reason, std::int64_t now, IngestStats& stats);
/// The same for a cluster.
int caseExploitationSignalCluster(Store& store, const Routing& routing, std::int64_t clusterId,
                                  const std::string& reason, std::int64_t now, IngestStats& stats,
                                  const std::vector<Product>* products = nullptr);

/// Opens the cases of stored matches that have none (a store from before cases existed, or a
/// match whose case could not be opened): one per cluster and product version, in `received`,
/// with clocks from `now`. Returns how many it opened. Own transaction.
int openMissingCases(Store& store, const Routing& routing, std::int64_t now);

/// What caseTick did.
struct CaseTickStats {
    int expired = 0;  // risk acceptances past their expiry, re-opened
    int breaches = 0; // clocks found past due (each once)
    int notices = 0;  // messages queued for them
};
/// The periodic work: re-opens risk acceptances whose expiry date has passed, and records each
/// clock breach once (a case-breach event and a notice to the product's owners and chat
/// notifiers). One transaction.
CaseTickStats caseTick(Store& store, const Routing& routing, std::int64_t now);

/// A person's transition of case `id` to `to` (checked by core/cases checkCaseTransition with
/// the routing's case policy). Moving to responding with risk=controlled recomputes the clocks
/// on the controlled policy from the receipt. Throws CaseRefused. The event records `by` and
/// the site (caseSite). `expectVersion` (not 0): the case's version (Case::lastEvent, the id
/// of its last event) the caller saw; when the case has changed since, nothing is written and
/// CaseConflict is thrown.
Case transitionCase(Store& store, const Routing& routing, std::int64_t id, CaseState to,
                    const std::string& by, const std::map<std::string, std::string>& fields,
                    std::int64_t now, std::int64_t expectVersion = 0);

/// A case opened by hand (a finder's or a hospital's report): for a registered product version,
/// with a title; `ids` (vulnerability ids) link it to their cluster when one is stored (the
/// case then follows it like a matched one); `severity` (Critical … Low, or "" = unscored) sets
/// the decide clock. Throws CaseRefused (unknown product version, a case already open for that
/// cluster and version, no title).
Case openManualCase(Store& store, const Routing& routing, const std::string& product,
                    const std::string& version, const std::string& title, const std::string& by,
                    const std::vector<std::string>& ids, const std::string& severity,
                    std::int64_t now);

/// A triager's SSVC points for case `id` (each optional; "" clears the setting): exploitation
/// (none|poc|active), automatable (yes|no), technical_impact (partial|total). Evaluated again at
/// once; Act alerts. Throws CaseRefused. The event records `by` and the site. `expectVersion`
/// (not 0): the case's version the caller saw, checked under the row's lock as
/// transitionCase does (CaseConflict, nothing written).
Case setCaseSsvc(Store& store, const Routing& routing, std::int64_t id, const std::string& by,
                 const std::map<std::string, std::string>& points, std::int64_t now,
                 std::int64_t expectVersion = 0);

} // namespace vw
