// How large one field and one record of a parsed document may be ([daemon] max_field_bytes,
// max_record_bytes; docs/configuration.md). A process-wide setting: the parsers in feeds/parse
// read it when they are made, the daemon and the CLI set it from the configuration.
#pragma once

#include <cstddef>

namespace vw {

struct ParseLimits {
    /// The text of one element (a VULDEF Title, an Overview) or one attribute value.
    std::size_t maxFieldBytes = std::size_t{1} << 20;
    /// One record: a VULDEF Vulinfo, an RSS item, as bytes of XML.
    std::size_t maxRecordBytes = std::size_t{8} << 20;
    bool operator==(const ParseLimits&) const = default;
};

/// The limits in force (the defaults until setParseLimits()).
ParseLimits parseLimits();
void setParseLimits(const ParseLimits& limits);

} // namespace vw
