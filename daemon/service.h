// The running service: a config snapshot, its sources and notifiers, the store. Used by
// `poll --once` (one cycle) and by `run` (the scheduler loop in daemon/run.cpp).
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "daemon/audit_journal.h"
#include "daemon/digest.h"
#include "daemon/pipeline.h"
#include "feeds/source.h"
#include "notifiers/notifier.h"
#include "store/store.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vw {

struct SourceRun {
    std::string name;
    PollOutcome::Kind kind = PollOutcome::Kind::Error;
    IngestStats stats;
    std::string error;
    std::optional<long> retryAfter; // PollOutcome::retryAfter of a failed poll
};

class Service {
public:
    /// Builds sources and notifiers from `config`; throws std::invalid_argument for a type this
    /// build cannot make (config validation normally catches that first).
    Service(std::shared_ptr<const Config> config, Store& store, HttpClient& http,
            const std::atomic<bool>* cancel = nullptr);

    /// Swaps in a new, already validated configuration (SIGHUP). Sources keep their stored
    /// state; the store path is restart-only and is ignored here.
    void reconfigure(std::shared_ptr<const Config> config);
    const Config& config() const { return *config_; }

    /// Polls one source and ingests what it returned. Never throws for source or input
    /// problems: they come back as kind Error (and are counted in source_state).
    SourceRun pollSource(const std::string& name, std::int64_t now);

    /// Delivers what the outbox has due (one batch; see DeliveryStats::more) when this process
    /// holds the store's delivery lease, taking or renewing it; when another live process
    /// holds it, delivers nothing and says who (DeliveryStats::leaseHeldBy).
    DeliveryStats deliver(std::int64_t now);

    /// Checks the cases' clocks (daemon/cases.h caseTick) and makes the owners' digests that are
    /// due at `now` (daemon/digest.h makeDueDigests); they are delivered with the rest of the
    /// outbox. Never throws: problems are logged.
    std::vector<DigestMade> makeDigests(std::int64_t now);
    /// When the next digest is due (now or later), nullopt when none is scheduled. Never
    /// throws.
    std::optional<std::int64_t> nextDigest(std::int64_t now);

    /// Gives the delivery lease up (also done on destruction).
    void releaseLease();
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    /// This process's id as a lease holder: "HOST:PID:START".
    const std::string& holderId() const { return holder_; }

private:
    const SourceConfig* sourceConfig(const std::string& name) const;
    /// Takes or renews the lease; takes it over from a holder on this host whose process is gone.
    bool holdLease(std::int64_t now);
    void build();
    SourceRun pollDetailFeed(const SourceConfig& source, std::int64_t now);
    /// After a reload: the misconfigured notifiers whose settings changed send their waiting
    /// messages now.
    void expediteFixedNotifiers(const Config& previous);

    std::shared_ptr<const Config> config_;
    Store& store_;
    HttpClient& http_;
    const std::atomic<bool>* cancel_;
    std::map<std::string, std::unique_ptr<Source>> sources_;
    std::map<std::string, std::unique_ptr<Notifier>> notifiers_;
    /// The notifiers and [owner.NAME] sections of config_, as the pipeline routes with them.
    Routing routing_;
    bool casesSwept_ = false; // openMissingCases ran once in this process
    std::string holder_;
    bool holdsLease_ = false;
    /// The registry's matcher between polls (reset when the configuration changes).
    RegistryCache registry_;
    /// Notifiers whose settings failed and whose admins were told (see deliver()).
    std::set<std::string> misconfigured_;
    /// Delivered messages the store was too busy to record (see deliverDue).
    std::map<std::int64_t, std::string> unrecorded_;
    /// The audit head written to the journal once a day and at stop (docs/audit.md).
    AuditHeadJournal auditJournal_;
    /// Evidence retention ([evidence] retention_days): pruned once a day (JST day number of
    /// the last run; -1: not yet).
    void pruneEvidenceDaily(std::int64_t now);
    std::int64_t evidencePrunedDay_ = -1;
};

} // namespace vw
