// The SQLite store: one file, WAL, migrations; everything the pipeline keeps.
// Every method runs in the caller's transaction when one is open (see Store::Transaction),
// otherwise in its own implicit one. Times are Unix seconds passed in by the caller.
#pragma once

#include "core/advisory.h"
#include "core/match.h"
#include "core/message.h"
#include "core/product.h"
#include "store/audit.h"
#include "store/sqlite.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vw {

class ClusterLookahead;

/// What the store keeps per source between polls (DESIGN: source_state).
struct SourceStateRow {
    std::string etag;
    std::string lastModified;
    std::string cursor;
    std::int64_t lastSuccess = 0; // 0 = never
    std::int64_t lastAttempt = 0;
    int errorCount = 0; // consecutive failures
    std::string lastError;
    std::int64_t nextAttempt = 0; // 0 = as soon as due by interval
    /// When the source last brought a record it had never stored (0: never; the first good
    /// poll starts the count).
    std::int64_t lastNewItem = 0;
    /// The operational alert the admins were sent and not yet told is over: "" (none),
    /// "failing" or "silent"; since when.
    std::string alert;
    std::int64_t alertSince = 0;
};

/// The stable content hash of a record's JSON: XXH3-64 as 16 lower-case hex digits (before
/// schema version 3: FNV-1a; migration 3 recomputed the stored ones).
/// Detects changes only; not a security measure.
std::string contentHash(std::string_view json);

/// A record's JSON (toJson) and its contentHash, computed once. A bulk import computes them on
/// its parsing thread, so the thread that writes the database does only that.
struct SerializedRecord {
    std::string json;
    std::string hash;
    /// The (vendor, product) of each CPE the record names, each once, as encodeList(vendor,
    /// product, vendor, product, …); "" when it names none (the record_cpe row).
    std::string cpeNames;
};
SerializedRecord serializeRecord(const Advisory& advisory);

struct UpsertOutcome {
    std::int64_t recordId = 0;
    /// The record's own cluster (0 when it belongs to an advisory or only mentions ids).
    std::int64_t clusterId = 0;
    /// The advisory the record belongs to (0 when none).
    std::int64_t advisoryId = 0;
    /// The clusters the record is about, for matching: its own, or every cluster its advisory
    /// covers (empty for a record that only mentions ids). Filled when the record changed.
    std::vector<std::int64_t> clusters;
    bool isNew = false;          // first time this (channel, id) was seen
    bool changed = false;        // content differs from the stored revision (new revision written)
    std::int64_t revisionId = 0; // the revision written when changed
    std::string previousJson;    // the content it replaced (changed, not new)
    std::string contentHash;     // the record's content hash now
    /// The evidence blob (store/evidence.h) the new revision was read from: set by the
    /// pipeline when the source handed over its raw document; "" otherwise.
    std::string evidence;
};

/// A cluster's summary as it is read, without copies: the views point into the row being read
/// (Store::forEachCoveredCluster: valid during the call).
struct ClusterRef {
    std::int64_t clusterId = 0;
    std::string_view key;
    std::string_view primaryId;
    std::vector<std::string_view> ids; // every alias, sorted
    std::string_view title;
    double maxScore = 0.0;
    std::int64_t firstSeen = 0;
};

/// The order an advisory's covered clusters are listed in: by key (bytewise, as SQLite's BINARY
/// collation), then by id.
inline bool coveredClusterBefore(std::string_view keyA, std::int64_t idA, std::string_view keyB,
                                 std::int64_t idB) {
    const int byKey = keyA.compare(keyB);
    return byKey != 0 ? byKey < 0 : idA < idB;
}

struct ClusterSummary {
    std::int64_t clusterId = 0;
    std::string key;              // the stable id (the first alias, never changes)
    std::string primaryId;        // the preferred id (JVNDB- > JVN# > JVNVU# > CVE- > other)
    std::vector<std::string> ids; // every alias, sorted
    std::string title;
    double maxScore = 0.0;
    std::int64_t firstSeen = 0;
};

