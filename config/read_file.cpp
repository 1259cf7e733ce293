#include "config/read_file.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace vw {

FileRead readWholeFile(const std::string& path, std::size_t limit, std::string& content) {
    FileRead result;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        result.error = std::error_code(errno, std::generic_category()).message();
        return result;
    }
    content.clear();
    char buffer[65536];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        content.append(buffer, count);
        if (content.size() > limit) {
            result.tooLarge = true;
            return result;
        }
    }
    if (std::ferror(file.get()) != 0) {
        result.error = std::error_code(errno, std::generic_category()).message();
    }
    return result;
}

} // namespace vw
