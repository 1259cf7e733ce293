// libFuzzer target: the feed parsers on arbitrary bytes. VULDEF is streamed in pieces whose
// size the first byte picks, and the result must be the same as parsing the whole document at
// once (the parser's quick end-tag search and its tag-by-tag scan must agree); JVN RSS, MyJVN
// alert lists and format detection run on the same bytes. Built only with clang
// (tests/CMakeLists.txt).
#include "core/json_writer.h"
#include "feeds/parse/document.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/myjvn_alert.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"
#include "helpers/vuldef_stream.h"

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

    try {
        for (const auto& record : vw::parseJvnRss(input).records) {
            (void)vw::toJson(record);
        }
    } catch (const vw::ParseError&) {
        // unusable input may be rejected; nothing else may escape
    }
    try {
        for (const auto& record : vw::parseMyJvnAlertList(input).records) {
            (void)vw::toJson(record);
        }
    } catch (const vw::ParseError&) {
        // likewise
    }
    (void)vw::detectFormat(input);
    return 0;
}
