// Copyright 2026 the arcly authors. MIT license.

// The Bun host: `bun test` runs the suite's TypeScript files directly, one
// bun test per Deno.test, named "file > test". `bun test` provides `test` as
// a global; importing it from "bun:test" would keep `deno check` from
// resolving this file.
import { collect, fullName, runTest } from "../_shim.ts";

declare const test: {
  (name: string, fn: () => Promise<void>): void;
  skip(name: string, fn: () => Promise<void>): void;
};

for (const t of await collect()) {
  (t.ignore ? test.skip : test)(fullName(t), () => runTest(t));
}
