#include "web/json_views.h"

#include "core/datetime.h"

#include <algorithm>
#include <map>

namespace vw::web {
namespace {

constexpr int kJst = 540;

void writeRecordRow(JsonWriter& w, const RecordRow& r, bool withRecord) {
    w.beginObject().key("channel").value(r.channel).key("source").value(r.source);
    w.key("id").value(r.recordId).key("title").value(r.title);
    w.key("first_seen");
    writeTime(w, r.firstSeen);
    w.key("last_seen");
    writeTime(w, r.lastSeen);
    if (withRecord) {
        w.key("record").raw(r.json);
    }
    w.endObject();
}

} // namespace

void writeTime(JsonWriter& w, std::int64_t t) {
    if (t == 0) {
        w.null();
    } else {
        w.value(formatIsoDateTime(DateTime{t, kJst}));
    }
}

void writeCase(JsonWriter& w, const Case& c, std::int64_t now) {
    w.beginObject();
    w.key("id").value(static_cast<long long>(c.id));
    w.key("state").value(caseStateName(c.state));
    w.key("state_ja").value(caseStateJapanese(c.state));
    w.key("product").value(c.product).key("version").value(c.version);
    w.key("title").value(c.title);
    w.key("cluster_key").value(c.clusterKey);
    w.key("origin").value(c.origin);
    w.key("inherited_from");
    if (c.inheritedFrom != 0) {
        w.value(static_cast<long long>(c.inheritedFrom));
    } else {
        w.null();
    }
    w.key("severity").value(c.severity);
    w.key("received_at");
    writeTime(w, c.receivedAt);
    w.key("due").beginObject();
    w.key("decide");
    writeTime(w, c.decideDue);
    w.key("inform");
    writeTime(w, c.informDue);
    w.key("fix");
    writeTime(w, c.fixDue);
    w.endObject();
    const auto [next, clock] = nextDue(c);
    w.key("next_due");
    writeTime(w, next);
    w.key("next_clock").value(clock);
    w.key("overdue").stringArray(overdueClocks(c, now));
    w.key("decided_at");
    writeTime(w, c.decidedAt);
    w.key("risk").value(c.risk);
    w.key("ssvc").value(c.ssvc);
    w.key("ssvc_points");
    if (c.ssvcPoints.empty()) {
        w.null();
    } else {
        w.raw(c.ssvcPoints);
    }
    w.key("fields").beginObject();
    for (const auto& [name, value] : c.fields) {
        w.key(name).value(value);
    }
    w.endObject();
    w.key("components").stringArray(caseComponents(c));
    w.key("reopen_reason").value(c.reopenReason);
    w.key("notified").stringArray(c.breached);
    w.key("opened_at");
    writeTime(w, c.openedAt);
    w.key("updated_at");
    writeTime(w, c.updatedAt);
    w.key("last_event").value(static_cast<long long>(c.lastEvent));
    w.endObject();
}

void writeCaseEvent(JsonWriter& w, const CaseEventRow& e) {
    w.beginObject().key("seq").value(static_cast<long long>(e.seq));
    w.key("time");
    writeTime(w, e.at);
    w.key("kind").value(e.kind).key("actor").value(e.actor).key("text").value(e.text);
    w.key("evidence").stringArray(e.evidence);
    w.key("details").beginObject();
    for (const auto& [name, value] : e.details) {
        w.key(name).value(value);
    }
    w.endObject().endObject();
}

void writeClusterSummary(JsonWriter& w, const ClusterSummary& c) {
    w.beginObject().key("id").value(c.primaryId).key("key").value(c.key);
    w.key("aliases").stringArray(c.ids).key("title").value(c.title);
    w.key("max_score").value(c.maxScore).key("first_seen");
    writeTime(w, c.firstSeen);
    w.endObject();
}

void writeClusterDetail(JsonWriter& w, Store& store, std::int64_t clusterId) {
    Store::ReadTransaction read(store);
    const ClusterSummary summary = store.cluster(clusterId);
    const ClusterDetail d = store.clusterDetail(clusterId);
    std::map<std::int64_t, const RecordRow*> byRowId;
    for (const auto& r : d.records) {
        byRowId[r.rowId] = &r;
    }
    w.beginObject().key("type").value("vulnerability").key("id").value(d.primaryId);
    w.key("key").value(d.key).key("aliases").stringArray(d.aliases);
    w.key("title").value(summary.title).key("max_score").value(summary.maxScore);
    w.key("first_seen");
    writeTime(w, d.firstSeen);
    w.key("records").beginArray();
    for (const auto& r : d.records) {
        writeRecordRow(w, r, true);
    }
    w.endArray().key("advisories").stringArray(d.advisories);
    w.key("mentions").beginArray();
    for (const auto& r : d.mentions) {
        writeRecordRow(w, r, false);
    }
    w.endArray().key("revisions").beginArray();
    for (const auto& v : d.revisions) {
        const auto from = byRowId.find(v.recordRowId);
        w.beginObject();
        w.key("channel").value(from != byRowId.end() ? from->second->channel : std::string());
        w.key("record").value(from != byRowId.end() ? from->second->recordId : std::string());
        w.key("class").value(v.revisionClass).key("seen_at");
        writeTime(w, v.seenAt);
        w.key("changes").raw(v.changes.empty() ? "[]" : v.changes).endObject();
    }
    w.endArray().key("matches").beginArray();
    for (const auto& m : store.matchesOfCluster(clusterId)) {
        writeMatch(w, m, d.key);
    }
    w.endArray().key("cases").beginArray();
    for (const Case& c : casesOfCluster(store, clusterId)) {
        w.beginObject().key("id").value(static_cast<long long>(c.id));
        w.key("state").value(caseStateName(c.state));
        w.key("product").value(c.product).key("version").value(c.version).endObject();
    }
    w.endArray().endObject();
}

void writeAdvisoryDetail(JsonWriter& w, Store& store, std::int64_t advisoryId) {
    Store::ReadTransaction read(store);
    const AdvisoryDetail d = store.advisoryDetail(advisoryId);
    w.beginObject().key("type").value("advisory").key("id").value(d.ident);
    w.key("first_seen");
    writeTime(w, d.firstSeen);
    w.key("records").beginArray();
    for (const auto& r : d.records) {
        writeRecordRow(w, r, true);
    }
    w.endArray().key("clusters").beginArray();
    for (const auto& c : d.clusters) {
        writeClusterSummary(w, c);
    }
    w.endArray().key("mentions").beginArray();
    for (const auto& r : d.mentions) {
        writeRecordRow(w, r, false);
    }
    w.endArray().endObject();
}

void writeMatch(JsonWriter& w, const MatchRow& m, const std::string& clusterKey) {
    w.beginObject().key("id").value(static_cast<long long>(m.id));
    w.key("cluster_key").value(clusterKey).key("state").value(m.state);
    w.key("created_at");
    writeTime(w, m.createdAt);
    w.key("match").raw(toJson(m.match)).endObject();
}

void writeDelivery(JsonWriter& w, const OutboxRow& r) {
    w.beginObject().key("id").value(static_cast<long long>(r.id));
    w.key("notifier").value(r.notifier).key("recipient").value(r.recipient);
    w.key("subject").value(r.subject).key("state").value(r.state);
    w.key("attempts").value(r.attempts).key("last_reply").value(r.lastReply);
    w.key("due_at");
    writeTime(w, r.dueAt);
    w.key("created_at");
    writeTime(w, r.createdAt);
    w.key("updated_at");
    writeTime(w, r.updatedAt);
    w.endObject();
}

void writeVerification(JsonWriter& w, const AuditVerification& v) {
    w.beginObject().key("ok").value(v.ok());
    w.key("problem").value(auditProblemName(v.problem));
    w.key("events").value(static_cast<long long>(v.events));
    w.key("head").beginObject().key("seq").value(static_cast<long long>(v.head.seq));
    w.key("hash").value(v.head.hash).endObject();
    w.key("bad_event");
    if (v.ok()) {
        w.null();
    } else {
        w.value(static_cast<long long>(v.badEvent));
    }
    if (v.problem == AuditProblem::Deleted) {
        w.key("missing_last").value(static_cast<long long>(v.nextPresent - 1));
    }
    if (!v.stored.empty() || !v.expected.empty()) {
        w.key("stored").value(v.stored).key("expected").value(v.expected);
    }
    w.endObject();
}

void writeUser(JsonWriter& w, const User& u) {
    w.beginObject().key("name").value(u.name).key("role").value(userRoleName(u.role));
    w.key("products").stringArray(u.products).endObject();
}

} // namespace vw::web
