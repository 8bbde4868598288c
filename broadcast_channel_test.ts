// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { bridgeBroadcastChannel, EventBus } from "./mod.ts";
import { within } from "./_test_util.ts";

type Events = Record<string, { from: string; n: number }>;
type Reply = Record<string, unknown> & { type: string };

/** Resolves `until` calls as the condition they wait for comes true. */
class Waiters {
  #waiters: Set<() => void> = new Set();
  wake(): void {
    for (const wake of this.#waiters) wake();
  }
  async until(test: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${what}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
        timer = setTimeout(wake, left);
      });
      clearTimeout(timer);
    }
  }
}

/** A Worker running testdata/broadcast_worker.ts. */
class WorkerPeer {
  readonly name: string;
  readonly replies: Reply[] = [];
  #worker: Worker;
  #waiters = new Waiters();

  constructor(name: string) {
    this.name = name;
    this.#worker = new Worker(
      new URL("./testdata/broadcast_worker.ts", import.meta.url),
      { type: "module", name },
    );
    this.#worker.onmessage = (event) => {
      this.replies.push(event.data);
      this.#waiters.wake();
    };
  }

  send(command: Record<string, unknown>): void {
    this.#worker.postMessage(command);
  }

  async reply(test: (reply: Reply) => boolean, what: string): Promise<Reply> {
    let found: Reply | undefined;
    await this.#waiters.until(
      () => (found = this.replies.find(test)) !== undefined,
      `${this.name}: ${what}`,
    );
    return found!;
  }

  seen(): string[] {
    return this.replies.filter((r) => r.type === "seen").map((r) =>
      r.line as string
    );
  }

  async sees(line: string): Promise<void> {
    await this.reply((r) => r.type === "seen" && r.line === line, line);
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** A bus in this thread that records what it sees. */
function recordingBus() {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  const waiters = new Waiters();
  bus.subscribeAll(({ name, payload }) => {
    seen.push(`${name} ${payload.from} ${payload.n}`);
    waiters.wake();
  });
  const sees = (line: string) =>
    waiters.until(() => seen.includes(line), `main: ${line}`);
  return { bus, seen, sees };
}

Deno.test("bridgeBroadcastChannel() joins a bus in this thread and buses in two Workers, both ways, without echo", async () => {
  const channel = `bc-${crypto.randomUUID()}`;
  const main = recordingBus();
  const errors: unknown[] = [];
  using _bridge = bridgeBroadcastChannel(main.bus, channel, {
    onError: (error) => errors.push(error),
  });
  const w1 = new WorkerPeer("w1");
  const w2 = new WorkerPeer("w2");
  try {
    w1.send({ cmd: "start", name: "w1", channel, own: true });
    w2.send({ cmd: "start", name: "w2", channel, own: false });
    await w1.reply((r) => r.type === "ready", "ready");
    await w2.reply((r) => r.type === "ready", "ready");

    await main.bus.emit("ping", { from: "main", n: 1 });
    await w1.sees("ping main 1");
    await w2.sees("ping main 1");

    w1.send({ cmd: "emit", event: "ping", n: 1 });
    await main.sees("ping w1 1");
    await w2.sees("ping w1 1");

    w2.send({ cmd: "emit", event: "ping", n: 1 });
    await main.sees("ping w2 1");
    await w1.sees("ping w2 1");

    // Messages of one sender arrive in order: once everybody has seen the
    // "last" of everybody, any echo or relay sent before it has arrived too.
    await main.bus.emit("last", { from: "main", n: 2 });
    w1.send({ cmd: "emit", event: "last", n: 2 });
    w2.send({ cmd: "emit", event: "last", n: 2 });
    for (const line of ["last main 2", "last w1 2", "last w2 2"]) {
      await main.sees(line);
      await w1.sees(line);
      await w2.sees(line);
    }
    const expected = [
      "last main 2",
      "last w1 2",
      "last w2 2",
      "ping main 1",
      "ping w1 1",
      "ping w2 1",
    ];
    assert.deepEqual([...main.seen].sort(), expected);
    assert.deepEqual(w1.seen().sort(), expected);
    assert.deepEqual(w2.seen().sort(), expected);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      [...w1.replies, ...w2.replies].filter((r) => r.type === "error"),
      [],
    );
  } finally {
    w1.terminate();
    w2.terminate();
  }
});

