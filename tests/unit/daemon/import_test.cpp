#include "core/correlate.h"
#include "daemon/cli.h"
#include "daemon/import.h"
#include "feeds/parse/document.h"
#include "feeds/parse/vuldef.h"
#include "helpers/cli.h"
#include "helpers/fixtures.h"
#include "helpers/vuldef_stream.h"
#include "store/audit.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <istream>
#include <random>
#include <set>
#include <sstream>
#include <streambuf>

using namespace vw;
namespace fs = std::filesystem;

namespace {

fs::path detailFixture(const std::string& name) {
    return test::fixturesDir() / "jvn" / name;
}

/// A VULDEF document written for the project (tests/data/vuldef/): seven Vulinfo entries, two of
/// them Apache Log4j. The import mechanics are tested on it, so they run on a bare clone too.
fs::path sevenEntries() {
    return test::sourceDir() / "tests" / "data" / "vuldef" / "detail_written_for_vulnwatch.xml";
}

/// The iPedia RSS feed written for the offline demo (demo/feeds/), four items.
fs::path demoRss() {
    return test::sourceDir() / "demo" / "feeds" / "jvndb_new_demo.rdf";
}

std::set<std::string> matchedAdvisories(Store& store) {
    std::set<std::string> ids;
    auto q = store.db().prepare("SELECT DISTINCT advisory FROM match");
    while (q.step()) {
        ids.insert(q.text(0));
    }
    return ids;
}

/// A private folder, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("vw-import-test-" + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    fs::path write(const std::string& name, const std::string& content) const {
        const fs::path p = path_ / name;
        std::ofstream out(p, std::ios::binary);
        out << content;
        return p;
    }

private:
    fs::path path_;
};

std::int64_t count(Store& store, const std::string& sql) {
    auto q = store.db().prepare(sql);
    REQUIRE(q.step());
    return q.integer(0);
}

std::set<std::string> storedIds(Store& store) {
    std::set<std::string> ids;
    auto q = store.db().prepare("SELECT record_id FROM record");
    while (q.step()) {
        ids.insert(q.text(0));
    }
    return ids;
}

std::set<std::string> idsOf(const ParseResult& result) {
    std::set<std::string> ids;
    for (const auto& r : result.records) {
        ids.insert(r.id);
    }
    return ids;
}

Product log4jProduct() {
    Product p;
    p.name = "Example Imaging Viewer";
    p.owners = {"owner@example.jp"};
    p.components = {{"apache",
                     "log4j-core",
                     "2.14.1",
                     {"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
                     "",
                     ""}};
    return p;
}

std::vector<NotifierConfig> chatNotifier() {
    NotifierConfig chat;
    chat.name = "chat";
    chat.type = "webhook";
    return {chat};
}

} // namespace

namespace {

/// Imports `file` whole and checks it is stored as the whole-document parser reads it.
void checkStreamingImport(const fs::path& file) {
    INFO(file.string());
    const ParseResult whole = parseVuldef(test::readFile(file));
    REQUIRE_FALSE(whole.records.empty());
    auto store = Store::inMemory();
    const ImportStats s = importFile(*store, {}, file.string(), "auto", "import");
    CHECK(s.complete());
    CHECK(s.error.empty());
    CHECK(s.format == "vuldef");
    CHECK(s.bytes == fs::file_size(file));
    CHECK(s.records == whole.records.size());
    CHECK(s.newRecords == whole.records.size());
    CHECK(s.problems == whole.problems.size());
    CHECK(s.batches == 1);
    CHECK(storedIds(*store) == idsOf(whole));
    // Stored as the same records the whole-document parser makes, linked by the rules of
    // core/correlate: vulnerability ids in the entry's cluster, advisories covering it.
    for (const auto& r : whole.records) {
        const RecordLinks links = linksOf(r);
        REQUIRE(links.role == RecordLinks::Role::Vulnerability);
        const auto cluster = store->clusterOf(r.id);
        REQUIRE(cluster);
        for (const auto& alias : links.aliases) {
            CHECK(store->clusterOf(alias) == cluster);
        }
        for (const auto& ident : links.covers) {
            const auto advisory = store->advisoryOf(ident);
            REQUIRE(advisory);
            const auto covered = store->coveredClusters(*advisory);
            CHECK(std::find(covered.begin(), covered.end(), *cluster) != covered.end());
        }
    }
}

} // namespace

