#include "web/client_address.h"

#include "core/text.h"

#include <arpa/inet.h>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>

namespace vw::web {
namespace {

struct Parsed {
    int family = 0;
    std::array<unsigned char, 16> bytes{};
};

constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<Parsed> parseIp(std::string_view text) {
    text = trim(text);
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    if (text.empty() || text.size() > 64) {
        return std::nullopt;
    }
    const std::string s(text);
    Parsed p;
    if (inet_pton(AF_INET, s.c_str(), p.bytes.data()) == 1) {
        p.family = 4;
        return p;
    }
    if (inet_pton(AF_INET6, s.c_str(), p.bytes.data()) == 1) {
        if (std::memcmp(p.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) {
            std::memmove(p.bytes.data(), p.bytes.data() + 12, 4);
            std::memset(p.bytes.data() + 4, 0, 12);
            p.family = 4;
        } else {
            p.family = 6;
        }
        return p;
    }
    return std::nullopt;
}

bool inBlock(const Parsed& ip, int family, const std::array<unsigned char, 16>& net, int prefix) {
    if (ip.family != family) {
        return false;
    }
    int bits = prefix;
    for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
        const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
        if ((ip.bytes[i] & mask) != (net[i] & mask)) {
            return false;
        }
    }
    return true;
}

} // namespace

std::string canonicalIp(std::string_view ip) {
    const auto p = parseIp(ip);
    if (!p) {
        return {};
    }
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->bytes.data(), buffer, sizeof buffer);
    return buffer;
}

ProxyTrust::ProxyTrust(const std::vector<std::string>& entries) {
    for (const std::string& entry : entries) {
        const auto slash = entry.find('/');
        const auto ip = parseIp(std::string_view(entry).substr(0, slash));
        if (!ip) {
            throw std::invalid_argument("'" + entry + "' is not an IP address or CIDR block");
        }
        Block block;
        block.family = ip->family;
        block.bytes = ip->bytes;
        block.prefix = ip->family == 4 ? 32 : 128;
        if (slash != std::string::npos) {
            const std::string bits = entry.substr(slash + 1);
            int prefix = -1;
            try {
                std::size_t used = 0;
                prefix = std::stoi(bits, &used);
                if (used != bits.size()) {
                    prefix = -1;
                }
            } catch (const std::exception&) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > block.prefix) {
                throw std::invalid_argument("'" + entry + "' has no valid prefix length");
            }
            block.prefix = prefix;
        }
        blocks_.push_back(block);
    }
}

bool ProxyTrust::trusted(std::string_view ip) const {
    const auto p = parseIp(ip);
    if (!p) {
        return false;
    }
    for (const Block& b : blocks_) {
        if (inBlock(*p, b.family, b.bytes, b.prefix)) {
            return true;
        }
    }
    return false;
}

ProxyTrust::Client ProxyTrust::resolve(std::string_view peerIp, bool peerSecure,
                                       std::string_view forwardedFor,
                                       std::string_view forwardedProto) const {
    Client client{canonicalIp(peerIp), peerSecure};
    if (client.ip.empty()) {
        client.ip = std::string(peerIp);
    }
    if (!trusted(peerIp)) {
        return client;
    }
    // Right to left: the nearest hop first.
    std::string_view rest = forwardedFor;
    while (!trim(rest).empty()) {
        const std::size_t comma = rest.rfind(',');
        const std::string_view entry =
            comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        const std::string ip = canonicalIp(entry);
        if (ip.empty()) {
            break; // not an address: keep the last good hop
        }
        client.ip = ip;
        if (!trusted(ip)) {
            break;
        }
    }
    std::string_view proto = forwardedProto.substr(0, forwardedProto.find(','));
    proto = trim(proto);
    if (!proto.empty()) {
        client.secure = equalsIgnoreCase(proto, "https");
    }
    return client;
}

} // namespace vw::web
