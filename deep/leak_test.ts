// Copyright 2026 the arcly authors. MIT license.

// Memory bounds (Deno only, sized: `deno task test:deep`): long runs of
// subscribe/unsubscribe, aborted waits, unfired once listeners and removed
// onActive hooks must end with the heap within 10% of where it started and
// no abort listener left on a long-lived signal, and an iterator's buffer
// stays bounded under a million emits. They need `--v8-flags=--expose-gc` (as `deno task
// test:deep` passes) and are ignored without it.

import assert from "node:assert/strict";
import { EventBus } from "../mod.ts";
import {
  countingSignal,
  drain,
  HAS_GC,
  heapAfterGc,
  noUnhandledRejections,
} from "../_test_util.ts";

const CYCLES = 1_000_000;
const WARM_UP = 10_000;

type Events = { tick: number };

/**
 * Runs `cycle` WARM_UP times (so the JIT and the bus's caches settle), takes
 * the heap, runs it `cycles` more times and checks the heap grew by less
 * than 10%.
 */
async function assertHeapFlat(
  cycles: number,
  cycle: (i: number) => void | Promise<void>,
  batch = 1,
): Promise<{ before: number; after: number }> {
  for (let i = 0; i < WARM_UP; i += batch) await cycle(i);
  const before = heapAfterGc();
  for (let i = 0; i < cycles; i += batch) await cycle(i);
  const after = heapAfterGc();
  assert.ok(
    after <= before * 1.1,
    `heap grew from ${before} to ${after} bytes over ${cycles} cycles (${
      ((after / before - 1) * 100).toFixed(1)
    }%)`,
  );
  console.log(
    `heap ${(before / 1e6).toFixed(2)} MB -> ${(after / 1e6).toFixed(2)} MB`,
  );
  return { before, after };
}

Deno.test({
  name: `EventBus subscribe/unsubscribe ${CYCLES} times leaves the heap flat`,
  ignore: !HAS_GC,
  fn: noUnhandledRejections(async () => {
    const bus = new EventBus<Events>();
    const listener = () => {};
    await assertHeapFlat(CYCLES, (i) => {
      const off = bus.subscribe("tick", listener);
      if (i % 2 === 0) off();
      else off[Symbol.dispose]();
    });
    assert.equal(bus.listenerCount(), 0);
  }),
});

Deno.test({
  name:
    `EventBus subscribe/unsubscribe ${CYCLES} times with one long-lived signal leaves the heap flat and the signal empty`,
  ignore: !HAS_GC,
  fn: noUnhandledRejections(async () => {
    const bus = new EventBus<Events>();
    const { signal, listeners } = countingSignal();
    const listener = { onEvent() {} };
    await assertHeapFlat(CYCLES, (i) => {
      bus.subscribe("tick", listener, { signal })();
      // Fails fast: EventTarget gets slow long before the heap is measured.
      if (i % 1_000 === 0) assert.equal(listeners(), 0);
    });
    assert.equal(bus.listenerCount(), 0);
    assert.equal(listeners(), 0);
  }),
});

Deno.test({
  name:
    `EventBus once listeners unsubscribed ${CYCLES} times before firing leave the heap flat and the signal empty`,
  ignore: !HAS_GC,
  fn: noUnhandledRejections(async () => {
    const bus = new EventBus<Events>();
    const { signal, listeners } = countingSignal();
    let calls = 0;
    const listener = () => {
      calls++;
    };
    await assertHeapFlat(CYCLES, (i) => {
      const off = i % 2 === 0
        ? bus.subscribe("tick", listener, { once: true, signal })
        : bus.subscribeAll(listener, { once: true, signal });
      off();
      if (i % 1_000 === 0) assert.equal(listeners(), 0);
    });
    await bus.emit("tick", 1);
    assert.equal(calls, 0);
    assert.equal(bus.listenerCount(), 0);
    assert.equal(listeners(), 0);
  }),
});

