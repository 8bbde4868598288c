// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

/**
 * The behaviour cases of `@arcly/bus`, written once and run unchanged by a
 * thin host on every runtime (`deno/`, `bun/`, `node/`, `workerd/`,
 * `browser/`). They import nothing but the package and `_assert.ts`, and use
 * Web-standard JavaScript only: no `using` syntax (Node 20 lacks it), no
 * runtime globals, no sleeps (deferred promises and one macrotask turn order
 * every async step).
 *
 * @module
 */

import { type EmitInfo, EventBus, type Unsubscribe } from "../mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertRejectsWith,
  assertThrows,
} from "./_assert.ts";

/** One named behaviour case. */
export interface Case {
  /** What the case shows, phrased like a test name. */
  readonly name: string;
  /** Runs the case; it throws or rejects when the behaviour is broken. */
  readonly fn: () => Promise<void>;
}

const list: Case[] = [];

/** How long a case may take before it counts as hung. */
const WATCHDOG_MS = 10_000;

function test(name: string, fn: () => void | Promise<void>): void {
  list.push({
    name,
    fn: async () => {
      // A broken fan-out can leave an emit pending forever: fail the case
      // instead of hanging the host. Nothing waits on this timer otherwise.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`did not settle within ${WATCHDOG_MS} ms`)),
          WATCHDOG_MS,
        );
      });
      try {
        await Promise.race([fn(), hung]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

type Events = {
  "user.created": { id: number };
  "user.deleted": { id: number };
  ready: undefined;
  tick: number;
};

/** Event names with dots, for pattern subscriptions. */
type Deep = {
  user: { id: number };
  "user.created": { id: number };
  "user.profile": { id: number };
  "user.profile.updated": { id: number };
  "users.created": { id: number };
  "order.paid": { id: number };
};

/** A promise with its resolve and reject functions. */
function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending microtask run: one macrotask turn. */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Whether a promise has settled by now (after one macrotask turn). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  const mark = () => {
    done = true;
  };
  promise.then(mark, mark);
  await turn();
  return done;
}

/** A minimal AbortSignal that counts its live abort listeners. */
function fakeSignal(): {
  signal: AbortSignal;
  live: () => number;
  abort: (reason: unknown) => void;
} {
  const listeners = new Set<() => void>();
  const target = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener(type: string, listener: () => void) {
      if (type === "abort") listeners.add(listener);
    },
    removeEventListener(type: string, listener: () => void) {
      if (type === "abort") listeners.delete(listener);
    },
  };
  return {
    signal: target as unknown as AbortSignal,
    live: () => listeners.size,
    abort(reason) {
      target.aborted = true;
      target.reason = reason;
      const all = [...listeners];
      listeners.clear();
      for (const listener of all) listener();
    },
  };
}

/** Passes a value of the wrong type past the type checker. */
function bad(value: unknown): never {
  return value as never;
}

// Rule 1: delivery

test("EventBus.emit() calls every subscription in subscription order with the payload itself", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  const payload = { id: 1 };
  const seen: unknown[] = [];
  bus.subscribe("user.created", (user) => {
    log.push("a");
    seen.push(user);
  });
  bus.subscribe("user.created", async (user) => {
    log.push("b");
    seen.push(user);
    await Promise.resolve();
  });
  bus.subscribe("user.created", (user) => {
    log.push("c");
    seen.push(user);
  });
  await bus.emit("user.created", payload);
  assertEquals(log, ["a", "b", "c"]);
  assertEquals(seen.length, 3);
  assert(seen.every((p) => p === payload), "every listener gets the payload");
});

test("EventBus.subscribe() twice with one function makes two subscriptions", async () => {
  const bus = new EventBus<Events>();
  let calls = 0;
  const listener = () => {
    calls++;
  };
  bus.subscribe("tick", listener);
  bus.subscribe("tick", listener);
  assertEquals(bus.listenerCount("tick"), 2);
  await bus.emit("tick", 1);
  assertEquals(calls, 2);
});

test("EventBus.emit() of an event nobody listens to resolves and calls nothing", async () => {
  const bus = new EventBus<Events>();
  let calls = 0;
  bus.subscribe("user.deleted", () => {
    calls++;
  });
  const result = bus.emit("user.created", { id: 1 });
  assert(await settled(result), "emit settled at once");
  assertEquals(await result, undefined);
  assertEquals(calls, 0);
});

test("EventBus.emit() reaches a late subscriber on later emits only", async () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  await bus.emit("tick", 1);
  bus.subscribe("tick", (n) => {
    seen.push(n);
  });
  await bus.emit("tick", 2);
  assertEquals(seen, [2]);
});

test("EventBus.subscribe() calls object listeners as methods, looked up on every call", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const listener = {
    prefix: "first",
    onEvent(n: number) {
      seen.push(`${this.prefix} ${n}`);
    },
  };
  bus.subscribe("tick", listener);
  await bus.emit("tick", 1);
  listener.onEvent = function (this: typeof listener, n: number) {
    seen.push(`replaced ${this.prefix} ${n}`);
  };
  await bus.emit("tick", 2);
  assertEquals(seen, ["first 1", "replaced first 2"]);
});

test("EventBus.emit() without a payload hands undefined to the listeners", async () => {
  const bus = new EventBus<Events>();
  const seen: unknown[] = [];
  bus.subscribe("ready", (payload) => {
    seen.push(payload);
  });
  await bus.emit("ready");
  assertEquals(seen, [undefined]);
});

// Rule 2: concurrent fan-out

test("EventBus.emit() starts every listener before awaiting any", async () => {
  const bus = new EventBus<Events>();
  const fromB = deferred<string>();
  const log: string[] = [];
  bus.subscribe("tick", async () => {
    log.push("a waits");
    log.push(`a got ${await fromB.promise}`);
  });
  bus.subscribe("tick", () => {
    log.push("b");
    fromB.resolve("b's value");
  });
  await bus.emit("tick", 1);
  assertEquals(log, ["a waits", "b", "a got b's value"]);
});

test("EventBus.emit() starts every listener synchronously, before it returns", async () => {
  const bus = new EventBus<Events>();
  const gate = deferred();
  const log: string[] = [];
  bus.subscribe("tick", async (n) => {
    log.push(`slow start ${n}`);
    await gate.promise;
    log.push(`slow end ${n}`);
  });
  bus.subscribe("tick", (n) => {
    log.push(`fast ${n}`);
  });
  bus.subscribeAll((event) => {
    log.push(`all ${event.name}`);
  });
  const done = bus.emit("tick", 1);
  assertEquals(log, ["slow start 1", "fast 1", "all tick"]);
  gate.resolve();
  await done;
  assertEquals(log, ["slow start 1", "fast 1", "all tick", "slow end 1"]);
});

// Rule 3: snapshots

