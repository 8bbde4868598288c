// Copyright 2026 the arcly authors. MIT license.

/**
 * `deno task bench:report`: runs `bench/round.ts` in several processes
 * (rounds), then `bench/memory.ts` and `bench/size.ts`, and writes
 * `docs/benchmarks.md`, `docs/benchmarks.json` and `docs/benchmarks.svg`.
 * The Markdown compares the new ratios with those of the committed report
 * (`git show HEAD:docs/benchmarks.json`).
 *
 * Options: `--rounds N` (default 5); `--from FILE` to rebuild the documents
 * from a saved `docs/benchmarks.json` without measuring again; `--against
 * REV` to compare with the report committed at REV (default HEAD).
 *
 * @module
 */

import type { MemoryReport } from "./memory.ts";
import type { SizeReport } from "./size.ts";
import {
  BIG_CYCLE,
  CONTROL_RANGE,
  CYCLE,
  RATE,
  type RoundResult,
} from "./round.ts";
import {
  ASYNC_COUNTS,
  CHURN_COUNTS,
  CONTROL,
  FLOOR,
  IMPLS,
  LISTENER_COUNTS,
  median,
  OURS,
  run,
  SCALE_COUNTS,
} from "./_suite.ts";
import { barChart, short } from "./_svg.ts";

/** Everything the documents are drawn from. */
interface Data {
  format: 2;
  date: string;
  machine: Record<string, string>;
  /** Seconds the whole report took to measure. */
  seconds: number;
  /** Every round run, in order, including those whose control missed. */
  rounds: RoundResult[];
  memory: MemoryReport;
  size: SizeReport;
}

/** The committed report before this format: p75 per run, by bench name. */
interface OldData {
  date: string;
  samples?: Record<string, number[]>;
  memory?: MemoryReport;
}

const root = new URL("../", import.meta.url);
const names = IMPLS.map((impl) => impl.name);
/** Extra rounds when a case has fewer than MIN_LANDED rounds with its control in range. */
const MAX_EXTRA_ROUNDS = 2;
const MIN_LANDED = 3;
/** No extra round starts after this many seconds. */
const BUDGET_SECONDS = 480;
const V8_FLAGS = "--v8-flags=--expose-gc";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

async function machine(): Promise<Record<string, string>> {
  // Deno reads /proc only with every permission, which `deno eval` has.
  const model = (await run("deno", [
    "eval",
    `try {
      const info = Deno.readTextFileSync("/proc/cpuinfo");
      console.log(/^model name\\s*:\\s*(.+)$/m.exec(info)?.[1] ?? "unknown");
    } catch { console.log("unknown"); }`,
  ])).trim();
  const memory = Deno.systemMemoryInfo();
  return {
    cpu: `${model}, ${navigator.hardwareConcurrency} cores`,
    memory: `${(memory.total / 2 ** 30).toFixed(0)} GiB`,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    runtime:
      `Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript}`,
  };
}

function load(): string {
  return Deno.loadavg().map((value) => value.toFixed(2)).join(", ");
}

// -- reading the rounds --

function caseNames(data: Data): string[] {
  return Object.keys(data.rounds[0]?.cases ?? {});
}

/** Rounds whose control landed for `name`; every round if none did. */
function usable(data: Data, name: string): RoundResult[] {
  const landed = data.rounds.filter((r) => r.cases[name]?.landed);
  return landed.length > 0
    ? landed
    : data.rounds.filter((r) => r.cases[name] !== undefined);
}

/** Median ns per operation of `impl` in `name`. */
function ns(data: Data, name: string, impl: string): number | undefined {
  const values = usable(data, name).map((r) => r.cases[name]!.ns[impl])
    .filter((value) => value !== undefined);
  return values.length === 0 ? undefined : median(values);
}

/**
 * How many times faster this package is than `impl` in `name`: the median
 * over rounds of `impl`'s time over ours, each taken within one process.
 */
function ratio(data: Data, name: string, impl: string): number | undefined {
  const values = usable(data, name).map((r) => {
    const c = r.cases[name]!;
    return c.ns[impl] === undefined ? undefined : c.ns[impl]! / c.ns[OURS]!;
  }).filter((value) => value !== undefined);
  return values.length === 0 ? undefined : median(values);
}

