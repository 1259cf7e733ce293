#include "feeds/parse/xml_util.h"

#include "core/text.h"

#include <algorithm>

namespace vw {

namespace {

/// Longest excerpt of input text quoted in a message.
constexpr std::size_t kMaxQuoted = 80;

} // namespace

std::string_view prefixOf(std::string_view qualifiedName) {
    const auto colon = qualifiedName.find(':');
    return colon == std::string_view::npos ? std::string_view() : qualifiedName.substr(0, colon);
}

std::string_view localOf(std::string_view qualifiedName) {
    const auto colon = qualifiedName.find(':');
    return colon == std::string_view::npos ? qualifiedName : qualifiedName.substr(colon + 1);
}

pugi::xml_node firstElementChild(pugi::xml_node node) {
    for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
        if (child.type() == pugi::node_element) {
            return child;
        }
    }
    return {};
}

pugi::xml_node nextElementSibling(pugi::xml_node node) {
    for (pugi::xml_node next = node.next_sibling(); next; next = next.next_sibling()) {
        if (next.type() == pugi::node_element) {
            return next;
        }
    }
    return {};
}

std::optional<std::string_view> lookupNamespace(pugi::xml_node node, std::string_view prefix) {
    if (prefix == "xml") {
        return kXmlNs;
    }
    for (; node.type() == pugi::node_element; node = node.parent()) {
        for (pugi::xml_attribute attribute = node.first_attribute(); attribute;
             attribute = attribute.next_attribute()) {
            const std::string_view name = attribute.name();
            if (name.size() < 5 || name.substr(0, 5) != "xmlns") {
                continue;
            }
            if (prefix.empty() ? name.size() == 5
                               : name.size() == 6 + prefix.size() && name[5] == ':' &&
                                     name.substr(6) == prefix) {
                return std::string_view(attribute.value());
            }
        }
    }
    if (prefix.empty()) {
        return std::string_view();
    }
    return std::nullopt;
}

std::string_view namespaceOf(pugi::xml_node element) {
    return lookupNamespace(element, prefixOf(element.name())).value_or(std::string_view());
}

std::string textOf(pugi::xml_node node) {
    pugi::xml_node child = node.first_child();
    if (child && !child.next_sibling() &&
        (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)) {
        return child.value(); // the common case: one text node
    }
    std::string out;
    for (; child; child = child.next_sibling()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            out.append(child.value());
        }
    }
    return out;
}

std::string quoted(std::string_view text) {
    std::string out = "'";
    if (text.size() <= kMaxQuoted) {
        out.append(text);
    } else {
        std::size_t cut = kMaxQuoted;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) {
            --cut;
        }
        out.append(text.substr(0, cut)).append("…");
    }
    return out + "'";
}

bool isPlausibleCpe(std::string_view cpe) {
    if (cpe.size() < 5 || !equalsIgnoreCase(cpe.substr(0, 4), "cpe:")) {
        return false;
    }
    return std::none_of(cpe.begin(), cpe.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20u || c == '\x7f';
    });
}

std::optional<double> parseScore(std::string_view text) {
    double value = 0.0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || !(value >= 0.0 && value <= 10.0)) {
        return std::nullopt;
    }
    return value;
}

MyJvnStatus readMyJvnStatus(pugi::xml_node status) {
    const auto number = [&](const char* name) -> long {
        return parseInteger<long>(trim(status.attribute(name).value())).value_or(0);
    };
    const auto text = [&](const char* name) {
        return std::string(trim(status.attribute(name).value()));
    };
    MyJvnStatus s;
    s.method = text("method");
    const std::string_view retCd = trim(status.attribute("retCd").value());
    s.retCd = retCd.empty() ? 0 : parseInteger<int>(retCd).value_or(1);
    s.errCd = text("errCd");
    s.errMsg = text("errMsg");
    s.totalRes = number("totalRes");
    s.totalResRet = number("totalResRet");
    s.firstRes = number("firstRes");
    return s;
}

bool isUtf8EncodingLabel(std::string_view label) {
    return equalsIgnoreCase(label, "utf-8") || equalsIgnoreCase(label, "utf8") ||
           equalsIgnoreCase(label, "us-ascii");
}

} // namespace vw
