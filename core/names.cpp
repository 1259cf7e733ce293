#include "core/names.h"

#include "core/cpe.h"
#include "core/fold.h"
#include "core/purl.h"
#include "core/text.h"

#include <algorithm>
#include <array>
#include <optional>

namespace vw {

namespace {

// --- keys and tokens ----------------------------------------------------------------------------

std::vector<std::string> splitKey(std::string_view key) {
    std::vector<std::string> tokens;
    std::size_t start = 0;
    while (start <= key.size()) {
        const auto end = std::min(key.find('_', start), key.size());
        if (end > start) {
            tokens.emplace_back(key.substr(start, end - start));
        }
        start = end + 1;
    }
    return tokens;
}

std::string joinTokens(const std::vector<std::string>& tokens, std::size_t from, std::size_t to,
                       std::string_view separator) {
    std::string out;
    for (std::size_t i = from; i < to; ++i) {
        if (i > from) {
            out += separator;
        }
        out += tokens[i];
    }
    return out;
}

bool hasLetter(std::string_view key) {
    return std::any_of(key.begin(), key.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x80 || (c >= 'a' && c <= 'z');
    });
}

bool isAsciiText(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

// --- vendor names -------------------------------------------------------------------------------

/// Trailing words that say what kind of organization a vendor is, not which one.
bool isCorporateSuffix(std::string_view token) {
    static constexpr std::string_view suffixes[] = {
        "ag",    "co",       "company", "corp",         "corporation", "foundation", "gmbh",
        "group", "holdings", "inc",     "incorporated", "kk",          "limited",    "llc",
        "ltd",   "plc",      "project", "sa",           "team"};
    return std::find(std::begin(suffixes), std::end(suffixes), token) != std::end(suffixes);
}

/// The vendor name spelt without separators: all tokens, and all but trailing corporate
/// suffixes ("red hat inc" → redhatinc, redhat).
std::vector<std::string> fullForms(const VendorName& vendor) {
    std::vector<std::string> forms{joinTokens(vendor.tokens, 0, vendor.tokens.size(), "")};
    std::size_t end = vendor.tokens.size();
    while (end > 1 && isCorporateSuffix(vendor.tokens[end - 1])) {
        --end;
    }
    if (end < vendor.tokens.size()) {
        forms.push_back(joinTokens(vendor.tokens, 0, end, ""));
    }
    return forms;
}

/// The vendor's leading words spelt without separators: "apache", "apachesoftware", ….
std::vector<std::string> prefixForms(const VendorName& vendor) {
    std::vector<std::string> forms;
    std::string prefix;
    for (const auto& token : vendor.tokens) {
        prefix += token;
        forms.push_back(prefix);
    }
    return forms;
}

/// What a name may start with when it starts with this vendor: the full forms and the first
/// word ("apache" of "Apache Software Foundation").
std::vector<std::string> droppableForms(const VendorName& vendor) {
    std::vector<std::string> forms = fullForms(vendor);
    if (!vendor.tokens.empty() && !contains(forms, vendor.tokens.front())) {
        forms.push_back(vendor.tokens.front());
    }
    return forms;
}

void eraseAll(std::string& text, std::string_view what) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at)) {
        text.erase(at, what.size());
    }
}

/// `given` cleaned of SPDX decoration, folded and tokenized; nullopt when nothing is left.
std::optional<VendorName> makeVendor(std::string_view given, std::string label,
                                     bool canContradict) {
    std::string_view text = trim(given);
    bool person = false;
    for (std::string_view prefix : {"organization:", "person:", "tool:"}) {
        if (startsWithIgnoreCase(text, prefix)) {
            person = prefix == "person:";
            text = trim(text.substr(prefix.size()));
        }
    }
    if (equalsIgnoreCase(text, "noassertion") || equalsIgnoreCase(text, "none")) {
        return std::nullopt;
    }
    // "Name (mail@example.org)", "Name <mail@example.org>": the part in brackets goes.
    std::string cleaned;
    int depth = 0;
    for (char c : text) {
        if (c == '(' || c == '<') {
            ++depth;
        } else if ((c == ')' || c == '>') && depth > 0) {
            --depth;
        } else if (depth == 0) {
            cleaned += c;
        }
    }
    std::string folded = foldText(cleaned);
    for (std::string_view word : {"株式会社", "有限会社", "(株)", "(有)"}) {
        eraseAll(folded, word);
    }
    const TokenizedText tokenized = tokenizeFolded(folded, ' ');
    VendorName vendor;
    vendor.given = std::string(trim(given));
    vendor.label = std::move(label);
    vendor.canContradict = canContradict && !person;
    for (const auto& token : tokenized.tokens) {
        vendor.tokens.emplace_back(tokenized.text.substr(token.begin, token.end - token.begin));
    }
    if (vendor.tokens.size() > 1 && vendor.tokens.front() == "the") {
        vendor.tokens.erase(vendor.tokens.begin());
    }
    if (vendor.tokens.empty() || !hasLetter(joinTokens(vendor.tokens, 0, 1, ""))) {
        return std::nullopt;
    }
    vendor.ascii = std::all_of(vendor.tokens.begin(), vendor.tokens.end(),
                               [](const std::string& t) { return isAsciiText(t); });
    return vendor;
}

