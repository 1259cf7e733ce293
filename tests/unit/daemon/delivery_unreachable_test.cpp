// deliverDue() with a receiver that does not answer (issue 11 parts 5 and 7): one message takes
// the attempt, the notifier's other due messages wait as long without an attempt counted, other
// notifiers go on; a notifier whose settings fail keeps its messages out of later batches too.
#include "daemon/pipeline.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace vw;

namespace {

class ScriptedNotifier : public Notifier {
public:
    ScriptedNotifier(std::string name, DeliveryResult result)
        : result(std::move(result)), name_(std::move(name)) {}
    const std::string& name() const override { return name_; }
    DeliveryResult deliver(const OutMessage& m) override {
        tried.push_back(m.id);
        return result;
    }
    DeliveryResult result; // what every attempt returns (a test may change it)
    std::vector<std::int64_t> tried;

private:
    std::string name_;
};

OutMessage message(const std::string& notifier, const std::string& key) {
    OutMessage m;
    m.notifier = notifier;
    m.subject = key;
    m.payload = "{}";
    m.idempotencyKey = key;
    return m;
}

/// Three messages for each notifier, interleaved, all due at 100.
void enqueueInterleaved(Store& store, const std::vector<std::string>& notifiers) {
    for (int i = 0; i < 3; ++i) {
        for (const auto& n : notifiers) {
            store.enqueue(message(n, n + std::to_string(i)), 100, 100);
        }
    }
}

std::vector<OutboxRow> rowsOf(Store& store, const std::string& notifier) {
    std::vector<OutboxRow> rows;
    for (auto& row : store.outboxRows("", 100)) {
        if (row.notifier == notifier) {
            rows.insert(rows.begin(), row); // oldest first
        }
    }
    return rows;
}

} // namespace

TEST_CASE("an unreachable receiver costs one attempt and its other messages wait",
          "[daemon][delivery]") {
    auto store = Store::inMemory();
    enqueueInterleaved(*store, {"stuck", "chat"});
    DeliveryResult timeout{DeliveryResult::Kind::Retry, "timed out after 2000 ms", std::nullopt};
    timeout.unreachable = true;
    ScriptedNotifier stuck("stuck", timeout);
    ScriptedNotifier chat("chat", {DeliveryResult::Kind::Delivered, "HTTP 200", std::nullopt});

    const DeliveryStats s = deliverDue(*store, {{"stuck", &stuck}, {"chat", &chat}}, 200);
    CHECK(stuck.tried.size() == 1);
    CHECK(chat.tried.size() == 3);
    CHECK(s.delivered == 3);
    CHECK(s.retried == 1);
    CHECK(s.unreachable.count("stuck") == 1);
    const auto rows = rowsOf(*store, "stuck");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].attempts == 1);
    CHECK(rows[1].attempts == 0);
    CHECK(rows[2].attempts == 0);
    CHECK(rows[0].dueAt > 200);
    CHECK(rows[1].dueAt == rows[0].dueAt);
    CHECK(rows[2].dueAt == rows[0].dueAt);
    CHECK(rows[1].lastReply == "not attempted: timed out after 2000 ms");
    // Nothing of it is due in a later batch of the same round.
    CHECK(store->dueMessages(200, 100).empty());

    // At the retry time the receiver is back: all three go.
    stuck.result = {DeliveryResult::Kind::Delivered, "HTTP 200", std::nullopt};
    const DeliveryStats again =
        deliverDue(*store, {{"stuck", &stuck}, {"chat", &chat}}, rows[0].dueAt);
    CHECK(again.delivered == 3);
    CHECK(store->outboxCounts().delivered == 6);
}

TEST_CASE("a 500 is about one message and the others are still tried", "[daemon][delivery]") {
    auto store = Store::inMemory();
    enqueueInterleaved(*store, {"failing"});
    ScriptedNotifier failing("failing",
                             {DeliveryResult::Kind::Retry, "HTTP 500: bug", std::nullopt});
    const DeliveryStats s = deliverDue(*store, {{"failing", &failing}}, 200);
    CHECK(failing.tried.size() == 3);
    CHECK(s.unreachable.empty());
    for (const auto& row : rowsOf(*store, "failing")) {
        CHECK(row.attempts == 1);
    }
}

TEST_CASE("a notifier whose settings fail keeps its messages out of later batches",
          "[daemon][delivery]") {
    auto store = Store::inMemory();
    enqueueInterleaved(*store, {"mail", "chat"});
    DeliveryResult refused{DeliveryResult::Kind::Retry, "535 5.7.8 authentication failed",
                           std::nullopt};
    refused.configuration = true;
    ScriptedNotifier mail("mail", refused);
    ScriptedNotifier chat("chat", {DeliveryResult::Kind::Delivered, "HTTP 200", std::nullopt});
    const DeliveryStats s = deliverDue(*store, {{"mail", &mail}, {"chat", &chat}}, 200);
    CHECK(mail.tried.size() == 1);
    CHECK(s.misconfigured.count("mail") == 1);
    CHECK(store->dueMessages(200, 100).empty()); // the next batch does not log in again
    for (const auto& row : rowsOf(*store, "mail")) {
        CHECK(row.state == "pending");
        CHECK(row.attempts == 0);
    }
}
