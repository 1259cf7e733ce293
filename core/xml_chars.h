// The characters XML 1.0 forbids (section 2.2, Char): C0 controls but tab, line feed and
// carriage return; surrogates; U+FFFE and U+FFFF. pugixml accepts them, raw or as character
// references (`&#0;` even ends the text there), so every XML input is checked before it is
// parsed. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vw {

/// A forbidden character in XML text: where it starts (byte offset in the text) and what it is
/// ("character reference &#0; (U+0000)", "control character U+0007").
struct ForbiddenXmlChar {
    std::size_t offset = 0;
    std::string what;
};

/// The first character XML 1.0 forbids in `xml`, raw (C0 controls but tab/LF/CR, U+FFFE,
/// U+FFFF, UTF-8-encoded surrogates) or as a decimal or hexadecimal character reference
/// (also one beyond U+10FFFF); nullopt when there is none. Malformed character references
/// (`&#x;`, `&#12a;`) are left to the XML parser. A UTF-16 document (byte order mark, or a
/// zero byte beside its first `<`) is not checked (nullopt).
std::optional<ForbiddenXmlChar> findForbiddenXmlChar(std::string_view xml);

/// As findForbiddenXmlChar, for a piece of a document known to be UTF-8 (no guess at UTF-16
/// from its first bytes). A character at the very end of `xml` is judged only when it is
/// complete there: a character reference without its `;`, or the first one or two bytes of a
/// three-byte sequence, are not reported.
std::optional<ForbiddenXmlChar> findForbiddenXmlCharInUtf8(std::string_view xml);

/// "not well-formed XML: character reference &#0; (U+0000) is not allowed in XML (XML 1.0
/// section 2.2)" — the message for a ForbiddenXmlChar, without its position.
std::string forbiddenXmlCharMessage(const ForbiddenXmlChar& found);

} // namespace vw
