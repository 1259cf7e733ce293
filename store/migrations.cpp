#include "store/migrations.h"

namespace vw {

namespace {

// Version 1: the initial schema (DESIGN.md "Data model"). Times are Unix seconds; list-valued
// columns hold the encoding of encodeList() in store.cpp (one escaped item per line).
constexpr std::string_view initialSchema = R"sql(
CREATE TABLE source_state (
    source        TEXT PRIMARY KEY,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    cursor        TEXT NOT NULL DEFAULT '',
    last_success  INTEGER NOT NULL DEFAULT 0,
    last_attempt  INTEGER NOT NULL DEFAULT 0,
    error_count   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    next_attempt  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE cluster (
    id         INTEGER PRIMARY KEY,
    first_seen INTEGER NOT NULL
);
CREATE INDEX cluster_first_seen ON cluster(first_seen);

CREATE TABLE alias (
    id         TEXT PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES cluster(id)
);
CREATE INDEX alias_cluster ON alias(cluster_id);

CREATE TABLE record (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    json         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    max_score    REAL NOT NULL DEFAULT 0,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    cluster_id   INTEGER NOT NULL REFERENCES cluster(id),
    UNIQUE (channel, record_id)
);
CREATE INDEX record_cluster ON record(cluster_id);

CREATE TABLE revision (
    id           INTEGER PRIMARY KEY,
    record_id    INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,
    json         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    seen_at      INTEGER NOT NULL
);
CREATE INDEX revision_record ON revision(record_id);

CREATE TABLE product (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    version  TEXT NOT NULL DEFAULT '',
    owners   TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '',
    cpes     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE component (
    id         INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    vendor     TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    version    TEXT NOT NULL DEFAULT '',
    cpe        TEXT NOT NULL DEFAULT '',
    purl       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX component_product ON component(product_id);

CREATE TABLE match (
    id         INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES cluster(id),
    product    TEXT NOT NULL,
    component  TEXT NOT NULL,
    confidence INTEGER NOT NULL,
    method     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    advisory   TEXT NOT NULL,
    aliases    TEXT NOT NULL DEFAULT '',
    version    TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'new',
    created_at INTEGER NOT NULL,
    UNIQUE (cluster_id, product, component)
);
CREATE INDEX match_product ON match(product);

CREATE TABLE decision (
    id         INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES cluster(id),
    product    TEXT NOT NULL,
    state      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL,
    UNIQUE (cluster_id, product)
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    notifier        TEXT NOT NULL,
    recipient       TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    due_at          INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_reply      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, due_at);

CREATE TABLE delivery (
    id        INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    at        INTEGER NOT NULL,
    ok        INTEGER NOT NULL,
    reply     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_outbox ON delivery(outbox_id);

CREATE TABLE event_log (
    id   INTEGER PRIMARY KEY,
    at   INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
)sql";

// Version 2: a revision's JSON may be NULL, meaning "the record's current JSON". The current
// content is then stored once (in record) instead of twice; when the record changes, its
// previous JSON is copied into the revision that had NULL before the record is overwritten, so
// every revision's content stays recoverable.
constexpr std::string_view revisionJsonOnce = R"sql(
CREATE TABLE revision_v2 (
    id           INTEGER PRIMARY KEY,
    record_id    INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,
    json         TEXT,
    content_hash TEXT NOT NULL,
    seen_at      INTEGER NOT NULL
);
INSERT INTO revision_v2 (id, record_id, json, content_hash, seen_at)
    SELECT id, record_id, json, content_hash, seen_at FROM revision;
DROP TABLE revision;
ALTER TABLE revision_v2 RENAME TO revision;
CREATE INDEX revision_record ON revision(record_id);
)sql";

// Version 3: content hashes are XXH3-64 instead of FNV-1a (the byte-at-a-time hash was about
// 5% of a bulk import). Every stored hash is recomputed with the new function, so a record
// whose content did not change still compares equal on its next poll (no spurious revision).
// vw_content_hash() is registered by Store::open on every connection.
constexpr std::string_view xxh3ContentHash = R"sql(
UPDATE record SET content_hash = vw_content_hash(json);
UPDATE revision SET content_hash = vw_content_hash(json) WHERE json IS NOT NULL;
UPDATE revision SET content_hash =
    (SELECT record.content_hash FROM record WHERE record.id = revision.record_id)
    WHERE json IS NULL;
)sql";

// Version 4: the vendor and product of every CPE a record's current content names (its `cpes`
// and each affected item's `cpe`, as parseCpe() reads them), one narrow row per record, so
// re-matching a changed registry reads this small table and then only the records that can
// match, instead of parsing every stored JSON (300k records: 14 s before). `names` is an
// encodeList() of vendor, product, vendor, product, …; records naming no CPE have no row.
// Filled from the stored JSON here, kept by Store::upsertRecord afterwards. vw_cpe_key() is
// registered by Store::open: encodeList({vendor, product}), NULL when not a CPE.
constexpr std::string_view recordCpeNames = R"sql(
CREATE TABLE record_cpe (
    record_id INTEGER PRIMARY KEY REFERENCES record(id) ON DELETE CASCADE,
    names     TEXT NOT NULL
);
INSERT INTO record_cpe (record_id, names)
    SELECT id, group_concat(key, '') FROM (
        SELECT record.id AS id, vw_cpe_key(names.value) AS key
            FROM record, json_each(record.json, '$.cpes') AS names
        UNION ALL
        SELECT record.id, vw_cpe_key(json_extract(items.value, '$.cpe'))
            FROM record, json_each(record.json, '$.affected') AS items)
    WHERE key IS NOT NULL
    GROUP BY id;
)sql";

// Version 5: vulnerabilities and advisories are two kinds of object (docs/correlation.md).
// A cluster is one vulnerability; its aliases are vulnerability ids only (JVNDB-, CVE-), and
// `key` is its stable id (the first alias it was created with, by a fixed order), used for
// idempotency keys and threading. An advisory (JVN#, JVNVU#, JVNTA, JPCERT-AT-, …) covers
// clusters (advisory_cluster) and never merges them. A record joins a cluster, belongs to an
// advisory, or only mentions ids (mention). A record is one (channel, id, source): the VULDEF
// detail and the RSS item of one JVNDB entry imported from files are two records, not two
// versions of one. Revisions get their class and changed fields;
// outbox messages the thread they continue. The C++ side of this migration
// (Store::recorrelate) then recomputes every cluster from the stored records under these rules,
// splitting the clusters that advisory ids had merged; foreign keys are checked before commit.
// record_cpe is recomputed as migration 4 filled it: CPE names are now read by both NISTIR 7695
// bindings, so names with a `*`, `-` or empty vendor (never indexed before) and `%20` (now `_`)
// get their rows.
constexpr std::string_view advisoriesCoverClusters = R"sql(
CREATE TABLE advisory (
    id         INTEGER PRIMARY KEY,
    ident      TEXT NOT NULL UNIQUE,
    first_seen INTEGER NOT NULL
);

CREATE TABLE advisory_cluster (
    advisory_id INTEGER NOT NULL REFERENCES advisory(id),
    cluster_id  INTEGER NOT NULL REFERENCES cluster(id),
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (advisory_id, cluster_id)
) WITHOUT ROWID;
CREATE INDEX advisory_cluster_cluster ON advisory_cluster(cluster_id);

ALTER TABLE cluster ADD COLUMN key TEXT NOT NULL DEFAULT '';

CREATE TABLE record_v5 (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    source       TEXT NOT NULL DEFAULT '',
    json         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    max_score    REAL NOT NULL DEFAULT 0,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    cluster_id   INTEGER REFERENCES cluster(id),
    advisory_id  INTEGER REFERENCES advisory(id),
    UNIQUE (channel, record_id, source)
);
INSERT INTO record_v5 (id, channel, record_id, source, json, content_hash, title, max_score,
                       first_seen, last_seen, cluster_id)
    SELECT id, channel, record_id, coalesce(json_extract(json, '$.source'), ''), json,
           content_hash, title, max_score, first_seen, last_seen, cluster_id FROM record;
DROP TABLE record;
ALTER TABLE record_v5 RENAME TO record;
CREATE INDEX record_cluster ON record(cluster_id);
CREATE INDEX record_advisory ON record(advisory_id);

CREATE TABLE mention (
    record_id INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,
    ident     TEXT NOT NULL,
    PRIMARY KEY (record_id, ident)
) WITHOUT ROWID;
CREATE INDEX mention_ident ON mention(ident);

ALTER TABLE revision ADD COLUMN class TEXT NOT NULL DEFAULT '';
ALTER TABLE revision ADD COLUMN changes TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN thread TEXT NOT NULL DEFAULT '';
CREATE INDEX match_cluster ON match(cluster_id);

DELETE FROM record_cpe;
INSERT INTO record_cpe (record_id, names)
    SELECT id, group_concat(key, '') FROM (
        SELECT record.id AS id, vw_cpe_key(names.value) AS key
            FROM record, json_each(record.json, '$.cpes') AS names
        UNION ALL
        SELECT record.id, vw_cpe_key(json_extract(items.value, '$.cpe'))
            FROM record, json_each(record.json, '$.affected') AS items)
    WHERE key IS NOT NULL
    GROUP BY id;
)sql";

// Version 6: products have versions (issue 10). A product_version row holds one version of a
// product with its own components and, when set, its own owners (else the product's); removing a
// product or a version sets removed_at and keeps the rows, so the matches made for it stay
// readable. Components get every CPE they name (`cpes`, an encodeList()) and their supplier.
// A match is per product *version* (one advisory can affect 1.8 and not 1.9), and carries the
// verdict of the version comparison: 'affected', 'not-affected' (the manufacturer's evaluation
// record: stored, never notified) or 'needs-review' (no version to compare, or a range text
// that could not be read). Existing matches compared no version: they stay 'affected'.
constexpr std::string_view productVersions = R"sql(
CREATE TABLE product_version (
    id         INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    version    TEXT NOT NULL DEFAULT '',
    owners     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT 0,
    removed_at INTEGER,
    UNIQUE (product_id, version)
);
INSERT INTO product_version (product_id, version) SELECT id, version FROM product;
ALTER TABLE product DROP COLUMN version;
ALTER TABLE product ADD COLUMN removed_at INTEGER;

CREATE TABLE component_v6 (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES product_version(id) ON DELETE CASCADE,
    vendor     TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    version    TEXT NOT NULL DEFAULT '',
    cpes       TEXT NOT NULL DEFAULT '',
    purl       TEXT NOT NULL DEFAULT '',
    supplier   TEXT NOT NULL DEFAULT ''
);
INSERT INTO component_v6 (id, version_id, vendor, name, version, cpes, purl)
    SELECT c.id, v.id, c.vendor, c.name, c.version,
           CASE WHEN c.cpe = '' THEN ''
                ELSE replace(replace(c.cpe, '\', '\\'), char(10), '\n') || char(10) END,
           c.purl
        FROM component c JOIN product_version v ON v.product_id = c.product_id;
DROP TABLE component;
ALTER TABLE component_v6 RENAME TO component;
CREATE INDEX component_version ON component(version_id);

CREATE TABLE match_v6 (
    id         INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES cluster(id),
    product    TEXT NOT NULL,
    component  TEXT NOT NULL,
    confidence INTEGER NOT NULL,
    method     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    advisory   TEXT NOT NULL,
    aliases    TEXT NOT NULL DEFAULT '',
    version    TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'new',
    created_at INTEGER NOT NULL,
    verdict    TEXT NOT NULL DEFAULT 'affected',
    updated_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (cluster_id, product, version, component)
);
INSERT INTO match_v6 (id, cluster_id, product, component, confidence, method, reason, advisory,
                      aliases, version, state, created_at, updated_at)
    SELECT id, cluster_id, product, component, confidence, method, reason, advisory, aliases,
           version, state, created_at, created_at FROM match;
DROP TABLE match;
ALTER TABLE match_v6 RENAME TO match;
CREATE INDEX match_product ON match(product);
CREATE INDEX match_cluster ON match(cluster_id);
)sql";

// Version 7: the text of every record that names no CPE (mail, jvn.jp items), folded as keyword
// matching reads it (core/keywords keywordText(), registered as vw_keyword_text() by
// Store::open), in an FTS5 table with the trigram tokenizer, so a re-match finds the records a
// keyword may hit through the index instead of reading every record. Kept by
// Store::upsertRecord afterwards.
constexpr std::string_view recordKeywordText = R"sql(
CREATE VIRTUAL TABLE record_text USING fts5(text, tokenize = 'trigram');
INSERT INTO record_text (rowid, text)
    SELECT id, vw_keyword_text(coalesce(json_extract(json, '$.title'), '') || char(10) ||
                               coalesce(json_extract(json, '$.summary'), '') || char(10) ||
                               coalesce((SELECT group_concat(
                                             coalesce(json_extract(value, '$.vendor'), '') ||
                                             ' ' ||
                                             coalesce(json_extract(value, '$.product'), ''),
                                             ' / ')
                                         FROM json_each(record.json, '$.affected')), ''))
        FROM record WHERE id NOT IN (SELECT record_id FROM record_cpe);
)sql";

// Version 8: the delivery lease. Exactly one process delivers the outbox at a time (a running
// daemon, or a `poll --once` when no daemon runs): the holder renews the lease while it delivers
// and releases it when it stops; a lease that is not renewed expires (issue 11: a `poll --once`
// beside the daemon used to send the same messages twice).
constexpr std::string_view deliveryLease = R"sql(
CREATE TABLE delivery_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
)sql";

// Version 9: per source, when it last brought a new record and which operational alert the
// admins were sent about it (issue 11 part 6: a source failing N times in a row, or bringing
// nothing new for D days, alerts once, and once more when it is over).
constexpr std::string_view sourceAlerts = R"sql(
ALTER TABLE source_state ADD COLUMN last_new_item INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN alert TEXT NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN alert_since INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 10: a generation number of the product registry, raised by triggers on every change
// of product, product_version and component, so a daemon keeps its matcher between polls and
// rebuilds it only when the registry changed (issue 10: a poll of 100 advisories against 10k
// components spent 30 ms rebuilding it each time).
constexpr std::string_view registryGeneration = R"sql(
CREATE TABLE registry_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO registry_state (id, generation) VALUES (1, 0);
CREATE TRIGGER product_insert AFTER INSERT ON product
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER product_update AFTER UPDATE ON product
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER product_delete AFTER DELETE ON product
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER product_version_insert AFTER INSERT ON product_version
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER product_version_update AFTER UPDATE ON product_version
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER product_version_delete AFTER DELETE ON product_version
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER component_insert AFTER INSERT ON component
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER component_update AFTER UPDATE ON component
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
CREATE TRIGGER component_delete AFTER DELETE ON component
    BEGIN UPDATE registry_state SET generation = generation + 1; END;
)sql";

