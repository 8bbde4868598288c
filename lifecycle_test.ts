// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { countingSignal } from "./_test_util.ts";

type Events = {
  a: number;
  b: number;
  "user.created": number;
};

/** A setup that logs itself and its teardown to `log`. */
function logging(log: string[], label = "") {
  return (name: string) => {
    log.push(`setup ${label || name}`);
    return () => void log.push(`teardown ${label || name}`);
  };
}

/** A setup that logs itself and a teardown that logs itself, then throws. */
function failingTeardown(log: string[], label: string) {
  return () => {
    log.push(`setup ${label}`);
    return () => {
      log.push(`teardown ${label}`);
      throw new Error(`teardown ${label} failed`);
    };
  };
}

/** A bus whose event `a` logs its setups and teardowns. */
function watched() {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.onActive("a", logging(log));
  return { bus, log };
}

const CYCLE = ["setup a", "teardown a"];

/** Checks an `AggregateError` whose errors have these messages. */
function aggregateOf(...messages: string[]): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(error.errors.map((e: Error) => e.message), messages);
    return true;
  };
}

/** Checks that `log` shows one cycle and a new activation adds nothing. */
function assertGone(bus: EventBus<Events>, log: string[]): void {
  bus.clear();
  bus.subscribe("a", () => {});
  assert.deepEqual(log, CYCLE);
}

Deno.test("EventBus.onActive() runs setup on the first listener and teardown after the last, on every path", async (t) => {
  const paths: [string, (bus: EventBus<Events>) => unknown][] = [
    ["handle", (bus) => bus.subscribe("a", () => {})()],
    ["unsubscribe", (bus) => {
      const listener = () => {};
      bus.subscribe("a", listener, { local: true });
      bus.unsubscribe("a", listener);
    }],
    ["once", (bus) => {
      bus.subscribe("a", () => {}, { once: true });
      return bus.emit("a", 1);
    }],
    ["signal", (bus) => {
      const controller = new AbortController();
      bus.subscribe("a", () => {}, { signal: controller.signal });
      controller.abort();
    }],
    ["clear(name)", (bus) => {
      bus.subscribe("a", () => {});
      bus.clear("a");
    }],
    ["clear()", (bus) => {
      bus.subscribe("a", () => {});
      bus.clear();
    }],
    ["several names", (bus) => bus.subscribe(["a", "b"], () => {})()],
    ["waitFor settled", async (bus) => {
      const wait = bus.waitFor("a");
      await bus.emit("a", 1);
      await wait;
    }],
    ["waitFor aborted", async (bus) => {
      const controller = new AbortController();
      const wait = bus.waitFor("a", { signal: controller.signal });
      controller.abort();
      await assert.rejects(wait, { name: "AbortError" });
    }],
    ["iterate left", async (bus) => {
      const iterator = bus.iterate("a");
      await bus.emit("a", 1);
      for await (const _ of iterator) break;
    }],
    ["iterate aborted", async (bus) => {
      const controller = new AbortController();
      const iterator = bus.iterate(["a"], { signal: controller.signal });
      controller.abort();
      await assert.rejects(iterator.next(), { name: "AbortError" });
    }],
    ["iterate cleared", async (bus) => {
      const iterator = bus.iterate("a");
      bus.clear();
      assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    }],
  ];
  for (const [path, run] of paths) {
    await t.step(path, async () => {
      const { bus, log } = watched();
      await run(bus);
      assert.deepEqual(log, CYCLE);
      assert.equal(bus.listenerCount(), 0);
      await run(bus);
      assert.deepEqual(log, [...CYCLE, ...CYCLE]);
    });
  }
});

Deno.test("EventBus.onActive() runs once per activation, whatever the number of listeners", () => {
  const { bus, log } = watched();
  const first = bus.subscribe("a", () => {});
  const second = bus.subscribe("a", () => {});
  bus.subscribe("b", () => {});
  assert.deepEqual(log, ["setup a"]);
  first();
  assert.deepEqual(log, ["setup a"]);
  second();
  assert.deepEqual(log, CYCLE);
});

Deno.test("EventBus.onActive() ignores listeners of every event and of patterns", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.onActive("user.created", () => void log.push("setup"));
  bus.subscribeAll(() => {});
  bus.subscribePattern("user.*", () => {});
  await bus.emit("user.created", 1);
  assert.deepEqual(log, []);
  assert.deepEqual(bus.eventNames(), []);
});

Deno.test("EventBus.onActive() on an active event sets up at once; its handle tears down at once", () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribe("a", () => {});
  const off = bus.onActive("a", logging(log));
  assert.deepEqual(log, ["setup a"]);
  off();
  off();
  assertGone(bus, log);
});

