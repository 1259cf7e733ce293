// The matching benchmark (issue 10, DESIGN.md "Non-functional targets"; run by
// bench/run_match.sh): where the time of matching stored and new advisories against a product
// registry goes, and how it grows with the registry. Links the project's libraries and calls
// what the daemon calls (ProductMatcher, rematchStored, ingestBatch) on a copy of a database
// filled by `vulnwatch import`. Times are wall clock (steady_clock), in milliseconds.
//
//   bench_match breakdown DB REGISTRY.json... [--sample N] [--repeat R] [--build-only 1]
//       Read only. Per registry: building the ProductMatcher (best of R); the re-match's candidate
//       look-ups (record_cpe pass, record_text keyword queries); reading and parsing the
//       candidates' JSON; matching them (what rematchStored does before it writes); and the
//       matching of a fixed sample of N stored records (evenly spread over the row ids, parsed
//       beforehand), the per-advisory cost independent of the registry's hits. --build-only 1:
//       the build time alone (for profiling it).
//   bench_match rematch DB REGISTRY.json
//       Writes DB: registers the products (one transaction, as `products import`), then
//       rematchStored with an e-mail and a webhook notifier configured (what the daemon does
//       when the registry changes; matches are recorded and messages queued).
//   bench_match poll EMPTY_DB REGISTRY_DB [--rounds R] [--batch N]
//       Writes both: R rounds of ingestBatch of the same N new records (stored VULDEF records
//       read from EMPTY_DB with fresh JVNDB/CVE ids each round) on EMPTY_DB (no products: the
//       baseline) and then on REGISTRY_DB (products registered), alternating; prints the
//       fastest and the median of each, and on REGISTRY_DB the parts a poll pays for the
//       registry: Store::products() and building the ProductMatcher; and, as a prototype of
//       keeping the matcher between polls, the same work as ingestBatch for new records with a
//       ProductMatcher built once beforehand (other fresh ids, on REGISTRY_DB).
#include "core/match.h"
#include "core/product.h"
#include "daemon/json_read.h"
#include "daemon/log.h"
#include "daemon/pipeline.h"
#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace vw;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// CPU time of the process so far, in milliseconds (on a shared machine the wall time also
/// holds the waits for a core).
double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "bench_match: cannot read %s\n", path.c_str());
        std::exit(1);
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<Product> registryOf(const std::string& path) {
    return activeVersions(productsFromJson(readFile(path)));
}

std::size_t componentCount(const std::vector<Product>& products) {
    std::size_t n = 0;
    for (const auto& p : products) {
        n += p.components.size();
    }
    return n;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

std::vector<NotifierConfig> benchNotifiers() {
    NotifierConfig mail;
    mail.name = "mail";
    mail.type = "email";
    mail.to = {"psirt@example.jp"};
    NotifierConfig hook;
    hook.name = "hook";
    hook.type = "webhook";
    return {mail, hook};
}

// Options after the positional arguments: --name VALUE.
int intOption(int argc, char** argv, const char* name, int fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == name) {
            return std::atoi(argv[i + 1]);
        }
    }
    return fallback;
}

std::vector<std::string> positional(int argc, char** argv, int from) {
    std::vector<std::string> out;
    for (int i = from; i < argc; ++i) {
        if (std::string(argv[i]).rfind("--", 0) == 0) {
            ++i;
            continue;
        }
        out.emplace_back(argv[i]);
    }
    return out;
}

/// `count` stored record ids spread evenly over the table (all of them when it has fewer).
std::vector<std::int64_t> sampleIds(Store& store, int count, const char* where = "") {
    std::vector<std::int64_t> all;
    Statement q =
        store.db().prepare(std::string("SELECT id FROM record ") + where + " ORDER BY id");
    while (q.step()) {
        all.push_back(q.integer(0));
    }
    if (count <= 0 || static_cast<std::size_t>(count) >= all.size()) {
        return all;
    }
    std::vector<std::int64_t> out;
    const double step = static_cast<double>(all.size()) / count;
    for (int i = 0; i < count; ++i) {
        out.push_back(all[static_cast<std::size_t>(i * step)]);
    }
    return out;
}

