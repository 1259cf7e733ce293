#include "notifiers/chat_format.h"

#include "core/datetime.h"
#include "core/json_writer.h"
#include "core/text.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vw {

namespace {

constexpr std::string_view kZwj = "\u200D";
constexpr std::string_view kEllipsis = "…";
constexpr std::string_view kNone = "なし (none)";

// --- UTF-8 ----------------------------------------------------------------------------------

struct CodePoint {
    char32_t value = 0xFFFD;
    std::size_t length = 1; // bytes consumed
};

bool continuation(std::string_view s, std::size_t at, unsigned char low = 0x80,
                  unsigned char high = 0xBF) {
    if (at >= s.size()) {
        return false;
    }
    const auto byte = static_cast<unsigned char>(s[at]);
    return byte >= low && byte <= high;
}

/// The character at `at`; an invalid or cut sequence reads as U+FFFD of length 1.
CodePoint decodeAt(std::string_view s, std::size_t at) {
    const auto lead = static_cast<unsigned char>(s[at]);
    auto cont = [&](std::size_t i) { return static_cast<char32_t>(s[at + i]) & 0x3F; };
    if (lead < 0x80) {
        return {lead, 1};
    }
    if (lead >= 0xC2 && lead <= 0xDF && continuation(s, at + 1)) {
        return {((lead & 0x1Fu) << 6) | cont(1), 2};
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
        const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
        if (continuation(s, at + 1, low, high) && continuation(s, at + 2)) {
            return {((lead & 0x0Fu) << 12) | (cont(1) << 6) | cont(2), 3};
        }
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
        const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
        if (continuation(s, at + 1, low, high) && continuation(s, at + 2) &&
            continuation(s, at + 3)) {
            return {((lead & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4};
        }
    }
    return {0xFFFD, 1};
}

bool isBidiControl(char32_t c) {
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

/// At most `maxChars` characters of clean text, with "…" when cut.
std::string capChars(std::string_view text, std::size_t maxChars) {
    if (utf8Length(text) <= maxChars) {
        return std::string(text);
    }
    if (maxChars == 0) {
        return {};
    }
    std::size_t at = 0;
    for (std::size_t chars = 0; at < text.size() && chars + 1 < maxChars; ++chars) {
        at += decodeAt(text, at).length;
    }
    return std::string(text.substr(0, at)) + std::string(kEllipsis);
}

/// Escapes `text` character by character: `piece(text, at, length, out)` appends the escaped form
/// of the character at byte `at`. When the result would pass `maxChars` characters, it is cut
/// between two pieces and ends with "…" (never inside an escape).
template <class Piece>
std::string escapeCapped(std::string_view text, std::size_t maxChars, Piece piece) {
    std::string out;
    std::size_t chars = 0;
    std::size_t cutBytes = std::string::npos; // where "…" goes if the whole does not fit
    std::string one;
    for (std::size_t at = 0; at < text.size();) {
        const CodePoint cp = decodeAt(text, at);
        one.clear();
        piece(text, at, cp, one);
        const std::size_t n = utf8Length(one);
        if (cutBytes == std::string::npos && chars + n + 1 > maxChars) {
            cutBytes = out.size();
        }
        chars += n;
        if (chars > maxChars) {
            out.resize(cutBytes);
            if (maxChars > 0) {
                out += kEllipsis;
            }
            return out;
        }
        out += one;
        at += cp.length;
    }
    return out;
}

bool atLineStart(std::string_view text, std::size_t at, bool startsLine = true) {
    return at == 0 ? startsLine : text[at - 1] == '\n';
}

/// `word` follows position `at` (ASCII, case-insensitive), not followed by a letter or digit.
bool wordAt(std::string_view text, std::size_t at, std::string_view word) {
    if (at + word.size() > text.size() || !equalsIgnoreCase(text.substr(at, word.size()), word)) {
        return false;
    }
    const std::size_t end = at + word.size();
    if (end == text.size()) {
        return true;
    }
    const char next = text[end];
    return !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || isDigit(next));
}

bool mentionChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '.' || c == '_' ||
           c == '-';
}

// --- content shared by every service ----------------------------------------------------------

/// Caps applied to the untrusted pieces before escaping (characters).
struct Caps {
    std::size_t title = 1000;
    std::size_t fact = 300;
    std::size_t change = 300; // each before / after value
    std::size_t summary = 6000;
};

/// Shrinking the free text until a Teams body fits; the last step keeps little of anything.
constexpr Caps kTeamsSteps[] = {
    {1000, 300, 300, 6000}, {1000, 300, 300, 3000}, {1000, 300, 200, 1000},
    {500, 200, 100, 300},   {300, 100, 50, 0},      {100, 60, 20, 0},
};

/// What every chat message says (chat_format.h ChatCard), cleaned and capped, not escaped.
using Content = ChatCard;

std::string oneLineCapped(std::string_view text, std::size_t maxChars) {
    return capChars(cleanChatText(text, false), maxChars);
}

std::string formatScore(double score) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", score);
    return buffer;
}

std::string cvssText(const Advisory& a) {
    const Cvss* best = nullptr;
    for (const auto& c : a.cvss) {
        if (best == nullptr || c.score > best->score) {
            best = &c;
        }
    }
    if (best == nullptr) {
        return std::string(kNone);
    }
    std::string text = formatScore(best->score);
    if (!best->severity.empty()) {
        text += " " + best->severity;
    }
    if (!best->version.empty()) {
        text += " (v" + best->version + ")";
    }
    if (!best->vector.empty()) {
        text += " " + best->vector;
    }
    return text;
}

bool withdrawnNow(const UpdateNotice* update) {
    if (update == nullptr) {
        return false;
    }
    return std::any_of(update->changes.begin(), update->changes.end(), [](const FieldChange& c) {
        return c.field == "withdrawn" && c.after == "true";
    });
}

Content makeContent(const Advisory& a, const Match& m, const UpdateNotice* update,
                    const Caps& caps) {
    Content c;
    if (update != nullptr) {
        c.label = withdrawnNow(update) ? "取り下げ (withdrawn)" : "更新 (update)";
    } else {
        c.label = m.verdict == "needs-review" ? "要確認 (needs review)" : "脆弱性 (vulnerability)";
    }
    c.product = oneLineCapped(m.product, 200);
    c.id = oneLineCapped(a.id.empty() ? m.advisory : a.id, 200);
    c.title = oneLineCapped(a.title, caps.title);
    c.link = chatLink(a.url);
    auto fact = [&](std::string label, std::string_view value) {
        std::string text = oneLineCapped(value, caps.fact);
        c.facts.push_back({std::move(label), text.empty() ? std::string(kNone) : text});
    };
    fact("CVSS", cvssText(a));
    fact("製品 (Product)", m.version.empty() ? m.product : m.product + " " + m.version);
    fact("コンポーネント (Component)",
         m.componentVersion.empty() ? m.component : m.component + " " + m.componentVersion);
    fact("判定 (Verdict)", m.verdict == "needs-review"
                               ? "要確認: バージョンを比較できませんでした (needs review)"
                               : "該当 (affected)");
    fact("確度 (Confidence)", std::to_string(m.confidence) + "/100");
    fact("判定方法 (Method)", m.method);
    fact("理由 (Reason)", m.reason);
    if (!a.aliases.empty()) {
        fact("別名 (Aliases)", join(a.aliases, ", "));
    }
    if (a.published) {
        fact("公開日 (Published)", formatIsoDateTime(*a.published));
    }
    if (a.modified) {
        fact("更新日 (Modified)", formatIsoDateTime(*a.modified));
    }
    if (update != nullptr) {
        for (const bool material : {true, false}) {
            for (const auto& change : update->changes) {
                if (change.material != material) {
                    continue;
                }
                auto value = [&](const std::string& text) {
                    const std::string v = oneLineCapped(text, caps.change);
                    return v.empty() ? std::string(kNone) : v;
                };
                c.changes.push_back((material ? "* " : "") + oneLineCapped(change.field, 100) +
                                    ": " + value(change.before) + " → " + value(change.after));
            }
        }
    }
    c.summary = capChars(cleanChatText(a.summary, true), caps.summary);
    return c;
}

// --- Slack ----------------------------------------------------------------------------------

void slackSection(JsonWriter& json, const std::string& mrkdwn) {
    json.beginObject();
    json.key("type").value("section");
    json.key("text").beginObject();
    json.key("type").value("mrkdwn");
    json.key("text").value(mrkdwn);
    json.endObject();
    json.endObject();
}

std::size_t remaining(std::size_t limit, const std::string& used) {
    const std::size_t n = utf8Length(used);
    return n >= limit ? 0 : limit - n;
}

/// `*label*\n` followed by the escaped body, within one section's limit.
std::string slackLabelled(std::string_view label, std::string_view body, std::size_t limit) {
    std::string text = "*" + std::string(label) + "*\n";
    text += slackEscape(body, remaining(limit, text));
    return text;
}

// --- Mattermost / Chatwork budgets ----------------------------------------------------------

std::string fallbackLine(const Content& c) {
    return c.label + ": " + c.product + " — " + c.id + (c.title.empty() ? "" : " " + c.title);
}

} // namespace

