#include "core/correlate.h"

#include "core/ids.h"
#include "core/json_writer.h"
#include "core/text.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace vw {

std::optional<IdClass> idClass(std::string_view normalizedId) {
    const std::optional<IdKind> kind = idKind(normalizedId);
    if (!kind) {
        // CISA's ICS (Medical) advisories, as CSAF documents name them (feeds/parse/csaf.h).
        if (isCisaIcsAdvisoryId(normalizedId)) {
            return IdClass::Advisory;
        }
        return std::nullopt;
    }
    switch (*kind) {
    case IdKind::Cve:
    case IdKind::Jvndb:
        return IdClass::Vulnerability;
    case IdKind::Jvn:
    case IdKind::Jvnvu:
    case IdKind::Jvnta:
    case IdKind::JpcertAt:
        return IdClass::Advisory;
    }
    return std::nullopt;
}

namespace {

void sortUnique(std::vector<std::string>& ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

/// A weekly or monthly report, whose ids come from many advisories.
bool isPeriodicReport(std::string_view title) {
    return lowerAscii(title).find("weekly report") != std::string::npos ||
           title.find("週報") != std::string_view::npos ||
           title.find("月報") != std::string_view::npos;
}

/// Fixed order of vulnerability ids for a cluster's key: JVNDB before CVE, then by text.
bool keyOrder(const std::string& a, const std::string& b) {
    const bool aJvndb = a.starts_with("JVNDB-");
    const bool bJvndb = b.starts_with("JVNDB-");
    if (aJvndb != bJvndb) {
        return aJvndb;
    }
    return a < b;
}

} // namespace

RecordLinks linksOf(std::string_view source, std::string_view id,
                    const std::vector<std::string>& aliases, std::string_view title) {
    RecordLinks links;
    std::vector<std::string> vulnerabilities;
    std::vector<std::string> advisories;
    for (const auto& alias : aliases) {
        const std::optional<IdClass> c = idClass(alias);
        if (c == IdClass::Vulnerability) {
            vulnerabilities.push_back(alias);
        } else if (c == IdClass::Advisory) {
            advisories.push_back(alias);
        }
    }
    sortUnique(vulnerabilities);
    sortUnique(advisories);

    // A mail's own id is its Message-ID: never an identifier.
    const bool mail = source == "mail";
    const std::optional<std::string> own = mail ? std::nullopt : normalizeId(id);
    const std::optional<IdClass> ownClass = own ? idClass(*own) : std::nullopt;

    if (ownClass == IdClass::Vulnerability) {
        // A JVNDB entry (VULDEF, iPedia RSS, MyJVN): its own id and the CVEs it names are one
        // vulnerability. Other JVNDB entries it names are other vulnerabilities: mentions.
        links.role = RecordLinks::Role::Vulnerability;
        links.ownIdIsAlias = true;
        links.aliases.push_back(*own);
        const bool ownJvndb = own->starts_with("JVNDB-");
        for (auto& v : vulnerabilities) {
            if (v == *own) {
                continue;
            }
            if (ownJvndb && v.starts_with("JVNDB-")) {
                links.mentions.push_back(std::move(v));
            } else {
                links.aliases.push_back(std::move(v));
            }
        }
        links.covers = std::move(advisories);
        std::erase(links.covers, *own);
        return links;
    }
    if (!mail) {
        // An advisory channel's document (a jvn.jp item, an alert): it belongs to its advisory,
        // which covers every vulnerability it names; other advisories are mentions.
        links.role = RecordLinks::Role::Advisory;
        links.advisory = own ? *own : std::string(trim(id));
        links.covers = std::move(vulnerabilities);
        links.mentions = std::move(advisories);
        std::erase(links.mentions, links.advisory);
        return links;
    }
    // Mail: by what it names.
    if (advisories.empty() && vulnerabilities.size() == 1) {
        links.role = RecordLinks::Role::Vulnerability;
        links.aliases = std::move(vulnerabilities);
        return links;
    }
    std::optional<std::string> ownAdvisory;
    if (advisories.size() == 1) {
        ownAdvisory = advisories.front();
    } else if (advisories.size() > 1) {
        // The one advisory its subject names, if exactly one.
        std::vector<std::string> inTitle;
        for (const auto& found : extractIds(title)) {
            if (idClass(found) == IdClass::Advisory) {
                inTitle.push_back(found);
            }
        }
        sortUnique(inTitle);
        if (inTitle.size() == 1 &&
            std::binary_search(advisories.begin(), advisories.end(), inTitle.front())) {
            ownAdvisory = inTitle.front();
        }
    }
    if (!ownAdvisory && !advisories.empty() && !isPeriodicReport(title)) {
        // A JPCERT/CC alert mail carries its own number in the body and may cite earlier alerts
        // (an 追加の注意喚起 names the first one) but never later ones: the newest JPCERT-AT id
        // is its own. Weekly reports, which cite many, only mention them.
        const auto newest =
            std::find_if(advisories.rbegin(), advisories.rend(),
                         [](const std::string& a) { return a.starts_with("JPCERT-AT-"); });
        if (newest != advisories.rend()) {
            ownAdvisory = *newest;
        }
    }
    if (ownAdvisory) {
        links.role = RecordLinks::Role::Advisory;
        links.advisory = *ownAdvisory;
        links.covers = std::move(vulnerabilities);
        links.mentions = std::move(advisories);
        std::erase(links.mentions, links.advisory);
        return links;
    }
    links.role = RecordLinks::Role::Mention;
    links.mentions = std::move(vulnerabilities);
    links.mentions.insert(links.mentions.end(), advisories.begin(), advisories.end());
    sortUnique(links.mentions);
    return links;
}

RecordLinks linksOf(const Advisory& record) {
    return linksOf(record.source, record.id, record.aliases, record.title);
}

std::string clusterKeyOf(const std::vector<std::string>& ids) {
    const auto best = std::min_element(ids.begin(), ids.end(), keyOrder);
    return best == ids.end() ? std::string() : *best;
}

// --- precedence ------------------------------------------------------------------------------

int sourceRank(std::string_view source) {
    if (source == "vuldef") {
        return 0;
    }
    if (source == "jvn-rss" || source == "myjvn") {
        return 1;
    }
    if (source == "jvn" || source == "myjvn-alert") {
        return 2;
    }
    if (source == "mail") {
        return 3;
    }
    return 4;
}

namespace {

std::string dateText(const std::optional<DateTime>& d) {
    return d ? formatIsoDateTime(*d) : std::string();
}

} // namespace

ShownFields chooseFields(const std::vector<RankedRecord>& records) {
    ShownFields out;
    if (records.empty()) {
        return out;
    }
    std::vector<std::size_t> order(records.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const RankedRecord& x = records[a];
        const RankedRecord& y = records[b];
        const int rx = sourceRank(x.record->source);
        const int ry = sourceRank(y.record->source);
        if (rx != ry) {
            return rx < ry;
        }
        if (x.lastSeen != y.lastSeen) {
            return x.lastSeen > y.lastSeen;
        }
        return dateText(x.record->modified) > dateText(y.record->modified);
    });
    const Advisory& first = *records[order.front()].record;
    out.shown.source = first.source;
    out.shown.id = first.id;
    out.shown.aliases = first.aliases;
    out.shown.withdrawn = first.withdrawn;
    out.provenance.push_back({"withdrawn", order.front()});

