// Copyright 2026 the arcly authors. MIT license.

// Runs against a real redis-server with an append-only file, started on a
// free loopback port by each test and stopped by it. The large fault runs
// (processes killed, Redis killed, 100,000 entries) are in
// redis_streams_deep_test.ts (`deno task test:streams`).

import assert from "node:assert/strict";
import { Redis } from "npm:ioredis@5.11.1";
import { createClient } from "npm:redis@5.12.1";
import { type Delivery, EventBus } from "./mod.ts";
import {
  appendRedisStream,
  consumeRedisStream,
  type ConsumeRedisStreamOptions,
  DeadLetterError,
  type RedisStreamClient,
  type RedisStreamConsumer,
} from "./redis_streams.ts";
import type { StandardSchema } from "./schema.ts";
import { DurableRedis } from "./testdata/streams_server.ts";
import { redisTestsEnabled } from "./testdata/redis_server.ts";
import { deferred, within } from "./_test_util.ts";

const ignore = !(await redisTestsEnabled());

type Events = {
  "order.placed": { n: number };
  "cache.cleared": undefined;
};

/** A test that needs a real redis-server: it gets one of its own. */
function streamsTest(
  name: string,
  fn: (server: DurableRedis) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore,
    async fn() {
      await using server = await DurableRedis.start();
      await fn(server);
    },
  });
}

type Kind = "ioredis" | "node-redis";

/** A command connection and a reader connection, quit by `await using`. */
async function connect(server: DurableRedis, kind: Kind = "ioredis") {
  if (kind === "ioredis") {
    const client = new Redis({ host: "127.0.0.1", port: server.port });
    const reader = client.duplicate();
    return {
      client,
      reader,
      send: (...args: string[]) => client.call(args[0]!, ...args.slice(1)),
      async [Symbol.asyncDispose]() {
        await Promise.all([client.quit(), reader.quit()]);
      },
    };
  }
  const client = await createClient({ url: `redis://127.0.0.1:${server.port}` })
    .connect();
  const reader = await client.duplicate().connect();
  return {
    client,
    reader,
    send: (...args: string[]) => client.sendCommand(args),
    async [Symbol.asyncDispose]() {
      await Promise.all([client.close(), reader.close()]);
    },
  };
}

/** Resolves when `count()` reaches `target`, checked after each `tick()`. */
function counter(target: number) {
  let count = 0;
  const done = deferred();
  if (target === 0) done.resolve();
  return {
    get count() {
      return count;
    },
    tick() {
      if (++count === target) done.resolve();
    },
    wait: (what: string, ms = 10_000) => within(done.promise, what, ms),
  };
}

async function pendingCount(
  send: (...args: string[]) => Promise<unknown>,
  stream: string,
  group: string,
): Promise<number> {
  const summary = await send("XPENDING", stream, group) as unknown[];
  return Number(summary[0]);
}

/** The entries of a stream as `{ field: value }` objects. */
async function entries(
  send: (...args: string[]) => Promise<unknown>,
  stream: string,
): Promise<Record<string, string>[]> {
  const reply = await send("XRANGE", stream, "-", "+") as [
    string,
    string[],
  ][];
  return reply.map(([, fields]) => {
    const out: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
    return out;
  });
}

