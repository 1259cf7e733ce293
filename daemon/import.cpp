#include "daemon/import.h"

#include "daemon/kev.h"
#include "daemon/pipeline.h"
#include "feeds/parse/document.h"
#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"
#include "store/evidence.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <istream>
#include <malloc.h>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <utility>

namespace vw {
namespace {

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

/// Reads up to `buffer.size()` bytes; returns how many (0 at the end). Throws on read errors.
std::size_t readChunk(std::istream& in, std::string& buffer, const std::string& path) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.bad()) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    return got;
}

/// Throws std::invalid_argument for an unknown format or a batch size of 0.
void checkImportArguments(const std::string& format, std::size_t batchSize) {
    if (batchSize == 0) {
        throw std::invalid_argument("import batch size must be at least 1");
    }
    const auto& formats = documentFormats();
    if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
        throw std::invalid_argument("unknown format '" + format + "' (" + formatList() + ")");
    }
}

/// A batch handed from the parsing thread to the storing thread.
struct ParsedBatch {
    ParseResult parsed;
    /// serializeRecord() of each record, same order; an empty json: not serialized yet (the
    /// storing thread does it, see HandOver::takerWaiting()).
    std::vector<SerializedRecord> serialized;
    std::size_t itemsSeen = 0;   // items parsed when the batch was handed over
    std::uint64_t bytesRead = 0; // bytes of the file read by then
};

/// Passes batches from the parsing thread to the storing thread through one slot: the parser
/// waits only while the slot is full, so at most three batches of records are in memory (one
/// being stored, one waiting in the slot, the next being parsed). Handing over one at a time
/// (the parser waiting until its batch was taken) left each thread waiting for the other
/// whenever one batch took longer than the one beside it: on the full history's VULDEF files
/// the two threads are about even, and each waited 10-17% of the wall time
/// (docs/performance.md, issue 9, ninth pass).
class HandOver {
public:
    /// Waits until the slot is free, then leaves `batch` in it. Returns false (the batch is
    /// dropped) once closed.
    bool put(ParsedBatch&& batch) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return closed_ || !slot_; });
        if (closed_) {
            return false;
        }
        slot_ = std::move(batch);
        changed_.notify_all();
        return true;
    }

    /// Waits for a batch; nullopt once closed and nothing is left.
    std::optional<ParsedBatch> take() {
        std::unique_lock lock(mutex_);
        takerWaiting_.store(true, std::memory_order_relaxed);
        changed_.wait(lock, [&] { return closed_ || slot_; });
        takerWaiting_.store(false, std::memory_order_relaxed);
        std::optional<ParsedBatch> batch = std::move(slot_);
        slot_.reset();
        changed_.notify_all();
        return batch;
    }

    /// The storing thread is done with `batch`: the parsing thread frees it (freeSpent()).
    /// Its thousands of strings were allocated there, and freeing them took a tenth of the
    /// storing thread's time on the VULDEF files (perf), the longer of the two threads. The
    /// last batch of a file, given back when the parser has finished, is freed with the
    /// HandOver.
    void giveBack(ParsedBatch&& batch) {
        std::lock_guard lock(mutex_);
        spent_ = std::move(batch);
        hasSpent_.store(true, std::memory_order_release);
    }

    /// On the parsing thread, between two records: frees the batch given back, if any, as soon
    /// as it is, so no more batches are in memory than before.
    void freeSpent() {
        if (!hasSpent_.load(std::memory_order_acquire)) {
            return;
        }
        std::optional<ParsedBatch> spent;
        {
            std::lock_guard lock(mutex_);
            spent.swap(spent_);
            hasSpent_.store(false, std::memory_order_relaxed);
        }
        // freed here, outside the lock
    }

    /// The storing thread is waiting for the next batch: it has time to spare, so the parser
    /// leaves the serialization of the records it parses meanwhile to it, and the two threads
    /// share the work whichever of them is the faster (on the 300k set the parsing thread set
    /// the wall time; with a store that does more per record it is the other way round).
    bool takerWaiting() const { return takerWaiting_.load(std::memory_order_relaxed); }

    /// No more batches: the parser is done (what it put is still taken), or the storing
    /// thread gave up.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<ParsedBatch> slot_;
    std::optional<ParsedBatch> spent_; // given back, to be freed by the parsing thread
    bool closed_ = false;
    std::atomic<bool> takerWaiting_ = false;
    std::atomic<bool> hasSpent_ = false;
};

