#include "feeds/myjvn_alert_source.h"

#include "core/datetime.h"
#include "core/json_writer.h"
#include "feeds/conditional_get.h"
#include "feeds/parse/myjvn_alert.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <utility>

namespace vw {

namespace {

constexpr std::string_view kCursorHeader = "myjvn-alert 1";

std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

/// One listed alert, with the problems its entry gave.
struct Listed {
    Advisory record;
    std::vector<ItemProblem> problems;
    std::size_t page = 0; // the listing page (as received) the record was last read from
};

} // namespace

MyJvnAlertSource::MyJvnAlertSource(const SourceConfig& config, HttpClient& http, Pacer pacer)
    : name_(config.name), endpoint_(config.url.empty() ? kDefaultUrl : config.url),
      fetcher_(http, std::move(pacer), PacedFetchSettings::of(config)) {}

std::vector<int> MyJvnAlertSource::years() const {
    const auto jst =
        std::chrono::floor<std::chrono::days>(fetcher_.pacer().wallNow() + std::chrono::hours(9));
    const std::chrono::year_month_day today{jst};
    const int year = static_cast<int>(today.year());
    if (today.month() == std::chrono::January) {
        return {year - 1, year};
    }
    return {year};
}

std::string MyJvnAlertSource::cursorStamp(const Advisory& record) {
    const std::optional<DateTime>& at = record.modified ? record.modified : record.published;
    char fingerprint[17];
    std::snprintf(fingerprint, sizeof fingerprint, "%016llx",
                  static_cast<unsigned long long>(fnv1a64(toJson(record))));
    return (at ? formatIsoDateTime(*at) : std::string("-")) + " " + fingerprint;
}

std::string MyJvnAlertSource::writeCursor(const std::map<std::string, std::string>& stamps) {
    std::string text(kCursorHeader);
    for (const auto& [id, stamp] : stamps) {
        text.append("\n").append(id).append("\t").append(stamp);
    }
    return text;
}

std::map<std::string, std::string> MyJvnAlertSource::readCursor(const std::string& cursor) {
    std::map<std::string, std::string> stamps;
    std::istringstream in(cursor);
    std::string line;
    if (!std::getline(in, line) || line != kCursorHeader) {
        return stamps;
    }
    while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        if (tab != std::string::npos && tab > 0) {
            stamps[line.substr(0, tab)] = line.substr(tab + 1);
        }
    }
    return stamps;
}

PollOutcome MyJvnAlertSource::poll(const SourceState& state) {
    const char joiner = endpoint_.find('?') == std::string::npos ? '?' : '&';
    std::vector<Listed> listed;              // in listing order, one per id
    std::map<std::string, std::size_t> byId; // id -> index in listed
    std::vector<ItemProblem> anonymous;      // problems of entries skipped for want of an id
    std::vector<std::string> pages;          // the listing pages as received (evidence)

    for (const int year : years()) {
        long startItem = 1;
        for (std::size_t page = 0;; ++page) {
            const std::string where = "MyJVN getAlertList (datePublished=" + std::to_string(year) +
                                      ", startItem=" + std::to_string(startItem) + ")";
            if (page >= kMaxPages) {
                return pollFailure(state, where + ": the listing did not end after " +
                                              std::to_string(kMaxPages) + " pages");
            }
            std::string url = endpoint_ + joiner + "method=getAlertList&feed=hnd";
            url += "&startItem=" + std::to_string(startItem);
            url += "&maxCountItem=" + std::to_string(kPageSize);
            url += "&datePublished=" + std::to_string(year);
            url += "&ft=xml";

            PacedFetcher::Fetched fetched = fetcher_.fetch(url);
            if (!fetched.response) {
                return pollFailure(state, where + " failed: " + fetched.error);
            }
            ParseResult listing;
            try {
                listing = parseMyJvnAlertList(fetched.response->body);
            } catch (const ParseError& e) {
                return pollFailure(state, where + " at " + url + ": " + e.what());
            }
            const std::size_t pageIndex = pages.size();
            pages.push_back(std::move(fetched.response->body));
            for (ItemProblem& problem : listing.problems) {
                problem.position += static_cast<std::size_t>(startItem - 1);
                problem.message = "datePublished=" + std::to_string(year) + ": " + problem.message;
                const auto found = byId.find(problem.itemId);
                if (problem.itemId.empty()) {
                    anonymous.push_back(std::move(problem));
                } else if (found != byId.end()) {
                    listed[found->second].problems.push_back(std::move(problem));
                } else {
                    // the record of this id follows below: keep the problem with it
                    byId.emplace(problem.itemId, listed.size());
                    listed.push_back(Listed{Advisory{}, {std::move(problem)}, pageIndex});
                }
            }
            for (Advisory& record : listing.records) {
                const auto [found, added] = byId.emplace(record.id, listed.size());
                if (added) {
                    listed.push_back(Listed{std::move(record), {}, pageIndex});
                } else {
                    listed[found->second].record = std::move(record); // the later listing wins
                    listed[found->second].page = pageIndex;
                }
            }
            if (!listing.status) {
                break; // no paging attributes to go by: one page
            }
            const MyJvnStatus& status = *listing.status;
            const long first = status.firstRes > 0 ? status.firstRes : startItem;
            if (status.totalResRet <= 0 || first + status.totalResRet - 1 >= status.totalRes) {
                break;
            }
            const long next = first + status.totalResRet;
            if (next <= startItem) {
                break;
            }
            startItem = next;
        }
    }

    const std::map<std::string, std::string> before = readCursor(state.cursor);
    std::map<std::string, std::string> after;
    PollOutcome outcome;
    outcome.kind = PollOutcome::Kind::Records;
    outcome.state = state;
    outcome.result.problems = std::move(anonymous);
    std::map<std::size_t, int> pageDocument; // listing page -> its index in result.raw
    for (Listed& alert : listed) {
        if (alert.record.id.empty()) {
            continue; // problems but no record for this id (the parser makes none such)
        }
        std::string stamp = cursorStamp(alert.record);
        const auto old = before.find(alert.record.id);
        const bool unchanged = old != before.end() && old->second == stamp;
        after.emplace(alert.record.id, std::move(stamp));
        if (unchanged) {
            continue;
        }
        for (ItemProblem& problem : alert.problems) {
            outcome.result.problems.push_back(std::move(problem));
        }
        auto document = pageDocument.find(alert.page);
        if (document == pageDocument.end()) {
            document = pageDocument
                           .emplace(alert.page, outcome.result.addRaw("application/xml",
                                                                      std::move(pages[alert.page])))
                           .first;
        }
        outcome.result.addRecord(std::move(alert.record), document->second);
    }
    outcome.state.cursor = writeCursor(after);
    if (outcome.result.records.empty() && outcome.result.problems.empty() &&
        outcome.state.cursor == state.cursor) {
        outcome.kind = PollOutcome::Kind::NotModified; // as a 304: the daemon writes nothing
    }
    return outcome;
}

} // namespace vw
