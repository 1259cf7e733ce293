// The configuration file (INI, see docs/configuration.md) as a validated value.
#pragma once

#include "config/calendar_config.h"
#include "config/schedule.h"
#include "core/cases.h"
#include "core/parse_limits.h"
#include "core/proxy.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vw {

/// A secret read from the file or from `*_file`; never printed (see redacted()).
struct Secret {
    std::string value;
    std::string sourceFile; // the *_file it came from, or "" when inline
    bool empty() const { return value.empty(); }
    bool operator==(const Secret&) const = default;
};

struct StoreConfig {
    std::string path = "/var/lib/vulnwatch/vulnwatch.db";
    /// "sqlite" (the file at `path`) or "postgresql" (the database at `url`; docs/storage.md).
    std::string backend = "sqlite";
    std::string url; // postgresql://USER@HOST:PORT/DB
    Secret password; // from password_file (never printed)
    /// What Store::open takes: the URL for PostgreSQL, else the path.
    const std::string& location() const { return backend == "postgresql" ? url : path; }
    bool operator==(const StoreConfig&) const = default;
};

struct SourceConfig {
    std::string name; // from [source.NAME]
    std::string type; // jvn-rss, myjvn, myjvn-alert, jvn-detail-feed, imap, kev, csaf
    std::string url;
    std::string path; // csaf: a local directory of CSAF documents (instead of url)
    std::chrono::seconds interval{std::chrono::minutes(15)};
    std::chrono::seconds timeout{60};
    std::size_t maxBytes = 128u * 1024u * 1024u;
    std::string caFile; // extra CA bundle
    std::string user;
    Secret password;
    bool enabled = true;
    // myjvn (MyJVN API) and jvn-detail-feed (yearly VULDEF files); pacing and retries also
    // myjvn-alert (MyJVN getAlertList)
    std::string lang = "ja";                         // ja | en
    std::chrono::milliseconds requestInterval{1000}; // pacing: at least this between requests
    int retries = 3;                                 // extra attempts per request (backoff)
    std::string since;       // myjvn: first day of the first window (YYYY-MM-DD, default 30
                             // days back); jvn-detail-feed: first year (YYYY, default 1998)
    std::string checksumUrl; // jvn-detail-feed: checksum.txt (default derived from url)
    // imap
    std::string starttls = "auto";        // imap:// only: auto | required | off
    std::string afterProcessing = "seen"; // seen | move | leave
    std::string moveTo;                   // folder for afterProcessing = move
    std::size_t maxMessageBytes = 16u * 1024u * 1024u;
    std::string keyring; // GnuPG home folder holding the trusted public keys (imap, csaf)
    std::string unsignedPolicy = "accept"; // accept | flag | reject
    std::string invalidPolicy = "flag";    // accept | flag | reject (also unknown-key)
    std::string list;                      // mailing-list label for records; default: NAME
    // operational alerts to [daemon] admin
    int alertAfterFailures = 3; // consecutive failed polls before the admins hear of it
    /// No new item for this long alerts the admins (0: never); nullopt: the type's default
    /// (defaultSilenceLimit()).
    std::optional<std::chrono::seconds> alertWhenSilent;
    /// proxy / proxy_credentials_file: how the source reaches its server, [daemon]'s unless the
    /// section sets its own (resolved when the config is loaded; docs/configuration.md "Proxy").
    ProxySettings proxy;
    bool proxySet = false;   // the section has a proxy key
    Secret proxyCredentials; // the section's own proxy_credentials_file (for the dump)
    bool operator==(const SourceConfig&) const = default;
};

class MailTemplates; // notifiers/mail_templates.h

/// `templates = DIR` of an e-mail notifier: the directory, and the templates read from it when
/// the config was loaded (null when none were read: the built-in ones serve). Equal when the
/// directories are.
struct MailTemplateDir {
    std::string path;
    std::shared_ptr<const MailTemplates> loaded;
    bool operator==(const MailTemplateDir& other) const { return path == other.path; }
};

