// Copyright 2026 the arcly authors. MIT license.

/**
 * `deno task test:runtimes`: runs the one behaviour suite (`cases.ts`) on
 * Deno, Bun, Node, workerd and headless Chromium, each through its own thin
 * host, and prints one table. It installs the pinned npm tools
 * (`package-lock.json`) with `npm ci` when they are missing or stale, bundles
 * the package and the cases with `deno bundle`, and fails when any runtime
 * fails a case or runs fewer cases than the suite has.
 *
 * Environment: `CHROMIUM_PATH` (default `/usr/bin/chromium`), `NODE` (default
 * `node`), `RUNTIMES` (a comma-separated subset, e.g. `deno,node`).
 *
 * @module
 */

import { cases } from "./cases.ts";
import { serveFolder } from "./browser/serve.ts";
import { renderWorker } from "./workerd/worker.ts";

const HERE = new URL("./", import.meta.url);
const ROOT = new URL("../", HERE);
const DIST = new URL("dist/", HERE);
const BIN = new URL("node_modules/.bin/", HERE);
const here = (path: string) => new URL(path, HERE).pathname;
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const NODE = Deno.env.get("NODE") ?? "node";
const TIMEOUT_MS = 180_000;
const EXPECTED = cases.length;

interface Row {
  runtime: string;
  version: string;
  passed: number;
  failed: number;
  ok: boolean;
  note: string;
}

interface Output {
  code: number;
  text: string;
}

function env(): Record<string, string> {
  return { NO_COLOR: "1", FORCE_COLOR: "0" };
}

