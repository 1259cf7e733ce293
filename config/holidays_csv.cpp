#include "config/holidays_csv.h"

#include "config/config.h"
#include "config/read_file.h"

#include <cerrno>
#include <cstdio>
#include <iconv.h>
#include <map>
#include <memory>
#include <optional>
#include <system_error>

namespace vw {

namespace {

constexpr std::size_t kMaxFileBytes = 1024u * 1024u;
constexpr std::size_t kMaxNameBytes = 200;
/// The holiday law dates from 1948 (法律第178号, 1948-07-20).
constexpr int kFirstLawYear = 1948;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

/// An iconv conversion to UTF-8, closed on scope exit.
class Decoder {
public:
    explicit Decoder(const char* from) : cd_(::iconv_open("UTF-8", from)) {
        if (cd_ == reinterpret_cast<iconv_t>(-1)) {
            throw std::runtime_error(std::string("iconv cannot convert from ") + from);
        }
    }
    ~Decoder() { ::iconv_close(cd_); }
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    /// The text in UTF-8, or nullopt with `badOffset` set to where the input stops being
    /// valid.
    std::optional<std::string> decode(std::string_view input, std::size_t& badOffset) {
        ::iconv(cd_, nullptr, nullptr, nullptr, nullptr); // reset the shift state
        std::string out;
        std::string in(input);
        char* inPtr = in.data();
        std::size_t inLeft = in.size();
        char buffer[1024];
        while (inLeft > 0) {
            char* outPtr = buffer;
            std::size_t outLeft = sizeof buffer;
            const std::size_t result = ::iconv(cd_, &inPtr, &inLeft, &outPtr, &outLeft);
            out.append(buffer, static_cast<std::size_t>(outPtr - buffer));
            if (result == static_cast<std::size_t>(-1) && errno != E2BIG) {
                badOffset = static_cast<std::size_t>(inPtr - in.data());
                return std::nullopt;
            }
        }
        return out;
    }

private:
    iconv_t cd_;
};

std::string_view trimSpaces(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/// "2026/1/1" or "2026/01/01" → the date; nullopt for anything else.
std::optional<Date> parseSlashDate(std::string_view text) {
    int fields[3] = {0, 0, 0};
    std::size_t field = 0;
    std::size_t digits = 0;
    for (const char c : text) {
        if (c == '/') {
            if (digits == 0 || ++field > 2) {
                return std::nullopt;
            }
            digits = 0;
        } else if (c >= '0' && c <= '9') {
            if (++digits > (field == 0 ? 4u : 2u)) {
                return std::nullopt;
            }
            fields[field] = fields[field] * 10 + (c - '0');
        } else {
            return std::nullopt;
        }
    }
    if (field != 2 || digits == 0 || !isValidDate(fields[0], fields[1], fields[2])) {
        return std::nullopt;
    }
    return Date{fields[0], fields[1], fields[2]};
}

std::string hexByte(unsigned char c) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%02X", c);
    return buffer;
}

} // namespace

std::vector<HolidayEntry> parseHolidaysCsv(std::string_view bytes, const std::string& where) {
    const auto fail = [&](int line, const std::string& message) {
        throw ConfigError(where, line, "", message);
    };
    // Split the raw bytes: '\n' and ',' never occur inside a Shift_JIS double-byte character.
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= bytes.size();) {
        auto end = bytes.find('\n', start);
        if (end == std::string_view::npos) {
            end = bytes.size();
        }
        auto line = bytes.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        start = end + 1;
    }
    if (lines.empty() || trimSpaces(lines.front()).empty()) {
        fail(1, "expected the header " + std::string(kHolidaysCsvHeader) +
                    " (the Cabinet Office's syukujitsu.csv); the file is empty");
    }
    // Shift_JIS as published, or a UTF-8 copy: the header tells which.
    std::string_view header = lines.front();
    bool utf8 = false;
    if (header.starts_with(kUtf8Bom)) {
        header.remove_prefix(kUtf8Bom.size());
        utf8 = true;
    } else if (trimSpaces(header) == kHolidaysCsvHeader) {
        utf8 = true;
    }
    Decoder decoder(utf8 ? "UTF-8" : "CP932");
    std::size_t bad = 0;
    const auto decodedHeader = decoder.decode(header, bad);
    if (!decodedHeader || trimSpaces(*decodedHeader) != kHolidaysCsvHeader) {
        fail(1, "expected the header " + std::string(kHolidaysCsvHeader) +
                    " (the Cabinet Office's syukujitsu.csv, in Shift_JIS or UTF-8)");
    }
    std::vector<HolidayEntry> entries;
    std::map<Date, int> seen; // date -> line
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const int lineNo = static_cast<int>(i) + 1;
        const auto text = decoder.decode(lines[i], bad);
        if (!text) {
            fail(lineNo, std::string("not ") + (utf8 ? "UTF-8" : "Shift_JIS") + " text: byte " +
                             hexByte(static_cast<unsigned char>(lines[i][bad])) + " at column " +
                             std::to_string(bad + 1));
        }
        const std::string_view line = trimSpaces(*text);
        if (line.empty()) {
            continue;
        }
        const auto comma = line.find(',');
        if (comma == std::string_view::npos) {
            fail(lineNo,
                 "expected DATE,NAME (e.g. 2026/1/1,元日), not '" + std::string(line) + "'");
        }
        if (line.find(',', comma + 1) != std::string_view::npos) {
            fail(lineNo, "more than two fields: expected DATE,NAME (e.g. 2026/1/1,元日)");
        }
        const std::string_view dateText = trimSpaces(line.substr(0, comma));
        const std::string_view name = trimSpaces(line.substr(comma + 1));
        const auto date = parseSlashDate(dateText);
        if (!date) {
            fail(lineNo, "'" + std::string(dateText) + "' is not a date (YYYY/M/D, e.g. 2026/1/1)");
        }
        if (date->year < kFirstLawYear) {
            fail(lineNo, "'" + std::string(dateText) + "' is before the holiday law (1948)");
        }
        if (name.empty()) {
            fail(lineNo, "the holiday on " + std::string(dateText) + " has no name");
        }
        if (name.size() > kMaxNameBytes) {
            fail(lineNo, "the name of " + std::string(dateText) + " is longer than " +
                             std::to_string(kMaxNameBytes) + " bytes");
        }
        if (const auto [it, inserted] = seen.emplace(*date, lineNo); !inserted) {
            fail(lineNo, std::string(dateText) + " is listed twice (first on line " +
                             std::to_string(it->second) + ")");
        }
        entries.push_back(HolidayEntry{*date, std::string(name), lineNo});
    }
    if (entries.empty()) {
        fail(static_cast<int>(lines.size()), "the file lists no holiday");
    }
    return entries;
}

std::vector<HolidayEntry> loadHolidaysFile(const std::string& path) {
    std::string content;
    const FileRead read = readWholeFile(path, kMaxFileBytes, content);
    if (read.tooLarge) {
        throw ConfigError(path, 0, "", "the holidays file is larger than 1 MiB");
    }
    if (!read.ok()) {
        throw ConfigError(path, 0, "", "cannot read the holidays file: " + read.error);
    }
    return parseHolidaysCsv(content, path);
}

} // namespace vw