Deno.test("bridgeBroadcastChannel() in a Worker stops receiving and publishing once closed", async () => {
  const channel = `bc-${crypto.randomUUID()}`;
  const main = recordingBus();
  using _bridge = bridgeBroadcastChannel(main.bus, channel);
  const w1 = new WorkerPeer("w1");
  try {
    w1.send({ cmd: "start", name: "w1", channel, own: true });
    await w1.reply((r) => r.type === "ready", "ready");
    await main.bus.emit("before", { from: "main", n: 1 });
    await w1.sees("before main 1");

    w1.send({ cmd: "close" });
    const closed = await w1.reply((r) => r.type === "closed", "closed");
    assert.equal(closed.listeners, 1); // its recorder; the bridge is gone

    // Receiving: the worker's tap listens on the same channel object after
    // the bridge did, so when it sees "after", the bridge would have too.
    await main.bus.emit("after", { from: "main", n: 2 });
    const tap = await w1.reply(
      (r) => r.type === "tap" && r.event === "after",
      "tap of after",
    );
    assert.equal(tap.last, "before main 1");

    // Publishing: "late" is emitted before the marker is posted on the same
    // channel object, so it would arrive first.
    w1.send({ cmd: "emit", event: "late", n: 3 });
    await w1.sees("late w1 3");
    w1.send({
      cmd: "raw",
      message: {
        origin: "raw",
        seq: 1,
        event: "marker",
        payload: { from: "w1", n: 4 },
      },
    });
    await main.sees("marker w1 4");
    assert.deepEqual(main.seen, [
      "before main 1",
      "after main 2",
      "marker w1 4",
    ]);
  } finally {
    w1.terminate();
  }
});

Deno.test("bridgeBroadcastChannel() carries what structured clone carries", async () => {
  const channel = `bc-${crypto.randomUUID()}`;
  const a = new EventBus<{ data: unknown }>();
  const b = new EventBus<{ data: unknown }>();
  using _a = bridgeBroadcastChannel(a, channel);
  using _b = bridgeBroadcastChannel(b, channel);
  const cycle: Record<string, unknown> = { big: 2n ** 70n };
  cycle.self = cycle;
  const payload = {
    map: new Map([[1, new Set(["x"])]]),
    date: new Date(0),
    bytes: new Uint8Array([1, 2]),
    cycle,
    nothing: undefined,
  };
  const got = b.waitFor("data", { signal: AbortSignal.timeout(5000) });
  await a.emit("data", payload);
  const copy = await got as typeof payload;
  assert.notEqual(copy, payload);
  assert.deepEqual(copy, payload);
  assert.equal(copy.cycle.self, copy.cycle);
});

Deno.test("bridgeBroadcastChannel() rejects the emit of a payload structured clone cannot carry, naming the event", async (t) => {
  const channel = `bc-${crypto.randomUUID()}`;
  const a = new EventBus<{ job: unknown; marker: number }>();
  const b = new EventBus<{ job: unknown; marker: number }>();
  using _a = bridgeBroadcastChannel(a, channel);
  using _b = bridgeBroadcastChannel(b, channel);
  const local: unknown[] = [];
  a.subscribe("job", (payload) => void local.push(payload));
  const remote: unknown[] = [];
  b.subscribe("job", (payload) => void remote.push(payload));
  for (
    const [what, payload] of [
      ["a function", { run() {} }],
      ["a symbol", Symbol("s")],
      ["a WeakMap", new WeakMap()],
    ] as const
  ) {
    await t.step(what, async () => {
      await assert.rejects(a.emit("job", payload), (error: AggregateError) => {
        assert.ok(error instanceof AggregateError);
        assert.equal(error.errors.length, 1);
        const [cause] = error.errors as [TypeError];
        assert.ok(cause instanceof TypeError);
        assert.match(
          cause.message,
          new RegExp(
            `^Cannot publish "job" on BroadcastChannel "${channel}": the payload cannot be structured-cloned \\(.+\\)$`,
          ),
        );
        assert.ok(cause.cause !== undefined);
        return true;
      });
    });
  }
  // The local listener ran every time; nothing went out before the marker.
  assert.equal(local.length, 3);
  const marker = b.waitFor("marker", { signal: AbortSignal.timeout(5000) });
  await a.emit("marker", 1);
  assert.equal(await marker, 1);
  assert.deepEqual(remote, []);
});

