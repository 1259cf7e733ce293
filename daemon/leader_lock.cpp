#include "daemon/leader_lock.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace vw {
namespace {

/// The session settings of the lock connection. The server drops a silent client after about
/// 16 s (keep-alives after 10 s idle, three probes 2 s apart), later than this side gives up on
/// the server (5 s), so an active daemon cut off from PostgreSQL stops before a standby can take
/// the lock. statement_timeout bounds every check; idle_session_timeout must not end a standby's
/// quiet session.
constexpr std::array<std::pair<const char*, const char*>, 6> kSessionSettings{{
    {"tcp_keepalives_idle", "10"},
    {"tcp_keepalives_interval", "2"},
    {"tcp_keepalives_count", "3"},
    {"tcp_user_timeout", "16000"},
    {"statement_timeout", "5000"},
    {"idle_session_timeout", "0"},
}};

/// The client side: libpq's keep-alives and timeouts (docs/operations.md).
constexpr std::array<std::pair<const char*, const char*>, 6> kConnectionSettings{{
    {"keepalives", "1"},
    {"keepalives_idle", "5"},
    {"keepalives_interval", "2"},
    {"keepalives_count", "2"},
    {"tcp_user_timeout", "5000"},
    {"connect_timeout", "5"},
}};

bool isUrl(const std::string& conninfo) {
    return conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://");
}

/// True when `conninfo` sets `key` itself (as a URL query parameter or a `key=value` word).
bool setsKey(const std::string& conninfo, std::string_view key) {
    const std::string needle = std::string(key) + "=";
    std::size_t at = 0;
    while ((at = conninfo.find(needle, at)) != std::string::npos) {
        const char before = at == 0 ? ' ' : conninfo[at - 1];
        if (before == '?' || before == '&' || before == ' ' || before == '\t') {
            return true;
        }
        at += needle.size();
    }
    return false;
}

/// `message` without the settings withLockConnectionSettings() appended to the URL it names:
/// the journal shows the URL as configured.
std::string withoutAddedSettings(std::string message) {
    std::string added;
    for (const auto& [key, value] : kConnectionSettings) {
        added += std::string(added.empty() ? "" : "&") + key + "=" + value;
    }
    for (const std::string& text : {"?" + added, "&" + added}) {
        for (auto at = message.find(text); at != std::string::npos; at = message.find(text)) {
            message.erase(at, text.size());
        }
    }
    return message;
}

/// The session holding the lock (kLeaderLockClass, object) in `db`'s database, if any.
std::optional<LeaderLock::Holder> holderOf(Database& db, std::int32_t object) {
    Statement q =
        db.prepare("SELECT a.pid, COALESCE(a.application_name, ''), "
                   "COALESCE(host(a.client_addr), 'local'), "
                   "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                   "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                   "WHERE l.locktype = 'advisory' AND l.granted AND CAST(l.classid AS bigint) = ? "
                   "AND CAST(l.objid AS bigint) = ? AND l.objsubid = 2 AND l.database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())");
    q.bind(1, static_cast<std::int64_t>(kLeaderLockClass))
        .bind(2, static_cast<std::int64_t>(object));
    if (!q.step()) {
        return std::nullopt;
    }
    return LeaderLock::Holder{q.integer(0), q.text(1), q.text(2), q.text(3)};
}

} // namespace

std::int32_t leaderLockObject(std::string_view schema) {
    if (schema == "public") {
        return 0;
    }
    std::uint32_t hash = 2166136261u; // FNV-1a, 32 bits
    for (const char c : schema) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619u;
    }
    const auto object = static_cast<std::int32_t>(hash & 0x7fffffffu);
    return object == 0 ? 1 : object;
}

std::string withLockConnectionSettings(const std::string& url) {
    std::string out = url;
    const bool urlForm = isUrl(url);
    bool query = url.find('?') != std::string::npos;
    for (const auto& [key, value] : kConnectionSettings) {
        if (setsKey(url, key)) {
            continue;
        }
        if (urlForm) {
            out += query ? "&" : "?";
            query = true;
        } else {
            out += out.empty() ? "" : " ";
        }
        out += std::string(key) + "=" + value;
    }
    return out;
}

std::string localHostName() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) {
        host = {};
    }
    return host[0] != '\0' ? std::string(host.data()) : std::string("localhost");
}

std::string leaderApplicationName() {
    const std::string name = "vulnwatch run " + localHostName() + ":" + std::to_string(::getpid());
    return name.size() <= 63 ? name : name.substr(0, 63);
}

std::string runLockPath(const std::string& dbPath) {
    return dbPath + ".run.lock";
}

RunFileLock::RunFileLock(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0) {
        throw StoreError("cannot open the lock file " + path_ + ": " + std::strerror(errno));
    }
}

RunFileLock::~RunFileLock() {
    if (fd_ >= 0) {
        ::close(fd_); // releases the flock
    }
}

