// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { Dispatcher, LOCAL } from "./_dispatch.ts";
import { BufferedIterator } from "./_iterator.ts";
import { RECEIVE } from "./_receive.ts";
import { Registry } from "./_registry.ts";
import type { Call, Subscription } from "./_topic.ts";
import { NOOP_HANDLE } from "./_util.ts";
import {
  type Action,
  checkName,
  invalid,
  quote,
  readCallback,
  readFlag,
  readIterateOptions,
  readListener,
  readMaxListeners,
  readOptions,
  readPattern,
  readSignal,
} from "./_validate.ts";
import type {
  AnyEvent,
  Delivery,
  EmitArgs,
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

function rejectName(name: unknown): Promise<never> {
  return Promise.reject(invalid("Cannot emit", "event name", "a string", name));
}

function warnToConsole(warning: Error): void {
  console.warn(warning);
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
  readonly #registry: Registry;
  readonly #dispatcher: Dispatcher;

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
    const onError = readCallback(opts, "onError", action);
    const onEmit = readCallback(opts, "onEmit", action);
    const maxListeners = readMaxListeners(opts, action);
    const onWarning = readCallback(opts, "onWarning", action) ?? warnToConsole;
    this.#registry = new Registry(
      maxListeners,
      onWarning as (warning: Error) => void,
    );
    this.#dispatcher = new Dispatcher(
      this.#registry,
      onError as ConstructorParameters<typeof Dispatcher>[1],
      onEmit as ConstructorParameters<typeof Dispatcher>[2],
    );
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
    const action = () => `Cannot subscribe to ${quote(name)}`;
    return this.#subscribe(
      name,
      readListener(listener, action),
      options,
      action,
    );
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
    const call = readListener(listener, action);
    return this.#subscribe(undefined, call, options, action);
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
    const prefix = readPattern(pattern, "Cannot subscribe to pattern");
    const action = `Cannot subscribe to pattern ${quote(pattern)}`;
    const call = readListener(listener, action);
    return this.#subscribe(prefix, call, options, action, true);
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
    if (typeof name !== "string") return rejectName(name);
    return this.#dispatcher.emit(name, payload);
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
    return this.#dispatcher.dispatch(name, payload, LOCAL, true);
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
      const action = `Cannot wait for ${quote(name)}`;
      const opts = readOptions(options, action);
      signal = readSignal(opts, action);
      filter = readCallback(opts, "filter", action) as typeof filter;
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Events[K]>((resolve, reject) => {
      const registry = this.#registry;
      const sub = registry.add(name, (payload) => {
        // An emit that took its snapshot before the wait settled may still
        // call it; only the first match counts.
        if (sub.topic === undefined) return;
        try {
          if (filter !== undefined && !filter(payload as Events[K])) return;
        } catch (error) {
          registry.remove(sub, false);
          reject(error);
          return;
        }
        registry.remove(sub, false);
        resolve(payload as Events[K]);
      });
      const onAbort = () => {
        registry.remove(sub, false);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      sub.release = (cleared) => {
        signal?.removeEventListener("abort", onAbort);
        if (cleared) {
          reject(
            new Error(
              `Stopped waiting for ${quote(name)}: the bus was cleared`,
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
    const label = quote(name);
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
    const registry = this.#registry;
    iterator.listen(() => {
      const sub = registry.add(name, iterator.push);
      sub.release = (cleared) => {
        if (cleared) iterator.released();
      };
      return () => registry.remove(sub, false);
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
    if (name !== undefined) checkName(name, "Cannot count listeners");
    return this.#registry.count(name);
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
    if (name !== undefined) checkName(name, "Cannot clear");
    this.#registry.clear(name);
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
        return this.#dispatcher.dispatch(name, payload, delivery, false);
      },
    });
  }

  /**
   * The one way `subscribe`, `subscribeAll` and `subscribePattern` add a
   * listener: the options `once`, `local` and `signal` around
   * `Registry.add`, and the handle.
   */
  #subscribe(
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
    const registry = this.#registry;
    let sub: Subscription;
    if (once) {
      let fired = false;
      sub = registry.add(name, (payload, delivery) => {
        // A received event does not use up a local-only once listener.
        if (local && !delivery.local) return;
        // Every snapshot holding it may reach it (a listener emitting again,
        // emits back to back); only the first call counts. Like any listener
        // it is still called by an emit whose snapshot holds it even if it
        // was removed since.
        if (fired) return;
        fired = true;
        registry.remove(sub, false);
        return call(payload, delivery);
      }, pattern);
    } else if (local) {
      sub = registry.add(
        name,
        (payload, delivery) =>
          delivery.local ? call(payload, delivery) : undefined,
        pattern,
      );
    } else {
      sub = registry.add(name, call, pattern);
    }
    if (signal !== undefined) {
      const onAbort = () => registry.remove(sub, false);
      signal.addEventListener("abort", onAbort, { once: true });
      sub.release = () => signal.removeEventListener("abort", onAbort);
    }
    return registry.handle(sub);
  }
}
