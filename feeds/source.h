// Sources: one kind of upstream channel each, behind one interface.
#pragma once

#include "core/advisory.h"
#include "core/kev.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vw {

class HttpClient;

/// What a source keeps between polls; stored per source by the daemon.
struct SourceState {
    std::string etag;
    std::string lastModified;
    std::string cursor; // source-specific (e.g. last modified date seen)
};

/// One problem with one item; the rest of the batch is still ingested.
struct ItemProblem {
    std::string itemId;   // the item's id when it could be read, else ""
    std::size_t position; // 1-based item position in the document
    std::string message;
};

/// The paging and error attributes of a MyJVN `status:Status` element (API responses and the
/// data feeds); empty strings / zero where the document leaves them empty.
struct MyJvnStatus {
    std::string method;
    int retCd = 0; // 0 success, 1 error
    std::string errCd;
    std::string errMsg;
    long totalRes = 0;    // all matches
    long totalResRet = 0; // in this response
    long firstRes = 0;    // 1-based position of the first one here (0 when empty)
};

/// A document exactly as a source received it (a fetched feed or API response, a whole
/// e-mail): kept as evidence when its records are stored (store/evidence.h, docs/audit.md).
struct RawDocument {
    std::string mediaType; // "application/xml", "message/rfc822"
    std::string bytes;
};

/// "no raw document" in ParseResult::rawOf.
inline constexpr int kNoRawDocument = -1;

struct ParseResult {
    std::vector<Advisory> records;
    std::vector<ItemProblem> problems;
    std::optional<MyJvnStatus> status; // when the document has a status:Status element
    /// CISA's KEV catalog (feeds/parse/kev.h): its entries instead of `records`; stored by
    /// daemon/kev.h ingestKev, never as advisory records.
    std::optional<KevCatalog> kev;
    /// The documents the records were read from, each once (sources fill them; parsers and
    /// file imports leave them empty).
    std::vector<RawDocument> raw;
    /// Per record, same order: the index in `raw` of its document, or kNoRawDocument. Empty
    /// when `raw` is (no record has one).
    std::vector<int> rawOf;

    /// Adds a document and returns its index.
    int addRaw(std::string mediaType, std::string bytes) {
        raw.push_back(RawDocument{std::move(mediaType), std::move(bytes)});
        return static_cast<int>(raw.size()) - 1;
    }
    /// Appends a record read from raw document `rawIndex` (or kNoRawDocument).
    void addRecord(Advisory record, int rawIndex) {
        rawOf.resize(records.size(), kNoRawDocument);
        records.push_back(std::move(record));
        rawOf.push_back(rawIndex);
    }
    /// Every record so far came from raw document `rawIndex`.
    void allFrom(int rawIndex) { rawOf.assign(records.size(), rawIndex); }
    /// The raw document of record `i`, or null.
    const RawDocument* rawOfRecord(std::size_t i) const {
        if (i >= rawOf.size() || rawOf[i] < 0 || static_cast<std::size_t>(rawOf[i]) >= raw.size()) {
            return nullptr;
        }
        return &raw[static_cast<std::size_t>(rawOf[i])];
    }
};

struct PollOutcome {
    enum class Kind { Records, NotModified, Error };
    Kind kind = Kind::Error;
    ParseResult result; // for Records
    std::string error;  // for Error: what went wrong, for the log and `poll --once`
    SourceState state;  // the state to store once the records are committed
    /// For Error: the seconds the server asked to be left alone (`Retry-After` of a 429 or 503,
    /// core/http.h parseRetryAfter); the daemon's next poll of the source waits at least that
    /// long (daemon/poll_schedule.h). nullopt when the server said nothing.
    std::optional<long> retryAfter;
};

class Source {
public:
    virtual ~Source() = default;
    virtual const std::string& name() const = 0;
    /// Fetches what is new since `state`. Never throws for network or input problems.
    virtual PollOutcome poll(const SourceState& state) = 0;
    /// Called after the records and state of the last poll were committed to the store: the
    /// moment a source may acknowledge upstream (e.g. flag or move IMAP messages). A failure
    /// here is logged by the source; the records are safe either way.
    virtual void afterCommit(const PollOutcome& committed) { (void)committed; }
};

} // namespace vw