bool RunFileLock::tryAcquire(std::int64_t now, const std::string& metricsTextfile) {
    if (held_) {
        return true;
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK || errno == EINTR) {
            return false;
        }
        throw StoreError("cannot lock " + path_ + ": " + std::strerror(errno));
    }
    held_ = true;
    char since[32] = "";
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    if (::gmtime_r(&t, &tm) != nullptr) {
        std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    // A record for the standbys; the lock does not depend on it (a failed write is harmless).
    const std::string record = "pid=" + std::to_string(::getpid()) + "\nhost=" + localHostName() +
                               "\nsince=" + since + "\nmetrics_textfile=" + metricsTextfile + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] const ssize_t n = ::pwrite(fd_, record.data(), record.size(), 0);
    }
    return true;
}

std::optional<RunFileLock::Holder> RunFileLock::holder() const {
    return recordOf(path_);
}

std::optional<RunFileLock::Holder> RunFileLock::recordOf(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return std::nullopt;
    }
    std::string text;
    std::array<char, 4096> buffer{};
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0 && text.size() < 65536;) {
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    Holder h;
    bool complete = false; // the last line is written last
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const std::string key = line.substr(0, eq);
        const std::string value = line.substr(eq + 1);
        if (key == "pid") {
            h.pid = std::atoll(value.c_str());
        } else if (key == "host") {
            h.host = value;
        } else if (key == "since") {
            h.since = value;
        } else if (key == "metrics_textfile") {
            h.metricsTextfile = value;
            complete = !in.eof();
        }
    }
    if (!complete || h.pid <= 0) {
        return std::nullopt;
    }
    return h;
}

std::optional<RunFileLock::Holder> activeDaemonOfFile(const std::string& dbPath) {
    const std::string path = runLockPath(dbPath);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return std::nullopt; // no daemon ever ran on this store
    }
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd); // releases the shared lock, if taken
    if (!held) {
        return std::nullopt;
    }
    RunFileLock::Holder unknown; // held, but its record is being written this very moment
    unknown.host = "?";
    return RunFileLock::recordOf(path).value_or(unknown);
}

LeaderLock::LeaderLock(std::function<Database()> connect, std::string_view schema,
                       std::string applicationName)
    : connect_(std::move(connect)), applicationName_(std::move(applicationName)),
      object_(leaderLockObject(schema)) {}

// Closing the connection ends the session, which releases the lock.
LeaderLock::~LeaderLock() = default;

Database& LeaderLock::connection() {
    if (!db_) {
        Database db = connect_();
        Statement set = db.prepare("SELECT set_config(?, ?, false)");
        set.bind(1, std::string_view("application_name")).bind(2, applicationName_);
        set.step();
        for (const auto& [name, value] : kSessionSettings) {
            set.reset();
            set.bind(1, std::string_view(name)).bind(2, std::string_view(value));
            set.step();
        }
        db_.emplace(std::move(db));
    }
    return *db_;
}

void LeaderLock::drop(const std::string& why) {
    lastError_ = withoutAddedSettings(why);
    held_ = false;
    db_.reset();
}

bool LeaderLock::tryAcquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
        Statement q = connection().prepare(
            "SELECT pg_try_advisory_lock(CAST(? AS integer), CAST(? AS integer))");
        q.bind(1, static_cast<std::int64_t>(kLeaderLockClass))
            .bind(2, static_cast<std::int64_t>(object_));
        held_ = q.step() && q.integer(0) == 1;
        return held_;
    } catch (const std::exception& e) {
        drop(e.what());
        throw StoreError("cannot take the advisory lock: " + lastError_);
    }
}

bool LeaderLock::stillHeld() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!db_ || !held_) {
        return false;
    }
    try {
        Statement q =
            db_->prepare("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                         "AND pid = pg_backend_pid() AND CAST(classid AS bigint) = ? "
                         "AND CAST(objid AS bigint) = ? AND objsubid = 2");
        q.bind(1, static_cast<std::int64_t>(kLeaderLockClass))
            .bind(2, static_cast<std::int64_t>(object_));
        if (q.step() && q.integer(0) == 1) {
            return true;
        }
        drop("the lock is no longer held by this session");
        return false;
    } catch (const std::exception& e) {
        drop(e.what());
        return false;
    }
}

std::optional<LeaderLock::Holder> LeaderLock::holder() {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
        return holderOf(connection(), object_);
    } catch (const std::exception& e) {
        drop(e.what());
        throw StoreError("cannot see who holds the advisory lock: " + lastError_);
    }
}

std::optional<LeaderLock::Holder> activeDaemon(Database& store) {
    Statement q = store.prepare("SELECT current_schema()");
    const std::string schema = q.step() ? q.text(0) : std::string("public");
    return holderOf(store, leaderLockObject(schema));
}

std::string LeaderLock::lastError() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lastError_;
}

} // namespace vw
