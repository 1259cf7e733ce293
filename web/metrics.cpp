#include "web/metrics.h"

#include "web/page_routes.h"

#include <algorithm>
#include <stdexcept>

namespace vw::web {

namespace {

bool validName(std::string_view name, bool allowColon) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                            (allowColon && c == ':');
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) {
            return false;
        }
    }
    return true;
}

using Labels = Exposition::Labels;

Labels sourceLabel(const std::string& name) {
    return {{"source", name}};
}

/// The two role gauges; the same HELP texts in every file (the daemon's and `poll --once`'s).
void roleGauges(Exposition& e, bool active, std::int64_t activeSince) {
    e.family("vulnwatch_daemon_active", "gauge",
             "1 while this daemon is the store's active one (it polls and delivers), 0 while it "
             "waits as a standby or after it stopped.");
    e.sample(active ? 1 : 0);
    e.family("vulnwatch_daemon_active_since_timestamp_seconds", "gauge",
             "When this daemon became the active one (Unix time; 0 while it is not active).");
    e.sample(active ? activeSince : 0);
}

void daemonRole(Exposition& e, const DaemonProcess& daemon) {
    e.family("vulnwatch_daemon_start_time_seconds", "gauge",
             "When this daemon process started (Unix time).");
    e.sample(daemon.startedAt);
    roleGauges(e, daemon.active, daemon.activeSince);
}

} // namespace

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string escapeHelp(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

Exposition& Exposition::family(std::string_view name, std::string_view type,
                               std::string_view help) {
    if (!validName(name, true)) {
        throw std::invalid_argument("not a metric name: '" + std::string(name) + "'");
    }
    if (type != "counter" && type != "gauge") {
        throw std::invalid_argument("metric type must be counter or gauge, not '" +
                                    std::string(type) + "'");
    }
    if (std::find(declared_.begin(), declared_.end(), name) != declared_.end()) {
        throw std::invalid_argument("metric family '" + std::string(name) + "' declared twice");
    }
    current_ = std::string(name);
    declared_.push_back(current_);
    text_ += "# HELP " + current_ + " " + escapeHelp(help) + "\n";
    text_ += "# TYPE " + current_ + " " + std::string(type) + "\n";
    return *this;
}

Exposition& Exposition::sample(std::int64_t value, const Labels& labels) {
    if (current_.empty()) {
        throw std::invalid_argument("a sample before any metric family");
    }
    text_ += current_;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (!validName(labels[i].first, false) || labels[i].first.rfind("__", 0) == 0) {
                throw std::invalid_argument("not a label name: '" + labels[i].first + "'");
            }
            text_ += (i == 0 ? "" : ",") + labels[i].first + "=\"" +
                     escapeLabelValue(labels[i].second) + "\"";
        }
        text_ += '}';
    }
    text_ += " " + std::to_string(value) + "\n";
    return *this;
}

