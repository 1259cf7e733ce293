#include "notifiers/hospital_notice.h"

#include "core/json_writer.h"
#include "core/text.h"
#include "notifiers/case_notice.h"
#include "notifiers/chat_format.h"
#include "notifiers/render.h"

#include <cstdint>
#include <cstdio>

namespace vw {

namespace {

std::string line(const std::string& text) {
    return cleanChatText(text, false);
}

std::string block(const std::string& text) {
    return cleanChatText(text, true);
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const std::string& item : items) {
        const std::string clean = line(item);
        if (clean.empty()) {
            continue;
        }
        out += (out.empty() ? "" : separator) + clean;
    }
    return out;
}

std::string scoreText(double score) {
    if (score <= 0.0) {
        return "";
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%.1f", score);
    return buffer;
}

/// An http(s) link or "".
std::string link(const std::string& url) {
    const std::string clean = line(url);
    if (clean.rfind("https://", 0) == 0 || clean.rfind("http://", 0) == 0) {
        return clean.find_first_of(" \"<>") == std::string::npos ? clean : std::string();
    }
    return "";
}

std::string fnv64Hex(const std::string& text) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
    return buffer;
}

} // namespace

std::string cvssSeverityJapanese(double score) {
    if (score >= 9.0) {
        return "緊急";
    }
    if (score >= 7.0) {
        return "重要";
    }
    if (score >= 4.0) {
        return "警告";
    }
    if (score > 0.0) {
        return "注意";
    }
    return "";
}

RenderedMail renderHospitalNotice(const HospitalNoticeContent& c, const MailTemplates* templates) {
    const bool english = c.language == "en";
    MailData d;
    const auto text = [&d](const char* key, std::string value) {
        d.texts.emplace_back(key, std::move(value));
    };
    text("notice_id", c.noticeId == 0 ? std::string() : std::to_string(c.noticeId));
    text("notice_ref", c.noticeId == 0 ? (english ? "(preview)" : "（プレビュー）")
                                       : "vulnwatch notice #" + std::to_string(c.noticeId));
    text("recipient_name", line(c.recipientName));
    text("recipient", line(c.recipientAddress));
    d.flags.emplace_back("is_partner", c.partner);
    text("product", line(c.product));
    text("versions", joined(c.versions, ", "));
    std::vector<MailData> sites;
    for (const NoticeSite& s : c.sites) {
        MailData item;
        item.texts.emplace_back("site_name", line(s.name));
        item.texts.emplace_back("site_role", line(s.role));
        item.texts.emplace_back("site_versions", line(s.versions));
        item.texts.emplace_back("site_quantity", std::to_string(s.quantity));
        sites.push_back(std::move(item));
    }
    d.lists.emplace_back("sites", std::move(sites));
    text("advisory", line(c.advisory));
    text("ids_text", joined(c.ids, ", "));
    d.strings.emplace_back("ids", c.ids);
    text("title", line(c.title));
    const std::string summary = block(c.summary);
    text("summary", summary);
    d.strings.emplace_back("summary_lines", textLines(summary));
    text("url", link(c.url));
    text("cvss_score", scoreText(c.cvssScore));
    text("cvss_severity", line(c.cvssSeverity));
    text("severity_ja", cvssSeverityJapanese(c.cvssScore));
    text("cvss_vector", line(c.cvssVector));
    const std::string remedy = block(c.remedy);
    text("remedy", remedy);
    d.strings.emplace_back("remedy_lines", textLines(remedy));
    text("fixed_version", line(c.fixedVersion));
    text("target_version", line(c.targetVersion));
    const std::string due = c.fixDue == 0 ? std::string() : caseDueText(c.fixDue).substr(0, 10);
    text("fix_due", due);
    d.flags.emplace_back("has_fix_plan", !line(c.fixedVersion).empty() ||
                                             !line(c.targetVersion).empty() || !due.empty());
    const std::string contact = block(c.contact);
    text("contact", contact);
    d.strings.emplace_back("contact_lines", textLines(contact));
    const MailTemplates& set = templates != nullptr ? *templates : *MailTemplates::builtIn();
    return set.renderData(MailKind::Notice, english ? "en" : "ja", d);
}

std::string hospitalNoticeDocument(std::int64_t noticeId, const std::string& language,
                                   const std::string& recipient, const RenderedMail& mail) {
    JsonWriter w;
    w.beginObject();
    w.key("html").value(mail.html);
    w.key("language").value(language);
    w.key("notice").value(static_cast<long long>(noticeId));
    w.key("subject").value(mail.subject);
    w.key("text").value(mail.text);
    w.key("to").value(recipient);
    w.endObject();
    return w.str();
}

OutMessage hospitalNoticeMessage(const std::string& notifierName, std::int64_t noticeId,
                                 const std::string& recipient, const RenderedMail& mail) {
    OutMessage m;
    m.notifier = notifierName;
    m.recipient = recipient;
    m.subject = mail.subject;
    m.text = mail.text;
    m.html = mail.html;
    m.idempotencyKey = "notice-" + std::to_string(noticeId) + "-" + fnv64Hex(recipient);
    return m;
}

} // namespace vw
