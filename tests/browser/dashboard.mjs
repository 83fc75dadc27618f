// Opens the dashboard as an analyst, then as an auditor, against a seeded API; checks what a person
// would look for and saves screenshots. Exits non-zero on the first thing that is not there.
// Environment: BASE_URL, ANALYST_TOKEN, AUDITOR_TOKEN, SCREENSHOTS (a folder), CHROMIUM (optional).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const { BASE_URL, ANALYST_TOKEN, AUDITOR_TOKEN, SCREENSHOTS } = process.env;
mkdirSync(SCREENSHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 120_000,
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  // On a machine busy with other work a step can outlast Playwright's 30 s default; the C# test
  // bounds the whole script, so each step may take its time.
  page.setDefaultTimeout(120_000);
  page.setDefaultNavigationTimeout(120_000);
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  // Refused requests (the analyst's 403 on history) are logged by the browser too; only script
  // errors count as problems.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text());
  });

  await page.goto(`${BASE_URL}/dashboard`);
  await page.fill("#token", ANALYST_TOKEN);
  await page.click("#sign-in button");
  await page.waitForSelector("body[data-loaded=true]");

  const totals = await page.textContent("#totals");
  assert.match(totals, /11\.9 kg/, "the seized fentanyl");
  assert.match(totals, /Arrests\s*$|21/m, "the arrests");
  assert.match(totals, /Fentanyl confirmed by laboratories/, "the laboratories' confirmed grams");
  const drawn = await page.evaluate(() =>
    Object.fromEntries(["seizures", "sentences", "arrests", "funnel", "exhibits"].map((id) => [id, window.Chart.getChart(id)?.data.datasets[0].data])));
  assert.deepEqual(drawn.exhibits, [2, 0, 0, 0], "the two fentanyl exhibits, back in the store");
  assert.deepEqual(drawn.seizures, [11.9, 19.1], "seizures by substance in kg");
  assert.equal(drawn.sentences.reduce((a, b) => a + b, 0), 9, "nine sentences");
  assert.deepEqual(drawn.funnel, [50, 25, 3, 3], "the referral funnel");
  assert.ok(drawn.arrests.reduce((a, b) => a + b, 0) > 20, "more than 20 arrests over time");
  assert.match(await page.textContent("#case-rows"), /XT-2017-001/);
  await page.screenshot({ path: join(SCREENSHOTS, "dashboard-analyst.png"), fullPage: true });

  await page.click("#case-rows tr:has-text('XT-2017-001')");
  await page.waitForSelector("#message:has-text('for auditors')");

  // The analyst's load left the mark set; cleared, the wait below is for the auditor's load, and the
  // click after it cannot land on a table that is about to be replaced.
  await page.evaluate(() => { delete document.body.dataset.loaded; });
  await page.fill("#token", AUDITOR_TOKEN);
  await page.click("#sign-in button");
  await page.waitForSelector("body[data-loaded=true]");
  await page.click("#case-rows tr:has-text('XT-2017-001')");
  await page.waitForSelector("#by-occurred li");
  const occurred = await page.$$eval("#by-occurred li", (items) => items.length);
  const recorded = await page.$$eval("#by-recorded li", (items) => items.length);
  assert.ok(occurred >= 78 && occurred === recorded, `both clocks list every event (${occurred}, ${recorded})`);
  assert.equal(await page.$$eval("#by-occurred li.retracted del", (items) => items.length), 1, "the retracted entry is struck through");
  assert.match(await page.textContent("#by-occurred li:first-child"), /2017-05-15.*TipReceived/, "business time puts the 2017 tip first");
  // Every kind of event is described from its fields alone, ids left out.
  const seized = await page.textContent("#by-occurred li:has-text('DrugsSeized')");
  assert.match(seized, /substance: fentanyl/, "a seizure reads its fields by name");
  assert.doesNotMatch(seized, /[0-9a-f]{8}-[0-9a-f]{4}-/, "and names no id");
  await page.screenshot({ path: join(SCREENSHOTS, "dashboard-timeline.png"), fullPage: true });

  // The person view: Liu Yong, with the second file merged into him, and who else may be him.
  await page.fill("#person-name", "liu yong");
  await page.click("#people-search button");
  await page.waitForSelector("#person-rows tr");
  assert.equal(await page.$$eval("#person-rows tr", (rows) => rows.length), 1, "the merged file is found as its survivor");
  await page.click("#person-rows tr");
  await page.waitForSelector("#person:not([hidden]) #merged-ids code");
  assert.equal(await page.$$eval("#merged-ids code", (items) => items.length), 1, "one merged id");
  assert.match(await page.textContent("#person-facts"), /Lao Liu/, "the merged file's alias");
  assert.ok(await page.$$eval("#duplicates li", (items) => items.length) >= 1, "a possible-duplicates list");
  await page.screenshot({ path: join(SCREENSHOTS, "dashboard-person.png"), fullPage: true });

  assert.deepEqual(problems, [], "no script errors");
  console.log("dashboard: ok");
} finally {
  await browser.close();
}
