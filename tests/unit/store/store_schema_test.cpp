#include "core/json_writer.h"
#include "helpers/backend.h"
#include "store/migrations.h"
#include "store/postgres_schema.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>

using vw::Store;
using vw::StoreError;
using vw::test::TempDir;

namespace {

std::string pragmaText(Store& store, const std::string& pragma) {
    auto q = store.db().prepare("PRAGMA " + pragma);
    REQUIRE(q.step());
    return q.text(0);
}

} // namespace

TEST_CASE("The migration list is what latestSchemaVersion says", "[store][migrations]") {
    CHECK(Store::latestSchemaVersion() == static_cast<int>(vw::schemaMigrations().size()));
    CHECK(Store::latestSchemaVersion() >= 1);

    auto store = Store::inMemory();
    CHECK(store->schemaVersion() == Store::latestSchemaVersion());
    CHECK(store->migrationsApplied() == Store::latestSchemaVersion());
}

TEST_CASE("Version 1 creates every table of the data model", "[store][migrations]") {
    auto store = Store::inMemory();
    const bool postgres = vw::test::onPostgres();
    for (const char* table :
         {"source_state", "record", "revision", "cluster", "alias", "product", "component", "match",
          "decision", "outbox", "delivery", "event_log"}) {
        auto q = store->db().prepare(
            postgres ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                       "current_schema() AND table_type = 'BASE TABLE' AND table_name = ?1"
                     : "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
        q.bind(1, std::string(table));
        REQUIRE(q.step());
        INFO("table " << table);
        CHECK(q.integer(0) == 1);
    }
    if (!postgres) { // PostgreSQL always enforces foreign keys
        CHECK(pragmaText(*store, "foreign_keys") == "1");
    }
}

TEST_CASE("A file database runs in WAL mode with the agreed pragmas", "[store][migrations]") {
    VW_SQLITE_ONLY("SQLite's file, WAL and PRAGMAs");
    TempDir dir;
    auto store = Store::open(dir.file("vw.db"));
    CHECK(pragmaText(*store, "journal_mode") == "wal");
    CHECK(pragmaText(*store, "synchronous") == "1"); // NORMAL
    CHECK(pragmaText(*store, "foreign_keys") == "1");
    CHECK(pragmaText(*store, "busy_timeout") == "5000");
    CHECK(pragmaText(*store, "temp_store") == "2"); // MEMORY
    CHECK(std::filesystem::exists(dir.file("vw.db")));
}

TEST_CASE("Re-opening an up-to-date file applies no migration", "[store][migrations]") {
    TempDir dir;
    const auto path = dir.file("vw.db");
    {
        auto first = Store::open(path);
        CHECK(first->migrationsApplied() == Store::latestSchemaVersion());
        first->logEvent("test", "first open", 100);
    }
    auto second = Store::open(path);
    CHECK(second->migrationsApplied() == 0);
    CHECK(second->schemaVersion() == Store::latestSchemaVersion());
    CHECK(vw::test::countRows(*second, "event_log") == 1);
}

TEST_CASE("A database from a newer build is refused with a clear error", "[store][migrations]") {
    TempDir dir;
    const auto path = dir.file("vw.db");
    const int newer = Store::latestSchemaVersion() + 1;
    std::string shown = path; // how the message names the store: the file, or the server's URL
    {
        auto store = Store::open(path);
        if (vw::test::onPostgres()) {
            store->db().exec("INSERT INTO schema_version (version) VALUES (" +
                             std::to_string(newer) + ")");
            shown = store->db().path();
        } else {
            store->db().exec("PRAGMA user_version = " + std::to_string(newer));
        }
    }
    CHECK_THROWS_AS(Store::open(path), StoreError);
    CHECK_THROWS_WITH(Store::open(path), Catch::Contains("newer") && Catch::Contains(shown) &&
                                             Catch::Contains(std::to_string(newer)));
    // Japanese first, then English, like the other refusals an administrator reads
    CHECK_THROWS_WITH(Store::open(path),
                      Catch::StartsWith(shown + " のスキーマ版 " + std::to_string(newer)) &&
                          Catch::Contains("新しい vulnwatch を使ってください / "));
}

TEST_CASE("Data survives closing and re-opening a file database", "[store][migrations]") {
    TempDir dir;
    const auto path = dir.file("vw.db");
    std::int64_t clusterId = 0;
    {
        auto store = Store::open(path);
        auto outcome = store->upsertRecord(
            "jvndb-new", vw::test::makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}), 1000);
        clusterId = outcome.clusterId;
        vw::SourceStateRow state;
        state.etag = "\"abc\"";
        store->saveSourceState("jvndb-new", state);
        vw::OutMessage m;
        m.notifier = "mail";
        m.idempotencyKey = "k1";
        CHECK(store->enqueue(m, 1000, 1000) > 0);
    }
    auto store = Store::open(path);
    CHECK(store->clusterOf("CVE-2023-0001") == clusterId);
    CHECK(store->sourceState("jvndb-new").etag == "\"abc\"");
    CHECK(store->outboxCounts().pending == 1);
    CHECK(store->clusterRecords(clusterId).size() == 1);
}