// Version 11: an e-mail can carry an HTML alternative beside its text (issue 11). The HTML is
// rendered when the message is enqueued, like the text, so retries resend the same bytes.
constexpr std::string_view outboxHtml = R"sql(
ALTER TABLE outbox ADD COLUMN html TEXT NOT NULL DEFAULT '';
)sql";

// The shown title, score and aliases (appended: its version is its place in the list): what
// `advisories list` and `advisories show` print for each cluster, kept in the cluster row, so
// listing an advisory that covers 2,000 clusters reads 2,000 rows instead of sorting each
// cluster's records twice and looking up its aliases (docs/performance.md, issue 9). `title`
// and `max_score` come from the first record of the cluster, by channel precedence
// (vw_source_rank(), core/correlate sourceRank), then the most recently seen, then the highest
// row id, that has one (a title that is not empty, a score above 0); '' and 0 when none has.
// `aliases` holds every alias of the cluster, each followed by a line break, in no particular
// order (the alias table stays what lookups use). Filled here for the clusters already stored
// (whatever earlier migrations did to them); Store::joinCluster, upsertRecord and mergeCluster
// keep them afterwards: a new cluster's row is written with its first record's values, and a
// record joining or changing in a cluster updates the row only when the values shown change
// (Store::offerShown, Store::recomputeShown). Triggers on record would keep them too, but any
// trigger on INSERT makes SQLite keep a statement journal of every 16 KiB page each record
// insert touches: +27% CPU for a bulk import (measured). Only a deleted record (nothing deletes
// records today) is left to a trigger.
constexpr std::string_view clusterShownTitleScore = R"sql(
ALTER TABLE cluster ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE cluster ADD COLUMN max_score REAL NOT NULL DEFAULT 0;
ALTER TABLE cluster ADD COLUMN aliases TEXT NOT NULL DEFAULT '';

