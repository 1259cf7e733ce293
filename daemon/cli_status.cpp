// `vulnwatch status [--json] [--lang ja|en]`: the store's health at a glance (store/status.h,
// docs/operations.md "Monitoring"). Human text is Japanese unless --lang en; --json gives one
// object whose keys are documented there.
#include "core/datetime.h"
#include "core/json_writer.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/leader_lock.h"
#include "store/status.h"

#include <iomanip>
#include <sstream>

namespace vw::cli {

namespace {

void writeTime(JsonWriter& w, std::int64_t t) {
    if (t == 0) {
        w.null();
    } else {
        w.value(formatIsoDateTime(DateTime{t, 540}));
    }
}

/// "1.5 MiB" / "12 KiB" / "800 B".
std::string formatBytes(std::int64_t bytes) {
    std::ostringstream out;
    if (bytes >= 1024 * 1024) {
        out << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1024.0 * 1024.0)
            << " MiB";
    } else if (bytes >= 1024) {
        out << bytes / 1024 << " KiB";
    } else {
        out << bytes << " B";
    }
    return out.str();
}

/// The `vulnwatch run` that is active (nullopt: none); nullptr for an in-memory store.
using ActiveDaemon = std::optional<LeaderLock::Holder>;

void printJson(Context& ctx, const StatusSnapshot& s, const std::string& dbPath,
               const ActiveDaemon* active) {
    JsonWriter w;
    w.beginObject().key("generated_at");
    writeTime(w, s.now);
    w.key("day_start");
    writeTime(w, s.dayStart);
    w.key("sources").beginArray();
    for (const SourceStatus& src : s.sources) {
        w.beginObject().key("name").value(src.source.name).key("type").value(src.source.type);
        w.key("enabled").value(src.source.enabled);
        w.key("interval_seconds").value(static_cast<long long>(src.source.interval.count()));
        w.key("last_success");
        writeTime(w, src.state.lastSuccess);
        w.key("last_attempt");
        writeTime(w, src.state.lastAttempt);
        w.key("error_count").value(src.state.errorCount);
        w.key("last_error").value(src.state.lastError);
        w.key("next_poll");
        writeTime(w, src.nextPoll);
        w.key("items_today").value(static_cast<long long>(src.itemsToday));
        w.key("alert").value(src.state.alert);
        w.endObject();
    }
    w.endArray();
    w.key("items_today").beginObject();
    for (const auto& [channel, n] : s.itemsTodayByChannel) {
        w.key(channel).value(static_cast<long long>(n));
    }
    w.endObject();
    w.key("records").value(static_cast<long long>(s.records));
    w.key("matches").value(static_cast<long long>(s.matches));
    w.key("outbox").beginObject();
    w.key("pending").value(static_cast<long long>(s.outboxPending));
    w.key("dead").value(static_cast<long long>(s.outboxDead));
    w.key("delivered").value(static_cast<long long>(s.outboxDelivered));
    w.key("total").value(static_cast<long long>(s.outboxTotal));
    w.key("delivery_attempts").value(static_cast<long long>(s.deliveryAttempts));
    w.endObject();
    w.key("cases").beginObject();
    w.key("open").value(static_cast<long long>(s.openCases));
    w.key("overdue").value(static_cast<long long>(s.overdueCases));
    w.key("by_state").beginObject();
    for (const auto& [state, n] : s.cases) {
        w.key(state).value(static_cast<long long>(n));
    }
    w.endObject().endObject();
    w.key("audit").beginObject();
    w.key("seq").value(static_cast<long long>(s.auditHead.seq));
    w.key("hash").value(s.auditHead.hash);
    w.key("at");
    writeTime(w, s.auditHeadAt);
    w.endObject();
    w.key("database").beginObject();
    w.key("path").value(dbPath);
    w.key("bytes").value(static_cast<long long>(s.dbBytes));
    w.key("wal_bytes").value(static_cast<long long>(s.walBytes));
    w.key("schema_version").value(s.schemaVersion);
    w.endObject();
    if (active != nullptr) {
        w.key("active_daemon");
        if (*active) {
            w.beginObject().key("name").value((*active)->application);
            w.key("client").value((*active)->client).key("since").value((*active)->since);
            w.endObject();
        } else {
            w.null();
        }
    }
    w.endObject();
    ctx.out << w.str() << "\n";
}

void printText(Context& ctx, const StatusSnapshot& s, const std::string& dbPath, Lang t,
               const ActiveDaemon* active, bool postgres) {
    std::ostream& out = ctx.out;
    out << t("状態", "status") << " (" << formatTime(s.now) << ")\n\n";
    out << t("情報源", "sources") << ":\n";
    if (s.sources.empty()) {
        out << "  " << t("(設定に情報源がありません)", "(no source configured)") << "\n";
    }
    for (const SourceStatus& src : s.sources) {
        out << "  " << src.source.name << " (" << src.source.type
            << (src.source.enabled ? "" : t(", 無効", ", disabled")) << ")\n";
        out << "    " << t("最終成功", "last success") << ": " << formatTime(src.state.lastSuccess)
            << "\n";
        out << "    " << t("最終エラー", "last error") << ": ";
        if (src.state.lastError.empty()) {
            out << "-\n";
        } else {
            out << src.state.lastError << " (" << t("連続 ", "") << src.state.errorCount
                << t(" 回失敗", " failures in a row") << ")\n";
        }
        out << "    " << t("次回取得 (推定)", "next poll (estimated)") << ": "
            << (src.nextPoll == 0 ? std::string(t("デーモン起動時", "when the daemon starts"))
                                  : formatTime(src.nextPoll))
            << "\n";
        out << "    " << t("本日の新規件数", "new records today") << ": " << src.itemsToday << "\n";
        if (!src.state.alert.empty()) {
            out << "    " << t("警告中", "alert") << ": " << src.state.alert << " ("
                << formatTime(src.state.alertSince) << ")\n";
        }
    }
    bool others = false;
    for (const auto& [channel, n] : s.itemsTodayByChannel) {
        bool configured = false;
        for (const SourceStatus& src : s.sources) {
            configured = configured || src.source.name == channel;
        }
        if (!configured) {
            out << (others ? ""
                           : std::string("  ") +
                                 t("その他の本日の新規件数", "other new records today") + ":\n")
                << "    " << channel << ": " << n << "\n";
            others = true;
        }
    }
    out << "\n"
        << t("通知キュー", "outbox") << ": " << t("未送信 ", "pending ") << s.outboxPending
        << t(" 件, 配送不能 ", ", dead ") << s.outboxDead << t(" 件, 送信済み ", ", delivered ")
        << s.outboxDelivered << t(" 件", "") << "\n";
    out << t("対応案件", "cases") << ": " << t("未完了 ", "open ") << s.openCases
        << t(" 件, 期限超過 ", ", overdue ") << s.overdueCases << t(" 件", "") << "\n";
    out << t("記録件数", "records") << ": " << s.records << ", " << t("一致", "matches") << ": "
        << s.matches << "\n";
    out << t("監査証跡の先頭", "audit head") << ": " << s.auditHead.seq << " " << s.auditHead.hash
        << " (" << formatTime(s.auditHeadAt) << ")\n";
    // PostgreSQL: the server's WAL is shared by all its databases, so there is no WAL of this
    // store to show (the JSON keeps wal_bytes 0).
    out << t("データベース", "database") << ": " << dbPath << " " << formatBytes(s.dbBytes)
        << (postgres ? std::string() : " + WAL " + formatBytes(s.walBytes)) << " ("
        << t("スキーマ ", "schema ") << s.schemaVersion << ")\n";
    if (active != nullptr) {
        out << t("稼働中のデーモン", "active daemon") << ": ";
        if (*active) {
            out << (*active)->application << " (" << t("接続元 ", "from ") << (*active)->client
                << ", " << t("開始 ", "since ") << (*active)->since << ")\n";
        } else {
            out << t("なし (vulnwatch run は動いていません)", "none (no vulnwatch run is running)")
                << "\n";
        }
    }
}

} // namespace

