// The dashboard at / (issue 13 part 2; docs/web.md "Dashboard"): the overdue cases first (a
// triager's own products before the others), the cases by state and the open ones by severity,
// two bar charts rendered on the server (web/svg_chart.h: new matches per week, open cases by
// age) and the health of each configured source. Every number is aggregated by SQLite
// (COUNT … GROUP BY over the vcase_state index, a range of match.created_at): the page reads no
// whole table row by row, whatever the store holds.
#include "core/cases.h"
#include "core/datetime.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "store/cases.h"
#include "store/store.h"
#include "web/page_routes.h"
#include "web/svg_chart.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

namespace vw::web {
namespace {

/// How many overdue cases the dashboard lists (the cases page has them all).
constexpr int kOverdueShown = 10;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr int kWeeks = 12;
constexpr std::int64_t kJst = 9 * 3600;

/// 'received','confirming',… : the states for which `holds` is true, as an SQL list (our own
/// names, never input).
std::string stateList(bool (*holds)(CaseState)) {
    std::string out;
    for (const CaseState s : allCaseStates()) {
        if (holds(s)) {
            out += (out.empty() ? "'" : ",'") + std::string(caseStateName(s)) + "'";
        }
    }
    return out;
}

bool isOpen(CaseState s) {
    return !isTerminal(s);
}

/// The earliest running due time of a case (store/cases.h caseNextDueSql: the expression of
/// the index vcase_next_due; "none" is the largest integer). A case is overdue exactly when it
/// has passed (overdueClocks is then not empty).
std::string nextDueSql() {
    return std::string(caseNextDueSql());
}

/// The products a triager works on as a JSON array (bound to `product IN (SELECT value FROM
/// json_each(?))`); "[]" for everyone else.
std::string myProductsJson(const PageCall& call) {
    JsonWriter w;
    if (call.principal->user.role == UserRole::Triager) {
        w.stringArray(call.principal->user.products);
    } else {
        w.stringArray({});
    }
    return w.str();
}

std::string_view severityJapanese(std::string_view name) {
    if (name == "Critical") {
        return "緊急";
    }
    if (name == "High") {
        return "重要";
    }
    if (name == "Medium") {
        return "警告";
    }
    if (name == "Low") {
        return "注意";
    }
    if (name == "None") {
        return "なし";
    }
    return "未評価";
}

/// The severity bands in the order shown, and the CSS class of each.
constexpr std::array<std::string_view, 6> kSeverities = {"Critical", "High", "Medium",
                                                         "Low",      "None", "Unscored"};

std::string severityClass(std::string_view name) {
    std::string out = lowerAscii(name);
    return out == "unscored" || out.empty() ? "none" : out;
}

std::string stateLabel(const PageCall& call, CaseState s) {
    return call.t(caseStateJapanese(s), caseStateName(s));
}

std::string clockLabel(const PageCall& call, const std::string& clock) {
    if (clock == "decide") {
        return call.t("判断期限", "decide by");
    }
    if (clock == "inform") {
        return call.t("情報提供期限", "inform by");
    }
    return call.t("修正期限", "fix by");
}

/// Monday 00:00 JST of the week `now` is in.
std::int64_t weekStart(std::int64_t now) {
    const std::int64_t localDay = (now + kJst) / kDay - ((now + kJst) % kDay < 0 ? 1 : 0);
    const std::int64_t weekday = ((localDay + 3) % 7 + 7) % 7; // 1970-01-01 was a Thursday
    return (localDay - weekday) * kDay - kJst;
}

void overdueSection(PageCall& call, View& v, const std::string& mine) {
    const std::string due = nextDueSql();
    Statement count = call.store.db().prepare(
        "SELECT count(*), coalesce(sum(CASE WHEN product IN (SELECT value FROM json_each(?2)) "
        "THEN 1 ELSE 0 END), 0) FROM vcase WHERE " +
        due + " < ?1");
    count.bind(1, call.now).bind(2, mine);
    std::int64_t total = 0;
    std::int64_t mineTotal = 0;
    if (count.step()) {
        total = count.integer(0);
        mineTotal = count.integer(1);
    }
    // A triager's own products first, then the others; each the longest overdue first (the
    // index's order).
    std::vector<Statement> queries;
    for (const char* which : {"IN", "NOT IN"}) {
        queries.push_back(call.store.db().prepare(
            "SELECT id, product, version, title, state, severity, decide_due, inform_due, "
            "fix_due FROM vcase WHERE " +
            due + " < ?1 AND product " + std::string(which) +
            " (SELECT value FROM json_each(?2)) ORDER BY " + due + ", id LIMIT ?3"));
    }
    v.list("overdue");
    int shown = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        Statement& q = queries[i];
        if (i == 0 && mineTotal == 0) {
            continue;
        }
        q.bind(1, call.now).bind(2, mine).bind(3, kOverdueShown - shown);
        while (q.step()) {
            Case c;
            c.id = q.integer(0);
            c.product = q.text(1);
            c.version = q.text(2);
            c.title = q.text(3);
            c.state = parseCaseState(q.text(4)).value_or(CaseState::Received);
            c.severity = q.text(5);
            c.decideDue = q.integer(6);
            c.informDue = q.integer(7);
            c.fixDue = q.integer(8);
            View& row = v.item("overdue");
            row.number("id", c.id);
            row.text("title", c.title.empty() ? call.t("(題名なし)", "(no title)") : c.title);
            row.text("product", c.product);
            row.text("version", c.version);
            row.text("state", stateLabel(call, c.state));
            const std::string severity = c.severity.empty() ? "Unscored" : c.severity;
            row.text("severity", call.t(severityJapanese(severity), severity));
            row.text("sev_class", severityClass(severity));
            row.flag("own", i == 0);
            ++shown;
            std::string clocks;
            for (const std::string& clock : overdueClocks(c, call.now)) {
                const std::int64_t due = clock == "decide"   ? c.decideDue
                                         : clock == "inform" ? c.informDue
                                                             : c.fixDue;
                clocks +=
                    (clocks.empty() ? "" : ", ") + clockLabel(call, clock) + " " + pageTime(due);
            }
            row.text("clocks", clocks);
        }
    }
    v.flag("has_overdue", total > 0);
    v.flag("more_overdue", total > kOverdueShown);
    v.text("overdue_summary",
           total == 0
               ? call.t("期限を過ぎた案件はありません。", "No case is overdue.")
               : call.t("期限を過ぎた案件: " + std::to_string(total) + " 件",
                        std::to_string(total) + " overdue " + (total == 1 ? "case" : "cases")) +
                     (total > kOverdueShown
                          ? call.t(" (先頭の " + std::to_string(kOverdueShown) + " 件)",
                                   " (the first " + std::to_string(kOverdueShown) + ")")
                          : std::string()));
    if (call.principal->user.role == UserRole::Triager) {
        v.object("mine").number("overdue", mineTotal).flag("overdue_any", mineTotal > 0);
    }
}

/// One pass over the open cases (the vcase_state index): by severity, by age and the
/// triager's own.
/// The two aggregates that read every open case and this quarter's matches (~50 ms of CPU on
/// 100k cases) are kept per store file for as long as nothing was recorded: every change of a
/// case or a match is an audit event, so the chain's head sequence number says when they may
/// have changed; the time buckets (age in days, week) are part of the key too. In-memory stores
/// (tests) are not cached.
template <class Value>
class AggregateCache {
public:
    template <class Compute>
    Value get(const PageCall& call, const std::string& key, Compute compute) {
        const std::string& path = call.store.db().path();
        if (path.empty() || path == ":memory:") {
            return compute();
        }
        const std::string full =
            path + '\x1f' + std::to_string(call.store.auditHead().seq) + '\x1f' + key;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (const auto it = values_.find(full); it != values_.end()) {
                return it->second;
            }
        }
        Value value = compute();
        const std::lock_guard<std::mutex> lock(mutex_);
        if (values_.size() >= 64) {
            values_.clear();
        }
        values_.emplace(full, value);
        return value;
    }

private:
    std::mutex mutex_;
    std::map<std::string, Value> values_;
};

