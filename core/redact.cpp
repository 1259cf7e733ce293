#include "core/redact.h"

#include "core/text.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vw {

namespace {

bool isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isAlnum(char c) {
    return isAlpha(c) || isDigit(c);
}

bool isControlOrSpace(char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
}

/// Where a URL written in running text ends (RFC 3986 never allows these unescaped).
bool endsUrl(char c) {
    return isControlOrSpace(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
           c == '\\' || c == '{' || c == '}' || c == '|' || c == '^';
}

bool endsAuthority(char c) {
    return endsUrl(c) || c == '/' || c == '?' || c == '#';
}

/// Characters of a token, an id or a base64 / percent-encoded value.
bool isTokenChar(char c) {
    return isAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '%' || c == '+' ||
           c == '=' || c == '/';
}

/// The run of `accept` characters starting at `from`.
template <typename Accept>
std::size_t runEnd(std::string_view text, std::size_t from, Accept accept) {
    while (from < text.size() && accept(text[from])) {
        ++from;
    }
    return from;
}

bool inList(std::string_view name, const auto& list) {
    return std::any_of(list.begin(), list.end(),
                       [&](std::string_view known) { return equalsIgnoreCase(name, known); });
}

constexpr std::array<std::string_view, 15> kSecretParams = {
    "access_token", "api_key",       "apikey",        "api-key", "auth",
    "auth_token",   "client_secret", "id_token",      "pass",    "passwd",
    "password",     "pwd",           "refresh_token", "secret",  "token"};
constexpr std::array<std::string_view, 3> kQuerySecretParams = {"key", "sig", "signature"};
constexpr std::array<std::string_view, 2> kSecretJsonOnly = {"authorization", "x-chatworktoken"};
/// `Name: value` forms: HTTP headers, and the `password: …` a server may echo.
constexpr std::array<std::string_view, 11> kSecretHeaders = {
    "authorization",   "proxy-authorization",
    "x-chatworktoken", "x-api-key",
    "cookie",          "set-cookie",
    "password",        "passwd",
    "token",           "secret",
    "api-key"};
constexpr std::array<std::string_view, 3> kHookSegments = {"/hooks/", "/webhooks/", "/webhookb2/"};

/// Where the secret of a webhook URL's `path` (from the first '/' after the host, query
/// included) is: [first, second) of `path`, or first == second when it holds none.
std::pair<std::size_t, std::size_t> pathSecret(std::string_view host, std::string_view path) {
    const std::size_t pathEnd = std::min(path.find_first_of("?#"), path.size());
    std::size_t secretFrom = std::string_view::npos;
    if (equalsIgnoreCase(host, "hooks.slack.com")) {
        const auto second = path.find('/', 1);
        if (second != std::string_view::npos && second < pathEnd) {
            secretFrom = second + 1;
        }
    } else {
        for (std::string_view segment : kHookSegments) {
            std::size_t at = 0;
            while ((at = path.find(segment.front(), at)) < pathEnd) {
                if (startsWithIgnoreCase(path.substr(at), segment)) {
                    secretFrom = std::min(secretFrom, at + segment.size());
                    break;
                }
                ++at;
            }
        }
    }
    if (secretFrom == std::string_view::npos || secretFrom >= pathEnd) {
        return {0, 0};
    }
    // The token characters after the marker (so "…/hooks/abc: timeout" keeps ": "), '@' too:
    // Teams connector URLs read /webhookb2/GUID@GUID/IncomingWebhook/….
    const std::size_t secretEnd = std::min(
        pathEnd, runEnd(path, secretFrom, [](char c) { return isTokenChar(c) || c == '@'; }));
    return {secretFrom, secretEnd};
}

/// `path` with the secret of a webhook URL replaced.
std::string redactPath(std::string_view host, std::string_view path) {
    const auto [from, to] = pathSecret(host, path);
    if (from == to) {
        return std::string(path);
    }
    std::string out(path.substr(0, from));
    out += kRedacted;
    out += path.substr(to);
    return out;
}

/// The host of `authority` (no userinfo, no port).
std::string_view hostOf(std::string_view authority) {
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    if (!authority.empty() && authority.front() != '[') {
        authority = authority.substr(0, authority.find(':'));
    }
    return authority;
}

/// Userinfo and webhook path secrets of every `scheme://` URL in `text`.
std::string redactUrls(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t done = 0;
    std::size_t search = 0;
    while (true) {
        const std::size_t sep = text.find("://", search);
        if (sep == std::string_view::npos) {
            break;
        }
        std::size_t scheme = sep;
        while (scheme > done && (isAlnum(text[scheme - 1]) || text[scheme - 1] == '+' ||
                                 text[scheme - 1] == '-' || text[scheme - 1] == '.')) {
            --scheme;
        }
        search = sep + 3;
        if (scheme == sep || !isAlpha(text[scheme])) {
            continue;
        }
        const std::size_t authorityEnd =
            runEnd(text, sep + 3, [](char c) { return !endsAuthority(c); });
        const std::string_view authority = text.substr(sep + 3, authorityEnd - sep - 3);
        const std::size_t urlEnd = runEnd(text, authorityEnd, [](char c) { return !endsUrl(c); });
        out.append(text.substr(done, sep + 3 - done));
        std::string_view hostPort = authority;
        if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
            out += kRedacted;
            out += '@';
            hostPort = authority.substr(at + 1);
        }
        out.append(hostPort);
        out += redactPath(hostOf(authority), text.substr(authorityEnd, urlEnd - authorityEnd));
        done = search = urlEnd;
    }
    out.append(text.substr(done));
    return out;
}

/// `"name": "value"` members whose name is a secret's.
std::string redactJsonMembers(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t done = 0;
    for (std::size_t quote = text.find('"'); quote != std::string_view::npos;
         quote = text.find('"', quote + 1)) {
        const std::size_t nameEnd = runEnd(
            text, quote + 1, [](char c) { return isAlnum(c) || c == '_' || c == '-' || c == '.'; });
        if (nameEnd == quote + 1 || nameEnd >= text.size() || text[nameEnd] != '"') {
            continue;
        }
        const std::string_view name = text.substr(quote + 1, nameEnd - quote - 1);
        if (!inList(name, kSecretParams) && !inList(name, kSecretJsonOnly)) {
            continue;
        }
        std::size_t at = runEnd(text, nameEnd + 1, isSpace);
        if (at >= text.size() || text[at] != ':') {
            continue;
        }
        at = runEnd(text, at + 1, isSpace);
        if (at >= text.size() || text[at] != '"') {
            continue;
        }
        std::size_t end = at + 1;
        while (end < text.size() && text[end] != '"') {
            end += text[end] == '\\' ? 2 : 1;
        }
        end = std::min(end, text.size());
        out.append(text.substr(done, at + 1 - done));
        out += kRedacted;
        done = end; // the closing quote (if any) is copied with the rest
        quote = end < text.size() ? end : text.size() - 1;
    }
    out.append(text.substr(done));
    return out;
}

bool isBoundary(std::string_view text, std::size_t at) {
    if (at == 0) {
        return true;
    }
    const char c = text[at - 1];
    return isControlOrSpace(c) || c == '?' || c == '&' || c == ';' || c == '"' || c == '\'' ||
           c == '(' || c == '[' || c == '{' || c == ',';
}

/// `Name: value` header lines and `name=value` parameters whose name is a secret's.
std::string redactHeadersAndParams(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t done = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != ':' && c != '=') {
            continue;
        }
        std::size_t nameStart = i;
        while (nameStart > done && (isAlnum(text[nameStart - 1]) || text[nameStart - 1] == '_' ||
                                    text[nameStart - 1] == '-' || text[nameStart - 1] == '.')) {
            --nameStart;
        }
        if (nameStart == i || !isBoundary(text, nameStart)) {
            continue;
        }
        const std::string_view name = text.substr(nameStart, i - nameStart);
        std::size_t valueStart = i + 1;
        std::size_t valueEnd = valueStart;
        if (c == ':') {
            if (!inList(name, kSecretHeaders)) {
                continue;
            }
            valueStart = runEnd(text, i + 1, [](char ch) { return ch == ' ' || ch == '\t'; });
            valueEnd = runEnd(text, valueStart,
                              [](char ch) { return ch != '\r' && ch != '\n' && ch != '"'; });
        } else {
            const char before = nameStart > 0 ? text[nameStart - 1] : '\0';
            const bool query = before == '?' || before == '&';
            if (!inList(name, kSecretParams) && !(query && inList(name, kQuerySecretParams))) {
                continue;
            }
            valueEnd = runEnd(text, valueStart, [](char ch) {
                return !isControlOrSpace(ch) && ch != '&' && ch != '#' && ch != ';' && ch != ',' &&
                       ch != '"' && ch != '\'' && ch != '<' && ch != '>' && ch != '(' && ch != ')';
            });
        }
        if (valueEnd == valueStart) {
            continue;
        }
        out.append(text.substr(done, valueStart - done));
        out += kRedacted;
        done = valueEnd;
        i = valueEnd - 1;
    }
    out.append(text.substr(done));
    return out;
}

