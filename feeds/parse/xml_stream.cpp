#include "feeds/parse/xml_stream.h"

#include "core/text.h"
#include "core/xml_chars.h"
#include "feeds/parse/xml_util.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vw {

namespace {

/// The limit on what is buffered before the root start tag (one child of the root: the record
/// limit, ParseLimits).
constexpr std::size_t kMaxPrologBytes = 1u << 20;
/// The consumed head of the buffer is dropped once it is this large (or half the buffer).
constexpr std::size_t kCompactBytes = 1u << 16;

constexpr std::string_view kWrapperClose = "</vuldef-wrapper>";

bool isNameChar(char c) {
    return !isSpace(c) && c != '>' && c != '/' && c != '=' && c != '<' && c != '"' && c != '\'';
}

/// Escapes a value for a double-quoted attribute.
std::string escapeAttribute(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

/// Reads the `encoding` pseudo-attribute of an XML declaration ("" when absent).
std::string_view declaredEncoding(std::string_view declaration) {
    const auto at = declaration.find("encoding");
    if (at == std::string_view::npos) {
        return {};
    }
    auto i = declaration.find_first_of("\"'", at);
    if (i == std::string_view::npos) {
        return {};
    }
    const char quote = declaration[i];
    const auto end = declaration.find(quote, i + 1);
    if (end == std::string_view::npos) {
        return {};
    }
    return trim(declaration.substr(i + 1, end - i - 1));
}

} // namespace

std::string_view leadingXmlName(std::string_view tag) {
    std::size_t n = 0;
    while (n < tag.size() && isNameChar(tag[n])) {
        ++n;
    }
    return tag.substr(0, n);
}

XmlChildStream::XmlChildStream(Names names, EncodingCheck encoding, RootCheck root, ChildSink child)
    : names_(std::move(names)), encodingCheck_(std::move(encoding)), rootCheck_(std::move(root)),
      childSink_(std::move(child)) {}

void XmlChildStream::fail(const std::string& message) {
    failure_ = message;
    throw ParseError(message);
}

namespace {

/// Where the text at the end of `view` (from `from`, no '<' in it) stops being final: its last
/// two bytes (a three-byte UTF-8 sequence may go on in the next piece), or an `&` followed only
/// by what a numeric character reference may continue with. The scan keeps that tail, so the
/// check of forbidden characters sees it again, whole, once more bytes have come.
std::size_t heldTextStart(std::string_view view, std::size_t from) {
    std::size_t held = view.size() - std::min<std::size_t>(2, view.size() - from);
    const std::size_t amp = view.rfind('&');
    if (amp != std::string_view::npos && amp >= from && amp < held &&
        view.find_first_not_of("#xX0123456789abcdefABCDEF", amp + 1) == std::string_view::npos) {
        held = amp;
    }
    return held;
}

} // namespace

std::string XmlChildStream::at(std::size_t offset) {
    return " at byte offset " + std::to_string(offset);
}

void XmlChildStream::feed(std::string_view bytes) {
    if (!failure_.empty()) {
        throw ParseError(failure_);
    }
    if (phase_ == Phase::Rejected) {
        return;
    }
    compact();
    // U+0000 is allowed nowhere in XML; pugixml's whole-document parse ends the document
    // there, so a scan that skipped it would read what the whole parse refuses. The children
    // complete before it are still handed over (whatever the piece size), then the scan fails.
    const std::size_t nul = bytes.find('\0');
    const std::size_t nulAt = base_ + buf_.size() + nul;
    buf_.append(bytes.data(), nul == std::string_view::npos ? bytes.size() : nul);
    run();
    if (nul != std::string_view::npos && phase_ != Phase::Rejected) {
        fail("not well-formed XML: a NUL byte" + at(nulAt));
    }
    if (!inElement_ && pos_ == buf_.size()) {
        base_ += buf_.size();
        buf_.clear();
        pos_ = 0;
    }
}

/// Drops the consumed head of the buffer when it is large enough to be worth the move.
void XmlChildStream::compact() {
    const std::size_t keep = inElement_ ? elemStart_ : pos_;
    if (keep == 0 || (keep < kCompactBytes && keep * 2 < buf_.size())) {
        return;
    }
    buf_.erase(0, keep);
    base_ += keep;
    pos_ -= keep;
    if (inElement_) {
        elemStart_ -= keep;
        elemScan_ -= keep;
        if (split_ != std::string::npos) {
            split_ -= keep;
        }
    }
}

void XmlChildStream::run() {
    for (;;) {
        Step step = Step::NeedMore;
        switch (phase_) {
        case Phase::Prolog:
            step = prolog();
            // Something before the root (a comment, a DOCTYPE, the root start tag itself) that
            // never ends: what is buffered for it is bounded.
            if (step == Step::NeedMore && phase_ == Phase::Prolog &&
                buf_.size() - pos_ > kMaxPrologBytes) {
                fail("not a " + names_.document + " document: no root element in the first " +
                     std::to_string(kMaxPrologBytes) + " bytes");
            }
            break;
        case Phase::Body:
            step = !inElement_ ? body() : over_.active ? oversize() : element();
            break;
        case Phase::Epilogue:
            step = epilogue();
            break;
        case Phase::Rejected:
            return;
        }
        if (step == Step::NeedMore) {
            return;
        }
    }
}

/// Skips a comment, processing instruction or CDATA section at `i`; returns the offset after
/// it, npos when incomplete, or `i` when there is none at `i`.
std::size_t XmlChildStream::skipMarkup(std::size_t i) const {
    const std::string_view view(buf_);
    const auto skipTo = [&](std::string_view close, std::size_t from) {
        const auto end = view.find(close, from);
        return end == std::string_view::npos ? std::string_view::npos : end + close.size();
    };
    if (view.compare(i, 4, "<!--") == 0) {
        return skipTo("-->", i + 4);
    }
    if (view.compare(i, 9, "<![CDATA[") == 0) {
        return skipTo("]]>", i + 9);
    }
    if (view.compare(i, 2, "<?") == 0) {
        return skipTo("?>", i + 2);
    }
    return i;
}

/// Fails on the first character XML 1.0 forbids in buf_[from, to). What the scan passes over
/// outside the root's children (the prolog's markup, the text, comments and processing
/// instructions between children and after the root) is checked here, as the whole-document
/// parse checks every byte (loadDocument); a child is checked when it is parsed (parseChild).
void XmlChildStream::refuseForbidden(std::size_t from, std::size_t to) {
    if (from >= to) {
        return;
    }
    if (const std::optional<ForbiddenXmlChar> bad =
            findForbiddenXmlCharInUtf8(std::string_view(buf_).substr(from, to - from))) {
        fail(forbiddenXmlCharMessage(*bad) + atBuf(from + bad->offset));
    }
}

/// True when the bytes at `i` might still become `what` with more input.
bool XmlChildStream::mayBecome(std::size_t i, std::string_view what) const {
    const std::size_t n = std::min(what.size(), buf_.size() - i);
    return n < what.size() && std::string_view(buf_).substr(i, n) == what.substr(0, n);
}

XmlChildStream::Step XmlChildStream::prolog() {
    const std::string_view view(buf_);
    if (base_ == 0 && pos_ == 0) {
        if (mayBecome(0, "\xEF\xBB\xBF")) {
            return Step::NeedMore;
        }
        if (view.substr(0, 3) == "\xEF\xBB\xBF") {
            pos_ = 3;
        }
    }
    while (pos_ < view.size() && isSpace(view[pos_])) {
        ++pos_;
    }
    if (base_ + pos_ > kMaxPrologBytes) {
        fail("not a " + names_.document + " document: no root element in the first " +
             std::to_string(kMaxPrologBytes) + " bytes");
    }
    if (view.size() - pos_ < 2 || mayBecome(pos_, "<!--") || mayBecome(pos_, "<!DOCTYPE")) {
        return Step::NeedMore;
    }
    if (view[pos_] != '<') {
        fail("not well-formed XML: text before the root element" + atBuf(pos_));
    }
    if (view[pos_ + 1] == '?') {
        const std::size_t end = skipMarkup(pos_);
        if (end == std::string_view::npos) {
            return Step::NeedMore;
        }
        refuseForbidden(pos_, end);
        const std::string_view pi = view.substr(pos_, end - pos_);
        if (pi.size() > 6 && pi.substr(0, 5) == "<?xml" && isSpace(pi[5])) {
            if (!encodingCheck_(declaredEncoding(pi))) {
                phase_ = Phase::Rejected;
                return Step::NeedMore;
            }
        }
        pos_ = end;
        return Step::Done;
    }
    if (view.compare(pos_, 4, "<!--") == 0) {
        const std::size_t end = skipMarkup(pos_);
        if (end == std::string_view::npos) {
            return Step::NeedMore;
        }
        refuseForbidden(pos_, end);
        pos_ = end;
        return Step::Done;
    }
    if (view.compare(pos_, 9, "<!DOCTYPE") == 0) {
        const std::size_t end = findXmlTagEnd(view, pos_);
        if (end == std::string_view::npos) {
            return Step::NeedMore;
        }
        refuseForbidden(pos_, end + 1);
        if (view.substr(pos_, end - pos_).find('[') != std::string_view::npos) {
            fail("unsupported: a DOCTYPE with an internal subset" + atBuf(pos_));
        }
        pos_ = end + 1;
        return Step::Done;
    }
    if (view[pos_ + 1] == '!' || view[pos_ + 1] == '/') {
        fail("not well-formed XML: unexpected markup before the root element" + atBuf(pos_));
    }
    const std::size_t end = findXmlTagEnd(view, pos_);
    if (end == std::string_view::npos) {
        return Step::NeedMore;
    }
    refuseForbidden(pos_, end + 1);
    readRoot(view.substr(pos_, end + 1 - pos_));
    if (phase_ == Phase::Rejected) {
        return Step::NeedMore;
    }
    pos_ = end + 1;
    return Step::Done;
}

/// Parses the root start tag, lets the owner check it and builds the wrapper that re-declares
/// the root's namespaces.
void XmlChildStream::readRoot(std::string_view tag) {
    const bool selfClosing = tag.size() >= 2 && tag[tag.size() - 2] == '/';
    const std::string_view name = leadingXmlName(tag.substr(1));
    std::string text(tag);
    if (!selfClosing) {
        text.append("</").append(name).append(">");
    }
    pugi::xml_document rootDoc;
    const pugi::xml_parse_result loaded =
        rootDoc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!loaded) {
        fail(std::string("not well-formed XML in the root start tag: ") + loaded.description() +
             atBuf(pos_ + static_cast<std::size_t>(loaded.offset)));
    }
    const pugi::xml_node root = rootDoc.first_child();
    rootName_ = root.name();
    wrapperOpen_ = "<vuldef-wrapper";
    for (pugi::xml_attribute attribute : root.attributes()) {
        const std::string_view attributeName = attribute.name();
        const std::string_view prefix = prefixOf(attributeName);
        if (attributeName == "xmlns" || prefix == "xmlns") {
            if (prefix == "xmlns" && std::string_view(attribute.value()).empty()) {
                fail("namespace error: prefix " + quoted(localOf(attributeName)) +
                     " is bound to an empty namespace");
            }
            rootNamespaces_.emplace_back(prefix.empty() ? std::string() : localOf(attributeName),
                                         attribute.value());
            wrapperOpen_.append(" ").append(attributeName).append("=\"");
            wrapperOpen_.append(escapeAttribute(attribute.value())).append("\"");
        } else if (attributeName == "xml:lang") {
            lang_ = std::string(trim(attribute.value()));
            wrapperOpen_.append(" xml:lang=\"").append(escapeAttribute(lang_)).append("\"");
        } else if (!prefix.empty() && !lookupNamespace(root, prefix)) {
            fail("namespace error: prefix " + quoted(prefix) + " of attribute " +
                 quoted(attributeName) + " on <" + rootName_ + "> is not declared");
        }
    }
    wrapperOpen_.append(">");
    if (!rootCheck_(root, base_ + pos_ + tag.size())) {
        phase_ = Phase::Rejected;
        return;
    }
    phase_ = selfClosing ? Phase::Epilogue : Phase::Body;
}

