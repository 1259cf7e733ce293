// Web benchmark (issue 13 "Performance"; docs/performance.md "Web (issue 13)", run by
// bench/run_web.sh): a load client for `vulnwatch serve` on loopback, and a helper that makes a
// login session on a store (the pages need one; the login page is not measured here).
//
//   bench_web session DB USER
//       prints a new login session's cookie value for USER (12 h)
//   bench_web run --port P [--host H] [--header 'Name: value']... --paths FILE
//                 [--clients N] [--seconds S | --requests R] [--pct P --target-ms MS]
//                 [--pid SERVER_PID]
//       FILE: one "NAME PATH" a line. With --requests R (default 20): each path R times in
//       turn by one client. With --seconds S: N clients (threads, one keep-alive connection
//       each) for S seconds, each going round the paths from its own starting point.
//       Prints per path and for all: requests, non-2xx answers, transport errors, p50, p95,
//       p99 and max (client side, ms); with --target-ms, "met"/"missed" for the P-th
//       percentile of each path and of all; with --pid, the server's CPU time per request
//       (all its threads, from /proc: what a request costs whatever else the machine runs).
//
// Latencies are measured around one whole request: sending it and reading the whole body.
#include "store/store.h"
#include "store/users.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
    std::string name;
    std::string path;
};

struct Sample {
    double ms = 0;
    int status = 0; // 0: transport error
};

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<Target> targets;
    int clients = 1;
    double seconds = 0;
    int requests = 20;
    double pct = 0;
    double targetMs = 0;
    int pid = 0; // the server's: its CPU time per request, whatever else the machine runs
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "bench_web: %s\nusage: bench_web session DB USER\n"
                 "       bench_web run --port P [--host H] [--header 'N: v']... --paths FILE "
                 "[--clients N] [--seconds S | --requests R] [--pct P --target-ms MS]\n",
                 why.c_str());
    std::exit(2);
}

std::vector<Target> readTargets(const std::string& file) {
    std::ifstream in(file);
    if (!in) {
        usage("cannot read the paths file " + file);
    }
    std::vector<Target> out;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream fields(line);
        Target t;
        if (!(fields >> t.name >> t.path) || t.path.empty() || t.path[0] != '/') {
            usage(file + ":" + std::to_string(number) + ": expected 'NAME /PATH'");
        }
        out.push_back(std::move(t));
    }
    if (out.empty()) {
        usage(file + " names no path");
    }
    return out;
}

double number(const std::string& flag, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v >= 0)) {
        usage(flag + " takes a number (not '" + text + "')");
    }
    return v;
}

Options parse(int argc, char** argv) {
    Options o;
    std::string pathsFile;
    for (int i = 2; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) {
            usage(flag + " needs a value");
        }
        const std::string value = argv[++i];
        if (flag == "--host") {
            o.host = value;
        } else if (flag == "--port") {
            o.port = static_cast<int>(number(flag, value));
        } else if (flag == "--header") {
            const auto colon = value.find(':');
            if (colon == std::string::npos || colon == 0) {
                usage("--header takes 'Name: value' (not '" + value + "')");
            }
            const auto start = value.find_first_not_of(' ', colon + 1);
            o.headers.emplace_back(value.substr(0, colon),
                                   start == std::string::npos ? "" : value.substr(start));
        } else if (flag == "--paths") {
            pathsFile = value;
        } else if (flag == "--clients") {
            o.clients = static_cast<int>(number(flag, value));
        } else if (flag == "--seconds") {
            o.seconds = number(flag, value);
        } else if (flag == "--requests") {
            o.requests = static_cast<int>(number(flag, value));
        } else if (flag == "--pct") {
            o.pct = number(flag, value);
        } else if (flag == "--target-ms") {
            o.targetMs = number(flag, value);
        } else if (flag == "--pid") {
            o.pid = static_cast<int>(number(flag, value));
        } else {
            usage("unknown option " + flag);
        }
    }
    if (o.port <= 0 || o.port > 65535) {
        usage("--port is required (1-65535)");
    }
    if (pathsFile.empty()) {
        usage("--paths FILE is required");
    }
    if (o.clients < 1 || o.clients > 1000 || o.requests < 1) {
        usage("--clients takes 1-1000 and --requests at least 1");
    }
    if ((o.targetMs > 0) != (o.pct > 0) || o.pct > 100) {
        usage("--pct (1-100) and --target-ms go together");
    }
    o.targets = readTargets(pathsFile);
    return o;
}

/// One client: a keep-alive connection, reopened after a transport error or when the server
/// closed it.
class Client {
public:
    explicit Client(const Options& o)
        : options_(o), session_(o.host, static_cast<Poco::UInt16>(o.port)) {
        session_.setKeepAlive(true);
        session_.setTimeout(Poco::Timespan(60, 0));
    }

    Sample get(const std::string& path) {
        const auto start = Clock::now();
        Sample s;
        try {
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.setKeepAlive(true);
            for (const auto& [name, value] : options_.headers) {
                request.set(name, value);
            }
            session_.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::istream& body = session_.receiveResponse(response);
            char buffer[16384];
            while (body.read(buffer, sizeof buffer) || body.gcount() > 0) {
            }
            s.status = static_cast<int>(response.getStatus());
            if (!response.getKeepAlive()) {
                session_.reset();
            }
        } catch (const Poco::Exception& e) {
            session_.reset();
            s.status = 0;
            noteError(e.displayText());
        } catch (const std::exception& e) {
            session_.reset();
            s.status = 0;
            noteError(e.what());
        }
        s.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        return s;
    }

