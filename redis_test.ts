// Copyright 2026 the arcly authors. MIT license.

// Runs against a real redis-server, started on a free loopback port by each
// test and stopped by it. Needs `redis-server` on PATH (Debian:
// apt-get install -y --no-install-recommends redis-server).

import assert from "node:assert/strict";
import { Redis } from "npm:ioredis@5.11.1";
import { createClient } from "npm:redis@5.12.1";
import { EventBus } from "./mod.ts";
import { bridgeRedis, type RedisClient } from "./redis.ts";
import { PeerProcess } from "./testdata/peer_process.ts";
import { RedisServer, redisTestsEnabled } from "./testdata/redis_server.ts";
import { deferred, within } from "./_test_util.ts";

const EVENTS = 10_000;
const ignore = !(await redisTestsEnabled());

/** A test that needs a real redis-server. */
function redisTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore, fn });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Two ioredis connections to `server`, closed by `using`. */
function ioredisPair(server: RedisServer) {
  const publisher = new Redis({ host: "127.0.0.1", port: server.port });
  const subscriber = publisher.duplicate();
  return {
    publisher,
    subscriber,
    async [Symbol.asyncDispose]() {
      await Promise.all([publisher.quit(), subscriber.quit()]);
    },
  };
}

async function subscribers(server: RedisServer, channel: string) {
  const probe = new Redis({ host: "127.0.0.1", port: server.port });
  try {
    const reply = await probe.pubsub("NUMSUB", channel) as [string, number];
    return Number(reply[1]);
  } finally {
    await probe.quit();
  }
}