/** Cost per subscription at 100k over that at 10k, within each round. */
function growth(data: Data, kind: string, impl: string): number | undefined {
  const big = `scale ${kind} 100000`;
  const small = `scale ${kind} 10000`;
  const values = data.rounds.filter((r) =>
    r.cases[big]?.ns[impl] !== undefined && r.cases[small] !== undefined
  ).map((r) => r.cases[big]!.ns[impl]! / r.cases[small]!.ns[impl]!);
  return values.length === 0 ? undefined : median(values);
}

/** The previous report's ratios, by case and implementation. */
function oldRatios(old: OldData): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  if ((old as Partial<Data>).format === 2) {
    const data = old as unknown as Data;
    for (const name of caseNames(data)) {
      const row = new Map<string, number>();
      for (const impl of names) {
        const value = ratio(data, name, impl);
        if (value !== undefined && impl !== OURS) row.set(impl, value);
      }
      out.set(name, row);
    }
    return out;
  }
  for (const [key, values] of Object.entries(old.samples ?? {})) {
    const [name, impl] = key.split(": ") as [string, string];
    const ours = old.samples![`${name}: ${OURS}`];
    if (impl === OURS || ours === undefined) continue;
    if (!out.has(name)) out.set(name, new Map());
    out.get(name)!.set(impl, median(values.map((v, i) => v / ours[i]!)));
  }
  return out;
}

// -- formatting --

