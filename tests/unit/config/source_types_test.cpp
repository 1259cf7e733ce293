// The myjvn, myjvn-alert, jvn-detail-feed and imap source types: their keys, defaults, errors
// and redaction.
#include "config/config.h"
#include "config_test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using vw::test::errorOf;
using vw::test::TempDir;

namespace {

// Each ends after line 2 (myjvn, alert, detail) or line 5 (imap): the next key is on line 3 or 6.
const std::string myjvn = "[source.j]\ntype = myjvn\n";
const std::string alert = "[source.a]\ntype = myjvn-alert\n";
const std::string detail = "[source.d]\ntype = jvn-detail-feed\n";
const std::string imap = "[source.m]\ntype = imap\nurl = imaps://mail.example.co.jp/INBOX\n"
                         "user = feed\npassword = pw\n";
const std::string rss = "[source.r]\ntype = jvn-rss\nurl = https://x.jp/a.rdf\n";

vw::SourceConfig source(const std::string& text, bool readSecrets = true) {
    const auto config = vw::parseConfig(text, "t.conf", readSecrets);
    REQUIRE(config.sources.size() == 1);
    return config.sources[0];
}

/// Checks that `text` fails at `line` on `key` with exactly `message` after "KEY: ".
void checkError(const std::string& text, int line, const std::string& section,
                const std::string& key, const std::string& message, bool readSecrets = true) {
    INFO(text);
    const auto error = errorOf(text, readSecrets);
    CHECK(error.line() == line);
    CHECK(error.section() == section);
    CHECK(error.key() == key);
    CHECK(std::string(error.what()) ==
          "t.conf:" + std::to_string(line) + ": [" + section + "] " + key + ": " + message);
}

} // namespace

// --- defaults ----------------------------------------------------------------------------------

TEST_CASE("a myjvn source needs only its type", "[config][sources][defaults]") {
    const auto s = source(myjvn);
    CHECK(s.name == "j");
    CHECK(s.type == "myjvn");
    CHECK(s.url == "https://jvndb.jvn.jp/myjvn");
    CHECK(s.lang == "ja");
    CHECK(s.requestInterval == 1s);
    CHECK(s.retries == 3);
    CHECK(s.since.empty()); // 30 days back, decided when polling
    CHECK(s.checksumUrl.empty());
    CHECK(s.interval == 15min);
    CHECK(s.enabled);
    CHECK(s.list.empty());
}

TEST_CASE("a myjvn-alert source needs only its type", "[config][sources][defaults]") {
    const auto s = source(alert);
    CHECK(s.name == "a");
    CHECK(s.type == "myjvn-alert");
    CHECK(s.url == "https://jvndb.jvn.jp/myjvn");
    CHECK(s.requestInterval == 1s);
    CHECK(s.retries == 3);
    CHECK(s.timeout == 60s);
    CHECK(s.interval == 15min);
    CHECK(s.enabled);
}

TEST_CASE("a jvn-detail-feed source needs only its type", "[config][sources][defaults]") {
    const auto s = source(detail);
    CHECK(s.type == "jvn-detail-feed");
    CHECK(s.url == "https://jvndb.jvn.jp/ja/feed/detail/");
    CHECK(s.checksumUrl == "https://jvndb.jvn.jp/ja/feed/checksum.txt");
    CHECK(s.lang == "ja");
    CHECK(s.requestInterval == 1000ms);
    CHECK(s.retries == 3);
    CHECK(s.since == "1998");
}

TEST_CASE("jvn-detail-feed with lang = en defaults to the English feed",
          "[config][sources][defaults]") {
    const auto s = source(detail + "lang = en\n");
    CHECK(s.lang == "en");
    CHECK(s.url == "https://jvndb.jvn.jp/en/feed/detail/");
    CHECK(s.checksumUrl == "https://jvndb.jvn.jp/en/feed/checksum.txt");
}

