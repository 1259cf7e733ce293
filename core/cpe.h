// CPE names, 2.2 URI (`cpe:/a:vendor:product:version`) and 2.3 formatted string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vw {

struct Cpe {
    char part = 'a';    // a, o, h; '*' when the name leaves it open (2.3 `*`, 2.2 empty)
    std::string vendor; // lower case, percent-decoded, `\` escapes removed
    std::string product;
    std::string version; // empty or "*" / "-" means any / not applicable
};

/// Parses either form. Returns nullopt for malformed names (spaces, missing parts).
std::optional<Cpe> parseCpe(std::string_view text);

} // namespace vw
