// Active/standby daemons on one PostgreSQL store (docs/operations.md, "Active/standby with
// PostgreSQL"): the active `vulnwatch run` holds a session-level advisory lock on a connection
// of its own; the others retry it and take over when that session ends.
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

/// The daemon active on the PostgreSQL store that `store` (a connection of the store: its
/// schema chooses the key) belongs to: the session holding that store's lock, nullopt when no
/// daemon is active. For `vulnwatch status`. Throws StoreError.
std::optional<LeaderLock::Holder> activeDaemon(Database& store);

} // namespace vw