TEST_CASE("jvn-detail-feed derives checksum_url from a given url", "[config][sources][defaults]") {
    CHECK(source(detail + "url = http://127.0.0.1:8080/ja/feed/detail/\n").checksumUrl ==
          "http://127.0.0.1:8080/ja/feed/checksum.txt");
    CHECK(source(detail + "url = https://mirror.example.jp/jvn/detail\n").checksumUrl ==
          "https://mirror.example.jp/checksum.txt");
    CHECK(source(detail + "url = https://mirror.example.jp/\n").checksumUrl ==
          "https://mirror.example.jp/checksum.txt");
    CHECK(source(detail + "url = https://mirror.example.jp\n").checksumUrl ==
          "https://mirror.example.jp/checksum.txt");
    // A given url wins over lang.
    const auto s = source(detail + "lang = en\nurl = https://m.example.jp/ja/feed/detail/\n");
    CHECK(s.url == "https://m.example.jp/ja/feed/detail/");
    CHECK(s.checksumUrl == "https://m.example.jp/ja/feed/checksum.txt");
}

TEST_CASE("an imap source gets the documented defaults", "[config][sources][defaults]") {
    const auto s = source(imap);
    CHECK(s.type == "imap");
    CHECK(s.url == "imaps://mail.example.co.jp/INBOX");
    CHECK(s.user == "feed");
    CHECK(s.password.value == "pw");
    CHECK(s.starttls == "auto");
    CHECK(s.afterProcessing == "seen");
    CHECK(s.moveTo.empty());
    CHECK(s.maxMessageBytes == 16u * 1024u * 1024u);
    CHECK(s.keyring.empty());
    CHECK(s.unsignedPolicy == "accept");
    CHECK(s.invalidPolicy == "flag");
    CHECK(s.list == "m"); // the source NAME
}

TEST_CASE("a jvn-rss source keeps the defaults of the new keys", "[config][sources][defaults]") {
    const auto s = source(rss);
    CHECK(s.list.empty());
    CHECK(s.checksumUrl.empty());
    CHECK(s.since.empty());
}

// --- every key read ----------------------------------------------------------------------------

TEST_CASE("every myjvn key is read", "[config][sources][parse]") {
    const auto s = source(myjvn + "url = http://127.0.0.1:8080/myjvn\nlang = en\n"
                                  "request_interval = 500ms\nretries = 0\nsince = 2024-02-29\n"
                                  "user = u\npassword = p\n");
    CHECK(s.url == "http://127.0.0.1:8080/myjvn");
    CHECK(s.lang == "en");
    CHECK(s.requestInterval == 500ms);
    CHECK(s.retries == 0);
    CHECK(s.since == "2024-02-29");
    CHECK(s.user == "u");
    CHECK(s.password.value == "p");
}

TEST_CASE("every myjvn-alert key is read", "[config][sources][parse]") {
    const auto s = source(alert + "url = http://127.0.0.1:8080/myjvn\ninterval = 1h\n"
                                  "request_interval = 500ms\nretries = 0\ntimeout = 20s\n"
                                  "max_bytes = 8M\nenabled = false\n");
    CHECK(s.url == "http://127.0.0.1:8080/myjvn");
    CHECK(s.interval == 1h);
    CHECK(s.requestInterval == 500ms);
    CHECK(s.retries == 0);
    CHECK(s.timeout == 20s);
    CHECK(s.maxBytes == 8u * 1024u * 1024u);
    CHECK_FALSE(s.enabled);
}

TEST_CASE("every jvn-detail-feed key is read", "[config][sources][parse]") {
    const auto s = source(detail + "url = https://m.jp/detail/\nchecksum_url = https://m.jp/sum\n"
                                   "lang = ja\nrequest_interval = 2m\nretries = 10\n"
                                   "since = 1998\n");
    CHECK(s.url == "https://m.jp/detail/");
    CHECK(s.checksumUrl == "https://m.jp/sum");
    CHECK(s.requestInterval == 120s);
    CHECK(s.retries == 10);
    CHECK(s.since == "1998");
}

