#include "core/match.h"

#include "core/cpe.h"
#include "core/fold.h"
#include "core/keywords.h"
#include "core/names.h"
#include "core/purl.h"
#include "core/text.h"
#include "core/version.h"

#include <algorithm>
#include <map>
#include <tuple>
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

/// The version of a component that ranges are compared with, and a note for the reason when it
/// is not the version as given: a distribution package's version without its epoch and its
/// packaging revision ("1:1.2.13.dfsg-1" → "1.2.13.dfsg", "3.3.5-r0" → "3.3.5"), since JVN's
/// ranges name upstream versions.
std::pair<std::string, std::string> comparedVersion(const Component& component) {
    const auto purl = component.purl.empty() ? std::nullopt : parsePurl(component.purl);
    if (!purl || !isDistributionPurlType(purl->type) || component.version.empty()) {
        return {component.version, std::string()};
    }
    std::string version = component.version;
    const auto colon = version.find(':');
    if (colon != std::string::npos && colon > 0 &&
        version.find_first_not_of("0123456789") == colon) {
        version.erase(0, colon + 1);
    }
    const auto dash = version.rfind('-');
    if (dash != std::string::npos && dash > 0) {
        version.erase(dash);
    }
    if (version == component.version || version.empty()) {
        return {component.version, std::string()};
    }
    return {version, " (the upstream part of " + purl->type + " package version " +
                         component.version + "; fixes the distribution backported are not known)"};
}

} // namespace

struct ProductMatcher::Names {
    struct NameCandidate {
        std::size_t product; // index in the registry
        std::string component;
        std::string version;
        std::string versionNote; // see comparedVersion()
        ComponentNames names;
        /// The products of the component's own CPEs: when the advisory names a CPE of one of
        /// them, the CPE comparison has decided (vendor and part included) and the name is not
        /// asked again.
        std::vector<std::string> cpeProducts;
    };
    std::vector<NameCandidate> candidates;
    std::unordered_map<std::string, std::vector<std::size_t>> byKey;
    std::vector<std::string> keys; // each once, in registry order
    /// Every token suffix of every key ("log4j_core", "core"): see mayMeetByName().
    std::unordered_set<std::string> keySuffixes;

    struct KeywordSource {
        std::size_t product;   // index in the registry
        std::string component; // "" for a product keyword or the product name
        const char* label;     // "product keyword", "product name", "component name"
    };
    std::vector<std::string> keywords;               // as given, each once
    std::vector<std::vector<KeywordSource>> sources; // per keyword
    std::unique_ptr<KeywordIndex> index;             // over `keywords`
};

ProductMatcher::~ProductMatcher() = default;
ProductMatcher::ProductMatcher(ProductMatcher&&) noexcept = default;
ProductMatcher& ProductMatcher::operator=(ProductMatcher&&) noexcept = default;

