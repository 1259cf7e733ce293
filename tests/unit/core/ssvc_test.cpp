// SSVC (core/ssvc.h): the 36 combinations of CISA's deployer tree against a table written here
// from the CISA SSVC Guide (November 2022, "Decision Tree"), the derivation of each point from
// the KEV listing, JPCERT/CC alerts and CVSS v2/v3/v4 vectors, triager settings, and the JSON
// round trip with its refusals.
#include "core/ssvc.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using namespace vw;

// One line per leaf of the guide's tree: exploitation automatable technical-impact mission
// decision. Read off the figure leaf by leaf, top to bottom.
const char* const kGuideTable = R"(
none   no  partial low    Track
none   no  partial medium Track
none   no  partial high   Track
none   no  total   low    Track
none   no  total   medium Track
none   no  total   high   Track*
none   yes partial low    Track
none   yes partial medium Track
none   yes partial high   Attend
none   yes total   low    Track
none   yes total   medium Track
none   yes total   high   Attend
poc    no  partial low    Track
poc    no  partial medium Track
poc    no  partial high   Track*
poc    no  total   low    Track
poc    no  total   medium Track*
poc    no  total   high   Attend
poc    yes partial low    Track
poc    yes partial medium Track
poc    yes partial high   Attend
poc    yes total   low    Track
poc    yes total   medium Track*
poc    yes total   high   Attend
active no  partial low    Track
active no  partial medium Track
active no  partial high   Attend
active no  total   low    Track
active no  total   medium Attend
active no  total   high   Act
active yes partial low    Attend
active yes partial medium Attend
active yes partial high   Act
active yes total   low    Attend
active yes total   medium Act
active yes total   high   Act
)";

SsvcInputs withVector(const std::string& vector) {
    SsvcInputs in;
    in.cvssVector = vector;
    return in;
}

} // namespace

TEST_CASE("ssvc: every combination gives the decision of CISA's tree", "[ssvc]") {
    std::istringstream lines(kGuideTable);
    std::set<std::string> seen;
    int rows = 0;
    for (std::string e, a, t, m, d; lines >> e >> a >> t >> m >> d;) {
        ++rows;
        INFO(e << " " << a << " " << t << " " << m);
        const auto exploitation = parseSsvcExploitation(e);
        const auto automatable = parseSsvcAutomatable(a);
        const auto impact = parseSsvcTechnicalImpact(t);
        const auto mission = parseSsvcMission(m);
        const auto decision = parseSsvcDecision(d);
        REQUIRE(exploitation);
        REQUIRE(automatable);
        REQUIRE(impact);
        REQUIRE(mission);
        REQUIRE(decision);
        CHECK(ssvcDecide(*exploitation, *automatable, *impact, *mission) == *decision);
        CHECK(ssvcName(ssvcDecide(*exploitation, *automatable, *impact, *mission)) == d);
        seen.insert(e + a + t + m);
    }
    CHECK(rows == 36);
    CHECK(seen.size() == 36); // every combination once
}

TEST_CASE("ssvc: names and their parsers", "[ssvc]") {
    CHECK(ssvcName(SsvcDecision::TrackStar) == "Track*");
    CHECK(parseSsvcDecision("track*") == SsvcDecision::TrackStar);
    CHECK(parseSsvcDecision("TrackStar") == SsvcDecision::TrackStar);
    CHECK(parseSsvcDecision("ACT") == SsvcDecision::Act);
    CHECK_FALSE(parseSsvcDecision("Track**"));
    CHECK_FALSE(parseSsvcDecision(""));
    CHECK(parseSsvcExploitation("PoC") == SsvcExploitation::Poc);
    CHECK_FALSE(parseSsvcExploitation("public"));
    CHECK(parseSsvcMission("High") == SsvcMission::High);
    CHECK_FALSE(parseSsvcMission("critical"));
    CHECK_FALSE(parseSsvcAutomatable("maybe"));
    CHECK(parseSsvcTechnicalImpact("TOTAL") == SsvcTechnicalImpact::Total);
}

