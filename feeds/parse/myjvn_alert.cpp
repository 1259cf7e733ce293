#include "feeds/parse/myjvn_alert.h"

#include "core/datetime.h"
#include "core/ids.h"
#include "core/text.h"
#include "feeds/parse/mime.h"
#include "feeds/parse/xml_util.h"

#include <algorithm>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <utility>
#include <vector>

namespace vw {

namespace {

constexpr std::string_view kAtomNs = "http://www.w3.org/2005/Atom";

/// All character data inside `node` and its descendants, in document order (an xhtml text
/// construct), without recursion.
std::string deepText(pugi::xml_node node) {
    std::string out;
    for (pugi::xml_node it = node.first_child(); it;) {
        if (it.type() == pugi::node_pcdata || it.type() == pugi::node_cdata) {
            out.append(it.value());
        }
        if (it.type() == pugi::node_element && it.first_child()) {
            it = it.first_child();
            continue;
        }
        while (it && !it.next_sibling() && it != node) {
            it = it.parent();
        }
        if (!it || it == node) {
            break;
        }
        it = it.next_sibling();
    }
    return out;
}

/// An Atom text construct (title, summary) as plain text: type="html" is HTML, "xhtml" a div
/// of XHTML, anything else (text, absent) the text itself. Carriage returns go, ends trimmed.
std::string atomText(pugi::xml_node node) {
    const std::string type = attributeText(node, "type");
    std::string text;
    if (type == "html") {
        text = mime::htmlToText(textOf(node));
    } else if (type == "xhtml") {
        text = deepText(node);
    } else {
        text = textOf(node);
    }
    return std::string(trim(withoutCarriageReturns(text)));
}

bool containsNoMatch(std::string_view text) {
    return text.find(kMyJvnNoMatch) != std::string_view::npos;
}

/// An id fit to be a record key: no whitespace or control bytes.
bool isPlainId(std::string_view id) {
    return std::none_of(id.begin(), id.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20u || c == '\x7f';
    });
}

/// The elements of one entry this parser reads, first occurrence for single-valued ones.
struct EntryElements {
    pugi::xml_node id, title, summary, published, updated;
    std::vector<pugi::xml_node> links, items;
};

EntryElements collect(pugi::xml_node entry) {
    EntryElements e;
    const auto keepFirst = [](pugi::xml_node& slot, pugi::xml_node node) {
        if (!slot) {
            slot = node;
        }
    };
    for (pugi::xml_node child = firstElementChild(entry); child;
         child = nextElementSibling(child)) {
        const std::string_view ns = namespaceOf(child);
        const std::string_view local = localOf(child.name());
        if (ns == kAtomNs) {
            if (local == "id") {
                keepFirst(e.id, child);
            } else if (local == "title") {
                keepFirst(e.title, child);
            } else if (local == "summary") {
                keepFirst(e.summary, child);
            } else if (local == "published") {
                keepFirst(e.published, child);
            } else if (local == "updated") {
                keepFirst(e.updated, child);
            } else if (local == "link") {
                e.links.push_back(child);
            }
        } else if (isSecNamespace(ns)) {
            if (local == "items") {
                for (pugi::xml_node item = firstElementChild(child); item;
                     item = nextElementSibling(item)) {
                    if (localOf(item.name()) == "item" && isSecNamespace(namespaceOf(item))) {
                        e.items.push_back(item);
                    }
                }
            } else if (local == "item") {
                e.items.push_back(child); // not in the schema, but unambiguous
            }
        }
    }
    return e;
}

/// The href of the entry's alternate link (rel absent or "alternate"), else of its first.
std::string entryUrl(const std::vector<pugi::xml_node>& links) {
    for (pugi::xml_node link : links) {
        const std::string rel = attributeText(link, "rel");
        if (rel.empty() || rel == "alternate") {
            return attributeText(link, "href");
        }
    }
    return links.empty() ? std::string() : attributeText(links.front(), "href");
}

/// The sec: children of one sec:item this parser reads.
struct ItemElements {
    pugi::xml_node title, identifier, summary, link;
    std::vector<pugi::xml_node> cpes, references;
};

ItemElements collectItem(pugi::xml_node item) {
    ItemElements e;
    const auto keepFirst = [](pugi::xml_node& slot, pugi::xml_node node) {
        if (!slot) {
            slot = node;
        }
    };
    for (pugi::xml_node child = firstElementChild(item); child; child = nextElementSibling(child)) {
        if (!isSecNamespace(namespaceOf(child))) {
            continue;
        }
        const std::string_view local = localOf(child.name());
        if (local == "title") {
            keepFirst(e.title, child);
        } else if (local == "identifier") {
            keepFirst(e.identifier, child);
        } else if (local == "summary") {
            keepFirst(e.summary, child);
        } else if (local == "link") {
            keepFirst(e.link, child);
        } else if (local == "cpe") {
            e.cpes.push_back(child);
        } else if (local == "references") {
            e.references.push_back(child);
        }
    }
    return e;
}

class EntryParser : private ItemParserBase {
public:
    explicit EntryParser(ParseResult& result) : ItemParserBase(result) {}

