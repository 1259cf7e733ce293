// `vulnwatch deliveries list|retry`: what the outbox holds and what became of it (issue 11
// part 5). Subjects come from feed text: the human form passes them through terminalSafe().
// Replies pass through redactSecrets() (core/redact.h).
#include "core/json_writer.h"
#include "core/redact.h"
#include "core/text.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"

#include <charconv>
#include <iomanip>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "deliveries list [--state pending|delivered|dead] [--limit N] [--json] | deliveries retry ID";

int parsePositive(const std::string& text, const char* what) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
        throw UsageError(std::string(what) + " must be a positive number, not '" + text + "'");
    }
    return value;
}

} // namespace

int cmdDeliveries(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::string sub = args[0];
    Options opt({args.begin() + 1, args.end()},
                {{"state", true}, {"limit", true}, {"json", false}});
    auto store = openStore(ctx, maybeConfig(ctx, false));
    if (sub == "list") {
        opt.expectPositional(0, 0, "no arguments besides --state, --limit and --json");
        const std::string state = opt.get("state");
        if (!state.empty() && state != "pending" && state != "delivered" && state != "dead") {
            throw UsageError("--state must be pending, delivered or dead, not '" + state + "'");
        }
        const int limit = opt.has("limit") ? parsePositive(opt.get("limit"), "--limit") : 100;
        for (OutboxRow row : store->outboxRows(state, limit)) {
            // Replies are redacted when stored; rows written by older versions are not.
            row.lastReply = redactSecrets(row.lastReply);
            if (opt.has("json")) {
                JsonWriter w;
                w.beginObject().key("id").value(static_cast<long long>(row.id));
                w.key("notifier").value(row.notifier).key("recipient").value(row.recipient);
                w.key("subject").value(row.subject).key("state").value(row.state);
                w.key("attempts").value(row.attempts).key("last_reply").value(row.lastReply);
                w.key("due_at").value(formatTime(row.dueAt));
                w.key("created_at").value(formatTime(row.createdAt));
                w.key("updated_at").value(formatTime(row.updatedAt)).endObject();
                ctx.out << w.str() << "\n";
                continue;
            }
            ctx.out << std::left << std::setw(7) << row.id << std::setw(10) << row.state << " "
                    << terminalSafe(row.notifier)
                    << (row.recipient.empty() ? "" : " → " + terminalSafe(row.recipient))
                    << "  attempts " << row.attempts << "  "
                    << (row.state == "pending" ? "due " + formatTime(row.dueAt)
                                               : formatTime(row.updatedAt))
                    << "\n        " << terminalSafe(row.subject) << "\n";
            if (!row.lastReply.empty()) {
                ctx.out << "        last reply: " << terminalSafe(row.lastReply) << "\n";
            }
        }
        return kExitOk;
    }
    if (sub == "retry") {
        opt.expectPositional(1, 1, "one message ID (see deliveries list)");
        const int id = parsePositive(opt.positional()[0], "ID");
        if (!store->requeue(id, unixNow())) {
            ctx.err << "vulnwatch: no message " << id << " that is delivered or dead (a pending "
                    << "one is retried anyway)\n";
            return kExitFailure;
        }
        store->logEvent("delivery", "message " + std::to_string(id) + " queued again by hand",
                        unixNow());
        ctx.out << "message " << id << " queued again; the daemon delivers it on its next round\n";
        return kExitOk;
    }
    throw UsageError(kUsage);
}

} // namespace vw::cli