/// What the parsing thread reports when it has finished (read after joining it).
struct ParserOutcome {
    std::string error;          // the document is bad from some point on (ParseError)
    std::exception_ptr failure; // anything else (a read error): rethrown by importFile
    std::size_t items = 0;      // items the parser saw
    std::uint64_t bytes = 0;    // bytes read
};

/// Thrown inside the record sink when the storing thread has given up.
struct ImportAborted {};

/// The parsing thread: reads the rest of the file (`buffer` holds its first `got` bytes),
/// parses it with a streaming parser (VuldefStreamParser, JvnRssStreamParser), serializes each
/// record (unless the storing thread is idle) and pushes full batches; closes the queue at the
/// end.
template <typename StreamParser>
void parseStreamInto(std::istream& in, const std::string& path, std::string buffer, std::size_t got,
                     std::size_t batchSize, HandOver& queue, ParserOutcome& outcome) {
    std::uint64_t bytes = got;
    std::size_t seen = 0;
    ParsedBatch pending;
    auto handOver = [&] {
        pending.itemsSeen = seen;
        pending.bytesRead = bytes;
        if (!queue.put(std::move(pending))) {
            throw ImportAborted{};
        }
        pending = ParsedBatch();
    };
    try {
        StreamParser parser(
            [&](Advisory&& record) {
                ++seen;
                queue.freeSpent();
                pending.serialized.push_back(queue.takerWaiting() ? SerializedRecord()
                                                                  : serializeRecord(record));
                pending.parsed.records.push_back(std::move(record));
                if (pending.parsed.records.size() >= batchSize) {
                    handOver();
                }
            },
            [&](ItemProblem&& problem) {
                ++seen;
                pending.parsed.problems.push_back(std::move(problem));
            });
        try {
            while (got > 0) {
                parser.feed(std::string_view(buffer.data(), got));
                got = readChunk(in, buffer, path);
                bytes += got;
            }
            parser.finish();
        } catch (const ParseError& e) {
            // Every record handed over so far is a complete Vulinfo: keep them (below).
            outcome.error = e.what();
        }
        outcome.items = parser.itemsSeen();
        outcome.bytes = bytes;
        if (!pending.parsed.records.empty() || !pending.parsed.problems.empty()) {
            handOver();
        }
    } catch (const ImportAborted&) {
        // the storing thread failed; it reports why
    } catch (...) {
        outcome.failure = std::current_exception();
    }
    queue.close();
}

/// For the duration of one import: a larger page cache, so a batch's dirty pages are not
/// spilled to the WAL and read back mid-transaction, and frequent checkpoints, which keep the
/// WAL (and the WAL index every page read searches) short and leave little to copy when the
/// database is closed, run by a thread of their own (WalCheckpointer). Both are restored
/// afterwards (the daemon's resident memory stays small).
class BulkLoadTuning {
public:
    explicit BulkLoadTuning(Store& store) : db_(store.db()) {
        if (db_.isPostgres()) {
            return; // SQLite's cache and WAL only; the server tunes its own
        }
        cacheSize_ = pragma("cache_size");
        autoCheckpoint_ = pragma("wal_autocheckpoint");
        db_.exec("PRAGMA cache_size = -" + std::to_string(kBulkCacheKiB));
        db_.exec("PRAGMA wal_autocheckpoint = " + std::to_string(kBulkCheckpointPages));
        // The checkpoints on a thread of their own (the pragma above stays in force if its
        // connection cannot be opened).
        checkpointer_.emplace(db_, static_cast<int>(kBulkCheckpointPages),
                              static_cast<int>(kBulkRestartPages),
                              static_cast<int>(autoCheckpoint_));
    }
    ~BulkLoadTuning() {
        checkpointer_.reset();
        if (db_.isPostgres()) {
            // Planner statistics of the new rows now, not at autovacuum's next round: without
            // them the first re-match after an import planned with default estimates (40 s
            // instead of 0.5 s for 4,800 KEV look-ups; docs/performance.md, issue 17).
            if (!db_.inTransaction()) {
                db_.execQuietly("ANALYZE record, revision, cluster, alias, advisory, "
                                "advisory_cluster, mention, record_cpe, record_text");
            }
            return;
        }
        try {
            db_.exec("PRAGMA cache_size = " + std::to_string(cacheSize_));
            db_.exec("PRAGMA wal_autocheckpoint = " + std::to_string(autoCheckpoint_));
        } catch (const std::exception&) {
            // best effort: the connection is about to be closed anyway
        }
    }
    BulkLoadTuning(const BulkLoadTuning&) = delete;
    BulkLoadTuning& operator=(const BulkLoadTuning&) = delete;

private:
    static constexpr long kBulkCacheKiB = 8 * 1024;
    // A checkpoint after each commit that leaves 4 MiB of WAL at 16 KiB pages (it cut the full
    // history's import from 14.5 s with 1024 pages to 12 s when the writer ran them), now on
    // WalCheckpointer's thread: the storing thread, the longer of the two, spent a quarter of
    // its time in them (docs/performance.md, issue 9, tenth pass). At 2048 pages (32 MiB) the
    // writer copies what is left itself, so the WAL starts afresh.
    static constexpr long kBulkCheckpointPages = 256;
    static constexpr long kBulkRestartPages = 2048;

