// MyJvnAlertSource with a scripted HttpClient and a virtual clock: the query, paging by
// status:Status, the years asked for (January: the last one too), pacing, retries, errors, and
// the cursor that keeps an unchanged alert list from yielding records again. The alert lists
// are written for these tests in the real format (helpers/alert_list.h).
#include "core/datetime.h"
#include "feeds/myjvn_alert_source.h"
#include "helpers/alert_list.h"
#include "helpers/virtual_time.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

using std::chrono::milliseconds;
using vw::test::param;
using vw::test::reply;
using vw::test::TimedHttpClient;
using vw::test::VirtualTime;
using Ids = std::vector<std::string>;

/// An alert of the emulated list.
struct Alert {
    std::string id;
    std::string updated; // ISO 8601
    std::string title;
};

std::string alertId(int year, int n) {
    char text[32];
    std::snprintf(text, sizeof text, "MYJVN-ALT-%04d-%04d", year, n);
    return text;
}

/// `count` alerts last updated in `year`, numbered 1…count.
std::vector<Alert> alertsOf(int year, int count) {
    std::vector<Alert> alerts;
    for (int n = 1; n <= count; ++n) {
        char updated[40];
        std::snprintf(updated, sizeof updated, "%04d-%02d-%02dT10:%02d:00+09:00", year, 1 + n % 12,
                      1 + n % 28, n % 60);
        alerts.push_back({alertId(year, n), updated, "alert " + std::to_string(n)});
    }
    return alerts;
}

std::string entryOf(const Alert& a) {
    return "  <entry>\n    <title>" + a.title + "</title>\n    <id>" + a.id +
           "</id>\n    <summary>CVE-2025-1000 を参照</summary>\n"
           "    <link href=\"https://www.ipa.go.jp/security/alert/" +
           a.id +
           ".html\" />\n    <published>2025-01-01T09:00:00+09:00</published>\n"
           "    <updated>" +
           a.updated + "</updated>\n  </entry>\n";
}

/// A getAlertList API over `byYear` (datePublished → alerts), pages of maxCountItem; a year
/// without alerts answers the no-match placeholder.
struct AlertApi {
    std::map<int, std::vector<Alert>> byYear;

    vw::HttpResponse operator()(const std::string& url) const {
        const int year = std::stoi(param(url, "datePublished"));
        const long start = std::stol(param(url, "startItem"));
        const long count = std::stol(param(url, "maxCountItem"));
        const auto found = byYear.find(year);
        if (found == byYear.end() || found->second.empty()) {
            return reply(200, vw::test::alertList(vw::test::noMatchEntry(),
                                                  vw::test::alertListStatus(0, 0, 0)));
        }
        const std::vector<Alert>& alerts = found->second;
        std::string entries;
        long returned = 0;
        for (long i = start - 1; i < static_cast<long>(alerts.size()) && returned < count;
             ++i, ++returned) {
            entries += entryOf(alerts[static_cast<std::size_t>(i)]);
        }
        return reply(200, vw::test::alertList(
                              entries, vw::test::alertListStatus(static_cast<long>(alerts.size()),
                                                                 returned, start)));
    }
};

vw::SourceConfig config() {
    vw::SourceConfig c;
    c.name = "alerts";
    c.type = "myjvn-alert";
    c.url = "https://api.example/myjvn";
    c.timeout = std::chrono::seconds(9);
    c.requestInterval = milliseconds(1000);
    c.retries = 2;
    return c;
}

Ids ids(const vw::PollOutcome& outcome) {
    Ids out;
    for (const vw::Advisory& a : outcome.result.records) {
        out.push_back(a.id);
    }
    return out;
}

Ids idsOf(const std::vector<Alert>& alerts) {
    Ids out;
    for (const Alert& a : alerts) {
        out.push_back(a.id);
    }
    return out;
}

} // namespace

