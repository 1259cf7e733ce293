// `vulnwatch notices preview|prepare|approve|send|list|show` (issue 14 part 2): hospital
// notices of a case group in informing (daemon/notices.h, docs/notices.md). Refusals print
// Japanese and English on one line and exit 1; --json gives one object (or an array for list).
#include "core/json_writer.h"
#include "core/text.h"
#include "daemon/cases.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"
#include "daemon/notices.h"

#include <charconv>

namespace vw::cli {

namespace {

constexpr const char* kUsage =
    "notices preview --case ID [--lang ja|en] [--json] | notices prepare --case ID --user U "
    "[--lang ja|en] [--json] | notices approve ID --user U [--expect-version N] [--json] | "
    "notices send ID --user U [--expect-version N] [--json] | notices withdraw ID --user U "
    "--reason TEXT | notices list [--case ID] [--limit N] "
    "[--json] | notices show ID [--json]";

Config configOf(const Context& ctx) {
    std::optional<Config> config = maybeConfig(ctx, false);
    return config ? *config : Config();
}

std::string letterLanguage(const Options& opt) {
    const std::string lang = opt.get("lang");
    if (opt.has("lang") && lang != "ja" && lang != "en") {
        throw UsageError("--lang takes ja or en, not '" + lang + "'");
    }
    return lang;
}

/// The notice's events (who did each step, where) and its version (--expect-version).
struct NoticeSteps {
    std::vector<CaseEventRow> events;
    std::int64_t version = 0;
    std::string preparedBy, approvedBy, sentBy; // "USER @ SITE" (USER alone before sites)
};

NoticeSteps stepsOf(Store& store, const Notice& n) {
    NoticeSteps s;
    s.events = noticeEvents(store, n);
    s.version = noticeVersion(s.events);
    s.preparedBy = noticeStepBy(s.events, "notice-prepare", n.preparedBy);
    s.approvedBy = noticeStepBy(s.events, "notice-approve", n.approvedBy);
    s.sentBy = noticeStepBy(s.events, "notice-send", n.sentBy);
    return s;
}

void writeNoticeJson(JsonWriter& w, Store& store, const Notice& n, bool withBodies) {
    const NoticeSteps steps = stepsOf(store, n);
    w.beginObject();
    w.key("id").value(static_cast<long long>(n.id));
    w.key("version").value(static_cast<long long>(steps.version));
    w.key("case").value(static_cast<long long>(n.caseId));
    w.key("cases").beginArray();
    for (const std::int64_t id : n.cases) {
        w.value(static_cast<long long>(id));
    }
    w.endArray();
    w.key("product").value(n.product);
    w.key("language").value(n.language);
    w.key("state").value(noticeStateName(n.state));
    w.key("state_ja").value(noticeStateJapanese(n.state));
    w.key("prepared_by").value(n.preparedBy).key("prepared_at").value(formatTime(n.preparedAt));
    w.key("approved_by").value(n.approvedBy);
    w.key("approved_at");
    n.approvedAt == 0 ? w.null() : w.value(formatTime(n.approvedAt));
    w.key("sent_by").value(n.sentBy);
    w.key("sent_at");
    n.sentAt == 0 ? w.null() : w.value(formatTime(n.sentAt));
    // Each step's user and site, from its audit event.
    w.key("steps").beginArray();
    for (const CaseEventRow& e : steps.events) {
        w.beginObject();
        w.key("seq").value(static_cast<long long>(e.seq));
        w.key("kind").value(e.kind).key("at").value(formatTime(e.at));
        w.key("actor").value(e.actor).key("site").value(e.site);
        w.endObject();
    }
    w.endArray();
    w.key("letters").beginArray();
    for (const NoticeLetter& l : n.letters) {
        w.beginObject();
        w.key("to").value(l.address);
        w.key("name").value(l.name);
        w.key("roles").value(l.roles);
        w.key("sites").stringArray(textLines(l.sites));
        w.key("subject").value(l.subject);
        w.key("content_hash").value(l.contentHash);
        w.key("state").value(letterStateName(l.state));
        w.key("state_ja").value(letterStateJapanese(l.state));
        w.key("outbox_id");
        l.outboxId == 0 ? w.null() : w.value(static_cast<long long>(l.outboxId));
        w.key("reply").value(l.reply);
        if (withBodies) {
            w.key("text").value(l.text);
            w.key("html").value(l.html);
        }
        w.endObject();
    }
    w.endArray();
    w.endObject();
}

void writeNoticeText(std::ostream& out, Store& store, const Notice& n) {
    const NoticeSteps steps = stepsOf(store, n);
    out << "notice " << n.id << "  " << noticeStateName(n.state) << " ("
        << noticeStateJapanese(n.state) << ")  case #" << n.caseId << "  "
        << terminalSafe(n.product) << "  [" << n.language << "]\n";
    out << "  版 version: " << steps.version << " (--expect-version)\n";
    out << "  作成 (prepared): by " << terminalSafe(steps.preparedBy) << " "
        << formatTime(n.preparedAt) << "\n";
    if (!n.approvedBy.empty()) {
        out << "  承認 (approved): by " << terminalSafe(steps.approvedBy) << " "
            << formatTime(n.approvedAt) << "\n";
    }
    if (!n.sentBy.empty()) {
        out << "  送信 (sent): by " << terminalSafe(steps.sentBy) << " " << formatTime(n.sentAt)
            << "\n";
    }
    for (const NoticeLetter& l : n.letters) {
        out << "  - " << terminalSafe(l.address) << "  " << letterStateName(l.state) << " ("
            << letterStateJapanese(l.state) << ")  " << l.contentHash << "\n";
        if (!l.reply.empty() && l.state != LetterState::Sent) {
            out << "      " << terminalSafe(l.reply) << "\n";
        }
    }
}

int refused(Context& ctx, const NoticeRefused& e) {
    ctx.err << "vulnwatch: " << e.both() << "\n";
    return kExitFailure;
}

int preview(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "notices preview --case ID [--lang ja|en]");
    if (!opt.has("case")) {
        throw UsageError("notices preview needs --case ID");
    }
    const std::int64_t caseId = parseNumberedId(opt.get("case"), "case");
    const std::string lang = letterLanguage(opt);
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    try {
        const CaseGroup group = caseGroupOf(*store, caseId);
        const std::vector<HospitalNoticeContent> letters =
            noticeLetters(*store, config, group, lang);
        if (opt.has("json")) {
            JsonWriter w;
            w.beginObject();
            w.key("case").value(static_cast<long long>(caseId));
            w.key("cases").beginArray();
            for (const Case& c : group.cases) {
                w.value(static_cast<long long>(c.id));
            }
            w.endArray();
            w.key("letters").beginArray();
            for (const HospitalNoticeContent& c : letters) {
                const RenderedMail mail = renderLetter(config, c);
                w.beginObject();
                w.key("to").value(c.recipientAddress);
                w.key("name").value(c.recipientName);
                w.key("subject").value(mail.subject);
                w.key("text").value(mail.text);
                w.key("html").value(mail.html);
                w.endObject();
            }
            w.endArray();
            w.endObject();
            ctx.out << w.str() << "\n";
            return kExitOk;
        }
        if (letters.empty()) {
            ctx.out << "送り先がありません: 影響を受けるバージョンの設置先がインストールベースに"
                       "ありません / no recipient: no site of the install base runs an affected "
                       "version\n";
            return kExitOk;
        }
        for (const HospitalNoticeContent& c : letters) {
            const RenderedMail mail = renderLetter(config, c);
            ctx.out << "=== To: " << terminalSafe(c.recipientAddress)
                    << " ===\nSubject: " << terminalSafe(mail.subject) << "\n\n"
                    << terminalSafe(mail.text, true) << "\n\n";
        }
        ctx.out << letters.size() << " 通 (letters); 何も保存していません (nothing stored)\n";
    } catch (const NoticeRefused& e) {
        return refused(ctx, e);
    }
    return kExitOk;
}

int prepare(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "notices prepare --case ID --user U");
    if (!opt.has("case")) {
        throw UsageError("notices prepare needs --case ID");
    }
    const std::int64_t caseId = parseNumberedId(opt.get("case"), "case");
    const std::string lang = letterLanguage(opt);
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    try {
        const Notice n = prepareNotice(*store, config, caseId, opt.get("user"), lang, unixNow());
        if (opt.has("json")) {
            JsonWriter w;
            writeNoticeJson(w, *store, n, false);
            ctx.out << w.str() << "\n";
        } else {
            ctx.out << "お知らせ " << n.id << " を作成しました (notice " << n.id
                    << " prepared): " << n.letters.size() << " 通 (letters), 下書き (draft)\n";
            writeNoticeText(ctx.out, *store, n);
        }
    } catch (const NoticeRefused& e) {
        return refused(ctx, e);
    }
    return kExitOk;
}

