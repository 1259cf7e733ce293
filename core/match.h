// Matching advisories against the product registry: pure, deterministic.
#pragma once

#include "core/advisory.h"
#include "core/product.h"
#include "core/version.h"

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
    std::string method;               // "cpe-version", "cpe-product", "name", "keyword"
    std::string reason;               // human readable, names the CPEs that met
    /// The component's version: Component::version, or when that is empty the version field
    /// of the component's CPE (not ANY/NA); empty for a product CPE. What the verdict compared
    /// (for a product CPE: the CPE's version, else Product::version).
    std::string componentVersion;
    /// The outcome of comparing the version with the advisory's affected versions:
    /// "affected", "not-affected" (stored as the evaluation record, never notified) or
    /// "needs-review" (no version known, or range text that could not be read).
    std::string verdict = "affected";
};

/// Confidence of a CPE match whose version was compared with the advisory's affected versions
/// (method "cpe-version"): vendor and product agree, and the version is in a range (verdict
/// "affected") or outside every range ("not-affected").
inline constexpr int cpeVersionConfidence = 100;
/// As cpeVersionConfidence when the vendor was not compared (a pseudo-vendor on either side).
inline constexpr int cpeVersionProductOnlyConfidence = 80;
/// Confidence of a CPE match on part, vendor and product whose version could not be compared
/// (method "cpe-product", verdict "needs-review").
inline constexpr int cpeProductConfidence = 70;
/// Confidence of a CPE match on part and product only, when either CPE names no vendor (`*`,
/// `-`, or JVN's pseudo-vendor `misc`; see isPseudoVendor): method "cpe-product" too.
inline constexpr int cpeProductOnlyConfidence = 50;

/// Confidence of a match by component name (method "name", see core/names.h) whose version was
/// compared: affected or not affected as for cpe-version.
inline constexpr int nameVersionConfidence = 60;
/// Confidence of a name match whose version could not be compared (verdict "needs-review").
inline constexpr int nameConfidence = 40;
/// Taken off a name match when both sides name vendors and they differ (the same product name
/// from another vendor: still shown, never a silent miss).
inline constexpr int nameVendorDiffersPenalty = 20;
/// Confidence of a keyword found in the text of a record that names no CPE (mail, jvn.jp items):
/// method "keyword", always verdict "needs-review".
inline constexpr int keywordConfidence = 20;

/// What the user's mapping file (`[match] cpe_map`) says a component is: the daemon reads the
/// file, core only asks.
struct MappedCpe {
    std::string vendor;
    std::string product;
    std::string note; // where it comes from, for the reason: "cpe_map line 12"
};
using CpeMapper = std::function<std::optional<MappedCpe>(const Component&)>;

/// Whether `a` says more than `b` about one product version and component: the better verdict
/// (affected, then needs-review, then not-affected), then the higher confidence.
bool betterMatch(const Match& a, const Match& b);

/// All matches of one advisory against the registry, in registry order; at most one per
/// (product, component). Withdrawn advisories match nothing.
std::vector<Match> matchAdvisory(const Advisory& advisory, const std::vector<Product>& products);

/// The registry prepared once for matching many advisories: every product and component CPE
/// parsed and indexed by product. Holds copies, so `products` may change afterwards. `match(a)`
/// returns exactly what `matchAdvisory(a, products)` returns.
///
/// An advisory CPE meets a registered CPE when the parts agree (or either is open), the products
/// are equal (normalized, see Cpe) and either the vendors are equal or either vendor is a
/// pseudo-vendor ("vendor not compared"). The registered version (the component's, its CPE's,
/// or for a product CPE the product version) is then compared with every VersionNumber text of
/// the advisory's affected items naming a CPE that met, and with the version field of such a
/// CPE (evaluateVersion(), any of them):
/// - in a range: verdict "affected", method "cpe-version", confidence 100 (80 without vendor);
/// - outside every range: verdict "not-affected", same method and confidence (stored as the
///   manufacturer's evaluation, never notified);
/// - no version registered, no affected versions in the record (RSS items), or a text that
///   could not be read: verdict "needs-review", method "cpe-product", confidence 70 (50).
/// Per (product version, component) one match: the best verdict (affected, needs-review,
/// not-affected), then the highest confidence, then the first advisory CPE in advisory order.
class ProductMatcher {
public:
    /// Version texts read once per advisory (the same texts meet many registered versions).
    using ParsedTexts = std::map<std::vector<std::string>, std::vector<ParsedVersionText>>;