    void parse(pugi::xml_node entry, std::size_t position) {
        position_ = position;
        id_.clear();
        const EntryElements e = collect(entry);
        const std::string rawId(trim(textOf(e.id)));
        const std::string title = atomText(e.title);
        const std::string summary = atomText(e.summary);
        if (containsNoMatch(title) || containsNoMatch(summary) || containsNoMatch(rawId)) {
            return; // 「該当する脆弱性対策情報はありません。」: nothing matched
        }
        if (rawId.empty()) {
            problem(std::string(e.id ? "entry has an empty <id>" : "entry has no <id>") +
                    " (title " + quoted(title) + "); entry skipped");
            return;
        }
        if (!isPlainId(rawId)) {
            problem("entry <id> " + quoted(rawId) +
                    " contains spaces or control characters; entry skipped");
            return;
        }
        const std::optional<std::string> normalized = normalizeId(rawId);
        id_ = normalized ? *normalized : rawId;

        Advisory record;
        record.source = std::string(kMyJvnAlertSource);
        record.id = id_;
        record.title = title;
        record.summary = summary;
        record.url = entryUrl(e.links);
        record.published = date(e.published, "published");
        record.modified = date(e.updated, "updated");

        std::string named = record.title + "\n" + record.summary + "\n" + record.url + "\n";
        for (pugi::xml_node item : e.items) {
            readItem(item, record, named);
        }
        record.aliases = extractIds(named);
        canonicalizeAliases(record.aliases, record.id);
        record.withdrawn = hasWithdrawnMarker(record.title) || hasWithdrawnMarker(record.summary);
        result_.records.push_back(std::move(record));
    }

private:
    /// One sec:item: its CPEs and its reference into `record`, its texts into `named`.
    void readItem(pugi::xml_node item, Advisory& record, std::string& named) {
        const ItemElements e = collectItem(item);
        const std::string title(trim(withoutCarriageReturns(textOf(e.title))));
        const std::string identifier(trim(textOf(e.identifier)));
        const std::string summary(trim(withoutCarriageReturns(textOf(e.summary))));
        const std::string link = attributeText(e.link, "href");
        named.append(title).append("\n").append(identifier).append("\n");
        named.append(summary).append("\n").append(link).append("\n");
        for (pugi::xml_node reference : e.references) {
            named.append(attributeText(reference, "id")).append("\n");
            named.append(trim(textOf(reference))).append("\n");
        }
        for (pugi::xml_node node : e.cpes) {
            std::string cpe(trim(textOf(node)));
            if (!isPlausibleCpe(cpe)) {
                problem("sec:cpe " + quoted(cpe) +
                        " is not a CPE name (empty or contains spaces); dropped");
                continue;
            }
            if (std::find(record.cpes.begin(), record.cpes.end(), cpe) == record.cpes.end()) {
                record.cpes.push_back(std::move(cpe));
            }
        }
        if (!title.empty() || !identifier.empty() || !link.empty()) {
            record.references.push_back(
                Reference{title.empty() ? std::string("MyJVN") : title, identifier, link});
        }
    }
};

} // namespace

ParseResult parseMyJvnAlertList(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_node root = loadDocument(doc, xml);
    const pugi::xml_node status = findMyJvnStatus(root);
    throwIfMyJvnError(status);

    ParseResult result;
    if (status) {
        result.status = readMyJvnStatus(status);
    }
    if (!isElement(root, kAtomNs, "feed")) {
        if (isStatusOnly(root, status)) {
            return result; // a response with nothing but its status
        }
        throw ParseError("not a MyJVN getAlertList response: expected an Atom <feed> (" +
                         std::string(kAtomNs) + "), found <" + std::string(root.name()) +
                         "> in namespace " + quoted(namespaceOf(root)));
    }
    EntryParser parser(result);
    std::size_t position = 0;
    for (pugi::xml_node child = firstElementChild(root); child; child = nextElementSibling(child)) {
        if (isElement(child, kAtomNs, "entry")) {
            parser.parse(child, ++position);
        }
    }
    return result;
}

} // namespace vw
