#include "core/version.h"

#include "core/text.h"

#include <algorithm>
#include <utility>

namespace vw {

namespace {

bool isAsciiAlpha(char c) {
    const char lower = toLower(c);
    return lower >= 'a' && lower <= 'z';
}

bool isAsciiAlnum(char c) {
    return isDigit(c) || isAsciiAlpha(c);
}

/// The length of the UTF-8 sequence led by `lead` (1 for ASCII and for stray bytes).
std::size_t utf8Length(char lead) {
    const auto b = static_cast<unsigned char>(lead);
    if (b >= 0xF0 && b <= 0xF4) {
        return 4;
    }
    if (b >= 0xE0) {
        return 3;
    }
    if (b >= 0xC2 && b < 0xE0) {
        return 2;
    }
    return 1;
}

/// The code point of the three-byte UTF-8 sequence at `i`, or 0 when there is none.
char32_t threeByteCodePoint(std::string_view s, std::size_t i) {
    if (i + 2 >= s.size() || utf8Length(s[i]) != 3) {
        return 0;
    }
    const auto b0 = static_cast<unsigned char>(s[i]);
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    const auto b2 = static_cast<unsigned char>(s[i + 2]);
    if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) {
        return 0;
    }
    return (static_cast<char32_t>(b0 & 0x0F) << 12) | (static_cast<char32_t>(b1 & 0x3F) << 6) |
           static_cast<char32_t>(b2 & 0x3F);
}

/// Full-width ASCII (U+FF01–U+FF5E) to ASCII, U+3000 and ASCII white space to ' ', '、' to
/// ',', '〜' to '~', dashes and U+2212 to '-'; everything else unchanged.
std::string foldWidth(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const char32_t cp = threeByteCodePoint(text, i);
        char ascii = 0;
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            ascii = static_cast<char>(cp - 0xFEE0);
        } else if (cp == 0x3000) {
            ascii = ' ';
        } else if (cp == 0x3001) {
            ascii = ',';
        } else if (cp == 0x301C) {
            ascii = '~';
        } else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212) {
            ascii = '-';
        }
        if (ascii != 0) {
            out.push_back(ascii);
            i += 3;
        } else if (isSpace(text[i])) {
            out.push_back(' ');
            ++i;
        } else {
            out.push_back(text[i]);
            ++i;
        }
    }
    return out;
}

