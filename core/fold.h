// Unicode folding and tokenizing for comparing names and searching advisory text: the one place
// that decides when two spellings of a name are "the same text". Pure functions over UTF-8 (ICU
// normalization inside; nothing else). The rules are written down in docs/matching.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// `utf8` in its comparable form: Unicode NFKC with case folding (ICU's NFKC_Casefold), so
/// full-width letters and digits become ASCII ("Ａｐａｃｈｅ Ｌｏｇ４ｊ" → "apache log4j"),
/// half-width katakana become full-width ("ｻｲﾎﾞｳｽﾞ" → "サイボウズ"), letters are case-folded and
/// default-ignorable characters (zero-width space, soft hyphen, BOM) are dropped; then every run
/// of white space (ASCII spaces and controls \t \n \v \f \r, U+0085, U+2028, U+2029; U+3000 and
/// U+00A0 are spaces by then) becomes one ' ', and leading and trailing spaces go.
/// Invalid UTF-8 never throws: each ill-formed sequence becomes U+FFFD. Pure ASCII input takes a
/// fast path (ASCII lower case, no ICU) with the same result.
std::string foldText(std::string_view utf8);

/// One token of a TokenizedText: bytes [begin, end) of TokenizedText::text.
struct TextToken {
    std::size_t begin = 0;
    std::size_t end = 0;
    /// A run of Han, hiragana, katakana (with ー and 々) or hangul characters. These scripts
    /// write words without spaces, so such a run is a whole phrase, not a word.
    bool cjk = false;
};

/// Text cut into tokens, the tokens written one after another with one separator byte between
/// two tokens (none before the first or after the last).
struct TokenizedText {
    std::string text;
    std::vector<TextToken> tokens;
};

/// Cuts `folded` (the output of foldText) into tokens. A token is a maximal run of word
/// characters of one kind:
/// - word characters are letters, marks and digits of any script (Unicode L*, M*, N*), plus '+'
///   and '#' inside or at the end of a non-CJK token ("c++", "c#"; a '+' or '#' that would start
///   a token is a separator);
/// - everything else (spaces, '_', '-', '.', '/', ':', '・', brackets, …) separates tokens;
/// - a change between CJK and other word characters also ends a token: "log4jの脆弱性" is
///   "log4j" + "の脆弱性", "サイボウズOffice" is "サイボウズ" + "office".
/// The tokens are written to `text` joined by `separator`.
TokenizedText tokenizeFolded(std::string_view folded, char separator);

/// The comparable form of a component or product name: foldText, then tokenizeFolded joined by
/// '_'. So "HTTP Server", "http_server", "http-server" and "Http.Server" are all "http_server",
/// "Ｌｏｇ４ｊ" is "log4j", "サイボウズ Office" and "サイボウズOffice" are "サイボウズ_office", and
/// a CPE product ("mysql_connector/j") and the name people write ("MySQL Connector/J") meet. Purely
/// textual: a purl or "group:artifact" is not taken apart (see parsePurl and ComponentNames for
/// that); "" when the name has no word characters.
std::string normalizeComponentName(std::string_view name);

/// True when `text` is well-formed UTF-8 (no stray or missing continuation bytes, no overlong
/// forms, no surrogates, nothing past U+10FFFF).
bool isWellFormedUtf8(std::string_view text);

} // namespace vw
