// SBOM reading (readSbom) and component diffs (diffComponents). Two kinds of tests:
// - the real SBOMs in shared/fixtures/sbom (skipped on a bare clone), each checked against an
//   independent reading by tests/sbom_reference.py (Python stdlib) and, for the counts, against
//   the numbers SOURCES.md states: two sources besides this reader;
// - documents written for this project (tests/data/sbom/*written_for_vulnwatch*, and hostile
//   ones generated inline) for the mechanics and the errors: these run everywhere.
#include "helpers/fixtures.h"
#include "inventory/sbom.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using vw::Component;
using vw::diffComponents;
using vw::readSbom;
using vw::SbomDocument;
using vw::SbomError;
using vw::SbomFormat;
using vw::SbomLimits;

std::filesystem::path fixturePath(const std::string& name) {
    return vw::test::fixturesDir() / "sbom" / name;
}

SbomDocument readFixture(const std::string& name, SbomFormat format = SbomFormat::Auto) {
    return readSbom(vw::test::readFile(fixturePath(name)), format);
}

std::string written(const std::string& name) {
    return vw::test::readFile(vw::test::sourceDir() / "tests" / "data" / "sbom" / name);
}

/// What tests/sbom_reference.py says about a file.
struct Reference {
    std::string family;
    std::size_t components = 0;
    std::size_t withCpe = 0;
    std::size_t withPurl = 0;
    std::size_t cpes = 0;
    std::size_t skipped = 0;
    std::size_t subject = 0;
    std::vector<std::string> names; // "name@version", sorted
};