void addVendor(std::vector<VendorName>& vendors, std::string_view given, std::string label,
               bool canContradict, std::string_view shownAs = {}) {
    auto vendor = makeVendor(given, std::move(label), canContradict);
    if (!vendor) {
        return;
    }
    if (!shownAs.empty()) {
        vendor->given = std::string(shownAs);
    }
    for (auto& existing : vendors) {
        if (existing.tokens == vendor->tokens) {
            existing.canContradict = existing.canContradict || vendor->canContradict;
            return;
        }
    }
    vendors.push_back(std::move(*vendor));
}

bool vendorsAgree(const VendorName& a, const VendorName& b) {
    if (a.ascii && b.ascii) {
        const auto aFull = fullForms(a);
        const auto bFull = fullForms(b);
        const auto aPrefixes = prefixForms(a);
        const auto bPrefixes = prefixForms(b);
        for (const auto& form : aFull) {
            if (form.size() >= 2 && contains(bPrefixes, form)) {
                return true;
            }
        }
        for (const auto& form : bFull) {
            if (form.size() >= 2 && contains(aPrefixes, form)) {
                return true;
            }
        }
        return false;
    }
    // Japanese (and mixed) names have no word boundaries: one starts with the other, at least
    // two characters (6 bytes of kana or kanji) long.
    const std::string aFull = joinTokens(a.tokens, 0, a.tokens.size(), "");
    const std::string bFull = joinTokens(b.tokens, 0, b.tokens.size(), "");
    const std::string& shorter = aFull.size() <= bFull.size() ? aFull : bFull;
    const std::string& longer = aFull.size() <= bFull.size() ? bFull : aFull;
    return shorter.size() >= 6 && longer.starts_with(shorter);
}

// --- purl namespaces ----------------------------------------------------------------------------

bool isTopLevelLabel(std::string_view label) {
    static constexpr std::string_view labels[] = {
        "ai",  "app", "at",   "au", "be",   "biz", "br",  "ca", "ch",  "cloud", "cn",
        "co",  "com", "cz",   "de", "dev",  "dk",  "edu", "es", "eu",  "fi",    "fr",
        "gov", "in",  "info", "io", "it",   "jp",  "kr",  "me", "net", "nl",    "no",
        "org", "pl",  "ru",   "se", "tech", "tw",  "uk",  "us", "xyz", "mil",   "int"};
    return std::find(std::begin(labels), std::end(labels), label) != std::end(labels);
}

bool isHostingLabel(std::string_view label) {
    return label == "github" || label == "gitlab" || label == "bitbucket" ||
           label == "sourceforge" || label == "googlecode";
}

/// The publisher a purl namespace names, and whether it can contradict an advisory vendor
/// (only a maven groupId in reverse-DNS form can: it is a domain its publisher owns).
void addNamespaceVendor(std::vector<VendorName>& vendors, const Purl& purl) {
    if (purl.ns.empty() || isDistributionPurlType(purl.type)) {
        return;
    }
    const std::string label = "purl namespace";
    if (purl.type == "maven") {
        std::vector<std::string> labels;
        std::size_t start = 0;
        while (start <= purl.ns.size()) {
            const auto end = std::min(purl.ns.find('.', start), purl.ns.size());
            labels.push_back(lowerAscii(std::string_view(purl.ns).substr(start, end - start)));
            start = end + 1;
        }
        if (labels.size() >= 2 && isTopLevelLabel(labels[0])) {
            // The domain's own label names the publisher (org.apache.commons → apache); the
            // labels after it name its projects. io.github.someone → someone.
            const std::size_t own = labels.size() >= 3 && isHostingLabel(labels[1]) ? 2 : 1;
            addVendor(vendors, labels[own], label, true, purl.ns);
            return;
        }
        addVendor(vendors, purl.ns, label, false);
        return;
    }
    std::string_view ns = purl.ns;
    if (purl.type == "golang") {
        // github.com/gorilla → gorilla; golang.org/x → x is no vendor: keep the host's name.
        const auto slash = ns.find('/');
        const std::string_view host = ns.substr(0, slash);
        ns =
            slash == std::string_view::npos ? host.substr(0, host.find('.')) : ns.substr(slash + 1);
    }
    if (!ns.empty() && ns.front() == '@') {
        ns.remove_prefix(1);
    }
    addVendor(vendors, ns, label, false, purl.ns);
}

