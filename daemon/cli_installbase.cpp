// `vulnwatch installbase import|list`: the install base (inventory/installbase.h reads the CSV,
// store/installbase.h keeps it; docs/installbase.md). Human text is Japanese unless --lang en;
// --json gives one object (import) or one array (list).
#include "core/json_writer.h"
#include "core/product.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "inventory/installbase.h"
#include "store/audit.h"
#include "store/installbase.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "installbase import FILE.csv [--dry-run] [--allow-unknown] [--json] [--by NAME] "
    "[--lang ja|en] | installbase list [--product P] [--json] [--lang ja|en]";

InstallBaseEntry toEntry(const InstallBaseRow& r) {
    InstallBaseEntry e;
    e.siteId = r.siteId;
    e.product = r.product;
    e.version = r.version;
    e.role = r.role;
    e.siteName = r.siteName;
    e.quantity = r.quantity;
    e.contactName = r.contactName;
    e.contactEmail = r.contactEmail;
    e.contactPhone = r.contactPhone;
    e.notes = r.notes;
    return e;
}

InstallBaseRow toRow(const InstallBaseEntry& e) {
    InstallBaseRow r;
    r.siteId = e.siteId;
    r.product = e.product;
    r.version = e.version;
    r.role = e.role;
    r.siteName = e.siteName;
    r.quantity = e.quantity;
    r.contactName = e.contactName;
    r.contactEmail = e.contactEmail;
    r.contactPhone = e.contactPhone;
    r.notes = e.notes;
    return r;
}

const char* roleText(const Lang& t, const std::string& role) {
    if (role == "hospital") {
        return t("病院", "hospital");
    }
    if (role == "lessor") {
        return t("リース会社", "lessor");
    }
    return t("販売代理店", "distributor");
}

void writeRow(JsonWriter& w, const InstallBaseRow& r, bool withLine) {
    w.beginObject();
    if (withLine) {
        w.key("line").value(r.line);
    }
    w.key("site_id").value(r.siteId).key("site_name").value(r.siteName);
    w.key("product").value(r.product).key("version").value(r.version);
    w.key("role").value(r.role).key("quantity").value(r.quantity);
    w.key("contact_name").value(r.contactName).key("contact_email").value(r.contactEmail);
    w.key("contact_phone").value(r.contactPhone).key("notes").value(r.notes);
    w.endObject();
}

std::string rowLine(const Lang& t, const InstallBaseRow& r) {
    std::string s = terminalSafe(r.siteId) + " " + terminalSafe(r.siteName) + " | " +
                    terminalSafe(r.product) + " " + terminalSafe(r.version) + " | " +
                    roleText(t, r.role) + " | " + terminalSafe(r.contactEmail);
    if (!r.contactName.empty()) {
        s += " (" + terminalSafe(r.contactName) + ")";
    }
    s += " | " + std::to_string(r.quantity) + t(" 台", r.quantity == 1 ? " unit" : " units");
    return s;
}

std::string fieldValue(const InstallBaseRow& r, const std::string& field) {
    if (field == "site name")
        return r.siteName;
    if (field == "quantity")
        return std::to_string(r.quantity);
    if (field == "contact name")
        return r.contactName;
    if (field == "contact email")
        return r.contactEmail;
    if (field == "contact phone")
        return r.contactPhone;
    if (field == "notes")
        return r.notes;
    return "";
}

/// Rows naming a product or version the registry does not know (removed ones count as unknown).
std::vector<InstallBaseProblem> unknownProducts(Store& store,
                                                const std::vector<InstallBaseRow>& rows) {
    std::map<std::string, std::vector<std::string>> versions;
    for (const RegisteredProduct& p : store.registry()) {
        auto& list = versions[p.name];
        for (const ProductVersion& v : p.versions) {
            if (!v.removed) {
                list.push_back(v.version);
            }
        }
    }
    std::vector<InstallBaseProblem> problems;
    for (const InstallBaseRow& r : rows) {
        const auto found = versions.find(r.product);
        if (found == versions.end()) {
            problems.push_back({r.line, "product '" + terminalSafe(r.product) +
                                            "' is not registered (see products list)"});
            continue;
        }
        const auto& list = found->second;
        if (std::find(list.begin(), list.end(), r.version) == list.end()) {
            std::string known;
            for (const auto& v : list) {
                known += (known.empty() ? "" : ", ") + terminalSafe(v);
            }
            problems.push_back({r.line, "product '" + terminalSafe(r.product) +
                                            "' has no version '" + terminalSafe(r.version) +
                                            "' (registered: " + (known.empty() ? "-" : known) +
                                            ")"});
        }
    }
    return problems;
}