Deno.test("consumeRedisStream() and appendRedisStream() reject bad arguments, naming them", async (t) => {
  const bus = new EventBus<Events>();
  const client = { call: () => Promise.resolve(null) };
  const reader = { sendCommand: () => Promise.resolve(null) };
  const consume = (options: unknown, clients: unknown = { client, reader }) =>
    consumeRedisStream(
      bus,
      clients as never,
      options as ConsumeRedisStreamOptions<Events>,
    );
  const cases: [string, () => unknown, typeof TypeError, RegExp][] = [
    [
      "bus",
      () => consumeRedisStream({} as never, { client, reader }, { group: "g" }),
      TypeError,
      /: bus must be an EventBus, got an object$/,
    ],
    [
      "clients",
      () => consume({ group: "g" }, null),
      TypeError,
      /: clients must be an object with client and reader, got null$/,
    ],
    [
      "clients.client",
      () => consume({ group: "g" }, { client: {}, reader }),
      TypeError,
      /: clients\.client must be an ioredis 5 client \(with call\) or a redis 5 client \(with sendCommand\), got an object$/,
    ],
    [
      "clients.reader",
      () => consume({ group: "g" }, { client, reader: 1 }),
      TypeError,
      /: clients\.reader must be .*, got number 1$/,
    ],
    [
      "the same client twice",
      () => consume({ group: "g" }, { client, reader: client }),
      TypeError,
      /must be two connections/,
    ],
    [
      "options",
      () => consume(null),
      TypeError,
      /: options must be an object, got null$/,
    ],
    [
      "group missing",
      () => consume({}),
      TypeError,
      /: options\.group must be a non-empty string, got undefined$/,
    ],
    [
      "group empty",
      () => consume({ group: "" }),
      TypeError,
      /: options\.group must be a non-empty string, got string ""$/,
    ],
    [
      "stream",
      () => consume({ group: "g", stream: 1 }),
      TypeError,
      /: options\.stream must be a non-empty string, got number 1$/,
    ],
    [
      "consumer",
      () => consume({ group: "g", consumer: "" }),
      TypeError,
      /: options\.consumer must be/,
    ],
    [
      "deadLetter",
      () => consume({ group: "g", deadLetter: [] }),
      TypeError,
      /: options\.deadLetter must be a non-empty string, got an array$/,
    ],
    [
      "concurrency type",
      () => consume({ group: "g", concurrency: "8" }),
      TypeError,
      /: options\.concurrency must be a number, got string "8"$/,
    ],
    [
      "concurrency 0",
      () => consume({ group: "g", concurrency: 0 }),
      RangeError,
      /: options\.concurrency must be a positive integer, got 0$/,
    ],
    [
      "claimAfter",
      () => consume({ group: "g", claimAfter: 1.5 }),
      RangeError,
      /: options\.claimAfter must be a positive integer, got 1\.5$/,
    ],
    [
      "maxDeliveries",
      () => consume({ group: "g", maxDeliveries: Infinity }),
      RangeError,
      /: options\.maxDeliveries must be a positive integer, got Infinity$/,
    ],
    [
      "closeTimeout",
      () => consume({ group: "g", closeTimeout: -1 }),
      RangeError,
      /: options\.closeTimeout must be a non-negative integer, got -1$/,
    ],
    [
      "schemas",
      () => consume({ group: "g", schemas: { "order.placed": {} } }),
      TypeError,
      /: options\.schemas\["order\.placed"\] must be a Standard Schema/,
    ],
    [
      "onError",
      () => consume({ group: "g", onError: 1 }),
      TypeError,
      /: options\.onError must be a function, got number 1$/,
    ],
    [
      "signal",
      () => consume({ group: "g", signal: {} }),
      TypeError,
      /: options\.signal must be an AbortSignal, got an object$/,
    ],
    [
      "append client",
      () => appendRedisStream(bus, {} as never),
      TypeError,
      /^Cannot append the bus to a Redis stream: client must be an ioredis 5 client/,
    ],
    [
      "append events",
      () => appendRedisStream(bus, client, { events: [1] as never }),
      TypeError,
      /: options\.events must be an array of event names, got an array$/,
    ],
    [
      "append maxLen",
      () => appendRedisStream(bus, client, { maxLen: 0 }),
      RangeError,
      /: options\.maxLen must be a positive integer, got 0$/,
    ],
    [
      "append stream",
      () => appendRedisStream(bus, client, { stream: "" }),
      TypeError,
      /: options\.stream must be a non-empty string, got string ""$/,
    ],
  ];
  for (const [name, run, type, message] of cases) {
    await t.step(name, () => {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof type, `${name}: ${error}`);
        assert.match((error as Error).message, message);
        if (!name.startsWith("append")) {
          assert.match(
            (error as Error).message,
            /^Cannot consume a Redis stream: /,
          );
        }
        return true;
      });
    });
  }
  assert.equal(bus.listenerCount(), 0);
});

