#include "core/product.h"

namespace vw {

std::vector<Product> activeVersions(const std::vector<RegisteredProduct>& registry) {
    std::vector<Product> products;
    for (const auto& registered : registry) {
        if (registered.removed) {
            continue;
        }
        for (const auto& version : registered.versions) {
            if (version.removed) {
                continue;
            }
            Product p;
            p.name = registered.name;
            p.version = version.version;
            p.owners = version.owners.empty() ? registered.owners : version.owners;
            p.keywords = registered.keywords;
            p.cpes = registered.cpes;
            p.components = version.components;
            products.push_back(std::move(p));
        }
    }
    return products;
}

} // namespace vw
