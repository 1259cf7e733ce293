#include "feeds/myjvn_source.h"

#include "core/datetime.h"
#include "core/text.h"
#include "feeds/conditional_get.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/vuldef.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <utility>

namespace vw {

namespace {

constexpr std::int64_t kJstOffsetSeconds = 9 * 3600;
constexpr std::size_t kMaxOverviewPages = 10000; // 500k items: far beyond any real window

struct CivilDate {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
};

/// The inverse of daysFromCivil (Howard Hinnant's algorithm).
CivilDate civilFromDays(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::string formatDate(const CivilDate& date) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", date.year, date.month, date.day);
    return text;
}

/// Days since the epoch of a `YYYY-MM-DD` prefix, or nullopt.
std::optional<std::int64_t> parseDatePrefix(std::string_view text) {
    if (text.size() < 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    const auto number = [](std::string_view part, auto& out) {
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size();
    };
    if (!number(text.substr(0, 4), year) || !number(text.substr(5, 2), month) ||
        !number(text.substr(8, 2), day) || month < 1 || month > 12 || day < 1 || day > 31) {
        return std::nullopt;
    }
    const std::int64_t days = daysFromCivil(year, month, day);
    const CivilDate back = civilFromDays(days);
    if (back.month != month || back.day != day) {
        return std::nullopt; // e.g. 2025-02-30
    }
    return days;
}

void addDateParams(std::string& url, const std::string& prefix, std::int64_t days) {
    const CivilDate date = civilFromDays(days);
    url += "&" + prefix + "Y=" + std::to_string(date.year);
    url += "&" + prefix + "M=" + std::to_string(date.month);
    url += "&" + prefix + "D=" + std::to_string(date.day);
}

/// The instant a record was last changed (modified, else published).
std::optional<DateTime> changedAt(const Advisory& record) {
    return record.modified ? record.modified : record.published;
}

} // namespace

MyJvnSource::MyJvnSource(const SourceConfig& config, HttpClient& http, Pacer pacer)
    : name_(config.name), endpoint_(config.url.empty() ? kDefaultUrl : config.url),
      lang_(config.lang.empty() ? "ja" : config.lang), since_(config.since),
      fetcher_(http, std::move(pacer), PacedFetchSettings::of(config)) {}

std::pair<std::string, std::string> MyJvnSource::window(const std::string& cursor) const {
    const auto wallNow = fetcher_.pacer().wallNow();
    const std::int64_t nowSeconds =
        std::chrono::duration_cast<std::chrono::seconds>(wallNow.time_since_epoch()).count();
    const std::int64_t today = floorDiv(nowSeconds + kJstOffsetSeconds, 86400);
    std::optional<std::int64_t> start;
    if (!cursor.empty() && parseIsoDateTime(cursor)) {
        start = parseDatePrefix(cursor); // the date in the cursor's own offset (JVN: +09:00)
    }
    if (!start && !since_.empty()) {
        start = parseDatePrefix(since_);
        if (!start || since_.size() != 10) {
            throw std::invalid_argument("since = " + since_ + " is not a date (YYYY-MM-DD)");
        }
    }
    if (!start) {
        start = today - kDefaultWindowDays;
    }
    start = std::min(*start, today);
    return {formatDate(civilFromDays(*start)), formatDate(civilFromDays(today))};
}

PollOutcome MyJvnSource::poll(const SourceState& state) {
    std::pair<std::string, std::string> dates;
    try {
        dates = window(state.cursor);
    } catch (const std::invalid_argument& e) {
        return pollFailure(state, "source " + name_ + ": " + e.what());
    }
    const std::int64_t startDays = *parseDatePrefix(dates.first);
    const std::int64_t endDays = *parseDatePrefix(dates.second);
    const char joiner = endpoint_.find('?') == std::string::npos ? '?' : '&';

    // 1. the overview list, all pages
    std::vector<Advisory> overview;          // in listing order, one per id
    std::map<std::string, std::size_t> byId; // id -> index in overview (and position - 1)
    std::multimap<std::string, ItemProblem> overviewProblems; // by item id
    // The overview pages as received, and the page of each overview record: a page becomes
    // evidence only when one of its records is used (its detail did not come).
    std::vector<std::string> pages;
    std::vector<std::size_t> pageOf; // parallel to overview
    ParseResult result;
    long startItem = 1;
    for (std::size_t page = 0;; ++page) {
        if (page >= kMaxOverviewPages) {
            return pollFailure(state, "getVulnOverviewList did not end after " +
                                          std::to_string(kMaxOverviewPages) + " pages");
        }
        std::string url = endpoint_ + joiner + "method=getVulnOverviewList&feed=hnd";
        url += "&startItem=" + std::to_string(startItem);
        url += "&maxCountItem=" + std::to_string(kOverviewPageSize);
        url += "&rangeDatePublic=n&rangeDatePublished=n&rangeDateFirstPublished=n";
        addDateParams(url, "datePublishedStart", startDays);
        addDateParams(url, "datePublishedEnd", endDays);
        url += "&lang=" + percentEncoded(lang_);

        PacedFetcher::Fetched fetched = fetcher_.fetch(url);
        if (!fetched.response) {
            return pollFailure(state, "MyJVN getVulnOverviewList (startItem=" +
                                          std::to_string(startItem) + ") failed: " + fetched.error);
        }
        ParseResult listing;
        try {
            listing = parseJvnRss(fetched.response->body);
        } catch (const ParseError& e) {
            return pollFailure(state,
                               "MyJVN getVulnOverviewList (startItem=" + std::to_string(startItem) +
                                   ") at " + url + ": " + e.what());
        }
        const std::size_t pageIndex = pages.size();
        pages.push_back(std::move(fetched.response->body));
        std::size_t skipped = 0;
        for (ItemProblem& problem : listing.problems) {
            problem.position += static_cast<std::size_t>(startItem - 1);
            if (problem.itemId.empty()) {
                ++skipped;
                result.problems.push_back(std::move(problem));
            } else {
                overviewProblems.emplace(problem.itemId, std::move(problem));
            }
        }
        const std::size_t items = listing.records.size() + skipped;
        for (Advisory& record : listing.records) {
            if (byId.emplace(record.id, overview.size()).second) {
                overview.push_back(std::move(record));
                pageOf.push_back(pageIndex);
            }
        }
        if (items == 0) {
            break;
        }
        long next = startItem + static_cast<long>(items);
        if (listing.status) {
            const MyJvnStatus& status = *listing.status;
            const long first = status.firstRes > 0 ? status.firstRes : startItem;
            if (status.totalResRet <= 0 || first + status.totalResRet - 1 >= status.totalRes) {
                break;
            }
            next = first + status.totalResRet;
        } else if (items < static_cast<std::size_t>(kOverviewPageSize)) {
            break; // no status to go by: a short page is the last one
        }
        if (next <= startItem) {
            break;
        }
        startItem = next;
    }

    // 2. the details, ≤ 10 ids per call
    std::map<std::size_t, int> pageDocument; // overview page -> its index in result.raw
    for (std::size_t begin = 0; begin < overview.size(); begin += kDetailBatchSize) {
        const std::size_t end = std::min(overview.size(), begin + kDetailBatchSize);
        std::string ids;
        for (std::size_t i = begin; i < end; ++i) {
            ids += (i == begin ? "" : "+") + percentEncoded(overview[i].id);
        }
        std::string url = endpoint_ + joiner + "method=getVulnDetailInfo&feed=hnd";
        url += "&vulnId=" + ids;
        url += "&maxCountItem=" + std::to_string(kDetailBatchSize);
        url += "&lang=" + percentEncoded(lang_);

        std::map<std::string, Advisory> details;
        int detailDocument = kNoRawDocument;
        std::string reason;
        PacedFetcher::Fetched fetched = fetcher_.fetch(url);
        if (fetched.cancelled) {
            return pollFailure(state, "MyJVN getVulnDetailInfo: cancelled");
        }
        if (!fetched.response) {
            reason = fetched.error;
        } else {
            try {
                ParseResult detail = parseVuldef(fetched.response->body);
                detailDocument =
                    result.addRaw("application/xml", std::move(fetched.response->body));
                for (Advisory& record : detail.records) {
                    details.emplace(record.id, std::move(record));
                }
                for (ItemProblem& problem : detail.problems) {
                    const auto found = byId.find(problem.itemId);
                    if (found != byId.end()) {
                        problem.position = found->second + 1;
                    }
                    problem.message = "getVulnDetailInfo: " + problem.message;
                    result.problems.push_back(std::move(problem));
                }
            } catch (const ParseError& e) {
                reason = url + ": " + e.what();
            }
        }
        for (std::size_t i = begin; i < end; ++i) {
            Advisory& listed = overview[i];
            auto found = details.find(listed.id);
            if (found != details.end()) {
                result.addRecord(std::move(found->second), detailDocument);
                continue;
            }
            result.problems.push_back({listed.id, i + 1,
                                       "getVulnDetailInfo " +
                                           (reason.empty() ? std::string("did not return this id")
                                                           : "failed: " + reason) +
                                           "; the overview record (source myjvn) is used instead"});
            const auto [from, to] = overviewProblems.equal_range(listed.id);
            for (auto it = from; it != to; ++it) {
                result.problems.push_back(it->second);
            }
            const std::size_t page = pageOf[i];
            auto document = pageDocument.find(page);
            if (document == pageDocument.end()) {
                document =
                    pageDocument
                        .emplace(page, result.addRaw("application/xml", std::move(pages[page])))
                        .first;
            }
            result.addRecord(std::move(listed), document->second);
        }
    }

    // 3. the new cursor
    PollOutcome outcome;
    outcome.kind = PollOutcome::Kind::Records;
    outcome.state = state;
    std::optional<DateTime> latest;
    if (!state.cursor.empty()) {
        latest = parseIsoDateTime(state.cursor);
    }
    bool advanced = false;
    for (const Advisory& record : result.records) {
        const std::optional<DateTime> at = changedAt(record);
        if (at && (!latest || at->epoch > latest->epoch)) {
            latest = at;
            advanced = true;
        }
    }
    if (advanced) {
        outcome.state.cursor = formatIsoDateTime(*latest);
    }
    outcome.result = std::move(result);
    return outcome;
}

} // namespace vw