streamsTest(
  "consumeRedisStream() delivers each entry to one consumer of each group, with ioredis and node-redis",
  async (server) => {
    const stream = "orders";
    const total = 1_000;
    await using io = await connect(server, "ioredis");
    await using node = await connect(server, "node-redis");
    await using node2 = await connect(server, "node-redis");
    const producer = new EventBus<Events>();
    const appender = appendRedisStream(producer, io.client, { stream });
    // Group "mail": two consumers, one per client library. Group "audit": one.
    const seen: Record<string, Map<string, Delivery>> = {
      mail: new Map(),
      audit: new Map(),
    };
    const done = { mail: counter(total), audit: counter(total) };
    const consumers: RedisStreamConsumer[] = [];
    for (
      const [group, clients] of [
        ["mail", io],
        ["mail", node],
        ["audit", node2],
      ] as const
    ) {
      const bus = new EventBus<Events>();
      bus.subscribe("order.placed", (_order, delivery) => {
        assert.ok(!seen[group]!.has(delivery.id!), `${group} twice`);
        seen[group]!.set(delivery.id!, delivery);
        done[group].tick();
      });
      consumers.push(
        consumeRedisStream(bus, clients, { stream, group, concurrency: 4 }),
      );
    }
    await Promise.all(consumers.map((c) => c.ready));
    for (let n = 0; n < total; n++) await producer.emit("order.placed", { n });
    await done.mail.wait("the mail group");
    await done.audit.wait("the audit group");
    await Promise.all(consumers.map((c) => c.close()));
    assert.equal(await io.send("XLEN", stream), total);
    for (const group of ["mail", "audit"]) {
      assert.equal(seen[group]!.size, total);
      for (const delivery of seen[group]!.values()) {
        assert.deepEqual(Object.keys(delivery), [
          "local",
          "id",
          "attempt",
        ]);
        assert.equal(delivery.local, false);
        assert.match(delivery.id!, /^\d+-\d+$/);
        assert.equal(delivery.attempt, 1);
        assert.ok(Object.isFrozen(delivery));
      }
      assert.equal(await pendingCount(io.send, stream, group), 0);
    }
    const [a, b, c] = consumers.map((consumer) => consumer.stats);
    assert.equal(a!.acked + b!.acked, total);
    assert.ok(a!.acked > 0 && b!.acked > 0, "both mail consumers worked");
    assert.equal(c!.acked, total);
    // The consumers never quit the clients.
    assert.equal(await io.send("PING"), "PONG");
    assert.equal(await node.send("PING"), "PONG");
    appender.close();
  },
);

