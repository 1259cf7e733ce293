#include "web/server.h"

#include "store/store.h"
#include "web/client_address.h"
#include "web/headers.h"
#include "web/problem.h"
#include "web/upload.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <malloc.h>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace vw::web {
namespace {

std::int64_t unixNow() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

/// Store connections for the request threads: one per request at a time, opened on demand,
/// kept for the next request, at most `limit` open (a request past that waits for one: the
/// connection threads outnumber them, see kConnectionThreads). A connection whose request
/// failed inside SQLite is dropped.
class StorePool {
public:
    StorePool(std::string path, std::string password, int busyTimeoutMs, int limit)
        : path_(std::move(path)), password_(std::move(password)), busyTimeoutMs_(busyTimeoutMs),
          limit_(static_cast<std::size_t>(std::max(limit, 1))) {}

    class Lease {
    public:
        Lease(StorePool& pool, std::unique_ptr<Store> store)
            : pool_(pool), store_(std::move(store)) {}
        ~Lease() {
            if (store_) {
                pool_.giveBack(std::move(store_));
            }
        }
        Lease(Lease&& other) noexcept : pool_(other.pool_), store_(std::move(other.store_)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Store& store() { return *store_; }
        void discard() {
            store_.reset();
            pool_.dropped();
        }

    private:
        StorePool& pool_;
        std::unique_ptr<Store> store_;
    };

    Lease take() {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            available_.wait(lock, [this] { return !idle_.empty() || open_ < limit_; });
            if (!idle_.empty()) {
                std::unique_ptr<Store> store = std::move(idle_.back());
                idle_.pop_back();
                return Lease(*this, std::move(store));
            }
            ++open_; // opened below, outside the lock
        }
        try {
            std::unique_ptr<Store> store = Store::open(path_, password_);
            // The daemon writes in batches; a request that writes waits for it instead of
            // failing with "database is locked".
            // Each connection's page cache counts towards serve's memory (target ≤ 48 MB with
            // all of them full: docs/performance.md "Web (issue 13)"); the OS caches the file
            // as well. No mmap: mapped pages would count as resident too. (SQLite only.)
            if (store->db().isPostgres()) {
                store->db().exec("SET lock_timeout = '" + std::to_string(busyTimeoutMs_) + "ms'");
            } else {
                store->db().exec("PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs_));
                store->db().exec("PRAGMA cache_size = -" + std::to_string(kCacheKiB));
                store->db().exec("PRAGMA mmap_size = 0");
            }
            return Lease(*this, std::move(store));
        } catch (...) {
            dropped();
            throw;
        }
    }

    void clear() {
        const std::lock_guard<std::mutex> lock(mutex_);
        open_ -= idle_.size();
        idle_.clear();
    }

private:
    static constexpr int kCacheKiB = 512;

    void giveBack(std::unique_ptr<Store> store) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            idle_.push_back(std::move(store));
        }
        available_.notify_one();
    }

    /// A connection was closed (or failed to open): another may be opened.
    void dropped() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            --open_;
        }
        available_.notify_one();
    }

    std::string path_;
    std::string password_;
    int busyTimeoutMs_;
    std::size_t limit_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Store>> idle_; // guarded by mutex_
    std::size_t open_ = 0;                     // idle or leased; guarded by mutex_
};

/// Connections served at once. Poco's server keeps a thread on a keep-alive connection until
/// the client closes it or it idles for 5 s, so with as many threads as store connections a
/// few browsers or API clients kept every other client waiting seconds (50 keep-alive clients:
/// p99 8.6 s). The threads wait for a store connection (ServerOptions::threads of them) instead.
constexpr int kConnectionThreads = 64;

constexpr std::size_t kReadPiece = 64 * 1024;
/// After a 413, what is read and dropped so the client sees the answer (a socket closed with
/// unread input sends a reset that can swallow it): at most this much, for at most 2 s.
constexpr std::streamsize kDrainLimit = 1024 * 1024;

/// An upload's body on disk (web/upload.h): a new private file (O_EXCL, 0600) in the server's
/// private folder, removed when the request is done.
class UploadFile {
public:
    explicit UploadFile(NewFile file) : file_(std::move(file)) {}
    ~UploadFile() {
        if (file_.fd >= 0) {
            ::close(file_.fd);
        }
        std::error_code ec;
        std::filesystem::remove(file_.path, ec);
    }
    UploadFile(const UploadFile&) = delete;
    UploadFile& operator=(const UploadFile&) = delete;

