#include "daemon/vex_export.h"

#include "core/correlate.h"
#include "core/ids.h"
#include "daemon/json_read.h"
#include "store/cases.h"
#include "store/vex_query.h"

#include <algorithm>
#include <map>
#include <set>

namespace vw {

namespace {

std::string label(const std::string& product, const std::string& version) {
    return version.empty() ? product : product + " " + version;
}

/// The page of a JVN advisory id (JVN#, JVNVU#), "" for other ids.
std::string advisoryUrl(const std::string& ident) {
    if (ident.rfind("JVN#", 0) == 0) {
        return "https://jvn.jp/jp/JVN" + ident.substr(4) + "/";
    }
    if (ident.rfind("JVNVU#", 0) == 0) {
        return "https://jvn.jp/vu/JVNVU" + ident.substr(6) + "/";
    }
    return "";
}

VexCaseInput caseInput(const Case& c) {
    VexCaseInput out;
    out.id = c.id;
    out.product = c.product;
    out.version = c.version;
    out.state = c.state;
    out.fields = c.fields;
    out.components = caseComponents(c);
    return out;
}

/// The vulnerability a group of cases of one cluster is about, from its records as they were
/// at `asOf`.
VexVulnerabilityInput vulnerabilityOf(Store& store, std::int64_t clusterId, std::int64_t asOf,
                                      const std::vector<Case>& cases) {
    VexVulnerabilityInput v;
    v.key = cases.front().clusterKey.empty() ? "case:" + std::to_string(cases.front().id)
                                             : cases.front().clusterKey;
    for (const Case& c : cases) {
        v.cases.push_back(caseInput(c));
    }
    std::vector<Advisory> records;
    if (clusterId != 0) {
        for (const std::string& json : clusterRecordsAsOf(store, clusterId, asOf)) {
            try {
                records.push_back(advisoryFromJson(json));
            } catch (const JsonInputError&) {
                // A stored record always reads; one that does not says nothing here.
            }
        }
    }
    std::stable_sort(records.begin(), records.end(), [](const Advisory& a, const Advisory& b) {
        return sourceRank(a.source) < sourceRank(b.source);
    });
    std::set<std::string> ids;
    const auto addId = [&](const std::string& id) {
        if (idKind(id)) {
            ids.insert(id);
        }
    };
    for (const Advisory& r : records) {
        addId(r.id);
        for (const auto& a : r.aliases) {
            addId(a);
        }
        if (v.title.empty()) {
            v.title = r.title;
        }
        if (v.summary.empty()) {
            v.summary = r.summary;
        }
        v.cvss.insert(v.cvss.end(), r.cvss.begin(), r.cvss.end());
        if (!r.url.empty()) {
            v.links.emplace_back(r.url, r.id);
        }
    }
    if (clusterId != 0) {
        for (const std::string& ident : coveringAdvisoriesAsOf(store, clusterId, asOf)) {
            addId(ident);
            if (const std::string url = advisoryUrl(ident); !url.empty()) {
                v.links.emplace_back(url, ident);
            }
        }
    }
    if (ids.empty() && !cases.front().clusterKey.empty()) {
        addId(cases.front().clusterKey);
    }
    v.ids.assign(ids.begin(), ids.end());
    if (v.title.empty()) {
        v.title = cases.front().title;
    }
    return v;
}

} // namespace

VexInput gatherVex(Store& store, const VexRequest& request) {
    Store::ReadTransaction snapshot(store);
    VexInput in;
    in.lang = request.lang;
    in.publisherName = request.publisherName;
    in.publisherNamespace = request.publisherNamespace;
    in.generatorVersion = request.generatorVersion;
    const bool ja = request.lang != "en";

    std::vector<Case> cases;
    std::vector<std::pair<std::string, std::string>> versions; // (product, version)
    if (request.caseId > 0) {
        const std::optional<Case> c = caseById(store, request.caseId);
        if (!c) {
            throw VexRequestError("there is no case " + std::to_string(request.caseId) +
                                  " (vulnwatch cases list shows them)");
        }
        cases.push_back(*c);
        versions.emplace_back(c->product, c->version);
        in.trackingId = "VW-VEX-CASE-" + std::to_string(c->id);
        in.scope = (ja ? "ケース " : "case ") + std::to_string(c->id) + " (" +
                   label(c->product, c->version) + ")";
    } else {
        std::optional<std::int64_t> productRemoved;
        const auto rows = vexProductVersions(store, request.product, &productRemoved);
        if (rows.empty()) {
            throw VexRequestError("no product named '" + request.product +
                                  "' (vulnwatch products list shows them)");
        }
        for (const auto& row : rows) {
            const bool wanted = request.version ? row.version == *request.version
                                                : (!row.removedAt || productRemoved);
            if (!wanted) {
                continue;
            }
            versions.emplace_back(request.product, row.version);
            if (row.createdAt > 0) {
                in.revisions.push_back({row.createdAt, 0,
                                        ja ? label(request.product, row.version) + " を登録"
                                           : label(request.product, row.version) + " registered"});
            }
            if (row.removedAt) {
                in.revisions.push_back(
                    {*row.removedAt, 0,
                     ja ? label(request.product, row.version) + " の登録を削除"
                        : label(request.product, row.version) + " removed from the registry"});
            }
        }
        if (versions.empty()) {
            std::string known;
            for (const auto& row : rows) {
                known += (known.empty() ? "" : ", ") +
                         (row.version.empty() ? std::string("\"\"") : row.version);
            }
            throw VexRequestError(request.version
                                      ? "product '" + request.product + "' has no version '" +
                                            *request.version + "' (its versions: " + known + ")"
                                      : "product '" + request.product +
                                            "' has no version that is not removed (name one with "
                                            "--version: " +
                                            known + ")");
        }
        in.trackingId = "VW-VEX-" + request.product;
        in.scope = request.product;
        if (request.version) {
            in.trackingId += "-" + *request.version;
            in.scope = label(request.product, *request.version);
        }
        for (const auto& [product, version] : versions) {
            CaseFilter filter;
            filter.product = product;
            filter.version = version;
            // listCases treats an empty version as "any": keep this version's only.
            for (Case& c : listCases(store, filter)) {
                if (c.version == version) {
                    cases.push_back(std::move(c));
                }
            }
        }
        std::sort(cases.begin(), cases.end(),
                  [](const Case& a, const Case& b) { return a.id < b.id; });
    }

    // The registry's components of each version.
    const auto registry = store.registry(true);
    for (const auto& [product, version] : versions) {
        VexProductInput p;
        p.product = product;
        p.version = version;
        for (const auto& rp : registry) {
            if (rp.name != product) {
                continue;
            }
            for (const auto& rv : rp.versions) {
                if (rv.version == version) {
                    p.components = rv.components;
                }
            }
        }
        in.products.push_back(std::move(p));
    }

    // The revision history: the content-changing events of the cases and the SBOM imports.
    std::vector<std::int64_t> caseIds;
    for (const Case& c : cases) {
        caseIds.push_back(c.id);
    }
    std::map<std::int64_t, std::int64_t> lastContent; // case → time of its last content event
    for (const VexEventRow& e : vexCaseEvents(store, caseIds)) {
        in.revisions.push_back({e.at, e.seq, e.text.empty() ? e.kind : e.text});
        lastContent[e.caseId] = std::max(lastContent[e.caseId], e.at);
    }
    if (request.caseId == 0) {
        std::vector<std::string> subjects;
        for (const auto& [product, version] : versions) {
            subjects.push_back("product:" + product + " " + version);
        }
        for (const VexEventRow& e : vexProductEvents(store, subjects)) {
            in.revisions.push_back({e.at, e.seq, e.text});
        }
    }

    // The vulnerabilities: one per cluster (a case of none is one of its own).
    std::map<std::int64_t, std::vector<Case>> byCluster;
    for (const Case& c : cases) {
        if (c.clusterId != 0) {
            byCluster[c.clusterId].push_back(c);
        } else {
            const std::int64_t at = lastContent.count(c.id) != 0 ? lastContent[c.id] : c.updatedAt;
            in.vulnerabilities.push_back(vulnerabilityOf(store, 0, at, {c}));
        }
    }
    for (const auto& [cluster, group] : byCluster) {
        std::int64_t at = 0;
        for (const Case& c : group) {
            at = std::max(at, lastContent.count(c.id) != 0 ? lastContent[c.id] : c.updatedAt);
        }
        in.vulnerabilities.push_back(vulnerabilityOf(store, cluster, at, group));
    }
    return in;
}

} // namespace vw
