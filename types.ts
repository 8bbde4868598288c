// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * The names of the events of an event map: its string keys.
 *
 * @typeParam Events The event map, from event name to payload type.
 *
 * @example Usage
 * ```ts
 * import type { EventName } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number }; ready: undefined };
 * const name: EventName<Events> = "ready";
 * ```
 */
export type EventName<Events> = keyof Events & string;

/**
 * A listener written as a function. It is called with the payload; when it
 * returns a promise (or any thenable), `emit` waits for it to settle.
 *
 * @typeParam T The payload type.
 *
 * @example Usage
 * ```ts
 * import type { ListenerFunction } from "@arcly/bus";
 *
 * const log: ListenerFunction<{ id: number }> = (user) => console.log(user.id);
 * ```
 */
export type ListenerFunction<T> = (
  payload: T,
  delivery: Delivery,
) => unknown;

/**
 * Where the event a listener is called for comes from, handed to every
 * listener as its second argument. A plain `emit` on this bus is local;
 * an event that a bridge received from another bus is not, and carries the
 * event's id and the id of the bus that emitted it. The same object may be
 * handed to many listeners: it is frozen.
 *
 * @example Sending a mail only where the order was placed
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ "order.placed": { id: number } }>();
 * const mails: number[] = [];
 * bus.subscribe("order.placed", (order, delivery) => {
 *   if (delivery.local) mails.push(order.id);
 * });
 * await bus.emit("order.placed", { id: 1 });
 * assert.deepEqual(mails, [1]);
 * ```
 */
export interface Delivery {
  /** `true` when the event was emitted on this bus, `false` when a bridge received it. */
  readonly local: boolean;
  /**
   * The event's id, the same on every bus that receives it; set on events a
   * bridge received.
   */
  readonly id?: string;
  /** The id of the bus (bridge origin) that emitted it; set on received events. */
  readonly origin?: string;
  /**
   * How many times this event was handed to this bus, counting this one: 1
   * unless a durable transport redelivers it after a failure.
   */
  readonly attempt?: number;
}

/**
 * A listener written as an object, the shape of the Rust trait this bus
 * comes from. `onEvent` is looked up and called as a method on each event, so
 * `this` is the object.
 *
 * @typeParam T The payload type.
 *
 * @example Usage
 * ```ts
 * import type { ListenerObject } from "@arcly/bus";
 *
 * class Mailer implements ListenerObject<{ id: number }> {
 *   sent: number[] = [];
 *   onEvent(user: { id: number }): void {
 *     this.sent.push(user.id);
 *   }
 * }
 * ```
 */
export interface ListenerObject<T> {
  /** Called with the payload of each event the listener receives. */
  onEvent(payload: T, delivery: Delivery): unknown;
}

/**
 * Anything `subscribe` accepts: a function or an object with an `onEvent`
 * method.
 *
 * @typeParam T The payload type.
 *
 * @example Usage
 * ```ts
 * import type { Listener } from "@arcly/bus";
 *
 * const listeners: Listener<string>[] = [
 *   (text) => console.log(text),
 *   { onEvent: (text) => console.log(text.length) },
 * ];
 * ```
 */
export type Listener<T> = ListenerFunction<T> | ListenerObject<T>;

/**
 * One event of an event map as a value: its name and its payload. For a typed
 * map it is a discriminated union on `name`, so checking the name narrows the
 * payload.
 *
 * @typeParam Events The event map.
 *
 * @example Narrowing on the name
 * ```ts
 * import type { AnyEvent } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number }; "job.done": string };
 * function describe(event: AnyEvent<Events>): string {
 *   return event.name === "user.created"
 *     ? `user ${event.payload.id}`
 *     : `job ${event.payload.toUpperCase()}`;
 * }
 * ```
 */
export type AnyEvent<Events> = {
  [K in EventName<Events>]: {
    /** The event name. */
    readonly name: K;
    /** The payload it was emitted with. */
    readonly payload: Events[K];
  };
}[EventName<Events>];

/**
 * One of the events `names` as a value: its name and its payload, a
 * discriminated union on `name` like `AnyEvent` but limited to `K`. It is
 * what listeners, waits and iterators of several names receive.
 *
 * @typeParam Events The event map.
 * @typeParam K The event names.
 *
 * @example Narrowing on the name
 * ```ts
 * import type { NamedEvent } from "@arcly/bus";
 *
 * type Events = { open: { port: number }; close: string; error: Error };
 * function describe(event: NamedEvent<Events, "open" | "close">): string {
 *   return event.name === "open" ? `port ${event.payload.port}` : event.payload;
 * }
 * ```
 */
