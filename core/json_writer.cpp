#include "core/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace vw {

namespace {

constexpr std::string_view replacementCharacter = "\xEF\xBF\xBD"; // U+FFFD

/// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 when it is not one;
/// `invalidLength` then says how many bytes form the maximal ill-formed prefix (at least 1).
std::size_t utf8SequenceLength(std::string_view text, std::size_t& invalidLength) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    invalidLength = 1;
    std::size_t length = 0;
    unsigned char low = 0x80; // allowed range of the second byte
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) {
            low = 0xA0; // no overlong forms
        } else if (lead == 0xED) {
            high = 0x9F; // no surrogates
        }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) {
            low = 0x90;
        } else if (lead == 0xF4) {
            high = 0x8F; // nothing above U+10FFFF
        }
    } else {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if (i >= text.size()) {
            return 0;
        }
        const unsigned char b = byte(i);
        const bool ok = i == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xBF);
        if (!ok) {
            return 0;
        }
        invalidLength = i + 1;
    }
    return length;
}

/// True when one of the 8 bytes in `word` may need more than copying into a JSON string: a
/// control character, '"', '\\' or a byte of a multi-byte UTF-8 sequence (≥ 0x80). It may
/// report a word that needs nothing (then the bytes are looked at one by one), never the reverse.
bool wordNeedsCare(std::uint64_t word) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    const auto hasZeroByte = [](std::uint64_t v) { return (v - ones) & ~v & high; };
    const std::uint64_t belowSpace = (word - ones * 0x20) & ~word & high;
    return ((word & high) | belowSpace | hasZeroByte(word ^ (ones * '"')) |
            hasZeroByte(word ^ (ones * '\\'))) != 0;
}

void appendNumber(std::string& out, double number) {
    if (!std::isfinite(number)) {
        out += "null"; // JSON has no NaN or infinity
        return;
    }
    // One decimal, the usual case (CVSS scores): written directly, std::to_chars took 400
    // instructions a number (`advisories show` of an alert writes 2,000). Exact: `number` is
    // the double nearest to tenths / 10 (the division is correctly rounded), and every shorter
    // decimal is an integer, which a double below 1e9 holds exactly and so is not `number`:
    // "I.F" is the shortest form that reads back as `number`, the one std::to_chars writes.
    if (std::fabs(number) < 1e9) {
        const auto tenths = static_cast<long long>(std::nearbyint(number * 10));
        if (tenths % 10 != 0 && static_cast<double>(tenths) / 10 == number) {
            const unsigned long long magnitude =
                tenths < 0 ? 0ULL - static_cast<unsigned long long>(tenths)
                           : static_cast<unsigned long long>(tenths);
            if (tenths < 0) {
                out += '-';
            }
            char digits[24];
            const auto end = std::to_chars(digits, digits + sizeof digits, magnitude / 10).ptr;
            out.append(digits, end);
            out += '.';
            out += static_cast<char>('0' + magnitude % 10);
            return;
        }
    }
    char buffer[64];
    std::to_chars_result result{};
    const bool integral = number == std::trunc(number) && std::fabs(number) < 1e15;
    if (integral) {
        result = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::fixed, 0);
    } else {
        result = std::to_chars(buffer, buffer + sizeof buffer, number);
    }
    out.append(buffer, result.ptr);
    if (integral) {
        out += ".0";
    }
}

} // namespace

