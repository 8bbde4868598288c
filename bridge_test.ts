// Copyright 2026 the arcly authors. MIT license.
// This module is browser compatible.

// Runtime-neutral: Deno.test and node:assert only, no Deno APIs, no `using`;
// it runs on Deno, Bun, Node, workerd and Chromium.

import assert from "node:assert/strict";
import {
  type Bridge,
  bridge,
  type BridgeEventMessage,
  type BridgeLink,
  type BridgeMessage,
  type BridgeOptions,
  type BridgeTransport,
  LostEventsError,
} from "./bridge.ts";
import { type Delivery, EventBus, type StandardSchema } from "./mod.ts";
import { deferred, drainMicrotasks, within } from "./_test_util.ts";

type Events = { ping: number; pong: number; other: string; none: undefined };

/** An event's items by name (`BridgeEventMessage` is an array). */
interface Named {
  origin: string;
  seq: number;
  id: string;
  event: string;
  payload?: unknown;
  data?: string;
  sig?: string;
}

/** Reads an event message's items by name. */
function named(message: BridgeEventMessage): Named {
  const [, origin, seq, id, event] = message;
  if (message.length === 7) {
    return { origin, seq, id, event, data: message[5], sig: message[6] };
  }
  return message.length === 6
    ? { origin, seq, id, event, payload: message[5] }
    : { origin, seq, id, event };
}

/** Whether a message is an event (its item 3, the id, is a string). */
function isEvent(message: BridgeMessage): message is BridgeEventMessage {
  return typeof message[3] === "string";
}

/** `message` with item `index` replaced: a variant of a valid message. */
function variant(
  message: readonly unknown[],
  index: number,
  value: unknown,
): unknown[] {
  const copy = [...message];
  copy[index] = value;
  return copy;
}

/** A heartbeat, as a peer sends it. */
function beat(origin: string, seq: number): BridgeMessage {
  return [2, origin, seq, 0];
}

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
        if (this.sent.length === 1000) throw new Error("Hub: message storm");
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

  /** The events sent, their items by name. */
  events(): Named[] {
    return this.sent.filter(isEvent).map(named);
  }
}

/** Bridges opened by a test, closed by `closeAll`. */
class Bridges {
  readonly all: Bridge[] = [];
  open<E extends Record<keyof E, unknown>>(
    bus: EventBus<E>,
    transport: BridgeTransport,
    options: BridgeOptions<E> = {},
  ): Bridge {
    const opened = bridge(bus, transport, { heartbeat: false, ...options });
    this.all.push(opened);
    return opened;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.all.map((b) => b.close()));
  }
}

/** Runs `body` with a fresh `Bridges`, closing them all afterwards. */
async function withBridges(
  body: (bridges: Bridges) => Promise<void> | void,
): Promise<void> {
  const bridges = new Bridges();
  try {
    await body(bridges);
  } finally {
    await bridges.closeAll();
  }
}

function collect<E extends Record<keyof E, unknown>>(bus: EventBus<E>) {
  const seen: string[] = [];
  bus.subscribeAll((event) => {
    seen.push(`${event.name} ${JSON.stringify(event.payload)}`);
  });
  return seen;
}

/** A message of a peer that is not in the test. */
function peer(
  origin: string,
  seq: number,
  id = `${origin}-${seq}`.replace(/[^\w-]/g, "_"),
  payload: unknown = seq,
): BridgeEventMessage {
  return [2, origin, seq, id, "ping", payload];
}

function recorder() {
  const errors: unknown[] = [];
  const waiting: [number, () => void][] = [];
  const onError = (error: unknown) => {
    errors.push(error);
    for (const [count, wake] of waiting) if (errors.length >= count) wake();
  };
  const messages = () => errors.map((e) => (e as Error).message);
  /** Resolves once `count` errors were reported. */
  const reach = (count: number): Promise<void> => {
    const { promise, resolve } = deferred();
    waiting.push([count, resolve]);
    if (errors.length >= count) resolve();
    return within(promise, `${count} reported errors`);
  };
  return { errors, onError, messages, reach };
}

Deno.test("bridge() publishes each local emit with its origin, next position and a random id, and emits received ones as not local", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const a = new EventBus<Events>();
    const b = new EventBus<Events>();
    const got: [unknown, Delivery][] = [];
    b.subscribe("ping", (n, delivery) => void got.push([n, delivery]));
    const bridgeA = bridges.open(a, hub.transport());
    bridges.open(b, hub.transport());
    await a.emit("ping", 1);
    await a.emit("none");
    const [first, second] = hub.events();
    assert.deepEqual(hub.sent, [
      [2, bridgeA.origin, 1, first!.id, "ping", 1],
      // An undefined payload is left out.
      [2, bridgeA.origin, 2, second!.id, "none"],
    ]);
    // 16 base64url characters: 96 random bits.
    assert.match(bridgeA.origin, /^[A-Za-z0-9_-]{16}$/);
    assert.match(first!.id, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(first!.id, second!.id);
    assert.notEqual(bridgeA.origin, first!.id);
    assert.deepEqual(got, [[1, {
      local: false,
      id: first!.id,
      origin: bridgeA.origin,
    }]]);
    assert.ok(Object.isFrozen(got[0]![1]));
  });
});

/**
 * Buses joined as `links` says, each `[bus, hub]` pair one bridge, with what
 * each bus sees.
 */
