// Evidence in the pipeline (issue 12 part 4): the raw documents of a polled batch become blobs
// named by the revisions written and by the ingest event; a delivered message is kept as sent
// and named by its delivery event; `audit export --evidence-dir` and `evidence …` commands.
#include "daemon/pipeline.h"
#include "helpers/cli.h"
#include "store/audit.h"
#include "store/evidence.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace vw;
using test::cli;
using test::tempFile;

namespace {

Advisory record(const std::string& id, const std::string& cve, const std::string& title) {
    Advisory a;
    a.source = "jvn-rss";
    a.id = id;
    a.aliases = {cve};
    a.title = title;
    a.cpes = {"cpe:/a:apache:log4j"};
    a.cvss = {{"3.0", 9.8, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    return a;
}

/// A batch as a source hands it over: two documents, records 0 and 1 from the first, record
/// 2 from the second.
ParseResult polled(const std::string& doc1, const std::string& doc2, const std::string& title) {
    ParseResult batch;
    const int first = batch.addRaw("application/xml", doc1);
    const int second = batch.addRaw("message/rfc822", doc2);
    batch.addRecord(record("JVNDB-2026-000001", "CVE-2026-0001", title), first);
    batch.addRecord(record("JVNDB-2026-000002", "CVE-2026-0002", "two"), first);
    batch.addRecord(record("JVNDB-2026-000003", "CVE-2026-0003", "three"), second);
    return batch;
}

std::vector<std::string> revisionEvidence(Store& store) {
    std::vector<std::string> out;
    Statement q = store.db().prepare("SELECT coalesce(evidence, '') FROM revision ORDER BY id");
    while (q.step()) {
        out.push_back(q.text(0));
    }
    return out;
}

/// The evidence arrays of the events of `kind`, in order.
std::vector<std::vector<std::string>> eventEvidence(Store& store, const std::string& kind) {
    std::vector<std::vector<std::string>> out;
    Statement q = store.db().prepare("SELECT json FROM event_log WHERE kind = ?1 ORDER BY id");
    q.bind(1, kind);
    while (q.step()) {
        out.push_back(evidenceOfEventJson(q.text(0)));
    }
    return out;
}

class SendingNotifier : public Notifier {
public:
    explicit SendingNotifier(std::string name) : name_(std::move(name)) {}
    const std::string& name() const override { return name_; }
    DeliveryResult deliver(const OutMessage& m) override {
        DeliveryResult r;
        r.kind = DeliveryResult::Kind::Delivered;
        r.reply = "250 ok";
        r.sent =
            "Message-ID: <" + m.idempotencyKey + ">\r\nSubject: " + m.subject + "\r\n\r\n" + m.text;
        r.sentMediaType = "message/rfc822";
        sent.push_back(r.sent);
        return r;
    }
    std::vector<std::string> sent;

private:
    std::string name_;
};

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("a polled batch's documents become evidence of its new revisions and ingest event",
          "[daemon][evidence]") {
    auto store = Store::inMemory();
    const std::string doc1 = "<rdf:RDF><item>one</item><item>two</item></rdf:RDF>";
    const std::string doc2 = "From: jpcert@example.jp\r\nSubject: three\r\n\r\nCVE-2026-0003\r\n";
    const IngestStats first = ingestBatch(*store, {}, "feed", polled(doc1, doc2, "one"), 1000);
    REQUIRE(first.newRecords == 3);

    const std::string h1 = sha256Hex(doc1);
    const std::string h2 = sha256Hex(doc2);
    CHECK(revisionEvidence(*store) == std::vector<std::string>{h1, h1, h2});
    REQUIRE(readEvidence(*store, h1).ok());
    CHECK(readEvidence(*store, h1).bytes == doc1);
    CHECK(readEvidence(*store, h2).bytes == doc2);
    CHECK(evidenceInfo(*store, h2)->mediaType == "message/rfc822");
    CHECK(eventEvidence(*store, "ingest") ==
          std::vector<std::vector<std::string>>{std::vector<std::string>{h1, h2}});

    // The same documents again: nothing changed, nothing stored or logged.
    ingestBatch(*store, {}, "feed", polled(doc1, doc2, "one"), 2000);
    CHECK(eventEvidence(*store, "ingest").size() == 1);
    CHECK(evidenceInfo(*store, h1)->lastSeen == 1000);

    // A new document in which one record changed: only that document is new evidence, named
    // by the one new revision; the untouched second document is not stored again.
    const std::string doc1b = "<rdf:RDF><item>one, revised</item><item>two</item></rdf:RDF>";
    ingestBatch(*store, {}, "feed", polled(doc1b, doc2, "one (revised)"), 3000);
    const std::string h1b = sha256Hex(doc1b);
    CHECK(revisionEvidence(*store) == std::vector<std::string>{h1, h1, h2, h1b});
    const auto events = eventEvidence(*store, "ingest");
    REQUIRE(events.size() == 2);
    CHECK(events[1] == std::vector<std::string>{h1b});
    CHECK(evidenceInfo(*store, h2)->lastSeen == 1000);

    const auto cluster = store->clusterOf("CVE-2026-0001");
    REQUIRE(cluster);
    CHECK(evidenceOfCluster(*store, *cluster) == std::vector<std::string>{h1, h1b});
    CHECK(verifyAuditChain(*store).ok());
}

TEST_CASE("a batch without raw documents stores no evidence", "[daemon][evidence]") {
    auto store = Store::inMemory();
    ParseResult batch;
    batch.records.push_back(record("JVNDB-2026-000009", "CVE-2026-0009", "nine"));
    REQUIRE(ingestBatch(*store, {}, "import", batch, 1000).newRecords == 1);
    CHECK(evidenceStats(*store).blobs == 0);
    CHECK(revisionEvidence(*store) == std::vector<std::string>{""});
    CHECK(eventEvidence(*store, "ingest") ==
          std::vector<std::vector<std::string>>{std::vector<std::string>{}});
}

TEST_CASE("a delivered message is kept as sent and named by its delivery event",
          "[daemon][evidence]") {
    auto store = Store::inMemory();
    OutMessage m;
    m.notifier = "mail";
    m.recipient = "psirt@example.jp";
    m.subject = "[vulnwatch] CVE-2026-0001";
    m.text = "本文";
    m.idempotencyKey = "key-1";
    store->enqueue(m, 1000, 1000);
    SendingNotifier mail("mail");
    const DeliveryStats stats = deliverDue(*store, {{"mail", &mail}}, 1000);
    REQUIRE(stats.delivered == 1);
    REQUIRE(mail.sent.size() == 1);
    const auto events = eventEvidence(*store, "delivery");
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].size() == 1);
    CHECK(events[0][0] == sha256Hex(mail.sent[0]));
    const EvidenceRead read = readEvidence(*store, events[0][0]);
    REQUIRE(read.ok());
    CHECK(read.bytes == mail.sent[0]);
    CHECK(read.info->mediaType == "message/rfc822");
    CHECK(store->outboxCounts().delivered == 1);
    CHECK(verifyAuditChain(*store).ok());
}

TEST_CASE("audit export --evidence-dir writes the blobs its events name with matching hashes",
          "[daemon][evidence][audit]") {
    const std::string db = tempFile("evidence.db");
    const std::string doc1 = "<rdf:RDF><item>export one</item><item>two</item></rdf:RDF>";
    const std::string doc2 = "From: a@example.jp\r\nSubject: three\r\n\r\nCVE-2026-0003\r\n";
    const std::string old = "<rdf:RDF>an old document</rdf:RDF>";
    // 2026-11-01T00:00+09:00 = 1793458800
    constexpr std::int64_t kNov1 = 1793458800;
    {
        auto store = Store::open(db);
        ParseResult before;
        before.addRecord(record("JVNDB-2020-000001", "CVE-2020-0001", "old"),
                         before.addRaw("application/xml", old));
        ingestBatch(*store, {}, "feed", before, kNov1 - 400 * 86400);
        pruneEvidence(*store, kNov1 - 30 * 86400, kNov1 - 1);
        ingestBatch(*store, {}, "feed", polled(doc1, doc2, "one"), kNov1 + 3600);
    }
    const std::string dir = std::filesystem::path(tempFile("x")).parent_path() / "evidence";

    auto r = cli({"--db", db, "audit", "export", "--since", "2026-11-01", "--evidence-dir", dir});
    INFO(r.out << r.err);
    REQUIRE(r.code == kExitOk);
    for (const std::string& doc : {doc1, doc2}) {
        const std::string hash = sha256Hex(doc);
        CHECK(readFile(std::filesystem::path(dir) / hash) == doc);
        CHECK_THAT(r.out, Catch::Contains(hash));
    }
    CHECK_THAT(r.out, Catch::Contains("証拠ファイル") && Catch::Contains("2 件を書き出し"));
    CHECK_FALSE(std::filesystem::exists(std::filesystem::path(dir) / sha256Hex(old)));

    // The manifest lists each with its status; a whole-history export also names the pruned
    // one (listed, not written: exit 0).
    r = cli({"--db", db, "audit", "export", "--since", "2024-01-01", "--json", "--evidence-dir",
             dir, "--lang", "en"});
    INFO(r.err);
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.err, Catch::Contains(sha256Hex(old) + "  pruned"));
    std::ifstream manifest(std::filesystem::path(dir) / "manifest.jsonl");
    std::string line;
    int lines = 0;
    int pruned = 0;
    while (std::getline(manifest, line)) {
        ++lines;
        Poco::JSON::Parser parser;
        const auto json = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
        const std::string hash = json->getValue<std::string>("hash");
        if (json->getValue<std::string>("status") == "ok") {
            CHECK(sha256Hex(readFile(std::filesystem::path(dir) /
                                     json->getValue<std::string>("file"))) == hash);
        } else {
            ++pruned;
            CHECK(json->getValue<std::string>("status") == "pruned");
            CHECK(hash == sha256Hex(old));
        }
    }
    CHECK(lines == 3);
    CHECK(pruned == 1);

