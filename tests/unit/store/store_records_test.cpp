#include "core/json_writer.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <stdexcept>

using vw::Store;
using vw::test::countRows;
using vw::test::makeAdvisory;

namespace {

std::int64_t revisionsOf(Store& store, std::int64_t recordId) {
    auto q = store.db().prepare("SELECT COUNT(*) FROM revision WHERE record_id = ?1");
    q.bind(1, recordId);
    REQUIRE(q.step());
    return q.integer(0);
}

} // namespace

TEST_CASE("Upserting a record: new, then unchanged, then changed", "[store][records]") {
    auto store = Store::inMemory();
    auto advisory = makeAdvisory("JVNDB-2023-004814", {"CVE-2023-0078"}, "Resume Builder", 5.4);

    auto first = store->upsertRecord("jvndb-new", advisory, 1000);
    CHECK(first.isNew);
    CHECK(first.changed);
    CHECK(first.recordId > 0);
    CHECK(first.clusterId > 0);
    CHECK(revisionsOf(*store, first.recordId) == 1);

    auto same = store->upsertRecord("jvndb-new", advisory, 2000);
    CHECK_FALSE(same.isNew);
    CHECK_FALSE(same.changed);
    CHECK(same.recordId == first.recordId);
    CHECK(same.clusterId == first.clusterId);
    CHECK(revisionsOf(*store, first.recordId) == 1);
    auto records = store->clusterRecords(first.clusterId);
    REQUIRE(records.size() == 1);
    CHECK(records[0].firstSeen == 1000);
    CHECK(records[0].lastSeen == 2000);

    advisory.cvss[0].score = 7.5;
    advisory.title = "Resume Builder (updated)";
    auto changed = store->upsertRecord("jvndb-new", advisory, 3000);
    CHECK_FALSE(changed.isNew);
    CHECK(changed.changed);
    CHECK(changed.recordId == first.recordId);
    CHECK(revisionsOf(*store, first.recordId) == 2);

    records = store->clusterRecords(first.clusterId);
    REQUIRE(records.size() == 1);
    CHECK(records[0].json == vw::toJson(advisory));
    CHECK(records[0].channel == "jvndb-new");
    CHECK(records[0].firstSeen == 1000);
    CHECK(records[0].lastSeen == 3000);

    auto summary = store->cluster(first.clusterId);
    CHECK(summary.title == "Resume Builder (updated)");
    CHECK(summary.maxScore == Approx(7.5));
    CHECK(summary.firstSeen == 1000);
}

TEST_CASE("The stored hash is contentHash of the record JSON", "[store][records]") {
    auto store = Store::inMemory();
    auto advisory = makeAdvisory("JVNDB-2024-000100", {});
    auto outcome = store->upsertRecord("import", advisory, 10);
    auto q = store->db().prepare("SELECT json, content_hash FROM record WHERE id = ?1");
    q.bind(1, outcome.recordId);
    REQUIRE(q.step());
    CHECK(q.text(0) == vw::toJson(advisory));
    CHECK(q.text(1) == vw::contentHash(vw::toJson(advisory)));
}

namespace {

vw::Advisory mailNaming(const std::string& messageId, std::vector<std::string> ids,
                        const std::string& subject, double score = 5.0) {
    vw::Advisory a = makeAdvisory(messageId, std::move(ids), subject, score);
    a.source = "mail";
    return a;
}

} // namespace

