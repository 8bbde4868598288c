// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The bridge protocol, version 2. Transports (broadcast_channel.ts, redis.ts)
// build on `bridge(bus, transport, options)` and carry `BridgeMessage`s as
// they are; they never look inside except to encode them.
//
// Messages are arrays (short on the wire, quick to parse and to clone):
//
//   event:     [2, origin, seq, id, event]            (payload undefined)
//              [2, origin, seq, id, event, payload]
//   signed:    [2, origin, seq, id, event, data, sig]
//   heartbeat: [2, origin, seq, 0]  or  [2, origin, seq, 0, sig]
//   skip:      [2, origin, seq, 1]  or  [2, origin, seq, 1, sig]
//
// - 2: the protocol version. A receiver reports and drops any other (version
//   1, the object form of earlier releases, included: 0.x, no mixed fleets).
// - origin: the publishing bridge, 1 to 64 characters of [A-Za-z0-9_-]
//   (16 random base64url characters). One bridge = one stream of
//   positions.
// - seq: the bridge's position, 1, 2, 3, ... for its events; a heartbeat
//   carries the position of the last event the bridge published (0 in the
//   one a bridge sends when it is ready, before any event).
// - id (a string at index 3; a heartbeat or skip has the number 0 or 1
//   there): the event's id, 1 to 64 characters of [A-Za-z0-9_-] (16 random
//   base64url characters, 96 random bits: unpredictable, so nobody can claim
//   the id of an event before it is published). Every bridge of one bus
//   publishes one emit with the same id, so receivers drop the copies (see
//   `BusState` in _bridge_state.ts).
// - event: the event name; payload: the payload, as the transport carries
//   it; absent for `undefined`.
// - data, sig: with `options.key`, the payload travels as JSON text in
//   `data` ("" for `undefined`) and `sig`, always the last item, is the
//   base64url HMAC-SHA-256 of `JSON.stringify` of every item before it.
// - skip: position seq carries no event (the transport refused its payload
//   after the position was given; BroadcastChannel sends it in its place).
//
// Receiving (per bus, shared by all its bridges, even those of another copy
// of this library, through the `Symbol.for(STATE_KEY)` property of the bus):
// 1. A message of one of the bus's own bridges is dropped.
// 2. With a key, a message without a valid signature is dropped, reported.
// 3. Its seq updates the publisher's position (only for loss reports; a
//    position never decides whether an event is delivered).
// 4. An event whose id was seen among the last `window` ids is dropped
//    (duplicate); every other event is delivered, however late.
// 5. Its payload is validated (`schemas`) and emitted with `receive()`, so
//    listeners see `delivery.local === false`; bridges never publish an
//    event whose delivery is not local, so nothing echoes.
//
// Positions: a gap (seq > position + 1, or a heartbeat ahead of the
// position) is remembered as a range with a deadline; events that arrive
// fill it; what is still missing after `lossTimeout`, or falls more than
// `window` behind the position, is reported as a `LostEventsError` with the
// exact range. A seq more than `window` away from the position is reported
// and ignored, unless the next message of that publisher confirms it (then
// the position moves and the skipped range is reported lost).
//
// The origin is the second item, so every message of a bridge starts with
// the same text in JSON: the Redis transport recognises its own messages by
// that start without parsing them.
//
// Transport contract for implementers (redis.ts): see `BridgeTransport` and
// `BridgeLink`. `send` must throw a TypeError synchronously for a payload it
// refuses (it rejects the emit), return quickly, and hand a slow publish to
// `link.track(promise)` instead of returning it: the emit waits for a
// returned promise. `listen(receive, fail, link)` resolves once subscribed.
// `name` (e.g. "Redis") makes errors say "Cannot bridge the bus to Redis".
// Unless `heartbeat: false`, a bridge publishes one heartbeat once it is
// ready (seq 0 before any event), then one every `heartbeat` ms while it
// publishes nothing else.

