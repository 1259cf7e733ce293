// CSAF 2.0 input (issue 14 part 4): parseCsaf on the real documents in shared/fixtures/csaf
// (CISA ICS Medical Advisories, OASIS VEX examples) and JVN's CSAF rendering, on documents
// written here, format detection, the CISA advisory ids, and CsafSource over a local directory
// (checksums, signatures, incremental polls) and over a scripted ROLIE feed.
#include "core/correlate.h"
#include "core/ids.h"
#include "feeds/csaf_source.h"
#include "feeds/parse/csaf.h"
#include "feeds/parse/document.h"
#include "feeds/pgp.h"
#include "helpers/fake_http.h"
#include "helpers/fixtures.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using vw::Advisory;
using vw::ParseResult;

fs::path csafFixtures() {
    return vw::test::fixturesDir() / "csaf";
}

const Advisory* find(const ParseResult& result, const std::string& id) {
    const auto it = std::find_if(result.records.begin(), result.records.end(),
                                 [&](const Advisory& a) { return a.id == id; });
    return it == result.records.end() ? nullptr : &*it;
}

bool hasReference(const Advisory& a, const std::string& id) {
    return std::any_of(a.references.begin(), a.references.end(),
                       [&](const vw::Reference& r) { return r.id == id; });
}

std::string sha512(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_512);
    engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

void spit(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

fs::path makeTempDir(const std::string& stem) {
    std::string pattern = (fs::temp_directory_path() / (stem + "XXXXXX")).string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

struct TempDir {
    fs::path path = makeTempDir("vw-csaf-");
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

/// A small CSAF document: vendor → product → two versions, and `vulnerabilities` as given.
std::string document(const std::string& vulnerabilities, const std::string& id = "ICSMA-99-001-01",
                     const std::string& version = "2.0") {
    return R"({"document":{"category":"csaf_security_advisory","csaf_version":")" + version +
           R"(","publisher":{"category":"vendor","name":"Example Medical","namespace":"https://example.jp"},)"
           R"("title":"Example Viewer","tracking":{"id":")" +
           id +
           R"(","initial_release_date":"2024-01-02T03:04:05Z","current_release_date":"2024-02-03T04:05:06Z",)"
           R"("status":"final","version":"2","revision_history":[]},)"
           R"("references":[{"category":"self","url":"https://example.jp/advisories/1.json","summary":"json"},)"
           R"({"category":"self","url":"https://example.jp/advisories/1","summary":"web"}]},)"
           R"("product_tree":{"branches":[{"category":"vendor","name":"Example Medical","branches":[)"
           R"({"category":"product_name","name":"Viewer","branches":[)"
           R"({"category":"product_version","name":"3.1","product":{"product_id":"P31","name":"Viewer 3.1",)"
           R"("product_identification_helper":{"cpe":"cpe:2.3:a:example:viewer:3.1:*:*:*:*:*:*:*"}}},)"
           R"({"category":"product_version","name":"3.2","product":{"product_id":"P32","name":"Viewer 3.2"}}]}]}],)"
           R"("full_product_names":[{"product_id":"LIB","name":"libdicom 1.0"}],)"
           R"("relationships":[{"category":"default_component_of","product_reference":"LIB",)"
           R"("relates_to_product_reference":"P31","full_product_name":{"product_id":"LIB-IN-31","name":"libdicom 1.0 in Viewer 3.1"}}]},)"
           R"("vulnerabilities":)" +
           vulnerabilities + "}";
}

} // namespace

// --- the real documents (shared/fixtures/csaf/SOURCES.md) ------------------------------------

