// Streaming import of local files (`vulnwatch import`, `vulnwatch backfill`): a VULDEF or JVN
// RSS file of any size is read in 1 MiB pieces through VuldefStreamParser / JvnRssStreamParser
// and ingested in batches, one transaction per batch, so memory stays bounded by one batch of
// records (not the 72 MB file, nor its DOM).
//
// Failure semantics: when the document turns out to be bad part-way (truncated, not
// well-formed from some point on), every record completed before that point is still ingested
// (each one is a whole, valid Vulinfo or item; records are idempotent in the store, so
// importing the repaired file later adds nothing twice), and the error is reported in
// ImportStats::error.
// Nothing marks such a file as done: `backfill` loads that year again on its next run.
#pragma once

#include "config/config.h"
#include "feeds/source.h"
#include "store/evidence.h"
#include "store/store.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace vw {

class RegistryCache; // daemon/pipeline.h

/// Records per transaction: large enough that commits are cheap, small enough that the three
/// batches in memory of a streamed file (one being stored, one waiting, the next being parsed)
/// stay a few MB each: 350 × 3 is the memory of the 500 × 2 before the waiting one (the same
/// peak RSS, docs/performance.md).
inline constexpr std::size_t kImportBatchSize = 350;
/// Bytes per read from the file.
inline constexpr std::size_t kImportReadSize = 1024 * 1024;

struct ImportStats {
    std::string format;      // the format that was parsed ("vuldef", "jvn-rss", …)
    std::uint64_t bytes = 0; // bytes of the file read
    std::size_t items = 0;   // items the parser saw (records + bad items)
    std::size_t records = 0; // records ingested (committed)
    std::size_t newRecords = 0;
    std::size_t changed = 0;
    std::size_t problems = 0; // bad items (logged, the rest ingested)
    std::size_t newMatches = 0;
    std::size_t reevaluated = 0; // existing matches whose verdict changed (the detail arrived)
    std::size_t enqueued = 0;
    std::size_t batches = 0; // transactions committed
    /// format "kev" (CISA's KEV catalog, daemon/kev.h): stored vulnerabilities newly listed,
    /// each an exploitation signal for its cases. records/newRecords/changed count entries.
    std::size_t kevSignalled = 0;
    /// Empty when the whole document was read; else why it stopped (the records counted above
    /// are committed all the same).
    std::string error;

    bool complete() const { return error.empty(); }
};

/// Called after every committed batch and once at the end.
struct ImportProgress {
    std::uint64_t bytesDone = 0;
    std::uint64_t bytesTotal = 0; // file size
    std::size_t items = 0;        // items parsed so far
    std::size_t records = 0;      // records committed so far
    bool finished = false;
};
using ProgressFn = std::function<void(const ImportProgress&)>;

