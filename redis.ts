// Copyright 2026 the arcly authors. MIT license.

/**
 * A bridge between a bus and Redis pub/sub, through a Redis client you
 * already have: `ioredis` 5 and `redis` (node-redis) 5 both fit the small
 * interface it needs, so this module imports nothing.
 *
 * @example Two processes, one Redis channel
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { bridgeRedis } from "@arcly/bus/redis";
 * import { Redis } from "ioredis";
 *
 * type Events = { "order.placed": { id: string; total: number } };
 * const bus = new EventBus<Events>();
 * const publisher = new Redis("redis://127.0.0.1:6379");
 * const subscriber = publisher.duplicate();
 * await using bridge = bridgeRedis(bus, { publisher, subscriber }, {
 *   channel: "shop:events",
 *   onError: (error) => console.error("redis bridge:", error),
 * });
 * await bridge.ready;
 * await bus.emit("order.placed", { id: "A-1", total: 42 }); // every process sees it
 * ```
 *
 * @module
 */

import type { EventBus } from "./bus.ts";
import {
  type Bridge,
  bridge,
  type BridgeOptions,
  type BridgeTransport,
} from "./bridge.ts";
import { encodeJson } from "./_json.ts";
import { checkBus, describe, invalid, readBridgeOptions } from "./_validate.ts";

/**
 * A callback handed to a Redis client. Its arguments depend on the client and
 * the call, so the bridge reads them defensively.
 *
 * @example Usage
 * ```ts
 * import type { RedisCallback } from "@arcly/bus/redis";
 *
 * const log: RedisCallback = (first, second) => console.log(first, second);
 * ```
 */
export type RedisCallback = (first: unknown, second: unknown) => void;

/**
 * The part of a Redis client the bridge uses. An `ioredis` 5 client
 * (`new Redis()`) and a connected `redis` 5 client (`createClient()`) both
 * satisfy it as they are:
 *
 * - `publish(channel, message)` publishes and resolves when Redis replied.
 * - `subscribe(channel, callback)` subscribes. node-redis calls `callback`
 *   with each message (`message, channel`); ioredis calls it once, as a
 *   Node-style callback (`error, count`), and delivers messages as
 *   `"message"` events (`channel, message`). The bridge handles both.
 * - `unsubscribe(channel, callback)` undoes it.
 * - `on`/`off` add and remove `"message"` and `"error"` listeners.
 *
 * @example Both clients fit
 * ```ts ignore
 * import type { RedisClient } from "@arcly/bus/redis";
 * import { Redis } from "ioredis";
 * import { createClient } from "redis";
 *
 * const io: RedisClient = new Redis();
 * const node: RedisClient = await createClient().connect();
 * ```
 */
export interface RedisClient {
  /** Publishes `message` on `channel`. */
  publish(channel: string, message: string): PromiseLike<unknown>;
  /** Subscribes to `channel`. */
  subscribe(channel: string, callback: RedisCallback): PromiseLike<unknown>;
  /** Unsubscribes from `channel`. */
  unsubscribe(channel: string, callback: RedisCallback): PromiseLike<unknown>;
  /** Adds an event listener (`"message"`, `"error"`). */
  on(event: string, listener: RedisCallback): unknown;
  /** Removes an event listener. */
  off(event: string, listener: RedisCallback): unknown;
}

/**
 * The two connections of a Redis bridge. Redis puts a subscribing connection
 * in a mode where it cannot publish, so they must be two distinct clients
 * (`client.duplicate()` in both libraries).
 *
 * @example Usage
 * ```ts ignore
 * import type { RedisClients } from "@arcly/bus/redis";
 * import { Redis } from "ioredis";
 *
 * const publisher = new Redis();
 * const clients: RedisClients = { publisher, subscriber: publisher.duplicate() };
 * ```
 */
export interface RedisClients {
  /** Publishes the bus's events. It may be shared with the rest of the app. */
  publisher: RedisClient;
  /**
   * Receives the events of the other buses. Give it a connection of its
   * own: closing the bridge unsubscribes it from the channel.
   */
  subscriber: RedisClient;
}

/**
 * Options of `bridgeRedis`: those of every bridge, and the channel.
 *
 * @typeParam Events The event map of the bus.
 *
 * @example Usage
 * ```ts
 * import type { RedisBridgeOptions } from "@arcly/bus/redis";
 *
 * type Events = { "order.placed": { id: string } };
 * const options: RedisBridgeOptions<Events> = {
 *   channel: "shop:events",
 *   events: ["order.placed"],
 *   onError: (error) => console.error(error),
 * };
 * ```
 */
export interface RedisBridgeOptions<Events> extends BridgeOptions<Events> {
  /**
   * The Redis channel the buses share.
   *
   * @default {"arcly:bus"}
   */
  channel?: string;
}

function isClient(value: unknown): value is RedisClient {
  const c = value as Partial<Record<string, unknown>> | null;
  return typeof c === "object" && c !== null &&
    typeof c.publish === "function" && typeof c.subscribe === "function" &&
    typeof c.unsubscribe === "function" && typeof c.on === "function" &&
    typeof c.off === "function";
}

