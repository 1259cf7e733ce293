// The PostgreSQL schema of the store: one baseline DDL at the schema version of this build
// (docs/storage.md). SQLite stores reach the same version through store/migrations.cpp; a
// PostgreSQL store is created at it directly, and every later migration is written for both.
#pragma once

#include <string_view>

namespace vw {

/// The schema version postgresSchema() creates; equal to Store::latestSchemaVersion().
int postgresSchemaVersion();

/// The DDL, run once as it is (not through the SQL rewrite, in one transaction) in the store's
/// schema (the first of search_path): every table, index and trigger, and a table
/// `schema_version (version BIGINT PRIMARY KEY, applied_at)` with one row per version reached
/// (the store reads max(version); here postgresSchemaVersion()). The compatibility functions
/// the queries rely on (json_extract, json_each, scalar max/min, sum(boolean), instr,
/// vw_source_rank, …) are created or replaced in schema `public` by the same script, under an
/// advisory lock, so stores created at once in one database do not collide (docs/storage.md).
std::string_view postgresSchema();

/// The DDL that takes an existing PostgreSQL store from version `toVersion - 1` to `toVersion`
/// (run as it is, in the store's write transaction; it records the version itself); empty
/// when this build has none.
std::string_view postgresMigration(int toVersion);

} // namespace vw
