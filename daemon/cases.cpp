#include "daemon/cases.h"

#include "core/calendar.h"
#include "core/ssvc.h"
#include "daemon/digest.h"
#include "daemon/json_read.h"
#include "daemon/log.h"
#include "daemon/pipeline.h"
#include "notifiers/case_notice.h"
#include "store/kev.h"

#include <algorithm>
#include <set>
#include <unistd.h>
#include <unordered_map>

namespace vw {

namespace {

using Details = std::vector<std::pair<std::string, std::string>>;

std::string str(std::int64_t n) {
    return std::to_string(n);
}

/// The deadlines of a case (core/calendar.h deadlinesFor). A time the calendar cannot compute
/// (before 1980 or after 2099 without a holidays file) gives no deadlines rather than losing the
/// case: the case is opened with its clocks at 0 (none) and a warning says why.
Deadlines clocksFor(const Routing& routing, Severity severity, bool controlled,
                    std::int64_t receivedAt) {
    try {
        return deadlinesFor(severity, controlled, receivedAt, *routing.calendar, routing.deadlines);
    } catch (const CalendarRangeError& e) {
        VW_LOG_WARNING("case",
                       "no deadlines for a case received at " << receivedAt << ": " << e.what());
        Deadlines none;
        none.receivedAt = receivedAt;
        return none;
    }
}

/// The case's display name in events and logs: "case 12 (Viewer 3.2)".
std::string caseLabel(const Case& c) {
    return "case " + str(c.id) + " (" + c.product + (c.version.empty() ? "" : " " + c.version) +
           ")";
}

/// The facts of a cluster the SSVC points are derived from.
struct ClusterFacts {
    std::string kevCve;
    std::string kevDate;
    std::string jpcertAlert;
    std::string cvssVector;
    double score = 0.0;
    bool hasScore = false;
    std::string primaryId;
    std::string title;
    std::string url;
};

ClusterFacts clusterFacts(Store& store, std::int64_t clusterId, const Advisory* advisory) {
    ClusterFacts f;
    if (clusterId == 0) {
        return f;
    }
    if (const auto kev = kevForCluster(store, clusterId)) {
        f.kevCve = kev->entry.cve;
        f.kevDate = kev->entry.dateAdded;
    }
    f.jpcertAlert = jpcertAlertFor(store, clusterId).value_or("");
    const ClusterSummary summary = store.cluster(clusterId);
    f.primaryId = summary.primaryId;
    f.title = summary.title;
    f.score = summary.maxScore;
    f.hasScore = summary.maxScore > 0;
    // The vector of the highest score the cluster's records state.
    const auto offer = [&](const Advisory& a) {
        double best = -1;
        for (const Cvss& c : a.cvss) {
            if (c.score > best && !c.vector.empty()) {
                best = c.score;
                if (best >= f.score || f.cvssVector.empty()) {
                    f.cvssVector = c.vector;
                }
            }
        }
        if (f.url.empty() && !a.url.empty()) {
            f.url = a.url;
        }
    };
    if (advisory != nullptr) {
        offer(*advisory);
        if (advisory->maxScore() > f.score) {
            f.score = advisory->maxScore();
            f.hasScore = true;
        }
    }
    if (f.cvssVector.empty() || advisory == nullptr || advisory->maxScore() < f.score) {
        Statement& q = store.cachedStatement(
            "SELECT json FROM record WHERE cluster_id = ?1 ORDER BY max_score DESC, id LIMIT 3");
        q.bind(1, clusterId);
        std::vector<std::string> jsons;
        while (q.step()) {
            jsons.push_back(q.text(0));
        }
        q.reset();
        q.clearBindings();
        for (const auto& json : jsons) {
            try {
                offer(advisoryFromJson(json));
            } catch (const std::exception&) {
                // An unreadable stored record gives no vector; the others may.
            }
            if (!f.cvssVector.empty()) {
                break;
            }
        }
    }
    return f;
}

SsvcResult evaluateSsvc(Store& store, const Case& c, const ClusterFacts& f) {
    SsvcInputs in;
    in.inKev = !f.kevCve.empty();
    in.kevCve = f.kevCve;
    in.jpcertAlert = !f.jpcertAlert.empty();
    in.jpcertAlertId = f.jpcertAlert;
    in.cvssVector = f.cvssVector;
    const auto field = [&](const char* name) -> std::string {
        const auto it = c.fields.find(name);
        return it == c.fields.end() ? std::string() : it->second;
    };
    in.exploitationSet = parseSsvcExploitation(field("ssvc_exploitation"));
    in.automatableSet = parseSsvcAutomatable(field("ssvc_automatable"));
    in.impactSet = parseSsvcTechnicalImpact(field("ssvc_technical_impact"));
    in.mission = parseSsvcMission(productMission(store, c.product));
    return ssvcEvaluate(in);
}

/// One line naming the points: "Act (exploitation active: …; automatable yes: …; …)".
std::string ssvcLine(const SsvcResult& r) {
    return std::string(ssvcName(r.decision)) + " (exploitation " + r.exploitation.value + ": " +
           r.exploitation.reason + "; automatable " + r.automatable.value + ": " +
           r.automatable.reason + "; technical impact " + r.technicalImpact.value + ": " +
           r.technicalImpact.reason + "; mission & well-being " + r.mission.value + ": " +
           r.mission.reason + ")";
}

/// False when every match of the case's cluster and product version was evaluated not affected
/// (the version comparison rules it out): such a case is kept as the evaluation record and,
/// like its matches, never alerts. A case opened by hand always may.
bool mayAlert(Store& store, const Case& c) {
    if (c.origin == "manual" || c.clusterId == 0) {
        return true;
    }
    Statement& q = store.cachedStatement(
        "SELECT count(*) FILTER (WHERE verdict != 'not-affected'), count(*) FROM match "
        "WHERE cluster_id = ?1 AND product = ?2 AND version = ?3");
    q.bind(1, c.clusterId).bind(2, c.product).bind(3, c.version);
    bool out = true;
    if (q.step()) {
        out = q.integer(0) > 0 || q.integer(1) == 0;
    }
    q.reset();
    q.clearBindings();
    return out;
}

/// Who was just sent a match's immediate message: notifier name and recipient.
using Recipients = std::set<std::pair<std::string, std::string>>;

/// Queues `notice` to everyone who hears of the case's product version (`product`, from the
/// registry; nullptr when it is no longer registered) at once, whatever their digest mode and
/// thresholds, except `skip`. Returns the number of messages queued.
int sendNotice(Store& store, const Routing& routing, const Product* product, const Case& c,
               CaseNotice notice, std::int64_t now, const Recipients& skip = {}) {
    if (product == nullptr) {
        VW_LOG_WARNING("case", caseLabel(c) << ": " << notice.kind
                                            << " notice not sent: the product version is no "
                                               "longer registered");
        return 0;
    }
    int queued = 0;
    for (const RouteTarget& target : routeMatch(routing, *product, 10.0, 100)) {
        if (skip.count({target.notifier->name, target.recipient}) != 0) {
            continue; // the match's own message, sent at the same moment, says as much
        }
        notice.language = target.language.empty() ? "ja" : target.language;
        const OutMessage message = renderCaseNotice(target.notifier->type, target.notifier->name,
                                                    target.recipient, notice);
        if (store.enqueue(message, now, now) != 0) {
            ++queued;
        }
    }
    return queued;
}

CaseNotice noticeFor(const Case& c, const ClusterFacts& f, std::string kind, std::int64_t now) {
    CaseNotice n;
    n.kind = std::move(kind);
    n.caseId = c.id;
    n.product = c.product;
    n.version = c.version;
    n.title = c.title;
    n.advisory = f.primaryId;
    n.clusterKey = c.clusterKey;
    n.receivedAt = c.receivedAt; // a re-opened case that becomes Act again is alerted again
    n.state = std::string(caseStateName(c.state));
    n.ssvc = c.ssvc;
    n.url = f.url;
    n.now = now;
    if (!c.ssvcPoints.empty()) {
        try {
            n.ssvcReason = ssvcLine(ssvcFromJson(c.ssvcPoints));
        } catch (const std::exception&) {
            n.ssvcReason = c.ssvc;
        }
    }
    return n;
}

/// The registry's active product versions, read from the store only when a notice needs them
/// (an ingest passes the ones it already has).
class LazyProducts {
public:
    LazyProducts(Store& store, const std::vector<Product>* given) : store_(store), given_(given) {}
    const std::vector<Product>& get() {
        if (given_ != nullptr) {
            return *given_;
        }
        if (!own_) {
            own_ = store_.products();
        }
        return *own_;
    }
    /// The product version, or nullptr (indexed on first use: a bulk re-match opens thousands
    /// of cases against a registry of thousands of versions).
    const Product* find(const std::string& name, const std::string& version) {
        if (index_.empty()) {
            for (const Product& p : get()) {
                index_.emplace(p.name + '\n' + p.version, &p);
            }
        }
        const auto it = index_.find(name + '\n' + version);
        return it == index_.end() ? nullptr : it->second;
    }

private:
    Store& store_;
    const std::vector<Product>* given_;
    std::optional<std::vector<Product>> own_;
    std::unordered_map<std::string, const Product*> index_;
};

/// Act alerts logged one by one per batch; the rest at debug level (a bulk re-match can make
/// thousands).
constexpr int kActLoggedEach = 10;

/// Evaluates the case's SSVC priority again; records a case-ssvc event when it changed. An Act
/// decision shortens the clocks (decide: as Critical from now; inform/fix: the uncontrolled
/// ones) and alerts once. Returns the case as it is now.
/// Sets detail `name` (replacing it when present: a detail name comes once per event).
void setDetail(Details& details, const std::string& name, std::string value) {
    for (auto& [n, v] : details) {
        if (n == name) {
            v = std::move(value);
            return;
        }
    }
    details.emplace_back(name, std::move(value));
}

/// What a new SSVC evaluation of a case changes.
struct SsvcUpdate {
    SsvcResult result;
    bool changed = false;  // the points or the decision differ from the case's
    bool alertNow = false; // it becomes Act and was not alerted (and may be)
};

/// Evaluates the case's SSVC priority and adds to `details` what changes: the decision and its
/// points, and for a new Act the shortened clocks (decide: as Critical from now; inform/fix:
/// the uncontrolled ones) and the "act" mark of the alert.
SsvcUpdate ssvcUpdate(Store& store, const Routing& routing, const Case& c, const ClusterFacts& f,
                      std::int64_t now, Details& details) {
    SsvcUpdate u;
    u.result = evaluateSsvc(store, c, f);
    const std::string json = ssvcToJson(u.result);
    const bool act = u.result.decision == SsvcDecision::Act;
    const bool alerted = std::find(c.breached.begin(), c.breached.end(), "act") != c.breached.end();
    if (json == c.ssvcPoints && (!act || alerted)) {
        return u;
    }
    u.changed = true;
    setDetail(details, "ssvc", std::string(ssvcName(u.result.decision)));
    setDetail(details, "ssvc_points", json);
    u.alertNow = act && !alerted && !isTerminal(c.state) && mayAlert(store, c);
    if (u.alertNow) {
        const Deadlines critical = clocksFor(routing, Severity::Critical, false, now);
        if (decideClockRuns(c.state) && critical.decide > 0 && critical.decide < c.decideDue) {
            setDetail(details, "decide_due", str(critical.decide));
        }
        const Deadlines uncontrolled =
            clocksFor(routing, severityFromScore(std::nullopt), false, c.receivedAt);
        if (uncontrolled.inform && *uncontrolled.inform > 0 &&
            (c.informDue == 0 || *uncontrolled.inform < c.informDue)) {
            setDetail(details, "inform_due", str(*uncontrolled.inform));
        }
        if (uncontrolled.fix > 0 && uncontrolled.fix < c.fixDue) {
            setDetail(details, "fix_due", str(uncontrolled.fix));
        }
        std::vector<std::string> breached = c.breached;
        breached.emplace_back("act");
        setDetail(details, "breached", joinCaseList(breached));
    }
    return u;
}

/// After a recorded update that made the case Act: the log line and the alert.
void alertAct(Store& store, const Routing& routing, const Case& c, const ClusterFacts& f,
              const SsvcResult& r, std::int64_t now, IngestStats* stats, LazyProducts& products,
              const Recipients& skip) {
    const int acts = stats != nullptr ? ++stats->casesAct : 1;
    VW_LOG(acts <= kActLoggedEach ? log::Level::Warning : log::Level::Debug, "case",
           caseLabel(c) << " is SSVC Act: " << ssvcLine(r));
    if (acts == kActLoggedEach + 1) {
        VW_LOG_WARNING("case", "more cases became SSVC Act; each is logged at debug level");
    }
    const int queued = sendNotice(store, routing, products.find(c.product, c.version), c,
                                  noticeFor(c, f, "act", now), now, skip);
    if (stats != nullptr) {
        stats->enqueued += queued;
    }
}

/// Evaluates the case's SSVC priority again; records a case-ssvc event when it changed, and
/// alerts a new Act once. Returns the case as it is now.
Case reevaluateSsvc(Store& store, const Routing& routing, const Case& c, const ClusterFacts& f,
                    const std::string& why, const std::string& actor, std::int64_t now,
                    IngestStats* stats, LazyProducts& products) {
    CaseChange change;
    const SsvcUpdate u = ssvcUpdate(store, routing, c, f, now, change.details);
    if (!u.changed) {
        return c;
    }
    if (!c.ssvc.empty()) {
        change.details.emplace_back("from", c.ssvc);
    }
    if (!why.empty()) {
        change.details.emplace_back("reason", why);
    }
    change.kind = std::string(kCaseSsvc);
    change.actor = actor;
    change.site = caseSite(routing);
    change.text = caseLabel(c) + ": SSVC " + (c.ssvc.empty() ? "" : c.ssvc + " -> ") +
                  ssvcLine(u.result) + (why.empty() ? "" : "; " + why);
    Case next = recordCaseChange(store, c.id, change, now);
    if (u.alertNow) {
        alertAct(store, routing, next, f, u.result, now, stats, products, {});
    }
    return next;
}

Case reopen(Store& store, const Case& c, const std::string& reason, const std::string& actor,
            const Routing& routing, std::int64_t now) {
    const Severity severity = parseSeverity(c.severity).value_or(Severity::Unscored);
    const Deadlines d = clocksFor(routing, severity, false, now);
    CaseChange change;
    change.kind = std::string(kCaseReopen);
    change.actor = actor;
    change.site = caseSite(routing);
    change.text = caseLabel(c) + " re-opened (" + std::string(caseStateName(c.state)) +
                  " -> received): " + reason;
    change.details = {{"from", std::string(caseStateName(c.state))},
                      {"state", "received"},
                      {"reopen_reason", reason},
                      {"received_at", str(now)},
                      {"decide_due", str(d.decide)},
                      {"inform_due", str(d.inform.value_or(0))},
                      {"fix_due", str(d.fix)},
                      {"decided_at", "0"},
                      {"risk", ""},
                      {"breached", ""}};
    return recordCaseChange(store, c.id, change, now);
}

/// name → version of a case's components.
std::map<std::string, std::string> componentsOf(const Case& c) {
    std::map<std::string, std::string> out;
    for (const std::string& item : caseComponents(c)) {
        const std::size_t at = item.rfind('@');
        out[item.substr(0, at)] = at == std::string::npos ? "" : item.substr(at + 1);
    }
    return out;
}

std::string fingerprintOf(const std::map<std::string, std::string>& components) {
    std::vector<std::string> items;
    for (const auto& [name, version] : components) {
        items.push_back(name + "@" + version);
    }
    return componentFingerprint(std::move(items));
}

void countTouched(IngestStats& stats, bool opened, bool reopened) {
    stats.casesOpened += opened ? 1 : 0;
    stats.casesReopened += reopened ? 1 : 0;
}

} // namespace

void casesForMatches(Store& store, const Routing& routing, std::int64_t clusterId,
                     const Advisory& advisory, const std::vector<Match>& matches,
                     const std::vector<std::string>& evidence, std::int64_t now, IngestStats& stats,
                     const std::vector<Product>* products) {
    if (matches.empty()) {
        return;
    }
    LazyProducts registry(store, products);
    // Per product version: its components as name → version.
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> groups;
    std::map<std::pair<std::string, std::string>, std::string> verdicts;
    for (const Match& m : matches) {
        auto& group = groups[{m.product, m.version}];
        group[m.component] = m.componentVersion;
        std::string& verdict = verdicts[{m.product, m.version}];
        // The most alarming verdict of the group describes the case.
        if (verdict.empty() || m.verdict == "affected" ||
            (m.verdict == "needs-review" && verdict == "not-affected")) {
            verdict = m.verdict;
        }
    }
    const std::string key = store.clusterKey(clusterId);
    std::optional<ClusterFacts> facts;
    const auto factsOnce = [&]() -> const ClusterFacts& {
        if (!facts) {
            facts = clusterFacts(store, clusterId, &advisory);
        }
        return *facts;
    };
    for (const auto& [pv, components] : groups) {
        const auto& [product, version] = pv;
        const std::optional<Case> existing = caseFor(store, key, product, version);
        if (existing) {
            // Components: a version that differs or a component not seen before.
            std::map<std::string, std::string> merged = componentsOf(*existing);
            std::vector<std::string> changed;
            for (const auto& [name, v] : components) {
                const auto it = merged.find(name);
                if (it == merged.end()) {
                    changed.push_back(name + " " + v + " (new)");
                    merged[name] = v;
                } else if (it->second != v) {
                    changed.push_back(name + " " + it->second + " -> " + v);
                    it->second = v;
                }
            }
            if (changed.empty()) {
                continue;
            }
            std::string what;
            for (const auto& c : changed) {
                what += (what.empty() ? "" : ", ") + c;
            }
            CaseChange change;
            change.kind = std::string(kCaseComponents);
            change.actor = "daemon";
            change.site = caseSite(routing);
            change.text = caseLabel(*existing) + ": components changed: " + what;
            change.subjects = {advisory.id};
            change.evidence = evidence;
            change.details = {{"components", fingerprintOf(merged)}, {"reason", what}};
            const Case updated = recordCaseChange(store, existing->id, change, now);
            if (isTerminal(updated.state)) {
                reopen(store, updated, "components changed: " + what, "daemon", routing, now);
                countTouched(stats, false, true);
            }
            continue;
        }
        const ClusterFacts& f = factsOnce();
        const Severity severity =
            severityFromScore(f.hasScore ? std::optional<double>(f.score) : std::nullopt);
        const Deadlines d = clocksFor(routing, severity, false, now);
        const std::string fingerprint = fingerprintOf(components);
        const std::optional<Case> from = inheritableCase(store, key, product, version, fingerprint);
        CaseChange change;
        change.kind = std::string(kCaseOpen);
        change.actor = "daemon";
        change.site = caseSite(routing);
        change.subjects = {advisory.id,
                           "product:" + product + (version.empty() ? "" : " " + version)};
        change.evidence = evidence;
        change.details = {{"cluster_id", str(clusterId)},
                          {"cluster_key", key},
                          {"product", product},
                          {"version", version},
                          {"title", f.title.empty() ? advisory.title : f.title},
                          {"severity", std::string(severityName(severity))},
                          {"received_at", str(now)},
                          {"decide_due", str(d.decide)},
                          {"inform_due", str(d.inform.value_or(0))},
                          {"fix_due", str(d.fix)},
                          {"components", fingerprint},
                          {"verdict", verdicts[pv]}};
        if (from) {
            change.details.emplace_back("origin", "inherited");
            change.details.emplace_back("state", std::string(caseStateName(from->state)));
            change.details.emplace_back("inherited_from", str(from->id));
            change.details.emplace_back("decided_at", str(now));
            change.details.emplace_back("risk", from->risk);
            for (const auto& [name, value] : from->fields) {
                change.details.emplace_back("f." + name, value);
            }
            change.text = "case opened for " + product + (version.empty() ? "" : " " + version) +
                          " by " + advisory.id + ", inheriting " +
                          std::string(caseStateName(from->state)) + " from case " + str(from->id) +
                          " (" + from->version + ", same components)";
        } else {
            change.details.emplace_back("origin", "match");
            change.details.emplace_back("state", "received");
            change.text = "case opened for " + product + (version.empty() ? "" : " " + version) +
                          " by " + advisory.id + " (" + verdicts[pv] + ", " +
                          std::string(severityName(severity)) + ")";
        }
        // The first SSVC evaluation goes into the opening event (one event, not two).
        Case pending;
        applyCaseEvent(pending, change.kind, now, 0, change.details);
        const SsvcUpdate u = ssvcUpdate(store, routing, pending, f, now, change.details);
        if (u.changed) {
            change.text += "; SSVC " + std::string(ssvcName(u.result.decision));
        }
        const Case opened = recordCaseChange(store, 0, change, now);
        countTouched(stats, true, false);
        // A case that is Act from the start: whoever gets the new match's immediate message
        // now (recordMatches: every verdict but not-affected) needs no second one.
        Recipients told;
        if (u.alertNow && verdicts[pv] != "not-affected") {
            if (const Product* found = registry.find(product, version)) {
                const Product& p = *found;
                int confidence = 0;
                for (const Match& m : matches) {
                    if (m.product == product && m.version == version) {
                        confidence = std::max(confidence, m.confidence);
                    }
                }
                for (const RouteTarget& target :
                     routeMatch(routing, p, advisory.maxScore(), confidence)) {
                    if (!target.digest) {
                        told.insert({target.notifier->name, target.recipient});
                    }
                }
            }
        }
        if (u.alertNow) {
            alertAct(store, routing, opened, f, u.result, now, &stats, registry, told);
        }
    }
}

void casesOnMaterialRevision(Store& store, const Routing& routing,
                             const std::vector<std::int64_t>& clusters, const Advisory& advisory,
                             const std::string& what, std::int64_t now, IngestStats& stats,
                             const std::vector<Product>* products) {
    LazyProducts registry(store, products);
    for (const std::int64_t cluster : clusters) {
        const std::vector<Case> cases = casesOfCluster(store, cluster);
        if (cases.empty()) {
            continue;
        }
        const ClusterFacts f = clusterFacts(store, cluster, &advisory);
        const std::string reason = "material revision of " + advisory.id + ": " + what;
        for (const Case& c : cases) {
            Case current = c;
            if (isTerminal(c.state)) {
                current = reopen(store, c, reason, "daemon", routing, now);
                countTouched(stats, false, true);
            } else {
                CaseChange change;
                change.kind = std::string(kCaseSignal);
                change.actor = "daemon";
                change.site = caseSite(routing);
                change.text = caseLabel(c) + ": " + reason;
                change.subjects = {advisory.id};
                change.details = {{"reason", reason}};
                current = recordCaseChange(store, c.id, change, now);
            }
            reevaluateSsvc(store, routing, current, f, reason, "daemon", now, &stats, registry);
        }
    }
}

int caseExploitationSignalCluster(Store& store, const Routing& routing, std::int64_t clusterId,
                                  const std::string& reason, std::int64_t now, IngestStats& stats,
                                  const std::vector<Product>* products) {
    LazyProducts registry(store, products);
    const std::vector<Case> cases = casesOfCluster(store, clusterId);
    if (cases.empty()) {
        return 0;
    }
    const ClusterFacts f = clusterFacts(store, clusterId, nullptr);
    for (const Case& c : cases) {
        Case current = c;
        if (isTerminal(c.state)) {
            current = reopen(store, c, "exploitation: " + reason, "daemon", routing, now);
            countTouched(stats, false, true);
        }
        reevaluateSsvc(store, routing, current, f, "exploitation: " + reason, "daemon", now, &stats,
                       registry);
    }
    return static_cast<int>(cases.size());
}

int caseExploitationSignal(Store& store, const Routing& routing, const std::string& vulnId,
                           const std::string& reason, std::int64_t now, IngestStats& stats) {
    const std::optional<std::int64_t> cluster = store.clusterOf(vulnId);
    if (!cluster) {
        return 0;
    }
    return caseExploitationSignalCluster(store, routing, *cluster, reason, now, stats);
}

int openMissingCases(Store& store, const Routing& routing, std::int64_t now) {
    Store::Transaction tx(store);
    Statement q = store.db().prepare(
        "SELECT DISTINCT m.cluster_id FROM match m WHERE NOT EXISTS (SELECT 1 FROM vcase v "
        "WHERE v.cluster_id = m.cluster_id AND v.product = m.product AND v.version = m.version) "
        "ORDER BY m.cluster_id");
    std::vector<std::int64_t> clusters;
    while (q.step()) {
        clusters.push_back(q.integer(0));
    }
    IngestStats stats;
    for (const std::int64_t cluster : clusters) {
        std::vector<Match> missing;
        for (const MatchRow& row : store.matchesOfCluster(cluster)) {
            bool has = false;
            for (const Case& c : casesOfCluster(store, cluster)) {
                has = has || (c.product == row.match.product && c.version == row.match.version);
            }
            if (!has) {
                missing.push_back(row.match);
            }
        }
        if (missing.empty()) {
            continue;
        }
        Advisory advisory;
        advisory.id = missing.front().advisory;
        advisory.title = store.cluster(cluster).title;
        casesForMatches(store, routing, cluster, advisory, missing, {}, now, stats);
    }
    tx.commit();
    if (stats.casesOpened > 0) {
        VW_LOG_INFO("case", stats.casesOpened << " cases opened for matches stored without one");
    }
    return stats.casesOpened;
}

CaseTickStats caseTick(Store& store, const Routing& routing, std::int64_t now) {
    CaseTickStats stats;
    Store::Transaction tx(store);
    // Candidates: risk acceptances, and open cases with a due time already past (the clocks
    // that run are checked below).
    Statement q = store.db().prepare(
        "SELECT id FROM vcase WHERE state = 'risk_accepted' OR (state NOT IN ('closed', "
        "'false_positive', 'not_affected') AND ((decide_due > 0 AND decide_due < ?1) OR "
        "(inform_due > 0 AND inform_due < ?1) OR (fix_due > 0 AND fix_due < ?1))) ORDER BY id");
    q.bind(1, now);
    std::vector<std::int64_t> ids;
    while (q.step()) {
        ids.push_back(q.integer(0));
    }
    LazyProducts products(store, nullptr);
    const Date today = jstDate(now);
    for (const std::int64_t id : ids) {
        std::optional<Case> c = caseById(store, id);
        if (!c) {
            continue;
        }
        if (c->state == CaseState::RiskAccepted) {
            const auto it = c->fields.find("expires");
            const std::optional<Date> expires =
                it == c->fields.end() ? std::nullopt : parseDate(it->second);
            if (expires && *expires < today) {
                reopen(store, *c, "risk acceptance expired on " + it->second, "daemon", routing,
                       now);
                ++stats.expired;
            }
            continue;
        }
        std::vector<std::string> breached = c->breached;
        std::vector<std::string> fresh;
        for (const std::string& clock : overdueClocks(*c, now)) {
            if (std::find(breached.begin(), breached.end(), clock) == breached.end()) {
                fresh.push_back(clock);
                breached.push_back(clock);
            }
        }
        if (fresh.empty()) {
            continue;
        }
        const std::string joined = joinCaseList(breached);
        Case current = *c;
        for (const std::string& clock : fresh) {
            const std::int64_t due = clock == "decide"   ? c->decideDue
                                     : clock == "inform" ? c->informDue
                                                         : c->fixDue;
            CaseChange change;
            change.kind = std::string(kCaseBreach);
            change.actor = "daemon";
            change.site = caseSite(routing);
            change.text = caseLabel(*c) + ": the " + clock + " deadline " + caseDueText(due) +
                          " has passed in state " + std::string(caseStateName(c->state));
            change.details = {{"clock", clock}, {"due", str(due)}, {"breached", joined}};
            current = recordCaseChange(store, c->id, change, now);
            ++stats.breaches;
            const ClusterFacts f = clusterFacts(store, c->clusterId, nullptr);
            CaseNotice notice = noticeFor(current, f, "breach", now);
            notice.clock = clock;
            notice.due = due;
            stats.notices +=
                sendNotice(store, routing, products.find(current.product, current.version), current,
                           notice, now);
            VW_LOG_WARNING("case", caseLabel(*c) << ": " << clock << " deadline "
                                                 << caseDueText(due) << " passed");
        }
    }
    tx.commit();
    return stats;
}

std::string hostSiteName() {
    static const std::string name = [] {
        char buffer[256] = {};
        if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') {
            return std::string("localhost");
        }
        return std::string(buffer);
    }();
    return name;
}

