#include "inventory/installbase.h"

#include "core/text.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <unicode/ucnv.h>

namespace vw {
namespace {

// --- encoding ------------------------------------------------------------------------------

bool validUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) {
                return false;
            }
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (d & 0x3F);
        }
        const char32_t minimum = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
        if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

struct ConverterCloser {
    void operator()(UConverter* converter) const { ucnv_close(converter); }
};

/// CP932 (windows-31j, what Excel writes as "CSV") to UTF-8 through ICU, refusing bytes that
/// are not CP932; nullopt then, with the offset of the first bad byte in `badOffset`.
std::optional<std::string> cp932ToUtf8(std::string_view bytes, std::size_t& badOffset) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UConverter, ConverterCloser> converter(ucnv_open("windows-31j", &status));
    if (U_FAILURE(status)) {
        badOffset = 0;
        return std::nullopt;
    }
    ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr,
                        &status);
    std::u16string wide(bytes.size() + 1, u'\0');
    const char* source = bytes.data();
    const char* sourceLimit = bytes.data() + bytes.size();
    UChar* target = reinterpret_cast<UChar*>(wide.data());
    UChar* targetLimit = target + wide.size();
    ucnv_toUnicode(converter.get(), &target, targetLimit, &source, sourceLimit, nullptr, true,
                   &status);
    if (U_FAILURE(status)) {
        badOffset = static_cast<std::size_t>(source - bytes.data());
        // ICU has consumed the bad sequence: point at its start.
        char errorBytes[8];
        int8_t errorLength = sizeof errorBytes;
        UErrorCode ignored = U_ZERO_ERROR;
        ucnv_getInvalidChars(converter.get(), errorBytes, &errorLength, &ignored);
        if (U_SUCCESS(ignored) && static_cast<std::size_t>(errorLength) <= badOffset) {
            badOffset -= static_cast<std::size_t>(errorLength);
        }
        return std::nullopt;
    }
    wide.resize(static_cast<std::size_t>(target - reinterpret_cast<UChar*>(wide.data())));
    std::string out;
    out.reserve(wide.size() * 3);
    for (std::size_t i = 0; i < wide.size(); ++i) {
        char32_t cp = wide[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < wide.size()) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (wide[i + 1] - 0xDC00);
            ++i;
        }
        appendUtf8(out, cp);
    }
    return out;
}

// --- CSV -----------------------------------------------------------------------------------

struct CsvRecord {
    int line = 0;
    std::vector<std::string> fields;
};

/// RFC 4180 records; a problem (an unclosed quote, text after a closing quote) ends the file.
std::vector<CsvRecord> splitCsv(std::string_view text, std::vector<InstallBaseProblem>& problems) {
    std::vector<CsvRecord> records;
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        CsvRecord record;
        record.line = line;
        std::string field;
        bool endOfRecord = false;
        while (!endOfRecord) {
            field.clear();
            if (i < text.size() && text[i] == '"') {
                const int quoteLine = line;
                ++i;
                bool closed = false;
                while (i < text.size()) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < text.size() && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n') {
                        ++line;
                    }
                    field += c;
                    ++i;
                }
                if (!closed) {
                    problems.push_back(
                        {quoteLine, "a quoted field is never closed (a \" is missing)"});
                    return records;
                }
                if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                    problems.push_back(
                        {line, "text after the closing quote of a field (write \"\" for a quote "
                               "inside a quoted field)"});
                    return records;
                }
            } else {
                while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                    field += text[i];
                    ++i;
                }
            }
            // Strip CRLF's CR inside a quoted field: Excel writes CRLF line breaks there too.
            std::string cleaned;
            cleaned.reserve(field.size());
            for (std::size_t k = 0; k < field.size(); ++k) {
                if (field[k] == '\r' && k + 1 < field.size() && field[k + 1] == '\n') {
                    continue;
                }
                cleaned += field[k];
            }
            record.fields.push_back(std::move(cleaned));
            if (i >= text.size()) {
                endOfRecord = true;
            } else if (text[i] == ',') {
                ++i;
            } else {
                if (text[i] == '\r') {
                    ++i;
                }
                if (i < text.size() && text[i] == '\n') {
                    ++i;
                }
                ++line;
                endOfRecord = true;
            }
        }
        records.push_back(std::move(record));
    }
    return records;
}

// --- columns -------------------------------------------------------------------------------

enum class Column {
    SiteName,
    SiteId,
    Product,
    Version,
    Quantity,
    ContactName,
    ContactEmail,
    ContactPhone,
    Role,
    Notes,
};
constexpr std::size_t kColumnCount = 10;