function topology(bridges: Bridges, links: [number, number][]) {
  const hubs: Hub[] = [];
  const nodes: { bus: EventBus<Events>; seen: string[] }[] = [];
  for (const [b, h] of links) {
    const hub = hubs[h] ??= new Hub();
    let node = nodes[b];
    if (node === undefined) {
      const bus = new EventBus<Events>();
      node = nodes[b] = { bus, seen: collect(bus) };
    }
    bridges.open(node.bus, hub.transport());
  }
  return { hubs, nodes };
}

Deno.test("bridge() drops its own messages coming back from the transport", async () => {
  await withBridges(async (bridges) => {
    const { hubs: [hub], nodes: [a] } = topology(bridges, [[0, 0]]);
    await a!.bus.emit("ping", 1);
    assert.equal(hub!.sent.length, 1);
    assert.deepEqual(a!.seen, ["ping 1"]);
  });
});

Deno.test("bridge() never publishes a received event again, so two bridged buses do not echo", async () => {
  await withBridges(async (bridges) => {
    const { hubs: [hub], nodes: [a, b] } = topology(bridges, [[0, 0], [1, 0]]);
    await a!.bus.emit("ping", 1);
    await b!.bus.emit("pong", 2);
    assert.deepEqual(hub!.events().map((m) => m.event), ["ping", "pong"]);
    assert.deepEqual(a!.seen, ["ping 1", "pong 2"]);
    assert.deepEqual(b!.seen, ["ping 1", "pong 2"]);
  });
});

Deno.test("bridge() topology: two bridges of one bus on one channel deliver each emit once everywhere", async () => {
  await withBridges(async (bridges) => {
    const { hubs: [hub], nodes } = topology(bridges, [
      [0, 0],
      [0, 0],
      [1, 0],
      [1, 0],
      [2, 0],
    ]);
    await nodes[0]!.bus.emit("ping", 1);
    await nodes[2]!.bus.emit("pong", 2);
    for (const { seen } of nodes) assert.deepEqual(seen, ["ping 1", "pong 2"]);
    // Both bridges of the first bus publish the emit, with one id.
    const pings = hub!.events().filter((m) => m.event === "ping");
    assert.equal(pings.length, 2);
    assert.equal(pings[0]!.id, pings[1]!.id);
    assert.notEqual(pings[0]!.origin, pings[1]!.origin);
  });
});

Deno.test("bridge() topology: two buses joined over two transports get each event once", async () => {
  await withBridges(async (bridges) => {
    const { hubs, nodes: [a, b] } = topology(bridges, [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    await a!.bus.emit("ping", 1);
    await b!.bus.emit("pong", 2);
    assert.deepEqual(hubs.map((hub) => hub.sent.length), [2, 2]);
    assert.deepEqual(a!.seen, ["ping 1", "pong 2"]);
    assert.deepEqual(b!.seen, ["ping 1", "pong 2"]);
  });
});

Deno.test("bridge() topology: a bus bridged to two channels reaches the peers of both, and relays nothing between them", async () => {
  await withBridges(async (bridges) => {
    const { nodes: [a, b, c] } = topology(bridges, [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ]);
    await a!.bus.emit("ping", 1);
    await b!.bus.emit("pong", 2);
    await c!.bus.emit("other", "3");
    assert.deepEqual(a!.seen, ["ping 1", "pong 2", 'other "3"']);
    assert.deepEqual(b!.seen, ["ping 1", "pong 2"]);
    assert.deepEqual(c!.seen, ["ping 1", 'other "3"']);
  });
});

Deno.test("bridge() publishes the events that listeners emit while handling a received one", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const a = new EventBus<Events>();
    const b = new EventBus<Events>();
    b.subscribe("ping", (n) => b.emit("pong", n + 1));
    const seenA = collect(a);
    bridges.open(a, hub.transport());
    bridges.open(b, hub.transport());
    await a.emit("ping", 1);
    assert.deepEqual(
      hub.events().map((m) => `${m.event} ${m.payload}`),
      ["ping 1", "pong 2"],
    );
    assert.deepEqual(seenA, ["ping 1", "pong 2"]);
  });
});

Deno.test("bridge() publishes an event that a listener of a received one emits after an await", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const a = new EventBus<Events>();
    const b = new EventBus<Events>();
    const later = deferred();
    b.subscribe("ping", async (n) => {
      await later.promise;
      await b.emit("pong", n + 1);
    });
    const pong = a.waitFor("pong");
    bridges.open(a, hub.transport());
    bridges.open(b, hub.transport());
    await a.emit("ping", 1);
    later.resolve();
    assert.equal(await within(pong, "the pong"), 2);
    assert.deepEqual(
      hub.events().map((m) => `${m.event} ${m.payload}`),
      ["ping 1", "pong 2"],
    );
  });
});

Deno.test("bridge() with a local-only listener sends the mail only where the order was placed", async () => {
  await withBridges(async (bridges) => {
    type Shop = { "order.placed": { id: number } };
    const hub = new Hub();
    const mails: string[] = [];
    const views: string[] = [];
    const instances = ["one", "two"].map((name) => {
      const bus = new EventBus<Shop>();
      bus.subscribe("order.placed", (order) => {
        mails.push(`${name} mails ${order.id}`);
      }, { local: true });
      bus.subscribe("order.placed", (order, delivery) => {
        views.push(
          `${name} ${delivery.local ? "local" : "remote"} ${order.id}`,
        );
      });
      bridges.open(bus, hub.transport());
      return bus;
    });
    await instances[0]!.emit("order.placed", { id: 1 });
    await instances[1]!.emit("order.placed", { id: 2 });
    assert.deepEqual(mails, ["one mails 1", "two mails 2"]);
    assert.deepEqual(views, [
      "one local 1",
      "two remote 1",
      "two local 2",
      "one remote 2",
    ]);
  });
});

