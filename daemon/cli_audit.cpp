// `vulnwatch audit verify|export|head`: the audit trail (issue 12 part 3, docs/audit.md). Human
// text is Japanese unless --lang en; the JSON forms are the contract of docs/audit.md. Event
// texts quote feed data: the text report passes them through terminalSafe().
#include "core/datetime.h"
#include "core/json_writer.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/audit.h"
#include "store/audit_export.h"

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "audit verify [--head HASH[@SEQ]] [--json] [--lang ja|en] | audit export --since DATE "
    "[--until DATE] [--format text|jsonl] [--json] [--lang ja|en] [--evidence-dir DIR] | "
    "audit head [--json]";

/// Japanese (the default) or English human text.
std::string seqText(std::int64_t seq) {
    return "#" + std::to_string(seq);
}

std::string describe(const AuditVerification& v, const std::optional<RecordedHead>& recorded,
                     Lang t) {
    return describeAuditVerification(v, recorded, t.ja);
}

void writeHead(JsonWriter& w, const AuditHead& head) {
    w.beginObject().key("seq").value(static_cast<long long>(head.seq));
    w.key("hash").value(head.hash).endObject();
}

/// The one-line `audit verify --json` object (docs/audit.md).
std::string verificationJson(const AuditVerification& v,
                             const std::optional<RecordedHead>& recorded, Lang t) {
    JsonWriter w;
    w.beginObject().key("ok").value(v.ok());
    if (!v.ok()) {
        w.key("problem").value(auditProblemName(v.problem));
        w.key("event").value(static_cast<long long>(v.badEvent));
    }
    w.key("events").value(static_cast<long long>(v.events));
    w.key("head");
    writeHead(w, v.head);
    if (recorded) {
        w.key("recorded_head").beginObject().key("seq");
        if (recorded->seq) {
            w.value(static_cast<long long>(*recorded->seq));
        } else {
            w.null();
        }
        w.key("hash").value(recorded->hash).key("reached").value(v.headReached).endObject();
    }
    if (v.problem == AuditProblem::Deleted || v.problem == AuditProblem::Truncated) {
        w.key("missing").beginObject().key("first").value(static_cast<long long>(v.badEvent));
        w.key("last");
        if (v.problem == AuditProblem::Deleted) {
            w.value(static_cast<long long>(v.nextPresent - 1));
        } else if (recorded && recorded->seq) {
            w.value(static_cast<long long>(*recorded->seq));
        } else {
            w.null();
        }
        w.endObject();
    }
    if (v.problem == AuditProblem::Edited || v.problem == AuditProblem::Reordered ||
        v.problem == AuditProblem::Rewritten) {
        w.key("stored").value(v.stored).key("expected").value(v.expected);
    }
    w.key("message").value(describe(v, recorded, t)).endObject();
    return w.str();
}

std::unique_ptr<Store> storeFor(Context& ctx) {
    // With --db the store is all these commands need: no config file is read.
    return openStore(ctx, ctx.globals.db.empty() ? maybeConfig(ctx, false) : std::nullopt);
}

