// The delivery benchmark's baseline (bench/run_delivery.sh): the same webhook POSTs vulnwatch
// makes, made by a bare libcurl loop with nothing else: read every queued message's payload and
// idempotency key from the outbox of DB, then POST each to URL with the same headers, one easy
// handle per request (as feeds/curl_http_client.cpp), checking for a 2xx. No retry, no ledger,
// no signing, no lease.
//
//   bench_delivery_floor DB URL [--reuse] [--limit N] [--get FEED_URL]
//     --reuse          one easy handle for all requests (keep-alive): what connection reuse
//                      would save
//     --limit N        only the first N messages
//     --get FEED_URL   first one GET of FEED_URL (the latency floor: a poll's fetch + a POST)
// Prints `RESULT floor <requests> <seconds>`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <curl/curl.h>
#include <memory>
#include <sqlite3.h>
#include <string>
#include <utility>
#include <vector>

namespace {

size_t discard(char*, size_t size, size_t count, void*) {
    return size * count;
}

struct Message {
    std::string payload;
    std::string key;
};

std::vector<Message> readOutbox(const char* path, long limit) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "cannot open %s: %s\n", path, sqlite3_errmsg(db));
        std::exit(1);
    }
    sqlite3_stmt* stmt = nullptr;
    const char* sql = "SELECT payload, idempotency_key FROM outbox ORDER BY due_at, id LIMIT ?1";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "cannot read the outbox: %s\n", sqlite3_errmsg(db));
        std::exit(1);
    }
    sqlite3_bind_int64(stmt, 1, limit);
    std::vector<Message> messages;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto text = [&](int column) {
            const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
            return std::string(data == nullptr ? "" : data);
        };
        messages.push_back({text(0), text(1)});
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return messages;
}

/// One request on `curl` (reset first); false (with a message) unless it got a 2xx.
bool perform(CURL* curl, const std::string& url, const Message* message) {
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
    curl_slist* headers = nullptr;
    if (message != nullptr) {
        headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
        headers = curl_slist_append(headers, ("webhook-id: " + message->key).c_str());
        headers =
            curl_slist_append(headers, ("X-Vulnwatch-Idempotency-Key: " + message->key).c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(message->payload.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, message->payload.data());
    }
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    if (code != CURLE_OK || status < 200 || status >= 300) {
        std::fprintf(stderr, "%s: %s (HTTP %ld)\n", url.c_str(), curl_easy_strerror(code), status);
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_delivery_floor DB URL [--reuse] [--limit N] "
                             "[--get FEED_URL]\n");
        return 2;
    }
    bool reuse = false;
    long limit = -1;
    std::string feedUrl;
    for (int i = 3; i < argc; ++i) {
        if (std::strcmp(argv[i], "--reuse") == 0) {
            reuse = true;
        } else if (std::strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            limit = std::atol(argv[++i]);
        } else if (std::strcmp(argv[i], "--get") == 0 && i + 1 < argc) {
            feedUrl = argv[++i];
        } else {
            std::fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Message> messages = readOutbox(argv[1], limit);
    const std::string url = argv[2];
    using Handle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
    Handle shared(reuse ? curl_easy_init() : nullptr, &curl_easy_cleanup);
    int failed = 0;
    if (!feedUrl.empty()) {
        Handle get(curl_easy_init(), &curl_easy_cleanup);
        failed += perform(get.get(), feedUrl, nullptr) ? 0 : 1;
    }
    for (const Message& message : messages) {
        Handle own(reuse ? nullptr : curl_easy_init(), &curl_easy_cleanup);
        failed += perform(reuse ? shared.get() : own.get(), url, &message) ? 0 : 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("RESULT floor %zu %.4f\n", messages.size() + (feedUrl.empty() ? 0 : 1), seconds);
    curl_global_cleanup();
    return failed == 0 ? 0 : 1;
}
