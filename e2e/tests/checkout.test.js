// Browser tests of Kasa's hosted checkout in real headless Chromium
// (Debian's /usr/bin/chromium; Playwright downloads no browser). One
// `kasa demo` is built and started for the whole file: Kasa with its bank
// simulators, the demo merchant, and the demo shop.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const card = { number: "4355084355084358", grouped: "4355 0843 5508 4358", exp: "1230", cvc: "000", holder: "Ayşe Yılmaz" };

let tmp, kasa, kasaExited, api, shop, key, context;

// startDemo runs `kasa demo` on free ports and reads the URLs it prints.
async function startDemo(bin, dataDir) {
  const proc = spawn(bin, ["demo", "--addr", "127.0.0.1:0", "--shop-addr", "127.0.0.1:0", "--data-dir", dataDir],
    { stdio: ["ignore", "pipe", "pipe"] });
  kasaExited = new Promise((resolve) => proc.on("exit", resolve));
  let out = "";
  let errOut = "";
  proc.stderr.on("data", (d) => { errOut += d; });
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("kasa demo did not start:\n" + out + errOut)), 30000);
    proc.on("exit", (code) => reject(new Error(`kasa demo exited (${code}):\n${out}${errOut}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      const a = /^\s*API:\s+(\S+)\/v1$/m.exec(out);
      const s = /^\s*Demo shop:\s+(\S+)$/m.exec(out);
      if (a && s) {
        clearTimeout(timer);
        resolve({ api: a[1], shop: s[1].replace(/\/$/, "") });
      }
    });
  });
  return { proc, ...urls };
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "kasa-e2e-"));
  const bin = path.join(tmp, "kasa");
  execFileSync("go", ["build", "-o", bin, "./cmd/kasa"], { cwd: root, stdio: "inherit" });
  const dataDir = path.join(tmp, "data");
  const demo = await startDemo(bin, dataDir);
  kasa = demo.proc;
  api = demo.api;
  shop = demo.shop;
  key = readFileSync(path.join(dataDir, "demo-api-key"), "utf8").trim();
  context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 800 },
    locale: "tr-TR",
  });
});

after(async () => {
  await context?.close();
  if (kasa && kasa.exitCode === null) {
    kasa.kill("SIGTERM");
    await kasaExited;
  }
  if (tmp) {
    rmSync(tmp, { recursive: true, force: true });
  }
});

async function call(method, urlPath, body) {
  const res = await fetch(api + urlPath, {
    method,
    headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${urlPath}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function paymentLink(extra = {}) {
  return call("POST", "/v1/payment_links", {
    amount: 24990, currency: "TRY", description: "Yoga dersi / Yoga class", installments: [2, 3], ...extra,
  });
}

// fillCard types the card as a customer would, checking the page's help.
async function fillCard(page) {
  await page.locator("#number").pressSequentially(card.number);
  assert.equal(await page.inputValue("#number"), card.grouped);
  assert.equal(await page.textContent("#brand"), "VISA");
  await page.locator("#exp").pressSequentially(card.exp);
  assert.equal(await page.inputValue("#exp"), "12/30");
  await page.locator("#cvc").pressSequentially(card.cvc);
  await page.fill("#holder", card.holder);
}

// acs answers the simulated bank's 3-D Secure page.
async function acs(page, { code, cancel }) {
  await page.waitForSelector("#code");
  if (cancel) {
    await page.click("#cancel");
    return;
  }
  await page.fill("#code", code);
  await page.click("#submit");
}

test("payment link: card, 3-D Secure, return URL with a succeeded payment", { timeout: 90000 }, async () => {
  const link = await paymentLink({ return_url: shop + "/thanks" });
  const page = await context.newPage();
  try {
    await page.goto(link.url);
    assert.match(page.url(), /\/checkout\/cs_/);
    assert.match(await page.textContent(".desc"), /Yoga dersi/);
    assert.equal(await page.textContent(".merchant"), "Demo Shop");
    assert.equal(await page.textContent("#amount"), "249,90 ₺");
    await fillCard(page);
    await page.click("#submit");
    await acs(page, { code: "123456" });
    await page.waitForURL(shop + "/thanks?**");
    const ret = new URL(page.url());
    assert.equal(ret.searchParams.get("status"), "succeeded");
    assert.match(await page.textContent("#result"), /Teşekkürler/);
    // The query is only a hint: the API is the truth.
    const p = await call("GET", "/v1/payments/" + ret.searchParams.get("payment_id"));
    assert.equal(p.status, "succeeded");
    assert.equal(p.amount, 24990);
    assert.equal(p.card.last4, "4358");
    assert.equal(p.three_d.model, "3d_pay");
    const list = await call("GET", `/v1/payment_links/${link.id}/payments`);
    assert.deepEqual(list.data.map((x) => x.id), [p.id]);
    const cs = await call("GET", "/v1/checkout_sessions/" + ret.searchParams.get("checkout_session_id"));
    assert.equal(cs.status, "complete");
    assert.equal(cs.payment_id, p.id);
  } finally {
    await page.close();
  }
});

for (const [name, answer] of [["a wrong SMS code", { code: "000000" }], ["cancel on the ACS page", { cancel: true }]]) {
  test(`3-D Secure declined by ${name}: back on the checkout page, payment declined`, { timeout: 90000 }, async () => {
    const link = await paymentLink({ return_url: shop + "/thanks" });
    const page = await context.newPage();
    try {
      await page.goto(link.url);
      await fillCard(page);
      await page.click("#submit");
      await acs(page, answer);
      await page.waitForSelector("#decline");
      assert.match(page.url(), /\/checkout\/cs_/);
      // The bank returns to the page in the browser's language (Turkish here).
      assert.match(await page.textContent("#decline"), /3-D Secure doğrulaması tamamlanmadı/);
      assert.doesNotMatch(await page.textContent("#decline"), /banka kodu/);
      assert.equal(await page.inputValue("#number"), "", "the card number is never written back");
      const paymentID = new URL(page.url()).searchParams.get("payment_id");
      const p = await call("GET", "/v1/payments/" + paymentID);
      assert.equal(p.status, "declined");
      assert.equal(p.bank.decline_reason, "authentication_failed");
    } finally {
      await page.close();
    }
  });
}

test("demo shop: Buy → checkout → 3-D Secure → thank-you page", { timeout: 90000 }, async () => {
  const page = await context.newPage();
  try {
    await page.goto(shop + "/");
    await page.click("#buy");
    await page.waitForURL(api + "/checkout/**");
    assert.equal(await page.textContent("#amount"), "349,90 ₺");
    await fillCard(page);
    await page.check('input[name="installments"][value="3"]');
    await page.click("#submit");
    await acs(page, { code: "123456" });
    await page.waitForURL(shop + "/thanks?**");
    assert.match(await page.textContent("#result"), /Teşekkürler/);
    assert.equal(await page.textContent("#status"), "succeeded");
    const p = await call("GET", "/v1/payments/" + (await page.textContent("#payment-id")));
    assert.equal(p.installments, 3);
    assert.equal(p.amount, 34990);
  } finally {
    await page.close();
  }
});

test("screenshots of the checkout page, desktop and phone", { timeout: 60000 }, async () => {
  const link = await paymentLink({ description: "Türk kahvesi seti / Turkish coffee set", amount: 34990, installments: [2, 3, 6] });
  const dir = path.join(root, "docs", "screenshots");
  mkdirSync(dir, { recursive: true });
  for (const [name, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]]) {
    const page = await context.newPage();
    try {
      await page.setViewportSize(viewport);
      await page.goto(link.url);
      await page.locator("#number").pressSequentially(card.number);
      // Issue #6: once the BIN is typed, the table shows the router's offer
      // for this card: the demo's 6 instalments carry a 6 % commission the
      // customer pays (349,90 ₺ → 370,89 ₺).
      await page.waitForFunction(() => document.querySelector("fieldset.installments").textContent.includes("370,89"));
      await page.locator("#exp").pressSequentially(card.exp);
      await page.fill("#holder", card.holder);
      await page.locator("#cvc").focus();
      await page.screenshot({ path: path.join(dir, `checkout-${name}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  }
});

