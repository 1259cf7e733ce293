// [daemon] metrics_textfile with `poll --once` beside a daemon (daemon/metrics_file.h): a
// daemon claims its file (a shared lock on ".<name>.lock" beside it) and `poll --once` leaves a
// claimed file alone; without a claim `poll --once` writes the store's numbers with the role
// gauges at 0, so the gauges never vanish from the file. flock(2) locks of two open files
// conflict within one process as between two processes, so both sides run here.
#include "daemon/metrics_file.h"
#include "helpers/cli.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

using namespace vw;
using test::tempFile;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// The lines of `text` that start with `prefix`.
int countLines(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        n += line.rfind(prefix, 0) == 0 ? 1 : 0;
    }
    return n;
}

Config configWith(const std::string& textfile) {
    Config config;
    config.metricsTextfile = textfile;
    SourceConfig jvn;
    jvn.name = "jvndb-new";
    jvn.type = "jvn-rss";
    config.sources.push_back(jvn);
    return config;
}

web::DaemonProcess activeDaemon() {
    web::DaemonProcess daemon{1795960000, {{"jvndb-new", {3, 0}}}};
    daemon.active = true;
    daemon.activeSince = 1795960005;
    return daemon;
}

} // namespace

TEST_CASE("the textfile's lock file is a dot file beside it", "[daemon][metrics]") {
    CHECK(textfileLockPath("/var/lib/node_exporter/textfile/vulnwatch.prom") ==
          "/var/lib/node_exporter/textfile/.vulnwatch.prom.lock");
    CHECK(textfileLockPath("vulnwatch.prom") == ".vulnwatch.prom.lock");
}

TEST_CASE("poll --once writes the store's numbers with the role gauges at 0 when no daemon "
          "claims the file",
          "[daemon][metrics]") {
    const std::string db = tempFile("metrics.db");
    const std::string prom = (std::filesystem::path(db).parent_path() / "vulnwatch.prom").string();
    auto store = Store::open(db);
    const Config config = configWith(prom);

    CHECK(writePollMetricsTextfile(*store, configWith(""), 1795960100) ==
          PollTextfile::NotConfigured);
    CHECK_FALSE(std::filesystem::exists(prom));

    // What a daemon that stopped leaves: its role only, 0.
    web::DaemonProcess stopped = activeDaemon();
    stopped.active = false;
    {
        TextfileClaim claim;
        writeDaemonRoleTextfile(config, stopped, claim);
        CHECK(claim.held());
        CHECK(std::filesystem::exists(textfileLockPath(prom)));
    } // the daemon ends: its claim with it
    REQUIRE(countLines(readAll(prom), "vulnwatch_daemon_active 0") == 1);

    CHECK(writePollMetricsTextfile(*store, config, 1795960100) == PollTextfile::Written);
    const std::string text = readAll(prom);
    CHECK(countLines(text, "vulnwatch_records_total ") == 1);
    CHECK(countLines(text,
                     "vulnwatch_source_last_attempt_timestamp_seconds{source=\"jvndb-new\"}") == 1);
    CHECK(countLines(text, "# TYPE vulnwatch_daemon_active gauge") == 1);
    CHECK(countLines(text, "vulnwatch_daemon_active 0") == 1);
    CHECK(countLines(text, "vulnwatch_daemon_active_since_timestamp_seconds 0") == 1);
    // No daemon process: no start time, no poll counts of its own.
    CHECK(text.find("vulnwatch_daemon_start_time_seconds") == std::string::npos);
    CHECK(text.find("vulnwatch_daemon_polls") == std::string::npos);
    // The HELP of the role gauges is the daemon's (node_exporter merges the files by name).
    const std::string daemonText = web::daemonRoleText(stopped);
    const std::string help = "# HELP vulnwatch_daemon_active ";
    const auto helpLine = [&](const std::string& t) {
        const auto at = t.find(help);
        return at == std::string::npos ? std::string() : t.substr(at, t.find('\n', at) - at);
    };
    CHECK_FALSE(helpLine(text).empty());
    CHECK(helpLine(text) == helpLine(daemonText));
    std::filesystem::remove_all(std::filesystem::path(db).parent_path());
}

TEST_CASE("poll --once leaves a textfile that a running daemon claims to the daemon",
          "[daemon][metrics]") {
    const std::string db = tempFile("metrics.db");
    const std::filesystem::path dir = std::filesystem::path(db).parent_path();
    const std::string prom = (dir / "vulnwatch.prom").string();
    const std::string other = (dir / "other.prom").string();
    auto store = Store::open(db);
    const Config config = configWith(prom);

    TextfileClaim claim;
    claim.hold(prom); // at the daemon's start, before it wrote anything
    CHECK(claim.held());
    CHECK(writePollMetricsTextfile(*store, config, 1795960100) == PollTextfile::LeftToDaemon);
    CHECK_FALSE(std::filesystem::exists(prom));

    const web::DaemonProcess daemon = activeDaemon();
    writeMetricsTextfile(*store, config, 1795960100, daemon, claim);
    const std::string daemonText = readAll(prom);
    REQUIRE(countLines(daemonText, "vulnwatch_daemon_active 1") == 1);
    CHECK(writePollMetricsTextfile(*store, config, 1795960200) == PollTextfile::LeftToDaemon);
    CHECK(readAll(prom) == daemonText); // untouched: the daemon's role lines stay

    // Two daemons on one file (a SQLite standby beside the active one): both claim it.
    TextfileClaim standby;
    standby.hold(prom);
    CHECK(standby.held());
    standby.hold("");
    CHECK_FALSE(standby.held());

    // Another file is not claimed by this daemon.
    CHECK(writePollMetricsTextfile(*store, configWith(other), 1795960200) == PollTextfile::Written);
    CHECK(countLines(readAll(other), "vulnwatch_daemon_active 0") == 1);

    // A reload naming another file moves the claim: the old file is free for `poll --once`.
    claim.hold(other);
    CHECK(claim.held());
    CHECK(writePollMetricsTextfile(*store, configWith(other), 1795960300) ==
          PollTextfile::LeftToDaemon);
    CHECK(writePollMetricsTextfile(*store, config, 1795960300) == PollTextfile::Written);
    CHECK(countLines(readAll(prom), "vulnwatch_daemon_active 0") == 1);
    claim.hold("");
    CHECK_FALSE(claim.held());
    CHECK(writePollMetricsTextfile(*store, configWith(other), 1795960400) == PollTextfile::Written);
    std::filesystem::remove_all(dir);
}

TEST_CASE("poll --once leaves the textfile to another poll --once writing it",
          "[daemon][metrics]") {
    const std::string db = tempFile("metrics.db");
    const std::filesystem::path dir = std::filesystem::path(db).parent_path();
    const std::string prom = (dir / "vulnwatch.prom").string();
    auto store = Store::open(db);
    // The other poll holds the lock exclusively while it writes.
    const int fd = ::open(textfileLockPath(prom).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    CHECK(writePollMetricsTextfile(*store, configWith(prom), 1795960100) ==
          PollTextfile::LeftToPoll);
    CHECK_FALSE(std::filesystem::exists(prom));
    // A daemon starting that moment waits for it (at most 1 s), then writes anyway and claims
    // the file at a later write.
    TextfileClaim claim;
    claim.hold(prom);
    CHECK_FALSE(claim.held());
    ::close(fd);
    writeDaemonRoleTextfile(configWith(prom), activeDaemon(), claim);
    CHECK(claim.held());
    CHECK(countLines(readAll(prom), "vulnwatch_daemon_active 1") == 1);
    std::filesystem::remove_all(dir);
}