const char* columnName(Column c) {
    static constexpr std::array<const char*, kColumnCount> names = {
        "site name",    "site id",       "product",       "version", "quantity",
        "contact name", "contact email", "contact phone", "role",    "notes"};
    return names.at(static_cast<std::size_t>(c));
}

/// Trims ASCII white space and the ideographic space U+3000.
std::string trimmed(std::string_view text) {
    static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
    for (;;) {
        text = trim(text);
        if (text.substr(0, 3) == kIdeographicSpace) {
            text.remove_prefix(3);
        } else if (text.size() >= 3 && text.substr(text.size() - 3) == kIdeographicSpace) {
            text.remove_suffix(3);
        } else {
            return std::string(text);
        }
    }
}

/// A header as compared: trimmed, ASCII lower case, '_' and '-' as spaces, runs of spaces as one.
std::string headerKey(std::string_view text) {
    const std::string lower = lowerAscii(trimmed(text));
    std::string out;
    for (char c : lower) {
        if (c == '_' || c == '-' || isSpace(c)) {
            if (!out.empty() && out.back() != ' ') {
                out += ' ';
            }
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

std::optional<Column> columnOf(std::string_view header) {
    static const std::map<std::string, Column> names = {
        {"施設名", Column::SiteName},
        {"病院名", Column::SiteName},
        {"site", Column::SiteName},
        {"site name", Column::SiteName},
        {"hospital", Column::SiteName},
        {"施設id", Column::SiteId},
        {"施設コード", Column::SiteId},
        {"site id", Column::SiteId},
        {"製品", Column::Product},
        {"製品名", Column::Product},
        {"product", Column::Product},
        {"バージョン", Column::Version},
        {"version", Column::Version},
        {"台数", Column::Quantity},
        {"数量", Column::Quantity},
        {"quantity", Column::Quantity},
        {"担当者", Column::ContactName},
        {"担当者名", Column::ContactName},
        {"contact", Column::ContactName},
        {"contact name", Column::ContactName},
        {"メール", Column::ContactEmail},
        {"メールアドレス", Column::ContactEmail},
        {"email", Column::ContactEmail},
        {"e mail", Column::ContactEmail},
        {"contact email", Column::ContactEmail},
        {"電話", Column::ContactPhone},
        {"電話番号", Column::ContactPhone},
        {"phone", Column::ContactPhone},
        {"contact phone", Column::ContactPhone},
        {"宛先種別", Column::Role},
        {"種別", Column::Role},
        {"role", Column::Role},
        {"recipient role", Column::Role},
        {"備考", Column::Notes},
        {"notes", Column::Notes},
    };
    const auto found = names.find(headerKey(header));
    if (found == names.end()) {
        return std::nullopt;
    }
    return found->second;
}

bool isMailAddress(std::string_view text) {
    const auto at = text.find('@');
    if (at == std::string_view::npos || at == 0 ||
        text.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    const std::string_view domain = text.substr(at + 1);
    const auto dot = domain.find('.');
    if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F || c == ',' || c == ';' || c == '<' || c == '>' || c == '"' ||
            c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') {
            return false;
        }
    }
    return true;
}

bool isPhoneNumber(std::string_view text) {
    int digits = 0;
    for (char c : text) {
        if (isDigit(c)) {
            ++digits;
        } else if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') {
            return false;
        }
    }
    return digits >= 4 && digits <= 20;
}

std::optional<long long> parseQuantity(std::string_view text) {
    if (text.empty() || text.size() > 7) {
        return std::nullopt;
    }
    long long value = 0;
    for (char c : text) {
        if (!isDigit(c)) {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    if (value < 1) {
        return std::nullopt;
    }
    return value;
}

std::string quoted(std::string_view text) {
    std::string shown = terminalSafe(text);
    if (shown.size() > 80) {
        shown = shown.substr(0, 77) + "...";
    }
    return "'" + shown + "'";
}

} // namespace

bool InstallBaseRow::sameContent(const InstallBaseRow& o) const {
    return siteName == o.siteName && siteId == o.siteId && product == o.product &&
           version == o.version && quantity == o.quantity && contactName == o.contactName &&
           contactEmail == o.contactEmail && contactPhone == o.contactPhone && role == o.role &&
           notes == o.notes;
}

std::string parseRecipientRole(std::string_view text) {
    static const std::map<std::string, std::string> roles = {
        {"hospital", "hospital"},      {"病院", "hospital"},      {"医療機関", "hospital"},
        {"施設", "hospital"},          {"lessor", "lessor"},      {"リース会社", "lessor"},
        {"リース", "lessor"},          {"賃貸人", "lessor"},      {"distributor", "distributor"},
        {"販売代理店", "distributor"}, {"代理店", "distributor"}, {"販売店", "distributor"},
    };
    const auto found = roles.find(lowerAscii(trimmed(text)));
    return found == roles.end() ? std::string() : found->second;
}

std::string installBaseKey(const InstallBaseRow& row) {
    std::string key = row.siteId;
    for (const std::string* part : {&row.product, &row.version, &row.role}) {
        key += '\x1F';
        key += *part;
    }
    return key;
}

InstallBaseFile parseInstallBaseCsv(std::string_view bytes, const InstallBaseLimits& limits) {
    InstallBaseFile file;
    if (bytes.size() > limits.maxBytes) {
        file.problems.push_back({0, "the file has " + std::to_string(bytes.size()) +
                                        " bytes, more than the limit of " +
                                        std::to_string(limits.maxBytes)});
        return file;
    }
    std::string text;
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (bytes.substr(0, 3) == kBom) {
        bytes.remove_prefix(3);
        if (!validUtf8(bytes)) {
            file.problems.push_back({0, "the file starts with a UTF-8 BOM but is not UTF-8 text"});
            return file;
        }
        file.encoding = "UTF-8 (BOM)";
        text = std::string(bytes);
    } else if (validUtf8(bytes)) {
        file.encoding = "UTF-8";
        text = std::string(bytes);
    } else {
        std::size_t bad = 0;
        auto converted = cp932ToUtf8(bytes, bad);
        if (!converted) {
            const int line =
                1 + static_cast<int>(std::count(
                        bytes.begin(),
                        bytes.begin() + static_cast<long>(std::min(bad, bytes.size())), '\n'));
            file.problems.push_back(
                {line, "neither UTF-8 nor Shift_JIS (CP932) text: byte " + std::to_string(bad) +
                           " of the file cannot be read (save the file as CSV UTF-8 or CSV)"});
            return file;
        }
        file.encoding = "Shift_JIS (CP932)";
        text = std::move(*converted);
    }
    if (text.find('\0') != std::string::npos) {
        file.problems.push_back({0, "the file holds NUL bytes: not a CSV text file"});
        return file;
    }

    std::vector<CsvRecord> records = splitCsv(text, file.problems);
    const auto blank = [](const CsvRecord& r) {
        return std::all_of(r.fields.begin(), r.fields.end(),
                           [](const std::string& f) { return trimmed(f).empty(); });
    };
    auto it =
        std::find_if(records.begin(), records.end(), [&](const CsvRecord& r) { return !blank(r); });
    if (it == records.end()) {
        if (file.problems.empty()) {
            file.problems.push_back({0, "the file is empty: a header row is required"});
        }
        return file;
    }

    // The header.
    std::vector<std::optional<Column>> columns;
    std::array<int, kColumnCount> seen{};
    bool headerOk = true;
    for (std::size_t k = 0; k < it->fields.size(); ++k) {
        const std::string name = trimmed(it->fields[k]);
        const auto column = columnOf(name);
        if (!column) {
            file.problems.push_back(
                {it->line, name.empty()
                               ? "column " + std::to_string(k + 1) + " of the header is empty"
                               : "unknown column " + quoted(name) +
                                     " in the header (see docs/installbase.md for the names)"});
            headerOk = false;
        } else if (seen.at(static_cast<std::size_t>(*column))++ > 0) {
            file.problems.push_back({it->line, "the header names the " +
                                                   std::string(columnName(*column)) +
                                                   " column twice (" + quoted(name) + ")"});
            headerOk = false;
        }
        columns.push_back(column);
    }
    for (Column required : {Column::SiteName, Column::SiteId, Column::Product, Column::Version,
                            Column::ContactEmail, Column::Role}) {
        if (seen.at(static_cast<std::size_t>(required)) == 0) {
            file.problems.push_back(
                {it->line, "the header has no " + std::string(columnName(required)) + " column"});
            headerOk = false;
        }
    }
    if (!headerOk) {
        return file;
    }

    std::map<std::string, int> keys; // installBaseKey → line
    std::size_t rows = 0;
    for (++it; it != records.end(); ++it) {
        if (blank(*it)) {
            continue;
        }
        if (++rows > limits.maxRows) {
            file.problems.push_back({it->line, "more than " + std::to_string(limits.maxRows) +
                                                   " rows: the file is over the limit"});
            break;
        }
        const int line = it->line;
        if (it->fields.size() != columns.size()) {
            file.problems.push_back({line, "the row has " + std::to_string(it->fields.size()) +
                                               " fields but the header " +
                                               std::to_string(columns.size())});
            continue;
        }
        InstallBaseRow row;
        row.line = line;
        const std::size_t before = file.problems.size();
        const auto bad = [&](const std::string& message) {
            file.problems.push_back({line, message});
        };
        std::string quantityText;
        std::string roleText;
        for (std::size_t k = 0; k < columns.size(); ++k) {
            std::string value = trimmed(it->fields[k]);
            if (value.size() > limits.maxFieldBytes) {
                bad(std::string(columnName(*columns[k])) + " is longer than " +
                    std::to_string(limits.maxFieldBytes) + " bytes");
                value.resize(0);
            }
            switch (*columns[k]) {
            case Column::SiteName:
                row.siteName = value;
                break;
            case Column::SiteId:
                row.siteId = value;
                break;
            case Column::Product:
                row.product = value;
                break;
            case Column::Version:
                row.version = value;
                break;
            case Column::Quantity:
                quantityText = value;
                break;
            case Column::ContactName:
                row.contactName = value;
                break;
            case Column::ContactEmail:
                row.contactEmail = value;
                break;
            case Column::ContactPhone:
                row.contactPhone = value;
                break;
            case Column::Role:
                roleText = value;
                break;
            case Column::Notes:
                row.notes = value;
                break;
            }
        }
        for (const auto& [field, name] :
             {std::pair{&row.siteName, "site name"}, std::pair{&row.siteId, "site id"},
              std::pair{&row.product, "product"}, std::pair{&row.version, "version"}}) {
            if (field->empty()) {
                bad(std::string(name) + " is empty");
            } else if (field->find_first_of("\r\n\t") != std::string::npos) {
                bad(std::string(name) + " " + quoted(*field) + " holds a line break or tab");
            }
        }
        if (!quantityText.empty()) {
            if (auto q = parseQuantity(quantityText)) {
                row.quantity = *q;
            } else {
                bad("quantity " + quoted(quantityText) +
                    " is not a whole number from 1 to 9999999");
            }
        }
        if (row.contactEmail.empty()) {
            bad("contact email is empty");
        } else if (!isMailAddress(row.contactEmail)) {
            bad("contact email " + quoted(row.contactEmail) + " is not a mail address");
        }
        if (!row.contactPhone.empty() && !isPhoneNumber(row.contactPhone)) {
            bad("contact phone " + quoted(row.contactPhone) +
                " is not a phone number (digits, +, -, spaces and parentheses)");
        }
        row.role = parseRecipientRole(roleText);
        if (row.role.empty()) {
            bad(roleText.empty()
                    ? std::string("role is empty (hospital, lessor or distributor)")
                    : "role " + quoted(roleText) + " is not hospital, lessor or distributor");
        }
        if (file.problems.size() != before) {
            continue;
        }
        const auto [found, inserted] = keys.emplace(installBaseKey(row), line);
        if (!inserted) {
            bad("the same site id, product, version and role as line " +
                std::to_string(found->second) + " (" + quoted(row.siteId) + ", " +
                quoted(row.product) + " " + quoted(row.version) + ", " + row.role + ")");
            continue;
        }
        file.rows.push_back(std::move(row));
    }
    return file;
}

InstallBaseDiff diffInstallBase(const std::vector<InstallBaseRow>& before,
                                const std::vector<InstallBaseRow>& after) {
    std::map<std::string, const InstallBaseRow*> old;
    for (const auto& row : before) {
        old.emplace(installBaseKey(row), &row);
    }
    std::map<std::string, const InstallBaseRow*> now;
    for (const auto& row : after) {
        now.emplace(installBaseKey(row), &row);
    }
    InstallBaseDiff diff;
    for (const auto& [key, row] : now) {
        const auto found = old.find(key);
        if (found == old.end()) {
            diff.added.push_back(*row);
        } else if (!found->second->sameContent(*row)) {
            diff.changed.emplace_back(*found->second, *row);
        } else {
            ++diff.unchanged;
        }
    }
    for (const auto& [key, row] : old) {
        if (now.count(key) == 0) {
            diff.removed.push_back(*row);
        }
    }
    return diff;
}

std::vector<std::string> changedFields(const InstallBaseRow& a, const InstallBaseRow& b) {
    std::vector<std::string> out;
    const auto check = [&](bool differs, const char* name) {
        if (differs) {
            out.emplace_back(name);
        }
    };
    check(a.siteName != b.siteName, "site name");
    check(a.siteId != b.siteId, "site id");
    check(a.product != b.product, "product");
    check(a.version != b.version, "version");
    check(a.quantity != b.quantity, "quantity");
    check(a.contactName != b.contactName, "contact name");
    check(a.contactEmail != b.contactEmail, "contact email");
    check(a.contactPhone != b.contactPhone, "contact phone");
    check(a.role != b.role, "role");
    check(a.notes != b.notes, "notes");
    return out;
}

} // namespace vw
