// SPDX 2.2 / 2.3, JSON (over a Poco::JSON tree) and tag-value (read line by line). Packages
// are components, except the ones the document DESCRIBES, which are its subject; files and
// snippets are not components.
#include "core/text.h"
#include "inventory/sbom_reader.h"

#include <Poco/JSON/Array.h>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vw::sbom {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

/// One package as read, before the described ones are told apart.
struct Package {
    std::string id;
    Component component;
    std::string supplier;
    std::string originator;
};

/// The last segment of a reference type: "cpe23Type" for both `cpe23Type` and
/// `http://spdx.org/rdf/references/cpe23Type`.
std::string_view referenceType(std::string_view type) {
    type = trim(type);
    if (const std::size_t cut = type.find_last_of("/#"); cut != std::string_view::npos) {
        type.remove_prefix(cut + 1);
    }
    return type;
}

void addExternalRef(Component& component, std::string_view type, std::string_view locator,
                    Builder& builder) {
    type = referenceType(type);
    if (equalsIgnoreCase(type, "cpe23Type") || equalsIgnoreCase(type, "cpe22Type")) {
        builder.addCpe(component, locator);
    } else if (equalsIgnoreCase(type, "purl") && component.purl.empty()) {
        component.purl = trimmed(locator);
    }
}

/// The document DESCRIBES `related` (or `related` is DESCRIBED_BY the document): its id.
std::string describedBy(const std::string& documentId, const std::string& element,
                        std::string_view type, const std::string& related) {
    if (equalsIgnoreCase(type, "DESCRIBES") && element == documentId) {
        return related;
    }
    if (equalsIgnoreCase(type, "DESCRIBED_BY") && related == documentId) {
        return element;
    }
    return "";
}

void addPackages(std::vector<Package>& packages, const std::set<std::string>& described,
                 Builder& builder) {
    for (Package& package : packages) {
        package.component.supplier =
            package.supplier.empty() ? package.originator : package.supplier;
        if (described.count(package.id) != 0) {
            builder.addSubject(std::move(package.component));
        } else {
            builder.add(std::move(package.component));
        }
    }
}

std::string stringField(const Object& object, const std::string& key) {
    if (!object.has(key)) {
        return "";
    }
    const Poco::Dynamic::Var& value = object.get(key);
    if (value.isString()) {
        return trimmed(value.extract<std::string>());
    }
    if (value.isNumeric()) {
        return value.convert<std::string>();
    }
    return "";
}

// --- tag-value ------------------------------------------------------------------------------

/// Splits `text` into `Tag: value` pairs: `#` lines and blank lines skipped, a `<text>` value
/// runs to its `</text>`, however many lines that takes.
class TagValueLines {
public:
    explicit TagValueLines(std::string_view text) : text_(text) {}

    /// The next pair; false at the end. Throws SbomError for an unterminated `<text>`.
    bool next(std::string& tag, std::string& value, Builder& builder) {
        std::string_view line;
        while (nextLine(line)) {
            line = trim(line);
            if (line.empty() || line.front() == '#') {
                continue;
            }
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) {
                builder.warn("SPDX tag-value line " + std::to_string(lineNumber_) +
                             " is not \"Tag: value\"; ignored");
                continue;
            }
            tag = std::string(trim(line.substr(0, colon)));
            std::string_view rest = trim(line.substr(colon + 1));
            if (rest.rfind("<text>", 0) != 0) {
                value = std::string(rest);
                return true;
            }
            const std::size_t startLine = lineNumber_;
            // The value is the (unparsed) text from after <text> to </text>.
            const std::size_t begin = static_cast<std::size_t>(rest.data() - text_.data()) + 6;
            const std::size_t end = text_.find("</text>", begin);
            if (end == std::string_view::npos) {
                throw SbomError("SPDX tag-value: the <text> of " + tag.substr(0, 60) + " on line " +
                                std::to_string(startLine) + " never ends");
            }
            value = trimmed(text_.substr(begin, end - begin));
            for (std::size_t i = pos_; i < end && i < text_.size(); ++i) {
                lineNumber_ += text_[i] == '\n' ? 1 : 0;
            }
            // Whatever follows </text> on its line is dropped with it.
            const std::size_t lineEnd = text_.find('\n', end);
            pos_ = lineEnd == std::string_view::npos ? text_.size() : lineEnd + 1;
            return true;
        }
        return false;
    }

private:
    bool nextLine(std::string_view& line) {
        if (pos_ >= text_.size()) {
            return false;
        }
        std::size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos) {
            end = text_.size();
        }
        line = text_.substr(pos_, end - pos_);
        pos_ = end + 1;
        ++lineNumber_;
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t lineNumber_ = 0;
};

/// The next whitespace-separated word of `rest`, which loses it.
std::string_view nextWord(std::string_view& rest) {
    rest = trim(rest);
    std::size_t end = 0;
    while (end < rest.size() && !isSpace(rest[end])) {
        ++end;
    }
    const std::string_view word = rest.substr(0, end);
    rest = trim(rest.substr(end));
    return word;
}

} // namespace

