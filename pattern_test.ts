// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { deferred, type DottedEvents as Events } from "./_test_util.ts";

/** Counts the `Map.prototype.get` calls made while `fn` runs synchronously. */
function countMapGets(fn: () => unknown): number {
  const get = Map.prototype.get;
  let count = 0;
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    count++;
    return get.call(this, key);
  };
  try {
    fn();
  } finally {
    Map.prototype.get = get;
  }
  return count;
}

Deno.test("EventBus.subscribePattern() matches one or more segments after the prefix, not the prefix itself", async () => {
  const bus = new EventBus<Events>();
  const seen: unknown[] = [];
  bus.subscribePattern("user.*", (event) => {
    seen.push(event);
  });
  await bus.emit("user.created", { id: 1 });
  await bus.emit("user.profile.updated", { id: 2, field: "email" });
  await bus.emit("user", { id: 3 });
  await bus.emit("users", { id: 4 });
  await bus.emit("users.created", { id: 5 });
  await bus.emit("job.done", "export");
  assert.deepEqual(seen, [
    { name: "user.created", payload: { id: 1 } },
    { name: "user.profile.updated", payload: { id: 2, field: "email" } },
  ]);
  assert.ok(seen.every((event) => Object.isFrozen(event)));
});

Deno.test("EventBus.subscribePattern() matches deeper prefixes and an event name ending in a dot only with more after it", async () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.subscribePattern("a.b.*", (event) => {
    seen.push(event.name);
  });
  for (const name of ["a.b", "a.b.", "a.b.c", "a.b.c.d", "a.bc", "a.b..x"]) {
    await bus.emit(name);
  }
  assert.deepEqual(seen, ["a.b.c", "a.b.c.d", "a.b..x"]);
});

Deno.test("EventBus.emit() calls own listeners, then pattern listeners in subscription order, then listeners of every event", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribeAll((event) => {
    log.push(`all ${event.name}`);
  });
  bus.subscribePattern("user.profile.*", (event) => {
    log.push(`user.profile.* ${event.name}`);
  });
  bus.subscribePattern("user.*", (event) => {
    log.push(`user.* #1 ${event.name}`);
  });
  bus.subscribe("user.profile.updated", (user) => {
    log.push(`own ${user.field}`);
  });
  bus.subscribePattern("user.profile.*", (event) => {
    log.push(`user.profile.* #2 ${event.name}`);
  });
  bus.subscribePattern("user.*", (event) => {
    log.push(`user.* #2 ${event.name}`);
  });
  await bus.emit("user.profile.updated", { id: 1, field: "email" });
  assert.deepEqual(log, [
    "own email",
    "user.profile.* user.profile.updated",
    "user.* #1 user.profile.updated",
    "user.profile.* #2 user.profile.updated",
    "user.* #2 user.profile.updated",
    "all user.profile.updated",
  ]);
});

Deno.test("EventBus.emit() reports pattern listener errors in listener order across kinds", async () => {
  const bus = new EventBus<Events>();
  const gate = deferred();
  bus.subscribeAll(() => {
    throw new Error("all");
  });
  bus.subscribePattern("user.*", async () => {
    await gate.promise;
    throw new Error("pattern");
  });
  bus.subscribe("user.created", () => {
    throw new Error("own");
  });
  const done = bus.emit("user.created", { id: 1 });
  gate.resolve();
  const error = await done.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof AggregateError);
  assert.equal(error.message, '3 listeners of "user.created" failed');
  assert.deepEqual(
    error.errors.map((e: Error) => e.message),
    ["own", "pattern", "all"],
  );
});

Deno.test("EventBus.subscribePattern() takes effect from the next emit and unsubscribing stops it", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  await bus.emit("user.created", { id: 0 }); // resolves nothing, caches nothing
  const first = bus.subscribePattern("user.*", (event) => {
    log.push(`first ${event.payload.id}`);
  });
  await bus.emit("user.created", { id: 1 }); // resolved and cached
  let second = () => {};
  bus.subscribe("user.created", () => {
    // Added during an emit: not called by it.
    second = bus.subscribePattern("user.*", (event) => {
      log.push(`second ${event.payload.id}`);
    });
  }, { once: true });
  await bus.emit("user.created", { id: 2 });
  await bus.emit("user.created", { id: 3 });
  first();
  await bus.emit("user.created", { id: 4 });
  second();
  await bus.emit("user.created", { id: 5 });
  assert.deepEqual(log, [
    "first 1",
    "first 2",
    "first 3",
    "second 3",
    "second 4",
  ]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.subscribePattern() listeners removed during an emit are still called by it, never afterwards", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  let off = () => {};
  bus.subscribe("user.created", () => {
    off();
  });
  off = bus.subscribePattern("user.*", (event) => {
    log.push(`pattern ${event.payload.id}`);
  });
  await bus.emit("user.created", { id: 1 });
  await bus.emit("user.created", { id: 2 });
  assert.deepEqual(log, ["pattern 1"]);
});

