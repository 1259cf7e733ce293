// Reading the JSON documents of the CLI contract (records as `parse` prints them, the product
// registry as `products export` writes it) with Poco::JSON. Writing is core/json_writer.h.
#pragma once

#include "core/advisory.h"
#include "core/product.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace vw {

class JsonInputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One record object (a line of `parse` output). Throws JsonInputError naming the bad field.
Advisory advisoryFromJson(const std::string& json);

/// A registry document `{"products":[…]}`. Throws JsonInputError naming the bad field.
std::vector<RegisteredProduct> productsFromJson(const std::string& json);

} // namespace vw