TEST_CASE("contentHash is XXH3-64 in hex", "[store]") {
    // Reference values of XXH3_64bits with seed 0 (xxHash's own test vectors for "" and "a").
    CHECK(vw::contentHash("") == "2d06800538d394c2");
    CHECK(vw::contentHash("a") == "e6c632b61e964e1f");
    CHECK(vw::contentHash("foobar").size() == 16);
    CHECK(vw::contentHash("{\"id\":1}") != vw::contentHash("{\"id\":2}"));
    const std::string longer(5000, 'x');
    CHECK(vw::contentHash(longer) != vw::contentHash(longer + "x"));
}

TEST_CASE("Migration 3 recomputes the stored FNV-1a hashes, so unchanged records stay unchanged",
          "[store][migrations]") {
    VW_SQLITE_ONLY("a SQLite file of an old schema upgraded by the SQLite migrations: "
                   "PostgreSQL stores start at the latest version");
    TempDir dir;
    const std::string path = dir.file("v2.db");
    const vw::Advisory current = vw::test::makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"});
    vw::Advisory older = current;
    older.title = "the title before the update";
    const std::string currentJson = vw::toJson(current);
    const std::string olderJson = vw::toJson(older);
    {
        // A database as schema version 2 left it: FNV-1a hashes (these two are made up: any
        // value other than the XXH3 one is what an old build wrote).
        vw::Database db(path);
        db.exec(vw::schemaMigrations()[0]);
        db.exec(vw::schemaMigrations()[1]);
        db.exec("PRAGMA user_version = 2");
        db.exec("INSERT INTO cluster (id, first_seen) VALUES (1, 1000)");
        db.exec("INSERT INTO alias (id, cluster_id) VALUES ('JVNDB-2023-000001', 1), "
                "('CVE-2023-0001', 1)");
        auto record = db.prepare(
            "INSERT INTO record (id, channel, record_id, json, content_hash, title, max_score, "
            "first_seen, last_seen, cluster_id) VALUES (1, 'jvn', 'JVNDB-2023-000001', ?1, "
            "'85944171f73967e8', 'title', 5.0, 1000, 2000, 1)");
        record.bind(1, currentJson).run();
        auto revisions =
            db.prepare("INSERT INTO revision (record_id, json, content_hash, seen_at) VALUES "
                       "(1, ?1, 'af63dc4c8601ec8c', 1000), (1, NULL, '85944171f73967e8', 2000)");
        revisions.bind(1, olderJson).run();
    }
    auto store = Store::open(path);
    CHECK(store->migrationsApplied() == Store::latestSchemaVersion() - 2);
    {
        auto q = store->db().prepare("SELECT content_hash FROM record WHERE id = 1");
        REQUIRE(q.step());
        CHECK(q.text(0) == vw::contentHash(currentJson));
    }
    {
        auto q = store->db().prepare("SELECT content_hash FROM revision ORDER BY seen_at");
        REQUIRE(q.step());
        CHECK(q.text(0) == vw::contentHash(olderJson));
        REQUIRE(q.step());
        CHECK(q.text(0) == vw::contentHash(currentJson));
    }
    // The same content polled again: no new revision.
    const vw::UpsertOutcome again = store->upsertRecord("jvn", current, 3000);
    CHECK_FALSE(again.isNew);
    CHECK_FALSE(again.changed);
    CHECK(vw::test::countRows(*store, "revision") == 2);
}

