#include "feeds/imap_source.h"

#include "core/text.h"
#include "feeds/conditional_get.h"
#include "feeds/curl_http_client.h"
#include "feeds/parse/charset.h"
#include "feeds/parse/parse_error.h"
#include "feeds/pgp.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <curl/curl.h>
#include <mutex>
#include <utility>

namespace vw {

namespace {

using EasyHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

constexpr std::size_t kUidsPerCommand = 500;

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw ImapError("curl_global_init failed");
        }
    });
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string_view trimmedLine(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) {
        line.remove_suffix(1);
    }
    return line;
}

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        lines.push_back(trimmedLine(line));
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::optional<std::uint32_t> toUid(std::string_view text) {
    std::uint32_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

/// The number after the item `name` (case-insensitive) in a response line, e.g.
/// numberAfter("* STATUS x (UIDNEXT 3 UIDVALIDITY 17)", "UIDVALIDITY") == 17.
std::optional<std::uint64_t> numberAfter(std::string_view line, std::string_view name) {
    const std::string haystack = upper(line);
    const std::string needle = upper(name) + " ";
    std::size_t at = 0;
    while ((at = haystack.find(needle, at)) != std::string::npos) {
        const bool wordStart = at == 0 || haystack[at - 1] == ' ' || haystack[at - 1] == '(' ||
                               haystack[at - 1] == '[';
        at += needle.size();
        if (!wordStart) {
            continue;
        }
        std::uint64_t value = 0;
        const char* begin = line.data() + at;
        const char* end = line.data() + line.size();
        const auto [ptr, ec] = std::from_chars(begin, end, value);
        if (ec == std::errc() && ptr != begin) {
            return value;
        }
    }
    return std::nullopt;
}

std::string percentDecoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            unsigned value = 0;
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
            out.push_back(static_cast<char>(value));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

/// What the callbacks fill in during one request.
struct Transfer {
    const std::atomic<bool>* cancel = nullptr;
    bool cancelled = false;
    std::string output;
    std::size_t maxBytes = 0; // 0: no cap
    bool tooLarge = false;
    std::string lastServerLine; // the last tagged NO or BAD line of the server
};

size_t onData(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    if (transfer->maxBytes != 0 &&
        bytes > transfer->maxBytes - std::min(transfer->maxBytes, transfer->output.size())) {
        transfer->tooLarge = true;
        return 0; // CURLE_WRITE_ERROR
    }
    transfer->output.append(data, bytes);
    return bytes;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* transfer = static_cast<Transfer*>(user);
    if (transfer->cancel != nullptr && transfer->cancel->load()) {
        transfer->cancelled = true;
        return 1;
    }
    return 0;
}

/// Keeps the server's tagged status lines ("A005 NO [TRYCREATE] …") for error messages. Only
/// incoming protocol lines are looked at, so the LOGIN command (with the password) never is.
int onDebug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    if (type != CURLINFO_HEADER_IN) {
        return 0;
    }
    auto* transfer = static_cast<Transfer*>(user);
    const std::string_view line = trimmedLine(std::string_view(data, size));
    // a tagged failure: "A005 NO …" or "A005 BAD …" (not the LOGOUT that follows it)
    const auto space = line.find(' ');
    if (!line.empty() && line.front() != '*' && line.front() != '+' &&
        space != std::string_view::npos) {
        const std::string status = upper(line.substr(space + 1, 3));
        if (status == "NO " || status == "BAD") {
            transfer->lastServerLine = std::string(line);
        }
    }
    return 0;
}

template <typename Value>
void setOption(CURL* handle, CURLoption option, Value value, const char* what) {
    const CURLcode code = curl_easy_setopt(handle, option, value);
    if (code != CURLE_OK) {
        throw ImapError(std::string("curl_easy_setopt(") + what +
                        ") failed: " + curl_easy_strerror(code));
    }
}

/// "A005 NO [TRYCREATE] Mailbox doesn't exist" -> "NO [TRYCREATE] Mailbox doesn't exist".
std::string withoutTag(const std::string& line) {
    const auto space = line.find(' ');
    return space == std::string::npos ? line : line.substr(space + 1);
}

struct ParsedCursor {
    std::uint32_t uidValidity = 0;
    std::uint32_t lastUid = 0;
};

