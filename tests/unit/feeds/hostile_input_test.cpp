// Hostile input (issue 16 part 5), found by probing the built binary: documents written for
// these tests, inline. A same-name element nested in a root child (every well-formed document
// must be read, property-style over generated documents fed in random pieces); characters XML
// forbids (`&#0;` truncated a title); fields and records past the size limits (skipped with a
// problem, the rest of the batch kept, the memory bounded); charsets that are not ASCII even
// when every byte is (UTF-7) and warnings that must not echo raw bytes.
#include "core/parse_limits.h"
#include "core/xml_chars.h"
#include "feeds/parse/charset.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/mail.h"
#include "feeds/parse/myjvn_alert.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"
#include "feeds/parse/xml_util.h"
#include "inventory/sbom.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace vw;

namespace {

const std::string kHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<VULDEF-Document xmlns=\"http://jvn.jp/vuldef/\" xml:lang=\"ja\">\n";
const std::string kTail = "</VULDEF-Document>\n";

std::string vulinfo(const std::string& id, const std::string& title = "t") {
    return "<Vulinfo><VulinfoID>" + id + "</VulinfoID><VulinfoData><Title>" + title +
           "</Title></VulinfoData></Vulinfo>\n";
}

std::string jvndb(int n) {
    std::string digits = std::to_string(n);
    return "JVNDB-2024-" + std::string(6 - digits.size(), '0') + digits;
}

/// Records and problems of a VULDEF document fed in pieces of the given sizes (cycled).
struct Parsed {
    std::vector<Advisory> records;
    std::vector<ItemProblem> problems;
    std::size_t maxBuffered = 0;
};

Parsed parseInPieces(const std::string& xml, const std::vector<std::size_t>& pieces) {
    Parsed out;
    VuldefStreamParser parser([&](Advisory&& a) { out.records.push_back(std::move(a)); },
                              [&](ItemProblem&& p) { out.problems.push_back(std::move(p)); });
    std::size_t at = 0;
    for (std::size_t k = 0; at < xml.size(); ++k) {
        const std::size_t n = std::min(pieces[k % pieces.size()], xml.size() - at);
        parser.feed(std::string_view(xml).substr(at, n));
        out.maxBuffered = std::max(out.maxBuffered, parser.bufferedBytes());
        at += n;
    }
    parser.finish();
    return out;
}

std::vector<std::string> idsOf(const std::vector<Advisory>& records) {
    std::vector<std::string> ids;
    for (const Advisory& a : records) {
        ids.push_back(a.id);
    }
    return ids;
}

/// Sets the parse limits for one test and puts the previous ones back.
class LimitsScope {
public:
    explicit LimitsScope(ParseLimits limits) : saved_(parseLimits()) { setParseLimits(limits); }
    ~LimitsScope() { setParseLimits(saved_); }
    LimitsScope(const LimitsScope&) = delete;
    LimitsScope& operator=(const LimitsScope&) = delete;

private:
    ParseLimits saved_;
};

/// Generates well-formed XML: random elements (names chosen to collide with the document's own:
/// y, Vulinfo, Title, VULDEF-Document), attributes whose values hold `>` `/>` and quotes of the
/// other kind, comments and processing instructions holding `>` and `<`, CDATA sections holding
/// markup, character and entity references. `text` receives the character data as an XML
/// parser reads it (comments and PIs contribute nothing).
class XmlGenerator {
public:
    explicit XmlGenerator(std::uint32_t seed) : rng_(seed) {}

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

    std::string name() {
        static const char* names[] = {"y", "Vulinfo", "Title", "VULDEF-Document", "z", "a-b.c"};
        return names[pick(6)];
    }

    std::string attributes() {
        std::string out;
        const int n = pick(3);
        for (int i = 0; i < n; ++i) {
            static const char* values[] = {"\"a>b\"",      "'x/>y'",       "\"it's\"",
                                           "'say \"hi\"'", "\"&gt;&lt;\"", "\"\""};
            out += " k" + std::to_string(i) + "=" + values[pick(6)];
        }
        return out;
    }