    const std::string& path() const { return file_.path; }

    /// Copies `in` to the file in pieces; false (and stops reading) past `max` bytes. Throws
    /// std::runtime_error when the file cannot be written.
    bool readFrom(std::istream& in, std::size_t max) {
        std::vector<char> piece(kReadPiece);
        std::size_t total = 0;
        while (in) {
            in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
            const auto got = static_cast<std::size_t>(in.gcount());
            if (got == 0) {
                break;
            }
            if (total + got > max) {
                return false;
            }
            total += got;
            std::size_t written = 0;
            while (written < got) {
                const ssize_t n = ::write(file_.fd, piece.data() + written, got - written);
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                if (n <= 0) {
                    throw std::runtime_error("cannot write the upload to " + file_.path + ": " +
                                             std::strerror(errno));
                }
                written += static_cast<std::size_t>(n);
            }
        }
        ::close(file_.fd);
        file_.fd = -1;
        return true;
    }

private:
    NewFile file_;
};

/// The server's private folder for upload bodies: a new mkdtemp(3) folder (0700) in `base`
/// (made private when missing), or in the system's temporary folder when `base` is "".
std::string makeBodyDir(const std::string& base) {
    std::string parent = base;
    if (parent.empty()) {
        parent = std::filesystem::temp_directory_path().string();
    } else {
        ensurePrivateDir(parent);
    }
    // Folders a server killed with SIGKILL left behind (the server removes its own when it
    // stops): those untouched for a day. A server running beside this one writes into its
    // folder while a body arrives, so its folder is never that old while in use.
    std::error_code ec;
    const auto dayAgo = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
    for (std::filesystem::directory_iterator it(parent, ec), end; !ec && it != end;
         it.increment(ec)) {
        std::error_code entryError;
        if (it->path().filename().string().rfind("vulnwatch-body-", 0) == 0 &&
            it->is_directory(entryError) && it->last_write_time(entryError) < dayAgo &&
            !entryError) {
            std::filesystem::remove_all(it->path(), entryError);
        }
    }
    std::string pattern = parent + "/vulnwatch-body-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a private folder for uploads in " + parent + ": " +
                                 std::strerror(errno));
    }
    return pattern;
}

std::string formatAddress(const Poco::Net::SocketAddress& a) {
    const std::string host = a.host().toString();
    return (a.family() == Poco::Net::SocketAddress::IPv6 ? "[" + host + "]" : host) + ":" +
           std::to_string(a.port());
}

} // namespace

struct WebServer::State {
    ServerOptions options;
    ProxyTrust proxies;
    FailedAuthLimiter limiter;
    std::unique_ptr<Api> api;
    StorePool stores;
    Poco::ThreadPool pool;
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    std::unique_ptr<Poco::Net::HTTPServer> server;
    bool tls = false;
    bool started = false;
    std::string bodyDir; // upload bodies (removed with the server)

    explicit State(ServerOptions o)
        : options(std::move(o)), proxies(options.web.trustedProxies),
          stores(options.dbPath, options.dbPassword, options.busyTimeoutMs, options.threads),
          pool("vulnwatch-web", 2, options.threads + 2, 60),
          bodyDir(makeBodyDir(options.uploadDir)) {
        api = std::make_unique<Api>(options.api, limiter);
    }
    ~State() {
        std::error_code ec;
        std::filesystem::remove_all(bodyDir, ec);
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    void log(LogLevel level, const std::string& message) const {
        if (options.log) {
            options.log(level, message);
        }
    }

    void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

    /// The API's or the pages' answer with a store connection; never throws (a failure is a
    /// 500 problem, `error` says why).
    HttpResponse serve(const HttpRequest& request, Store& store, std::int64_t now, Lang lang,
                       bool isApi, std::string& error) const {
        if (isApi) {
            return api->handle(request, &store, now, &error);
        }
        try {
            if (options.pages) {
                if (std::optional<HttpResponse> page = options.pages(request, store, now)) {
                    return std::move(*page);
                }
            }
            return problemResponse(
                Problem{404,
                        "not-found",
                        tr(lang,
                           "ここにはページがありません。REST API は /api/v1 にあります "
                           "(/api/v1/openapi.json)",
                           "no page here; the REST API is under /api/v1 (/api/v1/openapi.json)"),
                        {}},
                lang, request.path);
        } catch (const std::exception& e) {
            error = e.what();
            return problemResponse(Problem{500,
                                           "internal",
                                           tr(lang, "サーバ内部でエラーが起きました (ログを参照)",
                                              "an internal error occurred (see the server's log)"),
                                           {}},
                                   lang, request.path);
        }
    }
};

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(WebServer::State& state) : state_(state) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& resp) override {
        state_.handle(req, resp);
    }