test("EventBus.emit() does not call a listener added during that emit, but the next emit does", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.subscribe("tick", (n) => {
    seen.push(`first ${n}`);
    if (n === 1) {
      bus.subscribe("tick", (m) => {
        seen.push(`late ${m}`);
      });
    }
  });
  await bus.emit("tick", 1);
  assertEquals(seen, ["first 1"]);
  await bus.emit("tick", 2);
  assertEquals(seen, ["first 1", "first 2", "late 2"]);
});

test("EventBus.emit() still calls a listener removed during that emit, never afterwards", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const handles: { b?: Unsubscribe } = {};
  bus.subscribe("tick", (n) => {
    seen.push(`a ${n}`);
    handles.b?.();
  });
  handles.b = bus.subscribe("tick", (n) => {
    seen.push(`b ${n}`);
  });
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  assertEquals(seen, ["a 1", "b 1", "a 2"]);
  assertEquals(bus.listenerCount("tick"), 1);
});

test("EventBus.emit() in flight keeps its snapshot while later emits see changes", async () => {
  const bus = new EventBus<Events>();
  const gate = deferred();
  const seen: string[] = [];
  const offA = bus.subscribe("tick", async (n) => {
    seen.push(`a ${n}`);
    if (n === 1) await gate.promise;
  });
  const first = bus.emit("tick", 1);
  offA();
  bus.subscribe("tick", (n) => {
    seen.push(`b ${n}`);
  });
  await bus.emit("tick", 2);
  assertEquals(await settled(first), false);
  gate.resolve();
  await first;
  assertEquals(seen, ["a 1", "b 2"]);
});

test("EventBus.emit() snapshots listeners of every event too before calling any", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.subscribe("tick", (n) => {
    seen.push(`own ${n}`);
    if (n === 1) {
      bus.subscribeAll((event) => {
        seen.push(`all ${event.name} ${event.payload}`);
      });
    }
  });
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  assertEquals(seen, ["own 1", "own 2", "all tick 2"]);
});

// Rule 4: settling

test("EventBus.emit() settles only after every listener settled", async () => {
  const bus = new EventBus<Events>();
  const gates = [deferred(), deferred()];
  bus.subscribe("tick", () => gates[0]!.promise);
  bus.subscribe("tick", () => gates[1]!.promise);
  const done = bus.emit("tick", 1);
  assertEquals(await settled(done), false);
  gates[1]!.resolve();
  assertEquals(await settled(done), false);
  gates[0]!.resolve();
  assertEquals(await settled(done), true);
  assertEquals(await done, undefined);
});

test("EventBus.emit() waits for a listener's foreign thenable", async () => {
  const bus = new EventBus<Events>();
  let finish: (() => void) | undefined;
  const thenable = {
    then(onFulfilled: (value: unknown) => void) {
      finish = () => onFulfilled("done");
    },
  };
  bus.subscribe("tick", () => thenable);
  const done = bus.emit("tick", 1);
  assertEquals(await settled(done), false);
  assert(typeof finish === "function", "the bus called then()");
  finish!();
  assertEquals(await settled(done), true);
  await done;
});

test("EventBus.emit() counts a rejecting foreign thenable as an error", async () => {
  const bus = new EventBus<Events>();
  const failure = new Error("thenable failed");
  bus.subscribe("tick", () => ({
    then(_: unknown, onRejected: (reason: unknown) => void) {
      onRejected(failure);
    },
  }));
  const error = await assertRejects(
    bus.emit("tick", 1),
    AggregateError,
    '1 listener of "tick" failed',
  );
  assertEquals(error.errors, [failure]);
});

test("EventBus.emit() returns one shared resolved promise when no listener is async", async () => {
  const bus = new EventBus<Events>();
  const idle = bus.emit("tick", 1);
  bus.subscribe("tick", () => {});
  const sync = bus.emit("tick", 2);
  assert(idle === sync, "the same promise");
  assertEquals(await sync, undefined);
});

// Rule 5: errors

test("EventBus.emit() rejects with an AggregateError of every failure in subscription order", async () => {
  const bus = new EventBus<Events>();
  const gate = deferred();
  const first = new Error("first, rejects last");
  const second = new TypeError("second, throws at once");
  const third = new RangeError("third, rejects first");
  const ran: string[] = [];
  bus.subscribe("user.created", async () => {
    await gate.promise;
    throw first;
  });
  bus.subscribe("user.created", () => {
    throw second;
  });
  bus.subscribe("user.created", () => Promise.reject(third));
  bus.subscribe("user.created", async () => {
    await turn();
    ran.push("fine");
    gate.resolve();
  });
  const error = await assertRejects(
    bus.emit("user.created", { id: 1 }),
    AggregateError,
    '3 listeners of "user.created" failed',
  );
  assertEquals(error.errors, [first, second, third]);
  assertEquals(ran, ["fine"]);
});

test("EventBus.emit() names the event in the AggregateError of a single failure", async () => {
  const bus = new EventBus<Events>();
  const failure = new Error("boom");
  bus.subscribe("user.deleted", () => {
    throw failure;
  });
  const error = await assertRejects(
    bus.emit("user.deleted", { id: 1 }),
    AggregateError,
    '1 listener of "user.deleted" failed',
  );
  assertEquals(error.name, "AggregateError");
  assertEquals(error.errors, [failure]);
});

test("EventBus.emit() runs every listener to the end when an earlier one throws synchronously", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribe("tick", () => {
    log.push("a");
    throw new Error("a");
  });
  bus.subscribe("tick", async () => {
    await turn();
    log.push("b done");
  });
  bus.subscribeAll(() => {
    log.push("all");
  });
  const done = bus.emit("tick", 1);
  assertEquals(log, ["a", "all"]);
  await assertRejects(done, AggregateError);
  assertEquals(log, ["a", "all", "b done"]);
});

test("EventBus.emit() hands each error to onError with the event, in order, then resolves", async () => {
  const calls: unknown[] = [];
  const bus = new EventBus<Events>({
    onError(error, event) {
      calls.push([error, event.name, event.payload]);
    },
  });
  const gate = deferred();
  const payload = { id: 7 };
  const first = new Error("first");
  const second = new Error("second");
  bus.subscribe("user.created", async () => {
    await gate.promise;
    throw first;
  });
  bus.subscribe("user.created", () => {
    throw second;
  });
  const done = bus.emit("user.created", payload);
  assertEquals(await settled(done), false);
  assertEquals(calls, [], "onError waits for every listener");
  gate.resolve();
  assertEquals(await done, undefined);
  assertEquals(calls, [
    [first, "user.created", payload],
    [second, "user.created", payload],
  ]);
});

test("EventBus.emit() rejects with what onError threw, after offering it every error", async () => {
  const offered: unknown[] = [];
  const thrown = new Error("logger down");
  const bus = new EventBus<Events>({
    onError(error) {
      offered.push(error);
      throw thrown;
    },
  });
  const a = new Error("a");
  const b = new Error("b");
  bus.subscribe("tick", () => {
    throw a;
  });
  bus.subscribe("tick", () => Promise.reject(b));
  const error = await assertRejects(
    bus.emit("tick", 1),
    AggregateError,
    'onError threw while handling 2 errors of "tick"',
  );
  assertEquals(error.errors, [thrown, thrown]);
  assertEquals(offered, [a, b]);
});

