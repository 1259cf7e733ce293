// `vulnwatch advisories list|show`: what the store knows of vulnerabilities (clusters) and the
// advisories that cover them (docs/correlation.md). Feed and mail text is untrusted: the human
// form passes every field through terminalSafe(), the JSON form escapes as JSON does.
#include "core/correlate.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/json_read.h"

#include <algorithm>
#include <charconv>
#include <iomanip>
#include <set>

namespace vw::cli {
namespace {

/// Title, aliases and the like: one line, no control characters.
std::string line(std::string_view text) {
    return terminalSafe(text);
}

/// Reads a stored record's JSON; a record this build cannot read is shown by its id only.
std::optional<Advisory> readRecord(const RecordRow& row, std::ostream& err) {
    try {
        return advisoryFromJson(row.json);
    } catch (const std::exception& e) {
        err << "vulnwatch: stored record " << line(row.recordId) << " from " << line(row.channel)
            << " is unreadable: " << e.what() << "\n";
        return std::nullopt;
    }
}

void writeRecordRef(JsonWriter& w, const RecordRow& r) {
    w.beginObject().key("channel").value(r.channel).key("source").value(r.source);
    w.key("id").value(r.recordId).key("title").value(r.title);
    w.key("first_seen").value(formatTime(r.firstSeen)).key("last_seen");
    w.value(formatTime(r.lastSeen)).endObject();
}

void writeClusterRef(JsonWriter& w, const ClusterRef& c) {
    w.beginObject().key("id").value(c.primaryId).key("key").value(c.key);
    w.key("aliases").beginArray();
    for (const std::string_view id : c.ids) {
        w.value(id);
    }
    w.endArray().key("title").value(c.title);
    w.key("max_score").value(c.maxScore).endObject();
}

/// The JSON of each cluster `advisoryId` covers, comma-separated, by key and then id as
/// Store::advisoryDetail sorts them. Each is written as it is read, into one writer, and only
/// its place is sorted: no copy of the clusters (an alert covering 2,000: 26% fewer
/// instructions than through advisoryDetail's ClusterSummary, callgrind).
void writeCoveredClusters(std::ostream& out, Store& store, std::int64_t advisoryId) {
    struct Placed {
        std::int64_t clusterId = 0;
        std::size_t keyAt = 0; // in `keys`
        std::size_t keyLength = 0;
        std::size_t at = 0; // in the writer's text
        std::size_t length = 0;
    };
    // Room for an alert's clusters from the start (about 250 bytes of JSON each): growing by
    // doubling copied the text and first touched twice the memory (100 page faults of an
    // alert covering 2,000). Only the pages written are ever touched.
    constexpr std::size_t kRoomFor = 2048; // clusters
    std::vector<Placed> placed;
    placed.reserve(kRoomFor);
    std::string keys;
    keys.reserve(kRoomFor * 20);
    JsonWriter all;
    all.reserve(kRoomFor * 320);
    all.beginArray();
    store.forEachCoveredCluster(advisoryId, [&](const ClusterRef& c) {
        std::size_t at = all.str().size();
        writeClusterRef(all, c);
        if (all.str()[at] == ',') {
            ++at; // the writer's separator from the one before
        }
        placed.push_back({c.clusterId, keys.size(), c.key.size(), at, all.str().size() - at});
        keys.append(c.key);
    });
    const auto keyOf = [&](const Placed& p) {
        return std::string_view(keys.data() + p.keyAt, p.keyLength);
    };
    std::sort(placed.begin(), placed.end(), [&](const Placed& a, const Placed& b) {
        return coveredClusterBefore(keyOf(a), a.clusterId, keyOf(b), b.clusterId);
    });
    const std::string_view text(all.str());
    for (std::size_t i = 0; i < placed.size(); ++i) {
        out << (i == 0 ? "" : ",") << text.substr(placed[i].at, placed[i].length);
    }
}

int showCluster(Context& ctx, Store& store, std::int64_t clusterId, bool json) {
    const ClusterDetail d = store.clusterDetail(clusterId);
    // The shown values by the documented precedence, with the record that supplied each.
    std::vector<Advisory> parsed;
    std::vector<const RecordRow*> parsedRows;
    for (const auto& r : d.records) {
        if (std::optional<Advisory> a = readRecord(r, ctx.err)) {
            parsed.push_back(std::move(*a));
            parsedRows.push_back(&r);
        }
    }
    std::vector<RankedRecord> ranked;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        ranked.push_back({&parsed[i], parsedRows[i]->channel, parsedRows[i]->lastSeen});
    }
    const ShownFields shown = chooseFields(ranked);
    std::map<std::int64_t, const RecordRow*> byRowId;
    for (const auto& r : d.records) {
        byRowId[r.rowId] = &r;
    }
    const std::vector<MatchRow> matches = store.matchesOfCluster(clusterId);