TEST_CASE("request_interval takes milliseconds and the usual durations",
          "[config][sources][parse]") {
    CHECK(source(myjvn + "request_interval = 100ms\n").requestInterval == 100ms);
    CHECK(source(myjvn + "request_interval = 1500ms\n").requestInterval == 1500ms);
    CHECK(source(myjvn + "request_interval = 1s\n").requestInterval == 1s);
    CHECK(source(myjvn + "request_interval = 3\n").requestInterval == 3s);
    CHECK(source(detail + "request_interval = 1h\n").requestInterval == 1h);
}

TEST_CASE("every imap key is read", "[config][sources][parse]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "gnupg");
    dir.write("imap.secret", "IMAP-PW\n");
    const auto conf = dir.write(
        "vw.conf", "[source.jpcert]\ntype = imap\nurl = imap://mail.example.co.jp:1143/"
                   "Lists/JPCERT%20CC\nuser = psirt\npassword_file = imap.secret\n"
                   "starttls = required\nafter_processing = move\nmove_to = Archive/JPCERT\n"
                   "max_message_bytes = 512K\nkeyring = gnupg\nunsigned_policy = reject\n"
                   "invalid_policy = accept\nlist = jpcert-announce\ninterval = 5m\n");
    const auto config = vw::loadConfig(conf.string());
    const auto& s = config.sources.at(0);
    CHECK(s.url == "imap://mail.example.co.jp:1143/Lists/JPCERT%20CC");
    CHECK(s.password.value == "IMAP-PW");
    CHECK(s.starttls == "required");
    CHECK(s.afterProcessing == "move");
    CHECK(s.moveTo == "Archive/JPCERT");
    CHECK(s.maxMessageBytes == 512u * 1024u);
    CHECK(s.keyring == (dir.path() / "gnupg").string());
    CHECK(s.unsignedPolicy == "reject");
    CHECK(s.invalidPolicy == "accept");
    CHECK(s.list == "jpcert-announce");
    CHECK(s.interval == 5min);
}

TEST_CASE("imap accepts every enumeration value", "[config][sources][parse]") {
    for (const char* mode : {"auto", "required", "off"}) {
        INFO(mode);
        CHECK(source("[source.m]\ntype = imap\nurl = imap://mx.jp/INBOX\nuser = u\npassword = p\n"
                     "starttls = " +
                     std::string(mode) + "\n")
                  .starttls == mode);
    }
    for (const char* mode : {"seen", "leave"}) {
        CHECK(source(imap + "after_processing = " + mode + "\n").afterProcessing == mode);
    }
    for (const char* policy : {"accept", "flag", "reject"}) {
        INFO(policy);
        CHECK(source(imap + "unsigned_policy = " + policy + "\n").unsignedPolicy == policy);
        CHECK(source(imap + "invalid_policy = " + policy + "\n").invalidPolicy == policy);
    }
}

TEST_CASE("imap URLs: folders, ports, percent-encoding", "[config][sources][parse]") {
    for (const char* url :
         {"imaps://mail.example.co.jp/INBOX", "imaps://[2001:db8::1]:993/INBOX",
          "imap://127.0.0.1:1143/INBOX/jpcert", "imaps://mx.jp/%E8%84%86%E5%BC%B1%E6%80%A7",
          "imaps://mx.jp/My%20Lists/JVN"}) {
        INFO(url);
        CHECK(source("[source.m]\ntype = imap\nuser = u\npassword = p\nurl = " + std::string(url) +
                     "\n")
                  .url == url);
    }
}

TEST_CASE("keyring is only recorded with readSecrets off", "[config][sources][parse]") {
    const auto s = source(imap + "keyring = /nonexistent/gnupg\n", false);
    CHECK(s.keyring == "/nonexistent/gnupg");
}

TEST_CASE("imap password may come from a file, recorded with readSecrets off",
          "[config][sources][parse]") {
    const auto s = source("[source.m]\ntype = imap\nurl = imaps://mx.jp/INBOX\nuser = u\n"
                          "password_file = /nonexistent/imap.secret\n",
                          false);
    CHECK(s.password.sourceFile == "/nonexistent/imap.secret");
    CHECK(s.password.value.empty());
}

