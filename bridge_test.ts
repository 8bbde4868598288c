// Copyright 2026 the arcly authors. MIT license.

import assert from "node:assert/strict";
import {
  bridge,
  bridgeBroadcastChannel,
  type BridgeMessage,
  type BridgeTransport,
  EventBus,
} from "./mod.ts";
import { within } from "./_test_util.ts";

type Events = { ping: number; pong: number; other: string; none: undefined };

/**
 * A transport joining every endpoint of one hub, synchronously, the way
 * Redis does it: a message also comes back to its own sender.
 */
class Hub {
  readonly sent: BridgeMessage[] = [];
  readonly endpoints: Set<(message: unknown) => void> = new Set();
  closes = 0;

  transport(): BridgeTransport {
    let receive: ((message: unknown) => void) | undefined;
    return {
      send: (message) => {
        // A broken echo rule would ping-pong forever: fail fast instead.
        if (this.sent.length === 100) throw new Error("Hub: message storm");
        this.sent.push(message);
        for (const endpoint of [...this.endpoints]) {
          endpoint(structuredClone(message));
        }
      },
      listen: (onMessage) => {
        receive = onMessage;
        this.endpoints.add(onMessage);
      },
      close: () => {
        this.closes++;
        if (receive !== undefined) this.endpoints.delete(receive);
      },
    };
  }

  /** Delivers a message to every endpoint, as if a peer had sent it. */
  inject(message: unknown): void {
    for (const endpoint of [...this.endpoints]) endpoint(message);
  }
}

/** Lets every pending microtask run: a macrotask comes after all of them. */
function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function collect<E extends Record<keyof E, unknown>>(bus: EventBus<E>) {
  const seen: string[] = [];
  bus.subscribeAll((event) => {
    seen.push(`${event.name} ${JSON.stringify(event.payload)}`);
  });
  return seen;
}

Deno.test("bridge() publishes local emits with its origin and sequence numbers and emits received ones", async () => {
  const hub = new Hub();
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  const seenB = collect(b);
  using bridgeA = bridge(a, hub.transport());
  using _bridgeB = bridge(b, hub.transport());
  await a.emit("ping", 1);
  await a.emit("none");
  assert.deepEqual(hub.sent, [
    { origin: bridgeA.origin, seq: 1, event: "ping", payload: 1 },
    { origin: bridgeA.origin, seq: 2, event: "none", payload: undefined },
  ]);
  assert.deepEqual(seenB, ["ping 1", "none undefined"]);
  assert.match(bridgeA.origin, /^[0-9a-f-]{36}$/);
});

Deno.test("bridge() ignores its own messages coming back from the transport", async () => {
  const hub = new Hub();
  const a = new EventBus<Events>();
  const seen = collect(a);
  using _bridge = bridge(a, hub.transport());
  await a.emit("ping", 1);
  assert.equal(hub.sent.length, 1);
  assert.deepEqual(seen, ["ping 1"]);
});

Deno.test("bridge() never publishes a received event again, so two bridged buses do not echo", async () => {
  const hub = new Hub();
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  const seenA = collect(a);
  const seenB = collect(b);
  using _a = bridge(a, hub.transport());
  using _b = bridge(b, hub.transport());
  await a.emit("ping", 1);
  await b.emit("pong", 2);
  assert.deepEqual(hub.sent.map((m) => m.event), ["ping", "pong"]);
  assert.deepEqual(seenA, ["ping 1", "pong 2"]);
  assert.deepEqual(seenB, ["ping 1", "pong 2"]);
});

Deno.test("bridge() does not forward an event received by one bridge of a bus through another", async () => {
  // a and b joined twice, over two transports: without the shared rule, a
  // ping would go round a -> b -> a -> ... forever.
  const one = new Hub();
  const two = new Hub();
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  const seenA = collect(a);
  const seenB = collect(b);
  using _a1 = bridge(a, one.transport());
  using _a2 = bridge(a, two.transport());
  using _b1 = bridge(b, one.transport());
  using _b2 = bridge(b, two.transport());
  await a.emit("ping", 1);
  assert.equal(one.sent.length, 1);
  assert.equal(two.sent.length, 1);
  assert.deepEqual(seenA, ["ping 1"]);
  // Once per transport: two bridges are two deliveries.
  assert.deepEqual(seenB, ["ping 1", "ping 1"]);
});

