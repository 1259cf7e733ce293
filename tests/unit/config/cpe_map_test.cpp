// The CPE map file (config/cpe_map.h): parsing, lookups, and errors that name the line.
#include "config/config.h"
#include "config/cpe_map.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using Catch::Matchers::Contains;
using vw::Component;
using vw::parseCpeMap;

namespace {

Component component(std::string name, std::string purl = "") {
    Component c;
    c.name = std::move(name);
    c.purl = std::move(purl);
    return c;
}

using Target = std::optional<std::pair<std::string, std::string>>;

Target target(const char* vendor, const char* product) {
    return std::make_pair(std::string(vendor), std::string(product));
}

const std::string example = "# a comment\n"
                            "; another comment\n"
                            "\n"
                            "pkg:maven/org.apache.logging.log4j/log4j-core = apache:log4j\n"
                            "pkg:npm/lodash@4.17.20 = lodash:lodash_old\n"
                            "pkg:npm/lodash = lodash:lodash\n"
                            "  http server   =   Apache:HTTP_Server  \n"
                            "サイボウズ Office = cybozu:office\n"
                            "libcurl = cpe:2.3:a:haxx:libcurl:*:*:*:*:*:*:*:*\n"
                            "openssl = cpe:/a:openssl:openssl\n"
                            "anything = *:busybox\n";

} // namespace

