// Matching with versions: the registered version against the advisory's VersionNumber texts
// (issue 10 part 4): affected, evaluated not affected, needs review.
#include "core/match.h"

#include <catch2/catch.hpp>

using vw::Advisory;
using vw::Component;
using vw::Match;
using vw::Product;

namespace {

/// JVNDB-2021-005429 as its VULDEF detail states it (real facts; the text is JVN's).
Advisory log4jDetail() {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.affected = {{"Apache Software Foundation",
                   "Apache Log4j",
                   "cpe:/a:apache:log4j",
                   {"2.0-beta9 から 2.14.1 まで"}}};
    return a;
}

Product withComponent(const std::string& version, const std::string& cpe) {
    Product p;
    p.name = "Bedside Monitor Gateway";
    p.version = "1.8";
    p.components = {Component{"", "log4j-core", version, {cpe}, "", ""}};
    return p;
}

struct VersionCase {
    const char* what;
    const char* componentVersion;
    const char* componentCpe;
    const char* verdict;
    const char* method;
    int confidence;
    const char* reasonPart;
};

const VersionCase versionCases[] = {
    {"in the range", "2.14.1", "cpe:/a:apache:log4j", "affected", "cpe-version", 100,
     "version \"2.14.1\" is in \"2.0-beta9 から 2.14.1 まで\" (>= 2.0-beta9, <= 2.14.1)"},
    {"the range's lower bound, a pre-release", "2.0-beta9", "cpe:/a:apache:log4j", "affected",
     "cpe-version", 100, "is in \"2.0-beta9 から 2.14.1 まで\""},
    {"fixed version", "2.17.1", "cpe:/a:apache:log4j", "not-affected", "cpe-version", 100,
     "version \"2.17.1\" is outside \"2.0-beta9 から 2.14.1 まで\""},
    {"before the range", "1.2.17", "cpe:/a:apache:log4j", "not-affected", "cpe-version", 100,
     "is outside"},
    {"version from the component's CPE", "", "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
     "affected", "cpe-version", 100, "(from the component's CPE)"},
    {"vendor not compared", "2.14.1", "cpe:2.3:a:*:log4j", "affected", "cpe-version", 80,
     "vendor not compared"},
    {"no version registered", "", "cpe:/a:apache:log4j", "needs-review", "cpe-product", 70,
     "the registered version is not known"},
    {"a version with no number", "latest", "cpe:/a:apache:log4j", "needs-review", "cpe-product", 70,
     "version \"latest\" has no number to compare"},
};

} // namespace

TEST_CASE("A component's version is compared with the advisory's affected versions",
          "[core][match][version]") {
    for (const VersionCase& c : versionCases) {
        INFO(c.what);
        const auto matches =
            vw::matchAdvisory(log4jDetail(), {withComponent(c.componentVersion, c.componentCpe)});
        REQUIRE(matches.size() == 1);
        CHECK(matches[0].verdict == c.verdict);
        CHECK(matches[0].method == c.method);
        CHECK(matches[0].confidence == c.confidence);
        CHECK_THAT(matches[0].reason, Catch::Contains(c.reasonPart));
    }
}

TEST_CASE("A record without affected versions or with unreadable text needs review",
          "[core][match][version]") {
    // An iPedia RSS item names the CPE only.
    Advisory rss;
    rss.source = "jvn-rss";
    rss.id = "JVNDB-2021-005429";
    rss.cpes = {"cpe:/a:apache:log4j"};
    auto matches = vw::matchAdvisory(rss, {withComponent("2.17.1", "cpe:/a:apache:log4j")});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].verdict == "needs-review");
    CHECK(matches[0].confidence == vw::cpeProductConfidence);
    CHECK_THAT(matches[0].reason, Catch::Contains("this record states no affected versions"));

    Advisory dated = log4jDetail();
    dated.affected[0].versions = {"2021年4月以前のバージョン"};
    matches = vw::matchAdvisory(dated, {withComponent("2.17.1", "cpe:/a:apache:log4j")});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].verdict == "needs-review");
    CHECK_THAT(matches[0].reason, Catch::Contains("could not be read"));

    // The same text, but a version in another readable range: affected all the same.
    dated.affected.push_back({"Apache", "Apache Log4j", "cpe:/a:apache:log4j", {"2.15.0"}});
    matches = vw::matchAdvisory(dated, {withComponent("2.15.0", "cpe:/a:apache:log4j")});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].verdict == "affected");
}