ProductMatcher::ProductMatcher(const std::vector<Product>& products, const CpeMapper& mapper)
    : names_(std::make_unique<Names>()) {
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
        Candidate candidate{product,     label, text,  cpe->part, component == nullptr,
                            cpe->vendor, {},    false, {},        {}};
        // The version a match compares: the component's, else its CPE's; for a product CPE the
        // CPE's (the product version is used when it names none, see match()).
        if (component != nullptr) {
            std::tie(candidate.version, candidate.versionNote) = comparedVersion(*component);
        }
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
            const std::string label = component.name.empty() ? std::string() : component.name;
            for (const auto& cpe : component.cpes) {
                add(p, label.empty() ? cpe : label, cpe, &component);
            }
            // The user's mapping file: a component it names is matched as that CPE too.
            if (mapper) {
                if (const auto mapped = mapper(component)) {
                    Cpe named;
                    named.part = '*';
                    named.vendor = mapped->vendor.empty() ? "*" : mapped->vendor;
                    named.product = mapped->product;
                    const std::string cpe = toCpe23(named);
                    const std::size_t at = candidates_.size();
                    add(p, label.empty() ? cpe : label, cpe, &component);
                    if (candidates_.size() > at) {
                        candidates_.back().mappedBy = mapped->note;
                    }
                }
            }
            if (!component.name.empty()) {
                // By name too: most npm, PyPI and Maven SBOM components carry no CPE, and the
                // CPEs syft guesses for distribution packages ("libssl3:libssl3") name nothing
                // JVN knows while the purl's source package ("upstream=openssl") does. A name
                // match is kept only when no CPE matched that component (see matchByName).
                const std::size_t index = names_->candidates.size();
                const auto [version, note] = comparedVersion(component);
                std::vector<std::string> cpeProducts;
                for (const auto& text : component.cpes) {
                    if (const auto cpe = parseCpe(text)) {
                        cpeProducts.push_back(cpe->product);
                    }
                }
                names_->candidates.push_back({p, component.name, version, note,
                                              ComponentNames(component), std::move(cpeProducts)});
                for (const auto& variant : names_->candidates.back().names.variants()) {
                    auto& list = names_->byKey[variant.key];
                    if (list.empty()) {
                        names_->keys.push_back(variant.key);
                        for (std::size_t at = 0; at != std::string::npos;) {
                            names_->keySuffixes.insert(variant.key.substr(at));
                            const auto next = variant.key.find('_', at);
                            at = next == std::string::npos ? next : next + 1;
                        }
                    }
                    if (list.empty() || list.back() != index) {
                        list.push_back(index);
                    }
                }
            }
        }
    }

    // Keywords: each product's keywords and name, and its components' names.
    std::unordered_map<std::string, std::size_t> keywordIndex;
    const auto addKeyword = [&](const std::string& keyword, Names::KeywordSource source) {
        if (keyword.empty()) {
            return;
        }
        auto [it, fresh] = keywordIndex.emplace(keyword, names_->keywords.size());
        if (fresh) {
            names_->keywords.push_back(keyword);
            names_->sources.emplace_back();
        }
        names_->sources[it->second].push_back(std::move(source));
    };
    for (std::size_t p = 0; p < products.size(); ++p) {
        for (const auto& keyword : products[p].keywords) {
            addKeyword(keyword, {p, std::string(), "product keyword"});
        }
        addKeyword(products[p].name, {p, std::string(), "product name"});
        for (const auto& component : products[p].components) {
            addKeyword(component.name, {p, component.name, "component name"});
        }
    }
    names_->index = std::make_unique<KeywordIndex>(names_->keywords);
}

