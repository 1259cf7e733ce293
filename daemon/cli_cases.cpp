// `vulnwatch cases list|show|transition|open|ssvc|verify` (issue 12 parts 1, 5 and 6): the
// cases of the handling procedure (docs/cases.md). No command deletes a case or an event.
#include "config/config.h"
#include "core/calendar.h"
#include "core/cases.h"
#include "core/json_writer.h"
#include "core/ssvc.h"
#include "core/text.h"
#include "daemon/cases.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/cases.h"

#include <charconv>
#include <set>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "cases list [--product P [--version V]] [--state S] [--open] [--overdue] [--limit N] "
    "[--json] | cases show ID [--json] | cases transition ID STATE --by NAME [--expect-version N] "
    "[--FIELD VALUE]... "
    "| cases open --product P [--version V] --title T --by NAME [--id VULN-ID]... "
    "[--severity S] | cases ssvc ID --by NAME [--expect-version N] [--exploitation "
    "none|poc|active] [--automatable "
    "yes|no] [--technical-impact partial|total] | cases verify";

Routing routingFor(const Context& ctx) {
    const std::optional<Config> config = maybeConfig(ctx, false);
    return config ? Routing(*config) : Routing();
}

std::unique_ptr<Store> storeOf(const Context& ctx) {
    return openStore(ctx, maybeConfig(ctx, false));
}

std::string stateText(CaseState s) {
    return std::string(caseStateName(s)) + " (" + std::string(caseStateJapanese(s)) + ")";
}

std::string dueText(std::int64_t t) {
    return t == 0 ? std::string("-") : formatTime(t);
}

void writeCaseJson(JsonWriter& w, const Case& c, std::int64_t now) {
    w.beginObject();
    w.key("id").value(static_cast<long long>(c.id));
    w.key("state").value(caseStateName(c.state));
    w.key("state_ja").value(caseStateJapanese(c.state));
    w.key("product").value(c.product).key("version").value(c.version);
    w.key("title").value(c.title);
    w.key("cluster_key").value(c.clusterKey);
    w.key("origin").value(c.origin);
    w.key("inherited_from");
    if (c.inheritedFrom != 0) {
        w.value(static_cast<long long>(c.inheritedFrom));
    } else {
        w.null();
    }
    w.key("severity").value(c.severity);
    w.key("received_at").value(formatTime(c.receivedAt));
    w.key("due").beginObject();
    w.key("decide").value(dueText(c.decideDue));
    w.key("inform").value(dueText(c.informDue));
    w.key("fix").value(dueText(c.fixDue));
    w.endObject();
    const auto [next, clock] = nextDue(c);
    w.key("next_due").value(dueText(next)).key("next_clock").value(clock);
    w.key("overdue").stringArray(overdueClocks(c, now));
    w.key("decided_at").value(dueText(c.decidedAt));
    w.key("risk").value(c.risk);
    w.key("ssvc");
    if (c.ssvcPoints.empty()) {
        w.null();
    } else {
        w.raw(c.ssvcPoints);
    }
    w.key("fields").beginObject();
    for (const auto& [name, value] : c.fields) {
        w.key(name).value(value);
    }
    w.endObject();
    w.key("components").stringArray(caseComponents(c));
    w.key("reopen_reason").value(c.reopenReason);
    w.key("notified").stringArray(c.breached);
    w.key("opened_at").value(formatTime(c.openedAt));
    w.key("updated_at").value(formatTime(c.updatedAt));
    // The case's version (the id of its last event), as --expect-version takes it.
    w.key("last_event").value(static_cast<long long>(c.lastEvent));
    w.endObject();
}

std::string ssvcShort(const Case& c) {
    return c.ssvc.empty() ? std::string("-") : c.ssvc;
}

