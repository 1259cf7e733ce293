// MyJVN getAlertList responses (IPA 注意警戒情報, the alerts IPA and JPCERT/CC publish; Atom +
// mod_sec 3.0 + status:Status, docs/jvn-formats.md §2.6): bytes in, one record per alert out.
// Pure: no I/O.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

#include <string_view>

namespace vw {

/// The `source` of the records parseMyJvnAlertList makes.
inline constexpr std::string_view kMyJvnAlertSource = "myjvn-alert";

/// The text of the one entry a getAlertList response holds when nothing matches
/// (「該当する脆弱性対策情報はありません。」); an entry whose title, summary or id contains it
/// yields no record and no problem.
inline constexpr std::string_view kMyJvnNoMatch = "該当する脆弱性対策情報はありません";

/// Parses one getAlertList response (ft=xml) into records (the `parse` contract in DESIGN.md),
/// one per Atom <entry>:
///  - source "myjvn-alert"; id = the entry's <id>, trimmed, normalized when normalizeId()
///    knows its kind (JPCERT-AT-2021-0050), else as written (MYJVN-ALT-2025-0011);
///  - title, summary (Atom text constructs: type="html" is turned into plain text, "xhtml"
///    gives its text), url = the href of the entry's rel="alternate" (or rel-less) link, else
///    of its first link; published; modified = <updated>;
///  - per sec:items/sec:item: every sec:cpe into `cpes` (unique, in order), one reference
///    {source: the item's sec:title (else "MyJVN"), id: sec:identifier, url: sec:link@href};
///  - aliases: every vulnerability or advisory id (extractIds) named by the entry's title,
///    summary and link, and by each item's title, identifier, summary, link and
///    sec:references (id and URL); canonicalized without the record's own id;
///  - withdrawn when the title or summary carries a JVN withdrawal marker.
/// Elements are matched by namespace: Atom (http://www.w3.org/2005/Atom), mod_sec in any
/// http(s)://jvn.jp/rss/mod_sec/… namespace, status in http://jvndb.jvn.jp/myjvn/Status. The
/// status:Status element, when present, is returned in ParseResult::status.
///
/// A bad entry does not spoil the batch: one without an <id> (or with spaces or control
/// characters in it) is skipped with an ItemProblem (1-based entry position); a date that is no
/// ISO 8601 date-time or a sec:cpe that is no CPE name is dropped with an ItemProblem and the
/// record kept. The no-match placeholder entry (kMyJvnNoMatch) yields nothing.
///
/// Throws ParseError (nothing partial) when the document is not well-formed XML or not
/// namespace-well-formed (as parseJvnRss: the captures whose xmlns declarations were removed
/// are refused), is a MyJVN error response (retCd other than 0: errCd, errMsg), or is not an
/// Atom feed. A document holding nothing but a status:Status with retCd=0 gives no records.
ParseResult parseMyJvnAlertList(std::string_view xml);

} // namespace vw
