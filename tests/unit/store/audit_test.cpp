// The audit trail (issue 12 part 3): the canonical form, the hash chain, the append-only
// triggers, tamper detection, the migration of an old event_log and concurrent writers.
#include "helpers/backend.h"
#include "store/audit.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using vw::AuditEvent;
using vw::AuditProblem;
using vw::Store;
using vw::StoreError;
using vw::test::countRows;
using vw::test::TempDir;

namespace {

/// Appends `n` events "event 1" … "event n" (kind "test", at 1000 + i).
void appendEvents(Store& store, int n) {
    for (int i = 1; i <= n; ++i) {
        store.logEvent("test", "event " + std::to_string(i), 1000 + i);
    }
}

/// What an attacker with write access to the file does first.
void dropTriggers(Store& store) {
    if (store.db().isPostgres()) { // PostgreSQL's DROP TRIGGER names the table
        store.db().exec("DROP TRIGGER event_log_no_update ON event_log; "
                        "DROP TRIGGER event_log_no_delete ON event_log; "
                        "DROP TRIGGER event_log_append ON event_log");
        return;
    }
    store.db().exec("DROP TRIGGER event_log_no_update; DROP TRIGGER event_log_no_delete; "
                    "DROP TRIGGER event_log_append");
}

std::string hashOf(Store& store, std::int64_t seq) {
    auto q = store.db().prepare("SELECT hash FROM event_log WHERE id = ?1");
    q.bind(1, seq);
    REQUIRE(q.step());
    return q.text(0);
}

/// The schema version of the migration that chains event_log (found by what it creates, so
/// migrations appended by other work do not move this test).
int auditChainVersion() {
    const auto& migrations = vw::schemaMigrations();
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].find("CREATE TRIGGER event_log_no_delete") != std::string_view::npos) {
            return static_cast<int>(i) + 1;
        }
    }
    FAIL("no migration creates the event_log_no_delete trigger");
    return 0;
}

void nullFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** /*argv*/) {
    sqlite3_result_null(context);
}

} // namespace

TEST_CASE("The canonical JSON of an audit event is RFC 8785 with sorted keys", "[store][audit]") {
    AuditEvent e;
    e.kind = "case-transition";
    e.at = 1700000000;
    e.text = "状態を変更\b\f\n\"x\"\\ \x01\x7f";
    e.caseId = "VW-2026-0001";
    e.actor = "psirt@example.jp";
    e.subjects = {"JVNDB-2024-000001", "product:Viewer 3.2"};
    e.evidence = {std::string(64, 'a')};
    e.details = {{"to", "fixed"}, {"from", "triage"}};
    const std::string expected =
        R"({"actor":"psirt@example.jp","at":1700000000,"case":"VW-2026-0001",)"
        R"("details":{"from":"triage","to":"fixed"},"evidence":[")" +
        std::string(64, 'a') +
        R"("],"kind":"case-transition","seq":7,)"
        R"("subjects":["JVNDB-2024-000001","product:Viewer 3.2"],)"
        R"("text":"状態を変更\b\f\n\"x\"\\ \u0001)"
        "\x7f\"}";
    CHECK(vw::canonicalAuditJson(e, 7) == expected);

    AuditEvent plain;
    plain.kind = "ingest";
    plain.at = 5;
    CHECK(vw::canonicalAuditJson(plain, 1) == R"({"at":5,"kind":"ingest","seq":1,"text":""})");
    plain.text = "bad \xff byte";
    CHECK(vw::canonicalAuditJson(plain, 1) ==
          "{\"at\":5,\"kind\":\"ingest\",\"seq\":1,\"text\":\"bad \xEF\xBF\xBD byte\"}");
}

TEST_CASE("An audit event without a canonical form is refused with the reason", "[store][audit]") {
    AuditEvent e;
    CHECK_THROWS_WITH(vw::canonicalAuditJson(e, 1), Catch::Contains("kind is empty"));
    e.kind = "decision";
    e.evidence = {"ABC"};
    CHECK_THROWS_WITH(vw::canonicalAuditJson(e, 1),
                      Catch::Contains("'ABC'") && Catch::Contains("SHA-256"));
    e.evidence.clear();
    e.details = {{"to", "a"}, {"to", "b"}};
    CHECK_THROWS_WITH(vw::canonicalAuditJson(e, 1), Catch::Contains("'to' comes twice"));
    e.details = {{"状態", "a"}};
    CHECK_THROWS_WITH(vw::canonicalAuditJson(e, 1), Catch::Contains("printable ASCII"));
    e.details.clear();
    e.at = std::int64_t{1} << 60;
    CHECK_THROWS_WITH(vw::canonicalAuditJson(e, 1), Catch::Contains("2^53"));
}

