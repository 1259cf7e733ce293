// The digest renderer (notifiers/digest.h): grouping by product then severity band, the
// order inside a band, one entry per vulnerability and product, both languages, the
// heartbeat, feed text cleaned as in every message, the HTML part from the digest templates
// (escaped, links http(s) only, overridable) and the audit head.
#include "notifiers/digest.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
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

namespace {

const std::string kHead =
    "audit head 42 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) {
        ++n;
    }
    return n;
}

class TempDir {
public:
    TempDir() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                ("vw-digest-templates-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name, std::ios::binary) << text;
    }

private:
    std::filesystem::path path_;
};

} // namespace

TEST_CASE("the digest HTML groups like the text and escapes feed text", "[notifiers][digest]") {
    DigestEntry hostile = entry("JVNDB-2025-000009", "Viewer <b>", 9.8);
    hostile.title = "<script>alert(\"x\")</script> & 'quoted'";
    hostile.url = "javascript:alert(1)";
    hostile.reason = "a < b && c > d";
    DigestEntry update = entry("JVNDB-2025-000002", "Gateway", 7.5, "update");
    update.changes = {{"cvss", "5.0", "<7.5>", true}};
    DigestContent d = content({hostile, update, entry("JVNDB-2025-000003", "Gateway", 0.0)});
    d.auditHead = kHead;
    const OutMessage m = renderDigest(d);
    const std::string& h = m.html;
    REQUIRE_FALSE(h.empty());
    CHECK(at(h, "<html lang=\"ja\">") == at(h, "<!DOCTYPE html>") + 16);
    CHECK(h.find("<script") == std::string::npos);
    CHECK(h.find("javascript:") == std::string::npos);
    CHECK(at(h, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;") > 0);
    CHECK(at(h, "a &lt; b &amp;&amp; c &gt; d") > 0);
    CHECK(at(h, "Viewer &lt;b&gt; 1.0</h2>") > 0);
    CHECK(h.find("Viewer <b>") == std::string::npos);
    // Grouped as the text: Gateway (high, then none) before Viewer (critical).
    const auto gateway = at(h, ">Gateway 1.0</h2>");
    const auto high = at(h, ">重要 (CVSS 7.0-8.9)</p>");
    const auto g2 = at(h, "<strong>JVNDB-2025-000002</strong>");
    const auto none = at(h, ">深刻度なし (CVSS なし)</p>");
    const auto g3 = at(h, "<strong>JVNDB-2025-000003</strong>");
    const auto viewer = at(h, "Viewer &lt;b&gt; 1.0");
    const auto critical = at(h, ">緊急 (CVSS 9.0-10.0)</p>");
    CHECK(gateway < high);
    CHECK(high < g2);
    CHECK(g2 < none);
    CHECK(none < g3);
    CHECK(g3 < viewer);
    CHECK(viewer < critical);
    CHECK(count(h, "<h2 ") == 2);
    // Each entry: kind, score, why, how confident, the changes, its http(s) link only.
    CHECK(at(h, ">更新</span> <strong>JVNDB-2025-000002</strong>") > 0);
    CHECK(at(h, "cvss: 5.0 → &lt;7.5&gt;") > g2);
    CHECK(at(h, "85/100, 判定: affected") > 0);
    CHECK(at(h, "reason JVNDB-2025-000002") > g2);
    CHECK(at(h, "<a href=\"https://jvndb.jvn.jp/JVNDB-2025-000002\"") > g2);
    CHECK(count(h, "<a href=") == 2);
    CHECK(at(h, "件数</th>") < at(h, "3 (新規 2, 更新 1)"));
    CHECK(at(h, "<title>" + m.subject + "</title>") > 0);
    // Inline CSS only: no style sheet, no script, no external resource.
    CHECK(h.find("<style") == std::string::npos);
    CHECK(h.find("<link") == std::string::npos);
    CHECK(h.find("<img") == std::string::npos);
    // The audit head, in both parts.
    CHECK(at(h, "監査チェーンの先頭: ") < at(h, kHead));
    CHECK(at(m.text, "監査チェーンの先頭: " + kHead + "\n") > at(m.text, "\n-- \n"));
}

TEST_CASE("the English digest HTML and the heartbeat carry the audit head", "[notifiers][digest]") {
    DigestContent d = content({entry("JVNDB-2025-000001", "Viewer", 7.2, "withdrawn")});
    d.language = "en";
    d.auditHead = kHead;
    OutMessage m = renderDigest(d);
    CHECK(at(m.html, "<html lang=\"en\">") > 0);
    CHECK(at(m.html, ">withdrawn</span> <strong>JVNDB-2025-000001</strong>") >
          at(m.html, ">High (CVSS 7.0-8.9)</p>"));
    CHECK(at(m.html, "Why it matched") > 0);
    CHECK(m.html.find("一致の理由") == std::string::npos);
    CHECK(at(m.html, "Audit chain head: ") < at(m.html, kHead));
    CHECK(at(m.text, "Audit chain head: " + kHead) > 0);

    d.entries.clear();
    d.periodStart.clear();
    d.sources = {{"jvndb-new", "2025-04-08 08:15 JST"}, {"ipa-<mail>", ""}};
    m = renderDigest(d);
    CHECK(at(m.html, "since the last digest - 2025-04-08 08:30 JST") > 0);
    CHECK(at(m.html, "Nothing new matched or changed") > 0);
    CHECK(at(m.html, "<li style=\"margin:0 0 4px 0;\">jvndb-new: 2025-04-08 08:15 JST</li>") > 0);
    CHECK(at(m.html, "ipa-&lt;mail&gt;: never</li>") > 0);
    CHECK(m.html.find("<h2 ") == std::string::npos);
    CHECK(at(m.html, kHead) > at(m.html, "ipa-&lt;mail&gt;"));
    CHECK(at(m.text, "  ipa-<mail>: never\n\nAudit chain head: " + kHead + "\n") > 0);

    d.language = "ja";
    m = renderDigest(d);
    CHECK(at(m.html, "前回のダイジェスト以降、新しい一致も更新もありません。") > 0);
    CHECK(at(m.html, "ipa-&lt;mail&gt;: 未取得</li>") > 0);
    CHECK(at(m.html, "監査チェーンの先頭: ") < at(m.html, kHead));
    CHECK(at(m.text, "監査チェーンの先頭: " + kHead) > 0);

    // Without a head (a caller that has none) neither part mentions one.
    d.auditHead.clear();
    m = renderDigest(d);
    CHECK(m.text.find("audit head") == std::string::npos);
    CHECK(m.html.find("監査チェーンの先頭") == std::string::npos);
}

TEST_CASE("a digest template from a templates directory replaces the built-in one",
          "[notifiers][digest][mail-templates]") {
    TempDir dir;
    dir.write("digest.en.html.mustache",
              "<p>{{count}}|{{#groups}}{{product}}:{{#bands}}{{band}}{{#items}}[{{{title}}}"
              "{{#url}} {{url}}{{/url}}]{{/items}}{{/bands}};{{/groups}}{{{audit_head}}}</p>\n");
    const auto templates = MailTemplates::load(dir.path().string());
    CHECK(templates->origin(MailKind::Digest, "en", MailPart::Html) ==
          (dir.path() / "digest.en.html.mustache").string());
    CHECK(templates->origin(MailKind::Digest, "ja", MailPart::Html) == "built-in");
    DigestEntry e = entry("JVNDB-2025-000001", "Viewer", 9.8);
    e.title = "<i>&</i>";
    DigestEntry bad = entry("JVNDB-2025-000002", "Viewer", 5.0);
    bad.url = "javascript:alert(1)";
    bad.title = "t2";
    DigestContent d = content({e, bad});
    d.language = "en";
    d.auditHead = kHead;
    d.templates = templates;
    const OutMessage m = renderDigest(d);
    CHECK(m.html == "<p>2|Viewer:4[&lt;i&gt;&amp;&lt;/i&gt; https://jvndb.jvn.jp/JVNDB-2025-000001]"
                    "2[t2];" +
                        kHead + "</p>\n");
    // The text does not come from the templates; the Japanese digest stays built-in.
    d.templates.reset();
    CHECK(renderDigest(d).text == m.text);
    d.language = "ja";
    d.templates = templates;
    const OutMessage ja = renderDigest(d);
    d.templates.reset();
    CHECK(ja.html == renderDigest(d).html);

    TempDir wrong;
    wrong.write("digest.ja.text.mustache", "{{count}}");
    CHECK_THROWS_WITH(MailTemplates::load(wrong.path().string()),
                      Catch::Contains("digest.ja.text.mustache") &&
                          Catch::Contains("not a template name"));
    TempDir broken;
    broken.write("digest.ja.html.mustache", "<p>{{#groups}}</p>\n");
    CHECK_THROWS_WITH(MailTemplates::load(broken.path().string()),
                      Catch::Contains("digest.ja.html.mustache: ") &&
                          Catch::Contains("Unclosed section"));
}
