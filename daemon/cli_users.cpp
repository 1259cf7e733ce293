// `vulnwatch users add|set|passwd|remove|list|token|revoke-token`: the accounts of the web page and
// the REST API (store/users.h, docs/web.md "Users"). Passwords come from --password-file or
// standard input (asked twice without echo on a terminal), never from an argument. Human text is
// Japanese unless --lang en; `users list --json` gives one object.
#include "core/credentials.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "store/users.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <termios.h>
#include <unistd.h>
#include <utility>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "users add NAME --role viewer|triager|admin [--product P]... [--password-file FILE] | "
    "users set NAME --role ROLE [--product P]... | users passwd NAME [--password-file FILE] | "
    "users remove NAME | users list [--json] [--all] | "
    "users token NAME [--label L] | users revoke-token ID   (each also takes --by NAME and "
    "--lang ja|en)";

// --- reading a password ----------------------------------------------------------------------

/// The terminal's settings while echo is off, so a signal handler can put them back.
struct termios g_savedTermios {};
volatile std::sig_atomic_t g_echoOff = 0;

extern "C" void restoreEchoAndDie(int signal) {
    if (g_echoOff != 0) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_savedTermios);
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

/// Turns the terminal's echo off for its lifetime (and back on if a signal ends the program).
class EchoOff {
public:
    EchoOff() {
        if (::tcgetattr(STDIN_FILENO, &g_savedTermios) != 0) {
            throw std::runtime_error("cannot read the terminal's settings");
        }
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP}) {
            std::signal(s, restoreEchoAndDie);
        }
        struct termios quiet = g_savedTermios;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL; // the Enter still moves to the next line
        g_echoOff = 1;
        if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
            g_echoOff = 0;
            throw std::runtime_error("cannot turn the terminal's echo off");
        }
    }
    ~EchoOff() {
        ::tcsetattr(STDIN_FILENO, TCSADRAIN, &g_savedTermios);
        g_echoOff = 0;
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP}) {
            std::signal(s, SIG_DFL);
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
};

/// Overwrites a string that held a password before it is freed.
void wipe(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) {
        p[i] = '\0';
    }
    secret.clear();
}

/// `text` without one final line break ("\n" or "\r\n").
std::string withoutFinalNewline(std::string text) {
    if (!text.empty() && text.back() == '\n') {
        text.pop_back();
        if (!text.empty() && text.back() == '\r') {
            text.pop_back();
        }
    }
    return text;
}

