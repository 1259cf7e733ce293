// MyJvnSource with a scripted HttpClient and a virtual clock: windows and cursors, paging, the
// query parameters, detail batches and their fallback, retries, backoff, Retry-After, pacing.
// The XML documents below were written for these tests (shaped like the MyJVN examples).
#include "core/datetime.h"
#include "core/http.h"
#include "feeds/myjvn_source.h"
#include "helpers/virtual_time.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using std::chrono::milliseconds;

using vw::test::param;
using vw::test::reply;
using vw::test::Sent;
using vw::test::transportError;
using vw::test::VirtualTime;
using FakeHttpClient = vw::test::TimedHttpClient;

std::string idOf(int n) {
    char text[32];
    std::snprintf(text, sizeof text, "JVNDB-2025-%06d", 100000 + n);
    return text;
}

/// The modified date of item n: spread over 2025-04-01 … 2025-04-06.
std::string modifiedOf(int n) {
    char text[40];
    std::snprintf(text, sizeof text, "2025-04-0%dT%02d:%02d:00+09:00", 1 + n % 6, n % 24, n % 60);
    return text;
}

std::string overviewItem(int n) {
    const std::string id = idOf(n);
    const std::string url = "https://jvndb.jvn.jp/ja/contents/2025/" + id + ".html";
    return "<item rdf:about=\"" + url + "\"><title>overview " + id + "</title><link>" + url +
           "</link><description>overview text</description>"
           "<sec:identifier>" +
           id +
           "</sec:identifier><dcterms:issued>2025-03-01T10:00:00+09:00</dcterms:issued>"
           "<dcterms:modified>" +
           modifiedOf(n) + "</dcterms:modified></item>\n";
}

std::string status(const std::string& method, const std::string& retCd, const std::string& errCd,
                   const std::string& errMsg, const std::string& totalRes,
                   const std::string& totalResRet, const std::string& firstRes) {
    return "<status:Status version=\"3.3\" method=\"" + method + "\" lang=\"ja\" retCd=\"" + retCd +
           "\" retMax=\"\" errCd=\"" + errCd + "\" errMsg=\"" + errMsg + "\" totalRes=\"" +
           totalRes + "\" totalResRet=\"" + totalResRet + "\" firstRes=\"" + firstRes +
           "\" feed=\"hnd\"/>\n";
}

const char* const kRdfOpen =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rdf:RDF xmlns=\"http://purl.org/rss/1.0/\" "
    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
    "xmlns:sec=\"http://jvn.jp/rss/mod_sec/3.0/\" "
    "xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" xml:lang=\"ja\">\n"
    "<channel rdf:about=\"https://jvndb.jvn.jp/apis/myjvn\"><title>JVNDB</title>"
    "<link>https://jvndb.jvn.jp/apis/myjvn</link><description>JVNDB</description></channel>\n";

/// One getVulnOverviewList page of a listing of `total` items (ids 1…total) from `start`.
std::string overviewPage(int total, int start, int count = 50) {
    std::string xml = kRdfOpen;
    int returned = 0;
    for (int n = start; n <= total && returned < count; ++n, ++returned) {
        xml += overviewItem(n);
    }
    xml += status("getVulnOverviewList", "0", "", "", std::to_string(total),
                  std::to_string(returned), returned == 0 ? "" : std::to_string(start));
    return xml + "</rdf:RDF>\n";
}

std::string vulinfo(const std::string& id, const std::string& modified) {
    return "<Vulinfo><VulinfoID>" + id + "</VulinfoID><VulinfoData><Title>detail " + id +
           "</Title><VulinfoDescription><Overview>detail text</Overview></VulinfoDescription>"
           "<Affected><AffectedItem><Name>Example</Name><ProductName>Widget</ProductName>"
           "<Cpe version=\"2.2\">cpe:/a:example:widget</Cpe><VersionNumber>1.0</VersionNumber>"
           "</AffectedItem></Affected>"
           "<Impact><Cvss version=\"3.0\"><Severity type=\"Base\">High</Severity><Base>7.5</Base>"
           "<Vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N</Vector></Cvss></Impact>"
           "<Related><RelatedItem type=\"advisory\"><Name>Common Vulnerabilities and Exposures "
           "(CVE)</Name><VulinfoID>CVE-2025-0001</VulinfoID>"
           "<URL>https://www.cve.org/CVERecord?id=CVE-2025-0001</URL></RelatedItem></Related>"
           "<DateFirstPublished>2025-03-01T10:00:00+09:00</DateFirstPublished>"
           "<DateLastUpdated>" +
           modified +
           "</DateLastUpdated><DatePublic>2025-03-01T00:00:00+09:00</DatePublic>"
           "</VulinfoData></Vulinfo>\n";
}