// --- public helpers ---------------------------------------------------------------------------

std::size_t utf8Length(std::string_view text) {
    std::size_t n = 0;
    for (const char ch : text) {
        n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

std::string cleanChatText(std::string_view text, bool multiline) {
    // First pass: one character at a time into lines of text with single spaces.
    std::vector<std::string> lines(1);
    for (std::size_t at = 0; at < text.size();) {
        const CodePoint cp = decodeAt(text, at);
        at += cp.length;
        const char32_t c = cp.value;
        if (c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029) {
            if (c == '\r' && at < text.size() && text[at] == '\n') {
                ++at;
            }
            if (multiline) {
                lines.emplace_back();
            } else {
                lines.back() += ' ';
            }
            continue;
        }
        if (isBidiControl(c)) {
            continue;
        }
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) {
            lines.back() += ' ';
            continue;
        }
        appendUtf8(lines.back(), c);
    }
    // Second pass: collapse spaces, trim lines, at most one blank line in a row.
    std::string out;
    bool blankPending = false;
    for (const auto& line : lines) {
        std::string collapsed;
        bool space = false;
        for (const char ch : line) {
            if (ch == ' ') {
                space = !collapsed.empty();
                continue;
            }
            if (space) {
                collapsed += ' ';
                space = false;
            }
            collapsed += ch;
        }
        if (collapsed.empty()) {
            blankPending = !out.empty();
            continue;
        }
        if (!out.empty()) {
            out += blankPending ? "\n\n" : "\n";
        }
        blankPending = false;
        out += collapsed;
    }
    return out;
}

std::string slackEscape(std::string_view text, std::size_t maxChars) {
    return escapeCapped(
        text, maxChars, [](std::string_view s, std::size_t at, CodePoint cp, std::string& out) {
            switch (cp.value) {
            case '&':
                out += "&amp;";
                return;
            case '<':
                out += "&lt;";
                return;
            case '>':
                out += "&gt;";
                return;
            case '@':
                out += '@';
                for (const std::string_view word : {"channel", "here", "everyone"}) {
                    if (wordAt(s, at + 1, word)) {
                        out += kZwj;
                        break;
                    }
                }
                return;
            default:
                appendUtf8(out, cp.value);
            }
        });
}

std::string mattermostEscape(std::string_view text, std::size_t maxChars, bool startsLine) {
    constexpr std::string_view specials = "\\`*_[]()<>#!~|&";
    return escapeCapped(
        text, maxChars, [&](std::string_view s, std::size_t at, CodePoint cp, std::string& out) {
            const char32_t c = cp.value;
            if (c < 0x80 && specials.find(static_cast<char>(c)) != std::string_view::npos) {
                out += '\\';
                out += static_cast<char>(c);
                return;
            }
            if ((c == '-' || c == '+' || c == '=') && atLineStart(s, at, startsLine)) {
                out += '\\';
                out += static_cast<char>(c);
                return;
            }
            if (c == '.' && at > 0) {
                // "12. item" at the start of a line would start an ordered list.
                std::size_t begin = at;
                while (begin > 0 && isDigit(s[begin - 1])) {
                    --begin;
                }
                if (begin < at && atLineStart(s, begin, startsLine)) {
                    out += "\\.";
                    return;
                }
            }
            if (c == '@' && at + 1 < s.size() && mentionChar(s[at + 1])) {
                out += '@';
                out += kZwj;
                return;
            }
            appendUtf8(out, c);
        });
}

std::string chatworkEscape(std::string_view text, std::size_t maxChars) {
    return escapeCapped(text, maxChars,
                        [](std::string_view, std::size_t, CodePoint cp, std::string& out) {
                            if (cp.value == '[') {
                                out += "［";
                            } else if (cp.value == ']') {
                                out += "］";
                            } else {
                                appendUtf8(out, cp.value);
                            }
                        });
}

std::string chatLink(std::string_view url) {
    constexpr std::size_t kMaxLinkBytes = 2000;
    url = trim(url);
    if (url.empty() || url.size() > kMaxLinkBytes) {
        return {};
    }
    for (const char ch : url) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x20 || byte == 0x7F) {
            return {};
        }
    }
    std::string scheme;
    if (startsWithIgnoreCase(url, "http://")) {
        scheme = "http://";
    } else if (startsWithIgnoreCase(url, "https://")) {
        scheme = "https://";
    } else {
        return {};
    }
    const std::string_view rest = url.substr(scheme.size());
    const std::size_t authorityEnd = std::min(rest.find_first_of("/?#"), rest.size());
    const std::string_view authority = rest.substr(0, authorityEnd);
    const std::string_view host = authority.substr(0, authority.find(':'));
    if (host.empty() || host.front() == '.' || host.front() == '-') {
        return {};
    }
    for (const char ch : host) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || isDigit(ch) || ch == '.' ||
              ch == '-')) {
            return {}; // also rejects user info ('@') and IPv6 literals
        }
    }
    if (host.size() < authority.size()) {
        const std::string_view port = authority.substr(host.size() + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char ch) { return isDigit(ch); })) {
            return {};
        }
    }
    std::string out = scheme + lowerAscii(authority);
    constexpr std::string_view encode = " \"<>[]()\\^`{|}";
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char ch : rest.substr(authorityEnd)) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte >= 0x80 || encode.find(ch) != std::string_view::npos) {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0x0F];
        } else {
            out += ch;
        }
    }
    return out;
}

