// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { type Delivery, EventBus } from "./mod.ts";
import { receive } from "./_receive.ts";

type Events = { a: number; b: number; "user.created": number };

/** Uses every method of the bus through `api`, and checks what they did. */
async function exercise(api: EventBus<Events>): Promise<void> {
  const {
    subscribe,
    subscribeAll,
    subscribePattern,
    unsubscribe,
    unsubscribeAll,
    unsubscribePattern,
    emit,
    emitSerial,
    waitFor,
    iterate,
    iterateAll,
    listenerCount,
    eventNames,
    clear,
    onActive,
  } = api;
  const log: string[] = [];
  const offActive = onActive("a", () => void log.push("active"));
  const listener = (n: number) => void log.push(`a ${n}`);
  subscribe("a", listener);
  const every = (event: { name: string }) =>
    void log.push(`every ${event.name}`);
  subscribeAll(every);
  const pattern = (event: { name: string }) =>
    void log.push(`user ${event.name}`);
  subscribePattern("user.*", pattern);
  const wait = waitFor("b");
  const values = iterate("a");
  const all = iterateAll();
  assert.deepEqual(eventNames(), ["a", "b"]);
  assert.equal(listenerCount(), 6);

  await emit("a", 1);
  await emitSerial("b", 2);
  await emit("user.created", 3);
  assert.equal(await wait, 2);
  assert.deepEqual(await values.next(), { done: false, value: 1 });
  assert.deepEqual(await all.next(), {
    done: false,
    value: { name: "a", payload: 1 },
  });
  assert.equal(unsubscribe("a", listener), 1);
  assert.equal(unsubscribeAll(every), 1);
  assert.equal(unsubscribePattern("user.*", pattern), 1);
  offActive();
  clear();
  assert.equal(listenerCount(), 0);
  assert.deepEqual(log, [
    "active",
    "a 1",
    "every a",
    "every b",
    "user user.created",
    "every user.created",
  ]);
}

Deno.test("EventBus methods work detached from the instance", async () => {
  await exercise(new EventBus<Events>());
});

Deno.test("EventBus methods work through a Proxy of the instance", async (t) => {
  await t.step(
    "an empty handler",
    () => exercise(new Proxy(new EventBus(), {})),
  );
  await t.step("a get trap that passes the proxy as receiver", () =>
    exercise(
      new Proxy(new EventBus(), {
        get: (target, key, receiver) => Reflect.get(target, key, receiver),
      }),
    ));
  await t.step("instanceof", () => {
    assert.ok(new Proxy(new EventBus(), {}) instanceof EventBus);
  });
});

/** The methods `exercise` calls: every method of the prototype. */
const EXERCISED = [
  "subscribe",
  "subscribeAll",
  "subscribePattern",
  "unsubscribe",
  "unsubscribeAll",
  "unsubscribePattern",
  "emit",
  "emitSerial",
  "waitFor",
  "iterate",
  "iterateAll",
  "listenerCount",
  "eventNames",
  "clear",
  "onActive",
];

Deno.test("EventBus detached and Proxy tests cover every method of the prototype", () => {
  const methods = Object.getOwnPropertyNames(EventBus.prototype)
    .filter((key) => key !== "constructor");
  assert.deepEqual(methods.sort(), EXERCISED.sort());
});

Deno.test("EventBus received events reach listeners through a Proxy of the bus", async () => {
  const bus = new Proxy(new EventBus<Events>(), {});
  const seen: Delivery[] = [];
  bus.subscribe("a", (_, delivery) => void seen.push(delivery));
  const delivery: Delivery = { local: false, id: "1", origin: "other" };
  await receive(bus, "a", 1, delivery);
  assert.deepEqual(seen, [delivery]);
});

Deno.test("EventBus binds a subclass's override of a method", async () => {
  class CountingBus extends EventBus<{ a: number }> {
    emits = 0;
    override emit(name: "a", payload: number): Promise<void> {
      this.emits++;
      return super.emit(name, payload);
    }
  }
  const bus = new CountingBus();
  const seen: number[] = [];
  bus.subscribe("a", (n) => void seen.push(n));
  const { emit } = bus;
  await emit("a", 1);
  assert.equal(bus.emits, 1);
  assert.deepEqual(seen, [1]);
});
