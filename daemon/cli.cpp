#include "daemon/cli.h"

#include "config/config.h"
#include "config/cpe_map.h"
#include "core/cpe.h"
#include "core/datetime.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/match.h"
#include "core/redact.h"
#include "daemon/backfill.h"
#include "daemon/cli_support.h"
#include "daemon/import.h"
#include "daemon/json_read.h"
#include "daemon/log.h"
#include "daemon/metrics_file.h"
#include "daemon/pipeline.h"
#include "daemon/registry.h"
#include "daemon/run.h"
#include "daemon/service.h"
#include "feeds/curl_http_client.h"
#include "feeds/parse/document.h"
#include "feeds/parse/parse_error.h"
#include "feeds/parse/vuldef.h"
#include "notifiers/chat_format.h"
#include "notifiers/render.h"
#include "store/store.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace vw {
using namespace cli;
namespace {

constexpr const char* kVersion = "0.1.0";

const char* const kUsage =
    R"(usage: vulnwatch [--config PATH] [--db PATH] [--log-level LEVEL] COMMAND [ARGS]

Collects JVN iPedia advisories, correlates them, matches them against your products
and notifies product owners by e-mail and chat webhooks.

commands:
  run                               daemon in the foreground until SIGTERM/SIGINT; SIGHUP reloads
  poll --once [--source NAME]...    one full cycle (fetch, store, match, deliver what is due)
  parse [--format F] FILE|-         parse one file (no DB, no network); one JSON record per line
                                    F: auto (default), jvn-rss, vuldef, myjvn-alert, mail,
                                    kev (CISA's KEV catalog: one line per entry),
                                    csaf (a CSAF 2.0 advisory: one record per CVE)
  import [--format F] FILE...       ingest local files as if a source had fetched them
  backfill --since YEAR [--until YEAR] [--source NAME] [--base-url URL] [--checksum-url URL]
           [--work-dir DIR] [--batch-size N] [--notify configured|digest|none]
                                    load history from the yearly JVN detail feeds (resumable;
                                    years unchanged since their last load are skipped; downloads
                                    go to DIR; N records per transaction, default 350); the
                                    matches found are notified as configured, all in the
                                    owners' next digests (the cases' Act alerts still at
                                    once), or not at all
  match --products FILE.json [--cpe-map FILE] ADVISORIES.jsonl
                                    pure matching: registry x records -> one JSON line per match
  advisories list [--json] [--since DATE] [--product NAME] [--min-score X] [--channel NAME]
  advisories show ID [--json]       ID: a vulnerability (JVNDB-, CVE-): its cluster; an advisory
                                    (JVN#, JVNVU#, JVNTA, JPCERT-AT-, …): what it covers
  products add NAME [--version V] [--owner EMAIL]... [--version-owner EMAIL]... [--cpe CPE]...
               [--keyword K]... [--mission low|medium|high|unset]
                                    add a product or a version of it; options given replace
                                    the product's (owners, CPEs, keywords, SSVC mission &
                                    well-being), others are kept
  products list [--json] [--all]    products, versions and components (--all: removed too)
  products remove NAME [--version V]
                                    stop matching a product or one version (history is kept)
  products export [--all] | products import FILE.json
  products import-sbom FILE... --product NAME --version V [--format auto|cyclonedx|spdx]
           [--json]                 the components of CycloneDX (1.4-1.6, JSON or XML) or SPDX
                                    (2.2/2.3, JSON or tag-value) SBOMs become that version's
                                    (several files, e.g. Yocto's per-recipe documents, make one);
                                    prints what was added, removed and changed
  matches list [--json] [--product NAME] [--all]
                                    --all: also the versions evaluated not affected
  deliveries list [--state pending|delivered|dead] [--limit N] [--json]
                                    the outbox, newest first, with attempts and last replies
  deliveries retry ID               queue a dead (or delivered) message again
  digest list [--limit N] [--json]  what waits for each owner's digest and when it is due, and
                                    the digests made (newest first, with their message's state)
  digest send-now [--owner NAME|EMAIL]
                                    make the digests now, scheduled or not ([owner.NAME] or an
                                    address; an owner with nothing new gets "nothing new")
  cases list [--product P [--version V]] [--state S] [--open] [--overdue] [--limit N] [--json]
                                    the cases (one per vulnerability and product version), the
                                    most urgent running clock first
  cases show ID [--json]            one case: state, clocks, SSVC points, fields, history
  cases transition ID STATE --by NAME [--FIELD VALUE]...
                                    move a case (received, confirming, evaluating, responding,
                                    informing, closed, false_positive, not_affected,
                                    risk_accepted); each step's required fields: docs/cases.md
  cases open --product P [--version V] --title T --by NAME [--id VULN-ID]... [--severity S]
                                    a case by hand (a finder's or a hospital's report)
  cases ssvc ID --by NAME [--exploitation none|poc|active] [--automatable yes|no]
             [--technical-impact partial|total]
                                    a triager's SSVC points ("" gives the derived value back)
  cases verify                      rebuild the cases from the audit trail and compare
  calendar --year Y [--json] [--lang ja|en]
                                    the year's holidays and company closures, one per line:
                                    YYYY-MM-DD KIND NAME (KIND: national, substitute,
                                    citizens, company); --json: [{"date","kind","name"}]
  audit verify [--head HASH[@SEQ]] [--json] [--lang ja|en]
                                    walk the audit trail's hash chain: exit 0 when it holds,
                                    1 naming the first bad event (edited, deleted, reordered;
                                    truncated or rewritten against a head recorded outside,
                                    e.g. the journal's `audit head SEQ HASH` line)
  audit export --since DATE [--until DATE] [--format text|jsonl] [--json] [--lang ja|en]
                                    the events of a period with their hashes: a readable
                                    report (Japanese; --lang en) or JSON lines (--json);
                                    audit export CASE (or --case ID): one case end to end
                                    with when each channel first said it, and its evidence;
                                    --evidence-dir DIR: each evidence blob the events name
                                    written to DIR/<SHA-256> (verified) and listed
  audit head [--json]               the chain's last event: `audit head SEQ HASH`
  evidence stats [--json]           the evidence blobs: how many, raw and stored bytes, retention
  evidence prune [--retention-days N|forever]
                                    drop the bytes of evidence unused for N days (default: the
                                    config's [evidence] retention_days); hashes and sizes stay
  evidence show HASH [--out FILE|-] [--json]
                                    one blob: media type, size, dates, SHA-256 verified;
                                    --out writes its raw bytes
  backup FILE [--force] [--json]    an online copy of the store (while the daemon and the web
                                    server write), checked: integrity and the audit chain
  restore FILE [--json]             the store replaced by a checked backup; refused while any
                                    process has the store open; the old file is kept beside it
  store copy --to postgresql://USER@HOST:PORT/DB [--password-file FILE] [--json]
             [--lang ja|en]
                                    the SQLite store (--db FILE) copied into an empty PostgreSQL
                                    database in one transaction, ids and audit chain kept; row
                                    counts and the chain's head checked; without --to: the
                                    config's [store] url (docs/operations.md)
  vex export --product NAME [--version V] | --case ID [--out FILE] [--lang ja|en]
             [--publisher NAME] [--namespace URL]
                                    a CSAF 2.0 VEX document of what the cases say (all the
                                    product's versions, one version, or one case): product
                                    tree with components, statuses, remediations, CVSS; a
                                    product with no case gets an informational advisory
                                    saying so (docs/vex.md)
  installbase import FILE.csv [--dry-run] [--allow-unknown] [--json] [--by NAME]
                                    the install base (sites, product versions, contacts:
                                    hospital, lessor, distributor) from a CSV in UTF-8 or
                                    Shift_JIS; every bad row reported with its line, nothing
                                    imported then; prints what changed (docs/installbase.md)
  installbase list [--product P] [--json]
  notices preview --case ID [--lang ja|en] [--json]
                                    the hospital notice of a case group in informing, one
                                    letter per install-base contact; changes nothing
  notices prepare --case ID --user U [--lang ja|en]
                                    store it as a draft; each letter archived as evidence
                                    (SHA-256) and named in the case's audit trail
  notices approve ID --user U       a second user approves it (never the one who prepared it)
  notices send ID --user U          queue one mail per letter (only an approved notice; a
                                    second run queues nothing)
  notices withdraw ID --user U --reason TEXT
                                    give up a notice not sent yet (the group may be prepared
                                    again)
  notices list [--case ID] [--limit N] [--json] | notices show ID [--json]
                                    notices and each letter's state: draft, queued, sent,
                                    bounced, failed (docs/notices.md)
  serve [--listen IP:PORT]          the web server (REST API under /api/v1) in the foreground
                                    until SIGTERM/SIGINT; [web] in the config (docs/web.md)
  users add NAME --role viewer|triager|admin [--product P]... [--password-file FILE]
                                    an account of the web page and REST API; the password comes
                                    from FILE or standard input (asked twice on a terminal),
                                    never from an argument; --product: a triager's products
  users set NAME --role ROLE [--product P]...
                                    a new role and products (replacing the old ones)
  users passwd NAME [--password-file FILE] | users remove NAME
  users list [--json] [--all]       accounts, roles, products and API tokens (--all: removed too)
  users token NAME [--label L]      a new API token, printed once | users revoke-token ID
                                    (users commands take --by NAME, the actor audited, default
                                    $SUDO_USER or $USER, and --lang ja|en)
  status [--json] [--lang ja|en]    health at a glance: per source last success, last error,
                                    next poll and records today (JST); outbox pending and dead;
                                    open and overdue cases; audit head; database size
  notify test NAME [--to EMAIL]     send a test message through one configured notifier
  config check [--no-secrets] [--strict]
                                    validate the config file and print it with secrets redacted;
                                    warnings (a secret file others may read) go to stderr, and
                                    --strict refuses them (exit 2)

options:
  --config PATH     configuration file (default /etc/vulnwatch/vulnwatch.conf)
  --db PATH         SQLite store; overrides [store] path
  --log-level L     debug, info, warning or error (overrides [daemon] log_level)
  --help, --version

exit codes: 0 ok, 1 runtime failure, 2 usage or config error, 3 poll finished but a source failed
)";

void printProblems(const Context& ctx, const std::string& file, const ParseResult& result) {
    for (const auto& p : result.problems) {
        // Position 0: the document as a whole (a KEV catalog's count).
        ctx.err << "vulnwatch: " << file << ": "
                << (p.position == 0 ? std::string("document")
                                    : "item " + std::to_string(p.position))
                << (p.itemId.empty() ? "" : " (" + p.itemId + ")") << ": " << p.message << "\n";
    }
}

// --- commands ------------------------------------------------------------------------

int cmdParse(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"format", true}});
    opt.expectPositional(1, 1, "one FILE (or - for standard input)");
    const std::string format = opt.get("format", "auto");
    const auto& formats = documentFormats();
    if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
        throw UsageError("unknown --format '" + format + "' (" + formatList() + ")");
    }
    const std::string file = opt.positional()[0];
    std::ifstream fileIn;
    std::istream* in = &std::cin;
    if (file != "-") {
        fileIn.open(file, std::ios::binary);
        if (!fileIn) {
            throw std::runtime_error("cannot read " + file);
        }
        in = &fileIn;
    }
    std::string chunk(kImportReadSize, '\0');
    const auto readChunk = [&] {
        in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (in->bad()) {
            throw std::runtime_error("cannot read " + file);
        }
        return static_cast<std::size_t>(in->gcount());
    };
    std::size_t got = readChunk();
    const std::string detected =
        format == "auto" ? detectFormat(std::string_view(chunk.data(), got)) : format;
    ParseResult result;
    std::string lines; // the records' JSON lines, written once the whole document was read
    try {
        if (detected == "vuldef") {
            // Yearly detail feeds reach 72 MB: streamed, each record kept only as its JSON line
            // (about a quarter of the input) until the document proved readable, so a document
            // that breaks part-way still prints no record.
            VuldefStreamParser parser(
                [&](Advisory&& record) { lines.append(toJson(record)).append("\n"); },
                [&](ItemProblem&& problem) { result.problems.push_back(std::move(problem)); });
            while (got > 0) {
                parser.feed(std::string_view(chunk.data(), got));
                got = readChunk();
            }
            parser.finish();
        } else {
            std::string content(chunk.data(), got);
            while ((got = readChunk()) > 0) {
                content.append(chunk.data(), got);
            }
            result = parseDocument(content, format);
            for (const auto& record : result.records) {
                lines.append(toJson(record)).append("\n");
            }
            if (result.kev) {
                // CISA's KEV catalog: one line per entry, the fields the store keeps.
                for (const auto& entry : result.kev->entries) {
                    JsonWriter json;
                    json.beginObject().key("source").value("kev").key("cve").value(entry.cve);
                    json.key("date_added").value(entry.dateAdded).key("vendor").value(entry.vendor);
                    json.key("product").value(entry.product).key("name").value(entry.name);
                    json.key("ransomware").value(entry.ransomware).endObject();
                    lines.append(json.str()).append("\n");
                }
            }
        }
    } catch (const ParseError& e) {
        ctx.err << "vulnwatch: " << file << ": " << e.what() << "\n";
        return kExitFailure;
    } catch (const std::invalid_argument& e) {
        ctx.err << "vulnwatch: " << file << ": " << e.what() << "\n";
        return kExitUsage;
    }
    ctx.out << lines;
    printProblems(ctx, file, result);
    return kExitOk;
}

int cmdImport(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"format", true}});
    if (opt.positional().empty()) {
        throw UsageError("expected one or more FILEs");
    }
    const auto config = maybeConfig(ctx, false);
    auto store = openStore(ctx, config);
    const Routing notifiers = config ? Routing(*config) : Routing();
    const CpeMapper mapper = config ? cpeMapperFor(config->match) : CpeMapper();
    int status = kExitOk;
    ImportSession session(*store); // one matcher and one tuning for all the files
    // Small files (mails, alert lists) share a transaction, up to kImportGroupFiles of them: a
    // commit per mail was most of a mail's cost. Each file is a savepoint in it, so a file that
    // fails leaves nothing and the others stay; a large file commits the group first and then
    // its own batches.
    std::optional<Store::Transaction> group;
    std::size_t grouped = 0;
    const auto commitGroup = [&] {
        if (group) {
            group->commit();
            group.reset();
            grouped = 0;
        }
    };
    // The small files are read, hashed, compressed and parsed on a thread of their own, ahead
    // of their turn (daemon/import.h).
    const std::string format = opt.get("format", "auto");
    ImportAhead ahead(opt.positional(), format, kImportGroupFileBytes);
    for (const auto& file : opt.positional()) {
        PreparedImportFile prepared = ahead.next();
        const bool small = prepared.small;
        if (!small) {
            commitGroup();
        } else if (!group) {
            group.emplace(*store);
        }
        try {
            std::optional<Store::Transaction> own;
            if (group) {
                own.emplace(*store);
            }
            // The file as evidence first, so the revisions (and the cases they open) name it;
            // then the import, streamed in batches (one transaction each; daemon/import.h), and
            // the `import` event naming the file (docs/audit.md).
            const ImportedFile done = importWithEvidence(
                *store, notifiers, prepared, format, "import", kImportBatchSize, mapper, session);
            const ImportStats& s = done.stats;
            recordImportEvent(*store, file, done.evidence, s, "import", unixNow());
            if (s.format == "kev" && s.complete()) {
                // CISA's KEV catalog: entries in their own table, not advisory records.
                ctx.out << file << ": CISA KEV catalog, " << s.records << " CVEs listed ("
                        << s.newRecords << " new, " << s.changed << " changed, " << s.problems
                        << " bad entries), " << s.kevSignalled
                        << " stored vulnerabilities newly listed, " << s.enqueued
                        << " notifications queued\n";
            } else if (s.complete() || s.records > 0) {
                ctx.out << file << ": " << s.records << " records (" << s.newRecords << " new, "
                        << s.changed << " changed, " << s.problems << " bad items), "
                        << s.newMatches << " new matches"
                        << (s.reevaluated > 0
                                ? ", " + std::to_string(s.reevaluated) + " re-evaluated"
                                : std::string())
                        << ", " << s.enqueued << " notifications queued\n";
            }
            if (!s.complete()) {
                // The records before the error are committed (each is complete and valid).
                ctx.err << "vulnwatch: " << file << ": " << s.error
                        << (s.records > 0 ? " (the " + std::to_string(s.records) +
                                                " records read before it were stored)"
                                          : std::string())
                        << "\n";
                status = kExitFailure;
            }
            if (own) {
                own->commit();
            }
        } catch (const std::exception& e) {
            // One unreadable file never stops the others.
            ctx.err << "vulnwatch: " << file << ": " << e.what() << "\n";
            status = kExitFailure;
        }
        if (group && ++grouped >= kImportGroupFiles) {
            commitGroup();
        }
    }
    commitGroup();
    return status;
}