    const std::string& lastError() const { return lastError_; }

private:
    void noteError(std::string text) { lastError_ = std::move(text); }

    const Options& options_;
    Poco::Net::HTTPClientSession session_;
    std::string lastError_;
};

/// The CPU time all threads of process `pid` have run so far (ms; /proc/PID/task/*/schedstat,
/// nanoseconds), or -1 without a pid. Threads that ended are missed: the server's stay.
double cpuMs(int pid) {
    if (pid <= 0) {
        return -1;
    }
    double total = 0;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
        std::ifstream in(task.path() / "schedstat");
        double ns = 0;
        if (in >> ns) {
            total += ns / 1e6;
        }
    }
    return total;
}

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    // nearest rank
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

/// Prints one line of figures (with the server's CPU time per request when `cpu` ≥ 0);
/// returns whether the target (if any) was met.
bool report(const Options& o, const std::string& name, const std::vector<Sample>& samples,
            double cpu = -1) {
    std::vector<double> ms;
    int bad = 0;
    int errors = 0;
    for (const Sample& s : samples) {
        ms.push_back(s.ms);
        if (s.status == 0) {
            ++errors;
        } else if (s.status < 200 || s.status > 299) {
            ++bad;
        }
    }
    std::vector<double> copy = ms;
    const double p50 = percentile(copy, 50);
    const double p95 = percentile(copy, 95);
    const double p99 = percentile(copy, 99);
    const double max = copy.empty() ? 0 : copy.back();
    std::printf("%-22s n=%-6zu non2xx=%-4d err=%-3d p50=%7.2f p95=%7.2f p99=%7.2f max=%7.2f ms",
                name.c_str(), samples.size(), bad, errors, p50, p95, p99, max);
    if (cpu >= 0 && !samples.empty()) {
        std::printf("  server CPU %.2f ms/request", cpu / static_cast<double>(samples.size()));
    }
    bool met = true;
    if (o.targetMs > 0) {
        const double at = percentile(copy, o.pct);
        met = at <= o.targetMs && bad == 0 && errors == 0;
        std::printf("  p%g %.2f/%.0f = %.2f %s", o.pct, at, o.targetMs, at / o.targetMs,
                    met ? "met" : "missed");
        if (bad > 0 || errors > 0) {
            std::printf(" (failed requests)");
        }
    }
    std::printf("\n");
    return met;
}

int run(const Options& o) {
    std::vector<std::vector<Sample>> byTarget(o.targets.size());
    std::mutex mutex;
    std::string lastError;
    const auto started = Clock::now();
    std::atomic<long> total{0};
    std::vector<double> cpuByTarget(o.targets.size(), -1);
    const double cpuStart = cpuMs(o.pid);
    if (o.seconds <= 0) {
        Client client(o);
        for (std::size_t t = 0; t < o.targets.size(); ++t) {
            client.get(o.targets[t].path); // warm: the connection and the page cache
            const double before = cpuMs(o.pid);
            for (int i = 0; i < o.requests; ++i) {
                byTarget[t].push_back(client.get(o.targets[t].path));
                ++total;
            }
            cpuByTarget[t] = before < 0 ? -1 : cpuMs(o.pid) - before;
        }
        lastError = client.lastError();
    } else {
        const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(o.seconds));
        std::vector<std::thread> threads;
        for (int c = 0; c < o.clients; ++c) {
            threads.emplace_back([&, c] {
                Client client(o);
                std::vector<std::vector<Sample>> mine(o.targets.size());
                std::size_t t = static_cast<std::size_t>(c) % o.targets.size();
                while (Clock::now() < deadline) {
                    mine[t].push_back(client.get(o.targets[t].path));
                    ++total;
                    t = (t + 1) % o.targets.size();
                }
                const std::lock_guard<std::mutex> lock(mutex);
                for (std::size_t i = 0; i < mine.size(); ++i) {
                    byTarget[i].insert(byTarget[i].end(), mine[i].begin(), mine[i].end());
                }
                if (!client.lastError().empty()) {
                    lastError = client.lastError();
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const double cpuAll = cpuStart < 0 ? -1 : cpuMs(o.pid) - cpuStart;
    bool allMet = true;
    std::vector<Sample> all;
    for (std::size_t t = 0; t < o.targets.size(); ++t) {
        allMet = report(o, o.targets[t].name, byTarget[t], cpuByTarget[t]) && allMet;
        all.insert(all.end(), byTarget[t].begin(), byTarget[t].end());
    }
    allMet = report(o, "ALL", all, cpuAll) && allMet;
    std::printf("clients=%d requests=%ld seconds=%.1f throughput=%.0f/s\n", o.clients, total.load(),
                elapsed, static_cast<double>(total.load()) / elapsed);
    if (!lastError.empty()) {
        std::printf("last transport error: %s\n", lastError.c_str());
    }
    return allMet ? 0 : 1;
}

int session(int argc, char** argv) {
    if (argc != 4) {
        usage("session takes DB USER");
    }
    auto store = vw::Store::open(argv[2]);
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    std::printf("%s\n", vw::createSession(*store, argv[3], now, 12 * 3600).token.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage("no command");
    }
    const std::string command = argv[1];
    try {
        if (command == "session") {
            return session(argc, argv);
        }
        if (command == "run") {
            return run(parse(argc, argv));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_web: %s\n", e.what());
        return 1;
    }
    usage("unknown command " + command);
}