int breakdown(int argc, char** argv) {
    const auto args = positional(argc, argv, 2);
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: bench_match breakdown DB REGISTRY.json... [--sample N]\n");
        return 2;
    }
    const int sampleSize = intOption(argc, argv, "--sample", 20000);
    const int repeat = std::max(1, intOption(argc, argv, "--repeat", 3));
    const bool buildOnly = intOption(argc, argv, "--build-only", 0) != 0;
    auto store = Store::open(args[0]);
    Store::ReadTransaction read(*store);

    // The fixed sample: parsed once, matched against every registry.
    std::vector<Advisory> sample;
    for (const std::int64_t id : sampleIds(*store, buildOnly ? 1 : sampleSize)) {
        if (const auto stored = store->record(id)) {
            sample.push_back(advisoryFromJson(stored->json));
        }
    }
    std::printf("sample: %zu stored records, evenly spread\n", sample.size());
    std::printf("%-10s %6s %9s %9s %9s %9s %8s %9s %9s %9s %9s %10s %9s %9s %9s\n", "components",
                "pairs", "build_ms", "cpe_q_ms", "forms_ms", "text_q_ms", "forms", "cands",
                "read_ms", "match_ms", "matches", "us/cand", "smpl_ms", "us/adv", "us/nohit");
    // Every registry's matcher first: the sample's records that none of them matches are the
    // same set for each (the cost of looking alone, compared across registry sizes).
    std::vector<std::vector<Product>> registries;
    std::vector<std::unique_ptr<ProductMatcher>> matchers;
    std::vector<double> builds;
    for (std::size_t r = 1; r < args.size(); ++r) {
        registries.push_back(registryOf(args[r]));
        double build = 1e18;
        for (int i = 0; i < repeat; ++i) {
            const auto t = Clock::now();
            auto m = std::make_unique<ProductMatcher>(registries.back());
            build = std::min(build, msSince(t));
            if (i + 1 == repeat) {
                matchers.push_back(std::move(m));
            }
        }
        builds.push_back(build);
    }
    std::vector<const Advisory*> noHit;
    for (const auto& a : sample) {
        bool hit = false;
        for (const auto& m : matchers) {
            hit = hit || !m->match(a).empty();
        }
        if (!hit) {
            noHit.push_back(&a);
        }
    }
    static volatile std::size_t sink = 0; // keeps the timed loops
    (void)sink;
    for (std::size_t r = 1; r < args.size(); ++r) {
        const std::vector<Product>& products = registries[r - 1];
        const ProductMatcher* matcher = matchers[r - 1].get();
        const double build = builds[r - 1];
        if (buildOnly) {
            std::printf("%-10zu build %.1f ms (best of %d)\n", componentCount(products), build,
                        repeat);
            continue;
        }
        // The candidate look-ups of rematchStored.
        auto t = Clock::now();
        std::vector<std::string> anyVendor = matcher->anyVendorProducts();
        for (auto& name : matcher->nameProducts()) {
            anyVendor.push_back(std::move(name));
        }
        std::vector<std::pair<std::string, std::string>> pairs = matcher->vendorProducts();
        for (auto& pair : matcher->nameVendorProducts()) {
            pairs.push_back(std::move(pair));
        }
        std::vector<std::int64_t> candidates = store->recordsNamingCpes(pairs, anyVendor);
        const double cpeQuery = msSince(t);
        t = Clock::now();
        const auto forms = matcher->keywordSearchForms();
        const double formsMs = msSince(t);
        t = Clock::now();
        const std::vector<std::int64_t> byKeyword = store->recordsWithText(forms);
        const double textQuery = msSince(t);
        candidates.insert(candidates.end(), byKeyword.begin(), byKeyword.end());
        std::sort(candidates.begin(), candidates.end());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        // Reading and parsing them, then matching them: separately timed.
        t = Clock::now();
        std::vector<Advisory> advisories;
        advisories.reserve(candidates.size());
        for (const std::int64_t id : candidates) {
            if (const auto stored = store->record(id)) {
                advisories.push_back(advisoryFromJson(stored->json));
            }
        }
        const double readParse = msSince(t);
        t = Clock::now();
        std::size_t matches = 0;
        for (const auto& a : advisories) {
            matches += matcher->match(a).size();
        }
        const double match = msSince(t);
        advisories.clear();
        advisories.shrink_to_fit();
        // The fixed sample (best of `repeat`); then its records no registry matches, on their
        // own: the cost of looking, without the cost of building matches.
        double sampleMs = 1e18;
        std::size_t sampleMatches = 0;
        for (int i = 0; i < repeat; ++i) {
            t = Clock::now();
            std::size_t n = 0;
            for (const auto& a : sample) {
                n += matcher->match(a).size();
            }
            sampleMs = std::min(sampleMs, msSince(t));
            sampleMatches = n;
        }
        double noHitMs = 1e18;
        for (int i = 0; i < repeat; ++i) {
            t = Clock::now();
            std::size_t n = 0;
            for (const Advisory* a : noHit) {
                n += matcher->match(*a).size();
            }
            noHitMs = std::min(noHitMs, msSince(t));
            sink = n;
        }
        std::printf("%-10zu %6zu %9.1f %9.1f %9.1f %9.1f %8zu %9zu %9.1f %9.1f %9zu %10.2f %9.1f "
                    "%9.3f %9.3f\n",
                    componentCount(products), pairs.size(), build, cpeQuery, formsMs, textQuery,
                    forms.size(), candidates.size(), readParse, match, matches,
                    candidates.empty() ? 0.0 : 1000.0 * match / candidates.size(), sampleMs,
                    sample.empty() ? 0.0 : 1000.0 * sampleMs / sample.size(),
                    noHit.empty() ? 0.0 : 1000.0 * noHitMs / noHit.size());
        std::printf("  (%s: %zu products; sample: %zu matches; us/nohit: the sample's %zu "
                    "records no registry matches)\n",
                    args[r].c_str(), products.size(), sampleMatches, noHit.size());
        std::fflush(stdout);
    }
    return 0;
}

