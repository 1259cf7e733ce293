// The case work (issue 12 parts 1, 2 and 5): cases opened by matches with their clocks,
// transitions, re-opening on material revisions, changed components, exploitation signals and
// expiry, inheritance across product versions, SSVC Act alerts and breaches (each once), and
// the projection rebuilt from the audit chain equal to the stored rows.
#include "core/calendar.h"
#include "core/ssvc.h"
#include "daemon/cases.h"
#include "daemon/pipeline.h"
#include "helpers/case_store.h"
#include "store/cases.h"
#include "store/kev.h"

#include <catch2/catch.hpp>

using namespace vw;

namespace {

/// Tuesday 2026-04-28 10:00 JST, before Golden Week.
const std::int64_t kReceived = jstTime(Date{2026, 4, 28}, 10 * 3600);

Advisory log4j(double score = 10.0) {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.cvss = {{"3.0", score, score >= 9 ? "Critical" : "High",
               "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

Product viewer(const std::string& version, const std::string& log4jVersion = "2.14.1") {
    Product p;
    p.name = "Example Imaging Viewer";
    p.version = version;
    p.owners = {"owner@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     log4jVersion,
                     {"cpe:2.3:a:apache:log4j:" + log4jVersion + ":*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

Routing routing() {
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    mail.mode = "digest"; // Act and breach notices go out all the same
    NotifierConfig chat;
    chat.name = "chat";
    chat.type = "webhook";
    chat.minSeverity = 9.5;
    return Routing({mail, chat});
}

ParseResult batchOf(const Advisory& a) {
    ParseResult batch;
    batch.records.push_back(a);
    return batch;
}

using vw::test::eventCount;

using vw::test::requireProjectionHolds;

Case walkTo(Store& store, const Routing& r, std::int64_t id, CaseState to,
            const std::map<std::string, std::string>& fields, std::int64_t at) {
    return transitionCase(store, r, id, to, "tanaka", fields, at);
}

CaseFilter versionFilter(const std::string& version) {
    CaseFilter f;
    f.product = "Example Imaging Viewer";
    f.version = version;
    return f;
}

CaseFilter overdueFilter(std::int64_t at) {
    CaseFilter f;
    f.overdueAt = at;
    return f;
}

} // namespace

TEST_CASE("a match opens one case per product version with its clocks", "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    const Routing r = routing();
    const IngestStats stats = ingestBatch(*store, r, "vuldef", batchOf(log4j()), kReceived);
    CHECK(stats.casesOpened == 1);
    const auto cases = listCases(*store, {});
    REQUIRE(cases.size() == 1);
    const Case& c = cases[0];
    CHECK(c.state == CaseState::Received);
    CHECK(c.product == "Example Imaging Viewer");
    CHECK(c.version == "3.2");
    CHECK(c.origin == "match");
    CHECK(c.severity == "Critical");
    CHECK(c.receivedAt == kReceived);
    // Critical: 2 business days over Golden Week (4/29 昭和の日): Friday 5/1 18:00.
    CHECK(c.decideDue == jstTime(Date{2026, 5, 1}, 18 * 3600));
    // Uncontrolled until assessed: inform 30, fix 60 calendar days.
    CHECK(c.informDue == jstTime(Date{2026, 5, 28}, 86399));
    CHECK(c.fixDue == jstTime(Date{2026, 6, 27}, 86399));
    CHECK(c.components == "log4j-core@2.14.1");
    CHECK_FALSE(c.ssvc.empty());
    // The RSS item of the same vulnerability opens no second case.
    Advisory rss = log4j();
    rss.source = "jvn-rss";
    const IngestStats again = ingestBatch(*store, r, "jvn-rss", batchOf(rss), kReceived + 60);
    CHECK(again.casesOpened == 0);
    CHECK(listCases(*store, {}).size() == 1);
    requireProjectionHolds(*store);
}

TEST_CASE("a case walks the procedure and a controlled risk takes the longer clocks",
          "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    const Routing r = routing();
    ingestBatch(*store, r, "vuldef", batchOf(log4j()), kReceived);
    const std::int64_t id = listCases(*store, {})[0].id;
    const std::int64_t t = kReceived + 3600;
    CHECK_THROWS_WITH(walkTo(*store, r, id, CaseState::Evaluating, {}, t),
                      Catch::Contains("cannot go to evaluating"));
    CHECK_THROWS_WITH(walkTo(*store, r, id, CaseState::Confirming, {}, t),
                      Catch::Contains("needs --assignee"));
    walkTo(*store, r, id, CaseState::Confirming, {{"assignee", "sato"}}, t);
    walkTo(*store, r, id, CaseState::Evaluating, {{"finding", "log4j-core 2.14.1 in the PACS"}},
           t + 60);
    Case c = walkTo(*store, r, id, CaseState::Responding,
                    {{"risk", "controlled"},
                     {"assessment", "no network exposure in the hospital LAN"},
                     {"action", "fix"},
                     {"target_version", "3.3"}},
                    t + 120);
    CHECK(c.decidedAt == t + 120);
    CHECK(c.risk == "controlled");
    // Controlled: inform 90 and fix 90 calendar days from receipt.
    CHECK(c.informDue == jstTime(Date{2026, 7, 27}, 86399));
    CHECK(c.fixDue == jstTime(Date{2026, 7, 27}, 86399));
    walkTo(*store, r, id, CaseState::Informing, {{"remedy", "3.3 released"}}, t + 180);
    c = walkTo(*store, r, id, CaseState::Closed, {{"notice", "N-2026-014"}}, t + 240);
    CHECK(c.state == CaseState::Closed);
    CHECK(c.fields.at("notice") == "N-2026-014");
    const auto history = caseEvents(*store, id);
    REQUIRE(history.size() >= 6);
    CHECK(history.back().kind == "case-transition");
    CHECK(history.back().actor == "tanaka");
    requireProjectionHolds(*store);
}

TEST_CASE("a material revision re-opens a decided case and is noted on an open one",
          "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    store->putProduct(viewer("4.0"), 1);
    const Routing r = routing();
    ingestBatch(*store, r, "vuldef", batchOf(log4j(8.0)), kReceived);
    auto cases = listCases(*store, {});
    REQUIRE(cases.size() == 2);
    const std::int64_t closedId = cases[0].id;
    const std::int64_t openId = cases[1].id;
    walkTo(*store, r, closedId, CaseState::FalsePositive, {{"reason", "not shipped"}},
           kReceived + 10);
    // The CVSS score changes: material (docs/correlation.md).
    const IngestStats s = ingestBatch(*store, r, "vuldef", batchOf(log4j(10.0)), kReceived + 86400);
    CHECK(s.material == 1);
    CHECK(s.casesReopened == 1);
    const Case reopened = *caseById(*store, closedId);
    CHECK(reopened.state == CaseState::Received);
    CHECK(reopened.reopenReason.find("material revision of JVNDB-2021-005429") !=
          std::string::npos);
    CHECK(reopened.receivedAt == kReceived + 86400);
    const auto noted = caseEvents(*store, openId);
    CHECK(std::any_of(noted.begin(), noted.end(),
                      [](const CaseEventRow& e) { return e.kind == "case-signal"; }));
    CHECK(caseById(*store, openId)->state == CaseState::Received);
    requireProjectionHolds(*store);
}

TEST_CASE("a decision carries to the next version with the same components and re-opens when "
          "they change",
          "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    const Routing r = routing();
    ingestBatch(*store, r, "vuldef", batchOf(log4j()), kReceived);
    const std::int64_t first = listCases(*store, {})[0].id;
    walkTo(*store, r, first, CaseState::Confirming, {{"assignee", "sato"}}, kReceived + 1);
    walkTo(*store, r, first, CaseState::NotAffected,
           {{"justification", "vulnerable_code_not_in_execute_path"},
            {"impact", "JNDI lookups are disabled by configuration"}},
           kReceived + 2);
    // Version 3.3 ships the same log4j-core.
    store->putProduct(viewer("3.3"), kReceived + 100);
    rematchStored(*store, r, {viewer("3.3")}, kReceived + 100);
    const auto next = listCases(*store, versionFilter("3.3"));
    REQUIRE(next.size() == 1);
    CHECK(next[0].state == CaseState::NotAffected);
    CHECK(next[0].origin == "inherited");
    CHECK(next[0].inheritedFrom == first);
    CHECK(next[0].fields.at("justification") == "vulnerable_code_not_in_execute_path");
    // Version 4.0 ships another log4j-core: nothing to inherit.
    store->putProduct(viewer("4.0", "2.17.0"), kReceived + 200);
    rematchStored(*store, r, {viewer("4.0", "2.17.0")}, kReceived + 200);
    const auto other = listCases(*store, versionFilter("4.0"));
    REQUIRE(other.size() == 1);
    CHECK(other[0].origin == "match");
    CHECK(other[0].state == CaseState::Received);
    // 3.3's SBOM changes its log4j-core: the inherited decision re-opens.
    store->replaceComponents("Example Imaging Viewer", "3.3", viewer("3.3", "2.15.0").components,
                             kReceived + 300);
    const IngestStats s = rematchStored(*store, r, {viewer("3.3", "2.15.0")}, kReceived + 300);
    CHECK(s.casesReopened == 1);
    const Case reopened = *caseById(*store, next[0].id);
    CHECK(reopened.state == CaseState::Received);
    CHECK(reopened.reopenReason.find("log4j-core 2.14.1 -> 2.15.0") != std::string::npos);
    requireProjectionHolds(*store);
}

TEST_CASE("a KEV listing makes a case Act and alerts once whatever the digest setting",
          "[daemon][cases]") {
    auto store = Store::inMemory();
    Product p = viewer("3.2");
    store->putProduct(p, 1);
    store->db().exec("UPDATE product SET mission = 'high'");
    const Routing r = routing();
    ingestBatch(*store, r, "vuldef", batchOf(log4j()), kReceived);
    Case c = listCases(*store, {})[0];
    CHECK(c.ssvc != "Act"); // not exploited yet
    auto maxId = store->db().prepare("SELECT coalesce(max(id), 0) FROM outbox");
    REQUIRE(maxId.step());
    const std::int64_t before = maxId.integer(0);
    storeKevCatalog(*store,
                    {KevEntry{"CVE-2021-44228", "2021-12-10", "Apache", "Log4j2",
                              "Apache Log4j2 Remote Code Execution Vulnerability", "Known"}},
                    kReceived + 3600);
    IngestStats stats;
    CHECK(caseExploitationSignal(*store, r, "CVE-2021-44228", "CISA KEV: listed 2021-12-10",
                                 kReceived + 3600, stats) == 1);
    c = *caseById(*store, c.id);
    CHECK(c.ssvc == "Act");
    const SsvcResult points = ssvcFromJson(c.ssvcPoints);
    CHECK(points.exploitation.value == "active");
    CHECK(points.exploitation.reason.find("CVE-2021-44228") != std::string::npos);
    // The decide clock shortened to Critical's 2 business days from the signal.
    CHECK(c.decideDue <= jstTime(Date{2026, 5, 1}, 18 * 3600));
    // One e-mail to the owner (digest mode notwithstanding) and one webhook (its 9.5 threshold
    // notwithstanding).
    auto q = store->db().prepare(
        "SELECT notifier, recipient FROM outbox WHERE id > ?1 ORDER BY notifier");
    q.bind(1, before);
    std::vector<std::string> sent;
    while (q.step()) {
        sent.push_back(q.text(0) + ":" + q.text(1));
    }
    CHECK(sent == std::vector<std::string>{"chat:", "mail:owner@example.jp"});
    // The same signal again: no second alert.
    IngestStats again;
    caseExploitationSignal(*store, r, "CVE-2021-44228", "CISA KEV: listed 2021-12-10",
                           kReceived + 7200, again);
    auto count = store->db().prepare("SELECT count(*) FROM outbox WHERE id > ?1");
    count.bind(1, before);
    REQUIRE(count.step());
    CHECK(count.integer(0) == 2);
    requireProjectionHolds(*store);
}

TEST_CASE("a breached clock is an event and a notice once and an expired acceptance re-opens",
          "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    store->putProduct(viewer("3.3"), 1);
    const Routing r = routing();
    ingestBatch(*store, r, "vuldef", batchOf(log4j()), kReceived);
    const auto cases = listCases(*store, {});
    REQUIRE(cases.size() == 2);
    // One case is accepted until 2026-05-10.
    walkTo(*store, r, cases[1].id, CaseState::Confirming, {{"assignee", "sato"}}, kReceived + 1);
    walkTo(*store, r, cases[1].id, CaseState::Evaluating, {{"finding", "present"}}, kReceived + 2);
    walkTo(*store, r, cases[1].id, CaseState::RiskAccepted,
           {{"reason", "device isolated"}, {"expires", "2026-05-10"}}, kReceived + 3);
    // Friday 5/1 18:00 is the decide deadline: at 18:00:00 it is met.
    CHECK(caseTick(*store, r, jstTime(Date{2026, 5, 1}, 18 * 3600)).breaches == 0);
    const std::int64_t late = jstTime(Date{2026, 5, 1}, 18 * 3600 + 1);
    const CaseTickStats first = caseTick(*store, r, late);
    CHECK(first.breaches == 1);
    CHECK(first.notices == 2);
    CHECK(caseById(*store, cases[0].id)->breached == std::vector<std::string>{"decide"});
    CHECK(caseTick(*store, r, late + 3600).breaches == 0);
    CHECK(eventCount(*store, "case-breach") == 1);
    CHECK(listCases(*store, overdueFilter(late)).size() == 1);
    // The acceptance ends with 5/10; on 5/11 (JST) the case re-opens.
    CHECK(caseTick(*store, r, jstTime(Date{2026, 5, 10}, 23 * 3600)).expired == 0);
    const CaseTickStats expiry = caseTick(*store, r, jstTime(Date{2026, 5, 11}, 60));
    CHECK(expiry.expired == 1);
    const Case reopened = *caseById(*store, cases[1].id);
    CHECK(reopened.state == CaseState::Received);
    CHECK(reopened.reopenReason == "risk acceptance expired on 2026-05-10");
    requireProjectionHolds(*store);
}

TEST_CASE("a case opened by hand follows the cluster it names", "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    const Routing r = routing();
    CHECK_THROWS_WITH(openManualCase(*store, r, "Unknown", "1", "x", "sato", {}, "", kReceived),
                      Catch::Contains("no registered product version"));
    CHECK_THROWS_WITH(
        openManualCase(*store, r, "Example Imaging Viewer", "3.2", "", "sato", {}, "", kReceived),
        Catch::Contains("--title"));
    const Case manual = openManualCase(*store, r, "Example Imaging Viewer", "3.2",
                                       "病院からの報告: ログ出力の不具合", "sato",
                                       {"CVE-2021-44228"}, "High", kReceived);
    CHECK(manual.origin == "manual");
    CHECK(manual.clusterKey.empty()); // nothing stored for that CVE yet
    CHECK(manual.severity == "High");
    // High: 5 business days: 4/30, 5/1, 5/7, 5/8, 5/11.
    CHECK(manual.decideDue == jstTime(Date{2026, 5, 11}, 18 * 3600));
    const Case set =
        setCaseSsvc(*store, r, manual.id, "sato", {{"exploitation", "poc"}}, kReceived + 10);
    CHECK(ssvcFromJson(set.ssvcPoints).exploitation.value == "poc");
    CHECK_THROWS_AS(
        setCaseSsvc(*store, r, manual.id, "sato", {{"exploitation", "maybe"}}, kReceived + 10),
        CaseRefused);
    requireProjectionHolds(*store);
}

TEST_CASE("a case cannot be deleted and the projection catches an edited row", "[daemon][cases]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    ingestBatch(*store, routing(), "vuldef", batchOf(log4j()), kReceived);
    CHECK_THROWS_WITH(store->db().exec("DELETE FROM vcase"), Catch::Contains("never deleted"));
    store->db().exec("UPDATE vcase SET state = 'closed'");
    const auto rebuilt = rebuildCases(*store);
    const auto stored = storedCases(*store);
    REQUIRE(rebuilt.size() == 1);
    CHECK(rebuilt[0].state == CaseState::Received);
    CHECK(stored[0].state == CaseState::Closed);
}
