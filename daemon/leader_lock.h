// Active/standby daemons on one PostgreSQL store (docs/operations.md, "Active/standby with
// PostgreSQL"): the active `vulnwatch run` holds a session-level advisory lock on a connection
// of its own; the others retry it and take over when that session ends. On a SQLite store the
// same roles come from an exclusive flock(2) on a lock file beside the database (RunFileLock,
// docs/operations.md "One daemon per SQLite store").
#pragma once

#include "store/sqlite.h"

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace vw {

/// The lock's first key: pg_try_advisory_lock(kLeaderLockClass, object), "vw" then 0x0001.
/// In pg_locks: locktype 'advisory', classid 1987510273, objid = the object, objsubid 2.
inline constexpr std::int32_t kLeaderLockClass = 0x76770001; // 1987510273

/// The lock's second key: 0 for the schema `public` (the usual store), else a hash of the
/// schema's name (1 to 2^31 - 1), so stores in several schemas of one database each have their
/// own active daemon.
std::int32_t leaderLockObject(std::string_view schema);

/// `url` (a libpq URL postgresql://… or a `key=value …` conninfo) with the settings the lock
/// connection needs and the URL does not set itself: TCP keep-alives and a TCP user timeout of
/// 5 s, a connect timeout of 5 s. A dead server or network is noticed within seconds, not after
/// the kernel's two hours.
std::string withLockConnectionSettings(const std::string& url);

/// "vulnwatch run HOST:PID": this process's application_name on the lock connection, which the
/// standbys log and `pg_stat_activity` shows (at most 63 bytes, the server's limit).
std::string leaderApplicationName();

/// The advisory lock and the connection dedicated to it (nothing else runs on it). Thread safe:
/// the run loop's watcher checks it from its own thread.
class LeaderLock {
public:
    /// Who holds the lock, as PostgreSQL sees that session.
    struct Holder {
        std::int64_t pid = 0;    // the server process of the holder's session
        std::string application; // its application_name ("vulnwatch run HOST:PID")
        std::string client;      // its address ("local" for a Unix socket)
        std::string since;       // when that session started, UTC
    };

    /// `connect` opens a new connection (Database::openPostgres); it is called at the first
    /// attempt and again after the connection failed. `schema` chooses the key (above).
    LeaderLock(std::function<Database()> connect, std::string_view schema,
               std::string applicationName);
    ~LeaderLock();
    LeaderLock(const LeaderLock&) = delete;
    LeaderLock& operator=(const LeaderLock&) = delete;

    /// One attempt without waiting: true when this session holds the lock now (also when it
    /// held it already). Throws StoreError when PostgreSQL cannot be reached; the connection is
    /// then dropped and the next attempt opens a new one.
    bool tryAcquire();
    /// True while the lock is held: the connection answers and pg_locks shows the lock granted
    /// to this very session. False (and the connection dropped) on any error: a session that
    /// ended, even one that libpq or a pooler replaced, has lost the lock.
    bool stillHeld();
    /// The session that holds the lock now, nullopt when none does (or it cannot be seen).
    /// Throws StoreError like tryAcquire().
    std::optional<Holder> holder();
    /// What the last failure said ("" when none).
    std::string lastError() const;

    std::int32_t object() const { return object_; }

private:
    Database& connection();            // under mutex_
    void drop(const std::string& why); // under mutex_

    std::function<Database()> connect_;
    std::string applicationName_;
    std::int32_t object_;
    mutable std::mutex mutex_;
    std::optional<Database> db_;
    bool held_ = false;
    std::string lastError_;
};

/// "<dbPath>.run.lock": the lock file of `vulnwatch run` on the SQLite store `dbPath`.
std::string runLockPath(const std::string& dbPath);

/// This machine's host name ("localhost" when it has none).
std::string localHostName();

/// One active daemon per SQLite store: an exclusive flock(2) (non-blocking) on the lock file
/// beside the database, held for the process's life. The kernel releases it when the process
/// ends however it ends (kill -9 too), so a lock file left behind never blocks a start; the file
/// itself is never removed (removing it while a daemon holds it would let a second daemon lock a
/// new file). Only `vulnwatch run` takes it: not `serve`, not the other commands. The holder
/// writes who it is into the file (pid, host, since, its metrics textfile) for the standbys.
class RunFileLock {
public:
    /// What the file says of the daemon that holds it.
    struct Holder {
        std::int64_t pid = 0;
        std::string host;
        std::string since;           // when it took the lock, UTC ("2026-11-29T09:00:04Z")
        std::string metricsTextfile; // its [daemon] metrics_textfile ("" when none)
    };

    /// Opens `path`, creating it (mode 0644) when missing; it does not lock yet. Throws
    /// StoreError naming the file and the system's reason (a folder that is not writable).
    explicit RunFileLock(std::string path);
    ~RunFileLock(); // releases the lock (closing the file)
    RunFileLock(const RunFileLock&) = delete;
    RunFileLock& operator=(const RunFileLock&) = delete;

    /// One attempt without waiting: true when this process holds the lock now (also when it held
    /// it already); on taking it, writes this process (pid, host, `now`, `metricsTextfile`) into
    /// the file. Throws StoreError on an error other than "held by another process".
    bool tryAcquire(std::int64_t now, const std::string& metricsTextfile);
    bool held() const { return held_; }
    /// What the file records: the holder while one holds it (nullopt when the file is empty,
    /// unreadable, or being written this very moment). Never throws.
    std::optional<Holder> holder() const;
    /// What the lock file at `path` records (as holder(), without opening it for writing).
    static std::optional<Holder> recordOf(const std::string& path);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    bool held_ = false;
};

/// The daemon active on the SQLite store `dbPath`: what its lock file records, while a process
/// holds the lock (nullopt: no `vulnwatch run` holds it). For `vulnwatch status`. It tests the
/// lock with a shared lock taken and released at once, never waiting: a daemon trying to take it
/// in that instant waits one standby_retry. Never throws.
std::optional<RunFileLock::Holder> activeDaemonOfFile(const std::string& dbPath);

/// The daemon active on the PostgreSQL store that `store` (a connection of the store: its
/// schema chooses the key) belongs to: the session holding that store's lock, nullopt when no
/// daemon is active. For `vulnwatch status`. Throws StoreError.
std::optional<LeaderLock::Holder> activeDaemon(Database& store);

} // namespace vw
