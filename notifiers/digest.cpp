#include "notifiers/digest.h"

#include "notifiers/case_notice.h"
#include "notifiers/chat_format.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <string_view>
#include <tuple>

namespace vw {
namespace {

/// The words of one language.
struct Words {
    std::string_view subjectCount; // "%d 件" / "%d items"
    std::string_view subjectNone;
    std::string_view heading;
    std::string_view to;
    std::string_view period;
    std::string_view since;
    std::string_view count;
    std::string_view kindNew;
    std::string_view kindUpdate;
    std::string_view kindWithdrawn;
    std::string_view score;
    std::string_view noScore;
    std::string_view component;
    std::string_view confidence;
    std::string_view reason;
    std::string_view verdict;
    std::string_view changes;
    std::string_view nothingNew;
    std::string_view pipeline;
    std::string_view never;
    std::string_view footer;
    std::string_view auditHead;
    std::array<std::string_view, 5> bands; // none, low, medium, high, critical
    // Open cases (issue 12).
    std::string_view subjectCases;   // "、対応中の案件 %d 件" / ", %d open cases"
    std::string_view subjectOneCase; // English singular
    std::string_view casesCount;     // "対応中の案件: %d 件 (期限超過 %d 件)"
    std::string_view casesHeading;   // "対応中の案件 (期限順)"
    std::string_view caseWord;       // "案件" / "case"
    std::string_view overdueMark;    // "[期限超過]"
    std::string_view due;            // "期限"
    std::string_view state;          // "状態"
    std::string_view ssvcNone;       // no SSVC decision yet
    std::string_view moreCases;      // "ほか %d 件 …"
};

constexpr Words kJapanese{
    "ダイジェスト: %d 件",
    "ダイジェスト: 新着なし",
    "vulnwatch ダイジェスト",
    "宛先",
    "期間",
    "前回のダイジェスト以降",
    "件数",
    "新規",
    "更新",
    "取り下げ",
    "CVSS 基本値",
    "なし",
    "一致した構成要素",
    "確度",
    "一致の理由",
    "判定",
    "前回からの変更",
    "前回のダイジェスト以降、新しい一致も更新もありません。",
    "パイプラインは稼働しています。各ソースの最終取得:",
    "未取得",
    "即時通知の条件に満たない一致と、ダイジェスト指定の宛先への一致をまとめてお知らせしてい"
    "ます。対応の要否は各製品の担当者が判断してください。",
    "監査チェーンの先頭",
    {"深刻度なし (CVSS なし)", "注意 (CVSS 0.1-3.9)", "警告 (CVSS 4.0-6.9)", "重要 (CVSS 7.0-8.9)",
     "緊急 (CVSS 9.0-10.0)"},
    "、対応中の案件 %d 件",
    "、対応中の案件 1 件",
    "対応中の案件: %d 件 (期限超過 %d 件)",
    "対応中の案件 (期限順)",
    "案件",
    "[期限超過]",
    "期限",
    "状態",
    "未評価",
    "ほか %d 件は vulnwatch cases list で確認できます。",
};

constexpr Words kEnglish{
    "Digest: %d items",
    "Digest: nothing new",
    "vulnwatch digest",
    "To",
    "Period",
    "since the last digest",
    "Items",
    "new",
    "update",
    "withdrawn",
    "CVSS base score",
    "none",
    "Matched component",
    "Confidence",
    "Why it matched",
    "Verdict",
    "Changed since last time",
    "Nothing new matched or changed since the last digest.",
    "The pipeline ran. Last successful poll of each source:",
    "never",
    "This digest collects the matches below the immediate-notification thresholds and those "
    "for recipients who asked for digests. The product owners decide what to do.",
    "Audit chain head",
    {"No severity (no CVSS)", "Low (CVSS 0.1-3.9)", "Medium (CVSS 4.0-6.9)", "High (CVSS 7.0-8.9)",
     "Critical (CVSS 9.0-10.0)"},
    ", %d open cases",
    ", 1 open case",
    "Open cases: %d (%d overdue)",
    "Open cases (by due date)",
    "case",
    "[OVERDUE]",
    "Due",
    "State",
    "not evaluated",
    "%d more: see vulnwatch cases list.",
};

std::string line(std::string_view text) {
    return cleanChatText(text, false);
}

/// The audit head line of the text ("" when none was given).
std::string auditHeadText(const Words& w, const std::string& head) {
    return head.empty() ? std::string() : std::string(w.auditHead) + ": " + line(head) + "\n";
}

std::string formatScore(double score) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", score);
    return buffer;
}

std::string_view kindWord(const Words& w, const std::string& kind) {
    if (kind == "update") {
        return w.kindUpdate;
    }
    if (kind == "withdrawn") {
        return w.kindWithdrawn;
    }
    return w.kindNew;
}

/// Entries of the same vulnerability, product and version are one: "new" when any is new
/// (else "withdrawn" when any is, else "update"), the latest facts, every change in order.
std::vector<DigestEntry> merged(const std::vector<DigestEntry>& entries) {
    std::vector<DigestEntry> out;
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> index;
    for (const DigestEntry& e : entries) {
        const std::string key = e.clusterKey.empty() ? e.advisory : e.clusterKey;
        auto [it, inserted] = index.emplace(std::make_tuple(key, e.product, e.version), out.size());
        if (inserted) {
            out.push_back(e);
            continue;
        }
        DigestEntry& m = out[it->second];
        const std::string kind = (m.kind == "new" || e.kind == "new")               ? "new"
                                 : (m.kind == "withdrawn" || e.kind == "withdrawn") ? "withdrawn"
                                                                                    : "update";
        std::vector<FieldChange> changes = std::move(m.changes);
        changes.insert(changes.end(), e.changes.begin(), e.changes.end());
        m = e;
        m.kind = kind;
        m.changes = std::move(changes);
    }
    return out;
}

/// `pattern` with its %d replaced by the numbers in order.
std::string withNumbers(std::string_view pattern, std::initializer_list<long long> numbers) {
    std::string out;
    auto next = numbers.begin();
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'd' &&
            next != numbers.end()) {
            out += std::to_string(*next++);
            ++i;
            continue;
        }
        out += pattern[i];
    }
    return out;
}

