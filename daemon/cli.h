// The command line (DESIGN.md "CLI contract"). Exit codes: 0 ok, 1 runtime failure, 2 usage or
// config error, 3 poll finished but some source failed, 4 the store is corrupt (`run` and
// `serve` at start, [daemon] check_at_start).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace vw {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitSourceFailed = 3;
constexpr int kExitCorruptStore = 4;

/// Runs one command; `args` excludes the program name. Output goes to `out`, errors to `err`.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace vw
