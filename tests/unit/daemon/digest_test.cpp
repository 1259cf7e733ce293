// Making digests (issue 11) with an injected clock: due at the owner's scheduled time, one
// outbox message per owner and period, items covered in the same transaction, the state kept
// across a store close and re-open, a crash between the steps leaving all or nothing, a
// missed schedule sent once, and heartbeats.
#include "config/config.h"
#include "core/datetime.h"
#include "daemon/digest.h"
#include "daemon/pipeline.h"
#include "notifiers/digest.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>
#include <stdlib.h>
#include <string>

using namespace vw;

namespace {

/// Unix seconds of a time in Japan (UTC+9).
std::int64_t jst(int y, int m, int d, int hh, int mm) {
    return daysFromCivil(y, m, d) * 86400 + (hh - 9) * 3600 + mm * 60;
}

class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "vw-digest-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string db() const { return (path_ / "vw.db").string(); }

private:
    std::filesystem::path path_;
};

const std::string kConfig = "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\n"
                            "from = vw@example.jp\nmode = digest\n"
                            "[source.feed]\ntype = jvn-rss\nurl = https://x.example.jp/a.rdf\n";

DigestItemRow item(const std::string& owner, const std::string& advisory, double score,
                   std::int64_t createdAt, const std::string& product = "Viewer") {
    DigestItemRow row;
    row.owner = owner;
    row.notifier = "mail";
    row.recipient = owner;
    row.itemKey = "new\x1f" + advisory + "\x1f" + product;
    row.kind = "new";
    row.clusterKey = advisory;
    row.advisory = advisory;
    row.title = "title of " + advisory;
    row.url = "https://jvndb.jvn.jp/" + advisory;
    row.score = score;
    row.product = product;
    row.version = "1.0";
    row.component = "openssl";
    row.method = "cpe-version";
    row.verdict = "affected";
    row.confidence = 90;
    row.reason = "CPE openssl 1.1.1 in range";
    row.createdAt = createdAt;
    return row;
}

int pendingOutbox(Store& store) {
    return store.outboxCounts().pending;
}

} // namespace

TEST_CASE("a digest is due at the owner's next scheduled time and sent once", "[daemon][digest]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(kConfig, "t.conf");
    // Two items on Monday afternoon.
    REQUIRE(store->addDigestItem(
        item("a@example.jp", "JVNDB-2025-000001", 5.0, jst(2025, 4, 7, 14, 0))));
    REQUIRE(store->addDigestItem(
        item("a@example.jp", "JVNDB-2025-000002", 9.1, jst(2025, 4, 7, 15, 0))));
    CHECK_FALSE(store->addDigestItem(
        item("a@example.jp", "JVNDB-2025-000002", 9.1, jst(2025, 4, 7, 16, 0)))); // same key
    CHECK(nextDigestDue(*store, config, jst(2025, 4, 7, 16, 0)) == jst(2025, 4, 8, 8, 30));
    // Not yet at 08:29.
    CHECK(makeDueDigests(*store, config, jst(2025, 4, 8, 8, 29)).empty());
    CHECK(pendingOutbox(*store) == 0);
    // At 08:30: one digest with both items.
    const auto made = makeDueDigests(*store, config, jst(2025, 4, 8, 8, 30));
    REQUIRE(made.size() == 1);
    CHECK(made[0].owner == "a@example.jp");
    CHECK(made[0].items == 2);
    CHECK(made[0].periodEnd == jst(2025, 4, 8, 8, 30));
    CHECK(pendingOutbox(*store) == 1);
    CHECK(store->pendingDigestItems("a@example.jp", "mail").empty());
    CHECK(store->digestItems(made[0].digestId).size() == 2);
    const auto due = store->dueMessages(jst(2025, 4, 8, 8, 30));
    REQUIRE(due.size() == 1);
    CHECK(due[0].recipient == "a@example.jp");
    CHECK(due[0].idempotencyKey == digestKey("mail", "a@example.jp", jst(2025, 4, 8, 8, 30)));
    CHECK(due[0].subject == "[vulnwatch] ダイジェスト: 2 件 (2025-04-08 08:30 JST)");
    // Called again in the same minute and later that day: nothing new, nothing sent.
    CHECK(makeDueDigests(*store, config, jst(2025, 4, 8, 8, 31)).empty());
    CHECK(makeDueDigests(*store, config, jst(2025, 4, 8, 23, 0)).empty());
    CHECK_FALSE(nextDigestDue(*store, config, jst(2025, 4, 8, 23, 0)));
    CHECK(pendingOutbox(*store) == 1);
}

