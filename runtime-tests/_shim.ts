// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * The `Deno.test` shim of the Bun, Node, workerd and Chromium hosts, after
 * std's `_tools/node_test_runner`: {@linkcode collect} defines a global
 * `Deno.test` that records each test with the file it came from, imports
 * every file of the suite, and {@linkcode runTest} runs one test with
 * `t.step` support. Each host hands the tests to its own runner.
 *
 * @module
 */

import { SUITE, type SuiteFile } from "./suite.ts";

/** The part of `Deno.TestContext` the suite uses. */
export interface TestContext {
  /** The test's or step's name. */
  readonly name: string;
  /** The file the test is in. */
  readonly origin: string;
  /** Runs a step; resolves `false` when it failed, which fails the test. */
  step(
    nameOrDefinition: string | StepDefinition | TestFn,
    fn?: TestFn,
  ): Promise<boolean>;
}

/** A test or step body. */
export type TestFn = (t: TestContext) => void | Promise<void>;

/** The part of `Deno.TestStepDefinition` the suite uses. */
export interface StepDefinition {
  /** The step's name. */
  name: string;
  /** The step's body. */
  fn: TestFn;
  /** Skip the step. */
  ignore?: boolean;
}

/** One test the suite registered. */
export interface CollectedTest {
  /** The test's name. */
  readonly name: string;
  /** The suite file that registered it, e.g. `bus_test.ts`. */
  readonly file: string;
  /** Whether `Deno.test` was told to ignore it. */
  readonly ignore: boolean;
  /** The body. */
  readonly fn: TestFn;
}

/** How long one test may take before it counts as hung. */
const WATCHDOG_MS = 60_000;

/** The name a host shows for a test: the file, then the test's name. */
export function fullName(test: CollectedTest): string {
  return `${test.file} > ${test.name}`;
}

type TestArgs =
  | [string, TestFn]
  | [string, Omit<StepDefinition, "name" | "fn">, TestFn]
  | [StepDefinition]
  | [TestFn];

function definition(args: TestArgs): StepDefinition {
  if (typeof args[0] === "function") {
    return { name: args[0].name, fn: args[0] };
  }
  if (typeof args[0] === "object") return args[0];
  if (args.length === 3) return { ...args[1], name: args[0], fn: args[2] };
  return { name: args[0], fn: args[1] as TestFn };
}

/**
 * Imports the suite's files in order under a global `Deno.test` that
 * records every test with its file, and returns the tests.
 *
 * @param files The files to import.
 * @param global Where to define `Deno`: the global object, or a stand-in.
 * @returns Every registered test, in registration order.
 */
export async function collect(
  files: readonly SuiteFile[] = SUITE,
  global: { Deno?: unknown } = globalThis,
): Promise<CollectedTest[]> {
  const tests: CollectedTest[] = [];
  let file = "";
  const deno = {
    test: (...args: TestArgs) => {
      const { name, fn, ignore = false } = definition(args);
      tests.push({ name, file, ignore, fn });
    },
  };
  if (global.Deno !== undefined) {
    throw new Error("The Deno.test shim is for runtimes without Deno");
  }
  global.Deno = deno;
  for (const entry of files) {
    file = entry.path;
    await entry.load();
  }
  return tests;
}

/** Runs `fn` with a context whose `step` runs steps in line. */
async function runBody(
  fn: TestFn,
  name: string,
  origin: string,
): Promise<void> {
  const failures: string[] = [];
  const context: TestContext = {
    name,
    origin,
    async step(nameOrDefinition, stepFn) {
      const step = definition(
        (stepFn === undefined ? [nameOrDefinition] : [
          nameOrDefinition,
          stepFn,
        ]) as TestArgs,
      );
      if (step.ignore) return true;
      try {
        await runBody(step.fn, step.name, origin);
        return true;
      } catch (error) {
        failures.push(
          `step "${step.name}" failed: ${
            error instanceof Error ? error.stack ?? error.message : error
          }`,
        );
        return false;
      }
    },
  };
  await fn(context);
  if (failures.length > 0) throw new Error(failures.join("\n"));
}

/**
 * Runs one collected test: its steps in line, failing when the body or any
 * step fails, or when it has not settled within a minute.
 *
 * @param test The test.
 * @returns Resolves when the test passed.
 */
export async function runTest(test: CollectedTest): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not settle within ${WATCHDOG_MS} ms`)),
      WATCHDOG_MS,
    );
  });
  try {
    await Promise.race([runBody(test.fn, test.name, test.file), hung]);
  } finally {
    clearTimeout(timer);
  }
}
