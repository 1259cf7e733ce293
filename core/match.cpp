#include "core/match.h"

#include "core/cpe.h"

#include <map>
#include <unordered_set>
#include <utility>

namespace vw {

namespace {

bool partsAgree(char a, char b) {
    return a == '*' || b == '*' || a == b;
}

/// The version field of a CPE when it names one (not empty, ANY or NA).
std::string namedVersion(const Cpe& cpe) {
    return isAnyValue(cpe.version) || cpe.version == "-" ? std::string() : cpe.version;
}

} // namespace

ProductMatcher::ProductMatcher(const std::vector<Product>& products) {
    std::unordered_set<std::string> pairsSeen;
    std::unordered_set<std::string> anyVendorSeen;
    const auto addPair = [&](const std::string& vendor, const std::string& product) {
        if (pairsSeen.insert(vendor + '\0' + product).second) {
            vendorProducts_.emplace_back(vendor, product);
        }
    };
    const auto add = [&](std::size_t product, const std::string& label, const std::string& text,
                         const Component* component) {
        const auto cpe = parseCpe(text);
        if (!cpe) {
            return;
        }
        Candidate candidate{product,     label,         text, cpe->part, component == nullptr,
                            cpe->vendor, std::string(), false};
        if (component != nullptr) {
            candidate.version = component->version;
            if (candidate.version.empty()) {
                candidate.version = namedVersion(*cpe);
                candidate.versionFromCpe = !candidate.version.empty();
            }
        }
        byProduct_[cpe->product].push_back(candidates_.size());
        candidates_.push_back(std::move(candidate));
        addPair(cpe->vendor, cpe->product);
        for (const char* pseudo : {"*", "-", "misc"}) {
            addPair(pseudo, cpe->product);
        }
        if (isPseudoVendor(cpe->vendor) && anyVendorSeen.insert(cpe->product).second) {
            anyVendorProducts_.push_back(cpe->product);
        }
    };
    for (std::size_t p = 0; p < products.size(); ++p) {
        const Product& product = products[p];
        productNames_.push_back(product.name);
        productVersions_.push_back(product.version);
        for (const auto& cpe : product.cpes) {
            add(p, cpe, cpe, nullptr);
        }
        for (const auto& component : product.components) {
            for (const auto& cpe : component.cpes) {
                add(p, component.name.empty() ? cpe : component.name, cpe, &component);
            }
        }
    }
}

std::vector<Match> ProductMatcher::match(const Advisory& advisory) const {
    std::vector<Match> matches;
    if (advisory.withdrawn || candidates_.empty()) {
        return matches;
    }

    // candidate index -> the best advisory CPE that met it: highest confidence, then first in
    // advisory order
    struct Met {
        const std::string* text = nullptr;
        int confidence = 0;
        std::string advisoryVendor;
    };
    std::map<std::size_t, Met> met;
    for (const std::string* text : advisory.namedCpes()) {
        auto cpe = parseCpe(*text);
        if (!cpe) {
            continue;
        }
        const auto found = byProduct_.find(cpe->product);
        if (found == byProduct_.end()) {
            continue;
        }
        const bool advisoryNamesVendor = !isPseudoVendor(cpe->vendor);
        for (const std::size_t index : found->second) {
            const Candidate& candidate = candidates_[index];
            if (!partsAgree(cpe->part, candidate.part)) {
                continue;
            }
            int confidence = cpeProductOnlyConfidence;
            if (advisoryNamesVendor && !isPseudoVendor(candidate.vendor)) {
                if (candidate.vendor != cpe->vendor) {
                    continue;
                }
                confidence = cpeProductConfidence;
            }
            Met& slot = met[index];
            if (confidence > slot.confidence) {
                slot = Met{text, confidence, cpe->vendor};
            }
        }
    }

    // (product, component) -> its match in `matches`: at most one each, the most confident
    std::map<std::pair<std::size_t, std::string>, std::size_t> emitted;
    for (const auto& [index, by] : met) {
        const Candidate& candidate = candidates_[index];
        const auto [at, fresh] =
            emitted.emplace(std::make_pair(candidate.product, candidate.component), matches.size());
        if (!fresh && matches[at->second].confidence >= by.confidence) {
            continue;
        }
        Match match;
        match.advisory = advisory.id;
        match.aliases = advisory.aliases;
        match.product = productNames_[candidate.product];
        match.version = productVersions_[candidate.product];
        match.component = candidate.component;
        match.componentVersion = candidate.version;
        match.confidence = by.confidence;
        match.method = "cpe-product";
        match.reason = "CPE " + *by.text + " matches ";
        if (candidate.fromProduct) {
            match.reason += "product CPE " + candidate.cpe;
        } else {
            match.reason += "component " + candidate.component + " (" + candidate.cpe + ")";
        }
        if (by.confidence == cpeProductConfidence) {
            match.reason += " by vendor and product";
        } else if (isPseudoVendor(candidate.vendor)) {
            match.reason += " by product only; vendor not compared (registered vendor is " +
                            candidate.vendor + ")";
        } else {
            match.reason += " by product only; vendor not compared (advisory vendor is " +
                            by.advisoryVendor + ")";
        }
        if (candidate.versionFromCpe) {
            match.reason += "; version " + candidate.version + " (from the component's CPE)";
        } else {
            match.reason += "; version";
        }
        match.reason += " not compared";
        if (fresh) {
            matches.push_back(std::move(match));
        } else {
            matches[at->second] = std::move(match);
        }
    }
    return matches;
}

std::vector<std::pair<std::string, std::string>> ProductMatcher::vendorProducts() const {
    return vendorProducts_;
}

std::vector<std::string> ProductMatcher::anyVendorProducts() const {
    return anyVendorProducts_;
}

std::vector<Match> matchAdvisory(const Advisory& advisory, const std::vector<Product>& products) {
    if (advisory.withdrawn) {
        return {};
    }
    return ProductMatcher(products).match(advisory);
}

} // namespace vw
