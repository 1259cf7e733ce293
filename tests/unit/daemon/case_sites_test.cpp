// Many sites, one view (issue 17 part 4): every case change records the user and the site
// ([daemon] site, else the host name), and a transition made on a stale view (an expected
// version that is no longer the case's last event) is refused with who changed it, where and
// when, and writes nothing.
#include "config/config.h"
#include "core/calendar.h"
#include "daemon/cases.h"
#include "helpers/case_store.h"
#include "store/cases.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

using namespace vw;

namespace {

const std::int64_t kNow = jstTime(Date{2026, 11, 24}, 10 * 3600);

Routing siteRouting(const std::string& site) {
    Routing r;
    r.site = site;
    return r;
}

using vw::test::eventCount;

std::int64_t openCase(Store& store, const Routing& r) {
    return vw::test::openManualTestCase(store, r, "Gateway", kNow);
}

using vw::test::requireProjectionHolds;

std::filesystem::path tempDatabase() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("vw-case-sites-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    return dir / "vulnwatch.db";
}

} // namespace

TEST_CASE("every case change records the user and the site", "[daemon][cases][sites]") {
    auto store = Store::inMemory();
    const Routing tokyo = siteRouting("東京");
    const Routing osaka = siteRouting("Osaka");
    const std::int64_t id = openCase(*store, tokyo);
    const Case moved = transitionCase(*store, osaka, id, CaseState::Confirming, "bob",
                                      {{"assignee", "bob"}}, kNow + 60);

    const std::vector<CaseEventRow> events = caseEvents(*store, id);
    REQUIRE(events.size() >= 2);
    CHECK(events.front().actor == "sato");
    CHECK(events.front().site == "東京");
    CHECK(actorAtSite(events.front()) == "sato @ 東京");
    const CaseEventRow& last = events.back();
    CHECK(last.seq == moved.lastEvent);
    CHECK(last.kind == "case-transition");
    CHECK(last.actor == "bob");
    CHECK(last.site == "Osaka");
    CHECK(actorAtSite(last) == "bob @ Osaka");
    // The site is a detail of the hash-chained event, beside from and state.
    bool detail = false;
    for (const auto& [name, value] : last.details) {
        detail = detail || (name == "site" && value == "Osaka");
    }
    CHECK(detail);

    const std::optional<CaseEventRow> change = lastCaseChange(*store, moved);
    REQUIRE(change);
    CHECK(change->seq == moved.lastEvent);
    CHECK(actorAtSite(*change) == "bob @ Osaka");
    // The site changes no column: the rows still equal their replay from the chain.
    requireProjectionHolds(*store);
}

TEST_CASE("the default site is the host name and an event without a site shows the user alone",
          "[daemon][cases][sites]") {
    const Routing none;
    CHECK(!hostSiteName().empty());
    CHECK(caseSite(none) == hostSiteName());
    CHECK(caseSite(siteRouting("Osaka")) == "Osaka");
    auto store = Store::inMemory();
    const std::int64_t id = openCase(*store, none);
    const std::vector<CaseEventRow> events = caseEvents(*store, id);
    REQUIRE(!events.empty());
    CHECK(events.front().site == hostSiteName());
    CaseEventRow old;
    old.actor = "daemon";
    CHECK(actorAtSite(old) == "daemon");
}

