#include "core/credentials.h"

#include "core/fold.h"
#include "core/text.h"

#include <cstdint>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace vw {
namespace {

constexpr std::size_t kMaxNameChars = 64;

bool isAscii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return false;
        }
    }
    return true;
}

/// `text` normalized by `normalizer`; `text` itself when ICU refuses it.
std::string normalized(const icu::Normalizer2* normalizer, std::string_view text) {
    if (normalizer == nullptr) {
        return std::string(text);
    }
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString source = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
    const icu::UnicodeString result = normalizer->normalize(source, status);
    if (U_FAILURE(status)) {
        return std::string(text);
    }
    std::string out;
    result.toUTF8String(out);
    return out;
}

const icu::Normalizer2* nfkc() {
    static const icu::Normalizer2* const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(status);
        return U_SUCCESS(status) ? n : nullptr;
    }();
    return instance;
}

const icu::Normalizer2* nfc() {
    static const icu::Normalizer2* const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
        return U_SUCCESS(status) ? n : nullptr;
    }();
    return instance;
}

/// Calls `fn(codePoint, utf8)` for each character of well-formed `text`.
template <typename Fn>
void forEachChar(std::string_view text, Fn fn) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto length = static_cast<std::int32_t>(text.size());
    std::int32_t i = 0;
    while (i < length) {
        const std::int32_t start = i;
        UChar32 c = 0;
        U8_NEXT(bytes, i, length, c);
        fn(c, text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
    }
}

std::size_t charCount(std::string_view text) {
    std::size_t n = 0;
    forEachChar(text, [&](UChar32, std::string_view) { ++n; });
    return n;
}

bool isControl(UChar32 c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

} // namespace

std::string normalizeUserName(std::string_view name) {
    if (isAscii(name) || !isWellFormedUtf8(name)) {
        return std::string(name);
    }
    return normalized(nfkc(), name);
}

std::optional<CredentialProblem> userNameProblem(std::string_view name) {
    if (name.empty()) {
        return CredentialProblem{"the user name is empty", "ユーザー名が空です"};
    }
    if (!isWellFormedUtf8(name)) {
        return CredentialProblem{"the user name is not valid UTF-8",
                                 "ユーザー名が UTF-8 として正しくありません"};
    }
    const std::size_t chars = charCount(name);
    if (chars > kMaxNameChars) {
        return CredentialProblem{
            "the user name has " + std::to_string(chars) + " characters; at most 64 are allowed",
            "ユーザー名が " + std::to_string(chars) + " 文字あります (64 文字まで)"};
    }
    if (name.front() == '-') {
        return CredentialProblem{"a user name may not start with '-'",
                                 "ユーザー名を '-' で始めることはできません"};
    }
    std::optional<CredentialProblem> problem;
    bool afterLetter = false;
    forEachChar(name, [&](UChar32 c, std::string_view utf8) {
        if (problem) {
            return;
        }
        const bool letter = u_isalpha(c) != 0;
        const bool mark = (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
        const bool ok = letter || (mark && afterLetter) ||
                        u_charType(c) == U_DECIMAL_DIGIT_NUMBER || c == '.' || c == '_' ||
                        c == '-' || c == '@';
        afterLetter = letter || (mark && afterLetter);
        if (!ok) {
            const std::string shown =
                isControl(c) ? codePointName(c)
                             : "'" + std::string(utf8) + "' (" + codePointName(c) + ")";
            problem = CredentialProblem{
                "the user name contains " + shown +
                    "; allowed are letters, digits, '.', '_', '-' and '@'",
                "ユーザー名に使えない文字 " + shown +
                    " が含まれています (使えるのは文字、数字、'.'、'_'、'-'、'@' です)"};
        }
    });
    return problem;
}

std::string userNameKey(std::string_view name) {
    return foldText(name);
}

std::string normalizePassword(std::string_view password) {
    if (isAscii(password) || !isWellFormedUtf8(password)) {
        return std::string(password);
    }
    std::string spaced;
    spaced.reserve(password.size());
    forEachChar(password, [&](UChar32 c, std::string_view utf8) {
        if (c >= 0x80 && u_charType(c) == U_SPACE_SEPARATOR) {
            spaced += ' ';
        } else {
            spaced += utf8;
        }
    });
    return normalized(nfc(), spaced);
}

std::optional<CredentialProblem> passwordProblem(std::string_view password,
                                                 std::string_view userName) {
    if (!isWellFormedUtf8(password)) {
        return CredentialProblem{
            "the password is not valid UTF-8 (write the password file in UTF-8)",
            "パスワードが UTF-8 として正しくありません (パスワードファイルは UTF-8 "
            "で書いてください)"};
    }
    if (password.size() > kMaxPasswordBytes) {
        return CredentialProblem{"the password is longer than 1024 bytes",
                                 "パスワードが 1024 バイトを超えています"};
    }
    std::optional<CredentialProblem> problem;
    forEachChar(password, [&](UChar32 c, std::string_view) {
        if (!problem && isControl(c)) {
            problem = CredentialProblem{
                "the password contains the control character " + codePointName(c) +
                    " (a password file holds the password on one line)",
                "パスワードに制御文字 " + codePointName(c) +
                    " が含まれています (パスワードファイルには 1 行で書いてください)"};
        }
    });
    if (problem) {
        return problem;
    }
    const std::size_t chars = charCount(password);
    if (chars < kMinPasswordChars) {
        return CredentialProblem{
            "the password has " + std::to_string(chars) + " characters; at least 12 are needed",
            "パスワードが " + std::to_string(chars) + " 文字しかありません (12 文字以上必要です)"};
    }
    if (!userName.empty() && userNameKey(password) == userNameKey(userName)) {
        return CredentialProblem{"the password may not be the user name",
                                 "ユーザー名と同じパスワードは使えません"};
    }
    return std::nullopt;
}

} // namespace vw
