// The web server's requests and responses as plain values, so the REST API (web/api.h) runs
// without sockets in tests; web/server.cpp translates Poco's HTTPServerRequest/Response.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw::web {

struct HttpRequest {
    std::string method; // "GET", "POST", … as received
    std::string path;   // the request target's path, still percent-encoded ("/api/v1/…")
    std::string query;  // after '?', still encoded ("" when none)
    /// Header fields as received (names compared case-insensitively by header()).
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; // read within the size cap (web/server.cpp); "" for none
    /// An upload's body (web/upload.h streamedUpload()): the private file the server wrote it
    /// to while reading it, within the same cap; `body` stays "". "" for other requests. The
    /// server removes the file after the request.
    std::string bodyFile;
    std::string clientIp; // the client as web/client_address.h decided (proxies honoured)
    bool secure = false;  // HTTPS to us, or to a trusted proxy (X-Forwarded-Proto: https)
    /// The peer is one of [web] trusted_proxies (its X-Forwarded-* and, when configured, its
    /// authenticated-user header are believed).
    bool fromTrustedProxy = false;

    /// The first field of that name ("" when absent).
    std::string header(std::string_view name) const;
    bool hasHeader(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string contentType = "application/json";
    std::string body;
    /// When set, the body sent instead of `body`: an answer kept for many requests (the
    /// registry's JSON) goes out without a copy per request.
    std::shared_ptr<const std::string> sharedBody;
    /// Extra header fields (Allow, WWW-Authenticate, Retry-After, …); web/headers.h adds the
    /// security headers every response carries.
    std::vector<std::pair<std::string, std::string>> headers;
    /// Who made the request, for the access log ("" when no one authenticated).
    std::string user;

    void setHeader(std::string name, std::string value);
    /// The value of an extra header field ("" when absent).
    std::string header(std::string_view name) const;
};

} // namespace vw::web