TEST_CASE("a transition on a stale version is refused and writes nothing",
          "[daemon][cases][sites]") {
    auto store = Store::inMemory();
    const Routing tokyo = siteRouting("東京");
    const Routing osaka = siteRouting("Osaka");
    const std::int64_t id = openCase(*store, tokyo);
    const std::int64_t seenByA = caseById(*store, id)->lastEvent;
    REQUIRE(seenByA > 0);

    // B at Osaka moves it first, with the version B saw.
    const Case byB = transitionCase(*store, osaka, id, CaseState::Confirming, "bob",
                                    {{"assignee", "bob"}}, kNow + 60, seenByA);
    CHECK(byB.lastEvent > seenByA);
    const int events = eventCount(*store);

    // A at Tokyo sends the form made from the version before B's change.
    try {
        transitionCase(*store, tokyo, id, CaseState::Confirming, "alice", {{"assignee", "alice"}},
                       kNow + 120, seenByA);
        FAIL("the stale transition was accepted");
    } catch (const CaseConflict& e) {
        const std::string message = e.what();
        CHECK(e.expected() == seenByA);
        CHECK(e.current().lastEvent == byB.lastEvent);
        CHECK(e.current().state == CaseState::Confirming);
        REQUIRE(e.change());
        CHECK(e.change()->actor == "bob");
        CHECK(e.change()->site == "Osaka");
        CHECK_THAT(message, Catch::Contains("bob @ Osaka"));
        CHECK_THAT(message, Catch::Contains("nothing was written"));
        CHECK_THAT(message, Catch::Contains("何も記録していません"));
        CHECK_THAT(message, Catch::Contains(std::to_string(byB.lastEvent)));
    }
    CHECK(eventCount(*store) == events);
    const Case after = *caseById(*store, id);
    CHECK(after == byB);
    CHECK(after.fields.at("assignee") == "bob");

    // A conflict is a refusal: callers that only know CaseRefused still refuse it.
    CHECK_THROWS_AS(transitionCase(*store, tokyo, id, CaseState::Evaluating, "alice",
                                   {{"finding", "present"}}, kNow + 130, seenByA),
                    CaseRefused);

    // With the version as it is now, A's transition goes through, recording A and Tokyo.
    const Case byA = transitionCase(*store, tokyo, id, CaseState::Evaluating, "alice",
                                    {{"finding", "log4j-core 2.14.1 is in the image"}}, kNow + 180,
                                    after.lastEvent);
    CHECK(byA.state == CaseState::Evaluating);
    CHECK(byA.lastEvent > after.lastEvent);
    CHECK(eventCount(*store) == events + 1);
    CHECK(actorAtSite(*lastCaseChange(*store, byA)) == "alice @ 東京");

    // Without an expected version there is no check (the CLI without --expect-version).
    const Case unchecked = transitionCase(*store, osaka, id, CaseState::Responding, "bob",
                                          {{"risk", "controlled"},
                                           {"assessment", "reachable only on the service LAN"},
                                           {"action", "mitigation"}},
                                          kNow + 240);
    CHECK(unchecked.state == CaseState::Responding);
    requireProjectionHolds(*store);
}

TEST_CASE("the version is checked under the row's lock across two connections to one store",
          "[daemon][cases][sites]") {
    const auto path = tempDatabase();
    {
        auto a = Store::open(path.string());
        auto b = Store::open(path.string());
        const std::int64_t id = openCase(*a, siteRouting("東京"));
        // Both pages were made from the same version.
        const std::int64_t seenByA = caseById(*a, id)->lastEvent;
        const std::int64_t seenByB = caseById(*b, id)->lastEvent;
        REQUIRE(seenByA == seenByB);
        transitionCase(*b, siteRouting("Osaka"), id, CaseState::Confirming, "bob",
                       {{"assignee", "bob"}}, kNow + 60, seenByB);
        CHECK_THROWS_AS(transitionCase(*a, siteRouting("東京"), id, CaseState::Confirming, "alice",
                                       {{"assignee", "alice"}}, kNow + 61, seenByA),
                        CaseConflict);
        const Case seen = *caseById(*a, id);
        CHECK(seen.fields.at("assignee") == "bob");
        CHECK(actorAtSite(*lastCaseChange(*a, seen)) == "bob @ Osaka");
        // A missing case is still "no such case", not a conflict.
        CHECK_THROWS_WITH(transitionCase(*a, siteRouting("東京"), id + 100, CaseState::Confirming,
                                         "alice", {{"assignee", "alice"}}, kNow + 62, 1),
                          Catch::Contains("there is no case"));
    }
    std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("[daemon] site names the site and a bad one is refused", "[daemon][cases][sites]") {
    const Config config = parseConfig("[daemon]\nsite = 東京\n", "test.conf", false);
    CHECK(config.site == "東京");
    CHECK(Routing(config).site == "東京");
    CHECK(parseConfig("[daemon]\nlog_level = info\n", "test.conf", false).site.empty());
    CHECK_THROWS_WITH(
        parseConfig("[daemon]\nsite = " + std::string(101, 'x') + "\n", "test.conf", false),
        Catch::Contains("is not a site name"));
    CHECK_THROWS_WITH(parseConfig("[daemon]\nsite = a\tb\n", "test.conf", false),
                      Catch::Contains("[daemon] site"));
    CHECK_THAT(redacted(config), Catch::Contains("site = 東京"));
}
