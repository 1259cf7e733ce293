// MyJVN getAlertList responses written for vulnwatch's tests, in the real format (the official
// example shared/fixtures/jvn/myjvn_getAlertList_hnd.xml: Atom + mod_sec 3.0 + status:Status),
// so the parser, the source and `import` are exercised on a bare clone without the fixtures.
// The Log4j alert reuses the real identifiers of JPCERT-AT-2021-0050; its texts are ours.
#pragma once

#include <string>

namespace vw::test {

/// The feed head of a getAlertList response (as in the official example).
inline std::string alertListHead() {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<feed\n"
           "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
           "  xmlns=\"http://www.w3.org/2005/Atom\"\n"
           "  xmlns:sec=\"http://jvn.jp/rss/mod_sec/3.0/\"\n"
           "  xmlns:marking=\"http://data-marking.mitre.org/Marking-1\"\n"
           "  xmlns:tlpMarking=\"http://data-marking.mitre.org/extensions/"
           "MarkingStructure#TLP-1\"\n"
           "  xmlns:status=\"http://jvndb.jvn.jp/myjvn/Status\"\n"
           "  xsi:schemaLocation=\"http://www.w3.org/2005/Atom "
           "https://jvndb.jvn.jp/schema/atom.xsd\n"
           "                      http://jvndb.jvn.jp/myjvn/Status "
           "https://jvndb.jvn.jp/schema/status_3.3.xsd\"\n"
           "  xml:lang=\"ja\"\n"
           "  >\n"
           "  <title type=\"text\">IPA注意警戒サービスAPI</title>\n"
           "  <updated>2021-12-17T18:00:00+09:00</updated>\n"
           "  <id>swid:ipa.go.jp+myjvn_alert+1.0.0</id>\n"
           "  <link rel=\"alternate\" type=\"text/html\" hreflang=\"ja\"\n"
           "    href=\"https://jvndb.jvn.jp/apis/myjvn/\" />\n"
           "  <author>\n    <name>IPA</name>\n    <uri>https://www.ipa.go.jp/</uri>\n"
           "  </author>\n"
           "  <sec:handling>\n    <marking:Marking>\n"
           "      <marking:Marking_Structure xsi:type=\"tlpMarking:TLPMarkingStructureType\"\n"
           "        marking_model_name=\"TLP\" marking_model_ref=\"http://www.us-cert.gov/tlp/\"\n"
           "        color=\"WHITE\" />\n"
           "    </marking:Marking>\n  </sec:handling>\n";
}

/// A status:Status element (method getAlertList); retCd 1 leaves the counts empty, as the API
/// does on errors.
inline std::string alertListStatus(long totalRes, long totalResRet, long firstRes, int retCd = 0,
                                   const std::string& errCd = "", const std::string& errMsg = "") {
    const auto count = [&](long n) { return retCd == 0 ? std::to_string(n) : std::string(); };
    return "  <status:Status version=\"3.3\" method=\"getAlertList\" retCd=\"" +
           std::to_string(retCd) + "\" retMax=\"" + (retCd == 0 ? "50" : "") + "\" errCd=\"" +
           errCd + "\" errMsg=\"" + errMsg + "\"\n    totalRes=\"" + count(totalRes) +
           "\" totalResRet=\"" + count(totalResRet) + "\" firstRes=\"" +
           (retCd == 0 && firstRes > 0 ? std::to_string(firstRes) : std::string()) +
           "\" feed=\"hnd\"\n    ft=\"xml\" />\n";
}

/// A whole response: the head, `entries`, `status`.
inline std::string alertList(const std::string& entries, const std::string& status) {
    return alertListHead() + entries + status + "</feed>";
}

/// JPCERT-AT-2021-0050 (Log4j): its items name JVNVU#96768815, CVE-2021-44228 and
/// CVE-2021-45046, and the Log4j CPE twice.
inline std::string log4jAlertEntry() {
    return "  <entry>\n"
           "    <title>Apache Log4j の脆弱性対策について(CVE-2021-44228)</title>\n"
           "    <id>JPCERT-AT-2021-0050</id>\n"
           "    <summary>Apache Log4j に任意のコードを実行される脆弱性があります。"
           "早急に対策を実施してください。</summary>\n"
           "    <link href=\"https://www.jpcert.or.jp/at/2021/at210050.html\" />\n"
           "    <published>2021-12-11T10:12:00+09:00</published>\n"
           "    <updated>2021-12-17T17:46:00+09:00</updated>\n"
           "    <category term=\"Critical\" label=\"緊急\" />\n"
           "    <sec:items>\n"
           "      <sec:item>\n"
           "        <sec:title>JVN</sec:title>\n"
           "        <sec:identifier>JVNVU#96768815</sec:identifier>\n"
           "        <sec:summary>Apache Log4j に任意のコード実行の脆弱性</sec:summary>\n"
           "        <sec:link href=\"https://jvn.jp/vu/JVNVU96768815/\" />\n"
           "        <sec:cpe>cpe:/a:apache:log4j</sec:cpe>\n"
           "        <sec:published>2021-12-13T00:00:00+09:00</sec:published>\n"
           "        <sec:updated>2021-12-17T17:46:00+09:00</sec:updated>\n"
           "      </sec:item>\n"
           "      <sec:item>\n"
           "        <sec:title>Apache Log4j Security Vulnerabilities</sec:title>\n"
           "        <sec:identifier>MYJVN-ALT-2021-0050-0002</sec:identifier>\n"
           "        <sec:summary>CVE-2021-44228 と不完全な修正 CVE-2021-45046</sec:summary>\n"
           "        <sec:link href=\"https://logging.apache.org/log4j/2.x/security.html\" />\n"
           "        <sec:cpe> cpe:/a:apache:log4j </sec:cpe>\n"
           "        <sec:published>2021-12-15T00:00:00+09:00</sec:published>\n"
           "        <sec:updated>2021-12-15T00:00:00+09:00</sec:updated>\n"
           "      </sec:item>\n"
           "    </sec:items>\n"
           "  </entry>\n";
}

/// What getAlertList answers when nothing matches: one placeholder entry.
inline std::string noMatchEntry() {
    return "  <entry>\n"
           "    <title>該当する脆弱性対策情報はありません。</title>\n"
           "    <id></id>\n"
           "    <updated>2025-04-07T12:00:00+09:00</updated>\n"
           "  </entry>\n";
}

} // namespace vw::test
