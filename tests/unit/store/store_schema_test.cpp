#include "store/migrations.h"
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
    for (const char* table :
         {"source_state", "record", "revision", "cluster", "alias", "product", "component", "match",
          "decision", "outbox", "delivery", "event_log"}) {
        auto q = store->db().prepare("SELECT COUNT(*) FROM sqlite_schema "
                                     "WHERE type = 'table' AND name = ?1");
        q.bind(1, std::string(table));
        REQUIRE(q.step());
        INFO("table " << table);
        CHECK(q.integer(0) == 1);
    }
    CHECK(pragmaText(*store, "foreign_keys") == "1");
}

TEST_CASE("A file database runs in WAL mode with the agreed pragmas", "[store][migrations]") {
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
    {
        auto store = Store::open(path);
        store->db().exec("PRAGMA user_version = " + std::to_string(newer));
    }
    CHECK_THROWS_AS(Store::open(path), StoreError);
    CHECK_THROWS_WITH(Store::open(path), Catch::Contains("newer") && Catch::Contains(path) &&
                                             Catch::Contains(std::to_string(newer)));
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

TEST_CASE("contentHash is 64-bit FNV-1a in hex", "[store]") {
    CHECK(vw::contentHash("") == "cbf29ce484222325");
    CHECK(vw::contentHash("a") == "af63dc4c8601ec8c");
    CHECK(vw::contentHash("foobar") == "85944171f73967e8");
    CHECK(vw::contentHash("{\"id\":1}") != vw::contentHash("{\"id\":2}"));
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
