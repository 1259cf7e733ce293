// The HTTP client seam. Only the interface lives in core (no I/O here): the libcurl
// implementation is feeds/curl_http_client.h, and the daemon hands it to whoever needs HTTP
// (sources, webhook notifiers). Tests pass fakes or the real client against loopback servers.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace vw {

/// How a request reaches its server (docs/configuration.md "Proxy"): directly, through an HTTP
/// proxy (HTTPS by CONNECT), or as the environment's http_proxy/https_proxy/no_proxy say. A
/// daemon does not follow the environment unless told to: a login shell's proxy must not change
/// what the service does.
struct ProxySettings {
    std::string url;         // "" direct; "env" the environment; else http://host:port (or
                             // https://, socks5://, socks5h://)
    std::string noProxy;     // hosts reached directly: "localhost,.example.co.jp,10.0.0.0/8"
    std::string credentials; // "user:password" for the proxy, "" for none
    bool operator==(const ProxySettings&) const = default;
};

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
