// Many sites, one view (issue 17 part 4; docs/cases.md "Sites", docs/notices.md): every write a
// triager makes from a possibly stale view is checked like a transition. SSVC points with an
// expected case version that is no longer the case's last event are refused (CaseConflict),
// and so are a notice's approval and sending with an expected notice version (the id of the
// notice's last event) that is no longer its last (NoticeConflict); nothing is written. Every
// notice event records the site, as case events do.
#include "config/config.h"
#include "core/calendar.h"
#include "daemon/cases.h"
#include "daemon/notices.h"
#include "helpers/case_store.h"
#include "store/cases.h"
#include "store/installbase.h"
#include "store/notices.h"
#include "store/users.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

using namespace vw;

namespace {

const std::int64_t kNow = jstTime(Date{2026, 11, 24}, 10 * 3600);
const std::string kProduct = "Gateway";

Routing siteRouting(const std::string& site) {
    Routing r;
    r.site = site;
    return r;
}

Config siteConfig(const std::string& site) {
    Config c;
    c.site = site;
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    c.notifiers.push_back(mail);
    return c;
}

using vw::test::eventCount;

std::int64_t openCase(Store& store, const Routing& r) {
    return vw::test::openManualTestCase(store, r, kProduct, kNow);
}

/// A case in informing with an install base of one hospital, and two triagers.
std::int64_t informingCase(Store& store) {
    const Routing r = siteRouting("札幌");
    const std::int64_t id = openCase(store, r);
    transitionCase(store, r, id, CaseState::Confirming, "sato", {{"assignee", "sato"}}, kNow);
    transitionCase(store, r, id, CaseState::Evaluating, "sato", {{"finding", "open port"}}, kNow);
    transitionCase(store, r, id, CaseState::Responding, "sato",
                   {{"risk", "uncontrolled"},
                    {"assessment", "remote"},
                    {"action", "fix"},
                    {"target_version", "1.1"}},
                   kNow);
    transitionCase(store, r, id, CaseState::Informing, "sato",
                   {{"remedy", "close the port"}, {"fixed_version", "1.1"}}, kNow);
    InstallBaseEntry e;
    e.siteId = "S001";
    e.siteName = "中央病院";
    e.product = kProduct;
    e.version = "1.0";
    e.role = "hospital";
    e.contactEmail = "yamada@chuo.example.jp";
    e.contactName = "施設担当";
    replaceInstallBase(store, {e}, kNow);
    for (const char* name : {"alice", "bob", "carol"}) {
        addUser(store, name, UserRole::Triager, "correct horse battery staple", {kProduct}, "setup",
                kNow);
    }
    return id;
}

std::string detail(const CaseEventRow& e, const std::string& name) {
    for (const auto& [key, value] : e.details) {
        if (key == name) {
            return value;
        }
    }
    return "";
}

using vw::test::requireProjectionHolds;

} // namespace

