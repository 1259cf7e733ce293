// MyJvnSource over the real libcurl client against tests/servers/myjvn_server.py, a loopback
// emulator of the MyJVN API that builds its answers from responses written for the project in the
// real formats (tests/data/jvn/myjvn_getVulnOverviewList_written_for_vulnwatch.xml and
// tests/data/vuldef/detail_written_for_vulnwatch.xml), so these run on a bare clone: paging, the
// query parameters sent, pacing, retries (HTTP 500, 503 with Retry-After, a stall past the
// timeout), retCd=1 errors and the detail fallback. One variant has the emulator serve the real
// example responses in shared/fixtures instead (skipped without them).
#include "core/datetime.h"
#include "feeds/curl_http_client.h"
#include "feeds/myjvn_source.h"
#include "helpers/fixtures.h"
#include "helpers/python_server.h"
#include "helpers/records.h"
#include "helpers/virtual_time.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using vw::test::iso;

using std::chrono::milliseconds;
using vw::test::param;

struct Logged {
    double atMs = 0;
    std::string target; // path?query as received
};

std::size_t idCount(const std::string& vulnId) {
    std::size_t n = 1;
    for (const char c : vulnId) {
        n += c == '+' ? 1 : 0;
    }
    return n;
}

/// The emulator; by default its answers are built from the responses written for the project,
/// with {"--fixtures", DIR} from the real example responses in DIR/jvn.
struct Emulator {
    vw::test::PythonServer server;
    std::string token = "t" + std::to_string(::getpid());

    explicit Emulator(const std::vector<std::string>& args = {})
        : server((vw::test::sourceDir() / "tests/servers/myjvn_server.py").string(), args) {}

    std::string endpoint(const std::string& scenario) const {
        return server.base() + "/" + token + "/" + scenario + "/myjvn";
    }

    std::vector<Logged> log() const {
        vw::CurlHttpClient http;
        vw::HttpRequest request;
        request.url = server.base() + "/" + token + "/_log";
        const vw::HttpResponse response = http.perform(request);
        REQUIRE(response.ok());
        REQUIRE(response.status == 200);
        std::vector<Logged> out;
        std::istringstream in(response.body);
        std::string line;
        while (std::getline(in, line)) {
            const auto space = line.find(' ');
            out.push_back({std::stod(line.substr(0, space)), line.substr(space + 1)});
        }
        return out;
    }
};

/// Passes every request to `inner` and keeps, per request, the URL and the error ("" for a
/// completed transfer): which attempt failed how, seen from the client side.
class RecordingHttpClient : public vw::HttpClient {
public:
    struct Call {
        std::string url;
        std::string error;
    };
    explicit RecordingHttpClient(vw::HttpClient& inner) : inner_(inner) {}
    vw::HttpResponse perform(const vw::HttpRequest& request) override {
        vw::HttpResponse response = inner_.perform(request);
        calls.push_back({request.url, response.error});
        return response;
    }
    std::vector<Call> calls;

private:
    vw::HttpClient& inner_;
};

vw::SourceConfig config(const std::string& url) {
    vw::SourceConfig c;
    c.name = "myjvn-loopback";
    c.type = "myjvn";
    c.url = url;
    c.requestInterval = milliseconds(50);
    c.retries = 2;
    c.timeout = std::chrono::seconds(1);
    return c;
}

/// Every <Title> text of the detail templates (Vulinfo titles, and CWE titles of RelatedItems).
std::set<std::string> titlesIn(const std::vector<std::filesystem::path>& files) {
    std::set<std::string> titles;
    for (const auto& file : files) {
        const std::string xml = vw::test::readFile(file);
        for (std::size_t at = xml.find("<Title>"); at != std::string::npos;
             at = xml.find("<Title>", at + 1)) {
            const std::size_t begin = at + std::string("<Title>").size();
            titles.insert(xml.substr(begin, xml.find("</Title>", begin) - begin));
        }
    }
    return titles;
}

