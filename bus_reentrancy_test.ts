// Copyright 2026 the arcly authors. MIT license.

// Re-entrancy: listeners that emit, unsubscribe or clear while the emit that
// called them is in flight.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { DEEP, noUnhandledRejections } from "./_test_util.ts";

const DEPTH = DEEP ? 100_000 : 10_000;

Deno.test(
  `EventBus.emit() re-emitted after an await in the listener reaches depth ${DEPTH} without overflow or deadlock`,
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const reached: number[] = [];
    bus.subscribe("e", async (n) => {
      await null;
      reached.push(n);
      if (n < DEPTH) await bus.emit("e", n + 1);
    });
    await bus.emit("e", 1);
    assert.equal(reached.length, DEPTH);
    assert.equal(reached[DEPTH - 1], DEPTH);
    assert.equal(bus.listenerCount("e"), 1);
  }),
);

Deno.test(
  `EventBus.emit() carries an error from depth ${DEPTH} of awaited re-emits up to the outermost emit`,
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const bottom = new Error("bottom");
    bus.subscribe("e", async (n) => {
      await null;
      if (n === DEPTH) throw bottom;
      await bus.emit("e", n + 1);
    });
    const error = await bus.emit("e", 1).then(
      () => assert.fail("resolved"),
      (error: unknown) => error,
    );
    let level = 1;
    let cause = error;
    while (cause instanceof AggregateError) {
      assert.equal(cause.errors.length, 1);
      assert.equal(cause.message, '1 listener of "e" failed');
      cause = cause.errors[0];
      level++;
    }
    assert.equal(cause, bottom);
    assert.equal(level, DEPTH + 1);
  }),
);

Deno.test(
  "EventBus.emit() re-emitted synchronously from a listener works 500 deep; a stack overflow deeper is an error of the emit, and the bus stays intact",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    let limit = 500;
    let deepest = 0;
    bus.subscribe("e", (n) => {
      deepest = n;
      // Returned, so each emit waits for the one it started.
      return n < limit ? bus.emit("e", n + 1) : undefined;
    });
    await bus.emit("e", 1);
    assert.equal(deepest, 500);

    limit = 1_000_000;
    const error = await bus.emit("e", 1).then(
      () => assert.fail("resolved"),
      (error: unknown) => error,
    );
    let cause = error;
    while (cause instanceof AggregateError) cause = cause.errors[0];
    assert.ok(cause instanceof RangeError, String(cause));
    assert.ok(deepest > 500 && deepest < limit, String(deepest));

    assert.equal(bus.listenerCount(), 1);
    limit = 3;
    await bus.emit("e", 1);
    assert.equal(deepest, 3);
  }),
);

Deno.test(
  "EventBus.emit() still calls every listener when one unsubscribes all the others mid-emit, and only that one afterwards",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const calls: string[] = [];
    const offs: (() => void)[] = [];
    const add = (label: string, body: () => unknown = () => {}) => {
      offs.push(bus.subscribe("e", (n) => {
        calls.push(`${label}${n}`);
        return body();
      }));
    };
    add("a");
    add("b", async () => {
      await null;
    });
    const killer = offs.length;
    add("killer", () => {
      offs.forEach((off, i) => {
        if (i !== killer) off();
      });
    });
    add("c");
    add("d", async () => {
      await null;
    });
    offs.push(bus.subscribeAll((event) => {
      calls.push(`every${event.payload}`);
    }));

    await bus.emit("e", 1);
    assert.deepEqual(calls, ["a1", "b1", "killer1", "c1", "d1", "every1"]);
    assert.equal(bus.listenerCount("e"), 1);
    assert.equal(bus.listenerCount(), 1);

    calls.length = 0;
    await bus.emit("e", 2);
    assert.deepEqual(calls, ["killer2"]);
  }),
);

Deno.test(
  "EventBus.emit() still calls every listener of its snapshot when one clears the bus mid-emit; waits it removed reject",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number; other: string }>();
    const calls: string[] = [];
    bus.subscribe("e", (n) => {
      calls.push(`first${n}`);
    });
    const before = bus.waitFor("e");
    bus.subscribe("e", (n) => {
      calls.push(`clearer${n}`);
      bus.clear();
    });
    const after = bus.waitFor("e");
    const other = bus.waitFor("other");
    bus.subscribe("e", async (n) => {
      await null;
      calls.push(`last${n}`);
    });
    bus.subscribeAll((event) => {
      calls.push(`every${event.payload}`);
    });
    assert.equal(bus.listenerCount(), 7);

    await bus.emit("e", 1);
    assert.deepEqual(calls, ["first1", "clearer1", "every1", "last1"]);
    assert.equal(await before, 1);
    await assert.rejects(after, {
      name: "Error",
      message: 'Stopped waiting for "e": the bus was cleared',
    });
    await assert.rejects(other, {
      name: "Error",
      message: 'Stopped waiting for "other": the bus was cleared',
    });
    assert.equal(bus.listenerCount(), 0);

    calls.length = 0;
    await bus.emit("e", 2);
    assert.deepEqual(calls, []);
  }),
);

Deno.test(
  "EventBus.emit() nested in a listener sees the registry as it is then, while the outer emit keeps its snapshot",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const calls: string[] = [];
    let offFirst: () => void = () => {};
    offFirst = bus.subscribe("e", (n) => {
      calls.push(`first${n}`);
      if (n !== 1) return;
      offFirst();
      bus.subscribe("e", (m) => {
        calls.push(`late${m}`);
      });
      return bus.emit("e", 2);
    });
    bus.subscribe("e", (n) => {
      calls.push(`second${n}`);
    });
    await bus.emit("e", 1);
    assert.deepEqual(calls, ["first1", "second2", "late2", "second1"]);
    assert.equal(bus.listenerCount("e"), 2);
  }),
);
