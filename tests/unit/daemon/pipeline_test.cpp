#include "core/ids.h"
#include "daemon/pipeline.h"
#include "notifiers/render.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <unistd.h>

using namespace vw;

namespace {

Advisory log4j() {
    Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.cvss = {{"3.0", 10.0, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

Product viewer() {
    Product p;
    p.name = "Example Imaging Viewer";
    p.owners = {"a@example.jp", "b@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     "2.14.1",
                     {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

std::vector<NotifierConfig> notifiers() {
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    mail.to = {"psirt@example.jp", "a@example.jp"};
    NotifierConfig chat;
    chat.name = "chat";
    chat.type = "webhook";
    return {mail, chat};
}

class FakeNotifier : public Notifier {
public:
    FakeNotifier(std::string name, DeliveryResult result)
        : name_(std::move(name)), result_(result) {}
    const std::string& name() const override { return name_; }
    DeliveryResult deliver(const OutMessage& m) override {
        delivered.push_back(m);
        return result_;
    }
    std::vector<OutMessage> delivered;

private:
    std::string name_;
    DeliveryResult result_;
};

} // namespace

TEST_CASE("a match yields one e-mail per distinct recipient and one webhook",
          "[daemon][pipeline]") {
    const auto matches = matchAdvisory(log4j(), {viewer()});
    REQUIRE(matches.size() == 1);
    const auto messages = messagesFor(log4j(), matches[0], viewer(), notifiers());
    REQUIRE(messages.size() == 4); // a, b, psirt (a only once) + the webhook
    std::vector<std::string> recipients;
    for (const auto& m : messages) {
        if (m.notifier == "mail") {
            recipients.push_back(m.recipient);
        }
    }
    CHECK(recipients ==
          std::vector<std::string>{"a@example.jp", "b@example.jp", "psirt@example.jp"});
    CHECK(messages.back().notifier == "chat");
    CHECK(messages.back().recipient.empty());
}

TEST_CASE("notifier thresholds and digest mode hold back immediate messages",
          "[daemon][pipeline]") {
    const auto match = matchAdvisory(log4j(), {viewer()}).at(0);
    auto ns = notifiers();
    ns[0].minSeverity = 10.1; // above the advisory's 10.0
    ns[1].minConfidence = match.confidence + 1;
    CHECK(messagesFor(log4j(), match, viewer(), ns).empty());
    ns = notifiers();
    ns[0].mode = "digest";
    const auto messages = messagesFor(log4j(), match, viewer(), ns);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].notifier == "chat");
}

TEST_CASE("ingest stores, matches and enqueues in one step, and only once", "[daemon][pipeline]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    ParseResult batch;
    batch.records = {log4j()};
    batch.problems = {{"JVNDB-2099-000001", 2, "bad date"}};
    IngestStats first = ingestBatch(*store, notifiers(), "jvndb-new", batch, 1000);
    CHECK(first.records == 1);
    CHECK(first.newRecords == 1);
    CHECK(first.problems == 1);
    CHECK(first.newMatches == 1);
    CHECK(first.enqueued == 4);
    IngestStats again = ingestBatch(*store, notifiers(), "jvndb-new", batch, 2000);
    CHECK(again.newRecords == 0);
    CHECK(again.newMatches == 0);
    CHECK(again.enqueued == 0);

    // The same vulnerability from another channel (by CVE) is one cluster: no new notification.
    Advisory viaJvn = log4j();
    viaJvn.source = "jvn";
    viaJvn.id = "JVNVU#96768815";
    viaJvn.aliases = {"CVE-2021-44228"};
    batch.records = {viaJvn};
    IngestStats other = ingestBatch(*store, notifiers(), "jvn", batch, 3000);
    CHECK(other.newRecords == 1);
    CHECK(other.newMatches == 0);
    CHECK(store->outboxCounts().pending == 4);
}

TEST_CASE("delivery marks done, retries with backoff, and dead-letters", "[daemon][pipeline]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    ParseResult batch;
    batch.records = {log4j()};
    ingestBatch(*store, notifiers(), "jvndb-new", batch, 1000);

    FakeNotifier mail("mail", {DeliveryResult::Kind::Delivered, "250 queued", std::nullopt});
    FakeNotifier chat("chat", {DeliveryResult::Kind::Retry, "HTTP 503", 120L});
    DeliveryStats s = deliverDue(*store, {{"mail", &mail}, {"chat", &chat}}, 1000);
    CHECK(s.delivered == 3);
    CHECK(s.retried == 1);
    CHECK(store->outboxCounts().pending == 1);
    // Not due again before the Retry-After has passed.
    s = deliverDue(*store, {{"mail", &mail}, {"chat", &chat}}, 1060);
    CHECK(s.retried == 0);
    CHECK(chat.delivered.size() == 1);

    FakeNotifier gone("chat", {DeliveryResult::Kind::Failed, "HTTP 404", std::nullopt});
    s = deliverDue(*store, {{"mail", &mail}, {"chat", &gone}}, 100000);
    CHECK(s.dead == 1);
    CHECK(store->outboxCounts().dead == 1);
    CHECK(store->outboxCounts().delivered == 3);
}

TEST_CASE("messages for an unconfigured notifier stay in the outbox", "[daemon][pipeline]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    ParseResult batch;
    batch.records = {log4j()};
    ingestBatch(*store, notifiers(), "jvndb-new", batch, 1000);
    FakeNotifier mail("mail", {DeliveryResult::Kind::Delivered, "250", std::nullopt});
    DeliveryStats s = deliverDue(*store, {{"mail", &mail}}, 1000);
    CHECK(s.waiting == 1);
    CHECK(store->outboxCounts().pending == 1);
}

TEST_CASE("a product whose SBOM names a CPE with a * vendor is re-matched by product",
          "[daemon][pipeline]") {
    auto store = Store::inMemory();
    ParseResult batch;
    Advisory tomcat = log4j();
    tomcat.id = "JVNDB-2021-000001";
    tomcat.aliases = {"CVE-2021-0001"};
    tomcat.cpes = {"cpe:/a:apache:tomcat"};
    batch.records = {tomcat, log4j()};
    REQUIRE(ingestBatch(*store, notifiers(), "jvndb-new", batch, 1000).newMatches == 0);

    // A Yocto SBOM component: no vendor.
    Product gateway;
    gateway.name = "Gateway";
    gateway.owners = {"owner@example.jp"};
    gateway.components = {
        {"", "log4j", "2.14.1", {"cpe:2.3:a:*:log4j:2.14.1:*:*:*:*:*:*:*"}, "", ""}};
    store->putProduct(gateway, 1);
    const IngestStats found = rematchStored(*store, notifiers(), {gateway}, 2000);
    CHECK(found.records == 1); // the log4j record, found by product alone; not tomcat
    CHECK(found.newMatches == 1);
    const auto matches = store->matches();
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].match.advisory == "JVNDB-2021-005429");
    CHECK(matches[0].match.confidence < 70); // the vendor was not compared
    CHECK_THAT(matches[0].match.reason, Catch::Contains("vendor not compared"));
}

TEST_CASE("a product added later is matched against stored advisories once", "[daemon][pipeline]") {
    auto store = Store::inMemory();
    ParseResult batch;
    Advisory unrelatedAdvisory = log4j();
    unrelatedAdvisory.id = "JVNDB-2021-000001";
    unrelatedAdvisory.aliases = {"CVE-2021-0001"};
    unrelatedAdvisory.cpes = {"cpe:/a:apache:tomcat"};
    batch.records = {unrelatedAdvisory, log4j()};
    const IngestStats before = ingestBatch(*store, notifiers(), "jvndb-new", batch, 1000);
    CHECK(before.newMatches == 0); // no products yet

    store->putProduct(viewer(), 1);
    const IngestStats first = rematchStored(*store, notifiers(), {viewer()}, 2000);
    CHECK(first.records == 1); // only the record naming apache:log4j is read
    CHECK(first.newMatches == 1);
    CHECK(first.enqueued == 4);
    REQUIRE(store->matches().size() == 1);
    CHECK(store->matches()[0].match.product == "Example Imaging Viewer");

    const IngestStats again = rematchStored(*store, notifiers(), {viewer()}, 3000);
    CHECK(again.newMatches == 0);
    CHECK(again.enqueued == 0);
    CHECK(store->outboxCounts().pending == 4);

    Product unrelated;
    unrelated.name = "Pump";
    unrelated.cpes = {"cpe:/a:example:pump_console"};
    const IngestStats none = rematchStored(*store, notifiers(), {unrelated}, 4000);
    CHECK(none.newMatches == 0);
    CHECK(none.records == 0);
}

namespace {

/// The outbox rows as (notifier, recipient, subject, text, thread), oldest first.
struct QueuedMessage {
    std::string notifier, recipient, subject, text, payload, key, thread;
};

std::vector<QueuedMessage> outbox(Store& store) {
    auto q = store.db().prepare("SELECT notifier, recipient, subject, text, payload, "
                                "idempotency_key, thread FROM outbox ORDER BY id");
    std::vector<QueuedMessage> rows;
    while (q.step()) {
        rows.push_back(
            {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)});
    }
    return rows;
}

std::string revisionClassOf(Store& store, const std::string& recordId) {
    auto q = store.db().prepare("SELECT v.class FROM revision v JOIN record r ON r.id = "
                                "v.record_id WHERE r.record_id = ?1 ORDER BY v.id DESC LIMIT 1");
    q.bind(1, recordId);
    REQUIRE(q.step());
    return q.text(0);
}

IngestStats ingestOne(Store& store, const Advisory& a, std::int64_t now,
                      const std::string& channel = "jvndb-new") {
    ParseResult batch;
    batch.records = {a};
    return ingestBatch(store, notifiers(), channel, batch, now);
}

} // namespace

TEST_CASE("revisions: cosmetic notifies no one, a CVSS change and a withdrawal notify once each",
          "[daemon][pipeline][revisions]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    Advisory a = log4j();
    a.cvss[0].score = 9.0;
    REQUIRE(ingestOne(*store, a, 1000).enqueued == 4);
    const std::vector<QueuedMessage> first = outbox(*store);
    CHECK(revisionClassOf(*store, a.id) == "new");

    // Cosmetic: wording and a reference.
    a.title += "（表現を修正）";
    a.references.push_back({"Vendor", "advisory", "https://logging.apache.org/"});
    IngestStats cosmetic = ingestOne(*store, a, 2000);
    CHECK(cosmetic.changed == 1);
    CHECK(cosmetic.cosmetic == 1);
    CHECK(cosmetic.material == 0);
    CHECK(cosmetic.enqueued == 0);
    CHECK(revisionClassOf(*store, a.id) == "cosmetic");
    CHECK(outbox(*store).size() == 4);

    // Material: the CVSS score is raised. One update per earlier message, naming 9.0 → 10.0.
    a.cvss[0].score = 10.0;
    IngestStats raised = ingestOne(*store, a, 3000);
    CHECK(raised.material == 1);
    CHECK(raised.newMatches == 0);
    CHECK(raised.enqueued == 4);
    CHECK(revisionClassOf(*store, a.id) == "material");
    const std::vector<QueuedMessage> afterRaise = outbox(*store);
    REQUIRE(afterRaise.size() == 8);
    for (std::size_t i = 4; i < 8; ++i) {
        const QueuedMessage& update = afterRaise[i];
        INFO(update.subject);
        CHECK(update.subject.find("更新 (update)") != std::string::npos);
        CHECK(update.text.find("cvss: v3.0 9.0") != std::string::npos);
        CHECK(update.text.find("→ v3.0 10.0") != std::string::npos);
        // Threaded with the first message to the same recipient and notifier.
        const QueuedMessage& original = first[i - 4];
        CHECK(update.notifier == original.notifier);
        CHECK(update.recipient == original.recipient);
        CHECK(update.thread == original.key);
        CHECK(update.key != original.key);
    }
    CHECK(afterRaise[7].payload.find("\"event\":\"update\"") != std::string::npos);

    // The same revision again is no change; a withdrawal is one more message each.
    CHECK(ingestOne(*store, a, 3500).enqueued == 0);
    a.withdrawn = true;
    IngestStats withdrawn = ingestOne(*store, a, 4000);
    CHECK(withdrawn.material == 1);
    CHECK(withdrawn.enqueued == 4);
    const std::vector<QueuedMessage> all = outbox(*store);
    REQUIRE(all.size() == 12);
    CHECK(all[8].subject.find("取り下げ (withdrawn)") != std::string::npos);
    CHECK(all[8].text.find("withdrawn: false → true") != std::string::npos);
    CHECK(all[11].payload.find("\"event\":\"withdrawn\"") != std::string::npos);

    // Revisions keep their class and changed fields.
    auto q = store->db().prepare("SELECT class, changes FROM revision ORDER BY id");
    std::vector<std::string> classes;
    std::string lastChanges;
    while (q.step()) {
        classes.push_back(q.text(0));
        lastChanges = q.text(1);
    }
    CHECK(classes == std::vector<std::string>{"new", "cosmetic", "material", "material"});
    CHECK(lastChanges.find("\"field\":\"withdrawn\"") != std::string::npos);
}

TEST_CASE("a material change below a notifier's threshold is held back like a new match",
          "[daemon][pipeline][revisions]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    Advisory a = log4j();
    a.cvss[0].score = 5.0;
    ParseResult batch;
    batch.records = {a};
    auto ns = notifiers();
    ns[0].minSeverity = 7.0;                                             // mail only from 7.0
    REQUIRE(ingestBatch(*store, ns, "feed", batch, 1000).enqueued == 1); // the webhook only
    a.affected = {{"Apache", "Log4j", "cpe:/a:apache:log4j", {"2.0 から 2.14.1 まで"}}};
    batch.records = {a};
    const IngestStats update = ingestBatch(*store, ns, "feed", batch, 2000);
    CHECK(update.material == 1);
    // The webhook hears of the update (what changed) and of the match confirmed: the record
    // now states affected versions and 2.14.1 is in them (it needed review before).
    CHECK(update.reevaluated == 1);
    CHECK(update.enqueued == 2);
    // Raised above the threshold: the mail recipients hear of it now, as an update.
    a.cvss[0].score = 8.1;
    batch.records = {a};
    CHECK(ingestBatch(*store, ns, "feed", batch, 3000).enqueued == 4);
}

TEST_CASE("the same vulnerability first by mail, then by VULDEF, alerts once per recipient",
          "[daemon][pipeline][revisions]") {
    auto store = Store::inMemory();
    Product p = viewer();
    store->putProduct(p, 1);
    // A mail about CVE-2021-44228 alone names no CPE: its cluster exists, nothing matches yet.
    Advisory mail;
    mail.source = "mail";
    mail.id = "<log4j-20211211@ipa.go.jp>";
    mail.aliases = {"CVE-2021-44228"};
    mail.title = "Apache Log4j の脆弱性対策について(CVE-2021-44228)";
    CHECK(ingestOne(*store, mail, 1000, "ipa-mail").newMatches == 0);
    const auto cluster = store->clusterOf("CVE-2021-44228");
    REQUIRE(cluster);
    CHECK(store->clusterKey(*cluster) == "CVE-2021-44228");
    // The VULDEF entry joins that cluster and matches: the keys use the cluster's stable key.
    Advisory detail = log4j();
    detail.source = "vuldef";
    IngestStats matched = ingestOne(*store, detail, 2000, "myjvn");
    CHECK(matched.newMatches == 1);
    CHECK(matched.enqueued == 4);
    CHECK(store->clusterOf("JVNDB-2021-005429") == cluster);
    const auto rows = outbox(*store);
    REQUIRE(rows.size() == 4);
    // The entry states no affected versions: the match needs review, keyed apart from a
    // confirmed one.
    CHECK(rows[3].key == idempotencyKey("chat", "CVE-2021-44228", p.name, "#needs-review", ""));
    // The iPedia RSS item of the same entry later: same cluster, same match, no new alert.
    CHECK(ingestOne(*store, log4j(), 3000, "jvndb-new").enqueued == 0);
    CHECK(outbox(*store).size() == 4);
}

TEST_CASE("the VULDEF detail re-evaluates a match the RSS item left needing review",
          "[daemon][pipeline][version]") {
    for (const bool inRange : {false, true}) {
        INFO((inRange ? "2.14.1 in the range" : "2.17.1 outside the range"));
        auto store = Store::inMemory();
        Product p = viewer();
        p.components[0].version = inRange ? "2.14.1" : "2.17.1";
        p.components[0].cpes = {"cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"};
        store->putProduct(p, 1);
        // The iPedia RSS item names the CPE only: needs review, notified as such.
        IngestStats rss = ingestOne(*store, log4j(), 1000, "jvndb-new");
        CHECK(rss.newMatches == 1);
        CHECK(rss.enqueued == 4);
        REQUIRE(store->matches().size() == 1);
        CHECK(store->matches()[0].match.verdict == "needs-review");
        // The VULDEF detail of the same entry states the affected versions.
        Advisory detail = log4j();
        detail.source = "vuldef";
        detail.cpes.clear();
        detail.affected = {{"Apache Software Foundation",
                            "Apache Log4j",
                            "cpe:/a:apache:log4j",
                            {"2.0-beta9 から 2.14.1 まで"}}};
        IngestStats vuldef = ingestOne(*store, detail, 2000, "myjvn");
        CHECK(vuldef.newMatches == 0);
        CHECK(vuldef.reevaluated == 1);
        const auto rows = store->matches();
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].match.verdict == (inRange ? "affected" : "not-affected"));
        CHECK(rows[0].match.method == "cpe-version");
        CHECK(rows[0].createdAt == 1000); // the same match, re-evaluated
        // Confirmed affected: everyone hears of it again; evaluated not affected: the review is
        // closed with the reason in the event log, and no one is messaged.
        CHECK(vuldef.enqueued == (inRange ? 4 : 0));
        auto q = store->db().prepare("SELECT text FROM event_log WHERE kind = 'match'");
        REQUIRE(q.step());
        CHECK_THAT(q.text(0), Catch::Contains(inRange ? "from needs-review to affected"
                                                      : "from needs-review to not-affected"));
        CHECK_THAT(q.text(0), Catch::Contains(inRange ? "is in" : "is outside"));
        // The RSS item seen again (unchanged or not) does not undo the evaluation.
        Advisory rssAgain = log4j();
        rssAgain.title += " (更新)";
        ingestOne(*store, rssAgain, 3000, "jvndb-new");
        CHECK(store->matches()[0].match.verdict == (inRange ? "affected" : "not-affected"));
    }
}