TEST_CASE("Streaming import stores every Vulinfo of a written detail document",
          "[daemon][import]") {
    checkStreamingImport(sevenEntries());
}

TEST_CASE("Streaming import stores every Vulinfo of the real detail fixtures", "[daemon][import]") {
    VW_REQUIRE_FIXTURES();
    for (const char* name : {"jvndb_detail_2021_trimmed.rdf", "jvndb_detail_2023_trimmed.rdf",
                             "myjvn_np_dataFeed_jvndb_detail_hnd_2025.xml"}) {
        checkStreamingImport(detailFixture(name));
    }
}

TEST_CASE("The log4j detail entries are correlated, matched and notified once",
          "[daemon][import]") {
    auto store = Store::inMemory();
    store->putProduct(log4jProduct(), 1);
    const fs::path file = sevenEntries();
    const ImportStats first = importFile(*store, chatNotifier(), file.string(), "vuldef", "import");
    CHECK(first.records == 7);
    CHECK(first.newMatches >= 1);
    CHECK(first.enqueued == first.newMatches);
    // Only the two Log4j entries name the product's CPE (apache:log4j): kernel, OpenSSL,
    // Resume Builder and HG-200 entries match nothing.
    const std::set<std::string> matched = matchedAdvisories(*store);
    CHECK_FALSE(matched.empty());
    for (const auto& id : matched) {
        CHECK((id == "JVNDB-2021-005429" || id == "JVNDB-2021-006139"));
    }
    // Correlated with the CVE the entry names.
    REQUIRE(store->clusterOf("CVE-2021-44228").has_value());
    CHECK(store->clusterOf("CVE-2021-44228") == store->clusterOf("JVNDB-2021-005429"));
    const auto outbox = count(*store, "SELECT COUNT(*) FROM outbox");
    CHECK(outbox == static_cast<std::int64_t>(first.enqueued));
    CHECK(outbox >= 1);

    // The same file again: idempotent (no revision, match or message added).
    const ImportStats again = importFile(*store, chatNotifier(), file.string(), "auto", "import");
    CHECK(again.complete());
    CHECK(again.records == 7);
    CHECK(again.newRecords == 0);
    CHECK(again.changed == 0);
    CHECK(again.newMatches == 0);
    CHECK(again.enqueued == 0);
    CHECK(count(*store, "SELECT COUNT(*) FROM revision") == 7);
    CHECK(count(*store, "SELECT COUNT(*) FROM outbox") == outbox);
}

TEST_CASE("Records are committed in batches of the given size, one transaction each",
          "[daemon][import]") {
    const fs::path file = sevenEntries();
    const std::size_t total = parseVuldef(test::readFile(file)).records.size();
    REQUIRE(total == 7);
    for (std::size_t batchSize : {1u, 3u, 7u, 100u}) {
        INFO("batch size " << batchSize);
        auto store = Store::inMemory();
        std::vector<ImportProgress> reports;
        std::vector<std::int64_t> committedAtReport;
        std::vector<bool> inTransaction;
        const ImportStats s = importFile(
            *store, {}, file.string(), "vuldef", "import",
            [&](const ImportProgress& p) {
                reports.push_back(p);
                // Reported after the commit: what it counts is in the database, and no
                // transaction is left open between batches.
                committedAtReport.push_back(count(*store, "SELECT COUNT(*) FROM record"));
                inTransaction.push_back(store->db().inTransaction());
            },
            batchSize);
        CHECK(s.complete());
        CHECK(s.records == total);
        const std::size_t expectedBatches = (total + batchSize - 1) / batchSize;
        CHECK(s.batches == expectedBatches);
        // One report per committed batch and one at the end.
        CHECK(reports.size() == expectedBatches + 1);
        REQUIRE_FALSE(reports.empty());
        CHECK(reports.back().finished);
        CHECK(reports.back().records == total);
        CHECK(reports.back().bytesDone == reports.back().bytesTotal);
        for (std::size_t i = 0; i < reports.size(); ++i) {
            CHECK(committedAtReport[i] == static_cast<std::int64_t>(reports[i].records));
            CHECK_FALSE(inTransaction[i]);
        }
    }
}

