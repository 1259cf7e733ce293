// Runs a loopback test server written in Python (tests/servers/*.py) for the length of a test:
// started with /usr/bin/python3, ready when it prints "PORT <n>" (bounded wait), killed and
// reaped when the object goes away. A server that does not start fails the test.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace vw::test {

class PythonServer {
public:
    PythonServer(const std::string& script, const std::vector<std::string>& args,
                 std::chrono::milliseconds startupLimit = std::chrono::seconds(15)) {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        std::vector<std::string> argv = {"/usr/bin/python3", script};
        argv.insert(argv.end(), args.begin(), args.end());
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            ::close(out[1]);
            std::vector<char*> raw;
            for (std::string& a : argv) {
                raw.push_back(a.data());
            }
            raw.push_back(nullptr);
            ::execv(raw[0], raw.data());
            ::_exit(127);
        }
        ::close(out[1]);
        fd_ = out[0];
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + startupLimit;
        while (line.find('\n') == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{fd_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                stop();
                FAIL(script << " did not print its port within " << startupLimit.count() << " ms");
            }
            char buffer[256];
            const ssize_t n = ::read(fd_, buffer, sizeof buffer);
            if (n <= 0) {
                stop();
                FAIL(script << " exited before it printed its port (output: " << line << ")");
            }
            line.append(buffer, static_cast<std::size_t>(n));
        }
        if (line.rfind("PORT ", 0) != 0) {
            stop();
            FAIL(script << " printed " << line << " instead of PORT <n>");
        }
        port_ = std::stoi(line.substr(5));
    }

    ~PythonServer() { stop(); }

    PythonServer(const PythonServer&) = delete;
    PythonServer& operator=(const PythonServer&) = delete;

    int port() const { return port_; }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    pid_t pid_ = -1;
    int fd_ = -1;
    int port_ = 0;
};

} // namespace vw::test
