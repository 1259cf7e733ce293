#include "feeds/parse/csaf.h"

#include "core/ids.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <simdjson.h>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vw {
namespace {

namespace sj = simdjson::dom;

/// What is wrong with one vulnerability (caught in parseCsaf: an ItemProblem).
class BadVulnerability : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string_view withoutBom(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
        text.remove_prefix(3);
    }
    return text;
}

/// The string member `key` of `object`, trimmed; "" when absent or not a string.
std::string text(sj::object object, std::string_view key) {
    std::string_view value;
    if (object[key].get(value) != simdjson::SUCCESS) {
        return {};
    }
    return std::string(trim(value));
}

/// The elements of the array member `key`; none when it is absent or not an array (a
/// default-constructed simdjson array must not be iterated).
std::vector<sj::element> arrayOf(sj::object object, std::string_view key) {
    std::vector<sj::element> out;
    sj::array array;
    if (object[key].get(array) == simdjson::SUCCESS) {
        for (sj::element element : array) {
            out.push_back(element);
        }
    }
    return out;
}

bool objectOf(sj::object object, std::string_view key, sj::object& out) {
    return object[key].get(out) == simdjson::SUCCESS;
}

/// A product of the tree as matching needs it.
struct ProductInfo {
    std::string vendor;
    std::string product;
    std::string version;
    std::string cpe;
    std::string name; // the product's full name
};

using ProductIndex = std::map<std::string, ProductInfo>;

std::string cpeOf(sj::object product) {
    sj::object helper;
    if (!objectOf(product, "product_identification_helper", helper)) {
        return {};
    }
    return text(helper, "cpe");
}

void addProduct(ProductIndex& index, sj::object product, const ProductInfo& context) {
    const std::string id = text(product, "product_id");
    if (id.empty()) {
        return;
    }
    ProductInfo info = context;
    info.name = text(product, "name");
    info.cpe = cpeOf(product);
    if (info.product.empty()) {
        info.product = info.name;
    }
    index.emplace(id, std::move(info));
}

/// Walks `branches` (at most 30 deep, as documents are; deeper ones are not read) keeping the
/// vendor, product name and version their categories say.
void walkBranches(ProductIndex& index, const std::vector<sj::element>& branches,
                  const ProductInfo& context, int depth) {
    if (depth > 30) {
        return;
    }
    for (sj::element element : branches) {
        sj::object branch;
        if (element.get(branch) != simdjson::SUCCESS) {
            continue;
        }
        ProductInfo here = context;
        const std::string category = text(branch, "category");
        const std::string name = text(branch, "name");
        if (category == "vendor") {
            here.vendor = name;
        } else if (category == "product_name") {
            here.product = name;
        } else if (category == "product_version" || category == "product_version_range") {
            here.version = name;
        }
        sj::object product;
        if (objectOf(branch, "product", product)) {
            addProduct(index, product, here);
        }
        walkBranches(index, arrayOf(branch, "branches"), here, depth + 1);
    }
}

ProductIndex productIndex(sj::object root) {
    ProductIndex index;
    sj::object tree;
    if (!objectOf(root, "product_tree", tree)) {
        return index;
    }
    walkBranches(index, arrayOf(tree, "branches"), ProductInfo{}, 0);
    for (sj::element element : arrayOf(tree, "full_product_names")) {
        sj::object product;
        if (element.get(product) == simdjson::SUCCESS) {
            addProduct(index, product, ProductInfo{});
        }
    }
    // "X default_component_of Y": the combined product is component X as the tree names it.
    for (sj::element element : arrayOf(tree, "relationships")) {
        sj::object relationship;
        sj::object product;
        if (element.get(relationship) != simdjson::SUCCESS ||
            !objectOf(relationship, "full_product_name", product)) {
            continue;
        }
        const std::string id = text(product, "product_id");
        const auto component = index.find(text(relationship, "product_reference"));
        if (id.empty() || component == index.end()) {
            continue;
        }
        ProductInfo info = component->second;
        info.name = text(product, "name");
        if (const std::string cpe = cpeOf(product); !cpe.empty()) {
            info.cpe = cpe;
        }
        index.emplace(id, std::move(info));
    }
    return index;
}

