// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import type { Delivery } from "./types.ts";

// A durable transport acks an entry only when its delivery succeeded, and a
// delivery whose errors `onError` took still failed. The emit's promise cannot
// tell (it resolves), so the transport registers an observer on the delivery
// object it hands to `receive`, and the dispatcher calls it with every
// listener error before `onError` sees them.

type Observer = (errors: readonly unknown[]) => void;

const observers: WeakMap<Delivery, Observer> = new WeakMap();

/**
 * Has `observer` called once the listeners of the received emit made with
 * `delivery` settled, with their errors (empty when all succeeded), whether
 * `onError` takes them or not. `delivery` must be an object of its own.
 */
export function observeErrors(delivery: Delivery, observer: Observer): void {
  observers.set(delivery, observer);
}

/** Called by the dispatcher when the listeners of an emit settled. */
export function settled(delivery: Delivery, errors: readonly unknown[]): void {
  if (delivery.local) return;
  const observer = observers.get(delivery);
  if (observer === undefined) return;
  observers.delete(delivery);
  observer(errors);
}
