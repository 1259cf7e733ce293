// Small ASCII text helpers shared by the parsers. Pure functions, std only.
// Every helper is byte-oriented and ASCII-only: bytes >= 0x80 (UTF-8 sequences) are never
// spaces, digits or letters and are never case-mapped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// ' ', '\t', '\n', '\r', '\f' or '\v' (C "isspace" in the C locale, without the locale).
/// (Inline: the parsers call these once per byte.)
inline bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// '0'..'9'.
inline bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

/// 'A'..'Z' mapped to 'a'..'z'; every other byte unchanged.
inline char toLower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with 'A'..'Z' mapped to 'a'..'z'; every other byte unchanged.
std::string lowerAscii(std::string_view text);

/// `text` without leading and trailing isSpace() bytes (U+3000 and other non-ASCII spaces
/// are kept; see trimId in core/ids.cpp for the variant that drops U+3000 too).
std::string_view trim(std::string_view text);

/// `items` joined by `separator`, which goes only after text already written (leading empty
/// items add nothing).
std::string join(const std::vector<std::string>& items, std::string_view separator);

/// The lines of `text`, split at '\n': empty lines kept, none after a final '\n', none for "".
std::vector<std::string> textLines(std::string_view text);

/// Same length and equal after toLower() on both sides.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

/// `text` begins with `prefix`, compared as by equalsIgnoreCase().
bool startsWithIgnoreCase(std::string_view text, std::string_view prefix);

/// The value of a hexadecimal digit ('0'..'9', 'a'..'f', 'A'..'F'), else -1.
int hexValue(char c);

/// `text` percent-encoded (upper-case hex) except for RFC 3986's unreserved characters
/// (ASCII letters, digits, '-', '.', '_', '~') and the bytes in `keep`.
std::string percentEncoded(std::string_view text, std::string_view keep = {});

/// Appends `codePoint` to `out` as UTF-8 (U+FFFD for surrogates and values past U+10FFFF).
void appendUtf8(std::string& out, char32_t codePoint);

/// `codePoint` as Unicode writes it in prose: "U+000D", "U+3000", "U+1F600".
std::string codePointName(char32_t codePoint);

/// `text` made safe for a terminal: C0 controls, DEL and C1 controls (U+0080–U+009F) are shown
/// as `\xNN` / `\u0085`, so feed or mail text can neither move the cursor, retitle or clear the
/// terminal nor fake extra lines. With `keepNewlines`, LF stays (for multi-line fields) and TAB
/// too; otherwise LF, CR and TAB become one space each.
std::string terminalSafe(std::string_view text, bool keepNewlines = false);

/// `text` HTML-escaped: & < > " ' as entities (for element content and quoted attributes).
std::string htmlEscape(std::string_view text);

} // namespace vw
