#include "web/headers.h"

namespace vw::web {
namespace {

void addIfMissing(HttpResponse& r, std::string_view name, std::string_view value) {
    if (r.header(name).empty()) {
        r.headers.emplace_back(std::string(name), std::string(value));
    }
}

} // namespace

void addSecurityHeaders(HttpResponse& response, bool secure, std::string_view csp) {
    addIfMissing(response, "Content-Security-Policy", csp);
    addIfMissing(response, "X-Content-Type-Options", "nosniff");
    addIfMissing(response, "Referrer-Policy", "no-referrer");
    addIfMissing(response, "X-Frame-Options", "DENY");
    addIfMissing(response, "Cross-Origin-Opener-Policy", "same-origin");
    addIfMissing(response, "Cross-Origin-Resource-Policy", "same-origin");
    addIfMissing(response, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    addIfMissing(response, "Cache-Control", "no-store");
    if (secure) {
        addIfMissing(response, "Strict-Transport-Security", "max-age=31536000");
    }
}

} // namespace vw::web
