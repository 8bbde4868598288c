// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { fanOut, type Join } from "./_fan_out.ts";
import { type Call, Subscription, Topic } from "./_topic.ts";
import { checkName, describe, readOptions, readSignal } from "./_validate.ts";
import type {
  AnyEvent,
  EmitArgs,
  EventBusOptions,
  EventName,
  Listener,
  SubscribeOptions,
  Unsubscribe,
  WaitForOptions,
} from "./types.ts";

type OnError<Events> = NonNullable<EventBusOptions<Events>["onError"]>;

const RESOLVED: Promise<void> = Promise.resolve();

// Symbol.dispose is missing on a few older runtimes; the handle still works
// as a function there.
const DISPOSE: typeof Symbol.dispose = Symbol.dispose ??
  Symbol.for("Symbol.dispose");

function noop(): void {}
const NOOP_HANDLE: Unsubscribe = Object.freeze(
  Object.assign(noop, { [DISPOSE]: noop }),
);

function toCall(listener: unknown): Call | undefined {
  if (typeof listener === "function") return listener as Call;
  if (
    typeof listener === "object" && listener !== null &&
    typeof (listener as { onEvent?: unknown }).onEvent === "function"
  ) {
    // Looked up on every call, so `this` is the object and a replaced
    // method is honoured.
    return (payload) => (listener as { onEvent: Call }).onEvent(payload);
  }
  return undefined;
}

function readOnce(options: Record<string, unknown>, action: string): boolean {
  const once = options.once;
  if (once === undefined || typeof once === "boolean") return once === true;
  throw new TypeError(
    `${action}: options.once must be a boolean, got ${describe(once)}`,
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

  /**
   * Creates an empty bus.
   *
   * @param options How the bus reports listener errors.
   * @throws {TypeError} When `options` is not an object or `onError` is not a
   * function.
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
   */
  constructor(options: EventBusOptions<Events> = {}) {
    const action = "Cannot create EventBus";
    const onError = readOptions(options, action).onError;
    if (onError !== undefined && typeof onError !== "function") {
      throw new TypeError(
        `${action}: options.onError must be a function, got ${
          describe(onError)
        }`,
      );
    }
    this.#onError = onError as OnError<Events> | undefined;
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
    const action = `Cannot subscribe to ${JSON.stringify(name)}`;
    const call = toCall(listener);
    if (call === undefined) {
      throw new TypeError(
        `${action}: listener must be a function or an object with an onEvent method, got ${
          describe(listener)
        }`,
      );
    }
    return this.#add(name, call, options, action);
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
    const call = toCall(listener);
    if (call === undefined) {
      throw new TypeError(
        `${action}: listener must be a function or an object with an onEvent method, got ${
          describe(listener)
        }`,
      );
    }
    return this.#add(undefined, call, options, action);
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
    if (typeof name !== "string") {
      return Promise.reject(
        new TypeError(
          `Cannot emit: event name must be a string, got ${describe(name)}`,
        ),
      );
    }
    const topic = this.#topics.get(name);
    const every = this.#every;
    if (topic === undefined && every === undefined) return RESOLVED;
    // Both snapshots are read before any listener runs, so a listener that
    // changes the registry cannot change what this emit calls.
    const calls = topic?.snapshot();
    const everyCalls = every?.snapshot();
    let join: Join | undefined;
    if (calls !== undefined) join = fanOut(calls, payload, 0, join);
    if (everyCalls !== undefined) {
      const event = Object.freeze({ name, payload });
      join = fanOut(everyCalls, event, calls?.length ?? 0, join);
    }
    if (join === undefined) return RESOLVED;
    const report = (errors: unknown[]) => this.#report(errors, name, payload);
    if (join.pending > 0) return join.wait(report);
    const failure = report(join.errors());
    return failure === undefined ? RESOLVED : Promise.reject(failure);
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
  }

  #add(
    name: string | undefined,
    call: Call,
    options: SubscribeOptions,
    action: string,
  ): Unsubscribe {
    const opts = readOptions(options, action);
    const once = readOnce(opts, action);
    const signal = readSignal(opts, action);
    if (signal?.aborted) return NOOP_HANDLE;
    let sub: Subscription;
    if (once) {
      sub = this.#attach(name, (payload) => {
        // An emit that snapshotted it before its first call (a listener
        // emitting again) must not call it a second time.
        if (sub.topic === undefined) return;
        this.#remove(sub, false);
        return call(payload);
      });
    } else {
      sub = this.#attach(name, call);
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

  #attach(name: string | undefined, call: Call): Subscription {
    let topic = name === undefined ? this.#every : this.#topics.get(name);
    if (topic === undefined) {
      topic = new Topic(name);
      if (name === undefined) this.#every = topic;
      else this.#topics.set(name, topic);
    }
    const sub = new Subscription(topic, call);
    topic.add(sub);
    this.#count++;
    return sub;
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
    if (topic.name === undefined) {
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
