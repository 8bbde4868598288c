// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { EventBus, type EventName } from "./mod.ts";

type Events = { a: number; b: number; c: number; "user.created": number };

Deno.test("EventBus.eventNames() lists the events with own listeners, in the order they got their first", async () => {
  const bus = new EventBus<Events>();
  assert.deepEqual(bus.eventNames(), []);
  const offB = bus.subscribe("b", () => {});
  bus.subscribe("a", () => {}, { once: true });
  const wait = bus.waitFor("c");
  const iterator = bus.iterate("user.created");
  bus.subscribeAll(() => {});
  bus.subscribePattern("user.*", () => {});
  assert.deepEqual(bus.eventNames(), ["b", "a", "c", "user.created"]);

  await bus.emit("a", 1);
  await bus.emit("c", 1);
  await wait;
  await iterator.return();
  assert.deepEqual(bus.eventNames(), ["b"]);
  offB();
  bus.subscribe("a", () => {});
  bus.subscribe("b", () => {});
  assert.deepEqual(bus.eventNames(), ["a", "b"]);
  bus.clear("a");
  assert.deepEqual(bus.eventNames(), ["b"]);
});

Deno.test("EventBus.eventNames() returns a new array each time", () => {
  const bus = new EventBus<Events>();
  bus.subscribe("a", () => {});
  const names: EventName<Events>[] = bus.eventNames();
  names.push("b");
  assert.deepEqual(bus.eventNames(), ["a"]);
  assert.notEqual(bus.eventNames(), bus.eventNames());
});