private:
    WebServer::State& state_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(WebServer::State& state) : state_(state) {}
    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(state_);
    }

private:
    WebServer::State& state_;
};

void send(Poco::Net::HTTPServerResponse& resp, const HttpResponse& r, bool head) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    resp.setReason(Poco::Net::HTTPResponse::getReasonForStatus(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status)));
    resp.setContentType(r.contentType);
    for (const auto& [name, value] : r.headers) {
        resp.set(name, value);
    }
    const std::string& body = r.sharedBody ? *r.sharedBody : r.body;
    resp.setContentLength64(static_cast<Poco::UInt64>(body.size()));
    std::ostream& out = resp.send();
    if (!head) {
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
    }
    out.flush();
}

} // namespace

void WebServer::State::handle(Poco::Net::HTTPServerRequest& req,
                              Poco::Net::HTTPServerResponse& resp) {
    const auto started = std::chrono::steady_clock::now();
    HttpRequest request;
    request.method = req.getMethod();
    std::string target = req.getURI();
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        // absolute-form: keep the path and query
        const auto slash = target.find('/', target.find("//") + 2);
        target = slash == std::string::npos ? "/" : target.substr(slash);
    }
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    request.query = question == std::string::npos ? "" : target.substr(question + 1);
    if (const auto hash = request.query.find('#'); hash != std::string::npos) {
        request.query.erase(hash);
    }
    for (const auto& [name, value] : req) {
        request.headers.emplace_back(name, value);
    }
    const ProxyTrust::Client client =
        proxies.resolve(req.clientAddress().host().toString(), req.secure(),
                        request.header("X-Forwarded-For"), request.header("X-Forwarded-Proto"));
    request.clientIp = client.ip;
    request.secure = client.secure;
    request.fromTrustedProxy = proxies.trusted(req.clientAddress().host().toString());
    const Lang lang = preferredLang(request.header("Accept-Language"));
    const bool isApi = Api::handles(request.path);

    HttpResponse response;
    std::string error;
    bool tooLarge = false;
    const std::size_t maxBody = options.web.maxBody;
    std::optional<UploadFile> upload; // removed when the request is done
    std::string uploadError;
    if (req.hasContentLength() && req.getContentLength64() > static_cast<Poco::Int64>(maxBody)) {
        tooLarge = true;
    } else if ((req.hasContentLength() || req.getChunkedTransferEncoding()) &&
               streamedUpload(request.method, request.path, request.header("Content-Type"))) {
        // An upload: written to a private file in pieces, never held in memory.
        try {
            // Made again if it went (another server starting cleans folders idle for a day).
            ensurePrivateDir(bodyDir);
            upload.emplace(createPrivateFile(bodyDir, "body-"));
            request.bodyFile = upload->path();
            tooLarge = !upload->readFrom(req.stream(), maxBody);
        } catch (const std::exception& e) {
            uploadError = e.what();
        }
    } else if (req.hasContentLength() || req.getChunkedTransferEncoding()) {
        std::istream& in = req.stream();
        char piece[kReadPiece];
        while (in && !tooLarge) {
            in.read(piece, sizeof piece);
            const auto got = static_cast<std::size_t>(in.gcount());
            if (request.body.size() + got > maxBody) {
                tooLarge = true;
            } else {
                request.body.append(piece, got);
            }
            if (got == 0) {
                break;
            }
        }
    }
    if (tooLarge) {
        response = problemResponse(
            Problem{
                413,
                "payload-too-large",
                tr(lang, "リクエスト本文は " + formatSize(maxBody) + " までです ([web] max_body)",
                   "a request body may have at most " + formatSize(maxBody) + " ([web] max_body)"),
                {}},
            lang, request.path);
        resp.setKeepAlive(false);
    } else if (!uploadError.empty()) {
        error = uploadError;
        response = problemResponse(Problem{500,
                                           "internal",
                                           tr(lang, "アップロードを保存できません (ログを参照)",
                                              "the upload cannot be stored (see the server's log)"),
                                           {}},
                                   lang, request.path);
        resp.setKeepAlive(false);
    } else {
        const std::int64_t now = unixNow();
        if (isApi && !Api::needsStore(request)) {
            // The OpenAPI document: no connection needed.
            response = api->handle(request, nullptr, now, &error);
        } else {
            std::optional<StorePool::Lease> lease;
            try {
                lease.emplace(stores.take());
            } catch (const std::exception& e) {
                error = e.what();
                response = problemResponse(
                    Problem{503,
                            "unavailable",
                            tr(lang, "データベースを開けません (ログを参照)",
                               "the database cannot be opened (see the server's log)"),
                            {}},
                    lang, request.path);
            }
            if (lease) {
                response = serve(request, lease->store(), now, lang, isApi, error);
                if (!error.empty()) {
                    lease->discard(); // the connection may be in a bad state
                }
            }
        }
    }
    addSecurityHeaders(response, request.secure);
    try {
        send(resp, response, request.method == "HEAD");
    } catch (const Poco::Exception& e) {
        log(LogLevel::Debug, "response to " + request.clientIp + " not sent: " + e.displayText());
    } catch (const std::exception& e) {
        log(LogLevel::Debug, "response to " + request.clientIp + " not sent: " + e.what());
    }
    if (tooLarge) {
        try {
            auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(req);
            impl.socket().setReceiveTimeout(Poco::Timespan(2, 0));
            req.stream().ignore(kDrainLimit);
        } catch (...) { // NOLINT(bugprone-empty-catch): the client left; nothing to do
        }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    std::ostringstream line;
    line << request.clientIp << " " << request.method << " " << request.path << " "
         << response.status << " "
         << (response.sharedBody ? response.sharedBody->size() : response.body.size()) << "B " << ms
         << "ms" << (response.user.empty() ? "" : " user=" + response.user);
    if (!error.empty()) {
        line << ": " << error;
    }
    log(response.status >= 500 ? LogLevel::Error : LogLevel::Debug, line.str());
}

