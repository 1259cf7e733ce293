// Keyword matching (method "keyword"): which of many keywords (product names, component names,
// configured keywords) occur in an advisory's text. Pure; the rules are in
// docs/matching.md.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vw {

/// A keyword found: its index in the list given to KeywordIndex, and the first field (index in
/// the list given to findInFields) it occurs in.
struct KeywordHit {
    std::size_t keyword = 0;
    std::size_t field = 0;
    bool operator==(const KeywordHit&) const = default;
};

/// A keyword that is never searched for, and why.
struct IgnoredKeyword {
    std::size_t keyword = 0;
    std::string reason;
    bool operator==(const IgnoredKeyword&) const = default;
};

/// `text` in the form keywords are searched in: folded (foldText) tokens joined by one space,
/// neighbouring CJK runs joined without one. Every word of a keyword's searchForm() that the
/// keyword finds in `text` is a substring of keywordText(text): what an index of record texts
/// stores so it can narrow a search for many keywords (the store's record_text).
std::string keywordText(std::string_view text);

/// Keywords prepared once for searching many texts.
///
/// Keywords and texts are compared in their folded, tokenized form (foldText, tokenizeFolded):
/// case, full-/half-width and separators (spaces, '_', '-', '.', '/', …) do not matter, so the
/// keyword "log4j-core" finds "Log4j Core" and "Ｌｏｇ４ｊ－ｃｏｒｅ". Separators between two
/// Japanese (CJK) runs are dropped on both sides ("サイボウズ・ガルーン" finds "サイボウズ
/// ガルーン").
/// - An ASCII (non-CJK) word of the keyword matches only a whole word of the text: "log4j" does
///   not find "log4jx", "blog4j" or "log4net". One exception at the keyword's end: a keyword
///   ending in an ASCII letter also finds the word followed by digits only ("log4j" finds
///   "Log4j2", "struts" finds "Struts2", "python" finds "python3"); a keyword ending in a digit
///   does not ("php7" does not find "php70").
/// - A CJK part of the keyword matches anywhere inside CJK text (Japanese has no spaces):
///   "サイボウズ" finds "株式会社サイボウズ製品", and "Apache Log4j の脆弱性" / "Log4jにおける"
///   contain the word "log4j".
/// - Ignored (see ignored()): keywords with no letter or digit; digits only (they would find
///   version numbers); fewer than 3 characters after folding, or fewer than 2 when the keyword
///   has a CJK character ("qt", "go", "r"; a two-kanji name such as "日立" is kept); a single
///   generic word (isGenericName: "core", "server", "脆弱性", …).
/// Searching costs one fold of the text, one hash lookup per ASCII word (two when it ends in
/// digits) and one per CJK character, plus a comparison per candidate: independent of the
/// number of keywords.
class KeywordIndex {
public:
    explicit KeywordIndex(const std::vector<std::string>& keywords);

    /// The indices of the keywords that occur in `text`, ascending, each once.
    std::vector<std::size_t> find(std::string_view text) const;

    /// The keywords that occur in any of `fields` (e.g. title, summary, affected product
    /// names), ascending by keyword, each once with the first field it occurs in. A keyword
    /// never spans two fields.
    std::vector<KeywordHit> findInFields(const std::vector<std::string_view>& fields) const;

    /// The keywords never searched for, ascending by index.
    const std::vector<IgnoredKeyword>& ignored() const { return ignored_; }

    /// How keyword `index` is searched for: its folded form with single spaces between words
    /// ("Apache Log4j" → "apache log4j"); "" when it is ignored.
    const std::string& searchForm(std::size_t index) const { return forms_.at(index); }

    std::size_t size() const { return forms_.size(); }

private:
    struct Pattern {
        std::string text;        // canonical form
        bool endsCjk = false;    // no word boundary needed after it
        bool endsLetter = false; // may be followed by digits
        std::vector<std::size_t> keywords;
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Index = std::unordered_map<std::string, std::vector<std::size_t>, Hash, std::equal_to<>>;

    void search(std::string_view text, std::vector<std::size_t>& patterns) const;
    bool matchesAt(const Pattern& pattern, std::string_view canonical, std::size_t pos) const;

    std::vector<Pattern> patterns_;
    Index byFirstWord_; // patterns starting with an ASCII word, by that word
    Index byFirstChar_; // patterns starting with a CJK character, by its UTF-8 bytes
    std::vector<std::string> forms_;
    std::vector<IgnoredKeyword> ignored_;
};

} // namespace vw
