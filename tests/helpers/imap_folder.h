// IMAP test helpers for the Dovecot of scripts/test-servers.sh: a private Maildir++ folder per
// test (the one user's INBOX is shared by tests running in parallel), delivery the way
// ts_deliver does it (tmp/ then rename into new/, owned like the Maildir), and a private server
// set for tests that kill Dovecot.
#pragma once

#include "feeds/imap_source.h"
#include "helpers/fixtures.h"

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace vw::test {

/// The IMAP part of the shared test servers (a missing variable fails the test).
struct ImapServer {
    std::string imapPort;
    std::string imapsPort;
    std::string user;
    std::string password;
    std::string maildir;
    std::string caCert;

    static ImapServer fromEnv() {
        return {serverEnv("TS_IMAP_PORT"), serverEnv("TS_IMAPS_PORT"),   serverEnv("TS_IMAP_USER"),
                serverEnv("TS_IMAP_PASS"), serverEnv("TS_IMAP_MAILDIR"), serverEnv("TS_CA_CERT")};
    }

    /// Connection options for `folder`: imap:// with STARTTLS required, or imaps://.
    ImapConnectionOptions connection(const std::string& folder, bool implicitTls = false) const {
        ImapConnectionOptions options;
        options.url =
            (implicitTls ? "imaps://127.0.0.1:" + imapsPort : "imap://127.0.0.1:" + imapPort) +
            "/" + folder;
        options.user = user;
        options.password = password;
        options.starttls = "required";
        options.caFile = caCert;
        options.timeoutMs = 20000;
        options.connectTimeoutMs = 5000;
        return options;
    }
};

/// Gives `path` the owner of `like` (Dovecot's mail processes run as nobody when tests are root).
inline void chownLike(const std::filesystem::path& path, const std::filesystem::path& like) {
    struct stat info {};
    REQUIRE(::stat(like.c_str(), &info) == 0);
    if (::geteuid() == 0) {
        REQUIRE(::chown(path.c_str(), info.st_uid, info.st_gid) == 0);
    }
}

/// A Maildir++ subfolder `.vwtest-<stem>-<pid>-<n>` of the test user's Maildir, removed again
/// when the test ends. IMAP name: name().
class ImapTestFolder {
public:
    /// `suffix` is appended to the name; `diskSuffix` is how Dovecot writes it in the folder's
    /// directory name (modified UTF-7, the default of its Maildir++ layout).
    ImapTestFolder(const std::string& maildir, const std::string& stem, bool create = true,
                   const std::string& suffix = "", const std::string& diskSuffix = "")
        : maildir_(maildir) {
        static std::atomic<int> counter{0};
        const std::string base =
            "vwtest-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        name_ = base + suffix;
        path_ = maildir_ / ("." + base + diskSuffix);
        if (create) {
            for (const char* sub : {"", "cur", "new", "tmp"}) {
                const auto dir = path_ / sub;
                std::filesystem::create_directories(dir);
                chownLike(dir, maildir_);
            }
        }
    }
    ~ImapTestFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ImapTestFolder(const ImapTestFolder&) = delete;
    ImapTestFolder& operator=(const ImapTestFolder&) = delete;

    const std::string& name() const { return name_; }
    const std::filesystem::path& path() const { return path_; }

    /// Delivers one message (Dovecot gives it the next UID on the next SELECT).
    void deliver(const std::string& content) {
        static std::atomic<int> counter{0};
        const std::string file = std::to_string(std::time(nullptr)) + ".M" +
                                 std::to_string(counter++) + "P" + std::to_string(::getpid()) +
                                 ".vwtest";
        const auto tmp = path_ / "tmp" / file;
        {
            std::ofstream out(tmp, std::ios::binary);
            out << content;
            out.close();
            REQUIRE(out.good());
        }
        std::filesystem::permissions(tmp, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
        chownLike(tmp, maildir_);
        std::filesystem::rename(tmp, path_ / "new" / file);
    }

    /// Deletes Dovecot's UID list and indexes of this folder: the next SELECT gives the folder
    /// a new UIDVALIDITY and numbers its messages from 1 again.
    void forgetUids() {
        int removed = 0;
        for (const auto& entry : std::filesystem::directory_iterator(path_)) {
            const std::string file = entry.path().filename().string();
            if (file == "dovecot-uidlist" || file.rfind("dovecot.index", 0) == 0) {
                std::filesystem::remove(entry.path());
                ++removed;
            }
        }
        REQUIRE(removed > 0);
    }

    /// Message files in cur/ and new/ (what a MOVE took away or brought).
    int messageFiles() const {
        int count = 0;
        for (const char* sub : {"cur", "new"}) {
            if (!std::filesystem::exists(path_ / sub)) {
                continue;
            }
            for ([[maybe_unused]] const auto& entry :
                 std::filesystem::directory_iterator(path_ / sub)) {
                ++count;
            }
        }
        return count;
    }

private:
    std::filesystem::path maildir_;
    std::string name_;
    std::filesystem::path path_;
};

/// A plain test message (written for these tests, not a real advisory).
inline std::string testMail(const std::string& messageId, const std::string& subject,
                            const std::string& body) {
    return "From: JPCERT/CC <test-sender@example.jp>\r\n"
           "To: psirt@example.jp\r\n"
           "Subject: " +
           subject +
           "\r\n"
           "Date: Fri, 02 Aug 2024 10:00:00 +0900\r\n"
           "Message-ID: <" +
           messageId +
           ">\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n"
           "\r\n" +
           body + "\r\n";
}

/// Runs a shell command, returns its stdout; fails the test when it exits non-zero.
inline std::string runCommand(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        output.append(buffer.data(), got);
    }
    const int status = ::pclose(pipe);
    INFO("command: " << command << "\noutput: " << output);
    REQUIRE(status == 0);
    return output;
}

/// A private set of test servers (own Dovecot, ports and Maildir) for tests that kill Dovecot;
/// stopped and removed when the object goes.
class PrivateTestServers {
public:
    PrivateTestServers() {
        char pattern[] = "/tmp/vw-imapcrash-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        dir_ = pattern;
        const std::string output = runCommand("bash " + script() + " start " + dir_);
        std::size_t at = 0;
        while (at < output.size()) {
            auto end = output.find('\n', at);
            if (end == std::string::npos) {
                end = output.size();
            }
            const std::string line = output.substr(at, end - at);
            at = end + 1;
            const std::string prefix = "export ";
            const auto equals = line.find('=');
            if (line.rfind(prefix, 0) == 0 && equals != std::string::npos) {
                vars_[line.substr(prefix.size(), equals - prefix.size())] = line.substr(equals + 1);
            }
        }
        REQUIRE(vars_.count("TS_IMAP_PORT") == 1);
        REQUIRE(vars_.count("TS_IMAP_MAILDIR") == 1);
    }
    ~PrivateTestServers() {
        // never throws: a failed stop leaves a temp dir behind, nothing else
        const std::string command = "bash " + script() + " stop " + dir_ + " >/dev/null 2>&1";
        [[maybe_unused]] const int ignored = std::system(command.c_str());
    }
    PrivateTestServers(const PrivateTestServers&) = delete;
    PrivateTestServers& operator=(const PrivateTestServers&) = delete;

    std::string var(const std::string& name) const {
        const auto found = vars_.find(name);
        REQUIRE(found != vars_.end());
        return found->second;
    }
    ImapServer imap() const {
        return {var("TS_IMAP_PORT"), var("TS_IMAPS_PORT"),   var("TS_IMAP_USER"),
                var("TS_IMAP_PASS"), var("TS_IMAP_MAILDIR"), var("TS_CA_CERT")};
    }
    void killImap() const { runCommand("bash " + script() + " kill-imap " + dir_ + " 2>&1"); }
    void startImap() const { runCommand("bash " + script() + " start-imap " + dir_ + " 2>&1"); }

private:
    static std::string script() { return (sourceDir() / "scripts" / "test-servers.sh").string(); }

    std::string dir_;
    std::map<std::string, std::string> vars_;
};

} // namespace vw::test