WebServer::WebServer(ServerOptions options) : state_(std::make_unique<State>(std::move(options))) {
    // glibc gives each thread that allocates its own arena (up to 8 per CPU), each keeping
    // what its requests freed: with the connection threads that was most of serve's resident
    // memory. Two arenas are enough for requests that mostly wait on SQLite. And a fixed mmap
    // threshold: glibc raises it after the first large block is freed, so the 1 MB answers
    // (the registry of 10k components) stayed in the arenas after they were sent.
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    const WebConfig& web = state_->options.web;
    Poco::Net::SocketAddress address;
    try {
        address = Poco::Net::SocketAddress(web.listen);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("[web] listen = " + web.listen + ": " + e.displayText());
    }
    try {
        if (!web.tlsCert.empty()) {
            Poco::Net::initializeSSL();
            Poco::Net::Context::Ptr context;
            try {
                context = new Poco::Net::Context(
                    Poco::Net::Context::TLS_SERVER_USE, web.tlsKey, web.tlsCert, "",
                    Poco::Net::Context::VERIFY_NONE, 9, false,
                    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!MD5:!RC4:!3DES");
                context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
            } catch (const Poco::Exception& e) {
                throw std::runtime_error(
                    "cannot load the TLS certificate " + web.tlsCert + " and key " + web.tlsKey +
                    " (TLS 証明書または秘密鍵を読み込めません): " + e.displayText());
            }
            state_->socket = std::make_unique<Poco::Net::SecureServerSocket>(address, 64, context);
            state_->tls = true;
        } else {
            state_->socket = std::make_unique<Poco::Net::ServerSocket>(address, 64);
        }
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot listen on " + web.listen + " (" + web.listen +
                                 " で待ち受けできません): " + e.displayText());
    }
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    const int connections = std::max(kConnectionThreads, state_->options.threads);
    state_->pool.addCapacity(connections - state_->options.threads);
    params->setMaxThreads(connections);
    params->setMaxQueued(state_->options.queued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setMaxKeepAliveRequests(100);
    params->setTimeout(Poco::Timespan(30, 0));
    state_->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*state_), state_->pool,
                                                             *state_->socket, params);
}

WebServer::~WebServer() {
    stop();
}

void WebServer::start() {
    state_->server->start();
    state_->started = true;
}

void WebServer::stop() {
    if (!state_ || !state_->started) {
        return;
    }
    state_->started = false;
    state_->server->stopAll(false);
    state_->pool.joinAll();
    state_->stores.clear();
}

std::string WebServer::boundAddress() const {
    return formatAddress(state_->socket->address());
}

bool WebServer::tls() const {
    return state_->tls;
}

} // namespace vw::web
