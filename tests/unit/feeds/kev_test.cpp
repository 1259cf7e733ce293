// CISA's KEV catalog: parseKevCatalog on the real catalog (shared/fixtures/kev, 1,404 entries)
// and on broken documents and entries written here, format detection, and KevSource's
// conditional GET with a scripted HttpClient.
#include "feeds/kev_source.h"
#include "feeds/parse/document.h"
#include "feeds/parse/kev.h"
#include "helpers/fake_http.h"
#include "helpers/fixtures.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

namespace {

using vw::KevEntry;
using vw::ParseError;
using vw::parseKevCatalog;

std::string catalogWith(const std::string& entries, const std::string& count = "") {
    return R"({"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.01.02",)"
           R"("dateReleased":"2025-01-02T10:00:00.000Z",)" +
           (count.empty() ? std::string() : "\"count\":" + count + ",") + R"("vulnerabilities":[)" +
           entries + "]}";
}

std::string entry(const std::string& cve, const std::string& date = "2025-01-02",
                  const std::string& extra = "") {
    return R"({"cveID":")" + cve + R"(","vendorProject":"Example","product":"Viewer",)" +
           R"("vulnerabilityName":"Example Viewer Flaw","dateAdded":")" + date +
           R"(","shortDescription":"d","requiredAction":"a","dueDate":"2025-01-23",)" +
           R"("knownRansomwareCampaignUse":"Unknown","notes":"","cwes":["CWE-79"])" + extra + "}";
}

const KevEntry* find(const vw::ParseResult& result, const std::string& cve) {
    const auto& entries = result.kev->entries;
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const KevEntry& e) { return e.cve == cve; });
    return it == entries.end() ? nullptr : &*it;
}

} // namespace

TEST_CASE("kev: the real catalog gives its 1404 entries", "[kev][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const std::string json = vw::test::readFile(vw::test::fixturesDir() / "kev" /
                                                "known_exploited_vulnerabilities.json");
    CHECK(vw::detectFormat(json) == "kev");
    const vw::ParseResult result = parseKevCatalog(json);
    REQUIRE(result.kev);
    CHECK(result.records.empty()); // entries are not advisories
    CHECK(result.problems.empty());
    CHECK(result.kev->version == "2025.08.25");
    CHECK(result.kev->released == "2025-08-25T17:04:19.9796Z");
    CHECK(result.kev->count == 1404);
    CHECK(result.kev->entries.size() == 1404);
    CHECK(result.kev->entries.front().cve == "CVE-2025-48384");
    CHECK(result.kev->entries.back().cve == "CVE-2020-29583");
    const KevEntry* log4j = find(result, "CVE-2021-44228");
    REQUIRE(log4j != nullptr);
    CHECK(log4j->vendor == "Apache");
    CHECK(log4j->product == "Log4j2");
    CHECK(log4j->name == "Apache Log4j2 Remote Code Execution Vulnerability");
    CHECK(log4j->dateAdded == "2021-12-10");
    CHECK(log4j->ransomware == "Known");
    const auto known = std::count_if(result.kev->entries.begin(), result.kev->entries.end(),
                                     [](const KevEntry& e) { return e.ransomware == "Known"; });
    CHECK(known == 293);
    // `parse`/`import` dispatch reads it the same
    CHECK(vw::parseDocument(json, "auto").kev->entries.size() == 1404);
}

TEST_CASE("kev: a document that is not the catalog is refused whole", "[kev]") {
    const auto refuses = [](const std::string& json, const std::string& fragment) {
        INFO(json);
        try {
            parseKevCatalog(json);
            FAIL("accepted");
        } catch (const ParseError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(fragment) != std::string::npos);
        }
    };
    const std::string good = catalogWith(entry("CVE-2024-0001"), "1");
    REQUIRE_NOTHROW(parseKevCatalog(good));
    refuses(good.substr(0, good.size() / 2), "not JSON");
    refuses("", "not JSON");
    refuses("<rss/>", "not JSON");
    refuses("[" + entry("CVE-2024-0001") + "]", "not a JSON object");
    refuses(R"({"catalogVersion":"1","count":0})", "no \"vulnerabilities\" array");
    refuses(R"({"catalogVersion":"1","vulnerabilities":{}})", "no \"vulnerabilities\" array");
    refuses(R"({"vulnerabilities":[]})", "no \"catalogVersion\" string");
    refuses(R"({"catalogVersion":2025,"vulnerabilities":[]})", "no \"catalogVersion\" string");
    refuses(catalogWith(R"({"cveID":"CVE-2024-0001","vendorProject":"\xff"})"), "not JSON");
}

