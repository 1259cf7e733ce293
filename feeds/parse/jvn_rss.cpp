#include "feeds/parse/jvn_rss.h"

#include "core/datetime.h"
#include "core/ids.h"
#include "core/text.h"
#include "feeds/parse/xml_stream.h"
#include "feeds/parse/xml_util.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <utility>
#include <vector>

namespace vw {

namespace {

constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kRssNs = "http://purl.org/rss/1.0/";
constexpr std::string_view kDcNs = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDctermsNs = "http://purl.org/dc/terms/";
constexpr std::string_view kMyJvnChannel = "https://jvndb.jvn.jp/apis/myjvn";

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

class ItemParser : private ItemParserBase {
public:
    ItemParser(std::string source, ParseResult& result)
        : ItemParserBase(result), source_(std::move(source)) {}

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
};

} // namespace

ParseResult parseJvnRss(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_node root = loadDocument(doc, xml);
    const pugi::xml_node status = findMyJvnStatus(root);
    throwIfMyJvnError(status);

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
        if (isStatusOnly(root, status)) {
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

struct JvnRssStreamParser::Impl {
    enum class Mode { Probing, Streaming, Whole };

    RecordSink records;
    ProblemSink problems;
    Mode mode = Mode::Probing;
    std::string whole; // the bytes so far, until the root is accepted (all of them when Whole)
    std::size_t wholeItems = 0;

    bool channelSeen = false;
    bool myJvnChannel = false;
    std::optional<MyJvnStatus> status;
    std::vector<Advisory> held; // records of items before the channel, source to be decided
    ParseResult scratch;        // one item's output

    XmlChildStream stream{
        XmlChildStream::Names{"RSS 1.0", "rdf:RDF", "item"},
        [](std::string_view encoding) { return encoding.empty() || isUtf8EncodingLabel(encoding); },
        [this](pugi::xml_node root, std::size_t end) { return acceptRoot(root, end); },
        [this](std::string_view text, std::size_t offset) { handleChild(text, offset); }};

    /// Streams only what parseJvnRss() would read the same way: rdf:RDF whose prolog and start
    /// tag pass loadDocument() (declaration, encoding, namespaces). Anything else is parsed
    /// whole at the end.
    bool acceptRoot(pugi::xml_node root, std::size_t end) {
        if (localOf(root.name()) != "RDF" ||
            lookupNamespace(root, prefixOf(root.name())).value_or(std::string_view()) != kRdfNs ||
            end > whole.size()) {
            return false;
        }
        std::string head = whole.substr(0, end);
        if (head.size() < 2 || head[head.size() - 2] != '/') {
            head.append("</").append(root.name()).append(">");
        }
        try {
            pugi::xml_document doc;
            loadDocument(doc, head);
        } catch (const ParseError&) {
            return false;
        }
        return true;
    }

    void feed(std::string_view bytes) {
        if (mode == Mode::Whole) {
            whole.append(bytes);
            return;
        }
        if (mode == Mode::Streaming) {
            stream.feed(bytes);
            return;
        }
        whole.append(bytes);
        try {
            stream.feed(bytes);
        } catch (const ParseError&) {
            if (stream.rootSeen() && !stream.rejected()) {
                throw; // the document is streamed, and broken from here
            }
            mode = Mode::Whole; // parseJvnRss() gives the exact error (or reads it after all)
            return;
        }
        if (stream.rejected()) {
            mode = Mode::Whole;
        } else if (stream.rootSeen()) {
            mode = Mode::Streaming;
            std::string().swap(whole);
        }
    }

    void finish() {
        if (mode == Mode::Probing) {
            try {
                stream.finish();
            } catch (const ParseError&) {
                // not even a root: parseJvnRss() says why
            }
            mode = Mode::Whole;
        }
        if (mode == Mode::Whole) {
            ParseResult result = parseJvnRss(whole);
            std::string().swap(whole);
            status = result.status;
            wholeItems = result.records.size() + result.problems.size();
            for (ItemProblem& problem : result.problems) {
                problems(std::move(problem));
            }
            for (Advisory& record : result.records) {
                records(std::move(record));
            }
            return;
        }
        stream.finish();
        if (!channelSeen) {
            if (status && stream.children() == 1) {
                return; // a MyJVN response with no matches: nothing but the status
            }
            stream.fail("not an RSS 1.0 document: expected rdf:RDF with an RSS channel, found <" +
                        stream.rootName() + "> in namespace " + quoted(kRdfNs));
        }
    }

    std::string source() const { return myJvnChannel || status ? "myjvn" : "jvn-rss"; }

    /// An item over the record limit is skipped with a problem; anything else that large ends
    /// the document.
    void handleOversize(std::string_view head, std::size_t offset, std::size_t bytes) {
        const std::string_view rawName =
            leadingXmlName(head.substr(std::min<std::size_t>(1, head.size())));
        const std::string message = "<" + std::string(rawName) + "> is " + std::to_string(bytes) +
                                    " bytes, more than the record limit of " +
                                    std::to_string(stream.limits().maxRecordBytes) +
                                    " bytes (max_record_bytes)";
        if (localOf(rawName) != "item") {
            stream.fail(message + XmlChildStream::at(offset));
        }
        stream.countItem();
        problems(ItemProblem{"", stream.items(),
                             message + "; item skipped" + XmlChildStream::at(offset)});
    }

    void handleChild(std::string_view text, std::size_t offset) {
        std::string error;
        const pugi::xml_node node = stream.parseChild(text, offset, error);
        if (!node && stream.childRefused() && localOf(leadingXmlName(text.substr(1))) == "item") {
            // A forbidden character or an oversized field: this item alone is bad.
            stream.countItem();
            problems(ItemProblem{"", stream.items(), error + "; item skipped"});
            return;
        }
        if (!node) {
            stream.fail(error.empty() ? "not well-formed XML" + XmlChildStream::at(offset) : error);
        }
        try {
            checkNamespaces(node.parent(), XmlChildStream::at(offset));
        } catch (const ParseError& e) {
            stream.fail(e.what());
        }
        if (isElement(node, kRssNs, "item")) {
            stream.countItem();
            readItem(node);
        } else if (isElement(node, kRssNs, "channel")) {
            if (!channelSeen) {
                channelSeen = true;
                myJvnChannel = trim(qualifiedAttribute(node, kRdfNs, "about")) == kMyJvnChannel;
                release();
            }
        } else if (isElement(node, kMyJvnStatusNs, "Status")) {
            if (!status) {
                try {
                    throwIfMyJvnError(node);
                } catch (const ParseError& e) {
                    stream.fail(e.what());
                }
                status = readMyJvnStatus(node);
            }
        }
    }

    void readItem(pugi::xml_node item) {
        scratch.records.clear();
        scratch.problems.clear();
        ItemParser parser(channelSeen ? source() : std::string(), scratch);
        parser.parse(item, stream.items());
        for (ItemProblem& problem : scratch.problems) {
            problems(std::move(problem));
        }
        for (Advisory& record : scratch.records) {
            if (channelSeen) {
                records(std::move(record));
            } else {
                held.push_back(std::move(record));
            }
        }
    }

    /// The channel has come: the held records get their source and go out.
    void release() {
        for (Advisory& record : held) {
            if (record.source.empty()) {
                record.source = source();
            }
            records(std::move(record));
        }
        held.clear();
    }
};

JvnRssStreamParser::JvnRssStreamParser(RecordSink records, ProblemSink problems)
    : impl_(std::make_unique<Impl>()) {
    impl_->records = std::move(records);
    impl_->problems = std::move(problems);
    impl_->stream.onOversize(
        [impl = impl_.get()](std::string_view head, std::size_t offset, std::size_t bytes) {
            impl->handleOversize(head, offset, bytes);
        });
}

JvnRssStreamParser::~JvnRssStreamParser() = default;

void JvnRssStreamParser::feed(std::string_view bytes) {
    impl_->feed(bytes);
}

void JvnRssStreamParser::finish() {
    impl_->finish();
}

std::size_t JvnRssStreamParser::itemsSeen() const {
    return impl_->mode == Impl::Mode::Whole ? impl_->wholeItems : impl_->stream.items();
}

std::size_t JvnRssStreamParser::bufferedBytes() const {
    return impl_->whole.capacity() + impl_->stream.bufferedBytes();
}

std::optional<MyJvnStatus> JvnRssStreamParser::status() const {
    return impl_->status;
}

} // namespace vw
