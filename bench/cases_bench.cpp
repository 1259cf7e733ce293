// Case benchmark (issue 12; docs/performance.md "Cases (issue 12)"): a case transition (target
// ≤ 5 ms) on a store with many cases and a long audit chain, against a baseline measured in the
// same run: the floor any transition pays, one audit event appended and one row updated in a
// transaction of its own. Also the cost of opening cases in bulk (the case-open events a match
// writes), per case.
//
//   bench_cases [CASES] [TRANSITIONS]   defaults 20000 and 2000; a temporary store in /tmp
#include "core/calendar.h"
#include "daemon/cases.h"
#include "store/cases.h"
#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    const int cases = argc > 1 ? std::atoi(argv[1]) : 20000;
    const int transitions = argc > 2 ? std::atoi(argv[2]) : 2000;
    if (cases <= 0 || transitions <= 0) {
        std::fprintf(stderr, "usage: bench_cases [CASES] [TRANSITIONS]\n");
        return 2;
    }
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("vw-cases-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "cases.db").string();
    {
        auto store = vw::Store::open(path);
        vw::Product p;
        p.name = "医用画像ビューア";
        p.version = "3.2";
        store->putProduct(p, 1);
        const vw::Routing routing;
        const std::int64_t now = vw::jstTime(vw::Date{2026, 11, 20}, 10 * 3600);

        // Opening: one case-open event and row each, as a match writes them (no cluster: the
        // SSVC look-ups of a matched case are measured by the transitions below).
        auto start = Clock::now();
        {
            vw::Store::Transaction tx(*store);
            for (int i = 0; i < cases; ++i) {
                vw::CaseChange change;
                change.kind = std::string(vw::kCaseOpen);
                change.actor = "daemon";
                change.text = "case opened for 医用画像ビューア 3.2 by JVNDB-2026-" +
                              std::to_string(100000 + i) + " (affected, High)";
                change.subjects = {"JVNDB-2026-" + std::to_string(100000 + i)};
                change.details = {{"cluster_key", "JVNDB-2026-" + std::to_string(100000 + i)},
                                  {"product", p.name},
                                  {"version", p.version},
                                  {"title", "ベンチマーク用の脆弱性 " + std::to_string(i)},
                                  {"origin", "match"},
                                  {"state", "received"},
                                  {"severity", "High"},
                                  {"received_at", std::to_string(now)},
                                  {"decide_due", std::to_string(now + 7 * 86400)},
                                  {"inform_due", std::to_string(now + 30 * 86400)},
                                  {"fix_due", std::to_string(now + 60 * 86400)},
                                  {"components", "log4j-core@2.14.1"}};
                vw::recordCaseChange(*store, 0, change, now);
            }
            tx.commit();
        }
        const double open = secondsSince(start);

        // Baseline: an event and a row update, each in its own transaction.
        std::vector<double> base;
        for (int i = 0; i < transitions; ++i) {
            const auto t0 = Clock::now();
            vw::Store::Transaction tx(*store);
            vw::AuditEvent event;
            event.kind = "bench";
            event.at = now;
            event.text = "baseline " + std::to_string(i);
            store->appendEvent(event);
            auto q = store->db().prepare("UPDATE vcase SET updated_at = ?1 WHERE id = ?2");
            q.bind(1, now + i).bind(2, static_cast<std::int64_t>(1 + i % cases)).run();
            tx.commit();
            base.push_back(secondsSince(t0));
        }

        // Transitions: received -> false_positive -> received (a re-open recomputes the clocks
        // on the business calendar) on cases spread over the table.
        std::vector<double> took;
        for (int i = 0; i < transitions; ++i) {
            const std::int64_t id = 1 + (static_cast<std::int64_t>(i) * 7919) % cases;
            const auto c = vw::caseById(*store, id);
            const bool reopen = c->state != vw::CaseState::Received;
            const auto t0 = Clock::now();
            vw::transitionCase(*store, routing, id,
                               reopen ? vw::CaseState::Received : vw::CaseState::FalsePositive,
                               "佐藤", {{"reason", "bench " + std::to_string(i)}}, now + i);
            took.push_back(secondsSince(t0));
        }
        const auto median = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        };
        const auto p99 = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v[std::min(v.size() - 1, v.size() * 99 / 100)];
        };
        const double b = median(base);
        const double tm = median(took);
        std::printf("cases %d, audit events %lld\n", cases,
                    static_cast<long long>(store->auditHead().seq));
        std::printf("open (in one transaction)   %.1f us a case\n", open / cases * 1e6);
        std::printf("baseline (event + update)   median %.3f ms, p99 %.3f ms\n", b * 1e3,
                    p99(base) * 1e3);
        std::printf("transition                  median %.3f ms, p99 %.3f ms  (%.1fx baseline; "
                    "target <= 5 ms)\n",
                    tm * 1e3, p99(took) * 1e3, tm / b);
    }
    std::filesystem::remove_all(dir);
    return 0;
}
