#include "daemon/run.h"

#include "config/config.h"
#include "daemon/log.h"
#include "daemon/metrics_file.h"
#include "daemon/service.h"
#include "feeds/curl_http_client.h"
#include "store/backup.h"
#include "store/store.h"

#include <algorithm>
#include <csignal>
#include <ctime>
#include <map>
#include <pthread.h>
#include <systemd/sd-daemon.h>
#include <thread>

namespace vw {
namespace {

constexpr const char* kComponent = "daemon";

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
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

/// The watchdog interval systemd asked for (WatchdogSec), or zero.
std::chrono::microseconds watchdogInterval() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) {
        return std::chrono::microseconds(usec);
    }
    return std::chrono::microseconds(0);
}

} // namespace

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
    const std::string dbPath = options.dbOverride.empty() ? config->store.path : options.dbOverride;

    std::unique_ptr<Store> store;
    try {
        store = Store::open(dbPath);
    } catch (const std::exception& e) {
        VW_LOG_ERROR(kComponent, "cannot open the store: " << e.what());
        return 1;
    }
    // Says "in use" to `vulnwatch restore` for as long as the daemon runs.
    std::unique_ptr<InstanceLock> instanceLock;
    if (dbPath != ":memory:") {
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

    using Clock = std::chrono::steady_clock;
    std::map<std::string, Clock::time_point> nextPoll;
    auto schedule = [&] {
        std::map<std::string, Clock::time_point> next;
        for (const auto& s : service->config().sources) {
            if (!s.enabled) {
                continue;
            }
            auto it = nextPoll.find(s.name);
            next[s.name] = it != nextPoll.end() ? std::min(it->second, Clock::now() + s.interval)
                                                : Clock::now();
        }
        nextPoll = std::move(next);
    };
    schedule();

    const auto watchdog = watchdogInterval();
    auto keepalive = [&] {
        if (watchdog.count() > 0) {
            sd_notify(0, "WATCHDOG=1");
        }
    };
    VW_LOG_INFO(kComponent, "running with " << nextPoll.size() << " sources and "
                                            << service->config().notifiers.size()
                                            << " notifiers; store " << dbPath);
    sd_notifyf(0, "READY=1\nSTATUS=polling %zu sources", nextPoll.size());

    std::map<std::string, int> failures;       // consecutive, for the retry backoff
    web::DaemonProcess process{unixNow(), {}}; // this process's polls ([daemon] metrics_textfile)
    while (!wakeup.stopRequested()) {
        const auto now = Clock::now();
        for (auto& [name, due] : nextPoll) {
            if (wakeup.stopRequested() || due > now) {
                continue;
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
            const auto interval = sc != nullptr ? sc->interval : std::chrono::seconds(900);
            if (run.kind == PollOutcome::Kind::Error && !wakeup.stopRequested()) {
                // Back off 1, 2, 4 … minutes, never longer than the interval.
                const int n = std::min(++failures[name], 10);
                due = Clock::now() + std::min<std::chrono::seconds>(
                                         interval, std::chrono::seconds(60LL << (n - 1)));
            } else {
                failures[name] = 0;
                due = Clock::now() + interval;
            }
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
            writeMetricsTextfile(*store, service->config(), unixNow(), &process);
        }

        // Sleep until the next source or digest is due, at most 30 s (outbox retries,
        // watchdog).
        auto deadline = Clock::now() + std::chrono::seconds(30);
        for (const auto& [name, due] : nextPoll) {
            deadline = std::min(deadline, due);
        }
        // (One due already was tried above; should it have failed, the 30 s round retries it.)
        const std::int64_t wallNow = unixNow();
        if (const auto digest = service->nextDigest(wallNow); digest && *digest > wallNow) {
            deadline = std::min(deadline, Clock::now() + std::chrono::seconds(*digest - wallNow));
        }
        if (watchdog.count() > 0) {
            deadline = std::min(
                deadline, Clock::now() + std::chrono::duration_cast<Clock::duration>(watchdog / 2));
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
    VW_LOG_INFO(kComponent, "stopped");
    return 0;
}

} // namespace vw