UPDATE cluster SET
    title = coalesce((SELECT title FROM record WHERE cluster_id = cluster.id AND title != ''
                      ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1), ''),
    max_score = coalesce((SELECT max_score FROM record WHERE cluster_id = cluster.id
                          AND max_score > 0
                          ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1), 0),
    aliases = coalesce((SELECT group_concat(id || char(10), '') FROM alias
                        WHERE cluster_id = cluster.id), '');

CREATE TRIGGER record_shown_delete AFTER DELETE ON record WHEN OLD.cluster_id IS NOT NULL
BEGIN
    UPDATE cluster SET
        title = coalesce((SELECT title FROM record WHERE cluster_id = cluster.id
                          AND title != ''
                          ORDER BY vw_source_rank(source), last_seen DESC, id DESC LIMIT 1), ''),
        max_score = coalesce((SELECT max_score FROM record WHERE cluster_id = cluster.id
                              AND max_score > 0
                              ORDER BY vw_source_rank(source), last_seen DESC, id DESC
                              LIMIT 1), 0)
        WHERE id = OLD.cluster_id;
END;
)sql";

// Digests (issue 11; appended, its number is its place in the list): what each owner will read
// in a digest and the digests made. A digest_item is recorded in the transaction of the match
// or revision that caused it (owner = the address in lower case; item_key unique per owner and
// notifier, so nothing is recorded twice); a digest covers items by setting their digest_id in
// the one transaction that also queues its outbox message, and (owner, notifier, period_end)
// is unique, so a restart neither sends a period twice nor skips an item. digest_owner
// remembers since when an owner is known (the first heartbeat's period starts there).
constexpr std::string_view digests = R"sql(
CREATE TABLE digest (
    id         INTEGER PRIMARY KEY,
    owner      TEXT NOT NULL,
    notifier   TEXT NOT NULL,
    period_end INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    items      INTEGER NOT NULL,
    outbox_id  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner, notifier, period_end)
);
CREATE TABLE digest_item (
    id          INTEGER PRIMARY KEY,
    owner       TEXT NOT NULL,
    notifier    TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    cluster_key TEXT NOT NULL,
    advisory    TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    score       REAL NOT NULL DEFAULT 0,
    product     TEXT NOT NULL,
    version     TEXT NOT NULL DEFAULT '',
    component   TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    verdict     TEXT NOT NULL DEFAULT '',
    confidence  INTEGER NOT NULL DEFAULT 0,
    reason      TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    digest_id   INTEGER REFERENCES digest(id),
    UNIQUE (owner, notifier, item_key)
);
CREATE INDEX digest_item_pending ON digest_item(owner, notifier, id) WHERE digest_id IS NULL;
CREATE INDEX digest_item_digest ON digest_item(digest_id);
CREATE TABLE digest_owner (
    owner    TEXT NOT NULL,
    notifier TEXT NOT NULL,
    since    INTEGER NOT NULL,
    PRIMARY KEY (owner, notifier)
);
)sql";