int parseYear(const std::string& option, const std::string& text) {
    if (text.size() != 4 || !std::all_of(text.begin(), text.end(),
                                         [](unsigned char c) { return std::isdigit(c) != 0; })) {
        throw UsageError("--" + option + " expects a year like 2021, not '" + text + "'");
    }
    const int year = std::stoi(text);
    if (year < kDetailFeedOldestYear) {
        throw UsageError("--" + option + " " + text + ": the detail feeds start in " +
                         std::to_string(kDetailFeedOldestYear));
    }
    return year;
}

/// The routing of a backfill's matches: as configured, all into the owners' next digests
/// (`--notify digest`: e-mail notifiers and owner sections in digest mode, chat notifiers,
/// which keep no digest, left out), or to no one (`--notify none`: matches and cases are
/// recorded, nothing is queued).
Routing backfillRouting(const std::optional<Config>& config, const std::string& notify) {
    Routing routing = config ? Routing(*config) : Routing();
    if (notify == "none") {
        routing.notifiers.clear();
        routing.owners.clear();
    } else if (notify == "digest") {
        std::erase_if(routing.notifiers, [](const NotifierConfig& n) { return n.type != "email"; });
        for (NotifierConfig& n : routing.notifiers) {
            n.mode = "digest";
        }
        for (OwnerConfig& o : routing.owners) {
            o.mode = "digest";
        }
    }
    return routing;
}

