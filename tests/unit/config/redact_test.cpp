// redacted(): secrets never printed, output parses back, and the shipped example loads.
#include "config/config.h"
#include "config_test_util.h"
#include "helpers/fixtures.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using Catch::Matchers::Contains;
using vw::test::TempDir;

TEST_CASE("redacted never shows an inline secret", "[config][redact]") {
    const auto config = vw::parseConfig(
        "[source.s]\ntype = jvn-rss\nurl = https://x.jp/a.rdf\nuser = reader\n"
        "password = FEED-PASSWORD\n"
        "[notifier.m]\ntype = email\nsmtp = smtp://mx.jp:587\nfrom = a@b.jp\nuser = vw\n"
        "password = MAIL-PASSWORD\n"
        "[notifier.w]\ntype = webhook\nurl = https://hooks.example.jp:8443/services/HOOK-TOKEN?"
        "key=QUERY-TOKEN\nsecret = HMAC-KEY\n",
        "t.conf");
    const auto text = vw::redacted(config);
    for (const char* secret :
         {"FEED-PASSWORD", "MAIL-PASSWORD", "HOOK-TOKEN", "QUERY-TOKEN", "HMAC-KEY", "services"}) {
        INFO(secret);
        CHECK_THAT(text, !Contains(secret));
    }
    CHECK_THAT(text, Contains("[source.s]\ntype = jvn-rss\n"));
    CHECK_THAT(text, Contains("\nuser = reader\npassword = <redacted>\n"));
    CHECK_THAT(text, Contains("\nuser = vw\npassword = <redacted>\n"));
    CHECK_THAT(text, Contains("\nurl = https://hooks.example.jp:8443/<redacted>\n"));
    CHECK_THAT(text, Contains("\nsecret = <redacted>\n"));
}

TEST_CASE("redacted shows *_file secrets as the path, never the content", "[config][redact]") {
    TempDir dir;
    dir.write("pw", "FILE-PASSWORD\n");
    dir.write("url", "https://hooks.example.jp/FILE-TOKEN\n");
    dir.write("key", "FILE-HMAC\n");
    const auto conf = dir.write("vw.conf", "[notifier.m]\ntype = email\nsmtp = smtp://mx.jp\n"
                                           "from = a@b.jp\npassword_file = pw\n"
                                           "[notifier.w]\ntype = webhook\nurl_file = url\n"
                                           "secret_file = key\n");
    const auto config = vw::loadConfig(conf.string());
    REQUIRE(config.notifiers.at(0).password.value == "FILE-PASSWORD");
    const auto text = vw::redacted(config);
    for (const char* secret : {"FILE-PASSWORD", "FILE-TOKEN", "FILE-HMAC", "hooks.example.jp"}) {
        INFO(secret);
        CHECK_THAT(text, !Contains(secret));
    }
    CHECK_THAT(text, Contains("password_file = " + (dir.path() / "pw").string() + "\n"));
    CHECK_THAT(text, Contains("url_file = " + (dir.path() / "url").string() + "\n"));
    CHECK_THAT(text, Contains("secret_file = " + (dir.path() / "key").string() + "\n"));
}

TEST_CASE("redacted fills in defaults and writes durations and sizes compactly",
          "[config][redact]") {
    const auto text = vw::redacted(
        vw::parseConfig("[source.s]\ntype = jvn-rss\nurl = https://x.jp/a.rdf\ninterval = 900\n"
                        "max_bytes = 524288\n[notifier.m]\ntype = email\nsmtp = smtp://mx.jp\n"
                        "from = a@b.jp\n",
                        "t.conf"));
    CHECK_THAT(text, Contains("[store]\npath = /var/lib/vulnwatch/vulnwatch.db\n"));
    CHECK_THAT(text, Contains("[daemon]\nlog_level = info\n"));
    CHECK_THAT(text, Contains("\ninterval = 15m\ntimeout = 1m\nmax_bytes = 512K\n"));
    CHECK_THAT(text, Contains("\nenabled = true\n"));
    CHECK_THAT(text, Contains("\nmode = immediate\nmin_severity = 0.0\nmin_confidence = 0\n"
                              "timeout = 30s\n"));
    CHECK_THAT(text, Contains("\nstarttls = auto\n"));
}

