// Checks what tests/js/make_payloads.cpp wrote (run by tests/js/run.sh, ctest js.chat_payloads):
// - the generic webhook's Standard Webhooks headers verify with the `standardwebhooks` package,
//   and it rejects a replay (signed 6 minutes ago, or the fresh request replayed 6 minutes
//   later) and a tampered body;
// - the Teams payload parses with the `adaptivecards` package without a parse or validation
//   event, and fits the size limit;
// - Slack, Mattermost and Chatwork payloads built from hostile text contain no control sequence
//   of their markup that vulnwatch did not put there, no control characters, no link that is
//   not http(s), and stay within each service's limits.
//
//   node check_payloads.js DIR
"use strict";

const fs = require("fs");
const path = require("path");
const { Webhook } = require("standardwebhooks");
const AC = require("adaptivecards/dist/adaptivecards.js");

const dir = process.argv[2];
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
let failures = 0;
let checks = 0;

function check(ok, what) {
    checks++;
    if (!ok) {
        failures++;
        console.log("FAIL: " + what);
    }
}

const chars = (s) => [...s].length;
// C0 controls but LF, DEL, C1 controls, bidi overrides and isolates.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_LINK = /javascript:|evil\.example/i;

// --- Standard Webhooks ---------------------------------------------------------------------

function verifyAt(hook, nowSeconds) {
    const realNow = Date.now;
    if (nowSeconds !== undefined) {
        Date.now = () => nowSeconds * 1000;
    }
    try {
        new Webhook(hook.secret).verify(hook.body, hook.headers);
        return "valid";
    } catch (e) {
        return e.message;
    } finally {
        Date.now = realNow;
    }
}

for (const entry of manifest.webhooks) {
    const hook = JSON.parse(fs.readFileSync(path.join(dir, entry.file), "utf8"));
    const what = "webhook " + entry.file;
    const lower = Object.fromEntries(Object.entries(hook.headers).map(([k, v]) => [k.toLowerCase(), v]));
    check(/^[0-9a-f]{16}$/.test(lower["webhook-id"]), what + ": webhook-id is the idempotency key");
    check(lower["webhook-id"] === lower["x-vulnwatch-idempotency-key"], what + ": same id twice");
    check(/^\d+$/.test(lower["webhook-timestamp"]), what + ": webhook-timestamp is Unix seconds");
    check(/^sha256=[0-9a-f]{64}$/.test(lower["x-vulnwatch-signature"] || ""),
          what + ": the older X-Vulnwatch-Signature is still sent");
    const result = verifyAt(hook);
    if (entry.expect === "valid") {
        check(result === "valid", what + ": standardwebhooks verifies it (" + result + ")");
        const later = Number(lower["webhook-timestamp"]) + 6 * 60;
        const replay = verifyAt(hook, later);
        check(replay === "Message timestamp too old",
              what + ": replayed 6 minutes later it is rejected (" + replay + ")");
        const tampered = verifyAt({ ...hook, body: hook.body.replace("JVNDB", "JVNDX") });
        check(tampered === "No matching signature found",
              what + ": a changed body is rejected (" + tampered + ")");
        const other = (() => {
            try {
                new Webhook("whsec_" + Buffer.from("another key").toString("base64")).verify(hook.body, hook.headers);
                return "valid";
            } catch (e) {
                return e.message;
            }
        })();
        check(other === "No matching signature found", what + ": another key is rejected");
    } else {
        check(result === "Message timestamp too old",
              what + ": a request signed 6 minutes ago is rejected (" + result + ")");
        // It was signed correctly: at its own time it verifies (so the rejection is the age).
        check(verifyAt(hook, hook.now) === "valid", what + ": at signing time it verifies");
    }
}

// --- per service ---------------------------------------------------------------------------

function checkSlack(text, what, p) {
    const doc = JSON.parse(text);
    check(Array.isArray(doc.blocks) && doc.blocks.length > 0 && doc.blocks.length <= 50,
          what + ": 1 to 50 blocks");
    const texts = [["text", doc.text, 3000]];
    for (const block of doc.blocks) {
        check(block.type === "section", what + ": only section blocks");
        if (block.text) {
            check(block.text.type === "mrkdwn", what + ": mrkdwn text");
            texts.push(["section", block.text.text, 3000]);
        }
        if (block.fields) {
            check(block.fields.length <= 10, what + ": at most 10 fields");
            for (const f of block.fields) texts.push(["field", f.text, 2000]);
        }
    }
    let links = 0;
    for (const [kind, t, max] of texts) {
        check(typeof t === "string" && t.length > 0, what + ": " + kind + " text present");
        check(chars(t) <= max, what + ": " + kind + " text within " + max + " (" + chars(t) + ")");
        check(!CONTROL.test(t), what + ": no control characters in " + kind);
        // Every '<' opens vulnwatch's own link <https://…|ID>; nothing else may use < or >.
        const outside = t.replace(/<(https?:\/\/[^\s<>|]+)\|([^<>|]*)>/g, (m, url) => {
            links++;
            check(!HOSTILE_LINK.test(url), what + ": link target " + url);
            return "";
        });
        check(!/[<>]/.test(outside), what + ": no '<' or '>' outside the advisory link in " + kind);
        check(!/&(?!amp;|lt;|gt;)/.test(t), what + ": every '&' is an entity in " + kind);
        check(!/@(channel|here|everyone)\b/i.test(t), what + ": no @channel/@here/@everyone");
    }
    check(links <= 1, what + ": at most the advisory's own link");
    if (p.case === "plain") {
        check(links === 1, what + ": the advisory link is there");
    }
}

