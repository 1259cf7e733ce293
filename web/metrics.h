// The Prometheus text exposition (format 0.0.4) of a status snapshot (store/status.h): what
// `vulnwatch serve` answers at /metrics ([web] metrics = on) and what the daemon writes to
// [daemon] metrics_textfile for node_exporter's textfile collector. Counts only: no names of
// vulnerabilities, products or users; the only label values are source names and fixed words.
// Pure: no I/O, no clock. Metric list: docs/operations.md "Monitoring".
#pragma once

#include "store/status.h"
#include "web/http.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw::web {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// A label value as the format writes it between double quotes: `\` → `\\`, `"` → `\"`,
/// newline → `\n`.
std::string escapeLabelValue(std::string_view value);
/// A HELP text: `\` → `\\`, newline → `\n`.
std::string escapeHelp(std::string_view text);

/// Builds an exposition family by family. Each family's HELP and TYPE come once, before its
/// samples; a sample must belong to the family declared last. Names must be valid metric and
/// label names ([a-zA-Z_:][a-zA-Z0-9_:]*; labels without ':'): std::invalid_argument otherwise.
class Exposition {
public:
    using Labels = std::vector<std::pair<std::string, std::string>>;
    /// type: "counter" or "gauge".
    Exposition& family(std::string_view name, std::string_view type, std::string_view help);
    Exposition& sample(std::int64_t value, const Labels& labels = {});
    const std::string& str() const { return text_; }

private:
    std::string text_;
    std::string current_;
    std::vector<std::string> declared_;
};

/// One process's own poll counts (the daemon's): not in the store, so they start at 0 with the
/// process and are exposed as gauges, not counters.
struct PollCounts {
    std::int64_t polls = 0;
    std::int64_t failures = 0;
};
struct DaemonProcess {
    std::int64_t startedAt = 0;
    std::map<std::string, PollCounts> polls; // by source name
    /// True while this daemon is the active one (it holds the store's lock: the PostgreSQL
    /// advisory lock or the SQLite lock file, daemon/leader_lock.h); false on standby and once
    /// it stopped.
    bool active = true;
    std::int64_t activeSince = 0; // when it became active (Unix time; 0 while not active)
};

/// The whole exposition: the store's numbers, and the daemon's own when `daemon` is given.
std::string metricsText(const StatusSnapshot& status, const DaemonProcess* daemon = nullptr);

/// The daemon's role only (vulnwatch_daemon_active, _active_since_timestamp_seconds,
/// _start_time_seconds), without the store's numbers: what a standby (or a daemon that stopped)
/// writes to [daemon] metrics_textfile, so that exactly one daemon of a store exports them.
std::string daemonRoleText(const DaemonProcess& daemon);

/// The role gauges of a process that is no daemon and holds no role (`vulnwatch poll --once`):
/// vulnwatch_daemon_active 0 and vulnwatch_daemon_active_since_timestamp_seconds 0, without a
/// start time or poll counts. Appended to metricsText(status) (no family of it repeats), so a
/// textfile that a stopped daemon left with its role keeps both gauges when `poll --once`
/// writes it (docs/operations.md "The textfile").
std::string inactiveRoleText();

struct PageCall; // web/page_routes.h

/// GET /metrics of the pages' router (web/pages.cpp), no login: the exposition of the store
/// the request was lent, with the configured sources; 404 when [web] metrics is off, 405 for
/// other methods than GET and HEAD.
HttpResponse metricsRoute(PageCall& call, const std::vector<std::string>& rest);

} // namespace vw::web
