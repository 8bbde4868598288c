// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { deferred } from "./_test_util.ts";

type Events = {
  "user.created": { id: number };
  ready: undefined;
};

/** Lets every pending promise job run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

Deno.test("EventBus.emitSerial() starts each listener only after the previous one settled", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const first = deferred();
  const second = deferred();
  bus.subscribe("user.created", async (user) => {
    log.push(`a start ${user.id}`);
    await first.promise;
    log.push(`a end ${user.id}`);
  });
  bus.subscribe("user.created", async (user) => {
    log.push(`b start ${user.id}`);
    await second.promise;
    log.push(`b end ${user.id}`);
  });
  bus.subscribe("user.created", (user) => {
    log.push(`c ${user.id}`);
  });
  let settled = false;
  const done = bus.emitSerial("user.created", { id: 1 }).then(() => {
    settled = true;
  });
  assert.deepEqual(log, ["a start 1"]); // the first starts synchronously
  await flush();
  assert.deepEqual(log, ["a start 1"]);
  first.resolve();
  await flush();
  assert.deepEqual(log, ["a start 1", "a end 1", "b start 1"]);
  assert.equal(settled, false);
  second.resolve();
  await done;
  assert.deepEqual(log, [
    "a start 1",
    "a end 1",
    "b start 1",
    "b end 1",
    "c 1",
  ]);
});

Deno.test("EventBus.emitSerial() runs own, pattern and every-event listeners in emit's order", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribeAll(async (event) => {
    await Promise.resolve();
    log.push(`all ${event.name}`);
  });
  bus.subscribePattern("user.*", async (event) => {
    await Promise.resolve();
    log.push(`pattern ${event.name}`);
  });
  bus.subscribe("user.created", async () => {
    await Promise.resolve();
    log.push("own");
  });
  await bus.emitSerial("user.created", { id: 1 });
  assert.deepEqual(log, ["own", "pattern user.created", "all user.created"]);
});

Deno.test("EventBus.emitSerial() runs every listener when some fail and rejects with their errors in order", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const thenable = {
    then(_: unknown, reject: (error: unknown) => void) {
      log.push("thenable");
      reject(new Error("foreign"));
    },
  };
  bus.subscribe("user.created", () => {
    log.push("throws");
    throw new Error("sync");
  });
  bus.subscribe("user.created", async () => {
    log.push("rejects");
    await Promise.resolve();
    throw new Error("async");
  });
  bus.subscribe("user.created", () => thenable);
  bus.subscribe("user.created", () => {
    log.push("last");
  });
  const error = await bus.emitSerial("user.created", { id: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof AggregateError);
  assert.equal(error.message, '3 listeners of "user.created" failed');
  assert.deepEqual(
    error.errors.map((e: Error) => e.message),
    ["sync", "async", "foreign"],
  );
  assert.deepEqual(log, ["throws", "rejects", "thenable", "last"]);
});

Deno.test("EventBus.emitSerial() hands errors to onError in order and resolves", async () => {
  const seen: string[] = [];
  const bus = new EventBus<Events>({
    onError(error, event) {
      seen.push(`${event.name} ${(error as Error).message}`);
    },
  });
  bus.subscribe("user.created", () => Promise.reject(new Error("one")));
  bus.subscribe("user.created", () => {
    throw new Error("two");
  });
  await bus.emitSerial("user.created", { id: 1 });
  assert.deepEqual(seen, ["user.created one", "user.created two"]);
});

Deno.test("EventBus.emitSerial() keeps its snapshot: added listeners wait for the next emit, removed ones still run", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  let offLast = () => {};
  bus.subscribe("user.created", async () => {
    await Promise.resolve();
    offLast();
    bus.subscribe("user.created", (u) => {
      log.push(`late ${u.id}`);
    }, { once: true });
  }, { once: true });
  offLast = bus.subscribe("user.created", (user) => {
    log.push(`removed ${user.id}`);
  });
  await bus.emitSerial("user.created", { id: 1 });
  await bus.emitSerial("user.created", { id: 2 });
  assert.deepEqual(log, ["removed 1", "late 2"]);
});

Deno.test("EventBus.emitSerial() without listeners resolves, and a payload-less event needs no payload", async () => {
  const bus = new EventBus<Events>();
  await bus.emitSerial("ready");
  let called = 0;
  bus.subscribe("ready", () => {
    called++;
  });
  await bus.emitSerial("ready");
  assert.equal(called, 1);
});

Deno.test("EventBus.emitSerial() calls a function listener with this undefined", async () => {
  const bus = new EventBus<Events>();
  const seen: unknown[] = [];
  bus.subscribe("ready", function (this: unknown) {
    seen.push(this);
  });
  bus.subscribeAll(function (this: unknown) {
    seen.push(this);
  });
  await bus.emitSerial("ready");
  assert.deepEqual(seen, [undefined, undefined]);
});