int list(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides the options (" + std::string(kUsage) + ")");
    CaseFilter filter;
    filter.product = opt.get("product");
    filter.version = opt.get("version");
    if (!filter.version.empty() && filter.product.empty()) {
        throw UsageError("--version needs --product");
    }
    if (opt.has("state")) {
        filter.state = parseCaseState(opt.get("state"));
        if (!filter.state) {
            std::string names;
            for (const CaseState s : allCaseStates()) {
                names += (names.empty() ? "" : ", ") + std::string(caseStateName(s));
            }
            throw UsageError("--state must be one of " + names + ", not '" + opt.get("state") +
                             "'");
        }
    }
    filter.openOnly = opt.has("open");
    const std::int64_t now = unixNow();
    if (opt.has("overdue")) {
        filter.overdueAt = now;
    }
    if (opt.has("limit")) {
        const std::string text = opt.get("limit");
        const auto [end, error] =
            std::from_chars(text.data(), text.data() + text.size(), filter.limit);
        if (error != std::errc() || end != text.data() + text.size() || filter.limit <= 0) {
            throw UsageError("--limit must be a positive number, not '" + text + "'");
        }
    }
    auto store = storeOf(ctx);
    const std::vector<Case> cases = listCases(*store, filter);
    if (opt.has("json")) {
        for (const Case& c : cases) {
            JsonWriter w;
            writeCaseJson(w, c, now);
            ctx.out << w.str() << "\n";
        }
        return kExitOk;
    }
    for (const Case& c : cases) {
        const auto [due, clock] = nextDue(c);
        const auto overdue = overdueClocks(c, now);
        ctx.out << "#" << c.id << "  " << stateText(c.state) << "  " << terminalSafe(c.product)
                << (c.version.empty() ? "" : " " + terminalSafe(c.version)) << "  "
                << terminalSafe(c.clusterKey.empty() ? "(manual)" : c.clusterKey) << "  SSVC "
                << ssvcShort(c);
        if (due != 0) {
            ctx.out << "  " << clock << " due " << formatTime(due)
                    << (overdue.empty() ? "" : "  OVERDUE (期限超過)");
        }
        if (c.inheritedFrom != 0) {
            ctx.out << "  inherited from #" << c.inheritedFrom;
        }
        ctx.out << "\n    " << terminalSafe(c.title) << "\n";
    }
    if (cases.empty()) {
        ctx.out << "no cases (案件はありません)\n";
    }
    return kExitOk;
}

int show(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "a case number: cases show ID [--json]");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "case");
    auto store = storeOf(ctx);
    const std::optional<Case> c = caseById(*store, id);
    if (!c) {
        ctx.err << "vulnwatch: there is no case " << id << " (案件 " << id << " はありません)\n";
        return kExitFailure;
    }
    const std::int64_t now = unixNow();
    const std::vector<CaseEventRow> events = caseEvents(*store, id);
    if (opt.has("json")) {
        JsonWriter w;
        writeCaseJson(w, *c, now);
        std::string json = w.str();
        json.pop_back(); // reopen the object for the history
        JsonWriter h;
        h.beginArray();
        for (const CaseEventRow& e : events) {
            h.beginObject().key("seq").value(static_cast<long long>(e.seq));
            h.key("time").value(formatTime(e.at)).key("kind").value(e.kind);
            h.key("actor").value(e.actor).key("site").value(e.site);
            h.key("text").value(e.text);
            h.key("evidence").stringArray(e.evidence);
            h.key("details").beginObject();
            for (const auto& [name, value] : e.details) {
                h.key(name).value(value);
            }
            h.endObject().endObject();
        }
        h.endArray();
        ctx.out << json << ",\"events\":" << h.str() << "}\n";
        return kExitOk;
    }
    std::ostream& out = ctx.out;
    out << "案件 (case) #" << c->id << ": " << terminalSafe(c->title) << "\n";
    out << "  状態 state:        " << stateText(c->state) << "\n";
    out << "  製品 product:      " << terminalSafe(c->product)
        << (c->version.empty() ? "" : " " + terminalSafe(c->version)) << "\n";
    out << "  脆弱性 cluster:    " << (c->clusterKey.empty() ? "-" : c->clusterKey) << "\n";
    out << "  起票 origin:       " << c->origin;
    if (c->inheritedFrom != 0) {
        out << " (inherited from case #" << c->inheritedFrom << ", 判断を引継ぎ)";
    }
    out << "\n  深刻度 severity:   " << c->severity << "\n";
    out << "  受付 received:     " << formatTime(c->receivedAt) << "\n";
    const auto overdue = overdueClocks(*c, now);
    const auto clockLine = [&](const char* label, const char* name, std::int64_t due, bool runs) {
        out << label << dueText(due);
        if (due != 0 && !runs) {
            out << " (done / 完了)";
        } else if (std::find(overdue.begin(), overdue.end(), name) != overdue.end()) {
            out << " OVERDUE (期限超過)";
        }
        out << "\n";
    };
    clockLine("  判断期限 decide:   ", "decide", c->decideDue, decideClockRuns(c->state));
    clockLine("  情報提供 inform:   ", "inform", c->informDue, informClockRuns(c->state));
    clockLine("  修正期限 fix:      ", "fix", c->fixDue, fixClockRuns(c->state));
    if (!c->risk.empty()) {
        out << "  リスク risk:       " << c->risk << "\n";
    }
    out << "  SSVC:              " << ssvcShort(*c) << "\n";
    if (!c->ssvcPoints.empty()) {
        try {
            const SsvcResult r = ssvcFromJson(c->ssvcPoints);
            const auto point = [&](const char* label, const SsvcPoint& p) {
                out << "    " << label << p.value << " — " << terminalSafe(p.reason) << "\n";
            };
            point("exploitation (悪用状況):           ", r.exploitation);
            point("automatable (自動化可能性):        ", r.automatable);
            point("technical impact (技術的影響):     ", r.technicalImpact);
            point("mission & well-being (安全への影響): ", r.mission);
        } catch (const std::exception& e) {
            out << "    (unreadable SSVC points: " << e.what() << ")\n";
        }
    }
    if (!c->components.empty()) {
        out << "  構成品 components: ";
        std::string comps = c->components;
        std::replace(comps.begin(), comps.end(), '\n', ' ');
        out << terminalSafe(comps) << "\n";
    }
    for (const auto& [name, value] : c->fields) {
        out << "  " << terminalSafe(name) << ": " << terminalSafe(value) << "\n";
    }
    if (!c->reopenReason.empty()) {
        out << "  再開理由 re-opened: " << terminalSafe(c->reopenReason) << "\n";
    }
    out << "  版 version:        " << c->lastEvent << " (--expect-version)\n";
    out << "\n履歴 (history, audit events):\n";
    for (const CaseEventRow& e : events) {
        out << "  #" << e.seq << "  " << formatTime(e.at) << "  " << e.kind
            << (e.actor.empty() ? "" : "  by " + terminalSafe(actorAtSite(e))) << "\n";
        out << "      " << terminalSafe(e.text) << "\n";
    }
    return kExitOk;
}

