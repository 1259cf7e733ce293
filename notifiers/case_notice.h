// Notices about cases (issue 12): the immediate alert when a case's SSVC priority becomes Act,
// and the one notice when a case's clock is breached. Pure: a plain value in, one outbox
// message out, for every notifier type (e-mail: Japanese first with English, or the reverse for
// language "en"; webhook: a JSON document; slack, teams, mattermost, chatwork: their formats).
#pragma once

#include "core/message.h"

#include <cstdint>
#include <string>

namespace vw {

struct CaseNotice {
    std::string kind; // "act" (SSVC Act) or "breach" (a clock past due)
    std::int64_t caseId = 0;
    std::string product;
    std::string version;
    std::string title;
    std::string advisory;   // the id shown (JVNDB-…, CVE-…), "" for a case opened by hand
    std::string clusterKey; // "" for a case opened by hand
    std::string state;      // caseStateName
    std::string ssvc;       // Track, Track*, Attend, Act ("" before any evaluation)
    std::string ssvcReason; // one line: the points and their reasons
    std::string clock;      // breach: decide | inform | fix; act: the next due's clock or ""
    std::int64_t due = 0;   // breach: the due time; act: the next due time, 0 for none shown
                            // (Unix seconds; shown in JST)
    std::int64_t now = 0;   // when the notice was made (breach: "overdue by" counts from due)
    /// The case's receipt time (re-opening renews it), part of the key so that a re-opened
    /// case's Act alert is a new notice; 0 when not given (one Act alert per case ever).
    std::int64_t receivedAt = 0;
    std::string url; // the advisory's URL, "" when none
    std::string language = "ja";
};

/// A due time as notices and digests show it: "2026-05-01 18:00 JST" (the case clocks run in
/// Japan Standard Time, docs/cases.md).
std::string caseDueText(std::int64_t unixSeconds);

/// A clock's short name: 判断, 情報提供, 修正 (Japanese) or decide, inform, fix (English) for
/// "decide", "inform", "fix"; any other text as it is, on one line.
std::string caseClockName(const std::string& clock, bool english);

/// The message for notifier `notifierName` of `type` (email, webhook, slack, teams, mattermost,
/// chatwork) to `recipient` ("" for chat). Its idempotency key comes from notifier, kind, case,
/// recipient and, for a breach, the clock and its due time (a re-opened case's clocks are new
/// ones), for an Act alert `receivedAt`; so the same notice is never queued twice, and the
/// wording and language do not change it.
///
/// - email: subject `[vulnwatch] 対応優先度 Act: PRODUCT VERSION — ADVISORY TITLE` or
///   `[vulnwatch] 期限超過 (判断): …` (English for language "en": `Priority Act`, `Overdue
///   (decide)`; `案件 #ID` / `case #ID` when there is no advisory), a plain-text body (no HTML)
///   in the language first and the other one after a rule, `thread` set to the key of the first
///   message about the vulnerability and product (renderEmail's) when `clusterKey` is given.
/// - webhook and any type that is no chat service: `{"event":"case-act"|"case-breach",
///   "case":{"id","product","version","title","advisory","cluster","state","ssvc",
///   "ssvc_reason","url"},"clock","due":ISO 8601 JST or null,"at","text"}`.
/// - slack, teams, mattermost, chatwork: a chat card (notifiers/chat_format.h chatCardPayload),
///   Japanese with English in parentheses like the match payloads.
/// Every text is cleaned as feed text is (it may come from advisories); links are http(s) only.
/// Throws std::invalid_argument for a kind other than "act" or "breach".
OutMessage renderCaseNotice(const std::string& type, const std::string& notifierName,
                            const std::string& recipient, const CaseNotice& notice);

} // namespace vw
