// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { type Delivery, EventBus } from "./mod.ts";
import { receive } from "./_receive.ts";

type Events = { "user.created": number; other: string };

const REMOTE: Delivery = Object.freeze({
  local: false,
  id: "event-1",
  origin: "bus-b",
});

/** Subscribes one listener of each kind that records what it was handed. */
function recordAll(bus: EventBus<Events>, seen: [string, Delivery][]) {
  bus.subscribe("user.created", (_, d) => void seen.push(["own", d]));
  bus.subscribe("user.created", {
    onEvent(_, d) {
      seen.push(["object", d]);
    },
  });
  bus.subscribe("user.created", (_, d) => void seen.push(["once", d]), {
    once: true,
  });
  bus.subscribePattern("user.*", (_, d) => void seen.push(["pattern", d]));
  bus.subscribeAll((_, d) => void seen.push(["every", d]));
}

Deno.test("EventBus listeners get the delivery as their second argument on every path", async (t) => {
  const paths: [string, (bus: EventBus<Events>) => Promise<void>][] = [
    ["emit", (bus) => bus.emit("user.created", 1)],
    ["emitSerial", (bus) => bus.emitSerial("user.created", 1)],
    ["received", (bus) => receive(bus, "user.created", 1, REMOTE)],
  ];
  for (const traced of [false, true]) {
    for (const [path, run] of paths) {
      await t.step(`${path}${traced ? " with onEmit" : ""}`, async () => {
        const bus = new EventBus<Events>(traced ? { onEmit() {} } : {});
        const seen: [string, Delivery][] = [];
        recordAll(bus, seen);
        await run(bus);
        assert.deepEqual(seen.map(([kind]) => kind), [
          "own",
          "object",
          "once",
          "pattern",
          "every",
        ]);
        const expected = path === "received" ? REMOTE : { local: true };
        for (const [, delivery] of seen) {
          assert.deepEqual(delivery, expected);
          assert.ok(Object.isFrozen(delivery));
        }
        if (path === "received") assert.equal(seen[0]![1], REMOTE);
      });
    }
  }
});

Deno.test("EventBus.subscribe() with local: true skips received events", async (t) => {
  for (const kind of ["subscribe", "pattern", "every"] as const) {
    await t.step(kind, async () => {
      const bus = new EventBus<Events>();
      const seen: string[] = [];
      const listener = (_event: unknown, d: Delivery) =>
        void seen.push(`${d.local ? "local" : "received"}`);
      if (kind === "subscribe") {
        bus.subscribe("user.created", listener, { local: true });
      } else if (kind === "pattern") {
        bus.subscribePattern("user.*", listener, { local: true });
      } else {
        bus.subscribeAll(listener, { local: true });
      }
      await receive(bus, "user.created", 1, REMOTE);
      await bus.emit("user.created", 2);
      await receive(bus, "user.created", 3, REMOTE);
      assert.deepEqual(seen, ["local"]);
      assert.equal(bus.listenerCount(), 1);
    });
  }
});

Deno.test("EventBus.subscribe() with once and local: true is not used up by a received event", async () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  bus.subscribe("user.created", (n) => void seen.push(n), {
    once: true,
    local: true,
  });
  await receive(bus, "user.created", 1, REMOTE);
  assert.equal(bus.listenerCount("user.created"), 1);
  await bus.emit("user.created", 2);
  await bus.emit("user.created", 3);
  assert.deepEqual(seen, [2]);
  assert.equal(bus.listenerCount("user.created"), 0);
});

Deno.test("receive() falls back to emit on an object without the receive method", async () => {
  const calls: unknown[][] = [];
  const fake = {
    emit(...args: unknown[]) {
      calls.push(args);
      return Promise.resolve();
    },
  };
  await receive(fake, "other", "x", REMOTE);
  assert.deepEqual(calls, [["other", "x"]]);
});
