#include "core/cpe.h"

#include "core/text.h"

#include <vector>

namespace vw {

namespace {

/// Splits a 2.2 URI body at `:` and percent-decodes each field (lower-cased).
std::optional<std::vector<std::string>> splitUri(std::string_view body) {
    std::vector<std::string> fields(1);
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == ':') {
            fields.emplace_back();
        } else if (c == '%') {
            if (i + 2 >= body.size()) {
                return std::nullopt;
            }
            const int high = hexValue(body[i + 1]);
            const int low = hexValue(body[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            fields.back() += toLower(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            fields.back() += toLower(c);
        }
    }
    return fields;
}

/// Splits a 2.3 formatted string body at unescaped `:` and removes `\` escapes (lower-cased).
std::optional<std::vector<std::string>> splitFormatted(std::string_view body) {
    std::vector<std::string> fields(1);
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '\\') {
            if (i + 1 >= body.size()) {
                return std::nullopt;
            }
            fields.back() += toLower(body[++i]);
        } else if (c == ':') {
            fields.emplace_back();
        } else {
            fields.back() += toLower(c);
        }
    }
    return fields;
}

bool isNamed(const std::string& field) {
    return !field.empty() && field != "*" && field != "-";
}

/// Builds the Cpe from fields part, vendor, product[, version, …].
std::optional<Cpe> fromFields(const std::vector<std::string>& fields, std::size_t maxFields) {
    if (fields.size() < 3 || fields.size() > maxFields) {
        return std::nullopt;
    }
    const std::string& part = fields[0];
    Cpe cpe;
    if (part.empty() || part == "*") {
        cpe.part = '*';
    } else if (part == "a" || part == "o" || part == "h") {
        cpe.part = part[0];
    } else {
        return std::nullopt;
    }
    if (!isNamed(fields[1]) || !isNamed(fields[2])) {
        return std::nullopt;
    }
    cpe.vendor = fields[1];
    cpe.product = fields[2];
    if (fields.size() > 3) {
        cpe.version = fields[3];
    }
    return cpe;
}

} // namespace

std::optional<Cpe> parseCpe(std::string_view text) {
    text = trim(text);
    for (const char c : text) {
        if (isSpace(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            return std::nullopt;
        }
    }
    if (startsWithIgnoreCase(text, "cpe:2.3:")) {
        // cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:
        // target_hw:other
        const auto fields = splitFormatted(text.substr(8));
        return fields ? fromFields(*fields, 11) : std::nullopt;
    }
    if (startsWithIgnoreCase(text, "cpe:/")) {
        // cpe:/part:vendor:product:version:update:edition:language
        const auto fields = splitUri(text.substr(5));
        return fields ? fromFields(*fields, 7) : std::nullopt;
    }
    return std::nullopt;
}

} // namespace vw
