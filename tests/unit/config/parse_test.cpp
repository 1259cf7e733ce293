// parseConfig / loadConfig: syntax, defaults, values of every key.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

using namespace std::chrono_literals;
using vw::test::TempDir;

namespace {

const char* const fullConfig = R"([store]
path = /srv/vw/vw.db

[daemon]
log_level = debug

[source.jvndb-new]
type = jvn-rss
url = https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf
interval = 5m
timeout = 90s
max_bytes = 64M
user = reader
password = hunter2
enabled = no

[notifier.mail]
type = email
smtp = smtps://smtp.example.co.jp:465
from = vulnwatch <vulnwatch@example.co.jp>
user = vw
password = mail-pass
to = a@example.jp, b@example.jp
mode = digest
min_severity = 7.5
min_confidence = 80
timeout = 1m

[notifier.chat]
type = webhook
url = https://chat.example.co.jp/hooks/abc
secret = hmac-key
)";

} // namespace

TEST_CASE("an empty config is valid and has every default", "[config][defaults]") {
    const auto config = vw::parseConfig("", "empty.conf");
    CHECK(config.file == "empty.conf");
    CHECK(config.store.path == "/var/lib/vulnwatch/vulnwatch.db");
    CHECK(config.logLevel == "info");
    CHECK(config.sources.empty());
    CHECK(config.notifiers.empty());
}

TEST_CASE("a source section gets the documented defaults", "[config][defaults]") {
    const auto config =
        vw::parseConfig("[source.s]\ntype = jvn-rss\nurl = https://x.jp/a.rdf\n", "t.conf");
    REQUIRE(config.sources.size() == 1);
    const auto& source = config.sources[0];
    CHECK(source.name == "s");
    CHECK(source.type == "jvn-rss");
    CHECK(source.url == "https://x.jp/a.rdf");
    CHECK(source.interval == 15min);
    CHECK(source.timeout == 60s);
    CHECK(source.maxBytes == 128u * 1024u * 1024u);
    CHECK(source.caFile.empty());
    CHECK(source.user.empty());
    CHECK(source.password.empty());
    CHECK(source.enabled);
}

TEST_CASE("notifier sections get the documented defaults", "[config][defaults]") {
    const auto config = vw::parseConfig("[notifier.m]\ntype = email\nsmtp = smtp://mx.jp\n"
                                        "from = a@b.jp\n\n[notifier.w]\ntype = webhook\n"
                                        "url = http://127.0.0.1:8080/hook\n",
                                        "t.conf");
    REQUIRE(config.notifiers.size() == 2);
    const auto& mail = config.notifiers[0];
    CHECK(mail.name == "m");
    CHECK(mail.type == "email");
    CHECK(mail.mode == "immediate");
    CHECK(mail.minSeverity == 0.0);
    CHECK(mail.minConfidence == 0);
    CHECK(mail.timeout == 30s);
    CHECK(mail.starttls == "auto");
    CHECK(mail.smtp == "smtp://mx.jp");
    CHECK(mail.from == "a@b.jp");
    CHECK(mail.to.empty());
    CHECK(mail.password.empty());
    const auto& hook = config.notifiers[1];
    CHECK(hook.name == "w");
    CHECK(hook.type == "webhook");
    CHECK(hook.url.value == "http://127.0.0.1:8080/hook");
    CHECK(hook.url.sourceFile.empty());
    CHECK(hook.secret.empty());
}

TEST_CASE("every key of a full config is read", "[config][parse]") {
    const auto config = vw::parseConfig(fullConfig, "full.conf");
    CHECK(config.store.path == "/srv/vw/vw.db");
    CHECK(config.logLevel == "debug");
    REQUIRE(config.sources.size() == 1);
    const auto& source = config.sources[0];
    CHECK(source.name == "jvndb-new");
    CHECK(source.interval == 5min);
    CHECK(source.timeout == 90s);
    CHECK(source.maxBytes == 64u * 1024u * 1024u);
    CHECK(source.user == "reader");
    CHECK(source.password.value == "hunter2");
    CHECK(source.password.sourceFile.empty());
    CHECK_FALSE(source.enabled);
    REQUIRE(config.notifiers.size() == 2);
    const auto& mail = config.notifiers[0];
    CHECK(mail.smtp == "smtps://smtp.example.co.jp:465");
    CHECK(mail.from == "vulnwatch <vulnwatch@example.co.jp>");
    CHECK(mail.user == "vw");
    CHECK(mail.password.value == "mail-pass");
    CHECK(mail.to == std::vector<std::string>{"a@example.jp", "b@example.jp"});
    CHECK(mail.mode == "digest");
    CHECK(mail.minSeverity == 7.5);
    CHECK(mail.minConfidence == 80);
    CHECK(mail.timeout == 60s);
    const auto& hook = config.notifiers[1];
    CHECK(hook.url.value == "https://chat.example.co.jp/hooks/abc");
    CHECK(hook.secret.value == "hmac-key");
}

TEST_CASE("enabled accepts true, false, yes, no, 1 and 0", "[config][parse]") {
    const std::pair<const char*, bool> cases[] = {{"true", true}, {"false", false}, {"yes", true},
                                                  {"no", false},  {"1", true},      {"0", false},
                                                  {"True", true}, {"NO", false}};
    for (const auto& [text, expected] : cases) {
        INFO("enabled = " << text);
        const auto config = vw::parseConfig(
            std::string("[source.s]\ntype = jvn-rss\nurl = https://x.jp/\nenabled = ") + text +
                "\n",
            "t.conf");
        CHECK(config.sources.at(0).enabled == expected);
    }
}