TEST_CASE("A store error part-way stops the import: earlier batches stay, the error is thrown",
          "[daemon][import]") {
    // The file is parsed on a second thread while this one stores: a failing store must stop
    // that thread too (no hang, no crash) whether it is parsing or waiting to hand over.
    for (int round = 0; round < 20; ++round) {
        INFO("round " << round);
        auto store = Store::inMemory();
        if (store->db().isPostgres()) {
            // The same refusal as a trigger function (in the test store's own schema).
            store->db().execNative(
                "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
                "IF (SELECT COUNT(*) FROM record) >= 3 THEN "
                "RAISE EXCEPTION 'database or disk is full (test)'; END IF; RETURN NEW; END $f$; "
                "CREATE TRIGGER full_disk BEFORE INSERT ON record FOR EACH ROW "
                "EXECUTE FUNCTION full_disk()");
        } else {
            store->db().exec("CREATE TRIGGER full_disk BEFORE INSERT ON record "
                             "WHEN (SELECT COUNT(*) FROM record) >= 3 "
                             "BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END");
        }
        std::size_t reports = 0;
        CHECK_THROWS_WITH(importFile(
                              *store, {}, sevenEntries().string(), "vuldef", "import",
                              [&](const ImportProgress&) { ++reports; }, 1),
                          Catch::Contains("disk is full"));
        CHECK(count(*store, "SELECT COUNT(*) FROM record") == 3);
        CHECK(reports == 3); // one per committed batch, none for the failed one
        CHECK_FALSE(store->db().inTransaction()); // rolled back, not left open
    }
}

namespace {

/// A stream buffer that serves `text` and then fails like a disk read error at `failAt`.
class FailingBuffer : public std::streambuf {
public:
    FailingBuffer(std::string text, std::size_t failAt) : text_(std::move(text)), failAt_(failAt) {
        char* begin = text_.data();
        setg(begin, begin, begin + std::min(failAt_, text_.size()));
    }

protected:
    int_type underflow() override { throw std::ios_base::failure("Input/output error (test)"); }

private:
    std::string text_;
    std::size_t failAt_;
};

} // namespace

TEST_CASE("A read error on the parsing thread is thrown after the batches before it were stored",
          "[daemon][import]") {
    // Synthetic VULDEF written for this test: about 2.6 MB, failing after 2 MB (the first
    // 1 MiB is read by the calling thread, the rest by the parsing thread).
    std::string doc = test::syntheticVuldefHead(6000, 380);
    doc += "</VULDEF-Document>\n";
    REQUIRE(doc.size() > 2500000);
    FailingBuffer buffer(doc, 2000000);
    std::istream in(&buffer);
    auto store = Store::inMemory();
    std::size_t committed = 0;
    CHECK_THROWS_WITH(importStream(
                          *store, {}, in, "failing.xml", doc.size(), "auto", "import",
                          [&](const ImportProgress& p) { committed = p.records; }, 100),
                      Catch::Contains("cannot read failing.xml"));
    const auto stored = count(*store, "SELECT COUNT(*) FROM record");
    CHECK(stored >= 2000); // everything of the first 1 MiB, in batches of 100
    CHECK(stored < 6000);
    CHECK(stored % 100 == 0); // whole batches only
    CHECK(stored == static_cast<std::int64_t>(committed));
    CHECK_FALSE(store->db().inTransaction());
}

TEST_CASE("A truncated file keeps the complete records before the cut and reports the error",
          "[daemon][import]") {
    const std::string content = test::readFile(sevenEntries());
    // Cut inside the fifth Vulinfo: four entries are complete before it.
    std::size_t cut = 0;
    for (int i = 0; i < 5; ++i) {
        cut = content.find("<Vulinfo>", cut + 1);
        REQUIRE(cut != std::string::npos);
    }
    cut += 200;
    TempDir dir;
    const fs::path truncated = dir.write("truncated.xml", content.substr(0, cut));
    const ParseResult whole = parseVuldef(content);

    for (std::size_t batchSize : {2u, 3u, 2000u}) {
        INFO("batch size " << batchSize);
        auto store = Store::inMemory();
        const ImportStats s =
            importFile(*store, {}, truncated.string(), "auto", "import", nullptr, batchSize);
        CHECK_FALSE(s.complete());
        CHECK_FALSE(s.error.empty());
        CHECK(s.records == 4);
        CHECK(count(*store, "SELECT COUNT(*) FROM record") == 4);
        std::set<std::string> firstFour;
        for (std::size_t i = 0; i < 4; ++i) {
            firstFour.insert(whole.records[i].id);
        }
        CHECK(storedIds(*store) == firstFour);

        // The whole file afterwards: the four are unchanged, the other three are new.
        const ImportStats full =
            importFile(*store, {}, sevenEntries().string(), "auto", "import", nullptr, batchSize);
        CHECK(full.complete());
        CHECK(full.records == 7);
        CHECK(full.newRecords == 3);
        CHECK(full.changed == 0);
        CHECK(count(*store, "SELECT COUNT(*) FROM revision") == 7);
    }
}

