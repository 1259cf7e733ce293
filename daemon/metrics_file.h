// [daemon] metrics_textfile: the Prometheus exposition (web/metrics.h) written for
// node_exporter's textfile collector after each round of polls (`vulnwatch run`) and at the end
// of `vulnwatch poll --once`; atomically (a temporary file in the same directory, renamed), so
// the collector never reads half a file.
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

/// The store's status with `config`'s sources (and `daemon`'s own poll counts when given),
/// written to config.metricsTextfile; nothing when that is "". Never throws: a failure is
/// logged as a warning (the daemon goes on).
void writeMetricsTextfile(Store& store, const Config& config, std::int64_t now,
                          const web::DaemonProcess* daemon = nullptr);

/// The daemon's role only (web::daemonRoleText: vulnwatch_daemon_active and its times), written
/// to config.metricsTextfile; nothing when that is "". What a standby writes while it waits and
/// a daemon when it stops (docs/operations.md "Monitoring"). Never throws, like the above.
void writeDaemonRoleTextfile(const Config& config, const web::DaemonProcess& daemon);

} // namespace vw
