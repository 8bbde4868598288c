// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * Events over HTTP with Server-Sent Events: `serverSentEvents` streams the
 * events of a bus to a client as a Web-standard `Response` (Deno.serve,
 * Bun.serve, Cloudflare Workers and Durable Objects, Node through a small
 * adapter), and `bridgeEventSource` emits the events an `EventSource`
 * receives on a bus in the browser. No dependencies.
 *
 * @example A server and a browser
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { bridgeEventSource, serverSentEvents } from "@arcly/bus/sse";
 *
 * type Events = { "order.placed": { id: number } };
 *
 * // server
 * const bus = new EventBus<Events>();
 * Deno.serve((request) =>
 *   serverSentEvents(bus, {
 *     events: ["order.*"],
 *     signal: request.signal,
 *     lastEventId: request.headers.get("last-event-id"),
 *   })
 * );
 *
 * // browser
 * const page = new EventBus<Events>();
 * page.subscribe("order.placed", (order) => console.log(order.id));
 * const bridge = bridgeEventSource(page, "/events", { events: ["order.placed"] });
 * // bridge.close() ends it
 * ```
 *
 * @module
 */

import type { EventBus } from "./bus.ts";
import type { Schemas, StandardResult, StandardSchema } from "./schema.ts";
import type { EventName, EventPattern } from "./types.ts";
import { encodeJson } from "./_json.ts";
import { matchesPrefix } from "./_pattern.ts";
import { receive } from "./_receive.ts";
import { readSchemas, schemaError, validatePayload } from "./_schema.ts";
import { DISPOSE, logError } from "./_util.ts";
import {
  checkBus,
  describe,
  invalid,
  quote,
  readCallback,
  readEvents,
  readFlag,
  readInteger,
  readOptions,
  readPattern,
  readSignal,
} from "./_validate.ts";

/** The SSE event name of a `MissedNotice`. */
const MISSED_EVENT = "@arcly/bus.missed";

/**
 * The data, as JSON, of the notice event `serverSentEvents` sends when a
 * client missed events. Its SSE event name is `"@arcly/bus.missed"` (no id);
 * `bridgeEventSource` hands it to `onError` as an `Error`. `reason` is `"overflow"`
 * when the client read too slowly (see `ServerSentEventsOptions.overflow`);
 * `dropped` is then how many events it did not get. It is `"replay"` when a
 * `Last-Event-ID` was older than what the replay ring of the bus still
 * holds, or came from another ring (a restarted server): the events between
 * are lost, and `dropped` is absent.
 *
 * @example With a plain EventSource
 * ```ts ignore
 * import type { MissedNotice } from "@arcly/bus/sse";
 *
 * const source = new EventSource("/events");
 * source.addEventListener("@arcly/bus.missed", (event) => {
 *   const notice: MissedNotice = JSON.parse(event.data);
 *   console.warn("missed events:", notice.reason); // reload the state
 * });
 * ```
 *
 * @example Usage
 * ```ts
 * import type { MissedNotice } from "@arcly/bus/sse";
 *
 * const notice: MissedNotice = { reason: "overflow", dropped: 12 };
 * ```
 */
export interface MissedNotice {
  /** Why events were missed. */
  readonly reason: "overflow" | "replay";
  /** How many events were dropped, when known. */
  readonly dropped?: number;
}

/**
 * What `serverSentEvents` does when a client falls `bufferSize` events
 * behind: `"close"` drops what is waiting, sends a missed-events notice (`MissedNotice`) and
 * ends the stream (an `EventSource` reconnects after `retry` with its
 * `Last-Event-ID` and gets what the replay ring still holds);
 * `"drop-oldest"` keeps the stream and drops the oldest waiting event, and
 * the client gets a missed-events notice (`MissedNotice`) with the count before the events
 * that follow.
 *
 * @example Usage
 * ```ts
 * import type { SlowClientPolicy } from "@arcly/bus/sse";
 *
 * const policy: SlowClientPolicy = "drop-oldest";
 * ```
 */
export type SlowClientPolicy = "close" | "drop-oldest";

/**
 * Options of `serverSentEvents`.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { ServerSentEventsOptions } from "@arcly/bus/sse";
 *
 * type Events = { "order.placed": { id: number }; "order.paid": { id: number } };
 * const request = new Request("http://localhost/events");
 * const options: ServerSentEventsOptions<Events> = {
 *   events: ["order.*"],
 *   signal: request.signal,
 *   lastEventId: request.headers.get("last-event-id"),
 *   heartbeat: 15_000,
 * };
 * ```
 */