function fmtRatio(value: number | undefined): string {
  if (value === undefined) return "–";
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}x`;
}

function fmtNs(value: number | undefined): string {
  if (value === undefined) return "–";
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} ms`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(2)} µs`;
  return `${value.toFixed(value < 10 ? 1 : 0)} ns`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(head),
    line(head.map((_, i) => (i === 0 ? "---" : "---:"))),
    ...rows.map(line),
  ].join("\n");
}

/** Operations per second of ours, and each other's ratio, for `rows`. */
function rateTable(data: Data, rows: [string, string][]): string {
  return table(
    ["", ...names],
    rows.map(([label, name]) => [
      label,
      ...names.map((impl) => {
        const t = ns(data, name, impl);
        if (t === undefined) return "–";
        const rate = `${short(1e9 / t)}/s`;
        return impl === OURS
          ? `**${rate}**`
          : `${rate} (${fmtRatio(ratio(data, name, impl))})`;
      }),
    ]),
  );
}

interface Target {
  from: string;
  what: string;
  goal: string;
  measured: string;
  held: boolean;
}

/** Ratio targets: issue, case, peer, the least ratio that holds. */
const RATIO_TARGETS: [string, string, string, number][] = [
  ["#12", "scale hot 10000", "mitt", 1],
  ["#12", "churn 1000", "mitt", 1],
  ["#12", "churn 1000", "eventemitter3", 1.2],
  ["#12", "emit 1 async", FLOOR, 0.95],
  ["#12", "emit 10 async", FLOOR, 0.9],
  ["earlier", "emit 10 sync", "emittery", 40],
  ["earlier", "emit 10 sync", "eventemitter3", 1.5],
  ["earlier", "emit 10 sync", "tseep", 0.8],
  ["earlier", "emit 100 sync", "eventemitter3", 3],
];

function targets(data: Data): Target[] {
  const list: Target[] = [];
  const add = (
    [from, what, goal]: [string, string, string],
    value: number | undefined,
    held: (value: number) => boolean,
    unit = "x",
  ) =>
    list.push({
      from,
      what,
      goal,
      measured: value === undefined
        ? "–"
        : unit === "x"
        ? `${value.toPrecision(3)}x`
        : `${value.toFixed(unit === "B" ? 0 : 2)} ${unit}`,
      held: value !== undefined && held(value),
    });
  const mem = data.memory.peers[OURS];
  add(
    ["#12", "memory per subscription, one event", "≤ 170 B (stretch 130)"],
    mem?.hot,
    (v) => v <= 170,
    "B",
  );
  add(
    ["#12", "memory per subscription, one event each", "≤ 380 B (stretch 250)"],
    mem?.spread,
    (v) => v <= 380,
    "B",
  );
  const spread = ratio(data, "scale spread 10000", "eventemitter3");
  add(
    ["#12", "scale spread 10000: our time / eventemitter3's", "≤ 2.2x"],
    spread === undefined ? undefined : 1 / spread,
    (v) => v <= 2.2,
  );
  for (const [from, name, peer, min] of RATIO_TARGETS) {
    add(
      [from, `${name}, vs ${peer}`, `≥ ${min}x`],
      ratio(data, name, peer),
      (v) => v >= min,
    );
  }
  add(
    ["#12", "mod.ts minified + gzipped", "≤ 6.0 KB"],
    data.size.bundles["mod.ts"]?.gzipped,
    (v) => v <= 6000,
    "B",
  );
  add(
    ["earlier", "0 listeners: bytes allocated per emit", "0"],
    mem?.emit["0"],
    (v) => v < 1,
    "B/emit",
  );
  for (const kind of ["spread", "hot"]) {
    add(
      ["earlier", `scale ${kind}: cost per op at 100k / at 10k`, "≤ 3x"],
      growth(data, kind, OURS),
      (v) => v <= 3,
    );
  }
  return list;
}

// -- the documents --

function method(data: Data): string[] {
  const landedRounds =
    data.rounds.filter((r) => Object.values(r.cases).every((c) => c.landed))
      .length;
  return [
    "## Method",
    "",
    `- **Rounds.** ${data.rounds.length} rounds, each one \`deno run\` process ` +
    "running every case for every implementation (`bench/round.ts`). " +
    "Ratios are taken within one round, where both sides met the same " +
    "machine; the tables show their median over rounds, and times are " +
    "medians over rounds too.",
    "- **A driver per implementation.** V8 keeps type feedback per function " +
    "literal, so a driver loop shared by all implementations sees all of " +
    "them, and the first to run gets the best machine code. Each " +
    "implementation therefore runs its own module instance of " +
    "`bench/_driver.ts` (imported as `./_driver.ts?impl=<name>`): its own " +
    "listeners, emit loop, warm-up and adapter code.",
    "- **Random order.** In each case the implementations are set up and " +
    `warmed up (${RATE.warmMs} ms; ${CYCLE.warmMs} ms for the scaling ` +
    "cases, one cycle at 100k) in a random order; then they are sampled " +
    `in turn, ${RATE.samples} samples of about ${RATE.sampleMs} ms each ` +
    `(${CYCLE.samples} of about ${CYCLE.sampleMs} ms after a full GC for ` +
    `the scaling cases, ${BIG_CYCLE.samples} single cycles at 100k; ` +
    "peers slower than 100 ms per cycle get 3), in a new random order for " +
    "every sample, so drifts of a shared machine hit all of them alike. " +
    "The figure of a case is the 25th percentile of its samples: on a " +
    "shared machine disturbances only add time. " +
    "(`bench/round.ts --shared-driver` runs everything through one " +
    "driver instance instead, to see the effect of sharing.)",
    "- **Control.** `control` is an identical copy of this package's " +
    "modules, loaded from a temporary directory: a module graph of its " +
    "own. Its time over the package's must land in " +
    `${CONTROL_RANGE[0]}–${CONTROL_RANGE[1]}; a case where it does not is ` +
    "measured again in the same round (at most 3 times). Rows use only the " +
    "rounds where their control landed; when a case had fewer than " +
    `${MIN_LANDED} such rounds, up to ${MAX_EXTRA_ROUNDS} more rounds ran. ` +
    `${landedRounds} of ${data.rounds.length} rounds had every control in ` +
    "range; the table below gives each case's control.",
    "- **Floor.** `floor` is a minimal async bus of about 40 lines " +
    "(`bench/_floor.ts`): a `Set` per event, an array of it rebuilt on the " +
    "first emit after a change, every listener started synchronously, " +
    "thenables awaited with a countdown, errors as one `AggregateError`. " +
    "It is what a plain loop costs, without this package's guarantees.",
    "- **Awaiting.** An awaited emit awaits whatever the emitter returns: " +
    "mitt, eventemitter3, tseep and EventTarget return before async " +
    "listeners settle, so their async rows measure less work than those " +
    "of this package, emittery and the floor. Not-awaited rows call emit " +
    "in a loop and await only the last result.",
    "- Listeners keep a counter each (emittery's read `event.data`, " +
    "EventTarget's `event.detail`); unsubscribing uses the handle " +
    "`subscribe` returns (this package, the floor), the function `on` " +
    "returns (emittery), `off(name, fn)` (mitt, eventemitter3, tseep) or " +
    "`removeEventListener` (EventTarget). tseep compiles its emit with " +
    "`eval`, which strict CSP forbids; emittery reads `process.env.DEBUG` " +
    "on each emit (hence `--allow-env=DEBUG`).",
    "",
  ];
}

