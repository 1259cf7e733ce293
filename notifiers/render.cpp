#include "notifiers/render.h"

#include "core/datetime.h"
#include "core/json_writer.h"
#include "notifiers/chat_format.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>

namespace vw {

namespace {

constexpr std::string_view kNone = "なし (none)";

/// Length of the UTF-8 sequence a lead byte announces, or 0 when `lead` cannot start one.
std::size_t sequenceLength(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 2;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        return 4;
    }
    return 0;
}

bool isContinuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

std::string formatScore(double score) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", score);
    return buffer;
}

/// The strongest CVSS entry: highest score, first one on ties.
const Cvss* strongestCvss(const Advisory& a) {
    const Cvss* best = nullptr;
    for (const auto& c : a.cvss) {
        if (best == nullptr || c.score > best->score) {
            best = &c;
        }
    }
    return best;
}

/// The last part of a message's idempotency key. One message per advisory, product and
/// recipient: the components hit are listed in it (daemon/pipeline mergedPerProduct), and a
/// component matched later for the same product is no new message. A match that needs review
/// is keyed apart from the same product confirmed later (both are news to the owner).
std::string keyComponent(const Match& m) {
    return m.verdict == "needs-review" ? "#needs-review" : std::string();
}

/// Feed and mail text as a message may show it (issue 11): invalid UTF-8 repaired to U+FFFD,
/// control and bidi-override characters dropped, one-line fields on one line; links only when
/// they are one-line http(s) URLs without user info (else empty: a `javascript:` link from a
/// feed never reaches a mail or a webhook).
std::string line(const std::string& text) {
    return cleanChatText(text, false);
}

Advisory shown(const Advisory& raw) {
    Advisory a = raw;
    a.id = line(raw.id);
    for (auto& alias : a.aliases) {
        alias = line(alias);
    }
    a.title = line(raw.title);
    a.summary = cleanChatText(raw.summary, true);
    a.url = chatLink(raw.url);
    for (auto& c : a.cvss) {
        c.version = line(c.version);
        c.severity = line(c.severity);
        c.vector = line(c.vector);
    }
    for (auto& cpe : a.cpes) {
        cpe = line(cpe);
    }
    for (auto& item : a.affected) {
        item.vendor = line(item.vendor);
        item.product = line(item.product);
        item.cpe = line(item.cpe);
        for (auto& v : item.versions) {
            v = line(v);
        }
    }
    for (auto& r : a.references) {
        r.source = line(r.source);
        r.id = line(r.id);
        r.url = chatLink(r.url);
    }
    for (auto& h : a.history) {
        h.description = cleanChatText(h.description, true);
    }
    a.signature = line(raw.signature);
    a.list = line(raw.list);
    return a;
}

Match shown(const Match& raw) {
    Match m = raw;
    m.advisory = line(raw.advisory);
    for (auto& alias : m.aliases) {
        alias = line(alias);
    }
    m.product = line(raw.product);
    m.version = line(raw.version);
    m.component = line(raw.component);
    m.reason = line(raw.reason);
    m.componentVersion = line(raw.componentVersion);
    return m;
}

/// The title as a subject shows it: one line, cut at kSubjectTitleMaxBytes ("…" when cut).
std::string subjectTitle(const Advisory& a) {
    const std::string title = oneLine(a.title);
    std::string cut(utf8Prefix(title, kSubjectTitleMaxBytes));
    if (cut.size() < title.size()) {
        cut += "…";
    }
    return cut;
}

/// "PRODUCT — ID TITLE", the title cut to fit: what every subject line names.
std::string subjectBody(const Advisory& a, const Match& m) {
    const std::string cut = subjectTitle(a);
    std::string body = oneLine(m.product) + " — " + oneLine(a.id);
    if (!cut.empty()) {
        body += " " + cut;
    }
    return body;
}

std::string subjectLine(const Advisory& a, const Match& m) {
    return (m.verdict == "needs-review" ? "[vulnwatch] 要確認 (needs review): "
                                        : "[vulnwatch] 脆弱性: ") +
           subjectBody(a, m);
}

std::string summaryLine(const Advisory& a, const Match& m) {
    std::string line = subjectLine(a, m);
    if (const Cvss* c = strongestCvss(a)) {
        line += " / CVSS " + formatScore(c->score);
        if (!c->severity.empty()) {
            line += " " + oneLine(c->severity);
        }
    }
    line += " / 確度 (confidence) " + std::to_string(m.confidence);
    if (!m.reason.empty()) {
        line += " / 理由 (reason): " + oneLine(m.reason);
    }
    return line;
}

