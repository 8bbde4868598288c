// Copyright 2026 the arcly authors. MIT license.

/**
 * Durable "once per group" delivery over Redis Streams, through the Redis
 * clients you already have (`ioredis` 5 or `redis` 5; this module imports
 * nothing).
 *
 * `appendRedisStream` appends chosen events emitted on a bus to a stream
 * (`XADD`). `consumeRedisStream` joins a consumer group and emits each entry
 * on its bus on exactly one live consumer of the group, acks it (`XACK`) only
 * when every listener succeeded, redelivers failed and abandoned entries with
 * backoff, and moves an entry that keeps failing to a dead-letter stream.
 * Delivery is at least once: listeners get `delivery.id` (the entry id) and
 * `delivery.attempt` to make their work idempotent. Needs Redis 6.2 or later.
 * See `docs/streams.md`.
 *
 * @example An order placed anywhere sends one mail
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { appendRedisStream, consumeRedisStream } from "@arcly/bus/redis-streams";
 * import { Redis } from "ioredis";
 *
 * type Events = { "order.placed": { id: string } };
 * const client = new Redis("redis://127.0.0.1:6379");
 *
 * // Every web instance: emits of order.placed are appended to the stream.
 * const bus = new EventBus<Events>();
 * appendRedisStream(bus, client, { stream: "shop:orders", events: ["order.placed"] });
 *
 * // Every mailer instance: each order reaches one of them.
 * const mailer = new EventBus<Events>();
 * mailer.subscribe("order.placed", async (order, delivery) => {
 *   await sendMail(order, { idempotencyKey: delivery.id });
 * });
 * const consumer = consumeRedisStream(mailer, { client, reader: client.duplicate() }, {
 *   stream: "shop:orders",
 *   group: "mailer",
 * });
 * await consumer.ready;
 * await bus.emit("order.placed", { id: "A-1" }); // resolves once it is in Redis
 * declare function sendMail(order: { id: string }, o: { idempotencyKey?: string }): Promise<void>;
 * ```
 *
 * @module
 */

import type { EventBus } from "./bus.ts";
import { encodeJson } from "./_json.ts";
import { observeErrors } from "./_observe.ts";
import { receive } from "./_receive.ts";
import { readSchemas, schemaError, validatePayload } from "./_schema.ts";
import { ASYNC_DISPOSE, DISPOSE, logError } from "./_util.ts";
import {
  checkBus,
  describe,
  invalid,
  quote,
  readCallback,
  readOptions,
  readSignal,
} from "./_validate.ts";
import type { StandardSchema } from "./schema.ts";
import type { Delivery, EventName } from "./types.ts";

const defaultOnError = logError("redis streams");

/**
 * A Redis client as `ioredis` 5 is: commands go through `call`.
 *
 * @example Usage
 * ```ts ignore
 * import type { IoredisClient } from "@arcly/bus/redis-streams";
 * import { Redis } from "ioredis";
 *
 * const client: IoredisClient = new Redis();
 * ```
 */