// The usage text above names backfill's default --batch-size.
static_assert(kImportBatchSize == 350, "update the backfill line of the usage text");

int cmdBackfill(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"since", true},
                       {"until", true},
                       {"source", true},
                       {"base-url", true},
                       {"checksum-url", true},
                       {"batch-size", true},
                       {"work-dir", true},
                       {"notify", true}});
    opt.expectPositional(0, 0, "no arguments besides the options");
    const std::string notify = opt.get("notify", "configured");
    if (notify != "configured" && notify != "digest" && notify != "none") {
        throw UsageError("--notify takes configured, digest or none, not '" + notify + "'");
    }
    const auto config = maybeConfig(ctx, opt.has("source"));
    const SourceConfig* source = nullptr;
    if (config) {
        for (const auto& s : config->sources) {
            if (opt.has("source") ? s.name == opt.get("source")
                                  : (s.type == "jvn-detail-feed" && source == nullptr)) {
                source = &s;
            }
        }
        if (opt.has("source") && source == nullptr) {
            throw UsageError("no source named '" + opt.get("source") + "' in " + config->file);
        }
        if (source != nullptr && source->type != "jvn-detail-feed") {
            throw UsageError("source '" + source->name + "' is of type " + source->type +
                             "; backfill needs a jvn-detail-feed source");
        }
    }
    BackfillOptions options = source != nullptr ? backfillOptionsFor(*source) : BackfillOptions{};
    if (opt.has("base-url")) {
        options.baseUrl = opt.get("base-url");
        if (!opt.has("checksum-url") && (source == nullptr || source->checksumUrl.empty())) {
            options.checksumUrl = checksumUrlFor(options.baseUrl);
        }
    }
    if (opt.has("checksum-url")) {
        options.checksumUrl = opt.get("checksum-url");
    }
    if (opt.has("since")) {
        options.since = parseYear("since", opt.get("since"));
    } else if (source != nullptr && !source->since.empty()) {
        options.since = parseYear("since", source->since);
    } else {
        throw UsageError("backfill needs --since YEAR (the detail feeds start in 1998)");
    }
    if (opt.has("until")) {
        options.until = parseYear("until", opt.get("until"));
        if (options.until < options.since) {
            throw UsageError("--until " + opt.get("until") + " is before --since " +
                             std::to_string(options.since));
        }
    }
    if (opt.has("batch-size")) {
        const std::string text = opt.get("batch-size");
        if (text.empty() || text.size() > 7 ||
            !std::all_of(text.begin(), text.end(),
                         [](unsigned char c) { return std::isdigit(c) != 0; }) ||
            std::stoi(text) == 0) {
            throw UsageError("--batch-size expects a number of records (1 to 9999999)");
        }
        options.batchSize = static_cast<std::size_t>(std::stoi(text));
    }
    options.workDir = opt.get("work-dir");
    options.tty = ::isatty(2) != 0;
    if (config) {
        options.mapper = cpeMapperFor(config->match);
    }
    auto store = openStore(ctx, config);
    const Routing notifiers = backfillRouting(config, notify);
    CurlHttpClient http;
    const BackfillStats s = runBackfill(*store, http, notifiers, options, ctx.out, ctx.err);
    ctx.out << "backfill: " << s.loaded << " years loaded, " << s.skipped << " unchanged, "
            << s.failed << " failed, " << s.unlisted << " not listed; " << s.records << " records ("
            << s.newRecords << " new, " << s.changed << " changed), " << s.newMatches
            << " new matches, " << s.enqueued << " notifications queued\n";
    if (s.failed > 0) {
        ctx.err << "vulnwatch: backfill: " << s.failed
                << " years failed; run backfill again to retry them\n";
        return kExitFailure;
    }
    if (s.loaded + s.skipped == 0) {
        ctx.err << "vulnwatch: backfill: checksum.txt lists none of the requested years\n";
        return kExitFailure;
    }
    return kExitOk;
}

