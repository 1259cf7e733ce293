// Feeding a JVN RSS document to JvnRssStreamParser in pieces, and the same document to
// parseJvnRss, as comparable text: for the parser tests and the fuzz_feeds target.
#pragma once

#include "core/json_writer.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/parse_error.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw::test {

/// Everything a parse produced, as text.
struct RssCollected {
    std::vector<std::string> records; // toJson of each record
    std::vector<std::string> problems;
    std::string status; // the status's retCd/method/totalRes, "" without one
    std::string error;  // the ParseError, if any (a stream keeps the records before it)
};

inline std::string problemText(const ItemProblem& p) {
    return p.itemId + "#" + std::to_string(p.position) + ":" + p.message;
}

inline std::string statusText(const std::optional<MyJvnStatus>& status) {
    return status ? std::to_string(status->retCd) + "/" + status->method + "/" +
                        std::to_string(status->totalRes)
                  : std::string();
}

/// JvnRssStreamParser fed `piece` bytes at a time.
inline RssCollected rssInPieces(std::string_view xml, std::size_t piece) {
    RssCollected out;
    JvnRssStreamParser parser([&](Advisory&& a) { out.records.push_back(toJson(a)); },
                              [&](ItemProblem&& p) { out.problems.push_back(problemText(p)); });
    try {
        for (std::size_t at = 0; at < xml.size(); at += piece) {
            parser.feed(xml.substr(at, piece));
        }
        parser.finish();
    } catch (const ParseError& e) {
        out.error = e.what();
    }
    out.status = statusText(parser.status());
    return out;
}

/// parseJvnRss on the whole document.
inline RssCollected rssWhole(std::string_view xml) {
    RssCollected out;
    try {
        const ParseResult result = parseJvnRss(xml);
        for (const Advisory& a : result.records) {
            out.records.push_back(toJson(a));
        }
        for (const ItemProblem& p : result.problems) {
            out.problems.push_back(problemText(p));
        }
        out.status = statusText(result.status);
    } catch (const ParseError& e) {
        out.error = e.what();
    }
    return out;
}

} // namespace vw::test