/// At most `limit` bytes of `in`, and whether there was more.
std::pair<std::string, bool> readBounded(std::istream& in, std::size_t limit) {
    std::string text(limit + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    const bool more = text.size() > limit;
    text.resize(std::min(text.size(), limit));
    return {text, more};
}

/// What a password file or standard input may hold: the longest password and a line break.
constexpr std::size_t kMaxPasswordInput = kMaxPasswordBytes + 2;

std::string promptHidden(Context& ctx, const char* prompt) {
    std::string line;
    {
        EchoOff quiet; // before the prompt: what is typed after it is never shown
        ctx.err << prompt << std::flush;
        if (!std::getline(std::cin, line)) {
            throw UserError("no password was typed (end of input)",
                            "パスワードが入力されませんでした (入力の終わり)");
        }
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

/// The new password: from --password-file (its one line), else from standard input (asked twice
/// without echo on a terminal; otherwise the whole input, one line).
std::string readPassword(Context& ctx, const Options& opt, const Lang& t) {
    if (opt.has("password-file")) {
        const std::string path = opt.get("password-file");
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            throw UserError("cannot read the password file " + path,
                            "パスワードファイル " + path + " を読めません");
        }
        auto [text, more] = readBounded(file, kMaxPasswordInput);
        if (more) {
            wipe(text);
            throw UserError("the password file " + path + " holds more than a password (over " +
                                std::to_string(kMaxPasswordInput) + " bytes)",
                            "パスワードファイル " + path + " が長すぎます (" +
                                std::to_string(kMaxPasswordInput) + " バイト超)");
        }
        std::string password = withoutFinalNewline(std::move(text));
        if (password.empty()) {
            throw UserError("the password file " + path + " is empty",
                            "パスワードファイル " + path + " が空です");
        }
        return password;
    }
    if (::isatty(STDIN_FILENO) != 0) {
        std::string first = promptHidden(ctx, t("新しいパスワード: ", "New password: "));
        std::string second = promptHidden(ctx, t("もう一度入力してください: ", "Type it again: "));
        const bool same = first == second;
        wipe(second);
        if (!same) {
            wipe(first);
            throw UserError("the two passwords typed differ; nothing was changed",
                            "2 回入力したパスワードが一致しません。何も変更していません");
        }
        return first;
    }
    auto [text, more] = readBounded(std::cin, kMaxPasswordInput);
    if (more) {
        wipe(text);
        throw UserError("standard input holds more than a password (over " +
                            std::to_string(kMaxPasswordInput) + " bytes)",
                        "標準入力が長すぎます (" + std::to_string(kMaxPasswordInput) +
                            " バイト超)");
    }
    std::string password = withoutFinalNewline(text);
    wipe(text);
    if (password.empty()) {
        throw UserError("no password on standard input (or give --password-file FILE)",
                        "標準入力にパスワードがありません (--password-file FILE でも指定できます)");
    }
    return password;
}

// --- the commands ---------------------------------------------------------------------------

std::unique_ptr<Store> storeFor(Context& ctx) {
    return openStore(ctx, maybeConfig(ctx, false));
}

/// --role of `users add|set` (required), and --product only with the triager role.
UserRole roleOption(const Options& opt, const std::string& command) {
    if (!opt.has("role")) {
        throw UsageError("users " + command + " needs --role viewer, triager or admin");
    }
    const auto role = parseUserRole(opt.get("role"));
    if (!role) {
        throw UsageError("--role must be viewer, triager or admin, not '" +
                         terminalSafe(opt.get("role")) + "'");
    }
    if (opt.has("product") && *role != UserRole::Triager) {
        throw UsageError("--product is for triagers (--role triager) only");
    }
    return *role;
}

int add(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "users add NAME --role viewer|triager|admin");
    const Lang t = langOf(opt);
    const UserRole role = roleOption(opt, "add");
    const std::string actor = actorOf(opt);
    // What can be checked before the password is asked for.
    if (const auto problem = userNameProblem(normalizeUserName(opt.positional()[0]))) {
        throw UserError(problem->english, problem->japanese);
    }
    auto store = storeFor(ctx);
    if (const auto existing = findUser(*store, opt.positional()[0]);
        existing && !existing->disabled) {
        throw UserError("user '" + terminalSafe(existing->name) + "' exists already",
                        "ユーザー '" + terminalSafe(existing->name) + "' はすでに登録されています");
    }
    std::string password = readPassword(ctx, opt, t);
    const User user =
        addUser(*store, opt.positional()[0], role, password, opt.all("product"), actor, unixNow());
    wipe(password);
    ctx.out << t("ユーザー ", "added user ") << terminalSafe(user.name)
            << t(" を追加しました (役割: ", " (role: ") << userRoleName(user.role);
    if (!user.products.empty()) {
        ctx.out << t("、製品: ", "; products: ") << terminalSafe(joinedIds(user.products));
    }
    ctx.out << ")\n";
    return kExitOk;
}

int set(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "users set NAME --role viewer|triager|admin [--product P]...");
    const Lang t = langOf(opt);
    const UserRole role = roleOption(opt, "set");
    const std::string actor = actorOf(opt);
    auto store = storeFor(ctx);
    const User user =
        setUserRole(*store, opt.positional()[0], role, opt.all("product"), actor, unixNow());
    ctx.out << t("ユーザー ", "user ") << terminalSafe(user.name) << t(" の役割: ", " is now ")
            << userRoleName(user.role);
    if (!user.products.empty()) {
        ctx.out << t("、製品: ", "; products: ") << terminalSafe(joinedIds(user.products));
    }
    ctx.out << "\n";
    return kExitOk;
}

