// Validation of the INI sections (config/ini.h) into the Config value, and its redacted form.
//
// Defaults live only in the member initializers of config/config.h: every section starts from a
// default-constructed struct and keys overwrite fields. The key tables below are the one list of
// accepted keys per section kind, with the types each key applies to.
#include "config/config.h"

#include "config/cpe_map.h"
#include "config/holidays_csv.h"
#include "config/ini.h"
#include "config/read_file.h"
#include "core/redact.h"
#include "core/text.h"
#include "notifiers/mail_templates.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <system_error>

namespace vw {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t maxConfigBytes = 1024u * 1024u;
constexpr std::size_t maxSecretBytes = 64u * 1024u;
constexpr std::chrono::seconds minSourceInterval{10};
constexpr std::chrono::seconds maxDuration{3650LL * 86400LL};
// What no sane configuration needs (issue 15: a timeout of ten years is a typo, not a wish).
constexpr std::chrono::seconds maxSourceInterval{7LL * 86400LL};
constexpr std::chrono::seconds maxSourceTimeout{6LL * 3600LL}; // a yearly detail file, slowly
constexpr std::chrono::seconds maxNotifierTimeout{600};
constexpr std::chrono::seconds maxSilence{365LL * 86400LL};
const std::vector<std::string> logLevels{"debug", "info", "warning", "error"};
const std::vector<std::string> notifierModes{"immediate", "digest"};
const std::vector<std::string> starttlsModes{"auto", "required", "off"};
const std::vector<std::string> languages{"ja", "en"};
const std::vector<std::string> mailCharsets{"utf-8", "iso-2022-jp"};
const std::vector<std::string> afterProcessingModes{"seen", "move", "leave"};
const std::vector<std::string> mailPolicies{"accept", "flag", "reject"};
constexpr std::chrono::milliseconds minRequestInterval{100};
constexpr int maxRetries = 10;
constexpr int firstDetailFeedYear = 1998;
constexpr std::string_view defaultMyjvnUrl = "https://jvndb.jvn.jp/myjvn";
/// CISA's Known Exploited Vulnerabilities catalog (also feeds/parse/kev.h kKevCatalogUrl; config
/// does not depend on feeds).
constexpr std::string_view kKevDefaultUrl =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// A Standard Webhooks secret: this prefix, then the base64 of the key
/// (notifiers/standard_webhooks.h).
constexpr std::string_view standardWebhookPrefix = "whsec_";

std::string formatError(const std::string& file, int line, const std::string& section,
                        const std::string& key, const std::string& message) {
    std::string where;
    if (!section.empty()) {
        where = "[" + section + "]";
    }
    if (!key.empty()) {
        where += (where.empty() ? "" : " ") + key;
    }
    return file + ":" + std::to_string(line) + ": " + (where.empty() ? "" : where + ": ") + message;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

/// Reads a whole file of at most `limit` bytes. Returns "" on success, else why not.
std::string readSmallFile(const std::string& path, std::size_t limit, std::string& content) {
    const FileRead read = readWholeFile(path, limit, content);
    return read.tooLarge ? "larger than " + std::to_string(limit / 1024u) + " KiB" : read.error;
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// --- URLs and mail addresses -------------------------------------------------------------------

struct UrlParts {
    std::string scheme; // lower case as written (schemes are compared exactly)
    std::string host;   // as written, IPv6 literals with their brackets
    std::string port;   // digits, or "" when absent
    std::string rest;   // path, query and fragment, "" when absent
    bool userInfo = false;
};

/// Splits `scheme://[user@]host[:port][/rest]`. nullopt when malformed (no host, bad port,
/// whitespace or control characters anywhere).
std::optional<UrlParts> splitUrl(std::string_view url) {
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
            return std::nullopt;
        }
    }
    const auto schemeEnd = url.find("://");
    if (schemeEnd == std::string_view::npos || schemeEnd == 0) {
        return std::nullopt;
    }
    UrlParts parts;
    parts.scheme = std::string(url.substr(0, schemeEnd));
    std::string_view rest = url.substr(schemeEnd + 3);
    const auto authorityEnd = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authorityEnd);
    parts.rest =
        authorityEnd == std::string_view::npos ? "" : std::string(rest.substr(authorityEnd));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        parts.userInfo = true;
        authority.remove_prefix(at + 1);
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        parts.host = std::string(authority.substr(0, close + 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return std::nullopt;
            }
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        parts.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (parts.host.empty() || parts.host == "[]") {
        return std::nullopt;
    }
    if (authority.find(':') != std::string_view::npos && authority.back() == ':') {
        return std::nullopt; // "host:" with an empty port
    }
    if (!port.empty()) {
        unsigned number = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (error != std::errc() || end != port.data() + port.size() || number == 0 ||
            number > 65535) {
            return std::nullopt;
        }
        parts.port = std::string(port);
    }
    return parts;
}

bool validAddress(std::string_view address) {
    const auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
        address.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    for (char c : address) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F ||
            std::string_view("<>,;:\"()[]\\").find(c) != std::string_view::npos) {
            return false;
        }
    }
    const std::string_view domain = address.substr(at + 1);
    return domain.front() != '.' && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

/// `a@b.jp` or `Display Name <a@b.jp>` (the display name may be any UTF-8 without <, > or ,).
bool validMailbox(std::string_view mailbox) {
    if (mailbox.empty() || mailbox.back() != '>') {
        return validAddress(mailbox);
    }
    const auto open = mailbox.rfind('<');
    if (open == std::string_view::npos) {
        return false;
    }
    const std::string_view display = trim(mailbox.substr(0, open));
    if (display.find_first_of("<>,\"") != std::string_view::npos) {
        return false;
    }
    return validAddress(mailbox.substr(open + 1, mailbox.size() - open - 2));
}

/// A List-Id (RFC 2919) without its angle brackets: a label and a domain, dot-separated
/// letters, digits, '-' and '_' ("psirt.example.co.jp", "vulnwatch.localhost").
bool validListId(std::string_view id) {
    if (id.size() > 200 || id.find('.') == std::string_view::npos || id.front() == '.' ||
        id.back() == '.' || id.find("..") != std::string_view::npos) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

// --- the validation context and value parsers --------------------------------------------------

struct Context {
    std::string file;
    fs::path baseDir; // absolute; relative paths resolve against it
    bool readSecrets = true;
    std::string section;
    std::vector<std::string>* warnings = nullptr; // Config::warnings, when collected

    [[noreturn]] void fail(int line, const std::string& key, const std::string& message) const {
        throw ConfigError(file, line, section, key, message);
    }
    void warn(const IniField& field, const std::string& message) const {
        if (warnings != nullptr) {
            warnings->push_back(formatError(file, field.line, section, field.key, message));
        }
    }
    [[noreturn]] void fail(const IniField& field, const std::string& message) const {
        fail(field.line, field.key, message);
    }
};

std::string resolvePath(const Context& ctx, const std::string& value) {
    const fs::path path(value);
    if (path.is_absolute()) {
        return path.lexically_normal().string();
    }
    return (ctx.baseDir / path).lexically_normal().string();
}

std::string oneOf(const Context& ctx, const IniField& field,
                  const std::vector<std::string>& allowed) {
    if (!contains(allowed, field.value)) {
        ctx.fail(field, "'" + field.value + "' is not one of: " + join(allowed, ", "));
    }
    return field.value;
}

std::chrono::seconds durationValue(const Context& ctx, const IniField& field,
                                   std::chrono::seconds minimum = std::chrono::seconds(1),
                                   std::chrono::seconds maximum = maxDuration) {
    std::chrono::seconds value{};
    try {
        value = parseDuration(field.value);
    } catch (const std::invalid_argument& error) {
        ctx.fail(field, error.what());
    }
    if (value < minimum) {
        ctx.fail(field,
                 "'" + field.value + "' is shorter than the minimum of " + formatDuration(minimum));
    }
    if (value > maximum) {
        ctx.fail(field, "'" + field.value + "' is longer than the maximum of " +
                            formatDuration(maximum) + " (allowed: " + formatDuration(minimum) +
                            " to " + formatDuration(maximum) + ") / 指定できる範囲は " +
                            formatDuration(minimum) + "〜" + formatDuration(maximum) + " です");
    }
    return value;
}

std::chrono::milliseconds millisecondsValue(const Context& ctx, const IniField& field,
                                            std::chrono::milliseconds minimum) {
    std::chrono::milliseconds value{};
    try {
        value = parseDurationMs(field.value);
    } catch (const std::invalid_argument& error) {
        ctx.fail(field, error.what());
    }
    if (value < minimum) {
        ctx.fail(field, "'" + field.value + "' is shorter than the minimum of " +
                            formatDurationMs(minimum));
    }
    return value;
}

std::size_t sizeValue(const Context& ctx, const IniField& field) {
    try {
        return parseSize(field.value);
    } catch (const std::invalid_argument& error) {
        ctx.fail(field, error.what());
    }
}

/// A comma-separated list of mail addresses, at least one.
std::vector<std::string> mailboxList(const Context& ctx, const IniField& field) {
    std::vector<std::string> list;
    std::string_view rest = field.value;
    while (true) {
        const auto comma = rest.find(',');
        const std::string item(trim(rest.substr(0, comma)));
        if (!validMailbox(item)) {
            ctx.fail(field, "'" + item + "' is not a mail address (give a comma-separated list)");
        }
        list.push_back(item);
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    return list;
}

/// A whole number from `minimum` to `maximum` (no sign, no fraction, nothing after it).
int intValue(const Context& ctx, const IniField& field, int minimum, int maximum) {
    int value = minimum - 1;
    const auto* end = field.value.data() + field.value.size();
    const auto result = std::from_chars(field.value.data(), end, value);
    if (result.ec != std::errc() || result.ptr != end || value < minimum || value > maximum) {
        ctx.fail(field, "'" + field.value + "' is not a whole number from " +
                            std::to_string(minimum) + " to " + std::to_string(maximum));
    }
    return value;
}

bool allDigits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// "YYYY-MM-DD", a real calendar day (Gregorian leap years).
bool validDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !allDigits(text.substr(0, 4)) ||
        !allDigits(text.substr(5, 2)) || !allDigits(text.substr(8, 2))) {
        return false;
    }
    const auto number = [&](std::size_t at, std::size_t length) {
        int value = 0;
        std::from_chars(text.data() + at, text.data() + at + length, value);
        return value;
    };
    const int year = number(0, 4);
    const int month = number(5, 2);
    const int day = number(8, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1) {
        return false;
    }
    constexpr int monthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= monthDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

/// An http:// or https:// URL with a host and no user name (the message names the value: such
/// URLs carry no secrets).
void checkHttpUrl(const Context& ctx, const IniField& field) {
    const auto url = splitUrl(field.value);
    if (!url || (url->scheme != "http" && url->scheme != "https")) {
        ctx.fail(field, "'" + field.value + "' is not an http:// or https:// URL with a host");
    }
    if (url->userInfo) {
        ctx.fail(field, "no user name in the URL: use the user and password keys");
    }
}

bool isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// The mailbox of an imap:// or imaps:// URL's path ("/INBOX", "/%E8%84%86..."): well-formed
/// percent escapes, no query or fragment, something after the "/".
bool validMailboxPath(std::string_view path) {
    if (path.size() < 2 || path.front() != '/' ||
        path.find_first_of("?#") != std::string_view::npos) {
        return false;
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%') {
            if (i + 2 >= path.size() || !isHex(path[i + 1]) || !isHex(path[i + 2])) {
                return false;
            }
            if (path[i + 1] < '2') { // %00-%1F: control characters
                return false;
            }
        }
    }
    return true;
}

