#include "feeds/parse/charset.h"

#include "core/text.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>

namespace vw {

namespace {

std::string latin1ToUtf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        appendUtf8(out, static_cast<unsigned char>(c));
    }
    return out;
}

/// Replaces each invalid UTF-8 sequence by U+FFFD.
std::string repairUtf8(std::string_view bytes) {
    std::string out;
    std::size_t i = 0;
    while (i < bytes.size()) {
        std::size_t len = 1;
        while (len <= 4 && i + len <= bytes.size() && !isValidUtf8(bytes.substr(i, len))) {
            ++len;
        }
        if (len <= 4 && i + len <= bytes.size()) {
            out.append(bytes.substr(i, len));
            i += len;
        } else {
            appendUtf8(out, 0xFFFD);
            ++i;
        }
    }
    return out;
}

/// The ICU converter name for a MIME charset label; "" for the labels handled without ICU.
std::string icuName(const std::string& label) {
    if (label == "shift_jis" || label == "shift-jis" || label == "sjis" || label == "x-sjis" ||
        label == "ms_kanji" || label == "csshiftjis" || label == "cp932" ||
        label == "windows-31j" || label == "x-ms-cp932" || label == "ms932") {
        return "windows-31j";
    }
    if (label == "iso-2022-jp-3" || label == "iso-2022-jp-2004") {
        // Not in ICU: the JIS X 0208 subset decodes, the rest becomes U+FFFD (reported).
        return "ISO-2022-JP-2";
    }
    if (label == "x-euc-jp" || label == "eucjp" || label == "euc_jp") {
        return "EUC-JP";
    }
    return label;
}

/// Length of the ISO 2022 designation escape at `pos` (`ESC ( B`, `ESC $ B`, `ESC $ ( Q`, …),
/// 0 when there is none.
std::size_t designationLength(std::string_view bytes, std::size_t pos) {
    if (pos + 2 >= bytes.size() || bytes[pos] != '\x1B') {
        return 0;
    }
    const char kind = bytes[pos + 1];
    if (kind == '(' || kind == ')') {
        return 3;
    }
    if (kind == '$') {
        const char next = bytes[pos + 2];
        if (next == '(' || next == ')') {
            return pos + 3 < bytes.size() ? 4 : 0;
        }
        return 3;
    }
    return 0;
}

/// Drops designations that are directly followed by another one: they select nothing, and
/// ICU reads such an empty segment as an error (it happens where encoded words are joined).
std::string withoutEmptySegments(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::size_t length = designationLength(bytes, i);
        if (length > 0) {
            if (designationLength(bytes, i + length) > 0) {
                i += length;
                continue;
            }
            out.append(bytes.substr(i, length));
            i += length;
            continue;
        }
        out.push_back(bytes[i++]);
    }
    return out;
}

struct ConverterCloser {
    void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

/// Converts with ICU; `clean` tells whether no byte had to be substituted.
bool convertWithIcu(std::string_view bytes, const std::string& name, std::string& out,
                    bool& clean) {
    UErrorCode status = U_ZERO_ERROR;
    ConverterPtr converter(ucnv_open(name.c_str(), &status));
    if (U_FAILURE(status) || !converter) {
        return false;
    }
    // First pass stops at the first bad byte; when there is one, a second pass substitutes.
    for (int pass = 0; pass < 2; ++pass) {
        ucnv_reset(converter.get());
        status = U_ZERO_ERROR;
        if (pass == 0) {
            ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr,
                                &status);
        } else {
            ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr,
                                nullptr, &status);
        }
        if (U_FAILURE(status)) {
            return false;
        }
        std::u16string utf16(bytes.size() + 1, u'\0');
        const char* source = bytes.data();
        const char* sourceLimit = bytes.data() + bytes.size();
        UChar* target = reinterpret_cast<UChar*>(utf16.data());
        UChar* targetLimit = target + utf16.size();
        ucnv_toUnicode(converter.get(), &target, targetLimit, &source, sourceLimit, nullptr, true,
                       &status);
        if (U_FAILURE(status) && pass == 0) {
            continue;
        }
        if (U_FAILURE(status)) {
            return false;
        }
        utf16.resize(static_cast<std::size_t>(target - reinterpret_cast<UChar*>(utf16.data())));
        out.clear();
        out.reserve(utf16.size() * 3);
        for (std::size_t i = 0; i < utf16.size(); ++i) {
            char32_t unit = utf16[i];
            if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < utf16.size() &&
                utf16[i + 1] >= 0xDC00 && utf16[i + 1] <= 0xDFFF) {
                unit = 0x10000 + ((unit - 0xD800) << 10) + (utf16[i + 1] - 0xDC00);
                ++i;
            }
            appendUtf8(out, unit);
        }
        clean = pass == 0;
        return true;
    }
    return false;
}

} // namespace

bool isValidUtf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        std::size_t len = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + len > bytes.size()) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto d = static_cast<unsigned char>(bytes[i + k]);
            if ((d & 0xC0u) != 0x80u) {
                return false;
            }
            cp = (cp << 6) | (d & 0x3Fu);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            return false;
        }
        i += len;
    }
    return true;
}

