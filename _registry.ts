// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { CACHE_LIMIT, PatternSubscription, resolve } from "./_pattern.ts";
import { type Call, Subscription, Topic } from "./_topic.ts";
import { DISPOSE } from "./_util.ts";
import { quote } from "./_validate.ts";
import type { Unsubscribe } from "./types.ts";

// The API of the registry for `bus.ts`:
//
// - `add(name, call, pattern?, listener?)` subscribes `call` to the event
//   `name`, to every event (`name` undefined), or to the pattern whose prefix
//   is `name` (`pattern` true), remembering `listener`, the value the user
//   passed (a function or an `{ onEvent }` object). Waits and iterators pass
//   no listener, so `removeListener` never removes them.
// - `remove(sub, cleared)` is the one way out: handles, `once`, signals,
//   settled waits, iterators leaving, `clear` and `removeListener` all end
//   here, which releases the subscription (`sub.release`).
// - `removeListener(name, listener, pattern?)` removes every subscription of
//   that key (same meaning of `name` and `pattern` as `add`) whose listener
//   is `listener`, in subscription order, and returns how many. Linear in the
//   subscriptions of that key.
// - `onActive(name)` / `onIdle(name)`: optional callbacks, set by the bus,
//   called when an event name goes from 0 to 1 own subscriptions and from 1
//   to 0, from every path above. Every-event and pattern subscriptions do not
//   count. `onActive` runs after the subscription is added (the count is 1);
//   if it throws, `add` takes the subscription back out, without `release`
//   and without `onIdle`, and rethrows. `onIdle` runs after the removal is
//   complete and its `release` ran; what it throws propagates to the caller
//   of `remove`; `clear()` clears everything even so and returns what it
//   threw.
// - `names()`: the event names that have own subscriptions now, in the order
//   they became active.
// - `handle(sub)`: the function that removes `sub`, `Disposable` too: a
//   bound function, no closure.
// - `sub.release = fn` (an accessor: a plain function subscription keeps no
//   slot for it) is called once by `remove`, with whether `clear()` removed
//   it. Set it right after `add`.
// - `walking`: how many emits of this bus are running listeners; while it is
//   above 0 no snapshot is changed in place (see `Topic`). An emit path that
//   holds a snapshot past its synchronous part (`emitSerial`) copies it.

/** The function every handle of `registry` binds to its subscription. */
function unsubscribeOf(registry: Registry): (this: Subscription) => void {
  return function (this: Subscription): void {
    registry.remove(this, false);
  };
}

/**
 * The subscriptions of one bus: the listeners of each event, of every event
 * and of each pattern. Every way to subscribe ends in `add`, every way to
 * unsubscribe (a handle, a signal, `once`, a settled wait, an iterator
 * leaving, `clear`, `removeListener`) in `remove`. Emits read the
 * `snapshot`s.
 */
export class Registry {
  /** The topics of events, by name; read by the emit path. */
  readonly topics: Map<string, Topic> = new Map();
  /** The listeners of every event; `undefined` while there are none. */
  #every: Topic | undefined;
  /** The topic of each pattern, by its prefix; `undefined` while none. */
  #patterns: Map<string, Topic> | undefined;
  /** The next pattern subscription's place among them all. */
  #order = 0;
  /**
   * The pattern listeners of each name emitted, oldest first (`null` when
   * none matches), kept for at most `CACHE_LIMIT` names until any pattern
   * subscription changes.
   */
  #cache: Map<string, readonly Call[] | null> | undefined;
  #count = 0;
  /** How many emits are running listeners now. */
  walking = 0;
  /** Called when the event `name` gets its first own subscription. */
  onActive: ((name: string) => void) | undefined;
  /** Called when the event `name` loses its last own subscription. */
  onIdle: ((name: string) => void) | undefined;
  readonly #maxListeners: number;
  readonly #onWarning: (warning: Error) => void;
  /** The topics `maxListeners` warned about (a field per topic costs more). */
  #warned: WeakSet<Topic> | undefined;
  /** What every handle of this registry binds to its subscription. */
  readonly #unsubscribe: (this: Subscription) => void;

  constructor(maxListeners: number, onWarning: (warning: Error) => void) {
    this.#maxListeners = maxListeners;
    this.#onWarning = onWarning;
    this.#unsubscribe = unsubscribeOf(this);
  }

