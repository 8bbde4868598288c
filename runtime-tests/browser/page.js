// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The browser host: runs every case of the bundled suite in order, lists each
// result in the page and publishes them as `globalThis.caseResults` for the
// driver (drive.mjs). The page has no test framework: browsers have none.
// Loaded by URL: the bundle exists only after run.ts built it, and a static
// import would make `deno check` on a fresh clone fail to find it.
const { cases } = await import(
  new URL("../dist/cases.js", import.meta.url).href
);

const list = document.getElementById("cases");
const results = [];
for (const { name, fn } of cases) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  results.push(
    error === undefined ? { name, ok: true } : { name, ok: false, error },
  );
  const item = document.createElement("li");
  item.className = error === undefined ? "pass" : "fail";
  item.textContent = error === undefined
    ? `ok ${name}`
    : `not ok ${name}: ${error}`;
  list.append(item);
}
const failed = results.filter((r) => !r.ok).length;
document.getElementById("summary").textContent = `${
  results.length - failed
} passed, ${failed} failed`;
document.title = "@arcly/bus cases: done";
globalThis.caseResults = results;
