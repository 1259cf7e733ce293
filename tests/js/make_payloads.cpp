// Writes chat payloads and signed webhook requests for tests/js/check_payloads.js, which checks
// them with libraries no one here wrote (standardwebhooks, adaptivecards) and with plain rules.
//
//   make_payloads OUTDIR
//
// OUTDIR/manifest.json lists every file: {"payloads":[{"file","service","case"}…],
// "webhooks":[{"file","expect"}…]}. Each webhook file holds the request WebhookNotifier builds:
// {"secret": what the receiver configures, "headers": {…}, "body": "…"}.
#include "core/json_writer.h"
#include "notifiers/case_notice.h"
#include "notifiers/chat_format.h"
#include "notifiers/standard_webhooks.h"
#include "notifiers/webhook_notifier.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

/// Every trick a feed or a mail could try on a chat service, on one line and on several.
const std::string kHostile =
    "<!channel> <!here> <!everyone> <@U0123ABCD> <#C0123ABCD> <https://evil.example/|click> "
    "<javascript:alert(1)|x> &lt;tag&gt; @channel @here @all @everyone @alice [toall] "
    "[To:1234567] [rp aid=1 to=2-3] [info][title]x[/title]y[/info] [code]z[/code] [hr] "
    "[qt][qtmeta aid=1]q[/qt] [x](javascript:alert(1)) ![img](https://evil.example/i.png) "
    "<https://evil.example> **bold** _it_ ~~s~~ `code` # not a heading | a | table | "
    "javascript:alert(1) \x01\x07\x1b[31mred\x1b[0m \x7f \xc2\x85 \u202etxet desrever\u202c "
    "\xff\xfe invalid";

const std::string kHostileLines = "- item\n+ item\n1. one\n2) two\n# heading\n> quote\n"
                                  "    code block\n===\n---\n" +
                                  kHostile + "\r\nline after CRLF\rline after CR";

