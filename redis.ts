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
  type BridgeLink,
  type BridgeMessage,
  type BridgeOptions,
  type BridgeTransport,
} from "./bridge.ts";
import { VERSION } from "./_bridge_protocol.ts";
import { encodeJsonItems } from "./_json.ts";
import {
  checkBus,
  checkMethods,
  describe,
  invalid,
  MAX_QUOTE,
  quote,
} from "./_validate.ts";

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
 * (`new Redis()`) and a `redis` 5 client (`createClient()`) both satisfy it
 * as they are:
 *
 * - `publish(channel, message)` publishes and resolves when Redis replied.
 * - `subscribe(channel, callback)` subscribes. node-redis calls `callback`
 *   with each message (`message, channel`); ioredis calls it once, as a
 *   Node-style callback (`error, count`), and delivers messages as
 *   `"message"` events (`channel, message`). The bridge handles both.
 * - `unsubscribe(channel, callback)` undoes it.
 * - `on`/`off` add and remove listeners of `"message"`, `"error"`,
 *   `"ready"`, `"close"`, `"reconnecting"` and `"end"`.
 * - `status` (ioredis) or `isReady` (node-redis) tells whether the
 *   connection is ready; the bridge subscribes only once it is.
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
  /** Adds an event listener (`"message"`, `"error"`, `"ready"`, ...). */
  on(event: string, listener: RedisCallback): unknown;
  /** Removes an event listener. */
  off(event: string, listener: RedisCallback): unknown;
  /** ioredis: the connection's state; `"ready"` when it takes commands. */
  readonly status?: string;
  /** node-redis: whether the connection takes commands. */
  readonly isReady?: boolean;
  /** node-redis: whether the client is connected or reconnecting. */
  readonly isOpen?: boolean;
  /** ioredis: starts a client made with `lazyConnect`. */
  connect?(): unknown;
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

