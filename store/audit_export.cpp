#include "store/audit_export.h"

#include "core/datetime.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "store/cases.h"
#include "store/evidence.h"
#include "store/store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace vw {

namespace {

/// Japanese (the default) or English human text.
struct Lang {
    bool ja = true;
    const char* operator()(const char* japanese, const char* english) const {
        return ja ? japanese : english;
    }
};

/// A time as the CLI prints it: ISO 8601 in JST, "-" for none.
std::string timeText(std::int64_t t) {
    if (t == 0) {
        return "-";
    }
    return formatIsoDateTime(DateTime{t, 540});
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
        {"notice-prepare", {"医療機関へのお知らせの作成", "hospital notice prepared"}},
        {"notice-approve", {"医療機関へのお知らせの承認", "hospital notice approved"}},
        {"notice-send", {"医療機関へのお知らせの送信", "hospital notice sent"}},
        {"notice-letter", {"お知らせの配信結果", "hospital notice delivery result"}},
        {"notice-withdraw", {"医療機関へのお知らせの取り下げ", "hospital notice withdrawn"}},
    };
    const auto it = labels.find(kind);
    if (it == labels.end() || !t.ja) {
        return terminalSafe(kind);
    }
    return std::string(it->second.first) + " (" + kind + ")";
}

/// Reads the optional fields of an event's canonical JSON with SQLite's JSON functions (the
/// canonical form has its keys sorted, so `details` come in name order).
class OptionalFields {
public:
    explicit OptionalFields(Store& store)
        : scalars_(
              store.db().prepare("SELECT json_extract(?1, '$.case'), json_extract(?1, '$.actor')")),
          items_(store.db().prepare("SELECT value FROM json_each(?1, ?2)")),
          details_(store.db().prepare("SELECT key, value FROM json_each(?1, '$.details')")) {}

    /// The optional fields of an event as report lines.
    void write(std::ostream& out, const std::string& json, Lang t) {
        const auto line = [&](const char* ja, const char* en, const std::string& value) {
            if (!value.empty()) {
                out << "    " << t(ja, en) << ": " << value << "\n";
            }
        };
        scalars_.bind(1, json);
        scalars_.step();
        const std::string caseId = scalars_.text(0);
        const std::string actor = scalars_.text(1);
        scalars_.reset();
        line("案件", "case", terminalSafe(caseId));
        line("実行者", "actor", terminalSafe(actor));
        line("対象", "subjects", joined(json, "$.subjects"));
        line("証拠 (SHA-256)", "evidence (SHA-256)", joined(json, "$.evidence"));
        std::string text;
        details_.bind(1, json);
        while (details_.step()) {
            text += (text.empty() ? "" : ", ") + terminalSafe(details_.text(0)) + "=" +
                    terminalSafe(details_.text(1));
        }
        details_.reset();
        line("詳細", "details", text);
    }

private:
    std::string joined(const std::string& json, std::string_view path) {
        std::string out;
        items_.bind(1, json).bind(2, path);
        while (items_.step()) {
            out += (out.empty() ? "" : ", ") + terminalSafe(items_.text(0));
        }
        items_.reset();
        return out;
    }

    Statement scalars_;
    Statement items_;
    Statement details_;
};

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
    w.key("time").value(timeText(row.at));
    w.key("prev_hash").value(row.prevHash).key("hash").value(row.hash);
    w.key("event").raw(row.json).endObject();
    out << w.str() << "\n";
}