int verify(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --head, --json and --lang");
    const Lang t = langOf(opt);
    std::optional<RecordedHead> recorded;
    if (opt.has("head")) {
        try {
            recorded = parseRecordedHead(opt.get("head"));
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
    }
    auto store = storeFor(ctx);
    const AuditVerification v = verifyAuditChain(*store, recorded);
    if (opt.has("json")) {
        ctx.out << verificationJson(v, recorded, t) << "\n";
    } else {
        ctx.out << describe(v, recorded, t) << "\n";
        if (!v.ok() && v.events > 0) {
            ctx.out << t("正常に検証できたのは ", "the events up to ") << seqText(v.head.seq)
                    << t(" までです (", " verified (last good hash ") << v.head.hash
                    << t(")。", ").") << "\n";
        }
    }
    return v.ok() ? kExitOk : kExitFailure;
}

int head(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --json");
    auto store = storeFor(ctx);
    const AuditHead h = store->auditHead();
    if (opt.has("json")) {
        JsonWriter w;
        writeHead(w, h);
        ctx.out << w.str() << "\n";
    } else {
        ctx.out << "audit head " << h.seq << " " << h.hash << "\n";
    }
    return kExitOk;
}

std::int64_t parseDate(const Options& opt, const std::string& name) {
    const auto d = parseIsoDateTime(opt.get(name));
    if (!d) {
        throw UsageError("--" + name +
                         " expects a date like 2026-11-01 (JST) or 2026-11-01T09:00+09:00, not '" +
                         opt.get(name) + "'");
    }
    return d->epoch;
}

/// `audit export CASE` / `--case ID`: one case end to end (store/audit_export.h).
int exportCase(Context& ctx, const Options& opt, const std::string& idText) {
    if (opt.has("since") || opt.has("until")) {
        throw UsageError("audit export CASE takes no --since/--until: it gives the whole case");
    }
    if (!opt.positional().empty() && opt.has("case")) {
        throw UsageError("give the case once: audit export CASE or audit export --case ID");
    }
    const std::int64_t id = parseNumberedId(idText, "case");
    const Lang t = langOf(opt);
    std::string format = opt.get("format", opt.has("json") ? "jsonl" : "text");
    if (format != "text" && format != "jsonl") {
        throw UsageError("--format must be text or jsonl, not '" + format + "'");
    }
    const std::string evidenceDir = opt.get("evidence-dir");
    if (opt.has("evidence-dir") && evidenceDir.empty()) {
        throw UsageError("--evidence-dir needs a folder");
    }
    auto store = storeFor(ctx);
    AuditExportRequest request;
    request.jsonl = format == "jsonl";
    request.japanese = t.ja;
    request.caseId = id;
    request.evidenceDir = evidenceDir;
    request.now = unixNow();
    request.storePath = store->db().path();
    const AuditExportOutcome outcome = writeAuditExport(*store, request, ctx.out, ctx.err);
    if (!outcome.found) {
        ctx.err << "vulnwatch: there is no case " << id << " (案件 " << id << " はありません)\n";
        return kExitFailure;
    }
    return outcome.ok ? kExitOk : kExitFailure;
}

int exportEvents(Context& ctx, const Options& opt) {
    if (opt.has("case") || !opt.positional().empty()) {
        if (opt.positional().size() > 1) {
            throw UsageError("audit export takes one case number");
        }
        return exportCase(ctx, opt, opt.has("case") ? opt.get("case") : opt.positional().front());
    }
    if (!opt.has("since")) {
        throw UsageError("audit export needs --since DATE (e.g. --since 2026-11-01)");
    }
    const Lang t = langOf(opt);
    std::string format = opt.get("format", opt.has("json") ? "jsonl" : "text");
    if (format != "text" && format != "jsonl") {
        throw UsageError("--format must be text or jsonl, not '" + format + "'");
    }
    if (opt.has("json") && format != "jsonl") {
        throw UsageError("--json is --format jsonl; it cannot go with --format " + format);
    }
    const std::int64_t since = parseDate(opt, "since");
    const std::int64_t until = opt.has("until") ? parseDate(opt, "until") : 0;
    if (until != 0 && until <= since) {
        throw UsageError("--until " + opt.get("until") + " is not after --since " +
                         opt.get("since"));
    }
    auto store = storeFor(ctx);
    const std::string evidenceDir = opt.get("evidence-dir");
    if (opt.has("evidence-dir") && evidenceDir.empty()) {
        throw UsageError("--evidence-dir needs a folder");
    }
    AuditExportRequest request;
    request.jsonl = format == "jsonl";
    request.japanese = t.ja;
    request.since = since;
    request.until = until;
    request.evidenceDir = evidenceDir;
    request.now = unixNow();
    request.storePath = store->db().path();
    return writeAuditExport(*store, request, ctx.out, ctx.err).ok ? kExitOk : kExitFailure;
}

} // namespace

int cmdAudit(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::string sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "verify") {
        return verify(ctx, Options(rest, {{"head", true}, {"json", false}, {"lang", true}}));
    }
    if (sub == "export") {
        return exportEvents(ctx, Options(rest, {{"since", true},
                                                {"until", true},
                                                {"format", true},
                                                {"json", false},
                                                {"lang", true},
                                                {"case", true},
                                                {"evidence-dir", true}}));
    }
    if (sub == "head") {
        return head(ctx, Options(rest, {{"json", false}}));
    }
    throw UsageError(kUsage);
}

} // namespace vw::cli
