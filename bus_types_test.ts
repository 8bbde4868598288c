// Copyright 2026 the arcly authors. MIT license.

// Deno only: the typing of the public API, pinned by `@ts-expect-error`
// lines that `deno check` (and `deno test`) fails on when a wrong use starts
// to type-check. The assertions keep the code live; the behaviour itself is
// tested in the runtime-neutral files listed in runtime-tests/suite.ts.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import type { DottedEvents } from "./_test_util.ts";

type Events = DottedEvents & { tick: number; ready: undefined };

interface InterfaceEvents {
  "job.done": { name: string };
}

Deno.test("EventBus types reject wrong names, payloads and payload misuse", async () => {
  const bus = new EventBus<Events>();
  const iface = new EventBus<InterfaceEvents>();
  const untyped = new EventBus();
  const log: unknown[] = [];
  iface.subscribe("job.done", (job) => {
    log.push(job.name.toUpperCase());
  });
  untyped.subscribe("anything", (payload) => {
    log.push(payload);
  });
  // @ts-expect-error: unknown event name
  assert.equal(bus.listenerCount("user.updated"), 0);
  // @ts-expect-error: wrong payload type
  await bus.emit("user.created", { id: "1" });
  // @ts-expect-error: missing payload
  await bus.emit("user.created");
  bus.subscribe("user.created", (user) => {
    // @ts-expect-error: no such property on the payload
    log.push(user.name);
  });
  // @ts-expect-error: wrong event name on an interface map
  await iface.emit("job.failed", { name: "x" });
  await iface.emit("job.done", { name: "export" });
  await untyped.emit("anything", 42);
  bus.subscribeAll((event) => {
    if (event.name === "user.created") log.push(event.payload.id);
    // @ts-expect-error: ready has no id
    else if (event.name === "ready") log.push(event.payload.id);
  });
  assert.deepEqual(log.slice(0, 2), ["EXPORT", 42]);
});

Deno.test("EventBus.iterate() types its values from the event map", async () => {
  const bus = new EventBus<Events>();
  const users = bus.iterate("user.created");
  await bus.emit("user.created", { id: 1 });
  const result = await users.next();
  if (!result.done) {
    const id: number = result.value.id;
    assert.equal(id, 1);
    // @ts-expect-error: the payload has no name
    assert.equal(result.value.name, undefined);
  }
  // @ts-expect-error: unknown event
  assert.throws(() => bus.iterate(42));
  const all = bus.iterateAll();
  await bus.emit("tick", 5);
  for await (const event of all) {
    if (event.name === "tick") {
      const tick: number = event.payload;
      assert.equal(tick, 5);
      // @ts-expect-error: a tick payload is a number
      assert.equal(event.payload.id, undefined);
    }
    break;
  }
  await users.return();
});

Deno.test("EventBus.subscribePattern() types accept map prefixes and give the union of matching events", () => {
  const bus = new EventBus<Events>();
  const untyped = new EventBus();
  const log: unknown[] = [];
  bus.subscribePattern("user.*", (event) => {
    // The union of user.created, user.deleted and user.profile.updated.
    const name: "user.created" | "user.deleted" | "user.profile.updated" =
      event.name;
    log.push(name, event.payload.id);
    // @ts-expect-error: only user.profile.updated has field
    log.push(event.payload.field);
    if (event.name === "user.profile.updated") log.push(event.payload.field);
    // @ts-expect-error: "user" itself is not matched
    if (event.name === "user") log.push(event);
  });
  bus.subscribePattern("user.profile.*", (event) => {
    const name: "user.profile.updated" = event.name;
    log.push(name, event.payload.field);
  });
  bus.subscribePattern("job.*", (event) => {
    log.push(event.payload.toUpperCase());
  });
  // @ts-expect-error: no event starts with "order."
  bus.subscribePattern("order.*", () => {});
  assert.throws(() =>
    // @ts-expect-error: an exact name is not a pattern
    bus.subscribePattern("user.created", () => {})
  );
  assert.throws(() =>
    // @ts-expect-error: "user.*" is a pattern, "user*" is not
    bus.subscribePattern("user*", () => {})
  );
  // @ts-expect-error: subscribe() takes exact names only
  bus.subscribe("user.*", () => {});
  untyped.subscribePattern("anything.*", (event) => {
    const name: string = event.name;
    const payload: unknown = event.payload;
    log.push(name, payload);
  });
  assert.throws(() =>
    // @ts-expect-error: a pattern ends with ".*" even on an untyped bus
    untyped.subscribePattern("anything", () => {})
  );
  assert.equal(bus.listenerCount(), 5);
  assert.equal(untyped.listenerCount(), 1);
});

Deno.test("EventBus.emitSerial() types match emit()", async () => {
  const bus = new EventBus<Events>();
  // @ts-expect-error: wrong payload type
  await bus.emitSerial("user.created", { id: "1" });
  // @ts-expect-error: missing payload
  await bus.emitSerial("user.created");
  // @ts-expect-error: unknown event
  await bus.emitSerial("user.updated", { id: 1 });
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus onEmit types the info as a union on the event name", () => {
  const seen: unknown[] = [];
  new EventBus<Events>({
    onEmit(info) {
      if (info.name === "user.created") seen.push(info.payload.id);
      // @ts-expect-error: ready has no payload to read an id from
      else if (info.name === "ready") seen.push(info.payload.id);
      const count: number = info.listeners;
      seen.push(count);
    },
  });
  assert.deepEqual(seen, []);
});
