// The configuration file (INI, see docs/configuration.md) as a validated value.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace vw {

/// A secret read from the file or from `*_file`; never printed (see redacted()).
struct Secret {
    std::string value;
    std::string sourceFile; // the *_file it came from, or "" when inline
    bool empty() const { return value.empty(); }
};

struct StoreConfig {
    std::string path = "/var/lib/vulnwatch/vulnwatch.db";
};

struct SourceConfig {
    std::string name;   // from [source.NAME]
    std::string type;   // jvn-rss (issue 2); myjvn, jvn-detail-feed, imap later
    std::string url;
    std::chrono::seconds interval{std::chrono::minutes(15)};
    std::chrono::seconds timeout{60};
    std::size_t maxBytes = 128u * 1024u * 1024u;
    std::string caFile;  // extra CA bundle
    std::string user;
    Secret password;
    bool enabled = true;
};

struct NotifierConfig {
    std::string name;  // from [notifier.NAME]
    std::string type;  // email, webhook (slack, teams, mattermost, chatwork later)
    std::string mode = "immediate"; // immediate | digest
    double minSeverity = 0.0;
    int minConfidence = 0;
    std::chrono::seconds timeout{30};
    std::string caFile;
    // email
    std::string smtp;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
    std::string starttls = "auto"; // auto | required | off (smtp:// only)
    std::string from;
    std::string user;
    Secret password;
    std::vector<std::string> to; // extra fixed recipients besides product owners
    // webhook
    Secret url;    // may come from url_file (the URL often carries a token)
    Secret secret; // HMAC-SHA256 key
};

struct Config {
    std::string file; // where it was read from ("" for defaults)
    StoreConfig store;
    std::vector<SourceConfig> sources;
    std::vector<NotifierConfig> notifiers;
    std::string logLevel = "info"; // [daemon] log_level: debug | info | warning | error
};

/// A config problem, with where it is. what() reads "FILE:LINE: [SECTION] KEY: message".
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string file, int line, std::string key, const std::string& message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    const std::string& key() const { return key_; }

private:
    std::string file_;
    int line_;
    std::string key_;
};

/// Reads, validates and fills defaults. Throws ConfigError on the first problem.
Config loadConfig(const std::string& path);

/// Same, from text (for tests); `name` is used in error messages.
Config parseConfig(const std::string& text, const std::string& name);

/// The configuration as INI text with every secret replaced by "<redacted>" (or
/// "<from FILE>"), for `config check` and logs.
std::string redacted(const Config& config);

/// Parses "90s", "15m", "2h", "1d" (a bare number means seconds). Throws std::invalid_argument.
std::chrono::seconds parseDuration(const std::string& text);

} // namespace vw