    // For each field: the first record in precedence order with a value for it.
    auto pick = [&](const char* field, auto has, auto take) {
        for (std::size_t i : order) {
            if (has(*records[i].record)) {
                take(*records[i].record);
                out.provenance.push_back({field, i});
                return;
            }
        }
    };
    pick(
        "title", [](const Advisory& a) { return !a.title.empty(); },
        [&](const Advisory& a) { out.shown.title = a.title; });
    pick(
        "summary", [](const Advisory& a) { return !a.summary.empty(); },
        [&](const Advisory& a) { out.shown.summary = a.summary; });
    pick(
        "url", [](const Advisory& a) { return !a.url.empty(); },
        [&](const Advisory& a) { out.shown.url = a.url; });
    pick(
        "cvss", [](const Advisory& a) { return !a.cvss.empty(); },
        [&](const Advisory& a) { out.shown.cvss = a.cvss; });
    pick(
        "cpes", [](const Advisory& a) { return !a.cpes.empty(); },
        [&](const Advisory& a) { out.shown.cpes = a.cpes; });
    pick(
        "affected", [](const Advisory& a) { return !a.affected.empty(); },
        [&](const Advisory& a) { out.shown.affected = a.affected; });
    pick(
        "published", [](const Advisory& a) { return a.published.has_value(); },
        [&](const Advisory& a) { out.shown.published = a.published; });
    pick(
        "modified", [](const Advisory& a) { return a.modified.has_value(); },
        [&](const Advisory& a) { out.shown.modified = a.modified; });
    return out;
}

// --- revisions -------------------------------------------------------------------------------

