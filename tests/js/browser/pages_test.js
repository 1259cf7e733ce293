// The pages of `vulnwatch serve` in a real browser (issue 13 "Tests"; docs/testing.md "Browser
// tests"): Debian's chromium driven by playwright-core (never a downloaded browser), axe-core
// injected in every page visited.
//
//   node pages_test.js CONFIG.json
//
// tests/e2e/test_web_browser.py builds the store, starts the server and writes CONFIG.json:
// {base, chromium, screenshots, users: {admin|triager|viewer: {name, password}}, hostile: [...],
// case, other_case, gateway_case, sbom, sbom_product, sbom_version, assignee, notice_case,
// notice}. Every check
// prints "ok   …" or "FAIL …"; the exit status is 1 when one failed. A page area that still
// answers the placeholder ("this page does not exist yet") is reported as "PENDING".
"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");
const axe = require("axe-core");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const failures = [];
const pending = [];
const screenshots = [];
const PLACEHOLDER = /このページはまだありません|this page does not exist yet/;

function check(condition, message) {
  console.log(`${condition ? "ok  " : "FAIL"} ${message}`);
  if (!condition) {
    failures.push(message);
  }
  return Boolean(condition);
}

function url(p) {
  return cfg.base + p;
}

// --- one browser tab per user, watched for dialogs, console errors and CSP violations -------

async function newTab(browser, who) {
  const context = await browser.newContext({
    baseURL: cfg.base,
    locale: "ja-JP",
    viewport: { width: 1280, height: 900 },
  });
  // Chromium also logs every CSP refusal as a console error; the event names the directive.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  const page = await context.newPage();
  page.who = who;
  page.problems = [];
  page.mainStatus = 0;
  page.allowConfirm = false;
  page.dialogs = [];
  page.on("dialog", async (dialog) => {
    // The only dialog our pages may open is the confirm() of a form[data-confirm]
    // (web/static/app.js), and only when the flow expects it. An alert is injected script.
    if (dialog.type() === "confirm" && page.allowConfirm) {
      await dialog.accept();
      return;
    }
    page.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
    if (who === "self-test") {
      return;
    }
    check(false, `${who}: no dialog opens by itself (a ${dialog.type()} said ` +
      `${JSON.stringify(dialog.message())} on ${page.url()})`);
  });
  page.on("console", (msg) => {
    if (msg.type() !== "error") {
      return;
    }
    const text = msg.text();
    // Chromium logs every 4xx/5xx answer as "Failed to load resource"; the response
    // listener below judges those with their URL (a refused form's 4xx is checked by the flow).
    if (/^Failed to load resource: the server responded with a status of \d+/.test(text)) {
      return;
    }
    page.problems.push(`console error on ${page.url()}: ${text}`);
  });
  page.on("pageerror", (err) => page.problems.push(`script error on ${page.url()}: ${err}`));
  page.on("response", (response) => {
    let navigation = false;
    try {
      navigation = response.request().isNavigationRequest() &&
        response.frame() === page.mainFrame();
    } catch (e) {
      return; // a response of a worker or of a closed frame: not the page's
    }
    if (navigation) {
      page.mainResponse = response;
      page.mainStatus = response.status();
    } else if (response.status() >= 400 && new URL(response.url()).pathname !== "/favicon.ico" &&
      !response.url().startsWith(`${cfg.base}/api/`)) {
      // A stylesheet, script or image of the page that failed. (Chromium asks for
      // /favicon.ico by itself; the layout names no icon, so that 404 is no page's fault.)
      page.problems.push(`${response.url()} answered ${response.status()}`);
    }
  });
  return page;
}

// Runs `action` (a click that submits, a goto) and waits for the document it leads to.
async function navigate(page, action) {
  page.mainResponse = null;
  await Promise.all([page.waitForEvent("load", { timeout: 20000 }), action()]);
  return page.mainResponse;
}

async function visit(page, p) {
  return navigate(page, () => page.goto(url(p), { waitUntil: "load" }));
}

// Whether the page is an area's placeholder; records it as pending.
async function placeholder(page, area) {
  const text = await page.locator("main").innerText().catch(() => "");
  if (page.mainStatus === 404 && PLACEHOLDER.test(text)) {
    check(false, `PENDING ${area}: ${page.url()} is still the placeholder; its flow did not run`);
    pending.push(area);
    return true;
  }
  return false;
}

