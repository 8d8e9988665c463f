// Browser test of the merchant dashboard (issue #7) in headless Chromium:
// sign in as the demo owner, add a Garanti POS on its page pointing at the
// demo's Garanti simulator, test the connection, take a payment through the
// API, find it, refund half with the confirmation step, and see the
// timeline and the analytics change. Screenshots: docs/screenshots/dashboard-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const shots = path.join(root, "docs", "screenshots");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

let tmp, kasa, kasaExited, api, key, owner, context;

async function startDemo(bin, dataDir) {
  const proc = spawn(bin, ["demo", "--addr", "127.0.0.1:0", "--shop-addr", "127.0.0.1:0", "--data-dir", dataDir],
    { stdio: ["ignore", "pipe", "pipe"] });
  kasaExited = new Promise((resolve) => proc.on("exit", resolve));
  let out = "";
  let errOut = "";
  proc.stderr.on("data", (d) => { errOut += d; });
  const got = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("kasa demo did not start:\n" + out + errOut)), 30000);
    proc.on("exit", (code) => reject(new Error(`kasa demo exited (${code}):\n${out}${errOut}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      const a = /^\s*API:\s+(\S+)\/v1$/m.exec(out);
      const o = /^\s*Dashboard:\s+\S+\s+e-mail (\S+)\s+password (\S+)$/m.exec(out);
      if (a && o) {
        clearTimeout(timer);
        resolve({ api: a[1], email: o[1], password: o[2] });
      }
    });
  });
  return { proc, ...got };
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "kasa-e2e-dash-"));
  const bin = path.join(tmp, "kasa");
  execFileSync("go", ["build", "-o", bin, "./cmd/kasa"], { cwd: root, stdio: "inherit" });
  const dataDir = path.join(tmp, "data");
  const demo = await startDemo(bin, dataDir);
  kasa = demo.proc;
  api = demo.api;
  owner = { email: demo.email, password: demo.password };
  key = readFileSync(path.join(dataDir, "demo-api-key"), "utf8").trim();
  mkdirSync(shots, { recursive: true });
  context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
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

async function call(method, urlPath, body, headers = {}) {
  const res = await fetch(api + urlPath, {
    method,
    headers: { Authorization: "Bearer " + key, "Content-Type": "application/json", ...headers },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test("dashboard: sign in, Garanti POS, test connection, payment, half refund, timeline, analytics", async () => {
  const page = await context.newPage();
  const csp = [];
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });

  // Sign in.
  await page.goto(api + "/dashboard/login");
  await page.fill("input[name=email]", owner.email);
  await page.fill("input[name=password]", owner.password);
  await Promise.all([page.waitForURL(/\/dashboard\/payments/), page.click("button[type=submit]")]);
  assert.match(await page.textContent("header"), /owner@demo\.kasa\.test/);

  // Analytics before the payment.
  await page.goto(api + "/dashboard/analytics");
  const countBefore = Number((await page.textContent("#totals tbody tr:first-child td:nth-child(2)").catch(() => "0")) || 0);

  // The demo's Garanti simulator, as the API lists the demo's garanti POS.
  const list = await call("GET", "/v1/pos");
  const sim = list.body.data.find((p) => p.protocol === "garanti");
  assert.ok(sim, "demo has a garanti POS");

  // Add a Garanti POS on its page.
  await page.goto(api + "/dashboard/pos");
  await Promise.all([page.waitForURL(/pos-new\/garanti/), page.click("#add-garanti")]);
  await page.fill("input[name=name]", "Garanti (dashboard)");
  await page.fill("input[name=api_url]", sim.endpoints.api);
  await page.fill("input[name=three_d_url]", sim.endpoints.three_d_gate || "");
  await page.fill("input[name=cred_merchant_id]", "7000679");
  await page.fill("input[name=cred_terminal_id]", "30691298");
  await page.fill("input[name=cred_provaut_password]", "123qweASD/");
  await page.fill("input[name=cred_provrfn_password]", "123qweASD/");
  await page.fill("input[name=cred_store_key]", "12345678");
  await page.fill("input[name=cred_mode]", "TEST");
  await page.selectOption("select[name=three_d_model]", "3d");
  await Promise.all([page.waitForURL(/\/dashboard\/pos\/pos_/), page.click("#save")]);
  const posID = /\/dashboard\/pos\/(pos_[A-Za-z0-9]+)/.exec(page.url())[1];
  // Secrets are shown only as set.
  assert.equal(await page.inputValue("input[name=cred_provaut_password]"), "");
  assert.doesNotMatch(await page.content(), /123qweASD/);

  // Test connection.
  await Promise.all([page.waitForLoadState("load"), page.click("#test-connection")]);
  const result = await page.textContent("#test-result");
  assert.match(result, /approved \/ not_found/);
  assert.match(result, /\d+ ms/);
  await page.screenshot({ path: path.join(shots, "dashboard-pos.png"), fullPage: true });

  // A payment through the API on that POS.
  const orderID = "DASH-" + Date.now();
  const pay = await call("POST", "/v1/payments", {
    amount: 12550, currency: "TRY", capture: true, installments: 1, three_d: "none", pos_id: posID,
    order_id: orderID, description: "dashboard e2e",
    card: { number: "4282209004348015", expiry_month: 8, expiry_year: 2030, cvv: "123", holder: "Ayşe Yılmaz" },
    customer: { email: "ayse@example.com", ip: "203.0.113.7" },
  }, { "Idempotency-Key": "dash-" + Date.now() });
  assert.equal(pay.status, 201, JSON.stringify(pay.body));
  assert.equal(pay.body.status, "succeeded");

  // Find it in the list.
  await page.goto(api + "/dashboard/payments?order_id=" + orderID);
  const row = page.locator("#payments tbody tr");
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /125,50 ₺/);
  await page.goto(api + "/dashboard/payments");
  await page.screenshot({ path: path.join(shots, "dashboard-payments.png"), fullPage: true });
  await page.goto(api + "/dashboard/payments?order_id=" + orderID);
  await Promise.all([page.waitForURL(/\/dashboard\/payments\/pay_/), row.locator("a").click()]);

  // Refund half, with the confirmation step.
  await page.fill("#refund-amount", "62,75");
  await Promise.all([page.waitForLoadState("load"), page.click("#refund")]);
  assert.match(await page.textContent("#confirm"), /62,75 ₺/);
  await Promise.all([page.waitForURL(/flash=refund/), page.click("#confirm button[type=submit]")]);
  assert.match(await page.textContent("#refunded"), /62,75 ₺/);
  assert.match(await page.textContent("#status"), /partially_refunded/);
  const timeline = await page.textContent("#timeline");
  assert.match(timeline, /sale/);
  assert.match(timeline, /(refund|void)/);
  assert.match(timeline, /\d+ ms/);
  await page.screenshot({ path: path.join(shots, "dashboard-payment.png"), fullPage: true });

  // Analytics changed.
  await page.goto(api + "/dashboard/analytics");
  const countAfter = Number(await page.textContent("#totals tbody tr:first-child td:nth-child(2)"));
  assert.ok(countAfter > countBefore, `count ${countBefore} → ${countAfter}`);
  assert.match(await page.textContent("#totals"), /62,75 ₺|₺/);
  assert.ok(await page.locator("svg.chart").count() >= 2);
  await page.screenshot({ path: path.join(shots, "dashboard-analytics.png"), fullPage: true });

  assert.deepEqual(csp, [], "no CSP violations");
  await page.close();
});