test("EventBus.emit() orders errors of every-event listeners after the event's own", async () => {
  const bus = new EventBus<Events>();
  const gate = deferred();
  const own = new Error("own, rejects last");
  const all = new Error("all, throws at once");
  bus.subscribe("tick", async () => {
    await gate.promise;
    throw own;
  });
  bus.subscribeAll(() => {
    gate.resolve();
    throw all;
  });
  const error = await assertRejects(bus.emit("tick", 1), AggregateError);
  assertEquals(error.errors, [own, all]);
});

// Rule 6: once and signal

test("EventBus.subscribe() with once calls the listener exactly once across back-to-back emits", async () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  bus.subscribe("tick", (n) => {
    seen.push(n);
  }, { once: true });
  assertEquals(bus.listenerCount("tick"), 1);
  await Promise.all([bus.emit("tick", 1), bus.emit("tick", 2)]);
  await bus.emit("tick", 3);
  assertEquals(seen, [1]);
  assertEquals(bus.listenerCount("tick"), 0);
});

test("EventBus.subscribe() with once is not called again by a re-emit from an earlier listener", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.subscribe("tick", (n) => {
    seen.push(`first ${n}`);
    if (n === 1) void bus.emit("tick", 2);
  });
  bus.subscribe("tick", (n) => {
    seen.push(`once ${n}`);
  }, { once: true });
  await bus.emit("tick", 1);
  await turn();
  assertEquals(seen, ["first 1", "first 2", "once 2"]);
});

test("EventBus.subscribe() with once that re-emits from inside is called once", async () => {
  const bus = new EventBus<Events>();
  let calls = 0;
  bus.subscribe("tick", async (n) => {
    calls++;
    await bus.emit("tick", n + 1);
  }, { once: true });
  await bus.emit("tick", 1);
  assertEquals(calls, 1);
});

test("EventBus.subscribe() with a signal is removed when it aborts", async () => {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const seen: number[] = [];
  bus.subscribe("tick", (n) => {
    seen.push(n);
  }, { signal: controller.signal });
  await bus.emit("tick", 1);
  controller.abort();
  assertEquals(bus.listenerCount("tick"), 0);
  await bus.emit("tick", 2);
  assertEquals(seen, [1]);
});

test("EventBus.subscribe() with an already aborted signal adds nothing and returns a working handle", async () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  const off = bus.subscribe("tick", (n) => {
    seen.push(n);
  }, { signal: AbortSignal.abort() });
  assertEquals(bus.listenerCount(), 0);
  await bus.emit("tick", 1);
  assertEquals(seen, []);
  off();
  off[Symbol.dispose]();
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.subscribe() releases its abort listener when unsubscribed, fired once, aborted or cleared", async () => {
  const bus = new EventBus<Events>();
  const { signal, live, abort } = fakeSignal();
  const off = bus.subscribe("tick", () => {}, { signal });
  bus.subscribe("tick", () => {}, { signal, once: true });
  bus.subscribe("user.deleted", () => {}, { signal });
  bus.subscribeAll(() => {}, { signal });
  assertEquals(live(), 4);
  off();
  assertEquals(live(), 3);
  await bus.emit("tick", 1);
  assertEquals(live(), 2);
  bus.clear("user.deleted");
  assertEquals(live(), 1);
  abort(new Error("stop"));
  assertEquals(live(), 0);
  assertEquals(bus.listenerCount(), 0);
});

// Unsubscribe and Symbol.dispose

test("Unsubscribe removes exactly its subscription and is idempotent", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const listener = (n: number) => {
    seen.push(`x ${n}`);
  };
  const offFirst = bus.subscribe("tick", listener);
  bus.subscribe("tick", listener);
  bus.subscribe("tick", (n) => {
    seen.push(`y ${n}`);
  });
  offFirst();
  offFirst();
  assertEquals(bus.listenerCount("tick"), 2);
  await bus.emit("tick", 1);
  assertEquals(seen, ["x 1", "y 1"]);
});

test("Unsubscribe is Disposable: Symbol.dispose removes the subscription", async () => {
  const bus = new EventBus<Events>();
  const seen: number[] = [];
  const off = bus.subscribe("tick", (n) => {
    seen.push(n);
  });
  assertEquals(typeof off, "function");
  assertEquals(typeof off[Symbol.dispose], "function");
  off[Symbol.dispose]();
  off[Symbol.dispose]();
  off();
  assertEquals(bus.listenerCount(), 0);
  await bus.emit("tick", 1);
  assertEquals(seen, []);
});

test("Unsubscribe after clear() leaves a newer subscription of that event alone", async () => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const offOld = bus.subscribe("tick", () => {
    seen.push("old");
  });
  bus.clear("tick");
  bus.subscribe("tick", () => {
    seen.push("new");
  });
  offOld();
  assertEquals(bus.listenerCount("tick"), 1);
  await bus.emit("tick", 1);
  assertEquals(seen, ["new"]);
});

// subscribeAll

test("EventBus.subscribeAll() receives every event as { name, payload } after the event's own listeners", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribeAll((event) => {
    log.push(`all ${event.name} ${JSON.stringify(event.payload)}`);
  });
  bus.subscribe("user.created", (user) => {
    log.push(`own ${user.id}`);
  });
  await bus.emit("user.created", { id: 1 });
  await bus.emit("tick", 2);
  await bus.emit("ready");
  assertEquals(log, [
    "own 1",
    'all user.created {"id":1}',
    "all tick 2",
    "all ready undefined",
  ]);
});

test("EventBus.subscribeAll() takes object listeners and keeps subscription order among its kind", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribeAll({
    onEvent(event) {
      log.push(`object ${event.name}`);
    },
  });
  bus.subscribeAll((event) => {
    log.push(`function ${event.name}`);
  });
  await bus.emit("tick", 1);
  assertEquals(log, ["object tick", "function tick"]);
});

test("EventBus.subscribeAll() follows once, signal and unsubscribe like subscribe()", async () => {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const log: string[] = [];
  bus.subscribeAll((e) => {
    log.push(`once ${e.name}`);
  }, { once: true });
  bus.subscribeAll((e) => {
    log.push(`signal ${e.name}`);
  }, { signal: controller.signal });
  const off = bus.subscribeAll((e) => {
    log.push(`handle ${e.name}`);
  });
  assertEquals(bus.listenerCount(), 3);
  await bus.emit("tick", 1);
  controller.abort();
  off[Symbol.dispose]();
  await bus.emit("ready");
  assertEquals(log, ["once tick", "signal tick", "handle tick"]);
  assertEquals(bus.listenerCount(), 0);
});

