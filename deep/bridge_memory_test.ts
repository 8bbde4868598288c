// Copyright 2026 the arcly authors. MIT license.

// Needs `--v8-flags=--expose-gc` (`deno task test:deep`); skipped without.

import assert from "node:assert/strict";
import { bridge, type BridgeEventMessage } from "../bridge.ts";
import { EventBus } from "../mod.ts";
import { drainMicrotasks } from "../_test_util.ts";

function peer(origin: string, seq: number, id: string): BridgeEventMessage {
  return [2, origin, seq, id, "ping", seq];
}

Deno.test({
  name: "bridge() state for 200,000 forged origins stays within 4 MB of heap",
  ignore: typeof (globalThis as { gc?: unknown }).gc !== "function",
  async fn() {
    const gc = (globalThis as unknown as { gc: () => void }).gc;
    const heap = () => {
      gc();
      gc();
      return Deno.memoryUsage().heapUsed;
    };
    const bus = new EventBus<{ ping: number }>();
    let delivered = 0;
    bus.subscribe("ping", () => void delivered++);
    let receive: (message: unknown) => void = () => {};
    const bridged = bridge(bus, {
      send() {},
      listen(onMessage) {
        receive = onMessage;
      },
      close() {},
    }, { heartbeat: false, onError: () => {}, lossTimeout: 60_000 });
    try {
      const long = "o".repeat(50);
      // Warm up, so the code itself is not counted.
      for (let i = 0; i < 1000; i++) receive(peer(`w${i}`, 1, `w${i}`));
      const before = heap();
      for (let i = 0; i < 200_000; i++) {
        receive(peer(`${long}${i}`, 1 + (i % 7) * 1000, `${long}i${i}`));
      }
      // Received events settle their emits in microtasks: let them run, as
      // they do between the messages of a real transport.
      await drainMicrotasks();
      const grown = heap() - before;
      assert.equal(delivered, 201_000);
      assert.ok(grown <= 4 * 1024 * 1024, `heap grew by ${grown} bytes`);
    } finally {
      await bridged.close();
    }
  },
});
