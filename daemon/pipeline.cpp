#include "daemon/pipeline.h"

#include "config/cpe_map.h"
#include "core/correlate.h"
#include "core/match.h"
#include "daemon/cases.h"
#include "daemon/digest.h"
#include "daemon/json_read.h"
#include "daemon/log.h"
#include "notifiers/chat_format.h"
#include "notifiers/render.h"
#include "notifiers/retry.h"
#include "store/evidence.h"
#include "store/lookahead.h"

#include <algorithm>
#include <stdexcept>

namespace vw {
namespace {

/// The registered version a match was made for; nullptr when it is no longer registered (or
/// removed): its matches stay readable and notify no one.
const Product* findProduct(const std::vector<Product>& products, const Match& match) {
    auto it = std::find_if(products.begin(), products.end(), [&](const Product& p) {
        return p.name == match.product && p.version == match.version;
    });
    return it == products.end() ? nullptr : &*it;
}

/// How many new matches of one batch are logged one by one at info level.
constexpr int kMatchesLoggedEach = 20;

} // namespace

std::vector<Match> mergedPerProduct(const std::vector<Match>& matches) {
    std::vector<Match> merged;
    std::vector<std::vector<const Match*>> groups;
    for (const Match& m : matches) {
        auto it = std::find_if(merged.begin(), merged.end(), [&](const Match& g) {
            return g.product == m.product && g.version == m.version;
        });
        if (it == merged.end()) {
            merged.push_back(m);
            groups.push_back({&m});
        } else {
            groups[static_cast<std::size_t>(it - merged.begin())].push_back(&m);
        }
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (groups[g].size() < 2) {
            continue;
        }
        const Match* best = groups[g].front();
        for (const Match* m : groups[g]) {
            if (betterMatch(*m, *best)) {
                best = m;
            }
        }
        Match combined = *best;
        combined.component.clear();
        combined.reason.clear();
        combined.componentVersion.clear();
        for (const Match* m : groups[g]) {
            combined.component += (combined.component.empty() ? "" : ", ") + m->component;
            combined.reason +=
                (combined.reason.empty() ? "" : " | ") + m->component + ": " + m->reason;
        }
        merged[g] = std::move(combined);
    }
    return merged;
}

void recordMatches(Store& store, const Routing& routing, const ProductMatcher& matcher,
                   const std::vector<Product>& products, std::int64_t clusterId,
                   const Advisory& advisory, std::int64_t now, IngestStats& stats,
                   const std::vector<std::string>& evidence) {
    std::vector<Match> toNotify;
    const std::vector<Match> all = matcher.match(advisory);
    for (const Match& m : all) {
        const Store::MatchSaved saved = store.saveMatch(clusterId, m, now);
        if (!saved.inserted && !saved.changed) {
            continue; // this vulnerability already matched here (maybe via another channel)
        }
        std::string what;
        if (saved.inserted) {
            ++stats.newMatches;
            if (m.verdict == "not-affected") {
                ++stats.notAffected;
            }
            what = m.verdict == "affected" ? " matches " : " is " + m.verdict + " for ";
        } else {
            ++stats.reevaluated;
            what = " re-evaluated from " + saved.previousVerdict + " to " + m.verdict + " for ";
            store.logEvent("match",
                           advisory.id + what + m.product +
                               (m.version.empty() ? "" : " " + m.version) + " (" + m.component +
                               "): " + m.reason,
                           now);
        }
        // One line per match while they are few; bulk loads (backfill, re-match of a new
        // product) log them at debug level and the caller logs the total.
        const int logged = stats.newMatches + stats.reevaluated;
        VW_LOG(logged <= kMatchesLoggedEach ? log::Level::Info : log::Level::Debug, "match",
               advisory.id << what << m.product << (m.version.empty() ? "" : " " + m.version)
                           << " (" << m.method << ", confidence " << m.confidence << ")");
        if (logged == kMatchesLoggedEach + 1) {
            VW_LOG_INFO("match", "more new matches follow; each is logged at debug level");
        }
        // Notified: a new match that may affect the product, and one confirmed affected after
        // it needed review or was evaluated not affected. An evaluated miss notifies no one, and
        // a needs-review turned not-affected is closed by the event above.
        const bool notify = saved.inserted ? m.verdict != "not-affected" : m.verdict == "affected";
        if (notify) {
            toNotify.push_back(m);
        }
    }
    // Every match, new or not, keeps the product version's case (docs/cases.md): opened once,
    // told of changed components.
    casesForMatches(store, routing, clusterId, advisory, all, evidence, now, stats, &products);
    // One message per advisory, product version and recipient, naming every component hit (an
    // advisory naming 12 CPEs of one product used to send 12).
    for (const Match& m : mergedPerProduct(toNotify)) {
        const Product* product = findProduct(products, m);
        if (product == nullptr) {
            continue;
        }
        const std::string key = store.clusterKey(clusterId);
        for (const RouteTarget& target :
             routeMatch(routing, *product, advisory.maxScore(), m.confidence)) {
            if (target.digest) {
                if (store.addDigestItem(
                        digestItemFor(advisory, m, target, key, nullptr, {}, now))) {
                    ++stats.digestItems;
                }
                continue;
            }
            const OutMessage message =
                target.notifier->type == "email"
                    ? renderEmail(advisory, m, target.notifier->name, target.recipient, key,
                                  MailOptions{target.language, target.notifier->templates.loaded})
                    : renderChat(target.notifier->type, advisory, m, target.notifier->name, key);
            if (store.enqueue(message, now) != 0) {
                ++stats.enqueued;
            }
        }
    }
}

void RegistryCache::refresh(Store& store, const CpeMapper& mapper) {
    const std::int64_t generation = store.registryGeneration();
    if (matcher_ && generation == generation_) {
        return;
    }
    products_ = store.products();
    matcher_ = std::make_unique<ProductMatcher>(products_, mapper);
    generation_ = generation;
    ++builds_;
}

CpeMapper cpeMapperFor(const MatchConfig& match) {
    if (!match.cpeMap || match.cpeMap->empty()) {
        return {};
    }
    std::shared_ptr<const CpeMap> map = match.cpeMap;
    return [map](const Component& component) -> std::optional<MappedCpe> {
        const CpeMapEntry* entry = map->find(component);
        if (entry == nullptr) {
            return std::nullopt;
        }
        return MappedCpe{entry->vendor, entry->product,
                         "cpe_map line " + std::to_string(entry->line)};
    };
}

IngestStats rematchStored(Store& store, const Routing& routing,
                          const std::vector<Product>& products, std::int64_t now,
                          const CpeMapper& mapper) {
    IngestStats stats;
    if (products.empty()) {
        return stats;
    }
    const ProductMatcher matcher(products, mapper);
    // Only the records that name one of the registry's CPEs (vendor and product) can match:
    // found through the record_cpe index, then read and matched one at a time, so neither time
    // nor memory grows with the records that cannot match.
    Store::Transaction tx(store);
    std::vector<std::string> anyVendor = matcher.anyVendorProducts();
    for (auto& name : matcher.nameProducts()) {
        anyVendor.push_back(std::move(name));
    }
    std::vector<std::pair<std::string, std::string>> pairs = matcher.vendorProducts();
    for (auto& pair : matcher.nameVendorProducts()) {
        pairs.push_back(std::move(pair));
    }
    std::vector<std::int64_t> candidates = store.recordsNamingCpes(pairs, anyVendor);
    const std::vector<std::int64_t> byKeyword = store.recordsWithText(matcher.keywordSearchForms());
    candidates.insert(candidates.end(), byKeyword.begin(), byKeyword.end());
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    // Records that state affected versions (VULDEF details) first: their verdict is decided,
    // and the RSS item or mail of the same vulnerability read afterwards cannot turn it into a
    // "needs review" message that the detail already answers.
    std::vector<std::int64_t> later;
    // 64 records at a time: read in one statement, and what opening their clusters' cases
    // reads (the cluster, its KEV entry and alert, the cases of its key, the missions) looked
    // up for all their clusters at once (store/lookahead.h) instead of a statement or more per
    // case: on PostgreSQL each was a round trip.
    ClusterLookahead ahead(store);
    struct Work {
        Advisory advisory;
        std::vector<std::int64_t> clusters;
    };
    const auto matchRecords = [&](const std::vector<std::int64_t>& ids, bool firstPass) {
        for (std::size_t from = 0; from < ids.size(); from += kLookupSlots) {
            const std::vector<std::int64_t> part(
                ids.begin() + static_cast<std::ptrdiff_t>(from),
                ids.begin() +
                    static_cast<std::ptrdiff_t>(std::min(ids.size(), from + kLookupSlots)));
            std::vector<Work> work;
            std::vector<std::int64_t> clusters;
            for (const StoredRecord& stored : store.records(part)) {
                // A non-empty "versions" list in the stored JSON (toJson writes
                // `"versions":[]` for none): found without parsing, so every record is parsed
                // once.
                if (firstPass && stored.json.find("\"versions\":[\"") == std::string::npos) {
                    later.push_back(stored.recordId);
                    continue;
                }
                Work& w = work.emplace_back();
                w.advisory = advisoryFromJson(stored.json);
                // A record of a vulnerability matches for its cluster; a record of an advisory
                // for every cluster the advisory covers.
                w.clusters = stored.clusterId != 0 ? std::vector<std::int64_t>{stored.clusterId}
                                                   : store.coveredClusters(stored.advisoryId);
                clusters.insert(clusters.end(), w.clusters.begin(), w.clusters.end());
            }
            ahead.load(clusters);
            for (const Work& w : work) {
                ++stats.records;
                for (const std::int64_t cluster : w.clusters) {
                    recordMatches(store, routing, matcher, products, cluster, w.advisory, now,
                                  stats);
                }
            }
        }
    };
    matchRecords(candidates, true);
    matchRecords(later, false);
    if (stats.newMatches > 0) {
        store.logEvent("rematch",
                       std::to_string(stats.newMatches) + " new matches of stored advisories for " +
                           std::to_string(products.size()) + " changed products",
                       now);
    }
    tx.commit();
    return stats;
}

std::vector<OutMessage> messagesFor(const Advisory& advisory, const Match& match,
                                    const Product& product, const Routing& routing,
                                    const std::string& clusterKey) {
    std::vector<OutMessage> out;
    for (const RouteTarget& target :
         routeMatch(routing, product, advisory.maxScore(), match.confidence)) {
        if (target.digest) {
            continue;
        }
        const NotifierConfig& n = *target.notifier;
        out.push_back(n.type == "email"
                          ? renderEmail(advisory, match, n.name, target.recipient, clusterKey,
                                        MailOptions{target.language, n.templates.loaded})
                          : renderChat(n.type, advisory, match, n.name, clusterKey));
    }
    return out;
}

namespace {

/// A material revision of `advisory`: one update message per existing match of its clusters
/// and notifier (the thresholds see the higher of the old and new score, so a withdrawal or a
/// lowered score still reaches whoever heard of the record before).
void enqueueUpdates(Store& store, const Routing& routing, const std::vector<Product>& products,
                    const std::vector<std::int64_t>& clusters, const Advisory& advisory,
                    double previousScore, const UpdateNotice& update, std::int64_t now,
                    IngestStats& stats) {
    const double score = std::max(previousScore, advisory.maxScore());
    for (const std::int64_t cluster : clusters) {
        const std::vector<MatchRow> rows = store.matchesOfCluster(cluster);
        if (rows.empty()) {
            continue;
        }
        const std::string key = store.clusterKey(cluster);
        for (const MatchRow& row : rows) {
            if (row.match.verdict == "not-affected") {
                continue; // evaluated not affected: its first message was never sent either
            }
            const Product* product = findProduct(products, row.match);
            if (product == nullptr) {
                continue; // removed from the registry: its matches stay readable, not notified
            }
            for (const RouteTarget& target :
                 routeMatch(routing, *product, score, row.match.confidence)) {
                if (target.digest) {
                    if (store.addDigestItem(digestItemFor(advisory, row.match, target, key,
                                                          &update.changes, update.revisionHash,
                                                          now))) {
                        ++stats.digestItems;
                    }
                    continue;
                }
                const NotifierConfig& n = *target.notifier;
                const OutMessage message =
                    n.type == "email"
                        ? renderUpdateEmail(advisory, row.match, update, n.name, target.recipient,
                                            key, MailOptions{target.language, n.templates.loaded})
                        : renderUpdateChat(n.type, advisory, row.match, update, n.name, key);
                if (store.enqueue(message, now) != 0) {
                    ++stats.enqueued;
                }
            }
        }
    }
}

/// Classifies a changed record's new revision (core/correlate) and stores the class; a
/// material one notifies the existing matches. Returns nothing; counts into `stats`.
void classifyChange(Store& store, const Routing& routing, const std::vector<Product>& products,
                    const UpsertOutcome& up, const Advisory& advisory, std::int64_t now,
                    IngestStats& stats) {
    RevisionDiff diff;
    double previousScore = 0.0;
    try {
        const Advisory before = advisoryFromJson(up.previousJson);
        previousScore = before.maxScore();
        diff = classifyRevision(&before, advisory);
    } catch (const std::exception& e) {
        // A stored JSON this build cannot read: say so, and treat the change as material (a
        // needless update message is better than a missed one).
        VW_LOG_WARNING("ingest", "previous content of " << advisory.id << " unreadable ("
                                                        << e.what() << "); change taken as "
                                                        << "material");
        diff.revisionClass = RevisionClass::Material;
        diff.changes.push_back({"content", "(unreadable)", "(new content)", true});
    }
    store.classifyRevision(up.revisionId, revisionClassName(diff.revisionClass),
                           changesJson(diff.changes));
    if (diff.revisionClass != RevisionClass::Material) {
        ++stats.cosmetic;
        return;
    }
    ++stats.material;
    std::string what;
    for (const auto& change : diff.changes) {
        if (change.material) {
            what += (what.empty() ? "" : ", ") + change.field;
        }
    }
    casesOnMaterialRevision(store, routing, up.clusters, advisory, what, now, stats, &products);
    UpdateNotice update{std::move(diff.changes), up.contentHash};
    enqueueUpdates(store, routing, products, up.clusters, advisory, previousScore, update, now,
                   stats);
}

} // namespace

IngestStats ingestBatch(Store& store, const Routing& routing, const std::string& channel,
                        const ParseResult& batch, std::int64_t now,
                        const std::optional<SourceStateRow>& newState,
                        const std::vector<SerializedRecord>& serialized, const CpeMapper& mapper,
                        RegistryCache* cache, const std::string& fileEvidence) {
    if (!serialized.empty() && serialized.size() != batch.records.size()) {
        throw std::invalid_argument("ingestBatch: " + std::to_string(serialized.size()) +
                                    " serialized records for a batch of " +
                                    std::to_string(batch.records.size()));
    }
    IngestStats stats;
    for (const auto& p : batch.problems) {
        ++stats.problems;
        VW_LOG_WARNING("ingest." + channel,
                       "item " << p.position << (p.itemId.empty() ? "" : " (" + p.itemId + ")")
                               << ": " << p.message);
    }
    Store::Transaction tx(store);
    // The aliases of the whole batch in a few statements (on PostgreSQL a round trip each).
    const Store::IdLookahead lookahead(store, batch.records);
    // No `PRAGMA defer_foreign_keys` here: a flag pragma expires every prepared statement of
    // the connection, so each batch re-prepared all of them (12% of the instructions of an
    // import of 10k entries and 2,000 mails, callgrind), more than the immediate foreign-key
    // checks cost.
    // The registry indexed once per batch, or kept from the last batch while it is unchanged.
    RegistryCache local;
    RegistryCache& registry = cache != nullptr ? *cache : local;
    registry.refresh(store, mapper);
    const std::vector<Product>& products = registry.products();
    const ProductMatcher& matcher = registry.matcher();
    // Evidence (store/evidence.h): a raw document of the batch is stored, in this transaction,
    // the first time a record read from it is new or changed; documents whose records changed
    // nothing are not kept.
    std::vector<std::string> rawHashes(batch.raw.size()); // "" until stored
    std::vector<std::string> evidence;                    // stored, in that order
    // A record without a raw document of its own was read from an imported file.
    const auto fromFile = [&](std::size_t record) {
        const int index = record < batch.rawOf.size() ? batch.rawOf[record] : kNoRawDocument;
        return index < 0 || static_cast<std::size_t>(index) >= batch.raw.size();
    };
    const auto evidenceOf = [&](std::size_t record) -> std::string {
        if (fromFile(record)) {
            // An imported file, stored before the import (daemon/import.h): named by every
            // revision read from it, and by the batch's event once.
            if (!fileEvidence.empty() && evidence.empty()) {
                evidence.push_back(fileEvidence);
            }
            return fileEvidence;
        }
        const auto index = static_cast<std::size_t>(batch.rawOf[record]);
        std::string& hash = rawHashes[index];
        if (hash.empty()) {
            const RawDocument& raw = batch.raw[index];
            hash = putEvidence(store, raw.bytes, raw.mediaType, now);
            evidence.push_back(hash);
        }
        return hash;
    };
    const std::string kNone;
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
        const Advisory& advisory = batch.records[i];
        // A record of an imported file (no raw document of its own) is read from the file's
        // evidence, known now: written with its revision instead of by a second statement.
        const std::string& known = fromFile(i) ? fileEvidence : kNone;
        // No savepoint per record: any exception rolls back the whole batch (tx).
        UpsertOutcome up = serialized.empty()
                               ? store.upsertRecord(channel, advisory, serializeRecord(advisory),
                                                    now, Store::Savepoint::Skip, known)
                               : store.upsertRecord(channel, advisory, serialized[i], now,
                                                    Store::Savepoint::Skip, known);
        ++stats.records;
        stats.newRecords += up.isNew ? 1 : 0;
        stats.changed += (!up.isNew && up.changed) ? 1 : 0;
        if (!up.isNew && !up.changed) {
            continue;
        }
        up.evidence = evidenceOf(i);
        if (!up.evidence.empty() && up.revisionId != 0 && up.evidence != known) {
            setRevisionEvidence(store, up.revisionId, up.evidence);
        }
        if (!up.isNew) {
            // Existing matches hear of a material change first; a match this revision creates
            // gets its "new" message below, not an update.
            classifyChange(store, routing, products, up, advisory, now, stats);
        }
        const std::vector<std::string> recordEvidence = up.evidence.empty()
                                                            ? std::vector<std::string>{}
                                                            : std::vector<std::string>{up.evidence};
        for (const std::int64_t cluster : up.clusters) {
            recordMatches(store, routing, matcher, products, cluster, advisory, now, stats,
                          recordEvidence);
        }
        // A JPCERT/CC alert is an exploitation signal for every vulnerability it covers.
        if (up.isNew && advisory.id.rfind("JPCERT-AT-", 0) == 0) {
            for (const std::int64_t cluster : up.clusters) {
                caseExploitationSignalCluster(store, routing, cluster,
                                              "JPCERT/CC alert " + advisory.id, now, stats,
                                              &products);
            }
        }
    }
    if (newState) {
        store.saveSourceState(channel, *newState);
    }
    if (stats.newRecords + stats.changed + stats.newMatches > 0 || !evidence.empty()) {
        AuditEvent event;
        event.kind = "ingest";
        event.at = now;
        event.text = channel + ": " + std::to_string(stats.records) + " records, " +
                     std::to_string(stats.newRecords) + " new, " + std::to_string(stats.changed) +
                     " changed (" + std::to_string(stats.material) + " material), " +
                     std::to_string(stats.newMatches) + " new matches";
        event.evidence = std::move(evidence); // the documents the new revisions were read from
        store.appendEvent(event);
    }
    tx.commit();
    return stats;
}