// waitFor

test("EventBus.waitFor() resolves with the next payload and counts as a listener until then", async () => {
  const bus = new EventBus<Events>();
  const payload = { id: 3 };
  const next = bus.waitFor("user.created");
  assertEquals(bus.listenerCount("user.created"), 1);
  assertEquals(await settled(next), false);
  await bus.emit("user.created", payload);
  assert(await next === payload, "resolves with the payload itself");
  assertEquals(bus.listenerCount("user.created"), 0);
});

test("EventBus.waitFor() with a filter resolves with the first matching payload", async () => {
  const bus = new EventBus<Events>();
  const tested: number[] = [];
  const big = bus.waitFor("tick", {
    filter: (n) => {
      tested.push(n);
      return n > 1;
    },
  });
  await bus.emit("tick", 1);
  assertEquals(await settled(big), false);
  await bus.emit("tick", 2);
  await bus.emit("tick", 3);
  assertEquals(await big, 2);
  assertEquals(tested, [1, 2]);
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.waitFor() rejects with the error its filter threw", async () => {
  const bus = new EventBus<Events>();
  const failure = new Error("bad filter");
  const wait = bus.waitFor("tick", {
    filter: () => {
      throw failure;
    },
  });
  await bus.emit("tick", 1);
  await assertRejectsWith(wait, failure);
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.waitFor() rejects with signal.reason when aborted, at once when already aborted", async () => {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const reason = new Error("gave up");
  const wait = bus.waitFor("ready", { signal: controller.signal });
  assertEquals(bus.listenerCount("ready"), 1);
  controller.abort(reason);
  await assertRejectsWith(wait, reason);
  assertEquals(bus.listenerCount(), 0);
  const early = new Error("too late");
  await assertRejectsWith(
    bus.waitFor("ready", { signal: AbortSignal.abort(early) }),
    early,
  );
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.waitFor() releases its abort listener once settled", async () => {
  const bus = new EventBus<Events>();
  const { signal, live } = fakeSignal();
  const wait = bus.waitFor("tick", { signal });
  assertEquals(live(), 1);
  await bus.emit("tick", 5);
  assertEquals(await wait, 5);
  assertEquals(live(), 0);
});

test("EventBus.waitFor() rejects when clear() removes it", async () => {
  const bus = new EventBus<Events>();
  const one = bus.waitFor("ready");
  const all = bus.waitFor("tick");
  bus.clear("ready");
  await assertRejects(
    one,
    Error,
    'Stopped waiting for "ready": the bus was cleared',
  );
  assertEquals(await settled(all), false);
  bus.clear();
  await assertRejects(
    all,
    Error,
    'Stopped waiting for "tick": the bus was cleared',
  );
});

test("EventBus.waitFor() rejects with TypeError for bad arguments and registers nothing", async () => {
  const bus = new EventBus<Events>();
  await assertRejects(
    bus.waitFor(bad(1)),
    TypeError,
    "Cannot wait: event name must be a string, got number 1",
  );
  await assertRejects(
    bus.waitFor("tick", bad(7)),
    TypeError,
    'Cannot wait for "tick": options must be an object, got number 7',
  );
  await assertRejects(
    bus.waitFor("tick", { filter: bad("yes") }),
    TypeError,
    'Cannot wait for "tick": options.filter must be a function, got string "yes"',
  );
  await assertRejects(
    bus.waitFor("tick", { signal: bad({}) }),
    TypeError,
    'Cannot wait for "tick": options.signal must be an AbortSignal, got an object',
  );
  assertEquals(bus.listenerCount(), 0);
});

// listenerCount and clear

test("EventBus.listenerCount() counts one event's subscriptions, or all of them", async () => {
  const bus = new EventBus<Events>();
  bus.subscribe("tick", () => {});
  bus.subscribe("tick", () => {});
  bus.subscribe("ready", () => {});
  bus.subscribeAll(() => {});
  const wait = bus.waitFor("user.created");
  assertEquals(bus.listenerCount("tick"), 2);
  assertEquals(bus.listenerCount("ready"), 1);
  assertEquals(bus.listenerCount("user.created"), 1);
  assertEquals(bus.listenerCount("user.deleted"), 0);
  assertEquals(bus.listenerCount(), 5);
  assertThrows(
    () => bus.listenerCount(bad(null)),
    TypeError,
    "Cannot count listeners: event name must be a string, got null",
  );
  bus.clear();
  await assertRejects(wait, Error);
});

test("EventBus.clear() removes one event's subscriptions or all, leaving emits in flight intact", async () => {
  const bus = new EventBus<Events>();
  const gate = deferred();
  const log: string[] = [];
  bus.subscribe("tick", async (n) => {
    log.push(`slow ${n}`);
    await gate.promise;
  });
  bus.subscribe("tick", (n) => {
    log.push(`tick ${n}`);
  });
  bus.subscribe("ready", () => {
    log.push("ready");
  });
  bus.subscribeAll((e) => {
    log.push(`all ${e.name}`);
  });
  const inFlight = bus.emit("tick", 1);
  bus.clear("tick");
  assertEquals(bus.listenerCount("tick"), 0);
  assertEquals(bus.listenerCount(), 2);
  await bus.emit("tick", 2);
  bus.clear();
  assertEquals(bus.listenerCount(), 0);
  await bus.emit("ready");
  gate.resolve();
  await inFlight;
  assertEquals(log, ["slow 1", "tick 1", "all tick", "all tick"]);
  assertThrows(
    () => bus.clear(bad(0)),
    TypeError,
    "Cannot clear: event name must be a string, got number 0",
  );
});

test("EventBus keeps delivering correctly with 10,000 listeners on one event", async () => {
  const bus = new EventBus<Events>();
  let calls = 0;
  const offs: Unsubscribe[] = [];
  for (let i = 0; i < 10_000; i++) {
    offs.push(bus.subscribe("tick", () => {
      calls++;
    }));
  }
  await bus.emit("tick", 1);
  for (let i = 0; i < offs.length; i += 2) offs[i]!();
  await bus.emit("tick", 2);
  assertEquals(calls, 15_000);
  assertEquals(bus.listenerCount("tick"), 5_000);
});

// Rule 7: bad input

