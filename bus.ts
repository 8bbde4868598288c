// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { fanOut, type Join } from "./_fan_out.ts";
import { BufferedIterator, readIterateOptions } from "./_iterator.ts";
import { patternPrefix, Patterns, PatternTopic } from "./_pattern.ts";
import { RECEIVE } from "./_receive.ts";
import { runSerial } from "./_serial.ts";
import { type Call, Subscription, Topic } from "./_topic.ts";
import { trace } from "./_trace.ts";
import {
  type Action,
  checkName,
  describe,
  readOptions,
  readSignal,
  say,
} from "./_validate.ts";
import type {
  AnyEvent,
  Delivery,
  EmitArgs,
  EmitInfo,
  EventBusOptions,
  EventIterator,
  EventName,
  EventPattern,
  IterateOptions,
  Listener,
  PatternEvent,
  SubscribeOptions,
  Unsubscribe,
  WaitForOptions,
} from "./types.ts";

type OnError<Events> = NonNullable<EventBusOptions<Events>["onError"]>;
type OnEmit<Events> = NonNullable<EventBusOptions<Events>["onEmit"]>;
type OnWarning = NonNullable<EventBusOptions<unknown>["onWarning"]>;

const RESOLVED: Promise<void> = Promise.resolve();

/** The delivery of every plain emit. */
const LOCAL: Delivery = Object.freeze({ local: true });

// Symbol.dispose is missing on a few older runtimes; the handle still works
// as a function there.
const DISPOSE: typeof Symbol.dispose = Symbol.dispose ??
  Symbol.for("Symbol.dispose");

function noop(): void {}
const NOOP_HANDLE: Unsubscribe = Object.freeze(
  Object.assign(noop, { [DISPOSE]: noop }),
);

/** The call for a listener; throws unless it is a function or `{ onEvent }`. */
function readListener(listener: unknown, action: Action): Call {
  const call = toCall(listener);
  if (call !== undefined) return call;
  throw new TypeError(
    `${
      say(action)
    }: listener must be a function or an object with an onEvent method, got ${
      describe(listener)
    }`,
  );
}

function toCall(listener: unknown): Call | undefined {
  if (typeof listener === "function") return listener as Call;
  if (
    typeof listener === "object" && listener !== null &&
    typeof (listener as { onEvent?: unknown }).onEvent === "function"
  ) {
    // Looked up on every call, so `this` is the object and a replaced
    // method is honoured.
    return (payload, delivery) =>
      (listener as { onEvent: Call }).onEvent(payload, delivery);
  }
  return undefined;
}

function rejectName(name: unknown): Promise<never> {
  return Promise.reject(
    new TypeError(
      `Cannot emit: event name must be a string, got ${describe(name)}`,
    ),
  );
}

function warnToConsole(warning: Error): void {
  console.warn(warning);
}

function readCallback(
  options: Record<string, unknown>,
  key: string,
  action: string,
): unknown {
  const value = options[key];
  if (value === undefined || typeof value === "function") return value;
  throw new TypeError(
    `${action}: options.${key} must be a function, got ${describe(value)}`,
  );
}

function readMaxListeners(
  options: Record<string, unknown>,
  action: string,
): number {
  const max = options.maxListeners;
  if (max === undefined) return Infinity;
  if (typeof max !== "number") {
    throw new TypeError(
      `${action}: options.maxListeners must be a number, got ${describe(max)}`,
    );
  }
  if (max !== Infinity && !(Number.isSafeInteger(max) && max >= 1)) {
    throw new RangeError(
      `${action}: options.maxListeners must be a positive integer or Infinity, got ${max}`,
    );
  }
  return max;
}

function readFlag(
  options: Record<string, unknown>,
  key: "once" | "local",
  action: Action,
): boolean {
  const value = options[key];
  if (value === undefined || typeof value === "boolean") return value === true;
  throw new TypeError(
    `${say(action)}: options.${key} must be a boolean, got ${describe(value)}`,
  );
}