/// One channel's statement about a cluster: which source said it and when first.
struct ClusterRecord {
    std::string channel; // source name from config, or "import"
    std::string json;    // the record as toJson(Advisory)
    std::int64_t firstSeen = 0;
    std::int64_t lastSeen = 0;
};

/// One channel's current record as stored.
struct StoredRecord {
    std::int64_t recordId = 0;
    std::int64_t clusterId = 0;  // 0: none (see advisoryId)
    std::int64_t advisoryId = 0; // 0: none
    std::string json;            // toJson(Advisory)
};

/// One stored record with where it came from, for `advisories show`.
struct RecordRow {
    std::int64_t rowId = 0;
    std::string channel;  // configured source name, or "import"
    std::string recordId; // the record's own id (Message-ID for mail)
    std::string source;   // vuldef, jvn-rss, myjvn, jvn, myjvn-alert, mail
    std::string title;
    std::string json;
    std::int64_t firstSeen = 0;
    std::int64_t lastSeen = 0;
};

/// One revision of a record: its class ("new", "material", "cosmetic"; "" before schema 5)
/// and its changed fields as changesJson().
struct RevisionRow {
    std::int64_t rowId = 0;
    std::int64_t recordRowId = 0;
    std::string revisionClass;
    std::string changes;
    std::int64_t seenAt = 0;
};

/// Everything the store knows of one cluster (one vulnerability).
struct ClusterDetail {
    std::int64_t clusterId = 0;
    std::string primaryId; // as ClusterSummary::primaryId
    std::string key;
    std::int64_t firstSeen = 0;
    std::vector<std::string> aliases;    // sorted
    std::vector<RecordRow> records;      // its own records, oldest first
    std::vector<std::string> advisories; // idents of the advisories covering it, sorted
    std::vector<RecordRow> mentions;     // records that name one of its aliases without linking
    std::vector<RevisionRow> revisions;  // of its own records, oldest first
};

/// Everything the store knows of one advisory (a document that covers vulnerabilities).
struct AdvisoryDetail {
    std::int64_t advisoryId = 0;
    std::string ident;
    std::int64_t firstSeen = 0;
    std::vector<RecordRow> records;       // its own records, oldest first
    std::vector<ClusterSummary> clusters; // the clusters it covers, by key
    std::vector<RecordRow> mentions;      // records that name it without belonging to it
};

struct MatchRow {
    std::int64_t id = 0;
    std::int64_t clusterId = 0;
    Match match;
    std::string state; // "new" (later: acknowledged, not-affected, fixed)
    std::int64_t createdAt = 0;
};

/// One outbox message as `deliveries list` shows it.
struct OutboxRow {
    std::int64_t id = 0;
    std::string notifier;
    std::string recipient;
    std::string subject;
    std::string state; // pending, delivered, dead
    int attempts = 0;
    std::string lastReply;
    std::int64_t dueAt = 0;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
};

struct OutboxCounts {
    int pending = 0;
    int delivered = 0;
    int dead = 0;
};

/// One thing an owner reads in a digest (schema: digest_item), recorded when the match or
/// revision that caused it is stored.
struct DigestItemRow {
    std::int64_t id = 0;
    std::string owner;     // the address, lower case (config mailAddressOf)
    std::string notifier;  // the e-mail notifier that sends the digest
    std::string recipient; // the mailbox the digest goes to, as configured or registered
    std::string itemKey;   // unique per owner and notifier: the same news is recorded once
    std::string kind;      // new | update | withdrawn
    std::string clusterKey;
    std::string advisory; // the id shown
    std::string title;
    std::string url;
    double score = 0.0; // highest CVSS base score (0: none)
    std::string product;
    std::string version;
    std::string component;
    std::string method;
    std::string verdict;
    int confidence = 0;
    std::string reason;
    std::string changes; // changesJson() of an update or withdrawal, "" for new
    std::int64_t createdAt = 0;
    std::int64_t digestId = 0; // 0 until a digest covers it
};

