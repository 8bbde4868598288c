// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { type Call, Subscription, Topic } from "./_topic.ts";

/**
 * How many event names keep a cached pattern resolution. Past it the oldest
 * is forgotten (and resolved again when it is emitted again), so emitting
 * many distinct names cannot grow the cache.
 */
export const CACHE_LIMIT = 1024;

/**
 * Whether the pattern whose prefix is `prefix` (`"user."` for `"user.*"`)
 * matches the event name `name`: the name starts with the prefix and goes
 * on after it.
 */
export function matchesPrefix(prefix: string, name: string): boolean {
  return name.length > prefix.length && name.startsWith(prefix);
}

/** A pattern subscription, with its place among every pattern subscription. */
export class PatternSubscription extends Subscription {
  readonly order: number;

  constructor(topic: Topic, call: Call, listener: unknown, order: number) {
    super(topic, call, listener);
    this.order = order;
  }
}

function byOrder(a: PatternSubscription, b: PatternSubscription): number {
  return a.order - b.order;
}

function callOf(sub: Subscription): Call {
  return sub.call;
}

/**
 * Every pattern subscription of a bus, by prefix, and which of them match
 * each event name. An emit asks `match` for the pattern listeners of its
 * name; the answer is kept in a cache of its own, bounded by `CACHE_LIMIT`
 * names, until any pattern subscription changes.
 */
export class Patterns {
  /** The topic of each pattern, by its prefix, which is the topic's name. */
  readonly topics: Map<string, Topic> = new Map();
  #order = 0;
  /** Resolved names, oldest first; `null` when no pattern matches. */
  #cache: Map<string, readonly Call[] | null> = new Map();

  /** Adds a subscription to the pattern whose prefix is `prefix`. */
  add(
    prefix: string,
    call: Call,
    listener?: unknown,
    inPlace = false,
  ): Subscription {
    let topic = this.topics.get(prefix);
    if (topic === undefined) {
      topic = new Topic(prefix);
      this.topics.set(prefix, topic);
    }
    const sub = new PatternSubscription(
      topic,
      call,
      listener,
      this.#order++,
    );
    topic.add(sub, inPlace);
    this.#cache.clear();
    return sub;
  }

  /** Removes a subscription of one of these topics, and its topic once empty. */
  delete(sub: Subscription, inPlace = false): void {
    const topic = sub.topic!;
    topic.delete(sub, inPlace);
    if (topic.size === 0) this.topics.delete(topic.name!);
    this.#cache.clear();
  }

  /**
   * The pattern listeners an emit of `name` calls, in subscription order, or
   * `undefined` when none matches.
   */
  match(name: string): readonly Call[] | undefined {
    let calls = this.#cache.get(name);
    if (calls === undefined) {
      calls = this.#resolve(name) ?? null;
      const cache = this.#cache;
      cache.set(name, calls);
      if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    }
    return calls ?? undefined;
  }

  /** How many names have a cached resolution. */
  get cached(): number {
    return this.#cache.size;
  }

  #resolve(name: string): readonly Call[] | undefined {
    let first: Topic | undefined;
    let more: Topic[] | undefined;
    // Each dot with something after it ends a prefix that a pattern may have.
    for (
      let dot = name.indexOf(".");
      dot !== -1 && dot < name.length - 1;
      dot = name.indexOf(".", dot + 1)
    ) {
      const topic = this.topics.get(name.slice(0, dot + 1));
      if (topic === undefined) continue;
      if (first === undefined) first = topic;
      else (more ??= [first]).push(topic);
    }
    if (first === undefined) return undefined;
    if (more === undefined) return first.snapshot();
    const subs: PatternSubscription[] = [];
    for (const topic of more) {
      for (let sub = topic.head; sub !== undefined; sub = sub.next) {
        subs.push(sub as PatternSubscription);
      }
    }
    // A plain array, like the topic snapshots: V8 reads frozen ones slower.
    return subs.sort(byOrder).map(callOf);
  }
}