TEST_CASE("a removed product version keeps its matches and is no longer notified",
          "[daemon][pipeline][products]") {
    auto store = Store::inMemory();
    RegisteredProduct p;
    p.name = "Bedside Monitor Gateway";
    p.owners = {"qa@example.jp"};
    const Component log4jCore{"apache", "log4j-core", "2.14.1", {"cpe:/a:apache:log4j"}, "", ""};
    p.versions = {{"1.7", {}, {log4jCore}, false}, {"1.8", {}, {log4jCore}, false}};
    store->putProduct(p, 1);
    Advisory a = log4j();
    REQUIRE(ingestOne(*store, a, 1000).newMatches == 2);
    const std::size_t before = outbox(*store).size();
    // qa, a@, psirt@ by mail and the webhook: the key is per product, component and recipient,
    // so the second version adds no message.
    CHECK(before == 4);
    REQUIRE(store->removeProductVersion("Bedside Monitor Gateway", "1.7", 1500));
    // A CVSS change is material: only the version still registered is told.
    a.cvss[0].score = 9.8;
    const IngestStats update = ingestOne(*store, a, 2000);
    CHECK(update.material == 1);
    const auto rows = outbox(*store);
    for (std::size_t i = before; i < rows.size(); ++i) {
        CHECK_THAT(rows[i].subject, Catch::StartsWith("[vulnwatch] 更新 (update): Bedside"));
        if (rows[i].notifier == "mail") {
            CHECK_THAT(rows[i].text, Catch::Contains("製品バージョン (Product version): 1.8"));
        }
    }
    CHECK(rows.size() > before);
    // Its matches stay readable.
    CHECK(store->matches("Bedside Monitor Gateway").size() == 2);
}

