// store/kev.h: the KEV table (new CVEs with first_seen, changed fields replaced, CVEs that left
// the catalog kept), the look-ups by CVE and by cluster, the JPCERT/CC alert of a cluster and a
// product's mission, on an in-memory store filled through the real upsertRecord.
#include "store/kev.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using vw::KevEntry;
using vw::test::makeAdvisory;

KevEntry kev(const std::string& cve, const std::string& added = "2025-01-02",
             const std::string& ransomware = "Unknown") {
    return {cve, added, "Apache", "Log4j2", "Apache Log4j2 RCE", ransomware};
}

/// A record of `source` (`myjvn-alert`, `mail`, …) with this id, aliases and title.
vw::Advisory recordOf(const std::string& source, const std::string& id,
                      std::vector<std::string> aliases, const std::string& title) {
    vw::Advisory a = makeAdvisory(id, std::move(aliases), title);
    a.source = source;
    a.cvss.clear();
    return a;
}

} // namespace

TEST_CASE("kev store: new CVEs are added with first_seen and changes replace fields",
          "[store][kev]") {
    auto store = vw::Store::inMemory();
    auto first = vw::storeKevCatalog(*store, {kev("CVE-2021-44228"), kev("CVE-2021-45046")}, 100);
    CHECK(first.added == std::vector<std::string>{"CVE-2021-44228", "CVE-2021-45046"});
    CHECK(first.updated == 0);
    CHECK(vw::kevCount(*store) == 2);

    // Same catalog again: nothing changes.
    auto again = vw::storeKevCatalog(*store, {kev("CVE-2021-44228"), kev("CVE-2021-45046")}, 200);
    CHECK(again.added.empty());
    CHECK(again.updated == 0);
    CHECK(again.unchanged == 2);

    // One entry changed, one left the catalog, one new.
    auto third = vw::storeKevCatalog(
        *store, {kev("CVE-2021-44228", "2021-12-10", "Known"), kev("CVE-2024-3400")}, 300);
    CHECK(third.added == std::vector<std::string>{"CVE-2024-3400"});
    CHECK(third.updated == 1);
    CHECK(third.missing == 1);
    CHECK(vw::kevCount(*store) == 3); // the one that left is kept

    const auto log4j = vw::kevEntry(*store, "CVE-2021-44228");
    REQUIRE(log4j);
    CHECK(log4j->entry == kev("CVE-2021-44228", "2021-12-10", "Known"));
    CHECK(log4j->firstSeen == 100); // first_seen stays
    const auto left = vw::kevEntry(*store, "CVE-2021-45046");
    REQUIRE(left);
    CHECK(left->firstSeen == 100);
    CHECK(vw::kevEntry(*store, "CVE-2024-3400")->firstSeen == 300);
    CHECK(vw::inKev(*store, " cve-2024-3400 "));
    CHECK_FALSE(vw::inKev(*store, "CVE-2024-0001"));
    CHECK_FALSE(vw::kevEntry(*store, "CVE-2024-0001"));
}