/// Where checksum.txt sits for a jvn-detail-feed URL: `url` resolved against "../checksum.txt"
/// (https://jvndb.jvn.jp/ja/feed/detail/ -> https://jvndb.jvn.jp/ja/feed/checksum.txt).
std::string checksumUrlFor(const std::string& url) {
    const auto parts = splitUrl(url);
    if (!parts) {
        return "";
    }
    std::string path = parts->rest.substr(0, parts->rest.find_first_of("?#"));
    if (path.empty()) {
        path = "/";
    }
    path.erase(path.rfind('/')); // the folder, without its trailing '/'
    if (const auto slash = path.rfind('/'); slash != std::string::npos) {
        path.erase(slash); // one level up (stays at the root)
    }
    return parts->scheme + "://" + parts->host + (parts->port.empty() ? "" : ":" + parts->port) +
           path + "/checksum.txt";
}

bool boolValue(const Context& ctx, const IniField& field) {
    std::string lower = field.value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "true" || lower == "yes" || lower == "1") {
        return true;
    }
    if (lower == "false" || lower == "no" || lower == "0") {
        return false;
    }
    ctx.fail(field, "'" + field.value + "' is not a boolean (true/false, yes/no, 1/0)");
}

/// A directory path (resolved like every path); with readSecrets on it must exist.
std::string directoryValue(const Context& ctx, const IniField& field) {
    const std::string path = resolvePath(ctx, field.value);
    if (ctx.readSecrets) {
        std::error_code error;
        const auto status = fs::status(path, error);
        if (status.type() == fs::file_type::not_found) {
            error = std::make_error_code(std::errc::no_such_file_or_directory);
        }
        if (error) {
            ctx.fail(field, "cannot use " + path + ": " + error.message());
        }
        if (!fs::is_directory(status)) {
            ctx.fail(field, "cannot use " + path + ": not a directory");
        }
    }
    return path;
}

std::string pathValue(const Context& ctx, const IniField& field) {
    const std::string path = resolvePath(ctx, field.value);
    if (ctx.readSecrets) {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
        if (!file) {
            ctx.fail(field, "cannot read " + path + ": " +
                                std::error_code(errno, std::generic_category()).message());
        }
    }
    return path;
}

/// `proxy = none | env | http://host:port` (https://, socks5://, socks5h:// too): "" for none.
std::string proxyValue(const Context& ctx, const IniField& field) {
    if (field.value == "none") {
        return "";
    }
    if (field.value == "env") {
        return "env";
    }
    const auto url = splitUrl(field.value);
    static const std::vector<std::string> schemes{"http", "https", "socks5", "socks5h"};
    if (!url || !contains(schemes, url->scheme)) {
        // Redacted: a mistyped URL may still carry a password.
        ctx.fail(field, "'" + redactSecrets(field.value) +
                            "' is not none, env or a proxy URL (http://proxy.example.co.jp:8080; "
                            "https://, socks5:// and socks5h:// also work) / プロキシは none、env "
                            "または URL で指定してください");
    }
    if (url->userInfo) {
        ctx.fail(field, "no user name or password in the proxy URL: put user:password into a "
                        "file and name it with proxy_credentials_file");
    }
    if (!url->rest.empty() && url->rest != "/") {
        ctx.fail(field, "a proxy URL has only a host and a port (no path)");
    }
    if (url->port.empty()) {
        ctx.fail(field, "give the proxy's port (" + url->scheme + "://" + url->host +
                            ":8080, for instance)");
    }
    return url->scheme + "://" + url->host + ":" + url->port;
}

/// `no_proxy = localhost, .example.co.jp, 10.0.0.0/8`: host names, domains (a leading dot: the
/// domain and everything in it), addresses and CIDR blocks, or `*`; as curl's comma list.
std::string noProxyValue(const Context& ctx, const IniField& field) {
    std::string list;
    std::string item;
    const auto flush = [&] {
        if (item.empty()) {
            return;
        }
        for (char c : item) {
            const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                            c == '-' || c == ':' || c == '/' || c == '[' || c == ']' || c == '*' ||
                            c == '_';
            if (!ok) {
                ctx.fail(field, "'" + item +
                                    "' is not a host, domain, address or CIDR block (separate "
                                    "them with commas)");
            }
        }
        list += (list.empty() ? "" : ",") + item;
        item.clear();
    };
    for (char c : field.value) {
        if (c == ',' || c == ' ' || c == '\t') {
            flush();
        } else {
            item += c;
        }
    }
    flush();
    return list;
}

/// A secret file others may read is allowed (the daemon still works) but warned of: readable
/// by everyone, or by a group other than `vulnwatch` (the service's) and the reader's own.
void warnIfExposed(const Context& ctx, const IniField& field, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return;
    }
    const auto mode = st.st_mode & 07777;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    if ((mode & S_IROTH) != 0) {
        ctx.warn(field, path + " is readable by every user (mode " + octal +
                            "); chmod o-rwx it (chmod 0640, group vulnwatch) / "
                            "秘密情報のファイルが全ユーザーから読めます");
        return;
    }
    if ((mode & S_IRGRP) != 0) {
        const group* service = ::getgrnam("vulnwatch");
        const bool ownGroup = st.st_gid == ::getgid() || st.st_gid == ::getegid() ||
                              (service != nullptr && st.st_gid == service->gr_gid);
        if (!ownGroup) {
            const group* g = ::getgrgid(st.st_gid);
            ctx.warn(field,
                     path + " is readable by the group " +
                         (g != nullptr ? std::string(g->gr_name) : std::to_string(st.st_gid)) +
                         " (mode " + octal +
                         "); give it to the group vulnwatch or chmod g-r it / "
                         "秘密情報のファイルが他のグループから読めます");
        }
    }
}

Secret inlineSecret(const IniField& field) {
    return Secret{field.value, ""};
}

/// The secret in the file `field` names (trailing newlines stripped); with readSecrets off only
/// the path. Errors name the key and the path, never the content.
Secret fileSecret(const Context& ctx, const IniField& field) {
    Secret secret{"", resolvePath(ctx, field.value)};
    if (!ctx.readSecrets) {
        return secret;
    }
    if (const auto why = readSmallFile(secret.sourceFile, maxSecretBytes, secret.value);
        !why.empty()) {
        ctx.fail(field, "cannot read " + secret.sourceFile + ": " + why);
    }
    while (!secret.value.empty() && (secret.value.back() == '\n' || secret.value.back() == '\r')) {
        secret.value.pop_back();
    }
    if (secret.value.empty()) {
        ctx.fail(field, "the file " + secret.sourceFile + " is empty");
    }
    warnIfExposed(ctx, field, secret.sourceFile);
    return secret;
}

/// proxy_credentials_file: one line `user:password` for the proxy.
Secret proxyCredentialsValue(const Context& ctx, const IniField& field) {
    Secret secret = fileSecret(ctx, field);
    if (ctx.readSecrets && secret.value.find(':') == std::string::npos) {
        ctx.fail(field, "the file " + secret.sourceFile +
                            " must hold one line user:password for the proxy");
    }
    return secret;
}

// --- key tables --------------------------------------------------------------------------------

template <class T>
struct KeySpec {
    std::string_view key;
    std::vector<std::string> types; // the types this key applies to; empty: every type
    void (*apply)(T& target, const IniField& field, const Context& ctx);
};

const std::vector<KeySpec<StoreConfig>>& storeKeys() {
    static const std::vector<KeySpec<StoreConfig>> keys{
        {"path",
         {},
         [](StoreConfig& s, const IniField& f, const Context& c) {
             s.path = resolvePath(c, f.value);
         }},
        {"backend",
         {},
         [](StoreConfig& s, const IniField& f, const Context& c) {
             s.backend = oneOf(c, f, {"sqlite", "postgresql"});
         }},
        {"url",
         {},
         [](StoreConfig& s, const IniField& f, const Context& c) {
             if (f.value.rfind("postgresql://", 0) != 0 && f.value.rfind("postgres://", 0) != 0) {
                 c.fail(f, "'" + f.value +
                               "' is not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB)");
             }
             if (f.value.find('@') != std::string::npos &&
                 f.value.find(':', f.value.find("://") + 3) < f.value.find('@')) {
                 c.fail(f, "the URL carries a password: put it in password_file instead, so "
                           "the configuration can be shown and backed up without it");
             }
             s.url = f.value;
         }},
        {"password_file",
         {},
         [](StoreConfig& s, const IniField& f, const Context& c) {
             s.password = fileSecret(c, f);
         }},
    };
    return keys;
}

const std::vector<KeySpec<MatchConfig>>& matchKeys() {
    static const std::vector<KeySpec<MatchConfig>> keys{
        {"cpe_map",
         {},
         [](MatchConfig& m, const IniField& f, const Context& c) {
             m.cpeMapPath = resolvePath(c, f.value);
             try {
                 m.cpeMap = std::make_shared<const CpeMap>(loadCpeMap(m.cpeMapPath));
             } catch (const ConfigError& e) {
                 c.fail(f, e.what());
             }
         }},
    };
    return keys;
}

/// A value parsed by one of config/calendar_config.h's parsers (std::invalid_argument).
template <class F>
auto calendarValue(const Context& ctx, const IniField& field, F parse) {
    try {
        return parse(field.value);
    } catch (const std::invalid_argument& error) {
        ctx.fail(field, error.what());
    }
}

const std::vector<KeySpec<CalendarConfig>>& calendarKeys() {
    using C = CalendarConfig;
    static const std::vector<KeySpec<C>> keys{
        {"closures",
         {},
         [](C& k, const IniField& f, const Context& c) {
             k.closures =
                 calendarValue(c, f, [](const std::string& v) { return parseClosures(v); });
         }},
        {"day_end",
         {},
         [](C& k, const IniField& f, const Context& c) {
             k.dayEndMinutes =
                 calendarValue(c, f, [](const std::string& v) { return parseDayEnd(v); });
         }},
        {"holidays_file",
         {},
         [](C& k, const IniField& f, const Context& c) {
             k.holidaysFile = resolvePath(c, f.value);
             try {
                 k.holidays = std::make_shared<const std::vector<HolidayEntry>>(
                     loadHolidaysFile(k.holidaysFile));
             } catch (const ConfigError& e) {
                 c.fail(f, e.what());
             }
         }},
    };
    return keys;
}

/// Business days to decide (0: the day of receipt).
int businessDays(const Context& c, const IniField& f) {
    return calendarValue(c, f,
                         [](const std::string& v) { return parseDayCount(v, 0, 250, false); });
}

/// Calendar days to inform or to fix; `allowNone`: "none" (0) for no such deadline.
int calendarDays(const Context& c, const IniField& f, bool allowNone) {
    return calendarValue(
        c, f, [allowNone](const std::string& v) { return parseDayCount(v, 1, 3650, allowNone); });
}