function controlTable(data: Data): string {
  return table(
    [
      "case",
      "control / package",
      "range over rounds",
      "rounds landed",
      "measurements",
    ],
    caseNames(data).map((name) => {
      const cs = data.rounds.map((r) => r.cases[name]).filter((c) =>
        c !== undefined
      );
      const values = cs.map((c) => c.control);
      return [
        name,
        `${median(values).toFixed(2)}`,
        `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`,
        `${cs.filter((c) => c.landed).length} of ${cs.length}`,
        String(cs.reduce((sum, c) => sum + c.attempts, 0)),
      ];
    }),
  );
}

function comparison(data: Data, old: OldData | undefined): string[] {
  if (old === undefined) return ["No earlier report to compare with.", ""];
  const before = oldRatios(old);
  const rows: string[][] = [];
  let same = 0;
  for (const [name, row] of before) {
    for (const [impl, was] of row) {
      const now = ratio(data, name, impl);
      if (now === undefined) continue;
      const change = now / was - 1;
      if (Math.abs(change) < 0.15) {
        same++;
        continue;
      }
      rows.push([
        `${name}, vs ${impl}`,
        fmtRatio(was),
        fmtRatio(now),
        `${change > 0 ? "+" : ""}${(change * 100).toFixed(0)}%`,
      ]);
    }
  }
  const memory = (["hot", "spread"] as const).map((kind) => {
    const was = old.memory?.peers[OURS]?.[kind];
    const now = data.memory.peers[OURS]?.[kind];
    return `${kind === "hot" ? "one event" : "one event each"} ${
      was?.toFixed(0) ?? "–"
    } → ${now?.toFixed(0) ?? "–"} B`;
  });
  return [
    `Against the committed report of ${old.date}` +
    ((old as Partial<Data>).format === 2
      ? ""
      : " (shared drivers, fixed order, no control)") +
    ". Ratio = how many times faster this package is. " +
    `${same} ratios moved by less than 15%; these moved more:`,
    "",
    table(["row", "before", "now", "change"], rows),
    "",
    `Memory per subscription of this package: ${memory.join(", ")}.`,
    "",
  ];
}

