// Matching advisories against the product registry: pure, deterministic.
#pragma once

#include "core/advisory.h"
#include "core/product.h"

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vw {

struct Match {
    std::string advisory;             // Advisory::id
    std::vector<std::string> aliases; // Advisory::aliases
    std::string product;              // Product::name
    std::string version;              // Product::version
    std::string component;            // component name, or the CPE given on the product
    int confidence = 0;               // 0–100
    std::string method;               // "cpe-product", later "cpe-version", "keyword", …
    std::string reason;               // human readable, names the CPEs that met
};

/// All matches of one advisory against the registry, in registry order; at most one per
/// (product, component). Withdrawn advisories match nothing.
std::vector<Match> matchAdvisory(const Advisory& advisory, const std::vector<Product>& products);

/// The registry prepared once for matching many advisories: every product and component CPE
/// parsed and indexed by vendor and product. Holds copies, so `products` may change afterwards.
/// `match(a)` returns exactly what `matchAdvisory(a, products)` returns.
class ProductMatcher {
public:
    explicit ProductMatcher(const std::vector<Product>& products);

    std::vector<Match> match(const Advisory& advisory) const;

    /// The (vendor, product) of every registered CPE, each once: an advisory can only match
    /// when it names a CPE with one of them.
    std::vector<std::pair<std::string, std::string>> vendorProducts() const;

private:
    struct Candidate {
        std::size_t product;   // index in the registry
        std::string component; // Match::component
        std::string cpe;       // as registered
        char part = '*';       // '*' when the CPE names no part
        bool fromProduct = false;
    };
    std::vector<std::string> productNames_;
    std::vector<std::string> productVersions_;
    std::vector<Candidate> candidates_; // registry order: each product's cpes, then components
    std::unordered_map<std::string, std::vector<std::size_t>> byVendorProduct_;
    std::vector<std::pair<std::string, std::string>> vendorProducts_; // byVendorProduct_'s keys
};

} // namespace vw
