#!/usr/bin/env python3
"""Writes the vulnwatch test mails (tests/data/mail/*.eml), written for the project.

Run once from anywhere: python3 tests/data/mail/make_mails.py
Every file is reproducible except the two signed ones: their signatures come from a throwaway
key generated in a temporary GNUPGHOME and deleted afterwards (no key is committed), so a rerun
gives new signature bytes; tests only expect "unknown-key" for them.
"""
import base64
import os
import quopri
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "X-Vulnwatch-Test: written for the vulnwatch project"


def b_words(text, charset, chunk):
    """RFC 2047 B encoded words of `chunk` bytes each (splitting characters on purpose)."""
    data = text.encode(charset)
    return ["=?%s?B?%s?=" % (charset, base64.b64encode(data[i:i + chunk]).decode())
            for i in range(0, len(data), chunk)]


def folded(name, words):
    return name + ": " + "\n ".join(words)


def write(name, headers, body_bytes):
    head = "\n".join([MARK] + headers) + "\n\n"
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(head.encode("ascii") + body_bytes)


def b64(data):
    text = base64.b64encode(data).decode()
    return ("\n".join(text[i:i + 76] for i in range(0, len(text), 76)) + "\n").encode()


def qp(data):
    return quopri.encodestring(data)


def iso2022jp_words(text):
    """One ISO-2022-JP encoded word per piece, each piece self-contained (escapes reset)."""
    return ["=?ISO-2022-JP?B?%s?=" % base64.b64encode(p.encode("iso2022_jp")).decode()
            for p in text]


LOG4J_BODY = """各位

                                                   JPCERT-AT-2021-0050
                                                             JPCERT/CC
                                                  2021-12-11（新規）

                  <<< JPCERT/CC Alert 2021-12-11 >>>

  Apache Log4j の任意のコード実行の脆弱性（CVE-2021-44228）に関する注意喚起

            https://www.jpcert.or.jp/at/2021/at210050.html

I. 概要
  Java 向けのログ出力ライブラリ Apache Log4j に、外部から細工した文字列を
記録させるだけで任意のコードが実行されうる脆弱性があります。   
国内でも悪用を試みる通信が観測されているため、早急な確認をお勧めします。

II. 対象
  Apache Log4j 2.15.0 より前の 2 系のバージョン

III. 対策
  開発者が公開した修正版への更新、または回避策の適用を検討してください。

IV. 参考情報
  Japan Vulnerability Notes JVNVU#96768815
  Apache Log4j における任意のコード実行の脆弱性
  https://jvn.jp/vu/JVNVU96768815/

  本件に関するお問い合わせ: JPCERT/CC 早期警戒グループ
"""

IPA_BODY = """IPA 重要なセキュリティ情報

  Resume Builder に複数の脆弱性が存在することが公表されました（JVNDB-2023-004814）。
  影響を受ける製品を利用している場合は、速やかに修正版へ更新してください。

  ① 対象：Resume Builder 3.4.6 より前のバージョン
  ② 識別子：CVE-2023-0078
  ③ 詳細：https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html

  独立行政法人情報処理推進機構（IPA） セキュリティセンター
"""

OLD_ALERT_BODY = """各位

                                                   JPCERT-AT-2011-0008
                                                             JPCERT/CC
                                                            2011-04-13

                  <<< JPCERT/CC Alert 2011-04-13 >>>

  2011年4月 Microsoft セキュリティ情報 (緊急 9件含) に関する注意喚起

I. 概要
  日本マイクロソフト社から月例のセキュリティ更新が公開されました。
深刻度「緊急」の更新が含まれており、早めの適用を推奨します。

II. 参考情報
    Japan Vulnerability Notes JVNVU#276432
    https://jvn.jp/cert/JVNVU276432/index.html

    US-CERT Vulnerability Note VU#323172
    Microsoft Windows browser election message kernel pool overflow
    http://www.kb.cert.org/vuls/id/323172
"""

UTF8_BODY = """各位

                                                   JPCERT-AT-2021-0052
                                                             JPCERT/CC
                                                            2021-12-14

  Apache Log4j の脆弱性（CVE-2021-45046）に関する追加の注意喚起

I. 概要
  先日公開した修正版 2.15.0 にも、特定の設定では不十分な点が見つかりました。
  JPCERT-AT-2021-0050 もあわせて参照してください。

II. 参考情報
  https://www.jpcert.or.jp/at/2021/at210050.html
  JVNVU#96768815
"""


