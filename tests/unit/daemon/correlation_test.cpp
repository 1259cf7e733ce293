// Correlation across channels (issue 9, core/correlate.h): vulnerability ids (JVNDB-, CVE-) link
// records into one cluster; advisory ids (JVN#, JVNVU#, JVNTA, JPCERT-AT-) name documents that
// cover clusters and never merge them; a mail naming ids of several documents only mentions them.
// The files are ingested as the pipeline ingests a fetched batch (ingestBatch), in every order:
// the result must not depend on which channel spoke first.
#include "core/correlate.h"
#include "daemon/pipeline.h"
#include "feeds/parse/document.h"
#include "helpers/fixtures.h"
#include "store/store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace vw;
namespace fs = std::filesystem;

namespace {

// --- inputs ----------------------------------------------------------------------------------

/// One parsed file and the channel (configured source name) it is ingested as.
struct Input {
    std::string label; // the file name, for messages
    std::string channel;
    ParseResult parsed;
};

Input load(const fs::path& file, const std::string& channel) {
    Input in{file.filename().string(), channel, parseDocument(test::readFile(file), "auto")};
    INFO(file.string());
    REQUIRE_FALSE(in.parsed.records.empty());
    return in;
}

fs::path dataFile(const std::string& folder, const std::string& name) {
    return test::sourceDir() / "tests" / "data" / folder / name;
}

// The files of the Log4j story, all written for the project.
/// iPedia RSS written for the offline demo: JVNDB-2021-005429 (CVE-2021-44228, JVNVU#96768815,
/// JPCERT-AT-2021-0050) and three other entries.
Input demoRss() {
    return load(test::sourceDir() / "demo" / "feeds" / "jvndb_new_demo.rdf", "jvndb-new");
}
/// VULDEF detail: JVNDB-2021-005429 again, JVNDB-2021-006139 (CVE-2021-45105, same advisories),
/// JVNDB-2024-000901 (CVE-2024-99901, JVN#90000901), Heartbleed (JVNVU#94401838), three more.
Input vuldefDetail() {
    return load(dataFile("vuldef", "detail_written_for_vulnwatch.xml"), "vuldef-detail");
}
/// An IPA notice naming JVNDB-2021-005429 and nothing else.
Input ipaMail() {
    return load(dataFile("mail", "ipa_log4j_jvndb_utf8_qp.eml"), "ipa-mail");
}
/// The jvn.jp feed: JVNVU#96768815 (the three Log4j CVEs) and JVN#90000901 (CVE-2024-99901).
Input jvnFeed() {
    return load(dataFile("jvn", "jvn_feed_written_for_vulnwatch.rdf"), "jvn-feed");
}
/// A weekly report naming JVNVU#96768815, JVNVU#94401838 and JVN#90000901, none in its subject.
Input weeklyMail() {
    return load(dataFile("mail", "jpcert_weekly_iso2022jp.eml"), "jpcert-weekly");
}
/// A signed notice naming one advisory (JVNVU#96768815) and CVE-2021-44228: it belongs to the
/// advisory, which covers that CVE's cluster.
Input pgpMail() {
    return load(dataFile("mail", "pgp_mime_signed.eml"), "jpcert-mail");
}

constexpr std::int64_t kStart = 1'700'000'000;

/// A fresh in-memory store with the inputs ingested in this order, one batch per input.
std::unique_ptr<Store> importInOrder(const std::vector<const Input*>& order) {
    auto store = Store::inMemory();
    std::int64_t now = kStart;
    for (const Input* in : order) {
        ingestBatch(*store, {}, in->channel, in->parsed, now);
        now += 60;
    }
    return store;
}

std::string orderText(const std::vector<const Input*>& order) {
    std::string text;
    for (const Input* in : order) {
        text += (text.empty() ? "" : " > ") + in->label;
    }
    return text;
}

// --- the canonical result ----------------------------------------------------------------------

std::string setText(const std::set<std::string>& ids) {
    std::string text = "{";
    for (const auto& id : ids) {
        text += (text.size() > 1 ? ", " : "") + id;
    }
    return text + "}";
}

/// What the store made of the records, independent of row ids and times, as lines: every cluster
/// as its alias set, every advisory and each cluster it covers, every mention, and what each
/// record links to. Two stores hold the same correlation exactly when their lines are equal.
std::set<std::string> canonicalOf(Store& store) {
    std::map<std::int64_t, std::set<std::string>> aliases;
    {
        auto q = store.db().prepare("SELECT id FROM cluster");
        while (q.step()) {
            aliases[q.integer(0)];
        }
    }
    {
        auto q = store.db().prepare("SELECT cluster_id, id FROM alias");
        while (q.step()) {
            aliases[q.integer(0)].insert(q.text(1));
        }
    }
    const auto clusterText = [&](std::int64_t id) { return setText(aliases.at(id)); };

    std::set<std::string> lines;
    lines.insert("clusters: " + std::to_string(aliases.size()));
    for (const auto& [id, ids] : aliases) {
        lines.insert("cluster " + setText(ids));
    }
    {
        auto q = store.db().prepare("SELECT a.ident, ac.cluster_id FROM advisory a "
                                    "LEFT JOIN advisory_cluster ac ON ac.advisory_id = a.id");
        while (q.step()) {
            lines.insert("advisory " + q.text(0));
            if (!q.isNull(1)) {
                lines.insert("advisory " + q.text(0) + " covers " + clusterText(q.integer(1)));
            }
        }
    }
    {
        auto q = store.db().prepare("SELECT r.channel, r.record_id, m.ident FROM mention m JOIN "
                                    "record r ON r.id = m.record_id");
        while (q.step()) {
            lines.insert("mention " + q.text(0) + "/" + q.text(1) + " names " + q.text(2));
        }
    }
    {
        auto q =
            store.db().prepare("SELECT r.channel, r.record_id, r.source, r.cluster_id, a.ident "
                               "FROM record r LEFT JOIN advisory a ON a.id = r.advisory_id");
        while (q.step()) {
            std::string line = "record " + q.text(0) + "/" + q.text(1) + " (" + q.text(2) + ")";
            if (!q.isNull(3)) {
                line += " in " + clusterText(q.integer(3));
            }
            if (!q.isNull(4)) {
                line += " of advisory " + q.text(4);
            }
            if (q.isNull(3) && q.isNull(4)) {
                line += " links nothing";
            }
            lines.insert(line);
        }
    }
    return lines;
}

/// One record and the channel it comes from.
struct ChannelRecord {
    std::string channel;
    const Advisory* record = nullptr;
};

std::vector<ChannelRecord> recordsOf(const std::vector<Input>& inputs) {
    std::vector<ChannelRecord> out;
    for (const auto& in : inputs) {
        for (const auto& r : in.parsed.records) {
            out.push_back({in.channel, &r});
        }
    }
    return out;
}

/// The canonical lines the rules call for, computed without the store: linksOf for each record,
/// then a union-find over vulnerability ids (a cluster is a connected set of them).
std::set<std::string> modelOf(const std::vector<ChannelRecord>& records) {
    std::map<std::string, std::string> parent;
    const auto find = [&](std::string id) {
        parent.emplace(id, id);
        while (parent.at(id) != id) {
            id = parent.at(id);
        }
        return id;
    };
    const auto unite = [&](const std::string& a, const std::string& b) {
        const std::string ra = find(a);
        const std::string rb = find(b);
        if (ra != rb) {
            parent[rb] = ra;
        }
    };
    std::vector<RecordLinks> links;
    for (const auto& r : records) {
        links.push_back(linksOf(*r.record));
        const RecordLinks& l = links.back();
        if (l.role == RecordLinks::Role::Vulnerability) {
            for (const auto& id : l.aliases) {
                unite(l.aliases.front(), id);
            }
        } else if (l.role == RecordLinks::Role::Advisory) {
            for (const auto& id : l.covers) {
                find(id);
            }
        }
    }
    std::map<std::string, std::set<std::string>> clusters; // root → aliases
    for (const auto& [id, unused] : parent) {
        clusters[find(id)].insert(id);
    }
    const auto clusterText = [&](const std::string& id) { return setText(clusters.at(find(id))); };

    std::set<std::string> lines;
    lines.insert("clusters: " + std::to_string(clusters.size()));
    for (const auto& [root, ids] : clusters) {
        lines.insert("cluster " + setText(ids));
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
        const RecordLinks& l = links[i];
        const Advisory& a = *records[i].record;
        const std::string name = records[i].channel + "/" + a.id;
        std::string line = "record " + name + " (" + a.source + ")";
        switch (l.role) {
        case RecordLinks::Role::Vulnerability:
            line += " in " + clusterText(l.aliases.front());
            for (const auto& ident : l.covers) {
                lines.insert("advisory " + ident);
                lines.insert("advisory " + ident + " covers " + clusterText(l.aliases.front()));
            }
            break;
        case RecordLinks::Role::Advisory:
            line += " of advisory " + l.advisory;
            lines.insert("advisory " + l.advisory);
            for (const auto& id : l.covers) {
                lines.insert("advisory " + l.advisory + " covers " + clusterText(id));
            }
            break;
        case RecordLinks::Role::Mention:
            line += " links nothing";
            break;
        }
        lines.insert(line);
        for (const auto& ident : l.mentions) {
            lines.insert("mention " + name + " names " + ident);
            if (idClass(ident) == IdClass::Advisory) {
                lines.insert("advisory " + ident); // a mentioned advisory is known by name
            }
        }
    }
    return lines;
}

/// The lines only in `expected` ("- …") and only in `actual` ("+ …"); empty when equal.
std::vector<std::string> differences(const std::set<std::string>& expected,
                                     const std::set<std::string>& actual) {
    std::vector<std::string> out;
    for (const auto& line : expected) {
        if (!actual.contains(line)) {
            out.push_back("- " + line);
        }
    }
    for (const auto& line : actual) {
        if (!expected.contains(line)) {
            out.push_back("+ " + line);
        }
    }
    return out;
}

std::vector<std::string> strings(std::initializer_list<const char*> items) {
    return {items.begin(), items.end()};
}

std::vector<std::int64_t> sortedIds(std::initializer_list<std::int64_t> ids) {
    std::vector<std::int64_t> out(ids);
    std::sort(out.begin(), out.end());
    return out;
}

std::int64_t clusterCount(Store& store) {
    auto q = store.db().prepare("SELECT COUNT(*) FROM cluster");
    REQUIRE(q.step());
    return q.integer(0);
}

/// How many cluster merges the store logged: the orders that merge are the ones worth testing.
std::int64_t mergesLogged(Store& store) {
    auto q = store.db().prepare("SELECT COUNT(*) FROM event_log WHERE kind = 'cluster-merge'");
    REQUIRE(q.step());
    return q.integer(0);
}

/// The checks of the Log4j story on a store holding the demo RSS, the VULDEF detail, the IPA mail
/// and the jvn.jp feed (and, when `weekly`, the weekly report).
void checkLog4jStory(Store& store, bool weekly) {
    // One cluster for the vulnerability, with a record from each of its three channels.
    const auto log4j = store.clusterOf("JVNDB-2021-005429");
    REQUIRE(log4j);
    CHECK(store.clusterOf("CVE-2021-44228") == log4j);
    const ClusterDetail detail = store.clusterDetail(*log4j);
    CHECK(detail.aliases == strings({"CVE-2021-44228", "JVNDB-2021-005429"}));
    std::multiset<std::string> channels;
    std::set<std::string> sources;
    for (const auto& r : detail.records) {
        channels.insert(r.channel + "/" + r.recordId);
        sources.insert(r.source);
    }
    CHECK(channels == std::multiset<std::string>{"ipa-mail/ipa-2021-1215-log4j@example.jp",
                                                 "jvndb-new/JVNDB-2021-005429",
                                                 "vuldef-detail/JVNDB-2021-005429"});
    CHECK(sources == std::set<std::string>{"jvn-rss", "mail", "vuldef"});
    CHECK(detail.advisories == strings({"JPCERT-AT-2021-0050", "JVNVU#96768815"}));

    // JVNVU#96768815 covers the three Log4j vulnerabilities: three clusters, one advisory.
    const auto c45046 = store.clusterOf("CVE-2021-45046");
    const auto c45105 = store.clusterOf("CVE-2021-45105");
    REQUIRE(c45046);
    REQUIRE(c45105);
    CHECK(std::set<std::int64_t>{*log4j, *c45046, *c45105}.size() == 3);
    CHECK(store.clusterOf("JVNDB-2021-006139") == c45105);
    CHECK(store.clusterDetail(*c45105).aliases == strings({"CVE-2021-45105", "JVNDB-2021-006139"}));
    CHECK(store.clusterDetail(*c45046).aliases == strings({"CVE-2021-45046"}));
    const auto vu = store.advisoryOf("JVNVU#96768815");
    REQUIRE(vu);
    CHECK(store.coveredClusters(*vu) == sortedIds({*log4j, *c45046, *c45105}));
    const AdvisoryDetail advisory = store.advisoryDetail(*vu);
    REQUIRE(advisory.records.size() == 1);
    CHECK(advisory.records[0].channel == "jvn-feed");
    CHECK(advisory.records[0].source == "jvn");
    CHECK(advisory.records[0].recordId == "JVNVU#96768815");
    CHECK(store.clusterOf("JVNVU#96768815") == std::nullopt); // never an alias
    CHECK(store.coveringAdvisories(*c45046) == strings({"JVNVU#96768815"}));

    // The JPCERT/CC alert covers both Log4j entries that name it, without merging them.
    const auto alert = store.advisoryOf("JPCERT-AT-2021-0050");
    REQUIRE(alert);
    CHECK(store.coveredClusters(*alert) == sortedIds({*log4j, *c45105}));
    CHECK(store.coveringAdvisories(*c45105) == strings({"JPCERT-AT-2021-0050", "JVNVU#96768815"}));

    // JVN#90000901 (jvn.jp item) covers the cluster of its CVE, which VULDEF's entry joined.
    const auto hg200 = store.clusterOf("CVE-2024-99901");
    REQUIRE(hg200);
    CHECK(store.clusterOf("JVNDB-2024-000901") == hg200);
    const auto jvn = store.advisoryOf("JVN#90000901");
    REQUIRE(jvn);
    CHECK(store.coveredClusters(*jvn) == std::vector<std::int64_t>{*hg200});

    // VULDEF's seven entries, the RSS-only JVNDB-2023-000001 and the feed-only CVE-2021-45046.
    CHECK(clusterCount(store) == 9);

    if (weekly) {
        auto q = store.db().prepare(
            "SELECT cluster_id IS NULL AND advisory_id IS NULL FROM record WHERE record_id = ?1");
        q.bind(1, "wr20240605.weekly@example.jp");
        REQUIRE(q.step());
        CHECK(q.integer(0) == 1); // neither a cluster's record nor an advisory's
        auto m =
            store.db().prepare("SELECT m.ident FROM mention m JOIN record r ON r.id = m.record_id "
                               "WHERE r.record_id = ?1 ORDER BY m.ident");
        m.bind(1, "wr20240605.weekly@example.jp");
        std::vector<std::string> mentioned;
        while (m.step()) {
            mentioned.push_back(m.text(0));
        }
        CHECK(mentioned == strings({"JVN#90000901", "JVNVU#94401838", "JVNVU#96768815"}));
        bool listed = false;
        for (const auto& r : advisory.mentions) {
            listed = listed || r.recordId == "wr20240605.weekly@example.jp";
        }
        CHECK(listed);
    }
}

// --- synthetic records -----------------------------------------------------------------------

/// A fixed-seed generator whose draws are the same on every standard library (mt19937's
/// sequence is specified; the distributions are not, so none is used).
class Draw {
public:
    explicit Draw(std::uint32_t seed) : gen_(seed) {}
    std::size_t below(std::size_t n) { return gen_() % n; }
    bool percent(std::size_t p) { return below(100) < p; }
    template <typename T>
    void shuffle(std::vector<T>& items) {
        for (std::size_t i = items.size(); i > 1; --i) {
            std::swap(items[i - 1], items[below(i)]);
        }
    }

private:
    std::mt19937 gen_;
};

std::string padded(std::size_t n, std::size_t width) {
    std::string digits = std::to_string(n);
    return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
}
std::string cveId(std::size_t n) {
    return "CVE-2030-" + std::to_string(10000 + n);
}
std::string jvndbId(std::size_t n) {
    return "JVNDB-2030-" + padded(n, 6);
}
std::string jvnvuId(std::size_t n) {
    return "JVNVU#" + std::to_string(91000000 + n);
}
std::string jvnId(std::size_t n) {
    return "JVN#" + std::to_string(92000000 + n);
}
std::string alertId(std::size_t n) {
    return "JPCERT-AT-2030-" + padded(n, 4);
}

struct SyntheticRecord {
    std::string channel;
    Advisory record;
};

/// About 200 records of every kind, linked as real ones are: VULDEF entries with 1–3 CVEs (some
/// sharing a JVNVU# or an alert), iPedia RSS items of some of them naming fewer CVEs, a few
/// entries whose CVEs bridge two others, jvn.jp items covering 1–10 CVEs (some never seen
/// elsewhere), and mails of each kind.
std::vector<SyntheticRecord> syntheticRecords() {
    Draw draw(20240605);
    std::vector<SyntheticRecord> out;
    std::size_t mails = 0;
    const auto add = [&](const std::string& channel, const std::string& source,
                         const std::string& id, std::vector<std::string> aliases,
                         const std::string& title) {
        Advisory a;
        a.source = source;
        a.id = id;
        std::sort(aliases.begin(), aliases.end());
        aliases.erase(std::unique(aliases.begin(), aliases.end()), aliases.end());
        std::erase(aliases, id);
        a.aliases = std::move(aliases);
        a.title = title;
        a.summary = title + ": " + setText({a.aliases.begin(), a.aliases.end()});
        out.push_back({channel, std::move(a)});
    };
    const auto mail = [&](std::vector<std::string> ids, const std::string& subject) {
        add("mail", "mail", "synthetic." + std::to_string(mails++) + "@example.jp", std::move(ids),
            subject);
    };

    // VULDEF entries 0..69, each with fresh CVEs.
    constexpr std::size_t kEntries = 70;
    std::vector<std::vector<std::string>> cves(kEntries);
    std::vector<std::string> allCves;
    for (std::size_t i = 0; i < kEntries; ++i) {
        for (std::size_t n = 1 + draw.below(3); n > 0; --n) {
            cves[i].push_back(cveId(allCves.size()));
            allCves.push_back(cves[i].back());
        }
        std::vector<std::string> aliases = cves[i];
        if (draw.percent(33)) {
            aliases.push_back(jvnvuId(draw.below(8)));
        }
        if (draw.percent(10)) {
            aliases.push_back(alertId(draw.below(3)));
        }
        if (i > 0 && draw.percent(10)) {
            aliases.push_back(jvndbId(draw.below(i))); // another entry: a mention
        }
        add("vuldef", "vuldef", jvndbId(i), aliases, "synthetic VULDEF entry");
    }
    // iPedia RSS items of 40 distinct entries, naming a non-empty prefix of their CVEs.
    std::vector<std::size_t> entries(kEntries);
    std::iota(entries.begin(), entries.end(), 0);
    draw.shuffle(entries);
    for (std::size_t k = 0; k < 40; ++k) {
        const std::size_t i = entries[k];
        std::vector<std::string> aliases(cves[i].begin(),
                                         cves[i].begin() + 1 + draw.below(cves[i].size()));
        if (draw.percent(20)) {
            aliases.push_back(jvnvuId(draw.below(8)));
        }
        add("rss", "jvn-rss", jvndbId(i), aliases, "synthetic iPedia item");
    }
    // Six entries naming a CVE of each of two others: the three become one vulnerability.
    for (std::size_t k = 0; k < 6; ++k) {
        const std::size_t a = draw.below(kEntries);
        const std::size_t b = (a + 1 + draw.below(kEntries - 1)) % kEntries;
        add("vuldef", "vuldef", jvndbId(kEntries + k),
            {cves[a][draw.below(cves[a].size())], cves[b][draw.below(cves[b].size())]},
            "synthetic bridging entry");
    }
    // jvn.jp items: JVNVU# 0..14 and JVN# 0..9, covering known CVEs and a few new ones.
    for (std::size_t k = 0; k < 25; ++k) {
        std::vector<std::string> aliases;
        for (std::size_t n = 1 + draw.below(10); n > 0; --n) {
            aliases.push_back(draw.percent(85) ? allCves[draw.below(allCves.size())]
                                               : cveId(1000 + draw.below(30)));
        }
        if (draw.percent(15)) {
            aliases.push_back(jvndbId(draw.below(kEntries)));
        }
        if (draw.percent(15)) {
            aliases.push_back(jvnvuId(draw.below(15))); // another advisory: a mention
        }
        add("jvn-feed", "jvn", k < 15 ? jvnvuId(k) : jvnId(k - 15), aliases, "synthetic jvn item");
    }
    const auto someCve = [&] { return allCves[draw.below(allCves.size())]; };
    const auto someAdvisory = [&] {
        switch (draw.below(3)) {
        case 0:
            return jvnvuId(draw.below(15));
        case 1:
            return jvnId(draw.below(10));
        default:
            return alertId(draw.below(3));
        }
    };
    const auto severalAdvisories = [&] {
        std::vector<std::string> ids{someAdvisory(), someAdvisory()};
        while (ids[1] == ids[0]) {
            ids[1] = someAdvisory();
        }
        if (draw.percent(50)) {
            ids.push_back(someAdvisory());
        }
        return ids;
    };
    for (std::size_t k = 0; k < 15; ++k) { // one CVE: joins its cluster (or makes one)
        mail({draw.percent(90) ? someCve() : cveId(2000 + k)}, "notice about one CVE");
    }
    for (std::size_t k = 0; k < 10; ++k) { // one JVNDB id: joins that entry's cluster
        mail({jvndbId(draw.below(kEntries + 6))}, "notice about one JVNDB entry");
    }
    for (std::size_t k = 0; k < 10; ++k) { // one advisory and CVEs: belongs to it, covers them
        std::vector<std::string> ids{someAdvisory()};
        for (std::size_t n = 1 + draw.below(3); n > 0; --n) {
            ids.push_back(someCve());
        }
        mail(ids, "notice about one advisory");
    }
    for (std::size_t k = 0; k < 10; ++k) { // several advisories, one in the subject
        std::vector<std::string> ids = severalAdvisories();
        ids.push_back(someCve());
        const std::string own = ids[draw.below(2)];
        mail(ids, "[alert] " + own + " の更新");
    }
    for (std::size_t k = 0; k < 10; ++k) { // several advisories, none in the subject
        std::vector<std::string> ids = severalAdvisories();
        if (draw.percent(50)) {
            ids.push_back(someCve());
        }
        mail(ids, "weekly report " + std::to_string(k));
    }
    for (std::size_t k = 0; k < 5; ++k) { // two CVEs, no advisory: mentions, merging nothing
        mail({someCve(), someCve()}, "notice about two CVEs");
    }
    return out;
}

} // namespace