/// Between the root's children: skips text and markup, handles the root end tag, and starts
/// collecting the next child element.
XmlChildStream::Step XmlChildStream::body() {
    const std::string_view view(buf_);
    const void* found = std::memchr(view.data() + pos_, '<', view.size() - pos_);
    // Text between children carries nothing the parsers use, but a character XML forbids in
    // it makes the document not well-formed.
    if (found == nullptr) {
        refuseForbidden(pos_, view.size());
        pos_ = heldTextStart(view, pos_);
        if (view.size() - pos_ > limits_.maxRecordBytes) {
            fail("not well-formed XML: a character reference between the elements of <" +
                 rootName_ + "> runs on for more than the record limit of " +
                 std::to_string(limits_.maxRecordBytes) + " bytes (max_record_bytes)" +
                 atBuf(pos_));
        }
        return Step::NeedMore;
    }
    const auto lt = static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
    refuseForbidden(pos_, lt + 1); // with the '<': a sequence cut short by it is judged too
    pos_ = lt;
    if (view.size() - pos_ < 2 || mayBecome(pos_, "<!--") || mayBecome(pos_, "<![CDATA[")) {
        return Step::NeedMore;
    }
    const char next = view[pos_ + 1];
    if (next == '?' || next == '!') {
        const std::size_t end = skipMarkup(pos_);
        if (end == std::string_view::npos) {
            if (view.size() - pos_ > limits_.maxRecordBytes) {
                fail("a comment, CDATA section or processing instruction is larger than the "
                     "record limit of " +
                     std::to_string(limits_.maxRecordBytes) + " bytes (max_record_bytes)" +
                     atBuf(pos_));
            }
            return Step::NeedMore;
        }
        if (end == pos_) {
            fail("not well-formed XML: unexpected markup " +
                 quoted(view.substr(pos_, std::min<std::size_t>(20, view.size() - pos_))) +
                 atBuf(pos_));
        }
        refuseForbidden(pos_, end);
        pos_ = end;
        return Step::Done;
    }
    if (next == '/') {
        const std::size_t end = findXmlTagEnd(view, pos_);
        if (end == std::string_view::npos) {
            return Step::NeedMore;
        }
        const std::string_view tag = view.substr(pos_ + 2, end - pos_ - 2);
        if (leadingXmlName(tag) != rootName_ || !trim(tag.substr(rootName_.size())).empty()) {
            fail("not well-formed XML: end tag " + quoted(view.substr(pos_, end + 1 - pos_)) +
                 " does not match <" + rootName_ + ">" + atBuf(pos_));
        }
        pos_ = end + 1;
        phase_ = Phase::Epilogue;
        return Step::Done;
    }
    inElement_ = true;
    elemStart_ = pos_;
    elemScan_ = pos_;
    open_.clear();
    split_ = std::string::npos;
    return Step::Done;
}

