// Dovecot killed in the middle of an IMAP poll: the poll is an Error with nothing partial, the
// cursor stays, and after a restart the next poll fetches the same messages again, so every
// message lands in the store exactly once. Runs on a PRIVATE server set (its own Dovecot, ports
// and Maildir) because killing the shared Dovecot would break the tests running beside it.
#include "daemon/pipeline.h"
#include "feeds/imap_source.h"
#include "helpers/fixtures.h"
#include "helpers/imap_folder.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>

namespace {

std::string numberedMail(int n, std::size_t padding) {
    std::string body = "Test advisory " + std::to_string(n) +
                       " written for the vulnwatch IMAP crash test: CVE-2024-2" +
                       std::to_string(10000 + n) + ".\r\n";
    const std::string line = "padding padding padding padding padding padding padding\r\n";
    while (body.size() < padding) {
        body += line;
    }
    return vw::test::testMail("crash-" + std::to_string(n) + "@vwtest.example",
                              "[JVN] crash test " + std::to_string(n), body);
}

std::int64_t countRows(vw::Store& store, const std::string& sql) {
    auto statement = store.db().prepare(sql);
    REQUIRE(statement.step());
    return statement.integer(0);
}

} // namespace

TEST_CASE("Dovecot killed in the middle of a poll loses nothing and duplicates nothing",
          "[integration][imap][crash]") {
    vw::test::PrivateTestServers servers;
    const vw::test::ImapServer server = servers.imap();
    vw::test::ImapTestFolder folder(server.maildir, "crash");
    constexpr int kFirst = 10;
    constexpr int kSecond = 40;
    constexpr int kKillAfter = 7; // fetched messages of the second poll before the kill
    for (int n = 1; n <= kFirst; ++n) {
        folder.deliver(numberedMail(n, 0));
    }

    // The daemon's hook: the poll thread reports each fetched message; once armed, it stops at
    // the kKillAfter-th until the main thread has killed Dovecot.
    std::mutex mutex;
    std::condition_variable changed;
    bool armed = false;
    int fetched = 0;
    bool killed = false;
    vw::ImapSourceOptions options;
    options.connection = server.connection(folder.name());
    options.afterProcessing = "leave";
    options.log = [&](std::string_view, const std::string& message) {
        if (message.rfind("fetched UID", 0) != 0) {
            return;
        }
        std::unique_lock<std::mutex> lock(mutex);
        if (!armed) {
            return;
        }
        if (++fetched == kKillAfter) {
            changed.notify_all();
            changed.wait(lock, [&] { return killed; });
        }
    };
    vw::ImapSource source("crash-test", options);
    auto store = vw::Store::inMemory();
    const auto pollAndIngest = [&](std::int64_t now) {
        vw::SourceState state;
        state.cursor = store->sourceState("crash-test").cursor;
        vw::PollOutcome outcome = source.poll(state);
        if (outcome.kind == vw::PollOutcome::Kind::Records) {
            vw::SourceStateRow row;
            row.cursor = outcome.state.cursor;
            vw::ingestBatch(*store, {}, "crash-test", outcome.result, now, row);
            source.afterCommit(outcome);
        }
        return outcome;
    };

    const vw::PollOutcome first = pollAndIngest(1000);
    INFO(first.error);
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(first.result.records.size() == kFirst);
    const std::string cursorBefore = store->sourceState("crash-test").cursor;

    for (int n = kFirst + 1; n <= kFirst + kSecond; ++n) {
        folder.deliver(numberedMail(n, 200 * 1024));
    }
    {
        std::lock_guard<std::mutex> lock(mutex);
        armed = true;
    }
    auto polling = std::async(std::launch::async, [&] { return pollAndIngest(2000); });
    {
        std::unique_lock<std::mutex> lock(mutex);
        REQUIRE(changed.wait_for(lock, std::chrono::seconds(60),
                                 [&] { return fetched >= kKillAfter; }));
    }
    servers.killImap();
    {
        std::lock_guard<std::mutex> lock(mutex);
        killed = true;
        armed = false;
    }
    changed.notify_all();
    const vw::PollOutcome crashed = polling.get();
    INFO(crashed.error);
    CHECK(crashed.kind == vw::PollOutcome::Kind::Error);
    CHECK(crashed.result.records.empty());
    CHECK(crashed.state.cursor == cursorBefore);
    CHECK(store->sourceState("crash-test").cursor == cursorBefore);
    CHECK(countRows(*store, "SELECT COUNT(*) FROM record") == kFirst);

    servers.startImap();
    const vw::PollOutcome resumed = pollAndIngest(3000);
    INFO(resumed.error);
    REQUIRE(resumed.kind == vw::PollOutcome::Kind::Records);
    CHECK(resumed.result.records.size() == kSecond);
    CHECK(resumed.result.problems.empty());

    const vw::PollOutcome idle = pollAndIngest(4000);
    CHECK(idle.kind == vw::PollOutcome::Kind::NotModified);

    CHECK(countRows(*store, "SELECT COUNT(*) FROM record") == kFirst + kSecond);
    CHECK(countRows(*store, "SELECT COUNT(DISTINCT record_id) FROM record") == kFirst + kSecond);
    CHECK(countRows(*store, "SELECT COUNT(*) FROM record WHERE record_id LIKE 'crash-%'") ==
          kFirst + kSecond);

    // after_processing = leave: even the messages the killed poll had fetched (and so marked
    // \Seen) are unseen again
    vw::ImapSession session(server.connection(folder.name()));
    const auto infos = session.messageInfo(session.searchFrom(1));
    CHECK(infos.size() == static_cast<std::size_t>(kFirst + kSecond));
    int seen = 0;
    for (const auto& [uid, info] : infos) {
        seen += info.hasFlag("\\Seen") ? 1 : 0;
    }
    CHECK(seen == 0);
}