TEST_CASE("parseCpeMap: purl and name keys", "[config][cpe_map]") {
    const auto map = parseCpeMap(example, "t.map");
    CHECK(map.size() == 8);
    // purl keys: any version, case-insensitive namespace, separators in the name alike
    CHECK(map.lookup(component("", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")) ==
          target("apache", "log4j"));
    CHECK(map.lookup(component("x", "pkg:maven/ORG.Apache.Logging.Log4j/log4j_core@2.17.0?type="
                                    "jar")) == target("apache", "log4j"));
    CHECK(map.lookup(component("", "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1")) ==
          std::nullopt);
    CHECK(map.lookup(component("", "pkg:maven/org.other/log4j-core@2.14.1")) == std::nullopt);
    // a version-specific key wins over the versionless one
    CHECK(map.lookup(component("", "pkg:npm/lodash@4.17.20")) == target("lodash", "lodash_old"));
    CHECK(map.lookup(component("", "pkg:npm/lodash@4.17.21")) == target("lodash", "lodash"));
    // name keys: after normalizeComponentName; the purl name is tried too
    CHECK(map.lookup(component("HTTP-Server")) == target("apache", "http_server"));
    CHECK(map.lookup(component("Ｈｔｔｐ Ｓｅｒｖｅｒ")) == target("apache", "http_server"));
    CHECK(map.lookup(component("ｻｲﾎﾞｳｽﾞ Office")) == target("cybozu", "office"));
    CHECK(map.lookup(component("", "pkg:deb/debian/libcurl@7.88.1")) == target("haxx", "libcurl"));
    CHECK(map.lookup(component("OpenSSL")) == target("openssl", "openssl"));
    CHECK(map.lookup(component("anything")) == target("*", "busybox"));
    CHECK(map.lookup(component("curl")) == std::nullopt);
    CHECK(map.lookup(component("")) == std::nullopt);
    // the entry, for reasons
    const auto* entry = map.find(component("http_server"));
    REQUIRE(entry != nullptr);
    CHECK(entry->line == 7);
    CHECK(entry->key == "http server");
}

TEST_CASE("parseCpeMap: BOM, CRLF, empty text", "[config][cpe_map]") {
    const auto map = parseCpeMap("\xEF\xBB\xBFlog4j = apache:log4j\r\n\r\n; c\r\n", "t.map");
    CHECK(map.size() == 1);
    CHECK(map.lookup(component("Log4j")) == target("apache", "log4j"));
    CHECK(parseCpeMap("", "t.map").empty());
    CHECK(parseCpeMap("# only comments\n", "t.map").empty());
    CHECK(vw::CpeMap().lookup(component("log4j")) == std::nullopt);
}

TEST_CASE("parseCpeMap: a bad line is an error naming the line", "[config][cpe_map]") {
    struct ErrorCase {
        std::string text;
        int line;
        std::string message;
    };
    const std::vector<ErrorCase> cases = {
        {"log4j apache:log4j\n", 1, "expected 'component = vendor:product'"},
        {"\n# c\n = apache:log4j\n", 3, "nothing before '='"},
        {"log4j =\n", 1, "nothing after '='"},
        {"log4j = apache\n", 1, "'apache' is not vendor:product"},
        {"log4j = apache:log4j:2.0\n", 1, "is not vendor:product"},
        {"log4j = :log4j\n", 1, "is not vendor:product"},
        {"log4j = apache log4j\n", 1, "contains a space"},
        {"log4j = cpe:2.3:a:apache:log4j:2.14.1\n", 1, "names a version or later field"},
        {"log4j = cpe:/a:apache\n", 1, "is not a CPE name"},
        {"pkg:maven = apache:log4j\n", 1, "is not a purl"},
        {"pkg:apk/alpine/openssl?arch=x86 = openssl:openssl\n", 1, "has ?qualifiers"},
        {"pkg:npm/a#sub = a:a\n", 1, "#subpath"},
        {"--- = a:b\n", 1, "has no letters or digits"},
        {"ok = a:b\n\xFF = a:b\n", 2, "not valid UTF-8"},
        {"log4j = apache:log4j\n# c\nLOG4J = apache:log4j\n", 3,
         "'LOG4J' is already mapped on line 1"},
        {"pkg:npm/lodash = a:b\npkg:NPM/Lodash = a:b\n", 2, "already mapped on line 1"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        try {
            parseCpeMap(c.text, "t.map");
            FAIL("no error");
        } catch (const vw::ConfigError& error) {
            CHECK(error.file() == "t.map");
            CHECK(error.line() == c.line);
            CHECK_THAT(error.what(), Contains(c.message));
            CHECK_THAT(error.what(),
                       Catch::Matchers::StartsWith("t.map:" + std::to_string(c.line) + ": "));
        }
    }
}

TEST_CASE("loadCpeMap: files", "[config][cpe_map]") {
    vw::test::TempDir dir;
    const auto path = dir.write("cpe.map", "pkg:pypi/pillow = python:pillow\n");
    CHECK(vw::loadCpeMap(path.string()).lookup(component("", "pkg:pypi/Pillow@9.0.0")) ==
          target("python", "pillow"));
    try {
        vw::loadCpeMap((dir.path() / "missing.map").string());
        FAIL("no error");
    } catch (const vw::ConfigError& error) {
        CHECK(error.line() == 0);
        CHECK_THAT(error.what(), Contains("cannot read the CPE map"));
    }
    const auto bad = dir.write("bad.map", "a = b:c\nbroken\n");
    try {
        vw::loadCpeMap(bad.string());
        FAIL("no error");
    } catch (const vw::ConfigError& error) {
        CHECK(error.file() == bad.string());
        CHECK(error.line() == 2);
    }
}

TEST_CASE("the example map in tests/data parses", "[config][cpe_map]") {
    const auto map = vw::loadCpeMap(std::string(VULNWATCH_SOURCE_DIR) +
                                    "/tests/data/cpe_map_written_for_vulnwatch.txt");
    CHECK(map.size() == 14);
    CHECK(map.lookup(component("log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14."
                                             "1")) == target("apache", "log4j"));
    CHECK(map.lookup(component("libssl3", "pkg:apk/alpine/libssl3@3.3.5-r0?arch=x86_64&upstream="
                                          "openssl")) == target("openssl", "openssl"));
    CHECK(map.lookup(component("サイボウズ Office")) == target("cybozu", "office"));
    CHECK(map.lookup(component("", "pkg:npm/%40xmldom/xmldom@0.8.3")) ==
          target("xmldom_project", "xmldom"));
}
