#include "feeds/parse/xml_util.h"

#include "core/text.h"
#include "core/xml_chars.h"
#include "feeds/parse/parse_error.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vw {

namespace {

/// Longest excerpt of input text quoted in a message.
constexpr std::size_t kMaxQuoted = 80;

constexpr std::string_view kXmlnsNs = "http://www.w3.org/2000/xmlns/";
constexpr std::string_view kSecNs = "jvn.jp/rss/mod_sec/"; // after "http://" or "https://"

/// Checks namespace well-formedness of the whole tree (every prefix declared, no prefix
/// undeclared, qualified names valid, no duplicate attributes) without recursion, so deep
/// nesting cannot exhaust the stack. Throws ParseError.
class NamespaceChecker {
public:
    explicit NamespaceChecker(std::string_view xml) : xml_(xml) {}
    /// Errors say `where` instead of the node's offset in a whole document.
    NamespaceChecker(std::string_view xml, std::string where)
        : xml_(xml), where_(std::move(where)), fixedWhere_(true) {}

    void check(pugi::xml_node root) {
        pugi::xml_node node = root;
        while (node) {
            enter(node);
            if (pugi::xml_node child = firstElementChild(node)) {
                node = child;
                continue;
            }
            while (node) {
                leave(node);
                if (pugi::xml_node next = nextElementSibling(node)) {
                    node = next;
                    break;
                }
                node = node.parent();
                if (node.type() != pugi::node_element) {
                    node = pugi::xml_node();
                }
            }
        }
    }

private:
    [[noreturn]] void fail(pugi::xml_node node, const std::string& what) const {
        throw ParseError("namespace error: " + what + " (element <" + node.name() + ">)" +
                         (fixedWhere_ ? where_ : offsetText(xml_, node.offset_debug())));
    }

    void checkQualifiedName(pugi::xml_node node, std::string_view name) const {
        const auto colon = name.find(':');
        if (colon != std::string_view::npos &&
            (colon == 0 || colon + 1 == name.size() ||
             name.find(':', colon + 1) != std::string_view::npos)) {
            fail(node, "invalid qualified name " + quoted(name));
        }
    }

    std::string_view resolve(pugi::xml_node node, std::string_view prefix) const {
        if (prefix == "xml") {
            return kXmlNs;
        }
        const auto found = scopes_.find(prefix);
        if (found == scopes_.end() || found->second.empty()) {
            if (prefix.empty()) {
                return {};
            }
            fail(node, "prefix " + quoted(prefix) + " is not declared");
        }
        return found->second.back();
    }

    void enter(pugi::xml_node node) {
        for (pugi::xml_attribute attribute : node.attributes()) {
            const std::string_view name = attribute.name();
            const std::string_view value = attribute.value();
            if (name == "xmlns") {
                scopes_[std::string_view()].push_back(value);
            } else if (prefixOf(name) == "xmlns") {
                const std::string_view prefix = localOf(name);
                checkQualifiedName(node, name);
                if (value.empty()) {
                    fail(node, "prefix " + quoted(prefix) + " is bound to an empty namespace");
                }
                if (prefix == "xmlns" || (prefix == "xml") != (value == kXmlNs)) {
                    fail(node, "reserved prefix or namespace misused in " + quoted(name));
                }
                scopes_[prefix].push_back(value);
            }
        }
        const std::string_view elementName = node.name();
        checkQualifiedName(node, elementName);
        resolve(node, prefixOf(elementName));

        expanded_.clear();
        for (pugi::xml_attribute attribute : node.attributes()) {
            const std::string_view name = attribute.name();
            checkQualifiedName(node, name);
            const std::string_view prefix = prefixOf(name);
            std::string_view uri;
            if (name == "xmlns" || prefix == "xmlns") {
                uri = kXmlnsNs;
            } else if (!prefix.empty()) {
                uri = resolve(node, prefix);
            }
            expanded_.emplace_back(uri, name == "xmlns" ? name : localOf(name));
        }
        if (expanded_.size() > 1) {
            std::sort(expanded_.begin(), expanded_.end());
            const auto duplicate = std::adjacent_find(expanded_.begin(), expanded_.end());
            if (duplicate != expanded_.end()) {
                fail(node, "attribute " + quoted(duplicate->second) + " appears twice");
            }
        }
    }