TEST_CASE("redacted output of a config without secrets parses back equal", "[config][redact]") {
    const auto original = vw::parseConfig(
        "[store]\npath = /srv/vw.db\n[daemon]\nlog_level = warning\n"
        "[source.jvndb-new]\ntype = jvn-rss\nurl = https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf\n"
        "interval = 90s\ntimeout = 2h\nmax_bytes = 1G\nca_file = /etc/ssl/private-ca.pem\n"
        "user = reader\nenabled = 0\n"
        "[source.b]\ntype = jvn-rss\nurl = http://127.0.0.1:8080/feed.rdf?x=1\n"
        "[notifier.mail]\ntype = email\nsmtp = smtp://smtp.example.co.jp:587\n"
        "starttls = off\nfrom = 通知 <vw@example.co.jp>\nto = a@b.jp,c@d.jp , 担当 <e@f.jp>\n"
        "mode = digest\nmin_severity = 6.25\nmin_confidence = 42\ntimeout = 45s\n"
        "[notifier.tls]\ntype = email\nsmtp = smtps://[2001:db8::1]:465\nfrom = x@y.jp\n"
        "[notifier.chat]\ntype = webhook\nurl_file = /etc/vulnwatch/hook.url\n"
        "secret_file = /etc/vulnwatch/hook.key\nmin_severity = 9\n",
        "round.conf", false);
    const auto text = vw::redacted(original);
    INFO(text);
    auto reparsed = vw::parseConfig(text, "round.conf", false);
    CHECK(reparsed == original);
    CHECK(vw::redacted(reparsed) == text);
    CHECK_THAT(text, !Contains("starttls = auto")); // smtps:// has no STARTTLS
}

TEST_CASE("redacted output of a loaded file with secret files parses back equal",
          "[config][redact]") {
    TempDir dir;
    dir.write("hook.url", "https://h.example.jp/T\n");
    const auto conf = dir.write("vw.conf", "[notifier.w]\ntype = webhook\nurl_file = hook.url\n");
    const auto original = vw::loadConfig(conf.string());
    auto reparsed = vw::parseConfig(vw::redacted(original), conf.string());
    CHECK(reparsed == original);
}

TEST_CASE("redacted of the defaults is a valid config", "[config][redact]") {
    const vw::Config defaults;
    const auto text = vw::redacted(defaults);
    CHECK_THAT(text, !Contains(" from "));
    CHECK(vw::parseConfig(text, "") == defaults);
}

TEST_CASE("the shipped example loads without its secret files", "[config][example]") {
    const auto path = (vw::test::sourceDir() / "config" / "vulnwatch.conf.example").string();
    const auto config = vw::loadConfig(path, false);
    CHECK(config.store.path == "/var/lib/vulnwatch/vulnwatch.db");
    CHECK(config.logLevel == "info");
    REQUIRE(config.sources.size() == 2);
    CHECK(config.sources[0].type == "jvn-rss");
    CHECK(config.sources[0].url == "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf");
    CHECK(config.sources[1].url == "https://jvndb.jvn.jp/ja/rss/jvndb.rdf");
    REQUIRE(config.notifiers.size() == 6);
    const auto& mail = config.notifiers[0];
    CHECK(mail.type == "email");
    CHECK(mail.password.sourceFile == "/etc/vulnwatch/smtp.secret");
    CHECK(mail.password.value.empty());
    const auto& hook = config.notifiers[1];
    CHECK(hook.type == "webhook");
    CHECK(hook.url.sourceFile == "/etc/vulnwatch/webhook.url");
    CHECK(hook.secret.sourceFile == "/etc/vulnwatch/webhook.secret");
    CHECK(config.notifiers[2].type == "slack");
    CHECK(config.notifiers[3].type == "teams");
    CHECK(config.notifiers[4].type == "mattermost");
    CHECK(config.notifiers[5].type == "chatwork");
    CHECK(config.notifiers[5].token.sourceFile == "/etc/vulnwatch/chatwork.token");
    CHECK(vw::parseConfig(vw::redacted(config), path, false) == config);
}