namespace {

/// The next `<` in [at, limit), npos when there is none. After a tag the next one is mostly a
/// line break and some indentation away: sixteen bytes are looked at here before memchr's call.
std::size_t nextLessThan(std::string_view view, std::size_t at, std::size_t limit) {
#if defined(__SSE2__)
    if (at + 16 <= limit) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(view.data() + at));
        const auto mask =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('<'))));
        if (mask != 0) {
            return at + static_cast<std::size_t>(std::countr_zero(mask));
        }
        at += 16;
    }
#endif
    if (at >= limit) {
        return std::string_view::npos;
    }
    const void* found = std::memchr(view.data() + at, '<', limit - at);
    return found == nullptr
               ? std::string_view::npos
               : static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
}

} // namespace

/// The common case, tried before the full scan: the child ends at the first end tag of its name
/// when nothing in between could change that (no comment, CDATA section, processing instruction
/// or DOCTYPE, no start tag of the same name, no end tag of the root). Returns the offset just
/// past that end tag, or npos to let the full scan decide (also when the child is not all in
/// the buffer yet).
std::size_t XmlChildStream::quickEnd(std::string_view view) const {
    const std::size_t gt = findXmlTagEnd(view, elemStart_);
    if (gt == std::string_view::npos || view[gt - 1] == '/') {
        return std::string_view::npos;
    }
    const std::string_view name = leadingXmlName(view.substr(elemStart_ + 1));
    if (name.empty()) {
        return std::string_view::npos;
    }
    // Whether the tag name starting at `at` is `wanted` (not merely starts with it). The first
    // character first: most tags inside a child are not of its name nor the root's.
    const auto nameAt = [&](std::size_t at, std::string_view wanted) {
        return (wanted.empty() || (at < view.size() && view[at] == wanted[0])) &&
               view.compare(at, wanted.size(), wanted) == 0 &&
               (at + wanted.size() == view.size() || !isNameChar(view[at + wanted.size()]));
    };
    const std::size_t limit = std::min(view.size(), elemStart_ + limits_.maxRecordBytes);
    for (std::size_t at = gt + 1; at < limit;) {
        const std::size_t lt = nextLessThan(view, at, limit);
        if (lt == std::string_view::npos) {
            return std::string_view::npos;
        }
        if (lt + 1 >= view.size()) {
            return std::string_view::npos;
        }
        const char next = view[lt + 1];
        if (next == '!' || next == '?') {
            return std::string_view::npos;
        }
        // Tags end where the full scan says they end (findXmlTagEnd: a '>' inside quotes does not
        // end a tag), so in a broken document both see the same tags.
        const std::size_t tagEnd = findXmlTagEnd(view, lt);
        if (tagEnd == std::string_view::npos) {
            return std::string_view::npos;
        }
        if (next == '/') {
            if (nameAt(lt + 2, name)) {
                return tagEnd + 1;
            }
            if (nameAt(lt + 2, rootName_)) {
                return std::string_view::npos;
            }
        } else if (nameAt(lt + 1, name)) {
            return std::string_view::npos;
        }
        at = tagEnd + 1;
    }
    return std::string_view::npos;
}