    void leave(pugi::xml_node node) {
        for (pugi::xml_attribute attribute : node.attributes()) {
            const std::string_view name = attribute.name();
            if (name == "xmlns") {
                scopes_[std::string_view()].pop_back();
            } else if (prefixOf(name) == "xmlns") {
                scopes_[localOf(name)].pop_back();
            }
        }
    }

    std::string_view xml_;
    std::string where_;
    bool fixedWhere_ = false;
    std::unordered_map<std::string_view, std::vector<std::string_view>> scopes_;
    std::vector<std::pair<std::string_view, std::string_view>> expanded_;
};

void rejectUnsupportedEncoding(const pugi::xml_document& doc) {
    for (pugi::xml_node child = doc.first_child(); child; child = child.next_sibling()) {
        if (child.type() != pugi::node_declaration) {
            continue;
        }
        const std::string_view encoding = trim(child.attribute("encoding").value());
        const bool supported = encoding.empty() || isUtf8EncodingLabel(encoding) ||
                               equalsIgnoreCase(encoding, "utf-16") ||
                               equalsIgnoreCase(encoding, "iso-8859-1");
        if (!supported) {
            throw ParseError("unsupported document encoding " + quoted(encoding) +
                             " (JVN feeds are UTF-8)");
        }
    }
}

/// The single root element; anything else at the top level but comments, processing
/// instructions, the declaration and a DOCTYPE is an error.
pugi::xml_node documentElement(const pugi::xml_document& doc, std::string_view xml) {
    pugi::xml_node root;
    for (pugi::xml_node child = doc.first_child(); child; child = child.next_sibling()) {
        switch (child.type()) {
        case pugi::node_element:
            if (root) {
                throw ParseError("not well-formed XML: more than one root element" +
                                 offsetText(xml, child.offset_debug()));
            }
            root = child;
            break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
            throw ParseError("not well-formed XML: text outside the root element" +
                             offsetText(xml, child.offset_debug()));
        default:
            break;
        }
    }
    if (!root) {
        throw ParseError("not well-formed XML: no root element");
    }
    return root;
}

} // namespace

std::string_view prefixOf(std::string_view qualifiedName) {
    const auto colon = qualifiedName.find(':');
    return colon == std::string_view::npos ? std::string_view() : qualifiedName.substr(0, colon);
}

std::size_t findXmlTagEnd(std::string_view buf, std::size_t from) {
    // Every tag of a streamed document is scanned by this (where each Vulinfo ends: a tenth of
    // the parsing thread's instructions one byte at a time, callgrind): sixteen bytes at a time
    // to the next `>` or quote, a quoted value to its closing quote by memchr.
    const char* data = buf.data();
    const std::size_t size = buf.size();
    std::size_t i = from;
    for (;;) {
        std::size_t hit = std::string_view::npos;
#if defined(__SSE2__)
        const __m128i gt = _mm_set1_epi8('>');
        const __m128i dq = _mm_set1_epi8('"');
        const __m128i sq = _mm_set1_epi8('\'');
        for (; i + 16 <= size; i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
            const __m128i any = _mm_or_si128(
                _mm_cmpeq_epi8(v, gt), _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, sq)));
            if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(any)); mask != 0) {
                hit = i + static_cast<std::size_t>(std::countr_zero(mask));
                break;
            }
        }
#endif
        if (hit == std::string_view::npos) {
            for (; i < size; ++i) {
                if (data[i] == '>' || data[i] == '"' || data[i] == '\'') {
                    hit = i;
                    break;
                }
            }
            if (hit == std::string_view::npos) {
                return std::string_view::npos;
            }
        }
        if (data[hit] == '>') {
            return hit;
        }
        const void* close = std::memchr(data + hit + 1, data[hit], size - hit - 1);
        if (close == nullptr) {
            return std::string_view::npos;
        }
        i = static_cast<std::size_t>(static_cast<const char*>(close) - data) + 1;
    }
}