    std::int64_t pragma(const char* name) {
        Statement q = db_.prepare(std::string("PRAGMA ") + name);
        return q.step() ? q.integer(0) : 0;
    }

    Database& db_;
    std::optional<WalCheckpointer> checkpointer_;
    std::int64_t cacheSize_ = 0;
    std::int64_t autoCheckpoint_ = 0;
};

/// Collects records into batches and ingests each in one transaction.
class BatchIngest {
public:
    BatchIngest(Store& store, const Routing& notifiers, const std::string& channel,
                ImportStats& stats, const CpeMapper& mapper, RegistryCache& registry,
                const std::string& fileEvidence)
        : store_(store), notifiers_(notifiers), channel_(channel), stats_(stats), mapper_(mapper),
          registry_(registry), fileEvidence_(fileEvidence) {}

    ParseResult& pending() { return pending_; }
    /// serializeRecord() of each pending record, or empty (ingestBatch serializes them).
    std::vector<SerializedRecord>& pendingSerialized() { return pendingSerialized_; }

    /// Ingests what is pending (nothing when empty).
    void flush() {
        ingest(pending_, pendingSerialized_);
        pending_.records.clear();
        pending_.problems.clear();
        pendingSerialized_.clear();
    }

    /// Ingests `batch` in one transaction (nothing when empty). `serialized`: as for
    /// ingestBatch().
    void ingest(const ParseResult& batch, const std::vector<SerializedRecord>& serialized = {}) {
        if (batch.records.empty() && batch.problems.empty()) {
            return;
        }
        // The registry's matcher is built once for the whole session (unless the registry
        // changes).
        const IngestStats s =
            ingestBatch(store_, notifiers_, channel_, batch, unixNow(), std::nullopt, serialized,
                        mapper_, &registry_, fileEvidence_);
        stats_.records += static_cast<std::size_t>(s.records);
        stats_.newRecords += static_cast<std::size_t>(s.newRecords);
        stats_.changed += static_cast<std::size_t>(s.changed);
        stats_.problems += static_cast<std::size_t>(s.problems);
        stats_.newMatches += static_cast<std::size_t>(s.newMatches);
        stats_.reevaluated += static_cast<std::size_t>(s.reevaluated);
        stats_.enqueued += static_cast<std::size_t>(s.enqueued);
        ++stats_.batches;
    }

private:
    Store& store_;
    const Routing& notifiers_;
    const std::string& channel_;
    ImportStats& stats_;
    const CpeMapper& mapper_;
    RegistryCache& registry_;
    const std::string& fileEvidence_;
    ParseResult pending_;
    std::vector<SerializedRecord> pendingSerialized_;
};

/// A document parsed whole (not streamed): ingested in batches of `batchSize` records (the
/// problems with the first), or as CISA's KEV catalog. `serialized`: of result.records, or empty.
void ingestWhole(Store& store, const Routing& notifiers, const std::string& channel,
                 ParseResult&& result, std::vector<SerializedRecord>&& serialized,
                 std::size_t batchSize, ImportStats& stats, BatchIngest& batches,
                 const std::function<void(std::size_t, bool)>& notify) {
    if (result.kev) {
        // CISA's KEV catalog: its own table and exploitation signals, never advisory
        // records (daemon/kev.h); one transaction.
        const KevIngestStats kev = ingestKev(store, notifiers, channel, result, unixNow());
        stats.items = result.kev->entries.size() + result.problems.size();
        stats.records = static_cast<std::size_t>(kev.ingest.records);
        stats.newRecords = static_cast<std::size_t>(kev.ingest.newRecords);
        stats.changed = static_cast<std::size_t>(kev.ingest.changed);
        stats.problems = static_cast<std::size_t>(kev.ingest.problems);
        stats.enqueued = static_cast<std::size_t>(kev.ingest.enqueued);
        stats.kevSignalled = kev.signalled.size();
        stats.batches = 1;
        notify(stats.items, true);
        return;
    }
    const bool withSerialized = serialized.size() == result.records.size();
    stats.items = result.records.size() + result.problems.size();
    batches.pending().problems = std::move(result.problems);
    for (std::size_t i = 0; i < result.records.size(); ++i) {
        batches.pending().records.push_back(std::move(result.records[i]));
        if (withSerialized) {
            batches.pendingSerialized().push_back(std::move(serialized[i]));
        }
        if (batches.pending().records.size() >= batchSize) {
            batches.flush();
            notify(stats.records, false);
        }
    }
    batches.flush();
    notify(stats.items, true);
}

