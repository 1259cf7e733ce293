// [daemon] metrics_textfile: the Prometheus exposition (web/metrics.h) written for
// node_exporter's textfile collector after each round of polls (`vulnwatch run`) and at the end
// of `vulnwatch poll --once`; atomically (a temporary file in the same directory, renamed), so
// the collector never reads half a file. A daemon claims its file (a lock file beside it) and
// `poll --once` leaves a claimed file to it, so one file has one writer at a time.
#pragma once

#include "config/config.h"
#include "store/store.h"
#include "web/metrics.h"

#include <cstdint>
#include <string>

namespace vw {

/// Writes `text` to `path` through `path`'s directory's temporary file and a rename (mode
/// 0644). Throws std::runtime_error naming the file and the system's reason.
void writeFileAtomically(const std::string& path, const std::string& text);

/// "<folder>/.<name>.lock": the lock file beside the metrics textfile `textfile` (a dot name:
/// node_exporter's textfile collector reads only *.prom files).
std::string textfileLockPath(const std::string& textfile);

/// A daemon's claim on its [daemon] metrics_textfile: a shared flock(2) on textfileLockPath(),
/// taken when the daemon starts (active or standby) and held for as long as its configuration
/// names that file; the kernel drops it however the process ends (kill -9 too). `poll --once`
/// leaves a claimed file to the daemon (writePollMetricsTextfile). The lock file is created
/// (mode 0644) when missing and never removed.
class TextfileClaim {
public:
    TextfileClaim() = default;
    ~TextfileClaim();
    TextfileClaim(const TextfileClaim&) = delete;
    TextfileClaim& operator=(const TextfileClaim&) = delete;

    /// Claims `textfile` ("" releases the claim); a claim on another file is released first,
    /// the same file once held is kept. A `poll --once` that writes the file this very moment
    /// (it holds the lock exclusively while it writes) is waited for, at most 1 s; after that
    /// the daemon writes anyway and the next hold() tries again. Never throws: a lock file that
    /// cannot be opened is logged as a warning, once per file.
    void hold(const std::string& textfile);
    bool held() const { return fd_ >= 0; }

private:
    void release();

    std::string textfile_; // the file claimed, or the one last tried
    int fd_ = -1;          // the lock file while the claim holds
    bool warned_ = false;  // about textfile_
};

/// The store's status with `config`'s sources and `daemon`'s role and poll counts, written by
/// the daemon to config.metricsTextfile (claimed through `claim` first); nothing when that is
/// "". Never throws: a failure is logged as a warning (the daemon goes on).
void writeMetricsTextfile(Store& store, const Config& config, std::int64_t now,
                          const web::DaemonProcess& daemon, TextfileClaim& claim);

/// The daemon's role only (web::daemonRoleText: vulnwatch_daemon_active and its times), written
/// to config.metricsTextfile; nothing when that is "". What a standby writes while it waits and
/// a daemon when it stops (docs/operations.md "Monitoring"). Never throws, like the above.
void writeDaemonRoleTextfile(const Config& config, const web::DaemonProcess& daemon,
                             TextfileClaim& claim);

/// What `poll --once` did with config.metricsTextfile.
enum class PollTextfile {
    NotConfigured, // [daemon] metrics_textfile is not set
    Written,       // the store's numbers and the role gauges at 0 (web::inactiveRoleText)
    LeftToDaemon,  // a running daemon claims the file (TextfileClaim): not written
    LeftToPoll,    // another `poll --once` writes it this very moment: not written
    Failed,        // the write failed (logged as a warning)
};

/// `poll --once`'s textfile: when no daemon on this machine claims config.metricsTextfile, the
/// store's numbers with vulnwatch_daemon_active 0 (this process is no daemon: the role gauges
/// never vanish from a file a stopped daemon left), written under an exclusive lock on the lock
/// file; when a daemon claims it, nothing (that daemon's next round, within 30 s, carries this
/// poll's results), said in an info line. Never throws.
PollTextfile writePollMetricsTextfile(Store& store, const Config& config, std::int64_t now);

} // namespace vw