TEST_CASE("SSVC points on a stale version are refused and write nothing",
          "[daemon][cases][sites]") {
    auto store = Store::inMemory();
    const Routing tokyo = siteRouting("東京");
    const Routing osaka = siteRouting("Osaka");
    const std::int64_t id = openCase(*store, tokyo);
    const std::int64_t seen = caseById(*store, id)->lastEvent;

    // bob at Osaka sets the points first, with the version he saw.
    const Case byBob =
        setCaseSsvc(*store, osaka, id, "bob", {{"exploitation", "active"}}, kNow + 60, seen);
    CHECK(byBob.lastEvent > seen);
    CHECK(byBob.fields.at("ssvc_exploitation") == "active");
    const CaseEventRow setByBob = *lastCaseChange(*store, byBob);
    CHECK(actorAtSite(setByBob) == "bob @ Osaka");
    // The case-ssvc event itself records the user and site (the re-evaluation after it may add
    // a priority event of its own).
    bool ssvcEventAtOsaka = false;
    for (const CaseEventRow& e : caseEvents(*store, id)) {
        ssvcEventAtOsaka = ssvcEventAtOsaka || (e.kind == "case-ssvc" && e.actor == "bob" &&
                                                e.site == "Osaka" && detail(e, "site") == "Osaka");
    }
    CHECK(ssvcEventAtOsaka);
    const int events = eventCount(*store);

    // alice at 東京 sends the form made from the version before bob's change.
    try {
        setCaseSsvc(*store, tokyo, id, "alice", {{"exploitation", "none"}}, kNow + 120, seen);
        FAIL("the stale SSVC points were accepted");
    } catch (const CaseConflict& e) {
        const std::string message = e.what();
        CHECK(e.expected() == seen);
        CHECK(e.current().lastEvent == byBob.lastEvent);
        REQUIRE(e.change());
        CHECK(e.change()->site == "Osaka");
        CHECK_THAT(message, Catch::Contains("bob @ Osaka"));
        CHECK_THAT(message, Catch::Contains("nothing was written"));
        CHECK_THAT(message, Catch::Contains("何も記録していません"));
        CHECK_THAT(message, Catch::Contains("vulnwatch cases show " + std::to_string(id)));
    }
    CHECK(eventCount(*store) == events);
    CHECK(*caseById(*store, id) == byBob);

    // A stale version is a conflict even where the points themselves would be refused: the
    // version is compared first, under the row's lock.
    CHECK_THROWS_AS(setCaseSsvc(*store, tokyo, id, "alice", {{"bogus", "x"}}, kNow + 130, seen),
                    CaseConflict);
    // A missing case is still "no such case".
    CHECK_THROWS_WITH(
        setCaseSsvc(*store, tokyo, id + 100, "alice", {{"exploitation", "none"}}, kNow + 130, seen),
        Catch::Contains("there is no case"));

    // With the version as it is now, alice's points go through, recording alice at 東京.
    const Case byAlice = setCaseSsvc(*store, tokyo, id, "alice", {{"exploitation", "none"}},
                                     kNow + 180, byBob.lastEvent);
    CHECK(byAlice.fields.at("ssvc_exploitation") == "none");
    bool atTokyo = false;
    for (const CaseEventRow& e : caseEvents(*store, id)) {
        atTokyo = atTokyo || (e.kind == "case-ssvc" && actorAtSite(e) == "alice @ 東京");
    }
    CHECK(atTokyo);
    // Without an expected version nothing is compared (`cases ssvc` without --expect-version).
    CHECK(setCaseSsvc(*store, osaka, id, "bob", {{"automatable", "yes"}}, kNow + 240)
              .fields.at("ssvc_automatable") == "yes");
    requireProjectionHolds(*store);
}

TEST_CASE("notice events record the site and a stale approval or sending is refused",
          "[daemon][notices][sites]") {
    auto store = Store::inMemory();
    const std::int64_t caseId = informingCase(*store);
    const Config tokyo = siteConfig("東京");
    const Config osaka = siteConfig("Osaka");

    const Notice prepared = prepareNotice(*store, tokyo, caseId, "alice", "", kNow + 10);
    std::vector<CaseEventRow> events = noticeEvents(*store, prepared);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == "notice-prepare");
    CHECK(events[0].site == "東京");
    CHECK(detail(events[0], "site") == "東京");
    CHECK(actorAtSite(events[0]) == "alice @ 東京");
    const std::int64_t draftVersion = noticeVersion(events);
    CHECK(draftVersion == events[0].seq);
    // The notice's events are events of its case: the timeline shows them with the site; the
    // case's own version is unchanged by them.
    CHECK(actorAtSite(caseEvents(*store, caseId).back()) == "alice @ 東京");

    // bob at Osaka and carol at 東京 both see the draft; bob approves first.
    const Notice approved =
        approveNotice(*store, osaka, prepared.id, "bob", kNow + 20, draftVersion);
    CHECK(approved.state == NoticeState::Approved);
    events = noticeEvents(*store, approved);
    REQUIRE(events.size() == 2);
    CHECK(actorAtSite(events[1]) == "bob @ Osaka");
    const std::int64_t approvedVersion = noticeVersion(events);
    CHECK(approvedVersion > draftVersion);
    CHECK(noticeStepBy(events, "notice-approve", "?") == "bob @ Osaka");
    CHECK(noticeStepBy(events, "notice-send", "nobody") == "nobody");
    int before = eventCount(*store);

    try {
        approveNotice(*store, tokyo, prepared.id, "carol", kNow + 30, draftVersion);
        FAIL("the stale approval was accepted");
    } catch (const NoticeConflict& e) {
        CHECK(e.kind() == NoticeRefused::Kind::Conflict);
        CHECK(e.expected() == draftVersion);
        CHECK(e.version() == approvedVersion);
        CHECK(e.current().state == NoticeState::Approved);
        REQUIRE(e.change());
        CHECK(e.change()->site == "Osaka");
        CHECK_THAT(e.what(), Catch::Contains("notice " + std::to_string(prepared.id) +
                                             " was changed by bob @ Osaka"));
        CHECK_THAT(e.what(), Catch::Contains("it is now approved; nothing was written"));
        CHECK_THAT(e.japanese(), Catch::Contains("bob @ Osaka"));
        CHECK_THAT(e.japanese(), Catch::Contains("「承認済み」"));
        CHECK_THAT(e.japanese(), Catch::Contains("何も記録していません"));
    }
    CHECK(eventCount(*store) == before);
    CHECK(noticeById(*store, prepared.id)->approvedBy == "bob");

    // bob sends from his current view; carol's send from the approved view she had is stale:
    // a conflict naming bob at Osaka, not "sent before", and nothing is queued again.
    const NoticeSendOutcome sent =
        sendNotice(*store, osaka, prepared.id, "bob", kNow + 40, approvedVersion);
    CHECK(sent.queued == 1);
    events = noticeEvents(*store, sent.notice);
    REQUIRE(events.size() == 3);
    CHECK(actorAtSite(events[2]) == "bob @ Osaka");
    CHECK(detail(events[2], "site") == "Osaka");
    before = eventCount(*store);
    try {
        sendNotice(*store, tokyo, prepared.id, "carol", kNow + 50, approvedVersion);
        FAIL("the stale sending was accepted");
    } catch (const NoticeConflict& e) {
        CHECK(e.current().state == NoticeState::Sent);
        CHECK_THAT(e.both(), Catch::Contains("「送信済み」"));
        CHECK_THAT(e.both(), Catch::Contains("it is now sent"));
    }
    CHECK(eventCount(*store) == before);
    // Without an expected version a second send is still "sent before", queuing nothing.
    const NoticeSendOutcome again = sendNotice(*store, tokyo, prepared.id, "carol", kNow + 60);
    CHECK(again.alreadySent);
    CHECK(again.queued == 0);
    CHECK(eventCount(*store) == before);
    // The current version of a sent notice is no conflict; it is sent before, as without one.
    CHECK(sendNotice(*store, tokyo, prepared.id, "carol", kNow + 70, noticeVersion(events))
              .alreadySent);
    // A missing notice is still "no such notice".
    CHECK_THROWS_WITH(approveNotice(*store, tokyo, prepared.id + 100, "carol", kNow, 1),
                      Catch::Contains("there is no notice"));
    requireProjectionHolds(*store);
}