    // A corrupt blob fails the export and is named.
    {
        auto store = Store::open(db);
        Statement q = store->db().prepare("UPDATE evidence SET data = ?1 WHERE hash = ?2");
        q.bindBlob(1, std::string(16, '\0')).bind(2, sha256Hex(doc2)).run(); // 16 zero bytes
    }
    r = cli({"--db", db, "audit", "export", "--since", "2026-11-01", "--evidence-dir", dir});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.out, Catch::Contains(sha256Hex(doc2) + "  corrupt"));
}

TEST_CASE("evidence stats and show and prune through the command", "[daemon][evidence]") {
    const std::string db = tempFile("evidence-cli.db");
    const std::string doc = "<rdf:RDF><item>shown</item></rdf:RDF>";
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    std::string hash;
    {
        auto store = Store::open(db);
        hash = putEvidence(*store, doc, kMediaXml, now - 4000 * 86400);
        putEvidence(*store, "<recent/>", kMediaXml, now);
    }
    auto r = cli({"--db", db, "evidence", "stats", "--json"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("\"blobs\":2") && Catch::Contains("\"kept\":2") &&
                          Catch::Contains("\"retention_days\":3650"));

    const std::string out = tempFile("shown.xml");
    r = cli({"--db", db, "evidence", "show", hash, "--out", out});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("SHA-256 を検証しました"));
    CHECK(readFile(out) == doc);

    r = cli({"--db", db, "evidence", "show", "abc"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("64 hex digits"));

    r = cli({"--db", db, "evidence", "prune", "--retention-days", "0"});
    CHECK(r.code == kExitUsage);
    r = cli({"--db", db, "evidence", "prune", "--retention-days", "forever"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("無期限"));
    r = cli({"--db", db, "evidence", "prune"}); // the default: 3650 days
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("証拠 1 件の内容を削除しました"));

    r = cli({"--db", db, "evidence", "show", hash, "--lang", "en"});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::Contains("was pruned by the retention setting"));
    r = cli({"--db", db, "evidence", "show", hash, "--json"});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.out, Catch::Contains("\"status\":\"pruned\"") && Catch::Contains("保存期間"));
    r = cli({"--db", db, "audit", "verify"});
    CHECK(r.code == kExitOk);
}
