// Incremental scanning of an XML document whose root holds many independent children (VULDEF
// Vulinfo, RSS 1.0 items): bytes in, one complete child of the root at a time out. Shared by the
// streaming parsers (vuldef.cpp, jvn_rss.cpp); internal to feeds/parse.
#pragma once

#include "core/parse_limits.h"
#include "feeds/parse/parse_error.h"

#include <cstddef>
#include <functional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

/// The namespace declarations of the root element: (prefix, URI); "" is the default namespace.
using Declarations = std::vector<std::pair<std::string, std::string>>;

/// The bytes are scanned for complete children of the root (whatever their names); each one is
/// handed to the child sink as text, and parseChild() parses it with pugixml inside a small
/// wrapper that re-declares the root's namespaces and `xml:lang`. Only the unconsumed tail is
/// buffered. Comments, processing instructions and text between the children are skipped.
///
/// After a ParseError (from the scanner or from fail()) every further call throws the same error.
class XmlChildStream {
public:
    /// How the document is named in messages.
    struct Names {
        std::string document; // "VULDEF": "not a VULDEF document", "truncated VULDEF document"
        std::string root;     // "VULDEF-Document": "empty document: no VULDEF-Document"
        std::string item;     // "Vulinfo": "…, 12 Vulinfo read"
    };
    /// The `encoding` of the XML declaration (only called when there is one): false stops the
    /// scan (rejected()), or throw through fail().
    using EncodingCheck = std::function<bool(std::string_view encoding)>;
    /// The root element (its start tag parsed alone, attributes and all) and the document
    /// offset just past its start tag: false stops the scan (rejected()), or throw through
    /// fail().
    using RootCheck = std::function<bool(pugi::xml_node root, std::size_t end)>;
    /// One complete child of the root: its text and its offset in the document.
    using ChildSink = std::function<void(std::string_view text, std::size_t offset)>;
    /// A child of the root larger than ParseLimits::maxRecordBytes, skipped without being
    /// buffered: its first bytes (up to 64 KiB, to find its name and id), its offset and its
    /// size in bytes.
    using OversizeSink =
        std::function<void(std::string_view head, std::size_t offset, std::size_t bytes)>;

    /// The limits are parseLimits() at the time of construction.
    XmlChildStream(Names names, EncodingCheck encoding, RootCheck root, ChildSink child);
    XmlChildStream(const XmlChildStream&) = delete;
    XmlChildStream& operator=(const XmlChildStream&) = delete;

    /// Where children larger than the record limit go; without one such a child fails the
    /// whole document.
    void onOversize(OversizeSink sink) { oversizeSink_ = std::move(sink); }
    const ParseLimits& limits() const { return limits_; }

    /// Throws ParseError when the bytes cannot be such a document (not XML).
    void feed(std::string_view bytes);
    /// Throws ParseError when the document ended early (truncated) or is broken at its end.
    void finish();

    /// A check refused the declaration or the root: nothing more is scanned.
    bool rejected() const { return phase_ == Phase::Rejected; }
    /// The root start tag has been read (and accepted).
    bool rootSeen() const {
        return phase_ == Phase::Body || phase_ == Phase::Epilogue || phase_ == Phase::Rejected;
    }

    /// Throws (and remembers) a ParseError.
    [[noreturn]] void fail(const std::string& message);
    /// " at byte offset N" for an offset in the document.
    static std::string at(std::size_t offset);

    /// Parses one child handed to the sink inside the wrapper (into a document reused from call
    /// to call). Returns the child element, or a null node with `error` set to pugixml's
    /// description and the document offset ("not well-formed XML: … at byte offset N"), or
    /// with `error` empty when the text is not one element. A child holding a character XML
    /// forbids (core/xml_chars.h) or a field larger than ParseLimits::maxFieldBytes is refused
    /// the same way, with childRefused() true: the child alone is bad, the scan goes on.
    pugi::xml_node parseChild(std::string_view text, std::size_t offset, std::string& error);
    /// The last parseChild() refused the child for a forbidden character or an oversized field.
    bool childRefused() const { return refused_; }

    /// Children of the root handed out so far; the sink may count items with countItem().
    std::size_t children() const { return children_; }
    void countItem() { ++items_; }
    std::size_t items() const { return items_; }

    const Declarations& rootNamespaces() const { return rootNamespaces_; }
    const std::string& rootName() const { return rootName_; }
    const std::string& lang() const { return lang_; }
    /// Bytes held by the internal buffers (the unconsumed tail and the per-child copy).
    std::size_t bufferedBytes() const { return buf_.capacity() + scratch_.capacity(); }

private:
    enum class Phase { Prolog, Body, Epilogue, Rejected };
    enum class Step { Done, NeedMore };

    std::string atBuf(std::size_t offsetInBuf) const { return at(base_ + offsetInBuf); }
    void compact();
    void run();
    std::size_t skipMarkup(std::size_t i) const;
    void refuseForbidden(std::size_t from, std::size_t to);
    bool mayBecome(std::size_t i, std::string_view what) const;
    Step prolog();
    void readRoot(std::string_view tag);
    Step body();
    std::size_t quickEnd(std::string_view view) const;
    Step element();
    void startOversize();
    Step oversize();
    void complete(std::size_t end);
    Step epilogue();

    Names names_;
    EncodingCheck encodingCheck_;
    RootCheck rootCheck_;
    ChildSink childSink_;

    Phase phase_ = Phase::Prolog;
    std::string failure_; // set once a ParseError was thrown

    std::string buf_;
    std::size_t base_ = 0; // absolute offset of buf_[0] in the document
    std::size_t pos_ = 0;  // next unscanned byte at the root-child level

    // The root child being collected: [elemStart_, …), scanned up to elemScan_; the stack of
    // open element names. split_: where a start tag of the child's own name was seen inside
    // it (npos: none) — in a well-formed document just a nested element, but when the
    // document turns out broken (an end tag that does not match, the root's end tag, the
    // record limit reached) the child is taken to end there (its end tag was missing), so one
    // unclosed Vulinfo does not swallow the ones after it.
    bool inElement_ = false;
    std::size_t elemStart_ = 0;
    std::size_t elemScan_ = 0;
    std::vector<std::string> open_;
    std::size_t split_ = std::string::npos;

    // A child larger than the record limit, being skipped: only nesting depth and lexical
    // state are kept, its bytes are dropped as they are scanned.
    struct Oversize {
        bool active = false;
        std::size_t start = 0; // document offset of the child
        std::size_t depth = 0;
        std::string head;
        enum class Mode { Text, Tag, Markup } mode = Mode::Text;
        bool endTag = false;    // Tag: an end tag
        char quote = 0;         // Tag: inside a quoted attribute value
        char last = 0;          // Tag: the previous character ('/' before '>': self-closing)
        std::string_view close; // Markup: what ends it ("-->", "]]>", "?>", ">")
    } over_;
    ParseLimits limits_ = parseLimits();
    OversizeSink oversizeSink_;
    bool refused_ = false;

    std::string rootName_;
    std::string lang_;
    std::string wrapperOpen_;
    Declarations rootNamespaces_;

    std::size_t children_ = 0;
    std::size_t items_ = 0;

    std::string scratch_;
    pugi::xml_document doc_;
};

/// The name at the start of `tag` (just after `<` or `</`).
std::string_view leadingXmlName(std::string_view tag);

} // namespace vw
