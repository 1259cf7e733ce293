#include "feeds/parse/jvn_rss.h"

#include "core/datetime.h"
#include "core/ids.h"
#include "core/text.h"
#include "feeds/parse/xml_util.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vw {

namespace {

constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kRssNs = "http://purl.org/rss/1.0/";
constexpr std::string_view kSecNsPrefix = "http://jvn.jp/rss/mod_sec/";
constexpr std::string_view kDcNs = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDctermsNs = "http://purl.org/dc/terms/";
constexpr std::string_view kStatusNs = "http://jvndb.jvn.jp/myjvn/Status";
constexpr std::string_view kXmlnsNs = "http://www.w3.org/2000/xmlns/";
constexpr std::string_view kMyJvnChannel = "https://jvndb.jvn.jp/apis/myjvn";

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

/// Checks namespace well-formedness of the whole tree (every prefix declared, no prefix
/// undeclared, qualified names valid, no duplicate attributes) without recursion, so deep
/// nesting cannot exhaust the stack. Throws ParseError.
class NamespaceChecker {
public:
    explicit NamespaceChecker(std::string_view xml) : xml_(xml) {}

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
                         offsetText(xml_, node.offset_debug()));
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
    std::unordered_map<std::string_view, std::vector<std::string_view>> scopes_;
    std::vector<std::pair<std::string_view, std::string_view>> expanded_;
};

bool isElement(pugi::xml_node node, std::string_view ns, std::string_view local) {
    return node.type() == pugi::node_element && localOf(node.name()) == local &&
           namespaceOf(node) == ns;
}

bool isSecNamespace(std::string_view ns) {
    return ns.substr(0, kSecNsPrefix.size()) == kSecNsPrefix;
}

/// A prefixed attribute (`rdf:about`) by namespace and local name, else "".
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

/// A MyJVN status:Status element that is the root or a child of the root, if any.
pugi::xml_node findStatus(pugi::xml_node root) {
    if (isElement(root, kStatusNs, "Status")) {
        return root;
    }
    for (pugi::xml_node child = firstElementChild(root); child; child = nextElementSibling(child)) {
        if (isElement(child, kStatusNs, "Status")) {
            return child;
        }
    }
    return {};
}

