#include "core/cpe.h"

#include "core/text.h"

#include <algorithm>
#include <array>
#include <vector>

namespace vw {

namespace {

bool isAlnum(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Appends a literal character to a normalized value: lower case, space as `_`, and the
/// characters that would otherwise read as wildcards or escapes quoted.
void appendLiteral(std::string& out, char c) {
    if (c == ' ') {
        c = '_';
    }
    if (c == '\\' || c == '*' || c == '?') {
        out += '\\';
    }
    out += toLower(c);
}

/// Unquoted wildcards only where NISTIR 7695 allows them: one `*` or a run of `?` at the
/// beginning, and one at the end, of a value.
bool wildcardsAtEnds(std::string_view value) {
    // Two memchr scans: find_first_of looks each character up in the set with a call of its
    // own (a CPE's values: 1.2 million calls a VULDEF file, callgrind).
    if (value.find('*') == std::string_view::npos && value.find('?') == std::string_view::npos) {
        return true; // nearly every value: no wildcard at all
    }
    std::vector<char> wild; // the character when unquoted `*`/`?`, else 0
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\') {
            ++i;
            wild.push_back(0);
        } else {
            wild.push_back(value[i] == '*' || value[i] == '?' ? value[i] : 0);
        }
    }
    std::size_t begin = 0;
    if (begin < wild.size() && wild[begin] == '*') {
        ++begin;
    } else {
        while (begin < wild.size() && wild[begin] == '?') {
            ++begin;
        }
    }
    std::size_t end = wild.size();
    if (end > begin && wild[end - 1] == '*') {
        --end;
    } else {
        while (end > begin && wild[end - 1] == '?') {
            --end;
        }
    }
    for (std::size_t i = begin; i < end; ++i) {
        if (wild[i] != 0) {
            return false;
        }
    }
    return true;
}

/// One 2.2 URI component (between `:`, or a packed edition piece between `~`) → value.
std::optional<std::string> decodeUriValue(std::string_view raw) {
    if (raw.empty() || raw == "-" || raw == "*") { // ANY, NA; a bare `*` (not 2.2) as ANY
        return std::string(raw);
    }
    std::string out;
    out.reserve(raw.size() + 2);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '%') {
            appendLiteral(out, raw[i]);
            continue;
        }
        if (i + 2 >= raw.size()) {
            return std::nullopt;
        }
        const int high = hexValue(raw[i + 1]);
        const int low = hexValue(raw[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        i += 2;
        const int byte = high * 16 + low;
        if (byte == 0x01) {
            out += '?';
        } else if (byte == 0x02) {
            out += '*';
        } else if (byte < 0x20 || byte == 0x7F) {
            return std::nullopt;
        } else {
            appendLiteral(out, static_cast<char>(byte));
        }
    }
    if (out == "-") { // `%2d` alone: a literal hyphen, not NA
        out = "\\-";
    }
    if (!wildcardsAtEnds(out)) {
        return std::nullopt;
    }
    return out;
}

/// One 2.3 formatted-string field (between unescaped `:`) → value.
std::optional<std::string> decodeFsValue(std::string_view raw) {
    if (raw.empty() || raw == "-" || raw == "*") { // ANY (empty: lenient), NA
        return std::string(raw);
    }
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\\') {
            if (i + 1 >= raw.size()) {
                return std::nullopt;
            }
            appendLiteral(out, raw[++i]);
        } else if (c == '*' || c == '?') {
            out += c;
        } else {
            out += toLower(c); // unescaped punctuation: taken literally (lenient)
        }
    }
    if (out == "-") { // `\-` alone: a literal hyphen, not NA
        out = "\\-";
    }
    if (!wildcardsAtEnds(out)) {
        return std::nullopt;
    }
    return out;
}

/// `text` split at every `sep` not escaped by a preceding `\` (when `escapes`).
std::vector<std::string_view> split(std::string_view text, char sep, bool escapes) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (escapes && text[i] == '\\') {
            ++i;
        } else if (text[i] == sep) {
            fields.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    fields.push_back(text.substr(std::min(start, text.size())));
    return fields;
}

std::optional<char> readPart(std::string_view raw) {
    if (raw.empty() || raw == "*") {
        return '*';
    }
    if (raw.size() == 1) {
        const char c = toLower(raw[0]);
        if (c == 'a' || c == 'o' || c == 'h') {
            return c;
        }
    }
    return std::nullopt;
}

/// The fields of a Cpe after part, in 2.3 order (pointers to const for a const Cpe).
template <typename C>
auto valuesOf(C& cpe) {
    return std::array{&cpe.vendor,   &cpe.product,   &cpe.version,  &cpe.update,   &cpe.edition,
                      &cpe.language, &cpe.swEdition, &cpe.targetSw, &cpe.targetHw, &cpe.other};
}

/// Checks vendor and product once all fields are read; ANY vendor becomes `*`.
std::optional<Cpe> finish(Cpe cpe) {
    if (isAnyValue(cpe.product) || cpe.product == "-") {
        return std::nullopt;
    }
    if (cpe.vendor.empty()) {
        cpe.vendor = "*";
    }
    return cpe;
}