export interface ServerSentEventsOptions<Events> {
  /**
   * The events to stream: names, and patterns such as `"order.*"`. An event
   * that several of them match is sent once.
   *
   * @default {undefined} (every event)
   */
  events?: readonly (EventName<Events> | EventPattern<Events>)[];
  /**
   * Aborting it ends the stream and unsubscribes; pass the request's signal.
   * When it is already aborted, the response has an empty body and nothing
   * is subscribed.
   */
  signal?: AbortSignal;
  /**
   * The `Last-Event-ID` request header (`null` or `""` when absent): the
   * events after it that the bus's replay ring still holds and that
   * `events` selects are sent first, then the live ones, with none missed
   * or repeated in between.
   *
   * @default {undefined}
   */
  lastEventId?: string | null;
  /**
   * Milliseconds between comment lines sent while the client waits for
   * data. They keep proxies from closing an idle connection and make the
   * runtime notice a client that left, so its subscription is gone within
   * one heartbeat at most.
   *
   * @default {15000}
   */
  heartbeat?: number;
  /**
   * Milliseconds the client waits before it reconnects, sent as the SSE
   * `retry:` field. Not sent when omitted (browsers then wait about 3 s).
   *
   * @default {undefined}
   */
  retry?: number;
  /**
   * How many events may wait for a client that reads slowly, a positive
   * integer; then `overflow` applies.
   *
   * @default {1024}
   */
  bufferSize?: number;
  /**
   * What happens when a client falls `bufferSize` events behind.
   *
   * @default {"close"}
   */
  overflow?: SlowClientPolicy;
  /**
   * How many of the latest events of the bus its replay ring keeps for
   * `lastEventId`, a non-negative integer. The ring of a bus is made by the
   * first call on it and records every event from then on; a call asking
   * for more makes it larger, never smaller.
   *
   * @default {1024}
   */
  replay?: number;
  /**
   * Turns a payload into the text of the `data:` field. It runs inside the
   * emit, so what it throws rejects that emit (as a `TypeError` naming the
   * event). Line breaks in its result become several `data:` lines, which
   * the client joins back.
   *
   * @default {JSON, rejecting what JSON would change}
   */
  serialize?: (payload: unknown, name: string) => string;
  /** More response headers, e.g. for CORS. */
  headers?: HeadersInit;
}

const ENCODER = new TextEncoder();
const HEARTBEAT = ":\n\n";
const LINE_BREAK = /\r\n|\r|\n/;

/** An event as the ring holds it: its number and its payload. */
interface Entry {
  readonly seq: number;
  readonly name: string;
  readonly payload: unknown;
  /** The frame with the default serializer, once made. */
  frame?: string;
  /** Set once the default serializer failed: the event is not sent. */
  failed?: true;
}

/**
 * The events of one bus in emit order, numbered from 1. Every stream of
 * the bus numbers its events through it, so ids agree across clients.
 */
class Ring {
  /** Random, so an id from an earlier ring (a restart) is recognised. */
  readonly epoch: string = crypto.randomUUID().slice(0, 8);
  capacity = 0;
  #next = 1;
  #entries: Entry[] = [];
  #start = 0;
  /** The entry of each emit, by its `{ name, payload }` object. */
  #byEvent: WeakMap<object, Entry> = new WeakMap();
  #off: (() => void) | undefined;

  /**
   * (Re)subscribes the recorder last among the listeners of every event;
   * after `bus.clear()` this starts it again.
   */
  record(bus: EventBus<Record<string, unknown>>): void {
    this.#off?.();
    this.#off = bus.subscribeAll((event) => void this.entry(event));
  }

  /** The entry of an emit, numbered the first time any listener sees it. */
  entry(event: { readonly name: string; readonly payload: unknown }): Entry {
    let entry = this.#byEvent.get(event);
    if (entry !== undefined) return entry;
    entry = { seq: this.#next++, name: event.name, payload: event.payload };
    this.#byEvent.set(event, entry);
    if (this.capacity > 0) {
      if (this.#entries.length < this.capacity) this.#entries.push(entry);
      else {
        this.#entries[this.#start] = entry;
        this.#start = (this.#start + 1) % this.capacity;
      }
    }
    return entry;
  }

  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    this.#entries = this.#entries.slice(this.#start).concat(
      this.#entries.slice(0, this.#start),
    );
    this.#start = 0;
    this.capacity = capacity;
  }

