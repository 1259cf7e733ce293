// makeGpgmeVerifier with a throwaway key generated at run time in a temporary GNUPGHOME (no key
// is committed): valid, tampered (invalid), unknown key (empty keyring) and unsigned mail.
#include "feeds/parse/mail.h"
#include "feeds/pgp.h"
#include "helpers/fixtures.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void spit(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

fs::path makeTempDir(const std::string& stem) {
    std::string pattern = (fs::temp_directory_path() / (stem + "XXXXXX")).string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

/// Two GnuPG homes: one holding a fresh signing key, one empty. Removed at exit.
class TestKeyring {
public:
    static TestKeyring& instance() {
        static TestKeyring keyring;
        return keyring;
    }

    const fs::path& signingHome() const { return signing_; }
    const fs::path& emptyHome() const { return empty_; }
    bool ready() const { return ready_; }

    /// Runs gpg with the signing key on `input`; returns its output.
    std::string gpg(const std::string& args, const std::string& input) const {
        const fs::path in = work_ / "in";
        const fs::path out = work_ / "out";
        spit(in, input);
        fs::remove(out);
        const std::string command = "gpg --homedir '" + signing_.string() +
                                    "' --batch --yes --pinentry-mode loopback --passphrase '' " +
                                    args + " -o '" + out.string() + "' '" + in.string() +
                                    "' >/dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
        return slurp(out);
    }

    TestKeyring(const TestKeyring&) = delete;
    TestKeyring& operator=(const TestKeyring&) = delete;

private:
    TestKeyring()
        : signing_(makeTempDir("vw-pgp-signing-")), empty_(makeTempDir("vw-pgp-empty-")),
          work_(makeTempDir("vw-pgp-work-")) {
        const std::string command =
            "gpg --homedir '" + signing_.string() +
            "' --batch --pinentry-mode loopback --passphrase '' --quick-gen-key "
            "'vulnwatch test <test@example.invalid>' ed25519 sign never >/dev/null 2>&1";
        ready_ = std::system(command.c_str()) == 0;
    }

    ~TestKeyring() {
        for (const auto& home : {signing_, empty_}) {
            const std::string kill =
                "gpgconf --homedir '" + home.string() + "' --kill all >/dev/null 2>&1";
            [[maybe_unused]] const int rc = std::system(kill.c_str());
        }
        std::error_code ignored;
        fs::remove_all(signing_, ignored);
        fs::remove_all(empty_, ignored);
        fs::remove_all(work_, ignored);
    }

    fs::path signing_;
    fs::path empty_;
    fs::path work_;
    bool ready_ = false;
};

const TestKeyring& keyring() {
    auto& instance = TestKeyring::instance();
    REQUIRE(instance.ready());
    return instance;
}

const std::string kText = "JPCERT-AT-2021-0050 の更新です。\n"
                          "-----BEGIN PGP SIGNED MESSAGE----- で始まる行\n"
                          "- 箇条書き\n"
                          "JVNVU#96768815 を参照してください。\n";

std::string mailWith(const std::string& body, const std::string& contentType) {
    return "Message-ID: <signed@example.jp>\n"
           "Date: Mon, 13 Dec 2021 11:00:00 +0900\n"
           "Subject: signed\n"
           "MIME-Version: 1.0\n"
           "Content-Type: " +
           contentType + "\n\n" + body;
}

std::string clearsignedMail() {
    return mailWith(keyring().gpg("--clearsign", kText), "text/plain; charset=UTF-8");
}

const std::string kPart = "Content-Type: text/plain; charset=UTF-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n\r\n"
                          "PGP/MIME の本文 CVE-2021-44228\r\n";

std::string pgpMimeMail(const std::string& part, const std::string& signature) {
    std::string lfPart;
    for (char c : part) {
        if (c != '\r') {
            lfPart.push_back(c);
        }
    }
    return mailWith("--sig\n" + lfPart + "\n--sig\n" +
                        "Content-Type: application/pgp-signature\n\n" + signature + "\n--sig--\n",
                    "multipart/signed; protocol=\"application/pgp-signature\"; "
                    "micalg=pgp-sha256; boundary=sig");
}

vw::MailOptions withKeyring(const fs::path& home) {
    return vw::MailOptions{"jpcert", vw::makeGpgmeVerifier(home.string())};
}

} // namespace