/// Tokens recognisable by their shape: `Bearer …`, Slack's `xox?-…` / `xapp-…`, `whsec_…`.
std::string redactTokenShapes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t done = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i > 0 && (isAlnum(text[i - 1]) || text[i - 1] == '_' || text[i - 1] == '-')) {
            continue;
        }
        const std::string_view rest = text.substr(i);
        std::size_t prefix = 0;
        if (startsWithIgnoreCase(rest, "bearer ")) {
            prefix = runEnd(text, i + 7, [](char ch) { return ch == ' '; }) - i;
        } else if (rest.size() > 5 && rest.substr(0, 3) == "xox" && isAlpha(rest[3]) &&
                   rest[4] == '-') {
            prefix = 5;
        } else if (rest.starts_with("xapp-")) {
            prefix = 5;
        } else if (rest.starts_with("whsec_")) {
            prefix = 6;
        } else {
            continue;
        }
        const std::size_t end = runEnd(text, i + prefix, isTokenChar);
        if (end == i + prefix) {
            continue;
        }
        out.append(text.substr(done, i + prefix - done));
        out += kRedacted;
        done = end;
        i = end - 1;
    }
    out.append(text.substr(done));
    return out;
}

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

} // namespace

std::string redactSecrets(std::string_view text) {
    // Cheap exit for the common case (log lines and replies without anything that looks like a
    // URL, a parameter, a header or a token).
    if (text.find_first_of(":=") == std::string_view::npos &&
        text.find("xox") == std::string_view::npos &&
        text.find("xapp-") == std::string_view::npos &&
        text.find("whsec_") == std::string_view::npos &&
        text.find("earer ") == std::string_view::npos) {
        return std::string(text);
    }
    return redactTokenShapes(redactHeadersAndParams(redactJsonMembers(redactUrls(text))));
}

