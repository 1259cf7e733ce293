// Helpers shared by the store tests: a temporary directory and hand-built advisories.
#pragma once

#include "core/advisory.h"
#include "store/store.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdlib.h> // mkdtemp
#include <string>
#include <system_error>
#include <vector>

namespace vw::test {

/// A fresh directory under the system temp folder, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "vw-store-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            FAIL("mkdtemp failed for " << pattern);
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline Advisory makeAdvisory(const std::string& id, std::vector<std::string> aliases,
                             const std::string& title = "title", double score = 5.0) {
    Advisory a;
    a.source = "jvn-rss";
    a.id = id;
    a.aliases = std::move(aliases);
    a.title = title;
    a.summary = "summary of " + id;
    a.url = "https://jvndb.jvn.jp/ja/contents/" + id + ".html";
    a.published = DateTime{1698893820, 540};
    a.cvss.push_back({"3.0", score, "Medium", "CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"});
    return a;
}

/// Counts rows of `table` (a fixed name from the test itself).
inline std::int64_t countRows(Store& store, const std::string& table) {
    Statement q = store.db().prepare("SELECT COUNT(*) FROM " + table);
    REQUIRE(q.step());
    return q.integer(0);
}

} // namespace vw::test