TEST_CASE("auditHash is SHA-256 of the previous hash followed by the JSON", "[store][audit]") {
    // FIPS 180-2's test vector: SHA-256("abc").
    CHECK(vw::auditHash("a", "bc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(vw::auditHash("", "") ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("A NUL in an audit event becomes U+FFFD and the event is stored on both backends",
          "[store][audit]") {
    AuditEvent e;
    e.kind = "case-comment";
    e.at = 9;
    e.text = std::string("before\0after", 12);
    e.actor = std::string("a\0b", 3);
    e.details = {{"comment", std::string("x\0", 2)}};
    const std::string json = vw::canonicalAuditJson(e, 1);
    CHECK(json.find("\\u0000") == std::string::npos);
    CHECK(json == "{\"actor\":\"a\xEF\xBF\xBD"
                  "b\",\"at\":9,\"details\":{\"comment\":\"x\xEF\xBF\xBD\"},"
                  "\"kind\":\"case-comment\",\"seq\":1,\"text\":\"before\xEF\xBF\xBD"
                  "after\"}");
    auto store = Store::inMemory();
    CHECK(store->appendEvent(e) == 1);
    auto q = store->db().prepare("SELECT text FROM event_log WHERE id = 1");
    REQUIRE(q.step());
    CHECK(q.text(0) == "before\xEF\xBF\xBD"
                       "after");
    CHECK(vw::verifyAuditChain(*store, std::nullopt).problem == vw::AuditProblem::None);
}

TEST_CASE("Events form a chain from the genesis hash and keep at kind and text", "[store][audit]") {
    auto store = Store::inMemory();
    CHECK(store->auditHead().seq == 0);
    CHECK(store->auditHead().hash == vw::kAuditGenesisHash);
    store->logEvent("poll", "jvndb-new: 3 new records", 100);
    AuditEvent e;
    e.kind = "decision";
    e.at = 200;
    e.text = "not affected";
    e.subjects = {"CVE-2024-0001"};
    e.details = {{"product", "Viewer"}};
    CHECK(store->appendEvent(e) == 2);

    auto q = store->db().prepare("SELECT id, at, kind, text, json, prev_hash, hash FROM event_log "
                                 "ORDER BY id");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 1);
    CHECK(q.integer(1) == 100);
    CHECK(q.text(2) == "poll");
    CHECK(q.text(3) == "jvndb-new: 3 new records");
    CHECK(q.text(5) == vw::kAuditGenesisHash);
    CHECK(q.text(6) == vw::auditHash(vw::kAuditGenesisHash, q.text(4)));
    const std::string first = q.text(6);
    REQUIRE(q.step());
    CHECK(q.integer(0) == 2);
    CHECK(q.text(2) == "decision");
    CHECK(q.text(4) == vw::canonicalAuditJson(e, 2));
    CHECK(q.text(5) == first);
    CHECK(q.text(6) == vw::auditHash(first, q.text(4)));
    CHECK_FALSE(q.step());

    CHECK(store->auditHead().seq == 2);
    CHECK(store->auditHead().hash == hashOf(*store, 2));
    const auto result = vw::verifyAuditChain(*store);
    CHECK(result.ok());
    CHECK(result.events == 2);
    CHECK(result.head.hash == hashOf(*store, 2));
}

TEST_CASE("Secrets in an event text are redacted before they are hashed", "[store][audit]") {
    auto store = Store::inMemory();
    store->logEvent("dead-letter", "POST https://chat.example.jp/hooks/abcdef123 failed: 404", 100);
    auto q = store->db().prepare("SELECT text FROM event_log");
    REQUIRE(q.step());
    CHECK(q.text(0).find("abcdef123") == std::string::npos);
    CHECK(vw::verifyAuditChain(*store).ok());
}

TEST_CASE("The event log refuses UPDATE DELETE and inserts off the head", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 3);
    CHECK_THROWS_WITH(store->db().exec("UPDATE event_log SET json = json WHERE id = 2"),
                      Catch::Contains("append-only") && Catch::Contains("cannot be changed"));
    CHECK_THROWS_WITH(store->db().exec("DELETE FROM event_log WHERE id = 3"),
                      Catch::Contains("append-only") && Catch::Contains("cannot be deleted"));
    CHECK_THROWS_WITH(store->db().exec("DELETE FROM event_log"), Catch::Contains("append-only"));
    const std::string json = R"({"at":1,"kind":"x","seq":2,"text":""})";
    // Replacing event 2, forking from event 1, skipping a number, a wrong prev_hash.
    // (PostgreSQL has no INSERT OR REPLACE: its upsert is the way to replace a row there.)
    const std::string replace = store->db().isPostgres()
                                    ? " ON CONFLICT (id) DO UPDATE SET json = excluded.json, "
                                      "prev_hash = excluded.prev_hash, hash = excluded.hash"
                                    : "";
    for (const std::string& sql :
         {std::string(store->db().isPostgres() ? "INSERT" : "INSERT OR REPLACE") +
              " INTO event_log (id, json, prev_hash, hash) VALUES (2, '" + json + "', '" +
              hashOf(*store, 1) + "', '" + std::string(64, '1') + "')" + replace,
          "INSERT INTO event_log (id, json, prev_hash, hash) VALUES (5, '" + json + "', '" +
              hashOf(*store, 3) + "', '" + std::string(64, '1') + "')",
          "INSERT INTO event_log (id, json, prev_hash, hash) VALUES (4, '" + json + "', '" +
              hashOf(*store, 2) + "', '" + std::string(64, '1') + "')"}) {
        INFO(sql);
        CHECK_THROWS_WITH(store->db().exec(sql), Catch::Contains("hash chain"));
    }
    CHECK(countRows(*store, "event_log") == 3);
    CHECK(vw::verifyAuditChain(*store).ok());
}