const char* revisionClassName(RevisionClass c) {
    switch (c) {
    case RevisionClass::New:
        return "new";
    case RevisionClass::Material:
        return "material";
    case RevisionClass::Cosmetic:
        return "cosmetic";
    }
    return "new";
}

namespace {

std::string scoreText(double score) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%.1f", score);
    return buffer;
}

std::string cvssText(const std::vector<Cvss>& cvss) {
    std::string out;
    for (const auto& c : cvss) {
        if (!out.empty()) {
            out += "; ";
        }
        out += "v" + c.version + " " + scoreText(c.score);
        if (!c.vector.empty()) {
            out += " " + c.vector;
        }
    }
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

std::string affectedText(const std::vector<AffectedItem>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += "; ";
        }
        out += item.vendor + " " + item.product;
        if (!item.cpe.empty()) {
            out += " (" + item.cpe + ")";
        }
        if (!item.versions.empty()) {
            out += ": " + joined(item.versions);
        }
    }
    return out;
}

std::string referencesText(const std::vector<Reference>& refs) {
    std::string out;
    for (const auto& r : refs) {
        if (!out.empty()) {
            out += ", ";
        }
        out += r.source + " " + r.id + " " + r.url;
    }
    return out;
}

std::string historyText(const std::vector<HistoryItem>& items) {
    std::string out;
    for (const auto& h : items) {
        out += std::to_string(h.number) + " " + dateText(h.date) + " " + h.description + "\n";
    }
    return out;
}

/// Only the ids of `after` that `before` lacks and that name a vulnerability or JVN advisory.
std::vector<std::string> addedIds(const std::vector<std::string>& before,
                                  const std::vector<std::string>& after) {
    std::set<std::string> old(before.begin(), before.end());
    std::vector<std::string> added;
    for (const auto& id : after) {
        if (old.count(id) == 0 && idClass(id).has_value()) {
            added.push_back(id);
        }
    }
    return added;
}

} // namespace

RevisionDiff classifyRevision(const Advisory* before, const Advisory& after) {
    RevisionDiff diff;
    if (before == nullptr) {
        diff.revisionClass = RevisionClass::New;
        return diff;
    }
    auto compare = [&](const char* field, const std::string& a, const std::string& b,
                       bool material) {
        if (a != b) {
            diff.changes.push_back({field, a, b, material});
        }
    };
    compare("withdrawn", before->withdrawn ? "true" : "false", after.withdrawn ? "true" : "false",
            true);
    compare("cvss", cvssText(before->cvss), cvssText(after.cvss), true);
    compare("affected", affectedText(before->affected), affectedText(after.affected), true);
    {
        // A CPE added is material (a product newly named); one removed is listed, not alerted.
        std::vector<std::string> a = before->cpes;
        std::vector<std::string> b = after.cpes;
        sortUnique(a);
        sortUnique(b);
        const bool added = std::any_of(b.begin(), b.end(), [&](const std::string& cpe) {
            return !std::binary_search(a.begin(), a.end(), cpe);
        });
        compare("cpes", joined(a), joined(b), added);
    }
    {
        std::vector<std::string> a = before->aliases;
        std::vector<std::string> b = after.aliases;
        sortUnique(a);
        sortUnique(b);
        compare("aliases", joined(a), joined(b), !addedIds(a, b).empty());
    }
    compare("title", before->title, after.title, false);
    compare("summary", before->summary, after.summary, false);
    compare("url", before->url, after.url, false);
    compare("published", dateText(before->published), dateText(after.published), false);
    compare("modified", dateText(before->modified), dateText(after.modified), false);
    compare("references", referencesText(before->references), referencesText(after.references),
            false);
    compare("history", historyText(before->history), historyText(after.history), false);
    compare("signature", before->signature, after.signature, false);
    const bool material = std::any_of(diff.changes.begin(), diff.changes.end(),
                                      [](const FieldChange& c) { return c.material; });
    diff.revisionClass = material ? RevisionClass::Material : RevisionClass::Cosmetic;
    return diff;
}

std::string changesJson(const std::vector<FieldChange>& changes) {
    std::string out = "[";
    for (const auto& c : changes) {
        if (out.size() > 1) {
            out += ',';
        }
        out += "{\"field\":";
        appendJsonString(out, c.field);
        out += ",\"before\":";
        appendJsonString(out, c.before);
        out += ",\"after\":";
        appendJsonString(out, c.after);
        out += ",\"material\":";
        out += c.material ? "true" : "false";
        out += '}';
    }
    out += ']';
    return out;
}

} // namespace vw