Deno.test("bridge() with options.events publishes and receives only those events", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const a = new EventBus<Events>();
    const b = new EventBus<Events>();
    const seenA = collect(a);
    const seenB = collect(b);
    bridges.open(a, hub.transport(), { events: ["ping"] });
    bridges.open(b, hub.transport());
    await a.emit("ping", 1);
    await a.emit("other", "a");
    await b.emit("pong", 2);
    await b.emit("ping", 3);
    assert.deepEqual(hub.events().map((m) => m.event), [
      "ping",
      "pong",
      "ping",
    ]);
    assert.deepEqual(seenA, ["ping 1", 'other "a"', "ping 3"]);
    assert.deepEqual(seenB, ["ping 1", "pong 2", "ping 3"]);
    // Positions count only what was published.
    assert.deepEqual(hub.events().map((m) => m.seq), [1, 1, 2]);
  });
});

Deno.test("bridge() drops exact duplicates by id and delivers late events, reporting nothing", async () => {
  await withBridges((bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const seen = collect(bus);
    const { errors, onError } = recorder();
    bridges.open(bus, hub.transport(), { onError, lossTimeout: 60_000 });
    hub.inject(peer("x", 5)); // the first message heard from x: no gap
    hub.inject(peer("x", 7)); // 6 missing for now
    hub.inject(peer("x", 7)); // a duplicate
    hub.inject(peer("x", 6)); // late: delivered
    hub.inject(peer("x", 3)); // before the first: delivered
    hub.inject(peer("y", 1, "x-7")); // the same event by another way
    hub.inject(peer("x", 8, "other-id", 88));
    assert.deepEqual(seen, ["ping 5", "ping 7", "ping 6", "ping 3", "ping 88"]);
    assert.deepEqual(errors, []);
  });
});

Deno.test("bridge() remembers between window and twice window recent ids", async () => {
  await withBridges((bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const seen = collect(bus);
    const { errors, onError } = recorder();
    bridges.open(bus, hub.transport(), {
      onError,
      window: 4,
      lossTimeout: 60_000,
    });
    for (let seq = 1; seq <= 4; seq++) hub.inject(peer("x", seq, `i${seq}`));
    hub.inject(peer("y", 1, "i1", -1)); // among the last 4 ids: a duplicate
    for (let seq = 5; seq <= 12; seq++) hub.inject(peer("x", seq, `i${seq}`));
    hub.inject(peer("y", 2, "i1", -2)); // 8 ids later: forgotten, delivered
    assert.deepEqual(seen, [
      ...Array.from({ length: 12 }, (_, i) => `ping ${i + 1}`),
      "ping -2",
    ]);
    assert.deepEqual(errors, []);
  });
});

Deno.test("bridge() reports a gap lost after lossTimeout, with its exact positions, and still delivers it if it comes", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const seen = collect(bus);
    const reported = deferred();
    const { errors, onError } = recorder();
    bridges.open(bus, hub.transport(), {
      lossTimeout: 5,
      onError(error) {
        onError(error);
        reported.resolve();
      },
    });
    hub.inject(peer("x", 1));
    hub.inject(peer("x", 5));
    hub.inject(peer("x", 3)); // in time: splits the gap
    await within(reported.promise, "the loss report");
    assert.equal(errors.length, 2);
    const [first, second] = errors as LostEventsError[];
    assert.ok(first instanceof LostEventsError);
    assert.deepEqual(
      [first.origin, first.first, first.last, first.count],
      ["x", 2, 2, 1],
    );
    assert.deepEqual([second!.first, second!.last], [4, 4]);
    assert.equal(
      first.message,
      'Lost 1 event from bridge "x" (positions 2 to 2): not received within 5 ms',
    );
    hub.inject(peer("x", 4)); // very late: delivered all the same
    assert.deepEqual(seen, ["ping 1", "ping 5", "ping 3", "ping 4"]);
  });
});

Deno.test("bridge() reports a gap that falls out of the window at once", async () => {
  await withBridges((bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const { messages, onError } = recorder();
    bridges.open(bus, hub.transport(), {
      onError,
      window: 4,
      lossTimeout: 60_000,
    });
    hub.inject(peer("x", 1));
    hub.inject(peer("x", 3)); // 2 missing
    hub.inject(peer("x", 4));
    hub.inject(peer("x", 5));
    hub.inject(peer("x", 6));
    assert.deepEqual(messages(), []);
    hub.inject(peer("x", 7)); // 2 is now more than 4 behind
    assert.deepEqual(messages(), [
      'Lost 1 event from bridge "x" (positions 2 to 2): they fell out of the window',
    ]);
  });
});