const char* const kVuldefOpen =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<VULDEF-Document version=\"3.2\" xmlns=\"http://jvn.jp/vuldef/\" "
    "xmlns:vuldef=\"http://jvn.jp/vuldef/\" xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\" "
    "xmlns:sec=\"http://jvn.jp/rss/mod_sec/3.0/\" xml:lang=\"ja\">\n";

/// A MyJVN error response (retCd=1) in the root element of the method's documents.
std::string errorResponse(const std::string& method, const std::string& errCd,
                          const std::string& errMsg) {
    const bool detail = method == "getVulnDetailInfo";
    std::string xml = detail ? kVuldefOpen : kRdfOpen;
    xml += status(method, "1", errCd, errMsg, "", "", "");
    return xml + (detail ? "</VULDEF-Document>\n" : "</rdf:RDF>\n");
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    for (;;) {
        const auto end = text.find(separator, begin);
        parts.push_back(text.substr(begin, end == std::string::npos ? end : end - begin));
        if (end == std::string::npos) {
            return parts;
        }
        begin = end + 1;
    }
}

/// Item number of an id made by idOf.
int numberOf(const std::string& id) {
    return std::stoi(id.substr(11)) - 100000;
}

/// A getVulnDetailInfo answer for the ids in `url` (modified date: one day after the
/// overview's, so tests can tell detail records from overview ones), except `omit`.
std::string detailFor(const std::string& url, const std::string& omit = "") {
    std::string xml = kVuldefOpen;
    int count = 0;
    for (const std::string& id : split(param(url, "vulnId"), '+')) {
        if (id == omit) {
            continue;
        }
        std::string modified = modifiedOf(numberOf(id));
        modified[9] = static_cast<char>(modified[9] + 1); // 2025-04-0X -> 2025-04-0(X+1)
        xml += vulinfo(id, modified);
        ++count;
    }
    xml +=
        status("getVulnDetailInfo", "0", "", "", std::to_string(count), std::to_string(count), "1");
    return xml + "</VULDEF-Document>\n";
}

bool isOverview(const std::string& url) {
    return param(url, "method") == "getVulnOverviewList";
}

/// A well-behaved API with `total` items.
std::function<vw::HttpResponse(const std::string&)> api(int total) {
    return [total](const std::string& url) {
        if (isOverview(url)) {
            return reply(200, overviewPage(total, std::stoi(param(url, "startItem"))));
        }
        return reply(200, detailFor(url));
    };
}

vw::SourceConfig config() {
    vw::SourceConfig c;
    c.name = "myjvn-test";
    c.type = "myjvn";
    c.url = "https://api.example/myjvn";
    c.timeout = std::chrono::seconds(7);
    return c;
}

std::vector<std::string> ids(const vw::PollOutcome& outcome) {
    std::vector<std::string> out;
    for (const vw::Advisory& a : outcome.result.records) {
        out.push_back(a.id);
    }
    return out;
}

} // namespace

