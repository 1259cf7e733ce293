// web/metrics.h: the Prometheus text exposition (format 0.0.4) — escaping, HELP and TYPE once
// per family, counters and gauges as documented.
#include "web/metrics.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

using namespace vw;
using namespace vw::web;

namespace {

/// The lines of `text` that start with `prefix`.
std::vector<std::string> linesStarting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) {
            out.push_back(line);
        }
    }
    return out;
}

StatusSnapshot sample() {
    StatusSnapshot s;
    s.now = 1795968000;
    SourceStatus src;
    src.source = {"jvn \"new\"\\feed\nx", "jvn-rss", true, std::chrono::seconds(900)};
    src.state.lastSuccess = 1795967000;
    src.state.errorCount = 2;
    src.itemsToday = 5;
    s.sources.push_back(src);
    s.records = 300000;
    s.outboxPending = 3;
    s.outboxDead = 1;
    s.outboxDelivered = 10;
    s.outboxTotal = 14;
    s.cases = {{"received", 4}, {"closed", 2}};
    s.auditHead.seq = 77;
    return s;
}

} // namespace

TEST_CASE("label values escape backslash quote and newline", "[web][metrics]") {
    CHECK(escapeLabelValue("plain") == "plain");
    CHECK(escapeLabelValue("a\"b") == "a\\\"b");
    CHECK(escapeLabelValue("a\\b") == "a\\\\b");
    CHECK(escapeLabelValue("a\nb") == "a\\nb");
    CHECK(escapeLabelValue("日本語") == "日本語");
    CHECK(escapeHelp("a\\b\nc \"q\"") == "a\\\\b\\nc \"q\"");
}

TEST_CASE("the exposition writes HELP and TYPE once before the samples", "[web][metrics]") {
    Exposition e;
    e.family("x_total", "counter", "X.\nmore").sample(3);
    e.family("y", "gauge", "Y.").sample(1, {{"state", "a\"b"}}).sample(-2, {{"state", "c"}});
    CHECK(e.str() == "# HELP x_total X.\\nmore\n# TYPE x_total counter\nx_total 3\n"
                     "# HELP y Y.\n# TYPE y gauge\ny{state=\"a\\\"b\"} 1\ny{state=\"c\"} -2\n");
    CHECK_THROWS_AS(e.family("y", "gauge", "again"), std::invalid_argument);
    CHECK_THROWS_AS(e.family("9bad", "gauge", "h"), std::invalid_argument);
    CHECK_THROWS_AS(e.family("bad-name", "gauge", "h"), std::invalid_argument);
    CHECK_THROWS_AS(e.family("z", "histogram", "h"), std::invalid_argument);
    CHECK_THROWS_AS(e.sample(1, {{"a:b", "v"}}), std::invalid_argument);
    CHECK_THROWS_AS(e.sample(1, {{"__name__", "v"}}), std::invalid_argument);
    CHECK_THROWS_AS(Exposition().sample(1), std::invalid_argument);
}

