// Copyright 2026 the arcly authors. MIT license.

// The registry API that bus.ts builds on: removeListener, the onActive and
// onIdle callbacks, and names(). The public API tests cover the same through
// EventBus; these pin the registry's own contract.

import assert from "node:assert/strict";
import { Registry } from "./_registry.ts";
import type { Call } from "./_topic.ts";
import { LOCAL } from "./_dispatch.ts";
import { EventBus } from "./mod.ts";

function registry(): Registry {
  return new Registry(Infinity, () => {});
}

function noop(): void {}

/** Calls the listeners an emit of `name` would call, in order. */
function emit(reg: Registry, name: string, payload: unknown): void {
  const groups = [
    reg.snapshot(name),
    reg.patternSnapshot(name),
    reg.everySnapshot(),
  ];
  for (const calls of groups) {
    for (const call of calls ?? []) call(payload, LOCAL);
  }
}

/** A registry whose onActive and onIdle calls are logged. */
function logged(): { reg: Registry; log: string[] } {
  const reg = registry();
  const log: string[] = [];
  reg.onActive = (name) => log.push(`active ${name}`);
  reg.onIdle = (name) => log.push(`idle ${name}`);
  return { reg, log };
}

Deno.test("Registry.removeListener() removes every subscription of the listener on that key, in order", () => {
  const reg = registry();
  const seen: string[] = [];
  const listener = { onEvent: noop };
  const a: Call = () => seen.push("a1");
  const b: Call = () => seen.push("b");
  const a2: Call = () => seen.push("a2");
  const released: string[] = [];
  reg.add("x", a, false, listener).release = () => released.push("a1");
  reg.add("x", b, false, noop);
  reg.add("x", a2, false, listener).release = () => released.push("a2");
  reg.add("y", a, false, listener);
  assert.equal(reg.removeListener("x", listener), 2);
  assert.deepEqual(released, ["a1", "a2"]);
  emit(reg, "x", 1);
  assert.deepEqual(seen, ["b"]);
  assert.equal(reg.count("x"), 1);
  assert.equal(reg.count("y"), 1);
  assert.equal(reg.count(), 2);
  assert.equal(reg.removeListener("x", listener), 0);
  assert.equal(reg.removeListener("nothing", listener), 0);
});

Deno.test("Registry.removeListener() keys every-event and pattern subscriptions apart from event names", () => {
  const reg = registry();
  reg.add(undefined, noop, false, noop);
  reg.add("user.", noop, true, noop);
  reg.add("user.", noop, true, noop);
  reg.add("user.x", noop, false, noop);
  assert.equal(reg.removeListener("user.", noop), 0);
  assert.equal(reg.removeListener("user.", noop, true), 2);
  assert.equal(reg.patternSnapshot("user.x"), undefined);
  assert.equal(reg.removeListener(undefined, noop, true), 0);
  assert.equal(reg.removeListener(undefined, noop), 1);
  assert.equal(reg.everySnapshot(), undefined);
  assert.equal(reg.count(), 1);
});

Deno.test("Registry.removeListener() never removes a subscription added without a listener", () => {
  const reg = registry();
  reg.add("x", noop);
  assert.equal(reg.removeListener("x", undefined), 0);
  assert.equal(reg.count("x"), 1);
});

Deno.test("Registry calls onActive on the first subscription of a name and onIdle on the last removal", async (t) => {
  await t.step("remove", () => {
    const { reg, log } = logged();
    const first = reg.add("x", noop);
    const second = reg.add("x", noop);
    reg.remove(first, false);
    reg.remove(first, false);
    reg.remove(second, false);
    reg.add("x", noop);
    assert.deepEqual(log, ["active x", "idle x", "active x"]);
  });
  await t.step("every-event and pattern subscriptions do not count", () => {
    const { reg, log } = logged();
    reg.remove(reg.add(undefined, noop), false);
    reg.remove(reg.add("x.", noop, true), false);
    assert.deepEqual(log, []);
  });
  await t.step("onIdle runs after release", () => {
    const { reg, log } = logged();
    const sub = reg.add("x", noop);
    sub.release = (cleared) => log.push(`release ${cleared}`);
    reg.remove(sub, false);
    assert.deepEqual(log, ["active x", "release false", "idle x"]);
  });
  await t.step("clear(name)", () => {
    const { reg, log } = logged();
    reg.add("x", noop);
    reg.add("x", noop);
    reg.add("y", noop);
    reg.clear("x");
    assert.deepEqual(log, ["active x", "active y", "idle x"]);
  });
  await t.step("clear()", () => {
    const { reg, log } = logged();
    reg.add("x", noop);
    reg.add("y", noop);
    reg.add(undefined, noop);
    reg.clear();
    assert.deepEqual(log, ["active x", "active y", "idle x", "idle y"]);
  });
  await t.step("removeListener", () => {
    const { reg, log } = logged();
    reg.add("x", noop, false, noop);
    reg.add("x", noop, false, noop);
    reg.removeListener("x", noop);
    assert.deepEqual(log, ["active x", "idle x"]);
  });
  await t.step("onIdle may subscribe again", () => {
    const { reg, log } = logged();
    reg.onIdle = (name) => {
      log.push(`idle ${name}`);
      if (log.length < 4) reg.add(name, noop);
    };
    reg.remove(reg.add("x", noop), false);
    assert.deepEqual(log, ["active x", "idle x", "active x"]);
    assert.deepEqual(reg.names(), ["x"]);
  });
});