TEST_CASE("ssvc: exploitation from KEV and JPCERT/CC alerts over the triager", "[ssvc]") {
    SsvcInputs in;
    CHECK(ssvcEvaluate(in).exploitation.value == "none");

    in.exploitationSet = SsvcExploitation::Poc;
    auto r = ssvcEvaluate(in);
    CHECK(r.exploitation.value == "poc");
    CHECK(r.exploitation.reason == "set by a triager");

    in.inKev = true;
    in.kevCve = "CVE-2021-44228";
    r = ssvcEvaluate(in);
    CHECK(r.exploitation.value == "active");
    CHECK(r.exploitation.reason.find("CVE-2021-44228 is in CISA's KEV catalog") == 0);
    CHECK(r.exploitation.reason.find("over the triager's poc") != std::string::npos);

    SsvcInputs alert;
    alert.jpcertAlert = true;
    alert.jpcertAlertId = "JPCERT-AT-2021-0050";
    r = ssvcEvaluate(alert);
    CHECK(r.exploitation.value == "active");
    CHECK(r.exploitation.reason == "JPCERT/CC alert JPCERT-AT-2021-0050 names it");

    SsvcInputs triagedActive;
    triagedActive.exploitationSet = SsvcExploitation::Active;
    CHECK(ssvcEvaluate(triagedActive).exploitation.value == "active");
}

