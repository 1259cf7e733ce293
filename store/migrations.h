// The schema as an ordered list of migrations: entry N-1 brings a database from
// `PRAGMA user_version` N-1 to N. Entries are never edited once released; changes are appended.
#pragma once

#include <string_view>
#include <vector>

namespace vw {

/// Every migration this build knows, oldest first (version 1 is the initial schema).
const std::vector<std::string_view>& schemaMigrations();

} // namespace vw
