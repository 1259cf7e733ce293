// Every class of config error, with the file, line, section and key it must name.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using vw::test::errorOf;
using vw::test::TempDir;

namespace {

const std::string source = "[source.s]\ntype = jvn-rss\nurl = https://x.jp/a.rdf\n";
const std::string email = "[notifier.m]\ntype = email\nsmtp = smtp://mx.jp\nfrom = a@b.jp\n";
const std::string webhook = "[notifier.w]\ntype = webhook\nurl = https://h.jp/hook/T0K3N\n";

vw::Config parse(const std::string& text) {
    return vw::parseConfig(text, "t.conf");
}

} // namespace

TEST_CASE("what() reads FILE:LINE: [SECTION] KEY: message", "[config][errors]") {
    const auto error = errorOf(source + "interval = soon\n");
    CHECK(error.file() == "t.conf");
    CHECK(error.line() == 4);
    CHECK(error.section() == "source.s");
    CHECK(error.key() == "interval");
    CHECK(std::string(error.what()) ==
          "t.conf:4: [source.s] interval: 'soon' is not a duration (a positive number with s, "
          "m, h or d; e.g. 90s, 15m, 2h, 1d)");
}

TEST_CASE("ConfigError leaves out empty section and key", "[config][errors]") {
    const vw::ConfigError wholeFile("a.conf", 0, "", "cannot read a.conf");
    CHECK(std::string(wholeFile.what()) == "a.conf:0: cannot read a.conf");
    CHECK(wholeFile.section().empty());
    const vw::ConfigError sectionOnly("a.conf", 3, "store", "", "duplicate section");
    CHECK(std::string(sectionOnly.what()) == "a.conf:3: [store]: duplicate section");
}

TEST_CASE("a missing config file is a whole-file error", "[config][errors][load]") {
    TempDir dir;
    const auto path = (dir.path() / "absent.conf").string();
    try {
        vw::loadConfig(path);
        FAIL("no error for a missing file");
    } catch (const vw::ConfigError& error) {
        CHECK(error.file() == path);
        CHECK(error.line() == 0);
        CHECK(error.key().empty());
        CHECK_THAT(error.what(), StartsWith(path + ":0: cannot read " + path + ": "));
        CHECK_THAT(error.what(), Contains("No such file"));
    }
}

TEST_CASE("a directory given as config file is a whole-file error", "[config][errors][load]") {
    TempDir dir;
    CHECK_THROWS_WITH(vw::loadConfig(dir.path().string()),
                      StartsWith(dir.path().string() + ":0: cannot read "));
}

TEST_CASE("errors in a loaded file name the path as given", "[config][errors][load]") {
    TempDir dir;
    const auto path = dir.write("bad.conf", "[daemon]\n\nlog_level = loud\n");
    CHECK_THROWS_WITH(vw::loadConfig(path.string()),
                      path.string() + ":3: [daemon] log_level: 'loud' is not one of: debug, info, "
                                      "warning, error");
}