Reference reference(const std::filesystem::path& file) {
    const std::string command = "python3 '" +
                                (vw::test::sourceDir() / "tests" / "sbom_reference.py").string() +
                                "' '" + file.string() + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        output.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    INFO(command << "\n" << output);
    REQUIRE(status == 0);
    Poco::JSON::Parser parser;
    const auto json = parser.parse(output).extract<Poco::JSON::Object::Ptr>();
    Reference r;
    r.family = json->getValue<std::string>("family");
    r.components = json->getValue<std::size_t>("components");
    r.withCpe = json->getValue<std::size_t>("with_cpe");
    r.withPurl = json->getValue<std::size_t>("with_purl");
    r.cpes = json->getValue<std::size_t>("cpes");
    r.skipped = json->getValue<std::size_t>("skipped");
    r.subject = json->getValue<std::size_t>("subject");
    const auto names = json->getArray("names");
    for (std::size_t i = 0; i < names->size(); ++i) {
        r.names.push_back(names->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return r;
}

std::size_t withCpe(const SbomDocument& d) {
    return static_cast<std::size_t>(
        std::count_if(d.components.begin(), d.components.end(),
                      [](const Component& c) { return !c.cpes.empty(); }));
}

std::size_t withPurl(const SbomDocument& d) {
    return static_cast<std::size_t>(
        std::count_if(d.components.begin(), d.components.end(),
                      [](const Component& c) { return !c.purl.empty(); }));
}

std::size_t cpeCount(const SbomDocument& d) {
    std::size_t n = 0;
    for (const Component& c : d.components) {
        n += c.cpes.size();
    }
    return n;
}

std::vector<std::string> sortedNames(const SbomDocument& d) {
    std::vector<std::string> names;
    for (const Component& c : d.components) {
        names.push_back(c.name + "@" + c.version);
    }
    std::sort(names.begin(), names.end());
    return names;
}

const Component& byName(const std::vector<Component>& components, const std::string& name,
                        const std::string& version = "") {
    const auto it = std::find_if(components.begin(), components.end(), [&](const Component& c) {
        return c.name == name && (version.empty() || c.version == version);
    });
    if (it == components.end()) {
        FAIL("no component " << name << " " << version);
    }
    return *it;
}

bool sameComponent(const Component& a, const Component& b) {
    return a.vendor == b.vendor && a.name == b.name && a.version == b.version && a.cpes == b.cpes &&
           a.purl == b.purl && a.supplier == b.supplier;
}

void checkSameComponents(const std::vector<Component>& a, const std::vector<Component>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(a[i].name << " / " << b[i].name);
        CHECK(sameComponent(a[i], b[i]));
    }
}

std::string messageOf(std::string_view bytes, SbomFormat format = SbomFormat::Auto,
                      const SbomLimits& limits = {}) {
    try {
        readSbom(bytes, format, limits);
    } catch (const SbomError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

// --- the real SBOMs ---------------------------------------------------------------------------

TEST_CASE("every real SBOM fixture agrees with the independent reference reader",
          "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    std::size_t files = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(vw::test::fixturesDir() / "sbom")) {
        const std::string name = entry.path().filename().string();
        if (name == "SOURCES.md") {
            continue;
        }
        INFO(name);
        ++files;
        const SbomDocument document = readSbom(vw::test::readFile(entry.path()));
        const Reference expected = reference(entry.path());
        CHECK(document.format.rfind(expected.family == "spdx" ? "SPDX " : "CycloneDX ", 0) == 0);
        CHECK(document.components.size() == expected.components);
        CHECK(withCpe(document) == expected.withCpe);
        CHECK(withPurl(document) == expected.withPurl);
        CHECK(cpeCount(document) == expected.cpes);
        CHECK(document.skipped == expected.skipped);
        CHECK(document.subject.size() == expected.subject);
        CHECK(sortedNames(document) == expected.names);
        // Importing the same file twice changes nothing.
        const vw::SbomDiff same = diffComponents(document.components, document.components);
        CHECK(same.empty());
        CHECK(same.unchanged == document.components.size());
    }
    CHECK(files == 14);
}

TEST_CASE("the real SBOM fixtures give the counts SOURCES.md states", "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    struct Expected {
        const char* file;
        const char* format;
        std::size_t components;
        std::size_t cpe;
        std::size_t purl;
        std::size_t skipped;
    };
    const Expected expected[] = {
        {"cdx14_laravel-7.12.0.bom.1.4.json", "CycloneDX 1.4 JSON", 62, 0, 62, 0},
        {"cdx14_laravel-7.12.0.bom.1.4.xml", "CycloneDX 1.4 XML", 62, 0, 62, 0},
        {"cdx14_meddev-case-study_narrow.sbom.json", "CycloneDX 1.4 JSON", 55, 55, 55, 0},
        {"cdx15_dependency-track.cdx.json", "CycloneDX 1.5 JSON", 201, 0, 201, 0},
        {"cdx15_spec-valid-bom-1.5.xml", "CycloneDX 1.5 XML", 3, 1, 3, 0},
        {"cdx15_cyclonedx-py_env_plain_with-extras_1.5.xml", "CycloneDX 1.5 XML", 31, 0, 31, 0},
        // 98 = 82 `file` (skipped) + 15 library + 1 operating-system (kept).
        {"cdx16_alpine_3.21_syft.cdx.json", "CycloneDX 1.6 JSON", 16, 15, 15, 82},
        {"cdx16_spec-valid-bom-1.6.xml", "CycloneDX 1.6 XML", 3, 1, 3, 0},
        {"spdx23_SPDXJSONExample-v2.3.spdx.json", "SPDX 2.3 JSON", 3, 0, 1, 0},
        {"spdx23_SPDXTagExample-v2.3.spdx", "SPDX 2.3 tag-value", 3, 0, 1, 0},
        {"spdx23_alpine_3.21_syft.spdx.json", "SPDX 2.3 JSON", 15, 15, 15, 0},
        {"spdx23_debian_12-slim_trivy.spdx.json", "SPDX 2.3 JSON", 89, 0, 88, 0},
        {"spdx22_yocto-oe-create-spdx_recipe-shadow.spdx.json", "SPDX 2.2 JSON", 0, 0, 0, 0},
        {"spdx22_trivy_centos-7-spdx.txt", "SPDX 2.2 tag-value", 3, 0, 2, 0},
    };
    for (const Expected& e : expected) {
        INFO(e.file);
        const SbomDocument document = readFixture(e.file);
        CHECK(document.format == e.format);
        CHECK(document.components.size() == e.components);
        CHECK(withCpe(document) == e.cpe);
        CHECK(withPurl(document) == e.purl);
        CHECK(document.skipped == e.skipped);
    }
}

TEST_CASE("twin fixtures give the same components", "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    SECTION("laravel CycloneDX 1.4 JSON and XML") {
        const SbomDocument json = readFixture("cdx14_laravel-7.12.0.bom.1.4.json");
        const SbomDocument xml = readFixture("cdx14_laravel-7.12.0.bom.1.4.xml");
        checkSameComponents(json.components, xml.components);
        checkSameComponents(json.subject, xml.subject);
        // Two event-dispatchers (psr/ and symfony/): the purl keeps them apart.
        const vw::SbomDiff diff = diffComponents(json.components, xml.components);
        CHECK(diff.empty());
        CHECK(diff.unchanged == 62);
        const Component& symfony = byName(json.components, "event-dispatcher", "v5.4.9");
        CHECK(symfony.purl == "pkg:composer/symfony/event-dispatcher@v5.4.9");
        CHECK(symfony.supplier == "Fabien Potencier, Symfony Community"); // `author`
        CHECK(vw::componentKey(symfony) !=
              vw::componentKey(byName(json.components, "event-dispatcher", "1.0.0")));
    }
    SECTION("the SPDX 2.3 examples, JSON and tag-value") {
        const SbomDocument json = readFixture("spdx23_SPDXJSONExample-v2.3.spdx.json");
        const SbomDocument tv = readFixture("spdx23_SPDXTagExample-v2.3.spdx");
        checkSameComponents(json.components, tv.components);
        checkSameComponents(json.subject, tv.subject);
    }
    SECTION("alpine 3.21 by syft, CycloneDX and SPDX") {
        const SbomDocument cdx = readFixture("cdx16_alpine_3.21_syft.cdx.json");
        const SbomDocument spdx = readFixture("spdx23_alpine_3.21_syft.spdx.json");
        // The same 15 apk packages with the same CPEs (CycloneDX: `cpe` and the `syft:cpe23`
        // properties; SPDX: the cpe23Type refs), purls and suppliers; CycloneDX adds the OS.
        // syft's quirk: for the three busybox packages, maintained by "Sören Tempel <…>", the
        // SPDX supplier is NOASSERTION while the CycloneDX publisher names him.
        std::vector<Component> libraries;
        for (const Component& c : cdx.components) {
            if (c.name != "alpine") {
                libraries.push_back(c);
            }
        }
        REQUIRE(libraries.size() == spdx.components.size());
        std::size_t noAssertion = 0;
        for (std::size_t i = 0; i < libraries.size(); ++i) {
            Component fromCdx = libraries[i];
            INFO(fromCdx.name);
            if (spdx.components[i].supplier.empty()) {
                CHECK(fromCdx.supplier == "Sören Tempel");
                fromCdx.supplier.clear();
                ++noAssertion;
            }
            CHECK(sameComponent(fromCdx, spdx.components[i]));
        }
        CHECK(noAssertion == 3);
        const Component& os = byName(cdx.components, "alpine");
        CHECK(os.version == "3.21.5");
        CHECK(os.cpes.empty());
        CHECK(os.purl.empty());
    }
}