TEST_CASE("audit verify names the first edited event", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 10);
    dropTriggers(*store);
    SECTION("its JSON") {
        store->db().exec("UPDATE event_log SET json = replace(json, 'event 5', 'event five') "
                         "WHERE id = 5");
    }
    SECTION("its prev_hash") {
        store->db().exec("UPDATE event_log SET prev_hash = '" + std::string(64, 'f') +
                         "' WHERE id = 5");
    }
    SECTION("its hash") {
        store->db().exec("UPDATE event_log SET hash = '" + std::string(64, 'e') + "' WHERE id = 5");
    }
    // A later edit is not what is reported: the first bad event is.
    store->db().exec("UPDATE event_log SET json = replace(json, 'event 8', 'event eight') "
                     "WHERE id = 8");
    const auto result = vw::verifyAuditChain(*store);
    CHECK(result.problem == AuditProblem::Edited);
    CHECK(result.badEvent == 5);
    CHECK(result.events == 4);
    CHECK(result.head.seq == 4);
    CHECK(result.stored != result.expected);
}

TEST_CASE("audit verify names the first deleted event", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 10);
    dropTriggers(*store);
    store->db().exec("DELETE FROM event_log WHERE id IN (5, 6)");
    const auto result = vw::verifyAuditChain(*store);
    CHECK(result.problem == AuditProblem::Deleted);
    CHECK(result.badEvent == 5);
    CHECK(result.nextPresent == 7);
    CHECK(result.events == 4);

    SECTION("and renumbering the rest to hide the gap breaks the links") {
        store->db().exec("UPDATE event_log SET id = id - 2 WHERE id > 6");
        const auto renumbered = vw::verifyAuditChain(*store);
        CHECK(renumbered.problem == AuditProblem::Reordered);
        CHECK(renumbered.badEvent == 5);
    }
}

TEST_CASE("audit verify names the first of two swapped events", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 10);
    dropTriggers(*store);
    store->db().exec("UPDATE event_log SET id = -1 WHERE id = 5; "
                     "UPDATE event_log SET id = 5 WHERE id = 6; "
                     "UPDATE event_log SET id = 6 WHERE id = -1");
    const auto result = vw::verifyAuditChain(*store);
    CHECK(result.problem == AuditProblem::Reordered);
    CHECK(result.badEvent == 5);
    CHECK(result.stored == hashOf(*store, 6)); // event 5 now names (old) event 5's hash
    CHECK(result.expected == hashOf(*store, 4));
}

