// Helpers shared by the config tests: a temporary directory and "the error this text raises".
#pragma once

#include "config/config.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace vw::test {

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("vw-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Writes `content` to `name` (relative to the directory) and returns the full path.
    std::filesystem::path write(const std::string& name, const std::string& content) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary);
        out << content;
        REQUIRE(out.good());
        return file;
    }

private:
    std::filesystem::path path_;
};

/// The ConfigError that parsing `text` (named "t.conf") throws; fails the test when none.
inline ConfigError errorOf(const std::string& text, bool readSecrets = true) {
    try {
        parseConfig(text, "t.conf", readSecrets);
    } catch (const ConfigError& error) {
        return error;
    }
    FAIL("expected a ConfigError for:\n" << text);
    throw std::logic_error("unreachable");
}

} // namespace vw::test