/// Scans the child element being collected until it is complete (then hands it out).
XmlChildStream::Step XmlChildStream::element() {
    const std::string_view view(buf_);
    if (open_.empty() && elemScan_ == elemStart_) {
        const std::size_t end = quickEnd(view);
        if (end != std::string_view::npos) {
            complete(end);
            return Step::Done;
        }
    }
    for (;;) {
        // Measured on what is buffered, so an unfinished comment or tag counts too.
        if (view.size() - elemStart_ > limits_.maxRecordBytes) {
            if (split_ != std::string::npos) {
                complete(split_);
                return Step::Done;
            }
            startOversize();
            return Step::Done;
        }
        const void* found = std::memchr(view.data() + elemScan_, '<', view.size() - elemScan_);
        if (found == nullptr) {
            elemScan_ = view.size();
            return Step::NeedMore;
        }
        const std::size_t lt =
            static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
        elemScan_ = lt;
        if (view.size() - lt < 2 || mayBecome(lt, "<!--") || mayBecome(lt, "<![CDATA[")) {
            return Step::NeedMore;
        }
        const char next = view[lt + 1];
        if (next == '?' || next == '!') {
            std::size_t end = skipMarkup(lt);
            if (end == lt) {
                end = findXmlTagEnd(view, lt); // some other <!…>: pugixml will judge it
                if (end != std::string_view::npos) {
                    ++end;
                }
            }
            if (end == std::string_view::npos) {
                return Step::NeedMore;
            }
            elemScan_ = end;
            continue;
        }
        const std::size_t gt = findXmlTagEnd(view, lt);
        if (gt == std::string_view::npos) {
            return Step::NeedMore;
        }
        if (next == '/') {
            const std::string_view name = leadingXmlName(view.substr(lt + 2, gt - lt - 2));
            if (!open_.empty() && open_.back() == name) {
                open_.pop_back();
            } else {
                // Not well-formed. When the child's own name opened again inside it, its end
                // tag was missing: it ends there, and the rest is scanned again from there.
                if (split_ != std::string::npos) {
                    complete(split_);
                    return Step::Done;
                }
                std::size_t k = open_.size();
                while (k > 0 && open_[k - 1] != name) {
                    --k;
                }
                if (k == 0 && name == rootName_) {
                    // The root ends inside this child: the child is broken. It ends here, and
                    // the root end tag is handled at the root level.
                    complete(lt);
                    return Step::Done;
                }
                if (k > 0) {
                    open_.resize(k - 1); // the mismatch is left to pugixml to report
                }
            }
            elemScan_ = gt + 1;
        } else {
            const std::string_view name = leadingXmlName(view.substr(lt + 1, gt - lt - 1));
            if (!open_.empty() && name == open_.front() && split_ == std::string::npos) {
                split_ = lt;
            }
            const bool selfClosing = view[gt - 1] == '/';
            if (!selfClosing) {
                open_.emplace_back(name);
            }
            elemScan_ = gt + 1;
        }
        if (open_.empty()) {
            complete(elemScan_);
            return Step::Done;
        }
    }
}

