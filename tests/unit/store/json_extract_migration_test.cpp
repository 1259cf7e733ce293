// Schema 21 (store/postgres_schema.cpp, store/migrations.cpp): PostgreSQL's json_extract() as
// PL/pgSQL answers what the SQL function of schema 20 answered, SQLite's json_extract the same,
// and the migration turns a store's schema-20 function into it. Both backends.
#include "helpers/backend.h"
#include "store/postgres_schema.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using namespace vw;

namespace {

struct Case {
    const char* json;
    const char* path;
    std::optional<std::string> value; // nullopt: NULL
};

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        {R"({"at":1795964400,"kind":"case.open"})", "$.at", "1795964400"},
        {R"({"at":1795964400,"kind":"case.open"})", "$.kind", "case.open"},
        {R"({"text":"案件 1 を受け付けました\n二行目"})", "$.text",
         "案件 1 を受け付けました\n二行目"},
        {R"({"flag":true,"off":false})", "$.flag", "1"},
        {R"({"flag":true,"off":false})", "$.off", "0"},
        {R"({"gone":null})", "$.gone", std::nullopt},
        {R"({"a":1})", "$.missing", std::nullopt},
        {R"({"a":{"b":[1,"y"]}})", "$.a.b[1]", "y"},
        {R"({"a":{"b":[1,"y"]}})", "$.a", R"({"b":[1,"y"]})"},
        {R"({"a b":2})", R"($."a b")", "2"},
        {R"({"_k9":[1,2]})", "$._k9", "[1,2]"},
        {R"({"case":"12","details":{"site":"大阪"}})", "$.details.site", "大阪"},
        {R"([10,20])", "$[1]", "20"},
        {R"({"x":1})", "$", R"({"x":1})"},
    };
    return all;
}

std::optional<std::string> extract(Database& db, const char* json, const char* path) {
    Statement q = db.prepare("SELECT json_extract(?1, ?2)");
    q.bind(1, std::string(json)).bind(2, std::string(path));
    REQUIRE(q.step());
    if (q.isNull(0)) {
        return std::nullopt;
    }
    return q.text(0);
}

} // namespace

TEST_CASE("json_extract answers alike on both backends", "[store][migrations]") {
    auto store = Store::inMemory();
    CHECK(store->schemaVersion() >= 21);
    CHECK(store->schemaVersion() == Store::latestSchemaVersion());
    for (const Case& c : cases()) {
        CAPTURE(c.json, c.path);
        CHECK(extract(store->db(), c.json, c.path) == c.value);
    }
}

TEST_CASE("schema 21 turns PostgreSQL's json_extract into PL/pgSQL with the same answers",
          "[store][migrations]") {
    CHECK(postgresSchemaVersion() == Store::latestSchemaVersion());
    CHECK(postgresMigration(21).find("INSERT INTO schema_version (version) VALUES (21)") !=
          std::string_view::npos);
    if (!test::onPostgres()) {
        return; // nothing of it runs on SQLite (whose version is raised past 21 too)
    }
    auto store = Store::inMemory();
    Database& db = store->db();
    const auto language = [&]() {
        Statement q =
            db.prepare("SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                       "JOIN pg_namespace n ON n.oid = p.pronamespace "
                       "WHERE n.nspname = 'public' AND p.proname = 'json_extract'");
        REQUIRE(q.step());
        return q.text(0);
    };
    CHECK(language() == "plpgsql");
    // The store as schema 20 left it, inside a transaction rolled back at the end (the function
    // is shared by every store of the database), under the lock that guards the shared functions.
    db.exec("BEGIN");
    db.execNative("SELECT pg_advisory_xact_lock(hashtextextended('vulnwatch: public "
                  "compatibility functions', 0))");
    db.execNative("CREATE OR REPLACE FUNCTION public.json_extract(j text, p text) RETURNS text "
                  "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
                  "AS 'SELECT public.vw_json_sql(j::json #> public.vw_json_path(p))'");
    db.exec("DELETE FROM schema_version WHERE version >= 21");
    CHECK(language() == "sql");
    std::vector<std::optional<std::string>> before;
    for (const Case& c : cases()) {
        before.push_back(extract(db, c.json, c.path));
    }
    db.execNative(postgresMigration(21));
    CHECK(language() == "plpgsql");
    {
        Statement version = db.prepare("SELECT max(version) FROM schema_version");
        REQUIRE(version.step());
        CHECK(version.integer(0) == 21);
    }
    for (std::size_t i = 0; i < cases().size(); ++i) {
        CAPTURE(cases()[i].json, cases()[i].path);
        CHECK(extract(db, cases()[i].json, cases()[i].path) == before[i]);
        CHECK(before[i] == cases()[i].value);
    }
    // A bad path is still refused.
    Statement bad = db.prepare("SELECT json_extract('{\"a\":1}', 'a')");
    CHECK_THROWS_WITH(bad.step(), Catch::Contains("bad JSON path"));
    db.exec("ROLLBACK");
}