/// One poll of the whole listing (120 items, three overview pages, twelve detail batches): the
/// records, the parameters and the pacing. `detailTitles`: the titles the detail templates have.
void checkFullPoll(const Emulator& api, const std::set<std::string>& detailTitles) {
    vw::CurlHttpClient http;
    vw::MyJvnSource source(config(api.endpoint("ok")), http, vw::test::loopbackPacer());
    const vw::PollOutcome outcome = source.poll({});
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    // the emulator lists 120 items, all last updated 2025-03-10 … 2025-04-06
    REQUIRE(outcome.result.records.size() == 120);
    CHECK(outcome.result.problems.empty());
    std::set<std::string> seen;
    std::set<std::string> titles;
    for (const vw::Advisory& a : outcome.result.records) {
        INFO(a.id);
        CHECK(a.source == "vuldef");
        CHECK(a.id.rfind("JVNDB-2025-2", 0) == 0);
        CHECK_FALSE(a.title.empty());
        CHECK(detailTitles.count(a.title) == 1); // the detail answer's, not the overview's
        seen.insert(a.id);
        titles.insert(a.title);
    }
    CHECK(seen.size() == 120);
    CHECK(titles.size() > 1); // cloned from several templates
    CHECK(outcome.result.records[0].id == "JVNDB-2025-200000");
    CHECK(iso(outcome.result.records[0].modified) == "2025-03-10T09:00:00+09:00");
    // the latest: item 111 (2025-03-10 + 27 days, 09:00 + 111 min)
    CHECK(outcome.state.cursor == "2025-04-06T10:51:00+09:00");

    const std::vector<Logged> log = api.log();
    std::vector<std::string> starts;
    std::size_t detailIds = 0;
    for (const Logged& entry : log) {
        const std::string& t = entry.target;
        CHECK(param(t, "feed") == "hnd");
        CHECK(param(t, "lang") == "ja");
        if (param(t, "method") == "getVulnOverviewList") {
            starts.push_back(param(t, "startItem"));
            CHECK(std::stoi(param(t, "maxCountItem")) <= 50);
            CHECK(param(t, "rangeDatePublic") == "n");
            CHECK(param(t, "rangeDatePublished") == "n");
            CHECK(param(t, "rangeDateFirstPublished") == "n");
            CHECK(param(t, "datePublishedStartY") == "2025");
            CHECK(param(t, "datePublishedStartM") == "3");
            CHECK(param(t, "datePublishedStartD") == "8");
            CHECK(param(t, "datePublishedEndY") == "2025");
            CHECK(param(t, "datePublishedEndM") == "4");
            CHECK(param(t, "datePublishedEndD") == "7");
        } else {
            CHECK(param(t, "method") == "getVulnDetailInfo");
            const std::string ids = param(t, "vulnId");
            CHECK(ids.find("%2B") == std::string::npos); // a literal '+'
            CHECK(idCount(ids) <= 10);
            detailIds += idCount(ids);
        }
    }
    CHECK(starts == std::vector<std::string>{"1", "51", "101"});
    CHECK(detailIds == 120);
    REQUIRE(log.size() == 3 + 12);
    for (std::size_t i = 1; i < log.size(); ++i) {
        INFO("request " << i);
        CHECK(log[i].atMs - log[i - 1].atMs >= 50.0);
    }
}

} // namespace

TEST_CASE("MyJVN loopback paging, parameters, details and pacing", "[integration][myjvn]") {
    const Emulator api;
    checkFullPoll(api, titlesIn({vw::test::sourceDir() / "tests/data/vuldef" /
                                 "detail_written_for_vulnwatch.xml"}));
}

TEST_CASE("MyJVN loopback paging and details over the real example responses",
          "[integration][myjvn]") {
    // The same poll with the emulator serving clones of the real getVulnOverviewList /
    // getVulnDetailInfo examples: the real bytes (their layout, namespaces, references, CVSS)
    // through paging and detail batches.
    VW_REQUIRE_FIXTURES();
    const std::filesystem::path jvn = vw::test::fixturesDir() / "jvn";
    const Emulator api({"--fixtures", vw::test::fixturesDir().string()});
    checkFullPoll(api, titlesIn({jvn / "myjvn_getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
                                 jvn / "myjvn_getVulnDetailInfo_hnd_JVNDB-2018-009328.xml",
                                 jvn / "myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml",
                                 jvn / "spiegel_go-myjvn_getVulnDetailInfo_2018_2.xml"}));
}