test("EventBus.subscribe() throws TypeError for a non-string event and registers nothing", () => {
  const bus = new EventBus<Events>();
  assertThrows(
    () => bus.subscribe(bad(42), () => {}),
    TypeError,
    "Cannot subscribe: event name must be a string, got number 42",
  );
  assertThrows(
    () => bus.subscribe(bad(Symbol("x")), () => {}),
    TypeError,
    "Cannot subscribe: event name must be a string, got Symbol(x)",
  );
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.subscribe() throws TypeError for a listener that is neither function nor onEvent object", () => {
  const bus = new EventBus<Events>();
  const cases: [unknown, string][] = [
    [42, "number 42"],
    [null, "null"],
    [undefined, "undefined"],
    ["f", 'string "f"'],
    [{}, "an object"],
    [{ onEvent: true }, "an object"],
    [[], "an array"],
  ];
  for (const [listener, got] of cases) {
    assertThrows(
      () => bus.subscribe("tick", bad(listener)),
      TypeError,
      `Cannot subscribe to "tick": listener must be a function or an object with an onEvent method, got ${got}`,
    );
  }
  assertThrows(
    () => bus.subscribeAll(bad(7n)),
    TypeError,
    "Cannot subscribe to every event: listener must be a function or an object with an onEvent method, got bigint 7",
  );
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.subscribe() throws TypeError for bad options and adds no abort listener", () => {
  const bus = new EventBus<Events>();
  const { signal, live } = fakeSignal();
  assertThrows(
    () => bus.subscribe("tick", () => {}, bad(null)),
    TypeError,
    'Cannot subscribe to "tick": options must be an object, got null',
  );
  assertThrows(
    () => bus.subscribe("tick", () => {}, { once: bad("yes"), signal }),
    TypeError,
    'Cannot subscribe to "tick": options.once must be a boolean, got string "yes"',
  );
  assertThrows(
    () => bus.subscribe("tick", () => {}, { signal: bad({ aborted: false }) }),
    TypeError,
    'Cannot subscribe to "tick": options.signal must be an AbortSignal, got an object',
  );
  assertThrows(
    () => bus.subscribeAll(() => {}, { once: bad(1) }),
    TypeError,
    "Cannot subscribe to every event: options.once must be a boolean, got number 1",
  );
  assertEquals(live(), 0);
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.emit() returns a rejected promise, never throws, for a non-string event", async () => {
  const bus = new EventBus<Events>();
  let result: Promise<void> | undefined;
  try {
    result = bus.emit(bad(Symbol("x")), bad(undefined));
  } catch (error) {
    throw new Error(`emit threw synchronously: ${error}`);
  }
  await assertRejects(
    result,
    TypeError,
    "Cannot emit: event name must be a string, got Symbol(x)",
  );
});

test("new EventBus() throws TypeError for bad options", () => {
  assertThrows(
    () => new EventBus(bad({ onError: "log" })),
    TypeError,
    'Cannot create EventBus: options.onError must be a function, got string "log"',
  );
  assertThrows(
    () => new EventBus(bad(5)),
    TypeError,
    "Cannot create EventBus: options must be an object, got number 5",
  );
});

// iterate and iterateAll

test("EventBus.iterate() yields payloads in emit order, buffering those emitted before the first read", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  assertEquals(bus.listenerCount("tick"), 1);
  const emitted = bus.emit("tick", 1);
  assert(await settled(emitted), "the emit does not wait for the consumer");
  await bus.emit("tick", 2);
  await bus.emit("tick", 3);
  assertEquals(ticks.buffered, 3);
  assertEquals(await ticks.next(), { done: false, value: 1 });
  assertEquals(ticks.buffered, 2);
  assertEquals(await ticks.next(), { done: false, value: 2 });
  assertEquals(await ticks.next(), { done: false, value: 3 });
  assertEquals(ticks.buffered, 0);
  const pending = ticks.next();
  assertEquals(await settled(pending), false);
  await bus.emit("tick", 4);
  assertEquals(await pending, { done: false, value: 4 });
  await ticks.return();
});

test("EventBus.iterate() answers concurrent reads in order and hands over the payload itself", async () => {
  const bus = new EventBus<Events>();
  const users = bus.iterate("user.created");
  const first = users.next();
  const second = users.next();
  const a = { id: 1 };
  const b = { id: 2 };
  await bus.emit("user.created", a);
  await bus.emit("user.created", b);
  const r1 = await first;
  const r2 = await second;
  assert(r1.value === a && r2.value === b, "payloads in order, by identity");
  assertEquals(users.buffered, 0);
  await users.return();
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.iterate() with drop-oldest keeps the newest bufferSize payloads", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick", { bufferSize: 2, overflow: "drop-oldest" });
  for (let i = 1; i <= 5; i++) await bus.emit("tick", i);
  assertEquals(ticks.buffered, 2);
  assertEquals(bus.listenerCount("tick"), 1);
  assertEquals(await ticks.next(), { done: false, value: 4 });
  assertEquals(await ticks.next(), { done: false, value: 5 });
  await bus.emit("tick", 6);
  assertEquals(await ticks.next(), { done: false, value: 6 });
  await ticks.return();
});

test("EventBus.iterate() with drop-newest keeps the first bufferSize payloads", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick", { bufferSize: 2, overflow: "drop-newest" });
  for (let i = 1; i <= 5; i++) await bus.emit("tick", i);
  assertEquals(ticks.buffered, 2);
  assertEquals(bus.listenerCount("tick"), 1);
  assertEquals(await ticks.next(), { done: false, value: 1 });
  assertEquals(await ticks.next(), { done: false, value: 2 });
  await bus.emit("tick", 6);
  assertEquals(await ticks.next(), { done: false, value: 6 });
  await ticks.return();
});

test("EventBus.iterate() overflows with an error by default: unsubscribed, emptied, one failed read, then done", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick", { bufferSize: 2 });
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  assertEquals(bus.listenerCount("tick"), 1);
  assertEquals(await bus.emit("tick", 3), undefined, "the emit succeeds");
  assertEquals(bus.listenerCount("tick"), 0);
  assertEquals(ticks.buffered, 0);
  await assertRejects(
    ticks.next(),
    Error,
    'Iterator of "tick" overflowed: its buffer of 2 events was full',
  );
  assertEquals(await ticks.next(), { done: true, value: undefined });
  await bus.emit("tick", 4);
  assertEquals(await ticks.next(), { done: true, value: undefined });
});

test("EventBus.iterate() unsubscribes at once when the loop breaks or throws, and return() ends pending reads", async () => {
  const bus = new EventBus<Events>();
  const { signal, live } = fakeSignal();
  const ticks = bus.iterate("tick", { signal });
  assertEquals(live(), 1);
  for (let i = 1; i <= 3; i++) await bus.emit("tick", i);
  const seen: number[] = [];
  for await (const n of ticks) {
    seen.push(n);
    if (n === 2) break;
  }
  assertEquals(seen, [1, 2]);
  assertEquals(bus.listenerCount(), 0);
  assertEquals(live(), 0, "the abort listener is released");
  assertEquals(ticks.buffered, 0);
  assertEquals(await ticks.next(), { done: true, value: undefined });

  const failure = new Error("consumer failed");
  const more = bus.iterate("tick");
  await bus.emit("tick", 1);
  let thrown: unknown;
  try {
    for await (const _ of more) throw failure;
  } catch (error) {
    thrown = error;
  }
  assert(thrown === failure, "the loop's own error comes out");
  assertEquals(bus.listenerCount(), 0);

  const waiting = bus.iterate("tick");
  const pending = waiting.next();
  assertEquals(await waiting.return(), { done: true, value: undefined });
  assertEquals(await pending, { done: true, value: undefined });
  assertEquals(bus.listenerCount(), 0);
});

