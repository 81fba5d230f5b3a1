// Opens a claim URL in headless Chromium (Debian's, driven by playwright-core),
// clicks Claim, then clicks Claim again from a second tab opened beforehand.
// Prints one JSON line per step on stdout for the Rust test that drives it.
// usage: node claim-click.mjs CLAIM_URL SCREENSHOT_DIR
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
const say = (event, extra = {}) => console.log(JSON.stringify({ event, ...extra }));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const first = await context.newPage();
  const second = await context.newPage();
  await first.goto(url);
  await second.goto(url);
  say("loaded", { title: await first.title(), text: await first.locator("main").innerText() });
  await first.screenshot({ path: `${shots}/claim-page.png`, fullPage: true });
  say("clicking");
  await Promise.all([first.waitForNavigation(), first.click("#claim")]);
  say("claimed", { status: await first.locator("#outcome").innerText() });
  await first.screenshot({ path: `${shots}/claim-done.png`, fullPage: true });
  await Promise.all([second.waitForNavigation(), second.click("#claim")]);
  say("second", { status: await second.locator("#outcome").innerText() });
} finally {
  await browser.close();
}
