// `vulnwatch import`'s files made ready ahead (ImportAhead) and imported with their evidence
// (importWithEvidence): the same store as storeImportEvidence and importFile in turn.
#include "daemon/import.h"
#include "feeds/parse/document.h"
#include "helpers/cli.h"
#include "helpers/fixtures.h"
#include "store/evidence.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace vw;
namespace fs = std::filesystem;

namespace {

fs::path mailData(const std::string& name) {
    return test::sourceDir() / "tests" / "data" / "mail" / name;
}

fs::path sevenEntries() {
    return test::sourceDir() / "tests" / "data" / "vuldef" / "detail_written_for_vulnwatch.xml";
}

fs::path demoRss() {
    return test::sourceDir() / "demo" / "feeds" / "jvndb_new_demo.rdf";
}

/// The rows of `sql` as text, one line each.
std::vector<std::string> rows(Store& store, const std::string& sql) {
    std::vector<std::string> out;
    auto q = store.db().prepare(sql);
    while (q.step()) {
        out.push_back(q.text(0));
    }
    return out;
}

/// What the import stores, times aside.
struct Stored {
    std::vector<std::string> records, revisions, evidence, aliases;
    bool operator==(const Stored& o) const {
        return records == o.records && revisions == o.revisions && evidence == o.evidence &&
               aliases == o.aliases;
    }
};

Stored storedOf(Store& store) {
    Stored s;
    s.records = rows(store, "SELECT record_id || ' ' || channel || ' ' || content_hash || ' ' || "
                            "json FROM record ORDER BY id");
    s.revisions = rows(store, "SELECT record_id || ' ' || coalesce(evidence, '-') || ' ' || "
                              "content_hash FROM revision ORDER BY id");
    // The bytes in hex: SQLite's hex(), PostgreSQL's encode() (neither has the other's).
    const std::string hex = store.db().isPostgres() ? "encode(data, 'hex')" : "hex(data)";
    s.evidence = rows(store, "SELECT hash || ' ' || media_type || ' ' || size || ' ' || "
                             "compression || ' ' || coalesce(" +
                                 hex + ", '-') FROM evidence ORDER BY hash");
    s.aliases = rows(store, "SELECT id || ' ' || cluster_id FROM alias ORDER BY id");
    return s;
}

} // namespace

TEST_CASE("ImportAhead hands the files over in order with the small ones read and parsed",
          "[daemon][import]") {
    const std::string junk = test::tempFile("ahead-junk.txt", "not a feed, a VULDEF or a mail\n");
    const std::vector<std::string> paths = {
        mailData("alternative_html.eml").string(), sevenEntries().string(), junk,
        "/nonexistent/vw-ahead.eml", mailData("ipa_log4j_jvndb_utf8_qp.eml").string()};
    // 4 KiB: the mails and the junk are small, the VULDEF document is not.
    REQUIRE(fs::file_size(sevenEntries()) > 4096);
    ImportAhead ahead(paths, "auto", 4096);
    for (const std::string& path : paths) {
        PreparedImportFile file = ahead.next();
        INFO(path);
        CHECK(file.path == path);
        if (path.find(".eml") != std::string::npos && path.find("nonexistent") == path.npos) {
            CHECK(file.small);
            CHECK(file.format == "mail");
            CHECK(file.parsed);
            CHECK(file.content == test::readFile(path));
            CHECK(file.evidence.hash == sha256Hex(file.content));
            CHECK(file.mediaType == kMediaMail);
            CHECK(file.result.records.size() == parseDocument(file.content, "mail").records.size());
            CHECK_FALSE(file.result.records.empty());
            REQUIRE(file.serialized.size() == file.result.records.size());
            CHECK(file.serialized[0].json == serializeRecord(file.result.records[0]).json);
        } else if (path == junk) {
            CHECK(file.small);
            CHECK(file.format.empty());
            CHECK(file.parsed);
            CHECK_THAT(file.parseError, Catch::Contains("cannot tell the format"));
        } else {
            CHECK_FALSE(file.small); // too large, or its size unknown: read when imported
            CHECK(file.content.empty());
        }
    }
    CHECK_THROWS_AS(ahead.next(), std::logic_error);
}