struct NotifierConfig {
    std::string name;               // from [notifier.NAME]
    std::string type;               // email, webhook, slack, teams, mattermost, chatwork
    std::string mode = "immediate"; // immediate | digest
    double minSeverity = 0.0;
    int minConfidence = 0;
    std::chrono::seconds timeout{30};
    std::string caFile;
    // email
    std::string smtp;              // smtp://host:port (STARTTLS when offered) or smtps://host:port
    std::string starttls = "auto"; // auto | required | off (smtp:// only)
    std::string from;
    std::string user;
    Secret password;
    std::vector<std::string> to;                // extra fixed recipients besides product owners
    std::string language = "ja";                // ja | en: the mail templates' language
    std::string charset = "utf-8";              // utf-8 | iso-2022-jp (subject and text part)
    std::string listId = "vulnwatch.localhost"; // the List-Id header: <listId>
    MailTemplateDir templates;                  // templates = DIR
    // webhook, slack, teams, mattermost
    Secret url;    // may come from url_file (the URL often carries a token)
    Secret secret; // webhook only: HMAC-SHA256 key; `whsec_<base64>` is a Standard Webhooks secret
    // chatwork
    std::string room;   // the room id (digits)
    Secret token;       // the API token (X-ChatWorkToken)
    std::string apiUrl; // the API base URL; "" for https://api.chatwork.com/v2
    // chat notifiers (every type but email): the products whose matches they post (by product
    // name); empty: every product (`products = *`)
    std::vector<std::string> products;
    /// Chat notifiers: as SourceConfig::proxy (e-mail goes to its relay directly).
    ProxySettings proxy;
    bool proxySet = false;
    Secret proxyCredentials;
    bool operator==(const NotifierConfig&) const = default;
};

/// [owner.NAME]: one recipient's routing (docs/configuration.md "Owners and digests"). Keys the
/// section leaves out are filled in from its notifier when the config is loaded, so the value
/// is complete.
struct OwnerConfig {
    std::string name;  // from [owner.NAME]
    std::string email; // the mailbox as written ("担当 <a@example.jp>" or "a@example.jp")
    /// The products (by name) this owner hears of; see `productsSet`.
    std::vector<std::string> products;
    /// False: no `products` key (the owner hears of the products the registry and the
    /// notifier's `to` give the address); true: exactly `products` (empty: `*`, every product).
    bool productsSet = false;
    std::string mode = "immediate"; // immediate | digest (default: the notifier's)
    double minSeverity = 0.0;       // default: the notifier's
    int minConfidence = 0;          // default: the notifier's
    DigestSchedule digest;          // default daily 08:30
    std::string timezone{kDefaultTimeZone};
    std::string language = "ja"; // ja | en (default: the notifier's)
    bool heartbeat = false;      // a digest also when nothing is new
    std::string notifier;        // the e-mail notifier that sends its mail
    bool operator==(const OwnerConfig&) const = default;
};

class CpeMap; // config/cpe_map.h

/// [match]: how products are matched beyond their CPEs.
struct MatchConfig {
    /// cpe_map: a file of `purl-or-name = vendor:product` lines (config/cpe_map.h); "" for none.
    std::string cpeMapPath;
    /// The parsed file, read when the config is loaded (a bad file is a ConfigError, so a
    /// reload keeps the previous config and map). Null when there is no cpe_map.
    std::shared_ptr<const CpeMap> cpeMap;
    bool operator==(const MatchConfig& other) const { return cpeMapPath == other.cpeMapPath; }
};

/// [evidence]: how long the raw bytes of evidence blobs are kept (store/evidence.h).
struct EvidenceConfig {
    /// retention_days: blobs not seen for this many days lose their bytes (hash and size stay);
    /// 0 = `forever` (never pruned).
    int retentionDays = 3650;
    bool operator==(const EvidenceConfig&) const = default;
};

/// [web]: `vulnwatch serve`, the web page and REST API (docs/web.md).
struct WebConfig {
    /// listen: an IP address (IPv6 in brackets) and a port; port 0 takes any free port (logged).
    std::string listen = "127.0.0.1:8080";
    /// tls_cert / tls_key: PEM files; both set: HTTPS, neither: plain HTTP (behind a proxy).
    std::string tlsCert;
    std::string tlsKey;
    /// trusted_proxies: addresses or CIDR blocks whose X-Forwarded-For / X-Forwarded-Proto
    /// headers are believed; empty: nobody's.
    std::vector<std::string> trustedProxies;
    std::size_t maxBody = 20u * 1024u * 1024u; // max_body: the largest request body
    int sessionHours = 12;                     // session_hours: how long a login lasts
    /// trusted_user_header: the header by which a reverse proxy of trusted_proxies names the
    /// user it authenticated (single sign-on, e.g. X-Remote-User); "" (default): none.
    std::string trustedUserHeader;
    /// metrics: GET /metrics answers the Prometheus text exposition without a login (counts
    /// only; docs/operations.md "Monitoring"); off (default): 404.
    bool metrics = false;
    bool operator==(const WebConfig&) const = default;
};