/// Throws for a MyJVN error response (retCd other than 0).
void checkStatus(pugi::xml_node status) {
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

/// The elements of one item this parser reads, first occurrence for single-valued ones.
struct ItemElements {
    pugi::xml_node identifier, title, link, description, issued, modified, dcDate, dcIdentifier;
    std::vector<pugi::xml_node> references, cpes, cvss, dcRelations;
};

ItemElements collect(pugi::xml_node item) {
    ItemElements e;
    const auto keepFirst = [](pugi::xml_node& slot, pugi::xml_node node) {
        if (!slot) {
            slot = node;
        }
    };
    for (pugi::xml_node child = firstElementChild(item); child; child = nextElementSibling(child)) {
        const std::string_view ns = namespaceOf(child);
        const std::string_view local = localOf(child.name());
        if (ns == kRssNs) {
            if (local == "title") {
                keepFirst(e.title, child);
            } else if (local == "link") {
                keepFirst(e.link, child);
            } else if (local == "description") {
                keepFirst(e.description, child);
            }
        } else if (isSecNamespace(ns)) {
            if (local == "identifier") {
                keepFirst(e.identifier, child);
            } else if (local == "references") {
                e.references.push_back(child);
            } else if (local == "cpe") {
                e.cpes.push_back(child);
            } else if (local == "cvss") {
                e.cvss.push_back(child);
            }
        } else if (ns == kDcNs) {
            if (local == "date") {
                keepFirst(e.dcDate, child);
            } else if (local == "identifier") {
                keepFirst(e.dcIdentifier, child);
            } else if (local == "relation") {
                e.dcRelations.push_back(child);
            }
        } else if (ns == kDctermsNs) {
            if (local == "issued") {
                keepFirst(e.issued, child);
            } else if (local == "modified") {
                keepFirst(e.modified, child);
            }
        }
    }
    return e;
}

class ItemParser {
public:
    ItemParser(std::string source, ParseResult& result)
        : source_(std::move(source)), result_(result) {}

    void parse(pugi::xml_node item, std::size_t position) {
        position_ = position;
        const ItemElements e = collect(item);
        if (!e.identifier && e.dcIdentifier) {
            parseJvnSiteItem(item, e);
            return;
        }

        const std::string rawId(trim(textOf(e.identifier)));
        const std::optional<std::string> id = normalizeId(rawId);
        if (!id) {
            id_.clear();
            problem(e.identifier ? "sec:identifier " + quoted(rawId) +
                                       " is not a vulnerability id; item skipped"
                                 : std::string("item has no sec:identifier; item skipped"));
            return;
        }
        id_ = *id;

        Advisory record = commonFields(item, e, source_, *id);
        readReferences(e, record);
        readCpes(e, record);
        readCvss(e, record);
        record.withdrawn = hasWithdrawnMarker(record.summary) || hasWithdrawnMarker(record.title);
        result_.records.push_back(std::move(record));
    }

private:
    /// The fields every RSS 1.0 item has, whichever feed it comes from.
    Advisory commonFields(pugi::xml_node item, const ItemElements& e, const std::string& source,
                          const std::string& id) {
        Advisory record;
        record.source = source;
        record.id = id;
        record.title = std::string(trim(withoutCarriageReturns(textOf(e.title))));
        record.summary = std::string(trim(withoutCarriageReturns(textOf(e.description))));
        record.url = std::string(trim(textOf(e.link)));
        if (record.url.empty()) {
            record.url = std::string(trim(qualifiedAttribute(item, kRdfNs, "about")));
        }
        record.published = date(e.issued, "dcterms:issued");
        record.modified = date(e.modified, "dcterms:modified");
        if (!record.modified) {
            record.modified = date(e.dcDate, "dc:date");
        }
        return record;
    }

    /// An item of the jvn.jp site feed (https://jvn.jp/rss/jvn.rdf): plain RSS 1.0 + dc, no
    /// sec: elements; the id is dc:identifier (JVN#… / JVNVU#…). Source "jvn".
    void parseJvnSiteItem(pugi::xml_node item, const ItemElements& e) {
        const std::string rawId(trim(textOf(e.dcIdentifier)));
        const std::optional<std::string> id = normalizeId(rawId);
        const std::optional<IdKind> kind = id ? idKind(*id) : std::nullopt;
        if (!id || (kind != IdKind::Jvn && kind != IdKind::Jvnvu)) {
            id_.clear();
            problem("item has no sec:identifier and its dc:identifier " + quoted(rawId) +
                    " is no JVN#/JVNVU# id; item skipped");
            return;
        }
        id_ = *id;
        Advisory record = commonFields(item, e, "jvn", *id);
        // Ids named by dc:relation (text or rdf:resource) and the description, minus self.
        std::string named;
        for (pugi::xml_node relation : e.dcRelations) {
            named.append(textOf(relation)).append(" ");
            named.append(qualifiedAttribute(relation, kRdfNs, "resource")).append(" ");
        }
        named.append(record.summary);
        record.aliases = extractIds(named);
        canonicalizeAliases(record.aliases, record.id);
        record.withdrawn = hasWithdrawnMarker(record.summary) || hasWithdrawnMarker(record.title);
        result_.records.push_back(std::move(record));
    }

    void problem(std::string message) {
        result_.problems.push_back(ItemProblem{id_, position_, std::move(message)});
    }

    std::optional<DateTime> date(pugi::xml_node element, const char* what) {
        const std::string text(trim(textOf(element)));
        if (text.empty()) {
            return std::nullopt;
        }
        std::optional<DateTime> value = parseIsoDateTime(text);
        if (!value) {
            problem(std::string(what) + " " + quoted(text) +
                    " is not an ISO 8601 date-time; dropped");
        }
        return value;
    }

    void readReferences(const ItemElements& e, Advisory& record) {
        for (pugi::xml_node node : e.references) {
            Reference reference{attributeText(node, "source"), attributeText(node, "id"),
                                std::string(trim(textOf(node)))};
            const std::optional<std::string> normalized = normalizeId(reference.id);
            const bool namesCve = equalsIgnoreCase(reference.source, "CVE") ||
                                  equalsIgnoreCase(reference.source, "NVD");
            if (namesCve && (!normalized || idKind(*normalized) != IdKind::Cve)) {
                problem("sec:references source=" + reference.source + " id " +
                        quoted(reference.id) + " is not a CVE id; reference dropped");
                continue;
            }
            if (normalized) {
                record.aliases.push_back(*normalized);
            }
            record.references.push_back(std::move(reference));
        }
        canonicalizeAliases(record.aliases, record.id);
    }

    void readCpes(const ItemElements& e, Advisory& record) {
        for (pugi::xml_node node : e.cpes) {
            std::string cpe(trim(textOf(node)));
            if (!isPlausibleCpe(cpe)) {
                problem("sec:cpe " + quoted(cpe) +
                        " is not a CPE name (empty or contains spaces); dropped");
                continue;
            }
            record.cpes.push_back(cpe);
            record.affected.push_back(AffectedItem{
                attributeText(node, "vendor"), attributeText(node, "product"), cpe, {}});
        }
    }

    void readCvss(const ItemElements& e, Advisory& record) {
        for (pugi::xml_node node : e.cvss) {
            const std::string scoreText = attributeText(node, "score");
            const std::optional<double> score = parseScore(scoreText);
            if (!score) {
                problem("sec:cvss score " + quoted(scoreText) +
                        " is not a number from 0 to 10; CVSS entry dropped");
                continue;
            }
            record.cvss.push_back(Cvss{attributeText(node, "version"), *score,
                                       attributeText(node, "severity"),
                                       attributeText(node, "vector")});
        }
    }

    std::string source_;
    ParseResult& result_;
    std::string id_;
    std::size_t position_ = 0;
};

} // namespace

