// Copyright 2026 the arcly authors. MIT license.

/**
 * A minimal `Deno.test` (with `t.step`) for Bun and Node, so they run the
 * runtime-neutral `sse_test.ts` as written, the way std's node test runner
 * does. Import it before the test file, then `await runAll()`.
 *
 * @module
 */

type Fn = (t: Context) => unknown;

interface Context {
  step(name: string, fn: Fn): Promise<boolean>;
}

const tests: { name: string; fn: Fn }[] = [];

(globalThis as unknown as { Deno: unknown }).Deno = {
  test(name: string, fn: Fn): void {
    tests.push({ name, fn });
  },
};

async function attempt(name: string, fn: Fn, depth: number): Promise<boolean> {
  let ok = true;
  const context: Context = {
    async step(stepName, stepFn) {
      const passed = await attempt(stepName, stepFn, depth + 1);
      if (!passed) ok = false;
      return passed;
    },
  };
  try {
    await fn(context);
  } catch (error) {
    ok = false;
    console.log(`${"  ".repeat(depth)}  ${String(error).split("\n")[0]}`);
  }
  console.log(`${"  ".repeat(depth)}${ok ? "ok" : "FAILED"} - ${name}`);
  return ok;
}

/** Runs every registered test in order; resolves with how many failed. */
export async function runAll(): Promise<number> {
  let failed = 0;
  for (const { name, fn } of tests) {
    if (!(await attempt(name, fn, 0))) failed++;
  }
  console.log(`${tests.length - failed} passed, ${failed} failed`);
  return failed;
}
