#include "config/ini.h"

#include "config/config.h"
#include "core/text.h"

#include <cstddef>
#include <map>

namespace vw {
namespace {

/// Without leading and trailing spaces and tabs only: core's trim() would also drop the other
/// ASCII white space, which the control-character check below must still see.
std::string_view trimBlanks(std::string_view text) {
    const char* spaces = " \t";
    const auto first = text.find_first_not_of(spaces);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(spaces);
    return text.substr(first, last - first + 1);
}

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool validUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        unsigned min = 0;
        unsigned code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            min = 0x80;
            code = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            min = 0x800;
            code = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            min = 0x10000;
            code = c & 0x07u;
        } else {
            return false;
        }
        if (i + extra >= text.size()) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

bool lowerSnakeCase(std::string_view key) {
    if (key.empty() || key.front() < 'a' || key.front() > 'z') {
        return false;
    }
    for (char c : key) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

} // namespace

std::vector<IniSection> readIni(std::string_view text, const std::string& file) {
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    if (text.substr(0, bom.size()) == bom) {
        text.remove_prefix(bom.size());
    }

    std::vector<IniSection> sections;
    std::map<std::string, int> sectionLines; // name -> line of its header
    std::map<std::string, int> keyLines;     // in the current section
    int lineNumber = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        ++lineNumber;
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        if (!raw.empty() && raw.back() == '\r') {
            raw.remove_suffix(1);
        }
        const std::string section = sections.empty() ? std::string() : sections.back().name;
        auto fail = [&](const std::string& key, const std::string& message) {
            throw ConfigError(file, lineNumber, section, key, message);
        };
        if (!validUtf8(raw)) {
            fail("", "line is not valid UTF-8");
        }
        const std::string_view line = trimBlanks(raw);
        if (line.empty() || line.front() == ';' || line.front() == '#') {
            continue;
        }
        // A control character in a header, key or value (a CR inside a line, a NUL, an
        // escape) is never meant, and one that survives into a value would not survive
        // `config check`'s printed copy (its CR would end the line there).
        for (std::size_t i = 0; i < raw.size(); ++i) {
            const auto c = static_cast<unsigned char>(raw[i]);
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                fail("", "a control character (" + codePointName(c) + ") at column " +
                             std::to_string(i + 1) + "; only tabs may appear in a line");
            }
        }
        if (line.front() == '[') {
            if (line.back() != ']') {
                throw ConfigError(file, lineNumber, "", "",
                                  "a section header must be a whole line '[name]' (no comment "
                                  "after it)");
            }
            std::string name(trimBlanks(line.substr(1, line.size() - 2)));
            if (name.empty()) {
                throw ConfigError(file, lineNumber, "", "", "empty section name '[]'");
            }
            if (auto it = sectionLines.find(name); it != sectionLines.end()) {
                throw ConfigError(file, lineNumber, name, "",
                                  "duplicate section (first at line " + std::to_string(it->second) +
                                      ")");
            }
            sectionLines.emplace(name, lineNumber);
            keyLines.clear();
            sections.push_back(IniSection{name, lineNumber, {}});
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            fail("", "expected 'key = value', a '[section]' header or a comment ('; ' or '# ' at "
                     "the start of the line)");
        }
        const std::string key(trimBlanks(line.substr(0, equals)));
        const std::string value(trimBlanks(line.substr(equals + 1)));
        if (key.empty()) {
            fail("", "missing key before '='");
        }
        if (!lowerSnakeCase(key)) {
            fail(key, "keys are lower_snake_case (a-z, 0-9 and '_', starting with a letter)");
        }
        if (sections.empty()) {
            fail(key, "key outside any section (put it under a [section] header)");
        }
        if (value.empty()) {
            fail(key, "empty value (remove the line to use the default)");
        }
        if (auto it = keyLines.find(key); it != keyLines.end()) {
            fail(key, "duplicate key (first at line " + std::to_string(it->second) + ")");
        }
        keyLines.emplace(key, lineNumber);
        sections.back().fields.push_back(IniField{key, value, lineNumber});
    }
    return sections;
}

} // namespace vw