ParseResult parseJvnRss(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_parse_result loaded = doc.load_buffer(
        xml.data(), xml.size(), pugi::parse_default | pugi::parse_declaration, pugi::encoding_auto);
    if (!loaded) {
        throw ParseError(std::string("not well-formed XML: ") + loaded.description() +
                         offsetText(xml, loaded.offset));
    }
    rejectUnsupportedEncoding(doc);
    const pugi::xml_node root = documentElement(doc, xml);
    NamespaceChecker(xml).check(root);

    const pugi::xml_node status = findStatus(root);
    checkStatus(status);

    pugi::xml_node channel;
    if (isElement(root, kRdfNs, "RDF")) {
        for (pugi::xml_node child = firstElementChild(root); child && !channel;
             child = nextElementSibling(child)) {
            if (isElement(child, kRssNs, "channel")) {
                channel = child;
            }
        }
    }
    if (!channel) {
        if (status && (status == root || !nextElementSibling(firstElementChild(root)))) {
            ParseResult empty; // a MyJVN response with no matches: nothing but the status
            empty.status = readMyJvnStatus(status);
            return empty;
        }
        throw ParseError("not an RSS 1.0 document: expected rdf:RDF with an RSS channel, found <" +
                         std::string(root.name()) + "> in namespace " + quoted(namespaceOf(root)));
    }

    const bool myJvn =
        status || trim(qualifiedAttribute(channel, kRdfNs, "about")) == kMyJvnChannel;
    ParseResult result;
    if (status) {
        result.status = readMyJvnStatus(status);
    }
    ItemParser parser(myJvn ? "myjvn" : "jvn-rss", result);
    std::size_t position = 0;
    for (pugi::xml_node child = firstElementChild(root); child; child = nextElementSibling(child)) {
        if (isElement(child, kRssNs, "item")) {
            parser.parse(child, ++position);
        }
    }
    return result;
}

} // namespace vw
