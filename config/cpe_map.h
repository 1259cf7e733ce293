// The CPE map (`[match] cpe_map = PATH`): a user-edited file that says which CPE vendor and
// product a component is, for components that carry no CPE (most npm, PyPI and Maven SBOM
// components carry only a purl). The format is in docs/matching.md.
#pragma once

#include "core/product.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vw {

/// One line of the map.
struct CpeMapEntry {
    std::string key;     // as written (trimmed)
    std::string vendor;  // normalized as Cpe::vendor ("*" for any vendor)
    std::string product; // normalized as Cpe::product
    int line = 0;
};

/// The parsed map; lookups are exact hash lookups on normalized keys.
class CpeMap {
public:
    /// The (vendor, product) the map gives for `component`, or nullopt.
    std::optional<std::pair<std::string, std::string>> lookup(const Component& component) const;

    /// The entry that gives it (for reasons: "cpe_map line 12"), or nullptr. Order: a purl key
    /// with the component's purl version, then a purl key without version, then a name key
    /// equal to the component name, then one equal to the purl name.
    const CpeMapEntry* find(const Component& component) const;

    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

private:
    friend CpeMap parseCpeMap(std::string_view text, std::string_view where);
    std::vector<CpeMapEntry> entries_;
    std::unordered_map<std::string, std::size_t> byPurl_; // "type/ns/name" or "type/ns/name@v"
    std::unordered_map<std::string, std::size_t> byName_; // normalizeComponentName form
};

/// Parses the map. `where` names the text in errors (the file path). Throws ConfigError
/// (config/config.h) naming `where` and the line for the first bad line: a line without '=',
/// an empty key or value, a key that starts with "pkg:" but is no purl or has qualifiers or a
/// subpath, a value that is not `vendor:product` or a CPE name with only part, vendor and
/// product, a key mapped twice, invalid UTF-8.
CpeMap parseCpeMap(std::string_view text, std::string_view where);

/// Reads and parses the file at `path` (at most 16 MiB). Throws ConfigError when it cannot be
/// read (line 0) or does not parse.
CpeMap loadCpeMap(const std::string& path);

/// The key a purl has in the map: "type/namespace/name" with the namespace folded
/// (foldText) and the name as normalizeComponentName, plus "@version" when `withVersion` and
/// the purl has one. "" when `purl` is not a purl.
std::string cpeMapPurlKey(std::string_view purl, bool withVersion);

} // namespace vw
