// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * An async event bus for Deno, Bun, Node, Cloudflare Workers and browsers,
 * with no dependencies and Web-standard APIs only.
 *
 * Listeners live in per-event immutable snapshots: `emit` reads the current
 * snapshot once, starts every listener in subscription order before it
 * returns, and then waits for all of them together. Subscribing and
 * unsubscribing publish a new snapshot for the next emit, in O(1) amortised
 * time however many listeners an event has. Listener errors are never lost:
 * they reject the emit as one `AggregateError`, or go to `onError`.
 *
 * Beyond `subscribe` and `emit`: listeners of several events
 * (`subscribe(["open", "close"], …)`), of every event (`subscribeAll`) or of
 * a pattern (`subscribePattern("user.*")`), removal by reference
 * (`unsubscribe(name, listener)`), one-shot waits (`waitFor`), `for await`
 * iteration with a bounded buffer (`iterate`), serial emits (`emitSerial`),
 * setup and teardown around an event's listeners (`onActive`), introspection
 * (`eventNames`, `listenerCount`), tracing (`onEmit`) and leak warnings
 * (`maxListeners`). Every method is bound to its bus, so it works detached
 * (`const { emit } = bus`) and through a Proxy such as Vue's `reactive()`.
 *
 * Bridges carry the events of a bus to other tabs, workers and isolates
 * (`bridgeBroadcastChannel` from `@arcly/bus/broadcast-channel`), to other
 * processes (`bridgeRedis` from `@arcly/bus/redis`) or over a transport of
 * your own (`bridge` from `@arcly/bus/bridge`). They live in entries of
 * their own, so an app that does not use them does not bundle them.
 *
 * @example Quick start
 * ```ts
 * import { EventBus } from "@arcly/bus";
 * import assert from "node:assert/strict";
 *
 * type Events = {
 *   "user.created": { id: number; email: string };
 *   "user.deleted": { id: number };
 * };
 *
 * const bus = new EventBus<Events>();
 * const sent: string[] = [];
 * using _welcome = bus.subscribe("user.created", async (user) => {
 *   await Promise.resolve(); // e.g. send an email
 *   sent.push(user.email);
 * });
 *
 * await bus.emit("user.created", { id: 1, email: "ada@example.com" });
 * assert.deepEqual(sent, ["ada@example.com"]);
 * assert.equal(bus.listenerCount("user.created"), 1);
 * ```
 *
 * @module
 */

export * from "./bus.ts";
export * from "./types.ts";
export * from "./schema.ts";
