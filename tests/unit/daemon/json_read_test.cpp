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

TEST_CASE("the simdjson reader and the Poco reader read records alike", "[daemon][json]") {
    Advisory a = sample();
    a.withdrawn = true;
    a.signature = "valid";
    a.list = "jvn-announce";
    a.history = {{1, parseIsoDateTime("2021-12-14T16:37+09:00"), "掲載"},
                 {2, std::nullopt, "CVSS \\n 更新"}};
    a.references.push_back({"関連文書", "JVNVU#96768815", ""});
    const std::vector<std::string> documents = {
        toJson(a), toJson(sample()),
        // nulls and absent members, an integer score, members in another order
        R"({"withdrawn":null,"id":"JVN#1","cvss":[{"score":7,"version":"3.0"}],)"
        R"("aliases":null,"title":null,"affected":[{"versions":null}],"history":[{"number":2.0}]})",
        // escapes and a character outside the BMP
        R"({"id":"JVNDB-2024-000001","title":"\u30c6\u30b9\u30c8 \ud83d\ude00 \"q\" \\ \/"})"};
    for (const std::string& json : documents) {
        INFO(json);
        CHECK(toJson(advisoryFromJson(json)) == toJson(advisoryFromJsonPoco(json)));
    }
    const Advisory ints =
        advisoryFromJson(R"({"id":"JVN#1","cvss":[{"score":7}],"history":[{"number":2}]})");
    CHECK(ints.cvss.at(0).score == Approx(7.0));
    CHECK(ints.history.at(0).number == 2);
    CHECK(advisoryFromJson(documents[3]).title == "テスト \xF0\x9F\x98\x80 \"q\" \\ /");
}

TEST_CASE("a record simdjson refuses is read by the Poco reader", "[daemon][json]") {
    // Invalid UTF-8 in a title (stored before feed text was repaired): whatever Poco makes of
    // it, the fast reader gives the same rather than a new error.
    const std::string json = "{\"id\":\"JVN#2\",\"title\":\"a\xff\xfe"
                             "b\"}";
    const auto read = [&](Advisory (*reader)(const std::string&)) {
        try {
            return toJson(reader(json));
        } catch (const JsonInputError& e) {
            return std::string("error: ") + e.what();
        }
    };
    CHECK(read(advisoryFromJson) == read(advisoryFromJsonPoco));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#2",})"), Catch::Contains("not valid JSON"));
}

TEST_CASE("bad member types in a record name the member", "[daemon][json]") {
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#1","cvss":[{"score":"high"}]})"),
                      Catch::Contains("record.cvss.score: expected a number"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#1","history":[{"number":"two"}]})"),
                      Catch::Contains("record.history.number: expected a number"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#1","withdrawn":"yes"})"),
                      Catch::Contains("record.withdrawn: expected true or false"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#1","cvss":{"score":1}})"),
                      Catch::Contains("record.cvss: expected an array of objects"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#1","affected":[3]})"),
                      Catch::Contains("record.affected[0]: expected an object"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":"JVN#1","cpes":["a",1]})"),
                      Catch::Contains("record.cpes[1]: expected a string"));
    CHECK_THROWS_WITH(advisoryFromJson(R"({"id":7})"),
                      Catch::Contains("record.id: expected a string"));
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
