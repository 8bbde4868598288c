// Copyright 2026 the arcly authors. MIT license.

// The Node host: one `node --test` test per case, on the bundled ESM that
// `deno task test:runtimes` writes to ../dist (the package as npm users get it).
import { test } from "node:test";
// Loaded by URL: the bundle exists only after run.ts built it, and a static
// import would make `deno check` on a fresh clone fail to find it.
const { cases } = await import(
  new URL("../dist/cases.js", import.meta.url).href
);

for (const { name, fn } of cases) test(name, fn);