TEST_CASE("kev: one bad entry never drops the catalog", "[kev]") {
    const std::string json = catalogWith(
        entry("CVE-2024-0001") + ",42," + R"({"vendorProject":"x","dateAdded":"2025-01-02"})" +
            "," + entry("CVE-24-1") + "," + entry("CVE-2024-0005", "2025-02-30") + "," +
            entry("CVE-2024-0006", "2025-01-02", R"(,"product":7)") + "," +
            entry("CVE-2024-0001", "2025-03-01") + "," + entry(" cve-2024-123456 ") + "," +
            R"({"cveID":"CVE-2024-0009"})",
        "10");
    // `product` twice in one object: JSON leaves it to the reader; simdjson takes the first,
    // so entry 6 is fine. What counts is that the rest stays.
    const vw::ParseResult result = parseKevCatalog(json);
    REQUIRE(result.kev);
    std::vector<std::string> cves;
    for (const auto& e : result.kev->entries) {
        cves.push_back(e.cve);
    }
    CHECK(cves == std::vector<std::string>{"CVE-2024-0001", "CVE-2024-0006", "CVE-2024-123456"});
    CHECK(find(result, "CVE-2024-0001")->dateAdded == "2025-01-02"); // the first listing kept
    std::vector<std::pair<std::size_t, std::string>> problems;
    for (const auto& p : result.problems) {
        INFO(p.position << " " << p.itemId << ": " << p.message);
        problems.emplace_back(p.position, p.itemId);
    }
    CHECK(problems == std::vector<std::pair<std::size_t, std::string>>{{2, ""},
                                                                       {3, ""},
                                                                       {4, "CVE-24-1"},
                                                                       {5, "CVE-2024-0005"},
                                                                       {7, "CVE-2024-0001"},
                                                                       {9, "CVE-2024-0009"},
                                                                       {0, ""}});
    const auto message = [&](std::size_t i) { return result.problems.at(i).message; };
    CHECK(message(0) == "not an object");
    CHECK(message(1) == "no cveID");
    CHECK(message(2) == "cveID 'CVE-24-1' is not a CVE id (CVE-YYYY-NNNN)");
    CHECK(message(3) == "dateAdded '2025-02-30' is not a date (YYYY-MM-DD)");
    CHECK(message(4) == "CVE-2024-0001 is listed twice; the first entry is kept");
    CHECK(message(5) == "no dateAdded");
    CHECK(message(6) == "count says 10 but the catalog lists 9 entries");
}

TEST_CASE("kev: a field of the wrong type is a problem of its entry", "[kev]") {
    const vw::ParseResult result = parseKevCatalog(
        catalogWith(R"({"cveID":"CVE-2024-0001","dateAdded":"2024-02-29","vendorProject":["x"]},)" +
                        entry("CVE-2024-0002"),
                    "2"));
    REQUIRE(result.kev->entries.size() == 1);
    CHECK(result.kev->entries[0].cve == "CVE-2024-0002");
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].message == "vendorProject is not a string");
    CHECK(result.problems[0].itemId == "CVE-2024-0001");
}

TEST_CASE("kev: format detection tells the catalog from other JSON", "[kev]") {
    CHECK(vw::detectFormat(catalogWith(entry("CVE-2024-0001"))) == "kev");
    CHECK(vw::detectFormat("\xEF\xBB\xBF  " + catalogWith("")) == "kev");
    CHECK(vw::detectFormat(R"({"products":[]})").empty());
    CHECK_THROWS_AS(vw::parseDocument(R"({"products":[]})", "auto"), ParseError);
    CHECK(vw::parseDocument(catalogWith(entry("CVE-2024-0001")), "kev").kev->entries.size() == 1);
}

TEST_CASE("kev source: conditional GET and what each answer gives", "[kev][source]") {
    vw::test::FakeHttpClient http;
    const std::string url = "https://kev.example/known_exploited_vulnerabilities.json";
    vw::KevSource source("cisa-kev", url, http, 5000, 1u << 20, "");
    vw::HttpResponse ok;
    ok.status = 200;
    ok.body = catalogWith(entry("CVE-2024-0001"), "1");
    ok.headers = {{"etag", "\"abc\""}, {"last-modified", "Thu, 02 Jan 2025 10:00:00 GMT"}};
    http.script.push_back(ok);

    vw::PollOutcome first = source.poll({});
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(first.result.kev);
    CHECK(first.result.kev->entries.size() == 1);
    CHECK(first.state.etag == "\"abc\"");
    CHECK(first.state.lastModified == "Thu, 02 Jan 2025 10:00:00 GMT");
    REQUIRE(first.result.raw.size() == 1); // the catalog as received, for evidence
    CHECK(first.result.raw[0].bytes == ok.body);
    CHECK(first.result.raw[0].mediaType == "application/json");
    REQUIRE(http.requests.size() == 1);
    CHECK(http.requests[0].url == url);
    for (const auto& [name, value] : http.requests[0].headers) {
        CHECK(name != "If-None-Match");
        CHECK(name != "If-Modified-Since");
    }

    vw::HttpResponse notModified;
    notModified.status = 304;
    http.script.push_back(notModified);
    const vw::SourceState state{first.state.etag, first.state.lastModified, ""};
    const vw::PollOutcome second = source.poll(state);
    CHECK(second.kind == vw::PollOutcome::Kind::NotModified);
    CHECK(second.state.etag == "\"abc\"");
    const auto& headers = http.requests.at(1).headers;
    CHECK(std::count(headers.begin(), headers.end(),
                     std::pair<std::string, std::string>{"If-None-Match", "\"abc\""}) == 1);
    CHECK(std::count(headers.begin(), headers.end(),
                     std::pair<std::string, std::string>{"If-Modified-Since",
                                                         "Thu, 02 Jan 2025 10:00:00 GMT"}) == 1);

    vw::HttpResponse error;
    error.status = 503;
    http.script.push_back(error);
    const vw::PollOutcome third = source.poll(state);
    CHECK(third.kind == vw::PollOutcome::Kind::Error);
    CHECK(third.error == "fetching " + url + " failed: HTTP status 503");
    CHECK(third.state.etag == "\"abc\""); // unchanged

    vw::HttpResponse html;
    html.status = 200;
    html.body = "<html><body>maintenance</body></html>";
    http.script.push_back(html);
    const vw::PollOutcome fourth = source.poll(state);
    CHECK(fourth.kind == vw::PollOutcome::Kind::Error);
    CHECK(fourth.error.find("the document at " + url + " is not CISA's KEV catalog: not JSON") ==
          0);

    vw::HttpResponse down;
    down.error = "connection refused";
    http.script.push_back(down);
    const vw::PollOutcome fifth = source.poll(state);
    CHECK(fifth.kind == vw::PollOutcome::Kind::Error);
    CHECK(fifth.error == "fetching " + url + " failed: connection refused");
}
