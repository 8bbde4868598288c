// Copyright 2026 the arcly authors. MIT license.

// Allocation-free emits: an emit that starts no async work returns one
// shared, already resolved promise instead of making a new one, so the
// 0-listener emit allocates nothing (bench/memory.ts measures the bytes).

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";

type Events = { tick: number; other: number };

Deno.test("EventBus.emit() with no listener returns the same resolved promise each time", async () => {
  const bus = new EventBus<Events>();
  const first = bus.emit("tick", 1);
  const second = bus.emit("tick", 2);
  const third = bus.emit("other", 3);
  assert.ok(first instanceof Promise);
  assert.equal(second, first);
  assert.equal(third, first);
  assert.equal(await first, undefined);
});

Deno.test("EventBus.emit() of an event whose listeners left returns the shared promise again", async () => {
  const bus = new EventBus<Events>();
  const idle = bus.emit("tick", 0);
  const off = bus.subscribe("tick", () => {});
  off();
  assert.equal(bus.emit("tick", 1), idle);
  await idle;
});

Deno.test("EventBus.emit() with only synchronous listeners returns the shared promise", async () => {
  const bus = new EventBus<Events>();
  const idle = bus.emit("other", 0);
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) {
    bus.subscribe("tick", (n) => {
      seen.push(n);
    });
  }
  const first = bus.emit("tick", 1);
  const second = bus.emit("tick", 2);
  assert.equal(first, idle);
  assert.equal(second, idle);
  assert.equal(seen.length, 20);
  await second;
});

Deno.test("EventBus.emit() with an async listener returns a new promise that waits for it", async () => {
  const bus = new EventBus<Events>();
  const idle = bus.emit("tick", 0);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let done = false;
  bus.subscribe("tick", async () => {
    await gate;
    done = true;
  });
  const pending = bus.emit("tick", 1);
  assert.notEqual(pending, idle);
  release();
  await pending;
  assert.equal(done, true);
});
