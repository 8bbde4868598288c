// Copyright 2026 the arcly authors. MIT license.

// Drives headless Chromium (Debian's, never a downloaded build) with
// playwright-core: opens the suite page, waits for its results and prints
// them as TAP. Usage: node drive.mjs <page url> [chromium path]
import { createRequire } from "node:module";
import { CHROMIUM_FLAGS } from "./chromium_flags.mjs";

// Loaded with require (playwright-core is CommonJS) so that `deno check`, which
// sees this file but not runtime-tests/node_modules, has nothing to resolve.
const { chromium } = createRequire(import.meta.url)("playwright-core");

const [url, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (url === undefined) {
  console.error("usage: node drive.mjs <page url> [chromium path]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: CHROMIUM_FLAGS,
});
let failed = 0;
try {
  console.log(`# chromium ${browser.version()}`);
  const page = await browser.newPage();
  page.on("pageerror", (error) => {
    console.error(`page error: ${error.stack ?? error}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`console: ${message.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(
    () => globalThis.suiteResults !== undefined,
    null,
    {
      timeout: 60_000,
    },
  );
  const results = await page.evaluate(() => globalThis.suiteResults);
  console.log(`1..${results.length}`);
  results.forEach((result, i) => {
    if (result.ok) {
      console.log(
        `ok ${i + 1} - ${result.name}${result.skipped ? " # SKIP" : ""}`,
      );
    } else {
      failed++;
      const error = result.error.replaceAll("\n", "\n#   ");
      console.log(`not ok ${i + 1} - ${result.name}\n#   ${error}`);
    }
  });
  console.log(`# pass ${results.length - failed}`);
  console.log(`# fail ${failed}`);
} finally {
  await browser.close();
}
process.exitCode = failed === 0 ? 0 : 1;
