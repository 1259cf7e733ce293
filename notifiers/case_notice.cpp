#include "notifiers/case_notice.h"

#include "core/calendar.h"
#include "core/cases.h"
#include "core/datetime.h"
#include "core/json_writer.h"
#include "notifiers/chat_format.h"
#include "notifiers/render.h"

#include <array>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vw {

namespace {

std::string line(const std::string& text) {
    return cleanChatText(text, false);
}

/// The words of one language. Clock names: decide, inform, fix.
struct Words {
    std::string_view actSubject;    // "対応優先度 Act"
    std::string_view breachSubject; // "期限超過"
    std::string_view caseWord;      // "案件" (before the number)
    std::string_view caseLabel;     // "案件" / "Case" (a field's label)
    std::string_view actLead; // "%s の対応優先度 (SSVC) が Act になりました。…"
    std::string_view actNote;
    std::string_view breachLead; // "%s の期限を過ぎました: %s"
    std::string_view breachNote;
    std::string_view product;
    std::string_view vulnerability;
    std::string_view title;
    std::string_view state;
    std::string_view ssvc;
    std::string_view ssvcReason;
    std::string_view due;
    std::string_view nextDue;
    std::string_view overdueBy;
    std::string_view details;
    std::string_view none;
    std::array<std::string_view, 3> clocks;     // short: subjects, facts
    std::array<std::string_view, 3> clocksLong; // what the clock asks for
    std::array<std::string_view, 3> unitsOne;   // day, hour, minute
    std::array<std::string_view, 3> unitsMany;  // days, hours, minutes
    std::string_view underAMinute;
};

constexpr Words kJapanese{
    "対応優先度 Act",
    "期限超過",
    "案件",
    "案件",
    "%s の対応優先度 (SSVC) が Act になりました。直ちに対応してください。",
    "この通知は、ダイジェストの設定や通知の条件にかかわらず、すぐに一度だけ送られます。",
    "%s の期限を過ぎました: %s",
    "この通知は期限ごとに一度だけ送られます。対応中の案件はダイジェストの一覧にも載ります。",
    "製品",
    "脆弱性",
    "タイトル",
    "状態",
    "SSVC",
    "判定の根拠",
    "期限",
    "次の期限",
    "超過",
    "詳細",
    "なし",
    {"判断", "情報提供", "修正"},
    {"判断 (影響の有無とリスクの評価)", "医療機関への情報提供", "修正 (対策の提供)"},
    {" 日", " 時間", " 分"},
    {" 日", " 時間", " 分"},
    "1 分未満",
};

constexpr Words kEnglish{
    "Priority Act",
    "Overdue",
    "case",
    "Case",
    "The SSVC priority of %s became Act: act now.",
    "This notice is sent at once and once only, whatever the digest settings and thresholds.",
    "The deadline of %s has passed: %s.",
    "This notice is sent once per deadline. Open cases are also listed in the digests.",
    "Product",
    "Vulnerability",
    "Title",
    "State",
    "SSVC",
    "Reasoning",
    "Due",
    "Next due",
    "Overdue by",
    "Details",
    "none",
    {"decide", "inform", "fix"},
    {"decide (affected or not, and the risk)", "inform the hospitals", "fix (a remedy available)"},
    {" day", " hour", " minute"},
    {" days", " hours", " minutes"},
    "less than a minute",
};

/// The position of a clock name in Words::clocks; -1 for none or an unknown one.
int clockIndex(const std::string& clock) {
    if (clock == "decide") {
        return 0;
    }
    if (clock == "inform") {
        return 1;
    }
    if (clock == "fix") {
        return 2;
    }
    return -1;
}

std::string clockName(const Words& w, const std::string& clock, bool long_ = false) {
    const int i = clockIndex(clock);
    if (i < 0) {
        return line(clock);
    }
    const auto at = static_cast<std::size_t>(i);
    return std::string(long_ ? w.clocksLong.at(at) : w.clocks.at(at));
}

/// At most `maxBytes` of one-line text, "…" when cut.
std::string capped(const std::string& text, std::size_t maxBytes) {
    const std::string flat = line(text);
    std::string out(utf8Prefix(flat, maxBytes));
    if (out.size() < flat.size()) {
        out += "…";
    }
    return out;
}

std::string formatted(std::string_view pattern, const std::string& a, const std::string& b = {}) {
    std::string out;
    bool first = true;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 's') {
            out += first ? a : b;
            first = false;
            ++i;
            continue;
        }
        out += pattern[i];
    }
    return out;
}

/// How long past due: "2 日 3 時間", "5 hours 20 minutes", "less than a minute".
std::string overdueText(const Words& w, std::int64_t seconds) {
    if (seconds < 60) {
        return std::string(w.underAMinute);
    }
    const std::int64_t parts[] = {seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60};
    std::string out;
    int shown = 0;
    for (std::size_t i = 0; i < 3 && shown < 2; ++i) {
        if (parts[i] == 0) {
            if (shown > 0) {
                break; // "2 days" rather than "2 days 0 hours"
            }
            continue;
        }
        out += (out.empty() ? "" : " ") + std::to_string(parts[i]) +
               std::string(parts[i] == 1 ? w.unitsOne.at(i) : w.unitsMany.at(i));
        ++shown;
    }
    return out;
}

