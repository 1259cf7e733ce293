// The reads of a VEX export (store/vex_query.h): a vulnerability's records as they were at a
// time (a later revision waits), the content-changing case events only, the SBOM events of a
// product version, and the product versions with their registration and removal times.
#include "store/cases.h"
#include "store/store.h"
#include "store/vex_query.h"

#include <catch2/catch.hpp>

namespace {

using namespace vw;

Advisory record(const std::string& title, double score) {
    Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2026-000123";
    a.aliases = {"CVE-2026-1234"};
    a.title = title;
    a.cvss = {{"3.0", score, "", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    return a;
}

} // namespace

TEST_CASE("vex query: records as they were at a time", "[vex]") {
    auto store = Store::inMemory();
    const UpsertOutcome first = store->upsertRecord("rss", record("first title", 9.8), 1000);
    store->upsertRecord("rss", record("second title", 9.8), 2000);
    const auto before = clusterRecordsAsOf(*store, first.clusterId, 1500);
    REQUIRE(before.size() == 1);
    CHECK(before[0].find("first title") != std::string::npos);
    const auto after = clusterRecordsAsOf(*store, first.clusterId, 2000);
    REQUIRE(after.size() == 1);
    CHECK(after[0].find("second title") != std::string::npos);
    CHECK(clusterRecordsAsOf(*store, first.clusterId, 999).empty());
}

TEST_CASE("vex query: only content-changing case events", "[vex]") {
    auto store = Store::inMemory();
    CaseChange open;
    open.kind = std::string(kCaseOpen);
    open.actor = "daemon";
    open.text = "case opened";
    open.details = {{"product", "Viewer"}, {"version", "3.2"},      {"origin", "manual"},
                    {"state", "received"}, {"received_at", "1000"}, {"title", "t"}};
    const Case c = recordCaseChange(*store, 0, open, 1000);
    CaseChange ssvc;
    ssvc.kind = std::string(kCaseSsvc);
    ssvc.actor = "daemon";
    ssvc.text = "SSVC";
    ssvc.details = {{"ssvc", "Track"}};
    recordCaseChange(*store, c.id, ssvc, 1100);
    CaseChange move;
    move.kind = std::string(kCaseTransition);
    move.actor = "佐藤";
    move.text = "received -> confirming";
    move.details = {{"state", "confirming"}, {"f.assignee", "田中"}};
    recordCaseChange(*store, c.id, move, 1200);
    const auto events = vexCaseEvents(*store, {c.id});
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == "case-open");
    CHECK(events[1].kind == "case-transition");
    CHECK(events[1].at == 1200);
    CHECK(events[1].caseId == c.id);
    CHECK(vexCaseEvents(*store, {c.id + 1}).empty());
}

TEST_CASE("vex query: SBOM events and version times", "[vex]") {
    auto store = Store::inMemory();
    Product p;
    p.name = "Viewer";
    p.version = "3.2";
    store->putProduct(p, 500);
    AuditEvent sbom;
    sbom.kind = "product";
    sbom.at = 600;
    sbom.text = "imported SBOM x.cdx.json into Viewer version 3.2";
    sbom.subjects = {"product:Viewer 3.2"};
    store->appendEvent(sbom);
    sbom.text = "imported SBOM y.cdx.json into Viewer version 3.3";
    sbom.subjects = {"product:Viewer 3.3"};
    store->appendEvent(sbom);
    store->logEvent("product", "imported 3 products", 700);
    const auto events = vexProductEvents(*store, {"product:Viewer 3.2"});
    REQUIRE(events.size() == 1);
    CHECK(events[0].text == "imported SBOM x.cdx.json into Viewer version 3.2");

    std::optional<std::int64_t> removed;
    auto versions = vexProductVersions(*store, "Viewer", &removed);
    REQUIRE(versions.size() == 1);
    CHECK(versions[0].version == "3.2");
    CHECK(versions[0].createdAt == 500);
    CHECK_FALSE(versions[0].removedAt);
    CHECK_FALSE(removed);
    store->removeProductVersion("Viewer", "3.2", 800);
    versions = vexProductVersions(*store, "Viewer", &removed);
    REQUIRE(versions[0].removedAt);
    CHECK(*versions[0].removedAt == 800);
    CHECK(vexProductVersions(*store, "Nothing", nullptr).empty());
}
