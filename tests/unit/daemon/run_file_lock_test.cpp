// One daemon per SQLite store (daemon/leader_lock.h, RunFileLock): the lock file beside the
// database, one holder at a time, what a standby reads of the holder, and the lock freed when
// the holding process is killed (kill -9) while the file stays.
#include "daemon/leader_lock.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using vw::RunFileLock;

namespace {

/// A fresh folder of this test alone.
std::filesystem::path freshDir() {
    char pattern[] = "/tmp/vw-run-lock-XXXXXX";
    const char* dir = ::mkdtemp(pattern);
    REQUIRE(dir != nullptr);
    return dir;
}

} // namespace

TEST_CASE("the run lock file sits beside the database", "[daemon][runlock]") {
    CHECK(vw::runLockPath("/var/lib/vulnwatch/vulnwatch.db") ==
          "/var/lib/vulnwatch/vulnwatch.db.run.lock");
    CHECK(vw::runLockPath("store.db") == "store.db.run.lock");
    CHECK_FALSE(vw::localHostName().empty());
}

TEST_CASE("one holder of the run lock at a time and the standby reads who holds it",
          "[daemon][runlock]") {
    const auto dir = freshDir();
    const std::string path = vw::runLockPath((dir / "vulnwatch.db").string());
    {
        RunFileLock first(path);
        RunFileLock second(path); // another open file: flock sees two holders, as two processes
        CHECK(std::filesystem::exists(path));
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0644);
        CHECK_FALSE(second.holder().has_value()); // an empty file: nobody recorded

        CHECK(first.tryAcquire(1795968000, "/var/lib/node_exporter/textfile/vulnwatch.prom"));
        CHECK(first.held());
        CHECK(first.tryAcquire(1795968100, "")); // held already: still true
        CHECK_FALSE(second.tryAcquire(1795968000, ""));
        CHECK_FALSE(second.held());
        const auto h = second.holder();
        REQUIRE(h.has_value());
        CHECK(h->pid == ::getpid());
        CHECK(h->host == vw::localHostName());
        CHECK(h->since == "2026-11-29T16:00:00Z");
        CHECK(h->metricsTextfile == "/var/lib/node_exporter/textfile/vulnwatch.prom");
    }
    // Both closed: the lock is free, the file stays (never removed) with the last record.
    CHECK(std::filesystem::exists(path));
    RunFileLock again(path);
    CHECK(again.tryAcquire(1795968060, ""));
    const auto h = again.holder();
    REQUIRE(h.has_value());
    CHECK(h->since == "2026-11-29T16:01:00Z");
    CHECK(h->metricsTextfile.empty()); // the record was replaced, not appended to
    std::filesystem::remove_all(dir);
}

TEST_CASE("the run lock of a process killed with SIGKILL is free at once", "[daemon][runlock]") {
    const auto dir = freshDir();
    const std::string path = vw::runLockPath((dir / "vulnwatch.db").string());
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        RunFileLock lock(path);
        const char answer = lock.tryAcquire(1795968000, "") ? 'y' : 'n';
        [[maybe_unused]] const ssize_t n = ::write(ready[1], &answer, 1);
        for (;;) {
            ::pause(); // holds the lock until killed
        }
    }
    ::close(ready[1]);
    char answer = 0;
    REQUIRE(::read(ready[0], &answer, 1) == 1);
    ::close(ready[0]);
    CHECK(answer == 'y');

    RunFileLock standby(path);
    CHECK_FALSE(standby.tryAcquire(1795968000, ""));
    const auto h = standby.holder();
    REQUIRE(h.has_value());
    CHECK(h->pid == child);

    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(standby.tryAcquire(1795968000, "")); // released by the kernel: no stale lock
    CHECK(standby.holder()->pid == ::getpid());
    std::filesystem::remove_all(dir);
}

TEST_CASE("a run lock file that cannot be created says which and why", "[daemon][runlock]") {
    try {
        RunFileLock lock("/nonexistent-folder-vw/vulnwatch.db.run.lock");
        FAIL("no error for a missing folder");
    } catch (const vw::StoreError& e) {
        const std::string what = e.what();
        CHECK(what.find("/nonexistent-folder-vw/vulnwatch.db.run.lock") != std::string::npos);
        CHECK(what.find("No such file or directory") != std::string::npos);
    }
}
