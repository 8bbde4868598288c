// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Delivery } from "./types.ts";

/** What an emit calls for one subscription. */
export type Call = (arg: unknown, delivery: Delivery) => unknown;

// Snapshots are plain arrays, never frozen: V8 reads the elements of a frozen
// array on a slower path, which made each listener call of an emit 3-4x
// slower (see docs/benchmarks.md). Nothing outside emit ever sees them.
const EMPTY: readonly Call[] = [];

/** One subscription, alive while `topic` is set. */
export class Subscription {
  /** The topic holding it; `undefined` once it is removed. */
  topic: Topic | undefined;
  /** Called once when it is removed; `cleared` says `clear()` removed it. */
  release: ((cleared: boolean) => void) | undefined = undefined;
  readonly call: Call;
  /** The listener the user passed, `undefined` for waits and iterators. */
  readonly listener: unknown;

  constructor(topic: Topic, call: Call, listener: unknown) {
    this.topic = topic;
    this.call = call;
    this.listener = listener;
  }
}

/**
 * The listeners of one event. The insertion-ordered `Set` is the source of
 * truth, so adding and removing stay O(1) whatever its size; the array
 * that emits walk is rebuilt lazily, once, by the first emit after a change.
 * An emit keeps the array it read, so later changes never reach it.
 */
export class Topic {
  readonly subs: Set<Subscription> = new Set();
  /**
   * The event name, `undefined` for the topic of every event, or the
   * pattern (`"user.*"`) for a pattern's topic.
   */
  readonly name: string | undefined;
  /** Whether `maxListeners` has already warned about this topic. */
  warned = false;
  #snapshot: readonly Call[] = EMPTY;
  #stale = false;

  constructor(name: string | undefined) {
    this.name = name;
  }

  add(sub: Subscription): void {
    this.subs.add(sub);
    this.#stale = true;
  }

  delete(sub: Subscription): boolean {
    if (!this.subs.delete(sub)) return false;
    this.#stale = true;
    return true;
  }

  snapshot(): readonly Call[] {
    if (this.#stale) {
      // A for-of loop: Array.from with a map function is 5x slower here,
      // and an emit after every change (churn) pays for this copy.
      const calls: Call[] = [];
      for (const sub of this.subs) calls.push(sub.call);
      this.#snapshot = calls;
      this.#stale = false;
    }
    return this.#snapshot;
  }
}