    if (json) {
        JsonWriter w;
        w.beginObject().key("type").value("vulnerability").key("id").value(d.primaryId);
        w.key("key").value(d.key).key("aliases").stringArray(d.aliases);
        w.key("title").value(shown.shown.title).key("max_score").value(shown.shown.maxScore());
        w.key("withdrawn").value(shown.shown.withdrawn);
        w.key("first_seen").value(formatTime(d.firstSeen));
        w.key("shown").raw(toJson(shown.shown));
        w.key("provenance").beginObject();
        for (const auto& p : shown.provenance) {
            const RecordRow& from = *parsedRows[p.index];
            w.key(p.field).beginObject().key("channel").value(from.channel);
            w.key("source").value(from.source).key("id").value(from.recordId).endObject();
        }
        w.endObject();
        w.key("records").beginArray();
        for (const auto& r : d.records) {
            w.beginObject().key("channel").value(r.channel).key("source").value(r.source);
            w.key("id").value(r.recordId).key("first_seen").value(formatTime(r.firstSeen));
            w.key("last_seen").value(formatTime(r.lastSeen)).key("record").raw(r.json);
            w.endObject();
        }
        w.endArray().key("advisories").stringArray(d.advisories);
        w.key("mentions").beginArray();
        for (const auto& r : d.mentions) {
            writeRecordRef(w, r);
        }
        w.endArray().key("revisions").beginArray();
        for (const auto& v : d.revisions) {
            const auto from = byRowId.find(v.recordRowId);
            w.beginObject();
            if (from != byRowId.end()) {
                w.key("channel").value(from->second->channel);
                w.key("record").value(from->second->recordId);
            }
            w.key("class").value(v.revisionClass).key("seen_at").value(formatTime(v.seenAt));
            w.key("changes").raw(v.changes.empty() ? "[]" : v.changes).endObject();
        }
        w.endArray().key("matches").beginArray();
        for (const auto& m : matches) {
            w.beginObject().key("state").value(m.state).key("match").raw(toJson(m.match));
            w.endObject();
        }
        w.endArray().endObject();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }

