// Rendering matches into outbox messages: pure functions (no I/O, no clock), so the text a
// recipient sees is decided once, when the match is enqueued, and retries resend it unchanged.
#pragma once

#include "core/advisory.h"
#include "core/correlate.h"
#include "core/match.h"
#include "core/message.h"
#include "notifiers/mail_templates.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// Longest title, in bytes, that goes into an e-mail subject before it is cut.
inline constexpr std::size_t kSubjectTitleMaxBytes = 120;

/// How an e-mail is written: the language of its templates and the templates themselves.
struct MailOptions {
    std::string language = "ja";                    // ja | en; anything else: ja
    std::shared_ptr<const MailTemplates> templates; // null: the built-in ones
};

/// An e-mail for one owner, from the `match` templates (notifiers/mail_templates.h): by default
/// the Japanese-first subject `[vulnwatch] 脆弱性: <product> — <id> <title>` (title cut at a
/// character boundary), a UTF-8 plain-text body with the advisory, the CVSS data, the match and
/// why it matched, and the same as HTML in `html`. `notifier`, `recipient` and `idempotencyKey`
/// are filled; `id` stays 0. The key is built from `clusterKey` (the vulnerability's stable id,
/// ClusterSummary::key), or from `a.id` when none is given, so the same vulnerability reaching a
/// product through another channel or record gets the same key; the language and templates do
/// not change it.
OutMessage renderEmail(const Advisory& a, const Match& m, const std::string& notifierName,
                       const std::string& recipient, const std::string& clusterKey = {},
                       const MailOptions& options = {});

/// A webhook post: `payload` is
/// `{"event":"match","advisory":{…parse form…},"match":{…match form…},"text":"one line"}`;
/// `subject` is the e-mail subject line and `text` the same one-line summary.
OutMessage renderWebhook(const Advisory& a, const Match& m, const std::string& notifierName,
                         const std::string& clusterKey = {});

/// What changed in a material revision of a record that had matched (core/correlate's
/// classifyRevision), for an update message.
struct UpdateNotice {
    std::vector<FieldChange> changes; // every changed field; the material ones are listed first
    std::string revisionHash;         // the new content hash: one update message per revision
};

/// An update e-mail, from the `update` templates: subject `[vulnwatch] 更新 (update): …`
/// (`取り下げ (withdrawn):` when the record was withdrawn), a body listing each changed field as
/// `before → after`, its own idempotency key, and `thread` set to the key of the first message
/// for this match (renderEmail's), so the mail threads under it.
OutMessage renderUpdateEmail(const Advisory& a, const Match& m, const UpdateNotice& update,
                             const std::string& notifierName, const std::string& recipient,
                             const std::string& clusterKey, const MailOptions& options = {});
/// The webhook form: `{"event":"update","advisory":…,"match":…,"changes":[…],"text":…}`.
OutMessage renderUpdateWebhook(const Advisory& a, const Match& m, const UpdateNotice& update,
                               const std::string& notifierName, const std::string& clusterKey);

/// 16 lower-case hex digits: 64-bit FNV-1a over the fields joined with U+001F, so the same
/// match for the same notifier and recipient always gets the same key.
std::string idempotencyKey(const std::string& notifierName, const std::string& advisoryId,
                           const std::string& product, const std::string& component,
                           const std::string& recipient);

/// The longest prefix of `text` that is at most `maxBytes` long and does not end inside a
/// UTF-8 sequence. Invalid bytes count as one character each.
std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes);

/// `text` on one line: CR, LF, TAB and other C0 controls become single spaces, runs of
/// spaces collapse, and the ends are trimmed (safe for mail headers and chat lines).
std::string oneLine(std::string_view text);

} // namespace vw
