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
export type ListenerFunction<T> = (payload: T) => unknown;

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
  onEvent(payload: T): unknown;
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
   * is added and the returned handle does nothing.
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
  /** Aborting it rejects the wait with `signal.reason` and unsubscribes. */
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
}

/**
 * Removes exactly one subscription. Calling it again does nothing. It is also
 * a `Disposable`, so `using` releases the subscription at the end of a block.
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