// The audit trail (issue 12 part 3; appended, its number is its place in the list): event_log
// becomes an append-only hash chain (docs/audit.md). `id` is the event's sequence number (1, 2,
// 3, … without gaps); `json` its canonical JSON (store/audit.h canonicalAuditJson: kind, at,
// text, seq and the optional case, actor, subjects, evidence, details); `prev_hash` the hash of
// event id-1 (64 zeros for event 1); `hash` = SHA-256(prev_hash ‖ json), computed in C++
// (Store::appendEvent) in the transaction of the insert. `at`, `kind` and `text` are read from
// the JSON (virtual columns), so they cannot disagree with what the hash covers. The events
// already logged are chained here, in id order (vw_audit_json, vw_audit_hash: registered by
// Store::open): their chain proves nothing about what happened to them before this migration.
// Triggers refuse UPDATE and DELETE, and an INSERT that does not continue the chain at its head
// (so neither a bug nor a second writer can fork it); only SQL and built-in functions in them,
// so the sqlite3 shell enforces them too.
constexpr std::string_view auditChain = R"sql(
CREATE TABLE event_log_chain (
    id        INTEGER PRIMARY KEY,
    json      TEXT NOT NULL CHECK (json_valid(json)),
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT NOT NULL CHECK (length(hash) = 64),
    at        INTEGER GENERATED ALWAYS AS (json_extract(json, '$.at')) VIRTUAL,
    kind      TEXT GENERATED ALWAYS AS (json_extract(json, '$.kind')) VIRTUAL,
    text      TEXT GENERATED ALWAYS AS (json_extract(json, '$.text')) VIRTUAL
);
CREATE TEMP TABLE audit_chain_old (seq INTEGER PRIMARY KEY, json TEXT NOT NULL);
INSERT INTO audit_chain_old (seq, json)
    SELECT seq, vw_audit_json(seq, at, kind, text)
        FROM (SELECT row_number() OVER (ORDER BY id) AS seq, at, kind, text FROM event_log);