// --- what every page is checked for ---------------------------------------------------------

async function axeCheck(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(axe.source);
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) {
    console.log(`  axe ${v.impact} ${v.id} on ${name}: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 5)) {
      console.log(`      ${node.target.join(" ")}: ${node.failureSummary.replace(/\n/g, " ")}`);
    }
  }
  check(bad.length === 0, `${name}: axe-core finds no serious or critical violation` +
    (bad.length ? ` (${bad.map((v) => v.id).join(", ")})` : ""));
}

// The violations of every impact (minor and moderate too) within the element `selector`: for a
// part of a page that should have none at all.
async function axeStrict(page, selector, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(axe.source);
  }
  const result = await page.evaluate((sel) =>
    window.axe.run(document.querySelector(sel), { resultTypes: ["violations"] }), selector);
  for (const v of result.violations) {
    console.log(`  axe ${v.impact} ${v.id} in ${selector} on ${name}: ${v.help}`);
    for (const node of v.nodes.slice(0, 5)) {
      console.log(`      ${node.target.join(" ")}: ${node.failureSummary.replace(/\n/g, " ")}`);
    }
  }
  check(result.violations.length === 0, `${name}: axe-core finds no violation at all in ` +
    `${selector}` + (result.violations.length ?
    ` (${result.violations.map((v) => `${v.id} ${v.impact}`).join(", ")})` : ""));
}

// The checks of every page a flow lands on: status, headers, language, nothing injected,
// accessibility, no console error; and a screenshot.
async function inspect(page, name, expectStatus = 200) {
  const response = page.mainResponse;
  check(response && response.status() === expectStatus,
    `${name}: ${page.url().replace(cfg.base, "")} answers ${expectStatus} ` +
    `(${response ? response.status() : "no response"})`);
  if (response) {
    const h = response.headers();
    const csp = h["content-security-policy"] || "";
    check(csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'") &&
      !csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"),
    `${name}: the page CSP without unsafe-inline (${csp})`);
    check(h["x-content-type-options"] === "nosniff", `${name}: X-Content-Type-Options nosniff`);
    check((h["content-type"] || "").startsWith("text/html"), `${name}: HTML`);
  }
  const dom = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    scripts: [...document.scripts].map((s) => s.src || `inline: ${s.textContent.slice(0, 60)}`),
    imgX: document.querySelectorAll("img[src='x']").length,
    handlers: [...document.querySelectorAll("*")]
      .filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name)))
      .map((e) => e.outerHTML.slice(0, 80)),
    styled: [...document.querySelectorAll("[style]")].map((e) => e.outerHTML.slice(0, 80)),
  }));
  check(dom.lang === "ja" || dom.lang === "en", `${name}: <html lang> is ja or en (${dom.lang})`);
  check(dom.scripts.every((s) => s === url("/static/app.js")),
    `${name}: the only script is /static/app.js (${dom.scripts.join(", ")})`);
  check(dom.imgX === 0 && dom.handlers.length === 0,
    `${name}: no element from the hostile titles, no on* handler (${dom.handlers.join(" | ")})`);
  check(dom.styled.length === 0, `${name}: no style= attribute (${dom.styled.join(" | ")})`);
  await axeCheck(page, name);
  const file = path.join(cfg.screenshots,
    `${String(screenshots.length + 1).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
  check(page.problems.length === 0, `${name}: no console error, script error or CSP violation` +
    (page.problems.length ? ` (${page.problems.join(" | ")})` : ""));
  page.problems = [];
}

// The hostile strings (all, or the one a case page shows) shown as text: visible, exactly as
// written.
async function hostileAsText(page, name, strings = cfg.hostile) {
  for (const s of strings) {
    const n = await page.getByText(s).count();
    const visible = n > 0 && (await page.getByText(s).first().isVisible());
    check(visible, `${name}: ${JSON.stringify(s)} is shown as text`);
  }
}

// The case as the REST API has it (GET with the tab's session cookie).
async function apiCase(page, id) {
  const r = await page.request.get(url(`/api/v1/cases/${id}`));
  return r.ok() ? r.json() : { state: `HTTP ${r.status()}`, events: [] };
}

async function csrfOf(page) {
  return page.locator("meta[name=csrf-token]").getAttribute("content");
}

// --- the flows --------------------------------------------------------------------------------

async function anonymousFlow(browser) {
  const page = await newTab(browser, "anonymous");
  await visit(page, "/cases");
  check(new URL(page.url()).pathname === "/login" &&
    new URL(page.url()).searchParams.get("next") === "/cases",
  `anonymous: GET /cases leads to /login?next=/cases (${page.url()})`);
  if (await placeholder(page, "login")) {
    return false;
  }
  await inspect(page, "login");
  check(await page.getByLabel(/ユーザー名|ユーザ名/).isVisible(),
    "login: the user field has a label");
  await page.fill("#login-user", cfg.users.triager.name);
  await page.fill("#login-password", "not the password 123");
  const r = await navigate(page, () => page.click("#login-submit"));
  const status = r ? r.status() : 0;
  await inspect(page, "login-failed", status);
  check(status >= 400 && status < 500, `login: a wrong password is refused with 4xx (${status})`);
  check(await page.locator("#login-error").isVisible(),
    "login: the refusal is shown (#login-error)");
  check(!(await page.context().cookies()).some((c) => c.name === "vw_session"),
    "login: no session cookie after a wrong password");
  await page.context().close();
  return true;
}

async function triagerFlow(browser) {
  const page = await newTab(browser, "triager");
  const me = cfg.users.triager;
  // Log in through /login, which returns to the page asked for (?next=/cases).
  await visit(page, "/cases");
  await page.fill("#login-user", me.name);
  await page.fill("#login-password", me.password);
  await navigate(page, () => page.click("#login-submit"));
  check(new URL(page.url()).pathname === "/cases",
    `login: back to ?next=/cases after the login (${page.url()})`);
  const cookie = (await page.context().cookies()).find((c) => c.name === "vw_session");
  check(cookie && cookie.httpOnly && cookie.sameSite === "Strict",
    "login: the session cookie is HttpOnly and SameSite=Strict");
  await visit(page, "/");
  if (!(await placeholder(page, "dashboard"))) {
    await inspect(page, "dashboard");
    check(await page.locator("header .user").innerText().then((t) => t.includes(me.name)),
      "dashboard: the header names the user");
    check(await page.locator("#cases-by-state").isVisible(), "dashboard: cases by state");
    check((await page.locator("#source-health").innerText().catch(() => "")).includes("jvndb-new"),
      "dashboard: the source health table lists the configured source");
    // The CSP at work: an inline script put into the page does not run, and is reported.
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.vwInjected = true;";
      document.body.append(s);
    });
    await page.waitForTimeout(200);
    check(!(await page.evaluate(() => window.vwInjected)) &&
      page.problems.some((p) => /CSP violation: script-src/.test(p)),
    "csp: an inline script put into the page is blocked and reported " +
    `(${page.problems.join(" | ")})`);
    page.problems = [];
  }

  // The case list and one case with a hostile title.
  await visit(page, "/cases");
  if (await placeholder(page, "cases")) {
    return page;
  }
  await inspect(page, "cases");
  await hostileAsText(page, "cases");
  const row = page.locator(`#case-row-${cfg.case}`);
  check(await row.isVisible(), `cases: case ${cfg.case} is listed (#case-row-${cfg.case})`);
  await navigate(page, () => row.locator(`a[href="/cases/${cfg.case}"]`).first().click());
  await inspect(page, "case");
  check(await page.getByText(cfg.hostile[0]).first().isVisible(),
    "case: the hostile title is shown as text");

  // Without the required field: the browser's own check stops it first ...
  const form = page.locator("#transition-confirming");
  check(await form.count() === 1, "case: a transition form to confirming (#transition-confirming)");
  await form.evaluate((f) => { f.closest("details").open = true; });
  const before = await apiCase(page, cfg.case);
  const assignee = form.locator("[name=assignee]");
  check(await assignee.getAttribute("required") !== null,
    "case: the assignee field is marked required");
  page.mainResponse = null;
  await form.locator("button[type=submit]").click();
  await page.waitForTimeout(500);
  check(await assignee.evaluate((e) => e.validity.valueMissing) && page.mainResponse === null &&
    new URL(page.url()).pathname === `/cases/${cfg.case}`,
  "case: the browser keeps an empty required field from being sent");
  // ... and the server refuses it when it is sent anyway (no browser check).
  await form.evaluate((f) => { f.noValidate = true; });
  await navigate(page, () => form.locator("button[type=submit]").click());
  await inspect(page, "case-refused", 422);
  const error = page.locator("#transition-error");
  check(await error.isVisible() && /assignee/.test(await error.innerText()),
    `case: the refusal names the missing field (${await error.innerText().catch(() => "")})`);
  check(await page.locator("#transition-confirming [name=assignee]").getAttribute("aria-invalid")
    === "true", "case: the missing field is marked aria-invalid");
  const refused = await apiCase(page, cfg.case);
  check(refused.state === before.state && refused.events.length === before.events.length,
    `case: nothing changed by the refused transition (${refused.state}, ` +
    `${refused.events.length} events)`);

  // With it: done, and the timeline shows it.
  const again = page.locator("#transition-confirming");
  await again.evaluate((f) => { f.closest("details").open = true; });
  await again.locator("[name=assignee]").fill(cfg.assignee);
  await navigate(page, () => again.locator("button[type=submit]").click());
  check(new URL(page.url()).pathname === `/cases/${cfg.case}`,
    `case: after the transition back on the case page (${page.url()})`);
  await inspect(page, "case-transitioned");
  const moved = page.locator("#case-timeline tr[data-kind=case-transition]");
  check(await moved.count() === 1 && (await moved.first().innerText()).includes(me.name),
    "case: the timeline shows the transition by the user");
  check((await page.locator("#case-fields").innerText().catch(() => "")).includes(cfg.assignee),
    "case: the assignee is shown");
  const after = await apiCase(page, cfg.case);
  check(after.state === "confirming", `case: the API says confirming now (${after.state})`);
  await hostileAsText(page, "case-transitioned", [cfg.hostile[0]]);
  return page;
}