int cmdStatus(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"json", false}, {"lang", true}});
    opt.expectPositional(0, 0, "no arguments besides --json and --lang");
    const Lang lang = langOf(opt);
    // No secret is needed to report the state: a missing or unreadable secret file (the
    // notifier's password, say) must not hide the rest of the status from the administrator.
    // (The one secret it needs, the PostgreSQL store's password, openStore reads itself.)
    const auto config = maybeConfig(ctx, false, false);
    auto store = openStore(ctx, config);
    std::vector<StatusSource> sources;
    if (config) {
        for (const SourceConfig& s : config->sources) {
            sources.push_back(StatusSource{s.name, s.type, s.enabled, s.interval});
        }
    }
    const StatusSnapshot s = readStatus(*store, sources, unixNow());
    const std::string& dbPath = store->db().path();
    // Which `vulnwatch run` holds the store's lock (docs/operations.md): PostgreSQL's advisory
    // lock, or the SQLite file's run lock (not for an in-memory store).
    ActiveDaemon active;
    const bool postgres = store->db().isPostgres();
    const bool showActive = postgres || dbPath != ":memory:";
    if (postgres) {
        active = activeDaemon(store->db());
    } else if (showActive) {
        if (const auto holder = activeDaemonOfFile(dbPath)) {
            LeaderLock::Holder h;
            h.pid = holder->pid;
            h.application = "vulnwatch run " + holder->host + ":" + std::to_string(holder->pid);
            h.client = "local";
            h.since = holder->since;
            active = h;
        }
    }
    if (opt.has("json")) {
        printJson(ctx, s, dbPath, showActive ? &active : nullptr);
    } else {
        printText(ctx, s, dbPath, lang, showActive ? &active : nullptr, postgres);
    }
    return kExitOk;
}

} // namespace vw::cli