/// One digest made (schema: digest).
struct DigestRow {
    std::int64_t id = 0;
    std::string owner;
    std::string notifier;
    std::int64_t periodEnd = 0; // the scheduled time it is for (send-now: when it was asked)
    std::int64_t createdAt = 0;
    int items = 0;             // 0: a heartbeat
    std::int64_t outboxId = 0; // its message
    std::string state;         // the message's outbox state ("" when there is none)
};

/// An owner with items no digest covers yet.
struct PendingDigest {
    std::string owner;
    std::string notifier;
    int items = 0;
    std::int64_t oldest = 0; // created_at of the oldest
};

/// One connection to the database. Not thread-safe: use a Store from one thread at a time
/// (open one Store per thread that needs the database; WAL lets them read concurrently).
class Store {
public:
    /// Opens (creating if needed) the file, enables WAL and foreign keys, applies migrations.
    /// `location` may instead be a PostgreSQL URL (postgresql://USER@HOST:PORT/DB, see
    /// isPostgresUrl): the schema is created there on first use (docs/storage.md); `password`
    /// (from [store] password_file) is then used to log in. Test-only: with the environment
    /// variable VULNWATCH_TEST_PG_URL set, a file path opens a PostgreSQL schema named after
    /// the path in that database instead (docs/testing.md). Throws StoreError with the path
    /// or URL (password hidden) on failure.
    static std::unique_ptr<Store> open(const std::string& location,
                                       const std::string& password = "");
    /// `location` names a PostgreSQL database (postgresql:// or postgres://) rather than a file.
    static bool isPostgresUrl(std::string_view location);
    static std::unique_ptr<Store> inMemory();

    int schemaVersion();
    /// The number of migrations this build knows.
    static int latestSchemaVersion();
    /// How many migrations open() applied to this database (0 when it was up to date).
    int migrationsApplied() const { return migrationsApplied_; }

    /// `PRAGMA quick_check` (`vulnwatch run` and `serve` at start, docs/reliability.md): the
    /// problems it reports, at most `maxProblems`; empty when every page is sound. Reads the
    /// whole file once (seconds for a store of 300k records). A page too broken for the check
    /// to go on is reported as one problem; other errors (a lock) throw StoreError.
    std::vector<std::string> quickCheck(int maxProblems = 10);

    /// BEGIN IMMEDIATE … COMMIT; rolled back when destroyed without commit(). Inside another
    /// transaction it is a savepoint: commit() releases it into the outer one, destruction
    /// without commit() rolls back to it (`vulnwatch import` groups small files this way).
    class Transaction {
    public:
        explicit Transaction(Store& store);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        void commit();

    private:
        Store& store_;
        bool nested_ = false; // inside another transaction: a savepoint, released by commit()
        bool done_ = false;
    };

    /// A read transaction (BEGIN … COMMIT) for a group of reads: one snapshot and one lock
    /// instead of one per statement. Inside the caller's transaction it does nothing.
    class ReadTransaction {
    public:
        explicit ReadTransaction(Store& store);
        ~ReadTransaction();
        ReadTransaction(const ReadTransaction&) = delete;
        ReadTransaction& operator=(const ReadTransaction&) = delete;

    private:
        Store& store_;
        bool own_;
    };

    // --- source state ---------------------------------------------------------------
    SourceStateRow sourceState(const std::string& source);
    void saveSourceState(const std::string& source, const SourceStateRow& state);

