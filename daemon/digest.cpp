#include "daemon/digest.h"

#include "daemon/audit_journal.h"
#include "daemon/log.h"
#include "notifiers/digest.h"
#include "store/cases.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

namespace vw {
namespace {

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

/// The changes of an update item (changesJson) back into values; an unreadable text becomes
/// one change saying so, never an exception (the digest must still go out).
std::vector<FieldChange> changesFrom(const std::string& json) {
    std::vector<FieldChange> changes;
    if (json.empty()) {
        return changes;
    }
    try {
        Poco::JSON::Parser parser;
        const auto array = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < array->size(); ++i) {
            const auto object = array->getObject(static_cast<unsigned>(i));
            if (!object) {
                continue;
            }
            FieldChange c;
            c.field = object->optValue<std::string>("field", "");
            c.before = object->optValue<std::string>("before", "");
            c.after = object->optValue<std::string>("after", "");
            c.material = object->optValue<bool>("material", false);
            changes.push_back(std::move(c));
        }
    } catch (const std::exception& e) {
        changes.push_back({"changes", "", std::string("(unreadable: ") + e.what() + ")", true});
    }
    return changes;
}

/// The open cases and what routing them to owners needs, read once per round.
struct OpenCases {
    std::vector<Case> cases;
    std::map<std::pair<std::string, std::string>, Product> products; // (name, version)
    Routing routing;

