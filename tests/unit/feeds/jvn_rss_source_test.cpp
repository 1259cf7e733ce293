// JvnRssSource with a scripted HttpClient: conditional GET, 304, errors, state handling.
#include "core/http.h"
#include "feeds/jvn_rss_source.h"
#include "helpers/fake_http.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

using vw::test::FakeHttpClient;

std::string headerOf(const vw::HttpRequest& request, const std::string& name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) {
            return value;
        }
    }
    return "<absent>";
}

const char* const kUrl = "https://feeds.example/jvndb_new.rdf";

const char* const kFeed = R"(<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"><title>t</title></channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000777.html">
    <title>an item</title>
    <link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000777.html</link>
    <description>text</description>
    <sec:identifier>JVNDB-2024-000777</sec:identifier>
    <sec:references source="CVE" id="CVE-2024-7777">https://www.cve.org/CVERecord?id=CVE-2024-7777</sec:references>
    <dcterms:issued>2024-07-01T09:00+09:00</dcterms:issued>
  </item>
</rdf:RDF>
)";

vw::HttpResponse response(long status, std::string body,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    vw::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

} // namespace

TEST_CASE("a first poll parses the feed and keeps ETag and Last-Modified", "[feeds][source]") {
    FakeHttpClient http;
    http.next = response(200, kFeed,
                         {{"etag", "\"abc\""}, {"last-modified", "Mon, 01 Jul 2024 00:00:00 GMT"}});
    vw::JvnRssSource source("jvndb-new", kUrl, http, 2000, 4096, "/tmp/ca.pem");
    CHECK(source.name() == "jvndb-new");

    vw::SourceState before;
    before.cursor = "kept";
    const vw::PollOutcome outcome = source.poll(before);
    // The document as received is handed over once, named by every record (evidence).
    REQUIRE(outcome.result.raw.size() == 1);
    CHECK(outcome.result.raw[0].bytes == kFeed);
    CHECK(outcome.result.raw[0].mediaType == "application/xml");
    CHECK(outcome.result.rawOf == std::vector<int>(outcome.result.records.size(), 0));
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    REQUIRE(outcome.result.records.size() == 1);
    CHECK(outcome.result.records[0].id == "JVNDB-2024-000777");
    CHECK(outcome.result.records[0].aliases == std::vector<std::string>{"CVE-2024-7777"});
    CHECK(outcome.state.etag == "\"abc\"");
    CHECK(outcome.state.lastModified == "Mon, 01 Jul 2024 00:00:00 GMT");
    CHECK(outcome.state.cursor == "kept");

    REQUIRE(http.requests.size() == 1);
    const vw::HttpRequest& sent = http.requests[0];
    CHECK(sent.method == "GET");
    CHECK(sent.url == kUrl);
    CHECK(sent.timeoutMs == 2000);
    CHECK(sent.maxBytes == 4096);
    CHECK(sent.caFile == "/tmp/ca.pem");
    CHECK(headerOf(sent, "If-None-Match") == "<absent>");
    CHECK(headerOf(sent, "If-Modified-Since") == "<absent>");
}

TEST_CASE("a 304 answer to a conditional GET is NotModified with the state unchanged",
          "[feeds][source]") {
    FakeHttpClient http;
    http.next = response(304, "", {{"etag", "\"abc\""}});
    vw::JvnRssSource source("jvndb-new", kUrl, http, 2000, 4096, "");

    vw::SourceState state;
    state.etag = "\"abc\"";
    state.lastModified = "Mon, 01 Jul 2024 00:00:00 GMT";
    state.cursor = "c";
    const vw::PollOutcome outcome = source.poll(state);
    CHECK(outcome.kind == vw::PollOutcome::Kind::NotModified);
    CHECK(outcome.result.records.empty());
    CHECK(outcome.state.etag == state.etag);
    CHECK(outcome.state.lastModified == state.lastModified);
    CHECK(outcome.state.cursor == state.cursor);

    REQUIRE(http.requests.size() == 1);
    CHECK(headerOf(http.requests[0], "If-None-Match") == "\"abc\"");
    CHECK(headerOf(http.requests[0], "If-Modified-Since") == "Mon, 01 Jul 2024 00:00:00 GMT");
}

TEST_CASE("HTTP errors, transport errors and garbage bodies are Error outcomes",
          "[feeds][source]") {
    FakeHttpClient http;
    vw::JvnRssSource source("jvndb-new", kUrl, http, 2000, 4096, "");
    vw::SourceState state;
    state.etag = "\"old\"";

    SECTION("HTTP 500") {
        http.next = response(500, "internal error");
        const vw::PollOutcome outcome = source.poll(state);
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains(kUrl) && Catch::Contains("HTTP status 500"));
        CHECK(outcome.state.etag == "\"old\"");
        CHECK(outcome.result.records.empty());
    }
    SECTION("transport error") {
        http.next.error = "timed out after 2000 ms";
        const vw::PollOutcome outcome = source.poll(state);
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error,
                   Catch::Contains(kUrl) && Catch::Contains("timed out after 2000 ms"));
        CHECK(outcome.state.etag == "\"old\"");
    }
    SECTION("a transport error that names the URL already is passed on as it is") {
        http.next.error = std::string("connection refused or host unreachable fetching ") + kUrl;
        const vw::PollOutcome outcome = source.poll(state);
        CHECK(outcome.error == http.next.error);
    }
    SECTION("a 200 with a body that is not XML") {
        http.next = response(200, "<html><body>maintenance", {{"etag", "\"new\""}});
        const vw::PollOutcome outcome = source.poll(state);
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains(kUrl) && Catch::Contains("not well-formed XML"));
        CHECK(outcome.state.etag == "\"old\"");
    }
    SECTION("a 200 with XML that is not RSS") {
        http.next = response(200, "<html><body>maintenance</body></html>");
        const vw::PollOutcome outcome = source.poll(state);
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains("not an RSS 1.0 document"));
    }
    SECTION("a redirect status the client did not follow") {
        http.next = response(301, "");
        const vw::PollOutcome outcome = source.poll(state);
        CHECK(outcome.kind == vw::PollOutcome::Kind::Error);
        CHECK_THAT(outcome.error, Catch::Contains("HTTP status 301"));
    }
}

TEST_CASE("a success without validators clears the old ones", "[feeds][source]") {
    FakeHttpClient http;
    http.next = response(200, kFeed);
    vw::JvnRssSource source("jvndb-new", kUrl, http, 2000, 1 << 20, "");
    vw::SourceState state;
    state.etag = "\"old\"";
    state.lastModified = "yesterday";
    const vw::PollOutcome outcome = source.poll(state);
    REQUIRE(outcome.kind == vw::PollOutcome::Kind::Records);
    CHECK(outcome.state.etag.empty());
    CHECK(outcome.state.lastModified.empty());
}