TEST_CASE("importWithEvidence stores what storeImportEvidence and importFile store",
          "[daemon][import]") {
    const std::string junk = test::tempFile("ahead-junk2.txt", "not a feed, a VULDEF or a mail\n");
    const std::vector<std::string> paths = {
        sevenEntries().string(),
        mailData("ipa_log4j_jvndb_utf8_qp.eml").string(),
        mailData("jpcert_log4j_iso2022jp.eml").string(),
        junk,
        demoRss().string(),
        mailData("ipa_log4j_jvndb_utf8_qp.eml").string(), // again: nothing new
        sevenEntries().string()};
    // Small limits of 4 KiB and 1 MiB: the VULDEF document goes the streamed way (hashed while
    // it is parsed) in the first, the prepared way (parsed from the bytes read) in the second.
    for (const std::uintmax_t limit : {std::uintmax_t{4096}, kImportGroupFileBytes}) {
        INFO("limit " << limit);
        auto before = Store::inMemory();
        auto after = Store::inMemory();
        std::vector<ImportStats> expected;
        {
            ImportSession session(*before);
            for (const std::string& path : paths) {
                const ImportEvidence evidence = storeImportEvidence(*before, path, 1000);
                session.setFileEvidence(evidence.hash);
                expected.push_back(importFile(*before, {}, path, "auto", "import", nullptr,
                                              kImportBatchSize, {}, &session));
                recordImportEvent(*before, path, evidence, expected.back(), "import", 1000);
            }
        }
        ImportSession session(*after);
        ImportAhead ahead(paths, "auto", limit);
        for (std::size_t i = 0; i < paths.size(); ++i) {
            PreparedImportFile file = ahead.next();
            const ImportedFile done = importWithEvidence(*after, {}, file, "auto", "import",
                                                         kImportBatchSize, {}, session);
            recordImportEvent(*after, paths[i], done.evidence, done.stats, "import", 1000);
            INFO(paths[i]);
            CHECK(done.evidence.hash == sha256Hex(test::readFile(paths[i])));
            CHECK(done.evidence.kept);
            CHECK(done.stats.format == expected[i].format);
            CHECK(done.stats.bytes == expected[i].bytes);
            CHECK(done.stats.items == expected[i].items);
            CHECK(done.stats.records == expected[i].records);
            CHECK(done.stats.newRecords == expected[i].newRecords);
            CHECK(done.stats.changed == expected[i].changed);
            CHECK(done.stats.problems == expected[i].problems);
            CHECK(done.stats.batches == expected[i].batches);
            CHECK(done.stats.error == expected[i].error);
        }
        CHECK(expected[3].error.find("cannot tell the format") != std::string::npos);
        const Stored a = storedOf(*before);
        const Stored b = storedOf(*after);
        CHECK_FALSE(a.records.empty());
        CHECK(b.records == a.records);
        CHECK(b.revisions == a.revisions);
        CHECK(b.evidence == a.evidence);
        CHECK(b.aliases == a.aliases);
        // Every revision names the file it was read from.
        CHECK(rows(*after, "SELECT id FROM revision WHERE evidence IS NULL").empty());
        CHECK(rows(*after, "SELECT kind FROM event_log WHERE kind = 'import'").size() ==
              paths.size());
    }
}

TEST_CASE("importWithEvidence refuses an unknown format after storing the file as evidence",
          "[daemon][import]") {
    // As storeImportEvidence and then importFile did: the evidence first, then the refusal.
    for (const std::uintmax_t limit : {std::uintmax_t{4096}, kImportGroupFileBytes}) {
        INFO("limit " << limit);
        auto store = Store::inMemory();
        ImportSession session(*store);
        ImportAhead ahead({sevenEntries().string()}, "csv", limit);
        PreparedImportFile file = ahead.next();
        CHECK_THROWS_AS(
            importWithEvidence(*store, {}, file, "csv", "import", kImportBatchSize, {}, session),
            std::invalid_argument);
        CHECK(rows(*store, "SELECT hash FROM evidence") ==
              std::vector<std::string>{sha256Hex(test::readFile(sevenEntries()))});
        CHECK(rows(*store, "SELECT id FROM record").empty());
    }
    // An unreadable file: nothing stored, the reason thrown.
    auto store = Store::inMemory();
    ImportSession session(*store);
    ImportAhead ahead({"/nonexistent/vw-ahead.eml"}, "auto");
    PreparedImportFile file = ahead.next();
    CHECK_THROWS_WITH(
        importWithEvidence(*store, {}, file, "auto", "import", kImportBatchSize, {}, session),
        Catch::Contains("cannot read /nonexistent/vw-ahead.eml"));
    CHECK(rows(*store, "SELECT hash FROM evidence").empty());
}