std::string printableLabel(std::string_view label, std::size_t maxBytes) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    const std::size_t n = std::min(label.size(), maxBytes);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(label[i]);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out.append("\\x").push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    if (label.size() > maxBytes) {
        out.append("…");
    }
    return out;
}

namespace {

/// Charsets whose text is not ASCII even when every byte is: UTF-7 ("+MEIwpDBG-"), UTF-16 and
/// UTF-32 (NUL bytes), HZ ("~{…~}"). Such text must go through the converter.
bool asciiIncompatible(const std::string& label) {
    return label == "utf-7" || label == "utf7" || label == "unicode-1-1-utf-7" ||
           label == "csunicode11utf7" || label.rfind("utf-16", 0) == 0 ||
           label.rfind("utf-32", 0) == 0 || label == "hz-gb-2312" || label == "hz";
}

} // namespace

ConvertedText toUtf8(std::string_view bytes, std::string_view charset) {
    std::string label = lowerAscii(charset);
    while (!label.empty() && (label.back() == ' ' || label.back() == '\t')) {
        label.pop_back();
    }
    const std::string shown = printableLabel(charset);
    ConvertedText result;
    bool ascii = !asciiIncompatible(label);
    for (std::size_t i = 0; ascii && i < bytes.size(); ++i) {
        if (static_cast<unsigned char>(bytes[i]) >= 0x80 || bytes[i] == '\x1B') {
            ascii = false;
        }
    }
    if (ascii) {
        result.text.assign(bytes);
        if (!label.empty() && label != "us-ascii" && label != "ascii" && label != "utf-8" &&
            label != "utf8") {
            // Any ASCII-compatible charset reads plain ASCII the same; only check the label.
            UErrorCode status = U_ZERO_ERROR;
            ConverterPtr converter(ucnv_open(icuName(label).c_str(), &status));
            if (U_FAILURE(status)) {
                result.problem = "unknown charset '" + shown + "', read as ASCII";
            }
        }
        return result;
    }
    if (label.empty()) {
        if (bytes.find('\x1B') != std::string_view::npos) {
            label = "iso-2022-jp";
        } else if (isValidUtf8(bytes)) {
            result.text.assign(bytes);
            return result;
        } else {
            result.text = latin1ToUtf8(bytes);
            result.problem = "no charset declared for 8-bit text, read as ISO-8859-1";
            return result;
        }
    }
    if (label == "utf-8" || label == "utf8" || label == "us-ascii" || label == "ascii") {
        if (isValidUtf8(bytes)) {
            result.text.assign(bytes);
            if (label == "us-ascii" || label == "ascii") {
                result.problem = "8-bit text declared as US-ASCII, read as UTF-8";
            }
        } else {
            result.text = repairUtf8(bytes);
            result.problem = "invalid bytes in " + shown + " text replaced by U+FFFD";
        }
        return result;
    }
    bool clean = true;
    std::string cleaned;
    if (label.rfind("iso-2022", 0) == 0 || label.rfind("csiso2022", 0) == 0) {
        cleaned = withoutEmptySegments(bytes);
        bytes = cleaned;
    }
    if (convertWithIcu(bytes, icuName(label), result.text, clean)) {
        if (!clean) {
            result.problem = "invalid bytes in " + shown + " text replaced";
        }
        return result;
    }
    if (isValidUtf8(bytes)) {
        result.text.assign(bytes);
        result.problem = "unknown charset '" + shown + "', read as UTF-8";
    } else {
        result.text = latin1ToUtf8(bytes);
        result.problem = "unknown charset '" + shown + "', read as ISO-8859-1";
    }
    return result;
}

std::string toImapMailboxName(std::string_view utf8) {
    if (!isValidUtf8(utf8)) {
        throw std::invalid_argument("the folder name is not valid UTF-8");
    }
    if (std::all_of(utf8.begin(), utf8.end(), [](char c) {
            return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f &&
                   c != '&';
        })) {
        return std::string(utf8); // the usual case: plain ASCII names stay as they are
    }
    UErrorCode status = U_ZERO_ERROR;
    std::u16string utf16(utf8.size() + 1, u'\0');
    int32_t length = 0;
    u_strFromUTF8(reinterpret_cast<UChar*>(utf16.data()), static_cast<int32_t>(utf16.size()),
                  &length, utf8.data(), static_cast<int32_t>(utf8.size()), &status);
    ConverterPtr converter(ucnv_open("IMAP-mailbox-name", &status));
    if (U_FAILURE(status) || !converter) {
        throw std::runtime_error(std::string("ICU cannot encode IMAP mailbox names: ") +
                                 u_errorName(status));
    }
    std::string out(static_cast<std::size_t>(length) * 4 + 8, '\0');
    const int32_t written =
        ucnv_fromUChars(converter.get(), out.data(), static_cast<int32_t>(out.size()),
                        reinterpret_cast<const UChar*>(utf16.data()), length, &status);
    if (U_FAILURE(status)) {
        throw std::runtime_error(std::string("ICU cannot encode the folder name: ") +
                                 u_errorName(status));
    }
    out.resize(static_cast<std::size_t>(written));
    return out;
}

} // namespace vw
