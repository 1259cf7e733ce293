// The case state machine (issue 12 part 1): every illegal transition and every missing
// required field is refused, values are checked, approvers, and the projection of events.
#include "core/calendar.h"
#include "core/cases.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

using namespace vw;

namespace {

/// 2026-11-20 10:00 JST.
const std::int64_t kNow = jstTime(Date{2026, 11, 20}, 10 * 3600);

/// A valid value for each field the table names.
std::string validValue(std::string_view field) {
    if (field == "risk") {
        return "uncontrolled";
    }
    if (field == "action") {
        return "mitigation";
    }
    if (field == "justification") {
        return "vulnerable_code_not_in_execute_path";
    }
    if (field == "expires") {
        return "2026-12-20";
    }
    return "text for " + std::string(field);
}

CaseTransitionRequest complete(const CaseTransitionRule& rule) {
    CaseTransitionRequest r;
    r.from = rule.from;
    r.to = rule.to;
    r.by = "tanaka";
    r.now = kNow;
    for (const auto field : rule.required) {
        r.fields[std::string(field)] = validValue(field);
    }
    return r;
}

} // namespace

TEST_CASE("every state has a name and a Japanese name that read back", "[core][cases]") {
    std::set<std::string> names;
    for (const CaseState s : allCaseStates()) {
        CHECK(parseCaseState(caseStateName(s)) == s);
        CHECK_FALSE(caseStateJapanese(s).empty());
        names.insert(std::string(caseStateName(s)));
    }
    CHECK(names.size() == 9);
    CHECK(parseCaseState("not-affected") == CaseState::NotAffected);
    CHECK_FALSE(parseCaseState("fixed").has_value());
    CHECK(caseStateJapanese(CaseState::Received) == "受付");
    CHECK(caseStateJapanese(CaseState::Informing) == "医療機関への情報提供");
}

TEST_CASE("every transition of the table is allowed with its required fields", "[core][cases]") {
    for (const CaseTransitionRule& rule : caseTransitionRules()) {
        CAPTURE(caseStateName(rule.from), caseStateName(rule.to));
        CHECK_FALSE(rule.required.empty());
        const auto refused = checkCaseTransition(complete(rule), CasePolicy{});
        CHECK_FALSE(refused.has_value());
    }
}

TEST_CASE("every transition not in the table is refused naming the states reachable",
          "[core][cases]") {
    int illegal = 0;
    for (const CaseState from : allCaseStates()) {
        for (const CaseState to : allCaseStates()) {
            if (findTransitionRule(from, to) != nullptr) {
                continue;
            }
            ++illegal;
            CaseTransitionRequest r;
            r.from = from;
            r.to = to;
            r.by = "tanaka";
            r.now = kNow;
            r.fields = {{"reason", "x"}, {"assignee", "x"}};
            const auto refused = checkCaseTransition(r, CasePolicy{});
            CAPTURE(caseStateName(from), caseStateName(to));
            REQUIRE(refused.has_value());
            CHECK(refused->find("cannot go to " + std::string(caseStateName(to))) !=
                  std::string::npos);
            CHECK(refused->find("遷移できません") != std::string::npos);
        }
    }
    // 9 × 9 pairs less the 16 of the table.
    CHECK(illegal == 81 - static_cast<int>(caseTransitionRules().size()));
    CHECK(caseTransitionRules().size() == 16);
}

TEST_CASE("every missing required field is refused by name", "[core][cases]") {
    for (const CaseTransitionRule& rule : caseTransitionRules()) {
        for (const auto field : rule.required) {
            CaseTransitionRequest r = complete(rule);
            CAPTURE(caseStateName(rule.from), caseStateName(rule.to), field);
            r.fields.erase(std::string(field));
            auto refused = checkCaseTransition(r, CasePolicy{});
            REQUIRE(refused.has_value());
            CHECK(refused->find("needs --" + std::string(field)) != std::string::npos);
            // Blank counts as missing.
            r.fields[std::string(field)] = "  ";
            refused = checkCaseTransition(r, CasePolicy{});
            REQUIRE(refused.has_value());
            CHECK(refused->find("--" + std::string(field)) != std::string::npos);
        }
    }
}

TEST_CASE("a fix needs its target version", "[core][cases]") {
    const CaseTransitionRule* rule =
        findTransitionRule(CaseState::Evaluating, CaseState::Responding);
    REQUIRE(rule != nullptr);
    CaseTransitionRequest r = complete(*rule);
    r.fields["action"] = "fix";
    auto refused = checkCaseTransition(r, CasePolicy{});
    REQUIRE(refused.has_value());
    CHECK(refused->find("--target_version") != std::string::npos);
    r.fields["target_version"] = "3.3.1";
    CHECK_FALSE(checkCaseTransition(r, CasePolicy{}).has_value());
}

