// The active daemon's advisory lock (daemon/leader_lock.h): its key and connection settings
// (pure) and, against the PostgreSQL test server (TS_PG_URL from scripts/test-servers.sh), one
// holder at a time, what a standby sees of it, and a lost session noticed.
#include "daemon/leader_lock.h"
#include "helpers/backend.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>

using vw::Database;
using vw::LeaderLock;
using vw::leaderLockObject;
using vw::StoreError;
using vw::withLockConnectionSettings;

namespace {

/// A schema name of this test run alone: its key collides with no daemon of another test.
std::string uniqueSchema() {
    return "leader_test_" + std::to_string(::getpid()) + "_" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

} // namespace

TEST_CASE("the lock key is 0 for the public schema and a stable hash otherwise",
          "[daemon][leader]") {
    CHECK(vw::kLeaderLockClass == 1987510273);
    CHECK(leaderLockObject("public") == 0);
    // FNV-1a of the name, 31 bits (the values documented nowhere else: fixed here).
    CHECK(leaderLockObject("tenant_a") == 5091389);
    CHECK(leaderLockObject("t1") == 138734806);
    CHECK(leaderLockObject("t1") != leaderLockObject("t2"));
    for (const char* schema : {"", "x", "vulnwatch", "東京"}) {
        CHECK(leaderLockObject(schema) > 0);
    }
}

TEST_CASE("the lock connection gets keep-alives and timeouts unless the URL sets them",
          "[daemon][leader]") {
    CHECK(withLockConnectionSettings("postgresql://vw@db.example:5432/vw") ==
          "postgresql://vw@db.example:5432/vw?keepalives=1&keepalives_idle=5&"
          "keepalives_interval=2&keepalives_count=2&tcp_user_timeout=5000&connect_timeout=5");
    CHECK(withLockConnectionSettings("postgres://db/vw?sslmode=require&keepalives_idle=30") ==
          "postgres://db/vw?sslmode=require&keepalives_idle=30&keepalives=1&"
          "keepalives_interval=2&keepalives_count=2&tcp_user_timeout=5000&connect_timeout=5");
    CHECK(withLockConnectionSettings("host=db dbname=vw connect_timeout=20") ==
          "host=db dbname=vw connect_timeout=20 keepalives=1 keepalives_idle=5 "
          "keepalives_interval=2 keepalives_count=2 tcp_user_timeout=5000");
    // A name that only ends like a key is not the key.
    CHECK(withLockConnectionSettings("postgresql://db/vw?xkeepalives=1").find("&keepalives=1") !=
          std::string::npos);
}

TEST_CASE("the application name says vulnwatch run and the host and pid", "[daemon][leader]") {
    const std::string name = vw::leaderApplicationName();
    CHECK(name.rfind("vulnwatch run ", 0) == 0);
    CHECK(name.size() <= 63);
    CHECK(name.find(":" + std::to_string(::getpid())) != std::string::npos);
}

TEST_CASE("one session holds the lock and a standby sees it and takes it when it ends",
          "[daemon][leader]") {
    const std::string url = vw::test::postgresServerUrl();
    if (url.empty()) {
        return;
    }
    const std::string schema = uniqueSchema();
    const auto connect = [url] { return Database::openPostgres(withLockConnectionSettings(url)); };
    LeaderLock active(connect, schema, "vulnwatch test active");
    LeaderLock standby(connect, schema, "vulnwatch test standby");
    CHECK_FALSE(active.stillHeld()); // not taken yet
    REQUIRE(active.tryAcquire());
    CHECK(active.stillHeld());
    CHECK_FALSE(standby.tryAcquire());
    CHECK_FALSE(standby.stillHeld());
    const auto holder = standby.holder();
    REQUIRE(holder.has_value());
    CHECK(holder->application == "vulnwatch test active");
    CHECK(holder->pid > 0);
    CHECK_FALSE(holder->client.empty());
    CHECK(holder->since.size() == 20); // 2026-11-29T12:00:00Z

    // `vulnwatch status` asks through a connection of the store: its schema chooses the key.
    Database admin = connect();
    admin.exec("CREATE SCHEMA " + schema);
    Database store = Database::openPostgres(url, "", schema);
    const auto shown = vw::activeDaemon(store);
    REQUIRE(shown.has_value());
    CHECK(shown->application == "vulnwatch test active");
    CHECK(shown->pid == holder->pid);
    admin.exec("CREATE SCHEMA " + schema + "_idle");
    Database idle = Database::openPostgres(url, "", schema + "_idle"); // a store with no daemon
    CHECK_FALSE(vw::activeDaemon(idle).has_value());
    admin.exec("DROP SCHEMA " + schema + "_idle");

    // Another schema's lock is another lock.
    LeaderLock other(connect, schema + "_other", "vulnwatch test other");
    CHECK(other.tryAcquire());

    // The holder's session ends on the server (a restart, pg_terminate_backend): the holder
    // notices, the standby gets the lock.
    auto end = admin.prepare("SELECT pg_terminate_backend(CAST(? AS integer))");
    end.bind(1, holder->pid);
    REQUIRE(end.step());
    CHECK(end.integer(0) == 1);
    CHECK_FALSE(active.stillHeld());
    CHECK_FALSE(active.lastError().empty());
    bool taken = false;
    for (int i = 0; i < 50 && !taken; ++i) { // the server process exits within moments
        taken = standby.tryAcquire();
        if (!taken) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    CHECK(taken);
    CHECK(standby.stillHeld());
    // The old holder reconnects and finds the lock taken.
    CHECK_FALSE(active.tryAcquire());
    REQUIRE(active.holder().has_value());
    CHECK(active.holder()->application == "vulnwatch test standby");
    REQUIRE(vw::activeDaemon(store).has_value());
    CHECK(vw::activeDaemon(store)->application == "vulnwatch test standby");
    admin.exec("DROP SCHEMA " + schema);
}

TEST_CASE("a lock whose server cannot be reached throws and is not held", "[daemon][leader]") {
    // The message names the URL as configured, without the settings the lock added to it.
    const std::string url = withLockConnectionSettings("postgresql://db.example/vw");
    LeaderLock lock(
        [url]() -> Database {
            throw StoreError("database " + url + ": connection refused (test)");
        },
        "public", "vulnwatch test");
    CHECK_THROWS_AS(lock.tryAcquire(), StoreError);
    CHECK_THROWS_WITH(lock.tryAcquire(),
                      "cannot take the advisory lock: database postgresql://db.example/vw: "
                      "connection refused (test)");
    CHECK_FALSE(lock.stillHeld());
    CHECK(lock.lastError() == "database postgresql://db.example/vw: connection refused (test)");
}
