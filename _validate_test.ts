// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { describe, invalid, MAX_QUOTE, quote } from "./_validate.ts";

Deno.test("invalid() names the action, the argument, what it must be and the value's kind", () => {
  const error = invalid("Cannot subscribe", "listener", "a function", 42);
  assert.ok(error instanceof TypeError);
  assert.equal(
    error.message,
    "Cannot subscribe: listener must be a function, got number 42",
  );
  const lazy = invalid(() => "Cannot emit", "event name", "a string", null);
  assert.equal(
    lazy.message,
    "Cannot emit: event name must be a string, got null",
  );
});

Deno.test("invalid() with RangeError shows the value itself", () => {
  const error = invalid(
    "Cannot iterate",
    "options.bufferSize",
    "positive",
    0,
    RangeError,
  );
  assert.ok(error instanceof RangeError);
  assert.equal(
    error.message,
    "Cannot iterate: options.bufferSize must be positive, got 0",
  );
});

Deno.test("quote() cuts a string after MAX_QUOTE characters", () => {
  assert.equal(MAX_QUOTE, 200);
  assert.equal(quote("a".repeat(200)), `"${"a".repeat(200)}"`);
  assert.equal(quote("a".repeat(10_000)), `"${"a".repeat(200)}"…`);
  assert.equal(
    describe("b".repeat(10_000)),
    `string "${"b".repeat(200)}"…`,
  );
  const error = invalid("Cannot wait", "options", "an object", "c".repeat(500));
  assert.equal(
    error.message,
    `Cannot wait: options must be an object, got string "${"c".repeat(200)}"…`,
  );
});
