// Errors as RFC 9457 problem details (application/problem+json): a `type` URI naming the kind
// of problem (urn:vulnwatch:problem:SLUG, listed in docs/web.md), a short `title` and a `detail`
// saying what exactly is wrong, in Japanese unless the client prefers English.
#pragma once

#include "web/http.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw::web {

enum class Lang { Ja, En };

/// English when the first language of Accept-Language is English ("en", "en-US"), else
/// Japanese.
Lang preferredLang(std::string_view acceptLanguage);

/// One text in the client's language.
inline std::string tr(Lang lang, std::string_view ja, std::string_view en) {
    return std::string(lang == Lang::En ? en : ja);
}

struct Problem {
    int status = 500;
    std::string slug; // not-found, unauthorized, …
    std::string detail;
    /// Further members as already serialized JSON values (e.g. {"missing_fields", "[…]"}).
    std::vector<std::pair<std::string, std::string>> extensions;
};

/// The problem as a response: status, content type application/problem+json, body
/// {type, title, status, detail, instance, …extensions}; `instance` is the request path.
HttpResponse problemResponse(const Problem& problem, Lang lang, std::string_view instance);

/// The title of a problem slug in the language ("" for an unknown slug).
std::string problemTitle(std::string_view slug, Lang lang);

} // namespace vw::web
