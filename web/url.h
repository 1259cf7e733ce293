// Reading request targets: percent-decoding, query strings and the Cookie header. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw::web {

/// `text` with %XX sequences decoded ('+' decoded as a space only when `plusIsSpace`, as in
/// query strings); nullopt for a '%' not followed by two hex digits, or for a decoded NUL.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace = false);

/// The path's segments after `prefix` ("/api/v1"), each decoded ("JVN%2312345678" ->
/// "JVN#12345678"); nullopt when the path does not start with the prefix followed by '/' or
/// the end, or a segment does not decode. An empty trailing segment (a trailing '/') is dropped.
std::optional<std::vector<std::string>> pathSegments(std::string_view path,
                                                     std::string_view prefix);

/// `a=1&b=x%20y` as (name, value) pairs in order, decoded; nullopt when a part does not decode.
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query);

/// The value of cookie `name` in a Cookie header ("a=1; b=2"), or nullopt.
std::optional<std::string> cookieValue(std::string_view cookieHeader, std::string_view name);

} // namespace vw::web
