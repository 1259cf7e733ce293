#include "feeds/csaf_source.h"

#include "feeds/conditional_get.h"
#include "feeds/parse/csaf.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <simdjson.h>
#include <sstream>
#include <utility>
#include <vector>

namespace vw {

/// One document the listing names.
struct CsafSource::Entry {
    std::string key;          // the document's URL, or its path relative to the directory
    std::string stamp;        // ROLIE `updated`, changes.csv time, or file time and size
    std::string location;     // URL or file path
    std::string hashUrl;      // the feed's `hash` link ("" : location + .sha512, then .sha256)
    std::string signatureUrl; // the feed's `signature` link ("" : location + .asc)
    bool local = false;
};

namespace {

namespace sj = simdjson::dom;
namespace fs = std::filesystem;

constexpr std::string_view kCursorHeader = "csaf1 ";

struct Cursor {
    std::string mode; // feed | metadata | csv | dir
    std::map<std::string, std::string> stamps;
};

Cursor readCursor(const std::string& text) {
    Cursor cursor;
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || !line.starts_with(kCursorHeader)) {
        return cursor;
    }
    cursor.mode = line.substr(kCursorHeader.size());
    while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        if (tab != std::string::npos) {
            cursor.stamps[line.substr(tab + 1)] = line.substr(0, tab);
        }
    }
    return cursor;
}

std::string writeCursor(const std::string& mode, const std::map<std::string, std::string>& stamps) {
    std::string out = std::string(kCursorHeader) + mode + "\n";
    for (const auto& [key, stamp] : stamps) {
        out += stamp + "\t" + key + "\n";
    }
    return out;
}

std::string hexDigest(Poco::SHA2Engine::ALGORITHM algorithm, std::string_view bytes) {
    Poco::SHA2Engine engine(algorithm);
    engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

/// The hash a `.sha512`/`.sha256` file states (its first word, as `sha512sum` writes it),
/// lower case; "" when it is not hex of `length` digits.
std::string statedHash(std::string_view file, std::size_t length) {
    const auto start = file.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return {};
    }
    const auto end = file.find_first_of(" \t\r\n*", start);
    std::string word(file.substr(start, end == std::string_view::npos ? end : end - start));
    for (char& c : word) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return {};
        }
    }
    return word.size() == length ? word : std::string();
}

bool isAbsoluteUrl(std::string_view url) {
    return url.starts_with("https://") || url.starts_with("http://");
}

/// `ref` resolved against `base` (absolute, host-relative or relative to base's folder).
std::string resolveUrl(const std::string& base, std::string_view ref) {
    if (isAbsoluteUrl(ref)) {
        return std::string(ref);
    }
    const auto scheme = base.find("://");
    const auto hostEnd = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (ref.starts_with("/")) {
        return base.substr(0, hostEnd) + std::string(ref);
    }
    const auto folderEnd = base.rfind('/');
    const std::string folder = folderEnd == std::string::npos || folderEnd < hostEnd
                                   ? base + "/"
                                   : base.substr(0, folderEnd + 1);
    while (ref.starts_with("./")) {
        ref.remove_prefix(2);
    }
    return folder + std::string(ref);
}

std::string textOf(sj::object object, std::string_view key) {
    std::string_view value;
    return object[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

/// The elements of the array member `key`; none when it is absent or not an array (a
/// default-constructed simdjson array must not be iterated).
std::vector<sj::element> arrayOf(sj::object object, std::string_view key) {
    std::vector<sj::element> out;
    sj::array array;
    if (object[key].get(array) == simdjson::SUCCESS) {
        for (sj::element element : array) {
            out.push_back(element);
        }
    }
    return out;
}

bool readFile(const fs::path& path, std::size_t maxBytes, std::string& out, std::string& error) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        error = "cannot read " + path.string() + ": " + ec.message();
        return false;
    }
    if (size > maxBytes) {
        error = path.string() + " is larger than max_bytes (" + std::to_string(size) + " > " +
                std::to_string(maxBytes) + " bytes)";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in && !in.eof()) {
        error = "cannot read " + path.string();
        return false;
    }
    out = buffer.str();
    return true;
}

