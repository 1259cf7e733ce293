#include "daemon/audit_journal.h"

#include "daemon/log.h"
#include "store/store.h"

#include <exception>

namespace vw {

namespace {

constexpr const char* kComponent = "audit";
constexpr std::int64_t kJstOffsetSeconds = 9 * 3600;

std::int64_t jstDay(std::int64_t now) {
    const std::int64_t local = now + kJstOffsetSeconds;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

} // namespace

std::string auditHeadLine(const AuditHead& head) {
    return "audit head " + std::to_string(head.seq) + " " + head.hash;
}

void AuditHeadJournal::write(const AuditHead& head, const char* when) {
    VW_LOG_INFO(kComponent, auditHeadLine(head) << " (" << when << ")");
    last_ = head;
    logged_ = true;
}

void AuditHeadJournal::daily(Store& store, std::int64_t now) {
    const std::int64_t day = jstDay(now);
    if (logged_ && day == loggedDay_) {
        return;
    }
    try {
        write(store.auditHead(), logged_ ? "daily" : "start");
        loggedDay_ = day;
    } catch (const std::exception& e) {
        VW_LOG_WARNING(kComponent, "cannot read the audit head now: " << e.what());
    }
}

void AuditHeadJournal::atStop(Store& store) {
    try {
        const AuditHead head = store.auditHead();
        if (!logged_ || head.seq != last_.seq || head.hash != last_.hash) {
            write(head, "stop");
        }
    } catch (const std::exception& e) {
        VW_LOG_WARNING(kComponent, "cannot read the audit head at stop: " << e.what());
    }
}

} // namespace vw