namespace {

std::string slackFrom(const Content& c) {
    JsonWriter json;
    json.beginObject();
    // The fallback (notifications, clients without blocks) is mrkdwn too: escaped the same way.
    json.key("text").value(slackEscape(fallbackLine(c), kSlackSectionTextMax));
    json.key("blocks").beginArray(); // at most 4 blocks: far below kSlackMaxBlocks

    // Heading and title: "*LABEL: PRODUCT — <url|ID>*\nTITLE".
    std::string head = "*" + slackEscape(c.label + ": " + c.product + " — ", 600);
    if (!c.link.empty()) {
        head += "<" + slackEscape(c.link, 2100) + "|" + slackEscape(c.id, 300) + ">";
    } else {
        head += slackEscape(c.id, 300);
    }
    head += "*";
    if (!c.title.empty()) {
        head += "\n";
        head += slackEscape(c.title, remaining(kSlackSectionTextMax, head));
    }
    slackSection(json, head);

    // The facts as section fields (at most 10 a section).
    json.beginObject();
    json.key("type").value("section");
    json.key("fields").beginArray();
    std::size_t fields = 0;
    for (const auto& f : c.facts) {
        if (fields == 10) {
            break;
        }
        json.beginObject();
        json.key("type").value("mrkdwn");
        json.key("text").value(slackLabelled(f.label, f.value, kSlackFieldTextMax));
        json.endObject();
        ++fields;
    }
    json.endArray();
    json.endObject();

    if (!c.changes.empty()) {
        slackSection(json, slackLabelled("変更点 (Changes; * = material)", join(c.changes, "\n"),
                                         kSlackSectionTextMax));
    }
    if (!c.summary.empty()) {
        slackSection(json, slackLabelled("概要 (Summary)", c.summary, kSlackSectionTextMax));
    }
    json.endArray();
    json.endObject();
    return json.str();
}

void teamsRun(JsonWriter& json, const std::string& text, bool bold, bool large = false) {
    json.beginObject();
    json.key("type").value("TextRun");
    json.key("text").value(text);
    if (bold) {
        json.key("weight").value("Bolder");
    }
    if (large) {
        json.key("size").value("Medium");
    }
    json.endObject();
}

/// A RichTextBlock of TextRuns: (text, bold) pairs.
void teamsParagraph(JsonWriter& json, const std::vector<std::pair<std::string, bool>>& runs,
                    bool large = false, bool separator = false) {
    json.beginObject();
    json.key("type").value("RichTextBlock");
    if (separator) {
        json.key("separator").value(true);
    }
    json.key("inlines").beginArray();
    for (const auto& [text, bold] : runs) {
        teamsRun(json, text, bold, large);
    }
    json.endArray();
    json.endObject();
}

std::string teamsFrom(Content c) {
    // Adaptive Card text runs are plain: no escaping, but one paragraph for the summary.
    c.summary = cleanChatText(c.summary, false);
    JsonWriter json;
    json.beginObject();
    json.key("type").value("message");
    json.key("attachments").beginArray();
    json.beginObject();
    json.key("contentType").value("application/vnd.microsoft.card.adaptive");
    json.key("contentUrl").null();
    json.key("content").beginObject();
    json.key("$schema").value("http://adaptivecards.io/schemas/adaptive-card.json");
    json.key("type").value("AdaptiveCard");
    json.key("version").value("1.4");
    json.key("msteams").beginObject().key("width").value("Full").endObject();
    json.key("fallbackText").value(fallbackLine(c));
    json.key("body").beginArray();
    teamsParagraph(json, {{c.label + ": " + c.product + " — " + c.id, true}}, true);
    if (!c.title.empty()) {
        teamsParagraph(json, {{c.title, true}});
    }
    for (const auto& f : c.facts) {
        teamsParagraph(json, {{f.label + ": ", true}, {f.value, false}});
    }
    if (!c.changes.empty()) {
        teamsParagraph(json, {{"変更点 (Changes; * = material)", true}}, false, true);
        for (const auto& change : c.changes) {
            teamsParagraph(json, {{change, false}});
        }
    }
    if (!c.summary.empty()) {
        teamsParagraph(json, {{"概要 (Summary)", true}}, false, true);
        teamsParagraph(json, {{c.summary, false}});
    }
    json.endArray();
    if (!c.link.empty()) {
        json.key("actions").beginArray();
        json.beginObject();
        json.key("type").value("Action.OpenUrl");
        json.key("title").value("詳細 (Open advisory)");
        json.key("url").value(c.link);
        json.endObject();
        json.endArray();
    }
    json.endObject(); // content
    json.endObject(); // attachment
    json.endArray();
    json.endObject();
    return json.str();
}

std::string teamsPayloadWith(const Advisory& a, const Match& m, const UpdateNotice* update,
                             const Caps& caps) {
    return teamsFrom(makeContent(a, m, update, caps));
}

/// The Teams payload of a card, its free text cut by kTeamsSteps until it fits.
std::string teamsFromCard(const ChatCard& card) {
    std::string payload;
    for (const Caps& caps : kTeamsSteps) {
        Content c = card;
        c.title = capChars(c.title, caps.title);
        for (auto& f : c.facts) {
            f.value = capChars(f.value, caps.fact);
        }
        for (auto& change : c.changes) {
            change = capChars(change, 2 * caps.change);
        }
        c.summary = capChars(c.summary, caps.summary);
        payload = teamsFrom(std::move(c));
        if (payload.size() <= kTeamsPayloadMaxBytes) {
            break;
        }
    }
    return payload;
}

std::string mattermostFrom(const Content& c);
std::string chatworkFrom(const Content& c);

} // namespace

