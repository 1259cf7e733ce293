#include "core/json_writer.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using vw::JsonWriter;

namespace {

std::string quoted(std::string_view text) {
    std::string out;
    vw::appendJsonString(out, text);
    return out;
}

std::string number(double value) {
    JsonWriter json;
    json.value(value);
    return json.str();
}

/// What JsonWriter wrote for every finite double before its one-decimal shortcut: std::to_chars
/// in its shortest form, an integer as "N.0".
std::string referenceNumber(double value) {
    char buffer[64];
    if (value == std::trunc(value) && std::fabs(value) < 1e15) {
        const auto end =
            std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 0).ptr;
        return std::string(buffer, end) + ".0";
    }
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

} // namespace

TEST_CASE("JSON strings escape quotes, backslashes and control characters", "[core][json]") {
    CHECK(quoted("") == R"("")");
    CHECK(quoted("plain") == R"("plain")");
    CHECK(quoted("say \"hi\"") == R"("say \"hi\"")");
    CHECK(quoted("C:\\path") == R"("C:\\path")");
    CHECK(quoted("a/b") == R"("a/b")");
    CHECK(quoted("line1\nline2\ttab\r") == R"("line1\nline2\ttab\r")");
    CHECK(quoted(std::string("nul\0x", 5)) == R"("nul\u0000x")");
    CHECK(quoted("\x1f\x7f") == "\"\\u001f\x7f\"");
}

TEST_CASE("JSON strings keep valid UTF-8 and replace invalid bytes", "[core][json]") {
    CHECK(quoted("脆弱性") == "\"脆弱性\"");
    CHECK(quoted("\xF0\x9F\x94\x92 lock") == "\"\xF0\x9F\x94\x92 lock\""); // U+1F512
    CHECK(quoted("é") == "\"é\"");
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(quoted("a\xFF"
                 "b") == "\"a" + fffd + "b\"");
    CHECK(quoted("\xC0\xAF") == "\"" + fffd + fffd + "\"");                       // overlong '/'
    CHECK(quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");            // surrogate D800
    CHECK(quoted("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\""); // > U+10FFFF
    CHECK(quoted("\xE3\x81") == "\"" + fffd + "\""); // truncated at the end
    CHECK(quoted("\xE3\x81"
                 "A") == "\"" + fffd + "A\"");           // truncated before ASCII
    CHECK(quoted("\x80") == "\"" + fffd + "\"");         // lone continuation byte
    CHECK(quoted("\xEF\xBF\xBD") == "\"" + fffd + "\""); // U+FFFD itself is valid
}

TEST_CASE("JSON strings are escaped the same at every offset of a long string", "[core][json]") {
    // Long runs are copied eight bytes at a time: put each special byte at every offset of a
    // 40-byte string so it falls in every lane of a word and in the tail.
    const std::string fffd = "\xEF\xBF\xBD";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"\"", "\\\""},
        {"\\", "\\\\"},
        {"\n", "\\n"},
        {std::string("\0", 1), "\\u0000"},
        {"\x1f", "\\u001f"},
        {"\x7f", "\x7f"},
        {"~", "~"},
        {"脆", "脆"},
        {"\xE0\xA0\x80", "\xE0\xA0\x80"},
        {"\xFF", fffd},
        {"\xED\xA0\x80", fffd + fffd + fffd},
        {"\xE3\x81", fffd},
        {"\xF0\x9F\x94\x92", "\xF0\x9F\x94\x92"}};
    for (const auto& [special, escaped] : cases) {
        for (std::size_t at = 0; at <= 40; ++at) {
            const std::string text = std::string(at, 'a') + special + std::string(40 - at, 'b');
            const std::string expected =
                "\"" + std::string(at, 'a') + escaped + std::string(40 - at, 'b') + "\"";
            INFO("special byte(s) at offset " << at << ": " << escaped);
            CHECK(quoted(text) == expected);
        }
    }
}