// Posts without the CSRF token, with a forged Origin, from a page of another site.
async function forgeryFlow(page) {
  const target = `/cases/${cfg.other_case}/transition`;
  const before = await apiCase(page, cfg.other_case);
  const csrf = await csrfOf(page);
  const form = { to: "confirming", assignee: "forged" };
  let r = await page.request.post(url(target), { form, maxRedirects: 0 });
  check(r.status() === 403, `forgery: a post without the CSRF token is refused (${r.status()})`);
  r = await page.request.post(url(target), {
    form: { ...form, csrf },
    headers: { Origin: "http://evil.example" },
    maxRedirects: 0,
  });
  check(r.status() === 403, `forgery: a post from another Origin is refused (${r.status()})`);
  r = await page.request.post(url(target), {
    form: { ...form, csrf },
    headers: { "Sec-Fetch-Site": "cross-site" },
    maxRedirects: 0,
  });
  check(r.status() === 403, `forgery: Sec-Fetch-Site cross-site is refused (${r.status()})`);
  r = await page.request.post(url(target), {
    form: { ...form, csrf: "0".repeat(43) },
    maxRedirects: 0,
  });
  check(r.status() === 403, `forgery: a wrong CSRF token is refused (${r.status()})`);
  // The control: the same request with the right token and no foreign origin goes through (on
  // another case of the triager's), so the refusals above are the checks' doing.
  r = await page.request.post(url(`/cases/${cfg.gateway_case}/transition`), {
    form: { to: "confirming", assignee: "control", csrf },
    maxRedirects: 0,
  });
  check(r.status() === 303, `forgery: with the token it goes through (control on case ` +
    `${cfg.gateway_case}: ${r.status()})`);

  // The real form with its token taken out, submitted by the browser.
  await visit(page, `/cases/${cfg.other_case}`);
  await inspect(page, "case-other");
  await hostileAsText(page, "case-other", [cfg.hostile[1]]);
  const f = page.locator("#transition-confirming");
  await f.evaluate((el) => {
    el.closest("details").open = true;
    el.querySelector("[name=csrf]").remove();
  });
  await f.locator("[name=assignee]").fill("no token");
  await navigate(page, () => f.locator("button[type=submit]").click());
  await inspect(page, "case-no-csrf", 403);
  check(await page.locator("main [role=alert]").isVisible(),
    "forgery: the page says why the form was refused");

  // A page of another site with a form that posts here, submitted in the browser.
  await page.route("http://evil.example/**", (route) => route.fulfill({
    contentType: "text/html",
    body: `<!DOCTYPE html><html lang="en"><title>evil</title><body>` +
      `<form id="evil" method="post" action="${url(target)}">` +
      `<input name="csrf" value="${csrf}"><input name="to" value="confirming">` +
      `<input name="assignee" value="evil"><button>go</button></form></body></html>`,
  }));
  await page.goto("http://evil.example/");
  const evil = await navigate(page, () => page.click("#evil button"));
  check(evil && [401, 403].includes(evil.status()),
    `forgery: a form on another site posting here is refused (${evil ? evil.status() : "none"})`);
  page.problems = []; // the refusal's status on the other site's navigation
  const after = await apiCase(page, cfg.other_case);
  check(after.state === before.state && after.events.length === before.events.length,
    `forgery: the case is unchanged (${after.state}, ${after.events.length} events)`);
}