INSERT INTO event_log_chain (id, json, prev_hash, hash)
    WITH RECURSIVE chain (seq, json, prev_hash, hash) AS (
        SELECT 0, NULL, NULL,
               '0000000000000000000000000000000000000000000000000000000000000000'
        UNION ALL
        SELECT o.seq, o.json, chain.hash, vw_audit_hash(chain.hash, o.json)
            FROM chain JOIN audit_chain_old o ON o.seq = chain.seq + 1)
    SELECT seq, json, prev_hash, hash FROM chain WHERE seq > 0;
DROP TABLE temp.audit_chain_old;
DROP TABLE event_log;
ALTER TABLE event_log_chain RENAME TO event_log;
CREATE INDEX event_log_at ON event_log(at);

CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
BEGIN
    SELECT RAISE(ABORT, 'event_log is append-only: an audit event cannot be changed (docs/audit.md)');
END;
CREATE TRIGGER event_log_no_delete BEFORE DELETE ON event_log
BEGIN
    SELECT RAISE(ABORT, 'event_log is append-only: an audit event cannot be deleted (docs/audit.md)');
END;
CREATE TRIGGER event_log_append BEFORE INSERT ON event_log
    WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM event_log)
      OR NEW.prev_hash IS NOT coalesce(
             (SELECT hash FROM event_log ORDER BY id DESC LIMIT 1),
             '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
    SELECT RAISE(ABORT, 'event_log is a hash chain: a new event must be the next number after the head and name the head''s hash as prev_hash (docs/audit.md)');
END;
)sql";

