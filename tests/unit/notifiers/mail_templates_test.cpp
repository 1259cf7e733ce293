// The e-mail templates (notifiers/mail_templates.h) through renderEmail / renderUpdateEmail:
// the built-in Japanese and English ones, escaping in HTML, links, and override directories.
#include "config/config.h"
#include "notifiers/mail_templates.h"
#include "notifiers/render.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string kHostileTitle = "Viewer <script>alert(\"x\")</script> & 'q' の脆弱性";
const std::string kHostileTitleEscaped =
    "Viewer &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; の脆弱性";

vw::Advisory sampleAdvisory() {
    vw::Advisory a;
    a.source = "vuldef";
    a.id = "JVNDB-2023-004814";
    a.aliases = {"CVE-2023-0078", "JVN#12345678"};
    a.title = "Resume Builder におけるクロスサイトスクリプティングの脆弱性";
    a.summary = "Resume Builder には、クロスサイトスクリプティングの脆弱性が存在します。\n"
                "二行目です。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html";
    a.published = vw::DateTime{1698893820, 540}; // 2023-11-02T11:57:00+09:00
    a.modified = vw::DateTime{1698893820, 540};
    a.cvss = {{"3.0", 5.4, "Medium", "CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"}};
    a.references = {{"CVE", "CVE-2023-0078", "https://www.cve.org/CVERecord?id=CVE-2023-0078"}};
    return a;
}

vw::Match sampleMatch() {
    vw::Match m;
    m.advisory = "JVNDB-2023-004814";
    m.product = "Example Viewer";
    m.version = "3.2";
    m.component = "resume_builder";
    m.confidence = 60;
    m.method = "cpe-product";
    m.reason = "CPE cpe:/a:resumebuilder:resume_builder names the component";
    return m;
}

vw::MailOptions english() {
    return vw::MailOptions{"en", nullptr};
}

/// Every href="…" value of an HTML text.
std::vector<std::string> hrefs(const std::string& html) {
    std::vector<std::string> out;
    const std::regex href(R"re(href\s*=\s*"([^"]*)")re", std::regex::icase);
    for (auto it = std::sregex_iterator(html.begin(), html.end(), href);
         it != std::sregex_iterator(); ++it) {
        out.push_back((*it)[1].str());
    }
    return out;
}

std::string lowered(std::string text) {
    for (char& ch : text) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return text;
}

/// A fresh directory under the temp folder, removed at scope exit.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = fs::temp_directory_path() / ("vw-mail-templates-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(path_ / name, std::ios::binary) << content;
    }

private:
    fs::path path_;
};

} // namespace

TEST_CASE("the Japanese mail has a text and an HTML part with the same facts",
          "[notifiers][mail-templates]") {
    const auto msg = vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "psirt@example.jp");
    CHECK(msg.subject == "[vulnwatch] 脆弱性: Example Viewer — JVNDB-2023-004814 Resume Builder "
                         "におけるクロスサイトスクリプティングの脆弱性");
    // The text keeps its earlier layout, now with the references after the summary.
    CHECK_THAT(msg.text,
               Catch::StartsWith(
                   "vulnwatch が登録製品に該当する可能性のある脆弱性情報を検出しました。\n"
                   "(vulnwatch found a vulnerability advisory that may affect a registered "
                   "product.)\n\n■ 脆弱性情報 (Advisory)\n識別子 (ID): JVNDB-2023-004814\n"));
    CHECK_THAT(msg.text, Catch::Contains("■ 概要 (Summary)\nResume Builder には、"
                                         "クロスサイトスクリプティングの脆弱性が存在します。\n"
                                         "二行目です。\n\n■ 参考情報 (References)\n- CVE "
                                         "CVE-2023-0078 https://www.cve.org/CVERecord?id=CVE-"
                                         "2023-0078\n\n-- \nvulnwatch\n"));
    CHECK_THAT(msg.text, Catch::EndsWith("\n\n-- \nvulnwatch\n"));

    const std::string& html = msg.html;
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>\n<html lang=\"ja\">"));
    CHECK_THAT(html, Catch::Contains("<title>[vulnwatch] 脆弱性: Example Viewer — "));
    CHECK_THAT(html, Catch::Contains("製品 (Product)"));
    CHECK_THAT(html, Catch::Contains(">Example Viewer</td>"));
    CHECK_THAT(html, Catch::Contains("CVSS 5.4 Medium"));
    CHECK_THAT(html, Catch::Contains("60/100"));
    CHECK_THAT(html, Catch::Contains("クロスサイトスクリプティングの脆弱性が存在します。<br>"));
    CHECK_THAT(html, Catch::Contains("<a href=\"https://jvndb.jvn.jp/ja/contents/2023/"
                                     "JVNDB-2023-004814.html\""));
    // Inline CSS only: no style sheet, no script, no external resource.
    CHECK(html.find("<style") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
}