/// A poll that failed on fetching a listing (`response`): with its Retry-After, if any.
PollOutcome failedFetch(const SourceState& state, const HttpResponse& response) {
    PollOutcome outcome = pollFailure(state, response.error);
    outcome.retryAfter = retryAfterOf(response);
    return outcome;
}

} // namespace

CsafSource::CsafSource(std::string name, CsafSourceOptions options, HttpClient& http)
    : name_(std::move(name)), options_(std::move(options)), http_(http) {}

HttpResponse CsafSource::get(const std::string& url) const {
    HttpRequest request;
    request.url = url;
    request.timeoutMs = options_.timeoutMs;
    request.maxBytes = options_.maxBytes;
    request.caFile = options_.caFile;
    request.proxy = options_.proxy;
    request.headers.emplace_back("Accept", "application/json, text/plain;q=0.5, */*;q=0.1");
    HttpResponse response = http_.perform(request);
    if (response.ok() && (response.status < 200 || response.status > 299)) {
        response.error =
            "fetching " + url + " failed: HTTP status " + std::to_string(response.status);
    } else if (!response.ok() && response.error.find(url) == std::string::npos) {
        response.error = "fetching " + url + " failed: " + response.error;
    }
    return response;
}

std::vector<CsafSource::Entry> CsafSource::listDirectory() const {
    std::vector<Entry> entries;
    std::error_code ec;
    const fs::path root(options_.path);
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->path().extension() != ".json" ||
            it->path().filename() == "provider-metadata.json") {
            continue;
        }
        Entry entry;
        entry.local = true;
        entry.location = it->path().string();
        entry.key = it->path().lexically_relative(root).generic_string();
        const auto time = fs::last_write_time(it->path(), ec);
        const auto size = fs::file_size(it->path(), ec);
        if (ec) {
            ec.clear();
            continue;
        }
        entry.stamp = std::to_string(time.time_since_epoch().count()) + ":" + std::to_string(size);
        entries.push_back(std::move(entry));
    }
    if (ec) {
        throw std::runtime_error("cannot read the directory " + options_.path + ": " +
                                 ec.message());
    }
    return entries;
}

namespace {

/// The entries of a ROLIE feed (`feed.entry[]`); false when `body` is not one.
bool rolieEntries(const std::string& feedUrl, sj::object root, std::vector<CsafSource::Entry>& out);

} // namespace