streamsTest(
  "appendRedisStream() appends local emits of the chosen events once stored, trimmed by maxLen",
  async (server) => {
    await using io = await connect(server);
    const bus = new EventBus<Events>();
    const appender = appendRedisStream(bus, io.client, {
      stream: "s",
      events: ["cache.cleared"],
      maxLen: 1,
    });
    await bus.emit("cache.cleared");
    assert.deepEqual(await entries(io.send, "s"), [{
      event: "cache.cleared",
    }]);
    await bus.emit("order.placed", { n: 1 }); // not chosen
    // Received events are not appended again.
    const { receive } = await import("./_receive.ts");
    await receive(bus, "cache.cleared", undefined, { local: false, id: "x" });
    assert.equal(await io.send("XLEN", "s"), 1);
    const all = appendRedisStream(bus, io.client, { stream: "all" });
    await receive(bus, "order.placed", { n: 1 }, { local: false, id: "y" });
    await bus.emit("order.placed", { n: 2 });
    assert.deepEqual(await entries(io.send, "all"), [{
      event: "order.placed",
      payload: '{"n":2}',
    }]);
    // MAXLEN ~ 1 keeps the stream near one entry; Redis trims whole nodes.
    for (let i = 0; i < 300; i++) await bus.emit("cache.cleared");
    assert.ok(Number(await io.send("XLEN", "s")) < 300);
    await assert.rejects(
      bus.emit("order.placed", { n: 1n } as never),
      (error: AggregateError) => {
        assert.equal(
          (error.errors[0] as Error).message,
          'Cannot append "order.placed": payload.n is a BigInt, which JSON cannot carry',
        );
        return true;
      },
    );
    appender.close();
    all.close();
    assert.equal(appender.closed, true);
    assert.equal(bus.listenerCount(), 0);
    const aborted = appendRedisStream(bus, io.client, {
      signal: AbortSignal.abort(),
    });
    assert.equal(aborted.closed, true);
    assert.equal(bus.listenerCount(), 0);
    const controller = new AbortController();
    const later = appendRedisStream(bus, io.client, {
      signal: controller.signal,
    });
    assert.equal(bus.listenerCount(), 1);
    controller.abort();
    assert.equal(later.closed, true);
    assert.equal(bus.listenerCount(), 0);
  },
);

streamsTest(
  "appendRedisStream() makes the emit reject when Redis refuses the append",
  async (server) => {
    await using io = await connect(server);
    await io.send("SET", "taken", "a string, not a stream");
    const bus = new EventBus<Events>();
    using _appender = appendRedisStream(bus, io.client, { stream: "taken" });
    await assert.rejects(bus.emit("cache.cleared"), (error: AggregateError) => {
      assert.match(String(error.errors[0]), /WRONGTYPE/);
      return true;
    });
  },
);