/// What the mail templates see of a cleaned advisory and match (shown()).
MailView mailView(const Advisory& a, const Match& m) {
    MailView v;
    v.id = a.id;
    v.aliases = a.aliases;
    v.title = oneLine(a.title);
    v.titleShort = subjectTitle(a);
    v.withdrawn = a.withdrawn;
    for (const auto& c : a.cvss) {
        v.cvss.push_back({c.version, formatScore(c.score), c.severity, c.vector});
    }
    if (const Cvss* c = strongestCvss(a)) {
        v.maxScore = formatScore(c->score);
        v.maxSeverity = c->severity;
    }
    v.published = a.published ? formatIsoDateTime(*a.published) : std::string();
    v.modified = a.modified ? formatIsoDateTime(*a.modified) : std::string();
    v.url = a.url;
    v.summary = a.summary;
    while (!v.summary.empty() && v.summary.back() == '\n') {
        v.summary.pop_back();
    }
    for (const auto& r : a.references) {
        if (!r.id.empty() || !r.url.empty()) {
            v.references.push_back({r.source, r.id, r.url});
        }
    }
    v.product = m.product;
    v.productVersion = m.version;
    v.component = m.component;
    v.needsReview = m.verdict == "needs-review";
    v.confidence = m.confidence;
    v.method = m.method;
    v.reason = m.reason;
    return v;
}

RenderedMail renderMail(MailKind kind, const MailView& view, const MailOptions& options) {
    const auto& templates = options.templates ? *options.templates : *MailTemplates::builtIn();
    return templates.render(kind, options.language, view);
}

} // namespace

std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes) {
    std::size_t end = 0; // bytes of whole characters accepted so far
    while (end < text.size()) {
        const auto lead = static_cast<unsigned char>(text[end]);
        std::size_t length = sequenceLength(lead);
        if (length == 0 || end + length > text.size()) {
            length = 1; // a stray byte stands for itself
        } else {
            for (std::size_t i = 1; i < length; ++i) {
                if (!isContinuation(static_cast<unsigned char>(text[end + i]))) {
                    length = 1;
                    break;
                }
            }
        }
        if (end + length > maxBytes) {
            break;
        }
        end += length;
    }
    return text.substr(0, end);
}

std::string oneLine(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x20 || byte == 0x7F || ch == ' ') {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) {
            out += ' ';
            pendingSpace = false;
        }
        out += ch;
    }
    return out;
}

std::string idempotencyKey(const std::string& notifierName, const std::string& advisoryId,
                           const std::string& product, const std::string& component,
                           const std::string& recipient) {
    constexpr std::uint64_t kOffsetBasis = 14695981039346656037ull;
    constexpr std::uint64_t kPrime = 1099511628211ull;
    std::uint64_t hash = kOffsetBasis;
    bool first = true;
    for (const std::string* part : {&notifierName, &advisoryId, &product, &component, &recipient}) {
        if (!first) {
            hash = (hash ^ 0x1Fu) * kPrime;
        }
        first = false;
        for (char ch : *part) {
            hash = (hash ^ static_cast<unsigned char>(ch)) * kPrime;
        }
    }
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
    return buffer;
}

OutMessage renderEmail(const Advisory& raw, const Match& rawMatch, const std::string& notifierName,
                       const std::string& recipient, const std::string& clusterKey,
                       const MailOptions& options) {
    const Advisory a = shown(raw);
    const Match m = shown(rawMatch);
    RenderedMail mail = renderMail(MailKind::Match, mailView(a, m), options);
    OutMessage out;
    out.notifier = notifierName;
    out.recipient = recipient;
    out.subject = std::move(mail.subject);
    out.text = std::move(mail.text);
    out.html = std::move(mail.html);
    // Keys from the records as stored: the same match always gets the same key.
    out.idempotencyKey = idempotencyKey(notifierName, clusterKey.empty() ? raw.id : clusterKey,
                                        rawMatch.product, keyComponent(rawMatch), recipient);
    return out;
}

