#include "core/cases.h"

#include "core/calendar.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace vw {

namespace {

struct StateNames {
    CaseState state;
    std::string_view name;
    std::string_view japanese;
};

constexpr StateNames kStates[] = {
    {CaseState::Received, "received", "受付"},
    {CaseState::Confirming, "confirming", "確認"},
    {CaseState::Evaluating, "evaluating", "評価"},
    {CaseState::Responding, "responding", "対応"},
    {CaseState::Informing, "informing", "医療機関への情報提供"},
    {CaseState::Closed, "closed", "完了"},
    {CaseState::FalsePositive, "false_positive", "誤検知"},
    {CaseState::NotAffected, "not_affected", "影響なし"},
    {CaseState::RiskAccepted, "risk_accepted", "リスク受容"},
};

const StateNames& namesOf(CaseState state) {
    for (const auto& s : kStates) {
        if (s.state == state) {
            return s;
        }
    }
    throw std::logic_error("case state without a name");
}

std::string joined(const std::vector<std::string_view>& items, std::string_view sep) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : std::string(sep)) + std::string(item);
    }
    return out;
}

bool contains(const std::vector<std::string_view>& items, std::string_view item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

std::int64_t parseInt(std::string_view name, std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        throw std::invalid_argument("case event detail " + std::string(name) +
                                    " is not a whole number: '" + std::string(text) + "'");
    }
    return value;
}

