// The cases pages (issue 13 part 2; docs/web.md "Pages" → "Cases"): /cases lists the cases
// with their clocks, most urgent first, filtered and paginated as GET /api/v1/cases does;
// /cases/N shows one case with its SSVC priority, components and timeline (its audit events)
// and, for whoever may triage its product, one form per transition the procedure allows from
// its state (core/cases.h). POST /cases/N/transition checks the required fields itself (the
// browser's `required` is a convenience only) and goes through the same case work as the CLI
// and the API (PageSettings::api.transition), so each transition is one audit event naming the
// user.
#include "core/cases.h"
#include "core/ssvc.h"
#include "core/text.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"
#include "web/page_notices.h"
#include "web/page_routes.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace vw::web {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
constexpr std::size_t kMaxOffset = 1'000'000;
/// The longest value one transition field may have (bytes): a field is a sentence or a
/// reference, never a document.
constexpr std::size_t kMaxFieldBytes = 10'000;

struct Label {
    std::string_view key;
    std::string_view ja;
    std::string_view en;
};

/// The transition fields of core/cases.h as the forms label them.
constexpr Label kFieldLabels[] = {
    {"assignee", "担当者", "Assignee"},
    {"note", "メモ", "Note"},
    {"finding", "確認結果", "Finding"},
    {"risk", "リスク", "Risk"},
    {"assessment", "評価内容", "Assessment"},
    {"action", "対応方針", "Action"},
    {"target_version", "修正予定バージョン", "Target version"},
    {"remedy", "対策 (リリース、緩和策の文書など)",
     "Remedy (the release, the mitigation document)"},
    {"fixed_version", "修正済みバージョン", "Fixed version"},
    {"notice", "医療機関への情報提供の記録 (通知の参照番号など)",
     "Notice to the hospitals (its reference)"},
    {"reason", "理由", "Reason"},
    {"justification", "影響なしの根拠 (CSAF/VEX)", "Justification (CSAF/VEX)"},
    {"impact", "影響の説明", "Impact statement"},
    {"expires", "受容期限", "Expires"},
};

/// What a transition to each state means, for the form's heading.
constexpr Label kTransitionMeanings[] = {
    {"confirming", "報告を受け付け、確認する担当者を決めます",
     "Accept the report and name who confirms it"},
    {"evaluating", "製品バージョンが脆弱なコンポーネントを含むかどうかの確認結果を記録します",
     "Record whether and how the product version contains the vulnerable component"},
    {"responding",
     "リスクの評価 (管理されているか) と対応方針 (修正、緩和策、補完的対策) を記録します",
     "Record the risk evaluated (controlled or not) and the response chosen: fix, mitigation "
     "or compensating control"},
    {"informing", "修正または緩和策が用意できました。医療機関へ情報提供します",
     "The fix or mitigation is available; the hospitals are being informed"},
    {"closed", "医療機関への情報提供を終えました", "The hospitals were informed"},
    {"false_positive", "誤検知です (この製品やコンポーネントではありません)",
     "The match is wrong (not this product or component)"},
    {"not_affected", "影響はありません: CSAF/VEX の根拠と影響の説明",
     "Not affected: a CSAF/VEX justification and an impact statement"},
    {"risk_accepted", "期限付きでリスクを受容します", "Accept the risk until an expiry date"},
    {"received", "案件を再開します (受付に戻します)", "Re-open the case (back to received)"},
};

constexpr Label kChoiceLabels[] = {
    {"controlled", "管理されている (controlled)", "controlled"},
    {"uncontrolled", "管理されていない (uncontrolled)", "uncontrolled"},
    {"fix", "修正 (fix)", "fix"},
    {"mitigation", "緩和策 (mitigation)", "mitigation"},
    {"compensating-control", "補完的対策 (compensating-control)", "compensating-control"},
    {"component_not_present", "コンポーネントが含まれない (component_not_present)",
     "component_not_present"},
    {"vulnerable_code_not_present", "脆弱なコードが含まれない (vulnerable_code_not_present)",
     "vulnerable_code_not_present"},
    {"vulnerable_code_cannot_be_controlled_by_adversary",
     "攻撃者が脆弱なコードを制御できない (vulnerable_code_cannot_be_controlled_by_adversary)",
     "vulnerable_code_cannot_be_controlled_by_adversary"},
    {"vulnerable_code_not_in_execute_path",
     "脆弱なコードが実行経路にない (vulnerable_code_not_in_execute_path)",
     "vulnerable_code_not_in_execute_path"},
    {"inline_mitigations_already_exist", "緩和策が組み込み済み (inline_mitigations_already_exist)",
     "inline_mitigations_already_exist"},
};

constexpr Label kClockLabels[] = {
    {"decide", "判断", "Decide"},
    {"inform", "情報提供", "Inform"},
    {"fix", "修正", "Fix"},
};

constexpr Label kEventKinds[] = {
    {"case-open", "開始", "opened"},
    {"case-transition", "遷移", "transition"},
    {"case-reopen", "再開", "re-opened"},
    {"case-ssvc", "SSVC", "SSVC"},
    {"case-breach", "期限超過", "breach"},
    {"case-signal", "シグナル", "signal"},
    {"case-components", "構成の変更", "components"},
};

std::string labelOf(const PageCall& call, const Label* begin, const Label* end,
                    std::string_view key) {
    for (const Label* l = begin; l != end; ++l) {
        if (l->key == key) {
            return call.t(l->ja, l->en);
        }
    }
    return std::string(key);
}

template <std::size_t N>
std::string labelOf(const PageCall& call, const Label (&table)[N], std::string_view key) {
    return labelOf(call, table, table + N, key);
}

std::string stateLabel(const PageCall& call, CaseState state) {
    return call.t(caseStateJapanese(state), caseStateName(state));
}

/// The page's answer with the user for the access log.
HttpResponse forUser(const PageCall& call, HttpResponse r) {
    if (call.principal) {
        r.user = call.principal->user.name;
    }
    return r;
}

