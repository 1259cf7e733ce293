// ctest js.csaf, first half: writes CSAF documents built by core/vex.h from the sample inputs
// (tests/helpers/vex_samples.h) into OUT_DIR — valid-*.json, which must pass csaf-validator-lib,
// and broken-*.json, mutations of a valid document that vulnwatch's own checks (checkCsaf) must
// catch before the validator is shown to catch them too (tests/js/check_csaf.js, vex.sh).
//
//   make_vex_docs OUT_DIR
//
// Exit code 1 when a valid document has problems or a mutation is not caught by checkCsaf.
#include "core/vex.h"
#include "helpers/vex_samples.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>

namespace {

using namespace vw;

bool ok = true;

void write(const std::string& dir, const std::string& name, const CsafDocument& doc) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << toJson(doc);
    if (!out) {
        std::cerr << "make_vex_docs: cannot write " << dir << "/" << name << "\n";
        ok = false;
    }
}

void valid(const std::string& dir, const std::string& name, const VexInput& in) {
    const CsafDocument doc = buildVex(in);
    for (const auto& p : checkCsaf(doc)) {
        std::cerr << name << ": checkCsaf: " << p << "\n";
        ok = false;
    }
    write(dir, name, doc);
}

/// Writes `doc` (a mutation) when checkCsaf reports a problem containing `expected`.
void broken(const std::string& dir, const std::string& name, const CsafDocument& doc,
            const std::string& expected) {
    const auto problems = checkCsaf(doc);
    const bool caught = std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
        return p.find(expected) != std::string::npos;
    });
    if (!caught) {
        std::cerr << name << ": checkCsaf did not report '" << expected << "'\n";
        ok = false;
    } else {
        std::cout << "checkCsaf caught " << name << ": " << expected << "\n";
    }
    write(dir, name, doc);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_vex_docs OUT_DIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    const VexInput mixed = test::sampleMixedInput();
    valid(dir, "valid-mixed.json", mixed);
    VexInput english = mixed;
    english.lang = "en";
    valid(dir, "valid-mixed-en.json", english);
    VexInput jvnOnly = mixed;
    jvnOnly.vulnerabilities = {test::sampleJvnOnly("Example Imaging Viewer", "3.2", 7)};
    valid(dir, "valid-jvn-only.json", jvnOnly);
    valid(dir, "valid-200-components.json", test::sampleLargeInput(200, 24));
    VexInput none = mixed;
    none.vulnerabilities.clear();
    valid(dir, "valid-no-cases.json", none);

    const CsafDocument good = buildVex(mixed);
    {
        // The product tree loses a product version that a status names.
        CsafDocument doc = good;
        const std::string gone =
            doc.vulnerabilities.at(0).productStatus.at("known_not_affected").front();
        doc.productVersions.erase(
            std::remove_if(doc.productVersions.begin(), doc.productVersions.end(),
                           [&](const CsafProduct& p) { return p.id == gone; }),
            doc.productVersions.end());
        // ... and the relationships that hang on it, so only the status refers to it.
        doc.relationships.erase(
            std::remove_if(doc.relationships.begin(), doc.relationships.end(),
                           [&](const CsafRelationship& r) { return r.relatesToReference == gone; }),
            doc.relationships.end());
        for (auto& [status, ids] : doc.vulnerabilities[0].productStatus) {
            ids.erase(std::remove_if(ids.begin(), ids.end(),
                                     [&](const std::string& id) {
                                         return id != gone && id.rfind(gone + ":", 0) == 0;
                                     }),
                      ids.end());
        }
        for (auto* refs : {&doc.vulnerabilities[0].flags, &doc.vulnerabilities[0].threats}) {
            for (auto& r : *refs) {
                r.productIds = {gone};
            }
        }
        broken(dir, "broken-missing-product.json", doc, "product " + gone + " is not defined");
    }
    {
        // A not-affected product without a justification: no flag, no impact statement.
        CsafDocument doc = good;
        doc.vulnerabilities[0].flags.clear();
        doc.vulnerabilities[0].threats.clear();
        broken(dir, "broken-no-justification.json", doc, "has no justification flag");
    }
    {
        CsafDocument doc = good;
        doc.vulnerabilities[0].remediations.clear();
        broken(dir, "broken-no-remediation.json", doc, "has no remediation");
    }
    {
        CsafDocument doc = good;
        doc.vulnerabilities[0].scores[0].baseScore = 9.0;
        broken(dir, "broken-wrong-score.json", doc, "does not give base score");
    }
    return ok ? 0 : 1;
}