    // --- records, clusters, aliases -----------------------------------------------
    /// Stores one record from `channel`, correlates it into a cluster by its id and aliases
    /// (merging clusters that now share an alias), and writes a revision when it changed.
    ///
    /// The writes are atomic on their own (a SAVEPOINT inside the caller's transaction, which a
    /// failure rolls back to). A caller that rolls back its whole transaction on any exception
    /// anyway (ingestBatch) passes `Savepoint::Skip`: inside an open transaction no savepoint
    /// is taken, which saves copying every touched page into the statement journal (the
    /// largest single cost of a bulk import, measured in docs/performance.md).
    enum class Savepoint { Take, Skip };
    UpsertOutcome upsertRecord(const std::string& channel, const Advisory& advisory,
                               std::int64_t now, Savepoint savepoint = Savepoint::Take);
    /// As above with the record's JSON and hash already computed (serializeRecord(advisory)).
    /// `evidence` non-empty: the evidence blob (store/evidence.h) a new revision is read from,
    /// when known before (an imported file), written with the revision.
    UpsertOutcome upsertRecord(const std::string& channel, const Advisory& advisory,
                               const SerializedRecord& serialized, std::int64_t now,
                               Savepoint savepoint = Savepoint::Take,
                               const std::string& evidence = std::string());
    /// The cluster that has this alias (a vulnerability id: JVNDB-, CVE-), if any.
    std::optional<std::int64_t> clusterOf(const std::string& id);
    /// For a batch about to be stored in the open write transaction (ingestBatch): looks up at
    /// once, 64 ids a statement, which of the ids `records` link by (their aliases, the
    /// vulnerabilities an advisory names) are aliases and of which cluster, and which of the
    /// advisories they name exist, so upsertRecord finds them in memory instead of a statement
    /// or more a record (on PostgreSQL, a round trip each). The store's own alias and advisory
    /// writes keep the answers current until the scope ends.
    class IdLookahead {
    public:
        IdLookahead(Store& store, const std::vector<Advisory>& records);
        ~IdLookahead();
        IdLookahead(const IdLookahead&) = delete;
        IdLookahead& operator=(const IdLookahead&) = delete;

    private:
        Store& store_;
    };
    /// The stable key of a cluster ("" when there is no such cluster).
    std::string clusterKey(std::int64_t clusterId);
    /// The advisory with this ident (JVN#, JVNVU#, JPCERT-AT-, …), if any.
    std::optional<std::int64_t> advisoryOf(const std::string& ident);
    /// The clusters an advisory covers, ascending.
    std::vector<std::int64_t> coveredClusters(std::int64_t advisoryId);
    /// The idents of the advisories covering a cluster, sorted.
    std::vector<std::string> coveringAdvisories(std::int64_t clusterId);
    ClusterDetail clusterDetail(std::int64_t clusterId);
    /// The clusters with a record from this channel, or covered by an advisory that has one.
    std::vector<std::int64_t> clustersOfChannel(const std::string& channel);
    /// `withClusters` false: `clusters` stays empty (forEachCoveredCluster reads them).
    AdvisoryDetail advisoryDetail(std::int64_t advisoryId, bool withClusters = true);
    /// Each cluster advisory `advisoryId` covers, in no particular order, read without copies
    /// (an alert may cover 2,000): what advisoryDetail's `clusters` holds, sorted by key there.
    /// `fn` must not use the store (the statement reading the clusters is still open).
    void forEachCoveredCluster(std::int64_t advisoryId,
                               const std::function<void(const ClusterRef&)>& fn);
    /// Sets the class and changed fields (changesJson) of a revision.
    void classifyRevision(std::int64_t revisionId, const std::string& revisionClass,
                          const std::string& changes);
    ClusterSummary cluster(std::int64_t clusterId);
    std::vector<ClusterRecord> clusterRecords(std::int64_t clusterId);
    /// The records whose current content names a CPE with one of these (vendor, product)
    /// pairs (as parseCpe() reads them: lower case, unescaped), by row id, ascending. The
    /// candidates for a re-match: only they can match a registry with those CPEs. A product in
    /// `anyVendorProducts` (registered with a `*`, `-` or `misc` vendor) matches whatever the
    /// record's vendor.
    std::vector<std::int64_t>
    recordsNamingCpes(const std::vector<std::pair<std::string, std::string>>& vendorProducts,
                      const std::vector<std::string>& anyVendorProducts = {});
    /// The records naming no CPE whose text (title, summary, affected products, as
    /// keywordText() folds it; the record_text index) may hold one of these keyword search forms
    /// (KeywordIndex::searchForm), by row id, ascending: the candidates for a keyword re-match,
    /// a superset of the records the keywords find.
    std::vector<std::int64_t> recordsWithText(const std::vector<std::string>& searchForms);
    /// One stored record by row id.
    std::optional<StoredRecord> record(std::int64_t recordId);
    /// The stored records of these row ids (those that exist), in the order of `recordIds`:
    /// 64 a statement.
    std::vector<StoredRecord> records(const std::vector<std::int64_t>& recordIds);
    /// The clusters of these ids (those that exist), 64 a statement, in no particular order.
    std::vector<ClusterSummary> clusters(const std::vector<std::int64_t>& clusterIds);
    /// Calls `fn(cluster, matchKey(product, version, component))` for each match of these
    /// clusters, 64 clusters a statement (store/lookahead.h).
    void forEachMatchKey(const std::vector<std::int64_t>& clusterIds,
                         const std::function<void(std::int64_t, std::string)>& fn);
    /// The ClusterLookahead installed on this store while a transaction is open, else nullptr.
    ClusterLookahead* clusterLookahead() {
        return clusterAhead_ != nullptr && db_.inTransaction() ? clusterAhead_ : nullptr;
    }
    /// Clusters first seen at or after `since` (0: all), newest first.
    std::vector<ClusterSummary> listClusters(std::int64_t since);
    /// As listClusters, one at a time (memory stays flat however many there are), all read in
    /// one read transaction (a consistent view). `fn` must not write to the store.
    void forEachCluster(std::int64_t since, const std::function<void(const ClusterSummary&)>& fn);