TEST_CASE("metricsText types counters and gauges and escapes source names", "[web][metrics]") {
    const std::string text = metricsText(sample());
    // Every family: one HELP, one TYPE; counters end in _total, gauges never do.
    const auto types = linesStarting(text, "# TYPE ");
    const auto helps = linesStarting(text, "# HELP ");
    CHECK(types.size() == helps.size());
    CHECK(types.size() >= 15);
    for (const std::string& line : types) {
        INFO(line);
        const bool counter = line.size() > 8 && line.substr(line.size() - 8) == " counter";
        const std::string name = line.substr(7, line.find(' ', 7) - 7);
        const bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
        CHECK(counter == total);
        CHECK((counter || line.substr(line.size() - 6) == " gauge"));
    }
    CHECK(linesStarting(text, "# TYPE vulnwatch_records_total counter").size() == 1);
    CHECK(linesStarting(text, "# TYPE vulnwatch_audit_events_total counter").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_records_total 300000").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_audit_events_total 77").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_outbox_messages{state=\"pending\"} 3").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_outbox_messages{state=\"dead\"} 1").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_cases{state=\"received\"} 4").size() == 1);
    const std::string label = "{source=\"jvn \\\"new\\\"\\\\feed\\nx\"}";
    CHECK(linesStarting(text,
                        "vulnwatch_source_last_success_timestamp_seconds" + label + " 1795967000")
              .size() == 1);
    CHECK(linesStarting(text, "vulnwatch_source_consecutive_failures" + label + " 2").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_source_items_today" + label + " 5").size() == 1);
    // No raw newline inside a sample: every line is a comment or a sample.
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        CHECK((line.rfind("# ", 0) == 0 || line.rfind("vulnwatch_", 0) == 0));
    }
    // The daemon's own polls only when given, as gauges.
    CHECK(text.find("vulnwatch_daemon_polls") == std::string::npos);
    DaemonProcess daemon{1795960000, {{"jvn", {4, 1}}}};
    const std::string withDaemon = metricsText(sample(), &daemon);
    CHECK(linesStarting(withDaemon, "# TYPE vulnwatch_daemon_polls gauge").size() == 1);
    CHECK(linesStarting(withDaemon, "vulnwatch_daemon_polls{source=\"jvn\"} 4").size() == 1);
    CHECK(linesStarting(withDaemon, "vulnwatch_daemon_poll_failures{source=\"jvn\"} 1").size() ==
          1);
    CHECK(linesStarting(withDaemon, "vulnwatch_daemon_start_time_seconds 1795960000").size() == 1);
}

TEST_CASE("the daemon's role is exported active or standby", "[web][metrics]") {
    DaemonProcess active{1795960000, {{"jvn", {4, 1}}}};
    active.activeSince = 1795960005;
    const std::string text = metricsText(sample(), &active);
    CHECK(linesStarting(text, "# TYPE vulnwatch_daemon_active gauge").size() == 1);
    CHECK(linesStarting(text, "vulnwatch_daemon_active 1").size() == 1);
    CHECK(linesStarting(text, "# TYPE vulnwatch_daemon_active_since_timestamp_seconds gauge")
              .size() == 1);
    CHECK(
        linesStarting(text, "vulnwatch_daemon_active_since_timestamp_seconds 1795960005").size() ==
        1);
    // The web process (no daemon) has no role.
    CHECK(metricsText(sample()).find("vulnwatch_daemon_active") == std::string::npos);

    // A standby: its role and start only, none of the store's numbers (the active daemon
    // exports those, once).
    DaemonProcess standby{1795960100, {}};
    standby.active = false;
    standby.activeSince = 1795960005; // not active: never exported as a time
    const std::string role = daemonRoleText(standby);
    CHECK(role == "# HELP vulnwatch_daemon_start_time_seconds When this daemon process started "
                  "(Unix time).\n"
                  "# TYPE vulnwatch_daemon_start_time_seconds gauge\n"
                  "vulnwatch_daemon_start_time_seconds 1795960100\n"
                  "# HELP vulnwatch_daemon_active 1 while this daemon is the store's active one "
                  "(it polls and delivers), 0 while it waits as a standby or after it stopped.\n"
                  "# TYPE vulnwatch_daemon_active gauge\n"
                  "vulnwatch_daemon_active 0\n"
                  "# HELP vulnwatch_daemon_active_since_timestamp_seconds When this daemon "
                  "became the active one (Unix time; 0 while it is not active).\n"
                  "# TYPE vulnwatch_daemon_active_since_timestamp_seconds gauge\n"
                  "vulnwatch_daemon_active_since_timestamp_seconds 0\n");
    CHECK(role.find("vulnwatch_records_total") == std::string::npos);
    active.active = true;
    CHECK(linesStarting(daemonRoleText(active), "vulnwatch_daemon_active 1").size() == 1);
}
