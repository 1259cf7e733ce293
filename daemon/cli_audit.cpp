// `vulnwatch audit verify|export|head`: the audit trail (issue 12 part 3, docs/audit.md). Human
// text is Japanese unless --lang en; the JSON forms are the contract of docs/audit.md. Event
// texts quote feed data: the text report passes them through terminalSafe().
#include "core/datetime.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/evidence.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "audit verify [--head HASH[@SEQ]] [--json] [--lang ja|en] | audit export --since DATE "
    "[--until DATE] [--format text|jsonl] [--json] [--lang ja|en] [--evidence-dir DIR] | "
    "audit head [--json]";

/// Japanese (the default) or English human text.
struct Lang {
    bool ja = true;
    const char* operator()(const char* japanese, const char* english) const {
        return ja ? japanese : english;
    }
};

Lang langOf(const Options& opt) {
    const std::string lang = opt.get("lang", "ja");
    if (lang != "ja" && lang != "en") {
        throw UsageError("--lang must be ja or en, not '" + lang + "'");
    }
    return Lang{lang == "ja"};
}

std::string seqText(std::int64_t seq) {
    return "#" + std::to_string(seq);
}

/// "#5" or "#5〜#7".
std::string rangeText(std::int64_t first, std::int64_t last) {
    return last > first ? seqText(first) + "〜" + seqText(last) : seqText(first);
}

/// The finding in one or two sentences, in Japanese.
std::string describeJa(const AuditVerification& v, const std::optional<RecordedHead>& recorded) {
    std::ostringstream s;
    switch (v.problem) {
    case AuditProblem::None:
        s << "監査証跡のハッシュチェーンは正常です: " << v.events << " 件のイベント、先頭 "
          << seqText(v.head.seq) << " " << v.head.hash;
        if (v.headChecked) {
            s << "\n外部に記録された先頭 " << recorded->hash
              << (recorded->seq ? "@" + std::to_string(*recorded->seq) : std::string())
              << " に到達しています。";
        }
        break;
    case AuditProblem::Edited:
        s << "イベント " << seqText(v.badEvent)
          << " が改ざんされています (edited): 内容から計算したハッシュ " << v.expected
          << " が保存されたハッシュ " << v.stored << " と一致しません。";
        break;
    case AuditProblem::Deleted:
        s << "イベント " << rangeText(v.badEvent, v.nextPresent - 1)
          << " が削除されています (deleted): 連番が " << seqText(v.badEvent - 1) << " の次に "
          << seqText(v.nextPresent) << " へ飛んでいます。";
        break;
    case AuditProblem::Reordered:
        s << "イベント " << seqText(v.badEvent)
          << " が直前のイベントに続いていません (reordered): prev_hash " << v.stored << " が "
          << seqText(v.badEvent - 1) << " のハッシュ " << v.expected
          << " と異なります。順序の入れ替え・挿入・差し替えのいずれかです。";
        break;
    case AuditProblem::Truncated:
        if (recorded && recorded->seq) {
            s << "チェーンが切り詰められています (truncated): 最後のイベントは "
              << seqText(v.head.seq) << " ですが、外部に記録された先頭は "
              << seqText(*recorded->seq) << " です。" << rangeText(v.badEvent, *recorded->seq)
              << " が失われています。";
        } else {
            s << "外部に記録された先頭 " << v.expected << " がチェーン (" << v.events
              << " 件) にありません (truncated): " << seqText(v.badEvent)
              << " 以降が切り詰められたか、チェーンが書き換えられています。";
        }
        break;
    case AuditProblem::Rewritten:
        s << "イベント " << seqText(v.badEvent) << " のハッシュ " << v.stored
          << " が外部に記録された先頭 " << v.expected
          << " と異なります (rewritten): "
             "チェーンはこのイベントかそれ以前から書き換えられています。";
        break;
    }
    return s.str();
}

