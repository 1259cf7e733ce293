// The install base CSV (docs/installbase.md): which site runs which product version, and whom to
// tell about it (the hospital, a lessor, a distributor). Bytes → validated rows, and the
// difference between two install bases (what a re-import adds, removes or changes). Pure: no
// I/O, no clock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

/// One recipient of one product version at one site (one data row of the CSV).
struct InstallBaseRow {
    int line = 0;             // the physical line the row starts on (the header is line 1)
    std::string siteName;     // 施設名 / site
    std::string siteId;       // 施設ID / site id
    std::string product;      // 製品 / product
    std::string version;      // バージョン / version
    long long quantity = 1;   // 台数 / quantity (≥ 1; 1 when the column is absent or empty)
    std::string contactName;  // 担当者 / contact name
    std::string contactEmail; // メールアドレス / contact email
    std::string contactPhone; // 電話番号 / contact phone
    std::string role;         // "hospital", "lessor" or "distributor"
    std::string notes;        // 備考 / notes

    /// Equal in every field but `line`.
    bool sameContent(const InstallBaseRow& other) const;
};

/// A problem of one line of the file, in a sentence fit for the command line
/// ("contact email 'x' is not a mail address"); line 0 is the file as a whole.
struct InstallBaseProblem {
    int line = 0;
    std::string message;
};

struct InstallBaseFile {
    std::string encoding;             // "UTF-8", "UTF-8 (BOM)" or "Shift_JIS (CP932)"
    std::vector<InstallBaseRow> rows; // the good rows, in file order
    /// Every bad row (and a bad header or encoding), in file order. Import only when empty.
    std::vector<InstallBaseProblem> problems;
};

struct InstallBaseLimits {
    std::size_t maxBytes = 16 * 1024 * 1024;
    std::size_t maxRows = 100000;
    std::size_t maxFieldBytes = 4096;
};

/// Reads the install base CSV: UTF-8 (with or without BOM), else Shift_JIS as Excel writes it
/// (CP932); RFC 4180 quoting (commas, line breaks and "" inside quotes); CRLF or LF line ends;
/// a header row naming the columns in Japanese or English, in any order; empty rows skipped.
/// Never throws on bad input: every problem is in `problems`.
InstallBaseFile parseInstallBaseCsv(std::string_view bytes, const InstallBaseLimits& limits = {});

/// "hospital", "lessor" or "distributor" for those words or their Japanese names (病院,
/// 医療機関, リース会社, 販売代理店 …); "" for anything else.
std::string parseRecipientRole(std::string_view text);

/// The identity of a row across two imports: site id, product, version and role.
std::string installBaseKey(const InstallBaseRow& row);

/// What a new install base changes, by installBaseKey; each list sorted by key.
struct InstallBaseDiff {
    std::vector<InstallBaseRow> added;
    std::vector<InstallBaseRow> removed;
    std::vector<std::pair<InstallBaseRow, InstallBaseRow>> changed; // before, after
    std::size_t unchanged = 0;
    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

InstallBaseDiff diffInstallBase(const std::vector<InstallBaseRow>& before,
                                const std::vector<InstallBaseRow>& after);

/// The names of the fields that differ ("contact email", "quantity", …).
std::vector<std::string> changedFields(const InstallBaseRow& before, const InstallBaseRow& after);

} // namespace vw