TEST_CASE("Two channels naming the same CVE share one cluster", "[store][records][correlation]") {
    auto store = Store::inMemory();
    auto jvndb = store->upsertRecord(
        "jvndb-new", makeAdvisory("JVNDB-2023-004814", {"CVE-2023-0078"}, "from JVNDB", 5.4), 1000);
    // A mail naming that one vulnerability id and no advisory joins the cluster as a record.
    auto mail = store->upsertRecord(
        "jpcert-mail",
        mailNaming("<20231102.abc@jpcert.or.jp>", {"CVE-2023-0078"}, "from mail", 6.1), 2000);
    CHECK(mail.isNew);
    CHECK(mail.clusterId == jvndb.clusterId);
    CHECK(mail.clusters == std::vector<std::int64_t>{jvndb.clusterId});
    CHECK(countRows(*store, "cluster") == 1);
    CHECK(store->clusterOf("JVNDB-2023-004814") == jvndb.clusterId);
    CHECK_FALSE(store->clusterOf("<20231102.abc@jpcert.or.jp>").has_value()); // never an alias
    CHECK_FALSE(store->clusterOf("CVE-1999-0001").has_value());

    auto summary = store->cluster(jvndb.clusterId);
    CHECK(summary.primaryId == "JVNDB-2023-004814");
    CHECK(summary.key == "JVNDB-2023-004814");
    CHECK(summary.ids == std::vector<std::string>{"CVE-2023-0078", "JVNDB-2023-004814"});
    // Title and score by precedence: iPedia RSS before mail, though the mail came later.
    CHECK(summary.title == "from JVNDB");
    CHECK(summary.maxScore == Approx(5.4));
    CHECK(summary.firstSeen == 1000);

    auto records = store->clusterRecords(jvndb.clusterId);
    REQUIRE(records.size() == 2);
    CHECK(records[0].channel == "jvndb-new");
    CHECK(records[1].channel == "jpcert-mail");

    // Same record id from a different channel is a separate record in the same cluster.
    auto rss = store->upsertRecord(
        "jvndb-hnd", makeAdvisory("JVNDB-2023-004814", {"CVE-2023-0078"}, "from JVNDB", 5.4), 3000);
    CHECK(rss.isNew);
    CHECK(rss.recordId != jvndb.recordId);
    CHECK(rss.clusterId == jvndb.clusterId);
    CHECK(store->clusterRecords(jvndb.clusterId).size() == 3);
}

TEST_CASE("Unrelated records get separate clusters", "[store][records][correlation]") {
    auto store = Store::inMemory();
    auto a = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}), 1);
    auto b = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000002", {"CVE-2023-0002"}), 2);
    CHECK(a.clusterId != b.clusterId);
    CHECK(countRows(*store, "cluster") == 2);
}

TEST_CASE("Advisory ids cover clusters and never merge them", "[store][records][correlation]") {
    auto store = Store::inMemory();
    // Two JVNDB entries that both reference one JVNVU# and one JPCERT alert.
    auto a =
        store->upsertRecord("vuldef",
                            makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228", "JVNVU#96768815",
                                                               "JPCERT-AT-2021-0050"}),
                            100);
    auto b =
        store->upsertRecord("vuldef",
                            makeAdvisory("JVNDB-2021-006139", {"CVE-2021-45105", "JVNVU#96768815",
                                                               "JPCERT-AT-2021-0050"}),
                            200);
    CHECK(a.clusterId != b.clusterId);
    CHECK(countRows(*store, "cluster") == 2);
    CHECK_FALSE(store->clusterOf("JVNVU#96768815").has_value());
    const auto jvnvu = store->advisoryOf("JVNVU#96768815");
    const auto alert = store->advisoryOf("JPCERT-AT-2021-0050");
    REQUIRE(jvnvu);
    REQUIRE(alert);
    using Ids = std::vector<std::int64_t>;
    CHECK(store->coveredClusters(*jvnvu) == Ids{a.clusterId, b.clusterId});
    CHECK(store->coveredClusters(*alert) == Ids{a.clusterId, b.clusterId});
    CHECK(store->coveringAdvisories(a.clusterId) ==
          std::vector<std::string>{"JPCERT-AT-2021-0050", "JVNVU#96768815"});

    // The jvn.jp item of that JVNVU# belongs to it: no cluster of its own, and it covers
    // the CVEs it names (creating the cluster of one not known yet).
    vw::Advisory item = makeAdvisory("JVNVU#96768815", {"CVE-2021-44228", "CVE-2021-45046"});
    item.source = "jvn";
    auto c = store->upsertRecord("jvn-feed", item, 300);
    CHECK(c.clusterId == 0);
    CHECK(c.advisoryId == *jvnvu);
    const auto extra = store->clusterOf("CVE-2021-45046");
    REQUIRE(extra);
    CHECK(store->coveredClusters(*jvnvu) == Ids{a.clusterId, b.clusterId, *extra});
    CHECK(c.clusters == store->coveredClusters(*jvnvu));
    CHECK(countRows(*store, "cluster") == 3);

    // An alert mail naming three JVNVU ids, none in its subject: mentions of each, no merge.
    auto weekly = store->upsertRecord(
        "mail",
        mailNaming("<weekly@ipa>", {"JVNVU#11111111", "JVNVU#22222222", "JVNVU#96768815"},
                   "週間レポート"),
        400);
    CHECK(weekly.clusterId == 0);
    CHECK(weekly.advisoryId == 0);
    CHECK(weekly.clusters.empty());
    CHECK(countRows(*store, "cluster") == 3);
    CHECK(countRows(*store, "mention") == 3);
    CHECK(store->advisoryOf("JVNVU#11111111").has_value());
    // A mail whose subject names one of its advisories belongs to that one.
    auto alertMail = store->upsertRecord(
        "mail",
        mailNaming("<alert@jpcert>", {"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"},
                   "JPCERT-AT-2021-0050 Apache Log4j の脆弱性"),
        500);
    CHECK(alertMail.advisoryId == *alert);
    CHECK(alertMail.clusters == Ids{a.clusterId, b.clusterId});
    CHECK(countRows(*store, "cluster") == 3);
}