struct OpenCounts {
    std::array<std::int64_t, kSeverities.size()> bySeverity{};
    std::array<std::int64_t, 4> byAge{};
    std::int64_t open = 0;
    std::int64_t own = 0;
};

OpenCounts countOpen(PageCall& call, const std::string& mine) {
    OpenCounts c;
    Statement q = call.store.db().prepare(
        "SELECT severity, CASE WHEN (?1 - received_at) / 86400 <= 7 THEN 0 WHEN (?1 - "
        "received_at) / 86400 <= 30 THEN 1 WHEN (?1 - received_at) / 86400 <= 90 THEN 2 ELSE 3 "
        "END AS age, product IN (SELECT value FROM json_each(?2)) AS own, count(*) FROM vcase "
        "WHERE state IN (" +
        stateList(isOpen) + ") GROUP BY 1, 2, 3");
    q.bind(1, call.now).bind(2, mine);
    auto& bySeverity = c.bySeverity;
    auto& byAge = c.byAge;
    std::int64_t& open = c.open;
    std::int64_t& own = c.own;
    while (q.step()) {
        const std::string severity = q.text(0);
        const auto age = static_cast<std::size_t>(q.integer(1));
        const std::int64_t n = q.integer(3);
        std::size_t band = kSeverities.size() - 1; // Unscored, or anything unknown
        for (std::size_t i = 0; i < kSeverities.size(); ++i) {
            if (kSeverities[i] == severity) {
                band = i;
            }
        }
        bySeverity[band] += n;
        byAge[std::min<std::size_t>(age, byAge.size() - 1)] += n;
        open += n;
        own += q.integer(2) != 0 ? n : 0;
    }
    return c;
}

