// store/lookahead.h: what a bulk re-match reads about its clusters, looked up for many clusters
// at once, answers exactly what the one-cluster reads answer; it answers from memory; cases
// written while it is installed are seen. And Store::appendEvent's head kept within a
// transaction: the chain stays whole across savepoints rolled back. Both backends.
#include "core/cases.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/kev.h"
#include "store/lookahead.h"
#include "store/store.h"
#include "store_test_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using namespace vw;
using vw::test::makeAdvisory;

namespace {

Advisory recordOf(const std::string& source, const std::string& id,
                  std::vector<std::string> aliases, const std::string& title) {
    Advisory a = makeAdvisory(id, std::move(aliases), title);
    a.source = source;
    a.cvss.clear();
    return a;
}

/// Opens (caseId 0) or changes a case of `key` for product P `version`.
Case writeCaseOf(Store& store, const std::string& key, std::int64_t cluster,
                 const std::string& version, CaseState state, const std::string& components,
                 std::int64_t decidedAt) {
    CaseChange change;
    change.kind = std::string(kCaseOpen);
    change.text = "case of " + key + " " + version;
    change.actor = "test";
    change.details = {{"cluster_id", std::to_string(cluster)},
                      {"cluster_key", key},
                      {"product", "P"},
                      {"version", version},
                      {"title", "t"},
                      {"origin", "match"},
                      {"state", std::string(caseStateName(state))},
                      {"severity", "High"},
                      {"received_at", "1000"},
                      {"decide_due", "2000"},
                      {"inform_due", "0"},
                      {"fix_due", "0"},
                      {"components", components},
                      {"decided_at", std::to_string(decidedAt)}};
    return recordCaseChange(store, 0, change, 1000);
}

std::vector<std::int64_t> clusterIds(Store& store) {
    Statement q = store.db().prepare("SELECT id FROM cluster ORDER BY id");
    std::vector<std::int64_t> ids;
    while (q.step()) {
        ids.push_back(q.integer(0));
    }
    return ids;
}

/// Everything the look-ahead answers about one cluster, as one comparable text.
std::string answersFor(Store& store, std::int64_t cluster) {
    const ClusterSummary s = store.cluster(cluster);
    std::string out = std::to_string(s.clusterId) + "|" + s.key + "|" + s.primaryId + "|" +
                      s.title + "|" + std::to_string(s.maxScore) + "|" +
                      std::to_string(s.firstSeen) + "|" + store.clusterKey(cluster) + "|";
    for (const auto& id : s.ids) {
        out += id + ",";
    }
    const auto kev = kevForCluster(store, cluster);
    out += "|kev:" + (kev ? kev->entry.cve + "@" + kev->entry.dateAdded : std::string("-"));
    out += "|alert:" + jpcertAlertFor(store, cluster).value_or("-");
    for (const char* version : {"1.0", "2.0", "3.0"}) {
        const auto c = caseFor(store, s.key, "P", version);
        out += std::string("|case ") + version + ":" + (c ? std::to_string(c->id) : "-");
        const auto from = inheritableCase(store, s.key, "P", version, "x@1");
        out += std::string("|inherit ") + version + ":" + (from ? std::to_string(from->id) : "-");
    }
    out += "|mission:" + productMission(store, "Pump") + "/" + productMission(store, "None");
    return out;
}

/// A store with 80 clusters (more than one statement's 64), KEV entries, the three kinds of
/// alert, and cases (one decided, inheritable by another version).
std::unique_ptr<Store> filledStore() {
    auto store = Store::inMemory();
    for (int i = 0; i < 80; ++i) {
        const std::string n = std::to_string(1000 + i);
        store->upsertRecord("rss", makeAdvisory("JVNDB-2024-00" + n, {"CVE-2024-" + n}), 10 + i);
    }
    storeKevCatalog(*store,
                    {{"CVE-2024-1003", "2024-03-01", "V", "P", "n", "Known"},
                     {"CVE-2024-1070", "2024-02-01", "V", "P", "n", "Unknown"}},
                    50);
    // A second CVE of cluster 1070, listed earlier: the earliest date_added is its entry.
    store->upsertRecord("rss",
                        makeAdvisory("JVNDB-2024-001070", {"CVE-2024-1070", "CVE-2024-9070"}), 60);
    storeKevCatalog(*store, {{"CVE-2024-9070", "2023-12-01", "V", "P", "n", "Unknown"}}, 61);
    store->upsertRecord(
        "alerts", recordOf("myjvn-alert", "JPCERT-AT-2024-0001", {"CVE-2024-1001"}, "注意警戒"),
        70);
    store->upsertRecord(
        "alerts", recordOf("myjvn-alert", "MYJVN-ALT-2024-0002", {"CVE-2024-1002"}, "IPA"), 71);
    store->upsertRecord("mail",
                        recordOf("mail", "<a@jpcert.or.jp>", {"CVE-2024-1004", "CVE-2024-1075"},
                                 "複数製品の脆弱性に関する注意喚起"),
                        72);
    store->upsertRecord(
        "mail",
        recordOf("mail", "<weekly@jpcert.or.jp>", {"CVE-2024-1005"}, "JPCERT/CC WEEKLY REPORT"),
        73);
    RegisteredProduct pump;
    pump.name = "Pump";
    pump.mission = "high";
    pump.versions.push_back({"1.0", {}, {}, false});
    store->putProduct(pump, 10);
    const std::int64_t c3 = *store->clusterOf("CVE-2024-1003");
    const std::int64_t c4 = *store->clusterOf("CVE-2024-1004");
    writeCaseOf(*store, store->clusterKey(c3), c3, "1.0", CaseState::NotAffected, "x@1", 500);
    writeCaseOf(*store, store->clusterKey(c3), c3, "2.0", CaseState::RiskAccepted, "x@1", 700);
    writeCaseOf(*store, store->clusterKey(c4), c4, "1.0", CaseState::Received, "x@1", 0);
    return store;
}

} // namespace