/// The size of the first piece importStream reads of a file of `size` bytes (0: unknown): a file
/// smaller than a piece gets a buffer of its size plus one byte, so the first read meets the
/// end (zeroing 1 MiB for each of 2,000 mails of a few KB was a fifth of an import's
/// instructions, callgrind).
std::size_t firstPieceSize(std::uint64_t size) {
    return size > 0 && size < kImportReadSize ? static_cast<std::size_t>(size) + 1
                                              : kImportReadSize;
}

bool streamedFormat(const std::string& format) {
    return format == "vuldef" || format == "jvn-rss";
}

/// importStream; `prepared` (when not null) holds the file parsed whole already
/// (PreparedImportFile::parsed, `in` is not read); `beforeIngest` (when set) runs on this thread
/// before the first batch is stored, while the parsing thread reads the first batch.
ImportStats importStreamImpl(Store& store, const Routing& notifiers, std::istream& in,
                             const std::string& path, std::uint64_t size, const std::string& format,
                             const std::string& channel, const ProgressFn& progress,
                             std::size_t batchSize, const CpeMapper& mapper, ImportSession* session,
                             PreparedImportFile* prepared,
                             const std::function<void()>& beforeIngest);

} // namespace

struct ImportSession::Impl {
    explicit Impl(Store& store) : tuning(store) {}
    BulkLoadTuning tuning;
    RegistryCache registry;
    std::string fileEvidence;
};

ImportSession::ImportSession(Store& store) : impl_(std::make_unique<Impl>(store)) {}
ImportSession::~ImportSession() = default;
RegistryCache& ImportSession::registry() {
    return impl_->registry;
}
void ImportSession::setFileEvidence(std::string hash) {
    impl_->fileEvidence = std::move(hash);
}
const std::string& ImportSession::fileEvidence() const {
    return impl_->fileEvidence;
}
int ImportSession::registryBuilds() const {
    return impl_->registry.builds();
}

ImportStats importFile(Store& store, const Routing& notifiers, const std::string& path,
                       const std::string& format, const std::string& channel,
                       const ProgressFn& progress, std::size_t batchSize, const CpeMapper& mapper,
                       ImportSession* session) {
    checkImportArguments(format, batchSize);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    std::error_code sizeError;
    const auto fileSize = std::filesystem::file_size(path, sizeError);
    return importStream(store, notifiers, in, path,
                        sizeError ? 0 : static_cast<std::uint64_t>(fileSize), format, channel,
                        progress, batchSize, mapper, session);
}

namespace {

/// A file read to its end by hashFile.
struct HashedFile {
    std::string hash; // SHA-256, hex
    std::uint64_t size = 0;
    std::string mediaType; // of the evidence (kMediaMail, kMediaXml), from the first 4 KiB
};

/// Reads `path` to its end, hashing it; `eachPiece` (when set) sees every piece read. A file
/// smaller than a piece gets a buffer of its size (plus one byte, so the first read meets the
/// end), as in importStream: zeroing 1 MiB for each of 2,000 mails was 30% of the instructions
/// of their import (callgrind). A larger one is hashed in pieces of 128 KiB while an import's
/// parsing thread holds its own 1 MiB piece and batch: a second 1 MiB took the peak memory of
/// an import 1 MB closer to its 48 MB.
HashedFile hashFile(const std::string& path,
                    const std::function<void(std::string_view piece)>& eachPiece) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    std::error_code sizeError;
    const auto fileSize = std::filesystem::file_size(path, sizeError);
    constexpr std::size_t kHashPiece = 128 * 1024;
    const std::size_t bufferSize =
        !sizeError && fileSize < kHashPiece ? static_cast<std::size_t>(fileSize) + 1 : kHashPiece;
    std::string buffer(bufferSize, '\0');
    Sha256Stream hasher;
    HashedFile out;
    std::string head; // the first piece, for the media type
    while (const std::size_t got = readChunk(in, buffer, path)) {
        const std::string_view piece(buffer.data(), got);
        if (head.empty()) {
            head.assign(piece.substr(0, 4096));
        }
        hasher.update(piece);
        out.size += got;
        if (eachPiece) {
            eachPiece(piece);
        }
    }
    out.hash = hasher.finish();
    out.mediaType = detectFormat(head) == "mail" ? kMediaMail : kMediaXml;
    return out;
}

