// Operational alerts to [daemon] admin (issue 11 parts 5 and 6): a source failing N times in a
// row or bringing nothing new for D days tells the admins once, and once more when it is over;
// a message given up tells them too.
#include "daemon/alerts.h"
#include "daemon/service.h"
#include "helpers/fake_http.h"

#include <catch2/catch.hpp>

using namespace vw;

namespace {

Config adminConfig() {
    Config config;
    config.admins = {"ops@example.jp", "psirt@example.jp"};
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    mail.smtp = "smtp://127.0.0.1:9";
    mail.from = "vulnwatch@example.jp";
    NotifierConfig chat;
    chat.name = "chat";
    chat.type = "webhook";
    chat.url.value = "http://127.0.0.1:9/hook";
    config.notifiers = {mail, chat};
    SourceConfig feed;
    feed.name = "jvndb-new";
    feed.type = "jvn-rss";
    feed.url = "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf";
    config.sources = {feed};
    return config;
}

std::vector<std::string> subjects(Store& store) {
    std::vector<std::string> out;
    for (const auto& row : store.outboxRows("", 100)) {
        out.insert(out.begin(), row.subject); // oldest first
    }
    return out;
}

constexpr std::int64_t kDay = 86400;

} // namespace

TEST_CASE("a failing source alerts the admins once, and once more when it recovers",
          "[daemon][alerts]") {
    auto store = Store::inMemory();
    const Config config = adminConfig();
    const SourceConfig& feed = config.sources[0];
    SourceStateRow row;
    for (int i = 1; i <= 2; ++i) {
        row.errorCount = i;
        row.lastError = "HTTP 503";
        checkSourceHealth(*store, config, feed, row, false, false, 1000 + i);
    }
    CHECK(store->outboxRows("", 100).empty());
    row.errorCount = 3;
    CHECK(checkSourceHealth(*store, config, feed, row, false, false, 1003));
    CHECK(row.alert == "failing");
    REQUIRE(store->outboxRows("", 100).size() == 2); // one per admin, e-mail only
    CHECK_THAT(subjects(*store)[0],
               Catch::StartsWith(std::string(kAdminSubjectPrefix) +
                                 "情報源 jvndb-new の取得が 3 回続けて失敗しています"));
    row.errorCount = 4;
    checkSourceHealth(*store, config, feed, row, false, false, 1004);
    CHECK(store->outboxRows("", 100).size() == 2); // told once
    row.errorCount = 0;
    CHECK(checkSourceHealth(*store, config, feed, row, true, false, 1005));
    CHECK(row.alert.empty());
    REQUIRE(store->outboxRows("", 100).size() == 4);
    CHECK_THAT(subjects(*store)[2], Catch::Contains("は回復しました (source jvndb-new recovered)"));
    for (const auto& r : store->outboxRows("", 100)) {
        CHECK(r.notifier == "mail");
        CHECK((r.recipient == "ops@example.jp" || r.recipient == "psirt@example.jp"));
    }
}

TEST_CASE("a silent source alerts once after its limit, and once when items come again",
          "[daemon][alerts]") {
    auto store = Store::inMemory();
    Config config = adminConfig();
    const SourceConfig& feed = config.sources[0]; // jvn-rss: 7 days by default
    SourceStateRow row;
    CHECK(checkSourceHealth(*store, config, feed, row, true, true, 10 * kDay));
    CHECK(row.lastNewItem == 10 * kDay);
    CHECK_FALSE(checkSourceHealth(*store, config, feed, row, true, false, 16 * kDay));
    CHECK(store->outboxRows("", 100).empty());
    CHECK(checkSourceHealth(*store, config, feed, row, true, false, 17 * kDay));
    CHECK(row.alert == "silent");
    REQUIRE(store->outboxRows("", 100).size() == 2);
    CHECK_THAT(subjects(*store)[0], Catch::Contains("から 7 日以上新しい情報が届いていません"));
    CHECK_FALSE(checkSourceHealth(*store, config, feed, row, true, false, 18 * kDay));
    CHECK(store->outboxRows("", 100).size() == 2);
    CHECK(checkSourceHealth(*store, config, feed, row, true, true, 19 * kDay));
    CHECK(row.alert.empty());
    CHECK(store->outboxRows("", 100).size() == 4);

    // alert_when_silent = 0 turns it off; a JPCERT alert list waits 120 days by default.
    config.sources[0].alertWhenSilent = std::chrono::seconds(0);
    SourceStateRow quiet;
    quiet.lastNewItem = 1;
    checkSourceHealth(*store, config, config.sources[0], quiet, true, false, 400 * kDay);
    CHECK(quiet.alert.empty());
    CHECK(defaultSilenceLimit("myjvn-alert") == std::chrono::hours(24 * 120));
}

TEST_CASE("without admins an alert is only logged", "[daemon][alerts]") {
    auto store = Store::inMemory();
    Config config = adminConfig();
    config.admins.clear();
    CHECK(enqueueAdminAlert(*store, config, "x", "y", "episode", 1) == 0);
    CHECK(store->outboxRows("", 100).empty());
    auto q = store->db().prepare("SELECT count(*) FROM event_log WHERE kind = 'alert'");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 1);
}

TEST_CASE("a message given up tells the admins once, and a dead alert does not alert again",
          "[daemon][alerts][delivery]") {
    auto store = Store::inMemory();
    auto config = std::make_shared<const Config>(adminConfig());
    test::FakeHttpClient http;
    http.next.status = 404;
    http.next.body = "no such hook";
    OutMessage hook;
    hook.notifier = "chat";
    hook.subject = "[vulnwatch] 脆弱性: Viewer — JVNDB-2021-005429";
    hook.payload = "{}";
    hook.idempotencyKey = "hook-1";
    const auto id = store->enqueue(hook, 0, 0);
    Service service(config, *store, http);
    const DeliveryStats first = service.deliver(100);
    CHECK(first.dead == 1);
    REQUIRE(first.deadLetters.size() == 1);
    CHECK(first.deadLetters[0].id == id);
    const auto pending = store->outboxRows("pending", 100);
    REQUIRE(pending.size() == 2); // the admins, by e-mail
    CHECK_THAT(pending[0].subject, Catch::Contains("could not be delivered"));
    CHECK(store->requeue(id, 100)); // given up again: an alert with the same key, not queued
    service.deliver(100);
    CHECK(store->outboxRows("pending", 100).size() == 2);
}
