// `vulnwatch deliveries list|retry` through the real command (issue 11 part 5).
#include "helpers/cli.h"
#include "store/store.h"

#include <catch2/catch.hpp>

using namespace vw;
using test::cli;
using test::tempFile;

TEST_CASE("deliveries list shows the outbox and retry queues a dead message again",
          "[daemon][cli][deliveries]") {
    const std::string db = tempFile("deliveries.db");
    {
        auto store = Store::open(db);
        OutMessage sent;
        sent.notifier = "mail";
        sent.recipient = "psirt@example.jp";
        sent.subject = "[vulnwatch] 脆弱性: Viewer — JVNDB-2021-005429 \x1b]0;evil\x07";
        sent.idempotencyKey = "k1";
        const auto first = store->enqueue(sent, 100, 100);
        store->markDelivered(first, "250 2.0.0 Ok: queued", 110);
        OutMessage dead = sent;
        dead.notifier = "chat";
        dead.recipient.clear();
        dead.idempotencyKey = "k2";
        const auto second = store->enqueue(dead, 100, 100);
        store->markDead(second, "HTTP 404 Not Found", 120);
    }
    auto r = cli({"--db", db, "deliveries", "list"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("dead       chat  attempts 1"));
    CHECK_THAT(r.out, Catch::Contains("last reply: HTTP 404 Not Found"));
    CHECK_THAT(r.out, Catch::Contains("delivered  mail → psirt@example.jp  attempts 1"));
    CHECK(r.out.find('\x1b') == std::string::npos); // feed text cannot drive the terminal
    CHECK(r.out.find("2\n") != 0);

    r = cli({"--db", db, "deliveries", "list", "--state", "dead", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    CHECK_THAT(r.out, Catch::Contains(R"("state":"dead")"));
    CHECK_THAT(r.out, Catch::Contains(R"("last_reply":"HTTP 404 Not Found")"));

    r = cli({"--db", db, "deliveries", "retry", "2"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("message 2 queued again"));
    r = cli({"--db", db, "deliveries", "list", "--state", "pending", "--json"});
    CHECK_THAT(r.out, Catch::Contains(R"("id":2,)"));
    CHECK_THAT(r.out, Catch::Contains(R"("attempts":0)"));
    CHECK(cli({"--db", db, "deliveries", "retry", "2"}).code == kExitFailure); // pending now
    CHECK(cli({"--db", db, "deliveries", "retry", "99"}).code == kExitFailure);
    CHECK(cli({"--db", db, "deliveries", "retry", "x"}).code == kExitUsage);
    CHECK(cli({"--db", db, "deliveries", "list", "--state", "lost"}).code == kExitUsage);
    CHECK(cli({"--db", db, "deliveries"}).code == kExitUsage);
}