test("EventBus.iterate() with a signal: abort rejects the pending or next read with its reason and unsubscribes", async () => {
  const bus = new EventBus<Events>();
  const controller = new AbortController();
  const reason = new Error("stop");
  const ticks = bus.iterate("tick", { signal: controller.signal });
  const pending = ticks.next();
  controller.abort(reason);
  await assertRejectsWith(pending, reason);
  assertEquals(bus.listenerCount(), 0);
  assertEquals(await ticks.next(), { done: true, value: undefined });

  const later = new AbortController();
  const buffered = bus.iterate("tick", { signal: later.signal });
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  later.abort(reason);
  assertEquals(buffered.buffered, 0, "abort drops the buffer");
  await assertRejectsWith(buffered.next(), reason);
  assertEquals(await buffered.next(), { done: true, value: undefined });

  const early = new Error("already");
  const never = bus.iterate("tick", { signal: AbortSignal.abort(early) });
  assertEquals(bus.listenerCount(), 0, "an aborted signal subscribes nothing");
  await bus.emit("tick", 3);
  await assertRejectsWith(never.next(), early);
  assertEquals(await never.next(), { done: true, value: undefined });
});

test("EventBus.iterate() ends after its buffered payloads when clear() removes it", async () => {
  const bus = new EventBus<Events>();
  const ticks = bus.iterate("tick");
  const idle = bus.iterate("ready");
  const pending = idle.next();
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  bus.clear();
  assertEquals(bus.listenerCount(), 0);
  assertEquals(await pending, { done: true, value: undefined });
  await bus.emit("tick", 3);
  const seen: number[] = [];
  for await (const n of ticks) seen.push(n);
  assertEquals(seen, [1, 2]);
});

test("EventBus.iterateAll() yields every event as a frozen { name, payload } and overflows like iterate()", async () => {
  const bus = new EventBus<Events>();
  const events = bus.iterateAll({ bufferSize: 3 });
  assertEquals(bus.listenerCount(), 1);
  const user = { id: 1 };
  await bus.emit("user.created", user);
  await bus.emit("ready");
  await bus.emit("tick", 2);
  const first = await events.next();
  assertEquals(first.value, { name: "user.created", payload: user });
  assert(first.value!.payload === user, "the payload itself");
  assert(Object.isFrozen(first.value), "the event is frozen");
  assertEquals((await events.next()).value, {
    name: "ready",
    payload: undefined,
  });
  assertEquals((await events.next()).value, { name: "tick", payload: 2 });
  await events.return();
  assertEquals(bus.listenerCount(), 0);

  const small = bus.iterateAll({ bufferSize: 1 });
  await bus.emit("tick", 1);
  await bus.emit("tick", 2);
  assertEquals(bus.listenerCount(), 0);
  await assertRejects(
    small.next(),
    Error,
    "Iterator of every event overflowed: its buffer of 1 event was full",
  );
});

test("EventBus.iterate() throws for bad arguments and subscribes nothing", () => {
  const bus = new EventBus<Events>();
  assertThrows(
    () => bus.iterate(bad(1)),
    TypeError,
    "Cannot iterate: event name must be a string, got number 1",
  );
  assertThrows(
    () => bus.iterate("tick", bad("fast")),
    TypeError,
    'Cannot iterate "tick": options must be an object, got string "fast"',
  );
  assertThrows(
    () => bus.iterate("tick", { bufferSize: bad("10") }),
    TypeError,
    'Cannot iterate "tick": options.bufferSize must be a number, got string "10"',
  );
  for (const size of [0, 1.5, Infinity]) {
    assertThrows(
      () => bus.iterate("tick", { bufferSize: size }),
      RangeError,
      `Cannot iterate "tick": options.bufferSize must be a positive integer, got ${size}`,
    );
  }
  assertThrows(
    () => bus.iterate("tick", { overflow: bad("drop") }),
    TypeError,
    'Cannot iterate "tick": options.overflow must be "drop-oldest", "drop-newest" or "error", got string "drop"',
  );
  assertThrows(
    () => bus.iterateAll({ signal: bad({}) }),
    TypeError,
    "Cannot iterate every event: options.signal must be an AbortSignal, got an object",
  );
  assertEquals(bus.listenerCount(), 0);
});

// emitSerial

test("EventBus.emitSerial() starts each listener only after the previous one settled, the first at once", async () => {
  const bus = new EventBus<Events>();
  const gates = [deferred(), deferred()];
  const log: string[] = [];
  bus.subscribe("tick", async (n) => {
    log.push(`a start ${n}`);
    await gates[0]!.promise;
    log.push("a end");
  });
  bus.subscribe("tick", (n) => {
    log.push(`b ${n}`);
    return gates[1]!.promise;
  });
  bus.subscribe("tick", (n) => {
    log.push(`c ${n}`);
  });
  const done = bus.emitSerial("tick", 1);
  assertEquals(log, ["a start 1"]);
  assertEquals(await settled(done), false);
  assertEquals(log, ["a start 1"]);
  gates[0]!.resolve();
  assertEquals(await settled(done), false);
  assertEquals(log, ["a start 1", "a end", "b 1"]);
  gates[1]!.resolve();
  assertEquals(await settled(done), true);
  assertEquals(log, ["a start 1", "a end", "b 1", "c 1"]);
  assertEquals(await done, undefined);
});

test("EventBus.emitSerial() runs own, pattern and every-event listeners in emit's order", async () => {
  const bus = new EventBus<Events>();
  const log: string[] = [];
  bus.subscribeAll(async (e) => {
    await turn();
    log.push(`all ${e.name}`);
  });
  bus.subscribePattern("user.*", async (e) => {
    await turn();
    log.push(`pattern ${e.name}`);
  });
  bus.subscribe("user.created", async (user) => {
    await turn();
    log.push(`own ${user.id}`);
  });
  await bus.emitSerial("user.created", { id: 1 });
  assertEquals(log, ["own 1", "pattern user.created", "all user.created"]);
  assertEquals(await bus.emitSerial("user.deleted", { id: 2 }), undefined);
  assertEquals(log.slice(3), ["pattern user.deleted", "all user.deleted"]);
});

