// A copy of the audit chain's head outside the database (docs/audit.md): the service writes
// `audit head SEQ HASH` to its log (the systemd journal) once a day and when it stops, so
// `vulnwatch audit verify --head HASH@SEQ` can later tell a truncated or rewritten chain from an
// intact one. Digests and heartbeats carry the same line through Store::auditHead().
#pragma once

#include "store/audit.h"

#include <cstdint>
#include <string>

namespace vw {

class Store;

/// The journal line for a head: "audit head SEQ HASH".
std::string auditHeadLine(const AuditHead& head);

class AuditHeadJournal {
public:
    /// Logs the head unless it was logged already on this (JST) day. Never throws: a store
    /// that cannot be read is logged as a warning and tried again on the next call.
    void daily(Store& store, std::int64_t now);
    /// Logs the head when it moved since the last line (or none was written): at shutdown.
    /// Never throws.
    void atStop(Store& store);

private:
    void write(const AuditHead& head, const char* when);

    std::int64_t loggedDay_ = -1; // days since the epoch, JST
    bool logged_ = false;
    AuditHead last_;
};

} // namespace vw
