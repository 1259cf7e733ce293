// libFuzzer target: what an administrator writes and what servers answer in headers — the INI
// configuration (parsed and validated without opening any file it names), the product registry
// JSON (`products import`), and HTTP response header lines with the Retry-After values the
// pacer and the webhook notifiers read. The first byte picks the parser; the rest is its input.
// Beyond "no crash, no sanitizer report" each checks a property: a configuration that loads
// prints (redacted) as one that loads again and prints the same; header names are lower-case
// and trimmed; a Retry-After is never negative. Built only with clang (tests/CMakeLists.txt).
#include "config/config.h"
#include "core/http.h"
#include "daemon/json_read.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "%s: '%.*s'\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

void config(std::string_view input) {
    std::string printed;
    try {
        const vw::Config loaded = vw::parseConfig(std::string(input), "fuzz.conf", false);
        printed = vw::redacted(loaded);
    } catch (const vw::ConfigError&) {
        return; // refusing a configuration is fine
    }
    try {
        const vw::Config again = vw::parseConfig(printed, "fuzz.conf", false);
        if (vw::redacted(again) != printed) {
            fail("the printed configuration prints differently when loaded", printed);
        }
    } catch (const vw::ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        fail("the printed configuration does not load", printed);
    }
}

void products(std::string_view input) {
    try {
        const auto registry = vw::productsFromJson(std::string(input));
        for (const auto& product : registry) {
            if (product.name.empty()) {
                fail("a product without a name", input);
            }
        }
    } catch (const vw::JsonInputError&) {
        // refusing a document is fine
    }
}

void headers(std::string_view input) {
    std::vector<std::pair<std::string, std::string>> read;
    std::size_t start = 0;
    while (start <= input.size()) {
        const auto end = input.find('\n', start);
        const auto line =
            input.substr(start, end == std::string_view::npos ? input.npos : end - start + 1);
        vw::addHeaderLine(read, line);
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    for (const auto& [name, value] : read) {
        if (name.empty()) {
            fail("a header without a name", value);
        }
        for (unsigned char c : name) {
            if (std::isupper(c) != 0) {
                fail("a header name not lower-cased", name);
            }
        }
        if (name.front() == ' ' || name.back() == ' ' ||
            (!value.empty() && (value.front() == ' ' || value.back() == ' '))) {
            fail("a header not trimmed", name + ": " + value);
        }
        for (const std::int64_t now : {std::int64_t{0}, std::int64_t{1795903200}}) {
            const auto wait = vw::parseRetryAfter(value, now);
            if (wait && *wait < 0) {
                fail("a negative Retry-After", value);
            }
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        config(input);
        break;
    case 1:
        products(input);
        break;
    default:
        headers(input);
        break;
    }
    return 0;
}
