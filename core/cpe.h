// CPE names (NISTIR 7695): the 2.2 URI binding (`cpe:/a:vendor:product:version`) and the 2.3
// formatted string binding (`cpe:2.3:a:vendor:product:version:…`), read into one normalized form
// and written back in either binding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vw {

/// One CPE name, binding-independent. Every value is normalized:
/// - lower case (ASCII; other bytes unchanged), `\` escapes and percent-encoding removed, and a
///   space (2.2 `%20`) read as `_`, so `http server` and `http_server` are the same name;
/// - the logical values: empty or `*` is ANY, `-` is NA;
/// - a `*` or `?` is a wildcard (2.3 unquoted, 2.2 `%02` / `%01`); the literal characters `*`,
///   `?` and `\`, and a value that is a literal `-` alone, keep a `\` (`\*`, `\?`, `\\`, `\-`);
///   every other character is plain. (So `micro\$oft` reads as `micro$oft`.)
struct Cpe {
    char part = 'a';     // a, o, h; '*' when the name leaves it open (2.3 `*`, 2.2 empty)
    std::string vendor;  // never empty: `*` (ANY, also for 2.2 empty), `-` (NA) or a name
    std::string product; // always a name (never ANY or NA)
    std::string version; // empty (not given) or a value as above
    std::string update;
    std::string edition; // the 2.2 (legacy) edition, unpacked when 2.2 packs `~e~swe~tsw~thw~o`
    std::string language;
    std::string swEdition;
    std::string targetSw;
    std::string targetHw;
    std::string other;
};

/// Parses either binding. Returns nullopt for malformed names: whitespace or control bytes, a
/// missing or unknown part, a missing product or a product that is ANY/NA, too many fields, a
/// bad `%` escape, a dangling `\`, a wildcard inside a 2.3 value, a bad packed 2.2 edition.
/// Lenient where data in the wild is sloppy and no meaning is lost: unescaped punctuation in a
/// 2.3 value is taken literally, a 2.3 name may stop after any field, and a 2.2 `*` alone is ANY.
std::optional<Cpe> parseCpe(std::string_view text);

/// The 2.3 formatted string: all eleven fields, ANY as `*`, NA as `-`, every character other
/// than letters, digits, `_`, `.` and `-` escaped with `\`.
std::string toCpe23(const Cpe& cpe);

/// The 2.2 URI: ANY as empty, NA as `-`, characters other than letters, digits, `_`, `.` and `-`
/// percent-encoded (lower-case hex; wildcards `?` `%01`, `*` `%02`), the 2.3-only fields packed
/// into the edition (`~edition~sw_edition~target_sw~target_hw~other`) when any is not ANY,
/// trailing empty fields dropped.
std::string toCpe22(const Cpe& cpe);

/// True for a value that is ANY (empty or `*`).
bool isAnyValue(std::string_view value);

/// True when `vendor` names no vendor: ANY (`*`, empty), NA (`-`) or JVN's pseudo-vendor `misc`
/// (used for products without a vendor of their own). Such a CPE is matched on its part and
/// product only.
bool isPseudoVendor(std::string_view vendor);

} // namespace vw