Deno.test("bridge() publishes the events that listeners emit while handling a received one", async () => {
  const hub = new Hub();
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  b.subscribe("ping", (n) => b.emit("pong", n + 1));
  const seenA = collect(a);
  using _a = bridge(a, hub.transport());
  using _b = bridge(b, hub.transport());
  await a.emit("ping", 1);
  assert.deepEqual(hub.sent.map((m) => `${m.event} ${m.payload}`), [
    "ping 1",
    "pong 2",
  ]);
  assert.deepEqual(seenA, ["ping 1", "pong 2"]);
});

Deno.test("bridge() with options.events publishes and receives only those events", async () => {
  const hub = new Hub();
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  const seenA = collect(a);
  const seenB = collect(b);
  using _a = bridge(a, hub.transport(), { events: ["ping"] });
  using _b = bridge(b, hub.transport());
  await a.emit("ping", 1);
  await a.emit("other", "a");
  await b.emit("pong", 2);
  await b.emit("ping", 3);
  assert.deepEqual(hub.sent.map((m) => m.event), ["ping", "pong", "ping"]);
  assert.deepEqual(seenA, ["ping 1", 'other "a"', "ping 3"]);
  assert.deepEqual(seenB, ["ping 1", "pong 2", "ping 3"]);
  // Sequence numbers count only what was published.
  assert.deepEqual(hub.sent.map((m) => m.seq), [1, 1, 2]);
});

Deno.test("bridge() delivers each publisher's messages at most once and in order, and reports gaps", () => {
  const hub = new Hub();
  const bus = new EventBus<Events>();
  const seen = collect(bus);
  const errors: unknown[] = [];
  using _bridge = bridge(bus, hub.transport(), {
    onError: (error) => errors.push(error),
  });
  const from = (origin: string, seq: number) =>
    hub.inject({ origin, seq, event: "ping", payload: seq });
  from("x", 5); // the first message heard from x: no gap
  from("x", 6);
  from("x", 6); // a duplicate
  from("y", 1);
  from("x", 4); // late
  from("x", 9); // 7 and 8 lost
  from("x", 10);
  from("y", 3); // 2 lost
  assert.deepEqual(seen, [
    "ping 5",
    "ping 6",
    "ping 1",
    "ping 9",
    "ping 10",
    "ping 3",
  ]);
  assert.deepEqual(errors, [
    new Error(
      "Missed 2 events from bridge x (messages 7 to 8): the transport lost them",
    ),
    new Error(
      "Missed 1 event from bridge y (messages 2 to 2): the transport lost them",
    ),
  ]);
});

Deno.test("bridge() reports messages it cannot read to onError and carries on", () => {
  const hub = new Hub();
  const bus = new EventBus<Events>();
  const seen = collect(bus);
  const errors: unknown[] = [];
  using _bridge = bridge(bus, hub.transport(), {
    onError: (error) => errors.push(error),
  });
  const bad = [
    null,
    "text",
    { origin: 1, seq: 1, event: "ping" },
    { origin: "x", seq: 1.5, event: "ping" },
    { origin: "x", seq: 0, event: "ping" },
    { origin: "x", seq: 1, event: 7 },
  ];
  for (const message of bad) hub.inject(message);
  hub.inject({ origin: "x", seq: 1, event: "ping", payload: 1 });
  const prefix =
    "Cannot receive a bridged event: expected an object with string origin, string event and positive integer seq, got";
  assert.deepEqual(errors, [
    new TypeError(`${prefix} null`),
    new TypeError(`${prefix} string "text"`),
    ...bad.slice(2).map(() => new TypeError(`${prefix} an object`)),
  ]);
  assert.deepEqual(seen, ["ping 1"]);
});

Deno.test("bridge() sends transport failures to onError and keeps publishing", async () => {
  const bus = new EventBus<Events>();
  const errors: unknown[] = [];
  const sent: number[] = [];
  const down = new Error("connection lost");
  let reported!: () => void;
  const rejectedReported = new Promise<void>((resolve) => reported = resolve);
  using _bridge = bridge(bus, {
    send(message) {
      sent.push(message.seq);
      if (message.payload === 1) throw down;
      if (message.payload === 2) return Promise.reject(down);
      return Promise.resolve();
    },
    listen() {},
    close() {},
  }, {
    onError(error) {
      if (errors.push(error) === 2) reported();
    },
  });
  await bus.emit("ping", 1); // resolves: the bus is not the transport
  await bus.emit("ping", 2);
  await bus.emit("ping", 3);
  await within(rejectedReported, "two reported failures");
  assert.deepEqual(errors, [down, down]);
  assert.deepEqual(sent, [1, 2, 3]);
});

