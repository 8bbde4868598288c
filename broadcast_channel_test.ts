// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { bridgeBroadcastChannel } from "./broadcast_channel.ts";
import { nextTick, within } from "./_test_util.ts";

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
  await using _bridge = bridgeBroadcastChannel(main.bus, channel, {
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
  await using _bridge = bridgeBroadcastChannel(main.bus, channel);
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
      message: [2, "raw", 1, "marker", "marker", { from: "w1", n: 4 }],
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
  await using _a = bridgeBroadcastChannel(a, channel);
  await using _b = bridgeBroadcastChannel(b, channel);
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

Deno.test("bridgeBroadcastChannel() rejects the emit of a payload structured clone refuses with a TypeError naming the event and the path", async (t) => {
  const channel = `bc-${crypto.randomUUID()}`;
  const a = new EventBus<{ job: unknown; marker: number }>();
  const b = new EventBus<{ job: unknown; marker: number }>();
  const errors: unknown[] = [];
  const onError = (error: unknown) => void errors.push(error);
  await using _a = bridgeBroadcastChannel(a, channel, { onError });
  await using _b = bridgeBroadcastChannel(b, channel, {
    onError,
    lossTimeout: 0,
  });
  const local: unknown[] = [];
  a.subscribe("job", (payload) => void local.push(payload));
  const remote: unknown[] = [];
  b.subscribe("job", (payload) => void remote.push(payload));
  // b learns a's position first, so a gap in it would be reported.
  const first = b.waitFor("marker", { signal: AbortSignal.timeout(5000) });
  await a.emit("marker", 0);
  assert.equal(await first, 0);
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 20_000; i++) deep = (deep.a = {}) as typeof deep;
  const cases = [
    ["a function", { list: [1, () => {}] }, "payload.list[1] is a function"],
    ["a symbol", Symbol("s"), "payload is a symbol"],
    [
      "a WeakMap",
      { "odd key": new WeakMap() },
      'payload["odd key"] is a WeakMap',
    ],
    ["a throwing getter", {
      get broken() {
        throw new Error("x".repeat(500));
      },
    }, `payload.broken is a getter that threw (${"x".repeat(200)}…)`],
    ["deep nesting", root, `payload${".a".repeat(1000)}`],
  ] as const;
  for (const [what, payload, path] of cases) {
    await t.step(what, async () => {
      await assert.rejects(a.emit("job", payload), (error: AggregateError) => {
        assert.ok(error instanceof AggregateError);
        assert.equal(error.errors.length, 1);
        const [cause] = error.errors as [TypeError];
        assert.ok(cause instanceof TypeError);
        const prefix =
          `Cannot publish "job" on BroadcastChannel "${channel}": the payload cannot be structured-cloned: `;
        assert.ok(cause.message.startsWith(prefix), cause.message);
        assert.ok(
          cause.message.startsWith(prefix + path.slice(0, 200 - prefix.length)),
          cause.message,
        );
        assert.ok(cause.message.length < 500, cause.message);
        assert.ok(cause.cause !== undefined);
        return true;
      });
    });
  }
  // Every local listener ran; nothing went out, and the receiver counts
  // nothing lost: each refused event was replaced by a skip.
  assert.equal(local.length, cases.length);
  const marker = b.waitFor("marker", { signal: AbortSignal.timeout(5000) });
  await a.emit("marker", 1);
  assert.equal(await marker, 1);
  // A gap would have armed a 0 ms loss timer on arrival, before this one.
  await nextTick();
  assert.deepEqual(remote, []);
  assert.deepEqual(errors, []);
});

Deno.test("bridgeBroadcastChannel() sends the emits of one microtask as one message", async () => {
  const name = `bc-${crypto.randomUUID()}`;
  const tap = new BroadcastChannel(name);
  const messages: unknown[] = [];
  const got = Promise.withResolvers<void>();
  tap.onmessage = (event) => {
    messages.push(event.data);
    got.resolve();
  };
  try {
    const bus = new EventBus<{ n: number }>();
    await using _bridge = bridgeBroadcastChannel(bus, name, {
      heartbeat: false,
    });
    const emits = [1, 2, 3].map((n) => bus.emit("n", n));
    await Promise.all(emits);
    await within(got.promise, "the batch");
    assert.equal(messages.length, 1);
    assert.deepEqual(
      (messages[0] as unknown[][]).map((m) => m[5]),
      [1, 2, 3],
    );
  } finally {
    tap.close();
  }
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

/** Runs `run` with every `new BroadcastChannel` counted; returns them. */
function opening<T>(run: () => T): [T, CountingChannel[]] {
  const original = globalThis.BroadcastChannel;
  const opened: CountingChannel[] = [];
  globalThis.BroadcastChannel = class extends CountingChannel {
    constructor(name: string) {
      super(name);
      opened.push(this);
    }
  };
  try {
    return [run(), opened];
  } finally {
    globalThis.BroadcastChannel = original;
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
  const [bridge, opened] = opening(() =>
    bridgeBroadcastChannel(new EventBus(), "opened-here")
  );
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
  const all = new Promise<void>((resolve) => failed = resolve);
  await using _bridge = bridgeBroadcastChannel(bus, name, {
    onError(error) {
      if (errors.push(error) === 5) failed();
    },
  });
  try {
    const v1 = { v: 1, type: "event", origin: "x", seq: 1, event: "e" };
    raw.postMessage("junk");
    raw.postMessage([2, "x", 0, "id", "e"]);
    raw.postMessage(v1);
    // A batch: each of its messages is read.
    raw.postMessage([v1, [3, "x", 1, "id", "e"]]);
    await within(all, "five reported errors");
    const message = "Cannot receive a bridged event:";
    const version1 =
      `${message} protocol version 1 (an older @arcly/bus) is not supported, expected version 2`;
    assert.deepEqual(errors, [
      new TypeError(
        `${message} expected a bridge message (an array), got string "junk"`,
      ),
      new TypeError(
        `${message} seq must be a positive safe integer, got number 0`,
      ),
      new TypeError(version1),
      new TypeError(version1),
      new TypeError(`${message} expected protocol version 2, got number 3`),
    ]);
  } finally {
    raw.close();
  }
});

Deno.test("bridgeBroadcastChannel() with an aborted signal opens nothing", async () => {
  const bus = new EventBus();
  const [bridge, opened] = opening(() =>
    bridgeBroadcastChannel(bus, "never", { signal: AbortSignal.abort() })
  );
  assert.equal(opened.length, 0);
  assert.equal(bridge.closed, true);
  assert.equal(bus.listenerCount(), 0);
  await assert.rejects(bridge.ready);
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

Deno.test("bridgeBroadcastChannel() opens its channel again when Deno kills it after the last channel of the process closed", async () => {
  // Deno 2.9: a channel opened while the last one of the process is
  // closing throws "expected i32" on postMessage from the next macrotask on.
  const name = `bc-${crypto.randomUUID()}`;
  new BroadcastChannel("other").close();
  const a = new EventBus<{ ping: number }>();
  const b = new EventBus<{ ping: number }>();
  const errors: unknown[] = [];
  const onError = (error: unknown) => void errors.push(error);
  await using _a = bridgeBroadcastChannel(a, name, { onError });
  await using _b = bridgeBroadcastChannel(b, name, { onError });
  // The dead channel shows from a later macrotask on (seen with 10 ms).
  await new Promise((resolve) => setTimeout(resolve, 10));
  const got = b.waitFor("ping", { signal: AbortSignal.timeout(5000) });
  await a.emit("ping", 1);
  assert.equal(await got, 1);
  assert.deepEqual(errors, []);
});

Deno.test("bridgeBroadcastChannel() leaves no channel open when creating the bridge fails", () => {
  const [, opened] = opening(() => {
    assert.throws(
      () => bridgeBroadcastChannel(new EventBus(), "bad", { heartbeat: 0 }),
      new RangeError(
        "Cannot bridge the bus to a BroadcastChannel: options.heartbeat must be between 1 and 2147483647 milliseconds, got 0",
      ),
    );
    assert.throws(
      // @ts-expect-error: not a schema
      () => bridgeBroadcastChannel(new EventBus(), "bad", { schemas: 1 }),
      TypeError,
    );
  });
  assert.deepEqual(opened.map((c) => c.closes), [1, 1]);
});

Deno.test("bridgeBroadcastChannel() forged messages posted on the channel cannot mute, replace or skip a publisher", async (t) => {
  for (const key of [undefined, "secret"]) {
    await t.step(key === undefined ? "without key" : "with key", async () => {
      const name = `bc-${crypto.randomUUID()}`;
      const raw = new BroadcastChannel(name);
      const sender = new EventBus<{ n: number }>();
      const receiver = new EventBus<{ n: number }>();
      const seen: number[] = [];
      const errors: string[] = [];
      const last = Promise.withResolvers<void>();
      receiver.subscribe("n", (n) => {
        seen.push(n);
        if (n === 20) last.resolve();
      });
      const options = key === undefined ? {} : { key };
      await using from = bridgeBroadcastChannel(sender, name, options);
      await using _to = bridgeBroadcastChannel(receiver, name, {
        ...options,
        onError: (error) => void errors.push((error as Error).message),
      });
      await from.ready;
      await _to.ready;
      const forged = (seq: number, id: string) =>
        raw.postMessage([2, from.origin, seq, id, "n", -seq]);
      await sender.emit("n", 1);
      forged(9e15, "mute"); // mute: a huge position
      forged(2, "replace"); // replace: the next position
      forged(7, "skip"); // skip: position + k
      for (let n = 2; n <= 20; n++) await sender.emit("n", n);
      await within(last.promise, "the last real event");
      const real = seen.filter((n) => n > 0);
      assert.deepEqual(real, Array.from({ length: 20 }, (_, i) => i + 1));
      if (key === undefined) {
        // Each forgery is delivered as its own event, nothing more.
        assert.deepEqual(seen.filter((n) => n < 0).sort((x, y) => x - y), [
          -9e15,
          -7,
          -2,
        ]);
        assert.equal(errors.length, 1);
        assert.match(errors[0]!, /^Ignored the position 9000000000000000/);
      } else {
        assert.deepEqual(seen.filter((n) => n < 0), []);
        assert.equal(errors.length, 3);
        for (const error of errors) assert.match(error, /it is not signed$/);
      }
      raw.close();
    });
  }
});

Deno.test("bridgeBroadcastChannel() topology: two copies of the library on one bus deliver each emit once, without ping-pong", async () => {
  // A second copy of the library, as two versions of a package bring.
  const dir = await Deno.makeTempDir();
  for (const entry of Deno.readDirSync(new URL(".", import.meta.url))) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      await Deno.copyFile(
        new URL(entry.name, import.meta.url),
        `${dir}/${entry.name}`,
      );
    }
  }
  const copy = await import(
    `file://${dir}/broadcast_channel.ts`
  ) as typeof import("./broadcast_channel.ts");
  await Deno.remove(dir, { recursive: true });
  assert.notEqual(copy.bridgeBroadcastChannel, bridgeBroadcastChannel);
  const one = `bc-${crypto.randomUUID()}`;
  const two = `bc-${crypto.randomUUID()}`;
  const a = recordingBus();
  const b = recordingBus();
  // Each bus is bridged by both copies, over two channels.
  await using _a1 = bridgeBroadcastChannel(a.bus, one);
  await using _a2 = copy.bridgeBroadcastChannel(a.bus, two);
  await using _b1 = bridgeBroadcastChannel(b.bus, one);
  await using _b2 = copy.bridgeBroadcastChannel(b.bus, two);
  await a.bus.emit("ping", { from: "a", n: 1 });
  await b.sees("ping a 1");
  await b.bus.emit("pong", { from: "b", n: 2 });
  await a.sees("pong b 2");
  // Both copies of each message have arrived once this marker, sent after
  // them on both channels, has arrived on both.
  const marker = new BroadcastChannel(one);
  const marker2 = new BroadcastChannel(two);
  const seenMarkers = Promise.withResolvers<void>();
  let markers = 0;
  for (const tap of [new BroadcastChannel(one), new BroadcastChannel(two)]) {
    tap.onmessage = () => {
      if (++markers === 2) seenMarkers.resolve();
      tap.close();
    };
  }
  const beat = [2, "marker", 1, 0];
  marker.postMessage(beat);
  marker2.postMessage(beat);
  await within(seenMarkers.promise, "the markers");
  marker.close();
  marker2.close();
  assert.deepEqual(a.seen, ["ping a 1", "pong b 2"]);
  assert.deepEqual(b.seen, ["ping a 1", "pong b 2"]);
});

Deno.test("bridgeBroadcastChannel() a burst of 10,000 emits between two Workers loses nothing: at once, each awaited, or one per macrotask", async (t) => {
  for (const mode of ["at once", "awaited", "spread"] as const) {
    await t.step(
      mode,
      async () => {
        const channel = `bc-${crypto.randomUUID()}`;
        const sender = new WorkerPeer("sender");
        const receiver = new WorkerPeer("receiver");
        try {
          sender.send({ cmd: "start", name: "sender", channel, own: false });
          receiver.send({
            cmd: "start",
            name: "receiver",
            channel,
            own: false,
          });
          await sender.reply((r) => r.type === "ready", "ready");
          await receiver.reply((r) => r.type === "ready", "ready");
          receiver.send({ cmd: "count", event: "burst", count: 10_000 });
          sender.send({ cmd: "burst", event: "burst", count: 10_000, mode });
          await sender.reply((r) => r.type === "burst", "burst sent");
          await receiver.reply(
            (r) => r.type === "counted" || r.type === "error",
            "10,000 events",
          );
          assert.deepEqual(
            [...sender.replies, ...receiver.replies].filter((r) =>
              r.type === "error"
            ),
            [],
          );
        } finally {
          sender.terminate();
          receiver.terminate();
        }
      },
    );
  }
});