TEST_CASE("alpine syft CycloneDX: file components skipped, every CPE kept", "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    const SbomDocument d = readFixture("cdx16_alpine_3.21_syft.cdx.json");
    CHECK(d.skipped == 82);
    CHECK(d.components.size() == 16);
    REQUIRE(d.subject.size() == 1);
    CHECK(d.subject[0].name == "alpine");
    CHECK(d.subject[0].version == "3.21");
    const Component& base = byName(d.components, "alpine-baselayout");
    CHECK(base.version == "3.6.8-r1");
    CHECK(base.purl ==
          "pkg:apk/alpine/alpine-baselayout@3.6.8-r1?arch=x86_64&distro=alpine-3.21.5");
    REQUIRE(base.cpes.size() == 6);
    CHECK(base.cpes[0] == "cpe:2.3:a:alpine-baselayout:alpine-baselayout:3.6.8-r1:*:*:*:*:*:*:*");
    CHECK(base.vendor == "alpine-baselayout");
    CHECK(base.supplier == "Natanael Copa"); // "Natanael Copa <ncopa@alpinelinux.org>"
    for (const Component& c : d.components) {
        CHECK(c.name.rfind('/', 0) == std::string::npos); // no /bin/busybox and the like
    }
}

TEST_CASE("Yocto create-spdx: both packages described, so no components", "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    const SbomDocument d = readFixture("spdx22_yocto-oe-create-spdx_recipe-shadow.spdx.json");
    CHECK(d.format == "SPDX 2.2 JSON");
    CHECK(d.components.empty());
    REQUIRE(d.subject.size() == 2);
    const Component& recipe = byName(d.subject, "shadow");
    CHECK(recipe.version == "4.14.2");
    // The long URL referenceType form, and a CPE whose vendor is `*`.
    REQUIRE(recipe.cpes.size() == 1);
    CHECK(recipe.cpes[0] == "cpe:2.3:*:*:shadow:4.14.2:*:*:*:*:*:*:*");
    CHECK(recipe.vendor.empty());
    CHECK(d.subject[1].version.empty()); // SPDXRef-Download-shadow-1 has no version
    // Zero components is said, not silently taken for an empty product.
    REQUIRE_FALSE(d.warnings.empty());
    CHECK_THAT(d.warnings.back(), Catch::Contains("Yocto"));
}

TEST_CASE("medical device SBOM: hardware CPEs, generic purls, empty versions",
          "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    const SbomDocument d = readFixture("cdx14_meddev-case-study_narrow.sbom.json");
    REQUIRE(d.subject.size() == 1);
    CHECK(d.subject[0].name == "REDACTED");
    const Component& soc = byName(d.components, "Qualcomm Atheros QCA9563");
    CHECK(soc.version.empty());
    REQUIRE(soc.cpes.size() == 1);
    CHECK(soc.cpes[0] == "cpe:2.3:h:qualcomm:atheros_qca9563:*:*:*:*:*:*:*:*");
    CHECK(soc.vendor == "qualcomm");
    CHECK(soc.supplier == "Qualcomm"); // `publisher`
    CHECK(soc.purl == "pkg:generic/qualcomm_atheros_qca9563");
    const auto hardware =
        std::count_if(d.components.begin(), d.components.end(), [](const Component& c) {
            return !c.cpes.empty() && c.cpes[0].rfind("cpe:2.3:h:", 0) == 0;
        });
    CHECK(hardware > 0);
}

