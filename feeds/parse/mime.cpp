#include "feeds/parse/mime.h"

#include "core/text.h"
#include "feeds/parse/charset.h"

#include <array>
#include <cstdint>

namespace vw::mime {

namespace {

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}

bool isAlpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/// `text` holds `prefix` at `pos`, compared as by equalsIgnoreCase().
bool startsWithIgnoreCaseAt(std::string_view text, std::size_t pos, std::string_view prefix) {
    return pos <= text.size() && startsWithIgnoreCase(text.substr(pos), prefix);
}

/// The end of the line starting at `pos` (the offset of its '\n', or text.size()).
std::size_t lineEnd(std::string_view text, std::size_t pos) {
    const auto nl = text.find('\n', pos);
    return nl == std::string_view::npos ? text.size() : nl;
}

/// The line at [pos, end) without a trailing '\r'.
std::string_view lineAt(std::string_view text, std::size_t pos, std::size_t end) {
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

/// Splits a multipart body at its delimiter lines; `closed` tells whether the close delimiter
/// was found.
std::vector<std::string_view> splitMultipart(std::string_view body, std::string_view boundary,
                                             bool& closed) {
    const std::string delimiter = "--" + std::string(boundary);
    std::vector<std::string_view> parts;
    closed = false;
    std::optional<std::size_t> partStart;
    std::size_t pos = 0;
    while (pos <= body.size()) {
        const std::size_t end = lineEnd(body, pos);
        const std::string_view line = lineAt(body, pos, end);
        bool isDelimiter = false;
        bool isClose = false;
        if (line.substr(0, delimiter.size()) == delimiter) {
            std::string_view rest = line.substr(delimiter.size());
            if (rest.substr(0, 2) == "--") {
                isClose = true;
                rest.remove_prefix(2);
            }
            isDelimiter = trim(rest).empty();
        }
        if (isDelimiter) {
            if (partStart) {
                // The line break before the delimiter belongs to the delimiter.
                std::size_t partEnd = pos;
                if (partEnd > *partStart && body[partEnd - 1] == '\n') {
                    --partEnd;
                    if (partEnd > *partStart && body[partEnd - 1] == '\r') {
                        --partEnd;
                    }
                }
                parts.push_back(body.substr(*partStart, partEnd - *partStart));
            }
            if (isClose) {
                closed = true;
                return parts;
            }
            partStart = end < body.size() ? end + 1 : body.size();
        }
        if (end >= body.size()) {
            break;
        }
        pos = end + 1;
    }
    if (partStart) {
        parts.push_back(body.substr(*partStart));
    }
    return parts;
}

std::string percentDecode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
            hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

/// Decodes the text of a Q-encoded word.
std::string decodeQ(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_') {
            out.push_back(' ');
        } else if (text[i] == '=' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
                   hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

struct EncodedWord {
    std::string charset; // lower case, RFC 2231 language suffix removed
    std::string bytes;   // decoded, still in `charset`
    std::size_t length = 0;
    bool truncated = false;
};

/// An encoded word at `pos` (which holds "=?"), if there is a well-formed one.
std::optional<EncodedWord> encodedWordAt(std::string_view text, std::size_t pos) {
    const auto q1 = text.find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= text.size() || text[q1 + 2] != '?') {
        return std::nullopt;
    }
    const std::string_view charset = text.substr(pos + 2, q1 - pos - 2);
    if (charset.empty() || charset.size() > 64) {
        return std::nullopt;
    }
    for (char c : charset) {
        if (isSpace(c) || c == '=') {
            return std::nullopt;
        }
    }
    const char encoding = toLower(text[q1 + 1]);
    if (encoding != 'b' && encoding != 'q') {
        return std::nullopt;
    }
    const auto payloadStart = q1 + 3;
    const auto close = text.find("?=", payloadStart);
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view payload = text.substr(payloadStart, close - payloadStart);
    for (char c : payload) {
        if (isSpace(c)) {
            return std::nullopt;
        }
    }
    EncodedWord word;
    word.charset = lowerAscii(charset.substr(0, charset.find('*')));
    word.length = close + 2 - pos;
    if (encoding == 'b') {
        word.bytes = decodeBase64(payload, word.truncated);
    } else {
        word.bytes = decodeQ(payload);
    }
    return word;
}

struct NamedEntity {
    std::string_view name;
    char32_t codePoint;
};

constexpr std::array<NamedEntity, 32> kEntities = {{
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},    {"apos", '\''},
    {"nbsp", ' '},     {"copy", 0xA9},    {"reg", 0xAE},     {"yen", 0xA5},    {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"laquo", 0xAB},   {"raquo", 0xBB},  {"middot", 0xB7},
    {"times", 0xD7},   {"ensp", ' '},     {"emsp", ' '},     {"thinsp", ' '},  {"lsquo", 0x2018},
    {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bull", 0x2022}, {"trade", 0x2122},
    {"euro", 0x20AC},  {"deg", 0xB0},     {"para", 0xB6},    {"sect", 0xA7},   {"larr", 0x2190},
    {"rarr", 0x2192},  {"shy", 0xAD},
}};

/// Decodes the character reference at `pos` (which holds '&') into `out`; returns the bytes
/// consumed, 0 when it is not one (the '&' is then literal).
std::size_t decodeEntity(std::string_view text, std::size_t pos, std::string& out) {
    const auto semi = text.find(';', pos + 1);
    if (semi == std::string_view::npos || semi - pos > 12 || semi == pos + 1) {
        return 0;
    }
    const std::string_view name = text.substr(pos + 1, semi - pos - 1);
    if (name[0] == '#') {
        char32_t value = 0;
        std::size_t i = 1;
        const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        if (hex) {
            ++i;
        }
        if (i >= name.size()) {
            return 0;
        }
        for (; i < name.size(); ++i) {
            const int digit = hex ? hexValue(name[i]) : (isDigit(name[i]) ? name[i] - '0' : -1);
            if (digit < 0) {
                return 0;
            }
            value = value * (hex ? 16 : 10) + static_cast<char32_t>(digit);
            if (value > 0x10FFFF) {
                value = 0x110000;
            }
        }
        appendUtf8(out, value == 0 ? 0xFFFD : value);
        return semi + 1 - pos;
    }
    for (const auto& entity : kEntities) {
        if (entity.name == name) {
            if (entity.codePoint != 0xAD) {
                appendUtf8(out, entity.codePoint);
            }
            return semi + 1 - pos;
        }
    }
    return 0;
}

std::string decodeEntities(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '&') {
            const std::size_t used = decodeEntity(text, i, out);
            if (used > 0) {
                i += used - 1;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

/// Builds plain text from HTML pieces: collapses whitespace, limits blank lines.
class TextBuilder {
public:
    void text(std::string_view piece, bool pre) {
        for (char c : piece) {
            if (pre) {
                if (c == '\n') {
                    newline(1);
                } else if (c != '\r') {
                    out_.push_back(c);
                }
            } else if (isSpace(c)) {
                if (!out_.empty() && out_.back() != ' ' && out_.back() != '\n') {
                    out_.push_back(' ');
                }
            } else {
                out_.push_back(c);
            }
        }
    }

    /// Ends the current line; `lines` = 2 leaves a blank line.
    void newline(int lines) {
        while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) {
            out_.pop_back();
        }
        if (out_.empty()) {
            return;
        }
        int have = 0;
        for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n'; ++it) {
            ++have;
        }
        for (; have < lines; ++have) {
            out_.push_back('\n');
        }
    }

    std::size_t size() const { return out_.size(); }
    std::string_view since(std::size_t mark) const {
        return std::string_view(out_).substr(std::min(mark, out_.size()));
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

bool oneOf(std::string_view name, std::initializer_list<std::string_view> names) {
    for (auto candidate : names) {
        if (name == candidate) {
            return true;
        }
    }
    return false;
}

/// The value of attribute `attribute` in the inside of a tag (`a href="…" class=x`), or "".
std::string attributeValue(std::string_view tag, std::string_view attribute) {
    std::size_t i = 0;
    while (i < tag.size() && !isSpace(tag[i])) {
        ++i; // the tag name
    }
    while (i < tag.size()) {
        while (i < tag.size() && (isSpace(tag[i]) || tag[i] == '/')) {
            ++i;
        }
        const std::size_t nameStart = i;
        while (i < tag.size() && !isSpace(tag[i]) && tag[i] != '=' && tag[i] != '/') {
            ++i;
        }
        const std::string_view name = tag.substr(nameStart, i - nameStart);
        while (i < tag.size() && isSpace(tag[i])) {
            ++i;
        }
        std::string_view value;
        if (i < tag.size() && tag[i] == '=') {
            ++i;
            while (i < tag.size() && isSpace(tag[i])) {
                ++i;
            }
            if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
                const char quote = tag[i++];
                const auto close = tag.find(quote, i);
                const std::size_t end = close == std::string_view::npos ? tag.size() : close;
                value = tag.substr(i, end - i);
                i = end + 1;
            } else {
                const std::size_t start = i;
                while (i < tag.size() && !isSpace(tag[i])) {
                    ++i;
                }
                value = tag.substr(start, i - start);
            }
        }
        if (name.empty()) {
            ++i;
            continue;
        }
        if (equalsIgnoreCase(name, attribute)) {
            return decodeEntities(value);
        }
    }
    return "";
}

/// Finds the end of the tag opened at `pos` ('<'), honouring quoted attribute values.
std::size_t tagEnd(std::string_view html, std::size_t pos) {
    char quote = 0;
    for (std::size_t i = pos + 1; i < html.size(); ++i) {
        const char c = html[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            // Only quotes that open an attribute value count.
            if (i > 0 && html[i - 1] == '=') {
                quote = c;
            }
        } else if (c == '>') {
            return i;
        }
    }
    return std::string_view::npos;
}

/// The offset just past `</name ...>` from `pos`, or npos.
std::size_t skipPastClose(std::string_view html, std::size_t pos, std::string_view name) {
    const std::string close = "</" + std::string(name);
    for (std::size_t i = pos; i < html.size(); ++i) {
        if (html[i] == '<' && startsWithIgnoreCaseAt(html, i, close)) {
            const std::size_t after = i + close.size();
            if (after < html.size() && (isAlpha(html[after]) || isDigit(html[after]))) {
                continue;
            }
            const auto end = html.find('>', after);
            return end == std::string_view::npos ? html.size() : end + 1;
        }
    }
    return std::string_view::npos;
}

std::optional<int> number(std::string_view token) {
    if (token.empty() || token.size() > 9) {
        return std::nullopt;
    }
    int value = 0;
    for (char c : token) {
        if (!isDigit(c)) {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

std::optional<int> monthNumber(std::string_view token) {
    static constexpr std::array<std::string_view, 12> names = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (token.size() < 3) {
        return std::nullopt;
    }
    const std::string head = lowerAscii(token.substr(0, 3));
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (head == names[i]) {
            return static_cast<int>(i) + 1;
        }
    }
    return std::nullopt;
}

std::optional<int> zoneMinutes(std::string_view token) {
    if (token.size() == 5 && (token[0] == '+' || token[0] == '-')) {
        const auto hours = number(token.substr(1, 2));
        const auto minutes = number(token.substr(3, 2));
        if (!hours || !minutes || *hours > 23 || *minutes > 59) {
            return std::nullopt;
        }
        const int total = *hours * 60 + *minutes;
        return token[0] == '-' ? -total : total;
    }
    const std::string zone = lowerAscii(token);
    static constexpr std::array<std::pair<std::string_view, int>, 12> zones = {{{"ut", 0},
                                                                                {"utc", 0},
                                                                                {"gmt", 0},
                                                                                {"z", 0},
                                                                                {"est", -300},
                                                                                {"edt", -240},
                                                                                {"cst", -360},
                                                                                {"cdt", -300},
                                                                                {"mst", -420},
                                                                                {"mdt", -360},
                                                                                {"pst", -480},
                                                                                {"pdt", -420}}};
    for (const auto& [name, minutes] : zones) {
        if (zone == name) {
            return minutes;
        }
    }
    if (zone == "jst") {
        return 540;
    }
    if (zone.size() == 1 && isAlpha(zone[0])) {
        return 0; // military zones: RFC 5322 says to read them as -0000
    }
    return std::nullopt;
}

} // namespace

const std::string* Entity::header(std::string_view name) const {
    for (const auto& field : headers) {
        if (equalsIgnoreCase(field.name, name)) {
            return &field.value;
        }
    }
    return nullptr;
}

std::string Entity::param(std::string_view name) const {
    for (const auto& [key, value] : params) {
        if (key == name) {
            return value;
        }
    }
    return "";
}

std::vector<HeaderField> parseHeaders(std::string_view raw, std::size_t& bodyStart) {
    std::vector<HeaderField> fields;
    bodyStart = raw.size();
    std::size_t pos = 0;
    bool first = true;
    while (pos < raw.size()) {
        const std::size_t end = lineEnd(raw, pos);
        const std::string_view line = lineAt(raw, pos, end);
        const std::size_t next = end < raw.size() ? end + 1 : raw.size();
        if (line.empty()) {
            bodyStart = next;
            return fields;
        }
        if (isWsp(line.front())) {
            if (!fields.empty()) {
                fields.back().value.append(line);
            }
        } else {
            const auto colon = line.find(':');
            const std::string_view name =
                colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
            bool validName = !name.empty();
            for (char c : name) {
                if (static_cast<unsigned char>(c) <= 32 || static_cast<unsigned char>(c) >= 127) {
                    validName = false;
                    break;
                }
            }
            if (validName) {
                fields.push_back(
                    HeaderField{std::string(name), std::string(line.substr(colon + 1))});
            } else if (!(first && line.substr(0, 5) == "From ")) {
                // Not a header line and no blank line before it: the body starts here.
                bodyStart = pos;
                break;
            }
        }
        first = false;
        pos = next;
    }
    for (auto& field : fields) {
        field.value = std::string(trim(field.value));
    }
    return fields;
}

std::string parseStructured(std::string_view value,
                            std::vector<std::pair<std::string, std::string>>& params) {
    std::size_t i = 0;
    const auto skipSpaceAndComments = [&] {
        while (i < value.size()) {
            if (isSpace(value[i])) {
                ++i;
            } else if (value[i] == '(') {
                int depth = 0;
                while (i < value.size()) {
                    if (value[i] == '\\') {
                        ++i;
                    } else if (value[i] == '(') {
                        ++depth;
                    } else if (value[i] == ')' && --depth == 0) {
                        ++i;
                        break;
                    }
                    ++i;
                }
            } else {
                break;
            }
        }
    };
    skipSpaceAndComments();
    const std::size_t start = i;
    while (i < value.size() && value[i] != ';' && !isSpace(value[i]) && value[i] != '(') {
        ++i;
    }
    std::string first = lowerAscii(value.substr(start, i - start));
    while (i < value.size()) {
        const auto semi = value.find(';', i);
        if (semi == std::string_view::npos) {
            break;
        }
        i = semi + 1;
        skipSpaceAndComments();
        const std::size_t nameStart = i;
        while (i < value.size() && value[i] != '=' && value[i] != ';' && !isSpace(value[i])) {
            ++i;
        }
        std::string name = lowerAscii(value.substr(nameStart, i - nameStart));
        skipSpaceAndComments();
        if (i >= value.size() || value[i] != '=') {
            continue;
        }
        ++i;
        skipSpaceAndComments();
        std::string parameter;
        if (i < value.size() && value[i] == '"') {
            ++i;
            while (i < value.size() && value[i] != '"') {
                if (value[i] == '\\' && i + 1 < value.size()) {
                    ++i;
                }
                parameter.push_back(value[i]);
                ++i;
            }
            if (i < value.size()) {
                ++i;
            }
        } else {
            const std::size_t valueStart = i;
            while (i < value.size() && value[i] != ';' && !isSpace(value[i])) {
                ++i;
            }
            parameter.assign(value.substr(valueStart, i - valueStart));
        }
        if (!name.empty() && name.back() == '*') {
            // RFC 2231 extended value: charset'language'percent-encoded
            name.pop_back();
            const auto q1 = parameter.find('\'');
            const auto q2 = q1 == std::string::npos ? q1 : parameter.find('\'', q1 + 1);
            if (q2 != std::string::npos) {
                const std::string charset = parameter.substr(0, q1);
                const std::string bytes = percentDecode(std::string_view(parameter).substr(q2 + 1));
                parameter = toUtf8(bytes, charset).text;
            }
        }
        if (!name.empty()) {
            params.emplace_back(std::move(name), std::move(parameter));
        }
    }
    return first;
}

Entity parseEntity(std::string_view raw, std::vector<std::string>& problems, int maxDepth) {
    Entity entity;
    entity.raw = raw;
    std::size_t bodyStart = 0;
    entity.headers = parseHeaders(raw, bodyStart);
    entity.body = raw.substr(bodyStart);
    if (const auto* contentType = entity.header("Content-Type")) {
        std::string type = parseStructured(*contentType, entity.params);
        if (type.find('/') != std::string::npos) {
            entity.type = std::move(type);
        } else {
            problems.push_back("unreadable Content-Type '" + printableLabel(*contentType) +
                               "', read as text/plain");
            entity.params.clear();
        }
    }
    if (entity.type.rfind("multipart/", 0) == 0) {
        const std::string boundary = entity.param("boundary");
        if (boundary.empty()) {
            problems.push_back(entity.type + " without a boundary, read as text");
            entity.type = "text/plain";
            return entity;
        }
        if (maxDepth <= 0) {
            problems.push_back("multipart nesting too deep, inner parts ignored");
            return entity;
        }
        bool closed = false;
        for (std::string_view part : splitMultipart(entity.body, boundary, closed)) {
            entity.parts.push_back(parseEntity(part, problems, maxDepth - 1));
        }
        if (!closed) {
            problems.push_back(entity.type + " is not closed by its boundary (truncated?)");
        }
    }
    return entity;
}

std::string decodeQuotedPrintable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '=') {
            out.push_back(c);
            continue;
        }
        if (i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
            continue;
        }
        // Soft line break: '=', optional transport padding, then the line end.
        std::size_t j = i + 1;
        while (j < text.size() && isWsp(text[j])) {
            ++j;
        }
        if (j == text.size()) {
            i = j;
            continue;
        }
        if (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n') {
            i = j + 1;
            continue;
        }
        if (text[j] == '\n' || text[j] == '\r') {
            i = j;
            continue;
        }
        out.push_back('=');
    }
    return out;
}

std::string decodeBase64(std::string_view text, bool& truncated) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t count = 0;
    bool padded = false;
    for (char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '+' || c == '-') {
            value = 62;
        } else if (c == '/' || c == '_') {
            value = 63;
        } else if (c == '=') {
            padded = true;
            break;
        }
        if (value < 0) {
            continue;
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        ++count;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
        }
    }
    truncated = (count % 4 == 1) || (count % 4 != 0 && !padded);
    return out;
}

