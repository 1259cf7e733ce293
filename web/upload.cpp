#include "web/upload.h"

#include "core/text.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vw::web {
namespace {

bool endsWith(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

std::string errnoText() {
    return std::strerror(errno);
}

std::string metaPath(const std::string& dir, std::string_view token) {
    return dir + "/" + std::string(token) + ".meta";
}

std::string sbomPath(const std::string& dir, std::string_view token) {
    return dir + "/" + std::string(token) + ".sbom";
}

/// One meta line's value: newlines and backslashes escaped.
std::string escapeLine(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescapeLine(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            const char next = text[++i];
            out += next == 'n' ? '\n' : next == 'r' ? '\r' : next;
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace

bool streamedUpload(std::string_view method, std::string_view path, std::string_view contentType) {
    if (method != "POST") {
        return false;
    }
    const std::string type = lowerAscii(trim(contentType));
    return endsWith(path, "/sbom") || endsWith(path, "/sbom/") ||
           type.rfind("multipart/form-data", 0) == 0;
}

std::string requestBody(const HttpRequest& request, std::size_t max) {
    if (request.bodyFile.empty()) {
        if (request.body.size() > max) {
            throw std::length_error("the body is larger than " + std::to_string(max) + " bytes");
        }
        return request.body;
    }
    std::ifstream in(request.bodyFile, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read the uploaded body " + request.bodyFile);
    }
    std::string out;
    char piece[64 * 1024];
    while (in) {
        in.read(piece, sizeof piece);
        const auto got = static_cast<std::size_t>(in.gcount());
        if (out.size() + got > max) {
            throw std::length_error("the body is larger than " + std::to_string(max) + " bytes");
        }
        out.append(piece, got);
    }
    return out;
}

std::uint64_t requestBodySize(const HttpRequest& request) {
    if (request.bodyFile.empty()) {
        return request.body.size();
    }
    std::error_code ec;
    const auto size = std::filesystem::file_size(request.bodyFile, ec);
    return ec ? 0 : static_cast<std::uint64_t>(size);
}

std::string randomHexToken() {
    unsigned char bytes[16];
    std::size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error("getrandom: " + errnoText());
        }
        got += static_cast<std::size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0x0f];
    }
    return out;
}

bool validHexToken(std::string_view token) {
    if (token.size() != 32) {
        return false;
    }
    for (const char c : token) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

void ensurePrivateDir(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        throw std::runtime_error("cannot create the upload folder " + dir + ": " + ec.message());
    }
    if (::chmod(dir.c_str(), 0700) != 0) {
        throw std::runtime_error("cannot make the upload folder " + dir +
                                 " private: " + errnoText());
    }
}

NewFile createPrivateFile(const std::string& dir, std::string_view prefix) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        NewFile f;
        f.path = dir + "/" + std::string(prefix) + randomHexToken();
        f.fd = ::open(f.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (f.fd >= 0) {
            return f;
        }
        if (errno != EEXIST) {
            throw std::runtime_error("cannot create " + f.path + ": " + errnoText());
        }
    }
    throw std::runtime_error("cannot create a new file in " + dir);
}

void saveStagedSbom(const std::string& dir, const StagedSbom& staged) {
    const std::string path = metaPath(dir, staged.token);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot create " + path + ": " + errnoText());
    }
    std::ostringstream text;
    text << "user=" << escapeLine(staged.user) << "\nproduct=" << escapeLine(staged.product)
         << "\nversion=" << escapeLine(staged.version) << "\nformat=" << escapeLine(staged.format)
         << "\nfile=" << escapeLine(staged.fileName) << "\ncreated=" << staged.createdAt << "\n";
    const std::string data = text.str();
    const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
    ::close(fd);
    if (!ok) {
        std::filesystem::remove(path);
        throw std::runtime_error("cannot write " + path);
    }
}

std::optional<StagedSbom> loadStagedSbom(const std::string& dir, std::string_view token,
                                         const std::string& user, std::int64_t now) {
    if (!validHexToken(token)) {
        return std::nullopt;
    }
    std::ifstream in(metaPath(dir, token));
    if (!in) {
        return std::nullopt;
    }
    StagedSbom s;
    s.token = std::string(token);
    s.path = sbomPath(dir, token);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const std::string key = line.substr(0, eq);
        const std::string value = unescapeLine(std::string_view(line).substr(eq + 1));
        if (key == "user") {
            s.user = value;
        } else if (key == "product") {
            s.product = value;
        } else if (key == "version") {
            s.version = value;
        } else if (key == "format") {
            s.format = value;
        } else if (key == "file") {
            s.fileName = value;
        } else if (key == "created") {
            s.createdAt = std::atoll(value.c_str());
        }
    }
    if (s.user != user || now - s.createdAt > kStagedSbomSeconds || now < s.createdAt - 60 ||
        !std::filesystem::exists(s.path)) {
        return std::nullopt;
    }
    return s;
}

void removeStagedSbom(const std::string& dir, std::string_view token) {
    if (!validHexToken(token)) {
        return;
    }
    std::error_code ec;
    std::filesystem::remove(metaPath(dir, token), ec);
    std::filesystem::remove(sbomPath(dir, token), ec);
}

void expireStagedSboms(const std::string& dir) {
    std::error_code ec;
    const auto cutoff =
        std::filesystem::file_time_type::clock::now() - std::chrono::seconds(kStagedSbomSeconds);
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::error_code e2;
        if (entry.is_regular_file(e2) && entry.last_write_time(e2) < cutoff) {
            std::filesystem::remove(entry.path(), e2);
        }
    }
}

} // namespace vw::web