    /// Character data that is not whitespace-only at its ends, and its parsed value.
    void textPiece(std::string& xml, std::string& text) {
        switch (pick(6)) {
        case 0:
            xml += "w" + std::to_string(pick(100));
            text += xml.substr(xml.rfind('w'));
            break;
        case 1:
            xml += "a&amp;b&lt;c&gt;d";
            text += "a&b<c>d";
            break;
        case 2:
            xml += "<![CDATA[<Vulinfo></y> ]> ]]]]>";
            text += "<Vulinfo></y> ]> ]]";
            break;
        case 3:
            xml += "<!-- <y> -- > </Vulinfo> -->";
            break;
        case 4:
            xml += "<?pi <y> ? > </y>?>";
            break;
        default:
            xml += "&#x3042;&#12354;";
            text += "\xE3\x81\x82\xE3\x81\x82";
            break;
        }
    }

    /// An element with random content, depth-limited.
    std::string element(int depth) {
        const std::string n = name();
        if (depth == 0 || pick(4) == 0) {
            return "<" + n + attributes() + (pick(2) == 0 ? "/>" : " />");
        }
        std::string xml = "<" + n + attributes() + ">";
        std::string ignored;
        const int parts = pick(4);
        for (int i = 0; i < parts; ++i) {
            if (pick(2) == 0) {
                xml += element(depth - 1);
            } else {
                textPiece(xml, ignored);
            }
        }
        return xml + "</" + n + " >";
    }

    /// A Vulinfo with this id and a generated title (noise elements around and inside it, but
    /// not inside Title), and the title as read.
    std::string item(const std::string& id, std::string& title) {
        std::string xml = "<Vulinfo" + attributes() + ">";
        if (pick(2) == 0) {
            xml += element(3);
        }
        xml += "<VulinfoID>" + id + "</VulinfoID>";
        if (pick(2) == 0) {
            xml += element(3); // may hold another Vulinfo: nested, not a second item
        }
        xml += "<VulinfoData><Title>x";
        title = "x";
        const int parts = 1 + pick(4);
        for (int i = 0; i < parts; ++i) {
            textPiece(xml, title);
        }
        xml += "z</Title></VulinfoData>";
        title += "z";
        if (pick(2) == 0) {
            xml += element(2);
        }
        return xml + "</Vulinfo>";
    }

    /// Between the root's children: whitespace, comments, PIs, text, or a noise child (never a
    /// Vulinfo of its own: that would be an item).
    std::string between() {
        switch (pick(5)) {
        case 0:
            return "\n  ";
        case 1:
            return "<!-- </VULDEF-Document> <Vulinfo> -->";
        case 2:
            return "<?pi </VULDEF-Document>?>";
        case 3: {
            std::string noise = element(3);
            if (noise.rfind("<Vulinfo", 0) == 0) {
                noise = "<y>" + noise + "</y>";
            }
            return noise;
        }
        default:
            return "text &amp; more";
        }
    }

private:
    std::mt19937 rng_;
};

} // namespace

TEST_CASE("a same-name element nested before the first Vulinfo is read", "[hostile][vuldef]") {
    const std::string xml = kHead + "<y><y/></y>" + vulinfo(jvndb(1)) +
                            "<y a=\"1>2\"><y><!-- </y> --><y/></y></y>" + vulinfo(jvndb(2)) + kTail;
    const ParseResult result = parseVuldef(xml);
    CHECK(idsOf(result.records) == std::vector<std::string>{jvndb(1), jvndb(2)});
    CHECK(result.problems.empty());
    for (std::size_t piece : {1u, 2u, 3u, 7u, 64u}) {
        const Parsed parsed = parseInPieces(xml, {piece});
        CHECK(idsOf(parsed.records) == std::vector<std::string>{jvndb(1), jvndb(2)});
        CHECK(parsed.problems.empty());
    }
}

