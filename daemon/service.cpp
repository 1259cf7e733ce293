#include "daemon/service.h"

#include "daemon/backfill.h"
#include "daemon/log.h"
#include "daemon/registry.h"

#include <algorithm>
#include <exception>
#include <sstream>

namespace vw {

Service::Service(std::shared_ptr<const Config> config, Store& store, HttpClient& http,
                 const std::atomic<bool>* cancel)
    : config_(std::move(config)), store_(store), http_(http), cancel_(cancel) {
    build();
}

void Service::reconfigure(std::shared_ptr<const Config> config) {
    std::swap(config_, config);
    try {
        build();
    } catch (...) {
        std::swap(config_, config); // all or nothing: keep the running configuration
        throw;
    }
}

void Service::build() {
    std::map<std::string, std::unique_ptr<Source>> sources;
    std::map<std::string, std::unique_ptr<Notifier>> notifiers;
    for (const auto& s : config_->sources) {
        if (s.enabled && s.type != "jvn-detail-feed") { // detail feeds: pollDetailFeed()
            sources[s.name] = makeSource(s, SourceContext{http_, cancel_});
        }
    }
    for (const auto& n : config_->notifiers) {
        notifiers[n.name] = makeNotifier(n, http_);
        if (n.mode == "digest") {
            VW_LOG_WARNING("notify", "notifier '" << n.name
                                                  << "': mode = digest is not implemented yet; "
                                                     "it sends nothing (use mode = immediate)");
        }
    }
    sources_ = std::move(sources);
    notifiers_ = std::move(notifiers);
}

SourceRun Service::pollDetailFeed(const SourceConfig& source, std::int64_t now) {
    SourceRun run;
    run.name = source.name;
    const std::string component = "feeds." + source.name;
    // The yearly files of this year and the last (JVN still updates recent entries there); the
    // rest of history is `vulnwatch backfill`. Unchanged files are skipped by checksum.txt.
    BackfillOptions options = backfillOptionsFor(source);
    const int year = std::stoi(formatIsoDateTime(DateTime{now, 540}).substr(0, 4)); // JST
    options.since = std::max(options.since, year - 1);
    options.until = year;
    std::ostringstream out;
    std::ostringstream progress;
    try {
        const BackfillStats stats =
            runBackfill(store_, http_, config_->notifiers, options, out, progress);
        run.stats.records = static_cast<int>(stats.records);
        run.stats.newRecords = static_cast<int>(stats.newRecords);
        run.stats.changed = static_cast<int>(stats.changed);
        run.stats.newMatches = static_cast<int>(stats.newMatches);
        run.stats.enqueued = static_cast<int>(stats.enqueued);
        std::istringstream lines(out.str() + progress.str());
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty()) {
                VW_LOG_INFO(component, line);
            }
        }
        if (stats.failed > 0) {
            run.kind = PollOutcome::Kind::Error;
            run.error = std::to_string(stats.failed) + " yearly file(s) failed (see above)";
        } else {
            run.kind =
                stats.loaded > 0 ? PollOutcome::Kind::Records : PollOutcome::Kind::NotModified;
            return run;
        }
    } catch (const std::exception& e) {
        run.kind = PollOutcome::Kind::Error;
        run.error = e.what();
    }
    VW_LOG_ERROR(component, "poll failed: " << run.error);
    return run;
}

SourceRun Service::pollSource(const std::string& name, std::int64_t now) {
    for (const auto& s : config_->sources) {
        if (s.name == name && s.enabled && s.type == "jvn-detail-feed") {
            return pollDetailFeed(s, now);
        }
    }
    SourceRun run;
    run.name = name;
    auto it = sources_.find(name);
    if (it == sources_.end()) {
        run.error = "no enabled source named '" + name + "'";
        return run;
    }
    const std::string component = "feeds." + name;
    SourceStateRow row = store_.sourceState(name);
    SourceState state{row.etag, row.lastModified, row.cursor};
    try {
        PollOutcome outcome = it->second->poll(state);
        run.kind = outcome.kind;
        switch (outcome.kind) {
        case PollOutcome::Kind::NotModified:
            // Nothing is written for an unchanged feed (DESIGN: a 304 writes nothing).
            VW_LOG_INFO(component, "not modified");
            return run;
        case PollOutcome::Kind::Records: {
            SourceStateRow next = row;
            next.etag = outcome.state.etag;
            next.lastModified = outcome.state.lastModified;
            next.cursor = outcome.state.cursor;
            next.lastSuccess = now;
            next.lastAttempt = now;
            next.errorCount = 0;
            next.lastError.clear();
            next.nextAttempt = 0;
            run.stats = ingestBatch(store_, config_->notifiers, name, outcome.result, now, next, {},
                                    cpeMapperFor(config_->match));
            it->second->afterCommit(outcome);
            VW_LOG_INFO(component, run.stats.records << " records (" << run.stats.newRecords
                                                     << " new, " << run.stats.changed
                                                     << " changed, " << run.stats.problems
                                                     << " bad items), " << run.stats.newMatches
                                                     << " new matches, " << run.stats.enqueued
                                                     << " notifications queued");
            return run;
        }
        case PollOutcome::Kind::Error:
            run.error = outcome.error;
            break;
        }
    } catch (const std::exception& e) {
        // A bug or a broken store must not take the other sources down with it.
        run.kind = PollOutcome::Kind::Error;
        run.error = e.what();
    }
    VW_LOG_ERROR(component, "poll failed: " << run.error);
    try {
        row.lastAttempt = now;
        row.errorCount += 1;
        row.lastError = run.error;
        store_.saveSourceState(name, row);
    } catch (const std::exception& e) {
        VW_LOG_ERROR(component, "cannot record the failure: " << e.what());
    }
    return run;
}

DeliveryStats Service::deliver(std::int64_t now) {
    std::map<std::string, Notifier*> notifiers;
    for (auto& [name, n] : notifiers_) {
        notifiers[name] = n.get();
    }
    return deliverDue(store_, notifiers, now);
}

} // namespace vw
