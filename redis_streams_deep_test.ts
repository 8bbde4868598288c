// Copyright 2026 the arcly authors. MIT license.

// The fault runs of Redis Streams, each against its own redis-server with an
// append-only file: consumer processes killed and restarted, Redis killed
// and restarted, 100,000 entries through a stalled and then a slow
// listener. Run by `deno task test:streams` (BUS_DEEP=1); each bounded to
// about a minute. They print what they measured.

import assert from "node:assert/strict";
import { Redis } from "npm:ioredis@5.11.1";
import { createClient } from "npm:redis@5.12.1";
import { EventBus } from "./mod.ts";
import {
  appendRedisStream,
  consumeRedisStream,
  type RedisStreamConsumer,
} from "./redis_streams.ts";
import { DurableRedis } from "./testdata/streams_server.ts";
import { redisTestsEnabled } from "./testdata/redis_server.ts";
import { DEEP, deferred, HAS_GC, heapAfterGc, within } from "./_test_util.ts";

const ignore = !DEEP || !(await redisTestsEnabled());

type Events = { "order.placed": { n: number } };

/** Runs `check` every 50 ms until it returns true, for at most `ms`. */
async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `lag` and `pending` of each group of `stream`, from XINFO GROUPS. */
async function groups(
  redis: Redis,
  stream: string,
): Promise<Map<string, { lag: number; pending: number }>> {
  const reply = await redis.call("XINFO", "GROUPS", stream) as unknown[][];
  const out = new Map<string, { lag: number; pending: number }>();
  for (const row of reply) {
    const get = (key: string) => row[row.indexOf(key) + 1];
    out.set(String(get("name")), {
      lag: Number(get("lag")),
      pending: Number(get("pending")),
    });
  }
  return out;
}

/** Appends `total` order events, `window` at a time, retrying failures. */
async function produce(
  bus: EventBus<Events>,
  from: number,
  to: number,
  window = 64,
): Promise<number> {
  let failures = 0;
  let next = from;
  const worker = async () => {
    while (next < to) {
      const n = next++;
      while (true) {
        try {
          await bus.emit("order.placed", { n });
          break;
        } catch {
          // Redis is down: the append may or may not have landed; append
          // again (a duplicate entry is allowed, a lost one is not).
          failures++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return failures;
}

/** A testdata/streams_consumer.ts process. */
class ConsumerProcess {
  readonly name: string;
  readonly lines: Record<string, unknown>[] = [];
  #child: Deno.ChildProcess;
  #stdout: Promise<void>;
  #stderr: Promise<string>;

  constructor(
    kind: "ioredis" | "node-redis",
    port: number,
    group: string,
    name: string,
    log: string,
  ) {
    this.name = name;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./testdata/streams_consumer.ts", import.meta.url).pathname,
        kind,
        String(port),
        "orders",
        group,
        name,
        log,
        "300",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stderr = new Response(child.stderr).text();
    this.#stdout = (async () => {
      let buffered = "";
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf("\n")) >= 0) {
          this.lines.push(JSON.parse(buffered.slice(0, end)));
          buffered = buffered.slice(end + 1);
        }
      }
    })();
  }

  /** The count of the last progress line. */
  get handled(): number {
    const last = this.lines.findLast((l) => l.type === "progress");
    return Number(last?.handled ?? 0);
  }

  ready(): Promise<void> {
    return until(
      () => this.lines.some((l) => l.type === "ready"),
      `${this.name} ready`,
      20_000,
    );
  }

  /** Sends `signal` and waits for the exit; returns the stats line, if any. */
  async stop(
    signal: "SIGTERM" | "SIGKILL",
  ): Promise<Record<string, unknown> | undefined> {
    this.#child.kill(signal);
    const status = await within(
      this.#child.status,
      `${this.name} exit`,
      20_000,
    );
    await this.#stdout;
    const stderr = await this.#stderr;
    if (signal === "SIGTERM") {
      assert.equal(status.code, 0, `${this.name} failed:\n${stderr}`);
    }
    return this.lines.find((l) => l.type === "stats");
  }
}

/** The handlers' logs: per group, each successful handling of each entry. */
async function readLogs(paths: string[]) {
  const ids = new Map<string, number>();
  const values = new Set<number>();
  let handlings = 0;
  let redelivered = 0;
  for (const path of paths) {
    const text = await Deno.readTextFile(path).catch(() => "");
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const [id, attempt, n] = line.split(" ");
      handlings++;
      if (Number(attempt) > 1) redelivered++;
      ids.set(id!, (ids.get(id!) ?? 0) + 1);
      values.add(Number(n));
    }
  }
  const duplicates = [...ids.values()].filter((count) => count > 1).length;
  return { ids, values, handlings, redelivered, duplicates };
}

