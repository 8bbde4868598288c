// Copyright 2026 the arcly authors. MIT license.

// Deno only: a bus kept in Vue's reactive state (as Pinia stores keep it),
// from npm. The runtime-neutral cases are in proxy_test.ts.

import assert from "node:assert/strict";
import { reactive, readonly, shallowReactive } from "npm:@vue/reactivity@3";
import { EventBus } from "./mod.ts";

type Events = { saved: string; closed: undefined };

Deno.test("EventBus works inside Vue reactive(), shallowReactive() and readonly() state", async (t) => {
  const wraps = [
    ["reactive", reactive],
    ["shallowReactive", shallowReactive],
    ["readonly", readonly],
  ] as const;
  for (const [label, wrap] of wraps) {
    await t.step(label, async () => {
      const state = wrap({ bus: new EventBus<Events>() });
      const bus = state.bus as EventBus<Events>;
      const saved: string[] = [];
      const listener = (file: string) => void saved.push(file);
      bus.subscribe("saved", listener);
      const closed = bus.waitFor("closed");
      const files = bus.iterate(["saved", "closed"]);
      await bus.emit("saved", "a.txt");
      await bus.emitSerial("closed");
      await closed;
      assert.deepEqual(saved, ["a.txt"]);
      assert.deepEqual(await files.next(), {
        done: false,
        value: { name: "saved", payload: "a.txt" },
      });
      assert.equal(bus.unsubscribe("saved", listener), 1);
      await files.return();
      assert.deepEqual(bus.eventNames(), []);
      const { emit } = bus;
      await emit("saved", "b.txt");
      assert.deepEqual(saved, ["a.txt"]);
    });
  }
});