std::string metricsText(const StatusSnapshot& s, const DaemonProcess* daemon) {
    Exposition e;
    e.family("vulnwatch_source_last_success_timestamp_seconds", "gauge",
             "When the source last brought records or ended a run of failures (Unix time; 0 = "
             "never). An unchanged poll (HTTP 304) is not stored.");
    for (const SourceStatus& src : s.sources) {
        e.sample(src.state.lastSuccess, sourceLabel(src.source.name));
    }
    e.family("vulnwatch_source_last_attempt_timestamp_seconds", "gauge",
             "When the source's last stored poll ran (Unix time; 0 = never).");
    for (const SourceStatus& src : s.sources) {
        e.sample(src.state.lastAttempt, sourceLabel(src.source.name));
    }
    e.family("vulnwatch_source_consecutive_failures", "gauge",
             "Polls of the source that failed in a row (0 after a good poll).");
    for (const SourceStatus& src : s.sources) {
        e.sample(src.state.errorCount, sourceLabel(src.source.name));
    }
    e.family("vulnwatch_source_next_poll_timestamp_seconds", "gauge",
             "When the daemon polls the source next, estimated from its last stored attempt "
             "(Unix time; 0 = unknown).");
    for (const SourceStatus& src : s.sources) {
        e.sample(src.nextPoll, sourceLabel(src.source.name));
    }
    e.family("vulnwatch_source_items_today", "gauge",
             "Records the source stored for the first time today (JST day; resets at 00:00 "
             "JST).");
    for (const SourceStatus& src : s.sources) {
        e.sample(src.itemsToday, sourceLabel(src.source.name));
    }
    e.family("vulnwatch_records_total", "counter",
             "Advisory records stored, from every source and import (records are never "
             "deleted).");
    e.sample(s.records);
    e.family("vulnwatch_matches", "gauge",
             "Matches of advisories against product versions stored now (a merge of two "
             "vulnerability clusters folds duplicates, so this can fall).");
    e.sample(s.matches);
    e.family("vulnwatch_outbox_messages_total", "counter",
             "Notification messages ever queued in the outbox.");
    e.sample(s.outboxTotal);
    e.family("vulnwatch_outbox_messages", "gauge",
             "Outbox messages by state now: pending is the queue depth, dead the dead letters "
             "(a retry by hand queues one again).");
    e.sample(s.outboxPending, {{"state", "pending"}});
    e.sample(s.outboxDelivered, {{"state", "delivered"}});
    e.sample(s.outboxDead, {{"state", "dead"}});
    e.family("vulnwatch_delivery_attempts_total", "counter",
             "Delivery attempts recorded in the delivery ledger (successful or not).");
    e.sample(s.deliveryAttempts);
    e.family("vulnwatch_cases", "gauge", "Cases by state now.");
    for (const auto& [state, n] : s.cases) {
        e.sample(n, {{"state", state}});
    }
    e.family("vulnwatch_cases_open", "gauge", "Cases not closed (nor in a side exit).");
    e.sample(s.openCases);
    e.family("vulnwatch_cases_overdue", "gauge",
             "Open cases with a running clock (decide, inform, fix) past its due time.");
    e.sample(s.overdueCases);
    e.family("vulnwatch_audit_events_total", "counter",
             "Events in the audit trail (the hash chain's head sequence number).");
    e.sample(s.auditHead.seq);
    e.family("vulnwatch_audit_last_event_timestamp_seconds", "gauge",
             "When the last audit event was written (Unix time; 0 = none).");
    e.sample(s.auditHeadAt);
    e.family("vulnwatch_database_size_bytes", "gauge",
             "Size of the SQLite database file (file=db) and its write-ahead log (file=wal).");
    e.sample(s.dbBytes, {{"file", "db"}});
    e.sample(s.walBytes, {{"file", "wal"}});
    e.family("vulnwatch_schema_version", "gauge", "The store's schema version.");
    e.sample(s.schemaVersion);
    if (daemon != nullptr) {
        daemonRole(e, *daemon);
        e.family("vulnwatch_daemon_polls", "gauge",
                 "Polls of the source by this daemon process since it started (not stored: "
                 "starts at 0 with every start, so a gauge, not a counter).");
        for (const auto& [name, counts] : daemon->polls) {
            e.sample(counts.polls, sourceLabel(name));
        }
        e.family("vulnwatch_daemon_poll_failures", "gauge",
                 "Failed polls of the source by this daemon process since it started (not "
                 "stored: starts at 0 with every start, so a gauge, not a counter).");
        for (const auto& [name, counts] : daemon->polls) {
            e.sample(counts.failures, sourceLabel(name));
        }
    }
    return e.str();
}

std::string daemonRoleText(const DaemonProcess& daemon) {
    Exposition e;
    daemonRole(e, daemon);
    return e.str();
}

std::string inactiveRoleText() {
    Exposition e;
    roleGauges(e, false, 0);
    return e.str();
}

HttpResponse metricsRoute(PageCall& call, const std::vector<std::string>& rest) {
    if (!call.settings.metrics || !rest.empty()) {
        return errorPage(call, 404,
                         call.t("ページがありません", "no such page") +
                             (rest.empty() ? call.t(" ([web] metrics = on で有効になります)",
                                                    " ([web] metrics = on turns it on)")
                                           : std::string()));
    }
    if (call.request.method != "GET" && call.request.method != "HEAD") {
        HttpResponse r = errorPage(call, 405, call.t("GET だけが使えます", "only GET is allowed"));
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }
    std::vector<StatusSource> sources;
    for (const SourceInfo& s : call.settings.api.sources) {
        sources.push_back(StatusSource{s.name, s.type, s.enabled, s.interval});
    }
    HttpResponse r;
    r.contentType = std::string(kMetricsContentType);
    r.body = metricsText(readStatus(call.store, sources, call.now));
    r.setHeader("Cache-Control", "no-store");
    return r;
}

} // namespace vw::web