  id(entry: Entry): string {
    return `${this.epoch}-${entry.seq}`;
  }

  /**
   * The entries after `lastEventId`, oldest first, and whether they are all
   * that came after it: not when it is older than the ring's oldest entry
   * or from another ring (then every entry is returned).
   */
  since(lastEventId: string): { entries: Entry[]; complete: boolean } {
    const dash = lastEventId.lastIndexOf("-");
    const seq = Number(lastEventId.slice(dash + 1));
    const all = this.#entries.slice(this.#start).concat(
      this.#entries.slice(0, this.#start),
    );
    const oldest = all[0]?.seq ?? this.#next;
    if (
      lastEventId.slice(0, dash) !== this.epoch || !Number.isSafeInteger(seq) ||
      seq >= this.#next || seq + 1 < oldest
    ) {
      return { entries: all, complete: false };
    }
    return { entries: all.slice(seq + 1 - oldest), complete: true };
  }
}

const RINGS = new WeakMap<object, Ring>();

/** The longest interval timers keep: 2^31 - 1 milliseconds. */
const MAX_MS = 2 ** 31 - 1;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A test of event names: `undefined` takes every event. */
type Wants = ((name: string) => boolean) | undefined;

function readEventFilter(
  options: Record<string, unknown>,
  action: string,
): Wants {
  const events = options.events;
  if (events === undefined) return undefined;
  if (!Array.isArray(events)) {
    throw invalid(
      action,
      "options.events",
      "an array of event names and patterns",
      events,
    );
  }
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (let i = 0; i < events.length; i++) {
    const item: unknown = events[i];
    if (typeof item !== "string") {
      throw invalid(action, `options.events[${i}]`, "a string", item);
    }
    if (item.includes("*")) {
      prefixes.push(readPattern(item, `${action}: options.events`));
    } else names.add(item);
  }
  if (prefixes.length === 0) return (name) => names.has(name);
  return (name) =>
    names.has(name) || prefixes.some((prefix) => matchesPrefix(prefix, name));
}

function readOverflow(
  options: Record<string, unknown>,
  action: string,
): SlowClientPolicy {
  const value = options.overflow;
  if (value === undefined) return "close";
  if (value === "close" || value === "drop-oldest") return value;
  // A string that names no policy is out of range, as for `iterate`.
  throw invalid(
    action,
    "options.overflow",
    '"close" or "drop-oldest"',
    value,
    typeof value === "string" ? RangeError : TypeError,
  );
}

function readLastEventId(
  options: Record<string, unknown>,
  action: string,
): string | undefined {
  const value = options.lastEventId;
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  throw invalid(action, "options.lastEventId", "a string or null", value);
}

/** Reads `options.headers`: what `new Headers()` takes, or `undefined`. */
function readHeaders(
  options: Record<string, unknown>,
  action: string,
): Headers {
  const value = options.headers;
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw invalid(
      action,
      "options.headers",
      "a Headers object, an array of pairs or a record",
      value,
    );
  }
  try {
    return new Headers(value as HeadersInit | undefined);
  } catch (error) {
    // A bad name or value inside: the runtime's message says which.
    throw new TypeError(
      `${action}: options.headers are not valid headers: ${
        error instanceof Error ? error.message : describe(error)
      }`,
      { cause: error },
    );
  }
}

function notice(notice: MissedNotice): string {
  return `event: ${MISSED_EVENT}\ndata: ${JSON.stringify(notice)}\n\n`;
}

/** One SSE event: `event:`, `id:` and one `data:` line per line of text. */
function frame(name: string, id: string, text: string): string {
  if (typeof text !== "string") {
    throw invalid(
      () => `Cannot stream ${quote(name)}`,
      "the result of options.serialize",
      "a string",
      text,
    );
  }
  const data = LINE_BREAK.test(text)
    ? text.split(LINE_BREAK).join("\ndata: ")
    : text;
  return `event: ${name}\nid: ${id}\ndata: ${data}\n\n`;
}

function checkEventName(name: string): void {
  if (LINE_BREAK.test(name)) {
    throw new TypeError(
      `Cannot stream ${
        quote(name)
      }: an SSE event name cannot hold a line break`,
    );
  }
}