int cmdMatch(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"products", true}, {"cpe-map", true}});
    if (!opt.has("products")) {
        throw UsageError("match needs --products FILE.json");
    }
    opt.expectPositional(1, 1, "one ADVISORIES.jsonl file (or -)");
    // --cpe-map FILE: the same mapping file as [match] cpe_map (a bad file: exit 2).
    MatchConfig mapping;
    if (opt.has("cpe-map")) {
        mapping.cpeMapPath = opt.get("cpe-map");
        mapping.cpeMap = std::make_shared<const CpeMap>(loadCpeMap(mapping.cpeMapPath));
    }
    // Every version of every product that is not removed, indexed once for all the lines.
    const ProductMatcher matcher(activeVersions(productsFromJson(readInput(opt.get("products")))),
                                 cpeMapperFor(mapping));
    std::istringstream lines(readInput(opt.positional()[0]));
    std::string line;
    int lineNo = 0;
    int status = kExitOk;
    while (std::getline(lines, line)) {
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        try {
            for (const auto& m : matcher.match(advisoryFromJson(line))) {
                ctx.out << toJson(m) << "\n";
            }
        } catch (const JsonInputError& e) {
            ctx.err << "vulnwatch: " << opt.positional()[0] << ":" << lineNo << ": " << e.what()
                    << "\n";
            status = kExitFailure;
        }
    }
    return status;
}