TEST_CASE("A mail that only mentioned ids and now names one CVE updates the same record",
          "[store][records][correlation]") {
    auto store = Store::inMemory();
    auto first = store->upsertRecord(
        "mail", mailNaming("<same@ipa>", {"CVE-2024-0001", "CVE-2024-0002"}, "two CVEs"), 100);
    CHECK(first.clusterId == 0);
    CHECK(countRows(*store, "mention") == 2);
    // The same Message-ID with other content (a re-delivery after a parser change): it now
    // names one CVE nobody knows yet, and must update its row, not insert a second one.
    auto second =
        store->upsertRecord("mail", mailNaming("<same@ipa>", {"CVE-2024-0003"}, "one CVE"), 200);
    CHECK_FALSE(second.isNew);
    CHECK(second.changed);
    CHECK(second.recordId == first.recordId);
    CHECK(second.clusterId == store->clusterOf("CVE-2024-0003"));
    CHECK(countRows(*store, "record") == 1);
    CHECK(countRows(*store, "mention") == 0);
}

TEST_CASE("A record naming two clusters merges them into the smaller id",
          "[store][records][correlation]") {
    auto store = Store::inMemory();
    auto a = store->upsertRecord("s1", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-1111"}), 500);
    auto b =
        store->upsertRecord("s2", mailNaming("<only-2222@example>", {"CVE-2023-2222"}, "m"), 300);
    REQUIRE(a.clusterId < b.clusterId);

    vw::Match ma;
    ma.advisory = "JVNDB-2023-000001";
    ma.product = "Viewer";
    ma.component = "log4j-core";
    ma.confidence = 90;
    ma.method = "cpe-product";
    REQUIRE(store->insertMatch(a.clusterId, ma, 600));
    vw::Match mb = ma;
    mb.advisory = "<only-2222@example>";
    REQUIRE(store->insertMatch(b.clusterId, mb, 600)); // same key: dropped in the merge
    vw::Match mc = mb;
    mc.component = "openssl";
    REQUIRE(store->insertMatch(b.clusterId, mc, 600)); // moved by the merge

    // The entry's own aliases bridge the two clusters.
    auto c = store->upsertRecord(
        "vuldef", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-1111", "CVE-2023-2222"}), 900);
    CHECK(c.clusterId == a.clusterId);
    CHECK(countRows(*store, "cluster") == 1);
    CHECK(store->clusterOf("CVE-2023-2222") == a.clusterId);

    auto summary = store->cluster(a.clusterId);
    CHECK(summary.firstSeen == 300); // the earliest of the merged clusters
    CHECK(summary.primaryId == "JVNDB-2023-000001");
    CHECK(summary.key == "JVNDB-2023-000001"); // the survivor's key stays
    CHECK(summary.ids.size() == 3);
    CHECK(store->clusterRecords(a.clusterId).size() == 3);
    CHECK_THROWS_AS(store->cluster(b.clusterId), vw::StoreError);

    auto rows = store->matches();
    REQUIRE(rows.size() == 2);
    for (const auto& row : rows) {
        CHECK(row.clusterId == a.clusterId);
    }
    CHECK(rows[0].match.component == "log4j-core");
    CHECK(rows[0].match.advisory == "JVNDB-2023-000001");
    CHECK(rows[1].match.component == "openssl");
    CHECK(countRows(*store, "event_log WHERE kind = 'cluster-merge'") == 1); // logged
}

TEST_CASE("The primary id prefers JVNDB to CVE, the key is the first alias and stays",
          "[store][records]") {
    auto store = Store::inMemory();
    auto a = store->upsertRecord("m", mailNaming("<x@y>", {"CVE-2024-0001"}, "s"), 1);
    CHECK(store->cluster(a.clusterId).primaryId == "CVE-2024-0001");
    CHECK(store->cluster(a.clusterId).key == "CVE-2024-0001");
    store->upsertRecord("s", makeAdvisory("JVNDB-2024-000009", {"CVE-2024-0001"}), 4);
    store->upsertRecord("s", makeAdvisory("JVNDB-2024-000003", {"CVE-2024-0001"}), 5);
    CHECK(store->cluster(a.clusterId).primaryId == "JVNDB-2024-000003");
    CHECK(store->cluster(a.clusterId).key == "CVE-2024-0001");
    CHECK(store->clusterKey(a.clusterId) == "CVE-2024-0001");
}

TEST_CASE("listClusters returns clusters since a time, newest first", "[store][records]") {
    auto store = Store::inMemory();
    auto a = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {}), 100);
    auto b = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000002", {}), 200);
    auto c = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000003", {}), 300);

    auto all = store->listClusters(0);
    REQUIRE(all.size() == 3);
    CHECK(all[0].clusterId == c.clusterId);
    CHECK(all[1].clusterId == b.clusterId);
    CHECK(all[2].clusterId == a.clusterId);
    CHECK(all[0].primaryId == "JVNDB-2023-000003");

    auto recent = store->listClusters(200);
    REQUIRE(recent.size() == 2);
    CHECK(recent[0].clusterId == c.clusterId);
    CHECK(recent[1].clusterId == b.clusterId);
    CHECK(store->listClusters(301).empty());
}