TEST_CASE("digest state survives a restart and a missed schedule is sent once",
          "[daemon][digest][restart]") {
    TempDir dir;
    const Config config = parseConfig(kConfig, "t.conf");
    {
        auto store = Store::open(dir.db());
        REQUIRE(store->addDigestItem(
            item("a@example.jp", "JVNDB-2025-000001", 5.0, jst(2025, 4, 7, 14, 0))));
        REQUIRE(makeDueDigests(*store, config, jst(2025, 4, 8, 8, 30)).size() == 1);
        REQUIRE(store->addDigestItem(
            item("a@example.jp", "JVNDB-2025-000003", 7.0, jst(2025, 4, 8, 9, 0))));
    } // the daemon stops; it is down at 08:30 on the 9th and the 10th
    {
        auto store = Store::open(dir.db());
        CHECK(nextDigestDue(*store, config, jst(2025, 4, 10, 12, 0)) == jst(2025, 4, 9, 8, 30));
        const auto made = makeDueDigests(*store, config, jst(2025, 4, 10, 12, 0));
        REQUIRE(made.size() == 1);
        CHECK(made[0].items == 1);
        // The period it covers is the last scheduled time before the wake-up.
        CHECK(made[0].periodEnd == jst(2025, 4, 10, 8, 30));
        CHECK(makeDueDigests(*store, config, jst(2025, 4, 10, 12, 1)).empty());
    }
    {
        auto store = Store::open(dir.db());
        CHECK(makeDueDigests(*store, config, jst(2025, 4, 11, 8, 30)).empty());
        const auto digests = store->digests(10);
        REQUIRE(digests.size() == 2);
        CHECK(digests[0].periodEnd == jst(2025, 4, 10, 8, 30));
        CHECK(digests[1].periodEnd == jst(2025, 4, 8, 8, 30));
        CHECK(digests[0].state == "pending");
        CHECK(store->outboxCounts().pending == 2);
    }
}

TEST_CASE("a crash while making a digest leaves no message and no covered item",
          "[daemon][digest][restart]") {
    TempDir dir;
    const Config config = parseConfig(kConfig, "t.conf");
    const std::int64_t at = jst(2025, 4, 8, 8, 30);
    {
        auto store = Store::open(dir.db());
        for (int i = 1; i <= 3; ++i) {
            REQUIRE(
                store->addDigestItem(item("a@example.jp", "JVNDB-2025-00000" + std::to_string(i),
                                          4.0 + i, jst(2025, 4, 7, 10 + i, 0))));
        }
        DigestOptions crash;
        crash.beforeCommit = [] { throw std::runtime_error("simulated crash before COMMIT"); };
        CHECK(makeDueDigests(*store, config, at, crash).empty());
        CHECK(store->outboxCounts().pending == 0);
        CHECK(store->pendingDigestItems("a@example.jp", "mail").size() == 3);
    }
    {
        // The next start makes it, with every item, once.
        auto store = Store::open(dir.db());
        const auto made = makeDueDigests(*store, config, at + 60);
        REQUIRE(made.size() == 1);
        CHECK(made[0].items == 3);
        CHECK(made[0].periodEnd == at);
        CHECK(store->outboxCounts().pending == 1);
    }
    {
        auto store = Store::open(dir.db());
        CHECK(makeDueDigests(*store, config, at + 120).empty());
        CHECK(store->outboxCounts().pending == 1);
        CHECK(store->pendingDigestItems("a@example.jp", "mail").empty());
        // An item recorded after the digest waits for the next one, never lost.
        REQUIRE(store->addDigestItem(item("a@example.jp", "JVNDB-2025-000009", 6.0, at + 180)));
        CHECK(nextDigestDue(*store, config, at + 200) == jst(2025, 4, 9, 8, 30));
    }
}

TEST_CASE("the same period is never recorded twice", "[daemon][digest]") {
    auto store = Store::inMemory();
    REQUIRE(store->addDigestItem(item("a@example.jp", "JVNDB-2025-000001", 5.0, 100)));
    const auto items = store->pendingDigestItems("a@example.jp", "mail");
    CHECK(store->recordDigest("a@example.jp", "mail", 1000, 1000, 0, {items[0].id}) != 0);
    CHECK(store->recordDigest("a@example.jp", "mail", 1000, 1001, 0, {}) == 0);
    // An item can be covered once only.
    CHECK_THROWS_AS(store->recordDigest("a@example.jp", "mail", 2000, 2000, 0, {items[0].id}),
                    StoreError);
}

TEST_CASE("owners have their own schedule, zone and language", "[daemon][digest]") {
    auto store = Store::inMemory();
    const Config config =
        parseConfig(kConfig + "[owner.b]\nemail = Bob <b@example.jp>\ndigest = weekly fri 17:00\n"
                              "timezone = Europe/Berlin\nlanguage = en\n",
                    "t.conf");
    REQUIRE(store->addDigestItem(item("b@example.jp", "JVNDB-2025-000001", 5.0,
                                      jst(2025, 4, 7, 12, 0)))); // Mon 05:00 in Berlin
    // Friday 2025-04-11 17:00 CEST = 15:00 UTC = Sat 00:00 JST.
    const auto due = nextDigestDue(*store, config, jst(2025, 4, 7, 12, 0));
    CHECK(due == jst(2025, 4, 12, 0, 0));
    CHECK(makeDueDigests(*store, config, *due - 1).empty());
    const auto made = makeDueDigests(*store, config, *due);
    REQUIRE(made.size() == 1);
    const auto messages = store->dueMessages(*due);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].recipient == "Bob <b@example.jp>");
    CHECK(messages[0].subject == "[vulnwatch] Digest: 1 item (2025-04-11 17:00 CEST)");
    CHECK(messages[0].text.find("Why it matched: CPE openssl 1.1.1 in range") != std::string::npos);
}

