// `vulnwatch evidence stats|prune|show`: the evidence blobs (store/evidence.h, docs/audit.md
// "Evidence"). Human text is Japanese unless --lang en; --json gives one object.
#include "core/json_writer.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/evidence.h"

#include <fstream>
#include <iostream>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "evidence stats [--json] [--lang ja|en] | evidence prune [--retention-days N|forever] "
    "[--json] [--lang ja|en] | evidence show HASH [--out FILE|-] [--json] [--lang ja|en]";

std::unique_ptr<Store> storeFor(Context& ctx, std::optional<Config>& config) {
    config = maybeConfig(ctx, false);
    return openStore(ctx, config);
}

/// "12.3" (one decimal) of a ratio, "-" when there is nothing to compare.
std::string ratioText(std::int64_t raw, std::int64_t stored) {
    if (raw <= 0 || stored <= 0) {
        return "-";
    }
    const auto tenths = (raw * 10 + stored / 2) / stored;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

int stats(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --json and --lang");
    const Lang t = langOf(opt);
    std::optional<Config> config;
    auto store = storeFor(ctx, config);
    const EvidenceStats s = evidenceStats(*store);
    const int retention = config ? config->evidence.retentionDays : EvidenceConfig{}.retentionDays;
    if (opt.has("json")) {
        JsonWriter w;
        w.beginObject().key("blobs").value(static_cast<long long>(s.blobs));
        w.key("kept").value(static_cast<long long>(s.kept));
        w.key("pruned").value(static_cast<long long>(s.pruned));
        w.key("not_kept").value(static_cast<long long>(s.notKept));
        w.key("raw_bytes").value(static_cast<long long>(s.rawBytes));
        w.key("stored_bytes").value(static_cast<long long>(s.storedBytes));
        w.key("oldest");
        if (s.oldest != 0) {
            w.value(formatTime(s.oldest));
        } else {
            w.null();
        }
        w.key("retention_days");
        if (retention == 0) {
            w.value("forever");
        } else {
            w.value(static_cast<long long>(retention));
        }
        w.endObject();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    ctx.out << t("証拠: ", "evidence: ") << s.blobs << t(" 件 (内容あり ", " blobs (") << s.kept
            << t(" 件、保存期間により削除 ", " kept, ") << s.pruned
            << t(" 件、ハッシュのみ ", " pruned, ") << s.notKept
            << t(" 件)", " recorded by hash only)") << "\n";
    ctx.out << t("内容のサイズ: ", "raw bytes kept: ") << s.rawBytes
            << t(" バイト、圧縮後 ", " bytes, stored as ") << s.storedBytes
            << t(" バイト (圧縮率 ", " bytes (ratio ") << ratioText(s.rawBytes, s.storedBytes)
            << ")\n";
    if (s.oldest != 0) {
        ctx.out << t("最も古い証拠: ", "oldest: ") << formatTime(s.oldest) << "\n";
    }
    ctx.out << t("保存期間 ([evidence] retention_days): ",
                 "retention ([evidence] retention_days): ")
            << (retention == 0 ? std::string(t("無期限 (forever)", "forever"))
                               : std::to_string(retention) + t(" 日", " days"))
            << "\n";
    return kExitOk;
}

int prune(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --retention-days, --json and --lang");
    const Lang t = langOf(opt);
    std::optional<Config> config;
    auto store = storeFor(ctx, config);
    int days = config ? config->evidence.retentionDays : EvidenceConfig{}.retentionDays;
    if (opt.has("retention-days")) {
        const std::string text = opt.get("retention-days");
        if (text == "forever") {
            days = 0;
        } else if (text.empty() || text.size() > 5 ||
                   text.find_first_not_of("0123456789") != std::string::npos ||
                   std::stoi(text) < 1 || std::stoi(text) > 36500) {
            throw UsageError("--retention-days expects a number of days from 1 to 36500 or "
                             "'forever', not '" +
                             text + "'");
        } else {
            days = std::stoi(text);
        }
    }
    EvidencePruned pruned;
    const std::int64_t now = unixNow();
    if (days != 0) {
        pruned = pruneEvidence(*store, now - static_cast<std::int64_t>(days) * 86400, now);
    }
    if (opt.has("json")) {
        JsonWriter w;
        w.beginObject().key("retention_days");
        if (days == 0) {
            w.value("forever");
        } else {
            w.value(static_cast<long long>(days));
        }
        w.key("pruned").value(static_cast<long long>(pruned.blobs));
        w.key("raw_bytes").value(static_cast<long long>(pruned.bytes));
        w.key("freed_bytes").value(static_cast<long long>(pruned.freed));
        w.key("event").value(static_cast<long long>(pruned.event)).endObject();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    if (days == 0) {
        ctx.out << t("保存期間は無期限 (forever) です。削除するものはありません。\n",
                     "retention is forever: nothing to prune.\n");
        return kExitOk;
    }
    if (pruned.blobs == 0) {
        ctx.out << days
                << t(" 日より前から使われていない証拠はありません。\n",
                     " days: no evidence unused for that long.\n");
        return kExitOk;
    }
    ctx.out << t("証拠 ", "pruned the bytes of ") << pruned.blobs
            << t(" 件の内容を削除しました (", " evidence blobs (") << pruned.freed
            << t(" バイト解放、ハッシュとサイズは保持)。監査イベント #",
                 " bytes freed; hashes and sizes kept); audit event #")
            << pruned.event << "\n";
    return kExitOk;
}

int show(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "one evidence HASH (64 hex digits)");
    const Lang t = langOf(opt);
    std::string hash = opt.positional()[0];
    for (char& c : hash) {
        c = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (!isEvidenceHash(hash)) {
        throw UsageError("evidence show expects a SHA-256 of 64 hex digits, not '" +
                         terminalSafe(opt.positional()[0]) + "'");
    }
    std::optional<Config> config;
    auto store = storeFor(ctx, config);
    const EvidenceRead read = readEvidence(*store, hash);
    if (opt.has("out") && read.ok()) {
        const std::string out = opt.get("out");
        if (out == "-") {
            ctx.out.write(read.bytes.data(), static_cast<std::streamsize>(read.bytes.size()));
            ctx.out.flush();
            return kExitOk;
        }
        std::ofstream file(out, std::ios::binary | std::ios::trunc);
        file.write(read.bytes.data(), static_cast<std::streamsize>(read.bytes.size()));
        file.close();
        if (!file) {
            ctx.err << "vulnwatch: " << t("書き込めません: ", "cannot write ") << out << "\n";
            return kExitFailure;
        }
    }
    if (opt.has("json")) {
        JsonWriter w;
        w.beginObject().key("hash").value(hash);
        w.key("status").value(evidenceStatusName(read.status));
        if (read.info) {
            w.key("media_type").value(read.info->mediaType);
            w.key("size").value(static_cast<long long>(read.info->size));
            w.key("compression").value(read.info->compression);
            w.key("stored_bytes").value(static_cast<long long>(read.info->storedBytes));
            w.key("first_seen").value(formatTime(read.info->firstSeen));
            w.key("last_seen").value(formatTime(read.info->lastSeen));
            w.key("pruned_at");
            if (read.info->prunedAt != 0) {
                w.value(formatTime(read.info->prunedAt));
            } else {
                w.null();
            }
        }
        if (!read.ok()) {
            w.key("message").value(t.ja ? evidenceProblemJa(read, hash) : read.problem);
        }
        w.endObject();
        ctx.out << w.str() << "\n";
        return read.ok() ? kExitOk : kExitFailure;
    }
    if (!read.ok()) {
        ctx.err << "vulnwatch: " << (t.ja ? evidenceProblemJa(read, hash) : read.problem) << "\n";
        return kExitFailure;
    }
    const EvidenceInfo& info = *read.info;
    ctx.out << t("証拠 ", "evidence ") << hash << "\n";
    ctx.out << t("  種類: ", "  media type: ") << info.mediaType << "\n";
    ctx.out << t("  サイズ: ", "  size: ") << info.size << t(" バイト (保存 ", " bytes (stored ")
            << info.storedBytes << ", " << info.compression << ")\n";
    ctx.out << t("  初回: ", "  first seen: ") << formatTime(info.firstSeen) << "\n";
    ctx.out << t("  最終: ", "  last seen: ") << formatTime(info.lastSeen) << "\n";
    ctx.out << t("  SHA-256 を検証しました", "  SHA-256 verified");
    if (opt.has("out")) {
        ctx.out << t("。書き出し先: ", "; written to ") << opt.get("out");
    }
    ctx.out << "\n";
    return kExitOk;
}

} // namespace

int cmdEvidence(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::string sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "stats") {
        return stats(ctx, Options(rest, {{"json", false}, {"lang", true}}));
    }
    if (sub == "prune") {
        return prune(ctx,
                     Options(rest, {{"retention-days", true}, {"json", false}, {"lang", true}}));
    }
    if (sub == "show") {
        return show(ctx, Options(rest, {{"out", true}, {"json", false}, {"lang", true}}));
    }
    throw UsageError(kUsage);
}

} // namespace vw::cli