Deno.test("bridge() heartbeats carry the position, so a lost tail is reported without a later event", async () => {
  await withBridges(async (bridges) => {
    // The receiver misses everything but the first event of the sender.
    const hub = new Hub();
    const sender = new EventBus<Events>();
    const receiver = new EventBus<Events>();
    const seen = collect(receiver);
    const reported = deferred();
    const { errors, onError } = recorder();
    let drop = false;
    const lossy = hub.transport();
    bridges.open(receiver, {
      ...lossy,
      listen: (receive, fail, link) =>
        lossy.listen(
          (message) => {
            if (
              !drop || (message as BridgeMessage)[3] === 0
            ) {
              receive(message);
            }
          },
          fail,
          link,
        ),
    }, {
      lossTimeout: 1,
      onError(error) {
        onError(error);
        reported.resolve();
      },
    });
    const beats = deferred();
    bridges.open(sender, {
      ...hub.transport(),
      send(message) {
        hub.inject(structuredClone(message));
        if (message[3] === 0) beats.resolve();
      },
    }, { heartbeat: 1 });
    await sender.emit("ping", 1);
    drop = true;
    await sender.emit("ping", 2);
    await sender.emit("ping", 3);
    await within(beats.promise, "a heartbeat");
    await within(reported.promise, "the loss report");
    assert.deepEqual(seen, ["ping 1"]);
    assert.equal(
      (errors[0] as unknown as Error).message,
      `Lost 2 events from bridge "${
        bridges.all[1]!.origin
      }" (positions 2 to 3): not received within 1 ms`,
    );
  });
});

Deno.test("bridge() announces its position once ready, so a receiver that heard it reports lost first events", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const sender = new EventBus<Events>();
    const receiver = new EventBus<Events>();
    const seen = collect(receiver);
    const { onError, messages, reach } = recorder();
    const lossy = hub.transport();
    let drop = false;
    bridges.open(receiver, {
      ...lossy,
      listen: (receive, fail, link) =>
        lossy.listen(
          (message) => {
            if (!drop) receive(message);
          },
          fail,
          link,
        ),
    }, { lossTimeout: 1, onError });
    const from = bridges.open(sender, hub.transport(), { heartbeat: 60_000 });
    await from.ready;
    assert.deepEqual(hub.sent, [[2, from.origin, 0, 0]]);
    drop = true;
    await sender.emit("ping", 1);
    await sender.emit("ping", 2);
    drop = false;
    await sender.emit("ping", 3);
    await reach(1);
    assert.deepEqual(seen, ["ping 3"]);
    assert.deepEqual(messages(), [
      `Lost 2 events from bridge "${from.origin}" (positions 1 to 2): not received within 1 ms`,
    ]);
  });
});

Deno.test("bridge() learns a new publisher's position from a heartbeat without reporting a loss", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const seen = collect(bus);
    const { errors, onError } = recorder();
    bridges.open(bus, hub.transport(), { onError, lossTimeout: 1 });
    hub.inject(beat("x", 40));
    hub.inject(peer("x", 41));
    hub.inject(beat("x", 41));
    hub.inject(beat("x", 12));
    await drainMicrotasks();
    assert.deepEqual(seen, ["ping 41"]);
    assert.deepEqual(errors, []);
  });
});

Deno.test("bridge() sends a heartbeat only while it publishes nothing else, and none before its first event", async () => {
  const hub = new Hub();
  const bus = new EventBus<Events>();
  const heard = deferred();
  const sent: string[] = [];
  const b = bridge(bus, {
    ...hub.transport(),
    send(message) {
      sent.push(`${isEvent(message) ? "event" : "heartbeat"} ${message[2]}`);
      if (message[3] === 0) heard.resolve();
    },
  }, { heartbeat: 1 });
  try {
    await bus.emit("ping", 1);
    await within(heard.promise, "a heartbeat");
    assert.deepEqual(sent.slice(0, 2), ["event 1", "heartbeat 1"]);
  } finally {
    await b.close();
  }
});

Deno.test("bridge() forged messages cannot mute, replace or skip a publisher's events", async (t) => {
  for (
    const [what, forged, reports] of [
      ["mute (a huge position)", peer("real", 9e15, "forged-1", -1), [
        'Ignored the position 9000000000000000 of bridge "real": it is 8999999999999998 ahead of its position 2, beyond the window of 4096; the transport lost events or the message is forged',
      ]],
      ["replace (the next position)", peer("real", 3, "forged-1", -1), []],
      ["skip (position + k)", peer("real", 10, "forged-1", -1), []],
      ["a huge number", peer("real", Number.MAX_SAFE_INTEGER, "f", -1), [
        `Ignored the position ${Number.MAX_SAFE_INTEGER} of bridge "real": it is ${
          Number.MAX_SAFE_INTEGER - 2
        } ahead of its position 2, beyond the window of 4096; the transport lost events or the message is forged`,
      ]],
    ] as const
  ) {
    await t.step(what, async () => {
      await withBridges(async (bridges) => {
        const hub = new Hub();
        const bus = new EventBus<Events>();
        const seen = collect(bus);
        const { onError, messages } = recorder();
        bridges.open(bus, hub.transport(), { onError, lossTimeout: 60_000 });
        const real = (seq: number) => hub.inject(peer("real", seq));
        real(1);
        real(2);
        hub.inject(forged);
        for (let seq = 3; seq <= 12; seq++) real(seq);
        await drainMicrotasks();
        // The forged event is delivered, as its own event; none is hidden.
        assert.deepEqual(seen, [
          "ping 1",
          "ping 2",
          "ping -1",
          ...Array.from({ length: 10 }, (_, i) => `ping ${i + 3}`),
        ]);
        assert.deepEqual(messages(), reports);
      });
    });
  }
});

Deno.test("bridge() follows a publisher past a real jump beyond the window once the next message confirms it", async () => {
  await withBridges((bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const seen = collect(bus);
    const { errors, onError } = recorder();
    bridges.open(bus, hub.transport(), { onError, window: 10 });
    hub.inject(peer("x", 1));
    hub.inject(peer("x", 100));
    hub.inject(peer("x", 101));
    hub.inject(peer("x", 102));
    assert.deepEqual(seen, ["ping 1", "ping 100", "ping 101", "ping 102"]);
    assert.equal(errors.length, 2);
    assert.ok(errors[0] instanceof RangeError);
    const lost = errors[1] as LostEventsError;
    assert.deepEqual([lost.first, lost.last, lost.count], [2, 99, 98]);
  });
});