/**
 * The frame of an entry with the default serializer, made once and shared
 * by every client. The first client to fail throws; the others skip it.
 */
function defaultFrame(ring: Ring, entry: Entry): string | undefined {
  if (entry.frame !== undefined) return entry.frame;
  if (entry.failed) return undefined;
  try {
    checkEventName(entry.name);
    const action = `Cannot stream ${quote(entry.name)}`;
    entry.frame = frame(
      entry.name,
      ring.id(entry),
      encodeJson(entry.payload, action, "payload"),
    );
    return entry.frame;
  } catch (error) {
    entry.failed = true;
    throw error;
  }
}

function customFrame(
  ring: Ring,
  entry: Entry,
  serialize: (payload: unknown, name: string) => string,
): string {
  checkEventName(entry.name);
  let text: string;
  try {
    text = serialize(entry.payload, entry.name);
  } catch (error) {
    throw new TypeError(
      `Cannot stream ${quote(entry.name)}: serialize threw ${
        error instanceof Error ? error.message : describe(error)
      }`,
      { cause: error },
    );
  }
  return frame(entry.name, ring.id(entry), text);
}

/**
 * Streams the events of a bus to one client as Server-Sent Events. Each
 * event is sent as `event:` (its name), `id:` (its place in the bus's
 * replay ring) and `data:` (its payload as JSON) lines, in emit order.
 *
 * The subscription (one `subscribeAll` listener, plus one per bus for the
 * replay ring) is made before it returns, so an emit right after it is
 * sent. It is removed however the client leaves: `signal` aborts, the
 * runtime cancels the body (a closed connection, a failed write, workerd
 * cancelling the request), or the slow-client policy closes it. A client
 * that left unnoticed is found by the next heartbeat.
 *
 * The payload is serialized inside the emit, once for every client: a
 * payload JSON cannot carry (a `BigInt`, a `Map`, a cycle, …) makes the
 * emit reject with a `TypeError` naming the event, after every listener
 * ran, and the event is not sent.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus whose events are streamed.
 * @param options `events`, `signal`, `lastEventId`, `heartbeat`, `retry`,
 * `bufferSize`, `overflow`, `replay`, `serialize` and `headers`.
 * @returns A `200` response with `content-type: text/event-stream` and
 * `cache-control: no-cache`.
 * @throws {TypeError} When the bus or an option has the wrong type.
 * @throws {RangeError} When a number option is out of range.
 *
 * @example Reading the stream
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { serverSentEvents } from "@arcly/bus/sse";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ "order.placed": { id: number } }>();
 * const controller = new AbortController();
 * const response = serverSentEvents(bus, {
 *   events: ["order.*"],
 *   signal: controller.signal,
 * });
 * assert.equal(response.headers.get("content-type"), "text/event-stream");
 *
 * await bus.emit("order.placed", { id: 1 });
 * controller.abort();
 * const text = await response.text();
 * assert.match(text, /event: order\.placed\nid: \S+\ndata: {"id":1}\n\n/);
 * assert.equal(bus.listenerCount(), 1); // only the bus's replay ring is left
 * ```
 *
 * @example Deno.serve with resume
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { serverSentEvents } from "@arcly/bus/sse";
 *
 * const bus = new EventBus<{ tick: number }>();
 * setInterval(() => bus.emit("tick", Date.now()), 1000);
 * Deno.serve((request) =>
 *   serverSentEvents(bus, {
 *     signal: request.signal,
 *     lastEventId: request.headers.get("last-event-id"),
 *   })
 * );
 * ```
 */