TEST_CASE("syntax errors name the line", "[config][errors][syntax]") {
    SECTION("a line that is neither key, header nor comment") {
        const auto error = errorOf("[daemon]\nlog_level info\n");
        CHECK(error.line() == 2);
        CHECK(error.key().empty());
        CHECK_THAT(error.what(), StartsWith("t.conf:2: [daemon]: expected 'key = value'"));
    }
    SECTION("text after a section header") {
        const auto error = errorOf("\n[daemon] ; comment\n");
        CHECK(error.line() == 2);
        CHECK_THAT(error.what(), StartsWith("t.conf:2: a section header must be a whole line"));
    }
    SECTION("an empty section name") {
        CHECK_THROWS_WITH(parse("[ ]\n"), "t.conf:1: empty section name '[]'");
    }
    SECTION("a key that is not lower_snake_case") {
        const auto error = errorOf("[daemon]\nLog_Level = info\n");
        CHECK(error.line() == 2);
        CHECK(error.key() == "Log_Level");
        CHECK_THAT(error.what(), StartsWith("t.conf:2: [daemon] Log_Level: keys are lower_snake"));
    }
    SECTION("a hyphenated key") {
        CHECK(errorOf("[daemon]\nlog-level = info\n").key() == "log-level");
    }
    SECTION("a missing key") {
        CHECK_THROWS_WITH(parse("[daemon]\n = info\n"),
                          "t.conf:2: [daemon]: missing key before '='");
    }
    SECTION("a key before any section") {
        const auto error = errorOf("; top\nlog_level = info\n[daemon]\n");
        CHECK(error.line() == 2);
        CHECK(error.key() == "log_level");
        CHECK(error.section().empty());
        CHECK_THAT(error.what(), StartsWith("t.conf:2: log_level: key outside any section"));
    }
    SECTION("an empty value") {
        CHECK_THROWS_WITH(parse(source + "user =\n"),
                          "t.conf:4: [source.s] user: empty value (remove the line to use the "
                          "default)");
    }
    SECTION("invalid UTF-8") {
        const auto error = errorOf("[daemon]\n; caf\xE9\n");
        CHECK(error.line() == 2);
        CHECK_THAT(error.what(), Contains("not valid UTF-8"));
    }
    SECTION("a truncated UTF-8 sequence at the end of a line") {
        CHECK(errorOf("[source.s]\nuser = \xE8\xA8\n").line() == 2);
    }
    SECTION("a control character in a value, a header or a key") {
        // fuzz_config's finding: a path ending in a CR loaded, and `config check` printed it
        // with the CR, which the next load took as part of the line end.
        const auto cr = errorOf("[store]\npath = /var/lib/vw/x.db\r \n");
        CHECK(cr.line() == 2);
        CHECK_THAT(cr.what(), StartsWith("t.conf:2: [store]: a control character (U+000D) at "
                                         "column 24; only tabs may appear in a line"));
        const auto nul = errorOf(std::string("[store]\npath = /a\0b\n", 20));
        CHECK(nul.line() == 2);
        CHECK_THAT(nul.what(), Contains("(U+0000) at column 10"));
        CHECK_THAT(errorOf("[daemon\x1B]\n").what(), Contains("(U+001B) at column 8"));
        CHECK_THAT(errorOf("[daemon]\nlog\x7F = x\n").what(), Contains("(U+007F) at column 4"));
        // A CR-only file (old Mac line ends) is one line with CRs in it: refused, not misread.
        CHECK(errorOf("[daemon]\rlog_level = debug\r").line() == 1);
        // Comments are not read, tabs are spaces.
        CHECK_NOTHROW(parse("; a comment with \x01 in it\n[daemon]\n\tlog_level\t=\tdebug\t\n"));
    }
    SECTION("CRLF files report the same lines") {
        CHECK(errorOf("[daemon]\r\n\r\nlog_level = x\r\n").line() == 3);
    }
    SECTION("a BOM does not shift line numbers") {
        CHECK(errorOf("\xEF\xBB\xBF[daemon]\nlog_level = x\n").line() == 2);
    }
}

TEST_CASE("duplicates are errors at the second occurrence", "[config][errors][duplicates]") {
    SECTION("a duplicate key") {
        const auto error = errorOf(source + "interval = 5m\ninterval = 10m\n");
        CHECK(error.line() == 5);
        CHECK(error.key() == "interval");
        CHECK(std::string(error.what()) ==
              "t.conf:5: [source.s] interval: duplicate key (first at line 4)");
    }
    SECTION("a duplicate section") {
        const auto error = errorOf("[store]\npath = /a\n\n[store]\npath = /b\n");
        CHECK(error.line() == 4);
        CHECK(error.key().empty());
        CHECK(std::string(error.what()) ==
              "t.conf:4: [store]: duplicate section (first at line 1)");
    }
    SECTION("a duplicate source section") {
        CHECK(errorOf(source + "\n" + source).line() == 5);
    }
    SECTION("the same key in two sections is fine") {
        CHECK_NOTHROW(vw::parseConfig(source + "timeout = 1m\n" + email + "timeout = 1m\n", "t"));
    }
}

