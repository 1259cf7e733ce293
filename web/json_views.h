// The JSON forms of the REST API (web/openapi.json describes each one): cases and their events,
// clusters and advisories, matches, deliveries, sources and the audit verification. Times are
// ISO 8601 in JST with seconds and offset ("2026-11-25T10:00:00+09:00"), null when unset.
#pragma once

#include "core/cases.h"
#include "core/json_writer.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/store.h"
#include "store/users.h"

#include <cstdint>
#include <string>

namespace vw::web {

/// A Unix time as ISO 8601 in JST; JSON null for 0.
void writeTime(JsonWriter& w, std::int64_t t);

/// The Case schema (the fields of `cases show --json`, with null for unset times).
void writeCase(JsonWriter& w, const Case& c, std::int64_t now);
void writeCaseEvent(JsonWriter& w, const CaseEventRow& e);
/// AdvisorySummary: {id, key, aliases, title, max_score, first_seen}.
void writeClusterSummary(JsonWriter& w, const ClusterSummary& c);
/// VulnerabilityDetail: a cluster with its records, advisories, mentions, revisions, matches
/// and cases.
void writeClusterDetail(JsonWriter& w, Store& store, std::int64_t clusterId);
/// AdvisoryDetail: an advisory with its records, the clusters it covers and mentions.
void writeAdvisoryDetail(JsonWriter& w, Store& store, std::int64_t advisoryId);
/// MatchItem: {id, cluster_key, state, created_at, match: the `match` contract line}.
void writeMatch(JsonWriter& w, const MatchRow& m, const std::string& clusterKey);
void writeDelivery(JsonWriter& w, const OutboxRow& r);
void writeVerification(JsonWriter& w, const AuditVerification& v);
void writeUser(JsonWriter& w, const User& u);

} // namespace vw::web
