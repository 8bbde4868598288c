// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { type Call, Subscription, Topic } from "./_topic.ts";
import { describe } from "./_validate.ts";

/**
 * How many event names without listeners of their own keep a cached pattern
 * resolution. Past it the oldest is forgotten (and resolved again when it is
 * emitted again), so emitting many distinct names cannot grow the cache.
 */
export const CACHE_LIMIT = 1024;

// Versions are unique across every registry of every bus, so a topic's cache
// from a registry that was dropped can never match a newer one.
let versions = 0;

/**
 * Reads a pattern such as `"user.*"` and returns its prefix with the dot,
 * `"user."`.
 *
 * @throws {TypeError} When it is not a string, does not end with `.*`, has
 * nothing before `.*`, or has another `*`.
 */
export function patternPrefix(pattern: unknown, action: string): string {
  if (typeof pattern !== "string") {
    throw new TypeError(
      `${action}: pattern must be a string, got ${describe(pattern)}`,
    );
  }
  const prefix = pattern.slice(0, -1);
  if (
    !pattern.endsWith(".*") || prefix.length < 2 || prefix.includes("*")
  ) {
    throw new TypeError(
      `${action} ${
        JSON.stringify(pattern)
      }: a pattern is an event name prefix followed by ".*", like "user.*", with no other "*"`,
    );
  }
  return prefix;
}

/** Whether `name` is matched by the pattern whose prefix is `prefix`. */
export function matches(prefix: string, name: string): boolean {
  return name.length > prefix.length && name.startsWith(prefix);
}

/** A pattern subscription, with its place among every pattern subscription. */
class PatternSubscription extends Subscription {
  readonly order: number;

  constructor(topic: Topic, call: Call, order: number) {
    super(topic, call);
    this.order = order;
  }
}

function byOrder(a: PatternSubscription, b: PatternSubscription): number {
  return a.order - b.order;
}

function callOf(sub: Subscription): Call {
  return sub.call;
}

/** The subscriptions of one pattern; every change bumps the registry. */
export class PatternTopic extends Topic {
  /** The pattern without its `*`, e.g. `"user."`. */
  readonly prefix: string;
  readonly #registry: Patterns;

  constructor(prefix: string, registry: Patterns) {
    super(`${prefix}*`);
    this.prefix = prefix;
    this.#registry = registry;
  }

  override add(sub: Subscription): void {
    super.add(sub);
    this.#registry.changed();
  }

  override delete(sub: Subscription): boolean {
    if (!super.delete(sub)) return false;
    this.#registry.changed();
    return true;
  }
}

/**
 * Every pattern subscription of a bus. An emit asks `match` for the pattern
 * listeners of its event name: the answer is cached on the event's topic
 * (one field comparison in the steady state) until any pattern subscription
 * changes. Names with no listeners of their own get a topic that only holds
 * this cache, created in the bus's topic map so that emit still does a
 * single lookup; at most `CACHE_LIMIT` of those are kept.
 */
export class Patterns {
  readonly topics: Map<string, PatternTopic> = new Map();
  #version = ++versions;
  #order = 0;
  /** The cache-only topics this registry put in the bus's map, oldest first. */
  #cached: Set<Topic> = new Set();

  changed(): void {
    this.#version = ++versions;
  }

  attach(prefix: string, call: Call): Subscription {
    let topic = this.topics.get(prefix);
    if (topic === undefined) {
      topic = new PatternTopic(prefix, this);
      this.topics.set(prefix, topic);
    }
    const sub = new PatternSubscription(topic, call, this.#order++);
    topic.add(sub);
    return sub;
  }

  /** Forgets a pattern topic that is empty or being dropped. */
  forget(topic: PatternTopic): void {
    if (this.topics.get(topic.prefix) !== topic) return;
    this.topics.delete(topic.prefix);
    this.changed();
  }

  /** Removes the cache-only topics from the bus's map. */
  purge(topics: Map<string, Topic>): void {
    for (const topic of this.#cached) {
      const name = topic.name!;
      if (topic.subs.size === 0 && topics.get(name) === topic) {
        topics.delete(name);
      }
    }
    this.#cached.clear();
  }

  /**
   * The pattern listeners an emit of `name` calls, in subscription order, or
   * `undefined` when none matches. `topic` is the name's topic in `topics`,
   * if any.
   */
  match(
    name: string,
    topic: Topic | undefined,
    topics: Map<string, Topic>,
  ): readonly Call[] | undefined {
    if (topic === undefined) {
      topic = new Topic(name);
      topics.set(name, topic);
      this.#cached.add(topic);
      if (this.#cached.size > CACHE_LIMIT) this.#evict(topics);
    } else if (topic.patternVersion === this.#version) {
      return topic.patternCalls;
    }
    topic.patternCalls = this.#resolve(name);
    topic.patternVersion = this.#version;
    return topic.patternCalls;
  }

  #evict(topics: Map<string, Topic>): void {
    const oldest = this.#cached.values().next().value!;
    this.#cached.delete(oldest);
    const name = oldest.name!;
    if (oldest.subs.size === 0 && topics.get(name) === oldest) {
      topics.delete(name);
    }
  }

  #resolve(name: string): readonly Call[] | undefined {
    let first: PatternTopic | undefined;
    let more: PatternTopic[] | undefined;
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
      for (const sub of topic.subs) subs.push(sub as PatternSubscription);
    }
    // A plain array, like the topic snapshots: V8 reads frozen ones slower.
    return subs.sort(byOrder).map(callOf);
  }
}