export type NamedEvent<Events, K extends EventName<Events>> = {
  [N in K]: {
    /** The event name. */
    readonly name: N;
    /** The payload it was emitted with. */
    readonly payload: Events[N];
  };
}[K];

/**
 * The payload arguments of `emit` for a payload type: optional when the
 * payload may be `undefined`, required otherwise.
 *
 * @typeParam T The payload type.
 *
 * @example Usage
 * ```ts
 * import type { EmitArgs } from "@arcly/bus";
 *
 * const none: EmitArgs<undefined> = [];
 * const one: EmitArgs<number> = [1];
 * ```
 */
export type EmitArgs<T> = undefined extends T ? [payload?: T] : [payload: T];

/**
 * Options of `EventBus.subscribe` and `EventBus.subscribeAll`.
 *
 * @example Usage
 * ```ts
 * import type { SubscribeOptions } from "@arcly/bus";
 *
 * const options: SubscribeOptions = { once: true, signal: AbortSignal.timeout(1000) };
 * ```
 */
export interface SubscribeOptions {
  /**
   * Remove the subscription just before its first call, so it runs exactly
   * once even when emits overlap or a listener emits again.
   *
   * @default {false}
   */
  once?: boolean;
  /**
   * Aborting it removes the subscription. When it is already aborted nothing
   * is added and the returned handle does nothing. Aborted while it is being
   * added (by the `onActive` setup the subscription starts), it removes the
   * subscription before `subscribe` returns.
   */
  signal?: AbortSignal;
  /**
   * Receive only events emitted on this bus, not those a bridge received
   * from another bus (see `Delivery.local`).
   *
   * @default {false}
   */
  local?: boolean;
}

/**
 * What `EventBus.onActive` runs when an event gains its first listener. It is
 * called with the event name; the function it returns, if any, is the
 * teardown, run when the event loses its last listener. Any other return
 * value is ignored (a promise is not awaited).
 *
 * @typeParam K The event name.
 *
 * @example Polling only while someone listens
 * ```ts
 * import type { ActivitySetup } from "@arcly/bus";
 *
 * const poll: ActivitySetup<"price"> = (name) => {
 *   const timer = setInterval(() => console.log(`poll for ${name}`), 1000);
 *   return () => clearInterval(timer);
 * };
 * ```
 */
export type ActivitySetup<K extends string = string> = (
  name: K,
) => void | (() => void);

/**
 * Options of `EventBus.onActive`.
 *
 * @example Usage
 * ```ts
 * import type { OnActiveOptions } from "@arcly/bus";
 *
 * const options: OnActiveOptions = { signal: AbortSignal.timeout(1000) };
 * ```
 */
export interface OnActiveOptions {
  /**
   * Aborting it removes the hook the way its handle does: its teardown runs
   * at once when the event is active. When it is already aborted nothing is
   * added and the returned handle does nothing; aborted by the setup itself,
   * it removes the hook before `onActive` returns.
   */
  signal?: AbortSignal;
}

/**
 * Options of `EventBus.waitFor`.
 *
 * @typeParam T The payload type.
 *
 * @example Usage
 * ```ts
 * import type { WaitForOptions } from "@arcly/bus";
 *
 * const options: WaitForOptions<{ id: number }> = {
 *   filter: (user) => user.id === 1,
 *   signal: AbortSignal.timeout(1000),
 * };
 * ```
 */
export interface WaitForOptions<T> {
  /**
   * Only a payload for which this returns a truthy value settles the wait.
   * When it throws, the wait rejects with that error.
   */
  filter?: (payload: T) => unknown;
  /**
   * Aborting it rejects the wait with `signal.reason` and unsubscribes, also
   * when the `onActive` setup the wait starts aborts it.
   */
  signal?: AbortSignal;
}

/**
 * Options of the `EventBus` constructor.
 *
 * @typeParam Events The event map.
 *
 * @example Usage
 * ```ts
 * import type { EventBusOptions } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number } };
 * const options: EventBusOptions<Events> = {
 *   onError(error, event) {
 *     console.error(`listener of ${event.name} failed`, error);
 *   },
 * };
 * ```
 */