TEST_CASE("Migration 4 indexes the CPEs of the records already stored", "[store][migrations]") {
    VW_SQLITE_ONLY("a SQLite file of an old schema upgraded by the SQLite migrations: "
                   "PostgreSQL stores start at the latest version");
    TempDir dir;
    const std::string path = dir.file("v3.db");
    vw::Advisory stored = vw::test::makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"});
    stored.cpes = {"cpe:/a:apache:log4j"};
    stored.affected = {{"Linux", "Linux Kernel", "cpe:/o:linux:linux_kernel", {"5.16.3 未満"}},
                       {"n", "p", "not a cpe", {}}};
    {
        vw::Database db(path);
        for (std::size_t i = 0; i < 2; ++i) {
            db.exec(vw::schemaMigrations()[i]);
        }
        db.exec("PRAGMA user_version = 3"); // migration 3 only rewrites hashes
        db.exec("INSERT INTO cluster (id, first_seen) VALUES (1, 1000), (2, 1000)");
        auto insert = db.prepare(
            "INSERT INTO record (id, channel, record_id, json, content_hash, title, max_score, "
            "first_seen, last_seen, cluster_id) VALUES (?1, 'jvn', ?2, ?3, ?4, 't', 5.0, 1000, "
            "1000, ?1)");
        insert.bind(1, 1)
            .bind(2, stored.id)
            .bind(3, vw::toJson(stored))
            .bind(4, vw::contentHash(vw::toJson(stored)))
            .run();
        vw::Advisory plain = vw::test::makeAdvisory("JVNDB-2021-000001", {});
        auto second = db.prepare(
            "INSERT INTO record (id, channel, record_id, json, content_hash, title, max_score, "
            "first_seen, last_seen, cluster_id) VALUES (2, 'jvn', ?1, ?2, 'x', 't', 5.0, 1000, "
            "1000, 2)");
        second.bind(1, plain.id).bind(2, vw::toJson(plain)).run();
    }
    auto store = Store::open(path);
    CHECK(store->schemaVersion() == Store::latestSchemaVersion());
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(store->recordsNamingCpes(Pairs{{"apache", "log4j"}}) == std::vector<std::int64_t>{1});
    CHECK(store->recordsNamingCpes(Pairs{{"linux", "linux_kernel"}}) ==
          std::vector<std::int64_t>{1});
    CHECK(vw::test::countRows(*store, "record_cpe") == 1); // the plain record names no CPE
}

TEST_CASE("Source state round-trips every field", "[store][source-state]") {
    auto store = Store::inMemory();
    CHECK(store->sourceState("unknown").etag.empty());
    CHECK(store->sourceState("unknown").lastSuccess == 0);

    vw::SourceStateRow row;
    row.etag = "W/\"5f-abc\"";
    row.lastModified = "Thu, 02 Nov 2023 02:57:00 GMT";
    row.cursor = "uidvalidity=17;uid=4242";
    row.lastSuccess = 1700000000;
    row.lastAttempt = 1700000100;
    row.errorCount = 3;
    row.lastError = "接続がタイムアウトしました";
    row.nextAttempt = 1700000900;
    store->saveSourceState("imap", row);

    auto back = store->sourceState("imap");
    CHECK(back.etag == row.etag);
    CHECK(back.lastModified == row.lastModified);
    CHECK(back.cursor == row.cursor);
    CHECK(back.lastSuccess == row.lastSuccess);
    CHECK(back.lastAttempt == row.lastAttempt);
    CHECK(back.errorCount == row.errorCount);
    CHECK(back.lastError == row.lastError);
    CHECK(back.nextAttempt == row.nextAttempt);

    row.errorCount = 0;
    row.lastError.clear();
    store->saveSourceState("imap", row);
    CHECK(store->sourceState("imap").errorCount == 0);
    CHECK(store->sourceState("imap").lastError.empty());
    CHECK(vw::test::countRows(*store, "source_state") == 1);
}