TEST_CASE("myjvn-alert source: pages through this year's alert list, paced",
          "[feeds][myjvn-alert-source]") {
    VirtualTime time; // 2025-04-07 JST
    TimedHttpClient http(time);
    AlertApi api;
    api.byYear[2025] = alertsOf(2025, 60);
    http.handler = api;
    vw::MyJvnAlertSource source(config(), http, time.pacer());
    CHECK(source.name() == "alerts");
    CHECK(source.years() == std::vector<int>{2025});

    vw::SourceState before;
    before.etag = "kept";
    const vw::PollOutcome outcome = source.poll(before);
    INFO(outcome.error);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(ids(outcome) == idsOf(api.byYear[2025]));
    CHECK(outcome.result.problems.empty());
    for (const vw::Advisory& a : outcome.result.records) {
        CHECK(a.source == "myjvn-alert");
        CHECK(a.aliases == Ids{"CVE-2025-1000"});
    }
    CHECK(outcome.state.etag == "kept");
    CHECK(outcome.state.cursor.starts_with("myjvn-alert 1\n"));

    REQUIRE(http.sent.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const std::string& url = http.sent[i].url;
        INFO(url);
        CHECK(url.starts_with("https://api.example/myjvn?method=getAlertList&"));
        CHECK(param(url, "feed") == "hnd");
        CHECK(param(url, "maxCountItem") == "50");
        CHECK(param(url, "datePublished") == "2025");
        CHECK(param(url, "ft") == "xml");
        CHECK(param(url, "lang") == "<absent>"); // getAlertList takes no lang
        CHECK(http.sent[i].timeoutMs == 9000);
    }
    CHECK(param(http.sent[0].url, "startItem") == "1");
    CHECK(param(http.sent[1].url, "startItem") == "51");
    // request_interval from the end of one request (30 ms of latency) to the next
    CHECK(http.sent[1].at - http.sent[0].at == milliseconds(1030));
    CHECK(time.sleeps == std::vector<milliseconds>{milliseconds(1000)});
}

TEST_CASE("myjvn-alert source: an unchanged list yields nothing, a changed alert comes again",
          "[feeds][myjvn-alert-source]") {
    VirtualTime time;
    TimedHttpClient http(time);
    AlertApi api;
    api.byYear[2025] = alertsOf(2025, 3);
    http.handler = [&api](const std::string& url) { return api(url); };
    vw::MyJvnAlertSource source(config(), http, time.pacer());

    const vw::PollOutcome first = source.poll({});
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    CHECK(ids(first).size() == 3);
    CHECK(vw::MyJvnAlertSource::readCursor(first.state.cursor).size() == 3);

    const vw::PollOutcome second = source.poll(first.state);
    REQUIRE(second.kind == vw::PollOutcome::Kind::NotModified); // nothing to write
    CHECK(second.result.records.empty());
    CHECK(second.result.problems.empty());
    CHECK(second.state.cursor == first.state.cursor);
    CHECK(http.sent.size() == 2); // the list is fetched each time

    SECTION("a new updated date") {
        api.byYear[2025][1].updated = "2025-04-07T09:00:00+09:00";
        const vw::PollOutcome third = source.poll(second.state);
        CHECK(ids(third) == Ids{alertId(2025, 2)});
        CHECK(source.poll(third.state).result.records.empty());
    }
    SECTION("changed content under the same updated date") {
        api.byYear[2025][2].title = "alert 3 (改訂)";
        const vw::PollOutcome third = source.poll(second.state);
        CHECK(ids(third) == Ids{alertId(2025, 3)});
        REQUIRE(third.result.records.size() == 1);
        CHECK(third.result.records[0].title == "alert 3 (改訂)");
    }
    SECTION("a new alert") {
        api.byYear[2025].push_back({alertId(2025, 4), "2025-04-07T11:00:00+09:00", "alert 4"});
        const vw::PollOutcome third = source.poll(second.state);
        CHECK(ids(third) == Ids{alertId(2025, 4)});
        CHECK(vw::MyJvnAlertSource::readCursor(third.state.cursor).size() == 4);
    }
    SECTION("a cursor of another form counts as none") {
        vw::SourceState foreign;
        foreign.cursor = "2025-04-01T00:00:00+09:00"; // e.g. the source was type myjvn before
        CHECK(source.poll(foreign).result.records.size() == 3);
    }
}

