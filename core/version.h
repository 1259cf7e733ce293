// Versions: ordering version strings and reading the affected-version text of a VULDEF
// AffectedItem (<VersionNumber>, e.g. "2.13.0 から 2.15.0 より前のバージョン") into ranges.
// Pure functions, std only; matching products against advisories uses them later.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

// --- ordering --------------------------------------------------------------------------------

/// Orders two version strings: < 0 when `a` is older, 0 when equal, > 0 when newer.
///
/// Both are first normalized: full-width ASCII (U+FF01–U+FF5E, e.g. "１．２", "Ｖｅｒ") folds to
/// ASCII, letters to lower case, "ビルド" to "build", "サービスパック" / "service pack" to "sp",
/// and a leading "Version", "Ver.", "Ver", "V" or "バージョン" before the first digit is dropped.
/// Then each is split into segments: runs of digits (numbers), runs of letters (words); every
/// other byte (".", "-", "_", "+", spaces, parentheses, other text) only separates segments.
///
/// - Numbers compare as numbers of any length; leading zeros are ignored ("1.02" == "1.2").
/// - Trailing zeros of a run of numbers do not count: "1.0" == "1" == "1.0.0", and
///   "2.0.0-rc1" == "2.0-rc1".
/// - Pre-release words rank below the release they precede, in the order dev = snapshot <
///   alpha < beta < pre = preview < rc = cr: "2.0-beta9" < "2.0-beta10" < "2.0-rc1" < "2.0".
///   Only these whole words are pre-releases: a single letter is a suffix ("2.0b1" > "2.0").
/// - "final", "release", "ga" and "stable" are dropped: "2.0-final" == "2.0".
/// - Any other word is a suffix ranking above the release and below the next number:
///   OpenSSL "1.0.1" < "1.0.1f" < "1.0.1g" < "1.0.1zh" < "1.0.2"; "7.1" < "7.1 SP2" < "7.2";
///   "5.8" < "5.8 (Build 1577)" < "5.8 (Build 1578)" < "5.8.1"; "6" < "6 R4" < "7".
///   Words compare alphabetically; "update" is "u", "patch" "p", "revision" / "rev" "r".
/// - At one position: pre-release word < end of the version < other word < number.
/// - Build numbers are just more numbers: "1.2.3.4567" < "1.2.3.10000".
int compareVersions(std::string_view a, std::string_view b);

/// The version has a digit after its prefix (one compareVersions() can place); "" or "最新版"
/// has none.
bool isComparableVersion(std::string_view version);

// --- ranges ----------------------------------------------------------------------------------

/// One range of affected versions read from a VersionNumber text.
struct VersionRange {
    /// Every version ("全てのバージョン", "all versions"); the bounds are unset.
    bool all = false;
    /// A series ("10 系", "2.x"): versions whose leading numbers are these ("10" holds "10",
    /// "10.2.1", "10.0-beta"; "2.4" holds "2.4.9", not "2.5"). The bounds are unset.
    std::optional<std::string> series;
    /// Bounds as canonical version strings ("5.8 build 1577", "7.1 SP2", "6 R4"); a plain
    /// version is a range whose bounds are both that version, inclusive.
    std::optional<std::string> lower;
    bool lowerInclusive = true;
    std::optional<std::string> upper;
    bool upperInclusive = true;
    /// The CVEs this range applies to, from a list in parentheses after it
    /// ("Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）"); empty: all of the entry's.
    std::vector<std::string> cves;
    /// A platform in parentheses after a version ("1.2 (x64)", "3.0 (Windows 版)"); not checked.
    std::string qualifier;
    /// The part of the (width-folded) text this range was read from.
    std::string text;
};

/// A VersionNumber text read into ranges.
struct ParsedVersionText {
    std::string text;                 // the text as given
    std::vector<VersionRange> ranges; // any of them: a version in one of them is affected
    /// Text before the versions naming a part, edition or platform ("core", "ファームウェア",
    /// "for EMC Celerra", "Windows 版"), without a trailing "バージョン" / "Version"; not checked
    /// by rangeContains() or evaluateVersion().
    std::string product;
    bool understood = false;
    std::string why; // when not understood: what could not be read
};