TEST_CASE("A file that is not a document reports a parse error and stores nothing",
          "[daemon][import]") {
    TempDir dir;
    auto store = Store::inMemory();
    const fs::path html = dir.write("page.html", "<html><body>not a feed</body></html>\n");
    const ImportStats s = importFile(*store, {}, html.string(), "auto", "import");
    CHECK_FALSE(s.complete());
    CHECK(s.records == 0);
    CHECK(count(*store, "SELECT COUNT(*) FROM record") == 0);

    const fs::path rss = demoRss();
    const ImportStats asVuldef = importFile(*store, {}, rss.string(), "vuldef", "import");
    CHECK_FALSE(asVuldef.complete());
    CHECK(asVuldef.records == 0);
}

TEST_CASE("RSS files are streamed and ingested in batches", "[daemon][import]") {
    auto store = Store::inMemory();
    const fs::path rss = demoRss();
    const ImportStats s = importFile(*store, {}, rss.string(), "auto", "import", nullptr, 1);
    CHECK(s.complete());
    CHECK(s.format == "jvn-rss");
    CHECK(s.records == parseDocument(test::readFile(rss), "jvn-rss").records.size());
    CHECK(s.records == 4);
    CHECK(s.items == 4);
    CHECK(s.batches == s.records);
    CHECK(count(*store, "SELECT COUNT(*) FROM record") == static_cast<std::int64_t>(s.records));
    // the same content as a whole-document parse: importing it again changes nothing
    const ImportStats again = importFile(*store, {}, rss.string(), "jvn-rss", "import");
    CHECK(again.records == 4);
    CHECK(again.newRecords == 0);
    CHECK(again.changed == 0);
}

TEST_CASE("A truncated RSS file keeps the complete items before the cut and reports the error",
          "[daemon][import]") {
    TempDir dir;
    auto store = Store::inMemory();
    const std::string content = test::readFile(demoRss());
    // cut inside the third item
    std::size_t cut = 0;
    for (int i = 0; i < 3; ++i) {
        cut = content.find("<item ", cut + 1);
        REQUIRE(cut != std::string::npos);
    }
    cut += 40;
    const fs::path truncated = dir.write("truncated.rdf", content.substr(0, cut));
    const ImportStats s = importFile(*store, {}, truncated.string(), "auto", "import", nullptr, 1);
    CHECK_FALSE(s.complete());
    CHECK(s.error.find("truncated RSS 1.0 document") != std::string::npos);
    CHECK(s.records == 2);
    CHECK(count(*store, "SELECT COUNT(*) FROM record") == 2);

    // the repaired file adds the rest, nothing twice
    const ImportStats whole = importFile(*store, {}, demoRss().string(), "auto", "import");
    CHECK(whole.complete());
    CHECK(whole.newRecords == 2);
    CHECK(count(*store, "SELECT COUNT(*) FROM record") == 4);
}

TEST_CASE("Other formats are parsed whole and ingested", "[daemon][import]") {
    TempDir dir;
    auto store = Store::inMemory();
    const std::string mail = test::readFile(test::sourceDir() / "tests" / "data" / "mail" /
                                            "ipa_log4j_jvndb_utf8_qp.eml");
    const fs::path path = dir.write("mail.eml", mail);
    const ImportStats s = importFile(*store, {}, path.string(), "auto", "import");
    CHECK(s.complete());
    CHECK(s.format == "mail");
    CHECK(s.records == parseDocument(mail, "mail").records.size());
    CHECK(s.records > 0);
    CHECK(count(*store, "SELECT COUNT(*) FROM record") == static_cast<std::int64_t>(s.records));
}

