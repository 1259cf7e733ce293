// Reading a whole small file (the config, secrets, the CPE map, the holidays file) with a size
// limit; each caller words its own errors.
#pragma once

#include <cstddef>
#include <string>

namespace vw {

struct FileRead {
    bool tooLarge = false; // more than the limit (content holds what was read so far)
    std::string error;     // the system's reason when the file cannot be read; "" otherwise
    bool ok() const { return !tooLarge && error.empty(); }
};

/// Reads the file at `path` into `content`, stopping once it is longer than `limit` bytes.
FileRead readWholeFile(const std::string& path, std::size_t limit, std::string& content);

} // namespace vw
