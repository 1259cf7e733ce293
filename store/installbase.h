// The install base in the store (table `install_base`, schema migration installBase;
// docs/installbase.md): which site runs which product version and whom to tell. Rows are
// replaced as a whole by an import; every function runs in the caller's transaction when one
// is open.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vw {

class Store;

/// One stored row (the fields of inventory/installbase.h's InstallBaseRow, kept apart so the
/// store does not depend on the CSV reader).
struct InstallBaseEntry {
    std::string siteId;
    std::string product;
    std::string version;
    std::string role; // "hospital", "lessor" or "distributor"
    std::string siteName;
    long long quantity = 1;
    std::string contactName;
    std::string contactEmail;
    std::string contactPhone;
    std::string notes;
    std::int64_t updatedAt = 0; // when the import that wrote it ran (Unix seconds)
};

/// The rows, ordered by product, version, site id and role; only those of `product` when it is
/// not empty.
std::vector<InstallBaseEntry> installBase(Store& store, const std::string& product = "");

/// Replaces the whole install base by `rows` (updated_at = `now` for each). The caller opens the
/// transaction that also records the audit event.
void replaceInstallBase(Store& store, const std::vector<InstallBaseEntry>& rows, std::int64_t now);

} // namespace vw
