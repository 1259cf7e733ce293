#include "store/installbase.h"

#include "store/store.h"

namespace vw {

std::vector<InstallBaseEntry> installBase(Store& store, const std::string& product) {
    Statement q = store.db().prepare(
        "SELECT site_id, product, version, role, site_name, quantity, contact_name, "
        "contact_email, contact_phone, notes, updated_at FROM install_base "
        "WHERE ?1 = '' OR product = ?1 ORDER BY product, version, site_id, role");
    q.bind(1, product);
    std::vector<InstallBaseEntry> rows;
    while (q.step()) {
        InstallBaseEntry e;
        e.siteId = q.text(0);
        e.product = q.text(1);
        e.version = q.text(2);
        e.role = q.text(3);
        e.siteName = q.text(4);
        e.quantity = q.integer(5);
        e.contactName = q.text(6);
        e.contactEmail = q.text(7);
        e.contactPhone = q.text(8);
        e.notes = q.text(9);
        e.updatedAt = q.integer(10);
        rows.push_back(std::move(e));
    }
    return rows;
}

void replaceInstallBase(Store& store, const std::vector<InstallBaseEntry>& rows, std::int64_t now) {
    store.db().exec("DELETE FROM install_base");
    Statement insert = store.db().prepare(
        "INSERT INTO install_base (site_id, product, version, role, site_name, quantity, "
        "contact_name, contact_email, contact_phone, notes, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    for (const InstallBaseEntry& e : rows) {
        insert.bind(1, e.siteId).bind(2, e.product).bind(3, e.version).bind(4, e.role);
        insert.bind(5, e.siteName).bind(6, static_cast<std::int64_t>(e.quantity));
        insert.bind(7, e.contactName).bind(8, e.contactEmail).bind(9, e.contactPhone);
        insert.bind(10, e.notes).bind(11, now);
        insert.run();
        insert.reset();
        insert.clearBindings();
    }
}

} // namespace vw
