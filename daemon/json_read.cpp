#include "daemon/json_read.h"

#include "core/ssvc.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <simdjson.h>

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

Advisory advisoryFromJsonPoco(const std::string& json) {
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

// --- the fast path: simdjson's DOM ------------------------------------------------------------
// Re-matching reads thousands of stored records; Poco's DOM (a Dynamic::Var and a map node per
// value) spent ~40 µs on each, most of the re-match. simdjson parses into one tape, reused
// between calls on a thread, and the fields are copied out once.

namespace sj = simdjson::dom;

/// A member that is absent or null reads as missing.
bool absent(const simdjson::simdjson_result<sj::element>& value) {
    return value.error() != simdjson::SUCCESS || value.value_unsafe().is_null();
}

std::string sjString(sj::object object, std::string_view key, std::string_view where) {
    auto value = object[key];
    if (absent(value)) {
        return "";
    }
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
        throw JsonInputError(std::string(where) + "." + std::string(key) + ": expected a string");
    }
    return std::string(text);
}

bool sjBool(sj::object object, std::string_view key, std::string_view where) {
    auto value = object[key];
    if (absent(value)) {
        return false;
    }
    bool flag = false;
    if (value.get(flag) != simdjson::SUCCESS) {
        throw JsonInputError(std::string(where) + "." + std::string(key) +
                             ": expected true or false");
    }
    return flag;
}

/// The array under `key`; an empty optional when absent or null.
std::optional<sj::array> sjArray(sj::object object, std::string_view key, std::string_view where,
                                 const char* what) {
    auto value = object[key];
    if (absent(value)) {
        return std::nullopt;
    }
    sj::array array;
    if (value.get(array) != simdjson::SUCCESS) {
        throw JsonInputError(std::string(where) + "." + std::string(key) +
                             ": expected an array of " + what);
    }
    return array;
}

std::vector<std::string> sjStrings(sj::object object, std::string_view key,
                                   std::string_view where) {
    std::vector<std::string> out;
    const auto array = sjArray(object, key, where, "strings");
    if (!array) {
        return out;
    }
    out.reserve(array->size());
    std::size_t i = 0;
    for (sj::element item : *array) {
        std::string_view text;
        if (item.get(text) != simdjson::SUCCESS) {
            throw JsonInputError(std::string(where) + "." + std::string(key) + "[" +
                                 std::to_string(i) + "]: expected a string");
        }
        out.emplace_back(text);
        ++i;
    }
    return out;
}

/// Calls `each(object)` for every member of the array of objects under `key`.
template <typename Each>
void sjObjects(sj::object object, std::string_view key, std::string_view where, Each each) {
    const auto array = sjArray(object, key, where, "objects");
    if (!array) {
        return;
    }
    std::size_t i = 0;
    for (sj::element item : *array) {
        sj::object member;
        if (item.get(member) != simdjson::SUCCESS) {
            throw JsonInputError(std::string(where) + "." + std::string(key) + "[" +
                                 std::to_string(i) + "]: expected an object");
        }
        each(member);
        ++i;
    }
}

std::optional<DateTime> sjDate(sj::object object, std::string_view key, std::string_view where) {
    const std::string text = sjString(object, key, where);
    if (text.empty()) {
        return std::nullopt;
    }
    auto parsed = parseIsoDateTime(text);
    if (!parsed) {
        throw JsonInputError(std::string(where) + "." + std::string(key) +
                             ": not an ISO 8601 date-time: " + text);
    }
    return parsed;
}

/// A number member (0 when absent); `what` names it in the error.
template <typename T>
T sjNumber(sj::object object, std::string_view key, const char* what) {
    auto value = object[key];
    if (value.error() != simdjson::SUCCESS) {
        return T{};
    }
    if constexpr (std::is_floating_point_v<T>) {
        double number = 0;
        if (value.get(number) != simdjson::SUCCESS) {
            throw JsonInputError(std::string(what) + ": expected a number");
        }
        return number;
    } else {
        std::int64_t number = 0;
        if (value.get(number) != simdjson::SUCCESS) {
            double real = 0;
            if (value.get(real) != simdjson::SUCCESS) {
                throw JsonInputError(std::string(what) + ": expected a number");
            }
            number = static_cast<std::int64_t>(real);
        }
        return static_cast<T>(number);
    }
}

Advisory advisoryFrom(sj::object root) {
    Advisory a;
    a.source = sjString(root, "source", "record");
    a.id = sjString(root, "id", "record");
    if (a.id.empty()) {
        throw JsonInputError("record.id: missing");
    }
    a.aliases = sjStrings(root, "aliases", "record");
    a.title = sjString(root, "title", "record");
    a.summary = sjString(root, "summary", "record");
    a.url = sjString(root, "url", "record");
    a.published = sjDate(root, "published", "record");
    a.modified = sjDate(root, "modified", "record");
    sjObjects(root, "cvss", "record", [&](sj::object c) {
        Cvss cvss;
        cvss.version = sjString(c, "version", "record.cvss");
        cvss.score = sjNumber<double>(c, "score", "record.cvss.score");
        cvss.severity = sjString(c, "severity", "record.cvss");
        cvss.vector = sjString(c, "vector", "record.cvss");
        a.cvss.push_back(std::move(cvss));
    });
    a.cpes = sjStrings(root, "cpes", "record");
    sjObjects(root, "affected", "record", [&](sj::object item) {
        AffectedItem affected;
        affected.vendor = sjString(item, "vendor", "record.affected");
        affected.product = sjString(item, "product", "record.affected");
        affected.cpe = sjString(item, "cpe", "record.affected");
        affected.versions = sjStrings(item, "versions", "record.affected");
        a.affected.push_back(std::move(affected));
    });
    sjObjects(root, "references", "record", [&](sj::object item) {
        a.references.push_back({sjString(item, "source", "record.references"),
                                sjString(item, "id", "record.references"),
                                sjString(item, "url", "record.references")});
    });
    sjObjects(root, "history", "record", [&](sj::object item) {
        HistoryItem h;
        h.number = sjNumber<int>(item, "number", "record.history.number");
        h.date = sjDate(item, "date", "record.history");
        h.description = sjString(item, "description", "record.history");
        a.history.push_back(std::move(h));
    });
    a.signature = sjString(root, "signature", "record");
    a.list = sjString(root, "list", "record");
    a.withdrawn = sjBool(root, "withdrawn", "record");
    return a;
}

} // namespace

Advisory advisoryFromJson(const std::string& json) {
    thread_local sj::parser parser;
    // The string's own buffer is used when it has simdjson's padding to spare; else one copy.
    simdjson::padded_string padded;
    sj::element root;
    const auto error =
        json.capacity() - json.size() >= simdjson::SIMDJSON_PADDING
            ? parser.parse(json.data(), json.size(), false).get(root)
            : (padded = simdjson::padded_string(json), parser.parse(padded).get(root));
    if (error != simdjson::SUCCESS) {
        return advisoryFromJsonPoco(json); // its error, or its reading of what simdjson refuses
    }
    sj::object object;
    if (root.get(object) != simdjson::SUCCESS) {
        throw JsonInputError("expected a JSON object");
    }
    return advisoryFrom(object);
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
        // SSVC's Mission & Well-being (docs/cases.md "Priority (SSVC)"): low, medium or high.
        if (const std::string mission = getString(item, "mission", where); !mission.empty()) {
            const auto value = parseSsvcMission(mission);
            if (!value) {
                throw JsonInputError(where + ".mission: '" + mission +
                                     "' is not low, medium or high (SSVC Mission & Well-being)");
            }
            p.mission = std::string(ssvcName(*value));
        }
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