TEST_CASE("a first poll lists the last 30 days then fetches the details", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = api(3);
    vw::MyJvnSource source(config(), http, time.pacer());
    CHECK(source.name() == "myjvn-test");

    vw::SourceState before;
    before.etag = "kept";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(ids(outcome) == std::vector<std::string>{idOf(1), idOf(2), idOf(3)});
    for (const vw::Advisory& a : outcome.result.records) {
        CHECK(a.source == "vuldef");
        CHECK(a.title == "detail " + a.id);
    }
    CHECK(outcome.result.problems.empty());
    // item 3's overview date is 2025-04-04T03:03, its detail date one day later
    CHECK(outcome.state.cursor == "2025-04-05T03:03:00+09:00");
    CHECK(outcome.state.etag == "kept");

    REQUIRE(http.sent.size() == 2);
    const std::string& list = http.sent[0].url;
    CHECK(list.rfind("https://api.example/myjvn?", 0) == 0);
    CHECK(param(list, "method") == "getVulnOverviewList");
    CHECK(param(list, "feed") == "hnd");
    CHECK(param(list, "lang") == "ja");
    CHECK(param(list, "startItem") == "1");
    CHECK(param(list, "maxCountItem") == "50");
    CHECK(param(list, "rangeDatePublic") == "n");
    CHECK(param(list, "rangeDatePublished") == "n");
    CHECK(param(list, "rangeDateFirstPublished") == "n");
    // today is 2025-04-07 (JST); 30 days before is 2025-03-08
    CHECK(param(list, "datePublishedStartY") == "2025");
    CHECK(param(list, "datePublishedStartM") == "3");
    CHECK(param(list, "datePublishedStartD") == "8");
    CHECK(param(list, "datePublishedEndY") == "2025");
    CHECK(param(list, "datePublishedEndM") == "4");
    CHECK(param(list, "datePublishedEndD") == "7");
    CHECK(param(list, "datePublicStartY") == "<absent>");

    const std::string& detail = http.sent[1].url;
    CHECK(param(detail, "method") == "getVulnDetailInfo");
    CHECK(param(detail, "feed") == "hnd");
    CHECK(param(detail, "lang") == "ja");
    // a literal '+' between the ids, as the API documents
    CHECK(param(detail, "vulnId") == idOf(1) + "+" + idOf(2) + "+" + idOf(3));
    CHECK(http.sent[0].timeoutMs == 7000);
}

TEST_CASE("the window starts at the cursor's date, else at since", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = api(0);

    SECTION("cursor") {
        vw::SourceConfig c = config();
        c.since = "2024-01-01"; // the cursor wins
        c.lang = "en";
        vw::MyJvnSource source(c, http, time.pacer());
        vw::SourceState state;
        state.cursor = "2025-02-27T23:59:59+09:00";
        const vw::PollOutcome outcome = source.poll(state);
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
        CHECK(outcome.result.records.empty());
        CHECK(outcome.state.cursor == state.cursor); // nothing new: unchanged
        REQUIRE(http.sent.size() == 1);              // no detail call for no ids
        CHECK(param(http.sent[0].url, "datePublishedStartY") == "2025");
        CHECK(param(http.sent[0].url, "datePublishedStartM") == "2");
        CHECK(param(http.sent[0].url, "datePublishedStartD") == "27");
        CHECK(param(http.sent[0].url, "lang") == "en");
        CHECK(source.window(state.cursor) ==
              std::pair<std::string, std::string>{"2025-02-27", "2025-04-07"});
    }
    SECTION("since") {
        vw::SourceConfig c = config();
        c.since = "2024-12-31";
        vw::MyJvnSource source(c, http, time.pacer());
        REQUIRE(source.poll({}).kind == vw::PollOutcome::Kind::Records);
        CHECK(param(http.sent[0].url, "datePublishedStartY") == "2024");
        CHECK(param(http.sent[0].url, "datePublishedStartM") == "12");
        CHECK(param(http.sent[0].url, "datePublishedStartD") == "31");
    }
    SECTION("today is taken in JST") {
        time.wallSeconds = vw::daysFromCivil(2025, 4, 30) * 86400 + 15 * 3600 + 1; // 00:00:01 JST
        vw::MyJvnSource source(config(), http, time.pacer());
        CHECK(source.window("") == std::pair<std::string, std::string>{"2025-04-01", "2025-05-01"});
    }
    SECTION("a bad since is an error") {
        vw::SourceConfig c = config();
        c.since = "2024-02-30";
        vw::MyJvnSource source(c, http, time.pacer());
        const vw::PollOutcome outcome = source.poll({});
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains("2024-02-30"));
        CHECK(http.sent.empty());
    }
}

