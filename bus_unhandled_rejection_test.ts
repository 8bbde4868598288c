// Copyright 2026 the arcly authors. MIT license.

// Zero unhandled rejections: the bus never leaves a rejected promise of its
// own behind. The only promises that can reject are the ones it hands back
// (from emit and waitFor), and each failure rejects exactly one of them once.
// Deno only: Bun's, Node's and workerd's test runners intercept unhandled
// rejections their own way, so counting them is only exact here.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import {
  deferred,
  noUnhandledRejections,
  RejectionWatch,
} from "./_test_util.ts";

Deno.test(
  "EventBus.emit() that nobody awaits leaves no unhandled rejection when its listeners succeed",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const done = deferred();
    let settled = 0;
    bus.subscribe("e", () => {});
    bus.subscribe("e", async () => {
      await null;
      settled++;
    });
    bus.subscribe("e", () => ({
      then(resolve: (value: unknown) => void) {
        settled++;
        resolve(undefined);
        done.resolve();
      },
    }));
    bus.emit("e", 1);
    await done.promise;
    assert.equal(settled, 2);
  }),
);

Deno.test(
  "EventBus.emit() given up on leaves no unhandled rejection when a listener rejects later, and still reports it",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const late = deferred();
    const failure = new Error("too late");
    bus.subscribe("e", () => late.promise);
    const emitted = bus.emit("e", 1);
    const winner = await Promise.race([emitted, Promise.resolve("gave up")]);
    assert.equal(winner, "gave up");
    late.reject(failure);
    const error = await emitted.then(
      () => assert.fail("resolved"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(error.errors, [failure]);
  }),
);

Deno.test(
  "EventBus.emit() that nobody awaits, with onError, leaves no unhandled rejection and hands onError every error",
  noUnhandledRejections(async () => {
    const seen: unknown[] = [];
    const done = deferred();
    const bus = new EventBus<{ e: number }>({
      onError(error) {
        seen.push(error);
        if (seen.length === 2) done.resolve();
      },
    });
    const sync = new Error("sync");
    const async = new Error("async");
    bus.subscribe("e", () => {
      throw sync;
    });
    bus.subscribe("e", () => Promise.reject(async));
    bus.emit("e", 1);
    await done.promise;
    assert.deepEqual(seen, [sync, async]);
  }),
);

Deno.test("EventBus.emit() that nobody awaits reports its failure as exactly one unhandled rejection: its AggregateError", async (t) => {
  for (const kind of ["sync", "async"] as const) {
    await t.step(`${kind} listener failure`, async () => {
      const bus = new EventBus<{ e: number }>();
      const failure = new Error(kind);
      bus.subscribe("e", () => {
        if (kind === "sync") throw failure;
        return Promise.reject(failure);
      });
      bus.subscribe("e", () => {});
      const watch = new RejectionWatch();
      watch.start();
      bus.emit("e", 1);
      const reasons = await watch.stop();
      assert.equal(reasons.length, 1);
      const reason = reasons[0];
      assert.ok(reason instanceof AggregateError);
      assert.equal(reason.message, '1 listener of "e" failed');
      assert.deepEqual(reason.errors, [failure]);
    });
  }
});

Deno.test(
  "EventBus.emit() leaves no unhandled rejection for rejected promises and misbehaving thenables returned by listeners",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const errors = [1, 2, 3, 4].map((n) => new Error(`e${n}`));
    bus.subscribe("e", () => Promise.reject(errors[0]));
    bus.subscribe("e", () => ({
      then() {
        throw errors[1];
      },
    }));
    bus.subscribe("e", () => ({
      then(resolve: (v: unknown) => void, reject: (e: unknown) => void) {
        reject(errors[2]);
        reject(new Error("second reject"));
        resolve(undefined);
      },
    }));
    bus.subscribe("e", async () => {
      await null;
      throw errors[3];
    });
    const error = await bus.emit("e", 1).then(
      () => assert.fail("resolved"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(error.errors, errors);
  }),
);

Deno.test(
  "EventBus.waitFor() rejects only its own promise when aborted, cleared or failed by its filter",
  noUnhandledRejections(async () => {
    const bus = new EventBus<{ e: number }>();
    const controller = new AbortController();
    const reason = new Error("stop");
    const filterError = new Error("filter");
    const aborted = bus.waitFor("e", { signal: controller.signal });
    const filtered = bus.waitFor("e", {
      filter() {
        throw filterError;
      },
    });
    controller.abort(reason);
    await assert.rejects(aborted, (error) => error === reason);
    await bus.emit("e", 1);
    await assert.rejects(filtered, (error) => error === filterError);
    const cleared = bus.waitFor("e");
    bus.clear();
    await assert.rejects(cleared, {
      message: 'Stopped waiting for "e": the bus was cleared',
    });
    assert.equal(bus.listenerCount(), 0);
  }),
);

Deno.test(
  "EventBus.emit() rejects once, and leaves nothing unhandled, when onError throws",
  noUnhandledRejections(async () => {
    const thrown = new Error("logger down");
    const bus = new EventBus<{ e: number }>({
      onError() {
        throw thrown;
      },
    });
    bus.subscribe("e", async () => {
      await null;
      throw new Error("listener");
    });
    const error = await bus.emit("e", 1).then(
      () => assert.fail("resolved"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(error.errors, [thrown]);
  }),
);
