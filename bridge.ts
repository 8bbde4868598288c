// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { EventBus } from "./bus.ts";
import {
  checkBus,
  checkTransport,
  createBridge,
  readBridgeOptions,
} from "./_bridge.ts";
import type { EventName } from "./types.ts";

/**
 * One event on the wire: what a bridge publishes for each local emit and
 * expects from its transport for each remote one.
 *
 * @example Usage
 * ```ts
 * import type { BridgeMessage } from "@arcly/bus";
 *
 * const message: BridgeMessage = {
 *   origin: "3f1c0e9a-0000-4000-8000-000000000000",
 *   seq: 1,
 *   event: "user.created",
 *   payload: { id: 1 },
 * };
 * ```
 */
export interface BridgeMessage {
  /** The id of the bridge that published it (`Bridge.origin`). */
  readonly origin: string;
  /**
   * Its position among the messages of that bridge: 1, 2, 3, ... A receiver
   * drops a number it has already seen and reports a gap as lost messages.
   */
  readonly seq: number;
  /** The event name. */
  readonly event: string;
  /** The payload it was emitted with. */
  readonly payload: unknown;
}

/**
 * What `bridge` needs from a transport. `bridgeBroadcastChannel` and
 * `bridgeRedis` (from `@arcly/bus/redis`) are built on it; implement it to
 * carry events over something else (a WebSocket, a message queue).
 *
 * @example An in-memory transport joining two buses
 * ```ts
 * import { bridge, type BridgeTransport, EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * const peers = new Set<(message: unknown) => void>();
 * function memory(): BridgeTransport {
 *   let receive: (message: unknown) => void = () => {};
 *   return {
 *     send(message) {
 *       for (const peer of peers) if (peer !== receive) peer(structuredClone(message));
 *     },
 *     listen(onMessage) {
 *       receive = onMessage;
 *       peers.add(receive);
 *     },
 *     close() {
 *       peers.delete(receive);
 *     },
 *   };
 * }
 *
 * const a = new EventBus<{ ping: number }>();
 * const b = new EventBus<{ ping: number }>();
 * using _a = bridge(a, memory());
 * using _b = bridge(b, memory());
 * const got = b.waitFor("ping");
 * await a.emit("ping", 1);
 * assert.equal(await got, 1);
 * ```
 */
export interface BridgeTransport {
  /**
   * Publishes a message to the other bridges of the transport. It throws a
   * `TypeError` synchronously when the payload is something the transport
   * cannot carry; the bridge rethrows it to the emit. Any other error, thrown
   * or as a rejection of the returned promise, is a transport failure and
   * goes to `onError`.
   */
  send(message: BridgeMessage): void | PromiseLike<unknown>;
  /**
   * Starts receiving: `receive` takes each message as decoded by the
   * transport (the bridge checks its shape), `fail` takes transport errors
   * and undecodable data. The returned promise, if any, resolves once
   * messages published from now on will be received.
   */
  listen(
    receive: (message: unknown) => void,
    fail: (error: unknown) => void,
  ): void | PromiseLike<unknown>;
  /** Stops receiving and releases what `listen` took. Called once. */
  close(): void | PromiseLike<unknown>;
}

/**
 * Options of `bridge` and of the transport bridges built on it.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { BridgeOptions } from "@arcly/bus";
 *
 * type Events = { "user.created": { id: number }; "cache.hit": string };
 * const options: BridgeOptions<Events> = {
 *   events: ["user.created"],
 *   onError: (error) => console.error("bridge:", error),
 *   signal: AbortSignal.timeout(60_000),
 * };
 * ```
 */
