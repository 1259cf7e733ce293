// CurlHttpClient (and JvnRssSource over it) against the loopback HTTP(S) server that
// scripts/test-servers.sh starts: conditional GET, statuses, timeouts, size cap, truncation,
// TLS verification, redirects.
#include "feeds/curl_http_client.h"
#include "feeds/jvn_rss_source.h"
#include "helpers/fixtures.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

using vw::CurlHttpClient;
using vw::HttpRequest;
using vw::HttpResponse;

const char* const kSmallFeed = R"(<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"><title>loopback</title></channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000901.html">
    <title>loopback item one</title>
    <link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000901.html</link>
    <sec:identifier>JVNDB-2024-000901</sec:identifier>
    <sec:references source="CVE" id="CVE-2024-0901">https://www.cve.org/CVERecord?id=CVE-2024-0901</sec:references>
    <dcterms:issued>2024-08-01T09:00+09:00</dcterms:issued>
  </item>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000902.html">
    <title>loopback item two</title>
    <link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000902.html</link>
    <sec:identifier>JVNDB-2024-000902</sec:identifier>
    <dcterms:issued>2024-08-02T09:00+09:00</dcterms:issued>
  </item>
</rdf:RDF>
)";

/// Writes `content` into the server's docroot under a name unique to this test process (the
/// server's counters outlive one test run) and returns that name.
std::string publish(const std::string& stem, const std::string& content) {
    const std::string name = "http-client-" + stem + "-" + std::to_string(::getpid()) + ".rdf";
    const std::filesystem::path path =
        std::filesystem::path(vw::test::serverEnv("TS_HTTP_DOCROOT")) / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    REQUIRE(out.good());
    return name;
}

std::string httpBase() {
    return "http://127.0.0.1:" + vw::test::serverEnv("TS_HTTP_PORT");
}

std::string httpsBase() {
    return "https://127.0.0.1:" + vw::test::serverEnv("TS_HTTPS_PORT");
}

/// How many GET requests for `path` the loopback server at `base` has received so far (its
/// /stats counters), or nothing when they cannot be read: what a client really sent, counted
/// where a loaded machine cannot skew it. No Catch assertions, so any thread may call it.
std::optional<long> readServedCount(const std::string& base, const std::string& path) {
    CurlHttpClient client;
    HttpRequest request;
    request.url = base + "/stats";
    const HttpResponse stats = client.perform(request);
    if (!stats.ok() || stats.status != 200) {
        return std::nullopt;
    }
    const std::string key = "\"" + path + "\": "; // {"/path": n, ...}, written by json.dumps
    const auto at = stats.body.find(key);
    return at == std::string::npos ? 0 : std::stol(stats.body.substr(at + key.size()));
}

/// readServedCount() on the test's thread: unreadable counters fail the test.
long servedCount(const std::string& path) {
    const std::optional<long> count = readServedCount(httpBase(), path);
    REQUIRE(count.has_value());
    return *count;
}

HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    request.timeoutMs = 10000;
    request.connectTimeoutMs = 5000;
    return request;
}

} // namespace

