// Uploads (issue 13 part 5; docs/web.md "Uploads"): the bodies of upload requests are written
// to a private file while they are read (web/server.cpp), never held in HttpRequest::body; the
// product page keeps an uploaded SBOM in a staging file between its preview and its commit.
#pragma once

#include "web/http.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vw::web {

/// Whether the server streams this request's body to a file: a POST whose path ends in
/// "/sbom" or "/sbom/" (the product page's upload, POST /api/v1/products/{name}/versions/
/// {version}/sbom) or whose body is multipart/form-data.
bool streamedUpload(std::string_view method, std::string_view path, std::string_view contentType);

/// A request's body: `body`, or when the server streamed it, the file's content. At most
/// `max` bytes are read; throws std::length_error past that and std::runtime_error when the
/// file cannot be read.
std::string requestBody(const HttpRequest& request, std::size_t max);
/// The body's size in bytes (the file's when streamed).
std::uint64_t requestBodySize(const HttpRequest& request);

/// 32 random hexadecimal digits (128 bits, getrandom(2)).
std::string randomHexToken();
/// Whether `token` looks like randomHexToken()'s (so it may name a file).
bool validHexToken(std::string_view token);

/// Creates `dir` (and its parents) when missing and makes it 0700. Throws
/// std::runtime_error naming it.
void ensurePrivateDir(const std::string& dir);

/// A new file `dir`/`prefix` + random token, created with O_EXCL and mode 0600, open for
/// writing (`fd`). Throws std::runtime_error.
struct NewFile {
    int fd = -1;
    std::string path;
};
NewFile createPrivateFile(const std::string& dir, std::string_view prefix);

/// An SBOM uploaded on the product page, kept between the preview (the diff) and the commit
/// or cancel: `dir`/TOKEN.sbom (the document) and `dir`/TOKEN.meta (who, for what, when).
struct StagedSbom {
    std::string token;
    std::string user;
    std::string product;
    std::string version;
    std::string format; // "auto", "cyclonedx", "spdx"
    std::string fileName;
    std::int64_t createdAt = 0;
    std::string path; // the document
};

/// How long a staged upload is kept (an hour).
inline constexpr std::int64_t kStagedSbomSeconds = 3600;

/// Writes the meta file of `staged` (its `path` must already hold the document, named
/// `dir`/TOKEN.sbom). Throws std::runtime_error.
void saveStagedSbom(const std::string& dir, const StagedSbom& staged);
/// The staged upload `token` when it exists, has not expired at `now` and belongs to `user`.
std::optional<StagedSbom> loadStagedSbom(const std::string& dir, std::string_view token,
                                         const std::string& user, std::int64_t now);
/// Removes the files of staged upload `token`.
void removeStagedSbom(const std::string& dir, std::string_view token);
/// Removes every file in `dir` last written more than kStagedSbomSeconds ago: expired staged
/// uploads and leftovers.
void expireStagedSboms(const std::string& dir);

} // namespace vw::web