// --- name variants ------------------------------------------------------------------------------

int formClass(NameForm form) {
    switch (form) {
    case NameForm::AsGiven:
    case NameForm::VendorAdded:
        return 0;
    case NameForm::NamespaceDropped:
    case NameForm::VendorDropped:
        return 1;
    case NameForm::CoreDropped:
        return 2;
    }
    return 3;
}

/// Adds `variant` unless its key is already there in the same or a stronger form.
void addVariant(std::vector<NameVariant>& variants, NameVariant variant) {
    if (variant.key.empty() || !hasLetter(variant.key)) {
        return;
    }
    for (auto& existing : variants) {
        if (existing.key == variant.key) {
            if (static_cast<int>(variant.form) < static_cast<int>(existing.form)) {
                existing = std::move(variant);
            }
            return;
        }
    }
    variants.push_back(std::move(variant));
}

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string joinNotes(std::string_view a, std::string_view b) {
    if (a.empty()) {
        return std::string(b);
    }
    return b.empty() ? std::string(a) : std::string(a) + "; " + std::string(b);
}

/// `base` and, for every vendor whose droppable form spells the leading tokens of `base`, the
/// rest (VendorDropped, at least one token left).
void addWithVendorDropped(std::vector<NameVariant>& variants, const NameVariant& base,
                          const std::vector<VendorName>& vendors, std::string_view side) {
    addVariant(variants, base);
    const auto tokens = splitKey(base.key);
    for (const auto& vendor : vendors) {
        const auto forms = droppableForms(vendor);
        std::string prefix;
        for (std::size_t k = 1; k < tokens.size(); ++k) {
            prefix += tokens[k - 1];
            if (!contains(forms, prefix)) {
                continue;
            }
            NameVariant dropped = base;
            dropped.key = joinTokens(tokens, k, tokens.size(), "_");
            dropped.form = std::max(base.form, NameForm::VendorDropped);
            dropped.note =
                joinNotes(base.note, "vendor prefix " + quoted(joinTokens(tokens, 0, k, " ")) +
                                         " dropped from the " + std::string(side));
            addVariant(variants, std::move(dropped));
        }
    }
}

std::string vendorList(const std::vector<VendorName>& vendors) {
    std::string out;
    for (const auto& vendor : vendors) {
        if (!out.empty()) {
            out += ", ";
        }
        out += vendor.given;
    }
    return out;
}

} // namespace

// --- ComponentNames -----------------------------------------------------------------------------

ComponentNames::ComponentNames(const Component& component) {
    const auto purl = parsePurl(component.purl);
    const bool distribution = purl && isDistributionPurlType(purl->type);
    addVendor(vendors_, component.vendor, "vendor", !distribution);
    if (purl) {
        addNamespaceVendor(vendors_, *purl);
    }
    addVendor(vendors_, component.supplier, "supplier", false);

    std::vector<NameVariant> bases;
    const auto addBase = [&bases](std::string_view keyFrom, std::string_view given,
                                  std::string label, NameForm form, std::string note) {
        addVariant(bases, NameVariant{normalizeComponentName(keyFrom), std::string(trim(given)),
                                      std::move(label), form, std::move(note)});
    };
    const std::string_view name = trim(component.name);
    addBase(name, name, "component name", NameForm::AsGiven, "");
    if (purl) {
        addBase(purl->name, purl->name, "purl name", NameForm::AsGiven, "");
        if (const auto source = purl->sourcePackage(); !source.empty()) {
            addBase(source, source, "source package", NameForm::AsGiven, "");
        }
    }
    // "org.apache.logging.log4j:log4j-core", "@angular/core", "github.com/gorilla/mux".
    const auto colon = name.rfind(':');
    if (colon != std::string_view::npos && colon + 1 < name.size() &&
        name.substr(0, colon).find('.') != std::string_view::npos &&
        name.find(' ') == std::string_view::npos) {
        addBase(name.substr(colon + 1), name, "component name", NameForm::NamespaceDropped,
                "namespace " + quoted(name.substr(0, colon)) + " dropped");
    } else if (const auto slash = name.rfind('/'); slash != std::string_view::npos &&
                                                   slash + 1 < name.size() &&
                                                   name.find(' ') == std::string_view::npos) {
        addBase(name.substr(slash + 1), name, "component name", NameForm::NamespaceDropped,
                "namespace " + quoted(name.substr(0, slash)) + " dropped");
    }
    for (const auto& base : bases) {
        addWithVendorDropped(variants_, base, vendors_, base.label);
        const auto tokens = splitKey(base.key);
        if (tokens.size() >= 2 && tokens.back() == "core") {
            NameVariant core = base;
            core.key = joinTokens(tokens, 0, tokens.size() - 1, "_");
            core.form = NameForm::CoreDropped;
            core.note = joinNotes(base.note, "\"core\" dropped from the " + base.label);
            addWithVendorDropped(variants_, core, vendors_, base.label);
        }
    }
}