/// [notices]: hospital notices (daemon/notices.h, docs/notices.md).
struct NoticeConfig {
    /// notifier: the e-mail notifier that sends them ("" = the first e-mail notifier); its
    /// `from`, `charset` and `templates` apply.
    std::string notifier;
    /// contact: whom the hospitals ask (shown in every letter; `\n` in the value breaks the
    /// line); "" = "reply to this e-mail".
    std::string contact;
    std::string language = "ja"; // language: ja | en, the letters' default
    bool operator==(const NoticeConfig&) const = default;
};

struct Config {
    std::string file; // where it was read from ("" for defaults)
    StoreConfig store;
    MatchConfig match;
    CalendarConfig calendar;  // [calendar]: holidays, closures, day end (config/calendar_config.h)
    DeadlinePolicy deadlines; // [deadlines]: the case clocks (core/calendar.h)
    CasePolicy cases;         // [cases]: approvers, longest risk acceptance (core/cases.h)
    EvidenceConfig evidence;  // [evidence]: retention of the evidence blobs
    WebConfig web;            // [web]: `vulnwatch serve`
    NoticeConfig notices;     // [notices]: hospital notices
    std::vector<SourceConfig> sources;
    std::vector<NotifierConfig> notifiers;
    std::vector<OwnerConfig> owners; // [owner.NAME] sections, in file order
    std::string logLevel = "info";   // [daemon] log_level: debug | info | warning | error
    /// [daemon] max_field_bytes, max_record_bytes: the largest field and record a parser
    /// accepts (a larger one is a problem and skipped); applied with setParseLimits().
    ParseLimits limits;
    /// [daemon] metrics_textfile: where the daemon writes the Prometheus exposition after each
    /// round of polls (for node_exporter's textfile collector; a *.prom file); "" = none.
    std::string metricsTextfile;
    /// [daemon] check_at_start: `quick` (PRAGMA quick_check when `run` and `serve` start; a
    /// corrupt store stops them with exit 4) or `off`. docs/reliability.md.
    std::string checkAtStart = "quick";
    /// [daemon] standby_retry: how often a standby `vulnwatch run` on a PostgreSQL store tries
    /// the active daemon's advisory lock (at most a source's interval; docs/operations.md).
    std::chrono::milliseconds standbyRetry{5000};
    /// [daemon] site: the name of this installation's site (東京, Osaka, …) that every case
    /// change made here records beside the user (docs/cases.md "Sites"); "" = the host name.
    std::string site;
    /// [daemon] admin: who hears of operational problems (a source failing or silent, a
    /// message given up), by every e-mail notifier.
    std::vector<std::string> admins;
    /// [daemon] proxy, no_proxy, proxy_credentials_file: how every source and chat notifier
    /// reaches the internet unless its section says otherwise (url "" direct, "env" the
    /// environment's http_proxy/https_proxy/no_proxy).
    ProxySettings proxy;
    Secret proxyCredentials;
    /// What is allowed but unwise (a secret file others may read), one line each in the form of
    /// an error ("FILE:LINE: [section] key: …"); `config check --strict` refuses them. Not part
    /// of the configuration's value (two configs that differ only here are equal).
    struct Warnings {
        std::vector<std::string> items;
        bool operator==(const Warnings&) const { return true; }
    } warnings;
    bool operator==(const Config&) const = default;
};

/// What routing a match needs (daemon/pipeline): the notifiers and the owner sections. Built
/// from a Config, or from notifiers alone (no owner sections: every address uses its
/// notifier's settings).
struct Routing {
    std::vector<NotifierConfig> notifiers;
    std::vector<OwnerConfig> owners;
    Routing() = default;
    Routing(std::vector<NotifierConfig> notifierList) // NOLINT: implicit on purpose
        : notifiers(std::move(notifierList)) {}
    Routing(std::vector<NotifierConfig> notifierList, std::vector<OwnerConfig> ownerList)
        : notifiers(std::move(notifierList)), owners(std::move(ownerList)) {}
    explicit Routing(const Config& config)
        : notifiers(config.notifiers), owners(config.owners), deadlines(config.deadlines),
          cases(config.cases),
          calendar(std::make_shared<const BusinessCalendar>(makeCalendar(config.calendar))),
          site(config.site) {}
    /// What the case work needs (daemon/cases.h): the clocks' policy and calendar, and who may
    /// approve. A Routing built from notifiers alone has the defaults.
    DeadlinePolicy deadlines;
    CasePolicy cases;
    std::shared_ptr<const BusinessCalendar> calendar = std::make_shared<const BusinessCalendar>();
    /// [daemon] site: recorded with every case change ("" = the host name, daemon/cases.h).
    std::string site;
};