std::optional<ParsedCursor> parseCursor(const std::string& cursor) {
    const auto colon = cursor.find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    const auto validity = toUid(std::string_view(cursor).substr(0, colon));
    const auto last = toUid(std::string_view(cursor).substr(colon + 1));
    if (!validity || !last || *validity == 0) {
        return std::nullopt;
    }
    return ParsedCursor{*validity, *last};
}

std::string formatCursor(std::uint32_t uidValidity, std::uint32_t lastUid) {
    return std::to_string(uidValidity) + ":" + std::to_string(lastUid);
}

/// The items of a FETCH response "(UID 1 RFC822.SIZE 53 FLAGS (\Seen))" by upper-case name;
/// parenthesized values keep their content without the parentheses.
std::map<std::string, std::string> fetchItems(std::string_view list) {
    std::map<std::string, std::string> items;
    std::size_t i = 0;
    const auto skipSpaces = [&] {
        while (i < list.size() && list[i] == ' ') {
            ++i;
        }
    };
    while (i < list.size()) {
        skipSpaces();
        const std::size_t nameStart = i;
        while (i < list.size() && list[i] != ' ' && list[i] != '(') {
            ++i;
        }
        const std::string name = upper(list.substr(nameStart, i - nameStart));
        skipSpaces();
        if (name.empty() || i >= list.size()) {
            break;
        }
        std::string value;
        if (list[i] == '(') {
            int depth = 0;
            const std::size_t valueStart = i + 1;
            for (; i < list.size(); ++i) {
                if (list[i] == '(') {
                    ++depth;
                } else if (list[i] == ')' && --depth == 0) {
                    break;
                }
            }
            value = std::string(list.substr(valueStart, i - valueStart));
            ++i;
        } else {
            const std::size_t valueStart = i;
            while (i < list.size() && list[i] != ' ') {
                ++i;
            }
            value = std::string(list.substr(valueStart, i - valueStart));
        }
        items[name] = value;
    }
    return items;
}

std::vector<std::uint32_t> intersect(const std::vector<std::uint32_t>& sorted,
                                     const std::vector<std::uint32_t>& other) {
    std::vector<std::uint32_t> out;
    std::copy_if(sorted.begin(), sorted.end(), std::back_inserter(out), [&](std::uint32_t uid) {
        return std::find(other.begin(), other.end(), uid) != other.end();
    });
    return out;
}

} // namespace

bool ImapMessageInfo::hasFlag(std::string_view flag) const {
    const std::string wanted = upper(flag);
    return std::any_of(flags.begin(), flags.end(),
                       [&](const std::string& have) { return upper(have) == wanted; });
}

std::string formatUidSet(const std::vector<std::uint32_t>& uids) {
    std::string out;
    for (std::size_t i = 0; i < uids.size();) {
        std::size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) {
            ++j;
        }
        if (!out.empty()) {
            out += ',';
        }
        out += std::to_string(uids[i]);
        if (j > i) {
            out += ':' + std::to_string(uids[j]);
        }
        i = j + 1;
    }
    return out;
}

std::string imapQuoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '\\' || c == '"') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

// --- ImapSession ---------------------------------------------------------------------------

struct ImapSession::Handle {
    EasyHandle curl{nullptr, &curl_easy_cleanup};
    char errorBuffer[CURL_ERROR_SIZE] = {};
    Transfer transfer;
};