/// "HIGH" → "High", as the other sources state severities.
std::string severityText(std::string_view severity) {
    std::string out(trim(severity));
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto c = static_cast<unsigned char>(out[i]);
        out[i] = static_cast<char>(i == 0 ? std::toupper(c) : std::tolower(c));
    }
    return out;
}

void addCvss(std::vector<Cvss>& out, sj::object score, std::string_view fallbackVersion) {
    Cvss cvss;
    cvss.version = text(score, "version");
    if (cvss.version.empty()) {
        cvss.version = std::string(fallbackVersion);
    }
    cvss.vector = text(score, "vectorString");
    double base = 0.0;
    if (score["baseScore"].get(base) != simdjson::SUCCESS || !(base >= 0.0) || base > 10.0) {
        return; // no usable score
    }
    cvss.score = base;
    cvss.severity = severityText(text(score, "baseSeverity"));
    for (const Cvss& known : out) {
        if (known.version == cvss.version && known.vector == cvss.vector) {
            return;
        }
    }
    out.push_back(std::move(cvss));
}

void addCvssOf(std::vector<Cvss>& out, sj::object holder) {
    sj::object score;
    if (objectOf(holder, "cvss_v4", score)) {
        addCvss(out, score, "4.0");
    }
    if (objectOf(holder, "cvss_v3", score)) {
        addCvss(out, score, "3.1");
    }
    if (objectOf(holder, "cvss_v2", score)) {
        addCvss(out, score, "2.0");
    }
}

void addReferences(std::vector<Reference>& out, const std::vector<sj::element>& references) {
    for (sj::element element : references) {
        sj::object reference;
        if (element.get(reference) != simdjson::SUCCESS) {
            continue;
        }
        const std::string url = text(reference, "url");
        if (!url.empty()) {
            out.push_back(Reference{"CSAF", text(reference, "summary"), url});
        }
    }
}

void addCwe(std::vector<Reference>& out, sj::object cwe) {
    const std::string id = text(cwe, "id");
    if (id.size() > 4 && id.starts_with("CWE-")) {
        out.push_back(
            Reference{"", id, "https://cwe.mitre.org/data/definitions/" + id.substr(4) + ".html"});
    }
}

/// The document-level facts every record of the document shares.
struct DocumentFacts {
    std::string trackingId;
    std::string title;
    std::string url; // the `self` reference
    std::optional<DateTime> published;
    std::optional<DateTime> modified;
    std::vector<Reference> references;
    std::vector<std::string> aliases; // the tracking id when it is a known id
    bool withdrawn = false;
};

/// The products a status list names, resolved; unknown ids are collected in `unknown`.
std::vector<const ProductInfo*> productsOf(sj::object status, std::string_view key,
                                           const ProductIndex& index,
                                           std::set<std::string>& unknown) {
    std::vector<const ProductInfo*> out;
    for (sj::element element : arrayOf(status, key)) {
        std::string_view id;
        if (element.get(id) != simdjson::SUCCESS) {
            continue;
        }
        const auto found = index.find(std::string(trim(id)));
        if (found == index.end()) {
            unknown.insert(std::string(trim(id)));
        } else {
            out.push_back(&found->second);
        }
    }
    return out;
}

std::string productLabel(const ProductInfo& p) {
    if (!p.name.empty()) {
        return p.name;
    }
    std::string label = p.vendor;
    for (const std::string* part : {&p.product, &p.version}) {
        if (!part->empty()) {
            label += (label.empty() ? "" : " ") + *part;
        }
    }
    return label;
}

/// One vulnerability's own fields: everything but the id (the caller decides it).
struct VulnerabilityFacts {
    std::string cve; // "" when none
    std::string title;
    std::vector<std::string> notes;
    std::vector<std::string> statusLines; // fixed, not affected, …
    std::vector<std::string> remediations;
    std::vector<Cvss> cvss;
    std::vector<AffectedItem> affected;
    std::vector<std::string> cpes;
    std::vector<Reference> references;
    std::vector<std::string> ids;
};

