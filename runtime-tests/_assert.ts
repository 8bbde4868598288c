// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * A tiny assertion kit for the runtime-neutral cases: Web-standard JavaScript
 * only, because browsers and workerd have no `node:assert`.
 *
 * @module
 */

/** Thrown when an assertion does not hold. */
export class AssertionError extends Error {
  /**
   * Makes an assertion error.
   *
   * @param message What did not hold.
   */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(value: unknown, depth = 0): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "symbol" || typeof value === "function") {
    return String(value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Error) {
    return `${value.name}(${JSON.stringify(value.message)})`;
  }
  if (depth > 3) return "…";
  if (Array.isArray(value)) {
    return `[${value.map((v) => show(v, depth + 1)).join(", ")}]`;
  }
  if (isPlain(value)) {
    const entries = Object.entries(value).map(([k, v]) =>
      `${k}: ${show(v, depth + 1)}`
    );
    return `{${entries.join(", ")}}`;
  }
  return String(value);
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isPlain(a) && isPlain(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return false;
}

/**
 * Asserts that two values are equal: `Object.is` for everything but arrays
 * and plain objects, which are compared member by member.
 *
 * @typeParam T The expected type.
 * @param actual The value seen.
 * @param expected The value wanted.
 * @param message What is being checked.
 * @throws {AssertionError} When they differ.
 */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message = "values differ",
): asserts actual is T {
  if (!same(actual, expected)) {
    throw new AssertionError(
      `${message}: expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

/**
 * Asserts that a value is exactly `true`.
 *
 * @param actual The value seen.
 * @param message What is being checked.
 * @throws {AssertionError} When it is not `true`.
 */
export function assert(actual: unknown, message: string): asserts actual {
  if (actual !== true) {
    throw new AssertionError(`${message}: got ${show(actual)}`);
  }
}

/**
 * A class of error, e.g. `TypeError`.
 *
 * @typeParam E The error type.
 */
export type ErrorClass<E extends Error = Error> = abstract new (
  // deno-lint-ignore no-explicit-any
  ...args: any[]
) => E;

function checkError(
  error: unknown,
  type: ErrorClass,
  message: string | undefined,
): Error {
  if (!(error instanceof type)) {
    throw new AssertionError(
      `expected a ${type.name}, got ${show(error)}`,
    );
  }
  if (message !== undefined && error.message !== message) {
    throw new AssertionError(
      `expected message ${show(message)}, got ${show(error.message)}`,
    );
  }
  return error;
}

/**
 * Asserts that `fn` throws synchronously an error of `type`, with exactly
 * `message` when one is given.
 *
 * @typeParam E The error type.
 * @param fn The code that must throw.
 * @param type The error class.
 * @param message The exact message.
 * @returns The error thrown.
 * @throws {AssertionError} When nothing or something else is thrown.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type: ErrorClass<E>,
  message?: string,
): E {
  try {
    fn();
  } catch (error) {
    return checkError(error, type, message) as E;
  }
  throw new AssertionError(`expected a ${type.name} to be thrown, got none`);
}

/**
 * Asserts that a promise rejects with an error of `type`, with exactly
 * `message` when one is given.
 *
 * @typeParam E The error type.
 * @param promise The promise that must reject.
 * @param type The error class.
 * @param message The exact message.
 * @returns The rejection reason.
 * @throws {AssertionError} When it resolves or rejects with something else.
 */
export async function assertRejects<E extends Error>(
  promise: PromiseLike<unknown>,
  type: ErrorClass<E>,
  message?: string,
): Promise<E> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return checkError(error, type, message) as E;
  }
  throw new AssertionError(
    `expected a rejection with a ${type.name}, it resolved with ${show(value)}`,
  );
}

/**
 * Asserts that a promise rejects with exactly `reason` (`Object.is`).
 *
 * @param promise The promise that must reject.
 * @param reason The reason it must reject with.
 * @throws {AssertionError} When it resolves or rejects with something else.
 */
export async function assertRejectsWith(
  promise: PromiseLike<unknown>,
  reason: unknown,
): Promise<void> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    if (Object.is(error, reason)) return;
    throw new AssertionError(
      `expected a rejection with ${show(reason)}, got ${show(error)}`,
    );
  }
  throw new AssertionError(
    `expected a rejection with ${show(reason)}, it resolved with ${
      show(value)
    }`,
  );
}
