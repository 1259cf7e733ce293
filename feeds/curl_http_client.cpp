#include "feeds/curl_http_client.h"

#include "core/redact.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <curl/curl.h>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

namespace {

using EasyHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("curl_global_init failed");
        }
    });
}

/// What the callbacks fill in during one transfer.
struct Transfer {
    const std::atomic<bool>* cancel = nullptr;
    bool cancelled = false;
    std::string body;
    std::FILE* file = nullptr; // download(): the body goes here instead of `body`
    std::size_t received = 0;  // body bytes so far (either destination)
    bool writeFailed = false;
    std::vector<std::pair<std::string, std::string>> headers;
    std::size_t maxBytes = 0;
    bool tooLarge = false;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    if (bytes > transfer->maxBytes - std::min(transfer->maxBytes, transfer->received)) {
        transfer->tooLarge = true;
        return 0; // makes curl abort with CURLE_WRITE_ERROR
    }
    if (transfer->file != nullptr) {
        if (std::fwrite(data, 1, bytes, transfer->file) != bytes) {
            transfer->writeFailed = true;
            return 0;
        }
    } else {
        transfer->body.append(data, bytes);
    }
    transfer->received += bytes;
    return bytes;
}

/// Called once per header line, status lines included. A status line starts a new response
/// (after a redirect or a 100 Continue), so only the last response's headers are kept.
size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    addHeaderLine(transfer->headers, std::string_view(data, bytes));
    return bytes;
}

/// Progress callback: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* transfer = static_cast<Transfer*>(user);
    if (transfer->cancel != nullptr && transfer->cancel->load()) {
        transfer->cancelled = true;
        return 1;
    }
    return 0;
}

template <typename Value>
void setOption(CURL* handle, CURLoption option, Value value, const char* what) {
    const CURLcode code = curl_easy_setopt(handle, option, value);
    if (code != CURLE_OK) {
        throw std::runtime_error(std::string("curl_easy_setopt(") + what +
                                 ") failed: " + curl_easy_strerror(code));
    }
}

} // namespace

void applyProxy(void* handle, const ProxySettings& proxy, bool tunnel) {
    CURL* curl = static_cast<CURL*>(handle);
    if (proxy.url == "env") {
        return; // curl reads the environment by itself
    }
    setOption(curl, CURLOPT_PROXY, proxy.url.c_str(), "PROXY");
    if (proxy.url.empty()) {
        return;
    }
    if (!proxy.noProxy.empty()) {
        setOption(curl, CURLOPT_NOPROXY, proxy.noProxy.c_str(), "NOPROXY");
    }
    if (!proxy.credentials.empty()) {
        setOption(curl, CURLOPT_PROXYUSERPWD, proxy.credentials.c_str(), "PROXYUSERPWD");
        setOption(curl, CURLOPT_PROXYAUTH, static_cast<long>(CURLAUTH_ANY), "PROXYAUTH");
    }
    if (tunnel) {
        setOption(curl, CURLOPT_HTTPPROXYTUNNEL, 1L, "HTTPPROXYTUNNEL");
    }
}

namespace {

std::string describeFailure(CURLcode code, const HttpRequest& request, const Transfer& transfer,
                            const char* detailBuffer) {
    const std::string& url = request.url;
    std::string detail = detailBuffer[0] != '\0' ? detailBuffer : curl_easy_strerror(code);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) {
        detail.pop_back();
    }
    if (transfer.cancelled) {
        return "cancelled (shutting down) fetching " + url;
    }
    if (transfer.writeFailed) {
        return "cannot write the downloaded body to disk (disk full?) fetching " + url;
    }
    if (transfer.tooLarge || code == CURLE_FILESIZE_EXCEEDED) {
        return "response larger than " + std::to_string(request.maxBytes) + " bytes fetching " +
               url;
    }
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        if (detail.find("onnection time") != std::string::npos ||
            detail.find("esolving time") != std::string::npos) {
            return "connection timed out after " + std::to_string(request.connectTimeoutMs) +
                   " ms fetching " + url + " (" + detail + ")";
        }
        return "timed out after " + std::to_string(request.timeoutMs) + " ms fetching " + url +
               " (" + detail + ")";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return "TLS certificate verification failed for " + url + ": " + detail;
    case CURLE_SSL_CONNECT_ERROR:
        return "TLS handshake failed for " + url + ": " + detail;
    case CURLE_COULDNT_CONNECT:
        return "connection refused or host unreachable fetching " + url + ": " + detail;
    case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve the host name fetching " + url + ": " + detail;
    case CURLE_PARTIAL_FILE:
        return "response body truncated (the server closed the connection before the whole "
               "body arrived) fetching " +
               url + ": " + detail;
    case CURLE_TOO_MANY_REDIRECTS:
        return "too many redirects (more than " + std::to_string(request.maxRedirects) +
               ") fetching " + url;
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (detail.find("HTTP/0.9") != std::string::npos) {
            // libcurl's words for an answer without an HTTP status line
            return "the server's answer is not HTTP fetching " + url + ": " + detail;
        }
        return "unsupported protocol (only http and https are allowed) fetching " + url + ": " +
               detail;
    case CURLE_URL_MALFORMAT:
        return "malformed URL '" + url + "': " + detail;
    case CURLE_GOT_NOTHING:
        return "the server closed the connection without a response fetching " + url;
    default:
        return std::string(curl_easy_strerror(code)) + " fetching " + url + ": " + detail;
    }
}

} // namespace

CurlHttpClient::CurlHttpClient() {
    initCurlOnce();
}

HttpResponse CurlHttpClient::perform(const HttpRequest& request) {
    return performTo(request, nullptr);
}

