// CycloneDX 1.4–1.6, JSON (over a Poco::JSON tree) and XML (over a pugixml tree).
#include "core/text.h"
#include "inventory/sbom_reader.h"

#include <Poco/JSON/Array.h>
#include <string>
#include <utility>

namespace vw::sbom {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

/// syft writes its other CPE candidates as properties with this name.
constexpr std::string_view kSyftCpeProperty = "syft:cpe23";

bool looksLikeCpe(std::string_view text) {
    return trim(text).rfind("cpe:", 0) == 0;
}

// --- JSON -----------------------------------------------------------------------------------

/// A string member (a number is written out), trimmed; "" when absent or of another type.
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

/// `object.key.name` for an object member, else "".
std::string nameOf(const Object& object, const std::string& key) {
    const Object::Ptr inner = object.getObject(key);
    return inner.isNull() ? "" : stringField(*inner, "name");
}

std::string jsonSupplier(const Object& object) {
    for (const char* key : {"supplier", "manufacturer"}) {
        if (std::string name = cleanSupplier(nameOf(object, key)); !name.empty()) {
            return name;
        }
    }
    for (const char* key : {"publisher", "author"}) {
        if (std::string name = cleanSupplier(stringField(object, key)); !name.empty()) {
            return name;
        }
    }
    if (const Array::Ptr authors = object.getArray("authors"); !authors.isNull()) {
        for (std::size_t i = 0; i < authors->size(); ++i) {
            const Object::Ptr author = authors->getObject(static_cast<unsigned>(i));
            if (!author.isNull()) {
                if (std::string name = cleanSupplier(stringField(*author, "name")); !name.empty()) {
                    return name;
                }
            }
        }
    }
    return "";
}

/// Calls `f(object)` for every object element of `object.key` when that is an array.
template <typename F>
void forEachObject(const Object& object, const std::string& key, F f) {
    const Array::Ptr array = object.getArray(key);
    if (array.isNull()) {
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        if (const Object::Ptr item = array->getObject(static_cast<unsigned>(i)); !item.isNull()) {
            f(*item);
        }
    }
}

Component jsonComponent(const Object& object, Builder& builder) {
    Component component;
    component.name = stringField(object, "name");
    component.version = stringField(object, "version");
    component.purl = stringField(object, "purl");
    component.supplier = jsonSupplier(object);
    builder.addCpe(component, stringField(object, "cpe"));
    forEachObject(object, "properties", [&](const Object& property) {
        if (stringField(property, "name") == kSyftCpeProperty) {
            builder.addCpe(component, stringField(property, "value"));
        }
    });
    forEachObject(object, "externalReferences", [&](const Object& reference) {
        if (std::string url = stringField(reference, "url"); looksLikeCpe(url)) {
            builder.addCpe(component, url);
        }
    });
    return component;
}

void readJsonComponents(const Object& parent, Builder& builder) {
    forEachObject(parent, "components", [&](const Object& object) {
        builder.countEntry();
        const std::string type = stringField(object, "type");
        if (type == "file") {
            builder.skip();
        } else if (Component component = jsonComponent(object, builder); component.name.empty()) {
            builder.skip();
            builder.warn("a component without a name (type \"" + type.substr(0, 40) +
                         "\") was skipped");
        } else {
            builder.add(std::move(component));
        }
        // The JSON depth limit bounds this recursion.
        readJsonComponents(object, builder);
    });
}

// --- XML ------------------------------------------------------------------------------------

/// Children and text of elements in the BOM's namespace (the root's prefix, if it has one).
class XmlReader {
public:
    XmlReader(pugi::xml_node bom, Builder& builder) : builder_(builder) {
        const std::string_view name = bom.name();
        if (const std::size_t colon = name.find(':'); colon != std::string_view::npos) {
            prefix_ = std::string(name.substr(0, colon + 1));
        }
    }

    pugi::xml_node child(pugi::xml_node node, const char* local) const {
        return prefix_.empty() ? node.child(local) : node.child((prefix_ + local).c_str());
    }

    bool is(pugi::xml_node node, const char* local) const {
        const std::string_view name = node.name();
        return name.size() == prefix_.size() + std::char_traits<char>::length(local) &&
               name.substr(0, prefix_.size()) == prefix_ && name.substr(prefix_.size()) == local;
    }

    std::string text(pugi::xml_node node, const char* local) const {
        return trimmed(child(node, local).child_value());
    }

    std::string supplier(pugi::xml_node node) const {
        for (const char* element : {"supplier", "manufacturer"}) {
            if (std::string name = cleanSupplier(text(child(node, element), "name"));
                !name.empty()) {
                return name;
            }
        }
        for (const char* element : {"publisher", "author"}) {
            if (std::string name = cleanSupplier(text(node, element)); !name.empty()) {
                return name;
            }
        }
        for (pugi::xml_node author : child(node, "authors").children()) {
            if (is(author, "author")) {
                if (std::string name = cleanSupplier(text(author, "name")); !name.empty()) {
                    return name;
                }
            }
        }
        return "";
    }

    Component component(pugi::xml_node node) const {
        Component component;
        component.name = text(node, "name");
        component.version = text(node, "version");
        component.purl = text(node, "purl");
        component.supplier = supplier(node);
        builder_.addCpe(component, text(node, "cpe"));
        for (pugi::xml_node property : child(node, "properties").children()) {
            if (is(property, "property") &&
                property.attribute("name").value() == kSyftCpeProperty) {
                builder_.addCpe(component, property.child_value());
            }
        }
        for (pugi::xml_node reference : child(node, "externalReferences").children()) {
            if (std::string url = text(reference, "url");
                is(reference, "reference") && looksLikeCpe(url)) {
                builder_.addCpe(component, url);
            }
        }
        return component;
    }

    void components(pugi::xml_node parent, std::size_t depth) const {
        if (depth > builder_.limits().maxDepth) {
            throw SbomError("CycloneDX components nested deeper than " +
                            std::to_string(builder_.limits().maxDepth) + " levels");
        }
        for (pugi::xml_node node : child(parent, "components").children()) {
            if (!is(node, "component")) {
                continue;
            }
            builder_.countEntry();
            const std::string_view type = node.attribute("type").value();
            if (type == "file") {
                builder_.skip();
            } else if (Component found = component(node); found.name.empty()) {
                builder_.skip();
                builder_.warn("a component without a name (type \"" +
                              std::string(type.substr(0, 40)) + "\") was skipped");
            } else {
                builder_.add(std::move(found));
            }
            components(node, depth + 1);
        }
    }

private:
    Builder& builder_;
    std::string prefix_; // "" or "prefix:"
};

} // namespace

void readCycloneDxJson(const Object& root, Builder& builder) {
    const std::string version = stringField(root, "specVersion");
    checkCycloneDxVersion(version);
    builder.document().format = "CycloneDX " + version + " JSON";
    builder.document().specVersion = version;
    if (const Object::Ptr metadata = root.getObject("metadata"); !metadata.isNull()) {
        if (const Object::Ptr subject = metadata->getObject("component"); !subject.isNull()) {
            builder.addSubject(jsonComponent(*subject, builder));
        }
    }
    readJsonComponents(root, builder);
}

void readCycloneDxXml(pugi::xml_node bom, const std::string& version, Builder& builder) {
    builder.document().format = "CycloneDX " + version + " XML";
    builder.document().specVersion = version;
    const XmlReader reader(bom, builder);
    if (pugi::xml_node subject = reader.child(reader.child(bom, "metadata"), "component")) {
        builder.addSubject(reader.component(subject));
    }
    reader.components(bom, 1);
}

} // namespace vw::sbom