TEST_CASE("csaf: CISA ICSMA-24-163-01 MicroDicom DICOM Viewer (cisagov/CSAF 6960219f) gives "
          "CVE-2024-33606 and CVE-2024-28877 under the advisory",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string json =
        vw::test::readFile(csafFixtures() / "cisa" / "2024" / "icsma-24-163-01.json");
    CHECK(vw::detectFormat(json) == "csaf");
    CHECK(vw::csafTrackingId(json) == "ICSMA-24-163-01");
    const ParseResult result = vw::parseCsaf(json);
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 2);
    const Advisory* a = find(result, "CVE-2024-33606");
    REQUIRE(a != nullptr);
    CHECK(find(result, "CVE-2024-28877") != nullptr);
    CHECK(a->source == "csaf");
    CHECK(a->aliases == std::vector<std::string>{"ICSMA-24-163-01"});
    CHECK(a->title ==
          "MicroDicom DICOM Viewer: Improper Authorization in Handler for Custom URL Scheme");
    CHECK(a->url == "https://www.cisa.gov/news-events/ics-medical-advisories/icsma-24-163-01");
    REQUIRE(a->published);
    CHECK(vw::formatIsoDateTime(*a->published) == "2024-06-11T06:00:00+00:00");
    REQUIRE(a->cvss.size() == 1);
    CHECK(a->cvss[0].version == "3.1");
    CHECK(a->cvss[0].score == 8.8);
    CHECK(a->cvss[0].severity == "High");
    CHECK(a->cvss[0].vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H");
    REQUIRE(a->affected.size() == 1);
    CHECK(a->affected[0].vendor == "MicroDicom");
    CHECK(a->affected[0].product == "DICOM Viewer");
    CHECK(a->affected[0].versions == std::vector<std::string>{"<2024.2"});
    CHECK(a->summary.find("retrieve sensitive files") != std::string::npos);
    CHECK(a->summary.find("Remediation (vendor_fix): MicroDicom recommends users upgrade to "
                          "DICOM Viewer version 2024.2.") != std::string::npos);
    CHECK(hasReference(*a, "CWE-939"));
    // The CVE is the vulnerability, the CISA id the advisory that covers it.
    const vw::RecordLinks links = vw::linksOf(*a);
    CHECK(links.role == vw::RecordLinks::Role::Vulnerability);
    CHECK(links.aliases == std::vector<std::string>{"CVE-2024-33606"});
    CHECK(links.covers == std::vector<std::string>{"ICSMA-24-163-01"});
}

TEST_CASE("csaf: CISA ICSMA-24-023-01 Orthanc Osimis DICOM Web Viewer (cisagov/CSAF 6960219f) "
          "gives CVE-2023-7238",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result = vw::parseCsaf(
        vw::test::readFile(csafFixtures() / "cisa" / "2024" / "icsma-24-023-01.json"));
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.id == "CVE-2023-7238");
    CHECK(a.aliases == std::vector<std::string>{"ICSMA-24-023-01"});
    REQUIRE(a.affected.size() == 1);
    CHECK(a.affected[0].vendor == "Orthanc");
    CHECK(a.affected[0].product == "Osimis WebViewer");
    CHECK(a.maxScore() == 7.1);
}

TEST_CASE("csaf: CISA ICSMA-24-249-01 Baxter Connex Health Portal (cisagov/CSAF 6960219f) "
          "gives CVE-2024-6795 and CVE-2024-6796",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult result = vw::parseCsaf(
        vw::test::readFile(csafFixtures() / "cisa" / "2024" / "icsma-24-249-01.json"));
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 2);
    const Advisory* a = find(result, "CVE-2024-6795");
    REQUIRE(a != nullptr);
    CHECK(a->maxScore() == 10.0);
    CHECK(find(result, "CVE-2024-6796") != nullptr);
    REQUIRE(a->affected.size() == 1);
    CHECK(a->affected[0].vendor == "Baxter");
}

TEST_CASE("csaf: the .sha512 files of the CISA fixtures (sha512sum format naming the upstream "
          "file) match their documents",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    for (const char* name : {"icsma-24-023-01", "icsma-24-163-01", "icsma-24-249-01"}) {
        const fs::path base = csafFixtures() / "cisa" / "2024" / name;
        const std::string stated = vw::test::readFile(base.string() + ".json.sha512");
        CHECK(stated.substr(0, 128) == sha512(vw::test::readFile(base.string() + ".json")));
        CHECK(stated.find(std::string(name) + ".json") != std::string::npos);
    }
}

