// SSVC's Mission & Well-being per product (docs/cases.md "Priority (SSVC)") through the real
// `products` commands: set, kept, cleared and refused by `products add`, shown by `products
// list`, and round-tripped by `products export` / `products import` (the registry JSON).
#include "helpers/cli.h"
#include "store/kev.h"
#include "store/store.h"

#include <catch2/catch.hpp>

using namespace vw;
using test::cli;
using test::tempFile;

TEST_CASE("products add sets the mission and keeps it when not given",
          "[daemon][cli][products][mission]") {
    const std::string db = tempFile("mission.db");
    REQUIRE(cli({"--db", db, "products", "add", "Infusion Pump", "--version", "2.0", "--mission",
                 "High"})
                .code == kExitOk);
    auto r = cli({"--db", db, "products", "list"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("Infusion Pump\n    mission high\n"));
    // Another version, no --mission: the product keeps it.
    REQUIRE(cli({"--db", db, "products", "add", "Infusion Pump", "--version", "2.1"}).code ==
            kExitOk);
    {
        auto store = Store::open(db);
        CHECK(productMission(*store, "Infusion Pump") == "high");
    }
    r = cli({"--db", db, "products", "add", "Infusion Pump", "--mission", "critical"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("--mission 'critical' is not low, medium, high or unset"));
    {
        auto store = Store::open(db);
        CHECK(productMission(*store, "Infusion Pump") == "high"); // refused: unchanged
    }
    REQUIRE(cli({"--db", db, "products", "add", "Infusion Pump", "--mission", "unset"}).code ==
            kExitOk);
    r = cli({"--db", db, "products", "list"});
    CHECK_THAT(r.out, !Catch::Contains("mission"));
    auto store = Store::open(db);
    CHECK(productMission(*store, "Infusion Pump").empty());
}

TEST_CASE("the mission round-trips through products export and import",
          "[daemon][cli][products][mission]") {
    const std::string db = tempFile("export.db");
    REQUIRE(cli({"--db", db, "products", "add", "Infusion Pump", "--version", "2.0", "--mission",
                 "high"})
                .code == kExitOk);
    REQUIRE(cli({"--db", db, "products", "add", "Report Viewer", "--version", "1.0"}).code ==
            kExitOk);
    auto exported = cli({"--db", db, "products", "export"});
    REQUIRE(exported.code == kExitOk);
    CHECK_THAT(exported.out,
               Catch::Contains(R"({"name":"Infusion Pump","mission":"high","versions":[)"));
    CHECK_THAT(exported.out, Catch::Contains(R"({"name":"Report Viewer","versions":[)"));

    const std::string other = tempFile("import.db");
    const std::string file = tempFile("registry.json", exported.out);
    auto r = cli({"--db", other, "products", "import", file});
    REQUIRE(r.code == kExitOk);
    CHECK(cli({"--db", other, "products", "export"}).out == exported.out);
    auto store = Store::open(other);
    CHECK(productMission(*store, "Infusion Pump") == "high");
    CHECK(productMission(*store, "Report Viewer").empty());
}

TEST_CASE("products import refuses a mission that is not low medium or high",
          "[daemon][cli][products][mission]") {
    const std::string db = tempFile("bad.db");
    const std::string file = tempFile(
        "bad.json",
        R"({"products":[{"name":"A","mission":"low"},{"name":"Pump","mission":"vital"}]})");
    auto r = cli({"--db", db, "products", "import", file});
    CHECK(r.code != kExitOk);
    CHECK_THAT(r.err, Catch::Contains("products[1].mission: 'vital' is not low, medium or high"));
    auto store = Store::open(db);
    CHECK(store->registry().empty()); // nothing of the file was imported

    const std::string typed =
        tempFile("typed.json", R"({"products":[{"name":"Pump","mission":3}]})");
    r = cli({"--db", db, "products", "import", typed});
    CHECK(r.code != kExitOk);
    CHECK_THAT(r.err, Catch::Contains("mission"));
}
