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
///
/// The bytes are scanned for complete children of the root (`Vulinfo`, `sec:handling`,
/// `status:Status`, whatever their prefix); each one is parsed with pugixml inside a small
/// wrapper that re-declares the root's namespaces and `xml:lang`. Only the unconsumed tail is
/// buffered.
///
/// Records and problems are handed out as soon as their Vulinfo is complete, so when feed() or
/// finish() later throws ParseError (a truncated document, a broken end of the document, an
/// API error status) the records already emitted stay emitted: the caller decides whether to
/// keep them (parseVuldef() throws and returns nothing; a streaming backfill may keep what it
/// stored and resume). After a ParseError every further call throws the same error.
///
/// Mapping (source "vuldef"): id = VulinfoID; title; summary = Overview with its escaped HTML
/// turned into plain text (`<li>` → "- " lines, `<br>`/`<p>` → line breaks, entities decoded);
/// url = https://jvndb.jvn.jp/{ja|en}/contents/YYYY/ID.html by the document's xml:lang;
/// published = DateFirstPublished; modified = DateLastUpdated (else DatePublic); every
/// Impact/Cvss; every AffectedItem (VersionNumber texts trimmed, empty ones skipped) and its Cpe
/// (cpes unique, in order); every RelatedItem as a reference; aliases = the ids named by
/// advisory RelatedItems; every HistoryItem verbatim. A bad field (date, score, CPE with
/// spaces, a CVE/NVD reference that names no CVE id) is dropped with an ItemProblem; a Vulinfo
/// without a usable VulinfoID, or that is not well-formed XML, is skipped with an ItemProblem.
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

    /// Vulinfo elements seen so far (including skipped ones).
    std::size_t itemsSeen() const;
    /// Bytes held by the internal buffers (the unconsumed tail and the per-item scratch copy);
    /// for tests and benchmarks of the memory bound.
    std::size_t bufferedBytes() const;
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
