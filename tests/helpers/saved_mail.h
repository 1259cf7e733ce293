// Mail the loopback SMTP sink of scripts/test-servers.sh saved (TS_SMTP_OUTDIR: one .eml and
// one .json envelope per message), found by Message-ID and read by Python's email package as a
// mail client would (tests/integration/read_mail.py prints what it found as one JSON object).
#pragma once

#include "helpers/fixtures.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

namespace vw::test {

/// The saved message whose Message-ID is `<key@vulnwatch>` (EmailNotifier's form), waiting up
/// to `wait` for the sink to write it.
inline std::optional<std::filesystem::path>
savedMailWithKey(const std::filesystem::path& outdir, const std::string& key,
                 std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    const std::string messageId = "<" + key + "@vulnwatch>";
    const auto until = std::chrono::steady_clock::now() + wait;
    do {
        for (const auto& file : std::filesystem::directory_iterator(outdir)) {
            if (file.path().extension() == ".eml" &&
                readFile(file.path()).find(messageId) != std::string::npos) {
                return file.path();
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < until);
    return std::nullopt;
}

/// read_mail.py's JSON for a saved message: subject, from, to, message_id, in_reply_to,
/// content_type, parts, plain_body, html_body, defects, …
inline Poco::JSON::Object::Ptr mailAsPythonReadsIt(const std::filesystem::path& eml) {
    const std::string script = (sourceDir() / "tests/integration/read_mail.py").string();
    const std::string command = "/usr/bin/python3 '" + script + "' '" + eml.string() + "' 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
        output.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    INFO("read_mail.py: " << output);
    REQUIRE(status == 0);
    Poco::JSON::Parser parser;
    return parser.parse(output).extract<Poco::JSON::Object::Ptr>();
}

} // namespace vw::test
