// Sample inputs of core/vex.h for the tests (tests/unit/core/vex_test.cpp, tests/js/
// make_vex_docs.cpp) and the benchmark: values written for vulnwatch's tests, not copied from
// any advisory (the ids and vectors are real, the texts are ours).
#pragma once

#include "core/vex.h"

#include <string>

namespace vw::test {

inline Component sampleComponent(const std::string& name, const std::string& version,
                                 const std::string& purl, const std::string& cpe = "") {
    Component c;
    c.name = name;
    c.version = version;
    c.purl = purl;
    if (!cpe.empty()) {
        c.cpes.push_back(cpe);
    }
    return c;
}

inline VexCaseInput sampleCase(std::int64_t id, const std::string& version, CaseState state,
                               std::map<std::string, std::string> fields = {}) {
    VexCaseInput c;
    c.id = id;
    c.product = "Example Imaging Viewer";
    c.version = version;
    c.state = state;
    c.fields = std::move(fields);
    c.components = {"log4j-core@2.14.1"};
    return c;
}

/// Example Imaging Viewer 3.1 (received), 3.2 (closed: fixed in 3.5), 3.3 (not affected),
/// 3.4 (responding with a mitigation), each with log4j-core 2.14.1, and one vulnerability
/// (Log4Shell) with a case per version.
inline VexInput sampleMixedInput() {
    VexInput in;
    in.trackingId = "VW-VEX-Example Imaging Viewer";
    in.scope = "Example Imaging Viewer";
    in.publisherName = "Example Medical K.K.";
    in.publisherNamespace = "https://psirt.example.jp/";
    in.generatorVersion = "0.1.0";
    for (const char* version : {"3.1", "3.2", "3.3", "3.4"}) {
        VexProductInput p;
        p.product = "Example Imaging Viewer";
        p.version = version;
        p.components = {
            sampleComponent("log4j-core", "2.14.1",
                            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                            "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"),
            sampleComponent("zlib", "1.2.13", "pkg:generic/zlib@1.2.13", "cpe:/a:zlib:zlib:1.2.13"),
        };
        in.products.push_back(p);
    }
    VexVulnerabilityInput v;
    v.key = "JVNDB-2021-005429";
    v.ids = {"CVE-2021-44228", "JVNDB-2021-005429", "JVNVU#96768815"};
    v.title = "Apache Log4j における任意のコードが実行可能な脆弱性";
    v.summary = "テスト用の要約: JNDI Lookup 機能の脆弱性。";
    v.cvss = {{"2.0", 9.3, "High", "AV:N/AC:M/Au:N/C:C/I:C/A:C"},
              {"3.0", 10.0, "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}};
    v.links = {
        {"https://jvndb.jvn.jp/ja/contents/2021/JVNDB-2021-005429.html", "JVNDB-2021-005429"}};
    v.cases = {
        sampleCase(1, "3.1", CaseState::Received),
        sampleCase(2, "3.2", CaseState::Closed,
                   {{"action", "fix"},
                    {"target_version", "3.5"},
                    {"remedy", "バージョン 3.5 を提供しました。"},
                    {"fixed_version", "3.5"},
                    {"notice", "通知 2026-001"}}),
        sampleCase(3, "3.3", CaseState::NotAffected,
                   {{"justification", "vulnerable_code_not_in_execute_path"},
                    {"impact", "JNDI Lookup を使う経路がありません。"}}),
        sampleCase(
            4, "3.4", CaseState::Responding,
            {{"action", "mitigation"}, {"risk", "uncontrolled"}, {"assessment", "LAN のみ"}}),
    };
    in.vulnerabilities.push_back(v);
    in.revisions = {{1790000000, 1, "case 1 opened"},
                    {1790000000, 2, "case 2 opened"},
                    {1790003600, 7, "case 3: evaluating -> not_affected"},
                    {1790000100, 5, "case 2: received -> confirming"}};
    return in;
}

/// A vulnerability JVN names and no CVE does (JVNDB- and JVN# only), CVSS 3.1.
inline VexVulnerabilityInput sampleJvnOnly(const std::string& product, const std::string& version,
                                           std::int64_t caseId) {
    VexVulnerabilityInput v;
    v.key = "JVNDB-2024-000999";
    v.ids = {"JVNDB-2024-000999", "JVN#99999999"};
    v.title = "テスト用: 製品の管理画面におけるクロスサイトスクリプティング";
    v.cvss = {{"3.1", 6.1, "Medium", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}};
    VexCaseInput c;
    c.id = caseId;
    c.product = product;
    c.version = version;
    c.state = CaseState::Evaluating;
    v.cases.push_back(c);
    return v;
}

/// A product version with `n` components (purl and CPE each) and one case about a component.
inline VexInput sampleLargeInput(int components, int cases) {
    VexInput in;
    in.trackingId = "VW-VEX-Large Console-5.0";
    in.scope = "Large Console 5.0";
    in.publisherName = "Example Medical K.K.";
    in.publisherNamespace = "https://psirt.example.jp/";
    VexProductInput p;
    p.product = "Large Console";
    p.version = "5.0";
    for (int i = 0; i < components; ++i) {
        const std::string name = "lib" + std::to_string(i);
        p.components.push_back(sampleComponent(
            name, "1." + std::to_string(i % 10), "pkg:npm/" + name + "@1." + std::to_string(i % 10),
            "cpe:2.3:a:example:" + name + ":1." + std::to_string(i % 10) + ":*:*:*:*:*:*:*"));
    }
    in.products.push_back(p);
    static const CaseState states[] = {CaseState::Received,      CaseState::Responding,
                                       CaseState::NotAffected,   CaseState::Closed,
                                       CaseState::FalsePositive, CaseState::RiskAccepted};
    for (int i = 0; i < cases; ++i) {
        VexVulnerabilityInput v;
        v.key = "JVNDB-2025-" + std::to_string(100000 + i);
        v.ids = {v.key, "CVE-2025-" + std::to_string(10000 + i)};
        v.title = "テスト用の脆弱性 " + std::to_string(i);
        v.summary = "テスト用の要約 " + std::to_string(i);
        v.cvss = {{"3.1", 7.5, "High", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}};
        VexCaseInput c;
        c.id = i + 1;
        c.product = "Large Console";
        c.version = "5.0";
        c.state = states[i % 6];
        c.components = {"lib" + std::to_string(i % components) + "@1." +
                        std::to_string((i % components) % 10)};
        c.fields = {{"action", "fix"},
                    {"target_version", "5.1"},
                    {"remedy", "5.1 に更新してください。"},
                    {"fixed_version", "5.1"},
                    {"justification", "component_not_present"},
                    {"impact", "使っていません。"},
                    {"reason", "テスト"},
                    {"expires", "2027-01-31"}};
        v.cases.push_back(c);
        in.vulnerabilities.push_back(v);
        in.revisions.push_back({1790000000 + i, i + 1, "case " + std::to_string(i + 1)});
    }
    return in;
}

} // namespace vw::test
