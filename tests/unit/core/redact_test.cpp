// redactSecrets(): every credential form it promises is gone, ordinary text is left alone.
#include "core/redact.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using vw::redactSecrets;
using vw::urlCredentials;

TEST_CASE("URL userinfo is redacted wherever the URL stands", "[core][redact]") {
    CHECK(redactSecrets("http://user:s3cret@127.0.0.1:8080/hook") ==
          "http://<redacted>@127.0.0.1:8080/hook");
    CHECK(redactSecrets("timed out after 2000 ms fetching https://bob:pa%40ss@h.example/x (x)") ==
          "timed out after 2000 ms fetching https://<redacted>@h.example/x (x)");
    CHECK(redactSecrets("see <http://u:p@[::1]:99/a> and 'ftp://me@host'") ==
          "see <http://<redacted>@[::1]:99/a> and 'ftp://<redacted>@host'");
    // An '@' after the host is not userinfo.
    CHECK(redactSecrets("https://example.jp/users/@alice?x=1") ==
          "https://example.jp/users/@alice?x=1");
    CHECK(redactSecrets("mailto:a@b.example") == "mailto:a@b.example");
}

TEST_CASE("secret paths of webhook services are redacted", "[core][redact]") {
    CHECK(redactSecrets("POST https://hooks.slack.com/services/T000/B000/XXXXSECRET failed") ==
          "POST https://hooks.slack.com/services/<redacted> failed");
    CHECK(redactSecrets("https://mm.example.jp/hooks/abcdefghijk: HTTP 500") ==
          "https://mm.example.jp/hooks/<redacted>: HTTP 500");
    CHECK(redactSecrets("https://discord.com/api/webhooks/123/tok-EN_x") ==
          "https://discord.com/api/webhooks/<redacted>");
    CHECK(redactSecrets("https://x.webhook.office.com/webhookB2/ab@cd/IncomingWebhook/ef") ==
          "https://x.webhook.office.com/webhookB2/<redacted>");
    // Ordinary URLs keep their path: the feed a poll failed on stays visible.
    CHECK(redactSecrets("fetching https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf: HTTP 503") ==
          "fetching https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf: HTTP 503");
}

TEST_CASE("secret parameters are redacted in queries and free text", "[core][redact]") {
    CHECK(redactSecrets("https://h.example/a?x=1&token=abc123&y=2") ==
          "https://h.example/a?x=1&token=<redacted>&y=2");
    CHECK(redactSecrets("https://prod.logic.azure.com/workflows/1/invoke?api-version=2016-06-01"
                        "&sp=%2Ftriggers&sv=1.0&sig=Zm9vYmFy") ==
          "https://prod.logic.azure.com/workflows/1/invoke?api-version=2016-06-01"
          "&sp=%2Ftriggers&sv=1.0&sig=<redacted>");
    CHECK(redactSecrets("body=hi&ACCESS_TOKEN=zz; password=hunter2, api_key=k") ==
          "body=hi&ACCESS_TOKEN=<redacted>; password=<redacted>, api_key=<redacted>");
    // key, sig and signature only count in a query string.
    CHECK(redactSecrets("idempotency key=abc sig=1") == "idempotency key=abc sig=1");
    CHECK(redactSecrets("https://maps.example/api?key=AIzaXYZ") ==
          "https://maps.example/api?key=<redacted>");
    // Names that merely end like a secret are not secrets.
    CHECK(redactSecrets("notoken=1 mytoken=2 token_count=3") ==
          "notoken=1 mytoken=2 token_count=3");
}

TEST_CASE("secret JSON members headers and token shapes are redacted", "[core][redact]") {
    CHECK(redactSecrets(R"(HTTP 401: {"error":"bad","token": "abc\"def","ok":true})") ==
          R"(HTTP 401: {"error":"bad","token": "<redacted>","ok":true})");
    CHECK(redactSecrets(R"({"Authorization":"Basic dXNlcjpwYXNz"})") ==
          R"({"Authorization":"<redacted>"})");
    CHECK(redactSecrets("X-ChatWorkToken: 0123456789abcdef\r\nHost: h") ==
          "X-ChatWorkToken: <redacted>\r\nHost: h");
    CHECK(redactSecrets("authorization: Bearer eyJhbGciOi.x.y") == "authorization: <redacted>");
    CHECK(redactSecrets("rejected Bearer eyJhbGciOi.x-y_z") == "rejected Bearer <redacted>");
    CHECK(redactSecrets("token xoxb-1234-5678-abcdEF was revoked") ==
          "token xoxb-<redacted> was revoked");
    CHECK(redactSecrets("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") ==
          "secret whsec_<redacted>");
}

TEST_CASE("text without secrets is returned unchanged", "[core][redact]") {
    const std::vector<std::string> plain = {
        "",
        "HTTP 500: internal error",
        "RCPT TO:<psirt@example.jp>: 550 5.1.1 mailbox unavailable",
        "250 2.0.0 OK queued as 000012",
        "JVNDB-2023-004814 の脆弱性 (CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)",
        "connection refused or host unreachable fetching http://127.0.0.1:9/hook/x: Couldn't "
        "connect to server",
        "message 12 via chat → psirt@example.jp not delivered (HTTP 503); retry in 30 s"};
    for (const auto& text : plain) {
        INFO(text);
        CHECK(redactSecrets(text) == text);
    }
}

TEST_CASE("known literals are redacted after the forms", "[core][redact]") {
    const std::vector<std::string> literals = {"https://chat.example/x/abcdef", "s3cret", "ab"};
    CHECK(redactSecrets("echo: s3cret at https://chat.example/x/abcdef (ab)", literals) ==
          "echo: <redacted> at <redacted> (ab)");
    // The forms still apply: the userinfo goes even when only the password is known.
    CHECK(redactSecrets("http://user:s3cret@h/x says s3cret", {"s3cret"}) ==
          "http://<redacted>@h/x says <redacted>");
}

TEST_CASE("urlCredentials returns what a URL carries that is secret", "[core][redact]") {
    CHECK(urlCredentials("http://127.0.0.1/hook").empty());
    CHECK(urlCredentials("http://user:s3%40cret@h/x") ==
          std::vector<std::string>{"user:s3%40cret", "s3%40cret", "user:s3@cret", "s3@cret"});
    CHECK(urlCredentials("https://tokenonly@h") == std::vector<std::string>{"tokenonly"});
    CHECK(urlCredentials("https://h.example/in?a=1&token=T%2Bk&sig=s9#frag") ==
          std::vector<std::string>{"T%2Bk", "s9", "T+k"});
    CHECK(urlCredentials("https://hooks.slack.com/services/T0/B0/xyz") ==
          std::vector<std::string>{"T0/B0/xyz"});
}