std::string caseSite(const Routing& routing) {
    return routing.site.empty() ? hostSiteName() : routing.site;
}

std::string configSite(const Config& config) {
    return config.site.empty() ? hostSiteName() : config.site;
}

StaleViewText staleViewText(const std::string& what, const std::string& whatJa,
                            const std::optional<CaseEventRow>& change, std::int64_t changedAt,
                            std::int64_t expected, std::int64_t now, const std::string& state,
                            const std::string& stateJa, const std::string& again) {
    const std::string who = change ? actorAtSite(*change) : std::string("someone");
    const std::string whoJa = change ? actorAtSite(*change) : std::string("ほかの人");
    const std::string when = caseDueText(change ? change->at : changedAt);
    // "case 12" -> "the case", "案件 12" -> "案件".
    const std::string noun = what.substr(0, what.find(' '));
    const std::string nounJa = whatJa.substr(0, whatJa.find(' '));
    StaleViewText out;
    out.english = what + " was changed by " + who + " at " + when +
                  " after the version you saw (version " + str(expected) + ", now " + str(now) +
                  "): it is now " + state + "; nothing was written — look at the " + noun +
                  " again (" + again + ") and repeat the change if it still applies";
    out.japanese = whatJa + " は、確認された版 (" + str(expected) + ") の後に " + whoJa + " が " +
                   when + " に変更しました。現在の状態は「" + stateJa + "」(版 " + str(now) +
                   ") です。何も記録していません。" + nounJa +
                   "を確認し、必要ならもう一度実行してください";
    return out;
}