/** A bus whose `a` setup logs itself and its teardown and emits `a` at once. */
function selfEmitting() {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.onActive("a", (name) => {
    log.push(`setup ${name}`);
    void bus.emit("a", 1);
    return () => log.push(`teardown ${name}`);
  });
  return { bus, log };
}

Deno.test("EventBus.subscribe() with once, used up by an emit of the onActive setup it starts, is removed once added", async (t) => {
  for (const names of [["a"], ["a", "b"]]) {
    await t.step(names.join(", "), async () => {
      const { bus, log } = selfEmitting();
      const seen: unknown[] = [];
      const listener = (value: unknown) => void seen.push(value);
      if (names.length === 1) bus.subscribe("a", listener, { once: true });
      else bus.subscribe(["a", "b"], listener, { once: true });
      assert.deepEqual(
        seen,
        names.length === 1 ? [1] : [{ name: "a", payload: 1 }],
      );
      assert.deepEqual(log, ["setup a", "teardown a"]);
      assert.equal(bus.listenerCount(), 0);
      await bus.emit("a", 2);
      assert.equal(seen.length, 1);
    });
  }
});

Deno.test("EventBus.subscribe() with once and a signal, used up by an emit of the onActive setup it starts, leaves no abort listener", async (t) => {
  for (const names of [["a"], ["a", "b"]] as const) {
    await t.step(names.join(", "), () => {
      const { bus } = selfEmitting();
      const { signal, listeners } = countingSignal();
      const options = { once: true, signal };
      if (names.length === 1) bus.subscribe("a", () => {}, options);
      else bus.subscribe(names, () => {}, options);
      assert.equal(bus.listenerCount(), 0);
      assert.equal(listeners(), 0);
    });
  }
});

Deno.test("EventBus.waitFor() settled by an emit of the onActive setup it starts is removed once added", async (t) => {
  for (const names of [["a"], ["a", "b"]] as const) {
    await t.step(names.join(", "), async () => {
      const { bus, log } = selfEmitting();
      const waited = names.length === 1
        ? bus.waitFor("a")
        : bus.waitFor(["a", "b"]);
      assert.deepEqual(log, ["setup a", "teardown a"]);
      assert.equal(bus.listenerCount(), 0);
      assert.deepEqual(
        await waited,
        names.length === 1 ? 1 : { name: "a", payload: 1 },
      );
    });
  }
});

Deno.test("EventBus methods with a signal that their own onActive setup aborts: nothing stays, and the aborted one fails as if aborted before", async (t) => {
  const reason = new Error("aborted by the setup");
  /** A bus whose setup of `a` aborts a fresh signal, returned with it. */
  function aborting() {
    const bus = new EventBus<Events>();
    const controller = new AbortController();
    const log: string[] = [];
    bus.onActive("a", () => {
      log.push("setup a");
      controller.abort(reason);
      return () => void log.push("teardown a");
    });
    return { bus, log, signal: controller.signal };
  }
  for (const names of [["a"], ["a", "b"]] as const) {
    const target = names.length === 1 ? "a" : [...names];
    await t.step(`subscribe ${names.join(", ")}`, async () => {
      const { bus, log, signal } = aborting();
      let calls = 0;
      // deno-lint-ignore no-explicit-any
      (bus.subscribe as any)(target, () => void calls++, { signal });
      assert.equal(bus.listenerCount(), 0);
      assert.deepEqual(log, CYCLE);
      await bus.emit("a", 1);
      assert.equal(calls, 0);
    });
    await t.step(`waitFor ${names.join(", ")}`, async () => {
      const { bus, log, signal } = aborting();
      // deno-lint-ignore no-explicit-any
      const waited = (bus.waitFor as any)(target, { signal });
      assert.equal(bus.listenerCount(), 0);
      assert.deepEqual(log, CYCLE);
      await assert.rejects(waited, (error) => error === reason);
    });
  }
  await t.step("iterate", async () => {
    const { bus, log, signal } = aborting();
    const iterator = bus.iterate("a", { signal });
    assert.equal(bus.listenerCount(), 0);
    assert.deepEqual(log, CYCLE);
    await assert.rejects(iterator.next(), (error) => error === reason);
  });
  await t.step("onActive", () => {
    const bus = new EventBus<Events>();
    const log: string[] = [];
    const controller = new AbortController();
    bus.subscribe("a", () => {});
    // Active already: its setup runs at once, and aborts its own signal.
    bus.onActive("a", () => {
      log.push("setup a");
      controller.abort(reason);
      return () => void log.push("teardown a");
    }, { signal: controller.signal });
    assert.deepEqual(log, CYCLE);
    bus.clear();
    bus.subscribe("a", () => {});
    assert.deepEqual(log, CYCLE);
  });
});

