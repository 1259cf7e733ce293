// How a request reaches its server: directly or through a proxy (docs/configuration.md "Proxy").
// A value only; feeds/curl_http_client.h applies it to curl.
#pragma once

#include <string>

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

} // namespace vw
