#include "web/sbom_upload.h"

#include "core/json_writer.h"

namespace vw::web {
namespace {

void writeComponent(JsonWriter& json, const Component& c) {
    json.beginObject().key("name").value(c.name).key("version").value(c.version);
    json.key("purl").value(c.purl).key("cpes").stringArray(c.cpes);
    json.key("vendor").value(c.vendor).key("supplier").value(c.supplier).endObject();
}

} // namespace

std::string sbomUploadJson(const SbomUploadReport& report) {
    const SbomDocument& doc = report.document;
    const SbomImportOutcome& out = report.outcome;
    long long withCpe = 0;
    long long withPurl = 0;
    for (const auto& c : doc.components) {
        withCpe += c.cpes.empty() ? 0 : 1;
        withPurl += c.purl.empty() ? 0 : 1;
    }
    JsonWriter json;
    json.beginObject().key("product").value(report.product).key("version").value(report.version);
    json.key("format").value(doc.format);
    json.key("components").value(static_cast<long long>(doc.components.size()));
    json.key("with_cpe").value(withCpe).key("with_purl").value(withPurl);
    json.key("skipped").value(static_cast<long long>(doc.skipped));
    json.key("compared_with");
    if (out.comparedWith) {
        json.value(*out.comparedWith);
    } else {
        json.null();
    }
    json.key("existing").value(out.existing);
    json.key("added").beginArray();
    for (const auto& c : out.diff.added) {
        writeComponent(json, c);
    }
    json.endArray().key("removed").beginArray();
    for (const auto& c : out.diff.removed) {
        writeComponent(json, c);
    }
    json.endArray().key("changed").beginArray();
    for (const auto& [from, to] : out.diff.changed) {
        json.beginObject().key("before");
        writeComponent(json, from);
        json.key("after");
        writeComponent(json, to);
        json.endObject();
    }
    json.endArray().key("unchanged").value(static_cast<long long>(out.diff.unchanged));
    json.key("warnings").stringArray(doc.warnings);
    json.key("dry_run").value(report.dryRun).key("committed").value(report.committed);
    json.key("new_matches").value(static_cast<long long>(report.newMatches));
    json.endObject();
    return json.str();
}

std::string componentLabel(const Component& c) {
    return c.name + (c.version.empty() ? "" : " " + c.version);
}

std::string componentChange(const Component& from, const Component& to) {
    std::string text;
    const auto field = [&](const char* name, const std::string& a, const std::string& b) {
        if (a != b) {
            text += (text.empty() ? "" : ", ") + std::string(name) + " " +
                    (a.empty() ? "(none)" : a) + " → " + (b.empty() ? "(none)" : b);
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
    field("CPE", joined(from.cpes), joined(to.cpes));
    field("vendor", from.vendor, to.vendor);
    field("supplier", from.supplier, to.supplier);
    return text;
}

} // namespace vw::web
