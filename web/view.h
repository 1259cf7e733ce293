// What a page template shows (web/templates/*.mustache, kainjow's Mustache as for the mail):
// a tree of values built by the page code without the Mustache headers. Text is HTML-escaped
// once, when it is set, whichever tag the template uses ({{x}} or {{{x}}}): advisory, mail and
// SBOM text can never become markup. Only html() inserts markup, and only markup the page code
// built itself (the server-rendered SVG charts).
#pragma once

#include "core/text.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vw::web {

class View {
public:
    View();
    ~View();
    View(View&&) noexcept;
    View& operator=(View&&) noexcept;
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    /// `value` as text (escaped). An empty string is still set (use flag() for sections).
    View& text(const std::string& key, std::string_view value);
    /// Markup built by vulnwatch's own code (never from input), inserted as it is.
    View& html(const std::string& key, std::string markup);
    /// true/false for {{#key}} / {{^key}} sections.
    View& flag(const std::string& key, bool value);
    View& number(const std::string& key, std::int64_t value);
    /// The list `key` (created empty: an empty list renders {{^key}}…{{/key}}).
    View& list(const std::string& key);
    /// Appends a new element to the list `key` and returns it (references stay valid).
    View& item(const std::string& key);
    /// The nested object `key` ({{#key}}…{{key.x}}…{{/key}}), created on first use.
    View& object(const std::string& key);

    struct Node;

private:
    friend struct ViewAccess;
    std::map<std::string, std::unique_ptr<Node>> values_;
};

/// The built-in template `name` (web/templates/NAME.mustache) rendered with `view`. Throws
/// std::runtime_error for an unknown template or one that does not render.
std::string renderTemplate(std::string_view name, const View& view);

/// Whether the built-in template `name` exists.
bool hasTemplate(std::string_view name);

/// `text` HTML-escaped (& < > " '): core/text.h's.
using vw::htmlEscape;

/// The embedded static file `name` (web/static/NAME), or nullptr.
struct StaticFile {
    std::string_view name;
    std::string_view text;
    std::string_view contentType;
};
const StaticFile* staticFile(std::string_view name);

} // namespace vw::web