/**
 * The bridge protocol over a transport of your own: give `bridge` an object
 * with `send`, `listen` and `close`, and it brings the delivery rules of
 * every bridge of this package (unique ids, duplicates dropped, late events
 * delivered, exact loss reports with heartbeats, no echo, optional HMAC
 * signing with `key`, `schemas` for received payloads, `status`). The
 * ready-made transports are `@arcly/bus/broadcast-channel` and
 * `@arcly/bus/redis`.
 *
 * @example A transport over a MessageChannel
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridge, type BridgeTransport } from "@arcly/bus/bridge";
 * import assert from "node:assert/strict";
 *
 * function port(end: MessagePort): BridgeTransport {
 *   return {
 *     name: "MessagePort",
 *     send: (message) => end.postMessage(message),
 *     listen(receive) {
 *       end.onmessage = (event) => receive(event.data);
 *     },
 *     close: () => end.close(),
 *   };
 * }
 *
 * const { port1, port2 } = new MessageChannel();
 * const a = new EventBus<{ ping: number }>();
 * const b = new EventBus<{ ping: number }>();
 * await using _a = bridge(a, port(port1));
 * await using _b = bridge(b, port(port2));
 * const got = b.waitFor("ping");
 * await a.emit("ping", 42);
 * assert.equal(await got, 42);
 * ```
 *
 * @module
 */

import type { EventBus } from "./bus.ts";
import type { Schemas, StandardIssue, StandardSchema } from "./schema.ts";
import type { AnyEvent, Delivery, EventName } from "./types.ts";
import { receive as receiveOn } from "./_receive.ts";
import { readSchemas, schemaError, validatePayload } from "./_schema.ts";
import { encodeJson } from "./_json.ts";
import { ASYNC_DISPOSE, DISPOSE, isThenable, logError } from "./_util.ts";
import {
  EVENT,
  HEARTBEAT,
  importKeys,
  isSigned,
  randomId,
  readMessage,
  signatureOf,
  SKIP,
  verifies,
  VERSION,
} from "./_bridge_protocol.ts";
import { type BusState, stateOf } from "./_bridge_state.ts";
import {
  checkBus,
  checkMethods,
  invalid,
  quote,
  readCallback,
  readEvents,
  readInteger,
  readKeys,
  readMs,
  readOptions,
  readSignal,
} from "./_validate.ts";

/**
 * An event on the wire, as a bridge publishes it for each local emit:
 * `[2, origin, seq, id, event]` for an `undefined` payload,
 * `[2, origin, seq, id, event, payload]` for any other, and with
 * `options.key` `[2, origin, seq, id, event, data, sig]`, the payload as
 * JSON text in `data` (`""` for `undefined`) and `sig` the base64url
 * HMAC-SHA-256 of `JSON.stringify` of the items before it.
 *
 * - `2`: the protocol version.
 * - `origin`: the id of the bridge that published it (`Bridge.origin`).
 * - `seq`: its position among that bridge's events: 1, 2, 3, ...
 * - `id`: the event's id; one emit has one id on every bridge of its bus.
 * - `event`: the event name.
 *
 * @example Usage
 * ```ts
 * import type { BridgeEventMessage } from "@arcly/bus/bridge";
 *
 * const message: BridgeEventMessage = [
 *   2,
 *   "mZ3k1c0e9aQ2Yy8v",
 *   1,
 *   "Xq0Jc7tG3uHnL2mP",
 *   "user.created",
 *   { id: 1 },
 * ];
 * const [, origin, seq, id, event] = message;
 * ```
 */
export type BridgeEventMessage =
  | readonly [
    v: 2,
    origin: string,
    seq: number,
    id: string,
    event: string,
    payload?: unknown,
  ]
  | readonly [
    v: 2,
    origin: string,
    seq: number,
    id: string,
    event: string,
    data: string,
    sig: string,
  ];

/**
 * A heartbeat on the wire, `[2, origin, seq, 0]`: a bridge's position (the
 * last event it published), sent every `options.heartbeat` milliseconds
 * while it publishes nothing else, so receivers see lost events at the end
 * of a stream. `[2, origin, seq, 1]` is a skip: position `seq` carries no
 * event (the transport refused its payload after numbering it). With
 * `options.key` a fifth item is the signature of the first four.
 *
 * @example Usage
 * ```ts
 * import type { BridgeHeartbeat } from "@arcly/bus/bridge";
 *
 * const beat: BridgeHeartbeat = [2, "mZ3k1c0e9aQ2Yy8v", 12, 0];
 * ```
 */
export type BridgeHeartbeat = readonly [
  v: 2,
  origin: string,
  seq: number,
  kind: 0 | 1,
  sig?: string,
];

/**
 * Anything a bridge sends through its transport: an array whose item 3 is
 * the event id (a string) for an event, and `0` or `1` for a heartbeat or a
 * skip.
 *
 * @example Telling the kinds apart
 * ```ts
 * import type { BridgeMessage } from "@arcly/bus/bridge";
 *
 * function describe(message: BridgeMessage): string {
 *   return typeof message[3] === "string"
 *     ? `${message[4]} #${message[2]}`
 *     : `heartbeat at ${message[2]}`;
 * }
 * ```
 */