namespace {

/// Ranks a verdict for choosing one match per (product version, component): a confirmed hit
/// first, then one that needs a person, then the evaluated miss.
int verdictRank(const std::string& verdict) {
    return verdict == "affected" ? 2 : verdict == "needs-review" ? 1 : 0;
}

/// `texts` read into ranges, once per advisory: the same texts meet many registered versions.
const std::vector<ParsedVersionText>& parsedVersionTexts(ProductMatcher::ParsedTexts& cache,
                                                         const std::vector<std::string>& texts) {
    auto parsed = cache.find(texts);
    if (parsed == cache.end()) {
        std::vector<ParsedVersionText> read;
        read.reserve(texts.size());
        for (const auto& text : texts) {
            read.push_back(parseVersionText(text));
        }
        parsed = cache.emplace(texts, std::move(read)).first;
    }
    return parsed->second;
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

bool betterMatch(const Match& a, const Match& b) {
    const int rankA = verdictRank(a.verdict);
    const int rankB = verdictRank(b.verdict);
    return rankA > rankB || (rankA == rankB && a.confidence > b.confidence);
}

std::vector<Match> ProductMatcher::match(const Advisory& advisory) const {
    std::vector<Match> matches;
    if (advisory.withdrawn ||
        (candidates_.empty() && names_->candidates.empty() && names_->keywords.empty())) {
        return matches; // nothing registered: not even the advisory's CPEs need reading
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

    ParsedTexts parsedTexts;
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
        } else if (!candidate.mappedBy.empty()) {
            reason += "component " + candidate.component + " (" + candidate.cpe + ", mapped by " +
                      candidate.mappedBy + ")";
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
        std::string versionOrigin = candidate.versionNote;
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
            const VersionEvaluation evaluation =
                evaluateVersion(parsedVersionTexts(parsedTexts, by.versionTexts), version);
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
        if (betterMatch(match, matches[at->second])) {
            matches[at->second] = std::move(match);
        }
    }
    matchByName(advisory, matches, parsedTexts);
    matchByKeyword(advisory, matches);
    return matches;
}

namespace {

/// The VersionNumber texts (and CPE versions) an advisory states for a product it names.
std::vector<std::string> versionTextsFor(const Advisory& advisory, const ProductIdentity& id) {
    std::vector<std::string> texts;
    for (const auto& item : advisory.affected) {
        const auto cpe = item.cpe.empty() ? std::nullopt : parseCpe(item.cpe);
        const bool named = trim(item.product) == id.product || (cpe && cpe->product == id.product);
        if (!named) {
            continue;
        }
        for (const auto& text : item.versions) {
            addText(texts, text);
        }
        if (cpe) {
            addText(texts, namedVersion(*cpe));
        }
    }
    for (const auto& text : advisory.cpes) {
        if (const auto cpe = parseCpe(text); cpe && cpe->product == id.product) {
            addText(texts, namedVersion(*cpe));
        }
    }
    return texts;
}

/// Keeps the better of two matches for one (product, component) in `out`.
void keepBest(std::vector<Match>& out, Match match) {
    for (auto& kept : out) {
        if (kept.product == match.product && kept.version == match.version &&
            kept.component == match.component) {
            if (betterMatch(match, kept)) {
                kept = std::move(match);
            }
            return;
        }
    }
    out.push_back(std::move(match));
}

} // namespace

void ProductMatcher::matchByName(const Advisory& advisory, std::vector<Match>& out,
                                 ParsedTexts& parsedTexts) const {
    if (names_->candidates.empty()) {
        return;
    }
    // The components a CPE already matched: their CPE match says more.
    const std::size_t byCpe = out.size();
    const std::vector<ProductIdentity> identities = advisoryProducts(advisory);
    // The products of the advisory's CPEs, read only when a candidate with CPEs of its own asks.
    std::optional<std::vector<std::string>> cpeProducts;
    const auto advisoryCpeProducts = [&]() -> const std::vector<std::string>& {
        if (!cpeProducts) {
            cpeProducts.emplace();
            for (const std::string* text : advisory.namedCpes()) {
                if (const auto cpe = parseCpe(*text)) {
                    cpeProducts->push_back(cpe->product);
                }
            }
        }
        return *cpeProducts;
    };
    const auto decidedByCpe = [&](const Names::NameCandidate& candidate) {
        if (candidate.cpeProducts.empty()) {
            return false;
        }
        const std::vector<std::string>& advisoryProductsByCpe = advisoryCpeProducts();
        for (const auto& product : candidate.cpeProducts) {
            if (std::find(advisoryProductsByCpe.begin(), advisoryProductsByCpe.end(), product) !=
                advisoryProductsByCpe.end()) {
                return true;
            }
        }
        return false;
    };
    const auto matchedByCpe = [&](const Match& m) {
        for (std::size_t i = 0; i < byCpe; ++i) {
            if (out[i].product == m.product && out[i].version == m.version &&
                out[i].component == m.component) {
                return true;
            }
        }
        return false;
    };
    for (const ProductIdentity& identity : identities) {
        if (!mayMeetByName(identity.product)) {
            continue; // the usual case: no registered name can meet it
        }
        const AdvisoryProductNames productNames(identity);
        std::vector<std::size_t> tried;
        std::vector<std::string> texts;
        bool textsRead = false;
        for (const auto& variant : productNames.variants()) {
            const auto found = names_->byKey.find(variant.key);
            if (found == names_->byKey.end()) {
                continue;
            }
            for (const std::size_t index : found->second) {
                if (std::find(tried.begin(), tried.end(), index) != tried.end()) {
                    continue;
                }
                tried.push_back(index);
                const Names::NameCandidate& candidate = names_->candidates[index];
                if (decidedByCpe(candidate)) {
                    continue;
                }
                const NameMatch named = matchNames(candidate.names, productNames);
                if (!named.matched) {
                    continue;
                }
                if (!textsRead) {
                    texts = versionTextsFor(advisory, identity);
                    textsRead = true;
                }
                const int penalty =
                    named.vendor == VendorCheck::Differs ? nameVendorDiffersPenalty : 0;
                Match match;
                match.advisory = advisory.id;
                match.aliases = advisory.aliases;
                match.product = productNames_[candidate.product];
                match.version = productVersions_[candidate.product];
                match.component = candidate.component;
                match.componentVersion = candidate.version;
                match.method = "name";
                std::string reason = named.why;
                if (candidate.version.empty()) {
                    match.verdict = "needs-review";
                    match.confidence = nameConfidence - penalty;
                    reason += "; the registered version is not known, so it was not compared";
                } else if (texts.empty()) {
                    match.verdict = "needs-review";
                    match.confidence = nameConfidence - penalty;
                    reason += "; this record states no affected versions for it, so version " +
                              candidate.version + " was not compared";
                } else {
                    const VersionEvaluation evaluation =
                        evaluateVersion(parsedVersionTexts(parsedTexts, texts), candidate.version);
                    reason += "; " + evaluation.reason + candidate.versionNote;
                    match.confidence = nameVersionConfidence - penalty;
                    match.verdict = evaluation.verdict == RangeVerdict::Affected ? "affected"
                                    : evaluation.verdict == RangeVerdict::NotAffected
                                        ? "not-affected"
                                        : "needs-review";
                    if (evaluation.verdict == RangeVerdict::Unknown) {
                        match.confidence = nameConfidence - penalty;
                    }
                }
                match.reason = std::move(reason);
                if (!matchedByCpe(match)) {
                    keepBest(out, std::move(match));
                }
            }
        }
    }
}

void ProductMatcher::matchByKeyword(const Advisory& advisory, std::vector<Match>& out) const {
    // Only records that name no CPE (mail, jvn.jp items): the others are matched by CPE and
    // name, which say more.
    if (names_->keywords.empty() || !advisory.cpes.empty()) {
        return;
    }
    std::string affected;
    for (const auto& item : advisory.affected) {
        if (!item.cpe.empty()) {
            return;
        }
        affected += (affected.empty() ? "" : " / ") + item.vendor + " " + item.product;
    }
    static constexpr const char* fieldNames[] = {"title", "summary", "affected products"};
    const std::vector<std::string_view> fields = {advisory.title, advisory.summary, affected};
    // In the order of the fields (title first), then of the registry.
    std::vector<KeywordHit> hits = names_->index->findInFields(fields);
    std::stable_sort(hits.begin(), hits.end(), [](const KeywordHit& a, const KeywordHit& b) {
        return a.field != b.field ? a.field < b.field : a.keyword < b.keyword;
    });
    for (const KeywordHit& hit : hits) {
        const std::string& keyword = names_->keywords[hit.keyword];
        for (const auto& source : names_->sources[hit.keyword]) {
            Match match;
            match.advisory = advisory.id;
            match.aliases = advisory.aliases;
            match.product = productNames_[source.product];
            match.version = productVersions_[source.product];
            match.component = source.component.empty() ? "keyword " + keyword : source.component;
            match.method = "keyword";
            match.confidence = keywordConfidence;
            match.verdict = "needs-review";
            match.reason = "keyword \"" + keyword + "\" (" + source.label + ") found in the " +
                           fieldNames[hit.field < 3 ? hit.field : 0] +
                           " of this record, which names no CPE; the version was not compared";
            keepBest(out, std::move(match));
        }
    }
}

bool ProductMatcher::mayMeetByName(const std::string& product) const {
    // Every name key AdvisoryProductNames makes of a product is a token suffix of its
    // normalized name (vendor words dropped), or ends with "_" and that name (vendor put in
    // front): a cheap test before building them.
    const std::string key = normalizeComponentName(product);
    if (key.empty()) {
        return false;
    }
    if (names_->keySuffixes.count(key) != 0) {
        return true;
    }
    for (std::size_t at = 0; at != std::string::npos;) {
        if (names_->byKey.count(key.substr(at)) != 0) {
            return true;
        }
        const auto next = key.find('_', at);
        at = next == std::string::npos ? next : next + 1;
    }
    return false;
}

std::vector<std::string> ProductMatcher::nameProducts() const {
    return names_->keys;
}

std::vector<std::pair<std::string, std::string>> ProductMatcher::nameVendorProducts() const {
    // A name key "apache_log4j" also meets an advisory CPE apache:log4j (the advisory side puts
    // the vendor in front): each split at a '_' is a (vendor, product) to look for.
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& key : names_->keys) {
        for (std::size_t at = key.find('_'); at != std::string::npos; at = key.find('_', at + 1)) {
            if (at > 0 && at + 1 < key.size()) {
                pairs.emplace_back(key.substr(0, at), key.substr(at + 1));
            }
        }
    }
    return pairs;
}

std::vector<std::string> ProductMatcher::keywordSearchForms() const {
    // Linear in the keywords (a registry of 100k components has as many).
    std::vector<bool> ignored(names_->keywords.size(), false);
    for (const auto& skip : names_->index->ignored()) {
        ignored[skip.keyword] = true;
    }
    std::vector<std::string> forms;
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < names_->keywords.size(); ++i) {
        const std::string& form = names_->index->searchForm(i);
        if (!ignored[i] && !form.empty() && seen.insert(form).second) {
            forms.push_back(form);
        }
    }
    return forms;
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