TEST_CASE("a material change tells no one about a version evaluated not affected",
          "[daemon][pipeline][version]") {
    auto store = Store::inMemory();
    Product p = viewer();
    p.components[0].version = "2.17.1";
    store->putProduct(p, 1);
    Advisory detail = log4j();
    detail.cpes.clear();
    detail.affected = {
        {"Apache", "Apache Log4j", "cpe:/a:apache:log4j", {"2.0-beta9 から 2.14.1 まで"}}};
    IngestStats first = ingestOne(*store, detail, 1000);
    CHECK(first.newMatches == 1);
    CHECK(first.notAffected == 1);
    CHECK(first.enqueued == 0);
    detail.cvss[0].score = 9.0;
    const IngestStats update = ingestOne(*store, detail, 2000);
    CHECK(update.material == 1);
    CHECK(update.enqueued == 0);
    CHECK(outbox(*store).empty());
}

TEST_CASE("a delivery the locked store cannot record is not sent again, and recorded later",
          "[daemon][pipeline][delivery]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("vw-locked-" + std::to_string(::getpid()) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "locked.db").string();
    auto store = Store::open(path);
    store->putProduct(viewer(), 1);
    ParseResult batch;
    batch.records = {log4j()};
    std::vector<NotifierConfig> chatOnly = {notifiers()[1]};
    REQUIRE(ingestBatch(*store, chatOnly, "feed", batch, 1000).enqueued == 1);
    // The daemon waits 5 s; the test need not (PostgreSQL: the wait for the write lock).
    store->db().exec(store->db().isPostgres() ? "SET lock_timeout = '50ms'"
                                              : "PRAGMA busy_timeout = 50");

    // A CLI import in another process holds the write lock while the webhook is delivered.
    auto other = Store::open(path);
    other->db().beginWrite();
    FakeNotifier chat("chat", {DeliveryResult::Kind::Delivered, "HTTP 200", std::nullopt});
    std::map<std::int64_t, std::string> unrecorded;
    DeliveryStats s = deliverDue(*store, {{"chat", &chat}}, 1100, {}, &unrecorded);
    CHECK(s.delivered == 1);
    CHECK(chat.delivered.size() == 1);
    CHECK(unrecorded.size() == 1);
    // Still locked: nothing is sent again.
    s = deliverDue(*store, {{"chat", &chat}}, 1130, {}, &unrecorded);
    CHECK(chat.delivered.size() == 1);
    CHECK(unrecorded.size() == 1);
    other->db().exec("COMMIT");
    // Unlocked: the delivery is recorded, and still not sent again.
    s = deliverDue(*store, {{"chat", &chat}}, 1160, {}, &unrecorded);
    CHECK(chat.delivered.size() == 1);
    CHECK(unrecorded.empty());
    CHECK(store->outboxCounts().delivered == 1);
    CHECK(store->outboxCounts().pending == 0);
    other.reset();
    store.reset();
    std::filesystem::remove_all(dir);
}

