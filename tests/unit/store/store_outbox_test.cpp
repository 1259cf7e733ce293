#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>

using vw::Store;
using vw::test::countRows;

namespace {

vw::OutMessage message(const std::string& key) {
    vw::OutMessage m;
    m.notifier = "mail";
    m.recipient = "psirt@example.jp";
    m.subject = "【脆弱性】JVNDB-2023-004814";
    m.text = "本文\n2 行目";
    m.payload = "{\"advisory\":\"JVNDB-2023-004814\"}";
    m.html = "<p>本文</p>";
    m.idempotencyKey = key;
    return m;
}

std::int64_t deliveries(Store& store, std::int64_t id, int ok) {
    auto q = store.db().prepare("SELECT COUNT(*) FROM delivery WHERE outbox_id = ?1 AND ok = ?2");
    q.bind(1, id).bind(2, ok);
    REQUIRE(q.step());
    return q.integer(0);
}

} // namespace

TEST_CASE("enqueue ignores a duplicate idempotency key", "[store][outbox]") {
    auto store = Store::inMemory();
    auto id = store->enqueue(message("k1"), 100, 100);
    CHECK(id > 0);
    CHECK(store->enqueue(message("k1"), 200, 200) == 0);
    auto other = store->enqueue(message("k2"), 100);
    CHECK(other > 0);
    CHECK(other != id);
    CHECK(countRows(*store, "outbox") == 2);
    CHECK(store->outboxCounts().pending == 2);
    CHECK_THROWS_AS(store->enqueue(message(""), 100, 100), vw::StoreError);
}

TEST_CASE("dueMessages returns pending messages due by now, by due time then id",
          "[store][outbox]") {
    auto store = Store::inMemory();
    auto late = store->enqueue(message("late"), 300, 1);
    auto early = store->enqueue(message("early"), 100, 1);
    auto early2 = store->enqueue(message("early2"), 100, 1);
    auto future = store->enqueue(message("future"), 1000, 1);
    (void)future;

    auto due = store->dueMessages(300);
    REQUIRE(due.size() == 3);
    CHECK(due[0].id == early);
    CHECK(due[1].id == early2);
    CHECK(due[2].id == late);
    CHECK(due[0].notifier == "mail");
    CHECK(due[0].recipient == "psirt@example.jp");
    CHECK(due[0].subject == "【脆弱性】JVNDB-2023-004814");
    CHECK(due[0].text == "本文\n2 行目");
    CHECK(due[0].payload == "{\"advisory\":\"JVNDB-2023-004814\"}");
    CHECK(due[0].idempotencyKey == "early");
    CHECK(due[0].html == "<p>本文</p>");

    CHECK(store->dueMessages(99).empty());
    CHECK(store->dueMessages(300, 1).size() == 1);
    CHECK(store->dueMessages(5000).size() == 4);
}

TEST_CASE("Retry, delivered and dead update the outbox and the delivery ledger",
          "[store][outbox]") {
    auto store = Store::inMemory();
    auto a = store->enqueue(message("a"), 100, 100);
    auto b = store->enqueue(message("b"), 100, 100);
    auto c = store->enqueue(message("c"), 100, 100);
    CHECK(store->attempts(a) == 0);

    store->markRetry(a, "451 try later", 500, 110);
    CHECK(store->attempts(a) == 1);
    CHECK(deliveries(*store, a, 0) == 1);
    auto due = store->dueMessages(200);
    REQUIRE(due.size() == 2); // a is not due again before 500
    CHECK(due[0].id == b);
    CHECK(due[1].id == c);
    due = store->dueMessages(500);
    REQUIRE(due.size() == 3);
    CHECK(due[2].id == a);

    store->markRetry(a, "451 again", 900, 500);
    store->markDelivered(a, "250 OK queued as 1234", 900);
    CHECK(store->attempts(a) == 3);
    CHECK(deliveries(*store, a, 0) == 2);
    CHECK(deliveries(*store, a, 1) == 1);
    {
        auto q = store->db().prepare("SELECT state, last_reply, updated_at FROM outbox "
                                     "WHERE id = ?1");
        q.bind(1, a);
        REQUIRE(q.step());
        CHECK(q.text(0) == "delivered");
        CHECK(q.text(1) == "250 OK queued as 1234");
        CHECK(q.integer(2) == 900);
    }

    store->markDead(b, "550 no such user", 120);
    CHECK(store->attempts(b) == 1);
    CHECK(deliveries(*store, b, 0) == 1);

    auto counts = store->outboxCounts();
    CHECK(counts.pending == 1);
    CHECK(counts.delivered == 1);
    CHECK(counts.dead == 1);
    auto left = store->dueMessages(10000);
    REQUIRE(left.size() == 1);
    CHECK(left[0].id == c);
}

