// Matching without a CPE on the component side (issue 10 parts 5 and 6): by component name,
// through the user's cpe_map, and by keyword in records that name no CPE.
#include "core/match.h"

#include <catch2/catch.hpp>

using vw::Advisory;
using vw::Component;
using vw::Product;

namespace {

/// JVNDB-2021-005429 as its VULDEF detail states it (real facts).
Advisory log4jDetail() {
    Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2021-005429";
    a.aliases = {"CVE-2021-44228"};
    a.title = "Apache Log4j における任意のコードを実行される脆弱性";
    a.affected = {{"Apache Software Foundation",
                   "Apache Log4j",
                   "cpe:/a:apache:log4j",
                   {"2.0-beta9 から 2.14.1 まで"}}};
    return a;
}

/// A product whose only component carries a purl, as Maven SBOMs have it.
Product mavenProduct(const std::string& name, const std::string& version, const std::string& purl) {
    Product p;
    p.name = "Imaging Server";
    p.version = "5.0";
    p.components = {Component{"", name, version, {}, purl, ""}};
    return p;
}

} // namespace

TEST_CASE("A component without CPE matches by name and has its version compared",
          "[core][match][name]") {
    const auto affected = vw::matchAdvisory(
        log4jDetail(), {mavenProduct("log4j-core", "2.14.1",
                                     "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")});
    REQUIRE(affected.size() == 1);
    CHECK(affected[0].method == "name");
    CHECK(affected[0].verdict == "affected");
    CHECK(affected[0].confidence == vw::nameVersionConfidence);
    CHECK_THAT(affected[0].reason, Catch::Contains("log4j-core"));
    CHECK_THAT(affected[0].reason, Catch::Contains("is in \"2.0-beta9 から 2.14.1 まで\""));

    const auto fixed = vw::matchAdvisory(
        log4jDetail(), {mavenProduct("log4j-core", "2.17.1",
                                     "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1")});
    REQUIRE(fixed.size() == 1);
    CHECK(fixed[0].verdict == "not-affected");
}

TEST_CASE("Name matching guards against look-alike products", "[core][match][name]") {
    struct Case {
        const char* name;
        const char* purl;
    };
    for (const Case& c : {Case{"log4net", "pkg:nuget/log4net@2.0.8"},
                          Case{"log4j-api", "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1"},
                          Case{"httpd", "pkg:generic/httpd@2.4.57"}, Case{"blog4j", ""}}) {
        INFO(c.name);
        CHECK(vw::matchAdvisory(log4jDetail(), {mavenProduct(c.name, "2.14.1", c.purl)}).empty());
    }
    Advisory httpd;
    httpd.id = "JVNDB-2023-000001";
    httpd.affected = {{"Apache Software Foundation",
                       "Apache HTTP Server",
                       "cpe:/a:apache:http_server",
                       {"2.4.57 およびそれ以前"}}};
    CHECK(vw::matchAdvisory(httpd, {mavenProduct("log4j-core", "2.14.1",
                                                 "pkg:maven/org.apache.logging.log4j/"
                                                 "log4j-core@2.14.1")})
              .empty());
}

TEST_CASE("The cpe_map turns a component into a CPE match", "[core][match][cpe-map]") {
    const Product shaded =
        mavenProduct("shaded-logging", "2.14.1", "pkg:maven/com.example/shaded-logging@2.14.1");
    CHECK(vw::matchAdvisory(log4jDetail(), {shaded}).empty());
    const vw::CpeMapper mapper = [](const Component& c) -> std::optional<vw::MappedCpe> {
        if (c.purl.rfind("pkg:maven/com.example/shaded-logging", 0) == 0) {
            return vw::MappedCpe{"apache", "log4j", "cpe_map line 3"};
        }
        return std::nullopt;
    };
    const vw::ProductMatcher matcher({shaded}, mapper);
    const auto matches = matcher.match(log4jDetail());
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].method == "cpe-version");
    CHECK(matches[0].verdict == "affected");
    CHECK(matches[0].confidence == 100);
    CHECK_THAT(matches[0].reason, Catch::Contains("mapped by cpe_map line 3"));
    // The re-match candidate lists know the mapped CPE.
    const auto pairs = matcher.vendorProducts();
    CHECK(std::find(pairs.begin(), pairs.end(),
                    std::make_pair(std::string("apache"), std::string("log4j"))) != pairs.end());
}

