// Feeding a VULDEF document to VuldefStreamParser in pieces, for the parser tests and the
// fuzz_feeds target (which compares pieces against whole).
#pragma once

#include "core/json_writer.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace vw::test {

/// Feeds `xml` to `parser` `piece` bytes at a time, then finishes it (ParseError propagates).
inline void feedPieces(VuldefStreamParser& parser, std::string_view xml, std::size_t piece) {
    for (std::size_t at = 0; at < xml.size(); at += piece) {
        parser.feed(xml.substr(at, piece));
    }
    parser.finish();
}

/// Everything a stream parse produced, as text, for comparing ways of feeding.
struct Collected {
    std::vector<std::string> records; // toJson of each record
    std::vector<std::string> problems;
    std::string error; // the ParseError, if any (records before it are kept)
};

inline Collected feedInPieces(std::string_view xml, std::size_t piece) {
    Collected out;
    VuldefStreamParser parser(
        [&](Advisory&& a) { out.records.push_back(toJson(a)); },
        [&](ItemProblem&& p) {
            out.problems.push_back(p.itemId + "#" + std::to_string(p.position) + ":" + p.message);
        });
    try {
        feedPieces(parser, xml, piece);
    } catch (const ParseError& e) {
        out.error = e.what();
    }
    return out;
}

/// A synthetic VULDEF document written for the tests: the head and `entries` minimal Vulinfo
/// (JVNDB-2024-000001…, each titled with `titleBytes` 'x'), without the closing root tag, so a
/// test can end it properly or cut it.
inline std::string syntheticVuldefHead(int entries, std::size_t titleBytes) {
    std::string doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<VULDEF-Document xmlns=\"http://jvn.jp/vuldef/\" xml:lang=\"ja\">\n";
    const std::string title(titleBytes, 'x');
    for (int i = 1; i <= entries; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "JVNDB-2024-%06d", i);
        doc.append("<Vulinfo><VulinfoID>").append(id).append("</VulinfoID><VulinfoData><Title>");
        doc.append(title).append("</Title></VulinfoData></Vulinfo>\n");
    }
    return doc;
}

} // namespace vw::test
