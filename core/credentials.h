// The rules for the names and passwords of web users (issue 13 part 3; store/users.h keeps the
// accounts). Pure functions over UTF-8 (ICU normalization and character properties inside).
// The rules are written down in docs/web.md "Users".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vw {

/// Why a name or a password is refused, in English and in Japanese.
struct CredentialProblem {
    std::string english;
    std::string japanese;
};

/// The form a user name is stored and shown in: Unicode NFKC, so full-width letters and digits
/// typed with an input method become ASCII ("ｔａｎａｋａ" → "tanaka") and half-width katakana
/// become full-width. Ill-formed UTF-8 is kept as it is (userNameProblem refuses it).
std::string normalizeUserName(std::string_view name);

/// Why `name` (as normalizeUserName gives it) is no valid user name, nullopt when it is one:
/// 1–64 characters, each a letter of any script (Unicode L*), a combining mark after a letter
/// (M*), a decimal digit (Nd), '.', '_', '-' or '@'; well-formed UTF-8.
std::optional<CredentialProblem> userNameProblem(std::string_view name);

/// The key two names are "the same name" by (foldText: NFKC with case folding): "Tanaka",
/// "tanaka" and "ＴＡＮＡＫＡ" are one user.
std::string userNameKey(std::string_view name);

/// The form a password is hashed and checked in (after RFC 8265's OpaqueString profile): every
/// non-ASCII space (U+3000 ideographic space, U+00A0, …) becomes ' ', then Unicode NFC, so the
/// same characters typed on different systems give the same bytes. Ill-formed UTF-8 is kept as
/// it is (passwordProblem refuses it).
std::string normalizePassword(std::string_view password);

/// The shortest and the longest password accepted: in characters (code points) and in bytes.
inline constexpr std::size_t kMinPasswordChars = 12;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

/// Why `password` (as normalizePassword gives it) may not be set for `userName`, nullopt when
/// it may: well-formed UTF-8, at least kMinPasswordChars characters, at most kMaxPasswordBytes
/// bytes, no control characters (a line break is a sign of a wrong file), not the user name.
std::optional<CredentialProblem> passwordProblem(std::string_view password,
                                                 std::string_view userName);

} // namespace vw