    // --- products -------------------------------------------------------------------
    /// Adds the product or updates it: its owners, keywords, CPEs and mission are replaced; each
    /// version listed is added or replaced (components and own owners) and un-removed; versions not
    /// listed are kept as they are. A removed product is un-removed.
    void putProduct(const RegisteredProduct& product, std::int64_t now);
    /// As putProduct for a product given as one version (the old single-version form).
    void putProduct(const Product& product, std::int64_t now);
    /// Replaces the components of one version of a product, adding the version (and the
    /// product, with no owners) when missing. Returns the components it had before: those of the
    /// same version, or when the version is new those of the product's newest other version
    /// (what an SBOM import reports its changes against); `previousVersion` is set to the version
    /// they came from, or nullopt when there was none.
    std::vector<Component> replaceComponents(const std::string& product, const std::string& version,
                                             const std::vector<Component>& components,
                                             std::int64_t now,
                                             std::optional<std::string>* previousVersion = nullptr);
    /// Marks the product (and so all its versions) removed; false when no such product is
    /// registered or it was removed already. Matches made for it stay.
    bool removeProduct(const std::string& name, std::int64_t now);
    /// Marks one version removed; false when there is no such version or it was removed.
    bool removeProductVersion(const std::string& name, const std::string& version,
                              std::int64_t now);
    /// The registry: products and their versions in registry order, removed ones only when
    /// `includeRemoved`.
    std::vector<RegisteredProduct> registry(bool includeRemoved = false);
    /// What matching sees: activeVersions(registry()).
    std::vector<Product> products();
    /// A number that changes with every change of the registry (any process): a matcher built
    /// at one generation is current while the generation is the same.
    std::int64_t registryGeneration();

    // --- matches ----------------------------------------------------------------------
    /// Records a match of a cluster; returns true when it is new (first time this
    /// cluster × product × component matched).
    bool insertMatch(std::int64_t clusterId, const Match& match, std::int64_t now);
    /// insertMatch giving the new row's id (0: the match existed).
    std::int64_t insertMatchRow(std::int64_t clusterId, const Match& match, std::int64_t now);
    /// What saveMatch() did.
    struct MatchSaved {
        bool inserted = false;       // a new cluster × product version × component
        bool changed = false;        // an existing match got a new verdict or confidence
        std::string previousVerdict; // when changed
        std::int64_t id = 0;
    };
    /// Records a match, or re-evaluates the existing one of this cluster × product version ×
    /// component: a decided verdict ("affected", "not-affected") replaces any other and is
    /// never replaced by "needs-review" (a record without version ranges, such as an RSS item,
    /// does not undo what the VULDEF detail decided); the row keeps its id, state and creation
    /// time and gets the new method, confidence, reason and record id.
    MatchSaved saveMatch(std::int64_t clusterId, const Match& match, std::int64_t now);
    std::vector<MatchRow> matches(const std::string& productFilter = "");
    /// At most `limit` of the matches() (of `productFilter`, "" = all) whose id is above
    /// `afterId`, by id: one page of the list without reading the rest.
    std::vector<MatchRow> matchesAfter(const std::string& productFilter, std::int64_t afterId,
                                       int limit);
    /// The matches of one cluster, by id.
    std::vector<MatchRow> matchesOfCluster(std::int64_t clusterId);

