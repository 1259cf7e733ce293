// MyJvnAlertSource over the real libcurl client against tests/servers/myjvn_server.py, whose
// getAlertList answers are written for the project (no fixtures needed): paging, the query sent,
// pacing, the cursor (a second poll yields nothing new, a revised alert comes again), January's
// two years, HTTP 500 retried or failing clearly, and retCd=1.
#include "core/datetime.h"
#include "core/text.h"
#include "feeds/curl_http_client.h"
#include "feeds/myjvn_alert_source.h"
#include "helpers/fixtures.h"
#include "helpers/python_server.h"
#include "helpers/virtual_time.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using vw::test::param;

using std::chrono::milliseconds;

struct Logged {
    double atMs = 0;
    std::string target; // path?query as received
};

/// The emulator with `alerts` alerts updated in 2025 and `last` in 2024.
struct AlertEmulator {
    vw::test::PythonServer server;
    std::string token = "alerts" + std::to_string(::getpid());

    explicit AlertEmulator(int alerts = 60, int last = 3)
        : server((vw::test::sourceDir() / "tests/servers/myjvn_server.py").string(),
                 {"--alerts", std::to_string(alerts), "--alerts-year", "2025", "--alerts-last",
                  std::to_string(last)}) {}

    std::string endpoint(const std::string& scenario) const {
        return server.base() + "/" + token + "/" + scenario + "/myjvn";
    }

    std::string get(const std::string& path) const {
        vw::CurlHttpClient http;
        vw::HttpRequest request;
        request.url = server.base() + "/" + token + "/" + path;
        const vw::HttpResponse response = http.perform(request);
        REQUIRE(response.ok());
        REQUIRE(response.status == 200);
        return response.body;
    }

    std::vector<Logged> log() const {
        std::vector<Logged> out;
        std::istringstream in(get("_log"));
        std::string line;
        while (std::getline(in, line)) {
            const auto space = line.find(' ');
            out.push_back({std::stod(line.substr(0, space)), line.substr(space + 1)});
        }
        return out;
    }

    /// The alert is revised upstream: a new <updated>.
    void touch(const std::string& id, const std::string& updated) const {
        get("_touch?id=" + id + "&updated=" + vw::percentEncoded(updated));
    }
};

vw::SourceConfig config(const std::string& url) {
    vw::SourceConfig c;
    c.name = "alerts-loopback";
    c.type = "myjvn-alert";
    c.url = url;
    c.requestInterval = milliseconds(50);
    c.retries = 2;
    c.timeout = std::chrono::seconds(5);
    return c;
}

std::set<std::string> ids(const vw::PollOutcome& outcome) {
    std::set<std::string> out;
    for (const vw::Advisory& a : outcome.result.records) {
        out.insert(a.id);
    }
    return out;
}

} // namespace

