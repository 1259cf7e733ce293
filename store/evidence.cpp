#include "store/evidence.h"

#include "store/store.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <openssl/evp.h>
#include <stdexcept>
#include <unistd.h>
#include <unordered_set>
#include <zlib.h>

namespace vw {

namespace {

constexpr std::string_view kZlib = "zlib";
constexpr std::string_view kNone = "none";

std::string hexOf(const unsigned char* digest, unsigned size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(2 * size, '0');
    for (unsigned i = 0; i < size; ++i) {
        out[2 * i] = digits[digest[i] >> 4u];
        out[2 * i + 1] = digits[digest[i] & 0xFu];
    }
    return out;
}

/// Resets a statement kept by the store (Store::cachedStatement) when the scope ends.
class Rewind {
public:
    explicit Rewind(Statement& statement) : statement_(statement) {}
    ~Rewind() {
        statement_.reset();
        statement_.clearBindings();
    }
    Rewind(const Rewind&) = delete;
    Rewind& operator=(const Rewind&) = delete;

private:
    Statement& statement_;
};

EVP_MD_CTX* ctxOf(void* p) {
    return static_cast<EVP_MD_CTX*>(p);
}

/// zlib's compress2 at its default level; nullopt when the result is not smaller.
std::optional<std::string> deflated(std::string_view bytes) {
    uLongf bound = compressBound(static_cast<uLong>(bytes.size()));
    std::string out(bound, '\0');
    const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                             reinterpret_cast<const Bytef*>(bytes.data()),
                             static_cast<uLong>(bytes.size()), Z_DEFAULT_COMPRESSION);
    if (rc != Z_OK) {
        throw std::runtime_error("zlib cannot compress " + std::to_string(bytes.size()) +
                                 " bytes (error " + std::to_string(rc) + ")");
    }
    if (bound >= bytes.size()) {
        return std::nullopt;
    }
    out.resize(bound);
    return out;
}

/// The raw bytes of a zlib stream of `size` bytes; nullopt when it is not one.
std::optional<std::string> inflated(std::string_view data, std::int64_t size) {
    if (size < 0) {
        return std::nullopt;
    }
    std::string out(static_cast<std::size_t>(size), '\0');
    uLongf length = static_cast<uLongf>(size);
    // uncompress wants a non-null destination even for an empty result.
    Bytef empty = 0;
    const int rc =
        uncompress(size == 0 ? &empty : reinterpret_cast<Bytef*>(out.data()), &length,
                   reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()));
    if (rc != Z_OK || length != static_cast<uLongf>(size)) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::string sha256Hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1 ||
        size != 32) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    return hexOf(digest, size);
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctxOf(ctx_), EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctxOf(ctx_));
        throw std::runtime_error("OpenSSL SHA-256 failed to start");
    }
}

Sha256Stream::~Sha256Stream() {
    EVP_MD_CTX_free(ctxOf(ctx_));
}

void Sha256Stream::update(std::string_view bytes) {
    if (EVP_DigestUpdate(ctxOf(ctx_), bytes.data(), bytes.size()) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
}

std::string Sha256Stream::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctxOf(ctx_), digest, &size) != 1 || size != 32) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    return hexOf(digest, size);
}