export type BridgeMessage = BridgeEventMessage | BridgeHeartbeat;

/**
 * What a transport tells its bridge besides the messages it receives: the
 * publishes it has in flight and the state of its connections. Handed to
 * `BridgeTransport.listen` as its third argument.
 *
 * @example A transport that reports its connection
 * ```ts
 * import type { BridgeTransport } from "@arcly/bus/bridge";
 *
 * const socket = new EventTarget(); // stands for a real connection
 * const transport: BridgeTransport = {
 *   send() {},
 *   listen(_receive, _fail, link) {
 *     socket.addEventListener("close", () => link.connected(false));
 *     socket.addEventListener("open", () => link.connected(true));
 *   },
 *   close() {},
 * };
 * ```
 */
export interface BridgeLink {
  /**
   * Counts a publish in flight in `BridgeStatus.pending` until it settles. A
   * rejection goes to `onError` and marks the bridge degraded until a later
   * publish succeeds.
   */
  track(publish: PromiseLike<unknown>): void;
  /** Whether the transport can publish now. */
  connected(connected: boolean): void;
  /**
   * Whether the transport receives now: `false` after a lost subscription,
   * `true` once it is back.
   */
  subscribed(subscribed: boolean): void;
}

/**
 * What `bridge` needs from a transport. `bridgeBroadcastChannel` and
 * `bridgeRedis` (from `@arcly/bus/redis`) are built on it; implement it to
 * carry events over something else (a WebSocket, a message queue).
 *
 * @example An in-memory transport joining two buses
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridge, type BridgeTransport } from "@arcly/bus/bridge";
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
 * const bridgeA = bridge(a, memory(), { heartbeat: false });
 * const bridgeB = bridge(b, memory(), { heartbeat: false });
 * const got = b.waitFor("ping");
 * await a.emit("ping", 1);
 * assert.equal(await got, 1);
 * await bridgeA.close();
 * await bridgeB.close();
 * ```
 */
export interface BridgeTransport {
  /**
   * Publishes a message to the other bridges of the transport. It throws a
   * `TypeError` naming the event and the path when the payload is something
   * the transport cannot carry: the bridge rethrows it to the emit. It may
   * return a promise: the emit waits for it, and a `TypeError` rejection
   * rejects the emit the same way. Return one only for a short step (a batch
   * flushed at the end of the microtask); hand a slow publish, which must
   * not hold up the emit, to `BridgeLink.track` instead. Any other error is
   * a transport failure and goes to `onError`.
   */
  send(message: BridgeMessage): void | PromiseLike<unknown>;
  /**
   * Starts receiving: `receive` takes each message as decoded by the
   * transport (the bridge checks it), `fail` takes transport errors and
   * undecodable data, `link` takes publishes in flight and connection
   * changes. The returned promise, if any, resolves once messages published
   * from now on will be received (`Bridge.ready`), and rejects when that
   * cannot happen.
   */
  listen(
    receive: (message: unknown) => void,
    fail: (error: unknown) => void,
    link: BridgeLink,
  ): void | PromiseLike<unknown>;
  /**
   * Stops receiving and releases what `listen` took. Called once. The
   * bridge waits for it at most `closeTimeout` milliseconds.
   */
  close(): void | PromiseLike<unknown>;
  /**
   * What errors call the transport: `bridge` throws `Cannot bridge the bus
   * to ${name}: ...` for a bad argument or option.
   *
   * @default {undefined} (`Cannot bridge the bus: ...`)
   */
  readonly name?: string;
}

/**
 * A key for `BridgeOptions.key`: a secret string (its UTF-8 bytes), raw
 * bytes, or an HMAC `CryptoKey` that can sign and verify.
 *
 * @example Usage
 * ```ts
 * import type { BridgeKey } from "@arcly/bus/bridge";
 *
 * const keys: BridgeKey[] = ["new secret", new Uint8Array(32)];
 * ```
 */
export type BridgeKey = string | ArrayBuffer | ArrayBufferView | CryptoKey;

