// What the command groups of the CLI share (daemon/cli.cpp and daemon/cli_*.cpp, one file per
// command group): the invocation context, option parsing, usage errors, the store and config.
#pragma once

#include "config/config.h"
#include "store/store.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vw::cli {

inline constexpr const char* kDefaultConfig = "/etc/vulnwatch/vulnwatch.conf";

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Globals {
    std::string configPath = kDefaultConfig;
    bool configGiven = false;
    std::string db;
    std::string logLevel;
};

struct Context {
    Globals globals;
    std::ostream& out;
    std::ostream& err;
};

/// Options of one command: flags with values, repeatable, and positionals.
class Options {
public:
    Options(std::vector<std::string> args, std::map<std::string, bool> known)
        : known_(std::move(known)) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            if (a.size() > 2 && a.rfind("--", 0) == 0) {
                std::string name = a.substr(2);
                std::string value;
                bool hasInline = false;
                if (auto eq = name.find('='); eq != std::string::npos) {
                    value = name.substr(eq + 1);
                    name = name.substr(0, eq);
                    hasInline = true;
                }
                auto it = known_.find(name);
                if (it == known_.end()) {
                    throw UsageError("unknown option --" + name);
                }
                if (it->second) { // takes a value
                    if (!hasInline) {
                        if (i + 1 >= args.size()) {
                            throw UsageError("option --" + name + " needs a value");
                        }
                        value = args[++i];
                    }
                    values_[name].push_back(value);
                } else {
                    if (hasInline) {
                        throw UsageError("option --" + name + " takes no value");
                    }
                    values_[name].push_back("");
                }
            } else {
                positional_.push_back(a);
            }
        }
    }
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    std::string get(const std::string& name, const std::string& fallback = "") const {
        auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second.back();
    }
    std::vector<std::string> all(const std::string& name) const {
        auto it = values_.find(name);
        return it == values_.end() ? std::vector<std::string>{} : it->second;
    }
    const std::vector<std::string>& positional() const { return positional_; }
    void expectPositional(std::size_t min, std::size_t max, const std::string& what) const {
        if (positional_.size() < min || positional_.size() > max) {
            throw UsageError("expected " + what);
        }
    }

private:
    std::map<std::string, bool> known_;
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positional_;
};

std::int64_t unixNow();
/// The whole content of `path`, or of standard input for "-". Throws std::runtime_error.
std::string readInput(const std::string& path);
/// The config when one is given or the default file exists; nullopt otherwise (only allowed
/// when `required` is false). ConfigError propagates (exit 2).
std::optional<Config> maybeConfig(const Context& ctx, bool required, bool readSecrets = true);
/// A numbered object named on the command line ("12" or "#12") as its number; UsageError
/// "a WHAT is named by its number (e.g. 12), not '…'" for anything else.
std::int64_t parseNumberedId(const std::string& text, const char* what);
/// --expect-version N (the version of a case or notice the caller saw; docs/cases.md "Sites")
/// as its number, 0 when not given; UsageError naming `whose` ("the case's") and the command
/// that prints it (`show`) for anything but a positive number.
std::int64_t expectVersionOption(const Options& opt, const char* whose, const char* show);
/// The store of --db, else of the config's [store] path; UsageError when there is neither.
std::unique_ptr<Store> openStore(const Context& ctx, const std::optional<Config>& config);

/// What an administrator does about a failed PostgreSQL connection (`why`: the StoreError's
/// text), in Japanese and English; `fromDb`: the URL came from --db, not [store] url.
std::string postgresConnectHint(const std::string& why, bool fromDb);
/// A Unix time as ISO 8601 in JST, "-" for 0.
std::string formatTime(std::int64_t t);

/// The language of a command's human text (--lang ja|en; Japanese by default): t("日本語",
/// "English") picks one.
struct Lang {
    bool ja = true;
    const char* operator()(const char* japanese, const char* english) const {
        return ja ? japanese : english;
    }
};
/// --lang of `opt` (ja when absent); UsageError for anything but ja or en.
Lang langOf(const Options& opt);
/// Who makes a change, for its audit event: --by (not empty), else the user sudo ran us for,
/// else the login user, else "cli".
std::string actorOf(const Options& opt);

/// Ids joined by ", ".
std::string joinedIds(const std::vector<std::string>& ids);

/// `advisories list|show` (daemon/cli_advisories.cpp).
int cmdAdvisories(Context& ctx, const std::vector<std::string>& args);
/// `products …` and `matches list` (daemon/cli_products.cpp).
int cmdProducts(Context& ctx, const std::vector<std::string>& args);
int cmdMatches(Context& ctx, const std::vector<std::string>& args);
/// `deliveries list|retry` (daemon/cli_deliveries.cpp).
int cmdDeliveries(Context& ctx, const std::vector<std::string>& args);
/// `digest list|send-now` (daemon/cli_digest.cpp).
int cmdDigest(Context& ctx, const std::vector<std::string>& args);
/// `audit verify|export|head` (daemon/cli_audit.cpp).
int cmdAudit(Context& ctx, const std::vector<std::string>& args);
/// `evidence stats|prune|show` (daemon/cli_evidence.cpp).
int cmdEvidence(Context& ctx, const std::vector<std::string>& args);
/// `cases list|show|transition|open|ssvc|verify` (daemon/cli_cases.cpp).
int cmdCases(Context& ctx, const std::vector<std::string>& args);
/// `calendar --year Y` (daemon/cli_calendar.cpp).
int cmdCalendar(Context& ctx, const std::vector<std::string>& args);
/// `serve`: the web server (daemon/cli_serve.cpp, web/server.h).
int cmdServe(Context& ctx, const std::vector<std::string>& args);
/// `backup FILE` and `restore FILE` (daemon/cli_backup.cpp).
int cmdBackup(Context& ctx, const std::vector<std::string>& args);
int cmdRestore(Context& ctx, const std::vector<std::string>& args);
/// `store copy --to postgresql://…` (daemon/cli_store_copy.cpp).
int cmdStore(Context& ctx, const std::vector<std::string>& args);
/// `vex export` (daemon/cli_vex.cpp).
int cmdVex(Context& ctx, const std::vector<std::string>& args);
/// `status [--json]` (daemon/cli_status.cpp).
int cmdStatus(Context& ctx, const std::vector<std::string>& args);
/// `users add|set|passwd|remove|list|token|revoke-token` (daemon/cli_users.cpp).
int cmdUsers(Context& ctx, const std::vector<std::string>& args);
/// `installbase import|list` (daemon/cli_installbase.cpp).
int cmdInstallBase(Context& ctx, const std::vector<std::string>& args);
/// `notices preview|prepare|approve|send|list|show` (daemon/cli_notices.cpp).
int cmdNotices(Context& ctx, const std::vector<std::string>& args);

} // namespace vw::cli
