// Name matching (method "name"): does a registered component name the same software as a
// product an advisory names, when there is no CPE to compare? Pure and deterministic; the rules
// and their false-positive guards are in docs/matching.md.
#pragma once

#include "core/advisory.h"
#include "core/product.h"

#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// How a name key was derived from what was given. Ordered from strong to weak.
enum class NameForm {
    AsGiven,          // the name itself, normalized (normalizeComponentName)
    VendorAdded,      // advisory side: the vendor put in front ("apache" + "log4j")
    NamespaceDropped, // component side: "group:artifact" → artifact, "@scope/name" → name
    VendorDropped,    // a leading vendor name dropped ("Apache Log4j" with vendor apache → log4j)
    CoreDropped,      // component side: a last token "core" dropped ("log4j-core" → log4j)
};

/// One name a component or advisory product goes by.
struct NameVariant {
    std::string key;   // normalizeComponentName form: what equality compares
    std::string given; // the name it came from, as given
    std::string label; // where it came from: "component name", "purl name", "CPE product", …
    NameForm form = NameForm::AsGiven;
    std::string note; // how it was derived ("vendor prefix \"apache\" dropped"); "" if AsGiven
};

/// A vendor, publisher or supplier name prepared for comparison.
struct VendorName {
    std::string given; // as given (for reasons)
    std::string label; // "vendor", "supplier", "purl namespace", "CPE vendor", "advisory vendor"
    std::vector<std::string> tokens; // folded tokens; a leading "the" and 株式会社/有限会社 dropped
    bool ascii = false;              // all tokens ASCII: only ASCII names can contradict
    /// Component side only: false for evidence that may name a packager rather than the
    /// software's vendor (SBOM suppliers; vendor and namespace of distribution packages). Such
    /// a name can make vendors agree, never differ.
    bool canContradict = true;
};

/// What the vendor names of the two sides say about each other.
enum class VendorCheck {
    Agrees,  // some name on each side is the same vendor
    Unknown, // nothing comparable (no vendor, pseudo-vendor, only Japanese names on one side,
             // only supplier evidence, or the advisory vendor is the product's own name)
    Differs, // both sides name ASCII vendors that can contradict, and none agrees
};

/// The result of comparing one component with one advisory product.
struct NameMatch {
    bool matched = false;
    /// Why: when matched, which names met and how ("component name \"log4j-core\" ≈ advisory
    /// product \"Apache Log4j\" (vendor Apache Software Foundation): …"); when names met but the
    /// guard refused, the same plus why refused; "" when no names met.
    std::string why;
    VendorCheck vendor = VendorCheck::Unknown;
    NameForm weakest = NameForm::AsGiven; // the weaker of the two names that met
};

/// A component's names and vendor evidence, prepared once for comparing with many advisories.
///
/// Names (each normalized with normalizeComponentName; names without a letter are skipped):
/// the component name; the purl name; the purl's source package (Purl::sourcePackage, e.g.
/// libssl3 built from openssl); for a name "group:artifact" (the part before the last ':' has a
/// '.') the artifact, and for a name "a/b/c" (npm scope, Go module path) the last segment
/// (NamespaceDropped). Each of these also without a last token "core" (CoreDropped), and each
/// without a leading token run that spells one of the component's vendor names (VendorDropped).
///
/// Vendor evidence: Component::vendor; the purl namespace (a maven groupId in reverse-DNS form
/// gives its domain label: org.apache.logging.log4j → apache, io.github.someone → someone; any
/// other namespace — npm @scope, composer vendor, github owner, Go module path without the
/// host, a groupId like commons-io — is used as it is); Component::supplier (SPDX
/// "Organization: " / "Person: " prefixes and "(…)" / "<…>" parts removed, NOASSERTION
/// ignored). Only Component::vendor (not a "Person: …", not of a distribution package, see
/// isDistributionPurlType) and a reverse-DNS groupId can contradict an advisory vendor; the
/// rest can only agree.
class ComponentNames {
public:
    explicit ComponentNames(const Component& component);

