// The digest benchmark (issue 11, docs/performance.md "Notifications (issue 11)"): rendering
// one owner's digest of N items (target: 1,000 items in at most 100 ms) against a baseline
// measured in the same run, rendering the N immediate e-mails the same news would have been
// (renderEmail, one per match). Then the whole digest step on a store: N items recorded and
// one digest made (read, render, queue, mark covered: one transaction).
//
//   bench_digest [--items N] [--rounds R]
//
// Wall-clock milliseconds (steady_clock): the fastest and the median of R rounds.
#include "config/config.h"
#include "core/advisory.h"
#include "core/match.h"
#include "daemon/digest.h"
#include "daemon/log.h"
#include "notifiers/digest.h"
#include "notifiers/render.h"
#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace vw;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int intOption(int argc, char** argv, const char* name, int fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == name) {
            return std::atoi(argv[i + 1]);
        }
    }
    return fallback;
}

struct Timing {
    double best = 0;
    double median = 0;
};

template <class F>
Timing timed(int rounds, F&& work) {
    std::vector<double> times;
    for (int r = 0; r < rounds; ++r) {
        const auto start = Clock::now();
        work();
        times.push_back(msSince(start));
    }
    std::sort(times.begin(), times.end());
    return {times.front(), times[times.size() / 2]};
}

/// Item i: one of 20 products, scores over every band, a realistic title and reason.
Advisory advisoryOf(int i) {
    Advisory a;
    a.source = "vuldef";
    char id[32];
    std::snprintf(id, sizeof id, "JVNDB-2025-%06d", i);
    a.id = id;
    a.aliases = {"CVE-2025-" + std::to_string(10000 + i)};
    a.title = "製品 " + std::to_string(i % 20) +
              " で使われている OpenSSL における境界外書き込み"
              "の脆弱性 (out-of-bounds write)";
    a.summary = "細工されたデータを処理することで、サービス運用妨害 (DoS) 状態にされる可能性が"
                "あります。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2025/" + a.id + ".html";
    a.cvss = {{"3.1", static_cast<double>(i % 100) / 10.0, "High",
               "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}};
    a.cpes = {"cpe:/a:openssl:openssl"};
    return a;
}

Match matchOf(const Advisory& a, int i) {
    Match m;
    m.advisory = a.id;
    m.aliases = a.aliases;
    m.product = "Device " + std::to_string(i % 20);
    m.version = std::to_string(1 + i % 3) + ".0";
    m.component = "openssl";
    m.componentVersion = "1.1.1k";
    m.confidence = 60 + i % 40;
    m.method = "cpe-version";
    m.verdict = "affected";
    m.reason = "CPE cpe:/a:openssl:openssl matches component openssl "
               "(cpe:2.3:a:openssl:openssl:1.1.1k) and 1.1.1k is in 「1.1.1 から 1.1.1t まで」";
    return m;
}

DigestEntry entryOf(const Advisory& a, const Match& m) {
    DigestEntry e;
    e.advisory = a.id;
    e.clusterKey = a.id;
    e.title = a.title;
    e.url = a.url;
    e.score = a.maxScore();
    e.product = m.product;
    e.version = m.version;
    e.component = m.component;
    e.method = m.method;
    e.verdict = m.verdict;
    e.confidence = m.confidence;
    e.reason = m.reason;
    return e;
}

} // namespace

int main(int argc, char** argv) {
    log::setLevel(log::Level::Warning);
    const int items = std::max(1, intOption(argc, argv, "--items", 1000));
    const int rounds = std::max(1, intOption(argc, argv, "--rounds", 15));
    std::vector<Advisory> advisories;
    std::vector<Match> matches;
    DigestContent digest;
    digest.notifier = "mail";
    digest.recipient = "owner@example.jp";
    digest.periodStart = "2025-04-07 08:30 JST";
    digest.periodEnd = "2025-04-08 08:30 JST";
    digest.idempotencyKey = digestKey("mail", "owner@example.jp", 0);
    digest.auditHead = "audit head 1234 " + std::string(64, 'a');
    for (int i = 0; i < items; ++i) {
        advisories.push_back(advisoryOf(i));
        matches.push_back(matchOf(advisories.back(), i));
        digest.entries.push_back(entryOf(advisories.back(), matches.back()));
    }

    std::size_t bytes = 0;
    const Timing baseline = timed(rounds, [&] {
        std::size_t total = 0;
        for (int i = 0; i < items; ++i) {
            const OutMessage m = renderEmail(advisories[static_cast<std::size_t>(i)],
                                             matches[static_cast<std::size_t>(i)], "mail",
                                             "owner@example.jp", advisories[i].id);
            total += m.text.size();
        }
        bytes = total;
    });
    std::printf("baseline: %d immediate e-mails rendered (renderEmail): best %.1f ms, median "
                "%.1f ms (%zu bytes of text)\n",
                items, baseline.best, baseline.median, bytes);
    std::size_t htmlBytes = 0;
    const Timing render = timed(rounds, [&] {
        const OutMessage m = renderDigest(digest);
        bytes = m.text.size();
        htmlBytes = m.html.size();
    });
    std::printf("digest:   one digest of %d items rendered (renderDigest, text and HTML): best "
                "%.1f ms, median %.1f ms (%zu bytes of text, %zu of HTML); target <= 100 ms; "
                "%.2fx the baseline\n",
                items, render.best, render.median, bytes, htmlBytes,
                render.median / baseline.median);

    // The whole step on an in-memory store: items recorded, then one digest made.
    const Config config = parseConfig("[notifier.mail]\ntype = email\nsmtp = smtp://127.0.0.1\n"
                                      "from = vw@example.jp\nmode = digest\n",
                                      "bench.conf");
    double record = 0;
    const Timing make = timed(rounds, [&] {
        auto store = Store::inMemory();
        const auto start = Clock::now();
        {
            Store::Transaction tx(*store);
            const NotifierConfig& mail = config.notifiers.front();
            for (int i = 0; i < items; ++i) {
                const RouteTarget target{&mail, "owner@example.jp", true, "ja"};
                store->addDigestItem(digestItemFor(advisories[static_cast<std::size_t>(i)],
                                                   matches[static_cast<std::size_t>(i)], target,
                                                   advisories[i].id, nullptr, {}, 1000));
            }
            tx.commit();
        }
        record = msSince(start);
        DigestOptions now;
        now.force = true;
        if (makeDueDigests(*store, config, 2000, now).size() != 1) {
            std::fprintf(stderr, "bench_digest: no digest was made\n");
            std::exit(1);
        }
    });
    std::printf("store:    %d items recorded in one transaction %.1f ms (last round); recording "
                "and making the digest (read, render, queue, mark): best %.1f ms, median %.1f "
                "ms\n",
                items, record, make.best, make.median);
    return 0;
}