Deno.test("EventBus.subscribePattern() follows once, signal and object listeners like subscribe()", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribePattern("user.*", (event) => {
    log.push(`once ${event.name}`);
  }, { once: true });
  const controller = new AbortController();
  const recorder = {
    prefix: "object",
    onEvent(event: { name: string }) {
      log.push(`${this.prefix} ${event.name}`);
    },
  };
  bus.subscribePattern("user.*", recorder, { signal: controller.signal });
  const aborted = bus.subscribePattern("user.*", () => {
    log.push("never");
  }, { signal: AbortSignal.abort() });
  assert.equal(bus.listenerCount(), 2);
  await bus.emit("user.created", { id: 1 });
  controller.abort();
  await bus.emit("user.deleted", { id: 1 });
  aborted();
  assert.deepEqual(log, ["once user.created", "object user.created"]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.listenerCount() counts pattern subscriptions only in the total", () => {
  const bus = new EventBus<Events>();
  bus.subscribePattern("user.*", () => {});
  bus.subscribe("user.created", () => {});
  assert.equal(bus.listenerCount("user.created"), 1);
  assert.equal(bus.listenerCount(), 2);
});

Deno.test("EventBus.clear() removes pattern subscriptions only when clearing everything", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribePattern("user.*", (event) => {
    log.push(event.name);
  });
  bus.subscribe("user.created", () => {});
  bus.clear("user.created");
  await bus.emit("user.created", { id: 1 });
  assert.equal(bus.listenerCount(), 1);
  bus.clear();
  await bus.emit("user.created", { id: 2 });
  assert.equal(bus.listenerCount(), 0);
  assert.deepEqual(log, ["user.created"]);
  // A new pattern after clear() works from a clean registry.
  bus.subscribePattern("user.*", (event) => {
    log.push(`again ${event.name}`);
  });
  await bus.emit("user.deleted", { id: 3 });
  assert.deepEqual(log, ["user.created", "again user.deleted"]);
});

Deno.test("EventBus.emit() does two Map lookups (topic, pattern cache) in the steady state with patterns", async (t) => {
  const bus = new EventBus<Events>();
  bus.subscribePattern("user.*", () => {});
  bus.subscribePattern("user.profile.*", () => {});
  bus.subscribe("user.created", () => {});
  bus.subscribeAll(() => {});
  const names = [
    "user.created", // own listeners and patterns
    "user.profile.updated", // patterns only
    "job.done", // no pattern matches
  ] as const;
  for (const name of names) {
    await t.step(name, async () => {
      // The first emit resolves the patterns of the name and caches them.
      await bus.emit(name, { id: 1, field: "x" } as never);
      assert.equal(
        countMapGets(() => bus.emit(name, { id: 1, field: "x" } as never)),
        2,
      );
    });
  }
  await t.step("after a pattern change, once more per name", () => {
    bus.subscribePattern("job.*", () => {});
    assert.ok(countMapGets(() => bus.emit("job.done", "a")) > 2);
    assert.equal(countMapGets(() => bus.emit("job.done", "a")), 2);
  });
});

Deno.test("EventBus subscribes and unsubscribes 100,000 pattern listeners in linear time", async () => {
  const bus = new EventBus<Events>();
  const n = 100_000;
  let calls = 0;
  const listener = () => {
    calls++;
  };
  const start = performance.now();
  const offs: (() => void)[] = [];
  for (let i = 0; i < n; i++) {
    offs.push(
      bus.subscribePattern(i % 2 ? "user.*" : "user.profile.*", listener),
    );
  }
  await bus.emit("user.profile.updated", { id: 1, field: "x" });
  for (let i = n - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [offs[i], offs[j]] = [offs[j]!, offs[i]!];
  }
  for (let i = 0; i < n; i++) {
    offs[i]!();
    if (i === n / 2) {
      await bus.emit("user.profile.updated", { id: 2, field: "y" });
    }
  }
  const elapsed = performance.now() - start;
  assert.equal(calls, n + n / 2 - 1);
  assert.equal(bus.listenerCount(), 0);
  assert.ok(elapsed < 5_000, `took ${elapsed.toFixed(0)} ms`);
});