TEST_CASE("field values are checked", "[core][cases]") {
    const auto request = [](CaseState from, CaseState to) {
        return complete(*findTransitionRule(from, to));
    };
    CaseTransitionRequest r = request(CaseState::Evaluating, CaseState::Responding);
    r.fields["risk"] = "maybe";
    CHECK(checkCaseTransition(r, {})->find("--risk must be controlled or uncontrolled") !=
          std::string::npos);
    r = request(CaseState::Evaluating, CaseState::Responding);
    r.fields["action"] = "patch";
    CHECK(checkCaseTransition(r, {})->find("--action must be one of") != std::string::npos);
    r = request(CaseState::Evaluating, CaseState::NotAffected);
    r.fields["justification"] = "we think so";
    CHECK(checkCaseTransition(r, {})->find("CSAF/VEX justification") != std::string::npos);
    for (const auto j : notAffectedJustifications()) {
        r.fields["justification"] = std::string(j);
        CHECK_FALSE(checkCaseTransition(r, {}).has_value());
    }
    r = request(CaseState::Evaluating, CaseState::RiskAccepted);
    r.fields["expires"] = "next year";
    CHECK(checkCaseTransition(r, {})->find("YYYY-MM-DD") != std::string::npos);
    r.fields["expires"] = "2026-11-20"; // today (JST): not after it
    CHECK(checkCaseTransition(r, {})->find("not after today") != std::string::npos);
    r.fields["expires"] = "2028-01-01";
    CHECK(checkCaseTransition(r, {})->find("max_acceptance_days") != std::string::npos);
    r.fields["expires"] = "2026-11-21";
    CHECK_FALSE(checkCaseTransition(r, {}).has_value());
    r.fields["colour"] = "blue";
    CHECK(checkCaseTransition(r, {})->find("--colour is not a field") != std::string::npos);
}

TEST_CASE("who may - a name is needed and daemon is reserved and approvers approve",
          "[core][cases]") {
    CaseTransitionRequest r =
        complete(*findTransitionRule(CaseState::Evaluating, CaseState::NotAffected));
    r.by = "";
    CHECK(checkCaseTransition(r, {})->find("--by NAME") != std::string::npos);
    r.by = "daemon";
    CHECK(checkCaseTransition(r, {})->find("reserved") != std::string::npos);
    CasePolicy policy;
    policy.approvers = {"sato", "tanaka"};
    r.by = "suzuki";
    CHECK(checkCaseTransition(r, policy)->find("only an approver") != std::string::npos);
    r.by = "sato";
    CHECK_FALSE(checkCaseTransition(r, policy).has_value());
    // A step anyone may take.
    CaseTransitionRequest confirm =
        complete(*findTransitionRule(CaseState::Received, CaseState::Confirming));
    confirm.by = "suzuki";
    CHECK_FALSE(checkCaseTransition(confirm, policy).has_value());
}

TEST_CASE("the clocks that run in each state", "[core][cases]") {
    CHECK(decideClockRuns(CaseState::Evaluating));
    CHECK_FALSE(decideClockRuns(CaseState::Responding));
    CHECK(informClockRuns(CaseState::Responding));
    CHECK_FALSE(informClockRuns(CaseState::Informing));
    CHECK_FALSE(fixClockRuns(CaseState::RiskAccepted));
    for (const CaseState s : allCaseStates()) {
        if (isTerminal(s)) {
            CHECK_FALSE(decideClockRuns(s));
            CHECK_FALSE(informClockRuns(s));
            // A terminal state can only re-open.
            for (const CaseTransitionRule& rule : caseTransitionRules()) {
                if (rule.from == s) {
                    CHECK(rule.to == CaseState::Received);
                }
            }
        }
    }
}

TEST_CASE("case events project onto a case", "[core][cases]") {
    Case c;
    applyCaseEvent(c, kCaseOpen, 100, 7,
                   {{"product", "Viewer"},
                    {"version", "3.2"},
                    {"state", "received"},
                    {"decide_due", "5000"},
                    {"breached", "decide\nfix"},
                    {"from", "ignored"},
                    {"f.assignee", "sato"}});
    CHECK(c.product == "Viewer");
    CHECK(c.version == "3.2");
    CHECK(c.decideDue == 5000);
    CHECK(c.openedAt == 100);
    CHECK(c.updatedAt == 100);
    CHECK(c.lastEvent == 7);
    CHECK(c.fields.at("assignee") == "sato");
    CHECK(c.breached == std::vector<std::string>{"decide", "fix"});
    applyCaseEvent(c, kCaseTransition, 200, 9, {{"state", "confirming"}});
    CHECK(c.state == CaseState::Confirming);
    CHECK(c.openedAt == 100);
    CHECK(c.updatedAt == 200);
    CHECK_THROWS_AS(applyCaseEvent(c, kCaseTransition, 300, 10, {{"state", "done"}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(applyCaseEvent(c, kCaseTransition, 300, 10, {{"fix_due", "soon"}}),
                    std::invalid_argument);
    CHECK(componentFingerprint({"b@2", "a@1", "b@2"}) == "a@1\nb@2");
}
