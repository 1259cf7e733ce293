// parseMail against the project's test mails (tests/data/mail, made by make_mails.py) and
// synthetic messages: charsets, transfer encodings, MIME structure, RFC 2047, signatures.
#include "core/datetime.h"
#include "feeds/parse/charset.h"
#include "feeds/parse/mail.h"
#include "feeds/parse/mime.h"
#include "helpers/fixtures.h"
#include "helpers/records.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using vw::test::iso;

using vw::Advisory;
using vw::MailOptions;
using vw::parseMail;
using vw::ParseResult;

std::string readMail(const std::string& name) {
    return vw::test::readFile(vw::test::sourceDir() / "tests" / "data" / "mail" / name);
}

ParseResult parseFile(const std::string& name, const std::string& list = "jpcert-alert") {
    return parseMail(readMail(name), MailOptions{list, {}});
}

const Advisory& only(const ParseResult& result) {
    REQUIRE(result.records.size() == 1);
    return result.records.front();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string problemText(const ParseResult& result) {
    std::string all;
    for (const auto& problem : result.problems) {
        all += problem.message + "\n";
    }
    return all;
}

using Ids = std::vector<std::string>;

} // namespace

TEST_CASE("mail: JPCERT/CC alert in ISO-2022-JP 7bit with a split encoded subject") {
    const auto result = parseFile("jpcert_log4j_iso2022jp.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.source == "mail");
    CHECK(a.id == "20211211.log4j.0050@example.jp");
    CHECK(a.title == "Apache Log4j の任意のコード実行の脆弱性（CVE-2021-44228）に関する注意喚起");
    CHECK(a.aliases == Ids{"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"});
    CHECK(a.list == "jpcert-alert");
    CHECK(a.signature == "unsigned");
    CHECK(iso(a.published) == "2021-12-11T17:30:00+09:00");
    CHECK(iso(a.modified) == "2021-12-11T17:30:00+09:00");
    CHECK(a.url == "https://www.jpcert.or.jp/at/2021/at210050.html");
    CHECK(a.summary.rfind("各位\n", 0) == 0);
    CHECK(contains(a.summary, "I. 概要\n  Java 向けのログ出力ライブラリ Apache Log4j に、"));
    CHECK(contains(a.summary, "  本件に関するお問い合わせ: JPCERT/CC 早期警戒グループ"));
    // trailing blanks of a line are dropped, leading ones kept
    CHECK(contains(a.summary, "脆弱性があります。\n国内でも"));
    CHECK_FALSE(contains(a.summary, "\r"));
    REQUIRE(a.references.size() == 3);
    CHECK(a.references[0].url == "https://www.cve.org/CVERecord?id=CVE-2021-44228");
    CHECK(a.references[1].url == "https://www.jpcert.or.jp/at/2021/at210050.html");
    CHECK(a.references[2].url == "https://jvn.jp/vu/JVNVU96768815/");
}

TEST_CASE("mail: IPA notice in Shift_JIS base64 is read as CP932") {
    const auto result = parseFile("ipa_notice_sjis_base64.eml", "ipa-alert");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "【注意喚起】Resume Builder の脆弱性について");
    CHECK(a.list == "ipa-alert");
    CHECK(a.aliases == Ids{"CVE-2023-0078", "JVNDB-2023-004814"});
    // ① ② ③ exist only in CP932, not in plain Shift_JIS
    CHECK(contains(a.summary, "① 対象：Resume Builder 3.4.6 より前のバージョン"));
    CHECK(contains(a.summary, "③ 詳細："));
    CHECK(contains(a.summary, "独立行政法人情報処理推進機構（IPA）"));
    CHECK(a.url == "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html");
    CHECK(iso(a.published) == "2023-11-02T12:00:00+09:00"); // obsolete zone JST
    REQUIRE(a.references.size() == 2);
    CHECK(a.references[1].url == "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html");
}