/** A consumer on its own bus with `listener` and fast claims. */
function failing(
  clients: { client: RedisStreamClient; reader: RedisStreamClient },
  listener: (order: { n: number }, delivery: Delivery) => unknown,
  options: Partial<ConsumeRedisStreamOptions<Events>> & {
    busOnError?: boolean;
  } = {},
) {
  const errors: unknown[] = [];
  const busErrors: unknown[] = [];
  const bus = new EventBus<Events>(
    options.busOnError ? { onError: (error) => busErrors.push(error) } : {},
  );
  bus.subscribe("order.placed", listener);
  const consumer = consumeRedisStream(bus, clients, {
    stream: "s",
    group: "g",
    claimAfter: 40,
    maxDeliveries: 3,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { bus, consumer, errors, busErrors };
}

streamsTest(
  "consumeRedisStream() redelivers a failed entry with backoff and acks it once it succeeds",
  async (server) => {
    for (const busOnError of [false, true]) {
      await using io = await connect(server);
      const stream = `s${busOnError}`;
      const attempts: Delivery[] = [];
      const times: number[] = [];
      const succeeded = deferred();
      const { consumer, errors, busErrors } = failing(
        io,
        (_order, delivery) => {
          attempts.push(delivery);
          times.push(performance.now());
          if (attempts.length < 3) throw new Error(`fail ${attempts.length}`);
          succeeded.resolve();
        },
        { busOnError, stream, claimAfter: 150 },
      );
      await consumer.ready;
      const producer = new EventBus<Events>();
      using _a = appendRedisStream(producer, io.client, { stream });
      await producer.emit("order.placed", { n: 1 });
      await within(succeeded.promise, "the third delivery");
      await consumer.close();
      assert.deepEqual(attempts.map((d) => d.attempt), [1, 2, 3]);
      assert.equal(new Set(attempts.map((d) => d.id)).size, 1);
      // Backoff: the first wait is claimAfter (150 ms), the second twice
      // that (less a millisecond for the round trip before the listener).
      assert.ok(
        times[1]! - times[0]! >= 149,
        `first wait ${times[1]! - times[0]!}`,
      );
      assert.ok(
        times[2]! - times[1]! >= 299,
        `second wait ${times[2]! - times[1]!}`,
      );
      assert.deepEqual(consumer.stats, {
        delivered: 3,
        redelivered: 2,
        acked: 1,
        failed: 2,
        deadLettered: 0,
      });
      assert.equal(await pendingCount(io.send, stream, "g"), 0);
      // The listener errors went to the bus's onError when it had one, else
      // to the consumer's (as the emit's AggregateError).
      if (busOnError) {
        assert.deepEqual(busErrors.map(String), [
          "Error: fail 1",
          "Error: fail 2",
        ]);
        assert.deepEqual(errors, []);
      } else {
        assert.deepEqual(
          errors.map((e) => String((e as AggregateError).errors[0])),
          ["Error: fail 1", "Error: fail 2"],
        );
      }
    }
  },
);

streamsTest(
  "consumeRedisStream() dead-letters an entry after maxDeliveries, with its errors",
  async (server) => {
    await using io = await connect(server, "node-redis");
    let calls = 0;
    const dead = deferred();
    const { consumer, errors } = failing(io, () => {
      calls++;
      return Promise.reject(new RangeError(`no ${calls}`));
    }, {
      onError(error) {
        errors.push(error);
        if (error instanceof DeadLetterError) dead.resolve();
      },
    });
    await consumer.ready;
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, io.client, { stream: "s" });
    await producer.emit("order.placed", { n: 7 });
    const id = (await entries(io.send, "s")).length === 1
      ? ((await io.send("XRANGE", "s", "-", "+")) as [string][])[0]![0]
      : "";
    await within(dead.promise, "the dead letter");
    await consumer.close();
    assert.equal(calls, 3);
    const letter = errors.at(-1) as DeadLetterError;
    assert.equal(letter.id, id);
    assert.equal(letter.event, "order.placed");
    assert.equal(letter.deliveries, 3);
    assert.equal(letter.reason, "1 listener failed on delivery 3 of 3");
    assert.deepEqual(letter.errors.map(String), ["RangeError: no 3"]);
    assert.equal(
      letter.message,
      `Dead-lettered stream entry ${id} of "order.placed" after 3 deliveries: 1 listener failed on delivery 3 of 3`,
    );
    const [copy, ...rest] = await entries(io.send, "s:dead");
    assert.deepEqual(rest, []);
    const { errors: json, ...fields } = copy!;
    assert.deepEqual(fields, {
      event: "order.placed",
      payload: '{"n":7}',
      id,
      group: "g",
      consumer: consumer.consumer,
      deliveries: "3",
      reason: "1 listener failed on delivery 3 of 3",
    });
    const [error] = JSON.parse(json!);
    assert.equal(error.name, "RangeError");
    assert.equal(error.message, "no 3");
    assert.equal(await pendingCount(io.send, "s", "g"), 0);
    assert.equal(consumer.stats.deadLettered, 1);
  },
);

streamsTest(
  "consumeRedisStream() dead-letters undecodable and schema-failing entries at once, without blocking the group",
  async (server) => {
    await using io = await connect(server);
    const positive: StandardSchema<{ n: number }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) =>
          (value as { n: number }).n > 0
            ? { value: value as { n: number } }
            : { issues: [{ message: "not positive", path: ["n"] }] },
      },
    };
    const seen: number[] = [];
    const good = deferred();
    const letters: DeadLetterError[] = [];
    const { consumer } = failing(io, (order) => {
      seen.push(order.n);
      good.resolve();
    }, {
      concurrency: 1,
      schemas: { "order.placed": positive },
      onError: (error) => letters.push(error as DeadLetterError),
    });
    await consumer.ready;
    await io.send("XADD", "s", "*", "payload", "{}");
    for (const payload of ["{nope", '{"n":0}', '{"n":5}']) {
      await io.send(
        "XADD",
        "s",
        "*",
        "event",
        "order.placed",
        "payload",
        payload,
      );
    }
    await within(good.promise, "the good entry");
    await consumer.close();
    assert.deepEqual(seen, [5]);
    assert.deepEqual(letters.map((l) => [l.deliveries, l.reason]), [
      [1, 'cannot decode it: it has no string field "event"'],
      [
        1,
        "cannot decode it: its payload is not JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2))",
      ],
      [
        1,
        'Dropped "order.placed": payload failed its schema: n: not positive',
      ],
    ]);
    const dead = await entries(io.send, "s:dead");
    assert.deepEqual(dead.map((d) => d.reason), letters.map((l) => l.reason));
    assert.equal(await pendingCount(io.send, "s", "g"), 0);
  },
);