TEST_CASE("MyJVN alerts loopback: paging, pacing, and a second poll that yields nothing new",
          "[integration][myjvn-alert]") {
    AlertEmulator api;
    vw::CurlHttpClient http;
    vw::MyJvnAlertSource source(config(api.endpoint("ok")), http, vw::test::loopbackPacer());

    const vw::PollOutcome first = source.poll({});
    INFO(first.error);
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    CHECK(first.result.problems.empty());
    REQUIRE(first.result.records.size() == 60);
    CHECK(ids(first).size() == 60);
    const vw::Advisory& seventh = first.result.records[6];
    CHECK(seventh.source == "myjvn-alert");
    CHECK(seventh.id == "MYJVN-ALT-2025-0007");
    CHECK(seventh.aliases == std::vector<std::string>{"CVE-2025-90007", "JVNVU#90000007"});
    CHECK(seventh.cpes == std::vector<std::string>{"cpe:/a:example:server_7"});
    CHECK(seventh.url == "https://www.ipa.go.jp/security/security-alert/2025/alert0007.html");

    std::vector<Logged> log = api.log();
    REQUIRE(log.size() == 2);
    for (const Logged& request : log) {
        INFO(request.target);
        CHECK(param(request.target, "method") == "getAlertList");
        CHECK(param(request.target, "feed") == "hnd");
        CHECK(param(request.target, "maxCountItem") == "50");
        CHECK(param(request.target, "datePublished") == "2025");
        CHECK(param(request.target, "ft") == "xml");
    }
    CHECK(param(log[0].target, "startItem") == "1");
    CHECK(param(log[1].target, "startItem") == "51");
    CHECK(log[1].atMs - log[0].atMs >= 50.0); // request_interval between the two

    const vw::PollOutcome second = source.poll(first.state);
    REQUIRE(second.kind == vw::PollOutcome::Kind::NotModified);
    CHECK(second.result.records.empty());
    CHECK(second.state.cursor == first.state.cursor);
    CHECK(api.log().size() == 4); // the list was read again, whole

    api.touch("MYJVN-ALT-2025-0007", "2025-04-07T09:30:00+09:00");
    const vw::PollOutcome third = source.poll(second.state);
    REQUIRE(third.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(third.result.records.size() == 1);
    CHECK(third.result.records[0].id == "MYJVN-ALT-2025-0007");
    CHECK(vw::formatIsoDateTime(*third.result.records[0].modified) == "2025-04-07T09:30:00+09:00");
    CHECK(source.poll(third.state).result.records.empty());
}

TEST_CASE("MyJVN alerts loopback: January reads last year's list too",
          "[integration][myjvn-alert]") {
    AlertEmulator api(5, 3);
    vw::CurlHttpClient http;
    vw::MyJvnAlertSource source(config(api.endpoint("ok")), http,
                                vw::test::loopbackPacer(2025, 1, 15));
    const vw::PollOutcome outcome = source.poll({});
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(ids(outcome) == std::set<std::string>{"MYJVN-ALT-2024-0001", "MYJVN-ALT-2024-0002",
                                                "MYJVN-ALT-2024-0003", "MYJVN-ALT-2025-0001",
                                                "MYJVN-ALT-2025-0002", "MYJVN-ALT-2025-0003",
                                                "MYJVN-ALT-2025-0004", "MYJVN-ALT-2025-0005"});
    const std::vector<Logged> log = api.log();
    REQUIRE(log.size() == 2);
    CHECK(param(log[0].target, "datePublished") == "2024");
    CHECK(param(log[1].target, "datePublished") == "2025");
}

TEST_CASE("MyJVN alerts loopback: a year without alerts is the placeholder, no records",
          "[integration][myjvn-alert]") {
    AlertEmulator api(0, 0);
    vw::CurlHttpClient http;
    vw::MyJvnAlertSource source(config(api.endpoint("ok")), http, vw::test::loopbackPacer());
    const vw::PollOutcome outcome = source.poll({});
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.empty());
    CHECK(outcome.result.problems.empty());
    CHECK(api.log().size() == 1);
}

TEST_CASE("MyJVN alerts loopback: HTTP 500 is retried", "[integration][myjvn-alert]") {
    AlertEmulator api;
    vw::CurlHttpClient http;
    vw::MyJvnAlertSource source(config(api.endpoint("flaky500")), http, vw::test::loopbackPacer());
    const vw::PollOutcome outcome = source.poll({});
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 60);
    const std::vector<Logged> log = api.log();
    REQUIRE(log.size() == 4); // each page: a 500, then its retry
    CHECK(log[1].target == log[0].target);
    CHECK(log[3].target == log[2].target);
    CHECK(log[1].atMs - log[0].atMs >= 50.0); // the backoff
}

TEST_CASE("MyJVN alerts loopback: HTTP 500 every time fails the poll clearly",
          "[integration][myjvn-alert]") {
    AlertEmulator api;
    vw::CurlHttpClient http;
    vw::MyJvnAlertSource source(config(api.endpoint("fail500")), http, vw::test::loopbackPacer());
    vw::SourceState before;
    before.cursor = "myjvn-alert 1\nMYJVN-ALT-2025-0001\t- 0000000000000000";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(outcome.error, Catch::Contains("MyJVN getAlertList (datePublished=2025, "
                                              "startItem=1) failed") &&
                                  Catch::Contains("HTTP status 500 (3 attempts)") &&
                                  Catch::Contains(api.endpoint("fail500")));
    CHECK(outcome.result.records.empty());
    CHECK(outcome.state.cursor == before.cursor);
    const std::vector<Logged> log = api.log();
    REQUIRE(log.size() == 3); // retries = 2
    CHECK(log[1].atMs - log[0].atMs >= 50.0);
    CHECK(log[2].atMs - log[1].atMs >= 100.0); // backoff doubles
}

TEST_CASE("MyJVN alerts loopback: retCd=1 is an error", "[integration][myjvn-alert]") {
    AlertEmulator api;
    vw::CurlHttpClient http;
    vw::MyJvnAlertSource source(config(api.endpoint("error")), http, vw::test::loopbackPacer());
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(outcome.error, Catch::Contains("retCd=1") && Catch::Contains("AL0703019"));
    CHECK(outcome.state.cursor.empty());
    CHECK(api.log().size() == 1);
}
