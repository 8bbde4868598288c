// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { type EmitInfo, EventBus } from "./mod.ts";
import { deferred } from "./_test_util.ts";

type Events = {
  "user.created": { id: number };
  "user.deleted": { id: number };
  ready: undefined;
};

/** Replaces `performance.now` with a clock the test moves, while `fn` runs. */
async function withClock(
  fn: (clock: { now: number; reads: number }) => Promise<void>,
): Promise<void> {
  const now = performance.now;
  const clock = { now: 1000, reads: 0 };
  performance.now = () => {
    clock.reads++;
    return clock.now;
  };
  try {
    await fn(clock);
  } finally {
    performance.now = now;
  }
}

// Tracing

Deno.test("EventBus onEmit receives name, payload, listener count, start, duration and no errors after the emit settled", async () => {
  await withClock(async (clock) => {
    const infos: EmitInfo<Events>[] = [];
    const bus = new EventBus<Events>({ onEmit: (info) => infos.push(info) });
    const gate = deferred();
    bus.subscribe("user.created", () => gate.promise);
    bus.subscribePattern("user.*", () => {});
    bus.subscribeAll(() => {});
    const payload = { id: 1 };
    const done = bus.emit("user.created", payload);
    clock.now = 1042.5;
    assert.equal(infos.length, 0); // not before the listeners settled
    gate.resolve();
    await done;
    assert.deepEqual(infos, [{
      name: "user.created",
      payload,
      listeners: 3,
      start: 1000,
      duration: 42.5,
      errors: [],
      serial: false,
    }]);
    assert.equal(infos[0]!.payload, payload);
    assert.ok(Object.isFrozen(infos[0]));
    assert.ok(Object.isFrozen(infos[0]!.errors));
  });
});

Deno.test("EventBus onEmit is called before the emit's promise settles, once per emit, for emits nobody listens to too", async () => {
  const log: string[] = [];
  const bus = new EventBus<Events>({
    onEmit: (info) => log.push(`trace ${info.name} ${info.listeners}`),
  });
  await bus.emit("ready").then(() => log.push("settled"));
  bus.subscribe("ready", () => {});
  await bus.emit("ready").then(() => log.push("settled"));
  assert.deepEqual(log, [
    "trace ready 0",
    "settled",
    "trace ready 1",
    "settled",
  ]);
});