int rematch(int argc, char** argv) {
    const auto args = positional(argc, argv, 2);
    if (args.size() != 2) {
        std::fprintf(stderr, "usage: bench_match rematch DB REGISTRY.json\n");
        return 2;
    }
    const auto registered = productsFromJson(readFile(args[1]));
    auto store = Store::open(args[0]);
    const std::int64_t now = 1800000000;
    auto t = Clock::now();
    {
        Store::Transaction tx(*store);
        for (const auto& p : registered) {
            store->putProduct(p, now);
        }
        tx.commit();
    }
    const double put = msSince(t);
    t = Clock::now();
    const std::vector<Product> products = store->products();
    const double read = msSince(t);
    t = Clock::now();
    const IngestStats s = rematchStored(*store, benchNotifiers(), products, now);
    const double match = msSince(t);
    std::printf("rematch: %zu components; register %.1f ms, read registry %.1f ms, rematchStored "
                "%.1f ms: %d records read, %d new matches (%d not affected), %d messages queued\n",
                componentCount(products), put, read, match, s.records, s.newMatches, s.notAffected,
                s.enqueued);
    return 0;
}

/// The records of a poll: `n` stored VULDEF records, parsed, with the vulnerability ids of
/// round `round` (new JVNDB and CVE ids; advisory ids such as JVNVU# kept, so some join stored
/// advisories as new entries do).
std::vector<Advisory> pollRecords(const std::vector<Advisory>& templates, int round) {
    std::vector<Advisory> out = templates;
    for (std::size_t i = 0; i < out.size(); ++i) {
        char id[64];
        std::snprintf(id, sizeof id, "JVNDB-2099-%06d", round * 1000 + static_cast<int>(i));
        char cve[64];
        std::snprintf(cve, sizeof cve, "CVE-2099-%06d", round * 1000 + static_cast<int>(i));
        Advisory& a = out[i];
        a.id = id;
        std::vector<std::string> aliases;
        for (const auto& alias : a.aliases) {
            if (alias.rfind("CVE-", 0) != 0 && alias.rfind("JVNDB-", 0) != 0) {
                aliases.push_back(alias);
            }
        }
        aliases.emplace_back(cve);
        std::sort(aliases.begin(), aliases.end());
        a.aliases = aliases;
    }
    return out;
}

/// What ingestBatch does for a batch of NEW records (no revisions to classify), with a matcher
/// built beforehand instead of per batch: the prototype of keeping the matcher between polls.
IngestStats cachedBatch(Store& store, const Routing& notifiers, const ParseResult& batch,
                        const std::vector<Product>& products, const ProductMatcher& matcher,
                        std::int64_t now) {
    IngestStats stats;
    Store::Transaction tx(store);
    store.db().exec("PRAGMA defer_foreign_keys = ON");
    for (const Advisory& advisory : batch.records) {
        const UpsertOutcome up =
            store.upsertRecord("jvndb-new", advisory, now, Store::Savepoint::Skip);
        ++stats.records;
        if (!up.isNew && !up.changed) {
            continue;
        }
        for (const std::int64_t cluster : up.clusters) {
            recordMatches(store, notifiers, matcher, products, cluster, advisory, now, stats);
        }
    }
    store.logEvent("ingest", "jvndb-new: bench", now);
    tx.commit();
    return stats;
}