export interface IoredisClient {
  /** Sends a command, `call("XACK", stream, group, id)`, and resolves with its reply. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * A Redis client as `redis` (node-redis) 5 is: commands go through
 * `sendCommand`.
 *
 * @example Usage
 * ```ts ignore
 * import type { NodeRedisClient } from "@arcly/bus/redis-streams";
 * import { createClient } from "redis";
 *
 * const client: NodeRedisClient = await createClient().connect();
 * ```
 */
export interface NodeRedisClient {
  /** Sends a command, `sendCommand(["XACK", stream, group, id])`, and resolves with its reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * The Redis clients this module accepts as they are: an `ioredis` 5 client
 * (it has `call`) or a connected `redis` 5 client (it has `sendCommand`). A
 * client with `call` is used through `call`.
 *
 * @example Usage
 * ```ts ignore
 * import type { RedisStreamClient } from "@arcly/bus/redis-streams";
 * import { Redis } from "ioredis";
 * import { createClient } from "redis";
 *
 * const clients: RedisStreamClient[] = [new Redis(), await createClient().connect()];
 * ```
 */
export type RedisStreamClient = IoredisClient | NodeRedisClient;

/** Sends one command. */
type Send = (args: string[]) => Promise<unknown>;

function sender(client: unknown, what: string, action: string): Send {
  const c = client as Partial<Record<string, unknown>> | null;
  if (typeof c === "object" && c !== null) {
    if (typeof c.call === "function") {
      const call = (client as IoredisClient).call as (
        ...args: string[]
      ) => Promise<unknown>;
      return (args) => call.apply(client, args);
    }
    if (typeof c.sendCommand === "function") {
      const node = client as NodeRedisClient;
      return (args) => node.sendCommand(args);
    }
  }
  throw invalid(
    action,
    what,
    "an ioredis 5 client (with call) or a redis 5 client (with sendCommand)",
    client,
  );
}

/** The stream both functions use without a `stream` option. */
const DEFAULT_STREAM = "arcly:bus:stream";

function readName(
  options: Record<string, unknown>,
  key: string,
  fallback: string | undefined,
  action: string,
): string {
  const value = options[key] ?? fallback;
  if (typeof value !== "string" || value === "") {
    throw invalid(action, `options.${key}`, "a non-empty string", value);
  }
  return value;
}

function readInteger(
  options: Record<string, unknown>,
  key: string,
  fallback: number | undefined,
  min: number,
  action: string,
): number | undefined {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw invalid(action, `options.${key}`, "a number", value);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw invalid(
      action,
      `options.${key}`,
      min === 1 ? "a positive integer" : "a non-negative integer",
      value,
      RangeError,
    );
  }
  return value;
}

function readEvents(
  options: Record<string, unknown>,
  action: string,
): string[] | undefined {
  const events = options.events;
  if (events === undefined) return undefined;
  if (!Array.isArray(events) || events.some((e) => typeof e !== "string")) {
    throw invalid(action, "options.events", "an array of event names", events);
  }
  return [...new Set(events as string[])];
}

/**
 * Options of `appendRedisStream`.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { AppendRedisStreamOptions } from "@arcly/bus/redis-streams";
 *
 * type Events = { "order.placed": { id: string } };
 * const options: AppendRedisStreamOptions<Events> = {
 *   stream: "shop:orders",
 *   events: ["order.placed"],
 *   maxLen: 1_000_000,
 * };
 * ```
 */
export interface AppendRedisStreamOptions<Events> {
  /**
   * The stream key.
   *
   * @default {"arcly:bus:stream"}
   */
  stream?: string;
  /**
   * The events appended when emitted on the bus. Events a bridge or a
   * consumer received (`delivery.local === false`) are never appended.
   *
   * @default {undefined} (every event)
   */
  events?: readonly EventName<Events>[];
  /**
   * Trims the stream to about this many entries on each append
   * (`MAXLEN ~`). Entries trimmed before a group read them are lost to it.
   *
   * @default {undefined} (no trim)
   */
  maxLen?: number;
  /** Aborting it stops appending, as `RedisStreamAppender.close()` does. */
  signal?: AbortSignal;
}

/**
 * What `appendRedisStream` returns: a handle that stops appending.
 *
 * @example Usage
 * ```ts ignore
 * import type { RedisStreamAppender } from "@arcly/bus/redis-streams";
 *
 * declare const appender: RedisStreamAppender;
 * appender.close();
 * ```
 */
export interface RedisStreamAppender extends Disposable {
  /** Whether it has been closed. */
  readonly closed: boolean;
  /** Stops appending at once; appends already sent still complete. */
  close(): void;
}

/**
 * Appends the chosen events emitted on `bus` to a Redis stream, one `XADD`
 * each, with the fields `event` and `payload` (JSON, left out for
 * `undefined`). The listener returns the `XADD`, so `await bus.emit(...)`
 * resolves once Redis stored the entry; when the append fails, or the
 * payload cannot travel as JSON (a `TypeError` naming the path), the emit
 * rejects (or the bus's `onError` takes the error) like for any failing
 * listener. Appends are sent in emit order on one connection.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus whose emits are appended.
 * @param client An `ioredis` 5 client or a connected `redis` 5 client; it may
 * be shared with the rest of the app. It is never quit.
 * @param options `stream`, `events`, `maxLen` and `signal`.
 * @returns A handle that stops appending.
 * @throws {TypeError} When `bus` or `client` does not fit, or an option has
 * the wrong type.
 * @throws {RangeError} When `maxLen` is not a positive integer.
 *
 * @example Usage
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { appendRedisStream } from "@arcly/bus/redis-streams";
 * import { createClient } from "redis";
 *
 * const bus = new EventBus<{ "order.placed": { id: string } }>();
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * using _appender = appendRedisStream(bus, client, { stream: "shop:orders" });
 * await bus.emit("order.placed", { id: "A-1" }); // stored in Redis
 * ```
 */
export function appendRedisStream<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  client: RedisStreamClient,
  options: AppendRedisStreamOptions<Events> = {},
): RedisStreamAppender {
  const action = "Cannot append the bus to a Redis stream";
  checkBus(bus, action);
  const send = sender(client, "client", action);
  const opts = readOptions(options, action);
  const signal = readSignal(opts, action);
  const stream = readName(opts, "stream", DEFAULT_STREAM, action);
  const events = readEvents(opts, action);
  const maxLen = readInteger(opts, "maxLen", undefined, 1, action);
  const head = maxLen === undefined
    ? ["XADD", stream, "*"]
    : ["XADD", stream, "MAXLEN", "~", String(maxLen), "*"];
  const untyped = bus as unknown as EventBus<Record<string, unknown>>;
  let closed = signal?.aborted === true;
  const append = (name: string, payload: unknown): Promise<unknown> => {
    const args = head.slice();
    args.push("event", name);
    if (payload !== undefined) {
      args.push(
        "payload",
        encodeJson(payload, `Cannot append ${quote(name)}`, "payload"),
      );
    }
    return send(args);
  };
  const offs: (() => void)[] = [];
  const close = (): void => {
    closed = true;
    signal?.removeEventListener("abort", close);
    for (const off of offs.splice(0)) off();
  };
  if (!closed) {
    if (events === undefined) {
      offs.push(untyped.subscribeAll(
        (event) => append(event.name, event.payload),
        { local: true },
      ));
    } else {
      for (const name of events) {
        offs.push(untyped.subscribe(
          name,
          (payload) => append(name, payload),
          { local: true },
        ));
      }
    }
    signal?.addEventListener("abort", close, { once: true });
  }
  return {
    get closed() {
      return closed;
    },
    close,
    [DISPOSE]: close,
  };
}