TEST_CASE("mail: old alert in EUC-JP quoted-printable keeps VU#323172 out of the ids") {
    const auto result = parseFile("old_alert_eucjp_qp.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "2011年4月 Microsoft セキュリティ情報に関する注意喚起");
    CHECK(a.aliases == Ids{"JPCERT-AT-2011-0008", "JVNVU#276432"});
    CHECK(contains(a.summary, "US-CERT Vulnerability Note VU#323172"));
    CHECK(contains(a.summary, "深刻度「緊急」の更新が含まれており"));
    CHECK(iso(a.published) == "2011-04-13T10:00:00+09:00");
    REQUIRE(a.references.size() == 2);
    CHECK(a.references[0].url == "https://www.jpcert.or.jp/at/2011/at110008.html");
    CHECK(a.references[1].url == "https://jvn.jp/vu/JVNVU276432/");
    CHECK(std::none_of(a.references.begin(), a.references.end(),
                       [](const vw::Reference& r) { return contains(r.id, "323172"); }));
}

TEST_CASE("mail: UTF-8 base64 body and a subject split inside a character") {
    const auto result = parseFile("jpcert_utf8_base64.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "Apache Log4j の脆弱性（CVE-2021-45046）に関する追加の注意喚起");
    CHECK(a.aliases ==
          Ids{"CVE-2021-45046", "JPCERT-AT-2021-0050", "JPCERT-AT-2021-0052", "JVNVU#96768815"});
    CHECK(contains(a.summary, "特定の設定では不十分な点が見つかりました。"));
    CHECK(iso(a.published) == "2021-12-14T09:15:30+09:00");
}

TEST_CASE("mail: multipart/alternative prefers the text/plain part") {
    const auto result = parseFile("alternative_html.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "JVN#12345678 のお知らせ");
    CHECK(a.summary == "プレーンテキスト版の本文です。\n対象: JVN#12345678");
    CHECK_FALSE(contains(a.summary, "HTML版"));
    CHECK(a.aliases == Ids{"JVN#12345678"});
    REQUIRE(a.references.size() == 1);
    CHECK(a.references[0].url == "https://jvn.jp/jp/JVN12345678/");
    CHECK(a.url.empty());
}

TEST_CASE("mail: HTML-only mail becomes text without script, style, comments") {
    const auto result = parseFile("html_only_qp.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "制御システム製品の脆弱性");
    CHECK(a.summary.rfind("制御システム製品の脆弱性に関するお知らせ\n\n", 0) == 0);
    CHECK(contains(a.summary, "複数の製品に脆弱性があります。 Fuji & Co. の製品 を含みます。"));
    CHECK(contains(a.summary, "CVE-2023-1111\nCVE-2023-2222"));
    CHECK_FALSE(contains(a.summary, "SCRIPT-TEXT"));
    CHECK_FALSE(contains(a.summary, "COMMENT-TEXT"));
    CHECK_FALSE(contains(a.summary, "color"));
    CHECK_FALSE(contains(a.summary, "ignored title"));
    CHECK_FALSE(contains(a.summary, "<p>"));
    // the id is only in the link target, which is kept after the link text
    CHECK(a.aliases == Ids{"CVE-2023-1111", "CVE-2023-2222", "JVNVU#99999991"});
    CHECK(a.url == "https://jvn.jp/vu/JVNVU99999991/");
}

TEST_CASE("mail: RFC 2047 words split across folded lines, Q words, text between words") {
    const auto result = parseFile("rfc2047_split.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "[test-list] 脆弱性情報(JVNVU#96768815) and café");
    CHECK(a.aliases == Ids{"JVNVU#96768815"});
    CHECK(a.summary == "Plain ASCII body naming JVNVU#96768815.");
    CHECK(iso(a.published) == "2023-12-01T09:00:00+00:00"); // two-digit year, no seconds, GMT
}

TEST_CASE("mail: clearsigned body loses its armor and dash-escaping") {
    const auto result = parseFile("clearsigned_utf8.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.title == "【署名付き】更新のお知らせ");
    CHECK(a.signature == "unknown-key"); // signed, no verifier
    CHECK(a.summary.rfind("Mailing-list preface.\n\nJPCERT-AT-2021-0050 に関する更新のお知らせ",
                          0) == 0);
    CHECK(contains(a.summary, "\n-----BEGIN PGP SIGNED MESSAGE----- の行を含むことがあります。\n"));
    CHECK(contains(a.summary, "\n- 箇条書きの行\n----- 区切り -----\n"));
    CHECK_FALSE(contains(a.summary, "- - 箇条書き"));
    CHECK_FALSE(contains(a.summary, "Hash:"));
    CHECK_FALSE(contains(a.summary, "BEGIN PGP SIGNATURE"));
    CHECK_FALSE(contains(a.summary, "END PGP SIGNATURE"));
    CHECK(contains(a.summary, "list footer"));
    CHECK(a.aliases == Ids{"JPCERT-AT-2021-0050", "JVNVU#96768815"});
}

TEST_CASE("mail: PGP/MIME signed mail reads the signed part") {
    const auto result = parseFile("pgp_mime_signed.eml");
    const Advisory& a = only(result);
    CHECK(result.problems.empty());
    CHECK(a.signature == "unknown-key");
    CHECK(a.summary == "PGP/MIME で署名された本文です。\nCVE-2021-44228 と JVNVU#96768815。");
    CHECK(a.aliases == Ids{"CVE-2021-44228", "JVNVU#96768815"});
}

TEST_CASE("mail: a verifier gets the signed part with CRLF line endings and the signature") {
    std::string seenData;
    std::string seenSignature;
    MailOptions options{"list", [&](std::string_view data, std::string_view signature) {
                            seenData = data;
                            seenSignature = signature;
                            return vw::SignatureCheck{"valid", "TESTFPR", ""};
                        }};
    const auto result = parseMail(readMail("pgp_mime_signed.eml"), options);
    CHECK(only(result).signature == "valid");
    CHECK(seenData.rfind("Content-Type: text/plain; charset=UTF-8\r\n", 0) == 0);
    CHECK(seenData.ends_with("JVNVU#96768815=E3=80=82\r\n"));
    CHECK(seenData.find("\r\n\r\n") != std::string::npos);
    CHECK(seenData.find('\n') == seenData.find("\r\n") + 1);
    CHECK(seenSignature.rfind("-----BEGIN PGP SIGNATURE-----", 0) == 0);
}

TEST_CASE("mail: a verifier's status and signed text are used for clearsigned text") {
    std::string seen;
    MailOptions options{"list", [&](std::string_view data, std::string_view signature) {
                            seen = data;
                            CHECK(signature.empty());
                            return vw::SignatureCheck{"invalid", "", ""};
                        }};
    const auto result = parseMail(readMail("clearsigned_utf8.eml"), options);
    CHECK(only(result).signature == "invalid");
    CHECK(seen.rfind("-----BEGIN PGP SIGNED MESSAGE-----\n", 0) == 0);
    CHECK(seen.ends_with("-----END PGP SIGNATURE-----\n"));
    // invalid: the parser's own stripping is used
    CHECK(contains(only(result).summary, "\n- 箇条書きの行\n"));
}

TEST_CASE("mail: unknown charset gives best-effort text and a problem") {
    const auto result = parseFile("broken_unknown_charset.eml");
    const Advisory& a = only(result);
    CHECK(a.summary == "文字コード不明の本文 CVE-2023-0078");
    CHECK(a.aliases == Ids{"CVE-2023-0078"});
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].itemId == "broken.charset@example.jp");
    CHECK(result.problems[0].position == 1);
    CHECK(contains(result.problems[0].message, "unknown charset 'x-vulnwatch-unknown'"));
}

TEST_CASE("mail: truncated base64 keeps what decodes and reports it") {
    const auto result = parseFile("broken_truncated_base64.eml");
    const Advisory& a = only(result);
    CHECK(a.summary.rfind("切り詰められた本文です。JVN#87654321 の続きは失われました。", 0) == 0);
    CHECK(a.aliases == Ids{"JVN#87654321"});
    REQUIRE_FALSE(result.problems.empty());
    CHECK(contains(problemText(result), "truncated"));
}

TEST_CASE("mail: no Message-ID gives a stable sha256 id and a problem") {
    const std::string raw = readMail("broken_no_message_id.eml");
    const auto first = parseMail(raw, MailOptions{});
    const auto second = parseMail(raw, MailOptions{});
    const Advisory& a = only(first);
    CHECK(a.id.rfind("sha256:", 0) == 0);
    CHECK(a.id.size() == 7 + 64);
    CHECK(a.id == only(second).id);
    CHECK(a.id != only(parseMail(raw + "\nmore\n", MailOptions{})).id);
    REQUIRE(first.problems.size() == 1);
    CHECK(first.problems[0].itemId == a.id);
    CHECK(contains(first.problems[0].message, "Message-ID"));
    // ISO-8859-1 body and encoded word glued to a word
    CHECK(a.title == "Security Alert: vulnerability in a café product");
    CHECK(a.summary.rfind("Café Manager © 2023 is affected by CVE-2023-3333.", 0) == 0);
    CHECK(a.url == "https://www.jpcert.or.jp/english/at/2023/at230001.html");
    CHECK(iso(a.published) == "2023-11-08T09:30:00-05:00");
    CHECK(a.list.empty());
}

TEST_CASE("mail: every test mail starts with the project marker") {
    for (const char* name :
         {"jpcert_log4j_iso2022jp.eml", "ipa_notice_sjis_base64.eml", "old_alert_eucjp_qp.eml",
          "jpcert_utf8_base64.eml", "alternative_html.eml", "html_only_qp.eml", "rfc2047_split.eml",
          "clearsigned_utf8.eml", "pgp_mime_signed.eml", "broken_unknown_charset.eml",
          "broken_truncated_base64.eml", "broken_no_message_id.eml"}) {
        INFO(name);
        CHECK(readMail(name).rfind("X-Vulnwatch-Test: written for the vulnwatch project\n", 0) ==
              0);
    }
}

TEST_CASE("mail: multipart/mixed joins text parts and skips attachments") {
    const std::string raw = "Message-ID: <mixed@example.jp>\r\n"
                            "Subject: mixed\r\n"
                            "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
                            "preamble\r\n"
                            "--outer\r\n"
                            "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
                            "--inner\r\n"
                            "Content-Type: text/html; charset=utf-8\r\n\r\n"
                            "<p>only html</p>\r\n"
                            "--inner--\r\n"
                            "--outer\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                            "second part CVE-2024-0001\r\n"
                            "--outer\r\n"
                            "Content-Type: text/plain\r\n"
                            "Content-Disposition: attachment; filename=x.txt\r\n\r\n"
                            "attached CVE-2024-0002\r\n"
                            "--outer--\r\n"
                            "epilogue\r\n";
    const auto result = parseMail(raw, MailOptions{});
    const Advisory& a = only(result);
    CHECK(result.problems.size() == 1); // no Date header
    CHECK(a.summary == "only html\n\nsecond part CVE-2024-0001");
    CHECK(a.aliases == Ids{"CVE-2024-0001"});
    CHECK(a.published == std::nullopt);
}

TEST_CASE("mail: a multipart without its closing boundary is reported") {
    const std::string raw = "Message-ID: <open@example.jp>\nSubject: open\n"
                            "Date: Mon, 6 Nov 2023 08:00:00 +0900\n"
                            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nbody text\n";
    const auto result = parseMail(raw, MailOptions{});
    CHECK(only(result).summary == "body text");
    CHECK(contains(problemText(result), "not closed"));
}

TEST_CASE("mail: input without any header field is a ParseError") {
    CHECK_THROWS_AS(parseMail("", MailOptions{}), vw::ParseError);
    CHECK_THROWS_AS(parseMail("just some text\nwithout headers\n", MailOptions{}), vw::ParseError);
    CHECK_THROWS_AS(parseMail("X-Empty: 1\n\n", MailOptions{}), vw::ParseError);
}

TEST_CASE("mime: RFC 2047 decoding rules") {
    std::vector<std::string> problems;
    using vw::mime::decodeHeader;
    CHECK(decodeHeader("=?UTF-8?B?44GC?= =?UTF-8?B?44GE?=", problems) == "あい");
    CHECK(decodeHeader("=?UTF-8?B?44E=?=\r\n =?UTF-8?B?gg==?=", problems) == "あ");
    CHECK(decodeHeader("a =?utf-8?q?b_c?= d", problems) == "a b c d");
    CHECK(decodeHeader("=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", problems) == "éé");
    CHECK(decodeHeader("=?UTF-8*ja?Q?=E3=81=82?=", problems) == "あ");
    CHECK(decodeHeader("not =?an encoded word", problems) == "not =?an encoded word");
    CHECK(decodeHeader("=?ISO-2022-JP?B?GyRCJCQbKEI=?==?ISO-2022-JP?B?GyRCJEQbKEI=?=", problems) ==
          "いつ");
    CHECK(problems.empty());
    CHECK(decodeHeader("=?x-unknown?Q?abc?=", problems) == "abc");
    CHECK(problems.size() == 1);
}

TEST_CASE("mime: dates with zones, comments and obsolete forms") {
    using vw::mime::parseMailDate;
    CHECK(iso(parseMailDate("Tue, 14 Dec 2021 10:30:00 +0900")) == "2021-12-14T10:30:00+09:00");
    CHECK(iso(parseMailDate("14 Dec 2021 01:30:00 GMT (comment)")) == "2021-12-14T01:30:00+00:00");
    CHECK(iso(parseMailDate("Mon, 1 Feb 99 12:00 EST")) == "1999-02-01T12:00:00-05:00");
    CHECK(iso(parseMailDate("Mon, 1 Feb 2021 12:00:00 JST")) == "2021-02-01T12:00:00+09:00");
    CHECK(parseMailDate("Mon, 1 Feb 2021 12:00:00 JST")->epoch == 1612148400);
    CHECK(iso(parseMailDate("Mon, 1 Feb 2021 12:00:00")) == "2021-02-01T12:00:00+00:00");
    CHECK(parseMailDate("31 Feb 2021 12:00:00 +0000") == std::nullopt);
    CHECK(parseMailDate("yesterday") == std::nullopt);
    CHECK(parseMailDate("1 Feb 2021 25:00:00 +0900") == std::nullopt);
}

TEST_CASE("mime: quoted-printable and base64 decoding") {
    bool truncated = true;
    CHECK(vw::mime::decodeQuotedPrintable("a=3Db=\r\nc=\nd=e9 =ZZ") == "a=bcd\xe9 =ZZ");
    CHECK(vw::mime::decodeBase64("QUJD\r\nREVG", truncated) == "ABCDEF");
    CHECK_FALSE(truncated);
    CHECK(vw::mime::decodeBase64("QUI=", truncated) == "AB");
    CHECK_FALSE(truncated);
    CHECK(vw::mime::decodeBase64("QUJDRE", truncated) == "ABCD");
    CHECK(truncated);
}

TEST_CASE("mime: HTML to text") {
    using vw::mime::htmlToText;
    CHECK(htmlToText("<p>a&lt;b&gt;</p><p>c&#65;&#x42;</p>") == "a<b>\n\ncAB\n\n");
    CHECK(htmlToText("x<br>y<BR/>z") == "x\ny\nz");
    CHECK(htmlToText("<pre>  keep\n  this</pre>") == "  keep\n  this\n\n");
    CHECK(htmlToText("<SCRIPT>bad()</SCRIPT>ok <style>s{}</style>") == "ok ");
    CHECK(htmlToText("a < b and &unknown; &amp") == "a < b and &unknown; &amp");
}

TEST_CASE("charset: labels, CP932, ISO-2022-JP-2 and fallbacks") {
    using vw::toUtf8;
    CHECK(toUtf8("\x87\x40", "Shift_JIS").text == "①");
    CHECK(toUtf8("\x87\x40", "windows-31j").problem.empty());
    CHECK(toUtf8("\xa4\xa2", "EUC-JP").text == "あ");
    CHECK(toUtf8("\x1b$B$\"\x1b(B", "ISO-2022-JP-2").text == "あ");
    CHECK(toUtf8("\xe9", "ISO-8859-1").text == "é");
    const auto latin = toUtf8("\xe9t\xe9", "x-nothing");
    CHECK(latin.text == "été");
    CHECK_FALSE(latin.problem.empty());
    const auto bad = toUtf8("ok\xff", "utf-8");
    CHECK(bad.text == "ok\xEF\xBF\xBD");
    CHECK_FALSE(bad.problem.empty());
    CHECK(toUtf8("\x1b$B$\"\x1b(B", "").text == "あ");
}

TEST_CASE("IMAP folder names are encoded in modified UTF-7", "[feeds][imap]") {
    // Expected values: RFC 3501's own example, and Python's base64 of the UTF-16 text with ','
    // for '/' (the rule of RFC 3501 5.1.3), computed outside the project.
    CHECK(vw::toImapMailboxName("INBOX") == "INBOX");
    CHECK(vw::toImapMailboxName("INBOX/jpcert") == "INBOX/jpcert");
    CHECK(vw::toImapMailboxName("R&D") == "R&-D");
    CHECK(vw::toImapMailboxName("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    CHECK(vw::toImapMailboxName("脆弱性情報") == "&gQZfMWAnYMVYMQ-");
    CHECK(vw::toImapMailboxName("INBOX/JPCERT 注意喚起") == "INBOX/JPCERT &bOhhD1WajXc-");
    CHECK(vw::toImapMailboxName("処理済み") == "&UeZ0Bm4IMH8-");
    CHECK_THROWS_AS(vw::toImapMailboxName("bad \xFF name"), std::invalid_argument);
}