int poll(int argc, char** argv) {
    const auto args = positional(argc, argv, 2);
    if (args.size() != 2) {
        std::fprintf(stderr, "usage: bench_match poll EMPTY_DB REGISTRY_DB [--rounds R]\n");
        return 2;
    }
    const int rounds = std::max(1, intOption(argc, argv, "--rounds", 15));
    const int batchSize = std::max(1, intOption(argc, argv, "--batch", 100));
    auto empty = Store::open(args[0]);
    auto registry = Store::open(args[1]);
    std::vector<Advisory> templates;
    {
        Store::ReadTransaction read(*empty);
        for (const std::int64_t id : sampleIds(*empty, batchSize, "WHERE source = 'vuldef'")) {
            if (const auto stored = empty->record(id)) {
                templates.push_back(advisoryFromJson(stored->json));
            }
        }
    }
    const Routing notifiers(benchNotifiers());
    // The prototype of a matcher kept between polls (not rebuilt per batch): built once here,
    // used by cachedBatch() below.
    const std::vector<Product> cachedProducts = registry->products();
    const ProductMatcher cachedMatcher(cachedProducts);
    std::vector<double> cachedMs;
    std::vector<double> cachedCpu;
    IngestStats cachedLast;
    std::vector<double> emptyMs;
    std::vector<double> registryMs;
    std::vector<double> emptyCpu;
    std::vector<double> registryCpu;
    std::vector<double> productsMs;
    std::vector<double> buildMs;
    IngestStats last;
    for (int round = 0; round < rounds; ++round) {
        ParseResult batch;
        batch.records = pollRecords(templates, round);
        const std::int64_t now = 1800000000 + round;
        auto t = Clock::now();
        double c = cpuMs();
        ingestBatch(*empty, notifiers, "jvndb-new", batch, now);
        emptyMs.push_back(msSince(t));
        emptyCpu.push_back(cpuMs() - c);
        t = Clock::now();
        c = cpuMs();
        last = ingestBatch(*registry, notifiers, "jvndb-new", batch, now);
        registryMs.push_back(msSince(t));
        registryCpu.push_back(cpuMs() - c);
        // The same batch (other ids) as ingestBatch stores new records, with the kept matcher.
        ParseResult other;
        other.records = pollRecords(templates, 500 + round);
        t = Clock::now();
        c = cpuMs();
        cachedLast = cachedBatch(*registry, notifiers, other, cachedProducts, cachedMatcher, now);
        cachedMs.push_back(msSince(t));
        cachedCpu.push_back(cpuMs() - c);
        // What ingestBatch pays for the registry, timed on its own.
        t = Clock::now();
        const std::vector<Product> products = registry->products();
        productsMs.push_back(msSince(t));
        t = Clock::now();
        const ProductMatcher matcher(products);
        buildMs.push_back(msSince(t));
    }
    const auto best = [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
    };
    std::printf("poll: %d rounds of ingestBatch of %zu new records (one transaction each)\n",
                rounds, templates.size());
    std::printf("  empty registry:     fastest %7.2f ms, median %7.2f ms (CPU fastest %.2f ms, "
                "median %.2f ms)\n",
                best(emptyMs), median(emptyMs), best(emptyCpu), median(emptyCpu));
    std::printf("  with the registry:  fastest %7.2f ms, median %7.2f ms (CPU fastest %.2f ms, "
                "median %.2f ms; last round: %d new matches, %d not affected, %d messages)\n",
                best(registryMs), median(registryMs), best(registryCpu), median(registryCpu),
                last.newMatches, last.notAffected, last.enqueued);
    std::printf(
        "  matcher kept (prototype): fastest %7.2f ms, median %7.2f ms (CPU fastest %.2f ms, "
        "median %.2f ms; last round: %d new matches, %d messages)\n",
        best(cachedMs), median(cachedMs), best(cachedCpu), median(cachedCpu), cachedLast.newMatches,
        cachedLast.enqueued);
    std::printf("  of which Store::products() fastest %.2f ms (median %.2f), ProductMatcher "
                "build fastest %.2f ms (median %.2f)\n",
                best(productsMs), median(productsMs), best(buildMs), median(buildMs));
    std::printf("RESULT poll %.3f %.3f %.3f %.3f %.3f %.3f %d %.3f %.3f %.3f %.3f\n", best(emptyMs),
                median(emptyMs), best(registryMs), median(registryMs), best(productsMs),
                best(buildMs), last.newMatches, best(emptyCpu), best(registryCpu), best(cachedMs),
                median(cachedMs));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    log::setLevel(log::Level::Warning);
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "breakdown") {
            return breakdown(argc, argv);
        }
        if (command == "rematch") {
            return rematch(argc, argv);
        }
        if (command == "poll") {
            return poll(argc, argv);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_match: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr,
                 "usage: bench_match breakdown|rematch|poll ... (see bench/match_bench.cpp)\n");
    return 2;
}