async function run(
  command: string,
  args: string[],
  cwd: URL = HERE,
): Promise<Output> {
  try {
    const out = await new Deno.Command(command, {
      args,
      cwd,
      env: env(),
      stdin: "null",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      text: decoder.decode(out.stdout) + decoder.decode(out.stderr),
    };
  } catch (error) {
    return { code: -1, text: `${command} ${args.join(" ")}: ${error}` };
  }
}

async function mustRun(command: string, args: string[], cwd?: URL) {
  const out = await run(command, args, cwd);
  if (out.code !== 0) {
    console.error(out.text);
    throw new Error(`${command} ${args.join(" ")} failed (exit ${out.code})`);
  }
  return out.text;
}

async function exists(path: string | URL): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function mtime(path: URL): Promise<number> {
  return (await Deno.stat(path)).mtime?.getTime() ?? 0;
}

/** Runs `npm ci` unless node_modules matches package-lock.json already. */
async function installTools(): Promise<void> {
  const marker = new URL("node_modules/.package-lock.json", HERE);
  const lock = new URL("package-lock.json", HERE);
  if (
    await exists(marker) && await mtime(marker) >= await mtime(lock) &&
    await exists(new URL("bun", BIN)) && await exists(new URL("workerd", BIN))
  ) return;
  console.log("installing pinned tools: npm ci (runtime-tests/)");
  await mustRun("npm", ["ci", "--no-audit", "--no-fund"]);
}

/** Bundles the package and the cases, and renders the workerd module. */
async function bundle(): Promise<void> {
  await Deno.mkdir(DIST, { recursive: true });
  const deno = Deno.execPath();
  const common = ["bundle", "--platform", "browser", "--quiet"];
  await mustRun(deno, [...common, "-o", here("dist/mod.js"), "mod.ts"], ROOT);
  await mustRun(deno, [
    ...common,
    "--external",
    "../mod.ts",
    "-o",
    here("dist/cases.js"),
    "runtime-tests/cases.ts",
  ], ROOT);
  // The cases import the package bundle, not a second copy of the sources.
  const file = new URL("cases.js", DIST);
  const text = await Deno.readTextFile(file);
  const parts = text.split('from "../mod.ts"');
  if (parts.length !== 2) {
    throw new Error("dist/cases.js: expected one import of ../mod.ts");
  }
  await Deno.writeTextFile(file, parts.join('from "./mod.js"'));
  await Deno.writeTextFile(new URL("worker.js", DIST), renderWorker(EXPECTED));
}

function count(text: string, pattern: RegExp): number | undefined {
  const match = text.match(pattern);
  return match === null ? undefined : Number(match[1]);
}

function row(
  runtime: string,
  version: string,
  out: Output,
  passed: number | undefined,
  failed: number | undefined,
): Row {
  const p = passed ?? 0;
  const f = failed ?? 0;
  const ok = out.code === 0 && p === EXPECTED && f === 0;
  let note = "";
  if (version === "missing") note = "not installed";
  else if (passed === undefined) note = "no result";
  else if (!ok && f === 0 && p < EXPECTED) note = `ran ${p} of ${EXPECTED}`;
  else if (!ok && f === 0) note = `exit ${out.code}`;
  return { runtime, version, passed: p, failed: f, ok, note };
}

async function version(command: string, args: string[]): Promise<string> {
  const out = await run(command, args);
  return out.code === 0 ? out.text.trim().split("\n")[0]! : "?";
}

const hosts: Record<string, () => Promise<[Row, Output]>> = {
  async deno() {
    const out = await run(Deno.execPath(), [
      "test",
      "--no-check",
      "runtime-tests/deno/",
    ], ROOT);
    const passed = count(out.text, /(\d+) passed/);
    const failed = count(out.text, /(\d+) failed/);
    return [row("Deno", Deno.version.deno, out, passed, failed), out];
  },
  async bun() {
    const bun = here("node_modules/.bin/bun");
    const out = await run(bun, ["test", "./bun/host.ts"]);
    const passed = count(out.text, /^\s*(\d+) pass$/m);
    const failed = count(out.text, /^\s*(\d+) fail$/m);
    return [
      row("Bun", await version(bun, ["--version"]), out, passed, failed),
      out,
    ];
  },
  async node() {
    const out = await run(NODE, [
      "--test",
      "--test-reporter=tap",
      "node/host.mjs",
    ]);
    const passed = count(out.text, /^# pass (\d+)$/m);
    const failed = count(out.text, /^# fail (\d+)$/m);
    const v = (await version(NODE, ["--version"])).replace(/^v/, "");
    return [row("Node", v, out, passed, failed), out];
  },
  async workerd() {
    const workerd = here("node_modules/.bin/workerd");
    const out = await run(workerd, ["test", "workerd/config.capnp"]);
    const passed = out.text.match(/\[ PASS \]/g)?.length;
    const failed = out.text.match(/\[ FAIL \]/g)?.length ?? 0;
    const v = (await version(workerd, ["--version"])).replace(/^workerd /, "");
    return [row("workerd", v, out, passed, failed), out];
  },
  async chromium() {
    if (!await exists(CHROMIUM)) {
      const text =
        `Chromium is missing: ${CHROMIUM} does not exist. Install it with
  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium
or point CHROMIUM_PATH at a Chromium binary. (Never let a tool download a browser.)`;
      const out = { code: 1, text };
      return [row("Chromium", "missing", out, undefined, undefined), out];
    }
    const server = serveFolder(HERE);
    try {
      const url = `http://127.0.0.1:${server.addr.port}/browser/index.html`;
      const out = await run(NODE, ["browser/drive.mjs", url, CHROMIUM]);
      const passed = count(out.text, /^# pass (\d+)$/m);
      const failed = count(out.text, /^# fail (\d+)$/m);
      const v = out.text.match(/^# chromium (\S+)$/m)?.[1] ?? "?";
      return [row("Chromium", v, out, passed, failed), out];
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
    /not ok|\(fail\)|\[ FAIL \]|case failed|Error|error:|missing|install/;
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
    `${r.passed}/${EXPECTED}`,
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
  await bundle();
  console.log(`suite: ${EXPECTED} cases (runtime-tests/cases.ts)`);
  const rows: Row[] = [];
  for (const name of wanted) {
    const start = performance.now();
    const [result, out] = await hosts[name]!();
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
