#include "core/json_writer.h"
#include "daemon/json_read.h"

#include <catch2/catch.hpp>

using namespace vw;

namespace {

Advisory sample() {
    Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"};
    a.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    a.summary = "line one\nline \"two\"";
    a.url = "https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html";
    a.published = parseIsoDateTime("2021-12-14T16:37+09:00");
    a.cvss = {{"3.0", 10.0, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
              {"2.0", 9.3, "High", "AV:N/AC:M/Au:N/C:C/I:C/A:C"}};
    a.cpes = {"cpe:/a:apache:log4j"};
    a.affected = {{"Apache Software Foundation",
                   "Apache Log4j",
                   "cpe:/a:apache:log4j",
                   {"2.0-beta9 から 2.14.1 まで"}}};
    a.references = {{"CVE", "CVE-2021-44228", "https://www.cve.org/CVERecord?id=CVE-2021-44228"}};
    return a;
}

} // namespace

TEST_CASE("a record survives toJson and advisoryFromJson unchanged", "[daemon][json]") {
    const Advisory a = sample();
    const Advisory b = advisoryFromJson(toJson(a));
    CHECK(toJson(b) == toJson(a));
    CHECK(b.title == a.title);
    CHECK(b.cvss.size() == 2);
    CHECK(b.cvss[1].score == Approx(9.3));
    CHECK_FALSE(b.modified.has_value());
    REQUIRE(b.published.has_value());
    CHECK(b.published->epoch == a.published->epoch);
    CHECK(b.affected.at(0).versions.at(0) == "2.0-beta9 から 2.14.1 まで");
}

TEST_CASE("bad record JSON names the field", "[daemon][json]") {
    CHECK_THROWS_WITH(advisoryFromJson("{"), Catch::Contains("not valid JSON"));
    CHECK_THROWS_WITH(advisoryFromJson("[]"), Catch::Contains("expected a JSON object"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"title":"x"})"), Catch::Contains("record.id"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVNDB-2021-005429","aliases":"CVE-1"})"),
                      Catch::Contains("record.aliases"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVNDB-2021-005429","published":"yesterday"})"),
                      Catch::Contains("record.published"));
}

TEST_CASE("the product registry round-trips through export and import", "[daemon][json]") {
    std::vector<RegisteredProduct> products(2);
    products[0].name = "Example Imaging Viewer";
    products[0].owners = {"psirt@example.jp"};
    products[0].keywords = {"Log4j"};
    products[0].versions = {
        {"3.2",
         {},
         {{"apache",
           "log4j-core",
           "2.14.1",
           {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "cpe:/a:apache:log4j:2.14.1"},
           "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
           "Apache"}},
         false},
        {"3.3", {"v33@example.jp"}, {}, false}};
    products[1].name = "輸液ポンプ コンソール";
    products[1].cpes = {"cpe:/a:example:pump_console"};
    products[1].versions = {{"", {}, {}, false}};
    const auto back = productsFromJson(toJson(products));
    REQUIRE(back.size() == 2);
    CHECK(toJson(back) == toJson(products));
    CHECK(back[1].name == "輸液ポンプ コンソール");
    REQUIRE(back[0].versions.size() == 2);
    CHECK(back[0].versions[0].components.at(0).cpes.size() == 2);
    CHECK(back[0].versions[0].components.at(0).supplier == "Apache");
    CHECK(back[0].versions[1].owners == std::vector<std::string>{"v33@example.jp"});
}

TEST_CASE("the single-version registry form still imports", "[daemon][json]") {
    const auto products = productsFromJson(
        R"({"products":[{"name":"Example Viewer","version":"3.2","owners":["psirt@example.jp"],
            "components":[{"vendor":"apache","name":"log4j-core","version":"2.14.1",
            "cpe":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]},{"name":"Bare"}]})");
    REQUIRE(products.size() == 2);
    REQUIRE(products[0].versions.size() == 1);
    CHECK(products[0].versions[0].version == "3.2");
    CHECK(products[0].versions[0].components.at(0).cpes ==
          std::vector<std::string>{"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"});
    REQUIRE(products[1].versions.size() == 1);
    CHECK(products[1].versions[0].version.empty());
    const auto flat = activeVersions(products);
    REQUIRE(flat.size() == 2);
    CHECK(flat[0].owners == std::vector<std::string>{"psirt@example.jp"});
}

TEST_CASE("a registry mixing both forms or repeating a version is rejected", "[daemon][json]") {
    CHECK_THROWS_WITH(
        productsFromJson(
            R"({"products":[{"name":"A","version":"1","versions":[{"version":"2"}]}]})"),
        Catch::Contains("products[0]") && Catch::Contains("not both"));
    CHECK_THROWS_WITH(
        productsFromJson(
            R"({"products":[{"name":"A","versions":[{"version":"2"},{"version":"2"}]}]})"),
        Catch::Contains("products[0].versions[1].version"));
    CHECK_THROWS_WITH(
        productsFromJson(
            R"({"products":[{"name":"A","versions":[{"components":[{"version":"1"}]}]}]})"),
        Catch::Contains("products[0].versions[0].components[0]"));
}

TEST_CASE("a registry without products or names is rejected", "[daemon][json]") {
    CHECK_THROWS_WITH(productsFromJson("{}"), Catch::Contains("products"));
    CHECK_THROWS_WITH(productsFromJson(R"({"products":[{"version":"1"}]})"),
                      Catch::Contains("products[0].name"));
}
