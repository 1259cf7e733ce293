// Hospital notices (issue 14 part 2): a case group of two versions in informing, a two-site
// install base with one lessor (who rents to both sites) → three letters; the preparer cannot
// approve, a viewer cannot, a draft cannot be sent, a second triager approves; sending queues
// one message per letter and a second send nothing; every step is an event of the case naming
// the letters' hashes, and the case projection still holds.
#include "core/calendar.h"
#include "daemon/cases.h"
#include "daemon/notices.h"
#include "daemon/pipeline.h"
#include "store/cases.h"
#include "store/evidence.h"
#include "store/installbase.h"

#include <catch2/catch.hpp>

using namespace vw;

namespace {

const std::int64_t kNow = jstTime(Date{2026, 4, 28}, 10 * 3600);
const std::string kPassword = "correct horse battery staple";

Advisory log4j() {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.summary = "Apache Log4j には任意のコードが実行可能な脆弱性があります。";
    a.cvss = {{"3.0", 10.0, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    return a;
}

Product viewer(const std::string& version) {
    Product p;
    p.name = "Example Imaging Viewer";
    p.version = version;
    p.owners = {"owner@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     "2.14.1",
                     {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

Config config() {
    Config c;
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    c.notifiers.push_back(mail);
    c.notices.contact = "製品セキュリティ窓口\nTEL 03-0000-0000";
    return c;
}

InstallBaseEntry row(const std::string& site, const std::string& version, const std::string& role,
                     const std::string& email) {
    InstallBaseEntry e;
    e.siteId = site;
    e.siteName = site == "S001" ? "中央病院" : "東病院";
    e.product = "Example Imaging Viewer";
    e.version = version;
    e.role = role;
    e.contactEmail = email;
    e.contactName = role == "lessor" ? "リース担当" : "施設担当";
    return e;
}

/// Two cases (3.2, 3.3) of one vulnerability in informing, the install base and three users.
std::vector<Case> setUp(Store& store) {
    store.putProduct(viewer("3.2"), 1);
    store.putProduct(viewer("3.3"), 1);
    const Routing r(config());
    ParseResult batch;
    batch.records.push_back(log4j());
    ingestBatch(store, r, "vuldef", batch, kNow);
    std::vector<Case> cases = listCases(store, {});
    REQUIRE(cases.size() == 2);
    for (Case& c : cases) {
        transitionCase(store, r, c.id, CaseState::Confirming, "tanaka", {{"assignee", "tanaka"}},
                       kNow);
        transitionCase(store, r, c.id, CaseState::Evaluating, "tanaka", {{"finding", "同梱"}},
                       kNow);
        transitionCase(store, r, c.id, CaseState::Responding, "tanaka",
                       {{"risk", "uncontrolled"},
                        {"assessment", "遠隔"},
                        {"action", "fix"},
                        {"target_version", "3.4"}},
                       kNow);
        c = transitionCase(
            store, r, c.id, CaseState::Informing, "tanaka",
            {{"remedy", "ネットワークから切り離してください。"}, {"fixed_version", "3.4"}}, kNow);
    }
    replaceInstallBase(store,
                       {row("S001", "3.2", "hospital", "Yamada <yamada@chuo.example.jp>"),
                        row("S001", "3.2", "lessor", "lease@lease.example.jp"),
                        row("S002", "3.3", "hospital", "sato@higashi.example.jp"),
                        row("S002", "3.3", "lessor", "LEASE@lease.example.jp")},
                       kNow);
    const std::vector<std::string> products{"Example Imaging Viewer"};
    addUser(store, "alice", UserRole::Triager, kPassword, products, "setup", kNow);
    addUser(store, "bob", UserRole::Triager, kPassword, products, "setup", kNow);
    addUser(store, "carol", UserRole::Viewer, kPassword, {}, "setup", kNow);
    return cases;
}

int events(Store& store, const std::string& kind) {
    auto q = store.db().prepare("SELECT count(*) FROM event_log WHERE kind = ?1");
    q.bind(1, kind);
    REQUIRE(q.step());
    return static_cast<int>(q.integer(0));
}

NoticeRefused::Kind refusal(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const NoticeRefused& e) {
        return e.kind();
    }
    FAIL("not refused");
    return NoticeRefused::Kind::Invalid;
}

} // namespace

TEST_CASE("a two-site install base with one lessor gives three letters", "[daemon][notices]") {
    auto store = Store::inMemory();
    const std::vector<Case> cases = setUp(*store);
    const Config cfg = config();
    const CaseGroup group = caseGroupOf(*store, cases[0].id);
    CHECK(group.cases.size() == 2);
    const auto letters = noticeLetters(*store, cfg, group, "");
    REQUIRE(letters.size() == 3);
    CHECK(letters[0].recipientAddress == "lease@lease.example.jp");
    CHECK(letters[0].partner);
    CHECK(letters[0].sites.size() == 2); // the lessor hears once, of both sites
    CHECK(letters[0].versions == std::vector<std::string>{"3.2", "3.3"});
    CHECK(letters[1].recipientAddress == "sato@higashi.example.jp");
    CHECK(letters[1].versions == std::vector<std::string>{"3.3"});
    CHECK(letters[2].recipientAddress == "yamada@chuo.example.jp");
    CHECK_FALSE(letters[2].partner);
    CHECK(letters[2].advisory == "JVNDB-2021-005429");
    CHECK(letters[2].cvssScore == 10.0);
    CHECK(letters[2].remedy == "ネットワークから切り離してください。");
    CHECK(letters[2].fixedVersion == "3.4");
    const RenderedMail mail = renderLetter(cfg, letters[2]);
    CHECK_THAT(mail.text, Catch::Contains("Apache Log4j には任意のコード"));
    CHECK(listNotices(*store).empty()); // a preview stores nothing
}

TEST_CASE("a second person approves and a notice is sent once", "[daemon][notices]") {
    auto store = Store::inMemory();
    const std::vector<Case> cases = setUp(*store);
    const Config cfg = config();
    using K = NoticeRefused::Kind;
    CHECK(refusal([&] { prepareNotice(*store, cfg, cases[0].id, "carol", "", kNow); }) ==
          K::Forbidden);
    CHECK(refusal([&] { prepareNotice(*store, cfg, 999, "alice", "", kNow); }) == K::NotFound);
    const Notice n = prepareNotice(*store, cfg, cases[0].id, "alice", "", kNow + 10);
    REQUIRE(n.letters.size() == 3);
    CHECK(n.state == NoticeState::Draft);
    for (const NoticeLetter& l : n.letters) {
        const EvidenceRead read = readEvidence(*store, l.contentHash);
        CHECK(sha256Hex(read.bytes) == l.contentHash);
        CHECK_THAT(read.bytes, Catch::Contains(l.address));
    }
    CHECK(events(*store, "notice-prepare") == 1);
    // Another notice of the same group waits until this one is sent.
    CHECK(refusal([&] { prepareNotice(*store, cfg, cases[1].id, "bob", "", kNow); }) ==
          K::Conflict);
    CHECK(refusal([&] { sendNotice(*store, cfg, n.id, "bob", kNow); }) == K::Conflict);
    CHECK(refusal([&] { approveNotice(*store, cfg, n.id, "alice", kNow); }) == K::Forbidden);
    CHECK(refusal([&] { approveNotice(*store, cfg, n.id, "carol", kNow); }) == K::Forbidden);
    CHECK(refusal([&] { approveNotice(*store, cfg, n.id, "nobody", kNow); }) == K::Forbidden);
    Config strict = cfg;
    strict.cases.approvers = {"dave"};
    CHECK(refusal([&] { approveNotice(*store, strict, n.id, "bob", kNow); }) == K::Forbidden);
    CHECK(noticeById(*store, n.id)->state == NoticeState::Draft);

    const Notice approved = approveNotice(*store, cfg, n.id, "bob", kNow + 20);
    CHECK(approved.state == NoticeState::Approved);
    CHECK(approved.approvedBy == "bob");
    CHECK(refusal([&] { approveNotice(*store, cfg, n.id, "bob", kNow); }) == K::Conflict);

    Config noMail = cfg;
    noMail.notifiers.clear();
    CHECK(refusal([&] { sendNotice(*store, noMail, n.id, "bob", kNow); }) == K::Invalid);

    const int pendingBefore = store->outboxCounts().pending; // the case work's own alerts
    const NoticeSendOutcome sent = sendNotice(*store, cfg, n.id, "alice", kNow + 30);
    CHECK(sent.queued == 3);
    CHECK_FALSE(sent.alreadySent);
    CHECK(sent.notice.state == NoticeState::Sent);
    for (const NoticeLetter& l : sent.notice.letters) {
        CHECK(l.state == LetterState::Queued);
        CHECK(l.outboxId != 0);
    }
    CHECK(store->outboxCounts().pending == pendingBefore + 3);
    const NoticeSendOutcome again = sendNotice(*store, cfg, n.id, "alice", kNow + 40);
    CHECK(again.alreadySent);
    CHECK(again.queued == 0);
    CHECK(store->outboxCounts().pending == pendingBefore + 3);

    // Delivery results: one delivered, one refused for good.
    store->markDelivered(sent.notice.letters[0].outboxId, "250 ok", kNow + 50);
    store->markDead(sent.notice.letters[1].outboxId, "RCPT TO:<x>: 550 5.1.1 unknown", kNow + 50);
    CHECK(settleNoticeLetters(*store, kNow + 60) == 2);
    CHECK(settleNoticeLetters(*store, kNow + 70) == 0);
    const auto after = noticeById(*store, n.id);
    CHECK(after->letters[0].state == LetterState::Sent);
    CHECK(after->letters[1].state == LetterState::Bounced);
    CHECK(after->letters[2].state == LetterState::Queued);
    CHECK(events(*store, "notice-letter") == 2);
    CHECK(noticesOfCase(*store, cases[1].id).size() == 1);

    // The steps are events of the case, naming the letters' hashes; the projection holds.
    const auto caseEventRows = caseEvents(*store, cases[0].id);
    int noticeEvents = 0;
    for (const CaseEventRow& e : caseEventRows) {
        if (e.kind.rfind("notice-", 0) == 0) {
            ++noticeEvents;
            if (e.kind != "notice-letter") {
                CHECK(e.evidence.size() == 3);
            }
        }
    }
    CHECK(noticeEvents == 5); // prepare, approve, send, two results
    const auto rebuilt = rebuildCases(*store);
    const auto stored = storedCases(*store);
    REQUIRE(rebuilt.size() == stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) {
        CHECK(rebuilt[i] == stored[i]);
    }
    // After it was sent, a new notice of the group may be prepared.
    CHECK(prepareNotice(*store, cfg, cases[1].id, "bob", "en", kNow + 80).language == "en");
}

TEST_CASE("a notice not sent yet may be withdrawn and the group prepared again",
          "[daemon][notices]") {
    auto store = Store::inMemory();
    const std::vector<Case> cases = setUp(*store);
    const Config cfg = config();
    using K = NoticeRefused::Kind;
    const Notice n = prepareNotice(*store, cfg, cases[0].id, "alice", "", kNow);
    CHECK(refusal([&] { withdrawNotice(*store, n.id, "bob", "  ", kNow); }) == K::Invalid);
    CHECK(refusal([&] { withdrawNotice(*store, n.id, "carol", "wrong", kNow); }) == K::Forbidden);
    const Notice withdrawn = withdrawNotice(*store, n.id, "bob", "the install base changed", kNow);
    CHECK(withdrawn.state == NoticeState::Withdrawn);
    CHECK(events(*store, "notice-withdraw") == 1);
    CHECK(refusal([&] { approveNotice(*store, cfg, n.id, "bob", kNow); }) == K::Conflict);
    CHECK(refusal([&] { sendNotice(*store, cfg, n.id, "bob", kNow); }) == K::Conflict);
    const Notice again = prepareNotice(*store, cfg, cases[0].id, "alice", "", kNow + 1);
    CHECK(again.id != n.id);
    approveNotice(*store, cfg, again.id, "bob", kNow + 2);
    sendNotice(*store, cfg, again.id, "bob", kNow + 3);
    CHECK(refusal([&] { withdrawNotice(*store, again.id, "bob", "late", kNow + 4); }) ==
          K::Conflict);
}

TEST_CASE("notices are made only for cases in informing", "[daemon][notices]") {
    auto store = Store::inMemory();
    store->putProduct(viewer("3.2"), 1);
    const Routing r(config());
    const Case c = openManualCase(*store, r, "Example Imaging Viewer", "3.2", "報告", "sato", {},
                                  "High", kNow);
    try {
        caseGroupOf(*store, c.id);
        FAIL("not refused");
    } catch (const NoticeRefused& e) {
        CHECK(e.kind() == NoticeRefused::Kind::Conflict);
        CHECK_THAT(e.both(), Catch::Contains("informing"));
        CHECK_THAT(e.both(), Catch::Contains("医療機関への情報提供"));
    }
}