int cmdConfig(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "check") {
        throw UsageError("config check [--no-secrets] [--strict]");
    }
    Options opt({args.begin() + 1, args.end()}, {{"no-secrets", false}, {"strict", false}});
    opt.expectPositional(0, 0, "no arguments besides --no-secrets and --strict");
    // --no-secrets: check everything but the secret files themselves (e.g. as a user who may
    // not read them); the daemon always reads them.
    const Config config = loadConfig(ctx.globals.configPath, !opt.has("no-secrets"));
    // Every type must have a factory in this build (detail feeds are run by the scheduler).
    CurlHttpClient http;
    for (const auto& s : config.sources) {
        if (s.type != "jvn-detail-feed") {
            makeSource(s, SourceContext{http});
        }
    }
    for (const auto& n : config.notifiers) {
        makeNotifier(n, http);
    }
    ctx.out << redacted(config);
    for (const std::string& warning : config.warnings.items) {
        ctx.err << "vulnwatch: " << (opt.has("strict") ? "error" : "warning") << ": " << warning
                << "\n";
    }
    if (opt.has("strict") && !config.warnings.items.empty()) {
        ctx.err << "vulnwatch: " << ctx.globals.configPath << ": " << config.warnings.items.size()
                << " warning" << (config.warnings.items.size() == 1 ? "" : "s")
                << ", refused by --strict\n";
        return 2;
    }
    ctx.err << "vulnwatch: " << ctx.globals.configPath << ": ok (" << config.sources.size()
            << " sources, " << config.notifiers.size() << " notifiers)\n";
    return kExitOk;
}

