// Per-owner routing (issue 11): which recipient hears of a match at once, which in a digest,
// and which not at all, for notifier and [owner.NAME] settings; and the pipeline recording
// digest items in the transaction of the match.
#include "config/config.h"
#include "daemon/digest.h"
#include "daemon/pipeline.h"

#include <catch2/catch.hpp>
#include <string>

using namespace vw;

namespace {

Advisory log4j(double score = 10.0) {
    Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.url = "https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html";
    a.cvss = {{"3.0", score, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

Product viewer() {
    Product p;
    p.name = "Viewer";
    p.version = "3.2";
    p.owners = {"a@example.jp", "b@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     "2.14.1",
                     {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

const std::string kMail = "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\n"
                          "from = vw@example.jp\nto = psirt@example.jp\n";
const std::string kChat = "[notifier.chat]\ntype = webhook\nurl = https://h.example.jp/x\n";

Routing routingOf(const std::string& text) {
    return Routing(parseConfig(text, "t.conf"));
}

/// "recipient:now" or "recipient:digest" per e-mail target, "notifier:now" per chat target.
std::vector<std::string> describe(const std::vector<RouteTarget>& targets) {
    std::vector<std::string> out;
    for (const auto& t : targets) {
        out.push_back((t.recipient.empty() ? t.notifier->name : t.recipient) +
                      (t.digest ? ":digest" : ":now"));
    }
    return out;
}

using List = std::vector<std::string>;

} // namespace

TEST_CASE("without owner sections every address follows its notifier", "[daemon][routing]") {
    const Routing r = routingOf(kMail + "min_severity = 7.0\n" + kChat + "min_severity = 7.0\n");
    CHECK(describe(routeMatch(r, viewer(), 9.8, 80)) ==
          List{"a@example.jp:now", "b@example.jp:now", "psirt@example.jp:now", "chat:now"});
    // Below the threshold: the mail recipients get it in their digest, the chat not at all.
    CHECK(describe(routeMatch(r, viewer(), 6.9, 80)) ==
          List{"a@example.jp:digest", "b@example.jp:digest", "psirt@example.jp:digest"});
}

TEST_CASE("mode = digest on a notifier sends every recipient's news to the digest",
          "[daemon][routing]") {
    const Routing r = routingOf(kMail + "mode = digest\n");
    CHECK(describe(routeMatch(r, viewer(), 10.0, 100)) ==
          List{"a@example.jp:digest", "b@example.jp:digest", "psirt@example.jp:digest"});
}

TEST_CASE("an owner section overrides the notifier for its address", "[daemon][routing]") {
    const Routing r = routingOf(kMail + "min_severity = 9.0\n" +
                                "[owner.a]\nemail = A <A@example.jp>\nmode = digest\n"
                                "[owner.b]\nemail = b@example.jp\nmin_severity = 5.0\n"
                                "min_confidence = 70\n");
    // a: always digest; b: immediate from 5.0 and confidence 70; psirt: the notifier's 9.0.
    CHECK(describe(routeMatch(r, viewer(), 9.5, 80)) ==
          List{"A <A@example.jp>:digest", "b@example.jp:now", "psirt@example.jp:now"});
    CHECK(describe(routeMatch(r, viewer(), 6.0, 80)) ==
          List{"A <A@example.jp>:digest", "b@example.jp:now", "psirt@example.jp:digest"});
    CHECK(describe(routeMatch(r, viewer(), 6.0, 69)) ==
          List{"A <A@example.jp>:digest", "b@example.jp:digest", "psirt@example.jp:digest"});
}

TEST_CASE("an immediate mail is in the owner's language", "[daemon][routing]") {
    const Routing r =
        routingOf(kMail + "language = en\n" + "[owner.b]\nemail = b@example.jp\nlanguage = ja\n");
    const auto targets = routeMatch(r, viewer(), 9.0, 90);
    REQUIRE(targets.size() == 3);
    CHECK(targets[0].language == "en"); // a: the notifier's
    CHECK(targets[1].language == "ja"); // b: its section's
}

TEST_CASE("owner products filter and subscribe", "[daemon][routing]") {
    const std::string other = "[notifier.other]\ntype = email\nsmtp = smtp://mx2.example.jp\n"
                              "from = vw@example.jp\n";
    const Routing r = routingOf(kMail + other +
                                // a owns Viewer in the registry but asked for Gateway only
                                "[owner.a]\nemail = a@example.jp\nproducts = Gateway\n"
                                // c is no registered owner: subscribes to Viewer
                                "[owner.c]\nemail = c@example.jp\nproducts = Viewer\n"
                                // d hears of everything, by digest
                                "[owner.d]\nemail = d@example.jp\nproducts = *\nmode = digest\n"
                                // b's mail goes through the other notifier
                                "[owner.b]\nemail = b@example.jp\nnotifier = other\n");
    CHECK(describe(routeMatch(r, viewer(), 9.0, 90)) ==
          List{"c@example.jp:now", "d@example.jp:digest", "psirt@example.jp:now",
               "b@example.jp:now"});
    const auto targets = routeMatch(r, viewer(), 9.0, 90);
    CHECK(targets.back().notifier->name == "other");
    Product gateway = viewer();
    gateway.name = "Gateway";
    gateway.owners.clear();
    CHECK(describe(routeMatch(r, gateway, 9.0, 90)) ==
          List{"a@example.jp:now", "d@example.jp:digest", "psirt@example.jp:now"});
}

TEST_CASE("chat notifiers filter by product", "[daemon][routing]") {
    const Routing r = routingOf(kChat + "products = Gateway, Viewer\n" +
                                "[notifier.ops]\ntype = slack\nurl = https://h.example.jp/s\n"
                                "products = Gateway\n");
    CHECK(describe(routeMatch(r, viewer(), 5.0, 50)) == List{"chat:now"});
    Product gateway = viewer();
    gateway.name = "Gateway";
    CHECK(describe(routeMatch(r, gateway, 5.0, 50)) == List{"chat:now", "ops:now"});
    Product other = viewer();
    other.name = "Other";
    CHECK(routeMatch(r, other, 5.0, 50).empty());
}

TEST_CASE("ingest records digest items with the match and keeps them once",
          "[daemon][routing][pipeline]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    const Config config = parseConfig(kMail + "min_severity = 9.9\n" + kChat +
                                          "[owner.b]\nemail = b@example.jp\nmode = digest\n",
                                      "t.conf");
    ParseResult batch;
    batch.records = {log4j(9.8)};
    const IngestStats first = ingestBatch(*store, Routing(config), "feed", batch, 1000);
    CHECK(first.newMatches == 1);
    CHECK(first.enqueued == 1);    // the webhook (no threshold)
    CHECK(first.digestItems == 3); // a and psirt below 9.9, b by its mode
    const auto pending = store->pendingDigests();
    REQUIRE(pending.size() == 3);
    CHECK(pending[1].owner == "b@example.jp");
    CHECK(pending[1].notifier == "mail");
    const auto items = store->pendingDigestItems("b@example.jp", "mail");
    REQUIRE(items.size() == 1);
    CHECK(items[0].kind == "new");
    CHECK(items[0].advisory == "JVNDB-2021-005429");
    CHECK(items[0].product == "Viewer");
    CHECK(items[0].version == "3.2");
    CHECK(items[0].score == 9.8);
    CHECK(items[0].confidence > 0);
    CHECK_FALSE(items[0].reason.empty());
    CHECK(items[0].createdAt == 1000);
    // The same record again: no new match, no new item.
    CHECK(ingestBatch(*store, Routing(config), "feed", batch, 2000).digestItems == 0);
    // A material change (score) is an update item with what changed.
    batch.records = {log4j(7.5)};
    const IngestStats update = ingestBatch(*store, Routing(config), "feed", batch, 3000);
    CHECK(update.material == 1);
    CHECK(update.digestItems == 3);
    const auto after = store->pendingDigestItems("b@example.jp", "mail");
    REQUIRE(after.size() == 2);
    CHECK(after[1].kind == "update");
    CHECK(after[1].changes.find("\"field\":\"cvss\"") != std::string::npos);
}