/// The same in English.
std::string describeEn(const AuditVerification& v, const std::optional<RecordedHead>& recorded) {
    std::ostringstream s;
    switch (v.problem) {
    case AuditProblem::None:
        s << "the audit chain holds: " << v.events << " events, head " << seqText(v.head.seq) << " "
          << v.head.hash;
        if (v.headChecked) {
            s << "\nit reaches the head recorded outside, " << recorded->hash
              << (recorded->seq ? "@" + std::to_string(*recorded->seq) : std::string()) << ".";
        }
        break;
    case AuditProblem::Edited:
        s << "event " << seqText(v.badEvent) << " was edited: its content hashes to " << v.expected
          << ", the stored hash is " << v.stored << ".";
        break;
    case AuditProblem::Deleted:
        s << "event" << (v.nextPresent - 1 > v.badEvent ? "s " : " ")
          << rangeText(v.badEvent, v.nextPresent - 1) << " deleted: after "
          << seqText(v.badEvent - 1) << " the sequence continues at " << seqText(v.nextPresent)
          << ".";
        break;
    case AuditProblem::Reordered:
        s << "event " << seqText(v.badEvent)
          << " does not follow the event before it (reordered, inserted or replaced): its "
             "prev_hash "
          << v.stored << " is not the hash of " << seqText(v.badEvent - 1) << ", " << v.expected
          << ".";
        break;
    case AuditProblem::Truncated:
        if (recorded && recorded->seq) {
            s << "the chain was truncated: it ends at " << seqText(v.head.seq)
              << ", the head recorded outside is " << seqText(*recorded->seq) << "; events "
              << rangeText(v.badEvent, *recorded->seq) << " are missing.";
        } else {
            s << "the head recorded outside, " << v.expected << ", is not in the chain ("
              << v.events << " events): truncated at " << seqText(v.badEvent)
              << " or later, or the chain was rewritten.";
        }
        break;
    case AuditProblem::Rewritten:
        s << "event " << seqText(v.badEvent) << " has the hash " << v.stored
          << ", the head recorded outside is " << v.expected
          << ": the chain was rewritten at this event or before it.";
        break;
    }
    return s.str();
}