    /// The product version of a case, or nullptr when it is no longer registered.
    const Product* productOf(const Case& c) const {
        const auto it = products.find({c.product, c.version});
        return it == products.end() ? nullptr : &it->second;
    }
};

OpenCases readOpenCases(Store& store, const Config& config) {
    OpenCases open;
    CaseFilter filter;
    filter.openOnly = true;
    open.cases = listCases(store, filter);
    if (open.cases.empty()) {
        return open;
    }
    for (Product& p : store.products()) {
        open.products.emplace(std::make_pair(p.name, p.version), std::move(p));
    }
    open.routing = Routing(config.notifiers, config.owners);
    return open;
}

/// The open cases one owner hears of through one notifier.
struct OwnerCases {
    std::vector<const Case*> cases; // listCases order (by due time)
    std::string recipient;          // the mailbox as routed ("" when no case)
    std::int64_t digestSince = 0;   // the oldest opening of a case heard of in digest mode
};

OwnerCases casesOf(const OpenCases& open, const std::string& owner, const std::string& notifier) {
    OwnerCases out;
    for (const Case& c : open.cases) {
        const Product* product = open.productOf(c);
        if (product == nullptr) {
            continue;
        }
        const auto route = ownerRoute(open.routing, *product, owner, notifier);
        if (!route) {
            continue;
        }
        out.cases.push_back(&c);
        if (out.recipient.empty()) {
            out.recipient = route->recipient;
        }
        if (route->digest && (out.digestSince == 0 || c.openedAt < out.digestSince)) {
            out.digestSince = c.openedAt;
        }
    }
    return out;
}

struct Candidate {
    std::string owner;
    std::string notifier;
    std::int64_t oldest = 0;     // 0: no uncovered item
    std::int64_t oldestCase = 0; // 0: no open case heard of in digest mode
};

/// The owners a digest may be due for: those with uncovered items, those in digest mode for a
/// product version with an open case, and the [owner.NAME] sections that want heartbeats (or,
/// with `force` and an owner named, that owner).
std::vector<Candidate> candidates(Store& store, const Config& config, const OpenCases& open,
                                  const DigestOptions& options) {
    std::vector<Candidate> out;
    for (const PendingDigest& p : store.pendingDigests()) {
        out.push_back({p.owner, p.notifier, p.oldest, 0});
    }
    // Open cases: the addresses in digest mode for their product versions; and anyone when a
    // digest is asked for by hand for one owner (the filter at the end keeps only that owner).
    const bool asked = options.force && !options.owner.empty();
    for (const Case& c : open.cases) {
        const Product* product = open.productOf(c);
        if (product == nullptr) {
            continue;
        }
        for (const RouteTarget& t : routeMatch(open.routing, *product, 10.0, 100)) {
            if (t.notifier->type != "email" || !(t.digest || asked)) {
                continue;
            }
            const std::string address = mailAddressOf(t.recipient);
            const std::int64_t since = t.digest ? c.openedAt : 0;
            auto it = std::find_if(out.begin(), out.end(), [&](const Candidate& k) {
                return k.owner == address && k.notifier == t.notifier->name;
            });
            if (it == out.end()) {
                out.push_back({address, t.notifier->name, 0, since});
            } else if (since != 0 && (it->oldestCase == 0 || since < it->oldestCase)) {
                it->oldestCase = since;
            }
        }
    }
    for (const OwnerConfig& o : config.owners) {
        const bool named =
            options.force && !options.owner.empty() &&
            (o.name == options.owner || mailAddressOf(o.email) == mailAddressOf(options.owner));
        if (!o.heartbeat && !named) {
            continue;
        }
        const std::string address = mailAddressOf(o.email);
        const bool known = std::any_of(out.begin(), out.end(), [&](const Candidate& c) {
            return c.owner == address && c.notifier == o.notifier;
        });
        if (!known) {
            out.push_back({address, o.notifier, 0, 0});
        }
    }
    if (!options.owner.empty()) {
        const OwnerConfig* section = nullptr;
        for (const OwnerConfig& o : config.owners) {
            if (o.name == options.owner) {
                section = &o;
            }
        }
        const std::string address =
            section != nullptr ? mailAddressOf(section->email) : mailAddressOf(options.owner);
        std::erase_if(out, [&](const Candidate& c) { return c.owner != address; });
    }
    return out;
}

DigestEntry entryFrom(const DigestItemRow& item) {
    DigestEntry e;
    e.kind = item.kind;
    e.advisory = item.advisory;
    e.clusterKey = item.clusterKey;
    e.title = item.title;
    e.url = item.url;
    e.score = item.score;
    e.product = item.product;
    e.version = item.version;
    e.component = item.component;
    e.method = item.method;
    e.verdict = item.verdict;
    e.confidence = item.confidence;
    e.reason = item.reason;
    e.changes = changesFrom(item.changes);
    return e;
}

DigestCase digestCaseFrom(const Case& c, std::int64_t now) {
    DigestCase d;
    d.id = c.id;
    d.product = c.product;
    d.version = c.version;
    d.title = c.title;
    d.advisory = c.clusterKey;
    d.state = c.state;
    std::tie(d.due, d.clock) = nextDue(c);
    d.overdue = !overdueClocks(c, now).empty();
    d.ssvc = c.ssvc;
    return d;
}

/// Makes the digest of one owner when it is due (or forced): one transaction.
std::optional<DigestMade> makeOne(Store& store, const Config& config, const Candidate& candidate,
                                  const OpenCases& open, std::int64_t now,
                                  const DigestOptions& options) {
    DigestSettings settings = digestSettings(config, candidate.owner);
    std::shared_ptr<const MailTemplates> templates; // the notifier's `templates = DIR`
    for (const NotifierConfig& n : config.notifiers) {
        if (n.name == candidate.notifier) {
            templates = n.templates.loaded;
            if (settings.section == nullptr) {
                settings.language = n.language; // an address without a section: its notifier's
            }
        }
    }
    Store::Transaction tx(store);
    const std::vector<DigestItemRow> items =
        store.pendingDigestItems(candidate.owner, candidate.notifier);
    const OwnerCases mine = casesOf(open, candidate.owner, candidate.notifier);
    std::int64_t periodEnd = now;
    if (!options.force) {
        std::int64_t oldest = 0;
        for (const auto& item : items) {
            oldest = oldest == 0 ? item.createdAt : std::min(oldest, item.createdAt);
        }
        const auto due = digestDue(store, config, candidate.owner, candidate.notifier, oldest, now,
                                   mine.digestSince);
        if (!due || *due > now) {
            return std::nullopt;
        }
        periodEnd = lastScheduled(settings.schedule, settings.timezone, now);
    }
    if (items.empty() && mine.digestSince == 0 && !settings.heartbeat && !options.force) {
        return std::nullopt;
    }
    const std::int64_t last = store.lastDigestEnd(candidate.owner, candidate.notifier);

    DigestContent content;
    content.notifier = candidate.notifier;
    content.recipient = settings.section != nullptr ? settings.section->email
                        : !items.empty()            ? items.back().recipient
                        : !mine.recipient.empty()   ? mine.recipient
                                                    : candidate.owner;
    content.language = settings.language;
    content.periodStart = last > 0 ? localTimeText(last, settings.timezone) : "";
    content.periodEnd = localTimeText(periodEnd, settings.timezone);
    content.idempotencyKey = digestKey(candidate.notifier, candidate.owner, periodEnd);
    content.templates = std::move(templates);
    // The head before this digest's own event: read in the transaction, so it is the chain's
    // last event when the message was made.
    content.auditHead = auditHeadLine(store.auditHead());
    content.entries.reserve(items.size());
    std::vector<std::int64_t> itemIds;
    itemIds.reserve(items.size());
    for (const auto& item : items) {
        content.entries.push_back(entryFrom(item));
        itemIds.push_back(item.id);
    }
    content.cases.reserve(mine.cases.size());
    for (const Case* c : mine.cases) {
        content.cases.push_back(digestCaseFrom(*c, now));
    }
    if (items.empty()) {
        for (const auto& source : config.sources) {
            if (!source.enabled) {
                continue;
            }
            const SourceStateRow state = store.sourceState(source.name);
            content.sources.push_back(
                {source.name,
                 state.lastSuccess > 0 ? localTimeText(state.lastSuccess, settings.timezone) : ""});
        }
    }
    const OutMessage message = renderDigest(content);
    const std::int64_t outboxId = store.enqueue(message, now, now);
    if (outboxId == 0) {
        return std::nullopt; // this period's message is queued already
    }
    const std::int64_t digestId =
        store.recordDigest(candidate.owner, candidate.notifier, periodEnd, now, outboxId, itemIds);
    if (digestId == 0) {
        return std::nullopt; // made already (rolled back with the message)
    }
    store.logEvent("digest",
                   "digest " + std::to_string(digestId) + " for " + candidate.owner + " via " +
                       candidate.notifier + ": " + std::to_string(items.size()) + " items" +
                       (mine.cases.empty()
                            ? std::string()
                            : ", " + std::to_string(mine.cases.size()) + " open cases") +
                       (options.force ? " (sent by hand)" : ""),
                   now);
    if (options.beforeCommit) {
        options.beforeCommit();
    }
    tx.commit();
    return DigestMade{candidate.owner,
                      candidate.notifier,
                      digestId,
                      outboxId,
                      periodEnd,
                      static_cast<int>(items.size()),
                      static_cast<int>(mine.cases.size())};
}

} // namespace