TEST_CASE("Unknown formats and unreadable files throw", "[daemon][import]") {
    auto store = Store::inMemory();
    CHECK_THROWS_AS(importFile(*store, {}, sevenEntries().string(), "csv", "import"),
                    std::invalid_argument);
    CHECK_THROWS_AS(importFile(*store, {}, "/nonexistent/vw-import.rdf", "auto", "import"),
                    std::runtime_error);
    CHECK_THROWS_AS(importFile(*store, {}, sevenEntries().string(), "auto", "import", nullptr, 0),
                    std::invalid_argument);
}

TEST_CASE("One import session builds the registry's matcher once for many files",
          "[daemon][import]") {
    auto store = Store::inMemory();
    store->putProduct(log4jProduct(), 1);
    ImportSession session(*store);
    for (const fs::path& file : {sevenEntries(), demoRss(), sevenEntries()}) {
        const ImportStats s = importFile(*store, {}, file.string(), "auto", "import", nullptr,
                                         kImportBatchSize, {}, &session);
        CHECK(s.complete());
    }
    CHECK(session.registryBuilds() == 1);
    CHECK_FALSE(matchedAdvisories(*store).empty());

    // A registry changed between files is read again for the next file.
    Product another = log4jProduct();
    another.name = "Example PACS";
    store->putProduct(another, 2);
    importFile(*store, {}, sevenEntries().string(), "auto", "import", nullptr, kImportBatchSize, {},
               &session);
    CHECK(session.registryBuilds() == 2);
}

TEST_CASE("A stream read in small pieces stores the same records", "[daemon][import]") {
    // A stated size under one piece sizes the read buffer (size + 1): a size that understates
    // the stream makes every read that small, and the streaming parser must still see whole
    // entries across the piece boundaries.
    const std::string doc = test::readFile(sevenEntries());
    REQUIRE(doc.size() > 1000);
    auto whole = Store::inMemory();
    std::istringstream wholeIn(doc);
    const ImportStats a =
        importStream(*whole, {}, wholeIn, "seven.rdf", doc.size(), "auto", "import");
    auto pieces = Store::inMemory();
    std::istringstream piecesIn(doc);
    const ImportStats b = importStream(*pieces, {}, piecesIn, "seven.rdf", 97, "auto", "import");
    CHECK(a.complete());
    CHECK(b.complete());
    CHECK(b.records == a.records);
    CHECK(b.bytes == doc.size());
    CHECK(count(*pieces, "SELECT COUNT(*) FROM record") == 7);
    const auto hashes = [](Store& store) {
        auto q =
            store.db().prepare(store.db().isPostgres() // no group_concat there
                                   ? "SELECT string_agg(content_hash, ' ' ORDER BY id) FROM record"
                                   : "SELECT group_concat(content_hash, ' ') FROM "
                                     "(SELECT content_hash FROM record ORDER BY id)");
        REQUIRE(q.step());
        return q.text(0);
    };
    CHECK(hashes(*pieces) == hashes(*whole));
    CHECK_FALSE(hashes(*whole).empty());
}

TEST_CASE("an import of many small files commits them in groups and a bad one leaves the others",
          "[daemon][import][cli]") {
    const std::string db = test::tempFile("grouped.db");
    const auto mails = test::sourceDir() / "tests/data/mail";
    // A small file that is no known format, between two good mails of the same group: refused
    // (exit 1, named), its attempt recorded like the others', the mails stored.
    const std::string junk = test::tempFile("junk.txt", "this is not a feed, a VULDEF or a mail\n");
    const auto r = test::cli({"--db", db, "import", (mails / "alternative_html.eml").string(), junk,
                              (mails / "clearsigned_utf8.eml").string()});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::Contains("junk.txt"));
    auto store = Store::open(db);
    auto q = store->db().prepare(
        "SELECT count(*), count(*) FILTER (WHERE text LIKE 'junk.txt%stopped:%') FROM event_log "
        "WHERE kind = 'import'");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 3);
    CHECK(q.integer(1) == 1);
    auto records = store->db().prepare("SELECT count(*) FROM record WHERE channel = 'import'");
    REQUIRE(records.step());
    CHECK(records.integer(0) == 2);
    CHECK(verifyAuditChain(*store).ok());
}