export interface BridgeOptions<Events> {
  /**
   * Only these events cross the bridge, both ways: the others are neither
   * published nor emitted when received.
   *
   * @default {undefined} (every event)
   */
  events?: readonly EventName<Events>[];
  /**
   * Receives what would otherwise be lost: transport failures (a failed
   * publish, a lost connection), messages that cannot be decoded, gaps in a
   * publisher's sequence (messages the transport lost), and errors of local
   * listeners of a received event when the bus has no `onError`. It never
   * receives payload errors: those reject the `emit` that caused them.
   *
   * @default {console.error}
   */
  onError?: (error: unknown) => void;
  /** Aborting it closes the bridge, as `Bridge.close()` does. */
  signal?: AbortSignal;
}

/**
 * A running bridge between a bus and a transport. Closing it (with `close`,
 * `using`, `await using` or the `signal` option) stops publishing and
 * receiving at once and then releases the transport.
 *
 * @example Usage
 * ```ts
 * import { bridgeBroadcastChannel, EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ ping: number }>();
 * const bridge = bridgeBroadcastChannel(bus, "example-bridge");
 * await bridge.ready;
 * assert.equal(bus.listenerCount(), 1);
 * await bridge.close();
 * assert.equal(bus.listenerCount(), 0);
 * ```
 */
export interface Bridge extends Disposable, AsyncDisposable {
  /** The random id this bridge puts on its messages (`BridgeMessage.origin`). */
  readonly origin: string;
  /**
   * Resolves once the transport receives: messages published by others from
   * then on reach the bus. It rejects when the transport could not start
   * (the error also goes to `onError`).
   */
  readonly ready: Promise<void>;
  /** Whether the bridge has been closed. */
  readonly closed: boolean;
  /**
   * Stops publishing and receiving at once, then closes the transport.
   *
   * @returns A promise that resolves once the transport is closed; it never
   * rejects (a failure goes to `onError`).
   */
  close(): Promise<void>;
}

/**
 * Connects a bus to a transport. Events emitted on the bus (every event, or
 * those of `options.events`) are published, each as a `BridgeMessage` with
 * this bridge's `origin` and the next sequence number; messages received are
 * emitted on the bus. A received event is never published again, by this
 * bridge or another bridge of the same bus, so bridged buses never echo nor
 * loop.
 *
 * Publishing does not hold up `emit`: the transport's send starts inside the
 * emit and its failures go to `onError`. A payload the transport cannot carry
 * makes the bridge's listener throw a `TypeError` naming the event, so that
 * emit rejects with it in its `AggregateError` (or hands it to the bus's
 * `onError`), after every local listener ran.
 *
 * Delivery is at most once and in order per publisher: the receiver drops a
 * sequence number it has already passed, and reports a gap to `onError` when
 * the transport lost messages. Nothing is stored or replayed.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to connect.
 * @param transport How messages travel.
 * @param options `events`, `onError` and `signal`.
 * @returns The running bridge. When `options.signal` is already aborted it
 * is closed already and the transport is never used.
 * @throws {TypeError} When an option has the wrong type.
 *
 * @example Two buses joined by a BroadcastChannel
 * ```ts
 * import { bridge, EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * function channel(name: string) {
 *   const ch = new BroadcastChannel(name);
 *   return {
 *     send: (message: unknown) => ch.postMessage(message),
 *     listen(receive: (message: unknown) => void) {
 *       ch.onmessage = (event) => receive(event.data);
 *     },
 *     close: () => ch.close(),
 *   };
 * }
 *
 * const a = new EventBus<{ ping: number }>();
 * const b = new EventBus<{ ping: number }>();
 * await using _a = bridge(a, channel("example-generic"));
 * await using _b = bridge(b, channel("example-generic"));
 * const got = b.waitFor("ping");
 * await a.emit("ping", 42);
 * assert.equal(await got, 42);
 * ```
 */
export function bridge<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  transport: BridgeTransport,
  options: BridgeOptions<Events> = {},
): Bridge {
  const action = "Cannot bridge the bus";
  checkBus(bus, action);
  checkTransport(transport, action);
  const { events, onError, signal } = readBridgeOptions(options, action);
  return createBridge(bus, transport, events, onError, signal);
}