TEST_CASE("pgp: clearsigned mail with a known key is valid") {
    const auto result = vw::parseMail(clearsignedMail(), withKeyring(keyring().signingHome()));
    REQUIRE(result.records.size() == 1);
    const auto& a = result.records[0];
    CHECK(a.signature == "valid");
    CHECK(a.summary == "JPCERT-AT-2021-0050 の更新です。\n"
                       "-----BEGIN PGP SIGNED MESSAGE----- で始まる行\n"
                       "- 箇条書き\n"
                       "JVNVU#96768815 を参照してください。");
    CHECK(a.aliases == std::vector<std::string>{"JPCERT-AT-2021-0050", "JVNVU#96768815"});
    CHECK(result.problems.empty());
}

TEST_CASE("pgp: the verifier returns the signer and the signed text") {
    const std::string signedBlock = keyring().gpg("--clearsign", kText);
    const auto check = vw::makeGpgmeVerifier(keyring().signingHome().string())(signedBlock, {});
    CHECK(check.status == "valid");
    CHECK(check.signer.size() == 40);
    CHECK(check.signedText.find("\n- 箇条書き\n") != std::string::npos);
    CHECK(check.signedText.find("- - ") == std::string::npos);
}

TEST_CASE("pgp: a tampered clearsigned mail is invalid") {
    std::string mail = clearsignedMail();
    const auto pos = mail.find("JVNVU#96768815");
    REQUIRE(pos != std::string::npos);
    mail.replace(pos, 14, "JVNVU#96768816");
    const auto result = vw::parseMail(mail, withKeyring(keyring().signingHome()));
    CHECK(result.records.at(0).signature == "invalid");
}

TEST_CASE("pgp: a key missing from the keyring is unknown-key") {
    const auto result = vw::parseMail(clearsignedMail(), withKeyring(keyring().emptyHome()));
    CHECK(result.records.at(0).signature == "unknown-key");
    CHECK(result.records.at(0).summary.find("- 箇条書き") != std::string::npos);
}

TEST_CASE("pgp: an unsigned mail stays unsigned with a verifier") {
    const auto result = vw::parseMail(mailWith(kText, "text/plain; charset=UTF-8"),
                                      withKeyring(keyring().signingHome()));
    CHECK(result.records.at(0).signature == "unsigned");
}

TEST_CASE("pgp: PGP/MIME signed mail with a known key is valid and a tampered one invalid") {
    const std::string signature = keyring().gpg("--detach-sign --armor", kPart);
    const auto options = withKeyring(keyring().signingHome());
    const auto good = vw::parseMail(pgpMimeMail(kPart, signature), options);
    CHECK(good.records.at(0).signature == "valid");
    CHECK(good.records.at(0).summary == "PGP/MIME の本文 CVE-2021-44228");

    std::string tampered = kPart;
    tampered.replace(tampered.find("44228"), 5, "44229");
    CHECK(vw::parseMail(pgpMimeMail(tampered, signature), options).records.at(0).signature ==
          "invalid");
    CHECK(vw::parseMail(pgpMimeMail(kPart, signature), withKeyring(keyring().emptyHome()))
              .records.at(0)
              .signature == "unknown-key");
}

TEST_CASE("pgp: garbage instead of a signature is invalid") {
    const auto verifier = vw::makeGpgmeVerifier(keyring().signingHome().string());
    CHECK(
        verifier("data\r\n", "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n")
            .status == "invalid");
    CHECK(verifier("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\ntext\n", {}).status ==
          "invalid");
}

TEST_CASE("pgp: the committed signed test mails come from a key nobody has") {
    const auto dir = vw::test::sourceDir() / "tests" / "data" / "mail";
    for (const char* name : {"clearsigned_utf8.eml", "pgp_mime_signed.eml"}) {
        INFO(name);
        const std::string raw = slurp(dir / name);
        CHECK(vw::parseMail(raw, withKeyring(keyring().signingHome())).records.at(0).signature ==
              "unknown-key");
        CHECK(vw::parseMail(raw, withKeyring(keyring().emptyHome())).records.at(0).signature ==
              "unknown-key");
    }
}
