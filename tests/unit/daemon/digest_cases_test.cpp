// Open cases in the owners' digests (issue 12; daemon/digest.h makeDueDigests): each owner sees
// the open cases of the product versions it hears of, by due date; an owner in digest mode gets
// its digest while a case is open, news or not; an owner in immediate mode sees them in the
// digests it gets anyway. Cases are made with store/cases.h recordCaseChange.
#include "config/config.h"
#include "core/cases.h"
#include "core/datetime.h"
#include "daemon/digest.h"
#include "notifiers/digest.h"
#include "store/cases.h"

#include <catch2/catch.hpp>
#include <string>

using namespace vw;

namespace {

/// Unix seconds of a time in Japan (UTC+9).
std::int64_t jst(int y, int m, int d, int hh, int mm) {
    return daysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 +
           (hh - 9) * 3600 + mm * 60;
}

std::string configText(const std::string& mode, const std::string& extra = "") {
    return "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\nfrom = vw@example.jp\n"
           "mode = " +
           mode +
           "\nmin_severity = 7.0\n"
           "[source.feed]\ntype = jvn-rss\nurl = https://x.example.jp/a.rdf\n" +
           extra;
}

void product(Store& store, const std::string& name, const std::string& version,
             const std::string& owner) {
    Product p;
    p.name = name;
    p.version = version;
    p.owners = {owner};
    store.putProduct(p, 1);
}

/// A case opened as the case work opens one: the columns as details of a case-open event.
Case openCase(Store& store, const std::string& name, const std::string& version,
              const std::string& vuln, std::int64_t receivedAt, std::int64_t decideDue,
              std::int64_t fixDue = 0) {
    CaseChange change;
    change.kind = std::string(kCaseOpen);
    change.text = "case opened for " + vuln;
    change.actor = "vulnwatch";
    change.details = {{"cluster_key", vuln},
                      {"product", name},
                      {"version", version},
                      {"title", "title of " + vuln},
                      {"origin", "match"},
                      {"state", "received"},
                      {"severity", "High"},
                      {"received_at", std::to_string(receivedAt)},
                      {"decide_due", std::to_string(decideDue)},
                      {"fix_due", std::to_string(fixDue)}};
    return recordCaseChange(store, 0, change, receivedAt);
}

void moveCase(Store& store, std::int64_t id, CaseState to, std::int64_t now) {
    CaseChange change;
    change.kind = std::string(kCaseTransition);
    change.text = "moved for the test";
    change.actor = "tester";
    change.details = {{"state", std::string(caseStateName(to))}};
    recordCaseChange(store, id, change, now);
}

DigestItemRow item(const std::string& owner, const std::string& advisory, std::int64_t createdAt) {
    DigestItemRow row;
    row.owner = owner;
    row.notifier = "mail";
    row.recipient = owner;
    row.itemKey = "new\x1f" + advisory;
    row.kind = "new";
    row.clusterKey = advisory;
    row.advisory = advisory;
    row.title = "news of " + advisory;
    row.score = 5.0;
    row.product = "Viewer";
    row.version = "3.2";
    row.component = "zlib";
    row.method = "cpe-version";
    row.confidence = 90;
    row.reason = "cpe";
    row.createdAt = createdAt;
    return row;
}

/// The queued message to `recipient` (exactly one).
OutMessage messageTo(Store& store, const std::string& recipient, std::int64_t now) {
    std::vector<OutMessage> found;
    for (const OutMessage& m : store.dueMessages(now, 1000)) {
        if (m.recipient == recipient) {
            found.push_back(m);
        }
    }
    REQUIRE(found.size() == 1);
    return found.front();
}

std::size_t at(const std::string& text, const std::string& what) {
    const auto position = text.find(what);
    INFO("looking for: " << what << "\nin:\n" << text);
    REQUIRE(position != std::string::npos);
    return position;
}

} // namespace