Deno.test("bridge() rejects the emit of a payload the transport cannot carry, after local listeners ran", async () => {
  const refusal = new TypeError('Cannot publish "ping": no');
  const transport: BridgeTransport = {
    send() {
      throw refusal;
    },
    listen() {},
    close() {},
  };
  const bus = new EventBus<Events>();
  const local: number[] = [];
  bus.subscribe("ping", (n) => void local.push(n));
  using _bridge = bridge(bus, transport, {
    onError: () => assert.fail("not a transport failure"),
  });
  await assert.rejects(
    bus.emit("ping", 1),
    (error: AggregateError) => {
      assert.deepEqual(error.errors, [refusal]);
      assert.equal(error.message, '1 listener of "ping" failed');
      return true;
    },
  );
  assert.deepEqual(local, [1]);

  const handled: unknown[] = [];
  const withOnError = new EventBus<Events>({
    onError: (error, event) => handled.push(error, event.name),
  });
  using _other = bridge(withOnError, transport);
  await withOnError.emit("ping", 2);
  assert.deepEqual(handled, [refusal, "ping"]);
});

Deno.test("bridge() sends errors of local listeners of a received event to onError, unless the bus takes them", async () => {
  const hub = new Hub();
  const boom = new Error("boom");
  const errors: unknown[] = [];
  let failed!: () => void;
  const reported = new Promise<void>((resolve) => failed = resolve);
  const plain = new EventBus<Events>();
  plain.subscribe("ping", () => {
    throw boom;
  });
  using _plain = bridge(plain, hub.transport(), {
    onError(error) {
      errors.push(error);
      failed();
    },
  });
  const taken: unknown[] = [];
  const handling = new EventBus<Events>({
    onError: (error) => taken.push(error),
  });
  handling.subscribe("ping", () => {
    throw boom;
  });
  using _handling = bridge(handling, hub.transport(), {
    onError: () => assert.fail("the bus's onError takes it"),
  });
  hub.inject({ origin: "x", seq: 1, event: "ping", payload: 1 });
  await within(reported, "the reported listener error");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof AggregateError);
  assert.deepEqual((errors[0] as AggregateError).errors, [boom]);
  assert.deepEqual(taken, [boom]);
});

Deno.test("bridge() rejects ready and tells onError when the transport cannot listen", async (t) => {
  for (
    const [how, listen] of [
      ["throwing", () => {
        throw new Error("refused");
      }],
      ["rejecting", () => Promise.reject(new Error("refused"))],
    ] as const
  ) {
    await t.step(how, async () => {
      const errors: unknown[] = [];
      const bus = new EventBus<Events>();
      using b = bridge(bus, { send() {}, listen, close() {} }, {
        onError: (error) => errors.push(error),
      });
      await assert.rejects(b.ready, new Error("refused"));
      assert.deepEqual(errors, [new Error("refused")]);
    });
  }
});

Deno.test("bridge() ready resolves once the transport listens", async () => {
  let listening!: () => void;
  const bus = new EventBus<Events>();
  using b = bridge(bus, {
    send() {},
    listen: () => new Promise<void>((resolve) => listening = resolve),
    close() {},
  });
  let ready = false;
  const done = b.ready.then(() => ready = true);
  await flush();
  assert.equal(ready, false);
  listening();
  await done;
  assert.equal(ready, true);
});

Deno.test("bridge() close() stops publishing and receiving at once and closes the transport once", async () => {
  const hub = new Hub();
  const bus = new EventBus<Events>();
  const seen = collect(bus);
  let release!: () => void;
  let closes = 0;
  const b = bridge(bus, {
    ...hub.transport(),
    // Still delivering until it has closed, as a real transport may.
    close() {
      closes++;
      return new Promise<void>((resolve) => release = resolve);
    },
  });
  assert.equal(bus.listenerCount(), 2);
  const closing = b.close();
  assert.equal(b.closed, true);
  assert.equal(b.close(), closing);
  assert.equal(bus.listenerCount(), 1);
  await bus.emit("ping", 1);
  hub.inject({ origin: "x", seq: 1, event: "ping", payload: 2 });
  assert.deepEqual(hub.sent, []);
  assert.deepEqual(seen, ["ping 1"]);
  let closed = false;
  const done = closing.then(() => closed = true);
  await flush();
  assert.equal(closed, false);
  release();
  await done;
  assert.equal(closes, 1);
});