std::optional<Cpe> parseFormatted(std::string_view body) {
    // part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other
    const auto fields = split(body, ':', true);
    if (fields.size() < 3 || fields.size() > 11) {
        return std::nullopt;
    }
    Cpe cpe;
    const auto part = readPart(fields[0]);
    if (!part) {
        return std::nullopt;
    }
    cpe.part = *part;
    const auto values = valuesOf(cpe);
    for (std::size_t i = 1; i < fields.size(); ++i) {
        auto value = decodeFsValue(fields[i]);
        if (!value) {
            return std::nullopt;
        }
        *values[i - 1] = std::move(*value);
    }
    return finish(std::move(cpe));
}

std::optional<Cpe> parseUri(std::string_view body) {
    // part:vendor:product:version:update:edition:language
    const auto fields = split(body, ':', false);
    if (fields.size() < 3 || fields.size() > 7) {
        return std::nullopt;
    }
    Cpe cpe;
    const auto part = readPart(fields[0]);
    if (!part) {
        return std::nullopt;
    }
    cpe.part = *part;
    std::string* const targets[] = {&cpe.vendor, &cpe.product, &cpe.version,
                                    &cpe.update, &cpe.edition, &cpe.language};
    for (std::size_t i = 1; i < fields.size(); ++i) {
        if (i == 5 && !fields[i].empty() && fields[i][0] == '~') {
            // packed: ~edition~sw_edition~target_sw~target_hw~other
            const auto pieces = split(fields[i], '~', false);
            if (pieces.size() != 6) {
                return std::nullopt;
            }
            std::string* const packed[] = {&cpe.edition, &cpe.swEdition, &cpe.targetSw,
                                           &cpe.targetHw, &cpe.other};
            for (std::size_t k = 0; k < 5; ++k) {
                auto value = decodeUriValue(pieces[k + 1]);
                if (!value) {
                    return std::nullopt;
                }
                *packed[k] = std::move(*value);
            }
            continue;
        }
        auto value = decodeUriValue(fields[i]);
        if (!value) {
            return std::nullopt;
        }
        *targets[i - 1] = std::move(*value);
    }
    return finish(std::move(cpe));
}

/// The `\` escape a 2.3 value needs for `c`, if any.
bool needsFsEscape(char c) {
    return !(isAlnum(c) || c == '_' || c == '.' || c == '-' ||
             static_cast<unsigned char>(c) >= 0x80);
}

void appendFs(std::string& out, std::string_view value) {
    if (isAnyValue(value)) {
        out += '*';
        return;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\\' && i + 1 < value.size()) {
            out += '\\';
            out += value[++i];
        } else if (c == '*' || c == '?') {
            out += c; // wildcard
        } else {
            if (needsFsEscape(c)) {
                out += '\\';
            }
            out += c;
        }
    }
}

void appendPercent(std::string& out, char c) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += hex[u >> 4];
    out += hex[u & 0x0F];
}

std::string uriValue(std::string_view value) {
    std::string out;
    if (isAnyValue(value)) {
        return out;
    }
    if (value == "\\-") { // a literal hyphen alone; `-` would read as NA
        return "%2d";
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\\' && i + 1 < value.size()) {
            appendPercent(out, value[++i]);
        } else if (c == '?') {
            out += "%01";
        } else if (c == '*') {
            out += "%02";
        } else if (isAlnum(c) || c == '_' || c == '.' || c == '-') {
            out += c;
        } else {
            appendPercent(out, c);
        }
    }
    return out;
}

} // namespace

bool isAnyValue(std::string_view value) {
    return value.empty() || value == "*";
}

bool isPseudoVendor(std::string_view vendor) {
    return isAnyValue(vendor) || vendor == "-" || vendor == "misc";
}

std::optional<Cpe> parseCpe(std::string_view text) {
    text = trim(text);
    for (const char c : text) {
        if (isSpace(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            return std::nullopt;
        }
    }
    if (startsWithIgnoreCase(text, "cpe:2.3:")) {
        return parseFormatted(text.substr(8));
    }
    if (startsWithIgnoreCase(text, "cpe:/")) {
        return parseUri(text.substr(5));
    }
    return std::nullopt;
}

std::string toCpe23(const Cpe& cpe) {
    std::string out = "cpe:2.3:";
    out += cpe.part;
    for (const std::string* value : valuesOf(cpe)) {
        out += ':';
        appendFs(out, *value);
    }
    return out;
}

std::string toCpe22(const Cpe& cpe) {
    std::vector<std::string> fields;
    fields.emplace_back(cpe.part == '*' ? "" : std::string(1, cpe.part));
    for (const std::string* value : {&cpe.vendor, &cpe.product, &cpe.version, &cpe.update}) {
        fields.push_back(uriValue(*value));
    }
    if (isAnyValue(cpe.swEdition) && isAnyValue(cpe.targetSw) && isAnyValue(cpe.targetHw) &&
        isAnyValue(cpe.other)) {
        fields.push_back(uriValue(cpe.edition));
    } else {
        std::string packed;
        for (const std::string* value :
             {&cpe.edition, &cpe.swEdition, &cpe.targetSw, &cpe.targetHw, &cpe.other}) {
            packed += '~';
            packed += uriValue(*value);
        }
        fields.push_back(std::move(packed));
    }
    fields.push_back(uriValue(cpe.language));
    while (fields.size() > 3 && fields.back().empty()) {
        fields.pop_back();
    }
    std::string out = "cpe:/";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) {
            out += ':';
        }
        out += fields[i];
    }
    return out;
}

} // namespace vw