test("EventBus.emitSerial() runs every listener when some fail and collects the errors in order", async () => {
  const bus = new EventBus<Events>();
  const first = new Error("first, rejects");
  const second = new TypeError("second, throws");
  const third = new RangeError("third, every event");
  const ran: string[] = [];
  bus.subscribe("tick", async () => {
    await turn();
    ran.push("first");
    throw first;
  });
  bus.subscribe("tick", () => {
    ran.push("second");
    throw second;
  });
  bus.subscribe("tick", () => {
    ran.push("fine");
  });
  bus.subscribeAll(() => {
    ran.push("all");
    return Promise.reject(third);
  });
  const error = await assertRejects(
    bus.emitSerial("tick", 1),
    AggregateError,
    '3 listeners of "tick" failed',
  );
  assertEquals(error.errors, [first, second, third]);
  assertEquals(ran, ["first", "second", "fine", "all"]);

  const offered: unknown[] = [];
  const quiet = new EventBus<Events>({
    onError(e, event) {
      offered.push([e, event.name, event.payload]);
    },
  });
  quiet.subscribe("tick", () => {
    throw first;
  });
  quiet.subscribe("tick", () => Promise.reject(second));
  assertEquals(await quiet.emitSerial("tick", 5), undefined);
  assertEquals(offered, [[first, "tick", 5], [second, "tick", 5]]);
  await assertRejects(
    bus.emitSerial(bad(7), bad(undefined)),
    TypeError,
    "Cannot emit: event name must be a string, got number 7",
  );
});

// subscribePattern

test("EventBus.subscribePattern() matches one or more segments after the prefix, never the prefix itself", async () => {
  const bus = new EventBus<Deep>();
  const wide: unknown[] = [];
  const deep: string[] = [];
  bus.subscribePattern("user.*", (event) => {
    wide.push(event);
  });
  bus.subscribePattern("user.profile.*", (event) => {
    deep.push(event.name);
  });
  const payload = { id: 1 };
  await bus.emit("user.created", payload);
  await bus.emit("user.profile.updated", { id: 2 });
  await bus.emit("user.profile", { id: 3 });
  await bus.emit("user", { id: 4 });
  await bus.emit("users.created", { id: 5 });
  await bus.emit("order.paid", { id: 6 });
  assertEquals(wide, [
    { name: "user.created", payload: { id: 1 } },
    { name: "user.profile.updated", payload: { id: 2 } },
    { name: "user.profile", payload: { id: 3 } },
  ]);
  assert(
    (wide[0] as { payload: unknown }).payload === payload,
    "the payload itself",
  );
  assert(wide.every((e) => Object.isFrozen(e)), "events are frozen");
  assertEquals(deep, ["user.profile.updated"]);
  const loose = new EventBus();
  const names: string[] = [];
  loose.subscribePattern("a.b.*", (event) => {
    names.push(event.name);
  });
  for (const name of ["a.b", "a.b.", "a.b.c", "a.b.c.d", "a.bc", "a.b..x"]) {
    await loose.emit(name);
  }
  assertEquals(names, ["a.b.c", "a.b.c.d", "a.b..x"]);
});

test("EventBus.emit() calls own listeners, then pattern listeners in subscription order, then every-event ones, and reports errors so", async () => {
  const bus = new EventBus<Deep>();
  const log: string[] = [];
  const fail = (label: string) => {
    log.push(label);
    throw new Error(label);
  };
  bus.subscribeAll(() => fail("all"));
  bus.subscribePattern("user.profile.*", () => fail("user.profile.* #1"));
  bus.subscribePattern("user.*", () => fail("user.* #1"));
  bus.subscribe("user.profile.updated", () => fail("own"));
  bus.subscribePattern("user.profile.*", () => fail("user.profile.* #2"));
  bus.subscribePattern("user.*", () => fail("user.* #2"));
  const expected = [
    "own",
    "user.profile.* #1",
    "user.* #1",
    "user.profile.* #2",
    "user.* #2",
    "all",
  ];
  const error = await assertRejects(
    bus.emit("user.profile.updated", { id: 1 }),
    AggregateError,
    '6 listeners of "user.profile.updated" failed',
  );
  assertEquals(log, expected);
  assertEquals(error.errors.map((e: Error) => e.message), expected);
});

test("EventBus.subscribePattern() follows once, signal, unsubscribe, snapshots, listenerCount and clear", async () => {
  const bus = new EventBus<Deep>();
  const controller = new AbortController();
  const log: string[] = [];
  bus.subscribePattern("user.*", (e) => {
    log.push(`once ${e.name}`);
  }, { once: true });
  bus.subscribePattern("user.*", (e) => {
    log.push(`signal ${e.name}`);
  }, { signal: controller.signal });
  const off = bus.subscribePattern("user.*", {
    onEvent(e) {
      log.push(`object ${e.name}`);
    },
  });
  assertEquals(bus.listenerCount(), 3);
  assertEquals(bus.listenerCount("user.created"), 0);
  await bus.emit("user.created", { id: 1 });
  controller.abort();
  off();
  off[Symbol.dispose]();
  assertEquals(bus.listenerCount(), 0);
  await bus.emit("user.created", { id: 2 });
  assertEquals(log, [
    "once user.created",
    "signal user.created",
    "object user.created",
  ]);

  log.length = 0;
  bus.subscribePattern("user.*", (e) => {
    log.push(`kept ${e.name}`);
    if (e.payload.id === 1) {
      bus.subscribePattern("user.*", (late) => {
        log.push(`late ${late.name}`);
      });
    }
  });
  bus.clear("user.created");
  assertEquals(bus.listenerCount(), 1, "clear(name) leaves patterns");
  await bus.emit("user.created", { id: 1 });
  await bus.emit("user.created", { id: 2 });
  assertEquals(log, [
    "kept user.created",
    "kept user.created",
    "late user.created",
  ]);
  bus.clear();
  assertEquals(bus.listenerCount(), 0);
  await bus.emit("user.created", { id: 3 });
  assertEquals(log.length, 3);
});

test("EventBus.subscribePattern() throws TypeError for bad patterns, listeners and options and registers nothing", () => {
  const bus = new EventBus();
  assertThrows(
    () => bus.subscribePattern(bad(42), () => {}),
    TypeError,
    "Cannot subscribe to pattern: pattern must be a string, got number 42",
  );
  for (const pattern of ["user", "user.", ".*", "*", "user*", "a.*.b.*"]) {
    assertThrows(
      () => bus.subscribePattern(bad(pattern), () => {}),
      TypeError,
      `Cannot subscribe to pattern ${
        JSON.stringify(pattern)
      }: a pattern is an event name prefix followed by ".*", like "user.*", with no other "*"`,
    );
  }
  assertThrows(
    () => bus.subscribePattern("user.*", bad(42)),
    TypeError,
    'Cannot subscribe to pattern "user.*": listener must be a function or an object with an onEvent method, got number 42',
  );
  assertThrows(
    () => bus.subscribePattern("user.*", () => {}, { once: bad("yes") }),
    TypeError,
    'Cannot subscribe to pattern "user.*": options.once must be a boolean, got string "yes"',
  );
  assertEquals(bus.listenerCount(), 0);
});

// onEmit

