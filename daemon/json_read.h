// Reading the JSON documents of the CLI contract (records as `parse` prints them, the product
// registry as `products export` writes it) with Poco::JSON (records also with simdjson). Writing is
// core/json_writer.h.
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
/// Read with simdjson (re-matching reads thousands of stored records); a document simdjson
/// refuses (malformed, or not valid UTF-8) goes to advisoryFromJsonPoco, so it reads, or fails,
/// as before.
Advisory advisoryFromJson(const std::string& json);
/// The same reading with Poco's JSON DOM: the fallback above, and the reference tests compare
/// the fast reader with.
Advisory advisoryFromJsonPoco(const std::string& json);

/// A registry document `{"products":[…]}`. Throws JsonInputError naming the bad field.
std::vector<RegisteredProduct> productsFromJson(const std::string& json);

} // namespace vw
