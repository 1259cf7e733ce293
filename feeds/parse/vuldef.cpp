#include "feeds/parse/vuldef.h"

#include "core/datetime.h"
#include "core/ids.h"
#include "core/text.h"
#include "feeds/parse/xml_stream.h"
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

bool containsIgnoreCase(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) {
        return false;
    }
    if (needle.empty()) {
        return true;
    }
    // Only where the first character matches (a source name is read for "(CVE)" and "(NVD)"
    // in every RelatedItem: comparing at every offset was 2.5 million calls a 10,000-entry
    // file).
    const char first = toLower(needle.front());
    if (first < 'a' || first > 'z') {
        // Not a letter ("(CVE)"): memchr finds each place it could start.
        for (std::size_t i = haystack.find(first);
             i != std::string_view::npos && i + needle.size() <= haystack.size();
             i = haystack.find(first, i + 1)) {
            if (equalsIgnoreCase(haystack.substr(i, needle.size()), needle)) {
                return true;
            }
        }
        return false;
    }
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        if (toLower(haystack[i]) == first &&
            equalsIgnoreCase(haystack.substr(i, needle.size()), needle)) {
            return true;
        }
    }
    return false;
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
            if (line.find('\r') == std::string_view::npos) {
                out.append(line); // nearly every line: appended whole, not a byte at a time
            } else {
                for (char c : line) {
                    if (c != '\r') {
                        out.push_back(c);
                    }
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
    // Two memchr scans, not find_first_of("<&"), which calls memchr on the set once per
    // character of the text (2.9 million calls a VULDEF file, callgrind).
    if (html.find('<') == std::string_view::npos && html.find('&') == std::string_view::npos) {
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
        for (char n : leadingXmlName(html.substr(i + (closing ? 2 : 1), gt - i))) {
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
    return firstInElements(top, [&ns](pugi::xml_node node) -> std::string {
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
        return "";
    });
}

} // namespace

struct VuldefStreamParser::Impl {
    RecordSink records;
    ProblemSink problems;
    std::optional<MyJvnStatus> status;

    XmlChildStream stream{
        XmlChildStream::Names{"VULDEF", std::string(kRootName), "Vulinfo"},
        [this](std::string_view encoding) {
            if (!encoding.empty() && !isUtf8EncodingLabel(encoding)) {
                stream.fail("unsupported document encoding " + quoted(encoding) +
                            " (VULDEF documents are UTF-8)");
            }
            return true;
        },
        [this](pugi::xml_node root, std::size_t) {
            checkRoot(root);
            return true;
        },
        [this](std::string_view text, std::size_t offset) { handleChild(text, offset); }};

    std::string at(std::size_t offset) const { return XmlChildStream::at(offset); }

    void checkRoot(pugi::xml_node root) {
        const std::string& rootName = stream.rootName();
        const std::optional<std::string_view> ns = lookupNamespace(root, prefixOf(rootName));
        if (!ns) {
            stream.fail("namespace error: prefix " + quoted(prefixOf(rootName)) + " of <" +
                        rootName + "> is not declared");
        }
        if (localOf(rootName) != kRootName || *ns != kVuldefNs) {
            stream.fail("not a VULDEF document: the root element is <" + rootName +
                        "> in namespace " + quoted(*ns) + ", expected VULDEF-Document in " +
                        quoted(kVuldefNs));
        }
    }

    void handleChild(std::string_view text, std::size_t start) {
        const std::string_view rawName = leadingXmlName(text.substr(1));
        const bool isVulinfo = localOf(rawName) == "Vulinfo";
        if (isVulinfo) {
            stream.countItem();
        }
        const std::size_t items = stream.items();
        std::string error;
        const pugi::xml_node node = stream.parseChild(text, start, error);
        if (!node && !error.empty()) {
            if (isVulinfo) {
                problem(rawVulinfoId(text), items,
                        error + "; Vulinfo skipped (Vulinfo at byte offset " +
                            std::to_string(start) + ")");
                return;
            }
            stream.fail(error + " in <" + std::string(rawName) + ">");
        }
        if (!node) {
            if (isVulinfo) {
                problem(rawVulinfoId(text), items, "Vulinfo is not one element; skipped");
                return;
            }
            stream.fail("not well-formed XML in <" + std::string(rawName) + ">" + at(start));
        }
        const Namespaces namespaces(stream.rootNamespaces(),
                                    text.find("xmlns") != std::string_view::npos);
        const std::string nsError = undeclaredPrefix(node, namespaces);
        if (!nsError.empty()) {
            if (isVulinfo) {
                problem(rawVulinfoId(text), items,
                        "namespace error: " + nsError + "; Vulinfo skipped" + at(start));
                return;
            }
            stream.fail("namespace error: " + nsError + at(start));
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

    /// A child larger than the record limit, skipped unread: a Vulinfo is a problem, anything
    /// else the end of the document.
    void handleOversize(std::string_view head, std::size_t start, std::size_t bytes) {
        const std::string_view rawName =
            leadingXmlName(head.substr(std::min<std::size_t>(1, head.size())));
        const std::string limit = "more than the record limit of " +
                                  std::to_string(stream.limits().maxRecordBytes) +
                                  " bytes (max_record_bytes)";
        if (localOf(rawName) != "Vulinfo") {
            stream.fail("<" + std::string(rawName) + "> is " + std::to_string(bytes) + " bytes, " +
                        limit + at(start));
        }
        stream.countItem();
        problem(rawVulinfoId(head), stream.items(),
                "Vulinfo is " + std::to_string(bytes) + " bytes, " + limit +
                    "; Vulinfo skipped (Vulinfo at byte offset " + std::to_string(start) + ")");
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

    void finish() {
        stream.finish();
        if (status && status->retCd != 0) {
            stream.fail("MyJVN API error (retCd=" + std::to_string(status->retCd) +
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
    VulinfoReader reader(position, stream.lang(), problems, namespaces);
    std::optional<Advisory> record = reader.read(vulinfo);
    if (record && records) {
        records(std::move(*record));
    }
}

VuldefStreamParser::VuldefStreamParser(RecordSink records, ProblemSink problems)
    : impl_(std::make_unique<Impl>()) {
    impl_->records = std::move(records);
    impl_->problems = std::move(problems);
    impl_->stream.onOversize(
        [impl = impl_.get()](std::string_view head, std::size_t offset, std::size_t bytes) {
            impl->handleOversize(head, offset, bytes);
        });
}

VuldefStreamParser::~VuldefStreamParser() = default;

void VuldefStreamParser::feed(std::string_view bytes) {
    impl_->stream.feed(bytes);
}

void VuldefStreamParser::finish() {
    impl_->finish();
}

std::size_t VuldefStreamParser::itemsSeen() const {
    return impl_->stream.items();
}

std::size_t VuldefStreamParser::bufferedBytes() const {
    return impl_->stream.bufferedBytes();
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
