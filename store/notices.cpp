#include "store/notices.h"

#include "store/store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace vw {

namespace {

struct StateNames {
    std::string_view name;
    std::string_view japanese;
};

constexpr std::array<StateNames, 4> kNoticeStates{{
    {"draft", "下書き"},
    {"approved", "承認済み"},
    {"sent", "送信済み"},
    {"withdrawn", "取り下げ"},
}};

constexpr std::array<StateNames, 5> kLetterStates{{
    {"draft", "下書き"},
    {"queued", "送信待ち"},
    {"sent", "送信済み"},
    {"bounced", "不達"},
    {"failed", "送信失敗"},
}};

std::string joinIds(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (const std::int64_t id : ids) {
        out += (out.empty() ? "" : "\n") + std::to_string(id);
    }
    return out;
}

std::vector<std::int64_t> splitIds(const std::string& text) {
    std::vector<std::int64_t> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        std::int64_t value = 0;
        const auto [ptr, error] = std::from_chars(text.data() + start, text.data() + end, value);
        if (error == std::errc() && ptr == text.data() + end) {
            out.push_back(value);
        }
        start = end + 1;
    }
    return out;
}

constexpr std::string_view kNoticeColumns =
    "id, case_id, cluster_id, product, cases, language, state, prepared_by, prepared_at, "
    "approved_by, approved_at, sent_by, sent_at";

Notice readNotice(const Statement& q) {
    Notice n;
    n.id = q.integer(0);
    n.caseId = q.integer(1);
    n.clusterId = q.integer(2);
    n.product = q.text(3);
    n.cases = splitIds(q.text(4));
    n.language = q.text(5);
    n.state = parseNoticeState(q.text(6)).value_or(NoticeState::Draft);
    n.preparedBy = q.text(7);
    n.preparedAt = q.integer(8);
    n.approvedBy = q.text(9);
    n.approvedAt = q.integer(10);
    n.sentBy = q.text(11);
    n.sentAt = q.integer(12);
    return n;
}

void readLetters(Store& store, Notice& n) {
    Statement& q = store.cachedStatement(
        "SELECT id, notice_id, address, name, roles, sites, subject, text, html, content_hash, "
        "state, outbox_id, reply, updated_at FROM notice_recipient WHERE notice_id = ?1 "
        "ORDER BY address");
    q.bind(1, n.id);
    n.letters.clear();
    while (q.step()) {
        NoticeLetter l;
        l.id = q.integer(0);
        l.noticeId = q.integer(1);
        l.address = q.text(2);
        l.name = q.text(3);
        l.roles = q.text(4);
        l.sites = q.text(5);
        l.subject = q.text(6);
        l.text = q.text(7);
        l.html = q.text(8);
        l.contentHash = q.text(9);
        l.state = parseLetterState(q.text(10)).value_or(LetterState::Draft);
        l.outboxId = q.integer(11);
        l.reply = q.text(12);
        l.updatedAt = q.integer(13);
        n.letters.push_back(std::move(l));
    }
    q.reset();
    q.clearBindings();
}

std::vector<Notice> readNotices(Store& store, Statement& q) {
    std::vector<Notice> out;
    while (q.step()) {
        out.push_back(readNotice(q));
    }
    for (Notice& n : out) {
        readLetters(store, n);
    }
    return out;
}

} // namespace

std::string_view noticeStateName(NoticeState state) {
    return kNoticeStates.at(static_cast<std::size_t>(state)).name;
}

std::string_view noticeStateJapanese(NoticeState state) {
    return kNoticeStates.at(static_cast<std::size_t>(state)).japanese;
}

std::optional<NoticeState> parseNoticeState(std::string_view text) {
    for (std::size_t i = 0; i < kNoticeStates.size(); ++i) {
        if (kNoticeStates[i].name == text) {
            return static_cast<NoticeState>(i);
        }
    }
    return std::nullopt;
}

std::string_view letterStateName(LetterState state) {
    return kLetterStates.at(static_cast<std::size_t>(state)).name;
}

std::string_view letterStateJapanese(LetterState state) {
    return kLetterStates.at(static_cast<std::size_t>(state)).japanese;
}

std::optional<LetterState> parseLetterState(std::string_view text) {
    for (std::size_t i = 0; i < kLetterStates.size(); ++i) {
        if (kLetterStates[i].name == text) {
            return static_cast<LetterState>(i);
        }
    }
    return std::nullopt;
}

