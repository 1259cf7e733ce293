// Sources: one kind of upstream channel each, behind one interface.
#pragma once

#include "core/advisory.h"

#include <memory>
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

struct ParseResult {
    std::vector<Advisory> records;
    std::vector<ItemProblem> problems;
};

struct PollOutcome {
    enum class Kind { Records, NotModified, Error };
    Kind kind = Kind::Error;
    ParseResult result;  // for Records
    std::string error;   // for Error: what went wrong, for the log and `poll --once`
    SourceState state;   // the state to store once the records are committed
};

class Source {
public:
    virtual ~Source() = default;
    virtual const std::string& name() const = 0;
    /// Fetches what is new since `state`. Never throws for network or input problems.
    virtual PollOutcome poll(const SourceState& state) = 0;
};

} // namespace vw