// --- errors ------------------------------------------------------------------------------------

TEST_CASE("lang, request_interval, retries and since are validated", "[config][sources][errors]") {
    SECTION("lang") {
        checkError(myjvn + "lang = jp\n", 3, "source.j", "lang", "'jp' is not one of: ja, en");
        checkError(detail + "lang = EN\n", 3, "source.d", "lang", "'EN' is not one of: ja, en");
    }
    SECTION("request_interval below 100ms") {
        checkError(myjvn + "request_interval = 99ms\n", 3, "source.j", "request_interval",
                   "'99ms' is shorter than the minimum of 100ms");
    }
    SECTION("request_interval garbage") {
        for (const char* bad : {"fast", "1.5s", "-500ms", "500 ms", "ms", "5w", "500MS"}) {
            checkError(detail + "request_interval = " + bad + "\n", 3, "source.d",
                       "request_interval",
                       "'" + std::string(bad) +
                           "' is not a duration (a positive number with ms, s, m, h or d; "
                           "e.g. 500ms, 1s, 2m)");
        }
    }
    SECTION("request_interval zero") {
        CHECK_THAT(errorOf(myjvn + "request_interval = 0ms\n").what(), Contains("is zero"));
        CHECK(errorOf(myjvn + "request_interval = 0\n").key() == "request_interval");
    }
    SECTION("retries") {
        for (const char* bad : {"11", "-1", "2.5", "three", "+3", "3x"}) {
            checkError(myjvn + "retries = " + bad + "\n", 3, "source.j", "retries",
                       "'" + std::string(bad) + "' is not a whole number from 0 to 10");
        }
    }
    SECTION("myjvn since must be a real date") {
        for (const char* bad : {"2024", "2024-4-1", "2024/04/01", "2024-13-01", "2024-00-10",
                                "2023-02-29", "2024-04-31", "2024-04-01T00:00", "yesterday"}) {
            checkError(myjvn + "since = " + bad + "\n", 3, "source.j", "since",
                       "'" + std::string(bad) + "' is not a date (YYYY-MM-DD, e.g. 2024-04-01)");
        }
        CHECK(source(myjvn + "since = 2000-02-29\n").since == "2000-02-29");
        CHECK(source(myjvn + "since = 2024-12-31\n").since == "2024-12-31");
    }
    SECTION("jvn-detail-feed since must be a year from 1998") {
        for (const char* bad : {"1997", "98", "2024-01-01", "20240", "year", "+2000"}) {
            checkError(detail + "since = " + bad + "\n", 3, "source.d", "since",
                       "'" + std::string(bad) + "' is not a year (YYYY, 1998 or later)");
        }
    }
}