// Cases, SSVC inputs and the KEV catalog (issue 12 parts 1, 5; appended, its number is its
// place in the list). `vcase` is the projection of the case events in event_log (store/cases.h:
// every column is set by an event's details, so the rows can be rebuilt from the chain and
// compared); a case is never deleted. One case per (cluster, product, version): cluster_key is
// the cluster's stable key, cluster_id follows merges (NULL for a case opened by hand before any
// advisory). `fields` holds the values the transitions were given (JSON object), `ssvc_points`
// the SSVC decision points with their reasons (JSON). product.mission is SSVC's Mission &
// Well-being of the product (low, medium, high; '' = not set). kev: the CVEs of CISA's Known
// Exploited Vulnerabilities catalog as the `kev` source last read it.
constexpr std::string_view casesAndKev = R"sql(
CREATE TABLE vcase (
    id             INTEGER PRIMARY KEY,
    cluster_id     INTEGER,
    cluster_key    TEXT NOT NULL DEFAULT '',
    product        TEXT NOT NULL,
    version        TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL DEFAULT '',
    origin         TEXT NOT NULL,
    state          TEXT NOT NULL,
    severity       TEXT NOT NULL DEFAULT '',
    received_at    INTEGER NOT NULL,
    decide_due     INTEGER NOT NULL DEFAULT 0,
    inform_due     INTEGER NOT NULL DEFAULT 0,
    fix_due        INTEGER NOT NULL DEFAULT 0,
    decided_at     INTEGER NOT NULL DEFAULT 0,
    risk           TEXT NOT NULL DEFAULT '',
    ssvc           TEXT NOT NULL DEFAULT '',
    ssvc_points    TEXT NOT NULL DEFAULT '',
    fields         TEXT NOT NULL DEFAULT '{}',
    components     TEXT NOT NULL DEFAULT '',
    inherited_from INTEGER NOT NULL DEFAULT 0,
    reopen_reason  TEXT NOT NULL DEFAULT '',
    breached       TEXT NOT NULL DEFAULT '',
    opened_at      INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_event     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX vcase_key ON vcase(cluster_key, product, version) WHERE cluster_key != '';
CREATE INDEX vcase_cluster ON vcase(cluster_id);
CREATE INDEX vcase_product ON vcase(product, version);
CREATE INDEX vcase_state ON vcase(state);
CREATE INDEX event_log_case ON event_log(json_extract(json, '$.case'))
    WHERE json_extract(json, '$.case') IS NOT NULL;
CREATE TRIGGER vcase_no_delete BEFORE DELETE ON vcase
BEGIN
    SELECT RAISE(ABORT, 'a case is never deleted: close it (docs/cases.md)');
END;
ALTER TABLE product ADD COLUMN mission TEXT NOT NULL DEFAULT '';
CREATE TABLE kev (
    cve        TEXT PRIMARY KEY,
    date_added TEXT NOT NULL DEFAULT '',
    vendor     TEXT NOT NULL DEFAULT '',
    product    TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    ransomware TEXT NOT NULL DEFAULT '',
    first_seen INTEGER NOT NULL
);
)sql";

// Evidence (issue 12 part 4; appended, its number is its place in the list): the raw bytes each
// source received, every SBOM imported and every message sent, content-addressed (SHA-256 of
// the raw bytes, 64 lower-case hex digits), compressed and deduplicated; `data` becomes NULL
// when retention prunes it (the hash and size stay, so the events that name it still say what
// was there). revision.evidence: the blob the revision was read from.
constexpr std::string_view evidenceBlobs = R"sql(
CREATE TABLE evidence (
    hash        TEXT PRIMARY KEY CHECK (length(hash) = 64),
    media_type  TEXT NOT NULL DEFAULT 'application/octet-stream',
    size        INTEGER NOT NULL,
    compression TEXT NOT NULL DEFAULT 'zlib',
    data        BLOB,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    pruned_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX evidence_last_seen ON evidence(last_seen) WHERE data IS NOT NULL;
ALTER TABLE revision ADD COLUMN evidence TEXT;
)sql";

