#include "core/ids.h"
#include "daemon/pipeline.h"

#include <catch2/catch.hpp>

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
    p.components = {
        {"apache", "log4j-core", "2.14.1", "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", ""}};
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
    store->putProduct(viewer());
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
    store->putProduct(viewer());
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
    store->putProduct(viewer());
    ParseResult batch;
    batch.records = {log4j()};
    ingestBatch(*store, notifiers(), "jvndb-new", batch, 1000);
    FakeNotifier mail("mail", {DeliveryResult::Kind::Delivered, "250", std::nullopt});
    DeliveryStats s = deliverDue(*store, {{"mail", &mail}}, 1000);
    CHECK(s.waiting == 1);
    CHECK(store->outboxCounts().pending == 1);
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

    store->putProduct(viewer());
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