function markdown(data: Data, old: OldData | undefined): string {
  const mem = (pick: (m: MemoryReport["peers"][string]) => number) =>
    names.map((impl) => {
      const m = data.memory.peers[impl];
      return m === undefined ? "–" : `${pick(m).toFixed(0)} B`;
    });
  const scaleRows = (kind: string) => [
    ...SCALE_COUNTS.map((count) => [
      `${count / 1000}k`,
      ...names.map((impl) => {
        const value = fmtNs(ns(data, `scale ${kind} ${count}`, impl));
        return impl === OURS ? `**${value}**` : value;
      }),
    ]),
    [
      "growth 10k → 100k",
      ...names.map((impl) => {
        const grew = growth(data, kind, impl);
        return grew === undefined ? "–" : `${grew.toFixed(2)}x`;
      }),
    ],
  ];
  return [
    "# Benchmarks",
    "",
    "<!-- Generated by `deno task bench:report` (bench/report.ts). Do not edit by hand. -->",
    "",
    `Measured ${data.date} in ${Math.round(data.seconds)} s. Ratios say how ` +
    "many times faster this package is than the other implementation " +
    "(above 1: this package is faster), within one process, median over " +
    "rounds.",
    "",
    table(["machine", ""], Object.entries(data.machine)),
    "",
    table(
      ["implementation", "source"],
      IMPLS.map((impl) => [impl.name, `\`${impl.source}\``]),
    ),
    "",
    "![Awaited emits per second](benchmarks.svg)",
    "",
    ...method(data),
    "## Targets",
    "",
    table(
      ["from", "target", "goal", "measured", ""],
      targets(data).map((
        t,
      ) => [
        t.from,
        t.what,
        t.goal,
        t.measured,
        t.held ? "held" : "**missed**",
      ]),
    ),
    "",
    "## Emit, sync listeners, awaited",
    "",
    "Emits per second (ratio).",
    "",
    rateTable(data, LISTENER_COUNTS.map((n) => [String(n), `emit ${n} sync`])),
    "",
    "## Emit, sync listeners, not awaited",
    "",
    rateTable(
      data,
      LISTENER_COUNTS.map((n) => [String(n), `emit ${n} sync, not awaited`]),
    ),
    "",
    "## Emit, async listeners, awaited",
    "",
    rateTable(data, ASYNC_COUNTS.map((n) => [String(n), `emit ${n} async`])),
    "",
    "## Churn",
    "",
    "One event with N listeners; each step subscribes one more, awaits an " +
    "emit, unsubscribes it and awaits another emit. Steps per second.",
    "",
    rateTable(data, CHURN_COUNTS.map((n) => [`${n / 1000}k`, `churn ${n}`])),
    "",
    "## Subscribe and unsubscribe",
    "",
    "Time per subscription to subscribe N listeners and unsubscribe them " +
    "all in a shuffled order, on a fresh emitter, after a full GC. " +
    "*Growth* is the cost per subscription at 100k over that at 10k " +
    "(1x: linear; 10x: quadratic). At 100k on one event the peers take " +
    "seconds per cycle (eventemitter3, EventTarget and mitt scan the " +
    "listeners on every unsubscribe, tseep regenerates its emit function), " +
    "and emittery at 100k events: they stop at 10k.",
    "",
    "### Spread over N events, one listener each",
    "",
    table(["N", ...names], scaleRows("spread")),
    "",
    "### N listeners on one event",
    "",
    table(["N", ...names], scaleRows("hot")),
    "",
    "## Memory",
    "",
    `Heap bytes per subscription (${short(data.memory.subscriptions)} ` +
    "subscriptions, then one emit of each event, full GC before each " +
    `reading, median of ${data.memory.samples}; the listeners are not ` +
    "counted, the handles a caller keeps to unsubscribe are), and bytes " +
    `allocated by one emit (${short(data.memory.emits)} emits not awaited, ` +
    `no GC during the run, smallest of ${data.memory.samples}).`,
    "",
    table(["", ...names], [
      ["per subscription, one event", ...mem((m) => m.hot)],
      ["per subscription, one event each", ...mem((m) => m.spread)],
      ["per emit, 0 listeners", ...mem((m) => m.emit["0"] ?? NaN)],
      ["per emit, 10 sync listeners", ...mem((m) => m.emit["10"] ?? NaN)],
    ]),
    "",
    "## Bundle size and cold import",
    "",
    "`deno bundle --platform browser --minify`, then gzip; cold import is " +
    "the first `await import()` in a fresh `deno` process, median of " +
    `${data.size.runs} processes (for \`mod.ts\`, with Deno's transpile ` +
    "cache already filled).",
    "",
    table(
      ["entry", "minified", "minified + gzipped"],
      Object.entries(data.size.bundles).map(([entry, b]) => [
        entry,
        `${b.minified} B`,
        `${b.gzipped} B (${(b.gzipped / 1000).toFixed(2)} KB)`,
      ]),
    ),
    "",
    table(
      ["cold import of", "time"],
      Object.entries(data.size.coldImportMs).map((
        [what, ms],
      ) => [what, `${ms.toFixed(2)} ms`]),
    ),
    "",
    "## Control, per case",
    "",
    "The control's time over the package's, per case (median, and range " +
    "over rounds), the rounds where it landed in " +
    `${CONTROL_RANGE[0]}–${CONTROL_RANGE[1]}, and the measurements made ` +
    "(repeats included). Emits on a warm heap hold tightly; the scaling " +
    "cases, dominated by allocation and GC, scatter most on a busy machine.",
    "",
    controlTable(data),
    "",
    transports,
    "",
    "## Compared with the previous report",
    "",
    ...comparison(data, old),
    "## Reproduce",
    "",
    "```sh",
    "deno task bench          # every case once, with deno bench",
    "deno task bench:report   # rounds + memory + size; rewrites this file, the JSON and the chart",
    "```",
    "",
    "Raw per-round numbers: `docs/benchmarks.json` " +
    "(`deno task bench:report --from docs/benchmarks.json` redraws the " +
    "documents from it).",
    "",
  ].join("\n");
}