Deno.test("EventBus onEmit reports listener errors in order when the emit rejects", async () => {
  const infos: EmitInfo<Events>[] = [];
  const bus = new EventBus<Events>({ onEmit: (info) => infos.push(info) });
  const one = new Error("one");
  const two = new Error("two");
  bus.subscribe("user.created", async () => {
    await Promise.resolve();
    throw one;
  });
  bus.subscribe("user.created", () => {
    throw two;
  });
  bus.subscribe("user.created", () => {});
  const error = await bus.emit("user.created", { id: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(error.errors, [one, two]);
  assert.equal(infos.length, 1);
  assert.deepEqual(infos[0]!.errors, [one, two]);
  assert.equal(infos[0]!.listeners, 3);
});

Deno.test("EventBus onEmit reports the errors that onError took, and the emit resolves", async () => {
  const infos: EmitInfo<Events>[] = [];
  const handled: unknown[] = [];
  const bus = new EventBus<Events>({
    onError: (error) => handled.push(error),
    onEmit: (info) => infos.push(info),
  });
  const boom = new Error("boom");
  bus.subscribe("user.deleted", () => {
    throw boom;
  });
  await bus.emit("user.deleted", { id: 1 });
  assert.deepEqual(handled, [boom]);
  assert.deepEqual(infos.map((info) => info.errors), [[boom]]);
});

Deno.test("EventBus onEmit traces emitSerial with serial set", async () => {
  await withClock(async (clock) => {
    const infos: EmitInfo<Events>[] = [];
    const bus = new EventBus<Events>({ onEmit: (info) => infos.push(info) });
    const gate = deferred();
    bus.subscribe("ready", () => gate.promise);
    bus.subscribe("ready", () => Promise.reject(new Error("late")));
    const done = bus.emitSerial("ready");
    clock.now = 1010;
    gate.resolve();
    await assert.rejects(done, AggregateError);
    assert.equal(infos.length, 1);
    const info = infos[0]!;
    assert.equal(info.serial, true);
    assert.equal(info.listeners, 2);
    assert.equal(info.duration, 10);
    assert.deepEqual(
      info.errors.map((e) => (e as Error).message),
      ["late"],
    );
  });
});

Deno.test("EventBus onEmit that throws rejects the emit with what it threw, joined with a listener failure", async () => {
  const thrown = new Error("tracer down");
  const bus = new EventBus<Events>({
    onEmit: () => {
      throw thrown;
    },
  });
  await assert.rejects(bus.emit("ready"), (error) => error === thrown);
  const failure = new Error("listener");
  bus.subscribe("user.created", () => {
    throw failure;
  });
  const error = await bus.emit("user.created", { id: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof AggregateError);
  assert.equal(
    error.message,
    'onEmit threw while tracing a failed emit of "user.created"',
  );
  assert.equal(error.errors.length, 2);
  assert.ok(error.errors[0] instanceof AggregateError);
  assert.deepEqual(error.errors[0].errors, [failure]);
  assert.equal(error.errors[1], thrown);
});

Deno.test("EventBus without onEmit never reads the clock, and onEmit is not called for a non-string name", async () => {
  await withClock(async (clock) => {
    const bus = new EventBus<Events>();
    bus.subscribe("user.created", async () => {});
    bus.subscribePattern("user.*", () => {});
    await bus.emit("user.created", { id: 1 });
    await bus.emitSerial("user.created", { id: 1 });
    assert.equal(clock.reads, 0);
    let calls = 0;
    const traced = new EventBus({ onEmit: () => calls++ });
    await assert.rejects(traced.emit(1 as unknown as string), TypeError);
    assert.equal(calls, 0);
  });
});

// Leak warnings

Deno.test("EventBus maxListeners warns once per event when a subscription goes past it", () => {
  const warnings: Error[] = [];
  const bus = new EventBus<Events>({
    maxListeners: 2,
    onWarning: (warning) => warnings.push(warning),
  });
  bus.subscribe("user.created", () => {});
  bus.subscribe("user.created", () => {});
  assert.equal(warnings.length, 0);
  bus.subscribe("user.created", () => {});
  bus.subscribe("user.created", () => {});
  bus.waitFor("user.created");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.name, "MaxListenersExceededWarning");
  assert.equal(
    warnings[0]!.message,
    'Possible listener leak: 3 listeners of "user.created", more than maxListeners (2)',
  );
  // Every subscription was still added.
  assert.equal(bus.listenerCount("user.created"), 5);
  for (let i = 0; i < 3; i++) bus.subscribe("user.deleted", () => {});
  assert.deepEqual(warnings.map((w) => w.message), [
    'Possible listener leak: 3 listeners of "user.created", more than maxListeners (2)',
    'Possible listener leak: 3 listeners of "user.deleted", more than maxListeners (2)',
  ]);
});

Deno.test("EventBus maxListeners counts listeners of every event and of each pattern on their own", () => {
  const warnings: string[] = [];
  const bus = new EventBus<Events>({
    maxListeners: 1,
    onWarning: (warning) => warnings.push(warning.message),
  });
  bus.subscribe("user.created", () => {});
  bus.subscribeAll(() => {});
  bus.subscribePattern("user.*", () => {});
  assert.deepEqual(warnings, []);
  bus.subscribeAll(() => {});
  bus.subscribePattern("user.*", () => {});
  bus.iterateAll();
  assert.deepEqual(warnings, [
    "Possible listener leak: 2 listeners of every event, more than maxListeners (1)",
    'Possible listener leak: 2 listeners of pattern "user.*", more than maxListeners (1)',
  ]);
});

Deno.test("EventBus maxListeners warns again only after every subscription of the event was removed", () => {
  const warnings: string[] = [];
  const bus = new EventBus<Events>({
    maxListeners: 1,
    onWarning: (warning) => warnings.push(warning.message),
  });
  const a = bus.subscribe("ready", () => {});
  const b = bus.subscribe("ready", () => {});
  b();
  bus.subscribe("ready", () => {}); // still the same leak
  assert.equal(warnings.length, 1);
  bus.clear("ready");
  a();
  bus.subscribe("ready", () => {});
  bus.subscribe("ready", () => {});
  assert.equal(warnings.length, 2);
});

Deno.test("EventBus maxListeners never throws, even when onWarning does", () => {
  const bus = new EventBus<Events>({
    maxListeners: 1,
    onWarning: () => {
      throw new Error("logger down");
    },
  });
  bus.subscribe("ready", () => {});
  bus.subscribe("ready", () => {});
  assert.equal(bus.listenerCount("ready"), 2);
});

Deno.test("EventBus maxListeners warns through console.warn by default, and not at all without maxListeners", () => {
  const warn = console.warn;
  const logged: unknown[][] = [];
  console.warn = (...args: unknown[]) => logged.push(args);
  try {
    const quiet = new EventBus<Events>();
    for (let i = 0; i < 1000; i++) quiet.subscribe("ready", () => {});
    assert.equal(logged.length, 0);
    const bus = new EventBus<Events>({ maxListeners: 1 });
    bus.subscribe("ready", () => {});
    bus.subscribe("ready", () => {});
    bus.subscribe("ready", () => {});
  } finally {
    console.warn = warn;
  }
  assert.equal(logged.length, 1);
  const [warning] = logged[0]! as [Error];
  assert.ok(warning instanceof Error);
  assert.equal(warning.name, "MaxListenersExceededWarning");
  assert.equal(
    warning.message,
    'Possible listener leak: 2 listeners of "ready", more than maxListeners (1)',
  );
});