    std::ostream& out = ctx.out;
    out << line(d.primaryId) << "  " << line(shown.shown.title) << "\n";
    out << "  aliases:    " << line(joinedIds(d.aliases)) << "\n";
    out << "  stable key: " << line(d.key) << "\n";
    out << "  max CVSS:   " << std::fixed << std::setprecision(1) << shown.shown.maxScore()
        << (shown.shown.withdrawn ? "  (withdrawn)" : "") << "\n";
    out << "  first seen: " << formatTime(d.firstSeen) << "\n";
    if (!d.advisories.empty()) {
        out << "  covered by: " << line(joinedIds(d.advisories)) << "\n";
    }
    out << "  records (channel: id, first seen, last seen):\n";
    for (const auto& r : d.records) {
        out << "    " << line(r.channel) << " (" << line(r.source) << "): " << line(r.recordId)
            << "  " << formatTime(r.firstSeen) << "  " << formatTime(r.lastSeen) << "\n";
    }
    if (!shown.provenance.empty()) {
        out << "  shown values from:\n";
        for (const auto& p : shown.provenance) {
            out << "    " << std::left << std::setw(10) << p.field << " "
                << line(parsedRows[p.index]->channel) << " (" << line(parsedRows[p.index]->source)
                << "): " << line(parsedRows[p.index]->recordId) << "\n";
        }
    }
    for (const auto& v : d.revisions) {
        const auto from = byRowId.find(v.recordRowId);
        out << "  revision " << formatTime(v.seenAt) << " "
            << (v.revisionClass.empty() ? "(unclassified)" : v.revisionClass);
        if (from != byRowId.end()) {
            out << " of " << line(from->second->channel) << ": " << line(from->second->recordId);
        }
        out << "\n";
    }
    for (const auto& r : d.mentions) {
        out << "  mentioned by " << line(r.channel) << ": " << line(r.title) << "  "
            << formatTime(r.firstSeen) << "\n";
    }
    for (const auto& m : matches) {
        // The verdict first: an evaluation "not affected" is a record, not a hit.
        out << "  "
            << (m.match.verdict == "not-affected"   ? "not affected: "
                : m.match.verdict == "needs-review" ? "needs review: "
                                                    : "affects: ")
            << line(m.match.product) << (m.match.version.empty() ? "" : " " + line(m.match.version))
            << " (" << line(m.match.component) << "), " << m.match.confidence << "% "
            << m.match.method << ", " << m.state << ": " << line(m.match.reason) << "\n";
    }
    return kExitOk;
}

int showAdvisory(Context& ctx, Store& store, std::int64_t advisoryId, bool json) {
    Store::ReadTransaction read(store); // its records and its clusters from one snapshot
    // JSON: the clusters are written as they are read (writeCoveredClusters).
    const AdvisoryDetail d = store.advisoryDetail(advisoryId, !json);
    if (json) {
        JsonWriter w;
        w.beginObject().key("type").value("advisory").key("id").value(d.ident);
        w.key("first_seen").value(formatTime(d.firstSeen)).key("records").beginArray();
        for (const auto& r : d.records) {
            w.beginObject().key("channel").value(r.channel).key("source").value(r.source);
            w.key("id").value(r.recordId).key("first_seen").value(formatTime(r.firstSeen));
            w.key("last_seen").value(formatTime(r.lastSeen)).key("record").raw(r.json);
            w.endObject();
        }
        w.endArray().key("clusters").beginArray();
        ctx.out << w.str();
        const std::size_t written = w.str().size();
        writeCoveredClusters(ctx.out, store, advisoryId);
        w.endArray().key("mentions").beginArray();
        for (const auto& r : d.mentions) {
            writeRecordRef(w, r);
        }
        w.endArray().endObject();
        ctx.out << std::string_view(w.str()).substr(written) << "\n";
        return kExitOk;
    }
    std::ostream& out = ctx.out;
    const std::string title = d.records.empty() ? std::string() : d.records.front().title;
    out << line(d.ident) << "  " << line(title) << "\n";
    out << "  first seen: " << formatTime(d.firstSeen) << "\n";
    out << "  records (channel: id, first seen, last seen):\n";
    for (const auto& r : d.records) {
        out << "    " << line(r.channel) << " (" << line(r.source) << "): " << line(r.recordId)
            << "  " << formatTime(r.firstSeen) << "  " << formatTime(r.lastSeen) << "\n";
    }
    out << "  covers " << d.clusters.size() << " vulnerabilities:\n";
    for (const auto& c : d.clusters) {
        out << "    " << std::left << std::setw(20) << line(c.primaryId) << " " << std::fixed
            << std::setprecision(1) << std::setw(5) << c.maxScore << " " << line(c.title) << "\n";
    }
    for (const auto& r : d.mentions) {
        out << "  mentioned by " << line(r.channel) << ": " << line(r.title) << "  "
            << formatTime(r.firstSeen) << "\n";
    }
    return kExitOk;
}

double parseScore(const std::string& text) {
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0.0 || value > 10.0) {
        throw UsageError("--min-score expects a CVSS score from 0 to 10, e.g. 7.0");
    }
    return value;
}

} // namespace

std::string joinedIds(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) {
        out += (out.empty() ? "" : ", ") + id;
    }
    return out;
}

