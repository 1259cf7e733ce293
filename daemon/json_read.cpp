#include "daemon/json_read.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace vw {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& json) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var root = parser.parse(json);
        Object::Ptr object = root.extract<Object::Ptr>();
        if (object.isNull()) {
            throw JsonInputError("expected a JSON object");
        }
        return object;
    } catch (const Poco::BadCastException&) {
        throw JsonInputError("expected a JSON object");
    } catch (const Poco::Exception& e) {
        throw JsonInputError("not valid JSON: " + e.displayText());
    }
}

std::string getString(const Object::Ptr& object, const std::string& key, const std::string& where) {
    if (!object->has(key) || object->isNull(key)) {
        return "";
    }
    Poco::Dynamic::Var value = object->get(key);
    if (!value.isString()) {
        throw JsonInputError(where + "." + key + ": expected a string");
    }
    return value.extract<std::string>();
}

/// An optional boolean member; false when absent or null.
bool getBool(const Object::Ptr& object, const std::string& key, const std::string& where) {
    if (!object->has(key) || object->isNull(key)) {
        return false;
    }
    Poco::Dynamic::Var value = object->get(key);
    if (!value.isBoolean()) {
        throw JsonInputError(where + "." + key + ": expected true or false");
    }
    return value.extract<bool>();
}

std::vector<std::string> getStrings(const Object::Ptr& object, const std::string& key,
                                    const std::string& where) {
    std::vector<std::string> out;
    if (!object->has(key) || object->isNull(key)) {
        return out;
    }
    Array::Ptr array = object->getArray(key);
    if (array.isNull()) {
        throw JsonInputError(where + "." + key + ": expected an array of strings");
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
        if (!item.isString()) {
            throw JsonInputError(where + "." + key + "[" + std::to_string(i) +
                                 "]: expected a string");
        }
        out.push_back(item.extract<std::string>());
    }
    return out;
}

std::vector<Object::Ptr> getObjects(const Object::Ptr& object, const std::string& key,
                                    const std::string& where) {
    std::vector<Object::Ptr> out;
    if (!object->has(key) || object->isNull(key)) {
        return out;
    }
    Array::Ptr array = object->getArray(key);
    if (array.isNull()) {
        throw JsonInputError(where + "." + key + ": expected an array of objects");
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        Object::Ptr item = array->getObject(static_cast<unsigned>(i));
        if (item.isNull()) {
            throw JsonInputError(where + "." + key + "[" + std::to_string(i) +
                                 "]: expected an object");
        }
        out.push_back(item);
    }
    return out;
}

std::optional<DateTime> getDate(const Object::Ptr& object, const std::string& key,
                                const std::string& where) {
    const std::string text = getString(object, key, where);
    if (text.empty()) {
        return std::nullopt;
    }
    auto parsed = parseIsoDateTime(text);
    if (!parsed) {
        throw JsonInputError(where + "." + key + ": not an ISO 8601 date-time: " + text);
    }
    return parsed;
}

} // namespace

Advisory advisoryFromJson(const std::string& json) {
    Object::Ptr root = parseObject(json);
    Advisory a;
    a.source = getString(root, "source", "record");
    a.id = getString(root, "id", "record");
    if (a.id.empty()) {
        throw JsonInputError("record.id: missing");
    }
    a.aliases = getStrings(root, "aliases", "record");
    a.title = getString(root, "title", "record");
    a.summary = getString(root, "summary", "record");
    a.url = getString(root, "url", "record");
    a.published = getDate(root, "published", "record");
    a.modified = getDate(root, "modified", "record");
    for (const auto& c : getObjects(root, "cvss", "record")) {
        Cvss cvss;
        cvss.version = getString(c, "version", "record.cvss");
        try {
            cvss.score = c->has("score") ? c->getValue<double>("score") : 0.0;
        } catch (const Poco::Exception&) {
            throw JsonInputError("record.cvss.score: expected a number");
        }
        cvss.severity = getString(c, "severity", "record.cvss");
        cvss.vector = getString(c, "vector", "record.cvss");
        a.cvss.push_back(std::move(cvss));
    }
    a.cpes = getStrings(root, "cpes", "record");
    for (const auto& item : getObjects(root, "affected", "record")) {
        AffectedItem affected;
        affected.vendor = getString(item, "vendor", "record.affected");
        affected.product = getString(item, "product", "record.affected");
        affected.cpe = getString(item, "cpe", "record.affected");
        affected.versions = getStrings(item, "versions", "record.affected");
        a.affected.push_back(std::move(affected));
    }
    for (const auto& item : getObjects(root, "references", "record")) {
        a.references.push_back({getString(item, "source", "record.references"),
                                getString(item, "id", "record.references"),
                                getString(item, "url", "record.references")});
    }
    for (const auto& item : getObjects(root, "history", "record")) {
        HistoryItem h;
        try {
            h.number = item->has("number") ? item->getValue<int>("number") : 0;
        } catch (const Poco::Exception&) {
            throw JsonInputError("record.history.number: expected a number");
        }
        h.date = getDate(item, "date", "record.history");
        h.description = getString(item, "description", "record.history");
        a.history.push_back(std::move(h));
    }
    a.signature = getString(root, "signature", "record");
    a.list = getString(root, "list", "record");
    a.withdrawn = getBool(root, "withdrawn", "record");
    return a;
}