int approve(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "notices approve ID --user U [--expect-version N]");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "notice");
    const std::int64_t expectVersion = expectVersionOption(opt, "the notice's", "notices show");
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    try {
        const Notice n =
            approveNotice(*store, config, id, opt.get("user"), unixNow(), expectVersion);
        if (opt.has("json")) {
            JsonWriter w;
            writeNoticeJson(w, *store, n, false);
            ctx.out << w.str() << "\n";
        } else {
            ctx.out << "お知らせ " << n.id << " を承認しました (notice " << n.id << " approved by "
                    << terminalSafe(n.approvedBy) << ")\n";
        }
    } catch (const NoticeRefused& e) {
        return refused(ctx, e);
    }
    return kExitOk;
}

int send(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "notices send ID --user U [--expect-version N]");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "notice");
    const std::int64_t expectVersion = expectVersionOption(opt, "the notice's", "notices show");
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    try {
        const NoticeSendOutcome o =
            sendNotice(*store, config, id, opt.get("user"), unixNow(), expectVersion);
        if (opt.has("json")) {
            JsonWriter w;
            w.beginObject();
            w.key("queued").value(o.queued);
            w.key("already_sent").value(o.alreadySent);
            w.key("notice");
            writeNoticeJson(w, *store, o.notice, false);
            w.endObject();
            ctx.out << w.str() << "\n";
        } else if (o.alreadySent) {
            ctx.out << "お知らせ " << id << " は送信済みです。新たに送るものはありません (notice "
                    << id << " was sent before; nothing queued)\n";
        } else {
            ctx.out << "お知らせ " << id << " の " << o.queued << " 通を送信待ちにしました (notice "
                    << id << ": " << o.queued
                    << " letter(s) queued; the daemon or `poll --once` delivers them)\n";
        }
    } catch (const NoticeRefused& e) {
        return refused(ctx, e);
    }
    return kExitOk;
}

