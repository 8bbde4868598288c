// Copyright 2026 the arcly authors. MIT license.

// Deno only: `using` and `await using` on the handles the bus returns. Node
// 20 cannot parse this syntax, so the runtime-neutral files call
// `Symbol.dispose` and `Symbol.asyncDispose` directly instead.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";

type Events = { tick: number };

Deno.test("Unsubscribe removes its subscription at the end of a using block", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.subscribe("tick", () => {
    seen.push("kept");
  });
  {
    using _scoped = bus.subscribe("tick", () => {
      seen.push("scoped");
    });
    await bus.emit("tick", 1);
    assert.equal(bus.listenerCount("tick"), 2);
  }
  await bus.emit("tick", 2);
  assert.deepEqual(seen, ["kept", "scoped", "kept"]);
  assert.equal(bus.listenerCount("tick"), 1);
});

Deno.test("EventBus.iterate() with await using unsubscribes at the end of the block", async () => {
  const bus = new EventBus<Events>();
  {
    await using ticks = bus.iterate("tick");
    await bus.emit("tick", 1);
    assert.deepEqual(await ticks.next(), { done: false, value: 1 });
    assert.equal(bus.listenerCount("tick"), 1);
  }
  assert.equal(bus.listenerCount("tick"), 0);
});
