// Running the CLI in-process, for the command tests: runCli() with captured output.
#pragma once

#include "daemon/cli.h"

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

} // namespace vw::test
