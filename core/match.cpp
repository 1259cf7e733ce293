#include "core/match.h"

#include "core/cpe.h"
#include "core/version.h"

#include <algorithm>
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
        // The version a match compares: the component's, else its CPE's; for a product CPE the
        // CPE's (the product version is used when it names none, see match()).
        candidate.version = component != nullptr ? component->version : std::string();
        if (candidate.version.empty()) {
            candidate.version = namedVersion(*cpe);
            candidate.versionFromCpe = !candidate.version.empty();
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

namespace {

/// Ranks a verdict for choosing one match per (product version, component): a confirmed hit
/// first, then one that needs a person, then the evaluated miss.
int verdictRank(const std::string& verdict) {
    return verdict == "affected" ? 2 : verdict == "needs-review" ? 1 : 0;
}

/// What a match compares: the advisory's version texts for the CPEs that met a candidate.
struct Met {
    const std::string* text = nullptr; // the first advisory CPE of the highest confidence
    int confidence = 0;
    std::string advisoryVendor;
    std::vector<std::string> versionTexts; // VersionNumber texts and CPE versions, in order
};

void addText(std::vector<std::string>& texts, const std::string& text) {
    if (!text.empty() && std::find(texts.begin(), texts.end(), text) == texts.end()) {
        texts.push_back(text);
    }
}

} // namespace

std::vector<Match> ProductMatcher::match(const Advisory& advisory) const {
    std::vector<Match> matches;
    if (advisory.withdrawn || candidates_.empty()) {
        return matches;
    }

    // candidate index -> the advisory CPEs that met it
    std::map<std::size_t, Met> met;
    // `item`: the affected item naming the CPE (its VersionNumber texts), or null for `cpes`.
    const auto consider = [&](const std::string& text, const AffectedItem* item) {
        auto cpe = parseCpe(text);
        if (!cpe) {
            return;
        }
        const auto found = byProduct_.find(cpe->product);
        if (found == byProduct_.end()) {
            return;
        }
        const bool advisoryNamesVendor = !isPseudoVendor(cpe->vendor);
        const std::string cpeVersion = namedVersion(*cpe);
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
                slot.text = &text;
                slot.confidence = confidence;
                slot.advisoryVendor = cpe->vendor;
            }
            if (item != nullptr) {
                for (const auto& versionText : item->versions) {
                    addText(slot.versionTexts, versionText);
                }
            }
            addText(slot.versionTexts, cpeVersion); // a CPE naming a version names that one
        }
    };
    for (const auto& cpe : advisory.cpes) {
        consider(cpe, nullptr);
    }
    for (const auto& item : advisory.affected) {
        if (!item.cpe.empty()) {
            consider(item.cpe, &item);
        }
    }

    // (product, component) -> its match in `matches`: at most one each, the best verdict, then
    // the most confident
    std::map<std::pair<std::size_t, std::string>, std::size_t> emitted;
    for (const auto& [index, by] : met) {
        const Candidate& candidate = candidates_[index];
        Match match;
        match.advisory = advisory.id;
        match.aliases = advisory.aliases;
        match.product = productNames_[candidate.product];
        match.version = productVersions_[candidate.product];
        match.component = candidate.component;
        match.componentVersion = candidate.fromProduct ? std::string() : candidate.version;
        std::string reason = "CPE " + *by.text + " matches ";
        if (candidate.fromProduct) {
            reason += "product CPE " + candidate.cpe;
        } else {
            reason += "component " + candidate.component + " (" + candidate.cpe + ")";
        }
        const bool byVendor = by.confidence == cpeProductConfidence;
        if (byVendor) {
            reason += " by vendor and product";
        } else if (isPseudoVendor(candidate.vendor)) {
            reason += " by product only; vendor not compared (registered vendor is " +
                      candidate.vendor + ")";
        } else {
            reason += " by product only; vendor not compared (advisory vendor is " +
                      by.advisoryVendor + ")";
        }
        // The version compared: the component's (or its CPE's), for a product CPE the
        // product's own version (or its CPE's).
        std::string version = candidate.version;
        std::string versionOrigin;
        if (candidate.versionFromCpe) {
            versionOrigin =
                candidate.fromProduct ? " (from the product CPE)" : " (from the component's CPE)";
        }
        if (candidate.fromProduct && version.empty()) {
            version = match.version;
            versionOrigin = " (the product version)";
        }
        if (version.empty()) {
            match.verdict = "needs-review";
            match.method = "cpe-product";
            match.confidence = by.confidence;
            reason += "; the registered version is not known, so it was not compared";
        } else if (by.versionTexts.empty()) {
            match.verdict = "needs-review";
            match.method = "cpe-product";
            match.confidence = by.confidence;
            reason += "; this record states no affected versions, so version " + version +
                      versionOrigin + " was not compared";
        } else {
            const VersionEvaluation evaluation = evaluateVersion(by.versionTexts, version);
            match.confidence = byVendor ? cpeVersionConfidence : cpeVersionProductOnlyConfidence;
            match.method = "cpe-version";
            reason += "; " + evaluation.reason + versionOrigin;
            switch (evaluation.verdict) {
            case RangeVerdict::Affected:
                match.verdict = "affected";
                break;
            case RangeVerdict::NotAffected:
                match.verdict = "not-affected";
                break;
            case RangeVerdict::Unknown:
                match.verdict = "needs-review";
                match.method = "cpe-product";
                match.confidence = by.confidence;
                break;
            }
        }
        match.reason = std::move(reason);
        const auto [at, fresh] =
            emitted.emplace(std::make_pair(candidate.product, candidate.component), matches.size());
        if (fresh) {
            matches.push_back(std::move(match));
            continue;
        }
        const Match& kept = matches[at->second];
        const int rank = verdictRank(match.verdict);
        const int keptRank = verdictRank(kept.verdict);
        if (rank > keptRank || (rank == keptRank && match.confidence > kept.confidence)) {
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
