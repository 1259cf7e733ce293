#include "daemon/cli_support.h"

#include "core/datetime.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

namespace vw::cli {

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string readInput(const std::string& path) {
    if (path == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::optional<Config> maybeConfig(const Context& ctx, bool required, bool readSecrets) {
    if (!ctx.globals.configGiven && !std::filesystem::exists(ctx.globals.configPath)) {
        if (required) {
            throw ConfigError(ctx.globals.configPath, 0, "",
                              "no configuration file (give --config PATH)");
        }
        return std::nullopt;
    }
    return loadConfig(ctx.globals.configPath, readSecrets);
}

std::int64_t parseNumberedId(const std::string& text, const char* what) {
    std::string_view digits = text;
    if (!digits.empty() && digits[0] == '#') {
        digits.remove_prefix(1);
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        value <= 0) {
        throw UsageError(std::string("a ") + what + " is named by its number (e.g. 12), not '" +
                         text + "'");
    }
    return value;
}

std::int64_t expectVersionOption(const Options& opt, const char* whose, const char* show) {
    if (!opt.has("expect-version")) {
        return 0;
    }
    const std::string text = opt.get("expect-version");
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value <= 0) {
        throw UsageError(std::string("--expect-version takes ") + whose +
                         " version, a positive number (`" + show + "` prints it), not '" + text +
                         "'");
    }
    return value;
}

namespace {

/// [store] password_file's first line. A file that cannot be read or holds no password is a
/// configuration error (exit 2) naming the configuration, the key and the file, as `config
/// check` and `run` name it — not a usage error: the command line was right.
std::string readStorePassword(const Config& config) {
    const std::string& file = config.store.password.sourceFile;
    const std::string where = config.file + ": [store] password_file: ";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int error = errno;
        throw std::invalid_argument(where + "cannot read " + file + ": " + std::strerror(error) +
                                    " (ストアのパスワードファイルを読めません)");
    }
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (line.empty()) {
        throw std::invalid_argument(where + "the file " + file +
                                    " is empty: write the PostgreSQL password on its first line "
                                    "(ストアのパスワードファイルが空です)");
    }
    return line;
}

/// `--db postgresql://USER:PASSWORD@HOST/DB` works (as for psql), but the command line is seen
/// by every user of the machine (`ps`) and kept in the shell's history: say so, and where the
/// password belongs instead ([store] url refuses a password outright).
void warnPasswordInDb(const Context& ctx) {
    const std::string& db = ctx.globals.db;
    if (db.rfind("postgresql://", 0) != 0 && db.rfind("postgres://", 0) != 0) {
        return;
    }
    const std::size_t authority = db.find("://") + 3;
    const std::size_t end = std::min(db.find('/', authority), db.find('?', authority));
    const std::size_t at = db.rfind('@', end);
    if (at == std::string::npos || at < authority) {
        return;
    }
    if (db.find(':', authority) < at) {
        ctx.err << "vulnwatch: warning: the password in --db can be read by every user of this "
                   "machine (ps, the shell's history): give it in PGPASSWORD or ~/.pgpass, or "
                   "use --config with [store] password_file / --db の URL のパスワードは他の"
                   "ユーザーからも見えます\n";
    }
}

} // namespace

/// What an administrator does about a failed PostgreSQL connection, in Japanese and English,
/// for the reasons libpq gives most often (docs/operations.md, Moving to PostgreSQL); `fromDb`:
/// the URL came from --db (so no [store] password_file was read).
std::string postgresConnectHint(const std::string& why, bool fromDb) {
    const auto has = [&why](std::string_view text) { return why.find(text) != std::string::npos; };
    if (has("password authentication failed")) {
        return fromDb ? "ユーザー名かパスワードが違います。URL のユーザー名と、PGPASSWORD か "
                        "~/.pgpass のパスワードを確かめてください (the user name or the password "
                        "was refused: check the URL's user and the password of PGPASSWORD or "
                        "~/.pgpass)"
                      : "ユーザー名かパスワードが違います。URL のユーザー名と、[store] "
                        "password_file の 1 行目を確かめてください (the user name or the password "
                        "was refused: check the URL's user and the first line of [store] "
                        "password_file)";
    }
    if (has("no password supplied")) {
        return fromDb
                   ? "パスワードがありません。--db の URL には PGPASSWORD か ~/.pgpass で渡すか、"
                     "--config で [store] password_file のある設定を使ってください (no password: "
                     "with --db give it in PGPASSWORD or ~/.pgpass, or use --config with "
                     "[store] password_file)"
                   : "パスワードがありません。[store] password_file を設定してください (no "
                     "password: set [store] password_file)";
    }
    if (has("does not exist")) {
        return "データベースかロールがありません。URL の名前を確かめ、なければ作成してください "
               "(the database or the role does not exist: check the URL's names, or create them "
               "as docs/operations.md, Moving to PostgreSQL, says)";
    }
    if (has("no pg_hba.conf entry")) {
        return "サーバーの pg_hba.conf がこの接続を許可していません (the server's pg_hba.conf "
               "does not admit this host, user and database: add a host line for it)";
    }
    if (has("Connection refused") || has("could not translate host name") || has("timeout") ||
        has("No route to host") || has("invalid integer value")) {
        return "サーバーに届きません。URL のホストとポート、サーバーが動いていて listen_addresses "
               "で待ち受けているかを確かめてください (the server cannot be reached: check the "
               "URL's host and port, and that PostgreSQL runs and listens there)";
    }
    return "PostgreSQL に接続できません (cannot connect to PostgreSQL)";
}

std::unique_ptr<Store> openStore(const Context& ctx, const std::optional<Config>& config) {
    std::string path = ctx.globals.db;
    std::string password;
    if (path.empty() && config) {
        path = config->store.location();
        password = config->store.password.value;
        if (password.empty() && !config->store.password.sourceFile.empty()) {
            // A config read without secrets (status, the read-only commands): the store's
            // password is still needed to open it, so its file is read here.
            password = readStorePassword(*config);
        }
    }
    if (path.empty()) {
        throw UsageError("no store: give --db PATH or a config file with [store] path");
    }
    warnPasswordInDb(ctx);
    try {
        return Store::open(path, password);
    } catch (const StoreError& e) {
        const std::string what = e.what();
        if (what.rfind("cannot connect to PostgreSQL database ", 0) != 0) {
            throw;
        }
        throw StoreError(what + "\n" + postgresConnectHint(what, !ctx.globals.db.empty()));
    }
}

Lang langOf(const Options& opt) {
    const std::string lang = opt.get("lang", "ja");
    if (lang != "ja" && lang != "en") {
        throw UsageError("--lang must be ja or en, not '" + lang + "'");
    }
    return Lang{lang == "ja"};
}

std::string actorOf(const Options& opt) {
    if (opt.has("by")) {
        const std::string by = opt.get("by");
        if (by.empty()) {
            throw UsageError("--by needs a name");
        }
        return by;
    }
    for (const char* variable : {"SUDO_USER", "USER"}) {
        const char* value = std::getenv(variable);
        if (value != nullptr && *value != '\0') {
            return value;
        }
    }
    return "cli";
}

std::string formatTime(std::int64_t t) {
    if (t == 0) {
        return "-";
    }
    return formatIsoDateTime(DateTime{t, 540});
}

} // namespace vw::cli