    // --- the delivery lease -----------------------------------------------------------------
    struct DeliveryLease {
        std::string holder;
        std::int64_t expiresAt = 0;
    };
    /// Takes or renews the delivery lease for `holder` until `now + ttl`: true when `holder`
    /// has it now (it was free, expired, already `holder`'s, or `force` is set because the
    /// caller knows the holder is gone). One process delivers the outbox at a time.
    bool takeDeliveryLease(const std::string& holder, std::int64_t now, std::int64_t ttl,
                           bool force = false);
    /// Gives the lease up when `holder` has it.
    void releaseDeliveryLease(const std::string& holder);
    /// The lease as it is, expired or not; nullopt when no one ever took it.
    std::optional<DeliveryLease> deliveryLease();

    // --- outbox and deliveries ----------------------------------------------------------
    /// Queues a message due at `dueAt`; a message whose idempotency key is already queued
    /// is ignored (returns 0), else returns the new id.
    std::int64_t enqueue(const OutMessage& message, std::int64_t dueAt);
    /// As above, stamping the row as created at `now` (the two-argument form uses the
    /// system clock for that audit field only).
    std::int64_t enqueue(const OutMessage& message, std::int64_t dueAt, std::int64_t now);
    /// Pending messages due at `now`, oldest first.
    std::vector<OutMessage> dueMessages(std::int64_t now, int limit = 100);
    void markDelivered(std::int64_t id, const std::string& reply, std::int64_t now);
    /// Records a failed attempt and the time of the next one.
    void markRetry(std::int64_t id, const std::string& reply, std::int64_t nextDue,
                   std::int64_t now);
    /// Records a failed attempt that is not the message's fault (the notifier's settings are
    /// wrong): due again at `nextDue`, its attempts unchanged.
    void markPostponed(std::int64_t id, const std::string& reply, std::int64_t nextDue,
                       std::int64_t now);
    /// Gives up (dead letter) after a permanent failure.
    void markDead(std::int64_t id, const std::string& reply, std::int64_t now);
    /// Moves every pending message of `notifier` due by `now` to `nextDue`, with `reply` as its
    /// last reply, without counting an attempt or writing a delivery row (they were not tried:
    /// the receiver did not answer another message). Returns how many moved.
    int postponeDue(const std::string& notifier, const std::string& reply, std::int64_t nextDue,
                    std::int64_t now);
    /// Makes every pending message of `notifier` due at `now` (its settings were fixed: what
    /// waited for them goes out at once). Attempts stay as they are. Returns how many.
    int makeDueNow(const std::string& notifier, std::int64_t now);
    int attempts(std::int64_t id);
    OutboxCounts outboxCounts();
    /// Outbox messages, newest first, optionally of one state ("" for all), at most `limit`.
    std::vector<OutboxRow> outboxRows(const std::string& state, int limit);
    /// Puts a dead (or delivered) message back in the queue, due at `now`, with its attempts
    /// reset; the ledger keeps the earlier attempts. False when there is no such message or it
    /// is pending already.
    bool requeue(std::int64_t id, std::int64_t now);

