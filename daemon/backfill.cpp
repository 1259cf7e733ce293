#include "daemon/backfill.h"

#include "daemon/import.h"
#include "feeds/conditional_get.h"
#include "store/evidence.h"

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace vw {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string withSlash(std::string url) {
    if (url.empty() || url.back() != '/') {
        url += '/';
    }
    return url;
}

std::string baseName(const std::string& url) {
    const auto slash = url.find_last_of('/');
    return slash == std::string::npos ? url : url.substr(slash + 1);
}

std::string megabytes(std::uint64_t bytes) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1024.0 * 1024.0);
    return s.str();
}

/// Keeps at least `interval` between two requests.
class Pacer {
public:
    explicit Pacer(std::chrono::milliseconds interval) : interval_(interval) {}
    void wait() {
        if (started_) {
            const auto next = last_ + interval_;
            if (Clock::now() < next) {
                std::this_thread::sleep_until(next);
            }
        }
        started_ = true;
        last_ = Clock::now();
    }

private:
    std::chrono::milliseconds interval_;
    Clock::time_point last_{};
    bool started_ = false;
};

/// Progress of one year's import: a redrawn bar on a terminal, plain lines otherwise.
class ProgressView {
public:
    ProgressView(std::ostream& out, bool tty, int year)
        : out_(out), tty_(tty), year_(year), start_(Clock::now()) {}

    void update(const ImportProgress& p) {
        const double seconds = std::chrono::duration<double>(Clock::now() - start_).count() + 1e-9;
        const auto rate = static_cast<long>(static_cast<double>(p.items) / seconds);
        if (tty_) {
            constexpr int kWidth = 24;
            const double fraction = p.bytesTotal == 0 ? 1.0
                                                      : static_cast<double>(p.bytesDone) /
                                                            static_cast<double>(p.bytesTotal);
            const int filled = static_cast<int>(fraction * kWidth + 0.5);
            out_ << "\r" << year_ << " [" << std::string(static_cast<std::size_t>(filled), '#')
                 << std::string(static_cast<std::size_t>(kWidth - filled), '-') << "] "
                 << megabytes(p.bytesDone) << "/" << megabytes(p.bytesTotal) << " MB, " << p.items
                 << " items, " << rate << " items/s   " << std::flush;
            if (p.finished) {
                out_ << "\n";
            }
            return;
        }
        if (p.finished || p.items >= nextLine_) {
            out_ << "backfill " << year_ << ": " << p.items << " items, " << megabytes(p.bytesDone)
                 << "/" << megabytes(p.bytesTotal) << " MB, " << rate << " items/s"
                 << (p.finished ? " (done)" : "") << "\n"
                 << std::flush;
            while (nextLine_ <= p.items) {
                nextLine_ += kLineEvery;
            }
        }
    }

private:
    static constexpr std::size_t kLineEvery = 10000;
    std::ostream& out_;
    bool tty_;
    int year_;
    Clock::time_point start_;
    std::size_t nextLine_ = kLineEvery;
};

/// A folder for downloads, removed at the end when we created it.
class WorkDir {
public:
    explicit WorkDir(const std::string& given) {
        if (!given.empty()) {
            path_ = given;
        } else {
            path_ = fs::temp_directory_path() /
                    ("vulnwatch-backfill-" + std::to_string(static_cast<long>(::getpid())));
            owned_ = true;
        }
        fs::create_directories(path_);
    }
    ~WorkDir() {
        if (owned_) {
            std::error_code ignored;
            fs::remove_all(path_, ignored);
        }
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
    bool owned_ = false;
};

std::string stringField(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object->has(name) || object->isNull(name)) {
        return "";
    }
    return object->getValue<std::string>(name);
}

} // namespace

std::vector<ChecksumEntry> parseChecksumList(const std::string& text) {
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(text);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("checksum.txt is not valid JSON: " + e.displayText());
    }
    if (parsed.type() != typeid(Poco::JSON::Array::Ptr)) {
        throw std::runtime_error("checksum.txt is not a JSON array");
    }
    const auto array = parsed.extract<Poco::JSON::Array::Ptr>();
    std::vector<ChecksumEntry> entries;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto object = array->getObject(static_cast<unsigned>(i));
        if (object.isNull()) {
            throw std::runtime_error("checksum.txt: entry " + std::to_string(i + 1) +
                                     " is not an object");
        }
        ChecksumEntry e;
        try {
            e.url = stringField(object, "url");
            e.filename = stringField(object, "filename");
            e.sha256 = lower(stringField(object, "sha256"));
            e.lastModified = stringField(object, "lastModified");
            if (object->has("size") && !object->isNull("size")) {
                e.size = object->getValue<std::int64_t>("size");
            }
        } catch (const Poco::Exception& ex) {
            throw std::runtime_error("checksum.txt: entry " + std::to_string(i + 1) + ": " +
                                     ex.displayText());
        }
        if (e.filename.empty()) {
            e.filename = baseName(e.url);
        }
        entries.push_back(std::move(e));
    }
    return entries;
}