TEST_CASE("source URLs are checked per type", "[config][sources][errors]") {
    SECTION("myjvn url must be http or https") {
        checkError(myjvn + "url = ftp://jvndb.jvn.jp/myjvn\n", 3, "source.j", "url",
                   "'ftp://jvndb.jvn.jp/myjvn' is not an http:// or https:// URL with a host");
    }
    SECTION("myjvn url without a user name") {
        checkError(myjvn + "url = https://me@jvndb.jvn.jp/myjvn\n", 3, "source.j", "url",
                   "no user name in the URL: use the user and password keys");
    }
    SECTION("myjvn-alert url must be http or https, without a user name") {
        checkError(alert + "url = ftp://jvndb.jvn.jp/myjvn\n", 3, "source.a", "url",
                   "'ftp://jvndb.jvn.jp/myjvn' is not an http:// or https:// URL with a host");
        checkError(alert + "url = https://me@jvndb.jvn.jp/myjvn\n", 3, "source.a", "url",
                   "no user name in the URL: use the user and password keys");
    }
    SECTION("jvn-detail-feed url") {
        checkError(detail + "url = imaps://x.jp/INBOX\n", 3, "source.d", "url",
                   "'imaps://x.jp/INBOX' is not an http:// or https:// URL with a host");
    }
    SECTION("checksum_url") {
        checkError(detail + "checksum_url = checksum.txt\n", 3, "source.d", "checksum_url",
                   "'checksum.txt' is not an http:// or https:// URL with a host");
        checkError(detail + "checksum_url = https://u:p@m.jp/c.txt\n", 3, "source.d",
                   "checksum_url", "no user name in the URL: use the user and password keys");
    }
    SECTION("imap url is required") {
        checkError("\n[source.m]\ntype = imap\nuser = u\npassword = p\n", 2, "source.m", "url",
                   "required key missing");
    }
    SECTION("imap url with another scheme") {
        for (const char* bad : {"https://mx.jp/INBOX", "pop3://mx.jp/INBOX", "imap:/mx.jp/INBOX",
                                "imaps:///INBOX", "imaps://mx.jp:0/INBOX"}) {
            checkError("[source.m]\ntype = imap\nurl = " + std::string(bad) + "\n", 3, "source.m",
                       "url",
                       "'" + std::string(bad) + "' is not an imap:// or imaps:// URL with a host");
        }
    }
    SECTION("imap url without a mailbox") {
        for (const char* bad : {"imaps://mx.jp", "imaps://mx.jp/", "imaps://mx.jp:993/",
                                "imaps://mx.jp/INBOX?x=1", "imaps://mx.jp/INBOX#f",
                                "imaps://mx.jp/A%2", "imaps://mx.jp/A%zz", "imaps://mx.jp/A%0A"}) {
            checkError("[source.m]\ntype = imap\nurl = " + std::string(bad) + "\n", 3, "source.m",
                       "url",
                       "'" + std::string(bad) +
                           "' does not name a mailbox (e.g. imaps://mail.example.co.jp/INBOX; "
                           "percent-encode other characters, no query)");
        }
    }
    SECTION("imap url with a user name") {
        checkError("[source.m]\ntype = imap\nurl = imaps://feed@mx.jp/INBOX\n", 3, "source.m",
                   "url", "no user name in the URL: use the user and password keys");
    }
}

TEST_CASE("imap keys are validated", "[config][sources][errors]") {
    SECTION("user is required") {
        checkError("[source.m]\ntype = imap\nurl = imaps://mx.jp/INBOX\npassword = p\n", 1,
                   "source.m", "user", "required key missing");
    }
    SECTION("a password is required") {
        checkError("[daemon]\n[source.m]\ntype = imap\nurl = imaps://mx.jp/INBOX\nuser = u\n", 2,
                   "source.m", "password", "required key missing (set password or password_file)");
    }
    SECTION("starttls values") {
        checkError("[source.m]\ntype = imap\nurl = imap://mx.jp/INBOX\nstarttls = yes\n", 4,
                   "source.m", "starttls", "'yes' is not one of: auto, required, off");
    }
    SECTION("starttls with imaps") {
        for (const char* mode : {"auto", "required", "off"}) {
            checkError(imap + "starttls = " + mode + "\n", 6, "source.m", "starttls",
                       "applies only to imap:// (imaps:// is TLS from the start)");
        }
    }
    SECTION("after_processing") {
        checkError(imap + "after_processing = delete\n", 6, "source.m", "after_processing",
                   "'delete' is not one of: seen, move, leave");
    }
    SECTION("move_to is required with after_processing = move") {
        checkError("\n" + imap + "after_processing = move\n", 2, "source.m", "move_to",
                   "required key missing (after_processing = move)");
    }
    SECTION("move_to without after_processing = move") {
        checkError(imap + "move_to = Archive\n", 6, "source.m", "move_to",
                   "applies only with after_processing = move");
        checkError(imap + "move_to = Archive\nafter_processing = leave\n", 6, "source.m", "move_to",
                   "applies only with after_processing = move");
    }
    SECTION("max_message_bytes") {
        checkError(imap + "max_message_bytes = 16MB\n", 6, "source.m", "max_message_bytes",
                   "'16MB' is not a size (bytes, or a number with K, M or G; e.g. 512K, 64M, 1G)");
        CHECK_THAT(errorOf(imap + "max_message_bytes = 0\n").what(), Contains("is zero"));
    }
    SECTION("policies") {
        checkError(imap + "unsigned_policy = drop\n", 6, "source.m", "unsigned_policy",
                   "'drop' is not one of: accept, flag, reject");
        checkError(imap + "invalid_policy = Flag\n", 6, "source.m", "invalid_policy",
                   "'Flag' is not one of: accept, flag, reject");
    }
}

