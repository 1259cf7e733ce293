#include "core/ids.h"

#include "core/text.h"

#include <algorithm>
#include <unordered_set>

namespace vw {

namespace {

bool isAsciiAlnum(char c) {
    return isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

char toUpper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr std::string_view ideographicSpace = "\xE3\x80\x80"; // U+3000

std::string_view trimId(std::string_view text) {
    for (;;) {
        if (!text.empty() && isSpace(text.front())) {
            text.remove_prefix(1);
        } else if (text.starts_with(ideographicSpace)) {
            text.remove_prefix(ideographicSpace.size());
        } else {
            break;
        }
    }
    for (;;) {
        if (!text.empty() && isSpace(text.back())) {
            text.remove_suffix(1);
        } else if (text.ends_with(ideographicSpace)) {
            text.remove_suffix(ideographicSpace.size());
        } else {
            break;
        }
    }
    return text;
}

/// A cursor over the text with case-insensitive literal matching.
struct Cursor {
    std::string_view text;
    std::size_t pos;

    bool literal(std::string_view upper) {
        if (text.size() - pos < upper.size()) {
            return false;
        }
        for (std::size_t i = 0; i < upper.size(); ++i) {
            if (toUpper(text[pos + i]) != upper[i]) {
                return false;
            }
        }
        pos += upper.size();
        return true;
    }

    /// `#` or its URL-encoded form `%23`; optional.
    void hash() {
        if (!literal("#")) {
            literal("%23");
        }
    }

    /// A run of digits, at least `min` and at most `max` long (the whole run is taken).
    bool digits(std::size_t min, std::size_t max, std::string_view& out) {
        const std::size_t start = pos;
        while (pos < text.size() && isDigit(text[pos])) {
            ++pos;
        }
        const std::size_t count = pos - start;
        if (count < min || count > max) {
            pos = start;
            return false;
        }
        out = text.substr(start, count);
        return true;
    }

    bool upperLetter(char& out) {
        if (pos < text.size()) {
            const char c = toUpper(text[pos]);
            if (c >= 'A' && c <= 'Z') {
                out = c;
                ++pos;
                return true;
            }
        }
        return false;
    }

    /// True when no letter or digit follows (the end of a word).
    bool atWordEnd() const { return pos == text.size() || !isAsciiAlnum(text[pos]); }
};

struct Found {
    IdKind kind;
    std::string id;     // normalized
    std::size_t length; // bytes of input consumed
};

constexpr std::size_t unbounded = static_cast<std::size_t>(-1);

std::optional<Found> matchCve(std::string_view text, std::size_t start) {
    Cursor c{text, start};
    std::string_view year;
    std::string_view number;
    if (c.literal("CVE-") && c.digits(4, 4, year) && c.literal("-") &&
        c.digits(4, unbounded, number) && c.atWordEnd()) {
        return Found{IdKind::Cve, "CVE-" + std::string(year) + "-" + std::string(number),
                     c.pos - start};
    }
    return std::nullopt;
}

std::optional<Found> matchJpcertAt(std::string_view text, std::size_t start) {
    Cursor c{text, start};
    std::string_view year;
    std::string_view number;
    if (c.literal("JPCERT-AT-") && c.digits(4, 4, year) && c.literal("-") &&
        c.digits(4, 4, number) && c.atWordEnd()) {
        return Found{IdKind::JpcertAt, "JPCERT-AT-" + std::string(year) + "-" + std::string(number),
                     c.pos - start};
    }
    return std::nullopt;
}

/// JVNDB-, JVNVU#, JVNTA and JVN# ids, with or without `#` (also URL-encoded as `%23`).
std::optional<Found> matchJvn(std::string_view text, std::size_t start) {
    Cursor c{text, start};
    if (!c.literal("JVN")) {
        return std::nullopt;
    }
    const std::size_t afterJvn = c.pos;
    std::string_view a;
    std::string_view b;

    if (c.literal("DB-")) {
        if (c.digits(4, 4, a) && c.literal("-") && c.digits(6, 6, b) && c.atWordEnd()) {
            return Found{IdKind::Jvndb, "JVNDB-" + std::string(a) + "-" + std::string(b),
                         c.pos - start};
        }
        return std::nullopt;
    }

    c.pos = afterJvn;
    if (c.literal("VU")) {
        c.hash();
        if (c.digits(6, 8, a) && a.size() != 7 && c.atWordEnd()) {
            return Found{IdKind::Jvnvu, "JVNVU#" + std::string(a), c.pos - start};
        }
        return std::nullopt;
    }

    c.pos = afterJvn;
    if (c.literal("TA")) {
        const std::size_t afterTa = c.pos;
        char letter = 0;
        if (c.digits(2, 2, a) && c.literal("-") && c.digits(3, 3, b) && c.upperLetter(letter) &&
            c.atWordEnd()) {
            return Found{IdKind::Jvnta, "JVNTA" + std::string(a) + "-" + std::string(b) + letter,
                         c.pos - start};
        }
        c.pos = afterTa;
        c.hash();
        if (c.digits(8, 8, a) && c.atWordEnd()) {
            return Found{IdKind::Jvnta, "JVNTA#" + std::string(a), c.pos - start};
        }
        return std::nullopt;
    }

    c.pos = afterJvn;
    c.hash();
    if (c.digits(8, 8, a) && c.atWordEnd()) {
        return Found{IdKind::Jvn, "JVN#" + std::string(a), c.pos - start};
    }
    return std::nullopt;
}

/// Any id kind starting exactly at `start` (no left-boundary check).
std::optional<Found> matchAt(std::string_view text, std::size_t start) {
    if (start >= text.size()) {
        return std::nullopt;
    }
    switch (toUpper(text[start])) {
    case 'C':
        return matchCve(text, start);
    case 'J':
        if (auto found = matchJvn(text, start)) {
            return found;
        }
        return matchJpcertAt(text, start);
    default:
        return std::nullopt;
    }
}

/// A JPCERT/CC alert page path `at/2021/at210050.html` starting at `start` (the `a` of the
/// folder name), as JPCERT-AT-2021-0050. The year folder must agree with the file name.
std::optional<Found> matchJpcertAlertPath(std::string_view text, std::size_t start) {
    Cursor c{text, start};
    std::string_view year;
    std::string_view digits;
    if (c.literal("AT/") && c.digits(4, 4, year) && c.literal("/AT") && c.digits(6, 6, digits) &&
        c.atWordEnd() && year.substr(2) == digits.substr(0, 2)) {
        return Found{IdKind::JpcertAt,
                     "JPCERT-AT-" + std::string(year) + "-" + std::string(digits.substr(2)),
                     c.pos - start};
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> normalizeId(std::string_view raw) {
    const std::string_view text = trimId(raw);
    auto found = matchAt(text, 0);
    if (!found || found->length != text.size()) {
        return std::nullopt;
    }
    return std::move(found->id);
}

std::optional<IdKind> idKind(std::string_view normalized) {
    const auto found = matchAt(normalized, 0);
    if (!found || found->length != normalized.size() || found->id != normalized) {
        return std::nullopt;
    }
    return found->kind;
}

std::vector<std::string> extractIds(std::string_view text) {
    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    std::size_t i = 0;
    while (i < text.size()) {
        const bool wordStart = i == 0 || !isAsciiAlnum(text[i - 1]);
        std::optional<Found> found;
        if (wordStart) {
            found = matchAt(text, i);
            if (!found && i > 0 && text[i - 1] == '/') {
                found = matchJpcertAlertPath(text, i);
            }
        }
        if (found) {
            if (seen.insert(found->id).second) {
                ids.push_back(std::move(found->id));
            }
            i += found->length;
        } else {
            ++i;
        }
    }
    return ids;
}

bool isCisaIcsAdvisoryId(std::string_view id) {
    std::string_view rest;
    if (id.starts_with("ICSMA-")) {
        rest = id.substr(6);
    } else if (id.starts_with("ICSA-")) {
        rest = id.substr(5);
    } else {
        return false;
    }
    // YY-DDD-NN and an optional update letter.
    if (rest.size() != 9 && rest.size() != 10) {
        return false;
    }
    for (std::size_t i = 0; i < 9; ++i) {
        const bool dash = i == 2 || i == 6;
        if (dash ? rest[i] != '-' : !isDigit(rest[i])) {
            return false;
        }
    }
    return rest.size() == 9 || (rest[9] >= 'A' && rest[9] <= 'Z');
}

void canonicalizeAliases(std::vector<std::string>& ids, std::string_view self) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.erase(std::remove(ids.begin(), ids.end(), self), ids.end());
}

} // namespace vw