namespace {

std::string conflictMessage(const Case& current, const std::optional<CaseEventRow>& change,
                            std::int64_t expected) {
    const std::string id = str(current.id);
    const StaleViewText text =
        staleViewText("case " + id, "案件 " + id, change, current.updatedAt, expected,
                      current.lastEvent, std::string(caseStateName(current.state)),
                      std::string(caseStateJapanese(current.state)), "vulnwatch cases show " + id);
    return text.english + " (" + text.japanese + ")";
}

/// Case `id` under its row's write lock for the caller's transaction, checked against the
/// version the caller saw (`expectVersion`, 0 = not checked): CaseRefused when there is no such
/// case, CaseConflict when it changed since. A change another process makes meanwhile either
/// came before (and is seen here) or waits for the caller's transaction.
Case lockedCase(Store& store, std::int64_t id, std::int64_t expectVersion) {
    const bool exists = lockCase(store, id);
    std::optional<Case> c = exists ? caseById(store, id) : std::nullopt;
    if (!c) {
        throw CaseRefused("there is no case " + str(id) + " (案件 " + str(id) + " はありません)");
    }
    if (expectVersion != 0 && c->lastEvent != expectVersion) {
        throw CaseConflict(*c, lastCaseChange(store, *c), expectVersion);
    }
    return std::move(*c);
}

} // namespace