/// A case number from the path: digits only, > 0.
std::optional<std::int64_t> caseNumber(std::string_view text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

HttpResponse methodNotAllowed(const PageCall& call, std::string_view allow) {
    HttpResponse r = errorPage(call, 405,
                               call.t("このページでは " + std::string(allow) + " だけが使えます",
                                      "only " + std::string(allow) + " is allowed on this page"));
    r.setHeader("Allow", std::string(allow));
    return r;
}

// --- /cases -------------------------------------------------------------------------------

/// The list's filters as the query gave them (validated).
struct ListQuery {
    std::string product;
    std::string version;
    std::optional<CaseState> state;
    std::string assignee;
    bool open = false;
    bool overdue = false;
    int limit = kDefaultLimit;
    std::size_t offset = 0;
};

/// /cases with `q`'s filters at `offset` (the pager's links keep the filters).
std::string listTarget(const ListQuery& q, std::size_t offset) {
    std::string out;
    const auto add = [&](std::string_view name, std::string_view value) {
        out += (out.empty() ? "?" : "&") + std::string(name) + "=" + urlEncode(value);
    };
    if (!q.product.empty()) {
        add("product", q.product);
    }
    if (!q.version.empty()) {
        add("version", q.version);
    }
    if (q.state) {
        add("state", caseStateName(*q.state));
    }
    if (!q.assignee.empty()) {
        add("assignee", q.assignee);
    }
    if (q.open) {
        add("open", "1");
    }
    if (q.overdue) {
        add("overdue", "1");
    }
    if (q.limit != kDefaultLimit) {
        add("limit", std::to_string(q.limit));
    }
    if (offset > 0) {
        add("offset", std::to_string(offset));
    }
    return "/cases" + out;
}

/// Reads the list's query; the error message (in the page's language) when a value is bad.
std::optional<std::string> readListQuery(const PageCall& call, ListQuery& q) {
    q.product = std::string(trim(call.param("product")));
    q.version = std::string(trim(call.param("version")));
    q.assignee = std::string(trim(call.param("assignee")));
    if (!q.version.empty() && q.product.empty()) {
        return call.t("バージョンで絞り込むには製品も指定してください",
                      "a version filter needs a product too");
    }
    if (const std::string state(trim(call.param("state"))); !state.empty()) {
        q.state = parseCaseState(state);
        if (!q.state) {
            std::string names;
            for (const CaseState s : allCaseStates()) {
                names += (names.empty() ? "" : ", ") + std::string(caseStateName(s));
            }
            return call.t("状態 (state) '" + state + "' はありません。指定できるもの: " + names,
                          "there is no state '" + state + "'; states: " + names);
        }
    }
    for (const auto& [name, flag] : {std::pair<std::string_view, bool*>{"open", &q.open},
                                     std::pair<std::string_view, bool*>{"overdue", &q.overdue}}) {
        const std::string value(trim(call.param(name)));
        if (value.empty() || value == "0" || value == "false") {
            *flag = false;
        } else if (value == "1" || value == "true" || value == "on") {
            *flag = true;
        } else {
            return call.t(std::string(name) + " は 1 か 0 で指定してください ('" + value + "')",
                          std::string(name) + " must be 1 or 0 (not '" + value + "')");
        }
    }
    const auto number = [](const std::string& text, std::size_t& out) {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        return !text.empty() && ec == std::errc() && end == text.data() + text.size();
    };
    if (const std::string limit(trim(call.param("limit"))); !limit.empty()) {
        std::size_t n = 0;
        if (!number(limit, n) || n < 1 || n > static_cast<std::size_t>(kMaxLimit)) {
            return call.t("limit は 1〜" + std::to_string(kMaxLimit) + " の整数です ('" + limit +
                              "')",
                          "limit must be a whole number from 1 to " + std::to_string(kMaxLimit) +
                              " (not '" + limit + "')");
        }
        q.limit = static_cast<int>(n);
    }
    if (const std::string offset(trim(call.param("offset"))); !offset.empty()) {
        if (!number(offset, q.offset) || q.offset > kMaxOffset) {
            return call.t("offset は 0〜" + std::to_string(kMaxOffset) + " の整数です ('" + offset +
                              "')",
                          "offset must be a whole number from 0 to " + std::to_string(kMaxOffset) +
                              " (not '" + offset + "')");
        }
    }
    return std::nullopt;
}

std::string fieldOf(const Case& c, const std::string& name) {
    const auto it = c.fields.find(name);
    return it == c.fields.end() ? std::string() : it->second;
}

/// One clock's cell: its due time while it runs, marked when past due.
void clockCell(const PageCall& call, View& cell, const Case& c, std::string_view clock,
               std::int64_t due, bool runs) {
    const std::vector<std::string> overdue = overdueClocks(c, call.now);
    const bool late = std::find(overdue.begin(), overdue.end(), clock) != overdue.end();
    cell.text("clock", clock);
    cell.text("clock_label", labelOf(call, kClockLabels, clock));
    cell.flag("running", runs && due > 0);
    cell.text("due", pageTime(due));
    cell.flag("overdue", late);
    cell.flag("stopped", !runs || due == 0);
}

/// The product names for the filter's choice (the registry is small: one row per product).
std::vector<std::string> productNames(Store& store) {
    Statement s = store.db().prepare("SELECT name FROM product ORDER BY name");
    std::vector<std::string> names;
    while (s.step()) {
        names.push_back(s.text(0));
    }
    return names;
}

/// listCases for the cases whose `assignee` field is `assignee`: the field is no column
/// listCases filters on, so the same selection and order (caseNextDueSql) in SQL with the
/// field's condition added, cut at filter.limit, then each case read by its id.
std::vector<Case> casesOfAssignee(Store& store, const CaseFilter& filter,
                                  const std::string& assignee) {
    std::string sql = "SELECT id FROM vcase WHERE json_extract(fields, '$.assignee') = ?1";
    std::vector<std::string> binds{assignee};
    if (!filter.product.empty()) {
        binds.push_back(filter.product);
        sql += " AND product = ?" + std::to_string(binds.size());
        if (!filter.version.empty()) {
            binds.push_back(filter.version);
            sql += " AND version = ?" + std::to_string(binds.size());
        }
    }
    if (filter.state) {
        binds.emplace_back(caseStateName(*filter.state));
        sql += " AND state = ?" + std::to_string(binds.size());
    }
    if (filter.openOnly || filter.overdueAt > 0) {
        sql += " AND state NOT IN ('closed', 'false_positive', 'not_affected', 'risk_accepted')";
    }
    if (filter.overdueAt > 0) {
        // A running clock is past due exactly when the earliest running due time is.
        sql += " AND " + std::string(caseNextDueSql()) + " < " + std::to_string(filter.overdueAt);
    }
    sql +=
        " ORDER BY " + std::string(caseNextDueSql()) + ", id LIMIT " + std::to_string(filter.limit);
    Statement s = store.db().prepare(sql);
    for (std::size_t i = 0; i < binds.size(); ++i) {
        s.bind(static_cast<int>(i + 1), binds[i]);
    }
    std::vector<std::int64_t> ids;
    while (s.step()) {
        ids.push_back(s.integer(0));
    }
    std::vector<Case> out;
    for (const std::int64_t id : ids) {
        if (auto c = caseById(store, id)) {
            out.push_back(std::move(*c));
        }
    }
    return out;
}

HttpResponse listPage(PageCall& call) {
    ListQuery q;
    if (const auto problem = readListQuery(call, q)) {
        return forUser(call, errorPage(call, 400, *problem));
    }
    CaseFilter filter;
    filter.product = q.product;
    filter.version = q.version;
    filter.state = q.state;
    filter.openOnly = q.open;
    filter.overdueAt = q.overdue ? call.now : 0;
    filter.limit = static_cast<int>(q.offset) + q.limit + 1; // one more: is there a next page?

    Store::ReadTransaction read(call.store);
    const std::vector<Case> cases = q.assignee.empty()
                                        ? listCases(call.store, filter)
                                        : casesOfAssignee(call.store, filter, q.assignee);
    const std::vector<std::string> products = productNames(call.store);

    View v;
    v.text("l_filters", call.t("絞り込み", "Filters"));
    v.text("l_product", call.t("製品", "Product"));
    v.text("l_version", call.t("バージョン", "Version"));
    v.text("l_state", call.t("状態", "State"));
    v.text("l_assignee", call.t("担当者", "Assignee"));
    v.text("l_any", call.t("すべて", "Any"));
    v.text("l_open", call.t("未完了のみ", "Open cases only"));
    v.text("l_overdue", call.t("期限超過のみ", "Overdue only"));
    v.text("l_apply", call.t("絞り込む", "Apply"));
    v.text("l_clear", call.t("条件を消す", "Clear filters"));
    v.text("l_case", call.t("案件", "Case"));
    v.text("l_vulnerability", call.t("脆弱性", "Vulnerability"));
    v.text("l_ssvc", call.t("SSVC 優先度", "SSVC priority"));
    v.text("l_severity", call.t("深刻度", "Severity"));
    v.text("l_due_decide", call.t("判断期限", "Decide by"));
    v.text("l_due_inform", call.t("情報提供期限", "Inform by"));
    v.text("l_due_fix", call.t("修正期限", "Fix by"));
    v.text("l_overdue_mark", call.t("期限超過", "overdue"));
    v.text("l_stopped", call.t("停止", "stopped"));
    v.text("l_caption", call.t("対応案件 (期限の近い順)", "Cases, most urgent first"));
    v.text("l_none", call.t("条件に合う案件はありません。", "No case matches the filters."));
    v.text("l_pages", call.t("ページ", "Pages"));
    v.text("l_prev", call.t("前のページ", "Previous page"));
    v.text("l_next", call.t("次のページ", "Next page"));
    v.text("f_version", q.version);
    v.text("f_assignee", q.assignee);
    v.flag("f_open", q.open);
    v.flag("f_overdue", q.overdue);
    v.list("products");
    bool productListed = q.product.empty();
    for (const std::string& name : products) {
        View& item = v.item("products");
        item.text("name", name);
        item.flag("selected", name == q.product);
        productListed = productListed || name == q.product;
    }
    if (!productListed) { // a product no longer (or never) registered: still selectable
        View& item = v.item("products");
        item.text("name", q.product);
        item.flag("selected", true);
    }
    for (const CaseState s : allCaseStates()) {
        View& item = v.item("states");
        item.text("name", caseStateName(s));
        item.text("label", stateLabel(call, s));
        item.flag("selected", q.state && *q.state == s);
    }

    const std::size_t end = std::min(cases.size(), q.offset + static_cast<std::size_t>(q.limit));
    v.list("rows");
    for (std::size_t i = q.offset; i < end; ++i) {
        const Case& c = cases[i];
        View& row = v.item("rows");
        row.number("id", c.id);
        row.text("state", caseStateName(c.state));
        row.text("state_label", stateLabel(call, c.state));
        row.text("product", c.product);
        row.text("version", c.version);
        row.text("title", c.title);
        row.text("key", c.clusterKey);
        row.flag("has_key", !c.clusterKey.empty());
        row.text("key_href", "/advisories/" + urlEncode(c.clusterKey));
        row.text("ssvc", c.ssvc.empty() ? "-" : c.ssvc);
        row.text("severity", c.severity.empty() ? "-" : c.severity);
        row.text("assignee", fieldOf(c, "assignee"));
        row.flag("overdue", !overdueClocks(c, call.now).empty());
        clockCell(call, row.item("clocks"), c, "decide", c.decideDue, decideClockRuns(c.state));
        clockCell(call, row.item("clocks"), c, "inform", c.informDue, informClockRuns(c.state));
        clockCell(call, row.item("clocks"), c, "fix", c.fixDue, fixClockRuns(c.state));
    }
    v.flag("has_rows", end > q.offset);
    const std::size_t shown = end > q.offset ? end - q.offset : 0;
    v.text("summary", shown == 0 ? std::string()
                                 : call.t(std::to_string(q.offset + 1) + "〜" +
                                              std::to_string(q.offset + shown) + " 件目",
                                          "cases " + std::to_string(q.offset + 1) + "–" +
                                              std::to_string(q.offset + shown)));
    if (q.offset > 0) {
        const std::size_t back =
            q.offset > static_cast<std::size_t>(q.limit) ? q.offset - q.limit : 0;
        v.object("prev").text("href", listTarget(q, back));
    }
    if (cases.size() > end) {
        v.object("next").text("href", listTarget(q, end));
    }
    return forUser(call, templatePage(call, call.t("対応案件", "Cases"), "cases", "cases_list", v));
}

// --- /cases/N -----------------------------------------------------------------------------

/// A transition form as posted, to show again with what the user typed and what is wrong.
struct Posted {
    std::optional<CaseState> to; // the form posted (none when its `to` is no state)
    std::map<std::string, std::string> values;
    std::set<std::string> invalid; // fields named in the error
    std::string message;
    bool conflict = false; // refused: the case changed after the version the form carried
};

enum class InputKind { Text, TextArea, Date, Select };

InputKind inputKind(std::string_view field) {
    if (field == "risk" || field == "action" || field == "justification") {
        return InputKind::Select;
    }
    if (field == "expires") {
        return InputKind::Date;
    }
    if (field == "assignee" || field == "target_version" || field == "fixed_version") {
        return InputKind::Text;
    }
    return InputKind::TextArea;
}

std::vector<std::string_view> choicesOf(std::string_view field) {
    if (field == "risk") {
        return {"controlled", "uncontrolled"};
    }
    if (field == "action") {
        return responseActions();
    }
    if (field == "justification") {
        return notAffectedJustifications();
    }
    return {};
}

void transitionInput(const PageCall& call, View& input, CaseState to, std::string_view field,
                     bool required, const Posted* posted) {
    const std::string name(field);
    const std::string id = "t-" + std::string(caseStateName(to)) + "-" + name;
    std::string value;
    bool invalid = false;
    if (posted != nullptr && posted->to && *posted->to == to) {
        if (const auto it = posted->values.find(name); it != posted->values.end()) {
            value = it->second;
        }
        invalid = posted->invalid.count(name) > 0;
    }
    const InputKind kind = inputKind(field);
    input.text("name", name);
    input.text("input_id", id);
    input.text("label", labelOf(call, kFieldLabels, field));
    input.text("value", value);
    input.flag("required", required);
    input.flag("invalid", invalid);
    input.flag("is_text", kind == InputKind::Text);
    input.flag("is_textarea", kind == InputKind::TextArea);
    input.flag("is_date", kind == InputKind::Date);
    input.flag("is_select", kind == InputKind::Select);
    input.list("options");
    for (const std::string_view choice : choicesOf(field)) {
        View& option = input.item("options");
        option.text("value", choice);
        option.text("label", labelOf(call, kChoiceLabels, choice));
        option.flag("selected", choice == value);
    }
    std::string hint;
    if (field == "target_version") {
        hint = call.t("対応方針が「修正」のときは必須です", "required when the action is fix");
    } else if (field == "expires") {
        hint = call.t("YYYY-MM-DD。明日以降で、[cases] max_acceptance_days 日以内",
                      "YYYY-MM-DD, after today and at most [cases] max_acceptance_days ahead");
    }
    input.flag("has_hint", !hint.empty());
    input.text("hint", hint);
}

void transitionForms(const PageCall& call, View& v, const Case& c, const Posted* posted) {
    v.list("forms");
    for (const CaseTransitionRule& rule : caseTransitionRules()) {
        if (rule.from != c.state) {
            continue;
        }
        View& form = v.item("forms");
        form.text("to", caseStateName(rule.to));
        form.text("to_label", stateLabel(call, rule.to));
        form.text("meaning", labelOf(call, kTransitionMeanings, caseStateName(rule.to)));
        form.flag("approver", rule.role == CaseRole::Approver);
        form.flag("open", posted != nullptr && posted->to && *posted->to == rule.to);
        form.list("inputs");
        for (const std::string_view field : rule.required) {
            transitionInput(call, form.item("inputs"), rule.to, field, true, posted);
        }
        for (const std::string_view field : rule.optional) {
            transitionInput(call, form.item("inputs"), rule.to, field, false, posted);
        }
    }
}

void ssvcView(const PageCall& call, View& v, const Case& c) {
    v.text("ssvc", c.ssvc.empty() ? call.t("未評価", "not evaluated") : c.ssvc);
    v.flag("has_points", false);
    if (c.ssvcPoints.empty()) {
        return;
    }
    SsvcResult r;
    try {
        r = ssvcFromJson(c.ssvcPoints);
    } catch (const std::invalid_argument&) {
        return; // the decision alone (the points do not read: `cases verify` reports it)
    }
    const auto point = [&](std::string_view ja, std::string_view en, const SsvcPoint& p) {
        View& item = v.item("ssvc_points");
        item.text("label", call.t(ja, en));
        item.text("value", p.value);
        item.text("reason", p.reason);
    };
    v.flag("has_points", true);
    point("悪用状況 (Exploitation)", "Exploitation", r.exploitation);
    point("自動化可能性 (Automatable)", "Automatable", r.automatable);
    point("技術的影響 (Technical impact)", "Technical impact", r.technicalImpact);
    point("使命と安全への影響 (Mission & well-being)", "Mission & well-being", r.mission);
}

/// The form of a triager's SSVC points: each point's choices, the current setting selected
/// ("" = derived from KEV, alerts and CVSS).
void ssvcForm(const PageCall& call, View& v, const Case& c) {
    struct Point {
        std::string_view name, ja, en;
        std::vector<std::string_view> values;
    };
    const Point points[] = {
        {"exploitation", "悪用状況 (Exploitation)", "Exploitation", {"none", "poc", "active"}},
        {"automatable", "自動化可能性 (Automatable)", "Automatable", {"yes", "no"}},
        {"technical_impact",
         "技術的影響 (Technical impact)",
         "Technical impact",
         {"partial", "total"}},
    };
    View& form = v.object("ssvc_form");
    for (const Point& p : points) {
        const auto set = c.fields.find("ssvc_" + std::string(p.name));
        const std::string current = set == c.fields.end() ? std::string() : set->second;
        View& item = form.item("points");
        item.text("name", p.name);
        item.text("label", call.t(p.ja, p.en));
        View& derived = item.item("options");
        derived.text("value", "");
        derived.text("text",
                     call.t("自動 (KEV、注意喚起、CVSS から)", "derived (KEV, alerts, CVSS)"));
        derived.flag("selected", current.empty());
        for (const std::string_view value : p.values) {
            View& option = item.item("options");
            option.text("value", value);
            option.text("text", value);
            option.flag("selected", current == value);
        }
    }
}

void fact(View& v, const std::string& label, const std::string& value, const std::string& href = "",
          const std::string& id = "") {
    View& item = v.item("facts");
    item.text("label", label);
    item.text("value", value);
    item.flag("has_link", !href.empty());
    item.text("href", href);
    item.text("fact_id", id);
    item.flag("has_id", !id.empty());
}

HttpResponse casePage(PageCall& call, const Case& c, const Posted* posted, int status) {
    const bool newestFirst = call.param("order") != "oldest";
    View v;
    v.number("id", c.id);
    v.text("state", caseStateName(c.state));
    // The version the transition forms carry back (expect_version): the id of the case's last
    // event, which every change of the case replaces with a larger one.
    v.number("case_version", c.lastEvent);
    if (posted != nullptr && !posted->message.empty()) {
        View& error = v.object("error");
        error.text("message", posted->message);
        error.flag("conflict", posted->conflict);
    }
    v.text("l_overview", call.t("概要", "Overview"));
    v.text("l_clocks", call.t("期限", "Clocks"));
    v.text("l_clock", call.t("期限の種類", "Clock"));
    v.text("l_due", call.t("期限", "Due"));
    v.text("l_status", call.t("状況", "Status"));
    v.text("l_running", call.t("進行中", "running"));
    v.text("l_stopped", call.t("停止", "stopped"));
    v.text("l_overdue_mark", call.t("期限超過", "overdue"));
    v.text("l_notified", call.t("期限超過を通知済み", "breach notified"));
    v.text("l_ssvc", call.t("SSVC 優先度", "SSVC priority"));
    v.text("l_point", call.t("判断点", "Decision point"));
    v.text("l_value", call.t("値", "Value"));
    v.text("l_reason", call.t("理由", "Reason"));
    v.text("l_components", call.t("該当コンポーネント", "Matched components"));
    v.text("l_no_components",
           call.t("記録されたコンポーネントはありません。", "No components are recorded."));
    v.text("l_fields", call.t("記録された項目", "Recorded fields"));
    v.text("l_field", call.t("項目", "Field"));
    v.text("l_no_fields", call.t("まだ記録された項目はありません。", "No fields recorded yet."));
    v.text("l_timeline", call.t("経過 (監査イベント)", "Timeline (audit events)"));
    v.text("l_time", call.t("日時", "Time"));
    v.text("l_actor", call.t("実施者", "Actor"));
    v.text("l_kind", call.t("種類", "Kind"));
    v.text("l_text", call.t("内容", "Text"));
    v.text("l_evidence", call.t("証跡 (SHA-256)", "Evidence (SHA-256)"));
    v.text("l_order", call.t("並び順", "Order"));
    v.text("l_newest", call.t("新しい順", "Newest first"));
    v.text("l_oldest", call.t("古い順", "Oldest first"));
    v.text("l_transitions", call.t("遷移", "Transitions"));
    v.text("l_required", call.t("必須", "required"));
    v.text("l_choose", call.t("選択してください", "Choose"));
    v.text("l_approver",
           call.t("承認者のみが実施できます ([cases] approvers。設定がなければ誰でも)",
                  "only an approver may do this ([cases] approvers; anyone when none are set)"));
    v.text("l_submit", call.t("遷移する", "Move the case"));
    v.text("l_back", call.t("案件一覧へ", "Back to the cases"));
    v.text("l_ssvc_set", call.t("SSVC の判断点を設定する", "Set the SSVC points"));
    v.text("l_ssvc_submit", call.t("設定する", "Set"));
    v.text("l_ssvc_cli",
           call.t("SSVC の判断点は CLI で設定します:", "The SSVC points are set with the CLI:"));

    // Overview.
    fact(v, call.t("状態", "State"), stateLabel(call, c.state), "", "case-state");
    fact(v, call.t("製品", "Product"), c.product);
    fact(v, call.t("バージョン", "Version"), c.version.empty() ? "-" : c.version);
    fact(v, call.t("件名", "Title"), c.title);
    if (!c.clusterKey.empty()) {
        fact(v, call.t("脆弱性", "Vulnerability"), c.clusterKey,
             "/advisories/" + urlEncode(c.clusterKey), "case-vulnerability");
    } else {
        fact(v, call.t("脆弱性", "Vulnerability"),
             call.t("(手動で開いた案件: 脆弱性情報との関連なし)",
                    "(opened by hand: no stored vulnerability)"));
    }
    fact(v, call.t("深刻度", "Severity"), c.severity.empty() ? "-" : c.severity);
    fact(v, call.t("起点", "Origin"), c.origin);
    if (c.inheritedFrom != 0) {
        fact(v, call.t("判断の継承元", "Inherited from"), "#" + std::to_string(c.inheritedFrom),
             "/cases/" + std::to_string(c.inheritedFrom), "case-inherited-from");
    }
    if (!c.risk.empty()) {
        fact(v, call.t("リスク", "Risk"), labelOf(call, kChoiceLabels, c.risk));
    }
    fact(v, call.t("受付日時", "Received"), pageTime(c.receivedAt));
    if (c.decidedAt != 0) {
        fact(v, call.t("判断日時", "Decided"), pageTime(c.decidedAt));
    }
    if (!c.reopenReason.empty()) {
        fact(v, call.t("再開の理由", "Re-open reason"), c.reopenReason);
    }
    fact(v, call.t("開始", "Opened"), pageTime(c.openedAt));
    // Who changed it last, and where (the event numbered c.lastEvent).
    std::vector<CaseEventRow> events = caseEvents(call.store, c.id);
    std::string lastBy;
    for (const CaseEventRow& e : events) {
        if (e.seq == c.lastEvent) {
            lastBy = actorAtSite(e);
        }
    }
    fact(v, call.t("最終更新", "Last updated"),
         pageTime(c.updatedAt) +
             (lastBy.empty() ? std::string() : call.t(" (" + lastBy + ")", " by " + lastBy)),
         "", "case-last-change");

    // Clocks.
    const std::vector<std::string> late = overdueClocks(c, call.now);
    const auto clock = [&](std::string_view name, std::int64_t due, bool runs) {
        View& item = v.item("clocks");
        const bool overdue = std::find(late.begin(), late.end(), name) != late.end();
        item.text("clock", name);
        item.text("clock_label", labelOf(call, kClockLabels, name));
        item.text("due", due == 0 ? call.t("なし", "none") : pageTime(due));
        item.flag("overdue", overdue);
        item.flag("running", runs && due > 0 && !overdue);
        item.flag("stopped", !runs || due == 0);
        item.flag("notified",
                  std::find(c.breached.begin(), c.breached.end(), name) != c.breached.end());
    };
    clock("decide", c.decideDue, decideClockRuns(c.state));
    clock("inform", c.informDue, informClockRuns(c.state));
    clock("fix", c.fixDue, fixClockRuns(c.state));

    ssvcView(call, v, c);

    const std::vector<std::string> components = caseComponents(c);
    v.flag("has_components", !components.empty());
    for (const std::string& component : components) {
        v.item("components").text("text", component);
    }
    v.flag("has_fields", !c.fields.empty());
    for (const auto& [name, value] : c.fields) {
        View& item = v.item("fields");
        item.text("label", labelOf(call, kFieldLabels, name));
        item.text("name", name);
        item.text("value", name == "risk" || name == "action" || name == "justification"
                               ? labelOf(call, kChoiceLabels, value)
                               : value);
    }

    // Timeline.
    if (newestFirst) {
        std::reverse(events.begin(), events.end());
    }
    v.flag("newest_first", newestFirst);
    v.text("order_newest_href", "/cases/" + std::to_string(c.id) + "#timeline");
    v.text("order_oldest_href", "/cases/" + std::to_string(c.id) + "?order=oldest#timeline");
    v.list("events");
    for (const CaseEventRow& e : events) {
        View& item = v.item("events");
        item.number("seq", e.seq);
        item.text("time", pageTime(e.at));
        item.text("actor", e.actor);
        item.text("site", e.site);
        item.flag("has_site", !e.site.empty());
        item.text("kind", e.kind);
        item.text("kind_label", labelOf(call, kEventKinds, e.kind));
        item.text("text", e.text);
        // The fields a transition recorded ("f.NAME" details): what was decided, on what
        // grounds.
        bool recorded = false;
        for (const auto& [name, value] : e.details) {
            if (name.rfind("f.", 0) == 0) {
                View& field = item.item("event_fields");
                field.text("label", labelOf(call, kFieldLabels, name.substr(2)));
                field.text("value", value);
                recorded = true;
            }
        }
        item.flag("has_event_fields", recorded);
        item.list("evidence");
        for (const std::string& hash : e.evidence) {
            item.item("evidence").text("hash", hash);
        }
    }

    // Transitions and SSVC points: only for whoever may triage the product.
    const User& user = call.principal->user;
    const bool may = mayTriage(user, c.product);
    if (may && call.settings.api.ssvc) {
        ssvcForm(call, v, c);
    }
    v.flag("may_transition", may);
    if (may) {
        transitionForms(call, v, c, posted);
    } else {
        v.text("no_forms", user.role == UserRole::Viewer
                               ? call.t("閲覧者 (viewer) は案件を遷移できません。",
                                        "A viewer cannot move cases.")
                               : call.t("製品 " + c.product + " の担当ではないため遷移できません。",
                                        "You do not triage product " + c.product +
                                            ", so you cannot move "
                                            "this case."));
    }
    noticesView(call, v, c); // hospital notices of the case's group (web/page_notices.cpp)
    const std::string title = call.t("案件", "Case") + " #" + std::to_string(c.id) + " " + c.title;
    return forUser(call, templatePage(call, title, "cases", "cases_show", v, status));
}

// What a 409 says was not recorded.
constexpr const char* kTransitionJa = "送信された遷移は記録していません";
constexpr const char* kTransitionEn = "Your transition was not recorded";
constexpr const char* kSsvcJa = "送信された SSVC の判断点は記録していません";
constexpr const char* kSsvcEn = "Your SSVC points were not recorded";

HttpResponse caseNotFound(const PageCall& call, std::int64_t id) {
    return forUser(call, errorPage(call, 404,
                                   call.t("案件 " + std::to_string(id) + " はありません",
                                          "there is no case " + std::to_string(id))));
}

HttpResponse showCase(PageCall& call, std::int64_t id) {
    Store::ReadTransaction read(call.store);
    const std::optional<Case> c = caseById(call.store, id);
    if (!c) {
        return caseNotFound(call, id);
    }
    return casePage(call, *c, nullptr, 200);
}

/// The case page again with the form as posted and what is wrong with it.
HttpResponse refusedPage(PageCall& call, std::int64_t id, Posted& posted, int status) {
    Store::ReadTransaction read(call.store);
    const std::optional<Case> now = caseById(call.store, id);
    if (!now) {
        return caseNotFound(call, id);
    }
    return casePage(call, *now, &posted, status);
}

/// 409: the case changed after the version the form carried. The page as the case is now,
/// saying who changed it, where and when (its last event); nothing was written. `notRecorded`
/// says what was not recorded ("送信された遷移は記録していません" / "Your transition was not
/// recorded").
HttpResponse conflictPage(PageCall& call, std::int64_t id, Posted& posted,
                          const std::string& notRecordedJa, const std::string& notRecordedEn) {
    Store::ReadTransaction read(call.store);
    const std::optional<Case> now = caseById(call.store, id);
    if (!now) {
        return caseNotFound(call, id);
    }
    const std::optional<CaseEventRow> last = lastCaseChange(call.store, *now);
    posted.conflict = true;
    posted.message = staleViewPageText(call, last, now->updatedAt, "この案件", "this case",
                                       stateLabel(call, now->state), notRecordedJa, notRecordedEn);
    return casePage(call, *now, &posted, 409);
}

/// The version a triage form carried (`expect_version`) into `seen` (0 when the form has
/// none: not checked); a refusal (422 naming the field) for anything but a positive number.
std::optional<HttpResponse> formVersion(PageCall& call, std::int64_t id, Posted& posted,
                                        std::int64_t& seen) {
    seen = 0;
    if (const std::string text(trim(call.field("expect_version"))); !text.empty()) {
        const auto version = caseNumber(text);
        if (!version) {
            posted.message = call.t("expect_version は案件の版 (正の整数) です ('" + text + "')",
                                    "expect_version is the case's version, a positive number "
                                    "(not '" +
                                        text + "')");
            return forUser(call, refusedPage(call, id, posted, 422));
        }
        seen = *version;
    }
    return std::nullopt;
}

/// What every triage form post (a transition, SSVC points) checks first: the form's CSRF token
/// (the router checked it for decoded forms; a post that is no form has none, so it is refused
/// here) and that the case exists, read as it is now into `before`. The refusal, or nullopt.
std::optional<HttpResponse> openTriagePost(PageCall& call, std::int64_t id,
                                           std::optional<Case>& before) {
    if (!call.csrfValid(call.field("csrf"))) {
        return forUser(call,
                       errorPage(call, 403,
                                 call.t("フォームの確認トークンがありません。ページを開き直して"
                                        "ください",
                                        "the form's CSRF token is missing; reload the page")));
    }
    {
        Store::ReadTransaction read(call.store);
        before = caseById(call.store, id);
    }
    if (!before) {
        return caseNotFound(call, id);
    }
    return std::nullopt;
}

HttpResponse postTransition(PageCall& call, std::int64_t id) {
    std::optional<Case> before;
    if (std::optional<HttpResponse> refused = openTriagePost(call, id, before)) {
        return *refused;
    }
    const User& user = call.principal->user;
    if (!mayTriage(user, before->product)) {
        return forUser(call, errorPage(call, 403,
                                       user.role == UserRole::Viewer
                                           ? call.t("閲覧者 (viewer) は案件を遷移できません",
                                                    "a viewer cannot move cases")
                                           : call.t(user.name + " は製品 " + before->product +
                                                        " の担当ではないため遷移できません",
                                                    user.name + " does not triage product " +
                                                        before->product)));
    }
    const std::string toText(trim(call.field("to")));
    const std::optional<CaseState> to = parseCaseState(toText);
    Posted posted;
    if (!to) {
        posted.message = call.t("遷移先の状態 (to) '" + toText + "' はありません",
                                "there is no state '" + toText + "' to move to");
        return forUser(call, refusedPage(call, id, posted, 422));
    }
    posted.to = *to;
    // The version of the case the form was made from (a form without one is not checked).
    std::int64_t seen = 0;
    if (std::optional<HttpResponse> bad = formVersion(call, id, posted, seen)) {
        return *bad;
    }
    if (seen != 0 && seen != before->lastEvent) {
        // Changed since the page was made: nothing is written; the page as it is now, with what
        // the user typed kept for the form (when that transition is still possible).
        for (const Label& label : kFieldLabels) {
            if (const std::string value(trim(call.field(label.key))); !value.empty()) {
                posted.values[std::string(label.key)] = value;
            }
        }
        return forUser(call, conflictPage(call, id, posted, kTransitionJa, kTransitionEn));
    }
    const CaseTransitionRule* rule = findTransitionRule(before->state, *to);
    std::map<std::string, std::string> fields;
    std::vector<std::string_view> missing;
    if (rule != nullptr) {
        std::vector<std::string_view> names = rule->required;
        names.insert(names.end(), rule->optional.begin(), rule->optional.end());
        for (const std::string_view name : names) {
            const std::string value(trim(call.field(name)));
            posted.values[std::string(name)] = value;
            if (!value.empty()) {
                fields[std::string(name)] = value;
            }
        }
        for (const std::string_view name : rule->required) {
            if (!fields.count(std::string(name))) {
                missing.push_back(name);
            }
        }
        if (*to == CaseState::Responding && posted.values["action"] == "fix" &&
            !fields.count("target_version")) {
            missing.push_back("target_version");
        }
    }
    if (rule == nullptr) {
        posted.message = call.t("この案件は現在「" + stateLabel(call, before->state) +
                                    "」です。ここから「" + stateLabel(call, *to) +
                                    "」へは遷移できません (ほかの人が先に遷移したかもしれません)",
                                "this case is now " + stateLabel(call, before->state) +
                                    "; it cannot move from there to " + stateLabel(call, *to) +
                                    " (someone may have moved it meanwhile)");
        return forUser(call, refusedPage(call, id, posted, 409));
    }
    if (!missing.empty()) {
        std::string ja;
        std::string en;
        for (const std::string_view name : missing) {
            posted.invalid.insert(std::string(name));
            const Label* label = std::find_if(std::begin(kFieldLabels), std::end(kFieldLabels),
                                              [&](const Label& l) { return l.key == name; });
            const std::string jaName =
                label != std::end(kFieldLabels) ? std::string(label->ja) : std::string(name);
            const std::string enName =
                label != std::end(kFieldLabels) ? std::string(label->en) : std::string(name);
            ja += (ja.empty() ? "" : "、") + ("「" + jaName + "」(" + std::string(name) + ")");
            en += (en.empty() ? "" : ", ") + ("\"" + enName + "\" (" + std::string(name) + ")");
        }
        posted.message =
            call.t("必須項目 " + ja + " を入力してください",
                   "the required field" + std::string(missing.size() > 1 ? "s " : " ") + en +
                       (missing.size() > 1 ? " are" : " is") + " missing");
        return forUser(call, refusedPage(call, id, posted, 422));
    }
    for (const auto& [name, value] : fields) {
        if (value.size() > kMaxFieldBytes) {
            posted.invalid.insert(name);
            posted.message =
                call.t(labelOf(call, kFieldLabels, name) + " (" + name + ") は " +
                           std::to_string(kMaxFieldBytes) + " バイトまでです",
                       labelOf(call, kFieldLabels, name) + " (" + name + ") may have at most " +
                           std::to_string(kMaxFieldBytes) + " bytes");
            return forUser(call, refusedPage(call, id, posted, 422));
        }
    }
    if (!call.settings.api.transition) {
        return forUser(call, errorPage(call, 503,
                                       call.t("このサーバでは遷移を扱えません",
                                              "transitions are not available on this server")));
    }
    const TransitionOutcome outcome =
        call.settings.api.transition(call.store, id, *to, user.name, fields, call.now, seen);
    if (outcome.conflict) {
        return forUser(call, conflictPage(call, id, posted, kTransitionJa, kTransitionEn));
    }
    if (!outcome.done) {
        posted.message = outcome.refused;
        return forUser(call, refusedPage(call, id, posted, 422));
    }
    return forUser(call, redirect("/cases/" + std::to_string(id)));
}

/// POST /cases/N/ssvc: a triager's SSVC points, through setCaseSsvc (one case-ssvc event
/// naming the user, the priority evaluated again at once).
HttpResponse postSsvc(PageCall& call, std::int64_t id) {
    std::optional<Case> before;
    if (std::optional<HttpResponse> refused = openTriagePost(call, id, before)) {
        return *refused;
    }
    const User& user = call.principal->user;
    if (!mayTriage(user, before->product) || !call.settings.api.ssvc) {
        return forUser(call, errorPage(call, 403,
                                       call.t("この案件の SSVC の判断点は設定できません",
                                              "you cannot set this case's SSVC points")));
    }
    std::map<std::string, std::string> points;
    for (const char* name : {"exploitation", "automatable", "technical_impact"}) {
        for (const auto& [key, value] : call.form) {
            if (key == name) {
                points[name] = std::string(trim(value));
            }
        }
    }
    Posted posted;
    if (points.empty()) {
        posted.message = call.t("判断点が送られていません", "no SSVC point was sent");
        return forUser(call, refusedPage(call, id, posted, 422));
    }
    // The case's version the form was made from, as for a transition.
    std::int64_t seen = 0;
    if (std::optional<HttpResponse> bad = formVersion(call, id, posted, seen)) {
        return *bad;
    }
    if (seen != 0 && seen != before->lastEvent) {
        return forUser(call, conflictPage(call, id, posted, kSsvcJa, kSsvcEn));
    }
    const TransitionOutcome outcome =
        call.settings.api.ssvc(call.store, id, user.name, points, call.now, seen);
    if (outcome.conflict) {
        return forUser(call, conflictPage(call, id, posted, kSsvcJa, kSsvcEn));
    }
    if (!outcome.done) {
        posted.message = outcome.refused;
        return forUser(call, refusedPage(call, id, posted, 422));
    }
    return forUser(call, redirect("/cases/" + std::to_string(id) + "#h-ssvc"));
}

} // namespace

