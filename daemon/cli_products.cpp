// `vulnwatch products …` and `vulnwatch matches list`: the product registry (products, their
// versions and components) and what matched it. A product has versions, each with its own
// components and, when set, its own owners; removing a product or a version keeps its history
// (the matches made for it stay readable and stop notifying).
#include "core/cpe.h"
#include "core/json_writer.h"
#include "core/keywords.h"
#include "core/ssvc.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/json_read.h"
#include "daemon/pipeline.h"
#include "inventory/sbom.h"
#include "inventory/sbom_import.h"
#include "store/evidence.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iomanip>

namespace vw::cli {
namespace {

/// How many documents one import-sbom takes (a Yocto image has one per recipe and package).
constexpr std::size_t kMaxSbomFiles = 100000;

constexpr const char* kProductsUsage =
    "products add NAME [--version V] [--owner EMAIL]... [--version-owner EMAIL]... "
    "[--cpe CPE]... [--keyword K]... [--mission low|medium|high|unset] | list [--json] [--all] | "
    "remove NAME [--version V] | "
    "export [--all] | import FILE.json | import-sbom FILE... --product NAME --version V "
    "[--format auto|cyclonedx|spdx] [--json]";

void validateOwners(const std::vector<std::string>& owners, const char* option) {
    for (const auto& owner : owners) {
        const auto at = owner.find('@');
        if (at == std::string::npos || at == 0 || at + 1 == owner.size() ||
            owner.find_first_of(" \t<>,") != std::string::npos) {
            throw UsageError(std::string(option) + " '" + owner + "' is not an e-mail address");
        }
    }
}

void validateProduct(const RegisteredProduct& p) {
    for (const auto& cpe : p.cpes) {
        if (!parseCpe(cpe)) {
            throw UsageError("--cpe '" + cpe +
                             "' is not a CPE 2.2 (cpe:/a:vendor:product) or 2.3 name");
        }
    }
    validateOwners(p.owners, "--owner");
    for (const auto& v : p.versions) {
        validateOwners(v.owners, "--version-owner");
    }
}

std::optional<RegisteredProduct> findRegistered(Store& store, const std::string& name) {
    for (auto& p : store.registry(true)) {
        if (p.name == name) {
            return std::move(p);
        }
    }
    return std::nullopt;
}

/// The registered versions of `products` that matching sees (what a re-match covers).
std::vector<Product> versionsOf(Store& store, const std::vector<std::string>& names) {
    std::vector<Product> out;
    for (auto& p : store.products()) {
        if (std::find(names.begin(), names.end(), p.name) != names.end()) {
            out.push_back(std::move(p));
        }
    }
    return out;
}

void printProduct(std::ostream& out, const RegisteredProduct& p) {
    out << terminalSafe(p.name) << (p.removed ? "  (removed)" : "");
    for (const auto& o : p.owners) {
        out << "  <" << terminalSafe(o) << ">";
    }
    out << "\n";
    // SSVC's Mission & Well-being (docs/cases.md "Priority (SSVC)"); not set: taken as medium.
    if (!p.mission.empty()) {
        out << "    mission " << p.mission << "\n";
    }
    for (const auto& c : p.cpes) {
        out << "    cpe " << terminalSafe(c) << "\n";
    }
    for (const auto& k : p.keywords) {
        out << "    keyword " << terminalSafe(k) << "\n";
    }
    for (const auto& v : p.versions) {
        out << "    version " << (v.version.empty() ? "(none)" : terminalSafe(v.version)) << "  "
            << v.components.size() << (v.components.size() == 1 ? " component" : " components")
            << (v.removed ? "  (removed)" : "");
        for (const auto& o : v.owners) {
            out << "  <" << terminalSafe(o) << ">";
        }
        out << "\n";
        for (const auto& c : v.components) {
            out << "      component " << terminalSafe(c.name)
                << (c.version.empty() ? "" : " " + terminalSafe(c.version));
            for (const auto& cpe : c.cpes) {
                out << " " << terminalSafe(cpe);
            }
            if (c.cpes.empty() && !c.purl.empty()) {
                out << " " << terminalSafe(c.purl);
            }
            out << "\n";
        }
    }
}

std::string componentLabel(const Component& c) {
    return terminalSafe(c.name) + (c.version.empty() ? "" : " " + terminalSafe(c.version));
}

void writeComponentJson(JsonWriter& json, const Component& c) {
    json.beginObject().key("name").value(c.name).key("version").value(c.version);
    json.key("purl").value(c.purl).key("cpes").stringArray(c.cpes);
    json.key("vendor").value(c.vendor).key("supplier").value(c.supplier).endObject();
}

/// What changed in a component between two imports, e.g. "version 2.14.1 -> 2.17.1, supplier
/// (none) -> Apache Software Foundation".
std::string changeText(const Component& from, const Component& to) {
    std::string text;
    const auto field = [&](const char* name, const std::string& a, const std::string& b) {
        if (a != b) {
            text += (text.empty() ? "" : ", ") + std::string(name) + " " +
                    (a.empty() ? "(none)" : terminalSafe(a)) + " -> " +
                    (b.empty() ? "(none)" : terminalSafe(b));
        }
    };
    const auto joined = [](const std::vector<std::string>& items) {
        std::string out;
        for (const auto& item : items) {
            out += (out.empty() ? "" : " ") + item;
        }
        return out;
    };
    field("version", from.version, to.version);
    field("purl", from.purl, to.purl);
    field("CPEs", joined(from.cpes), joined(to.cpes));
    field("vendor", from.vendor, to.vendor);
    field("supplier", from.supplier, to.supplier);
    return text;
}

/// `products import-sbom FILE --product NAME --version V`: the SBOM's components become the
/// components of that product version (added when new); the report says what changed against
/// the version as it was, or when it is new against the product's newest other version. The
/// same file twice changes nothing. A bad SBOM changes nothing and exits 1. The reading and the
/// commit are inventory/sbom_import.h's, shared with the pages and the REST API.
int importSbom(Context& ctx, const Options& opt, Store& store, std::int64_t now,
               const std::function<void(const std::vector<std::string>&)>& rematch) {
    opt.expectPositional(1, kMaxSbomFiles,
                         "one or more SBOM FILEs (CycloneDX JSON/XML or SPDX JSON/tag-value)");
    if (!opt.has("product") || !opt.has("version")) {
        throw UsageError("import-sbom needs --product NAME and --version V");
    }
    const std::vector<std::string>& files = opt.positional();
    const std::string file = files.size() == 1 ? files[0] : std::to_string(files.size()) + " files";
    const std::string product = opt.get("product");
    const std::string version = opt.get("version");
    if (product.empty() || product.find_first_of("\r\n") != std::string::npos) {
        throw UsageError("--product must be one non-empty line");
    }
    const auto format = parseSbomFormat(opt.get("format", "auto"));
    if (!format) {
        throw UsageError("unknown --format '" + opt.get("format") + "' (auto, cyclonedx, spdx)");
    }
    // Several documents (Yocto writes one per recipe) make one version: their components,
    // in order, each identical component once.
    const SbomLimits limits;
    SbomBatch batch;
    for (const std::string& path : files) {
        std::error_code sizeError;
        const auto size = path == "-" ? 0 : std::filesystem::file_size(path, sizeError);
        if (!sizeError && size > limits.maxBytes) {
            ctx.err << "vulnwatch: " << path << ": " << size
                    << " bytes, more than an SBOM may have (" << limits.maxBytes
                    << "); nothing was imported\n";
            return kExitFailure;
        }
        SbomDocumentReport doc;
        try {
            doc = batch.add(path, readInput(path), *format, limits);
        } catch (const SbomError& e) {
            ctx.err << "vulnwatch: " << path << ": " << e.what() << "; nothing was imported\n";
            return kExitFailure;
        }
        if (doc.subjectOnly) {
            ctx.err << "vulnwatch: " << path << ": note: the document lists only what it "
                    << "describes; taken as " << doc.components << " component"
                    << (doc.components == 1 ? "" : "s") << "\n";
        }
        for (const auto& warning : doc.warnings) {
            ctx.err << "vulnwatch: " << path << ": warning: " << terminalSafe(warning) << "\n";
        }
        if (files.size() > 1) {
            ctx.out << path << ": " << doc.format << ", " << doc.components << " components\n";
        }
    }
    const SbomDocument& sbom = batch.document();
    const SbomImportOutcome outcome =
        commitSbomImport(store, product, version, batch, file, "", now);
    const std::optional<std::string>& comparedWith = outcome.comparedWith;
    const SbomDiff& diff = outcome.diff;
    const bool existing = outcome.existing;

    std::size_t withCpe = 0;
    std::size_t withPurl = 0;
    for (const auto& c : sbom.components) {
        withCpe += c.cpes.empty() ? 0 : 1;
        withPurl += c.purl.empty() ? 0 : 1;
    }
    if (opt.has("json")) {
        JsonWriter json;
        json.beginObject().key("file").value(file).key("format").value(sbom.format);
        json.key("product").value(product).key("version").value(version);
        json.key("components").value(static_cast<long long>(sbom.components.size()));
        json.key("with_cpe").value(static_cast<long long>(withCpe));
        json.key("with_purl").value(static_cast<long long>(withPurl));
        json.key("skipped").value(static_cast<long long>(sbom.skipped));
        json.key("compared_with");
        if (comparedWith) {
            json.value(*comparedWith);
        } else {
            json.null();
        }
        json.key("added").beginArray();
        for (const auto& c : diff.added) {
            writeComponentJson(json, c);
        }
        json.endArray().key("removed").beginArray();
        for (const auto& c : diff.removed) {
            writeComponentJson(json, c);
        }
        json.endArray().key("changed").beginArray();
        for (const auto& [from, to] : diff.changed) {
            json.beginObject().key("before");
            writeComponentJson(json, from);
            json.key("after");
            writeComponentJson(json, to);
            json.endObject();
        }
        json.endArray().key("unchanged").value(static_cast<long long>(diff.unchanged));
        json.key("warnings").stringArray(sbom.warnings).endObject();
        ctx.out << json.str() << "\n";
    } else {
        ctx.out << file << ": " << sbom.format << ", " << sbom.components.size()
                << (sbom.components.size() == 1 ? " component (" : " components (") << withCpe
                << " with a CPE, " << withPurl << " with a purl"
                << (sbom.skipped > 0 ? ", " + std::to_string(sbom.skipped) + " entries skipped"
                                     : std::string())
                << ")\n";
        ctx.out << "product '" << terminalSafe(product) << "' version '" << terminalSafe(version)
                << "': ";
        if (!comparedWith) {
            ctx.out << "new, " << diff.added.size() << " components added\n";
        } else {
            if (*comparedWith != version) {
                ctx.out << "compared with version '" << terminalSafe(*comparedWith) << "': ";
            }
            ctx.out << diff.added.size() << " added, " << diff.removed.size() << " removed, "
                    << diff.changed.size() << " changed, " << diff.unchanged << " unchanged"
                    << (existing && diff.empty() ? " (nothing to do)" : "") << "\n";
            for (const auto& c : diff.added) {
                ctx.out << "  + " << componentLabel(c) << "\n";
            }
            for (const auto& c : diff.removed) {
                ctx.out << "  - " << componentLabel(c) << "\n";
            }
            for (const auto& [from, to] : diff.changed) {
                ctx.out << "  ~ " << terminalSafe(from.name) << ": " << changeText(from, to)
                        << "\n";
            }
        }
    }
    if (outcome.changes) {
        rematch({product});
    }
    return kExitOk;
}

} // namespace

int cmdProducts(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kProductsUsage);
    }
    const std::string sub = args[0];
    Options opt({args.begin() + 1, args.end()}, {{"version", true},
                                                 {"owner", true},
                                                 {"version-owner", true},
                                                 {"cpe", true},
                                                 {"keyword", true},
                                                 {"json", false},
                                                 {"all", false},
                                                 {"product", true},
                                                 {"format", true},
                                                 {"mission", true}});
    const auto config = maybeConfig(ctx, false);
    auto store = openStore(ctx, config);
    const std::int64_t now = unixNow();
    // A product registered after an advisory arrived still hears about it.
    auto rematch = [&](const std::vector<std::string>& names) {
        const Routing notifiers = config ? Routing(*config) : Routing();
        const IngestStats s = rematchStored(*store, notifiers, versionsOf(*store, names), now,
                                            config ? cpeMapperFor(config->match) : CpeMapper());
        if (s.newMatches > 0) {
            ctx.out << s.newMatches << " stored advisories match (" << s.enqueued
                    << " notifications queued" << (config ? "" : "; no config, so no notifiers")
                    << ")\n";
        }
    };
    if (sub == "add") {
        // Fields given replace the product's; fields not given keep what is registered. A
        // version given is added (its components kept when it exists); without --version a
        // new product gets one version "" (none).
        opt.expectPositional(1, 1, "one product NAME");
        const std::string name = opt.positional()[0];
        if (name.empty() || name.find_first_of("\r\n") != std::string::npos) {
            throw UsageError("a product NAME must be one non-empty line");
        }
        RegisteredProduct p = findRegistered(*store, name).value_or(RegisteredProduct{});
        const bool existed = !p.name.empty();
        p.name = name;
        if (opt.has("owner")) {
            p.owners = opt.all("owner");
        }
        if (opt.has("cpe")) {
            p.cpes = opt.all("cpe");
        }
        if (opt.has("keyword")) {
            p.keywords = opt.all("keyword");
            // Keywords the keyword matcher ignores (too short, digits only, one generic word)
            // would never match: say so instead of keeping them silently.
            const KeywordIndex index(p.keywords);
            for (const auto& ignored : index.ignored()) {
                ctx.err << "vulnwatch: warning: --keyword '"
                        << terminalSafe(p.keywords[ignored.keyword])
                        << "' will never match: " << ignored.reason << "\n";
            }
        }
        if (opt.has("mission")) {
            // SSVC's Mission & Well-being of the product; "unset" clears it (taken as medium).
            const std::string mission = opt.get("mission");
            const auto value = parseSsvcMission(mission);
            if (!value && mission != "unset") {
                throw UsageError("--mission '" + mission +
                                 "' is not low, medium, high or unset (SSVC Mission & "
                                 "Well-being: a patient-safety function is high)");
            }
            p.mission = value ? std::string(ssvcName(*value)) : std::string();
        }
        if (opt.has("version-owner") && !opt.has("version")) {
            throw UsageError("--version-owner needs --version V (the version it owns)");
        }
        std::vector<ProductVersion> touched;
        if (opt.has("version") || p.versions.empty()) {
            const std::string version = opt.get("version");
            auto it = std::find_if(p.versions.begin(), p.versions.end(),
                                   [&](const ProductVersion& v) { return v.version == version; });
            ProductVersion v =
                it != p.versions.end() ? *it : ProductVersion{version, {}, {}, false};
            if (opt.has("version-owner")) {
                v.owners = opt.all("version-owner");
            }
            touched.push_back(std::move(v));
        }
        p.versions = touched;
        validateProduct(p);
        store->putProduct(p, now);
        std::string what = (existed ? "updated " : "added ") + p.name;
        if (!touched.empty()) {
            what += touched.front().version.empty() ? "" : " version " + touched.front().version;
        }
        store->logEvent("product", what, now);
        ctx.out << "product '" << terminalSafe(p.name) << "'"
                << (touched.empty() || touched.front().version.empty()
                        ? ""
                        : " version " + terminalSafe(touched.front().version))
                << " saved\n";
        rematch({p.name});
        return kExitOk;
    }
    if (sub == "remove") {
        opt.expectPositional(1, 1, "one product NAME");
        const std::string name = opt.positional()[0];
        if (opt.has("version")) {
            const std::string version = opt.get("version");
            if (!store->removeProductVersion(name, version, now)) {
                ctx.err << "vulnwatch: product '" << terminalSafe(name) << "' has no version '"
                        << terminalSafe(version) << "' (or it was removed already)\n";
                return kExitFailure;
            }
            store->logEvent("product", "removed " + name + " version " + version, now);
            ctx.out << "product '" << terminalSafe(name) << "' version '" << terminalSafe(version)
                    << "' removed (its matches stay readable and no longer notify)\n";
            return kExitOk;
        }
        if (!store->removeProduct(name, now)) {
            ctx.err << "vulnwatch: no product named '" << terminalSafe(name)
                    << "' (or it was removed already)\n";
            return kExitFailure;
        }
        store->logEvent("product", "removed " + name, now);
        ctx.out << "product '" << terminalSafe(name)
                << "' removed (its matches stay readable and no longer notify)\n";
        return kExitOk;
    }
    if (sub == "export") {
        opt.expectPositional(0, 0, "no arguments besides --all");
        ctx.out << toJson(store->registry(opt.has("all"))) << "\n";
        return kExitOk;
    }
    if (sub == "import") {
        opt.expectPositional(1, 1, "one registry FILE.json (as written by products export)");
        const std::string registryJson = readInput(opt.positional()[0]);
        const auto products = productsFromJson(registryJson);
        std::vector<std::string> names;
        for (const auto& p : products) {
            validateProduct(p);
            names.push_back(p.name);
        }
        Store::Transaction tx(*store);
        for (const auto& p : products) {
            store->putProduct(p, now);
        }
        AuditEvent event;
        event.kind = "product";
        event.at = now;
        event.text = "imported " + std::to_string(products.size()) + " products";
        // The registry file as imported (docs/audit.md "Evidence").
        event.evidence = {putEvidence(*store, registryJson, kMediaJson, now)};
        store->appendEvent(event);
        tx.commit();
        ctx.out << products.size() << " products imported\n";
        rematch(names);
        return kExitOk;
    }
    if (sub == "import-sbom") {
        return importSbom(ctx, opt, *store, now, rematch);
    }
    if (sub == "list") {
        opt.expectPositional(0, 0, "no arguments besides --json and --all");
        const auto registry = store->registry(opt.has("all"));
        if (opt.has("json")) {
            ctx.out << toJson(registry) << "\n";
            return kExitOk;
        }
        for (const auto& p : registry) {
            printProduct(ctx.out, p);
        }
        return kExitOk;
    }
    throw UsageError(kProductsUsage);
}

int cmdMatches(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "list") {
        throw UsageError("matches list [--json] [--product NAME] [--all]");
    }
    Options opt({args.begin() + 1, args.end()},
                {{"json", false}, {"product", true}, {"all", false}});
    opt.expectPositional(0, 0, "no arguments besides --json, --product and --all");
    auto store = openStore(ctx, maybeConfig(ctx, false));
    for (const auto& row : store->matches(opt.get("product"))) {
        // Evaluated not affected: the evaluation record, shown only with --all.
        if (row.match.verdict == "not-affected" && !opt.has("all")) {
            continue;
        }
        if (opt.has("json")) {
            ctx.out << toJson(row.match) << "\n";
        } else {
            ctx.out << std::left << std::setw(20) << terminalSafe(row.match.advisory) << " "
                    << terminalSafe(row.match.product)
                    << (row.match.version.empty() ? "" : " " + terminalSafe(row.match.version))
                    << " (" << terminalSafe(row.match.component) << ") " << row.match.confidence
                    << "% " << row.match.method << " " << row.match.verdict << " " << row.state
                    << "\n";
        }
    }
    return kExitOk;
}

} // namespace vw::cli