ImapSession::ImapSession(ImapConnectionOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
    initCurlOnce();
    const std::string& url = options_.url;
    const auto schemeEnd = url.find("://");
    const std::string scheme =
        schemeEnd == std::string::npos ? "" : upper(url.substr(0, schemeEnd));
    if (scheme != "IMAP" && scheme != "IMAPS") {
        throw ImapError("not an imap:// or imaps:// URL: '" + url + "'");
    }
    const auto pathStart = url.find('/', schemeEnd + 3);
    const std::string authority =
        url.substr(schemeEnd + 3,
                   pathStart == std::string::npos ? std::string::npos : pathStart - schemeEnd - 3);
    if (authority.empty()) {
        throw ImapError("no host in the URL '" + url + "'");
    }
    std::string path = pathStart == std::string::npos ? "" : url.substr(pathStart + 1);
    path = path.substr(0, path.find_first_of(";?#"));
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    if (path.empty()) {
        path = "INBOX";
    }
    folder_ = percentDecoded(path);
    try {
        mailbox_ = toImapMailboxName(folder_);
    } catch (const std::invalid_argument& e) {
        throw ImapError(std::string(e.what()) + ": '" + path + "'");
    }
    // The URL names the mailbox as the server knows it (modified UTF-7), so a folder such as
    // INBOX/脆弱性情報 is found; messages and logs keep the name as configured.
    // '/' separates levels; ';', '?', '#', '%', spaces… mean something in a URL.
    folderUrl_ =
        url.substr(0, schemeEnd) + "://" + authority + "/" + percentEncoded(mailbox_, "/&,+");
    if (options_.starttls != "auto" && options_.starttls != "required" &&
        options_.starttls != "off") {
        throw ImapError("starttls must be auto, required or off, not '" + options_.starttls + "'");
    }

    handle_->curl.reset(curl_easy_init());
    if (!handle_->curl) {
        throw ImapError("curl_easy_init failed");
    }
    CURL* curl = handle_->curl.get();
    setOption(curl, CURLOPT_ERRORBUFFER, handle_->errorBuffer, "ERRORBUFFER");
    setOption(curl, CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");
#if LIBCURL_VERSION_NUM >= 0x075500
    setOption(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps", "PROTOCOLS_STR");
#else
    setOption(curl, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_IMAP | CURLPROTO_IMAPS),
              "PROTOCOLS");
#endif
    long useSsl = CURLUSESSL_ALL; // imaps:// is implicit TLS whatever this says
    if (scheme == "IMAP") {
        useSsl = options_.starttls == "required" ? CURLUSESSL_ALL
                 : options_.starttls == "auto"   ? CURLUSESSL_TRY
                                                 : CURLUSESSL_NONE;
    }
    setOption(curl, CURLOPT_USE_SSL, useSsl, "USE_SSL");
    setOption(curl, CURLOPT_SSL_VERIFYPEER, 1L, "SSL_VERIFYPEER");
    setOption(curl, CURLOPT_SSL_VERIFYHOST, 2L, "SSL_VERIFYHOST");
    if (!options_.caFile.empty()) {
        setOption(curl, CURLOPT_CAINFO, options_.caFile.c_str(), "CAINFO");
    }
    applyProxy(curl, options_.proxy, true);
    setOption(curl, CURLOPT_USERNAME, options_.user.c_str(), "USERNAME");
    setOption(curl, CURLOPT_PASSWORD, options_.password.c_str(), "PASSWORD");
    setOption(curl, CURLOPT_TIMEOUT_MS, options_.timeoutMs, "TIMEOUT_MS");
    setOption(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connectTimeoutMs, "CONNECTTIMEOUT_MS");
    setOption(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
              std::max(1L, (options_.timeoutMs + 999) / 1000), "SERVER_RESPONSE_TIMEOUT");
    void* transfer = static_cast<void*>(&handle_->transfer);
    setOption(curl, CURLOPT_WRITEFUNCTION, &onData, "WRITEFUNCTION");
    setOption(curl, CURLOPT_WRITEDATA, transfer, "WRITEDATA");
    setOption(curl, CURLOPT_DEBUGFUNCTION, &onDebug, "DEBUGFUNCTION");
    setOption(curl, CURLOPT_DEBUGDATA, transfer, "DEBUGDATA");
    setOption(curl, CURLOPT_VERBOSE, 1L, "VERBOSE"); // to the debug callback only
    setOption(curl, CURLOPT_XFERINFOFUNCTION, &onProgress, "XFERINFOFUNCTION");
    setOption(curl, CURLOPT_XFERINFODATA, transfer, "XFERINFODATA");
    setOption(curl, CURLOPT_NOPROGRESS, 0L, "NOPROGRESS");
}

ImapSession::~ImapSession() = default;

std::string ImapSession::perform(const std::string& url, const std::string* customRequest,
                                 std::size_t maxBytes) {
    CURL* curl = handle_->curl.get();
    Transfer& transfer = handle_->transfer;
    transfer = Transfer{};
    transfer.cancel = options_.cancel;
    transfer.maxBytes = maxBytes;
    const std::string what =
        customRequest != nullptr ? "'" + *customRequest + "' on " + folderUrl_ : "fetching " + url;
    if (transfer.cancel != nullptr && transfer.cancel->load()) {
        throw ImapError("cancelled (shutting down) " + what);
    }
    handle_->errorBuffer[0] = '\0';
    setOption(curl, CURLOPT_URL, url.c_str(), "URL");
    setOption(curl, CURLOPT_CUSTOMREQUEST,
              customRequest != nullptr ? customRequest->c_str() : nullptr, "CUSTOMREQUEST");
    setOption(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(maxBytes),
              "MAXFILESIZE_LARGE");

    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
        return std::move(transfer.output);
    }
    if (transfer.cancelled) {
        throw ImapError("cancelled (shutting down) " + what);
    }
    if (transfer.tooLarge || code == CURLE_FILESIZE_EXCEEDED) {
        throw ImapError("message larger than " + std::to_string(maxBytes) + " bytes " + what);
    }
    std::string detail =
        handle_->errorBuffer[0] != '\0' ? handle_->errorBuffer : curl_easy_strerror(code);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) {
        detail.pop_back();
    }
    std::string message;
    switch (code) {
    case CURLE_LOGIN_DENIED:
        // libcurl reports a failed SELECT with the same code as a failed LOGIN
        message = detail.find("Select failed") != std::string::npos
                      ? "cannot open the folder '" + folder_ + "' " + what
                      : "login denied for user '" + options_.user + "' " + what;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        message = "timed out after " + std::to_string(options_.timeoutMs) + " ms " + what;
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        message = "TLS certificate verification failed " + what;
        break;
    case CURLE_USE_SSL_FAILED:
        message = "the server does not offer STARTTLS (starttls = required) " + what;
        break;
    case CURLE_COULDNT_CONNECT:
        message = "connection refused or host unreachable " + what;
        break;
    default:
        message = std::string(curl_easy_strerror(code)) + " " + what;
        break;
    }
    message += ": " + detail;
    if (!transfer.lastServerLine.empty()) {
        message += " (server: " + withoutTag(transfer.lastServerLine) + ")";
    }
    throw ImapError(message);
}