void writeProblems(JsonWriter& w, const char* name, const std::vector<InstallBaseProblem>& list) {
    w.key(name).beginArray();
    for (const auto& p : list) {
        w.beginObject().key("line").value(p.line).key("message").value(p.message).endObject();
    }
    w.endArray();
}

void printProblems(Context& ctx, const std::string& file, const char* prefix,
                   const std::vector<InstallBaseProblem>& list) {
    for (const auto& p : list) {
        ctx.err << "vulnwatch: " << file << ": " << prefix;
        if (p.line > 0) {
            ctx.err << "line " << p.line << ": ";
        }
        ctx.err << p.message << "\n";
    }
}

int importCmd(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "one CSV file: " + std::string(kUsage));
    const Lang t = langOf(opt);
    const std::string file = opt.positional()[0];
    const bool json = opt.has("json");
    const bool dryRun = opt.has("dry-run");
    const std::string actor = actorOf(opt);
    const std::string bytes = readInput(file);
    const InstallBaseFile parsed = parseInstallBaseCsv(bytes);

    std::optional<Config> config = maybeConfig(ctx, false);
    auto store = openStore(ctx, config);
    std::vector<InstallBaseProblem> errors = parsed.problems;
    std::vector<InstallBaseProblem> warnings;
    auto unknown = unknownProducts(*store, parsed.rows);
    if (opt.has("allow-unknown")) {
        warnings = std::move(unknown);
    } else if (!unknown.empty()) {
        errors.insert(errors.end(), unknown.begin(), unknown.end());
        std::stable_sort(errors.begin(), errors.end(),
                         [](const InstallBaseProblem& a, const InstallBaseProblem& b) {
                             return a.line < b.line;
                         });
    }
    if (!errors.empty()) {
        if (json) {
            JsonWriter w;
            w.beginObject().key("file").value(file).key("encoding").value(parsed.encoding);
            w.key("ok").value(false).key("applied").value(false);
            writeProblems(w, "errors", errors);
            w.endObject();
            ctx.out << w.str() << "\n";
        }
        printProblems(ctx, file, "", errors);
        if (std::any_of(errors.begin(), errors.end(), [](const InstallBaseProblem& p) {
                return p.message.find("is not registered") != std::string::npos ||
                       p.message.find("has no version") != std::string::npos;
            })) {
            ctx.err << t("vulnwatch: 未登録の製品・バージョンを取り込むには --allow-unknown "
                         "を付けてください\n",
                         "vulnwatch: --allow-unknown imports unregistered products and "
                         "versions anyway\n");
        }
        ctx.err << "vulnwatch: " << file << ": "
                << t("エラーがあるため何も取り込んでいません (", "nothing imported (")
                << errors.size() << t(" 件)\n", errors.size() == 1 ? " error)\n" : " errors)\n");
        return kExitFailure;
    }
    printProblems(ctx, file, t("警告: ", "warning: "), warnings);

    const std::int64_t now = unixNow();
    Store::Transaction tx(*store);
    std::vector<InstallBaseRow> stored;
    for (const InstallBaseEntry& e : installBase(*store)) {
        stored.push_back(toRow(e));
    }
    const InstallBaseDiff diff = diffInstallBase(stored, parsed.rows);
    std::int64_t eventSeq = 0;
    const bool apply = !dryRun && !diff.empty();
    if (apply) {
        std::vector<InstallBaseEntry> entries;
        entries.reserve(parsed.rows.size());
        for (const InstallBaseRow& r : parsed.rows) {
            entries.push_back(toEntry(r));
        }
        replaceInstallBase(*store, entries, now);
        AuditEvent event;
        event.kind = "installbase";
        event.at = now;
        event.actor = actor;
        event.text = "install base imported from " + file + ": " +
                     std::to_string(diff.added.size()) + " added, " +
                     std::to_string(diff.removed.size()) + " removed, " +
                     std::to_string(diff.changed.size()) + " changed, " +
                     std::to_string(diff.unchanged) + " unchanged";
        event.subjects = {"installbase"};
        event.details = {{"added", std::to_string(diff.added.size())},
                         {"changed", std::to_string(diff.changed.size())},
                         {"encoding", parsed.encoding},
                         {"file", file},
                         {"removed", std::to_string(diff.removed.size())},
                         {"rows", std::to_string(parsed.rows.size())}};
        eventSeq = store->appendEvent(event);
        tx.commit();
    }

    if (json) {
        JsonWriter w;
        w.beginObject().key("file").value(file).key("encoding").value(parsed.encoding);
        w.key("ok").value(true).key("dry_run").value(dryRun).key("applied").value(apply);
        w.key("rows").value(static_cast<long long>(parsed.rows.size()));
        w.key("unchanged").value(static_cast<long long>(diff.unchanged));
        w.key("added").beginArray();
        for (const auto& r : diff.added) {
            writeRow(w, r, true);
        }
        w.endArray().key("removed").beginArray();
        for (const auto& r : diff.removed) {
            writeRow(w, r, false);
        }
        w.endArray().key("changed").beginArray();
        for (const auto& [before, after] : diff.changed) {
            w.beginObject().key("before");
            writeRow(w, before, false);
            w.key("after");
            writeRow(w, after, true);
            w.key("fields").stringArray(changedFields(before, after)).endObject();
        }
        w.endArray();
        writeProblems(w, "warnings", warnings);
        w.key("audit_seq");
        if (eventSeq > 0) {
            w.value(static_cast<long long>(eventSeq));
        } else {
            w.null();
        }
        w.endObject();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    ctx.out << terminalSafe(file) << ": " << parsed.encoding << ", " << parsed.rows.size()
            << t(" 行", parsed.rows.size() == 1 ? " row" : " rows") << "\n";
    ctx.out << t("追加 ", "added ") << diff.added.size() << t(" / 削除 ", " / removed ")
            << diff.removed.size() << t(" / 変更 ", " / changed ") << diff.changed.size()
            << t(" / 変更なし ", " / unchanged ") << diff.unchanged << "\n";
    for (const auto& r : diff.added) {
        ctx.out << "+ " << rowLine(t, r) << "\n";
    }
    for (const auto& r : diff.removed) {
        ctx.out << "- " << rowLine(t, r) << "\n";
    }
    for (const auto& [before, after] : diff.changed) {
        ctx.out << "~ " << rowLine(t, after) << "\n";
        for (const std::string& field : changedFields(before, after)) {
            ctx.out << "    " << field << ": '" << terminalSafe(fieldValue(before, field))
                    << "' -> '" << terminalSafe(fieldValue(after, field)) << "'\n";
        }
    }
    if (dryRun) {
        ctx.out << t("--dry-run: 何も変更していません\n", "--dry-run: nothing changed\n");
    } else if (!apply) {
        ctx.out << t("変更はありません\n", "no changes\n");
    } else {
        ctx.out << t("取り込みました (監査イベント #", "imported (audit event #") << eventSeq
                << ")\n";
    }
    return kExitOk;
}

int listCmd(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --product, --json and --lang");
    const Lang t = langOf(opt);
    std::optional<Config> config = maybeConfig(ctx, false);
    auto store = openStore(ctx, config);
    const auto rows = installBase(*store, opt.get("product"));
    if (opt.has("json")) {
        JsonWriter w;
        w.beginArray();
        for (const InstallBaseEntry& e : rows) {
            writeRow(w, toRow(e), false);
        }
        w.endArray();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    if (rows.empty()) {
        ctx.out << t("導入先は登録されていません\n", "no install base\n");
        return kExitOk;
    }
    for (const InstallBaseEntry& e : rows) {
        ctx.out << rowLine(t, toRow(e)) << "\n";
    }
    return kExitOk;
}

} // namespace

int cmdInstallBase(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "import") {
        return importCmd(ctx, Options(rest, {{"dry-run", false},
                                             {"allow-unknown", false},
                                             {"json", false},
                                             {"by", true},
                                             {"lang", true}}));
    }
    if (args[0] == "list") {
        return listCmd(ctx, Options(rest, {{"product", true}, {"json", false}, {"lang", true}}));
    }
    throw UsageError("unknown installbase command '" + args[0] + "': " + kUsage);
}

} // namespace vw::cli
