#include "store/users.h"

#include "core/credentials.h"
#include "core/fold.h"
#include "core/text.h"
#include "store/store.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <sodium.h>
#include <sqlite3.h>

namespace vw {
namespace {

/// Argon2id with 2 passes over 19 MiB (m=19456 KiB, t=2, p=1): OWASP's recommended
/// configuration for Argon2id, about 25 ms on the 2-core test machine (docs/web.md "Users" has
/// the measurement). libsodium's INTERACTIVE limits (64 MiB) would take `serve` above its 48 MB
/// memory budget while a login is checked; MODERATE (256 MiB, ~0.5 s) far above it.
constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19456u * 1024u;

/// What an unknown or removed user's password is checked against, so that refusing them costs
/// what refusing a wrong password costs. The hash of 32 random bytes no one kept, made with the
/// limits above (a unit test checks that they still match).
constexpr const char* kDummyHash = "$argon2id$v=19$m=19456,t=2,p=1$irEeIPhg5bZpnYyPDge9Xg$"
                                   "ffd0HeElhgqvgXl2o3YzUd4MU0WHeazsnGGHg9ay07k";

constexpr std::size_t kSessionTokenBytes = 32; // 43 base64url characters
constexpr std::size_t kApiTokenBytes = 30;     // 40 base64url characters
constexpr std::string_view kApiTokenPrefix = "vw_";
constexpr std::size_t kMaxLabelChars = 100;
/// userForApiToken writes last_used at most this often per token.
constexpr std::int64_t kLastUsedResolution = 60;

std::atomic<std::uint64_t> g_verifications{0};

void ensureSodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) {
        throw std::runtime_error("libsodium could not be initialized (sodium_init failed)");
    }
}

/// The hash a password is checked against: the user's, or the dummy one. The dummy must have
/// the limits new hashes get, or refusing an unknown user would take another time than
/// refusing a wrong password; checked once (a changed kOpsLimit/kMemLimit without a new
/// kDummyHash fails every check loudly instead of leaking quietly).
const char* dummyHash() {
    static const bool current =
        crypto_pwhash_str_needs_rehash(kDummyHash, kOpsLimit, kMemLimit) == 0;
    if (!current) {
        throw std::logic_error("store/users.cpp: kDummyHash was not made with kOpsLimit and "
                               "kMemLimit; make a new one");
    }
    return kDummyHash;
}

/// Rewinds a cached statement when the scope ends, so the next user finds it fresh.
class Reset {
public:
    explicit Reset(Statement& statement) : statement_(statement) {}
    ~Reset() {
        statement_.reset();
        statement_.clearBindings();
    }
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;

private:
    Statement& statement_;
};