TEST_CASE("A truncated chain is found against the head recorded outside", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 10);
    const vw::AuditHead recorded = store->auditHead();
    REQUIRE(recorded.seq == 10);
    dropTriggers(*store);
    store->db().exec("DELETE FROM event_log WHERE id > 7");

    // On its own the shorter chain holds: only a copy outside can tell.
    CHECK(vw::verifyAuditChain(*store).ok());
    const auto withSeq =
        vw::verifyAuditChain(*store, vw::RecordedHead{recorded.hash, recorded.seq});
    CHECK(withSeq.problem == AuditProblem::Truncated);
    CHECK(withSeq.badEvent == 8);
    CHECK(withSeq.head.seq == 7);
    const auto hashOnly = vw::verifyAuditChain(*store, vw::RecordedHead{recorded.hash, {}});
    CHECK(hashOnly.problem == AuditProblem::Truncated);
    CHECK(hashOnly.badEvent == 8);
}

TEST_CASE("A chain rewritten from an edit on is found against the recorded head",
          "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 10);
    const vw::AuditHead recorded = store->auditHead();
    dropTriggers(*store);
    // The attacker edits event 5 and recomputes every hash after it with the same function.
    store->db().exec("UPDATE event_log SET json = replace(json, 'event 5', 'event five') "
                     "WHERE id = 5");
    std::string previous = hashOf(*store, 4);
    for (int id = 5; id <= 10; ++id) {
        auto read = store->db().prepare("SELECT json FROM event_log WHERE id = ?1");
        read.bind(1, id);
        REQUIRE(read.step());
        const std::string hash = vw::auditHash(previous, read.text(0));
        auto write =
            store->db().prepare("UPDATE event_log SET prev_hash = ?1, hash = ?2 WHERE id = ?3");
        write.bind(1, previous).bind(2, hash).bind(3, id).run();
        previous = hash;
    }
    CHECK(vw::verifyAuditChain(*store).ok());
    const auto result = vw::verifyAuditChain(*store, vw::RecordedHead{recorded.hash, recorded.seq});
    CHECK(result.problem == AuditProblem::Rewritten);
    CHECK(result.badEvent == 10);
    CHECK(result.expected == recorded.hash);
    const auto current = vw::verifyAuditChain(*store, vw::RecordedHead{previous, std::int64_t{10}});
    CHECK(current.ok());
    CHECK(current.headReached);
}

TEST_CASE("A recorded head inside the chain is reached", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 5);
    const auto result = vw::verifyAuditChain(*store, vw::parseRecordedHead(hashOf(*store, 3)));
    CHECK(result.ok());
    CHECK(result.headReached);
    CHECK(result.events == 5);
}

TEST_CASE("parseRecordedHead reads HASH and HASH@SEQ and names what is wrong", "[store][audit]") {
    const std::string hash(64, 'A');
    const auto plain = vw::parseRecordedHead(hash);
    CHECK(plain.hash == std::string(64, 'a'));
    CHECK_FALSE(plain.seq.has_value());
    const auto numbered = vw::parseRecordedHead(hash + "@42");
    CHECK(numbered.seq == std::int64_t{42});
    CHECK_THROWS_WITH(vw::parseRecordedHead("abc"), Catch::Contains("64 hex digits"));
    CHECK_THROWS_WITH(vw::parseRecordedHead(hash + "@0"), Catch::Contains("SEQ"));
    CHECK_THROWS_WITH(vw::parseRecordedHead(hash + "@x1"), Catch::Contains("'x1'"));
}

TEST_CASE("An event written in a transaction is kept or dropped with it", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 2);
    {
        Store::Transaction tx(*store);
        store->logEvent("test", "rolled back", 5000);
    }
    CHECK(store->auditHead().seq == 2);
    {
        Store::Transaction tx(*store);
        store->logEvent("test", "committed", 5001);
        tx.commit();
    }
    CHECK(store->auditHead().seq == 3);
    CHECK(vw::verifyAuditChain(*store).ok());
}

TEST_CASE("forEachAuditEvent reads the events of a time range in order", "[store][audit]") {
    auto store = Store::inMemory();
    appendEvents(*store, 10); // at 1001 … 1010
    std::vector<std::int64_t> seen;
    vw::forEachAuditEvent(*store, 1004, 1008, [&](const vw::AuditRow& row) {
        seen.push_back(row.seq);
        CHECK(row.at == 1000 + row.seq);
        CHECK(row.text == "event " + std::to_string(row.seq));
        CHECK(row.hash == vw::auditHash(row.prevHash, row.json));
    });
    CHECK(seen == std::vector<std::int64_t>{4, 5, 6, 7});
}

