// The HTTP client seam. Only the interface lives in core (no I/O here): the libcurl
// implementation is feeds/curl_http_client.h, and the daemon hands it to whoever needs HTTP
// (sources, webhook notifiers). Tests pass fakes or the real client against loopback servers.
#pragma once

#include "core/proxy.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers; // sent as given
    std::string body;
    long timeoutMs = 30000; // whole transfer
    long connectTimeoutMs = 10000;
    std::size_t maxBytes = 128u * 1024u * 1024u; // larger bodies fail with a clear error
    long maxRedirects = 5;
    std::string caFile; // extra CA bundle (tests, private CAs); verification is always on
    ProxySettings proxy;
};

struct HttpResponse {
    long status = 0; // 0 when the transfer failed (see error)
    std::string body;
    std::vector<std::pair<std::string, std::string>>
        headers; // names lower-cased, last response only
    std::string
        error; // empty on a completed transfer; else a clear message (timeout, TLS, size cap…)

    /// The transfer was stopped because the process is shutting down (not the server's doing).
    bool cancelled = false;

    bool ok() const { return error.empty(); }
    /// The first header with this lower-case name, or "".
    std::string header(const std::string& lowerName) const;
};

/// Adds one raw header line of a response as the HTTP clients read them: the name lower-cased,
/// name and value trimmed, an obsolete folded line (leading space or tab) appended to the
/// previous value, lines without a name ignored. A status line ("HTTP/…") starts a new
/// response (a redirect, a 100 Continue): the headers so far are dropped.
void addHeaderLine(std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view line);

/// A Retry-After value in delta-seconds form ("120", at most nine digits); nullopt for
/// anything else.
std::optional<long> parseRetryAfter(std::string_view value);
/// As above, and an HTTP date (IMF-fixdate "Wed, 21 Oct 2026 07:28:00 GMT", or the obsolete
/// RFC 850 and asctime forms every recipient must read, RFC 9110 5.6.7) as the seconds from
/// `now` (Unix time) until then, 0 when it is past.
std::optional<long> parseRetryAfter(std::string_view value, std::int64_t now);

class HttpClient {
public:
    virtual ~HttpClient() = default;
    /// Performs one request. Never throws for network or protocol failures: they come back
    /// in `HttpResponse::error`.
    virtual HttpResponse perform(const HttpRequest& request) = 0;
    /// Performs one request and writes the body to the file `path` (created or truncated)
    /// instead of memory, with `request.maxBytes` applied; the returned body stays empty. On
    /// failure (`error` set) no file is left behind. Clients that cannot stream to a file
    /// (core has no I/O) report that as an error; CurlHttpClient implements it.
    virtual HttpResponse download(const HttpRequest& request, const std::string& path) {
        (void)path;
        HttpResponse response;
        response.error = "this HTTP client cannot download to a file (" + request.url + ")";
        return response;
    }
};

} // namespace vw
