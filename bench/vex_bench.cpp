// VEX export benchmark (issue 14 part 3; docs/performance.md "VEX export (issue 14)"): the
// export of a product version with 1,000 components and 500 cases (target ≤ 1 s), each case
// about its own vulnerability (a cluster with a JVN iPedia record: CVE, JVN ids, CVSS v3) and
// moved through the procedure to every kind of status, on a store with an audit chain of those
// cases' events and an unrelated history. Against a floor measured in the same run: reading the
// same rows (cases, their events, the records' JSON, the components) with plain queries.
//
//   bench_vex [COMPONENTS] [CASES] [RUNS]   defaults 1000, 500 and 5; a temporary store in /tmp
#include "core/vex.h"
#include "daemon/vex_export.h"
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

vw::Advisory advisory(int i) {
    vw::Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2025-" + std::to_string(100000 + i);
    a.aliases = {"CVE-2025-" + std::to_string(10000 + i), "JVNVU#" + std::to_string(90000000 + i)};
    a.title = "ベンチマーク用の脆弱性 " + std::to_string(i);
    a.summary = "ベンチマーク用の要約です。コンポーネント lib" + std::to_string(i) + " の脆弱性。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2025/" + a.id + ".html";
    a.cvss = {{"3.0", 7.5, "High", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}};
    a.cpes = {"cpe:/a:example:lib" + std::to_string(i)};
    return a;
}

} // namespace