TEST_CASE("JSON strings end a run of Japanese characters at any other byte", "[core][json]") {
    // Runs of three-byte characters are checked one after another: whatever follows a run
    // (an escape, an invalid or truncated sequence, E0 or ED with their narrower second byte,
    // ASCII) is handled as it is anywhere else.
    const std::string fffd = "\xEF\xBF\xBD";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"\"", "\\\""},
        {"\n", "\\n"},
        {"a", "a"},
        {"\xE0\xA0\x80", "\xE0\xA0\x80"},
        {"\xE0\x80\x80", fffd + fffd + fffd}, // overlong
        {"\xED\x9F\xBF", "\xED\x9F\xBF"},     // U+D7FF, the last before the surrogates
        {"\xED\xA0\x80", fffd + fffd + fffd},
        {"\xE3\x81", fffd},
        {"\xE3\x81\xC0", fffd + fffd},
        {"\xFF", fffd},
        {"\xC3\xA9", "\xC3\xA9"},
        {"\xF0\x9F\x94\x92", "\xF0\x9F\x94\x92"}};
    for (const auto& [special, escaped] : cases) {
        for (int run = 1; run <= 4; ++run) {
            std::string japanese;
            for (int k = 0; k < run; ++k) {
                japanese += "脆";
            }
            INFO(run << " characters, then " << escaped);
            CHECK(quoted(japanese + special + "弱") == "\"" + japanese + escaped + "弱\"");
            CHECK(quoted(japanese + special) == "\"" + japanese + escaped + "\"");
        }
    }
}

