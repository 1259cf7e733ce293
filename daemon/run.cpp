#include "daemon/run.h"

#include "config/config.h"
#include "daemon/cli_support.h"
#include "daemon/leader_lock.h"
#include "daemon/log.h"
#include "daemon/metrics_file.h"
#include "daemon/poll_schedule.h"
#include "daemon/service.h"
#include "feeds/curl_http_client.h"
#include "store/backup.h"
#include "store/store.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <pthread.h>
#include <systemd/sd-daemon.h>
#include <thread>

namespace vw {
namespace {

constexpr const char* kComponent = "daemon";

std::int64_t unixNow() {
    return systemClock().wallNow();
}

/// Blocks TERM/INT/HUP in every thread and turns them into Wakeup requests from one thread
/// that sigwaits (Poco's waitForTerminationRequest does not cover SIGHUP).
class SignalThread {
public:
    explicit SignalThread(Wakeup& wakeup) : wakeup_(wakeup) {
        sigemptyset(&set_);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
        std::signal(SIGPIPE, SIG_IGN);
        thread_ = std::thread([this] { loop(); });
    }
    ~SignalThread() {
        done_ = true;
        thread_.join();
    }
    SignalThread(const SignalThread&) = delete;
    SignalThread& operator=(const SignalThread&) = delete;

private:
    void loop() {
        const timespec tick{0, 200 * 1000 * 1000};
        while (!done_) {
            const int sig = sigtimedwait(&set_, nullptr, &tick);
            if (sig == SIGHUP) {
                VW_LOG_INFO(kComponent, "SIGHUP: reloading the configuration");
                wakeup_.requestReload();
            } else if (sig == SIGTERM || sig == SIGINT) {
                VW_LOG_INFO(kComponent, (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                                            << ": finishing the current step and stopping");
                wakeup_.requestStop();
            }
        }
    }

    Wakeup& wakeup_;
    sigset_t set_{};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

/// TEST ONLY (scripts/soak.sh, docs/testing.md): VULNWATCH_TEST_POLL_INTERVAL_MS, when set,
/// replaces every source's interval and retry backoff (below the configuration's 10 s minimum)
/// and caps a server's Retry-After at that interval
/// so a soak runs thousands of poll cycles. Unset, nothing changes.
std::chrono::milliseconds testPollInterval() {
    const char* text = std::getenv("VULNWATCH_TEST_POLL_INTERVAL_MS");
    if (text == nullptr || *text == '\0') {
        return std::chrono::milliseconds(0);
    }
    char* end = nullptr;
    const long ms = std::strtol(text, &end, 10);
    if (*end != '\0' || ms < 1 || ms > 3600000) {
        VW_LOG_WARNING(kComponent, "VULNWATCH_TEST_POLL_INTERVAL_MS="
                                       << text << " ignored (1 to 3600000 milliseconds)");
        return std::chrono::milliseconds(0);
    }
    VW_LOG_WARNING(kComponent, "test only: every source is polled every "
                                   << ms << " ms (VULNWATCH_TEST_POLL_INTERVAL_MS)");
    return std::chrono::milliseconds(ms);
}

/// The watchdog interval systemd asked for (WatchdogSec), or zero.
std::chrono::microseconds watchdogInterval() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) {
        return std::chrono::microseconds(usec);
    }
    return std::chrono::microseconds(0);
}

/// How often a standby tries the lock: [daemon] standby_retry, at most the shortest interval of
/// an enabled source (and the test interval), so a takeover comes within one poll interval.
std::chrono::milliseconds standbyRetry(const Config& config, std::chrono::milliseconds test) {
    std::chrono::milliseconds retry = config.standbyRetry;
    for (const auto& s : config.sources) {
        if (s.enabled) {
            retry = std::min<std::chrono::milliseconds>(retry, s.interval);
        }
    }
    if (test.count() > 0) {
        retry = std::min(retry, test);
    }
    return std::max(retry, std::chrono::milliseconds(100));
}

std::string formatRetry(std::chrono::milliseconds retry) {
    return retry.count() % 1000 == 0 ? std::to_string(retry.count() / 1000) + " s"
                                     : std::to_string(retry.count()) + " ms";
}

std::string formatSeconds(std::chrono::milliseconds value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(value.count()) / 1000.0);
    return text;
}

std::string describe(const LeaderLock::Holder& h) {
    return (h.application.empty() ? std::string("a session without a name") : h.application) +
           " (PostgreSQL pid " + std::to_string(h.pid) + ", from " + h.client + ", since " +
           h.since + ")";
}

/// The lock of a daemon on a PostgreSQL store: a connection of its own to the store's database
/// (the URL and password the store was opened with; the test redirect's URL for a file path),
/// keyed by the store's schema.
std::unique_ptr<LeaderLock> makeLeaderLock(Store& store, const std::string& location,
                                           const std::string& password) {
    std::string url = location;
    std::string secret = password;
    if (!Store::isPostgresUrl(location)) {
        const char* redirect = std::getenv("VULNWATCH_TEST_PG_URL"); // docs/testing.md
        url = redirect != nullptr ? redirect : "";
        secret.clear();
    }
    Statement q = store.db().prepare("SELECT current_schema()");
    const std::string schema = q.step() ? q.text(0) : std::string("public");
    return std::make_unique<LeaderLock>([url = withLockConnectionSettings(url),
                                         secret] { return Database::openPostgres(url, secret); },
                                        schema, leaderApplicationName());
}

/// The active daemon as a standby sees it.
struct ActiveDaemon {
    std::string identity;                // another value: another daemon became active (said again)
    std::string description;             // for the journal
    std::string name;                    // "vulnwatch run HOST:PID": STATUS= and the delivery lease
    std::optional<std::string> textfile; // its metrics textfile, when it runs on this host
};

/// What the standby loop needs of the store's lock.
class RunLock {
public:
    virtual ~RunLock() = default;
    /// True when this daemon holds the lock now; throws when the lock cannot be tried.
    virtual bool tryAcquire() = 0;
    /// The active daemon (nullopt: not to be seen); throws like tryAcquire().
    virtual std::optional<ActiveDaemon> holder() = 0;
    virtual std::string name() const = 0;        // "PostgreSQL advisory lock 1987510273/0"
    virtual std::string unseen() const = 0;      // a holder that cannot be seen
    virtual std::string unreachable() const = 0; // STATUS= after a failed attempt
    virtual std::string reachable() const = 0;   // the journal, when attempts work again
};

class PostgresRunLock : public RunLock {
public:
    explicit PostgresRunLock(LeaderLock& lock) : lock_(lock) {}
    bool tryAcquire() override { return lock_.tryAcquire(); }
    std::optional<ActiveDaemon> holder() override {
        const auto h = lock_.holder();
        if (!h) {
            return std::nullopt;
        }
        return ActiveDaemon{std::to_string(h->pid), describe(*h), h->application, std::nullopt};
    }
    std::string name() const override {
        return "PostgreSQL advisory lock " + std::to_string(kLeaderLockClass) + "/" +
               std::to_string(lock_.object());
    }
    std::string unseen() const override {
        return "a session this role cannot see (or one that has just ended)";
    }
    std::string unreachable() const override { return "PostgreSQL does not answer"; }
    std::string reachable() const override { return "PostgreSQL answers again"; }

private:
    LeaderLock& lock_;
};

/// SQLite: the lock file beside the database (daemon/leader_lock.h, RunFileLock). `config` is
/// the daemon's current configuration (its metrics textfile goes into the file).
class SqliteRunLock : public RunLock {
public:
    SqliteRunLock(RunFileLock& lock, const std::shared_ptr<const Config>& config)
        : lock_(lock), config_(config) {}
    bool tryAcquire() override { return lock_.tryAcquire(unixNow(), config_->metricsTextfile); }
    std::optional<ActiveDaemon> holder() override {
        const auto h = lock_.holder();
        if (!h) {
            return std::nullopt;
        }
        const std::string who = "vulnwatch run " + h->host + ":" + std::to_string(h->pid);
        std::optional<std::string> textfile;
        if (h->host == localHostName()) {
            textfile = h->metricsTextfile;
        }
        return ActiveDaemon{h->host + ":" + std::to_string(h->pid),
                            who + " (since " + h->since + ")", who, textfile};
    }
    std::string name() const override { return "lock file " + lock_.path(); }
    std::string unseen() const override {
        return "a process that has not written its name into the lock file yet";
    }
    std::string unreachable() const override { return "the lock file cannot be locked"; }
    std::string reachable() const override { return "the lock file can be locked again"; }

private:
    RunFileLock& lock_;
    const std::shared_ptr<const Config>& config_;
};

/// The active daemon's watch over its lock: every second the lock connection must answer and
/// show the lock. When it does not (PostgreSQL restarted, the network or the session is gone), a
/// standby may be active already: the run loop is stopped at once (deliveries under way are
/// cancelled; their messages stay due) and the daemon exits 1, which systemd answers with a
/// restart (Restart=on-failure) that comes back as a standby. A loop that does not stop within
/// 10 s (a store call hanging on the dead network) is ended with _Exit(1): what is stored is
/// crash safe (docs/reliability.md).
class LeaderWatch {
public:
    LeaderWatch(LeaderLock& lock, Wakeup& wakeup, std::chrono::milliseconds every)
        : lock_(lock), wakeup_(wakeup), every_(every) {
        thread_ = std::thread([this] { loop(); });
    }
    ~LeaderWatch() {
        {
            std::lock_guard<std::mutex> guard(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    LeaderWatch(const LeaderWatch&) = delete;
    LeaderWatch& operator=(const LeaderWatch&) = delete;

    bool lost() const { return lost_.load(); }

private:
    void loop() {
        std::unique_lock<std::mutex> guard(mutex_);
        while (!done_) {
            cv_.wait_for(guard, every_, [this] { return done_; });
            if (done_) {
                return;
            }
            guard.unlock();
            const bool held = lock_.stillHeld();
            guard.lock();
            if (held || done_) {
                continue;
            }
            lost_ = true;
            VW_LOG_ERROR(kComponent, "lost the PostgreSQL advisory lock ("
                                         << lock_.lastError()
                                         << "): another daemon may be active now; stopping at "
                                            "once and exiting 1 (systemd starts this one again, "
                                            "as a standby)");
            wakeup_.requestStop();
            if (!cv_.wait_for(guard, std::chrono::seconds(10), [this] { return done_; })) {
                VW_LOG_ERROR(kComponent, "the run loop did not stop within 10 s; exiting now");
                std::_Exit(1);
            }
            return;
        }
    }

    LeaderLock& lock_;
    Wakeup& wakeup_;
    std::chrono::milliseconds every_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::atomic<bool> lost_{false};
    std::thread thread_;
};

/// After a takeover: the delivery lease of the daemon that was active before (seen holding the
/// lock while this one waited) is taken at once instead of after its term (two minutes), since
/// that daemon's session has ended. A lease of any other process (a `poll --once`) is left.
void takeOverDeliveryLease(Store& store, const Service& service,
                           const std::optional<ActiveDaemon>& previous) {
    const std::string prefix = "vulnwatch run ";
    if (!previous || !previous->name.starts_with(prefix)) {
        return;
    }
    const std::string hostPid = previous->name.substr(prefix.size()) + ":";
    const std::int64_t now = unixNow();
    try {
        const auto lease = store.deliveryLease();
        if (!lease || lease->expiresAt <= now || lease->holder == service.holderId() ||
            !lease->holder.starts_with(hostPid)) {
            return;
        }
        // The term Service gives its lease (daemon/service.cpp); it renews it from here on.
        if (store.takeDeliveryLease(service.holderId(), now, 120, true)) {
            VW_LOG_INFO("notify", "took over the delivery lease of "
                                      << lease->holder << ", the daemon active before this one");
        }
    } catch (const std::exception& e) {
        VW_LOG_WARNING("notify", "cannot take over the delivery lease now (it expires by itself): "
                                     << e.what());
    }
}

} // namespace

bool storeSoundAtStart(Store& store, const std::string& dbPath, const std::string& mode) {
    if (mode == "off" || dbPath == ":memory:" || store.db().isPostgres()) {
        return true; // PostgreSQL checks its own pages (data checksums, amcheck)
    }
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> problems;
    try {
        problems = store.quickCheck(5);
    } catch (const std::exception& e) {
        // Not corruption (a lock held for longer than the busy timeout): the first step that
        // needs the store will say so.
        VW_LOG_WARNING("store", "cannot check " << dbPath << " at start: " << e.what());
        return true;
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (problems.empty()) {
        VW_LOG_INFO("store", "quick_check of " << dbPath << ": ok (" << took.count() << " ms)");
        return true;
    }
    std::string found;
    for (const std::string& problem : problems) {
        found += (found.empty() ? "" : "; ") + problem;
    }
    VW_LOG_ERROR("store", "データベース " << dbPath
                                          << " が壊れています (the database is corrupt: "
                                             "PRAGMA quick_check found: "
                                          << found
                                          << "). Stop here and restore the last good backup "
                                             "(vulnwatch restore; docs/operations.md); exit 4");
    return false;
}

void Wakeup::requestStop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
}

void Wakeup::requestReload() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        reload_ = true;
    }
    cv_.notify_all();
}

Wakeup::Event Wakeup::waitUntil(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_until(lock, deadline, [this] { return stop_.load() || reload_; });
    if (stop_) {
        return Event::Stop;
    }
    if (reload_) {
        reload_ = false;
        return Event::Reload;
    }
    return Event::Timeout;
}

int runDaemon(const RunOptions& options) {
    Wakeup wakeup;
    SignalThread signals(wakeup); // before any other thread starts

    std::shared_ptr<const Config> config;
    try {
        config = std::make_shared<const Config>(loadConfig(options.configPath));
    } catch (const ConfigError& e) {
        VW_LOG_ERROR(kComponent, e.what());
        return 2;
    }
    log::setLevel(log::parseLevel(config->logLevel));
    for (const std::string& warning : config->warnings.items) {
        VW_LOG_WARNING(kComponent, warning);
    }
    const std::string dbPath =
        options.dbOverride.empty() ? config->store.location() : options.dbOverride;

    const std::string password =
        options.dbOverride.empty() ? config->store.password.value : std::string();

    std::unique_ptr<Store> store;
    try {
        store = Store::open(dbPath, password);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        VW_LOG_ERROR(kComponent, "cannot open the store: "
                                     << what
                                     << (what.rfind("cannot connect to PostgreSQL", 0) == 0
                                             ? "; " + cli::postgresConnectHint(
                                                          what, !options.dbOverride.empty())
                                             : std::string()));
        return 1;
    }
    if (!storeSoundAtStart(*store, dbPath, config->checkAtStart)) {
        return 4; // kExitCorruptStore (daemon/cli.h)
    }

    const auto watchdog = watchdogInterval();
    auto keepalive = [&] {
        if (watchdog.count() > 0) {
            sd_notify(0, "WATCHDOG=1");
        }
    };
    const std::chrono::milliseconds testInterval = testPollInterval();

    // Active/standby (docs/operations.md): on PostgreSQL the store's advisory lock, on SQLite the
    // lock file beside the database. Nothing of the run loop starts before this daemon holds it;
    // until then it answers the watchdog, SIGHUP and SIGTERM, and writes its role (standby) to
    // [daemon] metrics_textfile.
    web::DaemonProcess process{unixNow(), {}}; // this process's polls ([daemon] metrics_textfile)
    process.active = false;
    // The textfile is this daemon's from now on: a `poll --once` leaves it alone (its role lines
    // never vanish between two of our writes).
    TextfileClaim textfileClaim;
    textfileClaim.hold(config->metricsTextfile);
    std::unique_ptr<LeaderLock> leader;
    std::unique_ptr<RunFileLock> fileLock;
    std::unique_ptr<RunLock> runLock;
    const bool postgres = store->db().isPostgres();
    if (postgres) {
        try {
            leader = makeLeaderLock(*store, dbPath, password);
        } catch (const std::exception& e) {
            VW_LOG_ERROR(kComponent, "cannot prepare the advisory lock: " << e.what());
            return 1;
        }
        runLock = std::make_unique<PostgresRunLock>(*leader);
    } else if (dbPath != ":memory:") {
        try {
            // The file's real path: a symbolic link to the database locks the same file.
            std::error_code ec;
            const std::filesystem::path real = std::filesystem::canonical(dbPath, ec);
            fileLock = std::make_unique<RunFileLock>(runLockPath(ec ? dbPath : real.string()));
        } catch (const std::exception& e) {
            VW_LOG_ERROR(kComponent,
                         "ロックファイルを開けません。データベースのフォルダにサービスの"
                         "ユーザーが書けるか確かめてください (cannot open the lock "
                         "file of the store: "
                             << e.what()
                             << "; the database's folder must be writable by the "
                                "service's user)");
            return 1;
        }
        runLock = std::make_unique<SqliteRunLock>(*fileLock, config);
    }
    std::optional<ActiveDaemon> previous; // the active daemon last seen while waiting
    bool textfileShared = false; // the active daemon writes the same textfile: leave it alone
    if (runLock) {
        const auto waitStarted = std::chrono::steady_clock::now();
        bool announced = false;
        std::string problem;
        std::chrono::steady_clock::time_point roleWritten{};
        bool roleDue = true; // the standby's role is to be written now
        // SQLite: whether the holder's textfile is known (its record may be a moment late).
        bool holderKnown = postgres;
        // A holder that has just ended (a restart after a crash) frees the lock within moments:
        // the first tries come quickly (0.1, 0.2, 0.4 … s), then every `retry`.
        std::chrono::milliseconds quick(100);
        while (!wakeup.stopRequested()) {
            const std::chrono::milliseconds retry = standbyRetry(*config, testInterval);
            try {
                if (runLock->tryAcquire()) {
                    break;
                }
                if (!problem.empty()) {
                    VW_LOG_INFO(kComponent, "standby: " << runLock->reachable());
                    problem.clear();
                }
                if (!postgres && store) {
                    // A standby keeps no connection to the file (a restore may replace it
                    // meanwhile): opened again when this daemon becomes active.
                    store.reset();
                }
                // Said once, and again whenever another daemon is active.
                const auto holder = runLock->holder();
                if (!announced ||
                    (holder && (!previous || previous->identity != holder->identity))) {
                    const std::string who = holder ? holder->description : runLock->unseen();
                    VW_LOG_INFO(kComponent, "standby: the active daemon is "
                                                << who << "; this one takes over within "
                                                << formatRetry(retry) << " of its end ("
                                                << runLock->name() << ")");
                    sd_notifyf(0, "%sSTATUS=standby: the active daemon is %s",
                               announced ? "" : "READY=1\n",
                               holder ? holder->name.c_str() : "another session");
                    announced = true;
                    if (holder) {
                        previous = holder;
                    }
                }
                const bool shared = holder && holder->textfile &&
                                    !config->metricsTextfile.empty() &&
                                    *holder->textfile == config->metricsTextfile;
                if (shared && !textfileShared) {
                    VW_LOG_INFO(kComponent, "standby: the active daemon writes the same "
                                            "metrics textfile "
                                                << config->metricsTextfile
                                                << "; this one leaves it to it");
                }
                textfileShared = shared;
                holderKnown = holderKnown || holder.has_value();
            } catch (const std::exception& e) {
                if (e.what() != problem) {
                    problem = e.what();
                    VW_LOG_WARNING(kComponent, "standby: " << problem << "; trying again every "
                                                           << formatRetry(retry));
                    sd_notifyf(0, "%sSTATUS=standby: %s", announced ? "" : "READY=1\n",
                               runLock->unreachable().c_str());
                    announced = true;
                }
            }
            // The role for Prometheus (vulnwatch_daemon_active 0): now, then every 30 s.
            const auto now = std::chrono::steady_clock::now();
            if (!textfileShared && (holderKnown || !problem.empty()) &&
                (roleDue || now - roleWritten >= std::chrono::seconds(30))) {
                writeDaemonRoleTextfile(*config, process, textfileClaim);
                roleWritten = now;
                roleDue = false;
            }
            auto deadline = now + std::min(quick, retry);
            if (quick < retry) {
                quick *= 2;
            }
            if (watchdog.count() > 0) {
                deadline = std::min(
                    deadline, std::chrono::steady_clock::now() +
                                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      watchdog / 2));
            }
            const Wakeup::Event event = wakeup.waitUntil(deadline);
            keepalive();
            if (event == Wakeup::Event::Reload) {
                // Kept for when this daemon becomes active ([store] needs a restart).
                try {
                    config = std::make_shared<const Config>(loadConfig(options.configPath));
                    log::setLevel(log::parseLevel(config->logLevel));
                    VW_LOG_INFO(kComponent, "standby: configuration reloaded");
                    roleDue = true; // [daemon] metrics_textfile may name another file
                    textfileClaim.hold(config->metricsTextfile);
                } catch (const std::exception& e) {
                    VW_LOG_ERROR(kComponent, "reload failed, keeping the current "
                                             "configuration: "
                                                 << e.what());
                }
                sd_notify(0, "READY=1");
            }
        }
        if (wakeup.stopRequested()) {
            sd_notify(0, "STOPPING=1");
            if (!textfileShared && (holderKnown || !problem.empty())) {
                writeDaemonRoleTextfile(*config, process, textfileClaim);
            }
            VW_LOG_INFO(kComponent, "stopped (standby)");
            return 0;
        }
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - waitStarted);
        VW_LOG_INFO(
            kComponent,
            "active: this daemon holds the "
                << runLock->name()
                << (announced ? " after " + formatSeconds(waited) + " on standby" : std::string())
                << "; starting the run loop");
        if (announced && store) {
            // The store's connection may have idled through a server restart: a fresh one.
            try {
                store->db().exec("SELECT 1");
            } catch (const std::exception&) {
                store.reset();
            }
        }
        if (!store) {
            try {
                store = Store::open(dbPath, password);
            } catch (const std::exception& e) {
                VW_LOG_ERROR(kComponent, "cannot open the store: " << e.what());
                return 1;
            }
        }
    }
    process.active = true;
    process.activeSince = unixNow();
    // Says "in use" to `vulnwatch restore` for as long as the daemon runs.
    std::unique_ptr<InstanceLock> instanceLock;
    if (dbPath != ":memory:" && !store->db().isPostgres()) {
        try {
            instanceLock = InstanceLock::tryLock(dbPath, false);
        } catch (const std::exception& e) {
            VW_LOG_ERROR(kComponent, e.what());
            return 1;
        }
        if (!instanceLock) {
            VW_LOG_ERROR(kComponent, "a restore is replacing " << dbPath
                                                               << "; start again when "
                                                                  "it is done");
            return 1;
        }
    }
    CurlHttpClient http;
    http.setCancelFlag(&wakeup.stopFlag());
    std::unique_ptr<Service> service;
    try {
        service = std::make_unique<Service>(config, *store, http, &wakeup.stopFlag());
    } catch (const std::exception& e) {
        VW_LOG_ERROR(kComponent, e.what());
        return 2;
    }

    // Polls and waits on the monotonic clock, digests and case clocks on the wall clock
    // (daemon/poll_schedule.h; docs/reliability.md "Time").
    const Clock& clock = systemClock();
    PollSchedule nextPoll(clock);
    auto schedule = [&] {
        std::vector<PollSchedule::Source> sources;
        for (const auto& s : service->config().sources) {
            if (s.enabled) {
                sources.push_back({s.name, s.interval});
            }
        }
        nextPoll.reschedule(sources);
    };
    schedule();

    std::unique_ptr<LeaderWatch> watch;
    takeOverDeliveryLease(*store, *service, previous);
    if (leader) {
        watch = std::make_unique<LeaderWatch>(
            *leader, wakeup,
            std::min<std::chrono::milliseconds>(std::chrono::seconds(1), config->standbyRetry));
    }
    VW_LOG_INFO(kComponent, "running with " << nextPoll.size() << " sources and "
                                            << service->config().notifiers.size()
                                            << " notifiers; store " << dbPath);
    sd_notifyf(0, "READY=1\nSTATUS=%spolling %zu sources", runLock ? "active: " : "",
               nextPoll.size());

    while (!wakeup.stopRequested()) {
        for (const std::string& name : nextPoll.due()) {
            if (wakeup.stopRequested()) {
                break;
            }
            SourceRun run = service->pollSource(name, unixNow());
            process.polls[name].polls += 1;
            process.polls[name].failures += run.kind == PollOutcome::Kind::Error ? 1 : 0;
            const SourceConfig* sc = nullptr;
            for (const auto& s : service->config().sources) {
                if (s.name == name) {
                    sc = &s;
                }
            }
            using Duration = PollSchedule::Duration;
            const Duration interval = testInterval.count() > 0 ? Duration(testInterval)
                                      : sc != nullptr          ? Duration(sc->interval)
                                                      : Duration(std::chrono::seconds(900));
            // A failure backs off 1, 2, 4 … minutes, never longer than the interval; one the
            // server answered with Retry-After (429, 503) waits at least that, at most a day
            // (the test interval, when set).
            std::optional<Duration> retryAfter;
            if (run.retryAfter) {
                retryAfter = std::chrono::seconds(*run.retryAfter);
                if (testInterval.count() > 0) {
                    retryAfter = std::min<Duration>(*retryAfter, testInterval);
                }
                VW_LOG_INFO(kComponent, "source " << name << ": the server asked to wait "
                                                  << *run.retryAfter
                                                  << " s (Retry-After) before the next poll");
            }
            nextPoll.polled(name, run.kind == PollOutcome::Kind::Error && !wakeup.stopRequested(),
                            interval, retryAfter);
            keepalive();
            if (run.stats.enqueued > 0 && !wakeup.stopRequested()) {
                // New matches go out now, not after the other due sources' polls (a poll's new
                // match reaches its webhook within 1 s: docs/performance.md); the rest of a
                // backlog drains below.
                try {
                    service->deliver(unixNow());
                } catch (const std::exception& e) {
                    VW_LOG_ERROR(kComponent, "delivery step failed: " << e.what());
                }
                keepalive();
            }
        }
        if (!wakeup.stopRequested()) {
            // Digests due now (a schedule missed while the daemon was down is made now, once)
            // go into the outbox and out with the rest below.
            service->makeDigests(unixNow());
            keepalive();
            try {
                // Batch after batch until nothing is due (a backlog drains at once, not 100
                // per wake-up), or until a stop is requested.
                for (int batch = 0; !wakeup.stopRequested(); ++batch) {
                    const DeliveryStats d = service->deliver(unixNow());
                    keepalive();
                    if (!d.leaseHeldBy.empty() && batch == 0) {
                        VW_LOG_DEBUG(kComponent, "delivery left to " << d.leaseHeldBy
                                                                     << ", which holds the lease");
                    }
                    if (!d.more) {
                        break;
                    }
                }
            } catch (const std::exception& e) {
                VW_LOG_ERROR(kComponent, "delivery step failed: " << e.what());
            }
            keepalive();
            // The round's numbers for node_exporter, when configured (docs/operations.md).
            writeMetricsTextfile(*store, service->config(), unixNow(), process, textfileClaim);
        }

        // Sleep until the next source or digest is due, at most 30 s (outbox retries,
        // watchdog).
        // (One due already was tried above; should it have failed, the 30 s round retries it.)
        auto deadline =
            nextPoll.wakeAt(service->nextDigest(clock.wallNow()), std::chrono::seconds(30));
        if (watchdog.count() > 0) {
            deadline = std::min(
                deadline, clock.monotonicNow() +
                              std::chrono::duration_cast<PollSchedule::Duration>(watchdog / 2));
        }
        const Wakeup::Event event = wakeup.waitUntil(deadline);
        keepalive();
        if (event == Wakeup::Event::Reload) {
            sd_notify(0, "RELOADING=1");
            try {
                auto fresh = std::make_shared<const Config>(loadConfig(options.configPath));
                if (fresh->store.path != service->config().store.path &&
                    options.dbOverride.empty()) {
                    VW_LOG_WARNING(kComponent, "[store] path changed; it takes effect only after "
                                               "a restart");
                }
                service->reconfigure(fresh);
                log::setLevel(log::parseLevel(fresh->logLevel));
                for (const std::string& warning : fresh->warnings.items) {
                    VW_LOG_WARNING(kComponent, warning);
                }
                schedule();
                VW_LOG_INFO(kComponent,
                            "configuration reloaded: " << nextPoll.size() << " sources");
            } catch (const std::exception& e) {
                VW_LOG_ERROR(kComponent,
                             "reload failed, keeping the current configuration: " << e.what());
            }
            sd_notify(0, "READY=1");
        }
    }
    sd_notify(0, "STOPPING=1");
    // No longer active: vulnwatch_daemon_active 0 (the store's numbers are left to the daemon
    // that takes over; the lock is released only after this, when the process ends).
    process.active = false;
    writeDaemonRoleTextfile(service->config(), process, textfileClaim);
    if (watch && watch->lost()) {
        VW_LOG_ERROR(kComponent, "stopped: no longer the active daemon (exit 1)");
        return 1;
    }
    VW_LOG_INFO(kComponent, "stopped");
    return 0;
}

} // namespace vw
