// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Delivery } from "./types.ts";

/**
 * The key of the `EventBus` method that emits a received event: a registered
 * symbol, so a bridge from another copy of this library can use it too.
 */
export const RECEIVE: unique symbol = Symbol.for("@arcly/bus.receive") as never;

/** What `RECEIVE` names on a bus. */
type Receive = (
  name: string,
  payload: unknown,
  delivery: Delivery,
) => Promise<void>;

/**
 * Emits an event that a bridge received on `bus`, so its listeners get
 * `delivery` (with `local: false`) as their second argument. A bus without
 * the method (an object that only looks like an `EventBus`) gets a plain
 * emit.
 */
export function receive(
  bus: { emit(name: string, payload?: unknown): Promise<void> },
  name: string,
  payload: unknown,
  delivery: Delivery,
): Promise<void> {
  const method = (bus as unknown as Record<symbol, unknown>)[RECEIVE];
  return typeof method === "function"
    ? (method as Receive).call(bus, name, payload, delivery)
    : bus.emit(name, payload);
}