/** A real BroadcastChannel that counts its listeners and closes. */
class CountingChannel extends BroadcastChannel {
  listeners = 0;
  closes = 0;
  override addEventListener(
    ...args: Parameters<BroadcastChannel["addEventListener"]>
  ): void {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(
    ...args: Parameters<BroadcastChannel["removeEventListener"]>
  ): void {
    this.listeners--;
    super.removeEventListener(...args);
  }
  override close(): void {
    this.closes++;
    super.close();
  }
}

Deno.test("bridgeBroadcastChannel() leaves a channel it was given open, with none of its listeners", async () => {
  const given = new CountingChannel(`bc-${crypto.randomUUID()}`);
  try {
    const bus = new EventBus<{ ping: number }>();
    const bridge = bridgeBroadcastChannel(bus, given);
    assert.equal(given.listeners, 2); // message and messageerror
    await bridge.close();
    assert.equal(given.listeners, 0);
    assert.equal(given.closes, 0);
    given.postMessage("still open");
    assert.equal(bus.listenerCount(), 0);
  } finally {
    given.close();
  }
});

Deno.test("bridgeBroadcastChannel() closes the channel it opened", async () => {
  const original = globalThis.BroadcastChannel;
  const opened: CountingChannel[] = [];
  globalThis.BroadcastChannel = class extends CountingChannel {
    constructor(name: string) {
      super(name);
      opened.push(this);
    }
  };
  let bridge;
  try {
    bridge = bridgeBroadcastChannel(new EventBus(), "opened-here");
  } finally {
    globalThis.BroadcastChannel = original;
  }
  assert.equal(opened.length, 1);
  assert.equal(opened[0]!.name, "opened-here");
  await bridge.close();
  assert.equal(opened[0]!.closes, 1);
});

Deno.test("bridgeBroadcastChannel() reports messages that are not bridged events to onError", async () => {
  const name = `bc-${crypto.randomUUID()}`;
  const bus = new EventBus();
  const raw = new BroadcastChannel(name);
  const errors: unknown[] = [];
  let failed!: () => void;
  const twice = new Promise<void>((resolve) => failed = resolve);
  using _bridge = bridgeBroadcastChannel(bus, name, {
    onError(error) {
      if (errors.push(error) === 2) failed();
    },
  });
  try {
    raw.postMessage("junk");
    raw.postMessage({ origin: "x", seq: 0, event: "e" });
    await within(twice, "two reported errors");
    const message =
      "Cannot receive a bridged event: expected an object with string origin, string event and positive integer seq, got";
    assert.deepEqual(errors, [
      new TypeError(`${message} string "junk"`),
      new TypeError(`${message} an object`),
    ]);
  } finally {
    raw.close();
  }
});

Deno.test("bridgeBroadcastChannel() with an aborted signal opens nothing", async () => {
  const original = globalThis.BroadcastChannel;
  let opened = 0;
  globalThis.BroadcastChannel = class extends original {
    constructor(name: string) {
      super(name);
      opened++;
    }
  };
  const bus = new EventBus();
  let bridge;
  try {
    bridge = bridgeBroadcastChannel(bus, "never", {
      signal: AbortSignal.abort(),
    });
  } finally {
    globalThis.BroadcastChannel = original;
  }
  assert.equal(opened, 0);
  assert.equal(bridge.closed, true);
  assert.equal(bus.listenerCount(), 0);
  await bridge.ready;
  await bridge.close();
});

Deno.test("bridgeBroadcastChannel() throws a TypeError for a bad channel", () => {
  const bus = new EventBus();
  const action = "Cannot bridge the bus to a BroadcastChannel";
  for (
    const [channel, got] of [[42, "number 42"], [{}, "an object"]] as const
  ) {
    assert.throws(
      // @ts-expect-error: not a channel
      () => bridgeBroadcastChannel(bus, channel),
      new TypeError(
        `${action}: channel must be a channel name or a BroadcastChannel, got ${got}`,
      ),
    );
  }
  assert.throws(
    // @ts-expect-error: not a bus
    () => bridgeBroadcastChannel(null, "c"),
    new TypeError(`${action}: bus must be an EventBus, got null`),
  );
  assert.equal(bus.listenerCount(), 0);
});
