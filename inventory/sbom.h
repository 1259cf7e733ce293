// SBOM readers: CycloneDX 1.4–1.6 (JSON and XML) and SPDX 2.2/2.3 (JSON and tag-value), bytes
// → the components a product ships; and the difference between two component lists (what a
// re-imported SBOM added, removed or changed). Pure: no I/O, no clock.
#pragma once

#include "core/product.h"

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

/// An SBOM that cannot be read: not an SBOM, an unsupported spec version, malformed, or past a
/// limit of SbomLimits. The message says which, in a sentence fit for the command line.
class SbomError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class SbomFormat { Auto, CycloneDx, Spdx };

/// "auto", "cyclonedx" or "spdx" (ASCII case ignored); nullopt for anything else.
std::optional<SbomFormat> parseSbomFormat(std::string_view text);

/// Bounds on hostile or broken input, checked before or while parsing, so a bad SBOM ends in
/// an SbomError, never in a crash or a huge allocation.
struct SbomLimits {
    std::size_t maxBytes = 64 * 1024 * 1024; // the whole document
    std::size_t maxDepth = 100;         // JSON `[`/`{` nesting, CycloneDX XML component nesting
    std::size_t maxComponents = 200000; // component / package entries, skipped ones too
    /// JSON values or XML elements, counted before parsing: the parsed tree takes some 50–80
    /// bytes a node, and real SBOMs have one node per 25–180 bytes.
    std::size_t maxNodes = 4000000;
};

struct SbomDocument {
    /// What was read, for messages: "CycloneDX 1.5 JSON", "CycloneDX 1.4 XML",
    /// "SPDX 2.3 JSON", "SPDX 2.2 tag-value".
    std::string format;
    std::string specVersion; // "1.5", "2.3"
    /// The components, in document order (CycloneDX: depth first, a component before the
    /// components nested in it; SPDX: package order).
    ///
    /// Component fields: `name`, `version` ("" stays ""), `purl` (the first one), `cpes`
    /// (every CPE name that parses, in document order, without repeats: CycloneDX `cpe`,
    /// syft's `syft:cpe23` properties and external references whose URL is a CPE; SPDX
    /// `cpe22Type` / `cpe23Type` external references, short or URL form), `supplier`
    /// (CycloneDX supplier, manufacturer, publisher, author or first of authors; SPDX supplier,
    /// else originator; without "Organization: " / "Person: " and a trailing contact in
    /// `(…@…)` / `<…@…>`; NOASSERTION is ""), `vendor` (the vendor of the first CPE; "" when
    /// there is none or it is `*` / `-`).
    std::vector<Component> components;
    /// What the document is about, not counted as components: the CycloneDX
    /// `metadata.component`, the SPDX packages the document DESCRIBES (`documentDescribes`,
    /// `DESCRIBES` / `DESCRIBED_BY` relationships). Useful for the product's name.
    std::vector<Component> subject;
    /// Entries that are not components: CycloneDX components of type `file` (syft writes one
    /// per catalogued file) and entries without a name.
    std::size_t skipped = 0;
    /// Things a user may want to know that did not stop the reading, one sentence each.
    std::vector<std::string> warnings;
};

/// Reads an SBOM. `Auto` tells the formats apart by content (after a UTF-8 BOM and white
/// space): `{` (or `[`) is JSON (CycloneDX by `bomFormat`, SPDX by `spdxVersion`), `<` is XML
/// (CycloneDX by its namespace), a `SPDXVersion:` line is SPDX tag-value. `CycloneDx` and
/// `Spdx` insist on that family. Throws SbomError.
SbomDocument readSbom(std::string_view bytes, SbomFormat format = SbomFormat::Auto,
                      const SbomLimits& limits = {});

/// The identity of a component across two versions of an SBOM: "purl:" and the purl without
/// version, qualifiers and subpath (lower case) when it has one; else "name:" and the name
/// (trimmed, lower case, runs of white space as one space), "|" and the vendor (or when that
/// is empty the supplier), lower case.
std::string componentKey(const Component& component);

struct SbomDiff {
    std::vector<Component> added;                         // in `after` order
    std::vector<Component> removed;                       // in `before` order
    std::vector<std::pair<Component, Component>> changed; // (before, after), in `after` order
    std::size_t unchanged = 0;

    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

/// What changed from `before` to `after`. Components pair up by componentKey(); when several
/// share a key (the same package twice, e.g. Maven jars told apart by a classifier qualifier),
/// equal components pair first, then those with the same purl apart from its version, then the
/// rest in document order; the ones left over are added or removed. Deterministic, and the
/// same list on both sides is all `unchanged`.
SbomDiff diffComponents(const std::vector<Component>& before, const std::vector<Component>& after);

} // namespace vw