export function serverSentEvents<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  options: ServerSentEventsOptions<Events> = {},
): Response {
  const action = "Cannot stream events";
  checkBus(bus, action);
  const opts = readOptions(options, action);
  const signal = readSignal(opts, action);
  const wants = readEventFilter(opts, action);
  const lastEventId = readLastEventId(opts, action);
  const heartbeat = readInteger(opts, "heartbeat", 15_000, [1, MAX_MS], action);
  const retry = opts.retry === undefined
    ? undefined
    : readInteger(opts, "retry", 0, [0, MAX_MS], action);
  const bufferSize = readInteger(
    opts,
    "bufferSize",
    1024,
    [1, MAX_SAFE],
    action,
  );
  const overflow = readOverflow(opts, action);
  const replay = readInteger(opts, "replay", 1024, [0, MAX_SAFE], action);
  const serialize = readCallback(opts, "serialize", action) as
    | ((payload: unknown, name: string) => string)
    | undefined;
  const headers = readHeaders(opts, action);
  headers.set("content-type", "text/event-stream");
  headers.set("cache-control", "no-cache");
  headers.set("x-accel-buffering", "no");
  if (signal?.aborted) return new Response(null, { headers });

  const anyBus = bus as unknown as EventBus<Record<string, unknown>>;
  let ring = RINGS.get(bus);
  if (ring === undefined) RINGS.set(bus, ring = new Ring());
  ring.grow(replay);
  ring.record(anyBus);
  const theRing = ring;
  const frameOf = serialize === undefined
    ? (entry: Entry) => defaultFrame(theRing, entry)
    : (entry: Entry) => customFrame(theRing, entry, serialize);

  let first = retry === undefined ? ":\n\n" : `retry: ${retry}\n\n`;
  if (lastEventId !== undefined) {
    const { entries, complete } = ring.since(lastEventId);
    if (!complete) first += notice({ reason: "replay" });
    for (const entry of entries) {
      if (wants !== undefined && !wants(entry.name)) continue;
      try {
        first += frameOf(entry) ?? "";
      } catch {
        // Its emit was rejected already; it was never sent.
      }
    }
  }

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Frames waiting for the consumer to read, after `head`. */
  let queue: string[] = [];
  /** The opening (comment or retry, and replay), not counted in the queue. */
  let head = first;
  let dropped = 0;
  /** Whether the consumer waits for data: a frame goes out at once. */
  let wanted = false;
  let ended = false;

  const end = (close: boolean): void => {
    if (ended) return;
    ended = true;
    off();
    clearInterval(timer);
    signal?.removeEventListener("abort", onAbort);
    if (close) {
      // What waits is still read by a client that reads on.
      if (head !== "" || queue.length > 0 || dropped > 0) flush();
      try {
        controller.close();
      } catch {
        // Cancelled or errored meanwhile.
      }
    }
    queue = [];
  };
  const onAbort = (): void => end(true);
  const send = (text: string): void => {
    wanted = false;
    try {
      controller.enqueue(ENCODER.encode(text));
    } catch {
      // The stream was errored under us: the client is gone.
      end(false);
    }
  };
  const flush = (): void => {
    let text = head;
    if (dropped > 0) text += notice({ reason: "overflow", dropped });
    text += queue.length === 1 ? queue[0] : queue.join("");
    head = "";
    dropped = 0;
    queue = [];
    send(text);
  };
  const push = (text: string): void => {
    if (wanted) return send(text);
    if (queue.length < bufferSize) {
      queue.push(text);
      return;
    }
    if (overflow === "drop-oldest") {
      queue.shift();
      queue.push(text);
      dropped++;
      return;
    }
    // Closing: what waits is dropped, the notice says how much.
    dropped += queue.length + 1;
    queue = [];
    end(true);
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      if (ended) return;
      if (head !== "" || queue.length > 0 || dropped > 0) flush();
      else wanted = true;
    },
    cancel() {
      end(false);
    },
  }, { highWaterMark: 0 });

  const off = anyBus.subscribeAll((event) => {
    if (ended || (wants !== undefined && !wants(event.name))) return;
    const text = frameOf(theRing.entry(event));
    if (text !== undefined) push(text);
  });
  const timer = setInterval(() => {
    if (wanted) send(HEARTBEAT);
  }, heartbeat);
  signal?.addEventListener("abort", onAbort, { once: true });
  return new Response(body, { headers });
}

/**
 * One message an `EventSourceLike` hands its listeners: what the bridge
 * reads of a `MessageEvent`.
 *
 * @example Usage
 * ```ts
 * import type { EventSourceMessage } from "@arcly/bus/sse";
 *
 * const message: EventSourceMessage = {
 *   data: '{"id":1}',
 *   lastEventId: "3f1c0e9a-1",
 *   origin: "https://example.com",
 * };
 * ```
 */
export interface EventSourceMessage {
  /** The `data:` text. */
  readonly data: unknown;
  /** The `id:` of the event, or of the last event that had one. */
  readonly lastEventId: string;
  /** The origin of the stream, e.g. `https://example.com`. */
  readonly origin: string;
}

