#include "store/backup.h"

#include "store/sqlite.h"
#include "store/store.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vw {
namespace {

namespace fs = std::filesystem;

/// A raw connection (the Store would migrate and switch to WAL): closed when it goes.
class RawDb {
public:
    RawDb(const std::string& path, int flags) {
        prepareSqlite();
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw StoreError(path + ": " + message);
        }
        sqlite3_busy_timeout(db_, 30000);
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    sqlite3* get() const { return db_; }

    /// The first column of the first row of `sql` as text ("" for none).
    std::string text(const char* sql) const {
        Statement s(db_, sql);
        return s.step() ? s.text(0) : std::string();
    }
    std::int64_t integer(const char* sql) const {
        Statement s(db_, sql);
        return s.step() ? s.integer(0) : 0;
    }
    bool hasTable(const char* name) const {
        Statement s(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
        s.bind(1, std::string_view(name));
        return s.step();
    }

private:
    sqlite3* db_ = nullptr;
};

void syncFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const std::string why = std::strerror(errno);
        if (fd >= 0) {
            ::close(fd);
        }
        throw StoreError("cannot sync " + path + " to disk: " + why);
    }
    ::close(fd);
}

} // namespace

DatabaseCheck checkDatabaseFile(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        throw StoreError(path + ": no such file");
    }
    DatabaseCheck check;
    check.bytes = static_cast<std::int64_t>(fs::file_size(path, ec));
    // A read-only connection to a WAL database leaves an empty -wal and an -shm file behind
    // (it may not remove them): removed again when this check made them.
    struct Tidy {
        std::string wal, shm;
        bool hadWal, hadShm;
        ~Tidy() {
            std::error_code e;
            if (!hadWal && fs::exists(wal, e) && fs::file_size(wal, e) == 0) {
                fs::remove(wal, e);
                if (!hadShm) {
                    fs::remove(shm, e);
                }
            }
        }
    } tidy{path + "-wal", path + "-shm", fs::exists(path + "-wal", ec),
           fs::exists(path + "-shm", ec)};
    {
        const RawDb db(path, SQLITE_OPEN_READONLY);
        try {
            check.schema = static_cast<int>(db.integer("PRAGMA user_version"));
        } catch (const StoreError& e) {
            throw StoreError(path + " is no SQLite database vulnwatch can read: " + e.what());
        }
        Statement integrity(db.get(), "PRAGMA integrity_check(20)");
        while (integrity.step()) {
            const std::string line = integrity.text(0);
            if (line == "ok") {
                check.integrityOk = true;
                break;
            }
            check.integrity += (check.integrity.empty() ? "" : "\n") + line;
        }
        for (auto [table, count] :
             {std::pair{"record", &check.records}, std::pair{"vcase", &check.cases},
              std::pair{"outbox", &check.outbox}}) {
            if (db.hasTable(table)) {
                *count = db.integer((std::string("SELECT count(*) FROM ") + table).c_str());
            }
        }
    }
    if (check.integrityOk && check.schema == Store::latestSchemaVersion()) {
        // Up to date: opening it applies no migration and writes nothing but the WAL switch
        // (already on in a copy of a WAL database).
        auto store = Store::open(path);
        check.audit = verifyAuditChain(*store);
        check.auditChecked = true;
    }
    return check;
}

void copyDatabase(const std::string& source, const std::string& dest) {
    std::error_code ec;
    if (!fs::is_regular_file(source, ec)) {
        throw StoreError(source + ": no such file");
    }
    if (fs::exists(dest, ec)) {
        throw StoreError(dest + " exists already");
    }
    {
        const RawDb from(source, SQLITE_OPEN_READONLY);
        const RawDb to(dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.get(), "main");
        if (backup == nullptr) {
            throw StoreError("cannot start the backup of " + source + ": " +
                             sqlite3_errmsg(to.get()));
        }
        // All pages in one step: one read transaction on the source, so the copy is one
        // consistent snapshot while writers go on (WAL). Busy or locked: wait and go on.
        int rc = SQLITE_OK;
        for (int attempt = 0; attempt < 600; ++attempt) {
            rc = sqlite3_backup_step(backup, -1);
            if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
                break;
            }
            sqlite3_sleep(100);
        }
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) {
            const std::string message = sqlite3_errmsg(to.get());
            throw StoreError("the backup of " + source + " into " + dest + " failed: " + message);
        }
    }
    syncFile(dest);
}

void checkpointDatabase(const std::string& path) {
    const RawDb db(path, SQLITE_OPEN_READWRITE);
    Statement checkpoint(db.get(), "PRAGMA wal_checkpoint(TRUNCATE)");
    if (checkpoint.step() && checkpoint.integer(0) != 0) {
        throw StoreError("cannot fold the WAL of " + path + " into it: the database is busy");
    }
}

InstanceLock::~InstanceLock() {
    ::close(fd_); // releases the flock
}

std::unique_ptr<InstanceLock> InstanceLock::tryLock(const std::string& path, bool exclusive) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw StoreError("cannot open " + path + " to lock it: " + std::strerror(errno));
    }
    if (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        ::close(fd);
        return nullptr;
    }
    return std::unique_ptr<InstanceLock>(new InstanceLock(fd));
}

std::vector<std::string> processesUsing(const std::string& path) {
    std::vector<std::string> found;
    std::error_code ec;
    const fs::path target = fs::weakly_canonical(path, ec);
    if (ec) {
        return found;
    }
    const std::string db = target.string();
    const std::string wal = db + "-wal";
    const std::string shm = db + "-shm";
    const std::string self = std::to_string(::getpid());
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return found;
    }
    while (const dirent* entry = ::readdir(proc)) {
        const std::string pid = entry->d_name;
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos ||
            pid == self) {
            continue;
        }
        const std::string fdDir = "/proc/" + pid + "/fd";
        bool uses = false;
        for (fs::directory_iterator it(fdDir, ec), end; !ec && it != end && !uses;
             it.increment(ec)) {
            std::error_code linkError;
            const std::string link = fs::read_symlink(it->path(), linkError).string();
            uses = !linkError && (link == db || link == wal || link == shm);
        }
        if (uses) {
            std::ifstream comm("/proc/" + pid + "/comm");
            std::string name;
            std::getline(comm, name);
            found.push_back(pid + " " + name);
        }
    }
    ::closedir(proc);
    return found;
}

} // namespace vw
