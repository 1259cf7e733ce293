#include "core/purl.h"

#include "core/text.h"

#include <array>

namespace vw {

namespace {

/// `text` with %XX escapes decoded; a '%' not followed by two hex digits stays as it is.
std::string percentDecoded(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
            hexValue(text[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool validType(std::string_view type) {
    if (type.empty()) {
        return false;
    }
    for (char c : type) {
        const bool ok = (c >= 'a' && c <= 'z') || isDigit(c) || c == '.' || c == '+' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

std::string Purl::qualifier(std::string_view key) const {
    for (const auto& [k, v] : qualifiers) {
        if (k == key) {
            return v;
        }
    }
    return "";
}

std::string Purl::sourcePackage() const {
    std::string source = qualifier("upstream");
    if (const auto at = source.find('@'); at != std::string::npos) {
        source.resize(at);
    }
    if (type == "rpm" && source.size() > 8 && source.ends_with(".src.rpm")) {
        // NAME-VERSION-RELEASE.src.rpm: the name is everything before the last two '-'.
        source.resize(source.size() - 8);
        for (int dashes = 0; dashes < 2; ++dashes) {
            const auto dash = source.rfind('-');
            if (dash == std::string::npos || dash == 0) {
                return "";
            }
            source.resize(dash);
        }
    }
    source = std::string(trim(source));
    return source == name ? "" : source;
}

std::optional<Purl> parsePurl(std::string_view text) {
    text = trim(text);
    if (!startsWithIgnoreCase(text, "pkg:")) {
        return std::nullopt;
    }
    text.remove_prefix(4);
    while (!text.empty() && text.front() == '/') {
        text.remove_prefix(1);
    }
    Purl purl;
    if (const auto hash = text.find('#'); hash != std::string_view::npos) {
        std::string_view subpath = text.substr(hash + 1);
        while (!subpath.empty() && subpath.front() == '/') {
            subpath.remove_prefix(1);
        }
        while (!subpath.empty() && subpath.back() == '/') {
            subpath.remove_suffix(1);
        }
        purl.subpath = percentDecoded(subpath);
        text = text.substr(0, hash);
    }
    if (const auto question = text.find('?'); question != std::string_view::npos) {
        std::string_view rest = text.substr(question + 1);
        text = text.substr(0, question);
        while (!rest.empty()) {
            const auto amp = rest.find('&');
            const std::string_view pair = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
            const auto eq = pair.find('=');
            if (pair.empty() || eq == std::string_view::npos || eq == 0) {
                continue; // a qualifier without key or value carries nothing
            }
            purl.qualifiers.emplace_back(lowerAscii(pair.substr(0, eq)),
                                         percentDecoded(pair.substr(eq + 1)));
        }
    }
    while (!text.empty() && text.back() == '/') {
        text.remove_suffix(1);
    }
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    purl.type = lowerAscii(text.substr(0, slash));
    if (!validType(purl.type)) {
        return std::nullopt;
    }
    std::string_view path = text.substr(slash + 1);
    const auto lastSlash = path.rfind('/');
    const auto at = path.rfind('@');
    if (at != std::string_view::npos && (lastSlash == std::string_view::npos || at > lastSlash) &&
        at > (lastSlash == std::string_view::npos ? 0 : lastSlash + 1)) {
        purl.version = percentDecoded(path.substr(at + 1));
        path = path.substr(0, at);
    }
    std::vector<std::string> segments;
    while (!path.empty()) {
        const auto next = path.find('/');
        const std::string_view segment = path.substr(0, next);
        path = next == std::string_view::npos ? std::string_view{} : path.substr(next + 1);
        if (!segment.empty()) {
            segments.push_back(percentDecoded(segment));
        }
    }
    if (segments.empty() || segments.back().empty()) {
        return std::nullopt;
    }
    purl.name = segments.back();
    segments.pop_back();
    for (const auto& segment : segments) {
        if (!purl.ns.empty()) {
            purl.ns += '/';
        }
        purl.ns += segment;
    }
    return purl;
}

std::string purlName(std::string_view text) {
    const auto purl = parsePurl(text);
    return purl ? purl->name : "";
}

bool isDistributionPurlType(std::string_view type) {
    static constexpr std::array<std::string_view, 7> types = {"alpm", "apk",  "deb", "ebuild",
                                                              "opkg", "qpkg", "rpm"};
    for (auto t : types) {
        if (t == type) {
            return true;
        }
    }
    return false;
}

} // namespace vw
