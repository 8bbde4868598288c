// Copyright 2026 the arcly authors. MIT license.

/**
 * One round: every case, every implementation, in one process, printed as a
 * table on stderr (and as JSON on stdout with `--json`). `deno task bench`
 * runs one round; `deno task bench:report` runs several.
 *
 * Per case the implementations are warmed up and then sampled in a random
 * order, a new one for each sample, so slow drifts of the machine (other
 * processes, thermal state) hit them alike. Each implementation runs its own
 * driver (see `_driver.ts`). The control, an identical copy of the package,
 * must come out at 0.9-1.1 times the package's time; a case where it does
 * not is measured again, up to `MAX_ATTEMPTS` times.
 *
 * Options: `--filter REGEX` (case names), `--json`, `--shared-driver` (one
 * driver for all, to show the order effect it causes).
 *
 * @module
 */

import type { Runner } from "./_driver.ts";
import {
  type Case,
  cases,
  CONTROL,
  IMPLS,
  loadDrivers,
  OURS,
  shuffle,
} from "./_suite.ts";

/** One case as measured in one round. */
export interface CaseResult {
  /** Nanoseconds per operation (emit, churn step, subscription), by impl. */
  ns: Record<string, number>;
  /** Implementations in the order they were warmed up. */
  order: string[];
  /** Control time over package time in the last attempt. */
  control: number;
  /** Attempts made (1 when the control landed at once). */
  attempts: number;
  /** Whether the control landed in `CONTROL_RANGE`. */
  landed: boolean;
}

/** What `--json` prints. */
export interface RoundResult {
  /** Seconds the round took. */
  seconds: number;
  /** Every case run, by name. */
  cases: Record<string, CaseResult>;
}

/** Where the control's time over the package's must land. */
export const CONTROL_RANGE: readonly [number, number] = [0.9, 1.1];
/** Measurements of one case per round before the control counts as missed. */
export const MAX_ATTEMPTS = 3;

/** How one kind of case is warmed up and sampled. */
export interface Timing {
  /** Warm-up, ms, before the first sample. */
  warmMs: number;
  /** Target duration of one sample, ms. */
  sampleMs: number;
  /** Samples per implementation; their lower quartile is the figure. */
  samples: number;
  /** Full GC before each sample (scaling cases: big heaps). */
  gc: boolean;
}

/** Emit and churn cases. */
export const RATE: Timing = {
  warmMs: 150,
  sampleMs: 5,
  samples: 25,
  gc: false,
};
/** Scaling cases up to 10k. */
export const CYCLE: Timing = {
  warmMs: 200,
  sampleMs: 20,
  samples: 7,
  gc: true,
};
const SLOW_MS = 100;
/** Scaling cases at 100k: one cycle per sample, no warm-up beyond one. */
export const BIG_CYCLE: Timing = {
  warmMs: 0,
  sampleMs: 0,
  samples: 3,
  gc: true,
};

// With --v8-flags=--expose-gc (as the tasks pass).
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

/**
 * The 25th percentile: on a shared machine most disturbances (another
 * process taking the core, a GC of someone else's garbage) only add time,
 * so the lower samples are the undisturbed ones; the quartile, not the
 * minimum, so one lucky sample does not decide.
 */
function lowerQuartile(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 4)]!;
}

async function time(run: Runner, n: number): Promise<number> {
  const start = performance.now();
  await run(n);
  return performance.now() - start;
}

/**
 * Runs `run` for at least `warmMs` (and at least once), doubling the call
 * size, and returns the call size that takes about `sampleMs`.
 */
async function warmUp(run: Runner, timing: Timing): Promise<number> {
  let n = 1;
  let spent = 0;
  let last = 0;
  for (;;) {
    last = await time(run, n);
    spent += last;
    if (spent >= timing.warmMs && last >= timing.sampleMs / 4) break;
    if (last < timing.sampleMs / 4) n *= 2;
  }
  return Math.max(1, Math.round(n * timing.sampleMs / Math.max(last, 1e-3)));
}

async function measure(
  c: Case,
  runners: Map<string, Runner>,
  sizes: Map<string, number>,
  timing: Timing,
): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>(c.impls.map((name) => [name, []]));
  for (let s = 0; s < timing.samples; s++) {
    for (const name of shuffle(c.impls)) {
      const n = sizes.get(name)!;
      // Peers that take over SLOW_MS per call (quadratic unsubscribe at
      // 10k) get fewer samples, so a round stays within its time.
      if (s >= 3 && samples.get(name)![0]! * n * c.count / 1e6 > SLOW_MS) {
        continue;
      }
      if (timing.gc) collectGarbage();
      const ms = await time(runners.get(name)!, n);
      samples.get(name)!.push(ms * 1e6 / (n * c.count));
    }
  }
  const ns: Record<string, number> = {};
  for (const [name, values] of samples) ns[name] = lowerQuartile(values);
  return ns;
}

/**
 * Measures one case for the implementations in `c.impls`, each with its
 * driver in `drivers`, until the control lands (at most `MAX_ATTEMPTS`).
 */
export async function runCase(
  c: Case,
  drivers: Map<string, import("./_driver.ts").Driver>,
): Promise<CaseResult> {
  const timing = c.kind === "rate"
    ? RATE
    : c.count >= 100_000
    ? BIG_CYCLE
    : CYCLE;
  const order = shuffle(c.impls);
  const runners = new Map<string, Runner>();
  const sizes = new Map<string, number>();
  for (const name of order) {
    const run = c.setup(drivers.get(name)!);
    runners.set(name, run);
    if (timing.gc) collectGarbage();
    sizes.set(name, await warmUp(run, timing));
  }
  let attempts = 0;
  for (;;) {
    attempts++;
    const ns = await measure(c, runners, sizes, timing);
    const control = ns[CONTROL]! / ns[OURS]!;
    const landed = control >= CONTROL_RANGE[0] && control <= CONTROL_RANGE[1];
    if (landed || attempts >= MAX_ATTEMPTS) {
      return { ns, order, control, attempts, landed };
    }
  }
}

function fmtNs(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} ms`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(2)} µs`;
  return `${value.toFixed(1)} ns`;
}

/** Runs the cases whose names match `filter`. */
export async function round(
  filter: RegExp,
  sharedDriver = false,
  log: (line: string) => void = () => {},
): Promise<RoundResult> {
  const start = performance.now();
  const selected = cases().filter((c) => filter.test(c.name));
  using loaded = await loadDrivers(
    IMPLS.map((impl) => impl.name),
    sharedDriver,
  );
  const result: RoundResult = { seconds: 0, cases: {} };
  for (const c of selected) {
    const r = await runCase(c, loaded.drivers);
    result.cases[c.name] = r;
    const others = IMPLS.map((impl) => impl.name)
      .filter((name) => name !== OURS && r.ns[name] !== undefined)
      .map((name) => `${name} ${(r.ns[name]! / r.ns[OURS]!).toFixed(2)}x`);
    log(
      `${c.name}: ${OURS} ${fmtNs(r.ns[OURS]!)}/op; time vs ours: ${
        others.join(", ")
      }${r.landed ? "" : " (control missed)"}${
        r.attempts > 1 ? ` [${r.attempts} attempts]` : ""
      }`,
    );
  }
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--filter");
  const filter = new RegExp(i >= 0 ? Deno.args[i + 1]! : "");
  const result = await round(
    filter,
    Deno.args.includes("--shared-driver"),
    (line) => console.error(line),
  );
  if (Deno.args.includes("--json")) console.log(JSON.stringify(result));
}