CaseConflict::CaseConflict(Case current, std::optional<CaseEventRow> change, std::int64_t expected)
    : CaseRefused(conflictMessage(current, change, expected)), current_(std::move(current)),
      change_(std::move(change)), expected_(expected) {}

Case transitionCase(Store& store, const Routing& routing, std::int64_t id, CaseState to,
                    const std::string& by, const std::map<std::string, std::string>& fields,
                    std::int64_t now, std::int64_t expectVersion) {
    Store::Transaction tx(store);
    // The row's lock first, then the case as it is under that lock.
    const std::optional<Case> c = lockedCase(store, id, expectVersion);
    CaseTransitionRequest request;
    request.from = c->state;
    request.to = to;
    request.by = by;
    request.fields = fields;
    request.now = now;
    const auto action = c->fields.find("action");
    request.action = action == c->fields.end() ? "" : action->second;
    if (const auto refused = checkCaseTransition(request, routing.cases)) {
        throw CaseRefused("case " + str(id) + ": " + *refused);
    }
    CaseChange change;
    change.actor = by;
    change.site = caseSite(routing);
    change.details = {{"from", std::string(caseStateName(c->state))},
                      {"state", std::string(caseStateName(to))}};
    for (const auto& [name, value] : fields) {
        change.details.emplace_back("f." + name, value);
    }
    if (isTerminal(c->state) && to == CaseState::Received) {
        // A person's re-open: the clocks start again.
        const Severity severity = parseSeverity(c->severity).value_or(Severity::Unscored);
        const Deadlines d = clocksFor(routing, severity, false, now);
        change.kind = std::string(kCaseReopen);
        change.details.emplace_back("reopen_reason", fields.at("reason"));
        change.details.emplace_back("received_at", str(now));
        change.details.emplace_back("decide_due", str(d.decide));
        change.details.emplace_back("inform_due", str(d.inform.value_or(0)));
        change.details.emplace_back("fix_due", str(d.fix));
        change.details.emplace_back("decided_at", "0");
        change.details.emplace_back("risk", "");
        change.details.emplace_back("breached", "");
        change.text = caseLabel(*c) + " re-opened by " + by + ": " + fields.at("reason");
    } else {
        change.kind = std::string(kCaseTransition);
        change.text = caseLabel(*c) + ": " + std::string(caseStateName(c->state)) + " -> " +
                      std::string(caseStateName(to)) + " by " + by;
        if (decideClockRuns(c->state) && !decideClockRuns(to)) {
            change.details.emplace_back("decided_at", str(now));
        }
        if (const auto risk = fields.find("risk"); risk != fields.end()) {
            change.details.emplace_back("risk", risk->second);
            const bool controlled = risk->second == "controlled";
            const Severity severity = parseSeverity(c->severity).value_or(Severity::Unscored);
            const Deadlines d = clocksFor(routing, severity, controlled, c->receivedAt);
            change.details.emplace_back("inform_due", str(d.inform.value_or(0)));
            change.details.emplace_back("fix_due", str(d.fix));
        }
    }
    Case next = recordCaseChange(store, id, change, now);
    tx.commit();
    return next;
}

