// A source answered 429 or 503 with Retry-After (issue 16, fault matrix): the HTTP sources carry
// the wait in PollOutcome::retryAfter and the daemon's schedule (daemon/poll_schedule.h) polls
// the source again no earlier than that, and no later than a day; tested with the injected
// clock (core/clock.h ManualClock) and a scripted HttpClient.
#include "core/clock.h"
#include "core/http.h"
#include "daemon/poll_schedule.h"
#include "feeds/csaf_source.h"
#include "feeds/jvn_rss_source.h"
#include "feeds/kev_source.h"
#include "helpers/fake_http.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace vw;
using namespace std::chrono_literals;

namespace {

HttpResponse answer(long status, std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = "busy";
    r.headers = std::move(headers);
    return r;
}

/// Seconds from now until `name` is due.
long long dueIn(const PollSchedule& schedule, const ManualClock& clock, const std::string& name) {
    return std::chrono::duration_cast<std::chrono::seconds>(*schedule.dueAt(name) -
                                                            clock.monotonicNow())
        .count();
}

} // namespace

TEST_CASE("a failure with Retry-After waits at least that long", "[daemon][schedule]") {
    ManualClock clock(1'700'000'000);
    PollSchedule schedule(clock);
    schedule.reschedule({{"jvn", 15min}, {"kev", 15min}});
    REQUIRE(schedule.due().size() == 2);

    // Without Retry-After: the backoff (1 minute after the first failure).
    schedule.polled("kev", true, 15min);
    CHECK(dueIn(schedule, clock, "kev") == 60);

    // Retry-After 600 s beats the 1 minute backoff.
    schedule.polled("jvn", true, 15min, std::chrono::seconds(600));
    CHECK(dueIn(schedule, clock, "jvn") == 600);
    clock.advance(599s);
    CHECK(schedule.due() == std::vector<std::string>{"kev"});
    clock.advance(1s);
    CHECK(schedule.due() == std::vector<std::string>{"jvn", "kev"});

    // Retry-After shorter than the backoff: the backoff (2 minutes after the second failure).
    schedule.polled("jvn", true, 15min, std::chrono::seconds(5));
    CHECK(dueIn(schedule, clock, "jvn") == 120);

    // Longer than the interval: still honoured (the server asked), up to a day.
    schedule.polled("jvn", true, 15min, std::chrono::seconds(7200));
    CHECK(dueIn(schedule, clock, "jvn") == 7200);
    schedule.polled("jvn", true, 15min, std::chrono::seconds(10 * 86400));
    CHECK(dueIn(schedule, clock, "jvn") == 86400);

    // A success goes back to the interval.
    schedule.polled("jvn", false, 15min);
    CHECK(dueIn(schedule, clock, "jvn") == 900);
}

TEST_CASE("a Retry-After wait holds across a step of the wall clock", "[daemon][schedule]") {
    ManualClock clock(1'700'000'000);
    PollSchedule schedule(clock);
    schedule.reschedule({{"jvn", 1h}});
    schedule.polled("jvn", true, 1h, std::chrono::seconds(1800));
    clock.stepWall(24h); // the wall clock jumps a day forward: the wait is monotonic
    CHECK(schedule.due().empty());
    clock.advance(1799s);
    CHECK(schedule.due().empty());
    clock.advance(1s);
    CHECK(schedule.due().size() == 1);
}

TEST_CASE("jvn-rss and kev sources carry the Retry-After of a 429 or 503", "[daemon][feeds]") {
    test::FakeHttpClient http;
    JvnRssSource rss("rss", "https://feeds.example/rss.rdf", http, 2000, 4096, "");
    KevSource kev("kev", "https://feeds.example/kev.json", http, 2000, 4096, "");

    http.next = answer(429, {{"retry-after", "120"}});
    PollOutcome outcome = rss.poll({});
    REQUIRE(outcome.kind == PollOutcome::Kind::Error);
    CHECK(outcome.error.find("HTTP status 429") != std::string::npos);
    REQUIRE(outcome.retryAfter);
    CHECK(*outcome.retryAfter == 120);

    http.next = answer(503, {{"retry-after", "Fri, 31 Dec 2100 23:59:59 GMT"}});
    outcome = kev.poll({});
    REQUIRE(outcome.kind == PollOutcome::Kind::Error);
    REQUIRE(outcome.retryAfter);
    CHECK(*outcome.retryAfter > 365L * 86400);

    // A 500 with Retry-After, a 429 without one or with nonsense: no wait to honour.
    http.next = answer(500, {{"retry-after", "120"}});
    CHECK_FALSE(rss.poll({}).retryAfter);
    http.next = answer(429);
    CHECK_FALSE(rss.poll({}).retryAfter);
    http.next = answer(429, {{"retry-after", "soon"}});
    outcome = kev.poll({});
    CHECK(outcome.kind == PollOutcome::Kind::Error);
    CHECK_FALSE(outcome.retryAfter);
}

TEST_CASE("a csaf source carries the Retry-After of its listing", "[daemon][feeds]") {
    test::FakeHttpClient http;
    CsafSourceOptions options;
    options.url = "https://csaf.example/advisories/changes.csv";
    CsafSource csaf("csaf", options, http);
    http.next = answer(429, {{"retry-after", "300"}});
    const PollOutcome outcome = csaf.poll({});
    REQUIRE(outcome.kind == PollOutcome::Kind::Error);
    REQUIRE(outcome.retryAfter);
    CHECK(*outcome.retryAfter == 300);

    // A directory URL: its changes.csv is a second request.
    CsafSourceOptions dir;
    dir.url = "https://csaf.example/advisories/";
    CsafSource byDir("csaf-dir", dir, http);
    http.script.push_back(answer(200));
    http.script.push_back(answer(503, {{"retry-after", "45"}}));
    const PollOutcome second = byDir.poll({});
    REQUIRE(second.kind == PollOutcome::Kind::Error);
    REQUIRE(second.retryAfter);
    CHECK(*second.retryAfter == 45);
}

TEST_CASE("a csaf document that failed keeps the listing's old validators", "[daemon][feeds]") {
    // A listing with ETag E2 names two documents; one is stored, the other times out. The next
    // poll must not send If-None-Match: E2 (a 304 would hide the failed document until the
    // provider changes its listing).
    const std::string doc =
        R"({"document":{"category":"csaf_security_advisory","csaf_version":"2.0",)"
        R"("title":"Example Pump","publisher":{"category":"vendor","name":"Example",)"
        R"("namespace":"https://example.jp"},"tracking":{"id":"ICSMA-99-001-01",)"
        R"("status":"final","version":"1","initial_release_date":"2024-01-01T00:00:00Z",)"
        R"("current_release_date":"2024-01-01T00:00:00Z","revision_history":[]}},)"
        R"("vulnerabilities":[{"cve":"CVE-2099-0001","title":"Example flaw"}]})";
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_512);
    sha.update(doc);
    const std::string digest = Poco::DigestEngine::digestToHex(sha.digest());

    test::FakeHttpClient http;
    CsafSourceOptions options;
    options.url = "https://csaf.example/changes.csv";
    CsafSource csaf("csaf", options, http);
    HttpResponse listing = answer(200, {{"etag", "\"E2\""}});
    listing.body = "\"a.json\",\"2024-06-11T06:00:00Z\"\n\"b.json\",\"2024-06-10T06:00:00Z\"\n";
    HttpResponse good = answer(200);
    good.body = doc;
    HttpResponse hash = answer(200);
    hash.body = digest + "  a.json\n";
    HttpResponse stalled;
    stalled.error = "fetching https://csaf.example/b.json failed: timed out after 2000 ms";
    http.script = {listing, good, hash, stalled};

    SourceState before;
    before.etag = "\"E1\"";
    const PollOutcome outcome = csaf.poll(before);
    REQUIRE(outcome.kind == PollOutcome::Kind::Records);
    CHECK(outcome.result.records.size() == 1);
    REQUIRE(outcome.result.problems.size() == 1);
    CHECK(outcome.result.problems[0].message.find("b.json") != std::string::npos);
    CHECK(outcome.state.etag == "\"E1\"");
    CHECK(outcome.state.cursor.find("a.json") != std::string::npos);
    CHECK(outcome.state.cursor.find("b.json") == std::string::npos);

    // Everything read: the new validators are kept.
    http.script = {listing, good, hash, good, hash};
    SourceState fresh;
    const PollOutcome all = csaf.poll(fresh);
    REQUIRE(all.kind == PollOutcome::Kind::Records);
    CHECK(all.result.problems.empty());
    CHECK(all.state.etag == "\"E2\"");
}