async function sbomFlow(page) {
  await visit(page, "/products");
  if (await placeholder(page, "products")) {
    return;
  }
  await inspect(page, "products");
  await navigate(page, () =>
    page.locator("a.product-link", { hasText: cfg.sbom_product }).first().click());
  await inspect(page, "product");
  const upload = page.locator("#sbom-upload");
  if (!check(await upload.count() === 1, "products: the SBOM upload form (#sbom-upload)")) {
    return;
  }
  // A multipart post is checked by the page itself: without the token, or from another
  // origin, it is refused before anything is stored.
  const action = url(await upload.getAttribute("action"));
  const file = { name: path.basename(cfg.sbom), mimeType: "application/json",
    buffer: fs.readFileSync(cfg.sbom) };
  let r = await page.request.post(action, {
    multipart: { version: cfg.sbom_version, format: "auto", sbom: file }, maxRedirects: 0 });
  check(r.status() === 403, `sbom: an upload without the CSRF token is refused (${r.status()})`);
  r = await page.request.post(action, {
    multipart: { csrf: await csrfOf(page), version: cfg.sbom_version, format: "auto", sbom: file },
    headers: { Origin: "http://evil.example" },
    maxRedirects: 0,
  });
  check(r.status() === 403, `sbom: an upload from another Origin is refused (${r.status()})`);

  await page.fill("#sbom-version", cfg.sbom_version);
  await page.setInputFiles("#sbom-file", cfg.sbom);
  await navigate(page, () => page.click("#sbom-upload-submit"));
  await inspect(page, "sbom-diff");
  const added = await page.locator("#sbom-added").innerText().catch(() => "");
  check(/zlib/.test(added) && /6\.1\.55/.test(added),
    "sbom: the diff lists the SBOM's components as added (#sbom-added: zlib, kernel 6.1.55)");
  let registry = JSON.stringify(await (await page.request.get(url("/api/v1/products"))).json());
  check(!registry.includes("zlib"), "sbom: nothing is in the registry before the commit");
  if (!check(await page.locator("#sbom-commit-submit").count() === 1,
    "sbom: a button to commit the import (#sbom-commit-submit)")) {
    return;
  }
  page.allowConfirm = true; // a form[data-confirm] may ask
  await navigate(page, () => page.click("#sbom-commit-submit"));
  page.allowConfirm = false;
  await inspect(page, "sbom-committed");
  check((await page.locator("main").innerText()).includes("zlib"),
    "sbom: the product page shows the imported components");
  registry = JSON.stringify(await (await page.request.get(url("/api/v1/products"))).json());
  check(registry.includes("6.1.55") && registry.includes("zlib"),
    "sbom: the registry has the SBOM's components after the commit");
}

