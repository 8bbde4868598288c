// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// The typed browser build, as a browser user gets it: `deno task build`
// writes dist/mod.js and its declarations, run.ts type-checks this file
// against dist/mod.d.ts with tsc (tsconfig.json here) and the Chromium host
// runs the output with "@arcly/bus" mapped to /dist/mod.js. `deno test` runs
// it too, against the sources (deno.json maps "@arcly/bus" to ./mod.ts).
import assert from "node:assert/strict";
import { type EmitInfo, EventBus } from "@arcly/bus";

type Events = {
  "user.created": { id: number };
  "user.deleted": { id: number };
  ready: undefined;
};

Deno.test("dist/mod.js runs with the types of dist/mod.d.ts", async () => {
  const traced: EmitInfo<Events>[] = [];
  const bus = new EventBus<Events>({ onEmit: (info) => traced.push(info) });
  const seen: string[] = [];
  bus.subscribe("user.created", (user) => {
    seen.push(`created ${user.id}`);
  });
  bus.subscribePattern("user.*", (event) => {
    seen.push(`pattern ${event.name} ${event.payload.id}`);
  });
  // @ts-expect-error: the payload of user.created is { id: number }
  bus.subscribe("user.created", (user: string) => user);
  const events = bus.iterate("user.deleted");
  await bus.emit("user.created", { id: 1 });
  await bus.emit("user.deleted", { id: 2 });
  await bus.emit("ready");
  const next = await events.next();
  assert.deepEqual(next, { done: false, value: { id: 2 } });
  assert.deepEqual(seen, [
    "created 1",
    "pattern user.created 1",
    "pattern user.deleted 2",
  ]);
  assert.deepEqual(traced.map((info) => info.name), [
    "user.created",
    "user.deleted",
    "ready",
  ]);
  await events.return();
});
