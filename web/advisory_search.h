// The advisory search shared by GET /api/v1/advisories (web/api.cpp) and the advisories page
// (web/page_advisories.cpp): which clusters an id names, and the LIKE pattern of a text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {
class Store;
}

namespace vw::web {

/// The clusters a query names exactly: the cluster of a vulnerability id, or those an advisory
/// id covers (nullopt when `q` is no id the store knows).
std::optional<std::vector<std::int64_t>> clustersNamedBy(Store& store, const std::string& q);

/// `text` as a LIKE pattern matching it anywhere ('%', '_' and '\' escaped with '\').
std::string likePattern(std::string_view text);

} // namespace vw::web