// The case page's "Hospital notices" section with a notice (prepared by the administrator): its
// letters, a letter's preview opened, the approve form, then (approved here by the triager, a
// second person) the send form; in Japanese and English.
async function noticeFlow(page) {
  const id = cfg.notice;
  await visit(page, `/cases/${cfg.notice_case}`);
  const set = page.locator(`#notice-${id}`);
  if (!check(await set.count() === 1,
    `notice: the case page shows notice ${id} (#notice-${id})`)) {
    return;
  }
  const letters = set.locator("table.notice-letters tbody tr");
  check(await letters.count() === 3, `notice: its 3 letters (${await letters.count()})`);
  check(await set.getAttribute("data-state") === "draft", "notice: it is a draft");
  // One letter's preview opened, so that its text is checked too.
  await letters.first().locator("details.notice-preview summary").click();
  check(await letters.first().locator("pre.notice-body").isVisible() &&
    (await letters.first().locator("pre.notice-body").innerText()).includes("2.1"),
  "notice: a letter's preview shows the text to be sent (the fixed version 2.1)");
  const approve = page.locator(`#notice-approve-${id}`);
  check(await approve.count() === 1, `notice: the triager may approve (#notice-approve-${id})`);
  check(await page.locator(`#notice-send-${id}`).count() === 0,
    "notice: no send form before the approval");
  await inspect(page, "case-notice");
  await axeStrict(page, "#notices", "case-notice");
  if (await approve.count() !== 1) {
    return;
  }
  page.allowConfirm = true; // a form[data-confirm] may ask
  await navigate(page, () => page.locator(`#notice-approve-submit-${id}`).click());
  page.allowConfirm = false;
  check(new URL(page.url()).pathname === `/cases/${cfg.notice_case}`,
    `notice: after the approval back on the case page (${page.url()})`);
  check(await page.locator(`#notice-${id}`).getAttribute("data-state") === "approved",
    "notice: it is approved now");
  check(await page.locator(`#notice-send-${id}`).count() === 1,
    `notice: the send form follows (#notice-send-${id})`);
  await page.locator(`#notice-${id} details.notice-preview summary`).first().click();
  await inspect(page, "case-notice-approved");
  await axeStrict(page, "#notices", "case-notice-approved");
  // In English: the same section, its headings and labels English.
  await navigate(page, () => page.locator(".langswitch a[lang=en]").click());
  check(await page.evaluate(() => document.documentElement.lang) === "en",
    "notice: the case page in English");
  const heading = await page.locator("#h-notices").innerText().catch(() => "");
  check(heading !== "" && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(heading),
    `notice: the section's heading is English (${heading})`);
  check(await page.locator(`#notice-send-${id}`).count() === 1,
    "notice: the send form in English too");
  await page.locator(`#notice-${id} details.notice-preview summary`).first().click();
  await inspect(page, "case-notice-en");
  await axeStrict(page, "#notices", "case-notice-en");
  await navigate(page, () => page.locator(".langswitch a[lang=ja]").click());
  check(await page.evaluate(() => document.documentElement.lang) === "ja",
    "notice: and back to Japanese");
}

