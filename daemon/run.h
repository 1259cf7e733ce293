// `vulnwatch run`: the daemon loop (scheduler, signals, sd_notify).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace vw {

/// Wakes the scheduler at once on stop or reload; otherwise waits until a deadline.
class Wakeup {
public:
    enum class Event { Timeout, Stop, Reload };
    void requestStop();
    void requestReload();
    bool stopRequested() const { return stop_.load(); }
    const std::atomic<bool>& stopFlag() const { return stop_; }
    /// Returns Stop as soon as a stop was requested (also when it came before the call),
    /// Reload once per reload request, Timeout at the deadline.
    Event waitUntil(std::chrono::steady_clock::time_point deadline);

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::atomic<bool> stop_{false};
    bool reload_ = false;
};

struct RunOptions {
    std::string configPath;
    std::string dbOverride; // --db
};

class Store;

/// The start check of `run` and `serve` ([daemon] check_at_start = quick | off): PRAGMA
/// quick_check over `store`; false, with an error naming `dbPath` and what the check found
/// logged, when the file is corrupt (the caller exits kExitCorruptStore, 4). A PostgreSQL store
/// passes (the server checks its own pages).
bool storeSoundAtStart(Store& store, const std::string& dbPath, const std::string& mode);

/// Runs until SIGTERM/SIGINT; SIGHUP reloads the config (keeping the old one when the new one
/// is invalid). Returns the process exit code. The loop runs only while this process holds the
/// store's lock (daemon/leader_lock.h): on PostgreSQL the advisory lock, on SQLite the lock file
/// `<db>.run.lock`. Until then it waits as a standby (writing vulnwatch_daemon_active 0 to
/// [daemon] metrics_textfile); when PostgreSQL's lock is lost it stops at once and returns 1
/// (docs/operations.md).
int runDaemon(const RunOptions& options);

} // namespace vw