/**
 * What `bridgeEventSource` needs of an `EventSource`: the browser's, Deno's,
 * or any object of this shape (a polyfill, a test double).
 *
 * @example Usage
 * ```ts ignore
 * import type { EventSourceLike } from "@arcly/bus/sse";
 *
 * const source: EventSourceLike = new EventSource("/events");
 * ```
 */
export interface EventSourceLike {
  /**
   * Adds a listener of a named event, of `"error"`, or of `"open"`.
   */
  addEventListener(
    type: string,
    listener: (event: EventSourceMessage) => void,
  ): void;
  /** Removes a listener `addEventListener` added. */
  removeEventListener(
    type: string,
    listener: (event: EventSourceMessage) => void,
  ): void;
  /** Ends the connection and stops reconnecting. */
  close(): void;
  /** 0 connecting, 1 open, 2 closed. */
  readonly readyState: number;
}

/**
 * Options of `bridgeEventSource`.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { EventSourceBridgeOptions } from "@arcly/bus/sse";
 *
 * type Events = { "order.placed": { id: number } };
 * const options: EventSourceBridgeOptions<Events> = {
 *   events: ["order.placed"],
 *   onError: (error) => console.error("sse:", error),
 * };
 * ```
 */
export interface EventSourceBridgeOptions<Events> {
  /**
   * The events to receive, by name: an `EventSource` hands a named event
   * only to listeners of that name, so the bridge must know them. Names
   * with a schema in `schemas` are added. Required unless `schemas` is
   * given.
   */
  events?: readonly EventName<Events>[];
  /**
   * Standard Schema validators by event name: a received payload that
   * fails its schema is not emitted; its `TypeError` (naming the event,
   * with the validator's `issues`) goes to `onError`. The validated value
   * is what is emitted.
   *
   * @default {undefined}
   */
  schemas?: Schemas<Events>;
  /**
   * Receives what would otherwise be lost: data that is not JSON, payloads
   * that fail their schema, missed-events notice (`MissedNotice`)s (as an `Error`),
   * connection errors (the `EventSource` retries by itself unless it gave
   * up), and errors of listeners of a received event when the bus has no
   * `onError`.
   *
   * @default {console.error}
   */
  onError?: (error: unknown) => void;
  /** Aborting it closes the bridge, as `close()` does. */
  signal?: AbortSignal;
  /**
   * Sent as `withCredentials` when the bridge makes the `EventSource` from
   * a URL.
   *
   * @default {false}
   */
  withCredentials?: boolean;
}

/**
 * A running `bridgeEventSource`. `close()`, `using` or the `signal` option
 * end it.
 *
 * @example Usage
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { bridgeEventSource } from "@arcly/bus/sse";
 *
 * const bus = new EventBus<{ ping: number }>();
 * using bridge = bridgeEventSource(bus, "/events", { events: ["ping"] });
 * console.log(bridge.closed); // false
 * ```
 */
export interface EventSourceBridge extends Disposable {
  /** The source the events come from. */
  readonly source: EventSourceLike;
  /** Whether the bridge has been closed. */
  readonly closed: boolean;
  /**
   * Stops emitting at once and removes the bridge's listeners from the
   * source; closes the source when the bridge made it from a URL.
   */
  close(): void;
}

function isEventSourceLike(value: unknown): value is EventSourceLike {
  const source = value as Partial<Record<string, unknown>> | null;
  return typeof source === "object" && source !== null &&
    typeof source.addEventListener === "function" &&
    typeof source.removeEventListener === "function" &&
    typeof source.close === "function";
}