std::string slackPayload(const Advisory& a, const Match& m, const UpdateNotice* update) {
    return slackFrom(makeContent(a, m, update, Caps{}));
}

std::string teamsPayload(const Advisory& a, const Match& m, const UpdateNotice* update) {
    std::string payload;
    for (const Caps& caps : kTeamsSteps) {
        payload = teamsPayloadWith(a, m, update, caps);
        if (payload.size() <= kTeamsPayloadMaxBytes) {
            break;
        }
    }
    return payload;
}

std::string mattermostPayload(const Advisory& a, const Match& m, const UpdateNotice* update) {
    return mattermostFrom(makeContent(a, m, update, Caps{}));
}

namespace {

std::string mattermostFrom(const Content& c) {
    std::string text = "#### " + mattermostEscape(c.label + ": " + c.product + " — ", 600, false);
    if (!c.link.empty()) {
        // The URL is percent-encoded by chatLink(): no ')' or space can end the link early.
        text += "[" + mattermostEscape(c.id, 300, false) + "](" + c.link + ")";
    } else {
        text += mattermostEscape(c.id, 300, false);
    }
    text += "\n";
    if (!c.title.empty()) {
        text += "**" + mattermostEscape(c.title, 2000, false) + "**\n";
    }
    text += "\n";
    for (const auto& f : c.facts) {
        text += "- **" + f.label + "**: " + mattermostEscape(f.value, 700, false) + "\n";
    }
    const std::size_t reserve = c.summary.empty() ? 0 : remaining(kMattermostTextMax, text) / 2;
    if (!c.changes.empty()) {
        text += "\n**変更点 (Changes; \\* = material)**\n";
        std::string list;
        for (const auto& change : c.changes) {
            list += (list.empty() ? "" : "\n") + change;
        }
        // Each change on its own line; the escaped "\*" marks material ones.
        text += mattermostEscape(list, remaining(kMattermostTextMax - reserve, text)) + "\n";
    }
    if (!c.summary.empty()) {
        text += "\n**概要 (Summary)**\n";
        text += mattermostEscape(c.summary, remaining(kMattermostTextMax, text));
    }
    // A last guard: the pieces above are each capped, so this never cuts in practice.
    if (utf8Length(text) > kMattermostTextMax) {
        text = capChars(text, kMattermostTextMax);
    }
    JsonWriter json;
    json.beginObject();
    json.key("text").value(text);
    json.endObject();
    return json.str();
}

std::string chatworkFrom(const Content& c) {
    std::string text = "[info][title]" +
                       chatworkEscape(c.label + ": " + c.product + " — " + c.id, 800) + "[/title]";
    if (!c.title.empty()) {
        text += chatworkEscape(c.title, 2000) + "\n";
    }
    for (const auto& f : c.facts) {
        text += f.label + ": " + chatworkEscape(f.value, 700) + "\n";
    }
    if (!c.link.empty()) {
        // chatLink() percent-encodes '[' and ']': the URL cannot form a tag.
        text += "URL: " + c.link + "\n";
    }
    constexpr std::string_view closing = "[/info]";
    const std::size_t limit = kChatworkBodyMax - closing.size();
    if (!c.changes.empty()) {
        text += "[hr]変更点 (Changes; * = material)\n";
        text += chatworkEscape(join(c.changes, "\n"), remaining(limit, text) / 2) + "\n";
    }
    if (!c.summary.empty()) {
        text += "[hr]";
        text += chatworkEscape(c.summary, remaining(limit, text));
    }
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    text += closing;
    return text;
}

} // namespace

