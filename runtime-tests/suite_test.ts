// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { codeOnly, findRuntimeGlobals } from "./_globals.ts";
import { DENO_ONLY, SUITE } from "./suite.ts";

const ROOT = new URL("../", import.meta.url);

/** The `*_test.ts` files beside the sources (not in folders). */
async function rootTestFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(ROOT)) {
    if (entry.isFile && entry.name.endsWith("_test.ts")) files.push(entry.name);
  }
  return files.sort();
}

Deno.test("suite.ts lists every test file beside the sources once, as shared or Deno-only", async () => {
  const shared = SUITE.map((file) => file.path);
  const denoOnly = Object.keys(DENO_ONLY);
  assert.deepEqual(shared.filter((path) => denoOnly.includes(path)), []);
  assert.equal(new Set(shared).size, shared.length);
  assert.deepEqual(await rootTestFiles(), [...shared, ...denoOnly].sort());
});

Deno.test("suite.ts loads each listed file from its own path", () => {
  for (const { path, load } of SUITE) {
    assert.match(String(load), new RegExp(`import\\("\\.\\./${path}"\\)`));
  }
});

Deno.test("suite.ts lists only runtime-neutral files: no Deno API but Deno.test, no using", async () => {
  const found: string[] = [];
  for (const { path } of SUITE) {
    const source = await Deno.readTextFile(new URL(path, ROOT));
    const code = codeOnly(source);
    const lines = code.split("\n");
    for (const use of findRuntimeGlobals(source)) {
      const line = lines[use.line - 1]!;
      const denoTest = /\bDeno\s*\.\s*(?:test\b|TestContext\b)/;
      if (use.name === "Deno" && denoTest.test(line)) continue;
      found.push(`${path}:${use.line}: ${use.name}`);
    }
    lines.forEach((line, i) => {
      if (/\b(?:await\s+)?using\s+[\w$]+\s*=/.test(line)) {
        found.push(`${path}:${i + 1}: using`);
      }
    });
  }
  assert.deepEqual(found, []);
});