    /// Every name key, strongest form first per key, each key once.
    const std::vector<NameVariant>& variants() const { return variants_; }
    const std::vector<VendorName>& vendors() const { return vendors_; }

private:
    std::vector<NameVariant> variants_;
    std::vector<VendorName> vendors_;
};

/// One product an advisory names: a CPE's product with its vendor, or a VULDEF / RSS affected
/// item's product name with its vendor name (and its CPE vendor).
struct ProductIdentity {
    /// Every vendor name given for the product. Empty strings and pseudo-vendors (`*`, `-`,
    /// `misc`, see isPseudoVendor) are ignored.
    std::vector<std::string> vendors;
    std::string product;
    std::string label; // "CPE product", "advisory product"
};

/// The product identities of an advisory, each once, in record order: for each affected item
/// its product name (with the item's vendor name and its CPE's vendor) and its CPE's product
/// (same vendors); then the product of every CPE in Advisory::cpes not yet seen, with its
/// vendor. Unparsable CPEs are skipped.
std::vector<ProductIdentity> advisoryProducts(const Advisory& advisory);

/// An advisory product prepared for comparison.
///
/// Names: the product, normalized (AsGiven); the product without a leading token run that
/// spells one of its vendor names (VendorDropped: "Apache Log4j" with vendor "Apache Software
/// Foundation" → log4j; "Trend Micro Scan Engine" with vendor trendmicro → scan_engine;
/// "ruby-git_ruby-git" with vendor ruby-git → ruby_git); the product with a vendor name put in
/// front (VendorAdded: apache + log4j → apache_log4j, to meet a component called "Apache Log4j").
class AdvisoryProductNames {
public:
    explicit AdvisoryProductNames(const ProductIdentity& identity);

    const std::vector<NameVariant>& variants() const { return variants_; }
    const std::vector<VendorName>& vendors() const { return vendors_; }
    const std::string& product() const { return product_; }

private:
    std::vector<NameVariant> variants_;
    std::vector<VendorName> vendors_;
    std::string product_;
};

/// Compares the names. Names meet when a component key equals an advisory key; never on a
/// part of a token (log4net ≠ log4j, http_server ≠ log4j, libcurl ≠ curl, openssl_libs ≠
/// openssl). Of all meetings the best is taken, and it matches by this table ("class" is the
/// weaker form's: 0 AsGiven/VendorAdded, 1 NamespaceDropped/VendorDropped, 2 CoreDropped; one
/// more when the key is a single generic word, see isGenericName):
///
///   class 0: matches whatever the vendors say (with Differs the caller lowers confidence);
///   class 1: matches when vendors agree or are unknown, not when they differ;
///   class 2: matches only when vendors agree;
///   class 3: never.
NameMatch matchNames(const ComponentNames& component, const AdvisoryProductNames& product);

/// Convenience: prepares both sides and compares them.
NameMatch matchName(const Component& component, const ProductIdentity& product);

/// The vendor check on its own: Agrees when a vendor name of one side spells a vendor name of
/// the other or its leading words (`apache` ~ `Apache Software Foundation`, `redhat` ~ `Red Hat,
/// Inc.`, `trendmicro` ~ `Trend Micro`; Japanese names agree when one starts with the other,
/// `日立` ~ `日立製作所`); Differs when both sides have ASCII names (the component's able to
/// contradict) and none agrees, unless an advisory vendor spells `productKey` itself (NVD's
/// `snakeyaml_project` for snakeyaml: Unknown); else Unknown. `why` gets a short explanation.
VendorCheck checkVendors(const std::vector<VendorName>& component,
                         const std::vector<VendorName>& advisory, std::string_view productKey,
                         std::string* why = nullptr);

/// True when `key` (normalizeComponentName form) is one generic word that names no particular
/// software ("core", "api", "server", "office", "kernel", "脆弱性", "サーバ", …; the list is in
/// names.cpp and docs/matching.md). Such names need stronger evidence to match, and are
/// not used as keywords.
bool isGenericName(std::string_view key);

} // namespace vw