TEST_CASE("keyring must be an existing directory when files are read",
          "[config][sources][errors]") {
    TempDir dir;
    dir.write("plain-file", "x");
    std::filesystem::create_directories(dir.path() / "keys");
    const auto load = [&](const std::string& keyring, bool readSecrets = true) {
        const auto conf = dir.write("vw.conf", imap + "keyring = " + keyring + "\n");
        return vw::loadConfig(conf.string(), readSecrets);
    };
    const auto conf = (dir.path() / "vw.conf").string();
    CHECK_THROWS_WITH(load("missing"), conf + ":6: [source.m] keyring: cannot use " +
                                           (dir.path() / "missing").string() +
                                           ": No such file or directory");
    CHECK_THROWS_WITH(load("plain-file"), conf + ":6: [source.m] keyring: cannot use " +
                                              (dir.path() / "plain-file").string() +
                                              ": not a directory");
    CHECK(load("keys").sources.at(0).keyring == (dir.path() / "keys").string());
    CHECK(load("missing", false).sources.at(0).keyring == (dir.path() / "missing").string());
}

TEST_CASE("keys of one source type are errors on another", "[config][sources][types]") {
    const std::string both = "applies only to myjvn, jvn-detail-feed sources, not to type ";
    const std::string paced =
        "applies only to myjvn, myjvn-alert, jvn-detail-feed sources, not to type ";
    const std::string imapOnly = "applies only to imap sources, not to type ";
    const std::string detailOnly = "applies only to jvn-detail-feed sources, not to type ";
    SECTION("myjvn/jvn-detail-feed keys on jvn-rss, imap and myjvn-alert") {
        for (const char* line : {"lang = ja", "since = 2024-01-01"}) {
            const std::string key = std::string(line).substr(0, std::string(line).find(' '));
            checkError(rss + line + "\n", 4, "source.r", key, both + "jvn-rss");
            checkError(imap + line + "\n", 6, "source.m", key, both + "imap");
            // getAlertList has no lang parameter; its listing is by year, not from a date
            checkError(alert + line + "\n", 3, "source.a", key, both + "myjvn-alert");
        }
    }
    SECTION("pacing keys on jvn-rss and imap") {
        for (const char* line : {"request_interval = 1s", "retries = 3"}) {
            const std::string key = std::string(line).substr(0, std::string(line).find(' '));
            checkError(rss + line + "\n", 4, "source.r", key, paced + "jvn-rss");
            checkError(imap + line + "\n", 6, "source.m", key, paced + "imap");
        }
    }
    SECTION("checksum_url and imap keys on myjvn-alert") {
        checkError(alert + "checksum_url = https://x.jp/c\n", 3, "source.a", "checksum_url",
                   detailOnly + "myjvn-alert");
        checkError(alert + "list = l\n", 3, "source.a", "list", imapOnly + "myjvn-alert");
    }
    SECTION("checksum_url only on jvn-detail-feed") {
        checkError(myjvn + "checksum_url = https://x.jp/c\n", 3, "source.j", "checksum_url",
                   detailOnly + "myjvn");
        checkError(rss + "checksum_url = https://x.jp/c\n", 4, "source.r", "checksum_url",
                   detailOnly + "jvn-rss");
    }
    SECTION("imap keys on the HTTP types") {
        for (const char* line :
             {"starttls = auto", "after_processing = seen", "move_to = A", "max_message_bytes = 1M",
              "unsigned_policy = flag", "invalid_policy = flag", "list = l"}) {
            const std::string key = std::string(line).substr(0, std::string(line).find(' '));
            checkError(rss + line + "\n", 4, "source.r", key, imapOnly + "jvn-rss");
            checkError(myjvn + line + "\n", 3, "source.j", key, imapOnly + "myjvn");
            checkError(detail + line + "\n", 3, "source.d", key, imapOnly + "jvn-detail-feed");
        }
        // keyring: also the csaf type's (signatures of CSAF documents)
        const std::string signedOnly = "applies only to imap, csaf sources, not to type ";
        checkError(rss + "keyring = /x\n", 4, "source.r", "keyring", signedOnly + "jvn-rss");
        checkError(myjvn + "keyring = /x\n", 3, "source.j", "keyring", signedOnly + "myjvn");
    }
    SECTION("the type line may come after the key") {
        checkError("[source.r]\nlang = ja\ntype = jvn-rss\n", 2, "source.r", "lang",
                   both + "jvn-rss");
    }
    SECTION("misspelt new keys get a hint") {
        checkError(myjvn + "retrys = 3\n", 3, "source.j", "retrys",
                   "unknown key (did you mean 'retries'?)");
    }
    SECTION("jvn-rss still requires a url") {
        checkError("[source.r]\ntype = jvn-rss\n", 1, "source.r", "url", "required key missing");
    }
}

