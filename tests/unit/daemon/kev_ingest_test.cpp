// ingestKev (daemon/kev.h): CISA's KEV catalog stored with the source state in one transaction,
// never as advisory records; each CVE new to the table that names a stored vulnerability is an
// exploitation signal (the first load too), once per vulnerability; the case of a listed
// vulnerability becomes Act. The real catalog (shared/fixtures/kev) and small ones.
#include "core/ssvc.h"
#include "daemon/kev.h"
#include "feeds/parse/kev.h"
#include "helpers/fixtures.h"
#include "store/cases.h"
#include "store/evidence.h"
#include "store/kev.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using namespace vw;

namespace {

/// Monday 2026-04-27 10:00 JST (cases need a date the business calendar knows).
constexpr std::int64_t kMonday = 1777251600;

ParseResult catalog(const std::vector<KevEntry>& entries, const std::string& version = "1") {
    ParseResult result;
    KevCatalog kev;
    kev.version = version;
    kev.count = static_cast<long>(entries.size());
    kev.entries = entries;
    result.kev = kev;
    return result;
}

KevEntry listed(const std::string& cve, const std::string& added = "2021-12-10") {
    return {cve,    added, "Apache", "Log4j2", "Apache Log4j2 Remote Code Execution Vulnerability",
            "Known"};
}

Advisory record(const std::string& id, std::vector<std::string> aliases) {
    Advisory a;
    a.source = "vuldef";
    a.id = id;
    a.aliases = std::move(aliases);
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.cvss = {{"3.0", 10.0, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

std::int64_t count(Store& store, const std::string& sql) {
    auto q = store.db().prepare(sql);
    REQUIRE(q.step());
    return q.integer(0);
}

} // namespace

TEST_CASE("ingestKev stores the catalog and the state, and signals only stored "
          "vulnerabilities",
          "[daemon][kev]") {
    auto store = Store::inMemory();
    const Routing routing;
    // Log4j is known with two CVEs; CVE-2024-3400 is not.
    ParseResult batch;
    batch.records.push_back(record("JVNDB-2021-005429", {"CVE-2021-44228", "CVE-2021-45046"}));
    ingestBatch(*store, routing, "vuldef", batch, 10);
    const auto recordsBefore = count(*store, "SELECT count(*) FROM record");

    SourceStateRow state;
    state.etag = "\"v1\"";
    state.lastSuccess = 100;
    ParseResult first = catalog(
        {listed("CVE-2021-44228"), listed("CVE-2021-45046", "2023-05-01"), listed("CVE-2024-3400")},
        "2025.01.01");
    first.addRaw("application/json", "{\"catalogVersion\":\"2025.01.01\"}");
    const KevIngestStats s = ingestKev(*store, routing, "cisa-kev", first, 100, state);
    CHECK(s.catalogVersion == "2025.01.01");
    CHECK(s.ingest.records == 3);
    CHECK(s.ingest.newRecords == 3);
    CHECK(s.ingest.changed == 0);
    // The first load signals too; Log4j once although both of its CVEs are new.
    CHECK(s.signalled == std::vector<std::string>{"CVE-2021-44228"});
    CHECK(kevCount(*store) == 3);
    CHECK(store->sourceState("cisa-kev").etag == "\"v1\"");
    // Not advisory records: nothing new in record, alias or cluster.
    CHECK(count(*store, "SELECT count(*) FROM record") == recordsBefore);
    CHECK_FALSE(store->clusterOf("CVE-2024-3400"));
    // One audit event naming the new CVEs and the catalog kept as evidence.
    auto q = store->db().prepare(
        "SELECT json FROM event_log WHERE kind = 'kev' ORDER BY id DESC LIMIT 1");
    REQUIRE(q.step());
    const std::string event = q.text(0);
    CHECK(event.find("CVE-2024-3400") != std::string::npos);
    CHECK(event.find(sha256Hex("{\"catalogVersion\":\"2025.01.01\"}")) != std::string::npos);

    // The next catalog: one entry changed, one gone (kept), one new naming a stored
    // vulnerability that another record brings now.
    ParseResult more;
    more.records.push_back(record("JVNDB-2022-000001", {"CVE-2022-22965"}));
    ingestBatch(*store, routing, "vuldef", more, 150);
    const KevIngestStats t =
        ingestKev(*store, routing, "cisa-kev",
                  catalog({listed("CVE-2021-44228", "2021-12-11"), listed("CVE-2022-22965")}), 200);
    CHECK(t.ingest.newRecords == 1);
    CHECK(t.ingest.changed == 1);
    CHECK(t.missing == 2);
    CHECK(t.signalled == std::vector<std::string>{"CVE-2022-22965"});
    CHECK(kevCount(*store) == 4);
    CHECK(kevEntry(*store, "CVE-2021-44228")->entry.dateAdded == "2021-12-11");
    CHECK(kevEntry(*store, "CVE-2021-44228")->firstSeen == 100);
    CHECK(store->sourceState("cisa-kev").etag == "\"v1\""); // no state given: unchanged

    // The same catalog again: no signal, no event.
    const auto events = count(*store, "SELECT count(*) FROM event_log WHERE kind = 'kev'");
    const KevIngestStats u =
        ingestKev(*store, routing, "cisa-kev",
                  catalog({listed("CVE-2021-44228", "2021-12-11"), listed("CVE-2022-22965")}), 300);
    CHECK(u.ingest.newRecords == 0);
    CHECK(u.signalled.empty());
    CHECK(count(*store, "SELECT count(*) FROM event_log WHERE kind = 'kev'") == events);
}

TEST_CASE("ingestKev refuses a batch without a catalog", "[daemon][kev]") {
    auto store = Store::inMemory();
    CHECK_THROWS_AS(ingestKev(*store, Routing(), "x", ParseResult{}, 1), std::invalid_argument);
    CHECK(kevCount(*store) == 0);
}

TEST_CASE("ingestKev of the real catalog makes the case of a listed vulnerability Act",
          "[daemon][kev][fixtures]") {
    VW_REQUIRE_FIXTURES();
    auto store = Store::inMemory();
    RegisteredProduct pump;
    pump.name = "Infusion Pump Console";
    pump.mission = "high";
    pump.owners = {"pump@example.jp"};
    pump.versions.push_back({"2.0",
                             {},
                             {{"apache",
                               "log4j-core",
                               "2.14.1",
                               {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                               "",
                               ""}},
                             false});
    store->putProduct(pump, 1);
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    mail.mode = "digest";
    const Routing routing({mail});
    ParseResult batch;
    batch.records.push_back(record("JVNDB-2021-005429", {"CVE-2021-44228"}));
    ingestBatch(*store, routing, "vuldef", batch, kMonday);
    const std::vector<Case> before = listCases(*store, {});
    REQUIRE(before.size() == 1);
    CHECK(before[0].ssvc == "Attend"); // none / yes / total / high

    const ParseResult kev = parseKevCatalog(vw::test::readFile(
        vw::test::fixturesDir() / "kev" / "known_exploited_vulnerabilities.json"));
    const KevIngestStats s = ingestKev(*store, routing, "cisa-kev", kev, kMonday + 3600);
    CHECK(s.ingest.newRecords == 1404);
    CHECK(s.signalled == std::vector<std::string>{"CVE-2021-44228"});
    CHECK(s.casesTouched == 1);
    const Case after = *caseById(*store, before[0].id);
    CHECK(after.ssvc == "Act");
    const SsvcResult points = ssvcFromJson(after.ssvcPoints);
    CHECK(points.exploitation.value == "active");
    CHECK(points.exploitation.reason.find("CVE-2021-44228") != std::string::npos);
    CHECK(points.mission.value == "high");
    CHECK(s.ingest.enqueued >= 1); // the Act alert, despite the digest setting

    // The catalog again (a later poll with a changed body): nothing new, no second alert.
    const auto outbox = count(*store, "SELECT count(*) FROM outbox");
    const KevIngestStats again = ingestKev(*store, routing, "cisa-kev", kev, kMonday + 7200);
    CHECK(again.ingest.newRecords == 0);
    CHECK(again.signalled.empty());
    CHECK(count(*store, "SELECT count(*) FROM outbox") == outbox);
}