TEST_CASE("MyJVN loopback window from the cursor", "[integration][myjvn]") {
    Emulator api;
    vw::CurlHttpClient http;
    vw::MyJvnSource source(config(api.endpoint("ok")), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "2025-04-01T12:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    // items last updated 2025-04-01 … 2025-04-06: day offsets 22…27 of 28, four rounds each
    CHECK(outcome.result.records.size() == 24);
    for (const vw::Advisory& a : outcome.result.records) {
        CHECK(iso(a.modified) >= std::string("2025-04-01"));
    }
    CHECK(outcome.state.cursor == "2025-04-06T10:51:00+09:00");
    const std::vector<Logged> log = api.log();
    REQUIRE_FALSE(log.empty());
    CHECK(param(log[0].target, "datePublishedStartM") == "4");
    CHECK(param(log[0].target, "datePublishedStartD") == "1");
}

TEST_CASE("MyJVN loopback retCd 1 is an error naming errCd and errMsg", "[integration][myjvn]") {
    Emulator api;
    vw::CurlHttpClient http;
    vw::MyJvnSource source(config(api.endpoint("error")), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "2025-04-01T12:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(outcome.error, Catch::Contains("VL01020003"));
    CHECK_THAT(outcome.error, Catch::Contains("startItemは正の整数値のみ指定可能です。"));
    CHECK(outcome.state.cursor == before.cursor);
    CHECK(api.log().size() == 1); // not retried
}

TEST_CASE("MyJVN loopback HTTP 500 then success is retried", "[integration][myjvn]") {
    Emulator api;
    vw::CurlHttpClient http;
    vw::MyJvnSource source(config(api.endpoint("flaky500")), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "2025-04-05T00:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 8); // 2025-04-05 and -06
    for (const vw::Advisory& a : outcome.result.records) {
        CHECK(a.source == "vuldef");
    }
    const std::vector<Logged> log = api.log();
    REQUIRE(log.size() == 4); // overview twice, detail twice
    CHECK(log[0].target == log[1].target);
    CHECK(log[2].target == log[3].target);
    CHECK(log[1].atMs - log[0].atMs >= 50.0); // the first backoff: 50 ms here
}

TEST_CASE("MyJVN loopback Retry-After is honoured", "[integration][myjvn]") {
    Emulator api;
    vw::CurlHttpClient http;
    vw::MyJvnSource source(config(api.endpoint("retryafter")), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "2025-04-06T00:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    const std::vector<Logged> log = api.log();
    REQUIRE(log.size() >= 2);
    CHECK(log[1].atMs - log[0].atMs >= 1000.0);
}

TEST_CASE("MyJVN loopback a stall past the timeout is a transport error, retried",
          "[integration][myjvn]") {
    // The first overview call stalls for 30 s, far past the 1 s timeout, so that only the
    // client's timeout can end it within the bound at the end.
    Emulator api({"--stall", "30"});
    vw::CurlHttpClient curl;
    RecordingHttpClient http(curl);
    vw::MyJvnSource source(config(api.endpoint("stall")), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "2025-04-06T00:00:00+09:00";
    const auto start = std::chrono::steady_clock::now();
    const vw::PollOutcome outcome = source.poll(before);
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 4);
    // What the test is about, whatever the machine's speed: the stalled call ended with the
    // client's timeout error, and the same request was sent once more and answered.
    REQUIRE(http.calls.size() == 3); // stalled overview, its retry, detail
    CHECK_THAT(http.calls[0].error, Catch::Contains("timed out after 1000 ms"));
    CHECK(http.calls[1].url == http.calls[0].url);
    CHECK(http.calls[1].error.empty());
    CHECK(http.calls[2].error.empty());
    const std::vector<Logged> log = api.log();
    REQUIRE(log.size() == 3); // the server saw the same three: no other retry
    CHECK(log[0].target == log[1].target);
    CHECK(log[1].atMs - log[0].atMs >= 1000.0); // the 1 s timeout passed first
    // Only a generous upper bound on the wall clock (nominally about 1.2 s: the timeout, a 50 ms
    // backoff, two quick calls): 10 s does not fail on a loaded machine, yet is far below the
    // 30 s that waiting out the stalled answer would take.
    CHECK(took < std::chrono::seconds(10));
}

TEST_CASE("MyJVN loopback failing details fall back to the overview records",
          "[integration][myjvn]") {
    const std::string scenario = GENERATE(std::string("detailerror"), std::string("detail500"));
    Emulator api;
    vw::CurlHttpClient http;
    vw::MyJvnSource source(config(api.endpoint(scenario)), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "2025-04-05T00:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    INFO(scenario << ": " << outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(outcome.result.records.size() == 8);
    REQUIRE(outcome.result.problems.size() == 8);
    for (std::size_t i = 0; i < 8; ++i) {
        CHECK(outcome.result.records[i].source == "myjvn");
        CHECK(outcome.result.problems[i].itemId == outcome.result.records[i].id);
        CHECK_THAT(outcome.result.problems[i].message,
                   Catch::Contains(scenario == "detailerror" ? "VD01020099" : "HTTP status 500"));
    }
    CHECK(outcome.state.cursor == "2025-04-06T10:51:00+09:00");
    // retCd=1 is not retried; HTTP 500 is, twice
    CHECK(api.log().size() == (scenario == "detailerror" ? 2u : 4u));
}

TEST_CASE("MyJVN loopback emulator refuses what the real API would refuse",
          "[integration][myjvn]") {
    Emulator api;
    vw::CurlHttpClient http;
    const std::string base = api.endpoint("ok") + "?feed=hnd&method=";
    const char* const bad[] = {
        "getVulnOverviewList&maxCountItem=51&rangeDatePublic=n&rangeDatePublished=n&"
        "rangeDateFirstPublished=n&datePublishedStartY=2025&datePublishedStartM=1&"
        "datePublishedStartD=1&datePublishedEndY=2025&datePublishedEndM=2&datePublishedEndD=1",
        "getVulnOverviewList&maxCountItem=50&datePublishedStartY=2025&datePublishedStartM=1&"
        "datePublishedStartD=1&datePublishedEndY=2025&datePublishedEndM=2&datePublishedEndD=1",
        "getVulnOverviewList&maxCountItem=50&rangeDatePublic=n&rangeDatePublished=n&"
        "rangeDateFirstPublished=n",
        "getVulnDetailInfo&vulnId=A+B+C+D+E+F+G+H+I+J+K",
    };
    for (const char* query : bad) {
        INFO(query);
        vw::HttpRequest request;
        request.url = base + query;
        const vw::HttpResponse response = http.perform(request);
        REQUIRE(response.ok());
        CHECK(response.status == 200);
        CHECK_THAT(response.body, Catch::Contains("retCd=\"1\""));
    }
}
