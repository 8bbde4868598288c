// Copyright 2026 the arcly authors. MIT license.

// Runs against a real redis-server, started on a free loopback port by each
// test and stopped by it. Needs `redis-server` on PATH (Debian:
// apt-get install -y --no-install-recommends redis-server). BUS_DEEP=1 runs
// the fault tests at full size (12,000 events each).

import assert from "node:assert/strict";
import { EventBus } from "./mod.ts";
import { LostEventsError } from "./bridge.ts";
import type { Bridge, BridgeStatus } from "./bridge.ts";
import { bridgeRedis, type RedisClient } from "./redis.ts";
import { PeerProcess } from "./testdata/peer_process.ts";
import { RedisServer, redisTestsEnabled } from "./testdata/redis_server.ts";
import {
  KINDS,
  rawClient,
  type RedisKind,
  redisPair,
} from "./testdata/redis_clients.ts";
import { type Fault, faultRun } from "./testdata/redis_faults.ts";
import { DEEP, deferred, within } from "./_test_util.ts";

const EVENTS = DEEP ? 10_000 : 2_000;
const FAULT_EVENTS = DEEP ? 12_000 : 600;
const ignore = !(await redisTestsEnabled());

/**
 * A test that needs a real redis-server, run as one step with each client
 * library, on one server.
 */
function eachKind(
  name: string,
  fn: (kind: RedisKind, server: RedisServer) => Promise<void>,
): void {
  redisTest(name, async (t) => {
    await using server = await RedisServer.start();
    for (const kind of KINDS) await t.step(kind, () => fn(kind, server));
  });
}

/** A test that needs a real redis-server. */
function redisTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({ name, ignore, fn });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Waits until `test` holds, checking every 10 ms, for at most `ms`: for
 * states only observable by looking (a client's connection, a bridge's
 * status).
 */