TEST_CASE("cluster lookahead: its answers are those of the one-cluster reads",
          "[store][lookahead]") {
    auto store = filledStore();
    const std::vector<std::int64_t> ids = clusterIds(*store);
    REQUIRE(ids.size() > kLookupSlots);
    std::vector<std::string> direct;
    for (const std::int64_t id : ids) {
        direct.push_back(answersFor(*store, id));
    }
    // What the data holds, so the comparison is not between two empty answers.
    const std::string c3 = answersFor(*store, *store->clusterOf("CVE-2024-1003"));
    CHECK(c3.find("kev:CVE-2024-1003@2024-03-01") != std::string::npos);
    CHECK(c3.find("|inherit 3.0:2") != std::string::npos); // the later decided one
    CHECK(answersFor(*store, *store->clusterOf("CVE-2024-1070")).find("kev:CVE-2024-9070") !=
          std::string::npos);
    CHECK(
        answersFor(*store, *store->clusterOf("CVE-2024-1001")).find("alert:JPCERT-AT-2024-0001") !=
        std::string::npos);
    CHECK(
        answersFor(*store, *store->clusterOf("CVE-2024-1002")).find("alert:MYJVN-ALT-2024-0002") !=
        std::string::npos);
    CHECK(answersFor(*store, *store->clusterOf("CVE-2024-1075")).find("alert:<a@jpcert.or.jp>") !=
          std::string::npos);
    CHECK(answersFor(*store, *store->clusterOf("CVE-2024-1005")).find("alert:-") !=
          std::string::npos);

    Store::Transaction tx(*store);
    ClusterLookahead ahead(*store);
    ahead.load(ids);
    REQUIRE(store->clusterLookahead() == &ahead);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        CAPTURE(ids[i]);
        REQUIRE(ahead.cluster(ids[i]) != nullptr);
        REQUIRE(ahead.kev(ids[i]) != nullptr);
        REQUIRE(ahead.jpcertAlert(ids[i]) != nullptr);
        CHECK(answersFor(*store, ids[i]) == direct[i]);
    }
    // Not held: asked for as before.
    CHECK(ahead.cluster(999999) == nullptr);
    CHECK(store->clusterKey(999999).empty());
    CHECK_FALSE(jpcertAlertFor(*store, 999999));
    tx.commit();
}

TEST_CASE("cluster lookahead: answers come from memory and only while installed in a "
          "transaction",
          "[store][lookahead]") {
    auto store = filledStore();
    const std::int64_t cluster = *store->clusterOf("CVE-2024-1003");
    const std::string title = store->cluster(cluster).title;
    {
        Store::Transaction tx(*store);
        ClusterLookahead ahead(*store);
        ahead.load({cluster});
        store->db().exec("UPDATE cluster SET title = 'changed behind its back'");
        CHECK(store->cluster(cluster).title == title); // held
        tx.commit();
    }
    CHECK(store->cluster(cluster).title == "changed behind its back");
    // Installed but no transaction open: not used.
    ClusterLookahead outside(*store);
    outside.load({cluster});
    CHECK(store->clusterLookahead() == nullptr);
    CHECK(outside.cluster(cluster) == nullptr); // load() outside a transaction holds nothing
}