std::vector<RouteTarget> routeMatch(const Routing& routing, const Product& product, double score,
                                    int confidence) {
    std::vector<RouteTarget> out;
    for (const NotifierConfig& n : routing.notifiers) {
        if (n.type != "email") {
            if (!n.products.empty() && !contains(n.products, product.name)) {
                continue;
            }
            if (n.mode == "immediate" && score >= n.minSeverity && confidence >= n.minConfidence) {
                out.push_back({&n, "", false, ""});
            }
            continue;
        }
        std::vector<std::string> mailboxes = product.owners;
        mailboxes.insert(mailboxes.end(), n.to.begin(), n.to.end());
        for (const OwnerConfig& o : routing.owners) {
            if (o.notifier == n.name && o.productsSet &&
                (o.products.empty() || contains(o.products, product.name))) {
                mailboxes.push_back(o.email);
            }
        }
        // One target per address (sorted by mailbox, as messages always were).
        std::vector<std::pair<std::string, RouteTarget>> targets;
        for (const std::string& mailbox : mailboxes) {
            const OwnerConfig* o = ownerFor(routing.owners, mailbox);
            std::string mode = n.mode;
            double minSeverity = n.minSeverity;
            int minConfidence = n.minConfidence;
            std::string recipient = mailbox;
            std::string language = n.language;
            if (o != nullptr) {
                if (o->notifier != n.name || (o->productsSet && !o->products.empty() &&
                                              !contains(o->products, product.name))) {
                    continue;
                }
                mode = o->mode;
                minSeverity = o->minSeverity;
                minConfidence = o->minConfidence;
                recipient = o->email;
                language = o->language;
            }
            const std::string address = mailAddressOf(recipient);
            if (std::any_of(targets.begin(), targets.end(),
                            [&](const auto& t) { return t.first == address; })) {
                continue;
            }
            const bool immediate =
                mode == "immediate" && score >= minSeverity && confidence >= minConfidence;
            targets.push_back({address, RouteTarget{&n, recipient, !immediate, language}});
        }
        std::sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) {
            return a.second.recipient < b.second.recipient;
        });
        for (auto& t : targets) {
            out.push_back(std::move(t.second));
        }
    }
    return out;
}

std::optional<RouteTarget> ownerRoute(const Routing& routing, const Product& product,
                                      const std::string& owner, const std::string& notifier) {
    // The highest score and confidence: every recipient is a target, immediate unless its mode
    // is digest.
    for (RouteTarget& t : routeMatch(routing, product, 10.0, 100)) {
        if (t.notifier->type == "email" && t.notifier->name == notifier &&
            mailAddressOf(t.recipient) == owner) {
            return std::move(t);
        }
    }
    return std::nullopt;
}