PollOutcome CsafSource::poll(const SourceState& state) {
    if (!options_.path.empty()) {
        std::vector<Entry> entries;
        try {
            entries = listDirectory();
        } catch (const std::exception& e) {
            return pollFailure(state, e.what());
        }
        return pollEntries(state, std::move(entries), "dir", state);
    }

    const Cursor cursor = readCursor(state.cursor);
    const std::string& url = options_.url;
    SourceState next = state;
    HttpRequest request;
    request.url = url;
    request.timeoutMs = options_.timeoutMs;
    request.maxBytes = options_.maxBytes;
    request.caFile = options_.caFile;
    request.proxy = options_.proxy;
    request.headers.emplace_back("Accept", "application/json, text/csv;q=0.5, */*;q=0.1");
    // A ROLIE feed lists every document: unchanged (304), nothing is new. Provider metadata
    // rarely changes while its feeds do: it is always fetched whole.
    const SourceState validators =
        cursor.mode == "feed" || cursor.mode == "csv" ? state : SourceState{};
    PollOutcome done;
    std::optional<HttpResponse> response =
        conditionalGet(http_, std::move(request), validators, done);
    if (!response) {
        done.state = state;
        return done;
    }

    std::vector<Entry> entries;
    auto csvEntries = [&](const std::string& csvUrl, const std::string& body) {
        std::istringstream in(body);
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            const auto comma = line.rfind(',');
            if (comma == std::string::npos) {
                continue;
            }
            auto unquote = [](std::string text) {
                if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
                    text = text.substr(1, text.size() - 2);
                }
                return text;
            };
            const std::string path = unquote(line.substr(0, comma));
            if (!path.ends_with(".json")) {
                continue;
            }
            Entry entry;
            entry.location = resolveUrl(csvUrl, path);
            entry.key = entry.location;
            entry.stamp = unquote(line.substr(comma + 1));
            entries.push_back(std::move(entry));
        }
    };

    std::string mode;
    if (url.ends_with(".csv")) {
        mode = "csv";
        csvEntries(url, response->body);
        next = withValidators(state, *response);
    } else if (url.ends_with("/")) {
        mode = "csv";
        const HttpResponse csv = get(url + "changes.csv");
        if (!csv.ok()) {
            return failedFetch(state, csv);
        }
        csvEntries(url + "changes.csv", csv.body);
    } else {
        sj::parser parser;
        const simdjson::padded_string padded(response->body);
        sj::element element;
        sj::object root;
        if (parser.parse(padded).get(element) != simdjson::SUCCESS ||
            element.get(root) != simdjson::SUCCESS) {
            return pollFailure(state, "the document at " + url +
                                          " is not JSON: not a CSAF provider-metadata.json or "
                                          "ROLIE feed");
        }
        if (rolieEntries(url, root, entries)) {
            mode = "feed";
            next = withValidators(state, *response);
        } else if (root["distributions"].error() == simdjson::SUCCESS ||
                   root["metadata_version"].error() == simdjson::SUCCESS) {
            mode = "metadata";
            std::vector<std::string> feeds;
            std::vector<std::string> directories;
            for (sj::element d : arrayOf(root, "distributions")) {
                sj::object distribution;
                if (d.get(distribution) != simdjson::SUCCESS) {
                    continue;
                }
                sj::object rolie;
                if (distribution["rolie"].get(rolie) == simdjson::SUCCESS) {
                    for (sj::element f : arrayOf(rolie, "feeds")) {
                        sj::object feed;
                        if (f.get(feed) == simdjson::SUCCESS) {
                            if (const std::string u = textOf(feed, "url"); !u.empty()) {
                                feeds.push_back(resolveUrl(url, u));
                            }
                        }
                    }
                }
                if (const std::string dir = textOf(distribution, "directory_url"); !dir.empty()) {
                    directories.push_back(resolveUrl(url, dir));
                }
            }
            if (feeds.empty() && directories.empty()) {
                return pollFailure(state, "the provider metadata at " + url +
                                              " lists no ROLIE feed and no directory_url");
            }
            for (const std::string& feedUrl : feeds) {
                const HttpResponse feed = get(feedUrl);
                if (!feed.ok()) {
                    return failedFetch(state, feed);
                }
                sj::parser feedParser;
                const simdjson::padded_string feedBytes(feed.body);
                sj::element feedElement;
                sj::object feedRoot;
                if (feedParser.parse(feedBytes).get(feedElement) != simdjson::SUCCESS ||
                    feedElement.get(feedRoot) != simdjson::SUCCESS ||
                    !rolieEntries(feedUrl, feedRoot, entries)) {
                    return pollFailure(state, "the ROLIE feed at " + feedUrl + " (named by " + url +
                                                  ") is not a ROLIE feed (no feed.entry array)");
                }
            }
            if (feeds.empty()) {
                for (std::string dir : directories) {
                    if (!dir.ends_with("/")) {
                        dir += "/";
                    }
                    const HttpResponse csv = get(dir + "changes.csv");
                    if (!csv.ok()) {
                        return failedFetch(state, csv);
                    }
                    csvEntries(dir + "changes.csv", csv.body);
                }
            }
        } else {
            return pollFailure(state, "the document at " + url +
                                          " is neither a CSAF provider-metadata.json nor a ROLIE "
                                          "feed (no \"feed\" or \"distributions\")");
        }
    }
    return pollEntries(state, std::move(entries), mode, next);
}