// Users of the web page and the REST API (issue 13 part 3; appended, its number is its place in
// the list; store/users.h): local accounts with a role (viewer, triager, admin) and an Argon2id
// password hash (libsodium's crypto_pwhash_str form; '' once the user is removed), the products
// a triager owns, login sessions and API tokens (both stored as the SHA-256 of the secret, in
// hex, never the secret). `name` is the name as shown (NFKC); `name_key` its folded form
// (userNameKey: NFKC with case folding), which logins look up and which keeps "Tanaka" and
// "ｔａｎａｋａ" from being two users. Users are disabled, not deleted, so the audit events
// naming them stay meaningful.
constexpr std::string_view webUsers = R"sql(
CREATE TABLE app_user (
    name            TEXT PRIMARY KEY,
    name_key        TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'triager', 'admin')),
    password_hash   TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    password_set_at INTEGER NOT NULL DEFAULT 0,
    disabled_at     INTEGER
);
CREATE TABLE user_product (
    user    TEXT NOT NULL REFERENCES app_user(name),
    product TEXT NOT NULL,
    PRIMARY KEY (user, product)
) WITHOUT ROWID;
CREATE TABLE web_session (
    token_hash TEXT PRIMARY KEY,
    user       TEXT NOT NULL REFERENCES app_user(name),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_session_user ON web_session(user);
CREATE INDEX web_session_expires ON web_session(expires_at);
CREATE TABLE api_token (
    id         INTEGER PRIMARY KEY,
    user       TEXT NOT NULL REFERENCES app_user(name),
    label      TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used  INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER
);
CREATE INDEX api_token_user ON api_token(user);
)sql";

// What the web pages and the REST API list (issue 13 "Performance"; appended, its number is its
// place in the list; docs/performance.md "Web (issue 13)"): the cases by their earliest running
// due time (store/cases.cpp kNextDueSql, the very same expression: SQLite uses an expression
// index only for an identical one), so the first page of a case list reads a page of the index
// instead of every case, also of one product (6,634 cases of one product: 57 ms sorted, 1 ms
// from the index) or one state; the rowid at the end of each entry orders ties by id. The
// dashboard counts the open cases by severity and age from vcase_open_summary without reading
// the rows, and the new matches per week from match_created.
constexpr std::string_view webIndexes = R"sql(
CREATE INDEX vcase_next_due ON vcase(min(CASE WHEN state IN ('received', 'confirming', 'evaluating') AND decide_due > 0 THEN decide_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', 'not_affected', 'risk_accepted') AND inform_due > 0 THEN inform_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', 'not_affected', 'risk_accepted') AND fix_due > 0 THEN fix_due ELSE 9223372036854775807 END));
CREATE INDEX vcase_product_due ON vcase(product, min(CASE WHEN state IN ('received', 'confirming', 'evaluating') AND decide_due > 0 THEN decide_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', 'not_affected', 'risk_accepted') AND inform_due > 0 THEN inform_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', 'not_affected', 'risk_accepted') AND fix_due > 0 THEN fix_due ELSE 9223372036854775807 END));
CREATE INDEX vcase_state_due ON vcase(state, min(CASE WHEN state IN ('received', 'confirming', 'evaluating') AND decide_due > 0 THEN decide_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', 'not_affected', 'risk_accepted') AND inform_due > 0 THEN inform_due ELSE 9223372036854775807 END, CASE WHEN state NOT IN ('informing', 'closed', 'false_positive', 'not_affected', 'risk_accepted') AND fix_due > 0 THEN fix_due ELSE 9223372036854775807 END));
CREATE INDEX vcase_open_summary ON vcase(state, severity, received_at, product);
CREATE INDEX match_created ON match(created_at);
)sql";

// The install base (issue 14 part 1, store/installbase.h, docs/installbase.md): which site runs
// which product version and whom to tell (the hospital, a lessor, a distributor), one row per
// site id × product × version × role, replaced as a whole by `installbase import`. Product and
// version are the names as written, not references: an install base may name a version not
// registered (yet) when imported with --allow-unknown.
constexpr std::string_view installBase = R"sql(
CREATE TABLE install_base (
    site_id       TEXT NOT NULL,
    product       TEXT NOT NULL,
    version       TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('hospital', 'lessor', 'distributor')),
    site_name     TEXT NOT NULL,
    quantity      INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (site_id, product, version, role)
) WITHOUT ROWID;
CREATE INDEX install_base_product ON install_base(product, version);
)sql";