/// The child has grown past the record limit (and has no missing end tag to end it): from here
/// it is skipped, keeping only its first bytes and its nesting depth.
void XmlChildStream::startOversize() {
    if (!oversizeSink_) {
        fail("an element of the root is larger than the record limit of " +
             std::to_string(limits_.maxRecordBytes) + " bytes (max_record_bytes)" +
             atBuf(elemStart_));
    }
    over_ = Oversize{};
    over_.active = true;
    over_.start = base_ + elemStart_;
    // The first bytes of the child, whether scanned yet or not (its name, its id).
    over_.head.assign(buf_, elemStart_, std::min<std::size_t>(64u << 10, buf_.size() - elemStart_));
    over_.depth = open_.size();
    open_.clear();
    split_ = std::string::npos;
    elemStart_ = elemScan_; // the rest of the child is scanned from here and not kept
}

/// Skips the rest of an oversized child byte by byte (resumable at any piece boundary), then
/// reports it to the oversize sink.
XmlChildStream::Step XmlChildStream::oversize() {
    const std::string_view view(buf_);
    std::size_t i = elemScan_;
    const auto park = [&](std::size_t at) {
        elemScan_ = at;
        elemStart_ = at; // nothing before it is needed again
        return Step::NeedMore;
    };
    while (i < view.size()) {
        switch (over_.mode) {
        case Oversize::Mode::Text: {
            const void* found = std::memchr(view.data() + i, '<', view.size() - i);
            if (found == nullptr) {
                return park(view.size());
            }
            i = static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
            if (view.size() - i < 9 &&
                (mayBecome(i, "<!--") || mayBecome(i, "<![CDATA[") || view.size() - i < 2)) {
                return park(i);
            }
            if (view.compare(i, 4, "<!--") == 0) {
                over_.mode = Oversize::Mode::Markup;
                over_.close = "-->";
                i += 4;
            } else if (view.compare(i, 9, "<![CDATA[") == 0) {
                over_.mode = Oversize::Mode::Markup;
                over_.close = "]]>";
                i += 9;
            } else if (view[i + 1] == '?') {
                over_.mode = Oversize::Mode::Markup;
                over_.close = "?>";
                i += 2;
            } else if (view[i + 1] == '!') {
                over_.mode = Oversize::Mode::Markup;
                over_.close = ">";
                i += 2;
            } else {
                over_.mode = Oversize::Mode::Tag;
                over_.endTag = view[i + 1] == '/';
                over_.quote = 0;
                over_.last = 0;
                i += over_.endTag ? 2 : 1;
            }
            break;
        }
        case Oversize::Mode::Markup: {
            const std::size_t end = view.find(over_.close, i);
            if (end == std::string_view::npos) {
                const std::size_t keep = std::min(view.size() - i, over_.close.size() - 1);
                return park(view.size() - keep);
            }
            i = end + over_.close.size();
            over_.mode = Oversize::Mode::Text;
            break;
        }
        case Oversize::Mode::Tag: {
            for (; i < view.size(); ++i) {
                const char c = view[i];
                if (over_.quote != 0) {
                    if (c == over_.quote) {
                        over_.quote = 0;
                    }
                } else if (c == '"' || c == '\'') {
                    over_.quote = c;
                } else if (c == '>') {
                    break;
                }
                over_.last = c;
            }
            if (i == view.size()) {
                return park(i);
            }
            ++i;
            over_.mode = Oversize::Mode::Text;
            if (over_.endTag) {
                --over_.depth;
            } else if (over_.last != '/') {
                ++over_.depth;
            }
            if (over_.depth == 0) {
                const std::size_t bytes = base_ + i - over_.start;
                const std::string head = std::move(over_.head);
                const std::size_t start = over_.start;
                over_ = Oversize{};
                inElement_ = false;
                pos_ = i;
                open_.clear();
                ++children_;
                oversizeSink_(head, start, bytes);
                return Step::Done;
            }
            break;
        }
        }
    }
    return park(i);
}