/**
 * Options of `consumeRedisStream`.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { ConsumeRedisStreamOptions } from "@arcly/bus/redis-streams";
 *
 * type Events = { "order.placed": { id: string } };
 * const options: ConsumeRedisStreamOptions<Events> = {
 *   stream: "shop:orders",
 *   group: "mailer",
 *   consumer: "mailer-1",
 *   concurrency: 4,
 *   claimAfter: 30_000,
 *   maxDeliveries: 5,
 * };
 * ```
 */
export interface ConsumeRedisStreamOptions<Events> {
  /**
   * The stream key.
   *
   * @default {"arcly:bus:stream"}
   */
  stream?: string;
  /**
   * The consumer group. Each entry goes to one consumer of each group. A
   * group that does not exist is created at the start of the stream, so it
   * reads every entry the stream still holds.
   */
  group: string;
  /**
   * This consumer's name in the group. A consumer restarted under the same
   * name first delivers again the entries it had not acked.
   *
   * @default {crypto.randomUUID()}
   */
  consumer?: string;
  /**
   * The most deliveries in flight at once. The consumer reads only as many
   * entries as it has free slots, so a slow listener never makes it read
   * more.
   *
   * @default {8}
   */
  concurrency?: number;
  /**
   * Milliseconds a pending entry must be idle before another consumer (or
   * this one) claims and delivers it again: after a failure, or after its
   * consumer died. Each further delivery waits twice as long, up to 32 times
   * `claimAfter`. A live consumer keeps its deliveries in flight from going
   * idle, so a slow listener is not duplicated.
   *
   * @default {30000}
   */
  claimAfter?: number;
  /**
   * Deliveries an entry gets before it moves to the dead-letter stream.
   *
   * @default {5}
   */
  maxDeliveries?: number;
  /**
   * The dead-letter stream key. With Redis Cluster, give both keys the same
   * hash tag (`{orders}` and `{orders}:dead`).
   *
   * @default {`${stream}:dead`}
   */
  deadLetter?: string;
  /**
   * Milliseconds `close()` waits for deliveries in flight.
   *
   * @default {10000}
   */
  closeTimeout?: number;
  /**
   * Standard Schema validators by event name. An entry whose payload fails
   * goes to the dead-letter stream at once, unseen by listeners.
   *
   * @default {undefined}
   */
  schemas?: { readonly [K in EventName<Events>]?: StandardSchema };
  /**
   * Receives what would otherwise be lost: Redis errors (the consumer keeps
   * retrying), each dead-lettered entry (a `DeadLetterError`), listener
   * errors of a delivery when the bus has no `onError`, and deliveries
   * still unfinished when `close()` stopped waiting.
   *
   * @default {console.error}
   */
  onError?: (error: unknown) => void;
  /** Aborting it closes the consumer, as `close()` does. */
  signal?: AbortSignal;
}

/**
 * How many deliveries a consumer made and how they ended, since it started.
 *
 * @example Usage
 * ```ts
 * import type { RedisStreamStats } from "@arcly/bus/redis-streams";
 *
 * const stats: RedisStreamStats = {
 *   delivered: 3, redelivered: 2, acked: 1, failed: 2, deadLettered: 0,
 * };
 * ```
 */
export interface RedisStreamStats {
  /** Entries emitted on the bus, redeliveries included. */
  readonly delivered: number;
  /** Of those, deliveries with `attempt > 1`. */
  readonly redelivered: number;
  /** Entries acked after every listener succeeded. */
  readonly acked: number;
  /** Deliveries with listener errors (left pending, or dead-lettered). */
  readonly failed: number;
  /** Entries this consumer moved to the dead-letter stream. */
  readonly deadLettered: number;
}