TEST_CASE("a feed comes with ETag and Last-Modified and a conditional GET gets 304",
          "[integration][http]") {
    const std::string name = publish("etag", kSmallFeed);
    CurlHttpClient client;
    const HttpRequest first = get(httpBase() + "/feeds/" + name);
    const HttpResponse fresh = client.perform(first);
    REQUIRE(fresh.ok());
    CHECK(fresh.status == 200);
    CHECK(fresh.body == kSmallFeed);
    const std::string etag = fresh.header("etag");
    const std::string lastModified = fresh.header("last-modified");
    CHECK_FALSE(etag.empty());
    CHECK_FALSE(lastModified.empty());
    CHECK(fresh.header("content-length") == std::to_string(std::string(kSmallFeed).size()));
    for (const auto& [headerName, value] : fresh.headers) {
        CHECK(headerName.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
    }

    HttpRequest byEtag = first;
    byEtag.headers.emplace_back("If-None-Match", etag);
    const HttpResponse notModified = client.perform(byEtag);
    REQUIRE(notModified.ok());
    CHECK(notModified.status == 304);
    CHECK(notModified.body.empty());

    HttpRequest byDate = first;
    byDate.headers.emplace_back("If-Modified-Since", lastModified);
    CHECK(client.perform(byDate).status == 304);

    HttpRequest staleEtag = first;
    staleEtag.headers.emplace_back("If-None-Match", "\"something-else\"");
    CHECK(client.perform(staleEtag).status == 200);
}

TEST_CASE("JvnRssSource over CurlHttpClient polls records, then NotModified",
          "[integration][http][source]") {
    const std::string name = publish("source", kSmallFeed);
    CurlHttpClient client;
    vw::JvnRssSource source("loopback", httpBase() + "/feeds/" + name, client, 5000, 1 << 20, "");

    const vw::PollOutcome first = source.poll(vw::SourceState{});
    REQUIRE(first.kind == vw::PollOutcome::Kind::Records);
    CHECK(first.result.records.size() == 2);
    CHECK(first.result.problems.empty());
    CHECK(first.result.records.at(0).aliases == std::vector<std::string>{"CVE-2024-0901"});
    CHECK_FALSE(first.state.etag.empty());
    CHECK_FALSE(first.state.lastModified.empty());

    const vw::PollOutcome second = source.poll(first.state);
    CHECK(second.kind == vw::PollOutcome::Kind::NotModified);
    CHECK(second.state.etag == first.state.etag);

    vw::JvnRssSource failing("loopback", httpBase() + "/status/503", client, 5000, 1 << 20, "");
    const vw::PollOutcome error = failing.poll(first.state);
    CHECK(error.kind == vw::PollOutcome::Kind::Error);
    CHECK_THAT(error.error, Catch::Contains("/status/503") && Catch::Contains("503"));
}

TEST_CASE("an HTTP 500 is a completed transfer with that status", "[integration][http]") {
    CurlHttpClient client;
    const HttpResponse response = client.perform(get(httpBase() + "/status/500"));
    CHECK(response.ok());
    CHECK(response.status == 500);
}

TEST_CASE("a server slower than the timeout gives a timeout error", "[integration][http]") {
    const std::string name = publish("slow", kSmallFeed);
    CurlHttpClient client;
    SECTION("no headers within the timeout") {
        // The server would answer after 30 s: a response within the bound below can only be
        // the client's own timeout.
        const std::string path = "/slow/30/" + name;
        const long servedBefore = servedCount(path);
        HttpRequest request = get(httpBase() + path);
        request.timeoutMs = 1000;
        const auto start = std::chrono::steady_clock::now();
        const HttpResponse response = client.perform(request);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        CHECK_FALSE(response.ok());
        CHECK(response.status == 0);
        CHECK(response.body.empty());
        CHECK_THAT(response.error,
                   Catch::Contains("timed out after 1000 ms") && Catch::Contains(request.url));
        CHECK(servedCount(path) == servedBefore + 1); // one request, not retried
        // Only a generous bound on the wall clock: 10 s is 10× the timeout, so a loaded machine
        // does not fail it, and far below the 30 s of waiting for the server's answer.
        CHECK(elapsed < std::chrono::seconds(10));
    }
    SECTION("a body that trickles in for longer than the timeout") {
        HttpRequest request = get(httpBase() + "/drip/4/" + name);
        request.timeoutMs = 1000;
        const HttpResponse response = client.perform(request);
        CHECK_FALSE(response.ok());
        CHECK(response.body.empty());
        CHECK_THAT(response.error, Catch::Contains("timed out after 1000 ms"));
    }
}

TEST_CASE("a response over the size cap fails with a clear error", "[integration][http]") {
    const std::string big(20000, 'x');
    const std::string name = publish("big", big);
    CurlHttpClient client;
    HttpRequest request = get(httpBase() + "/feeds/" + name);
    request.maxBytes = 1000;
    const HttpResponse tooLarge = client.perform(request);
    CHECK_FALSE(tooLarge.ok());
    CHECK(tooLarge.body.empty());
    CHECK_THAT(tooLarge.error,
               Catch::Contains("response larger than 1000 bytes") && Catch::Contains(request.url));

    request.maxBytes = big.size();
    const HttpResponse exact = client.perform(request);
    CHECK(exact.ok());
    CHECK(exact.body.size() == big.size());
}

TEST_CASE("a body cut short before Content-Length is an error", "[integration][http]") {
    const std::string name = publish("truncate", kSmallFeed);
    CurlHttpClient client;
    const HttpResponse response = client.perform(get(httpBase() + "/truncate/" + name));
    CHECK_FALSE(response.ok());
    CHECK(response.status == 0);
    CHECK(response.body.empty());
    CHECK_THAT(response.error, Catch::Contains("truncated"));
}

TEST_CASE("HTTPS verifies the server certificate", "[integration][http][tls]") {
    const std::string name = publish("tls", kSmallFeed);
    CurlHttpClient client;
    HttpRequest request = get(httpsBase() + "/feeds/" + name);
    SECTION("trusted through the test CA") {
        request.caFile = vw::test::serverEnv("TS_CA_CERT");
        const HttpResponse response = client.perform(request);
        REQUIRE(response.ok());
        CHECK(response.status == 200);
        CHECK(response.body == kSmallFeed);
    }
    SECTION("without the test CA the self-signed certificate is rejected") {
        const HttpResponse response = client.perform(request);
        CHECK_FALSE(response.ok());
        CHECK(response.status == 0);
        CHECK_THAT(response.error,
                   Catch::Contains("TLS certificate verification failed for " + request.url));
    }
}

TEST_CASE("redirects are followed up to the bound and no further", "[integration][http]") {
    const std::string name = publish("redirect", kSmallFeed);
    CurlHttpClient client;
    HttpRequest request = get(httpBase() + "/redirect/3/" + name);
    request.maxRedirects = 3;
    const HttpResponse followed = client.perform(request);
    REQUIRE(followed.ok());
    CHECK(followed.status == 200);
    CHECK(followed.body == kSmallFeed);
    // headers of the last response only
    CHECK(followed.header("location").empty());
    CHECK_FALSE(followed.header("etag").empty());

    const HttpResponse stats = client.perform(get(httpBase() + "/stats"));
    REQUIRE(stats.ok());
    CHECK_THAT(stats.body, Catch::Contains("\"/redirect/0/" + name + "\": 1"));

    request.maxRedirects = 2;
    const HttpResponse tooMany = client.perform(request);
    CHECK_FALSE(tooMany.ok());
    CHECK_THAT(tooMany.error, Catch::Contains("too many redirects (more than 2)"));
}

TEST_CASE("requests carry the method, headers, body and User-Agent", "[integration][http]") {
    const std::filesystem::path hooks = vw::test::serverEnv("TS_HTTP_HOOKDIR");
    const std::string marker = "marker-" + std::to_string(::getpid());
    CurlHttpClient client;
    HttpRequest request = get(httpBase() + "/hook/" + marker);
    request.method = "POST";
    request.body = "{\"hello\":\"世界\"}";
    request.headers.emplace_back("Content-Type", "application/json");
    request.headers.emplace_back("X-Vulnwatch-Test", marker);
    const HttpResponse response = client.perform(request);
    REQUIRE(response.ok());
    CHECK(response.status == 204);

    std::string stored;
    for (const auto& entry : std::filesystem::directory_iterator(hooks)) {
        const std::string text = vw::test::readFile(entry.path());
        if (text.find("/hook/" + marker) != std::string::npos) {
            stored = text;
        }
    }
    REQUIRE_FALSE(stored.empty());
    CHECK_THAT(stored, Catch::Contains(marker) && Catch::Contains("vulnwatch/0.1") &&
                           Catch::Contains("hello"));
}

TEST_CASE("refused connections and other protocols are clear errors", "[integration][http]") {
    CurlHttpClient client;
    const HttpResponse refused = client.perform(get("http://127.0.0.1:1/feed.rdf"));
    CHECK_FALSE(refused.ok());
    CHECK(refused.status == 0);
    CHECK_THAT(refused.error, Catch::Contains("connection refused") &&
                                  Catch::Contains("http://127.0.0.1:1/feed.rdf"));

    const HttpResponse file = client.perform(get("file:///etc/hostname"));
    CHECK_FALSE(file.ok());
    CHECK(file.body.empty());
    CHECK_THAT(file.error, Catch::Contains("only http and https"));
}

TEST_CASE("a cancel flag aborts a transfer that is waiting on a slow server",
          "[integration][http]") {
    const std::string name = publish("cancel", kSmallFeed);
    std::atomic<bool> stop{false};
    CurlHttpClient client;
    client.setCancelFlag(&stop);
    // The server would answer after 30 s and the timeout is 60 s: a transfer that ends within
    // the bound below was ended by the cancel flag, by neither of them.
    const std::string path = "/slow/30/" + name;
    const long servedBefore = servedCount(path);
    HttpRequest request = get(httpBase() + path);
    request.timeoutMs = 60000;

    // The flag is set once the server has the request, so the transfer is really waiting on
    // it, however long getting there takes on a loaded machine (no fixed sleep).
    const std::string base = httpBase();
    std::atomic<bool> reached{false};
    const auto start = std::chrono::steady_clock::now();
    std::thread stopper([&] {
        const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!reached && std::chrono::steady_clock::now() < giveUp) {
            reached = readServedCount(base, path).value_or(servedBefore) > servedBefore;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop = true;
    });
    const HttpResponse response = client.perform(request);
    stopper.join();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(reached);
    CHECK_FALSE(response.ok());
    CHECK(response.status == 0);
    CHECK_THAT(response.error, Catch::Contains("cancelled"));
    CHECK(servedCount(path) == servedBefore + 1); // that one request, not retried
    // Only a generous bound on the wall clock (nominally well under 1 s: the request reaches
    // the server, then the flag is seen): 10 s does not fail on a loaded machine, yet is far
    // below the 30 s of the server's answer or the 60 s timeout that an ignored flag would take.
    CHECK(elapsed < std::chrono::seconds(10));

    // once set, later requests fail at once: nothing reaches the server
    const std::string later = "/feeds/" + name;
    const long laterBefore = servedCount(later);
    CHECK_THAT(client.perform(get(httpBase() + later)).error, Catch::Contains("cancelled"));
    CHECK(servedCount(later) == laterBefore);
}