std::string chatworkMessage(const Advisory& a, const Match& m, const UpdateNotice* update) {
    return chatworkFrom(makeContent(a, m, update, Caps{}));
}

std::string chatworkPayload(const Advisory& a, const Match& m, const UpdateNotice* update) {
    return "body=" + percentEncoded(chatworkMessage(a, m, update));
}

bool isChatServiceType(std::string_view type) {
    return type == "slack" || type == "teams" || type == "mattermost" || type == "chatwork";
}

std::string chatCardPayload(std::string_view type, const ChatCard& card) {
    if (type == "slack") {
        return slackFrom(card);
    }
    if (type == "teams") {
        return teamsFromCard(card);
    }
    if (type == "mattermost") {
        return mattermostFrom(card);
    }
    if (type == "chatwork") {
        return "body=" + percentEncoded(chatworkFrom(card));
    }
    throw std::invalid_argument("not a chat service type: " + std::string(type));
}

namespace {

std::string payloadFor(const std::string& type, const Advisory& a, const Match& m,
                       const UpdateNotice* update) {
    if (type == "slack") {
        return slackPayload(a, m, update);
    }
    if (type == "teams") {
        return teamsPayload(a, m, update);
    }
    if (type == "mattermost") {
        return mattermostPayload(a, m, update);
    }
    return chatworkPayload(a, m, update);
}

} // namespace

OutMessage renderChat(const std::string& type, const Advisory& a, const Match& m,
                      const std::string& notifierName, const std::string& clusterKey) {
    OutMessage out = renderWebhook(a, m, notifierName, clusterKey);
    if (isChatServiceType(type)) {
        out.payload = payloadFor(type, a, m, nullptr);
    }
    return out;
}

OutMessage renderUpdateChat(const std::string& type, const Advisory& a, const Match& m,
                            const UpdateNotice& update, const std::string& notifierName,
                            const std::string& clusterKey) {
    OutMessage out = renderUpdateWebhook(a, m, update, notifierName, clusterKey);
    if (isChatServiceType(type)) {
        out.payload = payloadFor(type, a, m, &update);
    }
    return out;
}

} // namespace vw
