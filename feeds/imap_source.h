// The IMAP mail source (IPA / JPCERT/CC mailing lists): one folder of one mailbox polled over
// libcurl (imaps:// implicit TLS, or imap:// with STARTTLS), each new message parsed by
// parseMail. The cursor is "UIDVALIDITY:LASTUID"; flags are only touched (seen / leave / move)
// in afterCommit, once the records are safe in the store.
#pragma once

#include "core/http.h"
#include "feeds/parse/mail.h"
#include "feeds/source.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// A transport or protocol failure of an IMAP session (the message names the server and the
/// cause; never the password).
class ImapError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Where and how to connect. The URL is imap://host[:port]/FOLDER or imaps://…; the folder is
/// the percent-decoded path (INBOX when empty).
struct ImapConnectionOptions {
    std::string url;
    std::string user;
    std::string password;
    std::string starttls = "auto"; // imap:// only: auto | required | off
    std::string caFile;            // extra CA bundle; verification is always on
    ProxySettings proxy;           // through an HTTP proxy by CONNECT (core/http.h)
    long timeoutMs = 60000;        // per request
    long connectTimeoutMs = 10000;
    const std::atomic<bool>* cancel = nullptr; // requests abort soon after it becomes true
};

/// The UIDVALIDITY and UIDNEXT of a folder (STATUS).
struct ImapFolderStatus {
    std::uint32_t uidValidity = 0;
    std::uint32_t uidNext = 0;
    std::uint32_t messages = 0;
};

/// What `UID FETCH … (RFC822.SIZE FLAGS)` says about one message.
struct ImapMessageInfo {
    std::uint32_t uid = 0;
    std::size_t size = 0;
    std::vector<std::string> flags; // as the server spells them, e.g. "\\Seen"
    bool hasFlag(std::string_view flag) const;
};

/// One IMAP session on one libcurl easy handle: the connection (login, TLS, the selected
/// folder) is kept between requests. Every request throws ImapError on failure.
class ImapSession {
public:
    explicit ImapSession(ImapConnectionOptions options);
    ~ImapSession();
    ImapSession(const ImapSession&) = delete;
    ImapSession& operator=(const ImapSession&) = delete;

    /// The folder named by the URL (decoded) and the URL without parameters.
    const std::string& folder() const { return folder_; }
    const std::string& folderUrl() const { return folderUrl_; }

    /// Sends one command (the folder is selected first) and returns the untagged response
    /// lines. The command must be literal-free in its response (libcurl drops `{n}` literals).
    std::string command(const std::string& text);
    /// STATUS of the URL's folder.
    ImapFolderStatus status();
    /// UIDs of the messages with UID >= `from`, ascending: `UID SEARCH UID from:*`, whose answer
    /// always includes the highest UID even when it is below `from` (filtered out here).
    std::vector<std::uint32_t> searchFrom(std::uint32_t from);
    /// Size and flags of these messages (absent ones, e.g. expunged meanwhile, are missing).
    std::map<std::uint32_t, ImapMessageInfo> messageInfo(const std::vector<std::uint32_t>& uids);
    /// The raw message (URL fetch `;UID=n`, which sets \Seen). Fails when the folder's
    /// UIDVALIDITY is no longer `uidValidity` (0: not checked) or the message exceeds `maxBytes`.
    std::string fetchMessage(std::uint32_t uid, std::uint32_t uidValidity, std::size_t maxBytes);
    /// The server's capabilities (upper case), asked once per session.
    const std::set<std::string>& capabilities();

private:
    std::string perform(const std::string& url, const std::string* customRequest,
                        std::size_t maxBytes);

    struct Handle;
    ImapConnectionOptions options_;
    std::string folder_;    // as configured (UTF-8, percent-decoded)
    std::string mailbox_;   // as the server knows it (modified UTF-7)
    std::string folderUrl_; // the URL of mailbox_
    std::unique_ptr<Handle> handle_;
    std::optional<std::set<std::string>> capabilities_;
};

/// A UID set in IMAP syntax with ranges: {1,2,3,7} -> "1:3,7". `uids` must be sorted.
std::string formatUidSet(const std::vector<std::uint32_t>& uids);
/// An IMAP quoted string ("INBOX/x" -> "\"INBOX/x\"", with \ and " escaped).
std::string imapQuoted(std::string_view text);

struct ImapSourceOptions {
    ImapConnectionOptions connection;
    std::string afterProcessing = "seen"; // seen | move | leave
    std::string moveTo;                   // folder for afterProcessing = move
    std::size_t maxMessageBytes = 16u * 1024u * 1024u;
    std::string keyring;                   // GnuPG home with the trusted keys ("" = no check)
    std::string unsignedPolicy = "accept"; // accept | flag | reject
    std::string invalidPolicy = "flag";    // accept | flag | reject (invalid and unknown-key)
    std::string list;                      // the records' list label
    /// Overrides the verifier made from `keyring` (tests; other signature back ends).
    SignatureVerifier verifier;
    /// Log lines of the source: level is "debug", "info", "warning" or "error". May be empty.
    std::function<void(std::string_view level, const std::string& message)> log;
};

class ImapSource : public Source {
public:
    ImapSource(std::string name, ImapSourceOptions options);
    ~ImapSource() override;

    const std::string& name() const override { return name_; }

    /// Fetches the messages with a UID above the cursor (all of them when the cursor is empty or
    /// the folder's UIDVALIDITY changed), skips those over maxMessageBytes (ItemProblem), parses
    /// the rest and applies the signature policies. Any transport failure gives Error with the
    /// state unchanged and nothing partial; no new message gives NotModified.
    PollOutcome poll(const SourceState& state) override;

    /// Applies after_processing to the messages of the last poll (same session when it is still
    /// open): seen → +FLAGS \Seen, leave → -FLAGS \Seen where it was not set before, move →
    /// UID MOVE (or COPY + \Deleted + EXPUNGE without MOVE). Messages that failed to parse get
    /// their previous \Seen state back; oversized ones were never fetched. Failures are logged.
    void afterCommit(const PollOutcome& committed) override;

    /// Requests in progress and later ones abort soon after `*flag` becomes true.
    void setCancelFlag(const std::atomic<bool>* flag) { options_.connection.cancel = flag; }

private:
    struct Pending {
        std::string cursor; // the state the poll returned
        std::uint32_t uidValidity = 0;
        std::vector<std::uint32_t> handled;      // became a record or was rejected by policy
        std::vector<std::uint32_t> unseenBefore; // handled or failed, \Seen not set before
        std::vector<std::uint32_t> failed;       // fetched but unparseable
    };

    void log(std::string_view level, const std::string& message) const;
    void applyAfterProcessing(ImapSession& session, const Pending& pending);
    void restoreUnseen(ImapSession& session, const std::vector<std::uint32_t>& uids);

    std::string name_;
    ImapSourceOptions options_;
    SignatureVerifier verifier_;
    std::unique_ptr<ImapSession> session_; // kept from poll to afterCommit
    std::optional<Pending> pending_;
    // Messages fetched (so now \Seen) by a poll that then failed, which were unseen before:
    // the next poll of the same UIDVALIDITY treats them as unseen again.
    std::uint32_t carriedValidity_ = 0;
    std::set<std::uint32_t> carriedUnseen_;
};

} // namespace vw
