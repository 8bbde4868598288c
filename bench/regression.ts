// Copyright 2026 the arcly authors. MIT license.

/**
 * Regression against a commit: the package as it is now, an identical copy
 * of it (the control: the noise floor) and the package as committed at
 * `--base` (default `1659136`, the emit speed issue #12 holds the package
 * to), each with its own driver, measured in one process and interleaved as
 * `bench/round.ts` does; that in `--processes` processes (default 5), and
 * the median of the per-process ratios printed per case:
 *
 * - `now/base`: this tree's time over the base's (above 1: slower now);
 * - `control/now`: the copy's time over this tree's (the noise: about 1).
 *
 * With the range over the processes: V8 does not make the same inlining
 * choices in every process (the cases before one change the feedback it
 * sees), so a case can land at one of two speeds; hence medians of several
 * processes.
 *
 * Options: `--base REV` (or a folder: a path with a `/` in it, holding a
 * `mod.ts`, used as it is), `--processes N`, `--filter REGEX` (case names of
 * `bench/_suite.ts`; default the emit cases), `--json` (every process's
 * figures on stdout). Needs `git`:
 *
 * ```sh
 * deno task bench:regression --base 1659136 --filter "not awaited"
 * ```
 *
 * @module
 */

import { runCase } from "./round.ts";
import {
  BASE,
  cases,
  CONTROL,
  isModule,
  loadDrivers,
  median,
  OURS,
  run,
} from "./_suite.ts";

const IMPLS = [OURS, CONTROL, BASE];

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
}

function git(args: string[]): Promise<string> {
  return run("git", args);
}

/**
 * The package's modules (`isModule`) as committed at `rev`, written into a
 * new temporary folder, which the caller removes.
 */
async function checkoutModules(rev: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "arcly_bus_base_" });
  const paths = (await git(["ls-tree", "-r", "--name-only", rev]))
    .split("\n").filter(isModule);
  for (const path of paths) {
    const file = `${dir}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, await git(["show", `${rev}:${path}`]));
  }
  return dir;
}

/** What one process measured: ns per operation, by case and impl. */
type Figures = Record<string, Record<string, number>>;

/** One process: every selected case, for this tree, the control and the base. */
async function child(baseDir: string, filter: RegExp): Promise<Figures> {
  using loaded = await loadDrivers(
    IMPLS,
    false,
    new URL(`file://${baseDir}/`),
  );
  const figures: Figures = {};
  for (const c of cases()) {
    if (!filter.test(c.name)) continue;
    const result = await runCase({ ...c, impls: IMPLS }, loaded.drivers);
    figures[c.name] = result.ns;
  }
  return figures;
}

async function parent(): Promise<void> {
  const rev = arg("--base", "1659136");
  const processes = Number(arg("--processes", "5"));
  const filter = arg("--filter", "^emit");
  // A folder (a path with a "/") is used as it is: a prototype to compare.
  const folder = rev.includes("/");
  const commit = folder
    ? rev
    : (await git(["rev-parse", "--short", rev])).trim();
  const baseDir = folder
    ? await Deno.realPath(rev)
    : await checkoutModules(rev);
  const all: Figures[] = [];
  try {
    for (let p = 0; p < processes; p++) {
      const output = await run("deno", [
        "run",
        "--allow-read",
        "--allow-write",
        "--v8-flags=--expose-gc",
        new URL(import.meta.url).pathname,
        "--child",
        baseDir,
        "--filter",
        filter,
      ]);
      all.push(JSON.parse(output));
      console.error(`process ${p + 1} of ${processes} done`);
    }
  } finally {
    if (!folder) await Deno.remove(baseDir, { recursive: true });
  }
  console.error(
    `\nmedians of ${processes} processes; base ${commit}; ` +
      `now/base above 1 is slower now`,
  );
  console.error(
    "case | now ns | base ns | now/base (min-max) | control/now (min-max)",
  );
  for (const name of Object.keys(all[0]!)) {
    const of = (impl: string) => median(all.map((f) => f[name]![impl]!));
    const ratio = (a: string, b: string) => {
      const values = all.map((f) => f[name]![a]! / f[name]![b]!);
      return `${median(values).toFixed(3)} (${Math.min(...values).toFixed(2)}-${
        Math.max(...values).toFixed(2)
      })`;
    };
    console.error(
      `${name} | ${of(OURS).toFixed(1)} | ${of(BASE).toFixed(1)} | ` +
        `${ratio(OURS, BASE)} | ${ratio(CONTROL, OURS)}`,
    );
  }
  if (Deno.args.includes("--json")) console.log(JSON.stringify(all));
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--child");
  if (i >= 0) {
    const figures = await child(
      Deno.args[i + 1]!,
      new RegExp(arg("--filter", "^emit")),
    );
    console.log(JSON.stringify(figures));
  } else {
    await parent();
  }
}
