// Hospital notices (issue 14 part 2): the letter rendered from the built-in `notice.*`
// templates in Japanese and English, the facts it must carry, escaping of hostile text in the
// HTML part, an override directory replacing one part, the archived document and the stable
// idempotency key of the outbox message.
#include "notifiers/hospital_notice.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace vw;

namespace {

HospitalNoticeContent sample() {
    HospitalNoticeContent c;
    c.noticeId = 7;
    c.language = "ja";
    c.recipientName = "山田 太郎";
    c.recipientAddress = "yamada@chuo.example.jp";
    c.product = "Example Imaging Viewer";
    c.versions = {"3.2"};
    c.sites = {{"中央病院", "hospital", "3.2", 3}};
    c.advisory = "JVNDB-2021-005429";
    c.ids = {"CVE-2021-44228", "JVNDB-2021-005429"};
    c.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    c.summary = "一行目\n二行目";
    c.url = "https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html";
    c.cvssScore = 10.0;
    c.cvssSeverity = "Critical";
    c.remedy = "ネットワークから切り離してください。\n修正版を適用してください。";
    c.fixedVersion = "3.4";
    c.contact = "製品セキュリティ窓口\nTEL 03-0000-0000";
    return c;
}

class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = fs::temp_directory_path() / ("vw-notice-templates-" + std::to_string(::getpid()) +
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
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(path_ / name, std::ios::binary) << content;
    }
    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

} // namespace

TEST_CASE("the Japanese letter carries every fact the notice asks for", "[notifiers][notices]") {
    const RenderedMail mail = renderHospitalNotice(sample());
    CHECK(mail.subject ==
          "【重要】Example Imaging Viewer の脆弱性に関するお知らせ (JVNDB-2021-005429)");
    using Catch::Contains;
    CHECK_THAT(mail.text, Contains("山田 太郎 様"));
    CHECK_THAT(mail.text, Contains("影響を受けるバージョン: 3.2"));
    CHECK_THAT(mail.text, Contains("設置先: 中央病院（バージョン 3.2、3 台）"));
    CHECK_THAT(mail.text, Contains("識別番号: CVE-2021-44228, JVNDB-2021-005429"));
    CHECK_THAT(mail.text, Contains("CVSS 基本値 10.0（緊急）"));
    CHECK_THAT(mail.text, Contains("一行目\n二行目"));
    CHECK_THAT(mail.text, Contains("ネットワークから切り離してください。\n修正版を適用"));
    CHECK_THAT(mail.text, Contains("修正版: バージョン 3.4"));
    CHECK_THAT(mail.text, Contains("製品セキュリティ窓口\nTEL 03-0000-0000"));
    CHECK_THAT(mail.text, Contains("お知らせ番号: vulnwatch notice #7"));
    CHECK_THAT(mail.html, Contains("<html lang=\"ja\">"));
    CHECK_THAT(mail.html, Contains("TEL 03-0000-0000"));
    CHECK(mail.text.find("お取引先") == std::string::npos); // a hospital, not a lessor
}

TEST_CASE("a lessor's letter and the plan fallbacks", "[notifiers][notices]") {
    HospitalNoticeContent c = sample();
    c.partner = true;
    c.fixedVersion.clear();
    c.cvssScore = 0.0;
    c.contact.clear();
    const RenderedMail none = renderHospitalNotice(c);
    CHECK_THAT(none.text, Catch::Contains("お取引先の医療機関"));
    CHECK_THAT(none.text, Catch::Contains("修正の予定は決まり次第お知らせします。"));
    CHECK_THAT(none.text, Catch::Contains("深刻度: 評価中"));
    CHECK_THAT(none.text, Catch::Contains("本メールへの返信にてお問い合わせください。"));
    c.targetVersion = "3.4";
    c.fixDue = 1782485999; // 2026-06-26 23:59:59 JST
    const RenderedMail planned = renderHospitalNotice(c);
    CHECK_THAT(planned.text, Catch::Contains("修正予定のバージョン: 3.4"));
    CHECK_THAT(planned.text, Catch::Contains("修正の予定日: 2026-06-26 まで"));
    CHECK(planned.text.find("決まり次第") == std::string::npos);
}