/**
 * An async event bus. Listeners live in per-event snapshots: `emit` reads the
 * current snapshot once, starts every listener in subscription order before
 * it returns, then waits for all of them, so a slow listener never holds back
 * the start of another. `subscribe` and unsubscribe publish a new snapshot
 * for the next emit; an emit in flight keeps the one it read.
 *
 * Errors are never lost: when listeners throw or reject, the others still run
 * to the end and `emit` rejects with an `AggregateError` listing the errors in
 * subscription order, unless an `onError` option takes them.
 *
 * @typeParam Events The event map, from event name to payload type, as a type
 * alias or an interface. Without it any string is an event with an `unknown`
 * payload.
 *
 * @example Typed events
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * type Events = { "user.created": { id: number }; "user.deleted": { id: number } };
 * const bus = new EventBus<Events>();
 * const seen: number[] = [];
 * const off = bus.subscribe("user.created", (user) => {
 *   seen.push(user.id);
 * });
 * await bus.emit("user.created", { id: 1 });
 * off();
 * await bus.emit("user.created", { id: 2 });
 * assert.deepEqual(seen, [1]);
 * ```
 *
 * @example Listener errors reject the emit, after every listener has run
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ job: string }>();
 * const done: string[] = [];
 * bus.subscribe("job", () => {
 *   throw new Error("boom");
 * });
 * bus.subscribe("job", async (name) => {
 *   done.push(name);
 * });
 * await assert.rejects(bus.emit("job", "a"), AggregateError);
 * assert.deepEqual(done, ["a"]);
 * ```
 */
