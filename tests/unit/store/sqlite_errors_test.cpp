// Every SQLite error that reaches the user names the database file (issue 16 part 5): a file
// that is not a database, a database that cannot be written, a statement that fails. Found by
// probing: "file is not a database (preparing: PRAGMA journal_mode = WAL)" named no file.
#include "helpers/backend.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

using namespace vw;

namespace {

std::filesystem::path tempDatabase(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("vw-sqlite-errors-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

std::string messageOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const StoreError& e) {
        return e.what();
    }
    return "(no StoreError)";
}

} // namespace

TEST_CASE("a file that is not a database is named in the error", "[store][sqlite][hostile]") {
    VW_SQLITE_ONLY("a SQLite file of garbage: on PostgreSQL Store::open opens no file");
    const auto path = tempDatabase("not-a-db.db");
    std::ofstream(path) << std::string(4096, 'x');
    const std::string message = messageOf([&] { Store::open(path.string()); });
    CHECK_THAT(message, Catch::Contains("file is not a database"));
    CHECK_THAT(message, Catch::Contains(path.string()));
    std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("a database that cannot be written is named in the error", "[store][sqlite][hostile]") {
    const auto path = tempDatabase("read-only.db");
    Database db(path.string());
    db.exec("CREATE TABLE t (x INTEGER)");
    // query_only: SQLite refuses every write as it does for a read-only file (which root,
    // running the tests, could write anyway).
    db.exec("PRAGMA query_only = 1");
    const std::string viaStatement =
        messageOf([&] { db.prepare("INSERT INTO t VALUES (1)").run(); });
    CHECK_THAT(viaStatement, Catch::Contains("attempt to write a readonly database"));
    CHECK_THAT(viaStatement, Catch::StartsWith("database " + path.string() + ": "));
    const std::string viaExec = messageOf([&] { db.exec("INSERT INTO t VALUES (1)"); });
    CHECK_THAT(viaExec, Catch::StartsWith("database " + path.string() + ": "));
    CHECK_THAT(viaExec, Catch::Contains("readonly"));
    const std::string preparing = messageOf([&] { db.prepare("SELECT x FROM nowhere"); });
    CHECK_THAT(preparing, Catch::StartsWith("database " + path.string() + ": no such table"));
    std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("an in-memory database is named as such", "[store][sqlite][hostile]") {
    Database db(":memory:");
    CHECK_THAT(messageOf([&] { db.prepare("SELEC 1"); }),
               Catch::StartsWith("database (in memory): near \"SELEC\""));
}
