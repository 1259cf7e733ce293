// `vulnwatch vex export --product NAME [--version V] | --case ID [--out FILE]`: a CSAF 2.0 VEX
// document of what the cases say (daemon/vex_export.h gathers, core/vex.h builds and checks).
// docs/vex.md.
#include "core/vex.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/vex_export.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "vex export --product NAME [--version V] | --case ID [--out FILE] [--lang ja|en] "
    "[--publisher NAME] [--namespace URL]";

std::int64_t parseCaseId(const std::string& text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value <= 0) {
        throw UsageError("--case expects a case number (e.g. 12), not '" + text + "'");
    }
    return value;
}

/// Writes `text` to `path` through a temporary file beside it, so a reader never sees half a
/// document.
void writeFile(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
        }
        out << text;
        out.flush();
        if (!out) {
            throw std::runtime_error("cannot write " + tmp);
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot write " + path + ": " + why);
    }
}

} // namespace

int cmdVex(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "export") {
        throw UsageError(std::string("vex needs the sub-command export (") + kUsage + ")");
    }
    Options opt(std::vector<std::string>(args.begin() + 1, args.end()), {{"product", true},
                                                                         {"version", true},
                                                                         {"case", true},
                                                                         {"out", true},
                                                                         {"lang", true},
                                                                         {"publisher", true},
                                                                         {"namespace", true}});
    opt.expectPositional(0, 0, std::string("no arguments besides the options (") + kUsage + ")");
    VexRequest request;
    if (opt.has("product") == opt.has("case")) {
        throw UsageError(std::string("vex export needs either --product NAME or --case ID (") +
                         kUsage + ")");
    }
    if (opt.has("case")) {
        if (opt.has("version")) {
            throw UsageError("--version goes with --product, not with --case (a case names its "
                             "product version)");
        }
        request.caseId = parseCaseId(opt.get("case"));
    } else {
        request.product = opt.get("product");
        if (request.product.empty()) {
            throw UsageError("--product needs a product name");
        }
        if (opt.has("version")) {
            request.version = opt.get("version");
        }
    }
    request.lang = opt.get("lang", "ja");
    if (request.lang != "ja" && request.lang != "en") {
        throw UsageError("--lang must be ja or en, not '" + request.lang + "'");
    }
    request.publisherName = opt.get("publisher", request.publisherName);
    request.publisherNamespace = opt.get("namespace", request.publisherNamespace);
    if (request.publisherName.find_first_not_of(" \t") == std::string::npos) {
        throw UsageError("--publisher needs a name (the manufacturer publishing the document)");
    }
    if (request.publisherNamespace.rfind("https://", 0) != 0 &&
        request.publisherNamespace.rfind("http://", 0) != 0) {
        throw UsageError("--namespace must be the publisher's web address (https://…), not '" +
                         request.publisherNamespace + "'");
    }
    request.generatorVersion = "0.1.0";

    const auto store = openStore(ctx, maybeConfig(ctx, false));
    VexInput input;
    try {
        input = gatherVex(*store, request);
    } catch (const VexRequestError& e) {
        ctx.err << "vulnwatch: " << e.what() << "\n";
        return kExitUsage;
    }
    const CsafDocument doc = buildVex(input);
    const auto problems = checkCsaf(doc);
    if (!problems.empty()) {
        // A bug of the builder, or stored values it cannot state: never hand out such a document.
        ctx.err << "vulnwatch: the document would not be valid CSAF 2.0 (" << problems.size()
                << " problems); nothing written:\n";
        for (const auto& p : problems) {
            ctx.err << "  " << p << "\n";
        }
        return kExitFailure;
    }
    const std::string json = toJson(doc);
    if (opt.has("out") && opt.get("out") != "-") {
        const std::string path = opt.get("out");
        writeFile(path, json);
        ctx.err << "vulnwatch: wrote " << path << " (" << doc.category << ", tracking "
                << doc.trackingId << " version " << doc.version << ", "
                << doc.vulnerabilities.size() << " vulnerabilities)\n";
    } else {
        ctx.out << json;
    }
    return kExitOk;
}

} // namespace vw::cli