TEST_CASE("comments, blank lines and indentation are skipped", "[config][parse]") {
    const auto config = vw::parseConfig("; a comment\n# another\n\n   \n  [daemon]  \n"
                                        "\t; indented comment\n  log_level   =   warning  \n",
                                        "t.conf");
    CHECK(config.logLevel == "warning");
}

TEST_CASE("a semicolon or hash inside a value is part of the value", "[config][parse]") {
    const auto config = vw::parseConfig("[source.s]\ntype = jvn-rss\nurl = https://x.jp/a.rdf\n"
                                        "user = me ; not a comment\npassword = p#ss;word\n",
                                        "t.conf");
    CHECK(config.sources.at(0).user == "me ; not a comment");
    CHECK(config.sources.at(0).password.value == "p#ss;word");
}

TEST_CASE("Japanese values survive unchanged", "[config][parse][utf8]") {
    const auto config = vw::parseConfig("; 設定ファイル（コメント）\n"
                                        "[notifier.mail]\n"
                                        "type = email\n"
                                        "smtp = smtp://mx.example.jp\n"
                                        "from = 脆弱性通知システム <vw@example.jp>\n"
                                        "user = 品質保証部\n"
                                        "password = パスワード；秘密\n",
                                        "t.conf");
    const auto& mail = config.notifiers.at(0);
    CHECK(mail.from == "脆弱性通知システム <vw@example.jp>");
    CHECK(mail.user == "品質保証部");
    CHECK(mail.password.value == "パスワード；秘密");
}

TEST_CASE("a UTF-8 byte order mark is skipped", "[config][parse][utf8]") {
    const auto config = vw::parseConfig("\xEF\xBB\xBF[daemon]\nlog_level = error\n", "bom.conf");
    CHECK(config.logLevel == "error");
}

TEST_CASE("CRLF line endings are accepted", "[config][parse]") {
    const auto config = vw::parseConfig(
        "; dos\r\n[daemon]\r\nlog_level = debug\r\n\r\n[source.s]\r\ntype = jvn-rss\r\n"
        "url = https://x.jp/a.rdf\r\ninterval = 2h\r\n",
        "dos.conf");
    CHECK(config.logLevel == "debug");
    CHECK(config.sources.at(0).url == "https://x.jp/a.rdf");
    CHECK(config.sources.at(0).interval == 2h);
}

TEST_CASE("a file without a final newline is read to the end", "[config][parse]") {
    const auto config = vw::parseConfig("[daemon]\nlog_level = warning", "t.conf");
    CHECK(config.logLevel == "warning");
}

TEST_CASE("section names allow letters, digits, underscore, dot and hyphen", "[config][parse]") {
    const auto config = vw::parseConfig("[source.JVN_db.new-2]\ntype = jvn-rss\n"
                                        "url = http://[::1]:8080/feed\n",
                                        "t.conf");
    CHECK(config.sources.at(0).name == "JVN_db.new-2");
    CHECK(config.sources.at(0).url == "http://[::1]:8080/feed");
}

TEST_CASE("sources and notifiers keep file order", "[config][parse]") {
    const auto config = vw::parseConfig(
        "[source.b]\ntype = jvn-rss\nurl = https://b.jp/\n[notifier.z]\ntype = webhook\n"
        "url = https://z.jp/h\n[source.a]\ntype = jvn-rss\nurl = https://a.jp/\n",
        "t.conf");
    REQUIRE(config.sources.size() == 2);
    CHECK(config.sources[0].name == "b");
    CHECK(config.sources[1].name == "a");
    CHECK(config.notifiers.at(0).name == "z");
}

TEST_CASE("a source and a notifier may share a name", "[config][parse]") {
    const auto config = vw::parseConfig("[source.x]\ntype = jvn-rss\nurl = https://b.jp/\n"
                                        "[notifier.x]\ntype = webhook\nurl = https://z.jp/h\n",
                                        "t.conf");
    CHECK(config.sources.at(0).name == "x");
    CHECK(config.notifiers.at(0).name == "x");
}

TEST_CASE("the known type lists", "[config][types]") {
    CHECK(vw::knownSourceTypes() == std::vector<std::string>{"jvn-rss", "myjvn", "myjvn-alert",
                                                             "jvn-detail-feed", "imap", "kev",
                                                             "csaf"});
    CHECK(vw::knownNotifierTypes() ==
          std::vector<std::string>{"email", "webhook", "slack", "teams", "mattermost", "chatwork"});
}

TEST_CASE("loadConfig reads a file and names it in Config::file", "[config][load]") {
    TempDir dir;
    const auto path = dir.write("vw.conf", "[daemon]\nlog_level = warning\n");
    const auto config = vw::loadConfig(path.string());
    CHECK(config.file == path.string());
    CHECK(config.logLevel == "warning");
}

TEST_CASE("a relative store path resolves against the config file's directory",
          "[config][load][paths]") {
    TempDir dir;
    const auto path = dir.write("etc/vw.conf", "[store]\npath = ../data/vw.db\n");
    const auto config = vw::loadConfig(path.string());
    CHECK(config.store.path == (dir.path() / "data" / "vw.db").string());
}