/// Which file `path` is now (nullopt when it cannot be told): a file hashed ahead is the same
/// one while device, inode, size and both times are.
std::optional<PreparedImportFile::Identity> fileIdentity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return std::nullopt;
    }
    const auto ns = [](const timespec& t) {
        return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
    };
    PreparedImportFile::Identity id;
    id.device = static_cast<std::uint64_t>(st.st_dev);
    id.inode = static_cast<std::uint64_t>(st.st_ino);
    id.size = static_cast<std::uint64_t>(st.st_size);
    id.modified = ns(st.st_mtim);
    id.changed = ns(st.st_ctim);
    return id;
}

} // namespace

ImportEvidence storeImportEvidence(Store& store, const std::string& path, std::int64_t now) {
    std::string kept; // the whole file while it is within kKeepImportBytes
    std::error_code sizeError;
    const auto fileSize = std::filesystem::file_size(path, sizeError);
    // A file known to be larger than kept files is only hashed (no copy of its first 2 MiB).
    bool keep = sizeError || fileSize <= kKeepImportBytes;
    std::uint64_t size = 0;
    const HashedFile hashed = hashFile(path, [&](std::string_view piece) {
        size += piece.size();
        keep = keep && size <= kKeepImportBytes;
        if (keep) {
            kept.append(piece);
        } else {
            kept = std::string();
        }
    });
    const std::string& mediaType = hashed.mediaType;
    ImportEvidence out;
    out.hash = hashed.hash;
    out.size = hashed.size;
    out.kept = keep;
    Store::Transaction tx(store);
    if (keep) {
        out.hash = putEvidence(store, kept, mediaType, now); // the same hash, from the same bytes
    } else {
        putEvidenceReference(store, out.hash, mediaType, static_cast<std::int64_t>(size), now);
    }
    tx.commit();
    return out;
}

std::int64_t recordImportEvent(Store& store, const std::string& path, const ImportEvidence& file,
                               const ImportStats& stats, const std::string& channel,
                               std::int64_t now) {
    AuditEvent event;
    event.kind = "import";
    event.at = now;
    const std::string name = std::filesystem::path(path).filename().string();
    event.text = name + " (" + (stats.format.empty() ? "?" : stats.format) + ", " +
                 std::to_string(file.size) + " bytes" + (file.kept ? "" : ", hash only") +
                 ") into channel " + channel + ": " + std::to_string(stats.records) + " records, " +
                 std::to_string(stats.newRecords) + " new, " + std::to_string(stats.changed) +
                 " changed, " + std::to_string(stats.problems) + " bad items" +
                 (stats.complete() ? "" : "; stopped: " + stats.error);
    event.subjects = {"file:" + name};
    event.evidence = {file.hash};
    event.details = {{"channel", channel}, {"kept", file.kept ? "yes" : "hash-only"}};
    return store.appendEvent(event);
}

ImportStats importStream(Store& store, const Routing& notifiers, std::istream& in,
                         const std::string& path, std::uint64_t size, const std::string& format,
                         const std::string& channel, const ProgressFn& progress,
                         std::size_t batchSize, const CpeMapper& mapper, ImportSession* session) {
    return importStreamImpl(store, notifiers, in, path, size, format, channel, progress, batchSize,
                            mapper, session, nullptr, nullptr);
}