TEST_CASE("Migration 5 splits clusters that advisory ids had merged and keeps everything",
          "[store][migrations][correlation]") {
    VW_SQLITE_ONLY("a SQLite file of an old schema upgraded by the SQLite migrations: "
                   "PostgreSQL stores start at the latest version");
    TempDir dir;
    const std::string path = dir.file("v4.db");
    // A store as the release before schema 5 wrote it: every id a record named was an alias,
    // so the JPCERT alert and the JVNVU# merged both log4j entries (and an alert mail, by its
    // Message-ID) into cluster 1; cluster 2 is right as it is.
    vw::Advisory first = vw::test::makeAdvisory(
        "JVNDB-2021-005429", {"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"});
    first.source = "vuldef";
    vw::Advisory second = vw::test::makeAdvisory(
        "JVNDB-2021-006139", {"CVE-2021-45105", "JPCERT-AT-2021-0050", "JVNVU#96768815"});
    second.source = "vuldef";
    vw::Advisory mail = vw::test::makeAdvisory(
        "<alert-20211211@jpcert.or.jp>", {"CVE-2021-44228", "JPCERT-AT-2021-0050"},
        "JPCERT-AT-2021-0050 Apache Log4j の脆弱性に関する注意喚起");
    mail.source = "mail";
    vw::Advisory other = vw::test::makeAdvisory("JVNDB-2023-004814", {"CVE-2023-0078"});
    {
        vw::Database db(path);
        for (std::size_t i : {0u, 1u}) {
            db.exec(vw::schemaMigrations()[i]);
        }
        // Migrations 3 and 4 as they leave a store (their SQL calls functions only Store::open
        // registers): XXH3 hashes, computed below, and an empty record_cpe table.
        db.exec("CREATE TABLE record_cpe (record_id INTEGER PRIMARY KEY REFERENCES record(id) "
                "ON DELETE CASCADE, names TEXT NOT NULL)");
        db.exec("PRAGMA user_version = 4");
        db.exec("INSERT INTO cluster (id, first_seen) VALUES (1, 1000), (2, 1500)");
        db.exec("INSERT INTO alias (id, cluster_id) VALUES ('JVNDB-2021-005429', 1), "
                "('CVE-2021-44228', 1), ('JPCERT-AT-2021-0050', 1), ('JVNVU#96768815', 1), "
                "('JVNDB-2021-006139', 1), ('CVE-2021-45105', 1), "
                "('<alert-20211211@jpcert.or.jp>', 1), ('JVNDB-2023-004814', 2), "
                "('CVE-2023-0078', 2)");
        auto insert = db.prepare(
            "INSERT INTO record (id, channel, record_id, json, content_hash, title, max_score, "
            "first_seen, last_seen, cluster_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 5.0, ?7, ?7, ?8)");
        struct Row {
            int id;
            const char* channel;
            const vw::Advisory* a;
            int seen;
            int cluster;
        };
        for (const Row& r :
             {Row{1, "myjvn", &first, 1000, 1}, Row{2, "myjvn", &second, 1100, 1},
              Row{3, "jpcert-mail", &mail, 1200, 1}, Row{4, "jvndb-new", &other, 1500, 2}}) {
            const std::string json = vw::toJson(*r.a);
            insert.bind(1, r.id)
                .bind(2, r.channel)
                .bind(3, r.a->id)
                .bind(4, json)
                .bind(5, vw::contentHash(json))
                .bind(6, r.a->title)
                .bind(7, r.seen)
                .bind(8, r.cluster)
                .run();
            insert.reset();
            auto revision = db.prepare("INSERT INTO revision (record_id, json, content_hash, "
                                       "seen_at) VALUES (?1, NULL, ?2, ?3)");
            revision.bind(1, r.id).bind(2, vw::contentHash(json)).bind(3, r.seen).run();
        }
        db.exec(
            "INSERT INTO match (id, cluster_id, product, component, confidence, method, "
            "reason, advisory, created_at) VALUES "
            "(1, 1, 'Viewer', 'log4j-core', 70, 'cpe-product', 'r', 'JVNDB-2021-005429', 1000), "
            "(2, 1, 'Gateway', 'log4j-core', 70, 'cpe-product', 'r', 'JVNDB-2021-006139', 1100), "
            "(3, 2, 'Viewer', 'resume', 70, 'cpe-product', 'r', 'JVNDB-2023-004814', 1500)");
        db.exec("INSERT INTO decision (cluster_id, product, state, decided_at) VALUES "
                "(1, 'Viewer', 'affected', 1300)");
        db.exec("INSERT INTO outbox (id, notifier, idempotency_key, due_at, created_at, "
                "updated_at, state) VALUES (1, 'chat', 'k1', 1000, 1000, 1000, 'delivered'), "
                "(2, 'chat', 'k2', 1100, 1100, 1100, 'pending')");
        db.exec("INSERT INTO delivery (outbox_id, at, ok, reply) VALUES (1, 1001, 1, '204')");
    }

    auto store = Store::open(path);
    CHECK(store->schemaVersion() == Store::latestSchemaVersion());
    using vw::test::countRows;
    // Every record, revision, match, decision, outbox row and delivery is still there.
    CHECK(countRows(*store, "record") == 4);
    CHECK(countRows(*store, "revision") == 4);
    CHECK(countRows(*store, "match") == 3);
    CHECK(countRows(*store, "decision") == 1);
    CHECK(countRows(*store, "outbox") == 2);
    CHECK(countRows(*store, "delivery") == 1);

    // One cluster per vulnerability; the first keeps its id, the split-off one is new.
    CHECK(store->clusterOf("JVNDB-2021-005429") == 1);
    CHECK(store->clusterOf("CVE-2021-44228") == 1);
    const auto split = store->clusterOf("JVNDB-2021-006139");
    REQUIRE(split);
    CHECK(*split != 1);
    CHECK(store->clusterOf("CVE-2021-45105") == split);
    CHECK(store->clusterOf("JVNDB-2023-004814") == 2);
    CHECK(countRows(*store, "cluster") == 3);
    // Advisory ids and the Message-ID are no aliases; the advisories cover both log4j clusters.
    CHECK_FALSE(store->clusterOf("JPCERT-AT-2021-0050"));
    CHECK_FALSE(store->clusterOf("JVNVU#96768815"));
    CHECK_FALSE(store->clusterOf("<alert-20211211@jpcert.or.jp>"));
    const auto alert = store->advisoryOf("JPCERT-AT-2021-0050");
    REQUIRE(alert);
    CHECK(store->coveredClusters(*alert) == std::vector<std::int64_t>{1, *split});
    CHECK(store->cluster(1).key == "JVNDB-2021-005429");
    CHECK(store->cluster(*split).key == "JVNDB-2021-006139");
    // The alert mail belongs to its advisory now.
    const auto mailRow = store->record(3);
    REQUIRE(mailRow);
    CHECK(mailRow->clusterId == 0);
    CHECK(mailRow->advisoryId == *alert);

    // Matches follow the record that matched; the decision stays with the cluster that kept
    // its id.
    const auto matches = store->matches();
    REQUIRE(matches.size() == 3);
    CHECK(matches[0].clusterId == 1);
    CHECK(matches[1].clusterId == *split);
    CHECK(matches[2].clusterId == 2);
    auto q = store->db().prepare("SELECT cluster_id FROM decision");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 1);
    // The split is logged, naming the old ids and the new clusters.
    auto events = store->db().prepare("SELECT text FROM event_log WHERE kind = 'cluster-split'");
    REQUIRE(events.step());
    const std::string text = events.text(0);
    CHECK(text.find("cluster 1 ") != std::string::npos);
    CHECK(text.find("JPCERT-AT-2021-0050") != std::string::npos);
    CHECK(text.find("(JVNDB-2021-006139)") != std::string::npos);
    CHECK_FALSE(events.step()); // cluster 2 was right: no split for it

    // Opening again migrates nothing more.
    store.reset();
    CHECK(Store::open(path)->migrationsApplied() == 0);
}

