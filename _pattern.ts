// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { type Call, Subscription, type Topic } from "./_topic.ts";

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
 * The pattern listeners an emit of `name` calls, in subscription order, or
 * `undefined` when none matches: `topics` holds the topic of each pattern by
 * its prefix (`"user."` for `"user.*"`).
 */
export function resolve(
  topics: Map<string, Topic>,
  name: string,
): readonly Call[] | undefined {
  let first: Topic | undefined;
  let more: Topic[] | undefined;
  // Each dot with something after it ends a prefix that a pattern may have.
  for (
    let dot = name.indexOf(".");
    dot !== -1 && dot < name.length - 1;
    dot = name.indexOf(".", dot + 1)
  ) {
    const topic = topics.get(name.slice(0, dot + 1));
    if (topic === undefined) continue;
    if (first === undefined) first = topic;
    else (more ??= [first]).push(topic);
  }
  if (first === undefined) return undefined;
  if (more === undefined) return first.snapshot();
  // A plain array, like the topic snapshots: V8 reads frozen ones slower.
  return (more.flatMap((topic) => topic.subs()) as PatternSubscription[])
    .sort(byOrder).map(callOf);
}
