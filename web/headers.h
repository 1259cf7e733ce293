// The security headers of every response of `vulnwatch serve` (docs/web.md "Headers").
#pragma once

#include "web/http.h"

#include <string_view>

namespace vw::web {

/// The API's Content-Security-Policy: nothing may load, nothing may frame it.
inline constexpr std::string_view kApiCsp =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// The pages' policy: their own scripts, styles and images only (no inline script, no CDN),
/// forms back to this origin, never framed.
inline constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

/// Adds to `response` what every response carries: Content-Security-Policy (`csp`),
/// X-Content-Type-Options, Referrer-Policy, X-Frame-Options, Cross-Origin-Opener-Policy,
/// Cross-Origin-Resource-Policy, Permissions-Policy, Strict-Transport-Security when `secure`,
/// and Cache-Control: no-store unless the response set its own. Fields the response already
/// has are kept.
void addSecurityHeaders(HttpResponse& response, bool secure, std::string_view csp = kApiCsp);

} // namespace vw::web