Deno.test("bridge() rejects messages with bad fields, long ids and unsafe numbers, and reports them", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const seen = collect(bus);
    const { messages, onError } = recorder();
    bridges.open(bus, hub.transport(), { onError });
    const long = "x".repeat(65);
    const ok = peer("x", 1);
    const bad: unknown[] = [
      null,
      "t".repeat(300),
      [],
      // Version 1, the object form of earlier releases.
      { v: 1, type: "event", origin: "x", seq: 1, id: "a", event: "ping" },
      variant(ok, 0, 3),
      variant(ok, 1, long),
      variant(ok, 1, "a b"),
      variant(ok, 3, long),
      variant(ok, 2, 1.5),
      variant(ok, 2, 0),
      variant(ok, 2, 2 ** 60),
      variant(ok, 2, Infinity),
      variant(ok, 2, "7"),
      variant(ok, 4, 7),
      variant(ok, 3, 2),
      [...ok, "d", "sig"],
      [2, "x", 1, "a", "ping", 5, "sig"],
      [2, "x", 1, "a", "ping", "5", 7],
      [2, "x", -1, 0],
      [2, "x", 0, 1],
      [2, "x", 1, 0, "sig", "more"],
      [2, "x", 1, 1, 7],
    ];
    for (const message of bad) hub.inject(message);
    hub.inject(peer("x", 1));
    await drainMicrotasks();
    const prefix = "Cannot receive a bridged event:";
    const cut = `"${"t".repeat(200)}"…`;
    const idRule = "must be 1 to 64 characters of A-Z, a-z, 0-9, - and _";
    assert.deepEqual(messages(), [
      `${prefix} expected a bridge message (an array), got null`,
      `${prefix} expected a bridge message (an array), got string ${cut}`,
      `${prefix} expected protocol version 2, got undefined`,
      `${prefix} protocol version 1 (an older @arcly/bus) is not supported, expected version 2`,
      `${prefix} expected protocol version 2, got number 3`,
      `${prefix} origin ${idRule}, got string "${long}"`,
      `${prefix} origin ${idRule}, got string "a b"`,
      `${prefix} id ${idRule}, got string "${long}"`,
      `${prefix} seq must be a positive safe integer, got number 1.5`,
      `${prefix} seq must be a positive safe integer, got number 0`,
      `${prefix} seq must be a positive safe integer, got number ${2 ** 60}`,
      `${prefix} seq must be a positive safe integer, got number Infinity`,
      `${prefix} seq must be a positive safe integer, got string "7"`,
      `${prefix} event must be a string, got number 7`,
      `${prefix} item 3 must be an id, 0 (heartbeat) or 1 (skip), got number 2`,
      `${prefix} an event has 5 to 7 items, got 8`,
      `${prefix} data must be a string, got number 5`,
      `${prefix} sig must be a string, got number 7`,
      `${prefix} seq must be a non-negative safe integer, got number -1`,
      `${prefix} seq must be a positive safe integer, got number 0`,
      `${prefix} a heartbeat has 4 or 5 items, got 6`,
      `${prefix} sig must be a string, got number 7`,
    ]);
    assert.deepEqual(seen, ["ping 1"]);
  });
});

Deno.test("bridge() keeps bounded state for any number of publishers", async () => {
  await withBridges((bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const { errors, onError } = recorder();
    bridges.open(bus, hub.transport(), { onError, lossTimeout: 60_000 });
    // An origin pushed out of the state is new again when it comes back:
    // its position is learned, and nothing is called lost.
    hub.inject(peer("first", 1));
    for (let i = 0; i < 3000; i++) hub.inject(peer(`o${i}`, 5, `i${i}`));
    hub.inject(peer("first", 50));
    assert.deepEqual(errors, []);
  });
});

/** A Standard Schema for numbers up to `max`, sync or async. */
function upTo(max: number, async = false): StandardSchema<number> {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate(value: unknown) {
        const result = typeof value === "number" && value <= max
          ? { value: value * 10 }
          : { issues: [{ message: `must be at most ${max}`, path: ["n"] }] };
        return async ? Promise.resolve(result) : result;
      },
    },
  };
}

Deno.test("bridge() validates received payloads with options.schemas, in order, and drops those that fail", async (t) => {
  for (const async of [false, true]) {
    await t.step(async ? "async validator" : "sync validator", async () => {
      await withBridges(async (bridges) => {
        const hub = new Hub();
        const bus = new EventBus<Events>();
        const seen = collect(bus);
        const done = deferred();
        const { errors, onError } = recorder();
        bus.subscribe("pong", () => done.resolve());
        bridges.open(bus, hub.transport(), {
          onError,
          schemas: { ping: upTo(5, async) },
        });
        hub.inject(peer("x", 1, "a", 1));
        hub.inject(peer("x", 2, "b", 9));
        hub.inject(peer("x", 3, "c", 3));
        hub.inject(variant(peer("x", 4, "d", 4), 4, "pong"));
        await within(done.promise, "the last event");
        assert.deepEqual(seen, ["ping 10", "ping 30", "pong 4"]);
        assert.equal(errors.length, 1);
        const error = errors[0] as TypeError & { issues: unknown };
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          'Dropped "ping": payload failed its schema: n: must be at most 5',
        );
        assert.deepEqual(error.issues, [{
          message: "must be at most 5",
          path: ["n"],
        }]);
      });
    });
  }
});

