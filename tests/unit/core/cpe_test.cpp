#include "core/cpe.h"

#include <catch2/catch.hpp>

using vw::parseCpe;

TEST_CASE("CPE 2.2 URIs parse into part, vendor, product and version", "[core][cpe]") {
    SECTION("vendor and product only") {
        const auto cpe = parseCpe("cpe:/a:resumebuilder:resume_builder");
        REQUIRE(cpe);
        CHECK(cpe->part == 'a');
        CHECK(cpe->vendor == "resumebuilder");
        CHECK(cpe->product == "resume_builder");
        CHECK(cpe->version.empty());
    }
    SECTION("with version and further fields") {
        const auto cpe = parseCpe("cpe:/o:linux:linux_kernel:5.10:rc1:~~~~x64~:en");
        REQUIRE(cpe);
        CHECK(cpe->part == 'o');
        CHECK(cpe->vendor == "linux");
        CHECK(cpe->product == "linux_kernel");
        CHECK(cpe->version == "5.10");
    }
    SECTION("hardware part") {
        const auto cpe = parseCpe("cpe:/h:cisco:asa_5505");
        REQUIRE(cpe);
        CHECK(cpe->part == 'h');
    }
    SECTION("percent-decoding and lower case") {
        const auto cpe = parseCpe("CPE:/A:Foo%28Bar%29:Web%2dServer:1.0%2B");
        REQUIRE(cpe);
        CHECK(cpe->part == 'a');
        CHECK(cpe->vendor == "foo(bar)");
        CHECK(cpe->product == "web-server");
        CHECK(cpe->version == "1.0+");
    }
    SECTION("empty part means any") {
        const auto cpe = parseCpe("cpe:/:apache:log4j");
        REQUIRE(cpe);
        CHECK(cpe->part == '*');
        CHECK(cpe->vendor == "apache");
    }
    SECTION("surrounding whitespace is ignored") {
        const auto cpe = parseCpe("  cpe:/a:apache:log4j\n");
        REQUIRE(cpe);
        CHECK(cpe->product == "log4j");
    }
}

TEST_CASE("CPE 2.3 formatted strings parse with escapes removed", "[core][cpe]") {
    SECTION("full name") {
        const auto cpe = parseCpe("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*");
        REQUIRE(cpe);
        CHECK(cpe->part == 'a');
        CHECK(cpe->vendor == "apache");
        CHECK(cpe->product == "log4j");
        CHECK(cpe->version == "2.14.1");
    }
    SECTION("escaped characters") {
        const auto cpe = parseCpe(R"(cpe:2.3:a:Foo\!bar:web\:server:1\.0:*:*:*:*:*:*:*)");
        REQUIRE(cpe);
        CHECK(cpe->vendor == "foo!bar");
        CHECK(cpe->product == "web:server");
        CHECK(cpe->version == "1.0");
    }
    SECTION("short form with vendor and product only") {
        const auto cpe = parseCpe("cpe:2.3:o:microsoft:windows_10");
        REQUIRE(cpe);
        CHECK(cpe->part == 'o');
        CHECK(cpe->product == "windows_10");
        CHECK(cpe->version.empty());
    }
    SECTION("version any and not applicable are kept") {
        const auto any = parseCpe("cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*");
        REQUIRE(any);
        CHECK(any->version == "*");
        const auto na = parseCpe("cpe:2.3:a:apache:log4j:-:*:*:*:*:*:*:*");
        REQUIRE(na);
        CHECK(na->version == "-");
    }
    SECTION("part any") {
        const auto cpe = parseCpe("cpe:2.3:*:apache:log4j:*:*:*:*:*:*:*:*");
        REQUIRE(cpe);
        CHECK(cpe->part == '*');
    }
}

TEST_CASE("Malformed CPE names are rejected", "[core][cpe]") {
    const char* const invalid[] = {
        "",
        "cpe:/",
        "cpe:/a",
        "cpe:/a:apache",        // vendor only
        "cpe:/a::log4j",        // empty vendor
        "cpe:/a:apache:",       // empty product
        "cpe:/x:apache:log4j",  // unknown part
        "cpe:/ab:apache:log4j", // unknown part
        "cpe:/a:apache:log 4j", // space
        "cpe:/a:apache\tfoo:log4j",
        "cpe:/a:apache:log4j%2",  // truncated escape
        "cpe:/a:apache:log4j%zz", // bad escape
        "cpe:/a:a:b:c:d:e:f:g",   // too many fields for 2.2
        "cpe:2.3:a:apache",
        "cpe:2.3:a:*:log4j:*:*:*:*:*:*:*:*",  // vendor any
        "cpe:2.3:a:apache:-:*:*:*:*:*:*:*:*", // product not applicable
        "cpe:2.3:q:apache:log4j:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*:extra",
        "cpe:2.3:a:apache:log4j\\", // dangling backslash
        "cpe:2.3:a:apache:log4j 2:*:*:*:*:*:*:*",
        "apache:log4j",
        "cpe:a:apache:log4j",
        "cpe:2.2:a:apache:log4j",
    };
    for (const char* text : invalid) {
        INFO("input: \"" << text << "\"");
        CHECK_FALSE(parseCpe(text));
    }
}

TEST_CASE("Both CPE forms of one product agree", "[core][cpe]") {
    const auto uri = parseCpe("cpe:/a:apache:log4j:2.14.1");
    const auto formatted = parseCpe("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*");
    REQUIRE(uri);
    REQUIRE(formatted);
    CHECK(uri->part == formatted->part);
    CHECK(uri->vendor == formatted->vendor);
    CHECK(uri->product == formatted->product);
    CHECK(uri->version == formatted->version);
}