function checkMattermost(text, what, p) {
    const doc = JSON.parse(text);
    const t = doc.text;
    check(typeof t === "string" && chars(t) <= 16383, what + ": text within 16383 (" + chars(t) + ")");
    check(!CONTROL.test(t), what + ": no control characters");
    check(!/@(?!\u200d)[A-Za-z0-9._-]/.test(t), what + ": every @mention is broken by a zero-width joiner");
    // Unescaped markdown specials: only vulnwatch's own heading, bold labels, list and link.
    const unescaped = (re) => {
        const found = [];
        for (const m of t.matchAll(re)) {
            let backslashes = 0;
            for (let i = m.index - 1; i >= 0 && t[i] === "\\"; i--) backslashes++;
            if (backslashes % 2 === 0) found.push(m.index);
        }
        return found;
    };
    const opens = unescaped(/\[/g);
    check(opens.length <= 1, what + ": at most one unescaped '[' (the advisory link)");
    for (const at of opens) {
        const link = /^\[[^\]]*\]\((https?:\/\/[^\s()<>]+)\)/.exec(t.slice(at).replace(/\\./g, "xx"));
        check(link !== null && !HOSTILE_LINK.test(link[1]), what + ": the one link is http(s) to the advisory");
    }
    check(unescaped(/!\[/g).length === 0, what + ": no image");
    check(unescaped(/[<`~|]/g).length === 0, what + ": no unescaped < ` ~ |");
    check(!/\]\(javascript:/i.test(t), what + ": no javascript: link");
    if (p.case === "plain") {
        check(opens.length === 1, what + ": the advisory link is there");
    }
}

function checkChatwork(text, what, p) {
    check(text.startsWith("body="), what + ": a form body with the body field");
    const params = new URLSearchParams(text);
    check([...params.keys()].length === 1, what + ": one form field");
    const body = params.get("body") || "";
    check(chars(body) <= 65535, what + ": body within 65535 (" + chars(body) + ")");
    check(!CONTROL.test(body), what + ": no control characters");
    const tags = [...body.matchAll(/\[([^\[\]]*)\]/g)].map((m) => m[1]);
    const allowed = new Set(["info", "/info", "title", "/title", "hr"]);
    for (const tag of tags) {
        check(allowed.has(tag), what + ": only vulnwatch's own tags (found [" + tag + "])");
    }
    check(tags.filter((t) => t === "info").length === 1 && body.endsWith("[/info]"),
          what + ": one [info] block, closed at the end");
    check(tags.filter((t) => t === "title").length === 1, what + ": one title");
    check(!/\[to(all|:)/i.test(body), what + ": no [toall] or [To:…]");
    for (const m of body.matchAll(/\b(\w+):\/\/\S+|javascript:\S*/gi)) {
        if (/^https?:/i.test(m[0]) && !HOSTILE_LINK.test(m[0])) continue;
        // A hostile URL may appear as escaped text, never as the advisory's URL line.
        check(!body.includes("URL: " + m[0]), what + ": no URL line for " + m[0]);
    }
    if (p.case === "plain") {
        check(body.includes("URL: https://jvndb.jvn.jp/"), what + ": the advisory URL is there");
    }
}

function walk(node, visit) {
    if (Array.isArray(node)) {
        node.forEach((n) => walk(n, visit));
    } else if (node && typeof node === "object") {
        visit(node);
        Object.values(node).forEach((n) => walk(n, visit));
    }
}

function checkTeams(text, what, p) {
    check(Buffer.byteLength(text, "utf8") <= 28000, what + ": payload within 28000 bytes (" +
          Buffer.byteLength(text, "utf8") + ")");
    const doc = JSON.parse(text);
    check(doc.type === "message" && doc.attachments.length === 1, what + ": one attachment");
    const att = doc.attachments[0];
    check(att.contentType === "application/vnd.microsoft.card.adaptive", what + ": adaptive card");
    const content = att.content;
    check(content.type === "AdaptiveCard" && content.version === "1.4", what + ": AdaptiveCard 1.4");

    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext(AC.Versions.v1_4);
    card.parse(content, context);
    const events = [];
    for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
    check(events.length === 0, what + ": parses without events: " + JSON.stringify(events));
    const validation = card.validateProperties();
    check(validation.validationEvents.length === 0,
          what + ": validates without events: " + JSON.stringify(validation.validationEvents.map((e) => e.message)));
    check(card.getItemCount() > 0, what + ": the card has a body");

    let urls = 0;
    walk(content, (node) => {
        // Markdown is read in TextBlock and Fact text only: vulnwatch puts no text there.
        check(node.type !== "TextBlock" && node.type !== "FactSet", what + ": no markdown element (" + node.type + ")");
        if (node.type === "TextRun") {
            check(!CONTROL.test(node.text) && !node.text.includes("\n"), what + ": text run is one clean line");
        }
        if (typeof node.url === "string") {
            urls++;
            check(/^https?:\/\/[^\s]+$/.test(node.url) && !HOSTILE_LINK.test(node.url), what + ": url " + node.url);
        }
    });
    if (p.case === "plain") {
        check(urls === 1, what + ": the advisory link is there");
    } else if (p.case === "hostile") {
        check(urls === 0, what + ": a javascript: URL is no link");
    }
}

const services = { slack: checkSlack, teams: checkTeams, mattermost: checkMattermost, chatwork: checkChatwork };
for (const p of manifest.payloads) {
    const text = fs.readFileSync(path.join(dir, p.file), "utf8");
    const what = p.file;
    check(!text.includes("\ufffd\ufffd\ufffd\ufffd\ufffd") || p.case !== "plain", what + ": plain text stays intact");
    services[p.service](text, what, p);
}

console.log(`${checks} checks, ${failures} failed (${manifest.payloads.length} payloads, ` +
            `${manifest.webhooks.length} signed requests)`);
process.exit(failures === 0 ? 0 : 1);