function chart(data: Data): string {
  const shown = names.filter((impl) => impl !== CONTROL);
  const panel = (isAsync: boolean) => ({
    title: isAsync
      ? "Async listeners (mitt, eventemitter3, tseep, EventTarget do not wait for them)"
      : "Sync listeners",
    groups: (isAsync ? ASYNC_COUNTS : LISTENER_COUNTS).map((count) => {
      const values: Record<string, number> = {};
      for (const impl of shown) {
        const t = ns(data, `emit ${count} ${isAsync ? "async" : "sync"}`, impl);
        if (t !== undefined) values[impl] = 1e9 / t;
      }
      return { label: `${count} listener${count === 1 ? "" : "s"}`, values };
    }),
  });
  return barChart(
    "await emit(): emits per second (log scale, higher is better)",
    `${data.machine.cpu}, ${(data.machine.runtime ?? "").split(",")[0]}, ${
      data.date.slice(0, 10)
    }, median of ${data.rounds.length} rounds`,
    shown,
    [panel(false), panel(true)],
  );
}

/** Runs a script of `bench/` in its own process; returns its JSON output. */
async function script<T>(
  path: string,
  flags: string[],
  args: string[] = [],
): Promise<T> {
  return JSON.parse(
    await run("deno", [
      "run",
      "--allow-read",
      "--allow-write",
      ...flags,
      path,
      ...args,
    ]),
  ) as T;
}

function round(): Promise<RoundResult> {
  return script("bench/round.ts", ["--allow-env=DEBUG", V8_FLAGS], ["--json"]);
}

async function measure(rounds: number): Promise<Data> {
  const start = performance.now();
  const info = await machine();
  const startLoad = load();
  const results: RoundResult[] = [];
  for (let r = 0; r < rounds; r++) {
    console.error(`round ${r + 1} of ${rounds}`);
    results.push(await round());
  }
  for (let extra = 0; extra < MAX_EXTRA_ROUNDS; extra++) {
    const short = Object.keys(results[0]!.cases).filter((name) =>
      results.filter((r) => r.cases[name]?.landed).length < MIN_LANDED
    );
    if (short.length === 0) break;
    if ((performance.now() - start) / 1000 > BUDGET_SECONDS) {
      console.error(`no time for another round; short: ${short.join(", ")}`);
      break;
    }
    console.error(
      `extra round: control landed too rarely in ${short.join(", ")}`,
    );
    results.push(await round());
  }
  console.error("memory");
  const memory = await script<MemoryReport>("bench/memory.ts", [
    "--allow-env=DEBUG",
    `${V8_FLAGS},--min-semi-space-size=64,--max-semi-space-size=64`,
  ]);
  console.error("bundle size and cold import");
  const size = await script<SizeReport>("bench/size.ts", ["--allow-run=deno"]);
  info.load = `${startLoad} at the start, ${load()} at the end (1, 5, 15 min)`;
  return {
    format: 2,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: info,
    seconds: (performance.now() - start) / 1000,
    rounds: results,
    memory,
    size,
  };
}

async function previous(rev: string): Promise<OldData | undefined> {
  try {
    return JSON.parse(
      await run("git", ["show", `${rev}:docs/benchmarks.json`]),
    ) as OldData;
  } catch {
    return undefined;
  }
}

/** The transports' hand-run figures (bench/transports.md), copied verbatim. */
const transports = (await Deno.readTextFile(
  new URL("bench/transports.md", root),
)).trimEnd();

const from = arg("--from");
const old = await previous(arg("--against") ?? "HEAD");
const data: Data = from === undefined
  ? await measure(Number(arg("--rounds") ?? 5))
  : JSON.parse(await Deno.readTextFile(from)) as Data;

await Deno.mkdir(new URL("docs/", root), { recursive: true });
await Deno.writeTextFile(
  new URL("docs/benchmarks.json", root),
  JSON.stringify(data, null, 2) + "\n",
);
await Deno.writeTextFile(
  new URL("docs/benchmarks.md", root),
  markdown(data, old),
);
await Deno.writeTextFile(new URL("docs/benchmarks.svg", root), chart(data));
// The documents as deno fmt would write them, so `deno fmt --check` passes.
await run("deno", [
  "fmt",
  "docs/benchmarks.md",
  "docs/benchmarks.json",
  "docs/benchmarks.svg",
]);
for (const target of targets(data)) {
  console.log(
    `${
      target.held ? "held  " : "MISSED"
    } ${target.what}: ${target.measured} (goal ${target.goal})`,
  );
}
