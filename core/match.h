// Matching advisories against the product registry: pure, deterministic.
#pragma once

#include "core/advisory.h"
#include "core/product.h"

#include <string>
#include <vector>

namespace vw {

struct Match {
    std::string advisory;              // Advisory::id
    std::vector<std::string> aliases;  // Advisory::aliases
    std::string product;               // Product::name
    std::string version;               // Product::version
    std::string component;             // component name, or the CPE given on the product
    int confidence = 0;                // 0–100
    std::string method;                // "cpe-product", later "cpe-version", "keyword", …
    std::string reason;                // human readable, names the CPEs that met
};

/// All matches of one advisory against the registry, in registry order; at most one per
/// (product, component). Withdrawn advisories match nothing.
std::vector<Match> matchAdvisory(const Advisory& advisory, const std::vector<Product>& products);

} // namespace vw
