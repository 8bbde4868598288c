// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { countingSignal, drain } from "./_test_util.ts";

type Events = {
  tick: number;
  "user.created": { id: number };
  ready: undefined;
};

Deno.test("EventBus.iterate() yields payloads in order, buffering those emitted before the first read", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  assert.equal(bus.listenerCount("tick"), 1);
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  assert.equal(ticks.buffered, 2);
  assert.deepEqual(await ticks.next(), { done: false, value: 1 });
  assert.deepEqual(await ticks.next(), { done: false, value: 2 });
  const later = ticks.next();
  await bus.emit("tick", 3);
  assert.deepEqual(await later, { done: false, value: 3 });
  assert.equal(ticks.buffered, 0);
  await ticks.return();
});

Deno.test("EventBus.iterate() returns its own async iterator, so for await reads the same queue", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  assert.equal(ticks[Symbol.asyncIterator](), ticks);
  await ticks.return();
});

Deno.test("EventBus.iterate() resolves concurrent reads in order with the payload itself", async () => {
  const bus = new EventBus<Events>();
  const users = bus.iterate("user.created");
  const reads = [users.next(), users.next(), users.next()];
  const a = { id: 1 };
  const b = { id: 2 };
  await bus.emit("user.created", a);
  await bus.emit("user.created", b);
  await users.return();
  const [first, second, third] = await Promise.all(reads);
  assert.equal(first!.value, a);
  assert.equal(second!.value, b);
  assert.deepEqual(third, { done: true, value: undefined });
});

Deno.test("EventBus.iterate() unsubscribes at once on break or throw, and the emit never waits for the consumer", async () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  const ticks = bus.iterate("tick");
  // Only an iterator listens: the emit resolves with the shared promise,
  // before the consumer has read anything.
  assert.equal(bus.emit("tick", 1), bus.emit("tick", 2));
  for await (const tick of ticks) {
    seen.push(tick);
    if (tick === 2) {
      break;
    }
  }
  assert.equal(bus.listenerCount("tick"), 0);
  assert.deepEqual(seen, [1, 2]);
  await bus.emit("tick", 3);
  assert.deepEqual(await ticks.next(), { done: true, value: undefined });

  const failure = new Error("consumer failed");
  const more = bus.iterate("tick");
  await bus.emit("tick", 4);
  await assert.rejects(
    (async () => {
      for await (const _ of more) throw failure;
    })(),
    (error) => error === failure,
  );
  assert.equal(bus.listenerCount("tick"), 0);
});

Deno.test("EventBus.iterate() return() drops the buffer, ends pending reads and releases the signal", async () => {
  const bus = new EventBus<Events>();
  const { signal, listeners } = countingSignal();
  const ticks = bus.iterate("tick", { signal });
  assert.equal(listeners(), 1);
  const pending = ticks.next();
  await bus.emit("tick", 1);
  assert.deepEqual(await pending, { done: false, value: 1 });
  await bus.emit("tick", 2);
  const result = await ticks.return();
  assert.deepEqual(result, { done: true, value: undefined });
  assert.equal(ticks.buffered, 0);
  assert.equal(bus.listenerCount(), 0);
  assert.equal(listeners(), 0);
  assert.deepEqual(await ticks.next(), { done: true, value: undefined });
  assert.deepEqual(await ticks.return(), { done: true, value: undefined });
});

Deno.test("EventBus.iterate() is AsyncDisposable: Symbol.asyncDispose ends it like return()", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  const pending = ticks.next();
  await ticks[Symbol.asyncDispose]();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.equal(bus.listenerCount("tick"), 0);
  await ticks[Symbol.asyncDispose]();
});

Deno.test("EventBus.iterate() with drop-oldest keeps the newest bufferSize payloads", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick", { bufferSize: 3, overflow: "drop-oldest" });
  for (let i = 1; i <= 5; i++) await bus.emit("tick", i);
  assert.equal(ticks.buffered, 3);
  assert.deepEqual(await drain(ticks), [3, 4, 5]);
  assert.equal(bus.listenerCount("tick"), 1);
  await ticks.return();
});

Deno.test("EventBus.iterate() with drop-newest keeps the first bufferSize payloads", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick", { bufferSize: 3, overflow: "drop-newest" });
  for (let i = 1; i <= 5; i++) await bus.emit("tick", i);
  assert.equal(ticks.buffered, 3);
  assert.deepEqual(await drain(ticks), [1, 2, 3]);
  await bus.emit("tick", 6);
  assert.deepEqual(await ticks.next(), { done: false, value: 6 });
  await ticks.return();
});