export class EventBus<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
> {
  #topics: Map<string, Topic> = new Map();
  /** The listeners of every event; `undefined` while there are none. */
  #every: Topic | undefined = undefined;
  #count = 0;
  #onError: OnError<Events> | undefined;
  /** The pattern subscriptions; `undefined` while there are none. */
  #patterns: Patterns | undefined = undefined;
  #onEmit: OnEmit<Events> | undefined;
  #maxListeners: number;
  #onWarning: OnWarning;

  /**
   * Creates an empty bus.
   *
   * @param options How the bus reports listener errors (`onError`), traces
   * emits (`onEmit`) and warns about listener leaks (`maxListeners`,
   * `onWarning`).
   * @throws {TypeError} When `options` is not an object, `onError`, `onEmit`
   * or `onWarning` is not a function, or `maxListeners` is not a number.
   * @throws {RangeError} When `maxListeners` is not a positive integer or
   * `Infinity`.
   *
   * @example Sending listener errors to a logger
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const logged: string[] = [];
   * const bus = new EventBus<{ save: string }>({
   *   onError(error, event) {
   *     logged.push(`${event.name}: ${(error as Error).message}`);
   *   },
   * });
   * bus.subscribe("save", () => {
   *   throw new Error("disk full");
   * });
   * await bus.emit("save", "a.txt"); // resolves: onError took the error
   * assert.deepEqual(logged, ["save: disk full"]);
   * ```
   *
   * @example Tracing every emit
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const lines: string[] = [];
   * const bus = new EventBus<{ save: string }>({
   *   onEmit(info) {
   *     lines.push(`${info.name} ${info.listeners} ${info.errors.length}`);
   *   },
   * });
   * bus.subscribe("save", () => {});
   * bus.subscribe("save", () => {
   *   throw new Error("disk full");
   * });
   * await assert.rejects(bus.emit("save", "a.txt"), AggregateError);
   * assert.deepEqual(lines, ["save 2 1"]);
   * ```
   *
   * @example Warning about a listener leak
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const warnings: string[] = [];
   * const bus = new EventBus<{ tick: number }>({
   *   maxListeners: 2,
   *   onWarning: (warning) => warnings.push(warning.message),
   * });
   * for (let i = 0; i < 5; i++) bus.subscribe("tick", () => {});
   * assert.deepEqual(warnings, [
   *   'Possible listener leak: 3 listeners of "tick", more than maxListeners (2)',
   * ]);
   * ```
   */
  constructor(options: EventBusOptions<Events> = {}) {
    const action = "Cannot create EventBus";
    const opts = readOptions(options, action);
    const onError = opts.onError;
    if (onError !== undefined && typeof onError !== "function") {
      throw new TypeError(
        `${action}: options.onError must be a function, got ${
          describe(onError)
        }`,
      );
    }
    this.#onError = onError as OnError<Events> | undefined;
    this.#onEmit = readCallback(opts, "onEmit", action) as
      | OnEmit<Events>
      | undefined;
    this.#maxListeners = readMaxListeners(opts, action);
    this.#onWarning = (readCallback(opts, "onWarning", action) ??
      warnToConsole) as OnWarning;
  }

  /**
   * Subscribes a listener to one event. Each call makes a new subscription,
   * even for a listener already subscribed. It takes effect from the next
   * emit: an emit in flight does not call it.
   *
   * @typeParam K The event name.
   * @param name The event to listen to.
   * @param listener A function, or an object with an `onEvent` method, called
   * with the payload of each emit of `name`.
   * @param options `once` and `signal`.
   * @returns A function that removes exactly this subscription (and is
   * `Disposable`). When `options.signal` is already aborted nothing is added
   * and the handle does nothing.
   * @throws {TypeError} When `name` is not a string, `listener` is neither a
   * function nor an object with an `onEvent` method, or an option has the
   * wrong type. Nothing is registered then.
   *
   * @example Function and object listeners, once and signal
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ tick: number }>();
   * const seen: string[] = [];
   * bus.subscribe("tick", (n) => {
   *   seen.push(`fn ${n}`);
   * });
   * bus.subscribe("tick", { onEvent: (n) => seen.push(`object ${n}`) });
   * bus.subscribe("tick", (n) => {
   *   seen.push(`once ${n}`);
   * }, { once: true });
   * const controller = new AbortController();
   * bus.subscribe("tick", (n) => {
   *   seen.push(`until abort ${n}`);
   * }, { signal: controller.signal });
   *
   * await bus.emit("tick", 1);
   * controller.abort();
   * await bus.emit("tick", 2);
   * assert.deepEqual(seen, [
   *   "fn 1", "object 1", "once 1", "until abort 1",
   *   "fn 2", "object 2",
   * ]);
   * ```
   */
  subscribe<K extends EventName<Events>>(
    name: K,
    listener: Listener<Events[K]>,
    options: SubscribeOptions = {},
  ): Unsubscribe {
    checkName(name, "Cannot subscribe");
    const action = () => `Cannot subscribe to ${JSON.stringify(name)}`;
    return this.#add(name, readListener(listener, action), options, action);
  }

  /**
   * Subscribes a listener to every event. It receives `{ name, payload }`, a
   * discriminated union of the event map, and runs after the listeners of
   * the event itself, in subscription order among its kind.
   *
   * @param listener A function, or an object with an `onEvent` method.
   * @param options `once` and `signal`, as for `subscribe`.
   * @returns A function that removes exactly this subscription.
   * @throws {TypeError} When `listener` or an option has the wrong type.
   *
   * @example Logging every event
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * type Events = { "user.created": { id: number }; "job.done": string };
   * const bus = new EventBus<Events>();
   * const log: string[] = [];
   * bus.subscribeAll((event) => {
   *   if (event.name === "user.created") log.push(`user ${event.payload.id}`);
   *   else log.push(`job ${event.payload}`);
   * });
   * await bus.emit("user.created", { id: 7 });
   * await bus.emit("job.done", "export");
   * assert.deepEqual(log, ["user 7", "job export"]);
   * ```
   */
  subscribeAll(
    listener: Listener<AnyEvent<Events>>,
    options: SubscribeOptions = {},
  ): Unsubscribe {
    const action = "Cannot subscribe to every event";
    return this.#add(
      undefined,
      readListener(listener, action),
      options,
      action,
    );
  }

  /**
   * Subscribes a listener to every event whose name a pattern matches. A
   * pattern is an event name prefix and `.*`: `"user.*"` matches
   * `user.created` and `user.profile.updated` (one or more segments after
   * the dot), not `user` itself. Only a trailing `.*` is a wildcard.
   *
   * The listener receives `{ name, payload }`, typed as the union of the
   * matching events of the event map. Pattern listeners run after the
   * event's own listeners and before listeners of every event; among
   * themselves they run in subscription order, whatever their pattern.
   * `listenerCount(name)` does not count them; `listenerCount()` does.
   *
   * @typeParam P The pattern, checked against the event map.
   * @param pattern A prefix followed by `.*`, such as `"user.*"`.
   * @param listener A function, or an object with an `onEvent` method.
   * @param options `once` and `signal`, as for `subscribe`.
   * @returns A function that removes exactly this subscription.
   * @throws {TypeError} When `pattern` is not a string ending with `.*` after
   * a non-empty prefix, has another `*`, or `listener` or an option has the
   * wrong type. Nothing is registered then.
   *
   * @example Listening to a family of events
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * type Events = {
   *   user: { id: number };
   *   "user.created": { id: number };
   *   "user.profile.updated": { id: number; field: string };
   *   "job.done": string;
   * };
   * const bus = new EventBus<Events>();
   * const log: string[] = [];
   * bus.subscribePattern("user.*", (event) => {
   *   if (event.name === "user.profile.updated") {
   *     log.push(`${event.name} ${event.payload.field}`);
   *   } else {
   *     log.push(`${event.name} ${event.payload.id}`);
   *   }
   * });
   * await bus.emit("user.created", { id: 1 });
   * await bus.emit("user.profile.updated", { id: 1, field: "email" });
   * await bus.emit("user", { id: 1 }); // not matched: nothing after "user."
   * await bus.emit("job.done", "export");
   * assert.deepEqual(log, ["user.created 1", "user.profile.updated email"]);
   * ```
   */
  subscribePattern<P extends EventPattern<Events>>(
    pattern: P,
    listener: Listener<PatternEvent<Events, P>>,
    options: SubscribeOptions = {},
  ): Unsubscribe {
    const prefix = patternPrefix(pattern, "Cannot subscribe to pattern");
    const action = `Cannot subscribe to pattern ${JSON.stringify(pattern)}`;
    return this.#add(
      prefix,
      readListener(listener, action),
      options,
      action,
      true,
    );
  }

  /**
   * Emits an event. Every listener subscribed when `emit` is called is
   * started, synchronously and in subscription order, before `emit` returns;
   * then the returned promise waits for all of them (including foreign
   * thenables) to settle. Listeners added or removed meanwhile take effect
   * from the next emit. An event nobody listens to resolves at once.
   *
   * @typeParam K The event name.
   * @param name The event to emit.
   * @param payload The payload, handed to every listener as is. Optional when
   * the event's payload type allows `undefined`.
   * @returns A promise that resolves once every listener settled. When some
   * threw or rejected and there is no `onError`, it rejects with an
   * `AggregateError` of those errors in subscription order. It never throws
   * synchronously: a non-string `name` gives a promise rejected with a
   * `TypeError`.
   *
   * @example Concurrent fan-out
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ order: number }>();
   * const log: string[] = [];
   * bus.subscribe("order", async (id) => {
   *   log.push(`slow start ${id}`);
   *   await new Promise((resolve) => setTimeout(resolve, 10));
   *   log.push(`slow end ${id}`);
   * });
   * bus.subscribe("order", (id) => {
   *   log.push(`fast ${id}`);
   * });
   * const done = bus.emit("order", 1);
   * assert.deepEqual(log, ["slow start 1", "fast 1"]); // both started already
   * await done;
   * assert.deepEqual(log, ["slow start 1", "fast 1", "slow end 1"]);
   * ```
   */
  emit<K extends EventName<Events>>(
    name: K,
    ...payload: EmitArgs<Events[K]>
  ): Promise<void>;
  emit(name: string, payload?: unknown): Promise<void> {
    // Kept short: emit must stay small enough for V8 to inline it.
    if (typeof name !== "string") return rejectName(name);
    if (this.#onEmit !== undefined) {
      return this.#dispatch(name, payload, false, LOCAL);
    }
    const topic = this.#topics.get(name);
    const every = this.#every;
    const patterns = this.#patterns;
    if (topic === undefined && every === undefined && patterns === undefined) {
      return RESOLVED;
    }
    // Every snapshot is read before any listener runs, so a listener that
    // changes the registry cannot change what this emit calls. Pattern
    // listeners are resolved once per name and cached on its topic.
    const calls = topic?.snapshot();
    const matched = patterns?.match(name, topic, this.#topics);
    const everyCalls = every?.snapshot();
    let join: Join | undefined;
    if (calls !== undefined) join = fanOut(calls, payload, LOCAL, 0, join);
    if (matched !== undefined || everyCalls !== undefined) {
      const event = Object.freeze({ name, payload });
      let offset = calls?.length ?? 0;
      if (matched !== undefined) {
        join = fanOut(matched, event, LOCAL, offset, join);
        offset += matched.length;
      }
      if (everyCalls !== undefined) {
        join = fanOut(everyCalls, event, LOCAL, offset, join);
      }
    }
    if (join === undefined) return RESOLVED;
    const report = (errors: unknown[]) => this.#report(errors, name, payload);
    if (join.pending > 0) return join.wait(report);
    const failure = report(join.errors());
    return failure === undefined ? RESOLVED : Promise.reject(failure);
  }

  /**
   * Emits an event serially: the listeners of the snapshot run one after the
   * other, in the order `emit` starts them (the event's own listeners, then
   * pattern listeners, then listeners of every event, each in subscription
   * order), and a listener that returns a promise or thenable is awaited
   * before the next one starts. The first one starts before `emitSerial`
   * returns. The error rules are those of `emit`: every listener still runs
   * when one fails, and the errors reject the emit as an `AggregateError` in
   * listener order, or go to `onError`. The snapshot rule too: a listener
   * removed by an earlier one during this emit is still called.
   *
   * It is a method of its own, not an option of `emit`, because `emit` takes
   * the payload as an optional rest argument: an options argument after it
   * would be ambiguous for events without payload, and would cost every
   * plain emit a check.
   *
   * @typeParam K The event name.
   * @param name The event to emit.
   * @param payload The payload, as for `emit`.
   * @returns A promise that resolves once the last listener settled, or
   * rejects like `emit`. A non-string `name` gives a rejected promise with a
   * `TypeError`; it never throws synchronously.
   *
   * @example Listeners one at a time, in order
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ migrate: string }>();
   * const log: string[] = [];
   * bus.subscribe("migrate", async (db) => {
   *   log.push(`schema ${db} start`);
   *   await new Promise((resolve) => setTimeout(resolve, 10));
   *   log.push(`schema ${db} end`);
   * });
   * bus.subscribe("migrate", (db) => {
   *   log.push(`data ${db}`);
   * });
   * await bus.emitSerial("migrate", "main");
   * assert.deepEqual(log, ["schema main start", "schema main end", "data main"]);
   * ```
   */
  emitSerial<K extends EventName<Events>>(
    name: K,
    ...payload: EmitArgs<Events[K]>
  ): Promise<void>;
  emitSerial(name: string, payload?: unknown): Promise<void> {
    if (typeof name !== "string") return rejectName(name);
    return this.#dispatch(name, payload, true, LOCAL);
  }

  /**
   * Waits for the next emit of an event, optionally the next one whose
   * payload passes `filter`. The wait is a listener while it is pending (it
   * counts in `listenerCount`) and unsubscribes itself as soon as it settles.
   *
   * @typeParam K The event name.
   * @param name The event to wait for.
   * @param options `filter` and `signal`.
   * @returns A promise of the payload. It rejects with the error `filter`
   * threw, with `signal.reason` when the signal aborts (at once when it is
   * already aborted), and with an `Error` when `clear()` removes the wait. It
   * rejects with a `TypeError` for bad arguments.
   *
   * @example Waiting for a matching payload
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ job: { id: number; ok: boolean } }>();
   * const second = bus.waitFor("job", { filter: (job) => job.id === 2 });
   * await bus.emit("job", { id: 1, ok: true });
   * await bus.emit("job", { id: 2, ok: false });
   * assert.deepEqual(await second, { id: 2, ok: false });
   * assert.equal(bus.listenerCount("job"), 0);
   * ```
   *
   * @example Giving up after a timeout
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ ready: undefined }>();
   * await assert.rejects(
   *   bus.waitFor("ready", { signal: AbortSignal.timeout(10) }),
   *   { name: "TimeoutError" },
   * );
   * ```
   */
  waitFor<K extends EventName<Events>>(
    name: K,
    options: WaitForOptions<Events[K]> = {},
  ): Promise<Events[K]> {
    let filter: ((payload: Events[K]) => unknown) | undefined;
    let signal: AbortSignal | undefined;
    try {
      checkName(name, "Cannot wait");
      const action = `Cannot wait for ${JSON.stringify(name)}`;
      const opts = readOptions(options, action);
      signal = readSignal(opts, action);
      if (opts.filter !== undefined && typeof opts.filter !== "function") {
        throw new TypeError(
          `${action}: options.filter must be a function, got ${
            describe(opts.filter)
          }`,
        );
      }
      filter = opts.filter as typeof filter;
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Events[K]>((resolve, reject) => {
      const sub = this.#attach(name, (payload) => {
        // An emit that took its snapshot before the wait settled may still
        // call it; only the first match counts.
        if (sub.topic === undefined) return;
        try {
          if (filter !== undefined && !filter(payload as Events[K])) return;
        } catch (error) {
          this.#remove(sub, false);
          reject(error);
          return;
        }
        this.#remove(sub, false);
        resolve(payload as Events[K]);
      });
      const onAbort = () => {
        this.#remove(sub, false);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      sub.release = (cleared) => {
        signal?.removeEventListener("abort", onAbort);
        if (cleared) {
          reject(
            new Error(
              `Stopped waiting for ${
                JSON.stringify(name)
              }: the bus was cleared`,
            ),
          );
        }
      };
    });
  }

  /**
   * Iterates over the payloads of one event with `for await`, through a
   * bounded buffer. The iterator subscribes when `iterate` is called, so
   * nothing emitted after that is missed; it is a listener (counted by
   * `listenerCount`) that never makes an emit wait. While the consumer is
   * slower than the emits, up to `bufferSize` payloads wait in the buffer;
   * then `overflow` decides: `"drop-oldest"`, `"drop-newest"`, or `"error"`
   * (the default), which ends the iterator with an `Error` on its next read.
   * Leaving the loop (`break`, `return`, a throw) unsubscribes at once.
   * Aborting `signal` ends it like std's `abortable`: the pending or next
   * read rejects with `signal.reason`. `clear()` ends it after the payloads
   * already buffered.
   *
   * @typeParam K The event name.
   * @param name The event to iterate over.
   * @param options `bufferSize`, `overflow` and `signal`.
   * @returns An async iterator of payloads, also `AsyncDisposable`, with a
   * `buffered` count.
   * @throws {TypeError} When `name` is not a string or an option has the
   * wrong type.
   * @throws {RangeError} When `bufferSize` is not a positive integer.
   *
   * @example Consuming events as a stream
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ price: number }>();
   * const prices = bus.iterate("price", { bufferSize: 2, overflow: "drop-oldest" });
   * await bus.emit("price", 10);
   * await bus.emit("price", 11);
   * await bus.emit("price", 12); // buffer full: 10 is dropped
   * const seen: number[] = [];
   * for await (const price of prices) {
   *   seen.push(price);
   *   if (price === 12) break; // unsubscribes
   * }
   * assert.deepEqual(seen, [11, 12]);
   * assert.equal(bus.listenerCount("price"), 0);
   * ```
   */
  iterate<K extends EventName<Events>>(
    name: K,
    options: IterateOptions = {},
  ): EventIterator<Events[K]> {
    checkName(name, "Cannot iterate");
    const label = JSON.stringify(name);
    const config = readIterateOptions(options, `Cannot iterate ${label}`);
    return this.#listen(new BufferedIterator(config, label), name);
  }

  /**
   * Iterates over every event as `{ name, payload }`, a discriminated union
   * like `subscribeAll` receives, with the buffer, overflow, signal and
   * unsubscribe rules of `iterate`.
   *
   * @param options `bufferSize`, `overflow` and `signal`.
   * @returns An async iterator of events.
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When `bufferSize` is not a positive integer.
   *
   * @example An audit log
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * type Events = { login: string; logout: string };
   * const bus = new EventBus<Events>();
   * const controller = new AbortController();
   * const audit = bus.iterateAll({ signal: controller.signal });
   * await bus.emit("login", "ada");
   * await bus.emit("logout", "ada");
   * controller.abort();
   * // Aborting drops what was buffered; reads reject with the reason.
   * await assert.rejects(audit.next(), { name: "AbortError" });
   * assert.equal(bus.listenerCount(), 0);
   * ```
   */
  iterateAll(options: IterateOptions = {}): EventIterator<AnyEvent<Events>> {
    const config = readIterateOptions(options, "Cannot iterate every event");
    return this.#listen(new BufferedIterator(config, "every event"), undefined);
  }

  #listen<T>(
    iterator: BufferedIterator<T>,
    name: string | undefined,
  ): EventIterator<T> {
    iterator.listen(() => {
      const sub = this.#attach(name, iterator.push);
      sub.release = (cleared) => {
        if (cleared) iterator.released();
      };
      return () => this.#remove(sub, false);
    });
    return iterator;
  }

  /**
   * Counts subscriptions (pending `waitFor` calls included).
   *
   * @param name An event name: count its own listeners. Omitted: count every
   * subscription, listeners of every event included.
   * @returns The number of subscriptions.
   * @throws {TypeError} When `name` is given and is not a string.
   *
   * @example Usage
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ a: number; b: number }>();
   * bus.subscribe("a", () => {});
   * bus.subscribe("a", () => {});
   * bus.subscribeAll(() => {});
   * assert.equal(bus.listenerCount("a"), 2);
   * assert.equal(bus.listenerCount("b"), 0);
   * assert.equal(bus.listenerCount(), 3);
   * ```
   */
  listenerCount(name?: EventName<Events>): number {
    if (name === undefined) return this.#count;
    checkName(name, "Cannot count listeners");
    return this.#topics.get(name)?.subs.size ?? 0;
  }

  /**
   * Removes every subscription of one event, or of all events (listeners of
   * every event and pending `waitFor` calls included). Emits in flight still
   * call the listeners they started with; pending waits that are removed
   * reject.
   *
   * @param name The event to clear. Omitted: clear everything.
   * @throws {TypeError} When `name` is given and is not a string.
   *
   * @example Usage
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ a: number; b: number }>();
   * bus.subscribe("a", () => {});
   * bus.subscribe("b", () => {});
   * bus.clear("a");
   * assert.equal(bus.listenerCount(), 1);
   * bus.clear();
   * assert.equal(bus.listenerCount(), 0);
   * ```
   */
  clear(name?: EventName<Events>): void {
    if (name !== undefined) {
      checkName(name, "Cannot clear");
      const topic = this.#topics.get(name);
      if (topic !== undefined) this.#drop(topic);
      return;
    }
    for (const topic of this.#topics.values()) this.#drop(topic);
    if (this.#every !== undefined) this.#drop(this.#every);
    const patterns = this.#patterns;
    if (patterns !== undefined) {
      for (const topic of [...patterns.topics.values()]) this.#drop(topic);
    }
  }

  static {
    // Bridges emit what they receive through this method, so listeners see
    // `delivery.local === false`. It is defined here, not as a class member,
    // to stay out of the public type while reaching the private dispatch.
    Object.defineProperty(EventBus.prototype, RECEIVE, {
      value(
        this: EventBus,
        name: string,
        payload: unknown,
        delivery: Delivery,
      ): Promise<void> {
        return this.#dispatch(name, payload, false, delivery);
      },
    });
  }

  /**
   * The emit of `emitSerial` and of a bus with `onEmit`: the same snapshots
   * and errors as `emit`, run serially or not, measured when traced.
   */
  #dispatch(
    name: string,
    payload: unknown,
    serial: boolean,
    delivery: Delivery,
  ): Promise<void> {
    const onEmit = this.#onEmit;
    const start = onEmit === undefined ? 0 : performance.now();
    const topic = this.#topics.get(name);
    const calls = topic?.snapshot();
    const matched = this.#patterns?.match(name, topic, this.#topics);
    const everyCalls = this.#every?.snapshot();
    const own = calls?.length ?? 0;
    const listeners = own + (matched?.length ?? 0) +
      (everyCalls?.length ?? 0);
    const event = matched !== undefined || everyCalls !== undefined
      ? Object.freeze({ name, payload })
      : undefined;
    const finish = (errors: unknown[]): unknown => {
      const failure = this.#report(errors, name, payload);
      if (onEmit === undefined) return failure;
      const info = Object.freeze({
        name,
        payload,
        listeners,
        start,
        duration: performance.now() - start,
        errors: Object.freeze(errors.slice()),
        serial,
      }) as EmitInfo<Events>;
      return trace(onEmit, info, failure);
    };
    if (serial) {
      return runSerial([[calls, payload], [matched, event], [
        everyCalls,
        event,
      ]], delivery).then((errors) => {
        const failure = finish(errors);
        if (failure !== undefined) throw failure;
      });
    }
    let join: Join | undefined;
    if (calls !== undefined) join = fanOut(calls, payload, delivery, 0, join);
    if (matched !== undefined) {
      join = fanOut(matched, event, delivery, own, join);
    }
    if (everyCalls !== undefined) {
      const offset = listeners - everyCalls.length;
      join = fanOut(everyCalls, event, delivery, offset, join);
    }
    if (join !== undefined && join.pending > 0) return join.wait(finish);
    const failure = finish(join === undefined ? [] : join.errors());
    return failure === undefined ? RESOLVED : Promise.reject(failure);
  }

  #add(
    name: string | undefined,
    call: Call,
    options: SubscribeOptions,
    action: Action,
    pattern = false,
  ): Unsubscribe {
    const opts = readOptions(options, action);
    const once = readFlag(opts, "once", action);
    const local = readFlag(opts, "local", action);
    const signal = readSignal(opts, action);
    if (signal?.aborted) return NOOP_HANDLE;
    let sub: Subscription;
    if (once) {
      let fired = false;
      sub = this.#attach(name, (payload, delivery) => {
        // A received event does not use up a local-only once listener.
        if (local && !delivery.local) return;
        // Every snapshot holding it may reach it (a listener emitting again,
        // emits back to back); only the first call counts. Like any listener
        // it is still called by an emit whose snapshot holds it even if it
        // was removed since.
        if (fired) return;
        fired = true;
        this.#remove(sub, false);
        return call(payload, delivery);
      }, pattern);
    } else if (local) {
      sub = this.#attach(
        name,
        (payload, delivery) =>
          delivery.local ? call(payload, delivery) : undefined,
        pattern,
      );
    } else {
      sub = this.#attach(name, call, pattern);
    }
    if (signal !== undefined) {
      const onAbort = () => this.#remove(sub, false);
      signal.addEventListener("abort", onAbort, { once: true });
      sub.release = () => signal.removeEventListener("abort", onAbort);
    }
    const off = () => this.#remove(sub, false);
    (off as unknown as Record<symbol, unknown>)[DISPOSE] = off;
    return off as unknown as Unsubscribe;
  }

  /**
   * Adds a subscription to the event `name`, to every event when `name` is
   * `undefined`, or to the pattern whose prefix is `name` when `pattern`.
   */
  #attach(
    name: string | undefined,
    call: Call,
    pattern = false,
  ): Subscription {
    let sub: Subscription;
    if (pattern) {
      sub = (this.#patterns ??= new Patterns()).attach(name!, call);
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

  #warnLeak(topic: Topic): void {
    topic.warned = true;
    const what = topic instanceof PatternTopic
      ? `pattern ${JSON.stringify(topic.name)}`
      : topic.name === undefined
      ? "every event"
      : JSON.stringify(topic.name);
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

  #remove(sub: Subscription, cleared: boolean): void {
    const topic = sub.topic;
    if (topic === undefined || !topic.delete(sub)) return;
    sub.topic = undefined;
    this.#count--;
    if (topic.subs.size === 0) this.#forget(topic);
    sub.release?.(cleared);
  }

  /** Removes every subscription of a topic, then the topic. */
  #drop(topic: Topic): void {
    this.#forget(topic);
    const subs = [...topic.subs];
    topic.subs.clear();
    this.#count -= subs.length;
    for (const sub of subs) sub.topic = undefined;
    for (const sub of subs) sub.release?.(true);
  }

  #forget(topic: Topic): void {
    if (topic instanceof PatternTopic) {
      const patterns = this.#patterns;
      if (patterns === undefined) return;
      patterns.forget(topic);
      if (patterns.topics.size === 0) {
        // No pattern left: drop the resolutions cached for names without
        // listeners of their own, and let emit skip patterns again.
        patterns.purge(this.#topics);
        this.#patterns = undefined;
      }
    } else if (topic.name === undefined) {
      if (this.#every === topic) this.#every = undefined;
    } else if (this.#topics.get(topic.name) === topic) {
      this.#topics.delete(topic.name);
    }
  }

  #report(errors: unknown[], name: string, payload: unknown): unknown {
    if (errors.length === 0) return undefined;
    const onError = this.#onError;
    if (onError === undefined) {
      return new AggregateError(
        errors,
        `${errors.length} ${
          errors.length === 1 ? "listener" : "listeners"
        } of ${JSON.stringify(name)} failed`,
      );
    }
    const event = Object.freeze({ name, payload }) as AnyEvent<Events>;
    const thrown: unknown[] = [];
    for (const error of errors) {
      try {
        onError(error, event);
      } catch (failure) {
        thrown.push(failure);
      }
    }
    if (thrown.length === 0) return undefined;
    return new AggregateError(
      thrown,
      `onError threw while handling ${errors.length} ${
        errors.length === 1 ? "error" : "errors"
      } of ${JSON.stringify(name)}`,
    );
  }
}
