// Copyright 2026 the arcly authors. MIT license.

/**
 * Memory use of every peer, printed as JSON on stdout:
 *
 * - bytes per subscription: heap used after subscribing N listeners and
 *   emitting once, minus heap used before, over N, with a full GC before
 *   each reading (one hot event, and N events of one listener each). The
 *   listener functions exist before the first reading, so they are not
 *   counted; what the caller keeps to unsubscribe later (the handle that
 *   `subscribe` or `on` returns, where the API unsubscribes through it) is.
 * - bytes allocated per emit, not awaited: heap growth over a run of emits
 *   with a young generation large enough that no GC runs during it; the
 *   smallest of the samples, since code compiled during one run inflates it.
 *
 * Run: `deno run --allow-env=DEBUG --allow-read --allow-write --v8-flags=--expose-gc,--min-semi-space-size=64,--max-semi-space-size=64 bench/memory.ts`
 *
 * @module
 */

import type { Driver, Fn } from "./_driver.ts";
import { IMPLS, loadDrivers, median } from "./_suite.ts";

/** What this script prints. */
export interface MemoryReport {
  /** Subscriptions per sample. */
  subscriptions: number;
  /** Samples per figure; each figure is their median. */
  samples: number;
  /** Emits per allocation sample. */
  emits: number;
  /** Per peer name. */
  peers: Record<string, {
    /** Bytes per subscription, all on one event. */
    hot: number;
    /** Bytes per subscription, one event each. */
    spread: number;
    /** Bytes allocated by one emit, by listener count (0 and 10, sync). */
    emit: Record<string, number>;
  }>;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  throw new Error(
    "Cannot measure memory: run with --v8-flags=--expose-gc",
  );
}
const collect = gc;

function heapUsed(): number {
  collect();
  collect();
  return Deno.memoryUsage().heapUsed;
}

const SUBSCRIPTIONS = 20_000;
const SAMPLES = 5;
const EMITS = 10_000;

const report: MemoryReport = {
  subscriptions: SUBSCRIPTIONS,
  samples: SAMPLES,
  emits: EMITS,
  peers: {},
};

const hotNames = Array.from({ length: SUBSCRIPTIONS }, () => "e");
const manyNames = Array.from(
  { length: SUBSCRIPTIONS },
  (_, i) => `event.${i}`,
);

/** Heap growth from `driver.hold`, in a frame of its own so nothing of an
 * earlier sample stays reachable from a register. */
async function holdGrowth(
  driver: Driver,
  names: readonly string[],
  fns: readonly Fn[],
): Promise<number> {
  const before = heapUsed();
  const kept = await driver.hold(names, fns);
  const after = heapUsed();
  keep(kept);
  return after - before;
}

/** Uses `value`, so it stays reachable until this call. */
function keep(value: unknown): void {
  if (value === keep) console.error(value);
}

using loaded = await loadDrivers(IMPLS.map((impl) => impl.name));
for (const [name, driver] of loaded.drivers) {
  const perSubscription: Record<"hot" | "spread", number> = {
    hot: 0,
    spread: 0,
  };
  for (const kind of ["hot", "spread"] as const) {
    const names = kind === "hot" ? hotNames : manyNames;
    const samples: number[] = [];
    // One unmeasured round first, so code and shapes exist before any
    // reading.
    for (let round = 0; round <= SAMPLES; round++) {
      const growth = await holdGrowth(
        driver,
        names,
        driver.listeners(SUBSCRIPTIONS, false),
      );
      if (round > 0) samples.push(growth / SUBSCRIPTIONS);
    }
    perSubscription[kind] = median(samples);
  }
  const emit: Record<string, number> = {};
  for (const count of [0, 10]) {
    const fire = driver.emitter(count);
    for (let i = 0; i < EMITS; i++) await fire();
    const samples: number[] = [];
    for (let round = 0; round < SAMPLES; round++) {
      const before = heapUsed();
      let last: unknown;
      for (let i = 0; i < EMITS; i++) last = fire();
      const after = Deno.memoryUsage().heapUsed;
      await last;
      samples.push(Math.max(0, after - before) / EMITS);
    }
    // The smallest sample: allocation that every emit makes shows in each
    // of them, while a one-off (code compiled mid-run) inflates only one.
    emit[String(count)] = Math.min(...samples);
  }
  report.peers[name] = { ...perSubscription, emit };
}

console.log(JSON.stringify(report, null, 2));