std::string sha256OfFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    std::string buffer(1024 * 1024, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.bad()) {
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
        }
        engine.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string backfillStateKey(const std::string& channel, const std::string& filename) {
    return channel == "backfill" ? "backfill:" + filename : "backfill:" + channel + ":" + filename;
}

BackfillStats runBackfill(Store& store, HttpClient& http, const Routing& notifiers,
                          const BackfillOptions& options, std::ostream& out,
                          std::ostream& progress) {
    int until = options.until;
    if (until == 0) {
        const std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        until = tm.tm_year + 1900;
    }
    if (options.since > until) {
        throw std::invalid_argument("--since " + std::to_string(options.since) +
                                    " is after --until " + std::to_string(until));
    }
    Pacer pacer(options.requestInterval);

    // checksum.txt: small, fetched into memory.
    HttpRequest listRequest;
    listRequest.url = options.checksumUrl;
    listRequest.caFile = options.caFile;
    listRequest.proxy = options.proxy;
    listRequest.timeoutMs =
        std::min<long>(static_cast<long>(options.timeout.count()) * 1000, 120000);
    listRequest.maxBytes = 16u * 1024u * 1024u;
    pacer.wait();
    const HttpResponse list = http.perform(listRequest);
    if (!list.ok()) {
        throw std::runtime_error(list.error);
    }
    if (list.status != 200) {
        const std::string message =
            "HTTP " + std::to_string(list.status) + " fetching " + options.checksumUrl;
        if (const std::optional<long> wait = retryAfterOf(list)) {
            throw BackfillBusy(message, *wait);
        }
        throw std::runtime_error(message);
    }
    std::map<std::string, ChecksumEntry> byName;
    for (auto& e : parseChecksumList(list.body)) {
        byName[e.filename] = std::move(e);
    }

    WorkDir work(options.workDir);
    const std::string base = withSlash(options.baseUrl);
    BackfillStats stats;
    for (int year = options.since; year <= until; ++year) {
        const std::string filename = "jvndb_detail_" + std::to_string(year) + ".rdf";
        auto found = byName.find(filename);
        if (found == byName.end()) {
            ++stats.unlisted;
            out << filename << ": not listed in checksum.txt, skipped\n" << std::flush;
            continue;
        }
        const ChecksumEntry& entry = found->second;
        const std::string key = backfillStateKey(options.channel, filename);
        SourceStateRow state = store.sourceState(key);
        if (state.lastSuccess > 0 && !entry.sha256.empty() && state.cursor == entry.sha256) {
            ++stats.skipped;
            out << filename << ": unchanged since the last load (sha256 "
                << entry.sha256.substr(0, 12) << "...), skipped\n"
                << std::flush;
            continue;
        }

        const std::string url = base + filename;
        const fs::path file = work.path() / (filename + ".part");
        auto fail = [&](const std::string& why) {
            ++stats.failed;
            state.lastAttempt = unixNow();
            ++state.errorCount;
            state.lastError = why;
            store.saveSourceState(key, state);
            progress << "vulnwatch: backfill " << year << ": " << why << "\n" << std::flush;
        };

        if (entry.sha256.size() != 64) {
            fail("checksum.txt has no valid sha256 for " + filename + "; refusing to load it");
            continue;
        }
        if (!options.tty) {
            progress << "backfill " << year << ": downloading " << url
                     << (entry.size >= 0
                             ? " (" + megabytes(static_cast<std::uint64_t>(entry.size)) + " MB)"
                             : std::string())
                     << "\n"
                     << std::flush;
        } else {
            progress << "\r" << year << " downloading " << url << " ..." << std::flush;
        }
        HttpRequest request;
        request.url = url;
        request.caFile = options.caFile;
        request.proxy = options.proxy;
        request.timeoutMs = static_cast<long>(options.timeout.count()) * 1000;
        request.maxBytes = options.maxBytes;
        pacer.wait();
        const HttpResponse response = http.download(request, file.string());
        if (options.tty) {
            progress << "\r\033[K" << std::flush;
        }
        if (!response.ok()) {
            fail(response.error);
            continue;
        }
        std::error_code ignored;
        if (response.status != 200) {
            fs::remove(file, ignored);
            fail("HTTP " + std::to_string(response.status) + " fetching " + url);
            if (const std::optional<long> wait = retryAfterOf(response)) {
                stats.retryAfter = std::max(stats.retryAfter.value_or(0), *wait);
            }
            continue;
        }
        const std::string actual = sha256OfFile(file.string());
        if (actual != entry.sha256) {
            fs::remove(file, ignored);
            fail("sha256 of " + url + " is " + actual + ", checksum.txt says " + entry.sha256 +
                 "; refused (not imported)");
            continue;
        }

        ProgressView view(progress, options.tty, year);
        ImportStats s;
        try {
            s = importFile(
                store, notifiers, file.string(), "vuldef", options.channel,
                [&](const ImportProgress& p) { view.update(p); }, options.batchSize,
                options.mapper);
        } catch (const std::exception& e) {
            fs::remove(file, ignored);
            fail(e.what());
            continue;
        }
        fs::remove(file, ignored);
        stats.records += s.records;
        stats.newRecords += s.newRecords;
        stats.changed += s.changed;
        stats.newMatches += s.newMatches;
        stats.enqueued += s.enqueued;
        if (!s.complete()) {
            fail(filename + ": " + s.error + " (" + std::to_string(s.records) +
                 " records before it were stored)");
            continue;
        }
        // Only now, after the last batch committed, is the year complete.
        state.cursor = entry.sha256;
        state.lastModified = entry.lastModified;
        state.lastAttempt = unixNow();
        state.lastSuccess = state.lastAttempt;
        state.errorCount = 0;
        state.lastError.clear();
        {
            // Evidence: the yearly file by its verified SHA-256 and size only (it is public and
            // ~50 MB; its entries are not kept one by one either: docs/audit.md "Evidence").
            Store::Transaction tx(store);
            putEvidenceReference(store, entry.sha256, kMediaXml, static_cast<std::int64_t>(s.bytes),
                                 state.lastAttempt);
            AuditEvent event;
            event.kind = "backfill";
            event.at = state.lastAttempt;
            event.text = filename + " (" + std::to_string(s.bytes) + " bytes, hash only) into " +
                         options.channel + ": " + std::to_string(s.records) + " records, " +
                         std::to_string(s.newRecords) + " new, " + std::to_string(s.changed) +
                         " changed, " + std::to_string(s.problems) + " bad items";
            event.subjects = {"file:" + filename};
            event.evidence = {entry.sha256};
            event.details = {{"channel", options.channel}, {"url", url}};
            store.appendEvent(event);
            store.saveSourceState(key, state);
            tx.commit();
        }
        ++stats.loaded;
        out << filename << ": " << s.records << " records (" << s.newRecords << " new, "
            << s.changed << " changed, " << s.problems << " bad items), " << s.newMatches
            << " new matches, " << s.enqueued << " notifications queued\n"
            << std::flush;
    }
    return stats;
}

