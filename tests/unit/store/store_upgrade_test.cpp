// Upgrades from every shipped schema version (issue 15 part 4, docs/testing.md "Upgrades"): for
// each version v = 1 … latest, a file store is made by applying migrations 1 … v exactly as
// shipped (schemaMigrations(), under the pragmas Store::open and Store::migrate use), filled with
// data as the build of that version wrote it (rowsFor: one list of rows with the columns of
// every era; each row goes in with the columns its table has at v), closed, opened with the
// current Store (which migrates it to the latest version) and compared: every row of every
// table still there with the same values (but for the transformations a migration documents:
// kTransformed), the links, hashes, audit chain and case projection as the current build reads
// them, and PRAGMA integrity_check and foreign_key_check clean. The store of the latest version
// itself is no upgrade (nothing to migrate): it is built to check rowsFor() against the current
// schema (a value for a column no version has fails; a new table or column without data warns).
//
// Migration 5 also runs Store::recorrelate; the stores here are filled after their migrations,
// so at v >= 5 it ran on an empty store (where it does nothing) and at v < 5 it runs in the
// upgrade, on the old data. When a migration is appended, the stores of every earlier version
// go through it automatically; a table or column it adds makes the next version's store fail
// until rowsFor() gives it values (writeRow and the table check below name what is missing).
//
// With VW_UPGRADE_SAVE_DIR set, each store of v < latest is also copied there as vN.db before it
// is upgraded: tests/e2e/test_upgrade.py upgrades those copies with the real vulnwatch binary.
#include "core/cases.h"
#include "core/correlate.h"
#include "core/cpe.h"
#include "core/json_writer.h"
#include "core/keywords.h"
#include "helpers/backend.h"
#include "notifiers/hospital_notice.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/evidence.h"
#include "store/migrations.h"
#include "store/notices.h"
#include "store/store.h"
#include "store_test_support.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sqlite3.h>
#include <string>
#include <variant>
#include <vector>

using vw::Store;
using vw::test::TempDir;

namespace {

// --- values and rows -------------------------------------------------------------------------

struct Blob {
    std::string bytes;
};
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, Blob>;

/// One row of `table`, with the columns of every era its table had (writeRow drops the ones
/// the table does not have at the version written).
struct Row {
    std::string table;
    std::vector<std::pair<std::string, Value>> values;
};

Value text(std::string s) {
    return Value(std::move(s));
}
Value num(std::int64_t n) {
    return Value(n);
}

/// Columns rowsFor() gives that a migration removed, so no table has them at the latest
/// version: (table, column).
const std::set<std::pair<std::string, std::string>> kRetiredColumns = {
    {"product", "version"},      // migration 6: product_version rows
    {"component", "product_id"}, // migration 6: version_id
    {"component", "cpe"},        // migration 6: cpes
};

/// Tables a migration fills itself (registry_state: a row, then kept by triggers) or that
/// rowsFor() fills with the statements the store keeps them with (record_cpe, record_text).
const std::set<std::string> kNotWrittenByRows = {"registry_state", "record_cpe", "record_text"};

/// Values the migrations document to transform, so the comparison of old and new rows skips
/// them (checked by their own assertions below instead): table, column ("*": the rows
/// themselves may go), and the first version whose stores no longer get the transformation.
struct Transformed {
    const char* table;
    const char* column;
    int untilVersion;
};
const Transformed kTransformed[] = {
    {"record", "content_hash", 3},   // migration 3: XXH3 instead of FNV-1a
    {"revision", "content_hash", 3}, // migration 3
    {"record", "cluster_id", 5},     // migration 5: advisory records leave their cluster
    {"alias", "*", 5},               // migration 5: advisory ids and Message-IDs are no aliases
};

bool transformed(const std::string& table, const std::string& column, int version) {
    for (const Transformed& t : kTransformed) {
        if (table == t.table && (column == t.column || std::string(t.column) == "*") &&
            version < t.untilVersion) {
            return true;
        }
    }
    return false;
}

// --- the SQL functions the migrations call ------------------------------------------------------

// Store::open registers these on every connection (store.cpp registerFunctions); a store built
// by raw SQL needs them too: the same functions of core/, as the registered ones call them.

std::string encodeItems(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        for (char c : item) {
            out += c == '\\'   ? std::string("\\\\")
                   : c == '\n' ? std::string("\\n")
                               : std::string(1, c);
        }
        out += '\n';
    }
    return out;
}

std::optional<std::string> argText(sqlite3_value* value) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(value));
    if (p == nullptr) {
        return std::nullopt;
    }
    return std::string(p, static_cast<std::size_t>(sqlite3_value_bytes(value)));
}