VulnerabilityFacts readVulnerability(sj::object v, const ProductIndex& index,
                                     std::vector<std::string>& warnings) {
    VulnerabilityFacts f;
    sj::element cveElement;
    if (v["cve"].get(cveElement) == simdjson::SUCCESS && !cveElement.is_null()) {
        std::string_view raw;
        if (cveElement.get(raw) != simdjson::SUCCESS) {
            throw BadVulnerability("cve is not a string");
        }
        const auto id = normalizeId(raw);
        if (!id || idKind(*id) != IdKind::Cve) {
            throw BadVulnerability("cve '" + std::string(trim(raw)) +
                                   "' is not a CVE id (CVE-YYYY-NNNN)");
        }
        f.cve = *id;
    }
    f.title = text(v, "title");
    std::string cweName;
    sj::object cwe;
    if (objectOf(v, "cwe", cwe)) {
        cweName = text(cwe, "name");
        addCwe(f.references, cwe);
    }
    for (sj::element element : arrayOf(v, "cwes")) { // CSAF 2.1
        if (element.get(cwe) == simdjson::SUCCESS) {
            if (cweName.empty()) {
                cweName = text(cwe, "name");
            }
            addCwe(f.references, cwe);
        }
    }
    if (f.title.empty()) {
        f.title = cweName;
    }
    for (const char* category : {"summary", "description", "details", "general"}) {
        for (sj::element element : arrayOf(v, "notes")) {
            sj::object note;
            if (element.get(note) == simdjson::SUCCESS && text(note, "category") == category) {
                if (const std::string t = text(note, "text"); !t.empty()) {
                    f.notes.push_back(t);
                }
            }
        }
    }
    for (sj::element element : arrayOf(v, "scores")) { // CSAF 2.0
        sj::object score;
        if (element.get(score) == simdjson::SUCCESS) {
            addCvssOf(f.cvss, score);
        }
    }
    for (sj::element element : arrayOf(v, "metrics")) { // CSAF 2.1
        sj::object metric;
        sj::object content;
        if (element.get(metric) == simdjson::SUCCESS && objectOf(metric, "content", content)) {
            addCvssOf(f.cvss, content);
        }
    }

    std::set<std::string> unknown;
    sj::object status;
    if (objectOf(v, "product_status", status)) {
        std::map<std::pair<std::string, std::string>, std::size_t> items; // (vendor, product)
        for (const char* key : {"known_affected", "first_affected", "last_affected"}) {
            for (const ProductInfo* p : productsOf(status, key, index, unknown)) {
                const auto itemKey = std::make_pair(p->vendor, p->product + "\n" + p->cpe);
                auto [at, added] = items.emplace(itemKey, f.affected.size());
                if (added) {
                    f.affected.push_back(AffectedItem{p->vendor, p->product, p->cpe, {}});
                }
                auto& versions = f.affected[at->second].versions;
                if (!p->version.empty() &&
                    std::find(versions.begin(), versions.end(), p->version) == versions.end()) {
                    versions.push_back(p->version);
                }
                if (!p->cpe.empty() &&
                    std::find(f.cpes.begin(), f.cpes.end(), p->cpe) == f.cpes.end()) {
                    f.cpes.push_back(p->cpe);
                }
            }
        }
        const std::pair<const char*, const char*> others[] = {
            {"fixed", "Fixed"},
            {"first_fixed", "Fixed"},
            {"known_not_affected", "Not affected"},
            {"under_investigation", "Under investigation"},
            {"recommended", "Recommended"},
        };
        for (const auto& [key, label] : others) {
            std::string line;
            for (const ProductInfo* p : productsOf(status, key, index, unknown)) {
                line += (line.empty() ? "" : ", ") + productLabel(*p);
            }
            if (!line.empty()) {
                f.statusLines.push_back(std::string(label) + ": " + line);
            }
        }
    }
    for (sj::element element : arrayOf(v, "remediations")) {
        sj::object remediation;
        if (element.get(remediation) != simdjson::SUCCESS) {
            continue;
        }
        std::string line = "Remediation (" + text(remediation, "category") + "): ";
        line += text(remediation, "details");
        if (const std::string url = text(remediation, "url"); !url.empty()) {
            line += " " + url;
        }
        f.remediations.push_back(std::move(line));
    }
    addReferences(f.references, arrayOf(v, "references"));
    for (sj::element element : arrayOf(v, "ids")) {
        sj::object id;
        if (element.get(id) == simdjson::SUCCESS) {
            if (const auto normalized = normalizeId(text(id, "text"))) {
                f.ids.push_back(*normalized);
            }
        }
    }
    if (!unknown.empty()) {
        std::string list;
        for (const auto& id : unknown) {
            list += (list.empty() ? "" : ", ") + id;
        }
        warnings.push_back("product_status names products the product tree does not define: " +
                           list);
    }
    return f;
}

