// Package URLs (https://github.com/package-url/purl-spec): `pkg:type/namespace/name@version
// ?qualifiers#subpath`, as SBOMs give them for components. Pure, std only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

/// One purl, taken apart and percent-decoded. Values keep their case except `type` and the
/// qualifier keys (lower case, as the spec defines them); no type-specific normalization.
struct Purl {
    std::string type;    // "maven", "npm", "pypi", "deb", …
    std::string ns;      // the namespace: segments joined by '/'; "" when none
    std::string name;    // never empty
    std::string version; // "" when none
    std::vector<std::pair<std::string, std::string>> qualifiers; // in the order given
    std::string subpath;                                         // "" when none

    /// The value of qualifier `key` (lower case), "" when absent.
    std::string qualifier(std::string_view key) const;

    /// For operating-system package types (apk, deb, rpm, alpm, ebuild, opkg, …): the source
    /// package the binary package was built from, from the `upstream` qualifier (syft writes
    /// it: `pkg:apk/alpine/libssl3@3.3.5-r0?upstream=openssl`), with a version cut off
    /// (`gcc-12@12.2.0-14` → `gcc-12`; for rpm `openssl-1.0.2k-19.el7.src.rpm` → `openssl`).
    /// "" when there is none or it equals `name`.
    std::string sourcePackage() const;
};

/// Parses a purl (leniently: a "pkg:" in any case, "pkg://" tolerated, surrounding white space
/// ignored, a literal '@' at the start of an npm scope segment accepted, a bad %-escape kept
/// literally). The version is after the last '@' that is followed by no '/'. Returns nullopt when
/// the text does not start with "pkg:", the type is empty or not [a-z0-9.+-], or the name is
/// empty.
std::optional<Purl> parsePurl(std::string_view text);

/// The name of the purl (`pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1` →
/// "log4j-core"); "" when `text` is not a purl.
std::string purlName(std::string_view text);

/// True for the purl types whose packages come from an operating-system distribution (alpm,
/// apk, deb, ebuild, opkg, qpkg, rpm): their namespace and supplier name the distribution or
/// its packager ("alpine", "Person: Natanael Copa"), never the software's vendor.
bool isDistributionPurlType(std::string_view type);

} // namespace vw
