#include "core/text.h"
#include "core/version.h"
#include "helpers/fixtures.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

using namespace vw;
using Ranges = std::vector<std::string>;

namespace {

int signOf(int value) {
    return (value > 0) - (value < 0);
}

/// The ranges of a parsed text as describeRange() shows them.
Ranges described(const ParsedVersionText& parsed) {
    Ranges out;
    for (const VersionRange& range : parsed.ranges) {
        out.push_back(describeRange(range));
    }
    return out;
}

/// How a text is expected to read: its product and ranges, or (no ranges) not understood with
/// `why` in the reason.
struct Expected {
    std::string product;
    Ranges ranges;
    std::string why;
};

void checkReads(const std::string& text, const Expected& expected) {
    INFO("text: \"" << text << "\"");
    const ParsedVersionText parsed = parseVersionText(text);
    CHECK(parsed.text == text);
    if (expected.ranges.empty()) {
        CHECK_FALSE(parsed.understood);
        CHECK(parsed.ranges.empty());
        CHECK_THAT(parsed.why, Catch::Contains(expected.why));
        return;
    }
    INFO("why: " << parsed.why);
    CHECK(parsed.understood);
    CHECK(parsed.why.empty());
    CHECK(parsed.product == expected.product);
    CHECK(described(parsed) == expected.ranges);
}

std::string decodeXmlText(std::string_view text) {
    static const std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [entity, c] : kEntities) {
            if (text.substr(i).starts_with(entity)) {
                out.push_back(c);
                i += entity.size();
                replaced = true;
                break;
            }
        }
        if (!replaced && text.substr(i).starts_with("&#")) {
            const std::size_t semicolon = text.find(';', i);
            const bool hex = i + 2 < text.size() && (text[i + 2] == 'x' || text[i + 2] == 'X');
            const std::string digits(text.substr(i + (hex ? 3 : 2), semicolon - i - (hex ? 3 : 2)));
            appendUtf8(out, static_cast<char32_t>(std::stoul(digits, nullptr, hex ? 16 : 10)));
            i = semicolon + 1;
            replaced = true;
        }
        if (!replaced) {
            out.push_back(text[i++]);
        }
    }
    return out;
}

/// Every distinct <VersionNumber> text (any namespace prefix; trimmed, as the VULDEF reader
/// trims it; "" for an empty element) in the .rdf and .xml files under fixtures/jvn, read as
/// text so that files which are not well-formed count too.
std::set<std::string> fixtureVersionTexts() {
    std::set<std::string> texts;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(test::fixturesDir() / "jvn")) {
        const std::string extension = entry.path().extension().string();
        if (!entry.is_regular_file() || (extension != ".rdf" && extension != ".xml")) {
            continue;
        }
        const std::string content = test::readFile(entry.path());
        for (std::size_t open = content.find('<'); open != std::string::npos;
             open = content.find('<', open + 1)) {
            const std::size_t nameEnd = content.find_first_of(" \t\r\n/>", open + 1);
            if (nameEnd == std::string::npos) {
                break;
            }
            std::string_view name(content.data() + open + 1, nameEnd - open - 1);
            if (const std::size_t colon = name.rfind(':'); colon != std::string_view::npos) {
                name.remove_prefix(colon + 1);
            }
            if (name != "VersionNumber") {
                continue;
            }
            const std::size_t close = content.find('>', nameEnd);
            REQUIRE(close != std::string::npos);
            if (content[close - 1] == '/') {
                texts.insert("");
                continue;
            }
            const std::size_t endTag = content.find("</", close);
            REQUIRE(endTag != std::string::npos);
            texts.insert(std::string(trim(
                decodeXmlText(std::string_view(content).substr(close + 1, endTag - close - 1)))));
        }
    }
    return texts;
}

} // namespace