std::string_view localOf(std::string_view qualifiedName) {
    const auto colon = qualifiedName.find(':');
    return colon == std::string_view::npos ? qualifiedName : qualifiedName.substr(colon + 1);
}

pugi::xml_node firstElementChild(pugi::xml_node node) {
    for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
        if (child.type() == pugi::node_element) {
            return child;
        }
    }
    return {};
}

pugi::xml_node nextElementSibling(pugi::xml_node node) {
    for (pugi::xml_node next = node.next_sibling(); next; next = next.next_sibling()) {
        if (next.type() == pugi::node_element) {
            return next;
        }
    }
    return {};
}

std::optional<std::string_view> lookupNamespace(pugi::xml_node node, std::string_view prefix) {
    if (prefix == "xml") {
        return kXmlNs;
    }
    for (; node.type() == pugi::node_element; node = node.parent()) {
        for (pugi::xml_attribute attribute = node.first_attribute(); attribute;
             attribute = attribute.next_attribute()) {
            const std::string_view name = attribute.name();
            if (name.size() < 5 || name.substr(0, 5) != "xmlns") {
                continue;
            }
            if (prefix.empty() ? name.size() == 5
                               : name.size() == 6 + prefix.size() && name[5] == ':' &&
                                     name.substr(6) == prefix) {
                return std::string_view(attribute.value());
            }
        }
    }
    if (prefix.empty()) {
        return std::string_view();
    }
    return std::nullopt;
}

std::string_view namespaceOf(pugi::xml_node element) {
    return lookupNamespace(element, prefixOf(element.name())).value_or(std::string_view());
}

std::string textOf(pugi::xml_node node) {
    pugi::xml_node child = node.first_child();
    if (child && !child.next_sibling() &&
        (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)) {
        return child.value(); // the common case: one text node
    }
    std::string out;
    for (; child; child = child.next_sibling()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            out.append(child.value());
        }
    }
    return out;
}

std::string withoutCarriageReturns(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c != '\r') {
            out.push_back(c);
        }
    }
    return out;
}

std::string quoted(std::string_view text) {
    std::string out = "'";
    if (text.size() <= kMaxQuoted) {
        out.append(text);
    } else {
        std::size_t cut = kMaxQuoted;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) {
            --cut;
        }
        out.append(text.substr(0, cut)).append("…");
    }
    return out + "'";
}

bool isPlausibleCpe(std::string_view cpe) {
    if (cpe.size() < 5 || !equalsIgnoreCase(cpe.substr(0, 4), "cpe:")) {
        return false;
    }
    return std::none_of(cpe.begin(), cpe.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20u || c == '\x7f';
    });
}

std::optional<double> parseScore(std::string_view text) {
    double value = 0.0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || !(value >= 0.0 && value <= 10.0)) {
        return std::nullopt;
    }
    return value;
}

MyJvnStatus readMyJvnStatus(pugi::xml_node status) {
    const auto number = [&](const char* name) -> long {
        return parseInteger<long>(trim(status.attribute(name).value())).value_or(0);
    };
    const auto text = [&](const char* name) {
        return std::string(trim(status.attribute(name).value()));
    };
    MyJvnStatus s;
    s.method = text("method");
    const std::string_view retCd = trim(status.attribute("retCd").value());
    s.retCd = retCd.empty() ? 0 : parseInteger<int>(retCd).value_or(1);
    s.errCd = text("errCd");
    s.errMsg = text("errMsg");
    s.totalRes = number("totalRes");
    s.totalResRet = number("totalResRet");
    s.firstRes = number("firstRes");
    return s;
}

bool isUtf8EncodingLabel(std::string_view label) {
    return equalsIgnoreCase(label, "utf-8") || equalsIgnoreCase(label, "utf8") ||
           equalsIgnoreCase(label, "us-ascii");
}

