// `vulnwatch --db FILE store copy --to postgresql://USER@HOST:PORT/DB [--password-file F]`
// (issue 17 part 5; docs/operations.md "Moving to PostgreSQL"): an existing SQLite store moved
// into an empty PostgreSQL database, audit chain included. store/copy.h does the work.
#include "core/json_writer.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/backup.h"
#include "store/copy.h"
#include "store/postgres.h"
#include "store/store.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <unistd.h>

namespace vw::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStoreUsage =
    "store copy --to postgresql://USER@HOST:PORT/DB [--password-file FILE] [--json] "
    "[--lang ja|en]";

/// A refusal or failure: exit 1 with the message in the chosen language.
struct CopyFailure {
    std::string ja;
    std::string en;
};

/// The store to copy: --db, else [store] path (the SQLite file, whatever `backend` says).
std::string sourcePath(const Context& ctx, const std::optional<Config>& config) {
    if (!ctx.globals.db.empty()) {
        return ctx.globals.db;
    }
    if (config && !config->store.path.empty()) {
        return config->store.path;
    }
    throw UsageError("no store to copy: give --db FILE or a config file with [store] path");
}

/// The password in `path`: its first line (a final line break is not part of it).
std::string readPasswordFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw CopyFailure{"パスワードファイル " + path + " を読めません",
                          "cannot read the password file " + path};
    }
    std::string password;
    std::getline(in, password);
    if (!password.empty() && password.back() == '\r') {
        password.pop_back();
    }
    if (password.empty()) {
        throw CopyFailure{"パスワードファイル " + path + " が空です",
                          "the password file " + path + " is empty"};
    }
    return password;
}

std::string headText(const AuditHead& head) {
    return head.hash + "@" + std::to_string(head.seq);
}

std::string fixed2(double seconds) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << seconds;
    return s.str();
}

/// `text` padded with spaces to `width` columns (a character beyond ASCII takes two), on the
/// left when `right`.
std::string padded(const std::string& text, std::size_t width, bool right = false) {
    std::size_t columns = 0;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        columns += byte < 0x80 ? 1 : (byte >= 0xC0 ? 2 : 0);
    }
    const std::string pad(columns < width ? width - columns : 0, ' ');
    return right ? pad + text : text + pad;
}

/// "a; b; c" — at most `most` items, then "… (N more)".
std::string joined(const std::vector<std::string>& items, std::size_t most = 10) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < most; ++i) {
        out += (out.empty() ? "" : "; ") + items[i];
    }
    if (items.size() > most) {
        out += "; … (" + std::to_string(items.size() - most) + " more)";
    }
    return out;
}

/// The failure of a refused or undone copy, in both languages.
CopyFailure describe(const StoreCopyError& e, const std::string& dest) {
    const std::string details = joined(e.details());
    switch (e.kind()) {
    case StoreCopyError::Kind::NotEmpty:
        return {"コピー先 " + dest + " には既にデータがあります (" + details +
                    ")。空のデータベースを指定してください。何もコピーしていません",
                "the destination " + dest + " already holds data (" + details +
                    "); give an empty database — nothing was copied"};
    case StoreCopyError::Kind::Drift:
        return {"SQLite と PostgreSQL のスキーマが一致しません (" + details +
                    ")。同じ版の vulnwatch が作ったものか確認してください。何もコピーしていません",
                "the SQLite and PostgreSQL schemas disagree (" + details +
                    "); both must come from this vulnwatch — nothing was copied"};
    case StoreCopyError::Kind::Mismatch:
        return {"コピーがコピー元と一致しません (" + details + ")。コミットしていません",
                "the copy does not match the source (" + details + "); nothing was committed"};
    case StoreCopyError::Kind::AuditBroken:
        return {std::string("監査証跡のハッシュチェーンを検証できないため、コピーを取り消しました "
                            "(何もコミットしていません): ") +
                    e.what(),
                e.what()};
    case StoreCopyError::Kind::NotPostgres:
        break;
    }
    return {e.what(), e.what()};
}