void appendJsonString(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + text.size() + 2); // one growth at most, for text without escapes
    out += '"';
    // Runs of bytes that need no escaping (printable ASCII, valid UTF-8 sequences) are appended
    // in one piece; only escapes and invalid bytes interrupt a run.
    std::size_t runStart = 0;
    std::size_t i = 0;
    const auto flushRun = [&](std::size_t end) {
        if (end > runStart) {
            out.append(text.data() + runStart, end - runStart);
        }
    };
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    // The usual Japanese character: a three-byte sequence whose lead byte allows every
    // continuation byte (E0 and ED restrict the second byte: left to utf8SequenceLength).
    const auto threeByteAt = [&](std::size_t at) {
        const unsigned char lead = bytes[at];
        return (static_cast<unsigned char>(lead - 0xE1) <= 0x0B || (lead & 0xFEu) == 0xEEu) &&
               at + 2 < size && (bytes[at + 1] & 0xC0u) == 0x80u &&
               (bytes[at + 2] & 0xC0u) == 0x80u;
    };
    while (i < size) {
        const unsigned char c = bytes[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            // Plain ASCII: go on eight bytes at a time while they stay plain.
            ++i;
            while (i + 8 <= size) {
                std::uint64_t word = 0;
                std::memcpy(&word, bytes + i, sizeof word);
                if (wordNeedsCare(word)) {
                    break;
                }
                i += 8;
            }
            continue;
        }
        if (threeByteAt(i)) {
            // A Japanese title is mostly a run of them: checked one after another here.
            i += 3;
            while (i < size && threeByteAt(i)) {
                i += 3;
            }
            continue;
        }
        if (c >= 0x80) {
            std::size_t invalidLength = 1;
            const std::size_t length = utf8SequenceLength(text.substr(i), invalidLength);
            if (length != 0) {
                i += length;
                continue;
            }
            flushRun(i);
            out += replacementCharacter;
            i += invalidLength;
            runStart = i;
            continue;
        }
        flushRun(i);
        if (c == '"') {
            out += "\\\"";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n"; // the short escapes keep multi-line summaries readable
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
        ++i;
        runStart = i;
    }
    flushRun(text.size());
    out += '"';
}

void JsonWriter::separate() {
    if (afterKey_) {
        afterKey_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) {
            out_ += ',';
        }
        first_.back() = 0;
    }
}

JsonWriter& JsonWriter::beginObject() {
    separate();
    out_ += '{';
    first_.push_back(1);
    return *this;
}

JsonWriter& JsonWriter::endObject() {
    if (first_.empty() || afterKey_) {
        throw std::logic_error("JsonWriter: endObject without an open object");
    }
    first_.pop_back();
    out_ += '}';
    return *this;
}

JsonWriter& JsonWriter::beginArray() {
    separate();
    out_ += '[';
    first_.push_back(1);
    return *this;
}

JsonWriter& JsonWriter::endArray() {
    if (first_.empty() || afterKey_) {
        throw std::logic_error("JsonWriter: endArray without an open array");
    }
    first_.pop_back();
    out_ += ']';
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    if (first_.empty() || afterKey_) {
        throw std::logic_error("JsonWriter: key outside an object");
    }
    separate();
    // Keys are the program's own names: plain ASCII is appended as it is (half a million keys
    // an import of 10,000 VULDEF entries; the general escaper took 300 instructions a key).
    bool plain = true;
    for (const char c : name) {
        plain = plain && c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
    }
    if (plain) {
        const std::size_t at = out_.size();
        out_.resize(at + name.size() + 3);
        char* p = out_.data() + at;
        *p++ = '"';
        std::memcpy(p, name.data(), name.size());
        p += name.size();
        *p++ = '"';
        *p = ':';
    } else {
        appendJsonString(out_, name);
        out_ += ':';
    }
    afterKey_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    appendJsonString(out_, text);
    return *this;
}

JsonWriter& JsonWriter::value(double number) {
    separate();
    appendNumber(out_, number);
    return *this;
}

