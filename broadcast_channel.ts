// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { EventBus } from "./bus.ts";
import {
  type Bridge,
  bridge,
  type BridgeOptions,
  type BridgeTransport,
} from "./bridge.ts";
import { checkBus, invalid, readBridgeOptions } from "./_validate.ts";

function isCloneError(error: unknown): boolean {
  // Deno throws a TypeError for a function, every engine a DOMException named
  // DataCloneError for the rest (symbols, WeakMaps, ...).
  return error instanceof TypeError ||
    (typeof error === "object" && error !== null &&
      (error as { name?: unknown }).name === "DataCloneError");
}

function transportOf(
  channel: BroadcastChannel,
  owned: boolean,
): BridgeTransport {
  const label = `BroadcastChannel ${JSON.stringify(channel.name)}`;
  let onMessage: ((event: MessageEvent) => void) | undefined;
  let onMessageError: (() => void) | undefined;
  return {
    send(message) {
      try {
        channel.postMessage(message);
      } catch (error) {
        if (!isCloneError(error)) throw error;
        throw new TypeError(
          `Cannot publish ${
            JSON.stringify(message.event)
          } on ${label}: the payload cannot be structured-cloned (${
            (error as Error).message
          })`,
          { cause: error },
        );
      }
    },
    listen(receive, fail) {
      onMessage = (event) => receive(event.data);
      onMessageError = () =>
        fail(
          new TypeError(
            `Cannot receive a message on ${label}: it could not be deserialized`,
          ),
        );
      channel.addEventListener("message", onMessage);
      channel.addEventListener("messageerror", onMessageError);
    },
    close() {
      if (onMessage !== undefined) {
        channel.removeEventListener("message", onMessage);
      }
      if (onMessageError !== undefined) {
        channel.removeEventListener("messageerror", onMessageError);
      }
      if (owned) channel.close();
    },
  };
}

/**
 * Connects a bus to a `BroadcastChannel`, the Web-standard channel between
 * the tabs, iframes and workers of one origin in browsers, the Workers of
 * one process in Deno, Bun and Node, and the isolates of a Deno Deploy app.
 * Every bus bridged to a channel of the same name receives what the others
 * emit; see `bridge` for the rules (no echo, at most once, in order per
 * publisher).
 *
 * Payloads travel by structured clone: a function, a symbol or anything else
 * `structuredClone` rejects makes the emit reject with a `TypeError` naming
 * the event. Cycles, `BigInt`, `Map`, `Set`, `Date` and typed arrays arrive
 * as copies; class instances arrive as plain objects.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to connect.
 * @param channel A channel name (the bridge opens the channel and closes it
 * with itself) or a `BroadcastChannel` you opened (the bridge listens to it
 * and leaves it open).
 * @param options `events`, `onError` and `signal`.
 * @returns The running bridge; it is ready at once.
 * @throws {TypeError} When `channel` is neither a string nor a
 * `BroadcastChannel`, or an option has the wrong type.
 *
 * @example Two buses on one channel
 * ```ts
 * import { bridgeBroadcastChannel, EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * type Events = { "cart.updated": { items: number } };
 * // In real use each bus lives in its own tab, worker or isolate.
 * const here = new EventBus<Events>();
 * const there = new EventBus<Events>();
 * using _here = bridgeBroadcastChannel(here, "shop");
 * using _there = bridgeBroadcastChannel(there, "shop");
 *
 * const update = there.waitFor("cart.updated");
 * await here.emit("cart.updated", { items: 3 });
 * assert.deepEqual(await update, { items: 3 });
 * ```
 *
 * @example A payload that cannot be cloned fails the emit
 * ```ts
 * import { bridgeBroadcastChannel, EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ job: { run: () => void } }>();
 * using _bridge = bridgeBroadcastChannel(bus, "jobs");
 * await assert.rejects(bus.emit("job", { run() {} }), (error: AggregateError) => {
 *   assert.ok(error.errors[0] instanceof TypeError);
 *   assert.match(error.errors[0].message, /^Cannot publish "job" on BroadcastChannel "jobs"/);
 *   return true;
 * });
 * ```
 */
export function bridgeBroadcastChannel<
  Events extends Record<keyof Events, unknown> = Record<string, unknown>,
>(
  bus: EventBus<Events>,
  channel: string | BroadcastChannel,
  options: BridgeOptions<Events> = {},
): Bridge {
  const action = "Cannot bridge the bus to a BroadcastChannel";
  checkBus(bus, action);
  const owned = typeof channel === "string";
  if (
    !owned &&
    (typeof channel !== "object" || channel === null ||
      typeof channel.postMessage !== "function" ||
      typeof channel.addEventListener !== "function")
  ) {
    throw invalid(
      action,
      "channel",
      "a channel name or a BroadcastChannel",
      channel,
    );
  }
  const { signal } = readBridgeOptions(options, action);
  // An already aborted signal opens nothing.
  const opened = signal?.aborted
    ? undefined
    : owned
    ? new BroadcastChannel(channel)
    : channel;
  const transport: BridgeTransport = opened === undefined
    ? { send() {}, listen() {}, close() {} }
    : transportOf(opened, owned);
  return bridge(bus, transport, options);
}