/// Reads one VersionNumber text. Width is folded first (see compareVersions()), U+3000 is a
/// space, "、" a comma and "〜" a tilde; spaces before or after Japanese are optional. A text is
/// a product prefix, then one or more items separated by "、", ",", "および", "及び", "と",
/// "and", "or" or "/", each optionally followed by a CVE list in parentheses:
///
///   X                                   exactly X ("7.7")
///   X 未満 | X より前 | prior to X | before X | < X                       below X
///   X 以前 | X 以下 | X およびそれ以前 | X まで | X and earlier | up to X | <= X   up to X
///   X 以上 | X 以降 | X and later | >= X                                  from X on
///   X より後 | X 超 | > X                                                above X
///   X から Y | X から Y まで | X 以上 Y 以下 | X ～ Y | X through Y | X to Y |
///   from X to Y | between X and Y | 1.0-2.0                               X to Y, inclusive
///   X から Y より前 | X から Y 未満 | X 以上 Y 未満                        X up to before Y
///   X 系 | X.x                                                           the series X
///   全てのバージョン | すべてのバージョン | 全バージョン | all versions     every version
///
/// An item with only a lower bound followed by one with only a higher upper bound is one range
/// ("1.0 以上、2.0 未満"). Words that only decorate ("のバージョン", "バージョン", "版", "の",
/// "versions") are skipped. A version is a digit-led token with an optional "Ver." / "V" /
/// "Version" prefix, its letters and separators ("2.0-beta9", "1.0.1f", "2.x"), and suffixes: a
/// build ("(Build 1577)", "(ビルド 1234)", "build 5"), a service pack ("SP2", "Service Pack 2"),
/// a revision ("R4"), an update or patch ("Update 3"), a pre-release ("RC1"), and a platform
/// in parentheses naming Windows, Linux, macOS, x86, x64, 64bit and the like (other text in
/// parentheses is not understood). A dash between two dotted versions of as many numbers is
/// "to" ("2.4.1-2.4.9"); elsewhere it belongs to the version ("1.0.1-1", "2.0-beta9"). A plain
/// version is that version exactly ("8.0" holds "8.0.0", not "8.0.1"). Text before the first
/// item is the product; when the first try fails, the text begins with a word and holds no
/// operator, versions inside it are part of the name ("Windows 10 版 1.2 以前" is product
/// "Windows 10 版", up to 1.2).
///
/// Not understood (with `why`): an empty text, a text without a version, any word or sign
/// left over (an exclusion "（ただし 1.5 を除く）", a date "2021年4月以前"), a bound without its
/// partner ("1.0 から"), an ambiguous pair ("1.0 以上 2.0").
ParsedVersionText parseVersionText(std::string_view text);

/// Whether `version` lies in the range: always for `all`; leading numbers for a series; else
/// compareVersions() against each bound. False when the version is not comparable.
bool rangeContains(const VersionRange& range, std::string_view version);

/// A short description: "all", "series 10", "= 7.7", "< 5.16.3", "<= 6 R4", ">= 2.13.0, <
/// 2.15.0", then " [CVE-…, …]" and " (qualifier)" when present.
std::string describeRange(const VersionRange& range);

// --- verdicts --------------------------------------------------------------------------------

enum class RangeVerdict { Affected, NotAffected, Unknown };
const char* rangeVerdictName(RangeVerdict verdict); // "affected", "not-affected", "unknown"

struct VersionEvaluation {
    RangeVerdict verdict = RangeVerdict::Unknown;
    /// The text that decided: the first holding the version (Affected) or the first that could
    /// not be read (Unknown); unset for NotAffected and when no text decided.
    std::optional<std::size_t> decidedBy;
    std::string reason; // one line for people, naming the text and the range
};

/// The versions of one product given as several VersionNumber texts (any of them applies):
/// Affected when a range of any text holds `version`; otherwise Unknown when a text could not
/// be read, when there is no text, or when `version` is not comparable (never a silent miss);
/// otherwise NotAffected. Product prefixes and CVE lists are not checked here.
VersionEvaluation evaluateVersion(const std::vector<ParsedVersionText>& texts,
                                  std::string_view version);
VersionEvaluation evaluateVersion(const std::vector<std::string>& versionTexts,
                                  std::string_view version);

} // namespace vw
