// [web] trusted_user_header: the single sign-on header of a trusted reverse proxy
// (config/config.h WebConfig, docs/configuration.md, docs/web.md "Login").
#include "config_test_util.h"

using namespace vw;
using vw::test::errorOf;

TEST_CASE("[web] trusted_user_header is off by default and read with trusted_proxies",
          "[config][web]") {
    const Config off = parseConfig("[web]\ntrusted_proxies = 127.0.0.1\n", "t.conf");
    CHECK(off.web.trustedUserHeader.empty());
    CHECK_THAT(redacted(off), !Catch::Contains("trusted_user_header"));
    const Config on = parseConfig(
        "[web]\ntrusted_proxies = 127.0.0.1\ntrusted_user_header = X-Remote-User\n", "t.conf");
    CHECK(on.web.trustedUserHeader == "X-Remote-User");
    CHECK_THAT(redacted(on), Catch::Contains("\ntrusted_user_header = X-Remote-User\n"));
    CHECK(parseConfig(redacted(on), "again.conf").web == on.web);
    // Any token characters (RFC 9110), e.g. a vendor's own header.
    CHECK(parseConfig("[web]\ntrusted_proxies = 10.0.0.0/8\ntrusted_user_header = "
                      "Remote_User.v2\n",
                      "t.conf")
              .web.trustedUserHeader == "Remote_User.v2");
}

TEST_CASE("a bad trusted_user_header names the line and what is wrong", "[config][web][errors]") {
    struct Bad {
        const char* value;
        const char* says;
    };
    for (const Bad& bad : {
             Bad{"X Remote User", "is not an HTTP header name"},
             Bad{"X-Remote-User:", "is not an HTTP header name"},
             Bad{"X-ユーザー", "is not an HTTP header name"},
             Bad{"Cookie", "a header the server reads for something else"},
             Bad{"authorization", "a header the server reads for something else"},
             Bad{"X-Forwarded-For", "a header the server reads for something else"},
         }) {
        INFO(bad.value);
        const auto error = errorOf(std::string("[web]\ntrusted_proxies = 127.0.0.1\n"
                                               "trusted_user_header = ") +
                                   bad.value + "\n");
        CHECK(error.line() == 3);
        CHECK_THAT(std::string(error.what()),
                   Catch::Contains("t.conf:3: [web] trusted_user_header") &&
                       Catch::Contains(bad.says));
    }
    const std::string tooLong(101, 'X');
    CHECK_THAT(std::string(errorOf("[web]\ntrusted_proxies = 127.0.0.1\ntrusted_user_header = " +
                                   tooLong + "\n")
                               .what()),
               Catch::Contains("is not an HTTP header name"));
    // Believed only from a trusted proxy: without any, the key is an error.
    const auto alone =
        errorOf("[web]\nlisten = 127.0.0.1:1\ntrusted_user_header = X-Remote-User\n");
    CHECK(alone.line() == 3);
    CHECK_THAT(std::string(alone.what()), Catch::Contains("needs trusted_proxies") &&
                                              Catch::Contains("trusted_proxies の指定が必要です"));
}
