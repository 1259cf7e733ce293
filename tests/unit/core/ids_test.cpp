#include "core/ids.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using vw::extractIds;
using vw::IdKind;
using vw::idKind;
using vw::normalizeId;

using Ids = std::vector<std::string>;

TEST_CASE("normalizeId accepts every id kind in canonical form", "[core][ids]") {
    const char* const canonical[] = {
        "CVE-2021-44228", "CVE-2023-0078",       "CVE-2024-1234567", "JVNDB-2023-004814",
        "JVN#64806328",   "JVNVU#96768815",      "JVNVU#276432",     "JVNTA21-001A",
        "JVNTA#92371676", "JPCERT-AT-2021-0050",
    };
    for (const char* id : canonical) {
        INFO(id);
        CHECK(normalizeId(id) == std::optional<std::string>(id));
    }
}

TEST_CASE("normalizeId trims, upper-cases and fixes the JVN forms", "[core][ids]") {
    CHECK(normalizeId("  cve-2021-44228\t") == "CVE-2021-44228");
    CHECK(normalizeId("\xE3\x80\x80JVNDB-2023-004814\xE3\x80\x80") == "JVNDB-2023-004814");
    CHECK(normalizeId("\xE3\x80\x80 \xE3\x80\x80jvn#12345678\n") == "JVN#12345678");
    CHECK(normalizeId("JVN12345678") == "JVN#12345678");
    CHECK(normalizeId("jvnvu12345678") == "JVNVU#12345678");
    CHECK(normalizeId("JVNVU276432") == "JVNVU#276432");
    CHECK(normalizeId("jvnta21-001a") == "JVNTA21-001A");
    CHECK(normalizeId("JVNTA92371676") == "JVNTA#92371676");
    CHECK(normalizeId("jpcert-at-2021-0050") == "JPCERT-AT-2021-0050");
}

TEST_CASE("normalizeId rejects what is not a vulnerability id", "[core][ids]") {
    const char* const rejected[] = {
        "",
        "   ",
        "\xE3\x80\x80",
        "CWE-79",
        "CWE-Other",
        "wpscan.com (4b7a3fa5-d9a6-4a8f-ba2c-8f1d0e5b7b6d)",
        "VU#323172",
        "CVE-2021-123",    // fewer than 4 digits
        "CVE-21-44228",    // two-digit year
        "CVE-2021-44228x", // trailing letter
        "CVE-2021-44228 extra",
        "XCVE-2021-44228",
        "JVNDB-2023-04814",   // 5 digits
        "JVNDB-2023-0048141", // 7 digits
        "JVN#1234567",        // 7 digits
        "JVN#123456789",
        "JVNVU#1234567", // 7 digits: neither the old nor the new form
        "JVNVU#12345",
        "JVNTA21-001", // missing letter
        "JVNTA#1234567",
        "JPCERT-AT-2021-050",
        "JPCERT/CC",
        "JVN",
        "JVN#",
    };
    for (const char* raw : rejected) {
        INFO("input: \"" << raw << "\"");
        CHECK_FALSE(normalizeId(raw));
    }
}

TEST_CASE("idKind classifies normalized ids only", "[core][ids]") {
    CHECK(idKind("CVE-2021-44228") == IdKind::Cve);
    CHECK(idKind("JVNDB-2023-004814") == IdKind::Jvndb);
    CHECK(idKind("JVN#64806328") == IdKind::Jvn);
    CHECK(idKind("JVNVU#96768815") == IdKind::Jvnvu);
    CHECK(idKind("JVNVU#276432") == IdKind::Jvnvu);
    CHECK(idKind("JVNTA21-001A") == IdKind::Jvnta);
    CHECK(idKind("JVNTA#92371676") == IdKind::Jvnta);
    CHECK(idKind("JPCERT-AT-2021-0050") == IdKind::JpcertAt);
    // not normalized
    CHECK_FALSE(idKind("cve-2021-44228"));
    CHECK_FALSE(idKind("JVN64806328"));
    CHECK_FALSE(idKind("JVNVU96768815"));
    CHECK_FALSE(idKind(" CVE-2021-44228"));
    CHECK_FALSE(idKind("CWE-79"));
    CHECK_FALSE(idKind(""));
}