TEST_CASE("SPDX fixtures: described packages, suppliers, refs", "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    SECTION("the SPDX 2.3 example: glibc is described, Jena has a purl") {
        const SbomDocument d = readFixture("spdx23_SPDXJSONExample-v2.3.spdx.json");
        REQUIRE(d.subject.size() == 1);
        const Component& glibc = d.subject[0];
        CHECK(glibc.name == "glibc");
        CHECK(glibc.version == "2.11.1");
        CHECK(glibc.supplier == "Jane Doe");
        CHECK(glibc.cpes == std::vector<std::string>{
                                "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"});
        CHECK(glibc.vendor == "pivotal_software");
        CHECK(byName(d.components, "Jena").purl == "pkg:maven/org.apache.jena/apache-jena@3.12.0");
        CHECK(byName(d.components, "Apache Commons Lang").version.empty());
    }
    SECTION("trivy Debian: Organization suppliers, the OS without a purl") {
        const SbomDocument d = readFixture("spdx23_debian_12-slim_trivy.spdx.json");
        CHECK(byName(d.components, "adduser").supplier == "Debian Adduser Developers");
        const Component& os = byName(d.components, "debian");
        CHECK(os.version == "12.13");
        CHECK(os.purl.empty());
        CHECK(d.subject.at(0).name == "debian:12-slim");
    }
    SECTION("trivy CentOS tag-value: `#####` headers, attribution texts") {
        const SbomDocument d = readFixture("spdx22_trivy_centos-7-spdx.txt");
        CHECK(byName(d.components, "bash").purl ==
              "pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810");
        CHECK(byName(d.components, "centos").purl.empty());
        CHECK(d.subject.at(0).name == "integration/testdata/fixtures/images/centos-7.tar.gz");
    }
    SECTION("format forced to the right family reads; to the wrong one it is refused") {
        CHECK(readFixture("spdx22_trivy_centos-7-spdx.txt", SbomFormat::Spdx).components.size() ==
              3);
        CHECK_THROWS_WITH(readFixture("spdx22_trivy_centos-7-spdx.txt", SbomFormat::CycloneDx),
                          Catch::Contains("expected CycloneDX"));
        CHECK_THROWS_WITH(readFixture("cdx15_spec-valid-bom-1.5.xml", SbomFormat::Spdx),
                          Catch::Contains("expected SPDX"));
    }
}

TEST_CASE("dependency-track: two jffi jars with one purl apart from the classifier",
          "[inventory][sbom]") {
    VW_REQUIRE_FIXTURES();
    const SbomDocument d = readFixture("cdx15_dependency-track.cdx.json");
    std::vector<Component> jffi;
    std::copy_if(d.components.begin(), d.components.end(), std::back_inserter(jffi),
                 [](const Component& c) { return c.name == "jffi"; });
    REQUIRE(jffi.size() == 2);
    CHECK(vw::componentKey(jffi[0]) == vw::componentKey(jffi[1]));
    // An upgrade of both pairs each with its own classifier, whatever the order.
    std::vector<Component> after = d.components;
    for (Component& c : after) {
        if (c.name == "jffi") {
            c.version = "1.3.14";
            c.purl.replace(c.purl.find("1.3.13"), 6, "1.3.14");
        }
    }
    std::reverse(after.begin(), after.end());
    const vw::SbomDiff diff = diffComponents(d.components, after);
    CHECK(diff.added.empty());
    CHECK(diff.removed.empty());
    REQUIRE(diff.changed.size() == 2);
    for (const auto& [before, now] : diff.changed) {
        CHECK(before.purl.substr(before.purl.find('?')) == now.purl.substr(now.purl.find('?')));
    }
    CHECK(diff.unchanged == 199);
}

// --- documents written for vulnwatch ------------------------------------------------------------

TEST_CASE("CycloneDX JSON: nested components, metadata, files, suppliers, CPEs",
          "[inventory][sbom]") {
    const SbomDocument d = readSbom(written("device_written_for_vulnwatch.cdx.json"));
    CHECK(d.format == "CycloneDX 1.6 JSON");
    CHECK(d.specVersion == "1.6");
    // Depth first, a component before the ones nested in it; 2 files and 1 nameless skipped.
    std::vector<std::string> order;
    for (const Component& c : d.components) {
        order.push_back(c.name + "@" + c.version);
    }
    CHECK(order == std::vector<std::string>{"pump-firmware@4.2.0", "FreeRTOS Kernel@10.4.3",
                                            "FreeRTOS+TCP@2.3.2", "zlib@1.2.11",
                                            "pump-service-tool@", "zlib@1.3.1", "Qt Core@5.15.2"});
    CHECK(d.skipped == 3);
    REQUIRE(d.subject.size() == 1);
    CHECK(d.subject[0].name == "Example Infusion Pump");
    CHECK(d.subject[0].vendor == "example_medical");
    CHECK(d.subject[0].supplier == "Example Medical K.K.");

    const Component& kernel = d.components[1];
    CHECK(kernel.cpes == std::vector<std::string>{"cpe:2.3:o:amazon:freertos:10.4.3:*:*:*:*:*:*:*",
                                                  "cpe:/o:amazon:freertos:10.4.3"});
    CHECK(kernel.vendor == "amazon");
    CHECK(kernel.supplier == "Amazon Web Services"); // publisher, contact dropped
    CHECK(kernel.purl.empty());
    CHECK(d.components[2].supplier == "Amazon Web Services"); // authors[0].name
    CHECK(d.components[2].cpes.at(0) == "cpe:2.3:a:amazon:freertos\\+tcp:2.3.2:*:*:*:*:*:*:*");
    CHECK(d.components[3].supplier == "Jean-loup Gailly, Mark Adler"); // author
    CHECK(d.components[3].purl ==
          "pkg:generic/zlib@1.2.11?download_url=https://zlib.net/zlib-1.2.11.tar.gz");
    const Component& tool = d.components[4];
    CHECK(tool.version.empty());
    CHECK(tool.cpes ==
          std::vector<std::string>{"cpe:2.3:a:example_medical:pump_service_tool:*:*:*:*:*:*:*:*"});
    CHECK(d.components[6].supplier == "The Qt Company"); // manufacturer.name
    CHECK(d.components[6].vendor == "qt");
    CHECK(d.components[0].vendor.empty()); // no CPE

    // The invalid syft:cpe23 value and the nameless component are said.
    const auto said = [&](const std::string& text) {
        return std::any_of(d.warnings.begin(), d.warnings.end(),
                           [&](const std::string& w) { return w.find(text) != std::string::npos; });
    };
    CHECK(said("\"not a cpe\" is not a CPE name"));
    CHECK(said("without a name"));
}