TEST_CASE("ssvc: automatable and technical impact from CVSS v3 vectors", "[ssvc]") {
    auto r = ssvcEvaluate(withVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"));
    CHECK(r.automatable.value == "yes");
    CHECK(r.technicalImpact.value == "total");
    CHECK(r.automatable.reason.find("AV:N/AC:L/PR:N/UI:N") != std::string::npos);

    r = ssvcEvaluate(withVector("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"));
    CHECK(r.automatable.value == "no");
    CHECK(r.automatable.reason.find("PR:L/UI:R") != std::string::npos);
    CHECK(r.technicalImpact.value == "partial");
    CHECK(r.technicalImpact.reason.find("C:L/I:L") != std::string::npos);

    r = ssvcEvaluate(withVector("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"));
    CHECK(r.automatable.value == "no");
    CHECK(r.technicalImpact.value == "partial"); // confidentiality alone is not total
}

TEST_CASE("ssvc: automatable and technical impact from CVSS v4 and v2 vectors", "[ssvc]") {
    auto r =
        ssvcEvaluate(withVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"));
    CHECK(r.automatable.value == "yes");
    CHECK(r.technicalImpact.value == "total");

    r = ssvcEvaluate(withVector("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N"));
    CHECK(r.automatable.value == "no"); // attack requirements present
    CHECK(r.automatable.reason.find("AT:P") != std::string::npos);
    CHECK(r.technicalImpact.value == "partial");

    r = ssvcEvaluate(withVector("AV:N/AC:L/Au:N/C:C/I:C/A:C"));
    CHECK(r.automatable.value == "yes");
    CHECK(r.technicalImpact.value == "total");

    r = ssvcEvaluate(withVector("(AV:N/AC:M/Au:N/C:P/I:P/A:P)"));
    CHECK(r.automatable.value == "no");
    CHECK(r.technicalImpact.value == "partial");
}

TEST_CASE("ssvc: no or unreadable vector counts as no and partial", "[ssvc]") {
    for (const char* vector : {"", "CVSS:5.0/AV:N/AC:L", "AV:N/AC:L", "garbage",
                               "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/C:H/I:H"}) {
        INFO(vector);
        const auto r = ssvcEvaluate(withVector(vector));
        CHECK(r.automatable.value == "no");
        CHECK(r.technicalImpact.value == "partial");
        CHECK(r.automatable.reason.find("taken as no") != std::string::npos);
    }
}

TEST_CASE("ssvc: triager settings win over the vector and mission defaults to medium", "[ssvc]") {
    SsvcInputs in = withVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    in.automatableSet = SsvcAutomatable::No;
    in.impactSet = SsvcTechnicalImpact::Partial;
    auto r = ssvcEvaluate(in);
    CHECK(r.automatable.value == "no");
    CHECK(r.automatable.reason == "set by a triager");
    CHECK(r.technicalImpact.value == "partial");
    CHECK(r.mission.value == "medium");
    CHECK(r.mission.reason.find("taken as medium") != std::string::npos);
    CHECK(r.decision == SsvcDecision::Track);

    in.mission = SsvcMission::High;
    CHECK(ssvcEvaluate(in).mission.value == "high");
}

TEST_CASE("ssvc: a KEV listing of an automatable total-impact flaw in a patient-safety product "
          "is Act",
          "[ssvc]") {
    SsvcInputs in = withVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    in.mission = SsvcMission::High;
    CHECK(ssvcEvaluate(in).decision == SsvcDecision::Attend); // none/yes/total/high
    in.inKev = true;
    in.kevCve = "CVE-2021-44228";
    CHECK(ssvcEvaluate(in).decision == SsvcDecision::Act);
    in.mission = SsvcMission::Low;
    CHECK(ssvcEvaluate(in).decision == SsvcDecision::Attend);
}

TEST_CASE("ssvc: JSON round trip with sorted keys", "[ssvc]") {
    SsvcInputs in = withVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    in.inKev = true;
    in.kevCve = "CVE-2021-44228";
    in.mission = SsvcMission::High;
    const SsvcResult r = ssvcEvaluate(in);
    const std::string json = ssvcToJson(r);
    CHECK(json.rfind(R"({"automatable":{"reason":)", 0) == 0);
    const auto decision = json.find(R"("decision":"Act")");
    const auto exploitation = json.find(R"("exploitation":)");
    const auto mission = json.find(R"("mission":)");
    const auto impact = json.find(R"("technical_impact":)");
    CHECK(decision != std::string::npos);
    CHECK(decision < exploitation);
    CHECK(exploitation < mission);
    CHECK(mission < impact);
    CHECK(ssvcFromJson(json) == r);

    // Escapes, \u forms and spaces read back to the same text.
    SsvcResult quoted = r;
    quoted.mission.reason = "\"患者安全\" \\ tab\t";
    CHECK(ssvcFromJson(ssvcToJson(quoted)) == quoted);
    const SsvcResult spaced = ssvcFromJson(
        R"( { "decision" : "track*", "exploitation" : {"value":"POC","reason":"\u0041\ud83d\ude00"},
        "automatable":{"reason":"","value":"no"},"technical_impact":{"value":"total","reason":"x"},
        "mission":{"value":"medium","reason":"m"} } )");
    CHECK(spaced.decision == SsvcDecision::TrackStar);
    CHECK(spaced.exploitation.value == "poc");
    CHECK(spaced.exploitation.reason == "A\xF0\x9F\x98\x80");
}

TEST_CASE("ssvc: the JSON reader refuses what is not a decision record", "[ssvc]") {
    const std::string good = ssvcToJson(ssvcEvaluate(SsvcInputs{}));
    REQUIRE_NOTHROW(ssvcFromJson(good));
    const auto refuses = [](const std::string& json, const std::string& fragment) {
        INFO(json);
        try {
            ssvcFromJson(json);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(fragment) != std::string::npos);
        }
    };
    const std::string points = R"("exploitation":{"value":"none","reason":"r"},)"
                               R"("automatable":{"value":"no","reason":"r"},)"
                               R"("technical_impact":{"value":"partial","reason":"r"},)"
                               R"("mission":{"value":"medium","reason":"r"})";
    refuses("{" + points + "}", "needs \"decision\"");
    refuses(R"({"decision":"Act",)" + points + "}", "does not follow from its points");
    refuses(R"({"decision":"Now",)" + points + "}", "is not Track, Track*, Attend or Act");
    refuses(R"({"decision":"Track","extra":"x",)" + points + "}", "unknown key \"extra\"");
    refuses(R"({"decision":"Track","decision":"Track",)" + points + "}", "given twice");
    refuses(R"({"decision":"Track",)" + points + "} x", "text after the object");
    refuses(R"({"decision":"Track","exploitation":{"value":"likely","reason":"r"}})",
            "no value 'likely'");
    refuses(R"({"decision":"Track","exploitation":{"value":"none"}})", "needs \"value\"");
    refuses(R"({"decision":"Track","exploitation":{"value":"none","reason":"r","by":"x"}})",
            "unknown member \"by\"");
    refuses(R"({"decision":1})", "expected '\"'");
    refuses(R"({"decision":"Tr)", "unterminated string");
    refuses(R"({"decision":"\ud800"})", "lone high surrogate");
    refuses("[]", "expected '{'");
    refuses("", "expected '{'");
    refuses(good.substr(0, good.size() - 1), "expected '}'");
}
