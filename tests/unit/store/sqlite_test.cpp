#include "store/sqlite.h"
#include "store_test_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <sqlite3.h>
#include <string>
#include <thread>

using vw::Database;
using vw::StoreError;

TEST_CASE("Statement binds and reads text, integers, reals and NULL", "[store][sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d TEXT)");
    const std::string withNul("a\0b", 3);
    db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)")
        .bind(1, withNul)
        .bind(2, std::int64_t{1} << 40)
        .bind(3, 9.8)
        .bindNull(4)
        .run();
    CHECK(db.changes() == 1);
    CHECK(db.lastInsertId() == 1);

    auto q = db.prepare("SELECT a, b, c, d FROM t");
    REQUIRE(q.step());
    CHECK(q.text(0) == withNul);
    CHECK(q.textView(0) == withNul); // the same bytes, without a copy
    CHECK(q.integer(1) == (std::int64_t{1} << 40));
    CHECK(q.real(2) == Approx(9.8));
    CHECK(q.isNull(3));
    CHECK(q.text(3).empty());
    CHECK(q.textView(3).empty());
    CHECK_FALSE(q.step());
}

TEST_CASE("An empty string is bound as text, not NULL", "[store][sqlite]") {
    Database db(":memory:");
    auto q = db.prepare("SELECT ?1 IS NULL, typeof(?1)");
    q.bind(1, std::string_view{});
    REQUIRE(q.step());
    CHECK(q.integer(0) == 0);
    CHECK(q.text(1) == "text");
}

TEST_CASE("Bound values are never interpreted as SQL", "[store][sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (a TEXT)");
    const std::string hostile = "x'); DROP TABLE t; --";
    db.prepare("INSERT INTO t VALUES (?1)").bind(1, hostile).run();
    auto q = db.prepare("SELECT a FROM t");
    REQUIRE(q.step());
    CHECK(q.text(0) == hostile);
}

TEST_CASE("SQLite errors become StoreError with the message and the SQL", "[store][sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (a TEXT UNIQUE)");
    CHECK_THROWS_WITH(db.prepare("SELECT nope FROM t"),
                      Catch::Contains("no such column") && Catch::Contains("SELECT nope FROM t"));
    CHECK_THROWS_WITH(db.exec("INSERT INTO missing VALUES (1)"),
                      Catch::Contains("no such table") && Catch::Contains("missing"));
    db.prepare("INSERT INTO t VALUES ('x')").run();
    auto dup = db.prepare("INSERT INTO t VALUES ('x')");
    CHECK_THROWS_WITH(dup.run(), Catch::Contains("UNIQUE") && Catch::Contains("INSERT INTO t"));
}

TEST_CASE("Opening an impossible path throws StoreError naming the path", "[store][sqlite]") {
    const std::string path = "/nonexistent-dir-for-vw-tests/sub/x.db";
    CHECK_THROWS_AS(Database(path), StoreError);
    CHECK_THROWS_WITH(Database(path), Catch::Contains(path));
}

TEST_CASE("A reset statement runs again with its bindings", "[store][sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (a INTEGER)");
    auto insert = db.prepare("INSERT INTO t VALUES (?1)");
    insert.bind(1, 7).run();
    insert.reset();
    insert.run();
    insert.reset();
    insert.clearBindings();
    insert.run();
    auto q = db.prepare("SELECT COUNT(*), SUM(a), COUNT(a) FROM t");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 3);
    CHECK(q.integer(1) == 14);
    CHECK(q.integer(2) == 2);
}

TEST_CASE("A moved Database keeps the connection", "[store][sqlite]") {
    Database a(":memory:");
    a.exec("CREATE TABLE t (a INTEGER)");
    Database b(std::move(a));
    CHECK(a.handle() == nullptr);
    b.exec("INSERT INTO t VALUES (1)");
    Database c(":memory:");
    c = std::move(b);
    auto q = c.prepare("SELECT COUNT(*) FROM t");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 1);
}