/**
 * Options of `bridge` and of the transport bridges built on it.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { BridgeOptions } from "@arcly/bus/bridge";
 *
 * type Events = { "user.created": { id: number }; "cache.hit": string };
 * const options: BridgeOptions<Events> = {
 *   events: ["user.created"],
 *   key: ["current secret", "previous secret"],
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
   * Signs every message with HMAC-SHA-256 and drops (and reports) received
   * messages without a valid signature. A list rotates keys: messages are
   * signed with the first and accepted with any. With a key, payloads travel
   * as JSON on every transport. Without one, whoever can publish on the
   * channel is trusted: they can add events of their own (never hide or
   * replace others).
   *
   * @default {undefined} (unsigned)
   */
  key?: BridgeKey | readonly BridgeKey[];
  /**
   * Standard Schema v1 validators (zod, valibot, arktype, ...) by event
   * name. A received payload that fails its schema goes to `onError` with
   * the issues and is not emitted; one that passes is emitted as the
   * validator returns it.
   *
   * @default {undefined} (no validation)
   */
  schemas?: Schemas<Events>;
  /**
   * Milliseconds between heartbeats, sent while the bridge publishes
   * nothing else, and once when it is ready (its position before any event),
   * so receivers report lost events at the start and end of a stream;
   * `false` sends none. Like the transport, the timer keeps the process
   * alive until the bridge is closed.
   *
   * @default {1000}
   */
  heartbeat?: number | false;
  /**
   * Milliseconds a receiver waits for a missing event before it reports it
   * lost. An event that arrives later is still delivered.
   *
   * @default {2000}
   */
  lossTimeout?: number;
  /**
   * How many recent event ids each bus remembers to drop duplicates (it
   * remembers between this many and twice as many), and how far a
   * publisher's position may move in one message before it is ignored.
   * The bridges of one bus share one window: the first bridge's.
   *
   * @default {4096}
   */
  window?: number;
  /**
   * Milliseconds `close()` waits for the transport before it resolves
   * anyway (and reports the transport as stuck).
   *
   * @default {1000}
   */
  closeTimeout?: number;
  /**
   * Receives what would otherwise be lost: transport failures (a failed
   * publish, a lost connection), messages that cannot be read or fail their
   * signature or schema, lost events (`LostEventsError`), and errors of
   * local listeners of a received event when the bus has no `onError`. It
   * never receives payload errors: those reject the `emit` that caused
   * them.
   *
   * @default {console.error}
   */
  onError?: (error: unknown) => void;
  /** Aborting it closes the bridge, as `Bridge.close()` does. */
  signal?: AbortSignal;
}

/**
 * The health of a bridge, from `Bridge.status`.
 *
 * @example Usage
 * ```ts
 * import type { BridgeStatus } from "@arcly/bus/bridge";
 *
 * function healthy(status: BridgeStatus): boolean {
 *   return status.state === "ready" && status.pending < 1000;
 * }
 * ```
 */
export interface BridgeStatus {
  /**
   * `"connecting"` until the subscription is confirmed; `"ready"` while
   * connected, subscribed and the last publish succeeded; `"degraded"`
   * otherwise; `"closed"` once closed.
   */
  readonly state: "connecting" | "ready" | "degraded" | "closed";
  /** Whether the transport can publish (as it last told the bridge). */
  readonly connected: boolean;
  /** Whether the subscription is confirmed and not lost. */
  readonly subscribed: boolean;
  /** Publishes handed to the transport and not yet settled. */
  readonly pending: number;
  /** The last error the bridge reported, if any. */
  readonly lastError: unknown;
}

/**
 * A running bridge between a bus and a transport. Closing it (with `close`,
 * `using`, `await using` or the `signal` option) stops publishing and
 * receiving at once and then releases the transport.
 *
 * @example Usage
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridgeBroadcastChannel } from "@arcly/bus/broadcast-channel";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ ping: number }>();
 * const bridge = bridgeBroadcastChannel(bus, "example-bridge");
 * await bridge.ready;
 * assert.equal(bridge.status.state, "ready");
 * assert.equal(bus.listenerCount(), 1);
 * await bridge.close();
 * assert.equal(bus.listenerCount(), 0);
 * ```
 */
export interface Bridge extends Disposable, AsyncDisposable {
  /** The random id this bridge puts on its messages (`origin`). */
  readonly origin: string;
  /**
   * Resolves once the transport's subscription is confirmed: messages
   * published by others from then on reach the bus. It rejects when the
   * transport cannot subscribe, or the bridge closes first (the error also
   * goes to `onError`).
   */
  readonly ready: Promise<void>;
  /** Whether the bridge has been closed. */
  readonly closed: boolean;
  /** The bridge's health now. */
  readonly status: BridgeStatus;
  /**
   * Stops publishing and receiving at once, then closes the transport.
   *
   * @returns A promise that resolves once the transport is closed, or after
   * `closeTimeout` milliseconds; it never rejects (a failure goes to
   * `onError`).
   */
  close(): Promise<void>;
}