TEST_CASE("unknown sections and keys are errors", "[config][errors][unknown]") {
    SECTION("an unknown section") {
        const auto error = errorOf("[daemon]\n\n[sources.x]\ntype = jvn-rss\n");
        CHECK(error.line() == 3);
        CHECK(error.section() == "sources.x");
        CHECK(std::string(error.what()) ==
              "t.conf:3: [sources.x]: unknown section (expected [store], [daemon], [match], "
              "[calendar], [deadlines], [cases], [evidence], [web], [notices], "
              "[source.NAME], [notifier.NAME] or [owner.NAME])");
    }
    SECTION("a section named in upper case") {
        CHECK(errorOf("[Store]\n").line() == 1);
    }
    SECTION("a source without a name") {
        CHECK_THROWS_WITH(parse("[source.]\n"),
                          "t.conf:1: [source.]: a name may only contain A-Z, a-z, 0-9, '_', '.' "
                          "and '-'");
    }
    SECTION("a notifier name with a space") {
        CHECK(errorOf("\n[notifier.my chat]\ntype = webhook\n").line() == 2);
    }
    SECTION("an unknown key, with a hint") {
        const auto error = errorOf(source + "intervall = 5m\n");
        CHECK(error.line() == 4);
        CHECK(error.key() == "intervall");
        CHECK(std::string(error.what()) ==
              "t.conf:4: [source.s] intervall: unknown key (did you mean 'interval'?)");
    }
    SECTION("an unknown key without a near miss") {
        CHECK_THROWS_WITH(parse("[store]\ncolour = blue\n"),
                          "t.conf:2: [store] colour: unknown key");
    }
    SECTION("a key of another section kind") {
        CHECK(errorOf("[daemon]\npath = /x\n").key() == "path");
    }
}

TEST_CASE("type is required and must be known", "[config][errors][types]") {
    SECTION("a source without type names the header line") {
        const auto error = errorOf("[daemon]\n[source.s]\nurl = https://x.jp/\n");
        CHECK(error.line() == 2);
        CHECK(error.key() == "type");
        CHECK(std::string(error.what()) ==
              "t.conf:2: [source.s] type: required key missing (one of: jvn-rss, myjvn, "
              "myjvn-alert, jvn-detail-feed, imap, kev, csaf)");
    }
    SECTION("a notifier without type") {
        CHECK_THROWS_WITH(parse("[notifier.n]\nurl = https://x.jp/\n"),
                          "t.conf:1: [notifier.n] type: required key missing (one of: email, "
                          "webhook, slack, teams, mattermost, chatwork)");
    }
    SECTION("an unknown source type") {
        const auto error = errorOf("[source.s]\nurl = https://x.jp/\ntype = atom\n");
        CHECK(error.line() == 3);
        CHECK(error.key() == "type");
        CHECK(std::string(error.what()) ==
              "t.conf:3: [source.s] type: unknown type 'atom' (known: jvn-rss, myjvn, "
              "myjvn-alert, jvn-detail-feed, imap, kev, csaf)");
    }
    SECTION("an unknown notifier type") {
        CHECK(errorOf("[notifier.n]\ntype = discord\n").line() == 2);
    }
}

TEST_CASE("keys of one type are errors on another", "[config][errors][types]") {
    SECTION("smtp on a webhook") {
        const auto error = errorOf(webhook + "smtp = smtp://mx.jp\n");
        CHECK(error.line() == 4);
        CHECK(error.key() == "smtp");
        CHECK(std::string(error.what()) ==
              "t.conf:4: [notifier.w] smtp: applies only to email notifiers, not to type webhook");
    }
    SECTION("secret_file on an email notifier") {
        const auto error = errorOf(email + "secret_file = /x\n");
        CHECK(error.line() == 5);
        CHECK(error.key() == "secret_file");
    }
    SECTION("to on a webhook") {
        CHECK(errorOf(webhook + "to = a@b.jp\n").key() == "to");
    }
}

TEST_CASE("a missing required key names the section header's line", "[config][errors][required]") {
    SECTION("url of a source") {
        const auto error = errorOf("\n[source.s]\ntype = jvn-rss\ninterval = 5m\n");
        CHECK(error.line() == 2);
        CHECK(error.key() == "url");
        CHECK(std::string(error.what()) == "t.conf:2: [source.s] url: required key missing");
    }
    SECTION("smtp of an email notifier") {
        const auto error = errorOf("[notifier.m]\ntype = email\nfrom = a@b.jp\n");
        CHECK(error.line() == 1);
        CHECK(error.key() == "smtp");
    }
    SECTION("from of an email notifier") {
        const auto error = errorOf("[daemon]\n[notifier.m]\ntype = email\nsmtp = smtp://mx\n");
        CHECK(error.line() == 2);
        CHECK(error.key() == "from");
    }
    SECTION("url of a webhook") {
        CHECK_THROWS_WITH(parse("[notifier.w]\ntype = webhook\nsecret = k\n"),
                          "t.conf:1: [notifier.w] url: required key missing (set url or "
                          "url_file)");
    }
}

