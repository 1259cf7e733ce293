#include "notifiers/mail_charset.h"

#include "notifiers/render.h"

#include <Poco/Base64Encoder.h>
#include <algorithm>
#include <cstdint>
#include <iconv.h>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <utility>
#include <vector>

namespace vw {

namespace {

/// Raw bytes per UTF-8 encoded-word: 45 bytes are 60 base64 characters, which with the
/// `=?UTF-8?B?` … `?=` frame stays under the 75-character limit of RFC 2047.
constexpr std::size_t kUtf8WordBytes = 45;
/// Raw bytes per ISO-2022-JP encoded-word: 42 bytes are 56 base64 characters; with
/// `=?ISO-2022-JP?B?` … `?=` that is 74.
constexpr std::size_t kJisWordBytes = 42;
/// Characters per piece of a line too long for one ISO-2022-JP line: at most 5 bytes each
/// (an escape sequence and a 2-byte character), so a piece stays under kIso2022JpMaxLineBytes.
constexpr std::size_t kLongLinePieceChars = 180;

constexpr std::string_view kGeta = "〓"; // U+3013 GETA MARK

/// The Unicode characters Windows (CP932) software writes where JIS X 0208 has another one
/// with the same code: the character ISO-2022-JP carries for it.
constexpr std::pair<char32_t, std::string_view> kWindowsVariants[] = {
    {0xFF5E, "〜"}, // FULLWIDTH TILDE → WAVE DASH
    {0xFF0D, "−"},  // FULLWIDTH HYPHEN-MINUS → MINUS SIGN
    {0x2225, "‖"},  // PARALLEL TO → DOUBLE VERTICAL LINE
    {0x2014, "―"},  // EM DASH → HORIZONTAL BAR
    {0xFFE0, "¢"},  // FULLWIDTH CENT SIGN
    {0xFFE1, "£"},  // FULLWIDTH POUND SIGN
    {0xFFE2, "¬"},  // FULLWIDTH NOT SIGN
};

bool isAscii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
}

/// One iconv conversion descriptor from UTF-8 to ISO-2022-JP, closed on scope exit.
class JisConverter {
public:
    JisConverter() : cd_(iconv_open("ISO-2022-JP", "UTF-8")) {
        if (cd_ == reinterpret_cast<iconv_t>(-1)) {
            throw std::runtime_error("iconv cannot convert UTF-8 to ISO-2022-JP");
        }
    }
    JisConverter(const JisConverter&) = delete;
    JisConverter& operator=(const JisConverter&) = delete;
    ~JisConverter() { iconv_close(cd_); }

    /// `text` converted from the initial state back to ASCII at its end; nullopt when some
    /// character has no ISO-2022-JP code.
    std::optional<std::string> convert(std::string_view text) {
        iconv(cd_, nullptr, nullptr, nullptr, nullptr);
        std::string out(text.size() * 4 + 16, '\0');
        char* in = const_cast<char*>(text.data());
        std::size_t inLeft = text.size();
        char* outPtr = out.data();
        std::size_t outLeft = out.size();
        if (iconv(cd_, &in, &inLeft, &outPtr, &outLeft) == static_cast<std::size_t>(-1) ||
            iconv(cd_, nullptr, nullptr, &outPtr, &outLeft) == static_cast<std::size_t>(-1)) {
            return std::nullopt;
        }
        out.resize(out.size() - outLeft);
        return out;
    }

    bool representable(std::string_view text) { return isAscii(text) || convert(text); }

private:
    iconv_t cd_;
};

const icu::Normalizer2& nfkc() {
    static const icu::Normalizer2* const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCInstance(status);
        if (U_FAILURE(status) || normalizer == nullptr) {
            throw std::runtime_error("ICU has no NFKC normalizer");
        }
        return normalizer;
    }();
    return *instance;
}

std::string nfkcOf(std::string_view character) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString normalized =
        nfkc().normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(
                             character.data(), static_cast<std::int32_t>(character.size()))),
                         status);
    if (U_FAILURE(status)) {
        return {};
    }
    std::string out;
    normalized.toUTF8String(out);
    return out;
}

/// What ISO-2022-JP carries for one character it has no code for (see jisRepresentable).
std::string standIn(char32_t codePoint, std::string_view character, JisConverter& jis) {
    for (const auto& [from, to] : kWindowsVariants) {
        if (from == codePoint) {
            return std::string(to);
        }
    }
    const std::string compatible = nfkcOf(character);
    if (!compatible.empty() && compatible != character && jis.representable(compatible)) {
        return compatible;
    }
    return std::string(kGeta);
}

/// A mark that belongs to the character before it: a combining mark, or the half-width
/// katakana voiced and semi-voiced sound marks (ﾞ ﾟ), which NFKC combines with it.
bool joinsPrevious(UChar32 codePoint) {
    return codePoint == 0xFF9E || codePoint == 0xFF9F || u_getCombiningClass(codePoint) != 0;
}

