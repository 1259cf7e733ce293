// [web]: `vulnwatch serve` (config/config.h WebConfig, docs/web.md).
#include "config_test_util.h"

using namespace vw;
using vw::test::errorOf;
using vw::test::TempDir;

TEST_CASE("[web] has loopback and 20M and 12 hours by default", "[config][web]") {
    const Config c = parseConfig("[daemon]\n", "t.conf");
    CHECK(c.web.listen == "127.0.0.1:8080");
    CHECK(c.web.tlsCert.empty());
    CHECK(c.web.tlsKey.empty());
    CHECK(c.web.trustedProxies.empty());
    CHECK(c.web.maxBody == 20u * 1024u * 1024u);
    CHECK(c.web.sessionHours == 12);
    CHECK_THAT(redacted(c), Catch::Contains("\n[web]\nlisten = 127.0.0.1:8080\nmax_body = 20M\n"
                                            "session_hours = 12\n"));
}

TEST_CASE("[web] reads every key and config check prints them back", "[config][web]") {
    TempDir dir;
    dir.write("cert.pem", "certificate");
    dir.write("key.pem", "key");
    const std::string text =
        "[web]\nlisten = [::1]:8443\ntls_cert = " + (dir.path() / "cert.pem").string() +
        "\ntls_key = " + (dir.path() / "key.pem").string() +
        "\ntrusted_proxies = 10.0.0.1, 192.168.0.0/16 ,fd00::/8\n"
        "max_body = 64M\nsession_hours = 8\n";
    const Config c = parseConfig(text, "t.conf");
    CHECK(c.web.listen == "[::1]:8443");
    CHECK(c.web.tlsCert == (dir.path() / "cert.pem").string());
    CHECK(c.web.trustedProxies ==
          std::vector<std::string>{"10.0.0.1", "192.168.0.0/16", "fd00::/8"});
    CHECK(c.web.maxBody == 64u * 1024u * 1024u);
    CHECK(c.web.sessionHours == 8);
    CHECK(parseConfig(redacted(c), "again.conf").web == c.web);
}

TEST_CASE("a bad [web] value names the line and what is wrong", "[config][web][errors]") {
    struct Bad {
        const char* text;
        const char* says;
    };
    for (const Bad& bad : {
             Bad{"listen = localhost:8080", "is not IP:PORT"},
             Bad{"listen = 127.0.0.1", "is not IP:PORT"},
             Bad{"listen = 127.0.0.1:70000", "is not IP:PORT"},
             Bad{"listen = ::1:8080", "IPv6 in brackets"},
             Bad{"listen = [127.0.0.1]:80", "is not IP:PORT"},
             Bad{"trusted_proxies = proxy.example.jp", "neither an IP address nor a CIDR block"},
             Bad{"trusted_proxies = 10.0.0.0/33", "neither an IP address nor a CIDR block"},
             Bad{"max_body = 100", "smaller than the minimum of 1K"},
             Bad{"max_body = lots", "max_body"},
             Bad{"session_hours = 0", "from 1 to 720"},
             Bad{"session_hours = 721", "from 1 to 720"},
             Bad{"sesion_hours = 8", "did you mean 'session_hours'"},
         }) {
        INFO(bad.text);
        const auto error = errorOf(std::string("[web]\n") + bad.text + "\n");
        CHECK(error.line() == 2);
        CHECK_THAT(std::string(error.what()),
                   Catch::Contains("t.conf:2: [web]") && Catch::Contains(bad.says));
    }
}

TEST_CASE("a certificate needs its key and both must be readable", "[config][web][errors]") {
    const auto alone = errorOf("[web]\ntls_cert = /etc/ssl/vw.pem\n", false);
    CHECK(alone.line() == 2);
    CHECK_THAT(std::string(alone.what()), Catch::Contains("needs tls_key too"));
    const auto keyOnly = errorOf("[web]\nlisten = 127.0.0.1:1\ntls_key = /k.pem\n", false);
    CHECK(keyOnly.line() == 3);
    CHECK_THAT(std::string(keyOnly.what()), Catch::Contains("needs tls_cert too"));
    // Without reading secrets (config check --no-secrets) the files are not opened.
    CHECK_NOTHROW(
        parseConfig("[web]\ntls_cert = /nope/c.pem\ntls_key = /nope/k.pem\n", "t.conf", false));
    const auto unreadable = errorOf("[web]\ntls_cert = /nope/c.pem\ntls_key = /nope/k.pem\n");
    CHECK(unreadable.line() == 2);
    CHECK_THAT(std::string(unreadable.what()), Catch::Contains("cannot read /nope/c.pem"));
}