TEST_CASE("the registry cache keeps its matcher until the registry changes",
          "[daemon][pipeline][registry]") {
    auto store = Store::inMemory();
    const std::int64_t empty = store->registryGeneration();
    store->putProduct(viewer(), 1);
    const std::int64_t one = store->registryGeneration();
    CHECK(one != empty);
    RegistryCache cache;
    cache.refresh(*store, {});
    const ProductMatcher* first = &cache.matcher();
    REQUIRE(cache.products().size() == 1);
    // Records do not change the registry: the same matcher serves the next batch.
    ParseResult batch;
    batch.records = {log4j()};
    CHECK(ingestBatch(*store, {}, "feed", batch, 1000, std::nullopt, {}, {}, &cache).newMatches ==
          1);
    CHECK(store->registryGeneration() == one);
    CHECK(&cache.matcher() == first);
    // Any change of a product, a version or a component does.
    CHECK(store->removeProductVersion(viewer().name, "", 2));
    CHECK(store->registryGeneration() != one);
    cache.refresh(*store, {});
    CHECK(cache.products().empty());
    const std::int64_t removed = store->registryGeneration();
    store->replaceComponents("Other", "1.0", viewer().components, 3);
    CHECK(store->registryGeneration() != removed);
}

TEST_CASE("a shutdown is not an attempt, and a notifier's bad settings do not condemn messages",
          "[daemon][pipeline][delivery]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    ParseResult batch;
    batch.records = {log4j()};
    REQUIRE(ingestBatch(*store, notifiers(), "feed", batch, 1000).enqueued == 4);

    FakeNotifier stopping("mail", {DeliveryResult::Kind::Cancelled, "cancelled", std::nullopt});
    FakeNotifier chat("chat", {DeliveryResult::Kind::Delivered, "HTTP 200", std::nullopt});
    DeliveryStats s = deliverDue(*store, {{"mail", &stopping}, {"chat", &chat}}, 1100);
    CHECK(stopping.delivered.size() == 1); // the round ends at the first cancelled attempt
    CHECK(chat.delivered.empty());
    CHECK_FALSE(s.more);
    for (const auto& row : store->outboxRows("", 10)) {
        CHECK(row.state == "pending");
        CHECK(row.attempts == 0);
    }

    DeliveryResult badLogin{DeliveryResult::Kind::Retry, "535 5.7.8 authentication failed",
                            std::nullopt};
    badLogin.configuration = true;
    FakeNotifier refused("mail", badLogin);
    s = deliverDue(*store, {{"mail", &refused}, {"chat", &chat}}, 1200);
    CHECK(refused.delivered.size() == 1); // the other mails wait for the settings to work
    CHECK(chat.delivered.size() == 1);
    REQUIRE(s.misconfigured.count("mail") == 1);
    CHECK(s.dead == 0);
    for (const auto& row : store->outboxRows("pending", 10)) {
        CHECK(row.attempts == 0);
    }
    CHECK(store->outboxCounts().pending == 3);
}