/// Every field name of the transition table, with '-' spellings too.
std::map<std::string, bool> transitionOptions() {
    std::map<std::string, bool> known{
        {"by", true}, {"field", true}, {"json", false}, {"expect-version", true}};
    for (const CaseTransitionRule& rule : caseTransitionRules()) {
        for (const auto* list : {&rule.required, &rule.optional}) {
            for (const std::string_view name : *list) {
                std::string n(name);
                known[n] = true;
                std::replace(n.begin(), n.end(), '_', '-');
                known[n] = true;
            }
        }
    }
    return known;
}

int transition(Context& ctx, const std::vector<std::string>& args) {
    const Options opt(args, transitionOptions());
    opt.expectPositional(2, 2,
                         "cases transition ID STATE --by NAME [--expect-version N] "
                         "[--FIELD VALUE]...");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "case");
    const std::optional<CaseState> to = parseCaseState(opt.positional()[1]);
    if (!to) {
        std::string names;
        for (const CaseState s : allCaseStates()) {
            names += (names.empty() ? "" : ", ") + std::string(caseStateName(s));
        }
        throw UsageError("unknown state '" + opt.positional()[1] + "' (states: " + names + ")");
    }
    std::map<std::string, std::string> fields;
    for (const auto& [name, takesValue] : transitionOptions()) {
        if (name == "by" || name == "field" || name == "json" || name == "expect-version" ||
            !opt.has(name)) {
            continue;
        }
        std::string n = name;
        std::replace(n.begin(), n.end(), '-', '_');
        fields[n] = opt.get(name);
    }
    for (const std::string& f : opt.all("field")) {
        const auto eq = f.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw UsageError("--field takes NAME=VALUE, not '" + f + "'");
        }
        std::string n = f.substr(0, eq);
        std::replace(n.begin(), n.end(), '-', '_');
        fields[n] = f.substr(eq + 1);
    }
    // The case's version the caller saw (`cases show`: version; JSON: last_event): refused,
    // nothing written, when the case changed since.
    const std::int64_t expectVersion = expectVersionOption(opt, "the case's", "cases show");
    const Routing routing = routingFor(ctx);
    auto store = storeOf(ctx);
    try {
        const Case c = transitionCase(*store, routing, id, *to, opt.get("by"), fields, unixNow(),
                                      expectVersion);
        if (opt.has("json")) {
            JsonWriter w;
            writeCaseJson(w, c, unixNow());
            ctx.out << w.str() << "\n";
        } else {
            ctx.out << "case #" << c.id << " is now " << stateText(c.state) << " (event #"
                    << c.lastEvent << ", at site " << terminalSafe(caseSite(routing)) << ")\n";
        }
    } catch (const CaseRefused& e) {
        ctx.err << "vulnwatch: " << e.what() << "\n";
        return kExitFailure;
    }
    return kExitOk;
}

