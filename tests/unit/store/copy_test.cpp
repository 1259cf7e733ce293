// store/copy.h: the plan of `vulnwatch store copy` (which tables and columns, in which order,
// drift between the schemas found before anything is written), the INSERT it sends, and the
// SQLite catalog as it is read. The copy itself into PostgreSQL: tests/e2e/test_store_copy.py.
#include "helpers/backend.h"
#include "store/copy.h"
#include "store/store.h"
#include "store_test_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unistd.h>

using vw::CopyColumn;
using vw::CopyPlan;
using vw::CopyTableSchema;
using vw::planStoreCopy;
using vw::Store;

namespace {

CopyColumn col(const std::string& name, const std::string& type = "text") {
    return CopyColumn{name, type};
}

CopyColumn idCol(bool always = false) {
    CopyColumn c{"id", "bigint"};
    c.identityAlways = always;
    c.sequence = true;
    return c;
}

CopyTableSchema table(const std::string& name, std::vector<CopyColumn> columns,
                      std::vector<std::string> references = {}) {
    CopyTableSchema t;
    t.name = name;
    t.columns = std::move(columns);
    t.references = std::move(references);
    return t;
}

std::vector<std::string> order(const CopyPlan& plan) {
    std::vector<std::string> names;
    for (const auto& t : plan.tables) {
        names.push_back(t.table);
    }
    return names;
}

std::size_t position(const std::vector<std::string>& names, const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

} // namespace

TEST_CASE("store copy plans tables after the tables their foreign keys name", "[store][copy]") {
    const std::vector<CopyTableSchema> sqlite{
        table("revision", {col("id", "INTEGER"), col("record_id", "INTEGER")}),
        table("record",
              {col("id", "INTEGER"), col("cluster_id", "INTEGER"), col("advisory_id", "INTEGER")}),
        table("registry_state", {col("id", "INTEGER"), col("generation", "INTEGER")}),
        table("advisory", {col("id", "INTEGER")}),
        table("cluster", {col("id", "INTEGER")}),
        table("product", {col("id", "INTEGER"), col("name")}),
    };
    const std::vector<CopyTableSchema> pg{
        table("advisory", {idCol()}),
        table("cluster", {idCol()}),
        table("product", {idCol(), col("name")}),
        table("record", {idCol(), col("cluster_id", "bigint"), col("advisory_id", "bigint")},
              {"cluster", "advisory"}),
        table("registry_state", {col("id", "bigint"), col("generation", "bigint")}),
        table("revision", {idCol(), col("record_id", "bigint")}, {"record", "revision"}),
        table("schema_version", {col("version", "bigint")}), // PostgreSQL's own: not copied
    };
    const CopyPlan plan = planStoreCopy(sqlite, pg);
    REQUIRE(plan.problems.empty());
    const auto names = order(plan);
    REQUIRE(names.size() == 6);
    CHECK(position(names, "record") > position(names, "cluster"));
    CHECK(position(names, "record") > position(names, "advisory"));
    CHECK(position(names, "revision") > position(names, "record"));
    // Seeded last: the product tables' triggers write it.
    CHECK(names.back() == "registry_state");
    CHECK(plan.tables.back().seeded);
    CHECK_FALSE(plan.tables.front().seeded);
    for (const auto& t : plan.tables) {
        CHECK(t.orderBy == "\"id\"");
        CHECK(t.sourceColumns.size() == t.columns.size());
    }
    // The same catalogs give the same order every time (ties by name).
    CHECK(order(planStoreCopy(sqlite, pg)) == names);
}

TEST_CASE("store copy refuses schemas that drifted apart naming each difference", "[store][copy]") {
    const std::vector<CopyTableSchema> sqlite{
        table("product", {col("id", "INTEGER"), col("name"), col("mission")}),
        table("kev", {col("cve")}),
        table("outbox", {col("id", "INTEGER")}),
    };
    const std::vector<CopyTableSchema> pg{
        table("product", {idCol(), col("name"), col("site")}),
        table("kev", {col("cve")}),
        table("vw_extra", {col("x")}),
    };
    const CopyPlan plan = planStoreCopy(sqlite, pg);
    const auto& p = plan.problems;
    REQUIRE(p.size() == 4);
    const auto has = [&](const std::string& text) {
        return std::find(p.begin(), p.end(), text) != p.end();
    };
    CHECK(has("column product.site is in the PostgreSQL schema but not in the SQLite store"));
    CHECK(has("column product.mission is in the SQLite store but not in the PostgreSQL schema"));
    CHECK(has("table outbox is in the SQLite store but not in the PostgreSQL schema"));
    CHECK(has("table vw_extra is in the PostgreSQL schema but not in the SQLite store"));
}

TEST_CASE("store copy matches names case-insensitively and keeps the PostgreSQL column order",
          "[store][copy]") {
    const std::vector<CopyTableSchema> sqlite{
        table("Kev", {col("first_seen", "INTEGER"), col("CVE"), col("name")})};
    const std::vector<CopyTableSchema> pg{
        table("kev", {col("cve"), col("name"), col("first_seen", "bigint")})};
    const CopyPlan plan = planStoreCopy(sqlite, pg);
    REQUIRE(plan.problems.empty());
    REQUIRE(plan.tables.size() == 1);
    CHECK(plan.tables[0].table == "kev");
    CHECK(plan.tables[0].sourceColumns ==
          std::vector<std::string>{"\"CVE\"", "\"name\"", "\"first_seen\""});
    CHECK(plan.tables[0].orderBy.empty()); // no id: any order
}

TEST_CASE("store copy carries a full-text table's rowid into its integer column", "[store][copy]") {
    CopyTableSchema fts = table("record_text", {col("text", "")});
    fts.fullText = true;
    SECTION("one integer column beside the text takes the rowid") {
        const CopyPlan plan =
            planStoreCopy({fts}, {table("record_text", {col("record_id", "bigint"), col("text")})});
        REQUIRE(plan.problems.empty());
        REQUIRE(plan.tables.size() == 1);
        CHECK(plan.tables[0].sourceColumns == std::vector<std::string>{"rowid", "\"text\""});
        CHECK(plan.tables[0].orderBy == "rowid");
    }
    SECTION("a text column SQLite lacks is drift, not a rowid") {
        const CopyPlan plan =
            planStoreCopy({fts}, {table("record_text", {col("title"), col("text")})});
        CHECK(plan.problems.size() == 1);
    }
    SECTION("an ordinary table gets no rowid") {
        CopyTableSchema plain = fts;
        plain.fullText = false;
        const CopyPlan plan = planStoreCopy(
            {plain}, {table("record_text", {col("record_id", "bigint"), col("text")})});
        CHECK(plan.problems.size() == 1);
    }
}

TEST_CASE("store copy finds a foreign-key cycle instead of looping", "[store][copy]") {
    const CopyPlan plan = planStoreCopy(
        {table("a", {col("b_id")}), table("b", {col("a_id")}), table("c", {col("x")})},
        {table("a", {col("b_id")}, {"b"}), table("b", {col("a_id")}, {"a"}),
         table("c", {col("x")})});
    REQUIRE(plan.problems.size() == 1);
    CHECK(plan.problems[0].find("a, b form a cycle") != std::string::npos);
    CHECK(order(plan) == std::vector<std::string>{"c"});
}

TEST_CASE("store copy inserts many rows per statement casting each value to its column type",
          "[store][copy]") {
    vw::TableCopyPlan t;
    t.table = "event_log";
    t.columns = {idCol(), col("json", "jsonb"), col("data", "bytea")};
    CHECK(vw::copyInsertSql(t, 2) ==
          "INSERT INTO \"event_log\" (\"id\", \"json\", \"data\") VALUES "
          "(CAST(?1 AS bigint), CAST(?2 AS jsonb), CAST(?3 AS bytea)), "
          "(CAST(?4 AS bigint), CAST(?5 AS jsonb), CAST(?6 AS bytea))");
    t.columns[0].identityAlways = true;
    CHECK(vw::copyInsertSql(t, 1) ==
          "INSERT INTO \"event_log\" (\"id\", \"json\", \"data\") OVERRIDING SYSTEM VALUE VALUES "
          "(CAST(?1 AS bigint), CAST(?2 AS jsonb), CAST(?3 AS bytea))");
    t.table = "user\"s";
    CHECK(vw::copyInsertSql(t, 1).rfind("INSERT INTO \"user\"\"s\" (", 0) == 0);
}

TEST_CASE("store copy batches stay under PostgreSQL's parameter limit", "[store][copy]") {
    CHECK(vw::copyBatchRows(2) == 500);
    CHECK(vw::copyBatchRows(25) == 500);
    CHECK(vw::copyBatchRows(50) == 400);
    CHECK(vw::copyBatchRows(30000) == 1);
    for (std::size_t columns : {1U, 7U, 25U, 41U, 65535U}) {
        CHECK(vw::copyBatchRows(columns) * columns <= 65535U);
    }
}

TEST_CASE("store copy writes reals PostgreSQL reads back to the same double", "[store][copy]") {
    for (const double value :
         {0.1, 7.0, -3.25, 9.8, 1e-300, 1.7976931348623157e308, 4.9e-324, 123456789.123456789}) {
        const std::string text = vw::copyRealText(value);
        INFO(text);
        CHECK(std::strtod(text.c_str(), nullptr) == value);
    }
    CHECK(vw::copyRealText(7.0) == "7");
    CHECK(vw::copyRealText(std::numeric_limits<double>::infinity()) == "Infinity");
    CHECK(vw::copyRealText(-std::numeric_limits<double>::infinity()) == "-Infinity");
}

TEST_CASE("store copy reads the SQLite catalog without SQLite's own and shadow tables",
          "[store][copy][sqlite-only]") {
    VW_SQLITE_ONLY("it reads the SQLite catalog");
    vw::test::TempDir dir;
    auto store = Store::open(dir.file("catalog.db"));
    store->logEvent("test", "one event", 1700000000); // sqlite_sequence does not appear either
    const auto tables = vw::readSqliteSchema(store->db());
    const auto find = [&](const std::string& name) -> const CopyTableSchema* {
        for (const auto& t : tables) {
            if (t.name == name) {
                return &t;
            }
        }
        return nullptr;
    };
    for (const auto& t : tables) {
        INFO(t.name);
        CHECK(t.name.rfind("sqlite_", 0) != 0);
        CHECK(t.name.rfind("record_text_", 0) != 0); // the FTS5 shadow tables
        CHECK_FALSE(t.columns.empty());
    }
    REQUIRE(find("record") != nullptr);
    CHECK_FALSE(find("record")->fullText);
    const CopyTableSchema* text = find("record_text");
    REQUIRE(text != nullptr);
    CHECK(text->fullText);
    REQUIRE(text->columns.size() == 1); // its hidden columns (record_text, rank) left out
    CHECK(text->columns[0].name == "text");
    // event_log's at, kind and text are generated from its JSON: not copied.
    const CopyTableSchema* events = find("event_log");
    REQUIRE(events != nullptr);
    std::vector<std::string> names;
    for (const auto& c : events->columns) {
        names.push_back(c.name);
    }
    CHECK(names == std::vector<std::string>{"id", "json", "prev_hash", "hash"});
    CHECK_THROWS_AS(vw::readPostgresSchema(store->db()), vw::StoreCopyError);
}

TEST_CASE("A new store fills only the tables store copy treats as seeded",
          "[store][copy][sqlite-only]") {
    VW_SQLITE_ONLY("it reads the SQLite catalog");
    vw::test::TempDir dir;
    auto store = Store::open(dir.file("catalog.db"));
    std::vector<std::string> filled;
    for (const auto& t : vw::readSqliteSchema(store->db())) {
        if (vw::test::countRows(*store, "\"" + t.name + "\"") > 0) {
            filled.push_back(t.name);
        }
    }
    // A table a migration fills belongs in seededTables(): a fresh PostgreSQL destination holds
    // the same rows, which the copy replaces instead of calling the destination not empty.
    CHECK(filled == vw::seededTables());
}

TEST_CASE("This build's SQLite and PostgreSQL schemas agree table for table and column for column",
          "[store][copy][postgres]") {
    // A migration written for one backend only shows here first (and `store copy` would refuse).
    const char* url = std::getenv("TS_PG_URL");
    if (url == nullptr || *url == '\0') {
        WARN("TS_PG_URL is not set (scripts/test-servers.sh starts PostgreSQL): not compared");
        return;
    }
    VW_SQLITE_ONLY("the SQLite pass compares a SQLite store with a PostgreSQL one");
    vw::test::TempDir dir;
    auto sqlite = Store::open(dir.file("schema.db"));
    const std::string schema = "vw_copy_unit_" + std::to_string(::getpid());
    vw::Database admin = vw::Database::openPostgres(url);
    admin.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    struct Drop {
        vw::Database& db;
        std::string schema;
        ~Drop() {
            try {
                db.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            } catch (const std::exception&) {
            }
        }
    } drop{admin, schema};
    const std::string base = url;
    auto pg = Store::open(base + (base.find('?') == std::string::npos ? "?" : "&") +
                          "options=-csearch_path%3D" + schema + "%2Cpublic");
    REQUIRE(pg->db().isPostgres());
    const auto sqliteTables = vw::readSqliteSchema(sqlite->db());
    const CopyPlan plan = planStoreCopy(sqliteTables, vw::readPostgresSchema(pg->db()));
    std::string problems;
    for (const std::string& p : plan.problems) {
        problems += p + "\n";
    }
    INFO(problems);
    CHECK(plan.problems.empty());
    CHECK(plan.tables.size() == sqliteTables.size());
    pg.reset();
}
