#include "daemon/cli_support.h"

#include "core/datetime.h"

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

namespace vw::cli {

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string readInput(const std::string& path) {
    if (path == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::optional<Config> maybeConfig(const Context& ctx, bool required, bool readSecrets) {
    if (!ctx.globals.configGiven && !std::filesystem::exists(ctx.globals.configPath)) {
        if (required) {
            throw ConfigError(ctx.globals.configPath, 0, "",
                              "no configuration file (give --config PATH)");
        }
        return std::nullopt;
    }
    return loadConfig(ctx.globals.configPath, readSecrets);
}

std::int64_t parseNumberedId(const std::string& text, const char* what) {
    std::string_view digits = text;
    if (!digits.empty() && digits[0] == '#') {
        digits.remove_prefix(1);
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        value <= 0) {
        throw UsageError(std::string("a ") + what + " is named by its number (e.g. 12), not '" +
                         text + "'");
    }
    return value;
}

std::unique_ptr<Store> openStore(const Context& ctx, const std::optional<Config>& config) {
    std::string path = ctx.globals.db;
    if (path.empty() && config) {
        path = config->store.path;
    }
    if (path.empty()) {
        throw UsageError("no store: give --db PATH or a config file with [store] path");
    }
    return Store::open(path);
}

Lang langOf(const Options& opt) {
    const std::string lang = opt.get("lang", "ja");
    if (lang != "ja" && lang != "en") {
        throw UsageError("--lang must be ja or en, not '" + lang + "'");
    }
    return Lang{lang == "ja"};
}

std::string actorOf(const Options& opt) {
    if (opt.has("by")) {
        const std::string by = opt.get("by");
        if (by.empty()) {
            throw UsageError("--by needs a name");
        }
        return by;
    }
    for (const char* variable : {"SUDO_USER", "USER"}) {
        const char* value = std::getenv(variable);
        if (value != nullptr && *value != '\0') {
            return value;
        }
    }
    return "cli";
}

std::string formatTime(std::int64_t t) {
    if (t == 0) {
        return "-";
    }
    return formatIsoDateTime(DateTime{t, 540});
}

} // namespace vw::cli