TEST_CASE("a Vulinfo nested in a Vulinfo is part of it and not a second record",
          "[hostile][vuldef]") {
    const std::string xml = kHead + "<Vulinfo><VulinfoID>" + jvndb(1) +
                            "</VulinfoID><x><Vulinfo><VulinfoID>" + jvndb(9) +
                            "</VulinfoID></Vulinfo></x><VulinfoData><Title>outer</Title>"
                            "</VulinfoData></Vulinfo>\n" +
                            vulinfo(jvndb(2)) + kTail;
    const Parsed parsed = parseInPieces(xml, {5});
    CHECK(idsOf(parsed.records) == std::vector<std::string>{jvndb(1), jvndb(2)});
    REQUIRE(parsed.records.size() == 2);
    CHECK(parsed.records[0].title == "outer");
    CHECK(parsed.problems.empty());
}

TEST_CASE("an unclosed Vulinfo still ends where the next one starts", "[hostile][vuldef]") {
    // Not well-formed: the missing end tag is found when the document proves broken, and the
    // Vulinfo after it are read. 1,000 Vulinfo before it, so the buffer is compacted while the
    // broken one is being scanned (the last piece: the last 30 bytes).
    std::string before;
    std::vector<std::string> ids;
    for (int i = 100; i < 1100; ++i) {
        before += vulinfo(jvndb(i));
        ids.push_back(jvndb(i));
    }
    const std::string xml = kHead + before + "<Vulinfo><VulinfoID>" + jvndb(2) +
                            "</VulinfoID><VulinfoData><Title>never closed</Title>"
                            "</VulinfoData>\n" +
                            vulinfo(jvndb(3)) + vulinfo(jvndb(4)) + kTail;
    ids.push_back(jvndb(3));
    ids.push_back(jvndb(4));
    for (const std::vector<std::size_t>& pieces :
         {std::vector<std::size_t>{1}, std::vector<std::size_t>{13}, std::vector<std::size_t>{4096},
          std::vector<std::size_t>{xml.size() - 30, 30}}) {
        const Parsed parsed = parseInPieces(xml, pieces);
        CHECK(idsOf(parsed.records) == ids);
        REQUIRE(parsed.problems.size() == 1);
        CHECK(parsed.problems[0].itemId == jvndb(2));
    }
}

TEST_CASE("every generated well-formed VULDEF document is read whole in any pieces",
          "[hostile][vuldef][property]") {
    // Property: for well-formed documents (whatever the nesting, comments, CDATA, PIs and
    // attribute values), the streaming parser gives every Vulinfo as a record with its title,
    // no problem and no error, whatever the piece sizes. 400 documents, seeded.
    for (std::uint32_t seed = 1; seed <= 400; ++seed) {
        XmlGenerator gen(seed);
        std::string xml = kHead;
        std::vector<std::string> ids;
        std::vector<std::string> titles;
        const int items = 1 + gen.pick(5);
        for (int i = 0; i < items; ++i) {
            xml += gen.between();
            std::string title;
            ids.push_back(jvndb(i + 1));
            xml += gen.item(ids.back(), title);
            titles.push_back(title);
        }
        xml += gen.between() + kTail;
        // Each document in small pieces, in medium ones, in pieces of mixed sizes and whole.
        const std::vector<std::vector<std::size_t>> splits{
            {1 + static_cast<std::size_t>(gen.pick(9))},
            {1 + static_cast<std::size_t>(gen.pick(200))},
            {3, 1, 64, 7, 1000},
            {xml.size()}};
        INFO("seed " << seed << ": " << xml);
        for (const std::vector<std::size_t>& pieces : splits) {
            Parsed parsed;
            REQUIRE_NOTHROW(parsed = parseInPieces(xml, pieces));
            CHECK(idsOf(parsed.records) == ids);
            CHECK(parsed.problems.empty());
            for (std::size_t i = 0; i < std::min(titles.size(), parsed.records.size()); ++i) {
                CHECK(parsed.records[i].title == titles[i]);
            }
        }
    }
}