std::string describe(const AuditVerification& v, const std::optional<RecordedHead>& recorded,
                     Lang t) {
    return t.ja ? describeJa(v, recorded) : describeEn(v, recorded);
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

/// Japanese names of the event kinds the daemon writes (others are shown as they are).
std::string kindLabel(const std::string& kind, Lang t) {
    static const std::map<std::string, std::pair<const char*, const char*>> labels = {
        {"ingest", {"取り込み", "ingest"}},
        {"match", {"照合結果の再評価", "match re-evaluated"}},
        {"rematch", {"再照合", "re-match"}},
        {"cluster-merge", {"脆弱性の統合", "clusters merged"}},
        {"cluster-split", {"脆弱性の分割", "cluster split"}},
        {"product", {"製品・SBOM の登録", "product or SBOM change"}},
        {"delivery", {"配信", "delivery"}},
        {"dead-letter", {"配信の断念", "dead letter"}},
        {"alert", {"運用アラート", "operational alert"}},
        {"digest", {"ダイジェスト", "digest"}},
        {"config-reload", {"設定の再読み込み", "configuration reload"}},
        {"decision", {"判断", "decision"}},
        {"case-transition", {"案件の状態遷移", "case transition"}},
        {"import", {"ファイルの取り込み", "file import"}},
        {"backfill", {"過去データの取り込み", "backfill"}},
        {"evidence-prune", {"証拠の保存期間による削除", "evidence pruned"}},
    };
    const auto it = labels.find(kind);
    if (it == labels.end() || !t.ja) {
        return terminalSafe(kind);
    }
    return std::string(it->second.first) + " (" + kind + ")";
}

std::string joined(const Poco::JSON::Array::Ptr& array) {
    std::string out;
    for (std::size_t i = 0; array && i < array->size(); ++i) {
        out += (i > 0 ? ", " : "") + terminalSafe(array->getElement<std::string>(i));
    }
    return out;
}

/// The optional fields of an event (its canonical JSON) as report lines.
void writeOptionalFields(std::ostream& out, const std::string& json, Lang t) {
    Poco::JSON::Parser parser;
    const auto event = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    const auto line = [&](const char* ja, const char* en, const std::string& value) {
        if (!value.empty()) {
            out << "    " << t(ja, en) << ": " << value << "\n";
        }
    };
    line("案件", "case", terminalSafe(event->optValue<std::string>("case", "")));
    line("実行者", "actor", terminalSafe(event->optValue<std::string>("actor", "")));
    line("対象", "subjects", joined(event->getArray("subjects")));
    line("証拠 (SHA-256)", "evidence (SHA-256)", joined(event->getArray("evidence")));
    if (const auto details = event->getObject("details")) {
        std::string text;
        for (const auto& name : details->getNames()) { // sorted, as in the canonical form
            text += (text.empty() ? "" : ", ") + terminalSafe(name) + "=" +
                    terminalSafe(details->getValue<std::string>(name));
        }
        line("詳細", "details", text);
    }
}

/// `--evidence-dir DIR`: writes the blobs the exported events name to DIR/<hash>
/// (writeEvidenceFiles: verified against their hash) and DIR/manifest.jsonl (one line per
/// hash: hash, status, media_type, size, file). Pruned and hash-only blobs are listed, not
/// written; returns false when a blob is missing from the store or corrupt.
bool exportEvidence(Store& store, const std::vector<std::string>& hashes, const std::string& dir,
                    std::ostream& report, Lang t) {
    const EvidenceFiles files = writeEvidenceFiles(store, hashes, dir);
    std::ofstream manifest(std::filesystem::path(dir) / "manifest.jsonl",
                           std::ios::binary | std::ios::trunc);
    bool ok = true;
    const auto line = [&](const EvidenceFile& f) {
        JsonWriter w;
        w.beginObject().key("hash").value(f.hash).key("status").value(evidenceStatusName(f.status));
        w.key("media_type").value(f.mediaType).key("size").value(static_cast<long long>(f.size));
        w.key("file");
        if (f.status == EvidenceStatus::Ok) {
            w.value(f.hash);
        } else {
            w.null();
        }
        w.endObject();
        manifest << w.str() << "\n";
    };
    report << t("証拠ファイル (", "evidence files (") << dir << "): " << files.written.size()
           << t(" 件を書き出し、SHA-256 を検証しました", " written, SHA-256 verified") << "\n";
    for (const EvidenceFile& f : files.written) {
        line(f);
        report << "    " << f.hash << "  " << terminalSafe(f.mediaType) << "  " << f.size
               << t(" バイト", " bytes") << "\n";
    }
    if (!files.missing.empty()) {
        report << t("書き出せなかった証拠: ", "evidence not written: ") << files.missing.size()
               << "\n";
    }
    for (const EvidenceFile& f : files.missing) {
        line(f);
        ok = ok && (f.status == EvidenceStatus::Pruned || f.status == EvidenceStatus::NotKept);
        EvidenceRead read;
        read.status = f.status;
        read.problem = f.problem;
        if (f.status != EvidenceStatus::Missing) {
            read.info = EvidenceInfo{};
            read.info->size = f.size;
        }
        report << "    " << f.hash << "  " << evidenceStatusName(f.status) << ": "
               << terminalSafe(t.ja ? evidenceProblemJa(read, f.hash) : f.problem) << "\n";
    }
    manifest.close();
    if (!manifest) {
        throw std::runtime_error("cannot write " + dir + "/manifest.jsonl");
    }
    return ok;
}

/// One row of event_log as the exports print it.
void writeEventLine(std::ostream& out, const AuditRow& row) {
    JsonWriter w;
    w.beginObject().key("seq").value(static_cast<long long>(row.seq));
    w.key("time").value(formatTime(row.at));
    w.key("prev_hash").value(row.prevHash).key("hash").value(row.hash);
    w.key("event").raw(row.json).endObject();
    out << w.str() << "\n";
}

/// `audit export CASE` / `--case ID`: one case end to end (docs/audit.md): the case as it
/// stands, when each channel first said what about its vulnerability, every event of the case
/// with its hashes, and the evidence (the blobs its events name and those of its cluster's
/// records), verified and written to --evidence-dir.
int exportCase(Context& ctx, const Options& opt, const std::string& idText) {
    if (opt.has("since") || opt.has("until")) {
        throw UsageError("audit export CASE takes no --since/--until: it gives the whole case");
    }
    if (!opt.positional().empty() && opt.has("case")) {
        throw UsageError("give the case once: audit export CASE or audit export --case ID");
    }
    std::string digits = idText;
    if (!digits.empty() && digits[0] == '#') {
        digits.erase(0, 1);
    }
    std::int64_t id = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || id <= 0) {
        throw UsageError("a case is named by its number (e.g. 12), not '" + idText + "'");
    }
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
    const std::optional<Case> c = caseById(*store, id);
    if (!c) {
        ctx.err << "vulnwatch: there is no case " << id << " (案件 " << id << " はありません)\n";
        return kExitFailure;
    }
    const AuditVerification v = verifyAuditChain(*store);
    std::vector<AuditRow> rows;
    {
        Statement q = store->db().prepare(
            "SELECT id, at, kind, text, json, prev_hash, hash FROM event_log WHERE "
            "json_extract(json, '$.case') = ?1 ORDER BY id");
        q.bind(1, std::to_string(id));
        while (q.step()) {
            AuditRow row;
            row.seq = q.integer(0);
            row.at = q.integer(1);
            row.kind = q.text(2);
            row.text = q.text(3);
            row.json = q.text(4);
            row.prevHash = q.text(5);
            row.hash = q.text(6);
            rows.push_back(std::move(row));
        }
    }
    std::vector<std::string> evidence;
    for (const AuditRow& row : rows) {
        for (std::string& hash : evidenceOfEventJson(row.json)) {
            evidence.push_back(std::move(hash));
        }
    }
    if (c->clusterId != 0) {
        for (std::string& hash : evidenceOfCluster(*store, c->clusterId)) {
            evidence.push_back(std::move(hash));
        }
    }
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    if (format == "jsonl") {
        for (const AuditRow& row : rows) {
            writeEventLine(ctx.out, row);
        }
        if (!v.ok()) {
            ctx.err << "vulnwatch: audit export: " << describe(v, std::nullopt, t) << "\n";
        }
        bool evidenceOk = true;
        if (!evidenceDir.empty()) {
            evidenceOk = exportEvidence(*store, evidence, evidenceDir, ctx.err, t);
        }
        return v.ok() && evidenceOk ? kExitOk : kExitFailure;
    }
    std::ostream& out = ctx.out;
    out << t("案件の監査レポート (vulnwatch audit export)\n",
             "Case audit report (vulnwatch audit export)\n");
    out << t("作成日時: ", "made: ") << formatTime(unixNow()) << "\n";
    out << t("データベース: ", "store: ") << store->db().path() << "\n";
    out << t("チェーンの検証: ", "chain: ")
        << (v.ok() ? t("正常 — ", "holds — ") : t("異常 — ", "BROKEN — "))
        << describe(v, std::nullopt, t) << "\n\n";
    out << t("案件 #", "case #") << c->id << ": " << terminalSafe(c->title) << "\n";
    out << t("  状態: ", "  state: ") << caseStateName(c->state) << " ("
        << caseStateJapanese(c->state) << ")\n";
    out << t("  製品: ", "  product: ") << terminalSafe(c->product)
        << (c->version.empty() ? "" : " " + terminalSafe(c->version)) << "\n";
    out << t("  脆弱性: ", "  vulnerability: ") << (c->clusterKey.empty() ? "-" : c->clusterKey)
        << "\n";
    out << t("  起票: ", "  origin: ") << c->origin;
    if (c->inheritedFrom != 0) {
        out << t(" (案件 #", " (from case #") << c->inheritedFrom << t(" の判断を引継ぎ)", ")");
    }
    out << "\n" << t("  受付: ", "  received: ") << formatTime(c->receivedAt) << "\n";
    out << t("  判断期限: ", "  decide due: ") << formatTime(c->decideDue)
        << t("  判断日時: ", "  decided: ") << (c->decidedAt == 0 ? "-" : formatTime(c->decidedAt))
        << "\n";
    out << t("  情報提供期限: ", "  inform due: ")
        << (c->informDue == 0 ? "-" : formatTime(c->informDue)) << t("  修正期限: ", "  fix due: ")
        << formatTime(c->fixDue) << "\n";
    out << "  SSVC: " << (c->ssvc.empty() ? "-" : c->ssvc) << "\n";
    for (const auto& [name, value] : c->fields) {
        out << "  " << terminalSafe(name) << ": " << terminalSafe(value) << "\n";
    }
    if (c->clusterId != 0) {
        out << "\n"
            << t("各経路が最初に伝えた日時 (情報収集の証跡):\n",
                 "when each channel first said it (evidence of timely collection):\n");
        for (const ClusterRecord& r : store->clusterRecords(c->clusterId)) {
            out << "  " << formatTime(r.firstSeen) << "  " << terminalSafe(r.channel) << "\n";
        }
    }
    out << "\n"
        << t("案件のイベント: ", "events of the case: ") << rows.size() << t(" 件\n\n", "\n\n");
    for (const AuditRow& row : rows) {
        out << seqText(row.seq) << "  " << formatTime(row.at) << "  " << kindLabel(row.kind, t)
            << "\n";
        if (!row.text.empty()) {
            out << "    " << terminalSafe(row.text) << "\n";
        }
        writeOptionalFields(out, row.json, t);
        out << "    hash " << row.hash << "  prev " << row.prevHash << "\n\n";
    }
    bool evidenceOk = true;
    if (!evidenceDir.empty()) {
        evidenceOk = exportEvidence(*store, evidence, evidenceDir, out, t);
    } else {
        out << t("証拠 (SHA-256): ", "evidence (SHA-256): ") << evidence.size()
            << t(" 件 (--evidence-dir DIR で書き出し)\n",
                 " (write them with --evidence-dir DIR)\n");
        for (const std::string& hash : evidence) {
            out << "    " << hash << "\n";
        }
    }
    return v.ok() && evidenceOk ? kExitOk : kExitFailure;
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
    // The whole chain is checked first, so the auditor knows what the events are worth.
    const AuditVerification v = verifyAuditChain(*store);
    const std::string evidenceDir = opt.get("evidence-dir");
    if (opt.has("evidence-dir") && evidenceDir.empty()) {
        throw UsageError("--evidence-dir needs a folder");
    }
    std::vector<std::string> evidence; // named by the exported events, in order
    if (format == "jsonl") {
        forEachAuditEvent(*store, since, until, [&](const AuditRow& row) {
            for (std::string& hash : evidenceOfEventJson(row.json)) {
                evidence.push_back(std::move(hash));
            }
            writeEventLine(ctx.out, row);
        });
        if (!v.ok()) {
            ctx.err << "vulnwatch: audit export: " << describe(v, std::nullopt, t) << "\n";
        }
        bool evidenceOk = true;
        if (!evidenceDir.empty()) {
            // The listing goes to stderr: stdout stays the events' JSON lines.
            evidenceOk = exportEvidence(*store, evidence, evidenceDir, ctx.err, t);
        }
        return v.ok() && evidenceOk ? kExitOk : kExitFailure;
    }

    std::ostringstream body;
    std::int64_t count = 0;
    std::int64_t first = 0;
    std::int64_t last = 0;
    forEachAuditEvent(*store, since, until, [&](const AuditRow& row) {
        ++count;
        first = first == 0 ? row.seq : first;
        last = row.seq;
        body << seqText(row.seq) << "  " << formatTime(row.at) << "  " << kindLabel(row.kind, t)
             << "\n";
        if (!row.text.empty()) {
            body << "    " << terminalSafe(row.text) << "\n";
        }
        writeOptionalFields(body, row.json, t);
        body << "    hash " << row.hash << "  prev " << row.prevHash << "\n\n";
        for (std::string& hash : evidenceOfEventJson(row.json)) {
            evidence.push_back(std::move(hash));
        }
    });
    bool evidenceOk = true;
    std::ostringstream evidenceReport;
    if (!evidenceDir.empty()) {
        evidenceOk = exportEvidence(*store, evidence, evidenceDir, evidenceReport, t);
    }
    std::ostream& out = ctx.out;
    out << t("監査証跡レポート (vulnwatch audit export)\n",
             "Audit trail (vulnwatch audit export)\n");
    out << t("作成日時: ", "made: ") << formatTime(unixNow()) << "\n";
    out << t("データベース: ", "store: ") << store->db().path() << "\n";
    out << t("期間: ", "period: ") << formatTime(since) << t(" から", " to ")
        << (until != 0 ? formatTime(until) + t(" まで", "") : std::string(t("現在まで", "now")))
        << "\n";
    out << t("チェーンの検証: ", "chain: ")
        << (v.ok() ? t("正常 — ", "holds — ") : t("異常 — ", "BROKEN — "))
        << describe(v, std::nullopt, t) << "\n";
    out << t("対象のイベント: ", "events in the period: ") << count << t(" 件", "");
    if (count > 0) {
        out << " (" << seqText(first) << "〜" << seqText(last) << ")";
    }
    out << "\n\n" << body.str();
    if (!evidenceDir.empty()) {
        out << evidenceReport.str() << "\n";
    }
    out << t("各イベントの hash は SHA-256(prev ‖ 正規化 JSON) です。"
             "`vulnwatch audit export --format jsonl` が正規化 JSON を出力し、"
             "`vulnwatch audit verify --head HASH@SEQ` がジャーナルやダイジェストに記録された先頭と"
             "照合します (docs/audit.md)。\n",
             "Each event's hash is SHA-256(prev ‖ canonical JSON). `vulnwatch audit export "
             "--format jsonl` prints the canonical JSON; `vulnwatch audit verify --head HASH@SEQ` "
             "checks the chain against a head recorded in the journal or a digest "
             "(docs/audit.md).\n");
    return v.ok() && evidenceOk ? kExitOk : kExitFailure;
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