// --- advisory products --------------------------------------------------------------------------

std::vector<ProductIdentity> advisoryProducts(const Advisory& advisory) {
    std::vector<ProductIdentity> out;
    const auto add = [&out](ProductIdentity identity) {
        if (trim(identity.product).empty()) {
            return;
        }
        for (const auto& existing : out) {
            if (existing.product == identity.product && existing.vendors == identity.vendors) {
                return;
            }
        }
        out.push_back(std::move(identity));
    };
    std::vector<std::string> seenCpes;
    for (const auto& item : advisory.affected) {
        std::vector<std::string> vendors;
        if (!trim(item.vendor).empty()) {
            vendors.emplace_back(trim(item.vendor));
        }
        std::optional<Cpe> cpe;
        if (!item.cpe.empty()) {
            cpe = parseCpe(item.cpe);
            seenCpes.push_back(item.cpe);
        }
        if (cpe && !isPseudoVendor(cpe->vendor) && !contains(vendors, cpe->vendor)) {
            vendors.push_back(cpe->vendor);
        }
        add({vendors, std::string(trim(item.product)), "advisory product"});
        if (cpe) {
            add({vendors, cpe->product, "CPE product"});
        }
    }
    for (const auto& text : advisory.cpes) {
        if (contains(seenCpes, text)) {
            continue;
        }
        seenCpes.push_back(text);
        if (const auto cpe = parseCpe(text)) {
            std::vector<std::string> vendors;
            if (!isPseudoVendor(cpe->vendor)) {
                vendors.push_back(cpe->vendor);
            }
            add({vendors, cpe->product, "CPE product"});
        }
    }
    return out;
}

AdvisoryProductNames::AdvisoryProductNames(const ProductIdentity& identity)
    : product_(trim(identity.product)) {
    for (const auto& given : identity.vendors) {
        if (isPseudoVendor(lowerAscii(trim(given)))) {
            continue;
        }
        addVendor(vendors_, given, "vendor", true);
    }
    const std::string label = identity.label.empty() ? "advisory product" : identity.label;
    const NameVariant base{normalizeComponentName(product_), product_, label, NameForm::AsGiven,
                           ""};
    addWithVendorDropped(variants_, base, vendors_, label);
    if (base.key.empty()) {
        return;
    }
    for (const auto& vendor : vendors_) {
        std::vector<std::string> prefixes = droppableForms(vendor);
        prefixes.push_back(joinTokens(vendor.tokens, 0, vendor.tokens.size(), "_"));
        for (const auto& prefix : prefixes) {
            if (base.key.starts_with(prefix + "_") || base.key == prefix) {
                continue;
            }
            addVariant(variants_,
                       NameVariant{prefix + "_" + base.key, product_, label, NameForm::VendorAdded,
                                   "vendor " + quoted(vendor.given) + " put in front"});
        }
    }
}

// --- matching -----------------------------------------------------------------------------------

VendorCheck checkVendors(const std::vector<VendorName>& component,
                         const std::vector<VendorName>& advisory, std::string_view productKey,
                         std::string* why) {
    for (const auto& a : advisory) {
        for (const auto& c : component) {
            if (vendorsAgree(a, c)) {
                if (why != nullptr) {
                    *why = "vendor agrees (" + c.label + " " + quoted(c.given) + " ~ " +
                           quoted(a.given) + ")";
                }
                return VendorCheck::Agrees;
            }
        }
    }
    const bool advisoryAscii =
        std::any_of(advisory.begin(), advisory.end(), [](const VendorName& v) { return v.ascii; });
    const auto contradicting =
        std::find_if(component.begin(), component.end(),
                     [](const VendorName& v) { return v.ascii && v.canContradict; });
    if (!advisoryAscii || contradicting == component.end()) {
        if (why != nullptr) {
            *why = "vendor not compared";
        }
        return VendorCheck::Unknown;
    }
    const auto productTokens = splitKey(productKey);
    const std::string spelt = joinTokens(productTokens, 0, productTokens.size(), "");
    for (const auto& a : advisory) {
        if (a.ascii && contains(fullForms(a), spelt)) {
            if (why != nullptr) {
                *why = "advisory vendor " + quoted(a.given) + " is the product's own name";
            }
            return VendorCheck::Unknown;
        }
    }
    if (why != nullptr) {
        *why = "vendor differs (" + contradicting->label + " " + quoted(contradicting->given) +
               " vs " + vendorList(advisory) + ")";
    }
    return VendorCheck::Differs;
}