TEST_CASE("cluster lookahead: a case opened while it is installed is found, once",
          "[store][lookahead]") {
    auto store = filledStore();
    const std::int64_t cluster = *store->clusterOf("CVE-2024-1010");
    const std::string key = store->clusterKey(cluster);
    Store::Transaction tx(*store);
    ClusterLookahead ahead(*store);
    ahead.load({cluster});
    CHECK_FALSE(caseFor(*store, key, "P", "1.0"));
    const Case opened = writeCaseOf(*store, key, cluster, "1.0", CaseState::Received, "x@1", 0);
    REQUIRE(ahead.cases(key) != nullptr);
    const auto found = caseFor(*store, key, "P", "1.0");
    REQUIRE(found);
    CHECK(found->id == opened.id);
    CHECK(*found == opened);
    // A second one of another version: both held, by id.
    const Case second = writeCaseOf(*store, key, cluster, "2.0", CaseState::NotAffected, "x@1", 9);
    REQUIRE(ahead.cases(key) != nullptr);
    REQUIRE(ahead.cases(key)->size() == 2);
    CHECK(ahead.cases(key)->back().id == second.id);
    const auto inherited = inheritableCase(*store, key, "P", "3.0", "x@1");
    REQUIRE(inherited);
    CHECK(inherited->id == second.id);
    // Between forgetCases and noteCase (a write that failed halfway): read from the store.
    ahead.forgetCases(key);
    CHECK(ahead.cases(key) == nullptr);
    const auto again = caseFor(*store, key, "P", "1.0");
    REQUIRE(again);
    CHECK(again->id == opened.id);
    const Case third = writeCaseOf(*store, key, cluster, "3.0", CaseState::Received, "x@1", 0);
    // Noted: the key's cases held again, the same as the store's.
    REQUIRE(ahead.cases(key) != nullptr);
    std::vector<Case> stored = casesOfClusterKeys(*store, {key});
    std::sort(stored.begin(), stored.end(),
              [](const Case& a, const Case& b) { return a.id < b.id; });
    CHECK(*ahead.cases(key) == stored);
    CHECK(stored.size() == 3);
    CHECK(caseFor(*store, key, "P", "3.0")->id == third.id);
    tx.commit();
    CHECK(caseFor(*store, key, "P", "2.0")->id == second.id);
}

TEST_CASE("audit head kept within a transaction: the chain stays whole across rolled-back "
          "savepoints",
          "[store][audit][lookahead]") {
    auto store = Store::inMemory();
    const auto event = [](const std::string& text) {
        AuditEvent e;
        e.kind = "test";
        e.at = 100;
        e.text = text;
        return e;
    };
    store->appendEvent(event("before"));
    {
        Store::Transaction tx(*store);
        CHECK(store->appendEvent(event("one")) == 2);
        CHECK(store->appendEvent(event("two")) == 3);
        {
            Store::Transaction nested(*store);
            CHECK(store->appendEvent(event("rolled back")) == 4);
            // destroyed without commit(): rolled back to the savepoint
        }
        CHECK(store->appendEvent(event("three")) == 4);
        {
            Store::Transaction nested(*store);
            CHECK(store->appendEvent(event("kept")) == 5);
            nested.commit();
        }
        CHECK(store->appendEvent(event("four")) == 6);
        tx.commit();
    }
    {
        Store::Transaction tx(*store);
        CHECK(store->appendEvent(event("rolled back too")) == 7);
        // the whole transaction rolled back
    }
    CHECK(store->appendEvent(event("after")) == 7);
    const AuditVerification verified = verifyAuditChain(*store);
    CHECK(verified.ok());
    CHECK(store->auditHead().seq == 7);
}

TEST_CASE("cluster lookahead: saveMatch records a new match once and an existing one as before",
          "[store][lookahead]") {
    auto store = filledStore();
    const std::int64_t cluster = *store->clusterOf("CVE-2024-1020");
    Match m;
    m.advisory = "JVNDB-2024-001020";
    m.product = "P";
    m.version = "1.0";
    m.component = "openssl";
    m.confidence = 80;
    m.method = "cpe-product";
    m.reason = "test";
    m.verdict = "needs-review";
    REQUIRE(store->saveMatch(cluster, m, 100).inserted); // one before the look-ahead
    Match other = m;
    other.component = "zlib";
    Store::Transaction tx(*store);
    ClusterLookahead ahead(*store);
    ahead.load({cluster});
    CHECK(ahead.matchExists(cluster, "P", "1.0", "openssl") == std::optional<bool>(true));
    CHECK(ahead.matchExists(cluster, "P", "1.0", "zlib") == std::optional<bool>(false));
    CHECK_FALSE(ahead.matchExists(999999, "P", "1.0", "zlib"));
    const Store::MatchSaved added = store->saveMatch(cluster, other, 200);
    CHECK(added.inserted);
    CHECK(added.id > 0);
    CHECK(ahead.matchExists(cluster, "P", "1.0", "zlib") == std::optional<bool>(true));
    const Store::MatchSaved again = store->saveMatch(cluster, other, 201);
    CHECK_FALSE(again.inserted);
    CHECK_FALSE(again.changed);
    CHECK(again.id == added.id);
    // The existing one, now decided: re-evaluated as without the look-ahead.
    m.verdict = "affected";
    m.confidence = 100;
    const Store::MatchSaved decided = store->saveMatch(cluster, m, 202);
    CHECK_FALSE(decided.inserted);
    CHECK(decided.changed);
    CHECK(decided.previousVerdict == "needs-review");
    tx.commit();
    const auto rows = store->matches("P");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].match.verdict == "affected");
    CHECK(rows[1].match.component == "zlib");
    CHECK(rows[1].id == added.id);
}
