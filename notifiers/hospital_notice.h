// Hospital notices (issue 14 part 2; docs/notices.md): the letter a manufacturer sends each
// hospital, lessor and distributor running an affected version — the product and versions,
// the vulnerability in plain words, its CVSS score, what to do now, when a fix is planned and
// whom to ask. Pure: a plain value in, the rendered letter out, from the `notice.<lang>.*`
// mail templates (notifiers/mail_templates.h; a notifier's `templates = DIR` replaces them).
#pragma once

#include "core/message.h"
#include "notifiers/mail_templates.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vw {

/// One site of the letter's recipient.
struct NoticeSite {
    std::string name;     // the site's name as the install base has it
    std::string role;     // hospital | lessor | distributor (the recipient's role there)
    std::string versions; // the affected versions installed there, ", "-joined
    long long quantity = 0;
};

/// What one letter says (texts may come from advisories and people: cleaned here).
struct HospitalNoticeContent {
    std::int64_t noticeId = 0; // 0 in a preview
    std::string language = "ja";
    std::string recipientName; // the contact's name ("" for the generic greeting)
    std::string recipientAddress;
    bool partner = false; // a lessor or distributor (it passes the notice on)
    std::string product;
    std::vector<std::string> versions; // the affected versions the recipient runs
    std::vector<NoticeSite> sites;
    std::string advisory;         // the id shown first (JVNDB-…, CVE-…); "" for none
    std::vector<std::string> ids; // every vulnerability id (JVN, CVE), sorted
    std::string title;
    std::string summary;
    std::string url; // http(s) or ""
    double cvssScore = 0.0;
    std::string cvssSeverity; // as the source says (Critical, High, …), "" when unknown
    std::string cvssVector;
    std::string remedy; // what to do now (the case's remedy, several lines)
    std::string fixedVersion;
    std::string targetVersion;
    std::int64_t fixDue = 0; // the planned fix date (Unix seconds, shown as a JST date), 0: none
    std::string contact;     // whom to ask (several lines)
};

/// The letter rendered from `templates` (the built-in ones when null): subject, text, HTML.
/// Throws MailTemplateError for an override that fails while rendering.
RenderedMail renderHospitalNotice(const HospitalNoticeContent& content,
                                  const MailTemplates* templates = nullptr);

/// The document archived as evidence for a letter (its SHA-256 is the letter's content hash):
/// canonical JSON {"notice","language","to","subject","text","html"}, keys sorted, one line.
std::string hospitalNoticeDocument(std::int64_t noticeId, const std::string& language,
                                   const std::string& recipient, const RenderedMail& mail);

/// The outbox message of a letter for e-mail notifier `notifierName`. Its idempotency key,
/// "notice-<NOTICE>-<16 hex digits of the address>", depends only on the notice and the
/// address: sending again queues nothing new.
OutMessage hospitalNoticeMessage(const std::string& notifierName, std::int64_t noticeId,
                                 const std::string& recipient, const RenderedMail& mail);

/// 緊急, 重要, 警告, 注意 (CVSS v3 bands of JVN: 9.0–, 7.0–, 4.0–, 0.1–) or "" for 0.
std::string cvssSeverityJapanese(double score);

} // namespace vw