TEST_CASE("Migration 6 gives every product a version and keeps components and matches",
          "[store][migrations][products]") {
    VW_SQLITE_ONLY("a SQLite file of an old schema upgraded by the SQLite migrations: "
                   "PostgreSQL stores start at the latest version");
    TempDir dir;
    const std::string path = dir.file("v4-products.db");
    {
        // A store as schema 4 left it (see the migration 5 test), with a product, its
        // component and a match, as the release before versions wrote them.
        vw::Database db(path);
        for (std::size_t i : {0u, 1u}) {
            db.exec(vw::schemaMigrations()[i]);
        }
        db.exec("CREATE TABLE record_cpe (record_id INTEGER PRIMARY KEY REFERENCES record(id) "
                "ON DELETE CASCADE, names TEXT NOT NULL)");
        db.exec("PRAGMA user_version = 4");
        db.exec("INSERT INTO product (id, name, version, owners, keywords, cpes) VALUES "
                "(1, 'Bedside Monitor Gateway', '1.8', 'psirt@example.jp\n', 'Log4j\n', ''), "
                "(2, 'Bare', '', '', '', '')");
        db.exec("INSERT INTO component (product_id, vendor, name, version, cpe, purl) VALUES "
                "(1, 'apache', 'log4j-core', '2.14.1', "
                "'cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*', 'pkg:maven/x/log4j-core'), "
                "(1, '', 'zlib', '1.2.11', '', '')");
        const vw::Advisory a = vw::test::makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"});
        const std::string json = vw::toJson(a);
        db.exec("INSERT INTO cluster (id, first_seen) VALUES (1, 1000)");
        db.exec("INSERT INTO alias (id, cluster_id) VALUES ('JVNDB-2021-005429', 1), "
                "('CVE-2021-44228', 1)");
        auto insert = db.prepare(
            "INSERT INTO record (id, channel, record_id, json, content_hash, title, max_score, "
            "first_seen, last_seen, cluster_id) VALUES (1, 'myjvn', ?1, ?2, ?3, 't', 5.0, 1000, "
            "1000, 1)");
        insert.bind(1, a.id).bind(2, json).bind(3, vw::contentHash(json)).run();
        db.exec("INSERT INTO match (cluster_id, product, component, confidence, method, reason, "
                "advisory, aliases, version, state, created_at) VALUES (1, "
                "'Bedside Monitor Gateway', 'log4j-core', 70, 'cpe-product', 'r', "
                "'JVNDB-2021-005429', '', '1.8', 'new', 1100)");
    }
    auto store = Store::open(path);
    REQUIRE(store->schemaVersion() == Store::latestSchemaVersion());
    const auto registry = store->registry();
    REQUIRE(registry.size() == 2);
    CHECK(registry[0].owners == std::vector<std::string>{"psirt@example.jp"});
    REQUIRE(registry[0].versions.size() == 1);
    CHECK(registry[0].versions[0].version == "1.8");
    REQUIRE(registry[0].versions[0].components.size() == 2);
    CHECK(registry[0].versions[0].components[0].cpes ==
          std::vector<std::string>{"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"});
    CHECK(registry[0].versions[0].components[1].cpes.empty());
    REQUIRE(registry[1].versions.size() == 1);
    CHECK(registry[1].versions[0].version.empty());
    const auto matches = store->matches();
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].match.version == "1.8");
    CHECK(matches[0].match.verdict == "affected"); // no version was compared before
    CHECK(matches[0].createdAt == 1100);
    // Migration 7 indexed the text of the record, which names no CPE.
    CHECK(store->recordsWithText({"title"}) == std::vector<std::int64_t>{1});
}