void resultText(sqlite3_context* context, const std::string& s) {
    sqlite3_result_text(context, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void fnContentHash(sqlite3_context* context, int, sqlite3_value** argv) {
    const auto t = argText(argv[0]);
    t ? resultText(context, vw::contentHash(*t)) : sqlite3_result_null(context);
}

void fnCpeKey(sqlite3_context* context, int, sqlite3_value** argv) {
    const auto t = argText(argv[0]);
    const auto cpe = t ? vw::parseCpe(*t) : std::nullopt;
    cpe ? resultText(context, encodeItems({cpe->vendor, cpe->product}))
        : sqlite3_result_null(context);
}

void fnSourceRank(sqlite3_context* context, int, sqlite3_value** argv) {
    sqlite3_result_int(context, vw::sourceRank(argText(argv[0]).value_or("")));
}

void fnKeywordText(sqlite3_context* context, int, sqlite3_value** argv) {
    resultText(context, vw::keywordText(argText(argv[0]).value_or("")));
}

void registerMigrationFunctions(vw::Database& db) {
    struct F {
        const char* name;
        void (*fn)(sqlite3_context*, int, sqlite3_value**);
    };
    for (const F& f : {F{"vw_content_hash", fnContentHash}, F{"vw_cpe_key", fnCpeKey},
                       F{"vw_source_rank", fnSourceRank}, F{"vw_keyword_text", fnKeywordText}}) {
        REQUIRE(sqlite3_create_function_v2(db.handle(), f.name, 1,
                                           SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, f.fn,
                                           nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    REQUIRE(vw::registerAuditFunctions(db.handle()));
}

// --- the data ------------------------------------------------------------------------------

struct Source {
    std::int64_t row;
    std::string channel;
    vw::Advisory advisory;
    std::int64_t seen;
};

vw::Advisory advisory(const std::string& source, const std::string& id,
                      std::vector<std::string> aliases, const std::string& title, double score) {
    vw::Advisory a = vw::test::makeAdvisory(id, std::move(aliases), title, score);
    a.source = source;
    if (score <= 0) {
        a.cvss.clear();
    }
    return a;
}

/// The records: two channels state the log4j entry, the JVNVU advisory and the JPCERT alert
/// mail cover it, and a second vulnerability names no CPE (keyword matching).
std::vector<Source> sources() {
    vw::Advisory vuldef = advisory("vuldef", "JVNDB-2021-005429", {"CVE-2021-44228"},
                                   "Apache Log4j における任意のコードが実行される脆弱性", 10.0);
    vuldef.cpes = {"cpe:/a:apache:log4j"};
    vuldef.affected = {
        {"Apache Software Foundation", "Apache Log4j", "cpe:/a:apache:log4j", {"2.14.1 以前"}}};
    vw::Advisory rss =
        advisory("jvn-rss", "JVNDB-2021-005429", {"CVE-2021-44228"}, "Apache Log4j の脆弱性", 9.8);
    rss.cpes = {"cpe:/a:apache:log4j"};
    vw::Advisory vu = advisory("jvn", "JVNVU#96768815", {"CVE-2021-44228"},
                               "Apache Log4j に任意のコード実行の脆弱性", 0);
    vw::Advisory mail =
        advisory("mail", "<20211211.alert@jpcert.or.jp>",
                 {"CVE-2021-44228", "JPCERT-AT-2021-0050", "JVNVU#96768815"},
                 "JPCERT-AT-2021-0050 Apache Log4j の任意のコード実行の脆弱性に関する注意喚起", 0);
    vw::Advisory resume =
        advisory("vuldef", "JVNDB-2023-004814", {"CVE-2023-0078"},
                 "Resume ビューアにおけるクロスサイトスクリプティングの脆弱性", 6.1);
    resume.affected = {{"Example", "Resume Viewer", "", {"3.2"}}};
    return {{1, "myjvn", vuldef, 1000},
            {2, "jvndb-new", rss, 1100},
            {3, "jvn-vu", vu, 1200},
            {4, "jpcert-mail", mail, 1300},
            {5, "myjvn", resume, 1500}};
}

/// The older content of record 1 (its first revision).
vw::Advisory olderVuldef() {
    vw::Advisory a = sources()[0].advisory;
    a.title = "Apache Log4j に任意のコード実行の脆弱性";
    a.cvss[0].score = 9.0;
    return a;
}

const std::string kRawVuldef = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VULDEF-Document>"
                               "<Vulinfo><VulinfoID>JVNDB-2021-005429</VulinfoID></Vulinfo>"
                               "</VULDEF-Document>\n";

// --- hospital notices (schema version 20) ----------------------------------------------------

/// One contact of the install base of Bedside Monitor Gateway 1.8 (schema version 19 on).
struct Contact {
    const char* site;
    const char* siteName;
    const char* role;
    std::int64_t quantity;
    const char* name;
    const char* email;
    std::int64_t updatedAt;
};
const Contact kContacts[] = {
    {"H-0001", "○○総合病院", "hospital", 3, "山田 太郎", "it@hospital.example.jp", 1700},
    {"H-0001", "○○総合病院", "lessor", 3, "佐藤 花子", "lease@lessor.example.jp", 1687},
    {"H-0002", "△△市民病院", "hospital", 1, "鈴木 一郎", "joho@shimin.example.jp", 1687},
    {"H-0002", "△△市民病院", "distributor", 1, "高橋 次郎", "support@dealer.example.jp", 1687},
};

/// One letter of a notice, as notices prepare/send and the outbox's results left it.
struct Letter {
    std::int64_t id;
    std::int64_t notice;
    const Contact* to;
    const char* state;       // notice_recipient.state
    std::int64_t outboxId;   // 0: never queued
    const char* outboxState; // the outbox row's state once queued
    const char* reply;
    std::int64_t updatedAt;
    vw::RenderedMail mail;
    std::string hash; // SHA-256 of hospitalNoticeDocument: the evidence row
};

/// The notices of case 1 (Bedside Monitor Gateway 1.8 in informing): notice 1 prepared while
/// the install base named only site H-0001 and withdrawn (its letters stay drafts); notice 2
/// prepared again, approved by a second person and sent, its letters delivered, bounced (a
/// permanent refusal), failed (retries used up) and one still queued.
std::vector<Letter> noticeLetters() {
    struct Spec {
        std::int64_t notice;
        const Contact* to;
        const char* state;
        std::int64_t outboxId;
        const char* outboxState;
        const char* reply;
        std::int64_t updatedAt;
    };
    const Spec specs[] = {
        {1, &kContacts[0], "draft", 0, "", "", 1685},
        {1, &kContacts[1], "draft", 0, "", "", 1685},
        {2, &kContacts[0], "sent", 4, "delivered", "250 2.0.0 Ok: queued as 4F2A1", 1698},
        {2, &kContacts[1], "bounced", 5, "dead",
         "RCPT TO: 550 5.1.1 <lease@lessor.example.jp>: Recipient address rejected", 1698},
        {2, &kContacts[2], "queued", 6, "pending", "", 1694},
        {2, &kContacts[3], "failed", 7, "dead", "421 4.4.2 connection timed out", 1698},
    };
    const vw::Advisory log4j = sources()[0].advisory;
    std::vector<Letter> out;
    for (const Spec& spec : specs) {
        vw::HospitalNoticeContent c;
        c.noticeId = spec.notice;
        c.recipientName = spec.to->name;
        c.recipientAddress = spec.to->email;
        c.partner = std::string(spec.to->role) != "hospital";
        c.product = "Bedside Monitor Gateway";
        c.versions = {"1.8"};
        c.sites = {{spec.to->siteName, spec.to->role, "1.8", spec.to->quantity}};
        c.advisory = log4j.id;
        c.ids = {"CVE-2021-44228", "JVNDB-2021-005429"};
        c.title = log4j.title;
        c.summary = log4j.summary;
        c.url = log4j.url;
        c.cvssScore = 10.0;
        c.cvssSeverity = "Critical";
        c.remedy = "ゲートウェイのログ収集機能を停止してください。\n1.9 への更新をお願いします。";
        c.fixedVersion = "1.9";
        c.contact = "株式会社サンプル 製品セキュリティ窓口\nTEL 03-0000-0000 / psirt@example.jp";
        Letter l{static_cast<std::int64_t>(out.size()) + 1,
                 spec.notice,
                 spec.to,
                 spec.state,
                 spec.outboxId,
                 spec.outboxState,
                 spec.reply,
                 spec.updatedAt,
                 vw::renderHospitalNotice(c),
                 ""};
        l.hash = vw::sha256Hex(vw::hospitalNoticeDocument(l.notice, "ja", l.to->email, l.mail));
        out.push_back(std::move(l));
    }
    return out;
}

vw::AuditEvent auditEvent(std::string kind, std::int64_t at, std::string text) {
    vw::AuditEvent e;
    e.kind = std::move(kind);
    e.at = at;
    e.text = std::move(text);
    return e;
}

/// The audit events as a build of version v logged them (before the chain, only time, kind
/// and text were kept; cases from version 15 on).
std::vector<vw::AuditEvent> eventsFor(int v) {
    std::vector<vw::AuditEvent> events;
    events.push_back(auditEvent("ingest", 1000, "myjvn: JVNDB-2021-005429 を新規に取り込みました"));
    events.push_back(auditEvent(
        "match", 1400, "Bedside Monitor Gateway 1.8 が JVNDB-2021-005429 に一致 (log4j-core)"));
    events.push_back(auditEvent("delivery", 1450, "mail: psirt@example.jp に送信しました"));
    if (v >= 15) {
        vw::AuditEvent open =
            auditEvent(std::string(vw::kCaseOpen), 1500, "案件 1 を受け付けました");
        open.caseId = "1";
        open.actor = "daemon";
        open.subjects = {"JVNDB-2021-005429", "product:Bedside Monitor Gateway 1.8"};
        open.details = {{"cluster_id", "1"},
                        {"cluster_key", "JVNDB-2021-005429"},
                        {"components", "log4j-core@2.14.1"},
                        {"decide_due", "87900"},
                        {"fix_due", "2593500"},
                        {"inform_due", "605100"},
                        {"origin", "match"},
                        {"product", "Bedside Monitor Gateway"},
                        {"received_at", "1500"},
                        {"severity", "Critical"},
                        {"state", "received"},
                        {"title", "Apache Log4j における任意のコードが実行される脆弱性"},
                        {"version", "1.8"}};
        events.push_back(open);
        vw::AuditEvent move =
            auditEvent(std::string(vw::kCaseTransition), 1600, "案件 1: 受付 → 確認");
        move.caseId = "1";
        move.actor = "田中";
        move.details = {{"from", "received"}, {"state", "confirming"}};
        events.push_back(move);
    }
    if (v >= 16) {
        vw::AuditEvent kept = auditEvent("evidence", 1650, "myjvn の応答を証跡として保存しました");
        kept.actor = "daemon";
        kept.evidence = {vw::sha256Hex(kRawVuldef)};
        events.push_back(kept);
    }
    if (v >= 20) {
        // The case goes on to informing, and the hospitals are told (daemon/notices.cpp).
        const auto move = [&](std::int64_t at, const char* by, const char* from, const char* to,
                              std::vector<std::pair<std::string, std::string>> details) {
            vw::AuditEvent e = auditEvent(std::string(vw::kCaseTransition), at,
                                          std::string("案件 1: ") + from + " → " + to);
            e.caseId = "1";
            e.actor = by;
            details.emplace_back("from", from);
            details.emplace_back("state", to);
            std::sort(details.begin(), details.end());
            e.details = std::move(details);
            events.push_back(e);
        };
        move(1660, "田中", "confirming", "evaluating",
             {{"f.finding", "1.8 は log4j-core 2.14.1 を同梱し、JNDI 参照が有効"}});
        move(1670, "田中", "evaluating", "responding",
             {{"f.risk", "uncontrolled"},
              {"f.assessment", "院内ネットワークから到達可能"},
              {"f.action", "fix"},
              {"f.target_version", "1.9"},
              {"decided_at", "1670"},
              {"risk", "uncontrolled"},
              {"inform_due", "605100"},
              {"fix_due", "2593500"}});
        move(1680, "田中", "responding", "informing",
             {{"f.remedy", "ゲートウェイのログ収集機能を停止してください。\n1.9 への更新をお願い"
                           "します。"},
              {"f.fixed_version", "1.9"}});
        const std::vector<Letter> letters = noticeLetters();
        const auto notice = [&](const char* kind, std::int64_t at, std::int64_t id,
                                const char* actor, std::string text,
                                std::vector<std::string> evidence,
                                std::vector<std::pair<std::string, std::string>> details) {
            vw::AuditEvent e = auditEvent(kind, at, std::move(text));
            e.caseId = "1";
            e.actor = actor;
            e.subjects = {"notice:" + std::to_string(id), "product:Bedside Monitor Gateway"};
            std::sort(evidence.begin(), evidence.end());
            e.evidence = std::move(evidence);
            details.emplace_back("notice", std::to_string(id));
            std::sort(details.begin(), details.end());
            e.details = std::move(details);
            events.push_back(e);
        };
        for (const std::int64_t id : {1, 2}) {
            std::vector<std::string> hashes;
            std::vector<std::pair<std::string, std::string>> prepared;
            std::vector<std::pair<std::string, std::string>> queued;
            for (const Letter& l : letters) {
                if (l.notice == id) {
                    hashes.push_back(l.hash);
                    const std::string n = std::to_string(hashes.size());
                    prepared.emplace_back("letter." + n, std::string(l.to->email) + " " + l.hash);
                    queued.emplace_back("outbox." + n, std::string(l.to->email) + " " +
                                                           std::to_string(l.outboxId));
                }
            }
            const std::string count = std::to_string(hashes.size());
            prepared.emplace_back("letters", count);
            prepared.emplace_back("cases", "1");
            notice("notice-prepare", id == 1 ? 1685 : 1690, id, "田中",
                   "notice " + std::to_string(id) + " prepared: " + count +
                       " letter(s) about Bedside Monitor Gateway",
                   hashes, prepared);
            if (id == 1) {
                notice("notice-withdraw", 1686, 1, "田中",
                       "notice 1 withdrawn: 設置先の情報が古かった", {},
                       {{"reason", "設置先の情報が古かった"}, {"from", "draft"}});
                continue;
            }
            notice("notice-approve", 1692, 2, "admin", "notice 2 approved (prepared by 田中)",
                   hashes, {{"prepared_by", "田中"}});
            queued.emplace_back("notifier", "mail");
            notice("notice-send", 1694, 2, "admin",
                   "notice 2 sent: " + count + " letter(s) queued via mail", hashes, queued);
        }
        for (const Letter& l : letters) {
            if (l.updatedAt == 1698) {
                notice("notice-letter", 1698, l.notice, "daemon",
                       "notice 2 to " + std::string(l.to->email) + ": " + l.state, {l.hash},
                       {{"to", l.to->email}, {"state", l.state}, {"reply", l.reply}});
            }
        }
    }
    return events;
}

/// Every row a build of version v had written, parents first. Columns of every era; the row
/// goes in with the ones its table has at v.
std::vector<Row> rowsFor(int v) {
    std::vector<Row> rows;
    const auto add = [&](std::string table, std::vector<std::pair<std::string, Value>> values) {
        rows.push_back({std::move(table), std::move(values)});
    };

    add("source_state", {{"source", text("jvndb-new")},
                         {"etag", text("W/\"5f-abc\"")},
                         {"last_modified", text("Thu, 02 Nov 2023 02:57:00 GMT")},
                         {"cursor", text("")},
                         {"last_success", num(1700)},
                         {"last_attempt", num(1700)},
                         {"error_count", num(0)},
                         {"last_error", text("")},
                         {"next_attempt", num(2600)},
                         {"last_new_item", num(1100)},
                         {"alert", text("")},
                         {"alert_since", num(0)}});
    add("source_state", {{"source", text("jpcert-mail")},
                         {"etag", text("")},
                         {"last_modified", text("")},
                         {"cursor", text("uidvalidity=17;uid=4242")},
                         {"last_success", num(1300)},
                         {"last_attempt", num(1690)},
                         {"error_count", num(3)},
                         {"last_error", text("接続がタイムアウトしました")},
                         {"next_attempt", num(2290)},
                         {"last_new_item", num(1300)},
                         {"alert", text("failing")},
                         {"alert_since", num(1650)}});

    // Clusters: one per vulnerability (before version 5, every id a record named was an alias;
    // this data merges no two vulnerabilities, so migration 5 splits nothing).
    const std::vector<Source> records = sources();
    const std::string log4jTitle = records[0].advisory.title;
    add("cluster", {{"id", num(1)},
                    {"first_seen", num(1000)},
                    {"key", text("JVNDB-2021-005429")},
                    {"title", text(log4jTitle)},
                    {"max_score", Value(10.0)},
                    {"aliases", text("JVNDB-2021-005429\nCVE-2021-44228\n")}});
    add("cluster", {{"id", num(2)},
                    {"first_seen", num(1500)},
                    {"key", text("JVNDB-2023-004814")},
                    {"title", text(records[4].advisory.title)},
                    {"max_score", Value(6.1)},
                    {"aliases", text("JVNDB-2023-004814\nCVE-2023-0078\n")}});
    std::vector<std::pair<std::string, std::int64_t>> aliases = {{"JVNDB-2021-005429", 1},
                                                                 {"CVE-2021-44228", 1},
                                                                 {"JVNDB-2023-004814", 2},
                                                                 {"CVE-2023-0078", 2}};
    if (v < 5) {
        for (const char* id :
             {"JVNVU#96768815", "JPCERT-AT-2021-0050", "<20211211.alert@jpcert.or.jp>"}) {
            aliases.emplace_back(id, 1);
        }
    }
    for (const auto& [id, cluster] : aliases) {
        add("alias", {{"id", text(id)}, {"cluster_id", num(cluster)}});
    }
    if (v >= 5) {
        add("advisory",
            {{"id", num(1)}, {"ident", text("JVNVU#96768815")}, {"first_seen", num(1200)}});
        add("advisory",
            {{"id", num(2)}, {"ident", text("JPCERT-AT-2021-0050")}, {"first_seen", num(1300)}});
        add("advisory_cluster",
            {{"advisory_id", num(1)}, {"cluster_id", num(1)}, {"first_seen", num(1200)}});
        add("advisory_cluster",
            {{"advisory_id", num(2)}, {"cluster_id", num(1)}, {"first_seen", num(1300)}});
    }

    const bool fnv = v < 3; // the hashes an old build wrote (any value but XXH3's)
    for (const Source& s : records) {
        const std::string json = vw::toJson(s.advisory);
        const bool advisoryRecord = s.row == 3 || s.row == 4;
        Value cluster = num(s.row == 5 ? 2 : 1);
        if (v >= 5 && advisoryRecord) {
            cluster = nullptr;
        }
        Value advisoryId = nullptr;
        if (v >= 5 && advisoryRecord) {
            advisoryId = num(s.row == 3 ? 1 : 2);
        }
        add("record",
            {{"id", num(s.row)},
             {"channel", text(s.channel)},
             {"record_id", text(s.advisory.id)},
             {"source", text(s.advisory.source)},
             {"json", text(json)},
             {"content_hash", text(fnv ? "f00d" + std::to_string(s.row) : vw::contentHash(json))},
             {"title", text(s.advisory.title)},
             {"max_score", Value(s.advisory.cvss.empty() ? 0.0 : s.advisory.cvss[0].score)},
             {"first_seen", num(s.seen)},
             {"last_seen", num(s.row == 1 ? 1700 : s.seen)},
             {"cluster_id", cluster},
             {"advisory_id", advisoryId}});
    }
    // Revisions: record 1 changed once; the current content is stored once from version 2 on.
    const std::string olderJson = vw::toJson(olderVuldef());
    for (const Source& s : records) {
        const std::string json = vw::toJson(s.advisory);
        if (s.row == 1) {
            add("revision", {{"id", num(1)},
                             {"record_id", num(1)},
                             {"json", text(olderJson)},
                             {"content_hash", text(fnv ? "0ld1" : vw::contentHash(olderJson))},
                             {"seen_at", num(1000)},
                             {"class", text("new")},
                             {"changes", text("")},
                             {"evidence", nullptr}});
        }
        add("revision",
            {{"id", num(s.row + 1)},
             {"record_id", num(s.row)},
             {"json", v >= 2 ? Value(nullptr) : text(json)},
             {"content_hash", text(fnv ? "f00d" + std::to_string(s.row) : vw::contentHash(json))},
             {"seen_at", num(s.row == 1 ? 1700 : s.seen)},
             {"class", text(s.row == 1 ? "material" : "new")},
             {"changes", text(s.row == 1 ? "title\ncvss\n" : "")},
             {"evidence", s.row == 1 && v >= 16 ? text(vw::sha256Hex(kRawVuldef)) : Value()}});
    }
    if (v >= 5) {
        for (const Source& s : records) {
            for (const std::string& ident : vw::linksOf(s.advisory).mentions) {
                add("mention", {{"record_id", num(s.row)}, {"ident", text(ident)}});
            }
        }
    }

    // The product registry: before version 6 a product had one version; then versions.
    add("product", {{"id", num(1)},
                    {"name", text("Bedside Monitor Gateway")},
                    {"version", text("1.8")},
                    {"owners", text("psirt@example.jp\n")},
                    {"keywords", text("Log4j\n")},
                    {"cpes", text("")},
                    {"removed_at", Value()},
                    {"mission", text("high")}});
    add("product", {{"id", num(2)},
                    {"name", text("Viewer")},
                    {"version", text("3.2")},
                    {"owners", text("viewer-team@example.jp\n")},
                    {"keywords", text("Resume\n")},
                    {"cpes", text("")},
                    {"removed_at", Value()},
                    {"mission", text("")}});
    if (v >= 6) {
        add("product_version", {{"id", num(1)},
                                {"product_id", num(1)},
                                {"version", text("1.8")},
                                {"owners", text("")},
                                {"created_at", num(900)},
                                {"removed_at", Value()}});
        add("product_version", {{"id", num(2)},
                                {"product_id", num(2)},
                                {"version", text("3.2")},
                                {"owners", text("")},
                                {"created_at", num(900)},
                                {"removed_at", Value()}});
        add("product_version", {{"id", num(3)},
                                {"product_id", num(1)},
                                {"version", text("1.9")},
                                {"owners", text("gw-team@example.jp\n")},
                                {"created_at", num(1650)},
                                {"removed_at", Value()}});
        add("product_version", {{"id", num(4)},
                                {"product_id", num(2)},
                                {"version", text("3.1")},
                                {"owners", text("")},
                                {"created_at", num(800)},
                                {"removed_at", num(1600)}});
    }
    const std::string log4jCpe = "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*";
    add("component", {{"id", num(1)},
                      {"product_id", num(1)},
                      {"version_id", num(1)},
                      {"vendor", text("apache")},
                      {"name", text("log4j-core")},
                      {"version", text("2.14.1")},
                      {"cpe", text(log4jCpe)},
                      {"cpes", text(log4jCpe + "\n")},
                      {"purl", text("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")},
                      {"supplier", text("Apache Software Foundation")}});
    add("component", {{"id", num(2)},
                      {"product_id", num(2)},
                      {"version_id", num(2)},
                      {"vendor", text("")},
                      {"name", text("resume-renderer")},
                      {"version", text("3.2")},
                      {"cpe", text("")},
                      {"cpes", text("")},
                      {"purl", text("")},
                      {"supplier", text("")}});
    if (v >= 6) {
        const std::string fixed = "cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*";
        add("component", {{"id", num(3)},
                          {"version_id", num(3)},
                          {"vendor", text("apache")},
                          {"name", text("log4j-core")},
                          {"version", text("2.17.1")},
                          {"cpes", text(fixed + "\n")},
                          {"purl", text("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1")},
                          {"supplier", text("Apache Software Foundation")}});
    }

    const auto match = [&](std::int64_t id, std::int64_t cluster, const char* product,
                           const char* component, std::int64_t confidence, const char* method,
                           const char* advisoryId, const char* version, const char* state,
                           const char* verdict, std::int64_t at) {
        add("match", {{"id", num(id)},
                      {"cluster_id", num(cluster)},
                      {"product", text(product)},
                      {"component", text(component)},
                      {"confidence", num(confidence)},
                      {"method", text(method)},
                      {"reason", text(std::string(method) + ": " + component)},
                      {"advisory", text(advisoryId)},
                      {"aliases", text(cluster == 1 ? "CVE-2021-44228\n" : "CVE-2023-0078\n")},
                      {"version", text(version)},
                      {"state", text(state)},
                      {"created_at", num(at)},
                      {"verdict", text(verdict)},
                      {"updated_at", num(at + 10)}});
    };
    match(1, 1, "Bedside Monitor Gateway", "log4j-core", 90, "cpe-product", "JVNDB-2021-005429",
          "1.8", "new", "affected", 1400);
    match(2, 2, "Viewer", "", 40, "keyword", "JVNDB-2023-004814", "3.2", "acknowledged", "affected",
          1550);
    if (v >= 6) {
        match(3, 1, "Bedside Monitor Gateway", "log4j-core", 90, "cpe-product", "JVNDB-2021-005429",
              "1.9", "new", "not-affected", 1660);
    }
    add("decision", {{"id", num(1)},
                     {"cluster_id", num(1)},
                     {"product", text("Bedside Monitor Gateway")},
                     {"state", text("affected")},
                     {"note", text("1.8 は影響あり、1.9 で修正")},
                     {"decided_at", num(1420)}});

    const auto outbox = [&](std::int64_t id, const char* notifier, const char* recipient,
                            const std::string& key, const char* state, std::int64_t attempts,
                            const char* reply, std::int64_t at) {
        add("outbox",
            {{"id", num(id)},
             {"notifier", text(notifier)},
             {"recipient", text(recipient)},
             {"subject", text("[vulnwatch] JVNDB-2021-005429 Apache Log4j")},
             {"text", text("Bedside Monitor Gateway 1.8 に影響する可能性があります。\n")},
             {"payload", text(std::string(notifier) == "chat" ? "{\"text\":\"log4j\"}" : "")},
             {"idempotency_key", text(key)},
             {"due_at", num(at)},
             {"state", text(state)},
             {"attempts", num(attempts)},
             {"last_reply", text(reply)},
             {"created_at", num(at)},
             {"updated_at", num(at + 50)},
             {"thread", text("JVNDB-2021-005429")},
             {"html", text(std::string(notifier) == "mail" ? "<p>log4j</p>" : "")}});
    };
    outbox(1, "mail", "psirt@example.jp", "match/JVNDB-2021-005429/Bedside Monitor Gateway/mail",
           "delivered", 1, "250 2.0.0 Ok", 1400);
    outbox(2, "chat", "", "match/JVNDB-2021-005429/Bedside Monitor Gateway/chat", "dead", 8,
           "HTTP 500", 1400);
    outbox(3, "mail", "viewer-team@example.jp", "match/JVNDB-2023-004814/Viewer/mail", "pending", 0,
           "", 1550);
    add("delivery", {{"id", num(1)},
                     {"outbox_id", num(1)},
                     {"at", num(1450)},
                     {"ok", num(1)},
                     {"reply", text("250 2.0.0 Ok")}});
    add("delivery", {{"id", num(2)},
                     {"outbox_id", num(2)},
                     {"at", num(1460)},
                     {"ok", num(0)},
                     {"reply", text("HTTP 500")}});
    add("delivery_lease",
        {{"id", num(1)}, {"holder", text("run pid 4242")}, {"expires_at", num(1460)}});

    add("digest", {{"id", num(1)},
                   {"owner", text("viewer-team@example.jp")},
                   {"notifier", text("mail")},
                   {"period_end", num(1600)},
                   {"created_at", num(1600)},
                   {"items", num(1)},
                   {"outbox_id", num(3)}});
    for (const std::int64_t item : {1, 2}) {
        add("digest_item", {{"id", num(item)},
                            {"owner", text("viewer-team@example.jp")},
                            {"notifier", text("mail")},
                            {"recipient", text("viewer-team@example.jp")},
                            {"item_key", text(item == 1 ? "match/2" : "revision/5/1700")},
                            {"kind", text(item == 1 ? "match" : "revision")},
                            {"cluster_key", text("JVNDB-2023-004814")},
                            {"advisory", text("JVNDB-2023-004814")},
                            {"title", text(records[4].advisory.title)},
                            {"url", text(records[4].advisory.url)},
                            {"score", Value(6.1)},
                            {"product", text("Viewer")},
                            {"version", text("3.2")},
                            {"component", text("")},
                            {"method", text("keyword")},
                            {"verdict", text("affected")},
                            {"confidence", num(40)},
                            {"reason", text("keyword: Resume")},
                            {"changes", text(item == 1 ? "" : "title\n")},
                            {"created_at", num(1550 + item)},
                            {"digest_id", item == 1 ? num(1) : Value()}});
    }
    add("digest_owner", {{"owner", text("viewer-team@example.jp")},
                         {"notifier", text("mail")},
                         {"since", num(1500)}});

    // The audit trail: the events (a hash chain from version 14 on) and, from 15, the case they
    // describe, as its projection.
    std::string prev(vw::kAuditGenesisHash);
    std::int64_t seq = 0;
    std::optional<vw::Case> kase;
    for (const vw::AuditEvent& e : eventsFor(v)) {
        ++seq;
        const std::string json = vw::canonicalAuditJson(e, seq);
        const std::string hash = vw::auditHash(prev, json);
        add("event_log", {{"id", num(seq)},
                          {"at", num(e.at)},
                          {"kind", text(e.kind)},
                          {"text", text(e.text)},
                          {"json", text(json)},
                          {"prev_hash", text(prev)},
                          {"hash", text(hash)}});
        prev = hash;
        if (!e.caseId.empty() && vw::isCaseEventKind(e.kind)) {
            if (!kase) {
                kase.emplace();
                kase->id = std::stoll(e.caseId);
            }
            vw::applyCaseEvent(*kase, e.kind, e.at, seq, e.details);
        }
    }
    if (kase) {
        std::string breached;
        for (const auto& b : kase->breached) {
            breached += (breached.empty() ? "" : "\n") + b;
        }
        vw::JsonWriter fields; // as store/cases.cpp writes them: an object, keys sorted
        fields.beginObject();
        for (const auto& [name, value] : kase->fields) {
            fields.key(name).value(value);
        }
        fields.endObject();
        add("vcase", {{"id", num(kase->id)},
                      {"cluster_id", num(kase->clusterId)},
                      {"cluster_key", text(kase->clusterKey)},
                      {"product", text(kase->product)},
                      {"version", text(kase->version)},
                      {"title", text(kase->title)},
                      {"origin", text(kase->origin)},
                      {"state", text(std::string(vw::caseStateName(kase->state)))},
                      {"severity", text(kase->severity)},
                      {"received_at", num(kase->receivedAt)},
                      {"decide_due", num(kase->decideDue)},
                      {"inform_due", num(kase->informDue)},
                      {"fix_due", num(kase->fixDue)},
                      {"decided_at", num(kase->decidedAt)},
                      {"risk", text(kase->risk)},
                      {"ssvc", text(kase->ssvc)},
                      {"ssvc_points", text(kase->ssvcPoints)},
                      {"fields", text(fields.str())},
                      {"components", text(kase->components)},
                      {"inherited_from", num(kase->inheritedFrom)},
                      {"reopen_reason", text(kase->reopenReason)},
                      {"breached", text(breached)},
                      {"opened_at", num(kase->openedAt)},
                      {"updated_at", num(kase->updatedAt)},
                      {"last_event", num(kase->lastEvent)}});
    }
    add("kev", {{"cve", text("CVE-2021-44228")},
                {"date_added", text("2021-12-10")},
                {"vendor", text("Apache")},
                {"product", text("Log4j2")},
                {"name", text("Apache Log4j2 Remote Code Execution Vulnerability")},
                {"ransomware", text("Known")},
                {"first_seen", num(1650)}});
    add("evidence", {{"hash", text(vw::sha256Hex(kRawVuldef))},
                     {"media_type", text("application/xml")},
                     {"size", num(static_cast<std::int64_t>(kRawVuldef.size()))},
                     {"compression", text("none")},
                     {"data", Value(Blob{kRawVuldef})},
                     {"first_seen", num(1650)},
                     {"last_seen", num(1700)},
                     {"pruned_at", Value()}});

    for (const char* name : {"admin", "田中"}) {
        const bool admin = std::string(name) == "admin";
        add("app_user", {{"name", text(name)},
                         {"name_key", text(name)},
                         {"role", text(admin ? "admin" : "triager")},
                         {"password_hash", text(std::string("$argon2id$v=19$m=65536,t=2,p=1$") +
                                                (admin ? "YWRtaW5zYWx0" : "dGFuYWthc2FsdA") + "$" +
                                                vw::sha256Hex(name).substr(0, 43))},
                         {"created_at", num(admin ? 1590 : 1595)},
                         {"password_set_at", num(admin ? 1590 : 1595)},
                         {"disabled_at", Value()}});
    }
    add("user_product", {{"user", text("田中")}, {"product", text("Bedside Monitor Gateway")}});
    add("web_session", {{"token_hash", text(vw::sha256Hex("session secret"))},
                        {"user", text("田中")},
                        {"csrf", text("csrf-0123456789abcdef")},
                        {"created_at", num(1600)},
                        {"expires_at", num(1600 + 8 * 3600)}});
    add("api_token", {{"id", num(1)},
                      {"user", text("admin")},
                      {"label", text("CI export")},
                      {"token_hash", text(vw::sha256Hex("api secret"))},
                      {"created_at", num(1598)},
                      {"last_used", num(1620)},
                      {"revoked_at", Value()}});
    for (const Contact& c : kContacts) {
        add("install_base", {{"site_id", text(c.site)},
                             {"product", text("Bedside Monitor Gateway")},
                             {"version", text("1.8")},
                             {"role", text(c.role)},
                             {"site_name", text(c.siteName)},
                             {"quantity", num(c.quantity)},
                             {"contact_name", text(c.name)},
                             {"contact_email", text(c.email)},
                             {"contact_phone", text(c.updatedAt == 1700 ? "03-0000-0000" : "")},
                             {"notes", text(std::string(c.role) == "lessor" ? "リース契約" : "")},
                             {"updated_at", num(c.updatedAt)}});
    }

    // Hospital notices (migration 20): the notices of case 1 (noticeLetters), each letter
    // archived as evidence under its content hash, the queued ones in the outbox.
    if (v >= 20) {
        for (const std::int64_t id : {1, 2}) {
            add("notice", {{"id", num(id)},
                           {"case_id", num(1)},
                           {"cluster_id", num(1)},
                           {"product", text("Bedside Monitor Gateway")},
                           {"cases", text("1")},
                           {"language", text("ja")},
                           {"state", text(id == 1 ? "withdrawn" : "sent")},
                           {"prepared_by", text("田中")},
                           {"prepared_at", num(id == 1 ? 1685 : 1690)},
                           {"approved_by", text(id == 1 ? "" : "admin")},
                           {"approved_at", num(id == 1 ? 0 : 1692)},
                           {"sent_by", text(id == 1 ? "" : "admin")},
                           {"sent_at", num(id == 1 ? 0 : 1694)}});
        }
        for (const Letter& l : noticeLetters()) {
            const std::string document =
                vw::hospitalNoticeDocument(l.notice, "ja", l.to->email, l.mail);
            add("evidence", {{"hash", text(l.hash)},
                             {"media_type", text("application/json")},
                             {"size", num(static_cast<std::int64_t>(document.size()))},
                             {"compression", text("none")},
                             {"data", Value(Blob{document})},
                             {"first_seen", num(l.notice == 1 ? 1685 : 1690)},
                             {"last_seen", num(l.notice == 1 ? 1685 : 1690)},
                             {"pruned_at", Value()}});
            if (l.outboxId != 0) {
                const vw::OutMessage m =
                    vw::hospitalNoticeMessage("mail", l.notice, l.to->email, l.mail);
                const std::string state = l.outboxState;
                add("outbox", {{"id", num(l.outboxId)},
                               {"notifier", text(m.notifier)},
                               {"recipient", text(m.recipient)},
                               {"subject", text(m.subject)},
                               {"text", text(m.text)},
                               {"payload", text(m.payload)},
                               {"idempotency_key", text(m.idempotencyKey)},
                               {"due_at", num(1694)},
                               {"state", text(state)},
                               {"attempts", num(state == "pending"                 ? 0
                                                : l.state == std::string("failed") ? 8
                                                                                   : 1)},
                               {"last_reply", text(l.reply)},
                               {"created_at", num(1694)},
                               {"updated_at", num(state == "pending" ? 1694 : 1696)},
                               {"thread", text(m.thread)},
                               {"html", text(m.html)}});
                if (state != "pending") {
                    add("delivery", {{"id", num(l.outboxId - 1)},
                                     {"outbox_id", num(l.outboxId)},
                                     {"at", num(1696)},
                                     {"ok", num(state == "delivered" ? 1 : 0)},
                                     {"reply", text(l.reply)}});
                }
            }
            add("notice_recipient", {{"id", num(l.id)},
                                     {"notice_id", num(l.notice)},
                                     {"address", text(l.to->email)},
                                     {"name", text(l.to->name)},
                                     {"roles", text(l.to->role)},
                                     {"sites", text(l.to->siteName)},
                                     {"subject", text(l.mail.subject)},
                                     {"text", text(l.mail.text)},
                                     {"html", text(l.mail.html)},
                                     {"content_hash", text(l.hash)},
                                     {"state", text(l.state)},
                                     {"outbox_id", num(l.outboxId)},
                                     {"reply", text(l.reply)},
                                     {"updated_at", num(l.updatedAt)}});
        }
    }
    return rows;
}

// --- building a store of version v -----------------------------------------------------------

struct Column {
    std::string name;
    bool hidden = false; // generated or hidden virtual-table column: not written
};

std::vector<Column> columnsOf(vw::Database& db, const std::string& table) {
    vw::Statement q = db.prepare("SELECT name, hidden FROM pragma_table_xinfo(?1)");
    q.bind(1, table);
    std::vector<Column> out;
    while (q.step()) {
        out.push_back({q.text(0), q.integer(1) != 0});
    }
    return out;
}

/// The tables of the store (not SQLite's own nor the FTS5 table's shadow tables).
std::vector<std::string> tablesOf(vw::Database& db) {
    vw::Statement q =
        db.prepare("SELECT name FROM sqlite_schema s WHERE type = 'table' AND name NOT LIKE "
                   "'sqlite_%' AND NOT EXISTS (SELECT 1 FROM sqlite_schema v WHERE v.sql LIKE "
                   "'CREATE VIRTUAL TABLE%' AND s.name LIKE v.name || '\\_%' ESCAPE '\\') "
                   "ORDER BY name");
    std::vector<std::string> out;
    while (q.step()) {
        out.push_back(q.text(0));
    }
    return out;
}

void writeRow(vw::Database& db, int v, const Row& row) {
    const std::vector<Column> columns = columnsOf(db, row.table);
    if (columns.empty()) {
        return; // no such table at version v
    }
    INFO("table " << row.table << " at schema version " << v);
    std::string names;
    std::string marks;
    std::vector<const Value*> bound;
    for (const Column& c : columns) {
        if (c.hidden) {
            continue;
        }
        const auto given = std::find_if(row.values.begin(), row.values.end(),
                                        [&](const auto& p) { return p.first == c.name; });
        if (given == row.values.end()) {
            if (v < Store::latestSchemaVersion()) {
                FAIL("column " << row.table << "." << c.name << " exists at schema version " << v
                               << " but tests/unit/store/store_upgrade_test.cpp rowsFor() gives "
                                  "it no value: give the rows of "
                               << row.table << " one");
            }
            // The latest version is no upgrade source yet: its new columns need values once a
            // later migration is appended.
            WARN("column " << row.table << "." << c.name << " (schema version " << v
                           << ") has no value in rowsFor(): give it one before the next migration");
            continue;
        }
        names += (names.empty() ? "" : ", ") + c.name;
        marks += (marks.empty() ? "?" : ", ?");
        bound.push_back(&given->second);
    }
    // A value for a column that no version has (a typo) is an error too.
    if (v == Store::latestSchemaVersion()) {
        for (const auto& [name, value] : row.values) {
            const bool known = std::any_of(columns.begin(), columns.end(),
                                           [&](const Column& c) { return c.name == name; });
            INFO("column " << name);
            CHECK((known || kRetiredColumns.count({row.table, name}) == 1));
        }
    }
    vw::Statement insert =
        db.prepare("INSERT INTO " + row.table + " (" + names + ") VALUES (" + marks + ")");
    for (std::size_t i = 0; i < bound.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        std::visit(
            [&](const auto& value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) {
                    insert.bindNull(index);
                } else if constexpr (std::is_same_v<T, Blob>) {
                    insert.bindBlob(index, value.bytes);
                } else {
                    insert.bind(index, value);
                }
            },
            *bound[i]);
    }
    insert.run();
}

/// The derived tables, filled as the store keeps them for what was just written: the
/// statements of the migrations that introduced them (migration 4's for record_cpe, as
/// migration 5 recomputed it; migration 7's for record_text).
void fillDerived(vw::Database& db, int v) {
    if (v >= 4) {
        db.exec(R"sql(
INSERT INTO record_cpe (record_id, names)
    SELECT id, group_concat(key, '') FROM (
        SELECT record.id AS id, vw_cpe_key(names.value) AS key
            FROM record, json_each(record.json, '$.cpes') AS names
        UNION ALL
        SELECT record.id, vw_cpe_key(json_extract(items.value, '$.cpe'))
            FROM record, json_each(record.json, '$.affected') AS items)
    WHERE key IS NOT NULL
    GROUP BY id;
)sql");
    }
    if (v >= 7) {
        db.exec(R"sql(
INSERT INTO record_text (rowid, text)
    SELECT id, vw_keyword_text(coalesce(json_extract(json, '$.title'), '') || char(10) ||
                               coalesce(json_extract(json, '$.summary'), '') || char(10) ||
                               coalesce((SELECT group_concat(
                                             coalesce(json_extract(value, '$.vendor'), '') ||
                                             ' ' ||
                                             coalesce(json_extract(value, '$.product'), ''),
                                             ' / ')
                                         FROM json_each(record.json, '$.affected')), ''))
        FROM record WHERE id NOT IN (SELECT record_id FROM record_cpe);
)sql");
    }
}

/// Every row of every table: table -> key -> column -> quote(value).
using Snapshot = std::map<std::string, std::map<std::string, std::map<std::string, std::string>>>;

Snapshot snapshot(vw::Database& db) {
    Snapshot out;
    for (const std::string& table : tablesOf(db)) {
        std::vector<std::string> keys;
        {
            vw::Statement q =
                db.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk");
            q.bind(1, table);
            while (q.step()) {
                keys.push_back(q.text(0));
            }
        }
        if (keys.empty()) {
            keys.push_back("rowid");
        }
        std::string key;
        for (const auto& k : keys) {
            key += (key.empty() ? "" : " || '|' || ") + std::string("quote(") + k + ")";
        }
        std::vector<std::string> names;
        std::string select = "SELECT " + key;
        for (const Column& c : columnsOf(db, table)) {
            vw::Statement hiddenKind =
                db.prepare("SELECT hidden FROM pragma_table_xinfo(?1) WHERE name = ?2");
            hiddenKind.bind(1, table).bind(2, c.name);
            // hidden 1: a virtual table's hidden column; 2, 3: generated columns (kept).
            if (hiddenKind.step() && hiddenKind.integer(0) == 1) {
                continue;
            }
            names.push_back(c.name);
            select += ", quote(\"" + c.name + "\")";
        }
        vw::Statement q = db.prepare(select + " FROM " + table);
        auto& rows = out[table];
        while (q.step()) {
            auto& row = rows[q.text(0)];
            for (std::size_t i = 0; i < names.size(); ++i) {
                row[names[i]] = q.text(static_cast<int>(i) + 1);
            }
        }
    }
    return out;
}

/// Builds the store of version v at `path` and returns what it holds.
Snapshot buildStore(const std::string& path, int v) {
    vw::Database db(path);
    // As Store::open and Store::migrate set them (foreign keys are off while migrating).
    db.exec("PRAGMA page_size = 16384");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    registerMigrationFunctions(db);
    const auto& migrations = vw::schemaMigrations();
    for (int applied = 0; applied < v; ++applied) {
        INFO("applying migration " << applied + 1);
        db.exec("BEGIN IMMEDIATE");
        db.exec(migrations[static_cast<std::size_t>(applied)]);
        // (Store::recorrelate after migration 5: the store is empty, nothing to recompute.)
        db.exec("PRAGMA user_version = " + std::to_string(applied + 1));
        db.exec("COMMIT");
    }
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("BEGIN IMMEDIATE");
    for (const Row& row : rowsFor(v)) {
        writeRow(db, v, row);
    }
    fillDerived(db, v);
    db.exec("COMMIT");
    // Every table of version v has data, so every migration after it has something to carry.
    for (const std::string& table : tablesOf(db)) {
        vw::Statement q = db.prepare("SELECT count(*) FROM " + table);
        REQUIRE(q.step());
        if (q.integer(0) == 0 && kNotWrittenByRows.count(table) == 0) {
            if (v == Store::latestSchemaVersion()) {
                // Not an upgrade source yet (the store of the last version is built to check
                // rowsFor() against the current schema): its new tables need rows once a later
                // migration is appended, and then fail below.
                WARN("table " << table << " (schema version " << v
                              << ") has no rows in rowsFor(): add some before the next migration");
                continue;
            }
            FAIL("table " << table << " exists at schema version " << v
                          << " but tests/unit/store/store_upgrade_test.cpp rowsFor() writes no "
                             "row into it: add rows for it");
        }
    }
    {
        vw::Statement q = db.prepare("PRAGMA foreign_key_check");
        CHECK_FALSE(q.step());
    }
    return snapshot(db);
}

std::vector<std::string> strings(Store& store, const std::string& sql) {
    vw::Statement q = store.db().prepare(sql);
    std::vector<std::string> out;
    while (q.step()) {
        out.push_back(q.isNull(0) ? "NULL" : q.text(0));
    }
    return out;
}

} // namespace

TEST_CASE("Every shipped schema version upgrades to the latest with its data intact",
          "[store][migrations][upgrade]") {
    // SQLite's migrations from version 1; a PostgreSQL store starts at the latest version
    // (docs/storage.md), and tests/e2e/test_pg_schema.py compares the two schemas.
    VW_SQLITE_ONLY("SQLite migrations from schema version 1");
    const int latest = Store::latestSchemaVersion();
    REQUIRE(latest >= 19); // the versions shipped when this test was written
    const char* saveDir = std::getenv("VW_UPGRADE_SAVE_DIR");
    for (int v = 1; v <= latest; ++v) {
        INFO("a store of schema version " << v << " upgraded to " << latest);
        TempDir dir;
        const std::string path = dir.file("v" + std::to_string(v) + ".db");
        const Snapshot before = buildStore(path, v);
        REQUIRE_FALSE(std::filesystem::exists(path + "-wal")); // closed and checkpointed
        if (saveDir != nullptr && *saveDir != '\0' && v < latest) {
            std::filesystem::copy_file(
                path, std::filesystem::path(saveDir) / ("v" + std::to_string(v) + ".db"),
                std::filesystem::copy_options::overwrite_existing);
        }

        auto store = Store::open(path);
        CHECK(store->schemaVersion() == latest);
        CHECK(store->migrationsApplied() == latest - v);
        CHECK(strings(*store, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
        CHECK(strings(*store, "PRAGMA foreign_key_check").empty());

        // Every row still there, every value the same (but for kTransformed).
        const Snapshot after = snapshot(store->db());
        for (const auto& [table, rows] : before) {
            INFO("table " << table);
            const auto now = after.find(table);
            REQUIRE(now != after.end());
            if (!transformed(table, "*", v)) {
                CHECK(now->second.size() == rows.size());
            }
            for (const auto& [key, values] : rows) {
                INFO("row " << key);
                const auto row = now->second.find(key);
                if (row == now->second.end()) {
                    CHECK(transformed(table, "*", v));
                    continue;
                }
                for (const auto& [column, value] : values) {
                    const auto kept = row->second.find(column);
                    if (kept == row->second.end() || transformed(table, column, v)) {
                        continue; // a column a migration replaced: checked below
                    }
                    INFO("column " << column);
                    CHECK(kept->second == value);
                }
            }
        }

        // Records, hashes (XXH3 from migration 3 on), revisions, derived tables.
        const std::vector<Source> records = sources();
        CHECK(vw::test::countRows(*store, "record") == 5);
        for (const Source& s : records) {
            INFO("record " << s.row);
            const auto stored = store->record(s.row);
            REQUIRE(stored);
            CHECK(stored->json == vw::toJson(s.advisory));
            CHECK(strings(*store,
                          "SELECT content_hash FROM record WHERE id = " + std::to_string(s.row)) ==
                  std::vector<std::string>{vw::contentHash(stored->json)});
        }
        CHECK(strings(*store, "SELECT content_hash FROM revision ORDER BY id") ==
              std::vector<std::string>{vw::contentHash(vw::toJson(olderVuldef())),
                                       vw::contentHash(vw::toJson(records[0].advisory)),
                                       vw::contentHash(vw::toJson(records[1].advisory)),
                                       vw::contentHash(vw::toJson(records[2].advisory)),
                                       vw::contentHash(vw::toJson(records[3].advisory)),
                                       vw::contentHash(vw::toJson(records[4].advisory))});
        CHECK(strings(*store, "SELECT record_id FROM record_cpe ORDER BY record_id") ==
              std::vector<std::string>{"1", "2"});
        CHECK(strings(*store, "SELECT rowid FROM record_text ORDER BY rowid") ==
              std::vector<std::string>{"3", "4", "5"});
        // Polled again with the same content: no new revision.
        const vw::UpsertOutcome again = store->upsertRecord("myjvn", records[0].advisory, 2000);
        CHECK_FALSE(again.changed);
        CHECK(vw::test::countRows(*store, "revision") == 6);

        // Clusters and advisories under the rules of migration 5 on.
        CHECK(store->clusterOf("JVNDB-2021-005429") == 1);
        CHECK(store->clusterOf("CVE-2021-44228") == 1);
        CHECK(store->clusterOf("JVNDB-2023-004814") == 2);
        CHECK_FALSE(store->clusterOf("JVNVU#96768815"));
        CHECK_FALSE(store->clusterOf("<20211211.alert@jpcert.or.jp>"));
        const vw::ClusterSummary log4j = store->cluster(1);
        CHECK(log4j.key == "JVNDB-2021-005429");
        CHECK(log4j.ids == std::vector<std::string>{"CVE-2021-44228", "JVNDB-2021-005429"});
        CHECK(log4j.title == records[0].advisory.title); // VULDEF outranks the RSS item
        CHECK(log4j.maxScore == Approx(10.0));
        CHECK(store->cluster(2).key == "JVNDB-2023-004814");
        for (const auto& [ident, row] : {std::pair<const char*, std::int64_t>{"JVNVU#96768815", 3},
                                         {"JPCERT-AT-2021-0050", 4}}) {
            INFO("advisory " << ident);
            const auto id = store->advisoryOf(ident);
            REQUIRE(id);
            CHECK(store->coveredClusters(*id) == std::vector<std::int64_t>{1});
            const auto stored = store->record(row);
            REQUIRE(stored);
            CHECK(stored->clusterId == 0);
            CHECK(stored->advisoryId == *id);
        }
        for (const Source& s : records) {
            std::vector<std::string> expected = vw::linksOf(s.advisory).mentions;
            std::sort(expected.begin(), expected.end());
            CHECK(strings(*store, "SELECT ident FROM mention WHERE record_id = " +
                                      std::to_string(s.row) + " ORDER BY ident") == expected);
        }

        // Products, versions, components, matches, decisions.
        const auto registry = store->registry();
        REQUIRE(registry.size() == 2);
        CHECK(registry[0].name == "Bedside Monitor Gateway");
        CHECK(registry[0].owners == std::vector<std::string>{"psirt@example.jp"});
        REQUIRE_FALSE(registry[0].versions.empty());
        CHECK(registry[0].versions[0].version == "1.8");
        REQUIRE(registry[0].versions[0].components.size() == 1);
        CHECK(registry[0].versions[0].components[0].cpes ==
              std::vector<std::string>{"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"});
        CHECK(registry[0].versions.size() == (v >= 6 ? 2u : 1u));
        const auto matches = store->matches();
        REQUIRE(matches.size() == (v >= 6 ? 3u : 2u));
        CHECK(matches[0].clusterId == 1);
        CHECK(matches[0].match.version == "1.8");
        CHECK(matches[0].match.verdict == "affected");
        CHECK(matches[1].clusterId == 2);
        if (v < 6) {
            // Migration 6: a match compared no version before; its update time is its creation.
            CHECK(strings(*store, "SELECT count(*) FROM match WHERE updated_at != created_at OR "
                                  "verdict != 'affected'") == std::vector<std::string>{"0"});
        }
        CHECK(vw::test::countRows(*store, "decision") == 1);

        // Outbox: every message with its idempotency key and state, and its deliveries (from
        // version 20 on also the letters of notice 2).
        const std::vector<Letter> letters = noticeLetters();
        std::vector<std::string> keys = {
            "match/JVNDB-2021-005429/Bedside Monitor Gateway/mail delivered",
            "match/JVNDB-2021-005429/Bedside Monitor Gateway/chat dead",
            "match/JVNDB-2023-004814/Viewer/mail pending"};
        if (v >= 20) {
            for (const Letter& l : letters) {
                if (l.outboxId != 0) {
                    keys.push_back(vw::hospitalNoticeMessage("mail", l.notice, l.to->email, l.mail)
                                       .idempotencyKey +
                                   " " + l.outboxState);
                }
            }
        }
        CHECK(strings(*store, "SELECT idempotency_key || ' ' || state FROM outbox ORDER BY id") ==
              keys);
        const vw::OutboxCounts counts = store->outboxCounts();
        CHECK(counts.pending == (v >= 20 ? 2 : 1));
        CHECK(counts.delivered == (v >= 20 ? 2 : 1));
        CHECK(counts.dead == (v >= 20 ? 3 : 1));
        CHECK(vw::test::countRows(*store, "delivery") == (v >= 20 ? 5 : 2));

        // The audit chain: the events logged before it existed are chained by migration 14;
        // the chain holds, and goes on with the next event.
        const auto events = eventsFor(v);
        const vw::AuditVerification chain = vw::verifyAuditChain(*store);
        CHECK(chain.ok());
        CHECK(chain.events == static_cast<std::int64_t>(events.size()));
        CHECK(strings(*store, "SELECT kind FROM event_log ORDER BY id").size() == events.size());
        store->logEvent("test", "after the upgrade", 3000);
        CHECK(vw::verifyAuditChain(*store).ok());

        // Cases: the rows are the projection of their events.
        const auto cases = vw::storedCases(*store);
        CHECK(cases.size() == (v >= 15 ? 1u : 0u));
        CHECK(vw::rebuildCases(*store) == cases);
        if (v >= 20) {
            REQUIRE(cases.size() == 1);
            CHECK(cases[0].state == vw::CaseState::Informing);
            CHECK(cases[0].fields.at("remedy").find("1.9") != std::string::npos);
        }

        // Hospital notices (version 20 on): the notices of the case with their letters, each
        // letter's archived document under its content hash, the outbox's results recorded.
        const std::vector<vw::Notice> notices = vw::noticesOfCase(*store, 1);
        REQUIRE(notices.size() == (v >= 20 ? 2u : 0u));
        if (v >= 20) {
            CHECK(notices[0].id == 2); // newest first
            CHECK(notices[0].state == vw::NoticeState::Sent);
            CHECK(notices[0].preparedBy == "田中");
            CHECK(notices[0].approvedBy == "admin");
            CHECK(notices[0].cases == std::vector<std::int64_t>{1});
            CHECK(notices[1].state == vw::NoticeState::Withdrawn);
            std::vector<std::string> states;
            for (const vw::Notice& n : notices) {
                for (const vw::NoticeLetter& l : n.letters) {
                    INFO("letter " << l.id << " to " << l.address);
                    states.push_back(std::to_string(l.id) + " " +
                                     std::string(vw::letterStateName(l.state)));
                    const vw::EvidenceRead kept = vw::readEvidence(*store, l.contentHash);
                    REQUIRE(kept.ok());
                    CHECK(kept.bytes == vw::hospitalNoticeDocument(n.id, n.language, l.address,
                                                                   {l.subject, l.text, l.html}));
                }
            }
            std::sort(states.begin(), states.end());
            CHECK(states == std::vector<std::string>{"1 draft", "2 draft", "3 sent", "4 bounced",
                                                     "5 queued", "6 failed"});
            // The letters' states already match the outbox's: nothing to settle.
            CHECK(vw::settleLetters(*store, 3000).empty());
            // Every notice event of the case names archived letters.
            CHECK(strings(*store, "SELECT count(*) FROM event_log WHERE kind LIKE 'notice-%'") ==
                  std::vector<std::string>{"8"});
        }

        // Opening again migrates nothing.
        store.reset();
        CHECK(Store::open(path)->migrationsApplied() == 0);
    }
}