int cmdAdvisories(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError("advisories list | advisories show ID");
    }
    const std::string sub = args[0];
    Options opt({args.begin() + 1, args.end()}, {{"json", false},
                                                 {"since", true},
                                                 {"product", true},
                                                 {"min-score", true},
                                                 {"channel", true}});
    if (sub != "list" && sub != "show") {
        throw UsageError("advisories list | advisories show ID");
    }
    if (sub == "show" &&
        (opt.has("since") || opt.has("product") || opt.has("min-score") || opt.has("channel"))) {
        throw UsageError("advisories show takes only ID and --json");
    }
    // With --db the store is all these commands need: no config file is read.
    auto store = openStore(ctx, ctx.globals.db.empty() ? maybeConfig(ctx, false) : std::nullopt);
    const bool json = opt.has("json");
    if (sub == "list") {
        opt.expectPositional(0, 0, "no arguments besides the options");
        std::int64_t since = 0;
        if (opt.has("since")) {
            auto d = parseIsoDateTime(opt.get("since"));
            if (!d) {
                throw UsageError(
                    "--since expects a date like 2026-11-01 or 2026-11-01T09:00+09:00");
            }
            since = d->epoch;
        }
        const double minScore = opt.has("min-score") ? parseScore(opt.get("min-score")) : 0.0;
        std::optional<std::set<std::int64_t>> only;
        auto restrict = [&](const std::vector<std::int64_t>& ids) {
            std::set<std::int64_t> next(ids.begin(), ids.end());
            if (only) {
                std::set<std::int64_t> both;
                std::set_intersection(only->begin(), only->end(), next.begin(), next.end(),
                                      std::inserter(both, both.begin()));
                next = std::move(both);
            }
            only = std::move(next);
        };
        if (opt.has("product")) {
            std::vector<std::int64_t> ids;
            for (const auto& m : store->matches(opt.get("product"))) {
                if (m.match.verdict != "not-affected") { // evaluated: not this product's
                    ids.push_back(m.clusterId);
                }
            }
            restrict(ids);
        }
        if (opt.has("channel")) {
            restrict(store->clustersOfChannel(opt.get("channel")));
        }
        store->forEachCluster(since, [&](const ClusterSummary& c) {
            if ((only && only->count(c.clusterId) == 0) || c.maxScore < minScore) {
                return;
            }
            if (json) {
                JsonWriter w;
                w.beginObject().key("id").value(c.primaryId).key("key").value(c.key);
                w.key("aliases").stringArray(c.ids);
                w.key("title").value(c.title).key("max_score").value(c.maxScore);
                w.key("first_seen").value(formatTime(c.firstSeen)).endObject();
                ctx.out << w.str() << "\n";
            } else {
                ctx.out << std::left << std::setw(20) << line(c.primaryId) << " " << std::fixed
                        << std::setprecision(1) << std::setw(5) << c.maxScore << " "
                        << line(c.title) << "\n";
            }
        });
        return kExitOk;
    }
    opt.expectPositional(1, 1, "one ID (JVNDB-, CVE-, JVN#, JVNVU#, JVNTA, JPCERT-AT-, …)");
    // `show` reads a few hundred pages once and exits: through a memory map of the file (up to
    // SQLite's limit, 2 GiB here) they need no copy into SQLite's cache (an alert covering 2,000
    // clusters on 300k stored: 1.4 ms instead of 2.1 ms for its clusters). Not for `list`,
    // which reads the whole cluster table: mapped, all of it would count as its resident memory
    // (150 MB instead of 20 MB). The daemon and the writing commands keep plain reads.
    if (!store->db().isPostgres()) {
        store->db().exec("PRAGMA mmap_size = 2147418112");
    }
    const std::string raw = opt.positional()[0];
    const std::optional<std::string> id = normalizeId(raw);
    const std::string key = id ? *id : std::string(trim(raw));
    // An id of no known kind (e.g. MYJVN-ALT-2025-0011) may name either.
    const std::optional<IdClass> known = id ? idClass(*id) : std::nullopt;
    const bool advisoryId = known.has_value() && *known == IdClass::Advisory;
    const bool vulnerabilityId = known.has_value() && *known == IdClass::Vulnerability;
    if (!advisoryId) {
        if (const auto cluster = store->clusterOf(key)) {
            return showCluster(ctx, *store, *cluster, json);
        }
    }
    if (!vulnerabilityId) {
        if (const auto advisory = store->advisoryOf(key)) {
            return showAdvisory(ctx, *store, *advisory, json);
        }
    }
    ctx.err << "vulnwatch: nothing known as " << line(raw) << "\n";
    return kExitFailure;
}

} // namespace vw::cli