const KEY = "the shared secret";

/** The base64url HMAC-SHA-256 of `JSON.stringify(items)` with `key`. */
async function hmacOf(key: string, items: unknown[]): Promise<string> {
  const encoder = new TextEncoder();
  const hmac = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = new Uint8Array(
    await crypto.subtle.sign(
      "HMAC",
      hmac,
      encoder.encode(JSON.stringify(items)),
    ),
  );
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}

Deno.test("bridge() with a key signs messages and drops unsigned, wrongly signed and forged ones", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const a = new EventBus<Events>();
    const b = new EventBus<Events>();
    const seen = collect(b);
    const second = deferred();
    b.subscribe("pong", () => second.resolve());
    const { messages, onError } = recorder();
    const bridgeA = bridges.open(a, hub.transport(), { key: KEY });
    bridges.open(b, hub.transport(), { key: KEY, onError });
    await Promise.all(bridges.all.map((x) => x.ready));
    const first = deferred();
    b.subscribe("ping", () => first.resolve());
    await a.emit("ping", 1);
    await within(first.promise, "the first event");
    const signed = hub.sent.find(isEvent)!;
    assert.equal(signed.length, 7);
    assert.deepEqual(named(signed), {
      origin: bridgeA.origin,
      seq: 1,
      id: signed[3],
      event: "ping",
      data: "1",
      sig: signed[6],
    });
    // The signature is the base64url HMAC-SHA-256 of the JSON of every item
    // before it.
    assert.equal(signed[6], await hmacOf(KEY, signed.slice(0, 6)));
    // Forgeries: unsigned; each signed item changed (the signature covers
    // every one); another signature; the event's signature on a heartbeat;
    // an unsigned heartbeat.
    hub.inject(peer(bridgeA.origin, 9e15, "mute", 0));
    const changes: [number, unknown][] = [
      [1, "other"],
      [2, 9],
      [3, "x"],
      [4, "pong"],
    ];
    for (const [index, value] of changes) {
      hub.inject(variant(signed, index, value));
    }
    hub.inject(variant(signed, 5, "666"));
    hub.inject(variant(signed, 6, "A".repeat(43)));
    hub.inject([2, bridgeA.origin, 9e15, 0, signed[6]]);
    hub.inject(beat(bridgeA.origin, 9e15));
    await a.emit("pong", 2);
    await within(second.promise, "the second event");
    assert.deepEqual(seen, ["ping 1", "pong 2"]);
    const origin = JSON.stringify(bridgeA.origin);
    const mismatch = "its signature does not match any key";
    assert.deepEqual(messages(), [
      `Dropped event "ping" from bridge ${origin}: it is not signed`,
      `Dropped event "ping" from bridge "other": ${mismatch}`,
      `Dropped event "ping" from bridge ${origin}: ${mismatch}`,
      `Dropped event "ping" from bridge ${origin}: ${mismatch}`,
      `Dropped event "pong" from bridge ${origin}: ${mismatch}`,
      `Dropped event "ping" from bridge ${origin}: ${mismatch}`,
      `Dropped event "ping" from bridge ${origin}: ${mismatch}`,
      `Dropped a heartbeat from bridge ${origin}: ${mismatch}`,
      `Dropped a heartbeat from bridge ${origin}: it is not signed`,
    ]);
  });
});

Deno.test("bridge() with a key signs its heartbeats, and receivers accept them", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const { errors, onError } = recorder();
    bridges.open(new EventBus<Events>(), hub.transport(), {
      key: KEY,
      onError,
    });
    const sent = deferred();
    const transport = hub.transport();
    const from = bridges.open(new EventBus<Events>(), {
      ...transport,
      send(message) {
        transport.send(message);
        sent.resolve();
      },
    }, { key: KEY, heartbeat: 60_000 });
    await within(sent.promise, "the signed heartbeat");
    const [beat] = hub.sent as readonly (readonly unknown[])[];
    assert.deepEqual(beat!.slice(0, 4), [2, from.origin, 0, 0]);
    assert.equal(beat![4], await hmacOf(KEY, [2, from.origin, 0, 0]));
    assert.equal(beat!.length, 5);
    await drainMicrotasks();
    assert.deepEqual(errors, []);
  });
});

Deno.test("bridge() with a list of keys signs with the first and accepts any", async () => {
  await withBridges(async (bridges) => {
    // Rotation: receivers take the new key first, then senders sign with it.
    const hub = new Hub();
    const old = new EventBus<Events>();
    const rotated = new EventBus<Events>();
    const stranger = new EventBus<Events>();
    const seenRotated = collect(rotated);
    const seenOld = collect(old);
    const atOld = recorder();
    const atRotated = recorder();
    const got = deferred();
    rotated.subscribe("pong", () => got.resolve());
    bridges.open(old, hub.transport(), { key: KEY, onError: atOld.onError });
    bridges.open(rotated, hub.transport(), {
      key: [new TextEncoder().encode("new"), KEY],
      onError: atRotated.onError,
    });
    bridges.open(stranger, hub.transport(), { key: "other", onError() {} });
    await Promise.all(bridges.all.map((x) => x.ready));
    await rotated.emit("other", "signed with new");
    await atOld.reach(1);
    await stranger.emit("none");
    await atOld.reach(2);
    await atRotated.reach(1);
    await old.emit("pong", 1);
    await within(got.promise, "the pong of old");
    assert.deepEqual(seenRotated, ['other "signed with new"', "pong 1"]);
    assert.deepEqual(seenOld, ["pong 1"]);
    assert.deepEqual(
      atOld.messages().map((m) => m.replace(/"[\w-]{16}"/, "B")),
      [
        'Dropped event "other" from bridge B: its signature does not match any key',
        'Dropped event "none" from bridge B: its signature does not match any key',
      ],
    );
    assert.deepEqual(
      atRotated.messages().map((m) => m.replace(/"[\w-]{16}"/, "B")),
      [
        'Dropped event "none" from bridge B: its signature does not match any key',
      ],
    );
  });
});

