// HttpClient over libcurl: one easy handle per request, TLS verification always on, only
// http and https, bounded redirects, a response size cap, and clear error messages.
#pragma once

#include "core/http.h"

#include <atomic>
#include <cstdio>
#include <string>

namespace vw {

/// Sets the proxy options of a curl easy handle (`curl` is a CURL*): none (CURLOPT_PROXY "",
/// which also keeps curl from reading http_proxy and friends), the environment's ("env": curl's
/// own reading of http_proxy, https_proxy, all_proxy and no_proxy), or the URL with its
/// no_proxy list and credentials. `tunnel`: CONNECT for every protocol (IMAP through an HTTP
/// proxy); HTTPS always goes by CONNECT. Throws std::runtime_error when curl refuses an option.
void applyProxy(void* curl, const ProxySettings& proxy, bool tunnel);

class CurlHttpClient : public HttpClient {
public:
    /// Initializes libcurl's global state on first construction (once per process).
    CurlHttpClient();

    /// Performs one request; safe to call from several threads at once (nothing is shared
    /// between calls). Network, TLS, protocol, timeout and size-cap failures come back with
    /// `status == 0`, an empty body and a message in `error` that names the URL (without
    /// credentials: `error` passes through redactSecrets(), core/redact.h).
    HttpResponse perform(const HttpRequest& request) override;

    /// Like perform(), but the body goes to the file `path` as it arrives (memory stays small
    /// for files of any size); `request.maxBytes` caps the bytes written. A non-2xx reply is
    /// written too (the caller checks `status`). On a transfer failure the partial file is
    /// removed and `error` says why.
    HttpResponse download(const HttpRequest& request, const std::string& path) override;

    /// Transfers in progress and later ones abort (error "cancelled …") soon after `*flag`
    /// becomes true, so a shutdown need not wait for a slow server. Set it before the first
    /// request; the flag must outlive the client. nullptr (the default) disables this.
    void setCancelFlag(const std::atomic<bool>* flag) { cancel_ = flag; }

private:
    /// Shared by perform() and download(): with `file` the body is written there.
    HttpResponse performTo(const HttpRequest& request, std::FILE* file);

    const std::atomic<bool>* cancel_ = nullptr;
};

/// The User-Agent sent with every request.
inline constexpr const char* kUserAgent = "vulnwatch/0.1";

} // namespace vw