namespace {

bool rolieEntries(const std::string& feedUrl, sj::object root,
                  std::vector<CsafSource::Entry>& out) {
    sj::object feed;
    sj::array items;
    if (root["feed"].get(feed) != simdjson::SUCCESS) {
        return false;
    }
    if (feed["entry"].get(items) != simdjson::SUCCESS) {
        // An empty feed may leave `entry` out.
        return feed["id"].error() == simdjson::SUCCESS;
    }
    for (sj::element e : items) {
        sj::object item;
        if (e.get(item) != simdjson::SUCCESS) {
            continue;
        }
        CsafSource::Entry entry;
        std::string sha256;
        for (sj::element l : arrayOf(item, "link")) {
            sj::object link;
            if (l.get(link) != simdjson::SUCCESS) {
                continue;
            }
            const std::string rel = textOf(link, "rel");
            const std::string href = textOf(link, "href");
            if (href.empty()) {
                continue;
            }
            if (rel == "self" && entry.location.empty()) {
                entry.location = resolveUrl(feedUrl, href);
            } else if (rel == "hash") {
                if (href.ends_with(".sha512")) {
                    entry.hashUrl = resolveUrl(feedUrl, href);
                } else {
                    sha256 = resolveUrl(feedUrl, href);
                }
            } else if (rel == "signature") {
                entry.signatureUrl = resolveUrl(feedUrl, href);
            }
        }
        if (entry.hashUrl.empty()) {
            entry.hashUrl = sha256;
        }
        sj::object content;
        if (entry.location.empty() && item["content"].get(content) == simdjson::SUCCESS) {
            if (const std::string src = textOf(content, "src"); !src.empty()) {
                entry.location = resolveUrl(feedUrl, src);
            }
        }
        if (entry.location.empty()) {
            continue;
        }
        entry.key = entry.location;
        entry.stamp = textOf(item, "updated");
        out.push_back(std::move(entry));
    }
    return true;
}

} // namespace