TEST_CASE("overview pages are walked 1, 51, 101 and details go in batches of 10",
          "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = api(123);
    vw::MyJvnSource source(config(), http, time.pacer());
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(outcome.result.records.size() == 123);
    CHECK(outcome.result.records.front().id == idOf(1));
    CHECK(outcome.result.records.back().id == idOf(123));

    std::vector<std::string> starts;
    std::size_t detailCalls = 0;
    std::size_t detailIds = 0;
    for (const Sent& s : http.sent) {
        if (isOverview(s.url)) {
            starts.push_back(param(s.url, "startItem"));
            CHECK(param(s.url, "maxCountItem") == "50");
        } else {
            ++detailCalls;
            const std::size_t n = split(param(s.url, "vulnId"), '+').size();
            CHECK(n <= 10);
            detailIds += n;
        }
    }
    CHECK(starts == std::vector<std::string>{"1", "51", "101"});
    CHECK(detailCalls == 13);
    CHECK(detailIds == 123);
}

TEST_CASE("paging stops when firstRes plus totalResRet reaches totalRes", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = api(100); // exactly two full pages: no third request
    vw::MyJvnSource source(config(), http, time.pacer());
    REQUIRE(source.poll({}).kind == vw::PollOutcome::Kind::Records);
    std::size_t overviews = 0;
    for (const Sent& s : http.sent) {
        overviews += isOverview(s.url) ? 1 : 0;
    }
    CHECK(overviews == 2);
}

TEST_CASE("short pages from the server are followed from firstRes and totalResRet",
          "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = [](const std::string& url) {
        if (isOverview(url)) { // a server that returns at most 20 per page
            return reply(200, overviewPage(45, std::stoi(param(url, "startItem")), 20));
        }
        return reply(200, detailFor(url));
    };
    vw::MyJvnSource source(config(), http, time.pacer());
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 45);
    std::vector<std::string> starts;
    for (const Sent& s : http.sent) {
        if (isOverview(s.url)) {
            starts.push_back(param(s.url, "startItem"));
        }
    }
    CHECK(starts == std::vector<std::string>{"1", "21", "41"});
}

TEST_CASE("requests are at least requestInterval apart, also across polls", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = api(25);
    vw::SourceConfig c = config();
    c.requestInterval = milliseconds(1000);
    vw::MyJvnSource source(c, http, time.pacer());
    REQUIRE(source.poll({}).kind == vw::PollOutcome::Kind::Records);
    REQUIRE(source.poll({}).kind == vw::PollOutcome::Kind::Records);
    REQUIRE(http.sent.size() == 8); // (1 overview + 3 detail) × 2
    for (std::size_t i = 1; i < http.sent.size(); ++i) {
        // from the end of one request (start + latency) to the start of the next
        CHECK(http.sent[i].at - (http.sent[i - 1].at + http.latency) >= milliseconds(1000));
        CHECK(http.sent[i].at - http.sent[i - 1].at < milliseconds(1100)); // and not much more
    }
}

TEST_CASE("5xx, 429 and transport errors are retried with exponential backoff", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    std::vector<vw::HttpResponse> failures = {reply(500), transportError("u"), reply(429),
                                              reply(503)};
    std::size_t calls = 0;
    http.handler = [&](const std::string& url) {
        if (isOverview(url) && calls < failures.size()) {
            return failures[calls++];
        }
        return api(2)(url);
    };
    vw::SourceConfig c = config();
    c.retries = 4;
    c.requestInterval = milliseconds(100);
    vw::MyJvnSource source(c, http, time.pacer());
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 2);
    REQUIRE(http.sent.size() == 6); // 5 overview attempts, 1 detail
    CHECK(time.sleeps == std::vector<milliseconds>{milliseconds(1000), milliseconds(2000),
                                                   milliseconds(4000), milliseconds(8000),
                                                   milliseconds(100)}); // last: pacing
}