std::string staleViewPageText(const PageCall& call, const std::optional<CaseEventRow>& change,
                              std::int64_t changedAt, const std::string& whatJa,
                              const std::string& whatEn, const std::string& state,
                              const std::string& notRecordedJa, const std::string& notRecordedEn) {
    // "(bob @ Osaka)", or nothing when the chain does not have the event.
    const std::string who = change ? " (" + actorAtSite(*change) + ")" : std::string();
    const std::string when = pageTime(change ? change->at : changedAt);
    return call.t("このページを開いた後に、ほかの人" + who + "が " + when + " に" + whatJa +
                      "を変更しました。現在の状態は「" + state + "」です。" + notRecordedJa +
                      "。下に表示した現在の内容を確認し、必要ならもう一度送信"
                      "してください。",
                  "Someone else" + who + " changed " + whatEn + " at " + when +
                      " after you opened this page; it is now " + state + ". " + notRecordedEn +
                      ". Check the case as it is now below and send again if it "
                      "still applies.");
}

HttpResponse caseConflictPage(PageCall& call, std::int64_t caseId, const std::string& message) {
    Store::ReadTransaction read(call.store);
    const std::optional<Case> now = caseById(call.store, caseId);
    if (!now) {
        return caseNotFound(call, caseId);
    }
    Posted posted;
    posted.conflict = true;
    posted.message = message;
    return casePage(call, *now, &posted, 409);
}

HttpResponse casesRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (rest.empty()) {
        if (call.isPost()) {
            return forUser(call, methodNotAllowed(call, "GET"));
        }
        return listPage(call);
    }
    const std::optional<std::int64_t> id = caseNumber(rest[0]);
    if (!id || rest.size() > 2 ||
        (rest.size() == 2 && rest[1] != "transition" && rest[1] != "ssvc" &&
         rest[1] != "notices")) {
        return forUser(call, errorPage(call, 404,
                                       call.t("そのような案件のページはありません (/cases/番号)",
                                              "no such case page (/cases/NUMBER)")));
    }
    if (rest.size() == 2) {
        if (!call.isPost()) {
            return forUser(call, methodNotAllowed(call, "POST"));
        }
        if (rest[1] == "notices") {
            return postNotice(call, *id);
        }
        return rest[1] == "ssvc" ? postSsvc(call, *id) : postTransition(call, *id);
    }
    if (call.isPost()) {
        return forUser(call, methodNotAllowed(call, "GET"));
    }
    return showCase(call, *id);
}

} // namespace vw::web