TEST_CASE("the English mail is English throughout", "[notifiers][mail-templates]") {
    const auto msg =
        vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "a@example.jp", "K", english());
    CHECK(msg.subject == "[vulnwatch] Vulnerability: Example Viewer — JVNDB-2023-004814 Resume "
                         "Builder におけるクロスサイトスクリプティングの脆弱性");
    CHECK_THAT(msg.text, Catch::StartsWith("vulnwatch found a vulnerability advisory that may "
                                           "affect a registered product.\n"));
    CHECK_THAT(msg.text, Catch::Contains("\nProduct: Example Viewer\n"));
    CHECK_THAT(msg.text, Catch::Contains("\nCVSS v3.0: 5.4 Medium CVSS:3.0/AV:N/"));
    CHECK_THAT(msg.text, Catch::Contains("\nVerdict: affected\n"));
    CHECK_THAT(msg.text, Catch::Contains("\nConfidence: 60/100\n"));
    CHECK(msg.text.find("製品") == std::string::npos);
    CHECK(msg.text.find("なし") == std::string::npos);
    CHECK_THAT(msg.html, Catch::Contains("<html lang=\"en\">"));
    CHECK_THAT(msg.html, Catch::Contains(">Product version</th>"));
    CHECK(msg.html.find("製品") == std::string::npos);

    // The language does not change which message it is.
    const auto japanese =
        vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "a@example.jp", "K");
    CHECK(msg.idempotencyKey == japanese.idempotencyKey);

    // Missing data reads "none" / "unknown" in English.
    vw::Advisory bare;
    bare.id = "JVN#00000001";
    vw::Match m;
    m.product = "P";
    m.verdict = "needs-review";
    const auto empty = vw::renderEmail(bare, m, "mail", "a@example.jp", "", english());
    CHECK(empty.subject == "[vulnwatch] Needs review: P — JVN#00000001");
    CHECK_THAT(empty.text, Catch::Contains("\nAliases: none\n"));
    CHECK_THAT(empty.text, Catch::Contains("\nCVSS: none\n"));
    CHECK_THAT(empty.text, Catch::Contains("\nPublished: unknown\n"));
    CHECK_THAT(empty.text, Catch::Contains("\nVerdict: needs review: the version could not be "
                                           "compared\n"));
    CHECK_THAT(empty.text, Catch::Contains("\n■ Summary\nnone\n\n-- \n"));
    CHECK(empty.text.find("References") == std::string::npos);

    // A language without templates gets the Japanese ones.
    const auto other = vw::renderEmail(sampleAdvisory(), sampleMatch(), "mail", "a@example.jp", "K",
                                       vw::MailOptions{"fr", nullptr});
    CHECK(other.subject == japanese.subject);
    CHECK(other.html == japanese.html);
}

