// Users of the web page and REST API (issue 13 part 3, store/users.h): Argon2id hashes,
// refusals that cost what a login costs, sessions, API tokens stored hashed, the audit events
// and who may triage what.
#include "helpers/backend.h"
#include "store/audit.h"
#include "store/store.h"
#include "store/users.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sodium.h>
#include <vector>

using namespace vw;

namespace {

const std::string kPassword = "correct horse battery";

std::int64_t count(Store& store, const std::string& sql) {
    Statement q = store.db().prepare(sql);
    REQUIRE(q.step());
    return q.integer(0);
}

std::string storedHash(Store& store, const std::string& name) {
    Statement q = store.db().prepare("SELECT password_hash FROM app_user WHERE name = ?1");
    q.bind(1, name);
    REQUIRE(q.step());
    return q.text(0);
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// On PostgreSQL, what the store's schema holds: every row of every table as text (the
/// counterpart of the SQLite file's bytes).
std::string schemaText(Store& store) {
    std::vector<std::string> tables;
    Statement list = store.db().prepare("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = current_schema() "
                                        "AND table_type = 'BASE TABLE' ORDER BY table_name");
    while (list.step()) {
        tables.push_back(list.text(0));
    }
    std::string text;
    for (const std::string& table : tables) {
        Statement rows = store.db().prepare("SELECT CAST(t AS TEXT) FROM \"" + table + "\" t");
        while (rows.step()) {
            text += rows.text(0) + "\n";
        }
    }
    return text;
}

std::string sha256Hex(const std::string& text) {
    REQUIRE(sodium_init() >= 0);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

void registerProduct(Store& store, const std::string& name) {
    Product product;
    product.name = name;
    product.version = "1.0";
    store.putProduct(product, 10);
}

/// Every audit event as canonical JSON.
std::vector<std::string> auditJson(Store& store) {
    std::vector<std::string> events;
    forEachAuditEvent(store, 0, 0, [&](const AuditRow& row) { events.push_back(row.json); });
    return events;
}

} // namespace

TEST_CASE("users: passwords are stored as Argon2id hashes", "[users]") {
    auto store = Store::inMemory();
    const User user = addUser(*store, "tanaka", UserRole::Admin, kPassword, {}, "root", 100);
    CHECK(user.name == "tanaka");
    CHECK(user.role == UserRole::Admin);
    CHECK(user.createdAt == 100);
    CHECK(user.passwordSetAt == 100);
    CHECK_FALSE(user.disabled);
    const std::string hash = storedHash(*store, "tanaka");
    CHECK(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
    CHECK(hash.find(kPassword) == std::string::npos);
    REQUIRE(sodium_init() >= 0);
    CHECK(crypto_pwhash_str_verify(hash.c_str(), kPassword.data(), kPassword.size()) == 0);
    // The same password twice gives two hashes (a random salt each).
    addUser(*store, "sato", UserRole::Viewer, kPassword, {}, "root", 100);
    CHECK(storedHash(*store, "sato") != hash);
}

TEST_CASE("users: a wrong password is refused after one verification", "[users]") {
    auto store = Store::inMemory();
    addUser(*store, "tanaka", UserRole::Triager, kPassword, {}, "root", 100);
    std::uint64_t before = passwordVerifications();
    const auto ok = checkPassword(*store, "tanaka", kPassword);
    REQUIRE(ok);
    CHECK(ok->name == "tanaka");
    CHECK(ok->role == UserRole::Triager);
    CHECK(passwordVerifications() == before + 1);

    before = passwordVerifications();
    CHECK_FALSE(checkPassword(*store, "tanaka", kPassword + " "));
    CHECK_FALSE(checkPassword(*store, "tanaka", ""));
    CHECK_FALSE(checkPassword(*store, "tanaka", "Correct horse battery"));
    CHECK(passwordVerifications() == before + 3);
}

TEST_CASE("users: an unknown user costs the verification a wrong password costs", "[users]") {
    auto store = Store::inMemory();
    addUser(*store, "tanaka", UserRole::Admin, kPassword, {}, "root", 100);
    const std::uint64_t before = passwordVerifications();
    CHECK_FALSE(checkPassword(*store, "nobody", kPassword));
    CHECK_FALSE(checkPassword(*store, "", kPassword));
    CHECK_FALSE(checkPassword(*store, std::string(5000, 'a'), kPassword));
    CHECK_FALSE(checkPassword(*store, "tanaka", std::string(100000, 'x')));
    CHECK(passwordVerifications() == before + 4);
}

TEST_CASE("users: removed users are refused and lose hash and sessions and tokens", "[users]") {
    auto store = Store::inMemory();
    addUser(*store, "tanaka", UserRole::Admin, kPassword, {}, "root", 100);
    const NewSession session = createSession(*store, "tanaka", 200, 3600);
    const std::string token = createApiToken(*store, "tanaka", "ci", "root", 200);
    REQUIRE(sessionFor(*store, session.token, 300));
    REQUIRE(userForApiToken(*store, token, 300));

    removeUser(*store, "tanaka", "root", 400);
    const std::uint64_t before = passwordVerifications();
    CHECK_FALSE(checkPassword(*store, "tanaka", kPassword));
    CHECK(passwordVerifications() == before + 1);
    CHECK(storedHash(*store, "tanaka").empty());
    CHECK_FALSE(sessionFor(*store, session.token, 500));
    CHECK_FALSE(userForApiToken(*store, token, 500));
    CHECK(count(*store, "SELECT count(*) FROM web_session") == 0);
    CHECK(count(*store, "SELECT count(*) FROM api_token WHERE revoked_at = 400") == 1);

    const auto found = findUser(*store, "tanaka");
    REQUIRE(found);
    CHECK(found->disabled);
    CHECK(found->disabledAt == 400);
    CHECK(listUsers(*store).empty());
    CHECK(listUsers(*store, true).size() == 1);
    CHECK_THROWS_AS(removeUser(*store, "tanaka", "root", 500), UserError);
    CHECK_THROWS_AS(setPassword(*store, "tanaka", kPassword, "root", 500), UserError);
    CHECK_THROWS_AS(createSession(*store, "tanaka", 500, 60), UserError);
    CHECK_THROWS_AS(createApiToken(*store, "tanaka", "", "root", 500), UserError);

    // Added again: the same account, enabled, with the new role and password.
    const User again =
        addUser(*store, "Tanaka", UserRole::Viewer, "another long secret", {}, "root", 600);
    CHECK(again.name == "tanaka");
    CHECK(again.role == UserRole::Viewer);
    CHECK_FALSE(again.disabled);
    CHECK(again.createdAt == 100);
    CHECK(checkPassword(*store, "tanaka", "another long secret"));
    CHECK_FALSE(checkPassword(*store, "tanaka", kPassword));
}

TEST_CASE("users: names are one user whatever their case or width", "[users]") {
    auto store = Store::inMemory();
    addUser(*store, "Tanaka.J", UserRole::Viewer, kPassword, {}, "root", 100);
    CHECK_THROWS_AS(addUser(*store, "tanaka.j", UserRole::Viewer, kPassword, {}, "root", 100),
                    UserError);
    CHECK_THROWS_AS(
        addUser(*store, "ｔａｎａｋａ．ｊ", UserRole::Viewer, kPassword, {}, "root", 100),
        UserError);
    const auto byWidth = checkPassword(*store, "ＴＡＮＡＫＡ.J", kPassword);
    REQUIRE(byWidth);
    CHECK(byWidth->name == "Tanaka.J");
    // Full-width input is stored as ASCII (NFKC); Japanese names are letters.
    CHECK(addUser(*store, "ｓａｔｏ", UserRole::Viewer, kPassword, {}, "root", 100).name == "sato");
    CHECK(addUser(*store, "山田_太郎", UserRole::Viewer, kPassword, {}, "root", 100).name ==
          "山田_太郎");
    CHECK(addUser(*store, "psirt@example.jp", UserRole::Viewer, kPassword, {}, "root", 100).name ==
          "psirt@example.jp");
    std::vector<std::string> names;
    for (const User& user : listUsers(*store)) {
        names.push_back(user.name);
    }
    CHECK(names == std::vector<std::string>{"psirt@example.jp", "sato", "Tanaka.J", "山田_太郎"});
}

TEST_CASE("users: bad names and weak passwords are refused with the reason", "[users]") {
    auto store = Store::inMemory();
    auto refusal = [&](const std::string& name, const std::string& password) {
        try {
            addUser(*store, name, UserRole::Viewer, password, {}, "root", 100);
        } catch (const UserError& e) {
            return std::string(e.what()) + " | " + e.japanese();
        }
        return std::string("accepted");
    };
    CHECK_THAT(refusal("", kPassword), Catch::Contains("empty"));
    CHECK_THAT(refusal("a b", kPassword), Catch::Contains("' ' (U+0020)"));
    CHECK_THAT(refusal("a/b", kPassword), Catch::Contains("'/'"));
    CHECK_THAT(refusal("a\x01", kPassword), Catch::Contains("U+0001"));
    CHECK_THAT(refusal("-x", kPassword), Catch::Contains("'-'"));
    CHECK_THAT(refusal(std::string(65, 'a'), kPassword), Catch::Contains("65 characters"));
    CHECK_THAT(refusal("a\xff", kPassword), Catch::Contains("UTF-8"));
    CHECK_THAT(refusal("tanaka", "short"), Catch::Contains("5 characters; at least 12"));
    CHECK_THAT(refusal("tanaka", "short"), Catch::Contains("12 文字以上"));
    CHECK_THAT(refusal("tanaka", "two\nlines of text"), Catch::Contains("U+000A"));
    CHECK_THAT(refusal("tanaka", std::string(1025, 'p')), Catch::Contains("1024 bytes"));
    CHECK_THAT(refusal("tanakatanaka", "TanakaTanaka"), Catch::Contains("user name"));
    CHECK_THAT(refusal("tanaka", "pass\xffword-long"), Catch::Contains("UTF-8"));
    CHECK(listUsers(*store, true).empty());
    CHECK(auditJson(*store).empty());
    // Twelve characters, not bytes: six kanji are 18 bytes and still too short.
    CHECK_THAT(refusal("tanaka", "脆弱性情報脆弱"), Catch::Contains("7 characters"));
    CHECK(refusal("tanaka", "脆弱性情報の取り扱いは慎重に") == "accepted");
}

TEST_CASE("users: passwords are compared in NFC with non-ASCII spaces as spaces", "[users]") {
    auto store = Store::inMemory();
    // "café" with a combining accent (NFD) and an ideographic space.
    addUser(*store, "tanaka", UserRole::Viewer, "cafe\xcc\x81\xe3\x80\x80long enough", {}, "root",
            100);
    CHECK(checkPassword(*store, "tanaka", "caf\xc3\xa9 long enough"));
    CHECK_FALSE(checkPassword(*store, "tanaka", "cafe long enough"));
}

TEST_CASE("users: a triager gets registered products only", "[users]") {
    auto store = Store::inMemory();
    registerProduct(*store, "Infusion Pump");
    registerProduct(*store, "Viewer");
    const User triager = addUser(*store, "tanaka", UserRole::Triager, kPassword,
                                 {"Viewer", "Infusion Pump", "Viewer"}, "root", 100);
    CHECK(triager.products == std::vector<std::string>{"Infusion Pump", "Viewer"});
    CHECK_THROWS_WITH(
        addUser(*store, "sato", UserRole::Triager, kPassword, {"Nonexistent"}, "root", 100),
        Catch::Contains("no product named 'Nonexistent'"));
    CHECK_THROWS_WITH(
        addUser(*store, "suzuki", UserRole::Viewer, kPassword, {"Viewer"}, "root", 100),
        Catch::Contains("only a triager"));
    store->removeProduct("Viewer", 150);
    CHECK_THROWS_WITH(addUser(*store, "ito", UserRole::Triager, kPassword, {"Viewer"}, "root", 200),
                      Catch::Contains("has been removed"));
    CHECK(listUsers(*store, true).size() == 1);
}

TEST_CASE("users: mayTriage follows the role and the products", "[users]") {
    User admin{"a", UserRole::Admin, {}, 0, 0, false, 0};
    User triager{"t", UserRole::Triager, {"Infusion Pump", "Viewer"}, 0, 0, false, 0};
    User viewer{"v", UserRole::Viewer, {"Viewer"}, 0, 0, false, 0};
    User removedAdmin = admin;
    removedAdmin.disabled = true;
    struct Row {
        const User* user;
        std::string product;
        bool may;
    };
    const std::vector<Row> table{
        {&admin, "Viewer", true},         {&admin, "Anything", true},
        {&triager, "Viewer", true},       {&triager, "Infusion Pump", true},
        {&triager, "Monitor", false},     {&triager, "viewer", false},
        {&viewer, "Viewer", false},       {&viewer, "Monitor", false},
        {&removedAdmin, "Viewer", false},
    };
    for (const Row& row : table) {
        INFO(row.user->name << " on " << row.product);
        CHECK(mayTriage(*row.user, row.product) == row.may);
    }
    // As stored: the products read back sorted, so the lookup finds them.
    auto store = Store::inMemory();
    registerProduct(*store, "Zeta");
    registerProduct(*store, "Alpha");
    addUser(*store, "tanaka", UserRole::Triager, kPassword, {"Zeta", "Alpha"}, "root", 100);
    const auto stored = findUser(*store, "tanaka");
    REQUIRE(stored);
    CHECK(mayTriage(*stored, "Zeta"));
    CHECK(mayTriage(*stored, "Alpha"));
    CHECK_FALSE(mayTriage(*stored, "Beta"));
}

TEST_CASE("users: sessions expire and end", "[users]") {
    auto store = Store::inMemory();
    addUser(*store, "tanaka", UserRole::Admin, kPassword, {}, "root", 100);
    const NewSession session = createSession(*store, "TANAKA", 1000, 600);
    CHECK(session.token.size() == 43);
    CHECK(session.csrf.size() == 43);
    CHECK(session.token != session.csrf);
    CHECK(session.expiresAt == 1600);
    CHECK(session.token.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);

    const auto info = sessionFor(*store, session.token, 1599);
    REQUIRE(info);
    CHECK(info->user.name == "tanaka");
    CHECK(info->csrf == session.csrf);
    CHECK(info->expiresAt == 1600);
    CHECK(sameSecret(session.csrf, info->csrf));
    CHECK_FALSE(sameSecret(session.csrf.substr(1), info->csrf));
    CHECK_FALSE(sameSecret("", ""));
    std::string wrong = session.csrf;
    wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(sameSecret(wrong, info->csrf));

    CHECK_FALSE(sessionFor(*store, session.token, 1600)); // expired
    CHECK_FALSE(sessionFor(*store, session.csrf, 1000));  // not a session token
    CHECK_FALSE(sessionFor(*store, "", 1000));

    // Expired sessions are purged when the next one is made.
    const NewSession second = createSession(*store, "tanaka", 1700, 600);
    CHECK(count(*store, "SELECT count(*) FROM web_session") == 1);
    REQUIRE(sessionFor(*store, second.token, 1800));
    endSession(*store, second.token);
    CHECK_FALSE(sessionFor(*store, second.token, 1800));

    // A new password ends every session.
    const NewSession third = createSession(*store, "tanaka", 2000, 600);
    const NewSession fourth = createSession(*store, "tanaka", 2000, 600);
    setPassword(*store, "tanaka", "a brand new password", "tanaka", 2100);
    CHECK_FALSE(sessionFor(*store, third.token, 2200));
    CHECK_FALSE(sessionFor(*store, fourth.token, 2200));
    CHECK(checkPassword(*store, "tanaka", "a brand new password"));
    CHECK_FALSE(checkPassword(*store, "tanaka", kPassword));
    CHECK_THROWS_AS(createSession(*store, "nobody", 2000, 600), UserError);
    CHECK_THROWS_AS(createSession(*store, "tanaka", 2000, 0), UserError);
}

TEST_CASE("users: API tokens work until revoked and record their use", "[users]") {
    auto store = Store::inMemory();
    addUser(*store, "tanaka", UserRole::Triager, kPassword, {}, "root", 100);
    const NewApiToken issued = issueApiToken(*store, "tanaka", "CI パイプライン", "admin", 1000);
    CHECK(issued.id > 0);
    CHECK(issued.token.size() == 43);
    CHECK(issued.token.rfind("vw_", 0) == 0);
    const std::string other = createApiToken(*store, "tanaka", "", "admin", 1000);
    CHECK(other != issued.token);

    const auto user = userForApiToken(*store, issued.token, 2000);
    REQUIRE(user);
    CHECK(user->name == "tanaka");
    auto tokens = listApiTokens(*store, "tanaka");
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].id == issued.id);
    CHECK(tokens[0].label == "CI パイプライン");
    CHECK(tokens[0].lastUsed == 2000);
    CHECK(tokens[1].lastUsed == 0);
    // Used again within the minute: not written again.
    REQUIRE(userForApiToken(*store, issued.token, 2030));
    CHECK(listApiTokens(*store, "tanaka")[0].lastUsed == 2000);
    REQUIRE(userForApiToken(*store, issued.token, 2060));
    CHECK(listApiTokens(*store, "tanaka")[0].lastUsed == 2060);

    std::string altered = issued.token;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(userForApiToken(*store, altered, 2000));
    CHECK_FALSE(userForApiToken(*store, issued.token.substr(3), 2000));
    CHECK_FALSE(userForApiToken(*store, "", 2000));

    revokeApiToken(*store, issued.id, "admin", 3000);
    CHECK_FALSE(userForApiToken(*store, issued.token, 3100));
    CHECK(userForApiToken(*store, other, 3100));
    CHECK_THROWS_WITH(revokeApiToken(*store, issued.id, "admin", 3200),
                      Catch::Contains("revoked already"));
    CHECK_THROWS_WITH(revokeApiToken(*store, 999, "admin", 3200), Catch::Contains("999"));
    CHECK(listApiTokens(*store, "tanaka").size() == 1);
    tokens = listApiTokens(*store, "tanaka", true);
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].revokedAt == 3000);
    CHECK_THROWS_AS(issueApiToken(*store, "tanaka", std::string(101, 'x'), "admin", 1000),
                    UserError);
    CHECK_THROWS_AS(issueApiToken(*store, "tanaka", "a\nb", "admin", 1000), UserError);
    CHECK_THROWS_AS(issueApiToken(*store, "nobody", "", "admin", 1000), UserError);
}