/// The record of one vulnerability (or of the document's vulnerabilities without a CVE).
Advisory recordOf(const DocumentFacts& doc, const std::string& id,
                  const std::vector<const VulnerabilityFacts*>& parts) {
    Advisory record;
    record.source = "csaf";
    record.id = id;
    record.title = doc.title;
    record.url = doc.url;
    record.published = doc.published;
    record.modified = doc.modified;
    record.withdrawn = doc.withdrawn;
    record.aliases = doc.aliases;
    std::vector<std::string> summary;
    std::vector<std::string> extra;
    for (const VulnerabilityFacts* f : parts) {
        if (parts.size() == 1 && !f->title.empty()) {
            record.title += (record.title.empty() ? "" : ": ") + f->title;
        }
        summary.insert(summary.end(), f->notes.begin(), f->notes.end());
        extra.insert(extra.end(), f->statusLines.begin(), f->statusLines.end());
        extra.insert(extra.end(), f->remediations.begin(), f->remediations.end());
        for (const Cvss& c : f->cvss) {
            record.cvss.push_back(c);
        }
        for (const AffectedItem& item : f->affected) {
            const auto same = std::find_if(
                record.affected.begin(), record.affected.end(), [&](const AffectedItem& known) {
                    return known.vendor == item.vendor && known.product == item.product &&
                           known.cpe == item.cpe;
                });
            if (same == record.affected.end()) {
                record.affected.push_back(item);
                continue;
            }
            for (const std::string& version : item.versions) {
                if (std::find(same->versions.begin(), same->versions.end(), version) ==
                    same->versions.end()) {
                    same->versions.push_back(version);
                }
            }
        }
        for (const auto& cpe : f->cpes) {
            if (std::find(record.cpes.begin(), record.cpes.end(), cpe) == record.cpes.end()) {
                record.cpes.push_back(cpe);
            }
        }
        if (!f->cve.empty()) {
            record.references.push_back(
                Reference{"CVE", f->cve, "https://www.cve.org/CVERecord?id=" + f->cve});
        }
        record.references.insert(record.references.end(), f->references.begin(),
                                 f->references.end());
        record.aliases.insert(record.aliases.end(), f->ids.begin(), f->ids.end());
    }
    record.references.insert(record.references.end(), doc.references.begin(), doc.references.end());
    record.summary = join(summary, "\n\n");
    if (!extra.empty()) {
        record.summary += (record.summary.empty() ? "" : "\n\n") + join(extra, "\n");
    }
    canonicalizeAliases(record.aliases, record.id);
    return record;
}

sj::object documentObject(sj::parser& parser, const simdjson::padded_string& padded,
                          sj::object& root) {
    sj::element element;
    if (const auto error = parser.parse(padded).get(element); error != simdjson::SUCCESS) {
        throw ParseError(std::string("not a CSAF document: not JSON: ") +
                         simdjson::error_message(error));
    }
    if (element.get(root) != simdjson::SUCCESS) {
        throw ParseError("not a CSAF document: not a JSON object");
    }
    sj::object document;
    if (!objectOf(root, "document", document)) {
        throw ParseError("not a CSAF document: no \"document\" object");
    }
    return document;
}

} // namespace

bool looksLikeCsaf(std::string_view content) {
    content = withoutBom(content);
    const auto first = content.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || content[first] != '{') {
        return false;
    }
    return content.substr(first, 64 * 1024).find("\"csaf_version\"") != std::string_view::npos;
}