/// Overdue first, then the earliest due time (no running clock last), then the id.
std::vector<DigestCase> casesByDue(std::vector<DigestCase> cases) {
    std::sort(cases.begin(), cases.end(), [](const DigestCase& a, const DigestCase& b) {
        const auto key = [](const DigestCase& c) {
            return std::make_tuple(!c.overdue, c.due == 0, c.due == 0 ? std::int64_t{0} : c.due,
                                   c.id);
        };
        return key(a) < key(b);
    });
    return cases;
}

/// "受付 (received)" in Japanese, "received (受付)" in English.
std::string stateText(CaseState state, bool english) {
    const std::string ja(caseStateJapanese(state));
    const std::string en(caseStateName(state));
    return english ? en + " (" + ja + ")" : ja + " (" + en + ")";
}

/// The open cases: the count line for the header, the listed ones for the text and the view.
struct CaseList {
    std::string countLine; // "" without open cases
    std::string text;      // the section, "" without open cases
    std::vector<DigestMailCase> shown;
    int open = 0;
    int overdue = 0;
    int more = 0;
};

CaseList caseList(const Words& w, const std::vector<DigestCase>& all, bool english) {
    CaseList out;
    if (all.empty()) {
        return out;
    }
    const std::vector<DigestCase> cases = casesByDue(all);
    out.open = static_cast<int>(cases.size());
    for (const auto& c : cases) {
        out.overdue += c.overdue ? 1 : 0;
    }
    out.countLine = withNumbers(w.casesCount, {out.open, out.overdue}) + "\n";
    std::string& t = out.text;
    t += "\n== " + std::string(w.casesHeading) + " ==\n";
    for (std::size_t i = 0; i < cases.size() && i < kDigestCasesShown; ++i) {
        const DigestCase& c = cases[i];
        DigestMailCase v;
        v.id = std::to_string(c.id);
        v.product = line(c.product);
        v.version = line(c.version);
        v.title = line(c.title);
        v.advisory = line(c.advisory);
        v.state = stateText(c.state, english);
        v.due = c.due > 0 ? caseDueText(c.due) : std::string();
        v.clock = c.due > 0 ? caseClockName(c.clock, english) : std::string();
        v.overdue = c.overdue;
        v.ssvc = line(c.ssvc);
        t += "* " + (c.overdue ? std::string(w.overdueMark) + " " : std::string()) +
             std::string(w.caseWord) + " #" + v.id + " " + v.product +
             (v.version.empty() ? "" : " " + v.version) + " —" +
             (v.advisory.empty() ? "" : " " + v.advisory) + (v.title.empty() ? "" : " " + v.title) +
             "\n";
        t += "  " + std::string(w.due) + ": " +
             (v.due.empty() ? std::string(w.noScore) : v.due + " (" + v.clock + ")") + " / " +
             std::string(w.state) + ": " + v.state +
             " / SSVC: " + (v.ssvc.empty() ? std::string(w.ssvcNone) : v.ssvc) + "\n";
        out.shown.push_back(std::move(v));
    }
    if (cases.size() > kDigestCasesShown) {
        out.more = static_cast<int>(cases.size() - kDigestCasesShown);
        t += withNumbers(w.moreCases, {out.more}) + "\n";
    }
    return out;
}

} // namespace

