// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The bridge protocol, version 1. Transports (broadcast_channel.ts, redis.ts)
// build on `bridge(bus, transport, options)` and carry `BridgeMessage`s as
// they are; they never look inside except to encode them.
//
// Messages (plain objects; every field is required unless marked optional):
//
//   event:     { v: 1, type: "event", origin, seq, id, event, payload }
//   signed:    { v: 1, type: "event", origin, seq, id, event, data, sig }
//   heartbeat: { v: 1, type: "heartbeat", origin, seq [, sig] }
//   skip:      { v: 1, type: "skip", origin, seq [, sig] }
//
// - origin: the publishing bridge, 1 to 64 characters of [A-Za-z0-9_-]
//   (a random UUID, or 22 random characters). One bridge = one stream of
//   positions.
// - seq: the bridge's position, 1, 2, 3, ... for its events; a heartbeat
//   carries the position of the last event the bridge published (0 in the
//   one a bridge sends when it is ready, before any event).
// - id: the event's id, 1 to 64 characters of [A-Za-z0-9_-] (a random
//   UUID, or 22 random characters: unpredictable, so nobody can claim the id
//   of an event before it is published). Every bridge of one bus publishes one emit with the same id,
//   so receivers drop the copies (see `BusState`).
// - event: the event name; payload: the payload, as the transport carries it.
// - data, sig: with `options.key`, the payload travels as JSON text in
//   `data` ("" for `undefined`) and `sig` is the base64url HMAC-SHA-256 of
//   `JSON.stringify([1, type, origin, seq, id, event, data])` for an event or
//   `JSON.stringify([1, type, origin, seq])` for a heartbeat or a skip.
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
// Field order is fixed, `v`, `type`, `origin` first: the Redis transport
// recognises its own messages by their start without parsing them.
//
// Transport contract for implementers (redis.ts): see `BridgeTransport` and
// `BridgeLink`. `send` must throw a TypeError synchronously for a payload it
// refuses (it rejects the emit), return quickly, and hand a slow publish to
// `link.track(promise)` instead of returning it: the emit waits for a
// returned promise. `listen(receive, fail, link)` resolves once subscribed.
// `name` (e.g. "Redis") makes errors say "Cannot bridge the bus to Redis".
// Unless `heartbeat: false`, a bridge publishes one heartbeat (seq 0 before
// any event) as soon as `ready` resolves: `status.pending` counts it until
// the transport settles it.

import type { EventBus } from "./bus.ts";
import type { Schemas, StandardIssue } from "./schema.ts";
import type { AnyEvent, Delivery, EventName } from "./types.ts";
import { receive as receiveOn } from "./_receive.ts";
import { readSchemas, schemaError, validatePayload } from "./_schema.ts";
import type { StandardSchema } from "./schema.ts";
import { encodeJson } from "./_json.ts";
import { describe, readOptions, readSignal } from "./_validate.ts";

/** The protocol version, `v` on every message. */
const VERSION = 1;
/** Where a bus keeps the state its bridges share. */
const STATE_KEY = "@arcly/bus.bridges.v1";
/** The longest origin or id a receiver accepts. */
const MAX_ID = 64;
/** The most publishers a bus tracks positions of (least recent dropped). */
const MAX_PUBLISHERS = 1024;
/** The most gap ranges tracked per publisher. */
const MAX_GAPS = 16;
/** The most characters of a value an error message quotes. */
const MAX_QUOTE = 200;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const DISPOSE: typeof Symbol.dispose = Symbol.dispose ??
  Symbol.for("Symbol.dispose");
const ASYNC_DISPOSE: typeof Symbol.asyncDispose = Symbol.asyncDispose ??
  Symbol.for("Symbol.asyncDispose");