TEST_CASE("users: no secret is anywhere in the database file", "[users]") {
    test::TempDir dir;
    const std::string path = dir.file("vw.db");
    std::string sessionToken;
    std::string apiToken;
    {
        auto store = Store::open(path);
        addUser(*store, "tanaka", UserRole::Admin, kPassword, {}, "root", 100);
        setPassword(*store, "tanaka", "the second password", "root", 110);
        sessionToken = createSession(*store, "tanaka", 200, 3600).token;
        apiToken = createApiToken(*store, "tanaka", "ci", "root", 200);
        // What is stored instead: the SHA-256 of each token.
        CHECK(count(*store, "SELECT count(*) FROM web_session WHERE token_hash = '" +
                                sha256Hex(sessionToken) + "'") == 1);
        CHECK(count(*store, "SELECT count(*) FROM api_token WHERE token_hash = '" +
                                sha256Hex(apiToken) + "'") == 1);
    }
    std::string bytes;
    if (test::onPostgres()) { // no file: every row of the store's schema
        bytes = schemaText(*Store::open(path));
    }
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        bytes += readFile(path + suffix);
    }
    // Something was read: the SQLite file has its pages, the PostgreSQL rows the user's and
    // the audit events'.
    REQUIRE(bytes.size() > (test::onPostgres() ? 1024U : 4096U));
    CHECK(bytes.find("tanaka") != std::string::npos); // the search does find what is there
    CHECK(bytes.find(sha256Hex(apiToken)) != std::string::npos);
    CHECK(bytes.find(sessionToken) == std::string::npos);
    CHECK(bytes.find(apiToken) == std::string::npos);
    CHECK(bytes.find(apiToken.substr(3)) == std::string::npos);
    CHECK(bytes.find(kPassword) == std::string::npos);
    CHECK(bytes.find("the second password") == std::string::npos);
}