    // --- digests (issue 11) -----------------------------------------------------------------
    /// Records an item for an owner's next digest; false (nothing written) when this owner and
    /// notifier have an item with the same key already.
    bool addDigestItem(const DigestItemRow& item);
    /// The owners (and notifiers) with items no digest covers yet, by owner.
    std::vector<PendingDigest> pendingDigests();
    /// The items of one owner and notifier that no digest covers yet, oldest first.
    std::vector<DigestItemRow> pendingDigestItems(const std::string& owner,
                                                  const std::string& notifier);
    /// The items a digest covered, oldest first.
    std::vector<DigestItemRow> digestItems(std::int64_t digestId);
    /// The period end of the owner's latest digest; 0 when none was made.
    std::int64_t lastDigestEnd(const std::string& owner, const std::string& notifier);
    /// Since when the store knows this owner (for heartbeats): recorded as `now` the first
    /// time it is asked.
    std::int64_t digestOwnerSince(const std::string& owner, const std::string& notifier,
                                  std::int64_t now);
    /// Records a digest for (owner, notifier, periodEnd), its outbox message and the items it
    /// covers (their digest_id is set; an item already covered is an error). Returns the
    /// digest's id, or 0 when a digest of that period exists already (nothing is written).
    /// Call it inside the transaction that enqueued the message.
    std::int64_t recordDigest(const std::string& owner, const std::string& notifier,
                              std::int64_t periodEnd, std::int64_t now, std::int64_t outboxId,
                              const std::vector<std::int64_t>& itemIds);
    /// The digests made, newest first, at most `limit`, with their message's state.
    std::vector<DigestRow> digests(int limit);

    // --- audit (store/audit.h, docs/audit.md) ---------------------------------------------
    /// Appends an event {kind, at = now, text} to the audit chain (appendEvent).
    void logEvent(const std::string& kind, const std::string& text, std::int64_t now);
    /// Appends one event to the hash chain of event_log and returns its sequence number: in the
    /// caller's transaction when one is open, else in its own (BEGIN IMMEDIATE). The head is
    /// read under the write lock, so concurrent writers never fork the chain. Throws
    /// std::invalid_argument for an event without a canonical form (canonicalAuditJson).
    std::int64_t appendEvent(const AuditEvent& event);
    /// The chain's last event (seq 0 and the genesis hash when there is none), for the journal
    /// and digests to keep a copy outside the database.
    AuditHead auditHead();

    Database& db() { return db_; }
    /// A prepared statement kept for the connection's life, for the store's other files
    /// (store/cases.cpp, …). `staticSql` must outlive the store (a string literal).
    Statement& cachedStatement(std::string_view staticSql) { return cached(staticSql); }

private:
    explicit Store(Database db);
    static std::unique_ptr<Store> openPostgres(const std::string& url, const std::string& password,
                                               const std::string& schema, bool temporary);
    void migratePostgres();
    /// A prepared statement for `sql` (a string literal), kept for the Store's lifetime.
    Statement& cached(std::string_view sql);
    /// One delivery attempt: runs `update` on the outbox row and appends to the ledger.
    void recordAttempt(std::int64_t id, const char* update, const std::string& reply,
                       std::int64_t now, bool ok, std::int64_t nextDue);
    void migrate();
    /// Writes a record's SerializedRecord::cpeNames into record_cpe (`replace`: the record had
    /// content before, whose row is replaced or deleted).
    void indexCpes(std::int64_t recordId, const std::string& cpeNames, bool replace);
    /// Keeps the record_text row of a record: its keywordText() when it names no CPE (keyword
    /// matching applies to those records only), none otherwise.
    void indexText(std::int64_t recordId, const Advisory& advisory, bool namesNoCpe, bool replace);
    /// Moves everything of cluster `from` into `into` and deletes `from`.
    void mergeCluster(std::int64_t from, std::int64_t into, std::int64_t now);
    /// The shown title and score of a cluster (cluster.title and max_score: the migration
    /// clusterShownTitleScore) after record `recordId` was stored in it with these values and
    /// lost neither: they become the record's when it has them and no other record of the
    /// cluster outranks it (channel rank `rank` = sourceRank(), then `lastSeen`, then row id).
    void offerShown(std::int64_t clusterId, std::int64_t recordId, int rank, std::int64_t lastSeen,
                    const std::string& title, double maxScore);
    /// The shown title and score of a cluster chosen again among all its records (after a
    /// merge, or when a record left the cluster or lost a value it may have supplied).
    void recomputeShown(std::int64_t clusterId);
    /// The cluster of every vulnerability id (created as needed, merged when they are in
    /// several); `preferredId` names the row id a new cluster should get when free (migration).
    std::int64_t joinCluster(const std::vector<std::string>& ids, std::int64_t now,
                             std::int64_t preferredId = 0);
    /// The record a cluster is created for: its title and score are the new row's.
    struct FirstRecord {
        std::string_view title;
        double maxScore = 0.0;
    };
    /// As above with `clusters` = clustersOf(ids), already looked up; a cluster created here
    /// gets the shown values of `first` when given.
    std::int64_t joinCluster(const std::vector<std::string>& ids,
                             const std::vector<std::int64_t>& clusters, std::int64_t now,
                             std::int64_t preferredId = 0, const FirstRecord* first = nullptr);
    /// The clusters of these ids, each once, ascending.
    std::vector<std::int64_t> clustersOf(const std::vector<std::string>& ids);
    /// The advisory with this ident, created when new.
    std::int64_t ensureAdvisory(const std::string& ident, std::int64_t now);
    void cover(std::int64_t advisoryId, std::int64_t clusterId, std::int64_t now);
    /// Replaces the mention rows of a record.
    void setMentions(std::int64_t recordRowId, const std::vector<std::string>& idents,
                     std::int64_t now);
    /// Migration 5: every cluster recomputed from the stored records under the rules of
    /// core/correlate (docs/correlation.md); matches and decisions re-pointed; splits logged.
    void recorrelate(std::int64_t now);
    std::vector<RecordRow> recordRows(std::string_view sql, std::int64_t key);
    /// The product_version row of (product, version), added or un-removed. `newProduct`: the
    /// product was just inserted in this transaction (it has no versions to look for).
    std::int64_t ensureProductVersion(std::int64_t productId, const std::string& version,
                                      std::int64_t now, bool newProduct = false);
    void writeComponents(std::int64_t versionId, const std::vector<Component>& components);
    std::vector<Component> readComponents(std::int64_t versionId);