HttpResponse CurlHttpClient::download(const HttpRequest& request, const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        HttpResponse response;
        response.error = redactSecrets("cannot create " + path + ": " + std::strerror(errno) +
                                       " (fetching " + request.url + ")");
        return response;
    }
    HttpResponse response;
    try {
        response = performTo(request, file);
    } catch (...) {
        std::fclose(file);
        std::remove(path.c_str());
        throw;
    }
    if (std::fclose(file) != 0 && response.ok()) {
        response.status = 0;
        response.error = redactSecrets("cannot write " + path + ": " + std::strerror(errno) +
                                       " (fetching " + request.url + ")");
    }
    if (!response.ok()) {
        std::remove(path.c_str());
    }
    return response;
}

HttpResponse CurlHttpClient::performTo(const HttpRequest& request, std::FILE* file) {
    initCurlOnce();
    EasyHandle handle(curl_easy_init(), &curl_easy_cleanup);
    if (!handle) {
        throw std::runtime_error("curl_easy_init failed");
    }
    CURL* curl = handle.get();

    Transfer transfer;
    transfer.file = file;
    transfer.maxBytes = request.maxBytes;
    transfer.cancel = cancel_;
    HttpResponse response;
    if (cancel_ != nullptr && cancel_->load()) {
        response.error = redactSecrets("cancelled (shutting down) fetching " + request.url);
        response.cancelled = true;
        return response;
    }
    char errorBuffer[CURL_ERROR_SIZE] = {};

    setOption(curl, CURLOPT_ERRORBUFFER, errorBuffer, "ERRORBUFFER");
    setOption(curl, CURLOPT_URL, request.url.c_str(), "URL");
    setOption(curl, CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");
#if LIBCURL_VERSION_NUM >= 0x075500
    setOption(curl, CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR");
    setOption(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "REDIR_PROTOCOLS_STR");
#else
    setOption(curl, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS),
              "PROTOCOLS");
    setOption(curl, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS),
              "REDIR_PROTOCOLS");
#endif
    setOption(curl, CURLOPT_FOLLOWLOCATION, 1L, "FOLLOWLOCATION");
    setOption(curl, CURLOPT_MAXREDIRS, request.maxRedirects, "MAXREDIRS");
    setOption(curl, CURLOPT_TIMEOUT_MS, request.timeoutMs, "TIMEOUT_MS");
    setOption(curl, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs, "CONNECTTIMEOUT_MS");
    setOption(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.maxBytes),
              "MAXFILESIZE_LARGE");
    setOption(curl, CURLOPT_SSL_VERIFYPEER, 1L, "SSL_VERIFYPEER");
    setOption(curl, CURLOPT_SSL_VERIFYHOST, 2L, "SSL_VERIFYHOST");
    if (!request.caFile.empty()) {
        setOption(curl, CURLOPT_CAINFO, request.caFile.c_str(), "CAINFO");
    }
    applyProxy(curl, request.proxy, false);
    setOption(curl, CURLOPT_ACCEPT_ENCODING, "", "ACCEPT_ENCODING");
    setOption(curl, CURLOPT_USERAGENT, kUserAgent, "USERAGENT");
    setOption(curl, CURLOPT_WRITEFUNCTION, &onBody, "WRITEFUNCTION");
    setOption(curl, CURLOPT_WRITEDATA, static_cast<void*>(&transfer), "WRITEDATA");
    setOption(curl, CURLOPT_HEADERFUNCTION, &onHeader, "HEADERFUNCTION");
    setOption(curl, CURLOPT_HEADERDATA, static_cast<void*>(&transfer), "HEADERDATA");
    if (cancel_ != nullptr) {
        setOption(curl, CURLOPT_XFERINFOFUNCTION, &onProgress, "XFERINFOFUNCTION");
        setOption(curl, CURLOPT_XFERINFODATA, static_cast<void*>(&transfer), "XFERINFODATA");
        setOption(curl, CURLOPT_NOPROGRESS, 0L, "NOPROGRESS");
    }

    if (request.method == "GET") {
        setOption(curl, CURLOPT_HTTPGET, 1L, "HTTPGET");
    } else if (request.method == "HEAD") {
        setOption(curl, CURLOPT_NOBODY, 1L, "NOBODY");
    } else {
        if (request.method != "POST") {
            setOption(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str(), "CUSTOMREQUEST");
        }
        if (request.method == "POST" || !request.body.empty()) {
            setOption(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                      static_cast<curl_off_t>(request.body.size()), "POSTFIELDSIZE_LARGE");
            setOption(curl, CURLOPT_POSTFIELDS, request.body.data(), "POSTFIELDS");
        }
    }

    HeaderList headerList(nullptr, &curl_slist_free_all);
    for (const auto& [name, value] : request.headers) {
        // "Name;" is curl's way to send a header with an empty value
        const std::string line = value.empty() ? name + ";" : name + ": " + value;
        curl_slist* extended = curl_slist_append(headerList.get(), line.c_str());
        if (extended == nullptr) {
            throw std::runtime_error("curl_slist_append failed");
        }
        headerList.release();
        headerList.reset(extended);
    }
    if (headerList) {
        setOption(curl, CURLOPT_HTTPHEADER, headerList.get(), "HTTPHEADER");
    }

    const CURLcode code = curl_easy_perform(curl);

    if (code != CURLE_OK) {
        // The message names the URL, and curl's own text may too: no credentials in either.
        response.error = redactSecrets(describeFailure(code, request, transfer, errorBuffer));
        response.cancelled = transfer.cancelled;
        response.headers = std::move(transfer.headers);
        return response;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    response.body = std::move(transfer.body);
    response.headers = std::move(transfer.headers);
    return response;
}

} // namespace vw
