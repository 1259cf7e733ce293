// Operational alerts to the people who run vulnwatch ([daemon] admin): a source that keeps
// failing or brings nothing new, a message given up (issue 11 parts 5 and 6). They go through
// the outbox like every other message, so they survive crashes and are sent once.
#pragma once

#include "config/config.h"
#include "store/store.h"

#include <cstdint>
#include <string>

namespace vw {

/// Every operational alert's subject starts with this (so a dead alert does not alert again).
inline constexpr std::string_view kAdminSubjectPrefix = "[vulnwatch] 監視 (monitoring): ";

/// Queues one message per e-mail notifier and admin, due now; `episode` makes the idempotency
/// key (the same episode is never sent twice). Returns how many were queued; with no admin or
/// no e-mail notifier configured it logs the alert as an error instead and returns 0.
int enqueueAdminAlert(Store& store, const Config& config, const std::string& subject,
                      const std::string& text, const std::string& episode, std::int64_t now);

/// After a poll of `source` (`pollOk`: it answered, with or without new records; `newItems`:
/// it brought a record never stored before), updates `row` and tells the admins once when the
/// source has failed alert_after_failures times in a row or has brought nothing new for its
/// silence limit, and once more when that is over. Returns true when `row` changed (the caller
/// saves it).
bool checkSourceHealth(Store& store, const Config& config, const SourceConfig& source,
                       SourceStateRow& row, bool pollOk, bool newItems, std::int64_t now);

} // namespace vw