TEST_CASE("Several VersionNumber texts and CPE versions: any of them holds the version",
          "[core][match][version]") {
    Advisory a = log4jDetail();
    a.affected = {{"Apache", "Apache Log4j", "cpe:/a:apache:log4j", {"2.0-beta9 から 2.14.1 まで"}},
                  {"Apache", "Apache Log4j", "cpe:/a:apache:log4j", {"2.15.0"}}};
    CHECK(vw::matchAdvisory(a, {withComponent("2.15.0", "cpe:/a:apache:log4j")})[0].verdict ==
          "affected");
    CHECK(vw::matchAdvisory(a, {withComponent("2.16.0", "cpe:/a:apache:log4j")})[0].verdict ==
          "not-affected");
    // A CPE in `cpes` naming a version names exactly that one.
    Advisory named;
    named.id = "JVNDB-2024-000001";
    named.cpes = {"cpe:/a:zlib:zlib:1.2.11"};
    Product p;
    p.name = "P";
    p.components = {Component{"", "zlib", "1.2.11", {"cpe:/a:zlib:zlib"}, "", ""},
                    Component{"", "zlib-new", "1.3", {"cpe:/a:zlib:zlib"}, "", ""}};
    const auto matches = vw::matchAdvisory(named, {p});
    REQUIRE(matches.size() == 2);
    CHECK(matches[0].verdict == "affected");
    CHECK(matches[1].verdict == "not-affected");
}

TEST_CASE("One advisory, three versions of a product, two affected", "[core][match][version]") {
    std::vector<Product> registry;
    for (const auto& [version, log4j] :
         {std::pair{"1.7", "2.14.0"}, std::pair{"1.8", "2.14.1"}, std::pair{"1.9", "2.17.1"}}) {
        Product p = withComponent(log4j, "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*");
        p.version = version;
        registry.push_back(p);
    }
    const auto matches = vw::matchAdvisory(log4jDetail(), registry);
    REQUIRE(matches.size() == 3);
    CHECK(matches[0].version == "1.7");
    CHECK(matches[0].verdict == "affected");
    CHECK(matches[1].version == "1.8");
    CHECK(matches[1].verdict == "affected");
    CHECK(matches[2].version == "1.9");
    CHECK(matches[2].verdict == "not-affected");
    CHECK_THAT(matches[2].reason, Catch::Contains("\"2.17.1\" is outside"));
}

TEST_CASE("A product CPE is compared with the product's version", "[core][match][version]") {
    Advisory a;
    a.id = "JVNDB-2024-000002";
    a.affected = {{"Example",
                   "Gateway firmware",
                   "cpe:/h:example:gateway",
                   {"ファームウエア 1.8 およびそれ以前"}}};
    Product p;
    p.name = "Gateway";
    p.cpes = {"cpe:/h:example:gateway"};
    for (const auto& [version, verdict] :
         {std::pair{"1.8", "affected"}, std::pair{"1.9", "not-affected"},
          std::pair{"", "needs-review"}}) {
        p.version = version;
        const auto matches = vw::matchAdvisory(a, {p});
        REQUIRE(matches.size() == 1);
        CHECK(matches[0].verdict == verdict);
    }
}

TEST_CASE("Of a component's CPEs the best verdict wins", "[core][match][version]") {
    Advisory a = log4jDetail();
    a.cpes = {"cpe:/a:misc:log4j"}; // RSS-style CPE without versions, met by product only
    Product p = withComponent("2.14.1", "cpe:/a:apache:log4j");
    const auto matches = vw::matchAdvisory(a, {p});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].verdict == "affected");
    CHECK(matches[0].confidence == 100);
}
