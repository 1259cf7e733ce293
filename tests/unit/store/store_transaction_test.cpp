#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>

using vw::Store;
using vw::test::countRows;
using vw::test::makeAdvisory;

namespace {

vw::Match match() {
    vw::Match m;
    m.advisory = "JVNDB-2023-000001";
    m.product = "Viewer";
    m.component = "log4j-core";
    m.confidence = 90;
    m.method = "cpe-product";
    return m;
}

vw::OutMessage message(const std::string& key) {
    vw::OutMessage m;
    m.notifier = "mail";
    m.idempotencyKey = key;
    return m;
}

/// Writes a record, a match and an outbox row the way the pipeline does.
void writeAll(Store& store, const std::string& id, const std::string& key) {
    auto outcome = store.upsertRecord("s", makeAdvisory(id, {"CVE-2023-0001"}), 100);
    store.insertMatch(outcome.clusterId, match(), 100);
    store.enqueue(message(key), 100, 100);
}

void checkRollback(Store& store) {
    {
        Store::Transaction tx(store);
        writeAll(store, "JVNDB-2023-000001", "k1");
        CHECK(countRows(store, "record") == 1); // visible inside the transaction
    }
    CHECK(countRows(store, "record") == 0);
    CHECK(countRows(store, "revision") == 0);
    CHECK(countRows(store, "cluster") == 0);
    CHECK(countRows(store, "alias") == 0);
    CHECK(countRows(store, "match") == 0);
    CHECK(countRows(store, "outbox") == 0);
}

} // namespace

TEST_CASE("A Transaction destroyed without commit leaves nothing behind", "[store][transaction]") {
    SECTION("in memory") {
        auto store = Store::inMemory();
        checkRollback(*store);
    }
    SECTION("in a WAL file") {
        vw::test::TempDir dir;
        auto store = Store::open(dir.file("vw.db"));
        checkRollback(*store);
    }
}

TEST_CASE("A committed Transaction keeps everything", "[store][transaction]") {
    vw::test::TempDir dir;
    const auto path = dir.file("vw.db");
    {
        auto store = Store::open(path);
        Store::Transaction tx(*store);
        writeAll(*store, "JVNDB-2023-000001", "k1");
        tx.commit();
    }
    auto store = Store::open(path);
    CHECK(countRows(*store, "record") == 1);
    CHECK(countRows(*store, "match") == 1);
    CHECK(countRows(*store, "outbox") == 1);
}

TEST_CASE("An exception inside a Transaction rolls everything back", "[store][transaction]") {
    auto store = Store::inMemory();
    // Only the deliberate failure may leave the block: the writes before it must succeed (a
    // StoreError from them fails the test here instead of passing as the expected exception).
    bool written = false;
    try {
        Store::Transaction tx(*store);
        REQUIRE_NOTHROW(writeAll(*store, "JVNDB-2023-000001", "k1"));
        REQUIRE(countRows(*store, "record") == 1);
        REQUIRE(countRows(*store, "match") == 1);
        REQUIRE(countRows(*store, "outbox") == 1);
        written = true;
        store->markDelivered(999, "ok", 1); // unknown id: throws
        tx.commit();
        FAIL("markDelivered of an unknown id did not throw");
    } catch (const vw::StoreError& e) {
        REQUIRE(written);
        CHECK_THAT(e.what(), Catch::Contains("no outbox message with id 999"));
    }
    CHECK(countRows(*store, "record") == 0);
    CHECK(countRows(*store, "match") == 0);
    CHECK(countRows(*store, "outbox") == 0);
    // The connection is usable afterwards.
    writeAll(*store, "JVNDB-2023-000002", "k2");
    CHECK(countRows(*store, "record") == 1);
}

namespace {

/// Failure injection: a revision of a record whose JSON mentions BOOM is refused by the
/// database, so upsertRecord fails after it has written the cluster, aliases and record.
void armRevisionFailure(Store& store) {
    if (store.db().isPostgres()) {
        // No temporary triggers there: one in the test store's own (temporary) schema.
        store.db().execNative(
            "CREATE FUNCTION fail_revision() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
            "IF (SELECT json FROM record WHERE id = NEW.record_id) LIKE '%BOOM%' THEN "
            "RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $f$; "
            "CREATE TRIGGER fail_revision BEFORE INSERT ON revision FOR EACH ROW "
            "EXECUTE FUNCTION fail_revision()");
        return;
    }
    store.db().exec("CREATE TEMP TRIGGER fail_revision BEFORE INSERT ON revision "
                    "WHEN (SELECT json FROM record WHERE id = NEW.record_id) LIKE '%BOOM%' "
                    "BEGIN SELECT RAISE(ABORT, 'injected'); END");
}

} // namespace

TEST_CASE("A failed upsert inside a Transaction undoes only itself", "[store][transaction]") {
    auto store = Store::inMemory();
    armRevisionFailure(*store);
    Store::Transaction tx(*store);
    store->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}), 100);
    CHECK_THROWS_WITH(
        store->upsertRecord("s", makeAdvisory("JVNDB-2023-000002", {"CVE-2023-0009"}, "BOOM"), 100),
        Catch::Contains("injected"));
    tx.commit();
    CHECK(countRows(*store, "record") == 1);
    CHECK(countRows(*store, "cluster") == 1);
    CHECK(store->clusterOf("CVE-2023-0001").has_value());
    CHECK_FALSE(store->clusterOf("CVE-2023-0009").has_value());
    CHECK_FALSE(store->clusterOf("JVNDB-2023-000002").has_value());
}

