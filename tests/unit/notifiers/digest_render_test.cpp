// The digest renderer (notifiers/digest.h): grouping by product then severity band, the
// order inside a band, one entry per vulnerability and product, both languages, the
// heartbeat, and feed text cleaned as in every message.
#include "notifiers/digest.h"

#include <catch2/catch.hpp>
#include <string>

using namespace vw;

namespace {

DigestEntry entry(const std::string& advisory, const std::string& product, double score,
                  const std::string& kind = "new") {
    DigestEntry e;
    e.kind = kind;
    e.advisory = advisory;
    e.clusterKey = advisory;
    e.title = "title " + advisory;
    e.url = "https://jvndb.jvn.jp/" + advisory;
    e.score = score;
    e.product = product;
    e.version = "1.0";
    e.component = "zlib";
    e.method = "cpe-version";
    e.verdict = "affected";
    e.confidence = 85;
    e.reason = "reason " + advisory;
    return e;
}

DigestContent content(std::vector<DigestEntry> entries) {
    DigestContent d;
    d.notifier = "mail";
    d.recipient = "a@example.jp";
    d.periodStart = "2025-04-07 08:30 JST";
    d.periodEnd = "2025-04-08 08:30 JST";
    d.idempotencyKey = digestKey("mail", "a@example.jp", 1);
    d.entries = std::move(entries);
    return d;
}

std::size_t at(const std::string& text, const std::string& what) {
    const auto position = text.find(what);
    INFO("looking for: " << what << "\nin:\n" << text);
    REQUIRE(position != std::string::npos);
    return position;
}

} // namespace

TEST_CASE("severity bands follow CVSS", "[notifiers][digest]") {
    CHECK(severityBand(10.0) == 4);
    CHECK(severityBand(9.0) == 4);
    CHECK(severityBand(8.9) == 3);
    CHECK(severityBand(7.0) == 3);
    CHECK(severityBand(6.9) == 2);
    CHECK(severityBand(4.0) == 2);
    CHECK(severityBand(3.9) == 1);
    CHECK(severityBand(0.1) == 1);
    CHECK(severityBand(0.0) == 0);
}

TEST_CASE("entries are grouped by product then band, highest first", "[notifiers][digest]") {
    const OutMessage m = renderDigest(content({
        entry("JVNDB-2025-000005", "Viewer", 5.0),
        entry("JVNDB-2025-000001", "Gateway", 0.0),
        entry("JVNDB-2025-000004", "Viewer", 9.8),
        entry("JVNDB-2025-000003", "Viewer", 6.1),
        entry("JVNDB-2025-000002", "Gateway", 7.5, "update"),
    }));
    const std::string& t = m.text;
    CHECK(m.subject == "[vulnwatch] ダイジェスト: 5 件 (2025-04-08 08:30 JST)");
    CHECK(m.notifier == "mail");
    CHECK(m.recipient == "a@example.jp");
    CHECK(m.idempotencyKey == digestKey("mail", "a@example.jp", 1));
    CHECK(at(t, "件数: 5 (新規 4, 更新 1)") > 0);
    // Gateway before Viewer; in each, the highest band first; in a band, the highest score.
    const auto gateway = at(t, "== Gateway 1.0 ==");
    const auto gwHigh = at(t, "[重要 (CVSS 7.0-8.9)]");
    const auto gw2 = at(t, "* [更新] JVNDB-2025-000002");
    const auto gwNone = at(t, "[深刻度なし (CVSS なし)]");
    const auto gw1 = at(t, "* [新規] JVNDB-2025-000001");
    const auto viewer = at(t, "== Viewer 1.0 ==");
    const auto critical = at(t, "[緊急 (CVSS 9.0-10.0)]");
    const auto v4 = at(t, "JVNDB-2025-000004");
    const auto medium = at(t, "[警告 (CVSS 4.0-6.9)]");
    const auto v3 = at(t, "JVNDB-2025-000003");
    const auto v5 = at(t, "JVNDB-2025-000005");
    CHECK(gateway < gwHigh);
    CHECK(gwHigh < gw2);
    CHECK(gw2 < gwNone);
    CHECK(gwNone < gw1);
    CHECK(gw1 < viewer);
    CHECK(viewer < critical);
    CHECK(critical < v4);
    CHECK(v4 < medium);
    CHECK(medium < v3);
    CHECK(v3 < v5);
    // Each entry: why, how confident, the link.
    CHECK(at(t, "一致の理由: reason JVNDB-2025-000004") > v4);
    CHECK(at(t, "確度: 85/100, 判定: affected") > 0);
    CHECK(at(t, "https://jvndb.jvn.jp/JVNDB-2025-000004") > v4);
    // One medium band heading in Viewer, not one per entry.
    CHECK(t.find("[警告 (CVSS 4.0-6.9)]", medium + 1) == std::string::npos);
}