streamsTest(
  "consumeRedisStream() never has more than concurrency deliveries in flight, nor reads more",
  async (server) => {
    await using io = await connect(server);
    const total = 200;
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, io.client, { stream: "s" });
    for (let n = 0; n < total; n++) await producer.emit("order.placed", { n });
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => release = resolve);
    // Entries 0, 50, 100 and 150 stall; the others finish at once. Once
    // three stall, every slot is taken.
    const started = counter(3);
    const done = counter(total);
    const heartbeats = counter(5);
    let inFlight = 0;
    let most = 0;
    const { consumer } = failing({
      client: {
        call(...args: string[]) {
          if (args[0] === "XCLAIM" && args.at(-1) === "JUSTID") {
            heartbeats.tick();
          }
          return io.send(...args);
        },
      },
      reader: io.reader,
    }, async (order) => {
      most = Math.max(most, ++inFlight);
      if (order.n % 50 === 0) {
        started.tick();
        await stalled;
      }
      inFlight--;
      done.tick();
    }, { concurrency: 3, claimAfter: 20 });
    await started.wait("three stalled deliveries");
    // Claim ticks go on while the listeners stall, keeping them from going
    // idle; nothing more is read.
    await heartbeats.wait("five heartbeats");
    assert.equal(consumer.inFlight, 3);
    assert.equal(await pendingCount(io.send, "s", "g"), 3);
    assert.equal(consumer.stats.delivered, 101); // entries 0 to 100
    release();
    await done.wait("every delivery");
    await consumer.close();
    assert.equal(most, 3);
    assert.equal(consumer.stats.delivered, total);
    assert.equal(consumer.stats.acked, total);
  },
);

streamsTest(
  "RedisStreamConsumer.close() waits for deliveries in flight, acks those that finish, never the others",
  async (server) => {
    await using io = await connect(server);
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, io.client, { stream: "s" });
    await producer.emit("order.placed", { n: 1 });
    await producer.emit("order.placed", { n: 2 });
    const started = counter(2);
    const quick = deferred();
    const { consumer, errors } = failing(io, async (order) => {
      started.tick();
      if (order.n === 1) await quick.promise;
      else await new Promise(() => {}); // never settles
    }, { concurrency: 2, closeTimeout: 100, consumer: "c1" });
    await started.wait("both deliveries");
    const closing = consumer.close();
    assert.equal(consumer.closed, true);
    await consumer.ready; // it had started
    quick.resolve();
    await closing;
    assert.equal(consumer.stats.acked, 1);
    assert.equal(await pendingCount(io.send, "s", "g"), 1);
    assert.deepEqual(errors.map(String), [
      'Error: Closed the consumer "c1" with 1 deliveries unfinished after 100 ms: they stay pending and will be delivered again',
    ]);
    // Reading stopped: a new entry stays unread.
    await producer.emit("order.placed", { n: 3 });
    const info = await io.send("XINFO", "GROUPS", "s") as unknown[][];
    assert.equal(info[0]![info[0]!.indexOf("lag") + 1], 1);
    assert.equal(await io.send("PING"), "PONG");
    // Restarted under its name, it delivers its pending entry again first,
    // at once.
    const again: [number, number | undefined][] = [];
    const both = counter(2);
    const { consumer: restarted } = failing(io, (order, delivery) => {
      again.push([order.n, delivery.attempt]);
      both.tick();
    }, { consumer: "c1", claimAfter: 60_000 }); // no claim could deliver it
    await both.wait("the restarted consumer");
    await restarted.close();
    assert.deepEqual(again, [[2, 2], [3, 1]]);
    assert.equal(await pendingCount(io.send, "s", "g"), 0);
  },
);

