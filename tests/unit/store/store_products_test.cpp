#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>

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
        {"apache", "log4j-core", "2.14.1", "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
         "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
        {"openssl", "openssl", "1.1.1k", "", ""},
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
        CHECK(a.components[i].cpe == b.components[i].cpe);
        CHECK(a.components[i].purl == b.components[i].purl);
    }
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
    store->putProduct(viewer());
    store->putProduct(minimal);

    auto products = store->products();
    REQUIRE(products.size() == 2);
    checkSame(products[0], viewer());
    checkSame(products[1], minimal);
    CHECK(products[1].owners.empty());
    CHECK(products[1].components.empty());
}

TEST_CASE("putProduct replaces a product of the same name in place", "[store][products]") {
    auto store = Store::inMemory();
    store->putProduct(viewer());
    vw::Product second;
    second.name = "Second";
    store->putProduct(second);

    auto replaced = viewer();
    replaced.version = "4.0";
    replaced.owners = {"new-owner@example.jp"};
    replaced.components = {{"zlib", "zlib", "1.2.13", "", "pkg:generic/zlib@1.2.13"}};
    store->putProduct(replaced);

    auto products = store->products();
    REQUIRE(products.size() == 2);
    checkSame(products[0], replaced); // keeps its registry position
    CHECK(products[1].name == "Second");
    CHECK(countRows(*store, "component") == 1);
}

TEST_CASE("removeProduct deletes the product and its components", "[store][products]") {
    auto store = Store::inMemory();
    store->putProduct(viewer());
    REQUIRE(countRows(*store, "component") == 2);
    CHECK(store->removeProduct("画像ビューア Example Viewer"));
    CHECK(store->products().empty());
    CHECK(countRows(*store, "component") == 0);
    CHECK_FALSE(store->removeProduct("画像ビューア Example Viewer"));
    CHECK_FALSE(store->removeProduct("never added"));
}

TEST_CASE("insertMatch is true the first time only", "[store][matches]") {
    auto store = Store::inMemory();
    auto c = store->upsertRecord(
        "s", vw::test::makeAdvisory("JVNDB-2021-005429", {"CVE-2021-44228"}), 100);
    CHECK(store->insertMatch(c.clusterId, sampleMatch("Viewer", "log4j-core"), 200));
    CHECK_FALSE(store->insertMatch(c.clusterId, sampleMatch("Viewer", "log4j-core"), 300));
    CHECK(store->insertMatch(c.clusterId, sampleMatch("Viewer", "openssl"), 300));
    CHECK(store->insertMatch(c.clusterId, sampleMatch("Gateway", "log4j-core"), 300));

    auto all = store->matches();
    REQUIRE(all.size() == 3);
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
    REQUIRE(gateway.size() == 1);
    CHECK(gateway[0].match.product == "Gateway");
    CHECK(store->matches("Viewer").size() == 2);
    CHECK(store->matches("nothing").empty());
}

TEST_CASE("A match needs an existing cluster", "[store][matches]") {
    auto store = Store::inMemory();
    CHECK_THROWS_AS(store->insertMatch(4242, sampleMatch("Viewer", "log4j-core"), 1),
                    vw::StoreError);
}