const std::vector<KeySpec<DeadlinePolicy>>& deadlineKeys() {
    using D = DeadlinePolicy;
    static const std::vector<KeySpec<D>> keys{
        {"decide_critical",
         {},
         [](D& d, const IniField& f, const Context& c) { d.decideCritical = businessDays(c, f); }},
        {"decide_high",
         {},
         [](D& d, const IniField& f, const Context& c) { d.decideHigh = businessDays(c, f); }},
        {"decide_medium",
         {},
         [](D& d, const IniField& f, const Context& c) { d.decideMedium = businessDays(c, f); }},
        {"decide_low",
         {},
         [](D& d, const IniField& f, const Context& c) { d.decideLow = businessDays(c, f); }},
        {"decide_unscored",
         {},
         [](D& d, const IniField& f, const Context& c) { d.decideUnscored = businessDays(c, f); }},
        {"inform_uncontrolled",
         {},
         [](D& d, const IniField& f, const Context& c) {
             d.informUncontrolled = calendarDays(c, f, true);
         }},
        {"fix_uncontrolled",
         {},
         [](D& d, const IniField& f, const Context& c) {
             d.fixUncontrolled = calendarDays(c, f, false);
         }},
        {"inform_controlled",
         {},
         [](D& d, const IniField& f, const Context& c) {
             d.informControlled = calendarDays(c, f, true);
         }},
        {"fix_controlled",
         {},
         [](D& d, const IniField& f, const Context& c) {
             d.fixControlled = calendarDays(c, f, false);
         }},
    };
    return keys;
}

const std::vector<KeySpec<CasePolicy>>& caseKeys() {
    static const std::vector<KeySpec<CasePolicy>> keys{
        {"approvers",
         {},
         [](CasePolicy& p, const IniField& f, const Context&) {
             p.approvers.clear();
             std::size_t start = 0;
             while (start <= f.value.size()) {
                 const std::size_t comma = std::min(f.value.find(',', start), f.value.size());
                 std::string name = f.value.substr(start, comma - start);
                 const auto first = name.find_first_not_of(" \t");
                 const auto last = name.find_last_not_of(" \t");
                 if (first != std::string::npos) {
                     p.approvers.push_back(name.substr(first, last - first + 1));
                 }
                 start = comma + 1;
             }
         }},
        {"max_acceptance_days",
         {},
         [](CasePolicy& p, const IniField& f, const Context& c) {
             p.maxAcceptanceDays = calendarDays(c, f, false);
         }},
    };
    return keys;
}

const std::vector<KeySpec<EvidenceConfig>>& evidenceKeys() {
    static const std::vector<KeySpec<EvidenceConfig>> keys{
        {"retention_days",
         {},
         [](EvidenceConfig& e, const IniField& f, const Context& c) {
             if (f.value == "forever") {
                 e.retentionDays = 0;
                 return;
             }
             int value = 0;
             const auto* end = f.value.data() + f.value.size();
             const auto result = std::from_chars(f.value.data(), end, value);
             if (result.ec != std::errc() || result.ptr != end || value < 1 || value > 36500) {
                 c.fail(f, "'" + f.value +
                               "' is neither a number of days from 1 to 36500 nor 'forever' "
                               "(how long evidence bytes are kept)");
             }
             e.retentionDays = value;
         }},
    };
    return keys;
}

/// An IPv4 or IPv6 address literal (no brackets, no zone).
bool ipLiteral(const std::string& text) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

/// [web] listen: `IP:PORT` or `[IPv6]:PORT`, port 0-65535.
void webListen(WebConfig& w, const IniField& f, const Context& c) {
    const std::string& v = f.value;
    const auto colon = v.rfind(':');
    std::string host = colon == std::string::npos ? std::string() : v.substr(0, colon);
    const std::string port = colon == std::string::npos ? std::string() : v.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (host.find(':') == std::string::npos) {
            host.clear(); // brackets are for IPv6 only
        }
    } else if (host.find(':') != std::string::npos) {
        host.clear(); // IPv6 needs brackets: [::1]:8080
    }
    int number = -1;
    const auto* end = port.data() + port.size();
    const auto result = std::from_chars(port.data(), end, number);
    if (host.empty() || !ipLiteral(host) || port.empty() || result.ec != std::errc() ||
        result.ptr != end || number < 0 || number > 65535) {
        c.fail(f, "'" + v +
                      "' is not IP:PORT (an address, IPv6 in brackets, and a port 0-65535; e.g. "
                      "127.0.0.1:8080 or [::1]:8080) / 待受アドレスの形式が正しくありません");
    }
    w.listen = v;
}

/// [web] trusted_proxies: comma-separated addresses or CIDR blocks (10.0.0.0/8, fd00::/8).
void webTrustedProxies(WebConfig& w, const IniField& f, const Context& c) {
    w.trustedProxies.clear();
    std::size_t start = 0;
    while (start <= f.value.size()) {
        const std::size_t comma = std::min(f.value.find(',', start), f.value.size());
        const std::string item(trim(std::string_view(f.value).substr(start, comma - start)));
        start = comma + 1;
        if (item.empty()) {
            continue;
        }
        const auto slash = item.find('/');
        const std::string address = item.substr(0, slash);
        bool ok = ipLiteral(address);
        if (ok && slash != std::string::npos) {
            const std::string bits = item.substr(slash + 1);
            int prefix = -1;
            const auto* end = bits.data() + bits.size();
            const auto result = std::from_chars(bits.data(), end, prefix);
            const int most = address.find(':') == std::string::npos ? 32 : 128;
            ok = !bits.empty() && result.ec == std::errc() && result.ptr == end && prefix >= 0 &&
                 prefix <= most;
        }
        if (!ok) {
            c.fail(f, "'" + item +
                          "' is neither an IP address nor a CIDR block (e.g. 10.0.0.1, "
                          "10.0.0.0/8, fd00::/8) / 信頼するプロキシの指定が正しくありません");
        }
        w.trustedProxies.push_back(item);
    }
}

/// [web] trusted_user_header: an HTTP field name (RFC 9110 token) that is not one of the
/// fields the server reads for something else.
void webTrustedUserHeader(WebConfig& w, const IniField& f, const Context& c) {
    const std::string& v = f.value;
    const bool token =
        v.size() <= 100 && std::all_of(v.begin(), v.end(), [](char ch) {
            return std::isalnum(static_cast<unsigned char>(ch)) != 0 ||
                   std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
        });
    if (!token) {
        c.fail(f, "'" + v +
                      "' is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, at "
                      "most 100; e.g. X-Remote-User) / ヘッダ名の形式が正しくありません");
    }
    static const std::vector<std::string_view> reserved{"authorization",
                                                        "cookie",
                                                        "host",
                                                        "origin",
                                                        "content-type",
                                                        "content-length",
                                                        "x-forwarded-for",
                                                        "x-forwarded-proto",
                                                        "x-csrf-token",
                                                        "sec-fetch-site",
                                                        "transfer-encoding"};
    std::string lower = v;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (std::find(reserved.begin(), reserved.end(), lower) != reserved.end()) {
        c.fail(f, "'" + v +
                      "' is a header the server reads for something else; name the one your "
                      "proxy sets for the user, e.g. X-Remote-User / このヘッダは他の用途に使われ"
                      "ています");
    }
    w.trustedUserHeader = v;
}

/// on | off (also the boolean words of boolValue).
bool onOff(const Context& ctx, const IniField& field) {
    std::string lower = field.value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "on" || lower == "true" || lower == "yes" || lower == "1") {
        return true;
    }
    if (lower == "off" || lower == "false" || lower == "no" || lower == "0") {
        return false;
    }
    ctx.fail(field, "'" + field.value + "' is neither on nor off / on か off を指定してください");
}

/// [daemon] metrics_textfile: a *.prom file (node_exporter's textfile collector reads only
/// those) in a directory that exists when the configuration is checked with its files.
void metricsTextfileValue(Config& config, const IniField& field, const Context& ctx) {
    const std::string path = resolvePath(ctx, field.value);
    const fs::path p(path);
    if (p.extension() != ".prom" || p.stem().empty()) {
        ctx.fail(field, "'" + field.value +
                            "' does not end in .prom (node_exporter's textfile collector reads "
                            "only *.prom files) / ファイル名は .prom で終わる必要があります");
    }
    if (ctx.readSecrets) {
        std::error_code error;
        if (!fs::is_directory(p.parent_path(), error)) {
            ctx.fail(field, "the directory " + p.parent_path().string() +
                                " does not exist / ディレクトリがありません");
        }
    }
    config.metricsTextfile = path;
}

const std::vector<KeySpec<NoticeConfig>>& noticeKeys() {
    static const std::vector<KeySpec<NoticeConfig>> keys{
        {"notifier",
         {},
         [](NoticeConfig& n, const IniField& f, const Context&) { n.notifier = f.value; }},
        {"contact",
         {},
         [](NoticeConfig& n, const IniField& f, const Context&) {
             n.contact.clear();
             for (std::size_t i = 0; i < f.value.size(); ++i) {
                 if (f.value[i] == '\\' && i + 1 < f.value.size() && f.value[i + 1] == 'n') {
                     n.contact += '\n';
                     ++i;
                 } else {
                     n.contact += f.value[i];
                 }
             }
         }},
        {"language",
         {},
         [](NoticeConfig& n, const IniField& f, const Context& c) {
             if (f.value != "ja" && f.value != "en") {
                 c.fail(f, "'" + f.value + "' is neither ja nor en / ja か en を指定してください");
             }
             n.language = f.value;
         }},
    };
    return keys;
}

const std::vector<KeySpec<WebConfig>>& webKeys() {
    static const std::vector<KeySpec<WebConfig>> keys{
        {"listen", {}, webListen},
        {"tls_cert",
         {},
         [](WebConfig& w, const IniField& f, const Context& c) {
             w.tlsCert = resolvePath(c, f.value);
         }},
        {"tls_key",
         {},
         [](WebConfig& w, const IniField& f, const Context& c) {
             w.tlsKey = resolvePath(c, f.value);
         }},
        {"trusted_proxies", {}, webTrustedProxies},
        {"max_body",
         {},
         [](WebConfig& w, const IniField& f, const Context& c) {
             w.maxBody = sizeValue(c, f);
             if (w.maxBody < 1024) {
                 c.fail(f, "'" + f.value + "' is smaller than the minimum of 1K");
             }
         }},
        {"session_hours",
         {},
         [](WebConfig& w, const IniField& f, const Context& c) {
             int value = 0;
             const auto* end = f.value.data() + f.value.size();
             const auto result = std::from_chars(f.value.data(), end, value);
             if (result.ec != std::errc() || result.ptr != end || value < 1 || value > 720) {
                 c.fail(f, "'" + f.value +
                               "' is not a number of hours from 1 to 720 (how long a login "
                               "lasts) / ログインの有効時間は 1〜720 時間で指定してください");
             }
             w.sessionHours = value;
         }},
        {"trusted_user_header", {}, webTrustedUserHeader},
        {"metrics",
         {},
         [](WebConfig& w, const IniField& f, const Context& c) { w.metrics = onOff(c, f); }},
    };
    return keys;
}

