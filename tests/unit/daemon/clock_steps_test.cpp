// The wall clock stepping back an hour and forward a day (issue 16 part 6), with an injected
// clock (core/clock.h ManualClock): the poll schedule runs on the monotonic clock (no poll
// storm, no day without polls), digests and case clocks on the wall clock (each digest and
// each breach notice made once, none lost). The daemon loop's own steps (daemon/run.cpp) are
// the PollSchedule calls simulated here round by round.
#include "config/config.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/datetime.h"
#include "daemon/cases.h"
#include "daemon/digest.h"
#include "daemon/pipeline.h"
#include "daemon/poll_schedule.h"
#include "helpers/case_store.h"
#include "store/cases.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

using namespace vw;
using namespace std::chrono_literals;

namespace {

/// Unix seconds of a time in Japan (UTC+9).
std::int64_t jst(int y, int m, int d, int hh, int mm) {
    return daysFromCivil(y, m, d) * 86400 + (hh - 9) * 3600 + mm * 60;
}

/// The daemon loop of daemon/run.cpp reduced to its timing: poll what is due (every poll
/// succeeds, or fails when `failing`), then sleep until wakeAt(); the clock advances by the
/// sleep. Counts the polls per source.
struct Loop {
    ManualClock& clock;
    PollSchedule schedule;
    std::map<std::string, int> polls;
    std::map<std::string, std::chrono::seconds> intervals;
    bool failing = false;
    std::optional<std::int64_t> digestAt;
    int wakeups = 0;

    Loop(ManualClock& c, std::map<std::string, std::chrono::seconds> sources)
        : clock(c), schedule(c), intervals(std::move(sources)) {
        std::vector<PollSchedule::Source> list;
        for (const auto& [name, interval] : intervals) {
            list.push_back({name, interval});
        }
        schedule.reschedule(list);
    }