streamsTest(
  "consumeRedisStream() does not start reading with an aborted signal, and stops on abort",
  async (server) => {
    await using io = await connect(server);
    const { consumer } = failing(io, () => {}, {
      signal: AbortSignal.abort(),
    });
    assert.equal(consumer.closed, true);
    await consumer.close();
    const controller = new AbortController();
    const { consumer: second } = failing(io, () => {}, {
      signal: controller.signal,
    });
    await second.ready;
    controller.abort();
    assert.equal(second.closed, true);
    await second.close();
    assert.deepEqual(
      await io.send("XINFO", "GROUPS", "s").then((g) =>
        (g as unknown[]).length
      ),
      1,
    );
  },
);

streamsTest(
  "consumeRedisStream() keeps a slow delivery from being claimed by another consumer while it runs",
  async (server) => {
    await using a = await connect(server);
    await using b = await connect(server, "node-redis");
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, a.client, { stream: "s" });
    await producer.emit("order.placed", { n: 1 });
    const started = deferred();
    const finish = deferred();
    const { consumer: slow } = failing(a, async () => {
      started.resolve();
      await finish.promise;
    });
    await started.promise;
    // The other consumer counts its claim scans (XPENDING ... IDLE).
    const scanned = counter(6);
    const counting = {
      sendCommand(args: string[]) {
        if (args[0] === "XPENDING" && args[3] === "IDLE") scanned.tick();
        return b.send(...args);
      },
    };
    const other: Delivery[] = [];
    const { consumer: idle } = failing(
      { client: counting, reader: b.reader },
      (_order, delivery) => void other.push(delivery),
    );
    // Six scans, 20 ms apart, span more than twice claimAfter (40 ms).
    await scanned.wait("six claim scans");
    finish.resolve();
    await slow.close();
    await idle.close();
    assert.deepEqual(other, []);
    assert.equal(slow.stats.acked, 1);
    assert.equal(await pendingCount(a.send, "s", "g"), 0);
  },
);

streamsTest(
  "consumeRedisStream() claims no more pending entries than it has free slots",
  async (server) => {
    await using io = await connect(server);
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, io.client, { stream: "s" });
    for (let n = 0; n < 6; n++) await producer.emit("order.placed", { n });
    // The first consumer fails all six and never claims them back.
    const failed = counter(6);
    const { consumer: first } = failing(io, () => {
      failed.tick();
      throw new Error("down");
    }, { concurrency: 6, claimAfter: 60_000, maxDeliveries: 10 });
    await failed.wait("six failures");
    await first.close();
    assert.equal(await pendingCount(io.send, "s", "g"), 6);
    // The second claims them, two at a time.
    const done = counter(6);
    let inFlight = 0;
    let most = 0;
    const attempts: (number | undefined)[] = [];
    const { consumer: second } = failing(io, async (_order, delivery) => {
      most = Math.max(most, ++inFlight);
      attempts.push(delivery.attempt);
      await null;
      inFlight--;
      done.tick();
    }, { concurrency: 2, claimAfter: 20 });
    await done.wait("six redeliveries");
    await second.close();
    assert.equal(most, 2);
    assert.deepEqual(attempts, [2, 2, 2, 2, 2, 2]);
    assert.equal(await pendingCount(io.send, "s", "g"), 0);
  },
);