namespace {

/// The `delivery` audit event of a delivered message, naming the message as sent (kept as
/// evidence when the notifier handed it over).
void recordDelivery(Store& store, const OutMessage& message, const DeliveryResult& result,
                    const std::string& who, std::int64_t now) {
    AuditEvent event;
    event.kind = "delivery";
    event.at = now;
    event.text = "message " + std::to_string(message.id) + " delivered via " + who;
    event.subjects = {message.idempotencyKey};
    event.details = {{"notifier", message.notifier}, {"outbox", std::to_string(message.id)}};
    if (!result.sent.empty()) {
        event.evidence.push_back(putEvidence(store, result.sent,
                                             result.sentMediaType.empty()
                                                 ? std::string_view("application/octet-stream")
                                                 : std::string_view(result.sentMediaType),
                                             now));
    }
    store.appendEvent(event);
}

} // namespace

DeliveryStats deliverDue(Store& store, const std::map<std::string, Notifier*>& notifiers,
                         std::int64_t now, const std::function<bool()>& mayContinue,
                         std::map<std::int64_t, std::string>* unrecorded) {
    DeliveryStats stats;
    // What a receiver accepted earlier but the store could not record: record it first; while
    // the store is still locked, deliver nothing (the next round tries again).
    if (unrecorded != nullptr) {
        for (auto it = unrecorded->begin(); it != unrecorded->end();) {
            try {
                store.markDelivered(it->first, it->second, now);
                VW_LOG_INFO("notify", "recorded the delivery of message " << it->first);
                it = unrecorded->erase(it);
            } catch (const StoreError& e) {
                VW_LOG_WARNING("notify", "still cannot record the delivery of message "
                                             << it->first << ": " << e.what());
                return stats;
            }
        }
    }
    constexpr int kBatch = 100;
    const std::vector<OutMessage> due = store.dueMessages(now, kBatch);
    stats.more = due.size() == static_cast<std::size_t>(kBatch);
    for (const OutMessage& message : due) {
        if (mayContinue && !mayContinue()) {
            stats.more = false;
            break;
        }
        if (unrecorded != nullptr && unrecorded->count(message.id) != 0) {
            continue; // delivered already; recorded as soon as the store lets us
        }
        if (stats.misconfigured.count(message.notifier) != 0 ||
            stats.unreachable.count(message.notifier) != 0) {
            continue; // its settings or its receiver failed on an earlier message of this round
        }
        auto it = notifiers.find(message.notifier);
        if (it == notifiers.end() || it->second == nullptr) {
            ++stats.waiting;
            VW_LOG_WARNING("notify", "message "
                                         << message.id << " is for notifier '" << message.notifier
                                         << "', which is not configured; kept in the outbox");
            continue;
        }
        DeliveryResult result = it->second->deliver(message);
        const std::string who =
            message.notifier + (message.recipient.empty() ? "" : " → " + message.recipient);
        switch (result.kind) {
        case DeliveryResult::Kind::Delivered:
            ++stats.delivered;
            try {
                // The delivery, the message as sent (evidence) and its event: together or not.
                Store::Transaction tx(store);
                store.markDelivered(message.id, result.reply, now);
                recordDelivery(store, message, result, who, now);
                tx.commit();
            } catch (const StoreError& e) {
                // The receiver has it: it must not be sent again. Without `unrecorded` the
                // caller cannot remember that, so the error goes up as before.
                if (unrecorded == nullptr) {
                    throw;
                }
                (*unrecorded)[message.id] = result.reply;
                VW_LOG_WARNING("notify", "delivered message " << message.id << " via " << who
                                                              << " but cannot record it yet ("
                                                              << e.what()
                                                              << "); it will not be sent again");
                stats.more = false;
                return stats; // the store is locked: the rest waits for the next round
            }
            VW_LOG_INFO("notify", "delivered message " << message.id << " via " << who);
            break;
        case DeliveryResult::Kind::Retry: {
            if (result.configuration) {
                // The notifier's settings, not the message: postponed, no attempt counted.
                const int attempts = store.attempts(message.id) + 1;
                const auto delay = retryDelaySeconds(attempts, result.retryAfterSeconds,
                                                     static_cast<std::uint64_t>(message.id));
                store.markPostponed(message.id, result.reply, now + delay, now);
                // Its other due messages wait as long, so later batches do not log in again.
                store.postponeDue(message.notifier, "not attempted: " + result.reply, now + delay,
                                  now);
                stats.misconfigured[message.notifier] = result.reply;
                ++stats.retried;
                VW_LOG_ERROR("notify", "notifier " << message.notifier << " cannot send ("
                                                   << result.reply << "); its messages wait");
                break;
            }
            const int attempts = store.attempts(message.id) + 1;
            if (attempts >= kMaxDeliveryAttempts) {
                store.markDead(message.id, result.reply, now);
                ++stats.dead;
                VW_LOG_ERROR("notify", "giving up on message " << message.id << " via " << who
                                                               << " after " << attempts
                                                               << " attempts: " << result.reply);
                store.logEvent("dead-letter",
                               "message " + std::to_string(message.id) + " via " + who + " after " +
                                   std::to_string(attempts) + " attempts: " + result.reply,
                               now);
                stats.deadLetters.push_back({message.id, who, message.subject, result.reply});
                break;
            }
            const auto delay = retryDelaySeconds(attempts, result.retryAfterSeconds,
                                                 static_cast<std::uint64_t>(message.id));
            store.markRetry(message.id, result.reply, now + delay, now);
            ++stats.retried;
            VW_LOG_WARNING("notify", "message " << message.id << " via " << who
                                                << " not delivered (" << result.reply
                                                << "); retry in " << delay << " s");
            if (result.unreachable) {
                // The receiver, not the message: the notifier's other due messages wait as
                // long instead of each paying the timeout (and holding up other notifiers).
                stats.unreachable[message.notifier] = result.reply;
                const int waiting = store.postponeDue(
                    message.notifier, "not attempted: " + result.reply, now + delay, now);
                if (waiting > 0) {
                    VW_LOG_WARNING("notify", waiting << " other message(s) via notifier "
                                                     << message.notifier << " wait " << delay
                                                     << " s too");
                }
            }
            break;
        }
        case DeliveryResult::Kind::Cancelled:
            // Shutting down: not an attempt; the message stays due for the next start.
            VW_LOG_INFO("notify", "delivery of message " << message.id << " via " << who
                                                         << " stopped (shutting down)");
            stats.more = false;
            return stats;
        case DeliveryResult::Kind::Failed:
            store.markDead(message.id, result.reply, now);
            ++stats.dead;
            VW_LOG_ERROR("notify", "message " << message.id << " via " << who
                                              << " rejected permanently: " << result.reply);
            store.logEvent(
                "dead-letter",
                "message " + std::to_string(message.id) + " via " + who + ": " + result.reply, now);
            stats.deadLetters.push_back({message.id, who, message.subject, result.reply});
            break;
        }
    }
    return stats;
}

} // namespace vw