/// What the files of one command (`vulnwatch import A B C…`, a backfill) share: the bulk-load
/// tuning of the connection (set once, restored when the session ends) and the registry's
/// matcher (built once, rebuilt only when the registry changes), so 2,000 mails do not rebuild
/// a 10k-component matcher 2,000 times. Files imported without one get their own.
class ImportSession {
public:
    explicit ImportSession(Store& store);
    ~ImportSession();
    ImportSession(const ImportSession&) = delete;
    ImportSession& operator=(const ImportSession&) = delete;
    RegistryCache& registry();
    /// The evidence blob (SHA-256) the next file's records are read from ("" for none): set
    /// per file, named by the revisions it writes.
    void setFileEvidence(std::string hash);
    const std::string& fileEvidence() const;
    /// How many times the matcher was built (tests).
    int registryBuilds() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Ingests the file at `path` as records of `channel` (see the file comment). `format` is
/// "auto" or one of documentFormats(); VULDEF and JVN RSS are streamed, other formats are parsed
/// whole with parseDocument() and ingested in batches. Throws std::runtime_error when the file
/// cannot be read, std::invalid_argument for an unknown or unsupported format, StoreError from the
/// store; a document that cannot be parsed (from the start or part-way) is reported in `error`.
ImportStats importFile(Store& store, const Routing& notifiers, const std::string& path,
                       const std::string& format, const std::string& channel,
                       const ProgressFn& progress = nullptr,
                       std::size_t batchSize = kImportBatchSize, const CpeMapper& mapper = {},
                       ImportSession* session = nullptr);

/// `vulnwatch import` commits files up to this size in groups of up to kImportGroupFiles (one
/// transaction, a savepoint per file) instead of one transaction each.
inline constexpr std::uintmax_t kImportGroupFileBytes = 1024u * 1024u;
inline constexpr std::size_t kImportGroupFiles = 100;

/// Files up to this size are kept whole as evidence by storeImportEvidence (mails, alert lists,
/// a copy of the 1.1 MB `jvndb_new.rdf`); larger ones (a yearly VULDEF file is ~50 MB) by their
/// SHA-256 and size only. 2 MiB keeps a whole import under its 48 MB peak (16 MiB took the
/// quick bench set's import to 52 MB: the file and its compressed copy in memory).
inline constexpr std::uint64_t kKeepImportBytes = 2u * 1024u * 1024u;

/// An imported file as evidence (docs/audit.md "Evidence").
struct ImportEvidence {
    std::string hash; // SHA-256 of the file
    std::uint64_t size = 0;
    bool kept = false; // the bytes are stored (else the hash and size only)
};

/// Stores the file at `path` as evidence before it is imported: its SHA-256 computed and its
/// bytes stored (or, over kKeepImportBytes, its hash and size only), so the revisions the
/// import writes can name it (ImportSession::setFileEvidence). Throws std::runtime_error when
/// the file cannot be read.
ImportEvidence storeImportEvidence(Store& store, const std::string& path, std::int64_t now);

/// The `import` event naming the file's evidence, with what `stats` says was stored. Returns the
/// event's sequence number.
std::int64_t recordImportEvent(Store& store, const std::string& path, const ImportEvidence& file,
                               const ImportStats& stats, const std::string& channel,
                               std::int64_t now);

/// A file of `vulnwatch import` as ImportAhead hands it over: a small one (mail, alert list)
/// already read, hashed, compressed, parsed and serialized on ImportAhead's thread.
struct PreparedImportFile {
    std::string path;
    /// Its size was known and at most ImportAhead's limit: the fields below are filled. Else
    /// nothing was read (importWithEvidence streams it).
    bool small = false;
    std::string content;                // the whole file
    std::exception_ptr readFailure;     // reading it failed (rethrown by importWithEvidence)
    PreparedEvidence evidence;          // hash (and zlib form when `content` is kept)
    std::exception_ptr evidenceFailure; // zlib failed (rethrown)
    std::string mediaType;              // of the evidence (kMediaMail, kMediaXml)
    std::string format;                 // the format it is imported as (as importStream tells)
    bool parsed = false;                // parsed whole here (every format but VULDEF, JVN RSS)
    ParseResult result;
    std::string parseError;                   // a ParseError
    std::exception_ptr parseFailure;          // anything else parseDocument threw (rethrown)
    std::vector<SerializedRecord> serialized; // serializeRecord() of result.records
    /// A larger file whose evidence is its hash only (over kKeepImportBytes): hashed here, so
    /// the storing thread need not read it twice. `evidence.hash` and `mediaType` are then
    /// set, and `hashedAs` says which file they are of: importWithEvidence uses them while the
    /// file is still that one, and hashes it again otherwise.
    bool hashedAhead = false;
    struct Identity {
        std::uint64_t device = 0, inode = 0, size = 0;
        std::int64_t modified = 0, changed = 0; // ns since the epoch (st_mtim, st_ctim)
        bool operator==(const Identity&) const = default;
    };
    Identity hashedAs;
};

/// Makes the files of one `vulnwatch import` ready on a thread of its own, in order, up to two
/// files ahead of the one being stored, so the storing thread only stores (issue 9: the mails
/// were fully serial; their reading, format detection, SHA-256, zlib, parse and JSON were 28% of
/// their import's instructions, callgrind). Files over `smallBytes` (or of unknown size) are
/// handed over unread; of them, those over kKeepImportBytes but the first file hashed
/// (`hashedAhead`): hashing a 51 MB VULDEF file on the storing thread took 40 ms of its time
/// before the file's first batch (the first file's the storing thread hashes while its first
/// batch is parsed, instead of waiting for it here).
class ImportAhead {
public:
    ImportAhead(std::vector<std::string> paths, std::string format,
                std::uintmax_t smallBytes = kImportGroupFileBytes);
    ~ImportAhead();
    ImportAhead(const ImportAhead&) = delete;
    ImportAhead& operator=(const ImportAhead&) = delete;
    /// The next file, in the order given. Throws std::logic_error past the last.
    PreparedImportFile next();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// What importWithEvidence stored: the file as evidence, and its import.
struct ImportedFile {
    ImportEvidence evidence;
    ImportStats stats;
};

/// `vulnwatch import` of one file: stores it as evidence (storeImportEvidence) and imports it
/// (importFile), its revisions naming the evidence (`session`'s file evidence). The store ends up
/// as with those two calls in turn; the work is spread: a small file comes prepared, a streamed
/// file hashed ahead (PreparedImportFile::hashedAhead) is stored by that hash while it is still
/// the file hashed, and any other streamed file is hashed on this thread while the parsing
/// thread reads its first batch (the revisions need the hash at the first batch only). Throws as
/// those two do.
ImportedFile importWithEvidence(Store& store, const Routing& notifiers, PreparedImportFile& file,
                                const std::string& format, const std::string& channel,
                                std::size_t batchSize, const CpeMapper& mapper,
                                ImportSession& session);

/// As importFile, reading `in` (named `path` in messages; `size` bytes, 0 when unknown). A
/// read error (badbit) after the first piece happens on the parsing thread and is rethrown
/// here as std::runtime_error, after the batches before it were committed.
ImportStats importStream(Store& store, const Routing& notifiers, std::istream& in,
                         const std::string& path, std::uint64_t size, const std::string& format,
                         const std::string& channel, const ProgressFn& progress = nullptr,
                         std::size_t batchSize = kImportBatchSize, const CpeMapper& mapper = {},
                         ImportSession* session = nullptr);

} // namespace vw