std::string redactSecrets(std::string_view text, const std::vector<std::string>& literals) {
    // The forms first: a literal replaced inside a URL would hide the URL's shape from them.
    std::string out = redactSecrets(text);
    std::vector<std::string> sorted;
    for (const auto& literal : literals) {
        if (literal.size() >= 4) {
            sorted.push_back(literal);
        }
    }
    // Longest first: a URL before the password inside it.
    std::sort(sorted.begin(), sorted.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& literal : sorted) {
        for (auto at = out.find(literal); at != std::string::npos;
             at = out.find(literal, at + kRedacted.size())) {
            out.replace(at, literal.size(), kRedacted);
        }
    }
    return out;
}

std::vector<std::string> urlCredentials(std::string_view url) {
    std::vector<std::string> found;
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) {
        return found;
    }
    const std::size_t authorityEnd = runEnd(url, sep + 3, [](char c) { return !endsAuthority(c); });
    const std::string_view authority = url.substr(sep + 3, authorityEnd - sep - 3);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        found.emplace_back(userinfo);
        if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
            found.emplace_back(userinfo.substr(colon + 1));
        }
    }
    const std::string_view rest = url.substr(authorityEnd);
    if (const auto [from, to] = pathSecret(hostOf(authority), rest); from != to) {
        found.emplace_back(rest.substr(from, to - from));
    }
    // The values of secret query parameters.
    const auto query = rest.find('?');
    const std::string_view params =
        query == std::string_view::npos ? std::string_view() : rest.substr(query + 1);
    std::size_t begin = 0;
    while (begin < params.size()) {
        const std::size_t end = std::min(params.find_first_of("&#", begin), params.size());
        const std::string_view param = params.substr(begin, end - begin);
        const auto equals = param.find('=');
        if (equals != std::string_view::npos && equals + 1 < param.size()) {
            const std::string_view name = param.substr(0, equals);
            if (inList(name, kSecretParams) || inList(name, kQuerySecretParams)) {
                found.emplace_back(param.substr(equals + 1));
            }
        }
        if (end < params.size() && params[end] == '#') {
            break;
        }
        begin = end + 1;
    }
    const std::size_t written = found.size();
    for (std::size_t i = 0; i < written; ++i) {
        std::string decoded = percentDecoded(found[i]);
        if (decoded != found[i]) {
            found.push_back(std::move(decoded));
        }
    }
    return found;
}

} // namespace vw