Deno.test("EventBus.iterate() with overflow error fails once, unsubscribed and emptied, then is done", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick", { bufferSize: 3, overflow: "error" });
  for (let i = 1; i <= 3; i++) await bus.emit("tick", i);
  assert.equal(bus.listenerCount("tick"), 1);
  await bus.emit("tick", 4); // the emit itself succeeds
  assert.equal(bus.listenerCount("tick"), 0);
  assert.equal(ticks.buffered, 0);
  await assert.rejects(ticks.next(), {
    name: "Error",
    message: 'Iterator of "tick" overflowed: its buffer of 3 events was full',
  });
  assert.deepEqual(await ticks.next(), { done: true, value: undefined });
});

Deno.test("EventBus.iterate() defaults to a buffer of 1024 and the error policy", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  for (let i = 0; i < 1024; i++) await bus.emit("tick", i);
  assert.equal(ticks.buffered, 1024);
  await bus.emit("tick", 1024);
  await assert.rejects(ticks.next(), {
    message:
      'Iterator of "tick" overflowed: its buffer of 1024 events was full',
  });
});

Deno.test("EventBus.iterate() rejects a pending read with signal.reason when aborted and unsubscribes", async () => {
  const bus = new EventBus<Events>();
  const { controller, signal, listeners } = countingSignal();
  const ticks = bus.iterate("tick", { signal });
  const pending = ticks.next();
  const second = ticks.next();
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
  assert.deepEqual(await second, { done: true, value: undefined });
  assert.equal(bus.listenerCount(), 0);
  assert.equal(listeners(), 0);
  assert.deepEqual(await ticks.next(), { done: true, value: undefined });
});

Deno.test("EventBus.iterate() aborted with buffered payloads drops them and rejects the next read", async () => {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const ticks = bus.iterate("tick", { signal: controller.signal });
  await bus.emit("tick", 1);
  controller.abort();
  assert.equal(ticks.buffered, 0);
  await assert.rejects(ticks.next(), { name: "AbortError" });
  assert.deepEqual(await ticks.next(), { done: true, value: undefined });
});

Deno.test("EventBus.iterate() with an already aborted signal subscribes nothing and rejects the first read", async () => {
  const bus = new EventBus<Events>();
  const reason = new Error("gone");
  const ticks = bus.iterate("tick", { signal: AbortSignal.abort(reason) });
  assert.equal(bus.listenerCount(), 0);
  await bus.emit("tick", 1);
  assert.equal(ticks.buffered, 0);
  await assert.rejects(ticks.next(), (error) => error === reason);
  assert.deepEqual(await ticks.next(), { done: true, value: undefined });
});

Deno.test("EventBus.iterate() ends after its buffered payloads when clear() removes it", async () => {
  const bus = new EventBus<Events>();
  const { signal, listeners } = countingSignal();
  const ticks = bus.iterate("tick", { signal });
  const idle = bus.iterate("tick");
  const waiting = idle.next();
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  bus.clear("tick");
  assert.equal(listeners(), 0);
  await bus.emit("tick", 3);
  assert.deepEqual(await waiting, { done: false, value: 1 });
  const seen: number[] = [];
  for await (const tick of ticks) seen.push(tick);
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(await idle.next(), { done: false, value: 2 });
  assert.deepEqual(await idle.next(), { done: true, value: undefined });
});

Deno.test("EventBus.iterate() ends a pending read when clear() removes it", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  const pending = ticks.next();
  bus.clear();
  assert.deepEqual(await pending, { done: true, value: undefined });
});

Deno.test("EventBus.iterateAll() yields every event as a frozen { name, payload }", async () => {
  const bus = new EventBus<Events>();
  const events = bus.iterateAll({ bufferSize: 10 });
  await bus.emit("tick", 1);
  await bus.emit("user.created", { id: 7 });
  await bus.emit("ready");
  const seen: unknown[] = [];
  for await (const event of events) {
    assert.ok(Object.isFrozen(event));
    seen.push(event);
    if (event.name === "ready") break;
  }
  assert.deepEqual(seen, [
    { name: "tick", payload: 1 },
    { name: "user.created", payload: { id: 7 } },
    { name: "ready", payload: undefined },
  ]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.iterateAll() overflows like iterate()", async () => {
  const bus = new EventBus<Events>();
  const events = bus.iterateAll({ bufferSize: 1 });
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  await assert.rejects(events.next(), {
    message:
      "Iterator of every event overflowed: its buffer of 1 event was full",
  });
  assert.equal(bus.listenerCount(), 0);
});