int cmdNotify(Context& ctx, const std::vector<std::string>& args) {
    if (args.size() < 2 || args[0] != "test") {
        throw UsageError("notify test NAME [--to EMAIL]");
    }
    Options opt({args.begin() + 2, args.end()}, {{"to", true}});
    const Config config = loadConfig(ctx.globals.configPath);
    const NotifierConfig* nc = nullptr;
    for (const auto& n : config.notifiers) {
        if (n.name == args[1]) {
            nc = &n;
        }
    }
    if (nc == nullptr) {
        throw UsageError("no notifier named '" + args[1] + "' in " + config.file);
    }
    Advisory a;
    a.source = "test";
    a.id = "JVNDB-0000-000000";
    a.title = "vulnwatch テスト通知 (test notification)";
    a.summary = "これは vulnwatch の設定確認用のテストメッセージです。This is a test message.";
    Match m;
    m.advisory = a.id;
    m.product = "(test)";
    m.component = "(test)";
    m.confidence = 100;
    m.method = "test";
    m.reason = "sent by `vulnwatch notify test " + nc->name + "`";
    std::vector<OutMessage> messages;
    if (nc->type == "email") {
        std::vector<std::string> to = opt.all("to");
        if (to.empty()) {
            to = nc->to;
        }
        if (to.empty()) {
            throw UsageError("notifier '" + nc->name + "' has no `to` addresses: give --to EMAIL");
        }
        for (const auto& r : to) {
            messages.push_back(renderEmail(a, m, nc->name, r, {},
                                           MailOptions{nc->language, nc->templates.loaded}));
        }
    } else {
        messages.push_back(renderChat(nc->type, a, m, nc->name)); // each chat type its format
    }
    CurlHttpClient http;
    auto notifier = makeNotifier(*nc, http);
    int status = kExitOk;
    for (auto& msg : messages) {
        msg.idempotencyKey += "-test-" + std::to_string(unixNow());
        const DeliveryResult r = notifier->deliver(msg);
        const bool ok = r.kind == DeliveryResult::Kind::Delivered;
        (ok ? ctx.out : ctx.err) << (ok ? "delivered" : "NOT delivered") << " via " << nc->name
                                 << (msg.recipient.empty() ? "" : " to " + msg.recipient) << ": "
                                 << redactSecrets(r.reply) << "\n";
        if (!ok) {
            status = kExitFailure;
        }
    }
    return status;
}

