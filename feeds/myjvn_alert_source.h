// The MyJVN alert source (`type = myjvn-alert`): getAlertList, IPA's list of 注意警戒情報 (the
// alerts IPA and JPCERT/CC publish), paged, paced and retried like the myjvn source, so a site
// without a subscribed mailbox still sees JPCERT/CC alerts. See docs/jvn-formats.md §2.6.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "feeds/paced_fetcher.h"
#include "feeds/source.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace vw {

class MyJvnAlertSource : public Source {
public:
    /// The endpoint used when SourceConfig::url is empty.
    static constexpr const char* kDefaultUrl = "https://jvndb.jvn.jp/myjvn";
    /// getAlertList's maximum entries per response (status retMax).
    static constexpr int kPageSize = 50;
    /// A listing that has not ended after this many pages is an error (50k alerts a year).
    static constexpr std::size_t kMaxPages = 1000;

    /// Uses config.name, url (endpoint, default kDefaultUrl), requestInterval, retries, timeout
    /// (per request), maxBytes and caFile. `http` must outlive the source.
    MyJvnAlertSource(const SourceConfig& config, HttpClient& http, Pacer pacer = Pacer::system());

    const std::string& name() const override { return name_; }

    /// One poll: for each of years() (oldest first), getAlertList pages
    /// `method=getAlertList&feed=hnd&startItem=N&maxCountItem=50&datePublished=YEAR&ft=xml`
    /// (datePublished is the year an alert was last updated), N = 1, 51, 101 … until
    /// firstRes + totalResRet − 1 >= totalRes (or a response without status). Any page failing
    /// (after retries, retCd=1, or an unreadable document) makes the whole poll an Error with
    /// `state` unchanged. Records are parseMyJvnAlertList's (source "myjvn-alert").
    ///
    /// Incremental: the cursor remembers, per alert id, its `updated` date and a fingerprint of
    /// its record (cursorStamp). An alert whose stamp is unchanged since the last poll is left
    /// out, together with its item problems; new and changed alerts come through. The new
    /// cursor holds the alerts listed in this poll only, so alerts of a year no longer polled
    /// drop out of it. A poll with nothing new (no record, no problem, the same cursor) is
    /// NotModified, so the daemon writes nothing, as for an HTTP 304. Requests are paced and
    /// retried as PacedFetcher::fetch describes.
    PollOutcome poll(const SourceState& state) override;

    /// The years a poll lists: this year in JST (+09:00, the API's zone), and in January the
    /// last year too (an alert updated late in December after the last poll of the year).
    std::vector<int> years() const;

    /// What the cursor keeps for one alert: its `updated` (else `published`, else "-") as ISO
    /// 8601, a space and 16 hex digits of a fingerprint (FNV-1a 64) of its record's JSON, so
    /// a changed alert whose `updated` stayed the same still counts as changed.
    static std::string cursorStamp(const Advisory& record);
    /// The cursor text: "myjvn-alert 1" then one "ID<TAB>STAMP" line per alert.
    static std::string writeCursor(const std::map<std::string, std::string>& stamps);
    /// Its inverse; a cursor of another form (or none) reads as empty: every alert is new.
    static std::map<std::string, std::string> readCursor(const std::string& cursor);

private:
    std::string name_;
    std::string endpoint_;
    PacedFetcher fetcher_;
};

} // namespace vw