/**
 * An event on the wire, as a bridge publishes it for each local emit. With
 * `options.key` the payload travels as JSON text in `data`, signed by
 * `sig`; without, as `payload`, encoded by the transport.
 *
 * @example Usage
 * ```ts
 * import type { BridgeEventMessage } from "@arcly/bus";
 *
 * const message: BridgeEventMessage = {
 *   v: 1,
 *   type: "event",
 *   origin: "mZ3k1c0e9aQ2Yy8vR5wTbA",
 *   seq: 1,
 *   id: "Xq0Jc7tG3uHnL2mP9sVwEA",
 *   event: "user.created",
 *   payload: { id: 1 },
 * };
 * ```
 */
export interface BridgeEventMessage {
  /** The protocol version: 1. */
  readonly v: 1;
  /** What the message is. */
  readonly type: "event";
  /** The id of the bridge that published it (`Bridge.origin`). */
  readonly origin: string;
  /** Its position among that bridge's events: 1, 2, 3, ... */
  readonly seq: number;
  /** The event's id: one emit has one id on every bridge of its bus. */
  readonly id: string;
  /** The event name. */
  readonly event: string;
  /** The payload it was emitted with (unsigned messages). */
  readonly payload?: unknown;
  /** The payload as JSON text, `""` for `undefined` (signed messages). */
  readonly data?: string;
  /** The base64url HMAC-SHA-256 signature (signed messages). */
  readonly sig?: string;
}

/**
 * A heartbeat on the wire: a bridge's position, sent every
 * `options.heartbeat` milliseconds while it publishes nothing else, so
 * receivers see lost events at the end of a stream.
 *
 * @example Usage
 * ```ts
 * import type { BridgeHeartbeat } from "@arcly/bus";
 *
 * const beat: BridgeHeartbeat = {
 *   v: 1,
 *   type: "heartbeat",
 *   origin: "mZ3k1c0e9aQ2Yy8vR5wTbA",
 *   seq: 12,
 * };
 * ```
 */
export interface BridgeHeartbeat {
  /** The protocol version: 1. */
  readonly v: 1;
  /**
   * What the message is: `"heartbeat"`, or `"skip"` when the position
   * carries no event (the transport refused its payload after numbering it).
   */
  readonly type: "heartbeat" | "skip";
  /** The id of the bridge that sent it (`Bridge.origin`). */
  readonly origin: string;
  /** The position of the last event that bridge published. */
  readonly seq: number;
  /** The base64url HMAC-SHA-256 signature (with `options.key`). */
  readonly sig?: string;
}

/**
 * Anything a bridge sends through its transport.
 *
 * @example Telling the kinds apart
 * ```ts
 * import type { BridgeMessage } from "@arcly/bus";
 *
 * function describe(message: BridgeMessage): string {
 *   return message.type === "event"
 *     ? `${message.event} #${message.seq}`
 *     : `heartbeat at ${message.seq}`;
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
 * import type { BridgeTransport } from "@arcly/bus";
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
 * import type { BridgeKey } from "@arcly/bus";
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
 * import type { BridgeOptions } from "@arcly/bus";
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
 * import type { BridgeStatus } from "@arcly/bus";
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
 * import { bridgeBroadcastChannel, EventBus } from "@arcly/bus";
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
 * import { bridge, EventBus, LostEventsError } from "@arcly/bus";
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

function quote(text: string): string {
  return text.length > MAX_QUOTE
    ? `${JSON.stringify(text.slice(0, MAX_QUOTE))}…`
    : JSON.stringify(text);
}

function shortly(value: unknown): string {
  return typeof value === "string" ? `string ${quote(value)}` : describe(value);
}

function defaultOnError(error: unknown): void {
  console.error("@arcly/bus bridge:", error);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

// Random ids: `crypto.randomUUID` where it exists (the fastest), else 22
// base64url characters from `crypto.getRandomValues`, which plain-http pages
// have too.
const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODES = Array.from(ALPHABET, (char) => char.charCodeAt(0));
const pool = new Uint8Array(2048);
let used = pool.length;
const codes = new Array<number>(22);

/** A random id of 122 or more random bits. */
function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  if (used + 22 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  for (let i = 0; i < 22; i++) codes[i] = CODES[pool[used++]! & 63]!;
  return String.fromCharCode.apply(null, codes);
}