vw::Advisory advisory(const std::string& variant) {
    vw::Advisory a;
    a.source = "jvn-rss";
    a.id = "JVNDB-2024-000123";
    a.aliases = {"CVE-2024-12345", "JVNVU#98765432"};
    a.title = "医療機器ゲートウェイにおける OS コマンドインジェクションの脆弱性";
    a.summary = "医療機器ゲートウェイには、OS コマンドインジェクションの脆弱性が存在します。\n"
                "細工されたリクエストにより任意のコマンドを実行される可能性があります。";
    a.url = "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000123.html";
    a.cvss = {{"3.1", 9.8, "Critical", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
    if (variant == "hostile") {
        a.id = "JVNDB-2024-000123 " + kHostile;
        a.title = kHostile;
        a.summary = kHostileLines;
        a.url = "javascript:alert(1)";
        a.aliases = {kHostile};
        a.cvss = {{"3.1", 9.8, kHostile, kHostile}};
    } else if (variant == "huge") {
        std::string title;
        while (title.size() < 100 * 1024) {
            title += "脆弱性 <!channel> [toall] @channel & ";
        }
        a.title = title;
        std::string summary;
        while (summary.size() < 1024 * 1024) {
            summary += kHostileLines + "\n";
        }
        a.summary = summary;
        a.url = "https://jvndb.jvn.jp/ja/contents/2024/x\r\nX-Injected: 1";
        a.aliases.clear();
        for (int i = 0; i < 5000; ++i) {
            a.aliases.push_back("CVE-2024-" + std::to_string(10000 + i));
        }
    }
    return a;
}

vw::Match match(const std::string& variant) {
    vw::Match m;
    m.advisory = "JVNDB-2024-000123";
    m.product = "Example Gateway";
    m.version = "3.2";
    m.component = "busybox";
    m.componentVersion = "1.35.0";
    m.confidence = 100;
    m.method = "cpe-version";
    m.reason = "cpe:2.3:a:busybox:busybox matched; 1.35.0 is in < 1.36.1";
    if (variant == "hostile" || variant == "huge") {
        m.product = "Gateway " + kHostile;
        m.component = kHostile;
        m.reason = variant == "huge" ? std::string(200 * 1024, '<') : kHostile;
        m.verdict = "needs-review";
    }
    return m;
}

vw::UpdateNotice update(const std::string& variant) {
    vw::UpdateNotice u;
    u.revisionHash = "0123abcd";
    u.changes = {{"cvss", "7.5 High", "9.8 Critical", true},
                 {"title", "old title", "new title", false}};
    if (variant == "hostile" || variant == "huge") {
        const std::string big = variant == "huge" ? std::string(300 * 1024, '[') : kHostile;
        u.changes.push_back({kHostile, big, big, true});
        for (int i = 0; i < 40; ++i) {
            u.changes.push_back({"affected", big, kHostileLines, i % 2 == 0});
        }
    }
    return u;
}

vw::CaseNotice caseNotice(const std::string& variant, const std::string& kind) {
    const vw::Advisory a = advisory(variant);
    const vw::Match m = match(variant);
    vw::CaseNotice n;
    n.kind = kind;
    n.caseId = 12;
    n.product = m.product;
    n.version = m.version;
    n.title = a.title;
    n.advisory = a.id;
    n.clusterKey = "CVE-2024-12345";
    n.state = "evaluating";
    n.ssvc = kind == "act" ? "Act" : "Attend";
    n.ssvcReason = variant == "plain" ? "exploitation active: CISA KEV" : a.summary;
    n.clock = "decide";
    n.due = 1777626000; // 2026-05-01 18:00 JST
    n.now = n.due + 2 * 86400;
    n.url = a.url;
    return n;
}

void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

/// Captures what the notifier would send instead of sending it.
class Capture : public vw::HttpClient {
public:
    vw::HttpRequest last;
    vw::HttpResponse perform(const vw::HttpRequest& request) override {
        last = request;
        vw::HttpResponse response;
        response.status = 204;
        return response;
    }
};

std::string signedRequest(const std::string& secret, std::int64_t now) {
    vw::NotifierConfig config;
    config.name = "hook";
    config.type = "webhook";
    config.url.value = "https://receiver.example.jp/hook";
    config.secret.value = secret;
    Capture http;
    vw::WebhookNotifier notifier(config, http, [now] { return now; });
    vw::OutMessage message = vw::renderChat("webhook", advisory("hostile"), match("hostile"),
                                            "hook", "JVNDB-2024-000123");
    if (notifier.deliver(message).kind != vw::DeliveryResult::Kind::Delivered) {
        throw std::runtime_error("capture failed");
    }
    vw::JsonWriter json;
    json.beginObject();
    json.key("secret").value(vw::standardWebhookReceiverSecret(secret));
    json.key("now").value(static_cast<long long>(now));
    json.key("headers").beginObject();
    for (const auto& [name, value] : http.last.headers) {
        json.key(name).value(value);
    }
    json.endObject();
    json.key("body").value(http.last.body);
    json.endObject();
    return json.str();
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_payloads OUTDIR\n";
        return 2;
    }
    try {
        const fs::path dir = argv[1];
        fs::create_directories(dir);
        vw::JsonWriter manifest;
        manifest.beginObject();
        manifest.key("payloads").beginArray();
        for (const std::string service : {"slack", "teams", "mattermost", "chatwork"}) {
            for (const std::string variant : {"plain", "hostile", "huge"}) {
                for (const bool isUpdate : {false, true}) {
                    const std::string name =
                        service + "-" + variant + (isUpdate ? "-update" : "") + ".txt";
                    const auto a = advisory(variant);
                    const auto m = match(variant);
                    const auto u = update(variant);
                    const vw::OutMessage message =
                        isUpdate ? vw::renderUpdateChat(service, a, m, u, "chat", a.id)
                                 : vw::renderChat(service, a, m, "chat", a.id);
                    write(dir / name, message.payload);
                    manifest.beginObject();
                    manifest.key("file").value(name);
                    manifest.key("service").value(service);
                    manifest.key("case").value(variant);
                    manifest.key("update").value(isUpdate);
                    manifest.endObject();
                }
                // The case notices (notifiers/case_notice.h) are laid out like the matches.
                for (const std::string kind : {"act", "breach"}) {
                    const std::string name = service + "-" + variant + "-case-" + kind + ".txt";
                    write(dir / name,
                          vw::renderCaseNotice(service, "chat", "", caseNotice(variant, kind))
                              .payload);
                    manifest.beginObject();
                    manifest.key("file").value(name);
                    manifest.key("service").value(service);
                    manifest.key("case").value(variant);
                    manifest.key("update").value(false);
                    manifest.endObject();
                }
            }
        }
        manifest.endArray();

        const auto now =
            static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
        struct Webhook {
            std::string file;
            std::string secret;
            std::int64_t at;
            std::string expect;
        };
        const std::vector<Webhook> hooks = {
            {"webhook-whsec.json", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now, "valid"},
            {"webhook-plain-secret.json", "webhook-secret-鍵 with spaces", now, "valid"},
            // Signed 6 minutes ago: a captured request replayed now.
            {"webhook-replayed.json", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now - 360,
             "too-old"},
        };
        manifest.key("webhooks").beginArray();
        for (const auto& hook : hooks) {
            write(dir / hook.file, signedRequest(hook.secret, hook.at));
            manifest.beginObject();
            manifest.key("file").value(hook.file);
            manifest.key("expect").value(hook.expect);
            manifest.endObject();
        }
        manifest.endArray();
        manifest.endObject();
        write(dir / "manifest.json", manifest.str());
    } catch (const std::exception& error) {
        std::cerr << "make_payloads: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