TEST_CASE("Migration 22 makes alias a WITHOUT ROWID table and keeps every alias",
          "[store][migrations]") {
    VW_SQLITE_ONLY("a SQLite file of an old schema upgraded by the SQLite migrations: "
                   "PostgreSQL stores start at the latest version");
    TempDir dir;
    const std::string path = dir.file("v21.db");
    {
        // A store as schema 21 left it, with two clusters and their aliases.
        auto store = Store::open(path);
        store->upsertRecord("jvn", vw::test::makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}),
                            1000);
        store->upsertRecord("jvn", vw::test::makeAdvisory("JVNDB-2023-000002", {"CVE-2023-0002"}),
                            1000);
        vw::Database& db = store->db();
        db.exec("PRAGMA foreign_keys = OFF");
        db.exec("BEGIN");
        db.exec("CREATE TABLE alias_v21 (id TEXT PRIMARY KEY, cluster_id INTEGER NOT NULL "
                "REFERENCES cluster(id))");
        db.exec("INSERT INTO alias_v21 SELECT id, cluster_id FROM alias");
        db.exec("DROP TABLE alias");
        db.exec("ALTER TABLE alias_v21 RENAME TO alias");
        db.exec("CREATE INDEX alias_cluster ON alias(cluster_id)");
        db.exec("COMMIT");
        db.exec("PRAGMA user_version = 21");
    }
    const auto aliasSql = [](Store& store) {
        auto q = store.db().prepare("SELECT sql FROM sqlite_master WHERE name = 'alias'");
        REQUIRE(q.step());
        return q.text(0);
    };
    auto store = Store::open(path);
    CHECK(store->migrationsApplied() == Store::latestSchemaVersion() - 21);
    CHECK(aliasSql(*store).find("WITHOUT ROWID") != std::string::npos);
    CHECK(vw::test::countRows(*store, "alias") == 4);
    const auto first = store->clusterOf("CVE-2023-0001");
    const auto second = store->clusterOf("JVNDB-2023-000002");
    REQUIRE(first);
    REQUIRE(second);
    CHECK(*first != *second);
    CHECK(store->clusterOf("JVNDB-2023-000001") == first);
    {
        auto q = store->db().prepare("SELECT count(*) FROM alias WHERE cluster_id = ?1");
        q.bind(1, *second);
        REQUIRE(q.step());
        CHECK(q.integer(0) == 2); // through alias_cluster, rebuilt with the table
    }
    auto check = store->db().prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.text(0) == "ok");
    // A record naming an alias of each cluster still merges them.
    const vw::UpsertOutcome merged = store->upsertRecord(
        "jvn", vw::test::makeAdvisory("JVNDB-2023-000003", {"CVE-2023-0001", "CVE-2023-0002"}),
        2000);
    CHECK(store->clusterOf("CVE-2023-0002") == std::optional<std::int64_t>(merged.clusterId));
    CHECK(store->clusterOf("JVNDB-2023-000001") == std::optional<std::int64_t>(merged.clusterId));
}