export interface EventBusOptions<Events> {
  /**
   * Receives each error thrown or rejected by a listener, with the event it
   * was handling, once every listener of that emit has settled and in
   * subscription order. `emit` then resolves instead of rejecting. If
   * `onError` itself throws, `emit` rejects with an `AggregateError` of what
   * it threw, so no error is ever lost.
   *
   * @default {undefined}
   */
  onError?: (error: unknown, event: AnyEvent<Events>) => void;
  /**
   * Called once after each emit (`emit` or `emitSerial`) has settled, just
   * before its promise settles, failures included: with the event, how many
   * listeners it called, when it started, how long it took and the errors of
   * its listeners (whether `onError` took them or not). Enough for a log
   * line, a metric or an OpenTelemetry span. When it throws, the emit rejects
   * with what it threw. Without it, emits measure nothing.
   *
   * @default {undefined}
   */
  onEmit?: (info: EmitInfo<Events>) => void;
  /**
   * The number of subscriptions one event (or one pattern, or every event
   * together) may have before the bus suspects a leak: the subscription that
   * goes past it makes one warning through `onWarning`. It never throws and
   * never refuses a subscription. The warning is given once per event, and
   * again only after every subscription of that event was removed. A
   * positive integer or `Infinity`.
   *
   * @default {Infinity}
   */
  maxListeners?: number;
  /**
   * Receives the warnings of the bus: an `Error` named
   * `MaxListenersExceededWarning` whose stack shows the subscription that
   * went past `maxListeners`. An error it throws is ignored.
   *
   * @default {console.warn}
   */
  onWarning?: (warning: Error) => void;
}

/**
 * What `EventBusOptions.onEmit` learns about one emit, besides its event.
 *
 * @example Usage
 * ```ts
 * import type { EmitStats } from "@arcly/bus";
 *
 * const stats: EmitStats = {
 *   listeners: 2,
 *   start: performance.now(),
 *   duration: 1.5,
 *   errors: [],
 *   serial: false,
 * };
 * ```
 */
export interface EmitStats {
  /** How many listeners the emit called (its snapshot), of every kind. */
  readonly listeners: number;
  /** When the emit was called, as `performance.now()`. */
  readonly start: number;
  /** Milliseconds from the call until every listener had settled. */
  readonly duration: number;
  /**
   * What the listeners threw or rejected with, in the order of the
   * listeners; empty when all succeeded.
   */
  readonly errors: readonly unknown[];
  /** Whether it was `emitSerial`. */
  readonly serial: boolean;
}

/**
 * The argument of `EventBusOptions.onEmit`: the event (`name` and `payload`,
 * a discriminated union like `AnyEvent`) and its `EmitStats`.
 *
 * @typeParam Events The event map.
 *
 * @example A log line per emit
 * ```ts
 * import type { EmitInfo } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number } };
 * function log(info: EmitInfo<Events>): string {
 *   return `${info.name} ${info.listeners} listeners ` +
 *     `${info.duration.toFixed(1)} ms ${info.errors.length} errors`;
 * }
 * ```
 */
export type EmitInfo<Events> = AnyEvent<Events> & EmitStats;

/**
 * The patterns `EventBus.subscribePattern` accepts for an event map: every
 * dot-separated prefix of an event name followed by `.*`. For the names
 * `"user.created"` and `"user.profile.updated"` they are `"user.*"` and
 * `"user.profile.*"`. With an untyped bus any `${string}.*` is accepted.
 *
 * @typeParam Events The event map.
 * @typeParam Names The event names to take prefixes of (those of `Events`).
 *
 * @example Usage
 * ```ts
 * import type { EventPattern } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number }; "user.profile.updated": string };
 * const patterns: EventPattern<Events>[] = ["user.*", "user.profile.*"];
 * ```
 */
export type EventPattern<Events, Names extends string = EventName<Events>> =
  string extends Names ? `${string}.*`
    : Names extends `${infer Head}.${infer Tail}`
      ? `${Head}.*` | `${Head}.${EventPattern<never, Tail>}`
    : never;

/**
 * The events a pattern matches, as `{ name, payload }`: a discriminated union
 * of the events of the map whose name starts with the pattern's prefix and
 * dot. For `"user.*"` that is `user.created` and `user.profile.updated`, not
 * `user`.
 *
 * @typeParam Events The event map.
 * @typeParam P The pattern, such as `"user.*"`.
 *
 * @example Usage
 * ```ts
 * import type { PatternEvent } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number }; "job.done": string };
 * function id(event: PatternEvent<Events, "user.*">): number {
 *   return event.payload.id; // only user.created matches
 * }
 * ```
 */
