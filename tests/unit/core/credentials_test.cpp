// The rules for web user names and passwords (core/credentials.h): normalization and the
// reasons a name or a password is refused.
#include "core/credentials.h"

#include <catch2/catch.hpp>

using namespace vw;

TEST_CASE("credentials: user names are stored in NFKC", "[credentials]") {
    CHECK(normalizeUserName("ｔａｎａｋａ") == "tanaka");
    CHECK(normalizeUserName("ﾔﾏﾀﾞ") == "ヤマダ");
    CHECK(normalizeUserName("Tanaka") == "Tanaka"); // case is kept; the key folds it
    CHECK(userNameKey("Tanaka") == userNameKey("ＴＡＮＡＫＡ"));
    CHECK(userNameKey("tanaka") != userNameKey("tanaka2"));
    CHECK(normalizeUserName("a\xff") == "a\xff"); // ill-formed: kept for the check to refuse
}

TEST_CASE("credentials: which user names are valid", "[credentials]") {
    for (const char* good :
         {"tanaka", "山田太郎", "ヤマダ", "psirt@example.jp", "a.b_c-d", "x1", "cafe\xcc\x81"}) {
        INFO(good);
        CHECK_FALSE(userNameProblem(good));
    }
    const auto problem = [](std::string_view name) {
        const auto p = userNameProblem(name);
        return p ? p->english + " | " + p->japanese : std::string("valid");
    };
    CHECK_THAT(problem(""), Catch::Contains("empty"));
    CHECK_THAT(problem("a b"), Catch::Contains("U+0020") && Catch::Contains("使えない文字"));
    CHECK_THAT(problem("\xcc\x81"
                       "a"),
               Catch::Contains("U+0301")); // a mark with no letter
    CHECK_THAT(problem("a\tb"), Catch::Contains("U+0009"));
    CHECK_THAT(problem("a;b"), Catch::Contains("';'"));
    CHECK_THAT(problem("-a"), Catch::Contains("'-'"));
    CHECK_THAT(problem(std::string(64, 'a')), Catch::Equals("valid"));
    CHECK_THAT(problem(std::string(65, 'a')), Catch::Contains("65 characters"));
    // 64 characters of three bytes each are still 64 characters.
    std::string kanji;
    for (int i = 0; i < 64; ++i) {
        kanji += "山";
    }
    CHECK_THAT(problem(kanji), Catch::Equals("valid"));
    CHECK_THAT(problem(kanji + "山"), Catch::Contains("65 characters"));
}

TEST_CASE("credentials: passwords are put in NFC with ASCII spaces", "[credentials]") {
    CHECK(normalizePassword("plain ascii password") == "plain ascii password");
    CHECK(normalizePassword("cafe\xcc\x81") == "caf\xc3\xa9");
    CHECK(normalizePassword("全角\xe3\x80\x80スペース") == "全角 スペース");
    CHECK(normalizePassword("a\xc2\xa0"
                            "b") == "a b");
    // NFC, not NFKC: full-width letters stay what they are.
    CHECK(normalizePassword("ｐａｓｓ") == "ｐａｓｓ");
}

TEST_CASE("credentials: which passwords may be set", "[credentials]") {
    CHECK_FALSE(passwordProblem("correct horse battery", "tanaka"));
    CHECK_FALSE(passwordProblem("脆弱性情報の取り扱い注意", "tanaka")); // 12 characters
    const auto problem = [](std::string_view password, std::string_view name) {
        const auto p = passwordProblem(password, name);
        return p ? p->english : std::string("allowed");
    };
    CHECK_THAT(problem("elevenchars", "x"), Catch::Contains("11 characters"));
    CHECK_THAT(problem("twelve chars", "x"), Catch::Equals("allowed"));
    CHECK_THAT(problem("脆弱性情報の取り扱い", "x"), Catch::Contains("10 characters"));
    CHECK_THAT(problem("line one\nline two", "x"), Catch::Contains("U+000A"));
    CHECK_THAT(problem("with a\x7f"
                       "delete",
                       "x"),
               Catch::Contains("U+007F"));
    CHECK_THAT(problem("bad \xc3\x28 utf-8 text", "x"), Catch::Contains("UTF-8"));
    CHECK_THAT(problem(std::string(1025, 'p'), "x"), Catch::Contains("1024 bytes"));
    CHECK_THAT(problem(std::string(1024, 'p'), "x"), Catch::Equals("allowed"));
    CHECK_THAT(problem("Administrator", "administrator"), Catch::Contains("user name"));
    CHECK_THAT(problem("ＡＤＭＩＮＩＳＴＲＡＴＯＲ", "administrator"),
               Catch::Contains("user name"));
}