std::string ImapSession::command(const std::string& text) {
    return perform(folderUrl_, &text, 0);
}

ImapFolderStatus ImapSession::status() {
    const std::string output =
        command("STATUS " + imapQuoted(mailbox_) + " (MESSAGES UIDNEXT UIDVALIDITY)");
    for (const std::string_view line : splitLines(output)) {
        if (upper(line.substr(0, 9)) != "* STATUS ") {
            continue;
        }
        ImapFolderStatus status;
        const auto validity = numberAfter(line, "UIDVALIDITY");
        if (!validity || *validity == 0 || *validity > UINT32_MAX) {
            break;
        }
        status.uidValidity = static_cast<std::uint32_t>(*validity);
        status.uidNext = static_cast<std::uint32_t>(numberAfter(line, "UIDNEXT").value_or(0));
        status.messages = static_cast<std::uint32_t>(numberAfter(line, "MESSAGES").value_or(0));
        return status;
    }
    throw ImapError("no UIDVALIDITY in the STATUS answer for " + folderUrl_ + ": '" +
                    std::string(trimmedLine(output)) + "'");
}

std::vector<std::uint32_t> ImapSession::searchFrom(std::uint32_t from) {
    const std::string output = command("UID SEARCH UID " + std::to_string(from) + ":*");
    std::vector<std::uint32_t> uids;
    for (std::string_view line : splitLines(output)) {
        if (upper(line.substr(0, 9)) != "* SEARCH ") {
            continue;
        }
        line.remove_prefix(9);
        while (!line.empty()) {
            const auto space = line.find(' ');
            if (const auto uid = toUid(line.substr(0, space)); uid && *uid >= from) {
                uids.push_back(*uid);
            }
            line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
        }
    }
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

std::map<std::uint32_t, ImapMessageInfo>
ImapSession::messageInfo(const std::vector<std::uint32_t>& uids) {
    std::vector<std::uint32_t> sorted = uids;
    std::sort(sorted.begin(), sorted.end());
    std::map<std::uint32_t, ImapMessageInfo> infos;
    for (std::size_t start = 0; start < sorted.size(); start += kUidsPerCommand) {
        const std::vector<std::uint32_t> chunk(
            sorted.begin() + static_cast<std::ptrdiff_t>(start),
            sorted.begin() +
                static_cast<std::ptrdiff_t>(std::min(sorted.size(), start + kUidsPerCommand)));
        const std::string output =
            command("UID FETCH " + formatUidSet(chunk) + " (UID RFC822.SIZE FLAGS)");
        for (const std::string_view line : splitLines(output)) {
            const std::string head = upper(line.substr(0, 40));
            const auto fetch = head.find(" FETCH (");
            if (head.substr(0, 2) != "* " || fetch == std::string::npos || line.back() != ')') {
                continue;
            }
            const std::string_view list =
                line.substr(fetch + 8, line.size() - fetch - 9); // inside the parentheses
            const auto items = fetchItems(list);
            const auto uidItem = items.find("UID");
            const auto sizeItem = items.find("RFC822.SIZE");
            if (uidItem == items.end() || sizeItem == items.end()) {
                continue; // an unsolicited flag update
            }
            const auto uid = toUid(uidItem->second);
            std::size_t size = 0;
            const auto& sizeText = sizeItem->second;
            const auto [ptr, ec] =
                std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), size);
            if (!uid || ec != std::errc() ||
                !std::binary_search(chunk.begin(), chunk.end(), *uid)) {
                continue;
            }
            ImapMessageInfo info;
            info.uid = *uid;
            info.size = size;
            if (const auto flags = items.find("FLAGS"); flags != items.end()) {
                std::string_view rest = flags->second;
                while (!rest.empty()) {
                    const auto space = rest.find(' ');
                    if (space != 0) {
                        info.flags.emplace_back(rest.substr(0, space));
                    }
                    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
                }
            }
            infos[*uid] = std::move(info);
        }
    }
    return infos;
}