    /// Runs rounds until `span` of real (monotonic) time has passed.
    void run(std::chrono::seconds span) {
        const Clock::Monotonic end = clock.monotonicNow() + span;
        while (clock.monotonicNow() < end) {
            for (const std::string& name : schedule.due()) {
                ++polls[name];
                schedule.polled(name, failing, intervals[name]);
            }
            const Clock::Monotonic wake = schedule.wakeAt(digestAt, 30s);
            REQUIRE(wake > clock.monotonicNow()); // never a busy loop
            REQUIRE(wake <= clock.monotonicNow() + 30s);
            clock.advance(std::chrono::duration_cast<std::chrono::seconds>(
                wake - clock.monotonicNow() + 999ms));
            ++wakeups;
        }
    }
};

const std::string kDigestConfig =
    "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\n"
    "from = vw@example.jp\nmode = digest\n"
    "[source.feed]\ntype = jvn-rss\nurl = https://x.example.jp/a.rdf\n";

DigestItemRow digestItem(const std::string& advisory, std::int64_t createdAt) {
    DigestItemRow row;
    row.owner = "a@example.jp";
    row.notifier = "mail";
    row.recipient = "a@example.jp";
    row.itemKey = "new\x1f" + advisory + "\x1fViewer";
    row.kind = "new";
    row.clusterKey = advisory;
    row.advisory = advisory;
    row.title = "title of " + advisory;
    row.url = "https://jvndb.jvn.jp/" + advisory;
    row.score = 7.5;
    row.product = "Viewer";
    row.version = "1.0";
    row.verdict = "affected";
    row.confidence = 90;
    row.createdAt = createdAt;
    return row;
}

int outboxCount(Store& store) {
    auto q = store.db().prepare("SELECT count(*) FROM outbox");
    REQUIRE(q.step());
    return static_cast<int>(q.integer(0));
}

using vw::test::eventCount;

Advisory criticalAdvisory() {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.cvss = {{"3.0", 10.0, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

Product viewer() {
    Product p;
    p.name = "Example Imaging Viewer";
    p.version = "3.2";
    p.owners = {"owner@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     "2.14.1",
                     {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

Routing caseRouting() {
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    mail.mode = "digest";
    return Routing({mail});
}

} // namespace

TEST_CASE("polls keep their pace when the wall clock steps back an hour", "[daemon][clock]") {
    ManualClock clock(jst(2026, 4, 28, 10, 0));
    Loop loop(clock, {{"rss", 15min}, {"kev", 24h}});
    loop.run(1h);
    CHECK(loop.polls["rss"] == 4); // at 0, 15, 30 and 45 minutes
    CHECK(loop.polls["kev"] == 1);
    clock.stepWall(-1h);
    loop.run(1h);
    // No storm and no pause: the same pace as before the step.
    CHECK(loop.polls["rss"] == 8);
    CHECK(loop.polls["kev"] == 1);
}

TEST_CASE("polls are not skipped for a day when the wall clock steps forward a day",
          "[daemon][clock]") {
    ManualClock clock(jst(2026, 4, 28, 10, 0));
    Loop loop(clock, {{"rss", 15min}, {"kev", 24h}});
    loop.run(30min);
    CHECK(loop.polls["rss"] == 2);
    clock.stepWall(24h);
    loop.run(30min);
    // Neither every source at once (kev stays a day away) nor a day without polls.
    CHECK(loop.polls["rss"] == 4);
    CHECK(loop.polls["kev"] == 1);
}

TEST_CASE("the failure backoff and the sleep ignore wall clock steps", "[daemon][clock]") {
    ManualClock clock(jst(2026, 4, 28, 10, 0));
    Loop loop(clock, {{"rss", 15min}});
    loop.failing = true;
    loop.run(1s); // the first poll, failed: next in 1 minute
    REQUIRE(loop.polls["rss"] == 1);
    const auto due = *loop.schedule.dueAt("rss");
    CHECK(due - clock.monotonicNow() <= 60s);
    clock.stepWall(-1h);
    CHECK(*loop.schedule.dueAt("rss") == due);
    clock.stepWall(25h);
    CHECK(*loop.schedule.dueAt("rss") == due);
    CHECK(loop.schedule.due().empty());
    // Backoff 1, 2, 4, 8 minutes: polls at 0, 1, 3, 7, 15 minutes of monotonic time.
    loop.run(15min);
    CHECK(loop.polls["rss"] == 5);
}

TEST_CASE("the sleep towards a digest notices a wall clock step within 30 seconds",
          "[daemon][clock]") {
    ManualClock clock(jst(2026, 4, 28, 8, 0));
    PollSchedule schedule(clock);
    schedule.reschedule({{"kev", 24h}});
    schedule.polled("kev", false, 24h);
    const std::int64_t digest = jst(2026, 4, 28, 8, 30);
    // 30 minutes away: the sleep is at most 30 s, and measured again at each wake-up.
    CHECK(schedule.wakeAt(digest, 30s) == clock.monotonicNow() + 30s);
    clock.stepWall(24h); // the digest time is now in the past: no sleep towards it
    CHECK(schedule.wakeAt(digest, 30s) == clock.monotonicNow() + 30s);
    clock.stepWall(-24h + 29min + 50s); // 08:29:50, 10 s before it
    CHECK(schedule.wakeAt(digest, 30s) == clock.monotonicNow() + 10s);
}

TEST_CASE("a digest is made once when the wall clock steps back an hour after it",
          "[daemon][clock][digest]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(kDigestConfig, "t.conf");
    REQUIRE(store->addDigestItem(digestItem("JVNDB-2026-000001", jst(2026, 6, 8, 14, 0))));
    ManualClock clock(jst(2026, 6, 9, 8, 30));
    REQUIRE(makeDueDigests(*store, config, clock.wallNow()).size() == 1);
    CHECK(outboxCount(*store) == 1);
    clock.advance(10s);
    clock.stepWall(-1h); // 07:30:10: before the digest already made
    for (int minute = 0; minute < 120; ++minute) {
        CHECK(makeDueDigests(*store, config, clock.wallNow()).empty());
        clock.advance(60s);
    }
    // Two hours on (08:30 and 09:30 passed again): still one digest.
    CHECK(outboxCount(*store) == 1);
    // An item that arrives in the repeated hour goes in the next day's digest, once.
    REQUIRE(store->addDigestItem(digestItem("JVNDB-2026-000002", clock.wallNow())));
    CHECK(nextDigestDue(*store, config, clock.wallNow()) == jst(2026, 6, 10, 8, 30));
    CHECK(makeDueDigests(*store, config, jst(2026, 6, 10, 8, 30)).size() == 1);
    CHECK(outboxCount(*store) == 2);
}

TEST_CASE("digests due in a day the wall clock skipped are made once", "[daemon][clock][digest]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(kDigestConfig, "t.conf");
    REQUIRE(store->addDigestItem(digestItem("JVNDB-2026-000001", jst(2026, 6, 8, 14, 0))));
    ManualClock clock(jst(2026, 6, 9, 8, 0));
    CHECK(makeDueDigests(*store, config, clock.wallNow()).empty());
    clock.stepWall(24h + 1h); // 2026-06-10 09:00: the 06-09 and 06-10 08:30 schedules skipped
    const auto made = makeDueDigests(*store, config, clock.wallNow());
    REQUIRE(made.size() == 1);
    CHECK(made[0].items == 1);
    for (int round = 0; round < 10; ++round) {
        clock.advance(30s);
        CHECK(makeDueDigests(*store, config, clock.wallNow()).empty());
    }
    CHECK(outboxCount(*store) == 1);
}

TEST_CASE("a case clock breach is noticed once across wall clock steps", "[daemon][clock][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    const Routing routing = caseRouting();
    // Tuesday 2026-04-28 10:00 JST; a Critical case's decide clock ends Friday 5/1 18:00.
    const std::int64_t received = jstTime(Date{2026, 4, 28}, 10 * 3600);
    ParseResult batch;
    batch.records.push_back(criticalAdvisory());
    ingestBatch(*store, routing, "vuldef", batch, received);
    const auto cases = listCases(*store, {});
    REQUIRE(cases.size() == 1);
    const std::int64_t due = cases[0].decideDue;
    REQUIRE(due == jstTime(Date{2026, 5, 1}, 18 * 3600));
    const int outboxBefore = outboxCount(*store);

    SECTION("the breach is noticed once when the clock steps back an hour after it") {
        ManualClock clock(due + 30);
        CHECK(caseTick(*store, routing, clock.wallNow()).breaches == 1);
        const int notices = outboxCount(*store) - outboxBefore;
        CHECK(notices >= 1);
        clock.stepWall(-1h); // before the deadline again
        for (int round = 0; round < 200; ++round) {
            CHECK(caseTick(*store, routing, clock.wallNow()).breaches == 0);
            clock.advance(30s);
        }
        CHECK(eventCount(*store, "case-breach") == 1);
        CHECK(outboxCount(*store) - outboxBefore == notices);
    }
    SECTION("a step back before the deadline delays the breach but does not lose it") {
        ManualClock clock(due - 600);
        CHECK(caseTick(*store, routing, clock.wallNow()).breaches == 0);
        clock.stepWall(-1h);
        int breaches = 0;
        for (int round = 0; round < 200; ++round) { // 100 minutes: past the deadline again
            breaches += caseTick(*store, routing, clock.wallNow()).breaches;
            clock.advance(30s);
        }
        CHECK(breaches == 1);
        CHECK(eventCount(*store, "case-breach") == 1);
    }
    SECTION("a step forward over the deadline notices it once at the next tick") {
        ManualClock clock(due - 3600);
        CHECK(caseTick(*store, routing, clock.wallNow()).breaches == 0);
        clock.stepWall(24h);
        CHECK(caseTick(*store, routing, clock.wallNow()).breaches == 1);
        for (int round = 0; round < 10; ++round) {
            clock.advance(30s);
            CHECK(caseTick(*store, routing, clock.wallNow()).breaches == 0);
        }
        CHECK(eventCount(*store, "case-breach") == 1);
        CHECK(caseById(*store, cases[0].id)->breached == std::vector<std::string>{"decide"});
    }
}