/// The child [elemStart_, end) is complete: hand it out.
void XmlChildStream::complete(std::size_t end) {
    const std::string_view text = std::string_view(buf_).substr(elemStart_, end - elemStart_);
    const std::size_t start = elemStart_;
    inElement_ = false;
    pos_ = end;
    open_.clear();
    split_ = std::string::npos;
    ++children_;
    childSink_(text, base_ + start);
}

namespace {

/// The first element whose text, or attribute whose value, is longer than `limit` bytes below
/// `top`: "<Title> holds 209715200 bytes of text". Iterative. "" when there is none.
std::string oversizedField(pugi::xml_node top, std::size_t limit) {
    return firstInElements(top, [limit](pugi::xml_node node) -> std::string {
        std::size_t text = 0;
        for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
            if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
                text += std::strlen(c.value());
            }
        }
        if (text > limit) {
            return "<" + std::string(node.name()) + "> holds " + std::to_string(text) +
                   " bytes of text";
        }
        for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
            const std::size_t size = std::strlen(a.value());
            if (size > limit) {
                return "attribute " + std::string(a.name()) + " of <" + std::string(node.name()) +
                       "> holds " + std::to_string(size) + " bytes";
            }
        }
        return "";
    });
}

} // namespace

pugi::xml_node XmlChildStream::parseChild(std::string_view text, std::size_t offset,
                                          std::string& error) {
    refused_ = false;
    if (const std::optional<ForbiddenXmlChar> bad = findForbiddenXmlChar(text)) {
        refused_ = true;
        error = forbiddenXmlCharMessage(*bad) + XmlChildStream::at(offset + bad->offset);
        return {};
    }
    scratch_.assign(wrapperOpen_);
    scratch_.append(text);
    scratch_.append(kWrapperClose);
    // parse_declaration as loadDocument() has it: an XML declaration (`<?xml …?>`, in any case)
    // inside an element is then not well-formed, as it is for the whole-document parse, instead
    // of a processing instruction pugixml drops (found by fuzz_feeds).
    const pugi::xml_parse_result loaded = doc_.load_buffer_inplace(
        scratch_.data(), scratch_.size(), pugi::parse_default | pugi::parse_declaration,
        pugi::encoding_utf8);
    if (!loaded) {
        const auto inScratch = static_cast<std::size_t>(std::max<std::ptrdiff_t>(loaded.offset, 0));
        const std::size_t at =
            offset + (inScratch > wrapperOpen_.size() ? inScratch - wrapperOpen_.size() : 0);
        error =
            std::string("not well-formed XML: ") + loaded.description() + XmlChildStream::at(at);
        return {};
    }
    const pugi::xml_node wrapper = doc_.first_child();
    const pugi::xml_node node = firstElementChild(wrapper);
    if (!node || nextElementSibling(node)) {
        error.clear();
        return {};
    }
    // No field can be larger than the whole text: the walk is only needed for large children.
    if (text.size() > limits_.maxFieldBytes) {
        const std::string field = oversizedField(node, limits_.maxFieldBytes);
        if (!field.empty()) {
            refused_ = true;
            error = field + ", more than the field limit of " +
                    std::to_string(limits_.maxFieldBytes) + " bytes (max_field_bytes)" +
                    XmlChildStream::at(offset);
            return {};
        }
    }
    return node;
}