TEST_CASE("an overview page that keeps failing makes the poll an error", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = [](const std::string& url) {
        if (isOverview(url) && param(url, "startItem") == "51") {
            return reply(502);
        }
        return api(80)(url);
    };
    vw::SourceConfig c = config();
    c.retries = 2;
    vw::MyJvnSource source(c, http, time.pacer());
    vw::SourceState before;
    before.cursor = "2025-04-01T00:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK(outcome.result.records.empty());
    CHECK(outcome.state.cursor == before.cursor);
    CHECK_THAT(outcome.error, Catch::Contains("startItem=51"));
    CHECK_THAT(outcome.error, Catch::Contains("HTTP status 502"));
    CHECK_THAT(outcome.error, Catch::Contains("3 attempts"));
    REQUIRE(http.sent.size() == 4); // page 1, then page 2 three times, no detail call
    // pacing before page 2, then the two backoffs
    CHECK(time.sleeps ==
          std::vector<milliseconds>{milliseconds(1000), milliseconds(1000), milliseconds(2000)});
}

TEST_CASE("a 4xx other than 429 is not retried", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = [](const std::string&) { return reply(404); };
    vw::MyJvnSource source(config(), http, time.pacer());
    const vw::PollOutcome outcome = source.poll({});
    CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(outcome.error, Catch::Contains("HTTP status 404"));
    CHECK(http.sent.size() == 1);
}

TEST_CASE("Retry-After is honoured, and one too long is not waited for", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    std::string retryAfter = "7";
    bool failed = false;
    http.handler = [&](const std::string& url) {
        if (!failed) {
            failed = true;
            return reply(503, "", {{"retry-after", retryAfter}});
        }
        return api(1)(url);
    };
    SECTION("delta-seconds") {
        vw::MyJvnSource source(config(), http, time.pacer());
        REQUIRE(source.poll({}).kind == vw::PollOutcome::Kind::Records);
        REQUIRE(http.sent.size() == 3);
        CHECK(http.sent[1].at - http.sent[0].at >= milliseconds(7000));
        CHECK(time.sleeps.front() == milliseconds(7000));
    }
    SECTION("an HTTP-date") {
        retryAfter = "Sun, 06 Apr 2025 18:00:12 GMT"; // wall clock: 2025-04-06T18:00:00Z
        time.wallSeconds = vw::daysFromCivil(2025, 4, 6) * 86400 + 18 * 3600;
        vw::MyJvnSource source(config(), http, time.pacer());
        REQUIRE(source.poll({}).kind == vw::PollOutcome::Kind::Records);
        CHECK(time.sleeps.front() == milliseconds(12000));
    }
    SECTION("longer than the limit") {
        retryAfter = "86400";
        vw::MyJvnSource source(config(), http, time.pacer());
        const vw::PollOutcome outcome = source.poll({});
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains("retry after 86400 s"));
        CHECK(http.sent.size() == 1);
        CHECK(time.sleeps.empty());
    }
}

TEST_CASE("retCd 1 on the overview is an error with errCd and errMsg, not retried",
          "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = [](const std::string&) {
        return reply(200, errorResponse("getVulnOverviewList", "VL01020003",
                                        "startItemは正の整数値のみ指定可能です。"));
    };
    vw::MyJvnSource source(config(), http, time.pacer());
    const vw::PollOutcome outcome = source.poll({});
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(outcome.error, Catch::Contains("VL01020003"));
    CHECK_THAT(outcome.error, Catch::Contains("startItemは正の整数値のみ指定可能です。"));
    CHECK(http.sent.size() == 1);
}