TEST_CASE("a key and its _file form together are an error", "[config][errors][secrets]") {
    SECTION("password then password_file") {
        const auto error = errorOf(email + "password = x\npassword_file = /nonexistent\n");
        CHECK(error.line() == 6);
        CHECK(error.key() == "password_file");
        CHECK(std::string(error.what()) ==
              "t.conf:6: [notifier.m] password_file: both password (line 5) and password_file "
              "are set: keep one");
    }
    SECTION("url_file then url") {
        const auto error = errorOf("[notifier.w]\ntype = webhook\nurl_file = /nonexistent\n"
                                   "url = https://h.jp/x\n",
                                   false);
        CHECK(error.line() == 4);
        CHECK(error.key() == "url");
    }
    SECTION("secret and secret_file on a source-less webhook") {
        CHECK(errorOf(webhook + "secret = a\nsecret_file = b\n", false).line() == 5);
    }
}

TEST_CASE("durations are validated where they are used", "[config][errors][duration]") {
    SECTION("zero") {
        const auto error = errorOf(source + "timeout = 0\n");
        CHECK(error.line() == 4);
        CHECK(error.key() == "timeout");
        CHECK_THAT(error.what(), Contains("is zero"));
    }
    SECTION("negative") {
        CHECK(errorOf(source + "interval = -5m\n").key() == "interval");
    }
    SECTION("an interval under 10 seconds") {
        CHECK_THROWS_WITH(parse(source + "interval = 9s\n"),
                          "t.conf:4: [source.s] interval: '9s' is shorter than the minimum of 10s");
    }
    SECTION("an interval of exactly 10 seconds is fine") {
        CHECK(vw::parseConfig(source + "interval = 10\n", "t").sources.at(0).interval.count() ==
              10);
    }
    SECTION("a notifier timeout with a bad unit") {
        CHECK(errorOf(email + "timeout = 1w\n").line() == 5);
    }
}

TEST_CASE("bad values name the key", "[config][errors][values]") {
    SECTION("max_bytes") {
        CHECK_THROWS_WITH(parse(source + "max_bytes = 64MB\n"),
                          "t.conf:4: [source.s] max_bytes: '64MB' is not a size (bytes, or a "
                          "number with K, M or G; e.g. 512K, 64M, 1G)");
    }
    SECTION("enabled") {
        CHECK_THROWS_WITH(parse(source + "enabled = on\n"),
                          "t.conf:4: [source.s] enabled: 'on' is not a boolean (true/false, "
                          "yes/no, 1/0)");
    }
    SECTION("log_level") {
        CHECK(errorOf("[daemon]\nlog_level = verbose\n").key() == "log_level");
    }
    SECTION("mode") {
        CHECK_THROWS_WITH(parse(email + "mode = weekly\n"),
                          "t.conf:5: [notifier.m] mode: 'weekly' is not one of: immediate, "
                          "digest");
    }
    SECTION("starttls") {
        CHECK(errorOf(email + "starttls = yes\n").key() == "starttls");
    }
    SECTION("min_severity above 10") {
        CHECK_THROWS_WITH(parse(email + "min_severity = 10.1\n"),
                          "t.conf:5: [notifier.m] min_severity: '10.1' is not a CVSS score from "
                          "0.0 to 10.0");
    }
    SECTION("min_severity garbage") {
        for (const char* bad : {"-1", "high", "7.5.1", "nan", "1e1", "7,5"}) {
            INFO(bad);
            CHECK(errorOf(email + "min_severity = " + bad + "\n").key() == "min_severity");
        }
    }
    SECTION("min_severity bounds are inclusive") {
        CHECK(vw::parseConfig(email + "min_severity = 10\n", "t").notifiers[0].minSeverity == 10.0);
        CHECK(vw::parseConfig(email + "min_severity = 0.0\n", "t").notifiers[0].minSeverity == 0.0);
    }
    SECTION("min_confidence") {
        for (const char* bad : {"101", "-1", "50.5", "half"}) {
            INFO(bad);
            CHECK(errorOf(email + "min_confidence = " + bad + "\n").key() == "min_confidence");
        }
        CHECK(vw::parseConfig(email + "min_confidence = 100\n", "t").notifiers[0].minConfidence ==
              100);
    }
}

