#include "daemon/import.h"

#include "daemon/pipeline.h"
#include "feeds/parse/document.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace vw {
namespace {

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

/// Reads up to `buffer.size()` bytes; returns how many (0 at the end). Throws on read errors.
std::size_t readChunk(std::ifstream& in, std::string& buffer, const std::string& path) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.bad()) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    return got;
}

/// For the duration of one import: a larger page cache, so a batch's dirty pages are not
/// spilled to the WAL and read back mid-transaction, and rarer automatic checkpoints, so index
/// pages touched by several batches are copied into the database file once rather than once
/// per batch. Both are restored afterwards (the daemon's resident memory stays small).
class BulkLoadTuning {
public:
    explicit BulkLoadTuning(Store& store) : db_(store.db()) {
        cacheSize_ = pragma("cache_size");
        autoCheckpoint_ = pragma("wal_autocheckpoint");
        db_.exec("PRAGMA cache_size = -" + std::to_string(kBulkCacheKiB));
        db_.exec("PRAGMA wal_autocheckpoint = " + std::to_string(kBulkCheckpointPages));
    }
    ~BulkLoadTuning() {
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
    static constexpr long kBulkCacheKiB = 16 * 1024;
    // 64 MiB of WAL at 16 KiB pages. (256 MiB with one checkpoint per file was tried: 40% more
    // CPU time, as page look-ups search a longer WAL index.)
    static constexpr long kBulkCheckpointPages = 4096;

    std::int64_t pragma(const char* name) {
        Statement q = db_.prepare(std::string("PRAGMA ") + name);
        return q.step() ? q.integer(0) : 0;
    }

    Database& db_;
    std::int64_t cacheSize_ = 0;
    std::int64_t autoCheckpoint_ = 0;
};

/// Collects records into batches and ingests each in one transaction.
class BatchIngest {
public:
    BatchIngest(Store& store, const std::vector<NotifierConfig>& notifiers,
                const std::string& channel, ImportStats& stats)
        : store_(store), notifiers_(notifiers), channel_(channel), stats_(stats) {}

    ParseResult& pending() { return pending_; }

    /// Ingests what is pending (nothing when empty).
    void flush() { ingest(pending_); }

    /// Ingests `batch` in one transaction (nothing when empty) and empties it.
    void ingest(ParseResult& batch) {
        if (batch.records.empty() && batch.problems.empty()) {
            return;
        }
        const IngestStats s = ingestBatch(store_, notifiers_, channel_, batch, unixNow());
        stats_.records += static_cast<std::size_t>(s.records);
        stats_.newRecords += static_cast<std::size_t>(s.newRecords);
        stats_.changed += static_cast<std::size_t>(s.changed);
        stats_.problems += static_cast<std::size_t>(s.problems);
        stats_.newMatches += static_cast<std::size_t>(s.newMatches);
        stats_.enqueued += static_cast<std::size_t>(s.enqueued);
        ++stats_.batches;
        batch.records.clear();
        batch.problems.clear();
    }

private:
    Store& store_;
    const std::vector<NotifierConfig>& notifiers_;
    const std::string& channel_;
    ImportStats& stats_;
    ParseResult pending_;
};

} // namespace

ImportStats importFile(Store& store, const std::vector<NotifierConfig>& notifiers,
                       const std::string& path, const std::string& format,
                       const std::string& channel, const ProgressFn& progress,
                       std::size_t batchSize) {
    if (batchSize == 0) {
        throw std::invalid_argument("import batch size must be at least 1");
    }
    const auto& formats = documentFormats();
    if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
        throw std::invalid_argument("unknown format '" + format +
                                    "' (auto, jvn-rss, vuldef, mail)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    std::error_code sizeError;
    const auto fileSize = std::filesystem::file_size(path, sizeError);

    ImportStats stats;
    ImportProgress report;
    report.bytesTotal = sizeError ? 0 : static_cast<std::uint64_t>(fileSize);
    auto notify = [&](std::size_t items, bool finished) {
        if (progress) {
            report.bytesDone = stats.bytes;
            report.items = items;
            report.records = stats.records;
            report.finished = finished;
            progress(report);
        }
    };

    std::string buffer(kImportReadSize, '\0');
    std::size_t got = readChunk(in, buffer, path);
    stats.bytes += got;
    stats.format = format == "auto" ? detectFormat(std::string_view(buffer.data(), got)) : format;
    BulkLoadTuning tuning(store);
    BatchIngest batches(store, notifiers, channel, stats);

    if (stats.format != "vuldef") {
        // Small documents (RSS, mail): parsed whole, as `parse` does, then ingested in batches.
        std::string content(buffer.data(), got);
        while ((got = readChunk(in, buffer, path)) > 0) {
            content.append(buffer.data(), got);
            stats.bytes += got;
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
        stats.items = result.records.size() + result.problems.size();
        batches.pending().problems = std::move(result.problems);
        for (auto& record : result.records) {
            batches.pending().records.push_back(std::move(record));
            if (batches.pending().records.size() >= batchSize) {
                batches.flush();
                notify(stats.records, false);
            }
        }
        batches.flush();
        notify(stats.items, true);
        return stats;
    }

    // A batch is ingested as soon as it is full, from inside the record sink: batches have
    // exactly batchSize records (the last one fewer) whatever the read size. (Parsing in a
    // second thread was tried: 6% less wall time, 45% more CPU time and 20 MB more RSS, from
    // records allocated in one thread and freed in the other; not worth it, see
    // docs/performance.md.)
    std::size_t seen = 0;
    VuldefStreamParser parser(
        [&](Advisory&& record) {
            ++seen;
            batches.pending().records.push_back(std::move(record));
            if (batches.pending().records.size() >= batchSize) {
                batches.flush();
                notify(seen, false);
            }
        },
        [&](ItemProblem&& problem) {
            ++seen;
            batches.pending().problems.push_back(std::move(problem));
        });
    try {
        while (got > 0) {
            parser.feed(std::string_view(buffer.data(), got));
            got = readChunk(in, buffer, path);
            stats.bytes += got;
        }
        parser.finish();
    } catch (const ParseError& e) {
        // Every record handed over so far is a complete Vulinfo: keep them (flushed below).
        stats.error = e.what();
    }
    if (!batches.pending().records.empty() || !batches.pending().problems.empty()) {
        batches.flush();
        notify(seen, false);
    }
    stats.items = parser.itemsSeen();
    notify(stats.items, true);
    return stats;
}

} // namespace vw
