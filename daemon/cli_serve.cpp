// `vulnwatch serve` (issue 13 part 1; docs/web.md): the web server in the foreground until
// SIGTERM/SIGINT. The server itself is web/server.h; this file wires it to the configuration,
// the log, systemd and the case work (transitionCase, which lives in daemon/).
#include "core/redact.h"
#include "daemon/cases.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/log.h"
#include "daemon/notices.h"
#include "daemon/pipeline.h"
#include "daemon/run.h"
#include "store/backup.h"
#include "web/pages.h"
#include "web/server.h"

#include <csignal>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <pthread.h>
#include <systemd/sd-daemon.h>

namespace vw::cli {
namespace {

constexpr const char* kComponent = "web";

void writeLog(web::LogLevel level, const std::string& message) {
    switch (level) {
    case web::LogLevel::Debug:
        VW_LOG_DEBUG(kComponent, message);
        break;
    case web::LogLevel::Info:
        VW_LOG_INFO(kComponent, message);
        break;
    case web::LogLevel::Warning:
        VW_LOG_WARNING(kComponent, message);
        break;
    case web::LogLevel::Error:
        VW_LOG_ERROR(kComponent, message);
        break;
    }
}

} // namespace

int cmdServe(Context& ctx, const std::vector<std::string>& args) {
    const Options opt(args, {{"listen", true}});
    opt.expectPositional(0, 0, "no arguments besides --listen IP:PORT");
    const std::optional<Config> loaded = maybeConfig(ctx, false);
    Config config = loaded ? *loaded : Config{};
    if (opt.has("listen")) {
        // The same check as [web] listen.
        config.web.listen =
            parseConfig("[web]\nlisten = " + opt.get("listen") + "\n", "--listen", false)
                .web.listen;
    }
    if (ctx.globals.logLevel.empty()) {
        log::setLevel(log::parseLevel(config.logLevel));
    }
    const std::string dbPath = ctx.globals.db.empty() ? config.store.location() : ctx.globals.db;
    const bool postgres = Store::isPostgresUrl(dbPath);
    // Opened (and migrated) once here, so a store that cannot open fails at start, not at the
    // first request.
    bool postgresStore = postgres; // a file path too under VULNWATCH_TEST_PG_URL (tests)
    {
        std::unique_ptr<Store> store = openStore(ctx, loaded);
        postgresStore = store->db().isPostgres();
        if (!storeSoundAtStart(*store, dbPath, config.checkAtStart)) {
            return kExitCorruptStore;
        }
    }
    // Says "in use" to `vulnwatch restore` for as long as the server runs.
    // (a file lock beside the SQLite file; PostgreSQL has no such file and no restore)
    const std::unique_ptr<InstanceLock> instanceLock =
        postgresStore ? nullptr : InstanceLock::tryLock(dbPath, false);
    if (!postgresStore && !instanceLock) {
        ctx.err << "vulnwatch: a restore is replacing " << dbPath
                << "; start again when it is done\n";
        return kExitFailure;
    }

    web::ServerOptions options;
    options.web = config.web;
    options.dbPath = dbPath;
    options.dbPassword = ctx.globals.db.empty() ? config.store.password.value : std::string();
    options.log = writeLog;
    for (const SourceConfig& s : config.sources) {
        options.api.sources.push_back(
            web::SourceInfo{s.name, s.type, redactSecrets(s.url), s.enabled, s.interval});
    }
    auto routing = std::make_shared<const Routing>(loaded ? Routing(*loaded) : Routing());
    options.api.transition = [routing](Store& store, std::int64_t id, CaseState to,
                                       const std::string& by,
                                       const std::map<std::string, std::string>& fields,
                                       std::int64_t now, std::int64_t expectVersion) {
        web::TransitionOutcome outcome;
        try {
            outcome.done = transitionCase(store, *routing, id, to, by, fields, now, expectVersion);
        } catch (const CaseConflict& e) {
            outcome.refused = e.what();
            outcome.conflict = true;
        } catch (const CaseRefused& e) {
            outcome.refused = e.what();
        }
        return outcome;
    };

    options.api.ssvc = [routing](Store& store, std::int64_t id, const std::string& by,
                                 const std::map<std::string, std::string>& points, std::int64_t now,
                                 std::int64_t expectVersion) {
        web::TransitionOutcome outcome;
        try {
            outcome.done = setCaseSsvc(store, *routing, id, by, points, now, expectVersion);
        } catch (const CaseConflict& e) {
            outcome.refused = e.what();
            outcome.conflict = true;
        } catch (const CaseRefused& e) {
            outcome.refused = e.what();
        }
        return outcome;
    };
    // An SBOM upload re-matches the product version it changed, as `products import-sbom` does.
    auto mapper =
        std::make_shared<const CpeMapper>(loaded ? cpeMapperFor(loaded->match) : CpeMapper());
    options.api.rematch = [routing, mapper](Store& store, const std::string& product,
                                            const std::string& version, std::int64_t now) {
        std::vector<Product> versions;
        for (auto& p : store.products()) {
            if (p.name == product && p.version == version) {
                versions.push_back(std::move(p));
            }
        }
        return rematchStored(store, *routing, versions, now, *mapper).newMatches;
    };
    // Hospital notices from the case page, as `notices prepare|approve|send` (daemon/notices.h).
    auto noticeConfig = std::make_shared<const Config>(config);
    options.api.notices = [noticeConfig](Store& store, const std::string& action, std::int64_t id,
                                         const std::string& by, std::int64_t now,
                                         std::int64_t expectVersion) {
        web::NoticeOutcome outcome;
        try {
            if (action == "prepare") {
                prepareNotice(store, *noticeConfig, id, by, "", now);
            } else if (action == "approve") {
                approveNotice(store, *noticeConfig, id, by, now, expectVersion);
            } else if (action == "send") {
                sendNotice(store, *noticeConfig, id, by, now, expectVersion);
            } else {
                outcome.status = 422;
                outcome.message = "不明な操作です / unknown action '" + action + "'";
            }
        } catch (const NoticeRefused& e) {
            using K = NoticeRefused::Kind;
            outcome.status = e.kind() == K::NotFound    ? 404
                             : e.kind() == K::Forbidden ? 403
                             : e.kind() == K::Conflict  ? 409
                                                        : 422;
            outcome.message = e.both();
            outcome.conflict = dynamic_cast<const NoticeConflict*>(&e) != nullptr;
        }
        return outcome;
    };
    // Upload bodies and staged SBOMs: a private folder beside the database.
    // With PostgreSQL (no file): the system's temporary folder.
    options.uploadDir =
        postgres ? std::string()
                 : (std::filesystem::path(dbPath).parent_path() / "vulnwatch-uploads").string();

    // The pages: the same sources and case work as the API, their own failed-login limiter.
    web::PageSettings pageSettings;
    pageSettings.api = options.api;
    pageSettings.sessionHours = config.web.sessionHours;
    pageSettings.trustedUserHeader = config.web.trustedUserHeader;
    pageSettings.dbPath = dbPath;
    pageSettings.uploadDir = options.uploadDir;
    pageSettings.metrics = config.web.metrics; // GET /metrics (web/metrics.h)
    auto pageLimiter = std::make_shared<web::FailedAuthLimiter>();
    auto pages = std::make_shared<const web::Pages>(std::move(pageSettings), *pageLimiter);
    options.pages = [pages, pageLimiter](const web::HttpRequest& request, Store& store,
                                         std::int64_t now) {
        return pages->handle(request, store, now);
    };

    // TERM, INT and HUP blocked before any thread starts, so only sigwait below sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    web::WebServer server(std::move(options));
    server.start();
    const std::string url =
        std::string(server.tls() ? "https://" : "http://") + server.boundAddress();
    VW_LOG_INFO(kComponent, "listening on " << url << " (REST API: " << url << "/api/v1, store "
                                            << dbPath << ")");
    sd_notify(0, ("READY=1\nSTATUS=listening on " + url).c_str());
    // WatchdogSec: pinged at half the interval while the server runs.
    std::uint64_t watchdogUsec = 0;
    const bool watchdog = sd_watchdog_enabled(0, &watchdogUsec) > 0 && watchdogUsec > 0;
    const timespec tick{static_cast<time_t>(watchdogUsec / 2 / 1000000),
                        static_cast<long>(watchdogUsec / 2 % 1000000 * 1000)};
    for (;;) {
        const int sig = sigtimedwait(&signals, nullptr, watchdog ? &tick : nullptr);
        if (sig < 0) {
            if (watchdog) {
                sd_notify(0, "WATCHDOG=1");
            }
            continue;
        }
        if (sig == SIGHUP) {
            VW_LOG_INFO(kComponent, "SIGHUP: serve reads its configuration at start; restart it "
                                    "to apply changes (設定の変更は再起動で反映されます)");
            continue;
        }
        VW_LOG_INFO(kComponent, (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                                    << ": finishing the requests under way and stopping");
        break;
    }
    sd_notify(0, "STOPPING=1");
    server.stop();
    VW_LOG_INFO(kComponent, "stopped");
    return kExitOk;
}

} // namespace vw::cli
