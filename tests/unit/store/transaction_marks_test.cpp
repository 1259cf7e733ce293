// Database::transactionMarks (store/sqlite.h): counts every statement that may begin or end a
// transaction or roll back to a savepoint, however it is run (exec, a prepared statement, a
// queued one), and nothing else. Store::appendEvent keeps the chain's head while it stays the
// same. Both backends (the store of Store::inMemory()).
#include "store/store.h"

#include <catch2/catch.hpp>

using namespace vw;

TEST_CASE("transaction marks count what may begin or end a transaction", "[store][layer]") {
    auto store = Store::inMemory();
    Database& db = store->db();
    std::uint64_t before = db.transactionMarks();
    const auto marked = [&]() {
        const std::uint64_t now = db.transactionMarks();
        const bool moved = now != before;
        before = now;
        return moved;
    };
    db.exec("CREATE TABLE IF NOT EXISTS marks_test (note TEXT)");
    CHECK_FALSE(marked());
    db.beginWrite();
    CHECK(marked());
    Statement insert = db.prepare("INSERT INTO marks_test (note) VALUES ('a note')");
    insert.run();
    CHECK_FALSE(marked());
    db.exec("SAVEPOINT s1");
    CHECK_FALSE(marked());
    db.exec("RELEASE s1");
    CHECK_FALSE(marked());
    Statement savepoint = db.prepare("SAVEPOINT s2");
    savepoint.run();
    CHECK_FALSE(marked());
    Statement rollbackTo = db.prepare("ROLLBACK TO s2");
    rollbackTo.runLater();
    CHECK(marked());
    rollbackTo.reset();
    rollbackTo.run();
    CHECK(marked());
    db.exec("commit");
    CHECK(marked());
    CHECK_FALSE(db.inTransaction());
    db.exec("BEGIN");
    CHECK(marked());
    db.execQuietly("ROLLBACK");
    CHECK(marked());
    Statement select = db.prepare("SELECT count(*) FROM marks_test");
    REQUIRE(select.step());
    CHECK_FALSE(marked());
}

TEST_CASE("transaction marks: the words are found as words in any case", "[store][layer]") {
    auto store = Store::inMemory();
    Database& db = store->db();
    db.exec("CREATE TABLE IF NOT EXISTS marks_words (beginning TEXT, commits TEXT)");
    const std::uint64_t before = db.transactionMarks();
    // BEGIN/COMMIT as parts of longer names do not count.
    db.exec("INSERT INTO marks_words (beginning, commits) VALUES ('a', 'b')");
    CHECK(db.transactionMarks() == before);
    // ... but a quoted word does: erring on the side of yes costs one read, never a wrong head.
    db.exec("INSERT INTO marks_words (beginning) VALUES ('Rollback')");
    CHECK(db.transactionMarks() == before + 1);
    db.exec("bEgIn; END");
    CHECK(db.transactionMarks() == before + 2);
}
