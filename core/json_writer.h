// A small streaming JSON writer (UTF-8 passes through unescaped) and the contract's JSON forms
// of core values. Reading JSON is the daemon's job (Poco::JSON); core stays dependency-free.
#pragma once

#include "core/advisory.h"
#include "core/match.h"
#include "core/product.h"

#include <string>
#include <string_view>
#include <vector>

namespace vw {

class JsonWriter {
public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(double number); // shortest round-trip form
    JsonWriter& value(long long number);
    JsonWriter& value(int number) { return value(static_cast<long long>(number)); }
    JsonWriter& value(bool flag);
    JsonWriter& null();
    JsonWriter& stringArray(const std::vector<std::string>& items);
    /// Inserts an already serialized JSON value.
    JsonWriter& raw(std::string_view json);
    const std::string& str() const { return out_; }
    /// Room for `bytes` more of text without growing (a large document's growth copies and
    /// first touches of memory cost more than its writing).
    void reserve(std::size_t bytes) { out_.reserve(out_.size() + bytes); }

private:
    void separate();
    std::string out_;
    std::vector<unsigned char> first_; // per open container: no element written yet (1)
    bool afterKey_ = false;
};

/// Appends `text` as a JSON string literal (with quotes) to `out`.
void appendJsonString(std::string& out, std::string_view text);

/// One line, keys in the order of the `parse` contract (DESIGN.md).
std::string toJson(const Advisory& advisory);
/// One line, the `match` contract.
std::string toJson(const Match& match);
/// The registry document `{"products":[{…, "versions":[…]}]}` of `products export`.
std::string toJson(const std::vector<RegisteredProduct>& products);

} // namespace vw
