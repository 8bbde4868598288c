// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import { Dispatcher, LOCAL, rejectName } from "./_dispatch.ts";
import { BufferedIterator } from "./_iterator.ts";
import { RECEIVE } from "./_receive.ts";
import { Registry } from "./_registry.ts";
import type { Call, Subscription } from "./_topic.ts";
import { DISPOSE, NOOP_HANDLE, onAbort } from "./_util.ts";
import {
  type Action,
  checkName,
  invalid,
  quote,
  readCallback,
  readCount,
  readFlag,
  readIterateOptions,
  readListener,
  readOptions,
  readPattern,
  readSignal,
} from "./_validate.ts";
import type {
  ActivitySetup,
  AnyEvent,
  Delivery,
  EmitArgs,
  EventBusOptions,
  EventIterator,
  EventName,
  EventPattern,
  IterateOptions,
  Listener,
  NamedEvent,
  OnActiveOptions,
  PatternEvent,
  SubscribeOptions,
  Unsubscribe,
  WaitForOptions,
} from "./types.ts";

function warnToConsole(warning: Error): void {
  console.warn(warning);
}

/**
 * Reads an event name, or a non-empty array of them, as an array. A name
 * given twice counts once.
 */
function readNameOrNames(name: unknown, action: string): readonly string[] {
  if (!Array.isArray(name)) {
    checkName(name, action);
    return [name as string];
  }
  if (name.length === 0) {
    throw invalid(action, "event names", "a non-empty array", name);
  }
  for (const each of name) {
    if (typeof each !== "string") {
      throw invalid(action, "event names", "strings", each);
    }
  }
  return [...new Set(name as string[])];
}

/** The names, quoted, for a message. */
function quoteAll(names: string | readonly string[]): string {
  return [names].flat().map(quote).join(", ");
}

/**
 * Throws what several failures threw, if any: the one error, or an
 * `AggregateError` of them with `message`.
 */
function throwAll(errors: unknown[], message: string): void {
  if (errors.length > 0) {
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, message);
  }
}

/**
 * Calls `teardown` with each item, with all of them even when one throws,
 * then throws what they threw after `errors` (see `throwAll`).
 */
function each<T>(
  items: readonly T[],
  teardown: (item: T) => void,
  message = "Teardowns failed",
  errors?: unknown[],
): void {
  for (const item of items) {
    try {
      teardown(item);
    } catch (error) {
      (errors ??= []).push(error);
    }
  }
  // Allocated only on failure: this runs on every removal of a wrapped
  // subscription.
  if (errors) throwAll(errors, message);
}

/** Removes every subscription of `subs` (see `each`). */
function removeAll(registry: Registry, subs: readonly Subscription[]): void {
  each(subs, (sub) => registry.remove(sub, false));
}

/**
 * Calls a `once` listener whose removal threw `error` (a teardown): the
 * listener still runs (synchronously, as any listener), and the emit fails
 * with `error`, joined with what the listener threw or rejected with.
 */
async function callDespite(
  call: Call,
  arg: unknown,
  delivery: Delivery,
  error: unknown,
): Promise<never> {
  try {
    await call(arg, delivery);
  } catch (listenerError) {
    throw new AggregateError(
      [error, listenerError],
      "A teardown failed, and so did the listener",
    );
  }
  throw error;
}

/**
 * Wraps `call` for a subscription to several names: it receives a frozen
 * `{ name, payload }` instead of the payload.
 */
function named(name: string | undefined, call: Call): Call {
  return (payload, delivery) =>
    call(Object.freeze({ name, payload }), delivery);
}

/** A handle: `off`, also `Disposable`. */
function handle(off: () => void): Unsubscribe {
  (off as unknown as Record<symbol, unknown>)[DISPOSE] = off;
  return off as unknown as Unsubscribe;
}

/**
 * Adds a subscription to each of `names`, with the call `callFor` makes
 * for it. When one cannot be added (an `onActive` setup threw), those
 * added before are removed again and the error is thrown.
 */
function addEach<N extends string | undefined>(
  registry: Registry,
  names: readonly N[],
  callFor: (name: N) => Call,
  listener?: unknown,
): Subscription[] {
  const subs: Subscription[] = [];
  try {
    for (const name of names) {
      subs.push(registry.add(name, callFor(name), false, listener));
    }
  } catch (error) {
    try {
      removeAll(registry, subs);
    } catch (undoError) {
      throw new AggregateError(
        [error, undoError],
        "A setup failed, and so did a teardown while undoing",
      );
    }
    throw error;
  }
  return subs;
}

