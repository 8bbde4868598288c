// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { EventBus } from "./bus.ts";
import { ASYNC_DISPOSE, DISPOSE, isThenable } from "./_util.ts";
import {
  checkBus,
  checkTransport,
  defaultBridgeOnError as defaultOnError,
  describe,
  readBridgeOptions,
} from "./_validate.ts";
import type { EventName } from "./types.ts";

/** An emit of a received message, while its listeners start. */
interface Delivery {
  readonly bus: object;
  readonly name: string;
  readonly payload: unknown;
}

// `EventBus.emit` starts its listeners synchronously, so a bridge listener
// called while this is set, for this bus, event and payload, is being called
// by the emit of a received message: it must not publish it again. It is
// shared by every bridge, so a message received by one bridge of a bus is not
// forwarded by its other bridges either (no loops through several
// transports). A local listener that synchronously re-emits the very event it
// received, with the identical payload, is not published either.
let delivering: Delivery | undefined;

function readMessage(data: unknown): BridgeMessage | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (
    typeof message.origin !== "string" || typeof message.event !== "string" ||
    typeof message.seq !== "number" || !Number.isSafeInteger(message.seq) ||
    message.seq < 1
  ) {
    return undefined;
  }
  return message as unknown as BridgeMessage;
}

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
  return new BusBridge(
    bus as unknown as EventBus<Record<string, unknown>>,
    transport,
    events,
    onError,
    signal,
  );
}

class BusBridge implements Bridge {
  readonly origin: string = crypto.randomUUID();
  readonly ready: Promise<void>;
  #bus: EventBus<Record<string, unknown>>;
  #transport: BridgeTransport | undefined;
  #events: Set<string> | undefined;
  #onError: (error: unknown) => void;
  #signal: AbortSignal | undefined;
  #seq = 0;
  /** The last sequence number received from each publisher. */
  #last: Map<string, number> = new Map();
  #unsubscribe: (() => void) | undefined = undefined;
  #closing: Promise<void> | undefined = undefined;
  #onAbort = (): void => void this.close();
  #report = (error: unknown): void => {
    try {
      this.#onError(error);
    } catch (failure) {
      // The last resort: an onError that throws must not crash the
      // transport's callback, and what it threw must not vanish.
      defaultOnError(failure);
    }
  };

  constructor(
    bus: EventBus<Record<string, unknown>>,
    transport: BridgeTransport,
    events: Set<string> | undefined,
    onError: (error: unknown) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#bus = bus;
    this.#events = events;
    this.#onError = onError;
    if (signal?.aborted) {
      this.#closing = Promise.resolve();
      this.ready = Promise.resolve();
      return;
    }
    this.#transport = transport;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (events === undefined) {
      this.#unsubscribe = bus.subscribeAll((event) =>
        this.#publish(event.name, event.payload)
      );
    } else {
      const offs = [...events].map((name) =>
        bus.subscribe(name, (payload) => this.#publish(name, payload))
      );
      this.#unsubscribe = () => offs.forEach((off) => off());
    }
    let listening: void | PromiseLike<unknown>;
    try {
      listening = transport.listen(
        (data) => this.#receive(data),
        this.#report,
      );
    } catch (error) {
      listening = Promise.reject(error);
    }
    this.ready = Promise.resolve(listening).then(() => {}, (error) => {
      this.#report(error);
      throw error;
    });
    // Whoever ignores `ready` still sees the failure, through onError.
    this.ready.catch(() => {});
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #publish(name: string, payload: unknown): void {
    const delivery = delivering;
    if (
      delivery !== undefined && delivery.bus === this.#bus &&
      delivery.name === name && Object.is(delivery.payload, payload)
    ) {
      return;
    }
    const transport = this.#transport;
    if (transport === undefined || this.#closing !== undefined) return;
    const message: BridgeMessage = {
      origin: this.origin,
      seq: this.#seq + 1,
      event: name,
      payload,
    };
    let sent: void | PromiseLike<unknown>;
    try {
      sent = transport.send(message);
    } catch (error) {
      // A payload the transport cannot carry fails the emit that sent it.
      if (error instanceof TypeError) throw error;
      this.#seq++;
      this.#report(error);
      return;
    }
    this.#seq++;
    if (isThenable(sent)) Promise.resolve(sent).catch(this.#report);
  }

  #receive(data: unknown): void {
    if (this.#closing !== undefined) return;
    const message = readMessage(data);
    if (message === undefined) {
      this.#report(
        new TypeError(
          `Cannot receive a bridged event: expected an object with string origin, string event and positive integer seq, got ${
            describe(data)
          }`,
        ),
      );
      return;
    }
    const { origin, seq, event: name } = message;
    if (origin === this.origin) return;
    const last = this.#last.get(origin);
    if (last !== undefined) {
      // At most once, in order: a number seen already is a duplicate or late.
      if (seq <= last) return;
      if (seq > last + 1) {
        const missed = seq - last - 1;
        this.#report(
          new Error(
            `Missed ${missed} ${
              missed === 1 ? "event" : "events"
            } from bridge ${origin} (messages ${last + 1} to ${
              seq - 1
            }): the transport lost them`,
          ),
        );
      }
    }
    this.#last.set(origin, seq);
    if (this.#events !== undefined && !this.#events.has(name)) return;
    const payload = message.payload;
    const saved = delivering;
    delivering = { bus: this.#bus, name, payload };
    let done: Promise<void>;
    try {
      done = this.#bus.emit(name, payload);
    } finally {
      delivering = saved;
    }
    done.catch(this.#report);
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const transport = this.#transport!;
    let closed: void | PromiseLike<unknown>;
    try {
      closed = transport.close();
    } catch (error) {
      closed = Promise.reject(error);
    }
    this.#closing = Promise.resolve(closed).then(() => {}, this.#report);
    return this.#closing;
  }

  [DISPOSE](): void {
    void this.close();
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }
}