TEST_CASE("a withdrawal records the site and a notice's version is its own",
          "[daemon][notices][sites]") {
    auto store = Store::inMemory();
    const std::int64_t caseId = informingCase(*store);
    const Notice n = prepareNotice(*store, siteConfig("東京"), caseId, "alice", "", kNow);
    withdrawNotice(*store, n.id, "bob", "the install base changed", kNow + 10, "Osaka");
    std::vector<CaseEventRow> events = noticeEvents(*store, n);
    REQUIRE(events.size() == 2);
    CHECK(events[1].kind == "notice-withdraw");
    CHECK(actorAtSite(events[1]) == "bob @ Osaka");
    // Without a site a step records this host's name (the default site).
    const Notice again = prepareNotice(*store, Config(), caseId, "alice", "", kNow + 20);
    events = noticeEvents(*store, again);
    REQUIRE(events.size() == 1);
    CHECK(events[0].site == hostSiteName());
    // A notice's version is the id of its own last event, not of another notice of the case.
    CHECK(noticeVersion(events) > noticeVersion(noticeEvents(*store, n)));
    CHECK(configSite(siteConfig("Osaka")) == "Osaka");
    CHECK(configSite(Config()) == hostSiteName());
}

TEST_CASE("a notice's version is checked under its row's lock across two connections",
          "[daemon][notices][sites]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("vw-triage-versions-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "vulnwatch.db").string();
    {
        auto tokyoStore = Store::open(path);
        auto osakaStore = Store::open(path);
        const std::int64_t caseId = informingCase(*tokyoStore);
        const Notice n = prepareNotice(*tokyoStore, siteConfig("東京"), caseId, "alice", "", kNow);
        // Both pages were made from the same version of the notice.
        const std::int64_t seenTokyo = noticeVersion(noticeEvents(*tokyoStore, n));
        const std::int64_t seenOsaka = noticeVersion(noticeEvents(*osakaStore, n));
        REQUIRE(seenTokyo == seenOsaka);
        approveNotice(*osakaStore, siteConfig("Osaka"), n.id, "bob", kNow + 10, seenOsaka);
        const int before = eventCount(*tokyoStore);
        CHECK_THROWS_AS(
            approveNotice(*tokyoStore, siteConfig("東京"), n.id, "carol", kNow + 11, seenTokyo),
            NoticeConflict);
        CHECK(eventCount(*tokyoStore) == before);
        CHECK(noticeById(*tokyoStore, n.id)->approvedBy == "bob");
    }
    std::filesystem::remove_all(dir);
}
