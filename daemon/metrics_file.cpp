#include "daemon/metrics_file.h"

#include "daemon/log.h"
#include "store/status.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/file.h>
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

std::string textfileLockPath(const std::string& textfile) {
    const std::filesystem::path target(textfile);
    return (target.parent_path() / ("." + target.filename().string() + ".lock")).string();
}

namespace {

/// Opens (creating) the lock file of `textfile`; -1 with errno set when it cannot. A user who
/// may not write it (another account's file) may still lock it: flock needs no write access.
int openLockFile(const std::string& textfile) {
    const std::string path = textfileLockPath(textfile);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    return fd;
}

/// Closes the descriptor (and so drops its lock) at the end of the scope.
struct FileDescriptor {
    explicit FileDescriptor(int descriptor) : fd(descriptor) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    const int fd;
};

/// flock(2) without waiting, again when a signal interrupts it: true when taken.
bool tryFlock(int fd, int operation) {
    for (;;) {
        if (::flock(fd, operation | LOCK_NB) == 0) {
            return true;
        }
        if (errno != EINTR) {
            return false;
        }
    }
}

std::string statusText(Store& store, const Config& config, std::int64_t now,
                       const web::DaemonProcess* daemon) {
    std::vector<StatusSource> sources;
    for (const SourceConfig& s : config.sources) {
        sources.push_back(StatusSource{s.name, s.type, s.enabled, s.interval});
    }
    return web::metricsText(readStatus(store, sources, now), daemon);
}

} // namespace

TextfileClaim::~TextfileClaim() {
    release();
}

void TextfileClaim::release() {
    if (fd_ >= 0) {
        ::close(fd_); // drops the lock
        fd_ = -1;
    }
}

void TextfileClaim::hold(const std::string& textfile) {
    if (textfile != textfile_) {
        release();
        textfile_ = textfile;
        warned_ = false;
    }
    if (textfile_.empty() || fd_ >= 0) {
        return;
    }
    const int fd = openLockFile(textfile_);
    if (fd < 0) {
        if (!warned_) {
            VW_LOG_WARNING("metrics", "cannot open " << textfileLockPath(textfile_) << ": "
                                                     << systemReason()
                                                     << "; a `poll --once` with the same "
                                                        "metrics textfile may write it too");
            warned_ = true;
        }
        return;
    }
    // A `poll --once` holds the lock exclusively only while it writes the file (milliseconds).
    bool busy = false;
    for (int i = 0; i < 50; ++i) {
        if (tryFlock(fd, LOCK_SH)) {
            fd_ = fd;
            return;
        }
        busy = errno == EWOULDBLOCK;
        if (!busy) {
            break;
        }
        ::usleep(20 * 1000);
    }
    if (!warned_) {
        VW_LOG_WARNING("metrics", "cannot lock " << textfileLockPath(textfile_) << ": "
                                                 << (busy ? std::string("a poll --once holds it")
                                                          : systemReason())
                                                 << "; trying again at the next write");
        warned_ = true;
    }
    ::close(fd);
}

void writeMetricsTextfile(Store& store, const Config& config, std::int64_t now,
                          const web::DaemonProcess& daemon, TextfileClaim& claim) {
    claim.hold(config.metricsTextfile);
    if (config.metricsTextfile.empty()) {
        return;
    }
    try {
        writeFileAtomically(config.metricsTextfile, statusText(store, config, now, &daemon));
    } catch (const std::exception& e) {
        VW_LOG_WARNING("metrics", "cannot write the metrics textfile: " << e.what());
    }
}

void writeDaemonRoleTextfile(const Config& config, const web::DaemonProcess& daemon,
                             TextfileClaim& claim) {
    claim.hold(config.metricsTextfile);
    if (config.metricsTextfile.empty()) {
        return;
    }
    try {
        writeFileAtomically(config.metricsTextfile, web::daemonRoleText(daemon));
    } catch (const std::exception& e) {
        VW_LOG_WARNING("metrics", "cannot write the metrics textfile: " << e.what());
    }
}

PollTextfile writePollMetricsTextfile(Store& store, const Config& config, std::int64_t now) {
    const std::string& path = config.metricsTextfile;
    if (path.empty()) {
        return PollTextfile::NotConfigured;
    }
    try {
        // The text first: the exclusive lock below is held only for the write itself.
        const std::string text = statusText(store, config, now, nullptr) + web::inactiveRoleText();
        const FileDescriptor lock(openLockFile(path));
        if (lock.fd >= 0 && !tryFlock(lock.fd, LOCK_EX) && errno == EWOULDBLOCK) {
            // Shared holders are daemons; an exclusive one is another `poll --once`.
            if (tryFlock(lock.fd, LOCK_SH)) {
                VW_LOG_INFO("metrics", "metrics textfile "
                                           << path
                                           << " left to the vulnwatch run on this machine that "
                                              "writes it (it holds "
                                           << textfileLockPath(path)
                                           << "); the active daemon's next round, within "
                                              "30 s, exports what this poll stored");
                return PollTextfile::LeftToDaemon;
            }
            VW_LOG_INFO("metrics",
                        "metrics textfile " << path << " left to another poll --once writing it");
            return PollTextfile::LeftToPoll;
        }
        // Without a lock file (its folder missing or not writable) no daemon claims the file
        // (the write below says what is wrong); on a file system without locks it is written
        // unlocked.
        writeFileAtomically(path, text);
        return PollTextfile::Written;
    } catch (const std::exception& e) {
        VW_LOG_WARNING("metrics", "cannot write the metrics textfile: " << e.what());
        return PollTextfile::Failed;
    }
}

} // namespace vw