/**
 * `#subscribe` with `once`, `local`, a signal or several names: the call
 * wrapped in what they need, and a handle that removes it from every name.
 */
function subscribeGuarded(
  registry: Registry,
  target: string | readonly string[] | undefined,
  call: Call,
  pattern: boolean,
  listener: unknown,
  once: boolean,
  local: boolean,
  signal: AbortSignal | undefined,
): Unsubscribe {
  const many = typeof target === "object";
  let subs: Subscription[] | undefined = undefined;
  let early = false;
  // Removes the subscription from every name. `subs` is unset while an
  // onActive setup emits one of the names: it is removed once added.
  const off = () => {
    if (subs === undefined) early = true;
    else removeAll(registry, subs);
  };
  let fired = false;
  const guarded: Call = (arg, delivery) => {
    // A received event does not use up (or reach) a local-only listener.
    if (local && !delivery.local) return;
    if (!once) return call(arg, delivery);
    // Every snapshot holding it may reach it (a listener emitting again,
    // emits back to back); only the first call counts. Like any listener
    // it is still called by an emit whose snapshot holds it even if it
    // was removed since.
    if (fired) return;
    fired = true;
    try {
      off();
    } catch (error) {
      return callDespite(call, arg, delivery, error);
    }
    return call(arg, delivery);
  };
  subs = many
    ? addEach(registry, target, (name) => named(name, guarded), listener)
    : [registry.add(target, guarded, pattern, listener)];
  // Used up already: removed, with nothing left for the signal to remove.
  if (early) off();
  else if (signal) {
    let left = subs.length;
    for (const sub of subs) {
      sub.release = () => {
        if (--left === 0) signal.removeEventListener("abort", off);
      };
    }
    onAbort(signal, off);
  }
  return many ? handle(off) : registry.handle(subs[0]!);
}

/** An `onActive` hook of one event. */
interface Hook {
  readonly setup: (name: string) => unknown;
  /**
   * Set while the hook is live (setup ran, teardown did not yet): what setup
   * returned, or a no-op when that was not a function.
   */
  teardown?: (() => void) | undefined;
}

function startHook(hook: Hook, name: string): void {
  const teardown = hook.setup(name);
  hook.teardown = typeof teardown === "function"
    ? teardown as () => void
    : NOOP_HANDLE;
}