std::int64_t insertNotice(Store& store, const Notice& notice, std::int64_t now) {
    Store::Transaction tx(store);
    Statement q = store.db().prepare(
        "INSERT INTO notice (case_id, cluster_id, product, cases, language, state, prepared_by, "
        "prepared_at) VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7)");
    q.bind(1, notice.caseId).bind(2, notice.clusterId).bind(3, notice.product);
    q.bind(4, joinIds(notice.cases)).bind(5, notice.language).bind(6, notice.preparedBy);
    q.bind(7, notice.preparedAt == 0 ? now : notice.preparedAt);
    q.run();
    const std::int64_t id = store.db().lastInsertId();
    Statement letter = store.db().prepare(
        "INSERT INTO notice_recipient (notice_id, address, name, roles, sites, subject, text, "
        "html, content_hash, state, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'draft', ?10)");
    for (const NoticeLetter& l : notice.letters) {
        letter.bind(1, id).bind(2, l.address).bind(3, l.name).bind(4, l.roles).bind(5, l.sites);
        letter.bind(6, l.subject).bind(7, l.text).bind(8, l.html).bind(9, l.contentHash);
        letter.bind(10, now);
        letter.run();
        letter.reset();
        letter.clearBindings();
    }
    tx.commit();
    return id;
}

std::optional<Notice> noticeById(Store& store, std::int64_t id) {
    Statement q =
        store.db().prepare("SELECT " + std::string(kNoticeColumns) + " FROM notice WHERE id = ?1");
    q.bind(1, id);
    std::vector<Notice> found = readNotices(store, q);
    if (found.empty()) {
        return std::nullopt;
    }
    return std::move(found.front());
}

std::vector<Notice> noticesOfCase(Store& store, std::int64_t caseId) {
    // `cases` holds the ids one per line; the index on case_id serves the usual look-up (the
    // case the notice was prepared from), the scan of `cases` the other members of the group.
    Statement q = store.db().prepare(
        "SELECT " + std::string(kNoticeColumns) +
        " FROM notice WHERE case_id = ?1 OR instr('\n' || cases || '\n', '\n' || ?1 || '\n') > 0 "
        "ORDER BY id DESC");
    q.bind(1, caseId);
    return readNotices(store, q);
}

std::vector<Notice> noticesOfGroup(Store& store, std::int64_t clusterId, const std::string& product,
                                   std::int64_t caseId) {
    if (clusterId == 0) {
        Statement q = store.db().prepare("SELECT " + std::string(kNoticeColumns) +
                                         " FROM notice WHERE cluster_id = 0 AND case_id = ?1 "
                                         "ORDER BY id DESC");
        q.bind(1, caseId);
        return readNotices(store, q);
    }
    Statement q = store.db().prepare("SELECT " + std::string(kNoticeColumns) +
                                     " FROM notice WHERE cluster_id = ?1 AND product = ?2 "
                                     "ORDER BY id DESC");
    q.bind(1, clusterId).bind(2, product);
    return readNotices(store, q);
}

std::vector<Notice> listNotices(Store& store, int limit) {
    Statement q = store.db().prepare("SELECT " + std::string(kNoticeColumns) +
                                     " FROM notice ORDER BY id DESC LIMIT ?1");
    q.bind(1, limit <= 0 ? std::numeric_limits<std::int64_t>::max()
                         : static_cast<std::int64_t>(limit));
    return readNotices(store, q);
}

bool lockNotice(Store& store, std::int64_t id) {
    Statement q = store.db().prepare("UPDATE notice SET state = state WHERE id = ?1");
    q.bind(1, id);
    q.run();
    return store.db().changes() > 0;
}

std::vector<CaseEventRow> noticeEvents(Store& store, const Notice& n) {
    std::vector<CaseEventRow> out;
    const std::string id = std::to_string(n.id);
    for (CaseEventRow& e : caseEvents(store, n.caseId)) {
        const bool ours = std::any_of(e.details.begin(), e.details.end(), [&](const auto& d) {
            return d.first == "notice" && d.second == id;
        });
        if (ours) {
            out.push_back(std::move(e));
        }
    }
    return out;
}

std::int64_t noticeVersion(const std::vector<CaseEventRow>& events) {
    return events.empty() ? 0 : events.back().seq;
}

