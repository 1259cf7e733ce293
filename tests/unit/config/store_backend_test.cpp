// [store] backend, url and password_file: the PostgreSQL store (issue 17, docs/configuration.md).
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;
using vw::test::errorOf;
using vw::test::TempDir;

TEST_CASE("the store is SQLite at path unless backend says postgresql", "[config][store]") {
    const auto config = vw::parseConfig("[store]\npath = /srv/vw.db\n", "t.conf", true);
    CHECK(config.store.backend == "sqlite");
    CHECK(config.store.location() == "/srv/vw.db");
}

TEST_CASE("backend = postgresql opens the url with the password from its file", "[config][store]") {
    TempDir dir;
    const auto secret = dir.write("db.secret", "pg-pass\n");
    const auto conf = dir.write("vw.conf", "[store]\nbackend = postgresql\nurl = "
                                           "postgresql://vw@db.example.jp:5432/vw?sslmode=require\n"
                                           "password_file = db.secret\n");
    const auto config = vw::loadConfig(conf.string());
    CHECK(config.store.backend == "postgresql");
    CHECK(config.store.location() == "postgresql://vw@db.example.jp:5432/vw?sslmode=require");
    CHECK(config.store.password.value == "pg-pass");
    CHECK(config.store.password.sourceFile == secret.string());
}

TEST_CASE("a PostgreSQL store without a usable url is a clear error", "[config][store]") {
    CHECK_THAT(errorOf("[store]\nbackend = postgresql\n").what(),
               Contains("backend = postgresql needs url = postgresql://"));
    CHECK_THAT(errorOf("[store]\nbackend = mysql\n").what(), Contains("sqlite, postgresql"));
    CHECK_THAT(errorOf("[store]\nbackend = postgresql\nurl = /var/lib/vw.db\n").what(),
               Contains("is not a PostgreSQL URL"));
    const auto withPassword =
        errorOf("[store]\nbackend = postgresql\nurl = postgresql://vw:pw@db/vw\n");
    CHECK_THAT(withPassword.what(), Contains("password_file"));
    CHECK(withPassword.key() == "url");
}
