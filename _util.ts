// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Unsubscribe } from "./types.ts";

// Symbol.dispose and Symbol.asyncDispose are missing on a few older runtimes;
// handles still work as functions and iterators as iterators there.

/** `Symbol.dispose`, or its registered stand-in where the runtime lacks it. */
export const DISPOSE: typeof Symbol.dispose = Symbol.dispose ??
  Symbol.for("Symbol.dispose");

/** `Symbol.asyncDispose`, or its registered stand-in. */
export const ASYNC_DISPOSE: typeof Symbol.asyncDispose = Symbol.asyncDispose ??
  Symbol.for("Symbol.asyncDispose");

// Defined beside the listener loop that calls it (see there).
export { isThenable } from "./_fan_out.ts";

/**
 * The `onError` of a bridge or consumer given none: logs to the console with
 * a label, so errors never vanish.
 */
export function logError(label: string): (error: unknown) => void {
  return (error) => console.error(`@arcly/bus ${label}:`, error);
}

function noop(): void {}

/**
 * Calls `abort` once `signal` aborts, or at once when it has aborted
 * already: a subscription's `onActive` setup may abort the signal that the
 * subscription was made with before this is called.
 */
export function onAbort(
  signal: AbortSignal | undefined,
  abort: () => void,
): void {
  if (signal?.aborted) abort();
  else signal?.addEventListener("abort", abort, { once: true });
}

/** The handle of a subscription that was never made (an aborted signal). */
export const NOOP_HANDLE: Unsubscribe = Object.freeze(
  Object.assign(noop, { [DISPOSE]: noop }),
);