int main(int argc, char** argv) {
    const int components = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int cases = argc > 2 ? std::atoi(argv[2]) : 500;
    const int runs = argc > 3 ? std::atoi(argv[3]) : 5;
    if (components <= 0 || cases <= 0 || runs <= 0) {
        std::fprintf(stderr, "usage: bench_vex [COMPONENTS] [CASES] [RUNS]\n");
        return 2;
    }
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("vw-vex-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "vex.db").string();
    const std::string product = "医用画像ビューア";
    {
        auto store = vw::Store::open(path);
        const std::int64_t now = 1790000000;
        auto start = Clock::now();
        vw::RegisteredProduct p;
        p.name = product;
        vw::ProductVersion v;
        v.version = "3.2";
        for (int i = 0; i < components; ++i) {
            vw::Component c;
            c.vendor = "example";
            c.name = "lib" + std::to_string(i);
            c.version = "1." + std::to_string(i % 10);
            c.cpes = {"cpe:2.3:a:example:lib" + std::to_string(i) + ":" + c.version +
                      ":*:*:*:*:*:*:*"};
            c.purl = "pkg:npm/lib" + std::to_string(i) + "@" + c.version;
            v.components.push_back(c);
        }
        p.versions = {v};
        store->putProduct(p, now);
        {
            vw::Store::Transaction tx(*store);
            // An unrelated history in the audit chain: other products' events.
            for (int i = 0; i < 20 * cases; ++i) {
                store->logEvent("ingest", "bench filler " + std::to_string(i), now);
            }
            static const char* const paths[][5] = {
                {"received", nullptr},
                {"confirming", "evaluating", nullptr},
                {"confirming", "evaluating", "not_affected", nullptr},
                {"confirming", "evaluating", "responding", nullptr},
                {"confirming", "evaluating", "responding", "informing", "closed"},
                {"false_positive", nullptr},
            };
            for (int i = 0; i < cases; ++i) {
                const vw::UpsertOutcome up = store->upsertRecord("bench", advisory(i), now);
                vw::CaseChange open;
                open.kind = std::string(vw::kCaseOpen);
                open.actor = "daemon";
                open.text = "case opened for " + product + " 3.2";
                const std::string key = store->clusterKey(up.clusterId);
                open.details = {{"cluster_id", std::to_string(up.clusterId)},
                                {"cluster_key", key},
                                {"product", product},
                                {"version", "3.2"},
                                {"title", "ベンチマーク用の脆弱性 " + std::to_string(i)},
                                {"origin", "match"},
                                {"state", "received"},
                                {"severity", "High"},
                                {"received_at", std::to_string(now)},
                                {"components", "lib" + std::to_string(i % components) + "@1." +
                                                   std::to_string((i % components) % 10)}};
                const vw::Case c = vw::recordCaseChange(*store, 0, open, now + i);
                for (const char* state : paths[i % 6]) {
                    if (state == nullptr || std::string(state) == "received") {
                        break;
                    }
                    vw::CaseChange t;
                    t.kind = std::string(vw::kCaseTransition);
                    t.actor = "bench";
                    t.text = "case " + std::to_string(c.id) + " -> " + state;
                    t.details = {{"state", state},
                                 {"f.action", "fix"},
                                 {"f.target_version", "3.3"},
                                 {"f.remedy", "3.3 に更新してください"},
                                 {"f.fixed_version", "3.3"},
                                 {"f.justification", "component_not_present"},
                                 {"f.impact", "含まれていません"},
                                 {"f.reason", "別製品"}};
                    vw::recordCaseChange(*store, c.id, t, now + cases + i);
                }
            }
            tx.commit();
        }
        std::printf("store: %d components, %d cases (%.1f s to write)\n", components, cases,
                    secondsSince(start));
    }

    auto store = vw::Store::open(path);
    vw::VexRequest request;
    request.product = product;
    request.version = "3.2";
    request.publisherName = "Example Medical K.K.";
    request.publisherNamespace = "https://psirt.example.jp/";
    double best = 1e9;
    double bestFloor = 1e9;
    double gather = 0;
    double build = 0;
    double check = 0;
    double json = 0;
    std::size_t bytes = 0;
    std::string version;
    for (int run = 0; run < runs; ++run) {
        // The floor: the same rows read with plain queries, nothing built.
        auto t0 = Clock::now();
        {
            vw::Store::ReadTransaction read(*store);
            std::size_t n = 0;
            vw::Statement q = store->db().prepare(
                "SELECT c.id, c.fields, c.components, r.json FROM vcase c "
                "JOIN record r ON r.cluster_id = c.cluster_id WHERE c.product = ?1 AND "
                "c.version = '3.2'");
            q.bind(1, product);
            while (q.step()) {
                n += q.text(1).size() + q.text(2).size() + q.text(3).size();
            }
            vw::Statement e = store->db().prepare(
                "SELECT id, at, kind, text FROM event_log WHERE json_extract(json, '$.case') = ?1");
            for (int i = 1; i <= cases; ++i) {
                e.bind(1, std::to_string(i));
                while (e.step()) {
                    n += e.text(3).size();
                }
                e.reset();
            }
            n += store->registry(true).size();
            if (n == 0) {
                std::printf("floor read nothing\n");
            }
        }
        bestFloor = std::min(bestFloor, secondsSince(t0));

        t0 = Clock::now();
        const vw::VexInput in = vw::gatherVex(*store, request);
        const auto t1 = Clock::now();
        const vw::CsafDocument doc = vw::buildVex(in);
        const auto t2 = Clock::now();
        const auto problems = vw::checkCsaf(doc);
        const auto t3 = Clock::now();
        const std::string text = vw::toJson(doc);
        const double total = secondsSince(t0);
        if (!problems.empty()) {
            std::printf("PROBLEM: %s\n", problems.front().c_str());
            return 1;
        }
        if (total < best) {
            best = total;
            gather = std::chrono::duration<double>(t1 - t0).count();
            build = std::chrono::duration<double>(t2 - t1).count();
            check = std::chrono::duration<double>(t3 - t2).count();
            json = std::chrono::duration<double>(Clock::now() - t3).count();
            bytes = text.size();
            version = doc.version;
        }
    }
    std::printf("export: %.3f s best of %d (gather %.3f, build %.3f, check %.3f, json %.3f); "
                "%zu bytes, %s revisions\n",
                best, runs, gather, build, check, json, bytes, version.c_str());
    std::printf("floor (the same rows read): %.3f s; export/floor = %.1f\n", bestFloor,
                best / bestFloor);
    std::printf("target 1 s: %.2f of it (%s)\n", best, best <= 1.0 ? "met" : "MISSED");
    std::filesystem::remove_all(dir);
    return best <= 1.0 ? 0 : 1;
}
