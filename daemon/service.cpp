#include "daemon/service.h"

#include "daemon/alerts.h"
#include "daemon/backfill.h"
#include "daemon/cases.h"
#include "daemon/kev.h"
#include "daemon/log.h"
#include "daemon/notices.h"
#include "daemon/registry.h"
#include "store/evidence.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <exception>
#include <sstream>
#include <unistd.h>

namespace vw {

namespace {

/// How long a delivery lease lasts unless renewed; renewed while delivering, at least every
/// kLeaseRenewSeconds.
constexpr std::int64_t kLeaseSeconds = 120;
constexpr std::int64_t kLeaseRenewSeconds = 30;

std::string hostName() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) {
        return "localhost";
    }
    return buffer;
}

/// A holder id "HOST:PID:START" that no later process reuses (START: nanoseconds now).
std::string makeHolderId() {
    const auto start = std::chrono::steady_clock::now().time_since_epoch().count();
    return hostName() + ":" + std::to_string(::getpid()) + ":" + std::to_string(start);
}

/// True when `holder` names a process on this host that no longer exists.
bool holderIsGone(const std::string& holder) {
    const auto first = holder.find(':');
    const auto second = holder.find(':', first == std::string::npos ? first : first + 1);
    if (first == std::string::npos || second == std::string::npos ||
        holder.substr(0, first) != hostName()) {
        return false;
    }
    const std::string pidText = holder.substr(first + 1, second - first - 1);
    if (pidText.empty() || pidText.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    const long pid = std::stol(pidText);
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

} // namespace

Service::Service(std::shared_ptr<const Config> config, Store& store, HttpClient& http,
                 const std::atomic<bool>* cancel)
    : config_(std::move(config)), store_(store), http_(http), cancel_(cancel),
      holder_(makeHolderId()) {
    build();
}

Service::~Service() {
    releaseLease();
    auditJournal_.atStop(store_); // a copy of the audit head outside the store (docs/audit.md)
}

void Service::releaseLease() {
    if (!holdsLease_) {
        return;
    }
    holdsLease_ = false;
    try {
        store_.releaseDeliveryLease(holder_);
    } catch (const std::exception& e) {
        VW_LOG_WARNING("notify",
                       "cannot release the delivery lease (it expires by itself): " << e.what());
    }
}

bool Service::holdLease(std::int64_t now) {
    if (store_.takeDeliveryLease(holder_, now, kLeaseSeconds)) {
        holdsLease_ = true;
        return true;
    }
    const auto lease = store_.deliveryLease();
    if (lease && holderIsGone(lease->holder) &&
        store_.takeDeliveryLease(holder_, now, kLeaseSeconds, true)) {
        VW_LOG_INFO("notify", "took over the delivery lease of " << lease->holder
                                                                 << ", which is no longer running");
        holdsLease_ = true;
        return true;
    }
    holdsLease_ = false;
    return false;
}

void Service::reconfigure(std::shared_ptr<const Config> config) {
    registry_.reset(); // the cpe_map may have changed
    std::swap(config_, config);
    try {
        build();
    } catch (...) {
        std::swap(config_, config); // all or nothing: keep the running configuration
        throw;
    }
    expediteFixedNotifiers(*config);
    // The reload in the audit trail, with the configuration as it now runs (secrets redacted)
    // as its evidence. A store that cannot take the event does not undo the reload.
    try {
        const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        Store::Transaction tx(store_);
        AuditEvent event;
        event.kind = "config-reload";
        event.at = now;
        event.actor = "daemon";
        event.text = "configuration reloaded from " + config_->file + ": " +
                     std::to_string(config_->sources.size()) + " sources, " +
                     std::to_string(config_->notifiers.size()) + " notifiers, " +
                     std::to_string(config_->owners.size()) + " owner sections";
        event.evidence = {
            putEvidence(store_, redacted(*config_), "text/plain; charset=utf-8", now)};
        store_.appendEvent(event);
        tx.commit();
    } catch (const std::exception& e) {
        VW_LOG_WARNING("audit", "the reload is not in the audit trail: " << e.what());
    }
}

void Service::expediteFixedNotifiers(const Config& previous) {
    // A notifier whose settings failed (SMTP 535) and were changed: what waited for them goes
    // out in this round, and a failure again is a new episode (a new admin alert).
    for (auto it = misconfigured_.begin(); it != misconfigured_.end();) {
        const auto settingsOf = [&](const std::vector<NotifierConfig>& list) {
            const auto found = std::find_if(list.begin(), list.end(),
                                            [&](const auto& n) { return n.name == *it; });
            return found == list.end() ? std::optional<NotifierConfig>() : *found;
        };
        if (settingsOf(previous.notifiers) == settingsOf(config_->notifiers)) {
            ++it;
            continue;
        }
        try {
            const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
            const int due = store_.makeDueNow(*it, now);
            VW_LOG_INFO("notify", "notifier " << *it << " has new settings: its " << due
                                              << " waiting message(s) are due now");
        } catch (const std::exception& e) {
            VW_LOG_WARNING("notify", "cannot make the messages of notifier "
                                         << *it
                                         << " due now (they wait for their time): " << e.what());
        }
        it = misconfigured_.erase(it);
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
    }
    sources_ = std::move(sources);
    notifiers_ = std::move(notifiers);
    routing_ = Routing(*config_);
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
    options.mapper = cpeMapperFor(config_->match);
    std::ostringstream out;
    std::ostringstream progress;
    try {
        const BackfillStats stats = runBackfill(store_, http_, routing_, options, out, progress);
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
            run.retryAfter = stats.retryAfter;
        } else {
            run.kind =
                stats.loaded > 0 ? PollOutcome::Kind::Records : PollOutcome::Kind::NotModified;
            return run;
        }
    } catch (const BackfillBusy& e) {
        run.kind = PollOutcome::Kind::Error;
        run.error = e.what();
        run.retryAfter = e.seconds;
    } catch (const std::exception& e) {
        run.kind = PollOutcome::Kind::Error;
        run.error = e.what();
    }
    VW_LOG_ERROR(component, "poll failed: " << run.error);
    return run;
}

