#include "daemon/metrics_file.h"

#include "daemon/log.h"
#include "store/status.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace vw {

namespace {

std::string systemReason() {
    return std::error_code(errno, std::generic_category()).message();
}

} // namespace

void writeFileAtomically(const std::string& path, const std::string& text) {
    const std::filesystem::path target(path);
    // A dot name: node_exporter reads only *.prom, so it never sees the temporary file.
    const std::string temp =
        (target.parent_path() / ("." + target.filename().string() + ".tmp")).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("cannot write " + temp + ": " + systemReason());
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const std::string reason = systemReason();
            ::close(fd);
            ::unlink(temp.c_str());
            throw std::runtime_error("cannot write " + temp + ": " + reason);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, 0644) != 0 || ::close(fd) != 0) {
        const std::string reason = systemReason();
        ::unlink(temp.c_str());
        throw std::runtime_error("cannot write " + temp + ": " + reason);
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string reason = systemReason();
        ::unlink(temp.c_str());
        throw std::runtime_error("cannot rename " + temp + " to " + path + ": " + reason);
    }
}

void writeMetricsTextfile(Store& store, const Config& config, std::int64_t now,
                          const web::DaemonProcess* daemon) {
    if (config.metricsTextfile.empty()) {
        return;
    }
    try {
        std::vector<StatusSource> sources;
        for (const SourceConfig& s : config.sources) {
            sources.push_back(StatusSource{s.name, s.type, s.enabled, s.interval});
        }
        writeFileAtomically(config.metricsTextfile,
                            web::metricsText(readStatus(store, sources, now), daemon));
    } catch (const std::exception& e) {
        VW_LOG_WARNING("metrics", "cannot write the metrics textfile: " << e.what());
    }
}

void writeDaemonRoleTextfile(const Config& config, const web::DaemonProcess& daemon) {
    if (config.metricsTextfile.empty()) {
        return;
    }
    try {
        writeFileAtomically(config.metricsTextfile, web::daemonRoleText(daemon));
    } catch (const std::exception& e) {
        VW_LOG_WARNING("metrics", "cannot write the metrics textfile: " << e.what());
    }
}

} // namespace vw