TEST_CASE("The migration chains the events of an old store in id order and keeps them",
          "[store][audit][migrations]") {
    VW_SQLITE_ONLY("builds an old SQLite store: PostgreSQL stores start at the current schema");
    TempDir dir;
    const std::string path = dir.file("old.db");
    const int chainVersion = auditChainVersion();
    {
        // A store as the schema before the chain left it. The migrations before it run on an
        // empty database, so the SQL functions Store::open registers only need to exist.
        vw::Database db(path);
        for (const char* name :
             {"vw_content_hash", "vw_cpe_key", "vw_source_rank", "vw_keyword_text"}) {
            REQUIRE(sqlite3_create_function_v2(db.handle(), name, -1, SQLITE_UTF8, nullptr,
                                               nullFunction, nullptr, nullptr,
                                               nullptr) == SQLITE_OK);
        }
        for (int i = 0; i + 1 < chainVersion; ++i) {
            db.exec(vw::schemaMigrations()[static_cast<std::size_t>(i)]);
        }
        db.exec("PRAGMA user_version = " + std::to_string(chainVersion - 1));
        // Ids with a gap (3, 4 never written) and out of time order, as a real log may be.
        db.exec("INSERT INTO event_log (id, at, kind, text) VALUES "
                "(1, 100, 'cluster-merge', 'cluster 2 merged into 1'), "
                "(2, 300, 'product', '製品 Viewer を登録'), "
                "(5, 200, 'dead-letter', 'line one\nline two \"quoted\"')");
    }
    auto store = Store::open(path);
    CHECK(store->schemaVersion() == Store::latestSchemaVersion());
    CHECK(store->migrationsApplied() == Store::latestSchemaVersion() - chainVersion + 1);

    auto q = store->db().prepare("SELECT id, at, kind, text, json FROM event_log ORDER BY id");
    const std::vector<std::tuple<std::int64_t, std::string, std::string>> before = {
        {100, "cluster-merge", "cluster 2 merged into 1"},
        {300, "product", "製品 Viewer を登録"},
        {200, "dead-letter", "line one\nline two \"quoted\""}};
    for (std::size_t i = 0; i < before.size(); ++i) {
        REQUIRE(q.step());
        const auto& [at, kind, text] = before[i];
        CHECK(q.integer(0) == static_cast<std::int64_t>(i) + 1); // renumbered without the gap
        CHECK(q.integer(1) == at);
        CHECK(q.text(2) == kind);
        CHECK(q.text(3) == text);
        AuditEvent e;
        e.at = at;
        e.kind = kind;
        e.text = text;
        CHECK(q.text(4) == vw::canonicalAuditJson(e, static_cast<std::int64_t>(i) + 1));
    }
    CHECK_FALSE(q.step());
    const auto result = vw::verifyAuditChain(*store);
    CHECK(result.ok());
    CHECK(result.events == 3);
    // New events continue the chain; the table is append-only from now on.
    store->logEvent("test", "after the migration", 400);
    CHECK(store->auditHead().seq == 4);
    CHECK(vw::verifyAuditChain(*store).ok());
    CHECK_THROWS_WITH(store->db().exec("DELETE FROM event_log WHERE id = 1"),
                      Catch::Contains("append-only"));
}

TEST_CASE("Two connections writing at once never fork the chain", "[store][audit]") {
    TempDir dir;
    const std::string path = dir.file("vw.db");
    Store::open(path); // created and migrated once
    constexpr int perWriter = 200;
    std::vector<std::string> errors(2);
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&, w] {
            try {
                auto store = Store::open(path);
                for (int i = 0; i < perWriter; ++i) {
                    store->logEvent("writer-" + std::to_string(w), "event " + std::to_string(i),
                                    1000 + i);
                }
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(w)] = e.what();
            }
        });
    }
    for (auto& t : writers) {
        t.join();
    }
    CHECK(errors[0].empty());
    CHECK(errors[1].empty());
    auto store = Store::open(path);
    const auto result = vw::verifyAuditChain(*store);
    CHECK(result.ok());
    CHECK(result.events == 2 * perWriter);
    CHECK(countRows(*store, "event_log WHERE kind = 'writer-0'") == perWriter);
    CHECK(countRows(*store, "event_log WHERE kind = 'writer-1'") == perWriter);
}
