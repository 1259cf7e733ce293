#include "core/keywords.h"

#include "core/fold.h"
#include "core/names.h"
#include "core/text.h"

#include <algorithm>
#include <utility>

namespace vw {

namespace {

/// Bytes in the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte).
std::size_t sequenceLength(char lead) {
    const auto byte = static_cast<unsigned char>(lead);
    if (byte >= 0xF0) {
        return 4;
    }
    if (byte >= 0xE0) {
        return 3;
    }
    return byte >= 0xC0 ? 2 : 1;
}

bool isAsciiLetter(char c) {
    return c >= 'a' && c <= 'z';
}

/// Text in the form keywords are searched in: folded tokens joined by one ' ', except that two
/// neighbouring CJK tokens are joined without one. Records where the non-CJK words and the CJK
/// runs are.
struct Canonical {
    std::string text;
    std::vector<std::pair<std::size_t, std::size_t>> words; // [begin, end) of non-CJK tokens
    std::vector<std::pair<std::size_t, std::size_t>> cjk;   // [begin, end) of CJK runs
    bool lastCjk = false;
};

Canonical canonicalize(std::string_view raw) {
    const TokenizedText tokenized = tokenizeFolded(foldText(raw), ' ');
    Canonical c;
    c.text.reserve(tokenized.text.size());
    bool previousCjk = false;
    for (const auto& token : tokenized.tokens) {
        const bool joinRun = token.cjk && previousCjk;
        if (!c.text.empty() && !joinRun) {
            c.text += ' ';
        }
        const std::size_t begin = c.text.size();
        c.text.append(tokenized.text, token.begin, token.end - token.begin);
        if (token.cjk) {
            if (joinRun) {
                c.cjk.back().second = c.text.size();
            } else {
                c.cjk.emplace_back(begin, c.text.size());
            }
        } else {
            c.words.emplace_back(begin, c.text.size());
        }
        previousCjk = token.cjk;
    }
    c.lastCjk = previousCjk;
    return c;
}

std::size_t codePoints(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); i += sequenceLength(text[i])) {
        if (text[i] != ' ') {
            ++count;
        }
    }
    return count;
}

} // namespace

std::string keywordText(std::string_view text) {
    return canonicalize(text).text;
}

KeywordIndex::KeywordIndex(const std::vector<std::string>& keywords) {
    forms_.reserve(keywords.size());
    std::unordered_map<std::string, std::size_t> patternIds; // canonical form → patterns_ index
    for (std::size_t k = 0; k < keywords.size(); ++k) {
        const Canonical c = canonicalize(keywords[k]);
        const auto ignore = [&](std::string reason) {
            forms_.emplace_back();
            ignored_.push_back({k, std::move(reason)});
        };
        if (c.text.empty()) {
            ignore("no letters or digits");
            continue;
        }
        const bool hasLetter = std::any_of(c.text.begin(), c.text.end(), [](char ch) {
            return static_cast<unsigned char>(ch) >= 0x80 || isAsciiLetter(ch);
        });
        if (!hasLetter) {
            ignore("digits only: would match version numbers");
            continue;
        }
        const std::size_t minimum = c.cjk.empty() ? 3 : 2;
        if (codePoints(c.text) < minimum) {
            ignore("shorter than " + std::to_string(minimum) +
                   " characters after folding: would match too much");
            continue;
        }
        if (c.words.size() + c.cjk.size() == 1 && isGenericName(c.text)) {
            ignore("a generic word (" + c.text + "): would match too much");
            continue;
        }
        forms_.push_back(c.text);
        if (const auto existing = patternIds.find(c.text); existing != patternIds.end()) {
            patterns_[existing->second].keywords.push_back(k);
            continue;
        }
        Pattern pattern;
        pattern.text = c.text;
        pattern.endsCjk = c.lastCjk;
        pattern.endsLetter = !c.lastCjk && isAsciiLetter(c.text.back());
        pattern.keywords.push_back(k);
        const std::size_t id = patterns_.size();
        patternIds.emplace(c.text, id);
        const bool startsCjk = !c.cjk.empty() && c.cjk.front().first == 0;
        if (startsCjk) {
            byFirstChar_[c.text.substr(0, sequenceLength(c.text[0]))].push_back(id);
        } else {
            const auto [begin, end] = c.words.front();
            byFirstWord_[c.text.substr(begin, end - begin)].push_back(id);
        }
        patterns_.push_back(std::move(pattern));
    }
}