std::string ImapSession::fetchMessage(std::uint32_t uid, std::uint32_t uidValidity,
                                      std::size_t maxBytes) {
    std::string url = folderUrl_;
    if (uidValidity != 0) {
        url += ";UIDVALIDITY=" + std::to_string(uidValidity);
    }
    url += ";UID=" + std::to_string(uid);
    return perform(url, nullptr, maxBytes);
}

const std::set<std::string>& ImapSession::capabilities() {
    if (!capabilities_) {
        std::set<std::string> caps;
        const std::string output = command("CAPABILITY");
        for (std::string_view line : splitLines(output)) {
            if (upper(line.substr(0, 13)) != "* CAPABILITY ") {
                continue;
            }
            line.remove_prefix(13);
            while (!line.empty()) {
                const auto space = line.find(' ');
                if (space != 0) {
                    caps.insert(upper(line.substr(0, space)));
                }
                line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
            }
        }
        capabilities_ = std::move(caps);
    }
    return *capabilities_;
}

// --- ImapSource ----------------------------------------------------------------------------

ImapSource::ImapSource(std::string name, ImapSourceOptions options)
    : name_(std::move(name)), options_(std::move(options)) {
    if (options_.list.empty()) {
        options_.list = name_;
    }
    verifier_ = options_.verifier;
    if (!verifier_ && !options_.keyring.empty()) {
        verifier_ = makeGpgmeVerifier(options_.keyring);
    }
}

ImapSource::~ImapSource() = default;

void ImapSource::log(std::string_view level, const std::string& message) const {
    if (options_.log) {
        options_.log(level, message);
    }
}