std::string noticeStepBy(const std::vector<CaseEventRow>& events, std::string_view kind,
                         const std::string& fallback) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->kind == kind) {
            return actorAtSite(*it);
        }
    }
    return fallback;
}

bool markNoticeApproved(Store& store, std::int64_t id, const std::string& by, std::int64_t now) {
    Statement q = store.db().prepare("UPDATE notice SET state = 'approved', approved_by = ?2, "
                                     "approved_at = ?3 WHERE id = ?1 AND state = 'draft'");
    q.bind(1, id).bind(2, by).bind(3, now);
    q.run();
    return store.db().changes() == 1;
}

bool markNoticeSent(Store& store, std::int64_t id, const std::string& by, std::int64_t now) {
    Statement q = store.db().prepare("UPDATE notice SET state = 'sent', sent_by = ?2, "
                                     "sent_at = ?3 WHERE id = ?1 AND state = 'approved'");
    q.bind(1, id).bind(2, by).bind(3, now);
    q.run();
    return store.db().changes() == 1;
}

bool markNoticeWithdrawn(Store& store, std::int64_t id) {
    Statement q = store.db().prepare("UPDATE notice SET state = 'withdrawn' WHERE id = ?1 AND "
                                     "state IN ('draft', 'approved')");
    q.bind(1, id);
    q.run();
    return store.db().changes() == 1;
}

void markLetterQueued(Store& store, std::int64_t letterId, std::int64_t outboxId,
                      std::int64_t now) {
    Statement q = store.db().prepare(
        "UPDATE notice_recipient SET state = 'queued', outbox_id = ?2, updated_at = ?3 "
        "WHERE id = ?1 AND state = 'draft'");
    q.bind(1, letterId).bind(2, outboxId).bind(3, now);
    q.run();
}

bool isPermanentSmtpReply(std::string_view reply) {
    // The e-mail notifier writes "STEP: CODE text" (the step's last reply line), or the reply
    // itself; a 5xx code at the start of either is a permanent refusal.
    const auto codeAt = [&](std::size_t i) {
        return i + 3 <= reply.size() && reply[i] == '5' && reply[i + 1] >= '0' &&
               reply[i + 1] <= '9' && reply[i + 2] >= '0' && reply[i + 2] <= '9' &&
               (i + 3 == reply.size() || reply[i + 3] == ' ' || reply[i + 3] == '-');
    };
    if (codeAt(0)) {
        return true;
    }
    for (std::size_t colon = reply.find(": "); colon != std::string_view::npos;
         colon = reply.find(": ", colon + 2)) {
        if (codeAt(colon + 2)) {
            return true;
        }
    }
    return false;
}

std::vector<LetterOutcome> settleLetters(Store& store, std::int64_t now) {
    std::vector<LetterOutcome> out;
    {
        Statement q = store.db().prepare(
            "SELECT r.id, r.notice_id, n.case_id, r.address, r.content_hash, o.state, "
            "o.last_reply FROM notice_recipient r JOIN notice n ON n.id = r.notice_id "
            "JOIN outbox o ON o.id = r.outbox_id WHERE r.state = 'queued' AND "
            "o.state IN ('delivered', 'dead') ORDER BY r.id");
        while (q.step()) {
            LetterOutcome o;
            o.letterId = q.integer(0);
            o.noticeId = q.integer(1);
            o.caseId = q.integer(2);
            o.address = q.text(3);
            o.contentHash = q.text(4);
            o.reply = q.text(6);
            if (q.text(5) == "delivered") {
                o.state = LetterState::Sent;
            } else {
                o.state =
                    isPermanentSmtpReply(o.reply) ? LetterState::Bounced : LetterState::Failed;
            }
            out.push_back(std::move(o));
        }
    }
    if (out.empty()) {
        return out;
    }
    Store::Transaction tx(store);
    Statement u = store.db().prepare("UPDATE notice_recipient SET state = ?2, reply = ?3, "
                                     "updated_at = ?4 WHERE id = ?1 AND state = 'queued'");
    for (const LetterOutcome& o : out) {
        u.bind(1, o.letterId).bind(2, letterStateName(o.state)).bind(3, o.reply).bind(4, now);
        u.run();
        u.reset();
        u.clearBindings();
    }
    tx.commit();
    return out;
}

} // namespace vw