TEST_CASE("Marking an unknown outbox id throws and writes nothing", "[store][outbox]") {
    auto store = Store::inMemory();
    CHECK_THROWS_AS(store->markDelivered(77, "ok", 1), vw::StoreError);
    CHECK_THROWS_AS(store->markRetry(77, "later", 2, 1), vw::StoreError);
    CHECK_THROWS_AS(store->markDead(77, "no", 1), vw::StoreError);
    CHECK_THROWS_AS(store->attempts(77), vw::StoreError);
    CHECK(countRows(*store, "delivery") == 0);
}

TEST_CASE("logEvent appends to the event log", "[store][audit]") {
    auto store = Store::inMemory();
    store->logEvent("poll", "jvndb-new: 3 new records", 100);
    store->logEvent("poll", "jvndb-new: not modified", 200);
    auto q = store->db().prepare("SELECT at, kind, text FROM event_log ORDER BY id");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 100);
    CHECK(q.text(1) == "poll");
    CHECK(q.text(2) == "jvndb-new: 3 new records");
    REQUIRE(q.step());
    CHECK(q.text(2) == "jvndb-new: not modified");
    CHECK_FALSE(q.step());
}

TEST_CASE("The delivery lease has one holder until it expires or is released",
          "[store][outbox][lease]") {
    auto store = vw::Store::inMemory();
    CHECK_FALSE(store->deliveryLease());
    CHECK(store->takeDeliveryLease("daemon", 1000, 120));
    CHECK(store->takeDeliveryLease("daemon", 1050, 120)); // renewed by its holder
    CHECK(store->deliveryLease()->expiresAt == 1170);
    CHECK_FALSE(store->takeDeliveryLease("cron poll", 1100, 120));
    CHECK(store->deliveryLease()->holder == "daemon");
    CHECK(store->takeDeliveryLease("cron poll", 1170, 120)); // expired
    CHECK_FALSE(store->takeDeliveryLease("daemon", 1200, 120));
    CHECK(store->takeDeliveryLease("daemon", 1200, 120, true)); // forced: its holder is gone
    store->releaseDeliveryLease("cron poll");                   // not the holder: no effect
    CHECK(store->deliveryLease()->holder == "daemon");
    store->releaseDeliveryLease("daemon");
    CHECK_FALSE(store->deliveryLease());
    CHECK(store->takeDeliveryLease("cron poll", 1201, 120));
}

TEST_CASE("a reply that is not well-formed UTF-8 is recorded with U+FFFD in its place",
          "[store][outbox]") {
    // A webhook's error body cut at 200 bytes inside a character, and a Shift_JIS byte pair:
    // PostgreSQL's text refuses both, and the attempt must still be recorded.
    auto store = Store::inMemory();
    const auto id = store->enqueue(message("k1"), 100, 100);
    const std::string cut = "HTTP 500: \xE3\x82\xA8\xE3\x83"; // "エ" then half of "ラ"
    store->markRetry(id, cut, 200, 110);
    store->markDead(id, "550 \x83\x47\x83\x89\x81\x5B", 120); // "エラー" in Shift_JIS
    const auto rows = store->outboxRows("", 10);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].lastReply == "550 \xEF\xBF\xBD\x47\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\x5B");
    auto q = store->db().prepare("SELECT reply FROM delivery WHERE outbox_id = ?1 ORDER BY id");
    q.bind(1, id);
    REQUIRE(q.step());
    CHECK(q.text(0) == "HTTP 500: \xE3\x82\xA8\xEF\xBF\xBD\xEF\xBF\xBD");
    REQUIRE(q.step());
    CHECK(q.text(0) == rows[0].lastReply);
    CHECK_FALSE(q.step());
    // A well-formed reply is kept as it is.
    const auto other = store->enqueue(message("k2"), 100, 100);
    store->markDelivered(other, "250 2.0.0 受け付けました", 130);
    CHECK(store->outboxRows("delivered", 10).at(0).lastReply == "250 2.0.0 受け付けました");
}
