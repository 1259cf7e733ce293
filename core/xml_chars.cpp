#include "core/xml_chars.h"

#include "core/text.h"

#include <array>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vw {

namespace {

bool allowedCodePoint(std::uint32_t cp) {
    if (cp < 0x20) {
        return cp == 0x09 || cp == 0x0A || cp == 0x0D;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return false;
    }
    return cp != 0xFFFE && cp != 0xFFFF && cp <= 0x10FFFF;
}

/// Bytes that may start something forbidden: C0 controls (not TAB, LF, CR), `&` (a character
/// reference), 0xED (UTF-8 of a surrogate) and 0xEF (UTF-8 of U+FFFE, U+FFFF).
constexpr std::array<bool, 256> interestingBytes() {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c) {
        table[c] = c != 0x09 && c != 0x0A && c != 0x0D;
    }
    table['&'] = true;
    table[0xED] = true;
    table[0xEF] = true;
    return table;
}

constexpr std::array<bool, 256> kInteresting = interestingBytes();

/// The character reference at `xml[i] == '&'`: its code point, or nullopt when it is not a
/// complete numeric reference (left to the parser). Values too large are reported as 0x110000.
std::optional<std::uint32_t> numericReference(std::string_view xml, std::size_t i,
                                              std::size_t& length) {
    if (i + 2 >= xml.size() || xml[i + 1] != '#') {
        return std::nullopt;
    }
    std::size_t j = i + 2;
    const bool hex = xml[j] == 'x';
    if (hex) {
        ++j;
    }
    const std::size_t digitsStart = j;
    std::uint64_t value = 0;
    for (; j < xml.size() && xml[j] != ';'; ++j) {
        const char c = xml[j];
        int digit = -1;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        }
        if (digit < 0) {
            return std::nullopt;
        }
        value = value * (hex ? 16 : 10) + static_cast<std::uint64_t>(digit);
        if (value > 0x110000) {
            value = 0x110000; // saturate: too large either way
        }
    }
    if (j >= xml.size() || j == digitsStart) {
        return std::nullopt;
    }
    length = j + 1 - i;
    return static_cast<std::uint32_t>(value);
}

/// What the byte at `i` starts, if it is forbidden: a C0 control (not TAB, LF, CR), a
/// character reference to a forbidden code point, a surrogate or U+FFFE/U+FFFF in UTF-8.
std::optional<ForbiddenXmlChar> forbiddenAt(std::string_view xml, std::size_t i) {
    const auto* data = reinterpret_cast<const unsigned char*>(xml.data());
    const std::size_t size = xml.size();
    const unsigned char c = data[i];
    if (!kInteresting[c]) {
        return std::nullopt;
    }
    if (c < 0x20) {
        return ForbiddenXmlChar{i, "control character " + codePointName(c)};
    }
    if (c == '&') {
        std::size_t length = 0;
        const std::optional<std::uint32_t> cp = numericReference(xml, i, length);
        if (cp && !allowedCodePoint(*cp)) {
            return ForbiddenXmlChar{i, "character reference " + std::string(xml.substr(i, length)) +
                                           (*cp > 0x10FFFF ? std::string(" (beyond U+10FFFF)")
                                                           : " (" + codePointName(*cp) + ")")};
        }
        return std::nullopt;
    }
    if (i + 2 >= size) {
        return std::nullopt;
    }
    if (c == 0xED && data[i + 1] >= 0xA0 && data[i + 1] <= 0xBF) {
        const std::uint32_t cp = 0xD000u | ((data[i + 1] & 0x3Fu) << 6) | (data[i + 2] & 0x3Fu);
        return ForbiddenXmlChar{i, "surrogate " + codePointName(cp) + " encoded in UTF-8"};
    }
    if (c == 0xEF && data[i + 1] == 0xBF && (data[i + 2] == 0xBE || data[i + 2] == 0xBF)) {
        return ForbiddenXmlChar{i, "non-character " +
                                       codePointName(data[i + 2] == 0xBE ? 0xFFFE : 0xFFFF)};
    }
    return std::nullopt;
}

#if defined(__SSE2__)
/// Whether the 16 bytes at `p` (and the byte after them) hold a byte forbiddenAt() may report:
/// a C0 control other than TAB, LF, CR; `&`; 0xED; 0xEF followed by 0xBF. Japanese text is
/// mostly three-byte UTF-8 whose lead is E3 and whose fullwidth punctuation is EF BC/BD, so
/// most blocks of a feed hold none (a 52 MB VULDEF file: 9 instructions a byte one at a time).
bool mayHoldForbidden(const unsigned char* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    // bytes <= 0x1F: max(v, 0x1F) == 0x1F (unsigned)
    const __m128i low = _mm_set1_epi8(0x1F);
    __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
    const __m128i allowed = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x09)),
                                                      _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0A))),
                                         _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0D)));
    control = _mm_andnot_si128(allowed, control);
    const __m128i amp = _mm_cmpeq_epi8(v, _mm_set1_epi8('&'));
    const __m128i surrogate = _mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(0xED)));
    const __m128i nonChar =
        _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(0xEF))),
                      _mm_cmpeq_epi8(next, _mm_set1_epi8(static_cast<char>(0xBF))));
    const __m128i any = _mm_or_si128(_mm_or_si128(control, amp), _mm_or_si128(surrogate, nonChar));
    return _mm_movemask_epi8(any) != 0;
}
#endif

} // namespace

std::optional<ForbiddenXmlChar> findForbiddenXmlChar(std::string_view xml) {
    // UTF-16 (a byte order mark, or "<" with a zero byte beside it) is checked by its parser
    // after conversion, not here byte by byte.
    if (xml.size() >= 2 &&
        (xml.substr(0, 2) == "\xFE\xFF" || xml.substr(0, 2) == "\xFF\xFE" ||
         (xml[0] == '\0' && xml[1] == '<') || (xml[0] == '<' && xml[1] == '\0'))) {
        return std::nullopt;
    }
    return findForbiddenXmlCharInUtf8(xml);
}

std::optional<ForbiddenXmlChar> findForbiddenXmlCharInUtf8(std::string_view xml) {
    const std::size_t size = xml.size();
    std::size_t i = 0;
#if defined(__SSE2__)
    // Sixteen bytes at a time; a block that may hold something is looked at byte by byte.
    constexpr std::size_t kBlock = 16;
    const auto* data = reinterpret_cast<const unsigned char*>(xml.data());
    for (; i + kBlock < size; i += kBlock) { // the byte after the block is read too
        if (!mayHoldForbidden(data + i)) {
            continue;
        }
        for (std::size_t j = i; j < i + kBlock; ++j) {
            if (std::optional<ForbiddenXmlChar> found = forbiddenAt(xml, j)) {
                return found;
            }
        }
    }
#endif
    for (; i < size; ++i) {
        if (std::optional<ForbiddenXmlChar> found = forbiddenAt(xml, i)) {
            return found;
        }
    }
    return std::nullopt;
}

std::string forbiddenXmlCharMessage(const ForbiddenXmlChar& found) {
    return "not well-formed XML: " + found.what + " is not allowed in XML (XML 1.0 section 2.2)";
}

} // namespace vw