TEST_CASE("characters XML forbids make the Vulinfo a problem and the rest is read",
          "[hostile][vuldef][xmlchar]") {
    const std::vector<std::string> forbidden{
        "&#0;",   "&#1;",     "&#8;",         "&#xB;",       "&#xC;",    "&#xE;",
        "&#x1F;", "&#xFFFE;", "&#xFFFF;",     "&#xD800;",    "&#xDFFF;", "&#1114112;",
        "\x01",   "\x1F",     "\xED\xA0\x80", "\xEF\xBF\xBE"};
    for (const std::string& bad : forbidden) {
        INFO("forbidden: " << bad);
        const std::string xml = kHead + vulinfo(jvndb(1)) + vulinfo(jvndb(2), "abc" + bad + "def") +
                                vulinfo(jvndb(3)) + kTail;
        const ParseResult result = parseVuldef(xml);
        CHECK(idsOf(result.records) == std::vector<std::string>{jvndb(1), jvndb(3)});
        REQUIRE(result.problems.size() == 1);
        CHECK(result.problems[0].itemId == jvndb(2));
        CHECK_THAT(result.problems[0].message, Catch::Contains("not allowed in XML"));
        CHECK_THAT(result.problems[0].message, Catch::Contains("Vulinfo skipped"));
    }
    // What XML allows passes: tab, LF, CR, the last code point, and characters near the holes.
    const std::string xml =
        kHead + vulinfo(jvndb(1), "a&#9;&#xA;&#xD;&#x10FFFF;&#xFFFD;&#x20;b") + kTail;
    const ParseResult result = parseVuldef(xml);
    CHECK(result.problems.empty());
    CHECK(result.records.size() == 1);
}

TEST_CASE("findForbiddenXmlChar names what it found and where", "[hostile][xmlchar]") {
    const auto found = findForbiddenXmlChar("<a>ok &#0; no</a>");
    REQUIRE(found);
    CHECK(found->offset == 6);
    CHECK(found->what == "character reference &#0; (U+0000)");
    CHECK(findForbiddenXmlChar("<a>\x07</a>")->what == "control character U+0007");
    CHECK(!findForbiddenXmlChar("<a>&amp;#0; &#x9; &#10; &#xZ; &#;</a>"));
    CHECK(!findForbiddenXmlChar("\xFF\xFE<\0a\0>\0"));
}