Deno.test("bridge() with a key rejects the emit of a payload JSON cannot carry, naming the path", async () => {
  await withBridges(async (bridges) => {
    const bus = new EventBus<{ data: unknown }>();
    bridges.open(bus, new Hub().transport(), { key: KEY });
    await assert.rejects(
      bus.emit("data", { list: [1, 2n] }),
      (error: AggregateError) => {
        assert.ok(error.errors[0] instanceof TypeError);
        assert.match(error.errors[0].message, /^Cannot publish "data": .*list/);
        return true;
      },
    );
  });
});

Deno.test("bridge() status shows connecting, ready, pending publishes, degraded and closed", async () => {
  let link!: BridgeLink;
  const listening = deferred();
  const publishes: ReturnType<typeof deferred<unknown>>[] = [];
  const bus = new EventBus<Events>();
  const { onError, errors } = recorder();
  const b = bridge(bus, {
    send() {
      const publish = deferred<unknown>();
      publishes.push(publish);
      link.track(publish.promise);
    },
    listen(_receive, _fail, given) {
      link = given;
      return listening.promise;
    },
    close() {},
  }, { heartbeat: false, onError });
  const status = () => {
    const { state, connected, subscribed, pending } = b.status;
    return `${state} connected=${connected} subscribed=${subscribed} pending=${pending}`;
  };
  assert.equal(
    status(),
    "connecting connected=true subscribed=false pending=0",
  );
  listening.resolve();
  await b.ready;
  assert.equal(status(), "ready connected=true subscribed=true pending=0");
  await bus.emit("ping", 1);
  await bus.emit("ping", 2);
  assert.equal(status(), "ready connected=true subscribed=true pending=2");
  const down = new Error("connection lost");
  publishes[0]!.reject(down);
  await drainMicrotasks();
  assert.equal(status(), "degraded connected=true subscribed=true pending=1");
  assert.equal(b.status.lastError, down);
  assert.deepEqual(errors, [down]);
  publishes[1]!.resolve(undefined);
  await drainMicrotasks();
  assert.equal(status(), "ready connected=true subscribed=true pending=0");
  link.connected(false);
  link.subscribed(false);
  assert.equal(status(), "degraded connected=false subscribed=false pending=0");
  link.connected(true);
  link.subscribed(true);
  assert.equal(status(), "ready connected=true subscribed=true pending=0");
  await b.close();
  assert.equal(b.status.state, "closed");
});

Deno.test("bridge() sends transport failures to onError and keeps publishing", async () => {
  await withBridges(async (bridges) => {
    const bus = new EventBus<Events>();
    const { errors, onError } = recorder();
    const sent: number[] = [];
    const down = new Error("connection lost");
    const twice = deferred();
    bridges.open(bus, {
      send(message) {
        sent.push(message[2]);
        if ((message as BridgeMessage)[5] === 1) throw down;
        if ((message as BridgeMessage)[5] === 2) {
          return Promise.reject(down);
        }
        return Promise.resolve();
      },
      listen() {},
      close() {},
    }, {
      onError(error) {
        onError(error);
        if (errors.length === 2) twice.resolve();
      },
    });
    await bus.emit("ping", 1); // resolves: the bus is not the transport
    await bus.emit("ping", 2);
    await bus.emit("ping", 3);
    await within(twice.promise, "two reported failures");
    assert.deepEqual(errors, [down, down]);
    assert.deepEqual(sent, [1, 2, 3]);
  });
});

Deno.test("bridge() rejects the emit of a payload the transport refuses, after local listeners ran, and uses no position", async (t) => {
  for (const how of ["thrown", "rejected"] as const) {
    await t.step(how, async () => {
      await withBridges(async (bridges) => {
        const refusal = new TypeError('Cannot publish "ping": no');
        const sent: number[] = [];
        const transport: BridgeTransport = {
          send(message) {
            if ((message as BridgeMessage)[5] === -1) {
              if (how === "thrown") throw refusal;
              return Promise.reject(refusal);
            }
            sent.push(message[2]);
            return undefined;
          },
          listen() {},
          close() {},
        };
        const bus = new EventBus<Events>();
        const local: number[] = [];
        bus.subscribe("ping", (n) => void local.push(n));
        bridges.open(bus, transport, {
          onError: () => assert.fail("not a transport failure"),
        });
        await assert.rejects(bus.emit("ping", -1), (error: AggregateError) => {
          assert.deepEqual(error.errors, [refusal]);
          assert.equal(error.message, '1 listener of "ping" failed');
          return true;
        });
        await bus.emit("ping", 1);
        assert.deepEqual(local, [-1, 1]);
        assert.deepEqual(sent, how === "thrown" ? [1] : [2]);
      });
    });
  }
});