    /// `mapper`, when given, turns components into CPE candidates (the cpe_map file).
    explicit ProductMatcher(const std::vector<Product>& products, const CpeMapper& mapper = {});
    ~ProductMatcher();
    ProductMatcher(ProductMatcher&&) noexcept;
    ProductMatcher& operator=(ProductMatcher&&) noexcept;

    std::vector<Match> match(const Advisory& advisory) const;

    /// The (vendor, product) pairs (as parseCpe() reads them) an advisory CPE can have to match:
    /// each registered CPE's own pair and, for every registered product name, that product with
    /// the pseudo-vendors `*`, `-` and `misc`; each once, in registry order. An advisory can only
    /// match when it names a CPE with one of them, or one whose product is in anyVendorProducts().
    std::vector<std::pair<std::string, std::string>> vendorProducts() const;

    /// The products of the registered CPEs whose vendor is a pseudo-vendor (`cpe:2.3:a:*:openssl`
    /// from an SBOM), each once, in registry order: an advisory CPE naming one of these products
    /// matches whatever its vendor, so exact (vendor, product) lookups cannot find it.
    std::vector<std::string> anyVendorProducts() const;

    /// The normalized names of the components matched by name (those without a CPE), each
    /// once: an advisory can only match one of them by name when it names a CPE whose product
    /// is one of these, or an affected product of that name.
    std::vector<std::string> nameProducts() const;
    /// The (vendor, product) pairs a name key can be when an advisory puts the vendor in front
    /// of its CPE product ("apache_log4j" is apache:log4j): re-match candidates too.
    std::vector<std::pair<std::string, std::string>> nameVendorProducts() const;

    /// The keywords (product keywords and names, component names) as the keyword index folds
    /// them, each once, without those it ignores: what a record's text must contain to match
    /// by keyword.
    std::vector<std::string> keywordSearchForms() const;

private:
    struct Names; // name and keyword candidates (core/names.h, core/keywords.h)
    /// Name and keyword matches of an advisory, added to `out` (see match()).
    void matchByName(const Advisory& advisory, std::vector<Match>& out,
                     ParsedTexts& parsedTexts) const;
    void matchByKeyword(const Advisory& advisory, std::vector<Match>& out) const;
    /// False when no registered name can meet an advisory product of this name.
    bool mayMeetByName(const std::string& product) const;

    struct Candidate {
        std::size_t product;   // index in the registry
        std::string component; // Match::component
        std::string cpe;       // as registered
        char part = '*';       // '*' when the CPE names no part
        bool fromProduct = false;
        std::string vendor;  // parsed, normalized
        std::string version; // Match::componentVersion
        bool versionFromCpe = false;
        std::string mappedBy;    // the CPE came from the cpe_map: its note
        std::string versionNote; // how `version` was derived, for the reason ("" as given)
    };
    std::vector<std::string> productNames_;
    std::vector<std::string> productVersions_;
    std::vector<Candidate> candidates_; // registry order: each product's cpes, then components
    std::unordered_map<std::string, std::vector<std::size_t>> byProduct_; // Cpe::product
    std::vector<std::pair<std::string, std::string>> vendorProducts_;
    std::vector<std::string> anyVendorProducts_;
    std::unique_ptr<Names> names_;
};

} // namespace vw