test("EventBus onEmit gets a frozen info with every field after the listeners settled, before the emit does", async () => {
  const infos: EmitInfo<Events>[] = [];
  const log: string[] = [];
  const bus = new EventBus<Events>({
    onEmit(info) {
      log.push(`trace ${info.name}`);
      infos.push(info);
    },
  });
  const gate = deferred();
  const payload = { id: 1 };
  bus.subscribe("user.created", () => gate.promise);
  bus.subscribe("user.created", () => {});
  bus.subscribePattern("user.*", () => {});
  bus.subscribeAll(() => {});
  const before = performance.now();
  const done = bus.emit("user.created", payload);
  void done.then(() => log.push("settled"));
  assertEquals(await settled(done), false);
  assertEquals(log, [], "onEmit waits for every listener");
  gate.resolve();
  await done;
  await turn();
  assertEquals(log, ["trace user.created", "settled"]);
  const info = infos[0]!;
  assert(Object.isFrozen(info), "info is frozen");
  assertEquals(info.name, "user.created");
  assert(info.payload === payload, "the payload itself");
  assertEquals(info.listeners, 4);
  assertEquals(info.errors, []);
  assertEquals(info.serial, false);
  assert(
    typeof info.start === "number" && info.start >= before,
    "start is performance.now() at the emit",
  );
  assert(
    typeof info.duration === "number" && info.duration >= 0,
    "duration is a non-negative number",
  );
  await bus.emit("ready");
  await bus.emitSerial("tick", 3);
  assertEquals(
    infos.slice(1).map((i) => [i.name, i.payload, i.listeners, i.serial]),
    [["ready", undefined, 1, false], ["tick", 3, 1, true]],
  );
});

test("EventBus onEmit reports listener errors, also those onError took, and a throwing onEmit rejects the emit", async () => {
  const infos: EmitInfo<Events>[] = [];
  const bus = new EventBus<Events>({ onEmit: (info) => infos.push(info) });
  const a = new Error("a");
  const b = new Error("b");
  bus.subscribe("tick", () => Promise.reject(a));
  bus.subscribe("tick", () => {
    throw b;
  });
  const error = await assertRejects(bus.emit("tick", 1), AggregateError);
  assertEquals(error.errors, [a, b]);
  assertEquals(infos[0]!.errors, [a, b]);
  assert(Object.isFrozen(infos[0]!.errors), "errors are frozen");

  const took: unknown[] = [];
  const handled = new EventBus<Events>({
    onEmit: (info) => infos.push(info),
    onError: (e) => took.push(e),
  });
  handled.subscribe("tick", () => {
    throw a;
  });
  assertEquals(await handled.emit("tick", 2), undefined);
  assertEquals(took, [a]);
  assertEquals(infos[1]!.errors, [a]);

  const thrown = new Error("tracer down");
  const broken = new EventBus<Events>({
    onEmit() {
      throw thrown;
    },
  });
  await assertRejectsWith(broken.emit("ready"), thrown);
  broken.subscribe("tick", () => {
    throw b;
  });
  const joined = await assertRejects(
    broken.emit("tick", 3),
    AggregateError,
    'onEmit threw while tracing a failed emit of "tick"',
  );
  assertEquals(joined.errors.length, 2);
  assert(joined.errors[0] instanceof AggregateError, "the emit's failure");
  assertEquals(joined.errors[0].errors, [b]);
  assert(joined.errors[1] === thrown, "then what onEmit threw");
});

// maxListeners and onWarning

test("EventBus maxListeners warns once per event, every-event set and pattern, and again only once emptied", async () => {
  const warnings: Error[] = [];
  const bus = new EventBus<Events>({
    maxListeners: 2,
    onWarning: (warning) => warnings.push(warning),
  });
  const offs: Unsubscribe[] = [];
  for (let i = 0; i < 4; i++) offs.push(bus.subscribe("tick", () => {}));
  const messages = () => warnings.map((w) => w.message);
  assertEquals(messages(), [
    'Possible listener leak: 3 listeners of "tick", more than maxListeners (2)',
  ]);
  assert(warnings[0] instanceof Error, "an Error");
  assertEquals(warnings[0]!.name, "MaxListenersExceededWarning");
  assertEquals(bus.listenerCount("tick"), 4, "nothing refused");

  bus.subscribe("ready", () => {});
  const wait = bus.waitFor("ready");
  const ready = bus.iterate("ready");
  for (let i = 0; i < 3; i++) bus.subscribeAll(() => {});
  for (let i = 0; i < 3; i++) bus.subscribePattern("user.*", () => {});
  assertEquals(messages().slice(1), [
    'Possible listener leak: 3 listeners of "ready", more than maxListeners (2)',
    "Possible listener leak: 3 listeners of every event, more than maxListeners (2)",
    'Possible listener leak: 3 listeners of pattern "user.*", more than maxListeners (2)',
  ]);

  offs.pop()!();
  bus.subscribe("tick", () => {});
  assertEquals(warnings.length, 4, "still warned while not emptied");
  for (const off of offs) off();
  bus.clear("tick");
  for (let i = 0; i < 3; i++) bus.subscribe("tick", () => {});
  assertEquals(warnings.length, 5);
  assertEquals(
    warnings[4]!.message,
    'Possible listener leak: 3 listeners of "tick", more than maxListeners (2)',
  );
  bus.clear();
  await assertRejects(wait, Error);
  assertEquals(await ready.next(), { done: true, value: undefined });
});

test("EventBus maxListeners never throws when onWarning does, and bad options throw at construction", async () => {
  let calls = 0;
  const bus = new EventBus<Events>({
    maxListeners: 1,
    onWarning() {
      calls++;
      throw new Error("warning sink down");
    },
  });
  let ran = 0;
  bus.subscribe("tick", () => {
    ran++;
  });
  bus.subscribe("tick", () => {
    ran++;
  });
  assertEquals(calls, 1);
  assertEquals(bus.listenerCount("tick"), 2);
  await bus.emit("tick", 1);
  assertEquals(ran, 2);
  const quiet = new EventBus<Events>({
    maxListeners: Infinity,
    onWarning: () => calls++,
  });
  for (let i = 0; i < 100; i++) quiet.subscribe("tick", () => {});
  assertEquals(calls, 1);
  for (const max of [0, -1, 1.5, NaN]) {
    assertThrows(
      () => new EventBus({ maxListeners: max }),
      RangeError,
      `Cannot create EventBus: options.maxListeners must be a positive integer or Infinity, got ${max}`,
    );
  }
  assertThrows(
    () => new EventBus({ maxListeners: bad("10") }),
    TypeError,
    'Cannot create EventBus: options.maxListeners must be a number, got string "10"',
  );
  assertThrows(
    () => new EventBus({ onEmit: bad("log") }),
    TypeError,
    'Cannot create EventBus: options.onEmit must be a function, got string "log"',
  );
  assertThrows(
    () => new EventBus({ onWarning: bad(1) }),
    TypeError,
    "Cannot create EventBus: options.onWarning must be a function, got number 1",
  );
});

// bridge(): bridge_test.ts runs on every runtime itself.

/** Every case, in a fixed order; hosts run them all and nothing else. */
export const cases: readonly Case[] = Object.freeze(list);