TEST_CASE("The written jvn.jp feed and mails name the ids the correlation tests rely on",
          "[correlation]") {
    const Input feed = jvnFeed();
    REQUIRE(feed.parsed.records.size() == 2);
    CHECK(feed.parsed.problems.empty());
    CHECK(feed.parsed.records[0].source == "jvn");
    CHECK(feed.parsed.records[0].id == "JVNVU#96768815");
    CHECK(feed.parsed.records[0].aliases ==
          strings({"CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"}));
    CHECK(feed.parsed.records[1].source == "jvn");
    CHECK(feed.parsed.records[1].id == "JVN#90000901");
    CHECK(feed.parsed.records[1].aliases == strings({"CVE-2024-99901"}));

    const Input ipa = ipaMail();
    REQUIRE(ipa.parsed.records.size() == 1);
    CHECK(ipa.parsed.records[0].aliases == strings({"JVNDB-2021-005429"}));
    CHECK(linksOf(ipa.parsed.records[0]).role == RecordLinks::Role::Vulnerability);

    const Input weekly = weeklyMail();
    REQUIRE(weekly.parsed.records.size() == 1);
    CHECK(weekly.parsed.records[0].aliases ==
          strings({"JVN#90000901", "JVNVU#94401838", "JVNVU#96768815"}));
    CHECK(linksOf(weekly.parsed.records[0]).role == RecordLinks::Role::Mention);

    const Input pgp = pgpMail();
    REQUIRE(pgp.parsed.records.size() == 1);
    CHECK(pgp.parsed.records[0].aliases == strings({"CVE-2021-44228", "JVNVU#96768815"}));
    const RecordLinks pgpLinks = linksOf(pgp.parsed.records[0]);
    CHECK(pgpLinks.role == RecordLinks::Role::Advisory);
    CHECK(pgpLinks.advisory == "JVNVU#96768815");
}

