// Internal to inventory/: what the CycloneDX and SPDX readers share. Not part of the API.
#pragma once

#include "inventory/sbom.h"

#include <Poco/JSON/Object.h>
#include <cstddef>
#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace vw::sbom {

/// Fills an SbomDocument under SbomLimits: counts entries, keeps CPEs that parse, derives the
/// vendor, caps the warnings.
class Builder {
public:
    Builder(SbomDocument& document, const SbomLimits& limits);

    SbomDocument& document() { return document_; }
    const SbomLimits& limits() const { return limits_; }

    /// One more component or package entry, kept or not; throws SbomError past maxComponents.
    void countEntry();
    /// An entry that is not a component (a CycloneDX `file`, an entry without a name).
    void skip() { ++document_.skipped; }
    /// Adds a warning; past 100 they are only counted, and finish() says how many more.
    void warn(std::string message);

    /// Adds `text` (trimmed) to the component's CPEs when it is a CPE name and not there yet;
    /// warns about anything else that is not empty.
    void addCpe(Component& component, std::string_view text);
    /// Sets the vendor from the first CPE and appends to the components (or the subject).
    void add(Component component);
    void addSubject(Component component);

    /// The closing warnings (no components; warnings not shown).
    void finish();

private:
    SbomDocument& document_;
    const SbomLimits& limits_;
    std::size_t entries_ = 0;
    std::size_t moreWarnings_ = 0;
};

/// A supplier / originator / publisher as a plain name: trimmed, without "Organization:" or
/// "Person:", without a trailing `(…@…)` or `<…@…>` contact; "" for NOASSERTION and NONE.
std::string cleanSupplier(std::string_view text);

/// `text` without leading and trailing white space, as a string.
std::string trimmed(std::string_view text);

/// Throws SbomError unless `version` is 1.4, 1.5 or 1.6.
void checkCycloneDxVersion(const std::string& version);
/// Throws SbomError unless `version` is "SPDX-2.2" or "SPDX-2.3"; returns "2.2" / "2.3".
std::string checkSpdxVersion(const std::string& version);

void readCycloneDxJson(const Poco::JSON::Object& root, Builder& builder);
/// `bom` is the root element; `version` the one its namespace names ("1.5").
void readCycloneDxXml(pugi::xml_node bom, const std::string& version, Builder& builder);
void readSpdxJson(const Poco::JSON::Object& root, Builder& builder);
/// `text` is the whole document, without a BOM.
void readSpdxTagValue(std::string_view text, Builder& builder);

} // namespace vw::sbom
