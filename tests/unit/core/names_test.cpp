// Name matching (core/names.h): which names meet, the false-positive guards, vendor checks.
// Vendor and product names are taken from real JVN iPedia records (copied as literals).
#include "core/names.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using vw::Component;
using vw::NameForm;
using vw::ProductIdentity;
using vw::VendorCheck;

namespace {

Component component(std::string name, std::string purl = "", std::string vendor = "",
                    std::string supplier = "") {
    Component c;
    c.name = std::move(name);
    c.purl = std::move(purl);
    c.vendor = std::move(vendor);
    c.supplier = std::move(supplier);
    return c;
}

ProductIdentity product(std::vector<std::string> vendors, std::string name,
                        std::string label = "advisory product") {
    return ProductIdentity{std::move(vendors), std::move(name), std::move(label)};
}

const char* checkName(VendorCheck check) {
    switch (check) {
    case VendorCheck::Agrees:
        return "agrees";
    case VendorCheck::Unknown:
        return "unknown";
    case VendorCheck::Differs:
        return "differs";
    }
    return "?";
}

struct NameCase {
    const char* what;
    Component component;
    ProductIdentity product;
    bool met; // names meet (why is non-empty)
    bool matched;
    VendorCheck vendor;
};

} // namespace

TEST_CASE("matchName: names that meet and the guard's verdict", "[core][names]") {
    const auto log4jItem = product({"Apache Software Foundation", "apache"}, "Apache Log4j");
    const auto log4jCpe = product({"apache"}, "log4j", "CPE product");
    const auto log4jPurl = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1";
    const std::vector<NameCase> cases = {
        // --- the main case: a Maven component without CPE vs JVN's affected product
        {"log4j-core (maven org.apache) ~ Apache Log4j", component("log4j-core", log4jPurl),
         log4jItem, true, true, VendorCheck::Agrees},
        {"log4j-core (maven org.apache) ~ CPE log4j", component("log4j-core", log4jPurl), log4jCpe,
         true, true, VendorCheck::Agrees},
        {"log4j-core without vendor evidence: -core needs the vendor", component("log4j-core"),
         log4jCpe, true, false, VendorCheck::Unknown},
        {"log4j by name only", component("log4j"), log4jCpe, true, true, VendorCheck::Unknown},
        {"full-width name", component("Ｌｏｇ４ｊ"), log4jCpe, true, true, VendorCheck::Unknown},
        {"component called Apache Log4j ~ CPE apache:log4j", component("Apache Log4j"), log4jCpe,
         true, true, VendorCheck::Unknown},
        // --- false-positive guards: names never meet on part of a token
        {"http_server is not log4j", component("http_server", "", "apache"), log4jCpe, false, false,
         VendorCheck::Unknown},
        {"log4net is not log4j", component("log4net", "pkg:nuget/log4net@2.0.8"), log4jCpe, false,
         false, VendorCheck::Unknown},
        {"log4j-api is not log4j",
         component("log4j-api", "pkg:maven/org.apache.logging.log4j/"
                                "log4j-api@2.14.1"),
         log4jCpe, false, false, VendorCheck::Unknown},
        {"openssl-libs is not openssl by name", component("openssl-libs"),
         product({"openssl"}, "openssl"), false, false, VendorCheck::Unknown},
        {"openssl-libs built from openssl (rpm upstream)",
         component("openssl-libs", "pkg:rpm/centos/openssl-libs@1.0.2k-19.el7?arch=x86_64&"
                                   "upstream=openssl-1.0.2k-19.el7.src.rpm"),
         product({"openssl"}, "openssl"), true, true, VendorCheck::Unknown},
        {"curl is not libcurl", component("curl"), product({"haxx"}, "libcurl"), false, false,
         VendorCheck::Unknown},
        {"libcurl4 built from curl (syft upstream)",
         component("libcurl4", "pkg:deb/debian/libcurl4@7.88.1-10?upstream=curl"),
         product({"haxx"}, "curl"), true, true, VendorCheck::Unknown},
        // --- vendor prefixes
        {"Apache HTTP Server ~ apache:http_server", component("Apache HTTP Server"),
         product({"apache"}, "http_server"), true, true, VendorCheck::Unknown},
        {"Trend Micro Scan Engine (vendor Trend Micro) ~ trendmicro:scan_engine",
         component("Trend Micro Scan Engine", "", "Trend Micro"),
         product({"トレンドマイクロ", "trendmicro"}, "scan_engine", "CPE product"), true, true,
         VendorCheck::Agrees},
        {"ruby-git ~ JVN's misc:ruby-git_ruby-git", component("ruby-git"),
         product({"ruby-git"}, "ruby-git_ruby-git", "CPE product"), true, true,
         VendorCheck::Unknown},
        {"サイボウズ Office = サイボウズ Office", component("サイボウズ Office"),
         product({"サイボウズ", "cybozu"}, "サイボウズ Office"), true, true, VendorCheck::Unknown},
        {"ｻｲﾎﾞｳｽﾞOffice = サイボウズ Office", component("ｻｲﾎﾞｳｽﾞOffice"),
         product({"サイボウズ"}, "サイボウズ Office"), true, true, VendorCheck::Unknown},
        {"Office (Microsoft) is not サイボウズ Office", component("Office", "", "Microsoft"),
         product({"サイボウズ", "cybozu"}, "サイボウズ Office"), true, false, VendorCheck::Differs},
        {"Office without vendor is not サイボウズ Office either", component("Office"),
         product({"サイボウズ", "cybozu"}, "サイボウズ Office"), true, false, VendorCheck::Unknown},
        {"Linux Kernel → kernel needs the vendor", component("kernel"),
         product({"Linux", "linux"}, "Linux Kernel"), true, false, VendorCheck::Unknown},
        {"kernel from vendor linux ~ Linux Kernel", component("kernel", "", "Linux"),
         product({"Linux", "linux"}, "Linux Kernel"), true, true, VendorCheck::Agrees},
        {"Apache Commons Text ~ commons-text from org.apache",
         component("commons-text", "pkg:maven/org.apache.commons/commons-text@1.9"),
         product({"Apache Software Foundation"}, "Apache Commons Text"), true, true,
         VendorCheck::Agrees},
        {"Apache Commons Text is not commons-text from com.example",
         component("commons-text", "pkg:maven/com.example.tools/commons-text@1.9"),
         product({"Apache Software Foundation"}, "Apache Commons Text"), true, false,
         VendorCheck::Differs},
        // --- vendors that differ
        {"same name, another publisher: matched, vendor differs (caller lowers confidence)",
         component("log4j", "pkg:maven/com.example.fork/log4j@1.0"), log4jCpe, true, true,
         VendorCheck::Differs},
        {"NVD's <name>_project vendor is the product's own name",
         component("snakeyaml", "pkg:maven/org.yaml/snakeyaml@1.33"),
         product({"snakeyaml_project"}, "snakeyaml", "CPE product"), true, true,
         VendorCheck::Unknown},
        {"a packager is no vendor (alpine supplier)",
         component("openssl", "pkg:apk/alpine/openssl@3.3.5-r0", "",
                   "Person: Natanael Copa (ncopa@alpinelinux.org)"),
         product({"openssl"}, "openssl"), true, true, VendorCheck::Unknown},
        {"an SPDX organization supplier agrees",
         component("log4j", "", "", "Organization: The Apache Software Foundation"), log4jCpe, true,
         true, VendorCheck::Agrees},
        {"a pseudo-vendor is no vendor", component("ruby-git", "", "someone"),
         product({"misc", "*"}, "ruby-git"), true, true, VendorCheck::Unknown},
        // --- namespaces in the name
        {"group:artifact name", component("com.fasterxml.jackson.core:jackson-databind"),
         product({"fasterxml"}, "jackson-databind"), true, true, VendorCheck::Unknown},
        {"npm scope in the name", component("@xmldom/xmldom"),
         product({"xmldom_project"}, "xmldom"), true, true, VendorCheck::Unknown},
        {"group:artifact plus -core needs vendor evidence",
         component("org.apache.logging.log4j:log4j-core"), log4jCpe, true, false,
         VendorCheck::Unknown},
        // --- generic words
        {"exactly equal generic names match unless vendors differ", component("core"),
         product({}, "core"), true, true, VendorCheck::Unknown},
        {"generic name, vendors differ", component("core", "", "Acme"), product({"drupal"}, "core"),
         true, false, VendorCheck::Differs},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto result = vw::matchName(c.component, c.product);
        INFO("why: " << result.why);
        CHECK(!result.why.empty() == c.met);
        CHECK(result.matched == c.matched);
        if (c.met) {
            CHECK(checkName(result.vendor) == std::string(checkName(c.vendor)));
        }
    }
}

