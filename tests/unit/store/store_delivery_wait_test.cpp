// The outbox operations behind "a receiver that does not answer holds up nothing" and "fixed
// settings send at once" (issue 11 part 7), and the redaction of what the ledger stores.
#include "store/store.h"

#include <catch2/catch.hpp>
#include <string>

using vw::Store;

namespace {

vw::OutMessage message(const std::string& notifier, const std::string& key) {
    vw::OutMessage m;
    m.notifier = notifier;
    m.subject = "JVNDB-2026-900001";
    m.payload = "{}";
    m.idempotencyKey = key;
    return m;
}

std::string text(Store& store, const std::string& sql) {
    auto q = store.db().prepare(sql);
    std::string all;
    while (q.step()) {
        all += q.text(0) + "\n";
    }
    return all;
}

} // namespace

TEST_CASE("postponeDue moves only the due pending messages of one notifier",
          "[store][outbox][delivery]") {
    auto store = Store::inMemory();
    const auto a = store->enqueue(message("stuck", "a"), 100, 100);
    const auto b = store->enqueue(message("stuck", "b"), 100, 100);
    const auto later = store->enqueue(message("stuck", "later"), 900, 100);
    const auto other = store->enqueue(message("chat", "c"), 100, 100);
    const auto done = store->enqueue(message("stuck", "d"), 100, 100);
    store->markDelivered(done, "HTTP 200", 150);

    CHECK(store->postponeDue("stuck", "not attempted: timed out", 500, 200) == 2);
    for (const auto& row : store->outboxRows("", 10)) {
        INFO(row.id);
        if (row.id == a || row.id == b) {
            CHECK(row.dueAt == 500);
            CHECK(row.attempts == 0); // not an attempt
            CHECK(row.lastReply == "not attempted: timed out");
        } else if (row.id == later) {
            CHECK(row.dueAt == 900); // not due yet: untouched
        } else if (row.id == other) {
            CHECK(row.dueAt == 100); // another notifier
        }
    }
    CHECK(text(*store, "SELECT reply FROM delivery") == "HTTP 200\n"); // no ledger rows
    const auto due = store->dueMessages(200, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id == other);
}

TEST_CASE("makeDueNow brings a notifier's waiting messages forward", "[store][outbox][delivery]") {
    auto store = Store::inMemory();
    const auto a = store->enqueue(message("mail", "a"), 100, 100);
    store->markPostponed(a, "535 5.7.8 authentication failed", 5000, 100);
    store->enqueue(message("mail", "b"), 5000, 100);
    store->enqueue(message("chat", "c"), 5000, 100);
    CHECK(store->dueMessages(200, 10).empty());
    CHECK(store->makeDueNow("mail", 200) == 2);
    const auto due = store->dueMessages(200, 10);
    REQUIRE(due.size() == 2);
    CHECK(due[0].notifier == "mail");
    CHECK(due[1].notifier == "mail");
    CHECK(store->attempts(a) == 0);
}

TEST_CASE("replies and events are stored without credentials", "[store][outbox][redact]") {
    auto store = Store::inMemory();
    const auto id = store->enqueue(message("chat", "a"), 100, 100);
    store->markRetry(id, "timed out fetching http://psirt:s3cret@127.0.0.1:9/hook?token=t0ken1",
                     200, 150);
    store->logEvent("dead-letter", "via chat: {\"password\":\"s3cret\"}", 150);
    store->postponeDue("chat", "not attempted: http://psirt:s3cret@127.0.0.1:9/hook", 300, 300);
    const std::string stored = text(*store, "SELECT last_reply FROM outbox") +
                               text(*store, "SELECT reply FROM delivery") +
                               text(*store, "SELECT text FROM event_log");
    CHECK(stored.find("s3cret") == std::string::npos);
    CHECK(stored.find("t0ken1") == std::string::npos);
    CHECK(stored.find("http://<redacted>@127.0.0.1:9/hook?token=<redacted>") != std::string::npos);
}