namespace {

std::vector<Component> componentsFrom(const Object::Ptr& item, const std::string& where) {
    std::vector<Component> components;
    std::size_t index = 0;
    for (const auto& c : getObjects(item, "components", where)) {
        const std::string cw = where + ".components[" + std::to_string(index++) + "]";
        Component component;
        component.vendor = getString(c, "vendor", cw);
        component.name = getString(c, "name", cw);
        component.version = getString(c, "version", cw);
        // "cpe" (one name, the older form) and "cpes" (several) may both be given.
        const std::string cpe = getString(c, "cpe", cw);
        if (!cpe.empty()) {
            component.cpes.push_back(cpe);
        }
        for (auto& more : getStrings(c, "cpes", cw)) {
            if (more != cpe) {
                component.cpes.push_back(std::move(more));
            }
        }
        component.purl = getString(c, "purl", cw);
        component.supplier = getString(c, "supplier", cw);
        if (component.name.empty() && component.cpes.empty() && component.purl.empty()) {
            throw JsonInputError(cw + ": a component needs a name, a cpe or a purl");
        }
        components.push_back(std::move(component));
    }
    return components;
}

} // namespace

std::vector<RegisteredProduct> productsFromJson(const std::string& json) {
    Object::Ptr root = parseObject(json);
    if (!root->has("products")) {
        throw JsonInputError("registry: missing \"products\" array");
    }
    std::vector<RegisteredProduct> products;
    std::size_t index = 0;
    for (const auto& item : getObjects(root, "products", "registry")) {
        const std::string where = "products[" + std::to_string(index++) + "]";
        RegisteredProduct p;
        p.name = getString(item, "name", where);
        if (p.name.empty()) {
            throw JsonInputError(where + ".name: missing");
        }
        p.owners = getStrings(item, "owners", where);
        p.keywords = getStrings(item, "keywords", where);
        p.cpes = getStrings(item, "cpes", where);
        p.removed = getBool(item, "removed", where);
        const bool single = item->has("version") || item->has("components");
        if (item->has("versions") && !item->isNull("versions")) {
            if (single) {
                throw JsonInputError(where + ": give either \"versions\" or \"version\" and "
                                             "\"components\", not both");
            }
            std::size_t v = 0;
            for (const auto& entry : getObjects(item, "versions", where)) {
                const std::string at = where + ".versions[" + std::to_string(v++) + "]";
                ProductVersion version;
                version.version = getString(entry, "version", at);
                version.owners = getStrings(entry, "owners", at);
                version.components = componentsFrom(entry, at);
                version.removed = getBool(entry, "removed", at);
                for (const auto& other : p.versions) {
                    if (other.version == version.version) {
                        throw JsonInputError(at + ".version: \"" + version.version +
                                             "\" is listed twice");
                    }
                }
                p.versions.push_back(std::move(version));
            }
        } else {
            // The single-version form: "version" and "components" on the product.
            ProductVersion version;
            version.version = getString(item, "version", where);
            version.components = componentsFrom(item, where);
            p.versions.push_back(std::move(version));
        }
        products.push_back(std::move(p));
    }
    return products;
}

} // namespace vw
