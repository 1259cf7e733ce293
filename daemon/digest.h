// Per-owner routing and digests (issue 11, docs/configuration.md "Owners and digests"):
// who hears of a match at once and who in a digest, and making the digests that are due.
#pragma once

#include "config/config.h"
#include "core/advisory.h"
#include "core/correlate.h"
#include "core/match.h"
#include "core/product.h"
#include "store/store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vw {

/// One recipient of one match: a notifier, and for e-mail the mailbox; `digest` when the news
/// goes into that mailbox's next digest instead of a message now.
struct RouteTarget {
    const NotifierConfig* notifier = nullptr;
    std::string recipient; // "" for chat notifiers
    bool digest = false;
    std::string language; // e-mail: the recipient's [owner.NAME] language, else the notifier's
};

/// Who hears of news about `product` with this CVSS `score` and match `confidence` (pure).
///
/// - A chat notifier posts it when its `products` filter lets the product through and the
///   news meets its thresholds; nothing else (chat notifiers keep no digest).
/// - An e-mail notifier's recipients are the product version's owners (registry), its `to`,
///   and the [owner.NAME] sections sending through it whose `products` name the product (or
///   are `*`). A recipient with an [owner.NAME] section follows that section only: it hears
///   through the section's notifier, of the section's products when `products` is set, with
///   the section's mode and thresholds. Any other recipient follows the notifier's mode and
///   thresholds. Immediate when the mode is immediate and both thresholds are met; otherwise
///   a digest item.
std::vector<RouteTarget> routeMatch(const Routing& routing, const Product& product, double score,
                                    int confidence);

/// How the mailbox `owner` (an address, lower case) hears of news about `product` through the
/// e-mail notifier named `notifier` (pure): routeMatch's target for it whatever the score and
/// confidence (so `digest` is true exactly when its mode is digest), or nullopt when that
/// notifier does not tell it about the product at all. The digests use it to decide whose open
/// cases an owner sees.
std::optional<RouteTarget> ownerRoute(const Routing& routing, const Product& product,
                                      const std::string& owner, const std::string& notifier);

/// The digest item for news routed to `target` (pure): a new match (`update` null) or a
/// material revision (kind "update", or "withdrawn" when the advisory now is).
DigestItemRow digestItemFor(const Advisory& advisory, const Match& match, const RouteTarget& target,
                            const std::string& clusterKey, const std::vector<FieldChange>* changes,
                            const std::string& revisionHash, std::int64_t now);

/// The settings a digest of `owner` (an address, lower case) runs with: its [owner.NAME]
/// section, or the defaults (daily 08:30, Asia/Tokyo, Japanese, no heartbeat).
struct DigestSettings {
    const OwnerConfig* section = nullptr; // null: no [owner.NAME] for this address
    DigestSchedule schedule;
    std::string timezone{kDefaultTimeZone};
    std::string language = "ja";
    bool heartbeat = false;
};
DigestSettings digestSettings(const Config& config, const std::string& owner);

/// One digest that makeDueDigests made.
struct DigestMade {
    std::string owner;
    std::string notifier;
    std::int64_t digestId = 0;
    std::int64_t outboxId = 0;
    std::int64_t periodEnd = 0;
    int items = 0; // 0: a heartbeat (or only open cases)
    int cases = 0; // the open cases it lists (issue 12)
};

struct DigestOptions {
    /// Make them now, scheduled or not (`digest send-now`): the period ends now, and an owner
    /// without news gets a "nothing new" digest.
    bool force = false;
    /// Only this owner: an [owner.NAME] name or an address ("" for every owner).
    std::string owner;
    /// Called after a digest's message is queued and its items are marked, before the commit
    /// (tests simulate a crash there by throwing).
    std::function<void()> beforeCommit;
};

/// When a digest of (owner, notifier) is due: the first scheduled time after both its last
/// digest and its oldest uncovered item or, for an owner in digest mode for a product with an
/// open case, the oldest such case's opening (`oldestOpenCase`, 0: none) — whichever is older;
/// a heartbeat owner without either: after the time the store first knew it. nullopt when
/// nothing is to be sent.
std::optional<std::int64_t> digestDue(Store& store, const Config& config, const std::string& owner,
                                      const std::string& notifier, std::int64_t oldestItem,
                                      std::int64_t now, std::int64_t oldestOpenCase = 0);

/// Makes every digest that is due at `now` (a schedule missed while the daemon was down is
/// made once, at the next call). Each digest is one transaction: the uncovered items are read,
/// one outbox message is rendered and queued (key from owner and period, digestKey), the items
/// are marked covered and the digest recorded, so a crash leaves either all of it or none.
///
/// Every digest also lists the owner's open cases (store/cases.h listCases: not closed nor a
/// side exit) of the product versions it hears of through that notifier (ownerRoute), by due
/// date. An owner in digest mode for such a product gets its digest at each scheduled time
/// while the case is open, news or not (a digest with no news that lists open cases, not a bare
/// heartbeat); an owner in immediate mode sees its open cases in the digests it gets anyway.
std::vector<DigestMade> makeDueDigests(Store& store, const Config& config, std::int64_t now,
                                       const DigestOptions& options = {});

/// The earliest time a digest is due (now or later), for the daemon's sleep; nullopt when no
/// owner has anything scheduled.
std::optional<std::int64_t> nextDigestDue(Store& store, const Config& config, std::int64_t now);

} // namespace vw