TEST_CASE("a detail batch that fails falls back to the overview records", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    std::size_t detailCalls = 0;
    std::string failMode;
    http.handler = [&](const std::string& url) {
        if (isOverview(url)) {
            return reply(200, overviewPage(15, std::stoi(param(url, "startItem"))));
        }
        ++detailCalls;
        if (param(url, "vulnId").find(idOf(1)) == 0) { // the first batch (ids 1…10)
            if (failMode == "500") {
                return reply(500);
            }
            return reply(200, errorResponse("getVulnDetailInfo", "VD01020099", "bad vulnId"));
        }
        return reply(200, detailFor(url, idOf(12))); // the second batch lacks id 12
    };
    vw::SourceConfig c = config();
    c.retries = 2;

    SECTION("HTTP 500 after retries") {
        failMode = "500";
        vw::MyJvnSource source(c, http, time.pacer());
        const vw::PollOutcome outcome = source.poll({});
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
        CHECK(detailCalls == 4); // 3 attempts for batch 1, one for batch 2
        REQUIRE(outcome.result.records.size() == 15);
        for (int n = 1; n <= 15; ++n) {
            const vw::Advisory& a = outcome.result.records[static_cast<std::size_t>(n - 1)];
            CHECK(a.id == idOf(n));
            CHECK(a.source == ((n <= 10 || n == 12) ? "myjvn" : "vuldef"));
        }
        REQUIRE(outcome.result.problems.size() == 11);
        CHECK(outcome.result.problems[0].itemId == idOf(1));
        CHECK(outcome.result.problems[0].position == 1);
        CHECK_THAT(outcome.result.problems[0].message, Catch::Contains("HTTP status 500"));
        CHECK_THAT(outcome.result.problems[0].message, Catch::Contains("overview record"));
        CHECK(outcome.result.problems[10].itemId == idOf(12));
        CHECK(outcome.result.problems[10].position == 12);
        CHECK_THAT(outcome.result.problems[10].message, Catch::Contains("did not return"));
        // the cursor still advances over what was collected (item 11's detail is the latest)
        CHECK(outcome.state.cursor == "2025-04-07T11:11:00+09:00");
        // Evidence: each record names the document it was read from, as received: the overview
        // page for the fallbacks, the second detail response for the others; once each.
        REQUIRE(outcome.result.rawOf.size() == 15);
        REQUIRE(outcome.result.raw.size() == 2);
        for (int n = 1; n <= 15; ++n) {
            const vw::RawDocument* raw =
                outcome.result.rawOfRecord(static_cast<std::size_t>(n - 1));
            REQUIRE(raw != nullptr);
            CHECK(raw->mediaType == "application/xml");
            const bool fallback = n <= 10 || n == 12;
            CHECK(raw->bytes ==
                  (fallback ? overviewPage(15, 1) : detailFor(http.sent.back().url, idOf(12))));
        }
    }
    SECTION("retCd 1, not retried") {
        failMode = "retCd";
        vw::MyJvnSource source(c, http, time.pacer());
        const vw::PollOutcome outcome = source.poll({});
        REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
        CHECK(detailCalls == 2);
        REQUIRE(outcome.result.problems.size() == 11);
        CHECK_THAT(outcome.result.problems[3].message, Catch::Contains("VD01020099"));
        CHECK_THAT(outcome.result.problems[3].message, Catch::Contains("bad vulnId"));
        CHECK(outcome.result.records[3].source == "myjvn");
    }
}

TEST_CASE("a cancelled wait ends the poll with an error", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = [](const std::string&) { return reply(503); };
    time.cancelled = true;
    vw::MyJvnSource source(config(), http, time.pacer());
    vw::SourceState before;
    before.cursor = "2025-04-01T00:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(outcome.error, Catch::Contains("cancelled"));
    CHECK(outcome.state.cursor == before.cursor);
    CHECK(http.sent.size() == 1);
}

TEST_CASE("the cursor never moves back", "[feeds][myjvn]") {
    VirtualTime time;
    FakeHttpClient http(time);
    http.handler = api(2); // latest detail date 2025-04-04T02:02
    vw::MyJvnSource source(config(), http, time.pacer());
    vw::SourceState before;
    before.cursor = "2025-04-06T09:00:00+09:00";
    const vw::PollOutcome outcome = source.poll(before);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 2);
    CHECK(outcome.state.cursor == before.cursor);
}

TEST_CASE("Pacer system sleeps and stops when cancelled", "[feeds][myjvn]") {
    std::atomic<bool> cancel{false};
    vw::Pacer pacer = vw::Pacer::system(&cancel);
    const auto start = std::chrono::steady_clock::now();
    CHECK(pacer.sleep(milliseconds(60)));
    CHECK(std::chrono::steady_clock::now() - start >= milliseconds(60));
    cancel = true;
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(pacer.sleep(milliseconds(60000)));
    CHECK(std::chrono::steady_clock::now() - before < milliseconds(1000));
}