int severityBand(double score) {
    if (score >= 9.0) {
        return 4;
    }
    if (score >= 7.0) {
        return 3;
    }
    if (score >= 4.0) {
        return 2;
    }
    if (score > 0.0) {
        return 1;
    }
    return 0;
}

std::string digestKey(const std::string& notifier, const std::string& owner,
                      std::int64_t periodEnd) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    const auto add = [&](std::string_view text) {
        for (const char c : text) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 0x100000001b3ULL;
        }
    };
    add("digest");
    add("\x1f");
    add(notifier);
    add("\x1f");
    add(owner);
    add("\x1f");
    add(std::to_string(periodEnd));
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
    return std::string("digest-") + buffer;
}

OutMessage renderDigest(const DigestContent& digest) {
    const Words& w = digest.language == "en" ? kEnglish : kJapanese;
    std::vector<DigestEntry> entries = merged(digest.entries);
    // Product, version, then the highest band and score first, then the id.
    std::stable_sort(entries.begin(), entries.end(),
                     [](const DigestEntry& a, const DigestEntry& b) {
                         const int bandA = severityBand(a.score);
                         const int bandB = severityBand(b.score);
                         return std::tie(a.product, a.version, bandB, b.score, a.advisory) <
                                std::tie(b.product, b.version, bandA, a.score, b.advisory);
                     });

    OutMessage message;
    message.notifier = digest.notifier;
    message.recipient = digest.recipient;
    message.idempotencyKey = digest.idempotencyKey;
    char count[64];
    std::snprintf(count, sizeof count, std::string(w.subjectCount).c_str(),
                  static_cast<int>(entries.size()));
    if (entries.size() == 1 && digest.language == "en") {
        std::snprintf(count, sizeof count, "Digest: 1 item");
    }
    const bool english = digest.language == "en";
    const CaseList cases = caseList(w, digest.cases, english);
    std::string casesPart;
    if (cases.open == 1 && english) {
        casesPart = std::string(w.subjectOneCase);
    } else if (cases.open > 0) {
        casesPart = withNumbers(w.subjectCases, {cases.open});
    }
    message.subject = "[vulnwatch] " + (entries.empty() ? std::string(w.subjectNone) : count) +
                      casesPart + " (" + line(digest.periodEnd) + ")";

    DigestMailView view;
    view.recipient = line(digest.recipient);
    view.periodStart = line(digest.periodStart);
    view.periodEnd = line(digest.periodEnd);
    view.count = static_cast<int>(entries.size());
    view.auditHead = line(digest.auditHead);
    view.cases = cases.shown;
    view.openCases = cases.open;
    view.overdueCases = cases.overdue;
    view.moreCases = cases.more;
    const MailTemplates& templates =
        digest.templates ? *digest.templates : *MailTemplates::builtIn();

    std::string body;
    body.reserve(256 + entries.size() * 400);
    body += w.heading;
    body += "\n";
    body += std::string(w.to) + ": " + line(digest.recipient) + "\n";
    body += std::string(w.period) + ": " +
            (digest.periodStart.empty() ? std::string(w.since) : line(digest.periodStart)) + " - " +
            line(digest.periodEnd) + "\n";
    if (entries.empty()) {
        body += cases.countLine;
        body += "\n";
        body += w.nothingNew;
        body += "\n";
        body += cases.text;
        body += "\n";
        body += w.pipeline;
        body += "\n";
        for (const auto& source : digest.sources) {
            body += "  " + line(source.name) + ": " +
                    (source.lastSuccess.empty() ? std::string(w.never) : line(source.lastSuccess)) +
                    "\n";
            view.sources.push_back({line(source.name), line(source.lastSuccess)});
        }
        const std::string head = auditHeadText(w, digest.auditHead);
        if (!head.empty()) {
            body += "\n" + head;
        }
        message.text = std::move(body);
        message.html = templates.renderDigestHtml(digest.language, view, message.subject);
        return message;
    }
    int news = 0;
    int updates = 0;
    for (const auto& e : entries) {
        (e.kind == "new" ? news : updates) += 1;
    }
    body += std::string(w.count) + ": " + std::to_string(entries.size()) + " (" +
            std::string(w.kindNew) + " " + std::to_string(news) + ", " + std::string(w.kindUpdate) +
            " " + std::to_string(updates) + ")\n";
    body += cases.countLine;
    view.news = news;
    view.updates = updates;

    const DigestEntry* previous = nullptr;
    for (const DigestEntry& e : entries) {
        const int band = severityBand(e.score);
        if (previous == nullptr || previous->product != e.product ||
            previous->version != e.version) {
            body += "\n== " + line(e.product) + (e.version.empty() ? "" : " " + line(e.version)) +
                    " ==\n";
            previous = nullptr;
            view.groups.push_back({line(e.product), line(e.version), {}});
        }
        if (previous == nullptr || severityBand(previous->score) != band) {
            const std::string label(w.bands.at(static_cast<std::size_t>(band)));
            body += "\n[" + label + "]\n";
            view.groups.back().bands.push_back({band, label, {}});
        }
        previous = &e;
        DigestMailItem item;
        item.kind = e.kind == "update" || e.kind == "withdrawn" ? e.kind : "new";
        item.kindLabel = std::string(kindWord(w, e.kind));
        item.advisory = line(e.advisory);
        item.title = line(e.title);
        item.url = chatLink(e.url);
        item.score = e.score > 0.0 ? formatScore(e.score) : std::string();
        item.component = line(e.component);
        item.method = line(e.method);
        item.verdict = line(e.verdict);
        item.confidence = e.confidence;
        item.reason = line(e.reason);
        for (const auto& c : e.changes) {
            item.changes.push_back({line(c.field), line(c.before), line(c.after)});
        }
        view.groups.back().bands.back().items.push_back(std::move(item));
        body += "* [" + std::string(kindWord(w, e.kind)) + "] " + line(e.advisory) + " " +
                line(e.title) + "\n";
        body += "  " + std::string(w.score) + ": " +
                (e.score > 0.0 ? formatScore(e.score) : std::string(w.noScore)) + "\n";
        body += "  " + std::string(w.component) + ": " + line(e.component) +
                (e.method.empty() ? "" : " (" + line(e.method) + ")") + "\n";
        body += "  " + std::string(w.confidence) + ": " + std::to_string(e.confidence) + "/100";
        if (!e.verdict.empty()) {
            body += ", " + std::string(w.verdict) + ": " + line(e.verdict);
        }
        body += "\n";
        body += "  " + std::string(w.reason) + ": " + line(e.reason) + "\n";
        if (!e.changes.empty()) {
            body += "  " + std::string(w.changes) + ":\n";
            for (const auto& c : e.changes) {
                body += "    - " + line(c.field) + ": " + line(c.before) + " -> " + line(c.after) +
                        "\n";
            }
        }
        const std::string url = chatLink(e.url);
        if (!url.empty()) {
            body += "  " + url + "\n";
        }
    }
    body += cases.text;
    body += "\n-- \n";
    body += w.footer;
    body += "\n";
    body += auditHeadText(w, digest.auditHead);
    message.text = std::move(body);
    message.html = templates.renderDigestHtml(digest.language, view, message.subject);
    return message;
}

} // namespace vw
