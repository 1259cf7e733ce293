#include "core/fold.h"

#include "core/text.h"

#include <climits>
#include <cstdint>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

namespace vw {

namespace {

/// ICU's NFKC_Casefold normalizer: a process-wide immutable singleton, looked up once.
/// nullptr only when ICU's data is missing (then foldText falls back to ASCII lower case).
const icu::Normalizer2* nfkcCasefold() {
    static const icu::Normalizer2* const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
        return U_SUCCESS(status) ? normalizer : nullptr;
    }();
    return instance;
}

bool isAscii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return false;
        }
    }
    return true;
}

/// Appends `text` to `out` with every white-space run turned into one ' ' and no leading or
/// trailing space; with `lower`, 'A'..'Z' become 'a'..'z' on the way.
void appendCollapsed(std::string& out, std::string_view text, bool lower) {
    bool pendingSpace = false;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        std::size_t spaceLength = 0;
        if (isSpace(c)) {
            spaceLength = 1;
        } else if (c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\x85') {
            spaceLength = 2; // U+0085 NEXT LINE
        } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
                   (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
            spaceLength = 3; // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
        }
        if (spaceLength > 0) {
            pendingSpace = !out.empty();
            i += spaceLength;
            continue;
        }
        if (pendingSpace) {
            out += ' ';
            pendingSpace = false;
        }
        out += lower ? toLower(c) : c;
        ++i;
    }
}

/// Returned by nextCodePoint for an ill-formed sequence (a literal U+FFFD is 0xFFFD).
constexpr char32_t kIllFormed = 0xFFFFFFFF;

/// Decodes the code point at `text[i]` and advances `i`. Ill-formed sequences (bad lead byte,
/// missing continuation, overlong, surrogate, past U+10FFFF) yield kIllFormed and advance one
/// byte.
char32_t nextCodePoint(std::string_view text, std::size_t& i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    std::size_t length = 0;
    char32_t value = 0;
    char32_t minimum = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        value = lead & 0x1Fu;
        minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        value = lead & 0x0Fu;
        minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        value = lead & 0x07u;
        minimum = 0x10000;
    } else {
        ++i;
        return kIllFormed;
    }
    if (i + length > text.size()) {
        ++i;
        return kIllFormed;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const auto byte = static_cast<unsigned char>(text[i + k]);
        if ((byte & 0xC0u) != 0x80u) {
            ++i;
            return kIllFormed;
        }
        value = (value << 6) | (byte & 0x3Fu);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        ++i;
        return kIllFormed;
    }
    i += length;
    return value;
}

/// Han, hiragana, katakana (U+30FC ー has Script=Common but Script_Extensions kana), hangul.
bool isCjk(char32_t c) {
    if (c < 0x1100) {
        return false;
    }
    const auto cp = static_cast<UChar32>(c);
    return uscript_hasScript(cp, USCRIPT_HAN) != 0 ||
           uscript_hasScript(cp, USCRIPT_HIRAGANA) != 0 ||
           uscript_hasScript(cp, USCRIPT_KATAKANA) != 0 ||
           uscript_hasScript(cp, USCRIPT_HANGUL) != 0;
}

enum class CharKind { Separator, Word, Cjk, Mark, Joiner };

CharKind kindOf(char32_t c) {
    if (c == kIllFormed) {
        return CharKind::Separator;
    }
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return CharKind::Word;
        }
        return c == '+' || c == '#' ? CharKind::Joiner : CharKind::Separator;
    }
    const auto mask = U_GET_GC_MASK(static_cast<UChar32>(c));
    if ((mask & U_GC_M_MASK) != 0) {
        return CharKind::Mark;
    }
    if ((mask & (U_GC_L_MASK | U_GC_N_MASK)) == 0) {
        return CharKind::Separator;
    }
    return isCjk(c) ? CharKind::Cjk : CharKind::Word;
}

} // namespace

std::string foldText(std::string_view utf8) {
    std::string out;
    if (isAscii(utf8)) {
        out.reserve(utf8.size());
        appendCollapsed(out, utf8, true);
        return out;
    }
    const icu::Normalizer2* normalizer = nfkcCasefold();
    if (normalizer == nullptr || utf8.size() > static_cast<std::size_t>(INT32_MAX)) {
        appendCollapsed(out, utf8, true);
        return out;
    }
    // fromUTF8 replaces ill-formed sequences with U+FFFD.
    const icu::UnicodeString source = icu::UnicodeString::fromUTF8(
        icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString folded = normalizer->normalize(source, status);
    if (U_FAILURE(status)) {
        appendCollapsed(out, utf8, true);
        return out;
    }
    std::string bytes;
    folded.toUTF8String(bytes);
    out.reserve(bytes.size());
    appendCollapsed(out, bytes, false);
    return out;
}

TokenizedText tokenizeFolded(std::string_view folded, char separator) {
    TokenizedText result;
    result.text.reserve(folded.size());
    bool inToken = false;
    bool tokenCjk = false;
    std::size_t i = 0;
    while (i < folded.size()) {
        const std::size_t start = i;
        const char32_t c = nextCodePoint(folded, i);
        const std::string_view bytes = folded.substr(start, i - start);
        CharKind kind = kindOf(c);
        if (kind == CharKind::Mark) {
            // A combining mark belongs to the token it follows; alone it separates.
            kind = inToken ? (tokenCjk ? CharKind::Cjk : CharKind::Word) : CharKind::Separator;
        } else if (kind == CharKind::Joiner) {
            kind = inToken && !tokenCjk ? CharKind::Word : CharKind::Separator;
        }
        if (kind == CharKind::Separator) {
            if (inToken) {
                result.tokens.back().end = result.text.size();
                inToken = false;
            }
            continue;
        }
        const bool cjk = kind == CharKind::Cjk;
        if (inToken && cjk != tokenCjk) {
            result.tokens.back().end = result.text.size();
            inToken = false;
        }
        if (!inToken) {
            if (!result.tokens.empty()) {
                result.text += separator;
            }
            result.tokens.push_back({result.text.size(), result.text.size(), cjk});
            inToken = true;
            tokenCjk = cjk;
        }
        result.text.append(bytes);
    }
    if (inToken) {
        result.tokens.back().end = result.text.size();
    }
    return result;
}

bool isWellFormedUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        if (nextCodePoint(text, i) == kIllFormed) {
            return false;
        }
    }
    return true;
}

std::string normalizeComponentName(std::string_view name) {
    return tokenizeFolded(foldText(name), '_').text;
}

} // namespace vw
