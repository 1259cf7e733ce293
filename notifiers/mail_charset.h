// Character sets of outgoing mail: RFC 2047 encoded-words for header text, and ISO-2022-JP
// (RFC 1468, through iconv) for the mail clients that read nothing else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vw {

enum class MailCharset { Utf8, Iso2022Jp };

/// The `charset` setting: "utf-8" or "iso-2022-jp"; nullopt for anything else.
std::optional<MailCharset> parseMailCharset(std::string_view name);

/// The MIME name: "UTF-8" or "ISO-2022-JP".
std::string_view mimeCharsetName(MailCharset charset);

/// Longest line, in bytes, toIso2022Jp() writes (RFC 5322 allows 998).
inline constexpr std::size_t kIso2022JpMaxLineBytes = 990;

/// UTF-8 `text` with every character ISO-2022-JP cannot carry replaced, i.e. what a recipient
/// reads after toIso2022Jp(): first the JIS X 0208 character that Windows software writes
/// differently (～ U+FF5E → 〜 U+301C, － U+FF0D → − U+2212, ∥ U+2225 → ‖ U+2016, — U+2014 →
/// ― U+2015, ￠￡￢ → ¢£¬); else its NFKC compatibility form when ISO-2022-JP has that (half-width
/// katakana → full-width, ① → 1, ㈱ → (株), ﬁ → fi); else 〓 (U+3013 GETA MARK, the customary
/// stand-in for a missing character in Japanese text). Invalid UTF-8 bytes become 〓 too.
std::string jisRepresentable(std::string_view text);

/// UTF-8 `text` (after jisRepresentable) as ISO-2022-JP: only 7-bit bytes, each line starting
/// and ending in ASCII, lines separated by LF as in `text`. A line longer than
/// kIso2022JpMaxLineBytes once encoded is broken into lines of at most 200 characters.
std::string toIso2022Jp(std::string_view text);

/// A header value for RFC 5322: ASCII text unchanged; otherwise RFC 2047 "B" encoded-words in
/// `charset`, each holding whole characters (ISO-2022-JP: each one back in ASCII at its end)
/// and at most 75 characters long, folded with CRLF SP between them.
std::string encodeHeaderText(const std::string& text, MailCharset charset);

} // namespace vw