Deno.test("bridge() closes by using, await using and an aborted signal", async (t) => {
  await t.step("using", () => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    {
      using _b = bridge(bus, hub.transport());
      assert.equal(bus.listenerCount(), 1);
    }
    assert.equal(bus.listenerCount(), 0);
    assert.equal(hub.closes, 1);
  });
  await t.step("await using", async () => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    {
      await using _b = bridge(bus, hub.transport());
    }
    assert.equal(bus.listenerCount(), 0);
    assert.equal(hub.closes, 1);
  });
  await t.step("signal", () => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const controller = new AbortController();
    const b = bridge(bus, hub.transport(), { signal: controller.signal });
    controller.abort();
    assert.equal(b.closed, true);
    assert.equal(bus.listenerCount(), 0);
    assert.equal(hub.closes, 1);
  });
  await t.step("already aborted signal", async () => {
    const bus = new EventBus<Events>();
    const b = bridge(bus, {
      send: () => assert.fail("send"),
      listen: () => assert.fail("listen"),
      close: () => assert.fail("close"),
    }, { signal: AbortSignal.abort() });
    assert.equal(b.closed, true);
    await b.ready;
    await b.close();
    await bus.emit("ping", 1);
    assert.equal(bus.listenerCount(), 0);
  });
});

Deno.test("bridge() close() resolves and reports a transport that fails to close", async () => {
  const errors: unknown[] = [];
  const bus = new EventBus<Events>();
  const b = bridge(bus, {
    send() {},
    listen() {},
    close: () => Promise.reject(new Error("stuck")),
  }, { onError: (error) => errors.push(error) });
  await b.close();
  assert.deepEqual(errors, [new Error("stuck")]);
});

Deno.test("bridge() logs with console.error without onError, and when onError throws", () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    const hub = new Hub();
    using _quiet = bridge(new EventBus(), hub.transport());
    using _throwing = bridge(new EventBus(), hub.transport(), {
      onError() {
        throw new Error("onError failed");
      },
    });
    hub.inject("junk");
  } finally {
    console.error = original;
  }
  assert.equal(logged.length, 2);
  assert.equal(logged[0]![0], "@arcly/bus bridge:");
  assert.ok(logged[0]![1] instanceof TypeError);
  assert.deepEqual(logged[1], [
    "@arcly/bus bridge:",
    new Error("onError failed"),
  ]);
});

Deno.test("bridge() throws a TypeError for bad arguments and registers nothing", () => {
  const bus = new EventBus<Events>();
  const hub = new Hub();
  const action = "Cannot bridge the bus";
  assert.throws(
    // @ts-expect-error: not a bus
    () => bridge(undefined, hub.transport()),
    new TypeError(`${action}: bus must be an EventBus, got undefined`),
  );
  assert.throws(
    // @ts-expect-error: not a transport
    () => bridge(bus, { send() {} }),
    new TypeError(
      `${action}: transport must be an object with send, listen and close methods, got an object`,
    ),
  );
  assert.throws(
    // @ts-expect-error: not options
    () => bridge(bus, hub.transport(), 1),
    new TypeError(`${action}: options must be an object, got number 1`),
  );
  assert.throws(
    // @ts-expect-error: not an array
    () => bridge(bus, hub.transport(), { events: "ping" }),
    new TypeError(
      `${action}: options.events must be an array of event names, got string "ping"`,
    ),
  );
  assert.throws(
    // @ts-expect-error: not names
    () => bridge(bus, hub.transport(), { events: [1] }),
    new TypeError(
      `${action}: options.events must hold event names, got number 1`,
    ),
  );
  assert.throws(
    // @ts-expect-error: not a signal
    () => bridge(bus, hub.transport(), { signal: "stop" }),
    new TypeError(
      `${action}: options.signal must be an AbortSignal, got string "stop"`,
    ),
  );
  assert.equal(bus.listenerCount(), 0);
  assert.equal(hub.endpoints.size, 0);
});

Deno.test("bridge() over a real BroadcastChannel joins two buses of one thread", async () => {
  const name = `bridge-${crypto.randomUUID()}`;
  const a = new EventBus<Events>();
  const b = new EventBus<Events>();
  using _a = bridgeBroadcastChannel(a, name);
  using _b = bridgeBroadcastChannel(b, name);
  const got = b.waitFor("ping", { signal: AbortSignal.timeout(5000) });
  await a.emit("ping", 7);
  assert.equal(await got, 7);
});
