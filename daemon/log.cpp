#include "daemon/log.h"

#include "core/redact.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>

namespace vw::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};
std::mutex g_mutex;

const char* levelName(Level level) {
    switch (level) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "info";
}

// sd-daemon(3) priorities: err=3, warning=4, info=6, debug=7.
int syslogPriority(Level level) {
    switch (level) {
    case Level::Debug:
        return 7;
    case Level::Info:
        return 6;
    case Level::Warning:
        return 4;
    case Level::Error:
        return 3;
    }
    return 6;
}

bool underJournal() {
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    return journal;
}

} // namespace

Level parseLevel(std::string_view name) {
    if (name == "debug") {
        return Level::Debug;
    }
    if (name == "info") {
        return Level::Info;
    }
    if (name == "warning") {
        return Level::Warning;
    }
    if (name == "error") {
        return Level::Error;
    }
    throw std::invalid_argument("unknown log level '" + std::string(name) +
                                "' (debug, info, warning, error)");
}

void setLevel(Level level) {
    g_level.store(static_cast<int>(level));
}

bool enabled(Level level) {
    return static_cast<int>(level) >= g_level.load();
}

void write(Level level, std::string_view component, std::string_view message) {
    std::string line;
    if (underJournal()) {
        line = "<" + std::to_string(syslogPriority(level)) + ">";
    } else {
        const std::time_t now =
            std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        std::tm utc{};
        gmtime_r(&now, &utc);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &utc);
        line = stamp;
    }
    line += levelName(level);
    line += " [";
    line += component;
    line += "] ";
    // One record per line: journald and grep both rely on it. No credentials: a line may quote a
    // server's reply or a URL (core/redact.h; the sources of such text redact it already).
    for (char c : redactSecrets(message)) {
        line += (c == '\n' || c == '\r') ? ' ' : c;
    }
    line += '\n';
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

} // namespace vw::log
