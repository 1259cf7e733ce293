// The line-based INI reader under the configuration file: syntax only (sections, keys, values,
// comments), with the line of everything it read. What the sections and keys mean is config.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vw {

struct IniField {
    std::string key;
    std::string value; // trimmed; may contain ';' and '#' (only whole-line comments exist)
    int line = 0;
};

struct IniSection {
    std::string name; // between the brackets, trimmed
    int line = 0;     // of the [header]
    std::vector<IniField> fields;
};

/// Splits `text` (UTF-8, an optional BOM, LF or CRLF line ends) into sections. Throws
/// ConfigError (naming `file`) for malformed lines, invalid UTF-8, keys that are not
/// lower_snake_case, empty values, keys before the first section, duplicate sections and
/// duplicate keys within a section.
std::vector<IniSection> readIni(std::string_view text, const std::string& file);

} // namespace vw