/**
 * Events a receiver counted as lost: a publisher's positions `first` to
 * `last` never arrived within `lossTimeout`, or fell out of the window.
 * Handed to `onError`.
 *
 * @example Telling losses from other failures
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridge, LostEventsError } from "@arcly/bus/bridge";
 *
 * let lost = 0;
 * const onError = (error: unknown) => {
 *   if (error instanceof LostEventsError) lost += error.count;
 *   else console.error(error);
 * };
 * ```
 */
export class LostEventsError extends Error {
  /** The publishing bridge (`Bridge.origin`). */
  readonly origin: string;
  /** The first lost position. */
  readonly first: number;
  /** The last lost position. */
  readonly last: number;
  /** How many events: `last - first + 1`. */
  readonly count: number;

  /**
   * Makes the error.
   *
   * @param origin The publishing bridge.
   * @param first The first lost position.
   * @param last The last lost position.
   * @param why Why they count as lost.
   */
  constructor(origin: string, first: number, last: number, why: string) {
    const count = last - first + 1;
    super(
      `Lost ${count} ${count === 1 ? "event" : "events"} from bridge ${
        quote(origin)
      } (positions ${first} to ${last}): ${why}`,
    );
    this.name = "LostEventsError";
    this.origin = origin;
    this.first = first;
    this.last = last;
    this.count = count;
  }
}

const defaultOnError = /* @__PURE__ */ logError("bridge");

/** The options of `bridge`, read and checked. */
interface Settings {
  events: Set<string> | undefined;
  keys: BridgeKey[] | undefined;
  schemas: Map<string, StandardSchema> | undefined;
  heartbeat: number;
  lossTimeout: number;
  window: number;
  closeTimeout: number;
  onError: (error: unknown) => void;
  signal: AbortSignal | undefined;
}

function readSettings(options: unknown, action: string): Settings {
  const opts = readOptions(options, action);
  const onError = readCallback(opts, "onError", action);
  return {
    signal: readSignal(opts, action),
    events: readEvents(opts, action),
    keys: readKeys(opts, action),
    schemas: readSchemas(opts, action),
    heartbeat: readMs(opts, "heartbeat", 1000, action, true),
    lossTimeout: readMs(opts, "lossTimeout", 2000, action),
    window: readInteger(opts, "window", 4096, [1, 1_000_000], action),
    closeTimeout: readMs(opts, "closeTimeout", 1000, action),
    onError: (onError as ((error: unknown) => void) | undefined) ??
      defaultOnError,
  };
}

type AnyBus = EventBus<Record<string, unknown>>;

