#include "daemon/pipeline.h"

#include "core/match.h"
#include "daemon/json_read.h"
#include "daemon/log.h"
#include "notifiers/render.h"
#include "notifiers/retry.h"

#include <algorithm>
#include <stdexcept>

namespace vw {
namespace {

bool meetsThresholds(const NotifierConfig& n, const Advisory& advisory, const Match& match) {
    return advisory.maxScore() >= n.minSeverity && match.confidence >= n.minConfidence;
}

const Product* findProduct(const std::vector<Product>& products, const std::string& name) {
    auto it = std::find_if(products.begin(), products.end(),
                           [&](const Product& p) { return p.name == name; });
    return it == products.end() ? nullptr : &*it;
}

/// How many new matches of one batch are logged one by one at info level.
constexpr int kMatchesLoggedEach = 20;

} // namespace

void recordMatches(Store& store, const std::vector<NotifierConfig>& notifiers,
                   const ProductMatcher& matcher, const std::vector<Product>& products,
                   std::int64_t clusterId, const Advisory& advisory, std::int64_t now,
                   IngestStats& stats) {
    for (const Match& m : matcher.match(advisory)) {
        if (!store.insertMatch(clusterId, m, now)) {
            continue; // this vulnerability already matched here (maybe via another channel)
        }
        ++stats.newMatches;
        // One line per match while they are few; bulk loads (backfill, re-match of a new
        // product) log them at debug level and the caller logs the total.
        VW_LOG(stats.newMatches <= kMatchesLoggedEach ? log::Level::Info : log::Level::Debug,
               "match",
               advisory.id << " matches " << m.product << " (" << m.method << ", confidence "
                           << m.confidence << ")");
        if (stats.newMatches == kMatchesLoggedEach + 1) {
            VW_LOG_INFO("match", "more new matches follow; each is logged at debug level");
        }
        const Product* product = findProduct(products, m.product);
        if (product == nullptr) {
            continue;
        }
        for (const auto& message : messagesFor(advisory, m, *product, notifiers)) {
            if (store.enqueue(message, now) != 0) {
                ++stats.enqueued;
            }
        }
    }
}

IngestStats rematchStored(Store& store, const std::vector<NotifierConfig>& notifiers,
                          const std::vector<Product>& products, std::int64_t now) {
    IngestStats stats;
    if (products.empty()) {
        return stats;
    }
    const ProductMatcher matcher(products);
    // Only the records that name one of the registry's CPEs (vendor and product) can match:
    // found through the record_cpe index, then read and matched one at a time, so neither time
    // nor memory grows with the records that cannot match.
    Store::Transaction tx(store);
    const std::vector<std::int64_t> candidates = store.recordsNamingCpes(matcher.vendorProducts());
    for (const std::int64_t recordId : candidates) {
        const std::optional<StoredRecord> stored = store.record(recordId);
        if (!stored) {
            continue;
        }
        const Advisory advisory = advisoryFromJson(stored->json);
        ++stats.records;
        recordMatches(store, notifiers, matcher, products, stored->clusterId, advisory, now, stats);
    }
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
                                    const Product& product,
                                    const std::vector<NotifierConfig>& notifiers) {
    std::vector<OutMessage> out;
    for (const auto& n : notifiers) {
        if (n.mode != "immediate" || !meetsThresholds(n, advisory, match)) {
            continue;
        }
        if (n.type == "email") {
            std::vector<std::string> recipients = product.owners;
            recipients.insert(recipients.end(), n.to.begin(), n.to.end());
            std::sort(recipients.begin(), recipients.end());
            recipients.erase(std::unique(recipients.begin(), recipients.end()), recipients.end());
            for (const auto& r : recipients) {
                out.push_back(renderEmail(advisory, match, n.name, r));
            }
        } else {
            out.push_back(renderWebhook(advisory, match, n.name));
        }
    }
    return out;
}

IngestStats ingestBatch(Store& store, const std::vector<NotifierConfig>& notifiers,
                        const std::string& channel, const ParseResult& batch, std::int64_t now,
                        const std::optional<SourceStateRow>& newState,
                        const std::vector<SerializedRecord>& serialized) {
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
    // Foreign keys are still enforced, but checked at COMMIT (a violation fails the commit and
    // the whole batch is rolled back): immediate checks made SQLite keep a statement journal
    // for every INSERT, about 10% of a bulk import's CPU time. Reset by SQLite at COMMIT.
    store.db().exec("PRAGMA defer_foreign_keys = ON");
    const std::vector<Product> products = store.products();
    const ProductMatcher matcher(products); // indexed once per batch, not per record
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
        const Advisory& advisory = batch.records[i];
        // No savepoint per record: any exception rolls back the whole batch (tx).
        const UpsertOutcome up =
            serialized.empty()
                ? store.upsertRecord(channel, advisory, now, Store::Savepoint::Skip)
                : store.upsertRecord(channel, advisory, serialized[i], now, Store::Savepoint::Skip);
        ++stats.records;
        stats.newRecords += up.isNew ? 1 : 0;
        stats.changed += (!up.isNew && up.changed) ? 1 : 0;
        if (!up.isNew && !up.changed) {
            continue;
        }
        recordMatches(store, notifiers, matcher, products, up.clusterId, advisory, now, stats);
    }
    if (newState) {
        store.saveSourceState(channel, *newState);
    }
    if (stats.newRecords + stats.changed + stats.newMatches > 0) {
        store.logEvent("ingest",
                       channel + ": " + std::to_string(stats.records) + " records, " +
                           std::to_string(stats.newRecords) + " new, " +
                           std::to_string(stats.changed) + " changed, " +
                           std::to_string(stats.newMatches) + " new matches",
                       now);
    }
    tx.commit();
    return stats;
}

DeliveryStats deliverDue(Store& store, const std::map<std::string, Notifier*>& notifiers,
                         std::int64_t now) {
    DeliveryStats stats;
    for (const OutMessage& message : store.dueMessages(now)) {
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
            store.markDelivered(message.id, result.reply, now);
            ++stats.delivered;
            VW_LOG_INFO("notify", "delivered message " << message.id << " via " << who);
            break;
        case DeliveryResult::Kind::Retry: {
            const int attempts = store.attempts(message.id) + 1;
            if (attempts >= kMaxDeliveryAttempts) {
                store.markDead(message.id, result.reply, now);
                ++stats.dead;
                VW_LOG_ERROR("notify", "giving up on message " << message.id << " via " << who
                                                               << " after " << attempts
                                                               << " attempts: " << result.reply);
                break;
            }
            const auto delay = retryDelaySeconds(attempts, result.retryAfterSeconds,
                                                 static_cast<std::uint64_t>(message.id));
            store.markRetry(message.id, result.reply, now + delay, now);
            ++stats.retried;
            VW_LOG_WARNING("notify", "message " << message.id << " via " << who
                                                << " not delivered (" << result.reply
                                                << "); retry in " << delay << " s");
            break;
        }
        case DeliveryResult::Kind::Failed:
            store.markDead(message.id, result.reply, now);
            ++stats.dead;
            VW_LOG_ERROR("notify", "message " << message.id << " via " << who
                                              << " rejected permanently: " << result.reply);
            store.logEvent(
                "dead-letter",
                "message " + std::to_string(message.id) + " via " + who + ": " + result.reply, now);
            break;
        }
    }
    return stats;
}

} // namespace vw
