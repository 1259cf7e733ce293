// ISO-2022-JP and RFC 2047 for outgoing mail (notifiers/mail_charset.h). The encoded text is
// read back with iconv's decoder (glibc), the same one most Unix mail tools use.
#include "notifiers/mail_charset.h"

#include <Poco/Base64Decoder.h>
#include <catch2/catch.hpp>
#include <iconv.h>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// ISO-2022-JP bytes decoded to UTF-8 by iconv; nullopt when iconv refuses them.
std::optional<std::string> fromIso2022Jp(const std::string& bytes) {
    iconv_t cd = iconv_open("UTF-8", "ISO-2022-JP");
    REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
    std::string out(bytes.size() * 4 + 16, '\0');
    char* in = const_cast<char*>(bytes.data());
    std::size_t inLeft = bytes.size();
    char* outPtr = out.data();
    std::size_t outLeft = out.size();
    const bool ok = iconv(cd, &in, &inLeft, &outPtr, &outLeft) != static_cast<std::size_t>(-1);
    iconv_close(cd);
    if (!ok) {
        return std::nullopt;
    }
    out.resize(out.size() - outLeft);
    return out;
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    return lines;
}

bool sevenBit(const std::string& bytes) {
    for (char ch : bytes) {
        if (static_cast<unsigned char>(ch) >= 0x80) {
            return false;
        }
    }
    return true;
}

/// A line ends in ASCII: its last escape sequence (if any) is ESC ( B.
bool endsInAscii(const std::string& line) {
    const auto escape = line.rfind('\x1b');
    return escape == std::string::npos || line.compare(escape, 3, "\x1b(B") == 0;
}

std::string base64Decoded(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string out;
    char ch = 0;
    while (decoder.get(ch)) {
        out += ch;
    }
    return out;
}

} // namespace

TEST_CASE("charset names", "[notifiers][charset]") {
    CHECK(vw::parseMailCharset("utf-8") == vw::MailCharset::Utf8);
    CHECK(vw::parseMailCharset("iso-2022-jp") == vw::MailCharset::Iso2022Jp);
    CHECK_FALSE(vw::parseMailCharset("shift_jis").has_value());
    CHECK_FALSE(vw::parseMailCharset("UTF8").has_value());
    CHECK(vw::mimeCharsetName(vw::MailCharset::Iso2022Jp) == "ISO-2022-JP");
    CHECK(vw::mimeCharsetName(vw::MailCharset::Utf8) == "UTF-8");
}

TEST_CASE("Japanese text becomes 7-bit ISO-2022-JP that decodes to the same text",
          "[notifiers][charset]") {
    const std::string text = "■ 脆弱性情報 (Advisory)\n識別子 (ID): JVNDB-2023-004814\n"
                             "タイトル (Title): 医療画像ビューアにおける認証回避の脆弱性\n"
                             "\n* cvss: 5.4 → 9.8 … ￥100 ¥ \\ ~\nASCII only line\n";
    const std::string encoded = vw::toIso2022Jp(text);
    CHECK(sevenBit(encoded));
    CHECK(encoded.find("\x1b$B") != std::string::npos);
    const auto lines = splitLines(encoded);
    CHECK(lines.size() == splitLines(text).size());
    for (const auto& line : lines) {
        CAPTURE(line);
        CHECK(endsInAscii(line));
        CHECK(line.size() <= vw::kIso2022JpMaxLineBytes);
    }
    const auto decoded = fromIso2022Jp(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == vw::jisRepresentable(text));
    // Everything here is in JIS X 0208 or ASCII as it is (￥ is, at 0x216F).
    CHECK(vw::jisRepresentable(text) == text);
}