async function otherPages(page) {
  for (const [name, p, area] of [
    ["advisories", "/advisories", "advisories"],
    ["advisory", "/advisories/JVNDB-2026-900001", "advisories"],
    ["deliveries", "/deliveries", "deliveries"],
    ["audit", "/audit", "audit"],
  ]) {
    await visit(page, p);
    if (await placeholder(page, area)) {
      continue;
    }
    await inspect(page, name);
    if (name === "advisories") {
      await hostileAsText(page, name);
    }
    if (name === "advisory") {
      check(await page.getByText(cfg.hostile[0]).first().isVisible(),
        "advisory: the hostile title is shown as text");
    }
  }
  // The language switch: English, then back.
  await visit(page, `/cases/${cfg.case}`);
  await navigate(page, () => page.locator(".langswitch a[lang=en]").click());
  check(await page.evaluate(() => document.documentElement.lang) === "en" &&
    new URL(page.url()).pathname === `/cases/${cfg.case}`,
  "language: the switch shows the same page in English");
  await inspect(page, "case-en");
  const headings = await page.locator("main h2").allInnerTexts();
  check(headings.length > 0 && headings.every((h) => !/[\u3040-\u30ff\u4e00-\u9fff]/.test(h)),
    `language: the case page's headings are English (${headings.join(" / ")})`);
  // The other areas in English, for axe-core too (labels and lang="en").
  for (const [name, p] of [["dashboard-en", "/"], ["cases-en", "/cases"],
    ["products-en", "/products"], ["advisories-en", "/advisories"],
    ["deliveries-en", "/deliveries"], ["audit-en", "/audit"]]) {
    await visit(page, p);
    await inspect(page, name);
    check(await page.evaluate(() => document.documentElement.lang) === "en",
      `${name}: <html lang="en">`);
  }
  await visit(page, `/cases/${cfg.case}`);
  await navigate(page, () => page.locator(".langswitch a[lang=ja]").click());
  check(await page.evaluate(() => document.documentElement.lang) === "ja",
    "language: and back to Japanese");
}