TEST_CASE("csaf: OASIS csaf_vex examples 2022-evd-uc-01 (oasis-tcs/csaf 27af37f5): affected "
          "gives DEF 1.0 - not affected and fixed give no affected product",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const ParseResult affected =
        vw::parseCsaf(vw::test::readFile(csafFixtures() / "oasis_vex_2022-evd-uc-01-a-001.json"));
    REQUIRE(affected.records.size() == 1);
    const Advisory& a = affected.records[0];
    CHECK(a.id == "CVE-2021-44228");
    CHECK(a.aliases.empty()); // 2022-EVD-UC-01-A-001 is no id vulnwatch knows
    REQUIRE(a.affected.size() == 1);
    CHECK(a.affected[0].vendor == "Example Company");
    CHECK(a.affected[0].product == "DEF");
    CHECK(a.affected[0].versions == std::vector<std::string>{"1.0"});

    const ParseResult notAffected =
        vw::parseCsaf(vw::test::readFile(csafFixtures() / "oasis_vex_2022-evd-uc-01-na-001.json"));
    REQUIRE(notAffected.records.size() == 1);
    CHECK(notAffected.records[0].affected.empty());
    CHECK(notAffected.records[0].summary.find("Not affected: Example Company ABC 4.2") !=
          std::string::npos);

    const ParseResult fixed =
        vw::parseCsaf(vw::test::readFile(csafFixtures() / "oasis_vex_2022-evd-uc-01-f-001.json"));
    REQUIRE(fixed.records.size() == 1);
    CHECK(fixed.records[0].affected.empty());
    CHECK(fixed.records[0].summary.find("Fixed: Example Company DEF 1.1") != std::string::npos);
}

TEST_CASE("csaf: JVN's CSAF 2.1-based rendering (MyJVN OKA example - placeholder "
          "JVNDB-2025-000000) reads as a JVNDB entry with its CVE",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string json = vw::test::readFile(vw::test::fixturesDir() / "jvn" /
                                                "myjvn_getVulnDetailInfo_oka_jvncsaf.json");
    CHECK(vw::detectFormat(json) == "csaf");
    const ParseResult result = vw::parseCsaf(json);
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.id == "CVE-2025-0000");
    CHECK(a.aliases == std::vector<std::string>{"JVNDB-2025-000000"});
    CHECK(a.maxScore() == 10.0); // cvss_v2 10.0, v3 9.8, v4 9.5 from `metrics`
    CHECK(a.cvss.size() == 3);
    CHECK(std::find(a.cpes.begin(), a.cpes.end(),
                    "cpe:2.3:a:dendai.ac.jp:myjvn_api:4.0.0:*:*:*:*:*:*:*") != a.cpes.end());
    CHECK(vw::linksOf(a).aliases == std::vector<std::string>{"CVE-2025-0000", "JVNDB-2025-000000"});
}

TEST_CASE("csaf: the trimmed CISA ROLIE feed and changes.csv are not CSAF documents",
          "[csaf][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string feed =
        vw::test::readFile(csafFixtures() / "cisa" / "cisa-csaf-ot-feed-tlp-white_trimmed.json");
    CHECK_FALSE(vw::looksLikeCsaf(feed));
    CHECK(vw::detectFormat(feed).empty());
    CHECK_THROWS_AS(vw::parseCsaf(feed), vw::ParseError);
}

// --- mechanics, on documents written here -----------------------------------------------------

TEST_CASE("csaf: CISA advisory ids are advisory ids", "[csaf][ids]") {
    CHECK(vw::isCisaIcsAdvisoryId("ICSMA-24-163-01"));
    CHECK(vw::isCisaIcsAdvisoryId("ICSA-24-100-01A"));
    CHECK_FALSE(vw::isCisaIcsAdvisoryId("ICSMA-24-163-1"));
    CHECK_FALSE(vw::isCisaIcsAdvisoryId("icsma-24-163-01"));
    CHECK_FALSE(vw::isCisaIcsAdvisoryId("ICSMA-24-16-301"));
    CHECK_FALSE(vw::isCisaIcsAdvisoryId("ICSMA-24-163-01AB"));
    CHECK(vw::idClass("ICSMA-24-163-01") == vw::IdClass::Advisory);
    // Not found in free text: a mail naming one never becomes an advisory record by it.
    CHECK(vw::extractIds("see ICSMA-24-163-01 and CVE-2024-33606") ==
          std::vector<std::string>{"CVE-2024-33606"});
}

