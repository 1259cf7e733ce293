// Backups of the store (issue 15 part 3; docs/operations.md "Backup and restore"): a copy made
// with SQLite's online backup API while the daemon and the web server go on writing (one
// consistent snapshot: WAL readers do not block writers), checked before it counts
// (`PRAGMA integrity_check`, and the audit trail's hash chain when the copy's schema is this
// build's), and the restore of such a copy over a store no process has open.
#pragma once

#include "store/audit.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vw {

/// What checking a database file found.
struct DatabaseCheck {
    std::int64_t bytes = 0;
    int schema = 0;            // PRAGMA user_version
    bool integrityOk = false;  // PRAGMA integrity_check said "ok"
    std::string integrity;     // its first lines otherwise
    bool auditChecked = false; // the schema is this build's: the chain was walked
    AuditVerification audit;
    std::int64_t records = 0; // rows of `record` (0 when the table does not exist)
    std::int64_t cases = 0;   // rows of `vcase`
    std::int64_t outbox = 0;  // rows of `outbox`

    bool ok() const { return integrityOk && (!auditChecked || audit.ok()); }
};

/// Checks the database at `path`, opened read-only (nothing is written to it; a WAL file
/// beside it is read as SQLite reads it). Throws StoreError when it is no SQLite database.
DatabaseCheck checkDatabaseFile(const std::string& path);

/// Copies the database at `source` (read-only; any journal mode) into a new file `dest` (which
/// must not exist) with the online backup API, in one step: the copy is the snapshot of one
/// read transaction, whatever other processes write meanwhile. The copy is synced to disk.
/// Throws StoreError naming the file and SQLite's message.
void copyDatabase(const std::string& source, const std::string& dest);

/// Folds the WAL of the database at `path` into the file (PRAGMA wal_checkpoint(TRUNCATE)) on a
/// raw connection (no migration). Throws StoreError.
void checkpointDatabase(const std::string& path);

/// A lock on the database file that says an instance uses it: `vulnwatch run` and `serve`
/// hold it shared for their lifetime, `restore` exclusive while it replaces the file. It is a
/// flock(2) lock, independent of SQLite's own (fcntl) locks. Released when destroyed.
class InstanceLock {
public:
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

    /// The lock on `path` (which must exist), without waiting: nullptr when another process
    /// holds it in a conflicting mode. Throws StoreError when the file cannot be opened.
    static std::unique_ptr<InstanceLock> tryLock(const std::string& path, bool exclusive);

private:
    explicit InstanceLock(int fd) : fd_(fd) {}
    int fd_;
};

/// The processes that hold `path`, or its -wal or -shm file, open ("1234 vulnwatch"), read
/// from /proc/*/fd; processes this user may not inspect are not seen (run as root or as the
/// service's user). This process is left out.
std::vector<std::string> processesUsing(const std::string& path);

} // namespace vw
