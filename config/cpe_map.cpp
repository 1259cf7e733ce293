#include "config/cpe_map.h"

#include "config/config.h"
#include "config/read_file.h"
#include "core/cpe.h"
#include "core/fold.h"
#include "core/purl.h"
#include "core/text.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace vw {

namespace {

constexpr std::size_t kMaxFileBytes = 16u * 1024u * 1024u;

/// The CPE fields after the product: a map value names vendor and product only.
bool onlyVendorAndProduct(const Cpe& cpe) {
    for (const std::string* field : {&cpe.version, &cpe.update, &cpe.edition, &cpe.language,
                                     &cpe.swEdition, &cpe.targetSw, &cpe.targetHw, &cpe.other}) {
        if (!isAnyValue(*field)) {
            return false;
        }
    }
    return true;
}

/// The (vendor, product) of a map value, or an error message.
std::optional<Cpe> parseValue(std::string_view value, std::string& error) {
    if (value.find_first_of(" \t") != std::string_view::npos) {
        error = "'" + std::string(value) +
                "' contains a space (write vendor:product as NVD does, with _ for spaces)";
        return std::nullopt;
    }
    if (startsWithIgnoreCase(value, "cpe:")) {
        auto cpe = parseCpe(value);
        if (!cpe) {
            error = "'" + std::string(value) + "' is not a CPE name";
        } else if (!onlyVendorAndProduct(*cpe)) {
            error = "'" + std::string(value) +
                    "' names a version or later field; a map value names vendor and product "
                    "only (the component's own version is what gets compared)";
            cpe.reset();
        }
        return cpe;
    }
    // vendor:product (a '\:' inside a value is a literal colon, as in CPE 2.3).
    std::size_t colon = std::string_view::npos;
    std::size_t colons = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\') {
            ++i;
        } else if (value[i] == ':') {
            colon = colons == 0 ? i : colon;
            ++colons;
        }
    }
    if (colons != 1 || colon == 0 || colon + 1 == value.size()) {
        error =
            "'" + std::string(value) +
            "' is not vendor:product (e.g. apache:log4j) or a CPE name (cpe:2.3:a:apache:log4j)";
        return std::nullopt;
    }
    auto cpe = parseCpe("cpe:2.3:a:" + std::string(value));
    if (!cpe) {
        error = "'" + std::string(value) + "' is not a valid vendor:product";
    }
    return cpe;
}

/// The map key of a purl, or "" (with `error` set) when it cannot be one.
std::string purlKeyOf(std::string_view key, std::string& error) {
    const auto purl = parsePurl(key);
    if (!purl) {
        error = "'" + std::string(key) + "' starts with pkg: but is not a purl (pkg:type/name)";
        return "";
    }
    if (!purl->qualifiers.empty() || !purl->subpath.empty()) {
        error = "'" + std::string(key) +
                "' has ?qualifiers or a #subpath; a key matches on type, namespace, name and "
                "(if given) version only: remove them";
        return "";
    }
    return cpeMapPurlKey(key, true);
}

} // namespace

std::string cpeMapPurlKey(std::string_view text, bool withVersion) {
    const auto purl = parsePurl(text);
    if (!purl) {
        return "";
    }
    std::string key =
        purl->type + "/" + foldText(purl->ns) + "/" + normalizeComponentName(purl->name);
    if (withVersion && !purl->version.empty()) {
        key += "@" + purl->version;
    }
    return key;
}

const CpeMapEntry* CpeMap::find(const Component& component) const {
    if (entries_.empty()) {
        return nullptr;
    }
    std::string purlName;
    if (const auto purl = parsePurl(component.purl)) {
        purlName = purl->name;
        if (!byPurl_.empty()) {
            for (bool withVersion : {true, false}) {
                const auto it = byPurl_.find(cpeMapPurlKey(component.purl, withVersion));
                if (it != byPurl_.end()) {
                    return &entries_[it->second];
                }
            }
        }
    }
    if (!byName_.empty()) {
        for (std::string_view name :
             {std::string_view(component.name), std::string_view(purlName)}) {
            const std::string key = normalizeComponentName(name);
            if (key.empty()) {
                continue;
            }
            if (const auto it = byName_.find(key); it != byName_.end()) {
                return &entries_[it->second];
            }
        }
    }
    return nullptr;
}

std::optional<std::pair<std::string, std::string>>
CpeMap::lookup(const Component& component) const {
    const CpeMapEntry* entry = find(component);
    if (entry == nullptr) {
        return std::nullopt;
    }
    return std::make_pair(entry->vendor, entry->product);
}

CpeMap parseCpeMap(std::string_view text, std::string_view where) {
    CpeMap map;
    const std::string file(where);
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    int lineNumber = 0;
    while (!text.empty()) {
        ++lineNumber;
        const auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        const auto fail = [&](const std::string& message) {
            throw ConfigError(file, lineNumber, "", message);
        };
        if (!isWellFormedUtf8(line)) {
            fail("line is not valid UTF-8");
        }
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            continue;
        }
        const auto eq = line.rfind('=');
        if (eq == std::string_view::npos) {
            fail("expected 'component = vendor:product' (a purl or a name, '=', a CPE vendor "
                 "and product)");
        }
        const std::string_view key = trim(line.substr(0, eq));
        const std::string_view value = trim(line.substr(eq + 1));
        if (key.empty()) {
            fail("nothing before '=': expected a purl or a component name");
        }
        if (value.empty()) {
            fail("nothing after '=': expected vendor:product");
        }
        std::string error;
        const auto cpe = parseValue(value, error);
        if (!cpe) {
            fail(error);
        }
        const bool isPurl = startsWithIgnoreCase(key, "pkg:");
        const std::string normalized = isPurl ? purlKeyOf(key, error) : normalizeComponentName(key);
        if (normalized.empty()) {
            fail(isPurl ? error : "'" + std::string(key) + "' has no letters or digits");
        }
        auto& index = isPurl ? map.byPurl_ : map.byName_;
        if (const auto it = index.find(normalized); it != index.end()) {
            const auto& first = map.entries_[it->second];
            fail("'" + std::string(key) + "' is already mapped on line " +
                 std::to_string(first.line) +
                 (first.key == key
                      ? ""
                      : " as '" + first.key + "' (the same once case and separators are ignored)"));
        }
        index.emplace(normalized, map.entries_.size());
        map.entries_.push_back({std::string(key), cpe->vendor, cpe->product, lineNumber});
    }
    return map;
}

CpeMap loadCpeMap(const std::string& path) {
    std::string content;
    const FileRead read = readWholeFile(path, kMaxFileBytes, content);
    if (read.tooLarge) {
        throw ConfigError(path, 0, "", "the CPE map is larger than 16 MiB");
    }
    if (!read.ok()) {
        throw ConfigError(path, 0, "", "cannot read the CPE map: " + read.error);
    }
    return parseCpeMap(content, path);
}

} // namespace vw