std::string decodeHeader(std::string_view value, std::vector<std::string>& problems) {
    std::string out;
    std::string pendingCharset;
    std::string pendingBytes;
    bool havePending = false;
    const auto flush = [&] {
        if (!havePending) {
            return;
        }
        ConvertedText converted = toUtf8(pendingBytes, pendingCharset);
        if (!converted.problem.empty()) {
            problems.push_back("header: " + converted.problem);
        }
        out += converted.text;
        pendingBytes.clear();
        havePending = false;
    };
    const auto appendPlain = [&](std::string_view plain) {
        if (plain.empty()) {
            return;
        }
        flush();
        ConvertedText converted = toUtf8(plain, "");
        if (!converted.problem.empty()) {
            problems.push_back("header: " + converted.problem);
        }
        out += converted.text;
    };
    std::size_t pos = 0;
    std::size_t plainStart = 0;
    bool lastWasWord = false;
    while (pos < value.size()) {
        const auto open = value.find("=?", pos);
        if (open == std::string_view::npos) {
            break;
        }
        auto word = encodedWordAt(value, open);
        if (!word) {
            pos = open + 2;
            continue;
        }
        std::string_view between = value.substr(plainStart, open - plainStart);
        if (lastWasWord && trim(between).empty()) {
            between = {}; // whitespace between adjacent encoded words is not text
        }
        appendPlain(between);
        if (word->truncated) {
            problems.push_back("header: truncated base64 in an encoded word");
        }
        if (havePending && word->charset != pendingCharset) {
            flush();
        }
        pendingCharset = word->charset;
        pendingBytes += word->bytes;
        havePending = true;
        pos = open + word->length;
        plainStart = pos;
        lastWasWord = true;
    }
    appendPlain(value.substr(plainStart));
    flush();
    return out;
}