/**
 * A running consumer, from `consumeRedisStream`.
 *
 * @example Usage
 * ```ts ignore
 * import type { RedisStreamConsumer } from "@arcly/bus/redis-streams";
 *
 * declare const consumer: RedisStreamConsumer;
 * await consumer.ready;
 * console.log(consumer.inFlight, consumer.stats.acked);
 * await consumer.close();
 * ```
 */
export interface RedisStreamConsumer extends AsyncDisposable {
  /** The consumer name in its group. */
  readonly consumer: string;
  /**
   * Resolves once the group exists and the consumer reads. It rejects only
   * when `close()` came first.
   */
  readonly ready: Promise<void>;
  /** Deliveries in flight: started, not yet acked or failed. */
  readonly inFlight: number;
  /** Counts since the start. */
  readonly stats: RedisStreamStats;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Stops reading at once, then waits up to `closeTimeout` for deliveries in
   * flight, acking those that succeed. Unfinished ones are never acked: they
   * stay pending for this consumer's restart or another consumer. The
   * clients are not quit.
   *
   * @returns A promise that resolves when done; it never rejects.
   */
  close(): Promise<void>;
}

/**
 * What `onError` receives for an entry moved to the dead-letter stream.
 *
 * @example Telling dead letters apart
 * ```ts
 * import { DeadLetterError } from "@arcly/bus/redis-streams";
 *
 * function onError(error: unknown): void {
 *   if (error instanceof DeadLetterError) console.warn(error.id, error.reason);
 * }
 * onError(new DeadLetterError("1-0", "x", 5, "listeners failed", []));
 * ```
 */
export class DeadLetterError extends Error {
  /** The entry id in the source stream. */
  readonly id: string;
  /** The event name, or `""` when the entry had none. */
  readonly event: string;
  /** How many times it was delivered. */
  readonly deliveries: number;
  /** Why it was dead-lettered. */
  readonly reason: string;
  /** The errors of its last delivery (empty when it was never emitted). */
  readonly errors: readonly unknown[];

  /**
   * Makes the error.
   *
   * @param id The entry id.
   * @param event The event name.
   * @param deliveries How many times it was delivered.
   * @param reason Why it was dead-lettered.
   * @param errors The errors of its last delivery.
   */
  constructor(
    id: string,
    event: string,
    deliveries: number,
    reason: string,
    errors: readonly unknown[],
  ) {
    super(
      `Dead-lettered stream entry ${id}${
        event === "" ? "" : ` of ${quote(event)}`
      } after ${deliveries} ${
        deliveries === 1 ? "delivery" : "deliveries"
      }: ${reason}`,
      errors.length === 0
        ? undefined
        : { cause: new AggregateError(errors, reason) },
    );
    this.name = "DeadLetterError";
    this.id = id;
    this.event = event;
    this.deliveries = deliveries;
    this.reason = reason;
    this.errors = errors;
  }
}

/** A decoded entry, or why it cannot be decoded. */
type Entry = { event: string; payload: unknown };

function decode(fields: unknown): Entry | string {
  if (!Array.isArray(fields) || fields.length % 2 !== 0) {
    return `its fields are not name-value pairs: ${describe(fields)}`;
  }
  let event: unknown;
  let payload: unknown;
  let text: unknown;
  for (let i = 0; i < fields.length; i += 2) {
    const key = fields[i];
    if (key === "event") event = fields[i + 1];
    else if (key === "payload") text = fields[i + 1];
  }
  if (typeof event !== "string") {
    return `it has no string field "event"`;
  }
  if (text !== undefined) {
    if (typeof text !== "string") return `its payload is not a string`;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      return `its payload is not JSON (${(error as Error).message})`;
    }
  }
  return { event, payload };
}

/** The fields of an entry as strings, for the dead-letter copy. */
function stringFields(fields: unknown): string[] {
  if (
    Array.isArray(fields) && fields.length % 2 === 0 &&
    fields.every((f) => typeof f === "string")
  ) {
    return fields as string[];
  }
  return ["fields", JSON.stringify(fields) ?? "null"];
}

function errorJson(error: unknown): unknown {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  try {
    return JSON.parse(JSON.stringify(error) ?? "null");
  } catch {
    return String(error);
  }
}

// Moves an entry to the dead-letter stream and acks it, atomically.
const DEAD_LETTER_SCRIPT = "redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))" +
  "\nreturn redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])";

/** The longest a read blocks, in milliseconds. */
const MAX_BLOCK = 2000;

/** How many pending entries one claim scan reads. */
const SCAN = 100;

/** A pending entry: id, owner, idle milliseconds, deliveries so far. */
type Pending = [string, string, number, number];

