// `vulnwatch backup FILE` and `vulnwatch restore FILE` (issue 15 part 3; docs/operations.md
// "Backup and restore"): an online copy of the store, checked before it counts, and its
// restore over a store no process has open. store/backup.h does the work.
#include "core/json_writer.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/backup.h"
#include "store/store.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace vw::cli {
namespace {

namespace fs = std::filesystem;

/// The store's location: --db, else [store] path (or url with backend = postgresql).
std::string storePath(const Context& ctx) {
    if (!ctx.globals.db.empty()) {
        return ctx.globals.db;
    }
    if (const std::optional<Config> config = maybeConfig(ctx, false);
        config && !config->store.location().empty()) {
        return config->store.location();
    }
    throw UsageError("no store: give --db PATH or a config file with [store] path");
}

/// backup and restore copy a SQLite file: a PostgreSQL store (a URL, or a file path the test
/// redirect of docs/testing.md turns into one) is refused with what to use instead.
bool refusedOnPostgres(Context& ctx, const std::string& location, const char* command) {
    const char* redirect = std::getenv("VULNWATCH_TEST_PG_URL");
    if (!Store::isPostgresUrl(location) && (redirect == nullptr || *redirect == '\0')) {
        return false;
    }
    ctx.err << "vulnwatch: " << command
            << " は SQLite のストアのためのものです。PostgreSQL のストアは pg_dump と pg_restore "
               "(またはサーバーのバックアップ) で保存・復元してください / "
            << command
            << " is for a SQLite store; back up and restore a PostgreSQL store with pg_dump and "
               "pg_restore (or the server's own backups) — docs/operations.md\n";
    return true;
}

/// Makes a rename in `file`'s directory durable.
void syncDirectoryOf(const std::string& file) {
    const fs::path dir = fs::absolute(fs::path(file)).parent_path();
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

void writeCheckJson(JsonWriter& w, const DatabaseCheck& c) {
    w.key("bytes").value(static_cast<long long>(c.bytes));
    w.key("schema_version").value(static_cast<long long>(c.schema));
    w.key("integrity").value(c.integrityOk ? std::string("ok") : c.integrity);
    w.key("records").value(static_cast<long long>(c.records));
    w.key("cases").value(static_cast<long long>(c.cases));
    w.key("outbox").value(static_cast<long long>(c.outbox));
    w.key("audit");
    if (c.auditChecked) {
        w.beginObject();
        w.key("ok").value(c.audit.ok());
        w.key("problem").value(std::string(auditProblemName(c.audit.problem)));
        w.key("events").value(static_cast<long long>(c.audit.events));
        w.key("head").value(c.audit.head.hash + "@" + std::to_string(c.audit.head.seq));
        w.endObject();
    } else {
        w.null();
    }
}

/// One line on what a check found, for people.
std::string describe(const DatabaseCheck& c) {
    std::string text = std::to_string(c.bytes) + " bytes, schema " + std::to_string(c.schema) +
                       ", " + std::to_string(c.records) + " records, " + std::to_string(c.cases) +
                       " cases, " + std::to_string(c.outbox) + " outbox messages; integrity " +
                       (c.integrityOk ? "ok" : "FAILED");
    if (c.auditChecked) {
        text += c.audit.ok()
                    ? "; audit chain ok (" + std::to_string(c.audit.events) + " events, head " +
                          c.audit.head.hash + "@" + std::to_string(c.audit.head.seq) + ")"
                    : "; audit chain BROKEN (" + std::string(auditProblemName(c.audit.problem)) +
                          " at event " + std::to_string(c.audit.badEvent) + ")";
    } else if (c.integrityOk) {
        text += "; audit chain not checked (schema " + std::to_string(c.schema) +
                ", this vulnwatch reads " + std::to_string(Store::latestSchemaVersion()) + ")";
    }
    return text;
}

/// "20261129T063000Z"
std::string utcStamp() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

} // namespace

int cmdBackup(Context& ctx, const std::vector<std::string>& args) {
    const Options opt(args, {{"force", false}, {"json", false}});
    opt.expectPositional(1, 1, "the backup FILE to write (backup FILE [--force] [--json])");
    const std::string source = storePath(ctx);
    if (refusedOnPostgres(ctx, source, "backup")) {
        return kExitFailure;
    }
    const std::string dest = opt.positional()[0];
    std::error_code ec;
    if (!fs::is_regular_file(source, ec)) {
        ctx.err << "vulnwatch: " << source << ": no such store; nothing was backed up\n";
        return kExitFailure;
    }
    if (fs::exists(dest, ec) && !opt.has("force")) {
        ctx.err << "vulnwatch: " << dest
                << " exists already; give --force to replace it (バックアップ先が既にあります)\n";
        return kExitFailure;
    }
    if (fs::equivalent(source, dest, ec)) {
        ctx.err << "vulnwatch: " << dest << " is the store itself\n";
        return kExitFailure;
    }
    // Written beside the destination and renamed when it is checked: a FILE that exists is
    // always a whole, checked backup.
    const std::string partial = dest + ".partial";
    fs::remove(partial, ec); // left by a backup that was killed
    try {
        copyDatabase(source, partial);
        const DatabaseCheck check = checkDatabaseFile(partial);
        if (!check.ok()) {
            fs::remove(partial, ec);
            ctx.err << "vulnwatch: the copy of " << source << " does not check: " << describe(check)
                    << "; no backup was written (バックアップを検証できません)\n";
            return kExitFailure;
        }
        fs::rename(partial, dest);
        syncDirectoryOf(dest);
        if (opt.has("json")) {
            JsonWriter w;
            w.beginObject().key("backup").value(dest).key("source").value(source);
            writeCheckJson(w, check);
            w.endObject();
            ctx.out << w.str() << "\n";
        } else {
            ctx.out << "backup " << dest << " of " << source << ": " << describe(check) << "\n";
        }
    } catch (const std::exception& e) {
        fs::remove(partial, ec);
        ctx.err << "vulnwatch: " << e.what() << "; no backup was written\n";
        return kExitFailure;
    }
    return kExitOk;
}

int cmdRestore(Context& ctx, const std::vector<std::string>& args) {
    const Options opt(args, {{"json", false}});
    opt.expectPositional(1, 1, "the backup FILE to restore (restore FILE [--json])");
    const std::string target = storePath(ctx);
    if (refusedOnPostgres(ctx, target, "restore")) {
        return kExitFailure;
    }
    const std::string backup = opt.positional()[0];
    std::error_code ec;
    if (fs::exists(target, ec) && fs::equivalent(target, backup, ec)) {
        ctx.err << "vulnwatch: " << backup << " is the store itself\n";
        return kExitFailure;
    }
    // Running instances hold the store's instance lock; the exclusive lock keeps one from
    // starting on it until the restore is done. Any other process that has it open is named.
    std::unique_ptr<InstanceLock> lock;
    if (fs::exists(target, ec)) {
        lock = InstanceLock::tryLock(target, true);
        if (!lock) {
            std::string list;
            for (const std::string& u : processesUsing(target)) {
                list += (list.empty() ? "" : ", ") + u;
            }
            ctx.err << "vulnwatch: " << target << " is in use by a running vulnwatch"
                    << (list.empty() ? std::string() : " (" + list + ")")
                    << "; stop it first (systemctl stop vulnwatch vulnwatch-web) — nothing was "
                       "restored (稼働中のインスタンスが使用中のため復元できません)\n";
            return kExitFailure;
        }
    }
    if (const std::vector<std::string> users = processesUsing(target); !users.empty()) {
        std::string list;
        for (const std::string& u : users) {
            list += (list.empty() ? "" : ", ") + u;
        }
        ctx.err << "vulnwatch: " << target << " is open in " << list
                << "; stop them first (systemctl stop vulnwatch vulnwatch-web) — nothing was "
                   "restored (使用中のデータベースには復元できません)\n";
        return kExitFailure;
    }
    DatabaseCheck check;
    try {
        check = checkDatabaseFile(backup);
    } catch (const std::exception& e) {
        ctx.err << "vulnwatch: " << e.what() << "; nothing was restored\n";
        return kExitFailure;
    }
    if (check.schema > Store::latestSchemaVersion()) {
        ctx.err << "vulnwatch: " << backup << " has schema version " << check.schema
                << ", newer than this vulnwatch knows (" << Store::latestSchemaVersion()
                << "); restore it with a newer vulnwatch — nothing was restored\n";
        return kExitFailure;
    }
    if (!check.ok()) {
        ctx.err << "vulnwatch: " << backup << " does not check: " << describe(check)
                << "; nothing was restored\n";
        return kExitFailure;
    }
    const std::string incoming = target + ".restoring";
    std::string kept;
    try {
        fs::remove(incoming, ec);
        copyDatabase(backup, incoming);
        if (fs::exists(target, ec)) {
            // The old store, its WAL folded in, is kept beside it: a restore loses nothing.
            checkpointDatabase(target);
            kept = target + ".before-restore-" + utcStamp();
            fs::rename(target, kept);
        }
        for (const char* suffix : {"-wal", "-shm"}) {
            fs::remove(target + suffix, ec);
        }
        fs::rename(incoming, target);
        syncDirectoryOf(target);
    } catch (const std::exception& e) {
        fs::remove(incoming, ec);
        ctx.err << "vulnwatch: " << e.what() << "; nothing was restored\n";
        return kExitFailure;
    }
    if (opt.has("json")) {
        JsonWriter w;
        w.beginObject().key("restored").value(target).key("from").value(backup);
        w.key("previous");
        kept.empty() ? w.null() : w.value(kept);
        writeCheckJson(w, check);
        w.endObject();
        ctx.out << w.str() << "\n";
    } else {
        ctx.out << "restored " << target << " from " << backup << ": " << describe(check) << "\n";
        if (!kept.empty()) {
            ctx.out << "the previous store is kept as " << kept << "\n";
        }
    }
    return kExitOk;
}

} // namespace vw::cli
