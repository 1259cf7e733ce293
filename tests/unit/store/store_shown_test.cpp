// The title, CVSS score and aliases a cluster shows, kept in the cluster row (cluster.title,
// max_score, aliases): after any sequence of ingests, revisions, merges and records leaving a
// cluster they equal what the queries they replace compute from the record and alias tables
// (the channel precedence of docs/correlation.md: vw_source_rank, then last_seen, then row id).
#include "core/json_writer.h"
#include "helpers/backend.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store_test_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <sstream>

using vw::Advisory;
using vw::Store;
using vw::test::makeAdvisory;

namespace {

struct Shown {
    std::string title;
    double maxScore = 0.0;
    bool operator==(const Shown& o) const { return title == o.title && maxScore == o.maxScore; }
};

std::ostream& operator<<(std::ostream& os, const Shown& s) {
    return os << "{\"" << s.title << "\", " << s.maxScore << "}";
}

/// Cluster id -> what the query before the denormalisation computed from the records.
std::map<std::int64_t, Shown> shownByQuery(Store& store) {
    auto q = store.db().prepare(
        "SELECT c.id, coalesce((SELECT title FROM record WHERE cluster_id = c.id AND "
        "title != '' ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1), ''), "
        "coalesce((SELECT max_score FROM record WHERE cluster_id = c.id AND max_score > 0 "
        "ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1), 0) FROM cluster c");
    std::map<std::int64_t, Shown> out;
    while (q.step()) {
        out[q.integer(0)] = {q.text(1), q.real(2)};
    }
    return out;
}

/// Cluster id -> the values kept in the cluster row.
std::map<std::int64_t, Shown> shownByRow(Store& store) {
    auto q = store.db().prepare("SELECT id, title, max_score FROM cluster");
    std::map<std::int64_t, Shown> out;
    while (q.step()) {
        out[q.integer(0)] = {q.text(1), q.real(2)};
    }
    return out;
}

/// Cluster id -> its aliases, sorted: from the alias table (`fromRow` false) or as the cluster
/// row lists them.
std::map<std::int64_t, std::vector<std::string>> aliasesOf(Store& store, bool fromRow) {
    std::map<std::int64_t, std::vector<std::string>> out;
    auto clusters = store.db().prepare("SELECT id, aliases FROM cluster");
    while (clusters.step()) {
        auto& ids = out[clusters.integer(0)];
        if (fromRow) {
            std::istringstream lines(clusters.text(1));
            for (std::string id; std::getline(lines, id);) {
                ids.push_back(id);
            }
        }
    }
    if (!fromRow) {
        auto aliases = store.db().prepare("SELECT cluster_id, id FROM alias");
        while (aliases.step()) {
            out[aliases.integer(0)].push_back(aliases.text(1));
        }
    }
    for (auto& [cluster, ids] : out) {
        std::sort(ids.begin(), ids.end());
    }
    return out;
}

/// Checks the kept values against the query and against what the listing reads.
void checkShown(Store& store) {
    const auto expected = shownByQuery(store);
    REQUIRE(shownByRow(store) == expected);
    auto aliases = aliasesOf(store, false);
    REQUIRE(aliasesOf(store, true) == aliases);
    auto unterminated = store.db().prepare("SELECT count(*) FROM cluster WHERE aliases != '' AND "
                                           "substr(aliases, length(aliases), 1) != ?1");
    unterminated.bind(1, std::string_view("\n"));
    REQUIRE(unterminated.step());
    CHECK(unterminated.integer(0) == 0);
    // What the listing (and `advisories show` of an advisory) reads.
    for (const auto& c : store.listClusters(0)) {
        const auto it = expected.find(c.clusterId);
        REQUIRE(it != expected.end());
        CHECK(c.title == it->second.title);
        CHECK(c.maxScore == it->second.maxScore);
        CHECK(c.ids == aliases[c.clusterId]);
    }
}

Advisory withSource(Advisory a, const std::string& source) {
    a.source = source;
    return a;
}

Advisory withoutScore(Advisory a) {
    a.cvss.clear();
    return a;
}

Shown shownOf(Store& store, const std::string& alias) {
    const auto cluster = store.clusterOf(alias);
    REQUIRE(cluster);
    const vw::ClusterSummary summary = store.cluster(*cluster);
    return {summary.title, summary.maxScore};
}

} // namespace