function readPending(reply: unknown): Pending[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((row) => {
    const [id, owner, idle, count] = row as unknown[];
    return [String(id), String(owner), Number(idle), Number(count)];
  });
}

/** `[id, fields]` pairs of an XREADGROUP or XCLAIM reply. */
function readEntries(reply: unknown): [string, unknown][] {
  if (!Array.isArray(reply)) return [];
  return reply.filter(Array.isArray).map((
    entry,
  ) => [String(entry[0]), entry[1]]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Joins a consumer group of a Redis stream and emits each entry on `bus`,
 * at least once: each entry goes to one live consumer of the group, which
 * emits it as a received event (`delivery.local === false`, `delivery.id`
 * the entry id, `delivery.attempt` the delivery count) and acks it (`XACK`) only when every listener succeeded.
 * Errors that the bus's `onError` took count as failures: the entry stays
 * pending.
 *
 * A pending entry idle for `claimAfter` ms (a failed delivery, or one whose
 * consumer died) is claimed and delivered again by any consumer of the
 * group, with backoff. After `maxDeliveries` deliveries it moves to the
 * dead-letter stream with the errors of its last delivery, and `onError`
 * gets a `DeadLetterError`. An entry that cannot be decoded, or whose
 * payload fails `schemas`, moves there at once. An entry whose event has no
 * listener on the bus succeeds (it is acked).
 *
 * Two connections: `clients.reader` blocks in `XREADGROUP` and must not be
 * shared; `clients.client` sends everything else (`XACK`, `XPENDING`,
 * `XCLAIM`, the dead-letter script, `CLIENT UNBLOCK` on close) and may be
 * shared. Both are used as given (`ioredis` 5 through `call`, `redis` 5
 * through `sendCommand`) and never quit. Redis errors go to `onError` and
 * the consumer retries with backoff (50 ms doubling to 2 s).
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to emit entries on. Subscribe its listeners first.
 * @param clients `client` for commands, `reader` a connection of its own.
 * @param options `group` and the rest of `ConsumeRedisStreamOptions`.
 * @returns The running consumer.
 * @throws {TypeError} When `bus` or a client does not fit, both clients are
 * the same object, or an option has the wrong type.
 * @throws {RangeError} When `concurrency`, `claimAfter`, `maxDeliveries` or
 * `closeTimeout` is out of range.
 *
 * @example With node-redis
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { consumeRedisStream } from "@arcly/bus/redis-streams";
 * import { createClient } from "redis";
 *
 * const bus = new EventBus<{ "order.placed": { id: string } }>();
 * bus.subscribe("order.placed", (order, delivery) => {
 *   console.log(order.id, delivery.id, delivery.attempt);
 * });
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const reader = await client.duplicate().connect();
 * await using consumer = consumeRedisStream(bus, { client, reader }, {
 *   stream: "shop:orders",
 *   group: "mailer",
 *   consumer: "mailer-1",
 * });
 * await consumer.ready;
 * ```
 */
export function consumeRedisStream<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  clients: RedisStreamClients,
  options: ConsumeRedisStreamOptions<Events>,
): RedisStreamConsumer {
  const action = "Cannot consume a Redis stream";
  checkBus(bus, action);
  if (typeof clients !== "object" || clients === null) {
    throw invalid(
      action,
      "clients",
      "an object with client and reader",
      clients,
    );
  }
  const client = sender(clients.client, "clients.client", action);
  const reader = sender(clients.reader, "clients.reader", action);
  if (clients.client === clients.reader) {
    throw new TypeError(
      `${action}: clients.client and clients.reader must be two connections (the reader blocks in XREADGROUP), got the same client twice`,
    );
  }
  const opts = readOptions(options, action);
  const signal = readSignal(opts, action);
  const stream = readName(opts, "stream", DEFAULT_STREAM, action);
  const config: Config = {
    stream,
    group: readName(opts, "group", undefined, action),
    consumer: readName(opts, "consumer", crypto.randomUUID(), action),
    deadLetter: readName(opts, "deadLetter", `${stream}:dead`, action),
    concurrency: readInteger(opts, "concurrency", 8, 1, action)!,
    claimAfter: readInteger(opts, "claimAfter", 30_000, 1, action)!,
    maxDeliveries: readInteger(opts, "maxDeliveries", 5, 1, action)!,
    closeTimeout: readInteger(opts, "closeTimeout", 10_000, 0, action)!,
    schemas: readSchemas(opts, action),
    onError: (readCallback(opts, "onError", action) as
      | ((error: unknown) => void)
      | undefined) ?? defaultOnError,
  };
  return new StreamConsumer(
    bus as unknown as EventBus<Record<string, unknown>>,
    client,
    reader,
    config,
    signal,
  );
}

/**
 * The two connections of a consumer.
 *
 * @example Usage
 * ```ts ignore
 * import type { RedisStreamClients } from "@arcly/bus/redis-streams";
 * import { Redis } from "ioredis";
 *
 * const client = new Redis();
 * const clients: RedisStreamClients = { client, reader: client.duplicate() };
 * ```
 */
export interface RedisStreamClients {
  /** Sends acks, claims and dead letters. It may be shared with the app. */
  client: RedisStreamClient;
  /**
   * Blocks in `XREADGROUP` waiting for entries: a connection of its own
   * (`client.duplicate()`), not shared with anything.
   */
  reader: RedisStreamClient;
}

interface Config {
  stream: string;
  group: string;
  consumer: string;
  deadLetter: string;
  concurrency: number;
  claimAfter: number;
  maxDeliveries: number;
  closeTimeout: number;
  schemas: Map<string, StandardSchema> | undefined;
  onError: (error: unknown) => void;
}

/** A batch of ids acked by one XACK. */
interface AckBatch {
  ids: string[];
  done: Promise<void>;
  resolve: () => void;
}

function ackBatch(): AckBatch {
  let resolve!: () => void;
  const done = new Promise<void>((r) => resolve = r);
  return { ids: [], done, resolve };
}

class StreamConsumer implements RedisStreamConsumer {
  readonly consumer: string;
  readonly ready: Promise<void>;
  #bus: EventBus<Record<string, unknown>>;
  #client: Send;
  #reader: Send;
  #config: Config;
  #signal: AbortSignal | undefined;
  #inFlight: Map<string, Promise<void>> = new Map();
  #stats = {
    delivered: 0,
    redelivered: 0,
    acked: 0,
    failed: 0,
    deadLettered: 0,
  };
  #closing: Promise<void> | undefined = undefined;
  /** Set once close() stopped waiting: nothing is acked any more. */
  #stopped = false;
  /** Wakes the loop from waiting for a slot or a retry. */
  #wake: (() => void) | undefined = undefined;
  #readerId: string | undefined = undefined;
  /** The XREADGROUP in progress, settled or not. */
  #reading: Promise<unknown> | undefined = undefined;
  #batch: AckBatch | undefined = undefined;
  #acking = false;
  #loop: Promise<void>;
  #ready!: { resolve: () => void; reject: (error: unknown) => void };
  #onAbort = (): void => void this.close();

  constructor(
    bus: EventBus<Record<string, unknown>>,
    client: Send,
    reader: Send,
    config: Config,
    signal: AbortSignal | undefined,
  ) {
    this.#bus = bus;
    this.#client = client;
    this.#reader = reader;
    this.#config = config;
    this.consumer = config.consumer;
    this.ready = new Promise((resolve, reject) => {
      this.#ready = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.#signal = signal;
    if (signal?.aborted) {
      this.#loop = Promise.resolve();
      void this.close();
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#loop = this.#run();
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get stats(): RedisStreamStats {
    return Object.freeze({ ...this.#stats });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #report(error: unknown): void {
    try {
      this.#config.onError(error);
    } catch (failure) {
      defaultOnError(failure);
    }
  }

  /** Resolves when a delivery settles, `close()` is called, or `ms` passed. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      if (ms !== Infinity) timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    const { concurrency, claimAfter } = this.#config;
    // Claims (and keeps deliveries in flight from going idle) this often.
    const tick = Math.max(1, Math.floor(claimAfter / 2));
    let started = false;
    let recovering = true;
    let recoverFrom = "-";
    let claimFrom = "-";
    let nextTick = 0;
    let retry = 0;
    while (this.#closing === undefined) {
      try {
        if (!started) {
          await this.#start();
          started = true;
          this.#ready.resolve();
        } else if (Date.now() >= nextTick) {
          claimFrom = await this.#claim(claimFrom);
          nextTick = Date.now() + tick;
        } else if (this.#inFlight.size >= concurrency) {
          // Every slot is taken: wait for one, or for the next tick.
          await this.#pause(nextTick - Date.now());
        } else if (recovering) {
          [recovering, recoverFrom] = await this.#recover(recoverFrom);
        } else {
          await this.#read(nextTick - Date.now());
        }
        retry = 0;
      } catch (error) {
        if (this.#closing !== undefined) break;
        if (messageOf(error).includes("NOGROUP")) started = false;
        this.#readerId = undefined;
        this.#report(error);
        retry = Math.min(Math.max(retry * 2, 50), 2000);
        await this.#pause(retry);
      }
    }
  }

  async #start(): Promise<void> {
    const { stream, group } = this.#config;
    try {
      await this.#client(["XGROUP", "CREATE", stream, group, "0", "MKSTREAM"]);
    } catch (error) {
      if (!messageOf(error).includes("BUSYGROUP")) throw error;
    }
  }

  /**
   * Delivers again the entries this consumer had not acked when it last
   * stopped. Returns whether there may be more, and the cursor.
   */
  async #recover(cursor: string): Promise<[boolean, string]> {
    const { stream, group, consumer, concurrency } = this.#config;
    const free = concurrency - this.#inFlight.size;
    const rows = readPending(
      await this.#client([
        "XPENDING",
        stream,
        group,
        cursor,
        "+",
        String(free),
        consumer,
      ]),
    ).filter((row) => !this.#inFlight.has(row[0]));
    if (rows.length > 0) await this.#take(rows, 0);
    const last = rows.at(-1);
    return rows.length < free || last === undefined
      ? [false, "-"]
      : [true, `(${last[0]}`];
  }

  /**
   * Keeps this consumer's deliveries in flight from going idle, then, when
   * a slot is free, claims pending entries of the group idle long enough.
   * Returns the next cursor.
   */
  async #claim(cursor: string): Promise<string> {
    const { stream, group, consumer, claimAfter, concurrency } = this.#config;
    if (this.#inFlight.size > 0) {
      await this.#client([
        "XCLAIM",
        stream,
        group,
        consumer,
        "0",
        ...this.#inFlight.keys(),
        "JUSTID",
      ]);
    }
    const free = concurrency - this.#inFlight.size;
    if (free <= 0) return cursor;
    const rows = readPending(
      await this.#client([
        "XPENDING",
        stream,
        group,
        "IDLE",
        String(claimAfter),
        cursor,
        "+",
        String(SCAN),
      ]),
    );
    const last = rows.at(-1);
    const next = rows.length < SCAN || last === undefined ? "-" : `(${last[0]}`;
    const due = rows.filter(([id, , idle, count]) =>
      !this.#inFlight.has(id) &&
      idle >= claimAfter * 2 ** Math.min(Math.max(count - 1, 0), 5)
    ).slice(0, free);
    if (due.length > 0) await this.#take(due, claimAfter);
    return next;
  }

  /** Claims `rows` for this consumer and delivers (or dead-letters) them. */
  async #take(rows: Pending[], minIdle: number): Promise<void> {
    const { stream, group, consumer, maxDeliveries } = this.#config;
    const counts = new Map(rows.map(([id, , , count]) => [id, count]));
    const entries = readEntries(
      await this.#client([
        "XCLAIM",
        stream,
        group,
        consumer,
        String(minIdle),
        ...counts.keys(),
      ]),
    );
    // Claimed while closing: they stay pending, for a restart or a claim.
    if (this.#closing !== undefined) return;
    for (const [id, fields] of entries) {
      const attempt = (counts.get(id) ?? 0) + 1;
      if (attempt > maxDeliveries) {
        this.#track(id, () =>
          this.#deadLetter(
            id,
            fields,
            attempt - 1,
            `not acked after ${
              attempt - 1
            } deliveries (its last consumer stopped or failed to dead-letter it)`,
            [],
          ));
      } else {
        this.#deliver(id, fields, attempt);
      }
    }
  }

  async #read(block: number): Promise<void> {
    const { stream, group, consumer, concurrency } = this.#config;
    if (this.#readerId === undefined) {
      this.#readerId = String(await this.#reader(["CLIENT", "ID"]));
    }
    if (this.#closing !== undefined) return;
    const free = concurrency - this.#inFlight.size;
    const reading = this.#reader([
      "XREADGROUP",
      "GROUP",
      group,
      consumer,
      "COUNT",
      String(free),
      "BLOCK",
      String(Math.min(Math.max(1, block), MAX_BLOCK)),
      "STREAMS",
      stream,
      ">",
    ]);
    this.#reading = reading.catch(() => {});
    let reply: unknown;
    try {
      reply = await reading;
    } finally {
      this.#reading = undefined;
    }
    // Entries read while closing stay pending for a restart or a claim.
    if (this.#closing !== undefined || !Array.isArray(reply)) return;
    for (const item of reply) {
      if (!Array.isArray(item)) continue;
      for (const [id, fields] of readEntries(item[1])) {
        this.#deliver(id, fields, 1);
      }
    }
  }

  #track(id: string, work: () => Promise<void>): void {
    const settle = (): void => {
      this.#inFlight.delete(id);
      this.#wake?.();
    };
    const run = work().then(settle, (error) => {
      this.#report(error);
      settle();
    });
    this.#inFlight.set(id, run);
  }

  #deliver(id: string, fields: unknown, attempt: number): void {
    this.#stats.delivered++;
    if (attempt > 1) this.#stats.redelivered++;
    this.#track(id, () => this.#handle(id, fields, attempt));
  }

  async #handle(id: string, fields: unknown, attempt: number): Promise<void> {
    const entry = decode(fields);
    if (typeof entry === "string") {
      return this.#deadLetter(
        id,
        fields,
        attempt,
        `cannot decode it: ${entry}`,
        [],
      );
    }
    const { event } = entry;
    let payload = entry.payload;
    const schema = this.#config.schemas?.get(event);
    if (schema !== undefined) {
      const result = await validatePayload(schema, payload);
      if (result.issues !== undefined) {
        const error = schemaError(event, result.issues);
        return this.#deadLetter(id, fields, attempt, error.message, [error]);
      }
      payload = result.value;
    }
    const delivery: Delivery = Object.freeze({ local: false, id, attempt });
    let errors: readonly unknown[] | undefined;
    observeErrors(delivery, (seen) => errors = seen);
    try {
      await receive(this.#bus, event, payload, delivery);
    } catch (error) {
      // The bus had no onError (or it threw): nobody else saw these.
      this.#report(error);
      errors ??= error instanceof AggregateError ? error.errors : [error];
    }
    if (errors === undefined || errors.length === 0) return this.#ack(id);
    this.#stats.failed++;
    if (attempt >= this.#config.maxDeliveries) {
      return this.#deadLetter(
        id,
        fields,
        attempt,
        `${errors.length} ${
          errors.length === 1 ? "listener" : "listeners"
        } failed on delivery ${attempt} of ${this.#config.maxDeliveries}`,
        errors,
      );
    }
  }

  /** Acks `id` with the next XACK; resolves when that XACK settled. */
  #ack(id: string): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const batch = this.#batch ??= ackBatch();
    batch.ids.push(id);
    if (!this.#acking) {
      // Deliveries of one read settle together: one XACK for all of them.
      this.#acking = true;
      queueMicrotask(() => void this.#flush());
    }
    return batch.done;
  }

  async #flush(): Promise<void> {
    const { stream, group } = this.#config;
    let batch: AckBatch | undefined;
    while ((batch = this.#batch) !== undefined) {
      this.#batch = undefined;
      try {
        await this.#client(["XACK", stream, group, ...batch.ids]);
        this.#stats.acked += batch.ids.length;
      } catch (error) {
        // Left pending: claimed and delivered again later.
        this.#report(error);
      }
      // The slots are free at once, all together, so the next read takes
      // as many entries as this XACK acked.
      for (const id of batch.ids) this.#inFlight.delete(id);
      this.#wake?.();
      batch.resolve();
    }
    this.#acking = false;
  }

  async #deadLetter(
    id: string,
    fields: unknown,
    deliveries: number,
    reason: string,
    errors: readonly unknown[],
  ): Promise<void> {
    if (this.#stopped) return;
    const { stream, group, consumer, deadLetter } = this.#config;
    const decoded = decode(fields);
    const event = typeof decoded === "string" ? "" : decoded.event;
    await this.#client([
      "EVAL",
      DEAD_LETTER_SCRIPT,
      "2",
      stream,
      deadLetter,
      group,
      id,
      ...stringFields(fields),
      "id",
      id,
      "group",
      group,
      "consumer",
      consumer,
      "deliveries",
      String(deliveries),
      "reason",
      reason,
      "errors",
      JSON.stringify(errors.map(errorJson)),
    ]);
    this.#stats.deadLettered++;
    this.#report(new DeadLetterError(id, event, deliveries, reason, errors));
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#ready.reject(
      new Error(`The consumer ${quote(this.consumer)} was closed`),
    );
    // Set before anything runs, so the loop reads nothing more.
    this.#closing = Promise.resolve().then(() => this.#shutdown());
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#wake?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#config.closeTimeout);
    });
    await Promise.race([this.#unblock(), timeout]);
    const settled = (async () => {
      await this.#loop;
      while (this.#inFlight.size > 0) {
        await Promise.all(this.#inFlight.values());
      }
      return true;
    })();
    const done = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    this.#stopped = true;
    if (!done && this.#inFlight.size > 0) {
      this.#report(
        new Error(
          `Closed the consumer ${
            quote(this.consumer)
          } with ${this.#inFlight.size} deliveries unfinished after ${this.#config.closeTimeout} ms: they stay pending and will be delivered again`,
        ),
      );
    }
  }

  /**
   * Ends a blocked `XREADGROUP` of the reader. The reader's command may not
   * have reached Redis yet, so it tries until the read ended.
   */
  async #unblock(): Promise<void> {
    let reading: Promise<unknown> | undefined;
    while ((reading = this.#reading) !== undefined) {
      const readerId = this.#readerId;
      if (readerId === undefined) return;
      try {
        const unblocked = await this.#client(["CLIENT", "UNBLOCK", readerId]);
        if (Number(unblocked) === 1) return;
      } catch (error) {
        this.#report(error);
        return;
      }
      await Promise.race([
        reading,
        new Promise((resolve) => setTimeout(resolve, 10)),
      ]);
    }
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }
}