TEST_CASE("URLs and addresses are checked", "[config][errors][values]") {
    SECTION("a source URL that is not http or https") {
        CHECK_THROWS_WITH(parse("[source.s]\ntype = jvn-rss\nurl = ftp://x.jp/a\n"),
                          "t.conf:3: [source.s] url: 'ftp://x.jp/a' is not an http:// or "
                          "https:// URL with a host");
    }
    SECTION("a source URL without host") {
        CHECK(errorOf("[source.s]\ntype = jvn-rss\nurl = https:///a\n").key() == "url");
    }
    SECTION("a source URL with a user name") {
        CHECK_THAT(errorOf("[source.s]\ntype = jvn-rss\nurl = https://u:p@x.jp/\n").what(),
                   Contains("use the user and password keys"));
    }
    SECTION("a source URL with a bad port") {
        CHECK(errorOf("[source.s]\ntype = jvn-rss\nurl = https://x.jp:99999/\n").line() == 3);
    }
    SECTION("smtp with another scheme") {
        const auto error = errorOf("[notifier.m]\ntype = email\nsmtp = https://mx.jp\n");
        CHECK(error.line() == 3);
        CHECK(error.key() == "smtp");
    }
    SECTION("smtp with a path") {
        CHECK_THAT(errorOf("[notifier.m]\ntype = email\nsmtp = smtp://mx.jp/x\n").what(),
                   Contains("no path"));
    }
    SECTION("smtp with a user") {
        CHECK_THAT(errorOf("[notifier.m]\ntype = email\nsmtp = smtp://me@mx.jp:25\n").what(),
                   Contains("use the user and password keys"));
    }
    SECTION("smtp with an empty port") {
        CHECK(errorOf("[notifier.m]\ntype = email\nsmtp = smtp://mx.jp:\n").key() == "smtp");
    }
    SECTION("starttls other than auto with smtps") {
        const auto error = errorOf("[notifier.m]\ntype = email\nstarttls = required\n"
                                   "smtp = smtps://mx.jp\nfrom = a@b.jp\n");
        CHECK(error.line() == 3);
        CHECK(error.key() == "starttls");
    }
    SECTION("from without an address") {
        for (const char* bad :
             {"vulnwatch", "a@", "@b.jp", "Name <a@b.jp", "a b@c.jp", "Name <>", "a@@b.jp"}) {
            INFO(bad);
            CHECK(errorOf(std::string("[notifier.m]\ntype = email\nsmtp = smtp://mx\nfrom = ") +
                          bad + "\n")
                      .key() == "from");
        }
    }
    SECTION("a bad address in to") {
        const auto error = errorOf(email + "to = a@b.jp, , c@d.jp\n");
        CHECK(error.line() == 5);
        CHECK(error.key() == "to");
    }
    SECTION("a webhook URL is never echoed") {
        const auto error = errorOf("[notifier.w]\ntype = webhook\nurl = ftp://h.jp/SECRET-TOKEN\n");
        CHECK(error.line() == 3);
        CHECK(error.key() == "url");
        CHECK_THAT(error.what(), !Contains("SECRET-TOKEN"));
    }
}

TEST_CASE("a mistyped SMTP URL is named without its password", "[config][errors][redact]") {
    const auto error = errorOf(
        "[notifier.m]\ntype = email\nsmtp = smpt://mailer:S3cr3t-pw@mx.jp\nfrom = a@b.jp\n");
    const std::string what = error.what();
    CHECK_THAT(what, Catch::Contains("is not an smtp:// or smtps:// URL"));
    CHECK_THAT(what, Catch::Contains("smpt://<redacted>@mx.jp"));
    CHECK_THAT(what, !Catch::Contains("S3cr3t-pw"));
}
