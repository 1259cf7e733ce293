// [daemon] proxy, no_proxy, proxy_credentials_file and the per-source/notifier overrides
// (docs/configuration.md "Proxy"): what each source and chat notifier ends up using.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;
using vw::test::TempDir;

namespace {

const vw::SourceConfig& source(const vw::Config& c, const std::string& name) {
    for (const auto& s : c.sources) {
        if (s.name == name) {
            return s;
        }
    }
    FAIL("no source " << name);
    return c.sources.front();
}

} // namespace

TEST_CASE("Sources and chat notifiers take the daemon's proxy unless they set their own",
          "[config][proxy]") {
    TempDir dir;
    const auto cred = dir.write("proxy.cred", "corp\\user:p@ss:word\n");
    const auto own = dir.write("own.cred", "other:pw\n");
    const auto conf = dir.write(
        "vw.conf", "[daemon]\nproxy = http://proxy.example.co.jp:8080\n"
                   "no_proxy = localhost  .example.co.jp,10.0.0.0/8\n"
                   "proxy_credentials_file = " +
                       cred.string() +
                       "\n"
                       "[source.a]\ntype = jvn-rss\nurl = https://jvndb.jvn.jp/ja/rss/jvndb.rdf\n"
                       "[source.b]\ntype = kev\nurl = https://www.cisa.gov/kev.json\nproxy = none\n"
                       "[source.c]\ntype = jvn-rss\nurl = https://jvndb.jvn.jp/x.rdf\n"
                       "proxy = http://other.example.co.jp:3128\nproxy_credentials_file = " +
                       own.string() +
                       "\n"
                       "[source.d]\ntype = jvn-rss\nurl = https://jvndb.jvn.jp/y.rdf\nproxy = env\n"
                       "[source.e]\ntype = jvn-rss\nurl = https://jvndb.jvn.jp/z.rdf\n"
                       "proxy = http://other.example.co.jp:3128\n"
                       "[notifier.chat]\ntype = webhook\nurl = https://chat.example.jp/hook\n"
                       "[notifier.mail]\ntype = email\nsmtp = smtp://mx.example.jp\n"
                       "from = a@example.jp\n");
    const vw::Config c = vw::loadConfig(conf.string());
    CHECK(c.proxy.url == "http://proxy.example.co.jp:8080");
    CHECK(c.proxy.noProxy == "localhost,.example.co.jp,10.0.0.0/8");
    const auto& a = source(c, "a");
    CHECK(a.proxy.url == "http://proxy.example.co.jp:8080");
    CHECK(a.proxy.noProxy == "localhost,.example.co.jp,10.0.0.0/8");
    CHECK(a.proxy.credentials == "corp\\user:p@ss:word");
    const auto& b = source(c, "b");
    CHECK(b.proxy == vw::ProxySettings{});
    const auto& cc = source(c, "c");
    CHECK(cc.proxy.url == "http://other.example.co.jp:3128");
    CHECK(cc.proxy.credentials == "other:pw");
    CHECK(source(c, "d").proxy == vw::ProxySettings{"env", "", ""});
    // Another proxy than [daemon]'s does not get [daemon]'s credentials.
    const auto& e = source(c, "e");
    CHECK(e.proxy.url == "http://other.example.co.jp:3128");
    CHECK(e.proxy.credentials.empty());
    CHECK(c.notifiers[0].proxy.url == "http://proxy.example.co.jp:8080");
    CHECK(c.notifiers[1].proxy == vw::ProxySettings{}); // e-mail: the relay, directly
    // The dump names the file, never the credentials.
    const std::string shown = vw::redacted(c);
    CHECK_THAT(shown, Contains("proxy_credentials_file = " + cred.string()));
    CHECK(shown.find("p@ss:word") == std::string::npos);
}

TEST_CASE("Without any proxy key nothing goes through a proxy and the environment is not read",
          "[config][proxy]") {
    const vw::Config c = vw::parseConfig(
        "[source.a]\ntype = jvn-rss\nurl = https://jvndb.jvn.jp/ja/rss/jvndb.rdf\n", "t.conf");
    CHECK(c.sources[0].proxy.url.empty()); // "" = CURLOPT_PROXY "": http_proxy is ignored
}
