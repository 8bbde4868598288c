// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { type Delivery, EventBus, type NamedEvent } from "./mod.ts";
import { receive } from "./_receive.ts";
import { countingSignal } from "./_test_util.ts";

type Events = { open: { port: number }; close: string; other: boolean };

const REMOTE: Delivery = Object.freeze({ local: false, id: "1", origin: "x" });

Deno.test("EventBus.subscribe() with several names hands one listener each event as a frozen { name, payload }", async () => {
  const bus = new EventBus<Events>();
  const seen: [NamedEvent<Events, "open" | "close">, Delivery][] = [];
  const off = bus.subscribe(["open", "close", "open"], (event, delivery) => {
    seen.push([event, delivery]);
  });
  assert.equal(bus.listenerCount("open"), 1);
  assert.equal(bus.listenerCount("close"), 1);
  await bus.emit("close", "bye");
  await bus.emit("other", true);
  await bus.emit("open", { port: 80 });
  assert.deepEqual(seen.map(([event]) => event), [
    { name: "close", payload: "bye" },
    { name: "open", payload: { port: 80 } },
  ]);
  assert.ok(
    seen.every(([event, delivery]) => Object.isFrozen(event) && delivery.local),
  );
  off();
  off();
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.subscribe() with several names and once runs for the first of them only", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.subscribe(["open", "close"], (event) => {
    seen.push(event.name);
  }, { once: true });
  await bus.emit("open", { port: 1 });
  await bus.emit("close", "bye");
  await bus.emit("open", { port: 2 });
  assert.deepEqual(seen, ["open"]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.subscribe() with several names follows signal and local on every name", async () => {
  const bus = new EventBus<Events>();
  const { signal, listeners } = countingSignal();
  const seen: string[] = [];
  const off = bus.subscribe(["open", "close"], (event) => {
    seen.push(event.name);
  }, { signal, local: true });
  assert.equal(listeners(), 1);
  await receive(bus, "close", "remote", REMOTE);
  await bus.emit("close", "local");
  assert.deepEqual(seen, ["close"]);
  off();
  assert.equal(listeners(), 0);

  const controller = new AbortController();
  bus.subscribe(["open", "close"], () => {}, { signal: controller.signal });
  controller.abort();
  assert.equal(bus.listenerCount(), 0);
  bus.subscribe(["open"], () => {}, { signal: AbortSignal.abort() });
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.waitFor() with several names resolves with the first matching event and leaves every name", async () => {
  const bus = new EventBus<Events>();
  const wait = bus.waitFor(["open", "close"], {
    filter: (event) => event.name === "close" || event.payload.port > 1,
  });
  assert.deepEqual(bus.eventNames(), ["open", "close"]);
  await bus.emit("open", { port: 1 });
  await bus.emit("open", { port: 2 });
  assert.deepEqual(await wait, { name: "open", payload: { port: 2 } });
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.waitFor() with several names rejects when aborted or cleared", async () => {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const aborted = bus.waitFor(["open", "close"], { signal: controller.signal });
  controller.abort();
  await assert.rejects(aborted, { name: "AbortError" });
  const cleared = bus.waitFor(["open", "close"]);
  bus.clear("close");
  await assert.rejects(cleared, {
    message: 'Stopped waiting for "open", "close": the bus was cleared',
  });
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.iterate() with several names yields their events in emit order and leaves every name", async () => {
  const bus = new EventBus<Events>();
  const events = bus.iterate(["close", "open"], { bufferSize: 2 });
  await bus.emit("open", { port: 1 });
  await bus.emit("other", false);
  await bus.emit("close", "bye");
  const seen: NamedEvent<Events, "open" | "close">[] = [];
  for await (const event of events) {
    seen.push(event);
    if (event.name === "close") break;
  }
  assert.deepEqual(seen, [
    { name: "open", payload: { port: 1 } },
    { name: "close", payload: "bye" },
  ]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.iterate() with several names ends after its buffer when clear() removes one name", async () => {
  const bus = new EventBus<Events>();
  const events = bus.iterate(["close", "open"]);
  await bus.emit("close", "bye");
  bus.clear("open");
  assert.equal(bus.listenerCount(), 0);
  assert.deepEqual(await events.next(), {
    done: false,
    value: { name: "close", payload: "bye" },
  });
  assert.deepEqual(await events.next(), { done: true, value: undefined });
});

Deno.test("EventBus several-name types narrow the payload on the name", async () => {
  const bus = new EventBus<Events>();
  bus.subscribe(["open", "close"], (event) => {
    if (event.name === "open") {
      const port: number = event.payload.port;
      void port;
    } else {
      const reason: string = event.payload;
      void reason;
    }
  });
  // @ts-expect-error: not an event of the map
  assert.throws(() => bus.subscribe(["open", "nope"], 1), TypeError);
  const wait = bus.waitFor(["close"]);
  await bus.emit("close", "bye");
  const event: { name: "close"; payload: string } = await wait;
  assert.equal(event.payload, "bye");
});