TEST_CASE("SQLite keeps no memory statistics once a program links the store", "[store][sqlite]") {
    // prepareSqlite() ran before main(): with statistics on (SQLite's default) every allocation
    // inside SQLite took a process-wide mutex. Off, SQLite counts nothing, so 4 MB held in
    // its page cache leave the counter where it was.
    Database db(":memory:");
    db.exec("PRAGMA cache_size = -8192");
    const sqlite3_int64 before = sqlite3_memory_used();
    db.exec("CREATE TABLE t (x BLOB)");
    for (int i = 0; i < 4; ++i) {
        db.exec("INSERT INTO t VALUES (randomblob(1000000))");
    }
    auto q = db.prepare("SELECT sum(length(x)) FROM t");
    REQUIRE(q.step());
    CHECK(q.integer(0) == 4000000);
    CHECK(sqlite3_memory_used() == before);
    CHECK(sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1) == SQLITE_MISUSE); // too late to turn on
}

namespace {

std::int64_t scalar(Database& db, const std::string& sql) {
    auto q = db.prepare(sql);
    REQUIRE(q.step());
    return q.integer(0);
}

std::uintmax_t sizeOrZero(const std::string& path) {
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    return error ? 0 : size;
}

} // namespace

TEST_CASE("A WAL checkpointer copies the WAL back on a thread of its own and keeps it bounded",
          "[store][sqlite]") {
    vw::test::TempDir dir;
    const std::string path = dir.file("checkpointed.db");
    Database db(path);
    {
        auto mode = db.prepare("PRAGMA journal_mode = WAL");
        REQUIRE(mode.step());
        REQUIRE(mode.text(0) == "wal");
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    db.exec("CREATE INDEX t_v ON t (v)");
    const std::int64_t pageSize = scalar(db, "PRAGMA page_size");
    const std::uintmax_t fileBefore = sizeOrZero(path);
    constexpr int kPages = 8;
    constexpr int kRestart = 64;
    std::uintmax_t largestWal = 0;
    int background = 0;
    {
        vw::WalCheckpointer checkpointer(db, kPages, kRestart, 500);
        // The connection's own automatic checkpoint is off meanwhile.
        CHECK(scalar(db, "PRAGMA wal_autocheckpoint") == 0);
        for (int t = 0; t < 200; ++t) {
            db.exec("BEGIN");
            for (int i = 0; i < 20; ++i) {
                // random text: the index's pages change all over, as in an import
                db.exec("INSERT INTO t (v) VALUES (hex(randomblob(150)))");
            }
            db.exec("COMMIT");
            largestWal = std::max(largestWal, sizeOrZero(path + "-wal"));
        }
        // The last request may still be on its way: bounded wait for the thread to have run.
        for (int i = 0; i < 500 && checkpointer.background() == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        background = checkpointer.background();
    }
    CHECK(background > 0);
    // Pages went back into the database file, and the WAL stayed within a few times the
    // restart limit (200 transactions of ten to twenty pages each were written: without
    // checkpoints the WAL would hold them all, 2,000 frames or more; a restart waits for a
    // checkpoint that copied everything, which the thread's may delay by a transaction or two).
    CHECK(sizeOrZero(path) > fileBefore + static_cast<std::uintmax_t>(10 * pageSize));
    CHECK(largestWal <= static_cast<std::uintmax_t>(8 * kRestart * (pageSize + 24) + 32));
    CHECK(scalar(db, "PRAGMA wal_autocheckpoint") == 500);
    CHECK(scalar(db, "SELECT COUNT(*) FROM t") == 4000);
    // Every row is in the file for another connection, and the file is sound.
    Database other(path);
    auto check = other.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.text(0) == "ok");
    CHECK(scalar(other, "SELECT COUNT(*) FROM t") == 4000);
}

TEST_CASE("A WAL checkpointer leaves a database in memory alone", "[store][sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (v TEXT)");
    vw::WalCheckpointer checkpointer(db, 1, 2, 1000);
    for (int i = 0; i < 10; ++i) {
        db.exec("INSERT INTO t VALUES (hex(randomblob(5000)))");
    }
    CHECK(checkpointer.background() == 0);
    CHECK(checkpointer.foreground() == 0);
}