std::string csafTrackingId(std::string_view json) {
    try {
        sj::parser parser;
        const simdjson::padded_string padded(withoutBom(json));
        sj::object root;
        sj::object document = documentObject(parser, padded, root);
        sj::object tracking;
        return objectOf(document, "tracking", tracking) ? text(tracking, "id") : std::string();
    } catch (const ParseError&) {
        return {};
    }
}

ParseResult parseCsaf(std::string_view json) {
    sj::parser parser;
    const simdjson::padded_string padded(withoutBom(json));
    sj::object root;
    sj::object document = documentObject(parser, padded, root);
    const std::string version = text(document, "csaf_version");
    if (version != "2.0" && version != "2.1") {
        throw ParseError("not a CSAF 2.0 document: document.csaf_version is " +
                         (version.empty() ? std::string("missing") : "'" + version + "'"));
    }
    sj::object tracking;
    if (!objectOf(document, "tracking", tracking) || text(tracking, "id").empty()) {
        throw ParseError("CSAF document without document.tracking.id");
    }
    sj::element vulnerabilitiesElement;
    sj::array list;
    if (root["vulnerabilities"].get(vulnerabilitiesElement) == simdjson::SUCCESS &&
        vulnerabilitiesElement.get(list) != simdjson::SUCCESS) {
        throw ParseError("CSAF document " + text(tracking, "id") +
                         ": \"vulnerabilities\" is not an array");
    }
    const std::vector<sj::element> vulnerabilities = arrayOf(root, "vulnerabilities");

    DocumentFacts doc;
    doc.trackingId = text(tracking, "id");
    doc.title = text(document, "title");
    doc.published = parseIsoDateTime(text(tracking, "initial_release_date"), 0);
    doc.modified = parseIsoDateTime(text(tracking, "current_release_date"), 0);
    doc.withdrawn = text(document, "category") == "csaf_withdrawn";
    std::string upper = doc.trackingId;
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (isCisaIcsAdvisoryId(upper)) {
        doc.aliases.push_back(upper);
    } else if (const auto known = normalizeId(doc.trackingId)) {
        doc.aliases.push_back(*known);
    }
    // The `self` reference for people (CISA's web version) before the one to the JSON itself.
    std::string selfJson;
    for (sj::element element : arrayOf(document, "references")) {
        sj::object reference;
        if (element.get(reference) == simdjson::SUCCESS && text(reference, "category") == "self") {
            const std::string url = text(reference, "url");
            std::string& slot = url.ends_with(".json") ? selfJson : doc.url;
            if (slot.empty()) {
                slot = url;
            }
        }
    }
    if (doc.url.empty()) {
        doc.url = selfJson;
    }
    addReferences(doc.references, arrayOf(document, "references"));
    const ProductIndex index = productIndex(root);

    ParseResult result;
    std::vector<VulnerabilityFacts> facts;
    std::set<std::string> seen;
    std::size_t position = 0;
    for (sj::element element : vulnerabilities) {
        ++position;
        std::string itemId;
        try {
            sj::object v;
            if (element.get(v) != simdjson::SUCCESS) {
                throw BadVulnerability("not an object");
            }
            std::vector<std::string> warnings;
            VulnerabilityFacts f = readVulnerability(v, index, warnings);
            itemId = f.cve;
            for (auto& warning : warnings) {
                result.problems.push_back({itemId, position, std::move(warning)});
            }
            if (!f.cve.empty() && !seen.insert(f.cve).second) {
                throw BadVulnerability(f.cve + " is listed twice; the first is kept");
            }
            facts.push_back(std::move(f));
        } catch (const BadVulnerability& problem) {
            result.problems.push_back({itemId, position,
                                       "CSAF " + doc.trackingId + " vulnerability " +
                                           std::to_string(position) + ": " + problem.what()});
        }
    }
    std::vector<const VulnerabilityFacts*> withoutCve;
    for (const VulnerabilityFacts& f : facts) {
        if (f.cve.empty()) {
            withoutCve.push_back(&f);
        } else {
            result.records.push_back(recordOf(doc, f.cve, {&f}));
        }
    }
    if (!withoutCve.empty()) {
        result.records.push_back(recordOf(doc, doc.trackingId, withoutCve));
    }
    return result;
}

} // namespace vw
