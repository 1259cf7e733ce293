#include "feeds/parse/vuldef.h"

#include "core/datetime.h"
#include "core/ids.h"
#include "core/text.h"
#include "feeds/parse/xml_util.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <pugixml.hpp>
#include <string>
#include <utility>
#include <vector>

namespace vw {

namespace {

constexpr std::string_view kVuldefNs = "http://jvn.jp/vuldef/";
constexpr std::string_view kStatusNs = "http://jvndb.jvn.jp/myjvn/Status";
constexpr std::string_view kRootName = "VULDEF-Document";

/// Limits on what is buffered before the root start tag and for one child of the root.
constexpr std::size_t kMaxPrologBytes = 1u << 20;
constexpr std::size_t kMaxElementBytes = 256u << 20;
/// The consumed head of the buffer is dropped once it is this large (or half the buffer).
constexpr std::size_t kCompactBytes = 1u << 16;

bool containsIgnoreCase(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) {
        return false;
    }
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        if (equalsIgnoreCase(haystack.substr(i, needle.size()), needle)) {
            return true;
        }
    }
    return false;
}

bool isNameChar(char c) {
    return !isSpace(c) && c != '>' && c != '/' && c != '=' && c != '<' && c != '"' && c != '\'';
}

/// The name at the start of `tag` (just after `<` or `</`).
std::string_view leadingName(std::string_view tag) {
    std::size_t n = 0;
    while (n < tag.size() && isNameChar(tag[n])) {
        ++n;
    }
    return tag.substr(0, n);
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

/// Decodes one HTML entity at `text[0] == '&'`; returns the bytes used (0: not an entity).
std::size_t decodeEntity(std::string_view text, std::string& out) {
    const auto semicolon = text.find(';');
    if (semicolon == std::string_view::npos || semicolon < 2 || semicolon > 10) {
        return 0;
    }
    const std::string_view name = text.substr(1, semicolon - 1);
    static constexpr std::pair<std::string_view, std::string_view> named[] = {
        {"amp", "&"},   {"lt", "<"},   {"gt", ">"},          {"quot", "\""},
        {"apos", "'"},  {"nbsp", " "}, {"copy", "\xC2\xA9"}, {"reg", "\xC2\xAE"},
        {"ensp", " "},  {"emsp", " "}, {"hellip", "…"},      {"mdash", "—"},
        {"ndash", "–"}, {"rarr", "→"}, {"larr", "←"},        {"times", "×"}};
    for (const auto& [key, value] : named) {
        if (name == key) {
            out.append(value);
            return semicolon + 1;
        }
    }
    if (name[0] != '#') {
        return 0;
    }
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const std::string_view digits = name.substr(hex ? 2 : 1);
    unsigned long cp = 0;
    const auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || cp == 0 ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    appendUtf8(out, cp == 0xA0 ? 0x20 : cp);
    return semicolon + 1;
}

/// Removes CR, trims every line and drops the empty ones.
std::string tidyLines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = trim(text.substr(start, end - start));
        if (!line.empty()) {
            if (!out.empty()) {
                out.push_back('\n');
            }
            for (char c : line) {
                if (c != '\r') {
                    out.push_back(c);
                }
            }
        }
        start = end + 1;
    }
    return out;
}