namespace {

ImportStats importStreamImpl(Store& store, const Routing& notifiers, std::istream& in,
                             const std::string& path, std::uint64_t size, const std::string& format,
                             const std::string& channel, const ProgressFn& progress,
                             std::size_t batchSize, const CpeMapper& mapper, ImportSession* session,
                             PreparedImportFile* prepared,
                             const std::function<void()>& beforeIngest) {
    checkImportArguments(format, batchSize);
    ImportStats stats;
    ImportProgress report;
    report.bytesTotal = size;
    const std::function<void(std::size_t, bool)> notify = [&](std::size_t items, bool finished) {
        if (progress) {
            report.bytesDone = stats.bytes;
            report.items = items;
            report.records = stats.records;
            report.finished = finished;
            progress(report);
        }
    };
    std::optional<ImportSession> own;
    if (session == nullptr) {
        session = &own.emplace(store);
    }
    BatchIngest batches(store, notifiers, channel, stats, mapper, session->registry(),
                        session->fileEvidence());

    if (prepared != nullptr) {
        // Read, parsed and serialized on ImportAhead's thread.
        stats.bytes = prepared->content.size();
        stats.format = prepared->format;
        if (beforeIngest) {
            beforeIngest();
        }
        if (prepared->parseFailure) {
            std::rethrow_exception(prepared->parseFailure);
        }
        if (!prepared->parseError.empty()) {
            stats.error = prepared->parseError;
            notify(0, true);
            return stats;
        }
        if (stats.format.empty()) {
            stats.format = format;
        }
        ingestWhole(store, notifiers, channel, std::move(prepared->result),
                    std::move(prepared->serialized), batchSize, stats, batches, notify);
        return stats;
    }

    std::string buffer(firstPieceSize(size), '\0');
    std::size_t got = readChunk(in, buffer, path);
    stats.bytes += got;
    stats.format = format == "auto" ? detectFormat(std::string_view(buffer.data(), got)) : format;

    if (!streamedFormat(stats.format)) {
        // Small documents (MyJVN alert lists, mail): parsed whole, as `parse` does, then
        // ingested in batches.
        if (beforeIngest) {
            beforeIngest();
        }
        std::string content(buffer.data(), got);
        while ((got = readChunk(in, buffer, path)) > 0) {
            content.append(buffer.data(), got);
            stats.bytes += got;
        }
        if (content.size() >= (1u << 20)) {
            // A DOM takes about five times a document's size: first give back what earlier
            // files left freed, so an import of many files does not stack them. Not worth the
            // system calls for mail.
            ::malloc_trim(0);
        }
        ParseResult result;
        try {
            result = parseDocument(content, format);
        } catch (const ParseError& e) {
            stats.error = e.what();
            notify(0, true);
            return stats;
        }
        if (stats.format.empty()) {
            stats.format = format;
        }
        ingestWhole(store, notifiers, channel, std::move(result), {}, batchSize, stats, batches,
                    notify);
        return stats;
    }

    // VULDEF and RSS: the rest of the file is read and parsed, one item at a time, on a second
    // thread, which also serializes each record (JSON and content hash) while this thread is
    // busy, and hands over full batches; this thread serializes what was left to it and writes
    // the batches to the database, one transaction per batch, so parsing and storing overlap.
    HandOver queue;
    ParserOutcome parsed;
    std::thread parserThread([&] {
        if (stats.format == "vuldef") {
            parseStreamInto<VuldefStreamParser>(in, path, std::move(buffer), got, batchSize, queue,
                                                parsed);
        } else {
            parseStreamInto<JvnRssStreamParser>(in, path, std::move(buffer), got, batchSize, queue,
                                                parsed);
        }
    });
    try {
        if (beforeIngest) {
            beforeIngest(); // while the parsing thread reads the first batch
        }
        while (std::optional<ParsedBatch> batch = queue.take()) {
            for (std::size_t i = 0; i < batch->serialized.size(); ++i) {
                if (batch->serialized[i].json.empty()) {
                    batch->serialized[i] = serializeRecord(batch->parsed.records[i]);
                }
            }
            batches.ingest(batch->parsed, batch->serialized);
            stats.bytes = batch->bytesRead;
            notify(batch->itemsSeen, false);
            queue.giveBack(std::move(*batch));
        }
    } catch (...) {
        queue.close(); // the parser thread stops at its next hand-over
        parserThread.join();
        throw;
    }
    parserThread.join();
    if (parsed.bytes >= (1u << 20)) {
        // What the file's batches left freed goes back to the system before the next file:
        // without it, one import of the full history's 29 VULDEF files (53 MB each) reached a
        // peak RSS of 51.6-52.9 MB from the 27th file on, the free memory of the earlier files
        // kept under the new one's (43.9-46.1 MB with it; 0.6-0.8 ms a file).
        ::malloc_trim(0);
    }
    if (parsed.failure) {
        std::rethrow_exception(parsed.failure); // a read error
    }
    stats.error = parsed.error;
    stats.bytes = parsed.bytes;
    stats.items = parsed.items;
    notify(stats.items, true);
    return stats;
}

/// storeImportEvidence of a file ImportAhead read: the same rows, from what it prepared.
ImportEvidence storePreparedEvidence(Store& store, const PreparedImportFile& file,
                                     std::int64_t now) {
    if (file.evidenceFailure) {
        std::rethrow_exception(file.evidenceFailure);
    }
    const std::string_view content(file.content);
    ImportEvidence out;
    out.hash = file.evidence.hash;
    out.size = content.size();
    out.kept = content.size() <= kKeepImportBytes;
    Store::Transaction tx(store);
    if (out.kept) {
        out.hash = putEvidence(store, content, file.evidence, file.mediaType, now);
    } else {
        putEvidenceReference(store, out.hash, file.mediaType, static_cast<std::int64_t>(out.size),
                             now);
    }
    tx.commit();
    return out;
}

/// The hash of a file whose evidence is its hash only, made ahead (PreparedImportFile::
/// hashedAhead), when the file stays the same one while it is read; else (or when reading it
/// fails) nothing: importWithEvidence hashes it as before and meets the error itself.
void hashAhead(PreparedImportFile& file) {
    try {
        const auto before = fileIdentity(file.path);
        if (!before) {
            return;
        }
        HashedFile hashed = hashFile(file.path, nullptr);
        if (fileIdentity(file.path) != before || hashed.size != before->size) {
            return; // changed while it was read
        }
        file.evidence.hash = std::move(hashed.hash);
        file.mediaType = std::move(hashed.mediaType);
        file.hashedAs = *before;
        file.hashedAhead = true;
    } catch (...) {
        // Not hashed ahead (hashedAhead stays false): importWithEvidence meets the error.
    }
}

/// storeImportEvidence of a file hashed ahead (the same row: a reference by hash, size and
/// media type).
ImportEvidence storeHashedAheadEvidence(Store& store, const PreparedImportFile& file,
                                        std::int64_t now) {
    ImportEvidence out;
    out.hash = file.evidence.hash;
    out.size = file.hashedAs.size;
    out.kept = false;
    Store::Transaction tx(store);
    putEvidenceReference(store, out.hash, file.mediaType, static_cast<std::int64_t>(out.size), now);
    tx.commit();
    return out;
}

/// ImportAhead's work on one file (never throws: what fails is kept for the storing thread).
PreparedImportFile prepareImportFile(const std::string& path, const std::string& format,
                                     std::uintmax_t smallBytes, bool hashLarge) {
    PreparedImportFile file;
    file.path = path;
    std::error_code sizeError;
    const auto size = std::filesystem::file_size(path, sizeError);
    file.small = !sizeError && size <= smallBytes;
    if (!file.small) {
        if (hashLarge && !sizeError && size > kKeepImportBytes) {
            hashAhead(file);
        }
        return file;
    }
    try {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
        }
        // As importStream reads it: the first piece tells the format.
        std::string buffer(firstPieceSize(size), '\0');
        std::size_t got = readChunk(in, buffer, path);
        file.content.assign(buffer.data(), got);
        file.format = format == "auto" ? detectFormat(file.content) : format;
        while ((got = readChunk(in, buffer, path)) > 0) {
            file.content.append(buffer.data(), got);
        }
    } catch (...) {
        file.readFailure = std::current_exception();
        return file;
    }
    // As storeImportEvidence tells it (from the first 4 KiB; the format of a file within them
    // is known already).
    const std::string_view head = std::string_view(file.content).substr(0, 4096);
    const bool mail = format == "auto" && head.size() == file.content.size()
                          ? file.format == "mail"
                          : detectFormat(head) == "mail";
    file.mediaType = mail ? kMediaMail : kMediaXml;
    try {
        if (file.content.size() <= kKeepImportBytes) {
            file.evidence = prepareEvidence(file.content);
        } else {
            file.evidence.hash = sha256Hex(file.content);
        }
    } catch (...) {
        file.evidenceFailure = std::current_exception();
        return file;
    }
    const auto& formats = documentFormats();
    if (streamedFormat(file.format) ||
        std::find(formats.begin(), formats.end(), format) == formats.end()) {
        return file; // streamed from `content`, or refused, by importWithEvidence
    }
    file.parsed = true;
    try {
        if (file.content.size() >= (1u << 20)) {
            ::malloc_trim(0); // as importStream does before a DOM
        }
        // The format told already (parseDocument would tell it again from the same bytes).
        file.result = parseDocument(file.content, file.format.empty() ? format : file.format);
        if (!file.result.kev) {
            file.serialized.reserve(file.result.records.size());
            for (const Advisory& record : file.result.records) {
                file.serialized.push_back(serializeRecord(record));
            }
        }
    } catch (const ParseError& e) {
        file.parseError = e.what();
    } catch (...) {
        file.parseFailure = std::current_exception();
    }
    return file;
}

} // namespace

