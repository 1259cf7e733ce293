#include "feeds/parse/document.h"

#include "feeds/parse/jvn_rss.h"
#include "feeds/parse/parse_error.h"

#include <stdexcept>

namespace vw {
namespace {

std::string_view head(std::string_view content, std::size_t n) {
    return content.substr(0, std::min(content.size(), n));
}

} // namespace

const std::vector<std::string>& documentFormats() {
    static const std::vector<std::string> formats = {"auto", "jvn-rss", "vuldef", "mail"};
    return formats;
}

std::string detectFormat(std::string_view content) {
    if (content.substr(0, 3) == "\xEF\xBB\xBF") {
        content.remove_prefix(3);
    }
    const auto first = content.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return "";
    }
    content.remove_prefix(first);
    const std::string_view start = head(content, 4096);
    if (content.front() == '<') {
        if (start.find("VULDEF-Document") != std::string_view::npos) {
            return "vuldef";
        }
        if (start.find("rdf:RDF") != std::string_view::npos ||
            start.find("<rss") != std::string_view::npos) {
            return "jvn-rss";
        }
        return "";
    }
    // RFC 5322 header block: "Name: value" lines before the first blank line.
    const auto colon = start.find(':');
    const auto space = start.find_first_of(" \t\r\n");
    if (colon != std::string_view::npos && colon > 0 && colon < space &&
        (start.find("\nMessage-ID:") != std::string_view::npos ||
         start.find("\nSubject:") != std::string_view::npos || start.rfind("Subject:", 0) == 0 ||
         start.rfind("From ", 0) == 0)) {
        return "mail";
    }
    return "";
}

ParseResult parseDocument(std::string_view content, const std::string& format) {
    std::string actual = format;
    if (actual == "auto") {
        actual = detectFormat(content);
        if (actual.empty()) {
            throw ParseError("cannot tell the format: not JVN RSS, VULDEF or a mail message "
                             "(use --format)");
        }
    }
    if (actual == "jvn-rss") {
        return parseJvnRss(content);
    }
    if (actual == "vuldef" || actual == "mail") {
        throw std::invalid_argument("format '" + actual + "' is not supported by this build yet");
    }
    throw std::invalid_argument("unknown format '" + format + "' (auto, jvn-rss, vuldef, mail)");
}

} // namespace vw