int open(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "cases open --product P [--version V] --title T --by NAME");
    if (!opt.has("product")) {
        throw UsageError("cases open needs --product P (and --version V for a versioned one)");
    }
    const Routing routing = routingFor(ctx);
    auto store = storeOf(ctx);
    try {
        const Case c = openManualCase(*store, routing, opt.get("product"), opt.get("version"),
                                      opt.get("title"), opt.get("by"), opt.all("id"),
                                      opt.get("severity"), unixNow());
        if (opt.has("json")) {
            JsonWriter w;
            writeCaseJson(w, c, unixNow());
            ctx.out << w.str() << "\n";
        } else {
            ctx.out << "case #" << c.id << " opened: " << stateText(c.state) << ", decide due "
                    << formatTime(c.decideDue) << "\n";
        }
    } catch (const CaseRefused& e) {
        ctx.err << "vulnwatch: " << e.what() << "\n";
        return kExitFailure;
    }
    return kExitOk;
}

int ssvc(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "cases ssvc ID --by NAME [--expect-version N] [--exploitation …]");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "case");
    std::map<std::string, std::string> points;
    for (const char* name : {"exploitation", "automatable", "technical-impact"}) {
        if (opt.has(name)) {
            std::string n = name;
            std::replace(n.begin(), n.end(), '-', '_');
            points[n] = opt.get(name);
        }
    }
    // As for a transition: refused, nothing written, when the case changed since.
    const std::int64_t expectVersion = expectVersionOption(opt, "the case's", "cases show");
    const Routing routing = routingFor(ctx);
    auto store = storeOf(ctx);
    try {
        const Case c =
            setCaseSsvc(*store, routing, id, opt.get("by"), points, unixNow(), expectVersion);
        ctx.out << "case #" << c.id << ": SSVC " << ssvcShort(c) << "\n";
    } catch (const CaseRefused& e) {
        ctx.err << "vulnwatch: " << e.what() << "\n";
        return kExitFailure;
    }
    return kExitOk;
}

/// Rebuilds the cases from the audit chain and compares them with the stored rows.
int verify(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments");
    auto store = storeOf(ctx);
    const std::vector<Case> rebuilt = rebuildCases(*store);
    const std::vector<Case> stored = storedCases(*store);
    std::map<std::int64_t, const Case*> byId;
    for (const Case& c : rebuilt) {
        byId[c.id] = &c;
    }
    int bad = 0;
    std::set<std::int64_t> seen;
    for (const Case& c : stored) {
        seen.insert(c.id);
        const auto it = byId.find(c.id);
        if (it == byId.end()) {
            ctx.out << "case #" << c.id << ": stored, but no event of the audit trail opens it\n";
            ++bad;
        } else if (!(*it->second == c)) {
            ctx.out << "case #" << c.id
                    << ": the stored row differs from the one its events give (state "
                    << caseStateName(c.state) << " stored, " << caseStateName(it->second->state)
                    << " from the events)\n";
            ++bad;
        }
    }
    for (const Case& c : rebuilt) {
        if (seen.count(c.id) == 0) {
            ctx.out << "case #" << c.id << ": the audit trail has it, the case table does not\n";
            ++bad;
        }
    }
    if (bad == 0) {
        ctx.out << stored.size()
                << " cases; every one equals its replay from the audit trail "
                   "(全案件が監査証跡からの再構成と一致)\n";
        return kExitOk;
    }
    ctx.out << bad << " of " << stored.size() << " cases differ from the audit trail\n";
    return kExitFailure;
}

} // namespace

int cmdCases(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::string sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "list") {
        return list(ctx, Options(rest, {{"product", true},
                                        {"version", true},
                                        {"state", true},
                                        {"open", false},
                                        {"overdue", false},
                                        {"limit", true},
                                        {"json", false}}));
    }
    if (sub == "show") {
        return show(ctx, Options(rest, {{"json", false}}));
    }
    if (sub == "transition") {
        return transition(ctx, rest);
    }
    if (sub == "open") {
        return open(ctx, Options(rest, {{"product", true},
                                        {"version", true},
                                        {"title", true},
                                        {"by", true},
                                        {"id", true},
                                        {"severity", true},
                                        {"json", false}}));
    }
    if (sub == "ssvc") {
        return ssvc(ctx, Options(rest, {{"by", true},
                                        {"expect-version", true},
                                        {"exploitation", true},
                                        {"automatable", true},
                                        {"technical-impact", true}}));
    }
    if (sub == "verify") {
        return verify(ctx, Options(rest, {}));
    }
    throw UsageError(kUsage);
}

} // namespace vw::cli