const std::vector<KeySpec<Config>>& daemonKeys() {
    static const std::vector<KeySpec<Config>> keys{
        {"admin",
         {},
         [](Config& s, const IniField& f, const Context& c) { s.admins = mailboxList(c, f); }},
        {"log_level",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.logLevel = oneOf(c, f, logLevels);
         }},
        {"metrics_textfile", {}, metricsTextfileValue},
        {"check_at_start",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.checkAtStart = oneOf(c, f, {"quick", "off"});
         }},
        {"standby_retry",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.standbyRetry = millisecondsValue(c, f, std::chrono::milliseconds(100));
             if (s.standbyRetry > std::chrono::minutes(5)) {
                 c.fail(f, "'" + f.value +
                               "' is longer than the maximum of 5m (allowed: 100ms to 5m) / "
                               "指定できる範囲は 100ms〜5m です");
             }
         }},
        {"site",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             const bool control = std::any_of(f.value.begin(), f.value.end(), [](char ch) {
                 return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
             });
             if (f.value.empty() || f.value.size() > 100 || control) {
                 c.fail(f, "'" + f.value +
                               "' is not a site name (1 to 100 bytes of text on one line, e.g. "
                               "東京 or Osaka; leave the key out for the host name) / "
                               "拠点名は 1〜100 バイトの 1 行で指定してください");
             }
             s.site = f.value;
         }},
        {"max_field_bytes",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.limits.maxFieldBytes = sizeValue(c, f);
             if (s.limits.maxFieldBytes < 1024) {
                 c.fail(f, "'" + f.value + "' is smaller than the minimum of 1K");
             }
         }},
        {"max_record_bytes",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.limits.maxRecordBytes = sizeValue(c, f);
             if (s.limits.maxRecordBytes < 64 * 1024) {
                 c.fail(f, "'" + f.value + "' is smaller than the minimum of 64K");
             }
         }},
        {"proxy",
         {},
         [](Config& s, const IniField& f, const Context& c) { s.proxy.url = proxyValue(c, f); }},
        {"no_proxy",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.proxy.noProxy = noProxyValue(c, f);
         }},
        {"proxy_credentials_file",
         {},
         [](Config& s, const IniField& f, const Context& c) {
             s.proxyCredentials = proxyCredentialsValue(c, f);
             s.proxy.credentials = s.proxyCredentials.value;
         }},
    };
    return keys;
}

const std::vector<KeySpec<SourceConfig>>& sourceKeys() {
    using S = SourceConfig;
    static const std::vector<std::string> jvnApi{"myjvn", "jvn-detail-feed"};
    static const std::vector<std::string> paced{"myjvn", "myjvn-alert", "jvn-detail-feed"};
    static const std::vector<std::string> detailFeed{"jvn-detail-feed"};
    static const std::vector<std::string> imap{"imap"};
    static const std::vector<std::string> signedFiles{"imap", "csaf"};
    static const std::vector<std::string> csaf{"csaf"};
    static const std::vector<KeySpec<S>> keys{
        {"type", {}, [](S& s, const IniField& f, const Context&) { s.type = f.value; }},
        {"url", {}, [](S& s, const IniField& f, const Context&) { s.url = f.value; }},
        {"interval",
         {},
         [](S& s, const IniField& f, const Context& c) {
             s.interval = durationValue(c, f, minSourceInterval, maxSourceInterval);
         }},
        {"timeout",
         {},
         [](S& s, const IniField& f, const Context& c) {
             s.timeout = durationValue(c, f, std::chrono::seconds(1), maxSourceTimeout);
         }},
        {"max_bytes",
         {},
         [](S& s, const IniField& f, const Context& c) { s.maxBytes = sizeValue(c, f); }},
        {"ca_file",
         {},
         [](S& s, const IniField& f, const Context& c) { s.caFile = pathValue(c, f); }},
        {"proxy",
         {},
         [](S& s, const IniField& f, const Context& c) {
             s.proxy.url = proxyValue(c, f);
             s.proxySet = true;
         }},
        {"proxy_credentials_file",
         {},
         [](S& s, const IniField& f, const Context& c) {
             s.proxyCredentials = proxyCredentialsValue(c, f);
         }},
        {"user", {}, [](S& s, const IniField& f, const Context&) { s.user = f.value; }},
        {"password",
         {},
         [](S& s, const IniField& f, const Context&) { s.password = inlineSecret(f); }},
        {"password_file",
         {},
         [](S& s, const IniField& f, const Context& c) { s.password = fileSecret(c, f); }},
        {"enabled",
         {},
         [](S& s, const IniField& f, const Context& c) { s.enabled = boolValue(c, f); }},
        // myjvn and jvn-detail-feed (pacing and retries: myjvn-alert too)
        {"lang", jvnApi,
         [](S& s, const IniField& f, const Context& c) { s.lang = oneOf(c, f, languages); }},
        {"request_interval", paced,
         [](S& s, const IniField& f, const Context& c) {
             s.requestInterval = millisecondsValue(c, f, minRequestInterval);
         }},
        {"alert_after_failures",
         {},
         [](S& s, const IniField& f, const Context& c) {
             s.alertAfterFailures = intValue(c, f, 1, 1000);
         }},
        {"alert_when_silent",
         {},
         [](S& s, const IniField& f, const Context& c) {
             s.alertWhenSilent = durationValue(c, f, std::chrono::seconds(0), maxSilence);
         }},
        {"retries", paced,
         [](S& s, const IniField& f, const Context& c) {
             s.retries = intValue(c, f, 0, maxRetries);
         }},
        {"since", jvnApi,
         [](S& s, const IniField& f, const Context& c) {
             // s.type is already the validated type (see validateSource).
             if (s.type == "myjvn") {
                 if (!validDate(f.value)) {
                     c.fail(f, "'" + f.value + "' is not a date (YYYY-MM-DD, e.g. 2024-04-01)");
                 }
             } else {
                 const auto* end = f.value.data() + f.value.size();
                 int year = 0;
                 std::from_chars(f.value.data(), end, year);
                 if (f.value.size() != 4 || !allDigits(f.value) || year < firstDetailFeedYear) {
                     c.fail(f, "'" + f.value + "' is not a year (YYYY, " +
                                   std::to_string(firstDetailFeedYear) + " or later)");
                 }
             }
             s.since = f.value;
         }},
        {"checksum_url", detailFeed,
         [](S& s, const IniField& f, const Context& c) {
             checkHttpUrl(c, f);
             s.checksumUrl = f.value;
         }},
        // imap
        {"starttls", imap,
         [](S& s, const IniField& f, const Context& c) {
             s.starttls = oneOf(c, f, starttlsModes);
         }},
        {"after_processing", imap,
         [](S& s, const IniField& f, const Context& c) {
             s.afterProcessing = oneOf(c, f, afterProcessingModes);
         }},
        {"move_to", imap, [](S& s, const IniField& f, const Context&) { s.moveTo = f.value; }},
        {"max_message_bytes", imap,
         [](S& s, const IniField& f, const Context& c) { s.maxMessageBytes = sizeValue(c, f); }},
        {"keyring", signedFiles,
         [](S& s, const IniField& f, const Context& c) { s.keyring = directoryValue(c, f); }},
        {"unsigned_policy", imap,
         [](S& s, const IniField& f, const Context& c) {
             s.unsignedPolicy = oneOf(c, f, mailPolicies);
         }},
        {"invalid_policy", imap,
         [](S& s, const IniField& f, const Context& c) {
             s.invalidPolicy = oneOf(c, f, mailPolicies);
         }},
        {"list", imap, [](S& s, const IniField& f, const Context&) { s.list = f.value; }},
        // csaf
        {"path", csaf,
         [](S& s, const IniField& f, const Context& c) { s.path = directoryValue(c, f); }},
    };
    return keys;
}

/// A CVSS base score threshold, 0.0 to 10.0.
double scoreValue(const Context& ctx, const IniField& field) {
    double value = -1.0;
    const auto* end = field.value.data() + field.value.size();
    const auto result = std::from_chars(field.value.data(), end, value, std::chars_format::fixed);
    if (result.ec != std::errc() || result.ptr != end || !(value >= 0.0) || value > 10.0) {
        ctx.fail(field, "'" + field.value + "' is not a CVSS score from 0.0 to 10.0");
    }
    return value;
}

/// A match confidence threshold, 0 to 100.
int confidenceValue(const Context& ctx, const IniField& field) {
    int value = -1;
    const auto* end = field.value.data() + field.value.size();
    const auto result = std::from_chars(field.value.data(), end, value);
    if (result.ec != std::errc() || result.ptr != end || value < 0 || value > 100) {
        ctx.fail(field, "'" + field.value + "' is not a whole number from 0 to 100");
    }
    return value;
}

