// KeywordIndex (core/keywords.h): token boundaries, digits after a keyword, CJK substrings,
// ignored keywords, fields. Titles are real JVN iPedia titles (copied as literals).
#include "core/keywords.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using vw::KeywordHit;
using vw::KeywordIndex;

namespace {

struct KeywordCase {
    std::string keyword;
    std::string text;
    bool found;
};

} // namespace

TEST_CASE("KeywordIndex: whole words, digits after, CJK substrings", "[core][keywords]") {
    const std::vector<KeywordCase> cases = {
        // ASCII words on token boundaries, in Japanese titles
        {"log4j", "Apache Log4j における任意のコードが実行可能な脆弱性", true},
        {"log4j", "Apache Log4jにおける脆弱性", true},
        {"Log4j", "Ａｐａｃｈｅ Ｌｏｇ４ｊ の脆弱性", true},
        {"Apache Log4j", "Ａｐａｃｈｅ　Ｌｏｇ４ｊ", true},
        {"log4j", "log4jx", false},
        {"log4j", "blog4j", false},
        {"log4j", "Apache log4net の脆弱性", false},
        {"log4net", "Apache Log4j", false},
        {"log4j-core", "Log4j Core", true},
        {"log4j core", "log4j-core-2.14.1.jar", true},
        {"apache log4j", "Apache HTTP Server", false},
        {"http server", "Apache HTTP Server 2.4", true},
        {"http_server", "Apache HTTP Server 2.4", true},
        {"node.js", "Node.js における脆弱性", true},
        {"ruby", "ruby-git における複数のコードインジェクションの脆弱性", true},
        {"ruby-git", "ruby-git における複数のコードインジェクションの脆弱性", true},
        {"macOS", "アップルの macOS における脆弱性", true},
        {"Linux Kernel", "Linux の Linux Kernel における NULL ポインタデリファレンスに関する脆弱性",
         true},
        {"ServerProtect", "トレンドマイクロ製 ServerProtect における認証回避の脆弱性", true},
        {"resume builder", "resumebuilder の WordPress 用 resume builder における", true},
        {"resume builder", "resumebuilder の WordPress 用", false},
        // digits after a keyword that ends in a letter
        {"log4j", "Log4j2 の脆弱性", true},
        {"struts", "Apache Struts2 S2-045", true},
        {"log4j", "log4j2x", false},
        {"log4j core", "log4j2 core", false}, // digits only at the keyword's end
        {"php7", "PHP7 の脆弱性", true},
        {"php7", "PHP70", false},
        {"log4j2", "Log4j 2", false},
        // CJK: substrings, separators between CJK runs dropped
        {"サイボウズ", "サイボウズ Office における複数の脆弱性", true},
        {"サイボウズ", "株式会社サイボウズ製品", true},
        {"ｻｲﾎﾞｳｽﾞ", "サイボウズ Garoon", true},
        {"サイボウズ Office", "サイボウズOffice 10 の脆弱性", true},
        {"サイボウズ Office", "サイボウズのOffice", false},
        {"サイボウズ Office", "サイボウズ Officex", false},
        {"サイボウズ・ガルーン", "サイボウズ ガルーン", true},
        {"サイボウズガルーン", "サイボウズ・ガルーン", true},
        {"トレンドマイクロ", "トレンドマイクロ ウイルス検索エンジンの UPX ファイル処理", true},
        {"日立", "株式会社日立製作所", true},
        {"ORCA", "日本医師会ＯＲＣＡ管理機構株式会社", true},
        {"レーザープリンター", "キヤノン製レーザープリンターおよびスモールオフィス向け複合機",
         true},
        {"Office 日立", "Office 日立製作所", true},
        {"Office 日立", "xOffice 日立", false},
    };
    for (const auto& c : cases) {
        INFO("keyword " << c.keyword << " in " << c.text);
        const KeywordIndex index({c.keyword});
        REQUIRE(index.ignored().empty());
        CHECK(index.find(c.text) ==
              (c.found ? std::vector<std::size_t>{0} : std::vector<std::size_t>{}));
    }
}

TEST_CASE("KeywordIndex: keywords that are ignored, and why", "[core][keywords]") {
    const KeywordIndex index({"", "--", "2021", "1.2.3", "qt", "Go", "R", "日", "core", "Server",
                              "脆弱性", "日立", "abc", "ｑｔ５"});
    std::vector<std::size_t> ignored;
    for (const auto& i : index.ignored()) {
        INFO(i.keyword << ": " << i.reason);
        CHECK_FALSE(i.reason.empty());
        CHECK(index.searchForm(i.keyword).empty());
        ignored.push_back(i.keyword);
    }
    CHECK(ignored == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    CHECK(index.ignored()[2].reason == "digits only: would match version numbers");
    CHECK(index.ignored()[4].reason == "shorter than 3 characters after folding: would match "
                                       "too much");
    CHECK(index.ignored()[7].reason == "shorter than 2 characters after folding: would match "
                                       "too much");
    CHECK(index.ignored()[8].reason == "a generic word (core): would match too much");
    CHECK(index.searchForm(11) == "日立");
    CHECK(index.searchForm(13) == "qt5");
    CHECK(index.size() == 14);
    CHECK(index.find("Go Qt R 脆弱性 core server 2021").empty());
}

TEST_CASE("KeywordIndex: many keywords, one text", "[core][keywords]") {
    std::vector<std::string> keywords;
    for (int i = 0; i < 5000; ++i) {
        keywords.push_back("product" + std::to_string(i));
    }
    keywords.push_back("Apache Log4j");
    keywords.push_back("LOG4J");
    keywords.push_back("log4j");
    keywords.push_back("サイボウズ Office");
    keywords.push_back("トレンドマイクロ");
    const KeywordIndex index(keywords);
    CHECK(index.ignored().empty());
    CHECK(index.searchForm(5001) == "log4j");
    CHECK(index.find("Apache Log4j と product42 と サイボウズOffice の脆弱性") ==
          std::vector<std::size_t>{42, 5000, 5001, 5002, 5003});
    CHECK(index.find("product4200x product99999").empty());
    CHECK(index.find("").empty());
}

TEST_CASE("KeywordIndex: fields", "[core][keywords]") {
    const KeywordIndex index({"log4j", "サイボウズ", "apache log4j", "openssl"});
    const std::vector<std::string_view> fields = {"Apache", "Log4j の脆弱性", "サイボウズ Log4j"};
    CHECK(index.findInFields(fields) == std::vector<KeywordHit>{{0, 1}, {1, 2}});
    CHECK(index.findInFields({}).empty());
}

TEST_CASE("KeywordIndex: invalid UTF-8 in the text or a keyword", "[core][keywords]") {
    const KeywordIndex index({"log4j", "bad\xFF"});
    CHECK(index.find("Log4j\xFF脆弱性\xE3\x81") == std::vector<std::size_t>{0});
    CHECK(index.find("bad\xFF") == std::vector<std::size_t>{1});
    CHECK(index.find("bad") == std::vector<std::size_t>{1}); // U+FFFD is a separator
}