DigestItemRow digestItemFor(const Advisory& advisory, const Match& match, const RouteTarget& target,
                            const std::string& clusterKey, const std::vector<FieldChange>* changes,
                            const std::string& revisionHash, std::int64_t now) {
    DigestItemRow item;
    item.owner = mailAddressOf(target.recipient);
    item.notifier = target.notifier != nullptr ? target.notifier->name : "";
    item.recipient = target.recipient;
    item.clusterKey = clusterKey.empty() ? advisory.id : clusterKey;
    const std::string sep = "\x1f";
    if (changes == nullptr) {
        item.kind = "new";
        item.itemKey = "new" + sep + item.clusterKey + sep + match.product + sep + match.version +
                       (match.verdict == "needs-review" ? sep + "needs-review" : "");
    } else {
        item.kind = advisory.withdrawn ? "withdrawn" : "update";
        item.itemKey = "update" + sep + item.clusterKey + sep + match.product + sep +
                       match.version + sep + revisionHash;
        item.changes = changesJson(*changes);
    }
    item.advisory = advisory.id;
    item.title = advisory.title;
    item.url = advisory.url;
    item.score = advisory.maxScore();
    item.product = match.product;
    item.version = match.version;
    item.component = match.component;
    item.method = match.method;
    item.verdict = match.verdict;
    item.confidence = match.confidence;
    item.reason = match.reason;
    item.createdAt = now;
    return item;
}

DigestSettings digestSettings(const Config& config, const std::string& owner) {
    DigestSettings settings;
    if (const OwnerConfig* o = ownerFor(config.owners, owner)) {
        settings.section = o;
        settings.schedule = o->digest;
        settings.timezone = o->timezone;
        settings.language = o->language;
        settings.heartbeat = o->heartbeat;
    }
    return settings;
}

std::optional<std::int64_t> digestDue(Store& store, const Config& config, const std::string& owner,
                                      const std::string& notifier, std::int64_t oldestItem,
                                      std::int64_t now, std::int64_t oldestOpenCase) {
    const DigestSettings settings = digestSettings(config, owner);
    const std::int64_t last = store.lastDigestEnd(owner, notifier);
    std::int64_t anchor = 0;
    if (oldestItem > 0 || oldestOpenCase > 0) {
        const std::int64_t first = oldestItem == 0       ? oldestOpenCase
                                   : oldestOpenCase == 0 ? oldestItem
                                                         : std::min(oldestItem, oldestOpenCase);
        anchor = std::max(last, first);
    } else if (settings.heartbeat) {
        anchor = std::max(last, store.digestOwnerSince(owner, notifier, now));
    } else {
        return std::nullopt;
    }
    return nextScheduled(settings.schedule, settings.timezone, anchor);
}

std::vector<DigestMade> makeDueDigests(Store& store, const Config& config, std::int64_t now,
                                       const DigestOptions& options) {
    std::vector<DigestMade> made;
    const OpenCases open = readOpenCases(store, config);
    for (const Candidate& candidate : candidates(store, config, open, options)) {
        try {
            if (auto digest = makeOne(store, config, candidate, open, now, options)) {
                VW_LOG_INFO("digest", "digest for " << candidate.owner << " via "
                                                    << candidate.notifier
                                                    << " queued: " << digest->items << " items, "
                                                    << digest->cases << " open cases (message "
                                                    << digest->outboxId << ")");
                made.push_back(std::move(*digest));
            }
        } catch (const std::exception& e) {
            // One owner's problem must not hold the others back; its items stay uncovered.
            VW_LOG_ERROR("digest", "cannot make the digest for " << candidate.owner << " via "
                                                                 << candidate.notifier << ": "
                                                                 << e.what());
        }
    }
    return made;
}

std::optional<std::int64_t> nextDigestDue(Store& store, const Config& config, std::int64_t now) {
    std::optional<std::int64_t> next;
    const OpenCases open = readOpenCases(store, config);
    for (const Candidate& candidate : candidates(store, config, open, {})) {
        const auto due = digestDue(store, config, candidate.owner, candidate.notifier,
                                   candidate.oldest, now, candidate.oldestCase);
        if (due && (!next || *due < *next)) {
            next = *due;
        }
    }
    return next;
}

} // namespace vw
