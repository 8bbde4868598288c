// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { countingSignal } from "./_test_util.ts";

type Events = {
  a: number;
  b: number;
  "user.created": number;
  "user.deleted": number;
};

Deno.test("EventBus.unsubscribe() removes every subscription of that listener on that event and counts them", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const target = (n: number) => void log.push(`target ${n}`);
  const other = (n: number) => void log.push(`other ${n}`);
  bus.subscribe("a", target);
  bus.subscribe("a", other);
  bus.subscribe("a", target);
  bus.subscribe("b", target);

  assert.equal(bus.unsubscribe("a", target), 2);
  await bus.emit("a", 1);
  await bus.emit("b", 2);
  assert.deepEqual(log, ["other 1", "target 2"]);
  assert.equal(bus.unsubscribe("a", target), 0);
  assert.equal(bus.listenerCount(), 2);
});

Deno.test("EventBus.unsubscribe() compares listeners by identity, objects included", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const onEvent = (n: number) => void log.push(`object ${n}`);
  const object = { onEvent };
  const twin = { onEvent };
  bus.subscribe("a", object);
  bus.subscribe("a", twin);
  bus.subscribe("a", onEvent);

  // The method of an object is not the object, nor is a look-alike.
  assert.equal(bus.unsubscribe("a", { onEvent }), 0);
  assert.equal(bus.unsubscribe("a", object), 1);
  assert.equal(bus.unsubscribe("a", onEvent), 1);
  await bus.emit("a", 1);
  assert.deepEqual(log, ["object 1"]);
});

Deno.test("EventBus.unsubscribe() removes once, local and signal subscriptions and releases their abort listeners", async () => {
  const bus = new EventBus<Events>();
  const { signal, listeners } = countingSignal();
  const calls: number[] = [];
  const listener = (n: number) => void calls.push(n);
  bus.subscribe("a", listener, { once: true });
  bus.subscribe("a", listener, { local: true });
  bus.subscribe("a", listener, { signal });
  bus.subscribe("a", listener, { once: true, local: true, signal });
  assert.equal(listeners(), 2);

  assert.equal(bus.unsubscribe("a", listener), 4);
  assert.equal(listeners(), 0);
  await bus.emit("a", 1);
  assert.deepEqual(calls, []);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.unsubscribe() leaves listeners of every event, patterns, waits and iterators alone", async () => {
  const bus = new EventBus<Events>();
  const listener = () => {};
  bus.subscribeAll(listener);
  bus.subscribePattern("user.*", listener);
  const wait = bus.waitFor("user.created");
  const iterator = bus.iterate("user.created");

  assert.equal(bus.unsubscribe("user.created", listener), 0);
  assert.equal(bus.listenerCount(), 4);
  await bus.emit("user.created", 7);
  assert.equal(await wait, 7);
  assert.deepEqual(await iterator.next(), { done: false, value: 7 });
  await iterator.return();
});

Deno.test("EventBus.unsubscribe() takes effect from the next emit, not the one in flight", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const second = (n: number) => void log.push(`second ${n}`);
  bus.subscribe("a", (n) => {
    log.push(`first ${n}`);
    bus.unsubscribe("a", second);
  });
  bus.subscribe("a", second);
  await bus.emit("a", 1);
  await bus.emit("a", 2);
  assert.deepEqual(log, ["first 1", "second 1", "first 2"]);
});

Deno.test("EventBus.unsubscribe() removes one name of a several-name subscription; its handle removes the rest", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const listener = (event: { name: string }) => void seen.push(event.name);
  const off = bus.subscribe(["a", "b", "user.created"], listener);

  assert.equal(bus.unsubscribe("a", listener), 1);
  await bus.emit("a", 1);
  await bus.emit("b", 2);
  assert.deepEqual(seen, ["b"]);
  assert.equal(bus.unsubscribe(["user.deleted", "b"], listener), 1);
  assert.deepEqual(bus.eventNames(), ["user.created"]);
  off();
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.unsubscribeAll() removes that listener's subscriptions of every event only", async () => {
  const bus = new EventBus<Events>();
  const names: string[] = [];
  const listener = (event: { name: string }) => void names.push(event.name);
  bus.subscribeAll(listener);
  bus.subscribeAll(listener, { once: true });
  bus.subscribeAll(() => names.push("other"));
  bus.subscribe(["a"], listener);
  bus.subscribePattern("user.*", listener);

  assert.equal(bus.unsubscribeAll(listener), 2);
  await bus.emit("a", 1);
  assert.deepEqual(names, ["a", "other"]);
  assert.equal(bus.unsubscribeAll(listener), 0);
  assert.equal(bus.listenerCount(), 3);
});

Deno.test("EventBus.unsubscribePattern() removes that listener's subscriptions of that pattern only", async () => {
  const bus = new EventBus<Events>();
  const names: string[] = [];
  const listener = (event: { name: string }) => void names.push(event.name);
  bus.subscribePattern("user.*", listener);
  bus.subscribePattern("user.*", listener);
  bus.subscribePattern("user.*", () => names.push("other"));
  bus.subscribeAll(listener);

  assert.equal(bus.unsubscribePattern("user.*", listener), 2);
  await bus.emit("user.created", 1);
  assert.deepEqual(names, ["other", "user.created"]);
  assert.equal(bus.listenerCount(), 2);
});