    Database db_;
    int migrationsApplied_ = 0;
    /// False while migration 5 recomputes the clusters (recorrelate): the cluster's aliases,
    /// title and max_score columns come with a later migration, which fills them all.
    bool keepShown_ = true;
    /// True once event_log is the hash chain (store/audit.cpp; false only while migrate() runs
    /// the migrations before the one that chains it).
    bool auditChained_ = false;
    /// record_text rows written inside an outermost Store::Transaction wait in a temporary
    /// table until its commit (flushText): FTS5 writes its pending rows out as a new segment at
    /// every savepoint and statement journal, i.e. once per mail of a grouped import (22% of
    /// its instructions). `deferText_`: such a transaction is open; `textPending_`: rows wait.
    bool deferText_ = false;
    bool textPending_ = false;
    bool textTableMade_ = false; // the temporary table exists on this connection
    void flushText();
    /// IdLookahead's answers, while `lookingAhead_` is set (and a transaction is open): alias →
    /// cluster, advisory ident → advisory row (0: none yet).
    std::unordered_map<std::string, std::int64_t> aliasesAhead_;
    std::unordered_map<std::string, std::int64_t> advisoriesAhead_;
    bool lookingAhead_ = false;
    /// The audit chain's head as appendEvent last read or wrote it, good while the transaction
    /// it was seen in goes on (Database::transactionMarks() unchanged and a transaction open;
    /// the write lock keeps other writers out): one read of the head per transaction instead of
    /// one per event (on PostgreSQL a round trip each).
    AuditHead headSeen_;
    std::uint64_t headMarks_ = 0;
    bool headKnown_ = false;
    /// The ClusterLookahead installed on this store (store/lookahead.h), if any.
    ClusterLookahead* clusterAhead_ = nullptr;
    friend class ClusterLookahead;
    /// The store wrote these aliases of `cluster` (those IdLookahead saw absent are now
    /// its), or moved every alias of cluster `from` to `into` (from != 0).
    void noteAliases(const std::vector<std::string>& ids, std::int64_t cluster,
                     std::int64_t from = 0);
    // Destroyed before db_ (declared after it).
    std::unordered_map<std::string_view, std::unique_ptr<Statement>> statements_;
};

} // namespace vw
