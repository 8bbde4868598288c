// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * A bridge between a bus and a `BroadcastChannel`: buses in other tabs,
 * workers or isolates of the same origin on the same channel name see each
 * other's events. It uses the Web-standard `BroadcastChannel` only, and
 * carries payloads as structured clones; see docs/bridges.md for the trust
 * boundary (anyone who can post on the channel is trusted unless you pass a
 * `key`), the delivery rules and the limits of each runtime.
 *
 * @example One bus per worker, one channel
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridgeBroadcastChannel } from "@arcly/bus/broadcast-channel";
 * import assert from "node:assert/strict";
 *
 * const here = new EventBus<{ "cart.updated": number }>();
 * const there = new EventBus<{ "cart.updated": number }>();
 * await using _here = bridgeBroadcastChannel(here, "cart");
 * await using _there = bridgeBroadcastChannel(there, "cart");
 * const seen = there.waitFor("cart.updated");
 * await here.emit("cart.updated", 3);
 * assert.equal(await seen, 3);
 * ```
 *
 * @module
 */

import type { EventBus } from "./bus.ts";
import {
  type Bridge,
  bridge,
  type BridgeMessage,
  type BridgeOptions,
  type BridgeTransport,
} from "./bridge.ts";
import { SKIP, VERSION } from "./_bridge_protocol.ts";
import { checkBus, describe, invalid, MAX_QUOTE } from "./_validate.ts";

/** Nesting deeper than this is named as the reason a clone failed. */
const DEEP = 1000;
/** The length of a pacing window, in milliseconds. */
const WINDOW_MS = 10;
/**
 * Messages the process posts in one window before the rest wait for its end
 * and go as one, so a receiver in another thread keeps up with Deno's
 * 256-message queue.
 */
const POSTS_PER_WINDOW = 8;

function cut(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

function key(path: string, key: string, array: boolean): string {
  if (array && /^\d+$/.test(key)) return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

const REFUSED = /* @__PURE__ */ (() =>
  [
    globalThis.WeakMap,
    globalThis.WeakSet,
    globalThis.WeakRef,
    globalThis.Promise,
  ].filter((type) => typeof type === "function"))();

/**
 * Finds what structured clone refuses in `value`, the way it walks it: the
 * path and why, or `undefined` when nothing is found.
 */
function findRefusal(value: unknown): string | undefined {
  const seen = new Set<object>();
  const stack: [unknown, string, number][] = [[value, "payload", 0]];
  while (stack.length > 0) {
    const [item, path, depth] = stack.pop()!;
    if (typeof item === "function") return `${path} is a function`;
    if (typeof item === "symbol") return `${path} is a symbol`;
    if (typeof item !== "object" || item === null || seen.has(item)) continue;
    seen.add(item);
    if (depth >= DEEP) return `${path} is nested deeper than ${DEEP} levels`;
    for (const type of REFUSED) {
      if (item instanceof type) return `${path} is a ${type.name}`;
    }
    if (item instanceof Map) {
      let i = 0;
      for (const [k, v] of item) {
        stack.push([v, `${path}.get(#${i})`, depth + 1]);
        stack.push([k, `${path}.keys()[${i++}]`, depth + 1]);
      }
      continue;
    }
    if (item instanceof Set) {
      let i = 0;
      for (const v of item) {
        stack.push([v, `${path}.values()[${i++}]`, depth + 1]);
      }
      continue;
    }
    if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) continue;
    const keys = Object.keys(item);
    for (let i = keys.length - 1; i >= 0; i--) {
      const name = keys[i]!;
      let child: unknown;
      try {
        child = (item as Record<string, unknown>)[name];
      } catch (error) {
        return `${
          key(path, name, Array.isArray(item))
        } is a getter that threw (${
          cut(error instanceof Error ? error.message : describe(error))
        })`;
      }
      stack.push([child, key(path, name, Array.isArray(item)), depth + 1]);
    }
  }
  return undefined;
}

function refusal(label: string, message: BridgeMessage, error: unknown) {
  const isEvent = typeof message[3] === "string";
  const event = isEvent ? message[4] as string : "heartbeat";
  let platform: string;
  try {
    platform = error instanceof Error ? error.message : String(error);
  } catch {
    platform = "an error that cannot be shown";
  }
  const found = isEvent ? findRefusal(message[5]) : undefined;
  return new TypeError(
    cut(
      `Cannot publish ${
        JSON.stringify(cut(event))
      } on ${label}: the payload cannot be structured-cloned: ${
        found ?? "payload was refused"
      }`,
    ) + ` (${cut(platform)})`,
    { cause: error },
  );
}