TEST_CASE("myjvn-alert source: in January last year's list is read too",
          "[feeds][myjvn-alert-source]") {
    VirtualTime time;
    time.wallSeconds = vw::daysFromCivil(2025, 1, 10) * 86400; // 2025-01-10T09:00+09:00
    TimedHttpClient http(time);
    AlertApi api;
    api.byYear[2024] = alertsOf(2024, 2);
    api.byYear[2025] = alertsOf(2025, 1);
    http.handler = api;
    vw::MyJvnAlertSource source(config(), http, time.pacer());
    CHECK(source.years() == std::vector<int>{2024, 2025});
    const vw::PollOutcome january = source.poll({});
    REQUIRE(january.kind == vw::PollOutcome::Kind::Records);
    CHECK(ids(january) == Ids{alertId(2024, 1), alertId(2024, 2), alertId(2025, 1)});
    REQUIRE(http.sent.size() == 2);
    CHECK(param(http.sent[0].url, "datePublished") == "2024");
    CHECK(param(http.sent[1].url, "datePublished") == "2025");

    // 2024-12-31T15:00Z is already 2025-01-01 in JST; 2024-12-31T14:59:59Z is not
    time.wallSeconds = vw::daysFromCivil(2024, 12, 31) * 86400 + 15 * 3600;
    CHECK(source.years() == std::vector<int>{2024, 2025});
    time.wallSeconds -= 1;
    CHECK(source.years() == std::vector<int>{2024});

    // February: only this year; last year's alerts leave the cursor (a change to store)
    time.wallSeconds = vw::daysFromCivil(2025, 2, 1) * 86400;
    const vw::PollOutcome february = source.poll(january.state);
    CHECK(february.kind == vw::PollOutcome::Kind::Records);
    CHECK(february.result.records.empty());
    CHECK(vw::MyJvnAlertSource::readCursor(february.state.cursor).size() == 1);
}

TEST_CASE("myjvn-alert source: a year without alerts answers the placeholder",
          "[feeds][myjvn-alert-source]") {
    VirtualTime time;
    TimedHttpClient http(time);
    http.handler = AlertApi{};
    vw::MyJvnAlertSource source(config(), http, time.pacer());
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.empty());
    CHECK(outcome.result.problems.empty());
    CHECK(http.sent.size() == 1);
    CHECK(vw::MyJvnAlertSource::readCursor(outcome.state.cursor).empty());
}

TEST_CASE("myjvn-alert source: failures leave the state as it was", "[feeds][myjvn-alert-source]") {
    VirtualTime time;
    TimedHttpClient http(time);
    vw::MyJvnAlertSource source(config(), http, time.pacer());
    vw::SourceState before;
    before.cursor = "myjvn-alert 1\nMYJVN-ALT-2025-0001\t2025-01-01T00:00:00+09:00 0";

    SECTION("retCd=1") {
        http.handler = [](const std::string&) {
            return reply(200, vw::test::alertList("", vw::test::alertListStatus(
                                                          0, 0, 0, 1, "AL0703019",
                                                          "datePublishedの指定が不正です。")));
        };
        const vw::PollOutcome outcome = source.poll(before);
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error,
                   Catch::Contains("getAlertList (datePublished=2025, startItem=1)") &&
                       Catch::Contains("AL0703019"));
        CHECK(outcome.state.cursor == before.cursor);
        CHECK(http.sent.size() == 1); // an API error is not retried
    }
    SECTION("HTTP 500 every time: retried, then the poll fails") {
        http.handler = [](const std::string&) { return reply(500, "oops"); };
        const vw::PollOutcome outcome = source.poll(before);
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains("HTTP status 500 (3 attempts)"));
        CHECK(outcome.state.cursor == before.cursor);
        CHECK(http.sent.size() == 3);
        // backoff 1 s, then 2 s (each at least request_interval)
        CHECK(time.sleeps == std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)});
    }
    SECTION("HTTP 500 once: retried and read") {
        AlertApi api;
        api.byYear[2025] = alertsOf(2025, 2);
        int calls = 0;
        http.handler = [&](const std::string& url) { return ++calls == 1 ? reply(500) : api(url); };
        const vw::PollOutcome outcome = source.poll(before);
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
        CHECK(outcome.result.records.size() == 2);
        CHECK(http.sent.size() == 2);
        CHECK(http.sent[1].url == http.sent[0].url);
    }
    SECTION("a page that is no alert list") {
        AlertApi api;
        api.byYear[2025] = alertsOf(2025, 55);
        http.handler = [&](const std::string& url) {
            return param(url, "startItem") == "51" ? reply(200, "<html>maintenance</html>")
                                                   : api(url);
        };
        const vw::PollOutcome outcome = source.poll(before);
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error,
                   Catch::Contains("startItem=51") && Catch::Contains("expected an Atom <feed>"));
        CHECK(outcome.result.records.empty());
        CHECK(outcome.state.cursor == before.cursor);
    }
    SECTION("cancelled while pacing") {
        AlertApi api;
        api.byYear[2025] = alertsOf(2025, 55);
        http.handler = [&](const std::string& url) {
            time.cancelled = true; // stop requested during the first request
            return api(url);
        };
        const vw::PollOutcome outcome = source.poll(before);
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains("cancelled"));
        CHECK(http.sent.size() == 1);
    }
}

