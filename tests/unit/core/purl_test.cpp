// parsePurl, purlName, Purl::sourcePackage (core/purl.h). The purls are shaped like the ones in
// the SBOM fixtures (syft, trivy, cyclonedx-maven-plugin), copied as literals.
#include "core/purl.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using vw::parsePurl;
using vw::purlName;

namespace {

struct PurlCase {
    std::string text;
    std::string type;
    std::string ns;
    std::string name;
    std::string version;
};

} // namespace

TEST_CASE("parsePurl: type, namespace, name and version", "[core][purl]") {
    const std::vector<PurlCase> cases = {
        {"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "maven",
         "org.apache.logging.log4j", "log4j-core", "2.14.1"},
        {"pkg:maven/ch.qos.logback/logback-classic@1.5.20?type=jar", "maven", "ch.qos.logback",
         "logback-classic", "1.5.20"},
        {"pkg:npm/%40angular/core@12.0.0", "npm", "@angular", "core", "12.0.0"},
        {"pkg:npm/@angular/core@12.0.0", "npm", "@angular", "core", "12.0.0"},
        {"pkg:npm/@angular/core", "npm", "@angular", "core", ""},
        {"pkg:npm/lodash", "npm", "", "lodash", ""},
        {"pkg:pypi/django@1.11.1", "pypi", "", "django", "1.11.1"},
        {"pkg:golang/github.com/gorilla/mux@v1.8.0", "golang", "github.com/gorilla", "mux",
         "v1.8.0"},
        {"pkg:deb/debian/base-files@12.4%2Bdeb12u13?arch=amd64&distro=debian-12.13", "deb",
         "debian", "base-files", "12.4+deb12u13"},
        {"PKG:Maven/x/y", "maven", "x", "y", ""},
        {"pkg://npm/foo/", "npm", "", "foo", ""},
        {"  pkg:generic/openssl@1.1.1  ", "generic", "", "openssl", "1.1.1"},
        {"pkg:generic/bad%zzescape", "generic", "", "bad%zzescape", ""},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        const auto purl = parsePurl(c.text);
        REQUIRE(purl);
        CHECK(purl->type == c.type);
        CHECK(purl->ns == c.ns);
        CHECK(purl->name == c.name);
        CHECK(purl->version == c.version);
    }
}

TEST_CASE("parsePurl: qualifiers and subpath", "[core][purl]") {
    const auto apk = parsePurl("pkg:apk/alpine/libssl3@3.3.5-r0?arch=x86_64&distro=alpine-3.21.5&"
                               "upstream=openssl");
    REQUIRE(apk);
    CHECK(apk->qualifiers.size() == 3);
    CHECK(apk->qualifier("arch") == "x86_64");
    CHECK(apk->qualifier("upstream") == "openssl");
    CHECK(apk->qualifier("missing").empty());
    const auto github = parsePurl("pkg:github/package-url/purl-spec@244fd47e07d1004#everybody/"
                                  "loves/dogs");
    REQUIRE(github);
    CHECK(github->ns == "package-url");
    CHECK(github->name == "purl-spec");
    CHECK(github->version == "244fd47e07d1004");
    CHECK(github->subpath == "everybody/loves/dogs");
    const auto upper = parsePurl("pkg:npm/foo?Key=Value%20x&=novalue&bare");
    REQUIRE(upper);
    REQUIRE(upper->qualifiers.size() == 1);
    CHECK(upper->qualifiers[0].first == "key");
    CHECK(upper->qualifiers[0].second == "Value x");
}

TEST_CASE("parsePurl: what is not a purl", "[core][purl]") {
    for (const std::string text : {"", "maven/x/y", "pkg:", "pkg:maven", "pkg:/name",
                                   "pkg:ma ven/x", "pkg:maven/", "pkg:Ma_ven/x", "cpe:/a:x:y"}) {
        INFO(text);
        CHECK_FALSE(parsePurl(text));
        CHECK(purlName(text).empty());
    }
}

TEST_CASE("purlName", "[core][purl]") {
    CHECK(purlName("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1") == "log4j-core");
    CHECK(purlName("pkg:npm/%40xmldom/xmldom@0.8.3") == "xmldom");
    CHECK(purlName("pkg:nuget/Newtonsoft.Json@13.0.1") == "Newtonsoft.Json");
}

TEST_CASE("Purl::sourcePackage: the source package of a distribution package", "[core][purl]") {
    const auto source = [](const std::string& text) {
        const auto purl = parsePurl(text);
        REQUIRE(purl);
        return purl->sourcePackage();
    };
    CHECK(source("pkg:apk/alpine/libcrypto3@3.3.5-r0?arch=x86_64&upstream=openssl") == "openssl");
    CHECK(source("pkg:deb/debian/libgcc-s1@12.2.0-14?upstream=gcc-12%4012.2.0-14") == "gcc-12");
    CHECK(source("pkg:rpm/centos/openssl-libs@1.0.2k-19.el7?arch=x86_64&upstream=openssl-1.0.2k-"
                 "19.el7.src.rpm") == "openssl");
    CHECK(source("pkg:apk/alpine/busybox@1.37.0-r13?upstream=busybox").empty()); // = name
    CHECK(source("pkg:npm/lodash@4.17.20").empty());
}

TEST_CASE("isDistributionPurlType", "[core][purl]") {
    for (const char* type : {"apk", "deb", "rpm", "alpm", "ebuild", "opkg"}) {
        CHECK(vw::isDistributionPurlType(type));
    }
    for (const char* type : {"maven", "npm", "pypi", "generic", "github", "golang", "nuget"}) {
        CHECK_FALSE(vw::isDistributionPurlType(type));
    }
}
