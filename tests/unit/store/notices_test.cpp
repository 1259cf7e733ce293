// The notice rows (issue 14 part 2, schema migration hospitalNotices): the tables exist, a
// notice and its letters round-trip, state moves start only from the state they should, the
// group look-ups, and the outbox's results settle queued letters as sent, bounced or failed.
#include "core/message.h"
#include "store/notices.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <map>

using namespace vw;

namespace {

Notice draft(std::int64_t caseId, std::vector<std::int64_t> cases, std::int64_t cluster) {
    Notice n;
    n.caseId = caseId;
    n.clusterId = cluster;
    n.product = "Example Imaging Viewer";
    n.cases = std::move(cases);
    n.preparedBy = "alice";
    for (const char* address : {"b@example.jp", "a@example.jp"}) {
        NoticeLetter l;
        l.address = address;
        l.name = "担当";
        l.roles = "hospital";
        l.sites = "中央病院\n東病院";
        l.subject = "件名";
        l.text = "本文";
        l.html = "<p>本文</p>";
        l.contentHash = std::string(64, address[0] == 'a' ? 'a' : 'b');
        n.letters.push_back(l);
    }
    return n;
}

} // namespace

TEST_CASE("the notice tables exist with their indexes", "[store][notices][migrations]") {
    auto store = Store::inMemory();
    for (const char* name :
         {"notice", "notice_recipient", "notice_case", "notice_group", "notice_recipient_state"}) {
        // The catalog of tables and indexes: sqlite_schema, or pg_class in the store's schema.
        auto q = store->db().prepare(
            store->db().isPostgres()
                ? "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE c.relname = ?1 AND n.nspname = current_schema()"
                : "SELECT count(*) FROM sqlite_schema WHERE name = ?1");
        q.bind(1, std::string(name));
        REQUIRE(q.step());
        INFO(name);
        CHECK(q.integer(0) == 1);
    }
    CHECK_THROWS(store->db().exec(
        "INSERT INTO notice (case_id, product, cases, language, state, prepared_by, prepared_at) "
        "VALUES (1, 'p', '1', 'ja', 'sent-ish', 'a', 1)"));
}

TEST_CASE("a notice and its letters round-trip", "[store][notices]") {
    auto store = Store::inMemory();
    const std::int64_t id = insertNotice(*store, draft(3, {3, 4}, 9), 1000);
    const auto n = noticeById(*store, id);
    REQUIRE(n);
    CHECK(n->caseId == 3);
    CHECK(n->cases == std::vector<std::int64_t>{3, 4});
    CHECK(n->clusterId == 9);
    CHECK(n->state == NoticeState::Draft);
    CHECK(n->preparedBy == "alice");
    CHECK(n->preparedAt == 1000);
    REQUIRE(n->letters.size() == 2);
    CHECK(n->letters[0].address == "a@example.jp"); // by address
    CHECK(n->letters[0].contentHash == std::string(64, 'a'));
    CHECK(n->letters[0].sites == "中央病院\n東病院");
    CHECK(n->letters[0].state == LetterState::Draft);
    CHECK_FALSE(noticeById(*store, id + 1));

    // The group's other case finds it too; another case does not.
    CHECK(noticesOfCase(*store, 4).size() == 1);
    CHECK(noticesOfCase(*store, 3).size() == 1);
    CHECK(noticesOfCase(*store, 34).empty());
    CHECK(noticesOfGroup(*store, 9, "Example Imaging Viewer", 0).size() == 1);
    CHECK(noticesOfGroup(*store, 9, "Other", 0).empty());
    CHECK(listNotices(*store).size() == 1);
}

