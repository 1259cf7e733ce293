// VULDEF documents (JVN iPedia detail feeds jvndb_detail_YYYY.rdf and MyJVN getVulnDetailInfo
// responses; default namespace http://jvn.jp/vuldef/): bytes in, advisory records out. Pure.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace vw {

/// Parses a VULDEF document incrementally: feed() it bytes in pieces of any size; each complete
/// Vulinfo is turned into a record and handed to the sink at once, so memory stays bounded by
/// the largest single Vulinfo (not the 72 MB file). A bad Vulinfo is reported to the problem
/// sink with its VulinfoID and position, and the rest goes on.
class VuldefStreamParser {
public:
    using RecordSink = std::function<void(Advisory&&)>;
    using ProblemSink = std::function<void(ItemProblem&&)>;

    VuldefStreamParser(RecordSink records, ProblemSink problems);
    ~VuldefStreamParser();
    VuldefStreamParser(const VuldefStreamParser&) = delete;
    VuldefStreamParser& operator=(const VuldefStreamParser&) = delete;

    /// Throws ParseError when the bytes cannot be a VULDEF document (not XML, another root).
    void feed(std::string_view bytes);
    /// Throws ParseError when the document ended early (truncated) or is a MyJVN error
    /// response (status:Status retCd="1": errCd, errMsg).
    void finish();

    std::size_t itemsSeen() const;
    /// The status:Status element, once it has been read.
    std::optional<MyJvnStatus> status() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The whole document at once (API responses, tests): all records and problems, and the
/// status. Throws ParseError like feed()/finish().
ParseResult parseVuldef(std::string_view xml);

} // namespace vw