Case openManualCase(Store& store, const Routing& routing, const std::string& product,
                    const std::string& version, const std::string& title, const std::string& by,
                    const std::vector<std::string>& ids, const std::string& severity,
                    std::int64_t now) {
    if (title.find_first_not_of(" \t") == std::string::npos) {
        throw CaseRefused("cases open needs --title: what was reported (件名が必要です)");
    }
    if (by.empty() || by == "daemon" || by == "vulnwatch") {
        throw CaseRefused("cases open needs --by NAME: who opens it (a person's name)");
    }
    Store::Transaction tx(store);
    bool registered = false;
    for (const Product& p : store.products()) {
        registered = registered || (p.name == product && p.version == version);
    }
    if (!registered) {
        throw CaseRefused(
            "no registered product version '" + product + (version.empty() ? "" : " " + version) +
            "' (see `vulnwatch products list`; 登録された製品のバージョンではありません)");
    }
    std::optional<Severity> sev = Severity::Unscored;
    if (!severity.empty()) {
        sev = parseSeverity(severity);
        if (!sev) {
            throw CaseRefused("--severity must be Critical, High, Medium, Low or None, not '" +
                              severity + "'");
        }
    }
    std::int64_t clusterId = 0;
    for (const std::string& id : ids) {
        if (const auto cluster = store.clusterOf(id)) {
            clusterId = *cluster;
            break;
        }
    }
    std::string key;
    ClusterFacts f;
    if (clusterId != 0) {
        key = store.clusterKey(clusterId);
        if (const auto existing = caseFor(store, key, product, version)) {
            throw CaseRefused("case " + str(existing->id) + " is already open for " + key +
                              " and " + product + " " + version + " (既に案件があります)");
        }
        f = clusterFacts(store, clusterId, nullptr);
        if (severity.empty() && f.hasScore) {
            sev = severityFromScore(f.score);
        }
    }
    const Deadlines d = clocksFor(routing, *sev, false, now);
    CaseChange change;
    change.kind = std::string(kCaseOpen);
    change.actor = by;
    change.site = caseSite(routing);
    change.text = "case opened by hand by " + by + " for " + product +
                  (version.empty() ? "" : " " + version) + ": " + title;
    change.subjects = ids;
    change.details = {{"origin", "manual"},
                      {"state", "received"},
                      {"product", product},
                      {"version", version},
                      {"title", title},
                      {"severity", std::string(severityName(*sev))},
                      {"received_at", str(now)},
                      {"decide_due", str(d.decide)},
                      {"inform_due", str(d.inform.value_or(0))},
                      {"fix_due", str(d.fix)}};
    if (clusterId != 0) {
        change.details.emplace_back("cluster_id", str(clusterId));
        change.details.emplace_back("cluster_key", key);
    }
    Case opened = recordCaseChange(store, 0, change, now);
    LazyProducts registry(store, nullptr);
    opened = reevaluateSsvc(store, routing, opened, f, "", by, now, nullptr, registry);
    tx.commit();
    return opened;
}