TEST_CASE("CycloneDX XML with a namespace prefix reads like its JSON twin", "[inventory][sbom]") {
    const SbomDocument json = readSbom(written("device_written_for_vulnwatch.cdx.json"));
    const SbomDocument xml = readSbom(written("device_written_for_vulnwatch.cdx.xml"));
    CHECK(xml.format == "CycloneDX 1.5 XML");
    CHECK(xml.skipped == 3);
    checkSameComponents(json.components, xml.components);
    checkSameComponents(json.subject, xml.subject);
    CHECK(diffComponents(json.components, xml.components).empty());
}

TEST_CASE("SPDX tag-value: multi-line text, comments, files and snippets after packages",
          "[inventory][sbom]") {
    const SbomDocument d = readSbom(written("pump_written_for_vulnwatch.spdx"));
    CHECK(d.format == "SPDX 2.3 tag-value");
    CHECK(d.specVersion == "2.3");
    // "PackageName: not-a-package" inside a <text> is text; the file is no package.
    CHECK(sortedNames(d) == std::vector<std::string>{"FreeRTOS Kernel@10.4.3",
                                                     "pump-firmware@4.2.0", "pump-service-tool@",
                                                     "zlib@1.2.11"});
    REQUIRE(d.subject.size() == 1); // DESCRIBED_BY
    CHECK(d.subject[0].name == "Example Infusion Pump");
    CHECK(d.subject[0].supplier == "Example Medical K.K.");
    const Component& firmware = byName(d.components, "pump-firmware");
    CHECK(firmware.cpes.empty()); // the ExternalRef line inside the description is text
    CHECK(firmware.supplier == "Example Medical K.K."); // NOASSERTION supplier, originator
    CHECK(firmware.purl == "pkg:generic/example/pump-firmware@4.2.0");
    const Component& kernel = byName(d.components, "FreeRTOS Kernel");
    CHECK(kernel.cpes.size() == 2);
    CHECK(kernel.supplier == "Richard Barry");
    const Component& zlib = byName(d.components, "zlib");
    CHECK(zlib.cpes == std::vector<std::string>{"cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*"});
    CHECK(zlib.purl == "pkg:generic/zlib@1.2.11"); // the first of two
    CHECK(d.warnings.empty());
}

TEST_CASE("SPDX JSON reads like its tag-value twin", "[inventory][sbom]") {
    const SbomDocument tv = readSbom(written("pump_written_for_vulnwatch.spdx"));
    const SbomDocument json = readSbom(written("pump_written_for_vulnwatch.spdx.json"));
    CHECK(json.format == "SPDX 2.2 JSON");
    checkSameComponents(tv.components, json.components);
    checkSameComponents(tv.subject, json.subject);
}

TEST_CASE("the written SBOMs agree with the reference reader too", "[inventory][sbom]") {
    for (const char* name :
         {"device_written_for_vulnwatch.cdx.json", "device_written_for_vulnwatch.cdx.xml",
          "pump_written_for_vulnwatch.spdx", "pump_written_for_vulnwatch.spdx.json"}) {
        INFO(name);
        const auto path = vw::test::sourceDir() / "tests" / "data" / "sbom" / name;
        const SbomDocument d = readSbom(vw::test::readFile(path));
        const Reference expected = reference(path);
        CHECK(d.components.size() == expected.components);
        CHECK(withCpe(d) == expected.withCpe);
        CHECK(withPurl(d) == expected.withPurl);
        CHECK(d.skipped == expected.skipped);
        CHECK(sortedNames(d) == expected.names);
    }
}