std::string offsetText(std::string_view xml, std::ptrdiff_t offset) {
    if (offset < 0) {
        return "";
    }
    const auto end = std::min(static_cast<std::size_t>(offset), xml.size());
    const auto line =
        1 + std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(end), '\n');
    const auto lineStart = xml.rfind('\n', end == 0 ? 0 : end - 1);
    const std::size_t column =
        lineStart == std::string_view::npos || end == 0 ? end + 1 : end - lineStart;
    return " at byte offset " + std::to_string(offset) + " (line " + std::to_string(line) +
           ", column " + std::to_string(column) + ")";
}

pugi::xml_node loadDocument(pugi::xml_document& doc, std::string_view xml) {
    if (const std::optional<ForbiddenXmlChar> bad = findForbiddenXmlChar(xml)) {
        throw ParseError(forbiddenXmlCharMessage(*bad) +
                         offsetText(xml, static_cast<std::ptrdiff_t>(bad->offset)));
    }
    const pugi::xml_parse_result loaded = doc.load_buffer(
        xml.data(), xml.size(), pugi::parse_default | pugi::parse_declaration, pugi::encoding_auto);
    if (!loaded) {
        throw ParseError(std::string("not well-formed XML: ") + loaded.description() +
                         offsetText(xml, loaded.offset));
    }
    rejectUnsupportedEncoding(doc);
    const pugi::xml_node root = documentElement(doc, xml);
    NamespaceChecker(xml).check(root);
    return root;
}

void checkNamespaces(pugi::xml_node top, const std::string& where) {
    NamespaceChecker(std::string_view(), where).check(top);
}

bool isElement(pugi::xml_node node, std::string_view ns, std::string_view local) {
    return node.type() == pugi::node_element && localOf(node.name()) == local &&
           namespaceOf(node) == ns;
}

bool isSecNamespace(std::string_view ns) {
    if (ns.starts_with("http://")) {
        ns.remove_prefix(7);
    } else if (ns.starts_with("https://")) {
        ns.remove_prefix(8);
    } else {
        return false;
    }
    return ns.starts_with(kSecNs);
}

std::string_view qualifiedAttribute(pugi::xml_node node, std::string_view ns,
                                    std::string_view local) {
    for (pugi::xml_attribute attribute : node.attributes()) {
        const std::string_view name = attribute.name();
        const std::string_view prefix = prefixOf(name);
        if (!prefix.empty() && prefix != "xmlns" && localOf(name) == local &&
            lookupNamespace(node, prefix).value_or(std::string_view()) == ns) {
            return attribute.value();
        }
    }
    return {};
}

std::string attributeText(pugi::xml_node node, const char* name) {
    return std::string(trim(node.attribute(name).value()));
}

pugi::xml_node findMyJvnStatus(pugi::xml_node root) {
    if (isElement(root, kMyJvnStatusNs, "Status")) {
        return root;
    }
    for (pugi::xml_node child = firstElementChild(root); child; child = nextElementSibling(child)) {
        if (isElement(child, kMyJvnStatusNs, "Status")) {
            return child;
        }
    }
    return {};
}

void throwIfMyJvnError(pugi::xml_node status) {
    if (!status) {
        return;
    }
    const std::string_view retCd = trim(status.attribute("retCd").value());
    if (retCd.empty() || retCd == "0") {
        return;
    }
    throw ParseError("MyJVN API error (retCd=" + std::string(retCd) + "): errCd=" +
                     attributeText(status, "errCd") + " errMsg=" + attributeText(status, "errMsg"));
}

std::optional<DateTime> ItemParserBase::date(pugi::xml_node element, const char* what) {
    const std::string text(trim(textOf(element)));
    if (text.empty()) {
        return std::nullopt;
    }
    std::optional<DateTime> value = parseIsoDateTime(text);
    if (!value) {
        problem(std::string(what) + " " + quoted(text) + " is not an ISO 8601 date-time; dropped");
    }
    return value;
}

} // namespace vw
