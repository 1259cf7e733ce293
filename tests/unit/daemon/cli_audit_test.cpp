// `vulnwatch audit verify|export|head` through the real command (issue 12 part 3).
#include "daemon/audit_journal.h"
#include "helpers/cli.h"
#include "store/audit.h"
#include "store/store.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <sstream>

using namespace vw;
using test::cli;
using test::tempFile;

namespace {

/// 2026-11-01T00:00:00+09:00 and the days after it.
constexpr std::int64_t kNov1 = 1793458800;
constexpr std::int64_t kDay = 86400;

/// A store with six events, two per day on 1, 2 and 3 November 2026 (JST).
std::string storeWithEvents() {
    const std::string db = tempFile("audit.db");
    auto store = Store::open(db);
    for (int i = 0; i < 6; ++i) {
        store->logEvent("ingest", "jvndb-new: event " + std::to_string(i + 1),
                        kNov1 + (i / 2) * kDay + 3600 * (i % 2 + 1));
    }
    AuditEvent decision;
    decision.kind = "decision";
    decision.at = kNov1 + 3 * kDay;
    decision.text = "Viewer 3.2 は影響なし";
    decision.actor = "psirt@example.jp";
    decision.subjects = {"CVE-2026-0001", "product:Viewer 3.2"};
    decision.details = {{"verdict", "not-affected"}};
    store->appendEvent(decision);
    return db;
}

Poco::JSON::Object::Ptr parse(const std::string& line) {
    Poco::JSON::Parser parser;
    return parser.parse(line).extract<Poco::JSON::Object::Ptr>();
}

void tamper(const std::string& db, const std::string& sql) {
    auto store = Store::open(db);
    if (store->db().isPostgres()) { // PostgreSQL's DROP TRIGGER names the table
        store->db().exec("DROP TRIGGER event_log_no_update ON event_log; "
                         "DROP TRIGGER event_log_no_delete ON event_log; "
                         "DROP TRIGGER event_log_append ON event_log");
    } else {
        store->db().exec("DROP TRIGGER event_log_no_update; DROP TRIGGER event_log_no_delete; "
                         "DROP TRIGGER event_log_append");
    }
    store->db().exec(sql);
}

} // namespace