TEST_CASE("Schema 23 compresses the record JSON with lz4 on PostgreSQL", "[store][migrations]") {
    CHECK(vw::postgresSchemaVersion() == Store::latestSchemaVersion());
    CHECK(vw::postgresMigration(23).find("INSERT INTO schema_version (version) VALUES (23)") !=
          std::string_view::npos);
    if (!vw::test::onPostgres()) {
        return; // SQLite compresses nothing; its version is raised to stay in step
    }
    auto store = Store::inMemory();
    vw::Database& db = store->db();
    const bool lz4 = [&]() {
        auto q = db.prepare("SELECT count(*) FROM pg_settings WHERE name = "
                            "'default_toast_compression' AND 'lz4' = ANY (enumvals)");
        REQUIRE(q.step());
        return q.integer(0) == 1;
    }();
    // pg_attribute.attcompression: 'l' lz4, 'p' pglz, '' the server's default (pglz).
    const auto method = [&](const char* table) {
        auto q = db.prepare("SELECT attcompression::text FROM pg_attribute WHERE attrelid = "
                            "to_regclass(?1) AND attname = 'json'");
        q.bind(1, std::string(table));
        REQUIRE(q.step());
        return q.text(0);
    };
    const std::string expected = lz4 ? "l" : "";
    CHECK(method("record") == expected);
    CHECK(method("revision") == expected);
    // A record long enough to be compressed (PostgreSQL compresses a row over 2 KB) is
    // compressed so and reads back unchanged.
    vw::Advisory big = vw::test::makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"});
    for (int i = 0; i < 200; ++i) {
        big.summary += " 影響を受ける製品のバージョン " + std::to_string(i) + " の脆弱性;";
    }
    const vw::UpsertOutcome stored = store->upsertRecord("jvn", big, 1000);
    {
        auto q = db.prepare("SELECT pg_column_compression(json), json FROM record WHERE id = ?1");
        q.bind(1, stored.recordId);
        REQUIRE(q.step());
        CHECK(q.text(0) == (lz4 ? "lz4" : "pglz"));
        CHECK(q.text(1) == vw::toJson(big));
    }
    // A store of schema 22 (the columns on the default method) is brought to 23.
    db.exec("BEGIN");
    db.execNative("ALTER TABLE record ALTER COLUMN json SET COMPRESSION DEFAULT; "
                  "ALTER TABLE revision ALTER COLUMN json SET COMPRESSION DEFAULT; "
                  "DELETE FROM schema_version WHERE version >= 23");
    CHECK(method("record").empty());
    db.execNative(vw::postgresMigration(23));
    CHECK(method("record") == expected);
    CHECK(method("revision") == expected);
    {
        auto q = db.prepare("SELECT max(version) FROM schema_version");
        REQUIRE(q.step());
        CHECK(q.integer(0) == 23);
    }
    db.exec("ROLLBACK");
}
