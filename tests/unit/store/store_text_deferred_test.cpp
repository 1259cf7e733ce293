// record_text rows written inside a Store::Transaction wait in a temporary table until the
// transaction commits (one FTS5 segment per transaction instead of one per savepoint and
// statement journal): the index must say exactly what it said when every row was written at
// once, whatever the savepoints in between did.
#include "core/keywords.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using vw::Store;

namespace {

using Ids = std::vector<std::int64_t>;

Ids find(Store& store, const std::string& keyword) {
    const vw::KeywordIndex index({keyword});
    return store.recordsWithText({index.searchForm(0)});
}

/// What the FTS5 table holds, read without Store (no pending rows flushed on the way).
std::vector<std::pair<std::int64_t, std::string>> indexRows(Store& store) {
    vw::Statement q = store.db().prepare("SELECT rowid, text FROM record_text ORDER BY rowid");
    std::vector<std::pair<std::int64_t, std::string>> rows;
    while (q.step()) {
        rows.emplace_back(q.integer(0), q.text(1));
    }
    return rows;
}

vw::Advisory mailAbout(const std::string& messageId, const std::string& cve,
                       const std::string& title) {
    auto mail = vw::test::makeAdvisory(messageId, {cve}, title);
    mail.source = "mail";
    return mail;
}

} // namespace

TEST_CASE("record_text rows of a transaction are written at its commit",
          "[store][keywords][transaction]") {
    auto store = Store::inMemory();
    std::int64_t first = 0;
    {
        Store::Transaction tx(*store);
        first = store
                    ->upsertRecord("ipa-mail",
                                   mailAbout("<a@ipa.go.jp>", "CVE-2021-44228",
                                             "Apache Log4j の脆弱性対策について"),
                                   100, Store::Savepoint::Skip)
                    .recordId;
        // Waiting: not in the FTS5 table yet, but a keyword look-up in the same transaction
        // finds it (it writes the waiting rows first).
        CHECK(indexRows(*store).empty());
        CHECK(find(*store, "log4j") == Ids{first});
        CHECK(indexRows(*store).size() == 1);
        tx.commit();
    }
    CHECK(find(*store, "log4j") == Ids{first});

    std::int64_t kept = 0;
    {
        Store::Transaction tx(*store);
        {
            // A file of a grouped import that fails: its savepoint is rolled back, and its
            // waiting row with it.
            Store::Transaction failed(*store);
            store->upsertRecord(
                "ipa-mail",
                mailAbout("<b@ipa.go.jp>", "CVE-2022-22965", "Spring Framework の脆弱性について"),
                200, Store::Savepoint::Skip);
        }
        {
            Store::Transaction file(*store);
            kept = store
                       ->upsertRecord("ipa-mail",
                                      mailAbout("<c@ipa.go.jp>", "CVE-2023-4966",
                                                "Citrix NetScaler の脆弱性について"),
                                      200, Store::Savepoint::Skip)
                       .recordId;
            file.commit();
        }
        // The first mail changes twice in the transaction: its last text is indexed, once.
        store->upsertRecord(
            "ipa-mail",
            mailAbout("<a@ipa.go.jp>", "CVE-2021-44228", "Apache Tomcat の脆弱性について"), 300,
            Store::Savepoint::Skip);
        store->upsertRecord(
            "ipa-mail",
            mailAbout("<a@ipa.go.jp>", "CVE-2021-44228", "Apache Struts の脆弱性について"), 301,
            Store::Savepoint::Skip);
        CHECK(indexRows(*store).size() == 1); // still the committed row only
        tx.commit();
    }
    CHECK(find(*store, "spring").empty());
    CHECK(find(*store, "netscaler") == Ids{kept});
    CHECK(find(*store, "struts") == Ids{first});
    CHECK(find(*store, "tomcat").empty());
    CHECK(find(*store, "log4j").empty());
    const auto rows = indexRows(*store);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].first == first);
    CHECK(rows[1].first == kept);

    {
        // A record that now names a CPE leaves the index; a transaction rolled back as a whole
        // leaves nothing waiting for the next one.
        Store::Transaction tx(*store);
        auto withCpe = mailAbout("<c@ipa.go.jp>", "CVE-2023-4966", "Citrix NetScaler の脆弱性");
        withCpe.cpes = {"cpe:/a:citrix:netscaler"};
        store->upsertRecord("ipa-mail", withCpe, 400, Store::Savepoint::Skip);
        tx.commit();
    }
    CHECK(find(*store, "netscaler").empty());
    {
        Store::Transaction tx(*store);
        store->upsertRecord(
            "ipa-mail",
            mailAbout("<d@ipa.go.jp>", "CVE-2024-3400", "PAN-OS GlobalProtect の脆弱性について"),
            500, Store::Savepoint::Skip);
    }
    {
        Store::Transaction tx(*store);
        tx.commit();
    }
    CHECK(find(*store, "globalprotect").empty());
    CHECK(indexRows(*store).size() == 1);

    // Outside any Store::Transaction the row is written at once, as before.
    const auto direct = store->upsertRecord(
        "ipa-mail", mailAbout("<e@ipa.go.jp>", "CVE-2024-21762", "FortiOS の脆弱性について"), 600);
    CHECK(indexRows(*store).size() == 2);
    CHECK(find(*store, "fortios") == Ids{direct.recordId});
}