TEST_CASE("audit verify exits 0 with the count and head of an intact chain", "[daemon][audit]") {
    const std::string db = storeWithEvents();
    const AuditHead head = Store::open(db)->auditHead();
    auto r = cli({"--db", db, "audit", "verify"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("正常") && Catch::Contains("7 件") &&
                          Catch::Contains("#7 " + head.hash));

    r = cli({"--db", db, "audit", "verify", "--lang", "en"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("the audit chain holds: 7 events, head #7 " + head.hash));

    r = cli({"--db", db, "audit", "verify", "--json", "--head", head.hash + "@7"});
    REQUIRE(r.code == kExitOk);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    const auto json = parse(r.out);
    CHECK(json->getValue<bool>("ok"));
    CHECK(json->getValue<int>("events") == 7);
    CHECK(json->getObject("head")->getValue<int>("seq") == 7);
    CHECK(json->getObject("head")->getValue<std::string>("hash") == head.hash);
    CHECK(json->getObject("recorded_head")->getValue<bool>("reached"));
    CHECK_FALSE(json->has("problem"));

    r = cli({"--db", db, "audit", "head"});
    CHECK(r.code == kExitOk);
    CHECK(r.out == auditHeadLine(head) + "\n");
}

TEST_CASE("audit verify exits 1 naming the first bad event and why", "[daemon][audit]") {
    const std::string db = storeWithEvents();
    const AuditHead head = Store::open(db)->auditHead();
    std::string problem;
    int event = 0;
    std::string says;
    std::vector<std::string> extra;
    SECTION("edited") {
        tamper(db, "UPDATE event_log SET json = replace(json, 'event 3', 'event three') "
                   "WHERE id = 3");
        problem = "edited";
        event = 3;
        says = "イベント #3 が改ざんされています";
    }
    SECTION("deleted") {
        tamper(db, "DELETE FROM event_log WHERE id = 4");
        problem = "deleted";
        event = 4;
        says = "イベント #4 が削除されています";
    }
    SECTION("swapped") {
        tamper(db, "UPDATE event_log SET id = -1 WHERE id = 2; UPDATE event_log SET id = 2 "
                   "WHERE id = 3; UPDATE event_log SET id = 3 WHERE id = -1");
        problem = "reordered";
        event = 2;
        says = "イベント #2 が直前のイベントに続いていません";
    }
    SECTION("truncated") {
        tamper(db, "DELETE FROM event_log WHERE id > 5");
        CHECK(cli({"--db", db, "audit", "verify"}).code == kExitOk); // alone it cannot tell
        extra = {"--head", head.hash + "@7"};
        problem = "truncated";
        event = 6;
        says = "#6〜#7 が失われています";
    }
    std::vector<std::string> args = {"--db", db, "audit", "verify"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = cli(args);
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.out, Catch::Contains(says) && Catch::Contains("(" + problem + ")"));

    args.push_back("--json");
    r = cli(args);
    CHECK(r.code == kExitFailure);
    const auto json = parse(r.out);
    CHECK_FALSE(json->getValue<bool>("ok"));
    CHECK(json->getValue<std::string>("problem") == problem);
    CHECK(json->getValue<int>("event") == event);
    CHECK(json->getValue<int>("events") == event - 1);
    CHECK(json->getObject("head")->getValue<int>("seq") == event - 1);
    CHECK_THAT(json->getValue<std::string>("message"), Catch::Contains(says));
}

TEST_CASE("audit verify refuses a malformed --head with a clear message", "[daemon][audit]") {
    const std::string db = storeWithEvents();
    auto r = cli({"--db", db, "audit", "verify", "--head", "12345"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("--head expects HASH or HASH@SEQ"));
    r = cli({"--db", db, "audit", "verify", "--head", std::string(64, 'a') + "@-3"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("SEQ must be an event number"));
    CHECK(cli({"--db", db, "audit", "verify", "--lang", "fr"}).code == kExitUsage);
    CHECK(cli({"--db", db, "audit"}).code == kExitUsage);
    CHECK(cli({"--db", db, "audit", "check"}).code == kExitUsage);
}

TEST_CASE("audit export writes the events of a period as JSON lines with their hashes",
          "[daemon][audit]") {
    const std::string db = storeWithEvents();
    auto r = cli({"--db", db, "audit", "export", "--since", "2026-11-02", "--json"});
    REQUIRE(r.code == kExitOk);
    std::istringstream lines(r.out);
    std::string line;
    std::vector<int> seqs;
    std::string previous;
    while (std::getline(lines, line)) {
        const auto row = parse(line);
        seqs.push_back(row->getValue<int>("seq"));
        // The event is embedded byte for byte: its hash can be recomputed from the line.
        const auto start = line.find("\"event\":") + 8;
        const std::string event = line.substr(start, line.size() - start - 1);
        CHECK(auditHash(row->getValue<std::string>("prev_hash"), event) ==
              row->getValue<std::string>("hash"));
        if (!previous.empty()) {
            CHECK(row->getValue<std::string>("prev_hash") == previous);
        }
        previous = row->getValue<std::string>("hash");
        CHECK(row->getObject("event")->getValue<int>("seq") == seqs.back());
    }
    CHECK(seqs == std::vector<int>{3, 4, 5, 6, 7});

    r = cli({"--db", db, "audit", "export", "--since", "2026-11-02", "--until", "2026-11-03",
             "--format", "jsonl"});
    CHECK(r.code == kExitOk);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
    CHECK_THAT(r.out, Catch::Contains(R"("time":"2026-11-02T01:00:00+09:00")"));
}

TEST_CASE("audit export writes a readable Japanese report", "[daemon][audit]") {
    const std::string db = storeWithEvents();
    auto r = cli({"--db", db, "audit", "export", "--since", "2026-11-03"});
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("監査証跡レポート"));
    CHECK_THAT(r.out, Catch::Contains("チェーンの検証: 正常"));
    CHECK_THAT(r.out, Catch::Contains("対象のイベント: 3 件 (#5〜#7)"));
    CHECK_THAT(r.out, Catch::Contains("#5  2026-11-03T01:00:00+09:00  取り込み (ingest)"));
    CHECK_THAT(r.out, Catch::Contains("    jvndb-new: event 5\n"));
    CHECK_THAT(r.out, Catch::Contains("#7  2026-11-04T00:00:00+09:00  判断 (decision)"));
    CHECK_THAT(r.out, Catch::Contains("    実行者: psirt@example.jp\n"));
    CHECK_THAT(r.out, Catch::Contains("    対象: CVE-2026-0001, product:Viewer 3.2\n"));
    CHECK_THAT(r.out, Catch::Contains("    詳細: verdict=not-affected\n"));
    CHECK(r.out.find("#4 ") == std::string::npos);

    r = cli({"--db", db, "audit", "export", "--since", "2026-11-03", "--lang", "en"});
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("events in the period: 3 (#5〜#7)"));
    CHECK_THAT(r.out, Catch::Contains("actor: psirt@example.jp"));

    // A broken chain is said at the top, and the command fails.
    tamper(db, "DELETE FROM event_log WHERE id = 2");
    r = cli({"--db", db, "audit", "export", "--since", "2026-11-03"});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.out, Catch::Contains("チェーンの検証: 異常") &&
                          Catch::Contains("イベント #2 が削除されています"));
}

TEST_CASE("audit export refuses a bad case number or period", "[daemon][audit]") {
    const std::string db = storeWithEvents();
    auto r = cli({"--db", db, "audit", "export", "--case", "VW-2026-0001"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("a case is named by its number"));
    CHECK(cli({"--db", db, "audit", "export", "VW-2026-0001"}).code == kExitUsage);
    r = cli({"--db", db, "audit", "export", "7"});
    CHECK(r.code == kExitFailure);
    CHECK_THAT(r.err, Catch::Contains("there is no case 7"));
    CHECK(cli({"--db", db, "audit", "export", "7", "--since", "2026-11-03"}).code == kExitUsage);
    CHECK(cli({"--db", db, "audit", "export", "7", "--case", "7"}).code == kExitUsage);
    r = cli({"--db", db, "audit", "export"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("needs --since DATE"));
    r = cli({"--db", db, "audit", "export", "--since", "yesterday"});
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("'yesterday'"));
    CHECK(cli({"--db", db, "audit", "export", "--since", "2026-11-03", "--until", "2026-11-01"})
              .code == kExitUsage);
    CHECK(cli({"--db", db, "audit", "export", "--since", "2026-11-03", "--format", "csv"}).code ==
          kExitUsage);
}