Deno.test({
  name:
    `EventBus onActive hooks of ${CYCLES} names, each removed, leave the heap flat`,
  ignore: !HAS_GC,
  fn: noUnhandledRejections(async () => {
    const bus = new EventBus<Record<string, number>>();
    let setups = 0;
    await assertHeapFlat(CYCLES, (i) => {
      const name = `name.${i}`;
      const off = bus.onActive(name, () => {
        setups++;
      });
      if (i % 2 === 0) off();
      else off[Symbol.dispose]();
      // The name's hooks are gone: its first listener runs no setup.
      if (i % 1_000 === 0) bus.subscribe(name, () => {})();
    });
    assert.equal(setups, 0);
    assert.equal(bus.listenerCount(), 0);
  }),
});

Deno.test({
  name: `EventBus.waitFor() aborted ${CYCLES} times leaves the heap flat`,
  ignore: !HAS_GC,
  fn: noUnhandledRejections(async () => {
    const bus = new EventBus<Events>();
    const reason = new Error("gave up");
    let rejected = 0;
    const count = (error: unknown) => {
      assert.equal(error, reason);
      rejected++;
    };
    const BATCH = 1_000;
    await assertHeapFlat(CYCLES, async () => {
      const waits: Promise<void>[] = [];
      for (let j = 0; j < BATCH; j++) {
        const controller = new AbortController();
        waits.push(
          bus.waitFor("tick", { signal: controller.signal }).then(
            () => assert.fail("resolved"),
            count,
          ),
        );
        controller.abort(reason);
      }
      await Promise.all(waits);
    }, BATCH);
    assert.equal(rejected, WARM_UP + CYCLES);
    assert.equal(bus.listenerCount(), 0);
  }),
});

Deno.test({
  name:
    `EventBus.waitFor() with one long-lived signal, settled by emit ${CYCLES} times, leaves the heap flat and the signal empty`,
  ignore: !HAS_GC,
  fn: noUnhandledRejections(async () => {
    const bus = new EventBus<Events>();
    const { signal, listeners } = countingSignal();
    let resolved = 0;
    // Small batches: EventTarget scans its listeners on every add.
    const BATCH = 100;
    await assertHeapFlat(CYCLES, async (i) => {
      const waits: Promise<void>[] = [];
      for (let j = 0; j < BATCH; j++) {
        waits.push(
          bus.waitFor("tick", { signal }).then((n) => {
            assert.equal(n, i);
            resolved++;
          }),
        );
      }
      assert.equal(listeners(), BATCH);
      await bus.emit("tick", i);
      await Promise.all(waits);
    }, BATCH);
    assert.equal(resolved, WARM_UP + CYCLES);
    assert.equal(bus.listenerCount(), 0);
    assert.equal(listeners(), 0);
  }),
});

Deno.test("EventBus.iterate() stays bounded through 1,000,000 emits to a stalled consumer", async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (const overflow of ["drop-oldest", "drop-newest"] as const) {
    await t.step(overflow, async () => {
      const bus = new EventBus<{ data: { index: number; blob: string } }>();
      const items = bus.iterate("data", { bufferSize: 100, overflow });
      // The consumer reads one event, then stalls on a promise that never
      // settles while the producer keeps emitting.
      const first = items.next();
      gc?.();
      const before = Deno.memoryUsage().heapUsed;
      for (let index = 0; index < 1_000_000; index++) {
        // 1 KB per payload: an unbounded buffer would hold about 1 GB.
        bus.emit("data", { index, blob: "x".repeat(1024) });
      }
      gc?.();
      const grown = Deno.memoryUsage().heapUsed - before;
      assert.equal((await first).value?.index, 0);
      assert.equal(items.buffered, 100);
      assert.equal(bus.listenerCount("data"), 1);
      // The 100 kept payloads take about 100 KB; an unbounded buffer would
      // hold 1 GB, and one never compacted 8 MB of empty slots.
      if (gc !== undefined) {
        assert.ok(grown < 2 * 1024 * 1024, `heap grew by ${grown} bytes`);
      }
      const kept = (await drain(items)).map((item) => item.index);
      const from = overflow === "drop-oldest" ? 999_900 : 1;
      assert.deepEqual(kept, Array.from({ length: 100 }, (_, i) => from + i));
      await items.return();
      assert.equal(bus.listenerCount(), 0);
    });
  }
});