  /**
   * Adds a subscription to the event `name`, to every event when `name` is
   * `undefined`, or to the pattern whose prefix is `name` when `pattern`.
   * `listener` is what the user passed, for `removeListener`. Warns once per
   * topic when it holds more than `maxListeners`.
   */
  add(
    name: string | undefined,
    call: Call,
    pattern = false,
    listener?: unknown,
  ): Subscription {
    const topics = pattern ? this.#patterns ??= new Map() : this.topics;
    let topic = name === undefined ? this.#every : topics.get(name);
    const created = topic === undefined;
    if (topic === undefined) {
      topic = new Topic(name);
      if (name === undefined) this.#every = topic;
      else topics.set(name, topic);
    }
    const sub = pattern
      ? new PatternSubscription(topic, call, listener, this.#order++)
      : new Subscription(topic, call, listener);
    topic.add(sub, this.walking === 0);
    this.#count++;
    if (pattern) this.#cache?.clear();
    else if (created && name !== undefined && this.onActive !== undefined) {
      try {
        this.onActive(name);
      } catch (error) {
        this.remove(sub, false, true);
        throw error;
      }
    }
    if (topic.size > this.#maxListeners && !this.#warned?.has(topic)) {
      this.#warnLeak(topic, pattern);
    }
    return sub;
  }

  /** The function that removes `sub`; its `Symbol.dispose` does too. */
  handle(sub: Subscription): Unsubscribe {
    // `bind`, not a closure: no context (48 bytes in all). Its own
    // `Symbol.dispose` costs a property array (40 bytes); a prototype that
    // has it would not, but `bind` of a function whose prototype is not
    // `Function.prototype` leaves V8's fast path: 60 ns instead of 4.
    const off = this.#unsubscribe.bind(sub) as unknown as Unsubscribe;
    (off as unknown as Record<symbol, unknown>)[DISPOSE] = off;
    return off;
  }

  /**
   * Removes a subscription, and its topic once empty, then runs its
   * `release` and `onIdle`, unless `quiet` (taking back a subscription that
   * `add` could not finish). Harmless when it is gone already.
   */
  remove(sub: Subscription, cleared: boolean, quiet = false): void {
    const topic = sub.topic;
    if (topic === undefined) return;
    topic.delete(sub, this.walking === 0);
    const pattern = sub instanceof PatternSubscription;
    if (pattern) this.#cache?.clear();
    let idle: string | undefined;
    if (topic.size === 0) {
      const name = topic.name;
      if (name === undefined) this.#every = undefined;
      else if (!pattern) this.topics.delete(idle = name);
      else if (this.#patterns!.delete(name) && this.#patterns!.size === 0) {
        // No pattern left: emits skip patterns again.
        this.#patterns = undefined;
      }
    }
    sub.topic = undefined;
    this.#count--;
    if (quiet) return;
    sub.release?.(cleared);
    if (idle !== undefined) this.onIdle?.(idle);
  }

  /**
   * Removes every subscription of the event `name` (every event when
   * `undefined`, the pattern whose prefix is `name` when `pattern`) whose
   * listener is `listener`.
   *
   * @returns How many it removed.
   */
  removeListener(
    name: string | undefined,
    listener: unknown,
    pattern = false,
  ): number {
    const topic = pattern
      ? this.#patterns?.get(name!)
      : name === undefined
      ? this.#every
      : this.topics.get(name);
    // Waits and iterators have no listener: never theirs to remove.
    if (topic === undefined || listener === undefined) return 0;
    let removed = 0;
    for (let sub = topic.head; sub !== undefined;) {
      const next = sub.next;
      if (sub.listener === listener) {
        this.remove(sub, false);
        removed++;
      }
      sub = next;
    }
    return removed;
  }

  /** The event names that have own subscriptions, oldest first. */
  names(): string[] {
    return [...this.topics.keys()];
  }

  /**
   * Removes every subscription of the event `name`, or every one at all,
   * even when onIdle throws.
   *
   * @returns What onIdle threw.
   */
  clear(name?: string): unknown[] {
    const topics = name !== undefined ? [this.topics.get(name)] : [
      ...this.topics.values(),
      this.#every,
      ...this.#patterns?.values() ?? [],
    ];
    const errors: unknown[] = [];
    for (const topic of topics) {
      try {
        for (const sub of topic?.subs() ?? []) this.remove(sub, true);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  /**
   * The number of subscriptions of the event `name` (its own listeners), or
   * of every subscription.
   */
  count(name?: string): number {
    if (name === undefined) return this.#count;
    return this.topics.get(name)?.size ?? 0;
  }

  /** The listeners of the event `name` an emit calls now. */
  snapshot(name: string): readonly Call[] | undefined {
    return this.topics.get(name)?.snapshot();
  }

  /** The pattern listeners an emit of `name` calls now. */
  patternSnapshot(name: string): readonly Call[] | undefined {
    const patterns = this.#patterns;
    if (patterns === undefined) return undefined;
    const cache = this.#cache ??= new Map();
    let calls = cache.get(name);
    if (calls === undefined) {
      calls = resolve(patterns, name) ?? null;
      cache.set(name, calls);
      if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    }
    return calls ?? undefined;
  }

  /** Whether every subscription is to an event of its own (no pattern, no every-event). */
  get ownOnly(): boolean {
    return this.#every === undefined && this.#patterns === undefined;
  }

  /** The listeners of every event an emit calls now. */
  everySnapshot(): readonly Call[] | undefined {
    return this.#every?.snapshot();
  }

  #warnLeak(topic: Topic, pattern: boolean): void {
    (this.#warned ??= new WeakSet()).add(topic);
    const what = pattern
      ? `pattern ${quote(`${topic.name}*`)}`
      : topic.name === undefined
      ? "every event"
      : quote(topic.name);
    const warning = new Error(
      `Possible listener leak: ${topic.size} listeners of ${what}, more than maxListeners (${this.#maxListeners})`,
    );
    warning.name = "MaxListenersExceededWarning";
    try {
      this.#onWarning(warning);
    } catch {
      // A warning must never break a subscription.
    }
  }
}