Deno.test("Registry.add() takes the subscription back out when onActive throws", () => {
  const { reg, log } = logged();
  const boom = new Error("boom");
  reg.onActive = (name) => {
    log.push(`active ${name}`);
    throw boom;
  };
  const calls: string[] = [];
  assert.throws(() => reg.add("x", () => calls.push("x"), false, noop), boom);
  assert.equal(reg.count(), 0);
  assert.equal(reg.count("x"), 0);
  assert.deepEqual(reg.names(), []);
  assert.equal(reg.snapshot("x"), undefined);
  assert.equal(reg.removeListener("x", noop), 0);
  emit(reg, "x", 1);
  assert.deepEqual(calls, []);
  // No onIdle for a name that never became active.
  assert.deepEqual(log, ["active x"]);
  reg.onActive = undefined;
  reg.add("x", noop);
  assert.equal(reg.count(), 1);
});

Deno.test("Registry.add() keeps what onActive subscribed when onActive throws", () => {
  const { reg, log } = logged();
  const other: Call = () => {};
  reg.onActive = (name) => {
    reg.add(name, other);
    throw new Error("boom");
  };
  assert.throws(() => reg.add("x", noop), { message: "boom" });
  assert.deepEqual(reg.snapshot("x"), [other]);
  assert.equal(reg.count(), 1);
  assert.deepEqual(log, []);
});

Deno.test("Registry.clear() clears everything and returns what onIdle threw", () => {
  const reg = registry();
  reg.add("a", noop);
  reg.add("b", noop);
  reg.add("c", noop);
  reg.onIdle = (name) => {
    if (name !== "b") throw new Error(`idle ${name}`);
  };
  assert.deepEqual(
    reg.clear().map((e) => (e as Error).message),
    ["idle a", "idle c"],
  );
  assert.equal(reg.count(), 0);
  assert.deepEqual(reg.names(), []);
  reg.add("a", noop);
  reg.onIdle = () => {
    throw new Error("one");
  };
  assert.deepEqual(reg.clear().map((e) => (e as Error).message), ["one"]);
  assert.equal(reg.count(), 0);
  assert.deepEqual(reg.clear(), []);
});

Deno.test("Registry.names() lists the names with own subscriptions, in the order they became active", () => {
  const reg = registry();
  assert.deepEqual(reg.names(), []);
  const b = reg.add("b", noop);
  reg.add("a", noop);
  reg.add("b", noop);
  reg.add(undefined, noop);
  reg.add("c.", noop, true);
  assert.deepEqual(reg.names(), ["b", "a"]);
  reg.remove(b, false);
  assert.deepEqual(reg.names(), ["b", "a"]);
  reg.clear("b");
  reg.add("b", noop);
  assert.deepEqual(reg.names(), ["a", "b"]);
});

Deno.test("EventBus emits keep their snapshots while listeners come and go, on every emit path", async (t) => {
  const paths = {
    emit: (bus: EventBus) => bus.emit("e", 0),
    "traced emit": (bus: EventBus) => bus.emit("e", 0),
    emitSerial: (bus: EventBus) => bus.emitSerial("e", 0),
  };
  for (const [path, emit] of Object.entries(paths)) {
    await t.step(path, async () => {
      const bus = new EventBus(
        path === "traced emit" ? { onEmit: () => {} } : {},
      );
      const log: string[] = [];
      const listener = (label: string) => () => {
        log.push(label);
      };
      // -1 while the first emit builds the snapshots.
      let round = -1;
      let offC = () => {};
      const offA = bus.subscribe("e", () => {
        log.push("a");
        if (round >= 0) round++;
        // Changes to the tail and to the every-event snapshot, both read by
        // this emit already.
        if (round === 1) {
          offC();
          bus.subscribe("e", listener("d"));
          bus.subscribeAll(listener("every 2"));
        }
      });
      const offB = bus.subscribe("e", listener("b"));
      offC = bus.subscribe("e", listener("c"));
      bus.subscribeAll(listener("every 1"));
      // Snapshots exist before the emits that change them.
      await emit(bus);
      log.length = 0;
      round = 0;
      await emit(bus);
      assert.deepEqual(log, ["a", "b", "c", "every 1"]);
      log.length = 0;
      await emit(bus);
      assert.deepEqual(log, ["a", "b", "d", "every 1", "every 2"]);
      log.length = 0;
      // Between emits: the head leaves.
      offA();
      await emit(bus);
      assert.deepEqual(log, ["b", "d", "every 1", "every 2"]);
      log.length = 0;
      // Several changes between two emits: the first copies the snapshot
      // the last emit read, the next ones update that copy in place.
      const [, offF, offG] = ["e", "f", "g"].map((label) =>
        bus.subscribe("e", listener(label))
      );
      await emit(bus);
      log.length = 0;
      offG!();
      offF!();
      offB();
      bus.subscribe("e", listener("h"));
      await emit(bus);
      assert.deepEqual(log, ["d", "e", "h", "every 1", "every 2"]);
    });
  }
});