function cut(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/** Whether the client takes commands now (ioredis or node-redis). */
function isReady(client: RedisClient): boolean {
  return client.status === "ready" || client.isReady === true;
}

/**
 * Whether a publish would go out: the client is ready, or is an ioredis
 * client made with lazyConnect, which connects for its first command.
 */
function canPublish(client: RedisClient): boolean {
  return isReady(client) || client.status === "wait";
}

/** The connection-state events of both libraries. */
const DOWN_EVENTS = ["close", "reconnecting", "end"] as const;

/** Listeners added to a client, removed together. */
class Listeners {
  #added: [RedisClient, string, RedisCallback][] = [];

  on(client: RedisClient, event: string, listener: RedisCallback): void {
    client.on(event, listener);
    this.#added.push([client, event, listener]);
  }

  off(): void {
    for (const [client, event, listener] of this.#added) {
      client.off(event, listener);
    }
    this.#added = [];
  }
}

/**
 * The message as text: the envelope by `JSON.stringify`, the payload of an
 * unsigned event checked by the encoder that refuses what JSON would drop or
 * change.
 */
function encode(message: BridgeMessage, label: string): string {
  // Only an unsigned event with a payload has six items (an undefined one
  // is left out).
  if (message.length !== 6) return JSON.stringify(message);
  return encodeJsonItems(
    message,
    () => `Cannot publish ${quote(message[4] as string)} to ${label}`,
    "payload",
  );
}

/** A Redis transport, told its bridge's origin once the bridge exists. */
interface RedisTransport extends BridgeTransport {
  /** Sets the origin whose messages are skipped before they are parsed. */
  own(origin: string): void;
}

function transportOf(
  publisher: RedisClient,
  subscriber: RedisClient,
  channel: string,
): RedisTransport {
  const label = `Redis channel ${quote(channel)}`;
  const listeners = new Listeners();
  let link: BridgeLink | undefined;
  let receive: (data: unknown) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  let stopWaiting: ((error: Error) => void) | undefined;
  let closed = false;
  /** Whether SUBSCRIBE was sent: only then is there something to undo. */
  let subscribing = false;
  // Redis delivers a bridge's own messages back to it. The bridge drops
  // them; spotting them by the start of their text (every message of a
  // bridge starts with the version and its origin) spares the parse. Only
  // text that starts exactly as this bridge writes its messages is skipped
  // (a forgery made to look so is dropped either way).
  let mine: string | undefined;
  const decode = (text: unknown): void => {
    if (
      mine !== undefined && typeof text === "string" && text.startsWith(mine)
    ) {
      return;
    }
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
            cut((error as Error).message)
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

  /**
   * Resolves once the subscriber takes commands. ioredis breaks a
   * subscription sent while it connects (the SUBSCRIBE goes out before its
   * ready check, which then fails in subscriber mode, and the subscription
   * is lost), so the bridge waits for `"ready"` in both libraries. Rejects
   * when the client ends first or the bridge closes.
   */
  const subscriberReady = (): Promise<void> => {
    if (isReady(subscriber)) return Promise.resolve();
    const ended = new Error(
      `Cannot subscribe to ${label}: the subscriber connection ended before it was ready`,
    );
    if (subscriber.status === "end") return Promise.reject(ended);
    return new Promise<void>((resolve, reject) => {
      const waiting = new Listeners();
      const done = (error?: Error) => {
        waiting.off();
        stopWaiting = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      stopWaiting = done;
      waiting.on(subscriber, "ready", () => done());
      waiting.on(subscriber, "end", () => done(ended));
      // node-redis gives up without "end": a failed attempt leaves it closed.
      waiting.on(subscriber, "error", (error) => {
        if (subscriber.isOpen === false) {
          done(new Error(ended.message, { cause: error }));
        }
      });
      // An ioredis client made with lazyConnect waits for a first command.
      // Its failure shows as "error" and "end" events, reported above.
      if (subscriber.status === "wait") {
        Promise.resolve(subscriber.connect?.()).catch(() => {});
      }
    });
  };

  return {
    name: "Redis",
    own(origin) {
      mine = `[${VERSION},${JSON.stringify(origin)},`;
    },
    send(message) {
      const text = encode(message, label);
      const published = publisher.publish(channel, text);
      if (link !== undefined) link.track(published);
      else Promise.resolve(published).catch(fail);
    },
    async listen(onData, onFail, bridgeLink) {
      receive = onData;
      fail = onFail;
      link = bridgeLink;
      const onError: RedisCallback = (error) => fail(error);
      listeners.on(publisher, "error", onError);
      listeners.on(subscriber, "error", onError);
      // ioredis: every message of every channel of the connection.
      listeners.on(subscriber, "message", (from, text) => {
        if (from === channel) decode(text);
      });
      bridgeLink.connected(canPublish(publisher));
      listeners.on(publisher, "ready", () => bridgeLink.connected(true));
      for (const event of DOWN_EVENTS) {
        listeners.on(publisher, event, () => bridgeLink.connected(false));
      }
      await subscriberReady();
      subscribing = true;
      await subscriber.subscribe(channel, onSubscribe);
      if (closed) {
        throw new Error(`Cannot subscribe to ${label}: the bridge was closed`);
      }
      // Both libraries subscribe again by themselves when they reconnect,
      // as they become ready.
      listeners.on(subscriber, "ready", () => bridgeLink.subscribed(true));
      for (const event of DOWN_EVENTS) {
        listeners.on(subscriber, event, () => bridgeLink.subscribed(false));
      }
    },
    close() {
      closed = true;
      listeners.off();
      receive = () => {};
      stopWaiting?.(
        new Error(`Cannot subscribe to ${label}: the bridge was closed`),
      );
      if (!subscribing) return;
      // The bridge waits for this at most `closeTimeout`: while Redis is
      // unreachable it settles once the client gives up or Redis is back.
      return Promise.resolve(subscriber.unsubscribe(channel, onSubscribe));
    },
  };
}

/**
 * Connects a bus to a Redis pub/sub channel. Every bus bridged to the same
 * channel of the same Redis receives what the others emit, whatever process
 * or machine it runs in; see `bridge` for the rules (no echo, no duplicates,
 * nothing delivered dropped, exact loss reports).
 *
 * Messages are JSON. A payload JSON would drop or change (a function, a
 * symbol, a `BigInt`, a cycle, `NaN`, `undefined` in an array, a `Map`, a
 * class instance without `toJSON`) makes the emit reject with a `TypeError`
 * naming the event and the path. As with `JSON.stringify`, objects with
 * `toJSON` (such as `Date`) arrive as what it returns, boxed primitives
 * (`new Number(1)`) as the primitive, `undefined` properties are left out,
 * plain objects and arrays of another realm are plain, and nesting is as
 * deep as memory allows.
 *
 * `ready` resolves once Redis confirmed the subscription. The bridge sends
 * SUBSCRIBE only once the subscriber connection is ready (ioredis loses a
 * subscription sent while it connects); `ready` rejects when that connection
 * ends first. `status` shows whether the publisher is connected, whether the
 * subscriber is subscribed (lost while it reconnects, back once it is ready
 * again: both libraries resubscribe by themselves), and how many publishes
 * wait for Redis.
 *
 * Redis pub/sub stores nothing: events published while a subscriber is
 * disconnected are lost for it, and reported (`LostEventsError`). `close()`
 * unsubscribes and resolves within `closeTimeout` even while Redis is
 * unreachable. The bridge never quits the clients: they are yours.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to connect.
 * @param clients A publishing and a subscribing connection (`ioredis` 5 or
 * `redis` 5).
 * @param options `channel` and the options of `bridge`.
 * @returns The running bridge.
 * @throws {TypeError} When a client lacks a method of `RedisClient`, both are
 * the same object, or an option has the wrong type.
 * @throws {RangeError} When a number option is out of range.
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
  for (const name of ["publisher", "subscriber"] as const) {
    checkMethods(
      clients[name],
      ["publish", "subscribe", "unsubscribe", "on", "off"],
      `clients.${name}`,
      "a Redis client with publish, subscribe, unsubscribe, on and off methods",
      action,
    );
  }
  if (publisher === subscriber) {
    // Not "must be X, got Y" of one value: the two are the same.
    throw new TypeError(
      `${action}: clients.publisher and clients.subscriber must be two connections (a subscribed connection cannot publish), got the same client twice`,
    );
  }
  const channel = (options as { channel?: unknown } | null)?.channel ??
    "arcly:bus";
  if (typeof channel !== "string" || channel === "") {
    throw invalid(action, "options.channel", "a non-empty string", channel);
  }
  const transport = transportOf(publisher, subscriber, channel);
  const running = bridge(bus, transport, options);
  transport.own(running.origin);
  return running;
}