/// Plain text from the (already XML-decoded) HTML of a VULDEF Overview: tags removed, list
/// items as "- " lines, <br>/<p>/block tags as line breaks, entities decoded, lines trimmed,
/// empty lines dropped.
std::string htmlToText(std::string_view html) {
    if (html.find_first_of("<&") == std::string_view::npos) {
        return tidyLines(html);
    }
    std::string out;
    out.reserve(html.size());
    std::size_t i = 0;
    while (i < html.size()) {
        const char c = html[i];
        if (c == '&') {
            const std::size_t used = decodeEntity(html.substr(i), out);
            if (used == 0) {
                out.push_back('&');
                ++i;
            } else {
                i += used;
            }
            continue;
        }
        if (c != '<' || i + 1 >= html.size()) {
            out.push_back(c);
            ++i;
            continue;
        }
        const char next = html[i + 1];
        const bool tagLike = next == '/' || next == '!' || (next >= 'a' && next <= 'z') ||
                             (next >= 'A' && next <= 'Z');
        if (!tagLike) {
            out.push_back(c);
            ++i;
            continue;
        }
        if (html.substr(i, 4) == "<!--") {
            const auto close = html.find("-->", i + 4);
            i = close == std::string_view::npos ? html.size() : close + 3;
            continue;
        }
        const auto gt = html.find('>', i + 1);
        const auto lt = html.find('<', i + 1);
        if (gt == std::string_view::npos || (lt != std::string_view::npos && lt < gt)) {
            out.push_back(c); // a lone '<' in the text
            ++i;
            continue;
        }
        const bool closing = next == '/';
        std::string name;
        for (char n : leadingName(html.substr(i + (closing ? 2 : 1), gt - i))) {
            name.push_back(toLower(n));
        }
        if (name == "li") {
            out.append(closing ? "\n" : "\n- ");
        } else if (name == "br") {
            out.push_back('\n');
        } else if (name == "p" || name == "ul" || name == "ol" || name == "div" || name == "tr" ||
                   name == "table" || name == "dl" || name == "dt" || name == "dd" ||
                   name == "blockquote" || name == "pre" ||
                   (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6')) {
            out.push_back('\n');
        } else if (name == "td" || name == "th") {
            out.push_back(' ');
        }
        i = gt + 1;
    }
    return tidyLines(out);
}

std::string trimmedText(pugi::xml_node node) {
    return std::string(trim(textOf(node)));
}

/// The namespace declarations of the root element: (prefix, URI); "" is the default namespace.
using Declarations = std::vector<std::pair<std::string, std::string>>;

/// Namespace resolution inside one child of the root (one Vulinfo). When the child declares no
/// namespace itself (the norm: VULDEF documents declare them all on the root), a prefix means
/// what the root declared, so resolving it is a look-up in that short list instead of a walk
/// up the tree through every ancestor's attributes, once per element.
class Namespaces {
public:
    /// `childDeclares`: the child's text may contain a namespace declaration (then every
    /// look-up walks the tree).
    Namespaces(const Declarations& root, bool childDeclares) : root_(root), walk_(childDeclares) {}

    /// The URI bound to `prefix` at `node`; nullopt when unbound ("" for no default namespace).
    std::optional<std::string_view> lookup(pugi::xml_node node, std::string_view prefix) const {
        if (walk_) {
            return lookupNamespace(node, prefix);
        }
        if (prefix == "xml") {
            return kXmlNs;
        }
        for (const auto& [declared, uri] : root_) {
            if (declared == prefix) {
                return std::string_view(uri);
            }
        }
        return prefix.empty() ? std::optional<std::string_view>(std::string_view()) : std::nullopt;
    }

    std::string_view of(pugi::xml_node element) const {
        return lookup(element, prefixOf(element.name())).value_or(std::string_view());
    }

    /// A VULDEF element (default namespace http://jvn.jp/vuldef/) with this local name.
    bool isVuldef(pugi::xml_node node, std::string_view local) const {
        return node.type() == pugi::node_element && localOf(node.name()) == local &&
               of(node) == kVuldefNs;
    }

    /// The first VULDEF child of `node` with this local name.
    pugi::xml_node child(pugi::xml_node node, std::string_view local) const {
        for (pugi::xml_node c = firstElementChild(node); c; c = nextElementSibling(c)) {
            if (isVuldef(c, local)) {
                return c;
            }
        }
        return {};
    }

    /// Every VULDEF child of `node` with this local name.
    template <typename Fn>
    void eachChild(pugi::xml_node node, std::string_view local, Fn&& fn) const {
        for (pugi::xml_node c = firstElementChild(node); c; c = nextElementSibling(c)) {
            if (isVuldef(c, local)) {
                fn(c);
            }
        }
    }

private:
    const Declarations& root_;
    bool walk_;
};

/// Checks that every element and attribute prefix below `top` is declared (the wrapper above
/// it carries the root's declarations). Iterative, so deep nesting cannot exhaust the stack.
/// Returns "" or a description of the first problem.
std::string undeclaredPrefix(pugi::xml_node top, const Namespaces& ns) {
    pugi::xml_node node = top;
    while (node) {
        const std::string_view name = node.name();
        if (name.find(':') != std::string_view::npos) {
            if (!ns.lookup(node, prefixOf(name))) {
                return "prefix " + quoted(prefixOf(name)) + " of <" + std::string(name) +
                       "> is not declared";
            }
        }
        for (pugi::xml_attribute attribute = node.first_attribute(); attribute;
             attribute = attribute.next_attribute()) {
            const std::string_view attributeName = attribute.name();
            const std::string_view prefix = prefixOf(attributeName);
            if (!prefix.empty() && prefix != "xmlns" && !ns.lookup(node, prefix)) {
                return "prefix " + quoted(prefix) + " of attribute " + quoted(attributeName) +
                       " is not declared";
            }
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

/// Finds the `>` that ends the tag starting at `from` (`<…`), skipping quoted attribute values.
std::size_t findTagEnd(std::string_view buf, std::size_t from) {
    char quote = 0;
    for (std::size_t i = from; i < buf.size(); ++i) {
        const char c = buf[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i;
        }
    }
    return std::string_view::npos;
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

struct VuldefStreamParser::Impl {
    enum class Phase { Prolog, Body, Epilogue };
    enum class Step { Done, NeedMore };

    RecordSink records;
    ProblemSink problems;

    Phase phase = Phase::Prolog;
    std::string failure; // set once a ParseError was thrown

    std::string buf;
    std::size_t base = 0; // absolute offset of buf[0] in the document
    std::size_t pos = 0;  // next unscanned byte at the root-child level

    // The root child being collected: [elemStart, …), scanned up to elemScan; the stack of
    // open element names as (offset from elemStart, length).
    bool inElement = false;
    std::size_t elemStart = 0;
    std::size_t elemScan = 0;
    std::vector<std::pair<std::size_t, std::size_t>> open;

    std::string rootName;
    std::string lang;
    std::string wrapperOpen;
    std::string wrapperClose = "</vuldef-wrapper>";
    Declarations rootNamespaces;

    std::size_t items = 0;
    std::optional<MyJvnStatus> status;

    std::string scratch;
    pugi::xml_document doc;

    [[noreturn]] void fail(const std::string& message) {
        failure = message;
        throw ParseError(message);
    }

    std::string at(std::size_t offsetInBuf) const {
        return " at byte offset " + std::to_string(base + offsetInBuf);
    }

    void feed(std::string_view bytes) {
        if (!failure.empty()) {
            throw ParseError(failure);
        }
        compact();
        buf.append(bytes.data(), bytes.size());
        run();
        if (!inElement && pos == buf.size()) {
            base += buf.size();
            buf.clear();
            pos = 0;
        }
    }

    /// Drops the consumed head of the buffer when it is large enough to be worth the move.
    void compact() {
        const std::size_t keep = inElement ? elemStart : pos;
        if (keep == 0 || (keep < kCompactBytes && keep * 2 < buf.size())) {
            return;
        }
        buf.erase(0, keep);
        base += keep;
        pos -= keep;
        if (inElement) {
            elemStart -= keep;
            elemScan -= keep;
        }
    }

    void run() {
        for (;;) {
            Step step = Step::NeedMore;
            switch (phase) {
            case Phase::Prolog:
                step = prolog();
                break;
            case Phase::Body:
                step = inElement ? element() : body();
                break;
            case Phase::Epilogue:
                step = epilogue();
                break;
            }
            if (step == Step::NeedMore) {
                return;
            }
        }
    }

    /// Skips a comment, processing instruction or CDATA section at `i`; returns the offset
    /// after it, npos when incomplete, or `i` when there is none at `i`.
    std::size_t skipMarkup(std::size_t i) const {
        const std::string_view view(buf);
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

    /// True when the bytes at `i` might still become `what` with more input.
    bool mayBecome(std::size_t i, std::string_view what) const {
        const std::size_t n = std::min(what.size(), buf.size() - i);
        return n < what.size() && std::string_view(buf).substr(i, n) == what.substr(0, n);
    }

    Step prolog() {
        const std::string_view view(buf);
        if (base == 0 && pos == 0) {
            if (mayBecome(0, "\xEF\xBB\xBF")) {
                return Step::NeedMore;
            }
            if (view.substr(0, 3) == "\xEF\xBB\xBF") {
                pos = 3;
            }
        }
        while (pos < view.size() && isSpace(view[pos])) {
            ++pos;
        }
        if (base + pos > kMaxPrologBytes) {
            fail("not a VULDEF document: no root element in the first " +
                 std::to_string(kMaxPrologBytes) + " bytes");
        }
        if (view.size() - pos < 2 || mayBecome(pos, "<!--") || mayBecome(pos, "<!DOCTYPE")) {
            return Step::NeedMore;
        }
        if (view[pos] != '<') {
            fail("not well-formed XML: text before the root element" + at(pos));
        }
        if (view[pos + 1] == '?') {
            const std::size_t end = skipMarkup(pos);
            if (end == std::string_view::npos) {
                return Step::NeedMore;
            }
            const std::string_view pi = view.substr(pos, end - pos);
            if (pi.size() > 6 && pi.substr(0, 5) == "<?xml" && isSpace(pi[5])) {
                const std::string_view encoding = declaredEncoding(pi);
                if (!encoding.empty() && !isUtf8EncodingLabel(encoding)) {
                    fail("unsupported document encoding " + quoted(encoding) +
                         " (VULDEF documents are UTF-8)");
                }
            }
            pos = end;
            return Step::Done;
        }
        if (view.compare(pos, 4, "<!--") == 0) {
            const std::size_t end = skipMarkup(pos);
            if (end == std::string_view::npos) {
                return Step::NeedMore;
            }
            pos = end;
            return Step::Done;
        }
        if (view.compare(pos, 9, "<!DOCTYPE") == 0) {
            const std::size_t end = findTagEnd(view, pos);
            if (end == std::string_view::npos) {
                return Step::NeedMore;
            }
            if (view.substr(pos, end - pos).find('[') != std::string_view::npos) {
                fail("unsupported: a DOCTYPE with an internal subset" + at(pos));
            }
            pos = end + 1;
            return Step::Done;
        }
        if (view[pos + 1] == '!' || view[pos + 1] == '/') {
            fail("not well-formed XML: unexpected markup before the root element" + at(pos));
        }
        const std::size_t end = findTagEnd(view, pos);
        if (end == std::string_view::npos) {
            return Step::NeedMore;
        }
        readRoot(view.substr(pos, end + 1 - pos));
        pos = end + 1;
        return Step::Done;
    }

    /// Checks the root start tag and builds the wrapper that re-declares its namespaces.
    void readRoot(std::string_view tag) {
        const bool selfClosing = tag.size() >= 2 && tag[tag.size() - 2] == '/';
        const std::string_view name = leadingName(tag.substr(1));
        std::string text(tag);
        if (!selfClosing) {
            text.append("</").append(name).append(">");
        }
        pugi::xml_document rootDoc;
        const pugi::xml_parse_result loaded =
            rootDoc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
        if (!loaded) {
            fail(std::string("not well-formed XML in the root start tag: ") + loaded.description() +
                 at(pos + static_cast<std::size_t>(loaded.offset)));
        }
        const pugi::xml_node root = rootDoc.first_child();
        rootName = root.name();
        wrapperOpen = "<vuldef-wrapper";
        for (pugi::xml_attribute attribute : root.attributes()) {
            const std::string_view attributeName = attribute.name();
            const std::string_view prefix = prefixOf(attributeName);
            if (attributeName == "xmlns" || prefix == "xmlns") {
                if (prefix == "xmlns" && std::string_view(attribute.value()).empty()) {
                    fail("namespace error: prefix " + quoted(localOf(attributeName)) +
                         " is bound to an empty namespace");
                }
                rootNamespaces.emplace_back(prefix.empty() ? std::string() : localOf(attributeName),
                                            attribute.value());
                wrapperOpen.append(" ").append(attributeName).append("=\"");
                wrapperOpen.append(escapeAttribute(attribute.value())).append("\"");
            } else if (attributeName == "xml:lang") {
                lang = std::string(trim(attribute.value()));
                wrapperOpen.append(" xml:lang=\"").append(escapeAttribute(lang)).append("\"");
            } else if (!prefix.empty() && !lookupNamespace(root, prefix)) {
                fail("namespace error: prefix " + quoted(prefix) + " of attribute " +
                     quoted(attributeName) + " on <" + rootName + "> is not declared");
            }
        }
        wrapperOpen.append(">");
        const std::optional<std::string_view> ns = lookupNamespace(root, prefixOf(rootName));
        if (!ns) {
            fail("namespace error: prefix " + quoted(prefixOf(rootName)) + " of <" + rootName +
                 "> is not declared");
        }
        if (localOf(rootName) != kRootName || *ns != kVuldefNs) {
            fail("not a VULDEF document: the root element is <" + rootName + "> in namespace " +
                 quoted(*ns) + ", expected VULDEF-Document in " + quoted(kVuldefNs));
        }
        phase = selfClosing ? Phase::Epilogue : Phase::Body;
    }

    /// Between the root's children: skips text and markup, handles the root end tag, and
    /// starts collecting the next child element.
    Step body() {
        const std::string_view view(buf);
        const void* found = std::memchr(view.data() + pos, '<', view.size() - pos);
        if (found == nullptr) {
            pos = view.size(); // text between children carries nothing VULDEF uses
            return Step::NeedMore;
        }
        pos = static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
        if (view.size() - pos < 2 || mayBecome(pos, "<!--") || mayBecome(pos, "<![CDATA[")) {
            return Step::NeedMore;
        }
        const char next = view[pos + 1];
        if (next == '?' || next == '!') {
            const std::size_t end = skipMarkup(pos);
            if (end == std::string_view::npos) {
                return Step::NeedMore;
            }
            if (end == pos) {
                fail("not well-formed XML: unexpected markup " +
                     quoted(view.substr(pos, std::min<std::size_t>(20, view.size() - pos))) +
                     at(pos));
            }
            pos = end;
            return Step::Done;
        }
        if (next == '/') {
            const std::size_t end = findTagEnd(view, pos);
            if (end == std::string_view::npos) {
                return Step::NeedMore;
            }
            const std::string_view tag = view.substr(pos + 2, end - pos - 2);
            if (leadingName(tag) != rootName || !trim(tag.substr(rootName.size())).empty()) {
                fail("not well-formed XML: end tag " + quoted(view.substr(pos, end + 1 - pos)) +
                     " does not match <" + rootName + ">" + at(pos));
            }
            pos = end + 1;
            phase = Phase::Epilogue;
            return Step::Done;
        }
        inElement = true;
        elemStart = pos;
        elemScan = pos;
        open.clear();
        return Step::Done;
    }

    std::string_view openName(std::size_t k) const {
        return std::string_view(buf).substr(elemStart + open[k].first, open[k].second);
    }

    /// The common case, tried before the full scan: the child ends at the first end tag of its
    /// name when nothing in between could change that (no comment, CDATA section, processing
    /// instruction or DOCTYPE, no start tag of the same name, no end tag of the root). Returns
    /// the offset just past that end tag, or npos to let the full scan decide (also when the
    /// child is not all in the buffer yet).
    std::size_t quickEnd(std::string_view view) const {
        const std::size_t gt = findTagEnd(view, elemStart);
        if (gt == std::string_view::npos || view[gt - 1] == '/') {
            return std::string_view::npos;
        }
        const std::string_view name = leadingName(view.substr(elemStart + 1));
        if (name.empty()) {
            return std::string_view::npos;
        }
        // Whether the tag name starting at `at` is `wanted` (not merely starts with it).
        const auto nameAt = [&](std::size_t at, std::string_view wanted) {
            return view.compare(at, wanted.size(), wanted) == 0 &&
                   (at + wanted.size() == view.size() || !isNameChar(view[at + wanted.size()]));
        };
        const std::size_t limit = std::min(view.size(), elemStart + kMaxElementBytes);
        for (std::size_t at = gt + 1; at < limit;) {
            const void* found = std::memchr(view.data() + at, '<', limit - at);
            if (found == nullptr) {
                return std::string_view::npos;
            }
            const auto lt = static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
            if (lt + 1 >= view.size()) {
                return std::string_view::npos;
            }
            const char next = view[lt + 1];
            if (next == '!' || next == '?') {
                return std::string_view::npos;
            }
            // Tags end where the full scan says they end (findTagEnd: a '>' inside quotes does
            // not end a tag), so in a broken document both see the same tags.
            const std::size_t tagEnd = findTagEnd(view, lt);
            if (tagEnd == std::string_view::npos) {
                return std::string_view::npos;
            }
            if (next == '/') {
                if (nameAt(lt + 2, name)) {
                    return tagEnd + 1;
                }
                if (nameAt(lt + 2, rootName)) {
                    return std::string_view::npos;
                }
            } else if (nameAt(lt + 1, name)) {
                return std::string_view::npos;
            }
            at = tagEnd + 1;
        }
        return std::string_view::npos;
    }

    /// Scans the child element being collected until it is complete (then handles it).
    Step element() {
        const std::string_view view(buf);
        if (open.empty() && elemScan == elemStart) {
            const std::size_t end = quickEnd(view);
            if (end != std::string_view::npos) {
                complete(end);
                return Step::Done;
            }
        }
        for (;;) {
            if (elemScan - elemStart > kMaxElementBytes) {
                fail("an element of the root is larger than " + std::to_string(kMaxElementBytes) +
                     " bytes" + at(elemStart));
            }
            const void* found = std::memchr(view.data() + elemScan, '<', view.size() - elemScan);
            if (found == nullptr) {
                elemScan = view.size();
                return Step::NeedMore;
            }
            const std::size_t lt =
                static_cast<std::size_t>(static_cast<const char*>(found) - view.data());
            elemScan = lt;
            if (view.size() - lt < 2 || mayBecome(lt, "<!--") || mayBecome(lt, "<![CDATA[")) {
                return Step::NeedMore;
            }
            const char next = view[lt + 1];
            if (next == '?' || next == '!') {
                std::size_t end = skipMarkup(lt);
                if (end == lt) {
                    end = findTagEnd(view, lt); // some other <!…>: pugixml will judge it
                    if (end != std::string_view::npos) {
                        ++end;
                    }
                }
                if (end == std::string_view::npos) {
                    return Step::NeedMore;
                }
                elemScan = end;
                continue;
            }
            const std::size_t gt = findTagEnd(view, lt);
            if (gt == std::string_view::npos) {
                return Step::NeedMore;
            }
            if (next == '/') {
                const std::string_view name = leadingName(view.substr(lt + 2, gt - lt - 2));
                std::size_t k = open.size();
                while (k > 0 && openName(k - 1) != name) {
                    --k;
                }
                if (k == 0 && name == rootName) {
                    // The root ends inside this child: the child is broken. It ends here, and
                    // the root end tag is handled at the root level.
                    complete(lt);
                    return Step::Done;
                }
                if (k > 0) {
                    open.resize(k - 1); // a mismatch in between is left to pugixml to report
                }
                elemScan = gt + 1;
            } else {
                const std::string_view name = leadingName(view.substr(lt + 1, gt - lt - 1));
                if (!open.empty() && name == openName(0)) {
                    // The same element as the root child opens again inside it: the previous
                    // one was never closed. It ends here.
                    complete(lt);
                    return Step::Done;
                }
                const bool selfClosing = view[gt - 1] == '/';
                if (!selfClosing) {
                    open.emplace_back(lt + 1 - elemStart, name.size());
                }
                elemScan = gt + 1;
            }
            if (open.empty()) {
                complete(elemScan);
                return Step::Done;
            }
        }
    }

    /// The child [elemStart, end) is complete: parse and handle it.
    void complete(std::size_t end) {
        const std::string_view text = std::string_view(buf).substr(elemStart, end - elemStart);
        const std::size_t start = elemStart;
        inElement = false;
        pos = end;
        open.clear();
        handleChild(text, start);
    }

    void handleChild(std::string_view text, std::size_t start) {
        const std::string_view rawName = leadingName(text.substr(1));
        const bool isVulinfo = localOf(rawName) == "Vulinfo";
        if (isVulinfo) {
            ++items;
        }
        scratch.assign(wrapperOpen);
        scratch.append(text);
        scratch.append(wrapperClose);
        const pugi::xml_parse_result loaded = doc.load_buffer_inplace(
            scratch.data(), scratch.size(), pugi::parse_default, pugi::encoding_utf8);
        if (!loaded) {
            const auto inScratch =
                static_cast<std::size_t>(std::max<std::ptrdiff_t>(loaded.offset, 0));
            const std::size_t offset =
                start + (inScratch > wrapperOpen.size() ? inScratch - wrapperOpen.size() : 0);
            const std::string what =
                std::string("not well-formed XML: ") + loaded.description() + at(offset);
            if (isVulinfo) {
                problem(rawVulinfoId(text), items,
                        what + "; Vulinfo skipped (Vulinfo at byte offset " +
                            std::to_string(base + start) + ")");
                return;
            }
            fail(what + " in <" + std::string(rawName) + ">");
        }
        const pugi::xml_node wrapper = doc.first_child();
        const pugi::xml_node node = firstElementChild(wrapper);
        if (!node || nextElementSibling(node)) {
            if (isVulinfo) {
                problem(rawVulinfoId(text), items, "Vulinfo is not one element; skipped");
                return;
            }
            fail("not well-formed XML in <" + std::string(rawName) + ">" + at(start));
        }
        const Namespaces namespaces(rootNamespaces, text.find("xmlns") != std::string_view::npos);
        const std::string nsError = undeclaredPrefix(node, namespaces);
        if (!nsError.empty()) {
            if (isVulinfo) {
                problem(rawVulinfoId(text), items,
                        "namespace error: " + nsError + "; Vulinfo skipped" + at(start));
                return;
            }
            fail("namespace error: " + nsError + at(start));
        }
        const std::string_view ns = namespaces.of(node);
        const std::string_view local = localOf(node.name());
        if (isVulinfo) {
            if (ns == kVuldefNs) {
                readVulinfo(node, items, namespaces);
            } else {
                problem("", items,
                        "<" + std::string(node.name()) + "> is in namespace " + quoted(ns) +
                            ", not " + quoted(kVuldefNs) + "; skipped" + at(start));
            }
        } else if (local == "Status" && ns == kStatusNs) {
            readStatus(node);
        }
        // Anything else (sec:handling, unknown elements) is ignored.
    }

    /// The VulinfoID of a Vulinfo that pugixml cannot read, found by text, or "".
    static std::string rawVulinfoId(std::string_view text) {
        const auto open = text.find("VulinfoID>");
        if (open == std::string_view::npos) {
            return "";
        }
        const auto from = open + 10;
        const auto close = text.find('<', from);
        if (close == std::string_view::npos) {
            return "";
        }
        return normalizeId(text.substr(from, close - from)).value_or("");
    }

    void problem(std::string id, std::size_t position, std::string message) {
        if (problems) {
            problems(ItemProblem{std::move(id), position, std::move(message)});
        }
    }

    void readStatus(pugi::xml_node node) { status = readMyJvnStatus(node); }

    void readVulinfo(pugi::xml_node vulinfo, std::size_t position, const Namespaces& namespaces);

    Step epilogue() {
        const std::string_view view(buf);
        while (pos < view.size() && isSpace(view[pos])) {
            ++pos;
        }
        if (pos == view.size()) {
            return Step::NeedMore;
        }
        if (view.size() - pos < 4 && (mayBecome(pos, "<!--") || mayBecome(pos, "<?"))) {
            return Step::NeedMore;
        }
        const std::size_t end = view[pos] == '<' ? skipMarkup(pos) : pos;
        if (end == std::string_view::npos) {
            return Step::NeedMore;
        }
        if (end == pos || view.compare(pos, 9, "<![CDATA[") == 0) {
            fail("not well-formed XML: content after the end of <" + rootName + ">" + at(pos));
        }
        pos = end;
        return Step::Done;
    }

    void finish() {
        if (!failure.empty()) {
            throw ParseError(failure);
        }
        if (phase == Phase::Prolog) {
            fail(base + buf.size() == 0 ? std::string("empty document: no VULDEF-Document")
                                        : "not a VULDEF document: no root element found");
        }
        if (phase == Phase::Body) {
            fail("truncated VULDEF document: it ends before </" + rootName + "> (after " +
                 std::to_string(base + buf.size()) + " bytes, " + std::to_string(items) +
                 " Vulinfo read; the records already emitted stay emitted)");
        }
        if (pos != buf.size()) {
            fail("not well-formed XML: unterminated markup after the end of <" + rootName + ">" +
                 at(pos));
        }
        if (status && status->retCd != 0) {
            fail("MyJVN API error (retCd=" + std::to_string(status->retCd) +
                 "): errCd=" + status->errCd + " errMsg=" + status->errMsg);
        }
    }
};

namespace {

/// Builds one record from one Vulinfo; bad fields become problems.
class VulinfoReader {
public:
    VulinfoReader(std::size_t position, const std::string& lang,
                  const VuldefStreamParser::ProblemSink& problems, const Namespaces& namespaces)
        : position_(position), lang_(lang), problems_(problems), ns_(namespaces) {}

    std::optional<Advisory> read(pugi::xml_node vulinfo) {
        const pugi::xml_node idNode = ns_.child(vulinfo, "VulinfoID");
        const std::string rawId = trimmedText(idNode);
        const std::optional<std::string> id = normalizeId(rawId);
        if (!id) {
            problem(idNode ? "VulinfoID " + quoted(rawId) + " is not a vulnerability id; skipped"
                           : std::string("Vulinfo has no VulinfoID; skipped"));
            return std::nullopt;
        }
        id_ = *id;
        Advisory record;
        record.source = "vuldef";
        record.id = *id;

        const pugi::xml_attribute ownLang = vulinfo.attribute("xml:lang");
        const std::string_view lang = ownLang ? trim(ownLang.value()) : std::string_view(lang_);
        std::optional<DateTime> datePublic;
        const pugi::xml_node data = ns_.child(vulinfo, "VulinfoData");
        for (pugi::xml_node c = firstElementChild(data); c; c = nextElementSibling(c)) {
            const std::string_view local = localOf(c.name());
            if (ns_.of(c) != kVuldefNs) {
                continue;
            }
            if (local == "Title") {
                record.title = tidyLines(textOf(c));
            } else if (local == "VulinfoDescription") {
                record.summary = htmlToText(textOf(ns_.child(c, "Overview")));
            } else if (local == "Affected") {
                ns_.eachChild(c, "AffectedItem",
                              [&](pugi::xml_node n) { readAffected(n, record); });
            } else if (local == "Impact") {
                ns_.eachChild(c, "Cvss", [&](pugi::xml_node n) { readCvss(n, record); });
            } else if (local == "Related") {
                ns_.eachChild(c, "RelatedItem", [&](pugi::xml_node n) { readRelated(n, record); });
            } else if (local == "History") {
                ns_.eachChild(c, "HistoryItem", [&](pugi::xml_node n) { readHistory(n, record); });
            } else if (local == "DateFirstPublished") {
                record.published = date(c);
            } else if (local == "DateLastUpdated") {
                record.modified = date(c);
            } else if (local == "DatePublic") {
                datePublic = date(c);
            }
        }
        if (!record.modified) {
            record.modified = datePublic;
        }
        record.url = contentsUrl(record.id, lang);
        canonicalizeAliases(record.aliases, record.id);
        record.withdrawn = hasWithdrawnMarker(record.title) || hasWithdrawnMarker(record.summary);
        return record;
    }

private:
    void problem(std::string message) {
        if (problems_) {
            problems_(ItemProblem{id_, position_, std::move(message)});
        }
    }

    static std::string contentsUrl(const std::string& id, std::string_view lang) {
        if (idKind(id) != IdKind::Jvndb || id.size() < 10) {
            return "";
        }
        const std::string_view part = lang.substr(0, 2) == "en" ? "en" : "ja";
        return "https://jvndb.jvn.jp/" + std::string(part) + "/contents/" + id.substr(6, 4) + "/" +
               id + ".html";
    }

    std::optional<DateTime> date(pugi::xml_node node) {
        const std::string text = trimmedText(node);
        if (text.empty()) {
            return std::nullopt;
        }
        std::optional<DateTime> value = parseIsoDateTime(text);
        if (!value) {
            problem(std::string(localOf(node.name())) + " " + quoted(text) +
                    " is not an ISO 8601 date-time; dropped");
        }
        return value;
    }

    void readAffected(pugi::xml_node node, Advisory& record) {
        AffectedItem item;
        for (pugi::xml_node c = firstElementChild(node); c; c = nextElementSibling(c)) {
            const std::string_view local = localOf(c.name());
            if (ns_.of(c) != kVuldefNs) {
                continue;
            }
            if (local == "Name") {
                item.vendor = trimmedText(c);
            } else if (local == "ProductName") {
                item.product = trimmedText(c);
            } else if (local == "Cpe") {
                std::string cpe = trimmedText(c);
                if (!isPlausibleCpe(cpe)) {
                    problem("Cpe " + quoted(cpe) +
                            " is not a CPE name (empty or contains spaces); dropped");
                    continue;
                }
                if (std::find(record.cpes.begin(), record.cpes.end(), cpe) == record.cpes.end()) {
                    record.cpes.push_back(cpe);
                }
                item.cpe = std::move(cpe);
            } else if (local == "VersionNumber") {
                std::string version = trimmedText(c);
                if (!version.empty()) {
                    item.versions.push_back(std::move(version));
                }
            }
        }
        record.affected.push_back(std::move(item));
    }

    void readCvss(pugi::xml_node node, Advisory& record) {
        Cvss cvss;
        cvss.version = std::string(trim(node.attribute("version").value()));
        std::optional<std::string> scoreText;
        for (pugi::xml_node c = firstElementChild(node); c; c = nextElementSibling(c)) {
            const std::string_view local = localOf(c.name());
            if (ns_.of(c) != kVuldefNs) {
                continue;
            }
            if (local == "Severity") {
                cvss.severity = trimmedText(c);
            } else if (local == "Base") {
                scoreText = trimmedText(c);
            } else if (local == "Vector") {
                cvss.vector = trimmedText(c);
            }
        }
        const std::optional<double> score =
            scoreText ? parseScore(*scoreText) : std::optional<double>();
        if (!score) {
            problem("Cvss " + (cvss.version.empty() ? std::string() : cvss.version + " ") +
                    "base score " + (scoreText ? quoted(*scoreText) : std::string("(missing)")) +
                    " is not a number from 0 to 10; CVSS entry dropped");
            return;
        }
        cvss.score = *score;
        record.cvss.push_back(std::move(cvss));
    }

    void readRelated(pugi::xml_node node, Advisory& record) {
        const std::string type(trim(node.attribute("type").value()));
        Reference reference{trimmedText(ns_.child(node, "Name")),
                            trimmedText(ns_.child(node, "VulinfoID")),
                            trimmedText(ns_.child(node, "URL"))};
        const std::optional<std::string> normalized = normalizeId(reference.id);
        const bool namesCve = equalsIgnoreCase(reference.source, "CVE") ||
                              equalsIgnoreCase(reference.source, "NVD") ||
                              containsIgnoreCase(reference.source, "(CVE)") ||
                              containsIgnoreCase(reference.source, "(NVD)");
        if (type == "advisory" && namesCve && (!normalized || idKind(*normalized) != IdKind::Cve)) {
            problem("RelatedItem " + quoted(reference.source) + " VulinfoID " +
                    quoted(reference.id) + " is not a CVE id; reference dropped");
            return;
        }
        if (type == "advisory" && normalized) {
            record.aliases.push_back(*normalized);
        }
        record.references.push_back(std::move(reference));
    }

    void readHistory(pugi::xml_node node, Advisory& record) {
        HistoryItem item;
        const pugi::xml_node number = ns_.child(node, "HistoryNo");
        if (number) {
            const std::string text = trimmedText(number);
            if (const std::optional<int> value = parseInteger<int>(text)) {
                item.number = *value;
            } else {
                problem("HistoryNo " + quoted(text) + " is not a number; 0 used");
            }
        }
        if (const pugi::xml_node when = ns_.child(node, "DateTime")) {
            item.date = date(when);
        }
        item.description = textOf(ns_.child(node, "Description"));
        record.history.push_back(std::move(item));
    }

    std::size_t position_;
    const std::string& lang_;
    const VuldefStreamParser::ProblemSink& problems_;
    const Namespaces& ns_;
    std::string id_;
};

} // namespace

void VuldefStreamParser::Impl::readVulinfo(pugi::xml_node vulinfo, std::size_t position,
                                           const Namespaces& namespaces) {
    VulinfoReader reader(position, lang, problems, namespaces);
    std::optional<Advisory> record = reader.read(vulinfo);
    if (record && records) {
        records(std::move(*record));
    }
}

VuldefStreamParser::VuldefStreamParser(RecordSink records, ProblemSink problems)
    : impl_(std::make_unique<Impl>()) {
    impl_->records = std::move(records);
    impl_->problems = std::move(problems);
}

VuldefStreamParser::~VuldefStreamParser() = default;

void VuldefStreamParser::feed(std::string_view bytes) {
    impl_->feed(bytes);
}

void VuldefStreamParser::finish() {
    impl_->finish();
}

std::size_t VuldefStreamParser::itemsSeen() const {
    return impl_->items;
}

std::size_t VuldefStreamParser::bufferedBytes() const {
    return impl_->buf.capacity() + impl_->scratch.capacity();
}

std::optional<MyJvnStatus> VuldefStreamParser::status() const {
    return impl_->status;
}

ParseResult parseVuldef(std::string_view xml) {
    ParseResult result;
    VuldefStreamParser parser(
        [&](Advisory&& record) { result.records.push_back(std::move(record)); },
        [&](ItemProblem&& problem) { result.problems.push_back(std::move(problem)); });
    // In pieces, so the parser's buffer never holds a copy of the whole document.
    constexpr std::size_t piece = 1u << 20;
    for (std::size_t at = 0; at < xml.size(); at += piece) {
        parser.feed(xml.substr(at, piece));
    }
    parser.finish();
    result.status = parser.status();
    return result;
}

} // namespace vw