struct ImportAhead::Impl {
    /// Files made ready and not taken yet, at most this many.
    static constexpr std::size_t kAhead = 2;

    std::vector<std::string> paths;
    std::string format;
    std::uintmax_t smallBytes = 0;
    std::size_t taken = 0; // files handed over by next()
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<PreparedImportFile> ready;
    bool stop = false;
    std::exception_ptr failure; // the thread stopped (out of memory): next() rethrows it
    std::thread worker;

    void run() {
        try {
            for (const std::string& path : paths) {
                {
                    std::unique_lock lock(mutex);
                    changed.wait(lock, [&] { return stop || ready.size() < kAhead; });
                    if (stop) {
                        return;
                    }
                }
                // Not the first file: the storing thread would wait for its hash, where it
                // hashes it itself while the parsing thread reads the first batch.
                PreparedImportFile file =
                    prepareImportFile(path, format, smallBytes, &path != &paths.front());
                std::lock_guard lock(mutex);
                ready.push_back(std::move(file));
                changed.notify_all();
            }
        } catch (...) {
            std::lock_guard lock(mutex);
            failure = std::current_exception();
            changed.notify_all();
        }
    }
};

ImportAhead::ImportAhead(std::vector<std::string> paths, std::string format,
                         std::uintmax_t smallBytes)
    : impl_(std::make_unique<Impl>()) {
    impl_->paths = std::move(paths);
    impl_->format = std::move(format);
    impl_->smallBytes = smallBytes;
    impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

ImportAhead::~ImportAhead() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stop = true;
        impl_->changed.notify_all();
    }
    impl_->worker.join();
}