Deno.test("bridge() sends errors of local listeners of a received event to onError, unless the bus takes them", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const boom = new Error("boom");
    const reported = deferred();
    const { errors, onError } = recorder();
    const plain = new EventBus<Events>();
    plain.subscribe("ping", () => {
      throw boom;
    });
    bridges.open(plain, hub.transport(), {
      onError(error) {
        onError(error);
        reported.resolve();
      },
    });
    const taken: unknown[] = [];
    const handling = new EventBus<Events>({
      onError: (error) => void taken.push(error),
    });
    handling.subscribe("ping", () => {
      throw boom;
    });
    bridges.open(handling, hub.transport(), {
      onError: () => assert.fail("the bus's onError takes it"),
    });
    hub.inject(peer("x", 1));
    await within(reported.promise, "the reported listener error");
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof AggregateError);
    assert.deepEqual((errors[0] as AggregateError).errors, [boom]);
    assert.deepEqual(taken, [boom]);
  });
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
      const { errors, onError } = recorder();
      const bus = new EventBus<Events>();
      const b = bridge(bus, { send() {}, listen, close() {} }, {
        onError,
        heartbeat: false,
      });
      await assert.rejects(b.ready, new Error("refused"));
      assert.deepEqual(errors, [new Error("refused")]);
      assert.equal(b.status.state, "connecting");
      await b.close();
    });
  }
});

Deno.test("bridge() ready resolves only once the transport confirms the subscription, and rejects if closed first", async () => {
  const listening = deferred();
  const bus = new EventBus<Events>();
  const b = bridge(bus, {
    send() {},
    listen: () => listening.promise,
    close() {},
  }, { heartbeat: false });
  let ready = false;
  const done = b.ready.then(() => ready = true);
  await drainMicrotasks();
  assert.equal(ready, false);
  listening.resolve();
  await done;
  assert.equal(ready, true);
  await b.close();

  const never = bridge(bus, {
    send() {},
    listen: () => new Promise(() => {}),
    close() {},
  }, { heartbeat: false });
  await never.close();
  await assert.rejects(
    never.ready,
    new Error("Cannot confirm the subscription: the bridge was closed"),
  );
});

Deno.test("bridge() close() stops publishing and receiving at once and closes the transport once", async () => {
  const hub = new Hub();
  const bus = new EventBus<Events>();
  const seen = collect(bus);
  const release = deferred();
  let closes = 0;
  const b = bridge(bus, {
    ...hub.transport(),
    // Still delivering until it has closed, as a real transport may.
    close() {
      closes++;
      return release.promise;
    },
  }, { heartbeat: false });
  assert.equal(bus.listenerCount(), 2);
  const closing = b.close();
  assert.equal(b.closed, true);
  assert.equal(b.close(), closing);
  assert.equal(bus.listenerCount(), 1);
  await bus.emit("ping", 1);
  hub.inject(peer("x", 1, "x-1", 2));
  assert.deepEqual(hub.sent, []);
  assert.deepEqual(seen, ["ping 1"]);
  let closed = false;
  const done = closing.then(() => closed = true);
  await drainMicrotasks();
  assert.equal(closed, false);
  release.resolve();
  await done;
  assert.equal(closes, 1);
});

Deno.test("bridge() closing one bridge of a bus leaves its other bridges open, each with its own origin", async () => {
  await withBridges(async (bridges) => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const first = bridges.open(bus, hub.transport());
    const second = bridges.open(bus, hub.transport());
    assert.notEqual(first.origin, second.origin);
    await first.close();
    assert.equal(first.closed, true);
    assert.equal(second.closed, false);
    await bus.emit("ping", 1);
    assert.deepEqual(
      hub.events().map((m) => [m.origin, m.event]),
      [[second.origin, "ping"]],
    );
  });
});

Deno.test("bridge() close() settles within closeTimeout when the transport hangs", async () => {
  const bus = new EventBus<Events>();
  const { errors, onError } = recorder();
  const b = bridge(bus, {
    send() {},
    listen() {},
    close: () => new Promise(() => {}),
  }, { heartbeat: false, closeTimeout: 10, onError });
  await within(b.close(), "close", 2000);
  assert.deepEqual(errors, [
    new Error(
      "The transport did not close within 10 ms: the bridge closed without it",
    ),
  ]);
});

Deno.test("bridge() closes by dispose, async dispose and the signal", async (t) => {
  await t.step("Symbol.dispose", () => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const b = bridge(bus, hub.transport(), { heartbeat: false });
    assert.equal(bus.listenerCount(), 1);
    b[Symbol.dispose]();
    assert.equal(bus.listenerCount(), 0);
    assert.equal(hub.closes, 1);
  });
  await t.step("Symbol.asyncDispose", async () => {
    const hub = new Hub();
    const bus = new EventBus<Events>();
    const b = bridge(bus, hub.transport(), { heartbeat: false });
    await b[Symbol.asyncDispose]();
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
    await assert.rejects(b.ready);
    await b.close();
    await bus.emit("ping", 1);
    assert.equal(bus.listenerCount(), 0);
  });
});

Deno.test("bridge() close() resolves and reports a transport that fails to close", async () => {
  const { errors, onError } = recorder();
  const bus = new EventBus<Events>();
  const b = bridge(bus, {
    send() {},
    listen() {},
    close: () => Promise.reject(new Error("stuck")),
  }, { onError, heartbeat: false });
  await b.close();
  assert.deepEqual(errors, [new Error("stuck")]);
});

Deno.test("bridge() logs with console.error without onError, and when onError throws", async () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    await withBridges((bridges) => {
      const hub = new Hub();
      bridges.open(new EventBus(), hub.transport());
      bridges.open(new EventBus(), hub.transport(), {
        onError() {
          throw new Error("onError failed");
        },
      });
      hub.inject("junk");
    });
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