bool isEvidenceHash(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

namespace {

/// putEvidence: true (and last_seen moved) when the bytes of `hash` are stored already.
bool bumpStoredEvidence(Store& store, const std::string& hash, std::int64_t now) {
    // The statements are kept by the store: an import stores a blob per mail, and preparing
    // them each time cost more than the insert.
    Statement& q = store.cachedStatement("SELECT data IS NOT NULL FROM evidence WHERE hash = ?1");
    Rewind rewind(q);
    q.bind(1, hash);
    if (q.step() && q.integer(0) != 0) {
        Statement& bump = store.cachedStatement(
            "UPDATE evidence SET last_seen = max(last_seen, ?2) WHERE hash = ?1");
        Rewind rewindBump(bump);
        bump.bind(1, hash).bind(2, now).run();
        return true;
    }
    return false;
}

/// putEvidence: writes the row of new bytes (or bytes known by hash only).
void insertEvidence(Store& store, const std::string& hash, std::string_view bytes,
                    const std::optional<std::string>& packed, std::string_view mediaType,
                    std::int64_t now) {
    const std::string_view data = packed ? std::string_view(*packed) : bytes;
    const std::string_view compression = packed ? kZlib : kNone;
    // New, or known by hash only (pruned or never kept): the bytes are here again.
    Statement& q = store.cachedStatement(
        "INSERT INTO evidence (hash, media_type, size, compression, data, first_seen, last_seen) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
        "ON CONFLICT (hash) DO UPDATE SET compression = excluded.compression, "
        "data = excluded.data, pruned_at = NULL, "
        "last_seen = max(evidence.last_seen, excluded.last_seen)");
    Rewind rewind(q);
    q.bind(1, hash)
        .bind(2, mediaType)
        .bind(3, static_cast<std::int64_t>(bytes.size()))
        .bind(4, compression);
    q.bindBlob(5, data).bind(6, now).run();
}

} // namespace

std::string putEvidence(Store& store, std::string_view bytes, std::string_view mediaType,
                        std::int64_t now) {
    std::string hash = sha256Hex(bytes);
    if (!bumpStoredEvidence(store, hash, now)) {
        insertEvidence(store, hash, bytes, deflated(bytes), mediaType, now);
    }
    return hash;
}

PreparedEvidence prepareEvidence(std::string_view bytes) {
    return PreparedEvidence{sha256Hex(bytes), deflated(bytes)};
}

std::string putEvidence(Store& store, std::string_view bytes, const PreparedEvidence& prepared,
                        std::string_view mediaType, std::int64_t now) {
    if (!bumpStoredEvidence(store, prepared.hash, now)) {
        insertEvidence(store, prepared.hash, bytes, prepared.packed, mediaType, now);
    }
    return prepared.hash;
}

void putEvidenceReference(Store& store, const std::string& hash, std::string_view mediaType,
                          std::int64_t size, std::int64_t now) {
    if (!isEvidenceHash(hash)) {
        throw std::invalid_argument("evidence: '" + hash +
                                    "' is not a SHA-256 in lower-case hex (64 digits)");
    }
    Statement& q = store.cachedStatement(
        "INSERT INTO evidence (hash, media_type, size, compression, data, first_seen, last_seen) "
        "VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?5) "
        "ON CONFLICT (hash) DO UPDATE SET last_seen = max(evidence.last_seen, excluded.last_seen)");
    Rewind rewind(q);
    q.bind(1, hash).bind(2, mediaType).bind(3, size).bind(4, kNotKept).bind(5, now).run();
}

namespace {

EvidenceInfo infoFrom(const Statement& q) {
    EvidenceInfo info;
    info.hash = q.text(0);
    info.mediaType = q.text(1);
    info.size = q.integer(2);
    info.compression = q.text(3);
    info.storedBytes = q.integer(4);
    info.firstSeen = q.integer(5);
    info.lastSeen = q.integer(6);
    info.prunedAt = q.isNull(7) ? 0 : q.integer(7);
    info.hasData = !q.isNull(8);
    return info;
}

} // namespace

std::optional<EvidenceInfo> evidenceInfo(Store& store, const std::string& hash) {
    Statement q = store.db().prepare(
        "SELECT hash, media_type, size, compression, coalesce(length(data), 0), first_seen, "
        "last_seen, pruned_at, CASE WHEN data IS NULL THEN NULL ELSE 1 END "
        "FROM evidence WHERE hash = ?1");
    q.bind(1, hash);
    if (!q.step()) {
        return std::nullopt;
    }
    return infoFrom(q);
}

std::string_view evidenceStatusName(EvidenceStatus status) {
    switch (status) {
    case EvidenceStatus::Ok:
        return "ok";
    case EvidenceStatus::Missing:
        return "missing";
    case EvidenceStatus::Pruned:
        return "pruned";
    case EvidenceStatus::NotKept:
        return "not-kept";
    case EvidenceStatus::Corrupt:
        return "corrupt";
    }
    return "missing";
}

EvidenceRead readEvidence(Store& store, const std::string& hash) {
    EvidenceRead read;
    Statement q = store.db().prepare(
        "SELECT hash, media_type, size, compression, coalesce(length(data), 0), first_seen, "
        "last_seen, pruned_at, CASE WHEN data IS NULL THEN NULL ELSE 1 END, data "
        "FROM evidence WHERE hash = ?1");
    q.bind(1, hash);
    if (!q.step()) {
        read.status = EvidenceStatus::Missing;
        read.problem = "evidence " + hash + " is not in the store";
        return read;
    }
    read.info = infoFrom(q);
    const EvidenceInfo& info = *read.info;
    if (!info.hasData) {
        if (info.compression == kNotKept) {
            read.status = EvidenceStatus::NotKept;
            read.problem = "evidence " + hash + " (" + std::to_string(info.size) +
                           " bytes) was recorded by its hash only: its bytes were never kept";
        } else {
            read.status = EvidenceStatus::Pruned;
            read.problem = "evidence " + hash + " (" + std::to_string(info.size) +
                           " bytes) was pruned by the retention setting; its hash and size remain";
        }
        return read;
    }
    const std::string data = q.blob(9);
    std::optional<std::string> bytes;
    if (info.compression == kZlib) {
        bytes = inflated(data, info.size);
    } else if (info.compression == kNone) {
        bytes = data;
    }
    if (!bytes) {
        read.status = EvidenceStatus::Corrupt;
        read.problem = "evidence " + hash + " is corrupt: its stored data (" +
                       std::string(info.compression) + ", " + std::to_string(data.size()) +
                       " bytes) does not give " + std::to_string(info.size) + " bytes";
        return read;
    }
    if (bytes->size() != static_cast<std::size_t>(info.size)) {
        read.status = EvidenceStatus::Corrupt;
        read.problem = "evidence " + hash + " is corrupt: it holds " +
                       std::to_string(bytes->size()) + " bytes, " + std::to_string(info.size) +
                       " were stored";
        return read;
    }
    const std::string actual = sha256Hex(*bytes);
    if (actual != hash) {
        read.status = EvidenceStatus::Corrupt;
        read.problem = "evidence " + hash + " is corrupt: its bytes hash to " + actual;
        return read;
    }
    read.status = EvidenceStatus::Ok;
    read.bytes = std::move(*bytes);
    return read;
}

std::string evidenceProblemJa(const EvidenceRead& read, const std::string& hash) {
    const std::string size = read.info ? std::to_string(read.info->size) : "?";
    switch (read.status) {
    case EvidenceStatus::Ok:
        return {};
    case EvidenceStatus::Missing:
        return "証拠 " + hash + " はデータベースにありません";
    case EvidenceStatus::Pruned:
        return "証拠 " + hash + " (" + size +
               " バイト) は保存期間 ([evidence] retention_days) を過ぎたため内容が削除されています"
               "。ハッシュとサイズは残っています";
    case EvidenceStatus::NotKept:
        return "証拠 " + hash + " (" + size +
               " バイト) はハッシュとサイズだけが記録され、内容は保存されていません";
    case EvidenceStatus::Corrupt:
        return "証拠 " + hash + " は破損しています: " + read.problem;
    }
    return {};
}

void setRevisionEvidence(Store& store, std::int64_t revisionId, const std::string& hash) {
    Statement& q = store.cachedStatement("UPDATE revision SET evidence = ?2 WHERE id = ?1");
    Rewind rewind(q);
    q.bind(1, revisionId).bind(2, hash).runLater();
}

std::vector<std::string> evidenceOfCluster(Store& store, std::int64_t clusterId) {
    Statement q = store.db().prepare(
        "SELECT v.evidence FROM revision v JOIN record r ON r.id = v.record_id "
        "WHERE v.evidence IS NOT NULL AND (r.cluster_id = ?1 OR r.advisory_id IN "
        "(SELECT advisory_id FROM advisory_cluster WHERE cluster_id = ?1)) "
        "ORDER BY v.seen_at, v.id");
    q.bind(1, clusterId);
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    while (q.step()) {
        std::string hash = q.text(0);
        if (seen.insert(hash).second) {
            out.push_back(std::move(hash));
        }
    }
    return out;
}

EvidencePruned pruneEvidence(Store& store, std::int64_t cutoff, std::int64_t now) {
    EvidencePruned pruned;
    Store::Transaction tx(store);
    std::vector<std::string> hashes;
    {
        Statement q = store.db().prepare(
            "SELECT hash, size, length(data) FROM evidence "
            "WHERE data IS NOT NULL AND last_seen < ?1 ORDER BY last_seen, hash");
        q.bind(1, cutoff);
        while (q.step()) {
            hashes.push_back(q.text(0));
            pruned.bytes += q.integer(1);
            pruned.freed += q.integer(2);
        }
    }
    if (hashes.empty()) {
        return pruned; // nothing written: the transaction rolls back empty
    }
    {
        Statement q = store.db().prepare("UPDATE evidence SET data = NULL, pruned_at = ?2 "
                                         "WHERE data IS NOT NULL AND last_seen < ?1");
        q.bind(1, cutoff).bind(2, now).run();
    }
    pruned.blobs = static_cast<std::int64_t>(hashes.size());
    AuditEvent event;
    event.kind = "evidence-prune";
    event.at = now;
    event.actor = "retention";
    event.text = "pruned the bytes of " + std::to_string(pruned.blobs) +
                 " evidence blobs last seen before " + std::to_string(cutoff) + " (" +
                 std::to_string(pruned.bytes) + " bytes; hashes and sizes kept)";
    event.evidence = std::move(hashes);
    event.details = {{"cutoff", std::to_string(cutoff)},
                     {"freed_bytes", std::to_string(pruned.freed)}};
    pruned.event = store.appendEvent(event);
    tx.commit();
    return pruned;
}

EvidenceStats evidenceStats(Store& store) {
    EvidenceStats stats;
    Statement q = store.db().prepare(
        "SELECT count(*), "
        "coalesce(sum(CASE WHEN data IS NOT NULL THEN 1 ELSE 0 END), 0), "
        "coalesce(sum(CASE WHEN data IS NULL AND compression != 'not-kept' THEN 1 ELSE 0 END), 0), "
        "coalesce(sum(CASE WHEN data IS NULL AND compression = 'not-kept' THEN 1 ELSE 0 END), 0), "
        "coalesce(sum(CASE WHEN data IS NOT NULL THEN size ELSE 0 END), 0), "
        "coalesce(sum(length(data)), 0), coalesce(min(first_seen), 0) FROM evidence");
    if (q.step()) {
        stats.blobs = q.integer(0);
        stats.kept = q.integer(1);
        stats.pruned = q.integer(2);
        stats.notKept = q.integer(3);
        stats.rawBytes = q.integer(4);
        stats.storedBytes = q.integer(5);
        stats.oldest = q.integer(6);
    }
    return stats;
}

EvidenceFiles writeEvidenceFiles(Store& store, const std::vector<std::string>& hashes,
                                 const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    EvidenceFiles files;
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
        throw std::runtime_error("cannot create the evidence folder " + dir.string() + ": " +
                                 error.message());
    }
    std::unordered_set<std::string> done;
    for (const std::string& hash : hashes) {
        if (!done.insert(hash).second) {
            continue;
        }
        EvidenceFile file;
        file.hash = hash;
        if (!isEvidenceHash(hash)) {
            file.status = EvidenceStatus::Missing;
            file.problem = "'" + hash + "' is not a SHA-256 in lower-case hex (64 digits)";
            files.missing.push_back(std::move(file));
            continue;
        }
        EvidenceRead read = readEvidence(store, hash);
        file.status = read.status;
        if (read.info) {
            file.mediaType = read.info->mediaType;
            file.size = read.info->size;
        }
        if (!read.ok()) {
            file.problem = read.problem;
            files.missing.push_back(std::move(file));
            continue;
        }
        file.path = dir / hash;
        const fs::path part = dir / (hash + ".part");
        {
            std::ofstream out(part, std::ios::binary | std::ios::trunc);
            out.write(read.bytes.data(), static_cast<std::streamsize>(read.bytes.size()));
            out.close();
            if (!out) {
                fs::remove(part, error);
                throw std::runtime_error("cannot write " + part.string() + ": " +
                                         std::strerror(errno));
            }
        }
        fs::rename(part, file.path, error);
        if (error) {
            throw std::runtime_error("cannot rename " + part.string() + " to " +
                                     file.path.string() + ": " + error.message());
        }
        files.written.push_back(std::move(file));
    }
    return files;
}

std::vector<std::string> evidenceOfEventJson(std::string_view json) {
    // In the canonical form a string's quotes inside values are escaped, so `"evidence":[` is
    // the top-level key and nothing else; its items are hex strings without escapes.
    std::vector<std::string> out;
    constexpr std::string_view key = "\"evidence\":[";
    const std::size_t at = json.find(key);
    if (at == std::string_view::npos) {
        return out;
    }
    std::size_t pos = at + key.size();
    while (pos < json.size() && json[pos] == '"') {
        const std::size_t end = json.find('"', pos + 1);
        if (end == std::string_view::npos) {
            break;
        }
        out.emplace_back(json.substr(pos + 1, end - pos - 1));
        pos = end + 1;
        if (pos < json.size() && json[pos] == ',') {
            ++pos;
        }
    }
    return out;
}

} // namespace vw