TEST_CASE("each owner's digest lists its open cases by due date", "[daemon][digest][cases]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(configText("digest"), "t.conf");
    product(*store, "Viewer", "3.2", "a@example.jp");
    product(*store, "Gateway", "1.0", "b@example.jp");
    const std::int64_t t0 = jst(2026, 4, 27, 10, 0);
    const Case later =
        openCase(*store, "Viewer", "3.2", "CVE-2026-0001", t0, jst(2026, 5, 11, 18, 0));
    const Case overdue =
        openCase(*store, "Viewer", "3.2", "CVE-2026-0002", t0, jst(2026, 5, 1, 18, 0));
    const Case other =
        openCase(*store, "Gateway", "1.0", "CVE-2026-0003", t0, jst(2026, 5, 2, 18, 0));
    const Case closed =
        openCase(*store, "Viewer", "3.2", "CVE-2026-0004", t0, jst(2026, 4, 30, 18, 0));
    moveCase(*store, closed.id, CaseState::Closed, t0 + 60);
    // Responding: the decide clock has stopped, the fix clock runs.
    const Case fixing = openCase(*store, "Viewer", "3.2", "CVE-2026-0005", t0,
                                 jst(2026, 4, 29, 18, 0), jst(2026, 6, 26, 23, 59) + 59);
    moveCase(*store, fixing.id, CaseState::Responding, t0 + 120);
    // A product version no longer registered: its case has no one to tell.
    openCase(*store, "Retired", "0.9", "CVE-2026-0006", t0, jst(2026, 4, 28, 18, 0));
    REQUIRE(store->addDigestItem(item("a@example.jp", "JVNDB-2026-000100", jst(2026, 5, 7, 9, 0))));

    const std::int64_t now = jst(2026, 5, 8, 8, 30);
    const auto made = makeDueDigests(*store, config, now);
    REQUIRE(made.size() == 2);
    for (const DigestMade& d : made) {
        CHECK(d.cases == (d.owner == "a@example.jp" ? 3 : 1));
        CHECK(d.items == (d.owner == "a@example.jp" ? 1 : 0));
    }

    const OutMessage a = messageTo(*store, "a@example.jp", now);
    CHECK(a.subject == "[vulnwatch] ダイジェスト: 1 件、対応中の案件 3 件 (2026-05-08 08:30 JST)");
    const std::string& t = a.text;
    at(t, "対応中の案件: 3 件 (期限超過 1 件)\n");
    const auto first = at(t, "* [期限超過] 案件 #" + std::to_string(overdue.id) +
                                 " Viewer 3.2 — CVE-2026-0002 title of CVE-2026-0002\n"
                                 "  期限: 2026-05-01 18:00 JST (判断) / 状態: 受付 (received)");
    const auto second = at(t, "* 案件 #" + std::to_string(later.id) +
                                  " Viewer 3.2 — CVE-2026-0001 title of CVE-2026-0001\n"
                                  "  期限: 2026-05-11 18:00 JST (判断)");
    const auto third = at(t, "* 案件 #" + std::to_string(fixing.id) +
                                 " Viewer 3.2 — CVE-2026-0005 title of CVE-2026-0005\n"
                                 "  期限: 2026-06-26 23:59 JST (修正) / 状態: 対応 (responding)");
    CHECK(first < second);
    CHECK(second < third);
    CHECK(t.find("CVE-2026-0003") == std::string::npos); // another owner's product
    CHECK(t.find("CVE-2026-0004") == std::string::npos); // closed
    CHECK(t.find("CVE-2026-0006") == std::string::npos); // not registered any more
    CHECK(a.html.find("<strong>#" + std::to_string(overdue.id) + "</strong> Viewer 3.2") <
          a.html.find("<strong>#" + std::to_string(later.id) + "</strong> Viewer 3.2"));

    // The other owner has no news, but an open case: a digest listing it.
    const OutMessage b = messageTo(*store, "b@example.jp", now);
    CHECK(b.subject ==
          "[vulnwatch] ダイジェスト: 新着なし、対応中の案件 1 件 (2026-05-08 08:30 JST)");
    at(b.text, "* [期限超過] 案件 #" + std::to_string(other.id) + " Gateway 1.0 — CVE-2026-0003");
    CHECK(b.text.find("Viewer") == std::string::npos);
}

TEST_CASE("an owner in digest mode gets its digest while a case is open",
          "[daemon][digest][cases]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(configText("digest"), "t.conf");
    product(*store, "Viewer", "3.2", "a@example.jp");
    CHECK_FALSE(nextDigestDue(*store, config, jst(2026, 5, 7, 9, 0)));
    const Case c = openCase(*store, "Viewer", "3.2", "CVE-2026-0001", jst(2026, 5, 7, 10, 0),
                            jst(2026, 5, 12, 18, 0));
    CHECK(nextDigestDue(*store, config, jst(2026, 5, 7, 12, 0)) == jst(2026, 5, 8, 8, 30));
    CHECK(makeDueDigests(*store, config, jst(2026, 5, 8, 8, 29)).empty());
    auto made = makeDueDigests(*store, config, jst(2026, 5, 8, 8, 30));
    REQUIRE(made.size() == 1);
    CHECK(made[0].items == 0);
    CHECK(made[0].cases == 1);
    CHECK(makeDueDigests(*store, config, jst(2026, 5, 8, 12, 0)).empty()); // once a period
    // The next day again, while the case is open.
    CHECK(nextDigestDue(*store, config, jst(2026, 5, 8, 12, 0)) == jst(2026, 5, 9, 8, 30));
    REQUIRE(makeDueDigests(*store, config, jst(2026, 5, 9, 8, 30)).size() == 1);
    CHECK(store->outboxCounts().pending == 2);
    // Decided not affected: nothing is open, nothing more is sent.
    moveCase(*store, c.id, CaseState::NotAffected, jst(2026, 5, 9, 12, 0));
    CHECK_FALSE(nextDigestDue(*store, config, jst(2026, 5, 9, 12, 0)));
    CHECK(makeDueDigests(*store, config, jst(2026, 5, 10, 8, 30)).empty());
    CHECK(store->outboxCounts().pending == 2);
}