// "https://host/ja/feed/detail/" -> "https://host/ja/feed/checksum.txt"
// "https://host/" -> "https://host/checksum.txt"
std::string checksumUrlFor(std::string baseUrl) {
    while (!baseUrl.empty() && baseUrl.back() == '/') {
        baseUrl.pop_back();
    }
    const auto scheme = baseUrl.find("://");
    const auto pathStart = baseUrl.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const auto slash = baseUrl.find_last_of('/');
    if (pathStart == std::string::npos || slash < pathStart) {
        return baseUrl + "/checksum.txt"; // no path: the checksum list sits at the root
    }
    return baseUrl.substr(0, slash) + "/checksum.txt";
}

BackfillOptions backfillOptionsFor(const SourceConfig& source) {
    BackfillOptions options;
    options.channel = source.name;
    const std::string lang = source.lang.empty() ? "ja" : source.lang;
    options.baseUrl =
        source.url.empty() ? "https://jvndb.jvn.jp/" + lang + "/feed/detail/" : source.url;
    options.checksumUrl =
        source.checksumUrl.empty() ? checksumUrlFor(options.baseUrl) : source.checksumUrl;
    options.caFile = source.caFile;
    options.proxy = source.proxy;
    // A yearly file is tens of MB: the transfer may take longer than a poll's timeout.
    options.timeout = std::max(options.timeout, source.timeout);
    options.maxBytes = source.maxBytes;
    options.requestInterval = source.requestInterval;
    if (source.since.size() == 4) {
        options.since = std::stoi(source.since); // validated by the config reader
    }
    return options;
}

} // namespace vw