IPA_LOG4J_BODY = """IPA 重要なセキュリティ情報

  Apache Log4j の任意のコードが実行可能な脆弱性について、JVN iPedia の
  登録情報 JVNDB-2021-005429 が更新されました。
  Apache Log4j を組み込んだ製品を提供している場合は、影響の有無を確認し、
  修正版への更新などの対策を実施してください。

  詳細：https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html

  独立行政法人情報処理推進機構（IPA） セキュリティセンター
"""

WEEKLY_BODY = """各位

JPCERT/CC WEEKLY REPORT 2024-06-05

==================================
■今週のトピックス
==================================
【1】複数の Apache Log4j の脆弱性に関する情報が更新されました
  Japan Vulnerability Notes JVNVU#96768815
  https://jvn.jp/vu/JVNVU96768815/

【2】OpenSSL の heartbeat 拡張の脆弱性に関する情報が更新されました
  Japan Vulnerability Notes JVNVU#94401838
  https://jvn.jp/vu/JVNVU94401838/

【3】ヘルスケア・ゲートウェイ製 HG-200 に脆弱性
  Japan Vulnerability Notes JVN#90000901
  https://jvn.jp/jp/JVN90000901/

本レポートに関するお問い合わせ: JPCERT/CC 広報
"""


def main():
    # 1. JPCERT/CC alert, ISO-2022-JP 7bit, encoded subject split over folded lines.
    subject = "Apache Log4j の任意のコード実行の脆弱性（CVE-2021-44228）に関する注意喚起"
    write("jpcert_log4j_iso2022jp.eml", [
        "Return-Path: <alert-sender@example.jp>",
        "Message-ID: <20211211.log4j.0050@example.jp>",
        "Date: Sat, 11 Dec 2021 17:30:00 +0900",
        "From: JPCERT/CC Alert <alert-sender@example.jp>",
        "To: alert-list@example.jp",
        folded("Subject", iso2022jp_words(["Apache Log4j ", "の任意のコード実行の脆弱性",
                                           "（CVE-2021-44228）", "に関する注意喚起"])),
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="ISO-2022-JP"',
        "Content-Transfer-Encoding: 7bit",
    ], LOG4J_BODY.encode("iso2022_jp"))

    # 2. IPA notice, Shift_JIS label with CP932-only characters (①②③), base64.
    write("ipa_notice_sjis_base64.eml", [
        "Message-ID: <ipa-2023-1102-resume@example.jp>",
        "Date: Thu, 2 Nov 2023 12:00:00 JST",
        "From: IPA <security-notice@example.jp>",
        folded("Subject", b_words("【注意喚起】Resume Builder の脆弱性について", "Shift_JIS", 24)),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=Shift_JIS",
        "Content-Transfer-Encoding: base64",
    ], b64(IPA_BODY.encode("cp932")))

    # 3. Old-style alert, EUC-JP quoted-printable, VU#323172 (CERT/CC, not a JVN id).
    write("old_alert_eucjp_qp.eml", [
        "Message-ID: <at110008@example.jp>",
        "Date: Wed, 13 Apr 2011 10:00:00 +0900 (JST)",
        "From: JPCERT/CC <alert-sender@example.jp>",
        "Subject: =?EUC-JP?Q?2011=C7=AF4=B7=EE_Microsoft_?=",
        " " + b_words("セキュリティ情報に関する注意喚起", "EUC-JP", 60)[0],
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=euc-jp",
        "Content-Transfer-Encoding: quoted-printable",
    ], qp(OLD_ALERT_BODY.encode("euc_jp")))

    # 4. UTF-8 base64, subject with a character split between two encoded words.
    write("jpcert_utf8_base64.eml", [
        "Message-ID: <at210052.utf8@example.jp>",
        "Date: Tue, 14 Dec 2021 09:15:30 +0900",
        "From: JPCERT/CC <alert-sender@example.jp>",
        folded("Subject", b_words("Apache Log4j の脆弱性（CVE-2021-45046）に関する追加の注意喚起",
                                  "UTF-8", 10)),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
    ], b64(UTF8_BODY.encode("utf-8")))

    # 5. multipart/alternative: ISO-2022-JP plain part and a UTF-8 HTML part.
    plain = "プレーンテキスト版の本文です。\n対象: JVN#12345678\n"
    html = ("<html><body><p>HTML版の本文です。</p>"
            "<p>対象: <a href=\"https://jvn.jp/jp/JVN12345678/\">JVN#12345678</a></p>"
            "</body></html>\n")
    alt = ("--alt-boundary-1\n"
           "Content-Type: text/plain; charset=ISO-2022-JP\n"
           "Content-Transfer-Encoding: 7bit\n\n").encode() + plain.encode("iso2022_jp") + (
        "\n--alt-boundary-1\n"
        "Content-Type: text/html; charset=UTF-8\n"
        "Content-Transfer-Encoding: base64\n\n").encode() + b64(html.encode()) + (
        "--alt-boundary-1--\n").encode()
    write("alternative_html.eml", [
        "Message-ID: <alt.0001@example.jp>",
        "Date: Mon, 6 Nov 2023 08:00:00 +0000",
        "From: JVN <jvn-sender@example.jp>",
        "Subject: =?UTF-8?Q?JVN#12345678_=E3=81=AE=E3=81=8A=E7=9F=A5=E3=82=89=E3=81=9B?=",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="alt-boundary-1"',
    ], alt)

    # 6. HTML only, quoted-printable, with script/style/entities and an id only in a link.
    html = """<!DOCTYPE html>
<html><head><title>ignored title</title><style>p { color: red; }</style></head>
<body>
<script>var secret = "SCRIPT-TEXT";</script>
<h1>制御システム製品の脆弱性に関するお知らせ</h1>
<p>複数の製品に脆弱性があります&#x3002; Fuji &amp; Co. の製品&nbsp;を含みます。</p>
<ul><li>CVE-2023-1111</li><li>CVE-2023-2222</li></ul>
<p>詳細は<a href="https://jvn.jp/vu/JVNVU99999991/">JVN の公表ページ</a>を参照してください。</p>
<!-- COMMENT-TEXT JVN#11111111 -->
</body></html>
"""
    write("html_only_qp.eml", [
        "Message-ID: <html.only@example.jp>",
        "Date: Fri, 10 Nov 2023 15:04:05 +0900",
        "From: JVN <jvn-sender@example.jp>",
        "Subject: =?UTF-8?B?5Yi25b6h44K344K544OG44Og6KO95ZOB44Gu6ISG5byx5oCn?=",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=UTF-8",
        "Content-Transfer-Encoding: quoted-printable",
    ], qp(html.encode()))

    # 7. RFC 2047 torture: UTF-8 split mid-character over folded lines, Q words, plain text
    #    between words (kept) and whitespace between adjacent words (dropped).
    words = b_words("脆弱性情報", "UTF-8", 4)
    write("rfc2047_split.eml", [
        "Message-ID: <rfc2047.split@example.jp>",
        "Date: 1 Dec 23 09:00 GMT",
        "From: =?ISO-2022-JP?B?GyRCJT8lOSVIGyhC?= <test@example.jp>",
        "Subject: [test-list] " + words[0],
        "\t" + words[1],
        " " + " ".join(words[2:]) + " =?utf-8?q?=28JVNVU=2396768815=29?= and",
        " =?iso-8859-1?q?caf=E9?=",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    ], b"Plain ASCII body naming JVNVU#96768815.\n")

    # 8 and 9: signed mails, from a throwaway key.
    home = tempfile.mkdtemp(prefix="vw-mail-gpg-")
    try:
        gpg = ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback",
               "--passphrase", ""]
        subprocess.run(gpg + ["--quick-gen-key", "vulnwatch throwaway <throwaway@example.invalid>",
                              "ed25519", "sign", "never"], check=True, capture_output=True)
        text = ("JPCERT-AT-2021-0050 に関する更新のお知らせ\n\n"
                "-----BEGIN PGP SIGNED MESSAGE----- の行を含むことがあります。\n"
                "- 箇条書きの行\n"
                "----- 区切り -----\n"
                "JVNVU#96768815 を参照してください。\n")
        signed = subprocess.run(gpg + ["--clearsign"], input=text.encode("utf-8"), check=True,
                                capture_output=True).stdout
        write("clearsigned_utf8.eml", [
            "Message-ID: <clearsigned.0001@example.jp>",
            "Date: Mon, 13 Dec 2021 11:00:00 +0900",
            "From: JPCERT/CC <alert-sender@example.jp>",
            "Subject: =?UTF-8?B?44CQ572y5ZCN5LuY44GN44CR5pu05paw44Gu44GK55+l44KJ44Gb?=",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: 8bit",
        ], b"Mailing-list preface.\n\n" + signed + b"\n-- \nlist footer\n")

        part = ("Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + \
            qp("PGP/MIME で署名された本文です。\r\nCVE-2021-44228 と JVNVU#96768815。\r\n"
               .encode("utf-8")).replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
        signature = subprocess.run(gpg + ["--detach-sign", "--armor"], input=part, check=True,
                                   capture_output=True).stdout
        body = (b"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
                b"--signed-boundary\n" + part.replace(b"\r\n", b"\n") + b"\n--signed-boundary\n"
                b"Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
                b"Content-Description: OpenPGP digital signature\n\n" + signature +
                b"\n--signed-boundary--\n")
        write("pgp_mime_signed.eml", [
            "Message-ID: <pgpmime.0001@example.jp>",
            "Date: Mon, 13 Dec 2021 12:00:00 +0900",
            "From: JPCERT/CC <alert-sender@example.jp>",
            "Subject: PGP/MIME signed notice",
            "MIME-Version: 1.0",
            'Content-Type: multipart/signed; micalg=pgp-sha512;',
            ' protocol="application/pgp-signature"; boundary="signed-boundary"',
        ], body)
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)

    # 10. Broken: unknown charset (the bytes are UTF-8).
    write("broken_unknown_charset.eml", [
        "Message-ID: <broken.charset@example.jp>",
        "Date: Tue, 7 Nov 2023 10:00:00 +0900",
        "From: someone <someone@example.jp>",
        "Subject: unknown charset notice",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=x-vulnwatch-unknown",
        "Content-Transfer-Encoding: 8bit",
    ], "文字コード不明の本文 CVE-2023-0078\n".encode("utf-8"))

    # 11. Broken: truncated base64 (cut in the middle of a quantum).
    full = base64.b64encode(("切り詰められた本文です。JVN#87654321 の続きは失われました。" * 2)
                            .encode("utf-8")).decode()
    write("broken_truncated_base64.eml", [
        "Message-ID: <broken.base64@example.jp>",
        "Date: Tue, 7 Nov 2023 11:00:00 +0900",
        "From: someone <someone@example.jp>",
        "Subject: truncated base64 notice",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
    ], (full[:150] + "\n").encode())

    # 12. Broken: no Message-ID, Latin-1 quoted-printable (English notice).
    write("broken_no_message_id.eml", [
        "Date: Wed, 8 Nov 2023 09:30:00 -0500",
        "From: JPCERT/CC <alert-sender@example.jp>",
        "Subject: Security Alert: vulnerability in a caf=?ISO-8859-1?Q?=E9?= product",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=ISO-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
    ], qp("Caf\u00e9 Manager \u00a9 2023 is affected by CVE-2023-3333.\n"
          "See https://www.jpcert.or.jp/english/at/2023/at230001.html.\n".encode("latin-1")))

    # 13. IPA notice naming one vulnerability id (JVNDB-2021-005429) and no advisory: a record
    #     of that vulnerability's cluster. UTF-8 quoted-printable.
    write("ipa_log4j_jvndb_utf8_qp.eml", [
        "Message-ID: <ipa-2021-1215-log4j@example.jp>",
        "Date: Wed, 15 Dec 2021 10:00:00 +0900",
        "From: IPA <security-notice@example.jp>",
        folded("Subject", b_words("【注意喚起】Apache Log4j の脆弱性対策について", "UTF-8", 30)),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: quoted-printable",
    ], qp(IPA_LOG4J_BODY.encode("utf-8")))

    # 14. JPCERT/CC weekly-report style: three advisories in the body, none in the subject
    #     (mentions only). ISO-2022-JP 7bit.
    write("jpcert_weekly_iso2022jp.eml", [
        "Message-ID: <wr20240605.weekly@example.jp>",
        "Date: Wed, 5 Jun 2024 10:00:00 +0900",
        "From: JPCERT/CC <weekly-sender@example.jp>",
        "To: weekly-list@example.jp",
        "Subject: JPCERT/CC WEEKLY REPORT 2024-06-05",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="ISO-2022-JP"',
        "Content-Transfer-Encoding: 7bit",
    ], WEEKLY_BODY.encode("iso2022_jp"))


if __name__ == "__main__":
    main()