// Hospital notices (issue 14 part 2, store/notices.h, docs/notices.md): one `notice` per case
// group (the cases of one vulnerability cluster and product in `informing`; a case opened by
// hand without a cluster is a group of its own) and one `notice_recipient` row per address it
// goes to (each install-base contact of a site running an affected version, once per address).
// A notice is prepared (draft), approved by a second person (approved) and sent (sent: its
// letters queued in the outbox), or withdrawn before it is sent; a letter goes draft → queued →
// sent | bounced (a permanent SMTP 5xx) | failed (given up). `content_hash` is the SHA-256 of the
// archived letter (the evidence blob of the same hash); `outbox_id` its message once queued.
// `cases` lists the case ids of the group, one per line.
constexpr std::string_view hospitalNotices = R"sql(
CREATE TABLE notice (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL,
    cluster_id  INTEGER NOT NULL DEFAULT 0,
    product     TEXT NOT NULL,
    cases       TEXT NOT NULL,
    language    TEXT NOT NULL CHECK (language IN ('ja', 'en')),
    state       TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'sent', 'withdrawn')),
    prepared_by TEXT NOT NULL,
    prepared_at INTEGER NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at INTEGER NOT NULL DEFAULT 0,
    sent_by     TEXT NOT NULL DEFAULT '',
    sent_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notice_case ON notice(case_id);
CREATE INDEX notice_group ON notice(cluster_id, product);
CREATE TABLE notice_recipient (
    id           INTEGER PRIMARY KEY,
    notice_id    INTEGER NOT NULL REFERENCES notice(id),
    address      TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    roles        TEXT NOT NULL DEFAULT '',
    sites        TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL,
    text         TEXT NOT NULL,
    html         TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'draft'
                 CHECK (state IN ('draft', 'queued', 'sent', 'bounced', 'failed')),
    outbox_id    INTEGER NOT NULL DEFAULT 0,
    reply        TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL,
    UNIQUE (notice_id, address)
);
CREATE INDEX notice_recipient_state ON notice_recipient(state) WHERE state = 'queued';
)sql";

// Schema 21: on PostgreSQL, json_extract() becomes a PL/pgSQL function (four times faster in
// event_log's generated columns; store/postgres_schema.cpp). Nothing changes on SQLite, whose
// json_extract is its own: the version is raised on both, which stay in step (docs/storage.md
// "Migrations after version 20").
constexpr std::string_view postgresJsonExtract = R"sql(
SELECT 1;
)sql";

// Schema 22: `alias` WITHOUT ROWID. Its key is the id text: as a rowid table each alias was two
// B-tree entries (the row and the primary key's index) besides alias_cluster; now one. An
// import writes about two aliases a record: measured 5% off the whole import of the quick
// overlapping set (docs/performance.md, issue 9), and a look-up by id reads one B-tree
// instead of two. Nothing reads alias.rowid. PostgreSQL only raises its version.
constexpr std::string_view aliasWithoutRowid = R"sql(
CREATE TABLE alias_v22 (
    id         TEXT PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES cluster(id)
) WITHOUT ROWID;
INSERT INTO alias_v22 (id, cluster_id) SELECT id, cluster_id FROM alias;
DROP TABLE alias;
ALTER TABLE alias_v22 RENAME TO alias;
CREATE INDEX alias_cluster ON alias(cluster_id);
)sql";

// Schema 23: on PostgreSQL, record.json and revision.json compressed with lz4 (a record insert
// cost the server 52 µs, 22 of them in pglz; store/postgres_schema.cpp). SQLite compresses
// nothing: only the version is raised, to stay in step.
constexpr std::string_view postgresLz4Json = R"sql(
SELECT 1;
)sql";

} // namespace

const std::vector<std::string_view>& schemaMigrations() {
    static const std::vector<std::string_view> migrations = {initialSchema,
                                                             revisionJsonOnce,
                                                             xxh3ContentHash,
                                                             recordCpeNames,
                                                             advisoriesCoverClusters,
                                                             productVersions,
                                                             recordKeywordText,
                                                             deliveryLease,
                                                             sourceAlerts,
                                                             registryGeneration,
                                                             outboxHtml,
                                                             clusterShownTitleScore,
                                                             digests,
                                                             auditChain,
                                                             casesAndKev,
                                                             evidenceBlobs,
                                                             webUsers,
                                                             webIndexes,
                                                             installBase,
                                                             hospitalNotices,
                                                             postgresJsonExtract,
                                                             aliasWithoutRowid,
                                                             postgresLz4Json};
    return migrations;
}

} // namespace vw
