// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { collect, fullName, runTest, type TestFn } from "./_shim.ts";

type Register = (...args: unknown[]) => void;

Deno.test("collect() records every Deno.test form with its file and ignore flag", async () => {
  const target: { Deno?: { test: Register } } = {};
  const test: Register = (...args) => target.Deno!.test(...args);
  const tests = await collect([
    {
      path: "a_test.ts",
      load: () => {
        test("plain", () => {});
        test({ name: "definition", ignore: true, fn() {} });
        return Promise.resolve();
      },
    },
    {
      path: "b_test.ts",
      load: () => {
        test("with options", { ignore: true }, () => {});
        test(function named() {});
        return Promise.resolve();
      },
    },
  ], target);
  assert.deepEqual(tests.map((t) => [fullName(t), t.ignore]), [
    ["a_test.ts > plain", false],
    ["a_test.ts > definition", true],
    ["b_test.ts > with options", true],
    ["b_test.ts > named", false],
  ]);
  await assert.rejects(collect([], target), {
    message: "The Deno.test shim is for runtimes without Deno",
  });
});

Deno.test("runTest() runs steps in line, skips ignored ones and fails the test naming a failed step", async () => {
  const ran: string[] = [];
  const results: boolean[] = [];
  const fn: TestFn = async (t) => {
    results.push(await t.step("first", () => void ran.push("first")));
    results.push(
      await t.step({ name: "skipped", ignore: true, fn: () => assert.fail() }),
    );
    results.push(
      await t.step("broken", async (inner) => {
        ran.push(`${inner.name} in ${inner.origin}`);
        await Promise.resolve();
        throw new Error("step failed");
      }),
    );
    results.push(await t.step("last", () => void ran.push("last")));
  };
  await assert.rejects(
    runTest({ name: "steps", file: "a_test.ts", ignore: false, fn }),
    (error: Error) => {
      assert.match(error.message, /^step "broken" failed: Error: step failed/);
      return true;
    },
  );
  assert.deepEqual(ran, ["first", "broken in a_test.ts", "last"]);
  assert.deepEqual(results, [true, true, false, true]);
});

Deno.test("runTest() rejects with the error the test body threw", async () => {
  const failure = new Error("body failed");
  await assert.rejects(
    runTest({
      name: "body",
      file: "a_test.ts",
      ignore: false,
      fn: () => Promise.reject(failure),
    }),
    (error) => error === failure,
  );
});