redisTest(
  "bridgeRedis() carries 10,000 events each way between two processes, each once and in order",
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

redisTest(
  "bridgeRedis() reports a Redis restart to onError and carries on once it is back",
  async () => {
    await using server = await RedisServer.start();
    const channel = `bus-${crypto.randomUUID()}`;
    const a = new PeerProcess("ioredis", server.port, "a", channel);
    const b = new PeerProcess("node-redis", server.port, "b", channel);
    try {
      await a.waitFor((l) => l.type === "ready", "ready");
      await b.waitFor((l) => l.type === "ready", "ready");
      // Before: 1..100 each way.
      for (const peer of [a, b]) {
        await peer.send({ cmd: "emit", from: 1, to: 100 });
      }
      for (const peer of [a, b]) {
        await peer.send({ cmd: "await", n: 100 });
        await peer.waitFor((l) => l.type === "have" && l.n === 100, "tick 100");
      }
      assert.deepEqual([a.linesOf("error"), b.linesOf("error")], [[], []]);

      // Down: both clients lose their connections and say so.
      await server.stop();
      for (const peer of [a, b]) {
        await peer.waitFor((l) => l.type === "error", "connection error");
      }
      // Emitted while Redis is down: queued by the clients, maybe lost.
      for (const peer of [a, b]) {
        await peer.send({ cmd: "emit", from: 101, to: 150 });
        await peer.waitFor((l) => l.type === "emitted" && l.to === 150, "emit");
      }

      // Back: both clients reconnect and resubscribe by themselves.
      await server.restart();
      const deadline = Date.now() + 20_000;
      while (await subscribers(server, channel) < 2) {
        assert.ok(Date.now() < deadline, "the peers did not resubscribe");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const peer of [a, b]) {
        await peer.send({ cmd: "emit", from: 151, to: 250 });
      }
      for (const peer of [a, b]) await peer.send({ cmd: "done" });
      await a.waitFor((l) => l.type === "acked", "ack");
      await b.waitFor((l) => l.type === "acked", "ack");

      for (const peer of [a, b]) {
        const from = peer.lines.length;
        await peer.send({ cmd: "report" });
        const report = await peer.waitFor(
          (l) => l.type === "report",
          "report",
          from,
        );
        const got = report.fromOther as number[];
        // In order and at most once, whatever was lost.
        for (let i = 1; i < got.length; i++) {
          assert.ok(
            got[i - 1]! < got[i]!,
            `${peer.name}: ${got[i - 1]} then ${got[i]}`,
          );
        }
        // Everything before the outage and after it arrived.
        const received = new Set(got);
        for (const n of [...range(1, 100), ...range(151, 250)]) {
          assert.ok(received.has(n), `${peer.name} lost tick ${n}`);
        }
        // What the outage lost was reported as a gap, never silently.
        const errors = peer.linesOf("error").map((l) => l.message as string);
        const gaps = errors
          .map((m) => /^Missed (\d+) events? from bridge /.exec(m)?.[1])
          .filter((n) => n !== undefined)
          .reduce((sum, n) => sum + Number(n), 0);
        assert.equal(gaps, 50 - got.filter((n) => n > 100 && n <= 150).length);
        assert.ok(
          errors.some((m) => /ECONNREFUSED|closed|Connection/i.test(m)),
          `${peer.name} reported no connection error: ${errors.join("; ")}`,
        );
        console.log(
          `${peer.name}: ${errors.length} errors reported, ${gaps} of 50 events emitted during the outage lost; first: ${
            errors[0]
          }`,
        );
      }
      assert.equal(await a.quit(), 0);
      assert.equal(await b.quit(), 0);
    } finally {
      await a.kill();
      await b.kill();
    }
  },
);

redisTest(
  "bridgeRedis() never delivers its own messages back to its bus",
  async () => {
    await using server = await RedisServer.start();
    await using clients = ioredisPair(server);
    const channel = `bus-${crypto.randomUUID()}`;
    const bus = new EventBus<{ ping: number; marker: undefined }>();
    const seen: string[] = [];
    bus.subscribeAll((event) =>
      void seen.push(`${event.name} ${event.payload}`)
    );
    await using bridge = bridgeRedis(bus, clients, { channel });
    await bridge.ready;
    const marker = bus.waitFor("marker", {
      signal: AbortSignal.timeout(10_000),
    });
    await bus.emit("ping", 1);
    // Published after the ping on the same connection, so Redis delivers it
    // after the ping's echo, had there been one.
    await clients.publisher.publish(
      channel,
      JSON.stringify({ origin: "other", seq: 1, event: "marker" }),
    );
    await marker;
    assert.deepEqual(seen, ["ping 1", "marker undefined"]);
  },
);

redisTest(
  "bridgeRedis() rejects a payload JSON cannot carry with a TypeError naming the event",
  async () => {
    await using server = await RedisServer.start();
    await using clients = ioredisPair(server);
    const bus = new EventBus();
    const errors: unknown[] = [];
    await using bridge = bridgeRedis(bus, clients, {
      channel: "json",
      onError: (error) => errors.push(error),
    });
    await bridge.ready;
    const cases: [unknown, string][] = [
      [{ run() {} }, "payload.run is a function, which JSON cannot carry"],
      [Symbol("s"), "payload is a symbol, which JSON cannot carry"],
      [{ big: 1n }, "payload.big is a BigInt, which JSON cannot carry"],
      [
        new Map(),
        "payload is a Map, which JSON cannot carry (use a plain object, or give it a toJSON method)",
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
  },
);

redisTest(
  "bridgeRedis() reports a message on its channel that is not a bridged event to onError",
  async () => {
    await using server = await RedisServer.start();
    await using clients = ioredisPair(server);
    const bus = new EventBus();
    const failed = deferred<unknown[]>();
    const errors: unknown[] = [];
    await using bridge = bridgeRedis(bus, clients, {
      channel: "junk",
      onError(error) {
        errors.push(error);
        if (errors.length === 2) failed.resolve(errors);
      },
    });
    await bridge.ready;
    // Another channel on the same subscriber connection is none of its business.
    await clients.subscriber.subscribe("elsewhere");
    await clients.publisher.publish("elsewhere", "not json either");
    await clients.publisher.publish("junk", "not json");
    await clients.publisher.publish("junk", JSON.stringify({ event: "x" }));
    const [notJson, notEvent] = await within(failed.promise, "two errors") as [
      TypeError,
      TypeError,
    ];
    assert.ok(notJson instanceof TypeError);
    assert.match(
      notJson.message,
      /^Cannot receive a message on Redis channel "junk": it is not JSON \(/,
    );
    assert.ok(notEvent instanceof TypeError);
    assert.equal(
      notEvent.message,
      "Cannot receive a bridged event: expected an object with string origin, string event and positive integer seq, got an object",
    );
    assert.equal(bus.listenerCount(), 1);
  },
);

redisTest(
  "bridgeRedis() close() unsubscribes and removes every listener it added",
  async () => {
    await using server = await RedisServer.start();
    const publisher = await createClient({
      url: `redis://127.0.0.1:${server.port}`,
    })
      .connect();
    const subscriber = await publisher.duplicate().connect();
    try {
      const bus = new EventBus<{ ping: number }>();
      const listeners = () => [
        publisher.listenerCount("error"),
        subscriber.listenerCount("error"),
        subscriber.listenerCount("message"),
      ];
      const before = listeners();
      const bridge = bridgeRedis(bus, { publisher, subscriber }, {
        channel: "c",
      });
      await bridge.ready;
      assert.equal(await subscribers(server, "c"), 1);
      assert.deepEqual(listeners(), [
        before[0]! + 1,
        before[1]! + 1,
        before[2]! + 1,
      ]);
      await bridge.close();
      assert.equal(bridge.closed, true);
      assert.equal(await subscribers(server, "c"), 0);
      assert.deepEqual(listeners(), before);
      assert.equal(bus.listenerCount(), 0);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  },
);

Deno.test("bridgeRedis() throws a TypeError for bad clients and options", () => {
  const bus = new EventBus();
  const client = {
    publish: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    unsubscribe: () => Promise.resolve(),
    on() {},
    off() {},
  } satisfies RedisClient;
  const other = { ...client };
  const action = "Cannot bridge the bus to Redis";
  assert.throws(
    // @ts-expect-error: not a bus
    () => bridgeRedis({}, { publisher: client, subscriber: other }),
    new TypeError(`${action}: bus must be an EventBus, got an object`),
  );
  assert.throws(
    // @ts-expect-error: no clients
    () => bridgeRedis(bus, null),
    new TypeError(
      `${action}: clients must be an object with a publisher and a subscriber, got null`,
    ),
  );
  assert.throws(
    // @ts-expect-error: no subscriber
    () => bridgeRedis(bus, { publisher: client }),
    new TypeError(
      `${action}: clients.subscriber must be a Redis client with publish, subscribe, unsubscribe, on and off methods, got undefined`,
    ),
  );
  assert.throws(
    () => bridgeRedis(bus, { publisher: client, subscriber: client }),
    new TypeError(
      `${action}: clients.publisher and clients.subscriber must be two connections (a subscribed connection cannot publish), got the same client twice`,
    ),
  );
  assert.throws(
    () =>
      bridgeRedis(bus, { publisher: client, subscriber: other }, {
        channel: "",
      }),
    new TypeError(
      `${action}: options.channel must be a non-empty string, got string ""`,
    ),
  );
  assert.throws(
    () =>
      bridgeRedis(bus, { publisher: client, subscriber: other }, {
        // @ts-expect-error: wrong type
        onError: 1,
      }),
    new TypeError(
      `${action}: options.onError must be a function, got number 1`,
    ),
  );
  assert.equal(bus.listenerCount(), 0);
});
