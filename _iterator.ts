// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { ASYNC_DISPOSE, onAbort } from "./_util.ts";
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
 * The iterator behind `EventBus.iterate`; it starts listening unless the
 * signal was aborted already. `#push` is its listener: it hands a value to a
 * waiting `next()` or queues it, applying the overflow policy when the queue
 * is full. The queue is an array read from `#head`, compacted once the read
 * part is at least 1024 slots and half of it, so it never holds more than
 * `bufferSize + max(bufferSize, 1024)` slots.
 */
export class BufferedIterator<T> implements EventIterator<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #waiters: Waiter<T>[] = [];
  /** Set while listening; removes the subscription. */
  #off: (() => void) | undefined;
  /** No more values are queued once set. */
  #closed = false;
  /** What the next `next()` rejects with, once. */
  #failure: { error: unknown } | undefined;
  readonly #signal: AbortSignal | undefined;
  #onAbort = (): void => this.#fail(this.#signal!.reason);

  /**
   * @param config The validated options: buffer size, overflow policy,
   * signal.
   * @param label What is iterated, for error messages: `"user.created"` in
   * quotes, or `every event`.
   * @param subscribe Adds `push` as a listener and returns what removes it;
   * `released` is for when the bus removed it (`clear()`): the iterator ends
   * after its queue.
   */
  constructor(
    config: IteratorConfig,
    label: string,
    subscribe: (
      push: (value: unknown) => void,
      released: () => void,
    ) => () => void,
  ) {
    const [size, overflow, signal] = config;
    this.#signal = signal;
    // The listener: hands a value to a waiting read, or queues it.
    const push = (value: unknown): void => {
      if (this.#closed) return;
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) {
        waiter.resolve({ done: false, value: value as T });
        return;
      }
      if (this.buffered >= size) {
        if (overflow === "drop-newest") return;
        if (overflow === "error") {
          this.#fail(
            new Error(
              `Iterator of ${label} overflowed: its buffer of ${size} ${
                size === 1 ? "event" : "events"
              } was full`,
            ),
          );
          return;
        }
        this.#take();
      }
      this.#items.push(value as T);
    };
    if (signal?.aborted) {
      this.#fail(signal.reason);
    } else {
      this.#off = subscribe(push, () => {
        try {
          this.#stop();
        } finally {
          this.#settleWaiters();
        }
      });
      onAbort(signal, this.#onAbort);
    }
  }

  get buffered(): number {
    return this.#items.length - this.#head;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.buffered > 0) {
      return Promise.resolve({ done: false, value: this.#take() as T });
    }
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      return Promise.reject(failure.error);
    }
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    // Unsubscribing may throw (an onActive teardown); the iterator ends all
    // the same and the promise rejects with the error.
    try {
      this.#stop();
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.#clearItems();
      this.#failure = undefined;
      this.#settleWaiters();
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): EventIterator<T> {
    return this;
  }

  async [ASYNC_DISPOSE](): Promise<void> {
    await this.return();
  }

  /** Stops listening; the queue stays readable. */
  #stop(): void {
    this.#closed = true;
    const off = this.#off;
    if (off === undefined) return;
    this.#off = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    off();
  }

  /** Ends with an error: the queue is dropped and the next read rejects. */
  #fail(error: unknown): void {
    try {
      this.#stop();
    } finally {
      this.#clearItems();
      const waiter = this.#waiters.shift();
      if (waiter === undefined) this.#failure = { error };
      else waiter.reject(error);
      this.#settleWaiters();
    }
  }

  #settleWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve(DONE);
  }

  #take(): T | undefined {
    const items = this.#items;
    const value = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return value;
  }

  #clearItems(): void {
    this.#items = [];
    this.#head = 0;
  }
}