/// A write: its own BEGIN IMMEDIATE … COMMIT, or a savepoint inside the caller's transaction.
/// Rolled back when destroyed without commit().
class WriteScope {
public:
    explicit WriteScope(Store& store) : db_(store.db()), nested_(store.db().inTransaction()) {
        if (nested_) {
            db_.exec("SAVEPOINT vw_users");
        } else {
            db_.beginWrite();
        }
    }
    ~WriteScope() {
        if (done_) {
            return;
        }
        if (nested_) {
            db_.execQuietly("ROLLBACK TO vw_users; RELEASE vw_users");
        } else if (db_.inTransaction()) {
            db_.execQuietly("ROLLBACK");
        }
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;
    void commit() {
        db_.exec(nested_ ? "RELEASE vw_users" : "COMMIT");
        done_ = true;
    }

private:
    Database& db_;
    bool nested_;
    bool done_ = false;
};

std::string randomBase64Url(std::size_t bytes) {
    ensureSodium();
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    const std::size_t size =
        sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    std::string out(size, '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                      raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw.data(), raw.size());
    out.resize(size - 1); // the terminating NUL
    return out;
}

/// SHA-256 of a secret as 64 lower-case hex digits: what the tables keep instead of it.
std::string secretHash(std::string_view secret) {
    ensureSodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

std::string hashPassword(const std::string& password) {
    ensureSodium();
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password.data(), password.size(), kOpsLimit, kMemLimit) != 0) {
        // The only cause libsodium knows: the memory could not be allocated.
        throw std::runtime_error("Argon2id hashing failed: 19 MiB could not be allocated");
    }
    return hash;
}

bool verifyPassword(const std::string& hash, const std::string& password) {
    ensureSodium();
    ++g_verifications;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

/// A user's row as read by key, with the stored hash.
struct UserRow {
    User user;
    std::string passwordHash;
};

std::vector<std::string> productsOf(Store& store, const std::string& name) {
    Statement& q =
        store.cachedStatement("SELECT product FROM user_product WHERE user = ?1 ORDER BY product");
    Reset reset(q);
    q.bind(1, name);
    std::vector<std::string> products;
    while (q.step()) {
        products.push_back(q.text(0));
    }
    return products;
}

/// The user whose name (any case or width) is `name`.
std::optional<UserRow> userRow(Store& store, const std::string& name) {
    if (name.empty() || name.size() > 1024) {
        return std::nullopt;
    }
    std::optional<UserRow> row;
    {
        Statement& q = store.cachedStatement(
            "SELECT name, role, created_at, password_set_at, disabled_at, password_hash "
            "FROM app_user WHERE name_key = ?1");
        Reset reset(q);
        q.bind(1, userNameKey(normalizeUserName(name)));
        if (!q.step()) {
            return std::nullopt;
        }
        row.emplace();
        row->user.name = q.text(0);
        row->user.role = parseUserRole(q.text(1)).value_or(UserRole::Viewer);
        row->user.createdAt = q.integer(2);
        row->user.passwordSetAt = q.integer(3);
        row->user.disabled = !q.isNull(4);
        row->user.disabledAt = row->user.disabled ? q.integer(4) : 0;
        row->passwordHash = q.text(5);
    }
    row->user.products = productsOf(store, row->user.name);
    return row;
}

/// The enabled user called `name`; UserError otherwise.
User enabledUser(Store& store, const std::string& name) {
    const auto row = userRow(store, name);
    if (!row) {
        throw UserError("no user named '" + name + "'",
                        "ユーザー '" + name + "' は登録されていません");
    }
    if (row->user.disabled) {
        throw UserError("user '" + row->user.name + "' has been removed",
                        "ユーザー '" + row->user.name + "' は削除されています");
    }
    return row->user;
}

void requireActor(const std::string& actor) {
    if (actor.empty()) {
        throw UserError("who makes the change is not known (empty actor)",
                        "変更者が不明です (actor が空です)");
    }
}

void throwProblem(const std::optional<CredentialProblem>& problem) {
    if (problem) {
        throw UserError(problem->english, problem->japanese);
    }
}

/// The audit event of a change of user `name` (never a password or a token).
std::int64_t audit(Store& store, const std::string& name, const std::string& actor,
                   std::int64_t now, const std::string& text,
                   std::vector<std::pair<std::string, std::string>> details) {
    AuditEvent event;
    event.kind = "user";
    event.at = now;
    event.actor = actor;
    event.text = text;
    event.subjects = {"user:" + name};
    event.details = std::move(details);
    return store.appendEvent(event);
}

/// The products a triager is given: each registered and not removed, each once, sorted.
std::vector<std::string> checkedProducts(Store& store, const std::vector<std::string>& products) {
    std::vector<std::string> out = products;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    Statement& q = store.cachedStatement("SELECT removed_at FROM product WHERE name = ?1");
    for (const std::string& product : out) {
        Reset reset(q);
        q.bind(1, product);
        if (!q.step()) {
            throw UserError("no product named '" + product +
                                "' is registered (see vulnwatch products list)",
                            "製品 '" + product +
                                "' は登録されていません (vulnwatch products list で確認できます)");
        }
        if (!q.isNull(0)) {
            throw UserError("product '" + product + "' has been removed",
                            "製品 '" + product + "' は削除されています");
        }
    }
    return out;
}

int deleteSessions(Store& store, const std::string& user) {
    Statement& q = store.cachedStatement("DELETE FROM web_session WHERE user = ?1");
    Reset reset(q);
    q.bind(1, user).run();
    return store.db().changes();
}

} // namespace

std::string_view userRoleName(UserRole role) {
    switch (role) {
    case UserRole::Viewer:
        return "viewer";
    case UserRole::Triager:
        return "triager";
    case UserRole::Admin:
        return "admin";
    }
    return "viewer";
}

std::optional<UserRole> parseUserRole(std::string_view text) {
    for (UserRole role : {UserRole::Viewer, UserRole::Triager, UserRole::Admin}) {
        if (text == userRoleName(role)) {
            return role;
        }
    }
    return std::nullopt;
}

User addUser(Store& store, const std::string& nameIn, UserRole role, const std::string& passwordIn,
             const std::vector<std::string>& products, const std::string& actor, std::int64_t now) {
    requireActor(actor);
    const std::string name = normalizeUserName(nameIn);
    throwProblem(userNameProblem(name));
    std::string password = normalizePassword(passwordIn);
    throwProblem(passwordProblem(password, name));
    if (!products.empty() && role != UserRole::Triager) {
        throw UserError("only a triager is given products (--product); a " +
                            std::string(userRoleName(role)) + " is not",
                        "製品 (--product) を割り当てられるのは triager だけです");
    }
    // Hashing takes a tenth of a second: before the write lock, not under it.
    const std::string hash = hashPassword(password);
    sodium_memzero(password.data(), password.size());

    WriteScope scope(store);
    const std::vector<std::string> owned = checkedProducts(store, products);
    const auto existing = userRow(store, name);
    std::string stored = name;
    std::string text;
    if (existing && !existing->user.disabled) {
        throw UserError("user '" + existing->user.name + "' exists already",
                        "ユーザー '" + existing->user.name + "' はすでに登録されています");
    }
    if (existing) {
        // A removed user added again: the same account (the audit trail names it), enabled.
        stored = existing->user.name;
        Statement& q = store.cachedStatement(
            "UPDATE app_user SET role = ?2, password_hash = ?3, password_set_at = ?4, "
            "disabled_at = NULL WHERE name = ?1");
        Reset reset(q);
        q.bind(1, stored).bind(2, userRoleName(role)).bind(3, hash).bind(4, now).run();
        Statement& clear = store.cachedStatement("DELETE FROM user_product WHERE user = ?1");
        Reset resetClear(clear);
        clear.bind(1, stored).run();
        text = "user " + stored + " added again as " + std::string(userRoleName(role));
    } else {
        Statement& q = store.cachedStatement(
            "INSERT INTO app_user (name, name_key, role, password_hash, created_at, "
            "password_set_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
        Reset reset(q);
        q.bind(1, name).bind(2, userNameKey(name)).bind(3, userRoleName(role)).bind(4, hash);
        q.bind(5, now).run();
        text = "user " + stored + " added as " + std::string(userRoleName(role));
    }
    {
        Statement& q =
            store.cachedStatement("INSERT INTO user_product (user, product) VALUES (?1, ?2)");
        for (const std::string& product : owned) {
            Reset reset(q);
            q.bind(1, stored).bind(2, product).run();
        }
    }
    std::vector<std::pair<std::string, std::string>> details{
        {"action", existing ? "add-again" : "add"}, {"role", std::string(userRoleName(role))}};
    if (!owned.empty()) {
        details.emplace_back("products", join(owned, ", "));
        text += " (products: " + join(owned, ", ") + ")";
    }
    audit(store, stored, actor, now, text, std::move(details));
    User user = userRow(store, stored)->user;
    scope.commit();
    return user;
}

User setUserRole(Store& store, const std::string& name, UserRole role,
                 const std::vector<std::string>& products, const std::string& actor,
                 std::int64_t now) {
    requireActor(actor);
    if (!products.empty() && role != UserRole::Triager) {
        throw UserError("only a triager is given products (--product); a " +
                            std::string(userRoleName(role)) + " is not",
                        "製品 (--product) を割り当てられるのは triager だけです");
    }
    WriteScope scope(store);
    const User user = enabledUser(store, name);
    const std::vector<std::string> owned = checkedProducts(store, products);
    {
        Statement& q = store.cachedStatement("UPDATE app_user SET role = ?2 WHERE name = ?1");
        Reset reset(q);
        q.bind(1, user.name).bind(2, userRoleName(role)).run();
    }
    {
        Statement& q = store.cachedStatement("DELETE FROM user_product WHERE user = ?1");
        Reset reset(q);
        q.bind(1, user.name).run();
    }
    {
        Statement& q =
            store.cachedStatement("INSERT INTO user_product (user, product) VALUES (?1, ?2)");
        for (const std::string& product : owned) {
            Reset reset(q);
            q.bind(1, user.name).bind(2, product).run();
        }
    }
    std::string text = "user " + user.name + " is now " + std::string(userRoleName(role));
    std::vector<std::pair<std::string, std::string>> details{
        {"action", "set"},
        {"role", std::string(userRoleName(role))},
        {"previous_role", std::string(userRoleName(user.role))}};
    if (!owned.empty()) {
        details.emplace_back("products", join(owned, ", "));
        text += " (products: " + join(owned, ", ") + ")";
    }
    if (!user.products.empty()) {
        details.emplace_back("previous_products", join(user.products, ", "));
    }
    audit(store, user.name, actor, now, text, std::move(details));
    User changed = userRow(store, user.name)->user;
    scope.commit();
    return changed;
}

void setPassword(Store& store, const std::string& name, const std::string& passwordIn,
                 const std::string& actor, std::int64_t now) {
    requireActor(actor);
    const User user = enabledUser(store, name);
    std::string password = normalizePassword(passwordIn);
    throwProblem(passwordProblem(password, user.name));
    const std::string hash = hashPassword(password);
    sodium_memzero(password.data(), password.size());

    WriteScope scope(store);
    const User current = enabledUser(store, user.name); // not removed meanwhile
    {
        Statement& q = store.cachedStatement(
            "UPDATE app_user SET password_hash = ?2, password_set_at = ?3 WHERE name = ?1");
        Reset reset(q);
        q.bind(1, current.name).bind(2, hash).bind(3, now).run();
    }
    const int ended = deleteSessions(store, current.name);
    audit(store, current.name, actor, now,
          "password of user " + current.name + " changed (" + std::to_string(ended) +
              " sessions ended)",
          {{"action", "passwd"}, {"sessions_ended", std::to_string(ended)}});
    scope.commit();
}

void removeUser(Store& store, const std::string& name, const std::string& actor, std::int64_t now) {
    requireActor(actor);
    WriteScope scope(store);
    const User user = enabledUser(store, name);
    {
        Statement& q = store.cachedStatement(
            "UPDATE app_user SET disabled_at = ?2, password_hash = '' WHERE name = ?1");
        Reset reset(q);
        q.bind(1, user.name).bind(2, now).run();
    }
    const int ended = deleteSessions(store, user.name);
    int revoked = 0;
    {
        Statement& q = store.cachedStatement(
            "UPDATE api_token SET revoked_at = ?2 WHERE user = ?1 AND revoked_at IS NULL");
        Reset reset(q);
        q.bind(1, user.name).bind(2, now).run();
        revoked = store.db().changes();
    }
    audit(store, user.name, actor, now,
          "user " + user.name + " removed (" + std::to_string(ended) + " sessions ended, " +
              std::to_string(revoked) + " API tokens revoked)",
          {{"action", "remove"},
           {"sessions_ended", std::to_string(ended)},
           {"tokens_revoked", std::to_string(revoked)}});
    scope.commit();
}

std::vector<User> listUsers(Store& store, bool includeDisabled) {
    Store::ReadTransaction read(store);
    std::map<std::string, std::vector<std::string>> products;
    {
        Statement& q =
            store.cachedStatement("SELECT user, product FROM user_product ORDER BY user, product");
        Reset reset(q);
        while (q.step()) {
            products[q.text(0)].push_back(q.text(1));
        }
    }
    Statement& q = store.cachedStatement(
        "SELECT name, role, created_at, password_set_at, disabled_at FROM app_user "
        "ORDER BY name_key, name");
    Reset reset(q);
    std::vector<User> users;
    while (q.step()) {
        User user;
        user.name = q.text(0);
        user.role = parseUserRole(q.text(1)).value_or(UserRole::Viewer);
        user.createdAt = q.integer(2);
        user.passwordSetAt = q.integer(3);
        user.disabled = !q.isNull(4);
        user.disabledAt = user.disabled ? q.integer(4) : 0;
        if (user.disabled && !includeDisabled) {
            continue;
        }
        if (auto it = products.find(user.name); it != products.end()) {
            user.products = it->second;
        }
        users.push_back(std::move(user));
    }
    return users;
}

std::optional<User> findUser(Store& store, const std::string& name) {
    auto row = userRow(store, name);
    if (!row) {
        return std::nullopt;
    }
    return std::move(row->user);
}

std::optional<User> checkPassword(Store& store, const std::string& name,
                                  const std::string& passwordIn) {
    auto row = userRow(store, name);
    const bool usable = row && !row->user.disabled && !row->passwordHash.empty();
    std::string password = passwordIn.size() <= 4 * kMaxPasswordBytes
                               ? normalizePassword(passwordIn)
                               : std::string(); // verified anyway, never right
    ensureSodium();
    const bool right = verifyPassword(usable ? row->passwordHash : dummyHash(), password);
    sodium_memzero(password.data(), password.size());
    if (!usable || !right || passwordIn.size() > 4 * kMaxPasswordBytes) {
        return std::nullopt;
    }
    return std::move(row->user);
}

std::uint64_t passwordVerifications() {
    return g_verifications.load();
}

NewSession createSession(Store& store, const std::string& user, std::int64_t now,
                         std::int64_t ttlSeconds) {
    if (ttlSeconds <= 0) {
        throw UserError("a session must last a positive number of seconds",
                        "セッションの有効期間は正の秒数でなければなりません");
    }
    NewSession session;
    session.token = randomBase64Url(kSessionTokenBytes);
    session.csrf = randomBase64Url(kSessionTokenBytes);
    session.expiresAt = now + ttlSeconds;
    WriteScope scope(store);
    const User owner = enabledUser(store, user);
    {
        Statement& q = store.cachedStatement("DELETE FROM web_session WHERE expires_at <= ?1");
        Reset reset(q);
        q.bind(1, now).run();
    }
    Statement& q = store.cachedStatement(
        "INSERT INTO web_session (token_hash, user, csrf, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    Reset reset(q);
    q.bind(1, secretHash(session.token)).bind(2, owner.name).bind(3, session.csrf);
    q.bind(4, now).bind(5, session.expiresAt).run();
    scope.commit();
    return session;
}

std::optional<SessionInfo> sessionFor(Store& store, const std::string& token, std::int64_t now) {
    if (token.size() !=
        sodium_base64_ENCODED_LEN(kSessionTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING) -
            1) {
        return std::nullopt;
    }
    Store::ReadTransaction read(store);
    SessionInfo info;
    std::string name;
    {
        Statement& q = store.cachedStatement("SELECT user, csrf, expires_at FROM web_session "
                                             "WHERE token_hash = ?1 AND expires_at > ?2");
        Reset reset(q);
        q.bind(1, secretHash(token)).bind(2, now);
        if (!q.step()) {
            return std::nullopt;
        }
        name = q.text(0);
        info.csrf = q.text(1);
        info.expiresAt = q.integer(2);
    }
    auto row = userRow(store, name);
    if (!row || row->user.disabled) {
        return std::nullopt;
    }
    info.user = std::move(row->user);
    return info;
}

void endSession(Store& store, const std::string& token) {
    Statement& q = store.cachedStatement("DELETE FROM web_session WHERE token_hash = ?1");
    Reset reset(q);
    q.bind(1, secretHash(token)).run();
}

int endSessionsOf(Store& store, const std::string& user) {
    const auto row = userRow(store, user);
    return row ? deleteSessions(store, row->user.name) : 0;
}

bool sameSecret(std::string_view given, std::string_view expected) {
    if (given.empty() || given.size() != expected.size()) {
        return false;
    }
    ensureSodium();
    return sodium_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::string createApiToken(Store& store, const std::string& user, const std::string& label,
                           const std::string& actor, std::int64_t now) {
    return issueApiToken(store, user, label, actor, now).token;
}

NewApiToken issueApiToken(Store& store, const std::string& user, const std::string& label,
                          const std::string& actor, std::int64_t now) {
    requireActor(actor);
    if (!isWellFormedUtf8(label) || label.size() > 4 * kMaxLabelChars ||
        std::any_of(label.begin(), label.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        throw UserError("a token label is at most 100 characters of UTF-8 text without control "
                        "characters",
                        "トークンのラベルは制御文字を含まない UTF-8 の 100 文字以内です");
    }
    std::size_t chars = 0;
    for (char c : label) {
        chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    if (chars > kMaxLabelChars) {
        throw UserError("a token label is at most 100 characters, not " + std::to_string(chars),
                        "トークンのラベルは 100 文字以内です (" + std::to_string(chars) +
                            " 文字あります)");
    }
    NewApiToken issued;
    issued.token = std::string(kApiTokenPrefix) + randomBase64Url(kApiTokenBytes);
    WriteScope scope(store);
    const User owner = enabledUser(store, user);
    {
        Statement& q = store.cachedStatement(
            "INSERT INTO api_token (user, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)");
        Reset reset(q);
        q.bind(1, owner.name).bind(2, label).bind(3, secretHash(issued.token)).bind(4, now).run();
        issued.id = store.db().lastInsertId();
    }
    std::vector<std::pair<std::string, std::string>> details{
        {"action", "token-create"}, {"token_id", std::to_string(issued.id)}};
    if (!label.empty()) {
        details.emplace_back("label", label);
    }
    audit(store, owner.name, actor, now,
          "API token " + std::to_string(issued.id) + " created for user " + owner.name,
          std::move(details));
    scope.commit();
    return issued;
}

std::optional<User> userForApiToken(Store& store, const std::string& token, std::int64_t now) {
    const std::size_t size =
        kApiTokenPrefix.size() +
        sodium_base64_ENCODED_LEN(kApiTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1;
    if (token.size() != size || token.compare(0, kApiTokenPrefix.size(), kApiTokenPrefix) != 0) {
        return std::nullopt;
    }
    std::int64_t id = 0;
    std::int64_t lastUsed = 0;
    std::optional<UserRow> row;
    {
        Store::ReadTransaction read(store);
        std::string name;
        {
            Statement& q = store.cachedStatement("SELECT id, user, last_used FROM api_token "
                                                 "WHERE token_hash = ?1 AND revoked_at IS NULL");
            Reset reset(q);
            q.bind(1, secretHash(token));
            if (!q.step()) {
                return std::nullopt;
            }
            id = q.integer(0);
            name = q.text(1);
            lastUsed = q.integer(2);
        }
        row = userRow(store, name);
    }
    if (!row || row->user.disabled) {
        return std::nullopt;
    }
    if (now - lastUsed >= kLastUsedResolution) {
        Statement& q = store.cachedStatement("UPDATE api_token SET last_used = ?2 WHERE id = ?1");
        Reset reset(q);
        q.bind(1, id).bind(2, now).run();
    }
    return std::move(row->user);
}

void revokeApiToken(Store& store, std::int64_t id, const std::string& actor, std::int64_t now) {
    requireActor(actor);
    WriteScope scope(store);
    std::string user;
    {
        Statement& q =
            store.cachedStatement("SELECT user, revoked_at FROM api_token WHERE id = ?1");
        Reset reset(q);
        q.bind(1, id);
        if (!q.step()) {
            throw UserError("no API token has the id " + std::to_string(id),
                            "ID " + std::to_string(id) + " の API トークンはありません");
        }
        if (!q.isNull(1)) {
            throw UserError("API token " + std::to_string(id) + " is revoked already",
                            "API トークン " + std::to_string(id) + " はすでに失効しています");
        }
        user = q.text(0);
    }
    {
        Statement& q = store.cachedStatement("UPDATE api_token SET revoked_at = ?2 WHERE id = ?1");
        Reset reset(q);
        q.bind(1, id).bind(2, now).run();
    }
    audit(store, user, actor, now,
          "API token " + std::to_string(id) + " of user " + user + " revoked",
          {{"action", "token-revoke"}, {"token_id", std::to_string(id)}});
    scope.commit();
}

std::vector<ApiTokenInfo> listApiTokens(Store& store, const std::string& user,
                                        bool includeRevoked) {
    std::string name;
    if (!user.empty()) {
        const auto row = userRow(store, user);
        if (!row) {
            return {};
        }
        name = row->user.name;
    }
    Statement& q = store.cachedStatement(
        "SELECT id, user, label, created_at, last_used, revoked_at FROM api_token "
        "WHERE (?1 = '' OR user = ?1) ORDER BY id");
    Reset reset(q);
    q.bind(1, name);
    std::vector<ApiTokenInfo> tokens;
    while (q.step()) {
        ApiTokenInfo info;
        info.id = q.integer(0);
        info.user = q.text(1);
        info.label = q.text(2);
        info.createdAt = q.integer(3);
        info.lastUsed = q.integer(4);
        info.revokedAt = q.isNull(5) ? 0 : q.integer(5);
        if (info.revokedAt != 0 && !includeRevoked) {
            continue;
        }
        tokens.push_back(std::move(info));
    }
    return tokens;
}

bool mayTriage(const User& user, const std::string& product) {
    if (user.disabled) {
        return false;
    }
    switch (user.role) {
    case UserRole::Admin:
        return true;
    case UserRole::Triager:
        return std::binary_search(user.products.begin(), user.products.end(), product);
    case UserRole::Viewer:
        return false;
    }
    return false;
}

} // namespace vw