TEST_CASE("A failed upsert without a Transaction leaves nothing", "[store][transaction]") {
    auto store = Store::inMemory();
    armRevisionFailure(*store);
    auto a = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}), 100);
    store->upsertRecord("s", makeAdvisory("JVNVU#90000000", {"CVE-2023-0002"}), 100);
    // Would merge both clusters, then fails: the merge is undone too.
    CHECK_THROWS(store->upsertRecord(
        "s", makeAdvisory("JVNDB-2023-000003", {"CVE-2023-0001", "CVE-2023-0002"}, "BOOM"), 200));
    CHECK(countRows(*store, "cluster") == 2);
    CHECK(countRows(*store, "record") == 2);
    CHECK(store->clusterOf("CVE-2023-0001") == a.clusterId);
    CHECK(store->clusterOf("CVE-2023-0002") != a.clusterId);
    CHECK_FALSE(store->clusterOf("JVNDB-2023-000003").has_value());
    // The store is usable and not left inside a transaction.
    auto b = store->upsertRecord("s", makeAdvisory("JVNDB-2023-000004", {}), 300);
    CHECK(b.isNew);
    CHECK_FALSE(store->db().inTransaction());
}

TEST_CASE("Two connections to one WAL file see each other's commits", "[store][transaction]") {
    vw::test::TempDir dir;
    const auto path = dir.file("vw.db");
    auto writer = Store::open(path);
    auto reader = Store::open(path);
    CHECK(reader->migrationsApplied() == 0);
    writer->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}), 100);
    CHECK(reader->clusterOf("CVE-2023-0001").has_value());
    {
        Store::Transaction tx(*writer);
        writer->enqueue(message("k"), 1, 1);
        CHECK(reader->outboxCounts().pending == 0); // not yet committed
        tx.commit();
    }
    CHECK(reader->outboxCounts().pending == 1);
}

TEST_CASE("a transaction inside another is a savepoint of it", "[store][transaction]") {
    auto store = Store::inMemory();
    {
        Store::Transaction outer(*store);
        store->upsertRecord("rss", makeAdvisory("JVNDB-2023-000001", {}), 100);
        {
            Store::Transaction inner(*store);
            store->upsertRecord("rss", makeAdvisory("JVNDB-2023-000002", {}), 100);
            // destroyed without commit: back to the savepoint, the outer one goes on
        }
        {
            Store::Transaction inner(*store);
            store->upsertRecord("rss", makeAdvisory("JVNDB-2023-000003", {}), 100);
            inner.commit(); // released into the outer transaction
        }
        CHECK(store->db().inTransaction());
        outer.commit();
    }
    CHECK(countRows(*store, "record") == 2);
    CHECK(store->clusterOf("JVNDB-2023-000002") == std::nullopt);
    {
        Store::Transaction outer(*store);
        Store::Transaction inner(*store);
        store->upsertRecord("rss", makeAdvisory("JVNDB-2023-000004", {}), 100);
        inner.commit();
        // the outer one is rolled back: the released savepoint goes with it
    }
    CHECK(countRows(*store, "record") == 2);
}

TEST_CASE("A write that fails inside a nested Transaction is reported by that one",
          "[store][transaction]") {
    // As `vulnwatch import` groups small files: one savepoint a file inside one transaction,
    // the records stored without savepoints of their own. On PostgreSQL the failing revision
    // is a queued write: its error must come out of the second file's commit, not the third
    // file's first read (which would roll back to the second file's savepoint and blame the
    // third).
    auto store = Store::inMemory();
    armRevisionFailure(*store);
    Store::Transaction tx(*store);
    {
        Store::Transaction file(*store);
        store->upsertRecord("s", makeAdvisory("JVNDB-2023-000001", {"CVE-2023-0001"}), 100,
                            Store::Savepoint::Skip);
        file.commit();
    }
    bool secondFailed = false;
    try {
        Store::Transaction file(*store);
        store->upsertRecord("s", makeAdvisory("JVNDB-2023-000002", {"CVE-2023-0002"}, "BOOM"), 100,
                            Store::Savepoint::Skip);
        file.commit();
    } catch (const vw::StoreError& e) {
        secondFailed = std::string(e.what()).find("injected") != std::string::npos;
    }
    CHECK(secondFailed);
    bool thirdFailed = false;
    try {
        Store::Transaction file(*store);
        store->upsertRecord("s", makeAdvisory("JVNDB-2023-000003", {"CVE-2023-0003"}), 100,
                            Store::Savepoint::Skip);
        file.commit();
    } catch (const vw::StoreError& e) {
        thirdFailed = true;
        UNSCOPED_INFO("the third file failed: " << e.what());
    }
    CHECK_FALSE(thirdFailed);
    tx.commit();
    CHECK(countRows(*store, "record") == 2);
    CHECK(store->clusterOf("CVE-2023-0001").has_value());
    CHECK_FALSE(store->clusterOf("CVE-2023-0002").has_value());
    CHECK(store->clusterOf("CVE-2023-0003").has_value());
}
