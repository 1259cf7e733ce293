// foldText, tokenizeFolded, normalizeComponentName, isWellFormedUtf8 (core/fold.h). Japanese
// strings are short excerpts of real JVN iPedia titles and vendor names, copied as literals.
#include "core/fold.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using vw::foldText;
using vw::normalizeComponentName;

namespace {

struct FoldCase {
    std::string input;
    std::string folded;
};

std::vector<std::string> tokensOf(const std::string& text) {
    const auto tokenized = vw::tokenizeFolded(foldText(text), ' ');
    std::vector<std::string> out;
    for (const auto& token : tokenized.tokens) {
        out.push_back(tokenized.text.substr(token.begin, token.end - token.begin) +
                      (token.cjk ? "/cjk" : ""));
    }
    return out;
}

} // namespace

TEST_CASE("foldText: NFKC, case folding, white space", "[core][fold]") {
    const std::vector<FoldCase> cases = {
        {"Ａｐａｃｈｅ Ｌｏｇ４ｊ", "apache log4j"},
        {"ｌｏｇ４ｊ", "log4j"},
        {"Ａｐａｃｈｅ　Ｌｏｇ４ｊ", "apache log4j"}, // U+3000 between
        {"ｻｲﾎﾞｳｽﾞ", "サイボウズ"},                    // half-width katakana, voiced marks composed
        {"ﾄﾚﾝﾄﾞﾏｲｸﾛ", "トレンドマイクロ"},
        {"日本医師会ＯＲＣＡ管理機構株式会社", "日本医師会orca管理機構株式会社"},
        {"Apache Log4j における任意のコードが実行可能な脆弱性",
         "apache log4j における任意のコードが実行可能な脆弱性"},
        {"アップルの macOS における脆弱性", "アップルの macos における脆弱性"},
        {"ＡＢＣ－１２３", "abc-123"},
        {"  Linux \t Kernel\r\n", "linux kernel"},
        {"a\xC2\xA0"
         "b",
         "a b"}, // NO-BREAK SPACE
        {"a\xE2\x80\xA8"
         "b\xC2\x85"
         "c",
         "a b c"},                              // LINE SEPARATOR, NEXT LINE
        {"zero\xE2\x80\x8Bwidth", "zerowidth"}, // ZERO WIDTH SPACE is default-ignorable
        {"Stra\xC3\x9F"
         "e",
         "strasse"},
        {"㈱日立", "(株)日立"},
        {"", ""},
        {"   ", ""},
        {"MiXeD CaSe ascii", "mixed case ascii"},
    };
    for (const auto& c : cases) {
        INFO(c.input);
        CHECK(foldText(c.input) == c.folded);
    }
}

TEST_CASE("foldText: the ASCII fast path equals ICU's folding", "[core][fold]") {
    // Every ASCII byte, once alone (fast path) and once next to a non-ASCII letter (ICU path).
    for (int c = 1; c < 128; ++c) {
        const std::string ascii = "x" + std::string(1, static_cast<char>(c)) + "X";
        INFO("byte " << c);
        CHECK(foldText(ascii + "\xC3\xA9") == foldText(ascii) + "\xC3\xA9");
    }
}

TEST_CASE("foldText: invalid UTF-8 never throws and yields well-formed text", "[core][fold]") {
    const std::vector<std::string> inputs = {"Log4j\xFF\xFE",
                                             "\xE3\x81",
                                             "\xC0\xAF",
                                             "\xED\xA0\x80 surrogate",
                                             "ok\x80",
                                             "\xF4\x90\x80\x80",
                                             std::string("nul\0byte", 8)};
    for (const auto& input : inputs) {
        INFO(input);
        std::string folded;
        REQUIRE_NOTHROW(folded = foldText(input));
        CHECK(vw::isWellFormedUtf8(folded));
    }
    CHECK(foldText("Log4j\xFF").starts_with("log4j"));
    CHECK(foldText("Log4j\xFF") == "log4j\xEF\xBF\xBD"); // U+FFFD
}

TEST_CASE("isWellFormedUtf8", "[core][fold]") {
    CHECK(vw::isWellFormedUtf8(""));
    CHECK(vw::isWellFormedUtf8("ascii"));
    CHECK(vw::isWellFormedUtf8("脆弱性 \xF0\x9F\x98\x80"));
    CHECK_FALSE(vw::isWellFormedUtf8("\xFF"));
    CHECK_FALSE(vw::isWellFormedUtf8("\xE3\x81"));         // truncated
    CHECK_FALSE(vw::isWellFormedUtf8("\xC0\xAF"));         // overlong
    CHECK_FALSE(vw::isWellFormedUtf8("\xED\xA0\x80"));     // surrogate
    CHECK_FALSE(vw::isWellFormedUtf8("\xF4\x90\x80\x80")); // past U+10FFFF
}

TEST_CASE("tokenizeFolded: words, CJK runs and separators", "[core][fold]") {
    using V = std::vector<std::string>;
    CHECK(tokensOf("Apache Log4j における脆弱性") == V{"apache", "log4j", "における脆弱性/cjk"});
    CHECK(tokensOf("Log4jの脆弱性") == V{"log4j", "の脆弱性/cjk"});
    CHECK(tokensOf("サイボウズOffice") == V{"サイボウズ/cjk", "office"});
    CHECK(tokensOf("日本医師会ＯＲＣＡ管理機構") == V{"日本医師会/cjk", "orca", "管理機構/cjk"});
    CHECK(tokensOf("http-server_2.4/x:y") == V{"http", "server", "2", "4", "x", "y"});
    CHECK(tokensOf("c++ and c# + #1") == V{"c++", "and", "c#", "1"});
    CHECK(tokensOf("サイボウズ・ガルーン") == V{"サイボウズ/cjk", "ガルーン/cjk"});
    CHECK(tokensOf("caf\xC3\xA9 na\xC3\xAFve") == V{"caf\xC3\xA9", "na\xC3\xAFve"});
    CHECK(tokensOf("「ロ」 (Ｘ)").size() == 2);
    CHECK(tokensOf("").empty());
    CHECK(tokensOf(" -_./ ").empty());
    const auto joined = vw::tokenizeFolded("a b", '_');
    CHECK(joined.text == "a_b");
    REQUIRE(joined.tokens.size() == 2);
    CHECK(joined.tokens[1].begin == 2);
    CHECK(joined.tokens[1].end == 3);
}

TEST_CASE("normalizeComponentName: separators and widths alike", "[core][fold]") {
    const std::vector<FoldCase> cases = {
        {"HTTP Server", "http_server"},
        {"http_server", "http_server"},
        {"http-server", "http_server"},
        {"Http.Server", "http_server"},
        {" http  -  server ", "http_server"},
        {"Ｌｏｇ４ｊ", "log4j"},
        {"log4j-core", "log4j_core"},
        {"サイボウズ Office", "サイボウズ_office"},
        {"サイボウズOffice", "サイボウズ_office"},
        {"MySQL Connector/J", "mysql_connector_j"},
        {"mysql_connector/j", "mysql_connector_j"},
        {"JP1/VERITAS NetBackup", "jp1_veritas_netbackup"},
        {"Notepad++", "notepad++"},
        {"---", ""},
        {"pkg:maven/a/b@1", "pkg_maven_a_b_1"}, // purely textual: purls are not taken apart
    };
    for (const auto& c : cases) {
        INFO(c.input);
        CHECK(normalizeComponentName(c.input) == c.folded);
    }
}
