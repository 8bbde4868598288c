// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Delivery } from "./types.ts";

/** What an emit calls for one subscription. */
export type Call = (arg: unknown, delivery: Delivery) => unknown;

/** What a subscription holds beyond its call, when there is more. */
interface Held {
  readonly call: Call;
  readonly listener: unknown;
  release: ((cleared: boolean) => void) | undefined;
}

/**
 * One subscription, alive while `topic` is set: a node of its topic's
 * doubly linked list, so it leaves in O(1) without a `Set` entry. A
 * subscription of a plain function, with nothing to release, is four
 * fields; the listener when it is not `call`, and `release`, live in a
 * second object only when there are any.
 */
export class Subscription {
  /** The topic holding it; `undefined` once it is removed. */
  topic: Topic | undefined;
  prev: Subscription | undefined;
  next: Subscription | undefined;
  /** The call, or an object with it and the rest when there is more. */
  #held: Call | Held;

  constructor(topic: Topic, call: Call, listener: unknown) {
    this.topic = topic;
    this.#held = listener === call
      ? call
      : { call, listener, release: undefined };
  }

  /** What an emit calls. */
  get call(): Call {
    const held = this.#held;
    return typeof held === "function" ? held : held.call;
  }

  /** The listener the user passed, `undefined` for waits and iterators. */
  get listener(): unknown {
    const held = this.#held;
    return typeof held === "function" ? held : held.listener;
  }

  /** Called once when it is removed; `cleared` says `clear()` removed it. */
  get release(): ((cleared: boolean) => void) | undefined {
    const held = this.#held;
    return typeof held === "function" ? undefined : held.release;
  }

  set release(release: ((cleared: boolean) => void) | undefined) {
    let held = this.#held;
    if (typeof held === "function") {
      held = this.#held = { call: held, listener: held, release: undefined };
    }
    held.release = release;
  }
}

/**
 * The listeners of one event: a doubly linked list of subscriptions, so
 * adding and removing stay O(1) whatever its size, and the array that emits
 * walk (`snapshot`), built by the first emit after it was dropped.
 *
 * An emit keeps the array it read, so later changes must never reach it: a
 * change made while an emit of the bus may be walking (`inPlace` false)
 * drops the array, and the next emit builds a new one. Otherwise appending
 * a subscription and removing the last or first one update the array in
 * place, so an event whose listeners come and go between emits (churn)
 * does not copy its listeners on each emit.
 */
export class Topic {
  /**
   * The event name, `undefined` for the topic of every event, or the
   * prefix of the pattern (`"user."` for `"user.*"`) for a pattern's topic.
   */
  readonly name: string | undefined;
  head: Subscription | undefined;
  tail: Subscription | undefined;
  size = 0;
  /** The calls in subscription order; `undefined` until an emit needs it. */
  #snapshot: Call[] | undefined;

  constructor(name: string | undefined) {
    this.name = name;
  }

  add(sub: Subscription, inPlace: boolean): void {
    const tail = this.tail;
    sub.prev = tail;
    if (tail === undefined) this.head = sub;
    else tail.next = sub;
    this.tail = sub;
    this.size++;
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return;
    if (inPlace) snapshot.push(sub.call);
    else this.#snapshot = undefined;
  }

  /** Removes `sub`, which must be one of this topic's subscriptions. */
  delete(sub: Subscription, inPlace: boolean): void {
    const { prev, next } = sub;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    sub.prev = sub.next = undefined;
    this.size--;
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return;
    if (inPlace && next === undefined) snapshot.pop();
    else if (inPlace && prev === undefined) snapshot.shift();
    else this.#snapshot = undefined;
  }

  /** The subscriptions, oldest first, as an array. */
  subs(): Subscription[] {
    const subs: Subscription[] = [];
    for (let sub = this.head; sub !== undefined; sub = sub.next) {
      subs.push(sub);
    }
    return subs;
  }

  snapshot(): readonly Call[] {
    let calls = this.#snapshot;
    if (calls === undefined) {
      // Plain arrays, never frozen: V8 reads the elements of a frozen array
      // on a slower path, which made each listener call of an emit 3-4x
      // slower (see docs/benchmarks.md). Nothing outside emit sees them.
      // A literal first: an array of one listener takes one slot, not the
      // 17 that `push` on `[]` reserves.
      const head = this.head!;
      calls = [head.call];
      for (let sub = head.next; sub !== undefined; sub = sub.next) {
        calls.push(sub.call);
      }
      // `push` leaves up to half again as many free slots: a copy holds
      // exactly the calls (8 bytes a subscription less on a large event).
      this.#snapshot = calls = calls.length > 1 ? calls.slice() : calls;
    }
    return calls;
  }
}
