// pugixml helpers shared by the XML feed parsers (jvn_rss.cpp, vuldef.cpp, myjvn_alert.cpp).
// Internal to feeds/parse: nothing outside the parsers includes this header.
#pragma once

#include "core/datetime.h"
#include "feeds/source.h"

#include <charconv>
#include <cstddef>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <system_error>

namespace vw {

/// The namespace the `xml` prefix is bound to by definition.
inline constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

/// The prefix of a qualified name (`rdf` of `rdf:about`), "" when unprefixed.
std::string_view prefixOf(std::string_view qualifiedName);

/// The local part of a qualified name (`about` of `rdf:about`; the whole name when unprefixed).
std::string_view localOf(std::string_view qualifiedName);

/// The `>` that ends the tag starting at `from` (`<…`), a `>` inside a quoted attribute value
/// not counting; npos when `buf` ends first.
std::size_t findXmlTagEnd(std::string_view buf, std::size_t from);

/// The first child of `node` that is an element, else a null node.
pugi::xml_node firstElementChild(pugi::xml_node node);

/// The next sibling of `node` that is an element, else a null node.
pugi::xml_node nextElementSibling(pugi::xml_node node);

/// Visits `top` and every element below it in document order, iteratively (deep nesting
/// cannot exhaust the stack), until `visit(node)` returns a non-empty string, which is
/// returned; "" when every element passed.
template <typename Visit>
std::string firstInElements(pugi::xml_node top, Visit&& visit) {
    pugi::xml_node node = top;
    while (node) {
        std::string found = visit(node);
        if (!found.empty()) {
            return found;
        }
        if (pugi::xml_node first = firstElementChild(node)) {
            node = first;
            continue;
        }
        while (node) {
            if (node == top) {
                return "";
            }
            if (pugi::xml_node next = nextElementSibling(node)) {
                node = next;
                break;
            }
            node = node.parent();
        }
    }
    return "";
}

/// The namespace URI bound to `prefix` ("" for the default namespace) at `node`, looking
/// through its element ancestors; `xml` is always bound. Undeclared: "" for the default
/// namespace, nullopt for a named prefix.
std::optional<std::string_view> lookupNamespace(pugi::xml_node node, std::string_view prefix);

/// The namespace URI of `element` ("" when its prefix is undeclared or nothing is bound).
std::string_view namespaceOf(pugi::xml_node element);

/// All character data directly inside `node` (text and CDATA sections), untrimmed.
std::string textOf(pugi::xml_node node);

/// `text` without its carriage returns (`&#13;` in JVN descriptions).
std::string withoutCarriageReturns(std::string_view text);

/// `text` in single quotes for a message, cut to 80 bytes (plus "…") at a UTF-8 character
/// boundary.
std::string quoted(std::string_view text);

/// "cpe:" (any case) plus at least one more byte, and no control bytes, spaces or DEL.
bool isPlausibleCpe(std::string_view cpe);

/// A CVSS base score: the whole of `text` is a number from 0 to 10.
std::optional<double> parseScore(std::string_view text);

/// The whole of `text` as a decimal integer of type Int (no sign other than '-', no spaces),
/// nullopt when empty, malformed or out of range.
template <typename Int>
std::optional<Int> parseInteger(std::string_view text) {
    Int value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

/// The attributes of a MyJVN status:Status element, each trimmed; empty or malformed
/// numbers read as 0, except retCd: empty is 0, malformed or out of `int` range is 1.
MyJvnStatus readMyJvnStatus(pugi::xml_node status);

/// An XML encoding label read as UTF-8 here: utf-8, utf8 or us-ascii (any case).
bool isUtf8EncodingLabel(std::string_view label);

/// The namespace of MyJVN's status:Status element.
inline constexpr std::string_view kMyJvnStatusNs = "http://jvndb.jvn.jp/myjvn/Status";

/// " at byte offset N (line L, column C)" for a message about `xml` at `offset` ("" when
/// negative).
std::string offsetText(std::string_view xml, std::ptrdiff_t offset);

/// Loads a whole document into `doc` the way the DOM parsers here do (jvn_rss.cpp,
/// myjvn_alert.cpp) and returns its root element: pugixml with the XML declaration kept (no
/// external entity is ever resolved); a declared encoding other than UTF-8, UTF-16 or
/// ISO-8859-1 is refused; exactly one root element and no text outside it; namespace
/// well-formedness of the whole tree (every prefix declared, qualified names valid, no attribute
/// twice), checked without recursion so deep nesting cannot exhaust the stack. Throws ParseError
/// with pugixml's description and the byte offset, line and column.
pugi::xml_node loadDocument(pugi::xml_document& doc, std::string_view xml);

/// The namespace well-formedness checks of loadDocument() on the subtree `top` (a document
/// fragment whose ancestors declare nothing `top` does not re-declare); a ParseError names the
/// element and says `where` (" at byte offset N") instead of the element's own offset.
void checkNamespaces(pugi::xml_node top, const std::string& where);

/// `node` is an element in namespace `ns` with local name `local`.
bool isElement(pugi::xml_node node, std::string_view ns, std::string_view local);

/// A mod_sec namespace: `http://jvn.jp/rss/mod_sec/` (the data feeds), with a version
/// (`…/mod_sec/3.0/`, the API), and the `https://` form MyJVN's getAlertList documentation
/// declares.
bool isSecNamespace(std::string_view ns);

/// A prefixed attribute (`rdf:about`) by namespace and local name, else "".
std::string_view qualifiedAttribute(pugi::xml_node node, std::string_view ns,
                                    std::string_view local);

/// The value of the unprefixed attribute `name`, trimmed.
std::string attributeText(pugi::xml_node node, const char* name);

/// The MyJVN status:Status element that is `root` or a child of it, else a null node.
pugi::xml_node findMyJvnStatus(pugi::xml_node root);

/// Throws ParseError for a MyJVN error response: a status whose retCd is neither empty nor 0
/// (the message names retCd, errCd and errMsg). A null node passes.
void throwIfMyJvnError(pugi::xml_node status);

/// A MyJVN response that holds nothing but its status:Status (`status`, found by
/// findMyJvnStatus): the status is the root or the root's only element (no matches).
inline bool isStatusOnly(pugi::xml_node root, pugi::xml_node status) {
    return status && (status == root || !nextElementSibling(firstElementChild(root)));
}

/// What the parser of one item of a feed document shares: the result it adds to and the item it
/// is on (id, position), which every problem it reports names.
class ItemParserBase {
protected:
    explicit ItemParserBase(ParseResult& result) : result_(result) {}

    void problem(std::string message) {
        result_.problems.push_back(ItemProblem{id_, position_, std::move(message)});
    }

    /// The element's ISO 8601 date-time; nullopt when empty, or (with a problem naming `what`)
    /// when unreadable.
    std::optional<DateTime> date(pugi::xml_node element, const char* what);

    ParseResult& result_;
    std::string id_;
    std::size_t position_ = 0;
};

} // namespace vw
