// The manufacturer's registered products and their components (the product registry).
#pragma once

#include <string>
#include <vector>

namespace vw {

struct Component {
    std::string vendor;
    std::string name;
    std::string version;
    std::string cpe;  // CPE 2.2 or 2.3, may be empty
    std::string purl; // may be empty
};

struct Product {
    std::string name; // unique in the registry
    std::string version;
    std::vector<std::string> owners; // e-mail addresses
    std::vector<std::string> keywords;
    std::vector<std::string> cpes; // CPEs given with `products add --cpe`
    std::vector<Component> components;
};

} // namespace vw