void printJson(Context& ctx, const std::string& source, const std::string& dest, int schema,
               int migratedFrom, const StoreCopyReport& r) {
    JsonWriter w;
    w.beginObject();
    w.key("source").value(source);
    w.key("destination").value(dest);
    w.key("schema_version").value(schema);
    w.key("migrated_from");
    migratedFrom > 0 ? w.value(migratedFrom) : w.null();
    w.key("tables").beginArray();
    for (const TableCopyResult& t : r.tables) {
        w.beginObject();
        w.key("name").value(t.table);
        w.key("rows").value(static_cast<long long>(t.destRows));
        w.key("seconds").value(t.seconds);
        w.endObject();
    }
    w.endArray();
    w.key("rows").value(static_cast<long long>(r.rows));
    w.key("audit").beginObject();
    w.key("ok").value(r.destAudit.ok());
    w.key("events").value(static_cast<long long>(r.destAudit.events));
    w.key("head").value(headText(r.destHead));
    w.key("source_head").value(headText(r.sourceHead));
    w.endObject();
    w.key("seconds").value(r.seconds);
    w.endObject();
    ctx.out << w.str() << "\n";
}

void printText(Context& ctx, const Lang& t, const std::string& source, const std::string& dest,
               int schema, int migratedFrom, const StoreCopyReport& r) {
    if (t.ja) {
        ctx.out << source << " を " << dest << " にコピーしました (スキーマ " << schema << ")\n";
        if (migratedFrom > 0) {
            ctx.out << "コピー元はコピーの前にスキーマ " << migratedFrom << " から " << schema
                    << " に移行しました\n";
        }
    } else {
        ctx.out << "copied " << source << " into " << dest << " (schema " << schema << ")\n";
        if (migratedFrom > 0) {
            ctx.out << "the source was migrated from schema " << migratedFrom << " to " << schema
                    << " before the copy\n";
        }
    }
    std::size_t width = 5;
    for (const TableCopyResult& table : r.tables) {
        width = std::max(width, table.table.size());
    }
    ctx.out << "  " << padded(t("表", "table"), width) << padded(t("行数", "rows"), 10, true)
            << padded(t("秒", "s"), 9, true) << "\n";
    for (const TableCopyResult& table : r.tables) {
        ctx.out << "  " << std::left << std::setw(static_cast<int>(width)) << table.table
                << std::right << std::setw(10) << table.destRows << std::setw(9)
                << fixed2(table.seconds) << "\n";
    }
    if (t.ja) {
        ctx.out << "計 " << r.tables.size() << " 表 " << r.rows << " 行 (" << fixed2(r.seconds)
                << " 秒)。各表の行数はコピー元と一致しています\n";
        ctx.out << "監査証跡: " << r.destAudit.events << " 件、先頭 " << headText(r.destHead)
                << " (コピー元と同じ。ハッシュチェーンを検証済み)\n";
    } else {
        ctx.out << r.tables.size() << " tables, " << r.rows << " rows (" << fixed2(r.seconds)
                << " s); every table has the source's row count\n";
        ctx.out << "audit trail: " << r.destAudit.events << " events, head " << headText(r.destHead)
                << " (the source's; hash chain verified)\n";
    }
}

