#include "core/vex.h"

#include "core/cpe.h"
#include "core/json_writer.h"
#include "core/purl.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <regex>
#include <set>

namespace vw {

namespace {

// --- small helpers -------------------------------------------------------------------------

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char ch : text) {
        h ^= static_cast<unsigned char>(ch);
        h *= 1099511628211ULL;
    }
    return h;
}

std::string hex12(std::uint64_t value) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return std::string(buf, 12);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            out += sep;
        }
        out += p;
    }
    return out;
}

/// Whitespace at either end removed, runs of whitespace inside made one space (CSAF strings
/// with a pattern refuse leading and trailing whitespace).
std::string tidy(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char ch : text) {
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += ch;
    }
    return out;
}

bool isJa(const VexInput& in) {
    return in.lang != "en";
}

std::string tr(const VexInput& in, std::string_view ja, std::string_view en) {
    return std::string(isJa(in) ? ja : en);
}

std::string productLabel(const std::string& product, const std::string& version) {
    return version.empty() ? product : product + " " + version;
}

/// CSAF 2.0 mandatory test 6.1.31 refuses product_version names that read as ranges.
bool looksLikeRange(const std::string& version) {
    std::string lower;
    for (const char ch : version) {
        lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    if (lower.find('<') != std::string::npos || lower.find('>') != std::string::npos) {
        return true;
    }
    static const std::set<std::string> words = {"after", "all",   "before",  "earlier",
                                                "later", "prior", "versions"};
    std::string word;
    for (std::size_t i = 0; i <= lower.size(); ++i) {
        if (i == lower.size() || lower[i] == ' ' || lower[i] == '\t') {
            if (words.count(word) != 0) {
                return true;
            }
            word.clear();
        } else {
            word += lower[i];
        }
    }
    return false;
}

// The patterns of the CSAF 2.0 JSON schema for the identification helpers.
const std::regex& cpePattern() {
    static const std::regex re(
        R"(^((cpe:2\.3:[aho\*\-](:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#\$%&'\(\)\+,/:;<=>@\[\]\^`\{\|\}~]))+(\?*|\*?))|[\*\-])){5}(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))(:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#\$%&'\(\)\+,/:;<=>@\[\]\^`\{\|\}~]))+(\?*|\*?))|[\*\-])){4})|([c][pP][eE]:/[AHOaho]?(:[A-Za-z0-9\._\-~%]*){0,6}))$)");
    return re;
}

bool validCpe(const std::string& cpe) {
    return std::regex_match(cpe, cpePattern());
}

/// The first of `cpes` the schema accepts as written, else the first that reads as a CPE and
/// whose 2.3 form it accepts; "" when none.
std::string chooseCpe(const std::vector<std::string>& cpes) {
    for (const auto& c : cpes) {
        if (validCpe(c)) {
            return c;
        }
    }
    for (const auto& c : cpes) {
        if (const auto parsed = parseCpe(c)) {
            std::string formatted = toCpe23(*parsed);
            if (validCpe(formatted)) {
                return formatted;
            }
        }
    }
    return "";
}

/// The purl when it reads as one and has the schema's form (pkg:TYPE/…), else "".
std::string choosePurl(const std::string& purl) {
    if (purl.empty() || !parsePurl(purl) || purl.rfind("pkg:", 0) != 0) {
        return "";
    }
    const std::size_t slash = purl.find('/', 4);
    if (slash == std::string::npos || slash == 4 || slash + 1 >= purl.size()) {
        return "";
    }
    const std::string type = purl.substr(4, slash - 4);
    for (std::size_t i = 0; i < type.size(); ++i) {
        const char ch = type[i];
        const bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        const bool digit = ch >= '0' && ch <= '9';
        if (!letter && ch != '.' && ch != '-' && ch != '+' && !(digit && i > 0)) {
            return "";
        }
    }
    return purl;
}

bool isCve(const std::string& id) {
    return id.rfind("CVE-", 0) == 0;
}

/// The system an id belongs to, for the vulnerability's `ids`.
std::string idSystem(const std::string& id) {
    if (id.rfind("JVNDB-", 0) == 0) {
        return "JVN iPedia";
    }
    if (id.rfind("JVN#", 0) == 0 || id.rfind("JVNVU#", 0) == 0 || id.rfind("JVNTA", 0) == 0) {
        return "JVN";
    }
    if (id.rfind("JPCERT-AT-", 0) == 0) {
        return "JPCERT/CC";
    }
    if (isCve(id)) {
        return "CVE";
    }
    return "vulnwatch";
}

std::string stateLabel(const VexInput& in, CaseState state) {
    return isJa(in) ? std::string(caseStateJapanese(state)) + " (" +
                          std::string(caseStateName(state)) + ")"
                    : std::string(caseStateName(state));
}

std::string field(const VexCaseInput& c, const std::string& name) {
    const auto it = c.fields.find(name);
    return it == c.fields.end() ? "" : tidy(it->second);
}

std::string justificationText(const VexInput& in, const std::string& label) {
    static const std::map<std::string, std::pair<std::string_view, std::string_view>> texts = {
        {"component_not_present",
         {"脆弱なコンポーネントは含まれていません。", "The vulnerable component is not present."}},
        {"vulnerable_code_not_present",
         {"脆弱なコードは含まれていません。", "The vulnerable code is not present."}},
        {"vulnerable_code_cannot_be_controlled_by_adversary",
         {"脆弱なコードは攻撃者が制御できません。",
          "The vulnerable code cannot be controlled by an adversary."}},
        {"vulnerable_code_not_in_execute_path",
         {"脆弱なコードは実行経路にありません。",
          "The vulnerable code is not in the execute path."}},
        {"inline_mitigations_already_exist",
         {"製品に組み込まれた緩和策があります。", "Inline mitigations already exist."}},
    };
    const auto it = texts.find(label);
    if (it == texts.end()) {
        return label;
    }
    return tr(in, it->second.first, it->second.second);
}

// --- the product tree ----------------------------------------------------------------------

struct Tree {
    std::vector<CsafProduct> versions;
    std::vector<CsafProduct> components;
    std::vector<CsafRelationship> relationships;
    std::map<std::pair<std::string, std::string>, std::string> versionIds; // (product, version)
    // (product, version) → "name@version" → relationship ids
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<std::string>>>
        componentsOf;
    std::set<std::string> ids;

    /// A new id from `base`: itself, or with "-2", "-3", … when taken (a hash collision).
    std::string uniqueId(const std::string& base) {
        std::string id = base;
        for (int n = 2; ids.count(id) != 0; ++n) {
            id = base + "-" + std::to_string(n);
        }
        ids.insert(id);
        return id;
    }

    std::string addVersion(const std::string& product, const std::string& version) {
        const auto key = std::make_pair(product, version);
        if (const auto it = versionIds.find(key); it != versionIds.end()) {
            return it->second;
        }
        CsafProduct p;
        p.id = uniqueId("VW-PV-" + hex12(fnv1a(product + '\n' + version)));
        p.name = productLabel(product, version);
        p.productName = product;
        p.version = version;
        versions.push_back(p);
        versionIds[key] = p.id;
        return p.id;
    }
};

std::string componentLabel(const Component& c) {
    std::string name = tidy(c.name);
    if (name.empty()) {
        name = !c.purl.empty() ? c.purl : (!c.cpes.empty() ? c.cpes.front() : "component");
    }
    const std::string version = tidy(c.version);
    return version.empty() ? name : name + " " + version;
}

Tree buildTree(const VexInput& in) {
    Tree tree;
    std::map<std::string, std::string> componentIds; // identity → id
    for (const auto& pv : in.products) {
        const std::string pvId = tree.addVersion(pv.product, pv.version);
        const std::string pvName = productLabel(pv.product, pv.version);
        auto& byName = tree.componentsOf[{pv.product, pv.version}];
        std::set<std::string> seen; // a component listed twice in one version is one
        for (const auto& c : pv.components) {
            CsafProduct comp;
            comp.name = componentLabel(c);
            comp.cpe = chooseCpe(c.cpes);
            comp.purl = choosePurl(c.purl);
            const std::string identity =
                comp.name + '\n' + comp.purl + '\n' + comp.cpe + '\n' + tidy(c.vendor);
            if (!seen.insert(identity).second) {
                continue;
            }
            std::string& compId = componentIds[identity];
            if (compId.empty()) {
                compId = tree.uniqueId("VW-C-" + hex12(fnv1a(identity)));
                comp.id = compId;
                tree.components.push_back(comp);
            }
            CsafRelationship rel;
            rel.productReference = compId;
            rel.relatesToReference = pvId;
            rel.product.id = tree.uniqueId(pvId + ":" + compId.substr(3));
            rel.product.name = comp.name + (isJa(in) ? " (" + pvName + " の構成要素)"
                                                     : " as a component of " + pvName);
            tree.relationships.push_back(rel);
            byName[tidy(c.name) + "@" + tidy(c.version)].push_back(rel.product.id);
        }
    }
    return tree;
}

void addStatus(CsafVulnerability& v, const std::string& status, const std::string& id) {
    auto& list = v.productStatus[status];
    if (std::find(list.begin(), list.end(), id) == list.end()) {
        list.push_back(id);
    }
}

void sortUnique(std::vector<std::string>& ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

/// The remediation of a known_affected case: (category, details).
std::pair<std::string, std::string> remediationOf(const VexInput& in, const VexCaseInput& c) {
    const std::string action = field(c, "action");
    const std::string remedy = field(c, "remedy");
    const std::string fixed = field(c, "fixed_version");
    const std::string target = field(c, "target_version");
    switch (c.state) {
    case CaseState::Responding:
        if (action == "fix") {
            return {"none_available",
                    isJa(in) ? "修正版" + (target.empty() ? "" : " " + target) +
                                   " を準備中です。提供まで製造販売業者の案内に従ってください。"
                             : "A fix is being prepared" +
                                   (target.empty() ? "" : " (target version " + target + ")") +
                                   "; follow the manufacturer's guidance until it is released."};
        }
        return {"none_available",
                tr(in, "緩和策を準備中です。提供まで製造販売業者の案内に従ってください。",
                   "A mitigation is being prepared; follow the manufacturer's guidance until it "
                   "is released.")};
    case CaseState::Informing:
    case CaseState::Closed: {
        std::string details = remedy;
        if (action == "fix" && !fixed.empty()) {
            details += (details.empty() ? "" : " ") +
                       (isJa(in) ? "修正版: " + fixed : "Fixed in version " + fixed + ".");
        }
        if (details.empty()) {
            details = tr(in, "対策が提供されています。", "A remedy is available.");
        }
        if (action == "mitigation") {
            return {"mitigation", details};
        }
        if (action == "compensating-control") {
            return {"workaround", details};
        }
        return {"vendor_fix", details};
    }
    case CaseState::RiskAccepted: {
        std::string details = field(c, "reason");
        const std::string expires = field(c, "expires");
        if (!expires.empty()) {
            details +=
                (details.empty() ? "" : " ") + (isJa(in) ? "(リスク受容の期限: " + expires + ")"
                                                         : "(risk accepted until " + expires + ")");
        }
        if (details.empty()) {
            details = tr(in, "リスクを受容しています。", "The risk is accepted.");
        }
        return {"no_fix_planned", details};
    }
    default:
        return {"none_available", tr(in, "対策はまだありません。", "No remedy yet.")};
    }
}

void addProductRef(std::vector<CsafProductRef>& refs, const std::string& category,
                   const std::string& details, const std::vector<std::string>& ids) {
    for (auto& r : refs) {
        if (r.category == category && r.details == details) {
            r.productIds.insert(r.productIds.end(), ids.begin(), ids.end());
            sortUnique(r.productIds);
            return;
        }
    }
    CsafProductRef r{category, details, ids};
    sortUnique(r.productIds);
    refs.push_back(std::move(r));
}

CsafVulnerability buildVulnerability(const VexInput& in, const VexVulnerabilityInput& vin,
                                     Tree& tree) {
    CsafVulnerability v;
    std::vector<std::string> ids = vin.ids;
    sortUnique(ids);
    for (const auto& id : ids) {
        if (v.cve.empty() && isCve(id)) {
            v.cve = id;
            continue;
        }
        v.ids.emplace_back(idSystem(id), id);
    }
    if (v.cve.empty() && v.ids.empty()) {
        v.ids.emplace_back("vulnwatch", vin.key);
    }
    v.title = tidy(vin.title);

    std::string summary = tidy(vin.summary);
    if (summary.empty()) {
        summary = v.title;
    }
    if (summary.empty()) {
        summary = tr(in, "(説明はありません)", "(no description)");
    }
    v.notes.push_back({"summary", tr(in, "概要", "Summary"), summary});

    for (const auto& link : vin.links) {
        const std::string& url = link.first;
        const std::string& what = link.second;
        if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
            continue;
        }
        // (a named reference, not the structured binding: clang 14 cannot capture those)
        if (std::any_of(v.references.begin(), v.references.end(),
                        [&](const CsafReference& r) { return r.url == url; })) {
            continue;
        }
        v.references.push_back({"external", tidy(what).empty() ? url : tidy(what), url});
    }
    if (!v.cve.empty()) {
        const std::string url = "https://www.cve.org/CVERecord?id=" + v.cve;
        if (std::none_of(v.references.begin(), v.references.end(),
                         [&](const CsafReference& r) { return r.url == url; })) {
            v.references.push_back({"external", v.cve, url});
        }
    }
    std::sort(v.references.begin(), v.references.end(),
              [](const CsafReference& a, const CsafReference& b) { return a.url < b.url; });

    std::vector<VexCaseInput> cases = vin.cases;
    std::sort(cases.begin(), cases.end(),
              [](const VexCaseInput& a, const VexCaseInput& b) { return a.id < b.id; });
    std::set<std::pair<std::string, std::string>> withCase;
    for (const auto& c : cases) {
        withCase.insert({c.product, c.version});
    }
    std::vector<std::string> caseLines;
    std::vector<std::string> scored; // products the score applies to
    std::vector<std::string> all;
    for (const auto& c : cases) {
        std::vector<std::string> ids{tree.addVersion(c.product, c.version)};
        const auto& byName = tree.componentsOf[{c.product, c.version}];
        for (const auto& comp : c.components) {
            if (const auto it = byName.find(comp); it != byName.end()) {
                ids.insert(ids.end(), it->second.begin(), it->second.end());
            }
        }
        sortUnique(ids);
        const std::string status(vexStatusOf(c.state));
        for (const auto& id : ids) {
            addStatus(v, status, id);
        }
        all.insert(all.end(), ids.begin(), ids.end());
        caseLines.push_back((isJa(in) ? "ケース " : "case ") + std::to_string(c.id) + ": " +
                            productLabel(c.product, c.version) + " — " + stateLabel(in, c.state));
        if (status == "known_not_affected") {
            std::string label = field(c, "justification");
            std::string impact = field(c, "impact");
            if (c.state == CaseState::FalsePositive) {
                label = "component_not_present";
                impact = field(c, "reason");
            }
            if (impact.empty()) {
                impact = justificationText(in, label);
            }
            if (!label.empty()) {
                addProductRef(v.flags, label, "", ids);
            }
            addProductRef(v.threats, "impact", impact, ids);
        } else {
            scored.insert(scored.end(), ids.begin(), ids.end());
            if (status == "known_affected") {
                const auto [category, details] = remediationOf(in, c);
                addProductRef(v.remediations, category, details, ids);
                // The version that fixes it, when it is a version the document states nothing
                // else about.
                const std::string fixed = field(c, "fixed_version");
                if ((c.state == CaseState::Informing || c.state == CaseState::Closed) &&
                    field(c, "action") == "fix" && !fixed.empty() && !looksLikeRange(fixed) &&
                    withCase.count({c.product, fixed}) == 0) {
                    const std::string fixedId = tree.addVersion(c.product, fixed);
                    addStatus(v, "fixed", fixedId);
                }
            }
        }
    }
    for (auto& [status, list] : v.productStatus) {
        sortUnique(list);
    }
    if (!caseLines.empty()) {
        v.notes.push_back(
            {"general", tr(in, "vulnwatch のケース", "vulnwatch cases"), join(caseLines, "\n")});
    }

    // One CVSS v3 score (CSAF 6.1.7: a product has at most one score per CVSS version): the
    // highest base score among the records' readable v3 vectors, recomputed from the vector.
    std::optional<CvssV3Base> best;
    for (const auto& c : vin.cvss) {
        if (const auto base = cvssV3Base(c.vector)) {
            if (!best || base->score > best->score) {
                best = base;
            }
        }
    }
    if (best) {
        sortUnique(scored);
        sortUnique(all);
        CsafScore s;
        s.version = best->version;
        s.vectorString = best->vector;
        s.baseScore = best->score;
        s.baseSeverity = best->severity;
        s.productIds = scored.empty() ? all : scored;
        if (!s.productIds.empty()) {
            v.scores.push_back(std::move(s));
        }
    }
    return v;
}

std::string sortKey(const VexVulnerabilityInput& v) {
    std::vector<std::string> ids = v.ids;
    std::sort(ids.begin(), ids.end());
    return (ids.empty() ? v.key : ids.front()) + '\n' + v.key;
}

} // namespace