TEST_CASE("format names and detection details", "[inventory][sbom]") {
    CHECK(vw::parseSbomFormat("auto") == SbomFormat::Auto);
    CHECK(vw::parseSbomFormat("CycloneDX") == SbomFormat::CycloneDx);
    CHECK(vw::parseSbomFormat("spdx") == SbomFormat::Spdx);
    CHECK_FALSE(vw::parseSbomFormat("swid").has_value());

    // A UTF-8 BOM and white space before the document are fine.
    const std::string json = written("device_written_for_vulnwatch.cdx.json");
    CHECK(readSbom("\xEF\xBB\xBF\n  " + json).components.size() == 7);
    const std::string tv = written("pump_written_for_vulnwatch.spdx");
    CHECK(readSbom("\xEF\xBB\xBF" + tv).components.size() == 4);
    CHECK(readSbom(json, SbomFormat::CycloneDx).components.size() == 7);
    CHECK_THAT(messageOf(json, SbomFormat::Spdx), Catch::Contains("expected SPDX"));
    CHECK_THAT(messageOf(tv, SbomFormat::CycloneDx), Catch::Contains("expected CycloneDX"));
}

TEST_CASE("bad SBOMs are refused with a clear message", "[inventory][sbom]") {
    using Catch::Contains;
    CHECK_THAT(messageOf(""), Contains("empty"));
    CHECK_THAT(messageOf(" \n\t "), Contains("empty"));
    CHECK_THAT(messageOf("name,version\nzlib,1.2.11\n"),
               Contains("not JSON, XML or SPDX tag-value"));
    CHECK_THAT(messageOf(std::string("\x28\xB5\x2F\xFD\x00\x01", 6)), Contains("zstd"));
    CHECK_THAT(messageOf("[1, 2]"), Contains("not an object"));
    CHECK_THAT(messageOf(R"({"name": "x"})"), Contains("neither CycloneDX"));
    CHECK_THAT(messageOf(R"({"specVersion": "1.5", "components": []})"), Contains("no bomFormat"));
    CHECK_THAT(messageOf(R"({"bomFormat": "SWID", "specVersion": "1.5"})"),
               Contains("not a CycloneDX BOM"));
    CHECK_THAT(messageOf(R"({"bomFormat": "CycloneDX", "specVersion": "1.2", "components": []})"),
               Contains("CycloneDX specVersion 1.2 is not supported (1.4–1.6)"));
    CHECK_THAT(messageOf(R"({"bomFormat": "CycloneDX", "components": []})"),
               Contains("without a specVersion"));
    CHECK_THAT(messageOf(R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.3"><components/></bom>)"),
               Contains("CycloneDX specVersion 1.3 is not supported"));
    CHECK_THAT(messageOf(R"(<project xmlns="http://maven.apache.org/POM/4.0.0"/>)"),
               Contains("not a CycloneDX BOM"));
    CHECK_THAT(messageOf(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>)"),
               Contains("SPDX RDF/XML is not supported"));
    CHECK_THAT(messageOf(R"({"spdxVersion": "SPDX-2.1", "packages": []})"),
               Contains("SPDX version SPDX-2.1 is not supported"));
    CHECK_THAT(messageOf("SPDXVersion: SPDX-2.1\nDataLicense: CC0-1.0\n"),
               Contains("SPDX version SPDX-2.1 is not supported"));
    CHECK_THAT(messageOf(R"({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
                            "@graph": []})"),
               Contains("SPDX 3.0 is not supported yet"));
    CHECK_THAT(messageOf("SPDXVersion: SPDX-2.3\nPackageName: x\nPackageComment: <text>open\n"),
               Contains("never ends"));
}

TEST_CASE("truncated documents are errors, not partial lists", "[inventory][sbom]") {
    const std::string json = written("device_written_for_vulnwatch.cdx.json");
    const std::string xml = written("device_written_for_vulnwatch.cdx.xml");
    for (const std::size_t cut : {json.size() / 3, json.size() / 2, json.size() - 3}) {
        INFO(cut);
        CHECK_THAT(messageOf(json.substr(0, cut)), Catch::Contains("not valid JSON"));
    }
    for (const std::size_t cut : {xml.size() / 3, xml.size() / 2, xml.size() - 3}) {
        INFO(cut);
        CHECK_THAT(messageOf(xml.substr(0, cut)), Catch::Contains("not well-formed XML"));
    }
}