TEST_CASE("myjvn-alert source: problems travel with their alert", "[feeds][myjvn-alert-source]") {
    VirtualTime time;
    TimedHttpClient http(time);
    const std::string bad = "  <entry>\n    <title>x</title>\n    <id>MYJVN-ALT-2025-0009</id>\n"
                            "    <updated>not a date</updated>\n  </entry>\n";
    const std::string anonymous = "  <entry>\n    <title>no id</title>\n  </entry>\n";
    http.handler = [&](const std::string&) {
        return reply(200, vw::test::alertList(anonymous + bad, vw::test::alertListStatus(2, 2, 1)));
    };
    vw::MyJvnAlertSource source(config(), http, time.pacer());
    const vw::PollOutcome first = source.poll({});
    REQUIRE(first.result.records.size() == 1);
    REQUIRE(first.result.problems.size() == 2);
    CHECK(first.result.problems[0].position == 1);
    CHECK_THAT(first.result.problems[0].message, Catch::StartsWith("datePublished=2025: "));
    CHECK(first.result.problems[1].itemId == "MYJVN-ALT-2025-0009");
    // the unchanged alert's problem is not repeated; the entry without an id is, every time
    const vw::PollOutcome second = source.poll(first.state);
    CHECK(second.result.records.empty());
    REQUIRE(second.result.problems.size() == 1);
    CHECK(second.result.problems[0].itemId.empty());
}

TEST_CASE("myjvn-alert source: the cursor text", "[feeds][myjvn-alert-source]") {
    const std::map<std::string, std::string> stamps = {
        {"JPCERT-AT-2021-0050", "2021-12-17T17:46:00+09:00 0123456789abcdef"},
        {"MYJVN-ALT-2025-0011", "- fedcba9876543210"}};
    const std::string text = vw::MyJvnAlertSource::writeCursor(stamps);
    CHECK(text == "myjvn-alert 1\nJPCERT-AT-2021-0050\t2021-12-17T17:46:00+09:00 0123456789abcdef\n"
                  "MYJVN-ALT-2025-0011\t- fedcba9876543210");
    CHECK(vw::MyJvnAlertSource::readCursor(text) == stamps);
    CHECK(vw::MyJvnAlertSource::readCursor("").empty());
    CHECK(vw::MyJvnAlertSource::readCursor("2025-01-01T00:00:00+09:00").empty());

    vw::Advisory a;
    a.id = "X";
    CHECK(vw::MyJvnAlertSource::cursorStamp(a).starts_with("- "));
    a.published = vw::parseIsoDateTime("2025-01-01T00:00:00+09:00");
    const std::string published = vw::MyJvnAlertSource::cursorStamp(a);
    CHECK(published.starts_with("2025-01-01T00:00:00+09:00 "));
    CHECK(published.size() == 25 + 1 + 16);
    a.modified = vw::parseIsoDateTime("2025-02-01T00:00:00+09:00");
    CHECK(vw::MyJvnAlertSource::cursorStamp(a).starts_with("2025-02-01T00:00:00+09:00 "));
    const auto fingerprint = [](const vw::Advisory& record) {
        const std::string stamp = vw::MyJvnAlertSource::cursorStamp(record);
        return stamp.substr(stamp.size() - 16);
    };
    vw::Advisory changed = a;
    changed.title = "changed";
    CHECK(fingerprint(changed) != fingerprint(a));
    CHECK(fingerprint(a) == fingerprint(vw::Advisory(a)));
}
