#include "core/match.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using vw::Advisory;
using vw::Component;
using vw::matchAdvisory;
using vw::Product;

namespace {

Advisory log4jAdvisory() {
    Advisory advisory;
    advisory.source = "vuldef";
    advisory.id = "JVNDB-2021-005555";
    advisory.aliases = {"CVE-2021-44228", "JVNVU#96768815"};
    advisory.cpes = {"cpe:/a:apache:log4j"};
    return advisory;
}

Product viewer() {
    Product product;
    product.name = "Example Viewer";
    product.version = "3.2";
    product.components = {
        Component{"apache", "log4j-core", "2.14.1", "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
                  "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
        Component{"madler", "zlib", "1.2.11", "cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*", ""},
    };
    return product;
}

} // namespace

TEST_CASE("An advisory CPE matches a component by vendor and product", "[core][match]") {
    const auto matches = matchAdvisory(log4jAdvisory(), {viewer()});
    REQUIRE(matches.size() == 1);
    const vw::Match& match = matches[0];
    CHECK(match.advisory == "JVNDB-2021-005555");
    CHECK(match.aliases == std::vector<std::string>{"CVE-2021-44228", "JVNVU#96768815"});
    CHECK(match.product == "Example Viewer");
    CHECK(match.version == "3.2");
    CHECK(match.component == "log4j-core");
    CHECK(match.confidence == 70);
    CHECK(match.method == "cpe-product");
    CHECK(match.reason == "CPE cpe:/a:apache:log4j matches component log4j-core "
                          "(cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*) by vendor and product; "
                          "version not compared");
}

TEST_CASE("A CPE given on the product is a candidate named by the CPE", "[core][match]") {
    Product product;
    product.name = "Gateway";
    product.version = "1.0";
    product.cpes = {"cpe:2.3:o:linux:linux_kernel:5.10:*:*:*:*:*:*:*"};
    Advisory advisory;
    advisory.id = "JVNDB-2024-000001";
    advisory.cpes = {"cpe:/o:linux:linux_kernel:5.4"};
    const auto matches = matchAdvisory(advisory, {product});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].component == "cpe:2.3:o:linux:linux_kernel:5.10:*:*:*:*:*:*:*");
    CHECK(matches[0].product == "Gateway");
    CHECK(matches[0].reason ==
          "CPE cpe:/o:linux:linux_kernel:5.4 matches product CPE "
          "cpe:2.3:o:linux:linux_kernel:5.10:*:*:*:*:*:*:* by vendor and product; "
          "version not compared");
}

TEST_CASE("Affected items contribute their CPEs", "[core][match]") {
    Advisory advisory;
    advisory.id = "JVNDB-2023-004814";
    advisory.affected = {{"zlib", "zlib", "cpe:/a:zlib:zlib", {"1.2.12 より前"}},
                         {"Other", "no cpe", "", {}}};
    const auto matches = matchAdvisory(advisory, {viewer()});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].component == "zlib");
    CHECK(matches[0].reason.find("CPE cpe:/a:zlib:zlib matches component zlib") == 0);
}

TEST_CASE("CPE comparison ignores case and escapes", "[core][match]") {
    Advisory advisory;
    advisory.id = "JVNDB-2024-000002";
    advisory.cpes = {"cpe:/a:Example%2dCorp:Web%28Server%29"};
    Product product;
    product.name = "P";
    product.components = {
        Component{"", "web", "", R"(cpe:2.3:a:EXAMPLE\-corp:web\(server\):2.0:*:*:*:*:*:*:*)", ""}};
    CHECK(matchAdvisory(advisory, {product}).size() == 1);
}

TEST_CASE("Different vendor, product or part does not match", "[core][match]") {
    Product product;
    product.name = "P";
    product.components = {Component{"", "log4j", "", "cpe:/a:apache:log4j", ""}};
    Advisory advisory;
    advisory.id = "X";

    advisory.cpes = {"cpe:/a:apache:log4net"};
    CHECK(matchAdvisory(advisory, {product}).empty());
    advisory.cpes = {"cpe:/a:apachefoundation:log4j"};
    CHECK(matchAdvisory(advisory, {product}).empty());
    advisory.cpes = {"cpe:/o:apache:log4j"};
    CHECK(matchAdvisory(advisory, {product}).empty());
    advisory.cpes = {"apache log4j", "cpe:/a:apache"}; // unparseable names are skipped
    CHECK(matchAdvisory(advisory, {product}).empty());

    advisory.cpes = {"cpe:/:apache:log4j"}; // no part: part is not compared
    CHECK(matchAdvisory(advisory, {product}).size() == 1);
    advisory.cpes = {"cpe:2.3:*:apache:log4j:*:*:*:*:*:*:*:*"};
    CHECK(matchAdvisory(advisory, {product}).size() == 1);
}

