#include "notifiers/render.h"

#include "core/datetime.h"
#include "core/json_writer.h"
#include "notifiers/chat_format.h"

#include <cstdint>
#include <cstdio>
#include <optional>

namespace vw {

namespace {

constexpr std::string_view kNone = "なし (none)";
constexpr std::string_view kUnknown = "不明 (unknown)";

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

std::string formatDate(const std::optional<DateTime>& value) {
    return value ? formatIsoDateTime(*value) : std::string(kUnknown);
}

std::string orNone(const std::string& text) {
    return text.empty() ? std::string(kNone) : text;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
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

/// "PRODUCT — ID TITLE", the title cut to fit: what every subject line names.
std::string subjectBody(const Advisory& a, const Match& m) {
    const std::string title = oneLine(a.title);
    std::string cut(utf8Prefix(title, kSubjectTitleMaxBytes));
    if (cut.size() < title.size()) {
        cut += "…";
    }
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

std::string emailBody(const Advisory& a, const Match& m) {
    std::string body;
    auto field = [&body](std::string_view label, const std::string& value) {
        body += label;
        body += ": ";
        body += value;
        body += '\n';
    };

    body += "vulnwatch が登録製品に該当する可能性のある脆弱性情報を検出しました。\n";
    body += "(vulnwatch found a vulnerability advisory that may affect a registered product.)\n\n";

    body += "■ 脆弱性情報 (Advisory)\n";
    field("識別子 (ID)", orNone(a.id));
    field("別名 (Aliases)", a.aliases.empty() ? std::string(kNone) : joined(a.aliases, ", "));
    field("タイトル (Title)", orNone(oneLine(a.title)));
    if (a.withdrawn) {
        field("状態 (Status)", "取り下げ (withdrawn)");
    }
    if (a.cvss.empty()) {
        field("CVSS", std::string(kNone));
    }
    for (const auto& c : a.cvss) {
        std::string value = "v" + orNone(c.version) + " " + formatScore(c.score);
        value += " " + (c.severity.empty() ? std::string(kUnknown) : c.severity);
        if (!c.vector.empty()) {
            value += " " + c.vector;
        }
        field("CVSS (バージョン 点数 深刻度 ベクター / version score severity vector)", value);
    }
    field("公開日 (Published)", formatDate(a.published));
    field("更新日 (Modified)", formatDate(a.modified));
    field("URL", orNone(a.url));
    body += '\n';

    body += "■ 該当 (Match)\n";
    field("製品 (Product)", orNone(m.product));
    field("製品バージョン (Product version)", orNone(m.version));
    field("コンポーネント (Component)", orNone(m.component));
    field("判定 (Verdict)", m.verdict == "needs-review"
                                ? "要確認: バージョンを比較できませんでした (needs review: the "
                                  "version could not be compared)"
                                : "該当 (affected)");
    field("確度 (Confidence)", std::to_string(m.confidence) + "/100");
    field("判定方法 (Method)", orNone(m.method));
    field("理由 (Reason)", orNone(m.reason));
    body += '\n';

    body += "■ 概要 (Summary)\n";
    body += a.summary.empty() ? std::string(kNone) : a.summary;
    if (body.back() != '\n') {
        body += '\n';
    }
    body += "\n-- \nvulnwatch\n";
    return body;
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
                       const std::string& recipient, const std::string& clusterKey) {
    const Advisory a = shown(raw);
    const Match m = shown(rawMatch);
    OutMessage out;
    out.notifier = notifierName;
    out.recipient = recipient;
    out.subject = subjectLine(a, m);
    out.text = emailBody(a, m);
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

/// `field: before → after`, material changes first; long values cut at 300 bytes.
std::string changeLines(const UpdateNotice& update) {
    std::string out;
    for (const bool material : {true, false}) {
        for (const auto& c : update.changes) {
            if (c.material != material) {
                continue;
            }
            auto cut = [](const std::string& text) {
                const std::string line = oneLine(text);
                std::string value(utf8Prefix(line, 300));
                if (value.size() < line.size()) {
                    value += "…";
                }
                return value.empty() ? std::string(kNone) : value;
            };
            out += (material ? "* " : "  ") + c.field + ": " + cut(c.before) + " → " +
                   cut(c.after) + '\n';
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
                             const std::string& clusterKey) {
    const Advisory a = shown(raw);
    const Match m = shown(rawMatch);
    OutMessage out;
    out.notifier = notifierName;
    out.recipient = recipient;
    out.subject = updateSubject(a, m, update);
    std::string body = withdrawnNow(update)
                           ? "以前に通知した脆弱性情報が取り下げられました。\n"
                             "(An advisory you were notified about was withdrawn.)\n\n"
                           : "以前に通知した脆弱性情報に重要な更新がありました。\n"
                             "(An advisory you were notified about changed materially.)\n\n";
    body += "■ 変更点 (Changes; * = material)\n";
    body += changeLines(update);
    body += '\n';
    body += emailBody(a, m);
    out.text = std::move(body);
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