PreparedImportFile ImportAhead::next() {
    std::unique_lock lock(impl_->mutex);
    if (impl_->taken >= impl_->paths.size()) {
        throw std::logic_error("ImportAhead::next: no files left");
    }
    impl_->changed.wait(lock, [&] { return !impl_->ready.empty() || impl_->failure; });
    if (impl_->ready.empty()) {
        std::rethrow_exception(impl_->failure);
    }
    PreparedImportFile file = std::move(impl_->ready.front());
    impl_->ready.pop_front();
    ++impl_->taken;
    impl_->changed.notify_all();
    return file;
}

ImportedFile importWithEvidence(Store& store, const Routing& notifiers, PreparedImportFile& file,
                                const std::string& format, const std::string& channel,
                                std::size_t batchSize, const CpeMapper& mapper,
                                ImportSession& session) {
    ImportedFile out;
    if (file.small) {
        // As storeImportEvidence and then importFile, from what ImportAhead prepared.
        if (file.readFailure) {
            std::rethrow_exception(file.readFailure);
        }
        out.evidence = storePreparedEvidence(store, file, unixNow());
        session.setFileEvidence(out.evidence.hash);
        if (file.parsed) {
            std::istringstream none;
            out.stats =
                importStreamImpl(store, notifiers, none, file.path, file.content.size(), format,
                                 channel, nullptr, batchSize, mapper, &session, &file, nullptr);
        } else {
            // VULDEF or JVN RSS (streamed from the bytes read), or a format refused.
            const std::uint64_t size = file.content.size();
            std::istringstream in(std::move(file.content));
            out.stats = importStreamImpl(store, notifiers, in, file.path, size, format, channel,
                                         nullptr, batchSize, mapper, &session, nullptr, nullptr);
        }
        return out;
    }
    // A large file: hashed on this thread while the parsing thread starts. The evidence is
    // stored before the first batch, as before; when the import is refused (an unknown
    // format), after the refusal was decided, as storeImportEvidence and importFile did.
    try {
        checkImportArguments(format, batchSize);
    } catch (const std::invalid_argument&) {
        storeImportEvidence(store, file.path, unixNow());
        throw;
    }
    std::ifstream in(file.path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file.path + ": " + std::strerror(errno));
    }
    std::error_code sizeError;
    const auto fileSize = std::filesystem::file_size(file.path, sizeError);
    const auto storeEvidence = [&] {
        // Hashed ahead, and still the file that was hashed: the hash is used as it is.
        out.evidence = file.hashedAhead && fileIdentity(file.path) == file.hashedAs
                           ? storeHashedAheadEvidence(store, file, unixNow())
                           : storeImportEvidence(store, file.path, unixNow());
        session.setFileEvidence(out.evidence.hash);
    };
    out.stats = importStreamImpl(
        store, notifiers, in, file.path, sizeError ? 0 : static_cast<std::uint64_t>(fileSize),
        format, channel, nullptr, batchSize, mapper, &session, nullptr, storeEvidence);
    return out;
}

} // namespace vw
