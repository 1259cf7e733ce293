// The MyJVN API source (`type = myjvn`): getVulnOverviewList over a date window of last-updated
// dates, paged, then getVulnDetailInfo for every listed id (VULDEF records), paced and retried.
// See docs/jvn-formats.md §2.1–2.4 for the API it speaks.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "feeds/source.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace vw {

/// The clocks and the wait a MyJvnSource uses, injectable so tests run on virtual time.
struct Pacer {
    /// Monotonic time, for pacing and backoff.
    std::function<std::chrono::steady_clock::time_point()> now;
    /// Waits `duration`; returns false when cancelled (the poll then ends with an Error).
    std::function<bool(std::chrono::milliseconds)> sleep;
    /// Wall-clock time: "today" (in JST, +09:00, the API's zone) and Retry-After HTTP-dates.
    std::function<std::chrono::system_clock::time_point()> wallNow;
    /// The first retry waits this long, each further one twice the previous (1 s, 2 s, 4 s …).
    std::chrono::milliseconds backoffBase{1000};
    /// A Retry-After longer than this is not waited for: the request fails instead.
    std::chrono::milliseconds maxRetryAfter{std::chrono::minutes(5)};

    /// The real clocks; sleep waits in steps of at most 50 ms and gives up (returns false) soon
    /// after `*cancel` becomes true (nullptr: never cancelled). `cancel` must outlive the pacer.
    static Pacer system(const std::atomic<bool>* cancel = nullptr);
};

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
    struct Fetched {
        std::optional<HttpResponse> response; // a 2xx answer
        std::string error;                    // else why not (after retries)
        bool cancelled = false;
    };

    /// Performs `url` with pacing and retries.
    Fetched fetch(const std::string& url);
    /// Waits until requestInterval after the previous request; false when cancelled.
    bool pace();

    std::string name_;
    std::string endpoint_;
    std::string lang_;
    std::chrono::milliseconds requestInterval_;
    int retries_;
    std::string since_;
    long timeoutMs_;
    std::size_t maxBytes_;
    std::string caFile_;
    HttpClient& http_;
    Pacer pacer_;
    std::optional<std::chrono::steady_clock::time_point> lastRequestEnd_;
};

} // namespace vw