TEST_CASE("hostile SBOMs hit a limit, not the stack or the heap", "[inventory][sbom]") {
    SECTION("100,000 nested JSON arrays") {
        const std::string deep = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "x": )" +
                                 std::string(100000, '[') + std::string(100000, ']') + "}";
        CHECK_THAT(messageOf(deep), Catch::Contains("JSON nesting deeper than 100 levels"));
    }
    SECTION("brackets inside strings do not count") {
        const std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "x\"[[[[", "version": ")" +
                                 std::string(500, '{') + R"("}]})";
        CHECK(readSbom(json).components.at(0).name == "x\"[[[[");
    }
    SECTION("100,000 nested XML components") {
        std::string deep = R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.6">)";
        for (int i = 0; i < 100000; ++i) {
            deep += "<components><component type=\"library\"><name>n</name>";
        }
        for (int i = 0; i < 100000; ++i) {
            deep += "</component></components>";
        }
        deep += "</bom>";
        CHECK_THAT(messageOf(deep), Catch::Contains("nested deeper than 100 levels"));
    }
    SECTION("more components than the limit, JSON") {
        std::string many = R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [)";
        for (int i = 0; i <= 200000; ++i) {
            many += i == 0 ? R"({"name":"c"})" : R"(,{"name":"c"})";
        }
        many += "]}";
        CHECK_THAT(messageOf(many), Catch::Contains("more than 200000 components"));
        SbomLimits limits;
        limits.maxComponents = 300000;
        CHECK(readSbom(many, SbomFormat::Auto, limits).components.size() == 200001);
    }
    SECTION("more components than the limit, XML and tag-value") {
        SbomLimits limits;
        limits.maxComponents = 10;
        std::string xml = R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>)";
        std::string tv = "SPDXVersion: SPDX-2.3\n";
        for (int i = 0; i < 11; ++i) {
            xml += "<component type=\"file\"><name>f</name></component>"; // skipped ones count
            tv += "PackageName: p" + std::to_string(i) + "\n";
        }
        xml += "</components></bom>";
        CHECK_THAT(messageOf(xml, SbomFormat::Auto, limits),
                   Catch::Contains("more than 10 components"));
        CHECK_THAT(messageOf(tv, SbomFormat::Auto, limits),
                   Catch::Contains("more than 10 components"));
    }
    SECTION("too many JSON values or XML elements are refused before parsing") {
        // 64 MiB of `0,` would be 1.5 GB as a Poco tree; of `<a/>` 1.2 GB as a pugixml one.
        std::string zeros = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "x": [0)";
        for (int i = 0; i < 4000000; ++i) {
            zeros += ",0";
        }
        zeros += "]}";
        CHECK_THAT(messageOf(zeros), Catch::Contains("more than 4000000 JSON values"));
        std::string elements = R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><x>)";
        for (int i = 0; i < 4000000; ++i) {
            elements += "<a/>";
        }
        elements += "</x></bom>";
        CHECK_THAT(messageOf(elements), Catch::Contains("more than 4000000 XML elements"));
        SbomLimits limits;
        limits.maxNodes = 50;
        CHECK_THAT(
            messageOf(written("device_written_for_vulnwatch.cdx.json"), SbomFormat::Auto, limits),
            Catch::Contains("more than 50 JSON values"));
        CHECK_THAT(
            messageOf(written("device_written_for_vulnwatch.cdx.xml"), SbomFormat::Auto, limits),
            Catch::Contains("more than 50 XML elements"));
    }
    SECTION("a component with 100,000 CPEs keeps the first thousand") {
        std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
            {"name": "many", "properties": [)";
        for (int i = 0; i < 100000; ++i) {
            json += (i == 0 ? "" : ",") + std::string(R"({"name": "syft:cpe23", "value": )") +
                    "\"cpe:2.3:a:v:p" + std::to_string(i) + "\"}";
        }
        json += "]}]}";
        const SbomDocument d = readSbom(json);
        CHECK(d.components.at(0).cpes.size() == 1000);
        CHECK_THAT(d.warnings.front(), Catch::Contains("more than 1000 CPEs"));
    }
    SECTION("a document past the size limit is refused before parsing") {
        SbomLimits limits;
        limits.maxBytes = 100;
        CHECK_THAT(messageOf(std::string(101, '{'), SbomFormat::Auto, limits),
                   Catch::Contains("101 bytes, more than the 100 bytes allowed"));
    }
    SECTION("fields of the wrong type are ignored, not trusted") {
        const SbomDocument d = readSbom(R"({"bomFormat": "CycloneDX", "specVersion": "1.4",
            "metadata": [], "components": [
              {"name": "a", "version": 2, "cpe": ["x"], "purl": {}, "supplier": "s",
               "properties": 5, "components": "none"},
              7, null,
              {"name": "b", "externalReferences": [1, {"url": 3}]}]})");
        REQUIRE(d.components.size() == 2);
        CHECK(d.components[0].version == "2");
        CHECK(d.components[0].cpes.empty());
        CHECK(d.components[0].purl.empty());
        CHECK(d.subject.empty());
    }
}

// --- diffComponents
// -------------------------------------------------------------------------------

namespace {

Component component(std::string name, std::string version, std::string purl = "",
                    std::string supplier = "") {
    Component c;
    c.name = std::move(name);
    c.version = std::move(version);
    c.purl = std::move(purl);
    c.supplier = std::move(supplier);
    return c;
}

} // namespace

TEST_CASE("componentKey: purl without version, qualifiers and subpath, else the name",
          "[inventory][diff]") {
    using vw::componentKey;
    CHECK(componentKey(component(
              "x", "1", "pkg:apk/alpine/musl@1.2.5-r9?arch=x86_64&distro=alpine-3.21.5")) ==
          "purl:pkg:apk/alpine/musl");
    CHECK(componentKey(component("x", "1", "pkg:npm/@angular/core@17.0.1#packages/core")) ==
          "purl:pkg:npm/@angular/core");
    CHECK(componentKey(component("x", "1", "pkg:npm/@angular/core")) ==
          "purl:pkg:npm/@angular/core");
    CHECK(componentKey(component("x", "1", "pkg:PyPI/Django@4.2")) == "purl:pkg:pypi/django");
    CHECK(componentKey(component("  Qt   Core ", "5", "", "The Qt Company")) ==
          "name:qt core|the qt company");
    Component withVendor = component("zlib", "1.2.11", "", "Someone");
    withVendor.vendor = "zlib";
    CHECK(componentKey(withVendor) == "name:zlib|zlib");
}