async function logoutFlow(page) {
  const old = (await page.context().cookies()).find((c) => c.name === "vw_session");
  await navigate(page, () => page.locator("header form[action='/logout'] button").click());
  check(new URL(page.url()).pathname === "/login",
    `logout: the header's button logs out and shows the login page (${page.url()})`);
  await inspect(page, "logged-out");
  await visit(page, "/cases");
  check(new URL(page.url()).pathname === "/login",
    `logout: afterwards /cases leads to the login page (${page.url()})`);
  // The server ended the session: the old cookie, sent again, is refused.
  const r = await page.request.get(url("/api/v1/me"), {
    headers: { Cookie: `vw_session=${old ? old.value : ""}` },
  });
  check(old && r.status() === 401,
    `logout: the old session cookie is no longer accepted (${r.status()})`);
}

async function viewerFlow(browser) {
  const page = await newTab(browser, "viewer");
  // A login whose ?next= names another site ends on this one.
  await visit(page, "/login?next=" + encodeURIComponent("//evil.example/x"));
  await page.fill("#login-user", cfg.users.viewer.name);
  await page.fill("#login-password", cfg.users.viewer.password);
  await navigate(page, () => page.click("#login-submit"));
  check(page.url() === url("/"),
    `viewer: a login with next=//evil.example lands on / (${page.url()})`);
  await inspect(page, "viewer-dashboard");
  await visit(page, `/products/${encodeURIComponent(cfg.sbom_product)}`);
  await inspect(page, "product-viewer");
  check(await page.locator("#sbom-upload").count() === 0,
    "viewer: no SBOM upload form on the product page");
  await visit(page, `/cases/${cfg.other_case}`);
  await inspect(page, "case-viewer");
  check(await page.locator("form[id^=transition-]").count() === 0 &&
    await page.locator("form[action*='/transition']").count() === 0,
  "viewer: no transition forms on the case page");
  check(await page.locator("#case-no-transition").isVisible(),
    "viewer: the page says why there is nothing to do (#case-no-transition)");
  await hostileAsText(page, "case-viewer", [cfg.hostile[1]]);
  const before = await apiCase(page, cfg.other_case);
  const r = await page.request.post(url(`/cases/${cfg.other_case}/transition`), {
    form: { csrf: await csrfOf(page), to: "confirming", assignee: "viewer" },
    headers: { Origin: cfg.base },
    maxRedirects: 0,
  });
  check(r.status() === 403, `viewer: a forged transition post with the viewer's own token is ` +
    `refused with 403 (${r.status()})`);
  const after = await apiCase(page, cfg.other_case);
  check(after.state === before.state && after.events.length === before.events.length,
    "viewer: the case is unchanged");
  await page.context().close();
}

// The checks themselves can fail: axe-core finds the violations of a page written to have
// them, and an alert() is caught as a dialog (about:blank, no server involved).
async function selfTest(browser) {
  const page = await newTab(browser, "self-test");
  await page.setContent('<html><body><input type="text"><img src="data:,">' +
    '<p class="c">faint</p></body></html>');
  await page.evaluate(axe.source);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }));
  const ids = result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => v.id);
  await page.evaluate(() => setTimeout(() => window.alert("self-test"), 0));
  await page.waitForTimeout(300);
  const caught = page.dialogs.length === 1;
  check(ids.includes("label") && ids.includes("image-alt") && ids.includes("html-has-lang"),
    `self-test: axe-core reports a control without label, an image without alt and a page ` +
    `without lang (${ids.join(", ")})`);
  check(caught, "self-test: an alert() is caught as a dialog");
  await page.context().close();
}

async function main() {
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: cfg.chromium,
    // chromium's sandbox cannot run as root (CI containers); elsewhere it stays on.
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
    timeout: 60000,
  });
  try {
    console.log(`chromium ${browser.version()}, axe-core ${axe.version}, ${cfg.base}`);
    await selfTest(browser);
    if (await anonymousFlow(browser)) {
      const page = await triagerFlow(browser);
      if (!pending.includes("cases")) {
        await forgeryFlow(page);
      }
      await sbomFlow(page);
      await noticeFlow(page);
      await otherPages(page);
      await logoutFlow(page);
      await page.context().close();
      if (!pending.includes("cases")) {
        await viewerFlow(browser);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`\nscreenshots (${screenshots.length}):\n  ${screenshots.join("\n  ")}`);
  if (pending.length) {
    console.log(`\nPENDING (placeholders, not tested yet): ${pending.join(", ")}`);
  }
  console.log(`${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length) {
    console.log(`\nfailed:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.log(`FAIL the browser flows stopped: ${err.stack || err}`);
  process.exit(1);
});