int withdraw(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "notices withdraw ID --user U --reason TEXT");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "notice");
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    try {
        const Notice n = withdrawNotice(*store, id, opt.get("user"), opt.get("reason"), unixNow(),
                                        configSite(config));
        ctx.out << "お知らせ " << n.id << " を取り下げました (notice " << n.id << " withdrawn)\n";
    } catch (const NoticeRefused& e) {
        return refused(ctx, e);
    }
    return kExitOk;
}

int list(Context& ctx, const Options& opt) {
    opt.expectPositional(0, 0, "notices list [--case ID] [--limit N] [--json]");
    int limit = 50;
    if (opt.has("limit")) {
        const std::string text = opt.get("limit");
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (error != std::errc() || end != text.data() + text.size() || limit < 1) {
            throw UsageError("--limit takes a positive number, not '" + text + "'");
        }
    }
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    settleNoticeLetters(*store, unixNow(), configSite(config));
    std::vector<Notice> notices;
    if (opt.has("case")) {
        notices = noticesOfCase(*store, parseNumberedId(opt.get("case"), "case"));
        if (notices.size() > static_cast<std::size_t>(limit)) {
            notices.resize(static_cast<std::size_t>(limit));
        }
    } else {
        notices = listNotices(*store, limit);
    }
    if (opt.has("json")) {
        JsonWriter w;
        w.beginArray();
        for (const Notice& n : notices) {
            writeNoticeJson(w, *store, n, false);
        }
        w.endArray();
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    if (notices.empty()) {
        ctx.out << "お知らせはありません (no notices)\n";
    }
    for (const Notice& n : notices) {
        writeNoticeText(ctx.out, *store, n);
    }
    return kExitOk;
}

int show(Context& ctx, const Options& opt) {
    opt.expectPositional(1, 1, "notices show ID");
    const std::int64_t id = parseNumberedId(opt.positional()[0], "notice");
    const Config config = configOf(ctx);
    auto store = openStore(ctx, config);
    settleNoticeLetters(*store, unixNow(), configSite(config));
    const std::optional<Notice> n = noticeById(*store, id);
    if (!n) {
        ctx.err << "vulnwatch: お知らせ " << id << " はありません / there is no notice " << id
                << "\n";
        return kExitFailure;
    }
    if (opt.has("json")) {
        JsonWriter w;
        writeNoticeJson(w, *store, *n, true);
        ctx.out << w.str() << "\n";
        return kExitOk;
    }
    writeNoticeText(ctx.out, *store, *n);
    for (const NoticeLetter& l : n->letters) {
        ctx.out << "\n=== To: " << terminalSafe(l.address)
                << " ===\nSubject: " << terminalSafe(l.subject) << "\n\n"
                << terminalSafe(l.text, true) << "\n";
    }
    return kExitOk;
}

} // namespace

int cmdNotices(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) {
        throw UsageError(kUsage);
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    const std::string& sub = args[0];
    if (sub == "preview") {
        return preview(ctx, Options(rest, {{"case", true}, {"lang", true}, {"json", false}}));
    }
    if (sub == "prepare") {
        return prepare(
            ctx, Options(rest, {{"case", true}, {"user", true}, {"lang", true}, {"json", false}}));
    }
    if (sub == "approve") {
        return approve(ctx,
                       Options(rest, {{"user", true}, {"expect-version", true}, {"json", false}}));
    }
    if (sub == "send") {
        return send(ctx,
                    Options(rest, {{"user", true}, {"expect-version", true}, {"json", false}}));
    }
    if (sub == "withdraw") {
        return withdraw(ctx, Options(rest, {{"user", true}, {"reason", true}}));
    }
    if (sub == "list") {
        return list(ctx, Options(rest, {{"case", true}, {"limit", true}, {"json", false}}));
    }
    if (sub == "show") {
        return show(ctx, Options(rest, {{"json", false}}));
    }
    throw UsageError("unknown notices command '" + sub + "': " + kUsage);
}

} // namespace vw::cli
