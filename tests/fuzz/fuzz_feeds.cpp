// libFuzzer target: the feed parsers on arbitrary bytes. VULDEF is streamed in pieces whose
// size the first byte picks, and the result must be the same as parsing the whole document at
// once (the parser's quick end-tag search and its tag-by-tag scan must agree); JVN RSS and
// format detection run on the same bytes. Built only with clang (tests/CMakeLists.txt).
#include "core/json_writer.h"
#include "feeds/parse/document.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Everything a VULDEF parse gave, as text.
struct Outcome {
    std::vector<std::string> records;
    std::vector<std::string> problems;
    std::string error;
};

Outcome streamVuldef(std::string_view input, std::size_t piece) {
    Outcome out;
    vw::VuldefStreamParser parser(
        [&](vw::Advisory&& a) { out.records.push_back(vw::toJson(a)); },
        [&](vw::ItemProblem&& p) {
            out.problems.push_back(p.itemId + "#" + std::to_string(p.position) + ":" + p.message);
        });
    try {
        for (std::size_t at = 0; at < input.size(); at += piece) {
            parser.feed(input.substr(at, piece));
        }
        parser.finish();
    } catch (const vw::ParseError& e) {
        out.error = e.what();
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = data[0] == 0 ? size : data[0];
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    const Outcome whole = streamVuldef(input, input.size() + 1);
    const Outcome pieces = streamVuldef(input, piece);
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
    (void)vw::detectFormat(input);
    return 0;
}