function base64url(bytes: Uint8Array): string {
  let text = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! +
      ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) text += ALPHABET[(n >> 6) & 63]!;
  }
  return text;
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length > 100) return undefined;
  const bytes = new Uint8Array(Math.floor(text.length * 3 / 4));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text[i]!);
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[j++] = (value >> bits) & 255;
    }
  }
  return bytes;
}

/** A set that remembers between `size` and `2 * size` recent entries. */
class RecentSet {
  #size: number;
  #current: Set<string> = new Set();
  #previous: Set<string> = new Set();
  constructor(size: number) {
    this.#size = size;
  }
  has(key: string): boolean {
    return this.#current.has(key) || this.#previous.has(key);
  }
  add(key: string): void {
    if (this.#current.size >= this.#size) {
      this.#previous = this.#current;
      this.#current = new Set();
    }
    this.#current.add(key);
  }
}

/** A missing range of positions, `from` to `to`, due at `due`. */
interface Gap {
  from: number;
  to: number;
  due: number;
}

/** What a bus knows of one publisher. */
interface Stream {
  /** The publisher's origin. */
  origin: string;
  /** The highest position seen (or learned). */
  high: number;
  /** Positions missing below `high`, oldest first. */
  gaps: Gap[];
  /** A position out of the window, waiting for confirmation. */
  jump: number | undefined;
  /** The bridge that reports this publisher's losses. */
  reporter: BusBridge;
}

/**
 * What the bridges of one bus share: the ids of recent events (to drop
 * duplicates), the positions of publishers (to report losses), the origins
 * of its own bridges (to drop its own messages) and the id of the emit being
 * published (so every bridge gives one emit one id). It lives on the bus
 * under `Symbol.for(STATE_KEY)`, so bridges of another copy of this library
 * share it too.
 */
class BusState {
  readonly own: Set<string> = new Set();
  readonly ids: RecentSet;
  readonly window: number;
  #current: Map<string, Stream> = new Map();
  #previous: Map<string, Stream> = new Map();
  #eventIds: WeakMap<object, string> = new WeakMap();
  #gapped: Set<Stream> = new Set();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Infinity;

  constructor(window: number) {
    this.window = window;
    this.ids = new RecentSet(window);
  }

  /** The id of one emit: the same for every bridge of the bus. */
  idFor(event: object): string {
    if (this.own.size === 1) return randomId();
    let id = this.#eventIds.get(event);
    if (id === undefined) {
      id = randomId();
      this.#eventIds.set(event, id);
    }
    return id;
  }

  detach(origin: string): void {
    this.own.delete(origin);
    if (this.own.size > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
    this.#gapped.clear();
    this.#current.clear();
    this.#previous.clear();
  }

  #stream(origin: string): Stream | undefined {
    const stream = this.#current.get(origin);
    if (stream !== undefined) return stream;
    const old = this.#previous.get(origin);
    if (old !== undefined) {
      this.#previous.delete(origin);
      this.#remember(origin, old);
    }
    return old;
  }

  #remember(origin: string, stream: Stream): void {
    if (this.#current.size >= MAX_PUBLISHERS / 2) {
      for (const dropped of this.#previous.values()) {
        this.#gapped.delete(dropped);
      }
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(origin, stream);
  }