TEST_CASE("a notice moves draft then approved then sent and no other way", "[store][notices]") {
    auto store = Store::inMemory();
    const std::int64_t id = insertNotice(*store, draft(1, {1}, 0), 1000);
    CHECK_FALSE(markNoticeSent(*store, id, "bob", 1100)); // not approved
    CHECK(markNoticeApproved(*store, id, "bob", 1200));
    CHECK_FALSE(markNoticeApproved(*store, id, "carol", 1300)); // approved already
    CHECK(noticeById(*store, id)->approvedBy == "bob");
    CHECK(markNoticeSent(*store, id, "bob", 1400));
    CHECK_FALSE(markNoticeWithdrawn(*store, id)); // sent: too late
    const std::int64_t second = insertNotice(*store, draft(2, {2}, 0), 1500);
    CHECK(markNoticeWithdrawn(*store, second));
    CHECK(noticeById(*store, second)->state == NoticeState::Withdrawn);
    CHECK_FALSE(markNoticeApproved(*store, second, "bob", 1600));
    const auto n = noticeById(*store, id);
    CHECK(n->state == NoticeState::Sent);
    CHECK(n->sentAt == 1400);
    CHECK(noticeStateName(NoticeState::Approved) == "approved");
    CHECK(parseNoticeState("sent") == NoticeState::Sent);
    CHECK_FALSE(parseNoticeState("bounced"));
    CHECK(parseLetterState("bounced") == LetterState::Bounced);
    CHECK(letterStateJapanese(LetterState::Bounced) == "不達");
}

TEST_CASE("permanent SMTP replies are told from the others", "[store][notices]") {
    CHECK(isPermanentSmtpReply("RCPT TO:<x@example.jp>: 550 5.1.1 <x@example.jp>: no"));
    CHECK(isPermanentSmtpReply("550 5.1.1 mailbox unavailable"));
    CHECK(isPermanentSmtpReply("DATA: 554-5.7.1 refused"));
    CHECK_FALSE(isPermanentSmtpReply("RCPT TO:<x@example.jp>: 451 4.3.0 try later"));
    CHECK_FALSE(isPermanentSmtpReply("connect: timed out after 10 s"));
    CHECK_FALSE(isPermanentSmtpReply("5500 bytes sent"));
    CHECK_FALSE(isPermanentSmtpReply(""));
}

TEST_CASE("the outbox's results settle queued letters", "[store][notices]") {
    auto store = Store::inMemory();
    Notice n = draft(1, {1}, 0);
    NoticeLetter third = n.letters[0];
    third.address = "c@example.jp";
    n.letters.push_back(third);
    const std::int64_t id = insertNotice(*store, n, 1000);
    const auto stored = noticeById(*store, id);
    REQUIRE(stored->letters.size() == 3);
    std::vector<std::int64_t> outbox;
    for (const NoticeLetter& l : stored->letters) {
        OutMessage m;
        m.notifier = "mail";
        m.recipient = l.address;
        m.subject = l.subject;
        m.text = l.text;
        m.idempotencyKey = "notice-test-" + l.address;
        outbox.push_back(store->enqueue(m, 1000, 1000));
        markLetterQueued(*store, l.id, outbox.back(), 1000);
    }
    CHECK(settleLetters(*store, 1050).empty()); // nothing delivered yet
    store->markDelivered(outbox[0], "250 ok", 1100);
    store->markDead(outbox[1], "RCPT TO:<b@example.jp>: 550 5.1.1 unknown", 1100);
    store->markDead(outbox[2], "RCPT TO:<c@example.jp>: 451 4.3.0 later", 1100);
    const std::vector<LetterOutcome> settled = settleLetters(*store, 1200);
    REQUIRE(settled.size() == 3);
    std::map<std::string, LetterOutcome> byAddress;
    for (const LetterOutcome& o : settled) {
        byAddress[o.address] = o;
        CHECK(o.noticeId == id);
        CHECK(o.caseId == 1);
    }
    CHECK(byAddress["a@example.jp"].state == LetterState::Sent);
    CHECK(byAddress["b@example.jp"].state == LetterState::Bounced);
    CHECK(byAddress["c@example.jp"].state == LetterState::Failed);
    CHECK(byAddress["b@example.jp"].reply == "RCPT TO:<b@example.jp>: 550 5.1.1 unknown");
    const auto after = noticeById(*store, id);
    CHECK(after->letters[0].state == LetterState::Sent);
    CHECK(after->letters[1].state == LetterState::Bounced);
    CHECK(after->letters[2].state == LetterState::Failed);
    CHECK(after->letters[1].outboxId == outbox[1]);
    CHECK(settleLetters(*store, 1300).empty()); // each once
}