TEST_CASE("users: every change is an audit event naming the actor and no secret", "[users]") {
    auto store = Store::inMemory();
    registerProduct(*store, "Viewer");
    const std::size_t before = auditJson(*store).size();
    addUser(*store, "tanaka", UserRole::Triager, kPassword, {"Viewer"}, "suzuki", 100);
    setPassword(*store, "tanaka", "the second password", "tanaka", 200);
    const NewApiToken issued = issueApiToken(*store, "tanaka", "ci", "suzuki", 300);
    revokeApiToken(*store, issued.id, "suzuki", 400);
    createSession(*store, "tanaka", 450, 60); // a session is no change of the user
    removeUser(*store, "tanaka", "suzuki", 500);
    const std::vector<std::string> all = auditJson(*store);
    REQUIRE(all.size() == before + 5);
    const std::vector<std::string> events(all.begin() + static_cast<long>(before), all.end());
    const std::vector<std::string> actions{"\"action\":\"add\"", "\"action\":\"passwd\"",
                                           "\"action\":\"token-create\"",
                                           "\"action\":\"token-revoke\"", "\"action\":\"remove\""};
    const std::vector<std::string> actors{"suzuki", "tanaka", "suzuki", "suzuki", "suzuki"};
    for (std::size_t i = 0; i < events.size(); ++i) {
        INFO(events[i]);
        CHECK_THAT(events[i], Catch::Contains("\"kind\":\"user\""));
        CHECK_THAT(events[i], Catch::Contains("\"subjects\":[\"user:tanaka\"]"));
        CHECK_THAT(events[i], Catch::Contains(actions[i]));
        CHECK_THAT(events[i], Catch::Contains("\"actor\":\"" + actors[i] + "\""));
        CHECK(events[i].find(kPassword) == std::string::npos);
        CHECK(events[i].find("the second password") == std::string::npos);
        CHECK(events[i].find(issued.token) == std::string::npos);
        CHECK(events[i].find("$argon2id$") == std::string::npos);
    }
    CHECK_THAT(events[0], Catch::Contains("\"products\":\"Viewer\""));
    CHECK_THAT(events[2], Catch::Contains("\"token_id\":\"" + std::to_string(issued.id) + "\""));
    CHECK(verifyAuditChain(*store).ok());
    CHECK_THROWS_AS(addUser(*store, "sato", UserRole::Viewer, kPassword, {}, "", 100), UserError);
}