  /** Accounts for position `seq` of `origin`, received by `bridge`. */
  see(
    bridge: BusBridge,
    origin: string,
    seq: number,
    heartbeat: boolean,
  ): void {
    const stream = this.#stream(origin);
    if (stream === undefined) {
      // A new publisher: its position is learned, nothing before is lost.
      this.#remember(origin, {
        origin,
        high: seq,
        gaps: [],
        jump: undefined,
        reporter: bridge,
      });
      return;
    }
    stream.reporter = bridge;
    const window = this.window;
    const high = stream.high;
    // A heartbeat's own position is an event this receiver may lack.
    const last = heartbeat ? seq : seq - 1;
    if (seq <= high) {
      if (heartbeat) return;
      if (this.#fill(stream, seq) || seq > high - window) {
        stream.jump = undefined;
        return;
      }
    } else if (seq <= high + window) {
      stream.jump = undefined;
      if (last > high) this.#gap(stream, high + 1, last, bridge.lossTimeout);
      stream.high = seq;
      this.#expire(stream, seq - window);
      return;
    }
    // Out of the window: a jump, confirmed only by a next message that
    // follows it.
    const jump = stream.jump;
    if (jump !== undefined && seq > jump && seq <= jump + window) {
      stream.jump = undefined;
      for (const gap of stream.gaps) {
        this.#lose(stream, gap, "they fell out of the window");
      }
      stream.gaps = [];
      this.#gapped.delete(stream);
      if (jump > high + 1) {
        this.#lose(
          stream,
          { from: high + 1, to: jump - 1, due: 0 },
          "the position jumped beyond the window",
        );
      }
      if (last > jump) this.#gap(stream, jump + 1, last, bridge.lossTimeout);
      stream.high = seq;
      return;
    }
    stream.jump = seq;
    bridge.report(
      new RangeError(
        `Ignored the position ${seq} of bridge ${quote(origin)}: it is ${
          seq > high ? seq - high : high - seq
        } ${
          seq > high ? "ahead of" : "behind"
        } its position ${high}, beyond the window of ${window}; the transport lost events or the message is forged`,
      ),
    );
  }

  /** Removes `seq` from the gaps; whether it was in one. */
  #fill(stream: Stream, seq: number): boolean {
    const gaps = stream.gaps;
    for (let i = 0; i < gaps.length; i++) {
      const gap = gaps[i]!;
      if (seq < gap.from || seq > gap.to) continue;
      if (gap.from === gap.to) gaps.splice(i, 1);
      else if (seq === gap.from) gap.from++;
      else if (seq === gap.to) gap.to--;
      else {gaps.splice(i + 1, 0, { from: seq + 1, to: gap.to, due: gap.due }),
          gap.to = seq - 1;}
      if (gaps.length === 0) this.#gapped.delete(stream);
      return true;
    }
    return false;
  }

  #gap(stream: Stream, from: number, to: number, timeout: number): void {
    const due = Date.now() + timeout;
    stream.gaps.push({ from, to, due });
    this.#gapped.add(stream);
    if (stream.gaps.length > MAX_GAPS) {
      const oldest = stream.gaps.shift()!;
      this.#lose(stream, oldest, `more than ${MAX_GAPS} gaps were open`);
    }
    this.#arm(due);
  }

  /** Reports the gaps below `floor` as lost. */
  #expire(stream: Stream, floor: number): void {
    const gaps = stream.gaps;
    while (gaps.length > 0 && gaps[0]!.from < floor) {
      const gap = gaps[0]!;
      if (gap.to < floor) {
        gaps.shift();
        this.#lose(stream, gap, "they fell out of the window");
      } else {
        this.#lose(
          stream,
          { from: gap.from, to: floor - 1, due: 0 },
          "they fell out of the window",
        );
        gap.from = floor;
      }
    }
    if (gaps.length === 0) this.#gapped.delete(stream);
  }

  #lose(stream: Stream, gap: Gap, why: string): void {
    stream.reporter.report(
      new LostEventsError(stream.origin, gap.from, gap.to, why),
    );
  }

  #arm(due: number): void {
    if (due >= this.#timerDue) return;
    clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(
      () => this.#sweep(),
      Math.max(0, due - Date.now()),
    );
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const stream of [...this.#gapped]) {
      const kept: Gap[] = [];
      for (const gap of stream.gaps) {
        if (gap.due <= now) {
          this.#lose(
            stream,
            gap,
            `not received within ${stream.reporter.lossTimeout} ms`,
          );
        } else {
          kept.push(gap);
          next = Math.min(next, gap.due);
        }
      }
      stream.gaps = kept;
      if (kept.length === 0) this.#gapped.delete(stream);
    }
    if (next !== Infinity) this.#arm(next);
  }
}

