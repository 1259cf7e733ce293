// RFC 5322 / MIME building blocks for the mail parser: header fields, entities and multipart
// trees, transfer decodings, RFC 2047 encoded words, dates, and HTML to text.
#pragma once

#include "core/datetime.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw::mime {

struct HeaderField {
    std::string name;  // as written
    std::string value; // unfolded (line breaks removed, the folding whitespace kept), raw bytes
};

/// One MIME entity: its header, its body (still transfer-encoded) and, for multiparts, its
/// parts. `raw` is the entity exactly as it appears in the message (header and body).
struct Entity {
    std::vector<HeaderField> headers;
    std::string_view raw;
    std::string_view body;
    std::string type = "text/plain";                         // lower case type/subtype
    std::vector<std::pair<std::string, std::string>> params; // lower-case names, unquoted values
    std::vector<Entity> parts;

    /// The first header field called `name` (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
    /// A Content-Type parameter (`name` in lower case), or "".
    std::string param(std::string_view name) const;
};

/// Parses `raw` into an entity tree (nested multiparts up to `maxDepth`). Problems found on the
/// way (missing closing boundary, too deep nesting) are appended to `problems`.
Entity parseEntity(std::string_view raw, std::vector<std::string>& problems, int maxDepth = 16);

/// Splits a header block from the body; returns the unfolded fields. `bodyStart` receives the
/// offset of the body (past the blank line), or raw.size() when there is none.
std::vector<HeaderField> parseHeaders(std::string_view raw, std::size_t& bodyStart);

/// Parses a structured value such as `text/plain; charset="iso-2022-jp"` into its first token
/// (lower case) and its parameters (names lower case, quotes and backslash escapes removed;
/// RFC 2231 `name*=charset''value` percent-decoded).
std::string parseStructured(std::string_view value,
                            std::vector<std::pair<std::string, std::string>>& params);

/// Quoted-printable decoding (soft line breaks, `=XX` in either case; a stray `=` is kept).
std::string decodeQuotedPrintable(std::string_view text);

/// Base64 decoding that skips characters outside the alphabet. `truncated` is set when the
/// data stops short of a whole quantum without padding; the bytes that do decode are returned.
std::string decodeBase64(std::string_view text, bool& truncated);

/// Decodes a header value: RFC 2047 encoded words (B and Q, any charset, adjacent words joined
/// without the whitespace between them, bytes of one charset joined before conversion so a
/// character split across words survives) and raw 8-bit text. Problems go to `problems`.
std::string decodeHeader(std::string_view value, std::vector<std::string>& problems);

/// An RFC 5322 date (`Tue, 14 Dec 2021 10:30:00 +0900`, obsolete zones such as JST, GMT, EST,
/// two-digit years, comments). nullopt when it cannot be read.
std::optional<DateTime> parseMailDate(std::string_view value);

/// HTML to plain text: script, style, head and comments dropped, block elements as line
/// breaks, whitespace collapsed outside <pre>, character references decoded, link targets
/// kept after the link text when they differ from it.
std::string htmlToText(std::string_view html);

} // namespace vw::mime