/// `products = a, b` (product names as registered) or `products = *` (every product: an
/// empty list).
std::vector<std::string> productList(const Context& ctx, const IniField& field) {
    std::vector<std::string> list;
    std::string_view rest = field.value;
    while (true) {
        const auto comma = rest.find(',');
        const std::string item(trim(rest.substr(0, comma)));
        if (item.empty()) {
            ctx.fail(field, "an empty product name (give product names separated by commas, "
                            "or * for every product)");
        }
        list.push_back(item);
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    if (contains(list, "*")) {
        if (list.size() > 1) {
            ctx.fail(field, "* already means every product: give * alone or product names");
        }
        list.clear();
    }
    return list;
}

const std::vector<KeySpec<OwnerConfig>>& ownerKeys() {
    using O = OwnerConfig;
    static const std::vector<KeySpec<O>> keys{
        {"email",
         {},
         [](O& o, const IniField& f, const Context& c) {
             if (f.value.find(',') != std::string::npos || !validMailbox(f.value)) {
                 c.fail(f, "'" + f.value +
                               "' is not one mail address (a@example.jp or Name <a@example.jp>; "
                               "one [owner.NAME] section per address)");
             }
             o.email = f.value;
         }},
        {"products",
         {},
         [](O& o, const IniField& f, const Context& c) {
             o.products = productList(c, f);
             o.productsSet = true;
         }},
        {"mode",
         {},
         [](O& o, const IniField& f, const Context& c) { o.mode = oneOf(c, f, notifierModes); }},
        {"min_severity",
         {},
         [](O& o, const IniField& f, const Context& c) { o.minSeverity = scoreValue(c, f); }},
        {"min_confidence",
         {},
         [](O& o, const IniField& f, const Context& c) {
             o.minConfidence = confidenceValue(c, f);
         }},
        {"digest",
         {},
         [](O& o, const IniField& f, const Context& c) {
             std::string why;
             const auto schedule = parseDigestSchedule(f.value, &why);
             if (!schedule) {
                 c.fail(f, why);
             }
             o.digest = *schedule;
         }},
        {"timezone",
         {},
         [](O& o, const IniField& f, const Context& c) {
             if (!knownTimeZone(f.value)) {
                 c.fail(f, "'" + f.value +
                               "' is not a time zone of the tz database (e.g. Asia/Tokyo, "
                               "Europe/Berlin, UTC; see /usr/share/zoneinfo)");
             }
             o.timezone = f.value;
         }},
        {"language",
         {},
         [](O& o, const IniField& f, const Context& c) { o.language = oneOf(c, f, languages); }},
        {"heartbeat",
         {},
         [](O& o, const IniField& f, const Context& c) { o.heartbeat = boolValue(c, f); }},
        {"notifier", {}, [](O& o, const IniField& f, const Context&) { o.notifier = f.value; }},
    };
    return keys;
}

const std::vector<KeySpec<NotifierConfig>>& notifierKeys() {
    using N = NotifierConfig;
    static const std::vector<std::string> email{"email"};
    static const std::vector<std::string> webhook{"webhook"};
    static const std::vector<std::string> hooks{"webhook", "slack", "teams", "mattermost"};
    static const std::vector<std::string> chatwork{"chatwork"};
    static const std::vector<std::string> chat{"webhook", "slack", "teams", "mattermost",
                                               "chatwork"};
    static const std::vector<KeySpec<N>> keys{
        {"type", {}, [](N& n, const IniField& f, const Context&) { n.type = f.value; }},
        {"mode",
         {},
         [](N& n, const IniField& f, const Context& c) { n.mode = oneOf(c, f, notifierModes); }},
        {"min_severity",
         {},
         [](N& n, const IniField& f, const Context& c) {
             double value = -1.0;
             const auto* end = f.value.data() + f.value.size();
             const auto result =
                 std::from_chars(f.value.data(), end, value, std::chars_format::fixed);
             if (result.ec != std::errc() || result.ptr != end || !(value >= 0.0) || value > 10.0) {
                 c.fail(f, "'" + f.value + "' is not a CVSS score from 0.0 to 10.0");
             }
             n.minSeverity = value;
         }},
        {"min_confidence",
         {},
         [](N& n, const IniField& f, const Context& c) {
             int value = -1;
             const auto* end = f.value.data() + f.value.size();
             const auto result = std::from_chars(f.value.data(), end, value);
             if (result.ec != std::errc() || result.ptr != end || value < 0 || value > 100) {
                 c.fail(f, "'" + f.value + "' is not a whole number from 0 to 100");
             }
             n.minConfidence = value;
         }},
        {"timeout",
         {},
         [](N& n, const IniField& f, const Context& c) {
             n.timeout = durationValue(c, f, std::chrono::seconds(1), maxNotifierTimeout);
         }},
        {"ca_file",
         {},
         [](N& n, const IniField& f, const Context& c) { n.caFile = pathValue(c, f); }},
        {"proxy", chat,
         [](N& n, const IniField& f, const Context& c) {
             n.proxy.url = proxyValue(c, f);
             n.proxySet = true;
         }},
        {"proxy_credentials_file", chat,
         [](N& n, const IniField& f, const Context& c) {
             n.proxyCredentials = proxyCredentialsValue(c, f);
         }},
        {"smtp", email,
         [](N& n, const IniField& f, const Context& c) {
             const auto url = splitUrl(f.value);
             if (!url || (url->scheme != "smtp" && url->scheme != "smtps")) {
                 // Redacted: a mistyped URL may still carry a password (`smpt://u:p@host`).
                 c.fail(f, "'" + redactSecrets(f.value) +
                               "' is not an smtp:// or smtps:// URL with a host");
             }
             if (url->userInfo) {
                 c.fail(f, "no user name in the URL: use the user and password keys");
             }
             if (!url->rest.empty() && url->rest != "/") {
                 c.fail(f, "an SMTP URL has only a host and an optional port (no path)");
             }
             n.smtp = f.value;
         }},
        {"starttls", email,
         [](N& n, const IniField& f, const Context& c) {
             n.starttls = oneOf(c, f, starttlsModes);
         }},
        {"from", email,
         [](N& n, const IniField& f, const Context& c) {
             if (!validMailbox(f.value)) {
                 c.fail(f, "'" + f.value +
                               "' is not a mail address (a@example.jp or Name <a@example.jp>)");
             }
             n.from = f.value;
         }},
        {"user", email, [](N& n, const IniField& f, const Context&) { n.user = f.value; }},
        {"password", email,
         [](N& n, const IniField& f, const Context&) { n.password = inlineSecret(f); }},
        {"password_file", email,
         [](N& n, const IniField& f, const Context& c) { n.password = fileSecret(c, f); }},
        {"to", email, [](N& n, const IniField& f, const Context& c) { n.to = mailboxList(c, f); }},
        {"language", email,
         [](N& n, const IniField& f, const Context& c) { n.language = oneOf(c, f, languages); }},
        {"charset", email,
         [](N& n, const IniField& f, const Context& c) { n.charset = oneOf(c, f, mailCharsets); }},
        {"list_id", email,
         [](N& n, const IniField& f, const Context& c) {
             if (!validListId(f.value)) {
                 c.fail(f, "'" + f.value +
                               "' is not a list id: LABEL.DOMAIN of letters, digits, '-', '_' "
                               "and '.' (e.g. psirt.example.co.jp)");
             }
             n.listId = f.value;
         }},
        {"templates", email,
         [](N& n, const IniField& f, const Context& c) {
             n.templates.path = directoryValue(c, f);
             if (c.readSecrets) { // no file is opened without it (config check --no-secrets)
                 try {
                     n.templates.loaded = MailTemplates::load(n.templates.path);
                 } catch (const MailTemplateError& e) {
                     c.fail(f, e.what());
                 }
             }
         }},
        {"url", hooks, [](N& n, const IniField& f, const Context&) { n.url = inlineSecret(f); }},
        {"url_file", hooks,
         [](N& n, const IniField& f, const Context& c) { n.url = fileSecret(c, f); }},
        {"secret", webhook,
         [](N& n, const IniField& f, const Context&) { n.secret = inlineSecret(f); }},
        {"secret_file", webhook,
         [](N& n, const IniField& f, const Context& c) { n.secret = fileSecret(c, f); }},
        {"room", chatwork,
         [](N& n, const IniField& f, const Context& c) {
             if (f.value.size() > 20 || !allDigits(f.value)) {
                 c.fail(f, "'" + f.value + "' is not a Chatwork room id (digits)");
             }
             n.room = f.value;
         }},
        {"token", chatwork,
         [](N& n, const IniField& f, const Context&) { n.token = inlineSecret(f); }},
        {"token_file", chatwork,
         [](N& n, const IniField& f, const Context& c) { n.token = fileSecret(c, f); }},
        {"api_url", chatwork,
         [](N& n, const IniField& f, const Context& c) {
             checkHttpUrl(c, f);
             n.apiUrl = f.value;
         }},
        {"products", chat,
         [](N& n, const IniField& f, const Context& c) { n.products = productList(c, f); }},
    };
    return keys;
}

const IniField* findField(const IniSection& section, std::string_view key) {
    for (const auto& field : section.fields) {
        if (field.key == key) {
            return &field;
        }
    }
    return nullptr;
}

/// `key` and `key_file` are two forms of one setting: returns the other form's name, or "".
template <class T>
std::string otherForm(const std::vector<KeySpec<T>>& specs, const std::string& key) {
    constexpr std::string_view suffix = "_file";
    std::string other;
    if (key.size() > suffix.size() && key.ends_with(suffix)) {
        other = key.substr(0, key.size() - suffix.size());
    } else {
        other = key + std::string(suffix);
    }
    for (const auto& spec : specs) {
        if (spec.key == other) {
            return other;
        }
    }
    return "";
}

/// Applies every field of `section` to `target` in file order. `type` is the section's already
/// validated type ("" for sections without one); `kind` names such sections in messages.
template <class T>
void applyFields(T& target, const IniSection& section, const std::vector<KeySpec<T>>& specs,
                 const std::string& type, const std::string& kind, const Context& ctx) {
    for (const auto& field : section.fields) {
        const auto spec = std::find_if(specs.begin(), specs.end(),
                                       [&](const KeySpec<T>& s) { return s.key == field.key; });
        if (spec == specs.end()) {
            std::string hint;
            for (const auto& candidate : specs) {
                if (editDistance(candidate.key, field.key) <= 2) {
                    hint = " (did you mean '" + std::string(candidate.key) + "'?)";
                    break;
                }
            }
            ctx.fail(field, "unknown key" + hint);
        }
        if (!spec->types.empty() && !contains(spec->types, type)) {
            ctx.fail(field, "applies only to " + join(spec->types, ", ") + " " + kind +
                                "s, not to type " + type);
        }
        if (const auto other = otherForm(specs, field.key); !other.empty()) {
            if (const auto* first = findField(section, other); first && first->line < field.line) {
                ctx.fail(field, "both " + other + " (line " + std::to_string(first->line) +
                                    ") and " + field.key + " are set: keep one");
            }
        }
        spec->apply(target, field, ctx);
    }
}

/// The proxy a source or chat notifier uses: its own `proxy` key, else [daemon]'s; its own
/// credentials, else [daemon]'s when it goes through [daemon]'s proxy; [daemon]'s no_proxy.
ProxySettings effectiveProxy(const Config& config, bool ownSet, const std::string& ownUrl,
                             const Secret& ownCredentials) {
    ProxySettings p;
    p.url = ownSet ? ownUrl : config.proxy.url;
    p.noProxy = config.proxy.noProxy;
    if (!ownCredentials.empty()) {
        p.credentials = ownCredentials.value;
    } else if (p.url == config.proxy.url) {
        p.credentials = config.proxy.credentials;
    }
    if (p.url.empty() || p.url == "env") {
        p.noProxy.clear();
        p.credentials.clear();
    }
    return p;
}

/// The validated `type` of a [source.NAME] or [notifier.NAME] section.
std::string sectionType(const IniSection& section, const std::vector<std::string>& known,
                        const Context& ctx) {
    const auto* field = findField(section, "type");
    if (field == nullptr) {
        ctx.fail(section.line, "type", "required key missing (one of: " + join(known, ", ") + ")");
    }
    if (!contains(known, field->value)) {
        ctx.fail(*field, "unknown type '" + field->value + "' (known: " + join(known, ", ") + ")");
    }
    return field->value;
}

void require(const IniSection& section, const std::vector<std::string>& forms, const Context& ctx) {
    for (const auto& form : forms) {
        if (findField(section, form) != nullptr) {
            return;
        }
    }
    ctx.fail(section.line, forms.front(),
             forms.size() == 1 ? "required key missing"
                               : "required key missing (set " + join(forms, " or ") + ")");
}

bool validName(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

SourceConfig validateSource(const IniSection& section, const std::string& name,
                            const Context& ctx) {
    SourceConfig source;
    source.name = name;
    const auto type = sectionType(section, knownSourceTypes(), ctx);
    source.type = type; // before the keys: `since` depends on it
    applyFields(source, section, sourceKeys(), type, "source", ctx);
    if (!source.alertWhenSilent) {
        source.alertWhenSilent = defaultSilenceLimit(type); // filled in, as config check shows
    }
    const auto* urlField = findField(section, "url");
    if (type == "jvn-rss") {
        require(section, {"url"}, ctx);
        checkHttpUrl(ctx, *urlField);
    } else if (type == "myjvn" || type == "myjvn-alert") {
        if (urlField != nullptr) {
            checkHttpUrl(ctx, *urlField);
        } else {
            source.url = defaultMyjvnUrl;
        }
    } else if (type == "jvn-detail-feed") {
        if (urlField != nullptr) {
            checkHttpUrl(ctx, *urlField);
        } else {
            source.url = "https://jvndb.jvn.jp/" + source.lang + "/feed/detail/";
        }
        if (source.checksumUrl.empty()) {
            source.checksumUrl = checksumUrlFor(source.url);
        }
        if (source.since.empty()) {
            source.since = std::to_string(firstDetailFeedYear);
        }
    } else if (type == "kev") {
        // CISA's catalog by default; once a day is enough (CISA updates it a few times a week).
        if (urlField != nullptr) {
            checkHttpUrl(ctx, *urlField);
        } else {
            source.url = std::string(kKevDefaultUrl);
        }
        if (findField(section, "interval") == nullptr) {
            source.interval = std::chrono::hours(24);
        }
    } else if (type == "csaf") {
        // A provider's metadata or feed by URL, or a local directory: one of the two.
        const auto* pathField = findField(section, "path");
        if (urlField != nullptr && pathField != nullptr) {
            ctx.fail(*pathField, "both url (line " + std::to_string(urlField->line) +
                                     ") and path are set: keep one");
        }
        require(section, {"url", "path"}, ctx);
        if (urlField != nullptr) {
            checkHttpUrl(ctx, *urlField);
        }
        if (findField(section, "interval") == nullptr) {
            source.interval = std::chrono::hours(1);
        }
    } else if (type == "imap") {
        require(section, {"url"}, ctx);
        const auto url = splitUrl(source.url);
        if (!url || (url->scheme != "imap" && url->scheme != "imaps")) {
            ctx.fail(*urlField,
                     "'" + source.url + "' is not an imap:// or imaps:// URL with a host");
        }
        if (url->userInfo) {
            ctx.fail(*urlField, "no user name in the URL: use the user and password keys");
        }
        if (!validMailboxPath(url->rest)) {
            ctx.fail(*urlField, "'" + source.url +
                                    "' does not name a mailbox (e.g. imaps://mail.example.co.jp/"
                                    "INBOX; percent-encode other characters, no query)");
        }
        if (const auto* starttls = findField(section, "starttls");
            starttls != nullptr && url->scheme == "imaps") {
            ctx.fail(*starttls, "applies only to imap:// (imaps:// is TLS from the start)");
        }
        require(section, {"user"}, ctx);
        require(section, {"password", "password_file"}, ctx);
        const auto* moveTo = findField(section, "move_to");
        if (source.afterProcessing == "move" && moveTo == nullptr) {
            ctx.fail(section.line, "move_to", "required key missing (after_processing = move)");
        }
        if (source.afterProcessing != "move" && moveTo != nullptr) {
            ctx.fail(*moveTo, "applies only with after_processing = move");
        }
        if (source.list.empty()) {
            source.list = name;
        }
    }
    return source;
}

NotifierConfig validateNotifier(const IniSection& section, const std::string& name,
                                const Context& ctx) {
    NotifierConfig notifier;
    notifier.name = name;
    const auto type = sectionType(section, knownNotifierTypes(), ctx);
    applyFields(notifier, section, notifierKeys(), type, "notifier", ctx);
    if (type != "email" && notifier.mode == "digest") {
        ctx.fail(*findField(section, "mode"),
                 "digest applies only to email notifiers (a chat notifier posts each match at "
                 "once; digests go to owners by e-mail, see [owner.NAME])");
    }
    if (type == "email") {
        require(section, {"smtp"}, ctx);
        require(section, {"from"}, ctx);
        if (notifier.smtp.starts_with("smtps://") && notifier.starttls != "auto") {
            ctx.fail(*findField(section, "starttls"),
                     "applies only to smtp:// (smtps:// is TLS from the start)");
        }
    } else if (type == "webhook" || type == "slack" || type == "teams" || type == "mattermost") {
        require(section, {"url", "url_file"}, ctx);
        if (!notifier.url.value.empty()) {
            const auto url = splitUrl(notifier.url.value);
            if (!url || (url->scheme != "http" && url->scheme != "https")) {
                // Never echo the value: webhook URLs carry tokens.
                if (notifier.url.sourceFile.empty()) {
                    ctx.fail(*findField(section, "url"),
                             "not an http:// or https:// URL with a host");
                }
                ctx.fail(*findField(section, "url_file"),
                         "the file " + notifier.url.sourceFile +
                             " does not hold an http:// or https:// URL with a host");
            }
        }
        if (notifier.secret.value.starts_with(standardWebhookPrefix)) {
            // Never echo the value. A whsec_ secret is base64 of the key (Standard Webhooks).
            std::string_view key(notifier.secret.value);
            key.remove_prefix(standardWebhookPrefix.size());
            while (!key.empty() && key.back() == '=') {
                key.remove_suffix(1);
            }
            const bool base64 = !key.empty() && key.size() % 4 != 1 &&
                                std::all_of(key.begin(), key.end(), [](char c) {
                                    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                           (c >= '0' && c <= '9') || c == '+' || c == '/';
                                });
            if (!base64) {
                const auto* field = findField(section, "secret");
                ctx.fail(field != nullptr ? *field : *findField(section, "secret_file"),
                         "a whsec_ secret must be followed by the base64 of the key");
            }
        }
    } else if (type == "chatwork") {
        require(section, {"room"}, ctx);
        require(section, {"token", "token_file"}, ctx);
        const auto& token = notifier.token.value;
        if (!std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7F; })) {
            const auto* field = findField(section, "token");
            ctx.fail(field != nullptr ? *field : *findField(section, "token_file"),
                     "the token may only hold printable ASCII without spaces");
        }
    }
    return notifier;
}