function stateOf(bus: object, window: number): BusState {
  const key = Symbol.for(STATE_KEY);
  const found = (bus as Record<symbol, unknown>)[key];
  if (found instanceof Object && (found as BusState).own?.size > 0) {
    return found as BusState;
  }
  const state = new BusState(window);
  Object.defineProperty(bus, key, { value: state, configurable: true });
  return state;
}

/** An event message, with its payload or, signed, its JSON text. */
function eventMessage(
  origin: string,
  seq: number,
  id: string,
  event: string,
  payload: unknown,
  data?: string,
): BridgeEventMessage {
  return data === undefined
    ? { v: VERSION, type: "event", origin, seq, id, event, payload }
    : { v: VERSION, type: "event", origin, seq, id, event, data };
}

/** What `readMessage` takes from a message it accepts. */
interface Received {
  heartbeat: boolean;
  skip: boolean;
  origin: string;
  seq: number;
  id: string;
  event: string;
  message: Record<string, unknown>;
}

function readMessage(data: unknown): Received | string {
  if (typeof data !== "object" || data === null) {
    return `expected a bridge message object, got ${shortly(data)}`;
  }
  const message = data as Record<string, unknown>;
  if (message.v !== VERSION) {
    return `expected protocol version 1, got ${shortly(message.v)}`;
  }
  const { type, origin, seq } = message;
  if (typeof origin !== "string" || !ID_PATTERN.test(origin)) {
    return `origin must be 1 to ${MAX_ID} characters of A-Z, a-z, 0-9, - and _, got ${
      shortly(origin)
    }`;
  }
  const heartbeat = type === "heartbeat";
  const skip = type === "skip";
  if (
    typeof seq !== "number" || !Number.isSafeInteger(seq) ||
    seq < (heartbeat ? 0 : 1)
  ) {
    return `seq must be a positive safe integer, got ${shortly(seq)}`;
  }
  if (heartbeat || skip) {
    return { heartbeat, skip, origin, seq, id: "", event: "", message };
  }
  if (type !== "event") {
    return `type must be "event", "heartbeat" or "skip", got ${shortly(type)}`;
  }
  const { id, event } = message;
  if (typeof id !== "string" || !ID_PATTERN.test(id)) {
    return `id must be 1 to ${MAX_ID} characters of A-Z, a-z, 0-9, - and _, got ${
      shortly(id)
    }`;
  }
  if (typeof event !== "string") {
    return `event must be a string, got ${shortly(event)}`;
  }
  if (message.data !== undefined && typeof message.data !== "string") {
    return `data must be a string, got ${shortly(message.data)}`;
  }
  return { heartbeat, skip, origin, seq, id, event, message };
}

const encoder = new TextEncoder();

function signedText(message: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  return encoder.encode(
    JSON.stringify(
      message.type !== "event"
        ? [VERSION, message.type, message.origin, message.seq]
        : [
          VERSION,
          "event",
          message.origin,
          message.seq,
          message.id,
          message.event,
          message.data,
        ],
    ),
  );
}

function importKeys(keys: readonly BridgeKey[]): Promise<CryptoKey[]> {
  return Promise.all(keys.map((key) => {
    if (
      typeof key === "object" && key !== null && "algorithm" in key &&
      "usages" in key
    ) {
      return key as CryptoKey;
    }
    const bytes = typeof key === "string"
      ? encoder.encode(key)
      : ArrayBuffer.isView(key)
      ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength).slice()
      : new Uint8Array(key as ArrayBuffer).slice();
    return crypto.subtle.importKey(
      "raw",
      bytes,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }));
}