// A class expression in a pure-marked call: its computed dispose keys would
// otherwise count as side effects and keep the whole bridge in the bundle of
// an app that imports only `EventBus` from mod.ts.
const BusBridge = /* @__PURE__ */ (() =>
  class BusBridge implements Bridge {
    readonly origin: string;
    readonly ready: Promise<void>;
    readonly lossTimeout: number;
    #bus: AnyBus;
    #state: BusState | undefined;
    #transport: BridgeTransport | undefined;
    #settings: Settings;
    #keys: Promise<CryptoKey[]> | undefined;
    #seq = 0;
    #sentSinceBeat = false;
    #beat: ReturnType<typeof setInterval> | undefined;
    /** Signing keeps publishes in order: each waits for the one before. */
    #signing: Promise<unknown> = Promise.resolve();
    /** Received messages wait here while an earlier one is verified. */
    #inbox: Promise<void> | undefined;
    #unsubscribe: (() => void) | undefined;
    #closing: Promise<void> | undefined;
    #failReady: ((error: Error) => void) | undefined;
    #connected = true;
    #subscribed = false;
    #confirmed = false;
    #publishFailed = false;
    #pending = 0;
    #lastError: unknown = undefined;
    #onAbort = (): void => void this.close();

    constructor(bus: AnyBus, transport: BridgeTransport, settings: Settings) {
      this.#bus = bus;
      this.#settings = settings;
      this.lossTimeout = settings.lossTimeout;
      this.origin = randomId();
      const signal = settings.signal;
      if (signal?.aborted) {
        this.#closing = Promise.resolve();
        this.ready = Promise.reject(
          new Error("Cannot bridge the bus: the signal was aborted"),
        );
        this.ready.catch(() => {});
        return;
      }
      this.#transport = transport;
      const state = stateOf(bus, settings.window);
      this.#state = state;
      state.own.add(this.origin);
      if (settings.keys !== undefined) {
        this.#keys = importKeys(settings.keys);
        this.#signing = this.#keys;
        this.#keys.catch(() => {});
      }
      signal?.addEventListener("abort", this.#onAbort, { once: true });
      this.#unsubscribe = bus.subscribeAll((event, delivery) =>
        this.#publish(event, delivery)
      );
      let listening: void | PromiseLike<unknown>;
      try {
        listening = transport.listen(
          (data) => this.#receive(data),
          this.report,
          this.#link,
        );
      } catch (error) {
        listening = Promise.reject(error);
      }
      const failed = new Promise<never>((_, reject) => {
        this.#failReady = reject;
      });
      this.ready = Promise.race([
        Promise.all([listening, this.#keys]),
        failed,
      ]).then(() => {
        this.#failReady = undefined;
        this.#confirmed = true;
        this.#subscribed = true;
        // Announces the position (0 before any event), so receivers that
        // hear it report the loss of this bridge's first events too.
        if (settings.heartbeat > 0) this.#sendBeat();
      }, (error) => {
        this.#failReady = undefined;
        if (this.#closing === undefined) this.report(error);
        throw error;
      });
      // Whoever ignores `ready` still sees the failure, through onError.
      this.ready.catch(() => {});
      if (settings.heartbeat > 0) {
        this.#beat = setInterval(() => this.#heartbeat(), settings.heartbeat);
      }
    }

    #link: BridgeLink = {
      track: (publish) => this.#track(publish),
      connected: (connected) => {
        this.#connected = connected === true;
      },
      subscribed: (subscribed) => {
        this.#subscribed = subscribed === true && this.#confirmed;
      },
    };

    get closed(): boolean {
      return this.#closing !== undefined;
    }

    get status(): BridgeStatus {
      const state = this.#closing !== undefined
        ? "closed"
        : !this.#confirmed
        ? "connecting"
        : this.#connected && this.#subscribed && !this.#publishFailed
        ? "ready"
        : "degraded";
      return Object.freeze({
        state,
        connected: this.#connected,
        subscribed: this.#subscribed,
        pending: this.#pending,
        lastError: this.#lastError,
      });
    }

    report = (error: unknown): void => {
      this.#lastError = error;
      try {
        this.#settings.onError(error);
      } catch (failure) {
        // The last resort: an onError that throws must not crash the
        // transport's callback, and what it threw must not vanish.
        defaultOnError(failure);
      }
    };

    lost(origin: string, first: number, last: number, why: string): void {
      this.report(new LostEventsError(origin, first, last, why));
    }

    #track(publish: PromiseLike<unknown>): void {
      this.#pending++;
      // Handlers made once, not two closures per publish.
      Promise.resolve(publish).then(this.#published, this.#publishFailure);
    }

    #published = (): void => {
      this.#pending--;
      this.#publishFailed = false;
    };

    #publishFailure = (error: unknown): void => {
      this.#pending--;
      this.#publishFailed = true;
      if (this.#closing === undefined) this.report(error);
    };

    #publish(
      event: AnyEvent<Record<string, unknown>>,
      delivery: Delivery,
    ): void | Promise<void> {
      // A received event is never published again, by any bridge: no echo.
      if (!delivery.local || this.#closing !== undefined) return;
      const { name, payload } = event;
      const events = this.#settings.events;
      if (events !== undefined && !events.has(name)) return;
      const id = this.#state!.idFor(event);
      const seq = this.#seq + 1;
      if (this.#keys !== undefined) {
        // Encoded now, so a payload JSON cannot carry rejects this emit.
        const data = payload === undefined ? "" : encodeJson(
          payload,
          () => `Cannot publish ${quote(name)}`,
          "payload",
        );
        this.#seq = seq;
        this.#sign([VERSION, this.origin, seq, id, name, data]);
        return;
      }
      const message: BridgeEventMessage = payload === undefined
        ? [VERSION, this.origin, seq, id, name]
        : [VERSION, this.origin, seq, id, name, payload];
      let sent: void | PromiseLike<unknown>;
      try {
        sent = this.#transport!.send(message);
      } catch (error) {
        // A payload the transport cannot carry fails the emit that sent it,
        // and uses up no position.
        if (error instanceof TypeError) throw error;
        this.#seq = seq;
        this.report(error);
        return;
      }
      this.#seq = seq;
      this.#sentSinceBeat = true;
      if (isThenable(sent)) {
        return Promise.resolve(sent).then(() => {}, (error) => {
          if (error instanceof TypeError) throw error;
          this.report(error);
        });
      }
    }

    /**
     * Signs `items` (a message without its signature) and sends them with
     * the signature after the messages before them.
     */
    #sign(items: readonly unknown[]): void {
      this.#sentSinceBeat = true;
      const keys = this.#keys!;
      const signed = this.#signing.then(async () => {
        const [key] = await keys;
        const sig = await signatureOf(key!, items);
        if (this.#closing !== undefined) return;
        const sent = this.#transport!.send(
          [...items, sig] as unknown as BridgeMessage,
        );
        if (isThenable(sent)) this.#track(sent);
      });
      this.#signing = signed.catch(() => {});
      this.#track(signed);
    }

    #heartbeat(): void {
      if (this.#closing !== undefined || this.#seq === 0) return;
      if (this.#sentSinceBeat) {
        this.#sentSinceBeat = false;
        return;
      }
      this.#sendBeat();
    }

    /** Sends a heartbeat with the current position. */
    #sendBeat(): void {
      if (this.#closing !== undefined) return;
      const beat: BridgeHeartbeat = [
        VERSION,
        this.origin,
        this.#seq,
        HEARTBEAT,
      ];
      if (this.#keys !== undefined) {
        this.#sign(beat);
        this.#sentSinceBeat = false;
        return;
      }
      try {
        const sent = this.#transport!.send(beat);
        if (isThenable(sent)) this.#track(sent);
      } catch (error) {
        this.report(error);
      }
    }

    #receive(data: unknown): void {
      if (this.#closing !== undefined) return;
      if (this.#inbox !== undefined) {
        this.#inbox = this.#inbox.then(() => this.#take(data));
        return;
      }
      const taking = this.#take(data);
      if (taking !== undefined) {
        const inbox: Promise<void> = taking.finally(() => {
          if (this.#inbox === inbox) this.#inbox = undefined;
        });
        this.#inbox = inbox;
      }
    }

    /** Handles one message; a promise when it must wait (signature, schema). */
    #take(data: unknown): Promise<void> | undefined {
      if (this.#closing !== undefined) return;
      const kind = readMessage(data);
      if (typeof kind === "string") {
        this.report(new TypeError(`Cannot receive a bridged event: ${kind}`));
        return;
      }
      const message = data as BridgeMessage;
      if (this.#state!.own.has(message[1])) return;
      if (this.#keys !== undefined) {
        return this.#verify(message, kind).then((valid) =>
          valid ? this.#accept(message, kind) : undefined
        );
      }
      return this.#accept(message, kind);
    }

    async #verify(message: BridgeMessage, kind: number): Promise<boolean> {
      const what = kind === HEARTBEAT
        ? "a heartbeat"
        : kind === SKIP
        ? "a skip"
        : `event ${quote(message[4] as string)}`;
      const from = `Dropped ${what} from bridge ${quote(message[1])}`;
      if (!isSigned(message, kind)) {
        this.report(new Error(`${from}: it is not signed`));
        return false;
      }
      if (await verifies(await this.#keys!, message)) return true;
      this.report(new Error(`${from}: its signature does not match any key`));
      return false;
    }

    #accept(message: BridgeMessage, kind: number): Promise<void> | undefined {
      if (this.#closing !== undefined) return;
      const state = this.#state!;
      const origin = message[1];
      state.see(this, origin, message[2], kind === HEARTBEAT);
      if (kind !== EVENT) return;
      const id = message[3] as string;
      const name = message[4] as string;
      const events = this.#settings.events;
      if (events !== undefined && !events.has(name)) return;
      if (!state.fresh(id)) return;
      let payload: unknown = message[5];
      if (message.length === 7) {
        try {
          payload = payload === "" ? undefined : JSON.parse(payload as string);
        } catch {
          this.report(
            new TypeError(
              `Dropped ${quote(name)} from bridge ${
                quote(origin)
              }: its data is not JSON`,
            ),
          );
          return;
        }
      }
      const delivery: Delivery = Object.freeze({ local: false, id, origin });
      const schema = this.#settings.schemas?.get(name);
      if (schema === undefined) return this.#emit(name, payload, delivery);
      const result = validatePayload(schema, payload);
      if (result instanceof Promise) {
        return result.then((result) => this.#checked(name, result, delivery));
      }
      return this.#checked(name, result, delivery);
    }

    #checked(
      name: string,
      result: {
        value?: unknown;
        issues?: readonly StandardIssue[] | undefined;
      },
      delivery: Delivery,
    ): undefined {
      if (this.#closing !== undefined) return;
      if (result.issues !== undefined) {
        this.report(schemaError(name, result.issues));
        return;
      }
      return this.#emit(name, result.value, delivery);
    }

    #emit(name: string, payload: unknown, delivery: Delivery): undefined {
      receiveOn(this.#bus, name, payload, delivery).catch(this.report);
      return undefined;
    }

    close(): Promise<void> {
      if (this.#closing !== undefined) return this.#closing;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      clearInterval(this.#beat);
      this.#settings.signal?.removeEventListener("abort", this.#onAbort);
      this.#state?.detach(this.origin);
      this.#failReady?.(
        new Error("Cannot confirm the subscription: the bridge was closed"),
      );
      const transport = this.#transport!;
      let closed: void | PromiseLike<unknown>;
      try {
        closed = transport.close();
      } catch (error) {
        closed = Promise.reject(error);
      }
      const timeout = this.#settings.closeTimeout;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stuck = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.report(
            new Error(
              `The transport did not close within ${timeout} ms: the bridge closed without it`,
            ),
          );
          resolve();
        }, timeout);
      });
      this.#closing = Promise.race([
        Promise.resolve(closed).then(() => {}, this.report),
        stuck,
      ]).finally(() => clearTimeout(timer));
      return this.#closing;
    }

    [DISPOSE](): void {
      void this.close();
    }

    [ASYNC_DISPOSE](): Promise<void> {
      return this.close();
    }
  })();