// --- redaction ---------------------------------------------------------------------------------

TEST_CASE("redacted shows the myjvn keys with their defaults", "[config][sources][redact]") {
    const auto text = vw::redacted(vw::parseConfig(myjvn, "t.conf"));
    CHECK_THAT(text, Contains("[source.j]\ntype = myjvn\nurl = https://jvndb.jvn.jp/myjvn\n"));
    CHECK_THAT(text, Contains("\nlang = ja\nrequest_interval = 1s\nretries = 3\n"
                              "; since: not set (30 days back)\n"));
    for (const char* other : {"checksum_url", "starttls", "after_processing", "keyring", "list"}) {
        INFO(other);
        CHECK_THAT(text, !Contains(std::string("\n") + other + " =")); // not [web] listen
    }
}

TEST_CASE("redacted shows the myjvn-alert keys", "[config][sources][redact]") {
    const auto text = vw::redacted(vw::parseConfig(alert + "retries = 5\n", "t.conf"));
    CHECK_THAT(text, Contains("[source.a]\ntype = myjvn-alert\nurl = https://jvndb.jvn.jp/myjvn\n"
                              "interval = 15m\n"));
    CHECK_THAT(text, Contains("\nenabled = true\nrequest_interval = 1s\nretries = 5\n"));
    for (const char* other : {"lang", "since", "checksum_url", "starttls", "list"}) {
        INFO(other);
        CHECK_THAT(text, !Contains(std::string("\n") + other + " =")); // not [web] listen
    }
}

TEST_CASE("redacted shows the jvn-detail-feed keys", "[config][sources][redact]") {
    const auto text =
        vw::redacted(vw::parseConfig(detail + "lang = en\nrequest_interval = 250ms\n", "t.conf"));
    CHECK_THAT(text, Contains("\nurl = https://jvndb.jvn.jp/en/feed/detail/\n"));
    CHECK_THAT(text, Contains("\nlang = en\nrequest_interval = 250ms\nretries = 3\nsince = 1998\n"
                              "checksum_url = https://jvndb.jvn.jp/en/feed/checksum.txt\n"));
    CHECK_THAT(text, !Contains("max_message_bytes"));
}