Deno.test("EventBus.onActive() hook is removed by its signal, and an aborted signal adds none", () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const setup = logging(log);
  const { signal, listeners } = countingSignal();
  bus.onActive("a", setup, { signal: AbortSignal.abort() });
  const controller = new AbortController();
  bus.onActive("a", setup, { signal: controller.signal });
  const off = bus.onActive("b", setup, { signal });
  assert.equal(listeners(), 1);
  off();
  assert.equal(listeners(), 0);

  bus.subscribe("a", () => {});
  controller.abort();
  assertGone(bus, log);
});

Deno.test("EventBus.onActive() runs setups in order and teardowns in reverse", () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  for (const id of [1, 2, 3]) bus.onActive("a", logging(log, `${id}`));
  bus.subscribe("a", () => {})();
  assert.deepEqual(log, [
    "setup 1",
    "setup 2",
    "setup 3",
    "teardown 3",
    "teardown 2",
    "teardown 1",
  ]);
});

Deno.test("EventBus.onActive() runs every teardown when some throw, then throws them together", () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  for (const id of [1, 2, 3]) {
    bus.onActive("a", () => () => {
      log.push(`teardown ${id}`);
      if (id !== 2) throw new Error(`teardown ${id} failed`);
    });
  }
  const off = bus.subscribe("a", () => {});
  assert.throws(off, (error: unknown) => {
    assert.ok(error instanceof AggregateError);
    assert.equal(error.message, 'Teardowns of "a" failed');
    assert.deepEqual(error.errors.map((e: Error) => e.message), [
      "teardown 3 failed",
      "teardown 1 failed",
    ]);
    return true;
  });
  assert.deepEqual(log, ["teardown 3", "teardown 2", "teardown 1"]);
});

Deno.test("EventBus.onActive() setup that throws fails the call and registers nothing", async (t) => {
  /** A bus whose `a` setup fails after another setup of `a` ran. */
  function failing() {
    const bus = new EventBus<Events>();
    const log: string[] = [];
    bus.onActive("a", logging(log, "1"));
    bus.onActive("a", () => {
      throw new Error("offline");
    });
    return { bus, log };
  }
  const offline = { name: "Error", message: "offline" };
  const calls: [string, (bus: EventBus<Events>) => unknown][] = [
    ["subscribe", (bus) => bus.subscribe("a", () => {})],
    ["several names", (bus) => bus.subscribe(["b", "a"], () => {})],
    ["iterate", (bus) => bus.iterate("a")],
  ];
  for (const [call, run] of calls) {
    await t.step(call, () => {
      const { bus, log } = failing();
      const { signal, listeners } = countingSignal();
      assert.throws(() => run(bus), offline);
      assert.throws(
        () => bus.subscribe("a", () => {}, { signal, once: true }),
        offline,
      );
      assert.equal(listeners(), 0);
      assert.equal(bus.listenerCount(), 0);
      assert.deepEqual(bus.eventNames(), []);
      assert.deepEqual(
        log,
        [...Array(2)].flatMap(() => [
          "setup 1",
          "teardown 1",
        ]),
      );
    });
  }
  await t.step("waitFor", async () => {
    const { bus, log } = failing();
    await assert.rejects(bus.waitFor(["b", "a"]), offline);
    assert.equal(bus.listenerCount(), 0);
    assert.deepEqual(log, ["setup 1", "teardown 1"]);
  });
  await t.step("onActive on an active event", () => {
    const bus = new EventBus<Events>();
    bus.subscribe("a", () => {});
    assert.throws(
      () =>
        bus.onActive("a", () => {
          throw new Error("offline");
        }),
      offline,
    );
    // The hook was not added: the next activation does not run it.
    bus.clear();
    bus.subscribe("a", () => {});
  });
});

Deno.test("EventBus.onActive() setup that throws undoes the setups before it, last first, and throws with what their teardowns threw", () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.onActive("a", logging(log, "1"));
  bus.onActive("a", failingTeardown(log, "2"));
  bus.onActive("a", () => {
    throw new Error("offline");
  });
  assert.throws(() => bus.subscribe("a", () => {}), (error) => {
    assert.equal(
      (error as Error).message,
      'A setup of "a" failed, and so did a teardown while undoing',
    );
    return aggregateOf("offline", "teardown 2 failed")(error);
  });
  assert.deepEqual(log, ["setup 1", "setup 2", "teardown 2", "teardown 1"]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.subscribe() to several names whose later setup throws takes back the earlier names, and throws with what their teardowns threw", () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.onActive("a", failingTeardown(log, "a"));
  bus.onActive("b", () => {
    throw new Error("b offline");
  });
  assert.throws(() => bus.subscribe(["a", "b"], () => {}), (error) => {
    assert.equal(
      (error as Error).message,
      "A setup failed, and so did a teardown while undoing",
    );
    return aggregateOf("b offline", "teardown a failed")(error);
  });
  assert.deepEqual(log, ["setup a", "teardown a"]);
  assert.equal(bus.listenerCount(), 0);
});