const SourceConfig* Service::sourceConfig(const std::string& name) const {
    for (const auto& s : config_->sources) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
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
        case PollOutcome::Kind::NotModified: {
            // Nothing is written for an unchanged feed (DESIGN: a 304 writes nothing), unless
            // it ends a run of failures or an alert is due.
            VW_LOG_INFO(component, "not modified");
            bool changed = false;
            if (row.errorCount > 0) {
                row.errorCount = 0;
                row.lastError.clear();
                row.lastSuccess = now;
                row.lastAttempt = now;
                row.nextAttempt = 0;
                changed = true;
            }
            if (const SourceConfig* source = sourceConfig(name)) {
                changed =
                    checkSourceHealth(store_, *config_, *source, row, true, false, now) || changed;
            }
            if (changed) {
                store_.saveSourceState(name, row);
            }
            return run;
        }
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
            const SourceConfig* polled = sourceConfig(name);
            if (polled != nullptr && polled->type == "kev") {
                // CISA's KEV catalog: its own table and exploitation signals, not advisory
                // records (daemon/kev.h).
                const KevIngestStats kev =
                    ingestKev(store_, routing_, name, outcome.result, now, next);
                run.stats = kev.ingest;
                VW_LOG_INFO(component,
                            "CISA KEV catalog "
                                << kev.catalogVersion << ": " << kev.ingest.records << " listed ("
                                << kev.ingest.newRecords << " new, " << kev.ingest.changed
                                << " changed, " << kev.ingest.problems << " bad entries), "
                                << kev.signalled.size() << " stored vulnerabilities newly listed, "
                                << kev.casesTouched << " cases re-evaluated");
            } else {
                run.stats = ingestBatch(store_, routing_, name, outcome.result, now, next, {},
                                        cpeMapperFor(config_->match), &registry_);
            }
            it->second->afterCommit(outcome);
            if (const SourceConfig* source = sourceConfig(name)) {
                SourceStateRow saved = store_.sourceState(name);
                if (checkSourceHealth(store_, *config_, *source, saved, true,
                                      run.stats.newRecords > 0, now)) {
                    store_.saveSourceState(name, saved);
                }
            }
            if (polled != nullptr && polled->type == "kev") {
                return run;
            }
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
            run.retryAfter = outcome.retryAfter;
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
        if (const SourceConfig* source = sourceConfig(name)) {
            checkSourceHealth(store_, *config_, *source, row, false, false, now);
        }
        store_.saveSourceState(name, row);
    } catch (const std::exception& e) {
        VW_LOG_ERROR(component, "cannot record the failure: " << e.what());
    }
    return run;
}

std::vector<DigestMade> Service::makeDigests(std::int64_t now) {
    // The cases' clocks first (expired risk acceptances re-open, breaches are noticed once), so
    // a digest made in the same round shows them.
    try {
        if (!casesSwept_) {
            openMissingCases(store_, routing_, now);
            casesSwept_ = true;
        }
        const CaseTickStats cases = caseTick(store_, routing_, now);
        if (cases.expired + cases.breaches > 0) {
            VW_LOG_INFO("case", cases.expired << " risk acceptances expired, " << cases.breaches
                                              << " deadlines passed, " << cases.notices
                                              << " notices queued");
        }
    } catch (const std::exception& e) {
        VW_LOG_ERROR("case", "cannot check the cases' clocks now: " << e.what());
    }
    try {
        return makeDueDigests(store_, *config_, now);
    } catch (const std::exception& e) {
        // The store was locked or broken: the digests stay due for the next round.
        VW_LOG_ERROR("digest", "cannot make the due digests now: " << e.what());
        return {};
    }
}

