// Copyright 2026 the arcly authors. MIT license.

// The dispatcher's own contract, below what EventBus shows: the count of
// walks in progress, which decides whether a change may update a snapshot
// in place (see `Topic`). A count left raised would stay correct but make
// every later change drop its snapshot, so only this test can see it.

import assert from "node:assert/strict";
import { Dispatcher } from "./_dispatch.ts";
import { Registry } from "./_registry.ts";

function setup(): { registry: Registry; dispatcher: Dispatcher } {
  const registry = new Registry(Infinity, () => {});
  return {
    registry,
    dispatcher: new Dispatcher(registry, () => {}, undefined),
  };
}

Deno.test("Dispatcher counts each walk while it runs and puts the count back after, on both emit paths, nested, failing or re-emitting until the stack overflows", async () => {
  for (const every of [false, true]) {
    const { registry, dispatcher } = setup();
    // Both paths: only own listeners, or listeners of every event too.
    if (every) registry.add(undefined, () => {});
    const seen: number[] = [];
    let depth = 0;
    registry.add("e", (n) => {
      seen.push(registry.walking);
      if (n === "nested") return dispatcher.emit("e", "inner");
      if (n === "throws") throw new Error("listener");
      if (n === "overflow") {
        // Re-emits synchronously until the stack runs out, deep inside.
        depth++;
        dispatcher.emit("e", "overflow");
      }
      return undefined;
    });
    await dispatcher.emit("e", "plain");
    assert.equal(registry.walking, 0);
    await dispatcher.emit("e", "nested");
    assert.deepEqual(seen.slice(0, 3), [1, 1, 2]);
    assert.equal(registry.walking, 0);
    await dispatcher.emit("e", "throws");
    assert.equal(registry.walking, 0);
    await dispatcher.emit("e", "overflow");
    assert.ok(depth > 100, String(depth));
    assert.equal(registry.walking, 0, `every: ${every}`);
  }
});
