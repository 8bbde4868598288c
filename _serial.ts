// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Call } from "./_topic.ts";
import { isThenable } from "./_util.ts";
import type { Delivery } from "./types.ts";

/**
 * Calls each group's calls in order with that group's argument, one at a
 * time: a call that returns a thenable is awaited before the next starts.
 * The first call starts synchronously. A throw or rejection is collected and
 * the next call still runs.
 *
 * @returns The errors, in call order.
 */
export async function runSerial(
  groups: readonly (readonly [readonly Call[], unknown])[],
  delivery: Delivery,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const [calls, arg] of groups) {
    // Each call through a local, so `this` is undefined, not the array.
    for (const call of calls) {
      try {
        const result = call(arg, delivery);
        // await adopts foreign thenables safely, as Promise.resolve does.
        if (isThenable(result)) await result;
      } catch (error) {
        errors.push(error);
      }
    }
  }
  return errors;
}
