// Logging to stderr with levels. Under systemd (JOURNAL_STREAM set) each line carries a
// sd-daemon priority prefix (`<3>` … `<7>`) and no timestamp, so journald files it at the right
// level; on a terminal lines read `2026-11-25T10:00:00Z warning [feeds.jvndb-new] message`.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace vw::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };

/// Parses debug|info|warning|error; throws std::invalid_argument otherwise.
Level parseLevel(std::string_view name);
void setLevel(Level level);
bool enabled(Level level);
/// Writes one line (thread safe). `component` names the module, e.g. "feeds.jvndb-new".
void write(Level level, std::string_view component, std::string_view message);

} // namespace vw::log

// Stream-style helpers: VW_LOG_INFO("daemon", "loaded " << n << " sources");
#define VW_LOG(level, component, expr)                                                             \
    do {                                                                                           \
        if (::vw::log::enabled(level)) {                                                           \
            std::ostringstream vw_log_stream_;                                                     \
            vw_log_stream_ << expr;                                                                \
            ::vw::log::write(level, component, vw_log_stream_.str());                              \
        }                                                                                          \
    } while (false)
#define VW_LOG_DEBUG(component, expr) VW_LOG(::vw::log::Level::Debug, component, expr)
#define VW_LOG_INFO(component, expr) VW_LOG(::vw::log::Level::Info, component, expr)
#define VW_LOG_WARNING(component, expr) VW_LOG(::vw::log::Level::Warning, component, expr)
#define VW_LOG_ERROR(component, expr) VW_LOG(::vw::log::Level::Error, component, expr)