TEST_CASE("a hostile title is escaped in the HTML part and javascript: links are dropped",
          "[notifiers][mail-templates][untrusted]") {
    vw::Advisory a = sampleAdvisory();
    a.title = kHostileTitle;
    a.summary = "<img src=x onerror=alert(1)>\n\"quoted\" & 'single'";
    a.url = "javascript:alert(document.cookie)";
    a.aliases = {"CVE-2023-0078", "<b>bold</b>"};
    a.references = {{"X", "bad", "JaVaScRiPt:alert(1)"},
                    {"Y", "data", "data:text/html,<script>alert(1)</script>"},
                    {"Z", "quote", "https://example.jp/a\"onmouseover=\"alert(1)"},
                    {"CVE", "CVE-2023-0078", "https://www.cve.org/CVERecord?id=CVE-2023-0078"}};
    vw::Match m = sampleMatch();
    m.product = "Prod <i>\"&";
    for (const auto& options : {vw::MailOptions{}, english()}) {
        CAPTURE(options.language);
        const auto msg = vw::renderEmail(a, m, "mail", "psirt@example.jp", "K", options);
        const std::string& html = msg.html;
        CHECK_THAT(html, Catch::Contains(kHostileTitleEscaped));
        CHECK_THAT(html, Catch::Contains("&lt;img src=x onerror=alert(1)&gt;<br>"));
        CHECK_THAT(html, Catch::Contains("&quot;quoted&quot; &amp; &#39;single&#39;"));
        CHECK_THAT(html, Catch::Contains("&lt;b&gt;bold&lt;/b&gt;"));
        CHECK_THAT(html, Catch::Contains("Prod &lt;i&gt;&quot;&amp;"));
        CHECK(html.find("<script") == std::string::npos);
        CHECK(html.find("<img") == std::string::npos);
        CHECK(html.find("<b>") == std::string::npos);
        CHECK(html.find("<i>") == std::string::npos);
        CHECK(lowered(html).find("javascript:") == std::string::npos);
        CHECK(lowered(html).find("data:text") == std::string::npos);
        const auto links = hrefs(html);
        REQUIRE_FALSE(links.empty());
        for (const auto& link : links) {
            CAPTURE(link);
            CHECK((link.rfind("https://", 0) == 0 || link.rfind("http://", 0) == 0));
            CHECK(link.find('"') == std::string::npos);
        }
        // The quote in the reference URL cannot end its attribute.
        CHECK(html.find("onmouseover=\"") == std::string::npos);
        // The plain text shows the title as it is: text is not markup.
        CHECK_THAT(msg.text, Catch::Contains(kHostileTitle));
        CHECK(lowered(msg.text).find("javascript:") == std::string::npos);
        // The subject too, and on one line.
        CHECK_THAT(msg.subject, Catch::Contains(kHostileTitle));
    }
}

TEST_CASE("an update mail lists the changes in both parts and threads under the first",
          "[notifiers][mail-templates]") {
    vw::Advisory a = sampleAdvisory();
    a.title = kHostileTitle;
    const vw::UpdateNotice update{
        {{"summary", "old <b>text</b>", "", false}, {"cvss", "5.4", "9.8 <critical>", true}},
        "revision-hash"};
    for (const auto& options : {vw::MailOptions{}, english()}) {
        CAPTURE(options.language);
        const auto first = vw::renderEmail(a, sampleMatch(), "mail", "o@example.jp", "K", options);
        const auto msg =
            vw::renderUpdateEmail(a, sampleMatch(), update, "mail", "o@example.jp", "K", options);
        CHECK(msg.thread == first.idempotencyKey);
        CHECK(msg.idempotencyKey != first.idempotencyKey);
        CHECK_THAT(msg.html, Catch::Contains(kHostileTitleEscaped));
        CHECK_THAT(msg.html, Catch::Contains("<strong>cvss *</strong>"));
        CHECK_THAT(msg.html, Catch::Contains("9.8 &lt;critical&gt;"));
        CHECK_THAT(msg.html, Catch::Contains("old &lt;b&gt;text&lt;/b&gt;"));
        CHECK(msg.html.find("<critical>") == std::string::npos);
        // Material changes first.
        CHECK(msg.text.find("* cvss: 5.4 → 9.8 <critical>") <
              msg.text.find("  summary: old <b>text</b> → "));
        if (options.language == "en") {
            CHECK_THAT(msg.subject, Catch::StartsWith("[vulnwatch] Update: Example Viewer — "));
            CHECK_THAT(msg.text, Catch::Contains("  summary: old <b>text</b> → none\n"));
            CHECK_THAT(msg.text, Catch::StartsWith("An advisory you were notified about changed "
                                                   "materially.\n\n■ Changes (* = material)\n"));
        } else {
            CHECK_THAT(msg.subject, Catch::StartsWith("[vulnwatch] 更新 (update): Example Viewer"));
            CHECK_THAT(msg.text, Catch::Contains("  summary: old <b>text</b> → なし (none)\n"));
            CHECK_THAT(msg.text, Catch::StartsWith("以前に通知した脆弱性情報に重要な更新がありま"
                                                   "した。\n(An advisory you were notified about "
                                                   "changed materially.)\n\n■ 変更点 (Changes; "
                                                   "* = material)\n* cvss: "));
        }
    }
    const vw::UpdateNotice withdrawal{{{"withdrawn", "false", "true", true}}, "h2"};
    const auto gone =
        vw::renderUpdateEmail(a, sampleMatch(), withdrawal, "mail", "o@example.jp", "K");
    CHECK_THAT(gone.subject, Catch::StartsWith("[vulnwatch] 取り下げ (withdrawn): "));
    CHECK_THAT(gone.text, Catch::StartsWith("以前に通知した脆弱性情報が取り下げられました。\n"));
    const auto goneEn =
        vw::renderUpdateEmail(a, sampleMatch(), withdrawal, "mail", "o@example.jp", "K", english());
    CHECK_THAT(goneEn.subject, Catch::StartsWith("[vulnwatch] Withdrawn: "));
}