TEST_CASE("characters ISO-2022-JP lacks are replaced as documented", "[notifiers][charset]") {
    // Windows variants: the JIS X 0208 character with the same code.
    CHECK(vw::jisRepresentable("1～2") == "1〜2");
    CHECK(vw::jisRepresentable("－") == "−");
    CHECK(vw::jisRepresentable("∥") == "‖");
    CHECK(vw::jisRepresentable("a — b") == "a ― b");
    CHECK(vw::jisRepresentable("￠￡￢") == "¢£¬");
    // NFKC when that is representable.
    CHECK(vw::jisRepresentable("ｱｲｳ ｶﾞ") == "アイウ ガ");
    CHECK(vw::jisRepresentable("①") == "1");
    CHECK(vw::jisRepresentable("か\u3099") == "が"); // a combining mark composed
    CHECK(vw::jisRepresentable("e\u0301!") == "e〓!");
    CHECK(vw::jisRepresentable("㈱") == "(株)");
    // Otherwise the geta mark.
    CHECK(vw::jisRepresentable("髙橋") == "〓橋");
    CHECK(vw::jisRepresentable("😀!") == "〓!");
    CHECK(vw::jisRepresentable("café") == "caf〓");
    // Invalid UTF-8, and the controls that would switch character sets.
    CHECK(vw::jisRepresentable("a\xff"
                               "b") == "a〓b");
    CHECK(vw::jisRepresentable("a\x1b$Bb\x0e\x0f\r") == "a$Bb");
    CHECK(vw::jisRepresentable("tab\there\nline") == "tab\there\nline");

    const auto decoded = fromIso2022Jp(vw::toIso2022Jp("髙橋 ｱ ① ～ 😀"));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == "〓橋 ア 1 〜 〓");
}

TEST_CASE("a line too long for one ISO-2022-JP line is broken", "[notifiers][charset]") {
    std::string text;
    for (int i = 0; i < 400; ++i) {
        text += i % 2 == 0 ? "脆" : "a"; // a switch at every character: 4 to 5 bytes each
    }
    const std::string encoded = vw::toIso2022Jp(text + "\nnext");
    const auto lines = splitLines(encoded);
    REQUIRE(lines.size() > 2);
    CHECK(lines.back() == "next");
    std::string joined;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        CAPTURE(i);
        CHECK(lines[i].size() <= vw::kIso2022JpMaxLineBytes);
        CHECK(endsInAscii(lines[i]));
        const auto piece = fromIso2022Jp(lines[i]);
        REQUIRE(piece.has_value());
        joined += *piece;
    }
    CHECK(joined == text);
}

TEST_CASE("ISO-2022-JP encoded-words hold whole characters and end in ASCII",
          "[notifiers][charset]") {
    CHECK(vw::encodeHeaderText("plain ascii", vw::MailCharset::Iso2022Jp) == "plain ascii");
    std::string subject = "[vulnwatch] 脆弱性: Example Viewer — JVNDB-2023-004814 ";
    for (int i = 0; i < 30; ++i) {
        subject += "製品ｱ";
    }
    const std::string encoded = vw::encodeHeaderText(subject, vw::MailCharset::Iso2022Jp);
    CHECK(sevenBit(encoded));
    CHECK(encoded.find("?=\r\n =?ISO-2022-JP?B?") != std::string::npos);
    std::istringstream words(encoded);
    std::string word;
    std::string decoded;
    int count = 0;
    while (words >> word) {
        ++count;
        CAPTURE(word);
        CHECK(word.size() <= 75);
        REQUIRE(word.rfind("=?ISO-2022-JP?B?", 0) == 0);
        REQUIRE(word.size() > 18);
        const std::string bytes = base64Decoded(word.substr(16, word.size() - 18));
        CHECK(endsInAscii(bytes));
        const auto piece = fromIso2022Jp(bytes);
        REQUIRE(piece.has_value()); // each word decodes on its own
        decoded += *piece;
    }
    CHECK(count > 1);
    CHECK(decoded == vw::jisRepresentable(subject));
    CHECK(decoded.find("製品ア製品ア") != std::string::npos);

    // UTF-8 words as before.
    const std::string utf8 = vw::encodeHeaderText(subject, vw::MailCharset::Utf8);
    CHECK(utf8.rfind("=?UTF-8?B?", 0) == 0);
}