TEST_CASE("a heartbeat digest proves the pipeline ran when nothing is new",
          "[daemon][digest][heartbeat]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(
        kConfig + "[owner.ops]\nemail = ops@example.jp\nheartbeat = yes\n[owner.quiet]\n"
                  "email = quiet@example.jp\n",
        "t.conf");
    SourceStateRow state;
    state.lastSuccess = jst(2025, 4, 8, 8, 15);
    store->saveSourceState("feed", state);
    // First seen on the 7th at noon: the first heartbeat is the next morning.
    CHECK(nextDigestDue(*store, config, jst(2025, 4, 7, 12, 0)) == jst(2025, 4, 8, 8, 30));
    CHECK(makeDueDigests(*store, config, jst(2025, 4, 8, 8, 0)).empty());
    const auto made = makeDueDigests(*store, config, jst(2025, 4, 8, 8, 30));
    REQUIRE(made.size() == 1); // quiet has no heartbeat
    CHECK(made[0].owner == "ops@example.jp");
    CHECK(made[0].items == 0);
    const auto messages = store->dueMessages(jst(2025, 4, 8, 8, 30));
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].subject == "[vulnwatch] ダイジェスト: 新着なし (2025-04-08 08:30 JST)");
    CHECK(messages[0].text.find("パイプラインは稼働しています") != std::string::npos);
    CHECK(messages[0].text.find("feed: 2025-04-08 08:15 JST") != std::string::npos);
    CHECK(makeDueDigests(*store, config, jst(2025, 4, 8, 20, 0)).empty());
    CHECK(makeDueDigests(*store, config, jst(2025, 4, 9, 8, 30)).size() == 1);
}

TEST_CASE("send-now makes a digest at once, for one owner when asked", "[daemon][digest]") {
    auto store = Store::inMemory();
    const Config config =
        parseConfig(kConfig + "[owner.quiet]\nemail = quiet@example.jp\n", "t.conf");
    REQUIRE(store->addDigestItem(item("a@example.jp", "JVNDB-2025-000001", 5.0, 100)));
    REQUIRE(store->addDigestItem(item("c@example.jp", "JVNDB-2025-000001", 5.0, 100)));
    DigestOptions only;
    only.force = true;
    only.owner = "A@example.jp";
    const auto made = makeDueDigests(*store, config, 200, only);
    REQUIRE(made.size() == 1);
    CHECK(made[0].owner == "a@example.jp");
    CHECK(store->pendingDigests().size() == 1);
    // A named owner without news gets a "nothing new" digest.
    only.owner = "quiet";
    const auto quiet = makeDueDigests(*store, config, 300, only);
    REQUIRE(quiet.size() == 1);
    CHECK(quiet[0].items == 0);
    DigestOptions all;
    all.force = true;
    CHECK(makeDueDigests(*store, config, 400, all).size() == 1); // c
    CHECK(store->pendingDigests().empty());
}

TEST_CASE("a digest from the pipeline groups news by product and severity",
          "[daemon][digest][pipeline]") {
    auto store = Store::inMemory();
    Product viewer;
    viewer.name = "Viewer";
    viewer.version = "3.2";
    viewer.owners = {"a@example.jp"};
    viewer.components = {{"apache",
                          "log4j-core",
                          "2.14.1",
                          {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                          "",
                          ""}};
    store->putProduct(viewer, 1);
    Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2021-005429";
    a.title = "Apache Log4j の脆弱性";
    a.cvss = {{"3.0", 9.8, "Critical", ""}};
    a.cpes = {"cpe:/a:apache:log4j"};
    ParseResult batch;
    batch.records = {a};
    const Config config = parseConfig(kConfig, "t.conf");
    const std::int64_t t0 = jst(2025, 4, 7, 10, 0);
    REQUIRE(ingestBatch(*store, Routing(config), "feed", batch, t0).digestItems == 1);
    a.cvss[0].score = 6.5;
    batch.records = {a};
    REQUIRE(ingestBatch(*store, Routing(config), "feed", batch, t0 + 60).digestItems == 1);
    REQUIRE(makeDueDigests(*store, config, jst(2025, 4, 8, 8, 30)).size() == 1);
    const auto messages = store->dueMessages(jst(2025, 4, 8, 8, 30));
    REQUIRE(messages.size() == 1);
    const std::string& text = messages[0].text;
    INFO(text);
    // The new match and its update in one digest are one entry: new, with what changed.
    CHECK(messages[0].subject.find("1 件") != std::string::npos);
    CHECK(text.find("== Viewer 3.2 ==") != std::string::npos);
    CHECK(text.find("[警告 (CVSS 4.0-6.9)]") != std::string::npos);
    CHECK(text.find("* [新規] JVNDB-2021-005429 Apache Log4j の脆弱性") != std::string::npos);
    CHECK(text.find("    - cvss: ") != std::string::npos);
}