std::optional<std::int64_t> Service::nextDigest(std::int64_t now) {
    try {
        return nextDigestDue(store_, *config_, now);
    } catch (const std::exception& e) {
        VW_LOG_WARNING("digest", "cannot tell when the next digest is due: " << e.what());
        return std::nullopt;
    }
}

void Service::pruneEvidenceDaily(std::int64_t now) {
    const std::int64_t day = (now + 9 * 3600) / 86400; // JST
    if (day == evidencePrunedDay_ || config_->evidence.retentionDays == 0) {
        return;
    }
    evidencePrunedDay_ = day;
    try {
        const std::int64_t cutoff =
            now - static_cast<std::int64_t>(config_->evidence.retentionDays) * 86400;
        const EvidencePruned pruned = pruneEvidence(store_, cutoff, now);
        if (pruned.blobs > 0) {
            VW_LOG_INFO("evidence", "pruned the bytes of " << pruned.blobs << " evidence blobs ("
                                                           << pruned.freed
                                                           << " bytes stored) not seen for "
                                                           << config_->evidence.retentionDays
                                                           << " days; their hashes remain");
        }
    } catch (const std::exception& e) {
        evidencePrunedDay_ = -1; // try again on the next round
        VW_LOG_WARNING("evidence", "cannot prune evidence now: " << e.what());
    }
}

DeliveryStats Service::deliver(std::int64_t now) {
    auditJournal_.daily(store_, now); // `audit head SEQ HASH` once a day (docs/audit.md)
    pruneEvidenceDaily(now);          // [evidence] retention_days, once a day
    bool leased = false;
    try {
        leased = holdLease(now);
    } catch (const StoreError& e) {
        // Locked by another process for longer than the busy timeout: try next round.
        VW_LOG_WARNING("notify", "cannot take the delivery lease now: " << e.what());
        return DeliveryStats{};
    }
    if (!leased) {
        DeliveryStats stats;
        const auto lease = store_.deliveryLease();
        stats.leaseHeldBy = lease ? lease->holder : std::string("another process");
        return stats;
    }
    std::map<std::string, Notifier*> notifiers;
    for (auto& [name, n] : notifiers_) {
        notifiers[name] = n.get();
    }
    auto renewed = std::chrono::steady_clock::now();
    const auto mayContinue = [&] {
        if (cancel_ != nullptr && cancel_->load()) {
            return false; // shutting down: the rest stays due, no attempt is counted
        }
        const auto nowSteady = std::chrono::steady_clock::now();
        if (nowSteady - renewed < std::chrono::seconds(kLeaseRenewSeconds)) {
            return true;
        }
        renewed = nowSteady;
        const std::int64_t wall = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
        if (!holdLease(wall)) {
            VW_LOG_WARNING("notify", "lost the delivery lease; another process delivers now");
            return false;
        }
        return true;
    };
    DeliveryStats stats = deliverDue(store_, notifiers, now, mayContinue, &unrecorded_);
    // Hospital notices: each letter delivered or given up records its result (daemon/notices.h).
    if (stats.delivered > 0 || stats.dead > 0) {
        try {
            settleNoticeLetters(store_, now, caseSite(routing_));
        } catch (const std::exception& e) {
            VW_LOG_WARNING("notify", "cannot record the hospital notices' delivery results yet ("
                                         << e.what() << "); `notices list` records them later");
        }
    }
    // A notifier whose settings fail (SMTP 535) tells the admins once per episode; a round in
    // which it delivers ends the episode.
    for (const auto& [notifier, reply] : stats.misconfigured) {
        if (!misconfigured_.insert(notifier).second) {
            continue;
        }
        enqueueAdminAlert(store_, *config_,
                          "通知先 " + notifier + " の設定で送信できません (notifier " + notifier +
                              " cannot send with its settings)",
                          "通知先 (notifier): " + notifier + "\n応答 (reply): " + reply +
                              "\n\nメッセージは失われず、設定が直るまで待機します。(No message "
                              "is given up: they wait until the settings work.)",
                          "misconfigured:" + notifier + ":" + std::to_string(now), now);
    }
    if (stats.delivered > 0 && stats.misconfigured.empty()) {
        misconfigured_.clear();
    }
    // Each message given up tells the admins, once (an alert that dies is only logged).
    for (const auto& dead : stats.deadLetters) {
        if (dead.subject.rfind(kAdminSubjectPrefix, 0) == 0) {
            continue;
        }
        enqueueAdminAlert(store_, *config_,
                          "通知 " + std::to_string(dead.id) + " を配送できませんでした (message " +
                              std::to_string(dead.id) + " could not be delivered)",
                          "宛先 (to): " + dead.who + "\n件名 (subject): " + dead.subject +
                              "\n最後の応答 (last reply): " + dead.reply +
                              "\n\n再送するには (to send it again): vulnwatch deliveries retry " +
                              std::to_string(dead.id),
                          "dead:" + std::to_string(dead.id), now);
    }
    return stats;
}

} // namespace vw