int passwd(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "users passwd NAME");
    const Lang t = langOf(opt);
    const std::string actor = actorOf(opt);
    auto store = storeFor(ctx);
    const auto user = findUser(*store, opt.positional()[0]);
    if (!user || user->disabled) { // before asking for a password that cannot be set
        throw UserError("no user named '" + terminalSafe(opt.positional()[0]) + "'",
                        "ユーザー '" + terminalSafe(opt.positional()[0]) +
                            "' は登録されていません");
    }
    std::string password = readPassword(ctx, opt, t);
    setPassword(*store, user->name, password, actor, unixNow());
    wipe(password);
    ctx.out << t("ユーザー ", "changed the password of ") << terminalSafe(user->name)
            << t(" のパスワードを変更しました (ログイン中のセッションは終了しました)\n",
                 " (their sessions were ended)\n");
    return kExitOk;
}

int removeCmd(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "users remove NAME");
    const Lang t = langOf(opt);
    const std::string actor = actorOf(opt);
    auto store = storeFor(ctx);
    const auto user = findUser(*store, opt.positional()[0]);
    removeUser(*store, opt.positional()[0], actor, unixNow());
    ctx.out << t("ユーザー ", "removed user ")
            << terminalSafe(user ? user->name : opt.positional()[0])
            << t(" を削除しました (セッションを終了し、API トークンを失効させました。監査記録のため"
                 "名前は残ります)\n",
                 " (sessions ended, API tokens revoked; the name stays for the audit trail)\n");
    return kExitOk;
}

std::string timeOrDash(std::int64_t t) {
    return t == 0 ? "-" : formatTime(t);
}

void timeOrNull(JsonWriter& w, const char* key, std::int64_t t) {
    w.key(key);
    if (t == 0) {
        w.null();
    } else {
        w.value(formatTime(t));
    }
}

int list(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --json, --all and --lang");
    const Lang t = langOf(opt);
    const bool all = opt.has("all");
    auto store = storeFor(ctx);
    const std::vector<User> users = listUsers(*store, all);
    const std::vector<ApiTokenInfo> tokens = listApiTokens(*store, "", all);
    auto tokensOf = [&](const std::string& name) {
        std::vector<ApiTokenInfo> out;
        for (const ApiTokenInfo& token : tokens) {
            if (token.user == name) {
                out.push_back(token);
            }
        }
        return out;
    };
    if (opt.has("json")) {
        JsonWriter w;
        w.beginObject().key("users").beginArray();
        for (const User& user : users) {
            w.beginObject().key("name").value(user.name);
            w.key("role").value(userRoleName(user.role));
            w.key("products").stringArray(user.products);
            timeOrNull(w, "created_at", user.createdAt);
            timeOrNull(w, "password_set_at", user.passwordSetAt);
            w.key("disabled").value(user.disabled);
            timeOrNull(w, "disabled_at", user.disabledAt);
            w.key("tokens").beginArray();
            for (const ApiTokenInfo& token : tokensOf(user.name)) {
                w.beginObject().key("id").value(static_cast<long long>(token.id));
                w.key("label").value(token.label);
                timeOrNull(w, "created_at", token.createdAt);
                timeOrNull(w, "last_used", token.lastUsed);
                timeOrNull(w, "revoked_at", token.revokedAt);
                w.endObject();
            }
            w.endArray().endObject();
        }
        w.endArray().endObject();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    if (users.empty()) {
        ctx.out << t("ユーザーは登録されていません (vulnwatch users add NAME --role ROLE)\n",
                     "no users (vulnwatch users add NAME --role ROLE)\n");
        return kExitOk;
    }
    for (const User& user : users) {
        ctx.out << terminalSafe(user.name) << "  " << userRoleName(user.role);
        if (user.disabled) {
            ctx.out << t("  削除済み ", "  removed ") << timeOrDash(user.disabledAt);
        }
        ctx.out << "\n";
        if (!user.products.empty()) {
            ctx.out << t("  製品: ", "  products: ") << terminalSafe(joinedIds(user.products))
                    << "\n";
        }
        ctx.out << t("  登録: ", "  created: ") << timeOrDash(user.createdAt)
                << t("  パスワード設定: ", "  password set: ") << timeOrDash(user.passwordSetAt)
                << "\n";
        for (const ApiTokenInfo& token : tokensOf(user.name)) {
            ctx.out << t("  API トークン ", "  API token ") << token.id;
            if (!token.label.empty()) {
                ctx.out << " (" << terminalSafe(token.label) << ")";
            }
            ctx.out << t("  作成: ", "  created: ") << timeOrDash(token.createdAt)
                    << t("  最終使用: ", "  last used: ") << timeOrDash(token.lastUsed);
            if (token.revokedAt != 0) {
                ctx.out << t("  失効: ", "  revoked: ") << timeOrDash(token.revokedAt);
            }
            ctx.out << "\n";
        }
    }
    return kExitOk;
}

int token(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "users token NAME [--label L]");
    const Lang t = langOf(opt);
    const std::string actor = actorOf(opt);
    auto store = storeFor(ctx);
    const NewApiToken issued =
        issueApiToken(*store, opt.positional()[0], opt.get("label"), actor, unixNow());
    // The token alone on standard output (TOKEN=$(vulnwatch users token NAME)); the note on
    // standard error.
    ctx.out << issued.token << "\n" << std::flush;
    ctx.err << t("API トークン ", "API token ") << issued.id
            << t(" を作成しました。この値は二度と表示されません。失効: vulnwatch users "
                 "revoke-token ",
                 " created. It is shown only now; to revoke it: vulnwatch users revoke-token ")
            << issued.id << "\n";
    return kExitOk;
}