/**
 * Connects a bus to a transport. Events emitted on the bus (every event, or
 * those of `options.events`) are published, each as a `BridgeEventMessage`
 * with a random event id, this bridge's `origin` and its next position;
 * messages received are emitted on the bus, where listeners see
 * `delivery.local === false` with the event's `id` and `origin`.
 *
 * The rules, whatever the topology (several bridges of one bus, on one
 * channel or several; buses joined over several transports; bridges from two
 * copies of this library):
 *
 * - No echo: a received event is never published again, by any bridge, and
 *   a bus drops the messages of its own bridges. A bus's own emit reaches
 *   each of its listeners once and every remote bus once.
 * - No duplicates: one emit has one id on every bridge of its bus, and a bus
 *   drops an id it saw among the last `window` ids.
 * - Nothing delivered is dropped: an event that arrives late, out of order,
 *   is emitted. Order is the order the transport delivers.
 * - Losses are reported exactly, as `LostEventsError`, once certain: missing
 *   for `lossTimeout`, or more than `window` behind. Heartbeats carry each
 *   publisher's position, so losses at the end of a stream are reported too;
 *   a new receiver learns a position without calling anything lost.
 *
 * Publishing does not hold up `emit`, except for a transport that batches
 * within the microtask. A payload the transport cannot carry makes the emit
 * reject with a `TypeError` naming the event and the path, after every local
 * listener ran.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to connect.
 * @param transport How messages travel.
 * @param options `events`, `key`, `schemas`, `heartbeat`, `lossTimeout`,
 * `window`, `closeTimeout`, `onError` and `signal`.
 * @returns The running bridge. When `options.signal` is already aborted it
 * is closed already, `ready` rejects and the transport is never used.
 * @throws {TypeError} When an argument or option has the wrong type (the
 * message names the transport by its `name`).
 * @throws {RangeError} When a number option is out of range.
 *
 * @example Two buses joined by a BroadcastChannel
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridge } from "@arcly/bus/bridge";
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
  const name = typeof transport === "object" && transport !== null
    ? transport.name
    : undefined;
  const action = typeof name === "string"
    ? `Cannot bridge the bus to ${name}`
    : "Cannot bridge the bus";
  checkBus(bus, action);
  checkMethods(
    transport,
    ["send", "listen", "close"],
    "transport",
    "an object with send, listen and close methods",
    action,
  );
  if (name !== undefined && typeof name !== "string") {
    throw invalid(action, "transport.name", "a string", name);
  }
  const settings = readSettings(options, action);
  return new BusBridge(bus as unknown as AnyBus, transport, settings);
}
