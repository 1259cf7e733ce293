#include "web/advisory_search.h"

#include "core/ids.h"
#include "store/store.h"

namespace vw::web {

std::optional<std::vector<std::int64_t>> clustersNamedBy(Store& store, const std::string& q) {
    const std::optional<std::string> id = normalizeId(q);
    if (!id) {
        return std::nullopt;
    }
    if (const auto cluster = store.clusterOf(*id)) {
        return std::vector<std::int64_t>{*cluster};
    }
    if (const auto advisory = store.advisoryOf(*id)) {
        return store.coveredClusters(*advisory);
    }
    return std::nullopt;
}

std::string likePattern(std::string_view text) {
    std::string out = "%";
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('%');
    return out;
}

} // namespace vw::web
