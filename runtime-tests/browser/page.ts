// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.
/// <reference lib="dom" />

// The browser host, bundled by run.ts into ../dist/browser.js: runs every
// test of the suite through the Deno.test shim, then the typed test of the
// browser build (dist_test.ts, compiled by tsc against dist/mod.d.ts), lists
// each result in the page and publishes them as `globalThis.suiteResults`
// for the driver (drive.mjs).
import { collect, fullName, runTest } from "../_shim.ts";
import { SUITE } from "../suite.ts";

/** One test's outcome, as drive.mjs prints it. */
interface Result {
  name: string;
  ok: boolean;
  skipped?: boolean;
  error?: string;
}

// Loaded by URL: tsc writes it when run.ts runs, after this bundle exists.
const typed = new URL("./browser/dist_test.js", import.meta.url).href;
const tests = await collect([
  ...SUITE,
  { path: "runtime-tests/browser/dist_test.ts", load: () => import(typed) },
]);
const list = document.getElementById("tests")!;
const results: Result[] = [];
for (const test of tests) {
  const name = fullName(test);
  let result: Result = { name, ok: true };
  if (test.ignore) {
    result = { name, ok: true, skipped: true };
  } else {
    try {
      await runTest(test);
    } catch (error) {
      const text = error instanceof Error
        ? error.stack ?? `${error.name}: ${error.message}`
        : String(error);
      result = { name, ok: false, error: text };
    }
  }
  results.push(result);
  const item = document.createElement("li");
  item.textContent = `${result.ok ? "ok" : "not ok"} ${name}`;
  list.append(item);
}
const failed = results.filter((r) => !r.ok).length;
document.getElementById("summary")!.textContent = `${
  results.length - failed
} passed, ${failed} failed`;
(globalThis as { suiteResults?: Result[] }).suiteResults = results;
