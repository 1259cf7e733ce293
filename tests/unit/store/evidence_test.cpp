// Evidence blobs (issue 12 part 4, store/evidence.h): content-addressed, compressed,
// deduplicated; read back verified; pruned keeping the hash; written out for an auditor.
#include "store/audit.h"
#include "store/evidence.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

using namespace vw;

namespace {

std::int64_t count(Store& store, const std::string& sql) {
    Statement q = store.db().prepare(sql);
    REQUIRE(q.step());
    return q.integer(0);
}

/// A feed-like document of about `items` × 300 bytes (repetitive, as XML is).
std::string feedLike(int items) {
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF>\n";
    for (int i = 0; i < items; ++i) {
        xml += "<item rdf:about=\"https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-" +
               std::to_string(100000 + i) + ".html\"><title>製品 " + std::to_string(i) +
               " における脆弱性</title><sec:identifier>JVNDB-2026-" + std::to_string(100000 + i) +
               "</sec:identifier></item>\n";
    }
    return xml + "</rdf:RDF>\n";
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("sha256Hex and Sha256Stream give the standard digests", "[store][evidence]") {
    // FIPS 180-2 test vectors.
    CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256Stream stream;
    stream.update("a");
    stream.update("bc");
    CHECK(stream.finish() == sha256Hex("abc"));
    CHECK(isEvidenceHash(sha256Hex("abc")));
    CHECK_FALSE(isEvidenceHash("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    CHECK_FALSE(isEvidenceHash("abc"));
}

TEST_CASE("a blob round-trips compressed and verified", "[store][evidence]") {
    auto store = Store::inMemory();
    const std::string xml = feedLike(200);
    const std::string hash = putEvidence(*store, xml, kMediaXml, 1000);
    CHECK(hash == sha256Hex(xml));

    const auto info = evidenceInfo(*store, hash);
    REQUIRE(info);
    CHECK(info->compression == "zlib");
    CHECK(info->size == static_cast<std::int64_t>(xml.size()));
    CHECK(info->storedBytes < info->size / 4); // repetitive XML compresses well
    CHECK(info->mediaType == "application/xml");
    CHECK(info->hasData);

    const EvidenceRead read = readEvidence(*store, hash);
    REQUIRE(read.ok());
    CHECK(read.bytes == xml);

    SECTION("bytes that do not compress are kept as they are") {
        std::mt19937 random(12345);
        std::string noise(4096, '\0');
        for (char& c : noise) {
            c = static_cast<char>(random() & 0xFFu);
        }
        const std::string other = putEvidence(*store, noise, "application/octet-stream", 1000);
        CHECK(evidenceInfo(*store, other)->compression == "none");
        CHECK(readEvidence(*store, other).bytes == noise);
    }
    SECTION("the empty document is a blob too") {
        const std::string empty = putEvidence(*store, "", kMediaText, 1000);
        const EvidenceRead again = readEvidence(*store, empty);
        REQUIRE(again.ok());
        CHECK(again.bytes.empty());
    }
}

TEST_CASE("the same bytes are stored once and their last_seen moves", "[store][evidence]") {
    auto store = Store::inMemory();
    const std::string eml = "From: a@example.jp\r\nSubject: x\r\n\r\nJVNVU#12345678\r\n";
    const std::string first = putEvidence(*store, eml, kMediaMail, 1000);
    const std::string second = putEvidence(*store, eml, kMediaMail, 5000);
    const std::string older = putEvidence(*store, eml, kMediaMail, 3000);
    CHECK(first == second);
    CHECK(first == older);
    CHECK(count(*store, "SELECT count(*) FROM evidence") == 1);
    const auto info = evidenceInfo(*store, first);
    REQUIRE(info);
    CHECK(info->firstSeen == 1000);
    CHECK(info->lastSeen == 5000); // never moved back

    putEvidence(*store, eml + "changed", kMediaMail, 6000);
    CHECK(count(*store, "SELECT count(*) FROM evidence") == 2);
}

TEST_CASE("corrupt stored data is detected and named", "[store][evidence]") {
    auto store = Store::inMemory();
    const std::string xml = feedLike(50);
    const std::string hash = putEvidence(*store, xml, kMediaXml, 1000);

    SECTION("data that does not decompress") {
        Statement q = store->db().prepare("UPDATE evidence SET data = ?1"); // 40 zero bytes
        q.bindBlob(1, std::string(40, '\0')).run();
        const EvidenceRead read = readEvidence(*store, hash);
        CHECK(read.status == EvidenceStatus::Corrupt);
        CHECK_THAT(read.problem, Catch::Contains(hash) && Catch::Contains("corrupt"));
        CHECK_THAT(evidenceProblemJa(read, hash), Catch::Contains("破損"));
    }
    SECTION("other bytes of the same size") {
        std::string other = xml;
        other[100] = other[100] == 'x' ? 'y' : 'x';
        Statement q = store->db().prepare(
            "UPDATE evidence SET data = ?1, compression = 'none' WHERE hash = ?2");
        q.bindBlob(1, other).bind(2, hash).run();
        const EvidenceRead read = readEvidence(*store, hash);
        CHECK(read.status == EvidenceStatus::Corrupt);
        CHECK_THAT(read.problem, Catch::Contains("hash to " + sha256Hex(other)));
    }
    SECTION("a size that does not match") {
        store->db().exec("UPDATE evidence SET size = size + 1");
        CHECK(readEvidence(*store, hash).status == EvidenceStatus::Corrupt);
    }
    SECTION("no such blob") {
        const EvidenceRead read = readEvidence(*store, sha256Hex("never stored"));
        CHECK(read.status == EvidenceStatus::Missing);
        CHECK_FALSE(read.info);
    }
}

TEST_CASE("pruning drops the bytes and keeps hash and size with an event", "[store][evidence]") {
    auto store = Store::inMemory();
    const std::string old = feedLike(30);
    const std::string recent = feedLike(31);
    const std::string oldHash = putEvidence(*store, old, kMediaXml, 1000);
    const std::string recentHash = putEvidence(*store, recent, kMediaXml, 9000);

    const EvidencePruned pruned = pruneEvidence(*store, 5000, 10000);
    CHECK(pruned.blobs == 1);
    CHECK(pruned.bytes == static_cast<std::int64_t>(old.size()));
    CHECK(pruned.freed > 0);
    REQUIRE(pruned.event > 0);

    const auto info = evidenceInfo(*store, oldHash);
    REQUIRE(info);
    CHECK_FALSE(info->hasData);
    CHECK(info->prunedAt == 10000);
    CHECK(info->size == static_cast<std::int64_t>(old.size()));
    const EvidenceRead read = readEvidence(*store, oldHash);
    CHECK(read.status == EvidenceStatus::Pruned);
    CHECK_THAT(read.problem, Catch::Contains("pruned"));
    CHECK(readEvidence(*store, recentHash).ok());

    // The event names what it pruned, and the chain holds.
    Statement q = store->db().prepare("SELECT kind, json FROM event_log WHERE id = ?1");
    q.bind(1, pruned.event);
    REQUIRE(q.step());
    CHECK(q.text(0) == "evidence-prune");
    CHECK(evidenceOfEventJson(q.text(1)) == std::vector<std::string>{oldHash});
    CHECK(verifyAuditChain(*store).ok());

    // Nothing more to prune: no event.
    CHECK(pruneEvidence(*store, 5000, 11000).blobs == 0);
    CHECK(count(*store, "SELECT count(*) FROM event_log") == 1);

    // The same bytes arriving again bring the blob back.
    putEvidence(*store, old, kMediaXml, 12000);
    REQUIRE(readEvidence(*store, oldHash).ok());
    CHECK(evidenceInfo(*store, oldHash)->prunedAt == 0);

    const EvidenceStats stats = evidenceStats(*store);
    CHECK(stats.blobs == 2);
    CHECK(stats.kept == 2);
    CHECK(stats.pruned == 0);
    CHECK(stats.rawBytes == static_cast<std::int64_t>(old.size() + recent.size()));
}

TEST_CASE("a reference keeps hash and size only", "[store][evidence]") {
    auto store = Store::inMemory();
    const std::string file = feedLike(10);
    const std::string hash = sha256Hex(file);
    putEvidenceReference(*store, hash, kMediaXml, static_cast<std::int64_t>(file.size()), 1000);
    const EvidenceRead read = readEvidence(*store, hash);
    CHECK(read.status == EvidenceStatus::NotKept);
    CHECK_THAT(evidenceProblemJa(read, hash), Catch::Contains("ハッシュとサイズだけ"));
    CHECK(evidenceStats(*store).notKept == 1);
    // Pruning does not count it (no bytes to drop).
    CHECK(pruneEvidence(*store, 999999, 999999).blobs == 0);
    // The bytes themselves fill it in.
    CHECK(putEvidence(*store, file, kMediaXml, 2000) == hash);
    CHECK(readEvidence(*store, hash).ok());
    CHECK_THROWS_AS(putEvidenceReference(*store, "not-a-hash", kMediaXml, 1, 1000),
                    std::invalid_argument);
}

TEST_CASE("writeEvidenceFiles writes verified raw bytes and lists what it cannot",
          "[store][evidence]") {
    auto store = Store::inMemory();
    test::TempDir tmp;
    const std::string a = feedLike(20);
    const std::string b = "From: x@example.jp\r\n\r\nbody\r\n";
    const std::string hashA = putEvidence(*store, a, kMediaXml, 1000);
    const std::string hashB = putEvidence(*store, b, kMediaMail, 1000);
    const std::string gone = putEvidence(*store, "old", kMediaText, 10);
    pruneEvidence(*store, 100, 2000);
    const std::string absent = sha256Hex("never stored");

    const std::filesystem::path dir = tmp.file("export/evidence");
    const EvidenceFiles files =
        writeEvidenceFiles(*store, {hashA, hashB, hashA, gone, absent}, dir);
    REQUIRE(files.written.size() == 2);
    CHECK(files.written[0].hash == hashA);
    CHECK(files.written[1].hash == hashB);
    for (const EvidenceFile& f : files.written) {
        CHECK(f.path == dir / f.hash);
        CHECK(sha256Hex(readFile(f.path)) == f.hash); // the file holds the raw bytes
    }
    CHECK(readFile(dir / hashB) == b);
    REQUIRE(files.missing.size() == 2);
    CHECK(files.missing[0].status == EvidenceStatus::Pruned);
    CHECK(files.missing[1].status == EvidenceStatus::Missing);
    CHECK_FALSE(std::filesystem::exists(dir / gone));
    CHECK_FALSE(std::filesystem::exists(dir / (hashA + ".part")));
}

TEST_CASE("evidenceOfEventJson reads the evidence array of the canonical form",
          "[store][evidence]") {
    AuditEvent event;
    event.kind = "ingest";
    event.at = 1000;
    event.text = "a text naming \"evidence\":[\"" + sha256Hex("x") + "\"] in quotes";
    event.evidence = {sha256Hex("a"), sha256Hex("b")};
    event.details = {{"evidence", "not an array"}};
    const std::string json = canonicalAuditJson(event, 1);
    CHECK(evidenceOfEventJson(json) == event.evidence);
    event.evidence.clear();
    CHECK(evidenceOfEventJson(canonicalAuditJson(event, 1)).empty());
}

TEST_CASE("the evidence of a cluster is what its records' revisions were read from",
          "[store][evidence]") {
    auto store = Store::inMemory();
    const Advisory first = test::makeAdvisory("JVNDB-2026-000001", {"CVE-2026-1001"});
    const UpsertOutcome up = store->upsertRecord("feed", first, 1000);
    REQUIRE(up.revisionId != 0);
    const std::string doc1 = putEvidence(*store, "<doc>1</doc>", kMediaXml, 1000);
    setRevisionEvidence(*store, up.revisionId, doc1);

    Advisory changed = first;
    changed.title = "changed title";
    const UpsertOutcome up2 = store->upsertRecord("feed", changed, 2000);
    REQUIRE(up2.changed);
    const std::string doc2 = putEvidence(*store, "<doc>2</doc>", kMediaXml, 2000);
    setRevisionEvidence(*store, up2.revisionId, doc2);

    const Advisory other = test::makeAdvisory("JVNDB-2026-000002", {"CVE-2026-1002"});
    const UpsertOutcome up3 = store->upsertRecord("feed", other, 3000);
    setRevisionEvidence(*store, up3.revisionId,
                        putEvidence(*store, "<doc>3</doc>", kMediaXml, 3000));

    CHECK(evidenceOfCluster(*store, up.clusterId) == std::vector<std::string>{doc1, doc2});
    CHECK(evidenceOfCluster(*store, up3.clusterId).size() == 1);
}
