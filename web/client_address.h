// Who the client is when a reverse proxy stands in front ([web] trusted_proxies): the
// X-Forwarded-For and X-Forwarded-Proto headers are believed only from a trusted peer, so a
// client talking to us directly cannot pretend to be someone else (the failed-auth limiter
// keys on this address) or pretend its plain HTTP was HTTPS. Pure.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace vw::web {

class ProxyTrust {
public:
    /// `entries`: addresses or CIDR blocks ("10.0.0.1", "10.0.0.0/8", "fd00::/8"), as the
    /// config validated them. Throws std::invalid_argument for one that does not parse.
    explicit ProxyTrust(const std::vector<std::string>& entries = {});

    /// Whether `ip` (a textual address; IPv4-mapped IPv6 counts as IPv4) is a trusted proxy.
    bool trusted(std::string_view ip) const;

    struct Client {
        std::string ip;
        bool secure = false;
    };
    /// The client behind the peer. A peer that is not trusted is the client, and its own
    /// connection says whether it is secure. From a trusted peer, X-Forwarded-For is read from
    /// the right, skipping trusted proxies; the first other address is the client (all trusted:
    /// the leftmost; an entry that is no address ends the walk at the last good hop), and
    /// X-Forwarded-Proto (its first value) says whether the client used HTTPS.
    Client resolve(std::string_view peerIp, bool peerSecure, std::string_view forwardedFor,
                   std::string_view forwardedProto) const;

private:
    struct Block {
        int family = 0; // 4 or 6
        std::array<unsigned char, 16> bytes{};
        int prefix = 0;
    };
    std::vector<Block> blocks_;
};

/// `ip` in a canonical textual form (IPv4-mapped IPv6 as IPv4, IPv6 compressed), or "" when it
/// is not an address.
std::string canonicalIp(std::string_view ip);

} // namespace vw::web
