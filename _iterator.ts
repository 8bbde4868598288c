// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { ASYNC_DISPOSE } from "./_util.ts";
import type { IteratorConfig } from "./_validate.ts";
import type { EventIterator } from "./types.ts";

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({
  done: true,
  value: undefined,
});

/**
 * Makes the iterator behind `EventBus.iterate`, and starts listening unless
 * the signal was aborted already. `push` is its listener: it hands a value
 * to a waiting `next()` or queues it, applying the overflow policy when the
 * queue is full. The queue is an array read from `head`,
 * compacted once the read part is at least 1024 slots and half of it, so it
 * never holds more than `bufferSize + max(bufferSize, 1024)` slots.
 *
 * @param config The validated options: buffer size, overflow policy, signal.
 * @param label What is iterated, for error messages: `"user.created"` in
 * quotes, or `every event`.
 * @param subscribe Adds `push` as a listener and returns what removes it;
 * `released` is for when the bus removed it (`clear()`): the iterator ends
 * after its queue.
 */
export function bufferedIterator<T>(
  config: IteratorConfig,
  label: string,
  subscribe: (
    push: (value: unknown) => void,
    released: () => void,
  ) => () => void,
): EventIterator<T> {
  const [size, overflow, signal] = config;
  let items: (T | undefined)[] = [];
  let head = 0;
  let waiters: Waiter<T>[] = [];
  /** Set while listening; removes the subscription. */
  let off: (() => void) | undefined;
  /** No more values are queued once set. */
  let closed = false;
  /** What the next `next()` rejects with, once. */
  let failure: { error: unknown } | undefined;
  const onAbort = (): void => fail(signal!.reason);

  /** Stops listening; the queue stays readable. */
  const stop = (): void => {
    closed = true;
    const remove = off;
    if (remove === undefined) return;
    off = undefined;
    signal?.removeEventListener("abort", onAbort);
    remove();
  };

  /** Ends with an error: the queue is dropped and the next read rejects. */
  const fail = (error: unknown): void => {
    try {
      stop();
    } finally {
      items = [];
      head = 0;
      const waiter = waiters.shift();
      if (waiter === undefined) failure = { error };
      else waiter.reject(error);
      settleWaiters();
    }
  };

  const settleWaiters = (): void => {
    const settling = waiters;
    waiters = [];
    for (const waiter of settling) waiter.resolve(DONE);
  };

  const take = (): T | undefined => {
    const value = items[head];
    items[head++] = undefined;
    if (head === items.length) {
      items.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      items.splice(0, head);
      head = 0;
    }
    return value;
  };

  /** The listener: hands a value on, or queues it. */
  const push = (value: unknown): void => {
    if (closed) return;
    const waiter = waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: value as T });
      return;
    }
    if (items.length - head >= size) {
      if (overflow === "drop-newest") return;
      if (overflow === "error") {
        fail(
          new Error(
            `Iterator of ${label} overflowed: its buffer of ${size} ${
              size === 1 ? "event" : "events"
            } was full`,
          ),
        );
        return;
      }
      take();
    }
    items.push(value as T);
  };

  /** The bus removed the subscription (`clear()`): end after the queue. */
  const released = (): void => {
    try {
      stop();
    } finally {
      settleWaiters();
    }
  };

  const iterator: EventIterator<T> = {
    get buffered() {
      return items.length - head;
    },

    next() {
      if (items.length - head > 0) {
        return Promise.resolve({ done: false, value: take() as T });
      }
      const failed = failure;
      if (failed !== undefined) {
        failure = undefined;
        return Promise.reject(failed.error);
      }
      if (closed) return Promise.resolve(DONE);
      return new Promise((resolve, reject) => {
        waiters.push({ resolve, reject });
      });
    },

    return() {
      try {
        stop();
      } catch (error) {
        return Promise.reject(error);
      } finally {
        items = [];
        head = 0;
        failure = undefined;
        settleWaiters();
      }
      return Promise.resolve(DONE);
    },

    [Symbol.asyncIterator]() {
      return iterator;
    },

    async [ASYNC_DISPOSE]() {
      await iterator.return();
    },
  };
  if (signal?.aborted) {
    fail(signal.reason);
  } else {
    off = subscribe(push, released);
    signal?.addEventListener("abort", onAbort, { once: true });
  }
  return iterator;
}