/// "受付 (received)" in Japanese, "received (受付)" in English; an unknown name as given.
std::string stateText(const std::string& state, bool english) {
    const auto parsed = parseCaseState(state);
    if (!parsed) {
        return line(state);
    }
    const std::string ja(caseStateJapanese(*parsed));
    const std::string en(caseStateName(*parsed));
    return english ? en + " (" + ja + ")" : ja + " (" + en + ")";
}

std::string caseRef(const Words& w, std::int64_t id) {
    return std::string(w.caseWord) + " #" + std::to_string(id);
}

bool isAct(const CaseNotice& n) {
    return n.kind == "act";
}

/// "[vulnwatch] 期限超過 (判断): Viewer 3.2 — JVNDB-… title".
std::string subjectLine(const Words& w, const CaseNotice& n) {
    std::string label = isAct(n)
                            ? std::string(w.actSubject)
                            : std::string(w.breachSubject) + " (" + clockName(w, n.clock) + ")";
    std::string body = line(n.product) + (n.version.empty() ? "" : " " + line(n.version)) + " — " +
                       (n.advisory.empty() ? caseRef(w, n.caseId) : line(n.advisory));
    const std::string title = capped(n.title, kSubjectTitleMaxBytes);
    if (!title.empty()) {
        body += " " + title;
    }
    return "[vulnwatch] " + label + ": " + body;
}

/// One language's part of the e-mail text.
std::string textPart(const Words& w, const CaseNotice& n, bool english) {
    const std::string ref = caseRef(w, n.caseId);
    std::string out;
    if (isAct(n)) {
        out += formatted(w.actLead, ref) + "\n" + std::string(w.actNote) + "\n\n";
    } else {
        out += formatted(w.breachLead, ref, clockName(w, n.clock, true)) + "\n" +
               std::string(w.breachNote) + "\n\n";
    }
    const auto field = [&](std::string_view label, const std::string& value) {
        out += std::string(label) + ": " + (value.empty() ? std::string(w.none) : value) + "\n";
    };
    field(w.caseLabel, "#" + std::to_string(n.caseId));
    field(w.product, line(n.product) + (n.version.empty() ? "" : " " + line(n.version)));
    if (!n.advisory.empty()) {
        field(w.vulnerability, line(n.advisory));
    }
    field(w.title, line(n.title));
    field(w.state, stateText(n.state, english));
    field(w.ssvc, line(n.ssvc));
    if (!n.ssvcReason.empty()) {
        field(w.ssvcReason, line(n.ssvcReason));
    }
    if (n.due > 0) {
        field(isAct(n) ? w.nextDue : w.due,
              caseDueText(n.due) + " (" + clockName(w, n.clock) + ")");
        if (!isAct(n) && n.now > n.due) {
            field(w.overdueBy, overdueText(w, n.now - n.due));
        }
    }
    const std::string url = chatLink(n.url);
    if (!url.empty()) {
        field("URL", url);
    }
    field(w.details, "vulnwatch cases show " + std::to_string(n.caseId));
    return out;
}

OutMessage renderEmailNotice(const std::string& notifierName, const std::string& recipient,
                             const CaseNotice& n) {
    const bool english = n.language == "en";
    const Words& first = english ? kEnglish : kJapanese;
    const Words& second = english ? kJapanese : kEnglish;
    OutMessage out;
    out.notifier = notifierName;
    out.recipient = recipient;
    out.subject = subjectLine(first, n);
    out.text = textPart(first, n, english) + "\n" + std::string(64, '-') + "\n" +
               textPart(second, n, !english) + "\n-- \nvulnwatch\n";
    if (!n.clusterKey.empty()) {
        // Threads under the first message about this vulnerability and product (renderEmail).
        out.thread = idempotencyKey(notifierName, n.clusterKey, n.product, "", recipient);
    }
    return out;
}

/// The one-line summary of webhooks and chat fallbacks: the subject in Japanese, then the due
/// time and the SSVC decision.
std::string summaryLine(const CaseNotice& n) {
    std::string text = subjectLine(kJapanese, n);
    if (!isAct(n) && n.due > 0) {
        text += " / 期限 (due) " + caseDueText(n.due);
    }
    if (!n.ssvc.empty()) {
        text += " / SSVC " + line(n.ssvc);
    }
    return text;
}

std::string isoJst(std::int64_t t) {
    return formatIsoDateTime(DateTime{t, 540});
}