PollOutcome ImapSource::poll(const SourceState& state) {
    pending_.reset();
    session_.reset();
    const std::optional<ParsedCursor> cursor = parseCursor(state.cursor);
    if (!cursor && !state.cursor.empty()) {
        log("warning", "unreadable cursor '" + state.cursor + "': fetching the whole folder");
    }
    std::uint32_t uidValidity = 0;
    std::vector<std::uint32_t> fetchedUnseen; // carried to the next poll when this one fails
    try {
        auto session = std::make_unique<ImapSession>(options_.connection);
        const ImapFolderStatus status = session->status();
        uidValidity = status.uidValidity;
        std::uint32_t lastUid = 0;
        if (cursor && cursor->uidValidity == uidValidity) {
            lastUid = cursor->lastUid;
        } else if (cursor) {
            log("warning", "UIDVALIDITY changed from " + std::to_string(cursor->uidValidity) +
                               " to " + std::to_string(uidValidity) + ": resynchronising");
        }
        if (carriedValidity_ != uidValidity) {
            carriedUnseen_.clear();
        }

        std::vector<std::uint32_t> uids;
        if (lastUid < UINT32_MAX) {
            uids = session->searchFrom(lastUid + 1);
        }
        // `n+1:*` always matches the highest UID, even when it is n or lower
        uids.erase(std::remove_if(uids.begin(), uids.end(),
                                  [&](std::uint32_t uid) { return uid <= lastUid; }),
                   uids.end());

        PollOutcome outcome;
        outcome.state = state;
        outcome.state.cursor = formatCursor(uidValidity, lastUid);
        if (uids.empty()) {
            outcome.kind = outcome.state.cursor == state.cursor ? PollOutcome::Kind::NotModified
                                                                : PollOutcome::Kind::Records;
            return outcome;
        }

        const auto infos = session->messageInfo(uids);
        Pending pending;
        pending.uidValidity = uidValidity;
        ParseResult& result = outcome.result;
        std::size_t position = 0;
        for (const std::uint32_t uid : uids) {
            ++position;
            const std::string uidName = "UID " + std::to_string(uid);
            const auto info = infos.find(uid);
            if (info == infos.end()) {
                log("debug", uidName + " disappeared before it could be fetched");
                continue;
            }
            const bool wasSeen = info->second.hasFlag("\\Seen") && carriedUnseen_.count(uid) == 0;
            if (info->second.size > options_.maxMessageBytes) {
                result.problems.push_back(
                    {uidName, position,
                     "message " + uidName + " is " + std::to_string(info->second.size) +
                         " bytes, over the cap of " + std::to_string(options_.maxMessageBytes) +
                         " bytes: skipped"});
                continue;
            }
            if (!wasSeen) {
                fetchedUnseen.push_back(uid); // before the FETCH: one cut part-way sets \Seen too
            }
            std::string raw = session->fetchMessage(uid, uidValidity, options_.maxMessageBytes);
            if (!wasSeen) {
                pending.unseenBefore.push_back(uid);
            }
            log("debug", "fetched " + uidName + " (" + std::to_string(raw.size()) + " bytes)");

            ParseResult parsed;
            try {
                parsed = parseMail(raw, MailOptions{options_.list, verifier_});
            } catch (const std::exception& e) {
                result.problems.push_back(
                    {uidName, position, "message " + uidName + " cannot be read: " + e.what()});
                pending.failed.push_back(uid);
                continue;
            }
            for (ItemProblem& problem : parsed.problems) {
                problem.position = position;
                problem.message = uidName + ": " + problem.message;
                if (problem.itemId.empty()) {
                    problem.itemId = uidName;
                }
                result.problems.push_back(std::move(problem));
            }
            // The whole message as the server gave it: the evidence of its records.
            int document = kNoRawDocument;
            for (Advisory& record : parsed.records) {
                const std::string& signature = record.signature;
                const bool isUnsigned = signature == "unsigned";
                const bool isBad = signature == "invalid" || signature == "unknown-key";
                const std::string policy = isUnsigned ? options_.unsignedPolicy
                                           : isBad    ? options_.invalidPolicy
                                                      : "accept";
                const std::string what = isUnsigned ? "unsigned"
                                         : signature == "invalid"
                                             ? "invalid signature"
                                             : "invalid signature (unknown key)";
                if (policy == "reject") {
                    result.problems.push_back(
                        {record.id, position, "rejected: " + what + " (" + uidName + ")"});
                    log("warning", "rejected " + uidName + " <" + record.id + ">: " + what);
                    continue;
                }
                if (policy == "flag") {
                    result.problems.push_back(
                        {record.id, position, "flagged: " + what + " (" + uidName + ")"});
                    log("warning", "flagged " + uidName + " <" + record.id + ">: " + what);
                }
                if (document == kNoRawDocument) {
                    document = result.addRaw("message/rfc822", std::move(raw));
                }
                result.addRecord(std::move(record), document);
            }
            pending.handled.push_back(uid);
        }

        outcome.kind = PollOutcome::Kind::Records;
        outcome.state.cursor = formatCursor(uidValidity, uids.back());
        pending.cursor = outcome.state.cursor;
        pending_ = std::move(pending);
        session_ = std::move(session);
        carriedUnseen_.clear();
        log("info", "fetched " + std::to_string(uids.size()) +
                        " new message(s): " + std::to_string(result.records.size()) +
                        " record(s), " + std::to_string(result.problems.size()) + " problem(s)");
        return outcome;
    } catch (const std::exception& e) {
        // The server marked the messages fetched before the failure \Seen (a FETCH of BODY[]
        // does). Clear the mark now, as if the poll had not happened, so that a process that
        // ends after this poll (`poll --once`, a restart) leaves no mail marked read; when
        // that fails too, this process's next poll restores them.
        std::vector<std::uint32_t> unrestored = fetchedUnseen;
        if (!fetchedUnseen.empty()) {
            try {
                ImapSession again(options_.connection);
                if (again.status().uidValidity == uidValidity) {
                    restoreUnseen(again, fetchedUnseen);
                    unrestored.clear();
                }
            } catch (const std::exception& restoreError) {
                log("warning", "cannot clear the \\Seen flag of UIDs " +
                                   formatUidSet(fetchedUnseen) +
                                   " fetched before the failure now (the next poll does): " +
                                   restoreError.what());
            }
        }
        carriedValidity_ = uidValidity;
        carriedUnseen_.insert(unrestored.begin(), unrestored.end());
        return pollFailure(state, std::string("IMAP poll of ") + options_.connection.url +
                                      " failed: " + e.what());
    }
}

