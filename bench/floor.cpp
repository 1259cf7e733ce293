// The ingest floor (DESIGN.md "Non-functional targets"): a bare pugixml DOM parse of each VULDEF
// file plus a bare SQLite insert of the same rows (id, title, one JSON-ish text column) in one
// transaction per file. No correlation, matching, revisions or streaming: the least work any
// ingest of these files must do. Prints entries, files and seconds.
//
//   bench_floor DB FILE...
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <pugixml.hpp>
#include <sqlite3.h>
#include <string>

namespace {

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "bench_floor: %s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}

void appendEscaped(std::string& out, const char* text) {
    for (const char* p = text; *p != '\0'; ++p) {
        const char c = *p;
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_floor DB FILE...\n");
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    sqlite3* db = nullptr;
    check(sqlite3_open(argv[1], &db), db, "open");
    check(sqlite3_exec(db,
                       "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                       "CREATE TABLE IF NOT EXISTS record (id TEXT PRIMARY KEY, title TEXT, "
                       "json TEXT)",
                       nullptr, nullptr, nullptr),
          db, "schema");
    sqlite3_stmt* insert = nullptr;
    check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO record (id, title, json) VALUES (?, ?, ?)",
                             -1, &insert, nullptr),
          db, "prepare");
    long entries = 0;
    std::string json;
    for (int i = 2; i < argc; ++i) {
        pugi::xml_document doc;
        const pugi::xml_parse_result parsed = doc.load_file(argv[i]);
        if (!parsed) {
            std::fprintf(stderr, "bench_floor: %s: %s\n", argv[i], parsed.description());
            return 1;
        }
        check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
        for (pugi::xml_node info : doc.document_element().children("Vulinfo")) {
            const pugi::xml_node data = info.child("VulinfoData");
            const char* id = info.child_value("VulinfoID");
            const char* title = data.child_value("Title");
            json.assign("{\"id\":\"");
            appendEscaped(json, id);
            json += "\",\"title\":\"";
            appendEscaped(json, title);
            json += "\",\"summary\":\"";
            appendEscaped(json, data.child("VulinfoDescription").child_value("Overview"));
            json += "\",\"published\":\"";
            appendEscaped(json, data.child_value("DateFirstPublished"));
            json += "\",\"modified\":\"";
            appendEscaped(json, data.child_value("DateLastUpdated"));
            json += "\"}";
            sqlite3_bind_text(insert, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 2, title, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 3, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
            check(sqlite3_step(insert), db, "insert");
            sqlite3_reset(insert);
            ++entries;
        }
        check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    }
    sqlite3_finalize(insert);
    sqlite3_close(db);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("floor: %ld entries from %d files in %.3f s\n", entries, argc - 2, seconds);
    return 0;
}