int cmdPoll(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"once", false}, {"source", true}});
    opt.expectPositional(0, 0, "no arguments besides --once and --source");
    if (!opt.has("once")) {
        throw UsageError("poll runs one cycle: use `poll --once` (or `run` for the daemon)");
    }
    auto config = std::make_shared<const Config>(loadConfig(ctx.globals.configPath));
    if (ctx.globals.logLevel.empty()) {
        log::setLevel(log::parseLevel(config->logLevel));
    }
    auto store = openStore(ctx, *config);
    std::vector<std::string> names = opt.all("source");
    for (const auto& n : names) {
        bool found = false;
        for (const auto& s : config->sources) {
            found = found || s.name == n;
        }
        if (!found) {
            throw UsageError("no source named '" + n + "' in " + config->file);
        }
    }
    if (names.empty()) {
        for (const auto& s : config->sources) {
            if (s.enabled) {
                names.push_back(s.name);
            }
        }
    }
    CurlHttpClient http;
    Service service(config, *store, http);
    int failed = 0;
    for (const auto& name : names) {
        const SourceRun run = service.pollSource(name, unixNow());
        failed += run.kind == PollOutcome::Kind::Error ? 1 : 0;
    }
    service.makeDigests(unixNow()); // those due now, delivered below
    DeliveryStats d;
    for (;;) { // batch after batch until nothing is due
        const DeliveryStats batch = service.deliver(unixNow());
        d.delivered += batch.delivered;
        d.retried += batch.retried;
        d.dead += batch.dead;
        d.leaseHeldBy = batch.leaseHeldBy;
        if (!batch.more) {
            break;
        }
    }
    service.releaseLease();
    if (!d.leaseHeldBy.empty()) {
        // A daemon runs beside this poll: it delivers what this poll stored.
        VW_LOG_INFO("poll", "delivery left to " << d.leaseHeldBy
                                                << ", which holds the delivery lease (a running "
                                                   "vulnwatch run)");
    }
    writePollMetricsTextfile(*store, *config, unixNow()); // unless a daemon writes it
    const OutboxCounts counts = store->outboxCounts();
    VW_LOG_INFO("poll", names.size() << " sources polled, " << failed << " failed; " << d.delivered
                                     << " delivered, " << d.retried << " to retry, " << d.dead
                                     << " dead; outbox: " << counts.pending << " pending");
    return failed > 0 ? kExitSourceFailed : kExitOk;
}

