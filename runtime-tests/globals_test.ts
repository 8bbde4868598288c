// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { findRuntimeGlobals, globMatcher } from "./_globals.ts";

const ROOT = new URL("../", import.meta.url);

/** Every file under the repository root, as relative paths. */
async function walk(dir: URL, prefix = ""): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = prefix + entry.name;
    if (entry.isDirectory) {
      if ([".git", "node_modules", "dist", ".cache"].includes(entry.name)) {
        continue;
      }
      paths.push(...await walk(new URL(`${entry.name}/`, dir), `${path}/`));
    } else if (entry.isFile) {
      paths.push(path);
    }
  }
  return paths;
}

/** The source files `deno publish` ships, from deno.json's publish lists. */
async function publishedSources(): Promise<string[]> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  );
  const include = (config.publish.include as string[]).map(globMatcher);
  const exclude = ((config.publish.exclude ?? []) as string[]).map(globMatcher);
  return (await walk(ROOT))
    .filter((path) => include.some((match) => match(path)))
    .filter((path) => !exclude.some((match) => match(path)))
    .filter((path) => /\.(?:[cm]?[jt]s|[jt]sx)$/.test(path))
    .sort();
}

Deno.test("published sources use no runtime-specific global", async () => {
  const files = await publishedSources();
  assert.ok(files.includes("mod.ts"), `mod.ts is published: ${files}`);
  assert.ok(files.includes("bus.ts"), `bus.ts is published: ${files}`);
  assert.ok(!files.some((f) => f.endsWith("_test.ts")), "tests are not");
  const found: string[] = [];
  for (const file of files) {
    const source = await Deno.readTextFile(new URL(file, ROOT));
    for (const use of findRuntimeGlobals(source)) {
      found.push(`${file}:${use.line}: ${use.name}`);
    }
  }
  assert.deepEqual(found, []);
});

Deno.test("findRuntimeGlobals() finds globals in code, not in comments, strings or property names", () => {
  const source = [
    "// Runs on Deno, Bun and Node (process, require, Buffer)",
    "/* Deno.exit() */",
    'const text = "process.env and Bun.file";',
    "const tpl = `Deno ${Deno.version.deno} on ${'Bun'}`;",
    "const env = process.env;",
    "options.process = 1; this.#Buffer = 2; obj?.require;",
    "const b = globalThis.Bun ?? self?.Buffer;",
    "const m = require('x');",
    "const bytes: Buffer = x; const mine = processed + Denoise;",
  ].join("\n");
  assert.deepEqual(findRuntimeGlobals(source), [
    { name: "Deno", line: 4 },
    { name: "process", line: 5 },
    { name: "Bun", line: 7 },
    { name: "Buffer", line: 7 },
    { name: "require", line: 8 },
    { name: "Buffer", line: 9 },
  ]);
});

Deno.test("globMatcher() matches deno.json publish globs like deno publish does", () => {
  assert.equal(globMatcher("_*.ts")("_topic.ts"), true);
  assert.equal(globMatcher("_*.ts")("sub/_topic.ts"), false);
  assert.equal(globMatcher("**/*_test.ts")("bus_test.ts"), true);
  assert.equal(globMatcher("**/*_test.ts")("a/b/bus_test.ts"), true);
  assert.equal(globMatcher("mod.ts")("mod.ts"), true);
  assert.equal(globMatcher("mod.ts")("xmod.ts"), false);
  assert.equal(globMatcher("src")("src/a.ts"), true);
  assert.equal(globMatcher("./bus.ts")("bus.ts"), true);
  assert.equal(globMatcher("bench/")("bench/_peers.ts"), true);
  assert.equal(globMatcher("bench/")("benchmarks.ts"), false);
});