/// foldWidth(), runs of spaces collapsed to one, trimmed.
std::string normalizeText(std::string_view text) {
    const std::string folded = foldWidth(text);
    std::string out;
    out.reserve(folded.size());
    for (const char c : folded) {
        if (c == ' ' && (out.empty() || out.back() == ' ')) {
            continue;
        }
        out.push_back(c);
    }
    if (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

void replaceAll(std::string& text, std::string_view from, std::string_view to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

// --- ordering --------------------------------------------------------------------------------

/// `text` (lower case, folded) without a leading version prefix when a digit follows it.
std::string_view stripVersionPrefix(std::string_view text) {
    text = trim(text);
    if (text.starts_with("バージョン")) {
        text = trim(text.substr(std::string_view("バージョン").size()));
    }
    for (const std::string_view prefix : {"version", "ver.", "ver", "v"}) {
        if (!text.starts_with(prefix)) {
            continue;
        }
        std::string_view rest = text.substr(prefix.size());
        if (prefix != "v") {
            while (!rest.empty() && (rest.front() == ' ' || rest.front() == '.')) {
                rest.remove_prefix(1);
            }
        }
        if (!rest.empty() && isDigit(rest.front())) {
            return rest;
        }
    }
    return text;
}

struct Segment {
    enum class Kind { PreRelease, Word, Number };
    Kind kind = Kind::Number;
    int rank = 0;     // PreRelease: dev 0, alpha 1, beta 2, pre 3, rc 4
    std::string text; // Word: the word; Number: the digits without leading zeros ("" is 0)
};

/// The rank of a pre-release word, or -1.
int preReleaseRank(std::string_view word) {
    if (word == "dev" || word == "snapshot") {
        return 0;
    }
    if (word == "alpha") {
        return 1;
    }
    if (word == "beta") {
        return 2;
    }
    if (word == "pre" || word == "preview") {
        return 3;
    }
    if (word == "rc" || word == "cr") {
        return 4;
    }
    return -1;
}

/// Drops the zero numbers that end the run of numbers at the back of `segments`.
void popTrailingZeros(std::vector<Segment>& segments) {
    while (!segments.empty() && segments.back().kind == Segment::Kind::Number &&
           segments.back().text.empty()) {
        segments.pop_back();
    }
}

/// The segments of a version (see compareVersions()); with `trimZeros`, runs of numbers lose
/// their trailing zeros.
std::vector<Segment> segmentsOf(std::string_view version, bool trimZeros) {
    std::string folded = lowerAscii(foldWidth(version));
    replaceAll(folded, "ビルド", " build ");
    replaceAll(folded, "サービスパック", " sp ");
    replaceAll(folded, "service pack", " sp ");
    const std::string_view text = stripVersionPrefix(folded);

    std::vector<Segment> segments;
    for (std::size_t i = 0; i < text.size();) {
        if (isDigit(text[i])) {
            std::size_t end = i;
            while (end < text.size() && isDigit(text[end])) {
                ++end;
            }
            std::string_view digits = text.substr(i, end - i);
            while (!digits.empty() && digits.front() == '0') {
                digits.remove_prefix(1);
            }
            segments.push_back({Segment::Kind::Number, 0, std::string(digits)});
            i = end;
        } else if (isAsciiAlpha(text[i])) {
            std::size_t end = i;
            while (end < text.size() && isAsciiAlpha(text[end])) {
                ++end;
            }
            std::string word(text.substr(i, end - i));
            i = end;
            if (word == "final" || word == "release" || word == "ga" || word == "stable") {
                continue;
            }
            if (trimZeros) {
                popTrailingZeros(segments);
            }
            if (const int rank = preReleaseRank(word); rank >= 0) {
                segments.push_back({Segment::Kind::PreRelease, rank, std::move(word)});
                continue;
            }
            if (word == "update") {
                word = "u";
            } else if (word == "patch") {
                word = "p";
            } else if (word == "revision" || word == "rev") {
                word = "r";
            } else if (word == "servicepack") {
                word = "sp";
            }
            segments.push_back({Segment::Kind::Word, 0, std::move(word)});
        } else {
            ++i;
        }
    }
    if (trimZeros) {
        popTrailingZeros(segments);
    }
    return segments;
}

/// Order of the kinds at one position: pre-release < end < word < number.
int kindOrder(const Segment* segment) {
    if (segment == nullptr) {
        return 1;
    }
    switch (segment->kind) {
    case Segment::Kind::PreRelease:
        return 0;
    case Segment::Kind::Word:
        return 2;
    case Segment::Kind::Number:
        return 3;
    }
    return 1;
}

int sign(int value) {
    return (value > 0) - (value < 0);
}

int compareSegments(const Segment* a, const Segment* b) {
    const int ka = kindOrder(a);
    const int kb = kindOrder(b);
    if (ka != kb) {
        return ka < kb ? -1 : 1;
    }
    if (a == nullptr || b == nullptr) {
        return 0;
    }
    switch (a->kind) {
    case Segment::Kind::PreRelease:
        return sign(a->rank - b->rank);
    case Segment::Kind::Word:
        return sign(a->text.compare(b->text));
    case Segment::Kind::Number:
        if (a->text.size() != b->text.size()) {
            return a->text.size() < b->text.size() ? -1 : 1;
        }
        return sign(a->text.compare(b->text));
    }
    return 0;
}

/// The numbers a version starts with, zeros kept ("10.0-beta" → 10, 0); empty when it does not
/// start with a number.
std::vector<std::string> leadingNumbers(std::string_view version) {
    std::vector<std::string> numbers;
    for (const Segment& segment : segmentsOf(version, false)) {
        if (segment.kind != Segment::Kind::Number) {
            break;
        }
        numbers.push_back(segment.text);
    }
    return numbers;
}

} // namespace

int compareVersions(std::string_view a, std::string_view b) {
    const std::vector<Segment> sa = segmentsOf(a, true);
    const std::vector<Segment> sb = segmentsOf(b, true);
    for (std::size_t i = 0; i < std::max(sa.size(), sb.size()); ++i) {
        const int order =
            compareSegments(i < sa.size() ? &sa[i] : nullptr, i < sb.size() ? &sb[i] : nullptr);
        if (order != 0) {
            return order;
        }
    }
    return 0;
}

bool isComparableVersion(std::string_view version) {
    const std::string folded = lowerAscii(foldWidth(version));
    const std::string_view text = stripVersionPrefix(folded);
    return std::any_of(text.begin(), text.end(), [](char c) { return isDigit(c); });
}

// --- reading VersionNumber texts -------------------------------------------------------------

namespace {

enum class Tok {
    Version, // a version with its suffixes
    Cves,    // "(CVE-2025-0354、CVE-2025-0355)"
    All,     // 全てのバージョン
    Le,      // 以前, 以下, およびそれ以前, まで, and earlier
    Lt,      // 未満, より前
    Ge,      // 以上, 以降, and later
    Gt,      // より後, 超
    To,      // から, ~, -, to, through
    Series,  // 系
    Sep,     // 、 , および と and or /
    PreLt,   // prior to, before, <
    PreLe,   // up to, <=
    PreGe,   // >=
    PreGt,   // >
    From,    // from
    Between, // between
    Filler,  // のバージョン, バージョン, の, 版, versions
    Unknown, // anything else
};

struct Keyword {
    std::string_view text; // ASCII in lower case
    Tok kind;
};

constexpr Keyword kKeywords[] = {
    {"全てのバージョン", Tok::All},
    {"すべてのバージョン", Tok::All},
    {"全バージョン", Tok::All},
    {"全版", Tok::All},
    {"all versions", Tok::All},
    {"およびそれ以前", Tok::Le},
    {"及びそれ以前", Tok::Le},
    {"並びにそれ以前", Tok::Le},
    {"とそれ以前", Tok::Le},
    {"以前", Tok::Le},
    {"以下", Tok::Le},
    {"まで", Tok::Le},
    {"and earlier", Tok::Le},
    {"or earlier", Tok::Le},
    {"and prior", Tok::Le},
    {"or prior", Tok::Le},
    {"and older", Tok::Le},
    {"or older", Tok::Le},
    {"and below", Tok::Le},
    {"or below", Tok::Le},
    {"and lower", Tok::Le},
    {"or lower", Tok::Le},
    {"より前", Tok::Lt},
    {"よりも前", Tok::Lt},
    {"未満", Tok::Lt},
    {"およびそれ以降", Tok::Ge},
    {"及びそれ以降", Tok::Ge},
    {"とそれ以降", Tok::Ge},
    {"以上", Tok::Ge},
    {"以降", Tok::Ge},
    {"and later", Tok::Ge},
    {"or later", Tok::Ge},
    {"and above", Tok::Ge},
    {"or above", Tok::Ge},
    {"and higher", Tok::Ge},
    {"or higher", Tok::Ge},
    {"and newer", Tok::Ge},
    {"or newer", Tok::Ge},
    {"より後", Tok::Gt},
    {"よりも後", Tok::Gt},
    {"より新しい", Tok::Gt},
    {"超", Tok::Gt},
    {"から", Tok::To},
    {"~", Tok::To},
    {"-", Tok::To},
    {"to", Tok::To},
    {"through", Tok::To},
    {"thru", Tok::To},
    {"系", Tok::Series},
    {",", Tok::Sep},
    {";", Tok::Sep},
    {"/", Tok::Sep},
    {"&", Tok::Sep},
    {"および", Tok::Sep},
    {"及び", Tok::Sep},
    {"並びに", Tok::Sep},
    {"と", Tok::Sep},
    {"and", Tok::Sep},
    {"or", Tok::Sep},
    {"prior to", Tok::PreLt},
    {"before", Tok::PreLt},
    {"earlier than", Tok::PreLt},
    {"older than", Tok::PreLt},
    {"<", Tok::PreLt},
    {"up to and including", Tok::PreLe},
    {"up to", Tok::PreLe},
    {"<=", Tok::PreLe},
    {"=<", Tok::PreLe},
    {">=", Tok::PreGe},
    {"=>", Tok::PreGe},
    {">", Tok::PreGt},
    {"from", Tok::From},
    {"between", Tok::Between},
    {"のバージョン", Tok::Filler},
    {"バージョン", Tok::Filler},
    {"の", Tok::Filler},
    {"版", Tok::Filler},
    {"もの", Tok::Filler},
    {"versions", Tok::Filler},
    {"version", Tok::Filler},
    {"ver.", Tok::Filler},
    {"ver", Tok::Filler},
};

struct Token {
    Tok kind = Tok::Unknown;
    std::size_t begin = 0; // byte offsets into the normalized text
    std::size_t end = 0;
    std::string version;           // Version: canonical
    bool series = false;           // Version: "2.x"
    std::string qualifier;         // Version: a platform in parentheses
    std::vector<std::string> cves; // Cves
};

/// The text at `at` begins with `word` (ASCII compared ignoring case); a word beginning or
/// ending with an ASCII letter must not touch another letter or digit there.
bool matchesWord(std::string_view s, std::size_t at, std::string_view word) {
    if (!startsWithIgnoreCase(s.substr(at), word)) {
        return false;
    }
    if (isAsciiAlpha(word.front()) && at > 0 && isAsciiAlnum(s[at - 1])) {
        return false;
    }
    const std::size_t end = at + word.size();
    return !(isAsciiAlpha(word.back()) && end < s.size() && isAsciiAlnum(s[end]));
}

/// The longest keyword at `at`.
const Keyword* keywordAt(std::string_view s, std::size_t at) {
    const Keyword* best = nullptr;
    for (const Keyword& keyword : kKeywords) {
        if ((best == nullptr || keyword.text.size() > best->text.size()) &&
            matchesWord(s, at, keyword.text)) {
            best = &keyword;
        }
    }
    return best;
}

std::size_t skipSpaces(std::string_view s, std::size_t at) {
    while (at < s.size() && s[at] == ' ') {
        ++at;
    }
    return at;
}

std::size_t skipDigits(std::string_view s, std::size_t at) {
    while (at < s.size() && isDigit(s[at])) {
        ++at;
    }
    return at;
}

/// A suffix of a version at `at` ("build 1577", "SP2", "Service Pack 2", "R4", "Update 3",
/// "RC1"): its canonical text (with the leading space or dash) and where it ends.
std::optional<std::pair<std::string, std::size_t>> suffixAt(std::string_view s, std::size_t at) {
    struct Suffix {
        std::string_view word;
        std::string_view canonical;
        bool numberRequired;
    };
    static constexpr Suffix kSuffixes[] = {
        {"service pack", " SP", true},   {"servicepack", " SP", true},
        {"サービスパック", " SP", true}, {"sp", " SP", true},
        {"build", " build ", true},      {"ビルド", " build ", true},
        {"update", " update ", true},    {"patch", " patch ", true},
        {"revision", " rev ", true},     {"rev.", " rev ", true},
        {"rev", " rev ", true},          {"r", " R", true},
        {"alpha", "-alpha", false},      {"beta", "-beta", false},
        {"preview", "-preview", false},  {"rc", "-rc", false},
    };
    for (const Suffix& suffix : kSuffixes) {
        if (!startsWithIgnoreCase(s.substr(at), suffix.word) ||
            (isAsciiAlpha(suffix.word.front()) && at > 0 && isAsciiAlnum(s[at - 1]))) {
            continue;
        }
        std::size_t digits = at + suffix.word.size();
        while (digits < s.size() && (s[digits] == ' ' || s[digits] == '.' || s[digits] == '#')) {
            ++digits;
        }
        const std::size_t end = skipDigits(s, digits);
        if (end == digits) {
            // No number: only a pre-release word may stand alone ("2.0 beta").
            const std::size_t wordEnd = at + suffix.word.size();
            if (suffix.numberRequired || (wordEnd < s.size() && isAsciiAlnum(s[wordEnd]))) {
                continue;
            }
            return std::make_pair(std::string(suffix.canonical), wordEnd);
        }
        if (end < s.size() && isAsciiAlnum(s[end])) {
            continue;
        }
        return std::make_pair(
            std::string(suffix.canonical) + std::string(s.substr(digits, end - digits)), end);
    }
    return std::nullopt;
}

/// A platform named in parentheses after a version.
bool isPlatform(std::string_view inner) {
    const std::string lower = lowerAscii(inner);
    if (lower.find("cve") != std::string::npos) {
        return false;
    }
    for (const std::string_view word :
         {"windows", "linux", "mac", "ios", "android", "unix", "solaris", "aix", "hp-ux", "x86",
          "x64", "amd64", "arm", "32bit", "64bit", "32-bit", "64-bit", "32 bit", "64 bit"}) {
        if (lower.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

bool isVersionSeparator(char c) {
    return c == '.' || c == '-' || c == '_' || c == '+';
}

/// The number of dot-separated numbers at `at` ("2.13.0" → 3) and where they end; 0 when none.
std::pair<int, std::size_t> dottedNumbers(std::string_view s, std::size_t at) {
    int count = 0;
    for (;;) {
        const std::size_t end = skipDigits(s, at);
        if (end == at) {
            return {0, at}; // only before the first number: a dot is followed by a digit
        }
        ++count;
        if (end + 1 < s.size() && s[end] == '.' && isDigit(s[end + 1])) {
            at = end + 1;
            continue;
        }
        return {count, end};
    }
}

/// The dash at `dash` joins two dotted versions of as many numbers (at least two each):
/// "1.0-2.0", "2.4.1-2.4.9"; not "1.0.1-1" (a package revision) nor "2.0-beta1".
bool isRangeDash(std::string_view s, std::size_t body, std::size_t dash) {
    const auto [before, beforeEnd] = dottedNumbers(s, body);
    const auto [after, afterEnd] = dottedNumbers(s, dash + 1);
    return before >= 2 && beforeEnd == dash && after == before &&
           (afterEnd == s.size() ||
            (!isAsciiAlnum(s[afterEnd]) && !isVersionSeparator(s[afterEnd])));
}

/// A version at `at`, which must not follow an ASCII letter or digit: an optional "Version",
/// "Ver.", "Ver" or "V" prefix, a digit-led body, then suffixes.
std::optional<Token> versionAt(std::string_view s, std::size_t at) {
    if (at > 0 && isAsciiAlnum(s[at - 1])) {
        return std::nullopt;
    }
    std::size_t body = at;
    if (!isDigit(s[body])) {
        for (const std::string_view prefix : {"version", "ver.", "ver", "v"}) {
            if (!startsWithIgnoreCase(s.substr(at), prefix)) {
                continue;
            }
            std::size_t after = at + prefix.size();
            if (prefix != "v" && after < s.size() && s[after] == ' ') {
                ++after;
            }
            if (after < s.size() && isDigit(s[after])) {
                body = after;
            }
            break;
        }
        if (!isDigit(s[body])) {
            return std::nullopt;
        }
    }
    std::size_t end = body;
    for (;;) {
        while (end < s.size() && isAsciiAlnum(s[end])) {
            ++end;
        }
        if (end + 1 < s.size() && s[end] == '-' && isRangeDash(s, body, end)) {
            break; // "1.0-2.0": the dash is "to"
        }
        if (end + 1 < s.size() && isVersionSeparator(s[end]) && isAsciiAlnum(s[end + 1])) {
            ++end;
            continue;
        }
        if (end + 1 < s.size() && s[end] == '.' && s[end + 1] == '*') {
            end += 2;
        }
        break;
    }
    Token token;
    token.kind = Tok::Version;
    token.begin = at;
    token.version = std::string(s.substr(body, end - body));
    const std::string_view written = token.version;
    if (written.size() > 2 && written[written.size() - 2] == '.' &&
        (written.back() == '*' || toLower(written.back()) == 'x')) {
        token.series = true;
        token.version.resize(token.version.size() - 2);
        token.end = end;
        return token;
    }
    for (;;) {
        const std::size_t next = skipSpaces(s, end);
        if (next >= s.size()) {
            break;
        }
        if (s[next] == '(') {
            const std::size_t close = s.find(')', next);
            if (close == std::string_view::npos) {
                break;
            }
            const std::string_view inner = trim(s.substr(next + 1, close - next - 1));
            if (inner.find('(') != std::string_view::npos) {
                break;
            }
            if (const auto suffix = suffixAt(inner, 0); suffix && suffix->second == inner.size()) {
                token.version += suffix->first;
            } else if (isPlatform(inner)) {
                token.qualifier += (token.qualifier.empty() ? "" : ", ") + std::string(inner);
            } else {
                break;
            }
            end = close + 1;
            continue;
        }
        const auto suffix = suffixAt(s, next);
        if (!suffix) {
            break;
        }
        token.version += suffix->first;
        end = suffix->second;
    }
    token.end = end;
    return token;
}

/// "(CVE-2025-0354、CVE-2025-0355)" at `at`.
std::optional<Token> cvesAt(std::string_view s, std::size_t at) {
    if (s[at] != '(') {
        return std::nullopt;
    }
    Token token;
    token.kind = Tok::Cves;
    token.begin = at;
    std::size_t i = at + 1;
    for (;;) {
        i = skipSpaces(s, i);
        if (!startsWithIgnoreCase(s.substr(i), "cve-")) {
            return std::nullopt;
        }
        const std::size_t year = i + 4;
        const std::size_t yearEnd = skipDigits(s, year);
        if (yearEnd - year != 4 || yearEnd >= s.size() || s[yearEnd] != '-') {
            return std::nullopt;
        }
        const std::size_t numberEnd = skipDigits(s, yearEnd + 1);
        if (numberEnd - (yearEnd + 1) < 4) {
            return std::nullopt;
        }
        token.cves.push_back("CVE-" + std::string(s.substr(year, numberEnd - year)));
        i = skipSpaces(s, numberEnd);
        if (i < s.size() && s[i] == ')') {
            token.end = i + 1;
            return token;
        }
        const Keyword* separator = i < s.size() ? keywordAt(s, i) : nullptr;
        if (separator == nullptr || separator->kind != Tok::Sep) {
            return std::nullopt;
        }
        i += separator->text.size();
    }
}

std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> tokens;
    for (std::size_t i = skipSpaces(s, 0); i < s.size(); i = skipSpaces(s, i)) {
        if (auto cves = cvesAt(s, i)) {
            i = cves->end;
            tokens.push_back(std::move(*cves));
            continue;
        }
        if (auto version = versionAt(s, i)) {
            i = version->end;
            tokens.push_back(std::move(*version));
            continue;
        }
        if (const Keyword* keyword = keywordAt(s, i)) {
            tokens.push_back({keyword->kind, i, i + keyword->text.size(), {}, false, {}, {}});
            i += keyword->text.size();
            continue;
        }
        std::size_t end = i + 1;
        if (isAsciiAlnum(s[i])) {
            while (end < s.size() && isAsciiAlnum(s[end])) {
                ++end;
            }
        } else {
            end = std::min(s.size(), i + utf8Length(s[i]));
        }
        if (!tokens.empty() && tokens.back().kind == Tok::Unknown) {
            tokens.back().end = end; // one run of unknown text, for the message
        } else {
            tokens.push_back({Tok::Unknown, i, end, {}, false, {}, {}});
        }
        i = end;
    }
    return tokens;
}

bool startsItem(Tok kind) {
    switch (kind) {
    case Tok::Version:
    case Tok::All:
    case Tok::PreLt:
    case Tok::PreLe:
    case Tok::PreGe:
    case Tok::PreGt:
    case Tok::From:
    case Tok::Between:
        return true;
    default:
        return false;
    }
}

/// Reads the items of tokens [from, end) (fillers already dropped) into ranges.
class ItemParser {
public:
    ItemParser(std::string_view text, std::vector<const Token*> tokens)
        : text_(text), tokens_(std::move(tokens)) {}

    /// The ranges, or nullopt with why().
    std::optional<std::vector<VersionRange>> parse() {
        for (const Token* token : tokens_) {
            if (token->kind == Tok::Unknown) {
                return fail("unrecognized text \"" + quote(*token) + "\"");
            }
        }
        if (tokens_.empty()) {
            return fail("no version number");
        }
        std::vector<VersionRange> ranges;
        while (true) {
            const std::size_t first = at_;
            std::optional<VersionRange> range = item();
            if (!range) {
                return std::nullopt;
            }
            if (!range->all && peek(Tok::All)) {
                ++at_; // "より前の全てのバージョン": the words only decorate
            }
            while (peek(Tok::Cves)) {
                const auto& cves = tokens_[at_++]->cves;
                range->cves.insert(range->cves.end(), cves.begin(), cves.end());
            }
            const Token& last = *tokens_[at_ - 1];
            range->text =
                std::string(text_.substr(tokens_[first]->begin, last.end - tokens_[first]->begin));
            ranges.push_back(std::move(*range));
            if (at_ == tokens_.size()) {
                break;
            }
            if (!peek(Tok::Sep)) {
                return fail("unexpected \"" + quote(*tokens_[at_]) + "\" after \"" +
                            ranges.back().text + "\"");
            }
            ++at_;
            if (at_ == tokens_.size()) {
                return fail("nothing after \"" + quote(*tokens_[at_ - 1]) + "\"");
            }
        }
        mergeBounds(ranges);
        return ranges;
    }

    const std::string& why() const { return why_; }

private:
    std::string quote(const Token& token) const {
        return std::string(text_.substr(token.begin, token.end - token.begin));
    }

    std::nullopt_t fail(std::string why) {
        if (why_.empty()) {
            why_ = std::move(why);
        }
        return std::nullopt;
    }

    bool peek(Tok kind) const { return at_ < tokens_.size() && tokens_[at_]->kind == kind; }

    /// The next token as a plain version (not a series), consumed; else a failure.
    const Token* version(std::string_view after) {
        if (!peek(Tok::Version) || tokens_[at_]->series) {
            fail(at_ < tokens_.size()
                     ? "expected a version instead of \"" + quote(*tokens_[at_]) + "\""
                     : "expected a version after \"" + std::string(after) + "\"");
            return nullptr;
        }
        return tokens_[at_++];
    }

    static void addQualifier(VersionRange& range, const Token& token) {
        if (!token.qualifier.empty()) {
            range.qualifier += (range.qualifier.empty() ? "" : ", ") + token.qualifier;
        }
    }

    void setLower(VersionRange& range, const Token& token, bool inclusive) {
        range.lower = token.version;
        range.lowerInclusive = inclusive;
        addQualifier(range, token);
    }

    void setUpper(VersionRange& range, const Token& token, bool inclusive) {
        range.upper = token.version;
        range.upperInclusive = inclusive;
        addQualifier(range, token);
    }

    /// After the lower bound and "から" / "to" / "以上": an optional "prior to" / "up to", the
    /// upper version, then "未満" / "より前" (exclusive) or "まで" / "以前" / "以下"
    /// (inclusive); `closingRequired` when neither word may be missing.
    bool upperBound(VersionRange& range, std::string_view after, bool closingRequired) {
        std::optional<bool> inclusive;
        if (peek(Tok::PreLt) || peek(Tok::PreLe)) {
            inclusive = tokens_[at_++]->kind == Tok::PreLe;
        }
        const Token* upper = version(after);
        if (upper == nullptr) {
            return false;
        }
        if (!inclusive && (peek(Tok::Lt) || peek(Tok::Le))) {
            inclusive = tokens_[at_++]->kind == Tok::Le;
        }
        if (!inclusive && closingRequired) {
            fail("expected 未満, より前, 以下 or 以前 after \"" + upper->version + "\"");
            return false;
        }
        setUpper(range, *upper, inclusive.value_or(true));
        return true;
    }

    std::optional<VersionRange> item() {
        VersionRange range;
        const Token& head = *tokens_[at_++];
        switch (head.kind) {
        case Tok::All:
            range.all = true;
            return range;
        case Tok::PreLt:
        case Tok::PreLe:
        case Tok::PreGe:
        case Tok::PreGt: {
            const Token* bound = version(quote(head));
            if (bound == nullptr) {
                return std::nullopt;
            }
            if (head.kind == Tok::PreLt || head.kind == Tok::PreLe) {
                setUpper(range, *bound, head.kind == Tok::PreLe);
            } else {
                setLower(range, *bound, head.kind == Tok::PreGe);
            }
            return range;
        }
        case Tok::From: {
            const Token* lower = version(quote(head));
            if (lower == nullptr) {
                return std::nullopt;
            }
            setLower(range, *lower, true);
            if (peek(Tok::To)) {
                ++at_;
            } else if (!peek(Tok::PreLt) && !peek(Tok::PreLe)) {
                return fail("expected \"to\" after \"" + lower->version + "\"");
            }
            if (!upperBound(range, "to", false)) {
                return std::nullopt;
            }
            return range;
        }
        case Tok::Between: {
            const Token* lower = version(quote(head));
            if (lower == nullptr) {
                return std::nullopt;
            }
            if (!peek(Tok::Sep)) {
                return fail("expected \"and\" after \"" + lower->version + "\"");
            }
            ++at_;
            const Token* upper = version("and");
            if (upper == nullptr) {
                return std::nullopt;
            }
            setLower(range, *lower, true);
            setUpper(range, *upper, true);
            return range;
        }
        case Tok::Version:
            break;
        default:
            return fail("unexpected \"" + quote(head) + "\"");
        }

        if (head.series) {
            range.series = head.version;
            if (peek(Tok::Series)) {
                ++at_; // "2.x 系"
            }
            return range;
        }
        if (peek(Tok::Series)) {
            ++at_;
            range.series = head.version;
            return range;
        }
        if (peek(Tok::Lt) || peek(Tok::Le)) {
            setUpper(range, head, tokens_[at_++]->kind == Tok::Le);
            return range;
        }
        if (peek(Tok::Ge) || peek(Tok::Gt)) {
            const Token& op = *tokens_[at_++];
            setLower(range, head, op.kind == Tok::Ge);
            if ((peek(Tok::Version) || peek(Tok::PreLt) || peek(Tok::PreLe)) &&
                !upperBound(range, quote(op), true)) {
                return std::nullopt;
            }
            return range;
        }
        if (peek(Tok::To)) {
            const Token& op = *tokens_[at_++];
            setLower(range, head, true);
            if (!upperBound(range, quote(op), false)) {
                return std::nullopt;
            }
            return range;
        }
        setLower(range, head, true);
        setUpper(range, head, true);
        return range;
    }

    /// "1.0 以上、2.0 未満": a lower bound alone followed by a higher upper bound alone is one
    /// range.
    static void mergeBounds(std::vector<VersionRange>& ranges) {
        const auto lowerOnly = [](const VersionRange& r) {
            return r.lower && !r.upper && r.cves.empty();
        };
        const auto upperOnly = [](const VersionRange& r) { return r.upper && !r.lower; };
        for (std::size_t i = 0; i + 1 < ranges.size(); ++i) {
            VersionRange& low = ranges[i];
            VersionRange& high = ranges[i + 1];
            if (!lowerOnly(low) || !upperOnly(high) ||
                compareVersions(*low.lower, *high.upper) >= 0) {
                continue;
            }
            low.upper = high.upper;
            low.upperInclusive = high.upperInclusive;
            low.cves = high.cves;
            if (!high.qualifier.empty()) {
                low.qualifier += (low.qualifier.empty() ? "" : ", ") + high.qualifier;
            }
            low.text += ", " + high.text;
            ranges.erase(ranges.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
    }

    std::string_view text_;
    std::vector<const Token*> tokens_;
    std::size_t at_ = 0;
    std::string why_;
};

/// `text` without trailing words that only name the versions ("バージョン", "Version", "Ver.",
/// "の", ":").
std::string productName(std::string_view text) {
    text = trim(text);
    for (bool changed = true; changed;) {
        changed = false;
        for (const std::string_view suffix :
             {"バージョン", "の", ":", "versions", "version", "ver.", "ver"}) {
            if (text.size() < suffix.size()) {
                continue;
            }
            const std::size_t at = text.size() - suffix.size();
            if (!equalsIgnoreCase(text.substr(at), suffix) ||
                (isAsciiAlpha(suffix.front()) && at > 0 && isAsciiAlnum(text[at - 1]))) {
                continue;
            }
            text = trim(text.substr(0, at));
            changed = true;
        }
    }
    return std::string(text);
}

} // namespace

ParsedVersionText parseVersionText(std::string_view text) {
    ParsedVersionText parsed;
    parsed.text = std::string(text);
    const std::string normalized = normalizeText(text);
    if (normalized.empty()) {
        parsed.why = "empty text";
        return parsed;
    }
    const std::vector<Token> tokens = tokenize(normalized);
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (startsItem(tokens[i].kind)) {
            starts.push_back(i);
        }
    }
    if (starts.empty()) {
        parsed.why = "no version number";
        return parsed;
    }
    // When the first try fails, versions inside the product's name ("Windows 10 版 1.2 以前")
    // are tried: only when the text begins with a word and the name holds no operator.
    const auto firstWord = std::find_if(tokens.begin(), tokens.end(),
                                        [](const Token& t) { return t.kind != Tok::Filler; });
    const bool nameFirst = firstWord != tokens.end() && firstWord->kind == Tok::Unknown;
    const auto isNamePart = [](const Token& t) {
        return t.kind == Tok::Unknown || t.kind == Tok::Version || t.kind == Tok::Filler;
    };
    for (std::size_t s = 0; s < starts.size(); ++s) {
        if (s > 0 &&
            (!nameFirst ||
             !std::all_of(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(starts[s]),
                          isNamePart))) {
            break;
        }
        std::vector<const Token*> items;
        for (std::size_t i = starts[s]; i < tokens.size(); ++i) {
            if (tokens[i].kind != Tok::Filler) {
                items.push_back(&tokens[i]);
            }
        }
        ItemParser parser(normalized, std::move(items));
        if (auto ranges = parser.parse()) {
            parsed.ranges = std::move(*ranges);
            parsed.product =
                productName(std::string_view(normalized).substr(0, tokens[starts[s]].begin));
            parsed.understood = true;
            parsed.why.clear();
            return parsed;
        }
        if (s == 0) {
            parsed.why = parser.why();
        }
    }
    return parsed;
}

bool rangeContains(const VersionRange& range, std::string_view version) {
    if (range.all) {
        return true;
    }
    if (!isComparableVersion(version)) {
        return false;
    }
    if (range.series) {
        const std::vector<std::string> series = leadingNumbers(*range.series);
        const std::vector<std::string> numbers = leadingNumbers(version);
        if (series.empty() || numbers.empty()) {
            return false;
        }
        for (std::size_t i = 0; i < series.size(); ++i) {
            if ((i < numbers.size() ? numbers[i] : std::string()) != series[i]) {
                return false;
            }
        }
        return true;
    }
    if (!range.lower && !range.upper) {
        return false;
    }
    if (range.lower) {
        const int order = compareVersions(version, *range.lower);
        if (order < 0 || (order == 0 && !range.lowerInclusive)) {
            return false;
        }
    }
    if (range.upper) {
        const int order = compareVersions(version, *range.upper);
        if (order > 0 || (order == 0 && !range.upperInclusive)) {
            return false;
        }
    }
    return true;
}

std::string describeRange(const VersionRange& range) {
    std::string out;
    if (range.all) {
        out = "all";
    } else if (range.series) {
        out = "series " + *range.series;
    } else if (range.lower && range.upper && *range.lower == *range.upper && range.lowerInclusive &&
               range.upperInclusive) {
        out = "= " + *range.lower;
    } else {
        if (range.lower) {
            out = (range.lowerInclusive ? ">= " : "> ") + *range.lower;
        }
        if (range.upper) {
            out += (out.empty() ? "" : ", ") + std::string(range.upperInclusive ? "<= " : "< ") +
                   *range.upper;
        }
    }
    if (!range.cves.empty()) {
        out += " [";
        for (std::size_t i = 0; i < range.cves.size(); ++i) {
            out += (i > 0 ? ", " : "") + range.cves[i];
        }
        out += "]";
    }
    if (!range.qualifier.empty()) {
        out += " (" + range.qualifier + ")";
    }
    return out;
}

const char* rangeVerdictName(RangeVerdict verdict) {
    switch (verdict) {
    case RangeVerdict::Affected:
        return "affected";
    case RangeVerdict::NotAffected:
        return "not-affected";
    case RangeVerdict::Unknown:
        return "unknown";
    }
    return "unknown";
}

VersionEvaluation evaluateVersion(const std::vector<ParsedVersionText>& texts,
                                  std::string_view version) {
    VersionEvaluation evaluation;
    const std::string shown = "version \"" + std::string(version) + "\"";
    if (texts.empty()) {
        evaluation.reason = "no version text to compare " + shown + " with";
        return evaluation;
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (!texts[i].understood) {
            continue;
        }
        for (const VersionRange& range : texts[i].ranges) {
            if (rangeContains(range, version)) {
                evaluation.verdict = RangeVerdict::Affected;
                evaluation.decidedBy = i;
                evaluation.reason =
                    shown + " is in \"" + texts[i].text + "\" (" + describeRange(range) + ")";
                return evaluation;
            }
        }
    }
    if (!isComparableVersion(version)) {
        evaluation.reason = shown + " has no number to compare";
        return evaluation;
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (!texts[i].understood) {
            evaluation.decidedBy = i;
            evaluation.reason = "\"" + texts[i].text + "\" could not be read (" + texts[i].why +
                                "); " + shown + " is in no range of the others";
            return evaluation;
        }
    }
    evaluation.verdict = RangeVerdict::NotAffected;
    evaluation.reason = shown + " is outside ";
    for (std::size_t i = 0; i < texts.size(); ++i) {
        evaluation.reason += (i > 0 ? ", " : "") + std::string("\"") + texts[i].text + "\"";
    }
    return evaluation;
}

VersionEvaluation evaluateVersion(const std::vector<std::string>& versionTexts,
                                  std::string_view version) {
    std::vector<ParsedVersionText> parsed;
    parsed.reserve(versionTexts.size());
    for (const std::string& text : versionTexts) {
        parsed.push_back(parseVersionText(text));
    }
    return evaluateVersion(parsed, version);
}

} // namespace vw
