// Copyright 2026 the arcly authors. MIT license.

// Model-based property test: random command sequences played against the real
// bus and a plain model (deep/_model.ts), compared after every command.
// `deno task test` runs 1,000 scenarios, `deno task test:deep` 100,000.
// Replay a failure with BUS_SEED=<seed> BUS_PATH=<path> from its report, then
// add the printed counterexample to deep/model_regression_test.ts.

import { fc, runScenario, type Scenario, scenarios } from "./_model.ts";
import { DEEP, env, RejectionWatch } from "../_test_util.ts";

const RUNS = Number(env("BUS_RUNS") ?? (DEEP ? 100_000 : 1_000));

function replayOptions(): { seed?: number; path?: string } {
  const seed = env("BUS_SEED");
  const path = env("BUS_PATH");
  return {
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}

Deno.test(`EventBus matches the model on ${RUNS} random command sequences, leaving no unhandled rejection`, async () => {
  const watch = new RejectionWatch();
  watch.start();
  try {
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario: Scenario) => {
        await runScenario(scenario);
        const left = await watch.take();
        if (left.length > 0) {
          throw new AggregateError(
            left,
            `The scenario left ${left.length} unhandled rejection(s)`,
          );
        }
      }),
      { numRuns: RUNS, ...replayOptions() },
    );
  } finally {
    await watch.stop();
  }
});