TEST_CASE("rendering is pure: the same input gives the same bytes", "[notifiers][mail-templates]") {
    vw::Advisory a = sampleAdvisory();
    a.title = kHostileTitle;
    const auto one = vw::renderEmail(a, sampleMatch(), "mail", "o@example.jp", "K");
    const auto two = vw::renderEmail(a, sampleMatch(), "mail", "o@example.jp", "K");
    CHECK(one.subject == two.subject);
    CHECK(one.text == two.text);
    CHECK(one.html == two.html);
}

TEST_CASE("a template directory replaces the built-in templates file by file",
          "[notifiers][mail-templates]") {
    TempDir dir;
    dir.write("match.en.subject.mustache", "[PSIRT] {{product}} / {{id}}\n");
    // HTML escaping does not depend on the tag: {{{x}}} escapes as {{x}} does.
    dir.write("match.en.html.mustache",
              "<p lang=\"{{lang}}\">{{{title}}}|{{&title}}|{{title}}|{{#aliases}}[{{.}}]"
              "{{/aliases}}{{^url}}no link{{/url}}</p>\n");
    dir.write("match.en.text.mustache",
              "{{{title}}} / {{title}}{{#needs_review}} (review){{/needs_review}}\n");
    dir.write("README.txt", "not a template: ignored");
    const auto templates = vw::MailTemplates::load(dir.path().string());
    REQUIRE(templates);
    CHECK(templates->origin(vw::MailKind::Match, "en", vw::MailPart::Subject) ==
          (dir.path() / "match.en.subject.mustache").string());
    CHECK(templates->origin(vw::MailKind::Update, "en", vw::MailPart::Subject) == "built-in");
    CHECK(templates->origin(vw::MailKind::Match, "ja", vw::MailPart::Html) == "built-in");

    vw::Advisory a = sampleAdvisory();
    a.title = kHostileTitle;
    a.url = "javascript:alert(1)";
    a.aliases = {"<x>"};
    const auto msg = vw::renderEmail(a, sampleMatch(), "mail", "o@example.jp", "K",
                                     vw::MailOptions{"en", templates});
    CHECK(msg.subject == "[PSIRT] Example Viewer / JVNDB-2023-004814");
    CHECK(msg.html == "<p lang=\"en\">" + kHostileTitleEscaped + "|" + kHostileTitleEscaped + "|" +
                          kHostileTitleEscaped + "|[&lt;x&gt;]no link</p>\n");
    CHECK(msg.text == kHostileTitle + " / " + kHostileTitle + "\n");
    // The Japanese mail of the same set is the built-in one.
    const auto japanese = vw::renderEmail(a, sampleMatch(), "mail", "o@example.jp", "K",
                                          vw::MailOptions{"ja", templates});
    CHECK(japanese.html == vw::renderEmail(a, sampleMatch(), "mail", "o@example.jp", "K").html);
}

TEST_CASE("a template that does not parse is an error naming the file and line",
          "[notifiers][mail-templates]") {
    TempDir dir;
    dir.write("match.ja.text.mustache", "line one\n{{#cvss}}\nv{{cvss_score}}\n");
    try {
        vw::MailTemplates::load(dir.path().string());
        FAIL("an unclosed section loaded");
    } catch (const vw::MailTemplateError& e) {
        CHECK(e.file() == (dir.path() / "match.ja.text.mustache").string());
        CHECK_THAT(e.what(), Catch::Contains("match.ja.text.mustache: "));
        CHECK_THAT(e.what(), Catch::Contains("Unclosed section \"cvss\""));
        CHECK_THAT(e.what(), Catch::Contains("(line 2)"));
    }

    TempDir misspelt;
    misspelt.write("mach.ja.html.mustache", "<p>{{title}}</p>");
    CHECK_THROWS_WITH(vw::MailTemplates::load(misspelt.path().string()),
                      Catch::Contains("mach.ja.html.mustache") &&
                          Catch::Contains("not a template name"));

    TempDir binary;
    binary.write("match.en.text.mustache", std::string("\xff\xfe{{title}}"));
    CHECK_THROWS_WITH(vw::MailTemplates::load(binary.path().string()),
                      Catch::Contains("match.en.text.mustache: not UTF-8"));

    CHECK_THROWS_AS(vw::MailTemplates::load((dir.path() / "absent").string()),
                    vw::MailTemplateError);
}

