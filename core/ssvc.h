// SSVC (Stakeholder-Specific Vulnerability Categorization), CISA's deployer decision tree
// (issue 12 part 5): a case's priority Track / Track* / Attend / Act from four decision points,
// each with the reason it has its value. Pure: the caller says what it knows (KEV listing,
// JPCERT/CC alert, CVSS vector, the product's mission) and gets the points and the decision.
// The table and the rules are in docs/cases.md "Priority (SSVC)".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vw {

enum class SsvcExploitation { None, Poc, Active };
enum class SsvcAutomatable { No, Yes };
enum class SsvcTechnicalImpact { Partial, Total };
enum class SsvcMission { Low, Medium, High };
enum class SsvcDecision { Track, TrackStar, Attend, Act };

/// "none", "poc", "active" / "no", "yes" / "partial", "total" / "low", "medium", "high" /
/// "Track", "Track*", "Attend", "Act" (the names of the JSON and CLI contract).
std::string_view ssvcName(SsvcExploitation value);
std::string_view ssvcName(SsvcAutomatable value);
std::string_view ssvcName(SsvcTechnicalImpact value);
std::string_view ssvcName(SsvcMission value);
std::string_view ssvcName(SsvcDecision value);
/// The parsers of those names (case-insensitive; "track*" and "trackstar" both read Track*);
/// nullopt for anything else.
std::optional<SsvcExploitation> parseSsvcExploitation(std::string_view text);
std::optional<SsvcAutomatable> parseSsvcAutomatable(std::string_view text);
std::optional<SsvcTechnicalImpact> parseSsvcTechnicalImpact(std::string_view text);
std::optional<SsvcMission> parseSsvcMission(std::string_view text);
std::optional<SsvcDecision> parseSsvcDecision(std::string_view text);

/// The decision of CISA's SSVC deployer table for these points (all 36 combinations).
SsvcDecision ssvcDecide(SsvcExploitation exploitation, SsvcAutomatable automatable,
                        SsvcTechnicalImpact impact, SsvcMission mission);

/// What the caller knows about one case. A triager's setting (the `*Set` fields) wins over
/// what is derived, except that evidence of active exploitation (KEV, a JPCERT/CC alert) wins
/// over a triager's lower Exploitation (the guide's "active" is that evidence).
struct SsvcInputs {
    bool inKev = false;        // a CVE of the case is in CISA's KEV catalog
    std::string kevCve;        // which one (for the reason)
    bool jpcertAlert = false;  // a JPCERT/CC alert (JPCERT-AT) names the vulnerability
    std::string jpcertAlertId; // which one
    std::string cvssVector;    // the highest-scored CVSS vector (v3.x or v4.0 text, or v2)
    std::optional<SsvcExploitation> exploitationSet; // set by a triager (e.g. poc)
    std::optional<SsvcAutomatable> automatableSet;
    std::optional<SsvcTechnicalImpact> impactSet;
    std::optional<SsvcMission> mission; // the product's mission & well-being (unset: medium)
};

struct SsvcPoint {
    std::string value;  // ssvcName of the point's value
    std::string reason; // why, in English ("CVE-2024-1234 is in CISA's KEV catalog", …)
    bool operator==(const SsvcPoint&) const = default;
};

struct SsvcResult {
    SsvcPoint exploitation;
    SsvcPoint automatable;
    SsvcPoint technicalImpact;
    SsvcPoint mission;
    SsvcDecision decision = SsvcDecision::Track;
    bool operator==(const SsvcResult&) const = default;
};

/// The points from `inputs` and their decision. Derivations (docs/cases.md):
/// Exploitation: active when in KEV or named by a JPCERT/CC alert, else the triager's value,
/// else none. Automatable: yes when the CVSS vector says network attack, low complexity, no
/// privileges and no user interaction (v3: AV:N/AC:L/PR:N/UI:N; v4: AV:N/AC:L/AT:N/PR:N/UI:N;
/// v2: AV:N/AC:L/Au:N), else no. Technical impact: total when confidentiality and integrity are
/// both High (v3 C:H/I:H; v4 VC:H/VI:H; v2 C:C/I:C), else partial (also without a vector).
/// Mission & well-being: the product's, medium when not set. A vector that cannot be read
/// (unknown version, a needed metric missing or given twice) counts as no vector.
SsvcResult ssvcEvaluate(const SsvcInputs& inputs);

/// The result as one JSON object: {"decision":…, "exploitation":{"value":…,"reason":…}, …}
/// (keys sorted), and back. The parser throws std::invalid_argument for anything else: a
/// missing, unknown or repeated key, a value that is not one of the names, or a decision that
/// CISA's table does not give for the points.
std::string ssvcToJson(const SsvcResult& result);
SsvcResult ssvcFromJson(std::string_view json);

} // namespace vw