/** Runs the teardown of a live hook, which is then no longer live. */
function stopHook(hook: Hook): void {
  const teardown = hook.teardown;
  hook.teardown = undefined;
  teardown?.();
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
  /** The `onActive` hooks by event name; `undefined` until the first. */
  #hooks: Map<string, Set<Hook>> | undefined;
  /** Collects what releases threw while `clear()` runs. */
  #clearing: unknown[] | undefined;

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
    const maxListeners = readCount(opts, "maxListeners", Infinity, action);
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
    // Every method, bound to this instance as an own property: it works
    // detached (`const { emit } = bus`) and through a Proxy (Vue's
    // `reactive`), where `this` is not the instance and `#private` fields
    // would throw. The method is looked up on `this`, so a subclass's
    // override is the one bound. The keys of the prototype (the `RECEIVE`
    // symbol included) are read once, and plain stores keep the instance's
    // properties fast, where `Object.defineProperty` made `new EventBus()`
    // 30x slower. proxy_test.ts checks that every method works detached.
    const plainEmit = this.emit === EventBus.prototype.emit;
    const self = this as unknown as Record<PropertyKey, () => void>;
    for (const key of METHODS) self[key] = self[key]!.bind(this);
    // emit, unless a subclass overrides it: the dispatcher's closure, not a
    // bound function. A bound function per bus makes a call site that sees
    // several buses megamorphic: V8 stops inlining emit there, and an emit
    // of one listener took 40% longer.
    if (plainEmit) this.emit = this.#dispatcher.emit as this["emit"];
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
   * @throws {unknown} What an `onActive` setup of `name` threw, when this is
   * its first listener. Nothing is registered then.
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
    options?: SubscribeOptions,
  ): Unsubscribe;
  /**
   * Subscribes one listener to several events, as one subscription. It
   * receives `{ name, payload }`, a discriminated union of those events
   * (`NamedEvent`), like `subscribeAll`. With `once` it runs for the first of
   * them only; the handle, the signal and `once` remove it from every name.
   * `unsubscribe(name, listener)` removes it from `name` only. A name given
   * twice counts once. `listenerCount` counts it as one listener of each
   * name.
   *
   * @typeParam K The event names.
   * @param names The events to listen to: a non-empty array of names.
   * @param listener A function, or an object with an `onEvent` method, called
   * with `{ name, payload }` for each emit of one of `names`.
   * @param options `once`, `local` and `signal`, as for one name.
   * @returns A function that removes this subscription from every name.
   * @throws {TypeError} When `names` is empty or holds a non-string, or
   * `listener` or an option has the wrong type. Nothing is registered then.
   * @throws {unknown} What an `onActive` setup threw; the names subscribed
   * before it are unsubscribed again, so nothing is registered then.
   *
   * @example One listener for open and close
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * type Events = { open: { port: number }; close: string; error: Error };
   * const bus = new EventBus<Events>();
   * const log: string[] = [];
   * const off = bus.subscribe(["open", "close"], (event) => {
   *   if (event.name === "open") log.push(`open ${event.payload.port}`);
   *   else log.push(`close ${event.payload}`);
   * });
   * await bus.emit("open", { port: 80 });
   * await bus.emit("close", "done");
   * off();
   * await bus.emit("close", "again");
   * assert.deepEqual(log, ["open 80", "close done"]);
   * ```
   */
  subscribe<K extends EventName<Events>>(
    names: readonly K[],
    listener: Listener<NamedEvent<Events, K>>,
    options?: SubscribeOptions,
  ): Unsubscribe;
  subscribe(
    name: string | readonly string[],
    listener: unknown,
    options: SubscribeOptions = {},
  ): Unsubscribe {
    const target = typeof name === "string"
      ? name
      : readNameOrNames(name, "Cannot subscribe");
    // Built only when an argument is wrong.
    const action = () => `Cannot subscribe to ${quoteAll(target)}`;
    return this.#subscribe(target, listener, options, action, false);
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
    return this.#subscribe(
      undefined,
      listener,
      options,
      "Cannot subscribe to every event",
      false,
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
    const prefix = readPattern(pattern, "Cannot subscribe to pattern");
    const action = `Cannot subscribe to pattern ${quote(pattern)}`;
    return this.#subscribe(prefix, listener, options, action, true);
  }

  /**
   * Removes every subscription of a listener to an event: each `subscribe`
   * call that passed this very function or `{ onEvent }` object (compared by
   * identity) for `name`, including the part for `name` of a subscription
   * to several names. Subscriptions of every event or of a pattern are
   * left alone (see `unsubscribeAll` and `unsubscribePattern`), and so are
   * pending `waitFor` calls and iterators, which have no listener of the
   * caller's. Like a handle, it takes effect from the next emit.
   *
   * It takes time linear in the number of subscriptions of `name`. The
   * handle `subscribe` returns removes one subscription in constant time.
   *
   * @typeParam K The event name.
   * @param name The event, or an array of events to remove the listener
   * from each.
   * @param listener The function or object given to `subscribe`.
   * @returns How many subscriptions it removed, 0 when there were none.
   * @throws {TypeError} When `name` is neither a string nor a non-empty
   * array of strings, or `listener` is neither a function nor an object with
   * an `onEvent` method. Nothing is removed then.
   * @throws {unknown} What an `onActive` teardown threw when this removed the
   * last listener of the event; the listener is removed all the same.
   *
   * @example Removing a listener by reference
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ tick: number }>();
   * const seen: number[] = [];
   * const onTick = (n: number) => {
   *   seen.push(n);
   * };
   * bus.subscribe("tick", onTick);
   * bus.subscribe("tick", onTick); // a second subscription
   * await bus.emit("tick", 1);
   * assert.equal(bus.unsubscribe("tick", onTick), 2);
   * await bus.emit("tick", 2);
   * assert.deepEqual(seen, [1, 1]);
   * assert.equal(bus.unsubscribe("tick", onTick), 0);
   * ```
   */
  unsubscribe<K extends EventName<Events>>(
    name: K | readonly K[],
    listener: Listener<Events[K]> | Listener<NamedEvent<Events, K>>,
  ): number {
    const names = readNameOrNames(name, "Cannot unsubscribe");
    return this.#unsubscribe(
      names,
      listener,
      `Cannot unsubscribe from ${quoteAll(names)}`,
    );
  }

  /**
   * Removes every `subscribeAll` subscription of a listener (compared by
   * identity), the counterpart of `unsubscribe` for listeners of every
   * event. Linear in the number of listeners of every event.
   *
   * @param listener The function or object given to `subscribeAll`.
   * @returns How many subscriptions it removed.
   * @throws {TypeError} When `listener` is neither a function nor an object
   * with an `onEvent` method.
   *
   * @example Usage
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ a: number; b: string }>();
   * const log = (event: { name: string }) => console.log(event.name);
   * bus.subscribeAll(log);
   * assert.equal(bus.unsubscribeAll(log), 1);
   * assert.equal(bus.listenerCount(), 0);
   * ```
   */
  unsubscribeAll(listener: Listener<AnyEvent<Events>>): number {
    return this.#unsubscribe(
      [undefined],
      listener,
      "Cannot unsubscribe from every event",
    );
  }

  /**
   * Removes every `subscribePattern` subscription of a listener to a
   * pattern (compared by identity), the counterpart of `unsubscribe` for
   * pattern listeners. A subscription of the same listener to another
   * pattern stays. Linear in the number of listeners of that pattern.
   *
   * @typeParam P The pattern.
   * @param pattern The pattern given to `subscribePattern`, such as `"user.*"`.
   * @param listener The function or object given to `subscribePattern`.
   * @returns How many subscriptions it removed.
   * @throws {TypeError} When `pattern` is not a valid pattern, or `listener`
   * is neither a function nor an object with an `onEvent` method.
   *
   * @example Usage
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ "user.created": number; "user.deleted": number }>();
   * const audit = (event: { name: string }) => console.log(event.name);
   * bus.subscribePattern("user.*", audit);
   * assert.equal(bus.unsubscribePattern("user.*", audit), 1);
   * assert.equal(bus.listenerCount(), 0);
   * ```
   */
  unsubscribePattern<P extends EventPattern<Events>>(
    pattern: P,
    listener: Listener<PatternEvent<Events, P>>,
  ): number {
    const prefix = readPattern(pattern, "Cannot unsubscribe from pattern");
    return this.#unsubscribe(
      [prefix],
      listener,
      `Cannot unsubscribe from pattern ${quote(pattern)}`,
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
   * rejects with a `TypeError` for bad arguments, and with what an
   * `onActive` setup of `name` threw when the wait is its first listener.
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
    options?: WaitForOptions<Events[K]>,
  ): Promise<Events[K]>;
  /**
   * Waits for the next emit of any of several events, optionally the next
   * one `filter` accepts, as `{ name, payload }` (`NamedEvent`). The wait
   * listens to every name until it settles, then unsubscribes from all.
   *
   * @typeParam K The event names.
   * @param names The events to wait for: a non-empty array of names.
   * @param options `filter` (given `{ name, payload }`) and `signal`.
   * @returns A promise of the first matching event, rejecting as for one
   * name.
   *
   * @example Success or failure, whichever comes first
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * type Events = { done: number; failed: Error; progress: number };
   * const bus = new EventBus<Events>();
   * const outcome = bus.waitFor(["done", "failed"]);
   * await bus.emit("progress", 50);
   * await bus.emit("done", 42);
   * const event = await outcome;
   * assert.equal(event.name, "done");
   * if (event.name === "done") assert.equal(event.payload, 42);
   * assert.deepEqual(bus.eventNames(), []);
   * ```
   */
  waitFor<K extends EventName<Events>>(
    names: readonly K[],
    options?: WaitForOptions<NamedEvent<Events, K>>,
  ): Promise<NamedEvent<Events, K>>;
  waitFor(
    name: string | readonly string[],
    options: WaitForOptions<unknown> = {},
  ): Promise<unknown> {
    // What the executor throws (a bad argument, an aborted signal, a failing
    // onActive setup) rejects the wait: it never throws synchronously.
    return new Promise((resolve, reject) => {
      const names = readNameOrNames(name, "Cannot wait");
      const label = quoteAll(names);
      const action = `Cannot wait for ${label}`;
      const opts = readOptions(options, action);
      const signal = readSignal(opts, action);
      const filter = readCallback(opts, "filter", action) as
        | ((value: unknown) => unknown)
        | undefined;
      if (signal?.aborted) throw signal.reason;
      const several = Array.isArray(name);
      // Unset while an onActive setup emits one of the names.
      let off: () => void = NOOP_HANDLE;
      let settled = false;
      // Settles once: unsubscribes from every name, then settles even when a
      // teardown throws (the error goes to whoever removed the wait).
      const finish = (settle: (value: unknown) => void, value: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", abort);
        try {
          off();
        } finally {
          settle(value);
        }
      };
      const abort = () => finish(reject, signal!.reason);
      // An emit that took its snapshot before the wait settled may still
      // call it; only the first match counts.
      off = this.#attach(names, several, (value) => {
        if (settled) return;
        try {
          if (filter && !filter(value)) return;
        } catch (error) {
          return finish(reject, error);
        }
        finish(resolve, value);
      }, () =>
        finish(
          reject,
          new Error(`Stopped waiting for ${label}: the bus was cleared`),
        ));
      // A setup that emitted one of the names may have settled it already.
      if (settled) return off();
      onAbort(signal, abort);
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
    options?: IterateOptions,
  ): EventIterator<Events[K]>;
  /**
   * Iterates over the emits of several events as `{ name, payload }`
   * (`NamedEvent`), in emit order, through one buffer, with the rules of
   * `iterate` for one name. Leaving the loop unsubscribes from every name.
   *
   * @typeParam K The event names.
   * @param names The events to iterate over: a non-empty array of names.
   * @param options `bufferSize`, `overflow` and `signal`.
   * @returns An async iterator of events.
   * @throws {TypeError} When `names` is empty or holds a non-string, or an
   * option has the wrong type.
   * @throws {RangeError} When `bufferSize` is not a positive integer.
   *
   * @example A connection's life
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * type Events = { open: number; message: string; close: undefined };
   * const bus = new EventBus<Events>();
   * const events = bus.iterate(["open", "close"]);
   * await bus.emit("open", 1);
   * await bus.emit("message", "hi");
   * await bus.emit("close");
   * const names: string[] = [];
   * for await (const event of events) {
   *   names.push(event.name);
   *   if (event.name === "close") break;
   * }
   * assert.deepEqual(names, ["open", "close"]);
   * assert.equal(bus.listenerCount(), 0);
   * ```
   */
  iterate<K extends EventName<Events>>(
    names: readonly K[],
    options?: IterateOptions,
  ): EventIterator<NamedEvent<Events, K>>;
  iterate(
    name: string | readonly string[],
    options: IterateOptions = {},
  ): EventIterator<unknown> {
    const names = readNameOrNames(name, "Cannot iterate");
    return this.#listen(names, quoteAll(names), options, Array.isArray(name));
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
    return this.#listen([undefined], "every event", options, false);
  }

  /**
   * An iterator of `names` (`[undefined]`: every event), which `label`
   * names in messages; `several` makes it receive `{ name, payload }`.
   */
  #listen<T>(
    names: readonly (string | undefined)[],
    label: string,
    options: IterateOptions,
    several: boolean,
  ): EventIterator<T> {
    const config = readIterateOptions(options, `Cannot iterate ${label}`);
    return new BufferedIterator<T>(
      config,
      label,
      (push, released) => this.#attach(names, several, push, released),
    );
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
   * @throws {unknown} What `onActive` teardowns threw (one error, or an
   * `AggregateError` of several), after everything was cleared.
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
    const outer = this.#clearing;
    const errors: unknown[] = [];
    this.#clearing = errors;
    try {
      // What onIdle threw first, then what releases threw.
      errors.unshift(...this.#registry.clear(name));
    } finally {
      this.#clearing = outer;
    }
    throwAll(errors, "Teardowns failed while clearing");
  }

  /**
   * The names of the events that have listeners now (their own listeners:
   * `subscribe`, pending `waitFor` calls, iterators), in the order they got
   * their first one. Listeners of every event and of patterns do not make
   * an event appear. It is a new array each time.
   *
   * @returns The event names.
   *
   * @example Usage
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ a: number; b: number; c: number }>();
   * const off = bus.subscribe("b", () => {});
   * bus.subscribe("a", () => {});
   * assert.deepEqual(bus.eventNames(), ["b", "a"]);
   * off();
   * assert.deepEqual(bus.eventNames(), ["a"]);
   * ```
   */
  eventNames(): EventName<Events>[] {
    return this.#registry.names() as EventName<Events>[];
  }

  /**
   * Runs `setup` whenever an event gains its first listener, and the
   * function it returns (the teardown) whenever the event loses its last
   * one: open a connection or start polling only while someone listens.
   * Every way to listen counts (`subscribe` with one or several names,
   * `once`, `signal`, `waitFor`, `iterate`), and so does every way to stop
   * (a handle, `unsubscribe`, a used-up `once`, an aborted signal, a settled
   * wait, an iterator left, `clear`). Listeners of every event and of
   * patterns do not count. When the event has listeners already, setup runs
   * at once.
   *
   * Setup runs synchronously, after the first listener was added, inside
   * the call that added it; when it throws, that call throws (or, for
   * `waitFor`, rejects) with its error and the listener is not registered.
   * A teardown runs synchronously after the last listener was removed;
   * when it throws, the listener stays removed and the error is thrown by
   * the call that removed it: the handle, `unsubscribe`, `clear` (after
   * clearing everything), an iterator's `return()`; for a `once` listener or
   * a settling `waitFor` it becomes an error of the emit that used it up;
   * for an aborted signal it is thrown from the abort listener, where the
   * runtime reports it like any error of an event listener.
   *
   * Several hooks of one event run their setups in the order they were
   * added and their teardowns in reverse. If one setup throws, the setups
   * that already ran in that activation are torn down again.
   *
   * @typeParam K The event name.
   * @param name The event to watch.
   * @param setup Called with `name` when the event becomes active; may
   * return its teardown.
   * @param options `signal` removes the hook.
   * @returns A function that removes the hook (and is `Disposable`); when
   * the event is active, the teardown runs then, and what it throws is
   * thrown there.
   * @throws {TypeError} When `name` is not a string, `setup` is not a
   * function, or an option has the wrong type.
   * @throws {unknown} What `setup` threw when it ran at once; the hook is
   * not added then.
   *
   * @example Polling only while someone listens
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ price: number }>();
   * const log: string[] = [];
   * bus.onActive("price", (name) => {
   *   log.push(`start polling ${name}`);
   *   return () => log.push(`stop polling ${name}`);
   * });
   * const off = bus.subscribe("price", () => {});
   * const price = bus.waitFor("price");
   * await bus.emit("price", 10); // the wait settles and leaves
   * await price;
   * off(); // the last listener leaves
   * assert.deepEqual(log, ["start polling price", "stop polling price"]);
   * ```
   *
   * @example A failing setup registers nothing
   * ```ts
   * import { EventBus } from "@arcly/bus";
   * import assert from "node:assert/strict";
   *
   * const bus = new EventBus<{ feed: string }>();
   * bus.onActive("feed", () => {
   *   throw new Error("offline");
   * });
   * assert.throws(() => bus.subscribe("feed", () => {}), { message: "offline" });
   * assert.equal(bus.listenerCount("feed"), 0);
   * ```
   */
  onActive<K extends EventName<Events>>(
    name: K,
    setup: ActivitySetup<K>,
    options: OnActiveOptions = {},
  ): Unsubscribe {
    checkName(name, "Cannot watch activity");
    const action = `Cannot watch activity of ${quote(name)}`;
    if (typeof setup !== "function") {
      throw invalid(action, "setup", "a function", setup);
    }
    const signal = readSignal(readOptions(options, action), action);
    if (signal?.aborted) return NOOP_HANDLE;
    const hook: Hook = { setup: setup as (name: string) => unknown };
    const registry = this.#registry;
    if (registry.count(name) > 0) startHook(hook, name);
    if (this.#hooks === undefined) {
      this.#hooks = new Map();
      registry.onActive = (key) => this.#activate(key);
      registry.onIdle = (key) => this.#deactivate(key);
    }
    const hooks = this.#hooks;
    const list = hooks.get(name) ?? new Set();
    hooks.set(name, list.add(hook));
    const off = () => {
      // A list leaves the map only once empty: a hook in it is live.
      if (!list.delete(hook)) return;
      signal?.removeEventListener("abort", off);
      if (list.size === 0) hooks.delete(name);
      stopHook(hook);
    };
    onAbort(signal, off);
    return handle(off);
  }

  /** Runs the setups of `name`, which just got its first listener. */
  #activate(name: string): void {
    const started: Hook[] = [];
    for (const hook of [...this.#hooks!.get(name) ?? []]) {
      if (hook.teardown !== undefined) continue;
      try {
        startHook(hook, name);
      } catch (error) {
        // Undo this activation, last first, so the failed add leaves
        // nothing behind; this throws.
        each(
          started.reverse(),
          stopHook,
          `A setup of ${
            quote(name)
          } failed, and so did a teardown while undoing`,
          [error],
        );
      }
      started.push(hook);
    }
  }

  /** Runs the teardowns of `name`, which just lost its last listener. */
  #deactivate(name: string): void {
    // Last first.
    each(
      [...this.#hooks!.get(name) ?? []].reverse(),
      stopHook,
      `Teardowns of ${quote(name)} failed`,
    );
  }

  /**
   * Removes `listener` from each key (event names, `undefined` for every
   * event, or a pattern's prefix when `pattern`), from all of them even when
   * a teardown throws; returns how many subscriptions it removed.
   */
  #unsubscribe(
    keys: readonly (string | undefined)[],
    listener: unknown,
    action: string,
    pattern = false,
  ): number {
    readListener(listener, action);
    let removed = 0;
    each(keys, (key) => {
      removed += this.#registry.removeListener(key, listener, pattern);
    });
    return removed;
  }

  /**
   * The subscriptions of a wait or an iterator: `deliver` gets the payload
   * of each emit of one of `names`, or `{ name, payload }` when `several`;
   * `cleared` runs when `clear()` removes one. Returns what removes them
   * all.
   */
  #attach(
    names: readonly (string | undefined)[],
    several: boolean,
    deliver: (value: unknown) => void,
    cleared: () => void,
  ): () => void {
    const registry = this.#registry;
    const subs = addEach(
      registry,
      names,
      (name) => several ? named(name, deliver) : deliver,
    );
    for (const sub of subs) {
      sub.release = (clear) => {
        if (!clear) return;
        // A release must not throw: clear() throws what this threw once
        // everything is cleared.
        try {
          cleared();
        } catch (error) {
          (this.#clearing ??= []).push(error);
        }
      };
    }
    return () => removeAll(registry, subs);
  }

  static {
    // Bridges emit what they receive through this method, so listeners see
    // `delivery.local === false`. It is defined here, not as a class member,
    // to stay out of the public type while reaching the private dispatch.
    (EventBus.prototype as unknown as Record<symbol, unknown>)[RECEIVE] =
      function (
        this: EventBus,
        name: string,
        payload: unknown,
        delivery: Delivery,
      ): Promise<void> {
        return this.#dispatcher.dispatch(name, payload, delivery, false);
      };
  }

  /**
   * The one way `subscribe`, `subscribeAll` and `subscribePattern` add a
   * listener: to one event (`target` a name), to every event (`undefined`),
   * to a pattern (`target` its prefix, `pattern` true) or to several events
   * (`target` their names, the listener receiving `{ name, payload }`); the
   * options `once`, `local` and `signal` around `Registry.add`, and the
   * handle.
   */
  #subscribe(
    target: string | readonly string[] | undefined,
    listener: unknown,
    options: SubscribeOptions,
    action: Action,
    pattern: boolean,
  ): Unsubscribe {
    const call = readListener(listener, action);
    const opts = readOptions(options, action);
    const once = readFlag(opts, "once", action);
    const local = readFlag(opts, "local", action);
    const signal = readSignal(opts, action);
    if (signal?.aborted) return NOOP_HANDLE;
    const registry = this.#registry;
    if (typeof target === "object" || once || local || signal) {
      return subscribeGuarded(
        registry,
        target,
        call,
        pattern,
        listener,
        once,
        local,
        signal,
      );
    }
    // The plain case, kept free of closures: no context to allocate.
    return registry.handle(registry.add(target, call, pattern, listener));
  }
}

/** The keys of the methods each bus binds to itself. */
const METHODS: readonly PropertyKey[] = Reflect.ownKeys(EventBus.prototype)
  .filter((key) => key !== "constructor");