TEST_CASE("an owner in immediate mode sees its open cases in the digests it gets",
          "[daemon][digest][cases]") {
    auto store = Store::inMemory();
    const Config config = parseConfig(configText("immediate"), "t.conf");
    product(*store, "Viewer", "3.2", "a@example.jp");
    openCase(*store, "Viewer", "3.2", "CVE-2026-0001", jst(2026, 5, 7, 10, 0),
             jst(2026, 5, 12, 18, 0));
    // The case alone brings no digest: this owner asked for its news at once.
    CHECK_FALSE(nextDigestDue(*store, config, jst(2026, 5, 7, 12, 0)));
    CHECK(makeDueDigests(*store, config, jst(2026, 5, 8, 8, 30)).empty());
    // News below the thresholds waits for a digest, which then lists the case too.
    REQUIRE(store->addDigestItem(item("a@example.jp", "JVNDB-2026-000200", jst(2026, 5, 8, 9, 0))));
    const auto made = makeDueDigests(*store, config, jst(2026, 5, 9, 8, 30));
    REQUIRE(made.size() == 1);
    CHECK(made[0].items == 1);
    CHECK(made[0].cases == 1);
    const OutMessage m = messageTo(*store, "a@example.jp", jst(2026, 5, 9, 8, 30));
    at(m.text, "* 案件 #1 Viewer 3.2 — CVE-2026-0001 title of CVE-2026-0001\n");
    // Sent by hand, a digest lists it as well.
    DigestOptions now;
    now.force = true;
    now.owner = "a@example.jp";
    const auto forced = makeDueDigests(*store, config, jst(2026, 5, 9, 10, 0), now);
    REQUIRE(forced.size() == 1);
    CHECK(forced[0].cases == 1);
}

TEST_CASE("an owner section's products and notifier decide whose cases it sees",
          "[daemon][digest][cases]") {
    auto store = Store::inMemory();
    const Config config =
        parseConfig(configText("immediate", "[owner.a]\nemail = A <a@example.jp>\n"
                                            "products = Viewer\nmode = digest\n"
                                            "language = en\n"),
                    "t.conf");
    product(*store, "Viewer", "3.2", "a@example.jp");
    product(*store, "Gateway", "1.0", "a@example.jp"); // registered owner, not in the section
    openCase(*store, "Viewer", "3.2", "CVE-2026-0001", jst(2026, 5, 7, 10, 0),
             jst(2026, 5, 12, 18, 0));
    openCase(*store, "Gateway", "1.0", "CVE-2026-0002", jst(2026, 5, 7, 10, 0),
             jst(2026, 5, 11, 18, 0));
    const Routing routing(config);
    Product viewer;
    viewer.name = "Viewer";
    viewer.version = "3.2";
    viewer.owners = {"a@example.jp"};
    Product gateway = viewer;
    gateway.name = "Gateway";
    const auto route = ownerRoute(routing, viewer, "a@example.jp", "mail");
    REQUIRE(route);
    CHECK(route->digest);
    CHECK(route->recipient == "A <a@example.jp>");
    CHECK_FALSE(ownerRoute(routing, gateway, "a@example.jp", "mail"));
    CHECK_FALSE(ownerRoute(routing, viewer, "a@example.jp", "other"));
    CHECK_FALSE(ownerRoute(routing, viewer, "b@example.jp", "mail"));

    const auto made = makeDueDigests(*store, config, jst(2026, 5, 8, 8, 30));
    REQUIRE(made.size() == 1);
    CHECK(made[0].cases == 1);
    const OutMessage m = messageTo(*store, "A <a@example.jp>", jst(2026, 5, 8, 8, 30));
    CHECK(m.subject == "[vulnwatch] Digest: nothing new, 1 open case (2026-05-08 08:30 JST)");
    at(m.text, "* case #1 Viewer 3.2 — CVE-2026-0001");
    at(m.text, "Due: 2026-05-12 18:00 JST (decide) / State: received (受付) / SSVC: not evaluated");
    CHECK(m.text.find("Gateway") == std::string::npos);
}