TEST_CASE("csaf: products resolve through branches - full_product_names and relationships",
          "[csaf]") {
    const ParseResult result = vw::parseCsaf(document(
        R"([{"cve":"cve-2024-0001","title":"Heap overflow","notes":[{"category":"description","text":"It overflows."}],)"
        R"("product_status":{"known_affected":["P31","LIB-IN-31"],"fixed":["P32"],"under_investigation":["LIB"]},)"
        R"("scores":[{"products":["P31"],"cvss_v3":{"version":"3.0","baseScore":7,"baseSeverity":"HIGH","vectorString":"CVSS:3.0/AV:N"}}],)"
        R"("remediations":[{"category":"vendor_fix","details":"Update to 3.2.","product_ids":["P31"]}]}])"));
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 1);
    const Advisory& a = result.records[0];
    CHECK(a.id == "CVE-2024-0001");
    CHECK(a.aliases == std::vector<std::string>{"ICSMA-99-001-01"});
    CHECK(a.title == "Example Viewer: Heap overflow");
    CHECK(a.url == "https://example.jp/advisories/1"); // the web page before the JSON
    REQUIRE(a.modified);
    CHECK(vw::formatIsoDateTime(*a.modified) == "2024-02-03T04:05:06+00:00");
    REQUIRE(a.affected.size() == 2);
    CHECK(a.affected[0].vendor == "Example Medical");
    CHECK(a.affected[0].product == "Viewer");
    CHECK(a.affected[0].cpe == "cpe:2.3:a:example:viewer:3.1:*:*:*:*:*:*:*");
    CHECK(a.affected[0].versions == std::vector<std::string>{"3.1"});
    CHECK(a.affected[1].product == "libdicom 1.0"); // the component, by its relationship
    CHECK(a.cpes == std::vector<std::string>{"cpe:2.3:a:example:viewer:3.1:*:*:*:*:*:*:*"});
    REQUIRE(a.cvss.size() == 1);
    CHECK(a.cvss[0].score == 7.0); // an integer baseScore
    CHECK(a.summary.find("It overflows.") == 0);
    CHECK(a.summary.find("Fixed: Viewer 3.2") != std::string::npos);
    CHECK(a.summary.find("Under investigation: libdicom 1.0") != std::string::npos);
    CHECK(a.summary.find("Remediation (vendor_fix): Update to 3.2.") != std::string::npos);
}

TEST_CASE("csaf: vulnerabilities without a CVE make one record under the advisory", "[csaf]") {
    const ParseResult result = vw::parseCsaf(document(
        R"([{"title":"First","product_status":{"known_affected":["P31"]}},)"
        R"({"title":"Second","ids":[{"system_name":"JVN","text":"JVNVU#12345678"}],"product_status":{"known_affected":["P32","P31"]}},)"
        R"({"cve":"CVE-2024-0002","product_status":{"known_affected":["P32"]}}])"));
    CHECK(result.problems.empty());
    REQUIRE(result.records.size() == 2);
    CHECK(result.records[0].id == "CVE-2024-0002");
    const Advisory* advisory = find(result, "ICSMA-99-001-01");
    REQUIRE(advisory != nullptr);
    REQUIRE(advisory->affected.size() == 2); // Viewer 3.1 (with its CPE) and 3.2
    CHECK(advisory->affected[0].versions == std::vector<std::string>{"3.1"});
    CHECK(advisory->affected[1].versions == std::vector<std::string>{"3.2"});
    CHECK(advisory->summary.empty());
    CHECK(advisory->aliases == std::vector<std::string>{"JVNVU#12345678"});
    const vw::RecordLinks links = vw::linksOf(*advisory);
    CHECK(links.role == vw::RecordLinks::Role::Advisory);
    CHECK(links.advisory == "ICSMA-99-001-01");
}