NameMatch matchNames(const ComponentNames& component, const AdvisoryProductNames& product) {
    struct Candidate {
        const NameVariant* c = nullptr;
        const NameVariant* a = nullptr;
        int cls = 0;
        bool allowed = false;
        VendorCheck vendor = VendorCheck::Unknown;
        std::string vendorWhy;
    };
    std::optional<Candidate> best;
    const auto rank = [](const Candidate& x) {
        const int vendorRank =
            x.vendor == VendorCheck::Agrees ? 0 : (x.vendor == VendorCheck::Unknown ? 1 : 2);
        return std::array<int, 3>{x.allowed ? 0 : 1, x.cls, vendorRank};
    };
    for (const auto& c : component.variants()) {
        for (const auto& a : product.variants()) {
            if (c.key != a.key) {
                continue;
            }
            Candidate candidate;
            candidate.c = &c;
            candidate.a = &a;
            candidate.cls =
                std::max(formClass(c.form), formClass(a.form)) + (isGenericName(c.key) ? 1 : 0);
            candidate.vendor =
                checkVendors(component.vendors(), product.vendors(), c.key, &candidate.vendorWhy);
            switch (candidate.cls) {
            case 0:
                candidate.allowed = true;
                break;
            case 1:
                candidate.allowed = candidate.vendor != VendorCheck::Differs;
                break;
            case 2:
                candidate.allowed = candidate.vendor == VendorCheck::Agrees;
                break;
            default:
                candidate.allowed = false;
                break;
            }
            if (!best || rank(candidate) < rank(*best)) {
                best = std::move(candidate);
            }
        }
    }
    NameMatch result;
    if (!best) {
        return result;
    }
    const bool same = best->c->form == NameForm::AsGiven && best->a->form == NameForm::AsGiven;
    result.matched = best->allowed;
    result.vendor = best->vendor;
    result.weakest = std::max(best->c->form, best->a->form);
    result.why = best->c->label + " " + quoted(best->c->given) + (same ? " = " : " ≈ ") +
                 best->a->label + " " + quoted(best->a->given);
    if (!product.vendors().empty()) {
        result.why += " (vendor " + vendorList(product.vendors()) + ")";
    }
    result.why += ": ";
    std::string notes = joinNotes(best->c->note, best->a->note);
    notes = joinNotes(notes, best->vendorWhy);
    if (isGenericName(best->c->key)) {
        notes = joinNotes(notes, quoted(best->c->key) + " is a generic word");
    }
    result.why += notes;
    if (!result.matched) {
        result.why += best->cls == 1   ? "; refused: the vendors differ"
                      : best->cls == 2 ? "; refused: the vendors do not agree"
                                       : "; refused: the name is too weak";
    }
    return result;
}

NameMatch matchName(const Component& component, const ProductIdentity& product) {
    return matchNames(ComponentNames(component), AdvisoryProductNames(product));
}

bool isGenericName(std::string_view key) {
    static constexpr std::string_view words[] = {
        // English
        "admin", "agent", "api", "app", "application", "apps", "base", "browser", "camera", "cli",
        "client", "cloud", "common", "commons", "console", "controller", "core", "data", "database",
        "default", "desktop", "driver", "editor", "engine", "firmware", "framework", "gateway",
        "http", "https", "json", "kernel", "lib", "libs", "library", "main", "manager", "mobile",
        "module", "network", "office", "plugin", "plugins", "portal", "printer", "product",
        "project", "router", "runtime", "sdk", "server", "service", "software", "system", "test",
        "tests", "tool", "tools", "ui", "util", "utils", "viewer", "web", "www", "xml",
        // Japanese
        "脆弱性", "製品", "複数", "サーバ", "サーバー", "システム", "ソフトウェア",
        "ファームウェア", "アプリ", "アプリケーション", "ドライバ", "プリンタ", "プリンター",
        "ルータ", "ルーター", "カメラ", "複合機", "ツール", "ライブラリ"};
    return std::find(std::begin(words), std::end(words), key) != std::end(words);
}

} // namespace vw