JsonWriter& JsonWriter::value(long long number) {
    separate();
    out_ += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::stringArray(const std::vector<std::string>& items) {
    beginArray();
    for (const auto& item : items) {
        value(std::string_view(item));
    }
    return endArray();
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
}

namespace {

void writeDate(JsonWriter& json, const std::optional<DateTime>& date) {
    if (date) {
        json.value(std::string_view(formatIsoDateTime(*date)));
    } else {
        json.null();
    }
}

/// Writes `"name":"text"` unless `text` is empty.
void optionalString(JsonWriter& json, std::string_view name, const std::string& text) {
    if (!text.empty()) {
        json.key(name).value(std::string_view(text));
    }
}

void optionalArray(JsonWriter& json, std::string_view name, const std::vector<std::string>& items) {
    if (!items.empty()) {
        json.key(name).stringArray(items);
    }
}

} // namespace

std::string toJson(const Advisory& advisory) {
    JsonWriter json;
    json.beginObject();
    json.key("source").value(std::string_view(advisory.source));
    json.key("id").value(std::string_view(advisory.id));
    json.key("aliases").stringArray(advisory.aliases);
    json.key("title").value(std::string_view(advisory.title));
    json.key("summary").value(std::string_view(advisory.summary));
    json.key("url").value(std::string_view(advisory.url));
    json.key("published");
    writeDate(json, advisory.published);
    json.key("modified");
    writeDate(json, advisory.modified);
    json.key("cvss").beginArray();
    for (const auto& cvss : advisory.cvss) {
        json.beginObject();
        json.key("version").value(std::string_view(cvss.version));
        json.key("score").value(cvss.score);
        json.key("severity").value(std::string_view(cvss.severity));
        json.key("vector").value(std::string_view(cvss.vector));
        json.endObject();
    }
    json.endArray();
    json.key("cpes").stringArray(advisory.cpes);
    json.key("affected").beginArray();
    for (const auto& item : advisory.affected) {
        json.beginObject();
        json.key("vendor").value(std::string_view(item.vendor));
        json.key("product").value(std::string_view(item.product));
        json.key("cpe").value(std::string_view(item.cpe));
        json.key("versions").stringArray(item.versions);
        json.endObject();
    }
    json.endArray();
    json.key("references").beginArray();
    for (const auto& reference : advisory.references) {
        json.beginObject();
        json.key("source").value(std::string_view(reference.source));
        json.key("id").value(std::string_view(reference.id));
        json.key("url").value(std::string_view(reference.url));
        json.endObject();
    }
    json.endArray();
    json.key("withdrawn").value(advisory.withdrawn);
    // Extensions of the contract: only present where the source has them.
    if (!advisory.history.empty()) {
        json.key("history").beginArray();
        for (const auto& h : advisory.history) {
            json.beginObject().key("number").value(h.number).key("date");
            if (h.date) {
                json.value(formatIsoDateTime(*h.date));
            } else {
                json.null();
            }
            json.key("description").value(h.description).endObject();
        }
        json.endArray();
    }
    if (advisory.source == "mail") {
        json.key("signature").value(advisory.signature).key("list").value(advisory.list);
    }
    json.endObject();
    return json.str();
}

std::string toJson(const Match& match) {
    JsonWriter json;
    json.beginObject();
    json.key("advisory").value(std::string_view(match.advisory));
    json.key("aliases").stringArray(match.aliases);
    json.key("product").value(std::string_view(match.product));
    json.key("version").value(std::string_view(match.version));
    json.key("component").value(std::string_view(match.component));
    json.key("confidence").value(match.confidence);
    json.key("method").value(std::string_view(match.method));
    json.key("reason").value(std::string_view(match.reason));
    json.key("verdict").value(std::string_view(match.verdict));
    json.endObject();
    return json.str();
}

namespace {

void writeComponents(JsonWriter& json, const std::vector<Component>& components) {
    if (components.empty()) {
        return;
    }
    json.key("components").beginArray();
    for (const auto& component : components) {
        json.beginObject();
        optionalString(json, "vendor", component.vendor);
        json.key("name").value(std::string_view(component.name));
        optionalString(json, "version", component.version);
        // One CPE as "cpe" (the older form every reader knows), several as "cpes".
        if (component.cpes.size() == 1) {
            json.key("cpe").value(std::string_view(component.cpes.front()));
        } else {
            optionalArray(json, "cpes", component.cpes);
        }
        optionalString(json, "purl", component.purl);
        optionalString(json, "supplier", component.supplier);
        json.endObject();
    }
    json.endArray();
}

} // namespace

std::string toJson(const std::vector<RegisteredProduct>& products) {
    JsonWriter json;
    json.beginObject();
    json.key("products").beginArray();
    for (const auto& product : products) {
        json.beginObject();
        json.key("name").value(std::string_view(product.name));
        optionalArray(json, "owners", product.owners);
        optionalArray(json, "keywords", product.keywords);
        optionalArray(json, "cpes", product.cpes);
        optionalString(json, "mission", product.mission);
        if (product.removed) {
            json.key("removed").value(true);
        }
        json.key("versions").beginArray();
        for (const auto& version : product.versions) {
            json.beginObject();
            json.key("version").value(std::string_view(version.version));
            optionalArray(json, "owners", version.owners);
            if (version.removed) {
                json.key("removed").value(true);
            }
            writeComponents(json, version.components);
            json.endObject();
        }
        json.endArray();
        json.endObject();
    }
    json.endArray();
    json.endObject();
    return json.str();
}

} // namespace vw