OutMessage renderWebhook(const Advisory& raw, const Match& rawMatch,
                         const std::string& notifierName, const std::string& clusterKey) {
    const Advisory a = shown(raw);
    const Match m = shown(rawMatch);
    OutMessage out;
    out.notifier = notifierName;
    out.subject = subjectLine(a, m);
    out.text = summaryLine(a, m);
    JsonWriter json;
    json.beginObject();
    json.key("event").value("match");
    json.key("advisory").raw(toJson(a));
    json.key("match").raw(toJson(m));
    json.key("text").value(out.text);
    json.endObject();
    out.payload = json.str();
    out.idempotencyKey = idempotencyKey(notifierName, clusterKey.empty() ? raw.id : clusterKey,
                                        rawMatch.product, keyComponent(rawMatch), "");
    return out;
}

namespace {

bool withdrawnNow(const UpdateNotice& update) {
    for (const auto& c : update.changes) {
        if (c.field == "withdrawn" && c.after == "true") {
            return true;
        }
    }
    return false;
}

std::string updateSubject(const Advisory& a, const Match& m, const UpdateNotice& update) {
    const std::string label =
        withdrawnNow(update) ? "[vulnwatch] 取り下げ (withdrawn): " : "[vulnwatch] 更新 (update): ";
    return label + subjectBody(a, m);
}

/// A changed value on one line (cleaned like every feed text), cut at 300 bytes ("…" when cut).
std::string cutChange(const std::string& text) {
    const std::string flat = line(text);
    std::string value(utf8Prefix(flat, 300));
    if (value.size() < flat.size()) {
        value += "…";
    }
    return value;
}

/// `field: before → after`, material changes first; long values cut at 300 bytes.
std::string changeLines(const UpdateNotice& update) {
    std::string out;
    for (const bool material : {true, false}) {
        for (const auto& c : update.changes) {
            if (c.material != material) {
                continue;
            }
            auto shownValue = [](const std::string& text) {
                const std::string value = cutChange(text);
                return value.empty() ? std::string(kNone) : value;
            };
            out += (material ? "* " : "  ") + c.field + ": " + shownValue(c.before) + " → " +
                   shownValue(c.after) + '\n';
        }
    }
    return out;
}

std::string updateKeyPart(const std::string& clusterKey, const UpdateNotice& update) {
    return clusterKey + "\x1fupdate\x1f" + update.revisionHash;
}

} // namespace

OutMessage renderUpdateEmail(const Advisory& raw, const Match& rawMatch, const UpdateNotice& update,
                             const std::string& notifierName, const std::string& recipient,
                             const std::string& clusterKey, const MailOptions& options) {
    const Advisory a = shown(raw);
    const Match m = shown(rawMatch);
    MailView view = mailView(a, m);
    view.withdrawnNow = withdrawnNow(update);
    for (const bool material : {true, false}) {
        for (const auto& c : update.changes) {
            if (c.material == material) {
                view.changes.push_back(
                    {line(c.field), cutChange(c.before), cutChange(c.after), c.material});
            }
        }
    }
    RenderedMail mail = renderMail(MailKind::Update, view, options);
    OutMessage out;
    out.notifier = notifierName;
    out.recipient = recipient;
    out.subject = std::move(mail.subject);
    out.text = std::move(mail.text);
    out.html = std::move(mail.html);
    out.idempotencyKey = idempotencyKey(notifierName, updateKeyPart(clusterKey, update),
                                        rawMatch.product, keyComponent(rawMatch), recipient);
    out.thread = idempotencyKey(notifierName, clusterKey, rawMatch.product, keyComponent(rawMatch),
                                recipient);
    return out;
}

OutMessage renderUpdateWebhook(const Advisory& raw, const Match& rawMatch,
                               const UpdateNotice& update, const std::string& notifierName,
                               const std::string& clusterKey) {
    const Advisory a = shown(raw);
    const Match m = shown(rawMatch);
    OutMessage out;
    out.notifier = notifierName;
    out.subject = updateSubject(a, m, update);
    out.text = out.subject + " / " + oneLine(changeLines(update));
    JsonWriter json;
    json.beginObject();
    json.key("event").value(withdrawnNow(update) ? "withdrawn" : "update");
    json.key("advisory").raw(toJson(a));
    json.key("match").raw(toJson(m));
    json.key("changes").raw(changesJson(update.changes));
    json.key("text").value(out.text);
    json.endObject();
    out.payload = json.str();
    out.idempotencyKey = idempotencyKey(notifierName, updateKeyPart(clusterKey, update),
                                        rawMatch.product, keyComponent(rawMatch), "");
    out.thread =
        idempotencyKey(notifierName, clusterKey, rawMatch.product, keyComponent(rawMatch), "");
    return out;
}

} // namespace vw