XmlChildStream::Step XmlChildStream::epilogue() {
    const std::string_view view(buf_);
    while (pos_ < view.size() && isSpace(view[pos_])) {
        ++pos_;
    }
    if (pos_ == view.size()) {
        return Step::NeedMore;
    }
    if (view.size() - pos_ < 4 && (mayBecome(pos_, "<!--") || mayBecome(pos_, "<?"))) {
        return Step::NeedMore;
    }
    const std::size_t end = view[pos_] == '<' ? skipMarkup(pos_) : pos_;
    if (end == std::string_view::npos) {
        return Step::NeedMore;
    }
    if (end == pos_ || view.compare(pos_, 9, "<![CDATA[") == 0) {
        fail("not well-formed XML: content after the end of <" + rootName_ + ">" + atBuf(pos_));
    }
    refuseForbidden(pos_, end);
    pos_ = end;
    return Step::Done;
}

void XmlChildStream::finish() {
    if (!failure_.empty()) {
        throw ParseError(failure_);
    }
    if (phase_ == Phase::Rejected) {
        return;
    }
    if (phase_ == Phase::Prolog) {
        fail(base_ + buf_.size() == 0
                 ? "empty document: no " + names_.root
                 : "not a " + names_.document + " document: no root element found");
    }
    if (phase_ == Phase::Body) {
        fail("truncated " + names_.document + " document: it ends before </" + rootName_ +
             "> (after " + std::to_string(base_ + buf_.size()) + " bytes, " +
             std::to_string(items_) + " " + names_.item +
             " read; the records already emitted stay emitted)");
    }
    if (pos_ != buf_.size()) {
        fail("not well-formed XML: unterminated markup after the end of <" + rootName_ + ">" +
             atBuf(pos_));
    }
}

} // namespace vw
