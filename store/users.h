// Users of the web page and the REST API (issue 13 part 3; schema migration webUsers): local
// accounts with a role, Argon2id password hashes (libsodium), the products a triager owns, login
// sessions and API tokens. Secrets (session tokens, API tokens) are random (libsodium's
// randombytes_buf), shown once, and stored only as their SHA-256. Every change of a user or a
// token is an audit event (kind "user") naming who made it and never carrying a secret;
// sessions are not (logins and logouts are for the web server to record, with the request).
// Names and passwords follow core/credentials.h; user-visible rules: docs/web.md "Users".
//
// Writes run in the caller's transaction when one is open (as a savepoint), else in their own
// (BEGIN IMMEDIATE). Password hashing (~25 ms, 19 MiB) happens before the write lock is taken.
// A checkPassword (one Argon2id verification) also holds 19 MiB while it runs. Thread-safe as
// far as the Store passed in is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

class Store;

enum class UserRole { Viewer, Triager, Admin };
/// "viewer", "triager", "admin".
std::string_view userRoleName(UserRole role);
std::optional<UserRole> parseUserRole(std::string_view text);

struct User {
    std::string name; // as stored (NFKC: normalizeUserName)
    UserRole role = UserRole::Viewer;
    std::vector<std::string> products; // a triager's products (by product name), sorted
    std::int64_t createdAt = 0;
    std::int64_t passwordSetAt = 0; // when the password was last set
    bool disabled = false;
    std::int64_t disabledAt = 0; // when removed (0 while enabled)
};

/// A refused user operation (unknown user, name taken, weak password, …): what() says why in
/// English, japanese() in Japanese (what() again when no Japanese text was given).
class UserError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    UserError(const std::string& english, std::string japanese)
        : std::runtime_error(english), japanese_(std::move(japanese)) {}
    std::string japanese() const { return japanese_.empty() ? std::string(what()) : japanese_; }

private:
    std::string japanese_;
};

/// Adds a user; `password` is hashed with Argon2id (crypto_pwhash_str with libsodium's
/// OWASP's Argon2id configuration: 2 passes over 19 MiB). Names (core/credentials.h): stored NFKC,
/// 1–64 characters, letters (any script), digits, '.', '_', '-', '@', not starting with '-'; unique
/// ignoring case and width. Passwords: NFC, at least 12 characters, no control characters, not
/// the name. `products` (registered product names) only for a triager; each must be registered.
/// A removed user's name may be added again (the same account, enabled with the new role,
/// password and products; the audit trail keeps both). `actor` is who did it (for the audit
/// event). Throws UserError saying what is wrong.
User addUser(Store& store, const std::string& name, UserRole role, const std::string& password,
             const std::vector<std::string>& products, const std::string& actor, std::int64_t now);
/// Gives an enabled user a new role and products (replacing both; the rules of addUser). Their
/// sessions and tokens stay: every request reads the user again, so the change applies at once.
User setUserRole(Store& store, const std::string& name, UserRole role,
                 const std::vector<std::string>& products, const std::string& actor,
                 std::int64_t now);
/// Sets an enabled user's password (same rules as addUser) and ends their sessions.
void setPassword(Store& store, const std::string& name, const std::string& password,
                 const std::string& actor, std::int64_t now);
/// Disables the user (kept for the audit trail), forgets the password hash, ends their sessions
/// and revokes their tokens. Throws UserError for an unknown or already removed user.
void removeUser(Store& store, const std::string& name, const std::string& actor, std::int64_t now);
/// The users by name, removed ones only when `includeDisabled`.
std::vector<User> listUsers(Store& store, bool includeDisabled = false);
/// The user called `name` (any case or width), removed or not (see User::disabled).
std::optional<User> findUser(Store& store, const std::string& name);

/// Checks a password: the user when it is right and the user is enabled, nullopt otherwise.
/// An unknown or removed user costs one Argon2id verification too (against a fixed hash with
/// the same limits), so the answer's timing does not tell which users exist.
std::optional<User> checkPassword(Store& store, const std::string& name,
                                  const std::string& password);
/// How many Argon2id verifications this process has run (every checkPassword runs exactly
/// one): lets tests show that refusals cost the same work as a login.
std::uint64_t passwordVerifications();

/// A new login session: a random token (the cookie's value, 32 random bytes as 43 base64url
/// characters) and a CSRF token for the forms (the same form); lives `ttlSeconds`. Deletes the
/// expired sessions of every user first. Throws UserError for an unknown or removed user.
struct NewSession {
    std::string token;
    std::string csrf;
    std::int64_t expiresAt = 0;
};
NewSession createSession(Store& store, const std::string& user, std::int64_t now,
                         std::int64_t ttlSeconds);
struct SessionInfo {
    User user;
    std::string csrf;
    std::int64_t expiresAt = 0;
};
/// The session of a cookie token, when it exists, has not expired and its user is enabled.
std::optional<SessionInfo> sessionFor(Store& store, const std::string& token, std::int64_t now);
/// Ends the session of a cookie token (nothing happens when there is none).
void endSession(Store& store, const std::string& token);
/// Ends every session of `user` (after a password change, for instance); returns how many.
int endSessionsOf(Store& store, const std::string& user);
/// Does `given` equal `expected` (a session's CSRF token)? Constant time in the contents
/// (sodium_memcmp); false when the lengths differ or either is empty.
bool sameSecret(std::string_view given, std::string_view expected);

/// A new API token for `user` (shown once: "vw_" + 40 random base64url characters, 240 bits).
/// `label` (≤ 100 characters, no control characters) says what it is for. Throws UserError for
/// an unknown or removed user or a bad label.
std::string createApiToken(Store& store, const std::string& user, const std::string& label,
                           const std::string& actor, std::int64_t now);
/// As createApiToken, with the token's id (for revokeApiToken and the listings).
struct NewApiToken {
    std::int64_t id = 0;
    std::string token;
};
NewApiToken issueApiToken(Store& store, const std::string& user, const std::string& label,
                          const std::string& actor, std::int64_t now);
/// The user of a bearer token, when the token exists, is not revoked and its user is enabled;
/// records its last use (to the minute: at most one write per token and minute).
std::optional<User> userForApiToken(Store& store, const std::string& token, std::int64_t now);
/// Revokes a token by id. Throws UserError when there is no such token or it is revoked already.
void revokeApiToken(Store& store, std::int64_t id, const std::string& actor, std::int64_t now);
/// An API token as listed (never the token itself).
struct ApiTokenInfo {
    std::int64_t id = 0;
    std::string user;
    std::string label;
    std::int64_t createdAt = 0;
    std::int64_t lastUsed = 0;  // 0: never
    std::int64_t revokedAt = 0; // 0: valid
};
/// The tokens of `user` ("" for everyone's), by id; revoked ones only when `includeRevoked`.
std::vector<ApiTokenInfo> listApiTokens(Store& store, const std::string& user = "",
                                        bool includeRevoked = false);

/// May `user` change cases of `product`? Admins: all; triagers: their products; viewers: none;
/// a removed user: none.
bool mayTriage(const User& user, const std::string& product);

} // namespace vw