void readSpdxJson(const Object& root, Builder& builder) {
    const std::string version = checkSpdxVersion(stringField(root, "spdxVersion"));
    builder.document().format = "SPDX " + version + " JSON";
    builder.document().specVersion = version;
    std::string documentId = stringField(root, "SPDXID");
    if (documentId.empty()) {
        documentId = "SPDXRef-DOCUMENT";
    }

    std::set<std::string> described;
    if (const Array::Ptr describes = root.getArray("documentDescribes"); !describes.isNull()) {
        for (std::size_t i = 0; i < describes->size(); ++i) {
            const Poco::Dynamic::Var& id = describes->get(static_cast<unsigned>(i));
            if (id.isString()) {
                described.insert(trimmed(id.extract<std::string>()));
            }
        }
    }
    if (const Array::Ptr relationships = root.getArray("relationships"); !relationships.isNull()) {
        for (std::size_t i = 0; i < relationships->size(); ++i) {
            const Object::Ptr r = relationships->getObject(static_cast<unsigned>(i));
            if (r.isNull()) {
                continue;
            }
            std::string id = describedBy(documentId, stringField(*r, "spdxElementId"),
                                         stringField(*r, "relationshipType"),
                                         stringField(*r, "relatedSpdxElement"));
            if (!id.empty()) {
                described.insert(std::move(id));
            }
        }
    }

    std::vector<Package> packages;
    if (const Array::Ptr array = root.getArray("packages"); !array.isNull()) {
        for (std::size_t i = 0; i < array->size(); ++i) {
            builder.countEntry();
            const Object::Ptr object = array->getObject(static_cast<unsigned>(i));
            Package package;
            if (!object.isNull()) {
                package.id = stringField(*object, "SPDXID");
                package.component.name = stringField(*object, "name");
                package.component.version = stringField(*object, "versionInfo");
                package.supplier = cleanSupplier(stringField(*object, "supplier"));
                package.originator = cleanSupplier(stringField(*object, "originator"));
                if (const Array::Ptr refs = object->getArray("externalRefs"); !refs.isNull()) {
                    for (std::size_t j = 0; j < refs->size(); ++j) {
                        if (const Object::Ptr ref = refs->getObject(static_cast<unsigned>(j));
                            !ref.isNull()) {
                            addExternalRef(package.component, stringField(*ref, "referenceType"),
                                           stringField(*ref, "referenceLocator"), builder);
                        }
                    }
                }
            }
            if (package.component.name.empty()) {
                builder.skip();
                builder.warn("a package without a name (" + package.id.substr(0, 80) +
                             ") was skipped");
                continue;
            }
            packages.push_back(std::move(package));
        }
    }
    addPackages(packages, described, builder);
}

void readSpdxTagValue(std::string_view text, Builder& builder) {
    enum class Section { Document, Package, Other };
    Section section = Section::Document;
    std::string version;
    std::string documentId;
    std::vector<std::string> relationships; // "element TYPE related"
    std::vector<Package> packages;
    std::size_t unnamed = 0;

    TagValueLines lines(text);
    std::string tag;
    std::string value;
    while (lines.next(tag, value, builder)) {
        if (tag == "SPDXVersion") {
            if (version.empty()) {
                version = value;
            }
        } else if (tag == "PackageName") {
            builder.countEntry();
            section = Section::Package;
            packages.emplace_back();
            packages.back().component.name = value;
        } else if (tag == "FileName" || tag == "SnippetSPDXID" || tag == "LicenseID") {
            section = Section::Other;
        } else if (tag == "Relationship") {
            relationships.push_back(value);
        } else if (tag == "SPDXID") {
            if (section == Section::Package && packages.back().id.empty()) {
                packages.back().id = value;
            } else if (section == Section::Document && documentId.empty()) {
                documentId = value;
            }
        } else if (section == Section::Package) {
            Package& package = packages.back();
            if (tag == "PackageVersion") {
                package.component.version = value;
            } else if (tag == "PackageSupplier") {
                package.supplier = cleanSupplier(value);
            } else if (tag == "PackageOriginator") {
                package.originator = cleanSupplier(value);
            } else if (tag == "ExternalRef") {
                std::string_view rest = value;
                nextWord(rest); // the category
                const std::string_view type = nextWord(rest);
                addExternalRef(package.component, type, rest, builder);
            }
        }
    }

    version = checkSpdxVersion(version);
    builder.document().format = "SPDX " + version + " tag-value";
    builder.document().specVersion = version;
    if (documentId.empty()) {
        documentId = "SPDXRef-DOCUMENT";
    }
    std::set<std::string> described;
    for (const auto& relationship : relationships) {
        std::string_view rest = relationship;
        const std::string element(nextWord(rest));
        const std::string_view type = nextWord(rest);
        const std::string related(nextWord(rest));
        if (std::string id = describedBy(documentId, element, type, related); !id.empty()) {
            described.insert(std::move(id));
        }
    }
    std::erase_if(packages, [&](const Package& package) {
        if (!package.component.name.empty()) {
            return false;
        }
        builder.skip();
        ++unnamed;
        return true;
    });
    if (unnamed > 0) {
        builder.warn(std::to_string(unnamed) + " package(s) without a name were skipped");
    }
    addPackages(packages, described, builder);
}

} // namespace vw::sbom