TEST_CASE("Withdrawn advisories match nothing", "[core][match]") {
    Advisory advisory = log4jAdvisory();
    advisory.withdrawn = true;
    CHECK(matchAdvisory(advisory, {viewer()}).empty());
    CHECK(vw::ProductMatcher({viewer()}).match(advisory).empty());
}

TEST_CASE("Empty inputs and components without CPE give no match", "[core][match]") {
    CHECK(matchAdvisory(log4jAdvisory(), {}).empty());
    Advisory noCpe = log4jAdvisory();
    noCpe.cpes.clear();
    CHECK(matchAdvisory(noCpe, {viewer()}).empty());
    Product noComponentCpe;
    noComponentCpe.name = "Q";
    noComponentCpe.components = {Component{"apache", "log4j-core", "2.14.1", "", ""}};
    CHECK(matchAdvisory(log4jAdvisory(), {noComponentCpe}).empty());
}

TEST_CASE("At most one match per product and component", "[core][match]") {
    Advisory advisory = log4jAdvisory();
    advisory.cpes = {"cpe:/a:apache:log4j:2.14", "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"};
    advisory.affected = {{"Apache", "Log4j", "cpe:/a:apache:log4j", {}}};
    Product product = viewer();
    product.components.push_back(
        Component{"apache", "log4j-core", "2.14.1", "cpe:/a:apache:log4j:2.14.1", ""});
    product.cpes = {"cpe:/a:apache:log4j", "cpe:/a:apache:log4j"};
    const auto matches = matchAdvisory(advisory, {product});
    REQUIRE(matches.size() == 2);
    CHECK(matches[0].component == "cpe:/a:apache:log4j");
    CHECK(matches[1].component == "log4j-core");
    // The first advisory CPE in advisory order is the one named.
    CHECK(matches[1].reason.find("CPE cpe:/a:apache:log4j:2.14 matches") == 0);
}

TEST_CASE("Matches come in registry order", "[core][match]") {
    Product first;
    first.name = "First";
    first.components = {Component{"", "a", "", "cpe:/a:zlib:zlib", ""},
                        Component{"", "b", "", "cpe:/a:apache:log4j", ""}};
    first.cpes = {"cpe:/a:apache:log4j"};
    Product second;
    second.name = "Second";
    second.version = "9";
    second.components = {Component{"", "c", "", "cpe:/a:apache:log4j", ""}};
    Product unrelated;
    unrelated.name = "Unrelated";
    unrelated.components = {Component{"", "d", "", "cpe:/a:openssl:openssl", ""}};

    Advisory advisory;
    advisory.id = "JVNDB-2024-000003";
    advisory.cpes = {"cpe:/a:apache:log4j", "cpe:/a:zlib:zlib"};
    const std::vector<Product> registry{unrelated, first, second};
    const auto matches = matchAdvisory(advisory, registry);
    REQUIRE(matches.size() == 4);
    CHECK(matches[0].product == "First");
    CHECK(matches[0].component == "cpe:/a:apache:log4j");
    CHECK(matches[1].product == "First");
    CHECK(matches[1].component == "a");
    CHECK(matches[2].product == "First");
    CHECK(matches[2].component == "b");
    CHECK(matches[3].product == "Second");
    CHECK(matches[3].version == "9");
    CHECK(matches[3].component == "c");

    // The prepared matcher gives the same answer and does not depend on the registry's lifetime.
    const vw::ProductMatcher matcher(registry);
    const auto again = matcher.match(advisory);
    REQUIRE(again.size() == matches.size());
    for (std::size_t i = 0; i < again.size(); ++i) {
        CHECK(again[i].product == matches[i].product);
        CHECK(again[i].component == matches[i].component);
        CHECK(again[i].reason == matches[i].reason);
    }
}