namespace {

/// The first forbidden character by the rules of XML 1.0 section 2.2, one byte at a time: the
/// reference the block scan of findForbiddenXmlChar must agree with.
std::optional<std::size_t> firstForbiddenByteByByte(std::string_view xml) {
    const auto* b = reinterpret_cast<const unsigned char*>(xml.data());
    for (std::size_t i = 0; i < xml.size(); ++i) {
        if (b[i] < 0x20 && b[i] != 0x09 && b[i] != 0x0A && b[i] != 0x0D) {
            return i;
        }
        if (i + 2 < xml.size() && b[i] == 0xED && b[i + 1] >= 0xA0 && b[i + 1] <= 0xBF) {
            return i;
        }
        if (i + 2 < xml.size() && b[i] == 0xEF && b[i + 1] == 0xBF &&
            (b[i + 2] == 0xBE || b[i + 2] == 0xBF)) {
            return i;
        }
        if (xml.substr(i, 4) == "&#0;" || xml.substr(i, 5) == "&#x1;") {
            return i;
        }
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("findForbiddenXmlChar finds the first forbidden character wherever it lies",
          "[hostile][xmlchar]") {
    // Japanese text (E3 leads, fullwidth EF BC/BD punctuation), markup, entities and line
    // breaks, with one forbidden piece put at every offset across several 16-byte blocks.
    const std::string text = "<d>（注意）脆弱性が存在します：&lt;script&gt; &amp; &#x41;\r\n\t"
                             "ＡＢＣ　ｶﾀｶﾅ ascii text that is plain</d>";
    const std::vector<std::string> forbidden = {
        "\x01", "\x1F", "\x0B", "&#0;", "&#x1;", "\xED\xA0\x80", "\xEF\xBF\xBE", "\xEF\xBF\xBF"};
    for (const std::string& bad : forbidden) {
        for (std::size_t at = 0; at <= text.size(); ++at) {
            const std::string xml = text.substr(0, at) + bad + text.substr(at);
            CAPTURE(bad, at);
            const auto found = findForbiddenXmlChar(xml);
            const auto expected = firstForbiddenByteByByte(xml);
            REQUIRE(expected);
            REQUIRE(found);
            CHECK(found->offset == *expected);
        }
    }
    // Nothing forbidden: near misses at every offset (EF BF followed by other bytes, ED with a
    // low second byte, a TAB), and the clean text itself.
    CHECK_FALSE(findForbiddenXmlChar(text));
    CHECK_FALSE(firstForbiddenByteByByte(text));
    for (const std::string& fine : {std::string("\xEF\xBF\xBD"), std::string("\xED\x9F\xBF"),
                                    std::string("\t"), std::string("&#x9;")}) {
        for (std::size_t at = 0; at <= text.size(); ++at) {
            const std::string xml = text.substr(0, at) + fine + text.substr(at);
            CAPTURE(at);
            CHECK_FALSE(findForbiddenXmlChar(xml));
        }
    }
    // At the very end (no byte after the block), and a forbidden byte in the last block only.
    CHECK(findForbiddenXmlChar(std::string(40, 'a') + "\x02")->offset == 40);
    CHECK(findForbiddenXmlChar(std::string(32, 'a') + "\xEF\xBF\xBF")->offset == 32);
    CHECK_FALSE(findForbiddenXmlChar(std::string(32, 'a') + "\xEF\xBF"));
}

namespace {

/// The tag end one byte at a time, as the stream scanner read it before findXmlTagEnd's block
/// scan: the reference the two must agree on.
std::size_t tagEndByteByByte(std::string_view buf, std::size_t from) {
    char quote = 0;
    for (std::size_t i = from; i < buf.size(); ++i) {
        const char c = buf[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i;
        }
    }
    return std::string_view::npos;
}

} // namespace

TEST_CASE("findXmlTagEnd ends a tag where the byte-by-byte scan does", "[hostile][xmlscan]") {
    // Random text over the bytes that matter (and others, Japanese among them), from every
    // offset: quotes opening and closing across 16-byte blocks, unclosed quotes, `>` inside
    // quotes, no `>` at all.
    std::mt19937 random(20261130);
    const std::vector<std::string> pieces = {
        "<", ">", "\"", "'", "a", " ", "=", "/", "脆", "\n", "abcdefghijklmnopq", "\"x>y\""};
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
    std::uniform_int_distribution<int> length(0, 40);
    std::size_t found = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string buf;
        for (int n = length(random); n > 0; --n) {
            buf += pieces[pick(random)];
        }
        for (std::size_t from = 0; from <= buf.size(); ++from) {
            CAPTURE(buf, from);
            const std::size_t expected = tagEndByteByByte(buf, from);
            REQUIRE(findXmlTagEnd(buf, from) == expected);
            found += expected != std::string_view::npos ? 1 : 0;
        }
    }
    CHECK(found > 10000); // most cases did end a tag
    // Long quoted values, the `>` just past or inside a block boundary.
    for (std::size_t size = 0; size < 70; ++size) {
        const std::string tag = "<a b=\"" + std::string(size, 'v') + ">\" c='>'>";
        CAPTURE(size);
        CHECK(findXmlTagEnd(tag, 0) == tag.size() - 1);
        CHECK(findXmlTagEnd(tag.substr(0, tag.size() - 1), 0) == std::string_view::npos);
    }
}

TEST_CASE("characters XML forbids in RSS items MyJVN alert lists and CycloneDX XML",
          "[hostile][xmlchar]") {
    const std::string rss =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
        "  xmlns=\"http://purl.org/rss/1.0/\" xmlns:sec=\"http://jvn.jp/rss/mod_sec/\" "
        "xml:lang=\"ja\">\n"
        "  <channel rdf:about=\"https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf\"><title>t</title>"
        "<link>https://jvndb.jvn.jp/</link><description>d</description></channel>\n";
    const auto item = [](const std::string& id, const std::string& title) {
        return "  <item rdf:about=\"https://jvndb.jvn.jp/ja/contents/2024/" + id +
               ".html\">"
               "<title>" +
               title + "</title><link>https://jvndb.jvn.jp/ja/contents/2024/" + id +
               ".html</link><sec:identifier>" + id + "</sec:identifier></item>\n";
    };
    const std::string doc = rss + item(jvndb(1), "one") + item(jvndb(2), "two&#0;cut") +
                            item(jvndb(3), "three") + "</rdf:RDF>\n";
    std::vector<Advisory> records;
    std::vector<ItemProblem> problems;
    JvnRssStreamParser parser([&](Advisory&& a) { records.push_back(std::move(a)); },
                              [&](ItemProblem&& p) { problems.push_back(std::move(p)); });
    parser.feed(doc);
    parser.finish();
    CHECK(idsOf(records) == std::vector<std::string>{jvndb(1), jvndb(3)});
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0].message, Catch::Contains("&#0;"));
    CHECK_THAT(problems[0].message, Catch::Contains("item skipped"));
    // The whole-document reader refuses it.
    CHECK_THROWS_WITH(parseJvnRss(doc), Catch::Contains("not allowed in XML"));