export type PatternEvent<Events, P extends string> = P extends
  `${infer Prefix}.*` ? {
    [K in EventName<Events>]: K extends `${Prefix}.${string}` ? {
        /** The event name. */
        readonly name: K;
        /** The payload it was emitted with. */
        readonly payload: Events[K];
      }
      : string extends K ? {
          /** The event name. */
          readonly name: `${Prefix}.${string}`;
          /** The payload it was emitted with. */
          readonly payload: Events[K];
        }
      : never;
  }[EventName<Events>]
  : never;

/**
 * What an iterator does with an event that arrives while its buffer is full:
 * `"drop-oldest"` drops the oldest buffered event to make room,
 * `"drop-newest"` drops the arriving event, `"error"` ends the iterator: its
 * buffer is dropped and its next read rejects with an `Error`.
 *
 * @example Usage
 * ```ts
 * import type { OverflowPolicy } from "@arcly/bus";
 *
 * const latestWins: OverflowPolicy = "drop-oldest";
 * ```
 */
export type OverflowPolicy = "drop-oldest" | "drop-newest" | "error";

/**
 * Options of `EventBus.iterate` and `EventBus.iterateAll`.
 *
 * @example Usage
 * ```ts
 * import type { IterateOptions } from "@arcly/bus";
 *
 * const options: IterateOptions = {
 *   bufferSize: 100,
 *   overflow: "drop-oldest",
 *   signal: AbortSignal.timeout(1000),
 * };
 * ```
 */
export interface IterateOptions {
  /**
   * How many events may wait for the consumer, a positive integer. The
   * memory an iterator holds is bounded by it however slow the consumer is.
   *
   * @default {1024}
   */
  bufferSize?: number;
  /**
   * What happens to an event that arrives while the buffer is full.
   *
   * @default {"error"}
   */
  overflow?: OverflowPolicy;
  /**
   * Aborting it ends the iterator the way std's `abortable` does: it
   * unsubscribes, drops its buffer, and its pending or next read rejects
   * with `signal.reason`. When it is already aborted nothing is subscribed
   * and the first read rejects; the same when the `onActive` setup the
   * iterator starts aborts it.
   */
  signal?: AbortSignal;
}

/**
 * An async iterator of events with a bounded buffer, from `EventBus.iterate`
 * or `EventBus.iterateAll`. It is subscribed from its creation, so events
 * emitted before the first `next()` are buffered. `return()` (a `break` out of
 * `for await`, or `await using`) unsubscribes at once and drops the buffer.
 * When `clear()` removes its subscription it ends after the events already
 * buffered. Listening never slows an emit: the emit does not wait for the
 * consumer.
 *
 * @typeParam T The type of the values: a payload, or `{ name, payload }`.
 *
 * @example Usage
 * ```ts
 * import { EventBus, type EventIterator } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ tick: number }>();
 * const ticks: EventIterator<number> = bus.iterate("tick");
 * await bus.emit("tick", 1);
 * assert.equal(ticks.buffered, 1);
 * assert.deepEqual(await ticks.next(), { done: false, value: 1 });
 * await ticks.return();
 * ```
 */
export interface EventIterator<T> extends AsyncIterableIterator<T> {
  /** How many events are buffered, waiting to be read. */
  readonly buffered: number;
  /**
   * The next event: a buffered one at once, or the next one emitted. It
   * rejects when the iterator failed (overflow with `"error"`, aborted
   * signal), once; after that, and after `return()`, it is done.
   */
  next(): Promise<IteratorResult<T, undefined>>;
  /**
   * Unsubscribes at once, drops the buffer, and ends pending reads. It
   * rejects with what an `onActive` teardown threw when this was the last
   * listener of an event; the iterator is done all the same.
   */
  return(): Promise<IteratorResult<T, undefined>>;
  /** Returns the iterator itself. */
  [Symbol.asyncIterator](): EventIterator<T>;
  /** The same as `return()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Removes exactly one subscription. Calling it again does nothing. It is also
 * a `Disposable`, so `using` releases the subscription at the end of a block.
 * When it removes the last listener of an event, that event's `onActive`
 * teardowns run inside the call, and what they throw is thrown by it (the
 * subscription is removed all the same).
 *
 * @example Usage
 * ```ts
 * import { EventBus } from "@arcly/bus";
 *
 * const bus = new EventBus<{ tick: number }>();
 * {
 *   using _sub = bus.subscribe("tick", (n) => console.log(n));
 *   await bus.emit("tick", 1);
 * }
 * console.log(bus.listenerCount("tick")); // 0
 * ```
 */
export interface Unsubscribe {
  /** Removes the subscription; harmless when it is already gone. */
  (): void;
  /** The same as calling the function. */
  [Symbol.dispose](): void;
}
