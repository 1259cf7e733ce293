// Format detection, input limits and the helpers the readers share.
#include "inventory/sbom.h"

#include "core/cpe.h"
#include "core/text.h"
#include "core/xml_chars.h"
#include "inventory/sbom_reader.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <utility>

namespace vw {
namespace sbom {
namespace {

/// syft writes about ten candidates; a thousand is hostile (and the repeat check quadratic).
constexpr std::size_t kMaxCpesPerComponent = 1000;

} // namespace

Builder::Builder(SbomDocument& document, const SbomLimits& limits)
    : document_(document), limits_(limits) {}

void Builder::countEntry() {
    if (++entries_ > limits_.maxComponents) {
        throw SbomError("more than " + std::to_string(limits_.maxComponents) +
                        " components: the SBOM is past the limit");
    }
}

void Builder::warn(std::string message) {
    if (document_.warnings.size() < 100) {
        document_.warnings.push_back(std::move(message));
    } else {
        ++moreWarnings_;
    }
}

void Builder::addCpe(Component& component, std::string_view text) {
    std::string cpe = trimmed(text);
    if (cpe.empty()) {
        return;
    }
    if (component.cpes.size() >= kMaxCpesPerComponent) {
        warn("component " + component.name.substr(0, 200) + ": more than " +
             std::to_string(kMaxCpesPerComponent) + " CPEs; the rest ignored");
        return;
    }
    if (!parseCpe(cpe)) {
        warn("component " + component.name.substr(0, 200) + ": \"" + cpe.substr(0, 200) +
             "\" is not a CPE name; ignored");
        return;
    }
    if (std::find(component.cpes.begin(), component.cpes.end(), cpe) == component.cpes.end()) {
        component.cpes.push_back(std::move(cpe));
    }
}

namespace {

void setVendor(Component& component) {
    component.vendor.clear();
    if (component.cpes.empty()) {
        return;
    }
    if (auto cpe = parseCpe(component.cpes.front());
        cpe && !isAnyValue(cpe->vendor) && cpe->vendor != "-") {
        component.vendor = cpe->vendor;
    }
}

} // namespace

void Builder::add(Component component) {
    setVendor(component);
    document_.components.push_back(std::move(component));
}

void Builder::addSubject(Component component) {
    setVendor(component);
    document_.subject.push_back(std::move(component));
}

void Builder::finish() {
    if (document_.components.empty()) {
        if (document_.subject.empty()) {
            warn("the SBOM lists no components");
        } else {
            warn("the SBOM lists no components besides what it describes (" +
                 document_.subject.front().name +
                 "): an SBOM split into several documents, as Yocto writes them, needs every "
                 "document imported");
        }
    }
    if (moreWarnings_ > 0) {
        document_.warnings.push_back("and " + std::to_string(moreWarnings_) + " more warnings");
    }
}

std::string trimmed(std::string_view text) {
    return std::string(trim(text));
}

std::string cleanSupplier(std::string_view text) {
    std::string_view name = trim(text);
    if (equalsIgnoreCase(name, "NOASSERTION") || equalsIgnoreCase(name, "NONE")) {
        return "";
    }
    for (std::string_view prefix : {"Organization:", "Person:"}) {
        if (startsWithIgnoreCase(name, prefix)) {
            name = trim(name.substr(prefix.size()));
            break;
        }
    }
    // A trailing contact: "Jane Doe (jane@example.com)", "Jane Doe <jane@example.com>".
    if (!name.empty() && (name.back() == ')' || name.back() == '>')) {
        const char open = name.back() == ')' ? '(' : '<';
        const std::size_t start = name.rfind(open);
        if (start != std::string_view::npos &&
            (name.find('@', start) != std::string_view::npos || start + 2 == name.size())) {
            name = trim(name.substr(0, start));
        }
    }
    return std::string(name);
}

void checkCycloneDxVersion(const std::string& version) {
    if (version.empty()) {
        throw SbomError("CycloneDX BOM without a specVersion");
    }
    if (version != "1.4" && version != "1.5" && version != "1.6") {
        throw SbomError("CycloneDX specVersion " + version.substr(0, 40) +
                        " is not supported (1.4–1.6)");
    }
}

std::string checkSpdxVersion(const std::string& version) {
    if (version == "SPDX-2.2" || version == "SPDX-2.3") {
        return version.substr(5);
    }
    if (version.empty()) {
        throw SbomError("SPDX document without an spdxVersion");
    }
    if (version.rfind("SPDX-3", 0) == 0) {
        throw SbomError("SPDX 3.0 is not supported yet (SPDX 2.2 and 2.3 are)");
    }
    throw SbomError("SPDX version " + version.substr(0, 40) +
                    " is not supported (SPDX-2.2, SPDX-2.3)");
}

} // namespace sbom

namespace {

using Poco::JSON::Object;

enum class Family { CycloneDx, Spdx };

/// Throws when `format` insists on the other family.
void expectFamily(SbomFormat format, Family found, const std::string& what) {
    if ((format == SbomFormat::CycloneDx && found != Family::CycloneDx) ||
        (format == SbomFormat::Spdx && found != Family::Spdx)) {
        const std::string_view wanted =
            format == SbomFormat::CycloneDx ? std::string_view("CycloneDX") : "SPDX";
        throw SbomError("expected " + std::string(wanted) + ", but the document is " + what);
    }
}

/// Before Poco builds the tree (which recurses once per level and takes some 50 bytes a
/// value): the `[`/`{` nesting outside strings must stay within maxDepth and the number of
/// values (about: `[`, `{` and `,` outside strings) within maxNodes.
void prescanJson(std::string_view json, const SbomLimits& limits) {
    std::size_t depth = 0;
    std::size_t nodes = 0;
    bool inString = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{' || c == ',') {
            if (++nodes > limits.maxNodes) {
                throw SbomError("more than " + std::to_string(limits.maxNodes) +
                                " JSON values: the SBOM is past the limit");
            }
            if (c != ',' && ++depth > limits.maxDepth) {
                throw SbomError("JSON nesting deeper than " + std::to_string(limits.maxDepth) +
                                " levels");
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
}

SbomDocument readJson(std::string_view json, SbomFormat format, const SbomLimits& limits) {
    prescanJson(json, limits);
    Object::Ptr root;
    try {
        Poco::JSON::Parser parser;
        parser.setDepth(limits.maxDepth + 1);
        Poco::Dynamic::Var value = parser.parse(std::string(json));
        if (value.type() == typeid(Object::Ptr)) {
            root = value.extract<Object::Ptr>();
        }
    } catch (const Poco::Exception& e) {
        throw SbomError("not valid JSON: " + e.displayText());
    }
    if (root.isNull()) {
        throw SbomError("the JSON document is not an object, so not an SBOM");
    }
    SbomDocument document;
    sbom::Builder builder(document, limits);
    if (root->has("bomFormat")) {
        const Poco::Dynamic::Var& bomFormat = root->get("bomFormat");
        if (!bomFormat.isString() || bomFormat.extract<std::string>() != "CycloneDX") {
            throw SbomError("bomFormat is not \"CycloneDX\": not a CycloneDX BOM");
        }
        expectFamily(format, Family::CycloneDx, "CycloneDX (JSON)");
        sbom::readCycloneDxJson(*root, builder);
    } else if (root->has("spdxVersion")) {
        expectFamily(format, Family::Spdx, "SPDX (JSON)");
        sbom::readSpdxJson(*root, builder);
    } else if (root->has("@context") || root->has("@graph")) {
        if (json.find("spdx.org/rdf/3") != std::string_view::npos) {
            throw SbomError("SPDX 3.0 is not supported yet (SPDX 2.2 and 2.3 are)");
        }
        throw SbomError("a JSON-LD document, not a CycloneDX or SPDX 2 SBOM");
    } else if (root->has("specVersion") && root->has("components")) {
        throw SbomError("JSON with specVersion and components but no bomFormat: not a "
                        "CycloneDX BOM");
    } else {
        throw SbomError("JSON that is neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)");
    }
    builder.finish();
    return document;
}

constexpr std::string_view kCycloneDxNamespace = "http://cyclonedx.org/schema/bom/";

/// Before pugixml builds the tree (some 80 bytes an element): at most maxNodes start tags
/// (`<` not followed by `/`, `!` or `?`; one inside a comment or CDATA counts too).
void prescanXml(std::string_view xml, const SbomLimits& limits) {
    std::size_t elements = 0;
    for (std::size_t i = xml.find('<'); i != std::string_view::npos; i = xml.find('<', i + 1)) {
        if (i + 1 < xml.size() && xml[i + 1] != '/' && xml[i + 1] != '!' && xml[i + 1] != '?' &&
            ++elements > limits.maxNodes) {
            throw SbomError("more than " + std::to_string(limits.maxNodes) +
                            " XML elements: the SBOM is past the limit");
        }
    }
}

SbomDocument readXml(std::string_view xml, SbomFormat format, const SbomLimits& limits) {
    prescanXml(xml, limits);
    if (const std::optional<ForbiddenXmlChar> bad = findForbiddenXmlChar(xml)) {
        throw SbomError(forbiddenXmlCharMessage(*bad) + " at byte " + std::to_string(bad->offset));
    }
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed) {
        throw SbomError(std::string("not well-formed XML: ") + parsed.description() + " at byte " +
                        std::to_string(parsed.offset));
    }
    const pugi::xml_node root = doc.document_element();
    const std::string_view qualified = root.name();
    const std::size_t colon = qualified.find(':');
    const std::string_view prefix =
        colon == std::string_view::npos ? std::string_view() : qualified.substr(0, colon);
    const std::string_view local =
        colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
    const std::string xmlns = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
    const std::string_view ns = root.attribute(xmlns.c_str()).value();
    if (local == "RDF") {
        throw SbomError("SPDX RDF/XML is not supported (SPDX JSON and tag-value are)");
    }
    if (local != "bom" || ns.substr(0, kCycloneDxNamespace.size()) != kCycloneDxNamespace) {
        throw SbomError("XML that is not a CycloneDX BOM (root element <" +
                        std::string(qualified.substr(0, 60)) + "> in namespace \"" +
                        std::string(ns.substr(0, 100)) + "\")");
    }
    expectFamily(format, Family::CycloneDx, "CycloneDX (XML)");
    const std::string version(ns.substr(kCycloneDxNamespace.size()));
    sbom::checkCycloneDxVersion(version);
    SbomDocument document;
    sbom::Builder builder(document, limits);
    sbom::readCycloneDxXml(root, version, builder);
    builder.finish();
    return document;
}

bool hasTagValueVersion(std::string_view text) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        if (trim(text.substr(start, end - start)).rfind("SPDXVersion:", 0) == 0) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

/// A compressed file or archive someone gave instead of the SBOM inside it.
std::string_view archiveKind(std::string_view bytes) {
    if (bytes.substr(0, 4) == "\x28\xB5\x2F\xFD") {
        return "a zstd-compressed file";
    }
    if (bytes.substr(0, 2) == "\x1F\x8B") {
        return "a gzip-compressed file";
    }
    if (bytes.substr(0, 6) == std::string_view("\xFD"
                                               "7zXZ\x00",
                                               6)) {
        return "an xz-compressed file";
    }
    if (bytes.size() > 262 && bytes.substr(257, 5) == "ustar") {
        return "a tar archive";
    }
    return {};
}

} // namespace

std::optional<SbomFormat> parseSbomFormat(std::string_view text) {
    if (equalsIgnoreCase(text, "auto")) {
        return SbomFormat::Auto;
    }
    if (equalsIgnoreCase(text, "cyclonedx")) {
        return SbomFormat::CycloneDx;
    }
    if (equalsIgnoreCase(text, "spdx")) {
        return SbomFormat::Spdx;
    }
    return std::nullopt;
}

SbomDocument readSbom(std::string_view bytes, SbomFormat format, const SbomLimits& limits) {
    if (bytes.size() > limits.maxBytes) {
        throw SbomError("the SBOM is " + std::to_string(bytes.size()) + " bytes, more than the " +
                        std::to_string(limits.maxBytes) + " bytes allowed");
    }
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
        bytes.remove_prefix(3);
    }
    const std::string_view text = trim(bytes);
    if (text.empty()) {
        throw SbomError("the SBOM is empty");
    }
    if (text.front() == '{' || text.front() == '[') {
        return readJson(text, format, limits);
    }
    if (text.front() == '<') {
        return readXml(text, format, limits);
    }
    if (hasTagValueVersion(text)) {
        expectFamily(format, Family::Spdx, "SPDX (tag-value)");
        SbomDocument document;
        sbom::Builder builder(document, limits);
        sbom::readSpdxTagValue(text, builder);
        builder.finish();
        return document;
    }
    if (const std::string_view kind = archiveKind(bytes); !kind.empty()) {
        throw SbomError("not JSON, XML or SPDX tag-value but " + std::string(kind) +
                        ": unpack it and import the SBOM documents inside (a Yocto image SBOM "
                        "is a tar.zst of SPDX documents)");
    }
    throw SbomError("not JSON, XML or SPDX tag-value");
}

} // namespace vw