/**
 * Emits the events an `EventSource` receives on a bus, typically in a
 * browser, from a stream of `serverSentEvents`. Each `data:` is parsed as
 * JSON, checked against its schema when there is one, and emitted with
 * `Delivery` `{ local: false, id, origin }`: `id` is the event's SSE id and
 * `origin` the stream's origin. Events are emitted in the order they
 * arrive; an asynchronous schema holds back the events after it until it
 * settles.
 *
 * The `EventSource` reconnects by itself after a lost connection, sending
 * the id of the last event it received as `Last-Event-ID`, so a server that
 * passes it to `serverSentEvents` resends what was missed.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to emit on.
 * @param source A URL (the bridge makes and owns the `EventSource`) or an
 * `EventSourceLike` (yours: the bridge only removes its listeners from it).
 * @param options `events`, `schemas`, `onError`, `signal` and
 * `withCredentials`.
 * @returns The running bridge; already closed when `options.signal` is
 * aborted (then no `EventSource` is made).
 * @throws {TypeError} When an argument or an option has the wrong type, no
 * event name is given, or there is no global `EventSource` for a URL.
 *
 * @example In a browser
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { bridgeEventSource } from "@arcly/bus/sse";
 *
 * const bus = new EventBus<{ "order.placed": { id: number } }>();
 * bus.subscribe("order.placed", (order, delivery) => {
 *   console.log(order.id, delivery.local, delivery.id); // 1 false "…-1"
 * });
 * const bridge = bridgeEventSource(bus, "/events", { events: ["order.placed"] });
 * // later: bridge.close();
 * ```
 *
 * @example With a test double
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridgeEventSource, type EventSourceMessage } from "@arcly/bus/sse";
 * import assert from "node:assert/strict";
 *
 * const listeners = new Map<string, (event: EventSourceMessage) => void>();
 * const source = {
 *   readyState: 1,
 *   addEventListener: (type: string, f: (event: EventSourceMessage) => void) =>
 *     void listeners.set(type, f),
 *   removeEventListener: (type: string) => void listeners.delete(type),
 *   close() {},
 * };
 * const bus = new EventBus<{ ping: number }>();
 * const got = bus.waitFor("ping");
 * using _bridge = bridgeEventSource(bus, source, { events: ["ping"] });
 * listeners.get("ping")!({ data: "7", lastEventId: "a-1", origin: "" });
 * assert.equal(await got, 7);
 * ```
 */
export function bridgeEventSource<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  source: string | URL | EventSourceLike,
  options: EventSourceBridgeOptions<Events> = {},
): EventSourceBridge {
  const action = "Cannot bridge the EventSource";
  checkBus(bus, action);
  if (
    typeof source !== "string" && !(source instanceof URL) &&
    !isEventSourceLike(source)
  ) {
    throw invalid(action, "source", "a URL or an EventSource", source);
  }
  const settings = readSourceSettings(options, action);
  const { signal } = settings;
  let owned = false;
  let es: EventSourceLike;
  if (isEventSourceLike(source)) es = source;
  else {
    const EventSourceClass = (globalThis as { EventSource?: unknown })
      .EventSource as
        | (new (
          url: string,
          init?: { withCredentials?: boolean },
        ) => EventSourceLike)
        | undefined;
    if (typeof EventSourceClass !== "function") {
      throw new TypeError(
        `${action}: this runtime has no global EventSource; pass an EventSource-like object instead of ${
          describe(String(source))
        }`,
      );
    }
    if (signal?.aborted) es = CLOSED_SOURCE;
    else {
      es = new EventSourceClass(String(source), {
        withCredentials: settings.withCredentials,
      });
      owned = true;
    }
  }
  const anyBus = bus as unknown as EventBus<Record<string, unknown>>;
  return new SourceBridge(anyBus, es, owned, settings);
}

/** The options of `bridgeEventSource`, read and checked. */
interface SourceSettings {
  /** The SSE event names to listen to: `events` and the keys of `schemas`. */
  names: Set<string>;
  schemas: Map<string, StandardSchema> | undefined;
  onError: (error: unknown) => void;
  signal: AbortSignal | undefined;
  withCredentials: boolean;
}

function readSourceSettings(options: unknown, action: string): SourceSettings {
  const opts = readOptions(options, action);
  const signal = readSignal(opts, action);
  const events = readEvents(opts, action);
  const onError = readCallback(opts, "onError", action) as
    | ((error: unknown) => void)
    | undefined;
  const schemas = readSchemas(opts, action);
  const withCredentials = readFlag(opts, "withCredentials", action);
  const names = new Set<string>(schemas?.keys());
  if (events !== undefined) {
    const list = opts.events as readonly string[];
    for (let i = 0; i < list.length; i++) {
      const name = list[i]!;
      if (name.includes("*")) {
        throw invalid(
          action,
          `options.events[${i}]`,
          "an event name, not a pattern (an EventSource delivers a named event only to listeners of that name)",
          name,
        );
      }
      names.add(name);
    }
  }
  if (names.size === 0) {
    throw new TypeError(
      `${action}: options.events must name the events to receive (an EventSource delivers a named event only to listeners of that name)`,
    );
  }
  return {
    names,
    schemas,
    onError: onError ?? defaultOnError,
    signal,
    withCredentials,
  };
}

