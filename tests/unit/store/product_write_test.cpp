// Store::putProduct writes a new product and its versions without looking first (on
// PostgreSQL with ids from the sequences, not waited for): what the registry reads back is what
// was put, for a new product, a version named twice, removed versions and products, and the
// same product put again. Both backends.
#include "core/product.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace vw;

namespace {

Component component(const std::string& name, const std::string& version) {
    Component c;
    c.vendor = "acme";
    c.name = name;
    c.version = version;
    c.cpes = {"cpe:2.3:a:acme:" + name + ":" + version + ":*:*:*:*:*:*:*"};
    return c;
}

RegisteredProduct pump() {
    RegisteredProduct p;
    p.name = "輸液ポンプ";
    p.owners = {"qa@example.jp"};
    p.keywords = {"pump"};
    p.mission = "high";
    p.versions.push_back({"2.0", {"owner2@example.jp"}, {component("openssl", "3.0.2")}, false});
    p.versions.push_back(
        {"3.0", {}, {component("openssl", "3.0.8"), component("zlib", "1.2.13")}, false});
    p.versions.push_back({"1.0", {}, {}, true}); // kept removed
    return p;
}

void requireSame(const RegisteredProduct& got, const RegisteredProduct& want) {
    CHECK(got.name == want.name);
    CHECK(got.owners == want.owners);
    CHECK(got.keywords == want.keywords);
    CHECK(got.mission == want.mission);
    CHECK(got.removed == want.removed);
    REQUIRE(got.versions.size() == want.versions.size());
    for (std::size_t i = 0; i < want.versions.size(); ++i) {
        CAPTURE(i);
        CHECK(got.versions[i].version == want.versions[i].version);
        CHECK(got.versions[i].owners == want.versions[i].owners);
        CHECK(got.versions[i].removed == want.versions[i].removed);
        REQUIRE(got.versions[i].components.size() == want.versions[i].components.size());
        for (std::size_t k = 0; k < want.versions[i].components.size(); ++k) {
            CHECK(got.versions[i].components[k].name == want.versions[i].components[k].name);
            CHECK(got.versions[i].components[k].version == want.versions[i].components[k].version);
            CHECK(got.versions[i].components[k].cpes == want.versions[i].components[k].cpes);
        }
    }
}

} // namespace

TEST_CASE("putProduct of a new product reads back as put", "[store][products]") {
    auto store = Store::inMemory();
    const RegisteredProduct p = pump();
    {
        Store::Transaction tx(*store); // a write transaction: ids from the sequences
        store->putProduct(p, 100);
        tx.commit();
    }
    const auto registry = store->registry(true);
    REQUIRE(registry.size() == 1);
    requireSame(registry[0], p);
    // Matching sees the two versions that are not removed.
    const auto active = store->products();
    REQUIRE(active.size() == 2);
    CHECK(active[0].version == "2.0");
    CHECK(active[1].components.size() == 2);
}

TEST_CASE("putProduct of a new product naming a version twice keeps one version",
          "[store][products]") {
    auto store = Store::inMemory();
    RegisteredProduct p = pump();
    p.versions.push_back({"2.0", {}, {component("curl", "8.0.0")}, false});
    store->putProduct(p, 100); // its own transaction
    const auto registry = store->registry(true);
    REQUIRE(registry.size() == 1);
    REQUIRE(registry[0].versions.size() == 3);
    // The second "2.0" replaced the first's components and owners, as on an existing product.
    CHECK(registry[0].versions[0].version == "2.0");
    REQUIRE(registry[0].versions[0].components.size() == 1);
    CHECK(registry[0].versions[0].components[0].name == "curl");
}

TEST_CASE("putProduct of new and existing products in one transaction", "[store][products]") {
    auto store = Store::inMemory();
    RegisteredProduct viewer;
    viewer.name = "Viewer";
    viewer.versions.push_back({"", {}, {component("libpng", "1.6.39")}, false});
    RegisteredProduct p = pump();
    {
        Store::Transaction tx(*store);
        store->putProduct(p, 100);
        store->putProduct(viewer, 100);
        p.owners = {"psirt@example.jp"};
        p.versions[1].components.pop_back();
        p.removed = true;
        store->putProduct(p, 200); // existing now: updated in place
        tx.commit();
    }
    const auto registry = store->registry(true);
    REQUIRE(registry.size() == 2);
    requireSame(registry[0], p);
    requireSame(registry[1], viewer);
    CHECK(store->registry().size() == 1); // the removed one left out
}