OwnerConfig validateOwner(const IniSection& section, const std::string& name, const Context& ctx) {
    OwnerConfig owner;
    owner.name = name;
    applyFields(owner, section, ownerKeys(), "", "", ctx);
    require(section, {"email"}, ctx);
    return owner;
}

/// Fills in what the owner sections leave to their notifier (which notifier, mode, thresholds)
/// once every section is read, and checks what spans sections: the notifier exists and sends
/// e-mail, no address has two sections.
void resolveOwners(Config& config, const std::vector<const IniSection*>& sections,
                   const Context& base) {
    std::vector<const NotifierConfig*> emailNotifiers;
    for (const auto& n : config.notifiers) {
        if (n.type == "email") {
            emailNotifiers.push_back(&n);
        }
    }
    for (std::size_t i = 0; i < config.owners.size(); ++i) {
        OwnerConfig& owner = config.owners[i];
        const IniSection& section = *sections[i];
        Context ctx = base;
        ctx.section = section.name;
        const NotifierConfig* notifier = nullptr;
        if (const auto* field = findField(section, "notifier")) {
            for (const auto& n : config.notifiers) {
                if (n.name == owner.notifier) {
                    notifier = &n;
                }
            }
            if (notifier == nullptr) {
                ctx.fail(*field, "no [notifier." + owner.notifier + "] section");
            }
            if (notifier->type != "email") {
                ctx.fail(*field, "[notifier." + owner.notifier + "] is of type " + notifier->type +
                                     "; an owner's mail goes through an email notifier");
            }
        } else {
            if (emailNotifiers.empty()) {
                ctx.fail(section.line, "notifier",
                         "no email notifier to send this owner's mail: add a [notifier.NAME] "
                         "section with type = email");
            }
            notifier = emailNotifiers.front();
            owner.notifier = notifier->name;
        }
        if (findField(section, "mode") == nullptr) {
            owner.mode = notifier->mode;
        }
        if (findField(section, "min_severity") == nullptr) {
            owner.minSeverity = notifier->minSeverity;
        }
        if (findField(section, "min_confidence") == nullptr) {
            owner.minConfidence = notifier->minConfidence;
        }
        if (findField(section, "language") == nullptr) {
            owner.language = notifier->language;
        }
        const std::string address = mailAddressOf(owner.email);
        for (std::size_t j = 0; j < i; ++j) {
            if (mailAddressOf(config.owners[j].email) == address) {
                ctx.fail(*findField(section, "email"), address + " already has a section ([owner." +
                                                           config.owners[j].name + "], line " +
                                                           std::to_string(sections[j]->line) + ")");
            }
        }
    }
}

/// What [web] needs beyond its keys one by one: a certificate and its key together, readable.
void validateWeb(const WebConfig& w, const IniSection& section, const Context& ctx) {
    if (w.tlsCert.empty() != w.tlsKey.empty()) {
        const char* given = w.tlsCert.empty() ? "tls_key" : "tls_cert";
        const char* missing = w.tlsCert.empty() ? "tls_cert" : "tls_key";
        ctx.fail(findField(section, given)->line, given,
                 std::string("needs ") + missing +
                     " too (HTTPS takes both files) / TLS には証明書と秘密鍵の両方が必要です");
    }
    if (!w.trustedUserHeader.empty() && w.trustedProxies.empty()) {
        ctx.fail(findField(section, "trusted_user_header")->line, "trusted_user_header",
                 "needs trusted_proxies (the header is believed only from the reverse proxies "
                 "listed there) / trusted_user_header には trusted_proxies の指定が必要です");
    }
    if (!ctx.readSecrets) {
        return;
    }
    for (const char* key : {"tls_cert", "tls_key"}) {
        const IniField* field = findField(section, key);
        const std::string& path = std::string_view(key) == "tls_cert" ? w.tlsCert : w.tlsKey;
        if (field != nullptr && !std::ifstream(path).good()) {
            ctx.fail(*field, "cannot read " + path + " / ファイルを読めません");
        }
    }
}