    CHECK_THROWS_WITH(parseMyJvnAlertList("<feed xmlns=\"http://www.w3.org/2005/Atom\">"
                                          "<title>a&#x1;b</title></feed>"),
                      Catch::Contains("character reference &#x1; (U+0001)"));
    const std::string bom =
        "<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">"
        "<components><component type=\"library\"><name>z&#0;lib</name>"
        "<version>1</version></component></components></bom>";
    CHECK_THROWS_WITH(readSbom(bom), Catch::Contains("not allowed in XML"));
}

TEST_CASE("a field past max_field_bytes makes the Vulinfo a problem", "[hostile][vuldef][limits]") {
    const LimitsScope limits(ParseLimits{4096, 64 * 1024});
    const std::string xml = kHead + vulinfo(jvndb(1)) + vulinfo(jvndb(2), std::string(5000, 'A')) +
                            vulinfo(jvndb(3), std::string(4000, 'B')) + kTail;
    const Parsed parsed = parseInPieces(xml, {1000});
    CHECK(idsOf(parsed.records) == std::vector<std::string>{jvndb(1), jvndb(3)});
    REQUIRE(parsed.problems.size() == 1);
    CHECK(parsed.problems[0].itemId == jvndb(2));
    CHECK_THAT(parsed.problems[0].message, Catch::Contains("<Title> holds 5000 bytes"));
    CHECK_THAT(parsed.problems[0].message, Catch::Contains("max_field_bytes"));
}

TEST_CASE("a record past max_record_bytes is skipped unbuffered and the batch goes on",
          "[hostile][vuldef][limits]") {
    const LimitsScope limits(ParseLimits{16 * 1024, 64 * 1024});
    // 8 MB of title, with comments, CDATA and quoted '>' inside, in 64 KiB pieces: the
    // parser's buffers stay near the record limit.
    std::string big = "<Vulinfo><VulinfoID>" + jvndb(2) + "</VulinfoID><VulinfoData><Title>";
    for (int i = 0; i < 8 * 16; ++i) {
        big += std::string(64 * 1024 - 60, 'A') + "<!-- > --><![CDATA[ <x> ]]><b c='>'/>";
    }
    big += "</Title></VulinfoData></Vulinfo>\n";
    const std::string xml = kHead + vulinfo(jvndb(1)) + big + vulinfo(jvndb(3)) + kTail;
    // In pieces smaller than the limit, and all at once (the record is whole in the buffer
    // when the limit is found passed).
    for (const std::vector<std::size_t>& pieces :
         {std::vector<std::size_t>{64 * 1024, 1, 77777}, std::vector<std::size_t>{xml.size()}}) {
        const Parsed parsed = parseInPieces(xml, pieces);
        CHECK(idsOf(parsed.records) == std::vector<std::string>{jvndb(1), jvndb(3)});
        REQUIRE(parsed.problems.size() == 1);
        CHECK(parsed.problems[0].itemId == jvndb(2));
        CHECK(parsed.problems[0].position == 2);
        CHECK_THAT(parsed.problems[0].message,
                   Catch::Contains("Vulinfo is " + std::to_string(big.size() - 1) + " bytes"));
        CHECK_THAT(parsed.problems[0].message, Catch::Contains("max_record_bytes"));
        if (pieces.size() > 1) {
            CHECK(parsed.maxBuffered < 1024 * 1024);
        }
    }
}

