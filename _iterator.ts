// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { ASYNC_DISPOSE } from "./_util.ts";
import type { IteratorConfig } from "./_validate.ts";
import type { EventIterator, OverflowPolicy } from "./types.ts";

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({
  done: true,
  value: undefined,
});

/**
 * The iterator behind `EventBus.iterate`. `push` is its listener: it hands a
 * value to a waiting `next()` or queues it, applying the overflow policy when
 * the queue is full. The queue is an array read from `#head`, compacted once
 * the read part is at least 1024 slots and half of it, so it never holds more
 * than `bufferSize + max(bufferSize, 1024)` slots.
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
  readonly #size: number;
  readonly #overflow: OverflowPolicy;
  readonly #signal: AbortSignal | undefined;
  readonly #label: string;
  #onAbort = (): void => this.#fail(this.#signal!.reason);

  /** The listener: call it with each value. */
  readonly push = (value: unknown): void => {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: value as T });
      return;
    }
    if (this.buffered >= this.#size) {
      const overflow = this.#overflow;
      if (overflow === "drop-newest") return;
      if (overflow === "error") {
        this.#fail(
          new Error(
            `Iterator of ${this.#label} overflowed: its buffer of ${this.#size} ${
              this.#size === 1 ? "event" : "events"
            } was full`,
          ),
        );
        return;
      }
      // "drop-oldest"
      this.#take();
    }
    this.#items.push(value as T);
  };

  /**
   * @param config The validated options.
   * @param label What is iterated, for error messages: `"user.created"` in
   * quotes, or `every event`.
   */
  constructor(config: IteratorConfig, label: string) {
    this.#size = config.bufferSize;
    this.#overflow = config.overflow;
    this.#signal = config.signal;
    this.#label = label;
    // std's convention: an aborted signal makes the next read reject with
    // its reason. The bus does not subscribe such an iterator.
    if (config.signal?.aborted) this.#fail(config.signal.reason);
  }

  /**
   * Starts listening, unless the signal was aborted already: `subscribe`
   * adds `push` as a listener and returns what removes it.
   */
  listen(subscribe: () => () => void): void {
    if (this.#closed) return;
    this.#off = subscribe();
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The subscription was removed by the bus (`clear()`): end after the queue. */
  released(): void {
    try {
      this.#stop();
    } finally {
      this.#settleWaiters();
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