TEST_CASE("the English letter", "[notifiers][notices]") {
    HospitalNoticeContent c = sample();
    c.language = "en";
    const RenderedMail mail = renderHospitalNotice(c);
    CHECK(mail.subject ==
          "[Important] Security notice for Example Imaging Viewer (JVNDB-2021-005429)");
    CHECK_THAT(mail.text, Catch::Contains("Dear 山田 太郎,"));
    CHECK_THAT(mail.text, Catch::Contains("CVSS base score 10.0 (Critical)"));
    CHECK_THAT(mail.text, Catch::Contains("Fixed version: 3.4 (available now)"));
    CHECK_THAT(mail.html, Catch::Contains("<html lang=\"en\">"));
}

TEST_CASE("hostile text is text in the HTML letter and one line in the subject",
          "[notifiers][notices]") {
    HospitalNoticeContent c = sample();
    c.title = "<script>alert(1)</script>";
    c.product = "\"><img src=x onerror=alert(1)>\nBcc: x@example.jp";
    c.url = "javascript:alert(1)";
    const RenderedMail mail = renderHospitalNotice(c);
    CHECK(mail.html.find("<script>alert") == std::string::npos);
    CHECK(mail.html.find("<img src=x") == std::string::npos);
    CHECK_THAT(mail.html, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(mail.html.find("javascript:") == std::string::npos);
    CHECK(mail.subject.find('\n') == std::string::npos);
}

TEST_CASE("a templates directory replaces the notice's parts one by one", "[notifiers][notices]") {
    TempDir dir;
    dir.write("notice.ja.subject.mustache", "お知らせ: {{product}} {{versions}}\n");
    const auto templates = MailTemplates::load(dir.path());
    CHECK(templates->origin(MailKind::Notice, "ja", MailPart::Subject) ==
          dir.path() + "/notice.ja.subject.mustache");
    CHECK(templates->origin(MailKind::Notice, "ja", MailPart::Text) == "built-in");
    const RenderedMail mail = renderHospitalNotice(sample(), templates.get());
    CHECK(mail.subject == "お知らせ: Example Imaging Viewer 3.2");
    CHECK_THAT(mail.text, Catch::Contains("医療機関で今すぐお願いしたい対応"));

    TempDir misspelt;
    misspelt.write("notices.ja.text.mustache", "x");
    CHECK_THROWS_WITH(MailTemplates::load(misspelt.path()), Catch::Contains("not a template name"));
}

TEST_CASE("the outbox message's key depends on the notice and the address only",
          "[notifiers][notices]") {
    const RenderedMail mail = renderHospitalNotice(sample());
    const OutMessage a = hospitalNoticeMessage("mail", 7, "yamada@chuo.example.jp", mail);
    RenderedMail other = mail;
    other.subject = "changed wording";
    const OutMessage again = hospitalNoticeMessage("mail", 7, "yamada@chuo.example.jp", other);
    CHECK(a.idempotencyKey == again.idempotencyKey);
    CHECK(a.idempotencyKey.rfind("notice-7-", 0) == 0);
    CHECK(hospitalNoticeMessage("mail", 7, "sato@higashi.example.jp", mail).idempotencyKey !=
          a.idempotencyKey);
    CHECK(hospitalNoticeMessage("mail", 8, "yamada@chuo.example.jp", mail).idempotencyKey !=
          a.idempotencyKey);
    CHECK(a.recipient == "yamada@chuo.example.jp");
    CHECK(a.html == mail.html);

    const std::string doc = hospitalNoticeDocument(7, "ja", "yamada@chuo.example.jp", mail);
    CHECK(doc.rfind("{\"html\":", 0) == 0);
    CHECK_THAT(doc, Catch::Contains("\"notice\":7"));
    CHECK_THAT(doc, Catch::Contains("\"to\":\"yamada@chuo.example.jp\""));
    CHECK(doc == hospitalNoticeDocument(7, "ja", "yamada@chuo.example.jp", mail));
}

TEST_CASE("CVSS bands in Japanese", "[notifiers][notices]") {
    CHECK(cvssSeverityJapanese(9.8) == "緊急");
    CHECK(cvssSeverityJapanese(7.0) == "重要");
    CHECK(cvssSeverityJapanese(5.3) == "警告");
    CHECK(cvssSeverityJapanese(0.1) == "注意");
    CHECK(cvssSeverityJapanese(0.0).empty());
}
