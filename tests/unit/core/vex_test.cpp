// CSAF 2.0 VEX documents (core/vex.h): the case state mapping, the document built from a
// product with affected, fixed, not-affected and open cases, a JVN-only vulnerability, the
// informational document of a product without cases, determinism, the revision history, CVSS
// v3 base scores as FIRST's calculators give them, and mutations the own checks must catch.
// The same documents are run through BSI's csaf-validator-lib by ctest js.csaf.
#include "core/vex.h"
#include "helpers/vex_samples.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

namespace {

using namespace vw;

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

bool anyProblem(const std::vector<std::string>& problems, const std::string& part) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

std::string versionId(const CsafDocument& doc, const std::string& version) {
    for (const auto& p : doc.productVersions) {
        if (p.version == version) {
            return p.id;
        }
    }
    return "";
}

const CsafProductRef* refWith(const std::vector<CsafProductRef>& refs, const std::string& id) {
    for (const auto& r : refs) {
        if (contains(r.productIds, id)) {
            return &r;
        }
    }
    return nullptr;
}

} // namespace

TEST_CASE("vex: every case state has a product status", "[vex]") {
    CHECK(vexStatusOf(CaseState::Received) == "under_investigation");
    CHECK(vexStatusOf(CaseState::Confirming) == "under_investigation");
    CHECK(vexStatusOf(CaseState::Evaluating) == "under_investigation");
    CHECK(vexStatusOf(CaseState::Responding) == "known_affected");
    CHECK(vexStatusOf(CaseState::Informing) == "known_affected");
    CHECK(vexStatusOf(CaseState::Closed) == "known_affected");
    CHECK(vexStatusOf(CaseState::RiskAccepted) == "known_affected");
    CHECK(vexStatusOf(CaseState::NotAffected) == "known_not_affected");
    CHECK(vexStatusOf(CaseState::FalsePositive) == "known_not_affected");
}

