// The install base CSV (parseInstallBaseCsv) and the re-import diff (diffInstallBase). The
// Shift_JIS bytes below are what Python's "中央病院".encode("cp932") etc. give, written as escapes.
#include "inventory/installbase.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using vw::InstallBaseFile;
using vw::InstallBaseRow;

const std::string kHeader = "site,site id,product,version,quantity,contact name,contact email,"
                            "contact phone,role,notes\r\n";

std::string problemsText(const InstallBaseFile& f) {
    std::string s;
    for (const auto& p : f.problems) {
        s += "line " + std::to_string(p.line) + ": " + p.message + "\n";
    }
    return s;
}

} // namespace

TEST_CASE("installbase reads UTF-8 with a BOM and Japanese headers", "[installbase]") {
    const std::string csv = "\xEF\xBB\xBF"
                            "施設名,施設ID,製品,バージョン,台数,担当者,メールアドレス,電話番号,"
                            "宛先種別,備考\r\n"
                            "中央病院,S001,Viewer,3.2,3,山田 太郎,yamada@chuo.example.jp,"
                            "03-1234-5678,病院,\r\n"
                            "東病院,S002,Viewer,3.2,,,lease@lease.example.jp,,リース会社,メモ\r\n";
    const InstallBaseFile f = vw::parseInstallBaseCsv(csv);
    INFO(problemsText(f));
    REQUIRE(f.problems.empty());
    CHECK(f.encoding == "UTF-8 (BOM)");
    REQUIRE(f.rows.size() == 2);
    CHECK(f.rows[0].siteName == "中央病院");
    CHECK(f.rows[0].siteId == "S001");
    CHECK(f.rows[0].quantity == 3);
    CHECK(f.rows[0].contactName == "山田 太郎");
    CHECK(f.rows[0].contactPhone == "03-1234-5678");
    CHECK(f.rows[0].role == "hospital");
    CHECK(f.rows[0].line == 2);
    CHECK(f.rows[1].quantity == 1); // empty quantity: one unit
    CHECK(f.rows[1].role == "lessor");
    CHECK(f.rows[1].notes == "メモ");
    CHECK(f.rows[1].line == 3);
}

TEST_CASE("installbase reads Shift_JIS as Excel writes it", "[installbase]") {
    // 施設名,施設ID,製品,バージョン,メールアドレス,宛先種別 / 中央病院,S001,Viewer,3.2,a@b.jp,病院
    // and a CP932-only character: ① (0x87 0x40).
    const std::string csv = "\x8E\x7B\x90\xDD\x96\xBC,\x8E\x7B\x90\xDD"
                            "ID,\x90\xBB\x95\x69,\x83\x6F\x81\x5B\x83\x57\x83\x87\x83\x93,"
                            "\x83\x81\x81\x5B\x83\x8B\x83\x41\x83\x68\x83\x8C\x83\x58,"
                            "\x88\xB6\x90\xE6\x8E\xED\x95\xCA\r\n"
                            "\x92\x86\x89\x9B\x95\x61\x89\x40\x87\x40,S001,Viewer,3.2,a@b.jp,"
                            "\x95\x61\x89\x40\r\n";
    const InstallBaseFile f = vw::parseInstallBaseCsv(csv);
    INFO(problemsText(f));
    REQUIRE(f.problems.empty());
    CHECK(f.encoding == "Shift_JIS (CP932)");
    REQUIRE(f.rows.size() == 1);
    CHECK(f.rows[0].siteName == "中央病院①");
    CHECK(f.rows[0].role == "hospital");
    CHECK(f.rows[0].contactEmail == "a@b.jp");
}

TEST_CASE("installbase refuses bytes that are neither UTF-8 nor Shift_JIS", "[installbase]") {
    // 0x85 0x40 is an unassigned CP932 lead byte pair; 0xFF never starts a character.
    const std::string csv = "site,site id,product,version,contact email,role\n"
                            "A,1,P,1,a@b.jp,hospital\n"
                            "\xFF\xFF,2,P,1,a@b.jp,hospital\n";
    const InstallBaseFile f = vw::parseInstallBaseCsv(csv);
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0].line == 3);
    CHECK_THAT(f.problems[0].message, Catch::Contains("neither UTF-8 nor Shift_JIS"));
    CHECK(f.rows.empty());
}

TEST_CASE("installbase reads quoted fields with commas and line breaks and doubled quotes",
          "[installbase]") {
    const std::string csv = kHeader + "\"東病院, 本館\",S002,Viewer,3.2,1,,a@b.jp,,hospital,"
                                      "\"一行目\r\n二行目 \"\"引用\"\"\"\r\n"
                                      "西病院,S003,Viewer,3.2,2,,c@d.jp,,distributor,\r\n";
    const InstallBaseFile f = vw::parseInstallBaseCsv(csv);
    INFO(problemsText(f));
    REQUIRE(f.problems.empty());
    REQUIRE(f.rows.size() == 2);
    CHECK(f.rows[0].siteName == "東病院, 本館");
    CHECK(f.rows[0].notes == "一行目\n二行目 \"引用\"");
    CHECK(f.rows[1].line == 4); // the quoted line break moved it down one line
    CHECK(f.rows[1].role == "distributor");
}