void ImapSource::restoreUnseen(ImapSession& session, const std::vector<std::uint32_t>& uids) {
    for (std::size_t start = 0; start < uids.size(); start += kUidsPerCommand) {
        const std::vector<std::uint32_t> chunk(
            uids.begin() + static_cast<std::ptrdiff_t>(start),
            uids.begin() +
                static_cast<std::ptrdiff_t>(std::min(uids.size(), start + kUidsPerCommand)));
        session.command("UID STORE " + formatUidSet(chunk) + " -FLAGS.SILENT (\\Seen)");
    }
}

void ImapSource::applyAfterProcessing(ImapSession& session, const Pending& pending) {
    const std::vector<std::uint32_t>& uids = pending.handled;
    if (uids.empty()) {
        return;
    }
    const std::string& mode = options_.afterProcessing;
    if (mode == "leave") {
        restoreUnseen(session, intersect(uids, pending.unseenBefore));
        return;
    }
    for (std::size_t start = 0; start < uids.size(); start += kUidsPerCommand) {
        const std::vector<std::uint32_t> chunk(
            uids.begin() + static_cast<std::ptrdiff_t>(start),
            uids.begin() +
                static_cast<std::ptrdiff_t>(std::min(uids.size(), start + kUidsPerCommand)));
        const std::string set = formatUidSet(chunk);
        if (mode != "move") {
            session.command("UID STORE " + set + " +FLAGS.SILENT (\\Seen)");
            continue;
        }
        if (options_.moveTo.empty()) {
            throw ImapError("after_processing = move needs move_to");
        }
        const std::string target = imapQuoted(toImapMailboxName(options_.moveTo));
        const bool canMove = session.capabilities().count("MOVE") != 0;
        const auto copyOrMove = [&] {
            session.command((canMove ? "UID MOVE " : "UID COPY ") + set + " " + target);
        };
        try {
            copyOrMove();
        } catch (const ImapError& e) {
            if (std::string(e.what()).find("TRYCREATE") == std::string::npos) {
                throw;
            }
            log("info", "creating the folder '" + options_.moveTo + "'");
            session.command("CREATE " + target);
            copyOrMove();
        }
        if (!canMove) {
            session.command("UID STORE " + set + " +FLAGS.SILENT (\\Seen \\Deleted)");
            session.command(session.capabilities().count("UIDPLUS") != 0 ? "UID EXPUNGE " + set
                                                                         : "EXPUNGE");
        }
    }
}

void ImapSource::afterCommit(const PollOutcome& committed) {
    if (!pending_) {
        return;
    }
    const Pending pending = std::move(*pending_);
    pending_.reset();
    std::unique_ptr<ImapSession> session = std::move(session_);
    if (committed.state.cursor != pending.cursor) {
        log("warning", "afterCommit for a state (" + committed.state.cursor +
                           ") other than the last poll's (" + pending.cursor +
                           "): flags left as they are");
        return;
    }
    try {
        if (!session) {
            session = std::make_unique<ImapSession>(options_.connection);
        }
        if (session->status().uidValidity != pending.uidValidity) {
            log("warning", "UIDVALIDITY changed since the poll: flags left as they are");
            return;
        }
        // an unreadable message stays as it was, for a human to look at
        restoreUnseen(*session, intersect(pending.failed, pending.unseenBefore));
        applyAfterProcessing(*session, pending);
        log("debug", "after_processing = " + options_.afterProcessing + " applied to " +
                         std::to_string(pending.handled.size()) + " message(s)");
    } catch (const std::exception& e) {
        log("error", "after_processing = " + options_.afterProcessing + " failed for UIDs " +
                         formatUidSet(pending.handled) + ": " + e.what());
    }
}

} // namespace vw