function readKeys(
  options: Record<string, unknown>,
  action: string,
): BridgeKey[] | undefined {
  const key = options.key;
  if (key === undefined) return undefined;
  const keys = Array.isArray(key) ? key : [key];
  if (keys.length === 0) {
    throw new TypeError(`${action}: options.key must not be an empty list`);
  }
  for (const k of keys) {
    const ok = (typeof k === "string" && k.length > 0) ||
      k instanceof ArrayBuffer || ArrayBuffer.isView(k) ||
      (typeof CryptoKey === "function" && k instanceof CryptoKey);
    if (!ok) {
      throw new TypeError(
        `${action}: options.key must be a non-empty string, bytes or a CryptoKey, or a list of them, got ${
          shortly(k)
        }`,
      );
    }
  }
  return keys as BridgeKey[];
}

function readEvents(
  options: Record<string, unknown>,
  action: string,
): Set<string> | undefined {
  const events = options.events;
  if (events === undefined) return undefined;
  if (!Array.isArray(events)) {
    throw new TypeError(
      `${action}: options.events must be an array of event names, got ${
        shortly(events)
      }`,
    );
  }
  for (const name of events) {
    if (typeof name !== "string") {
      throw new TypeError(
        `${action}: options.events must hold event names, got ${shortly(name)}`,
      );
    }
  }
  return new Set(events);
}

function readMs(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  action: string,
  canBeOff: boolean,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (canBeOff && value === false) return 0;
  if (typeof value !== "number") {
    throw new TypeError(
      `${action}: options.${name} must be a number${
        canBeOff ? " or false" : ""
      }, got ${shortly(value)}`,
    );
  }
  if (!(value >= (canBeOff ? 1 : 0)) || value > 2 ** 31 - 1) {
    throw new RangeError(
      `${action}: options.${name} must be between ${
        canBeOff ? 1 : 0
      } and 2147483647 milliseconds, got ${value}`,
    );
  }
  return value;
}

function readWindow(options: Record<string, unknown>, action: string): number {
  const window = options.window;
  if (window === undefined) return 4096;
  if (typeof window !== "number") {
    throw new TypeError(
      `${action}: options.window must be a number, got ${shortly(window)}`,
    );
  }
  if (!Number.isInteger(window) || window < 1 || window > 1_000_000) {
    throw new RangeError(
      `${action}: options.window must be an integer from 1 to 1000000, got ${window}`,
    );
  }
  return window;
}

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
  const onError = opts.onError;
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(
      `${action}: options.onError must be a function, got ${shortly(onError)}`,
    );
  }
  return {
    signal: readSignal(opts, action),
    events: readEvents(opts, action),
    keys: readKeys(opts, action),
    schemas: readSchemas(opts, action),
    heartbeat: readMs(opts, "heartbeat", 1000, action, true),
    lossTimeout: readMs(opts, "lossTimeout", 2000, action, false),
    window: readWindow(opts, action),
    closeTimeout: readMs(opts, "closeTimeout", 1000, action, false),
    onError: (onError as ((error: unknown) => void) | undefined) ??
      defaultOnError,
  };
}