TEST_CASE("matchName: the reason names both sides and how they met", "[core][names]") {
    const auto result = vw::matchName(
        component("log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
        product({"Apache Software Foundation", "apache"}, "Apache Log4j"));
    REQUIRE(result.matched);
    CHECK(result.weakest == NameForm::CoreDropped);
    CHECK_THAT(result.why, Contains("\"log4j-core\" ≈ advisory product \"Apache Log4j\""));
    CHECK_THAT(result.why, Contains("(vendor Apache Software Foundation, apache)"));
    CHECK_THAT(result.why, Contains("\"core\" dropped"));
    CHECK_THAT(result.why, Contains("vendor prefix \"apache\" dropped"));
    CHECK_THAT(result.why, Contains("vendor agrees (purl namespace \"org.apache.logging.log4j\""));

    const auto exact = vw::matchName(component("log4j"), product({"apache"}, "log4j",
                                                                 "CPE "
                                                                 "product"));
    REQUIRE(exact.matched);
    CHECK(exact.weakest == NameForm::AsGiven);
    CHECK_THAT(exact.why, Contains("component name \"log4j\" = CPE product \"log4j\""));

    const auto refused = vw::matchName(component("Office", "", "Microsoft"),
                                       product({"サイボウズ", "cybozu"}, "サイボウズ Office"));
    CHECK_FALSE(refused.matched);
    CHECK_THAT(refused.why, Contains("refused"));
    CHECK_THAT(refused.why, Contains("vendor differs"));
}

TEST_CASE("ComponentNames: the names a component goes by", "[core][names]") {
    const vw::ComponentNames names(
        component("log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"));
    std::vector<std::string> keys;
    for (const auto& variant : names.variants()) {
        keys.push_back(variant.key);
    }
    CHECK(keys == std::vector<std::string>{"log4j_core", "log4j"});
    REQUIRE(names.vendors().size() == 1);
    CHECK(names.vendors()[0].tokens == std::vector<std::string>{"apache"});
    CHECK(names.vendors()[0].given == "org.apache.logging.log4j");
    CHECK(names.vendors()[0].canContradict);

    const vw::ComponentNames apk(
        component("libssl3", "pkg:apk/alpine/libssl3@3.3.5-r0?upstream=openssl", "Natanael Copa"));
    REQUIRE(apk.variants().size() == 2);
    CHECK(apk.variants()[1].key == "openssl");
    CHECK(apk.variants()[1].label == "source package");
    REQUIRE(apk.vendors().size() == 1);
    CHECK_FALSE(apk.vendors()[0].canContradict); // distribution package: the packager
}

TEST_CASE("advisoryProducts: affected items and CPEs, each once", "[core][names]") {
    vw::Advisory advisory;
    advisory.cpes = {"cpe:/a:apache:log4j", "cpe:/a:misc:ruby-git_ruby-git", "not a cpe"};
    advisory.affected.push_back(
        {"Apache Software Foundation", "Apache Log4j", "cpe:/a:apache:log4j", {}});
    advisory.affected.push_back({"Apache Software Foundation", "Apache Log4j", "", {}});
    const auto products = vw::advisoryProducts(advisory);
    REQUIRE(products.size() == 4);
    CHECK(products[0].product == "Apache Log4j");
    CHECK(products[0].vendors == std::vector<std::string>{"Apache Software Foundation", "apache"});
    CHECK(products[1].product == "log4j");
    CHECK(products[1].label == "CPE product");
    CHECK(products[2].product == "Apache Log4j");
    CHECK(products[2].vendors == std::vector<std::string>{"Apache Software Foundation"});
    CHECK(products[3].product == "ruby-git_ruby-git");
    CHECK(products[3].vendors.empty()); // misc is a pseudo-vendor
}

TEST_CASE("checkVendors: which vendor names are the same vendor", "[core][names]") {
    const auto vendor = [](const std::string& given) {
        return vw::ComponentNames(component("x", "", given)).vendors();
    };
    const auto advisory = [](const std::string& given) {
        return vw::AdvisoryProductNames(product({given}, "x")).vendors();
    };
    struct VendorCase {
        std::string component;
        std::string advisory;
        VendorCheck expected;
    };
    const std::vector<VendorCase> cases = {
        {"Apache Software Foundation", "apache", VendorCheck::Agrees},
        {"The Apache Software Foundation", "apache", VendorCheck::Agrees},
        {"Red Hat, Inc.", "redhat", VendorCheck::Agrees},
        {"Trend Micro Incorporated", "trendmicro", VendorCheck::Agrees},
        {"Rocket Software", "rocketsoftware", VendorCheck::Agrees},
        {"ＧＯＯＧＬＥ ＬＬＣ", "google", VendorCheck::Agrees},
        {"株式会社日立製作所", "日立", VendorCheck::Agrees},
        {"トレンドマイクロ株式会社", "トレンドマイクロ", VendorCheck::Agrees},
        {"Red Lion Controls", "redhat", VendorCheck::Differs},
        {"Microsoft", "cybozu", VendorCheck::Differs},
        {"Microsoft", "サイボウズ", VendorCheck::Unknown}, // Japanese never contradicts
        {"日立", "東芝", VendorCheck::Unknown},
        {"", "apache", VendorCheck::Unknown},
        {"NOASSERTION", "apache", VendorCheck::Unknown},
        {"Apache", "", VendorCheck::Unknown},
    };
    for (const auto& c : cases) {
        INFO(c.component << " vs " << c.advisory);
        CHECK(checkName(vw::checkVendors(vendor(c.component), advisory(c.advisory), "x")) ==
              std::string(checkName(c.expected)));
    }
}

TEST_CASE("isGenericName", "[core][names]") {
    for (const char* word : {"core", "api", "server", "office", "kernel", "脆弱性", "サーバ"}) {
        CHECK(vw::isGenericName(word));
    }
    for (const char* word : {"log4j", "openssl", "http_server", "サイボウズ", "core_x"}) {
        CHECK_FALSE(vw::isGenericName(word));
    }
}