function transportOf(
  publisher: RedisClient,
  subscriber: RedisClient,
  channel: string,
): BridgeTransport {
  const label = `Redis channel ${JSON.stringify(channel)}`;
  let receive: (data: unknown) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const decode = (text: unknown): void => {
    if (typeof text !== "string") {
      fail(
        new TypeError(
          `Cannot receive a message on ${label}: expected a string, got ${
            describe(text)
          }`,
        ),
      );
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      fail(
        new TypeError(
          `Cannot receive a message on ${label}: it is not JSON (${
            (error as Error).message
          })`,
          { cause: error },
        ),
      );
      return;
    }
    receive(data);
  };
  // node-redis: (message, channel) for each message. ioredis: (error, count)
  // once, the outcome the returned promise carries too.
  const onSubscribe: RedisCallback = (first) => {
    if (typeof first === "string") decode(first);
  };
  // ioredis: every message of every channel of the connection.
  const onMessage: RedisCallback = (from, text) => {
    if (from === channel) decode(text);
  };
  const onError: RedisCallback = (error) => fail(error);
  return {
    send(message) {
      const action = `Cannot publish ${
        JSON.stringify(message.event)
      } to ${label}`;
      const head = `{"origin":${JSON.stringify(message.origin)},"seq":${
        JSON.stringify(message.seq)
      },"event":${JSON.stringify(message.event)}`;
      const text = message.payload === undefined
        ? `${head}}`
        : `${head},"payload":${
          encodeJson(message.payload, action, "payload")
        }}`;
      return publisher.publish(channel, text);
    },
    listen(onData, onFail) {
      receive = onData;
      fail = onFail;
      publisher.on("error", onError);
      subscriber.on("error", onError);
      subscriber.on("message", onMessage);
      return subscriber.subscribe(channel, onSubscribe);
    },
    async close() {
      subscriber.off("message", onMessage);
      try {
        await subscriber.unsubscribe(channel, onSubscribe);
      } finally {
        publisher.off("error", onError);
        subscriber.off("error", onError);
      }
    },
  };
}

/**
 * Connects a bus to a Redis pub/sub channel. Every bus bridged to the same
 * channel of the same Redis receives what the others emit, whatever process
 * or machine it runs in; see `bridge` for the rules (no echo, at most once,
 * in order per publisher).
 *
 * Messages are JSON. A payload JSON would drop or change (a function, a
 * symbol, a `BigInt`, a cycle, `NaN`, `undefined` in an array, a `Map`, a
 * class instance without `toJSON`) makes the emit reject with a `TypeError`
 * naming the event and the offending path. Objects with `toJSON` (such as
 * `Date`) arrive as what it returns.
 *
 * Redis pub/sub stores nothing: a bus whose subscriber is disconnected misses
 * what is published meanwhile (the bridge reports the gap to `onError` when
 * the next message of that publisher arrives). Both clients reconnect and
 * resubscribe by themselves; their connection errors go to `onError`. The
 * bridge never quits the clients: they are yours.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to connect.
 * @param clients A publishing and a subscribing connection (`ioredis` 5 or
 * a connected `redis` 5 client).
 * @param options `channel`, `events`, `onError` and `signal`.
 * @returns The running bridge; `ready` resolves once Redis confirmed the
 * subscription.
 * @throws {TypeError} When a client lacks a method of `RedisClient`, both are
 * the same object, or an option has the wrong type.
 *
 * @example With ioredis
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { bridgeRedis } from "@arcly/bus/redis";
 * import { Redis } from "ioredis";
 *
 * const bus = new EventBus<{ "user.created": { id: number } }>();
 * const publisher = new Redis(6379, "127.0.0.1");
 * const bridge = bridgeRedis(bus, { publisher, subscriber: publisher.duplicate() });
 * await bridge.ready;
 * await bus.emit("user.created", { id: 1 });
 * ```
 *
 * @example With node-redis
 * ```ts ignore
 * import { EventBus } from "@arcly/bus";
 * import { bridgeRedis } from "@arcly/bus/redis";
 * import { createClient } from "redis";
 *
 * const bus = new EventBus<{ "user.created": { id: number } }>();
 * const publisher = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const subscriber = await publisher.duplicate().connect();
 * const bridge = bridgeRedis(bus, { publisher, subscriber }, { channel: "users" });
 * await bridge.ready;
 * ```
 */
export function bridgeRedis<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  clients: RedisClients,
  options: RedisBridgeOptions<Events> = {},
): Bridge {
  const action = "Cannot bridge the bus to Redis";
  checkBus(bus, action);
  if (typeof clients !== "object" || clients === null) {
    throw invalid(
      action,
      "clients",
      "an object with a publisher and a subscriber",
      clients,
    );
  }
  const { publisher, subscriber } = clients;
  for (
    const [name, client] of [["publisher", publisher], [
      "subscriber",
      subscriber,
    ]] as const
  ) {
    if (!isClient(client)) {
      throw invalid(
        action,
        `clients.${name}`,
        "a Redis client with publish, subscribe, unsubscribe, on and off methods",
        client,
      );
    }
  }
  if (publisher === subscriber) {
    throw new TypeError(
      `${action}: clients.publisher and clients.subscriber must be two connections (a subscribed connection cannot publish), got the same client twice`,
    );
  }
  const { rest } = readBridgeOptions(options, action);
  const channel = rest.channel ?? "arcly:bus";
  if (typeof channel !== "string" || channel === "") {
    throw invalid(action, "options.channel", "a non-empty string", channel);
  }
  return bridge(bus, transportOf(publisher, subscriber, channel), options);
}
