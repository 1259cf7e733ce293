#include "core/cpe.h"

#include <catch2/catch.hpp>
#include <string>

using vw::parseCpe;
using vw::toCpe22;
using vw::toCpe23;

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
    SECTION("a run of `?` at the end of a value is a wildcard NISTIR 7695 allows") {
        const auto cpe = parseCpe("cpe:2.3:a:apache:log4j:2.1??:*:*:*:*:*:*:*");
        REQUIRE(cpe);
        CHECK(cpe->version == "2.1??");
    }
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
        "cpe:/a:apache:",       // empty product
        "cpe:/a:apache:-",      // product not applicable
        "cpe:/a:apache:%02",    // product any (wildcard)
        "cpe:/x:apache:log4j",  // unknown part
        "cpe:/ab:apache:log4j", // unknown part
        "cpe:/a:apache:log 4j", // space
        "cpe:/a:apache\tfoo:log4j",
        "cpe:/a:apache:log4j%2",  // truncated escape
        "cpe:/a:apache:log4j%zz", // bad escape
        "cpe:/a:a:b:c:d:e:f:g",   // too many fields for 2.2
        "cpe:2.3:a:apache",
        "cpe:2.3:a:apache:-:*:*:*:*:*:*:*:*", // product not applicable
        "cpe:2.3:a:apache:*:*:*:*:*:*:*:*:*", // product any
        "cpe:2.3:-:apache:log4j",             // part not applicable
        "cpe:2.3:a:apache:log4j:2*1",         // wildcard inside a value
        "cpe:2.3:a:apache:log4j:2.*?",        // `*` next to `?`
        "cpe:2.3:a:apache:log4j:2?1",         // `?` inside a value (no `*` in it)
        "cpe:/a:apache:log4j:2%021",          // wildcard inside a value (2.2)
        "cpe:/a:apache:log4j:%00",            // control byte, encoded
        "cpe:/a:v:p:1.0::~x64",               // packed edition with too few fields
        "cpe:/a:v:p:1.0::~a~b~c~d~e~f",       // packed edition with too many fields
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

