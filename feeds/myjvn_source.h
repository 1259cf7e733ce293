// The MyJVN API source (`type = myjvn`): getVulnOverviewList over a date window of last-updated
// dates, paged, then getVulnDetailInfo for every listed id (VULDEF records), paced and retried.
// See docs/jvn-formats.md §2.1–2.4 for the API it speaks.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "feeds/paced_fetcher.h"
#include "feeds/source.h"

#include <cstddef>
#include <string>
#include <utility>

namespace vw {

class MyJvnSource : public Source {
public:
    /// The endpoint used when SourceConfig::url is empty.
    static constexpr const char* kDefaultUrl = "https://jvndb.jvn.jp/myjvn";
    /// The API maxima (status retMax): overview items per page, ids per detail call.
    static constexpr int kOverviewPageSize = 50;
    static constexpr std::size_t kDetailBatchSize = 10;
    /// Days back from today for the first window when `since` is empty.
    static constexpr int kDefaultWindowDays = 30;

    /// Uses config.name, url (endpoint, default kDefaultUrl), lang, requestInterval, retries,
    /// since (YYYY-MM-DD), timeout (per request: a stall past it is a transport error),
    /// maxBytes and caFile. `http` must outlive the source.
    MyJvnSource(const SourceConfig& config, HttpClient& http, Pacer pacer = Pacer::system());

    const std::string& name() const override { return name_; }

    /// One poll over the window [cursor's date (or `since`, or today − 30 days), today]:
    ///  1. getVulnOverviewList pages (startItem 1, 51, 101 …, maxCountItem=50, the three
    ///     range*=n and explicit datePublishedStart/End Y/M/D) until
    ///     firstRes + totalResRet − 1 >= totalRes or a page is empty. Any page failing (after
    ///     retries, or retCd=1) makes the whole poll an Error, with `state` unchanged.
    ///  2. getVulnDetailInfo for the listed ids, ≤ 10 per call joined with a literal `+`
    ///     (the API's documented separator; `%2B` would be an id containing a plus). Records
    ///     are the VULDEF ones (source "vuldef"). A batch failing after retries (or answering
    ///     retCd=1), or an id missing from its answer, falls back to the overview record
    ///     (source "myjvn") with one ItemProblem per id: the poll still succeeds.
    /// The new state's cursor is the latest `modified` (else `published`) among the records,
    /// never earlier than the old cursor; the daemon stores it only after the commit.
    /// Requests are at least requestInterval apart (end of one to start of the next, also
    /// across polls); HTTP 5xx, 429 and transport errors are retried up to `retries` times
    /// with exponential backoff, honouring Retry-After.
    PollOutcome poll(const SourceState& state) override;

    /// The window a poll with this cursor would ask for: {start, end} as YYYY-MM-DD.
    std::pair<std::string, std::string> window(const std::string& cursor) const;

private:
    std::string name_;
    std::string endpoint_;
    std::string lang_;
    std::string since_;
    PacedFetcher fetcher_;
};

} // namespace vw
