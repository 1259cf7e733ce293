// Secrets from *_file keys, relative paths and the readSecrets switch.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using vw::test::TempDir;

namespace {

std::string emailWith(const std::string& line) {
    return "[notifier.m]\ntype = email\nsmtp = smtp://mx.jp\nfrom = a@b.jp\n" + line + "\n";
}

} // namespace

TEST_CASE("secrets are read from files with trailing newlines stripped", "[config][secrets]") {
    TempDir dir;
    const auto password = dir.write("smtp.secret", "s3cret-pass\n");
    const auto url = dir.write("hook.url", "https://chat.example.jp/hooks/T0K3N\r\n\n");
    const auto key = dir.write("hook.key", "hmac key with spaces  \n");
    const auto conf =
        dir.write("vw.conf", emailWith("password_file = " + password.string()) +
                                 "[notifier.w]\ntype = webhook\nurl_file = " + url.string() +
                                 "\nsecret_file = " + key.string() + "\n");
    const auto config = vw::loadConfig(conf.string());
    const auto& mail = config.notifiers.at(0);
    CHECK(mail.password.value == "s3cret-pass");
    CHECK(mail.password.sourceFile == password.string());
    const auto& hook = config.notifiers.at(1);
    CHECK(hook.url.value == "https://chat.example.jp/hooks/T0K3N");
    CHECK(hook.url.sourceFile == url.string());
    CHECK(hook.secret.value == "hmac key with spaces  ");
    CHECK(hook.secret.sourceFile == key.string());
}

TEST_CASE("a source password can come from a file", "[config][secrets]") {
    TempDir dir;
    dir.write("feed.secret", "feed-pass");
    const auto conf = dir.write("vw.conf", "[source.s]\ntype = jvn-rss\nurl = https://x.jp/\n"
                                           "user = u\npassword_file = feed.secret\n");
    const auto config = vw::loadConfig(conf.string());
    const auto& source = config.sources.at(0);
    CHECK(source.password.value == "feed-pass");
    CHECK(source.password.sourceFile == (dir.path() / "feed.secret").string());
}

TEST_CASE("relative *_file and ca_file paths resolve against the config file's directory",
          "[config][secrets][paths]") {
    TempDir dir;
    dir.write("etc/secrets/smtp.secret", "pw\n");
    dir.write("etc/ca.pem", "not really a certificate\n");
    const auto conf =
        dir.write("etc/vw.conf", emailWith("password_file = secrets/smtp.secret\nca_file = "
                                           "./ca.pem"));
    const auto config = vw::loadConfig(conf.string());
    const auto& mail = config.notifiers.at(0);
    CHECK(mail.password.value == "pw");
    CHECK(mail.password.sourceFile == (dir.path() / "etc" / "secrets" / "smtp.secret").string());
    CHECK(mail.caFile == (dir.path() / "etc" / "ca.pem").string());
}

TEST_CASE("relative paths in text resolve against the current directory",
          "[config][secrets][paths]") {
    const auto config = vw::parseConfig(emailWith("password_file = sub/pw.txt"), "t.conf", false);
    const auto& secret = config.notifiers.at(0).password;
    CHECK(secret.sourceFile == (std::filesystem::current_path() / "sub" / "pw.txt").string());
    CHECK(secret.value.empty());
}

TEST_CASE("a missing secret file names key and path", "[config][secrets][errors]") {
    TempDir dir;
    const auto missing = (dir.path() / "nope.secret").string();
    const auto conf = dir.write("vw.conf", emailWith("password_file = nope.secret"));
    try {
        vw::loadConfig(conf.string());
        FAIL("no error for a missing secret file");
    } catch (const vw::ConfigError& error) {
        CHECK(error.line() == 5);
        CHECK(error.key() == "password_file");
        CHECK_THAT(error.what(), StartsWith(conf.string() +
                                            ":5: [notifier.m] password_file: "
                                            "cannot read " +
                                            missing + ": "));
        CHECK_THAT(error.what(), Contains("No such file"));
    }
}

TEST_CASE("an unreadable secret file names key and path, never the content",
          "[config][secrets][errors]") {
    TempDir dir;
    SECTION("a directory") {
        dir.write("adir/x", "x");
        const auto conf = dir.write("vw.conf", emailWith("password_file = adir"));
        CHECK_THROWS_WITH(vw::loadConfig(conf.string()),
                          StartsWith(conf.string() +
                                     ":5: [notifier.m] password_file: cannot read " +
                                     (dir.path() / "adir").string()));
    }
    SECTION("an empty file") {
        dir.write("empty.secret", "\n\n");
        const auto conf = dir.write("vw.conf", emailWith("password_file = empty.secret"));
        CHECK_THROWS_WITH(vw::loadConfig(conf.string()),
                          conf.string() + ":5: [notifier.m] password_file: the file " +
                              (dir.path() / "empty.secret").string() + " is empty");
    }
    SECTION("a webhook URL file without a URL") {
        dir.write("hook.url", "TOP-SECRET-TOKEN\n");
        const auto conf =
            dir.write("vw.conf", "[notifier.w]\ntype = webhook\nurl_file = hook.url\n");
        try {
            vw::loadConfig(conf.string());
            FAIL("no error for a URL file without a URL");
        } catch (const vw::ConfigError& error) {
            CHECK(error.line() == 3);
            CHECK(error.key() == "url_file");
            CHECK_THAT(error.what(), Contains((dir.path() / "hook.url").string()));
            CHECK_THAT(error.what(), !Contains("TOP-SECRET-TOKEN"));
        }
    }
    SECTION("a huge file") {
        dir.write("big.secret", std::string(100 * 1024, 'x'));
        const auto conf = dir.write("vw.conf", emailWith("password_file = big.secret"));
        CHECK_THROWS_WITH(vw::loadConfig(conf.string()), Contains("larger than 64 KiB"));
    }
}

TEST_CASE("a missing ca_file is an error when files are read", "[config][secrets][errors]") {
    TempDir dir;
    const auto conf = dir.write("vw.conf", "[source.s]\ntype = jvn-rss\nurl = https://x.jp/\n"
                                           "ca_file = missing.pem\n");
    const auto error = [&] {
        try {
            vw::loadConfig(conf.string());
        } catch (const vw::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    }();
    CHECK_THAT(error, StartsWith(conf.string() + ":4: [source.s] ca_file: cannot read " +
                                 (dir.path() / "missing.pem").string()));
    const auto lenient = vw::loadConfig(conf.string(), false);
    CHECK(lenient.sources.at(0).caFile == (dir.path() / "missing.pem").string());
}

TEST_CASE("with readSecrets off, *_file paths are recorded but not read", "[config][secrets]") {
    const auto config =
        vw::parseConfig(emailWith("password_file = /nonexistent/smtp.secret") +
                            "[notifier.w]\ntype = webhook\nurl_file = /nonexistent/hook.url\n"
                            "secret_file = /nonexistent/hook.key\n",
                        "t.conf", false);
    const auto& mail = config.notifiers.at(0);
    CHECK(mail.password.sourceFile == "/nonexistent/smtp.secret");
    CHECK(mail.password.value.empty());
    const auto& hook = config.notifiers.at(1);
    CHECK(hook.url.sourceFile == "/nonexistent/hook.url");
    CHECK(hook.url.value.empty());
    CHECK(hook.secret.sourceFile == "/nonexistent/hook.key");
    CHECK_THROWS_AS(vw::parseConfig(emailWith("password_file = /nonexistent/smtp.secret"), "t"),
                    vw::ConfigError);
}
