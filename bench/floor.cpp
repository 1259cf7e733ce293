// The ingest floor (DESIGN.md "Non-functional targets"): a bare pugixml DOM parse of each VULDEF
// or iPedia RSS file (a mail, *.eml: a bare split of its header block and body, no decoding) plus a
// bare SQLite insert of the same rows (id, title, one JSON-ish text column) in one transaction
// per file. No correlation, matching, revisions or streaming: the least work any ingest of these
// files must do. Rows are keyed by kind and id, so an RSS item does not replace the VULDEF entry
// of the same id. Prints entries, files and seconds.
//
//   bench_floor DB FILE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <pugixml.hpp>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <strings.h>

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

/// The first line of header `name` ("Message-ID", "Subject") in a mail's header block, raw.
std::string_view header(std::string_view headers, std::string_view name) {
    for (std::size_t at = 0; at < headers.size();) {
        std::size_t end = headers.find('\n', at);
        if (end == std::string_view::npos) {
            end = headers.size();
        }
        const std::string_view line = headers.substr(at, end - at);
        if (line.size() > name.size() && line[name.size()] == ':' &&
            strncasecmp(line.data(), name.data(), name.size()) == 0) {
            return line.substr(name.size() + 1);
        }
        at = end + 1;
    }
    return {};
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
    auto insertRow = [&](const std::string& id, const char* title) {
        sqlite3_bind_text(insert, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
        check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
        ++entries;
    };
    std::string key;
    for (int i = 2; i < argc; ++i) {
        const std::string_view path(argv[i]);
        if (!path.ends_with(".eml")) {
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
                insertRow(key.assign("vuldef:").append(id), title);
            }
            for (pugi::xml_node item : doc.document_element().children("item")) {
                const char* id = item.child_value("sec:identifier");
                const char* title = item.child_value("title");
                json.assign("{\"id\":\"");
                appendEscaped(json, id);
                json += "\",\"title\":\"";
                appendEscaped(json, title);
                json += "\",\"summary\":\"";
                appendEscaped(json, item.child_value("description"));
                json += "\",\"published\":\"";
                appendEscaped(json, item.child_value("dcterms:issued"));
                json += "\",\"modified\":\"";
                appendEscaped(json, item.child_value("dcterms:modified"));
                json += "\"}";
                insertRow(key.assign("rss:").append(id), title);
            }
            check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
            continue;
        }
        // A mail (*.eml): header block and body, split at the first empty line.
        std::ifstream in(argv[i], std::ios::binary | std::ios::ate);
        std::string content(in ? static_cast<std::size_t>(in.tellg()) : 0, '\0');
        if (!in ||
            !in.seekg(0).read(content.data(), static_cast<std::streamsize>(content.size()))) {
            std::fprintf(stderr, "bench_floor: cannot read %s\n", argv[i]);
            return 1;
        }
        std::size_t split = content.find("\n\n");
        split = split == std::string::npos ? content.size() : split;
        const std::string_view headers(content.data(), split);
        const std::string subject(header(headers, "Subject"));
        json.assign("{\"id\":\"");
        appendEscaped(json, std::string(header(headers, "Message-ID")).c_str());
        json += "\",\"title\":\"";
        appendEscaped(json, subject.c_str());
        json += "\",\"summary\":\"";
        appendEscaped(json, content.c_str() + std::min(split + 2, content.size()));
        json += "\"}";
        check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
        insertRow(key.assign("mail:").append(header(headers, "Message-ID")), subject.c_str());
        check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    }
    sqlite3_finalize(insert);
    sqlite3_close(db);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("floor: %ld entries from %d files in %.3f s\n", entries, argc - 2, seconds);
    return 0;
}