TEST_CASE("putEvidence of prepared bytes stores the row putEvidence stores", "[store][evidence]") {
    const std::string bytes = test::readFile(mailData("jpcert_log4j_iso2022jp.eml"));
    const std::string incompressible = "\x01\x7f\x33"; // zlib makes it longer: kept as it is
    auto a = Store::inMemory();
    auto b = Store::inMemory();
    for (const std::string& data : {bytes, incompressible}) {
        const std::string hash = putEvidence(*a, data, kMediaMail, 10);
        const PreparedEvidence prepared = prepareEvidence(data);
        CHECK(prepared.hash == hash);
        CHECK(putEvidence(*b, data, prepared, kMediaMail, 10) == hash);
        // Stored already: only last_seen moves.
        CHECK(putEvidence(*b, data, prepared, kMediaMail, 20) == hash);
        putEvidence(*a, data, kMediaMail, 20);
    }
    CHECK_FALSE(prepareEvidence(incompressible).packed);
    CHECK(prepareEvidence(bytes).packed);
    // The bytes in hex: SQLite's hex(), PostgreSQL's encode() (neither has the other's).
    const std::string hex = a->db().isPostgres() ? "encode(data, 'hex')" : "hex(data)";
    const std::string sql = "SELECT hash || media_type || size || compression || " + hex +
                            " || first_seen || last_seen FROM evidence ORDER BY hash";
    CHECK(rows(*b, sql) == rows(*a, sql));
    CHECK(rows(*a, sql).size() == 2);
}

TEST_CASE("A file kept as its hash only is hashed ahead and the hash is used while it is the file "
          "hashed",
          "[daemon][import]") {
    // A VULDEF document over kKeepImportBytes (its seven entries and 2.2 MB of line breaks
    // before its closing tag): its evidence is its hash only.
    std::string big = test::readFile(sevenEntries());
    const std::size_t end = big.rfind("</VULDEF-Document>");
    REQUIRE(end != std::string::npos);
    big.insert(end, std::string(kKeepImportBytes + 200000, '\n'));
    const std::string zeroth = test::tempFile("ahead-big0.xml", big + "\n\n");
    const std::string first = test::tempFile("ahead-big1.xml", big);
    const std::string second = test::tempFile("ahead-big2.xml", big + "\n");
    auto store = Store::inMemory();
    ImportSession session(*store);
    ImportAhead ahead({zeroth, first, second}, "auto", kImportGroupFileBytes);

    // The first file of all is not: the storing thread hashes it while its first batch is
    // parsed, instead of waiting for ImportAhead to hash it.
    PreparedImportFile nought = ahead.next();
    CHECK_FALSE(nought.small);
    CHECK_FALSE(nought.hashedAhead);
    const ImportedFile z =
        importWithEvidence(*store, {}, nought, "auto", "import", kImportBatchSize, {}, session);
    CHECK(z.evidence.hash == sha256Hex(big + "\n\n"));
    CHECK_FALSE(z.evidence.kept);
    CHECK(z.stats.records == 7);

    PreparedImportFile one = ahead.next();
    CHECK_FALSE(one.small);
    CHECK(one.content.empty());
    CHECK(one.hashedAhead);
    CHECK(one.evidence.hash == sha256Hex(big));
    CHECK(one.mediaType == kMediaXml);
    const ImportedFile a =
        importWithEvidence(*store, {}, one, "auto", "import", kImportBatchSize, {}, session);
    CHECK(a.evidence.hash == sha256Hex(big));
    CHECK(a.evidence.size == big.size());
    CHECK_FALSE(a.evidence.kept);
    CHECK(a.stats.records == 7);
    CHECK(a.stats.error.empty());

    PreparedImportFile two = ahead.next();
    REQUIRE(two.hashedAhead);
    CHECK(two.evidence.hash == sha256Hex(big + "\n"));
    std::string rewritten = big + "\n";
    rewritten[rewritten.size() - 2] = ' '; // a line break before the last one becomes a space
    {
        std::ofstream out(second, std::ios::binary | std::ios::trunc);
        out << rewritten;
    }
    const timespec later[2] = {{two.hashedAs.modified / 1000000000 + 5, 0},
                               {two.hashedAs.modified / 1000000000 + 5, 0}};
    REQUIRE(::utimensat(AT_FDCWD, second.c_str(), later, 0) == 0);
    const ImportedFile b =
        importWithEvidence(*store, {}, two, "auto", "import", kImportBatchSize, {}, session);
    CHECK(b.evidence.hash == sha256Hex(rewritten));
    CHECK(b.evidence.hash != two.evidence.hash);
    CHECK(b.stats.records == 7);

    // The rows: three references by hash (no bytes), and every revision names one of them.
    const std::string xml(kMediaXml);
    std::vector<std::string> expected = {
        sha256Hex(big + "\n\n") + " " + std::to_string(big.size() + 2) + " " + xml + " hash-only",
        sha256Hex(big) + " " + std::to_string(big.size()) + " " + xml + " hash-only",
        sha256Hex(rewritten) + " " + std::to_string(rewritten.size()) + " " + xml + " hash-only"};
    std::sort(expected.begin(), expected.end());
    CHECK(rows(*store, "SELECT hash || ' ' || size || ' ' || media_type || ' ' || "
                       "CASE WHEN data IS NULL THEN 'hash-only' ELSE 'kept' END "
                       "FROM evidence ORDER BY hash") == expected);
    CHECK(rows(*store, "SELECT id FROM revision WHERE evidence IS NULL").empty());
}