TEST_CASE("a huge RSS item is skipped with a problem", "[hostile][limits]") {
    const LimitsScope limits(ParseLimits{16 * 1024, 64 * 1024});
    const std::string rss =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
        "  xmlns=\"http://purl.org/rss/1.0/\" xmlns:sec=\"http://jvn.jp/rss/mod_sec/\">\n"
        "  <channel rdf:about=\"https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf\"><title>t</title>"
        "<link>https://jvndb.jvn.jp/</link><description>d</description></channel>\n";
    const auto item = [](const std::string& id, const std::string& title) {
        return "  <item rdf:about=\"https://jvndb.jvn.jp/ja/contents/2024/" + id +
               ".html\">"
               "<title>" +
               title + "</title><link>https://jvndb.jvn.jp/ja/contents/2024/" + id +
               ".html</link><sec:identifier>" + id + "</sec:identifier></item>\n";
    };
    const std::string doc = rss + item(jvndb(1), "one") + item(jvndb(2), std::string(200000, 'x')) +
                            item(jvndb(3), std::string(20000, 'y')) + item(jvndb(4), "four") +
                            "</rdf:RDF>\n";
    std::vector<Advisory> records;
    std::vector<ItemProblem> problems;
    JvnRssStreamParser parser([&](Advisory&& a) { records.push_back(std::move(a)); },
                              [&](ItemProblem&& p) { problems.push_back(std::move(p)); });
    for (std::size_t at = 0; at < doc.size(); at += 8192) {
        parser.feed(std::string_view(doc).substr(at, 8192));
    }
    parser.finish();
    CHECK(idsOf(records) == std::vector<std::string>{jvndb(1), jvndb(4)});
    REQUIRE(problems.size() == 2);
    CHECK_THAT(problems[0].message, Catch::Contains("max_record_bytes"));
    CHECK_THAT(problems[1].message, Catch::Contains("<title> holds 20000 bytes"));
}

TEST_CASE("UTF-7 mail text is decoded", "[hostile][charset]") {
    // "あいう" in UTF-7 (RFC 2152): all ASCII bytes, but not ASCII text.
    const ConvertedText text = toUtf8("+MEIwRDBG-", "UTF-7");
    CHECK(text.text == "\xE3\x81\x82\xE3\x81\x84\xE3\x81\x86");
    CHECK(text.problem.empty());
    CHECK(toUtf8("+MEIwRDBG-", "unicode-1-1-utf-7").text == text.text);
    // Plain ASCII in an ASCII-compatible charset is still taken as it is.
    CHECK(toUtf8("+MEIwRDBG-", "iso-8859-1").text == "+MEIwRDBG-");
}