TEST_CASE("Version order: numbers, pre-releases, letter suffixes, builds, prefixes and width",
          "[core][version]") {
    struct Case {
        const char* a;
        const char* b;
        int expected; // sign of compareVersions(a, b)
    };
    const Case cases[] = {
        // dotted numbers: as numbers, leading and trailing zeros ignored
        {"1.9", "1.10", -1},
        {"1.0", "1.0.0", 0},
        {"1", "1.0", 0},
        {"1.02", "1.2", 0},
        {"1.0.1", "1.1", -1},
        {"10.0", "9.99.99", 1},
        {"123456789012345678901", "123456789012345678902", -1},
        {"20230101", "20221231", 1},
        // build numbers
        {"1.2.3.4567", "1.2.3.10000", -1},
        {"1.2.3.4567", "1.2.4", -1},
        {"1.2.3", "1.2.3.1", -1},
        // pre-releases below the release
        {"2.0-beta9", "2.0", -1},
        {"2.0-beta9", "2.0-beta10", -1},
        {"2.0-beta10", "2.0-rc1", -1},
        {"2.0-alpha1", "2.0-beta1", -1},
        {"2.0-rc1", "2.0", -1},
        {"2.0.0-rc1", "2.0-rc1", 0},
        {"2.0RC1", "2.0-rc1", 0},
        {"2.0-beta9", "1.9.9", 1},
        {"1.0.2-beta1", "1.0.2", -1},
        {"1.0.2-beta1", "1.0.1", 1},
        {"1.0.2-beta1", "1.0.1zz", 1},
        {"1.0-SNAPSHOT", "1.0-alpha", -1},
        {"2.0-preview", "2.0-rc", -1},
        {"2.0-final", "2.0", 0},
        // letters after a number: a suffix above the release (OpenSSL)
        {"1.0.1", "1.0.1f", -1},
        {"1.0.1f", "1.0.1g", -1},
        {"1.0.1F", "1.0.1f", 0},
        {"1.0.1z", "1.0.1za", -1},
        {"1.0.1zh", "1.0.2", -1},
        {"2.0b1", "2.0", 1}, // a single letter is a suffix, not "beta"
        {"7.4p1", "7.4", 1},
        {"7.4p1", "7.5", -1},
        {"8u301", "8 Update 301", 0},
        // service packs, builds in parentheses, revisions
        {"7.1", "7.1 SP2", -1},
        {"7.1 SP2", "7.1 SP3", -1},
        {"7.1 SP2", "7.2", -1},
        {"7.1 SP2", "7.1.1", -1},
        {"7.1 SP2", "7.1 Service Pack 2", 0},
        {"7.1 SP2", "7.1 サービスパック 2", 0},
        {"5.8", "5.8 (Build 1577)", -1},
        {"5.8 (Build 1577)", "5.8 build 1577", 0},
        {"5.8.0 (Build 1577)", "5.8 build 1577", 0},
        {"5.8 (Build 1577)", "5.8 (Build 1578)", -1},
        {"5.8 (Build 1577)", "5.8.1", -1},
        {"4.2.0(ビルド 1234)", "4.2.0 build 1234", 0},
        {"6 R4", "6 R3", 1},
        {"6", "6 R4", -1},
        {"6 R4", "7", -1},
        {"V6R4", "6 R4", 0},
        {"6 rev 4", "6 R4", 0},
        // prefixes and full width
        {"Ver.1.2", "1.2", 0},
        {"ver 1.2", "1.2", 0},
        {"V1.2", "1.2", 0},
        {"v1.3", "1.2", 1},
        {"Version 1.2", "1.2", 0},
        {"バージョン 1.2", "1.2", 0},
        {"１．２．３", "1.2.3", 0},
        {"Ｖｅｒ．１．２．４", "1.2.3", 1},
        {"１．０．１ｆ", "1.0.1f", 0},
        // nothing to compare
        {"", "1", -1},
        {"", "", 0},
    };
    for (const Case& c : cases) {
        INFO(c.a << " vs " << c.b);
        CHECK(signOf(compareVersions(c.a, c.b)) == c.expected);
        CHECK(signOf(compareVersions(c.b, c.a)) == -c.expected);
    }
    CHECK(isComparableVersion("Ver.1.2"));
    CHECK(isComparableVersion("１"));
    CHECK_FALSE(isComparableVersion(""));
    CHECK_FALSE(isComparableVersion("最新版"));
    CHECK_FALSE(isComparableVersion("Version"));
}

