// `vulnwatch backfill`: loads history from the yearly JVN iPedia detail feeds
// (jvndb_detail_YYYY.rdf, VULDEF), checked against checksum.txt.
//
// Per year: a file whose sha256 equals the one stored after its last completed load is skipped;
// otherwise it is downloaded to a file (never held in memory), its sha256 verified against
// checksum.txt (a mismatch is refused), and imported in batches (daemon/import.h). The year is
// marked complete (source_state row "backfill:FILENAME", cursor = sha256) only after its last
// batch committed, so a run that is killed part-way loads that year again next time; records are
// idempotent in the store (same content: no new revision, match or notification), so nothing is
// duplicated or lost.
#pragma once

#include "config/config.h"
#include "core/http.h"
#include "daemon/import.h"
#include "store/store.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vw {

inline constexpr const char* kDetailFeedBaseUrl = "https://jvndb.jvn.jp/ja/feed/detail/";
inline constexpr const char* kDetailChecksumUrl = "https://jvndb.jvn.jp/ja/feed/checksum.txt";
inline constexpr int kDetailFeedOldestYear = 1998;

/// One entry of checksum.txt (a JSON array of these objects).
struct ChecksumEntry {
    std::string url;
    std::string filename;
    std::string sha256; // lower-case hex
    std::int64_t size = -1;
    std::string lastModified; // "YYYY/MM/DD hh:mm:ss" (JST), as given
};

/// Parses checksum.txt. Throws std::runtime_error when it is not a JSON array of objects.
std::vector<ChecksumEntry> parseChecksumList(const std::string& text);

/// The sha256 of a file as lower-case hex, read in 1 MiB pieces. Throws std::runtime_error.
std::string sha256OfFile(const std::string& path);

struct BackfillOptions {
    int since = kDetailFeedOldestYear;
    int until = 0; // 0: the current year
    std::string baseUrl = kDetailFeedBaseUrl;
    std::string checksumUrl = kDetailChecksumUrl;
    std::string channel = "backfill"; // records are stored under this channel
    std::string caFile;
    ProxySettings proxy;
    std::chrono::seconds timeout{1800}; // whole transfer of one yearly file
    std::size_t maxBytes = 512u * 1024u * 1024u;
    std::chrono::milliseconds requestInterval{1000}; // at least this between two requests
    std::string workDir;                             // downloads; "" = a private temp folder
    std::size_t batchSize = kImportBatchSize;        // records per transaction
    bool tty = false; // progress as a redrawn one-line bar (else plain lines)
    CpeMapper mapper; // [match] cpe_map; empty for none
};

struct BackfillStats {
    int loaded = 0;   // years imported completely
    int skipped = 0;  // years unchanged since their last completed load
    int failed = 0;   // years that failed (download, checksum, parse); loaded again next run
    int unlisted = 0; // years checksum.txt does not list (nothing to fetch)
    std::size_t records = 0;
    std::size_t newRecords = 0;
    std::size_t changed = 0;
    std::size_t newMatches = 0;
    std::size_t enqueued = 0;
    /// The longest `Retry-After` of a yearly file answered 429 or 503 (seconds), if any.
    std::optional<long> retryAfter;
};

/// checksum.txt was answered 429 or 503 with `Retry-After` (`seconds`).
class BackfillBusy : public std::runtime_error {
public:
    BackfillBusy(const std::string& message, long seconds)
        : std::runtime_error(message), seconds(seconds) {}
    long seconds;
};

/// "https://host/ja/feed/detail/" -> "https://host/ja/feed/checksum.txt" (the list beside the
/// folder); "https://host/" -> "https://host/checksum.txt".
std::string checksumUrlFor(std::string baseUrl);

/// The options a configured jvn-detail-feed source implies (channel = its name).
BackfillOptions backfillOptionsFor(const SourceConfig& source);

/// The source_state key of one yearly file for `channel`.
std::string backfillStateKey(const std::string& channel, const std::string& filename);

/// Runs the backfill: one summary line per year on `out`, progress and errors on `progress`.
/// Throws std::runtime_error when checksum.txt cannot be fetched or read (nothing done).
BackfillStats runBackfill(Store& store, HttpClient& http, const Routing& notifiers,
                          const BackfillOptions& options, std::ostream& out,
                          std::ostream& progress);

} // namespace vw