PollOutcome CsafSource::pollEntries(const SourceState& state, std::vector<Entry> entries,
                                    std::string mode, SourceState next) {
    const Cursor cursor = readCursor(state.cursor);
    std::map<std::string, std::string> kept;
    // Newest first: when there are more than a poll reads, the latest come first.
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.stamp > b.stamp; });
    PollOutcome outcome;
    std::size_t attempted = 0;
    std::size_t read = 0;
    std::string firstRefusal;
    auto log = [&](std::string_view level, const std::string& message) {
        if (options_.log) {
            options_.log(level, message);
        }
    };
    std::set<std::string> seen; // a document two feeds list (TLP:WHITE and GREEN) is read once
    for (const Entry& entry : entries) {
        if (!seen.insert(entry.key).second) {
            continue;
        }
        const auto known = cursor.stamps.find(entry.key);
        if (known != cursor.stamps.end() && known->second == entry.stamp) {
            kept[entry.key] = entry.stamp;
            continue;
        }
        if (attempted >= options_.maxDocumentsPerPoll) {
            if (known != cursor.stamps.end()) {
                kept[entry.key] = known->second; // read again next time
            }
            continue;
        }
        ++attempted;
        const std::size_t position = attempted;
        auto refuse = [&](const std::string& why) {
            const std::string message = "refused " + entry.location + ": " + why;
            log("error", message);
            outcome.result.problems.push_back({entry.key, position, message});
            if (firstRefusal.empty()) {
                firstRefusal = message;
            }
        };
        // Fetches one companion file (hash, signature): nullopt when there is none.
        auto companion = [&](const std::string& where, std::string& error) {
            std::optional<std::string> body;
            if (entry.local) {
                std::string bytes;
                if (fs::exists(where) && readFile(where, options_.maxBytes, bytes, error)) {
                    body = std::move(bytes);
                }
                return body;
            }
            HttpResponse r = get(where);
            if (r.ok()) {
                body = std::move(r.body);
            } else if (r.status != 404 && r.status != 410) {
                error = r.error;
            }
            return body;
        };

        std::string bytes;
        if (entry.local) {
            std::string error;
            if (!readFile(entry.location, options_.maxBytes, bytes, error)) {
                refuse(error);
                continue;
            }
            if (!looksLikeCsaf(bytes)) {
                kept[entry.key] = entry.stamp; // another JSON file (a feed, an index): not read
                continue;
            }
        } else {
            HttpResponse r = get(entry.location);
            if (r.cancelled) {
                // The process is shutting down: nothing of this poll is kept; the next one
                // starts from the same cursor.
                return pollFailure(state, r.error);
            }
            if (!r.ok()) {
                refuse(r.error);
                continue;
            }
            bytes = std::move(r.body);
        }

        // The checksum, before anything reads the document.
        std::string error;
        std::optional<std::string> hashFile;
        std::string hashName;
        std::vector<std::string> candidates;
        if (!entry.hashUrl.empty()) {
            candidates.push_back(entry.hashUrl);
        } else {
            candidates = {entry.location + ".sha512", entry.location + ".sha256"};
        }
        for (const std::string& candidate : candidates) {
            hashFile = companion(candidate, error);
            if (hashFile || !error.empty()) {
                hashName = candidate;
                break;
            }
        }
        if (!error.empty()) {
            refuse("cannot read its checksum: " + error);
            continue;
        }
        if (!hashFile) {
            if (!entry.local) {
                refuse("no checksum (.sha512 or .sha256) next to it");
                continue;
            }
            log("info", entry.location + ": no .sha512 or .sha256 next to it; not checked");
        } else {
            const bool sha512 = !hashName.ends_with(".sha256");
            const std::string stated = statedHash(*hashFile, sha512 ? 128 : 64);
            const std::string actual =
                hexDigest(sha512 ? Poco::SHA2Engine::SHA_512 : Poco::SHA2Engine::SHA_256, bytes);
            if (stated.empty()) {
                refuse(hashName + " does not hold a " + (sha512 ? "SHA-512" : "SHA-256") + " hash");
                continue;
            }
            if (stated != actual) {
                refuse(std::string(sha512 ? "SHA-512" : "SHA-256") + " mismatch: " + hashName +
                       " says " + stated + ", the document's is " + actual);
                continue;
            }
        }

        if (options_.verifier) {
            const std::string where =
                entry.signatureUrl.empty() ? entry.location + ".asc" : entry.signatureUrl;
            const std::optional<std::string> signature = companion(where, error);
            if (!signature) {
                refuse("no OpenPGP signature (" + where + ")" +
                       (error.empty() ? std::string() : ": " + error) +
                       " and a keyring is configured");
                continue;
            }
            const SignatureCheck check = options_.verifier(bytes, *signature);
            if (check.status != "valid") {
                refuse("OpenPGP signature " + where + " is " + check.status +
                       (check.signer.empty() ? std::string() : " (" + check.signer + ")"));
                continue;
            }
        }

        ParseResult parsed;
        try {
            parsed = parseCsaf(bytes);
        } catch (const ParseError& e) {
            const std::string message = entry.location + ": " + e.what();
            log("warning", message);
            outcome.result.problems.push_back({entry.key, position, message});
            kept[entry.key] = entry.stamp; // unreadable until it changes
            continue;
        }
        const int raw = outcome.result.addRaw("application/json", std::move(bytes));
        for (Advisory& record : parsed.records) {
            outcome.result.addRecord(std::move(record), raw);
        }
        for (ItemProblem& problem : parsed.problems) {
            problem.message = entry.location + ": " + problem.message;
            outcome.result.problems.push_back(std::move(problem));
        }
        kept[entry.key] = entry.stamp;
        ++read;
    }
    if (attempted == 0) {
        outcome.kind = PollOutcome::Kind::NotModified;
        outcome.state = state;
        if (next.etag != state.etag || next.lastModified != state.lastModified) {
            // New validators for an unchanged list: keep them (an empty batch).
            outcome.kind = PollOutcome::Kind::Records;
            outcome.state = next;
            outcome.state.cursor = writeCursor(mode, kept);
        }
        return outcome;
    }
    if (read == 0 && !firstRefusal.empty() && outcome.result.problems.size() == attempted) {
        return pollFailure(state, std::to_string(attempted) + " new CSAF document" +
                                      (attempted == 1 ? " was" : "s were") +
                                      " refused; the first: " + firstRefusal);
    }
    outcome.kind = PollOutcome::Kind::Records;
    outcome.state = next;
    if (!firstRefusal.empty()) {
        // A document refused (a stall, a cut, an oversized body, a bad checksum) is read again
        // at the next poll: the listing must then be fetched whole, not answered 304.
        outcome.state.etag = state.etag;
        outcome.state.lastModified = state.lastModified;
    }
    outcome.state.cursor = writeCursor(mode, kept);
    return outcome;
}

} // namespace vw