int revokeToken(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "users revoke-token ID");
    const Lang t = langOf(opt);
    const std::string text = opt.positional()[0];
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        throw UsageError("a token is named by its number (users list shows them), not '" +
                         terminalSafe(text) + "'");
    }
    const std::string actor = actorOf(opt);
    auto store = storeFor(ctx);
    revokeApiToken(*store, std::stoll(text), actor, unixNow());
    ctx.out << t("API トークン ", "revoked API token ") << text << t(" を失効させました\n", "\n");
    return kExitOk;
}

} // namespace

int cmdUsers(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::string sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    const bool english = [&] {
        for (std::size_t i = 0; i < rest.size(); ++i) {
            if (rest[i] == "--lang=en" ||
                (rest[i] == "--lang" && i + 1 < rest.size() && rest[i + 1] == "en")) {
                return true;
            }
        }
        return false;
    }();
    try {
        if (sub == "add") {
            return add(ctx, Options(rest, {{"role", true},
                                           {"product", true},
                                           {"password-file", true},
                                           {"by", true},
                                           {"lang", true}}));
        }
        if (sub == "set") {
            return set(
                ctx,
                Options(rest, {{"role", true}, {"product", true}, {"by", true}, {"lang", true}}));
        }
        if (sub == "passwd") {
            return passwd(ctx,
                          Options(rest, {{"password-file", true}, {"by", true}, {"lang", true}}));
        }
        if (sub == "remove") {
            return removeCmd(ctx, Options(rest, {{"by", true}, {"lang", true}}));
        }
        if (sub == "list") {
            return list(ctx, Options(rest, {{"json", false}, {"all", false}, {"lang", true}}));
        }
        if (sub == "token") {
            return token(ctx, Options(rest, {{"label", true}, {"by", true}, {"lang", true}}));
        }
        if (sub == "revoke-token") {
            return revokeToken(ctx, Options(rest, {{"by", true}, {"lang", true}}));
        }
    } catch (const UserError& e) {
        ctx.err << "vulnwatch: " << (english ? std::string(e.what()) : e.japanese()) << "\n";
        return kExitFailure;
    }
    throw UsageError(kUsage);
}

} // namespace vw::cli
