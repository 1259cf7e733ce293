// Charset conversion to UTF-8 for mail bodies and headers (ICU ucnv underneath).
#pragma once

#include <string>
#include <string_view>

namespace vw {

/// The result of converting bytes in a declared charset to UTF-8.
struct ConvertedText {
    std::string text;    // UTF-8
    std::string problem; // empty when the conversion was clean; else what went wrong
};

/// Converts `bytes` declared as `charset` (a MIME label, case-insensitive) to UTF-8.
/// Shift_JIS labels are read as CP932 (windows-31j), which is what mail clients send.
/// An empty label: ISO-2022-JP when the bytes hold escape sequences, else UTF-8 when valid,
/// else Latin-1. An unknown label or invalid bytes give a best-effort text plus a problem.
ConvertedText toUtf8(std::string_view bytes, std::string_view charset);

/// A label from a message (a charset, a transfer encoding, a Content-Type) as it may be shown
/// in a warning: printable ASCII kept, anything else (control characters, 8-bit bytes) as
/// \xNN, at most `maxBytes` of the input (then "…"). Logs never get raw bytes from a message.
std::string printableLabel(std::string_view label, std::size_t maxBytes = 60);

/// A mailbox name as IMAP wants it (RFC 3501 5.1.3, "modified UTF-7"): ASCII stays as it is
/// (but '&' becomes "&-"), other characters become "&…-" runs, e.g. 脆弱性情報 → &gQZfMWAnYMVYMQ-.
/// Throws std::invalid_argument when `utf8` is not well-formed UTF-8.
std::string toImapMailboxName(std::string_view utf8);

/// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool isValidUtf8(std::string_view bytes);

} // namespace vw
