// Hospital notices in the store (issue 14 part 2; tables `notice` and `notice_recipient`,
// schema migration hospitalNotices; docs/notices.md). A notice is what the manufacturer tells
// the hospitals (and lessors, distributors) about one case group; it holds one letter per
// recipient address. The notice's state moves draft → approved → sent; a letter's draft →
// queued (in the outbox) → sent | bounced | failed. The rules of who may move it (a second
// person approves) are the daemon's (daemon/notices.h); the store keeps the rows and checks
// only that a move starts from the state it should. Every function runs in the caller's
// transaction when one is open.
#pragma once

#include "store/cases.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

class Store;

/// The states of a notice: "draft", "approved", "sent", "withdrawn" (given up before sending).
enum class NoticeState { Draft, Approved, Sent, Withdrawn };
std::string_view noticeStateName(NoticeState state);
/// 下書き, 承認済み, 送信済み, 取り下げ.
std::string_view noticeStateJapanese(NoticeState state);
std::optional<NoticeState> parseNoticeState(std::string_view text);

/// The states of one letter: "draft", "queued", "sent", "bounced", "failed".
enum class LetterState { Draft, Queued, Sent, Bounced, Failed };
std::string_view letterStateName(LetterState state);
/// 下書き, 送信待ち, 送信済み, 不達 (bounced), 送信失敗.
std::string_view letterStateJapanese(LetterState state);
std::optional<LetterState> parseLetterState(std::string_view text);

/// One letter of a notice: to one address.
struct NoticeLetter {
    std::int64_t id = 0;
    std::int64_t noticeId = 0;
    std::string address; // the bare address, lower case
    std::string name;    // the contact names, joined by "、"
    std::string roles;   // hospital, lessor, distributor: the roles of the address, joined by ","
    std::string sites;   // the site names it covers, one per line
    std::string subject;
    std::string text;
    std::string html;
    std::string contentHash; // SHA-256 of the archived letter (an evidence blob)
    LetterState state = LetterState::Draft;
    std::int64_t outboxId = 0;
    std::string reply; // the receiver's last reply once delivered or given up
    std::int64_t updatedAt = 0;
};

/// One notice with its letters (by address).
struct Notice {
    std::int64_t id = 0;
    std::int64_t caseId = 0; // the case it was prepared from
    std::int64_t clusterId = 0;
    std::string product;
    std::vector<std::int64_t> cases; // the case group, ascending
    std::string language = "ja";
    NoticeState state = NoticeState::Draft;
    std::string preparedBy;
    std::int64_t preparedAt = 0;
    std::string approvedBy;
    std::int64_t approvedAt = 0;
    std::string sentBy;
    std::int64_t sentAt = 0;
    std::vector<NoticeLetter> letters;
};

/// Stores a new notice in draft with its letters (each in draft); returns its id. The
/// notice's and letters' ids are assigned here.
std::int64_t insertNotice(Store& store, const Notice& notice, std::int64_t now);

std::optional<Notice> noticeById(Store& store, std::int64_t id);
/// The notices whose case group contains case `caseId`, newest first.
std::vector<Notice> noticesOfCase(Store& store, std::int64_t caseId);
/// The notices of a cluster and product (clusterId 0: of the case `caseId` alone), newest first.
std::vector<Notice> noticesOfGroup(Store& store, std::int64_t clusterId, const std::string& product,
                                   std::int64_t caseId);
/// The newest `limit` notices (0: all), newest first, with their letters.
std::vector<Notice> listNotices(Store& store, int limit = 0);

/// Takes the write lock of notice `id`'s row for the caller's transaction (an UPDATE that sets
/// nothing new, as lockCase): reading the notice, comparing its version and moving it cannot
/// interleave with another process's move of it. False when there is no such notice.
bool lockNotice(Store& store, std::int64_t id);

/// The audit events of notice `n` (its case's events whose detail `notice` is n.id: prepare,
/// approve, send, withdraw, letter results), oldest first; each with its site when recorded.
std::vector<CaseEventRow> noticeEvents(Store& store, const Notice& n);
/// A notice's *version* (docs/notices.md): the sequence number of its last audit event, 0 when
/// it has none. Every step of the notice appends one event, so the version changes with every
/// step; no column holds it (no schema change).
std::int64_t noticeVersion(const std::vector<CaseEventRow>& events);
/// "USER @ SITE" of the last event of `kind` ("notice-approve", …) in `events`, else `fallback`
/// (the name the notice row holds: steps recorded before sites were).
std::string noticeStepBy(const std::vector<CaseEventRow>& events, std::string_view kind,
                         const std::string& fallback);

/// Moves a draft notice to approved by `by`. False (nothing written) when it is not a draft.
bool markNoticeApproved(Store& store, std::int64_t id, const std::string& by, std::int64_t now);
/// Moves an approved notice to sent by `by`. False when it is not approved.
bool markNoticeSent(Store& store, std::int64_t id, const std::string& by, std::int64_t now);
/// Moves a draft or approved notice to withdrawn. False when it is sent or withdrawn already.
bool markNoticeWithdrawn(Store& store, std::int64_t id);
/// A letter handed to the outbox (message `outboxId`): draft → queued.
void markLetterQueued(Store& store, std::int64_t letterId, std::int64_t outboxId, std::int64_t now);

/// One letter whose outbox message was delivered or given up since it was queued.
struct LetterOutcome {
    std::int64_t letterId = 0;
    std::int64_t noticeId = 0;
    std::int64_t caseId = 0;
    std::string address;
    std::string contentHash;
    LetterState state = LetterState::Sent;
    std::string reply;
};
/// Whether a dead message's last reply is a permanent SMTP refusal (a 5xx code: "RCPT TO: 550
/// 5.1.1 …"): the letter bounced; otherwise (retries used up) it failed.
bool isPermanentSmtpReply(std::string_view reply);
/// Reads the outbox state of every queued letter and moves those delivered to sent, those dead
/// to bounced (isPermanentSmtpReply) or failed; returns what changed (the caller records it).
std::vector<LetterOutcome> settleLetters(Store& store, std::int64_t now);

} // namespace vw