int storeCopy(Context& ctx, const std::vector<std::string>& args) {
    const Options opt(args,
                      {{"to", true}, {"password-file", true}, {"json", false}, {"lang", true}});
    opt.expectPositional(0, 0, kStoreUsage);
    const Lang t = langOf(opt);
    // Without --to: the database the configuration names ([store] backend = postgresql, url,
    // password_file), so a store can be copied after the configuration was switched.
    const std::optional<Config> config = maybeConfig(ctx, false);
    const bool fromConfig = !opt.has("to") && config && config->store.backend == "postgresql";
    if (!fromConfig && (!opt.has("to") || opt.get("to").empty())) {
        throw UsageError(std::string("store copy needs --to postgresql://USER@HOST:PORT/DB, or a "
                                     "config file with [store] backend = postgresql (") +
                         kStoreUsage + ")");
    }
    const std::string url = fromConfig ? config->store.url : opt.get("to");
    if (!Store::isPostgresUrl(url)) {
        throw UsageError("--to expects a PostgreSQL URL postgresql://USER@HOST:PORT/DB, not '" +
                         pg::redactUrl(url) + "'");
    }
    const std::string dest = pg::redactUrl(url);
    const std::string source = sourcePath(ctx, config);
    if (Store::isPostgresUrl(source)) {
        throw UsageError("store copy reads a SQLite store: give --db FILE (the store is " +
                         pg::redactUrl(source) + ")");
    }
    const auto fail = [&](const CopyFailure& f) {
        ctx.err << "vulnwatch: " << (t.ja ? f.ja : f.en) << "\n";
        return kExitFailure;
    };
    try {
        std::error_code ec;
        if (!fs::is_regular_file(source, ec)) {
            return fail({source + ": そのようなストアはありません。何もコピーしていません",
                         source + ": no such store; nothing was copied"});
        }
        const std::string password = opt.has("password-file")
                                         ? readPasswordFile(opt.get("password-file"))
                                     : fromConfig ? config->store.password.value
                                                  : "";
        // `vulnwatch run` and `serve` hold the store's instance lock shared while they run: what
        // they wrote after the snapshot would be missing from the copy. Held exclusively until
        // the copy is done, so neither starts meanwhile.
        const std::unique_ptr<InstanceLock> lock = InstanceLock::tryLock(source, true);
        if (!lock) {
            std::string users;
            for (const std::string& u : processesUsing(source)) {
                users += (users.empty() ? "" : ", ") + u;
            }
            users = users.empty() ? std::string() : " (" + users + ")";
            return fail({source + " は稼働中の vulnwatch が使用中です" + users +
                             "。先に停止してください (systemctl stop vulnwatch vulnwatch-web)。"
                             "何もコピーしていません",
                         source + " is in use by a running vulnwatch" + users +
                             "; stop it first (systemctl stop vulnwatch vulnwatch-web) — nothing "
                             "was copied"});
        }
        std::unique_ptr<Store> from;
        try {
            from = Store::open(source);
        } catch (const StoreError& e) {
            return fail(
                {std::string("コピー元を開けません: ") + e.what() + "。何もコピーしていません",
                 std::string("cannot open the source: ") + e.what() + "; nothing was copied"});
        }
        if (from->db().isPostgres()) {
            // Only the test redirect (docs/testing.md) makes a file path a PostgreSQL store.
            return fail({source + " は SQLite のストアとして開けません (VULNWATCH_TEST_PG_URL "
                                  "が設定されています)",
                         source + " did not open as a SQLite store (VULNWATCH_TEST_PG_URL is "
                                  "set)"});
        }
        const int schema = from->schemaVersion();
        const int migratedFrom =
            from->migrationsApplied() > 0 ? schema - from->migrationsApplied() : 0;
        std::unique_ptr<Store> to;
        try {
            to = Store::open(url, password);
        } catch (const StoreError& e) {
            return fail(
                {std::string("コピー先を開けません: ") + e.what() + "。何もコピーしていません",
                 std::string(e.what()) + "; nothing was copied"});
        }
        const bool tty = ::isatty(STDERR_FILENO) != 0 && !opt.has("json");
        const StoreCopyReport report = copyStore(*from, *to, [&](const TableCopyResult& r) {
            if (tty) {
                ctx.err << "  " << r.table << ": " << r.sourceRows << "\n";
            }
        });
        if (opt.has("json")) {
            printJson(ctx, source, dest, schema, migratedFrom, report);
        } else {
            printText(ctx, t, source, dest, schema, migratedFrom, report);
        }
        return kExitOk;
    } catch (const CopyFailure& f) {
        return fail(f);
    } catch (const StoreCopyError& e) {
        return fail(describe(e, dest));
    } catch (const StoreError& e) {
        return fail({std::string(e.what()) + "。コピーは取り消しました (何もコミットしていません)",
                     std::string(e.what()) + "; the copy was rolled back, nothing was committed"});
    }
}

} // namespace

int cmdStore(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "copy") {
        throw UsageError(std::string("expected ") + kStoreUsage);
    }
    return storeCopy(ctx, {args.begin() + 1, args.end()});
}

} // namespace vw::cli