TEST_CASE("redacted shows the imap keys, never the password", "[config][sources][redact]") {
    const auto config = vw::parseConfig(
        "[source.m]\ntype = imap\nurl = imap://mx.example.jp/INBOX\nuser = feed\n"
        "password = IMAP-SECRET\nafter_processing = move\nmove_to = Done\n"
        "[source.s]\ntype = imap\nurl = imaps://mx.example.jp/INBOX\nuser = feed\n"
        "password_file = /etc/vulnwatch/imap.secret\nkeyring = /etc/vulnwatch/gnupg\n",
        "t.conf", false);
    const auto text = vw::redacted(config);
    CHECK_THAT(text, !Contains("IMAP-SECRET"));
    CHECK_THAT(text, Contains("\nuser = feed\npassword = <redacted>\n"));
    CHECK_THAT(text, Contains("\nstarttls = auto\nafter_processing = move\nmove_to = Done\n"
                              "max_message_bytes = 16M\nunsigned_policy = accept\n"
                              "invalid_policy = flag\nlist = m\n"));
    CHECK_THAT(text, Contains("\npassword_file = /etc/vulnwatch/imap.secret\n"));
    CHECK_THAT(text, Contains("\nafter_processing = seen\nmax_message_bytes = 16M\n"
                              "keyring = /etc/vulnwatch/gnupg\nunsigned_policy = accept\n"
                              "invalid_policy = flag\nlist = s\n"));
    // imaps:// has no STARTTLS: starttls appears once, for the imap:// source.
    CHECK(text.find("starttls") == text.rfind("starttls"));
    for (const char* other : {"lang", "request_interval", "retries", "since", "checksum_url"}) {
        INFO(other);
        CHECK_THAT(text, !Contains(std::string("\n") + other + " =")); // not [web] listen
    }
}

TEST_CASE("redacted output of the new source types parses back equal",
          "[config][sources][redact]") {
    const auto original = vw::parseConfig(
        myjvn + "lang = en\nrequest_interval = 1500ms\nretries = 0\nsince = 2023-10-01\n" +
            "[source.j2]\ntype = myjvn\nrequest_interval = 120000ms\n" + detail +
            "url = http://127.0.0.1:8080/detail/\nsince = 2015\nretries = 10\n" +
            "[source.m]\ntype = imap\nurl = imap://mx.jp:143/Lists/JPCERT%20CC\nuser = u\n"
            "password_file = /nonexistent/pw\nstarttls = off\nafter_processing = move\n"
            "move_to = Archive/2024\nmax_message_bytes = 1000\nkeyring = /nonexistent/gnupg\n"
            "unsigned_policy = reject\ninvalid_policy = reject\nlist = jpcert\n" +
            "[source.m2]\ntype = imap\nurl = imaps://mx.jp/INBOX\nuser = u\n"
            "password_file = /nonexistent/pw\n" +
            alert + "url = http://127.0.0.1:8080/myjvn\nrequest_interval = 250ms\nretries = 1\n",
        "round.conf", false);
    const auto text = vw::redacted(original);
    INFO(text);
    CHECK_THAT(text, Contains("\nrequest_interval = 2m\n"));
    CHECK_THAT(text, Contains("\nrequest_interval = 1500ms\n"));
    CHECK_THAT(text, Contains("\nchecksum_url = http://127.0.0.1:8080/checksum.txt\n"));
    const auto reparsed = vw::parseConfig(text, "round.conf", false);
    CHECK(reparsed == original);
    CHECK(vw::redacted(reparsed) == text);
}

TEST_CASE("parseDurationMs and formatDurationMs", "[config][duration]") {
    CHECK(vw::parseDurationMs("500ms") == 500ms);
    CHECK(vw::parseDurationMs("1s") == 1000ms);
    CHECK(vw::parseDurationMs("2m") == 120000ms);
    CHECK(vw::parseDurationMs("7") == 7000ms);
    CHECK(vw::parseDurationMs("315360000000ms") == std::chrono::milliseconds(315360000000LL));
    for (const char* bad : {"", "0ms", "ms", "-1ms", "1.5ms", "1 ms", "1Ms", "315360000001ms",
                            "99999999999999999999ms", "0", "3651d"}) {
        INFO(bad);
        CHECK_THROWS_AS(vw::parseDurationMs(bad), std::invalid_argument);
    }
    CHECK(vw::formatDurationMs(500ms) == "500ms");
    CHECK(vw::formatDurationMs(1000ms) == "1s");
    CHECK(vw::formatDurationMs(1500ms) == "1500ms");
    CHECK(vw::formatDurationMs(120000ms) == "2m");
    CHECK(vw::formatDurationMs(86400000ms) == "1d");
}