TEST_CASE("users: changes join the caller's transaction", "[users]") {
    auto store = Store::inMemory();
    {
        Store::Transaction tx(*store);
        addUser(*store, "tanaka", UserRole::Viewer, kPassword, {}, "root", 100);
        CHECK(findUser(*store, "tanaka"));
        // A refusal inside undoes only its own writes.
        CHECK_THROWS_AS(
            addUser(*store, "sato", UserRole::Triager, kPassword, {"None"}, "root", 100),
            UserError);
        CHECK(findUser(*store, "tanaka"));
        CHECK_FALSE(findUser(*store, "sato"));
    } // rolled back
    CHECK_FALSE(findUser(*store, "tanaka"));
    CHECK(auditJson(*store).empty());
    {
        Store::Transaction tx(*store);
        addUser(*store, "tanaka", UserRole::Viewer, kPassword, {}, "root", 100);
        tx.commit();
    }
    CHECK(findUser(*store, "tanaka"));
    CHECK(parseUserRole("triager") == UserRole::Triager);
    CHECK_FALSE(parseUserRole("Admin"));
    CHECK(userRoleName(UserRole::Admin) == "admin");
}

TEST_CASE("users: setUserRole replaces role and products at once", "[users]") {
    auto store = Store::inMemory();
    registerProduct(*store, "Viewer");
    registerProduct(*store, "Infusion Pump");
    addUser(*store, "tanaka", UserRole::Triager, kPassword, {"Viewer"}, "root", 100);
    const NewSession session = createSession(*store, "tanaka", 150, 3600);
    const std::string token = createApiToken(*store, "tanaka", "", "root", 150);

    const User changed =
        setUserRole(*store, "Tanaka", UserRole::Triager, {"Infusion Pump"}, "suzuki", 200);
    CHECK(changed.products == std::vector<std::string>{"Infusion Pump"});
    const auto viaSession = sessionFor(*store, session.token, 300);
    REQUIRE(viaSession);
    CHECK(mayTriage(viaSession->user, "Infusion Pump"));
    CHECK_FALSE(mayTriage(viaSession->user, "Viewer"));

    setUserRole(*store, "tanaka", UserRole::Viewer, {}, "suzuki", 300);
    const auto viaToken = userForApiToken(*store, token, 400);
    REQUIRE(viaToken);
    CHECK(viaToken->role == UserRole::Viewer);
    CHECK(viaToken->products.empty());
    CHECK_FALSE(mayTriage(*viaToken, "Infusion Pump"));

    CHECK_THROWS_WITH(setUserRole(*store, "tanaka", UserRole::Admin, {"Viewer"}, "suzuki", 500),
                      Catch::Contains("only a triager"));
    CHECK_THROWS_WITH(setUserRole(*store, "tanaka", UserRole::Triager, {"Nope"}, "suzuki", 500),
                      Catch::Contains("'Nope'"));
    CHECK(findUser(*store, "tanaka")->role == UserRole::Viewer); // refusals changed nothing
    CHECK_THROWS_AS(setUserRole(*store, "nobody", UserRole::Admin, {}, "suzuki", 500), UserError);

    const std::vector<std::string> events = auditJson(*store);
    REQUIRE(events.size() >= 2);
    CHECK_THAT(events[events.size() - 2], Catch::Contains("\"previous_products\":\"Viewer\"") &&
                                              Catch::Contains("\"products\":\"Infusion Pump\"") &&
                                              Catch::Contains("\"action\":\"set\""));
    CHECK_THAT(events.back(), Catch::Contains("\"previous_role\":\"triager\"") &&
                                  Catch::Contains("\"role\":\"viewer\""));
}