/// The example with the commented-out source sections switched on (lines ";[source." up to the
/// next blank line lose their leading ";"; ";; " lines stay comments).
std::string exampleWithAllSources() {
    const auto text =
        vw::test::readFile(vw::test::sourceDir() / "config" / "vulnwatch.conf.example");
    std::string result;
    bool inSection = false;
    std::string::size_type start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        end = end == std::string::npos ? text.size() : end + 1;
        std::string line = text.substr(start, end - start);
        start = end;
        if (line.starts_with(";[source.")) {
            inSection = true;
        } else if (line == "\n") {
            inSection = false;
        }
        if (inSection && line.starts_with(";") && !line.starts_with(";;")) {
            line.erase(0, 1);
        } else if (inSection && line.starts_with(";;")) {
            line.erase(0, 1); // still a comment
        }
        result += line;
    }
    return result;
}

TEST_CASE("the commented-out source examples load when switched on", "[config][example]") {
    const auto text = exampleWithAllSources();
    INFO(text);
    const auto config = vw::parseConfig(text, "example.conf", false);
    REQUIRE(config.sources.size() == 8);
    const auto& csaf = config.sources[7];
    CHECK(csaf.type == "csaf");
    CHECK(csaf.keyring == "/etc/vulnwatch/gnupg-cisa");
    CHECK(csaf.interval == std::chrono::hours(1));
    const auto& kev = config.sources[6];
    CHECK(kev.type == "kev");
    CHECK(kev.url ==
          "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json");
    CHECK(kev.interval == std::chrono::hours(24));
    const auto& myjvn = config.sources[2];
    CHECK(myjvn.type == "myjvn");
    CHECK(myjvn.url == "https://jvndb.jvn.jp/myjvn");
    CHECK(myjvn.since == "2024-04-01");
    const auto& alerts = config.sources[3];
    CHECK(alerts.type == "myjvn-alert");
    CHECK(alerts.url == "https://jvndb.jvn.jp/myjvn");
    CHECK(alerts.interval == std::chrono::hours(1));
    const auto& detail = config.sources[4];
    CHECK(detail.type == "jvn-detail-feed");
    CHECK(detail.url == "https://jvndb.jvn.jp/ja/feed/detail/");
    CHECK(detail.checksumUrl == "https://jvndb.jvn.jp/ja/feed/checksum.txt");
    CHECK(detail.since == "2015");
    const auto& mail = config.sources[5];
    CHECK(mail.type == "imap");
    CHECK(mail.url == "imaps://mail.example.co.jp/INBOX");
    CHECK(mail.password.sourceFile == "/etc/vulnwatch/imap.secret");
    CHECK(mail.afterProcessing == "move");
    CHECK(mail.moveTo == "Archive/JPCERT");
    CHECK(mail.keyring == "/etc/vulnwatch/gnupg");
    CHECK(mail.list == "jpcert-announce");
    CHECK(vw::parseConfig(vw::redacted(config), "example.conf", false) == config);
}

TEST_CASE("the shipped example loads with real secret files next to it", "[config][example]") {
    TempDir dir;
    auto text = vw::test::readFile(vw::test::sourceDir() / "config" / "vulnwatch.conf.example");
    for (std::string::size_type at = 0;
         (at = text.find("/etc/vulnwatch/", at)) != std::string::npos;) {
        text.replace(at, 15, "");
    }
    dir.write("smtp.secret", "EXAMPLE-MAIL-PASSWORD\n");
    dir.write("webhook.url", "https://chat.example.co.jp/hooks/EXAMPLE-TOKEN\n");
    dir.write("webhook.secret", "EXAMPLE-HMAC\n");
    dir.write("slack.url", "https://hooks.slack.example/services/EXAMPLE-SLACK\n");
    dir.write("teams.url", "https://teams.example/workflows/EXAMPLE-TEAMS\n");
    dir.write("mattermost.url", "https://mm.example.co.jp/hooks/EXAMPLE-MM\n");
    dir.write("chatwork.token", "EXAMPLE-CHATWORK-TOKEN\n");
    const auto conf = dir.write("vulnwatch.conf", text);
    const auto config = vw::loadConfig(conf.string());
    CHECK(config.notifiers.at(0).password.value == "EXAMPLE-MAIL-PASSWORD");
    CHECK(config.notifiers.at(1).url.value == "https://chat.example.co.jp/hooks/EXAMPLE-TOKEN");
    CHECK(config.notifiers.at(1).secret.value == "EXAMPLE-HMAC");
    CHECK(config.notifiers.at(5).token.value == "EXAMPLE-CHATWORK-TOKEN");
    const auto redactedText = vw::redacted(config);
    CHECK_THAT(redactedText, !Contains("EXAMPLE-"));
}