TEST_CASE("JSON doubles use one decimal for integers and shortest form otherwise", "[core][json]") {
    CHECK(number(10.0) == "10.0");
    CHECK(number(0.0) == "0.0");
    CHECK(number(-3.0) == "-3.0");
    CHECK(number(5.4) == "5.4");
    CHECK(number(9.8) == "9.8");
    CHECK(number(0.1) == "0.1");
    CHECK(number(7.25) == "7.25");
    CHECK(number(1.0 / 3.0) == "0.3333333333333333");
    CHECK(number(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(number(std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("JSON doubles with one decimal are written as std::to_chars writes them",
          "[core][json]") {
    // The shortcut for one decimal must give the same bytes as the general path: every tenth
    // in a wide range, the doubles just beside each (which are not tenths), both signs, the
    // ends of the shortcut's range, and random doubles of every magnitude.
    std::vector<double> values;
    for (std::int64_t tenths = -20000; tenths <= 20000; ++tenths) {
        const double x = static_cast<double>(tenths) / 10;
        values.insert(values.end(), {x, std::nextafter(x, 1e300), std::nextafter(x, -1e300)});
    }
    for (double x : {0.05, 0.15, 0.25, 0.1 + 0.2, 1e-7, 12345678.9, 99999999.9, 999999999.9,
                     1e9 - 0.1, 1e9 + 0.5, 123456789012.3, -0.0, 4.35, 2.675}) {
        values.insert(values.end(), {x, -x, std::nextafter(x, 1e300), std::nextafter(x, -1e300)});
    }
    std::mt19937_64 random(20261130);
    for (int i = 0; i < 200000; ++i) {
        std::uint64_t bits = random();
        double x = 0;
        static_assert(sizeof x == sizeof bits);
        std::memcpy(&x, &bits, sizeof x);
        if (std::isfinite(x)) {
            values.push_back(x);
        }
        values.push_back(
            static_cast<double>(static_cast<std::int64_t>(random() % 2000001) - 1000000) / 10);
    }
    std::size_t differences = 0;
    for (const double x : values) {
        if (number(x) != referenceNumber(x)) {
            ++differences;
            FAIL_CHECK("wrote " << number(x) << " where std::to_chars writes "
                                << referenceNumber(x));
        }
    }
    CHECK(differences == 0);
    CHECK(number(7.5) == "7.5");
    CHECK(number(-0.5) == "-0.5");
    CHECK(number(123456.7) == "123456.7");
}

TEST_CASE("JsonWriter separates members and elements without spaces", "[core][json]") {
    JsonWriter json;
    json.beginObject()
        .key("a")
        .value(1)
        .key("b")
        .value(true)
        .key("c")
        .null()
        .key("d")
        .beginArray()
        .value("x")
        .value(2LL)
        .beginObject()
        .endObject()
        .beginArray()
        .endArray()
        .endArray()
        .key("e")
        .stringArray({"p", "q"})
        .key("f")
        .raw(R"({"r":1})")
        .key("g")
        .value(false)
        .key("h")
        .value(-9223372036854775807LL)
        .endObject();
    CHECK(json.str() == R"({"a":1,"b":true,"c":null,"d":["x",2,{},[]],"e":["p","q"],"f":{"r":1},)"
                        R"("g":false,"h":-9223372036854775807})");
}

TEST_CASE("JsonWriter escapes keys and writes empty containers", "[core][json]") {
    JsonWriter json;
    json.beginObject().key("k\"1").stringArray({}).endObject();
    CHECK(json.str() == R"({"k\"1":[]})");

    // A plain ASCII key is written as it is; any other is escaped as a string value is.
    JsonWriter keys;
    keys.beginObject()
        .key("plain_key-1")
        .value(1.0)
        .key("back\\slash")
        .value(2.0)
        .key("tab\there")
        .value(3.0)
        .key("日本語")
        .value(4.0)
        .key(std::string("nul\0", 4))
        .value(5.0)
        .key("")
        .value(6.0)
        .endObject();
    CHECK(keys.str() == "{\"plain_key-1\":1.0,\"back\\\\slash\":2.0,\"tab\\there\":3.0,"
                        "\"日本語\":4.0,\"nul\\u0000\":5.0,\"\":6.0}");

    JsonWriter top;
    top.beginArray().endArray();
    CHECK(top.str() == "[]");
}

TEST_CASE("JsonWriter rejects misuse", "[core][json]") {
    JsonWriter unopened;
    CHECK_THROWS_AS(unopened.endObject(), std::logic_error);
    JsonWriter noArray;
    CHECK_THROWS_AS(noArray.endArray(), std::logic_error);
    JsonWriter topKey;
    CHECK_THROWS_AS(topKey.key("x"), std::logic_error);
    JsonWriter dangling;
    dangling.beginObject().key("x");
    CHECK_THROWS_AS(dangling.endObject(), std::logic_error);
}

TEST_CASE("toJson of an advisory follows the parse contract", "[core][json]") {
    vw::Advisory advisory;
    advisory.source = "jvn-rss";
    advisory.id = "JVNDB-2023-004814";
    advisory.aliases = {"CVE-2023-0078"};
    advisory.title = "Resume Builder における脆弱性";
    advisory.summary = "a \"quoted\"\nsummary";
    advisory.url = "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html";
    advisory.published = vw::DateTime{1698893820, 540};
    advisory.cvss = {{"3.0", 5.4, "Medium", "CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"},
                     {"2.0", 10.0, "High", "AV:N/AC:L/Au:N/C:C/I:C/A:C"}};
    advisory.cpes = {"cpe:/a:resumebuilder:resume_builder"};
    advisory.affected = {{"ResumeBuilder",
                          "Resume Builder",
                          "cpe:/a:resumebuilder:resume_builder",
                          {"3.4.6 より前のバージョン"}}};
    advisory.references = {
        {"CVE", "CVE-2023-0078", "https://www.cve.org/CVERecord?id=CVE-2023-0078"},
        {"", "CWE-79", ""}};
    CHECK(
        vw::toJson(advisory) ==
        R"({"source":"jvn-rss","id":"JVNDB-2023-004814","aliases":["CVE-2023-0078"],)"
        R"("title":"Resume Builder における脆弱性","summary":"a \"quoted\"\nsummary",)"
        R"("url":"https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html",)"
        R"("published":"2023-11-02T11:57:00+09:00","modified":null,)"
        R"("cvss":[{"version":"3.0","score":5.4,"severity":"Medium",)"
        R"("vector":"CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"},)"
        R"({"version":"2.0","score":10.0,"severity":"High","vector":"AV:N/AC:L/Au:N/C:C/I:C/A:C"}],)"
        R"("cpes":["cpe:/a:resumebuilder:resume_builder"],)"
        R"("affected":[{"vendor":"ResumeBuilder","product":"Resume Builder",)"
        R"("cpe":"cpe:/a:resumebuilder:resume_builder","versions":["3.4.6 より前のバージョン"]}],)"
        R"("references":[{"source":"CVE","id":"CVE-2023-0078",)"
        R"("url":"https://www.cve.org/CVERecord?id=CVE-2023-0078"},)"
        R"({"source":"","id":"CWE-79","url":""}],"withdrawn":false})");
}

TEST_CASE("toJson of an empty advisory keeps every key", "[core][json]") {
    vw::Advisory advisory;
    advisory.withdrawn = true;
    CHECK(vw::toJson(advisory) ==
          R"({"source":"","id":"","aliases":[],"title":"","summary":"","url":"",)"
          R"("published":null,"modified":null,"cvss":[],"cpes":[],"affected":[],)"
          R"("references":[],"withdrawn":true})");
}

TEST_CASE("toJson of a match follows the match contract", "[core][json]") {
    vw::Match match;
    match.advisory = "JVNDB-2021-005555";
    match.aliases = {"CVE-2021-44228", "JVNVU#96768815"};
    match.product = "Example Viewer";
    match.version = "3.2";
    match.component = "log4j-core";
    match.confidence = 70;
    match.method = "cpe-product";
    match.reason = "CPE cpe:/a:apache:log4j matches component log4j-core";
    CHECK(vw::toJson(match) ==
          R"({"advisory":"JVNDB-2021-005555","aliases":["CVE-2021-44228","JVNVU#96768815"],)"
          R"("product":"Example Viewer","version":"3.2","component":"log4j-core",)"
          R"("confidence":70,"method":"cpe-product",)"
          R"("reason":"CPE cpe:/a:apache:log4j matches component log4j-core",)"
          R"("verdict":"affected"})");
}

TEST_CASE("toJson of products omits empty optional fields", "[core][json]") {
    vw::RegisteredProduct full;
    full.name = "Example Viewer";
    full.owners = {"psirt@example.jp"};
    full.keywords = {"Log4j"};
    full.cpes = {"cpe:/a:example:viewer"};
    full.versions = {{"3.2",
                      {},
                      {{"apache",
                        "log4j-core",
                        "2.14.1",
                        {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                        ""},
                       {"", "zlib", "", {"cpe:/a:zlib:zlib", "cpe:/a:gnu:zlib"}, "", "zlib.net"}},
                      false},
                     {"3.1", {"old@example.jp"}, {}, true}};
    vw::RegisteredProduct bare;
    bare.name = "Bare";
    bare.removed = true;
    CHECK(
        vw::toJson(std::vector<vw::RegisteredProduct>{full, bare}) ==
        R"({"products":[{"name":"Example Viewer","owners":["psirt@example.jp"],)"
        R"("keywords":["Log4j"],"cpes":["cpe:/a:example:viewer"],"versions":[)"
        R"({"version":"3.2","components":[{"vendor":"apache","name":"log4j-core",)"
        R"("version":"2.14.1","cpe":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",)"
        R"("purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},)"
        R"({"name":"zlib","cpes":["cpe:/a:zlib:zlib","cpe:/a:gnu:zlib"],"supplier":"zlib.net"}]},)"
        R"({"version":"3.1","owners":["old@example.jp"],"removed":true}]},)"
        R"({"name":"Bare","removed":true,"versions":[]}]})");
    CHECK(vw::toJson(std::vector<vw::RegisteredProduct>{}) == R"({"products":[]})");
}