TEST_CASE("extractIds finds ids in free text with word boundaries", "[core][ids]") {
    CHECK(extractIds("Apache Log4j (CVE-2021-44228) remote code execution") ==
          Ids{"CVE-2021-44228"});
    CHECK(extractIds("脆弱性（CVE-2021-44228）について") == Ids{"CVE-2021-44228"});
    CHECK(extractIds("CVE-2021-44228,CVE-2021-45046;cve-2021-45105.") ==
          Ids{"CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"});
    CHECK(extractIds("see VU#323172 at CERT/CC").empty());
    CHECK(extractIds("XCVE-2021-44228 and CVE-2021-44228X and 1CVE-2021-44228").empty());
    CHECK(extractIds("CWE-79 CWE-Other").empty());
    CHECK(extractIds("").empty());
    CHECK(extractIds("JVN#").empty());
}

TEST_CASE("extractIds keeps first-appearance order without duplicates", "[core][ids]") {
    CHECK(
        extractIds("JVNVU#96768815 CVE-2023-0001 jvnvu96768815 CVE-2023-0001 JVNDB-2023-004814") ==
        Ids{"JVNVU#96768815", "CVE-2023-0001", "JVNDB-2023-004814"});
}

TEST_CASE("extractIds reads ids inside URLs", "[core][ids]") {
    CHECK(extractIds("https://jvn.jp/vu/JVNVU96768815/") == Ids{"JVNVU#96768815"});
    CHECK(extractIds("https://jvn.jp/jp/JVN64806328/index.html") == Ids{"JVN#64806328"});
    CHECK(extractIds("http://jvn.jp/cert/JVNVU%23276432/index.html") == Ids{"JVNVU#276432"});
    CHECK(extractIds("https://www.jpcert.or.jp/at/2021/at210050.html") ==
          Ids{"JPCERT-AT-2021-0050"});
    CHECK(extractIds("https://www.jpcert.or.jp/english/at/2021/at210050.html") ==
          Ids{"JPCERT-AT-2021-0050"});
    CHECK(extractIds("https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-004814.html") ==
          Ids{"JVNDB-2023-004814"});
    CHECK(extractIds("https://www.cve.org/CVERecord?id=CVE-2023-0078") == Ids{"CVE-2023-0078"});
    CHECK(extractIds("https://jvn.jp/ta/JVNTA92371676/") == Ids{"JVNTA#92371676"});
    CHECK(extractIds("https://www.kb.cert.org/vuls/id/323172").empty());
    // The year folder and the file name disagree: not an alert page.
    CHECK(extractIds("https://www.jpcert.or.jp/at/2020/at210050.html").empty());
    // Not an alert page name.
    CHECK(extractIds("https://www.jpcert.or.jp/at/2021/at2100500.html").empty());
}

TEST_CASE("extractIds recognises every kind in one text", "[core][ids]") {
    const std::string text = "JVNDB-2023-004814 は JVN#64806328、JVNVU#276432、JVNTA21-001A、"
                             "JVNTA#92371676、JPCERT-AT-2021-0050 と CVE-2023-0078 に関連。";
    CHECK(extractIds(text) == Ids{"JVNDB-2023-004814", "JVN#64806328", "JVNVU#276432",
                                  "JVNTA21-001A", "JVNTA#92371676", "JPCERT-AT-2021-0050",
                                  "CVE-2023-0078"});
}

TEST_CASE("extractIds rejects ids with wrong digit counts", "[core][ids]") {
    CHECK(extractIds("JVN#123456789 JVNVU#1234567 JVNDB-2023-0048145 CVE-2021-123").empty());
}

TEST_CASE("canonicalizeAliases sorts, de-duplicates and removes self", "[core][ids]") {
    Ids ids{"JVNVU#96768815", "CVE-2023-0002", "JVNDB-2023-004814",
            "CVE-2023-0001",  "CVE-2023-0002", "JVNDB-2023-004814"};
    vw::canonicalizeAliases(ids, "JVNDB-2023-004814");
    CHECK(ids == Ids{"CVE-2023-0001", "CVE-2023-0002", "JVNVU#96768815"});

    Ids empty;
    vw::canonicalizeAliases(empty, "CVE-2023-0001");
    CHECK(empty.empty());

    Ids onlySelf{"CVE-2023-0001", "CVE-2023-0001"};
    vw::canonicalizeAliases(onlySelf, "CVE-2023-0001");
    CHECK(onlySelf.empty());
}
