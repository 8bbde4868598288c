// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { Patterns, PatternTopic } from "./_pattern.ts";
import { type Call, Subscription, Topic } from "./_topic.ts";
import { quote } from "./_validate.ts";

/**
 * The subscriptions of one bus: the listeners of each event, of every event
 * and of each pattern. Every way to subscribe ends in `add`, every way to
 * unsubscribe (a handle, a signal, `once`, a settled wait, an iterator
 * leaving, `clear`) in `remove`. Emits read the `snapshot`s.
 */
export class Registry {
  #topics: Map<string, Topic> = new Map();
  /** The listeners of every event; `undefined` while there are none. */
  #every: Topic | undefined = undefined;
  /** The pattern subscriptions; `undefined` while there are none. */
  #patterns: Patterns | undefined = undefined;
  #count = 0;
  readonly #maxListeners: number;
  readonly #onWarning: (warning: Error) => void;

  constructor(maxListeners: number, onWarning: (warning: Error) => void) {
    this.#maxListeners = maxListeners;
    this.#onWarning = onWarning;
  }

  /**
   * Adds a subscription to the event `name`, to every event when `name` is
   * `undefined`, or to the pattern whose prefix is `name` when `pattern`.
   * Warns once per topic when it holds more than `maxListeners`.
   */
  add(name: string | undefined, call: Call, pattern = false): Subscription {
    let sub: Subscription;
    if (pattern) {
      sub = (this.#patterns ??= new Patterns()).add(name!, call);
    } else {
      let topic = name === undefined ? this.#every : this.#topics.get(name);
      if (topic === undefined) {
        topic = new Topic(name);
        if (name === undefined) this.#every = topic;
        else this.#topics.set(name, topic);
      }
      sub = new Subscription(topic, call);
      topic.add(sub);
    }
    this.#count++;
    const topic = sub.topic!;
    if (topic.subs.size > this.#maxListeners && !topic.warned) {
      this.#warnLeak(topic);
    }
    return sub;
  }

  /**
   * Removes a subscription, and its topic once empty, then runs its
   * `release`. Harmless when it is gone already.
   */
  remove(sub: Subscription, cleared: boolean): void {
    const topic = sub.topic;
    if (topic === undefined) return;
    if (topic instanceof PatternTopic) {
      const patterns = this.#patterns!;
      if (!patterns.delete(sub)) return;
      // No pattern left: emits skip patterns again.
      if (patterns.topics.size === 0) this.#patterns = undefined;
    } else {
      if (!topic.delete(sub)) return;
      if (topic.subs.size === 0) {
        if (topic.name === undefined) this.#every = undefined;
        else this.#topics.delete(topic.name);
      }
    }
    sub.topic = undefined;
    this.#count--;
    sub.release?.(cleared);
  }

  /** Removes every subscription of the event `name`, or every one at all. */
  clear(name?: string): void {
    if (name !== undefined) {
      const topic = this.#topics.get(name);
      if (topic !== undefined) this.#clearTopic(topic);
      return;
    }
    for (const topic of [...this.#topics.values()]) this.#clearTopic(topic);
    if (this.#every !== undefined) this.#clearTopic(this.#every);
    const patterns = this.#patterns;
    if (patterns === undefined) return;
    for (const topic of [...patterns.topics.values()]) {
      this.#clearTopic(topic);
    }
  }

  /**
   * The number of subscriptions of the event `name` (its own listeners), or
   * of every subscription.
   */
  count(name?: string): number {
    if (name === undefined) return this.#count;
    return this.#topics.get(name)?.subs.size ?? 0;
  }

  /** The listeners of the event `name` an emit calls now. */
  snapshot(name: string): readonly Call[] | undefined {
    return this.#topics.get(name)?.snapshot();
  }

  /** The pattern listeners an emit of `name` calls now. */
  patternSnapshot(name: string): readonly Call[] | undefined {
    return this.#patterns?.match(name);
  }

  /** The listeners of every event an emit calls now. */
  everySnapshot(): readonly Call[] | undefined {
    return this.#every?.snapshot();
  }

  #clearTopic(topic: Topic): void {
    for (const sub of [...topic.subs]) this.remove(sub, true);
  }

  #warnLeak(topic: Topic): void {
    topic.warned = true;
    const what = topic instanceof PatternTopic
      ? `pattern ${quote(topic.name!)}`
      : topic.name === undefined
      ? "every event"
      : quote(topic.name);
    const warning = new Error(
      `Possible listener leak: ${topic.subs.size} listeners of ${what}, more than maxListeners (${this.#maxListeners})`,
    );
    warning.name = "MaxListenersExceededWarning";
    try {
      this.#onWarning(warning);
    } catch {
      // A warning must never break a subscription.
    }
  }
}