Deno.test({
  name:
    "consumeRedisStream() handles 10,000 events once per group while consumers are killed and restarted",
  ignore,
  async fn() {
    const total = 10_000;
    const started = performance.now();
    await using server = await DurableRedis.start();
    const dir = await Deno.makeTempDir({ prefix: "arcly-streams-logs-" });
    const redis = new Redis({ host: "127.0.0.1", port: server.port });
    redis.on("error", () => {});
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, redis, { stream: "orders" });
    const log = (name: string) => `${dir}/${name}.log`;
    const a1 = new ConsumerProcess(
      "ioredis",
      server.port,
      "a",
      "a1",
      log("a1"),
    );
    let a2 = new ConsumerProcess(
      "node-redis",
      server.port,
      "a",
      "a2",
      log("a2"),
    );
    const a3 = new ConsumerProcess(
      "ioredis",
      server.port,
      "a",
      "a3",
      log("a3"),
    );
    const b1 = new ConsumerProcess(
      "node-redis",
      server.port,
      "b",
      "b1",
      log("b1"),
    );
    const processes = [a1, a2, a3, b1];
    const stats: Record<string, unknown>[] = [];
    let a1Pending = 0;
    try {
      await Promise.all(processes.map((p) => p.ready()));
      const producing = produce(producer, 0, total);
      // Mid-run: a1 is killed once it handled 1,000; a2 is stopped once it
      // handled 1,500 and started again under its name.
      await until(() => a1.handled >= 1_000, "a1 at 1,000", 30_000);
      await a1.stop("SIGKILL");
      a1Pending = (await redis.call(
        "XPENDING",
        "orders",
        "a",
        "-",
        "+",
        "100",
        "a1",
      ) as unknown[]).length;
      await until(() => a2.handled >= 1_500, "a2 at 1,500", 30_000);
      const stopped = await a2.stop("SIGTERM");
      stats.push({ consumer: "a2 (stopped)", ...stopped });
      a2 = new ConsumerProcess("node-redis", server.port, "a", "a2", log("a2"));
      processes.push(a2);
      await a2.ready();
      await producing;
      // Done when both groups have read everything and acked it all.
      await until(
        async () => {
          const info = await groups(redis, "orders");
          return [...info.values()].every((g) =>
            g.lag === 0 && g.pending === 0
          );
        },
        "both groups done",
        45_000,
      );
      for (const p of [a2, a3, b1]) {
        stats.push({ consumer: p.name, ...await p.stop("SIGTERM") });
      }
    } finally {
      for (const p of processes) await p.stop("SIGKILL").catch(() => {});
    }
    const a = await readLogs([log("a1"), log("a2"), log("a3")]);
    const b = await readLogs([log("b1")]);
    const seconds = (performance.now() - started) / 1000;
    console.log(JSON.stringify({
      total,
      seconds: Number(seconds.toFixed(1)),
      a1PendingAtKill: a1Pending,
      groupA: {
        ids: a.ids.size,
        handlings: a.handlings,
        redelivered: a.redelivered,
        handledTwice: a.duplicates,
      },
      groupB: {
        ids: b.ids.size,
        handlings: b.handlings,
        redelivered: b.redelivered,
        handledTwice: b.duplicates,
      },
      stats,
    }));
    for (const group of [a, b]) {
      assert.equal(group.ids.size, total);
      assert.equal(group.values.size, total);
    }
    // What a1 held when it was killed was delivered again to the others.
    assert.ok(a.redelivered >= a1Pending);
    assert.equal(b.duplicates, 0);
    assert.equal(await redis.xlen("orders:dead"), 0);
    await redis.quit();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "consumeRedisStream() loses nothing when Redis is killed with SIGKILL mid-run and restarted",
  ignore,
  async fn() {
    const total = 5_000;
    const started = performance.now();
    await using server = await DurableRedis.start();
    const io = new Redis({ host: "127.0.0.1", port: server.port });
    io.on("error", () => {});
    // The consumers' clients fail commands while Redis is down instead of
    // holding and resending them, so the consumers see the failures and must
    // recover by themselves.
    const ioConsumer = new Redis({
      host: "127.0.0.1",
      port: server.port,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
    const ioReader = ioConsumer.duplicate();
    ioConsumer.on("error", () => {});
    ioReader.on("error", () => {});
    const node = await createClient({
      url: `redis://127.0.0.1:${server.port}`,
      disableOfflineQueue: true,
    }).on("error", () => {}).connect();
    const nodeReader = await node.duplicate().on("error", () => {}).connect();
    const producer = new EventBus<Events>();
    using _a = appendRedisStream(producer, io, { stream: "orders" });
    const handled = new Map<number, number>();
    let redelivered = 0;
    const errors: unknown[] = [];
    const consumers: RedisStreamConsumer[] = [];
    for (
      const [client, reader] of [[ioConsumer, ioReader], [node, nodeReader]]
    ) {
      const bus = new EventBus<Events>();
      bus.subscribe("order.placed", async (order, delivery) => {
        await Promise.resolve();
        handled.set(order.n, (handled.get(order.n) ?? 0) + 1);
        if (delivery.attempt! > 1) redelivered++;
      });
      consumers.push(
        consumeRedisStream(bus, { client: client!, reader: reader! }, {
          stream: "orders",
          group: "g",
          claimAfter: 300,
          onError: (error) => errors.push(error),
        }),
      );
    }
    await Promise.all(consumers.map((c) => c.ready));
    // Redis is killed while appends and deliveries are in flight, and stays
    // down for 300 ms.
    await produce(producer, 0, 2_000, 16);
    await until(() => handled.size >= 1_000, "1,000 handled", 30_000);
    const producing = produce(producer, 2_000, total, 16);
    await server.stop("SIGKILL");
    const atKill = handled.size;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.restart();
    const failures = await producing;
    await until(
      async () => {
        const info = await groups(io, "orders").catch(() => undefined);
        const g = info?.get("g");
        return handled.size === total && g?.lag === 0 && g.pending === 0;
      },
      "every event handled and acked",
      45_000,
    );
    await Promise.all(consumers.map((c) => c.close()));
    console.log(JSON.stringify({
      total,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      handledAtKill: atKill,
      handled: handled.size,
      handledTwice: [...handled.values()].filter((c) => c > 1).length,
      redelivered,
      appendsRetried: failures,
      redisErrorsReported: errors.length,
      stats: consumers.map((c) => c.stats),
    }));
    for (let n = 0; n < total; n++) assert.ok(handled.has(n), `lost ${n}`);
    assert.ok(errors.length > 0, "the consumers saw Redis fail");
    await Promise.all([
      io.quit(),
      ioConsumer.quit(),
      ioReader.quit(),
      node.close(),
      nodeReader.close(),
    ]);
  },
});

Deno.test({
  name:
    "consumeRedisStream() keeps concurrency and a flat heap over 100,000 entries behind a stalled listener",
  ignore: ignore || !HAS_GC,
  async fn() {
    const total = 100_000;
    const concurrency = 8;
    const started = performance.now();
    await using server = await DurableRedis.start();
    const client = new Redis({ host: "127.0.0.1", port: server.port });
    const reader = client.duplicate();
    // Appended in pipelines of 1,000, the way a busy producer would.
    for (let from = 0; from < total; from += 1_000) {
      const pipeline = client.pipeline();
      for (let n = from; n < from + 1_000; n++) {
        pipeline.xadd(
          "s",
          "*",
          "event",
          "order.placed",
          "payload",
          `{"n":${n}}`,
        );
      }
      await pipeline.exec();
    }
    const stall = deferred();
    let stalled = true;
    let inFlight = 0;
    let most = 0;
    let handled = 0;
    const all = deferred();
    const bus = new EventBus<Events>();
    bus.subscribe("order.placed", async () => {
      most = Math.max(most, ++inFlight);
      if (stalled) await stall.promise;
      else await null;
      inFlight--;
      if (++handled === total) all.resolve();
    });
    const heap: Record<string, number> = {};
    let heartbeats = 0;
    const counting = {
      call(command: string, ...args: string[]) {
        if (command === "XCLAIM" && args.at(-1) === "JUSTID") heartbeats++;
        return client.call(command, ...args);
      },
    };
    const consumer = consumeRedisStream(bus, { client: counting, reader }, {
      stream: "s",
      group: "g",
      concurrency,
      claimAfter: 200,
    });
    await until(() => inFlight === concurrency, "stalled deliveries", 10_000);
    heap.stalled = heapAfterGc();
    // Stalled for several claim ticks: nothing more read, nothing claimed.
    const from = heartbeats;
    await until(() => heartbeats >= from + 3, "three claim ticks", 10_000);
    assert.equal(consumer.inFlight, concurrency);
    assert.equal((await groups(client, "s")).get("g")!.pending, concurrency);
    heap.stalledLater = heapAfterGc();
    // Then the listener goes on, yielding once per delivery.
    stalled = false;
    stall.resolve();
    await until(() => handled >= 10_000, "10,000 handled", 30_000);
    heap.at10k = heapAfterGc();
    await until(() => handled >= 90_000, "90,000 handled", 60_000);
    heap.at90k = heapAfterGc();
    await within(all.promise, "every entry", 30_000);
    await consumer.close();
    const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(2));
    console.log(JSON.stringify({
      total,
      concurrency,
      mostInFlight: most,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      heapMB: Object.fromEntries(
        Object.entries(heap).map(([k, v]) => [k, mb(v)]),
      ),
      stats: consumer.stats,
    }));
    assert.equal(most, concurrency);
    assert.equal(consumer.stats.acked, total);
    assert.ok(
      heap.stalledLater! - heap.stalled! < 1 * 2 ** 20,
      `heap grew while stalled: ${mb(heap.stalledLater! - heap.stalled!)} MB`,
    );
    assert.ok(
      heap.at90k! - heap.at10k! < 4 * 2 ** 20,
      `heap grew over 80,000 entries: ${mb(heap.at90k! - heap.at10k!)} MB`,
    );
    await Promise.all([client.quit(), reader.quit()]);
  },
});