TEST_CASE("charset warnings show the label escaped", "[hostile][charset]") {
    const std::string label = "x\x1B[31mevil\xFF\xFE\r\nX-Injected: 1";
    for (const std::string& bytes : {std::string("plain"), std::string("caf\xE9")}) {
        const ConvertedText text = toUtf8(bytes, label);
        REQUIRE(!text.problem.empty());
        CHECK_THAT(text.problem, Catch::Contains("x\\x1B[31mevil\\xFF\\xFE\\x0D\\x0AX-Injected"));
        CHECK(isValidUtf8(text.problem));
        CHECK(std::none_of(text.problem.begin(), text.problem.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
    }
    CHECK(printableLabel(std::string(100, 'a')).size() == 60 + std::string("…").size());
    CHECK(printableLabel("a\\b") == "a\\x5Cb");
}

TEST_CASE("a UTF-7 mail is read decoded and a hostile charset is shown escaped",
          "[hostile][charset][mail]") {
    const std::string head = "Message-ID: <utf7@example.jp>\r\n"
                             "Date: Tue, 7 Nov 2023 10:00:00 +0900\r\n"
                             "From: someone <someone@example.jp>\r\n"
                             "Subject: =?utf-7?Q?+MEIwRDBG-?=\r\n"
                             "MIME-Version: 1.0\r\n";
    const ParseResult utf7 = parseMail(head + "Content-Type: text/plain; charset=utf-7\r\n\r\n"
                                              "+MEIwRDBG- CVE-2023-0078 +MG4wXw-\r\n",
                                       MailOptions{"jpcert-alert", {}});
    REQUIRE(utf7.records.size() == 1);
    CHECK(utf7.problems.empty());
    CHECK(utf7.records[0].title == "\xE3\x81\x82\xE3\x81\x84\xE3\x81\x86");
    CHECK_THAT(utf7.records[0].summary,
               Catch::Contains("\xE3\x81\x82\xE3\x81\x84\xE3\x81\x86 CVE-2023-0078"));
    CHECK(utf7.records[0].aliases == std::vector<std::string>{"CVE-2023-0078"});

    const ParseResult hostile =
        parseMail(head + "Content-Type: text/plain; charset=\"x\x1B]0;owned\x07\xFF\"\r\n\r\n"
                         "caf\xE9 CVE-2023-0078\r\n",
                  MailOptions{"jpcert-alert", {}});
    REQUIRE(!hostile.problems.empty());
    bool named = false;
    for (const ItemProblem& problem : hostile.problems) {
        CHECK(isValidUtf8(problem.message));
        CHECK(std::none_of(problem.message.begin(), problem.message.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
        named = named || problem.message.find("x\\x1B]0;owned\\x07\\xFF") != std::string::npos;
    }
    CHECK(named);
}

TEST_CASE("broken documents under tiny limits end in records problems or a ParseError",
          "[hostile][vuldef][property]") {
    // Robustness of the scanner's recovery paths (a missing end tag, a record past the limit
    // skipped byte by byte, markup cut at a piece boundary): generated documents with bytes
    // inserted, removed and replaced, under limits of 64 and 256 bytes. Anything but a
    // ParseError escaping (std::out_of_range from a bad offset, say) fails. Seeded.
    const LimitsScope limits(ParseLimits{64, 256});
    static const char kMarkup[] = "<>/'\"!-[]?=& \nVulinfo";
    int errors = 0;
    int problems = 0;
    for (std::uint32_t seed = 1; seed <= 500; ++seed) {
        XmlGenerator gen(seed);
        std::string xml = kHead;
        for (int i = 0; i < 1 + gen.pick(5); ++i) {
            std::string title;
            xml += gen.between() + gen.item(jvndb(i + 1), title);
        }
        xml += kTail;
        for (int m = 0; m < 1 + gen.pick(4); ++m) {
            const std::size_t at = static_cast<std::size_t>(gen.pick(static_cast<int>(xml.size())));
            const char c = kMarkup[gen.pick(sizeof kMarkup - 1)];
            switch (gen.pick(3)) {
            case 0:
                xml.insert(at, 1, c);
                break;
            case 1:
                xml.erase(at, 1);
                break;
            default:
                xml[at] = c;
            }
        }
        INFO("seed " << seed << ": " << xml);
        for (const std::vector<std::size_t>& pieces :
             {std::vector<std::size_t>{1 + static_cast<std::size_t>(gen.pick(40))},
              std::vector<std::size_t>{xml.size()}}) {
            try {
                const Parsed parsed = parseInPieces(xml, pieces);
                problems += static_cast<int>(parsed.problems.size());
            } catch (const ParseError&) {
                ++errors;
            }
        }
    }
    // Both outcomes occur: the mutations are not all harmless, nor all fatal.
    CHECK(errors > 0);
    CHECK(problems > 0);
}
