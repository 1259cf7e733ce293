#include "feeds/parse/kev.h"

#include "core/text.h"

#include <cctype>
#include <set>
#include <simdjson.h>
#include <stdexcept>
#include <string>
#include <utility>

namespace vw {
namespace {

namespace sj = simdjson::dom;

/// What is wrong with one entry (caught in parseKevCatalog: an ItemProblem).
class BadEntry : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

bool digits(std::string_view text) {
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return !text.empty();
}

/// "CVE-YYYY-NNNN…" (4 to 19 digits after the year, as the schema's pattern), upper case.
std::optional<std::string> cveId(std::string_view text) {
    std::string id(trim(text));
    for (char& c : id) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (id.size() < 13 || !id.starts_with("CVE-") || id[8] != '-' ||
        !digits(std::string_view(id).substr(4, 4))) {
        return std::nullopt;
    }
    const std::string_view number = std::string_view(id).substr(9);
    if (number.size() < 4 || number.size() > 19 || !digits(number)) {
        return std::nullopt;
    }
    return id;
}

/// YYYY-MM-DD with a day that exists in that month.
bool isDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text.substr(0, 4)) ||
        !digits(text.substr(5, 2)) || !digits(text.substr(8, 2))) {
        return false;
    }
    const int year = std::stoi(std::string(text.substr(0, 4)));
    const int month = std::stoi(std::string(text.substr(5, 2)));
    const int day = std::stoi(std::string(text.substr(8, 2)));
    static constexpr int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) {
        return false;
    }
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= lengths[month - 1] + (month == 2 && leap ? 1 : 0);
}

/// A string member; nullopt when absent or null; BadEntry when it is not a string.
std::optional<std::string> stringMember(sj::object object, std::string_view key) {
    auto value = object[key];
    if (value.error() != simdjson::SUCCESS || value.value_unsafe().is_null()) {
        return std::nullopt;
    }
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
        throw BadEntry(std::string(key) + " is not a string");
    }
    return std::string(text);
}

/// One entry; BadEntry saying what is wrong with it. `cveText`: its cveID once read.
KevEntry readEntry(sj::object object, std::string& cveText) {
    KevEntry entry;
    const auto cve = stringMember(object, "cveID");
    if (!cve) {
        throw BadEntry("no cveID");
    }
    cveText = std::string(trim(*cve));
    const auto id = cveId(*cve);
    if (!id) {
        throw BadEntry("cveID '" + cveText + "' is not a CVE id (CVE-YYYY-NNNN)");
    }
    entry.cve = *id;
    cveText = entry.cve;
    const auto added = stringMember(object, "dateAdded");
    if (!added) {
        throw BadEntry("no dateAdded");
    }
    if (!isDate(trim(*added))) {
        throw BadEntry("dateAdded '" + *added + "' is not a date (YYYY-MM-DD)");
    }
    entry.dateAdded = std::string(trim(*added));
    entry.vendor = stringMember(object, "vendorProject").value_or("");
    entry.product = stringMember(object, "product").value_or("");
    entry.name = stringMember(object, "vulnerabilityName").value_or("");
    entry.ransomware = stringMember(object, "knownRansomwareCampaignUse").value_or("");
    return entry;
}

} // namespace

bool looksLikeKevCatalog(std::string_view content) {
    if (content.substr(0, 3) == "\xEF\xBB\xBF") {
        content.remove_prefix(3);
    }
    const auto first = content.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || content[first] != '{') {
        return false;
    }
    const std::string_view start = content.substr(first, 4096);
    return start.find("\"catalogVersion\"") != std::string_view::npos ||
           start.find("\"cveID\"") != std::string_view::npos;
}

ParseResult parseKevCatalog(std::string_view json) {
    if (json.substr(0, 3) == "\xEF\xBB\xBF") {
        json.remove_prefix(3);
    }
    sj::parser parser;
    const simdjson::padded_string padded(json);
    sj::element root;
    if (const auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
        throw ParseError(std::string("not JSON: ") + simdjson::error_message(error));
    }
    sj::object catalog;
    if (root.get(catalog) != simdjson::SUCCESS) {
        throw ParseError("not the CISA KEV catalog: the document is not a JSON object");
    }
    sj::array vulnerabilities;
    if (catalog["vulnerabilities"].get(vulnerabilities) != simdjson::SUCCESS) {
        throw ParseError("not the CISA KEV catalog: no \"vulnerabilities\" array");
    }
    std::string_view version;
    if (catalog["catalogVersion"].get(version) != simdjson::SUCCESS) {
        throw ParseError("not the CISA KEV catalog: no \"catalogVersion\" string");
    }
    ParseResult result;
    KevCatalog kev;
    kev.version = std::string(version);
    std::string_view released;
    if (catalog["dateReleased"].get(released) == simdjson::SUCCESS) {
        kev.released = std::string(released);
    }
    std::int64_t count = -1;
    const bool hasCount = catalog["count"].get(count) == simdjson::SUCCESS;
    kev.count = hasCount ? static_cast<long>(count) : static_cast<long>(vulnerabilities.size());
    kev.entries.reserve(vulnerabilities.size());
    std::set<std::string> seen;
    std::size_t position = 0;
    for (sj::element item : vulnerabilities) {
        ++position;
        std::string cveText;
        try {
            sj::object object;
            if (item.get(object) != simdjson::SUCCESS) {
                throw BadEntry("not an object");
            }
            KevEntry entry = readEntry(object, cveText);
            if (!seen.insert(entry.cve).second) {
                throw BadEntry(entry.cve + " is listed twice; the first entry is kept");
            }
            kev.entries.push_back(std::move(entry));
        } catch (const BadEntry& problem) {
            result.problems.push_back({cveText, position, problem.what()});
        }
    }
    if (!hasCount) {
        result.problems.push_back({"", 0, "the catalog has no count"});
    } else if (static_cast<std::size_t>(count) != vulnerabilities.size()) {
        result.problems.push_back({"", 0,
                                   "count says " + std::to_string(count) +
                                       " but the catalog lists " +
                                       std::to_string(vulnerabilities.size()) + " entries"});
    }
    result.kev = std::move(kev);
    return result;
}

} // namespace vw