async function until(
  test: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!await test()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Connects a client made with `connect: false`. */
function connect(client: RedisClient): Promise<unknown> {
  return (client as unknown as { connect(): Promise<unknown> }).connect();
}

async function subscribers(port: number, channel: string): Promise<number> {
  await using probe = rawClient(port);
  const reply = await probe.pubsub("NUMSUB", channel) as [string, number];
  return Number(reply[1]);
}

/** A valid unsigned event message from `origin`, as a raw client sends it. */
function eventText(
  origin: string,
  seq: number,
  event: string,
  payload: unknown,
  id = `forged-${origin.slice(0, 8)}-${seq}`,
): string {
  return JSON.stringify(
    payload === undefined
      ? [2, origin, seq, id, event]
      : [2, origin, seq, id, event, payload],
  );
}

redisTest(
  `bridgeRedis() carries ${EVENTS} events each way between two processes, each once and in order`,
  async () => {
    await using server = await RedisServer.start();
    const channel = `bus-${crypto.randomUUID()}`;
    const a = new PeerProcess("ioredis", server.port, "a", channel);
    const b = new PeerProcess("node-redis", server.port, "b", channel);
    try {
      await a.waitFor((l) => l.type === "ready", "ready");
      await b.waitFor((l) => l.type === "ready", "ready");
      const started = performance.now();
      await a.send({ cmd: "emit", from: 1, to: EVENTS });
      await b.send({ cmd: "emit", from: 1, to: EVENTS });
      await a.send({ cmd: "done" });
      await b.send({ cmd: "done" });
      // Each side acks the other's "done", published after its last tick: an
      // ack received means every tick and every echo has arrived.
      await a.waitFor((l) => l.type === "acked", "ack");
      await b.waitFor((l) => l.type === "acked", "ack");
      const elapsed = performance.now() - started;
      for (const peer of [a, b]) {
        const from = peer.lines.length;
        await peer.send({ cmd: "report" });
        const report = await peer.waitFor(
          (l) => l.type === "report",
          "report",
          from,
        );
        assert.deepEqual(report.fromOther, range(1, EVENTS), peer.name);
        assert.equal(report.ownTicks, EVENTS, `${peer.name} saw an echo`);
        assert.equal(report.errors, 0, peer.name);
        assert.deepEqual(peer.linesOf("error"), []);
      }
      console.log(
        `2 x ${EVENTS} events over Redis in ${elapsed.toFixed(0)} ms`,
      );
      assert.equal(await a.quit(), 0);
      assert.equal(await b.quit(), 0);
      assert.deepEqual(a.linesOf("bye"), [{ type: "bye", listeners: 1 }]);
      assert.deepEqual(b.linesOf("bye"), [{ type: "bye", listeners: 1 }]);
    } finally {
      await a.kill();
      await b.kill();
    }
  },
);

for (const kind of KINDS) {
  for (
    const fault of [
      "kill publisher connection",
      "kill -9 and restart",
    ] as const satisfies Fault[]
  ) {
    redisTest(
      `bridgeRedis() emits each event Redis delivered once and reports the others lost: ${kind}, ${fault} at 2,000 events/s`,
      async () => {
        await using server = await RedisServer.start();
        const run = await faultRun(server, kind, fault, FAULT_EVENTS, 2_000);
        const emitted = new Set(run.emitted);
        assert.equal(run.published, FAULT_EVENTS);
        assert.equal(emitted.size, run.emitted.length, "emitted twice");
        assert.deepEqual(
          [...emitted].sort((x, y) => x - y),
          [...run.delivered].sort((x, y) => x - y),
          "emitted is not what Redis delivered",
        );
        const lost = range(1, FAULT_EVENTS).filter((n) =>
          !run.delivered.has(n)
        );
        assert.deepEqual(
          [...run.reportedNumbers].sort((x, y) => x - y),
          lost,
          "reported losses are not the events Redis did not deliver",
        );
        assert.equal(run.reported, lost.length, "a loss reported twice");
        const strange = run.errors.filter((m) =>
          !/ECONNREFUSED|Socket closed|Connection is closed|ECONNRESET/.test(m)
        );
        assert.deepEqual(strange, []);
        console.log(
          `${kind}, ${fault}: ${run.published} published, ${run.delivered.size} delivered (+${run.duplicates} duplicates, ${run.late} late), ${run.emitted.length} emitted, ${run.reported} reported lost, in ${
            run.elapsed.toFixed(0)
          } ms`,
        );
      },
    );
  }
}

redisTest(
  "bridgeRedis() reports events lost at the end of a stream, from the publisher's heartbeat",
  async () => {
    await using server = await RedisServer.start();
    const channel = `tail-${crypto.randomUUID()}`;
    await using sending = await redisPair("ioredis", server.port);
    // The receiver's subscriber comes back 0.8 s after it is cut off: the
    // test checks that it was away while the 50 events went out.
    await using receiving = await redisPair("ioredis", server.port, {
      retryDelay: 800,
    });
    await using admin = rawClient(server.port);
    const a = new EventBus<{ tick: number }>();
    const b = new EventBus<{ tick: number }>();
    const got: number[] = [];
    b.subscribe("tick", (n) => void got.push(n));
    const lost = deferred<LostEventsError>();
    // Asked before it subscribes: a subscribed connection cannot ask.
    const receiverId = Number(
      await (receiving.subscriber as unknown as { client(c: "ID"): unknown })
        .client("ID"),
    );
    await using sender = bridgeRedis(a, sending, {
      channel,
      heartbeat: 100,
    });
    await using receiver = bridgeRedis(b, receiving, {
      channel,
      lossTimeout: 200,
      onError(error) {
        if (error instanceof LostEventsError) lost.resolve(error);
      },
    });
    await Promise.all([sender.ready, receiver.ready]);
    await a.emit("tick", 1);
    await until(() => got.length === 1, "event 1");
    await admin.client("KILL", "ID", String(receiverId));
    await until(() => !receiver.status.subscribed, "the receiver cut off");
    for (let n = 2; n <= 51; n++) await a.emit("tick", n);
    await until(() => sender.status.pending === 0, "the publishes");
    // Redis has them all, and the receiver was not there.
    assert.equal(receiver.status.subscribed, false);
    const error = await within(lost.promise, "the loss report", 10_000);
    assert.deepEqual(
      [error.origin, error.first, error.last, error.count],
      [sender.origin, 2, 51, 50],
    );
    assert.deepEqual(got, [1]);
  },
);

eachKind(
  "bridgeRedis() subscribes only once the subscriber is ready, and ready waits for it",
  async (kind, server) => {
    await using forger = rawClient(server.port);
    const channel = `race-${kind}`;
    await using pair = await redisPair(kind, server.port, {
      connect: false,
    });
    const bus = new EventBus<{ hello: string }>();
    const subscriber = pair.subscriber;
    let bridge: Bridge | undefined;
    if (kind === "ioredis") {
      // The moment of ioredis's race: connected, not yet ready.
      const connected = deferred();
      subscriber.on("connect", () => {
        if (bridge === undefined) {
          assert.equal(subscriber.status, "connect");
          bridge = bridgeRedis(bus, pair, { channel });
          connected.resolve();
        }
      });
      void connect(subscriber);
      await connected.promise;
    } else {
      bridge = bridgeRedis(bus, pair, { channel });
      assert.equal(bridge.status.state, "connecting");
      await Promise.all([connect(pair.publisher), connect(subscriber)]);
    }
    try {
      await within(bridge!.ready, "ready");
      assert.equal(bridge!.status.subscribed, true);
      assert.equal(await subscribers(server.port, channel), 1);
      const got = bus.waitFor("hello", {
        signal: AbortSignal.timeout(5_000),
      });
      await forger.publish(
        channel,
        eventText("other", 1, "hello", "world"),
      );
      assert.equal(await got, "world");
    } finally {
      await bridge!.close();
    }
  },
);

redisTest(
  "bridgeRedis() starts an ioredis subscriber made with lazyConnect",
  async () => {
    await using server = await RedisServer.start();
    await using forger = rawClient(server.port);
    await using pair = await redisPair("ioredis", server.port, {
      connect: false,
    });
    assert.equal(pair.subscriber.status, "wait");
    const bus = new EventBus<{ hello: string }>();
    await using bridge = bridgeRedis(bus, pair, { channel: "lazy" });
    await within(bridge.ready, "ready");
    assert.equal(bridge.status.state, "ready");
    const got = bus.waitFor("hello", { signal: AbortSignal.timeout(5_000) });
    await forger.publish("lazy", eventText("other", 1, "hello", "world"));
    assert.equal(await got, "world");
  },
);

eachKind(
  "bridgeRedis() ready rejects when the subscriber gives up before it is ready",
  async (kind, server) => {
    const port = server.port;
    await server.stop();
    await using pair = await redisPair(kind, port, {
      connect: false,
      retries: 0,
    });
    const errors: unknown[] = [];
    const bridge = bridgeRedis(new EventBus(), pair, {
      channel: "c",
      onError: (error) => errors.push(error),
    });
    if (kind === "node-redis") connect(pair.subscriber).catch(() => {});
    await assert.rejects(
      within(bridge.ready, "ready to settle"),
      new Error(
        'Cannot subscribe to Redis channel "c": the subscriber connection ended before it was ready',
      ),
    );
    assert.equal(bridge.status.state, "connecting");
    await bridge.close();
    // Nothing to unsubscribe: nothing more to report.
    assert.deepEqual(
      errors.filter((e) => !/ECONNREFUSED/.test(messageOf(e))).map(messageOf),
      [
        'Cannot subscribe to Redis channel "c": the subscriber connection ended before it was ready',
      ],
    );
  },
);

eachKind(
  "bridgeRedis() close() settles within closeTimeout while Redis is frozen, and leaves the clients open",
  async (kind, server) => {
    // The default once, then a shorter one.
    const timeouts = kind === "ioredis" ? [undefined, 200] : [200];
    for (const closeTimeout of timeouts) {
      const channel = `frozen-${kind}-${closeTimeout}`;
      await using pair = await redisPair(kind, server.port);
      const errors: string[] = [];
      const bridge = bridgeRedis(new EventBus(), pair, {
        channel,
        ...closeTimeout === undefined ? {} : { closeTimeout },
        onError: (error) => errors.push(messageOf(error)),
      });
      await bridge.ready;
      server.pause();
      let elapsed: number;
      try {
        const started = performance.now();
        await bridge.close();
        elapsed = performance.now() - started;
      } finally {
        server.resume();
      }
      const limit = closeTimeout ?? 1_000;
      assert.ok(
        elapsed >= limit - 5 && elapsed < limit + 250,
        `close() took ${elapsed.toFixed(0)} ms`,
      );
      assert.deepEqual(errors, [
        `The transport did not close within ${limit} ms: the bridge closed without it`,
      ]);
      // Not quit: the unsubscribe lands (after the resume, on its own
      // connection, so it is waited for), the publisher works and reaches
      // nobody, and the subscriber connection stays up, ready for other
      // channels.
      await until(
        async () => await subscribers(server.port, channel) === 0,
        "the unsubscribe",
      );
      assert.equal(Number(await pair.publisher.publish(channel, "x")), 0);
      await pair.record(`${channel}-after`, () => {});
      assert.equal(await subscribers(server.port, `${channel}-after`), 1);
      console.log(
        `${kind}: close() with Redis frozen took ${
          elapsed.toFixed(0)
        } ms (closeTimeout ${limit})`,
      );
    }
  },
);

eachKind(
  "bridgeRedis() status shows the connection, the subscription and the publishes in flight",
  async (kind, server) => {
    await using pair = await redisPair(kind, server.port);
    const bus = new EventBus<{ tick: number }>();
    await using bridge = bridgeRedis(bus, pair, {
      channel: `status-${kind}`,
      heartbeat: false,
      onError() {},
    });
    const state = (): Partial<BridgeStatus> => {
      const { state, connected, subscribed, pending } = bridge.status;
      return { state, connected, subscribed, pending };
    };
    await bridge.ready;
    assert.deepEqual(state(), {
      state: "ready",
      connected: true,
      subscribed: true,
      pending: 0,
    });
    server.pause();
    try {
      // Publishing never holds up an emit.
      for (let n = 1; n <= 3; n++) {
        await within(bus.emit("tick", n), `emit ${n}`, 2_000);
      }
      assert.deepEqual(state(), {
        state: "ready",
        connected: true,
        subscribed: true,
        pending: 3,
      });
    } finally {
      server.resume();
    }
    await until(() => bridge.status.pending === 0, "the publishes");
    await server.crash();
    await until(
      () => !bridge.status.connected && !bridge.status.subscribed,
      "the lost connections",
    );
    assert.equal(bridge.status.state, "degraded");
    await server.restart();
    await until(() => bridge.status.state === "ready", "ready again");
    assert.deepEqual(state(), {
      state: "ready",
      connected: true,
      subscribed: true,
      pending: 0,
    });
  },
);

eachKind(
  "bridgeRedis() publishes protocol version 2 as compact JSON arrays, and an undefined payload arrives as undefined",
  async (kind, server) => {
    await using sending = await redisPair(kind, server.port);
    await using receiving = await redisPair(kind, server.port);
    await using tap = await redisPair(kind, server.port);
    const channel = `wire-${crypto.randomUUID()}`;
    const texts: string[] = [];
    await tap.record(channel, (text) => void texts.push(text));
    const a = new EventBus<{ ping: { n: number }; none: undefined }>();
    const b = new EventBus<{ ping: { n: number }; none: undefined }>();
    const got: unknown[][] = [];
    b.subscribeAll((event) => void got.push([event.name, event.payload]));
    await using from = bridgeRedis(a, sending, {
      channel,
      heartbeat: 60_000,
    });
    await using to = bridgeRedis(b, receiving, { channel, heartbeat: false });
    await Promise.all([from.ready, to.ready]);
    await a.emit("ping", { n: 1 });
    await a.emit("none");
    await until(() => got.length === 2 && texts.length === 3, "the events");
    const ids = texts.slice(1).map((text) => JSON.parse(text)[3]);
    const o = JSON.stringify(from.origin);
    assert.deepEqual(texts, [
      `[2,${o},0,0]`,
      `[2,${o},1,"${ids[0]}","ping",{"n":1}]`,
      `[2,${o},2,"${ids[1]}","none"]`,
    ]);
    assert.deepEqual(got, [["ping", { n: 1 }], ["none", undefined]]);
  },
);

redisTest(
  "bridgeRedis() never delivers its own messages back to its bus",
  async () => {
    await using server = await RedisServer.start();
    await using clients = await redisPair("ioredis", server.port);
    await using forger = rawClient(server.port);
    const channel = `bus-${crypto.randomUUID()}`;
    const bus = new EventBus<{ ping: number; marker: undefined }>();
    const seen: string[] = [];
    bus.subscribeAll((event) =>
      void seen.push(`${event.name} ${event.payload}`)
    );
    const errors: string[] = [];
    await using bridge = bridgeRedis(bus, clients, {
      channel,
      onError: (error) => errors.push(messageOf(error)),
    });
    await bridge.ready;
    const marker = bus.waitFor("marker", {
      signal: AbortSignal.timeout(10_000),
    });
    await bus.emit("ping", 1);
    await until(() => bridge.status.pending === 0, "the publish");
    // Its own messages are skipped before they are parsed: text that starts
    // as its messages do is not even read.
    const start = `[2,"${bridge.origin}",`;
    await forger.publish(channel, `${start}not json`);
    await forger.publish(channel, `${start}1,0]`);
    // Published after the ping reached Redis, so Redis delivers it after the
    // ping's echo, had there been one.
    await forger.publish(channel, eventText("other", 1, "marker", undefined));
    await marker;
    assert.deepEqual(seen, ["ping 1", "marker undefined"]);
    assert.deepEqual(errors, []);
  },
);

redisTest(
  "bridgeRedis() rejects a payload JSON cannot carry with a TypeError naming the event and the path",
  async () => {
    await using server = await RedisServer.start();
    await using clients = await redisPair("ioredis", server.port);
    const bus = new EventBus();
    const errors: unknown[] = [];
    await using bridge = bridgeRedis(bus, clients, {
      channel: "json",
      onError: (error) => errors.push(error),
    });
    await bridge.ready;
    await until(() => bridge.status.pending === 0, "the position announced");
    const cases: [unknown, string][] = [
      [{ run() {} }, "payload.run is a function, which JSON cannot carry"],
      [Symbol("s"), "payload is a symbol, which JSON cannot carry"],
      [{ big: [1n] }, "payload.big[0] is a BigInt, which JSON cannot carry"],
      [
        new Map(),
        "payload is a Map, which JSON cannot carry (use a plain object, or give it a toJSON method)",
      ],
      [
        { ["k".repeat(1_000)]: NaN },
        `payload[${
          JSON.stringify("k".repeat(200))
        }…] is NaN, which JSON turns into null`,
      ],
    ];
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    cases.push([
      cycle,
      "payload.self refers back to an enclosing object, a cycle JSON cannot carry",
    ]);
    for (const [payload, reason] of cases) {
      await assert.rejects(
        bus.emit("job", payload),
        (error: AggregateError) => {
          assert.equal(error.errors.length, 1);
          assert.ok(error.errors[0] instanceof TypeError);
          assert.equal(
            error.errors[0].message,
            `Cannot publish "job" to Redis channel "json": ${reason}`,
          );
          return true;
        },
      );
    }
    assert.deepEqual(errors, []);
    assert.equal(bridge.status.pending, 0);
  },
);

redisTest(
  "bridgeRedis() carries a payload nested 100,000 levels deep",
  async () => {
    await using server = await RedisServer.start();
    await using one = await redisPair("ioredis", server.port);
    await using two = await redisPair("node-redis", server.port);
    const a = new EventBus<{ deep: unknown }>();
    const b = new EventBus<{ deep: unknown }>();
    await using _a = bridgeRedis(a, one, { channel: "deep" });
    await using _b = bridgeRedis(b, two, { channel: "deep" });
    await Promise.all([_a.ready, _b.ready]);
    let payload: unknown = "bottom";
    for (let i = 0; i < 100_000; i++) payload = { a: [payload] };
    const got = b.waitFor("deep", { signal: AbortSignal.timeout(10_000) });
    await a.emit("deep", payload);
    let depth = 0;
    let node = await got;
    while (typeof node === "object" && node !== null) {
      node = (node as { a: unknown[] }).a[0];
      depth++;
    }
    assert.deepEqual([depth, node], [100_000, "bottom"]);
  },
);

redisTest(
  "bridgeRedis() reports a message on its channel that is not a bridged event to onError",
  async () => {
    await using server = await RedisServer.start();
    await using clients = await redisPair("ioredis", server.port);
    await using forger = rawClient(server.port);
    const bus = new EventBus();
    const failed = deferred<unknown[]>();
    const errors: unknown[] = [];
    await using bridge = bridgeRedis(bus, clients, {
      channel: "junk",
      onError(error) {
        errors.push(error);
        if (errors.length === 4) failed.resolve(errors);
      },
    });
    await bridge.ready;
    // Another channel on the same subscriber connection is none of its business.
    await (clients.subscriber as unknown as {
      subscribe(channel: string): Promise<unknown>;
    }).subscribe("elsewhere");
    await forger.publish("elsewhere", "not json either");
    await forger.publish("junk", "not json");
    await forger.publish("junk", JSON.stringify({ event: "x" }));
    // A message of an older @arcly/bus (protocol version 1).
    await forger.publish(
      "junk",
      JSON.stringify({ v: 1, type: "heartbeat", origin: "x", seq: 1 }),
    );
    await forger.publish("junk", `"${"x".repeat(100_000)}`);
    const [notJson, notEvent, version1, long] = await within(
      failed.promise,
      "four errors",
    ) as TypeError[];
    assert.ok(notJson instanceof TypeError);
    assert.match(
      notJson.message,
      /^Cannot receive a message on Redis channel "junk": it is not JSON \(/,
    );
    assert.ok(notEvent instanceof TypeError);
    assert.equal(
      notEvent.message,
      "Cannot receive a bridged event: expected a bridge message (an array), got an object",
    );
    assert.equal(
      version1!.message,
      "Cannot receive a bridged event: protocol version 1 (an older @arcly/bus) is not supported, expected version 2",
    );
    assert.ok(long!.message.length < 400, long!.message.slice(0, 500));
    assert.equal(bus.listenerCount(), 1);
  },
);

/** What `forge` reports for its malformed messages, with or without a key. */
const MALFORMED = [
  "1 x Cannot receive a bridged event: origin must be 1 to 64 chara",
  "1 x Cannot receive a bridged event: id must be 1 to 64 character",
  "5 x Cannot receive a bridged event: seq must be a positive safe ",
];

/**
 * Error messages with their quoted values blanked, cut at 60 characters,
 * with counts, one line each.
 */
function summarize(messages: string[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) {
    const key = m.replace(/"[^"]*"/g, '"…"').slice(0, 60);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([m, n]) => `${n} x ${m}`).join("\n");
}

/** Forged traffic, sent with a raw client between the real publisher's events. */
async function forge(
  port: number,
  key: string | undefined,
): Promise<{ got: number[]; errors: string[]; lost: LostEventsError[] }> {
  const channel = `forged-${crypto.randomUUID()}`;
  await using sending = await redisPair("ioredis", port);
  await using receiving = await redisPair("node-redis", port);
  await using forger = rawClient(port);
  const a = new EventBus<{ tick: number }>();
  const b = new EventBus<{ tick: number }>();
  const got: number[] = [];
  const errors: string[] = [];
  const lost: LostEventsError[] = [];
  b.subscribe("tick", (n) => void got.push(n));
  const keyed = key === undefined ? {} : { key };
  await using sender = bridgeRedis(a, sending, {
    channel,
    heartbeat: false,
    ...keyed,
    onError() {},
  });
  await using _receiver = bridgeRedis(b, receiving, {
    channel,
    lossTimeout: 300,
    ...keyed,
    onError(error) {
      if (error instanceof LostEventsError) lost.push(error);
      else errors.push(messageOf(error));
    },
  });
  await Promise.all([sender.ready, _receiver.ready]);
  const origin = sender.origin;
  let next = 1;
  /** Emits real events up to `to` and waits until they have arrived. */
  const real = async (to: number) => {
    for (; next <= to; next++) await a.emit("tick", next);
    await until(() => got.filter((n) => n > 0).length === to, `tick ${to}`);
  };
  /** Publishes a forged "tick" event; `seq` may be anything. */
  const event = (origin: string, seq: unknown, id: string, payload: number) =>
    forger.publish(
      channel,
      JSON.stringify([2, origin, seq, id, "tick", payload]),
    );
  await real(10);
  // Mute: a huge position for the real publisher.
  await event(origin, 9e15, "mute1", -1);
  await forger.publish(
    channel,
    JSON.stringify([2, origin, 9e15, 0]),
  );
  await real(1_010);
  // Replace: the next position, with another id.
  await event(origin, 1_011, "replace1", -2);
  await real(1_011);
  // Skip: a position ahead, to hide the events between.
  await event(origin, 1_060, "skip1", -3);
  await real(1_100);
  // Many origins.
  const pipeline = forger.pipeline();
  for (let i = 0; i < 2_000; i++) {
    pipeline.publish(
      channel,
      JSON.stringify([2, `o${i}`, 5, 0]),
    );
  }
  await pipeline.exec();
  // Long ids and huge or odd numbers.
  await event("x".repeat(100_000), 1, "i", -4);
  await event("o1", 1, "y".repeat(100_000), -5);
  for (const seq of [1e308, -1, 1.5, "7", 2 ** 53]) {
    await event(origin, seq, `n${seq}`, -6);
  }
  await real(1_200);
  assert.ok(errors.every((m) => m.length < 600), "an error quoted too much");
  return { got, errors, lost };
}

redisTest(
  "bridgeRedis() forged messages on Redis can add events of their own, never mute, replace or hide real ones",
  async () => {
    await using server = await RedisServer.start();
    const { got, errors, lost } = await forge(server.port, undefined);
    assert.deepEqual(got.filter((n) => n > 0), range(1, 1_200));
    // Without a key, whoever can publish is trusted to add events.
    assert.deepEqual(got.filter((n) => n < 0).sort(), [-1, -2, -3]);
    assert.deepEqual(lost, []);
    assert.equal(
      summarize(errors),
      [
        // The mute attempts (an event and a heartbeat): reported, ignored.
        '2 x Ignored the position 9000000000000000 of bridge "…": it is 8',
        ...MALFORMED,
      ].join("\n"),
    );
  },
);

redisTest(
  "bridgeRedis() with a key drops and reports every forged message",
  async () => {
    await using server = await RedisServer.start();
    const { got, errors, lost } = await forge(server.port, "s3cret");
    assert.deepEqual(got, range(1, 1_200));
    assert.deepEqual(lost, []);
    assert.equal(
      summarize(errors),
      [
        '3 x Dropped event "…" from bridge "…": it is not signed',
        '2001 x Dropped a heartbeat from bridge "…": it is not signed',
        ...MALFORMED,
      ].join("\n"),
    );
  },
);

eachKind(
  "bridgeRedis() close() unsubscribes and removes every listener it added",
  async (kind, server) => {
    await using pair = await redisPair(kind, server.port);
    const { publisher, subscriber } = pair;
    const bus = new EventBus<{ ping: number }>();
    const names = [
      "message",
      "error",
      "ready",
      "close",
      "reconnecting",
      "end",
    ];
    const counts = () =>
      [publisher, subscriber].flatMap((client) =>
        names.map((name) =>
          (client as unknown as { listenerCount(n: string): number })
            .listenerCount(name)
        )
      );
    const before = counts();
    const bridge = bridgeRedis(bus, pair, { channel: "c" });
    await bridge.ready;
    assert.equal(await subscribers(server.port, "c"), 1);
    assert.notDeepEqual(counts(), before);
    await bridge.close();
    assert.equal(bridge.closed, true);
    assert.equal(await subscribers(server.port, "c"), 0);
    assert.deepEqual(counts(), before);
    assert.equal(bus.listenerCount(), 0);
  },
);
