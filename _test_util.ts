// Copyright 2026 the arcly authors. MIT license.

/**
 * Helpers shared by the test files. Test-only: excluded from the published
 * package. Runtime-neutral (the runtime hosts bundle it with the suite),
 * except {@linkcode heapAfterGc}, which needs Deno.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { EventIterator } from "./mod.ts";

/**
 * Reads an environment variable; `undefined` without env permission, and on
 * the runtime hosts, whose `Deno` shim has no `env`.
 */
export function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Whether the large sizes of `deno task test:deep` are wanted. */
export const DEEP: boolean = env("BUS_DEEP") === "1";

/**
 * An event map with dotted names, for pattern subscriptions: `user.*`
 * matches `user.created`, `user.deleted` and `user.profile.updated`, not
 * `user` nor `users.created`.
 */
export type DottedEvents = {
  user: { id: number };
  users: { id: number };
  "user.created": { id: number };
  "user.deleted": { id: number };
  "user.profile.updated": { id: number; field: string };
  "users.created": { id: number };
  "job.done": string;
};

/** A promise with its settle functions exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** Makes a {@linkcode Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Resolves on the next macrotask, that is after every microtask queued so far
 * (and every microtask those queue) has run. Cheap: no timer clamping.
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(0);
    port2.close();
  });
}

/**
 * Resolves after one turn of the event loop, the point at which Deno
 * dispatches `unhandledrejection` for promises rejected before it.
 */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Whether a promise has settled after one turn of the event loop, that is
 * once every microtask queued so far has run.
 */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  const mark = () => {
    done = true;
  };
  promise.then(mark, mark);
  await nextTick();
  return done;
}

/** Node's `process` events, where there is no global `unhandledrejection`. */
interface NodeProcess {
  on(event: "unhandledRejection", listener: (reason: unknown) => void): void;
  off(event: "unhandledRejection", listener: (reason: unknown) => void): void;
}

/**
 * Records every unhandled rejection from `start()` to `stop()`: the global
 * `unhandledrejection` event (Deno, Bun, workerd, browsers), or Node's
 * `process` event `unhandledRejection`.
 */
export class RejectionWatch {
  /** The reasons seen, in order. */
  readonly reasons: unknown[] = [];
  #listener = (event: PromiseRejectionEvent): void => {
    event.preventDefault();
    this.reasons.push(event.reason);
  };
  #nodeListener = (reason: unknown): void => {
    this.reasons.push(reason);
  };

  /** Starts listening. */
  start(): void {
    if (typeof globalThis.addEventListener === "function") {
      globalThis.addEventListener("unhandledrejection", this.#listener);
    } else {
      nodeProcess().on("unhandledRejection", this.#nodeListener);
    }
  }

  /** Waits one event-loop turn so pending reports arrive, then stops. */
  async stop(): Promise<unknown[]> {
    await nextTick();
    if (typeof globalThis.removeEventListener === "function") {
      globalThis.removeEventListener("unhandledrejection", this.#listener);
    } else {
      nodeProcess().off("unhandledRejection", this.#nodeListener);
    }
    return this.reasons;
  }

  /** Waits one event-loop turn and returns what was seen since the last call. */
  async take(): Promise<unknown[]> {
    await nextTick();
    return this.reasons.splice(0);
  }
}

/**
 * Wraps a test body so that the test fails when the body leaves an unhandled
 * promise rejection behind, even one that happens after the body returned
 * (within one more event-loop turn).
 */
export function noUnhandledRejections(
  body: (t: Deno.TestContext) => void | Promise<void>,
): (t: Deno.TestContext) => Promise<void> {
  return async (t) => {
    const watch = new RejectionWatch();
    watch.start();
    let reasons: unknown[];
    try {
      await body(t);
    } finally {
      reasons = await watch.stop();
    }
    if (reasons.length > 0) {
      throw new AggregateError(
        reasons,
        `The test left ${reasons.length} unhandled promise rejection(s): ${
          reasons.map(String).join("; ")
        }`,
      );
    }
  };
}

function nodeProcess(): NodeProcess {
  const node = (globalThis as { process?: NodeProcess }).process;
  if (node === undefined) throw new Error("No unhandled-rejection event here");
  return node;
}

/** An `AbortSignal` that knows how many abort listeners it holds. */
export interface CountingSignal {
  controller: AbortController;
  signal: AbortSignal;
  /** Abort listeners added and not yet removed. */
  listeners(): number;
}

/**
 * A real `AbortSignal` whose `addEventListener`/`removeEventListener` keep a
 * set of the abort listeners it holds (the way `EventTarget` does: one entry
 * per listener function). Listeners that fire with `once` are removed by
 * `EventTarget` itself, so the count is only exact while it is not aborted.
 */
export function countingSignal(): CountingSignal {
  const controller = new AbortController();
  const signal = controller.signal;
  const held = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  Object.defineProperties(signal, {
    addEventListener: {
      value(
        type: string,
        listener: EventListenerOrEventListenerObject,
        options?: boolean | AddEventListenerOptions,
      ) {
        if (type === "abort") held.add(listener);
        add(type, listener, options);
      },
    },
    removeEventListener: {
      value(
        type: string,
        listener: EventListenerOrEventListenerObject,
        options?: boolean | EventListenerOptions,
      ) {
        if (type === "abort") held.delete(listener);
        remove(type, listener, options);
      },
    },
  });
  return { controller, signal, listeners: () => held.size };
}

/** Runs the garbage collector (needs `--v8-flags=--expose-gc`). */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    throw new Error("Run with --v8-flags=--expose-gc to measure the heap");
  }
  gc();
  gc();
}

/** Whether the garbage collector is exposed. */
export const HAS_GC: boolean =
  typeof (globalThis as { gc?: unknown }).gc === "function";

/** Heap in use after a full collection, in bytes (Deno only). */
export function heapAfterGc(): number {
  collect();
  return Deno.memoryUsage().heapUsed;
}

/** Rejects when `promise` has not settled within `ms`, so no test hangs. */
export function within<T>(
  promise: Promise<T>,
  what: string,
  ms = 5000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out waiting for ${what}`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads every buffered value of an iterator without waiting for new ones. */
export async function drain<T>(iterator: EventIterator<T>): Promise<T[]> {
  const values: T[] = [];
  while (iterator.buffered > 0) {
    const result = await iterator.next();
    assert.equal(result.done, false);
    values.push(result.value as T);
  }
  return values;
}