Case setCaseSsvc(Store& store, const Routing& routing, std::int64_t id, const std::string& by,
                 const std::map<std::string, std::string>& points, std::int64_t now,
                 std::int64_t expectVersion) {
    if (by.empty() || by == "daemon" || by == "vulnwatch") {
        throw CaseRefused("--by NAME is needed: who sets the SSVC points (a person's name)");
    }
    Store::Transaction tx(store);
    // Under the row's lock, checked against the version the caller saw (as transitionCase).
    const std::optional<Case> c = lockedCase(store, id, expectVersion);
    CaseChange change;
    change.kind = std::string(kCaseSsvc);
    change.actor = by;
    change.site = caseSite(routing);
    std::string what;
    for (const auto& [name, value] : points) {
        bool ok = value.empty();
        if (name == "exploitation") {
            ok = ok || parseSsvcExploitation(value).has_value();
        } else if (name == "automatable") {
            ok = ok || parseSsvcAutomatable(value).has_value();
        } else if (name == "technical_impact") {
            ok = ok || parseSsvcTechnicalImpact(value).has_value();
        } else {
            throw CaseRefused("unknown SSVC point '" + name +
                              "' (exploitation, automatable, technical_impact)");
        }
        if (!ok) {
            throw CaseRefused("--" + name + " cannot be '" + value + "' (exploitation: none|poc|" +
                              "active; automatable: yes|no; technical_impact: partial|total)");
        }
        change.details.emplace_back("f.ssvc_" + name, value);
        what += (what.empty() ? "" : ", ") + name + "=" + (value.empty() ? "(derived)" : value);
    }
    if (points.empty()) {
        throw CaseRefused("give at least one of --exploitation, --automatable, "
                          "--technical-impact");
    }
    change.text = caseLabel(*c) + ": SSVC points set by " + by + ": " + what;
    Case next = recordCaseChange(store, id, change, now);
    const ClusterFacts f = clusterFacts(store, next.clusterId, nullptr);
    LazyProducts registry(store, nullptr);
    next = reevaluateSsvc(store, routing, next, f, "set by " + by, by, now, nullptr, registry);
    tx.commit();
    return next;
}

} // namespace vw
