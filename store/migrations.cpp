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

} // namespace

const std::vector<std::string_view>& schemaMigrations() {
    static const std::vector<std::string_view> migrations = {
        initialSchema,     revisionJsonOnce,        xxh3ContentHash,
        recordCpeNames,    advisoriesCoverClusters, productVersions,
        recordKeywordText, deliveryLease,           sourceAlerts,
        registryGeneration, outboxHtml};
    return migrations;
}

} // namespace vw