std::optional<DateTime> parseMailDate(std::string_view value) {
    std::string cleaned;
    int depth = 0;
    for (char c : value) {
        if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            cleaned.push_back(c == ',' ? ' ' : c);
        }
    }
    std::vector<std::string_view> tokens;
    std::string_view rest(cleaned);
    while (true) {
        rest = trim(rest);
        if (rest.empty()) {
            break;
        }
        std::size_t end = 0;
        while (end < rest.size() && !isSpace(rest[end])) {
            ++end;
        }
        tokens.push_back(rest.substr(0, end));
        rest.remove_prefix(end);
    }
    std::size_t t = 0;
    if (t < tokens.size() && !tokens[t].empty() && isAlpha(tokens[t][0])) {
        ++t; // day of week
    }
    if (tokens.size() < t + 4) {
        return std::nullopt;
    }
    const auto day = number(tokens[t]);
    const auto month = monthNumber(tokens[t + 1]);
    auto year = number(tokens[t + 2]);
    const std::string_view time = tokens[t + 3];
    if (!day || !month || !year || tokens[t + 2].size() < 2) {
        return std::nullopt;
    }
    if (tokens[t + 2].size() == 2) {
        *year += *year < 50 ? 2000 : 1900;
    } else if (tokens[t + 2].size() == 3) {
        *year += 1900;
    }
    const auto c1 = time.find(':');
    if (c1 == std::string_view::npos) {
        return std::nullopt;
    }
    const auto c2 = time.find(':', c1 + 1);
    const auto hour = number(time.substr(0, c1));
    const auto minute = number(
        time.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1));
    std::optional<int> second = 0;
    if (c2 != std::string_view::npos) {
        second = number(time.substr(c2 + 1));
    }
    if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    static constexpr std::array<int, 12> monthDays = {31, 29, 31, 30, 31, 30,
                                                      31, 31, 30, 31, 30, 31};
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    if (*year < 1900 || *year > 9999 || *day < 1 || *day > monthDays[*month - 1] ||
        (*month == 2 && *day == 29 && !leap)) {
        return std::nullopt;
    }
    int offset = 0;
    if (tokens.size() > t + 4) {
        const auto zone = zoneMinutes(tokens[t + 4]);
        if (!zone) {
            return std::nullopt;
        }
        offset = *zone;
    }
    DateTime result;
    result.offsetMinutes = offset;
    result.epoch =
        daysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400 +
        *hour * 3600 + *minute * 60 + std::min(*second, 59) -
        static_cast<std::int64_t>(offset) * 60;
    return result;
}