TEST_CASE("Reading VersionNumber texts: every form, hard cases and what stays unread",
          "[core][version]") {
    const std::pair<std::string, Expected> cases[] = {
        // the forms of JVN iPedia
        {"2.13.0 から 2.15.0 より前のバージョン", {"", {">= 2.13.0, < 2.15.0"}, ""}},
        {"core 2.0-beta9 から 2.12.1 より前のバージョン", {"core", {">= 2.0-beta9, < 2.12.1"}, ""}},
        {"ファームウェア Ver.2.0.0 から Ver.2.3.1 まで",
         {"ファームウェア", {">= 2.0.0, <= 2.3.1"}, ""}},
        {"1.0 から 2.0 まで", {"", {">= 1.0, <= 2.0"}, ""}},
        {"1.0.1 から 1.0.1f", {"", {">= 1.0.1, <= 1.0.1f"}, ""}},
        {"2.0 から 3.0 未満", {"", {">= 2.0, < 3.0"}, ""}},
        {"1.0 以上 2.0 未満", {"", {">= 1.0, < 2.0"}, ""}},
        {"1.0 以上 2.0 以下", {"", {">= 1.0, <= 2.0"}, ""}},
        {"1.0以上2.0未満", {"", {">= 1.0, < 2.0"}, ""}},
        {"1.0 以上、2.0 未満", {"", {">= 1.0, < 2.0"}, ""}},
        {"1.0 〜 2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"1.0 - 2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"2.4.1-2.4.9", {"", {">= 2.4.1, <= 2.4.9"}, ""}},
        {"1.0.1-1 以前", {"", {"<= 1.0.1-1"}, ""}}, // a package revision, not a range
        {"2.0-3 以前", {"", {"<= 2.0-3"}, ""}},
        {"1.0～2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"5.16.3 未満", {"", {"< 5.16.3"}, ""}},
        {"3.4.6 より前のバージョン", {"", {"< 3.4.6"}, ""}},
        {"3.0 より前", {"", {"< 3.0"}, ""}},
        {"2.0 より前の全てのバージョン", {"", {"< 2.0"}, ""}},
        {"3.0 以前", {"", {"<= 3.0"}, ""}},
        {"3.0 以下", {"", {"<= 3.0"}, ""}},
        {"3.0 およびそれ以前", {"", {"<= 3.0"}, ""}},
        {"3.0 及びそれ以前のバージョン", {"", {"<= 3.0"}, ""}},
        {"1.2 版以前", {"", {"<= 1.2"}, ""}},
        {"4.0 以降", {"", {">= 4.0"}, ""}},
        {"4.0 より後", {"", {"> 4.0"}, ""}},
        {"7.7", {"", {"= 7.7"}, ""}},
        {"2.4.49 および 2.4.50", {"", {"= 2.4.49", "= 2.4.50"}, ""}},
        {"2.4.49、2.4.50", {"", {"= 2.4.49", "= 2.4.50"}, ""}},
        {"1.2 以前、2.0 から 2.3 まで", {"", {"<= 1.2", ">= 2.0, <= 2.3"}, ""}},
        {"2.0 以降、1.5 以前", {"", {">= 2.0", "<= 1.5"}, ""}}, // a union: not merged
        {"バージョン 10 系", {"", {"series 10"}, ""}},
        {"2.4 系", {"", {"series 2.4"}, ""}},
        {"2.x", {"", {"series 2"}, ""}},
        {"すべてのバージョン", {"", {"all"}, ""}},
        {"全てのバージョン", {"", {"all"}, ""}},
        {"ファームウェア 全てのバージョン", {"ファームウェア", {"all"}, ""}},
        // product prefixes, platforms, version prefixes
        {"ファームウエア 2.20 およびそれ以前", {"ファームウエア", {"<= 2.20"}, ""}},
        {"ファームウェアバージョン 1.05およびそれ以前", {"ファームウェア", {"<= 1.05"}, ""}},
        {"Windows 版 7.1 SP2 およびそれ以前", {"Windows 版", {"<= 7.1 SP2"}, ""}},
        {"Windows 10 版 1.2 以前", {"Windows 10 版", {"<= 1.2"}, ""}},
        {"for EMC Celerra 5.8 (Build 1577) 未満", {"for EMC Celerra", {"< 5.8 build 1577"}, ""}},
        {"7.1 Service Pack 2 以前", {"", {"<= 7.1 SP2"}, ""}},
        {"2.1 (x64) 以前", {"", {"<= 2.1 (x64)"}, ""}},
        {"v4.2.0(ビルド 1234)以前", {"", {"<= 4.2.0 build 1234"}, ""}},
        {"v6 R4 およびそれ以前のバージョン", {"", {"<= 6 R4"}, ""}},
        {"Version 3.1 以前", {"", {"<= 3.1"}, ""}},
        {"Ver.3.1以前", {"", {"<= 3.1"}, ""}},
        {"V3.1以前", {"", {"<= 3.1"}, ""}},
        {"1.2.3.4567 以前", {"", {"<= 1.2.3.4567"}, ""}},
        {"2.0 RC1 以前", {"", {"<= 2.0-rc1"}, ""}},
        // CVE lists, no space before the Japanese, full width
        {"Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
         {"", {"< 1.4.2 [CVE-2025-0354, CVE-2025-0355]"}, ""}},
        {"1.0 以前 (CVE-2025-0001), 2.0 から 2.1 まで (CVE-2025-0002 and CVE-2025-0003)",
         {"", {"<= 1.0 [CVE-2025-0001]", ">= 2.0, <= 2.1 [CVE-2025-0002, CVE-2025-0003]"}, ""}},
        {"1.05およびそれ以前", {"", {"<= 1.05"}, ""}},
        {"１．２．３ 以前", {"", {"<= 1.2.3"}, ""}},
        {"Ｖｅｒ．１．２　未満", {"", {"< 1.2"}, ""}},
        // English
        {"prior to 2.3", {"", {"< 2.3"}, ""}},
        {"versions prior to 2.3", {"", {"< 2.3"}, ""}},
        {"Prior to version 2.3", {"", {"< 2.3"}, ""}},
        {"2.3 and earlier", {"", {"<= 2.3"}, ""}},
        {"2.3 and later", {"", {">= 2.3"}, ""}},
        {"up to 2.3", {"", {"<= 2.3"}, ""}},
        {"1.0 through 2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"versions 1.0 to 2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"from 1.0 to 2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"between 1.0 and 2.0", {"", {">= 1.0, <= 2.0"}, ""}},
        {"all versions", {"", {"all"}, ""}},
        // not understood: never guessed
        {"", {"", {}, "empty text"}},
        {"   ", {"", {}, "empty text"}},
        {"最新版より前のバージョン", {"", {}, "no version number"}},
        {"2.0 以前 (ただし 1.5 を除く)", {"", {}, "unrecognized text \"(ただし\""}},
        {"2021年4月以前に製造された製品", {"", {}, "unrecognized text \"年\""}},
        {"1.0 から", {"", {}, "expected a version after \"から\""}},
        {"1.0 以上 2.0", {"", {}, "expected 未満, より前, 以下 or 以前 after \"2.0\""}},
        {"1.0 の一部 2.0 以前", {"", {}, "unrecognized text \"一部\""}},
        {"2.0 より以前", {"", {}, "unrecognized text \"より\""}},
        {"1.0 および", {"", {}, "nothing after \"および\""}},
        {"2.x 以前", {"", {}, "unexpected \"以前\""}},
    };
    for (const auto& [text, expected] : cases) {
        checkReads(text, expected);
    }
}

TEST_CASE("Every VersionNumber text in the real fixtures is listed here and reads as listed",
          "[core][version][fixtures]") {
    VW_REQUIRE_FIXTURES();
    // Every distinct text of shared/fixtures/jvn (trimmed): a new text fails this test until it
    // is added here with the reading it should get.
    const std::map<std::string, Expected> table = {
        {"", {"", {}, "empty text"}},
        {"2.13.0 から 2.15.0 より前のバージョン", {"", {">= 2.13.0, < 2.15.0"}, ""}},
        {"core 2.0-beta9 から 2.12.1 より前のバージョン", {"core", {">= 2.0-beta9, < 2.12.1"}, ""}},
        {"5.16.3 未満", {"", {"< 5.16.3"}, ""}},
        {"1.5.62 未満", {"", {"< 1.5.62"}, ""}},
        {"7.7", {"", {"= 7.7"}, ""}},
        {"8.0", {"", {"= 8.0"}, ""}},
        {"8.1", {"", {"= 8.1"}, ""}},
        {"for EMC Celerra 5.8 (Build 1577) 未満", {"for EMC Celerra", {"< 5.8 build 1577"}, ""}},
        {"for NetApp 5.8 (Build 1299) 未満", {"for NetApp", {"< 5.8 build 1299"}, ""}},
        {"for Storage 6.0 (Build 1284) 未満", {"for Storage", {"< 6.0 build 1284"}, ""}},
        {"for Windows 5.8 (Build 1575) 未満", {"for Windows", {"< 5.8 build 1575"}, ""}},
        {"ファームウェアバージョン 1.05およびそれ以前", {"ファームウェア", {"<= 1.05"}, ""}},
        {"Ver.1.2.4より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
         {"", {"< 1.2.4 [CVE-2025-0354, CVE-2025-0355]"}, ""}},
        {"Ver.1.3.0より前のバージョン（CVE-2025-0355）", {"", {"< 1.3.0 [CVE-2025-0355]"}, ""}},
        {"Ver.1.3.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
         {"", {"< 1.3.2 [CVE-2025-0354, CVE-2025-0355]"}, ""}},
        {"Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
         {"", {"< 1.4.2 [CVE-2025-0354, CVE-2025-0355]"}, ""}},
        {"Ver.1.4.2より前のバージョン（CVE-2025-0356）", {"", {"< 1.4.2 [CVE-2025-0356]"}, ""}},
        {"Ver.1.5.0より前のバージョン（CVE-2025-0355）", {"", {"< 1.5.0 [CVE-2025-0355]"}, ""}},
        {"Ver.1.5.3より前のバージョン（CVE-2025-0356）", {"", {"< 1.5.3 [CVE-2025-0356]"}, ""}},
        {"Ver.1.6.0より前のバージョン（CVE-2025-0355）", {"", {"< 1.6.0 [CVE-2025-0355]"}, ""}},
        {"Ver.1.7.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
         {"", {"< 1.7.2 [CVE-2025-0354, CVE-2025-0355]"}, ""}},
        {"Ver.2.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
         {"", {"< 2.4.2 [CVE-2025-0354, CVE-2025-0355]"}, ""}},
        {"7.6.2より前のバージョン", {"", {"< 7.6.2"}, ""}},
        {"v6 R4 およびそれ以前のバージョン", {"", {"<= 6 R4"}, ""}},
        {"3.4.7 より前のバージョン", {"", {"< 3.4.7"}, ""}},
    };
    const std::set<std::string> found = fixtureVersionTexts();
    REQUIRE_FALSE(found.empty());
    std::size_t understood = 0;
    for (const std::string& text : found) {
        const auto listed = table.find(text);
        INFO("a VersionNumber text in shared/fixtures/jvn is not in this table: \"" << text
                                                                                    << "\"");
        REQUIRE(listed != table.end());
        checkReads(text, listed->second);
        understood += parseVersionText(text).understood ? 1 : 0;
    }
    for (const auto& [text, expected] : table) {
        INFO("listed but no longer in the fixtures: \"" << text << "\"");
        CHECK(found.count(text) == 1);
    }
    CHECK(found.size() == 26);
    CHECK(understood == 25); // all but the empty element
}

TEST_CASE("Whether a version is affected: any range of any text, unknown instead of a miss",
          "[core][version]") {
    struct Case {
        std::vector<std::string> texts;
        const char* version;
        RangeVerdict verdict;
        std::optional<std::size_t> decidedBy;
    };
    using V = RangeVerdict;
    const std::vector<std::string> beta = {"2.0-beta9 から 2.14.1 まで"};
    const std::vector<std::string> log4j = {"2.13.0 から 2.15.0 より前のバージョン"};
    const std::vector<std::string> builds = {"for NetApp 5.8 (Build 1299) 未満",
                                             "for Windows 5.8 (Build 1575) 未満"};
    const std::vector<std::string> partly = {"1.0 以前", "最新版より前のバージョン"};
    const Case cases[] = {
        // pre-releases at the bounds
        {beta, "2.0-beta9", V::Affected, 0},
        {beta, "2.0-beta10", V::Affected, 0},
        {beta, "2.0-rc1", V::Affected, 0},
        {beta, "2.0", V::Affected, 0},
        {beta, "2.14.1", V::Affected, 0},
        {beta, "2.15.0", V::NotAffected, std::nullopt},
        {beta, "2.0-alpha1", V::NotAffected, std::nullopt},
        {beta, "1.9", V::NotAffected, std::nullopt},
        {log4j, "2.13.0", V::Affected, 0},
        {log4j, "2.14.9", V::Affected, 0},
        {log4j, "2.15.0-rc1", V::Affected, 0}, // a pre-release of the fixed version
        {log4j, "2.15.0", V::NotAffected, std::nullopt},
        {log4j, "2.13.0-beta1", V::NotAffected, std::nullopt},
        // inclusive and exclusive bounds
        {{"3.0 以前"}, "3.0", V::Affected, 0},
        {{"3.0 以前"}, "3.0.0", V::Affected, 0},
        {{"3.0 以前"}, "3.0.1", V::NotAffected, std::nullopt},
        {{"3.0 未満"}, "3.0", V::NotAffected, std::nullopt},
        {{"3.0 未満"}, "2.99", V::Affected, 0},
        {{"3.0 より後"}, "3.0", V::NotAffected, std::nullopt},
        {{"3.0 より後"}, "3.0.1", V::Affected, 0},
        {{"7.7"}, "7.7.0", V::Affected, 0},
        {{"7.7"}, "7.7.1", V::NotAffected, std::nullopt},
        {{"v6 R4 およびそれ以前のバージョン"}, "V6R3", V::Affected, 0},
        {{"v6 R4 およびそれ以前のバージョン"}, "6 R5", V::NotAffected, std::nullopt},
        {{"1.0.1 から 1.0.1f"}, "1.0.1e", V::Affected, 0},
        {{"1.0.1 から 1.0.1f"}, "1.0.1g", V::NotAffected, std::nullopt},
        // several texts for one product: any of them
        {builds, "5.8 (Build 1300)", V::Affected, 1},
        {builds, "5.8 (Build 1200)", V::Affected, 0},
        {builds, "5.8", V::Affected, 0},
        {builds, "5.8 (Build 1575)", V::NotAffected, std::nullopt},
        {{"7.7", "8.0", "8.1"}, "8.0", V::Affected, 1},
        {{"7.7", "8.0", "8.1"}, "8.2", V::NotAffected, std::nullopt},
        {{"2.4.49 および 2.4.50"}, "2.4.50", V::Affected, 0},
        // series, everything, full width
        {{"バージョン 10 系"}, "10.2.1", V::Affected, 0},
        {{"バージョン 10 系"}, "10.0-beta", V::Affected, 0},
        {{"バージョン 10 系"}, "11.0", V::NotAffected, std::nullopt},
        {{"バージョン 10 系"}, "1.0", V::NotAffected, std::nullopt},
        {{"2.4 系"}, "2.4.9", V::Affected, 0},
        {{"2.4 系"}, "2.5", V::NotAffected, std::nullopt},
        {{"2.4 系"}, "2", V::NotAffected, std::nullopt},
        {{"すべてのバージョン"}, "99", V::Affected, 0},
        {{"すべてのバージョン"}, "", V::Affected, 0},
        {{"１．２．３ 以前"}, "Ver.1.2.3", V::Affected, 0},
        {{"1.2.3 以前"}, "１．２．４", V::NotAffected, std::nullopt},
        // unknown, never a silent miss
        {partly, "0.9", V::Affected, 0},
        {partly, "1.1", V::Unknown, 1},
        {{"", "1.0 以前"}, "2.0", V::Unknown, 0},
        {{}, "1.0", V::Unknown, std::nullopt},
        {{"1.0 以前"}, "", V::Unknown, std::nullopt},
        {{"1.0 以前"}, "最新版", V::Unknown, std::nullopt},
    };
    for (const Case& c : cases) {
        std::string texts;
        for (const auto& text : c.texts) {
            texts += "\"" + text + "\" ";
        }
        INFO(texts << "version " << c.version);
        const VersionEvaluation evaluation = evaluateVersion(c.texts, c.version);
        INFO("reason: " << evaluation.reason);
        CHECK(rangeVerdictName(evaluation.verdict) == std::string(rangeVerdictName(c.verdict)));
        CHECK(evaluation.decidedBy == c.decidedBy);
        CHECK_FALSE(evaluation.reason.empty());
    }
}

TEST_CASE("A verdict's reason names the text and the range", "[core][version]") {
    const VersionEvaluation affected = evaluateVersion(
        std::vector<std::string>{"7.7", "core 2.0-beta9 から 2.12.1 より前のバージョン"}, "2.0");
    CHECK(affected.reason ==
          "version \"2.0\" is in \"core 2.0-beta9 から 2.12.1 より前のバージョン\" (>= 2.0-beta9, "
          "< 2.12.1)");
    const VersionEvaluation unknown =
        evaluateVersion(std::vector<std::string>{"最新版より前のバージョン"}, "1.0");
    CHECK(unknown.reason == "\"最新版より前のバージョン\" could not be read (no version number); "
                            "version \"1.0\" is in no range of the others");
    const VersionEvaluation outside =
        evaluateVersion(std::vector<std::string>{"5.16.3 未満", "7.7"}, "5.16.3");
    CHECK(outside.reason == "version \"5.16.3\" is outside \"5.16.3 未満\", \"7.7\"");
}

TEST_CASE("A range keeps the text it was read from", "[core][version]") {
    const ParsedVersionText parsed = parseVersionText(
        "ファームウェア　Ver.1.0 以前、Ver.2.0 から Ver.2.3 まで（CVE-2025-0001）");
    REQUIRE(parsed.understood);
    CHECK(parsed.product == "ファームウェア");
    REQUIRE(parsed.ranges.size() == 2);
    CHECK(parsed.ranges[0].text == "Ver.1.0 以前");
    CHECK(parsed.ranges[1].text == "Ver.2.0 から Ver.2.3 まで(CVE-2025-0001)");
    CHECK(parsed.ranges[1].cves == std::vector<std::string>{"CVE-2025-0001"});
    CHECK(parsed.ranges[0].cves.empty());
}