void openSection(PageCall& call, View& v, const std::string& mine, BarChart& ages) {
    static AggregateCache<OpenCounts> cache;
    // Ages are whole days: the key moves with the hour (a case crosses a bucket at most a
    // few hours late on the dashboard; the case pages are exact).
    const OpenCounts c = cache.get(call, mine + '\x1f' + std::to_string(call.now / 3600),
                                   [&] { return countOpen(call, mine); });
    const auto& bySeverity = c.bySeverity;
    const auto& byAge = c.byAge;
    const std::int64_t open = c.open;
    const std::int64_t own = c.own;
    for (std::size_t i = 0; i < kSeverities.size(); ++i) {
        View& row = v.item("by_severity");
        row.text("label", call.t(severityJapanese(kSeverities[i]), kSeverities[i]));
        row.text("sev_class", severityClass(kSeverities[i]));
        row.number("count", bySeverity[i]);
    }
    v.number("open_total", open);
    if (call.principal->user.role == UserRole::Triager) {
        View& m = v.object("mine");
        m.number("open", own);
        m.text("heading", call.t("担当製品", "Your products"));
        m.text("open_label", call.t("未完了の案件", "Open cases"));
        m.text("overdue_label", call.t("期限超過", "Overdue"));
        m.flag("has_products", !call.principal->user.products.empty());
        m.list("products");
        for (const std::string& product : call.principal->user.products) {
            View& p = m.item("products");
            p.text("name", product);
            p.text("encoded", urlEncode(product));
        }
    }
    const std::array<std::string, 4> ageLabels = {
        call.t("0〜7日", "0–7 d"), call.t("8〜30日", "8–30 d"), call.t("31〜90日", "31–90 d"),
        call.t("91日以上", "> 90 d")};
    for (std::size_t i = 0; i < byAge.size(); ++i) {
        ages.bars.push_back({ageLabels[i], byAge[i]});
    }
}