TEST_CASE("One vulnerability from iPedia RSS, VULDEF and an IPA mail is one cluster, covered by "
          "its JVNVU# advisory from the jvn.jp feed, in any order",
          "[correlation]") {
    const std::vector<Input> inputs{demoRss(), vuldefDetail(), ipaMail(), jvnFeed(), weeklyMail()};
    const Input& weekly = inputs.back();

    // Without the weekly report, for the "merges nothing" comparison.
    std::vector<const Input*> withoutWeekly;
    for (const auto& in : inputs) {
        if (&in != &weekly) {
            withoutWeekly.push_back(&in);
        }
    }
    auto plain = importInOrder(withoutWeekly);
    checkLog4jStory(*plain, false);
    const std::set<std::string> plainLines = canonicalOf(*plain);
    // What the weekly report adds: its record, linked to nothing, and three mentions.
    const std::vector<std::string> weeklyAdds{
        "+ mention jpcert-weekly/wr20240605.weekly@example.jp names JVN#90000901",
        "+ mention jpcert-weekly/wr20240605.weekly@example.jp names JVNVU#94401838",
        "+ mention jpcert-weekly/wr20240605.weekly@example.jp names JVNVU#96768815",
        "+ record jpcert-weekly/wr20240605.weekly@example.jp (mail) links nothing",
    };

    std::vector<const Input*> order;
    for (const auto& in : inputs) {
        order.push_back(&in);
    }
    std::sort(order.begin(), order.end());
    int orders = 0;
    do {
        INFO("order: " << orderText(order));
        auto store = importInOrder(order);
        checkLog4jStory(*store, true);
        CHECK(differences(plainLines, canonicalOf(*store)) == weeklyAdds);
        ++orders;
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(orders == 120);
}

TEST_CASE("Six files in all 720 orders give one correlation, the one the rules call for",
          "[correlation][orders]") {
    const std::vector<Input> inputs{demoRss(), vuldefDetail(), ipaMail(),
                                    jvnFeed(), weeklyMail(),   pgpMail()};
    const std::set<std::string> expected = modelOf(recordsOf(inputs));
    // The signed notice belongs to JVNVU#96768815, which it says covers CVE-2021-44228.
    REQUIRE(expected.contains("record jpcert-mail/pgpmime.0001@example.jp (mail) of advisory "
                              "JVNVU#96768815"));
    REQUIRE(
        expected.contains("advisory JVNVU#96768815 covers {CVE-2021-44228, JVNDB-2021-005429}"));

    std::vector<const Input*> order;
    for (const auto& in : inputs) {
        order.push_back(&in);
    }
    std::sort(order.begin(), order.end());
    int orders = 0;
    int failures = 0;
    int ordersMerging = 0; // a CVE's cluster made first, joined later by its JVNDB entry
    do {
        INFO("order: " << orderText(order));
        auto store = importInOrder(order);
        const std::vector<std::string> diff = differences(expected, canonicalOf(*store));
        CHECK(diff.empty());
        failures += diff.empty() ? 0 : 1;
        ordersMerging += mergesLogged(*store) > 0 ? 1 : 0;
        if (orders % 60 == 0) {
            // Importing everything again (unchanged) changes nothing.
            for (const Input* in : order) {
                ingestBatch(*store, {}, in->channel, in->parsed, kStart + 3600);
            }
            CHECK(differences(expected, canonicalOf(*store)).empty());
        }
        ++orders;
        if (failures >= 3) {
            FAIL("stopping after three orders that differ");
        }
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(orders == 720);
    CHECK(ordersMerging >= 100);
}

TEST_CASE("About 200 synthetic records in 50 random orders give one correlation, the one the "
          "rules call for",
          "[correlation][orders]") {
    const std::vector<SyntheticRecord> records = syntheticRecords();
    REQUIRE(records.size() >= 190);
    std::vector<ChannelRecord> all;
    std::map<RecordLinks::Role, int> roles;
    for (const auto& r : records) {
        for (const auto& id : r.record.aliases) {
            REQUIRE(idClass(id).has_value()); // every generated id is one the rules know
        }
        all.push_back({r.channel, &r.record});
        ++roles[linksOf(r.record).role];
    }
    // Every role is exercised, and by enough records.
    CHECK(roles[RecordLinks::Role::Vulnerability] >= 100);
    CHECK(roles[RecordLinks::Role::Advisory] >= 40);
    CHECK(roles[RecordLinks::Role::Mention] >= 10);
    const std::set<std::string> expected = modelOf(all);
    // The bridges merged entries: fewer clusters than vulnerability records' own ids.
    CHECK(std::count_if(expected.begin(), expected.end(), [](const std::string& line) {
              return line.starts_with("cluster {") &&
                     line.find("JVNDB-2030-000", 0) != line.rfind("JVNDB-2030-000");
          }) >= 3);

    std::vector<std::size_t> order(records.size());
    std::iota(order.begin(), order.end(), 0);
    Draw draw(7);
    int failures = 0;
    for (int round = 0; round < 50; ++round) {
        draw.shuffle(order);
        INFO("round " << round << ", first records: " << records[order[0]].record.id << ", "
                      << records[order[1]].record.id << ", " << records[order[2]].record.id);
        auto store = Store::inMemory();
        std::int64_t now = kStart;
        for (const std::size_t i : order) {
            ParseResult batch;
            batch.records.push_back(records[i].record);
            ingestBatch(*store, {}, records[i].channel, batch, now++);
        }
        const std::vector<std::string> diff = differences(expected, canonicalOf(*store));
        CHECK(diff.empty());
        failures += diff.empty() ? 0 : 1;
        CHECK(mergesLogged(*store) > 0);
        if (failures >= 3) {
            FAIL("stopping after three orders that differ");
        }
    }
}

TEST_CASE("Real JVN iPedia fixtures: one cluster per JVNDB id, advisories covering, none merged",
          "[correlation][fixtures]") {
    VW_REQUIRE_FIXTURES();
    const fs::path dir = test::fixturesDir() / "jvn";
    // The detail feed's JVNDB-2021-005429 (trimmed: it names JPCERT-AT-2021-0050 only) and the
    // yearly RSS naming the same entry with its CVE and JVNVU#; JVNDB-2023-000001 in two RSS
    // files; the other real RSS and detail fixtures.
    const std::vector<Input> inputs{
        load(dir / "jvndb_detail_2021_trimmed.rdf", "jvndb-detail"),
        load(dir / "jvndb_years_2021_trimmed.rdf", "jvndb-years"),
        load(dir / "jvndb_years_2022_trimmed.rdf", "jvndb-years"),
        load(dir / "jvndb_years_2023_trimmed.rdf", "jvndb-years"),
        load(dir / "jvndb_years_2007_trimmed.rdf", "jvndb-years"),
        load(dir / "jvndb_2023-11_trimmed.rdf", "jvndb"),
        load(dir / "jvndb_new_2023-11_trimmed.rdf", "jvndb-new"),
        load(dir / "jvndb_detail_2023_trimmed.rdf", "jvndb-detail"),
    };
    std::map<std::string, std::set<std::string>> aliasesOf;  // JVNDB id → its CVEs and itself
    std::map<std::string, std::set<std::string>> coveredBy;  // advisory → JVNDB ids
    std::map<std::string, std::set<std::string>> channelsOf; // JVNDB id → channel/source
    for (const auto& in : inputs) {
        for (const auto& r : in.parsed.records) {
            const RecordLinks links = linksOf(r);
            REQUIRE(links.role == RecordLinks::Role::Vulnerability);
            REQUIRE(r.id.starts_with("JVNDB-"));
            aliasesOf[r.id].insert(links.aliases.begin(), links.aliases.end());
            channelsOf[r.id].insert(in.channel + "/" + r.source);
            for (const auto& ident : links.covers) {
                coveredBy[ident].insert(r.id);
            }
        }
    }
    REQUIRE(aliasesOf.size() >= 10);
    CHECK(aliasesOf.at("JVNDB-2021-005429") ==
          std::set<std::string>{"CVE-2021-44228", "JVNDB-2021-005429"});
    CHECK(coveredBy.at("JVNVU#96768815") == std::set<std::string>{"JVNDB-2021-005429"});

    std::vector<const Input*> forward;
    for (const auto& in : inputs) {
        forward.push_back(&in);
    }
    const std::vector<const Input*> backward(forward.rbegin(), forward.rend());
    const std::set<std::string> expected = modelOf(recordsOf(inputs));
    for (const auto& order : {forward, backward}) {
        INFO("order: " << orderText(order));
        auto store = importInOrder(order);
        CHECK(differences(expected, canonicalOf(*store)).empty());

        // One cluster per JVNDB id, holding that entry's CVEs, and no other cluster.
        std::set<std::int64_t> clusters;
        for (const auto& [id, aliases] : aliasesOf) {
            INFO(id);
            const auto cluster = store->clusterOf(id);
            REQUIRE(cluster);
            clusters.insert(*cluster);
            const ClusterDetail detail = store->clusterDetail(*cluster);
            CHECK(std::set<std::string>(detail.aliases.begin(), detail.aliases.end()) == aliases);
            std::set<std::string> channels;
            for (const auto& r : detail.records) {
                channels.insert(r.channel + "/" + r.source);
            }
            CHECK(channels == channelsOf.at(id));
        }
        CHECK(clusters.size() == aliasesOf.size());
        CHECK(clusterCount(*store) == static_cast<std::int64_t>(aliasesOf.size()));

        // Each advisory id covers exactly the clusters of the entries naming it.
        for (const auto& [ident, ids] : coveredBy) {
            INFO(ident);
            const auto advisory = store->advisoryOf(ident);
            REQUIRE(advisory);
            std::vector<std::int64_t> want;
            for (const auto& id : ids) {
                want.push_back(*store->clusterOf(id));
            }
            std::sort(want.begin(), want.end());
            CHECK(store->coveredClusters(*advisory) == want);
            CHECK_FALSE(store->clusterOf(ident).has_value());
        }

        // The Log4j entry: the detail feed and the yearly RSS in one cluster, both advisories.
        const auto log4j = store->clusterOf("JVNDB-2021-005429");
        REQUIRE(log4j);
        CHECK(store->clusterOf("CVE-2021-44228") == log4j);
        CHECK(store->clusterDetail(*log4j).records.size() == 2);
        CHECK(store->coveringAdvisories(*log4j) ==
              strings({"JPCERT-AT-2021-0050", "JVNVU#96768815"}));
        // JVNDB-2023-000001 from two RSS channels: one cluster, two records, JVN#16765254.
        const auto rubyGit = store->clusterOf("JVNDB-2023-000001");
        REQUIRE(rubyGit);
        CHECK(store->clusterDetail(*rubyGit).records.size() == 2);
        CHECK(store->coveringAdvisories(*rubyGit) == strings({"JVN#16765254"}));
    }
}
