// The chat notifier types (slack, teams, mattermost, chatwork) and Standard Webhooks secrets.
#include "config/config.h"
#include "config_test_util.h"
#include "helpers/fixtures.h"

#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;
using vw::test::errorOf;
using vw::test::TempDir;

TEST_CASE("slack, teams and mattermost take a url and the common keys", "[config][chat]") {
    for (const std::string type : {"slack", "teams", "mattermost"}) {
        INFO(type);
        const auto config = vw::parseConfig("[notifier.c]\ntype = " + type +
                                                "\nurl = https://hooks.example.jp/T0K3N\n"
                                                "mode = immediate\nmin_severity = 7.0\n"
                                                "min_confidence = 50\ntimeout = 10s\n",
                                            "t.conf");
        const auto& n = config.notifiers.at(0);
        CHECK(n.type == type);
        CHECK(n.url.value == "https://hooks.example.jp/T0K3N");
        CHECK(n.minSeverity == 7.0);
        CHECK(n.minConfidence == 50);
        CHECK_THAT(errorOf("[notifier.c]\ntype = " + type + "\n").what(),
                   Contains("url: required key missing (set url or url_file)"));
        CHECK_THAT(
            errorOf("[notifier.c]\ntype = " + type + "\nurl = https://h.jp/x\nsecret = k\n").what(),
            Contains("secret: applies only to webhook notifiers, not to type " + type));
        CHECK_THAT(errorOf("[notifier.c]\ntype = " + type + "\nurl = ftp://h.jp/x\n").what(),
                   Contains("not an http:// or https:// URL"));
    }
}

TEST_CASE("slack urls can come from a file and are redacted", "[config][chat]") {
    TempDir dir;
    dir.write("slack.url", "https://hooks.slack.example/services/SECRET-PATH\n");
    const auto conf = dir.write("vw.conf", "[notifier.s]\ntype = slack\nurl_file = slack.url\n"
                                           "[notifier.t]\ntype = teams\n"
                                           "url = https://teams.example:443/workflows/SECRET-T\n");
    const auto config = vw::loadConfig(conf.string());
    CHECK(config.notifiers.at(0).url.value == "https://hooks.slack.example/services/SECRET-PATH");
    const auto text = vw::redacted(config);
    CHECK_THAT(text, !Contains("SECRET"));
    CHECK_THAT(text, Contains("url_file = " + (dir.path() / "slack.url").string()));
    CHECK_THAT(text, Contains("url = https://teams.example:443/<redacted>"));
    CHECK(vw::parseConfig(text, "again.conf", false).notifiers.size() == 2);
}

TEST_CASE("chatwork takes a room and a token", "[config][chat]") {
    TempDir dir;
    dir.write("cw.token", "0123456789abcdef0123456789abcdef\n");
    const auto conf = dir.write("vw.conf", "[notifier.cw]\ntype = chatwork\nroom = 123456\n"
                                           "token_file = cw.token\nmin_severity = 4.0\n");
    const auto config = vw::loadConfig(conf.string());
    const auto& n = config.notifiers.at(0);
    CHECK(n.room == "123456");
    CHECK(n.token.value == "0123456789abcdef0123456789abcdef");
    CHECK(n.apiUrl.empty());
    const auto text = vw::redacted(config);
    CHECK_THAT(text, !Contains("0123456789abcdef0123"));
    CHECK_THAT(text, Contains("room = 123456\ntoken_file = " + (dir.path() / "cw.token").string()));

    const auto inline_ = vw::parseConfig(
        "[notifier.cw]\ntype = chatwork\nroom = 1\ntoken = abc\napi_url = http://127.0.0.1:9/v2\n",
        "t.conf");
    CHECK(inline_.notifiers.at(0).apiUrl == "http://127.0.0.1:9/v2");
    CHECK_THAT(vw::redacted(inline_),
               Contains("token = <redacted>\napi_url = http://127.0.0.1:9/v2"));
}

TEST_CASE("chatwork errors", "[config][chat]") {
    CHECK_THAT(errorOf("[notifier.cw]\ntype = chatwork\ntoken = abc\n").what(),
               Contains("room: required key missing"));
    CHECK_THAT(errorOf("[notifier.cw]\ntype = chatwork\nroom = 1\n").what(),
               Contains("token: required key missing (set token or token_file)"));
    CHECK_THAT(errorOf("[notifier.cw]\ntype = chatwork\nroom = 12a\ntoken = abc\n").what(),
               Contains("is not a Chatwork room id"));
    CHECK_THAT(errorOf("[notifier.cw]\ntype = chatwork\nroom = 1\ntoken = a b\n").what(),
               Contains("token: the token may only hold printable ASCII"));
    CHECK_THAT(errorOf("[notifier.cw]\ntype = chatwork\nroom = 1\ntoken = a\nurl = https://x.jp/\n")
                   .what(),
               Contains("url: applies only to webhook, slack, teams, mattermost notifiers"));
    CHECK_THAT(errorOf("[notifier.cw]\ntype = chatwork\nroom = 1\ntoken = a\napi_url = x\n").what(),
               Contains("api_url: 'x' is not an http:// or https:// URL"));
    CHECK_THAT(errorOf("[notifier.w]\ntype = webhook\nurl = https://x.jp/\nroom = 1\n").what(),
               Contains("room: applies only to chatwork notifiers"));
}

TEST_CASE("a webhook secret may be a Standard Webhooks whsec_ secret", "[config][chat]") {
    const auto config = vw::parseConfig("[notifier.w]\ntype = webhook\nurl = https://x.jp/\n"
                                        "secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
                                        "t.conf");
    CHECK(config.notifiers.at(0).secret.value == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const auto error = errorOf("[notifier.w]\ntype = webhook\nurl = https://x.jp/\n"
                               "secret = whsec_not*base64\n");
    CHECK_THAT(error.what(), Contains("secret: a whsec_ secret must be followed by the base64"));
    CHECK_THAT(error.what(), !Contains("not*base64"));
}

TEST_CASE("the notifier types are listed in unknown-type errors", "[config][chat]") {
    CHECK_THAT(errorOf("[notifier.x]\ntype = discord\n").what(),
               Contains("known: email, webhook, slack, teams, mattermost, chatwork"));
}

TEST_CASE("the example's chat notifiers survive redaction", "[config][chat]") {
    const auto path = (vw::test::sourceDir() / "config" / "vulnwatch.conf.example").string();
    const auto config = vw::loadConfig(path, false);
    CHECK(vw::parseConfig(vw::redacted(config), path, false).notifiers == config.notifiers);
}
