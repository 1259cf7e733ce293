// libFuzzer target: the parsers of what users hand in rather than what feeds send — SBOMs
// (CycloneDX JSON/XML, SPDX JSON/tag-value), CPE names, version text and version comparison,
// package URLs, install-base CSV (UTF-8 or Shift_JIS) and CSAF documents (`import`, the `csaf`
// source). The first byte picks the parser; the
// rest is its input. Beyond "no crash, no sanitizer report" each checks a property:
// a CPE that parses prints as a CPE that parses to the same text; version comparison is a
// consistent order on the pair (and the triple) it is given; an SBOM's components all have a
// key; an install-base row always names its line; a CSAF record has an id, source "csaf" and
// canonical aliases, and the tracking id reader agrees with the parser. Built only with clang
// (tests/CMakeLists.txt).
#include "core/cpe.h"
#include "core/purl.h"
#include "core/version.h"
#include "feeds/parse/csaf.h"
#include "inventory/installbase.h"
#include "inventory/sbom.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "%s: '%.*s'\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

int sign(int v) {
    return (v > 0) - (v < 0);
}

/// Splits `input` at the first two NUL bytes (missing parts are empty).
void three(std::string_view input, std::string_view& a, std::string_view& b, std::string_view& c) {
    const auto first = input.find('\0');
    a = input.substr(0, first);
    if (first == std::string_view::npos) {
        b = c = {};
        return;
    }
    const std::string_view rest = input.substr(first + 1);
    const auto second = rest.find('\0');
    b = rest.substr(0, second);
    c = second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
}

void sbom(std::string_view input) {
    try {
        const vw::SbomDocument doc = vw::readSbom(input);
        for (const auto& c : doc.components) {
            if (vw::componentKey(c).empty()) {
                fail("a component without a key", c.name);
            }
        }
    } catch (const vw::SbomError&) {
        // refusing a document is fine
    }
}

void cpe(std::string_view input) {
    const auto parsed = vw::parseCpe(input);
    if (!parsed) {
        return;
    }
    const std::string printed = vw::toCpe23(*parsed);
    const auto again = vw::parseCpe(printed);
    if (!again) {
        fail("a parsed CPE prints as one that does not parse", printed);
    }
    if (vw::toCpe23(*again) != printed) {
        fail("a CPE does not print the same after a round trip", printed);
    }
    (void)vw::toCpe22(*parsed);
}

void versions(std::string_view input) {
    std::string_view a;
    std::string_view b;
    std::string_view c;
    three(input, a, b, c);
    if (vw::compareVersions(a, a) != 0) {
        fail("a version is not equal to itself", a);
    }
    const int ab = sign(vw::compareVersions(a, b));
    if (ab != -sign(vw::compareVersions(b, a))) {
        fail("version comparison is not antisymmetric", input);
    }
    const int bc = sign(vw::compareVersions(b, c));
    if (ab <= 0 && bc <= 0 && sign(vw::compareVersions(a, c)) > 0) {
        fail("version comparison is not transitive", input);
    }
    const vw::ParsedVersionText text = vw::parseVersionText(a);
    for (const auto& range : text.ranges) {
        (void)vw::rangeContains(range, b);
        (void)vw::describeRange(range);
    }
}

void purl(std::string_view input) {
    (void)vw::parsePurl(input);
    (void)vw::purlName(input);
}

void installBase(std::string_view input) {
    const vw::InstallBaseFile file = vw::parseInstallBaseCsv(input);
    for (const auto& problem : file.problems) {
        if (problem.message.empty()) {
            fail("an install-base problem without a message", input.substr(0, 80));
        }
    }
}

void csaf(std::string_view input) {
    (void)vw::looksLikeCsaf(input);
    const std::string trackingId = vw::csafTrackingId(input);
    vw::ParseResult result;
    try {
        result = vw::parseCsaf(input);
    } catch (const vw::ParseError&) {
        return; // refusing a document is fine
    }
    if (trackingId.empty()) {
        fail("a CSAF document parsed but its tracking id reads as empty", input.substr(0, 80));
    }
    for (const auto& record : result.records) {
        if (record.id.empty() || record.source != "csaf") {
            fail("a CSAF record without an id or source", record.id);
        }
        for (std::size_t i = 0; i < record.aliases.size(); ++i) {
            if (record.aliases[i] == record.id ||
                (i > 0 && !(record.aliases[i - 1] < record.aliases[i]))) {
                fail("CSAF record aliases are not sorted, unique and without the id", record.id);
            }
        }
    }
    for (const auto& problem : result.problems) {
        if (problem.message.empty()) {
            fail("a CSAF problem without a message", input.substr(0, 80));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 6) {
    case 0:
        sbom(input);
        break;
    case 1:
        cpe(input);
        break;
    case 2:
        versions(input);
        break;
    case 3:
        purl(input);
        break;
    case 4:
        installBase(input);
        break;
    default:
        csaf(input);
        break;
    }
    return 0;
}
