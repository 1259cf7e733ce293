// Hospital notices (issue 14 part 2; docs/notices.md): for a case group in `informing`, one
// letter per install-base contact address, prepared by one person, approved by a second, sent
// through the e-mail notifier (the outbox), each letter archived as evidence with its SHA-256
// and recorded per recipient (sent, bounced, failed). Every step is an audit event of the
// case. The rows are store/notices.h, the letter notifiers/hospital_notice.h.
//
// A *case group* is the cases of one vulnerability cluster and one product — one case per
// product version — that are in `informing`; a case opened by hand without a cluster is a
// group of its own. The recipients are the install base's contacts (hospital, lessor,
// distributor) of every site running a version of the group, each address once.
#pragma once

#include "config/config.h"
#include "core/cases.h"
#include "notifiers/hospital_notice.h"
#include "store/notices.h"
#include "store/store.h"
#include "store/users.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vw {

/// Why a notice step is refused, in English and Japanese; `kind` says what sort of refusal
/// (the web page's status: NotFound 404, Forbidden 403, Conflict 409, Invalid 422).
class NoticeRefused : public std::runtime_error {
public:
    enum class Kind { NotFound, Forbidden, Conflict, Invalid };
    NoticeRefused(Kind kind, const std::string& english, const std::string& japanese)
        : std::runtime_error(english), kind_(kind), japanese_(japanese) {}
    Kind kind() const { return kind_; }
    const std::string& japanese() const { return japanese_; }
    /// "日本語 / English", as the CLI prints it.
    std::string both() const { return japanese_ + " / " + what(); }

private:
    Kind kind_;
    std::string japanese_;
};

/// A notice step refused because the notice changed after the version the caller saw (its
/// last event, noticeVersion; docs/notices.md): who changed it, at which site, when, and its
/// state now, in the words of a case's conflict (daemon/cases.h staleViewText). Kind Conflict
/// (409); nothing was written.
class NoticeConflict : public NoticeRefused {
public:
    NoticeConflict(Notice current, std::optional<CaseEventRow> change, std::int64_t version,
                   std::int64_t expected);
    const Notice& current() const { return current_; }
    const std::optional<CaseEventRow>& change() const { return change_; }
    std::int64_t version() const { return version_; }
    std::int64_t expected() const { return expected_; }

private:
    NoticeConflict(Notice current, std::optional<CaseEventRow> change, std::int64_t version,
                   std::int64_t expected, const std::pair<std::string, std::string>& text);
    Notice current_;
    std::optional<CaseEventRow> change_;
    std::int64_t version_ = 0;
    std::int64_t expected_ = 0;
};

/// The case group of case `caseId`: the case and the other cases of its cluster and product,
/// those in `informing` (by id). Throws NoticeRefused (no such case: NotFound; the case not in
/// informing: Conflict).
struct CaseGroup {
    Case anchor;
    std::vector<Case> cases; // in informing, by id (the anchor among them)
};
CaseGroup caseGroupOf(Store& store, std::int64_t caseId);

/// The letters of a group as they would be now (notice id 0: not stored), by address: one per
/// install-base contact address of a site running a version of the group. `language`: "ja" or
/// "en" ("" for the [notices] language).
std::vector<HospitalNoticeContent> noticeLetters(Store& store, const Config& config,
                                                 const CaseGroup& group,
                                                 const std::string& language);

/// The e-mail notifier that sends notices ([notices] notifier, else the first e-mail
/// notifier); nullptr when there is none.
const NotifierConfig* noticeNotifier(const Config& config);
/// Renders a letter with that notifier's templates (or the built-in ones).
RenderedMail renderLetter(const Config& config, const HospitalNoticeContent& content);

/// Prepares the notice of case `caseId`'s group as user `user` (an enabled user who may triage
/// the product): renders every letter, archives each as evidence (its SHA-256 is the letter's
/// content hash), stores the notice as a draft and records a `notice-prepare` event of the
/// case naming the hashes. Refused (NoticeRefused) when the group has no recipient, or already
/// has a notice that is not sent (Conflict, naming it).
Notice prepareNotice(Store& store, const Config& config, std::int64_t caseId,
                     const std::string& user, const std::string& language, std::int64_t now);

/// Approves a draft as `user`: an enabled user who may triage the product (and is one of
/// [cases] approvers when that list is set), not the one who prepared it (Forbidden).
/// `notice-approve` event. `expectVersion` (not 0): the notice's version the caller saw
/// (noticeVersion), compared under the notice row's lock: NoticeConflict when it changed since.
/// Every notice event records the site ([daemon] site, else the host name; detail `site`).
Notice approveNotice(Store& store, const Config& config, std::int64_t noticeId,
                     const std::string& user, std::int64_t now, std::int64_t expectVersion = 0);

/// What sendNotice did.
struct NoticeSendOutcome {
    Notice notice;
    int queued = 0; // messages queued now (0 when the notice was sent before)
    bool alreadySent = false;
};
/// Sends an approved notice as `user` (who may triage the product): one outbox message per
/// letter with a stable idempotency key (hospitalNoticeMessage), the letters queued, the notice
/// sent, a `notice-send` event; all in one transaction. A notice sent before queues nothing
/// (alreadySent). Refused for a draft (Conflict) or without an e-mail notifier (Invalid).
/// `expectVersion` as for approveNotice: a notice sent by someone else after the caller's view
/// is a NoticeConflict, not alreadySent.
NoticeSendOutcome sendNotice(Store& store, const Config& config, std::int64_t noticeId,
                             const std::string& user, std::int64_t now,
                             std::int64_t expectVersion = 0);

/// Withdraws a notice that is not sent (a draft or approved one that is wrong: the install base
/// or the case changed) as `user` (who may triage the product), with `reason` (required): a
/// `notice-withdraw` event; the group may then be prepared again. Refused for a sent notice
/// (Conflict). `site`: where (configSite; "" = this host's name).
Notice withdrawNotice(Store& store, std::int64_t noticeId, const std::string& user,
                      const std::string& reason, std::int64_t now, const std::string& site = "");

/// Records the outbox's delivery results of queued letters (settleLetters): each change is a
/// `notice-letter` event of the case (sent, bounced, failed, with the receiver's reply).
/// Returns how many letters changed. `site`: the site of the process that reads them
/// (configSite; "" = this host's name).
int settleNoticeLetters(Store& store, std::int64_t now, const std::string& site = "");

} // namespace vw
