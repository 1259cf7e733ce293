// libFuzzer target: the feed parsers on arbitrary bytes. VULDEF is streamed in pieces whose
// size the first byte picks, and the result must be the same as parsing the whole document at
// once (the parser's quick end-tag search and its tag-by-tag scan must agree); JVN RSS is
// streamed in the same pieces and must give what the whole-document parseJvnRss gives (or fail
// where it fails); MyJVN alert lists, the KEV catalog and format detection run on the same
// bytes. Built only with clang (tests/CMakeLists.txt).
#include "core/json_writer.h"
#include "feeds/parse/document.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/kev.h"
#include "feeds/parse/myjvn_alert.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"
#include "helpers/rss_stream.h"
#include "helpers/vuldef_stream.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = data[0] == 0 ? size : data[0];
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    const vw::test::Collected whole = vw::test::feedInPieces(input, input.size() + 1);
    const vw::test::Collected pieces = vw::test::feedInPieces(input, piece);
    if (whole.records != pieces.records || whole.problems != pieces.problems ||
        whole.error.empty() != pieces.error.empty()) {
        std::fprintf(stderr,
                     "VULDEF parsed whole and in pieces of %zu differ: %zu/%zu records, "
                     "%zu/%zu problems, error '%s' / '%s'\n",
                     piece, whole.records.size(), pieces.records.size(), whole.problems.size(),
                     pieces.problems.size(), whole.error.c_str(), pieces.error.c_str());
        std::abort();
    }

    // parseJvnRss whole (toJson of every record) against JvnRssStreamParser in pieces: a document
    // the whole parse refuses, the stream refuses too (after some records, maybe); one it reads,
    // the stream reads the same (records, problems, status), except that (1) items streamed
    // before a status:Status in a feed whose channel is not MyJVN's keep the source "jvn-rss",
    // and (2) in a document broken at the level of the root (where the scanner's idea of tags
    // and pugixml's differ) the stream may stop with a ParseError, after a prefix of the records.
    const vw::test::RssCollected rssWhole = vw::test::rssWhole(input);
    const vw::test::RssCollected rssPieces = vw::test::rssInPieces(input, piece);
    const auto sameRecord = [&](std::size_t i) {
        std::string streamed = rssPieces.records[i];
        const std::string labelled = "{\"source\":\"jvn-rss\"";
        if (!rssWhole.status.empty() && streamed.starts_with(labelled)) {
            streamed.replace(0, labelled.size(), "{\"source\":\"myjvn\"");
        }
        return rssWhole.records[i] == rssPieces.records[i] || rssWhole.records[i] == streamed;
    };
    // (3) a character XML 1.0 forbids: the whole parse refuses the document, the stream skips
    // the item it is in with a problem that says why and reads the rest (docs/reliability.md).
    const std::string_view forbidden = "is not allowed in XML";
    const auto saysForbidden = [&](const std::string& text) {
        return text.find(forbidden) != std::string::npos;
    };
    bool rssSame = true;
    if (!rssWhole.error.empty() && saysForbidden(rssWhole.error)) {
        rssSame = !rssPieces.error.empty() ||
                  std::any_of(rssPieces.problems.begin(), rssPieces.problems.end(), saysForbidden);
    } else if (!rssWhole.error.empty()) {
        rssSame = !rssPieces.error.empty();
    } else if (rssPieces.error.empty()) {
        rssSame = rssWhole.problems == rssPieces.problems && rssWhole.status == rssPieces.status &&
                  rssWhole.records.size() == rssPieces.records.size();
    } else {
        rssSame = rssPieces.records.size() <= rssWhole.records.size() &&
                  rssPieces.problems.size() <= rssWhole.problems.size() &&
                  std::equal(rssPieces.problems.begin(), rssPieces.problems.end(),
                             rssWhole.problems.begin());
    }
    for (std::size_t i = 0; rssSame && rssWhole.error.empty() && i < rssPieces.records.size();
         ++i) {
        rssSame = sameRecord(i);
    }
    if (!rssSame) {
        std::fprintf(stderr,
                     "JVN RSS parsed whole and streamed in pieces of %zu differ: %zu/%zu records, "
                     "%zu/%zu problems, status '%s' / '%s', error '%s' / '%s'\n",
                     piece, rssWhole.records.size(), rssPieces.records.size(),
                     rssWhole.problems.size(), rssPieces.problems.size(), rssWhole.status.c_str(),
                     rssPieces.status.c_str(), rssWhole.error.c_str(), rssPieces.error.c_str());
        std::abort();
    }
    try {
        for (const auto& record : vw::parseMyJvnAlertList(input).records) {
            (void)vw::toJson(record);
        }
    } catch (const vw::ParseError&) {
        // likewise
    }
    // CISA's KEV catalog (JSON): a catalog read gives entries with CVE ids and dates only.
    try {
        const vw::ParseResult kev = vw::parseKevCatalog(input);
        for (const auto& entry : kev.kev->entries) {
            if (!entry.cve.starts_with("CVE-") || entry.dateAdded.size() != 10) {
                std::fprintf(stderr, "KEV entry '%s' passed with a bad id or date\n",
                             entry.cve.c_str());
                std::abort();
            }
        }
    } catch (const vw::ParseError&) {
        // likewise
    }
    (void)vw::detectFormat(input);
    return 0;
}