type AnyBus = EventBus<Record<string, unknown>>;

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

  #track(publish: PromiseLike<unknown>): void {
    this.#pending++;
    Promise.resolve(publish).then(() => {
      this.#pending--;
      this.#publishFailed = false;
    }, (error) => {
      this.#pending--;
      this.#publishFailed = true;
      if (this.#closing === undefined) this.report(error);
    });
  }

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
      this.#sign(eventMessage(this.origin, seq, id, name, undefined, data));
      return;
    }
    const message = eventMessage(this.origin, seq, id, name, payload);
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

  /** Signs and sends `message` after the messages before it. */
  #sign(message: BridgeMessage): void {
    this.#sentSinceBeat = true;
    const keys = this.#keys!;
    const signed = this.#signing.then(async () => {
      const [key] = await keys;
      const sig = await crypto.subtle.sign(
        "HMAC",
        key!,
        signedText(message as unknown as Record<string, unknown>),
      );
      if (this.#closing !== undefined) return;
      const sent = this.#transport!.send(
        { ...message, sig: base64url(new Uint8Array(sig)) } as BridgeMessage,
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
    const beat: BridgeHeartbeat = {
      v: VERSION,
      type: "heartbeat",
      origin: this.origin,
      seq: this.#seq,
    };
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
    const read = readMessage(data);
    if (typeof read === "string") {
      this.report(new TypeError(`Cannot receive a bridged event: ${read}`));
      return;
    }
    const state = this.#state!;
    if (state.own.has(read.origin)) return;
    if (this.#keys !== undefined) {
      return this.#verify(read).then((valid) =>
        valid ? this.#accept(read) : undefined
      );
    }
    return this.#accept(read);
  }

  async #verify(read: Received): Promise<boolean> {
    const sig = read.message.sig;
    const what = read.heartbeat
      ? "a heartbeat"
      : read.skip
      ? "a skip"
      : `event ${quote(read.event)}`;
    if (typeof sig !== "string") {
      this.report(
        new Error(
          `Dropped ${what} from bridge ${quote(read.origin)}: it is not signed`,
        ),
      );
      return false;
    }
    const bytes = fromBase64url(sig);
    const text = signedText(read.message);
    if (bytes !== undefined) {
      for (const key of await this.#keys!) {
        if (await crypto.subtle.verify("HMAC", key, bytes, text)) return true;
      }
    }
    this.report(
      new Error(
        `Dropped ${what} from bridge ${
          quote(read.origin)
        }: its signature does not match any key`,
      ),
    );
    return false;
  }

  #accept(read: Received): Promise<void> | undefined {
    if (this.#closing !== undefined) return;
    const state = this.#state!;
    state.see(this, read.origin, read.seq, read.heartbeat);
    if (read.heartbeat || read.skip) return;
    const { event: name, id, message } = read;
    const events = this.#settings.events;
    if (events !== undefined && !events.has(name)) return;
    if (state.ids.has(id)) return;
    state.ids.add(id);
    let payload = message.payload;
    if (typeof message.data === "string") {
      try {
        payload = message.data === "" ? undefined : JSON.parse(message.data);
      } catch {
        this.report(
          new TypeError(
            `Dropped ${quote(name)} from bridge ${
              quote(read.origin)
            }: its data is not JSON`,
          ),
        );
        return;
      }
    }
    const delivery: Delivery = Object.freeze({
      local: false,
      id,
      origin: read.origin,
    });
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
    result: { value?: unknown; issues?: readonly StandardIssue[] | undefined },
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
}

/** Throws unless `value` is an object with these methods. */
function checkMethods(
  value: unknown,
  methods: readonly string[],
  what: string,
  action: string,
): void {
  const object = value as Partial<Record<string, unknown>> | null;
  if (
    typeof object !== "object" || object === null ||
    methods.some((method) => typeof object[method] !== "function")
  ) {
    throw new TypeError(`${action}: ${what}, got ${shortly(value)}`);
  }
}

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
  const name = typeof transport === "object" && transport !== null
    ? transport.name
    : undefined;
  const action = typeof name === "string"
    ? `Cannot bridge the bus to ${name}`
    : "Cannot bridge the bus";
  checkMethods(
    bus,
    ["emit", "subscribe", "subscribeAll"],
    "bus must be an EventBus",
    action,
  );
  checkMethods(
    transport,
    ["send", "listen", "close"],
    "transport must be an object with send, listen and close methods",
    action,
  );
  const settings = readSettings(options, action);
  return new BusBridge(bus as unknown as AnyBus, transport, settings);
}
