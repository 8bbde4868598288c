// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Call } from "./_topic.ts";

/**
 * Calls each group's calls in order with that group's argument, one at a
 * time: a call that returns a thenable is awaited before the next starts.
 * The first call starts synchronously. A throw or rejection is collected and
 * the next call still runs.
 *
 * @returns The errors, in call order.
 */
export async function runSerial(
  groups: readonly (readonly [readonly Call[] | undefined, unknown])[],
): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const [calls, arg] of groups) {
    if (calls === undefined) continue;
    for (let i = 0; i < calls.length; i++) {
      // Called through a local so `this` is undefined, not the internal array.
      const call = calls[i]!;
      try {
        const result = call(arg);
        if (
          result !== null &&
          (typeof result === "object" || typeof result === "function") &&
          typeof (result as PromiseLike<unknown>).then === "function"
        ) {
          // Promise.resolve adopts foreign thenables safely.
          await Promise.resolve(result as PromiseLike<unknown>);
        }
      } catch (error) {
        errors.push(error);
      }
    }
  }
  return errors;
}