namespace {

struct Binding {
    const char* input;
    char part;
    const char* vendor; // normalized (see vw::Cpe)
    const char* product;
    const char* version;
    const char* cpe23; // toCpe23 of the parsed name
    const char* cpe22; // toCpe22 of the parsed name
};

// NISTIR 7695 examples and the cases seen in JVN data and SBOMs.
const Binding bindings[] = {
    // 2.3 `\` escapes: `$` read literally, written back escaped (2.3) and percent-encoded (2.2)
    {R"(cpe:2.3:a:micro\$oft:office:2016:*:*:*:*:*:*:*)", 'a', "micro$oft", "office", "2016",
     R"(cpe:2.3:a:micro\$oft:office:2016:*:*:*:*:*:*:*)", "cpe:/a:micro%24oft:office:2016"},
    // 2.2 percent-encoding
    {"cpe:/a:%40vendor:product", 'a', "@vendor", "product", "",
     R"(cpe:2.3:a:\@vendor:product:*:*:*:*:*:*:*:*)", "cpe:/a:%40vendor:product"},
    {"CPE:/A:Foo%28Bar%29:Web%2dServer:1.0%2B", 'a', "foo(bar)", "web-server", "1.0+",
     R"(cpe:2.3:a:foo\(bar\):web-server:1.0\+:*:*:*:*:*:*:*)",
     "cpe:/a:foo%28bar%29:web-server:1.0%2b"},
    {R"(cpe:2.3:a:Foo\!bar:web\:server:1\.0:*:*:*:*:*:*:*)", 'a', "foo!bar", "web:server", "1.0",
     R"(cpe:2.3:a:foo\!bar:web\:server:1.0:*:*:*:*:*:*:*)", "cpe:/a:foo%21bar:web%3aserver:1.0"},
    // 2.2 packed edition: ~edition~sw_edition~target_sw~target_hw~other
    {"cpe:/a:vendor:product:1.0::~~~~x64~", 'a', "vendor", "product", "1.0",
     "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:x64:*", "cpe:/a:vendor:product:1.0::~~~~x64~"},
    {"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*", 'a', "hp",
     "insight_diagnostics", "7.4.0.1570",
     "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
     "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~"},
    // a `~` outside the edition is a literal tilde (NISTIR 7695 6.1.3): here the update
    {"cpe:/a:vendor:product:1.0:~~~~x64~", 'a', "vendor", "product", "1.0",
     R"(cpe:2.3:a:vendor:product:1.0:\~\~\~\~x64\~:*:*:*:*:*:*)",
     "cpe:/a:vendor:product:1.0:%7e%7e%7e%7ex64%7e"},
    {"cpe:/o:linux:linux_kernel:5.10:rc1:~~~~x64~:en", 'o', "linux", "linux_kernel", "5.10",
     "cpe:2.3:o:linux:linux_kernel:5.10:rc1:*:en:*:*:x64:*",
     "cpe:/o:linux:linux_kernel:5.10:rc1:~~~~x64~:en"},
    // NISTIR 7695's escaped backslash and dollar, with a packed edition
    {R"(cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*)", 'a', R"(foo\\bar)",
     "big$money_2010", "*",
     R"(cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*)",
     R"(cpe:/a:foo%5cbar:big%24money_2010:::~~special~ipod_touch~80gb~)"},
    // mixed case
    {"CPE:2.3:A:Apache:Log4J:2.14.1:*:*:*:*:*:*:*", 'a', "apache", "log4j", "2.14.1",
     "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "cpe:/a:apache:log4j:2.14.1"},
    // a space (2.2 %20) is read as `_`
    {"cpe:/a:apache:http%20server:2.4", 'a', "apache", "http_server", "2.4",
     "cpe:2.3:a:apache:http_server:2.4:*:*:*:*:*:*:*", "cpe:/a:apache:http_server:2.4"},
    // vendor ANY (2.3 `*`, 2.2 empty), NA, and JVN's `misc`
    {"cpe:2.3:a:*:openssl:3.0.2:*:*:*:*:*:*:*", 'a', "*", "openssl", "3.0.2",
     "cpe:2.3:a:*:openssl:3.0.2:*:*:*:*:*:*:*", "cpe:/a::openssl:3.0.2"},
    {"cpe:/a::log4j", 'a', "*", "log4j", "", "cpe:2.3:a:*:log4j:*:*:*:*:*:*:*:*", "cpe:/a::log4j"},
    {"cpe:2.3:a:-:busybox:1.35.0:*:*:*:*:*:*:*", 'a', "-", "busybox", "1.35.0",
     "cpe:2.3:a:-:busybox:1.35.0:*:*:*:*:*:*:*", "cpe:/a:-:busybox:1.35.0"},
    {"cpe:/a:misc:toshiba_tec_printer", 'a', "misc", "toshiba_tec_printer", "",
     "cpe:2.3:a:misc:toshiba_tec_printer:*:*:*:*:*:*:*:*", "cpe:/a:misc:toshiba_tec_printer"},
    // wildcards (2.3 unquoted at either end, 2.2 %02 / %01) and the literal characters
    {"cpe:2.3:a:apache:log4j:2.1*:*:*:*:*:*:*:*", 'a', "apache", "log4j", "2.1*",
     "cpe:2.3:a:apache:log4j:2.1*:*:*:*:*:*:*:*", "cpe:/a:apache:log4j:2.1%02"},
    {"cpe:/a:apache:log4j:%01%01.1", 'a', "apache", "log4j", "??.1",
     "cpe:2.3:a:apache:log4j:??.1:*:*:*:*:*:*:*", "cpe:/a:apache:log4j:%01%01.1"},
    {R"(cpe:2.3:a:apache:log4j:2.1\*:*:*:*:*:*:*:*)", 'a', "apache", "log4j", R"(2.1\*)",
     R"(cpe:2.3:a:apache:log4j:2.1\*:*:*:*:*:*:*:*)", "cpe:/a:apache:log4j:2.1%2a"},
    // a hyphen alone is NA; encoded or escaped it is a literal hyphen
    {"cpe:/a:vendor:product:%2d", 'a', "vendor", "product", R"(\-)",
     R"(cpe:2.3:a:vendor:product:\-:*:*:*:*:*:*:*)", "cpe:/a:vendor:product:%2d"},
    {"cpe:/a:vendor:product:-", 'a', "vendor", "product", "-",
     "cpe:2.3:a:vendor:product:-:*:*:*:*:*:*:*", "cpe:/a:vendor:product:-"},
    // unescaped punctuation in 2.3 is read literally (lenient), written back escaped
    {"cpe:2.3:a:gnome:gtk+:3.24", 'a', "gnome", "gtk+", "3.24",
     R"(cpe:2.3:a:gnome:gtk\+:3.24:*:*:*:*:*:*:*)", "cpe:/a:gnome:gtk%2b:3.24"},
    // language, update NA, part ANY
    {"cpe:/a:mozilla:firefox:91.0:-::ja", 'a', "mozilla", "firefox", "91.0",
     "cpe:2.3:a:mozilla:firefox:91.0:-:*:ja:*:*:*:*", "cpe:/a:mozilla:firefox:91.0:-::ja"},
    {"cpe:2.3:*:apache:log4j", '*', "apache", "log4j", "", "cpe:2.3:*:apache:log4j:*:*:*:*:*:*:*:*",
     "cpe:/:apache:log4j"},
};

} // namespace

TEST_CASE("CPE names convert between the 2.2 and 2.3 bindings", "[core][cpe]") {
    for (const Binding& b : bindings) {
        INFO("input: " << b.input);
        const auto cpe = parseCpe(b.input);
        REQUIRE(cpe);
        CHECK(cpe->part == b.part);
        CHECK(cpe->vendor == b.vendor);
        CHECK(cpe->product == b.product);
        CHECK(cpe->version == b.version);
        CHECK(toCpe23(*cpe) == b.cpe23);
        CHECK(toCpe22(*cpe) == b.cpe22);

        // Both outputs read back as the same name.
        for (const char* again : {b.cpe23, b.cpe22}) {
            INFO("again: " << again);
            const auto back = parseCpe(again);
            REQUIRE(back);
            CHECK(back->vendor == cpe->vendor);
            CHECK(back->product == cpe->product);
            CHECK(toCpe23(*back) == b.cpe23);
            CHECK(toCpe22(*back) == b.cpe22);
        }
    }
}

TEST_CASE("Both bindings of one name give the same fields", "[core][cpe]") {
    const auto uri = parseCpe("cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~");
    const auto formatted =
        parseCpe("cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*");
    REQUIRE(uri);
    REQUIRE(formatted);
    for (const auto* cpe : {&*uri, &*formatted}) {
        CHECK(cpe->update == "-");
        CHECK(vw::isAnyValue(cpe->edition));
        CHECK(vw::isAnyValue(cpe->language));
        CHECK(cpe->swEdition == "online");
        CHECK(cpe->targetSw == "win2003");
        CHECK(cpe->targetHw == "x64");
        CHECK(vw::isAnyValue(cpe->other));
    }
}

TEST_CASE("Vendors that name no vendor", "[core][cpe]") {
    const struct {
        const char* vendor;
        bool pseudo;
    } cases[] = {
        {"*", true},       {"", true},       {"-", true},    {"misc", true},
        {"apache", false}, {"miscs", false}, {"\\-", false}, {"misc_inc", false},
    };
    for (const auto& c : cases) {
        INFO("vendor: \"" << c.vendor << "\"");
        CHECK(vw::isPseudoVendor(c.vendor) == c.pseudo);
    }
}