std::vector<std::string> splitLines(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        if (end > start) {
            out.emplace_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

} // namespace

std::string_view caseStateName(CaseState state) {
    return namesOf(state).name;
}

std::string_view caseStateJapanese(CaseState state) {
    return namesOf(state).japanese;
}

std::optional<CaseState> parseCaseState(std::string_view text) {
    std::string name(text);
    std::replace(name.begin(), name.end(), '-', '_');
    for (const auto& s : kStates) {
        if (s.name == name) {
            return s.state;
        }
    }
    return std::nullopt;
}

const std::vector<CaseState>& allCaseStates() {
    static const std::vector<CaseState> states = [] {
        std::vector<CaseState> out;
        for (const auto& s : kStates) {
            out.push_back(s.state);
        }
        return out;
    }();
    return states;
}

bool isTerminal(CaseState state) {
    return state == CaseState::Closed || state == CaseState::FalsePositive ||
           state == CaseState::NotAffected || state == CaseState::RiskAccepted;
}

bool decideClockRuns(CaseState state) {
    return state == CaseState::Received || state == CaseState::Confirming ||
           state == CaseState::Evaluating;
}

bool informClockRuns(CaseState state) {
    return !isTerminal(state) && state != CaseState::Informing;
}

bool fixClockRuns(CaseState state) {
    return informClockRuns(state);
}

const std::vector<std::string_view>& notAffectedJustifications() {
    static const std::vector<std::string_view> list = {
        "component_not_present",
        "vulnerable_code_not_present",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "vulnerable_code_not_in_execute_path",
        "inline_mitigations_already_exist",
    };
    return list;
}

const std::vector<std::string_view>& responseActions() {
    static const std::vector<std::string_view> list = {"fix", "mitigation", "compensating-control"};
    return list;
}

const std::vector<CaseTransitionRule>& caseTransitionRules() {
    using S = CaseState;
    static const std::vector<CaseTransitionRule> rules = {
        {S::Received,
         S::Confirming,
         {"assignee"},
         {"note"},
         CaseRole::Anyone,
         "accept the report and name who confirms it"},
        {S::Confirming,
         S::Evaluating,
         {"finding"},
         {"note"},
         CaseRole::Anyone,
         "confirmed: whether and how the product version contains the vulnerable component"},
        {S::Evaluating,
         S::Responding,
         {"risk", "assessment", "action"},
         {"target_version", "note"},
         CaseRole::Anyone,
         "the risk evaluated (controlled or not) and the response chosen: fix (with target "
         "version), mitigation or compensating control"},
        {S::Responding,
         S::Informing,
         {"remedy"},
         {"fixed_version", "note"},
         CaseRole::Anyone,
         "the fix or mitigation is available; the hospitals are being informed"},
        {S::Informing,
         S::Closed,
         {"notice"},
         {"note"},
         CaseRole::Approver,
         "the hospitals were informed (the notice's reference)"},
        {S::Received,
         S::FalsePositive,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "the match is wrong (not this product or component)"},
        {S::Confirming,
         S::FalsePositive,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "the match is wrong (not this product or component)"},
        {S::Evaluating,
         S::FalsePositive,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "the match is wrong (not this product or component)"},
        {S::Confirming,
         S::NotAffected,
         {"justification", "impact"},
         {"note"},
         CaseRole::Approver,
         "not affected: a CSAF/VEX justification and an impact statement"},
        {S::Evaluating,
         S::NotAffected,
         {"justification", "impact"},
         {"note"},
         CaseRole::Approver,
         "not affected: a CSAF/VEX justification and an impact statement"},
        {S::Evaluating,
         S::RiskAccepted,
         {"reason", "expires"},
         {"note"},
         CaseRole::Approver,
         "the risk is accepted until an expiry date"},
        {S::Responding,
         S::RiskAccepted,
         {"reason", "expires"},
         {"note"},
         CaseRole::Approver,
         "the risk is accepted until an expiry date"},
        {S::Closed,
         S::Received,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "re-open: the case is received again"},
        {S::FalsePositive,
         S::Received,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "re-open: the case is received again"},
        {S::NotAffected,
         S::Received,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "re-open: the case is received again"},
        {S::RiskAccepted,
         S::Received,
         {"reason"},
         {"note"},
         CaseRole::Anyone,
         "re-open: the case is received again"},
    };
    return rules;
}

const CaseTransitionRule* findTransitionRule(CaseState from, CaseState to) {
    for (const auto& rule : caseTransitionRules()) {
        if (rule.from == from && rule.to == to) {
            return &rule;
        }
    }
    return nullptr;
}

std::optional<std::string> checkCaseTransition(const CaseTransitionRequest& request,
                                               const CasePolicy& policy) {
    const CaseTransitionRule* rule = findTransitionRule(request.from, request.to);
    if (rule == nullptr) {
        std::vector<std::string_view> reachable;
        for (const auto& r : caseTransitionRules()) {
            if (r.from == request.from) {
                reachable.push_back(caseStateName(r.to));
            }
        }
        return "a case in state " + std::string(caseStateName(request.from)) + " cannot go to " +
               std::string(caseStateName(request.to)) + "; from " +
               std::string(caseStateName(request.from)) + " it can go to " +
               (reachable.empty() ? std::string("no other state") : joined(reachable, ", ")) +
               " (" + std::string(caseStateJapanese(request.from)) + " から " +
               std::string(caseStateJapanese(request.to)) + " へは遷移できません)";
    }
    if (request.by.empty()) {
        return std::string("a transition needs --by NAME: who makes it (実施者の名前が必要です)");
    }
    if (request.by == "daemon" || request.by == "vulnwatch") {
        return "--by " + request.by +
               " is reserved for what vulnwatch does itself; give a person's name "
               "(この名前は vulnwatch 自身の記録用です)";
    }
    if (rule->role == CaseRole::Approver && !policy.approvers.empty() &&
        std::find(policy.approvers.begin(), policy.approvers.end(), request.by) ==
            policy.approvers.end()) {
        std::vector<std::string_view> names(policy.approvers.begin(), policy.approvers.end());
        return "only an approver may move a case to " + std::string(caseStateName(request.to)) +
               " ([cases] approvers = " + joined(names, ", ") + "); " + request.by +
               " is not one (承認者のみが実施できます)";
    }
    for (const auto& [name, value] : request.fields) {
        if (!contains(rule->required, name) && !contains(rule->optional, name)) {
            std::vector<std::string_view> known = rule->required;
            known.insert(known.end(), rule->optional.begin(), rule->optional.end());
            return "--" + name + " is not a field of " + std::string(caseStateName(request.from)) +
                   " -> " + std::string(caseStateName(request.to)) +
                   " (its fields: " + joined(known, ", ") + ")";
        }
    }
    std::vector<std::string_view> missing;
    for (const auto& name : rule->required) {
        const auto it = request.fields.find(std::string(name));
        if (it == request.fields.end() ||
            it->second.find_first_not_of(" \t") == std::string::npos) {
            missing.push_back(name);
        }
    }
    const auto field = [&](std::string_view name) -> std::string {
        const auto it = request.fields.find(std::string(name));
        return it == request.fields.end() ? std::string() : it->second;
    };
    const std::string action = request.fields.count("action") ? field("action") : request.action;
    if (request.to == CaseState::Responding && action == "fix" && field("target_version").empty()) {
        missing.push_back("target_version");
    }
    if (!missing.empty()) {
        std::string flags;
        for (const auto& name : missing) {
            flags += (flags.empty() ? "--" : ", --") + std::string(name);
        }
        return std::string(caseStateName(request.from)) + " -> " +
               std::string(caseStateName(request.to)) + " needs " + flags + " (" +
               std::string(rule->meaning) + "; 必須項目が不足しています)";
    }
    if (request.fields.count("risk") && field("risk") != "controlled" &&
        field("risk") != "uncontrolled") {
        return "--risk must be controlled or uncontrolled, not '" + field("risk") +
               "' (リスクは controlled か uncontrolled)";
    }
    if (request.fields.count("action") && !contains(responseActions(), field("action"))) {
        return "--action must be one of " + joined(responseActions(), ", ") + ", not '" +
               field("action") + "'";
    }
    if (request.fields.count("justification") &&
        !contains(notAffectedJustifications(), field("justification"))) {
        return "--justification must be a CSAF/VEX justification: " +
               joined(notAffectedJustifications(), ", ") + "; not '" + field("justification") + "'";
    }
    if (request.fields.count("expires")) {
        const std::optional<Date> expires = parseDate(field("expires"));
        if (!expires) {
            return "--expires must be a date YYYY-MM-DD, not '" + field("expires") + "'";
        }
        const Date today = jstDate(request.now);
        if (*expires <= today) {
            return "--expires " + field("expires") + " is not after today (" + formatDate(today) +
                   " JST): a risk acceptance needs an expiry date ahead";
        }
        if (toDays(*expires) - toDays(today) > policy.maxAcceptanceDays) {
            return "--expires " + field("expires") + " is more than " +
                   std::to_string(policy.maxAcceptanceDays) +
                   " days ahead ([cases] max_acceptance_days)";
        }
    }
    return std::nullopt;
}

bool isCaseEventKind(std::string_view kind) {
    return kind == kCaseOpen || kind == kCaseTransition || kind == kCaseReopen ||
           kind == kCaseSsvc || kind == kCaseBreach || kind == kCaseSignal ||
           kind == kCaseComponents;
}

void applyCaseEvent(Case& c, std::string_view kind, std::int64_t at, std::int64_t seq,
                    const std::vector<std::pair<std::string, std::string>>& details) {
    for (const auto& [name, value] : details) {
        if (name.rfind("f.", 0) == 0) {
            c.fields[name.substr(2)] = value;
        } else if (name == "cluster_id") {
            c.clusterId = parseInt(name, value);
        } else if (name == "cluster_key") {
            c.clusterKey = value;
        } else if (name == "product") {
            c.product = value;
        } else if (name == "version") {
            c.version = value;
        } else if (name == "title") {
            c.title = value;
        } else if (name == "origin") {
            c.origin = value;
        } else if (name == "state") {
            const auto state = parseCaseState(value);
            if (!state) {
                throw std::invalid_argument("case event detail state is not a state: '" + value +
                                            "'");
            }
            c.state = *state;
        } else if (name == "severity") {
            c.severity = value;
        } else if (name == "received_at") {
            c.receivedAt = parseInt(name, value);
        } else if (name == "decide_due") {
            c.decideDue = parseInt(name, value);
        } else if (name == "inform_due") {
            c.informDue = parseInt(name, value);
        } else if (name == "fix_due") {
            c.fixDue = parseInt(name, value);
        } else if (name == "decided_at") {
            c.decidedAt = parseInt(name, value);
        } else if (name == "risk") {
            c.risk = value;
        } else if (name == "ssvc") {
            c.ssvc = value;
        } else if (name == "ssvc_points") {
            c.ssvcPoints = value;
        } else if (name == "components") {
            c.components = value;
        } else if (name == "inherited_from") {
            c.inheritedFrom = parseInt(name, value);
        } else if (name == "reopen_reason") {
            c.reopenReason = value;
        } else if (name == "breached") {
            c.breached = splitLines(value);
        }
    }
    if (kind == kCaseOpen) {
        c.openedAt = at;
    }
    c.updatedAt = at;
    c.lastEvent = seq;
}

std::string joinCaseList(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : "\n") + item;
    }
    return out;
}

std::vector<std::string> caseComponents(const Case& c) {
    return splitLines(c.components);
}

std::string componentFingerprint(std::vector<std::string> nameAtVersion) {
    std::sort(nameAtVersion.begin(), nameAtVersion.end());
    nameAtVersion.erase(std::unique(nameAtVersion.begin(), nameAtVersion.end()),
                        nameAtVersion.end());
    std::string out;
    for (const auto& item : nameAtVersion) {
        out += (out.empty() ? "" : "\n") + item;
    }
    return out;
}

} // namespace vw