Deno.test("EventBus.onActive() teardown that throws: the listener is gone, the remover throws", async (t) => {
  /** A bus whose `a` teardown throws. */
  function failing() {
    const bus = new EventBus<Events>();
    const log: string[] = [];
    bus.onActive("a", () => () => {
      throw new Error("close failed");
    });
    bus.onActive("b", () => () => {
      throw new Error("close b failed");
    });
    return { bus, log };
  }
  const closeFailed = { name: "Error", message: "close failed" };
  await t.step("handle, unsubscribe", () => {
    const { bus } = failing();
    const off = bus.subscribe("a", () => {});
    assert.throws(off, closeFailed);
    assert.equal(bus.listenerCount(), 0);
    off();
    const listener = () => {};
    bus.subscribe("a", listener);
    assert.throws(() => bus.unsubscribe("a", listener), closeFailed);
    assert.equal(bus.listenerCount(), 0);
  });
  await t.step("clear() clears everything, then throws every error", () => {
    const { bus } = failing();
    bus.subscribe("a", () => {});
    bus.subscribe("b", () => {});
    const iterator = bus.iterate(["a", "b"]);
    assert.throws(
      () => bus.clear(),
      aggregateOf("close failed", "close b failed"),
    );
    assert.equal(bus.listenerCount(), 0);
    assert.equal(iterator.buffered, 0);
  });
  await t.step(
    "clear() throws the errors of names it left through a release",
    () => {
      const { bus } = failing();
      // Clearing "a" ends the iterator, which leaves "b": b's teardown runs
      // inside the iterator's release.
      bus.iterate(["a", "b"]);
      assert.throws(
        () => bus.clear("a"),
        aggregateOf("close failed", "close b failed"),
      );
      assert.equal(bus.listenerCount(), 0);
    },
  );
  await t.step("once: the listener still runs, the emit fails", async () => {
    const { bus } = failing();
    const seen: number[] = [];
    bus.subscribe("a", (n) => void seen.push(n), { once: true });
    await assert.rejects(bus.emit("a", 1), aggregateOf("close failed"));
    assert.deepEqual(seen, [1]);
    assert.equal(bus.listenerCount(), 0);
  });
  await t.step("once: a failing listener fails with both errors", async () => {
    const { bus } = failing();
    bus.subscribe("a", () => Promise.reject(new Error("listener failed")), {
      once: true,
    });
    await assert.rejects(bus.emit("a", 1), (error: unknown) => {
      assert.ok(error instanceof AggregateError);
      const [both] = error.errors;
      assert.ok(both instanceof AggregateError);
      assert.deepEqual(both.errors.map((e: Error) => e.message), [
        "close failed",
        "listener failed",
      ]);
      return true;
    });
  });
  await t.step("waitFor: the wait resolves, the emit fails", async () => {
    const { bus } = failing();
    const wait = bus.waitFor("a");
    await assert.rejects(bus.emit("a", 1), AggregateError);
    assert.equal(await wait, 1);
    assert.equal(bus.listenerCount(), 0);
  });
  await t.step(
    "iterator: return() rejects and the iterator is done",
    async () => {
      const { bus } = failing();
      const iterator = bus.iterate("a");
      await bus.emit("a", 1);
      await assert.rejects(iterator.return(), closeFailed);
      assert.equal(iterator.buffered, 0);
      assert.deepEqual(await iterator.next(), { done: true, value: undefined });
      assert.equal(bus.listenerCount(), 0);
    },
  );
  await t.step("signal: thrown from the abort listener", () => {
    const { bus } = failing();
    // A stand-in signal whose abort lets listener errors through, where an
    // EventTarget would report them as uncaught.
    const listeners: (() => void)[] = [];
    const signal = {
      aborted: false,
      addEventListener: (_: string, listener: () => void) =>
        void listeners.push(listener),
      removeEventListener: () => {},
    } as unknown as AbortSignal;
    bus.subscribe("a", () => {}, { signal });
    assert.throws(
      () => listeners.forEach((listener) => listener()),
      closeFailed,
    );
    assert.equal(bus.listenerCount(), 0);
  });
  await t.step("hook handle on an active event", () => {
    const bus = new EventBus<Events>();
    bus.subscribe("a", () => {});
    const off = bus.onActive("a", () => () => {
      throw new Error("close failed");
    });
    assert.throws(off, closeFailed);
    assert.equal(bus.listenerCount("a"), 1);
  });
});

Deno.test("EventBus.onActive() types its name and setup", () => {
  const bus = new EventBus<Events>();
  bus.onActive("user.created", (name) => {
    const same: "user.created" = name;
    return () => void same;
  });
  // @ts-expect-error: not an event of the map
  assert.throws(() => bus.onActive("nope", 1), TypeError);
});