std::string_view vexStatusOf(CaseState state) {
    switch (state) {
    case CaseState::Received:
    case CaseState::Confirming:
    case CaseState::Evaluating:
        return "under_investigation";
    case CaseState::Responding:
    case CaseState::Informing:
    case CaseState::Closed:
    case CaseState::RiskAccepted:
        return "known_affected";
    case CaseState::FalsePositive:
    case CaseState::NotAffected:
        return "known_not_affected";
    }
    return "under_investigation";
}

std::string csafDate(std::int64_t at) {
    const std::time_t t = static_cast<std::time_t>(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<CvssV3Base> cvssV3Base(std::string_view vector) {
    std::string_view rest;
    std::string version;
    if (vector.rfind("CVSS:3.1/", 0) == 0) {
        version = "3.1";
    } else if (vector.rfind("CVSS:3.0/", 0) == 0) {
        version = "3.0";
    } else {
        return std::nullopt;
    }
    rest = vector.substr(9);
    std::map<std::string, std::string> metrics;
    while (!rest.empty()) {
        const std::size_t slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        const std::size_t colon = part.find(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string name(part.substr(0, colon));
        if (!metrics.emplace(name, std::string(part.substr(colon + 1))).second) {
            return std::nullopt; // a metric given twice
        }
    }
    const auto weight = [&](const std::string& name,
                            const std::map<std::string, double>& values) -> std::optional<double> {
        const auto it = metrics.find(name);
        if (it == metrics.end()) {
            return std::nullopt;
        }
        const auto w = values.find(it->second);
        if (w == values.end()) {
            return std::nullopt;
        }
        return w->second;
    };
    const auto scope = metrics.find("S");
    if (scope == metrics.end() || (scope->second != "U" && scope->second != "C")) {
        return std::nullopt;
    }
    const bool changed = scope->second == "C";
    const auto av = weight("AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
    const auto ac = weight("AC", {{"L", 0.77}, {"H", 0.44}});
    const auto pr =
        weight("PR", {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
    const auto ui = weight("UI", {{"N", 0.85}, {"R", 0.62}});
    const std::map<std::string, double> cia = {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}};
    const auto c = weight("C", cia);
    const auto i = weight("I", cia);
    const auto a = weight("A", cia);
    if (!av || !ac || !pr || !ui || !c || !i || !a) {
        return std::nullopt;
    }
    // In the order FIRST's calculators compute (floating point: the order matters).
    const double exploitability = 8.22 * *av * *ac * *pr * *ui;
    const double iss = 1 - ((1 - *c) * (1 - *i) * (1 - *a));
    const double impact =
        changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
    const auto roundUp = [&](double d) {
        if (version == "3.0") {
            return std::ceil(d * 10) / 10;
        }
        const long long scaled = std::llround(d * 100000);
        if (scaled % 10000 == 0) {
            return static_cast<double>(scaled) / 100000.0;
        }
        return static_cast<double>(scaled / 10000 + 1) / 10.0;
    };
    double score = 0.0;
    if (impact > 0) {
        score = changed ? roundUp(std::min(1.08 * (exploitability + impact), 10.0))
                        : roundUp(std::min(exploitability + impact, 10.0));
    }
    CvssV3Base out;
    out.version = version;
    out.vector = "CVSS:" + version;
    for (const char* name : {"AV", "AC", "PR", "UI", "S", "C", "I", "A"}) {
        out.vector += std::string("/") + name + ":" + metrics.at(name);
    }
    out.score = score;
    out.severity = score == 0.0  ? "NONE"
                   : score < 4.0 ? "LOW"
                   : score < 7.0 ? "MEDIUM"
                   : score < 9.0 ? "HIGH"
                                 : "CRITICAL";
    return out;
}

CsafDocument buildVex(const VexInput& in) {
    CsafDocument doc;
    doc.lang = isJa(in) ? "ja" : "en";
    doc.publisherName = tidy(in.publisherName);
    doc.publisherNamespace = tidy(in.publisherNamespace);
    doc.vendor = doc.publisherName;
    doc.trackingId = tidy(in.trackingId);
    doc.generatorVersion = in.generatorVersion;

    Tree tree = buildTree(in);
    std::vector<const VexVulnerabilityInput*> vulns;
    for (const auto& v : in.vulnerabilities) {
        if (!v.cases.empty()) {
            vulns.push_back(&v);
        }
    }
    std::sort(vulns.begin(), vulns.end(),
              [](const VexVulnerabilityInput* a, const VexVulnerabilityInput* b) {
                  return sortKey(*a) < sortKey(*b);
              });
    bool open = false;
    for (const auto* v : vulns) {
        doc.vulnerabilities.push_back(buildVulnerability(in, *v, tree));
        for (const auto& c : v->cases) {
            open = open || !isTerminal(c.state);
        }
    }
    doc.productVersions = std::move(tree.versions);
    doc.components = std::move(tree.components);
    doc.relationships = std::move(tree.relationships);

    const std::string scope = tidy(in.scope);
    if (doc.vulnerabilities.empty()) {
        // CSAF's VEX profile needs at least one vulnerability (6.1.27.11 and the schema's
        // minItems): a document that says nothing is known is an informational advisory.
        doc.category = "csaf_informational_advisory";
        doc.title =
            isJa(in) ? scope + ": 既知の脆弱性はありません" : scope + ": no known vulnerabilities";
        doc.notes.push_back(
            {"summary", tr(in, "概要", "Summary"),
             isJa(in) ? "vulnwatch が収集した脆弱性情報 (JVN iPedia, MyJVN, JPCERT/CC) のうち、" +
                            scope +
                            " に関係するものはありません (ケースがありません)。この文書は、その"
                            "時点で影響を受ける既知の脆弱性がないことを示します。"
                      : "None of the vulnerability information vulnwatch collected (JVN iPedia, "
                        "MyJVN, JPCERT/CC) concerns " +
                            scope +
                            " (there are no cases). This document states that no known "
                            "vulnerability affects it."});
    } else {
        doc.category = "csaf_vex";
        doc.title = isJa(in) ? scope + " の脆弱性の影響 (VEX)" : "VEX for " + scope;
        doc.notes.push_back(
            {"summary", tr(in, "概要", "Summary"),
             isJa(in)
                 ? scope + " について、vulnwatch のケース (受付・確認・評価・対応・医療機関への"
                           "情報提供) の記録から各脆弱性の影響を示します。"
                 : "The status of each vulnerability for " + scope +
                       " as recorded by the cases of vulnwatch (received, confirming, "
                       "evaluating, responding, informing the hospitals)."});
    }
    if (doc.publisherNamespace.rfind("https://", 0) == 0 ||
        doc.publisherNamespace.rfind("http://", 0) == 0) {
        doc.references.push_back({"external", doc.publisherName, doc.publisherNamespace});
    }

    // The revision history: one entry per content-changing event, in time order; dates never
    // go back (CSAF 6.1.14).
    std::vector<VexRevisionInput> revs = in.revisions;
    std::stable_sort(revs.begin(), revs.end(),
                     [](const VexRevisionInput& a, const VexRevisionInput& b) {
                         return a.at != b.at ? a.at < b.at : a.seq < b.seq;
                     });
    if (revs.empty()) {
        revs.push_back({0, 0, tr(in, "文書の作成", "document created")});
    }
    int number = 0;
    for (const auto& r : revs) {
        std::string summary = tidy(r.summary);
        if (summary.empty()) {
            summary = tr(in, "変更", "changed");
        }
        doc.revisions.push_back({std::to_string(++number), csafDate(r.at), summary});
    }
    doc.version = std::to_string(number);
    doc.initialReleaseDate = doc.revisions.front().date;
    doc.currentReleaseDate = doc.revisions.back().date;
    doc.status = open ? "interim" : "final";
    return doc;
}

// --- checks --------------------------------------------------------------------------------

std::vector<std::string> checkCsaf(const CsafDocument& doc) {
    std::vector<std::string> problems;
    std::map<std::string, int> defined;
    for (const auto& p : doc.productVersions) {
        ++defined[p.id];
    }
    for (const auto& p : doc.components) {
        ++defined[p.id];
    }
    for (const auto& r : doc.relationships) {
        ++defined[r.product.id];
    }
    for (const auto& [id, n] : defined) {
        if (id.empty()) {
            problems.push_back("product_tree: a product has no product_id");
        } else if (n > 1) {
            problems.push_back("product_tree: product_id " + id + " is defined " +
                               std::to_string(n) + " times");
        }
    }
    const auto needDefined = [&](const std::string& where, const std::string& id) {
        if (defined.count(id) == 0) {
            problems.push_back(where + ": product " + id + " is not defined in product_tree");
        }
    };
    for (std::size_t i = 0; i < doc.relationships.size(); ++i) {
        const auto& r = doc.relationships[i];
        const std::string where = "product_tree/relationships/" + std::to_string(i);
        needDefined(where + "/product_reference", r.productReference);
        needDefined(where + "/relates_to_product_reference", r.relatesToReference);
        if (r.productReference == r.product.id || r.relatesToReference == r.product.id) {
            problems.push_back(where + ": refers to itself");
        }
    }
    if (doc.publisherName.empty() || doc.publisherNamespace.empty()) {
        problems.push_back("document/publisher: name and namespace are required");
    }
    if (doc.trackingId.empty()) {
        problems.push_back("document/tracking/id is empty");
    }

    // Revision history: 1…N, dates ascending, the version is the last number.
    for (std::size_t i = 0; i < doc.revisions.size(); ++i) {
        if (doc.revisions[i].number != std::to_string(i + 1)) {
            problems.push_back("document/tracking/revision_history/" + std::to_string(i) +
                               ": number " + doc.revisions[i].number + ", expected " +
                               std::to_string(i + 1));
        }
        if (i > 0 && doc.revisions[i].date < doc.revisions[i - 1].date) {
            problems.push_back("document/tracking/revision_history/" + std::to_string(i) +
                               ": dated before the revision it follows");
        }
    }
    if (doc.revisions.empty()) {
        problems.push_back("document/tracking/revision_history is empty");
    } else if (doc.version != doc.revisions.back().number) {
        problems.push_back("document/tracking/version " + doc.version +
                           " is not the last revision's number " + doc.revisions.back().number);
    }

    if (doc.category == "csaf_informational_advisory") {
        if (!doc.vulnerabilities.empty()) {
            problems.push_back("an informational advisory must not list vulnerabilities");
        }
        if (std::none_of(doc.references.begin(), doc.references.end(),
                         [](const CsafReference& r) { return r.category == "external"; })) {
            problems.push_back("document/references: an informational advisory needs an "
                               "external reference");
        }
        return problems;
    }
    if (doc.category != "csaf_vex") {
        problems.push_back("document/category " + doc.category + " is not csaf_vex");
    }
    if (doc.vulnerabilities.empty()) {
        problems.push_back("vulnerabilities: a VEX document needs at least one");
    }
    std::set<std::string> cves;
    for (std::size_t vi = 0; vi < doc.vulnerabilities.size(); ++vi) {
        const auto& v = doc.vulnerabilities[vi];
        const std::string where = "vulnerabilities/" + std::to_string(vi);
        if (v.cve.empty() && v.ids.empty()) {
            problems.push_back(where + ": neither cve nor ids");
        }
        if (!v.cve.empty() && !cves.insert(v.cve).second) {
            problems.push_back(where + ": " + v.cve + " is the cve of another vulnerability too");
        }
        if (v.notes.empty()) {
            problems.push_back(where + ": no notes");
        }
        std::map<std::string, std::string> groupOf; // product → status group
        bool any = false;
        for (const auto& [status, ids] : v.productStatus) {
            const std::string group = status == "fixed" ? "fixed" : status;
            for (const auto& id : ids) {
                any = true;
                needDefined(where + "/product_status/" + status, id);
                const auto [it, fresh] = groupOf.emplace(id, group);
                if (!fresh && it->second != group) {
                    problems.push_back(where + ": product " + id + " is both " + it->second +
                                       " and " + group);
                }
            }
        }
        if (!any) {
            problems.push_back(where + ": no product status");
        }
        const auto covered = [](const std::vector<CsafProductRef>& refs, const std::string& id,
                                std::string_view category) {
            return std::any_of(refs.begin(), refs.end(), [&](const CsafProductRef& r) {
                return (category.empty() || r.category == category) &&
                       std::find(r.productIds.begin(), r.productIds.end(), id) !=
                           r.productIds.end();
            });
        };
        static const std::set<std::string> labels = {
            "component_not_present", "vulnerable_code_not_present",
            "vulnerable_code_cannot_be_controlled_by_adversary",
            "vulnerable_code_not_in_execute_path", "inline_mitigations_already_exist"};
        std::map<std::string, int> justifications;
        for (const auto& f : v.flags) {
            if (labels.count(f.category) == 0) {
                problems.push_back(where + "/flags: unknown label '" + f.category + "'");
            }
            if (f.productIds.empty()) {
                problems.push_back(where + "/flags: a flag without products");
            }
            for (const auto& id : f.productIds) {
                needDefined(where + "/flags", id);
                if (++justifications[id] == 2) {
                    problems.push_back(where + "/flags: product " + id +
                                       " has more than one justification");
                }
            }
        }
        const auto statusIt = v.productStatus.find("known_not_affected");
        if (statusIt != v.productStatus.end()) {
            for (const auto& id : statusIt->second) {
                if (!covered(v.flags, id, "")) {
                    problems.push_back(where + ": known_not_affected product " + id +
                                       " has no justification flag");
                }
                if (!covered(v.threats, id, "impact")) {
                    problems.push_back(where + ": known_not_affected product " + id +
                                       " has no impact statement");
                }
            }
        }
        const auto affectedIt = v.productStatus.find("known_affected");
        if (affectedIt != v.productStatus.end()) {
            for (const auto& id : affectedIt->second) {
                if (!covered(v.remediations, id, "")) {
                    problems.push_back(where + ": known_affected product " + id +
                                       " has no remediation");
                }
            }
        }
        for (const auto& r : v.remediations) {
            if (r.productIds.empty()) {
                problems.push_back(where + "/remediations: a remediation without products");
            }
            if (r.details.empty()) {
                problems.push_back(where + "/remediations: a remediation without details");
            }
            for (const auto& id : r.productIds) {
                needDefined(where + "/remediations", id);
            }
        }
        for (const auto& t : v.threats) {
            if (t.details.empty()) {
                problems.push_back(where + "/threats: a threat without details");
            }
            for (const auto& id : t.productIds) {
                needDefined(where + "/threats", id);
            }
        }
        std::map<std::string, int> scoredAt;
        for (const auto& s : v.scores) {
            const auto base = cvssV3Base(s.vectorString);
            if (!base || base->version != s.version || base->score != s.baseScore ||
                base->severity != s.baseSeverity) {
                problems.push_back(where + "/scores: " + s.vectorString +
                                   " does not give base score and severity " +
                                   std::to_string(s.baseScore) + " " + s.baseSeverity);
            }
            for (const auto& id : s.productIds) {
                needDefined(where + "/scores", id);
                if (++scoredAt[id] == 2) {
                    problems.push_back(where + "/scores: product " + id +
                                       " has more than one CVSS v3 score");
                }
            }
        }
    }
    return problems;
}

// --- JSON ----------------------------------------------------------------------------------

namespace {

void writeNotes(JsonWriter& w, const std::vector<CsafNote>& notes) {
    w.key("notes").beginArray();
    for (const auto& n : notes) {
        w.beginObject().key("category").value(n.category).key("text").value(n.text);
        if (!n.title.empty()) {
            w.key("title").value(n.title);
        }
        w.endObject();
    }
    w.endArray();
}

void writeReferences(JsonWriter& w, const std::vector<CsafReference>& refs) {
    w.key("references").beginArray();
    for (const auto& r : refs) {
        w.beginObject()
            .key("category")
            .value(r.category)
            .key("summary")
            .value(r.summary)
            .key("url")
            .value(r.url)
            .endObject();
    }
    w.endArray();
}

void writeProduct(JsonWriter& w, const CsafProduct& p) {
    w.beginObject().key("name").value(p.name).key("product_id").value(p.id);
    if (!p.cpe.empty() || !p.purl.empty()) {
        w.key("product_identification_helper").beginObject();
        if (!p.cpe.empty()) {
            w.key("cpe").value(p.cpe);
        }
        if (!p.purl.empty()) {
            w.key("purl").value(p.purl);
        }
        w.endObject();
    }
    w.endObject();
}

void writeProductTree(JsonWriter& w, const CsafDocument& doc) {
    w.key("product_tree").beginObject();
    if (!doc.productVersions.empty()) {
        // vendor → product_name → product_version; a version that is empty or reads as a range
        // (CSAF 6.1.31) hangs on a product_name branch of its own.
        std::vector<std::string> names;
        for (const auto& p : doc.productVersions) {
            if (std::find(names.begin(), names.end(), p.productName) == names.end()) {
                names.push_back(p.productName);
            }
        }
        w.key("branches").beginArray();
        w.beginObject().key("branches").beginArray();
        for (const auto& name : names) {
            bool plain = false;
            for (const auto& p : doc.productVersions) {
                if (p.productName != name) {
                    continue;
                }
                if (p.version.empty() || looksLikeRange(p.version)) {
                    w.beginObject()
                        .key("category")
                        .value("product_name")
                        .key("name")
                        .value(p.version.empty() ? name : p.name);
                    w.key("product");
                    writeProduct(w, p);
                    w.endObject();
                } else {
                    plain = true;
                }
            }
            if (!plain) {
                continue;
            }
            w.beginObject().key("branches").beginArray();
            for (const auto& p : doc.productVersions) {
                if (p.productName != name || p.version.empty() || looksLikeRange(p.version)) {
                    continue;
                }
                w.beginObject()
                    .key("category")
                    .value("product_version")
                    .key("name")
                    .value(p.version)
                    .key("product");
                writeProduct(w, p);
                w.endObject();
            }
            w.endArray().key("category").value("product_name").key("name").value(name);
            w.endObject();
        }
        w.endArray().key("category").value("vendor").key("name").value(doc.vendor).endObject();
        w.endArray();
    }
    if (!doc.components.empty()) {
        w.key("full_product_names").beginArray();
        for (const auto& c : doc.components) {
            writeProduct(w, c);
        }
        w.endArray();
    }
    if (!doc.relationships.empty()) {
        w.key("relationships").beginArray();
        for (const auto& r : doc.relationships) {
            w.beginObject().key("category").value(r.category).key("full_product_name");
            writeProduct(w, r.product);
            w.key("product_reference")
                .value(r.productReference)
                .key("relates_to_product_reference")
                .value(r.relatesToReference)
                .endObject();
        }
        w.endArray();
    }
    w.endObject();
}

void writeRefs(JsonWriter& w, const char* key, const std::vector<CsafProductRef>& refs,
               const char* categoryKey, bool details) {
    if (refs.empty()) {
        return;
    }
    w.key(key).beginArray();
    for (const auto& r : refs) {
        w.beginObject().key(categoryKey).value(r.category);
        if (details) {
            w.key("details").value(r.details);
        }
        w.key("product_ids").stringArray(r.productIds).endObject();
    }
    w.endArray();
}

void writeVulnerability(JsonWriter& w, const CsafVulnerability& v) {
    w.beginObject();
    if (!v.cve.empty()) {
        w.key("cve").value(v.cve);
    }
    writeRefs(w, "flags", v.flags, "label", false);
    if (!v.ids.empty()) {
        w.key("ids").beginArray();
        for (const auto& [system, text] : v.ids) {
            w.beginObject().key("system_name").value(system).key("text").value(text).endObject();
        }
        w.endArray();
    }
    writeNotes(w, v.notes);
    w.key("product_status").beginObject();
    for (const auto& [status, ids] : v.productStatus) {
        if (!ids.empty()) {
            w.key(status).stringArray(ids);
        }
    }
    w.endObject();
    if (!v.references.empty()) {
        writeReferences(w, v.references);
    }
    writeRefs(w, "remediations", v.remediations, "category", true);
    if (!v.scores.empty()) {
        w.key("scores").beginArray();
        for (const auto& s : v.scores) {
            w.beginObject()
                .key("cvss_v3")
                .beginObject()
                .key("baseScore")
                .value(s.baseScore)
                .key("baseSeverity")
                .value(s.baseSeverity)
                .key("vectorString")
                .value(s.vectorString)
                .key("version")
                .value(s.version)
                .endObject()
                .key("products")
                .stringArray(s.productIds)
                .endObject();
        }
        w.endArray();
    }
    writeRefs(w, "threats", v.threats, "category", true);
    if (!v.title.empty()) {
        w.key("title").value(v.title);
    }
    w.endObject();
}

/// Re-indents compact JSON by two spaces (strings are copied as they are).
std::string indent(const std::string& compact) {
    std::string out;
    out.reserve(compact.size() * 2);
    int depth = 0;
    bool inString = false;
    const auto newline = [&] {
        out += '\n';
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    };
    for (std::size_t i = 0; i < compact.size(); ++i) {
        const char ch = compact[i];
        if (inString) {
            out += ch;
            if (ch == '\\' && i + 1 < compact.size()) {
                out += compact[++i];
            } else if (ch == '"') {
                inString = false;
            }
            continue;
        }
        switch (ch) {
        case '"':
            inString = true;
            out += ch;
            break;
        case '{':
        case '[':
            if (i + 1 < compact.size() && (compact[i + 1] == '}' || compact[i + 1] == ']')) {
                out += ch;
                out += compact[++i];
                break;
            }
            out += ch;
            ++depth;
            newline();
            break;
        case '}':
        case ']':
            --depth;
            newline();
            out += ch;
            break;
        case ',':
            out += ch;
            newline();
            break;
        case ':':
            out += ": ";
            break;
        default:
            out += ch;
        }
    }
    out += '\n';
    return out;
}

} // namespace

std::string toJson(const CsafDocument& doc) {
    JsonWriter w;
    w.beginObject().key("document").beginObject();
    w.key("category").value(doc.category).key("csaf_version").value("2.0");
    w.key("lang").value(doc.lang);
    writeNotes(w, doc.notes);
    w.key("publisher")
        .beginObject()
        .key("category")
        .value("vendor")
        .key("name")
        .value(doc.publisherName)
        .key("namespace")
        .value(doc.publisherNamespace)
        .endObject();
    if (!doc.references.empty()) {
        writeReferences(w, doc.references);
    }
    w.key("title").value(doc.title);
    w.key("tracking").beginObject();
    w.key("current_release_date").value(doc.currentReleaseDate);
    w.key("generator").beginObject().key("engine").beginObject().key("name").value("vulnwatch");
    if (!doc.generatorVersion.empty()) {
        w.key("version").value(doc.generatorVersion);
    }
    w.endObject().endObject();
    w.key("id").value(doc.trackingId);
    w.key("initial_release_date").value(doc.initialReleaseDate);
    w.key("revision_history").beginArray();
    for (const auto& r : doc.revisions) {
        w.beginObject()
            .key("date")
            .value(r.date)
            .key("number")
            .value(r.number)
            .key("summary")
            .value(r.summary)
            .endObject();
    }
    w.endArray();
    w.key("status").value(doc.status).key("version").value(doc.version);
    w.endObject(); // tracking
    w.endObject(); // document
    writeProductTree(w, doc);
    if (!doc.vulnerabilities.empty()) {
        w.key("vulnerabilities").beginArray();
        for (const auto& v : doc.vulnerabilities) {
            writeVulnerability(w, v);
        }
        w.endArray();
    }
    w.endObject();
    return indent(w.str());
}

} // namespace vw
