// The manufacturer's registered products and their components (the product registry).
#pragma once

#include <string>
#include <vector>

namespace vw {

struct Component {
    std::string vendor;            // the CPE vendor or the supplier as given; may be empty
    std::string name;              // as the SBOM or the user gave it
    std::string version;           // may be empty
    std::vector<std::string> cpes; // CPE 2.2 or 2.3 names, in the order given; may be empty
    std::string purl;              // may be empty
    std::string supplier;          // SBOM supplier / originator name; may be empty
};

/// One registered version of a product as matching sees it: the registry is a list of these,
/// in registry order, several with the same name when a product has several versions (the
/// store's `product_version` rows, each with its own components; owners, keywords and CPEs are
/// the product's unless the version sets its own).
struct Product {
    std::string name;                // the product's name
    std::string version;             // this version; "" for a product registered without one
    std::vector<std::string> owners; // e-mail addresses
    std::vector<std::string> keywords;
    std::vector<std::string> cpes; // CPEs given with `products add --cpe`
    std::vector<Component> components;
};

/// One version of a registered product as the registry keeps it.
struct ProductVersion {
    std::string version;             // "" for a product registered without a version
    std::vector<std::string> owners; // its own owners; empty: the product's
    std::vector<Component> components;
    bool removed = false; // removed versions keep their history and match nothing
};

/// A product as the registry keeps it (the products JSON in DESIGN.md): product-wide fields and
/// its versions.
struct RegisteredProduct {
    std::string name;
    std::vector<std::string> owners;
    std::vector<std::string> keywords;
    std::vector<std::string> cpes;
    std::vector<ProductVersion> versions;
    bool removed = false; // removed products keep their history and match nothing
    /// SSVC's Mission & Well-being of the product (docs/cases.md "Priority (SSVC)"): "low",
    /// "medium" or "high" (a patient-safety function is high); "" when not set (taken as
    /// medium).
    std::string mission;
};

/// The registry as matching sees it: one Product per version that is not removed (of a product
/// that is not removed), in registry order, owners inherited from the product unless the
/// version sets its own.
std::vector<Product> activeVersions(const std::vector<RegisteredProduct>& registry);

} // namespace vw
