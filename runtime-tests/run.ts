// Copyright 2026 the arcly authors. MIT license.

/**
 * `deno task test:runtimes`: runs the one behaviour suite (the test files
 * listed in `suite.ts`) on Deno, Bun, Node, workerd and headless Chromium
 * and prints one table. Deno runs the files natively; the other hosts run
 * them through the `Deno.test` shim (`_shim.ts`). It installs the pinned npm
 * tools with `npm ci` when missing or stale, builds the typed browser build
 * (`build.ts`), bundles each host with `deno bundle`, and fails any runtime
 * that fails a test or runs fewer tests than the suite has (counted by
 * `deno test --filter` over the same list). Chromium also runs
 * `browser/dist_test.ts`, type-checked with tsc against `dist/mod.d.ts`.
 *
 * Environment: `CHROMIUM_PATH` (default `/usr/bin/chromium`), `NODE` (default
 * `node`), `RUNTIMES` (a comma-separated subset, e.g. `deno,node`).
 *
 * @module
 */

import { SUITE } from "./suite.ts";
import { serveFolder } from "./browser/serve.ts";
import { renderWorker } from "./workerd/worker.ts";
import { build } from "./build.ts";
import {
  exists,
  HERE,
  installTools,
  mustRun,
  type Output,
  ROOT,
  run,
  tool,
} from "./_tools.ts";

const DIST = new URL("dist/", HERE);
const here = (path: string) => new URL(path, HERE).pathname;
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const NODE = Deno.env.get("NODE") ?? "node";
const TYPED_TEST = "runtime-tests/browser/dist_test.ts";

interface Row {
  runtime: string;
  version: string;
  passed: number;
  failed: number;
  expected: number;
  ok: boolean;
  note: string;
}

/** How many tests `deno test` finds in the files, without running them. */
async function countTests(paths: string[]): Promise<number> {
  const text = await mustRun(Deno.execPath(), [
    "test",
    "--no-check",
    "--filter",
    "/^$/",
    ...paths,
  ], ROOT);
  const count = text.match(/(\d+) filtered out/)?.[1];
  if (count === undefined) throw new Error(`no test count in:\n${text}`);
  return Number(count);
}

/** Builds dist/, bundles the hosts and compiles the typed browser test. */
async function bundle(expected: number): Promise<void> {
  await build();
  await Deno.remove(DIST, { recursive: true }).catch(() => {});
  await Deno.mkdir(DIST, { recursive: true });
  const deno = Deno.execPath();
  const common = ["bundle", "--platform", "browser", "--quiet"];
  const bundles: [string, string, string[]][] = [
    ["node.js", "node/host.ts", ["--sourcemap", "inline"]],
    ["suite.js", "_shim.ts", []],
    ["browser.js", "browser/page.ts", []],
    ["assert.js", "browser/assert.ts", []],
  ];
  // From the root: runtime-tests/package.json would switch deno to its
  // node_modules folder.
  for (const [out, entry, extra] of bundles) {
    await mustRun(deno, [
      ...common,
      ...extra,
      "-o",
      here(`dist/${out}`),
      here(entry),
    ], ROOT);
  }
  await Deno.writeTextFile(new URL("worker.js", DIST), renderWorker(expected));
  await mustRun(tool("tsc"), ["-p", "browser/tsconfig.json"]);
}

function count(text: string, pattern: RegExp): number | undefined {
  const match = text.match(pattern);
  return match === null ? undefined : Number(match[1]);
}

function row(
  runtime: string,
  version: string,
  out: Output,
  counts: {
    passed?: number | undefined;
    failed?: number | undefined;
    expected: number;
  },
): Row {
  const { expected } = counts;
  const passed = counts.passed ?? 0;
  const failed = counts.failed ?? 0;
  const ok = out.code === 0 && passed === expected && failed === 0;
  let note = "";
  if (version === "missing") note = "not installed";
  else if (counts.passed === undefined) note = "no result";
  else if (!ok && failed === 0 && passed < expected) {
    note = `ran ${passed} of ${expected}`;
  } else if (!ok && failed === 0) note = `exit ${out.code}`;
  return { runtime, version, passed, failed, expected, ok, note };
}

async function version(command: string, args: string[]): Promise<string> {
  const out = await run(command, args);
  return out.code === 0 ? out.text.trim().split("\n")[0]! : "?";
}

type Host = (expected: number, typed: number) => Promise<[Row, Output]>;