TEST_CASE("A cluster shows the title and score of its first record by channel precedence",
          "[store][shown]") {
    auto store = Store::inMemory();
    const std::string cve = "CVE-2024-1001";
    // An RSS item first: it supplies both values.
    store->upsertRecord(
        "jvndb-new",
        withSource(makeAdvisory("JVNDB-2024-000101", {cve}, "RSS の題名", 5.3), "jvn-rss"), 1000);
    CHECK(shownOf(*store, cve) == Shown{"RSS の題名", 5.3});
    // The VULDEF detail outranks it for the title; having no CVSS, not for the score.
    Advisory detail = withoutScore(
        withSource(makeAdvisory("JVNDB-2024-000101", {cve}, "VULDEF の題名"), "vuldef"));
    store->upsertRecord("import", detail, 1100);
    CHECK(shownOf(*store, cve) == Shown{"VULDEF の題名", 5.3});
    // The detail gets a score: it supplies both.
    detail.cvss.push_back({"3.1", 7.5, "High", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"});
    store->upsertRecord("import", detail, 1200);
    CHECK(shownOf(*store, cve) == Shown{"VULDEF の題名", 7.5});
    // It loses its title: the RSS item's comes back.
    detail.title.clear();
    store->upsertRecord("import", detail, 1300);
    CHECK(shownOf(*store, cve) == Shown{"RSS の題名", 7.5});
    // A mail ranks below both.
    Advisory mail = makeAdvisory("<m1@example.jp>", {cve}, "メールの件名", 9.8);
    mail.source = "mail";
    store->upsertRecord("jpcert-mail", mail, 1400);
    CHECK(shownOf(*store, cve) == Shown{"RSS の題名", 7.5});
    checkShown(*store);
}

TEST_CASE("Within a channel the most recently seen record supplies the shown values",
          "[store][shown]") {
    auto store = Store::inMemory();
    const std::string cve = "CVE-2024-2002";
    const Advisory first =
        withSource(makeAdvisory("JVNDB-2024-000201", {cve}, "一つ目", 4.0), "jvn-rss");
    const Advisory second = withSource(makeAdvisory("JVNDB-2024-000201", {cve}, "二つ目", 6.0),
                                       "myjvn"); // same rank as jvn-rss
    store->upsertRecord("jvndb-new", first, 1000);
    store->upsertRecord("myjvn", second, 1100);
    CHECK(shownOf(*store, cve) == Shown{"二つ目", 6.0});
    // The first one seen again, unchanged: now the most recent of the two.
    const auto again = store->upsertRecord("jvndb-new", first, 1200);
    CHECK_FALSE(again.changed);
    CHECK(shownOf(*store, cve) == Shown{"一つ目", 4.0});
    // Seen at the same second as the other: the higher row id (the later record) wins.
    store->upsertRecord("myjvn", second, 1200);
    CHECK(shownOf(*store, cve) == Shown{"二つ目", 6.0});
    // A clock going back changes nothing (last_seen keeps its maximum).
    store->upsertRecord("jvndb-new", first, 900);
    CHECK(shownOf(*store, cve) == Shown{"二つ目", 6.0});
    checkShown(*store);
}

TEST_CASE("A merge shows the better of both clusters' values and a record leaving takes its own",
          "[store][shown]") {
    auto store = Store::inMemory();
    store->upsertRecord(
        "jvndb-new",
        withSource(makeAdvisory("JVNDB-2024-000301", {"CVE-2024-3001"}, "RSS 側", 3.1), "jvn-rss"),
        1000);
    store->upsertRecord(
        "import",
        withoutScore(withSource(makeAdvisory("JVNDB-2024-000302", {"CVE-2024-3002"}, "VULDEF 側"),
                                "vuldef")),
        1100);
    REQUIRE(store->clusterOf("CVE-2024-3001") != store->clusterOf("CVE-2024-3002"));
    // An entry naming both CVEs merges the two clusters; it has neither title nor score.
    Advisory bridge = withoutScore(withSource(
        makeAdvisory("JVNDB-2024-000303", {"CVE-2024-3001", "CVE-2024-3002"}, ""), "vuldef"));
    store->upsertRecord("import", bridge, 1200);
    REQUIRE(store->clusterOf("CVE-2024-3001") == store->clusterOf("CVE-2024-3002"));
    CHECK(shownOf(*store, "CVE-2024-3001") == Shown{"VULDEF 側", 3.1});
    checkShown(*store);

    // A mail about one CVE joins its cluster; sent again naming another CVE, it leaves it.
    Advisory mail = makeAdvisory("<m2@example.jp>", {"CVE-2024-3009"}, "単独のメール", 8.1);
    mail.source = "mail";
    store->upsertRecord("jpcert-mail", mail, 1300);
    CHECK(shownOf(*store, "CVE-2024-3009") == Shown{"単独のメール", 8.1});
    mail.aliases = {"CVE-2024-3001"};
    store->upsertRecord("jpcert-mail", mail, 1400);
    CHECK(shownOf(*store, "CVE-2024-3009") == Shown{"", 0.0});
    CHECK(shownOf(*store, "CVE-2024-3001") == Shown{"VULDEF 側", 3.1});
    // Becoming a weekly report (mentions only), it leaves every cluster.
    mail.title = "WEEKLY REPORT 2024-01-10";
    mail.aliases = {"CVE-2024-3001", "CVE-2024-3002", "CVE-2024-3009"};
    const auto weekly = store->upsertRecord("jpcert-mail", mail, 1500);
    CHECK(weekly.clusterId == 0);
    checkShown(*store);
}

TEST_CASE("The shown values equal the query after random ingests and merges", "[store][shown]") {
    const char* sources[] = {"vuldef", "jvn-rss", "myjvn", "jvn", "myjvn-alert", "mail"};
    const char* channels[] = {"import", "jvndb-new", "myjvn"};
    const char* titles[] = {"", "Apache の脆弱性", "OpenSSL の脆弱性", "題名 A", "題名 B"};
    for (const unsigned seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
        INFO("seed " << seed);
        std::mt19937 random(seed);
        const auto pick = [&](int n) {
            return static_cast<int>(random() % static_cast<unsigned>(n));
        };
        auto store = Store::inMemory();
        // (channel, id, source) -> (channel, its record as last upserted)
        std::map<std::string, std::pair<std::string, Advisory>> stored;
        std::int64_t now = 1000;
        for (int step = 0; step < 250; ++step) {
            INFO("step " << step);
            // Time: mostly forward, sometimes the same second, sometimes back (a clock reset).
            const int clock = pick(10);
            now += clock < 6 ? 1 + pick(50) : clock < 9 ? 0 : -pick(100);
            const int what = pick(10);
            if (what < 3 && !stored.empty()) {
                // A record seen again, unchanged.
                const auto& [channel, record] =
                    std::next(stored.begin(), pick(static_cast<int>(stored.size())))->second;
                CHECK_FALSE(store->upsertRecord(channel, record, now).changed);
            } else {
                Advisory a;
                const std::string source = sources[pick(6)];
                a.source = source;
                const int aliasCount = pick(3) + (source == "mail" ? 0 : pick(2));
                for (int i = 0; i < aliasCount; ++i) {
                    a.aliases.push_back("CVE-2024-" + std::to_string(1000 + pick(25)));
                }
                if (source == "mail") {
                    a.id = "<m" + std::to_string(pick(12)) + "@example.jp>";
                } else if (source == "jvn" || source == "myjvn-alert") {
                    a.id = source == "jvn" ? "JVNVU#9" + std::to_string(1000000 + pick(8))
                                           : "JPCERT-AT-2024-00" + std::to_string(10 + pick(8));
                } else {
                    a.id = "JVNDB-2024-" + std::to_string(100000 + pick(30));
                }
                a.title = titles[pick(5)];
                if (pick(3) != 0) {
                    a.cvss.push_back({"3.1", (1 + pick(99)) / 10.0, "", ""});
                }
                const std::string channel = channels[pick(3)];
                if (pick(4) == 0) {
                    // Now and then a whole batch in one transaction, as ingestBatch does.
                    Store::Transaction tx(*store);
                    store->upsertRecord(channel, a, now, Store::Savepoint::Skip);
                    tx.commit();
                } else {
                    store->upsertRecord(channel, a, now);
                }
                stored[channel + "\n" + a.id + "\n" + a.source] = {channel, a};
            }
            checkShown(*store);
        }
        // The run did exercise what it is about.
        CHECK(vw::test::countRows(*store, "event_log") > 0); // merges happened
        auto multi = store->db().prepare("SELECT count(*) FROM (SELECT cluster_id FROM record "
                                         "WHERE cluster_id IS NOT NULL GROUP BY cluster_id "
                                         "HAVING count(DISTINCT source) > 1) AS multi");
        REQUIRE(multi.step());
        CHECK(multi.integer(0) > 0);
    }
}

TEST_CASE("Upgrading a store fills the shown values of the clusters it holds",
          "[store][shown][migrations]") {
    VW_SQLITE_ONLY("a SQLite file of schema 4 upgraded by the SQLite migrations: PostgreSQL "
                   "stores start at the latest version");
    // A store as the release before schema 5 left it (built by hand as in the migration 5
    // test); opening it runs every later migration, the re-correlation of migration 5 and the
    // one that adds the shown values, whatever its number.
    vw::test::TempDir dir;
    const std::string path = dir.file("v4.db");
    const Advisory detail = withoutScore(withSource(
        makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"}, "Apache Log4j の脆弱性"), "vuldef"));
    const Advisory rss =
        withSource(makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"}, "RSS: Apache Log4j", 10.0),
                   "jvn-rss");
    const Advisory other = withSource(
        makeAdvisory("JVNDB-2023-004814", {"CVE-2023-0078"}, "Resume Builder", 5.4), "jvn-rss");
    {
        vw::Database db(path);
        db.exec(vw::schemaMigrations()[0]);
        db.exec(vw::schemaMigrations()[1]);
        db.exec("CREATE TABLE record_cpe (record_id INTEGER PRIMARY KEY REFERENCES record(id) "
                "ON DELETE CASCADE, names TEXT NOT NULL)");
        db.exec("PRAGMA user_version = 4");
        db.exec("INSERT INTO cluster (id, first_seen) VALUES (1, 1000), (2, 1500)");
        db.exec("INSERT INTO alias (id, cluster_id) VALUES ('JVNDB-2021-005429', 1), "
                "('CVE-2021-44228', 1), ('JVNDB-2023-004814', 2), ('CVE-2023-0078', 2)");
        auto insert = db.prepare("INSERT INTO record (id, channel, record_id, json, content_hash, "
                                 "title, max_score, first_seen, last_seen, cluster_id) VALUES "
                                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)");
        struct Row {
            int id;
            const char* channel;
            const Advisory* a;
            int seen;
            int cluster;
        };
        for (const Row& r : {Row{1, "jvndb-new", &rss, 1000, 1}, Row{2, "import", &detail, 1100, 1},
                             Row{3, "jvndb-new", &other, 1500, 2}}) {
            const std::string json = vw::toJson(*r.a);
            insert.bind(1, r.id)
                .bind(2, r.channel)
                .bind(3, r.a->id)
                .bind(4, json)
                .bind(5, vw::contentHash(json))
                .bind(6, r.a->title)
                .bind(7, r.a->maxScore())
                .bind(8, r.seen)
                .bind(9, r.cluster)
                .run();
            insert.reset();
        }
    }
    auto store = Store::open(path);
    REQUIRE(store->schemaVersion() == Store::latestSchemaVersion());
    // The detail's title (it has no score: the RSS item's), and the other cluster's own.
    CHECK(shownOf(*store, "CVE-2021-44228") == Shown{"Apache Log4j の脆弱性", 10.0});
    CHECK(shownOf(*store, "CVE-2023-0078") == Shown{"Resume Builder", 5.4});
    checkShown(*store);
    // And they are kept from then on.
    store->upsertRecord("jvndb-new", withoutScore(rss), 2000);
    CHECK(shownOf(*store, "CVE-2021-44228") == Shown{"Apache Log4j の脆弱性", 0.0});
    checkShown(*store);
}

TEST_CASE("A deleted record gives up the values it supplied", "[store][shown]") {
    // Nothing deletes records today; the store keeps the shown values right if something does.
    auto store = Store::inMemory();
    const auto kept = store->upsertRecord(
        "jvndb-new",
        withSource(makeAdvisory("JVNDB-2024-000401", {"CVE-2024-4001"}, "RSS", 4.4), "jvn-rss"),
        1000);
    const auto gone = store->upsertRecord(
        "import",
        withSource(makeAdvisory("JVNDB-2024-000401", {"CVE-2024-4001"}, "VULDEF", 9.1), "vuldef"),
        1100);
    REQUIRE(kept.clusterId == gone.clusterId);
    CHECK(shownOf(*store, "CVE-2024-4001") == Shown{"VULDEF", 9.1});
    auto del = store->db().prepare("DELETE FROM record WHERE id = ?1");
    del.bind(1, gone.recordId).run();
    CHECK(shownOf(*store, "CVE-2024-4001") == Shown{"RSS", 4.4});
    checkShown(*store);
}
