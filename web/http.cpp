#include "web/http.h"

#include "core/text.h"

namespace vw::web {

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (equalsIgnoreCase(n, name)) {
            return v;
        }
    }
    return {};
}

bool HttpRequest::hasHeader(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (equalsIgnoreCase(n, name)) {
            return true;
        }
    }
    return false;
}

void HttpResponse::setHeader(std::string name, std::string value) {
    for (auto& [n, v] : headers) {
        if (equalsIgnoreCase(n, name)) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (equalsIgnoreCase(n, name)) {
            return v;
        }
    }
    return {};
}

} // namespace vw::web