// Pacing, for every bridge of this module: Deno's queue is shared by every
// channel of the process.
let posts = 0;
let windowTimer: ReturnType<typeof setTimeout> | undefined;
/** The flushes waiting for the end of the window. */
const atWindowEnd = new Set<() => void>();
/** Open transports: the last one to close stops the window. */
let open = 0;

function countPost(): void {
  posts++;
  windowTimer ??= setTimeout(endWindow, WINDOW_MS);
}

function endWindow(): void {
  windowTimer = undefined;
  posts = 0;
  const flushes = [...atWindowEnd];
  atWindowEnd.clear();
  for (const flush of flushes) flush();
}

function transportOf(
  given: BroadcastChannel,
  owned: boolean,
): BridgeTransport {
  let channel = given;
  const label = `BroadcastChannel ${JSON.stringify(cut(channel.name))}`;
  let onMessage: ((event: MessageEvent) => void) | undefined;
  let onMessageError: (() => void) | undefined;
  let fail: (error: unknown) => void = () => {};
  /** Messages to post at the end of this microtask; their emits wait. */
  let batch: BridgeMessage[] | undefined;
  let flushed: Promise<void> | undefined;
  /** Messages checked already, to post at the end of the window. */
  let later: BridgeMessage[] | undefined;
  let refused: Map<BridgeMessage, TypeError> | undefined;
  let closed = false;

  function post(data: unknown): void {
    countPost();
    channel.postMessage(data);
  }

  function flushBatch(): void {
    const messages = batch;
    batch = undefined;
    if (messages !== undefined) flush(messages);
  }

  function flushLater(): void {
    const messages = later;
    later = undefined;
    if (messages === undefined) return;
    flush(messages);
    // Nobody waits for these: a refusal, unlikely after the check, goes to
    // onError.
    for (const message of messages) {
      const error = refused?.get(message);
      if (error !== undefined) {
        refused!.delete(message);
        fail(error);
      }
    }
  }

  function flush(messages: BridgeMessage[]): void {
    if (closed) return;
    const data = messages.length === 1 ? messages[0] : messages;
    try {
      post(data);
      return;
    } catch (error) {
      if (!works()) {
        // The channel failed, not the payload: a channel closed from
        // outside, or Deno's dead channel after the last one of the
        // process closed. One we own is opened again.
        if (!owned || !reopen()) {
          fail(
            new Error(`Cannot publish on ${label}: the channel failed`, {
              cause: error,
            }),
          );
          return;
        }
        try {
          post(data);
          return;
        } catch {
          // Refused: posted one by one below.
        }
      }
    }
    // In place of each refused event goes a skip, so receivers see no gap.
    for (const message of messages) {
      try {
        post(message);
      } catch (error) {
        post([VERSION, message[1], message[2], SKIP]);
        (refused ??= new Map()).set(message, refusal(label, message, error));
      }
    }
  }

  /** Whether the channel can post at all (an empty batch always clones). */
  function works(): boolean {
    try {
      channel.postMessage([]);
      return true;
    } catch {
      return false;
    }
  }

  /** Replaces a failed channel of ours with a new one of the same name. */
  function reopen(): boolean {
    let fresh: BroadcastChannel;
    try {
      fresh = new BroadcastChannel(channel.name);
    } catch {
      return false;
    }
    detach();
    try {
      channel.close();
    } catch {
      // Already unusable.
    }
    channel = fresh;
    attach();
    return works();
  }

  function attach(): void {
    if (onMessage === undefined || onMessageError === undefined) return;
    channel.addEventListener("message", onMessage);
    channel.addEventListener("messageerror", onMessageError);
  }

  function detach(): void {
    if (onMessage === undefined || onMessageError === undefined) return;
    channel.removeEventListener("message", onMessage);
    channel.removeEventListener("messageerror", onMessageError);
  }

  return {
    name: "a BroadcastChannel",
    send(message) {
      if (later !== undefined || posts >= POSTS_PER_WINDOW) {
        // Busy: the process posted enough for this window. The payload is
        // checked now, so the emit need not wait, and every message until
        // the end of the window goes out as one.
        if (typeof message[3] === "string") {
          try {
            structuredClone(message[5]);
          } catch (error) {
            throw refusal(label, message, error);
          }
        }
        if (later === undefined) {
          later = [];
          atWindowEnd.add(flushLater);
          windowTimer ??= setTimeout(endWindow, WINDOW_MS);
        }
        later.push(message);
        return;
      }
      if (batch === undefined) {
        batch = [];
        flushed = new Promise<void>((resolve) => {
          queueMicrotask(() => {
            flushBatch();
            resolve();
          });
        });
      }
      batch.push(message);
      return flushed!.then(() => {
        const error = refused?.get(message);
        if (error === undefined) return;
        refused!.delete(message);
        throw error;
      });
    },
    listen(receive, onFail) {
      open++;
      fail = onFail;
      onMessage = (event) => {
        const data = event.data;
        // A message is an array that starts with its version, a number; a
        // batch is an array of messages (empty: the probe of `works`).
        if (Array.isArray(data) && typeof data[0] !== "number") {
          for (const message of data) receive(message);
        } else receive(data);
      };
      onMessageError = () =>
        onFail(
          new TypeError(
            `Cannot receive a message on ${label}: it could not be deserialized`,
          ),
        );
      attach();
    },
    close() {
      // What was emitted before close goes out first.
      flushBatch();
      atWindowEnd.delete(flushLater);
      flushLater();
      if (onMessage !== undefined && --open === 0) {
        clearTimeout(windowTimer);
        windowTimer = undefined;
        posts = 0;
      }
      closed = true;
      detach();
      if (owned) channel.close();
    },
  };
}

