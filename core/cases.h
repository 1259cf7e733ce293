// Cases (issue 12 part 1): the procedure the MHLW notice asks for, one case per vulnerability
// cluster and product version: received (受付) → confirming (確認) → evaluating (評価) →
// responding (対応) → informing (医療機関への情報提供) → closed, with the side exits
// false_positive, not_affected and risk_accepted, and re-opening. Pure: the transition table
// with its required fields and who may make each transition, the checks, and the projection of
// case events onto a Case (the store keeps the rows, store/cases.h; the events are the audit
// chain). The table is documented in docs/cases.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

enum class CaseState {
    Received,
    Confirming,
    Evaluating,
    Responding,
    Informing,
    Closed,
    FalsePositive,
    NotAffected,
    RiskAccepted,
};

/// "received", "confirming", "evaluating", "responding", "informing", "closed",
/// "false_positive", "not_affected", "risk_accepted" (the CLI and JSON names).
std::string_view caseStateName(CaseState state);
/// 受付, 確認, 評価, 対応, 医療機関への情報提供, 完了, 誤検知, 影響なし, リスク受容.
std::string_view caseStateJapanese(CaseState state);
/// Reads a name of caseStateName (also with '-' for '_'); nullopt otherwise.
std::optional<CaseState> parseCaseState(std::string_view text);
/// Every state, in the order above.
const std::vector<CaseState>& allCaseStates();

/// Closed and the side exits: nothing is due, a signal re-opens it.
bool isTerminal(CaseState state);
/// The decide clock runs in received, confirming and evaluating.
bool decideClockRuns(CaseState state);
/// The inform clock runs until informing (or a side exit).
bool informClockRuns(CaseState state);
/// The fix clock runs until informing (the remedy is available there) or a side exit.
bool fixClockRuns(CaseState state);

/// The justifications of CSAF 2.0 / VEX for "not affected" (CSAF flag labels).
const std::vector<std::string_view>& notAffectedJustifications();
/// The actions of responding: "fix", "mitigation", "compensating-control".
const std::vector<std::string_view>& responseActions();

/// Who may make a transition.
enum class CaseRole {
    Anyone,   // any named person
    Approver, // a person in [cases] approvers (anyone when that list is empty)
};

/// One allowed transition and what it needs.
struct CaseTransitionRule {
    CaseState from;
    CaseState to;
    std::vector<std::string_view> required; // fields that must be given (non-empty)
    std::vector<std::string_view> optional; // fields that may be given
    CaseRole role = CaseRole::Anyone;
    std::string_view meaning; // one line, English, for docs and errors
};

/// The whole table (docs/cases.md "States and transitions"). Re-opening (a terminal state →
/// received) is in it too; the daemon re-opens with the same rule.
const std::vector<CaseTransitionRule>& caseTransitionRules();
/// The rule for from → to, or nullptr when the transition is not allowed.
const CaseTransitionRule* findTransitionRule(CaseState from, CaseState to);

/// The settings the checks need ([cases] in the config).
struct CasePolicy {
    /// Who may approve (not_affected, risk_accepted, closed); empty: anyone.
    std::vector<std::string> approvers;
    /// The longest a risk acceptance may last (days from the transition).
    int maxAcceptanceDays = 365;
    bool operator==(const CasePolicy&) const = default;
};

/// A transition as asked: to state `to` by `by` with `fields`, at `now`.
struct CaseTransitionRequest {
    CaseState from = CaseState::Received;
    CaseState to = CaseState::Received;
    std::string by;
    std::map<std::string, std::string> fields;
    std::int64_t now = 0;
    /// The case's response action so far (fields of earlier transitions), for rules that depend
    /// on it.
    std::string action;
};

/// Why a transition is refused, or nullopt when it may be made. Checks: the transition exists
/// (else names the states reachable from `from`), `by` is a name (not empty, not the reserved
/// "daemon"/"vulnwatch"), the role, every required field present and non-empty, no unknown
/// field, and the values: risk (controlled|uncontrolled), action (responseActions), target_version
/// when action is fix, justification (notAffectedJustifications), expires (YYYY-MM-DD, after the
/// day of `now` in JST and at most policy.maxAcceptanceDays ahead). English and Japanese in one
/// message, as the CLI prints it.
std::optional<std::string> checkCaseTransition(const CaseTransitionRequest& request,
                                               const CasePolicy& policy);

/// One case as the store keeps it (the projection of its events).
struct Case {
    std::int64_t id = 0;
    std::int64_t clusterId = 0; // 0: opened by hand before any advisory
    std::string clusterKey;
    std::string product;
    std::string version;
    std::string title;
    std::string origin; // "match", "manual", "inherited"
    CaseState state = CaseState::Received;
    std::string severity; // severityName of core/calendar.h
    std::int64_t receivedAt = 0;
    std::int64_t decideDue = 0;
    std::int64_t informDue = 0; // 0: no inform deadline
    std::int64_t fixDue = 0;
    std::int64_t decidedAt = 0;
    std::string risk;       // "", "controlled", "uncontrolled"
    std::string ssvc;       // "", "Track", "Track*", "Attend", "Act"
    std::string ssvcPoints; // ssvcToJson of core/ssvc.h, "" before the first evaluation
    std::map<std::string, std::string> fields;
    std::string components; // "name@version" of the matched components, sorted, one per line
    std::int64_t inheritedFrom = 0;
    std::string reopenReason;
    std::vector<std::string> breached; // clocks whose breach was notified: decide, inform, fix
    std::int64_t openedAt = 0;
    std::int64_t updatedAt = 0;
    std::int64_t lastEvent = 0;

    bool operator==(const Case&) const = default;
};

/// The event kinds of cases.
inline constexpr std::string_view kCaseOpen = "case-open";
inline constexpr std::string_view kCaseTransition = "case-transition";
inline constexpr std::string_view kCaseReopen = "case-reopen";
inline constexpr std::string_view kCaseSsvc = "case-ssvc";
inline constexpr std::string_view kCaseBreach = "case-breach";
inline constexpr std::string_view kCaseSignal = "case-signal";
inline constexpr std::string_view kCaseComponents = "case-components";
bool isCaseEventKind(std::string_view kind);

/// Applies one case event's details to `c` (the projection): a detail named like a column
/// (cluster_id, cluster_key, product, version, title, origin, state, severity, received_at,
/// decide_due, inform_due, fix_due, decided_at, risk, ssvc, ssvc_points, components,
/// inherited_from, reopen_reason, breached) sets it; "f.NAME" sets field NAME; other details
/// (from, by, reason, …) only describe. `at` becomes updated_at (and opened_at for case-open),
/// `seq` last_event. Throws std::invalid_argument for a value the column cannot take (a state
/// that is not one, a time that is not a number).
void applyCaseEvent(Case& c, std::string_view kind, std::int64_t at, std::int64_t seq,
                    const std::vector<std::pair<std::string, std::string>>& details);

/// `components` as the case keeps it: "name@version" each once, sorted, joined by '\n'.
std::string componentFingerprint(std::vector<std::string> nameAtVersion);
/// `breached` as a detail and a column keeps it: the items joined by '\n' (splitLines' inverse).
std::string joinCaseList(const std::vector<std::string>& items);
/// The items of a case's `components` ("name@version", sorted).
std::vector<std::string> caseComponents(const Case& c);

} // namespace vw