/// The bare address of a mailbox, lower case: "担当 <A@Example.jp>" -> "a@example.jp".
std::string mailAddressOf(const std::string& mailbox);

/// The [owner.NAME] section for this mailbox's address, or nullptr.
const OwnerConfig* ownerFor(const std::vector<OwnerConfig>& owners, const std::string& mailbox);

/// How long a source of this type may bring no new item before the admins are told: JVN's
/// feeds publish every business day (jvn-rss, myjvn: 7 days; jvn-detail-feed: 14 days), JPCERT/CC
/// alerts are rare (myjvn-alert: 120 days), mailing lists vary (imap: 30 days).
std::chrono::seconds defaultSilenceLimit(const std::string& sourceType);
/// The source's limit: alert_when_silent when given, else defaultSilenceLimit().
std::chrono::seconds silenceLimit(const SourceConfig& source);

/// The accepted `type` values of [source.NAME] and [notifier.NAME] sections (the one list;
/// later issues extend it).
const std::vector<std::string>& knownSourceTypes();
const std::vector<std::string>& knownNotifierTypes();

/// A config problem, with where it is. what() reads "FILE:LINE: [SECTION] KEY: message";
/// the "[SECTION]" and "KEY" parts are left out when empty. Whole-file problems have line 0.
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string file, int line, std::string key, const std::string& message);
    ConfigError(std::string file, int line, std::string section, std::string key,
                const std::string& message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    const std::string& section() const { return section_; }
    const std::string& key() const { return key_; }

private:
    std::string file_;
    int line_;
    std::string section_;
    std::string key_;
};

/// Reads, validates and fills defaults. Throws ConfigError on the first problem. Relative
/// paths in the file resolve against the file's directory. With `readSecrets` false no file the
/// config names is opened: `*_file` paths are recorded in Secret::sourceFile, values stay empty
/// (`config check --no-secrets`, tests of the example file). Sets the parse limits of the
/// process (setParseLimits) to the file's `[daemon] max_field_bytes`, `max_record_bytes`.
Config loadConfig(const std::string& path, bool readSecrets = true);

/// Same, from text (for tests); `name` is used in error messages and relative paths resolve
/// against the current directory.
Config parseConfig(const std::string& text, const std::string& name, bool readSecrets = true);

/// The effective configuration (defaults filled in) as INI text that parseConfig accepts, for
/// `config check` and logs: inline secrets read "<redacted>", `*_file` secrets show the path
/// (never the content), webhook URLs are cut to "scheme://host[:port]/<redacted>".
std::string redacted(const Config& config);

/// Parses "90s", "15m", "2h", "1d" (a bare number means seconds). Zero, negative and anything
/// else throw std::invalid_argument.
std::chrono::seconds parseDuration(const std::string& text);

/// The shortest exact form with one unit: 90 s -> "90s", 900 s -> "15m", 86400 s -> "1d".
std::string formatDuration(std::chrono::seconds value);

/// Parses a pacing interval: "500ms" or anything parseDuration accepts ("1s", "2m"). Zero,
/// negative and anything else throw std::invalid_argument.
std::chrono::milliseconds parseDurationMs(const std::string& text);

/// The shortest exact form: 500 ms -> "500ms", 1000 ms -> "1s", 120000 ms -> "2m".
std::string formatDurationMs(std::chrono::milliseconds value);

/// Parses a byte count: "1048576", "512K", "64M", "1G" (binary multiples, suffix in either
/// case). Zero and anything else throw std::invalid_argument.
std::size_t parseSize(const std::string& text);

/// The shortest exact form: 134217728 -> "128M", 1000 -> "1000".
std::string formatSize(std::size_t bytes);

} // namespace vw
