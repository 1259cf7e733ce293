#include "web/url.h"

#include "core/text.h"

namespace vw::web {

std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt; // fewer than two characters follow
            }
            const int high = hexValue(text[i + 1]);
            const int low = hexValue(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            const char decoded = static_cast<char>(high * 16 + low);
            if (decoded == '\0') {
                return std::nullopt;
            }
            out.push_back(decoded);
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<std::vector<std::string>> pathSegments(std::string_view path,
                                                     std::string_view prefix) {
    if (path.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    std::string_view rest = path.substr(prefix.size());
    if (!rest.empty() && rest.front() != '/') {
        return std::nullopt; // "/api/v10" is not under "/api/v1"
    }
    std::vector<std::string> segments;
    while (!rest.empty()) {
        rest.remove_prefix(1); // the '/'
        const std::size_t slash = std::min(rest.find('/'), rest.size());
        auto segment = percentDecode(rest.substr(0, slash));
        if (!segment) {
            return std::nullopt;
        }
        segments.push_back(std::move(*segment));
        rest.remove_prefix(slash);
    }
    if (!segments.empty() && segments.back().empty()) {
        segments.pop_back();
    }
    return segments;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        const std::size_t amp = std::min(query.find('&'), query.size());
        const std::string_view part = query.substr(0, amp);
        query.remove_prefix(std::min(amp + 1, query.size()));
        if (part.empty()) {
            continue;
        }
        const std::size_t eq = part.find('=');
        auto name = percentDecode(part.substr(0, eq), true);
        auto value = percentDecode(
            eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
        if (!name || !value) {
            return std::nullopt;
        }
        out.emplace_back(std::move(*name), std::move(*value));
    }
    return out;
}

std::optional<std::string> cookieValue(std::string_view cookieHeader, std::string_view name) {
    while (!cookieHeader.empty()) {
        const std::size_t semi = std::min(cookieHeader.find(';'), cookieHeader.size());
        const std::string_view part = trim(cookieHeader.substr(0, semi));
        cookieHeader.remove_prefix(std::min(semi + 1, cookieHeader.size()));
        const std::size_t eq = part.find('=');
        if (eq != std::string_view::npos && trim(part.substr(0, eq)) == name) {
            std::string_view value = trim(part.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
                value = value.substr(1, value.size() - 2);
            }
            return std::string(value);
        }
    }
    return std::nullopt;
}

} // namespace vw::web
