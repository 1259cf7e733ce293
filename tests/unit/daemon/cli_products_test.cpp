// `vulnwatch products …` and `matches list` through the real command: products with versions,
// removal that keeps history, the registry JSON in both forms.
#include "helpers/cli.h"
#include "store/store.h"

#include <catch2/catch.hpp>

using namespace vw;
using test::cli;
using test::tempFile;

TEST_CASE("products add registers versions, each listed with its components",
          "[daemon][cli][products]") {
    const std::string db = tempFile("versions.db");
    REQUIRE(cli({"--db", db, "products", "add", "Bedside Monitor Gateway", "--version", "1.8",
                 "--owner", "psirt@example.jp"})
                .code == kExitOk);
    REQUIRE(cli({"--db", db, "products", "add", "Bedside Monitor Gateway", "--version", "1.9",
                 "--version-owner", "gw19@example.jp"})
                .code == kExitOk);
    auto r = cli({"--db", db, "products", "list"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("Bedside Monitor Gateway  <psirt@example.jp>"));
    CHECK_THAT(r.out, Catch::Contains("    version 1.8  0 components\n"));
    CHECK_THAT(r.out, Catch::Contains("    version 1.9  0 components  <gw19@example.jp>\n"));

    // Options not given keep what is registered: the product's owner stayed.
    auto store = Store::open(db);
    const auto products = store->products();
    REQUIRE(products.size() == 2);
    CHECK(products[0].owners == std::vector<std::string>{"psirt@example.jp"});
    CHECK(products[1].owners == std::vector<std::string>{"gw19@example.jp"});

    CHECK(cli({"--db", db, "products", "add", "X", "--version-owner", "a@example.jp"}).code ==
          kExitUsage);
}

TEST_CASE("products remove keeps the history, export and list show it with --all",
          "[daemon][cli][products]") {
    const std::string db = tempFile("remove.db");
    for (const char* version : {"1.7", "1.8"}) {
        REQUIRE(cli({"--db", db, "products", "add", "Gateway", "--version", version}).code ==
                kExitOk);
    }
    auto r = cli({"--db", db, "products", "remove", "Gateway", "--version", "1.7"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("version '1.7' removed"));
    r = cli({"--db", db, "products", "remove", "Gateway", "--version", "1.7"});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::Contains("has no version '1.7'"));

    r = cli({"--db", db, "products", "list"});
    CHECK_THAT(r.out, !Catch::Contains("version 1.7"));
    r = cli({"--db", db, "products", "list", "--all"});
    CHECK_THAT(r.out, Catch::Contains("version 1.7  0 components  (removed)"));
    r = cli({"--db", db, "products", "export", "--all"});
    CHECK_THAT(r.out, Catch::Contains(R"({"version":"1.7","removed":true})"));

    CHECK(cli({"--db", db, "products", "remove", "Gateway"}).code == kExitOk);
    CHECK(cli({"--db", db, "products", "list"}).out.empty());
    CHECK_THAT(cli({"--db", db, "products", "list", "--all"}).out,
               Catch::Contains("Gateway  (removed)"));
}

TEST_CASE("products import takes both registry forms and export gives the versions form",
          "[daemon][cli][products]") {
    const std::string db = tempFile("import.db");
    const std::string file = tempFile("registry.json", R"({"products":[
 {"name":"Example Viewer","version":"3.2","owners":["psirt@example.jp"],
  "components":[{"name":"log4j-core","version":"2.14.1","cpe":"cpe:/a:apache:log4j:2.14.1"}]},
 {"name":"Bedside Monitor Gateway","owners":["qa@example.jp"],"versions":[
  {"version":"1.8","components":[{"name":"zlib","version":"1.2.11",
    "purl":"pkg:generic/zlib@1.2.11","supplier":"zlib.net"}]},
  {"version":"1.9","owners":["gw19@example.jp"]}]}]})");
    auto r = cli({"--db", db, "products", "import", file});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("2 products imported"));
    r = cli({"--db", db, "products", "export"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains(R"("versions":[{"version":"3.2","components":[)"));
    CHECK_THAT(r.out, Catch::Contains(R"("supplier":"zlib.net")"));
    CHECK_THAT(r.out, Catch::Contains(R"({"version":"1.9","owners":["gw19@example.jp"]})"));

    // What export wrote imports again into an empty store unchanged.
    const std::string second = tempFile("second.db");
    const std::string exported = tempFile("exported.json", r.out);
    REQUIRE(cli({"--db", second, "products", "import", exported}).code == kExitOk);
    CHECK(cli({"--db", second, "products", "export"}).out == r.out);

    const std::string bad = tempFile("bad.json", R"({"products":[{"name":"A","versions":[1]}]})");
    r = cli({"--db", db, "products", "import", bad});
    CHECK(r.code != kExitOk);
    CHECK_THAT(r.err, Catch::Contains("products[0].versions[0]"));
}
