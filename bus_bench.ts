// Copyright 2026 the arcly authors. MIT license.

// `deno task bench` compares EventBus with emittery, mitt, eventemitter3,
// tseep and EventTarget in one process. Every emit is awaited, whatever the
// peer returns. `deno task bench:report` runs this file several times and
// writes docs/benchmarks.md and docs/benchmarks.svg from the results.
//
// Bench names, parsed by bench/report.ts, are "<group>: <peer>" with the
// groups "emit <n> sync|async", "scale <spread|hot> <n>" and "churn <n>".

import {
  CHURN_COUNTS,
  CHURN_STEPS_PER_ITERATION,
  EMITS_PER_ITERATION,
  type Fn,
  hotNames,
  LISTENER_COUNTS,
  PEERS,
  SCALE_COUNTS,
  shuffled,
  spreadNames,
} from "./bench/_peers.ts";

/**
 * Runs `action` for WARM_UP_MS before the first measured iteration of a
 * bench (this call is itself one of deno bench's warm-up iterations), so
 * every peer is measured with optimised code: on a busy 2-core machine the
 * optimising compiler, which runs on a background thread, can take a few
 * hundred milliseconds to deliver, longer than deno bench's own warm-up.
 */
async function warmUp(action: () => unknown): Promise<void> {
  const end = performance.now() + WARM_UP_MS;
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) await action();
  }
}

const WARM_UP_MS = 300;

for (const isAsync of [false, true]) {
  for (const count of LISTENER_COUNTS) {
    const group = `emit ${count} ${isAsync ? "async" : "sync"}`;
    for (const peer of PEERS) {
      const emit = peer.emitter(peer.listeners(count, isAsync), 1);
      let cold = true;
      Deno.bench({
        name: `${group}: ${peer.name}`,
        group,
        baseline: peer === PEERS[0],
        async fn() {
          if (cold) {
            cold = false;
            await warmUp(emit);
          }
          for (let i = 0; i < EMITS_PER_ITERATION; i++) await emit();
        },
      });
    }
  }
}

for (const count of CHURN_COUNTS) {
  for (const peer of PEERS) {
    // Built on first use, so emit benches run on a small heap.
    let step: (() => Promise<void>) | undefined;
    Deno.bench({
      name: `churn ${count}: ${peer.name}`,
      group: `churn ${count}`,
      baseline: peer === PEERS[0],
      async fn() {
        if (step === undefined) {
          step = peer.churn(
            peer.listeners(count, false),
            peer.listeners(1, false)[0]!,
            1,
          );
          await warmUp(step);
        }
        for (let i = 0; i < CHURN_STEPS_PER_ITERATION; i++) await step();
      },
    });
  }
}

// With --v8-flags=--expose-gc (as `deno task bench` passes).
const collectGarbage = (globalThis as { gc?: () => void }).gc;

// Scaling fixtures are built on first use and dropped when the next group
// needs another, so the big arrays never sit in the heap of other benches.
let fixture:
  | { key: string; names: string[]; fns: Fn[]; order: number[] }
  | undefined;

function scaleFixture(kind: "spread" | "hot", count: number) {
  const key = `${kind} ${count}`;
  if (fixture?.key !== key) {
    fixture = undefined;
    fixture = {
      key,
      names: kind === "spread" ? spreadNames(count) : hotNames(count),
      // Never called: the same functions serve every peer.
      fns: PEERS[0]!.listeners(count, false),
      order: shuffled(count),
    };
  }
  return fixture;
}

for (const kind of ["spread", "hot"] as const) {
  for (const count of SCALE_COUNTS) {
    for (const peer of PEERS) {
      // At 100k on one event the peers take seconds to tens of seconds per
      // cycle (those that scan the listener list on unsubscribe grow
      // quadratically); only this package runs there. The 1k and 10k rows
      // show each peer's growth.
      if (count >= 100_000 && kind === "hot" && peer !== PEERS[0]) continue;
      Deno.bench({
        name: `scale ${kind} ${count}: ${peer.name}`,
        group: `scale ${kind} ${count}`,
        baseline: peer === PEERS[0],
        fn(b) {
          const { names, fns, order } = scaleFixture(kind, count);
          // Garbage from earlier iterations is collected before timing, so
          // each cycle pays only for the collections its own work causes.
          collectGarbage?.();
          b.start();
          peer.cycle(names, fns, order);
          b.end();
        },
      });
    }
  }
}
