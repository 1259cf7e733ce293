#include "store/sqlite.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <string>

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