void stateSection(PageCall& call, View& v) {
    std::int64_t total = 0;
    for (const auto& [name, count] : caseCounts(call.store)) {
        const auto state = parseCaseState(name);
        View& row = v.item("by_state");
        row.text("name", name);
        row.text("label", state ? stateLabel(call, *state) : name);
        row.number("count", count);
        row.flag("terminal", state && isTerminal(*state));
        total += count;
    }
    v.number("cases_total", total);
}

/// New matches per week: this week (Monday 00:00 JST on) and the 11 before it.
void matchesChart(PageCall& call, BarChart& chart) {
    const std::int64_t first = weekStart(call.now) - (kWeeks - 1) * kWeek;
    static AggregateCache<std::array<std::int64_t, kWeeks>> cache;
    const auto counts = cache.get(call, std::to_string(first), [&] {
        Statement q = call.store.db().prepare(
            "SELECT (created_at - ?1) / 604800, count(*) FROM match WHERE created_at >= ?1 AND "
            "created_at < ?2 GROUP BY 1");
        q.bind(1, first).bind(2, first + kWeeks * kWeek);
        std::array<std::int64_t, kWeeks> weeks{};
        while (q.step()) {
            const std::int64_t week = q.integer(0);
            if (week >= 0 && week < kWeeks) {
                weeks[static_cast<std::size_t>(week)] = q.integer(1);
            }
        }
        return weeks;
    });
    for (int i = 0; i < kWeeks; ++i) {
        // "2026-11-23 00:00" -> "11/23"
        std::string day = pageTime(first + i * kWeek).substr(5, 5);
        day[2] = '/';
        chart.bars.push_back({day, counts[static_cast<std::size_t>(i)]});
    }
}

std::string ageText(const PageCall& call, std::int64_t seconds) {
    const std::int64_t days = seconds / kDay;
    if (days >= 1) {
        return call.t(std::to_string(days) + " 日", std::to_string(days) + " d");
    }
    const std::int64_t hours = seconds / 3600;
    return call.t(std::to_string(hours) + " 時間", std::to_string(hours) + " h");
}

void sourcesSection(PageCall& call, View& v) {
    v.list("sources");
    for (const SourceInfo& s : call.settings.api.sources) {
        const SourceStateRow state = call.store.sourceState(s.name);
        View& row = v.item("sources");
        row.text("name", s.name);
        row.text("type", s.type);
        std::string status;
        std::string statusClass;
        if (!s.enabled) {
            status = call.t("無効", "disabled");
            statusClass = "off";
        } else if (state.alert == "failing" || state.errorCount > 0) {
            status = call.t("失敗中", "failing");
            statusClass = "bad";
        } else if (state.alert == "silent") {
            status = call.t("新着なし (沈黙)", "silent");
            statusClass = "warn";
        } else if (state.lastSuccess == 0) {
            status = call.t("未取得", "not polled yet");
            statusClass = "off";
        } else {
            status = call.t("正常", "ok");
            statusClass = "ok";
        }
        row.text("status", status);
        row.text("status_class", statusClass);
        row.text("last_success",
                 state.lastSuccess ? pageTime(state.lastSuccess) : call.t("なし", "never"));
        row.number("failures", state.errorCount);
        std::string error = state.lastError;
        if (error.size() > 300) {
            error.resize(300);
            while (!error.empty() && (static_cast<unsigned char>(error.back()) & 0xC0) == 0x80) {
                error.pop_back(); // not in the middle of a UTF-8 sequence
            }
            if (!error.empty() && static_cast<unsigned char>(error.back()) >= 0xC0) {
                error.pop_back();
            }
            error += "…";
        }
        row.text("last_error", error);
        row.text("silence", state.lastNewItem > 0 && call.now > state.lastNewItem
                                ? ageText(call, call.now - state.lastNewItem)
                                : std::string("—"));
        row.text("last_new_item",
                 state.lastNewItem ? pageTime(state.lastNewItem) : call.t("なし", "never"));
    }
    v.flag("has_sources", !call.settings.api.sources.empty());
}