TEST_CASE("installbase reports every bad row with its line number", "[installbase]") {
    const std::string csv = kHeader +                                            // line 1
                            "A,S1,Viewer,3.2,1,,ok@example.jp,,hospital,\n" +    // 2 good
                            "B,S2,Viewer,3.2,1,,x,,hospital,\n" +                // 3 email
                            "C,S3,Viewer,3.2,zero,,c@d.jp,,hospital,\n" +        // 4 quantity
                            "D,S4,Viewer,3.2,1,,d@e.jp,,boss,\n" +               // 5 role
                            ",S5,Viewer,3.2,1,,e@f.jp,,lessor,\n" +              // 6 site name
                            "F,S6,Viewer,3.2,1,,f@g.jp,phone?,lessor,\n" +       // 7 phone
                            "G,S7,Viewer\n" +                                    // 8 fields
                            "\n" +                                               // 9 blank
                            "A2,S1,Viewer,3.2,2,,other@example.jp,,hospital,\n"; // 10 dup of 2
    const InstallBaseFile f = vw::parseInstallBaseCsv(csv);
    INFO(problemsText(f));
    REQUIRE(f.problems.size() == 7);
    CHECK(f.problems[0].line == 3);
    CHECK(f.problems[0].message == "contact email 'x' is not a mail address");
    CHECK(f.problems[1].line == 4);
    CHECK_THAT(f.problems[1].message, Catch::Contains("quantity 'zero'"));
    CHECK(f.problems[2].line == 5);
    CHECK(f.problems[2].message == "role 'boss' is not hospital, lessor or distributor");
    CHECK(f.problems[3].line == 6);
    CHECK(f.problems[3].message == "site name is empty");
    CHECK(f.problems[4].line == 7);
    CHECK_THAT(f.problems[4].message, Catch::Contains("contact phone 'phone?'"));
    CHECK(f.problems[5].line == 8);
    CHECK(f.problems[5].message == "the row has 3 fields but the header 10");
    CHECK(f.problems[6].line == 10);
    CHECK_THAT(f.problems[6].message, Catch::Contains("as line 2"));
    CHECK(f.rows.size() == 1);
}

TEST_CASE("installbase refuses a header with unknown or missing columns", "[installbase]") {
    const InstallBaseFile unknown =
        vw::parseInstallBaseCsv("site,site id,product,version,contact email,role,colour\nA,1,P,"
                                "1,a@b.jp,hospital,red\n");
    REQUIRE(unknown.problems.size() == 1);
    CHECK(unknown.problems[0].line == 1);
    CHECK_THAT(unknown.problems[0].message, Catch::Contains("unknown column 'colour'"));

    const InstallBaseFile missing =
        vw::parseInstallBaseCsv("site,product,version,contact email,role\nA,P,1,a@b.jp,lessor\n");
    REQUIRE(missing.problems.size() == 1);
    CHECK(missing.problems[0].message == "the header has no site id column");
    CHECK(missing.rows.empty());

    const InstallBaseFile empty = vw::parseInstallBaseCsv("\r\n\r\n");
    REQUIRE(empty.problems.size() == 1);
    CHECK_THAT(empty.problems[0].message, Catch::Contains("header row is required"));

    const InstallBaseFile unclosed = vw::parseInstallBaseCsv(
        "site,site id,product,version,contact email,role\n\"A,1,P,1,a@b.jp,hospital\n");
    REQUIRE_FALSE(unclosed.problems.empty());
    CHECK(unclosed.problems[0].line == 2);
    CHECK_THAT(unclosed.problems[0].message, Catch::Contains("never closed"));
}

TEST_CASE("installbase diff tells added removed and changed rows apart", "[installbase]") {
    const auto row = [](std::string site, std::string role, std::string email, long long q) {
        InstallBaseRow r;
        r.siteId = std::move(site);
        r.siteName = "Hospital " + r.siteId;
        r.product = "Viewer";
        r.version = "3.2";
        r.role = std::move(role);
        r.contactEmail = std::move(email);
        r.quantity = q;
        return r;
    };
    const std::vector<InstallBaseRow> before = {row("S1", "hospital", "a@x.jp", 1),
                                                row("S2", "hospital", "b@x.jp", 1),
                                                row("S2", "lessor", "l@x.jp", 1)};
    std::vector<InstallBaseRow> after = {row("S1", "hospital", "a@x.jp", 1),
                                         row("S2", "hospital", "b2@x.jp", 4),
                                         row("S3", "distributor", "d@x.jp", 2)};
    after[0].line = 9; // the line alone is no change
    const vw::InstallBaseDiff diff = vw::diffInstallBase(before, after);
    CHECK(diff.unchanged == 1);
    REQUIRE(diff.added.size() == 1);
    CHECK(diff.added[0].siteId == "S3");
    REQUIRE(diff.removed.size() == 1);
    CHECK(diff.removed[0].role == "lessor");
    REQUIRE(diff.changed.size() == 1);
    CHECK(diff.changed[0].first.contactEmail == "b@x.jp");
    CHECK(diff.changed[0].second.contactEmail == "b2@x.jp");
    CHECK(vw::changedFields(diff.changed[0].first, diff.changed[0].second) ==
          std::vector<std::string>{"quantity", "contact email"});
    CHECK(vw::diffInstallBase(before, before).empty());
}

TEST_CASE("installbase recipient roles in English and Japanese", "[installbase]") {
    CHECK(vw::parseRecipientRole("Hospital") == "hospital");
    CHECK(vw::parseRecipientRole("医療機関") == "hospital");
    CHECK(vw::parseRecipientRole(" lessor ") == "lessor");
    CHECK(vw::parseRecipientRole("販売代理店") == "distributor");
    CHECK(vw::parseRecipientRole("owner").empty());
}
