// Copyright 2026 the arcly authors. MIT license.

// Pairs of Redis connections for the Redis bridge tests and benchmark, from
// either library, closed by `await using`.

import { Redis, type RedisOptions } from "npm:ioredis@5.11.1";
import { createClient } from "npm:redis@5.12.1";
import type { RedisClient } from "../redis.ts";

/** The two client libraries the bridge supports. */
export type RedisKind = "ioredis" | "node-redis";

/** The libraries, for tests that run once with each. */
export const KINDS: readonly RedisKind[] = ["ioredis", "node-redis"];

/** A publisher and a subscriber, as a user would hand them to the bridge. */
export interface RedisPair extends AsyncDisposable {
  readonly kind: RedisKind;
  readonly publisher: RedisClient;
  readonly subscriber: RedisClient;
  /** The Redis connection id of the publisher, for CLIENT KILL ID. */
  publisherId(): Promise<number>;
  /** Subscribes `listener` to `channel` on the subscriber's connection. */
  record(channel: string, listener: (text: string) => void): Promise<void>;
  /** Closes both connections. */
  close(): Promise<void>;
}

/** Options of `redisPair`. */
export interface PairOptions {
  /** Connect before returning (default true). */
  connect?: boolean;
  /** Milliseconds between reconnection attempts (default 50). */
  retryDelay?: number;
  /** Give up after this many failed attempts (default never). */
  retries?: number;
}

/** Two connections of one library to the server on `port`. */
export async function redisPair(
  kind: RedisKind,
  port: number,
  options: PairOptions = {},
): Promise<RedisPair> {
  const { connect = true, retryDelay = 50, retries = Infinity } = options;
  if (kind === "ioredis") {
    const settings: RedisOptions = {
      host: "127.0.0.1",
      port,
      lazyConnect: !connect,
      retryStrategy: (times) => times > retries ? null : retryDelay,
    };
    const publisher = new Redis(settings);
    const subscriber = new Redis(settings);
    // ioredis logs unhandled "error" events; the bridge reports them.
    publisher.on("error", () => {});
    subscriber.on("error", () => {});
    if (connect) {
      await Promise.all([
        ready(publisher as unknown as RedisClient),
        ready(subscriber as unknown as RedisClient),
      ]);
    }
    const close = async () => {
      publisher.disconnect();
      subscriber.disconnect();
      await Promise.resolve();
    };
    return {
      kind,
      publisher: publisher as unknown as RedisClient,
      subscriber: subscriber as unknown as RedisClient,
      publisherId: async () => Number(await publisher.client("ID")),
      async record(channel, listener) {
        subscriber.on("message", (from: string, text: string) => {
          if (from === channel) listener(text);
        });
        await subscriber.subscribe(channel);
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  }
  const publisher = createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: {
      reconnectStrategy: (attempts: number) =>
        attempts > retries ? false : retryDelay,
    },
  });
  const subscriber = publisher.duplicate();
  // node-redis throws "error" events nobody listens to.
  publisher.on("error", () => {});
  subscriber.on("error", () => {});
  if (connect) await Promise.all([publisher.connect(), subscriber.connect()]);
  const close = async () => {
    for (const client of [publisher, subscriber]) {
      if (client.isOpen) client.destroy();
    }
    await Promise.resolve();
  };
  return {
    kind,
    publisher: publisher as unknown as RedisClient,
    subscriber: subscriber as unknown as RedisClient,
    publisherId: async () => Number(await publisher.clientId()),
    async record(channel, listener) {
      await subscriber.subscribe(channel, listener);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Resolves once `client` takes commands. */
export function ready(client: RedisClient): Promise<void> {
  if (client.status === "ready" || client.isReady === true) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      client.off("ready", done);
      resolve();
    };
    client.on("ready", done);
  });
}

/** A plain ioredis connection for probes and forged messages. */
export function rawClient(port: number): Redis & AsyncDisposable {
  const client = new Redis({ host: "127.0.0.1", port });
  client.on("error", () => {});
  return Object.assign(client, {
    [Symbol.asyncDispose]: () => {
      client.disconnect();
      return Promise.resolve();
    },
  });
}