std::string webhookPayload(const CaseNotice& n, const std::string& text) {
    JsonWriter json;
    json.beginObject();
    json.key("event").value(isAct(n) ? "case-act" : "case-breach");
    json.key("case").beginObject();
    json.key("id").value(static_cast<long long>(n.caseId));
    json.key("product").value(line(n.product));
    json.key("version").value(line(n.version));
    json.key("title").value(line(n.title));
    json.key("advisory").value(line(n.advisory));
    json.key("cluster").value(line(n.clusterKey));
    json.key("state").value(line(n.state));
    json.key("ssvc").value(line(n.ssvc));
    json.key("ssvc_reason").value(line(n.ssvcReason));
    json.key("url").value(chatLink(n.url));
    json.endObject();
    json.key("clock").value(line(n.clock));
    if (n.due > 0) {
        json.key("due").value(isoJst(n.due));
    } else {
        json.key("due").null();
    }
    json.key("at").value(isoJst(n.now));
    json.key("text").value(text);
    json.endObject();
    return json.str();
}

/// Facts are capped at this many bytes each (about 300 Japanese characters).
constexpr std::size_t kFactMaxBytes = 900;

ChatCard chatCard(const CaseNotice& n) {
    ChatCard card;
    card.label = isAct(n) ? "対応優先度 Act (SSVC priority Act)"
                          : "期限超過 (overdue): " + clockName(kJapanese, n.clock) + " (" +
                                clockName(kEnglish, n.clock) + ")";
    card.product =
        capped(n.product + (n.version.empty() ? std::string() : " " + n.version), kFactMaxBytes);
    card.id = n.advisory.empty()
                  ? "案件 #" + std::to_string(n.caseId) + " (case " + std::to_string(n.caseId) + ")"
                  : capped(n.advisory, 300);
    card.title = capped(n.title, 3000);
    card.link = chatLink(n.url);
    const auto fact = [&](std::string label, const std::string& value) {
        const std::string v = capped(value, kFactMaxBytes);
        card.facts.push_back({std::move(label), v.empty() ? "なし (none)" : v});
    };
    fact("案件 (Case)", "#" + std::to_string(n.caseId));
    fact("状態 (State)", stateText(n.state, false));
    fact("SSVC", n.ssvc);
    if (!n.ssvcReason.empty()) {
        fact("判定の根拠 (Reasoning)", n.ssvcReason);
    }
    if (n.due > 0) {
        fact(isAct(n) ? "次の期限 (Next due)" : "期限 (Due)",
             caseDueText(n.due) + " (" + clockName(kJapanese, n.clock) + " / " +
                 clockName(kEnglish, n.clock) + ")");
        if (!isAct(n) && n.now > n.due) {
            fact("超過 (Overdue by)", overdueText(kJapanese, n.now - n.due) + " (" +
                                          overdueText(kEnglish, n.now - n.due) + ")");
        }
    }
    fact("詳細 (Details)", "vulnwatch cases show " + std::to_string(n.caseId));
    card.summary =
        isAct(n) ? "SSVC の判定が Act になりました。直ちに対応してください。\n"
                   "The SSVC decision is Act: act now."
                 : "期限を過ぎました: " + clockName(kJapanese, n.clock, true) +
                       "\nThe deadline has passed: " + clockName(kEnglish, n.clock, true) + ".";
    return card;
}

} // namespace

std::string caseDueText(std::int64_t unixSeconds) {
    const int second = jstSecondOfDay(unixSeconds);
    char hm[16];
    std::snprintf(hm, sizeof hm, "%02d:%02d", second / 3600 % 24, second / 60 % 60);
    return formatDate(jstDate(unixSeconds)) + " " + hm + " JST";
}

std::string caseClockName(const std::string& clock, bool english) {
    return clockName(english ? kEnglish : kJapanese, clock);
}

OutMessage renderCaseNotice(const std::string& type, const std::string& notifierName,
                            const std::string& recipient, const CaseNotice& notice) {
    if (notice.kind != "act" && notice.kind != "breach") {
        throw std::invalid_argument("a case notice is of kind act or breach, not '" + notice.kind +
                                    "'");
    }
    OutMessage out;
    if (type == "email") {
        out = renderEmailNotice(notifierName, recipient, notice);
    } else {
        out.notifier = notifierName;
        out.subject = subjectLine(kJapanese, notice);
        out.text = summaryLine(notice);
        out.payload = isChatServiceType(type) ? chatCardPayload(type, chatCard(notice))
                                              : webhookPayload(notice, out.text);
    }
    // One notice per notifier, kind, case, occasion and recipient: language and wording do not
    // change the key. The occasion: a breach's clock and due time; an Act alert's receipt.
    const std::string occasion =
        isAct(notice) ? (notice.receivedAt == 0 ? std::string() : std::to_string(notice.receivedAt))
                      : notice.clock + "@" + std::to_string(notice.due);
    out.idempotencyKey = idempotencyKey(
        notifierName, "case\x1f" + notice.kind + "\x1f" + std::to_string(notice.caseId), "",
        occasion, type == "email" ? recipient : std::string());
    return out;
}

} // namespace vw