bool KeywordIndex::matchesAt(const Pattern& pattern, std::string_view canonical,
                             std::size_t pos) const {
    if (canonical.size() - pos < pattern.text.size() ||
        canonical.compare(pos, pattern.text.size(), pattern.text) != 0) {
        return false;
    }
    const std::size_t end = pos + pattern.text.size();
    if (pattern.endsCjk || end == canonical.size() || canonical[end] == ' ') {
        return true;
    }
    if (!pattern.endsLetter) {
        return false;
    }
    std::size_t j = end;
    while (j < canonical.size() && isDigit(canonical[j])) {
        ++j;
    }
    return j > end && (j == canonical.size() || canonical[j] == ' ');
}

void KeywordIndex::search(std::string_view text, std::vector<std::size_t>& found) const {
    if (patterns_.empty()) {
        return;
    }
    const Canonical c = canonicalize(text);
    const std::string_view canonical = c.text;
    const auto tryAll = [&](const Index& index, std::string_view key, std::size_t pos) {
        const auto it = index.find(key);
        if (it == index.end()) {
            return;
        }
        for (const std::size_t id : it->second) {
            if (matchesAt(patterns_[id], canonical, pos)) {
                found.push_back(id);
            }
        }
    };
    if (!byFirstWord_.empty()) {
        for (const auto& [begin, end] : c.words) {
            const std::string_view word = canonical.substr(begin, end - begin);
            tryAll(byFirstWord_, word, begin);
            std::size_t stem = word.size();
            while (stem > 0 && isDigit(word[stem - 1])) {
                --stem;
            }
            if (stem > 0 && stem < word.size() && isAsciiLetter(word[stem - 1])) {
                tryAll(byFirstWord_, word.substr(0, stem), begin); // "log4j" in "log4j2"
            }
        }
    }
    if (!byFirstChar_.empty()) {
        for (const auto& [begin, end] : c.cjk) {
            for (std::size_t pos = begin; pos < end; pos += sequenceLength(canonical[pos])) {
                tryAll(byFirstChar_, canonical.substr(pos, sequenceLength(canonical[pos])), pos);
            }
        }
    }
}

std::vector<std::size_t> KeywordIndex::find(std::string_view text) const {
    std::vector<std::size_t> found;
    search(text, found);
    std::vector<std::size_t> keywords;
    for (const std::size_t id : found) {
        const auto& ids = patterns_[id].keywords;
        keywords.insert(keywords.end(), ids.begin(), ids.end());
    }
    std::sort(keywords.begin(), keywords.end());
    keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
    return keywords;
}

std::vector<KeywordHit>
KeywordIndex::findInFields(const std::vector<std::string_view>& fields) const {
    std::vector<KeywordHit> hits;
    std::vector<std::size_t> found;
    for (std::size_t field = 0; field < fields.size(); ++field) {
        found.clear();
        search(fields[field], found);
        for (const std::size_t id : found) {
            for (const std::size_t keyword : patterns_[id].keywords) {
                hits.push_back({keyword, field});
            }
        }
    }
    // Fields were searched in order, so the first hit of a keyword is its first field.
    std::stable_sort(hits.begin(), hits.end(), [](const KeywordHit& a, const KeywordHit& b) {
        return a.keyword < b.keyword;
    });
    hits.erase(std::unique(
                   hits.begin(), hits.end(),
                   [](const KeywordHit& a, const KeywordHit& b) { return a.keyword == b.keyword; }),
               hits.end());
    return hits;
}

} // namespace vw
