#include "core/match.h"

#include "core/cpe.h"

#include <map>
#include <set>
#include <utility>

namespace vw {

namespace {

constexpr int cpeProductConfidence = 70;

std::string indexKey(const Cpe& cpe) {
    std::string key = cpe.vendor;
    key += '\0';
    key += cpe.product;
    return key;
}

bool partsAgree(char a, char b) {
    return a == '*' || b == '*' || a == b;
}

} // namespace

ProductMatcher::ProductMatcher(const std::vector<Product>& products) {
    const auto add = [this](std::size_t product, const std::string& label, const std::string& text,
                            bool fromProduct) {
        const auto cpe = parseCpe(text);
        if (!cpe) {
            return;
        }
        auto& slot = byVendorProduct_[indexKey(*cpe)];
        if (slot.empty()) {
            vendorProducts_.emplace_back(cpe->vendor, cpe->product);
        }
        slot.push_back(candidates_.size());
        candidates_.push_back(Candidate{product, label, text, cpe->part, fromProduct});
    };
    for (std::size_t p = 0; p < products.size(); ++p) {
        const Product& product = products[p];
        productNames_.push_back(product.name);
        productVersions_.push_back(product.version);
        for (const auto& cpe : product.cpes) {
            add(p, cpe, cpe, true);
        }
        for (const auto& component : product.components) {
            if (!component.cpe.empty()) {
                add(p, component.name.empty() ? component.cpe : component.name, component.cpe,
                    false);
            }
        }
    }
}

std::vector<Match> ProductMatcher::match(const Advisory& advisory) const {
    std::vector<Match> matches;
    if (advisory.withdrawn || candidates_.empty()) {
        return matches;
    }

    // candidate index -> the first advisory CPE (in advisory order) that met it
    std::map<std::size_t, const std::string*> met;
    for (const std::string* text : advisory.namedCpes()) {
        const auto cpe = parseCpe(*text);
        if (!cpe) {
            continue;
        }
        const auto found = byVendorProduct_.find(indexKey(*cpe));
        if (found == byVendorProduct_.end()) {
            continue;
        }
        for (const std::size_t index : found->second) {
            if (partsAgree(cpe->part, candidates_[index].part)) {
                met.emplace(index, text);
            }
        }
    }

    std::set<std::pair<std::size_t, std::string>> emitted;
    for (const auto& [index, advisoryCpe] : met) {
        const Candidate& candidate = candidates_[index];
        if (!emitted.emplace(candidate.product, candidate.component).second) {
            continue;
        }
        Match match;
        match.advisory = advisory.id;
        match.aliases = advisory.aliases;
        match.product = productNames_[candidate.product];
        match.version = productVersions_[candidate.product];
        match.component = candidate.component;
        match.confidence = cpeProductConfidence;
        match.method = "cpe-product";
        match.reason = "CPE " + *advisoryCpe + " matches ";
        if (candidate.fromProduct) {
            match.reason += "product CPE " + candidate.cpe;
        } else {
            match.reason += "component " + candidate.component + " (" + candidate.cpe + ")";
        }
        match.reason += " by vendor and product; version not compared";
        matches.push_back(std::move(match));
    }
    return matches;
}

std::vector<std::pair<std::string, std::string>> ProductMatcher::vendorProducts() const {
    return vendorProducts_;
}

std::vector<Match> matchAdvisory(const Advisory& advisory, const std::vector<Product>& products) {
    if (advisory.withdrawn) {
        return {};
    }
    return ProductMatcher(products).match(advisory);
}

} // namespace vw