/**
 * Connects a bus to a `BroadcastChannel`, the Web-standard channel between
 * the tabs, iframes and workers of one origin in browsers, the Workers of
 * one process in Deno, Bun and Node, and the isolates of a Deno Deploy app.
 * Every bus bridged to a channel of the same name receives what the others
 * emit; see `bridge` for the rules (no echo, no duplicates, nothing
 * delivered dropped, losses reported).
 *
 * The events emitted within one microtask travel as one message, so a burst
 * does not overflow the receiving side (Deno keeps about 256 messages per
 * process for all channels and drops the oldest for a receiver that falls
 * behind). Past 32 messages in 10 ms, the process's bridges check each
 * payload at once and send all they have at the end of the 10 ms as one
 * message. The emit resolves once its batch was posted or its payload
 * checked.
 *
 * Payloads travel by structured clone: a function, a symbol, a `WeakMap`, a
 * `Promise`, a getter that throws, nesting deeper than the engine clones, or
 * anything else the engine refuses makes the emit reject with a `TypeError`
 * naming the event and the path. Cycles, `BigInt`, `Map`, `Set`, `Date` and
 * typed arrays arrive as copies; class instances arrive as plain objects.
 *
 * @typeParam Events The event map of the bus.
 * @param bus The bus to connect.
 * @param channel A channel name (the bridge opens the channel and closes it
 * with itself) or a `BroadcastChannel` you opened (the bridge listens to it
 * and leaves it open).
 * @param options See `BridgeOptions`.
 * @returns The running bridge; it is ready at once.
 * @throws {TypeError} When `channel` is neither a string nor a
 * `BroadcastChannel`, or an option has the wrong type.
 * @throws {RangeError} When a number option is out of range.
 *
 * @example Two buses on one channel
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridgeBroadcastChannel } from "@arcly/bus/broadcast-channel";
 * import assert from "node:assert/strict";
 *
 * type Events = { "cart.updated": { items: number } };
 * // In real use each bus lives in its own tab, worker or isolate.
 * const here = new EventBus<Events>();
 * const there = new EventBus<Events>();
 * await using _here = bridgeBroadcastChannel(here, "shop");
 * await using _there = bridgeBroadcastChannel(there, "shop");
 *
 * const update = there.waitFor("cart.updated");
 * await here.emit("cart.updated", { items: 3 });
 * assert.deepEqual(await update, { items: 3 });
 * ```
 *
 * @example A payload that cannot be cloned fails the emit
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import { bridgeBroadcastChannel } from "@arcly/bus/broadcast-channel";
 * import assert from "node:assert/strict";
 *
 * const bus = new EventBus<{ job: { run: () => void } }>();
 * await using _bridge = bridgeBroadcastChannel(bus, "jobs");
 * await assert.rejects(bus.emit("job", { run() {} }), (error: AggregateError) => {
 *   assert.ok(error.errors[0] instanceof TypeError);
 *   assert.match(error.errors[0].message, /^Cannot publish "job" on BroadcastChannel "jobs": .*payload\.run is a function/);
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
  const aborted = (options as { signal?: AbortSignal } | null)?.signal
    ?.aborted === true;
  const opened = aborted || !owned ? undefined : new BroadcastChannel(channel);
  const used = owned ? opened : channel;
  try {
    return bridge(
      bus,
      used === undefined
        ? { name: "a BroadcastChannel", send() {}, listen() {}, close() {} }
        : transportOf(used, owned),
      options,
    );
  } catch (error) {
    // Creating the bridge failed: leave no channel open.
    opened?.close();
    throw error;
  }
}