const hosts: Record<string, Host> = {
  async deno(expected) {
    const out = await run(Deno.execPath(), [
      "test",
      "--no-check",
      ...SUITE.map((file) => file.path),
    ], ROOT);
    // "ok | 108 passed (9 steps) | 0 failed | 5 ignored"
    const summary = out.text.match(/^\S* \| (\d+) passed.*$/m)?.[0] ?? "";
    const passed = count(summary, /(\d+) passed/);
    const ignored = count(summary, /(\d+) ignored/) ?? 0;
    const counts = {
      passed: passed === undefined ? undefined : passed + ignored,
      failed: count(summary, /(\d+) failed/),
      expected,
    };
    return [row("Deno", Deno.version.deno, out, counts), out];
  },
  async bun(expected) {
    const bun = tool("bun");
    const out = await run(bun, ["test", "--timeout", "60000", "./bun/host.ts"]);
    const passed = count(out.text, /^\s*(\d+) pass$/m);
    const skipped = count(out.text, /^\s*(\d+) skip$/m) ?? 0;
    const counts = {
      passed: passed === undefined ? undefined : passed + skipped,
      failed: count(out.text, /^\s*(\d+) fail$/m),
      expected,
    };
    return [row("Bun", await version(bun, ["--version"]), out, counts), out];
  },
  async node(expected) {
    const out = await run(NODE, [
      "--enable-source-maps",
      "--test",
      "--test-reporter=tap",
      "dist/node.js",
    ]);
    const passed = count(out.text, /^# pass (\d+)$/m);
    const skipped = count(out.text, /^# skipped (\d+)$/m) ?? 0;
    const counts = {
      passed: passed === undefined ? undefined : passed + skipped,
      failed: count(out.text, /^# fail (\d+)$/m),
      expected,
    };
    const v = (await version(NODE, ["--version"])).replace(/^v/, "");
    return [row("Node", v, out, counts), out];
  },
  async workerd(expected) {
    const workerd = tool("workerd");
    const out = await run(workerd, ["test", "workerd/config.capnp"]);
    const failed = out.text.match(/\[ FAIL \]/g)?.length ?? 0;
    const passed = out.text.match(/\[ PASS \]/g)?.length;
    const counts = {
      passed: passed ?? (failed > 0 ? 0 : undefined),
      failed,
      expected,
    };
    const v = (await version(workerd, ["--version"])).replace(/^workerd /, "");
    return [row("workerd", v, out, counts), out];
  },
  async chromium(expected, typed) {
    if (!await exists(CHROMIUM)) {
      const text =
        `Chromium is missing: ${CHROMIUM} does not exist. Install it with
  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium
or point CHROMIUM_PATH at a Chromium binary. (Never let a tool download a browser.)`;
      const out = { code: 1, text };
      return [row("Chromium", "missing", out, { expected }), out];
    }
    const server = serveFolder(ROOT);
    try {
      const page = "runtime-tests/browser/index.html";
      const url = `http://127.0.0.1:${server.addr.port}/${page}`;
      const out = await run(NODE, ["browser/drive.mjs", url, CHROMIUM]);
      const counts = {
        passed: count(out.text, /^# pass (\d+)$/m),
        failed: count(out.text, /^# fail (\d+)$/m),
        expected: expected + typed,
      };
      const v = out.text.match(/^# chromium (\S+)$/m)?.[1] ?? "?";
      return [row("Chromium", v, out, counts), out];
    } finally {
      await server.shutdown();
    }
  },
};

/** The lines of a host's output that say what failed. */
function excerpt(text: string): string {
  if (text.trim().split("\n").length <= 6) {
    return text.trimEnd().split("\n").map((l) => `  | ${l}`).join("\n");
  }
  const wanted =
    /not ok|\(fail\)|\[ FAIL \]|failed|Error|error:|missing|install|^\s+at /;
  const passing = /^\s*(?:ok |# Subtest|\(pass\))/;
  const lines = text.split("\n").filter((l) =>
    wanted.test(l) && !passing.test(l)
  );
  const shown = (lines.length > 0 ? lines : text.split("\n").slice(-20))
    .slice(0, 40);
  return shown.map((l) => `  | ${l.trimEnd()}`).join("\n");
}

function table(rows: Row[]): string {
  const head = ["runtime", "version", "passed", "failed", "result"];
  const body = rows.map((r) => [
    r.runtime,
    r.version,
    `${r.passed}/${r.expected}`,
    String(r.failed),
    r.ok ? "ok" : `FAIL${r.note ? ` (${r.note})` : ""}`,
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((cells) => cells[i]!.length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [head, widths.map((w) => "-".repeat(w)), ...body].map(line).join(
    "\n",
  );
}

async function main(): Promise<number> {
  const wanted = (Deno.env.get("RUNTIMES") ?? Object.keys(hosts).join(","))
    .split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const name of wanted) {
    if (!(name in hosts)) throw new Error(`unknown runtime ${name}`);
  }
  await installTools();
  const expected = await countTests(SUITE.map((file) => file.path));
  const typed = await countTests([TYPED_TEST]);
  await bundle(expected);
  console.log(
    `suite: ${expected} tests in ${SUITE.length} files (runtime-tests/suite.ts), ` +
      `and ${typed} typed browser-build test(s) on Chromium`,
  );
  const rows: Row[] = [];
  for (const name of wanted) {
    const start = performance.now();
    const [result, out] = await hosts[name]!(expected, typed);
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    console.log(
      `${result.ok ? "ok  " : "FAIL"} ${result.runtime} (${seconds} s)`,
    );
    await Deno.writeTextFile(new URL(`${name}.log`, DIST), out.text);
    if (!result.ok) {
      console.log(`  full output: runtime-tests/dist/${name}.log`);
      console.log(excerpt(out.text));
    }
    rows.push(result);
  }
  console.log(`\n${table(rows)}\n`);
  const failed = rows.filter((r) => !r.ok).length;
  console.log(`runtimes: ${rows.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
