// Copyright 2026 the arcly authors. MIT license.

// The Node host: `run.ts` bundles this file with the suite into
// ../dist/node.js (Node 20 has no type stripping), which runs under
// `node --test`, one node:test test per Deno.test, named "file > test".
import { test } from "node:test";
import { collect, fullName, runTest } from "../_shim.ts";

for (const t of await collect()) {
  test(fullName(t), { skip: t.ignore }, () => runTest(t));
}
