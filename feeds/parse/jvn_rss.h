// JVN iPedia RSS 1.0 feeds (jvndb_new.rdf, jvndb.rdf, years/jvndb_YYYY.rdf) and MyJVN
// getVulnOverviewList responses: bytes in, advisory records out. Pure: no I/O.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

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

} // namespace vw
