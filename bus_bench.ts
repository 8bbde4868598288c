// Copyright 2026 the arcly authors. MIT license.

// `deno bench` over the cases of bench/_suite.ts: EventBus, its control copy,
// the floor and the peers, each with a driver of its own, registered in a
// random order per case. The report (`deno task bench:report`) uses
// bench/round.ts instead, which interleaves samples across implementations.
//
// Run: deno bench --allow-read --allow-write --allow-env=DEBUG --v8-flags=--expose-gc bus_bench.ts
// Bench names are "<case>: <implementation>".

import type { Runner } from "./bench/_driver.ts";
import * as suite from "./bench/_suite.ts";

/** Warm-up before the first measured iteration of each bench. */
const WARM_UP_MS = 150;
/** Operations per iteration of a rate bench, so harness cost stays small. */
const OPS_PER_ITERATION = 100;

// The control copy needs a temporary directory: without --allow-write (as
// in the CI smoke stage) it is left out.
const canCopy = Deno.permissions.querySync({ name: "write" }).state ===
  "granted";
const loaded = await suite.loadDrivers(
  suite.IMPLS.map((impl) => impl.name).filter((name) =>
    canCopy || name !== suite.CONTROL
  ),
);
globalThis.addEventListener("unload", () => loaded[Symbol.dispose]());

// With --v8-flags=--expose-gc: each scaling iteration starts after a full GC.
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

for (const c of suite.cases()) {
  for (const name of suite.shuffle(c.impls)) {
    if (!loaded.drivers.has(name)) continue;
    let run: Runner | undefined;
    const n = c.kind === "rate" ? OPS_PER_ITERATION : 1;
    Deno.bench({
      name: `${c.name}: ${name}`,
      group: c.name,
      baseline: name === suite.OURS,
      async fn(b) {
        if (run === undefined) {
          // Built on first use, so fixtures of filtered-out cases never are.
          run = c.setup(loaded.drivers.get(name)!);
          const end = performance.now() + WARM_UP_MS;
          do await run(n); while (performance.now() < end);
        }
        if (c.kind === "cycle") collectGarbage();
        b.start();
        await run(n);
        b.end();
      },
    });
  }
}