TEST_CASE("forEachCluster reads in one transaction of its own or of the caller",
          "[store][records]") {
    auto store = Store::inMemory();
    store->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {}), 100);
    store->upsertRecord("s", makeAdvisory("JVNDB-2023-000002", {}), 200);
    const auto inTransaction = [&] { return store->db().inTransaction(); };

    std::vector<std::string> seen;
    store->forEachCluster(0, [&](const vw::ClusterSummary& c) {
        CHECK(inTransaction());
        seen.push_back(c.primaryId);
    });
    CHECK(seen == std::vector<std::string>{"JVNDB-2023-000002", "JVNDB-2023-000001"});
    CHECK_FALSE(inTransaction()); // ended

    // A failing callback ends the read transaction too.
    CHECK_THROWS_AS(
        store->forEachCluster(0, [](const vw::ClusterSummary&) { throw std::runtime_error("x"); }),
        std::runtime_error);
    CHECK_FALSE(inTransaction());

    // Inside the caller's transaction: used as it is, left open.
    {
        Store::Transaction tx(*store);
        std::size_t count = 0;
        store->forEachCluster(150, [&](const vw::ClusterSummary&) { ++count; });
        CHECK(count == 1);
        CHECK(inTransaction());
        tx.commit();
    }
}

TEST_CASE("A record without an id is refused", "[store][records]") {
    auto store = Store::inMemory();
    CHECK_THROWS_AS(store->upsertRecord("s", makeAdvisory("", {"CVE-2024-0001"}), 1),
                    vw::StoreError);
    CHECK(countRows(*store, "record") == 0);
    CHECK(countRows(*store, "alias") == 0);
}