void labels(PageCall& call, View& v) {
    v.text("overdue_heading", call.t("期限を過ぎた案件", "Overdue cases"));
    v.text("all_overdue", call.t("期限を過ぎた案件をすべて見る", "See every overdue case"));
    v.text("col_case", call.t("案件", "Case"));
    v.text("col_title", call.t("題名", "Title"));
    v.text("col_product", call.t("製品", "Product"));
    v.text("col_state", call.t("状態", "State"));
    v.text("col_severity", call.t("深刻度", "Severity"));
    v.text("col_due", call.t("超過した期限", "Overdue clocks"));
    v.text("col_count", call.t("件数", "Count"));
    v.text("counts_heading", call.t("案件の件数", "Cases"));
    v.text("by_state_caption", call.t("状態別 (すべての案件)", "By state (all cases)"));
    v.text("by_severity_caption",
           call.t("深刻度別 (未完了の案件、CVSS の区分)", "By severity (open cases, CVSS band)"));
    v.text("total_label", call.t("合計", "Total"));
    v.text("charts_heading", call.t("推移", "Trends"));
    v.text("sources_heading", call.t("情報源の状態", "Sources"));
    v.text("col_source", call.t("情報源", "Source"));
    v.text("col_type", call.t("種類", "Type"));
    v.text("col_status", call.t("状態", "Status"));
    v.text("col_last_success", call.t("最終成功", "Last success"));
    v.text("col_failures", call.t("連続失敗", "Failures"));
    v.text("col_last_error", call.t("最後のエラー", "Last error"));
    v.text("col_silence", call.t("新着なしの期間", "Silent for"));
    v.text("no_sources", call.t("情報源が設定されていません ([source.NAME])。",
                                "No source is configured ([source.NAME])."));
}

} // namespace

HttpResponse dashboardRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (!rest.empty()) {
        return errorPage(call, 404, call.t("ページがありません", "no such page"));
    }
    if (call.isPost()) {
        HttpResponse r =
            errorPage(call, 405, call.t("このページは表示のみです", "this page is read-only"));
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }
    View v;
    labels(call, v);
    const std::string mine = myProductsJson(call);
    BarChart matches;
    matches.id = "chart-matches";
    matches.title = call.t("週ごとの新しい照合結果 (直近 12 週)", "New matches per week (last 12)");
    matches.description =
        call.t("月曜日に始まる週 (日本時間) ごとに、新しく見つかった照合結果の件数",
               "How many new matches were found in each week (Monday to "
               "Sunday, JST)");
    matches.labelHeader = call.t("週の初日", "Week of");
    matches.valueHeader = call.t("件数", "Count");
    matches.emptyText =
        call.t("この 12 週に新しい照合結果はありません", "No new match in these 12 weeks");
    BarChart ages;
    ages.id = "chart-ages";
    ages.title = call.t("未完了の案件の経過日数", "Open cases by age");
    ages.description = call.t("受付からの日数ごとの未完了の案件数",
                              "How many open cases were received how many days ago");
    ages.labelHeader = call.t("受付からの日数", "Days since received");
    ages.valueHeader = call.t("件数", "Count");
    ages.emptyText = call.t("未完了の案件はありません", "No open case");
    {
        Store::ReadTransaction read(call.store); // one snapshot for every number
        overdueSection(call, v, mine);
        openSection(call, v, mine, ages);
        stateSection(call, v);
        matchesChart(call, matches);
        sourcesSection(call, v);
    }
    v.text("matches_caption", matches.title);
    v.text("ages_caption", ages.title);
    v.html("matches_svg", barChartSvg(matches));
    v.html("matches_table", barChartTable(matches));
    v.html("ages_svg", barChartSvg(ages));
    v.html("ages_table", barChartTable(ages));
    return templatePage(call, call.t("ダッシュボード", "Dashboard"), "dashboard", "dashboard", v);
}

} // namespace vw::web