TEST_CASE("news and changes of one vulnerability and product are one entry",
          "[notifiers][digest]") {
    DigestEntry update = entry("JVNDB-2025-000001", "Viewer", 9.1, "update");
    update.changes = {{"cvss", "5.0", "9.1", true}};
    DigestEntry other = entry("JVNDB-2025-000001", "Gateway", 5.0);
    const OutMessage m =
        renderDigest(content({entry("JVNDB-2025-000001", "Viewer", 5.0), update, other}));
    CHECK(m.subject.find("2 件") != std::string::npos);
    const std::string& t = m.text;
    const auto viewer = at(t, "== Viewer 1.0 ==");
    CHECK(at(t, "* [新規] JVNDB-2025-000001") > 0);
    CHECK(at(t, "前回からの変更:\n    - cvss: 5.0 -> 9.1") > viewer);
    CHECK(at(t, "[緊急 (CVSS 9.0-10.0)]") > viewer); // the latest score
}

TEST_CASE("the English digest and heartbeat", "[notifiers][digest]") {
    DigestContent d = content({entry("JVNDB-2025-000001", "Viewer", 7.2, "withdrawn")});
    d.language = "en";
    OutMessage m = renderDigest(d);
    CHECK(m.subject == "[vulnwatch] Digest: 1 item (2025-04-08 08:30 JST)");
    CHECK(at(m.text, "* [withdrawn] JVNDB-2025-000001") > at(m.text, "[High (CVSS 7.0-8.9)]"));
    CHECK(at(m.text, "Period: 2025-04-07 08:30 JST - 2025-04-08 08:30 JST") > 0);

    d.entries.clear();
    d.periodStart.clear();
    d.sources = {{"jvndb-new", "2025-04-08 08:15 JST"}, {"ipa-mail", ""}};
    m = renderDigest(d);
    CHECK(m.subject == "[vulnwatch] Digest: nothing new (2025-04-08 08:30 JST)");
    CHECK(at(m.text, "Period: since the last digest - 2025-04-08 08:30 JST") > 0);
    CHECK(at(m.text, "Nothing new matched or changed") > 0);
    CHECK(at(m.text, "  jvndb-new: 2025-04-08 08:15 JST\n  ipa-mail: never\n") > 0);
    d.language = "ja";
    m = renderDigest(d);
    CHECK(m.subject == "[vulnwatch] ダイジェスト: 新着なし (2025-04-08 08:30 JST)");
    CHECK(at(m.text, "ipa-mail: 未取得") > 0);
}

TEST_CASE("feed text in a digest is cleaned", "[notifiers][digest]") {
    DigestEntry e = entry("JVNDB-2025-000001", "Viewer", 5.0);
    e.title = "line one\nline two\x1b[31m";
    e.url = "javascript:alert(1)";
    e.reason = "why\r\nSubject: injected";
    const OutMessage m = renderDigest(content({e}));
    CHECK(m.text.find("javascript:") == std::string::npos);
    CHECK(m.text.find('\x1b') == std::string::npos);
    CHECK(at(m.text, "JVNDB-2025-000001 line one line two") > 0);
    CHECK(m.text.find("\nSubject: injected") == std::string::npos);
}

TEST_CASE("digest keys differ by owner and period and are stable", "[notifiers][digest]") {
    const auto key = digestKey("mail", "a@example.jp", 1000);
    CHECK(key.size() == std::string("digest-").size() + 16);
    CHECK(key.rfind("digest-", 0) == 0);
    CHECK(key == digestKey("mail", "a@example.jp", 1000));
    CHECK(key != digestKey("mail", "a@example.jp", 1001));
    CHECK(key != digestKey("mail", "b@example.jp", 1000));
    CHECK(key != digestKey("other", "a@example.jp", 1000));
}
