// Reading a large result from PostgreSQL (issue 17, docs/performance.md "Streamed reads on
// PostgreSQL"): the client's time and peak RSS for one pass over N rows of the shape of
// record_cpe (a bigint and a text of about 60 bytes), read whole, streamed by the store's layer
// (Statement::streamed(): a cursor, FETCH in batches) and, for comparison, by bare libpq in
// single-row mode and with a cursor (each mode in its own process, so each peak is its own).
//
//   bench_pg_stream setup URL N       (re)creates table stream_bench with N rows
//   bench_pg_stream read URL MODE     one pass; MODE: whole | streamed | streamed-tx
//                                     (layer; -tx: inside a write transaction) | single-row |
//                                     cursor-tx | cursor-hold (bare libpq; FETCH=N rows a fetch)
// Prints: mode rows checksum seconds peak_rss_kb rss_before_kb.
#include "store/sqlite.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <libpq-fe.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>

namespace {

using Clock = std::chrono::steady_clock;

long peakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

/// What a reader of record_cpe does with a row: looks at both columns.
struct Sum {
    std::int64_t rows = 0;
    std::uint64_t check = 0;
    void add(std::int64_t id, const char* text, std::size_t length) {
        ++rows;
        check = check * 31 + static_cast<std::uint64_t>(id) + length +
                (length > 0 ? static_cast<unsigned char>(text[length - 1]) : 0U);
    }
};

const char* kQuery = "SELECT record_id, names FROM stream_bench ORDER BY record_id";

void setup(const std::string& url, std::int64_t n) {
    vw::Database db = vw::Database::openPostgres(url);
    db.exec("DROP TABLE IF EXISTS stream_bench");
    db.exec("CREATE TABLE stream_bench (record_id BIGINT PRIMARY KEY, names TEXT NOT NULL)");
    // Names like record_cpe's: vendor\nproduct\n pairs, about 60 bytes.
    auto insert =
        db.prepare("INSERT INTO stream_bench SELECT g, 'vendor' || (g % 977) || E'\\n' || "
                   "'product_name_' || (g % 4099) || E'\\n' || 'other_vendor' || (g % 13) || "
                   "E'\\n' || 'component' || g || E'\\n' FROM generate_series(1, ?1) g");
    insert.bind(1, n).run();
    db.exec("ANALYZE stream_bench");
}

Sum readLayer(const std::string& url, bool streamed, bool inTransaction) {
    vw::Database db = vw::Database::openPostgres(url);
    if (inTransaction) {
        db.beginWrite();
    }
    Sum sum;
    auto q = db.prepare(kQuery);
    if (streamed) {
        q.streamed();
    }
    while (q.step()) {
        const std::string names = q.text(1);
        sum.add(q.integer(0), names.data(), names.size());
    }
    q.reset();
    if (inTransaction) {
        db.exec("COMMIT");
    }
    return sum;
}

void check(PGconn* conn, PGresult* result, ExecStatusType want) {
    if (PQresultStatus(result) != want) {
        std::string message = PQresultErrorMessage(result);
        PQclear(result);
        throw std::runtime_error(message.empty() ? PQerrorMessage(conn) : message);
    }
}

void addRows(PGresult* result, Sum& sum) {
    const int rows = PQntuples(result);
    for (int i = 0; i < rows; ++i) {
        sum.add(std::strtoll(PQgetvalue(result, i, 0), nullptr, 10), PQgetvalue(result, i, 1),
                static_cast<std::size_t>(PQgetlength(result, i, 1)));
    }
}

Sum readBare(const std::string& url, const std::string& mode) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        throw std::runtime_error(PQerrorMessage(conn));
    }
    Sum sum;
    if (mode == "single-row") {
        if (PQsendQueryParams(conn, kQuery, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
            PQsetSingleRowMode(conn) != 1) {
            throw std::runtime_error(PQerrorMessage(conn));
        }
        while (PGresult* result = PQgetResult(conn)) {
            if (PQresultStatus(result) == PGRES_SINGLE_TUPLE) {
                addRows(result, sum);
                PQclear(result);
                continue;
            }
            check(conn, result, PGRES_TUPLES_OK);
            PQclear(result);
        }
    } else {
        const char* env = std::getenv("FETCH");
        const std::string fetch = "FETCH " + std::string(env != nullptr ? env : "1000") + " FROM c";
        const bool hold = mode == "cursor-hold";
        if (!hold) {
            check(conn, PQexec(conn, "BEGIN"), PGRES_COMMAND_OK);
        }
        check(conn,
              PQexec(conn, ((hold ? "DECLARE c NO SCROLL CURSOR WITH HOLD FOR "
                                  : "DECLARE c NO SCROLL CURSOR FOR ") +
                            std::string(kQuery))
                               .c_str()),
              PGRES_COMMAND_OK);
        for (;;) {
            PGresult* result = PQexec(conn, fetch.c_str());
            check(conn, result, PGRES_TUPLES_OK);
            const bool more = PQntuples(result) > 0;
            addRows(result, sum);
            PQclear(result);
            if (!more) {
                break;
            }
        }
        check(conn, PQexec(conn, hold ? "CLOSE c" : "COMMIT"), PGRES_COMMAND_OK);
    }
    PQfinish(conn);
    return sum;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_pg_stream setup URL N | read URL MODE\n");
        return 2;
    }
    const std::string command = argv[1];
    const std::string url = argv[2];
    const std::string mode = argv[3];
    try {
        if (command == "setup") {
            setup(url, std::strtoll(argv[3], nullptr, 10));
            return 0;
        }
        const long before = peakRssKb();
        const auto start = Clock::now();
        Sum sum;
        if (mode == "whole" || mode == "streamed" || mode == "streamed-tx") {
            sum = readLayer(url, mode != "whole", mode == "streamed-tx");
        } else if (mode == "single-row" || mode == "cursor-tx" || mode == "cursor-hold") {
            sum = readBare(url, mode);
        } else {
            std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
            return 2;
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        std::printf("%s %lld %llu %.3f %ld %ld\n", mode.c_str(), static_cast<long long>(sum.rows),
                    static_cast<unsigned long long>(sum.check), seconds, peakRssKb(), before);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_pg_stream: %s\n", e.what());
        return 1;
    }
    return 0;
}