TEST_CASE("kev store: the KEV entry of a cluster through its CVE aliases", "[store][kev]") {
    auto store = vw::Store::inMemory();
    store->upsertRecord("rss", makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"}), 10);
    store->upsertRecord(
        "rss", makeAdvisory("JVNDB-2021-005555", {"CVE-2021-45046", "CVE-2021-45105"}), 10);
    const auto log4j = store->clusterOf("CVE-2021-44228");
    const auto second = store->clusterOf("JVNDB-2021-005555");
    REQUIRE(log4j);
    REQUIRE(second);
    CHECK_FALSE(vw::kevForCluster(*store, *log4j));

    vw::storeKevCatalog(*store,
                        {kev("CVE-2021-45105", "2021-12-20"), kev("CVE-2021-45046", "2021-12-14"),
                         kev("CVE-2021-44228", "2021-12-10")},
                        50);
    const auto found = vw::kevForCluster(*store, *log4j);
    REQUIRE(found);
    CHECK(found->entry.cve == "CVE-2021-44228");
    const auto earliest = vw::kevForCluster(*store, *second);
    REQUIRE(earliest);
    CHECK(earliest->entry.cve == "CVE-2021-45046"); // added to the catalog first
    CHECK_FALSE(vw::kevForCluster(*store, 9999));
}

TEST_CASE("kev store: the JPCERT/CC alert naming a cluster", "[store][kev]") {
    auto store = vw::Store::inMemory();
    store->upsertRecord("rss", makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"}), 10);
    store->upsertRecord("rss", makeAdvisory("JVNDB-2024-000001", {"CVE-2024-0001"}), 10);
    store->upsertRecord("rss", makeAdvisory("JVNDB-2024-000002", {"CVE-2024-0002"}), 10);
    store->upsertRecord("rss", makeAdvisory("JVNDB-2024-000003", {"CVE-2024-0003"}), 10);
    const auto cluster = [&](const std::string& id) { return *store->clusterOf(id); };
    CHECK_FALSE(vw::jpcertAlertFor(*store, cluster("CVE-2021-44228")));

    // A weekly report mentions everything: not an alert.
    store->upsertRecord("jpcert-mail",
                        recordOf("mail", "<weekly@jpcert.or.jp>",
                                 {"CVE-2021-44228", "CVE-2024-0001", "CVE-2024-0002"},
                                 "JPCERT/CC WEEKLY REPORT 2021-12-15"),
                        20);
    CHECK_FALSE(vw::jpcertAlertFor(*store, cluster("CVE-2021-44228")));
    CHECK_FALSE(vw::jpcertAlertFor(*store, cluster("CVE-2024-0001")));

    // 1. A JPCERT-AT alert covering the cluster (MyJVN's alert list).
    store->upsertRecord("alerts",
                        recordOf("myjvn-alert", "JPCERT-AT-2021-0050", {"CVE-2021-44228"},
                                 "Apache Log4j の脆弱性対策について"),
                        30);
    CHECK(vw::jpcertAlertFor(*store, cluster("CVE-2021-44228")) == "JPCERT-AT-2021-0050");

    // 2. An alert of the list with its own id (IPA's), covering the cluster.
    store->upsertRecord(
        "alerts",
        recordOf("myjvn-alert", "MYJVN-ALT-2024-0001", {"CVE-2024-0001"}, "IPA の注意警戒情報"),
        40);
    CHECK(vw::jpcertAlertFor(*store, cluster("CVE-2024-0001")) == "MYJVN-ALT-2024-0001");

    // 3. An alert mail (注意喚起 in the subject) mentioning the vulnerability among others.
    store->upsertRecord("jpcert-mail",
                        recordOf("mail", "<alert@jpcert.or.jp>", {"CVE-2024-0002", "CVE-2024-0003"},
                                 "複数製品の脆弱性に関する注意喚起"),
                        50);
    CHECK(vw::jpcertAlertFor(*store, cluster("CVE-2024-0002")) == "<alert@jpcert.or.jp>");
    CHECK(vw::jpcertAlertFor(*store, cluster("CVE-2024-0003")) == "<alert@jpcert.or.jp>");
    CHECK_FALSE(vw::jpcertAlertFor(*store, 9999));
}

TEST_CASE("kev store: a product's mission", "[store][kev]") {
    auto store = vw::Store::inMemory();
    vw::RegisteredProduct pump;
    pump.name = "Infusion Pump";
    pump.mission = "high";
    pump.versions.push_back({"2.0", {}, {}, false});
    store->putProduct(pump, 10);
    vw::RegisteredProduct viewer;
    viewer.name = "Viewer";
    viewer.versions.push_back({"", {}, {}, false});
    store->putProduct(viewer, 10);
    CHECK(vw::productMission(*store, "Infusion Pump") == "high");
    CHECK(vw::productMission(*store, "Viewer").empty());
    CHECK(vw::productMission(*store, "Nothing").empty());
    const auto registry = store->registry();
    REQUIRE(registry.size() == 2);
    CHECK(registry[0].mission == "high");
    // putProduct replaces it, like owners and keywords
    pump.mission = "low";
    store->putProduct(pump, 20);
    CHECK(vw::productMission(*store, "Infusion Pump") == "low");
}