test("CSP: headers on the page, injected third-party and inline scripts blocked", { timeout: 60000 }, async () => {
  // A real third-party origin, so that a failed block would show as a run script.
  const skimmer = createServer((_, res) => {
    res.writeHead(200, { "Content-Type": "text/javascript" });
    res.end("window.__skimmed = true;");
  });
  await new Promise((resolve) => skimmer.listen(0, "127.0.0.1", resolve));
  const skimURL = `http://127.0.0.1:${skimmer.address().port}/skim.js`;
  const link = await paymentLink();
  const page = await context.newPage();
  try {
    const res = await page.goto(link.url);
    const h = res.headers();
    assert.match(h["content-security-policy"], /script-src 'self'/);
    assert.match(h["content-security-policy"], /frame-ancestors 'none'/);
    assert.doesNotMatch(h["content-security-policy"], /unsafe-inline/);
    assert.equal(h["cache-control"], "no-store");
    // The page's own script ran (it is allowed, and SRI matched).
    await page.locator("#number").pressSequentially("9792");
    assert.equal(await page.textContent("#brand"), "TROY");

    const result = await page.evaluate(async (src) => {
      const violations = [];
      document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective + " " + e.blockedURI));
      // Trusted Types refuse a plain string as a script URL at once...
      let trustedTypesBlocked = false;
      try {
        const s = document.createElement("script");
        s.src = src;
      } catch (e) {
        trustedTypesBlocked = e instanceof TypeError;
      }
      // ...and with a policy that lets it through, script-src still blocks it.
      const policy = trustedTypes.createPolicy("test-injection", { createScriptURL: (u) => u, createScript: (c) => c });
      const ext = document.createElement("script");
      ext.src = policy.createScriptURL(src);
      const loaded = new Promise((resolve) => { ext.onload = () => resolve("loaded"); ext.onerror = () => resolve("error"); });
      document.head.appendChild(ext);
      const inline = document.createElement("script");
      inline.text = policy.createScript("window.__inline = true;");
      document.head.appendChild(inline);
      const outcome = await Promise.race([loaded, new Promise((r) => setTimeout(() => r("timeout"), 3000))]);
      await new Promise((r) => setTimeout(r, 200));
      return { trustedTypesBlocked, outcome, violations, skimmed: !!window.__skimmed, inline: !!window.__inline };
    }, skimURL);
    assert.equal(result.trustedTypesBlocked, true, "Trusted Types accepted a string script URL");
    assert.equal(result.skimmed, false, "the third-party script ran");
    assert.equal(result.inline, false, "the inline script ran");
    assert.ok(result.violations.some((v) => v.startsWith("script-src") && v.includes(skimURL)), JSON.stringify(result));
    assert.ok(result.violations.some((v) => v.startsWith("script-src") && v.includes("inline")), JSON.stringify(result));
  } finally {
    await page.close();
    skimmer.close();
  }
});