TEST_CASE("csaf: a bad vulnerability is a problem and the others are read", "[csaf]") {
    const ParseResult result = vw::parseCsaf(document(
        R"([7,{"cve":"CVE-24-1"},{"cve":"CVE-2024-0003","product_status":{"known_affected":["NOPE","P31"]}},)"
        R"({"cve":"CVE-2024-0003"},{"cve":42}])"));
    REQUIRE(result.records.size() == 1);
    CHECK(result.records[0].id == "CVE-2024-0003");
    REQUIRE(result.problems.size() == 5);
    CHECK(result.problems[0].position == 1);
    CHECK(result.problems[0].message.find("not an object") != std::string::npos);
    CHECK(result.problems[1].message.find("'CVE-24-1' is not a CVE id") != std::string::npos);
    CHECK(result.problems[2].message.find("NOPE") != std::string::npos);
    CHECK(result.problems[2].itemId == "CVE-2024-0003");
    CHECK(result.problems[3].message.find("listed twice") != std::string::npos);
    CHECK(result.problems[4].message.find("cve is not a string") != std::string::npos);
}

TEST_CASE("csaf: broken documents are refused with what is wrong", "[csaf]") {
    auto message = [](const std::string& json) {
        try {
            vw::parseCsaf(json);
        } catch (const vw::ParseError& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    CHECK(message("{\"document\":").find("not JSON") != std::string::npos);
    CHECK(message("[1]").find("not a JSON object") != std::string::npos);
    CHECK(message("{\"csaf_version\":\"2.0\"}").find("no \"document\" object") !=
          std::string::npos);
    CHECK(message(document("[]", "X-1", "1.0")).find("csaf_version is '1.0'") != std::string::npos);
    CHECK(message(document("[]", "")).find("without document.tracking.id") != std::string::npos);
    CHECK(message(document("{}")).find("\"vulnerabilities\" is not an array") != std::string::npos);
    CHECK(vw::parseCsaf(document("[]")).records.empty());
}

// --- the source -------------------------------------------------------------------------------

namespace {

/// A directory with two written documents and their .sha512 files.
struct DocumentDir {
    TempDir dir;
    std::string one = document(R"([{"cve":"CVE-2024-1001"}])", "ICSMA-99-001-01");
    std::string two = document(R"([{"cve":"CVE-2024-1002"}])", "ICSMA-99-002-01");
    DocumentDir() {
        spit(dir.path / "2024" / "one.json", one);
        spit(dir.path / "2024" / "one.json.sha512", sha512(one) + "  one.json\n");
        spit(dir.path / "2024" / "two.json", two);
        spit(dir.path / "2024" / "two.json.sha512", sha512(two) + "  two.json\n");
        spit(dir.path / "index.json", "{\"not\":\"csaf\"}");
    }
};

vw::CsafSourceOptions dirOptions(const fs::path& path, std::vector<std::string>* log) {
    vw::CsafSourceOptions o;
    o.path = path.string();
    o.log = [log](std::string_view level, const std::string& message) {
        log->push_back(std::string(level) + ": " + message);
    };
    return o;
}

} // namespace

TEST_CASE("csaf source: a directory is read once - a changed file again", "[csaf][source]") {
    DocumentDir d;
    std::vector<std::string> log;
    vw::test::FakeHttpClient http;
    vw::CsafSource source("csaf", dirOptions(d.dir.path, &log), http);
    vw::PollOutcome first = source.poll({});
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    CHECK(first.result.problems.empty());
    REQUIRE(first.result.records.size() == 2);
    CHECK(first.result.raw.size() == 2);
    CHECK(first.result.rawOfRecord(0) != nullptr);
    CHECK(http.requests.empty());

    const vw::PollOutcome again = source.poll(first.state);
    CHECK(again.kind == vw::PollOutcome::Kind::NotModified);

    const std::string changed = document(R"([{"cve":"CVE-2024-1003"}])", "ICSMA-99-002-01");
    spit(d.dir.path / "2024" / "two.json", changed);
    spit(d.dir.path / "2024" / "two.json.sha512", sha512(changed) + "  two.json\n");
    const vw::PollOutcome third = source.poll(first.state);
    REQUIRE(third.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(third.result.records.size() == 1);
    CHECK(third.result.records[0].id == "CVE-2024-1003");
}

TEST_CASE("csaf source: a wrong .sha512 refuses the document with both hashes", "[csaf][source]") {
    DocumentDir d;
    const std::string wrong(128, 'a');
    spit(d.dir.path / "2024" / "two.json.sha512", wrong + "  two.json\n");
    std::vector<std::string> log;
    vw::test::FakeHttpClient http;
    vw::CsafSource source("csaf", dirOptions(d.dir.path, &log), http);
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(outcome.result.records.size() == 1);
    CHECK(outcome.result.records[0].id == "CVE-2024-1001");
    CHECK(outcome.result.raw.size() == 1); // nothing of the refused one is kept
    REQUIRE(outcome.result.problems.size() == 1);
    const std::string& message = outcome.result.problems[0].message;
    CHECK(message.find("two.json") != std::string::npos);
    CHECK(message.find("SHA-512 mismatch") != std::string::npos);
    CHECK(message.find(wrong) != std::string::npos);
    CHECK(message.find(sha512(d.two)) != std::string::npos);
    REQUIRE(log.size() == 1);
    CHECK(log[0].starts_with("error: refused "));

    // Only refused documents left: the poll fails, naming it; the cursor keeps the good one.
    const vw::PollOutcome retry = source.poll(outcome.state);
    REQUIRE(retry.kind == vw::PollOutcome::Kind::Error);
    CHECK(retry.error.find("1 new CSAF document was refused") != std::string::npos);
    CHECK(retry.error.find("two.json") != std::string::npos);
}

TEST_CASE("csaf source: CISA's signatures need CISA's key - an empty keyring refuses them",
          "[csaf][source][fixtures]") {
    VW_REQUIRE_FIXTURES();
    TempDir copy;
    TempDir home;
    for (const char* name :
         {"icsma-24-163-01.json", "icsma-24-163-01.json.sha512", "icsma-24-163-01.json.asc"}) {
        fs::copy_file(csafFixtures() / "cisa" / "2024" / name, copy.path / name);
    }
    std::vector<std::string> log;
    vw::CsafSourceOptions options = dirOptions(copy.path, &log);
    vw::test::FakeHttpClient http;
    CHECK(vw::CsafSource("csaf", options, http).poll({}).result.records.size() == 2);

    options.verifier = vw::makeGpgmeVerifier(home.path.string());
    vw::CsafSource checked("csaf", options, http);
    const vw::PollOutcome outcome = checked.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK(outcome.error.find("icsma-24-163-01.json.asc is unknown-key") != std::string::npos);

    fs::remove(copy.path / "icsma-24-163-01.json.asc");
    const vw::PollOutcome unsigned_ = checked.poll({});
    REQUIRE(unsigned_.kind == vw::PollOutcome::Kind::Error);
    CHECK(unsigned_.error.find("no OpenPGP signature") != std::string::npos);
}

TEST_CASE("csaf source: a ROLIE feed is followed with its hash links - unchanged entries are "
          "not fetched again",
          "[csaf][source]") {
    const std::string doc = document(R"([{"cve":"CVE-2024-2001"}])");
    auto feed = [](const std::string& updated) {
        return R"({"feed":{"id":"f","entry":[{"id":"ICSMA-99-001-01","updated":")" + updated +
               R"(","link":[{"rel":"self","href":"docs/one.json"},)"
               R"({"rel":"hash","href":"https://h.example/one.json.sha512"}]}]}})";
    };
    auto ok = [](std::string body) {
        vw::HttpResponse r;
        r.status = 200;
        r.body = std::move(body);
        return r;
    };
    vw::test::FakeHttpClient http;
    http.script = {ok(feed("2024-01-01T00:00:00Z")), ok(doc), ok(sha512(doc) + "  one.json\n")};
    vw::CsafSourceOptions options;
    options.url = "https://p.example/csaf/feed.json";
    vw::CsafSource source("csaf", options, http);
    const vw::PollOutcome first = source.poll({});
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(first.result.records.size() == 1);
    REQUIRE(http.requests.size() == 3);
    CHECK(http.requests[1].url == "https://p.example/csaf/docs/one.json");
    CHECK(http.requests[2].url == "https://h.example/one.json.sha512");

    http.script = {ok(feed("2024-01-01T00:00:00Z"))};
    CHECK(source.poll(first.state).kind == vw::PollOutcome::Kind::NotModified);
    CHECK(http.requests.size() == 4);

    // Updated with a checksum that does not match: refused, the poll fails.
    http.script = {ok(feed("2024-02-01T00:00:00Z")), ok(doc), ok(std::string(128, 'b'))};
    const vw::PollOutcome third = source.poll(first.state);
    CHECK(third.kind == vw::PollOutcome::Kind::Error);
    CHECK(third.error.find("SHA-512 mismatch") != std::string::npos);
}

TEST_CASE("csaf source: CISA's trimmed ROLIE feed cisa-csaf-ot-feed-tlp-white (cisagov/CSAF "
          "6960219f - 3 of 2379 entries) leads to its three ICSMA documents and their .sha512",
          "[csaf][source][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const fs::path cisa = csafFixtures() / "cisa";
    auto ok = [](std::string body) {
        vw::HttpResponse r;
        r.status = 200;
        r.body = std::move(body);
        return r;
    };
    vw::test::FakeHttpClient http;
    http.script.push_back(
        ok(vw::test::readFile(cisa / "cisa-csaf-ot-feed-tlp-white_trimmed.json")));
    // Newest first: the feed's `updated` times order the documents.
    for (const char* name : {"icsma-24-249-01", "icsma-24-163-01", "icsma-24-023-01"}) {
        const fs::path base = cisa / "2024" / name;
        http.script.push_back(ok(vw::test::readFile(base.string() + ".json")));
        http.script.push_back(ok(vw::test::readFile(base.string() + ".json.sha512")));
    }
    vw::CsafSourceOptions options;
    options.url = "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/OT/white/"
                  "cisa-csaf-ot-feed-tlp-white.json";
    vw::CsafSource source("cisa", options, http);
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.problems.empty());
    CHECK(outcome.result.records.size() == 5);
    CHECK(outcome.result.raw.size() == 3);
    REQUIRE(http.requests.size() == 7);
    const std::string base =
        "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/OT/white/2024/";
    CHECK(http.requests[1].url == base + "icsma-24-249-01.json");
    CHECK(http.requests[2].url == base + "icsma-24-249-01.json.sha512");
    CHECK(http.requests[6].url == base + "icsma-24-023-01.json.sha512");
    CHECK(outcome.state.cursor.find("2024-09-05T06:00:00.000000Z\t" + base +
                                    "icsma-24-249-01.json") != std::string::npos);

    // The same feed again: nothing is fetched but the feed.
    http.script.push_back(
        ok(vw::test::readFile(cisa / "cisa-csaf-ot-feed-tlp-white_trimmed.json")));
    CHECK(source.poll(outcome.state).kind == vw::PollOutcome::Kind::NotModified);
    CHECK(http.requests.size() == 8);
}

TEST_CASE("csaf source: CISA's trimmed changes.csv (cisagov/CSAF 6960219f) lists paths relative "
          "to its folder with their times",
          "[csaf][source][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const fs::path cisa = csafFixtures() / "cisa";
    auto answer = [](long status, std::string body) {
        vw::HttpResponse r;
        r.status = status;
        r.body = std::move(body);
        return r;
    };
    vw::test::FakeHttpClient http;
    http.script.push_back(answer(200, vw::test::readFile(cisa / "changes_trimmed.csv")));
    http.script.push_back(answer(404, "")); // icsma-24-249-01.json: gone
    http.next = answer(404, "");
    vw::CsafSourceOptions options;
    // CISA's paths start at the repository's root: the csv is read as if it lay there.
    options.url = "https://raw.githubusercontent.com/cisagov/CSAF/develop/changes.csv";
    vw::CsafSource source("cisa", options, http);
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(http.requests.size() >= 2);
    CHECK(http.requests[1].url == "https://raw.githubusercontent.com/cisagov/CSAF/develop/"
                                  "csaf_files/OT/white/2024/icsma-24-249-01.json");
    // Every document answered 404: each refused, the poll fails naming the first.
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK(outcome.error.find("3 new CSAF documents were refused") != std::string::npos);
    CHECK(outcome.error.find("HTTP status 404") != std::string::npos);
}
