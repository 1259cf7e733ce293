// `vulnwatch serve`: Poco's HTTP server on [web] listen, plain or with TLS from [web]
// tls_cert/tls_key, in front of the REST API (web/api.h) and, later, the pages. Each request
// thread borrows its own store connection from a small pool (Store is not thread-safe; WAL lets
// the daemon and the server work on one file; writes wait for the lock up to 30 s). Request
// bodies are read in pieces and refused past [web] max_body (413, without reading the rest).
#pragma once

#include "config/config.h"
#include "web/api.h"
#include "web/http.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace vw {
class Store;
}

namespace vw::web {

enum class LogLevel { Debug, Info, Warning, Error };
using LogFn = std::function<void(LogLevel level, const std::string& message)>;

/// What serves a path outside /api/v1 (the pages): a response, or nullopt for "no page here".
using PageFn = std::function<std::optional<HttpResponse>(const HttpRequest& request, Store& store,
                                                         std::int64_t now)>;

struct ServerOptions {
    WebConfig web;
    std::string dbPath; // or a PostgreSQL URL
    std::string dbPassword;
    ApiSettings api;
    PageFn pages; // may be empty
    /// Where upload bodies are written while they are read (web/upload.h): a private folder
    /// made inside it; "" for the system's temporary folder.
    std::string uploadDir;
    LogFn log;       // may be empty
    int threads = 8; // requests handled at once
    int queued = 64; // connections waiting for a thread; more are refused
    int busyTimeoutMs = 30000;
};

class WebServer {
public:
    /// Binds the socket (and loads the TLS certificate and key). Throws std::runtime_error
    /// naming the address or file that failed.
    explicit WebServer(ServerOptions options);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    void start();
    /// Stops accepting, lets requests under way finish (idle keep-alive connections close
    /// within 5 s) and closes the store connections.
    void stop();
    /// The address bound, "IP:PORT" (IPv6 in brackets); the real port when [web] listen gave 0.
    std::string boundAddress() const;
    bool tls() const;

    struct State; // web/server.cpp

private:
    std::unique_ptr<State> state_;
};

} // namespace vw::web