/// One case end to end (docs/audit.md): the case as it stands, when each channel first said
/// what about its vulnerability, every event of the case with its hashes, and the evidence
/// (the blobs its events name and those of its cluster's records).
AuditExportOutcome exportCase(Store& store, const AuditExportRequest& request, std::ostream& out,
                              std::ostream& notes) {
    const Lang t{request.japanese};
    const std::optional<Case> c = caseById(store, request.caseId);
    if (!c) {
        return {false, false};
    }
    const AuditVerification v = verifyAuditChain(store);
    std::vector<AuditRow> rows;
    {
        Statement q = store.db().prepare(
            "SELECT id, at, kind, text, json, prev_hash, hash FROM event_log WHERE "
            "json_extract(json, '$.case') = ?1 ORDER BY id");
        q.bind(1, std::to_string(request.caseId));
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
        for (std::string& hash : evidenceOfCluster(store, c->clusterId)) {
            evidence.push_back(std::move(hash));
        }
    }
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    const std::string& evidenceDir = request.evidenceDir;
    if (request.jsonl) {
        for (const AuditRow& row : rows) {
            writeEventLine(out, row);
        }
        if (!v.ok()) {
            notes << "vulnwatch: audit export: " << describe(v, std::nullopt, t) << "\n";
        }
        bool evidenceOk = true;
        if (!evidenceDir.empty()) {
            evidenceOk = exportEvidence(store, evidence, evidenceDir, notes, t);
        }
        return {true, v.ok() && evidenceOk};
    }
    out << t("案件の監査レポート (vulnwatch audit export)\n",
             "Case audit report (vulnwatch audit export)\n");
    out << t("作成日時: ", "made: ") << timeText(request.now) << "\n";
    out << t("データベース: ", "store: ") << request.storePath << "\n";
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
    out << "\n" << t("  受付: ", "  received: ") << timeText(c->receivedAt) << "\n";
    out << t("  判断期限: ", "  decide due: ") << timeText(c->decideDue)
        << t("  判断日時: ", "  decided: ") << (c->decidedAt == 0 ? "-" : timeText(c->decidedAt))
        << "\n";
    out << t("  情報提供期限: ", "  inform due: ")
        << (c->informDue == 0 ? "-" : timeText(c->informDue)) << t("  修正期限: ", "  fix due: ")
        << timeText(c->fixDue) << "\n";
    out << "  SSVC: " << (c->ssvc.empty() ? "-" : c->ssvc) << "\n";
    for (const auto& [name, value] : c->fields) {
        out << "  " << terminalSafe(name) << ": " << terminalSafe(value) << "\n";
    }
    if (c->clusterId != 0) {
        out << "\n"
            << t("各経路が最初に伝えた日時 (情報収集の証跡):\n",
                 "when each channel first said it (evidence of timely collection):\n");
        for (const ClusterRecord& r : store.clusterRecords(c->clusterId)) {
            out << "  " << timeText(r.firstSeen) << "  " << terminalSafe(r.channel) << "\n";
        }
    }
    out << "\n"
        << t("案件のイベント: ", "events of the case: ") << rows.size() << t(" 件\n\n", "\n\n");
    OptionalFields fields(store);
    for (const AuditRow& row : rows) {
        out << seqText(row.seq) << "  " << timeText(row.at) << "  " << kindLabel(row.kind, t)
            << "\n";
        if (!row.text.empty()) {
            out << "    " << terminalSafe(row.text) << "\n";
        }
        fields.write(out, row.json, t);
        out << "    hash " << row.hash << "  prev " << row.prevHash << "\n\n";
    }
    bool evidenceOk = true;
    if (!evidenceDir.empty()) {
        evidenceOk = exportEvidence(store, evidence, evidenceDir, out, t);
    } else {
        out << t("証拠 (SHA-256): ", "evidence (SHA-256): ") << evidence.size()
            << t(" 件 (--evidence-dir DIR で書き出し)\n",
                 " (write them with --evidence-dir DIR)\n");
        for (const std::string& hash : evidence) {
            out << "    " << hash << "\n";
        }
    }
    return {true, v.ok() && evidenceOk};
}

/// The events of a period.
AuditExportOutcome exportPeriod(Store& store, const AuditExportRequest& request, std::ostream& out,
                                std::ostream& notes) {
    const Lang t{request.japanese};
    const std::int64_t since = request.since;
    const std::int64_t until = request.until;
    const std::string& evidenceDir = request.evidenceDir;
    // The whole chain is checked first, so the auditor knows what the events are worth.
    const AuditVerification v = verifyAuditChain(store);
    std::vector<std::string> evidence; // named by the exported events, in order
    if (request.jsonl) {
        forEachAuditEvent(store, since, until, [&](const AuditRow& row) {
            for (std::string& hash : evidenceOfEventJson(row.json)) {
                evidence.push_back(std::move(hash));
            }
            writeEventLine(out, row);
        });
        if (!v.ok()) {
            notes << "vulnwatch: audit export: " << describe(v, std::nullopt, t) << "\n";
        }
        bool evidenceOk = true;
        if (!evidenceDir.empty()) {
            // The listing goes to the notes: the output stays the events' JSON lines.
            evidenceOk = exportEvidence(store, evidence, evidenceDir, notes, t);
        }
        return {true, v.ok() && evidenceOk};
    }

    std::ostringstream body;
    std::int64_t count = 0;
    std::int64_t first = 0;
    std::int64_t last = 0;
    OptionalFields fields(store);
    forEachAuditEvent(store, since, until, [&](const AuditRow& row) {
        ++count;
        first = first == 0 ? row.seq : first;
        last = row.seq;
        body << seqText(row.seq) << "  " << timeText(row.at) << "  " << kindLabel(row.kind, t)
             << "\n";
        if (!row.text.empty()) {
            body << "    " << terminalSafe(row.text) << "\n";
        }
        fields.write(body, row.json, t);
        body << "    hash " << row.hash << "  prev " << row.prevHash << "\n\n";
        for (std::string& hash : evidenceOfEventJson(row.json)) {
            evidence.push_back(std::move(hash));
        }
    });
    bool evidenceOk = true;
    std::ostringstream evidenceReport;
    if (!evidenceDir.empty()) {
        evidenceOk = exportEvidence(store, evidence, evidenceDir, evidenceReport, t);
    }
    out << t("監査証跡レポート (vulnwatch audit export)\n",
             "Audit trail (vulnwatch audit export)\n");
    out << t("作成日時: ", "made: ") << timeText(request.now) << "\n";
    out << t("データベース: ", "store: ") << request.storePath << "\n";
    out << t("期間: ", "period: ") << timeText(since) << t(" から", " to ")
        << (until != 0 ? timeText(until) + t(" まで", "") : std::string(t("現在まで", "now")))
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
    return {true, v.ok() && evidenceOk};
}

} // namespace

std::string describeAuditVerification(const AuditVerification& v,
                                      const std::optional<RecordedHead>& recorded, bool japanese) {
    return describe(v, recorded, Lang{japanese});
}

AuditExportOutcome writeAuditExport(Store& store, const AuditExportRequest& request,
                                    std::ostream& out, std::ostream& notes) {
    return request.caseId != 0 ? exportCase(store, request, out, notes)
                               : exportPeriod(store, request, out, notes);
}

} // namespace vw
