// Evidence (issue 12 part 4, docs/audit.md "Evidence"): the raw bytes a source received (a
// fetched feed or API document, an e-mail as a whole .eml), every SBOM and registry file
// imported and every message as sent, kept content-addressed in the `evidence` table: the key
// is the SHA-256 of the raw bytes (64 lower-case hex digits), the value the bytes compressed
// with zlib (or as they are when that saves nothing), stored once however often they arrive.
// Audit events name the blobs they used (AuditEvent::evidence), revisions the blob they were
// read from (revision.evidence).
//
// A row without bytes is either pruned (retention, `pruned_at` set) or was never kept
// (`compression = 'not-kept'`: a backfill's yearly file or an import file over the size kept,
// whose hash and size alone are recorded); in both cases the hash still names what there was.
// Every function runs in the caller's transaction when one is open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

class Store;

/// Media types the sources and commands store under.
inline constexpr std::string_view kMediaXml = "application/xml";
inline constexpr std::string_view kMediaMail = "message/rfc822";
inline constexpr std::string_view kMediaJson = "application/json";
inline constexpr std::string_view kMediaText = "text/plain";
inline constexpr std::string_view kMediaForm = "application/x-www-form-urlencoded";

/// The compression of a row whose bytes were never kept (only hash and size).
inline constexpr std::string_view kNotKept = "not-kept";

/// SHA-256 of `bytes` as 64 lower-case hex digits (OpenSSL).
std::string sha256Hex(std::string_view bytes);

/// SHA-256 over bytes given in pieces (a file read in parts).
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(std::string_view bytes);
    /// The digest of everything given, as lower-case hex; the stream cannot be used after.
    std::string finish();

private:
    void* ctx_; // EVP_MD_CTX
};

/// True for 64 lower-case hex digits.
bool isEvidenceHash(std::string_view text);

/// Stores `bytes` as evidence and returns their hash. Already stored: only last_seen moves (to
/// `now` when later); a row whose bytes were pruned or not kept gets them back.
std::string putEvidence(Store& store, std::string_view bytes, std::string_view mediaType,
                        std::int64_t now);

/// What putEvidence computes from the bytes alone (their SHA-256 and zlib form), made on
/// another thread than the one holding the store's transaction (`vulnwatch import` prepares the
/// next mails while it stores the current one, daemon/import.h).
struct PreparedEvidence {
    std::string hash;
    std::optional<std::string> packed; // zlib form; nullopt when it saves nothing
};
/// Throws std::runtime_error when zlib fails.
PreparedEvidence prepareEvidence(std::string_view bytes);

/// As putEvidence(store, bytes, mediaType, now), with `prepared` = prepareEvidence(bytes):
/// stores the same row.
std::string putEvidence(Store& store, std::string_view bytes, const PreparedEvidence& prepared,
                        std::string_view mediaType, std::int64_t now);

/// Records that bytes with this hash and size existed without keeping them (compression
/// 'not-kept'), unless the hash is stored already (then only last_seen moves). Throws
/// std::invalid_argument for a hash that is not 64 lower-case hex digits.
void putEvidenceReference(Store& store, const std::string& hash, std::string_view mediaType,
                          std::int64_t size, std::int64_t now);

/// One row of the evidence table, without its bytes.
struct EvidenceInfo {
    std::string hash;
    std::string mediaType;
    std::string compression;      // zlib, none, not-kept
    std::int64_t size = 0;        // of the raw bytes
    std::int64_t storedBytes = 0; // of the data column (0 when pruned or not kept)
    std::int64_t firstSeen = 0;
    std::int64_t lastSeen = 0;
    std::int64_t prunedAt = 0; // 0: not pruned
    bool hasData = false;
};

/// The row of `hash`, if any.
std::optional<EvidenceInfo> evidenceInfo(Store& store, const std::string& hash);

/// What reading a blob back found.
enum class EvidenceStatus {
    Ok,      // `bytes` hold the raw bytes; their SHA-256 is the hash
    Missing, // no such row
    Pruned,  // retention removed the bytes (hash and size kept)
    NotKept, // only the hash and size were ever recorded
    Corrupt, // the stored data does not decompress, or not to bytes with this size and hash
};

/// "ok", "missing", "pruned", "not-kept", "corrupt".
std::string_view evidenceStatusName(EvidenceStatus status);

struct EvidenceRead {
    EvidenceStatus status = EvidenceStatus::Missing;
    std::optional<EvidenceInfo> info;
    std::string bytes;
    /// What is wrong, in one English sentence naming the hash (empty when Ok); the CLI gives
    /// Japanese through evidenceProblemJa().
    std::string problem;
    bool ok() const { return status == EvidenceStatus::Ok; }
};

/// Reads `hash` back: decompresses and verifies size and SHA-256.
EvidenceRead readEvidence(Store& store, const std::string& hash);

/// The Japanese sentence for a failed read (as EvidenceRead::problem).
std::string evidenceProblemJa(const EvidenceRead& read, const std::string& hash);

/// Points revision `revisionId` at the blob it was read from.
void setRevisionEvidence(Store& store, std::int64_t revisionId, const std::string& hash);

/// The evidence of one cluster: the blobs named by the revisions of its own records and of the
/// records of the advisories covering it, each once, in the order first seen.
std::vector<std::string> evidenceOfCluster(Store& store, std::int64_t clusterId);

struct EvidencePruned {
    std::int64_t blobs = 0;
    std::int64_t bytes = 0; // raw bytes whose data was dropped
    std::int64_t freed = 0; // stored (compressed) bytes dropped
    std::int64_t event = 0; // the audit event's sequence number (0: nothing pruned)
};

/// Drops the bytes (data = NULL, pruned_at = now) of every blob last seen before `cutoff`;
/// hash, size and the row stay. When anything was pruned, appends an `evidence-prune` event
/// naming the blobs. Runs in its own transaction unless one is open.
EvidencePruned pruneEvidence(Store& store, std::int64_t cutoff, std::int64_t now);

struct EvidenceStats {
    std::int64_t blobs = 0;       // rows
    std::int64_t kept = 0;        // rows with bytes
    std::int64_t pruned = 0;      // rows pruned by retention
    std::int64_t notKept = 0;     // rows recorded by hash only
    std::int64_t rawBytes = 0;    // raw size of the kept blobs
    std::int64_t storedBytes = 0; // their stored (compressed) size
    std::int64_t oldest = 0;      // first_seen of the oldest row (0: none)
};

EvidenceStats evidenceStats(Store& store);

/// What writeEvidenceFiles did with each hash.
struct EvidenceFile {
    std::string hash;
    EvidenceStatus status = EvidenceStatus::Missing;
    std::string mediaType;
    std::int64_t size = 0;
    std::filesystem::path path; // written (status Ok) — DIR/<hash>
    std::string problem;        // as EvidenceRead::problem
};

struct EvidenceFiles {
    std::vector<EvidenceFile> written; // status Ok
    std::vector<EvidenceFile> missing; // every other status
};

/// Writes each blob of `hashes` (each once, in order) as `dir`/<hash>: the raw bytes,
/// verified against the hash before the file is renamed into place. `dir` is created when
/// missing. Throws std::runtime_error when a file cannot be written; a blob that cannot be
/// read is listed in `missing` instead.
EvidenceFiles writeEvidenceFiles(Store& store, const std::vector<std::string>& hashes,
                                 const std::filesystem::path& dir);

/// The evidence hashes an event's canonical JSON names (its "evidence" array), in order.
std::vector<std::string> evidenceOfEventJson(std::string_view canonicalJson);

} // namespace vw
