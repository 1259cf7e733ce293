// `vulnwatch digest list|send-now`: the owners' digests (issue 11): what waits for which
// owner and when it is due, the digests made, and making them now by hand.
#include "config/config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/digest.h"

#include <charconv>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "digest list [--limit N] [--json] | digest send-now [--owner NAME|EMAIL]";

int parseLimit(const std::string& text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
        throw UsageError("--limit must be a positive number, not '" + text + "'");
    }
    return value;
}

int list(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --limit and --json");
    const Config config = loadConfig(ctx.globals.configPath);
    auto store = openStore(ctx, config);
    const int limit = opt.has("limit") ? parseLimit(opt.get("limit")) : 20;
    const std::int64_t now = unixNow();
    const bool json = opt.has("json");
    // What waits, per owner, and when its digest is due.
    for (const PendingDigest& p : store->pendingDigests()) {
        const auto due = digestDue(*store, config, p.owner, p.notifier, p.oldest, now);
        const DigestSettings settings = digestSettings(config, p.owner);
        if (json) {
            JsonWriter w;
            w.beginObject().key("pending").value(p.owner).key("notifier").value(p.notifier);
            w.key("items").value(p.items);
            w.key("owner_section").value(settings.section ? settings.section->name : "");
            w.key("schedule").value(formatDigestSchedule(settings.schedule));
            w.key("timezone").value(settings.timezone);
            w.key("due").value(due ? formatTime(*due) : "-").endObject();
            ctx.out << w.str() << "\n";
            continue;
        }
        ctx.out << "pending  " << terminalSafe(p.owner) << " via " << terminalSafe(p.notifier)
                << ": " << p.items << " items; " << formatDigestSchedule(settings.schedule) << " "
                << settings.timezone << ", due "
                << (due ? localTimeText(*due, settings.timezone) : "-") << "\n";
    }
    for (const DigestRow& d : store->digests(limit)) {
        if (json) {
            JsonWriter w;
            w.beginObject().key("digest").value(static_cast<long long>(d.id));
            w.key("owner").value(d.owner).key("notifier").value(d.notifier);
            w.key("period_end").value(formatTime(d.periodEnd));
            w.key("created_at").value(formatTime(d.createdAt));
            w.key("items").value(d.items).key("message").value(static_cast<long long>(d.outboxId));
            w.key("state").value(d.state).endObject();
            ctx.out << w.str() << "\n";
            continue;
        }
        ctx.out << "digest " << d.id << "  " << terminalSafe(d.owner) << " via "
                << terminalSafe(d.notifier) << ": " << d.items
                << (d.items == 0 ? " items (heartbeat)" : " items") << ", for "
                << formatTime(d.periodEnd) << ", message " << d.outboxId << " "
                << (d.state.empty() ? "-" : d.state) << "\n";
    }
    return kExitOk;
}

int sendNow(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "no arguments besides --owner");
    const Config config = loadConfig(ctx.globals.configPath);
    auto store = openStore(ctx, config);
    DigestOptions options;
    options.force = true;
    options.owner = opt.get("owner");
    if (!options.owner.empty()) {
        bool known = false;
        for (const OwnerConfig& o : config.owners) {
            known = known || o.name == options.owner ||
                    mailAddressOf(o.email) == mailAddressOf(options.owner);
        }
        for (const PendingDigest& p : store->pendingDigests()) {
            known = known || p.owner == mailAddressOf(options.owner);
        }
        if (!known) {
            throw UsageError("no [owner." + options.owner + "] section in " + config.file +
                             " and no digest items for " + options.owner);
        }
    }
    const auto made = makeDueDigests(*store, config, unixNow(), options);
    for (const DigestMade& d : made) {
        ctx.out << "digest " << d.digestId << " for " << terminalSafe(d.owner) << " via "
                << terminalSafe(d.notifier) << ": " << d.items << " items, queued as message "
                << d.outboxId << "\n";
    }
    if (made.empty()) {
        ctx.out << "no digest to send (no owner has items waiting)\n";
    } else {
        ctx.out << "the daemon (or `poll --once`) delivers them on its next round\n";
    }
    return kExitOk;
}

} // namespace

int cmdDigest(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::string sub = args[0];
    if (sub == "list") {
        return list(ctx,
                    Options({args.begin() + 1, args.end()}, {{"limit", true}, {"json", false}}));
    }
    if (sub == "send-now") {
        return sendNow(ctx, Options({args.begin() + 1, args.end()}, {{"owner", true}}));
    }
    throw UsageError(kUsage);
}

} // namespace vw::cli