TEST_CASE("vex: CVSS v3 base scores as FIRST computes them", "[vex]") {
    const auto log4shell = cvssV3Base("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    REQUIRE(log4shell);
    CHECK(log4shell->score == 10.0);
    CHECK(log4shell->severity == "CRITICAL");
    CHECK(log4shell->version == "3.0");
    const auto critical = cvssV3Base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    REQUIRE(critical);
    CHECK(critical->score == 9.8);
    const auto dos = cvssV3Base("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H");
    REQUIRE(dos);
    CHECK(dos->score == 5.5);
    CHECK(dos->severity == "MEDIUM");
    // The example of DESIGN.md's parse record: JVN states 5.4.
    const auto xss = cvssV3Base("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N");
    REQUIRE(xss);
    CHECK(xss->score == 5.4);
    const auto xss31 = cvssV3Base("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N");
    REQUIRE(xss31);
    CHECK(xss31->score == 6.1);
    const auto low = cvssV3Base("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N");
    REQUIRE(low);
    CHECK(low->score == 3.1);
    CHECK(low->severity == "LOW");
    const auto none = cvssV3Base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N");
    REQUIRE(none);
    CHECK(none->score == 0.0);
    CHECK(none->severity == "NONE");
    // Temporal and environmental metrics are left out of the normalized base vector.
    const auto temporal = cvssV3Base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O");
    REQUIRE(temporal);
    CHECK(temporal->vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK(temporal->score == 9.8);

    CHECK_FALSE(cvssV3Base("AV:N/AC:M/Au:N/C:C/I:C/A:C"));                        // v2
    CHECK_FALSE(cvssV3Base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"));          // A missing
    CHECK_FALSE(cvssV3Base("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")); // twice
    CHECK_FALSE(cvssV3Base("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));      // bad value
    CHECK_FALSE(cvssV3Base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"));
}

TEST_CASE("vex: a product with affected and fixed and not-affected cases", "[vex]") {
    const CsafDocument doc = buildVex(test::sampleMixedInput());
    CHECK(checkCsaf(doc).empty());
    CHECK(doc.category == "csaf_vex");
    CHECK(doc.status == "interim");           // case 1 and 4 are open
    REQUIRE(doc.productVersions.size() == 5); // 3.1-3.4 and the fixed 3.5
    REQUIRE(doc.components.size() == 2);      // log4j-core and zlib, once each
    CHECK(doc.relationships.size() == 8);     // each in each of the four versions
    for (const auto& r : doc.relationships) {
        CHECK(r.category == "default_component_of");
    }
    const auto log4j =
        std::find_if(doc.components.begin(), doc.components.end(),
                     [](const CsafProduct& p) { return p.name == "log4j-core 2.14.1"; });
    REQUIRE(log4j != doc.components.end());
    CHECK(log4j->purl == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    CHECK(log4j->cpe == "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*");

    REQUIRE(doc.vulnerabilities.size() == 1);
    const CsafVulnerability& v = doc.vulnerabilities[0];
    CHECK(v.cve == "CVE-2021-44228");
    CHECK(v.ids == std::vector<std::pair<std::string, std::string>>{
                       {"JVN iPedia", "JVNDB-2021-005429"}, {"JVN", "JVNVU#96768815"}});
    const std::string v31 = versionId(doc, "3.1");
    const std::string v32 = versionId(doc, "3.2");
    const std::string v33 = versionId(doc, "3.3");
    const std::string v34 = versionId(doc, "3.4");
    const std::string v35 = versionId(doc, "3.5");
    CHECK(contains(v.productStatus.at("under_investigation"), v31));
    CHECK(contains(v.productStatus.at("known_affected"), v32));
    CHECK(contains(v.productStatus.at("known_affected"), v34));
    CHECK(contains(v.productStatus.at("known_not_affected"), v33));
    CHECK(v.productStatus.at("fixed") == std::vector<std::string>{v35});
    // The component in the version is stated too (the relationship's product).
    CHECK(contains(v.productStatus.at("known_not_affected"), v33 + ":" + log4j->id.substr(3)));

    const CsafProductRef* flag = refWith(v.flags, v33);
    REQUIRE(flag);
    CHECK(flag->category == "vulnerable_code_not_in_execute_path");
    const CsafProductRef* impact = refWith(v.threats, v33);
    REQUIRE(impact);
    CHECK(impact->category == "impact");
    CHECK(impact->details == "JNDI Lookup を使う経路がありません。");
    const CsafProductRef* fix = refWith(v.remediations, v32);
    REQUIRE(fix);
    CHECK(fix->category == "vendor_fix");
    CHECK(fix->details.find("3.5") != std::string::npos);
    const CsafProductRef* pending = refWith(v.remediations, v34);
    REQUIRE(pending);
    CHECK(pending->category == "none_available");

    // One CVSS v3 score, recomputed from the vector, for the affected and open products.
    REQUIRE(v.scores.size() == 1);
    CHECK(v.scores[0].baseScore == 10.0);
    CHECK(contains(v.scores[0].productIds, v32));
    CHECK_FALSE(contains(v.scores[0].productIds, v33));
}

TEST_CASE("vex: the revision history is the content events in time order", "[vex]") {
    const CsafDocument doc = buildVex(test::sampleMixedInput());
    REQUIRE(doc.revisions.size() == 4);
    CHECK(doc.version == "4");
    CHECK(doc.revisions[0].summary == "case 1 opened");
    CHECK(doc.revisions[2].summary == "case 2: received -> confirming");
    CHECK(doc.revisions[3].number == "4");
    CHECK(doc.initialReleaseDate == "2026-09-21T14:13:20Z");
    CHECK(doc.currentReleaseDate == csafDate(1790003600));

    // One more content event: one more version; the same input: the same bytes.
    VexInput more = test::sampleMixedInput();
    more.revisions.push_back({1790007200, 9, "case 4: evaluating -> responding"});
    const CsafDocument next = buildVex(more);
    CHECK(next.version == "5");
    CHECK(toJson(buildVex(test::sampleMixedInput())) == toJson(doc));
    CHECK(toJson(next) != toJson(doc));
}

TEST_CASE("vex: a vulnerability with no CVE has JVN ids", "[vex]") {
    VexInput in = test::sampleMixedInput();
    in.vulnerabilities = {test::sampleJvnOnly("Example Imaging Viewer", "3.2", 7)};
    const CsafDocument doc = buildVex(in);
    CHECK(checkCsaf(doc).empty());
    REQUIRE(doc.vulnerabilities.size() == 1);
    const auto& v = doc.vulnerabilities[0];
    CHECK(v.cve.empty());
    CHECK(v.ids == std::vector<std::pair<std::string, std::string>>{
                       {"JVN", "JVN#99999999"}, {"JVN iPedia", "JVNDB-2024-000999"}});
    REQUIRE(v.scores.size() == 1);
    CHECK(v.scores[0].version == "3.1");
    CHECK(v.scores[0].baseScore == 6.1);
    CHECK(toJson(doc).find("\"cve\"") == std::string::npos);
}

TEST_CASE("vex: a product without cases gets an informational advisory", "[vex]") {
    VexInput in = test::sampleMixedInput();
    in.vulnerabilities.clear();
    in.revisions.clear();
    const CsafDocument doc = buildVex(in);
    CHECK(doc.category == "csaf_informational_advisory");
    CHECK(doc.vulnerabilities.empty());
    CHECK(doc.status == "final");
    CHECK(doc.revisions.size() == 1);
    CHECK(doc.notes.at(0).text.find("ありません") != std::string::npos);
    CHECK(checkCsaf(doc).empty());
    CHECK(toJson(doc).find("\"vulnerabilities\"") == std::string::npos);
}

TEST_CASE("vex: false positives and risk acceptance", "[vex]") {
    VexInput in = test::sampleMixedInput();
    in.vulnerabilities[0].cases = {
        test::sampleCase(1, "3.1", CaseState::FalsePositive,
                         {{"reason", "別の製品の log4j です。"}}),
        test::sampleCase(2, "3.2", CaseState::RiskAccepted,
                         {{"reason", "院内ネットワークのみ"}, {"expires", "2027-03-31"}})};
    const CsafDocument doc = buildVex(in);
    CHECK(checkCsaf(doc).empty());
    const auto& v = doc.vulnerabilities.at(0);
    const CsafProductRef* flag = refWith(v.flags, versionId(doc, "3.1"));
    REQUIRE(flag);
    CHECK(flag->category == "component_not_present");
    CHECK(refWith(v.threats, versionId(doc, "3.1"))->details == "別の製品の log4j です。");
    const CsafProductRef* accepted = refWith(v.remediations, versionId(doc, "3.2"));
    REQUIRE(accepted);
    CHECK(accepted->category == "no_fix_planned");
    CHECK(accepted->details.find("2027-03-31") != std::string::npos);
    CHECK(doc.status == "final");
}

TEST_CASE("vex: English texts on request", "[vex]") {
    VexInput in = test::sampleMixedInput();
    in.lang = "en";
    const CsafDocument doc = buildVex(in);
    CHECK(doc.lang == "en");
    CHECK(doc.title == "VEX for Example Imaging Viewer");
    CHECK(checkCsaf(doc).empty());
}

TEST_CASE("vex: 200 components and their identification helpers", "[vex]") {
    const CsafDocument doc = buildVex(test::sampleLargeInput(200, 12));
    CHECK(checkCsaf(doc).empty());
    CHECK(doc.components.size() == 200);
    CHECK(doc.relationships.size() == 200);
    CHECK(std::all_of(doc.components.begin(), doc.components.end(),
                      [](const CsafProduct& p) { return !p.purl.empty() && !p.cpe.empty(); }));
    CHECK(doc.vulnerabilities.size() == 12);
}

TEST_CASE("vex: identification helpers the schema would refuse are left out", "[vex]") {
    VexInput in = test::sampleMixedInput();
    in.products[0].components = {
        test::sampleComponent("odd", "1", "not a purl", "cpe:2.3:a:broken"),
        test::sampleComponent("legacy", "2", "", "cpe:/a:vendor:legacy:2")};
    const CsafDocument doc = buildVex(in);
    for (const auto& c : doc.components) {
        if (c.name == "odd 1") {
            CHECK(c.purl.empty());
            CHECK(c.cpe.empty());
        }
        if (c.name == "legacy 2") {
            CHECK(c.cpe == "cpe:/a:vendor:legacy:2");
        }
    }
    CHECK(checkCsaf(doc).empty());
}

TEST_CASE("vex: the own checks catch broken documents", "[vex]") {
    const CsafDocument good = buildVex(test::sampleMixedInput());
    REQUIRE(checkCsaf(good).empty());

    SECTION("a product referenced but missing from the product tree") {
        CsafDocument doc = good;
        const std::string gone = versionId(doc, "3.3");
        doc.productVersions.erase(
            std::remove_if(doc.productVersions.begin(), doc.productVersions.end(),
                           [&](const CsafProduct& p) { return p.id == gone; }),
            doc.productVersions.end());
        CHECK(anyProblem(checkCsaf(doc), "product " + gone + " is not defined"));
    }
    SECTION("a not-affected product without a justification") {
        CsafDocument doc = good;
        doc.vulnerabilities[0].flags.clear();
        CHECK(anyProblem(checkCsaf(doc), "has no justification flag"));
        doc.vulnerabilities[0].threats.clear();
        CHECK(anyProblem(checkCsaf(doc), "has no impact statement"));
    }
    SECTION("an affected product without a remediation") {
        CsafDocument doc = good;
        doc.vulnerabilities[0].remediations.clear();
        CHECK(anyProblem(checkCsaf(doc), "has no remediation"));
    }
    SECTION("a product in two contradicting statuses") {
        CsafDocument doc = good;
        auto& status = doc.vulnerabilities[0].productStatus;
        status["known_affected"].push_back(status.at("known_not_affected").front());
        CHECK(anyProblem(checkCsaf(doc), "is both"));
    }
    SECTION("a score that its vector does not give") {
        CsafDocument doc = good;
        doc.vulnerabilities[0].scores[0].baseScore = 9.0;
        CHECK(anyProblem(checkCsaf(doc), "does not give base score"));
    }
    SECTION("a version that is not the last revision") {
        CsafDocument doc = good;
        doc.version = "7";
        CHECK(anyProblem(checkCsaf(doc), "is not the last revision"));
    }
    SECTION("a VEX without vulnerabilities") {
        CsafDocument doc = good;
        doc.vulnerabilities.clear();
        CHECK(anyProblem(checkCsaf(doc), "needs at least one"));
    }
}
