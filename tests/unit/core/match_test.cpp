#include "core/cpe.h"
#include "core/match.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
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
        Component{"apache",
                  "log4j-core",
                  "2.14.1",
                  {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                  "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                  ""},
        Component{"madler", "zlib", "1.2.11", {"cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*"}, "", ""},
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
    // The record names no affected versions: the match needs review.
    CHECK(match.confidence == 70);
    CHECK(match.method == "cpe-product");
    CHECK(match.verdict == "needs-review");
    CHECK(match.reason == "CPE cpe:/a:apache:log4j matches component log4j-core "
                          "(cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*) by vendor and product; "
                          "this record states no affected versions, so version 2.14.1 was not "
                          "compared");
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
    // The product CPE's version is compared with the one the advisory's CPE names.
    CHECK(matches[0].verdict == "not-affected");
    CHECK(matches[0].method == "cpe-version");
    CHECK(matches[0].reason ==
          "CPE cpe:/o:linux:linux_kernel:5.4 matches product CPE "
          "cpe:2.3:o:linux:linux_kernel:5.10:*:*:*:*:*:*:* by vendor and product; version "
          "\"5.10\" is outside \"5.4\" (from the product CPE)");
    CHECK(matches[0].componentVersion.empty());
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
    product.components = {Component{
        "", "web", "", {R"(cpe:2.3:a:EXAMPLE\-corp:web\(server\):2.0:*:*:*:*:*:*:*)"}, "", ""}};
    CHECK(matchAdvisory(advisory, {product}).size() == 1);
}

TEST_CASE("Different vendor, product or part does not match", "[core][match]") {
    Product product;
    product.name = "P";
    product.components = {Component{"", "log4j", "", {"cpe:/a:apache:log4j"}, "", ""}};
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

TEST_CASE("Empty inputs give no match, a component without CPE is matched by name",
          "[core][match]") {
    CHECK(matchAdvisory(log4jAdvisory(), {}).empty());
    Advisory noCpe = log4jAdvisory();
    noCpe.cpes.clear();
    CHECK(matchAdvisory(noCpe, {viewer()}).empty());
    Product noComponentCpe;
    noComponentCpe.name = "Q";
    noComponentCpe.components = {Component{"apache", "log4j-core", "2.14.1", {}, "", ""}};
    const auto byName = matchAdvisory(log4jAdvisory(), {noComponentCpe});
    REQUIRE(byName.size() == 1);
    CHECK(byName[0].method == "name");
    CHECK(byName[0].verdict == "needs-review"); // the record states no affected versions
    CHECK(byName[0].confidence == vw::nameConfidence);
}

TEST_CASE("At most one match per product and component", "[core][match]") {
    Advisory advisory = log4jAdvisory();
    advisory.cpes = {"cpe:/a:apache:log4j:2.14", "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"};
    advisory.affected = {{"Apache", "Log4j", "cpe:/a:apache:log4j", {}}};
    Product product = viewer();
    product.components.push_back(
        Component{"apache", "log4j-core", "2.14.1", {"cpe:/a:apache:log4j:2.14.1"}, "", ""});
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
    first.components = {Component{"", "a", "", {"cpe:/a:zlib:zlib"}, "", ""},
                        Component{"", "b", "", {"cpe:/a:apache:log4j"}, "", ""}};
    first.cpes = {"cpe:/a:apache:log4j"};
    Product second;
    second.name = "Second";
    second.version = "9";
    second.components = {Component{"", "c", "", {"cpe:/a:apache:log4j"}, "", ""}};
    Product unrelated;
    unrelated.name = "Unrelated";
    unrelated.components = {Component{"", "d", "", {"cpe:/a:openssl:openssl"}, "", ""}};

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

namespace {

struct CpeCase {
    const char* what;
    const char* advisoryCpe;
    const char* componentCpe;
    const char* componentVersion; // Component::version
    int confidence;               // 0: no match
    const char* reason;           // checked when not empty
    const char* matchVersion;     // Match::componentVersion
};

// Component "c" of product "P" against one advisory CPE.
const CpeCase cpeCases[] = {
    // vendors that name no vendor: matched on part and product, confidence 50
    {"Yocto SBOM component with vendor ANY", "cpe:/a:openssl:openssl",
     "cpe:2.3:a:*:openssl:3.0.2:*:*:*:*:*:*:*", "", 50,
     "CPE cpe:/a:openssl:openssl matches component c (cpe:2.3:a:*:openssl:3.0.2:*:*:*:*:*:*:*) "
     "by product only; vendor not compared (registered vendor is *); this record states no "
     "affected versions, so version 3.0.2 (from the component's CPE) was not compared",
     "3.0.2"},
    {"component with vendor NA", "cpe:/a:busybox:busybox", "cpe:2.3:a:-:busybox:1.35.0", "1.35", 50,
     "CPE cpe:/a:busybox:busybox matches component c (cpe:2.3:a:-:busybox:1.35.0) by product "
     "only; vendor not compared (registered vendor is -); this record states no affected "
     "versions, so version 1.35 was not compared",
     "1.35"},
    {"component with 2.2 empty vendor", "cpe:2.3:a:zlib:zlib:1.2.11", "cpe:/a::zlib", "", 50,
     "CPE cpe:2.3:a:zlib:zlib:1.2.11 matches component c (cpe:/a::zlib) by product only; vendor "
     "not compared (registered vendor is *); the registered version is not known, so it was "
     "not compared",
     ""},
    {"component with JVN's misc", "cpe:/a:apache:log4j", "cpe:/a:misc:log4j", "", 50, "", ""},
    {"advisory with JVN's misc", "cpe:/a:misc:log4j", "cpe:2.3:a:apache:log4j:2.14.1", "", 50,
     "CPE cpe:/a:misc:log4j matches component c (cpe:2.3:a:apache:log4j:2.14.1) by product only; "
     "vendor not compared (advisory vendor is misc); this record states no affected versions, "
     "so version 2.14.1 (from the component's CPE) was not compared",
     "2.14.1"},
    {"advisory with vendor ANY", "cpe:2.3:a:*:log4j", "cpe:/a:apache:log4j", "", 50, "", ""},
    {"both misc", "cpe:/a:misc:example_viewer", "cpe:/a:MISC:Example_Viewer", "", 50, "", ""},
    // named vendors on both sides: vendor and product, confidence 70
    {"CPE version as the component's version", "cpe:/a:apache:log4j",
     "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "", 70,
     "CPE cpe:/a:apache:log4j matches component c (cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*) "
     "by vendor and product; this record states no affected versions, so version 2.14.1 (from "
     "the component's CPE) was not compared",
     "2.14.1"},
    {"component version wins over the CPE's", "cpe:/a:apache:log4j",
     "cpe:2.3:a:apache:log4j:2.14.1", "2.14.0", 70,
     "CPE cpe:/a:apache:log4j matches component c (cpe:2.3:a:apache:log4j:2.14.1) by vendor and "
     "product; this record states no affected versions, so version 2.14.0 was not compared",
     "2.14.0"},
    {"CPE version ANY or NA is no version", "cpe:/a:apache:log4j",
     "cpe:2.3:a:apache:log4j:-:*:*:*:*:*:*:*", "", 70, "", ""},
    {"space and underscore", "cpe:/a:apache:http%20server", "cpe:2.3:a:apache:http_server:2.4.57",
     "", 70, "", "2.4.57"},
    {"2.2 percent-encoding meets 2.3 escape", "cpe:/a:micro%24oft:office",
     R"(cpe:2.3:a:Micro\$oft:Office:2016:*:*:*:*:*:*:*)", "", 70, "", "2016"},
    // false positives guarded: the product must be equal after normalization
    {"log4net is not log4j", "cpe:/a:apache:log4j", "cpe:2.3:a:*:log4net:2.0.8", "", 0, "", ""},
    {"http_server is not log4j", "cpe:/a:apache:log4j", "cpe:2.3:a:*:http_server:2.4", "", 0, "",
     ""},
    {"misc advisory, other product", "cpe:/a:misc:log4net", "cpe:/a:apache:log4j", "", 0, "", ""},
    {"product prefix", "cpe:/a:misc:log4j_core", "cpe:2.3:a:*:log4j", "", 0, "", ""},
    {"part differs with vendor ANY", "cpe:/o:apache:log4j", "cpe:2.3:a:*:log4j", "", 0, "", ""},
    {"named vendors differ", "cpe:/a:qos:logback", "cpe:/a:apache:logback", "", 0, "", ""},
    {"a wildcard product is not a pattern here", "cpe:/a:apache:log4j", "cpe:2.3:a:*:log4*", "", 0,
     "", ""},
};

} // namespace

TEST_CASE("CPE matching with pseudo-vendors and the CPE's own version", "[core][match]") {
    for (const CpeCase& c : cpeCases) {
        INFO(c.what << ": " << c.advisoryCpe << " vs " << c.componentCpe);
        Product product;
        product.name = "P";
        product.version = "1";
        product.components = {Component{"", "c", c.componentVersion, {c.componentCpe}, "", ""}};
        Advisory advisory;
        advisory.id = "JVNDB-2024-000010";
        advisory.cpes = {c.advisoryCpe};
        const auto matches = matchAdvisory(advisory, {product});
        if (c.confidence == 0) {
            CHECK(matches.empty());
            continue;
        }
        REQUIRE(matches.size() == 1);
        CHECK(matches[0].confidence == c.confidence);
        CHECK(matches[0].method == "cpe-product");
        CHECK(matches[0].version == "1");
        CHECK(matches[0].componentVersion == c.matchVersion);
        if (*c.reason != '\0') {
            CHECK(matches[0].reason == c.reason);
        }
        if (c.confidence == vw::cpeProductOnlyConfidence) {
            CHECK_THAT(matches[0].reason, Catch::Contains("vendor not compared"));
        }

        // The store's candidate search finds the advisory through the matcher's lists.
        const vw::ProductMatcher matcher({product});
        const auto named = vw::parseCpe(c.advisoryCpe);
        REQUIRE(named);
        const auto pairs = matcher.vendorProducts();
        const auto anyVendor = matcher.anyVendorProducts();
        const bool byPair = std::find(pairs.begin(), pairs.end(),
                                      std::make_pair(named->vendor, named->product)) != pairs.end();
        const bool byProduct =
            std::find(anyVendor.begin(), anyVendor.end(), named->product) != anyVendor.end();
        CHECK((byPair || byProduct));
    }
}

TEST_CASE("The most confident advisory CPE is the one named", "[core][match]") {
    Product product;
    product.name = "P";
    product.components = {Component{"", "log4j-core", "", {"cpe:/a:apache:log4j:2.14.1"}, "", ""},
                          Component{"", "sbom-log4j", "", {"cpe:2.3:a:*:log4j:2.17.0"}, "", ""}};
    product.cpes = {"cpe:/a:misc:log4j", "cpe:/a:apache:log4j"}; // one candidate "label" each
    Advisory advisory;
    advisory.id = "JVNDB-2021-005555";
    advisory.cpes = {"cpe:/a:misc:log4j", "cpe:/a:apache:log4j"};
    const auto matches = matchAdvisory(advisory, {product});
    REQUIRE(matches.size() == 4);
    CHECK(matches[0].component == "cpe:/a:misc:log4j");
    CHECK(matches[0].confidence == 50);
    CHECK(matches[0].componentVersion.empty()); // a product CPE's version is not a component's
    CHECK(matches[1].component == "cpe:/a:apache:log4j");
    CHECK(matches[1].confidence == 70);
    CHECK(matches[1].reason.find("CPE cpe:/a:apache:log4j matches") == 0);
    CHECK(matches[2].component == "log4j-core");
    CHECK(matches[2].confidence == 70);
    CHECK(matches[2].reason.find("CPE cpe:/a:apache:log4j matches") == 0);
    CHECK(matches[2].componentVersion == "2.14.1");
    CHECK(matches[3].component == "sbom-log4j");
    CHECK(matches[3].confidence == 50);
    CHECK(matches[3].reason.find("CPE cpe:/a:misc:log4j matches") == 0); // first of equals
    CHECK(matches[3].componentVersion == "2.17.0");

    // Two candidates with one label: the more confident one wins, in the first one's place.
    Product twice;
    twice.name = "Q";
    twice.components = {Component{"", "log4j", "", {"cpe:2.3:a:*:log4j"}, "", ""},
                        Component{"", "log4j", "", {"cpe:/a:apache:log4j"}, "", ""}};
    advisory.cpes = {"cpe:/a:apache:log4j"};
    const auto best = matchAdvisory(advisory, {twice});
    REQUIRE(best.size() == 1);
    CHECK(best[0].confidence == 70);
    CHECK(best[0].reason.find("(cpe:/a:apache:log4j) by vendor and product") != std::string::npos);
}

TEST_CASE("The matcher lists what the store's candidate search needs", "[core][match]") {
    Product product;
    product.name = "P";
    product.components = {Component{"", "a", "", {"cpe:/a:Apache:Log4j"}, "", ""},
                          Component{"", "b", "", {"cpe:2.3:a:*:openssl:3.0.2"}, "", ""},
                          Component{"", "c", "", {"cpe:/a:misc:openssl"}, "", ""},
                          Component{"", "d", "", {"not a cpe"}, "", ""}};
    const vw::ProductMatcher matcher({product});
    using Pair = std::pair<std::string, std::string>;
    CHECK(matcher.vendorProducts() == std::vector<Pair>{{"apache", "log4j"},
                                                        {"*", "log4j"},
                                                        {"-", "log4j"},
                                                        {"misc", "log4j"},
                                                        {"*", "openssl"},
                                                        {"-", "openssl"},
                                                        {"misc", "openssl"}});
    CHECK(matcher.anyVendorProducts() == std::vector<std::string>{"openssl"});
}
