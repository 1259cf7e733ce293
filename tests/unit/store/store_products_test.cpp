#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <optional>

using vw::Store;
using vw::test::countRows;

namespace {

vw::Product viewer() {
    vw::Product p;
    p.name = "画像ビューア Example Viewer";
    p.version = "3.2";
    p.owners = {"psirt@example.jp", "開発部 <dev@example.jp>"};
    p.keywords = {"Log4j", "ログ出力", ""};
    p.cpes = {"cpe:/a:example:viewer:3.2", "line\nbreak and back\\slash"};
    p.components = {
        {"apache",
         "log4j-core",
         "2.14.1",
         {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
         "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
         ""},
        {"openssl", "openssl", "1.1.1k", {}, "", ""},
    };
    return p;
}

void checkSame(const vw::Product& a, const vw::Product& b) {
    CHECK(a.name == b.name);
    CHECK(a.version == b.version);
    CHECK(a.owners == b.owners);
    CHECK(a.keywords == b.keywords);
    CHECK(a.cpes == b.cpes);
    REQUIRE(a.components.size() == b.components.size());
    for (std::size_t i = 0; i < a.components.size(); ++i) {
        CHECK(a.components[i].vendor == b.components[i].vendor);
        CHECK(a.components[i].name == b.components[i].name);
        CHECK(a.components[i].version == b.components[i].version);
        CHECK(a.components[i].cpes == b.components[i].cpes);
        CHECK(a.components[i].purl == b.components[i].purl);
        CHECK(a.components[i].supplier == b.components[i].supplier);
    }
}

/// Bedside Monitor Gateway with three versions: 1.7 and 1.8 carry log4j 2.14.1, 1.9 2.17.1.
vw::RegisteredProduct gateway() {
    vw::RegisteredProduct p;
    p.name = "Bedside Monitor Gateway";
    p.owners = {"psirt@example.jp"};
    p.keywords = {"Gateway"};
    const vw::Component old{
        "apache",
        "log4j-core",
        "2.14.1",
        {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "cpe:/a:apache:log4j:2.14.1"},
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        "Apache Software Foundation"};
    vw::Component fixed = old;
    fixed.version = "2.17.1";
    fixed.cpes = {"cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*"};
    p.versions = {{"1.7", {}, {old}, false},
                  {"1.8", {"gw18@example.jp"}, {old}, false},
                  {"1.9", {}, {fixed}, false}};
    return p;
}

vw::Match sampleMatch(const std::string& product, const std::string& component) {
    vw::Match m;
    m.advisory = "JVNDB-2021-005429";
    m.aliases = {"CVE-2021-44228", "JVNVU#96768815"};
    m.product = product;
    m.version = "3.2";
    m.component = component;
    m.confidence = 80;
    m.method = "cpe-product";
    m.reason = "cpe:/a:apache:log4j matches log4j-core の CPE";
    return m;
}

} // namespace

TEST_CASE("Products round-trip exactly, with Japanese text and components", "[store][products]") {
    auto store = Store::inMemory();
    CHECK(store->products().empty());
    vw::Product minimal;
    minimal.name = "Minimal";
    store->putProduct(viewer(), 1);
    store->putProduct(minimal, 1);

    auto products = store->products();
    REQUIRE(products.size() == 2);
    checkSame(products[0], viewer());
    checkSame(products[1], minimal);
    CHECK(products[1].owners.empty());
    CHECK(products[1].components.empty());
}

TEST_CASE("putProduct replaces a product of the same name in place", "[store][products]") {
    auto store = Store::inMemory();
    store->putProduct(viewer(), 1);
    vw::Product second;
    second.name = "Second";
    store->putProduct(second, 1);

    auto replaced = viewer();
    replaced.owners = {"new-owner@example.jp"};
    replaced.components = {{"zlib", "zlib", "1.2.13", {}, "pkg:generic/zlib@1.2.13", ""}};
    store->putProduct(replaced, 2);

    auto products = store->products();
    REQUIRE(products.size() == 2);
    checkSame(products[0], replaced); // keeps its registry position
    CHECK(products[1].name == "Second");
    CHECK(countRows(*store, "component") == 1);
}

TEST_CASE("A product has versions, each with its own components and owners", "[store][products]") {
    auto store = Store::inMemory();
    store->putProduct(gateway(), 10);
    const auto registry = store->registry();
    REQUIRE(registry.size() == 1);
    REQUIRE(registry[0].versions.size() == 3);
    CHECK(registry[0].versions[1].owners == std::vector<std::string>{"gw18@example.jp"});
    CHECK(registry[0].versions[0].components.at(0).cpes.size() == 2);
    CHECK(registry[0].versions[0].components.at(0).supplier == "Apache Software Foundation");

    // What matching sees: one entry per version, owners inherited unless the version sets them.
    const auto products = store->products();
    REQUIRE(products.size() == 3);
    CHECK(products[0].version == "1.7");
    CHECK(products[0].owners == std::vector<std::string>{"psirt@example.jp"});
    CHECK(products[1].owners == std::vector<std::string>{"gw18@example.jp"});
    CHECK(products[2].keywords == std::vector<std::string>{"Gateway"});
    CHECK(products[2].components.at(0).version == "2.17.1");

    // Putting the product again with one version replaces that version only.
    auto update = gateway();
    update.versions = {{"2.0", {}, {}, false}};
    store->putProduct(update, 11);
    CHECK(store->products().size() == 4);
}

TEST_CASE("Removing a version or a product keeps it in the registry's history",
          "[store][products]") {
    auto store = Store::inMemory();
    store->putProduct(gateway(), 10);
    CHECK(store->removeProductVersion("Bedside Monitor Gateway", "1.7", 20));
    CHECK_FALSE(store->removeProductVersion("Bedside Monitor Gateway", "1.7", 21));
    CHECK_FALSE(store->removeProductVersion("Bedside Monitor Gateway", "9.9", 21));
    CHECK(store->products().size() == 2);
    const auto all = store->registry(true);
    REQUIRE(all.at(0).versions.size() == 3);
    CHECK(all[0].versions[0].removed);
    CHECK(all[0].versions[0].components.size() == 1); // its components are kept

    CHECK(store->removeProduct("Bedside Monitor Gateway", 30));
    CHECK_FALSE(store->removeProduct("Bedside Monitor Gateway", 31));
    CHECK_FALSE(store->removeProduct("never added", 31));
    CHECK(store->products().empty());
    CHECK(store->registry().empty());
    REQUIRE(store->registry(true).size() == 1);
    CHECK(store->registry(true)[0].removed);
    CHECK(countRows(*store, "component") == 3);

    // Adding it again brings it back with the versions that were not removed.
    auto again = gateway();
    again.versions.clear();
    store->putProduct(again, 40);
    CHECK(store->products().size() == 2);
}

TEST_CASE("replaceComponents reports what the version had, or the newest other version",
          "[store][products]") {
    auto store = Store::inMemory();
    std::optional<std::string> from;
    const std::vector<vw::Component> v1 = {
        {"", "zlib", "1.2.11", {}, "pkg:generic/zlib@1.2.11", ""}};
    CHECK(store->replaceComponents("New Device", "1.0", v1, 10, &from).empty());
    CHECK_FALSE(from.has_value());
    const std::vector<vw::Component> v2 = {
        {"", "zlib", "1.2.13", {}, "pkg:generic/zlib@1.2.13", ""}};
    const auto before = store->replaceComponents("New Device", "2.0", v2, 11, &from);
    REQUIRE(before.size() == 1);
    CHECK(before[0].version == "1.2.11");
    CHECK(from == "1.0");
    const auto same = store->replaceComponents("New Device", "2.0", v2, 12, &from);
    REQUIRE(same.size() == 1);
    CHECK(same[0].version == "1.2.13");
    CHECK(from == "2.0");
    const auto products = store->products();
    REQUIRE(products.size() == 2);
    CHECK(products[0].components.at(0).version == "1.2.11");
    CHECK(products[1].components.at(0).version == "1.2.13");
}

TEST_CASE("insertMatch is true the first time only", "[store][matches]") {
    auto store = Store::inMemory();
    auto c = store->upsertRecord(
        "s", vw::test::makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"}), 100);
    CHECK(store->insertMatch(c.clusterId, sampleMatch("Viewer", "log4j-core"), 200));
    CHECK_FALSE(store->insertMatch(c.clusterId, sampleMatch("Viewer", "log4j-core"), 300));
    CHECK(store->insertMatch(c.clusterId, sampleMatch("Viewer", "openssl"), 300));
    CHECK(store->insertMatch(c.clusterId, sampleMatch("Gateway", "log4j-core"), 300));
    auto otherVersion = sampleMatch("Gateway", "log4j-core");
    otherVersion.version = "3.3";
    otherVersion.verdict = "not-affected";
    CHECK(store->insertMatch(c.clusterId, otherVersion, 300)); // one match per version

    auto all = store->matches();
    REQUIRE(all.size() == 4);
    CHECK(all[3].match.verdict == "not-affected");
    const auto& first = all[0];
    CHECK(first.clusterId == c.clusterId);
    CHECK(first.state == "new");
    CHECK(first.createdAt == 200);
    CHECK(first.match.advisory == "JVNDB-2021-005429");
    CHECK(first.match.aliases == std::vector<std::string>{"CVE-2021-44228", "JVNVU#96768815"});
    CHECK(first.match.product == "Viewer");
    CHECK(first.match.version == "3.2");
    CHECK(first.match.component == "log4j-core");
    CHECK(first.match.confidence == 80);
    CHECK(first.match.method == "cpe-product");
    CHECK(first.match.reason == "cpe:/a:apache:log4j matches log4j-core の CPE");

    auto gateway = store->matches("Gateway");
    REQUIRE(gateway.size() == 2);
    CHECK(gateway[0].match.product == "Gateway");
    CHECK(gateway[0].match.verdict == "affected");
    CHECK(store->matches("Viewer").size() == 2);
    CHECK(store->matches("Gateway").size() == 2);
    CHECK(store->matches("nothing").empty());
}

TEST_CASE("A match needs an existing cluster", "[store][matches]") {
    auto store = Store::inMemory();
    CHECK_THROWS_AS(store->insertMatch(4242, sampleMatch("Viewer", "log4j-core"), 1),
                    vw::StoreError);
}