int cmdRun(Context& ctx, const std::vector<std::string>& args) {
    if (!args.empty()) {
        throw UsageError("run takes no arguments");
    }
    return runDaemon({ctx.globals.configPath, ctx.globals.db});
}

} // namespace

int runCli(const std::vector<std::string>& argsIn, std::ostream& out, std::ostream& err) {
    Context ctx{{}, out, err};
    std::vector<std::string> args = argsIn;
    std::size_t i = 0;
    try {
        for (; i < args.size(); ++i) {
            const std::string& a = args[i];
            auto value = [&](const std::string& name) {
                if (i + 1 >= args.size()) {
                    throw UsageError("option " + name + " needs a value");
                }
                return args[++i];
            };
            if (a == "--help" || a == "-h" || a == "help") {
                out << kUsage;
                return kExitOk;
            }
            if (a == "--version") {
                out << "vulnwatch " << kVersion << "\n";
                return kExitOk;
            }
            if (a == "--config") {
                ctx.globals.configPath = value(a);
                ctx.globals.configGiven = true;
            } else if (a == "--db") {
                ctx.globals.db = value(a);
            } else if (a == "--log-level") {
                ctx.globals.logLevel = value(a);
                log::setLevel(log::parseLevel(ctx.globals.logLevel));
            } else if (a.rfind("--", 0) == 0) {
                throw UsageError("unknown option " + a);
            } else {
                break;
            }
        }
        if (i >= args.size()) {
            err << kUsage;
            return kExitUsage;
        }
        const std::string command = args[i];
        const std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
        static const std::map<std::string, int (*)(Context&, const std::vector<std::string>&)>
            commands = {
                {"parse", cmdParse},
                {"import", cmdImport},
                {"match", cmdMatch},
                {"advisories", cmdAdvisories},
                {"products", cmdProducts},
                {"matches", cmdMatches},
                {"deliveries", cmdDeliveries},
                {"digest", cmdDigest},
                {"config", cmdConfig},
                {"notify", cmdNotify},
                {"poll", cmdPoll},
                {"run", cmdRun},
                {"backfill", cmdBackfill},
                {"calendar", cmdCalendar},
                {"audit", cmdAudit},
                {"evidence", cmdEvidence},
                {"cases", cmdCases},
                {"users", cmdUsers},
                {"serve", cmdServe},
                {"backup", cmdBackup},
                {"restore", cmdRestore},
                {"store", cmdStore},
                {"vex", cmdVex},
                {"installbase", cmdInstallBase},
                {"notices", cmdNotices},
                {"status", cmdStatus},
            };
        auto it = commands.find(command);
        if (it == commands.end()) {
            throw UsageError("unknown command '" + command + "'");
        }
        return it->second(ctx, rest);
    } catch (const UsageError& e) {
        err << "vulnwatch: " << e.what() << "\n(see vulnwatch --help)\n";
        return kExitUsage;
    } catch (const ConfigError& e) {
        err << "vulnwatch: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::invalid_argument& e) {
        err << "vulnwatch: " << e.what() << "\n";
        return kExitUsage;
    } catch (const JsonInputError& e) {
        err << "vulnwatch: " << e.what() << "\n";
        return kExitFailure;
    } catch (const std::exception& e) {
        err << "vulnwatch: " << e.what() << "\n";
        return kExitFailure;
    }
}

} // namespace vw