const defaultOnError = logError("sse bridge");

/** The source of a bridge made with an aborted signal and a URL. */
const CLOSED_SOURCE: EventSourceLike = Object.freeze({
  readyState: 2,
  addEventListener() {},
  removeEventListener() {},
  close() {},
});

class SourceBridge implements EventSourceBridge {
  readonly source: EventSourceLike;
  #bus: EventBus<Record<string, unknown>>;
  #owned: boolean;
  #schemas: Map<string, StandardSchema> | undefined;
  #onError: (error: unknown) => void;
  #signal: AbortSignal | undefined;
  #closed = false;
  #listeners: [string, (event: EventSourceMessage) => void][] = [];
  /** The emits waiting for an asynchronous schema ahead of them. */
  #tail: Promise<void> | undefined;
  #rawOrigin = "";
  #cleanOrigin = "";
  #onAbort = (): void => this.close();
  /** Hands an error to `onError`; what that throws is logged, not lost. */
  #report = (error: unknown): void => {
    try {
      this.#onError(error);
    } catch (failure) {
      // The last resort: what onError threw must not vanish.
      defaultOnError(failure);
    }
  };

  constructor(
    bus: EventBus<Record<string, unknown>>,
    source: EventSourceLike,
    owned: boolean,
    { names, schemas, onError, signal }: SourceSettings,
  ) {
    this.#bus = bus;
    this.source = source;
    this.#owned = owned;
    this.#schemas = schemas;
    this.#onError = onError;
    this.#signal = signal;
    if (signal?.aborted) {
      this.#closed = true;
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    for (const name of names) {
      this.#listen(name, (event) => this.#receive(name, event));
    }
    this.#listen(MISSED_EVENT, (event) => {
      if (this.#closed) return;
      this.#report(
        new Error(
          `Missed events from the event stream: ${String(event.data)}`,
        ),
      );
    });
    this.#listen("error", () => {
      if (this.#closed) return;
      this.#report(
        new Error(
          source.readyState === 2
            ? "The event stream failed and the EventSource gave up"
            : "The event stream was interrupted; the EventSource reconnects",
        ),
      );
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #listen(type: string, listener: (event: EventSourceMessage) => void): void {
    this.source.addEventListener(type, listener);
    this.#listeners.push([type, listener]);
  }

  #receive(name: string, event: EventSourceMessage): void {
    if (this.#closed) return;
    let payload: unknown;
    try {
      payload = JSON.parse(String(event.data));
    } catch (error) {
      this.#report(
        new TypeError(
          `Dropped ${quote(name)}: its data is not JSON: ${
            error instanceof Error ? error.message : describe(error)
          }`,
          { cause: error },
        ),
      );
      return;
    }
    const delivery = Object.freeze({
      local: false,
      id: event.lastEventId,
      origin: this.#origin(event.origin),
    });
    const schema = this.#schemas?.get(name);
    const result = schema === undefined
      ? { value: payload }
      : validatePayload(schema, payload);
    if (this.#tail === undefined && !(result instanceof Promise)) {
      this.#emit(name, result, delivery);
      return;
    }
    const tail: Promise<void> = Promise.all([this.#tail, result]).then(
      ([, settled]) => {
        if (this.#tail === tail) this.#tail = undefined;
        this.#emit(name, settled, delivery);
      },
    );
    this.#tail = tail;
  }

  /** The origin of a stream: some runtimes (Deno) give its whole URL. */
  #origin(origin: string): string {
    if (origin === this.#rawOrigin) return this.#cleanOrigin;
    let clean = origin;
    try {
      clean = new URL(origin).origin;
    } catch {
      // Not a URL: kept as it is.
    }
    this.#rawOrigin = origin;
    this.#cleanOrigin = clean;
    return clean;
  }

  #emit(
    name: string,
    result: StandardResult<unknown>,
    delivery: { local: boolean; id: string; origin: string },
  ): void {
    if (this.#closed) return;
    if (result.issues !== undefined) {
      this.#report(schemaError(name, result.issues));
      return;
    }
    receive(this.#bus, name, result.value, delivery).catch(this.#report);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    for (const [type, listener] of this.#listeners) {
      this.source.removeEventListener(type, listener);
    }
    this.#listeners = [];
    if (this.#owned) this.source.close();
  }

  [DISPOSE](): void {
    this.close();
  }
}