TEST_CASE("diffComponents: added, removed, changed, unchanged", "[inventory][diff]") {
    const std::vector<Component> before = {
        component("openssl", "3.0.13",
                  "pkg:deb/debian/openssl@3.0.13?arch=amd64&distro=debian-12.5"),
        component("zlib", "1.2.13", "pkg:deb/debian/zlib1g@1.2.13?arch=amd64"),
        component("legacy-tool", "0.9", "", "Example"),
        component("FreeRTOS Kernel", "10.4.3", "", "Amazon"),
    };
    std::vector<Component> after = {
        component("freertos kernel", "10.6.2", "", "Amazon"), // renamed case only: same key
        component("openssl", "3.0.15",
                  "pkg:deb/debian/openssl@3.0.15?arch=amd64&distro=debian-12.8"),
        component("zlib", "1.2.13", "pkg:deb/debian/zlib1g@1.2.13?arch=amd64"),
        component("curl", "8.5.0", "pkg:deb/debian/curl@8.5.0"),
    };
    const vw::SbomDiff diff = diffComponents(before, after);
    CHECK(diff.unchanged == 1);
    REQUIRE(diff.added.size() == 1);
    CHECK(diff.added[0].name == "curl");
    REQUIRE(diff.removed.size() == 1);
    CHECK(diff.removed[0].name == "legacy-tool");
    REQUIRE(diff.changed.size() == 2); // in `after` order
    CHECK(diff.changed[0].first.version == "10.4.3");
    CHECK(diff.changed[0].second.version == "10.6.2");
    CHECK(diff.changed[1].first.version == "3.0.13");
    CHECK(diff.changed[1].second.version == "3.0.15");

    SECTION("the same list twice, or reordered, is no change") {
        CHECK(diffComponents(after, after).empty());
        std::vector<Component> reordered(after.rbegin(), after.rend());
        const vw::SbomDiff same = diffComponents(after, reordered);
        CHECK(same.empty());
        CHECK(same.unchanged == 4);
    }
    SECTION("a CPE added is a change") {
        std::vector<Component> withCpe = after;
        withCpe[2].cpes.push_back("cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*");
        const vw::SbomDiff d = diffComponents(after, withCpe);
        REQUIRE(d.changed.size() == 1);
        CHECK(d.changed[0].second.cpes.size() == 1);
    }
    SECTION("empty lists") {
        CHECK(diffComponents({}, {}).empty());
        CHECK(diffComponents({}, after).added.size() == 4);
        CHECK(diffComponents(after, {}).removed.size() == 4);
    }
}

TEST_CASE("diffComponents: duplicate names pair deterministically", "[inventory][diff]") {
    // Three components with one key: equal ones pair first, then in document order.
    const std::vector<Component> before = {
        component("busybox", "1.36.1", "", "BusyBox"),
        component("busybox", "1.36.1", "", "BusyBox"),
        component("busybox", "1.35.0", "", "BusyBox"),
    };
    const std::vector<Component> after = {
        component("busybox", "1.37.0", "", "BusyBox"),
        component("busybox", "1.36.1", "", "BusyBox"),
    };
    const vw::SbomDiff diff = diffComponents(before, after);
    CHECK(diff.unchanged == 1);
    REQUIRE(diff.changed.size() == 1);
    CHECK(diff.changed[0].first.version == "1.36.1"); // the first one still open
    CHECK(diff.changed[0].second.version == "1.37.0");
    REQUIRE(diff.removed.size() == 1);
    CHECK(diff.removed[0].version == "1.35.0");
    CHECK(diff.added.empty());
    // The same inputs give the same answer.
    const vw::SbomDiff again = diffComponents(before, after);
    CHECK(again.changed[0].first.version == diff.changed[0].first.version);
    CHECK(again.removed[0].version == diff.removed[0].version);
}

TEST_CASE("diffComponents over a re-imported written SBOM", "[inventory][diff]") {
    const SbomDocument first = readSbom(written("device_written_for_vulnwatch.cdx.json"));
    const SbomDocument second = readSbom(written("device_written_for_vulnwatch.cdx.json"));
    const vw::SbomDiff same = diffComponents(first.components, second.components);
    CHECK(same.empty());
    CHECK(same.unchanged == 7);
    // Two zlibs (different purls) stay apart: an upgrade of one changes only that one.
    std::vector<Component> upgraded = second.components;
    upgraded[5].version = "1.3.2";
    upgraded[5].purl = "pkg:conan/zlib@1.3.2";
    const vw::SbomDiff diff = diffComponents(first.components, upgraded);
    REQUIRE(diff.changed.size() == 1);
    CHECK(diff.changed[0].first.purl == "pkg:conan/zlib@1.3.1");
    CHECK(diff.unchanged == 6);
}
