// JVN iPedia RSS 1.0 feeds (jvndb_new.rdf, jvndb.rdf, years/jvndb_YYYY.rdf) and MyJVN
// getVulnOverviewList responses: bytes in, advisory records out. Pure: no I/O.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace vw {

/// Parses one RSS 1.0 document with mod_sec items into records (the `parse` contract in
/// DESIGN.md). `source` is "myjvn" for MyJVN API responses (a status:Status element, or the
/// channel `https://jvndb.jvn.jp/apis/myjvn`), else "jvn-rss". `sec:` elements are matched by
/// local name in any `http(s)://jvn.jp/rss/mod_sec/…` namespace (the feeds use `mod_sec/`, the
/// API `mod_sec/3.0/`; see isSecNamespace).
///
/// Items of the jvn.jp site feed (https://jvn.jp/rss/jvn.rdf: no sec: elements, the id in
/// dc:identifier as JVN#… / JVNVU#…) become records with source "jvn": url = link, published
/// = dcterms:issued, modified = dcterms:modified, aliases = the other ids named by dc:relation
/// and the description. Per item: a sec:identifier makes a JVN iPedia record; without one, a
/// JVN/JVNVU dc:identifier makes a "jvn" record; otherwise the item is skipped (ItemProblem).
/// The MyJVN status:Status element, when present, is returned in ParseResult::status.
///
/// A bad item does not spoil the batch: an unparseable date, a CPE with spaces, a CVSS score
/// that is no number, or a CVE/NVD reference whose id is no CVE id is reported as an
/// ItemProblem and the record is kept without that field; an item without a usable
/// sec:identifier is reported and skipped.
///
/// Throws ParseError (nothing partial) when the document is not well-formed XML (pugixml's
/// description and the byte offset), uses an undeclared namespace prefix, is not RSS 1.0
/// (rdf:RDF with an RSS channel), or is a MyJVN error response (retCd="1": errCd, errMsg).
/// External entities are never resolved.
ParseResult parseJvnRss(std::string_view xml);

/// Parses the same documents as parseJvnRss() incrementally, as VuldefStreamParser does VULDEF:
/// feed() it bytes in pieces of any size; each item becomes a record (or problems) as soon as it
/// is complete, so memory stays bounded by one item instead of the whole document's DOM (a
/// yearly iPedia file is tens of MB). The root's children are found as in VuldefStreamParser
/// and each one is parsed on its own (within a wrapper that re-declares the root's namespaces).
///
/// For a well-formed document the records, problems and status are those of parseJvnRss(), in
/// the same order, with one exception: a status:Status that follows items in a document whose
/// channel is not MyJVN's makes parseJvnRss() label every record "myjvn", while the items
/// streamed before it keep "jvn-rss" (real MyJVN responses name the MyJVN channel first; items
/// before the channel are held until it comes). A document that is not UTF-8 (a declared
/// UTF-16 or ISO-8859-1, a UTF-16 byte order mark), whose root is not rdf:RDF, or whose prolog
/// and root start tag loadDocument() refuses is kept whole and given to parseJvnRss() at
/// finish().
///
/// A document broken at the level of the root (where the scanner's reading of quotes and tags
/// and pugixml's differ) may be refused by the stream although parseJvnRss() reads it: then the
/// records emitted before the ParseError are the first ones parseJvnRss() returns.
///
/// Unlike parseJvnRss(), a document that turns out to be bad part-way (truncated, an item that is
/// not well-formed, a MyJVN error status at the end) throws ParseError from feed() or finish()
/// after the records of the items before that point were emitted: the caller decides whether to
/// keep them. After a ParseError every further call throws the same error.
class JvnRssStreamParser {
public:
    using RecordSink = std::function<void(Advisory&&)>;
    using ProblemSink = std::function<void(ItemProblem&&)>;

    JvnRssStreamParser(RecordSink records, ProblemSink problems);
    ~JvnRssStreamParser();
    JvnRssStreamParser(const JvnRssStreamParser&) = delete;
    JvnRssStreamParser& operator=(const JvnRssStreamParser&) = delete;

    void feed(std::string_view bytes);
    void finish();

    /// rss:item elements seen so far (including skipped ones).
    std::size_t itemsSeen() const;
    /// Bytes held by the internal buffers (a document kept whole counts whole).
    std::size_t bufferedBytes() const;
    /// The status:Status element, once it has been read.
    std::optional<MyJvnStatus> status() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace vw