TEST_CASE("an advisory naming several components of one product sends one message naming them",
          "[daemon][pipeline][grouping]") {
    auto store = Store::inMemory();
    Product p = viewer();
    p.components.push_back({"apache", "log4j-api", "2.14.1", {"cpe:/a:apache:log4j"}, "", ""});
    p.components.push_back({"apache", "log4j-jul", "2.14.1", {"cpe:/a:apache:log4j"}, "", ""});
    store->putProduct(p, 1);
    ParseResult batch;
    batch.records = {log4j()};
    const IngestStats s = ingestBatch(*store, notifiers(), "feed", batch, 1000);
    CHECK(s.newMatches == 3); // one match row per component
    CHECK(s.enqueued == 4);   // but one message per recipient: a, b, psirt and the webhook
    const auto rows = outbox(*store);
    REQUIRE(rows.size() == 4);
    CHECK_THAT(rows[0].text,
               Catch::Contains("コンポーネント (Component): log4j-core, log4j-api, log4j-jul"));
    CHECK_THAT(rows[0].text, Catch::Contains("log4j-api: CPE cpe:/a:apache:log4j matches"));

    const std::vector<Match> one = {matchAdvisory(log4j(), {viewer()}).at(0)};
    CHECK(mergedPerProduct(one).at(0).component == "log4j-core");
}
