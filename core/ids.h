// Vulnerability identifiers: recognition, normalization and extraction from free text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

enum class IdKind { Cve, Jvndb, Jvn, Jvnvu, Jvnta, JpcertAt };

/// Normalizes one identifier written by a source: trims, upper-cases, fixes the JVN forms
/// (`JVNVU12345678` → `JVNVU#12345678`, `jvn#12345678` → `JVN#12345678`).
/// Returns nullopt for anything that is not one of the kinds above (CWE ids, free text).
std::optional<std::string> normalizeId(std::string_view raw);

/// The kind of an already normalized id.
std::optional<IdKind> idKind(std::string_view normalized);

/// Every identifier named anywhere in `text` (including inside URLs such as
/// `https://jvn.jp/vu/JVNVU96768815/`), normalized, unique, in order of first appearance.
/// A CERT/CC `VU#323172` is not a JVN id and is not returned.
std::vector<std::string> extractIds(std::string_view text);

/// True for a CISA ICS advisory id as CISA writes it in CSAF `tracking.id`: `ICSA-YY-DDD-NN` or
/// `ICSMA-YY-DDD-NN` (ICS Medical), optionally with one update letter (`ICSA-24-100-01A`),
/// upper case. Advisory ids (docs/correlation.md); not found by extractIds in free text.
bool isCisaIcsAdvisoryId(std::string_view id);

/// Sorts and de-duplicates `ids` in place and removes `self` from it.
void canonicalizeAliases(std::vector<std::string>& ids, std::string_view self);

} // namespace vw