std::string representable(std::string_view text, JisConverter& jis) {
    std::string out;
    out.reserve(text.size());
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto length = static_cast<std::int32_t>(text.size());
    std::int32_t i = 0;
    while (i < length) {
        const std::int32_t start = i;
        UChar32 codePoint = 0;
        U8_NEXT(bytes, i, length, codePoint);
        if (codePoint < 0) {
            out += kGeta; // invalid UTF-8
            continue;
        }
        if ((codePoint < 0x20 && codePoint != '\t' && codePoint != '\n') || codePoint == 0x7F) {
            continue; // ESC, SO and SI would switch the character set; CR is the writer's
        }
        // The character with the marks that follow it ("ｶﾞ", "か" + U+3099).
        std::int32_t end = i;
        while (end < length) {
            std::int32_t next = end;
            UChar32 mark = 0;
            U8_NEXT(bytes, next, length, mark);
            if (mark < 0 || !joinsPrevious(mark)) {
                break;
            }
            end = next;
        }
        const auto at = [&](std::int32_t from, std::int32_t to) {
            return text.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from));
        };
        const std::string_view cluster = at(start, end);
        if (codePoint < 0x80 && end == i) {
            out += cluster;
        } else if (jis.representable(cluster)) {
            out += cluster;
        } else if (end == i) {
            out += standIn(static_cast<char32_t>(codePoint), cluster, jis);
        } else if (const std::string composed = nfkcOf(cluster); jis.representable(composed)) {
            out += composed;
        } else {
            out += representable(at(start, i), jis); // the character, then each mark alone
            for (std::int32_t k = i; k < end;) {
                const std::int32_t markStart = k;
                UChar32 mark = 0;
                U8_NEXT(bytes, k, end, mark);
                out += standIn(static_cast<char32_t>(mark), at(markStart, k), jis);
            }
        }
        i = end;
    }
    return out;
}

/// The first `count` characters of UTF-8 `text` (or all of it).
std::string_view firstChars(std::string_view text, std::size_t count) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto length = static_cast<std::int32_t>(text.size());
    std::int32_t i = 0;
    for (std::size_t n = 0; n < count && i < length; ++n) {
        U8_FWD_1(bytes, i, length);
    }
    return text.substr(0, static_cast<std::size_t>(i));
}

std::string base64(std::string_view bytes) {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return encoded.str();
}

std::string jisEncodedWords(const std::string& text) {
    JisConverter jis;
    const std::string shown = representable(text, jis);
    std::vector<std::string> words;
    std::string_view rest(shown);
    while (!rest.empty()) {
        // The longest run of whole characters whose encoding fits one word (at least one).
        std::string_view chunk = firstChars(rest, 1);
        std::string encoded = jis.convert(chunk).value_or(std::string(chunk));
        for (std::size_t count = 2; chunk.size() < rest.size(); ++count) {
            const std::string_view longer = firstChars(rest, count);
            auto bytes = jis.convert(longer);
            if (!bytes || bytes->size() > kJisWordBytes) {
                break;
            }
            chunk = longer;
            encoded = std::move(*bytes);
        }
        words.push_back("=?ISO-2022-JP?B?" + base64(encoded) + "?=");
        rest.remove_prefix(chunk.size());
    }
    std::string out;
    for (const auto& word : words) {
        out += (out.empty() ? "" : "\r\n ") + word;
    }
    return out;
}

std::string utf8EncodedWords(const std::string& text) {
    std::string out;
    std::string_view rest(text);
    while (!rest.empty()) {
        std::string_view chunk = utf8Prefix(rest, kUtf8WordBytes);
        if (chunk.empty()) {
            chunk = rest.substr(0, 1); // unreachable for sane limits; guarantees progress
        }
        if (!out.empty()) {
            out += "\r\n ";
        }
        out += "=?UTF-8?B?" + base64(chunk) + "?=";
        rest.remove_prefix(chunk.size());
    }
    return out;
}

} // namespace

std::optional<MailCharset> parseMailCharset(std::string_view name) {
    if (name == "utf-8") {
        return MailCharset::Utf8;
    }
    if (name == "iso-2022-jp") {
        return MailCharset::Iso2022Jp;
    }
    return std::nullopt;
}

std::string_view mimeCharsetName(MailCharset charset) {
    return charset == MailCharset::Iso2022Jp ? "ISO-2022-JP" : "UTF-8";
}

std::string jisRepresentable(std::string_view text) {
    JisConverter jis;
    return representable(text, jis);
}

std::string toIso2022Jp(std::string_view text) {
    JisConverter jis;
    const std::string shown = representable(text, jis);
    std::string out;
    std::string_view rest(shown);
    while (true) {
        const auto newline = rest.find('\n');
        std::string_view line = rest.substr(0, newline);
        std::string encoded = jis.convert(line).value_or(std::string());
        if (encoded.size() > kIso2022JpMaxLineBytes) {
            encoded.clear();
            while (!line.empty()) {
                const std::string_view piece = firstChars(line, kLongLinePieceChars);
                encoded += (encoded.empty() ? "" : "\n") + jis.convert(piece).value_or("");
                line.remove_prefix(piece.size());
            }
        }
        out += encoded;
        if (newline == std::string_view::npos) {
            return out;
        }
        out += '\n';
        rest.remove_prefix(newline + 1);
    }
}

std::string encodeHeaderText(const std::string& text, MailCharset charset) {
    if (isAscii(text)) {
        return text;
    }
    return charset == MailCharset::Iso2022Jp ? jisEncodedWords(text) : utf8EncodedWords(text);
}

} // namespace vw