std::string htmlToText(std::string_view html) {
    TextBuilder out;
    bool pre = false;
    std::string href;
    std::size_t linkMark = 0;
    std::size_t textStart = 0;
    std::size_t i = 0;
    const auto flushText = [&](std::size_t end) {
        if (end > textStart) {
            out.text(decodeEntities(html.substr(textStart, end - textStart)), pre);
        }
    };
    while (i < html.size()) {
        if (html[i] != '<') {
            ++i;
            continue;
        }
        if (html.substr(i, 4) == "<!--") {
            flushText(i);
            const auto close = html.find("-->", i + 4);
            i = close == std::string_view::npos ? html.size() : close + 3;
            textStart = i;
            continue;
        }
        const bool closing = i + 1 < html.size() && html[i + 1] == '/';
        const std::size_t nameStart = i + (closing ? 2 : 1);
        std::size_t nameEnd = nameStart;
        while (nameEnd < html.size() && (isAlpha(html[nameEnd]) || isDigit(html[nameEnd]))) {
            ++nameEnd;
        }
        const bool declaration = !closing && nameStart < html.size() &&
                                 (html[nameStart] == '!' || html[nameStart] == '?');
        if (nameEnd == nameStart && !declaration) {
            ++i; // a literal '<'
            continue;
        }
        const std::size_t end = tagEnd(html, i);
        if (end == std::string_view::npos) {
            ++i;
            continue;
        }
        flushText(i);
        const std::string name = lowerAscii(html.substr(nameStart, nameEnd - nameStart));
        i = end + 1;
        textStart = i;
        if (declaration) {
            continue;
        }
        if (!closing && oneOf(name, {"script", "style", "head", "title", "template"})) {
            const auto after = skipPastClose(html, i, name);
            if (after != std::string_view::npos) {
                i = after;
                textStart = i;
            } else if (name != "head") {
                i = html.size();
                textStart = i;
            }
            continue;
        }
        if (name == "br") {
            out.newline(1);
        } else if (oneOf(name, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                                "blockquote", "hr", "dl"})) {
            out.newline(2);
        } else if (name == "pre") {
            out.newline(2);
            pre = !closing;
        } else if (oneOf(name,
                         {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer",
                          "address", "center", "form", "caption", "nav", "main", "body", "html"})) {
            out.newline(1);
        } else if (oneOf(name, {"td", "th"}) && !closing) {
            out.text(" ", false);
        } else if (name == "a") {
            if (!closing) {
                href = attributeValue(html.substr(nameStart, end - nameStart), "href");
                linkMark = out.size();
            } else if (!href.empty()) {
                const bool web = href.rfind("http://", 0) == 0 || href.rfind("https://", 0) == 0;
                if (web && out.since(linkMark).find(href) == std::string_view::npos) {
                    out.text(" <" + href + ">", false);
                }
                href.clear();
            }
        }
    }
    flushText(html.size());
    return out.take();
}

} // namespace vw::mime
