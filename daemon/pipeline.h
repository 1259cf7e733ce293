// The pipeline's store-side steps: ingest a parsed batch (store, correlate, match, enqueue in
// one transaction) and deliver what the outbox has due.
#pragma once

#include "config/config.h"
#include "core/match.h"
#include "feeds/source.h"
#include "notifiers/notifier.h"
#include "store/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace vw {

struct IngestStats {
    int records = 0;    // records in the batch that were stored
    int newRecords = 0; // first seen from this channel
    int changed = 0;    // stored before with other content (new revision)
    int problems = 0;   // items reported as bad (logged, rest ingested)
    int newMatches = 0;
    int notAffected = 0;   // of newMatches: evaluated not affected (stored, not notified)
    int reevaluated = 0;   // existing matches whose verdict changed (e.g. the detail arrived)
    int material = 0;      // changed records whose revision is material (docs/correlation.md)
    int cosmetic = 0;      // changed records whose revision is cosmetic (no one is notified)
    int enqueued = 0;      // outbox messages created
    int digestItems = 0;   // news recorded for owners' digests (daemon/digest.h)
    int casesOpened = 0;   // cases opened by new matches (daemon/cases.h)
    int casesReopened = 0; // cases re-opened (material revision, changed components, signals)
    int casesAct = 0;      // cases that became SSVC Act (each alerted once)
};

struct DeliveryStats {
    int delivered = 0;
    int retried = 0;
    int dead = 0;
    int waiting = 0;   // due, but no configured notifier of that name (kept for later)
    bool more = false; // a whole batch was due: call again for the rest
    struct DeadLetter {
        std::int64_t id = 0;
        std::string who; // notifier and recipient
        std::string subject;
        std::string reply;
    };
    std::vector<DeadLetter> deadLetters; // given up in this round
    /// Notifiers whose own settings failed in this round (e.g. SMTP 535), with the reply: their
    /// other messages wait, nothing is counted against them.
    std::map<std::string, std::string> misconfigured;
    /// Notifiers whose receiver did not answer in this round (timeout, no connection, 429, 503):
    /// one message took the attempt, their other due messages wait as long (not attempted).
    std::map<std::string, std::string> unreachable;
    /// Set when another process holds the delivery lease (and so delivers): its holder id.
    std::string leaseHeldBy;
};

/// Stores `batch` from `channel` in one transaction together with `newState` (when given), so a
/// source's state only advances with its records. New or changed records are matched against
/// the registry; each new match is routed (daemon/digest.h routeMatch: the notifiers and the
/// [owner.NAME] sections of `routing`): enqueued at once (one message per owner for e-mail) or
/// recorded for an owner's digest. Item problems are logged with id and position.
/// `serialized`, when not empty, holds serializeRecord() of each record of the batch (same
/// order), computed beforehand (a bulk import does it on its parsing thread).
/// The registry and its matcher kept between batches (a daemon's polls): rebuilt only when the
/// store's registry generation changed. Built with one CpeMapper: reset() when it changes.
class RegistryCache {
public:
    /// The registry as the store has it now, and its matcher.
    void refresh(Store& store, const CpeMapper& mapper);
    const std::vector<Product>& products() const { return products_; }
    const ProductMatcher& matcher() const { return *matcher_; }
    void reset() { generation_ = -1; }
    /// How many times refresh() built the matcher.
    int builds() const { return builds_; }

private:
    std::int64_t generation_ = -1;
    int builds_ = 0;
    std::vector<Product> products_;
    std::unique_ptr<ProductMatcher> matcher_;
};

/// `cache`, when given, keeps the registry's matcher from one batch to the next.
/// `fileEvidence`: the evidence blob (SHA-256, already stored) the records without a raw
/// document of their own were read from (an imported file).
IngestStats ingestBatch(Store& store, const Routing& routing, const std::string& channel,
                        const ParseResult& batch, std::int64_t now,
                        const std::optional<SourceStateRow>& newState = std::nullopt,
                        const std::vector<SerializedRecord>& serialized = {},
                        const CpeMapper& mapper = {}, RegistryCache* cache = nullptr,
                        const std::string& fileEvidence = {});

/// Matches the stored records against `products` (those just added or changed) and records and
/// enqueues each match that is new, in one transaction: a product registered after an advisory
/// arrived is still told about it. Only records naming one of the products' CPEs (by vendor and
/// product, the record_cpe index), naming the product of a component matched by name, or
/// naming no CPE and holding one of the keywords (the record_text index) are read; `records`
/// in the result counts them.
IngestStats rematchStored(Store& store, const Routing& routing,
                          const std::vector<Product>& products, std::int64_t now,
                          const CpeMapper& mapper = {});

/// The matcher's view of `[match] cpe_map`: empty when none is configured.
CpeMapper cpeMapperFor(const MatchConfig& match);

/// The matches of one advisory as its messages name them: one per product version, naming
/// every component hit ("log4j-core, log4j-api"), with the best verdict and confidence and each
/// component's reason; a single match stays as it is. In first-seen order.
std::vector<Match> mergedPerProduct(const std::vector<Match>& matches);

/// Records the matches of one stored record (cluster), keeps the cases of the product versions
/// it matched (daemon/cases.h; `evidence`: the blobs the record was read from) and enqueues the
/// messages of the new matches.
void recordMatches(Store& store, const Routing& routing, const ProductMatcher& matcher,
                   const std::vector<Product>& products, std::int64_t clusterId,
                   const Advisory& advisory, std::int64_t now, IngestStats& stats,
                   const std::vector<std::string>& evidence = {});

/// The immediate messages a new match produces for the configured notifiers and owners (pure;
/// exposed for tests). What goes to digests instead: routeMatch (daemon/digest.h).
std::vector<OutMessage> messagesFor(const Advisory& advisory, const Match& match,
                                    const Product& product, const Routing& routing,
                                    const std::string& clusterKey = {});

/// Delivers every due outbox message through the notifier of its name: delivered messages are
/// marked done only after the server accepted them; failures are retried with backoff and
/// dead-lettered after kMaxDeliveryAttempts or a permanent error. At most one batch (100)
/// per call (`more` says when there may be more due); `mayContinue`, when given, is asked
/// before each message and ends the batch when it says no (shutdown, lease lost).
/// `unrecorded` (kept by the caller across calls) holds the messages a receiver accepted but
/// whose delivery could not be written (the store was locked by another process): they are
/// recorded first on the next call and never sent again meanwhile.
DeliveryStats deliverDue(Store& store, const std::map<std::string, Notifier*>& notifiers,
                         std::int64_t now, const std::function<bool()>& mayContinue = {},
                         std::map<std::int64_t, std::string>* unrecorded = nullptr);

} // namespace vw
