// Running the CLI in-process, for the command tests: runCli() with captured output.
#pragma once

#include "daemon/cli.h"
#include "helpers/fixtures.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vw::test {

/// What one command gave: its exit code and what it wrote to stdout and stderr.
struct CliResult {
    int code;
    std::string out;
    std::string err;
};

inline CliResult cli(std::vector<std::string> args) {
    std::ostringstream out, err;
    const int code = runCli(args, out, err);
    return {code, out.str(), err.str()};
}

/// A path `name` in a new temporary folder of its own, holding `content` when given.
inline std::string tempFile(const std::string& name, const std::string& content = {}) {
    const auto dir = std::filesystem::temp_directory_path() / uniqueToken("vw-cli");
    std::filesystem::create_directories(dir);
    const auto path = dir / name;
    if (!content.empty()) {
        std::ofstream(path, std::ios::binary) << content;
    }
    return path.string();
}

} // namespace vw::test