TEST_CASE("every revision's content stays recoverable though the current one is stored once",
          "[store][records]") {
    auto store = Store::inMemory();
    vw::Advisory a = makeAdvisory("JVNDB-2023-000100", {"CVE-2023-0100"});
    a.title = "first wording";
    const auto first = store->upsertRecord("feed", a, 100);
    a.title = "second wording";
    store->upsertRecord("feed", a, 200);
    a.title = "third wording";
    store->upsertRecord("feed", a, 300);
    auto q = store->db().prepare("SELECT json FROM revision WHERE record_id = ?1 ORDER BY id");
    q.bind(1, first.recordId);
    std::vector<std::string> stored;
    std::vector<bool> isNull;
    while (q.step()) {
        isNull.push_back(q.isNull(0));
        stored.push_back(q.text(0));
    }
    REQUIRE(stored.size() == 3);
    // The superseded revisions hold their JSON; the current one is the record's (NULL here).
    CHECK(stored[0].find("first wording") != std::string::npos);
    CHECK(stored[1].find("second wording") != std::string::npos);
    CHECK(isNull == std::vector<bool>{false, false, true});
    CHECK(store->clusterRecords(first.clusterId).at(0).json.find("third wording") !=
          std::string::npos);
}

TEST_CASE("record_cpe names the vendor and product of each CPE of a record's current content",
          "[store][records][cpe-index]") {
    auto store = Store::inMemory();
    vw::Advisory a = makeAdvisory("JVNDB-2023-000101", {});
    a.cpes = {"cpe:/a:apache:log4j", "cpe:2.3:a:Apache:Log4j:2.14.1:*:*:*:*:*:*:*"};
    a.affected = {{"Linux", "Linux Kernel", "cpe:/o:linux:linux_kernel", {"5.16.3 未満"}},
                  {"x", "no cpe", "", {}},
                  {"y", "bad cpe", "cpe:/a:bad vendor", {}}};
    const auto first = store->upsertRecord("jvn", a, 1000);
    vw::Advisory other = makeAdvisory("JVNDB-2023-000102", {});
    other.cpes = {"cpe:/a:apache:tomcat"};
    const auto second = store->upsertRecord("jvn", other, 1000);

    using Pairs = std::vector<std::pair<std::string, std::string>>;
    using Ids = std::vector<std::int64_t>;
    CHECK(store->recordsNamingCpes(Pairs{{"apache", "log4j"}}) == Ids{first.recordId});
    CHECK(store->recordsNamingCpes(Pairs{{"linux", "linux_kernel"}}) == Ids{first.recordId});
    CHECK(store->recordsNamingCpes(
              Pairs{{"apache", "log4j"}, {"apache", "tomcat"}, {"linux", "linux_kernel"}}) ==
          Ids{first.recordId, second.recordId}); // each once, ascending
    CHECK(store->recordsNamingCpes(Pairs{{"apache", "struts"}}).empty());
    CHECK(store->recordsNamingCpes(Pairs{}).empty());
    CHECK(countRows(*store, "record_cpe") == 2); // one row per record that names a CPE

    // Changed content: the index follows the current content only.
    a.cpes = {"cpe:/a:apache:struts"};
    a.affected.clear();
    REQUIRE(store->upsertRecord("jvn", a, 2000).changed);
    CHECK(store->recordsNamingCpes(Pairs{{"apache", "log4j"}}).empty());
    CHECK(store->recordsNamingCpes(Pairs{{"linux", "linux_kernel"}}).empty());
    CHECK(store->recordsNamingCpes(Pairs{{"apache", "struts"}}) == Ids{first.recordId});
    // Content without CPEs: no row, found by nothing.
    a.cpes.clear();
    REQUIRE(store->upsertRecord("jvn", a, 3000).changed);
    CHECK(store->recordsNamingCpes(Pairs{{"apache", "struts"}}).empty());
    CHECK(countRows(*store, "record_cpe") == 1);

    const auto stored = store->record(second.recordId);
    REQUIRE(stored);
    CHECK(stored->clusterId == second.clusterId);
    CHECK(stored->json == vw::toJson(other));
    CHECK_FALSE(store->record(999999));
}
