// Copyright 2026 the arcly authors. MIT license.

// Opens the page in headless Chromium (Debian's) with playwright-core and
// prints globalThis.result as JSON. Usage: node drive.mjs <url> [chromium]
import { createRequire } from "node:module";
import { CHROMIUM_FLAGS } from "../../runtime-tests/browser/chromium_flags.mjs";

// playwright-core is CommonJS, and `deno check` must not resolve it.
const { chromium } = createRequire(import.meta.url)("playwright-core");

const [url, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: CHROMIUM_FLAGS,
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error}`));
  await page.goto(url);
  await page.waitForFunction(() => globalThis.result !== undefined, null, {
    timeout: 30_000,
  });
  console.log(JSON.stringify(await page.evaluate(() => globalThis.result)));
} finally {
  await browser.close();
}