Config parseText(std::string_view text, const std::string& name, const fs::path& baseDir,
                 bool readSecrets) {
    Config config;
    config.file = name;
    const auto sections = readIni(text, name);
    constexpr std::string_view sourcePrefix = "source.";
    constexpr std::string_view notifierPrefix = "notifier.";
    constexpr std::string_view ownerPrefix = "owner.";
    std::vector<const IniSection*> ownerSections;
    const IniSection* noticesSection = nullptr;
    for (const auto& section : sections) {
        const Context ctx{name, baseDir, readSecrets, section.name, &config.warnings.items};
        const std::string_view header = section.name;
        if (header == "store") {
            applyFields(config.store, section, storeKeys(), "", "", ctx);
            if (config.store.backend == "postgresql" && config.store.url.empty()) {
                throw ConfigError(
                    name, section.line, "store", "url",
                    "backend = postgresql needs url = postgresql://USER@HOST:PORT/DB");
            }
        } else if (header == "daemon") {
            applyFields(config, section, daemonKeys(), "", "", ctx);
        } else if (header == "match") {
            applyFields(config.match, section, matchKeys(), "", "", ctx);
        } else if (header == "calendar") {
            applyFields(config.calendar, section, calendarKeys(), "", "", ctx);
        } else if (header == "deadlines") {
            applyFields(config.deadlines, section, deadlineKeys(), "", "", ctx);
        } else if (header == "evidence") {
            applyFields(config.evidence, section, evidenceKeys(), "", "", ctx);
        } else if (header == "cases") {
            applyFields(config.cases, section, caseKeys(), "", "", ctx);
        } else if (header == "web") {
            applyFields(config.web, section, webKeys(), "", "", ctx);
            validateWeb(config.web, section, ctx);
        } else if (header == "notices") {
            applyFields(config.notices, section, noticeKeys(), "", "", ctx);
            noticesSection = &section;
        } else if (header.starts_with(sourcePrefix) || header.starts_with(notifierPrefix)) {
            const bool isSource = header.starts_with(sourcePrefix);
            const std::string itemName(
                header.substr(isSource ? sourcePrefix.size() : notifierPrefix.size()));
            if (!validName(itemName)) {
                ctx.fail(section.line, "",
                         "a name may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
            }
            if (isSource) {
                config.sources.push_back(validateSource(section, itemName, ctx));
            } else {
                config.notifiers.push_back(validateNotifier(section, itemName, ctx));
            }
        } else if (header.starts_with(ownerPrefix)) {
            const std::string itemName(header.substr(ownerPrefix.size()));
            if (!validName(itemName)) {
                ctx.fail(section.line, "",
                         "a name may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
            }
            config.owners.push_back(validateOwner(section, itemName, ctx));
            ownerSections.push_back(&section);
        } else {
            ctx.fail(section.line, "",
                     "unknown section (expected [store], [daemon], [match], [calendar], "
                     "[deadlines], [cases], [evidence], [web], [notices], "
                     "[source.NAME], [notifier.NAME] or [owner.NAME])");
        }
    }
    resolveOwners(config, ownerSections,
                  Context{name, baseDir, readSecrets, "", &config.warnings.items});
    if (noticesSection != nullptr && !config.notices.notifier.empty()) {
        bool found = false;
        for (const NotifierConfig& n : config.notifiers) {
            found = found || (n.name == config.notices.notifier && n.type == "email");
        }
        if (!found) {
            const Context ctx{name, baseDir, readSecrets, "notices", &config.warnings.items};
            ctx.fail(findField(*noticesSection, "notifier")->line, "notifier",
                     "no e-mail notifier [notifier." + config.notices.notifier +
                         "] / そのメール通知先はありません");
        }
    }
    for (SourceConfig& s : config.sources) {
        s.proxy = effectiveProxy(config, s.proxySet, s.proxy.url, s.proxyCredentials);
    }
    for (NotifierConfig& n : config.notifiers) {
        if (n.type != "email") {
            n.proxy = effectiveProxy(config, n.proxySet, n.proxy.url, n.proxyCredentials);
        }
    }
    return config;
}

// --- redaction ---------------------------------------------------------------------------------

void writeSecret(std::ostream& out, const std::string& key, const Secret& secret) {
    if (!secret.sourceFile.empty()) {
        out << key << "_file = " << secret.sourceFile << '\n';
    } else if (!secret.value.empty()) {
        out << key << " = <redacted>\n";
    }
}

std::string formatScore(double value) {
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    std::string text(buffer, result.ptr);
    if (text.find('.') == std::string::npos) {
        text += ".0";
    }
    return text;
}

} // namespace

ConfigError::ConfigError(std::string file, int line, std::string key, const std::string& message)
    : ConfigError(std::move(file), line, "", std::move(key), message) {}

ConfigError::ConfigError(std::string file, int line, std::string section, std::string key,
                         const std::string& message)
    : std::runtime_error(formatError(file, line, section, key, message)), file_(std::move(file)),
      line_(line), section_(std::move(section)), key_(std::move(key)) {}

std::chrono::seconds defaultSilenceLimit(const std::string& sourceType) {
    using std::chrono::hours;
    if (sourceType == "myjvn-alert") {
        return hours(24 * 120);
    }
    if (sourceType == "imap") {
        return hours(24 * 30);
    }
    if (sourceType == "jvn-detail-feed") {
        return hours(24 * 14);
    }
    if (sourceType == "kev") {
        return hours(24 * 30); // CISA adds entries most weeks, sometimes not for weeks
    }
    if (sourceType == "csaf") {
        return hours(24 * 60); // CISA publishes ICS Medical Advisories a few times a quarter
    }
    return hours(24 * 7);
}

std::chrono::seconds silenceLimit(const SourceConfig& source) {
    return source.alertWhenSilent.value_or(defaultSilenceLimit(source.type));
}

const std::vector<std::string>& knownSourceTypes() {
    static const std::vector<std::string> types{
        "jvn-rss", "myjvn", "myjvn-alert", "jvn-detail-feed", "imap", "kev", "csaf"};
    return types;
}

const std::vector<std::string>& knownNotifierTypes() {
    static const std::vector<std::string> types{"email", "webhook",    "slack",
                                                "teams", "mattermost", "chatwork"};
    return types;
}

std::chrono::seconds parseDuration(const std::string& text) {
    const auto digits = text.find_first_not_of("0123456789");
    const std::string_view unit =
        digits == std::string::npos ? std::string_view() : std::string_view(text).substr(digits);
    std::int64_t factor = 0;
    if (unit.empty() || unit == "s") {
        factor = 1;
    } else if (unit == "m") {
        factor = 60;
    } else if (unit == "h") {
        factor = 3600;
    } else if (unit == "d") {
        factor = 86400;
    }
    if (digits == 0 || factor == 0) {
        throw std::invalid_argument("'" + text +
                                    "' is not a duration (a positive number with s, m, h or d; "
                                    "e.g. 90s, 15m, 2h, 1d)");
    }
    std::int64_t count = 0;
    const auto* end = text.data() + (digits == std::string::npos ? text.size() : digits);
    const auto result = std::from_chars(text.data(), end, count);
    if (result.ec != std::errc() || count > maxDuration.count() / factor) {
        throw std::invalid_argument("'" + text + "' is longer than the maximum of " +
                                    formatDuration(maxDuration));
    }
    if (count == 0) {
        throw std::invalid_argument("'" + text + "' is zero; durations must be positive");
    }
    return std::chrono::seconds(count * factor);
}

std::string formatDuration(std::chrono::seconds value) {
    const auto count = value.count();
    if (count != 0 && count % 86400 == 0) {
        return std::to_string(count / 86400) + "d";
    }
    if (count != 0 && count % 3600 == 0) {
        return std::to_string(count / 3600) + "h";
    }
    if (count != 0 && count % 60 == 0) {
        return std::to_string(count / 60) + "m";
    }
    return std::to_string(count) + "s";
}

std::chrono::milliseconds parseDurationMs(const std::string& text) {
    if (text.size() > 2 && text.ends_with("ms") &&
        allDigits(std::string_view(text).substr(0, text.size() - 2))) {
        std::int64_t count = 0;
        const auto* end = text.data() + text.size() - 2;
        const auto result = std::from_chars(text.data(), end, count);
        const auto maxMs = std::chrono::duration_cast<std::chrono::milliseconds>(maxDuration);
        if (result.ec != std::errc() || count > maxMs.count()) {
            throw std::invalid_argument("'" + text + "' is longer than the maximum of " +
                                        formatDuration(maxDuration));
        }
        if (count == 0) {
            throw std::invalid_argument("'" + text + "' is zero; durations must be positive");
        }
        return std::chrono::milliseconds(count);
    }
    std::chrono::seconds seconds{};
    try {
        seconds = parseDuration(text);
    } catch (const std::invalid_argument& error) {
        if (std::string_view(error.what()).find("is not a duration") == std::string_view::npos) {
            throw; // zero, too long: the message fits as it is
        }
        throw std::invalid_argument("'" + text +
                                    "' is not a duration (a positive number with ms, s, m, h or "
                                    "d; e.g. 500ms, 1s, 2m)");
    }
    return seconds;
}

std::string formatDurationMs(std::chrono::milliseconds value) {
    if (value.count() != 0 && value.count() % 1000 == 0) {
        return formatDuration(std::chrono::duration_cast<std::chrono::seconds>(value));
    }
    return std::to_string(value.count()) + "ms";
}

std::size_t parseSize(const std::string& text) {
    const auto digits = text.find_first_not_of("0123456789");
    const std::string_view unit =
        digits == std::string::npos ? std::string_view() : std::string_view(text).substr(digits);
    std::size_t factor = 0;
    if (unit.empty()) {
        factor = 1;
    } else if (unit == "K" || unit == "k") {
        factor = 1024;
    } else if (unit == "M" || unit == "m") {
        factor = 1024 * 1024;
    } else if (unit == "G" || unit == "g") {
        factor = 1024 * 1024 * 1024;
    }
    if (digits == 0 || factor == 0) {
        throw std::invalid_argument("'" + text +
                                    "' is not a size (bytes, or a number with K, M or G; "
                                    "e.g. 512K, 64M, 1G)");
    }
    std::size_t count = 0;
    const auto* end = text.data() + (digits == std::string::npos ? text.size() : digits);
    const auto result = std::from_chars(text.data(), end, count);
    if (result.ec != std::errc() || count > std::numeric_limits<std::size_t>::max() / factor) {
        throw std::invalid_argument("'" + text + "' is too large");
    }
    if (count == 0) {
        throw std::invalid_argument("'" + text + "' is zero; sizes must be positive");
    }
    return count * factor;
}

std::string formatSize(std::size_t bytes) {
    constexpr std::size_t k = 1024;
    if (bytes != 0 && bytes % (k * k * k) == 0) {
        return std::to_string(bytes / (k * k * k)) + "G";
    }
    if (bytes != 0 && bytes % (k * k) == 0) {
        return std::to_string(bytes / (k * k)) + "M";
    }
    if (bytes != 0 && bytes % k == 0) {
        return std::to_string(bytes / k) + "K";
    }
    return std::to_string(bytes);
}

Config loadConfig(const std::string& path, bool readSecrets) {
    std::string text;
    if (const auto why = readSmallFile(path, maxConfigBytes, text); !why.empty()) {
        throw ConfigError(path, 0, "", "cannot read " + path + ": " + why);
    }
    std::error_code error;
    auto absolute = fs::absolute(fs::path(path), error);
    if (error) {
        throw ConfigError(path, 0, "", "cannot resolve " + path + ": " + error.message());
    }
    Config config = parseText(text, path, absolute.parent_path(), readSecrets);
    // The parsers read the limits when they are made (core/parse_limits.h): a loaded (or
    // reloaded) file sets them for what this process parses from now on.
    setParseLimits(config.limits);
    return config;
}

Config parseConfig(const std::string& text, const std::string& name, bool readSecrets) {
    std::error_code error;
    auto base = fs::current_path(error);
    if (error) {
        throw ConfigError(name, 0, "", "cannot find the current directory: " + error.message());
    }
    return parseText(text, name, base, readSecrets);
}

std::string redacted(const Config& config) {
    std::ostringstream out;
    out << "; vulnwatch configuration";
    if (!config.file.empty()) {
        out << " from " << config.file;
    }
    out << "\n; defaults filled in, secrets redacted\n";
    out << "\n[store]\npath = " << config.store.path << '\n';
    if (config.store.backend != "sqlite") {
        out << "backend = " << config.store.backend << "\nurl = " << config.store.url << '\n';
        if (!config.store.password.sourceFile.empty()) {
            out << "password_file = " << config.store.password.sourceFile << '\n';
        }
    }
    out << "\n[daemon]\nlog_level = " << config.logLevel << '\n';
    out << "max_field_bytes = " << formatSize(config.limits.maxFieldBytes) << '\n';
    out << "max_record_bytes = " << formatSize(config.limits.maxRecordBytes) << '\n';
    if (!config.metricsTextfile.empty()) {
        out << "metrics_textfile = " << config.metricsTextfile << '\n';
    }
    out << "check_at_start = " << config.checkAtStart << '\n';
    out << "standby_retry = " << formatDurationMs(config.standbyRetry) << '\n';
    if (!config.site.empty()) {
        out << "site = " << config.site << '\n';
    }
    if (!config.admins.empty()) {
        out << "admin = " << join(config.admins, ", ") << '\n';
    }
    if (!config.proxy.url.empty()) {
        out << "proxy = " << config.proxy.url << '\n';
    }
    if (!config.proxy.noProxy.empty()) {
        out << "no_proxy = " << config.proxy.noProxy << '\n';
    }
    writeSecret(out, "proxy_credentials", config.proxyCredentials);
    if (!config.match.cpeMapPath.empty()) {
        out << "\n[match]\n; " << (config.match.cpeMap ? config.match.cpeMap->size() : 0)
            << " mappings\ncpe_map = " << config.match.cpeMapPath << '\n';
    }
    out << "\n[calendar]\nclosures = " << formatClosures(config.calendar.closures)
        << "\nday_end = " << formatDayEnd(config.calendar.dayEndMinutes) << '\n';
    if (!config.calendar.holidaysFile.empty()) {
        out << "; " << (config.calendar.holidays ? config.calendar.holidays->size() : 0)
            << " holidays\nholidays_file = " << config.calendar.holidaysFile << '\n';
    }
    const auto& d = config.deadlines;
    const auto orNone = [](int days) {
        return days == 0 ? std::string("none") : std::to_string(days);
    };
    out << "\n[deadlines]\ndecide_critical = " << d.decideCritical
        << "\ndecide_high = " << d.decideHigh << "\ndecide_medium = " << d.decideMedium
        << "\ndecide_low = " << d.decideLow << "\ndecide_unscored = " << d.decideUnscored
        << "\ninform_uncontrolled = " << orNone(d.informUncontrolled)
        << "\nfix_uncontrolled = " << d.fixUncontrolled
        << "\ninform_controlled = " << orNone(d.informControlled)
        << "\nfix_controlled = " << d.fixControlled << '\n';
    out << "\n[cases]\n";
    if (!config.cases.approvers.empty()) {
        out << "approvers = ";
        for (std::size_t i = 0; i < config.cases.approvers.size(); ++i) {
            out << (i == 0 ? "" : ", ") << config.cases.approvers[i];
        }
        out << '\n';
    } else {
        out << "; approvers: not set (anyone may approve)\n";
    }
    out << "max_acceptance_days = " << config.cases.maxAcceptanceDays << '\n';
    out << "\n[evidence]\nretention_days = "
        << (config.evidence.retentionDays == 0 ? std::string("forever")
                                               : std::to_string(config.evidence.retentionDays))
        << '\n';
    out << "\n[web]\nlisten = " << config.web.listen << '\n';
    if (!config.web.tlsCert.empty()) {
        out << "tls_cert = " << config.web.tlsCert << "\ntls_key = " << config.web.tlsKey << '\n';
    }
    if (!config.web.trustedProxies.empty()) {
        out << "trusted_proxies = " << join(config.web.trustedProxies, ", ") << '\n';
    }
    out << "max_body = " << formatSize(config.web.maxBody)
        << "\nsession_hours = " << config.web.sessionHours << '\n';
    if (!config.web.trustedUserHeader.empty()) {
        out << "trusted_user_header = " << config.web.trustedUserHeader << '\n';
    }
    out << "metrics = " << (config.web.metrics ? "on" : "off") << '\n';
    if (!config.notices.notifier.empty() || !config.notices.contact.empty() ||
        config.notices.language != "ja") {
        std::string contact;
        for (const char ch : config.notices.contact) {
            contact += ch == '\n' ? std::string("\\n") : std::string(1, ch);
        }
        out << "\n[notices]\n";
        if (!config.notices.notifier.empty()) {
            out << "notifier = " << config.notices.notifier << '\n';
        }
        if (!contact.empty()) {
            out << "contact = " << contact << '\n';
        }
        out << "language = " << config.notices.language << '\n';
    }
    for (const auto& source : config.sources) {
        out << "\n[source." << source.name << "]\n";
        out << "type = " << source.type << '\n';
        if (source.type != "csaf" || !source.url.empty()) { // a csaf source has url or path
            out << "url = " << source.url << '\n';
        }
        out << "interval = " << formatDuration(source.interval) << '\n';
        out << "timeout = " << formatDuration(source.timeout) << '\n';
        out << "max_bytes = " << formatSize(source.maxBytes) << '\n';
        out << "alert_after_failures = " << source.alertAfterFailures << '\n';
        out << "alert_when_silent = " << formatDuration(silenceLimit(source)) << '\n';
        if (!source.caFile.empty()) {
            out << "ca_file = " << source.caFile << '\n';
        }
        if (source.proxySet) {
            out << "proxy = " << (source.proxy.url.empty() ? "none" : source.proxy.url) << '\n';
        }
        writeSecret(out, "proxy_credentials", source.proxyCredentials);
        if (!source.user.empty()) {
            out << "user = " << source.user << '\n';
        }
        writeSecret(out, "password", source.password);
        out << "enabled = " << (source.enabled ? "true" : "false") << '\n';
        if (source.type == "myjvn" || source.type == "jvn-detail-feed") {
            out << "lang = " << source.lang << '\n';
            out << "request_interval = " << formatDurationMs(source.requestInterval) << '\n';
            out << "retries = " << source.retries << '\n';
            if (!source.since.empty()) {
                out << "since = " << source.since << '\n';
            } else {
                out << "; since: not set (30 days back)\n";
            }
        }
        if (source.type == "myjvn-alert") {
            out << "request_interval = " << formatDurationMs(source.requestInterval) << '\n';
            out << "retries = " << source.retries << '\n';
        }
        if (source.type == "jvn-detail-feed") {
            out << "checksum_url = " << source.checksumUrl << '\n';
        }
        if (source.type == "csaf") {
            if (!source.path.empty()) {
                out << "path = " << source.path << '\n';
            }
            out << (source.keyring.empty() ? "; keyring: not set (.asc signatures not checked)"
                                           : "keyring = " + source.keyring)
                << '\n';
        }
        if (source.type == "imap") {
            if (!source.url.starts_with("imaps://")) {
                out << "starttls = " << source.starttls << '\n';
            }
            out << "after_processing = " << source.afterProcessing << '\n';
            if (!source.moveTo.empty()) {
                out << "move_to = " << source.moveTo << '\n';
            }
            out << "max_message_bytes = " << formatSize(source.maxMessageBytes) << '\n';
            if (!source.keyring.empty()) {
                out << "keyring = " << source.keyring << '\n';
            }
            out << "unsigned_policy = " << source.unsignedPolicy << '\n';
            out << "invalid_policy = " << source.invalidPolicy << '\n';
            out << "list = " << source.list << '\n';
        }
    }
    for (const auto& notifier : config.notifiers) {
        out << "\n[notifier." << notifier.name << "]\n";
        out << "type = " << notifier.type << '\n';
        out << "mode = " << notifier.mode << '\n';
        out << "min_severity = " << formatScore(notifier.minSeverity) << '\n';
        out << "min_confidence = " << notifier.minConfidence << '\n';
        out << "timeout = " << formatDuration(notifier.timeout) << '\n';
        if (!notifier.caFile.empty()) {
            out << "ca_file = " << notifier.caFile << '\n';
        }
        if (notifier.proxySet) {
            out << "proxy = " << (notifier.proxy.url.empty() ? "none" : notifier.proxy.url) << '\n';
        }
        writeSecret(out, "proxy_credentials", notifier.proxyCredentials);
        if (notifier.type == "email") {
            out << "smtp = " << notifier.smtp << '\n';
            if (!notifier.smtp.starts_with("smtps://")) {
                out << "starttls = " << notifier.starttls << '\n';
            }
            out << "from = " << notifier.from << '\n';
            if (!notifier.user.empty()) {
                out << "user = " << notifier.user << '\n';
            }
            writeSecret(out, "password", notifier.password);
            if (!notifier.to.empty()) {
                out << "to = " << join(notifier.to, ", ") << '\n';
            }
            out << "language = " << notifier.language << '\n';
            out << "charset = " << notifier.charset << '\n';
            out << "list_id = " << notifier.listId << '\n';
            if (!notifier.templates.path.empty()) {
                out << "templates = " << notifier.templates.path << '\n';
            }
        } else if (notifier.type == "chatwork") {
            out << "room = " << notifier.room << '\n';
            writeSecret(out, "token", notifier.token);
            if (!notifier.apiUrl.empty()) {
                out << "api_url = " << notifier.apiUrl << '\n';
            }
        } else {
            if (!notifier.url.sourceFile.empty()) {
                out << "url_file = " << notifier.url.sourceFile << '\n';
            } else if (!notifier.url.value.empty()) {
                const auto url = splitUrl(notifier.url.value);
                if (url) {
                    out << "url = " << url->scheme << "://" << url->host
                        << (url->port.empty() ? "" : ":" + url->port) << "/<redacted>\n";
                } else {
                    out << "url = <redacted>\n";
                }
            }
            writeSecret(out, "secret", notifier.secret);
        }
        if (!notifier.products.empty()) {
            out << "products = " << join(notifier.products, ", ") << '\n';
        }
    }
    for (const auto& owner : config.owners) {
        out << "\n[owner." << owner.name << "]\n";
        out << "email = " << owner.email << '\n';
        if (owner.productsSet) {
            out << "products = " << (owner.products.empty() ? "*" : join(owner.products, ", "))
                << '\n';
        } else {
            out << "; products: not set (those the registry names this address as owner of)\n";
        }
        out << "notifier = " << owner.notifier << '\n';
        out << "mode = " << owner.mode << '\n';
        out << "min_severity = " << formatScore(owner.minSeverity) << '\n';
        out << "min_confidence = " << owner.minConfidence << '\n';
        out << "digest = " << formatDigestSchedule(owner.digest) << '\n';
        out << "timezone = " << owner.timezone << '\n';
        out << "language = " << owner.language << '\n';
        out << "heartbeat = " << (owner.heartbeat ? "yes" : "no") << '\n';
    }
    return out.str();
}

std::string mailAddressOf(const std::string& mailbox) {
    std::string_view address = trim(mailbox);
    if (!address.empty() && address.back() == '>') {
        const auto open = address.rfind('<');
        if (open != std::string_view::npos) {
            address = address.substr(open + 1, address.size() - open - 2);
        }
    }
    std::string out(trim(address));
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

const OwnerConfig* ownerFor(const std::vector<OwnerConfig>& owners, const std::string& mailbox) {
    const std::string address = mailAddressOf(mailbox);
    for (const auto& owner : owners) {
        if (mailAddressOf(owner.email) == address) {
            return &owner;
        }
    }
    return nullptr;
}

} // namespace vw