TEST_CASE("templates = DIR is read with the config and a bad template is a config error",
          "[notifiers][mail-templates][config]") {
    TempDir dir;
    dir.write("update.en.subject.mustache", "Update {{id}}");
    const std::string head = "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\n"
                             "from = a@example.jp\n";
    const auto config = vw::parseConfig(head +
                                            "language = en\ncharset = iso-2022-jp\n"
                                            "list_id = psirt.example.co.jp\ntemplates = " +
                                            dir.path().string() + "\n",
                                        "t.conf");
    REQUIRE(config.notifiers.size() == 1);
    const auto& n = config.notifiers[0];
    CHECK(n.language == "en");
    CHECK(n.charset == "iso-2022-jp");
    CHECK(n.listId == "psirt.example.co.jp");
    CHECK(n.templates.path == dir.path().string());
    REQUIRE(n.templates.loaded);
    CHECK(n.templates.loaded->origin(vw::MailKind::Update, "en", vw::MailPart::Subject) ==
          (dir.path() / "update.en.subject.mustache").string());
    const auto update =
        vw::renderUpdateEmail(sampleAdvisory(), sampleMatch(), vw::UpdateNotice{{}, "h"}, n.name,
                              "o@example.jp", "K", vw::MailOptions{n.language, n.templates.loaded});
    CHECK(update.subject == "Update JVNDB-2023-004814");

    // Defaults.
    const auto plain = vw::parseConfig(head, "t.conf");
    CHECK(plain.notifiers[0].language == "ja");
    CHECK(plain.notifiers[0].charset == "utf-8");
    CHECK(plain.notifiers[0].listId == "vulnwatch.localhost");
    CHECK_FALSE(plain.notifiers[0].templates.loaded);
    const std::string shown = vw::redacted(config);
    CHECK_THAT(shown, Catch::Contains("\nlanguage = en\ncharset = iso-2022-jp\nlist_id = "
                                      "psirt.example.co.jp\ntemplates = " +
                                      dir.path().string() + "\n"));
    CHECK(vw::parseConfig(shown, "t.conf").notifiers == config.notifiers);

    dir.write("match.ja.html.mustache", "<p>{{#withdrawn}}gone</p>\n");
    try {
        vw::parseConfig(head + "templates = " + dir.path().string() + "\n", "t.conf");
        FAIL("a broken template was accepted");
    } catch (const vw::ConfigError& e) {
        CHECK(e.line() == 5);
        CHECK(e.key() == "templates");
        CHECK_THAT(e.what(), Catch::Contains("match.ja.html.mustache"));
        CHECK_THAT(e.what(), Catch::Contains("Unclosed section \"withdrawn\""));
    }
    // Without reading files (config check --no-secrets) the directory is only recorded.
    CHECK_NOTHROW(
        vw::parseConfig(head + "templates = " + dir.path().string() + "\n", "t.conf", false));

    const auto errorOf = [&](const std::string& line) {
        try {
            vw::parseConfig(head + line + "\n", "t.conf");
        } catch (const vw::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK_THAT(errorOf("language = de"), Catch::Contains("'de' is not one of: ja, en"));
    CHECK_THAT(errorOf("charset = shift_jis"),
               Catch::Contains("'shift_jis' is not one of: utf-8, iso-2022-jp"));
    CHECK_THAT(errorOf("list_id = <x@y>"), Catch::Contains("'<x@y>' is not a list id"));
    CHECK_THAT(errorOf("list_id = nodot"), Catch::Contains("is not a list id"));
    CHECK_THAT(errorOf("templates = " + (dir.path() / "absent").string()),
               Catch::Contains("templates: cannot use"));
    // E-mail keys only.
    CHECK_THROWS_WITH(vw::parseConfig("[notifier.c]\ntype = webhook\nurl = https://h.example.jp/x\n"
                                      "language = en\n",
                                      "t.conf"),
                      Catch::Contains("applies only to email notifiers"));
}