TEST_CASE("Keywords match records that name no CPE, after width and case folding",
          "[core][match][keyword]") {
    Product p;
    p.name = "Bedside Monitor Gateway";
    p.version = "1.8";
    p.keywords = {"Log4j"};
    p.components = {Component{"", "zlib", "1.2.11", {"cpe:/a:zlib:zlib"}, "", ""}};

    Advisory mail;
    mail.source = "mail";
    mail.id = "<log4j-20211211@ipa.go.jp>";
    mail.aliases = {"CVE-2021-44228"};
    mail.title = "Ａｐａｃｈｅ Ｌｏｇ４ｊ の脆弱性対策について(CVE-2021-44228)";
    auto matches = vw::matchAdvisory(mail, {p});
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].method == "keyword");
    CHECK(matches[0].verdict == "needs-review");
    CHECK(matches[0].confidence == vw::keywordConfidence);
    CHECK(matches[0].component == "keyword Log4j");
    CHECK_THAT(matches[0].reason,
               Catch::Contains("keyword \"Log4j\" (product keyword) found in the title"));

    // A component name and the product name are keywords too; whole words only.
    mail.title = "zlib の脆弱性 / blog4j";
    mail.summary = "Bedside Monitor Gateway をご利用の病院へ";
    matches = vw::matchAdvisory(mail, {p});
    REQUIRE(matches.size() == 2);
    CHECK(matches[0].component == "zlib");
    CHECK_THAT(matches[0].reason, Catch::Contains("(component name) found in the title"));
    CHECK(matches[1].component == "keyword Bedside Monitor Gateway");
    CHECK_THAT(matches[1].reason, Catch::Contains("(product name) found in the summary"));

    // A record that names a CPE is matched by CPE and name only.
    mail.cpes = {"cpe:/a:example:other"};
    CHECK(vw::matchAdvisory(mail, {p}).empty());

    const vw::ProductMatcher matcher({p});
    const auto forms = matcher.keywordSearchForms();
    CHECK(std::find(forms.begin(), forms.end(), "log4j") != forms.end());
    CHECK(std::find(forms.begin(), forms.end(), "zlib") != forms.end());
}

TEST_CASE("nameProducts lists the name keys of components without CPE", "[core][match][name]") {
    const vw::ProductMatcher matcher({mavenProduct(
        "log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")});
    const auto keys = matcher.nameProducts();
    CHECK(std::find(keys.begin(), keys.end(), "log4j_core") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "log4j") != keys.end());
}

TEST_CASE("A distribution package is matched by its source package and upstream version",
          "[core][match][name]") {
    // JVNDB-2014-001920 (Heartbleed) as its VULDEF detail states it.
    Advisory heartbleed;
    heartbleed.id = "JVNDB-2014-001920";
    heartbleed.affected = {{"OpenSSL Project",
                            "OpenSSL",
                            "cpe:/a:openssl:openssl",
                            {"1.0.1 から 1.0.1f", "1.0.2-beta から 1.0.2-beta1"}}};
    Product image;
    image.name = "Gateway image";
    // syft's guessed CPE names nothing JVN knows; the purl's upstream qualifier does.
    image.components = {Component{"",
                                  "libssl3",
                                  "3.3.5-r0",
                                  {"cpe:2.3:a:libssl3:libssl3:3.3.5-r0:*:*:*:*:*:*:*"},
                                  "pkg:apk/alpine/libssl3@3.3.5-r0?arch=x86_64&upstream=openssl",
                                  ""},
                        Component{"",
                                  "libssl1.0.0",
                                  "1:1.0.1e-2+deb7u4",
                                  {},
                                  "pkg:deb/debian/libssl1.0.0@1:1.0.1e-2+deb7u4?upstream=openssl",
                                  ""}};
    const auto matches = vw::matchAdvisory(heartbleed, {image});
    REQUIRE(matches.size() == 2);
    CHECK(matches[0].component == "libssl3");
    CHECK(matches[0].method == "name");
    CHECK(matches[0].verdict == "not-affected");
    CHECK_THAT(matches[0].reason, Catch::Contains("version \"3.3.5\" is outside"));
    CHECK_THAT(matches[0].reason, Catch::Contains("the upstream part of apk package version "
                                                  "3.3.5-r0; fixes the distribution backported "
                                                  "are not known"));
    // Epoch and Debian revision dropped: 1.0.1e is in "1.0.1 から 1.0.1f".
    CHECK(matches[1].component == "libssl1.0.0");
    CHECK(matches[1].verdict == "affected");
    CHECK_THAT(matches[1].reason, Catch::Contains("version \"1.0.1e\" is in"));

    // A component whose own CPE names the advisory's product was decided by the CPE
    // comparison: another vendor is no match, by name either.
    Product other;
    other.name = "P";
    other.components = {Component{"", "openssl", "1.0.1e", {"cpe:/a:example:openssl"}, "", ""}};
    CHECK(vw::matchAdvisory(heartbleed, {other}).empty());
}
