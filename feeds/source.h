// Sources: one kind of upstream channel each, behind one interface.
#pragma once

#include "core/advisory.h"

#include <memory>
#include <optional>
#include <string>
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

struct ParseResult {
    std::vector<Advisory> records;
    std::vector<ItemProblem> problems;
    std::optional<MyJvnStatus> status; // when the document has a status:Status element
};

struct PollOutcome {
    enum class Kind { Records, NotModified, Error };
    Kind kind = Kind::Error;
    ParseResult result; // for Records
    std::string error;  // for Error: what went wrong, for the log and `poll --once`
    SourceState state;  // the state to store once the records are committed
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
